//! The JSON report: [`Report`] serialised as one pretty-printed object.

use std::io::{self, Write};

use crate::report::Report;

/// Writes the report as JSON followed by a newline.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
