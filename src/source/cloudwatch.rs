//! CloudWatch Logs as a source (cargo feature `cloudwatch`): log groups read with the AWS SDK
//! for Rust and handed to the pipeline as CloudWatch export lines, `<RFC 3339 time> <message>`,
//! the shape of S3 exports, so every subcommand reads them like a file. The event's time is the
//! line's timestamp, and a JSON object message gets its stream name as the field `@logStream`.
//!
//! - **Paging.** FilterLogEvents with `limit` 10,000, following `nextToken` through empty pages
//!   that still carry one, stopping when none is left; a token that comes back a second time
//!   stops the group with an error (the report is still written, and the exit code is 2).
//! - **Several groups** are read concurrently, each by its own task a couple of pages ahead,
//!   with at most [`MAX_IN_FLIGHT`] requests in flight in all, and merged by event time (the
//!   server interleaves a group's streams by time), so several groups read as one log in time
//!   order. Throttling switches the SDK's adaptive retry mode on, which then paces the client.
//! - **Filtering.** `--filter-pattern` is sent to the server and applied again here, with
//!   logtriage's own parser, to every event's message, and so are the stream names and prefix:
//!   the result is right even where a server ignores part of a request (moto ignores
//!   `logStreamNamePrefix` and most patterns).
//! - **Follow.** After the first pass, each group is polled again from the newest timestamp
//!   seen (inclusive), dropping the event ids already delivered at that timestamp, as
//!   `aws logs tail --follow` does. An event ingested late with a timestamp *older* than the
//!   newest one seen is missed, as it is by `aws logs tail`.
//! - **Faults.** The SDK retries throttling (CloudWatch Logs' `ThrottlingException` is not in
//!   the service model; the SDK's error-code classifier still treats it as throttling) and
//!   transient network errors with exponential backoff and jitter, up to 5 attempts; past that
//!   a throttled page is retried here up to 6 more times (backoff 0.5 s doubling, capped at 8 s,
//!   with jitter); a page that timed out or lost its connection, up to 2 more times. Every
//!   request has a timeout (connect 3 s, attempt 15 s, whole operation `--aws-timeout`, 45 s), and
//!   the instance-metadata lookups of the credential chain give up after 0.5 s, so nothing
//!   hangs. Errors become one line naming the cause and what to try.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;

use super::export::push_message;
use super::SharedReader;
use crate::filter::FilterPattern;
use crate::record::time::format_rfc3339;

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Log group names.
    pub groups: Vec<String>,
    /// Only these streams.
    pub streams: Vec<String>,
    /// Only streams whose name starts with this.
    pub stream_prefix: Option<String>,
    /// From this time (ms since the epoch).
    pub start_ms: Option<i64>,
    /// Until this time (ms, exclusive).
    pub end_ms: Option<i64>,
    /// A CloudWatch filter pattern.
    pub filter_pattern: Option<String>,
    /// Keep polling for new events.
    pub follow: bool,
    /// Time between polls when following.
    pub poll: Duration,
    /// AWS region.
    pub region: Option<String>,
    /// AWS profile.
    pub profile: Option<String>,
    /// Endpoint URL (an emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Longest a request may take, retries included (default 45 s when zero).
    pub timeout: Duration,
}

/// Counts for a progress display.
#[derive(Debug, Default)]
pub struct Counters {
    /// Events delivered.
    pub events: AtomicU64,
    /// Pages fetched.
    pub pages: AtomicU64,
    /// Requests retried after throttling or a network error.
    pub retries: AtomicU64,
}

