//! Which fields a parser extracts, and under which names.
//!
//! A [`FieldSpec`] maps field names (aliases, dotted paths into nested objects, and the literal
//! dotted keys that ECS writes such as `"log.level"`) to numbered *slots*. Parsers look each key
//! up once and keep only the values whose slot is wanted; everything else is skipped without
//! being decoded. The well-known slots come first ([`Slot`]); extra slots hold the fields that
//! catalog conditions need.

/// The well-known fields every record may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Slot {
    /// Event time.
    Time = 0,
    /// Severity level.
    Level = 1,
    /// Human-readable message.
    Message = 2,
    /// Request / trace id.
    RequestId = 3,
    /// Duration of the operation the event reports.
    Duration = 4,
    /// Error text.
    Error = 5,
    /// Source location (`file.go:42`).
    Caller = 6,
    /// Service or logger name.
    Service = 7,
}

impl Slot {
    /// Every well-known slot, in slot order.
    pub const ALL: [Slot; WELL_KNOWN] = [
        Slot::Time,
        Slot::Level,
        Slot::Message,
        Slot::RequestId,
        Slot::Duration,
        Slot::Error,
        Slot::Caller,
        Slot::Service,
    ];

    /// The slot's name in reports (`request_id`), as in the `--request-id-field` flag.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Time => "time",
            Slot::Level => "level",
            Slot::Message => "message",
            Slot::RequestId => "request_id",
            Slot::Duration => "duration",
            Slot::Error => "error",
            Slot::Caller => "caller",
            Slot::Service => "service",
        }
    }

    /// The slot [`Slot::name`] names.
    pub fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Number of well-known slots; extra slots are numbered from here.
pub const WELL_KNOWN: usize = 8;

/// The priority of `@t` among the default time aliases: it marks Serilog's compact JSON.
pub const CLEF_TIME_PRIO: u16 = 9;

/// The priority of `PRIORITY` among the default level aliases: systemd's journal, whose level is
/// a syslog severity number.
pub const SYSLOG_SEVERITY_PRIO: u16 = 11;

/// The priority of `request` among the default message aliases: nginx's request line, a
/// message only when it is a string that starts like one (`GET /…`).
pub const REQUEST_MESSAGE_PRIO: u16 = 14;

/// The priority of a level an event takes from its HTTP status (it has no level field).
pub const STATUS_LEVEL_PRIO: u16 = u16::MAX;

