//! A per-thread filter in front of the literal automaton: most distinct messages of a real log
//! contain no catalog literal at all, and a few rare 3-byte grams tell so in well under the
//! automaton's time (79 against 133 ns a message on the project's corpus, filter included).
//!
//! Every literal contains each of its own 3-byte grams, so a text that contains none of the
//! chosen grams (one per literal, in any ASCII case) cannot contain any literal: skipping the
//! automaton for it changes no result, whichever grams are chosen. The choice only decides how
//! often the automaton still runs. A gram common in the log (`err`, `tio`) would let nearly
//! every text through, so the filter first **learns**: over the first [`LEARN_TEXTS`] texts it
//! counts the grams it sees (the automaton runs on all of them), then keeps, for each literal,
//! its gram seen least. On the project's corpus that leaves the automaton about one message in
//! eighteen (the messages that contain a literal, and a few more).
//!
//! Grams are kept in a hashed bit set of 2²⁰ bits (128 KiB, one per thread), with every ASCII
//! case variant set, so a text is scanned once, byte by byte, without folding case. A literal
//! shorter than three bytes cannot be filtered this way: the filter is then off.

/// Texts a filter learns from before it starts filtering.
pub const LEARN_TEXTS: u32 = 2048;

/// Bits of the hashed gram set.
const SET_BITS: u32 = 20;
/// Buckets of the learning counts.
const COUNT_BITS: u32 = 16;

#[inline]
fn bucket(gram: u32, bits: u32) -> usize {
    (gram.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

#[inline]
fn gram(w: &[u8]) -> u32 {
    (w[0] as u32) << 16 | (w[1] as u32) << 8 | w[2] as u32
}

#[inline]
fn folded(w: &[u8]) -> u32 {
    gram(&[
        w[0].to_ascii_lowercase(),
        w[1].to_ascii_lowercase(),
        w[2].to_ascii_lowercase(),
    ])
}

#[derive(Clone, Debug)]
enum State {
    /// Counting grams (case folded, hashed into buckets) of the texts seen so far.
    Learning { counts: Box<[u16]>, texts: u32 },
    /// The chosen grams, every case variant, as a bit set.
    Ready(Box<[u64]>),
    /// No filtering: a literal is too short, or there are none.
    Off,
}

/// See the module docs. One per thread; built by
/// [`Matcher::literal_filter`](super::Matcher::literal_filter).
#[derive(Clone, Debug)]
pub struct LiteralFilter {
    state: State,
}

impl LiteralFilter {
    /// A filter for these (lowercase) literals.
    pub(crate) fn new<'a>(mut literals: impl Iterator<Item = &'a [u8]>) -> LiteralFilter {
        let mut any = false;
        let usable = literals.all(|l| {
            any = true;
            l.len() >= 3
        });
        let state = if any && usable {
            State::Learning {
                counts: vec![0; 1 << COUNT_BITS].into_boxed_slice(),
                texts: 0,
            }
        } else {
            State::Off
        };
        LiteralFilter { state }
    }

    /// A filter that never skips the automaton.
    pub fn off() -> LiteralFilter {
        LiteralFilter { state: State::Off }
    }

    /// Returns false only if `text` cannot contain any of the literals. While learning it
    /// always returns true (and learns from `text`); `literals` are those the filter was built
    /// for, needed when learning ends.
    #[inline]
    pub(crate) fn may_match<'a, I>(&mut self, text: &[u8], literals: impl FnOnce() -> I) -> bool
    where
        I: Iterator<Item = &'a [u8]>,
    {
        match &mut self.state {
            State::Ready(set) => contains_any(set, text),
            State::Off => true,
            State::Learning { counts, texts } => {
                for w in text.windows(3) {
                    let c = &mut counts[bucket(folded(w), COUNT_BITS)];
                    *c = c.saturating_add(1);
                }
                *texts += 1;
                if *texts >= LEARN_TEXTS {
                    let set = choose(counts, literals());
                    self.state = State::Ready(set);
                }
                true
            }
        }
    }
}

/// For each literal its least seen gram, with every case variant, as a bit set.
fn choose<'a>(counts: &[u16], literals: impl Iterator<Item = &'a [u8]>) -> Box<[u64]> {
    let mut set = vec![0u64; (1 << SET_BITS) / 64].into_boxed_slice();
    for lit in literals {
        let Some(best) = lit
            .windows(3)
            .min_by_key(|w| counts[bucket(folded(w), COUNT_BITS)])
        else {
            continue;
        };
        for variant in 0..8u8 {
            let mut g = [best[0], best[1], best[2]];
            for (i, b) in g.iter_mut().enumerate() {
                *b = if variant >> i & 1 == 1 {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                };
            }
            let k = bucket(gram(&g), SET_BITS);
            set[k >> 6] |= 1 << (k & 63);
        }
    }
    set
}

#[inline]
fn contains_any(set: &[u64], text: &[u8]) -> bool {
    let [a, b, rest @ ..] = text else {
        return false;
    };
    let mut g = (*a as u32) << 8 | *b as u32;
    for &c in rest {
        g = (g << 8 | c as u32) & 0xFF_FFFF;
        let k = bucket(g, SET_BITS);
        if set[k >> 6] >> (k & 63) & 1 != 0 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits() -> Vec<Vec<u8>> {
        ["connection refused", "oomkilled", "exit code 137", "\" 5"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect()
    }

    fn learned(texts: &[&str]) -> LiteralFilter {
        let lits = lits();
        let mut f = LiteralFilter::new(lits.iter().map(|l| &l[..]));
        let mut n = 0;
        while matches!(f.state, State::Learning { .. }) {
            let t = texts[n % texts.len()].as_bytes();
            assert!(f.may_match(t, || lits.iter().map(|l| &l[..])));
            n += 1;
        }
        assert_eq!(n, LEARN_TEXTS as usize);
        f
    }

    #[test]
    fn never_skips_a_text_that_holds_a_literal_in_any_case() {
        let lits = lits();
        let mut f = learned(&["request received", "connection reset by peer", "GET / 200"]);
        for t in [
            "dial tcp: Connection REFUSED",
            "container OOMKilled",
            "task exited: exit code 137 (SIGKILL)",
            "\"GET /x\" 503",
            "oomkilled",
        ] {
            assert!(
                f.may_match(t.as_bytes(), || lits.iter().map(|l| &l[..])),
                "{t}"
            );
        }
    }

    #[test]
    fn skips_most_texts_without_a_literal_after_learning() {
        let lits = lits();
        // "connection pool ready" shares grams with "connection refused": learning picks one
        // it does not share.
        let common = [
            "request received for tenant",
            "connection pool ready",
            "policy evaluated in 12ms",
        ];
        let mut f = learned(&common);
        let skipped = common
            .iter()
            .chain(&["session started", "tool completed"])
            .filter(|t| !f.may_match(t.as_bytes(), || lits.iter().map(|l| &l[..])))
            .count();
        assert_eq!(skipped, 5);
        assert!(f.may_match(b"connection refused", || lits.iter().map(|l| &l[..])));
        // Too short to hold a literal.
        assert!(!f.may_match(b"ok", || lits.iter().map(|l| &l[..])));
    }

    #[test]
    fn is_off_with_a_literal_shorter_than_three_bytes_or_none() {
        let short = [b"5x".to_vec(), b"refused".to_vec()];
        let f = LiteralFilter::new(short.iter().map(|l| &l[..]));
        assert!(matches!(f.state, State::Off));
        let f = LiteralFilter::new(std::iter::empty());
        assert!(matches!(f.state, State::Off));
    }
}
