//! The [`Cleaner`]: runs the detectors, resolves overlapping spans, renders the clean text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::CleanerConfig;
use std::sync::Arc;

use crate::detect::chrome::ChromeCache;
use crate::detect::comment::CommentCache;
use crate::detect::repeat::RepeatCache;
use crate::detect::{ChromeDetector, CommentDetector, RepeatDetector};
use crate::document::{Document, KeptLine, Label, Span};
use crate::error::{Error, Result};
use crate::segment;
use crate::stats::{site_hash, SiteModel};

/// Format tag of saved cleaners.
const CLEANER_MAGIC: &[u8; 8] = b"chaffCL1";

/// Most detection passes over one page (see [`Cleaner::annotate`]).
pub const MAX_PASSES: usize = 4;

/// Spans and bytes removed for one label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCount {
    /// Number of spans.
    pub spans: u64,
    /// Bytes of original text the spans cover.
    pub bytes: u64,
}

/// The outcome of cleaning one page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanResult {
    /// The page with removed spans cut out. Kept lines are unchanged; blank lines between kept
    /// lines collapse to one paragraph break.
    pub text: String,
    /// What was removed and why: sorted by start, disjoint, on char boundaries of the input.
    pub spans: Vec<Span>,
    /// Why the page was passed through untouched (e.g. larger than `max_page_bytes`), if it was.
    pub skipped: Option<String>,
}

impl CleanResult {
    /// Spans and bytes removed per label.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<Label, LabelCount> {
        let mut out = BTreeMap::new();
        for s in &self.spans {
            let c: &mut LabelCount = out.entry(s.label).or_default();
            c.spans += 1;
            c.bytes += s.len() as u64;
        }
        out
    }
}

/// Totals over many cleaned pages: what a corpus run removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanReport {
    /// Pages cleaned (skipped pages included).
    pub documents: u64,
    /// Pages passed through untouched (too large).
    pub skipped: u64,
    /// Bytes of input text.
    pub bytes_in: u64,
    /// Bytes of cleaned text.
    pub bytes_out: u64,
    /// Spans and bytes removed per label.
    pub labels: BTreeMap<Label, LabelCount>,
}

impl CleanReport {
    /// Adds one page's result; `input_len` is the page's length in bytes.
    pub fn add(&mut self, input_len: usize, result: &CleanResult) {
        self.documents += 1;
        self.skipped += u64::from(result.skipped.is_some());
        self.bytes_in += input_len as u64;
        self.bytes_out += result.text.len() as u64;
        for (label, c) in result.counts() {
            let t = self.labels.entry(label).or_default();
            t.spans += c.spans;
            t.bytes += c.bytes;
        }
    }

    /// Adds another report's totals (reports of two halves merge into the whole's).
    pub fn merge(&mut self, other: &CleanReport) {
        self.documents += other.documents;
        self.skipped += other.skipped;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        for (label, c) in &other.labels {
            let t = self.labels.entry(*label).or_default();
            t.spans += c.spans;
            t.bytes += c.bytes;
        }
    }
}

/// Cleans pages: finds chrome, repeats and comments, and cuts them out.
///
/// Built from a validated [`CleanerConfig`]; after that, cleaning never fails, for any `&str`.
/// A `Cleaner` is immutable and `Send + Sync`: share one across threads.
///
/// # Example
/// ```
/// use chaffless::{Cleaner, CleanerConfig};
/// let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
/// let lede = "The council approved the new budget on Tuesday after a long debate over school funding.";
/// let vote = "The vote was close, and the mayor said that she would sign the budget this week.";
/// let page = format!("{lede}\n\n{vote}\n\n{lede}");
/// let result = cleaner.clean(&page);
/// assert_eq!(result.text, format!("{lede}\n\n{vote}\n"));
/// assert_eq!(result.spans[0].label, chaffless::Label::Repeat);
/// ```
#[derive(Debug)]
pub struct Cleaner {
    config: CleanerConfig,
    detectors: Detectors,
    pool: Option<rayon::ThreadPool>,
    model: Option<Arc<SiteModel>>,
}