/// Default aliases, in priority order (earlier wins when a line has several).
pub const DEFAULT_ALIASES: [(Slot, &[&str]); WELL_KNOWN] = [
    (
        Slot::Time,
        &[
            "ts",
            "time",
            "timestamp",
            "@timestamp",
            "t",
            "datetime",
            "date",
            "eventTime",
            // .NET: Serilog's compact JSON (CLEF), Serilog's and Microsoft.Extensions.Logging's
            // JSON; log4j2's JsonLayout.
            "@t",
            "Timestamp",
            "timeMillis",
            // log4j2's JsonLayout since 2.11: `"instant":{"epochSecond":…,"nanoOfSecond":…}`
            // (read to the second).
            "instant.epochSecond",
            // python-json-logger, with `%(asctime)s` in its format.
            "asctime",
            // systemd's journal (`journalctl -o json`): microseconds since the epoch, as text.
            "__REALTIME_TIMESTAMP",
            // nginx's JSON access logs (`$time_iso8601`, `$time_local`), Envoy's.
            "time_iso8601",
            "time_local",
            "start_time",
            // Amazon API Gateway's access logs (`$context.requestTimeEpoch` in ms, before
            // `$context.requestTime`, CLF, which has no fraction).
            "requestTimeEpoch",
            "requestTime",
        ],
    ),
    (
        Slot::Level,
        &[
            "level",
            "lvl",
            "severity",
            "log.level",
            "loglevel",
            "levelname",
            "@level",
            "@l",
            "Level",
            "LogLevel",
            // systemd's journal: a syslog severity, 0 (emerg) to 7 (debug).
            "PRIORITY",
        ],
    ),
    (
        Slot::Message,
        &[
            "msg",
            "message",
            "@message",
            "log",
            "text",
            "event",
            "@m",
            "@mt",
            "Message",
            "RenderedMessage",
            "MessageTemplate",
            // systemd's journal.
            "MESSAGE",
            // GELF (Graylog, Docker's gelf driver).
            "short_message",
            // nginx's JSON access logs: `$request`, the request line.
            "request",
        ],
    ),
    (
        Slot::RequestId,
        &[
            "request_id",
            "requestId",
            "req_id",
            "reqId",
            "x_request_id",
            "trace_id",
            "traceId",
            "dispatchId",
            "dispatch_id",
            "correlation_id",
            "correlationId",
            "RequestId",
            "TraceId",
            "trace.id",
            // Serilog's JSON formatter nests the properties.
            "Properties.RequestId",
            // Google Cloud Logging's trace, as its structured logs give it.
            "logging.googleapis.com/trace",
            // pino-http's request (Node): `"req":{"id":…,"method":…,"url":…}`.
            "req.id",
            // AWS Lambda's JSON log format: the platform's events (`platform.start`,
            // `platform.report`) nest their request.
            "record.requestId",
            // Sidekiq's JSON log: the job's context.
            "ctx.jid",
            // log4j2's JsonLayout: the thread context (MDC) as one object.
            "contextMap.requestId",
            "contextMap.request_id",
            // Powertools for AWS Lambda's logger: the invocation's request id.
            "function_request_id",
            // Serilog 3.1+: the W3C trace id of the activity the event was written in.
            "@tr",
        ],
    ),
    (
        Slot::Duration,
        &[
            "duration_ms",
            "latency_ms",
            "elapsed_ms",
            "response_time_ms",
            "took_ms",
            "duration",
            "latency",
            "elapsed",
            "took",
            "responseTime",
            // Google Cloud Logging's structured `httpRequest` (`"latency":"0.250s"`).
            "httpRequest.latency",
            // ECS, in nanoseconds (see `Unit::of_field`).
            "event.duration",
            // AWS Lambda's JSON log format: `platform.report`'s invocation time.
            "record.metrics.durationMs",
            // Sidekiq's JSON log: the job's run time, in seconds (see `Unit::of_field`).
            "ctx.elapsed",
            // nginx's `$request_time`, in seconds (see `Unit::of_field`).
            "request_time",
            // Amazon API Gateway's access logs: `$context.responseLatency`, in ms.
            "responseLatency",
            // ASP.NET Core: Serilog's request logging (`… responded {StatusCode} in {Elapsed}
            // ms`), flat or nested in its JSON formatter's properties; the hosting
            // diagnostics' `Request finished` in the JSON console's state.
            "Elapsed",
            "Properties.Elapsed",
            "ElapsedMilliseconds",
            "State.ElapsedMilliseconds",
        ],
    ),
    (
        Slot::Error,
        &[
            // An error object is read whole (the catalog reads its code and type too).
            "error",
            "err",
            "error.message",
            "exception",
            "error_message",
            "errorMessage",
            "@x",
            "Exception",
            "thrown.message",
            // The stack trace alone: logstash-logback-encoder's, python-json-logger's
            // `exc_info`, winston's `stack` (its `errors({ stack: true })` format).
            "stack_trace",
            "exc_info",
            "stack",
        ],
    ),
    (
        Slot::Caller,
        // Go's slog writes its source as an object: its file, not the object, is the caller.
        &[
            "caller",
            "source.file",
            "source",
            "func",
            "log.origin.file.name",
            "src",
        ],
    ),
    (
        Slot::Service,
        &[
            "service",
            "service.name",
            "logger",
            // ECS (ecs-logging, log4j2's EcsLayout).
            "log.logger",
            "svc",
            "app",
            "component",
            "name",
            "logger_name",
            "loggerName",
            "Category",
            "SourceContext",
            "Properties.SourceContext",
            // systemd's journal: the program's syslog tag, else its unit.
            "SYSLOG_IDENTIFIER",
            "_SYSTEMD_UNIT",
            // Sidekiq's JSON log: the job's class.
            "ctx.class",
        ],
    ),
];

/// What to do with a key: store its value in a slot, and/or descend into it if it is an object.
#[derive(Clone, Debug, Default)]
pub struct KeyAction {
    /// Slot for the value, with its alias priority (lower wins).
    pub slot: Option<(u16, u16)>,
    /// An extra slot that takes the value of exactly this key too (a catalog condition on a
    /// field that is also an alias of a well-known slot).
    pub also: Option<u16>,
    /// Spec for the members of an object value (dotted paths).
    pub nested: Option<Box<FieldSpec>>,
}

/// One key of a [`FieldSpec`]: the key and what to do with it.
type KeyEntry = (Box<[u8]>, KeyAction);

