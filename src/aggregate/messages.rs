//! Counting distinct messages in bounded memory, with each message's catalog text hits memoised.
//!
//! Counts are exact until the table holds `cap` distinct messages. Then the least frequent half
//! is dropped (the Space-Saving / lossy-counting idea): the largest dropped count becomes the
//! table's `floor`, and a message first seen after a prune may have been seen up to `floor` times
//! before. Each entry carries that bound as `err`, so a reported count is exact if and only if
//! `err == 0`. Heavy hitters enter early and are never dropped, which is why the top messages of
//! real logs stay exact. Merging adds counts and bounds (Agarwal et al., "Mergeable Summaries",
//! PODS 2012).

use hashbrown::HashTable;

/// Distinct messages kept per table before pruning, by default.
pub const DEFAULT_CAP: usize = 200_000;

#[derive(Debug)]
struct Entry {
    hash: u64,
    text: Box<str>,
    count: u64,
    err: u64,
    hits: Box<[u16]>,
}

/// A message with its count, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCount {
    /// The message.
    pub text: String,
    /// Times seen (a lower bound when not exact).
    pub count: u64,
    /// True if and only if `count` is exact.
    pub exact: bool,
}

/// See the module docs.
#[derive(Debug)]
pub struct MessageCounter {
    table: HashTable<Entry>,
    hasher: foldhash::fast::FixedState,
    cap: usize,
    floor: u64,
    pruned: u64,
}

impl Default for MessageCounter {
    fn default() -> Self {
        MessageCounter::new(DEFAULT_CAP)
    }
}

impl MessageCounter {
    /// A counter keeping at most `cap` distinct messages (at least 16).
    pub fn new(cap: usize) -> MessageCounter {
        MessageCounter {
            table: HashTable::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x6c6f_6774_7269_6167),
            cap: cap.max(16),
            floor: 0,
            pruned: 0,
        }
    }

    #[inline]
    fn hash(&self, text: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(text)
    }

    /// Counts one occurrence of `text` and appends its memoised hits to `out`; `hits_of`
    /// computes them the first time a message is seen.
    #[inline]
    pub fn observe(
        &mut self,
        text: &str,
        out: &mut Vec<u16>,
        hits_of: impl FnOnce(&str) -> Vec<u16>,
    ) {
        let hash = self.hash(text);
        if let Some(e) = self
            .table
            .find_mut(hash, |e| e.hash == hash && &*e.text == text)
        {
            e.count += 1;
            out.extend_from_slice(&e.hits);
            return;
        }
        if self.table.len() >= self.cap {
            self.prune();
        }
        let hits = hits_of(text).into_boxed_slice();
        out.extend_from_slice(&hits);
        let floor = self.floor;
        self.table.insert_unique(
            hash,
            Entry {
                hash,
                text: text.into(),
                count: 1,
                err: floor,
                hits,
            },
            |e| e.hash,
        );
    }

    /// Drops the least frequent half of the table. The kept entries move into a fresh table
    /// sized for `cap`, so the table never grows again (no rehash churn on the hot path).
    fn prune(&mut self) {
        let keep = self.cap / 2;
        if self.table.len() <= keep {
            return;
        }
        let mut counts: Vec<u64> = self.table.iter().map(|e| e.count).collect();
        let idx = counts.len() - keep;
        let (_, threshold, _) = counts.select_nth_unstable(idx);
        let threshold = *threshold;
        drop(counts);
        let above = self.table.iter().filter(|e| e.count > threshold).count();
        // Entries at the threshold are kept (in table order) until `keep` is reached.
        let mut ties_left = keep.saturating_sub(above);
        let old = std::mem::replace(&mut self.table, HashTable::with_capacity(self.cap));
        let mut max_dropped = 0;
        for e in old {
            let kept = e.count > threshold
                || (e.count == threshold && ties_left > 0 && {
                    ties_left -= 1;
                    true
                });
            if kept {
                self.table.insert_unique(e.hash, e, |x| x.hash);
            } else {
                max_dropped = max_dropped.max(e.count + e.err);
                self.pruned += 1;
            }
        }
        self.floor = self.floor.max(max_dropped);
    }

    /// Adds another counter's counts into this one.
    pub fn merge(&mut self, other: MessageCounter) {
        let other_floor = other.floor;
        let self_floor = self.floor;
        // Entries only here may have been dropped there: widen their bound.
        let mut seen_in_other: Vec<u64> = Vec::new();
        for e in other.table {
            if let Some(mine) = self
                .table
                .find_mut(e.hash, |m| m.hash == e.hash && m.text == e.text)
            {
                mine.count += e.count;
                mine.err += e.err;
                seen_in_other.push(e.hash);
            } else {
                self.table.insert_unique(
                    e.hash,
                    Entry {
                        err: e.err + self_floor,
                        ..e
                    },
                    |x| x.hash,
                );
                seen_in_other.push(e.hash);
            }
        }
        if other_floor > 0 {
            seen_in_other.sort_unstable();
            for m in self.table.iter_mut() {
                if seen_in_other.binary_search(&m.hash).is_err() {
                    m.err += other_floor;
                }
            }
        }
        self.floor = self_floor + other_floor;
        self.pruned += other.pruned;
        while self.table.len() > self.cap {
            self.prune();
        }
    }

    /// The `n` most frequent messages, by count descending then text ascending.
    pub fn top(&self, n: usize) -> Vec<MessageCount> {
        let mut v: Vec<&Entry> = self.table.iter().collect();
        v.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        v.into_iter()
            .take(n)
            .map(|e| MessageCount {
                text: e.text.to_string(),
                count: e.count,
                exact: e.err == 0,
            })
            .collect()
    }

    /// Distinct messages currently held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Returns true if and only if no message was counted.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Distinct messages dropped by pruning (0 means every count is exact).
    pub fn pruned(&self) -> u64 {
        self.pruned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(c: &mut MessageCounter, s: &str, n: usize) {
        for _ in 0..n {
            c.observe(s, &mut Vec::new(), |_| Vec::new());
        }
    }

    #[test]
    fn exact_below_cap_and_memoises_hits() {
        let mut c = MessageCounter::new(100);
        let mut calls = 0;
        for _ in 0..3 {
            let mut h = Vec::new();
            c.observe("a", &mut h, |_| {
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
