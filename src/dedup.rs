//! Near-duplicate documents: exact duplicates, MinHash + LSH candidates, verification,
//! clusters with representatives and evidence.
//!
//! [`Deduper::dedup`] runs, on all cores:
//!
//! 1. **Sketches**: one pass per document gives its [MinHash signature](crate::minhash), the
//!    128-bit hash of its normalised text and its shingle count.
//! 2. **Exact duplicates**: documents with the same normalised text form a group at no further
//!    cost; only each group's leader (its best document by the representative rule) goes on.
//! 3. **Candidates**: leaders sharing an [LSH band](crate::lsh) (bands and rows from the
//!    threshold, or given).
//! 4. **Verification**: a candidate pair becomes an edge when its estimated Jaccard (share of
//!    equal signature slots) is at least `threshold - estimate_margin` — the margin (about two
//!    standard errors by default) keeps pairs just above the threshold whose estimate fell a
//!    little short — and, with `exact`, when the exact Jaccard of the two shingle sets is at
//!    least `threshold`. Exact sets are computed only for documents in candidate pairs.
//! 5. **Clusters** over the edges, either
//!    - [`ClusterMode::UnionFind`]: connected components; pages can join through a chain of
//!      near-duplicates, or
//!    - [`ClusterMode::Star`]: leaders are taken in representative order; each one not yet
//!      placed starts a cluster and takes every unplaced leader it has a verified edge with.
//!      Every member is verified against its representative, so unrelated pages are never
//!      chained.
//!
//!    A cluster's **representative** is its best member by the [`Representative`] rule: the
//!    first in input order, the longest text, or the highest score (ties: the content hash,
//!    then input order).
//! 6. **Evidence**: every duplicate names the document it duplicates (`duplicate_of`) with
//!    their estimated Jaccard (and the exact one with `exact`), and that pair is always a
//!    verified pair: a star member names its representative; a union-find member, its best
//!    neighbour one step closer to the representative (chained members are not
//!    near-duplicates of the representative, so naming it would report pairs that were never
//!    verified); an exact duplicate names what its first copy names, or that copy when it is
//!    the representative. `cluster` names the
//!    representative, the one document of the cluster that `drop` keeps.
//!    [`Dedup::rethreshold`] re-derives clusters for a higher threshold from the stored edges,
//!    without touching the texts.
//!
//! Everything is deterministic: signatures are pure functions of the text, edges are sorted,
//! and ties are broken by content then position, so the clusters do not depend on the thread
//! count, and (except for the `first` rule, which is defined by position, in star mode) not on
//! the input order either.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::config::{check_fraction, check_range, check_unit};
use crate::error::{Error, Result};
use crate::lsh::{banded_hashes, optimal_params, LshIndex, LshParams, Reader, MAX_BANDINGS};
use crate::minhash::{similarity, MinHashConfig, MinHasher, Scratch, ShingleKind};
use crate::similarity::jaccard_sorted;

pub mod jsonl;

/// How verified edges become clusters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClusterMode {
    /// Connected components of the verified edges. The default.
    #[default]
    UnionFind,
    /// Each member verified against its cluster's representative: no chaining.
    Star,
}

/// Which member represents (and is kept for) a cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Representative {
    /// The first in input order. The default.
    #[default]
    First,
    /// The longest text (UTF-8 bytes).
    Longest,
    /// The highest score (a score per document must be given).
    Score,
}

/// Settings of near-duplicate detection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DedupConfig {
    /// Jaccard similarity (of shingle sets) from which two documents are near-duplicates.
    /// Default 0.8.
    pub threshold: f64,
    /// MinHash slots per signature. Default 128.
    pub num_perm: usize,
    /// Tokens per shingle. Default 5.
    pub ngram: usize,
    /// Seed of the shingle hashes. Default 0.
    pub seed: u64,
    /// Word or char shingles, or chosen per document. Default `auto`.
    pub shingle: ShingleKind,
    /// LSH bands; `None` (default) chooses bands and rows from the threshold. Given alone,
    /// rows is `num_perm / bands`.
    pub bands: Option<usize>,
    /// LSH rows per band; `None` (default) chooses them. Given alone, bands is
    /// `num_perm / rows`.
    pub rows: Option<usize>,
    /// Weight of false positives when choosing bands and rows. Default 0.1: candidates are
    /// verified, so a false positive costs only time.
    pub false_positive_weight: f64,
    /// Weight of false negatives when choosing bands and rows. Default 0.9: a false negative
    /// is a duplicate lost. (At 0.8 and 128 permutations: 14 bands × 9 rows, which makes a
    /// pair of similarity 0.8 a candidate with probability 0.87, 0.9 with 0.999.)
    pub false_negative_weight: f64,
    /// Bandings of the signature in the LSH index: 1, the `bands` contiguous bands alone, or
    /// 2 (default), also the same slots grouped by stride (band `b` holds slots `b`,
    /// `b + bands`, ...; see [`crate::lsh`]). The second banding finds most of the pairs above
    /// the threshold the first one misses (at 16 × 8 and similarity 0.8: 0.7% missed instead
    /// of 5.3%) for one more band hash and 12 bytes per band and document; `bands` and `rows`
    /// are chosen as for one banding.
    pub bandings: usize,
    /// Verify candidate pairs by the exact Jaccard of their shingle sets. Default false.
    pub exact: bool,
    /// How far below the threshold an estimated Jaccard may be for a pair to be kept (with
    /// `exact`, to be checked exactly). `None` (default): two standard errors of the estimate
    /// at the threshold, `2·sqrt(t(1 - t) / num_perm)`.
    pub estimate_margin: Option<f64>,
    /// Union-find or star clusters. Default union-find.
    pub mode: ClusterMode,
    /// Representative rule. Default `first`.
    pub representative: Representative,
    /// LSH buckets larger than this give a bounded number of pairs per member. Default 1000.
    pub max_bucket: usize,
    /// Worker threads; 0 (default) is one per core.
    pub num_threads: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            threshold: 0.8,
            num_perm: 128,
            ngram: 5,
            seed: 0,
            shingle: ShingleKind::Auto,
            bands: None,
            rows: None,
            false_positive_weight: 0.1,
            false_negative_weight: 0.9,
            bandings: 2,
            exact: false,
            estimate_margin: None,
            mode: ClusterMode::UnionFind,
            representative: Representative::First,
            max_bucket: 1000,
            num_threads: 0,
        }
    }
}

impl DedupConfig {
    /// Parses a configuration from JSON and validates it.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for bad JSON, unknown keys or values
    /// out of range.
    pub fn from_json(json: &str) -> Result<Self> {
        crate::config::parse_json(json, Self::validate)
    }

    /// The MinHash part of the configuration.
    #[must_use]
    pub fn minhash(&self) -> MinHashConfig {
        MinHashConfig {
            num_perm: self.num_perm,
            ngram: self.ngram,
            seed: self.seed,
            shingle: self.shingle,
        }
    }

