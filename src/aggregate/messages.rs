//! Counting distinct messages in bounded memory, with each message's catalog text hits memoised.
//!
//! Counts are exact until the table holds `cap` distinct messages. Then the least frequent half
//! is dropped (the Space-Saving / lossy-counting idea): the largest dropped count becomes the
//! table's `floor`, and a message first seen after a prune may have been seen up to `floor` times
//! before. Each entry carries that bound as `err`, so a reported count is exact if and only if
//! `err == 0`. Heavy hitters enter early and are never dropped, which is why the top messages of
//! real logs stay exact. Merging adds counts and bounds (Agarwal et al., "Mergeable Summaries",
//! PODS 2012).

//!
//! The index holds 8-byte slots (a hash tag and the entry index, one cache line per probe, see
//! `Index`); the entries live in one vector in insertion order and their text in one arena (no
//! allocation per distinct message). The index is a tenth of the size a table of whole entries
//! would be, and the frequent messages,
//! which arrive early and survive every prune in order, sit together at the front of the
//! vector and the arena: inserting a new message and looking up a frequent one touch far less
//! memory than a 200k-entry table of whole entries did. Messages
//! longer than [`MAX_STORED_BYTES`] are stored cut and compared by hash and length (a 64-bit
//! hash; a collision between two long messages of equal length is negligible). The arena is
//! compacted at each prune and a prune also happens when it passes [`MAX_ARENA_BYTES`], so
//! memory stays bounded whatever the messages look like.
//!
//! **Dropped messages still count for templates.** Most messages a big log drops are the
//! variable ones (`tool t-81 completed in session 9f3…`, seen once each), so the templates mined
//! from the table alone would miss most of their occurrences. A prune therefore folds a sample
//! of the unknown messages it drops (one in [`DROPPED_SAMPLE`], chosen by the message's hash, so
//! the same messages in every shard and run) into [`DroppedForms`], keyed by their masked form:
//! the template stage adds each form `DROPPED_SAMPLE` times over, an unbiased estimate of the
//! occurrences the table let go (see `report::unknown_templates`).

/// Distinct messages kept per table before pruning, by default.
pub const DEFAULT_CAP: usize = 200_000;

/// Largest cap a table takes (a larger one is lowered to it): 2^26 − 1 distinct messages,
/// far past what fits in memory at any message length.
pub const MAX_CAP: usize = (1 << 26) - 1;

/// Longest message text stored whole.
pub const MAX_STORED_BYTES: usize = 2048;

/// One unknown message in this many (by hash) is folded into [`DroppedForms`] when dropped.
pub const DROPPED_SAMPLE: u64 = 16;

/// Whether a message of this hash is in the sample of [`DROPPED_SAMPLE`]: its low bits, which
/// say nothing of where it sorts (the template stage breaks ties by hash, and a sample taken
/// from the top bits would be exactly the messages it had already picked).
#[inline]
pub fn sampled(hash: u64) -> bool {
    hash % DROPPED_SAMPLE == 0
}

/// Masked forms kept in [`DroppedForms`] before the least frequent half is let go.
pub const MAX_DROPPED_FORMS: usize = 20_000;

/// Distinct messages at which a table is sized for its cap in one step.
const GROW_AT_ONCE: usize = 16 * 1024;

/// Arena size that triggers a prune.
pub const MAX_ARENA_BYTES: usize = 48 << 20;

/// `a == b`, compared inline eight bytes at a time for the lengths messages mostly have (a
/// call to `memcmp` per message counted was 1–2 % of `analyze`); long ones go to `memcmp`.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(8..=64).contains(&n) {
        return a == b;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let mut i = 0;
    while i + 8 <= n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last word overlaps the ones before when the length is not a multiple of eight.
    i == n || word(a, n - 8) == word(b, n - 8)
}

/// The index of a [`MessageCounter`]: open addressing with linear probing over 4-byte slots,
/// each the top bits of a message's hash (a tag) above its entry index plus one (0: empty).
/// One probe reads one cache line for tag and index together (a `hashbrown` table keeps
/// control bytes and slots apart: two lines), and [`Index::prefetch`] can ask for that line
/// while the rest of a line is analysed. Kept at most half full; no removal (a prune rebuilds).
///
/// A new message (a quarter of a typical log's lines: ids, counts, keys in the text) probes a
/// random line of the index, so its size is what the cache sees: at the default cap, 4-byte
/// slots make it 2 MiB where 8-byte ones made it 4 MiB, and the lines of the other tables stay
/// cached in its place. The index bits are as many as the counter can hold entries (twice its
/// cap, while a merge is pruned back); the tag has the rest (13 bits at the default cap).
#[derive(Debug)]
struct Index {
    slots: Vec<u32>,
    len: usize,
    /// Bits of a slot that hold the entry index plus one; the tag has the others.
    idx_bits: u32,
}

impl Default for Index {
    fn default() -> Index {
        Index::for_entries(1 << 23)
    }
}

impl Index {
    const MIN_SLOTS: usize = 1024;
    /// Fewest tag bits: an index for more entries than `2^(32 - MIN_TAG_BITS) - 1` is refused
    /// (see [`MessageCounter::new`]'s cap).
    const MIN_TAG_BITS: u32 = 4;

