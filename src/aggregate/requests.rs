//! Request traces: events grouped by request id, in bounded memory, exact across chunks.
//!
//! A request's events are spread over chunks that different threads process in any order, so a
//! worker cannot finish a trace alone. Each worker turns a chunk into a [`Fragment`] (what that
//! chunk says about each request id in it); fragments are merged into the open traces **in chunk
//! order** by whichever worker holds the [`Merger`] lock, which makes the result the same as one
//! sequential pass for any number of threads. A trace is finalised when no event of it has been
//! seen for `idle` of event time (default 5 minutes, `--trace-idle`) or, past
//! `max_open` open traces, oldest first (counted as `evicted`). A request whose events are more
//! than `idle` apart is therefore counted twice; that is the price of bounded memory.
//!
//! The hot path allocates nothing per request: a fragment keeps fixed-size states with the ids
//! and slowest messages in one buffer, the merger keeps open traces in a slab (with their text
//! in one compacted buffer) and builds a [`TraceState`] only for a trace a report keeps.

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use hashbrown::{HashMap, HashTable};
use sketches_ddsketch::{Config as SketchConfig, DDSketch};

use super::latency::SKETCH_ALPHA;
use super::{max_opt, min_opt, prefetch};

/// Open traces kept before the oldest are finalised early.
pub const DEFAULT_MAX_OPEN: usize = 500_000;
/// Slowest traces kept for the report.
pub const SLOWEST_TRACES: usize = 20;
/// Distinct first-error keys kept.
pub const MAX_ERROR_GROUPS: usize = 1000;
/// Emptied fragments kept for reuse (two per worker on the project's machines).
const MAX_SPARE_FRAGMENTS: usize = 8;
/// Expiry buckets per idle window.
const EXPIRY_BUCKETS: i64 = 16;
/// Fragments merged between two idle sweeps.
const SWEEP_EVERY: u64 = 8;

/// The error that came first in a request.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstError {
    /// When (µs), if timed.
    pub time_us: Option<i64>,
    /// Input order: global chunk sequence and line in the chunk.
    pub order: (u64, u64),
    /// The most severe catalog pattern it hit (an index), if any.
    pub pattern: Option<u16>,
    /// Its message, if any.
    pub message: Option<Box<str>>,
    /// Service and caller that logged it.
    pub service: Option<Box<str>>,
    /// Source location.
    pub caller: Option<Box<str>>,
}

impl FirstError {
    fn earlier_than(&self, o: &FirstError) -> bool {
        o.comes_after(self.time_us, self.order)
    }

    /// Returns true if and only if an error at `time_us` and input position `order` came
    /// before this one: by time (untimed last), then input order.
    fn comes_after(&self, time_us: Option<i64>, order: (u64, u64)) -> bool {
        (time_us.is_none(), time_us, order) < (self.time_us.is_none(), self.time_us, self.order)
    }
}

/// What is known about one request.
#[derive(Clone, Debug, Default)]
pub struct TraceState {
    /// First and last event time (µs).
    pub first_us: Option<i64>,
    /// Last event time (µs).
    pub last_us: Option<i64>,
    /// Events.
    pub events: u64,
    /// Events at level error or fatal.
    pub errors: u64,
    /// Services seen, in order of appearance (at most 8). Shared strings: the merger holds one
    /// `Arc` per distinct name.
    pub services: Vec<std::sync::Arc<str>>,
    /// Slowest event: duration (ms) and message.
    pub slowest: Option<(f64, String)>,
    /// The first error (boxed: most traces have none).
    pub first_error: Option<Box<FirstError>>,
    /// Catalog patterns hit (indices, sorted, at most 16).
    pub patterns: Vec<u16>,
}

impl TraceState {
    /// Adds another part of the same request.
    fn absorb(&mut self, o: TraceState) {
        self.first_us = min_opt(self.first_us, o.first_us);
        self.last_us = max_opt(self.last_us, o.last_us);
        self.events += o.events;
        self.errors += o.errors;
        for s in o.services {
            if self.services.len() < 8 && !self.services.iter().any(|x| **x == *s) {
                self.services.push(s);
            }
        }
        if let Some((ms, m)) = o.slowest {
            if self.slowest.as_ref().is_none_or(|(x, _)| ms > *x) {
                self.slowest = Some((ms, m));
            }
        }
        if let Some(e) = o.first_error {
            if self.first_error.as_ref().is_none_or(|f| e.earlier_than(f)) {
                self.first_error = Some(e);
            }
        }
        for p in o.patterns {
            if let Err(i) = self.patterns.binary_search(&p) {
                if self.patterns.len() < 16 {
                    self.patterns.insert(i, p);
                }
            }
        }
    }

    /// Time between the first and last event, ms.
    pub fn span_ms(&self) -> Option<f64> {
        Some((self.last_us? - self.first_us?) as f64 / 1000.0)
    }
}

/// Up to `N` small indices (services, catalog patterns) kept inline: no heap memory.
#[derive(Clone, Copy, Debug)]
struct Small<const N: usize> {
    n: u8,
    items: [u16; N],
}

impl<const N: usize> Default for Small<N> {
    fn default() -> Self {
        Small {
            n: 0,
            items: [0; N],
        }
    }
}

impl<const N: usize> Small<N> {
    fn as_slice(&self) -> &[u16] {
        &self.items[..self.n as usize]
    }

    fn is_full(&self) -> bool {
        self.n as usize == N
    }

    /// Appends `v` if it is new and there is room (keeps the order of appearance).
    fn push_new(&mut self, v: u16) {
        if !self.is_full() && !self.as_slice().contains(&v) {
            self.items[self.n as usize] = v;
            self.n += 1;
        }
    }

    /// Inserts `v` in ascending order if it is new and there is room.
    fn insert_sorted(&mut self, v: u16) {
        if let Err(i) = self.as_slice().binary_search(&v) {
            let n = self.n as usize;
            if !self.is_full() {
                self.items.copy_within(i..n, i + 1);
                self.items[i] = v;
                self.n += 1;
            }
        }
    }
}

/// What is known of a request while it is open, in a chunk's [`Fragment`] or in the
/// [`Merger`]: fixed-size, so recording an event or merging allocates nothing but the rare
/// first error. Services are indices into the fragment's or the merger's table of names;
/// `T` is the slowest message: a range of the fragment's text, or owned by the merger. A
/// [`TraceState`] is built only for the traces a report keeps.
#[derive(Clone, Debug)]
struct Open<T> {
    first_us: Option<i64>,
    last_us: Option<i64>,
    events: u64,
    errors: u64,
    services: Small<8>,
    slowest: Option<(f64, T)>,
    first_error: Option<Box<FirstError>>,
    patterns: Small<16>,
}

impl<T> Default for Open<T> {
    fn default() -> Self {
        Open {
            first_us: None,
            last_us: None,
            events: 0,
            errors: 0,
            services: Small::default(),
            slowest: None,
            first_error: None,
            patterns: Small::default(),
        }
    }
}

impl<T> Open<T> {
    fn span_ms(&self) -> Option<f64> {
        Some((self.last_us? - self.first_us?) as f64 / 1000.0)
    }