    /// The estimate margin in force (see [`estimate_margin`](Self::estimate_margin)).
    #[must_use]
    pub fn margin(&self) -> f64 {
        self.estimate_margin.unwrap_or_else(|| {
            let t = self.threshold;
            2.0 * (t * (1.0 - t) / self.num_perm.max(1) as f64).sqrt()
        })
    }

    /// The LSH banding: given, or chosen from the threshold.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when given bands and rows do not fit.
    pub fn lsh_params(&self) -> Result<LshParams> {
        let n = self.num_perm;
        let params = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => LshParams { bands, rows },
            (Some(bands), None) => LshParams {
                bands,
                rows: n / bands.max(1),
            },
            (None, Some(rows)) => LshParams {
                bands: n / rows.max(1),
                rows,
            },
            (None, None) => optimal_params(
                self.threshold,
                n,
                self.false_positive_weight,
                self.false_negative_weight,
            ),
        };
        params.validate(n)?;
        Ok(params)
    }

    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        self.validated_params().map(|_| ())
    }

    /// The floor an estimated Jaccard must reach, at `threshold`, for a pair to be kept:
    /// `threshold - margin` (see [`estimate_margin`](Self::estimate_margin)). Clustering,
    /// [`Dedup::rethreshold`] and [`DedupIndex::query_batch`] all use it.
    #[must_use]
    pub fn estimate_floor(&self, threshold: f64) -> f64 {
        threshold - self.margin() - 1e-9
    }

    /// [`validate`](Self::validate), returning the LSH banding (chosen once: choosing is an
    /// optimisation over every banding).
    fn validated_params(&self) -> Result<LshParams> {
        check_unit("threshold", self.threshold)?;
        self.minhash().validate()?;
        for (name, w) in [
            ("false_positive_weight", self.false_positive_weight),
            ("false_negative_weight", self.false_negative_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::config(format!("{name} must be at least 0, got {w}")));
            }
        }
        if let Some(m) = self.estimate_margin {
            check_fraction("estimate_margin", m)?;
        }
        check_range("bandings", self.bandings, 1, MAX_BANDINGS)?;
        if self.max_bucket < 2 {
            return Err(Error::config(format!(
                "max_bucket must be at least 2, got {}",
                self.max_bucket
            )));
        }
        self.lsh_params()
    }
}

/// Sketches of many documents, stored flat: `num_perm` slots per document in one array.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketches {
    num_perm: usize,
    signatures: Vec<u32>,
    exact: Vec<u128>,
    shingles: Vec<u32>,
    lengths: Vec<u64>,
}

impl Sketches {
    /// No documents, signatures of `num_perm` slots.
    #[must_use]
    pub fn new(num_perm: usize) -> Self {
        Self {
            num_perm,
            ..Self::default()
        }
    }

    /// Number of documents.
    #[must_use]
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    /// True when there is no document.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Slots per signature.
    #[must_use]
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The signature of document `i`.
    ///
    /// # Panics
    /// If `i` is out of range.
    #[must_use]
    pub fn signature(&self, i: usize) -> &[u32] {
        &self.signatures[i * self.num_perm..(i + 1) * self.num_perm]
    }

    /// Every signature, one after the other (row-major `len × num_perm`).
    #[must_use]
    pub fn signatures(&self) -> &[u32] {
        &self.signatures
    }

    /// The hash of document `i`'s normalised text.
    #[must_use]
    pub fn exact_hash(&self, i: usize) -> u128 {
        self.exact[i]
    }

    /// The shingle count of document `i`.
    #[must_use]
    pub fn shingle_count(&self, i: usize) -> u32 {
        self.shingles[i]
    }

    /// The text length (UTF-8 bytes) of document `i`.
    #[must_use]
    pub fn text_len(&self, i: usize) -> u64 {
        self.lengths[i]
    }

    /// Adds one document's sketch.
    ///
    /// # Panics
    /// If `signature` does not have `num_perm` slots.
    pub fn push(&mut self, signature: &[u32], exact: u128, shingles: usize, text_len: usize) {
        assert_eq!(signature.len(), self.num_perm, "signature length");
        self.signatures.extend_from_slice(signature);
        self.exact.push(exact);
        self.shingles
            .push(u32::try_from(shingles).unwrap_or(u32::MAX));
        self.lengths.push(text_len as u64);
    }

    /// Appends every document of `other` (same `num_perm`).
    pub fn append(&mut self, other: &Sketches) {
        self.signatures.extend_from_slice(&other.signatures);
        self.exact.extend_from_slice(&other.exact);
        self.shingles.extend_from_slice(&other.shingles);
        self.lengths.extend_from_slice(&other.lengths);
    }

    /// Appends the sketches to `out`, little-endian: count, signatures, hashes, shingle counts,
    /// lengths.
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for v in &self.signatures {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.exact {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.shingles {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.lengths {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// Reads what [`write_to`](Self::write_to) wrote.
    fn read_from(r: &mut Reader<'_>, num_perm: usize) -> Result<Self> {
        let n = r.usize()?;
        if n.checked_mul(num_perm * 4 + 28)
            .map_or(true, |b| b > r.bytes.len() - r.at)
        {
            return Err(Error::serialization("truncated data"));
        }
        Ok(Self {
            num_perm,
            signatures: (0..n * num_perm).map(|_| r.u32()).collect::<Result<_>>()?,
            exact: (0..n)
                .map(|_| {
                    let lo = r.u64()?;
                    let hi = r.u64()?;
                    Ok(u128::from(lo) | (u128::from(hi) << 64))
                })
                .collect::<Result<_>>()?,
            shingles: (0..n).map(|_| r.u32()).collect::<Result<_>>()?,
            lengths: (0..n).map(|_| r.u64()).collect::<Result<_>>()?,
        })
    }

    /// Bytes held per document: signature, exact hash, shingle count and length.
    #[must_use]
    pub fn bytes_per_document(&self) -> usize {
        self.num_perm * 4 + 16 + 4 + 8
    }
}

/// A verified pair of documents (numbers of exact-duplicate group leaders, `a < b`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The smaller document number.
    pub a: u32,
    /// The larger document number.
    pub b: u32,
    /// Estimated Jaccard similarity (share of equal signature slots).
    pub estimate: f32,
    /// Exact Jaccard similarity of the shingle sets, when verified exactly.
    pub exact: Option<f32>,
}

/// The outcome for one document.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    /// The cluster: the number of its representative.
    pub cluster: u32,
    /// The document this one was verified to duplicate (see the [module docs](self), step
    /// 6): the representative in star mode, possibly another member in union-find mode;
    /// `None` for a representative (or a document alone in its cluster).
    pub duplicate_of: Option<u32>,
    /// Estimated Jaccard similarity to `duplicate_of` (1 for a representative and for exact
    /// duplicates).
    pub similarity: f32,
    /// Exact Jaccard similarity to `duplicate_of`, with exact verification.
    pub exact_similarity: Option<f32>,
    /// True when the normalised text equals that of `duplicate_of`.
    pub exact_duplicate: bool,
}

/// Summary counts of a [`Dedup`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupStats {
    /// Documents given.
    pub documents: u64,
    /// Clusters with more than one document.
    pub clusters: u64,
    /// Documents that duplicate a representative (the ones `drop` removes).
    pub duplicates: u64,
    /// Of those, exact duplicates (same normalised text as the representative).
    pub exact_duplicates: u64,
    /// Documents left after dropping duplicates.
    pub kept: u64,
    /// Size of the largest cluster.
    pub largest_cluster: u64,
    /// LSH candidate pairs (between exact-duplicate group leaders).
    pub candidate_pairs: u64,
    /// Candidate pairs that passed verification.
    pub verified_pairs: u64,
    /// Cluster sizes: `[size, count]`, by size.
    pub cluster_sizes: Vec<(u64, u64)>,
}

/// Clusters of near-duplicates, with the evidence behind them.
#[derive(Clone, Debug)]
pub struct Dedup {
    config: DedupConfig,
    threshold: f64,
    docs: Vec<DocResult>,
    edges: Vec<Edge>,
    leader: Vec<u32>,
    rank: Vec<u32>,
    sketches: Arc<Sketches>,
    candidate_pairs: u64,
}

impl Dedup {
    /// One result per document, in input order.
    #[must_use]
    pub fn docs(&self) -> &[DocResult] {
        &self.docs
    }

