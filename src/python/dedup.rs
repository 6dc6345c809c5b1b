//! `MinHashDeduper`, `DedupResult`, `DedupIndex` and `dedup_jsonl`.
//!
//! Texts are copied into owned Rust strings once, then the core runs on all cores with the GIL
//! released. Document names (`ids`) stay Python objects: the core speaks document numbers and
//! the names are looked up here, under the GIL.

use std::path::PathBuf;
use std::sync::RwLock;

use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyType};

use super::config::{config_from_py, serde_to_py};
use super::{detached, parallel_allowed, path_str, write_atomic};
use crate::dedup::jsonl::{dedup_jsonl as core_dedup_jsonl, DedupJsonlOptions};
use crate::dedup::{Dedup, DedupConfig, DedupIndex, Deduper};
use crate::error::{Error, Result};

/// A verified pair as Python sees it: `(id, id, estimated, exact or None)`.
type PyEdge<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, f64, Option<f64>);
/// The matches of one query: `[(id, similarity), ...]`.
type PyMatches<'py> = Vec<(Bound<'py, PyAny>, f64)>;
/// What `__reduce__` returns for a result.
type ResultReduce<'py> = (
    Bound<'py, PyAny>,
    (Bound<'py, PyBytes>, Option<Bound<'py, PyList>>),
);
/// What `__reduce__` returns for an index.
type IndexReduce<'py> = (Bound<'py, PyAny>, (Bound<'py, PyBytes>, Bound<'py, PyList>));

/// A validated configuration from keyword options.
fn dedup_config(options: Option<&Bound<'_, PyAny>>) -> PyResult<DedupConfig> {
    config_from_py(options)
}

/// Runs `f` with `deduper`, or with a one-thread copy in a forked child (whose inherited rayon
/// pools have no threads).
fn with_threads<T>(deduper: &Deduper, f: impl FnOnce(&Deduper) -> Result<T>) -> Result<T> {
    if parallel_allowed() {
        f(deduper)
    } else {
        let mut config = deduper.config().clone();
        config.num_threads = 1;
        f(&Deduper::new(config)?)
    }
}

/// `ids` checked against the number of texts, or `None`.
fn check_ids<'py>(
    ids: Option<Bound<'py, PyAny>>,
    n: usize,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let Some(ids) = ids else { return Ok(None) };
    let list = PyList::new(ids.py(), ids.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
    if list.len() != n {
        let msg = format!("got {} ids for {n} texts", list.len());
        return Err(Error::input(msg).into());
    }
    Ok(Some(list))
}

/// Finds near-duplicate documents: MinHash signatures, LSH candidates, verified clusters.
#[pyclass(name = "MinHashDeduper", module = "chaffless", frozen)]
pub(crate) struct PyDeduper {
    inner: Deduper,
}

#[pymethods]
impl PyDeduper {
    /// Builds a deduplicator from keyword options (the fields of the configuration).
    #[new]
    #[pyo3(signature = (threshold = None, **options))]
    fn new(
        py: Python<'_>,
        threshold: Option<f64>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let dict = match options {
            Some(o) => o.copy()?,
            None => PyDict::new(py),
        };
        if let Some(t) = threshold {
            if dict.contains("threshold")? {
                let msg = "threshold given both positionally and as a keyword";
                return Err(Error::config(msg).into());
            }
            dict.set_item("threshold", t)?;
        }
        Ok(Self {
            inner: Deduper::new(dedup_config(Some(dict.as_any()))?)?,
        })
    }