    /// An empty index for up to `max_entries` entries.
    fn for_entries(max_entries: usize) -> Index {
        let need = usize::BITS - (max_entries + 1).leading_zeros();
        assert!(
            need <= 32 - Self::MIN_TAG_BITS,
            "too many entries for the index"
        );
        Index {
            slots: Vec::new(),
            len: 0,
            idx_bits: need.max(8),
        }
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// The tag of `hash`: its top bits, as many as a slot has beside the index.
    #[inline]
    fn tag(&self, hash: u64) -> u32 {
        (hash >> (32 + self.idx_bits)) as u32
    }

    /// The entry indices whose tag matches `hash`, in probe order, until `found` accepts one.
    #[inline]
    fn find(&self, hash: u64, mut found: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let tag = self.tag(hash);
        let idx_mask = (1u32 << self.idx_bits) - 1;
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if s >> self.idx_bits == tag {
                let idx = (s & idx_mask) - 1;
                if found(idx) {
                    return Some(idx);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds entry `idx` (not present) under `hash`; `hash_of` gives the hash of every indexed
    /// entry, for a rebuild when the index grows.
    #[inline]
    fn insert(&mut self, hash: u64, idx: u32, hash_of: impl Fn(u32) -> u64) {
        if u64::from(idx) + 1 >= 1u64 << self.idx_bits {
            // More entries than the index was made for (a merge into a smaller table):
            // fewer tag bits, more index bits.
            self.widen(idx, &hash_of);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow((self.len + 1) * 2, hash_of);
        }
        self.place(hash, idx);
        self.len += 1;
    }

    #[cold]
    fn widen(&mut self, idx: u32, hash_of: impl Fn(u32) -> u64) {
        let old_mask = (1u32 << self.idx_bits) - 1;
        let need = u32::BITS - (idx + 1).leading_zeros();
        assert!(
            need <= 32 - Self::MIN_TAG_BITS,
            "too many entries for the index"
        );
        let old: Vec<u32> = self.slots.iter().map(|&s| s & old_mask).collect();
        self.idx_bits = need;
        self.slots.fill(0);
        for s in old.into_iter().filter(|&s| s != 0) {
            self.place(hash_of(s - 1), s - 1);
        }
    }

    #[inline]
    fn place(&mut self, hash: u64, idx: u32) {
        debug_assert!(u64::from(idx) + 1 < 1u64 << self.idx_bits);
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = self.tag(hash) << self.idx_bits | (idx + 1);
    }

    /// Room for `n` entries without growing.
    fn reserve(&mut self, n: usize, hash_of: impl Fn(u32) -> u64) {
        if n * 2 > self.slots.len() {
            self.grow(n * 2, hash_of);
        }
    }

    #[cold]
    fn grow(&mut self, min_slots: usize, hash_of: impl Fn(u32) -> u64) {
        let n = min_slots.next_power_of_two().max(Self::MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        let idx_mask = (1u32 << self.idx_bits) - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let idx = (s & idx_mask) - 1;
            self.place(hash_of(idx), idx);
        }
    }

    /// Empties the index, keeping its memory.
    fn clear(&mut self) {
        self.slots.fill(0);
        self.len = 0;
    }

    /// Asks for the cache line a lookup of `hash` starts at.
    #[inline]
    fn prefetch(&self, hash: u64) {
        if !self.slots.is_empty() {
            super::prefetch(&self.slots[self.home(hash)]);
        }
    }
}

/// The message just observed in a [`MessageCounter`], for [`MessageCounter::memo_mut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRef(u32);

#[derive(Debug)]
struct Entry {
    hash: u64,
    /// Offset and stored length of the text in the arena.
    off: usize,
    stored: u32,
    /// Full length of the message.
    len: u32,
    /// A number the caller keeps with the message, 0 until set (see
    /// [`MessageCounter::memo_mut`]): `analyze --latency` keeps the message's latency group.
    memo: u32,
    count: u64,
    err: u64,
    hits: Box<[u16]>,
    /// Events of this message that hit a catalog pattern by more than its text (a whole access
    /// log line, an error field, a field condition). A message whose text hits nothing is no
    /// unknown one when these are all of its events, over all tables: the report decides
    /// once the tables are combined (a table alone may hold only the explained ones).
    explained: u32,
    /// Occurrences per level (`trace` … `fatal`), for the levels of mined templates.
    levels: [u32; 6],
}

/// A message with its count, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCount {
    /// The message (cut to [`MAX_STORED_BYTES`] and ended with `…` if longer).
    pub text: String,
    /// Times seen (a lower bound when not exact).
    pub count: u64,
    /// True if and only if `count` is exact.
    pub exact: bool,
}

/// See the module docs.
#[derive(Debug)]
pub struct MessageCounter {
    table: Index,
    entries: Vec<Entry>,
    arena: Vec<u8>,
    /// The table, entries and arena a prune moved out of, emptied and kept for the next prune:
    /// a fresh allocation of that size would be faulted in page by page again.
    spare: (Index, Vec<Entry>, Vec<u8>),
    hasher: foldhash::fast::FixedState,
    cap: usize,
    floor: u64,
    pruned: u64,
    /// The sampled unknown messages dropped so far, by masked form.
    dropped: DroppedForms,
}

impl Default for MessageCounter {
    fn default() -> Self {
        MessageCounter::new(DEFAULT_CAP)
    }
}

/// Stored length: the whole text, or a cut that does not split a UTF-8 sequence.
#[inline]
fn stored_len(text: &[u8]) -> usize {
    if text.len() <= MAX_STORED_BYTES {
        return text.len();
    }
    let mut n = MAX_STORED_BYTES;
    while n > 0 && (text[n] & 0xC0) == 0x80 {
        n -= 1;
    }
    n
}

impl MessageCounter {
    /// A counter keeping at most `cap` distinct messages (raised to 16, lowered to [`MAX_CAP`]).
    pub fn new(cap: usize) -> MessageCounter {
        // A merge holds up to twice the cap before it prunes; the index has room for that.
        let cap = cap.clamp(16, MAX_CAP);
        MessageCounter {
            table: Index::for_entries(2 * cap),
            entries: Vec::new(),
            arena: Vec::new(),
            spare: (Index::for_entries(2 * cap), Vec::new(), Vec::new()),
            hasher: foldhash::fast::FixedState::with_seed(0x6c6f_6774_7269_6167),
            cap,
            floor: 0,
            pruned: 0,
            dropped: DroppedForms::default(),
        }
    }

    #[inline]
    fn hash(&self, text: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(text)
    }

    /// Index of the entry with this hash and full length whose stored text is `stored` (the
    /// whole message, or its cut for a long one: those are told apart by hash and length).
    #[inline]
    fn find(&self, hash: u64, len: u32, stored: &[u8]) -> Option<usize> {
        let (arena, entries) = (&self.arena, &self.entries);
        self.table
            .find(hash, |idx| {
                let e = &entries[idx as usize];
                e.hash == hash
                    && e.len == len
                    && short_eq(&arena[e.off..e.off + e.stored as usize], stored)
            })
            .map(|idx| idx as usize)
    }

    /// The hash of `text`, its lookup's first cache line asked for: call it a little before
    /// [`MessageCounter::observe_hashed`] (the line arrives while other work is done).
    #[inline]
    pub fn prefetch(&self, text: &[u8]) -> u64 {
        let hash = self.hash(text);
        self.table.prefetch(hash);
        hash
    }

    /// Appends `e` and indexes it.
    #[inline]
    fn push(&mut self, e: Entry) {
        let entries = &self.entries;
        self.table
            .insert(e.hash, entries.len() as u32, |i| entries[i as usize].hash);
        self.entries.push(e);
    }

    /// Counts one occurrence of `text` and appends its memoised hits to `out`; `hits_of`
    /// computes them the first time a message is seen.
    #[inline]
    pub fn observe(
        &mut self,
        text: &[u8],
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) {
        self.observe_level(text, None, out, hits_of);
    }

    /// [`MessageCounter::observe`] that also counts the event's level.
    #[inline]
    pub fn observe_level(
        &mut self,
        text: &[u8],
        level: Option<crate::record::Level>,
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) -> MessageRef {
        let hash = self.hash(text);
        self.observe_hashed(text, hash, level, out, hits_of)
    }

    /// [`MessageCounter::observe_level`] with the hash [`MessageCounter::prefetch`] gave.
    #[inline]
    pub fn observe_hashed(
        &mut self,
        text: &[u8],
        hash: u64,
        level: Option<crate::record::Level>,
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) -> MessageRef {
        debug_assert_eq!(hash, self.hash(text));
        let len = text.len().min(u32::MAX as usize) as u32;
        if let Some(i) = self.find(hash, len, &text[..stored_len(text)]) {
            let e = &mut self.entries[i];
            e.count += 1;
            if let Some(l) = level {
                e.levels[l as usize] = e.levels[l as usize].saturating_add(1);
            }
            out.extend_from_slice(&e.hits);
            return MessageRef(i as u32);
        }
        if self.entries.len() >= self.cap || self.arena.len() >= MAX_ARENA_BYTES {
            self.prune();
        }
        if self.entries.len() == GROW_AT_ONCE && self.cap > GROW_AT_ONCE {
            // A table this busy will likely reach the cap: size it for the cap now rather
            // than rehash it at every doubling on the way.
            let entries = &self.entries;
            self.table.reserve(self.cap, |i| entries[i as usize].hash);
            self.entries.reserve(self.cap - GROW_AT_ONCE);
        }
        let hits = hits_of(text).into_boxed_slice();
        out.extend_from_slice(&hits);
        let floor = self.floor;
        let mut levels = [0u32; 6];
        if let Some(l) = level {
            levels[l as usize] = 1;
        }
        self.insert(hash, text, 1, floor, hits, levels);
        MessageRef(self.entries.len() as u32 - 1)
    }

    /// The memo of the message `r` names: valid until the next message is observed.
    pub fn memo_mut(&mut self, r: MessageRef) -> Option<&mut u32> {
        self.entries.get_mut(r.0 as usize).map(|e| &mut e.memo)
    }

    /// Records that an event of message `r` hit a catalog pattern that its text alone does not
    /// (a whole access log line, an error field, a field condition). A message all of whose
    /// events did is no unknown one.
    #[inline]
    pub fn mark_known(&mut self, r: MessageRef) {
        if let Some(e) = self.entries.get_mut(r.0 as usize) {
            e.explained = e.explained.saturating_add(1);
        }
    }

    /// The messages whose text no catalog pattern matched: the message's hash (the same in
    /// every table), its text (cut to [`MAX_STORED_BYTES`]), count, occurrences per level and
    /// how many of its events hit a pattern all the same (see [`MessageCounter::mark_known`]:
    /// a message all of whose events did, over all tables, is no unknown one).
    pub fn unknown(&self) -> impl Iterator<Item = (u64, &[u8], u64, [u32; 6], u64)> + '_ {
        self.entries.iter().filter(|e| e.hits.is_empty()).map(|e| {
            let explained = u64::from(e.explained);
            (e.hash, self.bytes_of(e), e.count, e.levels, explained)
        })
    }

    fn insert(
        &mut self,
        hash: u64,
        text: &[u8],
        count: u64,
        err: u64,
        hits: Box<[u16]>,
        levels: [u32; 6],
    ) {
        let n = stored_len(text);
        let off = self.arena.len();
        self.arena.extend_from_slice(&text[..n]);
        self.push(Entry {
            hash,
            off,
            stored: n as u32,
            len: text.len().min(u32::MAX as usize) as u32,
            memo: 0,
            count,
            err,
            hits,
            explained: 0,
            levels,
        });
    }

    /// Drops the least frequent half of the table. The kept entries move into a fresh table
    /// sized for `cap` and a compacted arena, so the table never grows again (no rehash churn
    /// on the hot path).
    fn prune(&mut self) {
        let keep = self.cap / 2;
        let over_arena = self.arena.len() >= MAX_ARENA_BYTES;
        if self.entries.len() <= keep && !over_arena {
            return;
        }
        let keep = keep.min(self.entries.len() / 2);
        let mut counts: Vec<u64> = self.entries.iter().map(|e| e.count).collect();
        let idx = counts.len() - keep;
        let threshold = if keep == 0 {
            u64::MAX
        } else {
            *counts.select_nth_unstable(idx).1
        };
        drop(counts);
        let above = self.entries.iter().filter(|e| e.count > threshold).count();
        // Entries at the threshold are kept (oldest first) until `keep` is reached.
        let mut ties_left = keep.saturating_sub(above);
        let (mut table, mut entries, mut arena) = std::mem::take(&mut self.spare);
        // Empty: nothing to rehash.
        table.reserve(self.cap, |_| 0);
        entries.reserve(self.cap);
        arena.reserve(self.arena.len() / 2);
        let mut old_table = std::mem::replace(&mut self.table, table);
        let mut old = std::mem::replace(&mut self.entries, entries);
        let mut old_arena = std::mem::replace(&mut self.arena, arena);
        let mut max_dropped = 0;
        for mut e in old.drain(..) {
            let kept = e.count > threshold
                || (e.count == threshold && ties_left > 0 && {
                    ties_left -= 1;
                    true
                });
            if kept {
                let off = self.arena.len();
                self.arena
                    .extend_from_slice(&old_arena[e.off..e.off + e.stored as usize]);
                e.off = off;
                self.push(e);
            } else {
                max_dropped = max_dropped.max(e.count + e.err);
                self.pruned += 1;
                if e.hits.is_empty() && sampled(e.hash) {
                    let text = &old_arena[e.off..e.off + e.stored as usize];
                    self.dropped.add_message(text, e.hash, e.count, e.levels);
                }
            }
        }
        self.floor = self.floor.max(max_dropped);
        old_table.clear();
        old_arena.clear();
        self.spare = (old_table, old, old_arena);
    }

    fn bytes_of(&self, e: &Entry) -> &[u8] {
        &self.arena[e.off..e.off + e.stored as usize]
    }

    /// Adds another counter's counts into this one.
    pub fn merge(&mut self, other: MessageCounter) {
        let other_floor = other.floor;
        let self_floor = self.floor;
        let mut seen_in_other: Vec<u64> = Vec::with_capacity(other.entries.len());
        for e in other.entries.iter() {
            let text = other.bytes_of(e);
            seen_in_other.push(e.hash);
            match self.find(e.hash, e.len, text) {
                Some(i) => {
                    let mine = &mut self.entries[i];
                    mine.count = mine.count.saturating_add(e.count);
                    mine.err = mine.err.saturating_add(e.err);
                    mine.explained = mine.explained.saturating_add(e.explained);
                    for (a, b) in mine.levels.iter_mut().zip(e.levels) {
                        *a = a.saturating_add(b);
                    }
                }
                None => {
                    let n = e.stored as usize;
                    let off = self.arena.len();
                    self.arena.extend_from_slice(&text[..n]);
                    self.push(Entry {
                        hash: e.hash,
                        off,
                        stored: e.stored,
                        len: e.len,
                        // The other table's memo means something to its owner only.
                        memo: 0,
                        count: e.count,
                        err: e.err.saturating_add(self_floor),
                        hits: e.hits.clone(),
                        explained: e.explained,
                        levels: e.levels,
                    });
                }
            }
        }
        // Entries only here may have been dropped there: widen their bound.
        if other_floor > 0 {
            seen_in_other.sort_unstable();
            for m in self.entries.iter_mut() {
                if seen_in_other.binary_search(&m.hash).is_err() {
                    m.err = m.err.saturating_add(other_floor);
                }
            }
        }
        self.floor = self_floor.saturating_add(other_floor);
        self.pruned = self.pruned.saturating_add(other.pruned);
        self.dropped.merge(other.dropped);
        while self.entries.len() > self.cap || self.arena.len() > MAX_ARENA_BYTES {
            let before = self.entries.len();
            self.prune();
            if self.entries.len() == before {
                break;
            }
        }
    }

    /// The first `unknown` messages no catalog pattern matched (those with error events, then
    /// warnings, then by count: the template stage's order) and the `any` most
    /// frequent of all, for a report's merge state, with the table's bound for a message left
    /// out (`floor`, widened to cover what the export leaves out) and the distinct messages
    /// dropped so far (`pruned`, plus those left out). See [`MessageCounter::import`].
    pub fn export(&self, unknown: usize, any: usize) -> (Vec<Exported>, u64, u64, DroppedForms) {
        let mut picked: Vec<&Entry> = self.top_entries(any);
        let mut unknown_entries: Vec<&Entry> =
            self.entries.iter().filter(|e| e.hits.is_empty()).collect();
        if unknown_entries.len() > unknown {
            // The order the template stage picks messages in: errors, warnings, then count.
            let class = |e: &Entry| {
                if e.levels[4] > 0 || e.levels[5] > 0 {
                    2
                } else if e.levels[3] > 0 {
                    1
                } else {
                    0
                }
            };
            unknown_entries.sort_unstable_by(|a, b| {
                class(b)
                    .cmp(&class(a))
                    .then(b.count.cmp(&a.count))
                    .then_with(|| self.bytes_of(a).cmp(self.bytes_of(b)))
            });
            unknown_entries.truncate(unknown);
        }
        picked.extend(unknown_entries);
        picked.sort_unstable_by_key(|e| (e.hash, e.off));
        picked.dedup_by_key(|e| (e.hash, e.off));
        let mut floor = self.floor;
        let mut left_out = 0;
        let mut dropped = self.dropped.clone();
        if picked.len() < self.entries.len() {
            let kept: hashbrown::HashSet<(u64, usize)> =
                picked.iter().map(|e| (e.hash, e.off)).collect();
            for e in self.entries.iter() {
                if !kept.contains(&(e.hash, e.off)) {
                    floor = floor.max(e.count + e.err);
                    left_out += 1;
                    // Left out is dropped: the sample of it goes with the dropped forms.
                    if e.hits.is_empty() && sampled(e.hash) {
                        dropped.add_message(self.bytes_of(e), e.hash, e.count, e.levels);
                    }
                }
            }
        }
        let out = picked
            .into_iter()
            .map(|e| Exported {
                hash: e.hash,
                text: self.bytes_of(e).to_vec(),
                len: e.len,
                count: e.count,
                err: e.err,
                known: !e.hits.is_empty(),
                explained: u64::from(e.explained),
                levels: e.levels,
            })
            .collect();
        (out, floor, self.pruned + left_out, dropped)
    }

    /// A counter holding exported entries (see [`MessageCounter::export`]). An entry's hash is
    /// recomputed from its text unless the text was cut (the hash of the whole message is then
    /// all that identifies it). Known messages get a placeholder hit: only whether a message
    /// hit the catalog matters once counting is over.
    pub fn import(
        cap: usize,
        entries: Vec<Exported>,
        floor: u64,
        pruned: u64,
        dropped: DroppedForms,
    ) -> MessageCounter {
        let mut c = MessageCounter::new(cap.max(entries.len()));
        c.dropped = dropped;
        for e in entries {
            let len = (e.len as usize).max(e.text.len());
            let stored = stored_len(&e.text);
            let cut = len > stored;
            let hash = if cut { e.hash } else { c.hash(&e.text) };
            let text = &e.text[..stored];
            let len = len.min(u32::MAX as usize) as u32;
            if let Some(i) = c.find(hash, len, text) {
                let m = &mut c.entries[i];
                m.count = m.count.saturating_add(e.count);
                m.err = m.err.saturating_add(e.err);
                let explained = u32::try_from(e.explained).unwrap_or(u32::MAX);
                m.explained = m.explained.saturating_add(explained);
                continue;
            }
            if c.entries.len() >= 2 * c.cap {
                // More entries than a table holds (only a crafted state): drop the least
                // frequent half, as counting would have.
                c.prune();
            }
            let hits: Box<[u16]> = if e.known {
                Box::new([u16::MAX])
            } else {
                Box::new([])
            };
            let off = c.arena.len();
            c.arena.extend_from_slice(text);
            c.push(Entry {
                hash,
                off,
                stored: stored as u32,
                len,
                memo: 0,
                count: e.count,
                err: e.err,
                hits,
                explained: u32::try_from(e.explained).unwrap_or(u32::MAX),
                levels: e.levels,
            });
        }
        c.floor = floor;
        c.pruned = pruned;
        c
    }

    /// The entries of the `n` most frequent messages, by count descending then text ascending.
    /// Only the candidates at or above the n-th count are sorted.
    fn top_entries(&self, n: usize) -> Vec<&Entry> {
        if n == 0 {
            return Vec::new();
        }
        let mut v: Vec<&Entry> = self.entries.iter().collect();
        if v.len() > n {
            v.select_nth_unstable_by(n - 1, |a, b| b.count.cmp(&a.count));
            let nth = v[n - 1].count;
            v.retain(|e| e.count >= nth);
        }
        v.sort_unstable_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| self.bytes_of(a).cmp(self.bytes_of(b)))
        });
        v.truncate(n);
        v
    }

    fn count_of(&self, e: &Entry, count: u64, err: u64) -> MessageCount {
        let mut text = String::from_utf8_lossy(self.bytes_of(e)).into_owned();
        if e.stored < e.len {
            text.push('…');
        }
        MessageCount {
            text,
            count,
            exact: err == 0,
        }
    }

    /// The `n` most frequent messages, by count descending then text ascending.
    pub fn top(&self, n: usize) -> Vec<MessageCount> {
        self.top_entries(n)
            .into_iter()
            .map(|e| self.count_of(e, e.count, e.err))
            .collect()
    }

    /// Count and error bound in this table of the message of another table's entry `e`, whose
    /// stored text is `stored`, if present. By the entry's hash and length, not its text: a long
    /// message is stored cut, and its cut hashes as another message would.
    fn get(&self, e: &Entry, stored: &[u8]) -> Option<(u64, u64)> {
        self.find(e.hash, e.len, stored)
            .map(|i| (self.entries[i].count, self.entries[i].err))
    }

    /// Count and error bound of `text` in this table, if present.
    #[cfg(test)]
    fn get_text(&self, text: &[u8]) -> Option<(u64, u64)> {
        let hash = self.hash(text);
        let len = text.len().min(u32::MAX as usize) as u32;
        self.find(hash, len, &text[..stored_len(text)])
            .map(|i| (self.entries[i].count, self.entries[i].err))
    }

    /// Distinct messages currently held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns true if and only if no message was counted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Distinct messages dropped by pruning (0 means every count is exact).
    pub fn pruned(&self) -> u64 {
        self.pruned
    }

    /// The sample of the unknown messages dropped so far.
    pub fn dropped(&self) -> &DroppedForms {
        &self.dropped
    }
}

