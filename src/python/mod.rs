//! The pyo3 layer (feature `python`): the `chaffless._chaffless` extension module.
//!
//! Thin by design: every method extracts its arguments into owned Rust values, releases the
//! GIL ([`detached`]), calls the core and converts the result (or the [`crate::Error`], see
//! [`errors`]). Byte offsets of the core become code-point offsets here, once per page.
//!
//! Fork safety: rayon's pool does not survive `fork()`. The Python package registers
//! [`after_fork_in_child`] with `os.register_at_fork`; from then on batch calls in that process
//! run sequentially (same results), see [`parallel_allowed`].

mod arrow;
mod clean;
mod config;
mod dedup;
mod errors;
mod jsonl;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;

/// Set in a process forked from one that may have started rayon threads.
static FORKED: AtomicBool = AtomicBool::new(false);

/// False in a forked child: rayon pools inherited from the parent have no threads there.
pub(crate) fn parallel_allowed() -> bool {
    !FORKED.load(Ordering::Relaxed)
}

/// A path argument as the `&str` the core takes (`-` is standard input / output).
pub(crate) fn path_str(path: std::path::PathBuf, what: &str) -> crate::Result<String> {
    path.into_os_string()
        .into_string()
        .map_err(|p| crate::Error::input(format!("{what} path is not valid UTF-8: {p:?}")))
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then renamed into
/// place, so a crash never leaves a half-written file.
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> crate::Result<()> {
    let shown = path.display().to_string();
    let io = |e| crate::Error::io(format!("cannot write {shown}"), e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A one-thread copy of `cleaner` in a forked child (whose inherited rayon pools have no
/// threads), else none: use `cleaner` itself.
pub(crate) fn single_threaded(cleaner: &crate::Cleaner) -> crate::Result<Option<crate::Cleaner>> {
    if parallel_allowed() {
        Ok(None)
    } else {
        cleaner.with_num_threads(1).map(Some)
    }
}

/// Runs `f` with the GIL released and turns a core error into the matching Python exception.
pub(crate) fn detached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> crate::Result<T> + Send,
    T: Send,
{
    py.detach(f).map_err(PyErr::from)
}

/// [`detached`] for long runs over files: `f` gets a check (call it between batches) that
/// runs Python's signal handlers; an exception one raises (`KeyboardInterrupt` on Ctrl-C, or
/// whatever a `SIGTERM` handler raises) stops the run and is raised here.
pub(crate) fn detached_interruptible<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce(crate::jsonl::Check<'_>) -> crate::Result<T> + Send,
    T: Send,
{
    let raised: Mutex<Option<PyErr>> = Mutex::new(None);
    let check = || -> crate::Result<()> {
        Python::attach(|py| py.check_signals()).map_err(|e| {
            if let Ok(mut slot) = raised.lock() {
                *slot = Some(e);
            }
            crate::Error::interrupted("interrupted by a signal")
        })
    };
    match py.detach(|| f(&check)) {
        Ok(v) => Ok(v),
        Err(e) if e.kind() == crate::ErrorKind::Interrupted => {
            let handler_error = raised.lock().ok().and_then(|mut slot| slot.take());
            Err(handler_error.unwrap_or_else(|| e.into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Marks this process as a forked child: batch calls run sequentially from now on.
///
/// Registered by the package with `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
#[pyo3(name = "_after_fork_in_child")]
fn after_fork_in_child() {
    FORKED.store(true, Ordering::Relaxed);
}

/// True when batch calls run sequentially because this process was forked.
#[pyfunction]
#[pyo3(name = "_parallelism_disabled")]
fn parallelism_disabled() -> bool {
    !parallel_allowed()
}

#[pymodule(gil_used = true)]
#[pyo3(name = "_chaffless")]
fn chaffless_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", crate::VERSION)?;
    errors::register(m)?;
    clean::register(m)?;
    jsonl::register(m)?;
    dedup::register(m)?;
    m.add_function(wrap_pyfunction!(after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(parallelism_disabled, m)?)?;
    Ok(())
}