    /// The threshold these clusters were made for.
    #[must_use]
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The verified edges (between exact-duplicate group leaders), sorted.
    #[must_use]
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The sketches the clusters were made from.
    #[must_use]
    pub fn sketches(&self) -> &Sketches {
        &self.sketches
    }

    /// True for the documents to keep when dropping duplicates: one per cluster.
    #[must_use]
    pub fn keep(&self) -> Vec<bool> {
        self.docs.iter().map(|d| d.duplicate_of.is_none()).collect()
    }

    /// Summary counts.
    #[must_use]
    pub fn stats(&self) -> DedupStats {
        let mut sizes: FxHashMap<u32, u64> = FxHashMap::default();
        for d in &self.docs {
            *sizes.entry(d.cluster).or_default() += 1;
        }
        let mut hist: FxHashMap<u64, u64> = FxHashMap::default();
        for &s in sizes.values() {
            if s > 1 {
                *hist.entry(s).or_default() += 1;
            }
        }
        let mut cluster_sizes: Vec<(u64, u64)> = hist.into_iter().collect();
        cluster_sizes.sort_unstable();
        let duplicates = self
            .docs
            .iter()
            .filter(|d| d.duplicate_of.is_some())
            .count() as u64;
        DedupStats {
            documents: self.docs.len() as u64,
            clusters: cluster_sizes.iter().map(|&(_, c)| c).sum(),
            duplicates,
            exact_duplicates: self.docs.iter().filter(|d| d.exact_duplicate).count() as u64,
            kept: self.docs.len() as u64 - duplicates,
            largest_cluster: sizes.values().copied().max().unwrap_or(0),
            candidate_pairs: self.candidate_pairs,
            verified_pairs: self.edges.len() as u64,
            cluster_sizes,
        }
    }

    /// The clusters for a higher threshold, from the stored edges and signatures (no text is
    /// read, no signature recomputed). Exact similarities to a new representative are known
    /// when that pair was verified exactly.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `threshold` is not in
    /// `[self.threshold(), 1]`: lower thresholds need pairs that were never verified.
    pub fn rethreshold(&self, threshold: f64) -> Result<Dedup> {
        if !(threshold >= self.threshold && threshold <= 1.0) {
            return Err(Error::config(format!(
                "threshold must be in [{}, 1] (the threshold the edges were verified at), got \
                 {threshold}",
                self.threshold
            )));
        }
        let floor = self.config.estimate_floor(threshold);
        let edges: Vec<Edge> = self
            .edges
            .iter()
            .filter(|e| passes(e, threshold, floor))
            .copied()
            .collect();
        let mut out = build(
            &self.config,
            threshold,
            &self.sketches,
            &self.leader,
            &self.rank,
            edges,
        );
        out.candidate_pairs = self.candidate_pairs;
        Ok(out)
    }
}

const DEDUP_MAGIC: &[u8; 8] = b"CHAFDUP1";

/// The parts of a [`Dedup`] its clusters are derived from.
#[derive(Serialize, Deserialize)]
struct DedupState {
    config: DedupConfig,
    threshold: f64,
    edges: Vec<Edge>,
    leader: Vec<u32>,
    rank: Vec<u32>,
    candidate_pairs: u64,
}

impl Dedup {
    /// The result as bytes: what its clusters are derived from (configuration, edges, exact
    /// duplicate groups and representative order as JSON, then the sketches, little-endian).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let state = DedupState {
            config: self.config.clone(),
            threshold: self.threshold,
            edges: self.edges.clone(),
            leader: self.leader.clone(),
            rank: self.rank.clone(),
            candidate_pairs: self.candidate_pairs,
        };
        let head = serde_json::to_vec(&state).unwrap_or_default();
        let s = &self.sketches;
        let mut out = Vec::with_capacity(head.len() + s.len() * (s.bytes_per_document() + 8));
        out.extend_from_slice(DEDUP_MAGIC);
        out.extend_from_slice(&(head.len() as u64).to_le_bytes());
        out.extend_from_slice(&head);
        s.write_to(&mut out);
        out
    }

    /// Reads a result written by [`to_bytes`](Self::to_bytes): everything is checked again
    /// and the clusters are derived anew.
    ///
    /// # Errors
    /// [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) when the bytes are not a
    /// result or are damaged.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |what: &str| Error::serialization(format!("invalid dedup result: {what}"));
        let mut r = Reader { bytes, at: 0 };
        if r.take(8).ok() != Some(&DEDUP_MAGIC[..]) {
            return Err(Error::serialization("not a chaffless dedup result"));
        }
        let hlen = r.usize()?;
        let state: DedupState =
            serde_json::from_slice(r.take(hlen)?).map_err(|e| bad(&e.to_string()))?;
        state.config.validate().map_err(|e| bad(&e.to_string()))?;
        let sketches = Sketches::read_from(&mut r, state.config.num_perm)?;
        let n = sketches.len();
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        let mut seen = vec![false; n];
        for &k in &state.rank {
            match seen.get_mut(k as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(bad("rank is not a permutation")),
            }
        }
        // A leader leads itself; every document's leader is one.
        let leads = |l: u32| state.leader.get(l as usize) == Some(&l);
        let edge_ok = |e: &Edge| e.a < e.b && leads(e.a) && leads(e.b);
        if state.rank.len() != n
            || state.leader.len() != n
            || !state.leader.iter().all(|&l| leads(l))
            || !state.edges.iter().all(edge_ok)
            || !(state.threshold >= state.config.threshold && state.threshold <= 1.0)
        {
            return Err(bad("parts do not fit together"));
        }
        let mut out = build(
            &state.config,
            state.threshold,
            &Arc::new(sketches),
            &state.leader,
            &state.rank,
            state.edges,
        );
        out.candidate_pairs = state.candidate_pairs;
        Ok(out)
    }
}

fn passes(e: &Edge, threshold: f64, floor: f64) -> bool {
    f64::from(e.estimate) >= floor && e.exact.map_or(true, |x| f64::from(x) >= threshold - 1e-9)
}

