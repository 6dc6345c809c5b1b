//! `Cleaner`, `Span` and `CleanResult`, and the module functions `clean` / `annotate`.
//!
//! Offsets: the core's spans are byte ranges of the UTF-8 text; Python gets code-point offsets
//! (`text[span.start:span.end]`), converted here with one pass over each page
//! ([`char_offsets`]), inside the GIL-free section.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use super::arrow::{
    column_type, export_array, export_batch, present, record_batch, spans_array, strings_like,
    Column,
};
use super::config::{config_from_py, serde_to_py};
use super::{detached, parallel_allowed, single_threaded, write_atomic};
use crate::clean::{CleanReport, CleanResult, Cleaner, LabelCount};
use crate::config::CleanerConfig;
use crate::document::{char_offsets, Label, Span};
use crate::error::{Error, Result};

/// Python's `repr` of a value.
fn py_repr<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<String> {
    Ok(value.into_bound_py_any(py)?.repr()?.to_cow()?.into_owned())
}

/// A detection: a labelled, scored and explained range of the input, in code points.
#[pyclass(name = "Span", module = "chaffless", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PySpan {
    #[pyo3(get)]
    start: usize,
    #[pyo3(get)]
    end: usize,
    label: Label,
    #[pyo3(get)]
    score: f64,
    #[pyo3(get)]
    detector: String,
    #[pyo3(get)]
    rule: String,
    #[pyo3(get)]
    evidence: String,
    #[pyo3(get)]
    copies: Vec<(usize, usize)>,
}

/// The core's spans of `text` with every byte offset (spans and copies) turned into a
/// code-point offset, in one pass over the text.
fn convert_spans(text: &str, spans: Vec<Span>) -> Vec<PySpan> {
    let mut offsets = Vec::with_capacity(spans.len() * 2);
    for s in &spans {
        offsets.extend([s.start, s.end]);
        for &(a, b) in &s.copies {
            offsets.extend([a, b]);
        }
    }
    let mut chars = char_offsets(text, &offsets).into_iter();
    let mut next = move || chars.next().unwrap_or_default();
    spans
        .into_iter()
        .map(|s| PySpan {
            start: next(),
            end: next(),
            label: s.label,
            score: s.score,
            copies: s.copies.iter().map(|_| (next(), next())).collect(),
            detector: s.detector.into_owned(),
            rule: s.rule.into_owned(),
            evidence: s.evidence.into_owned(),
        })
        .collect()
}

#[pymethods]
impl PySpan {
    /// Builds a span (mainly for unpickling); offsets are code points.
    #[new]
    #[pyo3(
        signature = (start, end, label, score, detector, rule, evidence = String::new(), copies = Vec::new()),
        text_signature = "(start, end, label, score, detector, rule, evidence='', copies=())"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        start: usize,
        end: usize,
        label: &str,
        score: f64,
        detector: String,
        rule: String,
        evidence: String,
        copies: Vec<(usize, usize)>,
    ) -> PyResult<Self> {
        let label: Label = label.parse()?;
        if start > end {
            let msg = format!("span start must not exceed end, got start={start} end={end}");
            return Err(Error::input(msg).into());
        }
        if !(0.0..=1.0).contains(&score) {
            return Err(Error::input(format!("span score must be in [0, 1], got {score}")).into());
        }
        if let Some((a, b)) = copies.iter().find(|(a, b)| a > b) {
            let msg = format!("copy start must not exceed end, got ({a}, {b})");
            return Err(Error::input(msg).into());
        }
        Ok(Self {
            start,
            end,
            label,
            score,
            detector,
            rule,
            evidence,
            copies,
        })
    }

    /// What the span is: `"chrome"`, `"repeat"`, `"comment"`, ...
    #[getter]
    fn label(&self) -> &'static str {
        self.label.as_str()
    }

    /// The span's fields as a dict (offsets in code points).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("start", self.start)?;
        d.set_item("end", self.end)?;
        d.set_item("label", self.label.as_str())?;
        d.set_item("score", self.score)?;
        d.set_item("detector", &self.detector)?;
        d.set_item("rule", &self.rule)?;
        d.set_item("evidence", &self.evidence)?;
        d.set_item("copies", &self.copies)?;
        Ok(d)
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.start, self.end, self.label).hash(&mut h);
        // 0.0 == -0.0 in Python, so they must hash alike.
        let score = if self.score == 0.0 { 0.0 } else { self.score };
        score.to_bits().hash(&mut h);
        (&self.detector, &self.rule, &self.evidence, &self.copies).hash(&mut h);
        h.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Span(start={}, end={}, label={}, score={}, detector={}, rule={}, evidence={}, \
             copies={})",
            self.start,
            self.end,
            py_repr(py, self.label.as_str())?,
            py_repr(py, self.score)?,
            py_repr(py, &self.detector)?,
            py_repr(py, &self.rule)?,
            py_repr(py, &self.evidence)?,
            py_repr(py, &self.copies)?,
        ))
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let s = slf.get();
        let args = (
            s.start,
            s.end,
            s.label.as_str(),
            s.score,
            &s.detector,
            &s.rule,
            &s.evidence,
            &s.copies,
        )
            .into_pyobject(py)?;
        Ok((slf.get_type(), args))
    }
}

