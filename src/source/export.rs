//! Files written by `aws logs filter-log-events` and `aws logs get-log-events`: one JSON
//! document `{"events": [{"timestamp": …, "message": …}, …], …}` rather than lines (or several
//! such documents one after another, pages appended to one file). Such an input is recognised
//! by its start (a `{` and then an `"events"`, `"nextToken"`, `"nextForwardToken"` or
//! `"searchedLogStreams"` key) unless its first line is a whole JSON object that is not such a
//! page: that is a JSON-lines log whose first event has such a key. Documents are turned
//! into CloudWatch export lines,
//! `<RFC 3339 time> <message>`, the shape S3 exports have (a JSON object message gets its
//! stream name as the field `@logStream`, as when reading the log group), so every subcommand
//! reads both the same way. Anything else passes through untouched.

use std::io::{self, Read};

use serde::Deserialize;

use crate::record::time::format_rfc3339;

/// Bytes looked at to recognise an events document.
pub(crate) const SNIFF: usize = 256;
/// Longest first line read to tell a JSON-lines log from a one-line document.
const FIRST_LINE: usize = 1 << 20;
/// Lines gathered before they are handed to the reader.
const BATCH: usize = 256 << 10;
/// Batches on their way to the reader: with [`BATCH`], the memory a document of any size takes.
const BATCHES_IN_FLIGHT: usize = 4;

/// One page, read event by event into a [`Sink`]: when the document is cut or damaged, the
/// events before the damage are kept (see [`read_pages`]).
struct Page<'v>(&'v mut Sink);

impl<'de> serde::de::DeserializeSeed<'de> for Page<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Page<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an `aws logs` page: an object with `events`")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "events" {
                map.next_value_seed(Events(&mut *self.0))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `events` array of a [`Page`], pushed one by one.
struct Events<'v>(&'v mut Sink);

impl<'de> serde::de::DeserializeSeed<'de> for Events<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Events<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of events")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element::<Event>()? {
            if !self.0.push(e) {
                return Err(serde::de::Error::custom("the reader is gone"));
            }
        }
        Ok(())
    }
}

/// The events of the pages in `doc` (pages appended to one file are documents one after
/// another) into `sink`, and the error where the input stops being one: the events before it
/// are kept.
fn read_pages<R: io::Read>(doc: R, sink: &mut Sink) -> Option<serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_reader(doc);
    // `end` fails while more than whitespace is left: the next page.
    while de.end().is_err() {
        if let Err(e) = Page(&mut *sink).deserialize(&mut de) {
            return Some(e);
        }
    }
    None
}

/// Where parsed events go: made into lines and sent to the reader in batches.
struct Sink {
    tx: std::sync::mpsc::SyncSender<io::Result<Vec<u8>>>,
    lines: Vec<u8>,
    /// Events made into lines so far.
    events: u64,
}

impl Sink {
    /// Adds an event's line; false once the reader is gone (nothing more is wanted).
    fn push(&mut self, e: Event) -> bool {
        if let Some(t) = e.timestamp.as_ref().and_then(serde_json::Value::as_i64) {
            self.lines
                .extend_from_slice(format_rfc3339(t.saturating_mul(1000)).as_bytes());
            self.lines.push(b' ');
        }
        push_message(
            &mut self.lines,
            e.message.trim_end_matches(['\n', '\r']),
            &e.log_stream_name,
        );
        self.lines.push(b'\n');
        self.events += 1;
        self.lines.len() < BATCH || self.flush()
    }

    fn flush(&mut self) -> bool {
        self.lines.is_empty() || self.tx.send(Ok(std::mem::take(&mut self.lines))).is_ok()
    }
}

/// The lines of an events document, parsed on a thread of their own as they are read, so that
/// a document of any size takes bounded memory.
struct EventLines {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    batch: io::Cursor<Vec<u8>>,
}