/// A disjoint-set forest whose root is always the member of smallest rank.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut x = x;
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    fn union(&mut self, a: u32, b: u32, rank: &[u32]) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if rank[ra as usize] < rank[rb as usize] {
            self.parent[rb as usize] = ra;
        } else {
            self.parent[ra as usize] = rb;
        }
    }
}

/// Clusters from verified edges (see the module docs), with the per-document evidence.
fn build(
    config: &DedupConfig,
    threshold: f64,
    sketches: &Arc<Sketches>,
    leader: &[u32],
    rank: &[u32],
    edges: Vec<Edge>,
) -> Dedup {
    let n = leader.len();
    // The representative of each leader.
    let mut rep: Vec<u32> = (0..n as u32).collect();
    match config.mode {
        ClusterMode::UnionFind => {
            let mut uf = UnionFind::new(n);
            for e in &edges {
                uf.union(e.a, e.b, rank);
            }
            for i in 0..n as u32 {
                rep[i as usize] = uf.find(i);
            }
        }
        ClusterMode::Star => {
            let mut adj: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
            for e in &edges {
                adj.entry(e.a).or_default().push(e.b);
                adj.entry(e.b).or_default().push(e.a);
            }
            let mut nodes: Vec<u32> = adj.keys().copied().collect();
            nodes.sort_unstable_by_key(|&d| rank[d as usize]);
            let mut placed = vec![false; n];
            for c in nodes {
                if placed[c as usize] {
                    continue;
                }
                placed[c as usize] = true;
                for &m in &adj[&c] {
                    if !placed[m as usize] {
                        placed[m as usize] = true;
                        rep[m as usize] = c;
                    }
                }
            }
        }
    }
    let link = links(&edges, &rep, rank);
    let docs = (0..n)
        .map(|i| {
            let l = leader[i];
            let r = rep[l as usize];
            if i as u32 != l && l == r {
                // An exact duplicate of the representative.
                return DocResult {
                    cluster: r,
                    duplicate_of: Some(l),
                    similarity: 1.0,
                    exact_similarity: Some(1.0),
                    exact_duplicate: true,
                };
            }
            // A leader, or an exact duplicate of one: the same text has the same link.
            match link.get(&l) {
                Some(e) => DocResult {
                    cluster: r,
                    duplicate_of: Some(if e.a == l { e.b } else { e.a }),
                    similarity: e.estimate,
                    exact_similarity: e.exact,
                    exact_duplicate: false,
                },
                None => DocResult {
                    cluster: r,
                    duplicate_of: None,
                    similarity: 1.0,
                    exact_similarity: config.exact.then_some(1.0),
                    exact_duplicate: false,
                },
            }
        })
        .collect();
    Dedup {
        config: config.clone(),
        threshold,
        docs,
        edges,
        leader: leader.to_vec(),
        rank: rank.to_vec(),
        sketches: Arc::clone(sketches),
        candidate_pairs: 0,
    }
}

/// The verified edge that links each clustered leader (other than a representative) to its
/// cluster: a shortest path of verified edges leads from every member to its representative,
/// and each member's link is its best edge (highest similarity, exact when known, then best
/// rank) one step closer along such a path. So every reported pair is itself verified, even
/// when union-find chained the member to a representative it is not similar to. In star mode
/// every member's link is its edge to the representative.
fn links(edges: &[Edge], rep: &[u32], rank: &[u32]) -> FxHashMap<u32, Edge> {
    let mut adj: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (k, e) in edges.iter().enumerate() {
        if rep[e.a as usize] == rep[e.b as usize] {
            adj.entry(e.a).or_default().push(k);
            adj.entry(e.b).or_default().push(k);
        }
    }
    // Hops to the representative, breadth first from each representative.
    let mut hops: FxHashMap<u32, u32> = FxHashMap::default();
    let mut reps: Vec<u32> = adj
        .keys()
        .copied()
        .filter(|&d| rep[d as usize] == d)
        .collect();
    reps.sort_unstable();
    let mut queue = std::collections::VecDeque::new();
    for r in reps {
        hops.insert(r, 0);
        queue.push_back(r);
        while let Some(u) = queue.pop_front() {
            let h = hops[&u];
            for &k in &adj[&u] {
                let e = &edges[k];
                let v = if e.a == u { e.b } else { e.a };
                if let std::collections::hash_map::Entry::Vacant(slot) = hops.entry(v) {
                    slot.insert(h + 1);
                    queue.push_back(v);
                }
            }
        }
    }
    let weight = |e: &Edge| e.exact.unwrap_or(e.estimate);
    let mut out = FxHashMap::default();
    for (&v, ks) in &adj {
        let Some(&h) = hops.get(&v) else { continue };
        if h == 0 {
            continue;
        }
        let best = ks
            .iter()
            .map(|&k| &edges[k])
            .filter(|e| {
                let u = if e.a == v { e.b } else { e.a };
                hops.get(&u) == Some(&(h - 1))
            })
            .max_by(|x, y| {
                let (ux, uy) = (
                    if x.a == v { x.b } else { x.a },
                    if y.a == v { y.b } else { y.a },
                );
                weight(x)
                    .total_cmp(&weight(y))
                    .then(rank[uy as usize].cmp(&rank[ux as usize]))
            });
        if let Some(e) = best {
            out.insert(v, *e);
        }
    }
    out
}

/// Finds near-duplicate documents with one validated [`DedupConfig`].
///
/// # Example
/// ```
/// use chaffless::dedup::{DedupConfig, Deduper};
///
/// let story = "The harbour will stay closed until Friday after the storm damaged two piers, \
///     the port authority said on Monday, and ferries to the islands are cancelled until \
///     further notice while engineers inspect the damage to the old sea wall.";
/// let texts = [
///     story.to_string(),
///     "Weather: sunny spells all week, with light winds from the west.".to_string(),
///     format!("{story} Share this article"),
///     story.to_uppercase(),
/// ];
/// let deduper = Deduper::new(DedupConfig::default())?;
/// let result = deduper.dedup(&texts, None)?;
/// let docs = result.docs();
/// assert_eq!(docs[0].duplicate_of, None);
/// assert_eq!(docs[1].duplicate_of, None);
/// assert_eq!(docs[2].duplicate_of, Some(0));
/// assert!(docs[2].similarity > 0.8);
/// assert!(docs[3].exact_duplicate);
/// assert_eq!(result.stats().duplicates, 2);
/// # Ok::<(), chaffless::Error>(())
/// ```
#[derive(Debug)]
pub struct Deduper {
    config: DedupConfig,
    hasher: MinHasher,
    params: LshParams,
    pool: Option<rayon::ThreadPool>,
}