/// The detectors, in the order they run (a later one sees the spans of the earlier ones).
/// Clones share the detectors' tables.
#[derive(Clone, Debug)]
struct Detectors {
    repeat: RepeatDetector,
    comment: CommentDetector,
    chrome: ChromeDetector,
}

/// What the detectors learnt of a page's lines in one pass, for the next passes.
#[derive(Debug, Default)]
struct PassCache {
    repeat: RepeatCache,
    comment: CommentCache,
    chrome: ChromeCache,
}

fn detectors(config: &CleanerConfig, model: Option<Arc<SiteModel>>) -> Detectors {
    Detectors {
        repeat: RepeatDetector::new(config.repeat.clone(), config.seed),
        comment: CommentDetector::new(config.comment.clone(), config.seed),
        chrome: ChromeDetector::new(config.chrome.clone(), config.seed).with_model(model),
    }
}

impl Cleaner {
    /// Validates `config` and builds the detectors it enables.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first bad field.
    pub fn new(config: CleanerConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A cleaner of `config` (validated here) using `model`: the detectors are built once.
    fn build(config: CleanerConfig, model: Option<Arc<SiteModel>>) -> Result<Self> {
        config.validate()?;
        let detectors = detectors(&config, model.clone());
        Self::assemble(config, detectors, model)
    }

    /// This cleaner's detectors (their tables shared, not built again) with the site
    /// statistics `model`: what a cleaner of the same configuration and seed would build.
    fn detectors_with(&self, model: Option<Arc<SiteModel>>) -> Detectors {
        let mut d = self.detectors.clone();
        d.chrome = d.chrome.with_model(model);
        d
    }

    /// A cleaner of `config` (validated) with `detectors` built for it and `model`.
    fn assemble(
        config: CleanerConfig,
        detectors: Detectors,
        model: Option<Arc<SiteModel>>,
    ) -> Result<Self> {
        let pool = if config.num_threads == 0 {
            None
        } else {
            rayon::ThreadPoolBuilder::new()
                .num_threads(config.num_threads)
                .build()
                .ok()
        };
        Ok(Self {
            config,
            detectors,
            pool,
            model,
        })
    }

    /// The same cleaner using the site statistics `model` (from [`fit`](Self::fit) or
    /// [`SiteModel::from_bytes`]) for pages whose site is given.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the model was built with another
    /// seed than this cleaner's.
    pub fn with_model(&self, model: SiteModel) -> Result<Self> {
        if model.seed() != self.config.seed {
            return Err(Error::config(format!(
                "site statistics were built with seed {}, the cleaner uses seed {}",
                model.seed(),
                self.config.seed
            )));
        }
        // Same configuration and seed: the detectors are reused, only the model changes.
        let model = Some(Arc::new(model));
        Self::assemble(
            self.config.clone(),
            self.detectors_with(model.clone()),
            model,
        )
    }

    /// The same cleaner (configuration and site statistics) with another thread count.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a bad thread count.
    pub fn with_num_threads(&self, n: usize) -> Result<Self> {
        // The statistics are shared, not copied; the detectors too.
        let config = self.config.clone().with_num_threads(n);
        config.validate()?;
        Self::assemble(config, self.detectors.clone(), self.model.clone())
    }

    /// The cleaner as bytes: its configuration (JSON) and its site statistics, if fitted.
    /// [`from_bytes`](Self::from_bytes) builds it again; this is what `save` writes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let config = self.config.to_json();
        let mut out = CLEANER_MAGIC.to_vec();
        out.extend((config.len() as u64).to_le_bytes());
        out.extend(config.as_bytes());
        if let Some(m) = &self.model {
            out.extend(m.to_bytes());
        }
        out
    }

    /// A cleaner from [`to_bytes`](Self::to_bytes); the configuration is validated again.
    ///
    /// # Errors
    /// [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) for bytes that are not a
    /// saved cleaner, [`ErrorKind::Config`](crate::ErrorKind::Config) for a bad configuration.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::serialization("not a saved chaffless cleaner");
        let rest = bytes
            .strip_prefix(CLEANER_MAGIC.as_slice())
            .ok_or_else(bad)?;
        let (len, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
        if rest.len() < len {
            return Err(bad());
        }
        let (config, model) = rest.split_at(len);
        let config = std::str::from_utf8(config).map_err(|_| bad())?;
        let cleaner = Self::new(CleanerConfig::from_json(config)?)?;
        if model.is_empty() {
            Ok(cleaner)
        } else {
            cleaner.with_model(SiteModel::from_bytes(model)?)
        }
    }

