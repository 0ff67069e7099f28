//! The command-line shell: argument types, exit codes, and terminal decisions.

pub mod args;
pub mod cloudwatch;
pub mod compare;
pub mod exit;
pub mod watch;
