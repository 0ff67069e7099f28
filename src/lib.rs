//! logtriage: a high-throughput structured log analyzer with a built-in runbook catalog.
//!
//! Data moves one way through the crate, one module per stage:
//!
//! ```text
//! source ──► record ──► matching ──► aggregate ──► report ──► render
//!  bytes    Record<'a>   pattern hits  mergeable     plain data  text / JSON
//!                                      per-thread state
//! ```
//!
//! [`source`] reads files, gzip and stdin and cuts them into line-aligned chunks; [`record`]
//! detects each line's format (JSON, CloudWatch export, logfmt, text) and extracts well-known
//! fields lazily; [`matching`] compiles the pattern [`Catalog`] into one Aho-Corasick pass plus
//! guarded regexes and field conditions; [`aggregate`] folds lines into mergeable state, one
//! per worker; [`report`] is the plain-data result and [`render`] formats it. [`pipeline`]
//! drives the stages in parallel.
//!
//! ```
//! let report = logtriage::analyze_str(
//!     r#"{"level":"error","ts":"2026-02-06T10:30:45Z","msg":"database connection failed","error":"connection refused"}
//! {"level":"info","ts":"2026-02-06T10:30:46Z","msg":"health check passed"}
//! "#,
//! );
//! assert_eq!(report.input.events, 2);
//! assert_eq!(report.levels["error"], 1);
//! assert!(report.patterns.iter().any(|p| p.id == "axonflow.database-connection-failed"));
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod compare;
pub mod error;
pub mod filter;
pub mod live;
pub mod matching;
pub mod mine;
pub mod pipeline;
pub mod record;
pub mod render;
pub mod report;
pub mod source;
pub mod synth;
pub mod trace;

pub use error::Error;
pub use matching::Catalog;
pub use pipeline::{analyze, analyze_bytes, analyze_str, Analysis, BytesAnalyzer, Config};
pub use report::Report;
