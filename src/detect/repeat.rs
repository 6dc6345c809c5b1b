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
//!    pass an edit-distance ratio (strsim's Levenshtein over words) against the text they copy.
//! 4. **Who survives.** Candidates are visited from the least complete to the most complete
//!    copy: truncated copies first, then copies assembled from several blocks (glued), then
//!    copies with extra text (a credit), then later before earlier. A candidate is removed when
//!    it is still covered by blocks that have not been removed. So of a group of copies exactly
//!    one survives, and it is the complete one.

use std::fmt::Write as _;

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

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

    #[allow(clippy::too_many_lines)]
    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>) {
        let cfg = &self.config;
        if !cfg.enabled {
            return;
        }
        let k = cfg.shingle_size;
        let nblocks = doc.blocks().len();
        if nblocks < 2 {
            return;
        }

        // 1. Shingle index: each hash's entries (block, position) chained through `next`;
        // `repeated` lists the hashes seen more than once, the only ones that matter.
        const NONE: u32 = u32::MAX;
        let mut hashes = Vec::new();
        let mut shingles = Vec::new();
        // At most one entry per token: sized once, never grown.
        let mut entries: Vec<(u32, u32)> = Vec::with_capacity(doc.tokens_len());
        let mut next: Vec<u32> = Vec::with_capacity(doc.tokens_len());
        let mut heads: FxHashMap<u64, u32> = FxHashMap::default();
        heads.reserve(doc.text().len() / 6);
        let mut repeated: Vec<u64> = Vec::new();
        // Text found whole in more than `max_copies` blocks is a page pattern: left out of the
        // index, so that removing other blocks never changes what the rest match (idempotence).
        let mut buf = Vec::new();
        let keys: Vec<u64> = (0..nblocks)
            .map(|b| {
                buf.clear();
                buf.extend(doc.tokens(b).iter().map(|t| t.hash));
                hash_tokens(&buf, 1)
            })
            .collect();
        let mut key_counts: FxHashMap<u64, usize> = FxHashMap::default();
        for &key in &keys {
            *key_counts.entry(key).or_default() += 1;
        }
        let pattern = |b: usize| {
            key_counts
                .get(&keys[b])
                .is_some_and(|&c| c > cfg.max_copies)
        };
        let mut block_entries: Vec<std::ops::Range<usize>> = Vec::with_capacity(nblocks);
        for b in 0..nblocks {
            hashes.clear();
            hashes.extend(doc.tokens(b).iter().map(|t| t.hash));
            let first = entries.len();
            if hashes.len() < k || pattern(b) {
                block_entries.push(first..first);
                continue;
            }
            shingles.clear();
            shingles.extend(hashes.windows(k).map(window_key));
            for (i, &h) in shingles.iter().enumerate() {
                #[allow(clippy::cast_possible_truncation)]
                let idx = entries.len() as u32;
                #[allow(clippy::cast_possible_truncation)]
                entries.push((b as u32, i as u32));
                match heads.entry(h) {
                    Entry::Vacant(v) => {
                        v.insert(idx);
                        next.push(NONE);
                    }
                    Entry::Occupied(mut o) => {
                        let prev = *o.get();
                        if next[prev as usize] == NONE {
                            repeated.push(h);
                        }
                        next.push(prev);
                        *o.get_mut() = idx;
                    }
                }
            }
            block_entries.push(first..entries.len());
        }

        // 2. Matches (copy block, source block, diagonal, position) for candidate copies.
        // A shingle in very many places (a stock phrase on a huge page) costs quadratic work
        // for little evidence: skipped.
        // Skipping one shingle leaves its words covered by its neighbours, so little is lost.
        let max_entries = cfg.max_copies.saturating_mul(4).max(16);
        // Pass A: the usable groups, and which shingle positions match another block.
        let mut flat: Vec<(u32, u32)> = Vec::new();
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut hit = vec![false; entries.len()];
        let mut group: Vec<(u32, u32)> = Vec::new();
        let mut group_idx: Vec<u32> = Vec::new();
        let mut group_of = vec![NONE; entries.len()];
        for h in &repeated {
            group.clear();
            group_idx.clear();
            let mut at = heads.get(h).copied().unwrap_or(NONE);
            while at != NONE && group.len() <= max_entries {
                group.push(entries[at as usize]);
                group_idx.push(at);
                hit[at as usize] = true;
                at = next[at as usize];
            }
            if group.len() > max_entries || group.iter().all(|e| e.0 == group[0].0) {
                // Too common, or only repeated inside one block: no evidence of a copy.
                let mut at = heads.get(h).copied().unwrap_or(NONE);
                while at != NONE {
                    hit[at as usize] = false;
                    at = next[at as usize];
                }
                continue;
            }
            #[allow(clippy::cast_possible_truncation)]
            let gid = groups.len() as u32;
            for &idx in &group_idx {
                group_of[idx as usize] = gid;
            }
            groups.push((flat.len(), flat.len() + group.len()));
            flat.extend_from_slice(&group);
        }
        // A block can only be a copy if the words under its matching shingles could reach the
        // coverage needed: most blocks, which share only stock phrases, stop here.
        let floor = cfg.min_coverage.min(1.0 - cfg.max_extra);
        let mut eligible = vec![false; nblocks];
        for (b, range) in block_entries.iter().enumerate() {
            let n = doc.tokens(b).len();
            if n < cfg.min_tokens || range.is_empty() {
                continue;
            }
            let (mut union, mut reach) = (0usize, 0usize);
            for (i, &is_hit) in hit[range.clone()].iter().enumerate() {
                if is_hit {
                    union += (i + k).saturating_sub(reach.max(i));
                    reach = i + k;
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let bound = (union + 1) as f64 / n as f64;
            eligible[b] = bound >= floor;
        }

        // 3. Runs per eligible block, then candidates. A run is a stretch of consecutive
        // positions matching one source block on one diagonal (source position - position).
        let k32 = u32::try_from(k).unwrap_or(u32::MAX);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut mark = Vec::new();
        let mut fold_a = String::new();
        let mut fold_b = String::new();
        let mut open: FxHashMap<(u32, i64), (u32, u32)> = FxHashMap::default();
        for b in (0..nblocks).filter(|&b| eligible[b]) {
            let mut runs: Vec<Run> = Vec::new();
            let push = |runs: &mut Vec<Run>, source: u32, d: i64, s: u32, e: u32| {
                let len = e + k32 - s;
                if len as usize >= cfg.min_run {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let src_start = (i64::from(s) + d) as u32;
                    runs.push(Run {
                        source,
                        start: s,
                        end: e + k32,
                        src_start,
                        src_end: src_start + len,
                    });
                }
            };
            open.clear();
            #[allow(clippy::cast_possible_truncation)]
            let b32 = b as u32;
            for idx in block_entries[b].clone() {
                let g = group_of[idx];
                if g == NONE {
                    continue;
                }
                let i = entries[idx].1;
                let (gs, ge) = groups[g as usize];
                for y in flat[gs..ge].iter().filter(|y| y.0 != b32) {
                    let d = i64::from(y.1) - i64::from(i);
                    match open.entry((y.0, d)) {
                        Entry::Vacant(v) => {
                            v.insert((i, i));
                        }
                        Entry::Occupied(mut o) => {
                            let (s0, e0) = *o.get();
                            if i == e0 + 1 {
                                o.get_mut().1 = i;
                            } else {
                                push(&mut runs, y.0, d, s0, e0);
                                *o.get_mut() = (i, i);
                            }
                        }
                    }
                }
            }
            for (&(source, d), &(s0, e0)) in &open {
                push(&mut runs, source, d, s0, e0);
            }
            if runs.is_empty() {
                continue;
            }
            // Hash-map order is fixed but arbitrary: sort for a stable, readable order.
            runs.sort_unstable_by_key(|r| (r.source, r.start, r.src_start));
            // A source must supply a real share of the block: a name or a stock phrase found
            // elsewhere ("the secretary of state said") is not copied text.
            let n_all = doc.tokens(b).len();
            let min_share = cfg.min_run.max(n_all / 4);
            let mut by_source: Vec<(u32, usize)> = Vec::new();
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
            for m in &self.markers {
                if m.len() < n
                    && toks[n - m.len()..]
                        .iter()
                        .map(|t| t.hash)
                        .eq(m.iter().copied())
                {
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
                let copy: Vec<u64> = toks[..n].iter().map(|t| t.hash).collect();
                let mut best = 0.0f64;
                for &src in &sources {
                    let (lo, hi) = runs
                        .iter()
                        .filter(|r| r.source == src)
                        .fold((u32::MAX, 0), |(lo, hi), r| {
                            (lo.min(r.src_start), hi.max(r.src_end))
                        });
                    let stoks = doc.tokens(src as usize);
                    let region: Vec<u64> = stoks[lo as usize..(hi as usize).min(stoks.len())]
                        .iter()
                        .map(|t| t.hash)
                        .collect();
                    let ratio = token_edit_ratio(&copy, &region);
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
                runs,
                n,
                truncated,
                coverage,
                edit,
            });
        }

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
                evidence,
                copies,
            });
        }
    }
}