/// A cleaned page, owned by Rust: built without the GIL, turned into a [`PyCleanResult`] after.
struct Processed {
    text: String,
    spans: Vec<PySpan>,
    skipped: Option<String>,
    counts: BTreeMap<Label, LabelCount>,
}

impl Processed {
    fn new(input: &str, result: CleanResult) -> Self {
        let counts = result.counts();
        Self {
            spans: convert_spans(input, result.spans),
            text: result.text,
            skipped: result.skipped,
            counts,
        }
    }

    fn into_py(self, py: Python<'_>) -> PyResult<PyCleanResult> {
        Ok(PyCleanResult {
            text: PyString::new(py, &self.text).unbind(),
            spans: self
                .spans
                .into_iter()
                .map(|s| Py::new(py, s))
                .collect::<PyResult<_>>()?,
            skipped: self.skipped,
            counts: self.counts,
        })
    }
}

/// The outcome of cleaning one page.
#[pyclass(name = "CleanResult", module = "chaffless", frozen)]
pub(crate) struct PyCleanResult {
    text: Py<PyString>,
    spans: Vec<Py<PySpan>>,
    skipped: Option<String>,
    counts: BTreeMap<Label, LabelCount>,
}

/// `counts` given to the `CleanResult` constructor: `{label: {"spans": n, "bytes": n}}`,
/// checked against the spans.
fn counts_from_py(
    obj: &Bound<'_, PyAny>,
    spans: &[Py<PySpan>],
) -> PyResult<BTreeMap<Label, LabelCount>> {
    let raw: BTreeMap<String, BTreeMap<String, u64>> = obj.extract()?;
    let mut out = BTreeMap::new();
    for (name, c) in raw {
        let label: Label = name.parse()?;
        let (Some(&n), Some(&bytes), 2) = (c.get("spans"), c.get("bytes"), c.len()) else {
            let msg = format!("counts[{name:?}] must have exactly the keys 'spans' and 'bytes'");
            return Err(Error::input(msg).into());
        };
        out.insert(label, LabelCount { spans: n, bytes });
    }
    let mut seen: BTreeMap<Label, u64> = BTreeMap::new();
    for s in spans {
        *seen.entry(s.get().label).or_default() += 1;
    }
    let claimed: BTreeMap<Label, u64> = out.iter().map(|(l, c)| (*l, c.spans)).collect();
    if seen != claimed {
        let msg = format!("counts do not match the spans: {claimed:?} given, {seen:?} found");
        return Err(Error::input(msg).into());
    }
    Ok(out)
}

#[pymethods]
impl PyCleanResult {
    /// Builds a result (mainly for unpickling); `counts` must match `spans`.
    #[new]
    #[pyo3(signature = (text, spans, skipped, counts))]
    fn new(
        text: Bound<'_, PyString>,
        spans: Vec<Py<PySpan>>,
        skipped: Option<String>,
        counts: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let counts = counts_from_py(counts, &spans)?;
        Ok(Self {
            text: text.unbind(),
            spans,
            skipped,
            counts,
        })
    }

    /// The page with the removed spans cut out.
    #[getter]
    fn text(&self, py: Python<'_>) -> Py<PyString> {
        self.text.clone_ref(py)
    }