/// One place of a [`FieldSpec`]'s hash index: a key's first eight bytes as a word, its length
/// and its entry's number plus one (0: the place is empty).
#[derive(Clone, Copy, Debug, Default)]
struct IndexSlot {
    word: u64,
    len: u32,
    entry: u32,
}

/// A compiled set of wanted fields. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct FieldSpec {
    /// Every key, in the order it was registered.
    keys: Vec<KeyEntry>,
    /// Open-addressed hash index over `keys` (linear probing, a power of two long, at most a
    /// quarter full): a lookup hashes the key's first word and length, and almost always
    /// settles at the first place, a hit or an empty one. Every key of a line is looked up,
    /// wanted or not, so a miss must be as cheap as a hit.
    index: Vec<IndexSlot>,
    slots: usize,
    extras: Vec<(String, u16)>,
    /// The well-known slots given one path by [`FieldSpec::override_slot`], one bit each.
    overridden: u8,
}

impl FieldSpec {
    /// A spec with the default aliases and no extra slots.
    pub fn with_defaults() -> FieldSpec {
        let mut spec = FieldSpec {
            slots: WELL_KNOWN,
            ..FieldSpec::default()
        };
        for (slot, names) in DEFAULT_ALIASES {
            for (prio, name) in names.iter().enumerate() {
                spec.add_path(name, slot as u16, prio as u16 + 1);
            }
        }
        spec
    }

    /// Replaces the aliases of a well-known slot by one path (from a `--*-field` flag).
    pub fn override_slot(&mut self, slot: Slot, path: &str) {
        self.remove_slot(slot as u16);
        self.add_path(path, slot as u16, 0);
        self.overridden |= 1 << slot as u8;
    }

    /// Whether [`FieldSpec::override_slot`] named the one path of `slot`: then only that field
    /// fills it, not what a plain-text header holds.
    pub fn is_overridden(&self, slot: Slot) -> bool {
        self.overridden & (1 << slot as u8) != 0
    }

    /// Adds an extra slot for `path` and returns its number. The same path gets the same slot.
    /// The well-known slots are not disturbed: a path that is also an alias fills both.
    pub fn extra_slot(&mut self, path: &str) -> u16 {
        if let Some((_, slot)) = self.extras.iter().find(|(p, _)| p == path) {
            return *slot;
        }
        let slot = self.slots as u16;
        self.slots += 1;
        self.extras.push((path.to_string(), slot));
        self.add_also(path, slot);
        slot
    }

    fn add_also(&mut self, path: &str, slot: u16) {
        self.entry(path).also = Some(slot);
        if let Some((first, rest)) = path.split_once('.') {
            let nested = self
                .entry(first)
                .nested
                .get_or_insert_with(Default::default);
            nested.add_also(rest, slot);
        }
    }

    /// Total number of slots (well-known and extra).
    pub fn slot_count(&self) -> usize {
        self.slots
    }

    /// Looks up a key; `None` if nothing is wanted under it.
    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<&KeyAction> {
        self.find(key, prefix_word(key))
    }

    /// [`FieldSpec::lookup`] for the key `buf[start..end]`, loading its first word straight
    /// from the line when eight bytes are available there (keys are followed by `":` and more).
    #[inline(always)]
    pub fn lookup_at(&self, buf: &[u8], start: usize, end: usize) -> Option<&KeyAction> {
        let len = end - start;
        let word = match buf.get(start..start + 8) {
            Some(w8) => {
                let w = u64::from_le_bytes(w8.try_into().expect("8 bytes"));
                if len >= 8 {
                    w
                } else {
                    w & ((1u64 << (8 * len)) - 1)
                }
            }
            None => prefix_word(&buf[start..end]),
        };
        self.find(&buf[start..end], word)
    }

    /// The entry of `key`, whose first word (zero-padded) is `word`.
    #[inline(always)]
    fn find(&self, key: &[u8], word: u64) -> Option<&KeyAction> {
        self.place(key, word).ok().map(|e| &self.keys[e].1)
    }

