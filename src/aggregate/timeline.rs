//! Events and errors per time bucket, in bounded memory, mergeable.
//!
//! Counts are kept at a fine *resolution* (1 s by default) and re-bucketed to the report's
//! bucket width at the end, so the width can be chosen from the time range once it is known.
//! If more than [`MAX_BUCKETS`] resolution buckets are live, the resolution steps up the
//! [`LADDER`] (each step a multiple of the previous), which keeps memory bounded whatever the
//! range and keeps re-bucketing exact: a report bucket is always a whole number of resolution
//! buckets.

use hashbrown::HashMap;

use crate::record::time::MICROS_PER_SEC;

/// Bucket widths in seconds, each a multiple of the one before.
pub const LADDER: [i64; 14] = [
    1, 5, 10, 30, 60, 300, 600, 1800, 3600, 21_600, 86_400, 604_800, 2_419_200, 31_449_600,
];

/// Most resolution buckets kept before coarsening.
pub const MAX_BUCKETS: usize = 100_000;

/// Buckets aimed for when the width is chosen from the time range.
pub const TARGET_BUCKETS: i64 = 120;

/// Per-bucket counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BucketCount {
    /// Timestamped lines in the bucket.
    pub events: u64,
    /// Of those, lines at level error or fatal.
    pub errors: u64,
}

impl std::ops::AddAssign for BucketCount {
    fn add_assign(&mut self, o: BucketCount) {
        self.events += o.events;
        self.errors += o.errors;
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Timeline {
    res_secs: i64,
    buckets: HashMap<i64, BucketCount, foldhash::fast::FixedState>,
    /// Pending counts of the most recent bucket (consecutive lines mostly share one).
    last_key: i64,
    last: BucketCount,
}

impl Timeline {
    /// A timeline at `res_secs` resolution (`--bucket`), or 1 s when `None`.
    pub fn new(res_secs: Option<i64>) -> Timeline {
        Timeline {
            // At most ~292,000 years, so `res_secs` µs fit in an i64 (library callers; the CLI
            // refuses durations over 100 years).
            res_secs: res_secs.unwrap_or(1).clamp(1, i64::MAX / MICROS_PER_SEC),
            buckets: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(1)),
            last_key: i64::MIN,
            last: BucketCount::default(),
        }
    }

    /// Counts one timestamped line.
    #[inline]
    pub fn observe(&mut self, time_us: i64, is_error: bool) {
        let key = time_us.div_euclid(MICROS_PER_SEC * self.res_secs);
        if key != self.last_key {
            self.flush();
            // The flush may have coarsened: the key is then in the new resolution's units.
            self.last_key = time_us.div_euclid(MICROS_PER_SEC * self.res_secs);
        }
        self.last.events += 1;
        self.last.errors += is_error as u64;
    }

    fn flush(&mut self) {
        self.flush_pending_only();
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen(self.next_res());
        }
    }

    fn next_res(&self) -> i64 {
        LADDER
            .iter()
            .copied()
            .find(|&w| w > self.res_secs && w % self.res_secs == 0)
            .unwrap_or(self.res_secs * 10)
    }

    /// Re-buckets to a coarser resolution (a multiple of the current one).
    fn coarsen(&mut self, res: i64) {
        self.flush_pending_only();
        let factor = res / self.res_secs;
        let old = std::mem::take(&mut self.buckets);
        for (k, v) in old {
            *self.buckets.entry(k.div_euclid(factor)).or_default() += v;
        }
        self.res_secs = res;
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen(self.next_res());
        }
    }

    fn flush_pending_only(&mut self) {
        if self.last.events > 0 {
            let pending = std::mem::take(&mut self.last);
            *self.buckets.entry(self.last_key).or_default() += pending;
        }
        self.last_key = i64::MIN;
    }

    /// Adds the counts of a bucket starting at `start_secs` (a report's bucket; the timeline's
    /// resolution must divide its width).
    pub fn add_bucket(&mut self, start_secs: i64, counts: BucketCount) {
        self.flush_pending_only();
        *self
            .buckets
            .entry(start_secs.div_euclid(self.res_secs))
            .or_default() += counts;
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen(self.next_res());
        }
    }

    /// Adds another timeline's counts.
    pub fn merge(&mut self, mut other: Timeline) {
        self.flush_pending_only();
        other.flush_pending_only();
        let res = lcm(self.res_secs, other.res_secs);
        if res != self.res_secs {
            self.coarsen(res);
        }
        if res != other.res_secs {
            other.coarsen(res);
        }
        // Either side may have coarsened further while re-bucketing.
        let res = self.res_secs.max(other.res_secs);
        if self.res_secs != res {
            self.coarsen(res);
        }
        if other.res_secs != res {
            other.coarsen(res);
        }
        for (k, v) in other.buckets {
            *self.buckets.entry(k).or_default() += v;
        }
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen(self.next_res());
        }
    }

    /// The current resolution in seconds.
    pub fn resolution_secs(&self) -> i64 {
        self.res_secs
    }

    /// Buckets of `width_secs` (a multiple of the resolution), as `(start_secs, counts)`, in
    /// time order, with empty buckets between the first and last filled in, and the width
    /// used: when that would make more than [`MAX_REPORT_BUCKETS`] buckets (a `--bucket 1s`
    /// over a log with a stray timestamp years away), the width steps up the ladder until it
    /// does not.
    pub fn buckets(&self, width_secs: i64) -> (i64, Vec<(i64, BucketCount)>) {
        let mut me = self.clone();
        me.flush_pending_only();
        let mut factor = (width_secs / me.res_secs).max(1);
        loop {
            let mut map: std::collections::BTreeMap<i64, BucketCount> = Default::default();
            for (k, v) in &me.buckets {
                *map.entry(k.div_euclid(factor)).or_default() += *v;
            }
            let width = factor * me.res_secs;
            let (Some((&first, _)), Some((&last, _))) =
                (map.first_key_value(), map.last_key_value())
            else {
                return (width, Vec::new());
            };
            if (last as i128 - first as i128) < MAX_REPORT_BUCKETS as i128 {
                let out = (first..=last)
                    .map(|k| (k * width, map.get(&k).copied().unwrap_or_default()))
                    .collect();
                return (width, out);
            }
            let next = LADDER
                .iter()
                .copied()
                .find(|&w| w > width && w % width == 0)
                .unwrap_or(width.saturating_mul(10));
            factor = (next / me.res_secs).max(factor + 1);
        }
    }
}

