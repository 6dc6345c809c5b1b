//! Site statistics: on how many pages of a site each block occurs, learned from a stream of
//! pages, for the `chrome` detector.
//!
//! A block is keyed by the hash of its folded words with every number folded to one token
//! ([`block_key`]), so "12 comments" and "3 comments", or a footer with another year, are one
//! key. Each page counts a key once.
//!
//! # Memory bound
//!
//! A site holds exact counts (a hash table of 17 bytes a slot, at most 8192 slots, so at most
//! 136 KiB) while it has at most [`EXACT_KEYS`] distinct keys. Past that its counts move into
//! a count-min sketch of [`SKETCH_DEPTH`] × [`SKETCH_WIDTH`] 32-bit counters (128 KiB), which
//! never under-counts and over-counts a key by at most `e / SKETCH_WIDTH` of the site's
//! (page, key) pairs with probability `1 - e^-4`: for pages of about 100 distinct lines, about
//! 3% of the site's pages, well below the share that makes chrome (`site_min_share`, 50%). So a
//! site never takes more than about 136 KiB, whatever its number of pages, and a small site is
//! exact.
//!
//! # Order and merging
//!
//! Both representations are sums over pages, and which one a site uses depends only on its
//! set of distinct keys, so the statistics of a stream never depend on the order of its pages
//! or how it was split: `merge` of the statistics of two halves equals those of the whole.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::document::Document;
use crate::error::{Error, Result};
use crate::shingle::hash_tokens;

/// Most distinct keys a site counts exactly.
pub const EXACT_KEYS: usize = 4096;
/// Rows of a site's count-min sketch.
pub const SKETCH_DEPTH: usize = 4;
/// Counters per row of a site's count-min sketch.
pub const SKETCH_WIDTH: usize = 8192;

/// The number token every number folds to in block keys.
const NUMBER: u64 = 0x6e75_6d62_6572;

/// The key of block `i` of `doc`: its token hashes, numbers folded, hashed with `seed`.
#[must_use]
pub fn block_key(doc: &Document<'_>, i: usize, seed: u64) -> u64 {
    let text = doc.text();
    let toks = doc.tokens(i);
    let fold = |t: &crate::normalize::Token| {
        // Most words open with an ASCII char that is no digit: no number, no char scan (the
        // rest out of line, so that this test stays in the loop).
        let plain = text
            .as_bytes()
            .get(t.start)
            .is_some_and(|&b| b < 0x80 && !b.is_ascii_digit())
            && t.start < t.end;
        if plain {
            t.hash
        } else {
            fold_number(&text[t.start..t.end], t.hash)
        }
    };
    let seed = seed ^ 0x0062_6c6f_636b;
    // One-shot xxh3 of the folded hashes: cheaper than streaming them 8 bytes at a time.
    // Most lines are short: their hashes stay on the stack.
    let mut stack = [0u64; 32];
    if toks.len() <= stack.len() {
        for (s, t) in stack.iter_mut().zip(toks) {
            *s = fold(t);
        }
        hash_tokens(&stack[..toks.len()], seed)
    } else {
        let folded: Vec<u64> = toks.iter().map(fold).collect();
        hash_tokens(&folded, seed)
    }
}

/// [`NUMBER`] for a word of numbers, else its hash `hash`.
#[inline(never)]
fn fold_number(word: &str, hash: u64) -> u64 {
    if crate::normalize::is_number(word) {
        NUMBER
    } else {
        hash
    }
}

/// A seeded hash of a site's name: how a [`SiteModel`] keys its sites.
#[must_use]
pub fn site_hash(site: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(site.as_bytes(), seed)
}

/// Counts of one site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Counts {
    /// Key -> pages holding it. A hash table: fitting counts every line of every page into
    /// it. Saved in key order, so that a model's bytes hang only on its counts.
    Exact(#[serde(serialize_with = "sorted")] FxHashMap<u64, u32>),
    /// Count-min sketch, `SKETCH_DEPTH` rows of `SKETCH_WIDTH`.
    Sketch(Vec<u32>),
}