    /// Adds a later part of the same request; `services` maps the part's service indices
    /// (`u16::MAX`: no room left for the name) and `text` makes its slowest message ours.
    /// The part is borrowed, not moved (a move copies the whole state): its first error is
    /// taken out of it.
    fn absorb<U>(&mut self, o: &mut Open<U>, services: &[u16], text: impl FnOnce(&U) -> T) {
        self.first_us = min_opt(self.first_us, o.first_us);
        self.last_us = max_opt(self.last_us, o.last_us);
        self.events += o.events;
        self.errors += o.errors;
        for &s in o.services.as_slice() {
            match services.get(s as usize) {
                Some(&g) if g != u16::MAX => self.services.push_new(g),
                _ => {}
            }
        }
        if let Some((ms, m)) = &o.slowest {
            if self.slowest.as_ref().is_none_or(|(x, _)| ms > x) {
                self.slowest = Some((*ms, text(m)));
            }
        }
        if let Some(e) = o.first_error.take() {
            if self.first_error.as_ref().is_none_or(|f| e.earlier_than(f)) {
                self.first_error = Some(e);
            }
        }
        for &p in o.patterns.as_slice() {
            self.patterns.insert_sorted(p);
        }
    }
}

/// An open trace in the merger: its id and slowest message are ranges of the merger's text.
#[derive(Default)]
struct Entry {
    hash: u64,
    id: Span,
    state: Open<Span>,
}

impl Entry {
    /// Bytes of the merger's text it holds (id and slowest message).
    fn text_len(&self) -> usize {
        self.id.1 + self.state.slowest.as_ref().map_or(0, |(_, m)| m.1)
    }
}

fn hasher() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(0x7472_6163_6573)
}

/// A request in a fragment: its id and slowest message are ranges of the fragment's text.
struct FragEntry {
    hash: u64,
    id: Span,
    state: Open<Span>,
}

/// Idle traces a sweep takes out of the open table before it retires them (see
/// [`Merger::retire_slots`]).
const RETIRE_BATCH: usize = 16;

/// Requests of a fragment whose open traces the merger asks for at once (see
/// [`Merger::merge`]).
const MERGE_BATCH: usize = 8;

/// Most distinct service names a fragment or the merger keeps; later names are not recorded
/// in traces.
const MAX_SERVICE_NAMES: usize = 4096;

/// What one chunk says about each request id in it.
pub struct Fragment {
    seq: u64,
    /// The open entries, in the order their requests first came in the chunk: a new request
    /// is an append here (memory written in order) and a 4-byte index in `table`, not a
    /// 168-byte entry written to a random place in a hash table.
    entries: Vec<FragEntry>,
    /// Indexes into `entries`, by the id's hash.
    table: HashTable<u32>,
    /// Earlier traces of ids in `table` that went idle within the chunk (an event more than
    /// `idle_us` after the trace's last one), in the order they ended.
    closed: Vec<FragEntry>,
    idle_us: i64,
    /// The ids and slowest messages of the chunk, back to back.
    text: Vec<u8>,
    /// Service names seen in the chunk.
    services: Names,
    hasher: foldhash::fast::FixedState,
}

/// A name's first sixteen bytes as two words (zero padded) and its length.
type NameKey = (u64, u64, usize);

/// The service names of a [`Fragment`], each found again without a call to `memcmp` per name
/// tried (one lookup per event with a request id): by a scan of their [`NameKey`]s while they
/// are few, by a hash index past [`NAMES_SCANNED`] (a log with a new logger name on every line
/// made each event scan up to 4,096 keys: 2 M lines took 2.5 s instead of 0.2 s).
#[derive(Default)]
struct Names {
    list: Vec<std::sync::Arc<str>>,
    keys: Vec<NameKey>,
    /// Indexes into `list` by the name's hash (every name, kept from the first).
    index: HashTable<u16>,
}

/// Most names looked up by a scan of their keys.
const NAMES_SCANNED: usize = 16;

impl Names {
    /// The index of `name`, added if new; `None` when [`MAX_SERVICE_NAMES`] are kept.
    #[inline]
    fn find_or_add(&mut self, name: &[u8]) -> Option<u16> {
        let hasher = hasher();
        let found = if self.list.len() <= NAMES_SCANNED {
            let key = name_key(name);
            self.keys
                .iter()
                .zip(self.list.iter())
                .position(|(k, s)| *k == key && (key.2 <= 16 || s.as_bytes()[16..] == name[16..]))
        } else {
            let list = &self.list;
            self.index
                .find(hasher.hash_one(name), |&i| {
                    list[i as usize].as_bytes() == name
                })
                .map(|&i| i as usize)
        };
        match found {
            Some(i) => Some(i as u16),
            None if self.list.len() < MAX_SERVICE_NAMES => {
                // Stored as shown (bytes that are not UTF-8 replaced); the key and hash are the
                // stored name's, so such a name matches nothing, as a byte comparison would.
                let stored: std::sync::Arc<str> = String::from_utf8_lossy(name).into();
                let i = self.list.len() as u16;
                let list = &self.list;
                self.index
                    .insert_unique(hasher.hash_one(stored.as_bytes()), i, |&j| {
                        hasher.hash_one(list[j as usize].as_bytes())
                    });
                self.keys.push(name_key(stored.as_bytes()));
                self.list.push(stored);
                Some(i)
            }
            None => None,
        }
    }

    fn clear(&mut self) {
        self.list.clear();
        self.keys.clear();
        self.index.clear();
    }
}

/// The [`NameKey`] of `name`.
#[inline]
fn name_key(name: &[u8]) -> NameKey {
    use crate::record::fields::prefix_word;
    let tail = name.get(8..).unwrap_or_default();
    (prefix_word(name), prefix_word(tail), name.len())
}

impl Fragment {
    /// An empty fragment for the chunk with global sequence number `seq`, with room for
    /// `capacity` request ids (sized from the previous chunk to avoid regrowth); a request
    /// whose next event comes more than `idle_us` after its last one starts a new trace.
    pub fn new(seq: u64, capacity: usize, idle_us: i64) -> Fragment {
        Fragment {
            seq,
            entries: Vec::with_capacity(capacity),
            table: HashTable::with_capacity(capacity),
            closed: Vec::new(),
            idle_us,
            text: Vec::with_capacity(capacity * 24),
            services: Names::default(),
            hasher: hasher(),
        }
    }

    /// Makes an empty fragment the one of chunk `seq`.
    pub fn renumber(&mut self, seq: u64) {
        debug_assert!(self.is_empty());
        self.seq = seq;
    }

    /// Request ids in the fragment.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns true if and only if the chunk had no request id.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.closed.is_empty()
    }

    /// Counts an event of request `id` at `time` (bytes that are not UTF-8 are replaced, as in
    /// every id shown) and returns it, to add what else the event says. An event more than the
    /// idle window after the latest one of its request so far ends that trace and starts the
    /// next one.
    #[inline]
    pub fn event(&mut self, id: &[u8], time: Option<i64>) -> Event<'_> {
        // An inlined ASCII test, then `from_utf8`: both much faster than `from_utf8_lossy` on
        // valid (short) text.
        let id: std::borrow::Cow<'_, [u8]> = if id.is_ascii() || std::str::from_utf8(id).is_ok() {
            id.into()
        } else {
            String::from_utf8_lossy(id).into_owned().into_bytes().into()
        };
        let id = &id[..];
        let hash = self.hasher.hash_one(id);
        let Fragment {
            entries,
            table,
            closed,
            idle_us,
            text,
            services,
            ..
        } = self;
        let found = table.find(hash, |&i| {
            let e = &entries[i as usize];
            e.hash == hash && span_of(text, e.id) == id
        });
        let state = match found {
            Some(&i) => {
                let e = &mut entries[i as usize];
                if let (Some(t), Some(last)) = (time, e.state.last_us) {
                    if t.saturating_sub(last) > *idle_us {
                        closed.push(FragEntry {
                            hash,
                            id: e.id,
                            state: std::mem::take(&mut e.state),
                        });
                    }
                }
                &mut e.state
            }
            None => {
                let id = push_span(text, id);
                // A chunk holds far fewer than 2^32 lines.
                let i = entries.len() as u32;
                table.insert_unique(hash, i, |&j| entries[j as usize].hash);
                entries.push(FragEntry {
                    hash,
                    id,
                    state: Open::default(),
                });
                &mut entries.last_mut().expect("just pushed").state
            }
        };
        state.events += 1;
        if let Some(t) = time {
            state.first_us = Some(state.first_us.map_or(t, |f| f.min(t)));
            state.last_us = Some(state.last_us.map_or(t, |l| l.max(t)));
        }
        Event {
            state,
            text,
            services,
        }
    }
}