/// Most buckets a report lists.
pub const MAX_REPORT_BUCKETS: i64 = 100_000;

/// The bucket width for the seconds `first..=last`: the smallest ladder step (and multiple of
/// the resolution) whose aligned buckets over them are fewer than [`TARGET_BUCKETS`].
pub fn auto_width(first_secs: i64, last_secs: i64, res_secs: i64) -> i64 {
    // Buckets are aligned to multiples of the width, so a range can straddle one more.
    let buckets = |w: i64| last_secs.div_euclid(w) - first_secs.div_euclid(w) + 1;
    LADDER
        .iter()
        .copied()
        .filter(|w| w % res_secs == 0)
        .find(|&w| buckets(w) < TARGET_BUCKETS)
        .unwrap_or(*LADDER.last().expect("ladder"))
        .max(res_secs)
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn lcm(a: i64, b: i64) -> i64 {
    a / gcd(a, b) * b
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = MICROS_PER_SEC;

    #[test]
    fn rebuckets_to_minutes_with_gaps_filled() {
        let mut t = Timeline::new(None);
        t.observe(10 * S, false);
        t.observe(59 * S, true);
        t.observe(61 * S, true);
        t.observe(200 * S, false);
        let (w, b) = t.buckets(60);
        assert_eq!(w, 60);
        assert_eq!(b.len(), 4);
        assert_eq!(
            b[0],
            (
                0,
                BucketCount {
                    events: 2,
                    errors: 1
                }
            )
        );
        assert_eq!(
            b[1],
            (
                60,
                BucketCount {
                    events: 1,
                    errors: 1
                }
            )
        );
        assert_eq!(b[2].1, BucketCount::default());
        assert_eq!(b[3].0, 180);
    }

    #[test]
    fn merge_matches_single_pass() {
        let times: Vec<i64> = (0..5000).map(|i| (i * 7919 % 3600) * S).collect();
        let mut one = Timeline::new(None);
        let mut a = Timeline::new(None);
        let mut b = Timeline::new(None);
        for (i, &t) in times.iter().enumerate() {
            one.observe(t, i % 5 == 0);
            if i % 2 == 0 { &mut a } else { &mut b }.observe(t, i % 5 == 0);
        }
        a.merge(b);
        assert_eq!(a.buckets(60), one.buckets(60));
    }

    #[test]
    fn memory_is_bounded_by_coarsening() {
        let mut t = Timeline::new(None);
        for i in 0..(MAX_BUCKETS as i64 * 3) {
            t.observe(i * S, false);
        }
        assert!(t.resolution_secs() > 1);
        let total: u64 = t
            .buckets(t.resolution_secs() * 1000)
            .1
            .iter()
            .map(|b| b.1.events)
            .sum();
        assert_eq!(total, MAX_BUCKETS as u64 * 3);
    }

    #[test]
    fn every_event_stays_in_its_own_time_across_coarsenings() {
        // Seconds spread over 130 years in a scrambled order: the resolution steps up the whole
        // ladder while events arrive, and none may land outside the range it was seen in.
        let (lo, hi) = (0i64, 130 * 365 * 86_400);
        let mut t = Timeline::new(None);
        let n = 1_000_000i64;
        for i in 0..n {
            let secs = (i * 2_654_435_761) % (hi - lo) + lo;
            t.observe(secs * S, i % 3 == 0);
        }
        let (w, b) = t.buckets(t.resolution_secs());
        assert_eq!(b.iter().map(|x| x.1.events).sum::<u64>(), n as u64);
        let first = b.iter().find(|x| x.1.events > 0).unwrap().0;
        let last = b.iter().rev().find(|x| x.1.events > 0).unwrap().0;
        assert!(
            first <= lo && first + w > lo,
            "first bucket {first}, width {w}"
        );
        assert!(
            last <= hi && last + w > hi - 86_400 * 400,
            "last bucket {last}, width {w}"
        );
    }

    #[test]
    fn a_stray_timestamp_years_away_coarsens_the_buckets() {
        let mut t = Timeline::new(Some(1));
        t.observe(0, false);
        t.observe(60 * 365 * 86_400 * S, true);
        let (w, b) = t.buckets(1);
        assert!(b.len() as i64 <= MAX_REPORT_BUCKETS, "{}", b.len());
        assert!(w >= 21_600, "{w}");
        assert_eq!(b.iter().map(|x| x.1.events).sum::<u64>(), 2);
    }

    #[test]
    fn auto_width_picks_a_readable_step() {
        assert_eq!(auto_width(0, 3600, 1), 60);
        assert_eq!(auto_width(0, 600, 1), 10);
        assert_eq!(auto_width(0, 86_400, 1), 1800);
        assert_eq!(auto_width(0, 10, 1), 1);
        // 10:00:15 to 11:00:14 straddles 121 half-minutes: one-minute buckets.
        assert_eq!(auto_width(36_015, 39_614, 1), 60);
        assert_eq!(auto_width(36_000, 39_569, 1), 30);
    }
}
