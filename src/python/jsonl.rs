//! `clean_jsonl`: cleans a JSONL corpus file with the GIL released.

use std::path::PathBuf;

use pyo3::prelude::*;

use super::clean::PyCleaner;
use super::config::serde_to_py;
use super::{detached_interruptible, path_str, single_threaded};
use crate::jsonl::JsonlOptions;

/// Cleans the JSONL file `input` into `output`; returns the run's summary as a dict.
#[pyfunction]
#[pyo3(signature = (
    cleaner, input, output, *, text_field = "text".to_string(), annotate = false,
    spans_field = "spans".to_string(), rejects = None, progress = true, site_field = None,
    url_field = None, resume = false, batch_records = 4096
), text_signature = "(cleaner, input, output, *, text_field='text', annotate=False, \
    spans_field='spans', rejects=None, progress=True, site_field=None, url_field=None, \
    resume=False, batch_records=4096)")]
#[allow(clippy::too_many_arguments)]
fn clean_jsonl<'py>(
    py: Python<'py>,
    cleaner: &Bound<'py, PyCleaner>,
    input: PathBuf,
    output: PathBuf,
    text_field: String,
    annotate: bool,
    spans_field: String,
    rejects: Option<PathBuf>,
    progress: bool,
    site_field: Option<String>,
    url_field: Option<String>,
    resume: bool,
    batch_records: usize,
) -> PyResult<Bound<'py, PyAny>> {
    if batch_records == 0 {
        return Err(crate::Error::config("batch_records must be at least 1, got 0").into());
    }
    let input = path_str(input, "input")?;
    let output = path_str(output, "output")?;
    let rejects = rejects.map(|p| path_str(p, "rejects")).transpose()?;
    let opts = JsonlOptions {
        text_field,
        annotate,
        spans_field,
        rejects,
        progress,
        site_field,
        url_field,
        resume,
        batch_records,
    };
    let inner = &cleaner.get().inner;
    let summary = detached_interruptible(py, |check| {
        let single = single_threaded(inner)?;
        let cleaner = single.as_ref().unwrap_or(inner);
        crate::jsonl::clean_jsonl_with(cleaner, &input, &output, &opts, check)
    })?;
    serde_to_py(py, &summary)
}

/// A cleaner fitted on the JSONL file `input`: the text and site of every record (its
/// `site_field`, else the registered domain of its `url_field`).
#[pyfunction]
#[pyo3(signature = (
    cleaner, input, *, site_field = None, text_field = "text".to_string(), url_field = None
))]
fn fit_jsonl(
    py: Python<'_>,
    cleaner: &Bound<'_, PyCleaner>,
    input: PathBuf,
    site_field: Option<String>,
    text_field: String,
    url_field: Option<String>,
) -> PyResult<PyCleaner> {
    let input = path_str(input, "input")?;
    let opts = JsonlOptions {
        text_field,
        site_field,
        url_field,
        ..JsonlOptions::default()
    };
    let inner = &cleaner.get().inner;
    let fitted = detached_interruptible(py, |check| {
        let single = single_threaded(inner)?;
        let cleaner = single.as_ref().unwrap_or(inner);
        let model = crate::jsonl::fit_jsonl_with(cleaner, &input, &opts, check)?;
        inner.with_model(model)
    })?;
    Ok(PyCleaner { inner: fitted })
}

/// The registered domain of `url` (`"https://news.bbc.co.uk/x"` → `"bbc.co.uk"`), by the
/// Public Suffix List; `None` when no host can be read.
#[pyfunction]
fn registered_domain(url: &str) -> Option<String> {
    crate::site::registered_domain(url)
}

/// Adds `clean_jsonl`, `fit_jsonl` and `registered_domain` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(registered_domain, m)?)?;
    m.add_function(wrap_pyfunction!(clean_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(fit_jsonl, m)?)?;
    Ok(())
}