/// One event of a request being added to a [`Fragment`].
pub struct Event<'f> {
    state: &'f mut Open<Span>,
    text: &'f mut Vec<u8>,
    services: &'f mut Names,
}

impl Event<'_> {
    /// Returns true if and only if the request has room for another service name.
    #[inline]
    pub fn wants_service(&self) -> bool {
        !self.state.services.is_full()
    }

    /// The service that logged it.
    #[inline]
    pub fn service(&mut self, name: &[u8]) {
        if let Some(i) = self.services.find_or_add(name) {
            self.state.services.push_new(i);
        }
    }

    /// Returns true if and only if a duration of `ms` is the request's slowest so far.
    #[inline]
    pub fn is_slowest(&self, ms: f64) -> bool {
        self.state.slowest.as_ref().is_none_or(|(x, _)| ms > *x)
    }

    /// Its duration (ms) and message (UTF-8), if it is the slowest so far (see
    /// [`Event::is_slowest`]).
    #[inline]
    pub fn slowest(&mut self, ms: f64, message: &[u8]) {
        if self.is_slowest(ms) {
            let m = push_span(self.text, message);
            self.state.slowest = Some((ms, m));
        }
    }

    /// A catalog pattern it hit.
    #[inline]
    pub fn pattern(&mut self, p: u16) {
        self.state.patterns.insert_sorted(p);
    }

    /// Counts it as an error; `first` describes it, built only if it came before the
    /// request's first error so far (by time, untimed last, then input order).
    #[inline]
    pub fn error(
        &mut self,
        time_us: Option<i64>,
        order: (u64, u64),
        first: impl FnOnce() -> FirstError,
    ) {
        let s = &mut *self.state;
        s.errors += 1;
        if s.first_error
            .as_ref()
            .is_none_or(|f| f.comes_after(time_us, order))
        {
            s.first_error = Some(Box::new(first()));
        }
    }
}

/// A finished trace, kept for the report.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The request id.
    pub id: Box<str>,
    /// Its state.
    pub state: TraceState,
}

/// Statistics of finished traces.
#[derive(Clone)]
pub struct TraceStats {
    /// Traces finished.
    pub count: u64,
    /// Of those, with at least one error event.
    pub with_errors: u64,
    /// Finished early because too many were open.
    pub evicted: u64,
    /// Traces by number of events, for traces of [`SMALL_TRACE_EVENTS`] events or more (read
    /// the whole histogram with [`TraceStats::events_histogram`]).
    events_hist: BTreeMap<u64, u64>,
    /// Traces by number of events, below [`SMALL_TRACE_EVENTS`]: one counter per size.
    events_small: Vec<u64>,
    /// Span distribution (ms).
    pub span: DDSketch,
    /// The slowest traces by span.
    pub slowest: Vec<Finished>,
    /// First-error key → count and an example trace.
    pub error_groups: HashMap<ErrorKey, (u64, Finished), foldhash::fast::FixedState>,
    /// Span a trace must beat to be kept among the slowest (once enough are kept).
    slow_floor: f64,
    /// Id of the kept trace at the floor (a trace of the same span enters only before it).
    slow_floor_id: Option<Box<str>>,
}

impl std::fmt::Debug for TraceStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceStats")
            .field("count", &self.count)
            .field("with_errors", &self.with_errors)
            .finish_non_exhaustive()
    }
}

/// Orders traces by first event time (untimed last), then id: the example of an error group is
/// the first in this order.
fn earliest_first(a: &Finished, b: &Finished) -> std::cmp::Ordering {
    (a.state.first_us.is_none(), a.state.first_us, &a.id).cmp(&(
        b.state.first_us.is_none(),
        b.state.first_us,
        &b.id,
    ))
}

/// Traces of up to this many events are counted in an array, not the histogram map.
const SMALL_TRACE_EVENTS: usize = 256;

/// How failing traces are grouped: by the first error's catalog pattern, else its message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKey {
    /// A catalog pattern index.
    Pattern(u16),
    /// A message.
    Message(Box<str>),
    /// Neither (the first error had no message); also collects keys past the cap.
    Other,
}

impl Default for TraceStats {
    fn default() -> Self {
        TraceStats {
            count: 0,
            with_errors: 0,
            evicted: 0,
            events_hist: BTreeMap::new(),
            events_small: vec![0; SMALL_TRACE_EVENTS],
            span: DDSketch::new(SketchConfig::new(SKETCH_ALPHA, 4096, 1e-6)),
            slowest: Vec::new(),
            error_groups: HashMap::with_hasher(hasher()),
            slow_floor: f64::NEG_INFINITY,
            slow_floor_id: None,
        }
    }
}

impl TraceStats {
    /// Adds a finished trace.
    pub fn finish(&mut self, id: Box<str>, state: TraceState) {
        let (events, span, errors) = (state.events, state.span_ms(), state.errors);
        let keep = self.keeps(span, id.as_bytes());
        self.finish_lazy(events, span, errors, keep, || Finished { id, state });
    }

    /// Returns true if and only if a trace of `span` and `id` would be among the slowest kept
    /// now (longest span first, ties by id).
    fn keeps(&self, span: Option<f64>, id: &[u8]) -> bool {
        span.is_some_and(|s| {
            s > self.slow_floor
                || (s == self.slow_floor
                    && self
                        .slow_floor_id
                        .as_deref()
                        .is_none_or(|f| id < f.as_bytes()))
        })
    }

    /// Adds a finished trace of `events` events, `span` and `errors`, `keep_slow` if it is
    /// among the slowest so far (see [`TraceStats::keeps`]); `make` builds it only if it is
    /// kept (among the slowest, or failing).
    fn finish_lazy(
        &mut self,
        events: u64,
        span: Option<f64>,
        errors: u64,
        keep_slow: bool,
        make: impl FnOnce() -> Finished,
    ) {
        self.count += 1;
        self.add_events_count(events, 1);
        if let Some(s) = span {
            self.span.add(s);
        }
        let errored = errors > 0;
        if !keep_slow && !errored {
            return;
        }
        let f = make();
        if errored {
            self.with_errors += 1;
            let e = f.state.first_error.as_ref();
            let mut key = match (
                e.and_then(|e| e.pattern),
                e.and_then(|e| e.message.as_ref()),
            ) {
                (Some(p), _) => ErrorKey::Pattern(p),
                (None, Some(m)) => ErrorKey::Message(m.clone()),
                (None, None) => ErrorKey::Other,
            };
            if !self.error_groups.contains_key(&key) && self.error_groups.len() >= MAX_ERROR_GROUPS
            {
                key = ErrorKey::Other;
            }
            match self.error_groups.get_mut(&key) {
                Some(g) => {
                    g.0 += 1;
                    // The example is the earliest trace of the group, whatever the finishing
                    // order.
                    if earliest_first(&f, &g.1).is_lt() {
                        g.1 = f.clone();
                    }
                }
                None => {
                    self.error_groups.insert(key, (1, f.clone()));
                }
            }
        }
        if keep_slow {
            self.slowest.push(f);
            if self.slowest.len() > SLOWEST_TRACES * 4 {
                self.trim_slowest();
            }
        }
    }