    /// The site statistics this cleaner uses, if fitted.
    #[must_use]
    pub fn model(&self) -> Option<&SiteModel> {
        self.model.as_deref()
    }

    /// Site statistics of `texts`, page `i` from site `sites[i]` (pages with no site are
    /// skipped), built on all cores. The result does not depend on the order of the pages
    /// or the number of threads.
    ///
    /// # Errors
    /// [`ErrorKind::Input`](crate::ErrorKind::Input) when the two slices differ in length.
    pub fn site_stats<S, T>(&self, texts: &[S], sites: &[Option<T>]) -> Result<SiteModel>
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        use rayon::prelude::*;
        if texts.len() != sites.len() {
            return Err(Error::input(format!(
                "got {} texts but {} sites",
                texts.len(),
                sites.len()
            )));
        }
        let seed = self.config.seed;
        let max = self.config.max_page_bytes;
        Ok(self.install(|| {
            texts
                .par_iter()
                .zip(sites.par_iter())
                .fold(
                    || SiteModel::new(seed),
                    |mut m, (t, s)| {
                        if let Some(s) = s {
                            if t.as_ref().len() <= max {
                                m.add(s.as_ref(), t.as_ref());
                            }
                        }
                        m
                    },
                )
                .reduce(
                    || SiteModel::new(seed),
                    |mut a, b| {
                        // Same seed by construction.
                        let _ = a.merge(&b);
                        a
                    },
                )
        }))
    }

    /// A cleaner fitted on `texts` of `sites`: site chrome (blocks on many of a site's pages)
    /// is then recognised on pages of those sites. Replaces any earlier statistics.
    ///
    /// # Errors
    /// As [`site_stats`](Self::site_stats).
    pub fn fit<S, T>(&self, texts: &[S], sites: &[Option<T>]) -> Result<Self>
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        self.with_model(self.site_stats(texts, sites)?)
    }

    /// Like [`fit`](Self::fit), adding to the statistics this cleaner already has.
    ///
    /// # Errors
    /// As [`site_stats`](Self::site_stats).
    pub fn partial_fit<S, T>(&self, texts: &[S], sites: &[Option<T>]) -> Result<Self>
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        let mut model = self.site_stats(texts, sites)?;
        if let Some(old) = &self.model {
            model.merge(old)?;
        }
        self.with_model(model)
    }

    /// The configuration this cleaner was built with.
    #[must_use]
    pub fn config(&self) -> &CleanerConfig {
        &self.config
    }

    /// The spans every detector finds in `text`, overlaps resolved (sorted, disjoint).
    ///
    /// Detection runs to a fixed point: after the spans of one pass are cut out, the
    /// detectors run again on what is left (removing a block can expose another, e.g. a
    /// comment header left alone once its comments are gone), and what they find there is
    /// mapped back to the original text. At most [`MAX_PASSES`] passes; a pass that finds
    /// nothing ends it, so `clean(clean(x)) == clean(x)`. Most pages need one extra pass
    /// that finds nothing.
    #[must_use]
    pub fn annotate(&self, text: &str) -> Vec<Span> {
        self.annotate_site(text, None)
    }

    /// [`annotate`](Self::annotate) for a page of site `site`: with a fitted model, the
    /// site's statistics apply.
    #[must_use]
    pub fn annotate_site(&self, text: &str, site: Option<&str>) -> Vec<Span> {
        self.annotate_rendered(text, site).0
    }

    /// [`annotate_site`](Self::annotate_site), with the page rendered without the spans
    /// when the last pass had it rendered already (the pass that found nothing more).
    fn annotate_rendered(&self, text: &str, site: Option<&str>) -> (Vec<Span>, Option<String>) {
        if text.len() > self.config.max_page_bytes {
            return (Vec::new(), None);
        }
        let site = site
            .filter(|_| self.model.is_some())
            .map(|s| site_hash(s, self.config.seed));
        let doc = Document::new(text, self.config.seed).with_site(site);
        let mut cache = PassCache::default();
        let mut spans = self.detect(&doc, &mut cache);
        for _ in 1..MAX_PASSES {
            if spans.is_empty() {
                break;
            }
            let (rendered, map, lines) = render_mapped(text, &spans);
            // The rest reuses the page's tokens for every line kept whole.
            let rest = Document::derived(&rendered, &doc, &lines, self.config.seed);
            let more = self.detect(&rest, &mut cache);
            if more.is_empty() {
                // The page without `spans`: what `render` would give again.
                return (spans, Some(rendered));
            }
            spans.extend(more.iter().flat_map(|s| map.span_to_original(s)));
            spans = resolve(spans);
        }
        (spans, None)
    }

    /// One detection pass over `doc`, overlaps resolved.
    fn detect(&self, doc: &Document<'_>, cache: &mut PassCache) -> Vec<Span> {
        let d = &self.detectors;
        // Most spans are a block each: sized for a page that is half chrome, not grown.
        let mut spans = Vec::with_capacity(doc.blocks().len() / 2 + 4);
        d.repeat.detect_cached(doc, &mut spans, &mut cache.repeat);
        d.comment.detect_cached(doc, &mut spans, &mut cache.comment);
        d.chrome.detect_cached(doc, &mut spans, &mut cache.chrome);
        resolve(spans)
    }

    /// Cleans one page.
    #[must_use]
    pub fn clean(&self, text: &str) -> CleanResult {
        self.clean_site(text, None)
    }

    /// [`clean`](Self::clean) for a page of site `site`: with a fitted model, the site's
    /// statistics apply.
    #[must_use]
    pub fn clean_site(&self, text: &str, site: Option<&str>) -> CleanResult {
        if text.len() > self.config.max_page_bytes {
            return CleanResult {
                text: text.to_string(),
                spans: Vec::new(),
                skipped: Some(format!(
                    "page of {} bytes is larger than max_page_bytes ({})",
                    text.len(),
                    self.config.max_page_bytes
                )),
            };
        }
        let (spans, rendered) = self.annotate_rendered(text, site);
        let text = rendered.unwrap_or_else(|| render(text, &spans));
        CleanResult {
            text,
            spans,
            skipped: None,
        }
    }

    /// Runs `f` on the configured thread pool (all cores when `num_threads` is 0).
    pub(crate) fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Cleans many pages in parallel; the results equal one-by-one [`clean`](Self::clean) calls.
    #[must_use]
    pub fn clean_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<CleanResult> {
        use rayon::prelude::*;
        self.install(|| texts.par_iter().map(|t| self.clean(t.as_ref())).collect())
    }

    /// Cleans many pages of known sites in parallel (`sites` as long as `texts`, or empty);
    /// equal to one-by-one [`clean_site`](Self::clean_site) calls.
    #[must_use]
    pub fn clean_batch_sites<S, T>(&self, texts: &[S], sites: &[Option<T>]) -> Vec<CleanResult>
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        use rayon::prelude::*;
        self.install(|| {
            texts
                .par_iter()
                .enumerate()
                .map(|(i, t)| {
                    let site = sites.get(i).and_then(|s| s.as_ref().map(AsRef::as_ref));
                    self.clean_site(t.as_ref(), site)
                })
                .collect()
        })
    }

    /// Annotates many pages in parallel; equal to one-by-one [`annotate`](Self::annotate) calls.
    #[must_use]
    pub fn annotate_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Vec<Span>> {
        use rayon::prelude::*;
        self.install(|| {
            texts
                .par_iter()
                .map(|t| self.annotate(t.as_ref()))
                .collect()
        })
    }
}

