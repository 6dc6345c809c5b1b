//! The `repeat` detector: text repeated inside one page.
//!
//! News pages repeat their lede: as a photo caption with a credit appended, as a teaser at the
//! bottom cut short with "..." or "Read more", glued to the start of the next paragraph. The
//! detector keeps exactly one copy (the complete one) and labels the others `repeat`.
//!
//! # Algorithm
//!
//! 1. Every block's words are hashed ([`crate::normalize`]) and cut into `shingle_size`-word
//!    shingles. An index maps each shingle to the blocks holding it. A shingle held by more than
//!    `max_copies` blocks is a page pattern and is dropped, which also bounds the work per
//!    shingle: the whole detector is `O(n log n)` in the page's words.
//! 2. For each block of at least `min_tokens` words, matching shingles are chained into
//!    **runs**: stretches where the block and another block agree word for word, in order
//!    (the same diagonal of the alignment). Runs shorter than `min_run` words are chance.
//! 3. A block's **coverage** is the share of its words inside runs. A trailing truncation mark
//!    ("...", "…", "Read more" in many languages) does not count against it, and a last word
//!    cut mid-word counts as covered when the source's next word starts with it. A block with
//!    coverage ≥ `min_coverage` is a copy candidate. Blocks under `short_block` words must also
//!    pass an edit-distance ratio (strsim's Levenshtein over words) against the text they
//!    copy.
//! 4. **Who survives.** Candidates are visited from the least complete to the most complete
//!    copy: truncated copies first, then copies assembled from several blocks (glued), then
//!    copies with extra text (a credit), then later before earlier. A candidate is removed when
//!    it is still covered by blocks that have not been removed. So of a group of copies exactly
//!    one survives, and it is the complete one.
//!
//! The cleaner's later passes (the page again, without what was cut) often need no run: when
//! every line is one the last run saw whole and every cap of that run still binds, nothing
//! new can be found (see `RepeatDetector::detect_cached`; debug builds check it).

use std::cell::RefCell;
use std::fmt::Write as _;

use crate::config::RepeatConfig;
use crate::detect::Detector;
use crate::document::{Document, Label, Span};
use crate::normalize::{fold_word, Tokenizer};
use crate::shingle::hash_tokens;
use crate::similarity::token_edit_ratio;

/// The detector's versioned name.
pub const NAME: &str = "repeat_v1";

const TRUNCATION_PHRASES: &str = include_str!("../lexicon/truncation.txt");

/// Finds text repeated inside one page. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct RepeatDetector {
    config: RepeatConfig,
    /// Token-hash sequences of the "Read more" phrases.
    markers: Vec<Vec<u64>>,
}

impl RepeatDetector {
    /// A detector with `config` (assumed validated), hashing with `seed`.
    #[must_use]
    pub fn new(config: RepeatConfig, seed: u64) -> Self {
        let mut tok = Tokenizer::new(seed);
        let markers = TRUNCATION_PHRASES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| tok.tokenize(l).iter().map(|t| t.hash).collect::<Vec<_>>())
            .filter(|m| !m.is_empty())
            .collect();
        Self { config, markers }
    }
}

/// The index key of a shingle (a window of token hashes). Keys are only compared, never
/// kept, so a multiply-and-rotate mix of the (already random) token hashes serves, at a
/// fraction of the cost of hashing their bytes.
#[inline]
fn window_key(window: &[u64]) -> u64 {
    window.iter().fold(0x243f_6a88_85a3_08d3, |h: u64, &t| {
        (h.rotate_left(23) ^ t).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    })
}

/// No entry: an empty slot, the end of a chain, a position in no group.
const NONE: u32 = u32::MAX;

/// Set in [`Slot::meta`] once the key's entries are in more than one block.
const MANY: u32 = 1 << 31;

/// One key of the shingle index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    key: u64,
    /// The last entry with the key; [`NONE`] for an empty slot.
    head: u32,
    /// How many entries have the key (the low 31 bits), and [`MANY`].
    meta: u32,
}

impl Slot {
    fn count(self) -> usize {
        (self.meta & !MANY) as usize
    }

    fn many(self) -> bool {
        self.meta & MANY != 0
    }
}

const EMPTY: Slot = Slot {
    key: 0,
    head: NONE,
    meta: 0,
};