impl EventLines {
    fn spawn(doc: Box<dyn Read + Send>) -> io::Result<EventLines> {
        let (tx, rx) = std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT);
        std::thread::Builder::new()
            .name("aws-logs-json".into())
            .spawn(move || {
                let mut sink = Sink {
                    tx,
                    lines: Vec::with_capacity(BATCH + 4096),
                    events: 0,
                };
                let damage = read_pages(io::BufReader::with_capacity(1 << 16, doc), &mut sink);
                if !sink.flush() {
                    return;
                }
                // A cut or damaged document is read up to the damage, then fails like any
                // input that breaks off: the events before it are analysed and the input is
                // reported as failed.
                if let Some(e) = damage {
                    let error = match e.io_error_kind() {
                        Some(kind) => io::Error::new(kind, e.to_string()),
                        None => {
                            let read = match sink.events {
                                1 => "the 1 event before that was read".to_string(),
                                n => format!("the {n} events before that were read"),
                            };
                            io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!(
                                    "looks like `aws logs` JSON output but does not parse ({e}); {read}"
                                ),
                            )
                        }
                    };
                    let _ = sink.tx.send(Err(error));
                }
            })?;
        Ok(EventLines {
            rx,
            batch: io::Cursor::new(Vec::new()),
        })
    }
}

impl Read for EventLines {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.batch.read(out)?;
            if n > 0 || out.is_empty() {
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(Ok(lines)) => self.batch = io::Cursor::new(lines),
                Ok(Err(e)) => return Err(e),
                // The parser is done (after an error, reads find the end).
                Err(_) => return Ok(0),
            }
        }
    }
}

/// A page as the AWS CLI writes it, nothing else: tells a one-line page from a log event that
/// happens to have such a key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictPage {
    events: Option<Vec<Event>>,
    #[serde(rename = "nextToken")]
    next_token: Option<serde::de::IgnoredAny>,
    #[serde(rename = "nextForwardToken")]
    next_forward_token: Option<serde::de::IgnoredAny>,
    #[serde(rename = "nextBackwardToken")]
    next_backward_token: Option<serde::de::IgnoredAny>,
    #[serde(rename = "searchedLogStreams")]
    searched_log_streams: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Event {
    /// A number of ms; anything else (a damaged event) is ignored, the event kept untimed.
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "logStreamName")]
    log_stream_name: String,
}

/// Whether `head` holds enough of the input to tell whether it is an events document: its
/// first non-blank byte is not `{`, or the first key (or the end of its line) is there.
fn sniff_decided(head: &[u8]) -> bool {
    let mut it = head.iter().skip_while(|b| b.is_ascii_whitespace());
    match it.next() {
        None => false,
        Some(&b'{') => {
            let rest: Vec<u8> = it.copied().skip_while(u8::is_ascii_whitespace).collect();
            rest.len() >= b"\"searchedLogStreams\"".len() || rest.contains(&b'\n')
        }
        Some(_) => true,
    }
}