/// A sample of the unknown messages a [`MessageCounter`] dropped, by masked form (see the module
/// docs). Counts are the sample's: multiply by [`DROPPED_SAMPLE`] for an estimate of all.
#[derive(Clone, Debug, Default)]
pub struct DroppedForms {
    forms: std::collections::HashMap<String, DroppedForm, foldhash::fast::FixedState>,
    /// Forms let go to stay within [`MAX_DROPPED_FORMS`].
    lost: u64,
    masked: String,
}

/// One masked form of [`DroppedForms`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedForm {
    /// The sampled message of this form with the smallest hash (the same whatever the order
    /// messages came in).
    pub example: String,
    /// Its hash.
    pub example_hash: u64,
    /// Occurrences of the sampled messages.
    pub count: u64,
    /// The same per level (`trace` … `fatal`).
    pub levels: [u64; 6],
}

impl DroppedForms {
    /// Folds in `count` occurrences of the message `text` (hash `hash`).
    pub fn add_message(&mut self, text: &[u8], hash: u64, count: u64, levels: [u32; 6]) {
        let text = String::from_utf8_lossy(text);
        let mut masked = std::mem::take(&mut self.masked);
        crate::mine::mask::mask_into(&text, &mut masked);
        let form = DroppedForm {
            example: text.into_owned(),
            example_hash: hash,
            count,
            levels: levels.map(u64::from),
        };
        self.add_form(&masked, form);
        self.masked = masked;
    }