/// Makes spans disjoint: a higher-scoring span wins the bytes it shares with a lower one (ties:
/// the earlier detector), and the loser keeps only the parts nobody else claims.
fn resolve(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| !s.is_empty());
    if spans.len() < 2 {
        return spans;
    }
    let mut order: Vec<usize> = (0..spans.len()).collect();
    // Spans that overlap nowhere stay as they are, sorted (no two share a start).
    order.sort_unstable_by_key(|&i| (spans[i].start, spans[i].end));
    if order
        .windows(2)
        .all(|w| spans[w[0]].end <= spans[w[1]].start)
    {
        spans.sort_unstable_by_key(|s| s.start);
        return spans;
    }
    // Detectors cut whole blocks, so overlapping spans mostly cover the same range: when
    // every overlap is one, each range goes whole to its best span (ties: the earlier
    // detector), as the general case below would decide.
    if order.windows(2).all(|w| {
        let (a, b) = (&spans[w[0]], &spans[w[1]]);
        a.end <= b.start || (a.start == b.start && a.end == b.end)
    }) {
        let mut best: Vec<usize> = Vec::with_capacity(order.len());
        for &i in &order {
            match best.last_mut() {
                Some(j) if spans[*j].start == spans[i].start => {
                    let by_score = spans[i].score.total_cmp(&spans[*j].score);
                    if by_score.then((*j).cmp(&i)).is_gt() {
                        *j = i;
                    }
                }
                _ => best.push(i),
            }
        }
        let mut spans: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(best.len());
        out.extend(best.into_iter().filter_map(|i| spans[i].take()));
        return out;
    }
    claim(spans, order)
}