    /// What was removed and why: sorted by start, disjoint, code-point offsets of the input.
    #[getter]
    fn spans<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.spans.iter().map(|s| s.clone_ref(py)))
    }

    /// Why the page was passed through untouched (larger than `max_page_bytes`), or None.
    #[getter]
    fn skipped(&self) -> Option<&str> {
        self.skipped.as_deref()
    }

    /// Spans and UTF-8 bytes removed per label: `{"repeat": {"spans": 1, "bytes": 84}}`.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.counts)
    }

    /// The result as a dict of plain values (spans as dicts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("text", self.text.bind(py))?;
        let spans = self
            .spans
            .iter()
            .map(|s| s.get().to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("spans", spans)?;
        d.set_item("skipped", &self.skipped)?;
        d.set_item("counts", self.counts(py)?)?;
        Ok(d)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, Self>) -> PyResult<bool> {
        let other = other.get();
        Ok(self.skipped == other.skipped
            && self.counts == other.counts
            && self.spans.len() == other.spans.len()
            && self
                .spans
                .iter()
                .zip(&other.spans)
                .all(|(a, b)| a.get() == b.get())
            && PyAnyMethods::eq(self.text.bind(py).as_any(), other.text.bind(py))?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut counts = String::new();
        for (label, c) in &self.counts {
            if !counts.is_empty() {
                counts.push_str(", ");
            }
            let _ = write!(counts, "{label}: {}", c.spans);
        }
        let chars = self.text.bind(py).len()?;
        Ok(format!(
            "CleanResult(text=<{chars} chars>, spans=<{} spans{}{counts}>, skipped={})",
            self.spans.len(),
            if counts.is_empty() { "" } else { ": " },
            py_repr(py, self.skipped.as_deref())?,
        ))
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let s = slf.get();
        let args = (
            s.text.bind(py),
            s.spans(py)?,
            s.skipped.as_deref(),
            s.counts(py)?,
        )
            .into_pyobject(py)?;
        Ok((slf.get_type(), args))
    }
}

/// Cleans pages: finds chrome, repeats and comments, and cuts them out.
#[pyclass(name = "Cleaner", module = "chaffless", frozen)]
pub(crate) struct PyCleaner {
    pub(crate) inner: Cleaner,
}

impl PyCleaner {
    fn from_config(config: CleanerConfig) -> PyResult<Self> {
        Ok(Self {
            inner: Cleaner::new(config)?,
        })
    }

    /// This cleaner with the statistics of `texts` (added to its own when `add`): counted on
    /// all cores, or on one in a forked child; the configuration stays this cleaner's.
    fn fitted_on<S, T>(
        &self,
        py: Python<'_>,
        texts: &[S],
        sites: &[Option<T>],
        add: bool,
    ) -> PyResult<Self>
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        let inner = detached(py, || {
            let single = single_threaded(&self.inner)?;
            let counter = single.as_ref().unwrap_or(&self.inner);
            let mut model = counter.site_stats(texts, sites)?;
            if let (true, Some(old)) = (add, self.inner.model()) {
                model.merge(old)?;
            }
            self.inner.with_model(model)
        })?;
        Ok(Self { inner })
    }

    /// `fit` / `partial_fit` on a list of texts or on Arrow columns (null texts are skipped,
    /// null sites are pages of no site).
    fn fit_any(
        &self,
        texts: &Bound<'_, PyAny>,
        sites: &Bound<'_, PyAny>,
        add: bool,
    ) -> PyResult<Self> {
        let py = texts.py();
        if !is_arrow(texts) {
            let texts: Vec<String> = texts.extract()?;
            let sites: Vec<Option<String>> = sites.extract()?;
            return self.fitted_on(py, &texts, &sites, add);
        }
        let texts = Column::extract(texts, "texts")?;
        let sites = Column::extract(sites, "sites")?;
        let texts = texts.strs()?;
        let sites = sites.strs()?;
        if texts.len() != sites.len() {
            let msg = format!("got {} texts but {} sites", texts.len(), sites.len());
            return Err(Error::input(msg).into());
        }
        let (texts, sites): (Vec<&str>, Vec<Option<&str>>) = texts
            .into_iter()
            .zip(sites)
            .filter_map(|(t, s)| t.map(|t| (t, s)))
            .unzip();
        self.fitted_on(py, &texts, &sites, add)
    }

    /// Cleans the non-null rows of an Arrow column (with their sites): the results by row,
    /// with the column's type.
    fn clean_column(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        sites: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Column, Vec<Option<CleanResult>>)> {
        let texts = Column::extract(texts, "texts")?;
        let sites = sites
            .filter(|s| !s.is_none())
            .map(|s| Column::extract(s, "sites"))
            .transpose()?;
        let results = detached(py, || {
            let rows = texts.strs()?;
            let site_rows = match &sites {
                Some(s) => s.strs()?,
                None => Vec::new(),
            };
            if sites.is_some() && site_rows.len() != rows.len() {
                return Err(Error::input(format!(
                    "got {} texts but {} sites",
                    rows.len(),
                    site_rows.len()
                )));
            }
            let (at, present_texts) = present(&rows);
            let present_sites: Vec<Option<&str>> = if site_rows.is_empty() {
                Vec::new()
            } else {
                at.iter().map(|&i| site_rows[i]).collect()
            };
            let cleaned = clean_all(&self.inner, &present_texts, &present_sites);
            let mut out: Vec<Option<CleanResult>> = (0..rows.len()).map(|_| None).collect();
            for (i, r) in at.into_iter().zip(cleaned) {
                out[i] = Some(r);
            }
            Ok(out)
        })?;
        Ok((texts, results))
    }
}