impl Deduper {
    /// Validates `config`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first bad field.
    pub fn new(config: DedupConfig) -> Result<Self> {
        let params = config.validated_params()?;
        let hasher = MinHasher::new(config.minhash())?;
        let pool = if config.num_threads == 0 {
            None
        } else {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(config.num_threads)
                    .build()
                    .map_err(|e| Error::config(format!("cannot start threads: {e}")))?,
            )
        };
        Ok(Self {
            config,
            hasher,
            params,
            pool,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    /// The LSH banding in use.
    #[must_use]
    pub fn lsh_params(&self) -> LshParams {
        self.params
    }

    /// The LSH band hashes of `signature` under the configured banding(s), appended to
    /// `out` ([`banded_hashes`]).
    pub fn band_keys(&self, signature: &[u32], out: &mut Vec<u64>) {
        banded_hashes(signature, self.params, self.config.bandings, out);
    }

    /// An empty LSH index of the configured banding(s) and bucket bound.
    fn lsh_index(&self) -> Result<LshIndex> {
        Ok(LshIndex::new(self.config.num_perm, self.params)?
            .with_max_bucket(self.config.max_bucket)
            .with_bandings(self.config.bandings))
    }

    /// The MinHash signer.
    #[must_use]
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// Runs `f` on the configured thread pool (all cores when `num_threads` is 0).
    pub fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// The sketches of `texts`, in parallel.
    #[must_use]
    pub fn sketch_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Sketches {
        let n = self.config.num_perm;
        self.install(|| {
            let mut out = Sketches::new(n);
            out.signatures = vec![0; texts.len() * n];
            let meta: Vec<(u128, usize, usize)> = out
                .signatures
                .par_chunks_mut(n.max(1))
                .zip(texts.par_iter())
                .map_init(Scratch::default, |scratch, (sig, text)| {
                    let text = text.as_ref();
                    let (exact, count) = self.hasher.sketch_into(text, scratch, sig);
                    (exact, count, text.len())
                })
                .collect();
            for (exact, count, len) in meta {
                out.exact.push(exact);
                out.shingles.push(u32::try_from(count).unwrap_or(u32::MAX));
                out.lengths.push(len as u64);
            }
            out
        })
    }

    /// Clusters `texts` (see the [module docs](self)). `scores` (one per text) are required by
    /// the `score` representative rule and ignored otherwise.
    ///
    /// # Errors
    /// [`ErrorKind::Input`](crate::ErrorKind::Input) when the `score` rule has no scores, or
    /// scores are missing, extra or NaN.
    pub fn dedup<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        scores: Option<&[f64]>,
    ) -> Result<Dedup> {
        let sketches = self.sketch_batch(texts);
        self.cluster(sketches, scores, |docs| {
            Ok(self.install(|| {
                docs.par_iter()
                    .map_init(Scratch::default, |scratch, &d| {
                        (
                            d,
                            self.hasher
                                .shingle_set_with(texts[d as usize].as_ref(), scratch),
                        )
                    })
                    .collect()
            }))
        })
    }

    /// Clusters documents from their sketches. With `exact`, `shingle_sets` is called once with
    /// the sorted numbers of the documents whose shingle sets are needed and returns them
    /// ([`MinHasher::shingle_set`] of each text).
    ///
    /// # Errors
    /// As [`dedup`](Self::dedup), and whatever `shingle_sets` returns.
    pub fn cluster(
        &self,
        sketches: Sketches,
        scores: Option<&[f64]>,
        shingle_sets: impl FnOnce(&[u32]) -> Result<FxHashMap<u32, Vec<u64>>>,
    ) -> Result<Dedup> {
        let n = sketches.len();
        if u32::try_from(n).is_err() {
            return Err(Error::input(format!("too many documents: {n}")));
        }
        let rank = self.rank(&sketches, scores)?;
        // Exact-duplicate groups: the leader is the member of smallest rank.
        let mut by_hash: FxHashMap<u128, u32> = FxHashMap::default();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&d| rank[d as usize]);
        let mut leader = vec![0u32; n];
        for &d in &order {
            let l = *by_hash.entry(sketches.exact[d as usize]).or_insert(d);
            leader[d as usize] = l;
        }
        drop(by_hash);
        let leaders: Vec<u32> = (0..n as u32)
            .filter(|&d| leader[d as usize] == d && sketches.shingles[d as usize] > 0)
            .collect();

        let (pairs, mut edges) = self.install(|| {
            let keyed: Vec<(u32, Vec<u64>)> = leaders
                .par_iter()
                .map(|&d| {
                    let mut keys = Vec::with_capacity(self.params.bands * MAX_BANDINGS);
                    self.band_keys(sketches.signature(d as usize), &mut keys);
                    (d, keys)
                })
                .collect();
            let mut index = self.lsh_index();
            let pairs = match &mut index {
                Ok(index) => {
                    index.extend_hashes(&keyed);
                    drop(keyed);
                    index.candidate_pairs(|d| sketches.exact[d as usize])
                }
                Err(_) => Vec::new(),
            };
            let floor = self.config.estimate_floor(self.config.threshold);
            let edges: Vec<Edge> = pairs
                .par_iter()
                .filter_map(|&(a, b)| {
                    let est = similarity(
                        sketches.signature(a as usize),
                        sketches.signature(b as usize),
                    );
                    (est >= floor).then_some(Edge {
                        a,
                        b,
                        estimate: est as f32,
                        exact: None,
                    })
                })
                .collect();
            (pairs.len(), edges)
        });

        let sketches = Arc::new(sketches);
        if self.config.exact && !edges.is_empty() {
            let mut need: Vec<u32> = edges.iter().flat_map(|e| [e.a, e.b]).collect();
            need.sort_unstable();
            need.dedup();
            let sets = shingle_sets(&need)?;
            let empty = Vec::new();
            let set = |d: u32| sets.get(&d).unwrap_or(&empty);
            let threshold = self.config.threshold;
            edges = self.install(|| {
                edges
                    .par_iter()
                    .filter_map(|e| {
                        let j = jaccard_sorted(set(e.a), set(e.b));
                        (j >= threshold - 1e-9).then_some(Edge {
                            exact: Some(j as f32),
                            ..*e
                        })
                    })
                    .collect()
            });
        }
        let mut out = build(
            &self.config,
            self.config.threshold,
            &sketches,
            &leader,
            &rank,
            edges,
        );
        out.candidate_pairs = pairs as u64;
        Ok(out)
    }

    /// Each document's position in representative order (0 = the best).
    fn rank(&self, sketches: &Sketches, scores: Option<&[f64]>) -> Result<Vec<u32>> {
        let n = sketches.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        match self.config.representative {
            Representative::First => {}
            Representative::Longest => order.sort_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                sketches.lengths[b]
                    .cmp(&sketches.lengths[a])
                    .then(sketches.exact[a].cmp(&sketches.exact[b]))
                    .then(a.cmp(&b))
            }),
            Representative::Score => {
                let Some(scores) = scores else {
                    return Err(Error::input(
                        "representative 'score' needs a score for every document",
                    ));
                };
                if scores.len() != n {
                    return Err(Error::input(format!(
                        "got {} scores for {n} documents",
                        scores.len()
                    )));
                }
                if let Some(i) = scores.iter().position(|s| s.is_nan()) {
                    return Err(Error::input(format!("score of document {i} is NaN")));
                }
                order.sort_by(|&a, &b| {
                    let (a, b) = (a as usize, b as usize);
                    scores[b]
                        .total_cmp(&scores[a])
                        .then(sketches.exact[a].cmp(&sketches.exact[b]))
                        .then(a.cmp(&b))
                });
            }
        }
        let mut rank = vec![0u32; n];
        for (pos, &d) in order.iter().enumerate() {
            rank[d as usize] = pos as u32;
        }
        Ok(rank)
    }
}

