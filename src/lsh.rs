//! Banded LSH over MinHash signatures: parameters from a threshold, and an index.
//!
//! A signature of `num_perm` slots is cut into `bands` bands of `rows` slots; two documents are
//! **candidates** when they agree on every slot of at least one band. For documents of Jaccard
//! similarity `s` that happens with probability `1 - (1 - s^rows)^bands`, an S-shaped curve
//! whose steep part sits near `(1 / bands)^(1 / rows)`.
//!
//! [`optimal_params`] picks `bands × rows ≤ num_perm` for a similarity threshold `t` by
//! minimising `w_fp · FP + w_fn · FN`, where `FP = ∫₀ᵗ P(s) ds` is the probability mass of
//! pairs below the threshold that become candidates and `FN = ∫ₜ¹ (1 - P(s)) ds` the mass of
//! pairs above it that do not (integrals by Simpson's rule). Candidates are verified afterwards
//! ([`crate::dedup`]), so false positives cost time, false negatives cost recall; the default
//! weights (0.5, 0.5) can be changed, or `bands` / `rows` given outright.
//!
//! # A second banding of the same values
//!
//! One banding misses a pair of similarity `s` with probability `(1 - s^rows)^bands`: 5.3% at
//! 0.8 with 16 bands of 8 rows, the recall that one banding can give whatever the
//! verification. An index may band the signature twice ([`LshIndex::with_bandings`]): the
//! usual contiguous bands (band `b` holds slots `b·rows .. (b+1)·rows`), and the **stride**
//! bands over the same `bands × rows` slots (band `b` holds slots `b, b + bands,
//! b + 2·bands, ...`). A stride band shares at most `ceil(rows / bands)` slots (one, when
//! `rows ≤ bands`) with each contiguous band, so a pair missed by one banding, which has a
//! mismatched slot in every band of it, is still found when some band of the other is all
//! matches. The two are not independent (a pair with many mismatched slots tends to miss
//! both), but at 16 × 8 and `s = 0.8` the miss rate falls from 5.3% to 0.74% (exactly:
//! `(P(no full row or column of an 8 × 8 grid))^2`, the grid being the even and the odd
//! contiguous bands against the stride bands). It costs no hashing of the text, only one more
//! band hash and 12 bytes per band and document, and more candidates below the threshold
//! (which verification discards). With one band or one row both bandings are the same, and
//! the index keeps one.
//!
//! [`LshIndex`] keeps, per band, the band hashes of its documents as a sorted array (12 bytes
//! per document and band) plus a small hash map of recent inserts that is merged into the
//! array as it grows, so it can be built incrementally, queried at any time, and saved.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::{Error, Result};

/// How a signature is banded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LshParams {
    /// Number of bands.
    pub bands: usize,
    /// Slots per band.
    pub rows: usize,
}

impl LshParams {
    /// The probability that two documents of Jaccard similarity `s` become candidates.
    #[must_use]
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(to_i32(self.rows))).powi(to_i32(self.bands))
    }

    /// Checks the parameters against a signature length.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is 0 or `bands × rows`
    /// exceeds `num_perm`.
    pub fn validate(&self, num_perm: usize) -> Result<()> {
        if self.bands == 0 || self.rows == 0 {
            return Err(Error::config(format!(
                "bands and rows must be at least 1, got bands={} rows={}",
                self.bands, self.rows
            )));
        }
        if self.bands.saturating_mul(self.rows) > num_perm {
            return Err(Error::config(format!(
                "bands × rows must not exceed num_perm ({num_perm}), got {} × {}",
                self.bands, self.rows
            )));
        }
        Ok(())
    }
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `∫ₐᵇ f` by Simpson's rule with 64 intervals.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const N: usize = 64;
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(a + h * i as f64);
    }
    sum * h / 3.0
}