    /// Builds a deduplicator from a configuration mapping, as returned by `config`.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self {
            inner: Deduper::new(dedup_config(Some(config))?)?,
        })
    }

    /// The full configuration, defaults filled in.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, self.inner.config())
    }

    /// The LSH banding in use: `(bands, rows)`.
    #[getter]
    fn lsh_params(&self) -> (usize, usize) {
        let p = self.inner.lsh_params();
        (p.bands, p.rows)
    }

    /// Clusters `texts`; `ids` name the documents in the result, `scores` feed the `score`
    /// representative rule.
    #[pyo3(signature = (texts, ids = None, *, scores = None))]
    fn dedup<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Bound<'py, PyAny>>,
        scores: Option<Vec<f64>>,
    ) -> PyResult<PyDedupResult> {
        let ids = check_ids(ids, texts.len())?;
        let result = detached(py, || {
            with_threads(&self.inner, |d| d.dedup(&texts, scores.as_deref()))
        })?;
        Ok(PyDedupResult {
            inner: result,
            ids: ids.map(Bound::unbind),
        })
    }

    /// The MinHash signatures of `texts`: a NumPy `uint32` array of shape
    /// `(len(texts), num_perm)`, or the same little-endian bytes with `format="bytes"`.
    #[pyo3(signature = (texts, *, format = "numpy"))]
    fn signatures<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        format: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if format != "numpy" && format != "bytes" {
            let msg = format!("format must be 'numpy' or 'bytes', got {format:?}");
            return Err(Error::config(msg).into());
        }
        let bytes: Vec<u8> = detached(py, || {
            with_threads(&self.inner, |d| {
                let s = d.sketch_batch(&texts);
                Ok(s.signatures()
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect())
            })
        })?;
        if format == "bytes" {
            return Ok(PyBytes::new(py, &bytes).into_any());
        }
        let numpy = py.import("numpy").map_err(|_| {
            PyImportError::new_err(
                "signatures(format='numpy') needs NumPy: pip install numpy (or use \
                 format='bytes')",
            )
        })?;
        let buf = PyByteArray::new(py, &bytes);
        let arr = numpy.call_method1("frombuffer", (buf, "<u4"))?;
        arr.call_method1("reshape", (texts.len(), self.inner.config().num_perm))
    }

    /// An index of `texts` (more can be added) to query new documents against.
    #[pyo3(signature = (texts = Vec::new(), ids = None))]
    fn index<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Bound<'py, PyAny>>,
    ) -> PyResult<PyDedupIndex> {
        let index = PyDedupIndex {
            inner: RwLock::new(DedupIndex::new(self.inner.config().clone())?),
            ids: PyList::empty(py).unbind(),
        };
        index.add(py, texts, ids)?;
        Ok(index)
    }

    fn __eq__(&self, other: &Bound<'_, Self>) -> bool {
        self.inner.config() == other.get().inner.config()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let config = self.config(py)?;
        let mut parts = Vec::new();
        for (key, value) in config.cast::<PyDict>()?.iter() {
            parts.push(format!("{key}={}", value.repr()?));
        }
        Ok(format!("MinHashDeduper({})", parts.join(", ")))
    }

    /// Pickles as `MinHashDeduper.from_dict(config)`: validated again on load.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().config(slf.py())?,)))
    }
}

/// Clusters of near-duplicates with their evidence.
#[pyclass(name = "DedupResult", module = "chaffless", frozen)]
pub(crate) struct PyDedupResult {
    inner: Dedup,
    ids: Option<Py<PyList>>,
}

impl PyDedupResult {
    fn name<'py>(&self, py: Python<'py>, doc: u32) -> PyResult<Bound<'py, PyAny>> {
        match &self.ids {
            Some(ids) => ids.bind(py).get_item(doc as usize),
            None => Ok(doc.into_pyobject(py)?.into_any()),
        }
    }
}

