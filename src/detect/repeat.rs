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
//!    pass an edit-distance ratio (strsim) against the text they copy.
//! 4. **Who survives.** Candidates are visited from the least complete to the most complete
//!    copy: truncated copies first, then copies assembled from several blocks (glued), then
//!    copies with extra text (a credit), then later before earlier. A candidate is removed when
//!    it is still covered by blocks that have not been removed. So of a group of copies exactly
//!    one survives, and it is the complete one.

use std::fmt::Write as _;

use crate::config::RepeatConfig;
use crate::detect::Detector;
use crate::document::{Document, Label, Span};
use crate::normalize::{fold_word, normalize, Tokenizer};
use crate::shingle::shingles_into;
use crate::similarity::edit_ratio;

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

        // 1. Shingle index entries: (shingle hash, block, position), sorted by hash.
        let mut hashes = Vec::new();
        let mut shingles = Vec::new();
        let mut entries: Vec<(u64, u32, u32)> = Vec::new();
        for b in 0..nblocks {
            hashes.clear();
            hashes.extend(doc.tokens(b).iter().map(|t| t.hash));
            if hashes.len() < k {
                continue;
            }
            shingles.clear();
            shingles_into(&hashes, k, 0, &mut shingles);
            #[allow(clippy::cast_possible_truncation)]
            entries.extend(
                shingles
                    .iter()
                    .enumerate()
                    .map(|(i, &h)| (h, b as u32, i as u32)),
            );
        }
        entries.sort_unstable();

        // 2. Matches (copy block, source block, diagonal, position) for candidate copies.
        let is_candidate = |b: u32| doc.tokens(b as usize).len() >= cfg.min_tokens;
        let max_entries = cfg.max_copies.saturating_mul(4).max(8);
        let mut matches: Vec<(u32, u32, i64, u32)> = Vec::new();
        let mut blocks_seen: Vec<u32> = Vec::new();
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            if group.len() < 2 || group.len() > max_entries {
                continue;
            }
            blocks_seen.clear();
            blocks_seen.extend(group.iter().map(|e| e.1));
            blocks_seen.dedup(); // sorted within the group
            if blocks_seen.len() < 2 || blocks_seen.len() > cfg.max_copies {
                continue;
            }
            for x in group {
                if !is_candidate(x.1) {
                    continue;
                }
                for y in group.iter().filter(|y| y.1 != x.1) {
                    matches.push((x.1, y.1, i64::from(y.2) - i64::from(x.2), x.2));
                }
            }
        }
        if matches.is_empty() {
            return;
        }
        matches.sort_unstable();

        // 3. Runs per copy block, then candidates.
        let k32 = u32::try_from(k).unwrap_or(u32::MAX);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut mark = Vec::new();
        let mut fold_a = String::new();
        let mut fold_b = String::new();
        for per_block in matches.chunk_by(|a, b| a.0 == b.0) {
            let b = per_block[0].0 as usize;
            let mut runs: Vec<Run> = Vec::new();
            for diag in per_block.chunk_by(|a, b| a.1 == b.1 && a.2 == b.2) {
                let (source, d) = (diag[0].1, diag[0].2);
                let mut push = |s: u32, e: u32| {
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
                let mut s = diag[0].3;
                let mut e = s;
                for m in &diag[1..] {
                    if m.3 == e {
                        continue; // the same shingle twice in the source
                    }
                    if m.3 == e + 1 {
                        e = m.3;
                    } else {
                        push(s, e);
                        s = m.3;
                        e = s;
                    }
                }
                push(s, e);
            }
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

            // Filter sources that fail the edit-ratio check for short blocks.
            let mut edit = None;
            if n < cfg.short_block {
                let mut sources: Vec<u32> = runs.iter().map(|r| r.source).collect();
                sources.sort_unstable();
                sources.dedup();
                let copy_norm = normalize(&text[toks[0].start..toks[n - 1].end]);
                let mut best = 0.0f64;
                for &src in &sources {
                    let (lo, hi) = runs
                        .iter()
                        .filter(|r| r.source == src)
                        .fold((u32::MAX, 0), |(lo, hi), r| {
                            (lo.min(r.src_start), hi.max(r.src_end))
                        });
                    let stoks = doc.tokens(src as usize);
                    let region = &text
                        [stoks[lo as usize].start..stoks[(hi as usize).min(stoks.len()) - 1].end];
                    let ratio = edit_ratio(&copy_norm, &normalize(region));
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

            let mut cov = covered(&runs, |_| true, n, &mut mark);
            // A last word cut mid-word: covered when the source's next word extends it.
            if n >= 2 && !mark[n - 1] && mark[n - 2] {
                let extends = runs.iter().any(|r| {
                    if r.end as usize != n - 1 {
                        return false;
                    }
                    let stoks = doc.tokens(r.source as usize);
                    stoks.get(r.src_end as usize).is_some_and(|next| {
                        fold_a.clear();
                        fold_b.clear();
                        fold_word(&text[toks[n - 1].start..toks[n - 1].end], &mut fold_a);
                        fold_word(&text[next.start..next.end], &mut fold_b);
                        fold_b.len() > fold_a.len() && fold_b.starts_with(fold_a.as_str())
                    })
                });
                if extends {
                    truncated = true;
                    cov += 1;
                    if let Some(r) = runs.iter_mut().find(|r| r.end as usize == n - 1) {
                        r.end += 1;
                        r.src_end += 1;
                    }
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let coverage = cov as f64 / n as f64;
            if coverage < cfg.min_coverage {
                continue;
            }
            // Glued: no single source covers as much as all of them together.
            let mut sources: Vec<u32> = runs.iter().map(|r| r.source).collect();
            sources.sort_unstable();
            sources.dedup();
            let best_single = sources
                .iter()
                .map(|&s| covered(&runs, |x| x == s, n, &mut mark))
                .max()
                .unwrap_or(0);
            candidates.push(Candidate {
                block: b,
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
        for c in &candidates {
            let cov = covered(&c.runs, |s| alive[s as usize], c.n, &mut mark);
            #[allow(clippy::cast_precision_loss)]
            let coverage = (cov as f64 / c.n as f64).min(c.coverage);
            if coverage < cfg.min_coverage {
                continue;
            }
            alive[c.block] = false;
            let block = doc.blocks()[c.block];
            let mut copies: Vec<(usize, usize)> = Vec::new();
            for r in c.runs.iter().filter(|r| alive[r.source as usize]) {
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
                detector: NAME.to_string(),
                rule: rule.to_string(),
                evidence,
                copies,
            });
        }
    }
}
