//! Python exceptions and the one conversion from [`crate::Error`].
//!
//! ```text
//! Exception
//! └── ChafflessError
//!     ├── ConfigError (also a ValueError)
//!     ├── InputError
//!     └── SerializationError
//! OSError subclasses (FileNotFoundError, PermissionError, ...) for I/O failures
//! ```

use std::io::ErrorKind as IoKind;

use pyo3::create_exception;
use pyo3::exceptions::{
    PyBlockingIOError, PyBrokenPipeError, PyConnectionAbortedError, PyConnectionRefusedError,
    PyConnectionResetError, PyException, PyFileExistsError, PyFileNotFoundError,
    PyInterruptedError, PyOSError, PyPermissionError, PyTimeoutError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::{Error, ErrorKind};

create_exception!(
    chaffless,
    ChafflessError,
    PyException,
    "Base class of every error chaffless raises (I/O failures raise the builtin OSError \
     subclasses)."
);
create_exception!(
    chaffless,
    InputError,
    ChafflessError,
    "Input could not be read or parsed: bad JSON, a missing or non-string text field, ..."
);
create_exception!(
    chaffless,
    SerializationError,
    ChafflessError,
    "Serialised state (a saved configuration or a pickle) could not be decoded."
);

/// `ConfigError(ChafflessError, ValueError)`: two bases, so made with `type()` rather than
/// `create_exception!`, once per interpreter.
static CONFIG_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const CONFIG_ERROR_DOC: &str =
    "A configuration value is unknown, of the wrong type or out of range.\n\n\
     Also a ValueError. The message names the field and the value, e.g.\n\
     ``repeat.min_coverage must be in (0, 1], got 1.5``.";

/// The `ConfigError` type.
pub(crate) fn config_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    CONFIG_ERROR
        .get_or_try_init(py, || {
            let bases = PyTuple::new(
                py,
                [
                    py.get_type::<ChafflessError>(),
                    py.get_type::<PyValueError>(),
                ],
            )?;
            let namespace = PyDict::new(py);
            namespace.set_item("__module__", "chaffless")?;
            namespace.set_item("__doc__", CONFIG_ERROR_DOC)?;
            let ty = py
                .get_type::<PyType>()
                .call1(("ConfigError", bases, namespace))?
                .cast_into::<PyType>()?;
            Ok::<_, PyErr>(ty.unbind())
        })
        .map(|ty| ty.bind(py))
}

/// Adds the exception types to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ChafflessError", py.get_type::<ChafflessError>())?;
    m.add("ConfigError", config_error(py)?)?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SerializationError", py.get_type::<SerializationError>())?;
    Ok(())
}

/// The builtin `OSError` subclass Python itself raises for `kind`, with `errno` when known.
fn os_error(err: &Error) -> PyErr {
    let msg = err.message().to_owned();
    let errno = std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .and_then(std::io::Error::raw_os_error);
    macro_rules! raise {
        ($ty:ty) => {
            match errno {
                Some(n) => PyErr::new::<$ty, _>((n, msg)),
                None => PyErr::new::<$ty, _>(msg),
            }
        };
    }
    match err.io_kind() {
        Some(IoKind::NotFound) => raise!(PyFileNotFoundError),
        Some(IoKind::PermissionDenied) => raise!(PyPermissionError),
        Some(IoKind::AlreadyExists) => raise!(PyFileExistsError),
        Some(IoKind::Interrupted) => raise!(PyInterruptedError),
        Some(IoKind::WouldBlock) => raise!(PyBlockingIOError),
        Some(IoKind::BrokenPipe) => raise!(PyBrokenPipeError),
        Some(IoKind::ConnectionRefused) => raise!(PyConnectionRefusedError),
        Some(IoKind::ConnectionReset) => raise!(PyConnectionResetError),
        Some(IoKind::ConnectionAborted) => raise!(PyConnectionAbortedError),
        Some(IoKind::TimedOut) => raise!(PyTimeoutError),
        _ => raise!(PyOSError),
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err.kind() {
            ErrorKind::Config => Python::attach(|py| match config_error(py) {
                Ok(ty) => PyErr::from_type(ty.clone(), err.message().to_owned()),
                Err(e) => e,
            }),
            ErrorKind::Input => InputError::new_err(err.message().to_owned()),
            ErrorKind::Serialization => SerializationError::new_err(err.message().to_owned()),
            ErrorKind::Io => os_error(&err),
            // A run stopped between batches by a signal whose Python handler raised nothing
            // the binding kept (it re-raises the handler's own exception when it has one).
            ErrorKind::Interrupted => {
                pyo3::exceptions::PyKeyboardInterrupt::new_err(err.message().to_owned())
            }
        }
    }
}
