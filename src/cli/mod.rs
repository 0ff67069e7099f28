//! The command-line shell: argument types, exit codes, and terminal decisions.

pub mod args;
pub mod cloudwatch;
pub mod compare;
pub mod exit;
pub mod watch;

/// Expands the path arguments ([`logtriage::source::expand`]) and says which entries of a
/// directory it skipped, as not regular files.
/// The first of some pattern ids, and `…` for the others, for a one-line message:
/// `axonflow.oomkilled-anywhere, …`.
pub fn first_of(ids: &[&str]) -> String {
    match ids {
        [] => String::new(),
        [one] => one.to_string(),
        [first, ..] => format!("{first}, …"),
    }
}

pub fn expand(paths: &[std::path::PathBuf]) -> logtriage::source::Expanded {
    let expanded = logtriage::source::expand(paths);
    for name in &expanded.skipped {
        say!("{name}: not a regular file (a FIFO, socket or device): skipped; name it to read it");
    }
    for name in &expanded.empty_dirs {
        say!("{name}: no files to read in this directory (hidden entries are skipped)");
    }
    expanded
}