/// A near-duplicate found by [`DedupIndex::query_batch`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The indexed document's number.
    pub doc: u32,
    /// Estimated Jaccard similarity.
    pub similarity: f32,
    /// True when the normalised texts are equal.
    pub exact_duplicate: bool,
}

/// Signatures plus an LSH index, built incrementally and queried with new documents (dedup a
/// new crawl against an old one); saved and loaded as bytes.
///
/// # Example
/// ```
/// use chaffless::dedup::{DedupConfig, DedupIndex};
///
/// let story = "The harbour will stay closed until Friday after the storm damaged two piers, \
///     the port authority said on Monday, and ferries to the islands are cancelled.";
/// let mut index = DedupIndex::new(DedupConfig::default())?;
/// index.add_batch(&[story, "A different page about the weather this week in the valley."]);
/// let found = index.query_batch(&[format!("{story} Share this article")]);
/// assert_eq!(found[0][0].doc, 0);
/// let loaded = DedupIndex::from_bytes(&index.to_bytes())?;
/// assert_eq!(loaded.len(), 2);
/// # Ok::<(), chaffless::Error>(())
/// ```
#[derive(Debug)]
pub struct DedupIndex {
    deduper: Deduper,
    sketches: Sketches,
    lsh: LshIndex,
    /// Low 64 bits of the exact hash → first document with it (the full hash is checked).
    exact: FxHashMap<u64, u32>,
}

const INDEX_MAGIC: &[u8; 8] = b"CHAFIDX1";

impl DedupIndex {
    /// An empty index.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first bad field.
    pub fn new(config: DedupConfig) -> Result<Self> {
        let deduper = Deduper::new(config)?;
        let lsh = deduper.lsh_index()?;
        let sketches = Sketches::new(deduper.config.num_perm);
        Ok(Self {
            deduper,
            sketches,
            lsh,
            exact: FxHashMap::default(),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DedupConfig {
        &self.deduper.config
    }

    /// Number of indexed documents.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sketches.len()
    }

    /// True when nothing is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sketches.is_empty()
    }

    /// The indexed sketches.
    #[must_use]
    pub fn sketches(&self) -> &Sketches {
        &self.sketches
    }

    /// Changes the number of worker threads (0: one per core).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the threads cannot be started.
    pub fn set_num_threads(&mut self, num_threads: usize) -> Result<()> {
        if self.deduper.config.num_threads != num_threads {
            let mut config = self.deduper.config.clone();
            config.num_threads = num_threads;
            self.deduper = Deduper::new(config)?;
        }
        Ok(())
    }

    /// Bytes of state per indexed document: signature, hashes and LSH entries.
    #[must_use]
    pub fn bytes_per_document(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let n = self.len() as f64;
        self.sketches.bytes_per_document() as f64
            + (self.lsh.memory_bytes() + self.exact.capacity() * 17) as f64 / n
    }

    /// Indexes `texts`; they get the next document numbers, in order. Returns the first one.
    pub fn add_batch<S: AsRef<str> + Sync>(&mut self, texts: &[S]) -> u32 {
        let new = self.deduper.sketch_batch(texts);
        self.add_sketches(&new)
    }

    /// Indexes already computed sketches (same configuration). Returns the first number.
    pub fn add_sketches(&mut self, new: &Sketches) -> u32 {
        let first = self.sketches.len() as u32;
        let keyed: Vec<(u32, Vec<u64>)> = (0..new.len())
            .filter(|&i| new.shingles[i] > 0)
            .map(|i| {
                let mut keys = Vec::new();
                self.lsh.hashes(new.signature(i), &mut keys);
                (first + i as u32, keys)
            })
            .collect();
        for i in 0..new.len() {
            self.exact
                .entry(new.exact[i] as u64)
                .or_insert(first + i as u32);
        }
        if keyed.len() >= 256 {
            self.lsh.extend_hashes(&keyed);
        } else {
            for (d, keys) in &keyed {
                self.lsh.insert_hashes(*d, keys);
            }
        }
        self.sketches.append(new);
        first
    }

    /// The indexed near-duplicates of each text: estimated Jaccard at least
    /// [`estimate_floor`](DedupConfig::estimate_floor) (the floor clustering keeps pairs at),
    /// or the same normalised text; best first (ties: lower number).
    #[must_use]
    pub fn query_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Vec<Match>> {
        let new = self.deduper.sketch_batch(texts);
        let floor = self
            .deduper
            .config
            .estimate_floor(self.deduper.config.threshold);
        self.deduper.install(|| {
            (0..new.len())
                .into_par_iter()
                .map(|i| {
                    let sig = new.signature(i);
                    let exact_doc = self
                        .exact
                        .get(&(new.exact[i] as u64))
                        .copied()
                        .filter(|&d| self.sketches.exact[d as usize] == new.exact[i]);
                    let mut keys = Vec::new();
                    self.lsh.hashes(sig, &mut keys);
                    let mut found: Vec<Match> = if new.shingles[i] > 0 {
                        self.lsh.query_hashes(&keys)
                    } else {
                        Vec::new()
                    }
                    .into_iter()
                    .filter_map(|d| {
                        let s = similarity(sig, self.sketches.signature(d as usize));
                        let exact_duplicate = self.sketches.exact[d as usize] == new.exact[i];
                        (s >= floor || exact_duplicate).then_some(Match {
                            doc: d,
                            similarity: s as f32,
                            exact_duplicate,
                        })
                    })
                    .collect();
                    if let Some(d) = exact_doc {
                        if !found.iter().any(|m| m.doc == d) {
                            found.push(Match {
                                doc: d,
                                similarity: 1.0,
                                exact_duplicate: true,
                            });
                        }
                    }
                    found.sort_by(|a, b| {
                        b.similarity
                            .total_cmp(&a.similarity)
                            .then(a.doc.cmp(&b.doc))
                    });
                    found
                })
                .collect()
        })
    }

    /// The index as bytes: configuration (JSON), sketches and LSH tables, little-endian.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let config = serde_json::to_vec(&self.deduper.config).unwrap_or_default();
        let s = &self.sketches;
        let mut out = Vec::with_capacity(s.len() * (s.bytes_per_document() + 200));
        out.extend_from_slice(INDEX_MAGIC);
        out.extend_from_slice(&(config.len() as u64).to_le_bytes());
        out.extend_from_slice(&config);
        s.write_to(&mut out);
        out.extend_from_slice(&self.lsh.to_bytes());
        out
    }

