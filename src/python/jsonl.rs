//! `clean_jsonl`: cleans a JSONL corpus file with the GIL released.

use std::path::PathBuf;

use pyo3::prelude::*;

use super::clean::PyCleaner;
use super::config::serde_to_py;
use super::{detached, path_str, single_threaded};
use crate::jsonl::JsonlOptions;

/// Cleans the JSONL file `input` into `output`; returns the run's summary as a dict.
#[pyfunction]
#[pyo3(signature = (
    cleaner, input, output, *, text_field = "text".to_string(), annotate = false,
    spans_field = "spans".to_string(), rejects = None, progress = true, site_field = None,
    url_field = None
), text_signature = "(cleaner, input, output, *, text_field='text', annotate=False, \
    spans_field='spans', rejects=None, progress=True, site_field=None, url_field=None)")]
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
) -> PyResult<Bound<'py, PyAny>> {
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
        ..JsonlOptions::default()
    };
    let inner = &cleaner.get().inner;
    let summary = detached(py, || {
        let single = single_threaded(inner)?;
        crate::jsonl::clean_jsonl(single.as_ref().unwrap_or(inner), &input, &output, &opts)
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
    let fitted = detached(py, || {
        let single = single_threaded(inner)?;
        let model = crate::jsonl::fit_jsonl(single.as_ref().unwrap_or(inner), &input, &opts)?;
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