pub(crate) fn looks_like_events(head: &[u8]) -> bool {
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < head.len() && head[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip(&mut i);
    if head.get(i) != Some(&b'{') {
        return false;
    }
    i += 1;
    skip(&mut i);
    let rest = &head[i..];
    [
        &b"\"events\""[..],
        b"\"nextToken\"",
        b"\"nextForwardToken\"",
        b"\"nextBackwardToken\"",
        b"\"searchedLogStreams\"",
    ]
    .iter()
    .any(|k| rest.starts_with(k))
}

/// The events of an events document as lines, parsed as they are read (on a thread of their
/// own); other inputs unchanged. A document cut short or damaged yields the events before the
/// damage, then fails with the parse error.
pub fn unwrap_events_json(mut r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut head = Vec::with_capacity(SNIFF);
    // Read only until the start decides it: a live pipe's first line must not wait for
    // `SNIFF` bytes to arrive.
    while head.len() < SNIFF && !sniff_decided(&head) {
        let mut buf = [0u8; SNIFF];
        match r.read(&mut buf[..SNIFF - head.len()]) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if !looks_like_events(&head) {
        return Ok(Box::new(io::Cursor::new(head).chain(r)));
    }
    // A JSON-lines log can start with `{"events": …` too: its first line is a whole object
    // that is not a page. (A document is pretty-printed, or pages one per line.)
    let mut whole = head;
    while !whole.contains(&b'\n') && whole.len() < FIRST_LINE {
        let mut buf = [0u8; 8192];
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => whole.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let first = &whole[..memchr::memchr(b'\n', &whole).unwrap_or(whole.len())];
    let event_line = serde_json::from_slice::<serde::de::IgnoredAny>(first).is_ok()
        && serde_json::from_slice::<StrictPage>(first).is_err();
    if event_line {
        return Ok(Box::new(io::Cursor::new(whole).chain(r)));
    }
    Ok(Box::new(EventLines::spawn(Box::new(
        io::Cursor::new(whole).chain(r),
    ))?))
}

/// Appends an event's message; a JSON object message gets the stream name as its first field,
/// `@logStream` (the name CloudWatch Logs Insights gives it), so it can be filtered and grouped
/// on (`--latency-by @logStream`). Other messages are appended as they are.
pub fn push_message(out: &mut Vec<u8>, msg: &str, stream: &str) {
    let body = msg.trim_start();
    match body.strip_prefix('{') {
        Some(rest) if !stream.is_empty() && msg.trim_end().ends_with('}') => {
            out.extend_from_slice(b"{\"@logStream\":");
            out.extend_from_slice(
                serde_json::to_string(stream)
                    .unwrap_or_else(|_| "\"\"".into())
                    .as_bytes(),
            );
            if !rest.trim_start().starts_with('}') {
                out.push(b',');
            }
            out.extend_from_slice(rest.as_bytes());
        }
        _ => out.extend_from_slice(msg.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    fn lines(input: &str) -> String {
        let mut s = String::new();
        unwrap_events_json(Box::new(io::Cursor::new(input.as_bytes().to_vec())))
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    #[test]
    fn events_documents_become_export_lines() {
        let doc = r#"{
    "events": [
        {"logStreamName": "s1", "timestamp": 1770372000123, "message": "{\"level\":\"error\",\"msg\":\"boom\"}\n", "ingestionTime": 1, "eventId": "1"},
        {"logStreamName": "s2", "timestamp": 1770372001000, "message": "plain text", "eventId": "2"}
    ],
    "searchedLogStreams": []
}"#;
        assert_eq!(
            lines(doc),
            "2026-02-06T10:00:00.123Z {\"@logStream\":\"s1\",\"level\":\"error\",\"msg\":\"boom\"}\n2026-02-06T10:00:01.000Z plain text\n"
        );
        let get = r#"{"nextForwardToken": "f/1", "events": []}"#;
        assert_eq!(lines(get), "");
    }

    #[test]
    fn json_messages_carry_the_stream() {
        let mut v = Vec::new();
        push_message(&mut v, r#"{"level":"info"}"#, "task/1");
        assert_eq!(v, br#"{"@logStream":"task/1","level":"info"}"#);
        v.clear();
        push_message(&mut v, "{}", "s\"q");
        assert_eq!(v, br#"{"@logStream":"s\"q"}"#);
        v.clear();
        push_message(&mut v, "plain {text}", "s");
        assert_eq!(v, b"plain {text}");
        v.clear();
        push_message(&mut v, "{truncated", "s");
        assert_eq!(v, b"{truncated");
    }

    #[test]
    fn appended_pages_and_damaged_timestamps_are_read() {
        let two = "{\"events\":[{\"timestamp\":1770372000000,\"message\":\"a\"}]}\n{\"events\":[{\"timestamp\":\"x\",\"message\":\"b\"}]}";
        assert_eq!(lines(two), "2026-02-06T10:00:00.000Z a\nb\n");
        let one_line = "{\"events\":[{\"message\":\"only\"}],\"searchedLogStreams\":[]}\n\n";
        assert_eq!(lines(one_line), "only\n");
    }

    #[test]
    fn the_sniff_stops_as_soon_as_the_start_decides() {
        assert!(!sniff_decided(b""));
        assert!(!sniff_decided(b"  \n"));
        assert!(sniff_decided(b"E"));
        assert!(sniff_decided(b"{\"a\":1}\n"));
        assert!(!sniff_decided(b"{\n"));
        assert!(!sniff_decided(b"{\"eve"));
        assert!(sniff_decided(b"{\n  \"events\": [\n"));
        assert!(sniff_decided(b"{\"searchedLogStreams\""));
    }

    #[test]
    fn other_inputs_pass_through() {
        let log = "{\"level\":\"info\",\"events\":3}\nnext\n";
        assert_eq!(lines(log), log);
        // A JSON-lines log whose first event starts with an `events` key.
        let log = "{\"events\":[\"login\"],\"level\":\"info\",\"msg\":\"x\"}\n{\"level\":\"error\",\"msg\":\"second\"}\n";
        assert_eq!(lines(log), log);
        let log = "{\"nextToken\":\"t\",\"msg\":\"x\"}\n\n{\"msg\":\"y\"}\n";
        assert_eq!(lines(log), log);
        for log in [
            "{\"events\":[\"a\"],\"msg\":\"only line\"}\n",
            "{\"events\":[\"a\"],\"msg\":\"no newline\"}",
        ] {
            assert_eq!(lines(log), log);
        }
        assert_eq!(lines(""), "");
    }

    /// What a reader yields before it fails, and its error.
    fn read_until_error(input: &str) -> (String, Option<String>) {
        let mut r = unwrap_events_json(Box::new(io::Cursor::new(input.as_bytes().to_vec())))
            .expect("the sniff reads nothing that fails");
        let mut got = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (String::from_utf8(got).unwrap(), None),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return (String::from_utf8(got).unwrap(), Some(e.to_string())),
            }
        }
    }

    #[test]
    fn a_cut_or_damaged_document_keeps_the_events_before_the_damage() {
        let cut = "{\"events\": [\n {\"timestamp\": 1770372000000, \"message\": \"first\"},\n {\"message\": \"second\"},\n {\"message\": \"thi";
        let (lines, err) = read_until_error(cut);
        assert_eq!(lines, "2026-02-06T10:00:00.000Z first\nsecond\n");
        let err = err.expect("the cut is reported");
        assert!(err.contains("the 2 events before"), "{err}");
        // A damaged second page: the first page and the second's good events are kept.
        let pages = "{\"events\":[{\"message\":\"a\"}]}\n{\"events\":[{\"message\":\"b\"},{\"message\":7}]}";
        let (lines, err) = read_until_error(pages);
        assert_eq!(lines, "a\nb\n");
        assert!(err.is_some());
        let (lines, err) = read_until_error("{\"events\": [ {\"message\": ");
        assert_eq!(lines, "");
        assert!(err.unwrap().contains("the 0 events before"));
        // Whole documents read to the end without an error.
        let (lines, err) =
            read_until_error("{\"events\":[{\"message\":\"a\"}],\"nextToken\":\"x\"}\n");
        assert_eq!((lines.as_str(), err), ("a\n", None));
    }

    /// A document far larger than memory should hold is read as it arrives: the first lines
    /// come out when a few batches of it have been read, and the rest follows.
    #[test]
    fn a_large_document_is_parsed_as_it_is_read() {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        struct Doc {
            events: u64,
            next: u64,
            pending: Vec<u8>,
            given: Arc<AtomicU64>,
        }
        impl Read for Doc {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.pending.is_empty() {
                    self.pending = match self.next {
                        0 => b"{\"events\": [\n".to_vec(),
                        n if n <= self.events => format!(
                            "{}{{\"timestamp\": 1770372000000, \"message\": \"event {n} {}\"}}\n",
                            if n > 1 { "," } else { "" },
                            "x".repeat(200)
                        )
                        .into_bytes(),
                        n if n == self.events + 1 => b"]}\n".to_vec(),
                        _ => return Ok(0),
                    };
                    self.next += 1;
                }
                let n = out.len().min(self.pending.len());
                out[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                self.given.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
        }
        let given = Arc::new(AtomicU64::new(0));
        let events = 100_000; // about 24 MB
        let doc = Doc {
            events,
            next: 0,
            pending: Vec::new(),
            given: given.clone(),
        };
        let mut r = io::BufReader::new(unwrap_events_json(Box::new(doc)).unwrap());
        let mut first = String::new();
        r.read_line(&mut first).unwrap();
        assert_eq!(first.split_whitespace().nth(2), Some("1"));
        // Wait for the parser to fill the batches in flight, then see how far it read.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let read = given.load(Ordering::Relaxed);
        assert!(
            read < 8 << 20,
            "{read} bytes read for the first line: the document is not streamed"
        );
        let rest = r.lines().count() as u64;
        assert_eq!(rest + 1, events);
        assert!(given.load(Ordering::Relaxed) > 20 << 20);
    }
}