    /// Folds in a form.
    pub fn add_form(&mut self, masked: &str, form: DroppedForm) {
        match self.forms.get_mut(masked) {
            Some(f) => {
                // Saturating: a merge state can say anything.
                f.count = f.count.saturating_add(form.count);
                for (a, b) in f.levels.iter_mut().zip(form.levels) {
                    *a = a.saturating_add(b);
                }
                if (form.example_hash, &form.example) < (f.example_hash, &f.example) {
                    f.example = form.example;
                    f.example_hash = form.example_hash;
                }
            }
            None => {
                if self.forms.len() >= MAX_DROPPED_FORMS {
                    self.shrink();
                }
                self.forms.insert(masked.to_owned(), form);
            }
        }
    }

    /// Lets go of the least frequent half (ties by form, for a stable result).
    fn shrink(&mut self) {
        let mut v: Vec<(String, DroppedForm)> = self.forms.drain().collect();
        v.sort_unstable_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
        let keep = MAX_DROPPED_FORMS / 2;
        self.lost = self
            .lost
            .saturating_add(v.len().saturating_sub(keep) as u64);
        v.truncate(keep);
        self.forms.extend(v);
    }

    /// Adds another set.
    pub fn merge(&mut self, other: DroppedForms) {
        self.lost = self.lost.saturating_add(other.lost);
        let mut theirs: Vec<(String, DroppedForm)> = other.forms.into_iter().collect();
        // A fixed order, so that a shrink on the way keeps the same forms whatever the
        // hash map's order.
        theirs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (masked, f) in theirs {
            self.add_form(&masked, f);
        }
    }