    /// Reads an index written by [`to_bytes`](Self::to_bytes); the configuration is validated
    /// again.
    ///
    /// # Errors
    /// [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) when the bytes are not an
    /// index or are damaged.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8).ok() != Some(&INDEX_MAGIC[..]) {
            return Err(Error::serialization("not a chaffless dedup index"));
        }
        let clen = r.usize()?;
        let config = saved_config(r.take(clen)?)
            .map_err(|e| Error::serialization(format!("invalid index configuration: {e}")))?;
        let mut index = Self::new(config)
            .map_err(|e| Error::serialization(format!("invalid index configuration: {e}")))?;
        index.sketches = Sketches::read_from(&mut r, index.deduper.config.num_perm)?;
        let n = index.sketches.len();
        let lsh = LshIndex::from_bytes(&bytes[r.at..])?;
        // Every document the tables name must have a signature, or a query would panic.
        let ids_fit = lsh.max_doc().map_or(true, |d| (d as usize) < n);
        let same = lsh.params() == index.deduper.params && lsh.bandings() == index.lsh.bandings();
        if !same || lsh.len() > n || !ids_fit {
            return Err(Error::serialization(
                "index tables do not match its configuration",
            ));
        }
        index.lsh = lsh;
        for i in 0..n {
            index
                .exact
                .entry(index.sketches.exact[i] as u64)
                .or_insert(i as u32);
        }
        Ok(index)
    }
}