/// Lines handed over by the fetching thread.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, String>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.blocking_recv() {
                Some(Ok(v)) => {
                    self.cur = v;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Parses `--since`/`--until` ([`crate::record::time::parse_time_arg`]) relative to `now_ms`.
/// Returns ms since the epoch.
pub fn parse_time(s: &str, now_ms: i64) -> Result<i64, String> {
    crate::record::time::parse_time_arg(s, now_ms.saturating_mul(1000))
        .map(|us| us.div_euclid(1000))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client runtime: {e}"))
}

async fn client(q: &Query) -> Result<(Client, String), String> {
    use aws_config::default_provider::credentials::DefaultCredentialsChain;
    use aws_config::environment::EnvironmentVariableRegionProvider;
    use aws_config::imds::region::ImdsRegionProvider;
    use aws_config::meta::region::RegionProviderChain;
    use aws_config::profile::ProfileFileRegionProvider;
    // Short instance-metadata timeouts: on a laptop there is no IMDS to wait for.
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(Duration::from_millis(200))
        .read_timeout(Duration::from_millis(300))
        .operation_timeout(Duration::from_millis(500))
        .max_attempts(1)
        .build();
    let mut profile_region = ProfileFileRegionProvider::builder();
    if let Some(p) = &q.profile {
        profile_region = profile_region.profile_name(p);
    }
    let region: Option<Region> = RegionProviderChain::first_try(q.region.clone().map(Region::new))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build())
        .or_else(
            ImdsRegionProvider::builder()
                .imds_client(imds.clone())
                .build(),
        )
        .region()
        .await;
    let Some(region) = region else {
        return Err(
            "no AWS region: pass --region or set AWS_REGION (or a region in the profile)".into(),
        );
    };
    let mut creds = DefaultCredentialsChain::builder()
        .imds_client(imds)
        .region(region.clone());
    if let Some(p) = &q.profile {
        creds = creds.profile_name(p);
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(creds.build().await)
        .region(region.clone())
        .timeout_config({
            let op = if q.timeout.is_zero() {
                DEFAULT_TIMEOUT
            } else {
                q.timeout
            };
            TimeoutConfig::builder()
                .connect_timeout(op.min(Duration::from_secs(3)))
                .read_timeout(op.min(Duration::from_secs(10)))
                .operation_attempt_timeout(op.min(Duration::from_secs(15)))
                .operation_timeout(op)
                .build()
        })
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(5)),
        );
    if let Some(p) = &q.profile {
        loader = loader.profile_name(p);
    }
    if let Some(e) = &q.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let conf = loader.load().await;
    Ok((Client::new(&conf), region.to_string()))
}

/// One line naming what went wrong and what to try.
fn explain<E, R>(e: &SdkError<E, R>, what: &str, region: &str, endpoint: Option<&str>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut no_creds = false;
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = src {
        if let Some(c) = x.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
        {
            no_creds |= matches!(
                c,
                aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_)
            );
        }
        src = x.source();
    }
    let full = aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string();
    if no_creds || full.contains("loading credentials") {
        return "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`".into();
    }
    let where_ = endpoint.map_or_else(|| format!("CloudWatch Logs in {region}"), |u| u.to_string());
    match e {
        SdkError::TimeoutError(_) => {
            return format!(
                "no answer from {where_} in time (check the network, --region or --endpoint-url)"
            )
        }
        SdkError::DispatchFailure(_) => {
            // The innermost cause reads best ("Connection refused (os error 111)",
            // "connection closed before message completed").
            let mut cause: &(dyn std::error::Error + 'static) = e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            return format!("cannot reach {where_}: {cause}");
        }
        _ => {}
    }
    let code = e.code().unwrap_or("");
    let msg = e.message().unwrap_or("").to_string();
    match code {
        "ResourceNotFoundException" => format!(
            "{what}: not found in {region} (list log groups with `logtriage cloudwatch groups`)"
        ),
        "ExpiredTokenException" | "ExpiredToken" | "UnrecognizedClientException"
        | "InvalidSignatureException" | "InvalidClientTokenId" | "AccessDeniedException" => format!(
            "AWS rejected the credentials ({code}: {msg}): they may be expired or lack logs:FilterLogEvents; refresh them (aws sso login) or check AWS_PROFILE"
        ),
        "ThrottlingException" => format!("{what}: still throttled after retries ({msg}); try again later or narrow --since"),
        "InvalidParameterException" => format!("CloudWatch rejected the request for {what}: {msg}"),
        "" => format!("{what}: {full}"),
        _ => format!("{what}: {code}: {msg}"),
    }
}

