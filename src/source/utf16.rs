//! UTF-16 logs, decoded to UTF-8 as they are read.
//!
//! Windows tools write UTF-16 (PowerShell 5's `>` and `Out-File`, some .NET loggers). Read as
//! bytes, every line of such a file would be malformed; [`detect`] recognises one by its byte
//! order mark, or without a mark by the NUL of every other byte of ASCII text, and
//! [`Utf16Reader`] hands on UTF-8. Code units that do not form a character (an unpaired
//! surrogate, an odd last byte) become U+FFFD, as everywhere invalid text is shown.

use std::io::{self, Read};

/// A UTF-16 byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Little-endian (what Windows writes).
    Little,
    /// Big-endian.
    Big,
}

impl Order {
    /// `utf-16le` or `utf-16be`.
    pub fn name(self) -> &'static str {
        match self {
            Order::Little => "utf-16le",
            Order::Big => "utf-16be",
        }
    }
}

/// Whether a stream starting with `head` (up to its first four bytes) is UTF-16: its byte
/// order, and how many bytes of byte order mark to skip.
pub fn detect(head: &[u8]) -> Option<(Order, usize)> {
    let ascii = |b: u8| (0x01..0x80).contains(&b);
    match *head {
        // FF FE 00 00 is UTF-32's mark, not UTF-16 text starting with NUL.
        [0xFF, 0xFE, 0, 0, ..] => None,
        [0xFF, 0xFE, ..] => Some((Order::Little, 2)),
        [0xFE, 0xFF, ..] => Some((Order::Big, 2)),
        [a, 0, b, 0, ..] if ascii(a) && ascii(b) => Some((Order::Little, 0)),
        [0, a, 0, b, ..] if ascii(a) && ascii(b) => Some((Order::Big, 0)),
        _ => None,
    }
}

/// Reads UTF-16 from `inner` and gives UTF-8.
pub struct Utf16Reader<R> {
    inner: R,
    order: Order,
    /// Raw bytes read and not yet decoded (at most one, an odd byte, between reads).
    odd: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// Decoded text not yet handed on, from `at`.
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// Decodes `inner`, which holds UTF-16 in `order` (its byte order mark already skipped).
    pub fn new(inner: R, order: Order) -> Utf16Reader<R> {
        Utf16Reader {
            inner,
            order,
            odd: None,
            high: None,
            out: Vec::new(),
            at: 0,
            done: false,
        }
    }

    fn push(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    fn unit(&mut self, u: u16) {
        match u {
            0xD800..=0xDBFF => {
                if self.high.replace(u).is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
            }
            0xDC00..=0xDFFF => match self.high.take() {
                Some(h) => {
                    let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                    self.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => self.push(char::REPLACEMENT_CHARACTER),
            },
            _ => {
                if self.high.take().is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                // Not a surrogate, so a character.
                self.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }

    /// Reads and decodes the next block of input into `out`.
    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.at = 0;
        let mut raw = [0u8; 32 << 10];
        let n = loop {
            match self.inner.read(&mut raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.done = true;
            if self.odd.take().is_some() || self.high.take().is_some() {
                self.push(char::REPLACEMENT_CHARACTER);
            }
            return Ok(());
        }
        let mut bytes = &raw[..n];
        if let Some(first) = self.odd.take() {
            self.unit(self.pair(first, bytes[0]));
            bytes = &bytes[1..];
        }
        let mut pairs = bytes.chunks_exact(2);
        for p in &mut pairs {
            self.unit(self.pair(p[0], p[1]));
        }
        self.odd = pairs.remainder().first().copied();
        Ok(())
    }

    fn pair(&self, a: u8, b: u8) -> u16 {
        match self.order {
            Order::Little => u16::from_le_bytes([a, b]),
            Order::Big => u16::from_be_bytes([a, b]),
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(s: &str, order: Order) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| match order {
                Order::Little => u.to_le_bytes(),
                Order::Big => u.to_be_bytes(),
            })
            .collect()
    }

    /// Reads through a reader that hands out `step` bytes at a time, so pairs and surrogates
    /// are split across reads.
    fn decode(bytes: &[u8], order: Order, step: usize) -> String {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = String::new();
        Utf16Reader::new(Trickle(bytes, step), order)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn decodes_either_order_across_any_read_boundary() {
        let text = "{\"msg\":\"caf\u{e9} \u{1F600} ok\"}\r\nsecond line\n";
        for order in [Order::Little, Order::Big] {
            for step in [1, 2, 3, 7, 4096] {
                assert_eq!(
                    decode(&encode(text, order), order, step),
                    text,
                    "{order:?} {step}"
                );
            }
        }
    }

    #[test]
    fn broken_units_become_replacement_characters() {
        let mut b = encode("a", Order::Little);
        b.extend_from_slice(&0xD800u16.to_le_bytes()); // a high surrogate alone
        b.extend_from_slice(&encode("b", Order::Little));
        b.extend_from_slice(&0xDC00u16.to_le_bytes()); // a low surrogate alone
        b.push(b'c'); // an odd last byte
        assert_eq!(decode(&b, Order::Little, 3), "a\u{FFFD}b\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn detection_needs_a_mark_or_ascii_with_nuls() {
        assert_eq!(detect(b"\xFF\xFE{\x00"), Some((Order::Little, 2)));
        assert_eq!(detect(b"\xFE\xFF\x00{"), Some((Order::Big, 2)));
        assert_eq!(detect(b"{\x00\"\x00"), Some((Order::Little, 0)));
        assert_eq!(detect(b"\x00{\x00\""), Some((Order::Big, 0)));
        for not in [
            &b"{\"le"[..],
            b"\xEF\xBB\xBF{",
            b"\xFF\xFE\x00\x00",
            b"\x1f\x8b\x08\x00",
            b"a\x00",
            b"\x00\x00\x00\x00",
            b"",
        ] {
            assert_eq!(detect(not), None, "{not:?}");
        }
    }
}