    /// Counts `n` traces of `events` events.
    pub fn add_events_count(&mut self, events: u64, n: u64) {
        let small = usize::try_from(events).ok();
        match small.and_then(|e| self.events_small.get_mut(e)) {
            Some(c) => *c += n,
            None => *self.events_hist.entry(events).or_default() += n,
        }
    }

    /// Traces by number of events.
    pub fn events_histogram(&self) -> BTreeMap<u64, u64> {
        let mut h = self.events_hist.clone();
        for (n, &c) in self.events_small.iter().enumerate() {
            if c > 0 {
                *h.entry(n as u64).or_default() += c;
            }
        }
        h
    }

    /// Adds another set of finished traces.
    pub fn absorb(&mut self, o: TraceStats) {
        self.count += o.count;
        self.with_errors += o.with_errors;
        self.evicted += o.evicted;
        for (k, v) in o.events_hist {
            *self.events_hist.entry(k).or_default() += v;
        }
        self.span
            .merge(&o.span)
            .expect("trace sketches share one configuration");
        self.slowest.extend(o.slowest);
        self.trim_slowest();
        for (a, b) in self.events_small.iter_mut().zip(o.events_small.iter()) {
            *a += b;
        }
        let mut theirs: Vec<_> = o.error_groups.into_iter().collect();
        theirs.sort_by(|a, b| a.0.cmp(&b.0));
        for (mut key, (n, example)) in theirs {
            if !self.error_groups.contains_key(&key) && self.error_groups.len() >= MAX_ERROR_GROUPS
            {
                key = ErrorKey::Other;
            }
            match self.error_groups.get_mut(&key) {
                Some(g) => {
                    g.0 += n;
                    if earliest_first(&example, &g.1).is_lt() {
                        g.1 = example;
                    }
                }
                None => {
                    self.error_groups.insert(key, (n, example));
                }
            }
        }
    }

    /// Keeps the slowest traces, longest span first, ties by id.
    pub fn trim_slowest(&mut self) {
        self.slowest.sort_by(|a, b| {
            b.state
                .span_ms()
                .unwrap_or(0.0)
                .total_cmp(&a.state.span_ms().unwrap_or(0.0))
                .then_with(|| a.id.cmp(&b.id))
        });
        self.slowest.truncate(SLOWEST_TRACES);
        if self.slowest.len() == SLOWEST_TRACES {
            let last = &self.slowest[SLOWEST_TRACES - 1];
            self.slow_floor = last.state.span_ms().unwrap_or(f64::NEG_INFINITY);
            self.slow_floor_id = Some(last.id.clone());
        }
    }
}

/// An open trace in the merger's table: its slot, and its last event time so that the idle
/// sweep tells a stale expiry entry from a live one without reading the slot.
#[derive(Clone, Copy)]
struct OpenRef {
    hash: u64,
    /// The trace's `last_us` (`i64::MIN` while it has no timed event).
    last_us: i64,
    slot: u32,
}

/// Merges fragments in chunk order into open traces and finalises idle ones. See the module
/// docs.
pub struct Merger {
    next_seq: u64,
    pending: BTreeMap<u64, Fragment>,
    /// The open traces. The table holds 24-byte items, so growing and cleaning it moves
    /// little; the traces stay in their slots.
    open: HashTable<OpenRef>,
    slots: Vec<Entry>,
    /// Free slots (of traces that left), reused first.
    free: Vec<u32>,
    /// Ids and slowest messages of the open traces, back to back (entries hold ranges):
    /// no allocation per trace. `garbage` bytes belong to traces that left or messages that
    /// were replaced; the text is compacted when they are more than half of it.
    text: Vec<u8>,
    garbage: usize,
    idle_us: i64,
    max_open: usize,
    max_time: Option<i64>,
    min_time: Option<i64>,
    /// Open traces by last event time, in buckets of [`EXPIRY_BUCKETS`]ths of the idle
    /// window: `(last_us, hash)`, added whenever a trace's last event time moves. An entry
    /// whose trace has moved on (or left) is stale and skipped, so the idle sweep touches only
    /// the traces it finishes, and adding is an append (times mostly grow).
    expiry: BTreeMap<i64, Vec<(i64, u64)>>,
    merged: u64,
    /// Emptied fragments, for [`Merger::recycled`].
    spares: Vec<Fragment>,
    /// Service names of the open traces (they hold indices).
    names: Vec<std::sync::Arc<str>>,
    name_ids: HashMap<std::sync::Arc<str>, u16, foldhash::fast::FixedState>,
    /// Hold back edge traces instead of finishing them (see [`Merger::hold_edges`]).
    hold: bool,
    held: Vec<Finished>,
    /// Statistics of finished traces.
    pub stats: TraceStats,
}

/// A range of the merger's text: start and length.
type Span = (usize, usize);

fn span_of(text: &[u8], (start, len): Span) -> &[u8] {
    &text[start..start + len]
}

/// Appends `bytes` to `text`; returns its span.
fn push_span(text: &mut Vec<u8>, bytes: &[u8]) -> Span {
    let start = text.len();
    text.extend_from_slice(bytes);
    (start, bytes.len())
}

/// Text of the merger's text (UTF-8: ids were checked, messages were `&str`).
fn text_at(text: &[u8], s: Span) -> std::borrow::Cow<'_, str> {
    crate::record::text_of(span_of(text, s))
}

impl Merger {
    /// Finalises traces idle for `idle_us` of event time; at most `max_open` open.
    pub fn new(idle_us: i64, max_open: usize) -> Merger {
        Merger {
            next_seq: 0,
            pending: BTreeMap::new(),
            open: HashTable::with_capacity(max_open.clamp(1, 1 << 16)),
            slots: Vec::new(),
            free: Vec::new(),
            text: Vec::new(),
            garbage: 0,
            idle_us,
            max_open: max_open.max(1),
            max_time: None,
            min_time: None,
            expiry: BTreeMap::new(),
            merged: 0,
            spares: Vec::new(),
            names: Vec::new(),
            name_ids: HashMap::with_hasher(hasher()),
            hold: false,
            held: Vec::new(),
            stats: TraceStats::default(),
        }
    }

    /// Holds back the traces that may continue in an input before or after this one: those
    /// that began within the idle window of the earliest event time (or have no time) and
    /// those still open at the end. [`Merger::finish_shard`] returns them apart, so a report's
    /// merge state can join them with the neighbouring shards' (see [`join_shards`]).
    pub fn hold_edges(mut self) -> Merger {
        self.hold = true;
        self
    }

    /// Width (µs) of an expiry bucket.
    fn expiry_width(&self) -> i64 {
        (self.idle_us / EXPIRY_BUCKETS).max(1)
    }

    /// The report's view of an open trace.
    fn materialize(names: &[std::sync::Arc<str>], text: &[u8], e: Entry) -> Finished {
        let o = e.state;
        Finished {
            id: text_at(text, e.id).into(),
            state: TraceState {
                first_us: o.first_us,
                last_us: o.last_us,
                events: o.events,
                errors: o.errors,
                services: o
                    .services
                    .as_slice()
                    .iter()
                    .map(|&i| names[i as usize].clone())
                    .collect(),
                slowest: o.slowest.map(|(ms, m)| (ms, text_at(text, m).into_owned())),
                first_error: o.first_error,
                patterns: o.patterns.as_slice().to_vec(),
            },
        }
    }