/// [`resolve`]'s general case: spans claim their bytes from the highest score down; `order`
/// holds every index of `spans` (non-empty spans).
fn claim(spans: Vec<Span>, mut order: Vec<usize>) -> Vec<Span> {
    // Stable: equal scores keep detector order.
    order.sort_by(|&a, &b| spans[b].score.total_cmp(&spans[a].score).then(a.cmp(&b)));
    // start -> end of claimed ranges, disjoint.
    let mut claimed: BTreeMap<usize, usize> = BTreeMap::new();
    // (start, end, span) of each piece kept, in the order claimed.
    let mut kept: Vec<(usize, usize, usize)> = Vec::with_capacity(spans.len());
    let mut pieces = Vec::new();
    for i in order {
        let span = &spans[i];
        let mut pos = span.start;
        // Ranges that may overlap [start, end): the one starting before `start`, then the rest.
        let before = claimed
            .range(..=span.start)
            .next_back()
            .map(|(&s, &e)| (s, e));
        let mut overlapping: Vec<(usize, usize)> = before.into_iter().collect();
        overlapping.extend(
            claimed
                .range(span.start + 1..span.end)
                .map(|(&s, &e)| (s, e)),
        );
        pieces.clear();
        for (s, e) in overlapping {
            if e <= pos {
                continue;
            }
            if s > pos {
                pieces.push((pos, s));
            }
            pos = pos.max(e);
            if pos >= span.end {
                break;
            }
        }
        if pos < span.end {
            pieces.push((pos, span.end));
        }
        for &(s, e) in &pieces {
            claimed.insert(s, e);
            kept.push((s, e, i));
        }
    }
    kept.sort_by_key(|&(s, e, _)| (s, e));
    // A span kept in one piece moves into the output; one cut in several is copied.
    let mut count = vec![0usize; spans.len()];
    for &(_, _, i) in &kept {
        count[i] += 1;
    }
    let mut spans: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
    kept.into_iter()
        .filter_map(|(start, end, i)| {
            let span = if count[i] == 1 {
                spans[i].take()?
            } else {
                spans[i].clone()?
            };
            Some(Span { start, end, ..span })
        })
        .collect()
}

/// The text with `spans` (sorted, disjoint) cut out.
///
/// A line whose every non-blank char is removed disappears with its line break; a line cut in
/// part keeps the rest, trimmed at the cut. Between two kept lines there is one line break, or
/// two where the original had a blank line anywhere between them (paragraph breaks survive).
fn render(text: &str, spans: &[Span]) -> String {
    render_mapped(text, spans).0
}

/// What [`render_mapped`] returns: the rendering, where its pieces come from, and its lines.
type Rendered = (String, OffsetMap, Vec<KeptLine>);