/// True for objects of the Arrow PyCapsule interface.
fn is_arrow(obj: &Bound<'_, PyAny>) -> bool {
    obj.hasattr("__arrow_c_array__").unwrap_or(false)
        || obj.hasattr("__arrow_c_stream__").unwrap_or(false)
}

/// `clean_site` on every text: in parallel, unless this process is a forked child.
fn clean_all<S, T>(cleaner: &Cleaner, texts: &[S], sites: &[Option<T>]) -> Vec<CleanResult>
where
    S: AsRef<str> + Sync,
    T: AsRef<str> + Sync,
{
    if parallel_allowed() {
        cleaner.clean_batch_sites(texts, sites)
    } else {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let site = sites.get(i).and_then(|s| s.as_ref().map(AsRef::as_ref));
                cleaner.clean_site(t.as_ref(), site)
            })
            .collect()
    }
}

/// The sites of a batch call: as many as texts, or none.
fn check_sites(
    texts: &[String],
    sites: Option<Vec<Option<String>>>,
) -> Result<Vec<Option<String>>> {
    let sites = sites.unwrap_or_default();
    if !sites.is_empty() && sites.len() != texts.len() {
        return Err(Error::input(format!(
            "got {} texts but {} sites",
            texts.len(),
            sites.len()
        )));
    }
    Ok(sites)
}