fn is_retryable<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    match e {
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        SdkError::TimeoutError(_) => true,
        _ => matches!(
            e.code(),
            Some("ThrottlingException" | "Throttling" | "ServiceUnavailableException")
        ),
    }
}

/// Backoff before outer retry `n` (0-based): 0.5 s doubling to 8 s, ± 25 % jitter.
fn backoff(n: u32) -> Duration {
    let base = (500u64 << n.min(4)).min(8000) as f64;
    // Jitter from the clock's nanoseconds: good enough to spread clients apart.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.75 + (nanos % 1000) as f64 / 2000.0;
    Duration::from_millis((base * jitter) as u64)
}

/// Outer retries of a throttled page.
const OUTER_RETRIES: u32 = 6;
/// Outer retries of a page that timed out or lost its connection.
const OUTER_NETWORK_RETRIES: u32 = 2;
/// Longest a request may take, retries included, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);

/// FilterLogEvents requests in flight at once, over all groups. CloudWatch Logs allows an
/// account 5 FilterLogEvents requests a second per region by default; past that it throttles,
/// and the SDK's adaptive retry mode then slows every request of the client down.
pub const MAX_IN_FLIGHT: usize = 4;
/// Pages a group may fetch ahead of the merge.
const PAGES_AHEAD: usize = 2;
/// Bytes of lines handed to the pipeline at once.
const OUT_BATCH: usize = 1 << 20;

struct GroupState {
    name: String,
    newest: Option<i64>,
    ids_at_newest: HashSet<String>,
}

/// One page of a group as export lines, with each line's timestamp and end, for the merge.
struct Page {
    bytes: Vec<u8>,
    /// (event timestamp in ms, end of its line in `bytes`).
    lines: Vec<(i64, usize)>,
}

/// What a group's reader says to the merge.
enum Msg {
    Page(Page),
    /// The first pass over the group is complete.
    PassDone,
    Failed(String),
}

/// Shared by the group readers.
struct Ctx {
    client: Client,
    q: Query,
    local: Option<FilterPattern>,
    counters: Arc<Counters>,
    region: String,
    in_flight: tokio::sync::Semaphore,
}

/// Opens the query: checks the region, the credentials and every group with one request each,
/// then reads in a background thread. An error names the cause in one line.
pub fn open(q: Query) -> Result<(SharedReader, Arc<Counters>), String> {
    let local = match &q.filter_pattern {
        Some(p) => Some(FilterPattern::parse(p).map_err(|e| format!("--filter-pattern: {e}"))?),
        None => None,
    };
    let counters = Arc::new(Counters::default());
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, String>>(8);
    let c = counters.clone();
    let name = format!("cloudwatch:{}", q.groups.join(","));
    std::thread::spawn(move || {
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        rt.block_on(fetch(q, local, c, ready_tx, tx));
    });
    match ready_rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err("the CloudWatch reader stopped unexpectedly".into()),
    }
    let reader = ChannelReader {
        rx,
        cur: Vec::new(),
        pos: 0,
    };
    Ok((SharedReader::new(name, Box::new(reader)), counters))
}

