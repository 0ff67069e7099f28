//! Exit codes, the binary's interface to scripts and CI.

/// Analysis done, nothing to gate on.
pub const OK: u8 = 0;
/// A finding a caller gates on (`--fail-on` matched).
pub const FINDING: u8 = 1;
/// Usage or configuration error, or some input unreadable (after reporting the rest).
pub const ERROR: u8 = 2;
/// Interrupted (SIGINT).
pub const INTERRUPTED: u8 = 130;