#[pymethods]
impl PyDedupResult {
    /// The threshold these clusters were made for.
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold()
    }

    /// Each document's cluster: the id (or number) of its representative.
    #[getter]
    fn clusters<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner
            .docs()
            .iter()
            .map(|d| self.name(py, d.cluster))
            .collect()
    }

    /// The document each one was verified to duplicate, or None.
    #[getter]
    fn duplicate_of<'py>(&self, py: Python<'py>) -> PyResult<Vec<Option<Bound<'py, PyAny>>>> {
        self.inner
            .docs()
            .iter()
            .map(|d| d.duplicate_of.map(|r| self.name(py, r)).transpose())
            .collect()
    }

    /// Estimated Jaccard similarity to `duplicate_of` (None for non-duplicates).
    #[getter]
    fn similarity(&self) -> Vec<Option<f64>> {
        self.inner
            .docs()
            .iter()
            .map(|d| d.duplicate_of.map(|_| f64::from(d.similarity)))
            .collect()
    }

    /// Exact Jaccard similarity to `duplicate_of`, when verified exactly (else None).
    #[getter]
    fn exact_similarity(&self) -> Vec<Option<f64>> {
        self.inner
            .docs()
            .iter()
            .map(|d| d.duplicate_of.and(d.exact_similarity.map(f64::from)))
            .collect()
    }

    /// True for documents whose normalised text equals that of `duplicate_of`.
    #[getter]
    fn exact_duplicate(&self) -> Vec<bool> {
        self.inner
            .docs()
            .iter()
            .map(|d| d.exact_duplicate)
            .collect()
    }

    /// True for the documents to keep: one per cluster.
    #[getter]
    fn keep(&self) -> Vec<bool> {
        self.inner.keep()
    }

    /// The verified pairs: `(id, id, estimated, exact or None)`.
    #[getter]
    fn edges<'py>(&self, py: Python<'py>) -> PyResult<Vec<PyEdge<'py>>> {
        self.inner
            .edges()
            .iter()
            .map(|e| {
                Ok((
                    self.name(py, e.a)?,
                    self.name(py, e.b)?,
                    f64::from(e.estimate),
                    e.exact.map(f64::from),
                ))
            })
            .collect()
    }

    /// Counts: documents, clusters, duplicates, exact duplicates, kept, largest cluster,
    /// candidate and verified pairs, cluster sizes.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.inner.stats())
    }

    /// The clusters for a higher threshold, without recomputing signatures.
    fn rethreshold(&self, py: Python<'_>, threshold: f64) -> PyResult<PyDedupResult> {
        let inner = detached(py, || self.inner.rethreshold(threshold))?;
        Ok(PyDedupResult {
            inner,
            ids: self.ids.as_ref().map(|i| i.clone_ref(py)),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.docs().len()
    }

    /// Rebuilds a result from `__reduce__`'s bytes and ids (checked again).
    #[classmethod]
    fn from_state<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
        data: Vec<u8>,
        ids: Option<Bound<'py, PyList>>,
    ) -> PyResult<Self> {
        let inner = detached(py, || Dedup::from_bytes(&data))?;
        if let Some(ids) = &ids {
            if ids.len() != inner.docs().len() {
                return Err(Error::serialization(format!(
                    "got {} ids for {} documents",
                    ids.len(),
                    inner.docs().len()
                ))
                .into());
            }
        }
        Ok(Self {
            inner,
            ids: ids.map(Bound::unbind),
        })
    }

    /// Pickles as `DedupResult.from_state(bytes, ids)`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<ResultReduce<'py>> {
        let py = slf.py();
        let this = slf.get();
        let bytes = py.detach(|| this.inner.to_bytes());
        let from_state = slf.get_type().getattr("from_state")?;
        let ids = this.ids.as_ref().map(|i| i.bind(py).clone());
        Ok((from_state, (PyBytes::new(py, &bytes), ids)))
    }

    fn __repr__(&self) -> String {
        let s = self.inner.stats();
        format!(
            "DedupResult(documents={}, clusters={}, duplicates={}, threshold={})",
            s.documents,
            s.clusters,
            s.duplicates,
            self.inner.threshold()
        )
    }
}

/// Signatures plus an LSH index: add documents, query new ones, save and load.
#[pyclass(name = "DedupIndex", module = "chaffless", frozen)]
pub(crate) struct PyDedupIndex {
    inner: RwLock<DedupIndex>,
    ids: Py<PyList>,
}

fn poisoned() -> Error {
    Error::input("the index is unusable: a call panicked while changing it")
}

impl PyDedupIndex {
    fn from_core(py: Python<'_>, index: DedupIndex, ids: Bound<'_, PyList>) -> PyResult<Self> {
        if ids.len() != index.len() {
            let msg = format!(
                "got {} ids for an index of {} documents",
                ids.len(),
                index.len()
            );
            return Err(Error::serialization(msg).into());
        }
        let _ = py;
        Ok(Self {
            inner: RwLock::new(index),
            ids: ids.unbind(),
        })
    }

    fn to_bytes_inner(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        detached(py, || {
            Ok(self.inner.read().map_err(|_| poisoned())?.to_bytes())
        })
    }
}

