//! A validating single-pass scanner for one JSON object per line.
//!
//! It walks the whole object (so truncated or broken lines are rejected, never half-read), keeps
//! raw borrowed slices of the values whose key the [`FieldSpec`] wants, and skips the rest
//! without decoding. Nesting is tracked with a counter, not recursion into unknown values, so a
//! 10,000-deep line cannot overflow the stack: past [`MAX_DEPTH`] the line is malformed.
//!
//! Deliberate leniencies (documented in the README): raw control bytes inside strings are
//! accepted, and escapes other than `\u` are not checked beyond "a byte follows the backslash".
//! UTF-8 validity is checked by the caller for the whole line before scanning.

use super::fields::{FieldSpec, Slot};
use super::{Fields, Raw};

/// Deepest nesting accepted; deeper lines are malformed.
pub const MAX_DEPTH: usize = 512;

/// Scans `line` (which must start with `{` after optional whitespace) into `out`.
/// Returns `false` if the line is not one complete, well-formed JSON object.
pub fn scan_line<'a>(line: &'a [u8], spec: &FieldSpec, out: &mut Fields<'a>) -> bool {
    let mut bits = [0u64; QUOTE_MAP_MAX / 64];
    let quotes = match quote_map(line, &mut bits) {
        Some(words) => &bits[..words],
        None => &[][..],
    };
    scan_with(line, spec, out, quotes)
}

/// [`scan_line`] with the line's quote map (empty: find each string's end by scanning).
fn scan_with<'a>(line: &'a [u8], spec: &FieldSpec, out: &mut Fields<'a>, quotes: &[u64]) -> bool {
    let mut s = Scanner {
        b: line,
        i: 0,
        quotes,
    };
    s.ws();
    if s.peek() != Some(b'{') {
        return false;
    }
    if s.object(spec, out, 1).is_none() {
        return false;
    }
    s.ws();
    if s.i != line.len() {
        return false;
    }
    // nginx's `request` is a message when it is its request line (`GET /x HTTP/1.1`); another
    // log's `request` (an object, an array, an id) is none.
    if let Some((raw, super::fields::REQUEST_MESSAGE_PRIO)) =
        out.get_with_prio(Slot::Message as usize)
    {
        let request_line = match *raw {
            Raw::Str { bytes, .. } => super::text::starts_with_method(bytes),
            _ => false,
        };
        if !request_line {
            out.unset(Slot::Message as usize);
        }
    }
    true
}

/// One step of a selector path: an object member or an array element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// `.name` (or `['name']`).
    Key(Box<[u8]>),
    /// `[n]`.
    Index(usize),
    /// `.*`: any member of an object.
    AnyKey,
    /// `[*]`: any element of an array.
    AnyIndex,
}

/// A set of selector paths compiled into a trie, so one walk over a line finds them all.
#[derive(Clone, Debug)]
pub struct JsonPaths {
    nodes: Vec<PathNode>,
    slots: usize,
}

#[derive(Clone, Debug, Default)]
struct PathNode {
    children: Vec<(Step, u32)>,
    /// Output slot of the path ending here.
    slot: Option<u16>,
}

/// Most trie nodes active at one level of a walk (distinct selectors sharing a prefix).
const MAX_ACTIVE: usize = 64;

impl Default for JsonPaths {
    fn default() -> JsonPaths {
        JsonPaths::new()
    }
}

impl JsonPaths {
    /// An empty set.
    pub fn new() -> JsonPaths {
        JsonPaths {
            nodes: vec![PathNode::default()],
            slots: 0,
        }
    }

    /// Adds `path` (from the root object) and returns its output slot; the same path twice
    /// gets the same slot. `None` past [`JsonPaths::capacity`] distinct paths.
    pub fn add(&mut self, path: &[Step]) -> Option<u16> {
        let mut node = 0usize;
        for step in path {
            let found = self.nodes[node]
                .children
                .iter()
                .find(|(s, _)| s == step)
                .map(|&(_, n)| n as usize);
            node = match found {
                Some(n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(PathNode::default());
                    self.nodes[node].children.push((step.clone(), n as u32));
                    n
                }
            };
        }
        if let Some(slot) = self.nodes[node].slot {
            return Some(slot);
        }
        if self.slots >= Self::capacity() {
            return None;
        }
        let slot = self.slots as u16;
        self.slots += 1;
        self.nodes[node].slot = Some(slot);
        Some(slot)
    }