#[pymethods]
impl PyCleaner {
    /// Builds a cleaner from keyword options (the fields of the configuration).
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Self::from_config(config_from_py(options.map(Bound::as_any))?)
    }

    /// Builds a cleaner from a configuration mapping, as returned by `config`.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_config(config_from_py(Some(config))?)
    }

    /// The full configuration, defaults filled in.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, self.inner.config())
    }

    /// The cleaned text of `text` (a page of `site`, when given).
    #[pyo3(signature = (text, *, site = None))]
    fn clean(&self, py: Python<'_>, text: String, site: Option<String>) -> PyResult<String> {
        detached(py, || {
            Ok(self.inner.clean_site(&text, site.as_deref()).text)
        })
    }

    /// The spans found in `text`, without cutting them out.
    #[pyo3(signature = (text, *, site = None))]
    fn annotate(
        &self,
        py: Python<'_>,
        text: String,
        site: Option<String>,
    ) -> PyResult<Vec<PySpan>> {
        detached(py, || {
            let spans = self.inner.annotate_site(&text, site.as_deref());
            Ok(convert_spans(&text, spans))
        })
    }

    /// The cleaned text, the spans and the counts of `text`.
    #[pyo3(signature = (text, *, site = None))]
    fn process(
        &self,
        py: Python<'_>,
        text: String,
        site: Option<String>,
    ) -> PyResult<PyCleanResult> {
        let processed = detached(py, || {
            let result = self.inner.clean_site(&text, site.as_deref());
            Ok(Processed::new(&text, result))
        })?;
        processed.into_py(py)
    }

    /// `clean` on many texts, in parallel.
    #[pyo3(signature = (texts, *, sites = None))]
    fn clean_batch(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        sites: Option<Vec<Option<String>>>,
    ) -> PyResult<Vec<String>> {
        detached(py, || {
            let sites = check_sites(&texts, sites)?;
            Ok(clean_all(&self.inner, &texts, &sites)
                .into_iter()
                .map(|r| r.text)
                .collect())
        })
    }

    /// `annotate` on many texts, in parallel.
    #[pyo3(signature = (texts, *, sites = None))]
    fn annotate_batch(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        sites: Option<Vec<Option<String>>>,
    ) -> PyResult<Vec<Vec<PySpan>>> {
        detached(py, || {
            let sites = check_sites(&texts, sites)?;
            let all = clean_all(&self.inner, &texts, &sites);
            Ok(texts
                .iter()
                .zip(all)
                .map(|(t, r)| convert_spans(t, r.spans))
                .collect())
        })
    }

    /// A cleaner fitted on `texts` from `sites`: site chrome is then recognised on pages of
    /// those sites (pass `site=` when cleaning).
    #[pyo3(signature = (texts, sites))]
    fn fit(&self, texts: &Bound<'_, PyAny>, sites: &Bound<'_, PyAny>) -> PyResult<Self> {
        self.fit_any(texts, sites, false)
    }

    /// Like `fit`, adding to the site statistics this cleaner already has.
    #[pyo3(signature = (texts, sites))]
    fn partial_fit(&self, texts: &Bound<'_, PyAny>, sites: &Bound<'_, PyAny>) -> PyResult<Self> {
        self.fit_any(texts, sites, true)
    }

    /// A cleaner with this one's configuration and the site statistics of both (partial
    /// statistics fitted on shards, merged).
    fn merge(&self, py: Python<'_>, other: &Bound<'_, Self>) -> PyResult<Self> {
        let other = &other.get().inner;
        let inner = detached(py, || match (self.inner.model(), other.model()) {
            (Some(a), Some(b)) => {
                let mut model = a.clone();
                model.merge(b)?;
                self.inner.with_model(model)
            }
            (None, Some(b)) => self.inner.with_model(b.clone()),
            (Some(_), None) | (None, None) => {
                self.inner.with_num_threads(self.inner.config().num_threads)
            }
        })?;
        Ok(Self { inner })
    }

    /// `clean_batch` on an Arrow string column: an Arrow string array (nulls stay null).
    #[pyo3(signature = (texts, *, sites = None))]
    fn clean_arrow<'py>(
        &self,
        texts: &Bound<'py, PyAny>,
        sites: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = texts.py();
        let (column, results) = self.clean_column(py, texts, sites)?;
        let array = detached(py, || {
            let rows: Vec<Option<String>> =
                results.into_iter().map(|r| r.map(|r| r.text)).collect();
            Ok(strings_like(&column_type(&column), &rows))
        })?;
        export_array(py, array)
    }

    /// `annotate_batch` on an Arrow string column: `list<struct<start, end, label, score,
    /// detector, rule, evidence>>` (code-point offsets; null texts give null lists).
    #[pyo3(signature = (texts, *, sites = None))]
    fn annotate_arrow<'py>(
        &self,
        texts: &Bound<'py, PyAny>,
        sites: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = texts.py();
        let (column, results) = self.clean_column(py, texts, sites)?;
        let array = detached(py, || {
            let rows = column.strs()?;
            let spans: Vec<Option<(&str, Vec<Span>)>> = rows
                .iter()
                .zip(results)
                .map(|(t, r)| t.zip(r.map(|r| r.spans)))
                .collect();
            Ok(spans_array(&spans))
        })?;
        export_array(py, array)
    }

    /// `process_batch` on an Arrow string column: a record batch with the columns `text`
    /// (cleaned, the input's string type) and `spans` (as `annotate_arrow`); with `report`,
    /// `(batch, report)` where the report counts what was removed (as `clean_jsonl`'s).
    #[pyo3(signature = (texts, *, sites = None, report = false))]
    fn process_arrow<'py>(
        &self,
        texts: &Bound<'py, PyAny>,
        sites: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = texts.py();
        let (column, results) = self.clean_column(py, texts, sites)?;
        let (batch, counts) = detached(py, || {
            let rows = column.strs()?;
            let mut cleaned = Vec::with_capacity(rows.len());
            let mut spans = Vec::with_capacity(rows.len());
            let mut counts = CleanReport::default();
            for (t, r) in rows.iter().zip(results) {
                match (t, r) {
                    (Some(t), Some(r)) => {
                        counts.add(t.len(), &r);
                        cleaned.push(Some(r.text));
                        spans.push(Some((*t, r.spans)));
                    }
                    _ => {
                        cleaned.push(None);
                        spans.push(None);
                    }
                }
            }
            let batch = record_batch(vec![
                ("text", strings_like(&column_type(&column), &cleaned)),
                ("spans", spans_array(&spans)),
            ])?;
            Ok((batch, counts))
        })?;
        let batch = export_batch(py, batch)?;
        if !report {
            return Ok(batch);
        }
        Ok((batch, serde_to_py(py, &counts)?)
            .into_pyobject(py)?
            .into_any())
    }

    /// True when the cleaner holds site statistics.
    #[getter]
    fn fitted(&self) -> bool {
        self.inner.model().is_some()
    }

    /// What the site statistics hold: sites, pages and approximate memory, or None.
    fn site_stats<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(m) = self.inner.model() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("sites", m.num_sites())?;
        d.set_item("pages", m.num_pages())?;
        d.set_item("memory_bytes", m.memory_bytes())?;
        Ok(Some(d))
    }

    /// The cleaner (configuration and site statistics) as bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// Writes the cleaner (configuration and site statistics) to `path`, atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || write_atomic(&path, &self.inner.to_bytes()))
    }

    /// A cleaner saved with `save`.
    #[classmethod]
    fn load(_cls: &Bound<'_, PyType>, py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let inner = detached(py, || {
            let shown = path.display().to_string();
            let bytes =
                std::fs::read(&path).map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
            Cleaner::from_bytes(&bytes)
        })?;
        Ok(Self { inner })
    }

    /// A cleaner from `to_bytes`.
    #[classmethod]
    fn from_bytes(_cls: &Bound<'_, PyType>, py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        let inner = detached(py, || Cleaner::from_bytes(&data))?;
        Ok(Self { inner })
    }

    /// `process` on many texts, in parallel.
    #[pyo3(signature = (texts, *, sites = None))]
    fn process_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        sites: Option<Vec<Option<String>>>,
    ) -> PyResult<Vec<PyCleanResult>> {
        let processed: Vec<Processed> = detached(py, || {
            let sites = check_sites(&texts, sites)?;
            let all = clean_all(&self.inner, &texts, &sites);
            Ok(texts
                .iter()
                .zip(all)
                .map(|(t, r)| Processed::new(t, r))
                .collect())
        })?;
        processed.into_iter().map(|p| p.into_py(py)).collect()
    }

    fn __eq__(&self, other: &Bound<'_, Self>) -> bool {
        let o = &other.get().inner;
        self.inner.config() == o.config() && self.inner.model() == o.model()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let config = self.config(py)?;
        let mut out = String::from("Cleaner(");
        for (i, (key, value)) in config.cast::<PyDict>()?.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{key}={}", value.repr()?);
        }
        out.push(')');
        Ok(out)
    }

    /// Pickles as `Cleaner.from_dict(config)`, or `Cleaner.from_bytes(...)` when fitted: the
    /// configuration is validated again on load.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let py = slf.py();
        if slf.get().inner.model().is_some() {
            let from_bytes = slf.get_type().getattr("from_bytes")?;
            return Ok((from_bytes, (slf.get().to_bytes(py).into_any(),)));
        }
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().config(py)?,)))
    }
}

/// The cleaner with the default configuration, built on first use.
fn default_cleaner() -> PyResult<&'static Cleaner> {
    static DEFAULT: OnceLock<Cleaner> = OnceLock::new();
    if let Some(c) = DEFAULT.get() {
        return Ok(c);
    }
    let cleaner = Cleaner::new(CleanerConfig::default())?;
    Ok(DEFAULT.get_or_init(|| cleaner))
}

/// `text` cleaned with the default configuration.
#[pyfunction]
fn clean(py: Python<'_>, text: String) -> PyResult<String> {
    let cleaner = default_cleaner()?;
    detached(py, || Ok(cleaner.clean(&text).text))
}

/// The spans the default configuration finds in `text`.
#[pyfunction]
fn annotate(py: Python<'_>, text: String) -> PyResult<Vec<PySpan>> {
    let cleaner = default_cleaner()?;
    detached(py, || {
        let spans = cleaner.annotate(&text);
        Ok(convert_spans(&text, spans))
    })
}

/// Adds the classes and functions of this file to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCleaner>()?;
    m.add_class::<PySpan>()?;
    m.add_class::<PyCleanResult>()?;
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    m.add_function(wrap_pyfunction!(annotate, m)?)?;
    Ok(())
}
