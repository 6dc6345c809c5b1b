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

use rayon::prelude::*;

use super::arrow::{
    binaries, bools, export_array, export_batch, float64s, int64_lists, int64s, record_batch,
    Column,
};
use super::config::{config_from_py, serde_to_py};
use super::{detached, detached_interruptible, parallel_allowed, path_str, write_atomic};
use crate::dedup::jsonl::{dedup_jsonl_with as core_dedup_jsonl, DedupJsonlOptions};
use crate::dedup::{Dedup, DedupConfig, DedupIndex, Deduper, Sketches};
use crate::error::{Error, Result};
use crate::minhash::similarity;
use crate::similarity::jaccard_sorted;

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

/// The rows of a column that must have no nulls.
fn no_nulls<'a>(rows: Vec<Option<&'a str>>, what: &str) -> Result<Vec<&'a str>> {
    rows.into_iter()
        .enumerate()
        .map(|(i, t)| t.ok_or_else(|| Error::input(format!("{what} has a null at row {i}"))))
        .collect()
}

/// The scores of an Arrow column, none null.
fn score_values(column: &Column) -> Result<Vec<f64>> {
    column
        .floats()?
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| Error::input(format!("scores has a null at row {i}"))))
        .collect()
}

/// The per-document outcome of `result` as a record batch of row numbers.
fn clusters_batch(result: &Dedup) -> Result<arrow_array::RecordBatch> {
    let docs = result.docs();
    record_batch(vec![
        (
            "cluster",
            int64s(docs.iter().map(|d| Some(i64::from(d.cluster)))),
        ),
        (
            "duplicate_of",
            int64s(docs.iter().map(|d| d.duplicate_of.map(i64::from))),
        ),
        (
            "similarity",
            float64s(
                docs.iter()
                    .map(|d| d.duplicate_of.map(|_| f64::from(d.similarity))),
            ),
        ),
        (
            "exact_duplicate",
            bools(docs.iter().map(|d| Some(d.exact_duplicate))),
        ),
        (
            "keep",
            bools(docs.iter().map(|d| Some(d.duplicate_of.is_none()))),
        ),
    ])
}