/// A configuration saved with an index or a result. One saved before `bandings` existed
/// was made with one banding (the default is now two).
fn saved_config(json: &[u8]) -> serde_json::Result<DedupConfig> {
    let mut value: serde_json::Value = serde_json::from_slice(json)?;
    if let Some(map) = value.as_object_mut() {
        map.entry("bandings").or_insert(serde_json::Value::from(1));
    }
    serde_json::from_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(seed: u32, n: usize) -> Vec<String> {
        (0..n as u64)
            .map(|i| {
                let h = (u64::from(seed) << 32 | i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                format!("w{}", (h >> 40) % 50_000)
            })
            .collect()
    }

    /// Document `base` with every `every`-th word replaced.
    fn edited(base: &[String], every: usize, tag: &str) -> String {
        base.iter()
            .enumerate()
            .map(|(i, w)| {
                if every > 0 && i % every == every - 1 {
                    format!("{tag}{i}")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn corpus() -> Vec<String> {
        let mut texts = Vec::new();
        for s in 0..30u32 {
            let base = words(s, 300);
            texts.push(edited(&base, 0, ""));
            if s % 3 == 0 {
                texts.push(edited(&base, 100, "x")); // J ≈ 0.9
                texts.push(edited(&base, 0, "").to_uppercase()); // exact duplicate
            }
        }
        texts
    }

    fn dedup(config: DedupConfig, texts: &[String]) -> Dedup {
        Deduper::new(config).unwrap().dedup(texts, None).unwrap()
    }

    #[test]
    fn finds_planted_duplicates() {
        let texts = corpus();
        for exact in [false, true] {
            for mode in [ClusterMode::UnionFind, ClusterMode::Star] {
                let r = dedup(
                    DedupConfig {
                        exact,
                        mode,
                        ..DedupConfig::default()
                    },
                    &texts,
                );
                let s = r.stats();
                assert_eq!((s.clusters, s.duplicates, s.exact_duplicates), (10, 20, 10));
                for (i, d) in r.docs().iter().enumerate() {
                    if let Some(rep) = d.duplicate_of {
                        assert!(d.similarity >= 0.8, "{d:?}");
                        assert_eq!(d.exact_similarity.is_some(), exact || d.exact_duplicate);
                        // Grouped with the page it was planted from: the first of its group,
                        // with the same opening words.
                        let opening = |t: &str| -> Vec<String> {
                            t.to_lowercase()
                                .split_whitespace()
                                .take(50)
                                .map(String::from)
                                .collect()
                        };
                        assert!((rep as usize) < i, "{d:?}");
                        assert_eq!(opening(&texts[rep as usize]), opening(&texts[i]), "{d:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn star_does_not_chain() {
        // Sliding windows over one text: a ~ b and b ~ c above the threshold, a ~ c below it.
        let base = words(1, 400);
        let texts: Vec<String> = [0, 50, 100]
            .iter()
            .map(|&s| base[s..s + 300].join(" "))
            .collect();
        let h = MinHasher::new(DedupConfig::default().minhash()).unwrap();
        let j = |x: usize, y: usize| {
            jaccard_sorted(&h.shingle_set(&texts[x]), &h.shingle_set(&texts[y]))
        };
        assert!(
            j(0, 1) >= 0.65 && j(1, 2) >= 0.65 && j(0, 2) < 0.55,
            "fixture: {} {} {}",
            j(0, 1),
            j(1, 2),
            j(0, 2)
        );
        let config = DedupConfig {
            threshold: 0.6,
            exact: true,
            ..DedupConfig::default()
        };
        // Union-find chains a to c through b.
        let uf = dedup(config.clone(), &texts);
        let clusters: Vec<u32> = uf.docs().iter().map(|d| d.cluster).collect();
        assert_eq!(clusters, [0, 0, 0], "{:?}", uf.docs());
        // ... but c names b, the page it was verified against, not a: every reported pair is
        // a near-duplicate pair.
        let links: Vec<Option<u32>> = uf.docs().iter().map(|d| d.duplicate_of).collect();
        assert_eq!(links, [None, Some(0), Some(1)], "{:?}", uf.docs());
        for (i, d) in uf.docs().iter().enumerate() {
            if let (Some(other), Some(x)) = (d.duplicate_of, d.exact_similarity) {
                assert!((f64::from(x) - j(i, other as usize)).abs() < 1e-6, "{d:?}");
                assert!(x >= 0.6, "{d:?}");
            }
        }
        // Star verifies every member against its representative: c stays out of a's cluster.
        let star = dedup(
            DedupConfig {
                mode: ClusterMode::Star,
                ..config
            },
            &texts,
        );
        let d = star.docs();
        assert_eq!((d[0].cluster, d[1].cluster), (0, 0), "{d:?}");
        assert_ne!(d[2].cluster, 0, "{d:?}");
        for (i, d) in d.iter().enumerate() {
            if let Some(rep) = d.duplicate_of {
                assert!(j(i, rep as usize) >= 0.6);
            }
        }
    }

    #[test]
    fn rethreshold_splits_and_validates() {
        let texts = corpus();
        let r = dedup(
            DedupConfig {
                exact: true,
                ..DedupConfig::default()
            },
            &texts,
        );
        let same = r.rethreshold(0.8).unwrap();
        assert_eq!(same.docs(), r.docs());
        let strict = r.rethreshold(0.99).unwrap();
        assert_eq!(strict.stats().duplicates, 10); // only the exact duplicates remain
        assert!(r.rethreshold(0.5).is_err());
    }

    #[test]
    fn result_round_trips_through_bytes() {
        let texts = corpus();
        for exact in [false, true] {
            let r = dedup(
                DedupConfig {
                    exact,
                    ..DedupConfig::default()
                },
                &texts,
            );
            for r in [r.rethreshold(0.9).unwrap(), r] {
                let bytes = r.to_bytes();
                let back = Dedup::from_bytes(&bytes).unwrap();
                assert_eq!(back.docs(), r.docs());
                assert_eq!(back.edges(), r.edges());
                assert_eq!(back.stats(), r.stats());
                assert_eq!(back.threshold(), r.threshold());
                assert_eq!(back.sketches(), r.sketches());
                assert!(Dedup::from_bytes(&bytes[..bytes.len() - 1]).is_err());
                assert!(Dedup::from_bytes(b"CHAFIDX1").is_err());
            }
        }
    }

    #[test]
    fn representative_rules() {
        let base = words(3, 200);
        let short = edited(&base, 0, "");
        let long = format!("{short} and a few more words at the end");
        let texts = vec![short, long];
        let config = |representative| DedupConfig {
            representative,
            threshold: 0.7,
            ..DedupConfig::default()
        };
        let first = dedup(config(Representative::First), &texts);
        assert_eq!(first.docs()[1].duplicate_of, Some(0));
        let longest = dedup(config(Representative::Longest), &texts);
        assert_eq!(longest.docs()[0].duplicate_of, Some(1));
        let d = Deduper::new(config(Representative::Score)).unwrap();
        assert_eq!(
            d.dedup(&texts, Some(&[2.0, 1.0])).unwrap().docs()[1].duplicate_of,
            Some(0)
        );
        let err = d.dedup(&texts, None).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Input);
        assert!(d.dedup(&texts, Some(&[1.0])).is_err());
        assert!(d.dedup(&texts, Some(&[1.0, f64::NAN])).is_err());
    }

    #[test]
    fn config_errors() {
        let cases = [
            (r#"{"threshold": 0}"#, "threshold must be in (0, 1], got 0"),
            (
                r#"{"bands": 20, "rows": 8}"#,
                "bands × rows must not exceed num_perm (128), got 20 × 8",
            ),
            (r#"{"num_perm": 0}"#, "num_perm must be in [1, 8192], got 0"),
            (
                r#"{"estimate_margin": 1.5}"#,
                "estimate_margin must be in [0, 1), got 1.5",
            ),
        ];
        for (json, msg) in cases {
            assert_eq!(DedupConfig::from_json(json).unwrap_err().to_string(), msg);
        }
        assert!(DedupConfig::from_json(r#"{"nope": 1}"#).is_err());
        let c = DedupConfig::from_json(r#"{"bands": 16}"#).unwrap();
        assert_eq!(c.lsh_params().unwrap(), LshParams { bands: 16, rows: 8 });
    }

    #[test]
    fn second_banding_finds_pairs_the_first_misses() {
        // 300 pairs of Jaccard about 0.8 (40 of 400 words replaced in a row): one banding
        // of 16 × 8 misses about 5% of them, two about 0.7%.
        let mut texts = Vec::new();
        for s in 0..300u32 {
            let base = words(s + 1000, 400);
            let mut copy = base.clone();
            let at = (s as usize * 37) % 360;
            for (i, w) in copy[at..at + 40].iter_mut().enumerate() {
                *w = format!("z{s}x{i}");
            }
            texts.push(base.join(" "));
            texts.push(copy.join(" "));
        }
        let found = |bandings: usize| -> Vec<bool> {
            let config = DedupConfig {
                bands: Some(16),
                rows: Some(8),
                bandings,
                exact: true,
                ..DedupConfig::default()
            };
            let r = dedup(config, &texts);
            assert!(r.edges().iter().all(|e| e.exact.unwrap() >= 0.8 - 1e-6));
            r.docs()
                .chunks(2)
                .map(|p| p[0].cluster == p[1].cluster)
                .collect()
        };
        let (one, two) = (found(1), found(2));
        let missed = |f: &[bool]| f.iter().filter(|&&x| !x).count();
        assert!(one.iter().zip(&two).all(|(&a, &b)| b || !a));
        assert!(missed(&one) >= 5, "one banding missed {}", missed(&one));
        assert!(
            missed(&two) * 3 <= missed(&one),
            "{} vs {}",
            missed(&two),
            missed(&one)
        );
    }

    #[test]
    fn an_index_saved_before_bandings_loads_with_one() {
        let texts = corpus();
        let config = DedupConfig {
            bandings: 1,
            ..DedupConfig::default()
        };
        let mut index = DedupIndex::new(config).unwrap();
        index.add_batch(&texts);
        let bytes = index.to_bytes();
        // The same bytes with the configuration as it was written before `bandings`.
        let clen = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
        let mut config: serde_json::Value = serde_json::from_slice(&bytes[16..16 + clen]).unwrap();
        config.as_object_mut().unwrap().remove("bandings");
        let config = serde_json::to_vec(&config).unwrap();
        let mut old = bytes[..8].to_vec();
        old.extend_from_slice(&(config.len() as u64).to_le_bytes());
        old.extend_from_slice(&config);
        old.extend_from_slice(&bytes[16 + clen..]);
        let loaded = DedupIndex::from_bytes(&old).unwrap();
        assert_eq!(loaded.config().bandings, 1);
        assert_eq!(loaded.query_batch(&texts), index.query_batch(&texts));
        // Tables of two bandings under a configuration of one are refused.
        let mut two = DedupIndex::new(DedupConfig::default()).unwrap();
        two.add_batch(&texts);
        let two = two.to_bytes();
        let clen2 = u64::from_le_bytes(two[8..16].try_into().unwrap()) as usize;
        let mut mixed = bytes[..16 + clen].to_vec();
        mixed.extend_from_slice(&two[16 + clen2..]);
        assert!(DedupIndex::from_bytes(&mixed).is_err());
        assert!(DedupConfig::from_json(r#"{"bandings": 3}"#).is_err());
    }

    #[test]
    fn index_query_and_round_trip() {
        let texts = corpus();
        let mut index = DedupIndex::new(DedupConfig::default()).unwrap();
        let (old, new) = texts.split_at(20);
        assert_eq!(index.add_batch(old), 0);
        assert_eq!(index.add_batch(&new[..5]), 20);
        assert_eq!(index.len(), 25);
        let found = index.query_batch(&texts[..3]);
        assert_eq!(found[0][0].doc, 0);
        assert!(found[0].iter().any(|m| m.doc == 2 && m.exact_duplicate));
        let bytes = index.to_bytes();
        let loaded = DedupIndex::from_bytes(&bytes).unwrap();
        assert_eq!(loaded.query_batch(&texts[..3]), found);
        assert!(DedupIndex::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(DedupIndex::from_bytes(b"nonsense").is_err());
        // A damaged document id (the last bytes are the last band's last id) is refused, not
        // a panic at the next query.
        let mut damaged = bytes.clone();
        let end = damaged.len();
        damaged[end - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(DedupIndex::from_bytes(&damaged).is_err());
        // Memory per document, once fixed overheads are spread over many documents.
        let many: Vec<String> = (0..3000).map(|s| words(s + 100, 200).join(" ")).collect();
        let mut big = DedupIndex::new(DedupConfig::default()).unwrap();
        big.add_batch(&many);
        let bytes = big.bytes_per_document();
        assert!(bytes < 1024.0, "{bytes} bytes per document");
    }
}