    /// Most distinct paths in one set.
    pub const fn capacity() -> usize {
        MAX_ACTIVE
    }

    /// Number of output slots handed out.
    pub fn slots(&self) -> usize {
        self.slots
    }
}

/// Walks `line`, which must be one complete JSON object, and appends `(slot, value)` to `out`
/// for every value found at a path of `paths` (several per slot with wildcards or duplicate
/// keys, in document order). Returns `false`, with `out` unspecified, if the line is not one
/// well-formed JSON object.
pub fn select<'a>(line: &'a [u8], paths: &JsonPaths, out: &mut Vec<(u16, Raw<'a>)>) -> bool {
    out.clear();
    let mut s = Scanner {
        b: line,
        i: 0,
        quotes: &[],
    };
    s.ws();
    if s.peek() != Some(b'{') {
        return false;
    }
    if s.select_in(paths, &[0], out, 1).is_none() {
        return false;
    }
    s.ws();
    s.i == line.len()
}

struct Scanner<'a, 'q> {
    b: &'a [u8],
    i: usize,
    /// Where the line's quotes are, one bit per byte, when the line has no backslash (see
    /// [`quote_map`]); empty otherwise.
    quotes: &'q [u64],
}

impl<'a> Scanner<'a, '_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        // Loggers write compact JSON: the common case is no whitespace at all.
        match self.b.get(self.i) {
            Some(&c) if c > b' ' => return,
            None => return,
            _ => {}
        }
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// Parses an object whose `{` is at `self.i`, filling wanted slots.
    fn object(&mut self, spec: &FieldSpec, out: &mut Fields<'a>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1; // '{'
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key_start = self.i + 1;
            let (key, key_escaped) = self.string()?;
            let key_end = key_start + key.len();
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            let unescaped;
            let action = if key_escaped {
                unescaped = super::unescape(key);
                spec.lookup(unescaped.as_bytes())
            } else {
                spec.lookup_at(self.b, key_start, key_end)
            };
            match action {
                None => self.skip_value(depth)?,
                Some(action) => {
                    if let (Some(nested), Some(b'{')) = (action.nested.as_deref(), self.peek()) {
                        self.object(nested, out, depth + 1)?;
                    } else {
                        let raw = self.value(depth)?;
                        if let Some((slot, prio)) = action.slot {
                            out.set(slot, prio, raw);
                        }
                        if let Some(slot) = action.also {
                            out.set(slot, 0, raw);
                        }
                    }
                }
            }
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads a string at `self.i` (on the opening quote); returns its raw content and whether it
    /// contains escapes.
    #[inline(always)]
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.i + 1;
        if !self.quotes.is_empty() {
            // No backslash in the line: the string ends at the next quote.
            let end = next_bit(self.quotes, start)?;
            self.i = end + 1;
            return Some((&self.b[start..end], false));
        }
        let mut i = start;
        let mut escaped = false;
        loop {
            let rel = find_quote_or_backslash(&self.b[i..])?;
            i += rel;
            if self.b[i] == b'"' {
                self.i = i + 1;
                return Some((&self.b[start..i], escaped));
            }
            escaped = true;
            // Backslash: validate \uXXXX, otherwise skip the escaped byte.
            let next = *self.b.get(i + 1)?;
            if next == b'u' {
                let hex = self.b.get(i + 2..i + 6)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                i += 6;
            } else if matches!(next, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
                i += 2;
            } else {
                return None;
            }
        }
    }

    /// Reads any value and returns it raw. Inlined: returned through memory, the `Raw` was
    /// written in pieces and read back whole, a store-forwarding stall on every wanted field.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<Raw<'a>> {
        let start = self.i;
        match self.peek()? {
            b'"' => {
                let (s, escaped) = self.string()?;
                Some(Raw::Str { bytes: s, escaped })
            }
            b'{' | b'[' => {
                self.skip_value(depth)?;
                Some(Raw::Composite(&self.b[start..self.i]))
            }
            _ => {
                self.scalar()?;
                let tok = &self.b[start..self.i];
                Some(match tok {
                    b"true" => Raw::Bool(true),
                    b"false" => Raw::Bool(false),
                    b"null" => Raw::Null,
                    _ => Raw::Num(tok),
                })
            }
        }
    }

    /// Validates a number or literal at `self.i`.
    fn scalar(&mut self) -> Option<()> {
        let b = self.b;
        let c = *b.get(self.i)?;
        for lit in [&b"true"[..], b"false", b"null"] {
            if c == lit[0] {
                if b.get(self.i..self.i + lit.len())? == lit {
                    self.i += lit.len();
                    return Some(());
                }
                return None;
            }
        }
        // At least one digit from `i` on; returns the position after them.
        let digits = |mut i: usize| -> Option<usize> {
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            (i > start).then_some(i)
        };
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = digits(i)?;
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = digits(i)?;
        }
        self.i = i;
        Some(())
    }

    /// Skips one value of any kind, validating it, without recursion.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => self.skip_container(depth),
            _ => self.scalar(),
        }
    }

    /// Skips an object or array iteratively: one bit per open level (object or array) replaces
    /// recursion, so depth costs no stack.
    fn skip_container(&mut self, depth: usize) -> Option<()> {
        let mut stack = [0u64; MAX_DEPTH / 64 + 1];
        let mut level = 0usize;
        'value: loop {
            self.ws();
            match self.peek()? {
                open @ (b'{' | b'[') => {
                    if depth + level + 1 > MAX_DEPTH {
                        return None;
                    }
                    let is_obj = open == b'{';
                    set_bit(&mut stack, level, is_obj);
                    level += 1;
                    self.i += 1;
                    self.ws();
                    let close = if is_obj { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.i += 1;
                        level -= 1;
                    } else {
                        if is_obj {
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                _ => self.scalar()?,
            }
            // A value just ended: continue its container or close containers.
            loop {
                if level == 0 {
                    return Some(());
                }
                self.ws();
                let is_obj = get_bit(&stack, level - 1);
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if is_obj {
                            self.ws();
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                    b'}' if is_obj => {
                        self.i += 1;
                        level -= 1;
                    }
                    b']' if !is_obj => {
                        self.i += 1;
                        level -= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    /// Selects inside the object or array at `self.i` for the active trie `nodes`.
    fn select_in(
        &mut self,
        paths: &JsonPaths,
        nodes: &[u32],
        out: &mut Vec<(u16, Raw<'a>)>,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let is_obj = self.peek()? == b'{';
        self.i += 1;
        self.ws();
        let close = if is_obj { b'}' } else { b']' };
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        let mut index = 0usize;
        let mut kids = [0u32; MAX_ACTIVE];
        loop {
            let mut n = 0usize;
            if is_obj {
                if self.peek()? != b'"' {
                    return None;
                }
                let (key, escaped) = self.string()?;
                self.ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                self.ws();
                let unescaped;
                let key = if escaped {
                    unescaped = super::unescape(key);
                    unescaped.as_bytes()
                } else {
                    key
                };
                for &node in nodes {
                    for (step, child) in &paths.nodes[node as usize].children {
                        let hit = match step {
                            Step::Key(k) => **k == *key,
                            Step::AnyKey => true,
                            _ => false,
                        };
                        if hit && n < MAX_ACTIVE {
                            kids[n] = *child;
                            n += 1;
                        }
                    }
                }
            } else {
                for &node in nodes {
                    for (step, child) in &paths.nodes[node as usize].children {
                        let hit = match step {
                            Step::Index(i) => *i == index,
                            Step::AnyIndex => true,
                            _ => false,
                        };
                        if hit && n < MAX_ACTIVE {
                            kids[n] = *child;
                            n += 1;
                        }
                    }
                }
                index += 1;
            }
            if n == 0 {
                self.skip_value(depth)?;
            } else {
                let kids = &kids[..n];
                let start = self.i;
                let inner: bool = kids
                    .iter()
                    .any(|&k| !paths.nodes[k as usize].children.is_empty());
                let raw = match self.peek()? {
                    b'{' | b'[' if inner => {
                        // Only the nodes with children go deeper; the others take the whole
                        // container as their value.
                        let mut deeper = [0u32; MAX_ACTIVE];
                        let mut m = 0;
                        for &k in kids {
                            if !paths.nodes[k as usize].children.is_empty() {
                                deeper[m] = k;
                                m += 1;
                            }
                        }
                        self.select_in(paths, &deeper[..m], out, depth + 1)?;
                        Raw::Composite(&self.b[start..self.i])
                    }
                    _ => self.value(depth)?,
                };
                for &k in kids {
                    if let Some(slot) = paths.nodes[k as usize].slot {
                        out.push((slot, raw));
                    }
                }
            }
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads `"key" :` inside an object being skipped.
    fn member_key(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        self.ws();
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        Some(())
    }
}

/// Longest line that gets a quote map; longer lines scan for each string's end.
const QUOTE_MAP_MAX: usize = 1024;

/// Fills `bits` with one bit per byte of `line` set where a `"` is, and returns the number of
/// words used, when the line is 64 to [`QUOTE_MAP_MAX`] bytes long and holds no backslash (so
/// every string ends at the next quote); `None` otherwise. One branch-free pass over the line
/// costs less than finding each string's end on its own: that search's exit, at a different
/// length every time, is a mispredicted branch per string.
#[cfg(target_arch = "x86_64")]
#[inline]
fn quote_map(line: &[u8], bits: &mut [u64; QUOTE_MAP_MAX / 64]) -> Option<usize> {
    let n = line.len();
    if !(64..=QUOTE_MAP_MAX).contains(&n) {
        return None;
    }
    let mut backslashes = 0u64;
    let full = n / 64;
    for (k, word) in bits.iter_mut().enumerate().take(full) {
        let (q, b) = block_masks(&line[k * 64..k * 64 + 64]);
        *word = q;
        backslashes |= b;
    }
    let rest = n % 64;
    if rest > 0 {
        // The last 64 bytes, shifted so that bit 0 is byte `full * 64`.
        let (q, b) = block_masks(&line[n - 64..]);
        bits[full] = q >> (64 - rest);
        backslashes |= b;
    }
    (backslashes == 0).then_some(full + usize::from(rest > 0))
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn quote_map(_line: &[u8], _bits: &mut [u64; QUOTE_MAP_MAX / 64]) -> Option<usize> {
    None
}

/// Bit masks of the quotes and backslashes in the first 64 bytes of `b`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_masks(b: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    assert!(b.len() >= 64);
    let (mut q, mut s) = (0u64, 0u64);
    // SAFETY: SSE2 is part of every x86-64 target, and the four 16-byte loads read
    // `b[0..64]`, which the assert above keeps in bounds (loadu has no alignment needs).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let p = b.as_ptr().cast::<__m128i>();
        for k in 0..4 {
            let v = _mm_loadu_si128(p.add(k));
            q |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u16) << (16 * k);
            s |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) as u16) << (16 * k);
        }
    }
    (q, s)
}

/// The first set bit at or after `from` in `bits`.
#[inline(always)]
fn next_bit(bits: &[u64], from: usize) -> Option<usize> {
    let mut w = from / 64;
    let m = *bits.get(w)? >> (from % 64);
    if m != 0 {
        return Some(from + m.trailing_zeros() as usize);
    }
    loop {
        w += 1;
        let m = *bits.get(w)?;
        if m != 0 {
            return Some(w * 64 + m.trailing_zeros() as usize);
        }
    }
}

/// Position of the first `"` or `\\` in `b`. JSON keys and most values are short, where a
/// word-at-a-time (SWAR) scan inlined here beats the call and setup of a vector search; long
/// strings go to `memchr2` after the first 64 bytes.
#[inline(always)]
fn find_quote_or_backslash(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = LO * b'"' as u64;
    const BSLASH: u64 = LO * b'\\' as u64;
    let mut i = 0;
    let limit = b.len().min(64);
    while i + 8 <= limit {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let q = w ^ QUOTE;
        let s = w ^ BSLASH;
        // A zero byte in q or s marks a match (the classic has-zero-byte test; exact for the
        // lowest match, which is all that is used).
        let m = (q.wrapping_sub(LO) & !q & HI) | (s.wrapping_sub(LO) & !s & HI);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if b.len() <= 64 {
        while i < b.len() {
            if b[i] == b'"' || b[i] == b'\\' {
                return Some(i);
            }
            i += 1;
        }
        return None;
    }
    memchr::memchr2(b'"', b'\\', &b[i..]).map(|r| i + r)
}

#[inline]
fn set_bit(stack: &mut [u64], level: usize, on: bool) {
    if on {
        stack[level / 64] |= 1 << (level % 64);
    } else {
        stack[level / 64] &= !(1 << (level % 64));
    }
}

#[inline]
fn get_bit(stack: &[u64], level: usize) -> bool {
    stack[level / 64] & (1 << (level % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::super::fields::{FieldSpec, Slot};
    use super::*;

    fn scan(line: &str) -> Option<Vec<Option<String>>> {
        let spec = FieldSpec::with_defaults();
        let mut f = Fields::new(spec.slot_count());
        if !scan_line(line.as_bytes(), &spec, &mut f) {
            return None;
        }
        Some(
            (0..spec.slot_count())
                .map(|i| f.get(i).map(|r| r.to_text().into_owned()))
                .collect(),
        )
    }

    #[test]
    fn extracts_well_known_fields() {
        let v = scan(r#"{"level":"error","ts":"2026-02-06T10:30:45.123Z","caller":"agent/handler.go:142","msg":"policy evaluation failed","request_id":"req-abc123","duration_ms":12.5,"error":"context deadline exceeded","http":{"status":503,"path":"/x"},"tags":[1,{"a":[]}]}"#).unwrap();
        assert_eq!(v[Slot::Level as usize].as_deref(), Some("error"));
        assert_eq!(
            v[Slot::Message as usize].as_deref(),
            Some("policy evaluation failed")
        );
        assert_eq!(v[Slot::RequestId as usize].as_deref(), Some("req-abc123"));
        assert_eq!(v[Slot::Duration as usize].as_deref(), Some("12.5"));
        assert_eq!(
            v[Slot::Error as usize].as_deref(),
            Some("context deadline exceeded")
        );
    }

    #[test]
    fn python_style_separators_and_escapes() {
        let v = scan(
            r#"{"level": "info", "msg": "user 'Zo\u00eb' logged \"in\"", "logger": "scheduler"}"#,
        )
        .unwrap();
        assert_eq!(
            v[Slot::Message as usize].as_deref(),
            Some("user 'Zoë' logged \"in\"")
        );
        assert_eq!(v[Slot::Service as usize].as_deref(), Some("scheduler"));
    }

    #[test]
    fn ecs_dotted_and_nested_level() {
        let v = scan(r#"{"@timestamp":"2026-02-06T10:00:00Z","log.level":"warn","message":"m"}"#)
            .unwrap();
        assert_eq!(v[Slot::Level as usize].as_deref(), Some("warn"));
        let v = scan(r#"{"log":{"level":"error"},"message":"m"}"#).unwrap();
        assert_eq!(v[Slot::Level as usize].as_deref(), Some("error"));
        assert_eq!(v[Slot::Message as usize].as_deref(), Some("m"));
    }

    #[test]
    fn rejects_broken_lines() {
        for bad in [
            r#"{"level":"info","msg":"trunc"#,
            r#"{"level":"info","msg":"x"} trailing"#,
            r#"{"level":"info" "msg":"x"}"#,
            r#"{"a":[1,2}"#,
            r#"{"a":tru}"#,
            r#"{"a":01x}"#,
            r#"{"a":"\q"}"#,
            r#"{"a":{"b":[{"c":1}]}"#,
            r#"{"a":1,}"#,
            "{",
        ] {
            assert!(scan(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn accepts_nested_and_odd_but_valid() {
        for good in [
            r#"{}"#,
            r#"{"a":[]}"#,
            r#"{"a":[[],[{}],{"b":[1,-2.5e3,true,false,null,"s"]}]}"#,
            r#"  {"a":1e400, "b":123456789012345678901234567890}  "#,
            r#"{"a":"x","a":"y"}"#,
        ] {
            assert!(scan(good).is_some(), "{good}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(scan(&deep).is_none());
        let ok = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert!(scan(&ok).is_some());
        let deep_obj = format!("{}{}", "{\"log\":".repeat(20_000), "}".repeat(20_000));
        assert!(scan(&deep_obj).is_none());
    }

    #[test]
    fn swar_search_agrees_with_memchr() {
        let samples: Vec<Vec<u8>> = (0..300)
            .map(|n| {
                (0..n)
                    .map(|i| match (i * 7 + n) % 23 {
                        0 => b'"',
                        1 => b'\\',
                        2 => 0x80 | (i as u8 & 0x3f),
                        3 => 0x22 ^ 0x80,
                        _ => b'a' + (i % 26) as u8,
                    })
                    .collect()
            })
            .collect();
        for s in &samples {
            for start in 0..s.len().min(20) {
                let h = &s[start..];
                assert_eq!(find_quote_or_backslash(h), memchr::memchr2(b'"', b'\\', h));
            }
        }
    }

    /// Every slot's value, or `None` for a line the scanner rejects.
    fn scan_using<'a>(line: &'a [u8], quotes: &[u64]) -> Option<Vec<Option<Raw<'a>>>> {
        let spec = FieldSpec::with_defaults();
        let mut f = Fields::new(spec.slot_count());
        scan_with(line, &spec, &mut f, quotes)
            .then(|| (0..spec.slot_count()).map(|i| f.get(i).copied()).collect())
    }

    #[test]
    fn quote_map_marks_exactly_the_quotes() {
        let mut line = br#"{"msg":"a b","n":1,"x":"#.to_vec();
        for n in 0..1100 {
            line.push(if n % 13 == 0 {
                b'"'
            } else {
                b'a' + (n % 26) as u8
            });
            let mut bits = [0u64; QUOTE_MAP_MAX / 64];
            let Some(words) = quote_map(&line, &mut bits) else {
                assert!(
                    line.len() < 64
                        || line.len() > QUOTE_MAP_MAX
                        || cfg!(not(target_arch = "x86_64"))
                );
                continue;
            };
            assert_eq!(words, line.len().div_ceil(64));
            for (i, &b) in line.iter().enumerate() {
                assert_eq!(
                    bits[i / 64] >> (i % 64) & 1 == 1,
                    b == b'"',
                    "byte {i} of {}",
                    line.len()
                );
            }
            assert!(bits[words..].iter().all(|&w| w == 0) || words == bits.len());
            if words > 0 {
                let tail = line.len() % 64;
                assert!(
                    tail == 0 || bits[words - 1] >> tail == 0,
                    "no bits past the end"
                );
            }
        }
        let mut escaped = line[..200].to_vec();
        escaped[100] = b'\\';
        let mut bits = [0u64; QUOTE_MAP_MAX / 64];
        assert_eq!(
            quote_map(&escaped, &mut bits),
            None,
            "a backslash turns the map off"
        );
    }

    /// The quote map is an optimisation only: with or without it, every line (the bundled
    /// samples and each of them with one byte changed or cut short) scans to the same values.
    #[test]
    fn quote_map_gives_the_same_fields_as_scanning() {
        let text = [
            &include_bytes!("../../samples/app.log")[..],
            include_bytes!("../../samples/incident.log"),
        ]
        .concat();
        let lines: Vec<&[u8]> = text
            .split(|&b| b == b'\n')
            .filter(|l| l.first() == Some(&b'{'))
            .take(60)
            .collect();
        let mut compared = 0;
        let mut with_map = 0;
        for line in lines {
            let mut variants = vec![line.to_vec()];
            for i in (0..line.len()).step_by(3) {
                for b in [b'"', b'\\', b'{', b'}', b',', b':', b' ', b'x', b'0', b'['] {
                    let mut v = line.to_vec();
                    v[i] = b;
                    variants.push(v);
                }
                variants.push(line[..i].to_vec());
            }
            for v in &variants {
                let mut bits = [0u64; QUOTE_MAP_MAX / 64];
                let quotes = match quote_map(v, &mut bits) {
                    Some(words) => &bits[..words],
                    None => &[][..],
                };
                with_map += usize::from(!quotes.is_empty());
                assert_eq!(
                    scan_using(v, quotes),
                    scan_using(v, &[]),
                    "{}",
                    String::from_utf8_lossy(v)
                );
                compared += 1;
            }
        }
        assert!(compared > 10_000, "{compared}");
        if cfg!(target_arch = "x86_64") {
            assert!(
                with_map > compared / 2,
                "{with_map} of {compared} used the map"
            );
        }
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let v = scan(r#"{"msg":"first","msg":"second"}"#).unwrap();
        assert_eq!(v[Slot::Message as usize].as_deref(), Some("second"));
    }
}
