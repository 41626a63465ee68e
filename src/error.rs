//! Errors users can act on; each kind knows its exit code (SPEC §3).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("no playbook named `{name}`{}", suggest(.suggestions))]
    NotFound {
        name: String,
        suggestions: Vec<String>,
    },

    #[error("{}:{line}: {message}", .file.display())]
    Parse {
        file: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Variables or answers an unattended run still needs; listed all at once.
    #[error("missing before any step can run:\n{}", .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    Missing(Vec<String>),

    #[error("interrupted")]
    Interrupted,

    #[error("{0}")]
    Other(String),
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Missing(_) => 3,
            Error::Interrupted => 130,
            Error::Other(_) => 1,
            _ => 2,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