/// Records `entry` under `key` in `slots` (a power-of-two table probed from the key's top
/// bits, `64 - shift` of them): returns its slot and the key's previous last entry ([`NONE`]
/// for a new key). Entries are recorded block after block, `first` being the first entry of
/// `entry`'s block, so an earlier entry is of another block.
#[inline]
fn probe(slots: &mut [Slot], shift: u32, key: u64, entry: u32, first: u32) -> (u32, u32) {
    let mask = slots.len() - 1;
    #[allow(clippy::cast_possible_truncation)]
    let mut at = (key >> shift) as usize;
    loop {
        let slot = &mut slots[at];
        if slot.head == NONE {
            *slot = Slot {
                key,
                head: entry,
                meta: 1,
            };
            #[allow(clippy::cast_possible_truncation)]
            return (at as u32, NONE);
        }
        if slot.key == key {
            let prev = slot.head;
            slot.head = entry;
            let count = ((slot.meta & !MANY) + 1).min(!MANY);
            slot.meta = count | (slot.meta & MANY) | if prev < first { MANY } else { 0 };
            #[allow(clippy::cast_possible_truncation)]
            return (at as u32, prev);
        }
        at = (at + 1) & mask;
    }
}

/// Where [`index_block`] writes a block's entries.
struct Out<'a> {
    entries: &'a mut [(u32, u32)],
    next: &'a mut [u32],
    slot_of: &'a mut [u32],
}

/// Records the `k`-shingles of a block's token hashes `block` in `slots` (see [`probe`]):
/// each entry's (block, position), previous entry with its key and slot. `K` is `k` when
/// not 0, so that the usual size compiles to a loop of its own.
fn index_block<const K: usize>(
    block: &[u64],
    k: usize,
    slots: &mut [Slot],
    shift: u32,
    b32: u32,
    first: u32,
    out: Out<'_>,
) {
    let k = if K == 0 { k } else { K };
    let rows = out.entries.iter_mut().zip(out.next).zip(out.slot_of);
    for (pos, (w, ((entry, next), slot))) in (0u32..).zip(block.windows(k).zip(rows)) {
        *entry = (b32, pos);
        let key = if K == 0 {
            window_key(w)
        } else {
            window_key(&w[..K])
        };
        (*slot, *next) = probe(slots, shift, key, first + pos, first);
    }
}

/// Turns a block's entries' slots (`group_of`, the block's entries from `first` on) into
/// their groups (the key's last entry, or [`NONE`] for a key in one block only or in more
/// than `max_entries` places), emptying each slot at its key's last entry. Returns the words
/// under the block's shingles that have a group. A key left out for being in too many places
/// goes to `left_out` (its slot, block `b32`), once per entry.
#[allow(clippy::too_many_arguments)]
fn group_block(
    group_of: &mut [u32],
    slots: &mut [Slot],
    first: u32,
    k: usize,
    max_entries: usize,
    b32: u32,
    left_out: &mut Vec<(u32, u32)>,
) -> usize {
    let (mut union, mut reach) = (0usize, 0usize);
    for (i, (idx, g)) in (first..).zip(group_of.iter_mut()).enumerate() {
        let at = &mut slots[*g as usize];
        let slot = *at;
        if slot.head == idx {
            *at = EMPTY;
        }
        if slot.many() && slot.count() <= max_entries {
            *g = slot.head;
            union += (i + k).saturating_sub(reach.max(i));
            reach = i + k;
        } else {
            if slot.many() {
                left_out.push((*g, b32));
            }
            *g = NONE;
        }
    }
    union
}

/// The shingle index: an open-addressed table (linear probing, a power-of-two size at least
/// twice the page's shingles) from a shingle's key to the last entry with that key, how many
/// entries have it and whether they are in more than one block. One per thread, kept from
/// page to page and empty between pages.
#[derive(Debug, Default)]
struct ShingleTable {
    slots: Vec<Slot>,
    /// Slots in play for this page (a power of two).
    len: usize,
    /// Slots used through [`Self::insert`], to empty them.
    used: Vec<u32>,
    /// Slots may be in use that `used` does not list.
    dirty: bool,
}

impl ShingleTable {
    /// Makes room for `n` keys. The table must be empty.
    fn prepare(&mut self, n: usize) {
        let want = n.saturating_mul(2).max(16).next_power_of_two();
        if self.slots.len() < want {
            self.slots = vec![EMPTY; want];
        }
        // Only the first `want` slots are in play: the rest stay empty.
        self.len = want;
    }

    /// `64 - log2(slots in play)`: a key's home slot is its top bits.
    fn shift(&self) -> u32 {
        64 - self.len.trailing_zeros()
    }

    /// The slots in play, and the shift for [`probe`]. The caller empties the slots it
    /// fills, or leaves the table [`Self::dirty`].
    fn view(&mut self) -> (&mut [Slot], u32) {
        let shift = self.shift();
        (&mut self.slots[..self.len], shift)
    }

    /// [`probe`], listing a new key's slot in `used`.
    fn insert(&mut self, key: u64, entry: u32, first: u32) -> (u32, u32) {
        let shift = self.shift();
        let (slot, prev) = probe(&mut self.slots[..self.len], shift, key, entry, first);
        if prev == NONE {
            self.used.push(slot);
        }
        (slot, prev)
    }