    /// The forms: masked text and what was folded in.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &DroppedForm)> + '_ {
        self.forms.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of forms.
    pub fn len(&self) -> usize {
        self.forms.len()
    }

    /// Returns true if and only if nothing was folded in.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.lost == 0
    }

    /// Forms let go to bound memory (their sampled occurrences are missing from the estimate).
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Rebuilds a set from its parts (a report's merge state).
    pub fn from_parts(forms: Vec<(String, DroppedForm)>, lost: u64) -> DroppedForms {
        let mut d = DroppedForms {
            lost,
            ..DroppedForms::default()
        };
        for (masked, f) in forms {
            d.add_form(&masked, f);
        }
        d
    }
}

/// One message of a [`MessageCounter`] as exported for a report's merge state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Hash of the whole message (what identifies a cut one).
    pub hash: u64,
    /// The stored text (cut to [`MAX_STORED_BYTES`]).
    pub text: Vec<u8>,
    /// Length of the whole message.
    pub len: u32,
    /// Count.
    pub count: u64,
    /// Bound on occurrences missed (0: exact).
    pub err: u64,
    /// Whether the message hit a catalog pattern.
    pub known: bool,
    /// Events of an unknown message that hit a pattern all the same (see
    /// [`MessageCounter::mark_known`]).
    pub explained: u64,
    /// Occurrences per level.
    pub levels: [u32; 6],
}

/// Message counts kept as shards (one [`MessageCounter`] per worker) so that merging is
/// instant: shards are concatenated, and the top messages are found across them with the
/// threshold algorithm TPUT (Cao and Wang, "Efficient top-K query calculation in distributed
/// networks", PODC 2004), which is exact and looks at only a few entries of each shard:
///
/// 1. take each shard's top N, sum their counts over all shards, and let τ be the N-th largest
///    of these sums (a lower bound of the true N-th largest total);
/// 2. any message whose total reaches τ has a count of at least τ/m in one of the m shards, so
///    the messages with such a count in some shard are the only candidates; their exact totals
///    are summed and the best N kept.
///
/// A count is a lower bound, and flagged inexact, when the message may have been dropped by a
/// shard (see [`MessageCounter`]).
#[derive(Debug)]
pub struct MessageTally {
    shards: Vec<MessageCounter>,
}