    /// Probes the index for `key`: `Ok(entry number)`, or `Err(the empty place it would take)`.
    /// An empty spec has no index and no places (`Err(usize::MAX)`).
    #[inline(always)]
    fn place(&self, key: &[u8], word: u64) -> Result<usize, usize> {
        if self.index.is_empty() {
            return Err(usize::MAX);
        }
        let mask = self.index.len() - 1;
        let mut i = hash(word, key.len()) & mask;
        loop {
            let slot = self.index[i];
            if slot.entry == 0 {
                return Err(i);
            }
            // Keys are short: one word comparison settles almost every candidate, and the
            // rest is compared inline rather than through a call to memcmp.
            if slot.word == word && slot.len as usize == key.len() {
                let entry = slot.entry as usize - 1;
                if key.len() <= 8 || tail_eq(&self.keys[entry].0[8..], &key[8..]) {
                    return Ok(entry);
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn entry(&mut self, key: &str) -> &mut KeyAction {
        let key = key.as_bytes();
        let word = prefix_word(key);
        let entry = match self.place(key, word) {
            Ok(entry) => entry,
            Err(_) => {
                self.keys.push((key.into(), KeyAction::default()));
                if self.keys.len() * 4 > self.index.len() {
                    self.rebuild_index();
                } else {
                    let i = self.place(key, word).expect_err("a new key");
                    self.index[i] = index_slot(key, self.keys.len());
                }
                self.keys.len() - 1
            }
        };
        &mut self.keys[entry].1
    }

    /// Builds the index anew, at least four times as long as there are keys.
    fn rebuild_index(&mut self) {
        let len = (self.keys.len() * 4).next_power_of_two().max(16);
        self.index = vec![IndexSlot::default(); len];
        for n in 0..self.keys.len() {
            let key = &self.keys[n].0;
            let mut i = hash(prefix_word(key), key.len()) & (len - 1);
            while self.index[i].entry != 0 {
                i = (i + 1) & (len - 1);
            }
            self.index[i] = index_slot(key, n + 1);
        }
    }

    /// Registers `path` for `slot`: the literal key (covers ECS-style dotted keys and logfmt's
    /// flattened `http.status`) and, for dotted paths, the nested route.
    fn add_path(&mut self, path: &str, slot: u16, prio: u16) {
        set_slot(self.entry(path), slot, prio);
        if let Some((first, rest)) = path.split_once('.') {
            let nested = self
                .entry(first)
                .nested
                .get_or_insert_with(Default::default);
            nested.add_path(rest, slot, prio);
        }
    }

    fn remove_slot(&mut self, slot: u16) {
        for (_, action) in &mut self.keys {
            if action.slot.map(|(s, _)| s) == Some(slot) {
                action.slot = None;
            }
            if let Some(n) = action.nested.as_mut() {
                n.remove_slot(slot);
            }
        }
    }
}

/// The first eight bytes of a key as a little-endian word, zero-padded.
#[inline(always)]
pub(crate) fn prefix_word(k: &[u8]) -> u64 {
    let mut w = 0u64;
    for (i, &c) in k.iter().take(8).enumerate() {
        w |= (c as u64) << (8 * i);
    }
    w
}

/// The index place of a key: its first word and length, mixed by a multiply whose high bits
/// depend on every input bit (Fibonacci hashing), rotated so that the index's mask takes them.
#[inline(always)]
fn hash(word: u64, len: usize) -> usize {
    (word.wrapping_add(len as u64))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(20) as usize
}

fn index_slot(key: &[u8], entry: usize) -> IndexSlot {
    IndexSlot {
        word: prefix_word(key),
        len: key.len() as u32,
        entry: entry as u32,
    }
}

#[inline(always)]
fn tail_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn set_slot(action: &mut KeyAction, slot: u16, prio: u16) {
    match action.slot {
        Some((_, p)) if p <= prio => {}
        _ => action.slot = Some((slot, prio)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_aliases_and_dotted_keys() {
        let spec = FieldSpec::with_defaults();
        let slot = |k: &str| spec.lookup(k.as_bytes()).and_then(|a| a.slot).map(|s| s.0);
        assert_eq!(slot("msg"), Some(Slot::Message as u16));
        assert_eq!(slot("@timestamp"), Some(Slot::Time as u16));
        assert_eq!(slot("log.level"), Some(Slot::Level as u16));
        let log = spec.lookup(b"log").unwrap();
        let nested = log.nested.as_ref().unwrap();
        assert_eq!(
            nested.lookup(b"level").unwrap().slot.unwrap().0,
            Slot::Level as u16
        );
        assert!(spec.lookup(b"unrelated").is_none());
        let line = br#"{"request_id":"x","msg":"y","lvl":1}"#;
        let at = |k: &str| {
            let start = line
                .windows(k.len())
                .position(|w| w == k.as_bytes())
                .unwrap();
            spec.lookup_at(line, start, start + k.len())
                .and_then(|a| a.slot)
                .map(|s| s.0)
        };
        assert_eq!(at("request_id"), Some(Slot::RequestId as u16));
        assert_eq!(at("msg"), Some(Slot::Message as u16));
        assert_eq!(
            at("lvl"),
            Some(Slot::Level as u16),
            "near the end of the buffer"
        );
    }

    #[test]
    fn clef_time_priority_is_that_of_its_alias() {
        let spec = FieldSpec::with_defaults();
        assert_eq!(
            spec.lookup(b"@t").unwrap().slot,
            Some((Slot::Time as u16, CLEF_TIME_PRIO))
        );
    }

    #[test]
    fn request_message_priority_is_that_of_its_alias() {
        let spec = FieldSpec::with_defaults();
        assert_eq!(
            spec.lookup(b"request").unwrap().slot,
            Some((Slot::Message as u16, REQUEST_MESSAGE_PRIO))
        );
    }

    #[test]
    fn journal_priority_is_that_of_its_alias() {
        let spec = FieldSpec::with_defaults();
        assert_eq!(
            spec.lookup(b"PRIORITY").unwrap().slot,
            Some((Slot::Level as u16, SYSLOG_SEVERITY_PRIO))
        );
    }

    #[test]
    fn earlier_alias_has_priority() {
        let spec = FieldSpec::with_defaults();
        let prio = |k: &str| spec.lookup(k.as_bytes()).unwrap().slot.unwrap().1;
        assert!(prio("msg") < prio("message"));
    }

    #[test]
    fn override_replaces_aliases() {
        let mut spec = FieldSpec::with_defaults();
        spec.override_slot(Slot::Message, "fields.text");
        assert!(spec.lookup(b"msg").and_then(|a| a.slot).is_none());
        let nested = spec.lookup(b"fields").unwrap().nested.as_ref().unwrap();
        assert_eq!(
            nested.lookup(b"text").unwrap().slot.unwrap().0,
            Slot::Message as u16
        );
    }

    #[test]
    fn extra_slots_are_shared_by_path() {
        let mut spec = FieldSpec::with_defaults();
        let a = spec.extra_slot("http.status");
        let b = spec.extra_slot("http.status");
        let c = spec.extra_slot("exitCode");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(spec.slot_count(), WELL_KNOWN + 2);
        // A condition on an alias keeps the alias working.
        let m = spec.extra_slot("msg");
        let action = spec.lookup(b"msg").unwrap();
        assert_eq!(action.slot.unwrap().0, Slot::Message as u16);
        assert_eq!(action.also, Some(m));
    }

    /// Every registered key is found, by both lookups, at any place in a buffer, and no key
    /// that differs from all of them in one byte is: keys of every length to 40, among them
    /// long ones that share their first and last eight bytes.
    #[test]
    fn lookups_find_exactly_the_registered_keys() {
        let mut spec = FieldSpec::with_defaults();
        let mut keys: Vec<String> = (1..=40)
            .map(|n| {
                (0..n)
                    .map(|i| (b'a' + (i * 7 + n) as u8 % 26) as char)
                    .collect()
            })
            .collect();
        keys.push("duration_ms".into());
        keys.push("duration_us".into());
        keys.push("aaaaaaaaXbbbbbbbb".into());
        keys.push("aaaaaaaaYbbbbbbbb".into());
        keys.push("aaaaaaaaXYbbbbbbbb".into());
        let slots: Vec<u16> = keys.iter().map(|k| spec.extra_slot(k)).collect();
        let probe = |key: &[u8]| -> Vec<Option<u16>> {
            let mut seen = vec![spec.lookup(key).and_then(|a| a.also)];
            // The key at the start, in the middle and at the very end of a buffer.
            for (pre, post) in [(0, 20), (5, 3), (9, 0)] {
                let mut buf = vec![b'"'; pre];
                buf.extend_from_slice(key);
                buf.extend(std::iter::repeat_n(b'"', post));
                seen.push(
                    spec.lookup_at(&buf, pre, pre + key.len())
                        .and_then(|a| a.also),
                );
            }
            seen
        };
        for (k, &slot) in keys.iter().zip(&slots) {
            assert!(probe(k.as_bytes()).iter().all(|&s| s == Some(slot)), "{k}");
            for i in 0..k.len() {
                let mut near = k.clone().into_bytes();
                near[i] = b'#';
                assert!(
                    probe(&near).iter().all(Option::is_none),
                    "{k} changed at {i}"
                );
            }
        }
    }
}