/// Where each piece of a rendered text comes from: `(rendered_start, original_start, len)`,
/// sorted and disjoint. Line breaks the renderer repeats for paragraph breaks map nowhere.
#[derive(Debug, Default)]
struct OffsetMap {
    pieces: Vec<(usize, usize, usize)>,
}

impl OffsetMap {
    fn push(&mut self, out: usize, orig: usize, len: usize) {
        if len == 0 {
            return;
        }
        if let Some(last) = self.pieces.last_mut() {
            if last.0 + last.2 == out && last.1 + last.2 == orig {
                last.2 += len;
                return;
            }
        }
        self.pieces.push((out, orig, len));
    }

    /// The original byte offset of rendered offset `pos` (a boundary of a piece or inside
    /// one); `pos` past every piece maps to the end of the last.
    fn offset(&self, pos: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.0 + p.2 <= pos);
        match self.pieces.get(i) {
            Some(&(o, orig, _)) if pos >= o => orig + (pos - o),
            Some(&(_, orig, _)) => orig,
            None => self.pieces.last().map_or(0, |&(_, orig, len)| orig + len),
        }
    }

    /// The original pieces that rendered span `s` covers, one span each.
    fn span_to_original(&self, s: &Span) -> Vec<Span> {
        let first = self.pieces.partition_point(|p| p.0 + p.2 <= s.start);
        let copies: Vec<(usize, usize)> = s
            .copies
            .iter()
            .map(|&(a, b)| (self.offset(a), self.offset(b)))
            .collect();
        self.pieces[first..]
            .iter()
            .take_while(|p| p.0 < s.end)
            .filter_map(|&(o, orig, len)| {
                let a = s.start.max(o);
                let b = s.end.min(o + len);
                (a < b).then(|| Span {
                    start: orig + (a - o),
                    end: orig + (b - o),
                    copies: copies.clone(),
                    ..s.clone()
                })
            })
            .collect()
    }
}

/// [`render`], where each piece of its output comes from in `text`, and its kept lines.
fn render_mapped(text: &str, spans: &[Span]) -> Rendered {
    let mut out = String::with_capacity(text.len());
    let mut map = OffsetMap::default();
    let mut kept: Vec<KeptLine> = Vec::new();
    let mut si = 0;
    let mut prev_term: Option<(usize, usize)> = None; // terminator of the last kept line
    let mut blank_since = false;
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for line in segment::lines(text) {
        let content = &text[line.start..line.content_end];
        if content.trim_start().is_empty() {
            blank_since = true;
            continue;
        }
        // Skip spans that end before this line.
        while si < spans.len() && spans[si].end <= line.start {
            si += 1;
        }
        pieces.clear();
        let mut pos = line.start;
        let mut cut = false;
        let mut j = si;
        while j < spans.len() && spans[j].start < line.content_end {
            let (s, e) = (
                spans[j].start.max(line.start),
                spans[j].end.min(line.content_end),
            );
            if s > pos {
                pieces.push((pos, s));
            }
            pos = pos.max(e);
            cut = true;
            j += 1;
        }
        if pos < line.content_end {
            pieces.push((pos, line.content_end));
        }
        if cut {
            trim_pieces(text, &mut pieces);
        }
        if pieces
            .iter()
            .all(|&(a, b)| text[a..b].trim_start().is_empty())
        {
            continue;
        }
        if let Some((ts, te)) = prev_term {
            if ts == te {
                out.push('\n');
            } else {
                map.push(out.len(), ts, te - ts);
                out.push_str(&text[ts..te]);
            }
            if let Some(last) = kept.last_mut() {
                last.end = out.len();
            }
            if blank_since {
                out.push_str(if ts == te { "\n" } else { &text[ts..te] });
            }
        }
        let start = out.len();
        for &(a, b) in &pieces {
            map.push(out.len(), a, b - a);
            out.push_str(&text[a..b]);
        }
        kept.push(KeptLine {
            start,
            content_end: out.len(),
            end: out.len(),
            source: (!cut).then_some(line.start),
        });
        prev_term = Some((line.content_end, line.end));
        blank_since = false;
    }
    if let Some((ts, te)) = prev_term {
        map.push(out.len(), ts, te - ts);
        out.push_str(&text[ts..te]);
        if let Some(last) = kept.last_mut() {
            last.end = out.len();
        }
    }
    (out, map, kept)
}