impl MessageTally {
    /// One empty shard of capacity `cap`.
    pub fn new(cap: usize) -> MessageTally {
        MessageTally {
            shards: vec![MessageCounter::new(cap)],
        }
    }

    /// Counts into the first shard (a worker's own). See [`MessageCounter::observe`].
    #[inline]
    pub fn observe(
        &mut self,
        text: &[u8],
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) {
        self.shards[0].observe(text, out, hits_of)
    }

    /// [`MessageTally::observe`] that also counts the event's level.
    #[inline]
    pub fn observe_level(
        &mut self,
        text: &[u8],
        level: Option<crate::record::Level>,
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) -> MessageRef {
        self.shards[0].observe_level(text, level, out, hits_of)
    }

    /// See [`MessageCounter::prefetch`].
    #[inline]
    pub fn prefetch(&self, text: &[u8]) -> u64 {
        self.shards[0].prefetch(text)
    }

    /// See [`MessageCounter::observe_hashed`].
    #[inline]
    pub fn observe_hashed(
        &mut self,
        text: &[u8],
        hash: u64,
        level: Option<crate::record::Level>,
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&[u8]) -> Vec<u16>,
    ) -> MessageRef {
        self.shards[0].observe_hashed(text, hash, level, out, hits_of)
    }

    /// See [`MessageCounter::memo_mut`].
    pub fn memo_mut(&mut self, r: MessageRef) -> Option<&mut u32> {
        self.shards[0].memo_mut(r)
    }

    /// See [`MessageCounter::mark_known`].
    #[inline]
    pub fn mark_known(&mut self, r: MessageRef) {
        self.shards[0].mark_known(r)
    }

    /// The shards.
    pub fn shards(&self) -> &[MessageCounter] {
        &self.shards
    }

    /// Adds another tally's shards.
    pub fn merge(&mut self, other: MessageTally) {
        self.shards
            .extend(other.shards.into_iter().filter(|s| !s.is_empty()));
        if self.shards.is_empty() {
            self.shards.push(MessageCounter::new(16));
        }
    }

    /// A tally of one counter.
    pub fn from_counter(c: MessageCounter) -> MessageTally {
        MessageTally { shards: vec![c] }
    }

    /// Folds all shards into one (what [`MessageTally::top`] avoids doing).
    pub fn into_counter(mut self) -> MessageCounter {
        let mut first = self.shards.swap_remove(0);
        for s in self.shards {
            first.merge(s);
        }
        first
    }

    /// Distinct messages dropped by pruning, over all shards.
    pub fn pruned(&self) -> u64 {
        self.shards.iter().map(|s| s.pruned).sum()
    }

    /// The `n` most frequent messages over all shards, by count descending then text
    /// ascending. Equal to folding the shards and taking the top `n`.
    pub fn top(&self, n: usize) -> Vec<MessageCount> {
        let live: Vec<&MessageCounter> = self.shards.iter().filter(|s| !s.is_empty()).collect();
        match live.len() {
            0 => return Vec::new(),
            1 => return live[0].top(n),
            _ => {}
        }
        if n == 0 {
            return Vec::new();
        }
        let m = live.len() as u64;
        // Exact total (count, err) of a message over all shards.
        let total = |e: &Entry, stored: &[u8]| -> (u64, u64) {
            let (mut count, mut err) = (0u64, 0u64);
            for s in &live {
                match s.get(e, stored) {
                    Some((c, e)) => {
                        count += c;
                        err += e;
                    }
                    None => err += s.floor,
                }
            }
            (count, err)
        };
        // Phase 1: τ from the shards' own top n.
        // Each shard's top is a selection over all its entries: one shard per thread.
        use rayon::prelude::*;
        let mut sums: Vec<u64> = live
            .par_iter()
            .flat_map_iter(|s| {
                s.top_entries(n)
                    .into_iter()
                    .map(|e| total(e, s.bytes_of(e)).0)
                    .collect::<Vec<u64>>()
            })
            .collect();
        sums.sort_unstable_by(|a, b| b.cmp(a));
        // A message in several shards' lists appears several times: deduplicating the values
        // can only lower τ, which keeps it a lower bound (more candidates, never fewer).
        sums.dedup();
        let tau = if sums.len() >= n { sums[n - 1] } else { 0 };
        // Phase 2: candidates with a count of at least τ/m somewhere (rounded down, so the
        // bound only widens), deduplicated by text.
        let floor_share = tau / m;
        // (Long messages that share their cut are told apart by hash and length.)
        let mut seen: hashbrown::HashSet<(u64, u32, &[u8]), foldhash::fast::FixedState> =
            hashbrown::HashSet::with_hasher(foldhash::fast::FixedState::with_seed(7));
        let mut cands: Vec<(u64, u64, &MessageCounter, &Entry)> = Vec::new();
        for s in &live {
            for e in s.entries.iter() {
                if e.count >= floor_share && seen.insert((e.hash, e.len, s.bytes_of(e))) {
                    let (c, err) = total(e, s.bytes_of(e));
                    cands.push((c, err, s, e));
                }
            }
        }
        cands.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.2.bytes_of(a.3).cmp(b.2.bytes_of(b.3)))
        });
        cands
            .into_iter()
            .take(n)
            .map(|(count, err, s, e)| s.count_of(e, count, err))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic xorshift stream for the model tests.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    fn count(c: &mut MessageCounter, s: &str, n: usize) {
        for _ in 0..n {
            c.observe(s.as_bytes(), &mut Vec::new(), |_| Vec::new());
        }
    }

    #[test]
    fn index_finds_every_entry_through_growth_collisions_and_clears() {
        // Made for many entries, and for ten (it widens its index bits as entries come).
        for index in [Index::default(), Index::for_entries(10)] {
            index_finds_every_entry(index);
        }
    }

    fn index_finds_every_entry(mut index: Index) {
        // Hashes sharing their home slot (low bits), their tag (high bits), or both.
        let mut next = xorshift(7);
        let mut hashes: Vec<u64> = (0..5000).map(|_| next()).collect();
        for i in 0..200u64 {
            hashes.push((i << 56) | 0x55); // one home slot, different tags
            hashes.push((0xABCD << 32) | (i << 12)); // one tag, different homes
            hashes.push(0x1234_5678_0000_0077); // the same hash again and again
        }
        assert_eq!(
            index.find(1, |_| true),
            None,
            "an empty index finds nothing"
        );
        index.prefetch(1);
        for round in 0..2 {
            for (i, &h) in hashes.iter().enumerate() {
                index.insert(h, i as u32, |j| hashes[j as usize]);
            }
            assert_eq!(index.len, hashes.len());
            assert!(index.slots.len() >= 2 * hashes.len(), "at most half full");
            for (i, &h) in hashes.iter().enumerate() {
                index.prefetch(h);
                // Every entry under this hash is offered until the right one.
                let mut offered = Vec::new();
                let got = index.find(h, |j| {
                    offered.push(j);
                    j == i as u32
                });
                assert_eq!(got, Some(i as u32), "round {round}, entry {i}");
                assert!(offered
                    .iter()
                    .all(|&j| index.tag(hashes[j as usize]) == index.tag(h)));
            }
            assert_eq!(index.find(0xFFFF_FFFF_0000_0000, |_| true), None);
            index.clear();
            assert_eq!(index.len, 0);
            assert!(hashes.iter().all(|&h| index.find(h, |_| true).is_none()));
        }
    }

    #[test]
    fn short_eq_is_slice_equality() {
        let base: Vec<u8> = (0..80u8).collect();
        for n in 0..80 {
            let a = &base[..n];
            assert!(short_eq(a, &base[..n]));
            assert!(!short_eq(a, &base[..n + 1]));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!short_eq(a, &b), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn a_small_table_takes_a_merge_of_a_large_one() {
        let mut big = MessageCounter::new(100_000);
        for i in 0..3000 {
            big.observe(format!("m{i}").as_bytes(), &mut Vec::new(), |_| Vec::new());
        }
        big.observe(b"m7", &mut Vec::new(), |_| Vec::new());
        let mut small = MessageCounter::new(16);
        small.merge(big);
        assert!(small.entries.len() <= 16);
        assert_eq!(small.get_text(b"m7").map(|(count, _)| count), Some(2));
    }

    #[test]
    fn exact_below_cap_and_memoises_hits() {
        let mut c = MessageCounter::new(100);
        let mut calls = 0;
        for _ in 0..3 {
            let mut h = Vec::new();
            c.observe(b"a", &mut h, |_| {
                calls += 1;
                vec![7]
            });
            assert_eq!(h, [7]);
        }
        assert_eq!(calls, 1);
        count(&mut c, "b", 5);
        let top = c.top(10);
        assert_eq!(top[0].text, "b");
        assert_eq!((top[0].count, top[0].exact), (5, true));
        assert_eq!((top[1].count, top[1].exact), (3, true));
    }

    /// Against a plain map of true counts, over skewed random streams with a small cap (many
    /// prunes), split over two counters and merged: every held message's true count lies in
    /// `[count, count + err]`, `err == 0` means exact, and a message not held was seen at most
    /// `floor` times. Memoised hits and levels follow their message through prunes and merges.
    #[test]
    fn counts_stay_within_their_bounds_through_prunes_and_merges() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        for round in 0..20 {
            let cap = 16 + (round * 7) % 48;
            let mut parts = [MessageCounter::new(cap), MessageCounter::new(cap)];
            let mut truth: std::collections::HashMap<String, u64> = Default::default();
            for _ in 0..3000 {
                // A skewed alphabet: a few heavy messages, a long tail, some long ones.
                let r = next();
                let m = match r % 10 {
                    0..=3 => format!("heavy {}", r % 5),
                    4..=8 => format!("tail {}", r % 400),
                    _ => format!("{}{}", "L".repeat(MAX_STORED_BYTES), r % 3),
                };
                *truth.entry(m.clone()).or_default() += 1;
                let hit = m.len() as u16;
                let level = crate::record::Level::Info;
                let mut out = Vec::new();
                parts[(next() % 2) as usize].observe_level(
                    m.as_bytes(),
                    Some(level),
                    &mut out,
                    |_| vec![hit],
                );
                assert_eq!(out, [hit], "memoised hits of {m:?}");
            }
            let [mut a, b] = parts;
            a.merge(b);
            assert!(a.len() <= cap);
            assert!(a.pruned() > 0, "the stream must overflow the cap");
            let held: Vec<&Entry> = a.entries.iter().collect();
            for e in &held {
                let mut key = String::from_utf8(a.bytes_of(e).to_vec()).expect("ascii");
                if e.stored < e.len {
                    // A cut long message: find it by its full text.
                    key = truth
                        .keys()
                        .find(|k| {
                            k.len() == e.len as usize
                                && k.starts_with(&key)
                                && a.hash(k.as_bytes()) == e.hash
                        })
                        .expect("a long message seen")
                        .clone();
                }
                let t = truth[&key];
                assert!(
                    e.count <= t && t <= e.count + e.err,
                    "{key}: {} + {} vs {t}",
                    e.count,
                    e.err
                );
                assert_eq!(&*e.hits, [key.len() as u16]);
                assert_eq!(
                    e.levels[crate::record::Level::Info as usize] as u64,
                    e.count
                );
                assert_eq!(a.get_text(key.as_bytes()), Some((e.count, e.err)));
            }
            for (m, &t) in &truth {
                if a.get_text(m.as_bytes()).is_none() {
                    assert!(t <= a.floor, "{m}: seen {t}, floor {}", a.floor);
                }
            }
        }
    }

    /// Every occurrence of a sampled unknown message is counted once: in its entry while the
    /// table holds it, in its masked form's sample once dropped, through prunes, merges and an
    /// export that leaves messages out. Unsampled and known messages never reach the sample.
    #[test]
    fn dropped_samples_account_for_every_occurrence_once() {
        use crate::mine::mask::mask_into;
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        let form_of = |m: &str| {
            let mut f = String::new();
            mask_into(m, &mut f);
            f
        };
        for round in 0..6 {
            let cap = 32 + round * 16;
            let mut parts = [MessageCounter::new(cap), MessageCounter::new(cap)];
            // Sampled occurrences per form, and all occurrences of known messages.
            let mut truth: std::collections::BTreeMap<String, u64> = Default::default();
            for _ in 0..6000 {
                let r = next();
                let m = match r % 8 {
                    0 => format!("heavy message {}", r % 3),
                    1 => "known failure".to_string(),
                    2..=4 => format!("tool t-{} completed in session {:016x}", r % 9, next()),
                    _ => format!("job job-{} failed after {} attempts", r % 200, (r >> 8) % 3),
                };
                let known = m == "known failure";
                let c = &mut parts[(next() % 2) as usize];
                if !known && sampled(c.hash(m.as_bytes())) {
                    *truth.entry(form_of(&m)).or_default() += 1;
                }
                let mut out = Vec::new();
                c.observe_level(m.as_bytes(), None, &mut out, |_| {
                    if known {
                        vec![7]
                    } else {
                        vec![]
                    }
                });
            }
            let [mut a, b] = parts;
            a.merge(b);
            assert!(a.pruned() > 0, "the stream must overflow the cap");
            let tally =
                |dropped: &DroppedForms, held: &mut dyn Iterator<Item = (u64, Vec<u8>, u64)>| {
                    let mut got: std::collections::BTreeMap<String, u64> = Default::default();
                    for (form, f) in dropped.iter() {
                        *got.entry(form.to_string()).or_default() += f.count;
                        assert_eq!(form_of(&f.example), form, "the example has its form");
                    }
                    for (hash, text, count) in held {
                        if sampled(hash) {
                            let text = String::from_utf8(text).expect("ascii");
                            *got.entry(form_of(&text)).or_default() += count;
                        }
                    }
                    got
                };
            let held = a.unknown().map(|(h, t, c, _, _)| (h, t.to_vec(), c));
            let got = tally(a.dropped(), &mut held.collect::<Vec<_>>().into_iter());
            assert_eq!(got, truth, "cap {cap}");
            assert!(!a.dropped().is_empty());
            // An export that leaves most messages out carries their sample along.
            let (entries, _, _, dropped) = a.export(8, 8);
            assert!(entries.len() < a.len());
            let held = entries
                .into_iter()
                .filter(|e| !e.known)
                .map(|e| (e.hash, e.text, e.count));
            let got = tally(&dropped, &mut held.collect::<Vec<_>>().into_iter());
            assert_eq!(got, truth, "exported, cap {cap}");
        }
    }

    #[test]
    fn heavy_hitters_survive_pruning_exactly() {
        let mut c = MessageCounter::new(64);
        for i in 0..10_000 {
            count(&mut c, "heavy", 1);
            count(&mut c, &format!("unique {i}"), 1);
        }
        assert!(c.len() <= 64);
        assert!(c.pruned() > 0);
        let top = c.top(1);
        assert_eq!(top[0].text, "heavy");
        assert_eq!(top[0].count, 10_000);
        assert!(top[0].exact);
    }

    #[test]
    fn merge_equals_single_pass_below_cap() {
        let words: Vec<String> = (0..500).map(|i| format!("m{}", i % 37)).collect();
        let mut one = MessageCounter::new(1000);
        for w in &words {
            count(&mut one, w, 1);
        }
        let mut a = MessageCounter::new(1000);
        let mut b = MessageCounter::new(1000);
        for (i, w) in words.iter().enumerate() {
            count(if i % 3 == 0 { &mut a } else { &mut b }, w, 1);
        }
        a.merge(b);
        assert_eq!(a.top(100), one.top(100));
    }

    #[test]
    fn long_messages_are_counted_whole_and_shown_cut() {
        let mut c = MessageCounter::new(100);
        let a = "x".repeat(MAX_STORED_BYTES * 2);
        let mut b = a.clone();
        b.push('y');
        count(&mut c, &a, 3);
        count(&mut c, &b, 2);
        let top = c.top(10);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].count, 3);
        assert!(top[0].text.ends_with('…'));
        assert!(top[0].text.len() <= MAX_STORED_BYTES + 3);
    }

    #[test]
    fn a_message_all_of_whose_events_hit_the_catalog_is_no_unknown_one() {
        let mut c = MessageCounter::new(100);
        let seen = |c: &mut MessageCounter, text: &str| {
            c.observe_level(text.as_bytes(), None, &mut Vec::new(), |_| Vec::new())
        };
        // As the report decides: unknown while some event of it hit nothing.
        let unknown = |c: &MessageCounter| -> Vec<String> {
            c.unknown()
                .filter(|&(_, _, count, _, explained)| explained < count)
                .map(|(_, t, _, _, _)| String::from_utf8_lossy(t).into_owned())
                .collect()
        };
        // `request failed` twice, once explained by its event (an error field, a whole line).
        let r = seen(&mut c, "request failed");
        c.mark_known(r);
        seen(&mut c, "request failed");
        assert_eq!(unknown(&c), ["request failed"]);
        let r = seen(&mut c, "request failed");
        c.mark_known(r);
        c.mark_known(r);
        assert!(unknown(&c).is_empty());
        // Merged: the events explained add up, as the counts do.
        let mut other = MessageCounter::new(100);
        seen(&mut other, "request failed");
        c.merge(other);
        assert_eq!(unknown(&c), ["request failed"]);
    }

    #[test]
    fn tally_counts_long_messages_across_shards() {
        // Two long messages that share their stored cut, in both shards: each is counted whole
        // (before, the shards were asked for the cut's hash, so both counted 0).
        let a = "x".repeat(MAX_STORED_BYTES + 100);
        let b = format!("{a}y");
        let mut shards: Vec<MessageTally> = (0..2).map(|_| MessageTally::new(100)).collect();
        for (i, shard) in shards.iter_mut().enumerate() {
            for _ in 0..3 + i {
                shard.observe(a.as_bytes(), &mut Vec::new(), |_| Vec::new());
            }
            shard.observe(b.as_bytes(), &mut Vec::new(), |_| Vec::new());
            shard.observe(b"short", &mut Vec::new(), |_| Vec::new());
        }
        let mut tally = shards.remove(0);
        tally.merge(shards.remove(0));
        let top: Vec<(u64, bool)> = tally.top(3).iter().map(|m| (m.count, m.exact)).collect();
        assert_eq!(top, [(7, true), (2, true), (2, true)]);
        assert!(tally.top(1)[0].text.ends_with('…'));
    }

    #[test]
    fn tally_top_equals_folded_top() {
        // Skewed counts spread unevenly over 3 shards, with ties.
        let mut shards: Vec<MessageTally> = (0..3).map(|_| MessageTally::new(10_000)).collect();
        let mut one = MessageCounter::new(10_000);
        let mut x = 12345u64;
        for i in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 33) % 1000;
            let msg = format!("m{}", k * k % 997 / ((k % 7) + 1));
            let shard = ((x >> 20) % 3) as usize;
            let shard = if i % 11 == 0 { 0 } else { shard };
            shards[shard].observe(msg.as_bytes(), &mut Vec::new(), |_| Vec::new());
            one.observe(msg.as_bytes(), &mut Vec::new(), |_| Vec::new());
        }
        let mut tally = shards.remove(0);
        for s in shards {
            tally.merge(s);
        }
        for n in [1, 5, 20, 100, 5000] {
            assert_eq!(tally.top(n), one.top(n), "n = {n}");
        }
    }

    #[test]
    fn merge_marks_possibly_dropped_counts_inexact() {
        let mut a = MessageCounter::new(16);
        for i in 0..100 {
            count(&mut a, &format!("x{i}"), 2);
        }
        let mut b = MessageCounter::new(16);
        count(&mut b, "only-b", 50);
        b.merge(a);
        let top = b.top(1);
        assert_eq!(top[0].text, "only-b");
        assert!(
            !top[0].exact,
            "a dropped messages, so only-b may have been among them"
        );
    }
}
