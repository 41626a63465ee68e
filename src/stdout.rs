//! A command's result on stdout. A reader that goes away early (`runbook list | head`)
//! ends the output quietly, as with any Unix tool, instead of a panic.

use crate::error::{Error, Result};
use std::io::{ErrorKind, Write};

pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(Error::Other(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// `text` and a line break.
pub fn print_line(text: &str) -> Result<()> {
    print(&format!("{text}\n"))
}