#[pymethods]
impl PyDedupIndex {
    /// Adds `texts` (named by `ids`, or by their numbers in the index).
    #[pyo3(signature = (texts, ids = None))]
    fn add<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let ids = check_ids(ids, texts.len())?;
        let first = detached(py, || {
            let mut index = self.inner.write().map_err(|_| poisoned())?;
            if !parallel_allowed() {
                index.set_num_threads(1)?;
            }
            Ok(index.add_batch(&texts) as usize)
        })?;
        let list = self.ids.bind(py);
        match ids {
            Some(ids) => {
                for id in ids.iter() {
                    list.append(id)?;
                }
            }
            None => {
                for i in 0..texts.len() {
                    list.append(first + i)?;
                }
            }
        }
        Ok(())
    }

    /// The indexed near-duplicates of each text: `[(id, similarity), ...]`, best first.
    fn query<'py>(&self, py: Python<'py>, texts: Vec<String>) -> PyResult<Vec<PyMatches<'py>>> {
        let found = detached(py, || {
            if !parallel_allowed() {
                self.inner
                    .write()
                    .map_err(|_| poisoned())?
                    .set_num_threads(1)?;
            }
            Ok(self
                .inner
                .read()
                .map_err(|_| poisoned())?
                .query_batch(&texts))
        })?;
        let ids = self.ids.bind(py);
        found
            .into_iter()
            .map(|ms| {
                ms.into_iter()
                    .map(|m| Ok((ids.get_item(m.doc as usize)?, f64::from(m.similarity))))
                    .collect()
            })
            .collect()
    }

    /// The configuration of the index.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let config = self.inner.read().map_err(|_| poisoned())?.config().clone();
        serde_to_py(py, &config)
    }

    /// The ids of the indexed documents, in order.
    #[getter]
    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.ids.bind(py).iter())
    }

    /// Bytes of state per indexed document (signatures, hashes, LSH tables).
    #[getter]
    fn bytes_per_document(&self) -> PyResult<f64> {
        Ok(self
            .inner
            .read()
            .map_err(|_| poisoned())?
            .bytes_per_document())
    }

    /// Writes the index to `path` (ids are not saved: keep them beside it).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let bytes = self.to_bytes_inner(py)?;
        detached(py, || write_atomic(&path, &bytes))
    }

    /// Reads an index written by `save`; its documents are named by their numbers unless
    /// `ids` are given.
    #[classmethod]
    #[pyo3(signature = (path, ids = None))]
    fn load<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
        path: PathBuf,
        ids: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let index = detached(py, || {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            DedupIndex::from_bytes(&bytes)
        })?;
        let ids = match check_ids(ids, index.len())? {
            Some(ids) => ids,
            None => PyList::new(py, 0..index.len())?,
        };
        Self::from_core(py, index, ids)
    }

    /// Rebuilds an index from `to_state()`'s bytes and ids (used by pickle).
    #[classmethod]
    fn from_state<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
        data: Vec<u8>,
        ids: Bound<'py, PyList>,
    ) -> PyResult<Self> {
        let index = detached(py, || DedupIndex::from_bytes(&data))?;
        Self::from_core(py, index, ids)
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.inner.read().map_err(|_| poisoned())?.len())
    }

    fn __repr__(&self) -> PyResult<String> {
        let index = self.inner.read().map_err(|_| poisoned())?;
        Ok(format!(
            "DedupIndex(documents={}, threshold={}, num_perm={})",
            index.len(),
            index.config().threshold,
            index.config().num_perm
        ))
    }

    /// Pickles as `DedupIndex.from_state(bytes, ids)`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<IndexReduce<'py>> {
        let py = slf.py();
        let bytes = slf.get().to_bytes_inner(py)?;
        let from_state = slf.get_type().getattr("from_state")?;
        Ok((from_state, (PyBytes::new(py, &bytes), slf.get().ids(py)?)))
    }
}

/// Finds the near-duplicates of the JSONL file `input` and writes `output` with cluster fields.
#[pyfunction]
#[pyo3(signature = (
    deduper, input, output, *, text_field = "text".to_string(), id_field = "id".to_string(),
    score_field = None, drop = false, rejects = None, progress = true
), text_signature = "(deduper, input, output, *, text_field='text', id_field='id', \
    score_field=None, drop=False, rejects=None, progress=True)")]
#[allow(clippy::too_many_arguments)]
fn dedup_jsonl<'py>(
    py: Python<'py>,
    deduper: &Bound<'py, PyDeduper>,
    input: PathBuf,
    output: PathBuf,
    text_field: String,
    id_field: String,
    score_field: Option<String>,
    drop: bool,
    rejects: Option<PathBuf>,
    progress: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let input = path_str(input, "input")?;
    let output = path_str(output, "output")?;
    let rejects = rejects.map(|p| path_str(p, "rejects")).transpose()?;
    let opts = DedupJsonlOptions {
        text_field,
        id_field,
        score_field,
        drop,
        rejects,
        progress,
        ..DedupJsonlOptions::default()
    };
    let inner = &deduper.get().inner;
    let summary = detached(py, || {
        with_threads(inner, |d| core_dedup_jsonl(d, &input, &output, &opts))
    })?;
    serde_to_py(py, &summary)
}

/// Adds the classes and functions of this file to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDeduper>()?;
    m.add_class::<PyDedupResult>()?;
    m.add_class::<PyDedupIndex>()?;
    m.add_function(wrap_pyfunction!(dedup_jsonl, m)?)?;
    Ok(())
}