/// A signature from its little-endian bytes.
fn slots(bytes: &[u8], num_perm: usize) -> Result<Vec<u32>> {
    if bytes.len() != num_perm * 4 {
        return Err(Error::input(format!(
            "a signature of {num_perm} slots has {} bytes, got {}",
            num_perm * 4,
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
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

    /// The estimate margin in force: pairs whose estimated Jaccard is at least
    /// `threshold - margin` pass verification (see `estimate_margin`).
    #[getter]
    fn margin(&self) -> f64 {
        self.inner.config().margin()
    }

    /// Sketches of an Arrow string column, as a record batch (for engines that schedule the
    /// steps of `dedup` themselves): `signature` (binary, `num_perm` little-endian `uint32`),
    /// `exact_hash` (binary, 16 bytes big-endian: the hash of the normalised text),
    /// `shingles` and `length` (int64: shingle count, UTF-8 bytes) and `band_keys`
    /// (`list<int64>`: the LSH band hashes, one per band of each banding, as signed 64-bit
    /// values).
    fn sketch_arrow<'py>(&self, texts: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = texts.py();
        let column = Column::extract(texts, "texts")?;
        let batch = detached(py, || {
            let rows = no_nulls(column.strs()?, "texts")?;
            let sketches = with_threads(&self.inner, |d| Ok(d.sketch_batch(&rows)))?;
            let params = self.inner.lsh_params();
            let n = sketches.len();
            let sigs: Vec<Vec<u8>> = (0..n)
                .map(|i| {
                    sketches
                        .signature(i)
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect()
                })
                .collect();
            let hashes: Vec<[u8; 16]> = (0..n)
                .map(|i| sketches.exact_hash(i).to_be_bytes())
                .collect();
            let keys = (0..n).map(|i| {
                let mut out = Vec::with_capacity(2 * params.bands);
                self.inner.band_keys(sketches.signature(i), &mut out);
                Some(out.into_iter().map(|k| k as i64).collect())
            });
            record_batch(vec![
                (
                    "signature",
                    binaries(sigs.iter().map(|s| Some(s.as_slice()))),
                ),
                (
                    "exact_hash",
                    binaries(hashes.iter().map(|h| Some(h.as_slice()))),
                ),
                (
                    "shingles",
                    int64s((0..n).map(|i| Some(i64::from(sketches.shingle_count(i))))),
                ),
                (
                    "length",
                    int64s((0..n).map(|i| Some(sketches.text_len(i) as i64))),
                ),
                ("band_keys", int64_lists(keys)),
            ])
        })?;
        export_batch(py, batch)
    }

    /// Estimated Jaccard similarity of the signatures of two Arrow binary columns (from
    /// `sketch_arrow`), row by row: a `float64` array.
    fn similarity_arrow<'py>(
        &self,
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = a.py();
        let (a, b) = (Column::extract(a, "a")?, Column::extract(b, "b")?);
        let num_perm = self.inner.config().num_perm;
        let array = detached(py, || {
            let (a, b) = (a.bytes()?, b.bytes()?);
            if a.len() != b.len() {
                return Err(Error::input(format!(
                    "got {} and {} signatures",
                    a.len(),
                    b.len()
                )));
            }
            let values = a
                .iter()
                .zip(&b)
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) => {
                        let (x, y) = (slots(x, num_perm)?, slots(y, num_perm)?);
                        Ok(Some(similarity(&x, &y)))
                    }
                    _ => Ok(None),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(float64s(values))
        })?;
        export_array(py, array)
    }

    /// Exact Jaccard similarity of the shingle sets of two Arrow string columns, row by row
    /// (the check `exact=True` makes): a `float64` array.
    fn exact_similarity_arrow<'py>(
        &self,
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = a.py();
        let (a, b) = (Column::extract(a, "a")?, Column::extract(b, "b")?);
        let array = detached(py, || {
            let (a, b) = (a.strs()?, b.strs()?);
            if a.len() != b.len() {
                return Err(Error::input(format!(
                    "got {} and {} texts",
                    a.len(),
                    b.len()
                )));
            }
            let hasher = self.inner.hasher();
            let pairs: Vec<(Option<&str>, Option<&str>)> = a.into_iter().zip(b).collect();
            let values: Vec<Option<f64>> = with_threads(&self.inner, |d| {
                Ok(d.install(|| {
                    pairs
                        .par_iter()
                        .map(|(x, y)| {
                            let (x, y) = ((*x)?, (*y)?);
                            Some(jaccard_sorted(
                                &hasher.shingle_set(x),
                                &hasher.shingle_set(y),
                            ))
                        })
                        .collect()
                }))
            })?;
            Ok(float64s(values))
        })?;
        export_array(py, array)
    }

    /// `dedup` on an Arrow string column, as a record batch of row numbers: `cluster`
    /// (int64, the representative's row), `duplicate_of` (int64 or null), `similarity`
    /// (float64 or null), `exact_duplicate` and `keep` (bool). `scores` (an Arrow numeric
    /// column) feed the `score` representative rule. With `stats`, `(batch, stats)` where
    /// `stats` is `DedupResult.stats`.
    #[pyo3(signature = (texts, *, scores = None, stats = false))]
    fn dedup_arrow<'py>(
        &self,
        texts: &Bound<'py, PyAny>,
        scores: Option<&Bound<'py, PyAny>>,
        stats: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = texts.py();
        let column = Column::extract(texts, "texts")?;
        let scores = scores
            .filter(|s| !s.is_none())
            .map(|s| Column::extract(s, "scores"))
            .transpose()?;
        let batch = detached(py, || {
            let rows = no_nulls(column.strs()?, "texts")?;
            let scores = scores.as_ref().map(score_values).transpose()?;
            let result = with_threads(&self.inner, |d| d.dedup(&rows, scores.as_deref()))?;
            Ok((clusters_batch(&result)?, result.stats()))
        })?;
        let (batch, counts) = batch;
        let batch = export_batch(py, batch)?;
        if !stats {
            return Ok(batch);
        }
        Ok((batch, serde_to_py(py, &counts)?)
            .into_pyobject(py)?
            .into_any())
    }

    /// `dedup_arrow` from the columns of `sketch_arrow` (sketched elsewhere, e.g. one shard
    /// per worker, concatenated in input order): no text is read, so `exact=True` is refused.
    #[pyo3(signature = (signature, exact_hash, shingles, length, *, scores = None))]
    fn cluster_arrow<'py>(
        &self,
        signature: &Bound<'py, PyAny>,
        exact_hash: &Bound<'py, PyAny>,
        shingles: &Bound<'py, PyAny>,
        length: &Bound<'py, PyAny>,
        scores: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = signature.py();
        if self.inner.config().exact {
            let msg = "cluster_arrow cannot verify exactly (it has no texts): use dedup_arrow, \
                       or exact=False";
            return Err(Error::config(msg).into());
        }
        let sigs = Column::extract(signature, "signature")?;
        let hashes = Column::extract(exact_hash, "exact_hash")?;
        let counts = Column::extract(shingles, "shingles")?;
        let lengths = Column::extract(length, "length")?;
        let scores = scores
            .filter(|s| !s.is_none())
            .map(|s| Column::extract(s, "scores"))
            .transpose()?;
        let num_perm = self.inner.config().num_perm;
        let batch = detached(py, || {
            let sigs = sigs.bytes()?;
            let hashes = hashes.bytes()?;
            let counts = counts.floats()?;
            let lengths = lengths.floats()?;
            let n = sigs.len();
            if hashes.len() != n || counts.len() != n || lengths.len() != n {
                return Err(Error::input("sketch columns differ in length"));
            }
            let mut sketches = Sketches::new(num_perm);
            for i in 0..n {
                let bad = || Error::input(format!("sketch row {i} has a null or a bad value"));
                let sig = slots(sigs[i].ok_or_else(bad)?, num_perm)?;
                let hash: [u8; 16] = hashes[i].ok_or_else(bad)?.try_into().map_err(|_| bad())?;
                let count = counts[i].ok_or_else(bad)?;
                let len = lengths[i].ok_or_else(bad)?;
                sketches.push(
                    &sig,
                    u128::from_be_bytes(hash),
                    count as usize,
                    len as usize,
                );
            }
            let scores = scores.as_ref().map(score_values).transpose()?;
            let result = with_threads(&self.inner, |d| {
                d.cluster(sketches, scores.as_deref(), |_| Ok(Default::default()))
            })?;
            clusters_batch(&result)
        })?;
        export_batch(py, batch)
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
    let summary = detached_interruptible(py, |check| {
        with_threads(inner, |d| {
            core_dedup_jsonl(d, &input, &output, &opts, check)
        })
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