    /// Finishes a trace that left the open set (it is kept only if it is among the slowest
    /// or failing).
    fn finish_entry(&mut self, e: Entry) {
        self.garbage += e.text_len();
        let (events, span, errors) = (e.state.events, e.state.span_ms(), e.state.errors);
        let keep = self.stats.keeps(span, span_of(&self.text, e.id));
        let (names, text) = (&self.names, &self.text);
        self.stats.finish_lazy(events, span, errors, keep, || {
            Self::materialize(names, text, e)
        });
    }

    fn retire(&mut self, e: Entry, evicted: bool) {
        let head = match (e.state.first_us, self.min_time) {
            (Some(f), Some(min)) => f < min.saturating_add(self.idle_us),
            _ => true,
        };
        if evicted || self.hold && head && !self.has_room_held() {
            self.stats.evicted += 1;
        }
        if self.hold && head && self.has_room_held() {
            self.garbage += e.text_len();
            let f = Self::materialize(&self.names, &self.text, e);
            self.held.push(f);
        } else {
            self.finish_entry(e);
        }
    }

    /// Whether another edge trace may be held back: as many as open traces at most, so that a
    /// shard's memory stays bounded too. Past that, an edge trace is finished in its shard
    /// (counted as evicted: a request cut by the shard's start may then count twice).
    fn has_room_held(&self) -> bool {
        self.held.len() < self.max_open
    }

    /// The merger's index of service `name` (`u16::MAX` when the table is full).
    fn name_id(&mut self, name: &std::sync::Arc<str>) -> u16 {
        if let Some(&i) = self.name_ids.get(name) {
            return i;
        }
        if self.names.len() >= MAX_SERVICE_NAMES {
            return u16::MAX;
        }
        let i = self.names.len() as u16;
        self.names.push(name.clone());
        self.name_ids.insert(name.clone(), i);
        i
    }

    /// Takes the fragment of a chunk; merges every fragment that is next in order.
    pub fn push(&mut self, f: Fragment) {
        self.pending.insert(f.seq, f);
        while let Some(f) = self.pending.remove(&self.next_seq) {
            self.next_seq += 1;
            self.merge(f);
        }
    }

    /// An emptied fragment of an earlier chunk, with its memory (give it its chunk with
    /// [`Fragment::renumber`]): reusing them spares a worker a fresh table of ~1 MB per chunk,
    /// which glibc maps and faults in anew each time.
    pub fn recycled(&mut self) -> Option<Fragment> {
        self.spares.pop()
    }

    fn merge(&mut self, mut f: Fragment) {
        let services: Vec<u16> = f.services.list.iter().map(|n| self.name_id(n)).collect();
        let mut closed = std::mem::take(&mut f.closed);
        let Fragment {
            entries,
            table,
            text: ftext,
            ..
        } = &mut f;
        // A request's traces that ended within the chunk come before its open one. The
        // pieces are merged where they lie and the table is cleared after: draining moved each
        // state out first.
        for e in closed.iter_mut() {
            self.merge_piece(e, ftext, &services);
        }
        // The requests of a batch are looked up once ahead, to ask for their open traces'
        // slots: those lookups overlap their cache misses, where one merge after another
        // waited for each in turn.
        for batch in entries.chunks_mut(MERGE_BATCH) {
            for e in batch.iter() {
                let hash = e.hash;
                if let Some(r) = self.open.find(hash, |r| r.hash == hash) {
                    if let Some(o) = self.slots.get(r.slot as usize) {
                        prefetch(o);
                    }
                }
            }
            for e in batch {
                self.merge_piece(e, ftext, &services);
            }
        }
        entries.clear();
        table.clear();
        closed.clear();
        f.closed = closed;
        if self.spares.len() < MAX_SPARE_FRAGMENTS {
            f.text.clear();
            f.services.clear();
            self.spares.push(f);
        }
        self.merged += 1;
        if self.merged % SWEEP_EVERY == 0 || self.open.len() > self.max_open {
            self.sweep();
        }
        if self.garbage > (1 << 20) && self.garbage * 2 > self.text.len() {
            self.compact();
        }
    }

    /// Adds what a chunk says about one request to its open trace; a request idle for longer
    /// than the window since that trace's last event starts a new trace instead.
    fn merge_piece(&mut self, e: &mut FragEntry, ftext: &[u8], services: &[u16]) {
        self.max_time = max_opt(self.max_time, e.state.last_us);
        self.min_time = min_opt(self.min_time, e.state.first_us);
        // Fragments and the merger hash ids with the same fixed hasher.
        let hash = e.hash;
        let id = span_of(ftext, e.id);
        let text = &mut self.text;
        let slots = &mut self.slots;
        let found = self.open.find_mut(hash, |r| {
            r.hash == hash && span_of(text, slots[r.slot as usize].id) == id
        });
        let part = &mut e.state;
        let idle_slot = match found {
            Some(r)
                if matches!((slots[r.slot as usize].state.last_us, part.first_us),
                    (Some(l), Some(first)) if first.saturating_sub(l) > self.idle_us) =>
            {
                Some(r.slot)
            }
            Some(r) => {
                let o = &mut slots[r.slot as usize];
                let before = o.state.last_us;
                let slowest = o.state.slowest.as_ref().map(|(_, m)| *m);
                o.state
                    .absorb(part, services, |m| push_span(text, span_of(ftext, *m)));
                if let Some(old) = slowest {
                    if o.state.slowest.as_ref().map(|(_, m)| *m) != Some(old) {
                        self.garbage += old.1;
                    }
                }
                r.last_us = o.state.last_us.unwrap_or(i64::MIN);
                let moved_to = o.state.last_us.filter(|_| o.state.last_us != before);
                self.expire_at(moved_to, hash);
                return;
            }
            None => None,
        };
        if let Some(slot) = idle_slot {
            if let Ok(r) = self.open.find_entry(hash, |r| r.slot == slot) {
                r.remove();
            }
            self.retire_slot(slot, false);
        }
        let last = self.open_trace(hash, id, part, ftext, services);
        self.expire_at(last, hash);
    }

    /// Opens a trace for request `id` with what a fragment says of it; returns its last event
    /// time.
    fn open_trace(
        &mut self,
        hash: u64,
        id: &[u8],
        part: &mut Open<Span>,
        ftext: &[u8],
        services: &[u16],
    ) -> Option<i64> {
        let text = &mut self.text;
        let id = push_span(text, id);
        let slots = &mut self.slots;
        let i = match self.free.pop() {
            // A freed slot holds a default state (see `take_slot` and `retire_slot`; its old
            // hash and id are overwritten below): the trace is built in place there.
            Some(i) => i,
            None => {
                slots.push(Entry::default());
                (slots.len() - 1) as u32
            }
        };
        let entry = &mut slots[i as usize];
        entry.hash = hash;
        entry.id = id;
        entry
            .state
            .absorb(part, services, |m| push_span(text, span_of(ftext, *m)));
        let last = entry.state.last_us;
        let r = OpenRef {
            hash,
            last_us: last.unwrap_or(i64::MIN),
            slot: i,
        };
        self.open.insert_unique(hash, r, |x| x.hash);
        last
    }

