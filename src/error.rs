//! The library's error type: things a user must fix (an unreadable path, a bad catalog, an
//! invalid setting). Bad log lines are not errors; they are counted in the report.

use std::path::{Path, PathBuf};

/// Everything that can stop an operation, with the context a user needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The cause: part of the message, not a `source()`, so an error chain printed whole
        /// (`{:#}`) does not say it twice.
        cause: std::io::Error,
    },
    /// A pattern catalog is invalid.
    #[error("{file}:{line}: {}{message}", pattern.as_ref().map(|p| format!("pattern \"{p}\": ")).unwrap_or_default())]
    Catalog {
        /// Catalog file.
        file: String,
        /// Line in that file (0 if unknown).
        line: usize,
        /// Pattern id, when the error concerns one pattern.
        pattern: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An invalid setting.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, cause: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            cause,
        }
    }
}