    /// The key in `slot`.
    #[inline]
    fn slot(&self, slot: u32) -> Slot {
        self.slots[slot as usize]
    }

    /// Empties the slots in use.
    fn clear(&mut self) {
        if self.dirty {
            self.slots.fill(EMPTY);
            self.dirty = false;
        } else {
            for &at in &self.used {
                self.slots[at as usize] = EMPTY;
            }
        }
        self.used.clear();
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.used.is_empty() && !self.dirty && self.slots.iter().all(|&s| s == EMPTY)
    }
}

/// A page's vectors, kept per thread so that each page does not allocate (and fill) them
/// anew. Their contents are stale: each page writes what it reads.
#[derive(Debug, Default)]
struct Scratch {
    /// The page's token hashes.
    hashes: Vec<u64>,
    /// Each shingle entry's (block, position).
    entries: Vec<(u32, u32)>,
    /// The previous entry with the same key, or [`NONE`].
    next: Vec<u32>,
    /// Each entry's slot, then its group.
    group_of: Vec<u32>,
}

thread_local! {
    static TABLE: RefCell<ShingleTable> = RefCell::new(ShingleTable::default());
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// This thread's scratch vectors (fresh ones if they are in use).
fn take_scratch() -> Scratch {
    SCRATCH
        .try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut s| std::mem::take(&mut *s))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Keeps `scratch` for this thread's next page.
fn give_back(scratch: Scratch) {
    let _ = SCRATCH.try_with(|cell| {
        if let Ok(mut s) = cell.try_borrow_mut() {
            *s = scratch;
        }
    });
}

/// Runs `f` with this thread's (empty) shingle table, ready for `n` keys, and empties it
/// afterwards, also when `f` panics.
fn with_table<R>(n: usize, f: impl FnOnce(&mut ShingleTable) -> R) -> R {
    struct Emptied<'a>(&'a mut ShingleTable);
    impl Drop for Emptied<'_> {
        fn drop(&mut self) {
            self.0.clear();
        }
    }
    let mut f = Some(f);
    let shared = TABLE
        .try_with(|cell| {
            let mut table = cell.try_borrow_mut().ok()?;
            table.prepare(n);
            let guard = Emptied(&mut table);
            Some((f.take().expect("f is run once"))(&mut *guard.0))
        })
        .ok()
        .flatten();
    shared.unwrap_or_else(|| {
        // Re-entered (or the thread is ending): a table of its own.
        let mut table = ShingleTable::default();
        table.prepare(n);
        (f.take().expect("f is run once"))(&mut table)
    })
}

/// A stretch of words that a block shares, in order, with a source block.
#[derive(Clone, Copy, Debug)]
struct Run {
    source: u32,
    /// Token range in the copy.
    start: u32,
    end: u32,
    /// Token range in the source.
    src_start: u32,
    src_end: u32,
}

#[derive(Debug)]
struct Candidate {
    block: usize,
    /// Covered words needed, from blocks still standing, to remove the block.
    need: usize,
    runs: Vec<Run>,
    /// Tokens that count (the trailing truncation phrase excluded).
    n: usize,
    truncated: bool,
    composite: bool,
    coverage: f64,
    edit: Option<f64>,
}

/// Words of `runs` (ranges in the copy) covered, given which sources still stand.
fn covered(runs: &[Run], alive: impl Fn(u32) -> bool, n: usize, mark: &mut Vec<bool>) -> usize {
    mark.clear();
    mark.resize(n, false);
    for r in runs.iter().filter(|r| alive(r.source)) {
        for m in &mut mark[r.start as usize..(r.end as usize).min(n)] {
            *m = true;
        }
    }
    mark.iter().filter(|&&m| m).count()
}