    /// Files the trace of `hash` under its new last event time `t` for the idle sweep.
    fn expire_at(&mut self, t: Option<i64>, hash: u64) {
        if let Some(t) = t {
            let bucket = t.div_euclid(self.expiry_width());
            match self.expiry.last_entry() {
                Some(mut last) if *last.key() == bucket => last.get_mut().push((t, hash)),
                _ => self.expiry.entry(bucket).or_default().push((t, hash)),
            }
        }
    }

    /// Copies the live ids and messages into a fresh text.
    fn compact(&mut self) {
        let live = self.text.len() - self.garbage;
        let mut fresh = Vec::with_capacity(live + live / 2);
        for r in self.open.iter() {
            let e = &mut self.slots[r.slot as usize];
            e.id = push_span(&mut fresh, span_of(&self.text, e.id));
            if let Some((_, m)) = &mut e.state.slowest {
                *m = push_span(&mut fresh, span_of(&self.text, *m));
            }
        }
        self.text = fresh;
        self.garbage = 0;
    }

    /// Finalises idle traces, then the oldest while too many are open.
    fn sweep(&mut self) {
        if let Some(now) = self.max_time {
            let cutoff = now - self.idle_us;
            // (hash, last time) of the traces that may be idle; sorted, they give the stable
            // order (see [`stable_order`]) without moving the traces themselves around.
            let mut idle: Vec<(u64, i64)> = Vec::new();
            let width = self.expiry_width();
            while let Some(mut first) = self.expiry.first_entry() {
                if first.key().saturating_mul(width) >= cutoff {
                    break;
                }
                // Every bucket before the one holding the cutoff is idle as a whole; that one
                // keeps its later times, and the buckets after it are not idle yet.
                let whole = first.key().saturating_add(1).saturating_mul(width) <= cutoff;
                if whole {
                    idle.extend(first.remove().into_iter().map(|(t, h)| (h, t)));
                } else {
                    let (gone, rest): (Vec<_>, Vec<_>) =
                        first.get().iter().partition(|&&(t, _)| t < cutoff);
                    idle.extend(gone.into_iter().map(|(t, h)| (h, t)));
                    *first.get_mut() = rest;
                    if first.get().is_empty() {
                        first.remove();
                    }
                    break;
                }
            }
            idle.sort_unstable();
            let mut rest = &idle[..];
            // Idle traces are taken out of the table a batch at a time and then retired in
            // the same order: the table lookups of a batch overlap their cache misses, and
            // its slots are asked for before they are read.
            let mut batch = Vec::with_capacity(RETIRE_BATCH);
            while let Some(&(hash, t)) = rest.first() {
                let same_hash = rest.iter().take_while(|&&(h, _)| h == hash).count();
                if same_hash == 1 {
                    if let Some(slot) = self.take_idle_slot(hash, t) {
                        batch.push(slot);
                        if batch.len() == RETIRE_BATCH {
                            self.retire_slots(&mut batch, false);
                        }
                    }
                } else {
                    self.retire_slots(&mut batch, false);
                    // Different ids with one hash (or stale duplicates): by id.
                    let mut group: Vec<Entry> = rest[..same_hash]
                        .iter()
                        .filter_map(|&(h, t)| self.take_idle(h, t))
                        .collect();
                    stable_order(&mut group, &self.text);
                    for e in group {
                        self.retire(e, false);
                    }
                }
                rest = &rest[same_hash..];
            }
            self.retire_slots(&mut batch, false);
        }
        if self.open.len() > self.max_open {
            self.evict(self.open.len() - self.max_open / 2);
        }
    }

    /// Finishes the `n` open traces whose last event is oldest (untimed first; ties by the
    /// id's hash, then the id), counted as evicted, in the stable order of [`stable_order`].
    /// Their choice reads only the open table, which holds each trace's last time; only the
    /// chosen traces' slots are read. (A whole sort of the open traces by time and id, with
    /// the chosen ones moved out of their slots, made 3 M lines of distinct ids take 5.6 s and
    /// 536 MiB, against 2.2 s and 393 MiB this way, at a cap of 1,000,000.)
    fn evict(&mut self, n: usize) {
        let mut by_age: Vec<(i64, u64, u32)> = self
            .open
            .iter()
            .map(|r| (r.last_us, r.hash, r.slot))
            .collect();
        let (text, slots) = (&self.text, &self.slots);
        let id = |slot: u32| span_of(text, slots[slot as usize].id);
        let older = |a: &(i64, u64, u32), b: &(i64, u64, u32)| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| id(a.2).cmp(id(b.2)))
        };
        if n < by_age.len() {
            by_age.select_nth_unstable_by(n, older);
            by_age.truncate(n);
        }
        let mut victims = Vec::with_capacity(by_age.len());
        for &(last_us, hash, slot) in &by_age {
            if let Ok(found) = self
                .open
                .find_entry(hash, |r| r.slot == slot && r.last_us == last_us)
            {
                found.remove();
                victims.push((hash, slot));
            }
        }
        drop(by_age);
        self.retire_in_stable_order(victims, true);
    }

    /// Retires the traces in `picked` (hash and slot; no longer in the open table) in the
    /// stable order of [`stable_order`], where they lie: only the traces a report keeps are
    /// moved out of their slots.
    fn retire_in_stable_order(&mut self, mut picked: Vec<(u64, u32)>, evicted: bool) {
        let (text, slots) = (&self.text, &self.slots);
        let id = |slot: u32| span_of(text, slots[slot as usize].id);
        picked.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| id(a.1).cmp(id(b.1))));
        let mut batch = Vec::with_capacity(RETIRE_BATCH);
        for (_, slot) in picked {
            batch.push(slot);
            if batch.len() == RETIRE_BATCH {
                self.retire_slots(&mut batch, evicted);
            }
        }
        self.retire_slots(&mut batch, evicted);
    }

    /// Removes the open trace of `hash` whose last event is at `t`, if there is one (a trace
    /// that has had a later event since is not idle: its entry in `expiry` is stale).
    fn take_idle(&mut self, hash: u64, t: i64) -> Option<Entry> {
        let slot = self.take_idle_slot(hash, t)?;
        Some(self.take_slot(slot))
    }

    /// [`Merger::take_idle`], leaving the trace in its slot: see [`Merger::retire_slot`].
    fn take_idle_slot(&mut self, hash: u64, t: i64) -> Option<u32> {
        let found = self
            .open
            .find_entry(hash, |r| r.hash == hash && r.last_us == t);
        Some(found.ok()?.remove().0.slot)
    }

    /// [`Merger::retire`] of the trace in slot `i` (no longer in the open table), which is
    /// freed. Most traces leave only their counts behind: those are read where they lie, and
    /// only a trace the report keeps is moved out (moving every one cost a copy of the whole
    /// state).
    fn retire_slot(&mut self, i: u32, evicted: bool) {
        let e = &self.slots[i as usize];
        let head = match (e.state.first_us, self.min_time) {
            (Some(f), Some(min)) => f < min.saturating_add(self.idle_us),
            _ => true,
        };
        let span = e.state.span_ms();
        let held = self.hold && head;
        let kept = (held && self.has_room_held())
            || e.state.errors > 0
            || self.stats.keeps(span, span_of(&self.text, e.id));
        if kept {
            let e = self.take_slot(i);
            self.retire(e, evicted);
            return;
        }
        if evicted || held {
            // An edge trace past the held ones' cap (see `has_room_held`) leaves early too.
            self.stats.evicted += 1;
        }
        self.garbage += e.text_len();
        let events = e.state.events;
        self.stats
            .finish_lazy(events, span, 0, false, || unreachable!("not kept"));
        // The slot is rebuilt in place by `open_trace`; its one owned part goes now.
        let e = &mut self.slots[i as usize];
        e.state = Open::default();
        self.free.push(i);
    }

    /// [`Merger::retire_slot`] of each of `slots`, in order, leaving it empty.
    fn retire_slots(&mut self, slots: &mut Vec<u32>, evicted: bool) {
        for &i in slots.iter() {
            if let Some(e) = self.slots.get(i as usize) {
                prefetch(e);
            }
        }
        for i in slots.drain(..) {
            self.retire_slot(i, evicted);
        }
    }

    /// Moves the trace out of slot `i` and frees the slot.
    fn take_slot(&mut self, i: u32) -> Entry {
        self.free.push(i);
        std::mem::take(&mut self.slots[i as usize])
    }

    /// The open traces, in a stable order, leaving the table empty.
    fn drain_open(&mut self) -> Vec<Entry> {
        let picked: Vec<u32> = self.open.drain().map(|r| r.slot).collect();
        let mut rest: Vec<Entry> = picked.into_iter().map(|i| self.take_slot(i)).collect();
        stable_order(&mut rest, &self.text);
        rest
    }

    /// Merges what is pending and finalises every open trace.
    pub fn finish(mut self) -> TraceStats {
        let pending = std::mem::take(&mut self.pending);
        for (_, f) in pending {
            self.merge(f);
        }
        // Retired where they lie: moving every open trace out first doubled the memory of a
        // full table at the end. Every one is finished, none held back.
        self.hold = false;
        let open: Vec<(u64, u32)> = self.open.drain().map(|r| (r.hash, r.slot)).collect();
        self.retire_in_stable_order(open, false);
        self.stats.trim_slowest();
        for f in std::mem::take(&mut self.held) {
            self.stats.finish(f.id, f.state);
        }
        self.stats.trim_slowest();
        self.stats
    }

    /// Like [`Merger::finish`], but the edge traces (see [`Merger::hold_edges`]) and those
    /// still open come back apart, unfinished, with the event-time range seen.
    pub fn finish_shard(mut self) -> TraceShard {
        let pending = std::mem::take(&mut self.pending);
        for (_, f) in pending {
            self.merge(f);
        }
        let rest = self.drain_open();
        let mut edges = std::mem::take(&mut self.held);
        let (names, text) = (&self.names, &self.text);
        edges.extend(rest.into_iter().map(|e| Self::materialize(names, text, e)));
        self.stats.trim_slowest();
        TraceShard {
            stats: self.stats,
            edges,
            first_us: self.min_time,
            last_us: self.max_time,
        }
    }
}