/// Serialises `map` in key order.
fn sorted<S: serde::Serializer>(
    map: &FxHashMap<u64, u32>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let ordered: BTreeMap<&u64, &u32> = map.iter().collect();
    ordered.serialize(s)
}

fn sketch_slot(key: u64, row: usize) -> usize {
    let h = xxh3_64_with_seed(&key.to_le_bytes(), row as u64 + 1);
    row * SKETCH_WIDTH + (h as usize % SKETCH_WIDTH)
}

/// The statistics of one site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteStats {
    pages: u64,
    counts: Counts,
}

impl Default for SiteStats {
    fn default() -> Self {
        Self {
            pages: 0,
            counts: Counts::Exact(FxHashMap::default()),
        }
    }
}

impl SiteStats {
    /// Pages seen.
    #[must_use]
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// On how many pages the block with `key` occurs (exact, or a sketch's upper bound).
    #[must_use]
    pub fn block_pages(&self, key: u64) -> u64 {
        match &self.counts {
            Counts::Exact(map) => map.get(&key).map_or(0, |&c| u64::from(c)),
            Counts::Sketch(s) => (0..SKETCH_DEPTH)
                .map(|r| u64::from(s[sketch_slot(key, r)]))
                .min()
                .unwrap_or(0),
        }
    }

    /// True once the site's counts are in its sketch (more than [`EXACT_KEYS`] keys).
    #[must_use]
    pub fn is_sketched(&self) -> bool {
        matches!(self.counts, Counts::Sketch(_))
    }

    fn add_key(&mut self, key: u64, n: u32) {
        match &mut self.counts {
            Counts::Exact(map) => {
                let c = map.entry(key).or_default();
                *c = c.saturating_add(n);
                if map.len() > EXACT_KEYS {
                    self.make_sketch();
                }
            }
            Counts::Sketch(s) => {
                for r in 0..SKETCH_DEPTH {
                    let slot = &mut s[sketch_slot(key, r)];
                    *slot = slot.saturating_add(n);
                }
            }
        }
    }

    fn make_sketch(&mut self) {
        if let Counts::Exact(map) = &self.counts {
            let mut s = vec![0u32; SKETCH_DEPTH * SKETCH_WIDTH];
            for (&key, &c) in map {
                for r in 0..SKETCH_DEPTH {
                    let slot = &mut s[sketch_slot(key, r)];
                    *slot = slot.saturating_add(c);
                }
            }
            self.counts = Counts::Sketch(s);
        }
    }

    /// Adds another site's statistics to these.
    pub fn merge(&mut self, other: &SiteStats) {
        self.pages += other.pages;
        match &other.counts {
            Counts::Exact(map) => {
                for (&k, &c) in map {
                    self.add_key(k, c);
                }
            }
            Counts::Sketch(theirs) => {
                self.make_sketch();
                if let Counts::Sketch(mine) = &mut self.counts {
                    for (m, t) in mine.iter_mut().zip(theirs) {
                        *m = m.saturating_add(*t);
                    }
                }
            }
        }
    }

    /// Approximate heap bytes held.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        match &self.counts {
            // A slot: key and count (12 bytes, 16 aligned) and a control byte.
            Counts::Exact(map) => map.capacity() * 8 / 7 * 17,
            Counts::Sketch(s) => s.len() * 4,
        }
    }
}

/// Statistics of many sites: what `Cleaner::fit` learns.
///
/// Build it from pages with [`add`](Self::add) (or [`add_document`](Self::add_document)),
/// [`merge`](Self::merge) the models of parts of a corpus, save it with
/// [`to_bytes`](Self::to_bytes). Memory: at most about 136 KiB per site (see the
/// [module docs](self)).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteModel {
    seed: u64,
    sites: BTreeMap<u64, SiteStats>,
}