/// The bands and rows (`bands × rows ≤ num_perm`) minimising the weighted false-positive and
/// false-negative probabilities for `threshold` (see the [module docs](self)).
///
/// # Example
/// ```
/// let p = chaffless::lsh::optimal_params(0.8, 128, 0.5, 0.5);
/// assert!(p.bands * p.rows <= 128);
/// assert!(p.candidate_probability(0.9) > 0.9);
/// assert!(p.candidate_probability(0.5) < 0.05);
/// ```
#[must_use]
pub fn optimal_params(
    threshold: f64,
    num_perm: usize,
    fp_weight: f64,
    fn_weight: f64,
) -> LshParams {
    let mut best = (f64::INFINITY, LshParams { bands: 1, rows: 1 });
    for bands in 1..=num_perm {
        for rows in 1..=num_perm / bands {
            let p = LshParams { bands, rows };
            let fp = integrate(|s| p.candidate_probability(s), 0.0, threshold);
            let fneg = integrate(|s| 1.0 - p.candidate_probability(s), threshold, 1.0);
            let cost = fp_weight * fp + fn_weight * fneg;
            if cost < best.0 - 1e-12 {
                best = (cost, p);
            }
        }
    }
    best.1
}

/// The most bandings an index may have: the contiguous one and the stride one.
pub const MAX_BANDINGS: usize = 2;

/// The hash of each band of `signature`, appended to `out`.
pub fn band_hashes(signature: &[u32], params: LshParams, out: &mut Vec<u64>) {
    for (b, band) in signature
        .chunks_exact(params.rows)
        .take(params.bands)
        .enumerate()
    {
        out.push(hash_band(band, b as u64));
    }
}

/// The hash of one band's slot values, seeded by the band's number.
fn hash_band(band: &[u32], seed: u64) -> u64 {
    let bytes: &[u8] = bytemuck::cast_slice(band);
    #[cfg(target_endian = "little")]
    let h = xxh3_64_with_seed(bytes, seed);
    #[cfg(not(target_endian = "little"))]
    let h = {
        let le: Vec<u8> = band.iter().flat_map(|v| v.to_le_bytes()).collect();
        let _ = bytes;
        xxh3_64_with_seed(&le, seed)
    };
    h
}

/// The number of distinct bandings `bandings` (1 or more) gives for `params`: one when there is
/// one band or one row (the stride banding is then the contiguous one).
#[must_use]
pub fn effective_bandings(params: LshParams, bandings: usize) -> usize {
    if params.bands <= 1 || params.rows <= 1 {
        1
    } else {
        bandings.clamp(1, MAX_BANDINGS)
    }
}

/// The band hashes of `signature` under `bandings` bandings (see the [module docs](self)),
/// appended to `out`: the [`band_hashes`], then, with a second banding, the hash of each
/// stride band (seeded by `bands + b`, so equal values in different bands never collide).
/// `bandings` is taken through [`effective_bandings`].
pub fn banded_hashes(signature: &[u32], params: LshParams, bandings: usize, out: &mut Vec<u64>) {
    band_hashes(signature, params, out);
    if effective_bandings(params, bandings) < 2 || signature.len() < params.bands * params.rows {
        return;
    }
    // A band of up to 32 rows is gathered on the stack.
    let mut small = [0u32; 32];
    let mut large = Vec::new();
    let band: &mut [u32] = if params.rows <= small.len() {
        &mut small[..params.rows]
    } else {
        large.resize(params.rows, 0);
        &mut large
    };
    for b in 0..params.bands {
        for (r, v) in band.iter_mut().enumerate() {
            *v = signature[b + params.bands * r];
        }
        out.push(hash_band(band, (params.bands + b) as u64));
    }
}