/// Trims whitespace at the start of the first piece and the end of the last, dropping pieces
/// left empty.
fn trim_pieces(text: &str, pieces: &mut Vec<(usize, usize)>) {
    while let Some(&(a, b)) = pieces.first() {
        let t = text[a..b].trim_start();
        if t.is_empty() {
            pieces.remove(0);
        } else {
            pieces[0].0 = b - t.len();
            break;
        }
    }
    while let Some(&(a, b)) = pieces.last() {
        let t = text[a..b].trim_end();
        if t.is_empty() {
            pieces.pop();
        } else {
            let last = pieces.len() - 1;
            pieces[last].1 = a + t.len();
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, score: f64) -> Span {
        Span {
            start,
            end,
            label: Label::Chrome,
            score,
            detector: "t".into(),
            rule: "t".into(),
            evidence: "".into(),
            copies: vec![],
        }
    }

    type RenderCase<'a> = (&'a str, &'a [(usize, usize)], &'a str);

    #[test]
    fn render_table() {
        let cases: &[RenderCase<'_>] = &[
            ("a\nb\nc", &[(2, 3)], "a\nc"),
            ("a\n\nb\n\nc\n", &[(3, 4)], "a\n\nc\n"),
            ("a\r\nb\r\nc", &[(3, 4)], "a\r\nc"),
            ("\n\na\n\n", &[], "a\n"),
            ("keep cut", &[(4, 8)], "keep"),
            ("x", &[(0, 1)], ""),
            ("  indented\nb", &[], "  indented\nb"),
        ];
        for (text, cuts, want) in cases {
            let spans: Vec<Span> = cuts.iter().map(|&(s, e)| span(s, e, 1.0)).collect();
            let (out, map, lines) = render_mapped(text, &spans);
            assert_eq!(out, *want, "text {text:?}");
            let base = Document::new(text, 0);
            assert_eq!(
                Document::derived(&out, &base, &lines, 0),
                Document::new(&out, 0)
            );
            // Every mapped piece of the output is the same text in the original.
            for &(o, orig, len) in &map.pieces {
                assert_eq!(&out[o..o + len], &text[orig..orig + len], "text {text:?}");
            }
        }
    }

    /// The repeat detector's later passes, run from its cache, find what a fresh run finds:
    /// nothing while every cap still binds, and a page pattern once its count falls to the
    /// limit (the cache must not rule that pass out).
    #[test]
    fn later_repeat_passes_find_what_a_fresh_run_finds() {
        use crate::detect::Detector;
        let pattern = "Share this story with your friends and family today";
        let mut lines = vec![
            "The council voted on Tuesday to close the old bridge for repairs this winter.",
            "Work will start in November and should last about four months, officials said.",
        ];
        // One more than `max_copies` (3): a page pattern, left out of the index.
        lines.extend([pattern; 4]);
        lines.push("Residents have asked for a ferry while the bridge is closed to traffic.");
        let text = lines.join("\n");
        let detector = RepeatDetector::new(crate::config::RepeatConfig::default(), 0);
        let doc = Document::new(&text, 0);
        let mut cache = RepeatCache::default();
        let mut first = Vec::new();
        detector.detect_cached(&doc, &mut first, &mut cache);
        assert!(first.is_empty(), "{first:?}");
        // Cut the first line (the pattern still binds), then one pattern line (3 left: at the
        // limit, they are copies of each other now).
        let line = |i: usize| {
            let start: usize = lines[..i].iter().map(|l| l.len() + 1).sum();
            span(start, start + lines[i].len(), 1.0)
        };
        for (cut, copies) in [(vec![line(0)], 0), (vec![line(0), line(2)], 2)] {
            let (rendered, _, kept) = render_mapped(&text, &cut);
            let rest = Document::derived(&rendered, &doc, &kept, 0);
            let mut later = Vec::new();
            detector.detect_cached(&rest, &mut later, &mut cache);
            let mut fresh = Vec::new();
            detector.detect(&Document::new(&rendered, 0), &mut fresh);
            assert_eq!(later.len(), copies, "{later:?}");
            assert_eq!(later.len(), fresh.len());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The later passes' documents, derived from the first, equal a fresh parse.
        #[test]
        fn derived_documents_equal_fresh_ones(
            text in "([a-zé中 \t]{0,12}(\n|\r\n|\r|\n\n)){0,12}[a-zé中 ]{0,6}",
            cuts in proptest::collection::vec((0usize..200, 0usize..30), 0..6),
        ) {
            // Disjoint spans on char boundaries, from (start, length) pairs.
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let mut spans: Vec<Span> = Vec::new();
            let mut at = 0;
            for (gap, len) in cuts {
                let s = (at + gap % 40).min(bounds.len() - 1);
                let e = (s + len).min(bounds.len() - 1);
                if e > s {
                    spans.push(span(bounds[s], bounds[e], 1.0));
                }
                at = e;
            }
            let base = Document::new(&text, 3);
            let (out, _, lines) = render_mapped(&text, &spans);
            proptest::prop_assert_eq!(
                Document::derived(&out, &base, &lines, 3),
                Document::new(&out, 3)
            );
        }
    }

    #[test]
    fn spans_of_the_rendered_text_map_back() {
        let text = "a\n\nb x c\n\nd\n";
        let (out, map, _) = render_mapped(text, &[span(5, 7, 1.0)]);
        assert_eq!(out, "a\n\nb c\n\nd\n");
        // "b c" in the output is "b" and "c" in the original, around the cut.
        let back = map.span_to_original(&span(3, 6, 1.0));
        let r: Vec<(usize, usize)> = back.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(r, [(3, 5), (7, 8)]);
    }

    proptest::proptest! {
        /// Spans over whole blocks (equal or disjoint ranges) resolve as the general case does.
        #[test]
        fn resolve_of_whole_blocks_is_the_general_case(
            picks in proptest::collection::vec((0usize..4, 0usize..3), 0..10),
        ) {
            const BLOCKS: [(usize, usize); 4] = [(0, 5), (5, 9), (10, 20), (20, 21)];
            let spans: Vec<Span> = picks
                .iter()
                .enumerate()
                .map(|(k, &(b, s))| Span {
                    rule: format!("r{k}").into(),
                    ..span(BLOCKS[b].0, BLOCKS[b].1, [0.5, 0.6, 0.9][s])
                })
                .collect();
            let order: Vec<usize> = (0..spans.len()).collect();
            proptest::prop_assert_eq!(resolve(spans.clone()), claim(spans, order));
        }
    }

    #[test]
    fn resolve_gives_an_equal_range_to_its_best_span() {
        let spans: Vec<Span> = [(0.5, "a"), (0.9, "b"), (0.9, "c")]
            .iter()
            .map(|&(score, rule)| Span {
                rule: rule.into(),
                ..span(0, 5, score)
            })
            .chain([span(5, 8, 0.1)])
            .collect();
        let out = resolve(spans);
        let r: Vec<(usize, &str)> = out.iter().map(|s| (s.start, s.rule.as_ref())).collect();
        assert_eq!(r, [(0, "b"), (5, "t")]);
    }

    #[test]
    fn resolve_prefers_higher_score() {
        let out = resolve(vec![span(0, 10, 0.5), span(5, 15, 0.9)]);
        let r: Vec<(usize, usize, f64)> = out.iter().map(|s| (s.start, s.end, s.score)).collect();
        assert_eq!(r, [(0, 5, 0.5), (5, 15, 0.9)]);
        let out = resolve(vec![span(0, 20, 0.9), span(5, 15, 0.5)]);
        assert_eq!(out.len(), 1);
        let out = resolve(vec![span(5, 8, 0.9), span(0, 20, 0.5)]);
        let r: Vec<(usize, usize)> = out.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(r, [(0, 5), (5, 8), (8, 20)]);
    }
}