/// Puts traces leaving together in an order that depends only on their ids, so the finishing
/// order (which decides, e.g., which first-error keys fit under the cap) is the same for any
/// thread count: by the id's fixed-seed hash, then the id (cheaper than comparing strings).
fn stable_order(v: &mut [Entry], text: &[u8]) {
    v.sort_unstable_by(|a, b| {
        a.hash
            .cmp(&b.hash)
            .then_with(|| span_of(text, a.id).cmp(span_of(text, b.id)))
    });
}

/// The traces of one input (a shard) with the ones that may continue next door kept apart.
#[derive(Clone, Debug, Default)]
pub struct TraceShard {
    /// Finished traces.
    pub stats: TraceStats,
    /// Traces that may continue in the shard before (they began within the idle window of
    /// `first_us`, or have no time) or after (still open at the end), in the order they left.
    pub edges: Vec<Finished>,
    /// Earliest event time seen.
    pub first_us: Option<i64>,
    /// Latest event time seen.
    pub last_us: Option<i64>,
}

impl TraceShard {
    /// Every trace finished: what a report shows.
    pub fn finished(&self) -> TraceStats {
        let mut s = self.stats.clone();
        for f in &self.edges {
            s.finish(f.id.clone(), f.state.clone());
        }
        s.trim_slowest();
        s
    }
}

