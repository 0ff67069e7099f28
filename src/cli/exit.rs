//! Exit codes, the binary's interface to scripts and CI.

/// Analysis done, nothing to gate on.
pub const OK: u8 = 0;
/// A finding a caller gates on (`--fail-on` matched).
pub const FINDING: u8 = 1;
/// Usage or configuration error, or some input unreadable (after reporting the rest).
pub const ERROR: u8 = 2;
/// Interrupted (SIGINT).
pub const INTERRUPTED: u8 = 130;

/// The run was interrupted before it had a result it could stand by (`check`, `diff`): the
/// binary says so on stderr and exits with [`INTERRUPTED`].
#[derive(Debug)]
pub struct Interrupted(pub &'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Interrupted {}