async fn fetch(
    q: Query,
    local: Option<FilterPattern>,
    counters: Arc<Counters>,
    ready: mpsc::Sender<Result<(), String>>,
    out: tokio::sync::mpsc::Sender<Result<Vec<u8>, String>>,
) {
    let (client, region) = match client(&q).await {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let endpoint = q.endpoint_url.as_deref();
    // One cheap request per group: wrong credentials, region or group name fail here, before
    // any output, with one clear line.
    for g in &q.groups {
        let r = client
            .describe_log_groups()
            .log_group_name_prefix(g)
            .limit(50)
            .send()
            .await;
        match r {
            Err(e) => {
                let _ = ready.send(Err(explain(
                    &e,
                    &format!("log group {g}"),
                    &region,
                    endpoint,
                )));
                return;
            }
            Ok(out) => {
                if !out
                    .log_groups()
                    .iter()
                    .any(|x| x.log_group_name() == Some(g.as_str()))
                {
                    let _ = ready.send(Err(format!(
                        "log group {g}: not found in {region} (list log groups with `logtriage cloudwatch groups`)"
                    )));
                    return;
                }
            }
        }
    }
    let _ = ready.send(Ok(()));
    let start = match (q.start_ms, q.follow) {
        (Some(s), _) => Some(s),
        // Following with no --since starts 10 minutes back, like `aws logs tail`, never at 0.
        (None, true) => Some(now_ms() - 600_000),
        (None, false) => None,
    };
    let groups = q.groups.clone();
    let ctx = Arc::new(Ctx {
        client,
        q,
        local,
        counters,
        region,
        in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
    });
    // Every group is read by its own task, a few pages ahead; the first pass is merged by
    // time here, and what following finds later is passed on as it comes.
    let (live_tx, mut live_rx) = tokio::sync::mpsc::channel::<Msg>(groups.len().max(1));
    let mut firsts = Vec::with_capacity(groups.len());
    for name in groups {
        let (tx, rx) = tokio::sync::mpsc::channel::<Msg>(PAGES_AHEAD);
        firsts.push(rx);
        let g = GroupState {
            name,
            newest: None,
            ids_at_newest: HashSet::new(),
        };
        tokio::spawn(read_group(ctx.clone(), g, start, tx, live_tx.clone()));
    }
    drop(live_tx);
    if let Err(e) = merge_by_time(firsts, &out).await {
        if let Some(e) = e {
            let _ = out.send(Err(e)).await;
        }
        return;
    }
    while let Some(m) = live_rx.recv().await {
        match m {
            Msg::Page(p) => {
                if out.send(Ok(p.bytes)).await.is_err() {
                    return;
                }
            }
            Msg::PassDone => {}
            Msg::Failed(e) => {
                let _ = out.send(Err(e)).await;
                return;
            }
        }
    }
}

/// Reads one group: the first pass into `first`, then, when following, every later poll
/// into `live`.
async fn read_group(
    ctx: Arc<Ctx>,
    mut g: GroupState,
    start: Option<i64>,
    first: tokio::sync::mpsc::Sender<Msg>,
    live: tokio::sync::mpsc::Sender<Msg>,
) {
    if let Err(e) = pass(&ctx, &mut g, start, &first).await {
        let _ = first.send(Msg::Failed(e)).await;
        return;
    }
    if first.send(Msg::PassDone).await.is_err() || !ctx.q.follow {
        return;
    }
    drop(first);
    loop {
        tokio::time::sleep(ctx.q.poll).await;
        let from = g.newest.or(start);
        if let Err(e) = pass(&ctx, &mut g, from, &live).await {
            let _ = live.send(Msg::Failed(e)).await;
            return;
        }
    }
}

/// Merges the groups' first passes by event time (a tie goes to the group named first) into
/// batches for the pipeline, so several groups read as one time-ordered log. `Err(None)`: the
/// pipeline stopped reading; `Err(Some(e))`: a group failed.
async fn merge_by_time(
    mut groups: Vec<tokio::sync::mpsc::Receiver<Msg>>,
    out: &tokio::sync::mpsc::Sender<Result<Vec<u8>, String>>,
) -> Result<(), Option<String>> {
    // Each group's current page and the index of its next line; `None` once its pass is done.
    let mut heads: Vec<Option<(Page, usize)>> = (0..groups.len()).map(|_| None).collect();
    let mut done = vec![false; groups.len()];
    let mut buf: Vec<u8> = Vec::new();
    loop {
        for i in 0..groups.len() {
            while !done[i] && heads[i].is_none() {
                match groups[i].recv().await {
                    Some(Msg::Page(p)) if p.lines.is_empty() => {}
                    Some(Msg::Page(p)) => heads[i] = Some((p, 0)),
                    Some(Msg::PassDone) | None => done[i] = true,
                    Some(Msg::Failed(e)) => return Err(Some(e)),
                }
            }
        }
        let next_ts = |h: &Option<(Page, usize)>| h.as_ref().map(|(p, k)| p.lines[*k].0);
        // The group whose next event comes first, and the first event of any other group.
        let Some(i) = (0..heads.len())
            .filter(|&i| heads[i].is_some())
            .min_by_key(|&i| (next_ts(&heads[i]), i))
        else {
            break;
        };
        let bound = (0..heads.len())
            .filter(|&j| j != i)
            .filter_map(|j| next_ts(&heads[j]).map(|t| (t, j)))
            .min();
        let (page, k) = heads[i].as_mut().expect("chosen head");
        let from = if *k == 0 { 0 } else { page.lines[*k - 1].1 };
        let mut to = *k;
        while to < page.lines.len() && bound.is_none_or(|(t, j)| (page.lines[to].0, i) < (t, j)) {
            to += 1;
        }
        let end = page.lines[to - 1].1;
        if from == 0 && to == page.lines.len() && buf.is_empty() {
            // A whole page in order (always so with one group): no copy.
            let (page, _) = heads[i].take().expect("chosen head");
            if out.send(Ok(page.bytes)).await.is_err() {
                return Err(None);
            }
            continue;
        }
        buf.extend_from_slice(&page.bytes[from..end]);
        *k = to;
        if to == page.lines.len() {
            heads[i] = None;
        }
        if buf.len() >= OUT_BATCH && out.send(Ok(std::mem::take(&mut buf))).await.is_err() {
            return Err(None);
        }
    }
    if !buf.is_empty() && out.send(Ok(buf)).await.is_err() {
        return Err(None);
    }
    Ok(())
}

/// One pass over a group from `from`: every page, sent as it comes.
async fn pass(
    ctx: &Ctx,
    g: &mut GroupState,
    from: Option<i64>,
    tx: &tokio::sync::mpsc::Sender<Msg>,
) -> Result<(), String> {
    let q = &ctx.q;
    let counters = &ctx.counters;
    let mut token: Option<String> = None;
    let mut seen_tokens: HashSet<String> = HashSet::new();
    let mut at_start: HashSet<String> = std::mem::take(&mut g.ids_at_newest);
    let start_newest = g.newest;
    loop {
        let mut req = ctx
            .client
            .filter_log_events()
            .log_group_name(&g.name)
            .limit(10_000)
            .set_start_time(from)
            .set_end_time(q.end_ms)
            .set_next_token(token.clone());
        if !q.streams.is_empty() {
            req = req.set_log_stream_names(Some(q.streams.clone()));
        } else if let Some(p) = &q.stream_prefix {
            req = req.log_stream_name_prefix(p);
        }
        if let Some(p) = &q.filter_pattern {
            req = req.filter_pattern(p);
        }
        // CloudWatch always interleaves streams by time and ignores this deprecated flag;
        // emulators (moto) default it to false and return one stream after the other.
        #[allow(deprecated)]
        {
            req = req.interleaved(true);
        }
        let mut attempt = 0;
        let out = loop {
            let sent = {
                let _permit = ctx.in_flight.acquire().await.expect("never closed");
                req.clone().send().await
            };
            match sent {
                Ok(out) => break out,
                Err(e)
                    if is_retryable(&e)
                        && attempt
                            < if matches!(
                                e,
                                SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
                            ) {
                                OUTER_NETWORK_RETRIES
                            } else {
                                OUTER_RETRIES
                            } =>
                {
                    counters.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => {
                    return Err(explain(
                        &e,
                        &format!("log group {}", g.name),
                        &ctx.region,
                        q.endpoint_url.as_deref(),
                    ))
                }
            }
        };
        counters.pages.fetch_add(1, Ordering::Relaxed);
        let mut page = Page {
            bytes: Vec::new(),
            lines: Vec::with_capacity(out.events().len()),
        };
        for e in out.events() {
            let stream = e.log_stream_name().unwrap_or("");
            if !q.streams.is_empty() && !q.streams.iter().any(|s| s == stream) {
                continue;
            }
            if let Some(p) = &q.stream_prefix {
                if !stream.starts_with(p.as_str()) {
                    continue;
                }
            }
            let ts = e.timestamp().unwrap_or(0);
            if let Some(end) = q.end_ms {
                if ts >= end {
                    continue;
                }
            }
            let id = e.event_id().unwrap_or("");
            // Already delivered: at the timestamp the previous pass ended on.
            if Some(ts) == start_newest && at_start.contains(id) {
                continue;
            }
            let msg = e.message().unwrap_or("").trim_end_matches(['\n', '\r']);
            if let Some(p) = &ctx.local {
                if !p.is_match(msg.as_bytes()) {
                    continue;
                }
            }
            match g.newest {
                Some(t) if ts < t => {}
                Some(t) if ts == t => {
                    g.ids_at_newest.insert(id.to_string());
                }
                _ => {
                    g.newest = Some(ts);
                    g.ids_at_newest.clear();
                    g.ids_at_newest.insert(id.to_string());
                }
            }
            let b = &mut page.bytes;
            b.extend_from_slice(format_rfc3339(ts.saturating_mul(1000)).as_bytes());
            b.push(b' ');
            push_message(b, msg, stream);
            b.push(b'\n');
            page.lines.push((ts, b.len()));
        }
        if !page.lines.is_empty() {
            counters
                .events
                .fetch_add(page.lines.len() as u64, Ordering::Relaxed);
            if tx.send(Msg::Page(page)).await.is_err() {
                return Err("reader closed".into());
            }
        }
        match out.next_token() {
            None => break,
            Some(t) if !seen_tokens.insert(t.to_string()) => {
                return Err(format!(
                    "log group {}: the server sent the same page token twice; stopped reading the group there, so later events may be missing (try a narrower --since/--until)",
                    g.name
                ));
            }
            Some(t) => token = Some(t.to_string()),
        }
    }
    // Keep the ids at the newest timestamp for the next pass (events at it may still come).
    if g.newest == start_newest {
        at_start.extend(g.ids_at_newest.drain());
        g.ids_at_newest = at_start;
    }
    Ok(())
}

/// A log group as `cloudwatch groups` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupInfo {
    /// Name.
    pub name: String,
    /// Stored bytes.
    pub stored_bytes: Option<i64>,
    /// Retention in days (`None`: never expire).
    pub retention_days: Option<i32>,
}

/// Lists the log groups whose name starts with `prefix`.
pub fn list_groups(q: &Query, prefix: Option<&str>) -> Result<Vec<GroupInfo>, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let (client, region) = client(q).await?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let r = client
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_string))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| explain(&e, "log groups", &region, q.endpoint_url.as_deref()))?;
            for g in r.log_groups() {
                out.push(GroupInfo {
                    name: g.log_group_name().unwrap_or("").to_string(),
                    stored_bytes: g.stored_bytes(),
                    retention_days: g.retention_in_days(),
                });
            }
            match r.next_token() {
                Some(t) if seen.insert(t.to_string()) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_relative_and_absolute() {
        let now = 1_770_372_000_000;
        assert_eq!(parse_time("10m", now), Ok(now - 600_000));
        assert_eq!(parse_time("2h", now), Ok(now - 7_200_000));
        assert_eq!(parse_time("7d", now), Ok(now - 604_800_000));
        assert_eq!(
            parse_time("2026-02-06T10:00:00Z", now),
            Ok(1_770_372_000_000)
        );
        assert!(parse_time("soon", now).is_err());
        assert!(parse_time("5y", now).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(625));
        assert!(backoff(10) <= Duration::from_secs(10));
        assert!(backoff(3) >= Duration::from_secs(3));
    }
}
