//! The crate's one error type.
//!
//! [`Error`] is opaque; [`Error::kind`] says what went wrong as a [`ErrorKind`], which grows
//! without breaking callers (`#[non_exhaustive]`). Messages are lowercase and name the field and
//! the value at fault, e.g. `repeat.min_coverage must be in (0, 1], got 1.5`.

use std::fmt;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value is out of range or inconsistent.
    Config,
    /// Input could not be read or parsed (bad JSON, invalid UTF-8, a missing field, ...).
    Input,
    /// Serialised state (a saved config, model or pickle) could not be decoded.
    Serialization,
    /// An I/O operation failed; [`Error::io_kind`] tells which.
    Io,
    /// A run was stopped by its caller between batches (e.g. on a signal).
    Interrupted,
}

/// The error returned by fallible chaffless operations.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    io: Option<std::io::Error>,
}

impl Error {
    /// What kind of error this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The standard I/O error kind, for [`ErrorKind::Io`] errors.
    #[must_use]
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.io.as_ref().map(std::io::Error::kind)
    }

    /// The message, without the kind.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Config,
            message: message.into(),
            io: None,
        }
    }

    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Input,
            message: message.into(),
            io: None,
        }
    }

    #[cfg_attr(not(feature = "python"), allow(dead_code))]
    pub(crate) fn serialization(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Serialization,
            message: message.into(),
            io: None,
        }
    }

    /// An [`ErrorKind::Interrupted`] error: what a run's check returns to stop it (see
    /// [`clean_jsonl_with`](crate::jsonl::clean_jsonl_with)).
    #[must_use]
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Interrupted,
            message: message.into(),
            io: None,
        }
    }

    pub(crate) fn io(context: impl fmt::Display, err: std::io::Error) -> Self {
        Self {
            kind: ErrorKind::Io,
            message: format!("{context}: {err}"),
            io: Some(err),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}