/// Sorts `(key, doc)` pairs as `sort_unstable` does, in linear time for hash keys: one
/// counting pass on the keys' top bits spreads them into about one bucket per pair, then each
/// bucket is sorted (many equal keys only make their bucket's sort longer).
fn sort_pairs(pairs: &mut Vec<(u64, u32)>) {
    let n = pairs.len();
    if n < 1024 {
        pairs.sort_unstable();
        return;
    }
    let bits = n.next_power_of_two().trailing_zeros().min(22);
    let shift = 64 - bits;
    let bucket = |k: u64| (k >> shift) as usize;
    // `starts[b]`: where bucket `b` begins in the output.
    let mut starts = vec![0usize; (1 << bits) + 1];
    for &(k, _) in pairs.iter() {
        starts[bucket(k) + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut next = starts.clone();
    let mut out = vec![(0u64, 0u32); n];
    for &p in pairs.iter() {
        let b = bucket(p.0);
        out[next[b]] = p;
        next[b] += 1;
    }
    for w in starts.windows(2) {
        if w[1] - w[0] > 1 {
            out[w[0]..w[1]].sort_unstable();
        }
    }
    *pairs = out;
}

/// One band of the index: sorted `(hash, doc)` pairs plus recent inserts.
#[derive(Clone, Debug, Default, PartialEq)]
struct Band {
    keys: Vec<u64>,
    docs: Vec<u32>,
    pending: FxHashMap<u64, Vec<u32>>,
    pending_len: usize,
}

impl Band {
    fn insert(&mut self, key: u64, doc: u32) {
        self.pending.entry(key).or_default().push(doc);
        self.pending_len += 1;
        if self.pending_len > (self.keys.len() / 4).max(4096) {
            self.compact();
        }
    }

    /// Merges the recent inserts into the sorted arrays.
    fn compact(&mut self) {
        if self.pending_len == 0 {
            return;
        }
        let mut new: Vec<(u64, u32)> = Vec::with_capacity(self.pending_len);
        for (k, docs) in std::mem::take(&mut self.pending) {
            new.extend(docs.into_iter().map(|d| (k, d)));
        }
        self.pending_len = 0;
        self.merge(new);
    }

    /// Merges the pairs `new` (in any order) into the sorted arrays.
    fn merge(&mut self, mut new: Vec<(u64, u32)>) {
        sort_pairs(&mut new);
        if self.keys.is_empty() {
            // A bulk load into an empty band (every `Deduper::cluster`): no merge.
            self.keys = new.iter().map(|p| p.0).collect();
            self.docs = new.iter().map(|p| p.1).collect();
            return;
        }
        let old_keys = std::mem::take(&mut self.keys);
        let old_docs = std::mem::take(&mut self.docs);
        let n = old_keys.len() + new.len();
        self.keys.reserve_exact(n);
        self.docs.reserve_exact(n);
        let (mut i, mut j) = (0, 0);
        while i < old_keys.len() || j < new.len() {
            let take_old =
                j >= new.len() || (i < old_keys.len() && (old_keys[i], old_docs[i]) <= new[j]);
            if take_old {
                self.keys.push(old_keys[i]);
                self.docs.push(old_docs[i]);
                i += 1;
            } else {
                self.keys.push(new[j].0);
                self.docs.push(new[j].1);
                j += 1;
            }
        }
    }

    /// Calls `f` with every document stored under `key`.
    fn for_each(&self, key: u64, mut f: impl FnMut(u32)) {
        let start = self.keys.partition_point(|&k| k < key);
        for i in start..self.keys.len() {
            if self.keys[i] != key {
                break;
            }
            f(self.docs[i]);
        }
        if let Some(docs) = self.pending.get(&key) {
            docs.iter().copied().for_each(f);
        }
    }
}

/// A banded LSH index of signatures, keyed by document numbers (`u32`, assigned by the caller).
///
/// # Example
/// ```
/// use chaffless::lsh::{LshIndex, LshParams};
///
/// let mut index = LshIndex::new(8, LshParams { bands: 4, rows: 2 })?;
/// index.insert(0, &[1, 2, 3, 4, 5, 6, 7, 8]);
/// index.insert(1, &[1, 2, 0, 0, 0, 0, 0, 0]);
/// index.insert(2, &[9, 9, 9, 9, 9, 9, 9, 9]);
/// assert_eq!(index.query(&[1, 2, 3, 3, 3, 3, 3, 3]), vec![0, 1]);
/// assert_eq!(index.candidate_pairs(|d| d), vec![(0, 1)]);
/// # Ok::<(), chaffless::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LshIndex {
    num_perm: usize,
    params: LshParams,
    /// Bandings of the signature (1 or 2): `bands` holds `params.bands` bands for each.
    bandings: usize,
    bands: Vec<Band>,
    len: usize,
    /// Buckets larger than this give linear rather than quadratic candidate pairs.
    max_bucket: usize,
}

impl LshIndex {
    /// An empty index for signatures of `num_perm` slots.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the parameters do not fit.
    pub fn new(num_perm: usize, params: LshParams) -> Result<Self> {
        params.validate(num_perm)?;
        Ok(Self {
            num_perm,
            params,
            bandings: 1,
            bands: vec![Band::default(); params.bands],
            len: 0,
            max_bucket: 1000,
        })
    }

    /// Sets the number of bandings (1: the contiguous bands alone; 2: also the stride bands,
    /// see the [module docs](self)), through [`effective_bandings`]. Drops what was inserted.
    #[must_use]
    pub fn with_bandings(mut self, bandings: usize) -> Self {
        self.bandings = effective_bandings(self.params, bandings);
        self.bands = vec![Band::default(); self.params.bands * self.bandings];
        self.len = 0;
        self
    }

    /// The number of bandings in use.
    #[must_use]
    pub fn bandings(&self) -> usize {
        self.bandings
    }

    /// The band hashes of `signature` this index files it under ([`banded_hashes`]),
    /// appended to `out`.
    pub fn hashes(&self, signature: &[u32], out: &mut Vec<u64>) {
        banded_hashes(signature, self.params, self.bandings, out);
    }

    /// Sets the bucket size above which a bucket's members are paired with a bounded number of
    /// others (chained in a content order) instead of with every other member. Default 1000.
    #[must_use]
    pub fn with_max_bucket(mut self, max_bucket: usize) -> Self {
        self.max_bucket = max_bucket.max(2);
        self
    }

    /// The banding.
    #[must_use]
    pub fn params(&self) -> LshParams {
        self.params
    }

    /// Signature length this index takes.
    #[must_use]
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// Number of inserted signatures.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was inserted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the index (its arrays and maps, approximately).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.bands
            .iter()
            .map(|b| {
                b.keys.capacity() * 8
                    + b.docs.capacity() * 4
                    + b.pending.capacity() * 40
                    + b.pending_len * 4
            })
            .sum()
    }

    /// The largest document id in the index, if any.
    #[must_use]
    pub fn max_doc(&self) -> Option<u32> {
        self.bands
            .iter()
            .flat_map(|b| b.docs.iter().chain(b.pending.values().flatten()).copied())
            .max()
    }

    /// Adds document `doc` with `signature` (of `num_perm` slots; a shorter one is ignored).
    pub fn insert(&mut self, doc: u32, signature: &[u32]) {
        if signature.len() != self.num_perm {
            return;
        }
        let mut keys = Vec::with_capacity(self.bands.len());
        self.hashes(signature, &mut keys);
        self.insert_hashes(doc, &keys);
    }

    /// Adds document `doc` by its band hashes ([`hashes`](Self::hashes)).
    pub fn insert_hashes(&mut self, doc: u32, keys: &[u64]) {
        for (band, &key) in self.bands.iter_mut().zip(keys) {
            band.insert(key, doc);
        }
        self.len += 1;
    }

    /// Bulk-loads documents `(doc, band hashes)`: one sort per band instead of inserts.
    pub fn extend_hashes(&mut self, docs: &[(u32, Vec<u64>)]) {
        use rayon::prelude::*;
        self.bands.par_iter_mut().enumerate().for_each(|(b, band)| {
            band.compact();
            // Straight into one sort: a map of small vectors cost an allocation a bucket.
            let new = docs
                .iter()
                .filter_map(|(doc, keys)| keys.get(b).map(|&k| (k, *doc)))
                .collect();
            band.merge(new);
        });
        self.len += docs.len();
    }

    /// Merges recent inserts into the sorted arrays (done automatically as they grow).
    pub fn compact(&mut self) {
        for band in &mut self.bands {
            band.compact();
        }
    }

    /// The documents sharing at least one band with `signature`, sorted, without repeats.
    #[must_use]
    pub fn query(&self, signature: &[u32]) -> Vec<u32> {
        if signature.len() != self.num_perm {
            return Vec::new();
        }
        let mut keys = Vec::with_capacity(self.bands.len());
        self.hashes(signature, &mut keys);
        self.query_hashes(&keys)
    }

    /// [`query`](Self::query) by band hashes.
    #[must_use]
    pub fn query_hashes(&self, keys: &[u64]) -> Vec<u32> {
        let mut out = Vec::new();
        for (band, &key) in self.bands.iter().zip(keys) {
            band.for_each(key, |d| out.push(d));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every pair of documents that share a band, as `(smaller, larger)`, sorted, without
    /// repeats. Buckets larger than the `max_bucket` are sorted by `order` (a content key, so
    /// the pairs do not depend on document numbering) and each member is paired with the
    /// `max_bucket` members after it.
    pub fn candidate_pairs<K: Ord>(&mut self, order: impl Fn(u32) -> K + Sync) -> Vec<(u32, u32)> {
        use rayon::prelude::*;
        self.compact();
        let max_bucket = self.max_bucket;
        let mut pairs: Vec<(u32, u32)> = self
            .bands
            .par_iter()
            .flat_map_iter(|band| {
                let mut out = Vec::new();
                let mut i = 0;
                while i < band.keys.len() {
                    let mut j = i + 1;
                    while j < band.keys.len() && band.keys[j] == band.keys[i] {
                        j += 1;
                    }
                    let bucket = &band.docs[i..j];
                    if bucket.len() <= max_bucket {
                        for (x, &a) in bucket.iter().enumerate() {
                            for &b in &bucket[x + 1..] {
                                out.push((a.min(b), a.max(b)));
                            }
                        }
                    } else {
                        let mut members = bucket.to_vec();
                        members.sort_by_key(|&d| (order(d), d));
                        for (x, &a) in members.iter().enumerate() {
                            for &b in members.iter().skip(x + 1).take(max_bucket) {
                                out.push((a.min(b), a.max(b)));
                            }
                        }
                    }
                    i = j;
                }
                out
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The index as bytes (little-endian): see [`from_bytes`](Self::from_bytes). An index of
    /// one banding is written as before bandings existed; one of two starts with
    /// [`TWO_BANDINGS`] and the count.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut me = self.clone();
        me.compact();
        let mut out = Vec::new();
        if me.bandings > 1 {
            out.extend_from_slice(&TWO_BANDINGS.to_le_bytes());
            out.extend_from_slice(&(me.bandings as u64).to_le_bytes());
        }
        for v in [
            me.num_perm,
            me.params.bands,
            me.params.rows,
            me.len,
            me.max_bucket,
        ] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        for band in &me.bands {
            out.extend_from_slice(&(band.keys.len() as u64).to_le_bytes());
            for k in &band.keys {
                out.extend_from_slice(&k.to_le_bytes());
            }
            for d in &band.docs {
                out.extend_from_slice(&d.to_le_bytes());
            }
        }
        out
    }

    /// Reads an index written by [`to_bytes`](Self::to_bytes), checking its structure.
    ///
    /// # Errors
    /// [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) when the bytes are
    /// truncated or inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader { bytes, at: 0 };
        let mut num_perm = r.usize()?;
        let mut bandings = 1;
        if num_perm as u64 == TWO_BANDINGS {
            bandings = r.usize()?;
            if !(2..=MAX_BANDINGS).contains(&bandings) {
                return Err(Error::serialization("invalid LSH index: bad banding count"));
            }
            num_perm = r.usize()?;
        }
        let bands = r.usize()?;
        let rows = r.usize()?;
        let len = r.usize()?;
        let max_bucket = r.usize()?;
        let params = LshParams { bands, rows };
        params
            .validate(num_perm)
            .map_err(|e| Error::serialization(format!("invalid LSH index: {e}")))?;
        let mut index = Self::new(num_perm, params)
            .map_err(|e| Error::serialization(format!("invalid LSH index: {e}")))?
            .with_max_bucket(max_bucket)
            .with_bandings(bandings);
        if index.bandings != bandings {
            return Err(Error::serialization("invalid LSH index: bad banding count"));
        }
        index.len = len;
        for band in &mut index.bands {
            let n = r.usize()?;
            if n > bytes.len() / 12 {
                return Err(Error::serialization("invalid LSH index: band too long"));
            }
            band.keys = (0..n).map(|_| r.u64()).collect::<Result<_>>()?;
            band.docs = (0..n).map(|_| r.u32()).collect::<Result<_>>()?;
            let sorted = band
                .keys
                .windows(2)
                .zip(band.docs.windows(2))
                .all(|(k, d)| (k[0], d[0]) <= (k[1], d[1]));
            if !sorted {
                return Err(Error::serialization("invalid LSH index: band not sorted"));
            }
        }
        if r.at != bytes.len() {
            return Err(Error::serialization("invalid LSH index: trailing bytes"));
        }
        Ok(index)
    }
}

/// The first word of a saved index of more than one banding (`CHLSHBND`): an older index
/// starts with its signature length, which is far smaller.
pub const TWO_BANDINGS: u64 = u64::from_le_bytes(*b"CHLSHBND");

/// A little-endian cursor over bytes whose reads fail instead of panicking.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl Reader<'_> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| Error::serialization("truncated data"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    pub(crate) fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| Error::serialization("value out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_for_common_thresholds() {
        for (t, n) in [(0.5, 128), (0.8, 128), (0.9, 256), (0.7, 64)] {
            let p = optimal_params(t, n, 0.5, 0.5);
            assert!(p.bands * p.rows <= n);
            // The steep part of the curve sits near the threshold.
            let knee = (1.0 / p.bands as f64).powf(1.0 / p.rows as f64);
            assert!((knee - t).abs() < 0.12, "t={t}: {p:?} knee {knee}");
        }
        // More weight on false negatives moves the curve left.
        let recall = optimal_params(0.8, 128, 0.1, 0.9);
        let base = optimal_params(0.8, 128, 0.5, 0.5);
        assert!(recall.candidate_probability(0.8) > base.candidate_probability(0.8));
    }

    #[test]
    fn validate_names_values() {
        let p = LshParams { bands: 20, rows: 8 };
        assert_eq!(
            p.validate(128).unwrap_err().to_string(),
            "bands × rows must not exceed num_perm (128), got 20 × 8"
        );
        assert!(LshParams { bands: 0, rows: 8 }.validate(128).is_err());
    }

    #[test]
    fn incremental_equals_bulk_and_round_trips() {
        let params = LshParams { bands: 4, rows: 2 };
        let sigs: Vec<Vec<u32>> = (0..10_000u32)
            .map(|i| (0..8).map(|j| (i % 97) * ((j % 3) + 1) + j / 4).collect())
            .collect();
        let mut inc = LshIndex::new(8, params).unwrap();
        for (i, s) in sigs.iter().enumerate() {
            inc.insert(i as u32, s);
        }
        let docs: Vec<(u32, Vec<u64>)> = sigs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut k = Vec::new();
                band_hashes(s, params, &mut k);
                (i as u32, k)
            })
            .collect();
        let mut bulk = LshIndex::new(8, params).unwrap();
        bulk.extend_hashes(&docs);
        assert_eq!(inc.query(&sigs[5]), bulk.query(&sigs[5]));
        assert_eq!(inc.query(&sigs[5]).len(), 10_000 / 97 + 1);
        inc.compact();
        assert_eq!(inc, bulk);
        let loaded = LshIndex::from_bytes(&bulk.to_bytes()).unwrap();
        assert_eq!(loaded, bulk);
        let bytes = bulk.to_bytes();
        assert!(LshIndex::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }

    /// Whether two signatures agreeing exactly on the slots of `mask` are candidates in
    /// `index`'s bandings (through the index itself).
    fn candidates(params: LshParams, bandings: usize, mask: u64) -> bool {
        let n = params.bands * params.rows;
        let mut index = LshIndex::new(n, params).unwrap().with_bandings(bandings);
        let a: Vec<u32> = (0..n as u32).collect();
        let b: Vec<u32> = (0..n)
            .map(|i| {
                if mask >> i & 1 == 1 {
                    i as u32
                } else {
                    1000 + i as u32
                }
            })
            .collect();
        index.insert(0, &a);
        index.insert(1, &b);
        index.candidate_pairs(|d| d) == [(0, 1)]
    }

    /// The candidate probability of two bandings when each slot agrees independently with
    /// probability `s`: inclusion-exclusion over the stride bands that are all matches (each
    /// set of them fixes some slots of each contiguous band).
    fn two_bandings_probability(params: LshParams, s: f64) -> f64 {
        let (bands, rows) = (params.bands, params.rows);
        let mut miss = 0.0;
        for set in 0u64..1 << bands {
            let mut forced = vec![0usize; bands];
            for j in (0..bands).filter(|j| set >> j & 1 == 1) {
                for r in 0..rows {
                    forced[(j + bands * r) / rows] += 1;
                }
            }
            let k = set.count_ones() as i32;
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            let rest: f64 = forced
                .iter()
                .map(|&f| 1.0 - s.powi((rows - f) as i32))
                .product();
            miss += sign * s.powi(k * rows as i32) * rest;
        }
        1.0 - miss
    }

    #[test]
    fn two_bandings_candidate_probability_is_exact() {
        // Every agreement pattern of 3 × 2 and 2 × 4 slots, through the index: the share of
        // candidates, weighted by the pattern's probability, is the formula's.
        for params in [
            LshParams { bands: 3, rows: 2 },
            LshParams { bands: 2, rows: 4 },
        ] {
            let n = params.bands * params.rows;
            for s in [0.3f64, 0.6, 0.8] {
                let mut p = [0.0; 2];
                for mask in 0u64..1 << n {
                    let k = mask.count_ones() as i32;
                    let w = s.powi(k) * (1.0 - s).powi(n as i32 - k);
                    for (bandings, p) in p.iter_mut().enumerate() {
                        if candidates(params, bandings + 1, mask) {
                            *p += w;
                        }
                    }
                }
                assert!((p[0] - params.candidate_probability(s)).abs() < 1e-9);
                let two = two_bandings_probability(params, s);
                assert!(
                    (p[1] - two).abs() < 1e-9,
                    "{params:?} s={s}: {} vs {two}",
                    p[1]
                );
                assert!(p[1] > p[0]);
            }
        }
    }

    #[test]
    fn second_banding_at_16_by_8() {
        let params = LshParams { bands: 16, rows: 8 };
        // The even and the odd contiguous bands each form an 8 × 8 grid with 8 stride bands
        // as its columns: a pair is missed when neither grid has a full row or column.
        let grid_miss = |s: f64| -> f64 {
            (0..=8)
                .map(|k| {
                    let binom = (0..k).fold(1.0, |c, i| c * (8 - i) as f64 / (i + 1) as f64);
                    let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                    sign * binom * s.powi(8 * k) * (1.0 - s.powi(8 - k)).powi(8)
                })
                .sum::<f64>()
                .powi(2)
        };
        let miss = 1.0 - two_bandings_probability(params, 0.8);
        assert!((miss - grid_miss(0.8)).abs() < 1e-12, "{miss}");
        assert!((0.0070..0.0078).contains(&miss), "{miss}");
        assert!(1.0 - params.candidate_probability(0.8) > 0.05);
        // Through the index, with slots agreeing at random (a fixed generator).
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let trials = 4000;
        let mut index = LshIndex::new(128, params).unwrap().with_bandings(2);
        assert_eq!(index.bandings(), 2);
        for t in 0..trials {
            let a: Vec<u32> = (0..128).map(|i| t * 1000 + i).collect();
            let b: Vec<u32> = a
                .iter()
                .map(|&v| if next() < 0.8 { v } else { v + 500 })
                .collect();
            index.insert(2 * t, &a);
            index.insert(2 * t + 1, &b);
        }
        let found = index.candidate_pairs(|d| d).len() as f64 / f64::from(trials);
        let want = two_bandings_probability(params, 0.8);
        assert!(
            (found - want).abs() < 4.0 * (want * (1.0 - want) / f64::from(trials)).sqrt() + 1e-3,
            "{found} vs {want}"
        );
    }

    #[test]
    fn bandings_round_trip_and_old_bytes_load() {
        let params = LshParams { bands: 4, rows: 2 };
        let sigs: Vec<Vec<u32>> = (0..3000u32)
            .map(|i| {
                (0..8)
                    .map(|j| (i % 89) * (j + 1) + (i % 7) * (j % 2))
                    .collect()
            })
            .collect();
        let mut one = LshIndex::new(8, params).unwrap();
        let mut two = LshIndex::new(8, params).unwrap().with_bandings(2);
        for (i, s) in sigs.iter().enumerate() {
            one.insert(i as u32, s);
            two.insert(i as u32, s);
        }
        // The first banding's tables are the one-banding index's, bytes and all.
        let bytes = one.to_bytes();
        assert_eq!(&bytes[..8], &8u64.to_le_bytes());
        let back = LshIndex::from_bytes(&bytes).unwrap();
        assert_eq!(back.bandings(), 1);
        assert_eq!(back.query(&sigs[3]), one.query(&sigs[3]));
        let bytes2 = two.to_bytes();
        assert_eq!(&bytes2[..8], &TWO_BANDINGS.to_le_bytes());
        let back2 = LshIndex::from_bytes(&bytes2).unwrap();
        assert_eq!(back2.bandings(), 2);
        two.compact();
        assert_eq!(back2, two);
        assert!(two.query(&sigs[3]).len() >= one.query(&sigs[3]).len());
        assert!(LshIndex::from_bytes(&bytes2[..bytes2.len() - 1]).is_err());
        let mut bad = bytes2.clone();
        bad[8] = 3;
        assert!(LshIndex::from_bytes(&bad).is_err());
        // One band or one row: the stride banding would be the same, so there is one.
        let single = LshIndex::new(8, LshParams { bands: 1, rows: 8 })
            .unwrap()
            .with_bandings(2);
        assert_eq!(single.bandings(), 1);
        let mut keys = Vec::new();
        banded_hashes(&sigs[0], params, 2, &mut keys);
        assert_eq!(keys.len(), 8);
        let mut first = Vec::new();
        band_hashes(&sigs[0], params, &mut first);
        assert_eq!(keys[..4], first[..]);
    }

    #[test]
    fn pair_sort_is_sort_unstable() {
        let mut state = 7u64;
        for n in [0, 5, 1023, 1024, 5000, 70_000] {
            let pairs: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    // Some keys repeated, some docs out of order.
                    let key = if i % 5 == 0 { 42 << 40 } else { state };
                    (key, (i * 7919) % 100_003)
                })
                .collect();
            let mut want = pairs.clone();
            want.sort_unstable();
            let mut got = pairs;
            sort_pairs(&mut got);
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn big_buckets_give_bounded_pairs() {
        let mut index = LshIndex::new(2, LshParams { bands: 1, rows: 2 })
            .unwrap()
            .with_max_bucket(3);
        for d in 0..10 {
            index.insert(d, &[1, 1]);
        }
        let pairs = index.candidate_pairs(|d| 10 - d);
        // Each member paired with the 3 after it in the content order: 7·3 + 2 + 1 pairs.
        assert_eq!(pairs.len(), 24);
        assert!(pairs.iter().all(|&(a, b)| a < b));
    }
}