/// Joins shards given in input order: an edge trace continues the open trace of the same id
/// from an earlier shard when it began within `idle_us` of that trace's last event (as one
/// pass over the concatenated input would have it). Traces that can no longer meet another
/// shard's (not within `idle_us` of the joined time range's ends) are finished.
pub fn join_shards(shards: Vec<TraceShard>, idle_us: i64) -> TraceShard {
    let mut out = TraceShard::default();
    let mut open: HashMap<Box<str>, (usize, TraceState), foldhash::fast::FixedState> =
        HashMap::with_hasher(hasher());
    let mut arrival = 0usize;
    for shard in shards {
        out.stats.absorb(shard.stats);
        out.first_us = min_opt(out.first_us, shard.first_us);
        out.last_us = max_opt(out.last_us, shard.last_us);
        for f in shard.edges {
            arrival += 1;
            match open.get_mut(&f.id) {
                Some((_, o)) => {
                    let joins = match (o.last_us, f.state.first_us) {
                        (Some(l), Some(first)) => first.saturating_sub(l) <= idle_us,
                        _ => true,
                    };
                    if joins {
                        o.absorb(f.state);
                    } else {
                        let old = std::mem::replace(o, f.state);
                        out.stats.finish(f.id, old);
                    }
                }
                None => {
                    open.insert(f.id, (arrival, f.state));
                }
            }
        }
    }
    let mut rest: Vec<(Box<str>, (usize, TraceState))> = open.into_iter().collect();
    rest.sort_by_key(|(_, (arrival, _))| *arrival);
    let near = |t: Option<i64>, edge: Option<i64>, after: bool| match (t, edge) {
        (Some(t), Some(e)) => {
            if after {
                t >= e.saturating_sub(idle_us)
            } else {
                t < e.saturating_add(idle_us)
            }
        }
        _ => true,
    };
    for (id, (_, state)) in rest {
        if near(state.first_us, out.first_us, false) || near(state.last_us, out.last_us, true) {
            out.edges.push(Finished { id, state });
        } else {
            out.stats.finish(id, state);
        }
    }
    out.stats.trim_slowest();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(f: &mut Fragment, id: &str, t: i64, error: bool) {
        let mut e = f.event(id.as_bytes(), Some(t));
        if error {
            e.error(Some(t), (0, 0), || FirstError {
                time_us: Some(t),
                order: (0, 0),
                pattern: None,
                message: Some("boom".into()),
                service: None,
                caller: None,
            });
        }
    }

    #[test]
    fn services_slowest_message_and_patterns_survive_the_merge() {
        let mut m = Merger::new(300_000_000, 100);
        let mut f0 = Fragment::new(0, 4, 300_000_000);
        let mut e = f0.event(b"a", Some(1_000));
        e.service(b"api");
        e.slowest(5.0, b"fast");
        e.pattern(3);
        let mut f1 = Fragment::new(1, 4, 300_000_000);
        for (svc, ms, msg, p) in [("db", 9.0, "slow one", 1), ("api", 7.0, "middle", 3)] {
            let mut e = f1.event(b"a", Some(2_000));
            e.service(svc.as_bytes());
            e.slowest(ms, msg.as_bytes());
            e.pattern(p);
        }
        // Another request in between: its names must not mix with a's.
        f1.event(b"b", None).service(b"queue");
        m.push(f1);
        m.push(f0);
        let s = m.finish();
        let a = s.slowest.iter().find(|f| &*f.id == "a").expect("a is kept");
        let names: Vec<&str> = a.state.services.iter().map(|n| &**n).collect();
        assert_eq!(names, ["api", "db"]);
        assert_eq!(a.state.slowest, Some((9.0, "slow one".to_string())));
        assert_eq!(a.state.patterns, [1, 3]);
        assert_eq!(a.state.events, 3);
        assert_eq!(s.count, 2);
    }

    #[test]
    fn small_sets_keep_order_or_sort_and_stop_at_capacity() {
        let mut s: Small<3> = Small::default();
        for v in [5, 2, 5, 9, 1] {
            s.push_new(v);
        }
        assert_eq!(s.as_slice(), [5, 2, 9]);
        let mut p: Small<3> = Small::default();
        for v in [5, 2, 5, 9, 1] {
            p.insert_sorted(v);
        }
        assert_eq!(p.as_slice(), [2, 5, 9]);
    }

    #[test]
    fn traces_spanning_chunks_merge_in_order_whatever_the_arrival() {
        let sec = 1_000_000;
        let mk = |seq: u64| {
            let mut f = Fragment::new(seq, 4, 300 * sec);
            match seq {
                0 => {
                    event(&mut f, "a", 0, false);
                    event(&mut f, "b", sec, false);
                }
                1 => {
                    event(&mut f, "a", 2 * sec, true);
                    event(&mut f, "c", 3 * sec, false);
                }
                _ => event(&mut f, "b", 4 * sec, false),
            }
            f
        };
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let mut m = Merger::new(300 * sec, 100);
            for seq in order {
                m.push(mk(seq));
            }
            let s = m.finish();
            assert_eq!(s.count, 3);
            assert_eq!(s.with_errors, 1);
            assert_eq!(s.events_histogram()[&2], 2);
            assert_eq!(s.slowest[0].id.as_ref(), "b");
            assert_eq!(s.slowest[0].state.span_ms(), Some(3000.0));
        }
    }

    #[test]
    fn a_request_idle_past_the_window_is_two_traces_however_it_is_chunked() {
        let sec = 1_000_000;
        // "a" pauses 20 s between its second and third event; the window is 10 s.
        let events = [
            ("a", 0),
            ("b", sec),
            ("a", 2 * sec),
            ("a", 22 * sec),
            ("a", 23 * sec),
        ];
        for cuts in [
            vec![5],
            vec![1, 1, 1, 1, 1],
            vec![2, 3],
            vec![3, 2],
            vec![4, 1],
        ] {
            let mut m = Merger::new(10 * sec, 100);
            let mut next = events.iter();
            for (seq, n) in cuts.iter().enumerate() {
                let mut f = Fragment::new(seq as u64, 4, 10 * sec);
                for &(id, t) in next.by_ref().take(*n) {
                    event(&mut f, id, t, id == "a" && t == 22 * sec);
                }
                m.push(f);
            }
            let s = m.finish();
            assert_eq!(s.count, 3, "cuts {cuts:?}");
            assert_eq!(s.with_errors, 1, "cuts {cuts:?}");
            assert_eq!(s.events_histogram()[&2], 2, "cuts {cuts:?}");
            let mut spans: Vec<_> = s.slowest.iter().map(|f| f.state.span_ms()).collect();
            spans.sort_by(|a, b| a.partial_cmp(b).unwrap());
            assert_eq!(
                spans,
                [Some(0.0), Some(1000.0), Some(2000.0)],
                "cuts {cuts:?}"
            );
        }
    }

    #[test]
    fn idle_traces_finish_and_the_cap_evicts_oldest() {
        let sec = 1_000_000;
        let mut m = Merger::new(10 * sec, 4);
        for i in 0..40u64 {
            let mut f = Fragment::new(i, 4, 10 * sec);
            event(&mut f, &format!("r{i}"), i as i64 * sec, false);
            m.push(f);
            assert!(m.open.len() <= 12, "bounded by idle window and cap");
        }
        let s = m.finish();
        assert_eq!(s.count, 40);
        assert!(s.evicted > 0);
    }

    #[test]
    fn a_shards_edge_traces_are_held_up_to_the_cap() {
        let sec = 1_000_000;
        let mut m = Merger::new(3600 * sec, 4).hold_edges();
        for i in 0..20u64 {
            let mut f = Fragment::new(i, 4, 3600 * sec);
            event(&mut f, &format!("r{i}"), i as i64 * sec, false);
            m.push(f);
        }
        let shard = m.finish_shard();
        // All twenty began within the idle window of the start: edges, as far as they fit.
        assert!(shard.edges.len() <= 8, "{}", shard.edges.len());
        assert_eq!(shard.stats.count + shard.edges.len() as u64, 20);
        assert!(shard.stats.count > 0);
        // Every trace but those open at the end was evicted: four of them are held.
        assert_eq!(shard.stats.evicted as usize + (shard.edges.len() - 4), 20);
    }

    #[test]
    fn service_names_are_found_again_by_scan_and_by_index() {
        let mut n = Names::default();
        let name = |i: usize| match i % 3 {
            0 => format!("s{i}"),
            1 => format!("a-longer-service-name-{i}"),
            _ => format!("{i}-a-longer-service-name"),
        };
        for i in 0..MAX_SERVICE_NAMES + 10 {
            let got = n.find_or_add(name(i).as_bytes());
            assert_eq!(got, (i < MAX_SERVICE_NAMES).then_some(i as u16), "{i}");
        }
        for i in (0..MAX_SERVICE_NAMES).rev() {
            assert_eq!(n.find_or_add(name(i).as_bytes()), Some(i as u16), "{i}");
        }
        // Past the first names, by the index; a name not valid UTF-8 matches nothing.
        n.clear();
        for i in 0..100 {
            n.find_or_add(name(i).as_bytes());
        }
        assert_eq!(n.find_or_add(b"bad \xff"), Some(100));
        assert_eq!(n.find_or_add(b"bad \xff"), Some(101));
        assert_eq!(&*n.list[100], "bad \u{fffd}");
        assert_eq!(n.find_or_add(b"s99"), Some(99));
    }

    #[test]
    fn the_cap_evicts_the_oldest_down_to_half_and_an_evicted_id_starts_anew() {
        let sec = 1_000_000;
        let mut m = Merger::new(3600 * sec, 4);
        let mut f = Fragment::new(0, 8, 3600 * sec);
        // Untimed first, then by last event time: r2 is older than r1 by its last event.
        f.event(b"untimed", None);
        for (id, t) in [("r0", 0), ("r1", 1), ("r2", 0), ("r3", 3), ("r4", 4)] {
            event(&mut f, id, t * sec, false);
        }
        event(&mut f, "r1", 2 * sec, false);
        m.push(f);
        // Six open, over the cap of four: the four oldest go, two stay.
        assert_eq!(m.open.len(), 2);
        assert_eq!(m.stats.evicted, 4);
        assert_eq!(m.stats.count, 4);
        let mut f = Fragment::new(1, 8, 3600 * sec);
        event(&mut f, "r1", 10 * sec, true); // evicted: a new trace
        event(&mut f, "r3", 10 * sec, false); // still open: goes on
        m.push(f);
        let s = m.finish();
        assert_eq!(s.count, 7, "six ids, r1 counted twice");
        assert_eq!(s.evicted, 4);
        assert_eq!(s.with_errors, 1);
        let r3 = s.slowest.iter().find(|t| &*t.id == "r3").unwrap();
        assert_eq!((r3.state.events, r3.state.span_ms()), (2, Some(7000.0)));
        let r1: Vec<u64> = s
            .slowest
            .iter()
            .filter(|t| &*t.id == "r1")
            .map(|t| t.state.events)
            .collect();
        assert_eq!(r1.len(), 2, "{r1:?}");
    }
}