/// An **extended copy**: a whole other block plus a little text at one end (a photo credit, a
/// source). The copied words must be one stretch at the start or the end of the block, cover
/// at least `1 - max_extra` of it, and come from a source block copied (nearly) whole. Returns
/// the words covered, using only the runs whose source `alive` accepts.
fn extended(
    doc: &Document<'_>,
    cfg: &RepeatConfig,
    runs: &[Run],
    alive: impl Fn(u32) -> bool + Copy,
    n: usize,
    mark: &mut Vec<bool>,
) -> Option<usize> {
    let mut sources: Vec<u32> = runs
        .iter()
        .map(|r| r.source)
        .filter(|&s| alive(s))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    // One source at a time, so that the test only gets easier as more sources stand.
    sources
        .into_iter()
        .filter_map(|src| {
            let cov = covered(runs, |s| s == src, n, mark);
            #[allow(clippy::cast_precision_loss)]
            if cov == 0 || (cov as f64 / n as f64) < 1.0 - cfg.max_extra {
                return None;
            }
            let first = mark.iter().position(|&m| m)?;
            let last = mark.iter().rposition(|&m| m)?;
            if !(mark[first..=last].iter().all(|&m| m) && (first == 0 || last + 1 == n)) {
                return None;
            }
            let len = doc.tokens(src as usize).len();
            let mut src_mark = vec![false; len];
            for r in runs.iter().filter(|r| r.source == src) {
                for m in &mut src_mark[r.src_start as usize..(r.src_end as usize).min(len)] {
                    *m = true;
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let share = src_mark.iter().filter(|&&m| m).count() as f64 / len as f64;
            (share >= cfg.min_coverage).then_some(cov)
        })
        .max()
}

impl Detector for RepeatDetector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>) {
        self.run(doc, out, &mut Caps::default());
    }
}

/// What the repeat detector knows of a page from its last full run over it: later passes of
/// the cleaner read the page without what was cut, and most need no run of their own.
#[derive(Debug, Default)]
pub(crate) struct RepeatCache {
    /// A full run was made.
    ran: bool,
    /// The origins of the blocks that run found to be copies.
    copies: Vec<u32>,
    /// What its caps left out of the index.
    caps: Caps,
}

/// What a run's caps left out of the index: each page pattern (a block's text in more than
/// `max_copies` blocks) and each shingle in more than `max_entries` places, with its limit
/// and the origins of its places (`origins[range]`, one per place).
#[derive(Debug, Default)]
struct Caps {
    caps: Vec<(usize, std::ops::Range<usize>)>,
    origins: Vec<u32>,
}

impl Caps {
    /// Records the caps of `pairs` (a cap's id, a block of `doc` it counted, once per place)
    /// with limit `limit`.
    fn add(&mut self, doc: &Document<'_>, pairs: &mut [(u32, u32)], limit: usize) {
        pairs.sort_unstable();
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            let from = self.origins.len();
            self.origins
                .extend(group.iter().map(|&(_, b)| doc.origin(b as usize)));
            self.caps.push((limit, from..self.origins.len()));
        }
    }
}

impl RepeatDetector {
    /// [`Detector::detect`] on a later pass over a page, reusing what `cache` knows of it.
    ///
    /// A later pass finds nothing new when every block of `doc` is a line the last full run
    /// saw whole, none is one of its copies, and every cap of that run still binds (or
    /// counts nothing). Then every test of the run holds only fewer blocks, so it only gets
    /// harder: the index holds a subset of the same shingles (none comes in that a cap left
    /// out), runs and sources; a block's coverage only falls (sources are tried one at a
    /// time); and a block that survived the run because too few of its sources stood has
    /// fewer still. Debug builds run the detector anyway and check it.
    pub(crate) fn detect_cached(
        &self,
        doc: &Document<'_>,
        out: &mut Vec<Span>,
        cache: &mut RepeatCache,
    ) {
        if cache.ran && Self::nothing_new(doc, cache) {
            debug_assert!(
                {
                    let mut spans = Vec::new();
                    self.run(doc, &mut spans, &mut Caps::default());
                    spans.is_empty()
                },
                "a later pass found a repeat the last run had ruled out"
            );
            return;
        }
        let from = out.len();
        cache.caps = Caps::default();
        self.run(doc, out, &mut cache.caps);
        cache.ran = true;
        cache.copies.clear();
        for s in &out[from..] {
            let b = doc.blocks().partition_point(|b| b.start < s.start);
            cache.copies.push(doc.origin(b));
        }
    }

    /// See [`detect_cached`](Self::detect_cached).
    fn nothing_new(doc: &Document<'_>, cache: &RepeatCache) -> bool {
        let n = doc.blocks().len();
        let mut present: Vec<bool> = Vec::new();
        for i in 0..n {
            let o = doc.origin(i);
            if o == crate::document::NO_ORIGIN {
                return false;
            }
            let o = o as usize;
            if present.len() <= o {
                present.resize(o + 1, false);
            }
            present[o] = true;
        }
        let here = |o: &u32| present.get(*o as usize).copied().unwrap_or(false);
        !cache.copies.iter().any(here)
            && cache.caps.caps.iter().all(|(limit, range)| {
                let count = cache.caps.origins[range.clone()]
                    .iter()
                    .filter(|o| here(o))
                    .count();
                count == 0 || count > *limit
            })
    }