/// Format tag of serialised models.
const MAGIC: &[u8; 8] = b"chaffSM1";

impl SiteModel {
    /// An empty model; `seed` must be the seed of the cleaner that uses it.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            sites: BTreeMap::new(),
        }
    }

    /// The seed the model's keys are hashed with.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Adds one page of site `site`.
    pub fn add(&mut self, site: &str, text: &str) {
        let doc = Document::new(text, self.seed);
        self.add_document(site_hash(site, self.seed), &doc);
    }

    /// Adds one analysed page (made with this model's seed) of the site with hash `site`.
    pub fn add_document(&mut self, site: u64, doc: &Document<'_>) {
        let stats = self.sites.entry(site).or_default();
        stats.pages += 1;
        let mut seen =
            FxHashSet::with_capacity_and_hasher(doc.blocks().len(), rustc_hash::FxBuildHasher);
        for i in 0..doc.blocks().len() {
            if doc.tokens(i).is_empty() {
                continue;
            }
            let key = block_key(doc, i, self.seed);
            if seen.insert(key) {
                stats.add_key(key, 1);
            }
        }
    }

    /// Adds another model's counts to this one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the models use different seeds.
    pub fn merge(&mut self, other: &SiteModel) -> Result<()> {
        if self.seed != other.seed {
            return Err(Error::config(format!(
                "cannot merge site statistics of seed {} into seed {}",
                other.seed, self.seed
            )));
        }
        for (site, stats) in &other.sites {
            self.sites.entry(*site).or_default().merge(stats);
        }
        Ok(())
    }

    /// The statistics of the site with hash `site`.
    #[must_use]
    pub fn site(&self, site: u64) -> Option<&SiteStats> {
        self.sites.get(&site)
    }

    /// The statistics of the site named `site`.
    #[must_use]
    pub fn site_named(&self, site: &str) -> Option<&SiteStats> {
        self.site(site_hash(site, self.seed))
    }

    /// Number of sites.
    #[must_use]
    pub fn num_sites(&self) -> usize {
        self.sites.len()
    }

    /// Pages seen over all sites.
    #[must_use]
    pub fn num_pages(&self) -> u64 {
        self.sites.values().map(SiteStats::pages).sum()
    }

    /// Approximate heap bytes held.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.sites.values().map(|s| s.memory_bytes() + 48).sum()
    }

    /// The model as bytes (a tag, then zstd-compressed JSON).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut out = MAGIC.to_vec();
        out.extend(zstd::bulk::compress(&json, 3).unwrap_or_default());
        out
    }

    /// A model from [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    /// [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) when the bytes are not a
    /// model.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| Error::serialization("not chaffless site statistics (bad header)"))?;
        let mut json = Vec::new();
        zstd::stream::copy_decode(body, &mut json)
            .map_err(|e| Error::serialization(format!("corrupt site statistics: {e}")))?;
        let model: Self = serde_json::from_slice(&json)
            .map_err(|e| Error::serialization(format!("corrupt site statistics: {e}")))?;
        for stats in model.sites.values() {
            if let Counts::Sketch(s) = &stats.counts {
                if s.len() != SKETCH_DEPTH * SKETCH_WIDTH {
                    return Err(Error::serialization("corrupt site statistics: sketch size"));
                }
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pages: &[(&str, &str)]) -> SiteModel {
        let mut m = SiteModel::new(0);
        for (site, text) in pages {
            m.add(site, text);
        }
        m
    }

    #[test]
    fn counts_pages_once_and_folds_numbers() {
        let m = model(&[
            ("a", "Menu\n3 comments\nMenu\nArticle one."),
            ("a", "Menu\n12 comments\nArticle two."),
            ("b", "Menu"),
        ]);
        let doc = Document::new("Menu\n7 comments\nArticle one.", 0);
        let s = m.site_named("a").unwrap();
        assert_eq!(s.pages(), 2);
        assert_eq!(s.block_pages(block_key(&doc, 0, 0)), 2);
        assert_eq!(s.block_pages(block_key(&doc, 1, 0)), 2);
        assert_eq!(s.block_pages(block_key(&doc, 2, 0)), 1);
        assert_eq!(m.site_named("b").unwrap().pages(), 1);
        assert!(m.site_named("c").is_none());
    }

    #[test]
    fn block_keys_are_hash_tokens_of_the_folded_hashes() {
        // A short line (hashes on the stack) and a long one (on the heap).
        let long = (0..40)
            .map(|k| format!("w{k} {k}"))
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!("Page 12 of 40 here\n{long}");
        let doc = Document::new(&text, 0);
        for i in 0..2 {
            let folded: Vec<u64> = doc
                .tokens(i)
                .iter()
                .map(|t| {
                    if doc.text()[t.start..t.end].chars().all(char::is_numeric) {
                        NUMBER
                    } else {
                        t.hash
                    }
                })
                .collect();
            // The streamed hash of the same bytes, as keys were first made.
            let mut streamed = xxhash_rust::xxh3::Xxh3::with_seed(5 ^ 0x0062_6c6f_636b);
            for h in &folded {
                streamed.update(&h.to_le_bytes());
            }
            assert_eq!(block_key(&doc, i, 5), streamed.digest());
            assert_eq!(
                block_key(&doc, i, 5),
                crate::shingle::hash_tokens(&folded, 5 ^ 0x0062_6c6f_636b)
            );
        }
    }

    #[test]
    fn merge_of_halves_equals_the_whole_and_bytes_round_trip() {
        let pages: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("s{}", i % 3),
                    format!("Menu\nStory {i} here.\nFooter {i}"),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = pages
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let whole = model(&refs);
        let mut left = model(&refs[..17]);
        left.merge(&model(&refs[17..])).unwrap();
        assert_eq!(left, whole);
        let mut rev: Vec<(&str, &str)> = refs.clone();
        rev.reverse();
        assert_eq!(model(&rev), whole);
        // The bytes hang on the counts only, not on the order the table was filled in.
        assert_eq!(model(&rev).to_bytes(), whole.to_bytes());
        assert_eq!(left.to_bytes(), whole.to_bytes());
        assert_eq!(SiteModel::from_bytes(&whole.to_bytes()).unwrap(), whole);
        assert!(SiteModel::from_bytes(b"nope").is_err());
        assert!(SiteModel::new(1).merge(&whole).is_err());
    }

    #[test]
    fn a_large_site_moves_to_its_sketch_and_stays_bounded() {
        let mut m = SiteModel::new(0);
        // Words, not numbers (numbers fold): base-26 names of i.
        let name = |mut i: usize| {
            let mut w = String::new();
            loop {
                w.push(char::from(b'a' + (i % 26) as u8));
                i /= 26;
                if i == 0 {
                    break w;
                }
            }
        };
        for i in 0..3000 {
            let w = name(i);
            m.add(
                "big",
                &format!("Menu\nUnique {w} alpha\nUnique {w} beta\nUnique {w} gamma"),
            );
        }
        let s = m.site_named("big").unwrap();
        assert!(s.is_sketched());
        // The most an exact site holds: its last key before the sketch.
        let mut exact = SiteStats::default();
        for key in 0..EXACT_KEYS as u64 {
            exact.add_key(key, 1);
        }
        assert!(!exact.is_sketched());
        assert!(
            exact.memory_bytes() <= 136 * 1024,
            "{}",
            exact.memory_bytes()
        );
        assert!(s.memory_bytes() <= SKETCH_DEPTH * SKETCH_WIDTH * 4);
        let doc = Document::new("Menu", 0);
        // Never under-counts; over-counts by little.
        let menu = s.block_pages(block_key(&doc, 0, 0));
        assert!((3000..3050).contains(&menu), "{menu}");
    }
}