    /// Appends the copies found in `doc` to `out`; what the caps left out of the index goes
    /// to `caps`.
    #[allow(clippy::too_many_lines)]
    fn run(&self, doc: &Document<'_>, out: &mut Vec<Span>, caps: &mut Caps) {
        let cfg = &self.config;
        if !cfg.enabled {
            return;
        }
        let k = cfg.shingle_size;
        let nblocks = doc.blocks().len();
        if nblocks < 2 {
            return;
        }
        // Page patterns and shingles left out: (key slot, block), once per place.
        let mut patterns: Vec<(u32, u32)> = Vec::new();
        let mut left_out: Vec<(u32, u32)> = Vec::new();

        // The page's token hashes, block after block: `hashes[spans[b].clone()]` are block
        // `b`'s. The page's vectors are this thread's, kept from page to page.
        let mut scratch = take_scratch();
        let Scratch {
            hashes,
            entries,
            next,
            group_of,
        } = &mut scratch;
        hashes.clear();
        let mut spans: Vec<std::ops::Range<usize>> = Vec::with_capacity(nblocks);
        for b in 0..nblocks {
            let first = hashes.len();
            hashes.extend(doc.tokens(b).iter().map(|t| t.hash));
            spans.push(first..hashes.len());
        }
        // Text found whole in more than `max_copies` blocks is a page pattern: left out of the
        // index, so that removing other blocks never changes what the rest match (idempotence).
        let keys: Vec<u64> = spans
            .iter()
            .map(|r| hash_tokens(&hashes[r.clone()], 1))
            .collect();

        // 1. Shingle index: each key's entries (block, position) chained through `next`.
        // Block `b`'s entries are `block_entries[b]`, in position order.
        // 2. Matches (copy block, source block, diagonal, position) for candidate copies.
        // A shingle in very many places (a stock phrase on a huge page) costs quadratic work
        // for little evidence: skipped, as is one repeated only inside one block (no evidence
        // of a copy). The others form groups, each named by its last entry: `group_of` names
        // each entry's group, or is NONE.
        // Skipping one shingle leaves its words covered by its neighbours, so little is lost.
        let max_entries = cfg.max_copies.saturating_mul(4).max(16);
        let mut block_entries: Vec<std::ops::Range<usize>> = Vec::with_capacity(nblocks);
        let mut total = 0usize;
        // A block can only be a copy if the words under its matching shingles could reach the
        // coverage needed: most blocks, which share only stock phrases, stop here.
        let floor = cfg.min_coverage.min(1.0 - cfg.max_extra);
        let mut eligible = vec![false; nblocks];
        // At most one shingle per token, one whole-block key per block.
        with_table(hashes.len().max(nblocks), |table| {
            // Whole-block keys first (the table holds them alone, then is emptied).
            let key_slots: Vec<u32> = keys
                .iter()
                .enumerate()
                .map(|(b, &key)| {
                    #[allow(clippy::cast_possible_truncation)]
                    table.insert(key, b as u32, b as u32).0
                })
                .collect();
            for (b, (r, &slot)) in spans.iter().zip(&key_slots).enumerate() {
                let pattern = table.slot(slot).count() > cfg.max_copies;
                if pattern {
                    #[allow(clippy::cast_possible_truncation)]
                    patterns.push((slot, b as u32));
                }
                let count = if r.len() < k || pattern {
                    0
                } else {
                    r.len() + 1 - k
                };
                block_entries.push(total..total + count);
                total += count;
            }
            table.clear();
            if entries.len() < total {
                entries.resize(total, (0, 0));
                next.resize(total, NONE);
                group_of.resize(total, NONE);
            }
            // Shingle slots are not listed: each is emptied below at its key's last entry, or
            // all are if that is not reached.
            table.dirty = true;
            let (slots, shift) = table.view();
            for (b, range) in block_entries.iter().enumerate() {
                if range.is_empty() {
                    continue;
                }
                #[allow(clippy::cast_possible_truncation)]
                let (b32, first) = (b as u32, range.start as u32);
                let out = Out {
                    entries: &mut entries[range.clone()],
                    next: &mut next[range.clone()],
                    slot_of: &mut group_of[range.clone()],
                };
                let block = &hashes[spans[b].clone()];
                // The usual shingle size, unrolled.
                if k == 3 {
                    index_block::<3>(block, 3, slots, shift, b32, first, out);
                } else {
                    index_block::<0>(block, k, slots, shift, b32, first, out);
                }
            }
            // Groups, and with them which blocks are eligible.
            for (b, range) in block_entries.iter().enumerate() {
                #[allow(clippy::cast_possible_truncation)]
                let first = range.start as u32;
                #[allow(clippy::cast_possible_truncation)]
                let union = group_block(
                    &mut group_of[range.clone()],
                    slots,
                    first,
                    k,
                    max_entries,
                    b as u32,
                    &mut left_out,
                );
                let n = spans[b].len();
                if n >= cfg.min_tokens && !range.is_empty() {
                    #[allow(clippy::cast_precision_loss)]
                    let bound = (union + 1) as f64 / n as f64;
                    eligible[b] = bound >= floor;
                }
            }
            table.dirty = false;
        });
        let (entries, next, group_of) = (&entries[..total], &next[..total], &group_of[..total]);
        // 3. Runs per eligible block, then candidates. A run is a stretch of consecutive
        // positions matching one source block on one diagonal (source position - position):
        // the match at (i, j) starts one unless (i - 1, j - 1) matches too, and it goes on
        // while (i + 1, j + 1) matches. Two entries match when they are in the same group.
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut mark = Vec::new();
        let mut fold_a = String::new();
        let mut fold_b = String::new();
        // Per block, emptied for each: most blocks find runs, few make a candidate.
        let mut runs: Vec<Run> = Vec::new();
        let mut by_source: Vec<(u32, usize)> = Vec::new();
        for b in (0..nblocks).filter(|&b| eligible[b]) {
            runs.clear();
            #[allow(clippy::cast_possible_truncation)]
            let b32 = b as u32;
            let mine = &group_of[block_entries[b].clone()];
            for (i, &g) in mine.iter().enumerate() {
                if g == NONE {
                    continue;
                }
                let mut at = g;
                while at != NONE {
                    let (source, j) = entries[at as usize];
                    at = next[at as usize];
                    if source == b32 {
                        continue;
                    }
                    let theirs = &group_of[block_entries[source as usize].clone()];
                    let j = j as usize;
                    if i > 0 && j > 0 && mine[i - 1] != NONE && mine[i - 1] == theirs[j - 1] {
                        continue; // not the start of its run
                    }
                    let mut len = 1;
                    while i + len < mine.len()
                        && j + len < theirs.len()
                        && mine[i + len] != NONE
                        && mine[i + len] == theirs[j + len]
                    {
                        len += 1;
                    }
                    let len = len + k - 1;
                    if len >= cfg.min_run {
                        #[allow(clippy::cast_possible_truncation)]
                        runs.push(Run {
                            source,
                            start: i as u32,
                            end: (i + len) as u32,
                            src_start: j as u32,
                            src_end: (j + len) as u32,
                        });
                    }
                }
            }
            if runs.is_empty() {
                continue;
            }
            // Sorted for a stable, readable order.
            runs.sort_unstable_by_key(|r| (r.source, r.start, r.src_start));
            // A source must supply a real share of the block: a name or a stock phrase found
            // elsewhere ("the secretary of state said") is not copied text.
            let n_all = doc.tokens(b).len();
            let min_share = cfg.min_run.max(n_all / 4);
            by_source.clear();
            for r in &runs {
                match by_source.iter_mut().find(|(s, _)| *s == r.source) {
                    Some((_, c)) => *c += (r.end - r.start) as usize,
                    None => by_source.push((r.source, (r.end - r.start) as usize)),
                }
            }
            runs.retain(|r| {
                by_source
                    .iter()
                    .any(|&(s, c)| s == r.source && c >= min_share)
            });
            if runs.is_empty() {
                continue;
            }

            let toks = doc.tokens(b);
            let text = doc.text();
            let block = doc.blocks()[b];
            // Truncation: "..." / "…" after the last word, or a "Read more" phrase.
            let last_end = toks.last().map_or(block.start, |t| t.end);
            let tail = &text[last_end..block.end];
            let mut truncated = tail.contains("...") || tail.contains('…');
            let mut n = toks.len();
            let own = &hashes[spans[b].clone()];
            for m in &self.markers {
                // The last word first: most markers differ there.
                if m.len() < n && m.last() == own.last() && own[n - m.len()..] == m[..] {
                    n -= m.len();
                    truncated = true;
                    break;
                }
            }

            // Cheap bound first (one more word for a mid-word cut): most blocks stop here.
            #[allow(clippy::cast_precision_loss)]
            let bound = (covered(&runs, |_| true, n, &mut mark) + 1) as f64 / n as f64;
            if bound < cfg.min_coverage.min(1.0 - cfg.max_extra) {
                continue;
            }
            // Filter sources that fail the edit-ratio check for short blocks.
            let mut edit = None;
            if n < cfg.short_block {
                let mut sources: Vec<u32> = runs.iter().map(|r| r.source).collect();
                sources.sort_unstable();
                sources.dedup();
                let copy = &hashes[spans[b].start..spans[b].start + n];
                let mut best = 0.0f64;
                for &src in &sources {
                    let (lo, hi) = runs
                        .iter()
                        .filter(|r| r.source == src)
                        .fold((u32::MAX, 0), |(lo, hi), r| {
                            (lo.min(r.src_start), hi.max(r.src_end))
                        });
                    let stoks = &hashes[spans[src as usize].clone()];
                    let region = &stoks[lo as usize..(hi as usize).min(stoks.len())];
                    // The length difference alone may settle it: the distance is at
                    // least that, and the ratio at most the bound (so below the minimum).
                    let longest = copy.len().max(region.len());
                    #[allow(clippy::cast_precision_loss)]
                    let bound =
                        1.0 - copy.len().abs_diff(region.len()) as f64 / longest.max(1) as f64;
                    let ratio = if bound < cfg.min_edit_ratio {
                        bound
                    } else {
                        token_edit_ratio(copy, region)
                    };
                    if ratio < cfg.min_edit_ratio {
                        runs.retain(|r| r.source != src);
                    } else {
                        best = best.max(ratio);
                    }
                }
                if runs.is_empty() {
                    continue;
                }
                edit = Some(best);
            }

            // A last word cut mid-word: covered by each run whose source's next word extends
            // it (per run, so the test does not depend on which other blocks stand).
            if n >= 2 {
                fold_a.clear();
                fold_word(&text[toks[n - 1].start..toks[n - 1].end], &mut fold_a);
                for r in runs.iter_mut().filter(|r| r.end as usize == n - 1) {
                    let stoks = doc.tokens(r.source as usize);
                    let extends = stoks.get(r.src_end as usize).is_some_and(|next| {
                        fold_b.clear();
                        fold_word(&text[next.start..next.end], &mut fold_b);
                        fold_b.len() > fold_a.len() && fold_b.starts_with(fold_a.as_str())
                    });
                    if extends {
                        truncated = true;
                        r.end += 1;
                        r.src_end += 1;
                    }
                }
            }
            let cov = covered(&runs, |_| true, n, &mut mark);
            #[allow(clippy::cast_precision_loss)]
            let coverage = cov as f64 / n as f64;
            let mut sources: Vec<u32> = runs.iter().map(|r| r.source).collect();
            sources.sort_unstable();
            sources.dedup();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let need = ((cfg.min_coverage * n as f64).ceil() as usize).min(n);
            if coverage < cfg.min_coverage.min(1.0 - cfg.max_extra) {
                continue;
            }
            // Glued: no single source covers as much as all of them together.
            let best_single = sources
                .iter()
                .map(|&s| covered(&runs, |x| x == s, n, &mut mark))
                .max()
                .unwrap_or(0);
            candidates.push(Candidate {
                block: b,
                need,
                composite: best_single < cov,
                runs: std::mem::take(&mut runs),
                n,
                truncated,
                coverage,
                edit,
            });
        }

        give_back(scratch);

        // 4. Least complete copies first; of equals, the later one first.
        candidates.sort_by(|x, y| {
            (y.truncated, y.composite)
                .cmp(&(x.truncated, x.composite))
                .then(x.coverage.total_cmp(&y.coverage))
                .then(y.block.cmp(&x.block))
        });
        let mut alive = vec![true; nblocks];
        let mut removed = Vec::new();
        for c in &candidates {
            let mut cov = covered(&c.runs, |s| alive[s as usize], c.n, &mut mark);
            if cov < c.need {
                match extended(doc, cfg, &c.runs, |s| alive[s as usize], c.n, &mut mark) {
                    Some(ext) => cov = ext,
                    None => continue,
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let coverage = (cov as f64 / c.n as f64).min(c.coverage);
            alive[c.block] = false;
            let at_removal: Vec<u32> = c
                .runs
                .iter()
                .map(|r| r.source)
                .filter(|&s| alive[s as usize])
                .collect();
            removed.push((c, cov, coverage, at_removal));
        }
        // Spans last, so that `copies` point at the copies that survive.
        for (c, cov, coverage, at_removal) in removed {
            let block = doc.blocks()[c.block];
            let survivors = c.runs.iter().any(|r| alive[r.source as usize]);
            let mut copies: Vec<(usize, usize)> = Vec::new();
            for r in &c.runs {
                let keep = if survivors {
                    alive[r.source as usize]
                } else {
                    at_removal.contains(&r.source)
                };
                if !keep {
                    continue;
                }
                let stoks = doc.tokens(r.source as usize);
                let s = stoks[r.src_start as usize].start;
                let e = stoks[(r.src_end as usize).min(stoks.len()) - 1].end;
                copies.push((s, e));
            }
            copies.sort_unstable();
            copies.dedup();
            let rule = if c.truncated {
                "truncated_copy"
            } else if c.composite {
                "glued_copy"
            } else if coverage < 1.0 {
                "extended_copy"
            } else {
                "copy"
            };
            let mut evidence = format!(
                "{cov} of {} words found in order elsewhere on the page (coverage {coverage:.2}",
                c.n
            );
            if let Some(e) = c.edit {
                let _ = write!(evidence, ", edit ratio {e:.2}");
            }
            evidence.push(')');
            let score = c.edit.map_or(coverage, |e| (coverage + e) / 2.0);
            out.push(Span {
                start: block.start,
                end: block.end,
                label: Label::Repeat,
                score,
                detector: NAME.into(),
                rule: rule.into(),
                evidence: evidence.into(),
                copies,
            });
        }
        caps.add(doc, &mut patterns, cfg.max_copies);
        caps.add(doc, &mut left_out, max_entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn table_is_empty() -> bool {
        TABLE.with(|t| t.borrow().is_empty())
    }

    /// Keys that share top bits (one home slot), sit at the end of the table (probing wraps
    /// around), or are anything at all.
    fn key() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..24,
            (0u64..24).prop_map(|x| u64::MAX - x),
            (0u64..8).prop_map(|x| x << 61 | 7),
            any::<u64>(),
        ]
    }

    proptest! {
        #[test]
        fn flat_index_is_a_hash_map(
            keys in proptest::collection::vec((key(), proptest::bool::weighted(0.2)), 0..400)
        ) {
            // The reference: key -> (last entry, entries, blocks).
            let mut reference: HashMap<u64, (u32, usize, Vec<u32>)> = HashMap::new();
            let mut slots: HashMap<u64, u32> = HashMap::new();
            with_table(keys.len(), |table| {
                // Entries block after block, as the detector records them.
                let (mut block, mut first) = (0u32, 0u32);
                for (i, &(key, new_block)) in keys.iter().enumerate() {
                    let i = u32::try_from(i).unwrap();
                    if new_block {
                        (block, first) = (block + 1, i);
                    }
                    let (slot, prev) = table.insert(key, i, first);
                    let r = reference.entry(key).or_insert((NONE, 0, Vec::new()));
                    prop_assert_eq!(prev, r.0);
                    r.0 = i;
                    r.1 += 1;
                    if !r.2.contains(&block) {
                        r.2.push(block);
                    }
                    // One slot per key, and distinct keys get distinct slots.
                    prop_assert_eq!(*slots.entry(key).or_insert(slot), slot);
                }
                prop_assert_eq!(table.used.len(), reference.len());
                for (key, &slot) in &slots {
                    let (head, count, blocks) = &reference[key];
                    let got = table.slot(slot);
                    prop_assert_eq!(got.key, *key);
                    prop_assert_eq!(got.head, *head);
                    prop_assert_eq!(got.count(), *count);
                    prop_assert_eq!(got.many(), blocks.len() > 1);
                }
                let mut distinct: Vec<u32> = slots.values().copied().collect();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), slots.len());
                Ok(())
            })?;
            prop_assert!(table_is_empty());
            // Left dirty (as by a panic mid-page), the table is emptied all the same.
            with_table(keys.len(), |table| {
                table.dirty = true;
                let (slots, shift) = table.view();
                for (i, &(key, _)) in keys.iter().enumerate() {
                    probe(slots, shift, key, u32::try_from(i).unwrap(), 0);
                }
            });
            prop_assert!(table_is_empty());
        }

        #[test]
        fn the_table_is_empty_after_each_page(
            pieces in proptest::collection::vec((0usize..6, 0usize..12, any::<bool>()), 0..24)
        ) {
            const LINES: [&str; 6] = [
                "the council approved the new budget on tuesday after a long debate",
                "a quiet morning turned into a long day for the rescue teams on the coast",
                "share this article",
                "photo jane doe agency",
                "the secretary of state said on tuesday that the talks would go on",
                "read more",
            ];
            let mut page = String::new();
            for (line, cut, dots) in pieces {
                let words: Vec<&str> = LINES[line].split(' ').collect();
                page.push_str(&words[..words.len().saturating_sub(cut).max(1)].join(" "));
                page.push_str(if dots { "...\n" } else { "\n" });
            }
            let doc = Document::new(&page, 0);
            let mut out = Vec::new();
            RepeatDetector::new(RepeatConfig::default(), 0).detect(&doc, &mut out);
            prop_assert!(table_is_empty());
        }
    }

    #[test]
    fn copies_are_found_and_the_table_emptied() {
        let lede = "The council approved the new budget on Tuesday after a long debate over \
                    school funding and teacher pay in the district";
        let page = format!("{lede}\nSomething else entirely here.\n{lede}...\n");
        let doc = Document::new(&page, 0);
        let mut out = Vec::new();
        RepeatDetector::new(RepeatConfig::default(), 0).detect(&doc, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].rule, "truncated_copy");
        assert!(table_is_empty());
    }
}
