//! The `chrome` detector: page chrome (navigation, section labels, link lists, captions and
//! credits, promos, footers), on one page and across the pages of a site.
//!
//! # On one page
//!
//! 1. **Language.** Each token is looked up in the stopword lists of the `stop-words` crate
//!    (stopwords-iso, 58 languages); the page's language is the one whose list covers most of
//!    its tokens. No language detector, no language field needed.
//! 2. **Main text.** A block is *prose* when it has at least `min_words` words of which at
//!    least `min_stopword_share` are stopwords of the page's language, or when it ends a
//!    sentence with at least half that many words and a share not far below. Each block gets
//!    a value: its word count if it is prose, else `-(line_penalty + word_penalty × words)`,
//!    with these exceptions:
//!    - prose under 20 words that ends no sentence, or asks a question, is a headline and
//!      worth 0, on pages whose long paragraphs end their sentences (not hard-wrapped text or
//!      verse);
//!    - a paragraph with no other beside it (a teaser's abstract between two headlines) is
//!      worth `lone_paragraph_weight` of its words; nothing in a feed: two or more such
//!      abstracts a few lines apart, each under a headline and beside a short line with a
//!      number (its date or byline);
//!    - a line that is not prose costs twice as much when it recurs three times or more (a
//!      feed's "Save", "More like this");
//!    - a bulleted item ("+ Added banners") is the article's list and costs nothing (a
//!      bulleted list that ends the article joins it);
//!    - a long sentence with some stopwords but fewer than prose needs (names, figures,
//!      loanwords) is worth half its words;
//!    - a line a local cue (below) names chrome is not prose, however long.
//!
//!    The main text is the run of blocks with the largest total value (a maximum-sum
//!    subarray, in one pass), so short lines between paragraphs (sub-headings, list items,
//!    code) stay with the article while the long runs of short lines around it (menus, link
//!    lists, footers) fall outside. Runs beside it worth at least `min_part_share` of its
//!    value join it, with what stands between them: an article cut in two by a long code
//!    listing stays whole. A line in another language than the page (an English caption on a
//!    French page) has no stopwords of the page's language and is not prose.
//! 3. **Outside the main text** every block is chrome (`outside_main_text`), except prose of at
//!    least `keep_words` words at most `title_reach` blocks above it (a standfirst; elsewhere
//!    such prose is a teaser's abstract, a bio or a promo) and the title: the longest
//!    headline-like line (3 to 20 words, no final stop, no interface words, at most one
//!    number) at most `title_reach` blocks above the main text.
//! 4. **Inside the main text** blocks are chrome only on a local cue, from the lists in
//!    `src/lexicon/chrome/<lang>.txt` (all languages merged): a line made only of interface
//!    words (`interface`: "Share on Facebook", "Sign in", "Lire la suite"), a promo or legal
//!    notice (`promo`), a photo credit or caption with a credit (`credit`), a list header and
//!    the headline-like lines under it, or cards (a headline and a paragraph standing alone,
//!    or the two glued on one line, cut short; a numbered heading over a paragraph ends them:
//!    the article's next section)
//!    (`related_list`: "Read also", "Lesen Sie auch"); a
//!    short line closed by the same credit as a caption of the page (`credit`); a headline
//!    standing right under a caption (`related_card`, a teaser); a line that opens with the
//!    same words twice and ends no sentence (`doubled_headline`: a teaser's image text and
//!    link text glued); a slideshow, three or more
//!    lines opening with counters that count up ("1/50", "2/50") with their captions
//!    (`gallery`).
//!
//! # Across a site's pages
//!
//! With [`SiteStats`](crate::stats::SiteStats) fitted on many pages of the site, a block whose
//! folded text (numbers folded) occurs on at least `site_min_share` of the site's pages, and
//! on at least `site_min_pages` pages, is chrome (`site_frequent`), evidence "on 37 of 40 pages
//! of site x". Long prose must clear a higher bar (at least 3 pages), so that two pages quoting
//! the same paragraph keep it.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use crate::config::ChromeConfig;
use crate::detect::Detector;
use crate::document::{set_at_origin, Document, Label, Span, NO_ORIGIN};
use crate::normalize::Tokenizer;
use crate::stats::{block_key, SiteModel};

/// The detector's versioned name.
pub const NAME: &str = "chrome_v1";

/// The cue lists, one file per language (format: `src/lexicon/chrome/README.md`).
const LEXICONS: &[&str] = &[
    include_str!("../lexicon/chrome/en.txt"),
    include_str!("../lexicon/chrome/fr.txt"),
    include_str!("../lexicon/chrome/de.txt"),
    include_str!("../lexicon/chrome/es.txt"),
    include_str!("../lexicon/chrome/it.txt"),
    include_str!("../lexicon/chrome/pt.txt"),
    include_str!("../lexicon/chrome/nl.txt"),
    include_str!("../lexicon/chrome/ru.txt"),
    include_str!("../lexicon/chrome/pl.txt"),
    include_str!("../lexicon/chrome/cs.txt"),
    include_str!("../lexicon/chrome/zh.txt"),
    include_str!("../lexicon/chrome/ja.txt"),
];

/// Longest line made only of interface words that counts as interface.
const MAX_INTERFACE_WORDS: usize = 8;
/// Longest line that can be a promo or legal notice.
const MAX_PROMO_WORDS: usize = 40;
/// Longest line that can be a credit or a caption ending with one.
const MAX_CREDIT_WORDS: usize = 25;
/// Longest headline in a list of links.
const MAX_HEADLINE_WORDS: usize = 20;
/// Most lines a list of links runs under its header.
const MAX_LIST_LINES: usize = 15;
/// Most lines between two cards of one feed.
const FEED_REACH: usize = 8;
/// Most words of a teaser card's abstract under a list header.
const MAX_ABSTRACT_WORDS: usize = 80;
/// Words of a title.
const TITLE_WORDS: std::ops::RangeInclusive<usize> = 3..=20;
/// Fewest words of a teaser card's headline: shorter lines under a caption are sub-headings.
const MIN_CARD_WORDS: usize = 6;
/// Prose that ends no sentence and is shorter than this is a headline to the main text.
const HEADLINE_PROSE_WORDS: usize = 20;
/// How many times its usual cost a line that is not prose costs the main text when it
/// recurs three times or more on the page.
const RECURRING_LINE_COST: f64 = 2.0;
/// The rule of chrome found across a site's pages.
const SITE_RULE: &str = "site_frequent";

/// Phrase sets of one section of the lexicon, as sequences of token hashes.
#[derive(Debug, Default)]
struct Phrases {
    /// First token hash -> phrases starting with it (longest first).
    by_first: FxHashMap<u64, Vec<Vec<u64>>>,
    /// Bit set of the first tokens' hashes (low bits): most page tokens start no phrase,
    /// and a bit test settles them without a hash-map lookup.
    firsts: Vec<u64>,
}

/// Bits of [`Phrases::firsts`].
const FIRST_BITS: usize = 1 << 14;

impl Phrases {
    fn insert(&mut self, phrase: Vec<u64>) {
        if let Some(&first) = phrase.first() {
            self.firsts.resize(FIRST_BITS / 64, 0);
            #[allow(clippy::cast_possible_truncation)]
            let bit = first as usize % FIRST_BITS;
            self.firsts[bit / 64] |= 1 << (bit % 64);
            let list = self.by_first.entry(first).or_default();
            if !list.contains(&phrase) {
                list.push(phrase);
                list.sort_by_key(|p| std::cmp::Reverse(p.len()));
            }
        }
    }

    /// Length of the longest phrase starting at `tokens[0]`, if any.
    #[inline]
    fn match_at(&self, tokens: &[u64]) -> Option<usize> {
        let first = *tokens.first()?;
        #[allow(clippy::cast_possible_truncation)]
        let bit = first as usize % FIRST_BITS;
        // Inlined: the bit test settles most tokens where they are asked.
        if self
            .firsts
            .get(bit / 64)
            .map_or(true, |w| w & (1 << (bit % 64)) == 0)
        {
            return None;
        }
        self.match_listed(first, tokens)
    }

    /// [`match_at`](Self::match_at) past the bit test.
    #[inline(never)]
    fn match_listed(&self, first: u64, tokens: &[u64]) -> Option<usize> {
        let list = self.by_first.get(&first)?;
        list.iter()
            .find(|p| tokens.starts_with(p))
            .map(std::vec::Vec::len)
    }

    /// True when some phrase occurs in `tokens`.
    fn occurs_in(&self, tokens: &[u64]) -> bool {
        (0..tokens.len()).any(|i| self.match_at(&tokens[i..]).is_some())
    }

    /// True when `tokens` is entirely made of phrases (and `filler` tokens).
    fn covers(&self, tokens: &[u64], filler: impl Fn(usize) -> bool) -> bool {
        let mut i = 0;
        while i < tokens.len() {
            if filler(i) {
                i += 1;
            } else if let Some(n) = self.match_at(&tokens[i..]) {
                i += n;
            } else {
                return false;
            }
        }
        true
    }
}

/// The lexicon, hashed with one seed.
#[derive(Debug, Default)]
struct Lexicon {
    interface: Phrases,
    promo: Phrases,
    list_header: Phrases,
    credit: Phrases,
}

/// Entries of every lexicon file by section, parsed once.
fn entries() -> &'static [(&'static str, &'static str)] {
    static ENTRIES: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut out = Vec::new();
        for text in LEXICONS {
            let mut section = "";
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    section = name;
                } else {
                    out.push((section, line));
                }
            }
        }
        out
    })
}

impl Lexicon {
    fn new(seed: u64) -> Self {
        let mut lex = Lexicon::default();
        let mut tok = Tokenizer::new(seed);
        for &(section, entry) in entries() {
            let phrase: Vec<u64> = tok.tokenize(entry).iter().map(|t| t.hash).collect();
            let set = match section {
                "interface" => &mut lex.interface,
                "promo" => &mut lex.promo,
                "list_header" => &mut lex.list_header,
                "credit" => &mut lex.credit,
                _ => continue,
            };
            set.insert(phrase);
        }
        lex
    }
}

/// Languages of the stopword lists, in bit order.
fn stopword_languages() -> &'static [&'static str] {
    stop_words::available_languages()
}

/// Token hash -> bit set of the languages whose stopword list holds the word: an
/// open-addressed table probed linearly, at most a quarter full, behind a presence filter. It
/// is asked once per token of every page. The table (two words a slot, so a hit reads one cache
/// line) is larger than a core's L2 cache, and most tokens are no stopword: the filter, one bit
/// per hash value of the low bits, small enough to stay in L1, turns most of those away before
/// the table is read. Token hashes are random already, so neither needs hashing again.
#[derive(Debug)]
struct StopTable {
    /// (hash, languages) per slot; hash 0 marks an empty slot.
    slots: Box<[(u64, u64)]>,
    /// Bit `h & FILTER_MASK` is set when some word of the table has hash `h` in those bits.
    filter: Box<[u64]>,
    /// Right shift taking a hash's top bits to its first slot.
    shift: u32,
    /// The mask of the hash 0, which marks empty slots.
    zero: u64,
}

/// Bits of the presence filter (16 KiB): with the ~19,000 stopwords of all lists, about one
/// token in 7 that is no stopword gets past it to the table.
const FILTER_BITS: usize = 1 << 17;
const FILTER_MASK: u64 = FILTER_BITS as u64 - 1;

impl StopTable {
    fn new(words: &FxHashMap<u64, u64>) -> Self {
        let n = (words.len() * 4).next_power_of_two().max(16);
        let shift = 64 - n.trailing_zeros();
        let mut slots = vec![(0u64, 0u64); n];
        let mut filter = vec![0u64; FILTER_BITS / 64];
        let mut zero = 0;
        // Sorted, so that the layout does not hang on the map's order.
        let mut entries: Vec<(u64, u64)> = words.iter().map(|(&h, &m)| (h, m)).collect();
        entries.sort_unstable();
        for (h, m) in entries {
            if h == 0 {
                zero = m;
                continue;
            }
            let bit = (h & FILTER_MASK) as usize;
            filter[bit / 64] |= 1 << (bit % 64);
            let mut i = (h >> shift) as usize;
            while slots[i].0 != 0 {
                i = (i + 1) & (n - 1);
            }
            slots[i] = (h, m);
        }
        Self {
            slots: slots.into(),
            filter: filter.into(),
            shift,
            zero,
        }
    }

    /// The languages whose stopwords hold the word of hash `h` (0 for none).
    #[inline]
    fn get(&self, h: u64) -> u64 {
        if h == 0 {
            return self.zero;
        }
        let bit = (h & FILTER_MASK) as usize;
        if self.filter[bit / 64] >> (bit % 64) & 1 == 0 {
            return 0;
        }
        let last = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            match self.slots[i] {
                (k, m) if k == h => return m,
                (0, _) => return 0,
                _ => i = (i + 1) & last,
            }
        }
    }
}

/// Token hash -> bit set of the languages whose stopword list holds the word.
fn stopword_table(seed: u64) -> FxHashMap<u64, u64> {
    let mut table: FxHashMap<u64, u64> = FxHashMap::default();
    let mut tok = Tokenizer::new(seed);
    for (bit, lang) in stopword_languages().iter().enumerate().take(64) {
        let Some(words) = stop_words::lookup(lang) else {
            continue;
        };
        for w in words {
            // A stopword is one token of page text; multi-token entries ("a's") are skipped.
            let toks = tok.tokenize(w);
            // Some lists carry digits ("1", "2012"): a number is no function word, and
            // counting it would make lines of figures prose in that language.
            if toks.len() != 1 || w.chars().all(|c| c.is_numeric()) {
                continue;
            }
            *table.entry(toks[0].hash).or_default() |= 1 << bit;
        }
    }
    table
}

/// Finds page chrome; see the [module docs](self).
///
/// Clones share the stopword table and the lexicon (built once, read only).
#[derive(Clone, Debug)]
pub struct ChromeDetector {
    config: ChromeConfig,
    stopwords: Arc<StopTable>,
    lexicon: Arc<Lexicon>,
    model: Option<Arc<SiteModel>>,
    seed: u64,
}

/// What the detector knows of one block.
#[derive(Clone, Copy, Debug, Default)]
struct Features {
    words: usize,
    /// Index of the block's first token in the page's token masks.
    first: usize,
    stop: usize,
    sentence: bool,
    /// The block ends with a question mark.
    question: bool,
    prose: bool,
}

/// Which lines look like code or data rather than menu entries ([`code_like`]), asked of
/// few lines (the non-prose lines where the main text weighs joining a part): each line is
/// looked at once, when first asked, not every byte of every line up front.
struct CodeLines(Vec<std::cell::Cell<Option<bool>>>);

impl CodeLines {
    fn new(n: usize) -> Self {
        Self(vec![std::cell::Cell::new(None); n])
    }

    fn get(&self, doc: &Document<'_>, k: usize) -> bool {
        let cell = &self.0[k];
        cell.get().unwrap_or_else(|| {
            let code = code_like(doc.block_text(k));
            cell.set(Some(code));
            code
        })
    }
}

/// Each block's key and the number of blocks per key ([`ChromeDetector::line_keys`]).
type LineKeys = (Vec<u64>, FxHashMap<u64, usize>);

/// Why a block is chrome.
#[derive(Clone, Debug)]
struct Hit {
    rule: &'static str,
    score: f64,
    /// Most cues' evidence is a fixed phrase: borrowed, it costs no allocation when the
    /// line's cue is cached and handed back to a later pass.
    evidence: Cow<'static, str>,
}

impl ChromeDetector {
    /// A detector with `config`, hashing like documents made with `seed`.
    #[must_use]
    pub fn new(config: ChromeConfig, seed: u64) -> Self {
        Self {
            config,
            stopwords: Arc::new(StopTable::new(&stopword_table(seed))),
            lexicon: Arc::new(Lexicon::new(seed)),
            model: None,
            seed,
        }
    }

    /// The same detector with the statistics of a fitted site model, used for pages whose
    /// [`Document::site`] it knows.
    #[must_use]
    pub fn with_model(mut self, model: Option<Arc<SiteModel>>) -> Self {
        self.model = model;
        self
    }

    /// Each block's features, and each token's stopword languages (a bit set per token, in
    /// document order: one table lookup per token serves every later question), with the
    /// page's language. What only depends on a block's own line comes from `cache` when an
    /// earlier pass saw the line whole.
    fn features(
        &self,
        doc: &Document<'_>,
        cache: &mut ChromeCache,
    ) -> (Vec<Features>, Vec<u64>, usize) {
        let n = doc.blocks().len();
        let mut masks: Vec<u64> = Vec::with_capacity(doc.tokens_len());
        if cache.blocks.is_empty() {
            // The first pass fills the cache with every line: sized once, not grown.
            cache.blocks.reserve(n);
            cache.masks.reserve(doc.tokens_len());
        }
        // Per block: whether it ends a sentence.
        let mut shape: Vec<bool> = Vec::with_capacity(n);
        // The language counts of the lines the cache does not take (cut lines).
        let mut uncached = [0u32; 64];
        for i in 0..n {
            let origin = doc.origin(i);
            if let Some(c) = cache.block(origin) {
                masks.extend_from_slice(&cache.masks[c.masks.clone()]);
                shape.push(c.sentence);
                continue;
            }
            let from = masks.len();
            masks.extend(doc.tokens(i).iter().map(|t| self.stopwords.get(t.hash)));
            let text = doc.block_text(i);
            let sentence = ends_sentence(text);
            shape.push(sentence);
            if origin == NO_ORIGIN {
                count_languages(&mut uncached, &masks[from..], true);
            }
            cache.set_block(origin, &masks[from..], sentence);
        }
        // The page's language: the stopword list covering most tokens. Counted as the
        // cached lines' counts, less the cached lines not on this page, plus the lines not
        // cached (cut ones); a page holds each cached line once at most (one origin each).
        let mut counts = cache.counts;
        for (k, c) in counts.iter_mut().enumerate() {
            *c += uncached[k];
        }
        let mut present = vec![false; cache.blocks.len()];
        for i in 0..n {
            if let Some(p) = present.get_mut(doc.origin(i) as usize) {
                *p = true;
            }
        }
        for (c, _) in cache.blocks.iter().zip(&present).filter(|(_, &p)| !p) {
            if let Some(c) = c {
                count_languages(&mut counts, &cache.masks[c.masks.clone()], false);
            }
        }
        // Every test run checks the sum against the count token by token.
        debug_assert_eq!(counts, language_counts(&masks));
        let lang = counts
            .iter()
            .enumerate()
            .max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i)))
            .map_or(0, |(i, _)| i);
        let bit = 1u64 << lang;
        let cfg = &self.config;
        let mut first = 0;
        let feats = (0..n)
            .map(|i| {
                let words = doc.tokens(i).len();
                let stop = masks[first..first + words]
                    .iter()
                    .filter(|&&m| m & bit != 0)
                    .count();
                let sentence = shape[i];
                let question = sentence && ends_question(doc.block_text(i));
                #[allow(clippy::cast_precision_loss)]
                let share = if words == 0 {
                    0.0
                } else {
                    stop as f64 / words as f64
                };
                let prose = (words >= cfg.min_words && share >= cfg.min_stopword_share)
                    || (sentence
                        && words * 2 >= cfg.min_words
                        && share >= cfg.min_stopword_share * 0.7);
                let f = Features {
                    words,
                    stop,
                    sentence,
                    question,
                    prose,
                    first,
                };
                first += words;
                f
            })
            .collect();
        (feats, masks, lang)
    }

    /// Each block's key (a hash of its tokens) and how many blocks of the page have each key:
    /// what [`main_text`](Self::main_text) knows of recurring lines.
    fn line_keys(doc: &Document<'_>) -> LineKeys {
        let keys: Vec<u64> = (0..doc.blocks().len())
            .map(|i| {
                doc.tokens(i)
                    .iter()
                    .fold(0x243f_6a88_85a3_08d3, |h: u64, t| {
                        (h ^ t.hash).wrapping_mul(0x0000_0100_0000_01b3)
                    })
            })
            .collect();
        let mut counts: FxHashMap<u64, usize> =
            FxHashMap::with_capacity_and_hasher(keys.len(), rustc_hash::FxBuildHasher);
        for &key in &keys {
            *counts.entry(key).or_default() += 1;
        }
        (keys, counts)
    }

    /// The main text: the block range of largest total value, widened to take in the runs
    /// beside it worth at least `min_part_share` of its value, with whatever stands between
    /// (an article cut in parts by a code listing or a long list). `None` when no block is
    /// prose.
    fn main_text(
        &self,
        doc: &Document<'_>,
        feats: &[Features],
        hits: &[Option<Hit>],
        lines: &LineKeys,
        code: &CodeLines,
    ) -> Option<(usize, usize)> {
        let cfg = &self.config;
        #[allow(clippy::cast_precision_loss)]
        // Prose that ends no sentence is a headline where the page's paragraphs end their
        // sentences; not on a page of hard-wrapped lines (no line is long) or of verse.
        let (ended, all) = feats
            .iter()
            .filter(|f| f.prose && f.words >= HEADLINE_PROSE_WORDS)
            .fold((0, 0), |(e, a), f| {
                (e + if f.sentence { f.words } else { 0 }, a + f.words)
            });
        let punctuated = all > 0 && ended * 2 >= all;
        let (keys, counts) = lines;
        // A short question is a headline too: a feed's teasers ask ("Why are my feet
        // numb?"); an article's questions stand in its paragraphs, or as sub-headings, which
        // are worth nothing either way.
        let headline = |f: &Features| {
            punctuated && f.prose && (!f.sentence || f.question) && f.words < HEADLINE_PROSE_WORDS
        };
        let paragraph = |k: usize| feats.get(k).is_some_and(|f| f.prose && !headline(f));
        // A feed's cards: a headline, an abstract standing alone, a short line with a number
        // (its date or byline) beside it; two or more within a few lines of each other.
        let dated = |j: usize| {
            feats.get(j).is_some_and(|g| {
                !g.prose && g.words <= 6 && (0..g.words).any(|t| Self::is_number(doc, j, t))
            })
        };
        let cards: Vec<usize> = (1..feats.len())
            .filter(|&k| {
                feats[k].prose
                    && !headline(&feats[k])
                    && !paragraph(k - 1)
                    && !paragraph(k + 1)
                    && Self::headline_like(doc, k - 1, &feats[k - 1])
                    && (dated(k + 1) || dated(k + 2) || dated(k.wrapping_sub(2)))
            })
            .collect();
        // `cards` is sorted: a card's nearest others are its neighbours in it.
        let in_feed = |k: usize| {
            cards.binary_search(&k).is_ok_and(|p| {
                let near = |q: Option<&usize>| q.is_some_and(|&c| c.abs_diff(k) <= FEED_REACH);
                near(p.checked_sub(1).and_then(|q| cards.get(q))) || near(cards.get(p + 1))
            })
        };
        let values: Vec<f64> = feats
            .iter()
            .enumerate()
            .map(|(k, f)| {
                // A line a local cue named chrome (a promo, a credit, a doubled headline) is
                // no prose of the article, however long. Site chrome is left to count as
                // usual: a paragraph quoted on several pages of a site may be the article's.
                if hits[k].as_ref().is_some_and(|h| h.rule != SITE_RULE) {
                    -(cfg.line_penalty + cfg.word_penalty * f.words as f64)
                } else if headline(f) {
                    0.0
                } else if f.prose {
                    // A feed of teasers is headline, abstract, headline: its paragraphs stand
                    // alone, where an article's run on.
                    let alone = !paragraph(k.wrapping_sub(1)) && !paragraph(k + 1);
                    f.words as f64
                        * if in_feed(k) {
                            0.0
                        } else if alone {
                            cfg.lone_paragraph_weight
                        } else {
                            1.0
                        }
                } else if bulleted(doc.block_text(k)) {
                    // A bulleted item is the article's list; menus carry no bullets.
                    0.0
                } else if punctuated && counts[&keys[k]] >= 3 && !code.get(doc, k) {
                    // A short line back three times or more is a feed's template ("Save",
                    // "More like this") or an ad slot; a page of hard-wrapped text repeats
                    // its running header, which is the text's own.
                    -(cfg.line_penalty + cfg.word_penalty * f.words as f64) * RECURRING_LINE_COST
                } else if f.sentence
                    && f.words >= cfg.min_words
                    && f.stop as f64 >= 0.35 * cfg.min_stopword_share * f.words as f64
                {
                    // A long sentence a little short of stopwords (a paragraph of names and
                    // loanwords) is worth half its words: menus end no sentences.
                    0.5 * f.words as f64
                } else {
                    -(cfg.line_penalty + cfg.word_penalty * f.words as f64)
                }
            })
            .collect();
        let (mut a, mut z, best) = best_run(&values, 0, values.len())?;
        let enough = cfg.min_part_share * best;
        // What joining a part costs: the lines between it and the main text, but for code
        // and for lines that recur inside the article or the part (a table of contents, whose
        // entries come back as sub-headings). An article cut by a listing or a contents box
        // stays whole; one followed by a long menu and a promo paragraph does not take them in.
        // `lo..hi` lies between the two parts `main` and `part`.
        let gap = |lo: usize, hi: usize, main: (usize, usize), part: (usize, usize)| -> f64 {
            let within: rustc_hash::FxHashSet<u64> = (main.0..=main.1)
                .chain(part.0..=part.1)
                .map(|k| keys[k])
                .collect();
            (lo..hi)
                // Lines worth nothing or more cost nothing: asked first, so that few lines
                // are looked at for code.
                .filter(|&k| values[k] < 0.0 && !within.contains(&keys[k]) && !code.get(doc, k))
                .map(|k| values[k])
                .sum()
        };
        while let Some((start, end, score)) = best_run(&values, 0, a) {
            if score < enough || score + gap(end + 1, a, (a, z), (start, end)) < enough {
                break;
            }
            a = start;
        }
        while let Some((start, end, score)) = best_run(&values, z + 1, values.len()) {
            if score < enough || score + gap(z + 1, start, (a, z), (start, end)) < enough {
                break;
            }
            z = end;
        }
        // A bulleted list that ends the article is worth nothing, but it is the article's:
        // menus carry no bullets.
        let listed = |k: usize| bulleted(doc.block_text(k)) && hits[k].is_none();
        while z + 1 < feats.len() && listed(z + 1) {
            z += 1;
        }
        Some((a, z))
    }

    /// Lists of links (or of cards) under their headers, outside the head of the main text
    /// `main`, marked `related_list` in `hits`. Returns whether it marked any line.
    fn lists(
        &self,
        doc: &Document<'_>,
        feats: &[Features],
        main: Option<(usize, usize)>,
        hits: &mut [Option<Hit>],
        cache: &mut ChromeCache,
    ) -> bool {
        let n = feats.len();
        let mut marked = false;
        let mut h: Vec<u64> = Vec::new();
        // Lists of links under their headers.
        let mut i = 0;
        while i < n {
            let origin = doc.origin(i);
            let header = cache.list_header(origin).unwrap_or_else(|| {
                h.clear();
                h.extend(doc.tokens(i).iter().map(|t| t.hash));
                let header = self.list_header(doc, i, &h);
                cache.set_list_header(origin, header);
                header
            });
            if header {
                // Links, or cards: a headline with its abstract, a paragraph that stands
                // alone (where the article's paragraphs run on).
                let cfg_min_words = self.config.min_words;
                let abstract_at = |j: usize| {
                    let f = &feats[j];
                    j > i + 1
                        && f.prose
                        && f.words <= MAX_ABSTRACT_WORDS
                        && Self::headline_like(doc, j - 1, &feats[j - 1])
                        && !numbered(doc.block_text(j - 1))
                        && !feats.get(j + 1).is_some_and(|g| {
                            // A question can be the next card's headline.
                            g.prose
                                && g.sentence
                                && (g.words >= cfg_min_words || !Self::headline_like(doc, j + 1, g))
                        })
                };
                let (mut j, mut links) = (i + 1, 0);
                while j < n && links < MAX_LIST_LINES {
                    // A numbered heading over a paragraph is the article's next section.
                    let section = numbered(doc.block_text(j))
                        && feats.get(j + 1).is_some_and(|g| g.prose && g.sentence);
                    if section {
                        break;
                    }
                    // Cards go on as long as they come; links stop at `MAX_LIST_LINES` in
                    // a row. A line a cue already named chrome (an ad between cards) does
                    // not end the list.
                    // A card may come as one line, its headline glued to an abstract cut
                    // short: prose that ends no sentence.
                    let glued = {
                        let f = &feats[j];
                        f.prose && !f.sentence && f.words <= MAX_ABSTRACT_WORDS
                    };
                    if abstract_at(j) {
                        links = 0;
                    } else if glued || Self::headline_like(doc, j, &feats[j]) {
                        links += 1;
                    } else if hits[j].is_none() {
                        break;
                    }
                    j += 1;
                }
                // One line under a header may be the article's title: a list has two. Lines
                // that run from a header straight into the main text are the article's own
                // head (section label, title, byline), not links.
                let into_main = main.is_some_and(|(a, _)| i < a && j >= a);
                if j > i + 2 && !into_main {
                    let header = doc.block_text(i);
                    // Formatted once: one evidence for the whole list.
                    let evidence = format!("a list of {} links under {header:?}", j - i - 1);
                    for hit in &mut hits[i..j] {
                        if hit.is_none() {
                            marked = true;
                            *hit = Some(Hit {
                                rule: "related_list",
                                score: 0.75,
                                evidence: evidence.clone().into(),
                            });
                        }
                    }
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        marked
    }

    fn is_number(doc: &Document<'_>, i: usize, k: usize) -> bool {
        let t = doc.tokens(i)[k];
        crate::normalize::is_number(&doc.text()[t.start..t.end])
    }

    fn interface(&self, doc: &Document<'_>, i: usize, h: &[u64]) -> bool {
        !h.is_empty()
            && h.len() <= MAX_INTERFACE_WORDS
            && self
                .lexicon
                .interface
                .covers(h, |k| Self::is_number(doc, i, k))
            && !h
                .iter()
                .enumerate()
                .all(|(k, _)| Self::is_number(doc, i, k))
    }

    fn list_header(&self, doc: &Document<'_>, i: usize, h: &[u64]) -> bool {
        !h.is_empty()
            && h.len() <= 6
            && self
                .lexicon
                .list_header
                .covers(h, |k| Self::is_number(doc, i, k))
            && !doc.block_text(i).ends_with('.')
    }

    /// A local cue inside the main text (or anywhere); `h` holds the block's token hashes,
    /// `masks` the page's token stopword masks.
    fn local_cue(
        &self,
        doc: &Document<'_>,
        i: usize,
        f: &Features,
        h: &[u64],
        masks: &[u64],
    ) -> Option<Hit> {
        if self.interface(doc, i, h) {
            return Some(Hit {
                rule: "interface",
                score: 0.8,
                evidence: "a line of interface words".into(),
            });
        }
        let promo_at_start =
            || (0..h.len().min(3)).any(|k| self.lexicon.promo.match_at(&h[k..]).is_some());
        if (f.words <= MAX_PROMO_WORDS && self.lexicon.promo.occurs_in(h))
            || (f.words <= 3 * MAX_PROMO_WORDS && promo_at_start())
        {
            return Some(Hit {
                rule: "promo",
                score: 0.75,
                evidence: "a promo or legal notice".into(),
            });
        }
        if f.words <= MAX_CREDIT_WORDS && !f.sentence && self.lexicon.credit.occurs_in(h) {
            // The credit must close the line (a caption ends with its credit) or the line
            // must be short: "told Reuters on Monday" inside a sentence is not a credit.
            let tail = h.len().saturating_sub(4);
            if f.words <= 6 || self.lexicon.credit.occurs_in(&h[tail..]) {
                return Some(Hit {
                    rule: "credit",
                    score: 0.7,
                    evidence: "a photo credit or a caption with its credit".into(),
                });
            }
        }
        let text = doc.block_text(i);
        if f.words <= MAX_CREDIT_WORDS
            && ((text.starts_with('(') && text.ends_with(')'))
                || (text.starts_with('[') && text.ends_with(']')))
        {
            return Some(Hit {
                rule: "aside",
                score: 0.65,
                evidence: "a short line in brackets (an editor's link or note)".into(),
            });
        }
        // A sentence said twice is the article's, doubled by the scrape; a long line that
        // opens with a phrase said twice is not a headline.
        if let Some(m) = doubled(h).filter(|&m| !f.sentence && f.words <= 3 * m) {
            return Some(Hit {
                rule: "doubled_headline",
                score: 0.7,
                evidence: format!("opens with {m} words said twice (a link's image and its text)")
                    .into(),
            });
        }
        if f.words >= 8 && !f.prose {
            if let Some(lang) = self.other_language(&masks[f.first..f.first + f.words], f) {
                return Some(Hit {
                    rule: "other_language",
                    score: 0.6,
                    evidence: format!("prose in another language ({lang}) than the page").into(),
                });
            }
        }
        None
    }

    /// The language whose stopwords make block `i` prose, when it is not the page's (whose
    /// stopwords are `f.stop` of the block's words).
    fn other_language(&self, masks: &[u64], f: &Features) -> Option<&'static str> {
        let counts = language_counts(masks);
        let (lang, &best) = counts.iter().enumerate().max_by_key(|&(_, c)| *c)?;
        #[allow(clippy::cast_precision_loss)]
        let share = f64::from(best) / masks.len() as f64;
        (share >= self.config.min_stopword_share && f.stop * 2 < best as usize)
            .then(|| stopword_languages().get(lang).copied())
            .flatten()
    }

    /// A line of a list of links: short, and not ending with a full stop.
    fn headline_like(doc: &Document<'_>, i: usize, f: &Features) -> bool {
        f.words >= 1 && f.words <= MAX_HEADLINE_WORDS && !doc.block_text(i).ends_with('.')
    }

    fn site_cue(&self, doc: &Document<'_>, i: usize, f: &Features) -> Option<Hit> {
        let stats = self.model.as_ref()?.site(doc.site()?)?;
        let pages = stats.pages();
        let key = block_key(doc, i, self.seed);
        let on = stats.block_pages(key);
        let cfg = &self.config;
        let min_pages = if f.prose && f.words >= 20 {
            cfg.site_min_pages.max(3)
        } else {
            cfg.site_min_pages
        };
        #[allow(clippy::cast_precision_loss)]
        let share = on as f64 / pages.max(1) as f64;
        (on >= min_pages as u64 && share >= cfg.site_min_share).then(|| Hit {
            rule: SITE_RULE,
            score: 0.7 + 0.25 * share,
            evidence: format!("on {on} of {pages} pages of the site").into(),
        })
    }
}

/// The ASCII chars of [`code_like`], as a byte table: it runs on every byte of every block.
static CODE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let chars = b"{}()[];=<>|\\_";
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] = true;
        i += 1;
    }
    table
};

/// A line of code, a table row or data rather than a menu or list entry: it holds one of
/// the characters code and tables are made of, or no letter at all, or its first letter is
/// a small letter in a script with capitals (menus and headings start with a capital).
fn code_like(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Sixteen bytes a step, without a branch per byte; the box-drawing chars all start with
    // the byte 0xE2.
    let hit = |chunk: &[u8]| {
        chunk
            .iter()
            .fold(false, |a, &b| a | CODE_BYTES[usize::from(b)])
    };
    let mut chunks = bytes.chunks_exact(16);
    if chunks.any(hit)
        || hit(chunks.remainder())
        || (bytes.contains(&0xE2) && text.contains(['│', '─', '┼', '═']))
    {
        return true;
    }
    match text.chars().find(|c| c.is_alphabetic()) {
        None => true,
        Some(c) => c.is_lowercase(),
    }
}

/// Most words of a headline said twice at the start of a line.
const MAX_DOUBLED_WORDS: usize = 40;

/// The length `m` of an opening run of tokens said twice in a row (`h[..m] == h[m..2m]`),
/// at least 4 tokens of which 3 differ: a teaser whose image text and link text were glued
/// ("Google has captured your mind Google has captured your mind").
fn doubled(h: &[u64]) -> Option<usize> {
    (4..=MAX_DOUBLED_WORDS.min(h.len() / 2)).find(|&m| {
        // The first words first: most lines stop at them.
        h[0] == h[m] && h[..m] == h[m..2 * m] && {
            let mut distinct: Vec<u64> = h[..m].to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            distinct.len() >= 3
        }
    })
}

/// True when `text` opens with a bullet and a space ("+ Added banners", "• Two eggs").
fn bulleted(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('+' | '*' | '•' | '-' | '◦' | '▪'))
        && chars.next().is_some_and(char::is_whitespace)
}

/// True when `text` opens with a list number ("6. ", "6) "): a numbered sub-heading.
fn numbered(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(text.as_bytes().get(digits), Some(b'.' | b')'))
}

/// The slide counter opening a line ("12/50 Title", "12 / 50"): `(12, 50)`. A date
/// ("3/09/15") is not one.
fn slide_counter(text: &str) -> Option<(u32, u32)> {
    let b = text.trim_start().as_bytes();
    let num = |at: usize| {
        let n = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        (1..=3).contains(&n).then(|| {
            let v = b[at..at + n]
                .iter()
                .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
            (v, at + n)
        })
    };
    let (k, mut at) = num(0)?;
    at += usize::from(b.get(at) == Some(&b' '));
    if b.get(at) != Some(&b'/') {
        return None;
    }
    at += 1;
    at += usize::from(b.get(at) == Some(&b' '));
    let (n, end) = num(at)?;
    let next_ok = b
        .get(end)
        .map_or(true, |c| !(c.is_ascii_digit() || b"/.:-".contains(c)));
    (next_ok && k >= 1 && k <= n).then_some((k, n))
}

/// Slideshows: at least three lines opening with counters of one total, counting up by one
/// ("1/50 …", "2/50 …"), each with the caption lines that follow it, are chrome (`gallery`).
/// The last slide takes as many lines as a typical slide.
fn galleries(doc: &Document<'_>, hits: &mut [Option<Hit>]) {
    let n = hits.len();
    let counters: Vec<(usize, u32, u32)> = (0..n)
        .filter_map(|i| slide_counter(doc.block_text(i)).map(|(k, t)| (i, k, t)))
        .collect();
    let mut s = 0;
    while s < counters.len() {
        let mut e = s + 1;
        while e < counters.len()
            && counters[e].2 == counters[s].2
            && counters[e].1 == counters[e - 1].1 + 1
        {
            e += 1;
        }
        if e - s >= 3 {
            let (first, total) = (counters[s].0, counters[s].2);
            let mut lens: Vec<usize> = counters[s..e].windows(2).map(|w| w[1].0 - w[0].0).collect();
            lens.sort_unstable();
            let last = (counters[e - 1].0 + lens[lens.len() / 2]).min(n);
            let evidence = format!("a slideshow of {} slides out of {total}", e - s);
            for hit in &mut hits[first..last] {
                if hit.is_none() {
                    *hit = Some(Hit {
                        rule: "gallery",
                        score: 0.7,
                        evidence: evidence.clone().into(),
                    });
                }
            }
        }
        s = e;
    }
}

/// Rules that mark a block as a caption or a credit.
const CAPTION_RULES: [&str; 2] = ["credit", "other_language"];

/// The credit closing a caption: the 1 to 4 words after its last dash or bar
/// ("… in Aleppo. - Agency Name"), lower-cased; `None` when there is none.
fn credit_tail(text: &str) -> Option<String> {
    // Every separator holds '-', '|' or a dash starting with the byte 0xE2.
    memchr::memchr3(b'-', b'|', 0xE2, text.as_bytes())?;
    let text = text.trim();
    let at = [" - ", " – ", " — ", " | "]
        .iter()
        .filter_map(|sep| text.rfind(sep).map(|i| i + sep.len()))
        .max()?;
    let tail = text[at..].trim();
    let words = tail.split_whitespace().count();
    ((1..=4).contains(&words) && !tail.ends_with('.') && at < text.len())
        .then(|| tail.to_lowercase())
}

/// True when blocks `i - 1` and `i` stand on adjacent lines (no blank line between them).
fn adjacent(doc: &Document<'_>, i: usize) -> bool {
    let blocks = doc.blocks();
    i > 0 && !doc.text()[blocks[i - 1].end..blocks[i].start].contains("\n\n")
}

impl ChromeDetector {
    /// Captions known by their credit: a short line closed by the same credit as a caption
    /// already found on the page ("Aleppo - Agency Name" after "… 2016. - Agency Name").
    fn captions(doc: &Document<'_>, feats: &[Features], hits: &mut [Option<Hit>]) {
        let tails: Vec<String> = hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.as_ref().is_some_and(|h| CAPTION_RULES.contains(&h.rule)))
            .filter_map(|(k, _)| credit_tail(doc.block_text(k)))
            .collect();
        if tails.is_empty() {
            return;
        }
        for (k, f) in feats.iter().enumerate() {
            if hits[k].is_some() || f.words > MAX_CREDIT_WORDS || f.sentence {
                continue;
            }
            if let Some(tail) = credit_tail(doc.block_text(k)).filter(|t| tails.contains(t)) {
                hits[k] = Some(Hit {
                    rule: "credit",
                    score: 0.65,
                    evidence: format!("closed by {tail:?}, the credit of a caption on the page")
                        .into(),
                });
            }
        }
    }

    /// Cards inside the main text: a headline standing on the line right under a caption,
    /// with prose after it, is a link to another article (image and title of a teaser).
    fn cards(doc: &Document<'_>, feats: &[Features], hits: &mut [Option<Hit>], a: usize, z: usize) {
        for k in (a + 1)..z {
            let f = &feats[k];
            let under_caption = hits[k - 1]
                .as_ref()
                .is_some_and(|h| CAPTION_RULES.contains(&h.rule))
                && adjacent(doc, k);
            if hits[k].is_none()
                && under_caption
                && !numbered(doc.block_text(k))
                && (MIN_CARD_WORDS..=MAX_HEADLINE_WORDS).contains(&f.words)
                && !f.sentence
                && feats[k + 1].prose
                && hits[k + 1].is_none()
            {
                hits[k] = Some(Hit {
                    rule: "related_card",
                    score: 0.6,
                    evidence: "a headline right under a caption, inside the main text".into(),
                });
            }
        }
    }
}

/// The run of `values[lo..hi]` with the largest positive sum: `(first, last, sum)`, found in
/// one pass (Kadane); `None` when no value is positive.
fn best_run(values: &[f64], lo: usize, hi: usize) -> Option<(usize, usize, f64)> {
    let (mut best, mut run) = (0.0f64, None);
    let (mut cur, mut start) = (0.0f64, lo);
    for (i, &v) in values.iter().enumerate().take(hi).skip(lo) {
        if cur <= 0.0 {
            cur = 0.0;
            start = i;
        }
        cur += v;
        if cur > best {
            best = cur;
            run = Some((start, i, cur));
        }
    }
    run
}

/// How many tokens each stopword language covers, from the tokens' language bit sets.
fn language_counts(masks: &[u64]) -> [u32; 64] {
    let mut counts = [0u32; 64];
    count_languages(&mut counts, masks, true);
    counts
}

/// Adds (or, with `add` false, takes away) the tokens of `masks` to `counts`.
fn count_languages(counts: &mut [u32; 64], masks: &[u64], add: bool) {
    for &mask in masks {
        let mut m = mask;
        while m != 0 {
            let c = &mut counts[m.trailing_zeros() as usize];
            *c = if add { *c + 1 } else { *c - 1 };
            m &= m - 1;
        }
    }
}

/// The first `n` words of `text`, with "…" when there are more.
fn head(text: &str, n: usize) -> String {
    let mut words = text.split_whitespace();
    let mut out: Vec<&str> = words.by_ref().take(n).collect();
    if words.next().is_some() {
        out.push("…");
    }
    out.join(" ")
}

fn ends_sentence(text: &str) -> bool {
    trim_closers(text).ends_with(['.', '!', '?', '…', '。', '！', '？'])
}

/// Whether `text` ends with a question mark (a feed's headlines often ask).
fn ends_question(text: &str) -> bool {
    trim_closers(text).ends_with(['?', '？', '؟'])
}

/// `text` without the quotes, brackets and spaces that may close a sentence.
fn trim_closers(text: &str) -> &str {
    text.trim_end_matches(|c: char| {
        matches!(
            c,
            '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '」' | '』' | '*'
        ) || c.is_whitespace()
    })
}

impl Detector for ChromeDetector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>) {
        self.detect_cached(doc, out, &mut ChromeCache::default());
    }
}

/// What the chrome detector found of one line of a page (see [`ChromeCache`]).
#[derive(Clone, Debug)]
struct CachedBlock {
    /// The line's tokens' stopword masks in [`ChromeCache::masks`].
    masks: std::ops::Range<usize>,
    sentence: bool,
    /// The line's cue (site cue, else local cue) on a page of language `.0`: prose and
    /// stopwords depend on the page's language, the rest on the line alone.
    cue: Option<(usize, Option<Hit>)>,
    /// Whether the line is a list header, once asked.
    list_header: Option<bool>,
}

/// What the chrome detector found of each line of a page, kept for the cleaner's later
/// passes over the same page (indexed by the line's [`Document::origin`]): a line kept whole
/// has the same tokens, stopwords, shape and cues.
#[derive(Debug)]
pub(crate) struct ChromeCache {
    masks: Vec<u64>,
    blocks: Vec<Option<CachedBlock>>,
    /// [`language_counts`] of every cached line's masks: a later pass counts its page as
    /// these less the lines cut out (few, and short), not token by token again.
    counts: [u32; 64],
}

impl Default for ChromeCache {
    fn default() -> Self {
        Self {
            masks: Vec::new(),
            blocks: Vec::new(),
            counts: [0; 64],
        }
    }
}

impl ChromeCache {
    fn block(&self, origin: u32) -> Option<&CachedBlock> {
        self.blocks.get(origin as usize).and_then(Option::as_ref)
    }

    fn set_block(&mut self, origin: u32, masks: &[u64], sentence: bool) {
        if origin == NO_ORIGIN {
            return;
        }
        let from = self.masks.len();
        self.masks.extend_from_slice(masks);
        count_languages(&mut self.counts, masks, true);
        set_at_origin(
            &mut self.blocks,
            origin,
            CachedBlock {
                masks: from..self.masks.len(),
                sentence,
                cue: None,
                list_header: None,
            },
        );
    }

    fn cue(&self, origin: u32, lang: usize) -> Option<Option<Hit>> {
        match self.block(origin)?.cue.as_ref()? {
            (l, hit) if *l == lang => Some(hit.clone()),
            _ => None,
        }
    }

    fn list_header(&self, origin: u32) -> Option<bool> {
        self.block(origin)?.list_header
    }

    fn set_list_header(&mut self, origin: u32, header: bool) {
        if let Some(Some(b)) = self.blocks.get_mut(origin as usize) {
            b.list_header = Some(header);
        }
    }

    fn set_cue(&mut self, origin: u32, lang: usize, hit: Option<&Hit>) {
        if let Some(Some(b)) = self.blocks.get_mut(origin as usize) {
            b.cue = Some((lang, hit.cloned()));
        }
    }
}

impl ChromeDetector {
    /// [`Detector::detect`], reusing (and filling) what `cache` holds of the page's lines.
    pub(crate) fn detect_cached(
        &self,
        doc: &Document<'_>,
        out: &mut Vec<Span>,
        cache: &mut ChromeCache,
    ) {
        if !self.config.enabled || doc.blocks().is_empty() {
            return;
        }
        let (feats, masks, lang) = self.features(doc, cache);
        let n = feats.len();
        let mut hits: Vec<Option<Hit>> = (0..n).map(|_| None).collect();
        // Across pages first, the strongest evidence; then local cues.
        let mut h: Vec<u64> = Vec::new();
        for i in 0..n {
            let origin = doc.origin(i);
            if let Some(hit) = cache.cue(origin, lang) {
                hits[i] = hit;
                continue;
            }
            hits[i] = self.site_cue(doc, i, &feats[i]);
            if hits[i].is_none() {
                h.clear();
                h.extend(doc.tokens(i).iter().map(|t| t.hash));
                hits[i] = self.local_cue(doc, i, &feats[i], &h, &masks);
            }
            cache.set_cue(origin, lang, hits[i].as_ref());
        }
        let keys = Self::line_keys(doc);
        let code = CodeLines::new(n);
        let first = self.main_text(doc, &feats, &hits, &keys, &code);
        // Lists found, the main text again: a feed of cards under its header no longer
        // counts as prose to it. No list, no change: the same main text.
        let main = if self.lists(doc, &feats, first, &mut hits, cache) {
            self.main_text(doc, &feats, &hits, &keys, &code)
        } else {
            first
        };
        Self::captions(doc, &feats, &mut hits);
        galleries(doc, &mut hits);
        if let Some((a, z)) = main {
            Self::cards(doc, &feats, &mut hits, a, z);
        }
        // Outside the main text.
        if let Some((a, z)) = main {
            // The title: the longest headline-like line just above the main text (a byline
            // or a dateline between them is not it: at most one number). A main text that
            // opens with a headline (a title long enough to count as prose) has its title:
            // the short line above it is a section label or a kicker.
            let opens_with_title = TITLE_WORDS.contains(&feats[a].words) && !feats[a].sentence;
            let reach = if opens_with_title {
                0
            } else {
                self.config.title_reach
            };
            let title = (a.saturating_sub(reach)..a)
                .filter(|&k| {
                    TITLE_WORDS.contains(&feats[k].words)
                        && !feats[k].sentence
                        && hits[k].is_none()
                        && feats[k].stop < feats[k].words
                        && (0..feats[k].words)
                            .filter(|&t| Self::is_number(doc, k, t))
                            .count()
                            <= 1
                })
                .max_by_key(|&k| (feats[k].words, k));
            // Named by its words, not its line numbers: later passes see fewer lines. Formatted
            // once, when a first block outside needs it (a later pass often finds none).
            let mut evidence: Option<[String; 2]> = None;
            let mut evidence_of = |after: bool| {
                let e = evidence.get_or_insert_with(|| {
                    let opening = format!("opens {:?}", head(doc.block_text(a), 6));
                    [
                        format!("before the main text, which {opening}"),
                        format!("after the main text, which {opening}"),
                    ]
                });
                e[usize::from(after)].clone()
            };
            for (k, f) in feats.iter().enumerate() {
                if (a..=z).contains(&k) || hits[k].is_some() || Some(k) == title {
                    continue;
                }
                // Long prose just above the main text is a standfirst; below it, or at the
                // top of the page past the menus, a teaser's abstract, a bio or a promo.
                if k < a
                    && k + self.config.title_reach >= a
                    && f.prose
                    && f.words >= self.config.keep_words
                {
                    continue;
                }
                hits[k] = Some(Hit {
                    rule: "outside_main_text",
                    score: 0.6,
                    evidence: evidence_of(k > a).into(),
                });
            }
        }
        for (k, hit) in hits.into_iter().enumerate() {
            if let Some(hit) = hit {
                let b = doc.blocks()[k];
                out.push(Span {
                    start: b.start,
                    end: b.end,
                    label: Label::Chrome,
                    score: hit.score,
                    detector: NAME.into(),
                    rule: hit.rule.into(),
                    evidence: hit.evidence,
                    copies: Vec::new(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The counts are the counts bit by bit.
        #[test]
        fn language_counts_count_every_bit(
            masks in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u64::ANY,
                    0..64u64,
                    proptest::strategy::Just(u64::MAX),
                    proptest::strategy::Just(0u64),
                ],
                0..3000,
            )
        ) {
            let mut expected = [0u32; 64];
            for &m in &masks {
                for (b, c) in expected.iter_mut().enumerate() {
                    *c += u32::from(m >> b & 1 == 1);
                }
            }
            proptest::prop_assert_eq!(language_counts(&masks), expected);
        }
    }

    #[test]
    fn language_counts_of_many_tokens_and_many_sets() {
        assert_eq!(language_counts(&vec![u64::MAX; 10_000]), [10_000; 64]);
        assert_eq!(language_counts(&[]), [0; 64]);
        let masks: Vec<u64> = (1..=5000u64).collect();
        let mut expected = [0u32; 64];
        for m in &masks {
            for (b, c) in expected.iter_mut().enumerate() {
                *c += u32::from(m >> b & 1 == 1);
            }
        }
        assert_eq!(language_counts(&masks), expected);
    }

    #[test]
    fn the_stopword_table_answers_as_the_map() {
        let map = stopword_table(7);
        let table = StopTable::new(&map);
        for (&h, &m) in &map {
            assert_eq!(table.get(h), m);
        }
        // Misses, the empty-slot hash among them, and a crowded table.
        for h in (0..10_000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) {
            assert_eq!(table.get(h), map.get(&h).copied().unwrap_or(0));
        }
        // Every key wants the last slot: probes wrap around.
        let crowded: FxHashMap<u64, u64> = (0..50u64).map(|i| (u64::MAX - i, i + 1)).collect();
        let t = StopTable::new(&crowded);
        for i in 0..100u64 {
            let h = u64::MAX - i;
            assert_eq!(t.get(h), crowded.get(&h).copied().unwrap_or(0));
        }
        let with_zero: FxHashMap<u64, u64> = [(0, 5), (1, 6)].into_iter().collect();
        assert_eq!(StopTable::new(&with_zero).get(0), 5);
    }

    fn spans(text: &str) -> Vec<Span> {
        let d = ChromeDetector::new(ChromeConfig::default(), 0);
        let doc = Document::new(text, 0);
        let mut out = Vec::new();
        d.detect(&doc, &mut out);
        out
    }

    const ARTICLE: &str =
        "The council approved the new budget on Tuesday after a long debate over \
        the funding of the schools in the north of the city.\n\
        It was the first time in a decade that the vote was held in public, and many of the \
        residents who came to watch said they were pleased with the result.\n\
        Opposition members said that they would keep asking for more money for the roads, \
        which are in a poor state after the winter.\n";

    #[test]
    fn menus_around_the_article_are_chrome() {
        let page = format!("Home\nNews\nSport\nWeather\nBudget passes after long debate\n{ARTICLE}Share on Facebook\nPrivacy policy\nAbout us\n");
        let got = spans(&page);
        let removed: Vec<&str> = got.iter().map(|s| &page[s.range()]).collect();
        assert_eq!(
            removed,
            [
                "Home",
                "News",
                "Sport",
                "Weather",
                "Share on Facebook",
                "Privacy policy",
                "About us"
            ]
        );
        assert!(got
            .iter()
            .all(|s| s.label == Label::Chrome && s.detector == NAME));
    }

    #[test]
    fn interface_lines_inside_the_article() {
        let page = format!("{ARTICLE}Read more\n{ARTICLE}");
        let got = spans(&page);
        assert_eq!(got.len(), 1);
        assert_eq!(&page[got[0].range()], "Read more");
        assert_eq!(got[0].rule, "interface");
    }

    #[test]
    fn a_list_of_links_under_its_header() {
        let page = format!(
            "{ARTICLE}Read also\nMayor resigns after scandal\nNew bridge opens in spring\n{ARTICLE}"
        );
        let got = spans(&page);
        let rules: Vec<&str> = got.iter().map(|s| s.rule.as_ref()).collect();
        assert_eq!(rules, ["related_list"; 3]);
    }

    #[test]
    fn an_article_cut_by_a_code_listing_stays_whole() {
        let code: String = (0..30).map(|i| format!("let x{i} = f({i});\n")).collect();
        // After the listing, the article's last two paragraphs: worth less than the whole
        // article before it, more than a third of it.
        let rest: String = ARTICLE.lines().skip(1).map(|l| format!("{l}\n")).collect();
        let page = format!("Home\nNews\n{ARTICLE}{code}{rest}About us\n");
        let got = spans(&page);
        let removed: Vec<&str> = got.iter().map(|s| &page[s.range()]).collect();
        assert_eq!(removed, ["Home", "News", "About us"], "{got:?}");
        // One run only: the listing and the part after it are cut off.
        let d = ChromeDetector::new(
            ChromeConfig {
                min_part_share: 1.0,
                ..ChromeConfig::default()
            },
            0,
        );
        let mut out = Vec::new();
        d.detect(&Document::new(&page, 0), &mut out);
        assert!(out.len() > 30, "{}", out.len());
    }

    #[test]
    fn a_page_without_prose_is_left_alone() {
        assert!(spans("Home\nNews\nSport")
            .iter()
            .all(|s| s.rule == "interface"));
        assert!(spans("Milk\nEggs\nFlour").is_empty());
    }

    #[test]
    fn a_header_above_one_headline_is_not_a_list() {
        let page = format!("Latest news\nBudget passes after long debate\n{ARTICLE}");
        let got = spans(&page);
        assert!(
            got.iter().all(|s| !page[s.range()].starts_with("Budget")),
            "{got:?}"
        );
    }

    /// `n` teaser cards: a headline, then a paragraph standing alone.
    fn teaser_cards(n: usize) -> String {
        (1..=n)
            .map(|k| {
                format!(
                    "Story number {k} of the day\n\
                 The people of the town came out on Sunday to see the parade, and {k} of \
                 them said that it was the best one that they had seen in years.\n"
                )
            })
            .collect()
    }

    /// Whether every line of `got` that `pick` selects has the rule `rule` ("" for kept).
    fn lines_are(got: &[(&str, &str)], pick: impl Fn(&str) -> bool, rule: &str) -> bool {
        got.iter().filter(|(l, _)| pick(l)).all(|(_, r)| *r == rule)
    }

    /// The rules that fired on each line of `page` that is chrome.
    fn rules_by_line(page: &str) -> Vec<(&str, &'static str)> {
        let got = spans(page);
        page.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let at = l.as_ptr() as usize - page.as_ptr() as usize;
                let rule = got
                    .iter()
                    .find(|s| s.start <= at && at < s.end)
                    .map_or("", |s| match s.rule.as_ref() {
                        "credit" => "credit",
                        "other_language" => "other_language",
                        "related_card" => "related_card",
                        "outside_main_text" => "outside_main_text",
                        _ => "other",
                    });
                (l, rule)
            })
            .collect()
    }

    #[test]
    fn a_feed_of_headlines_after_the_article_is_not_a_part_of_it() {
        let feed: String = [
            "Why the price of the bread in the shops went up again this spring",
            "Channel Four",
            "What you need to know about the new rules for the drivers of the city",
            "Morning Post",
            "How to get the most out of your garden in the first weeks of the year",
            "Channel Four",
        ]
        .iter()
        .cycle()
        .take(18)
        .map(|l| format!("{l}\n"))
        .collect();
        let page = format!("{ARTICLE}Ads by Partner\n{feed}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("Why the price") || l == "Channel Four",
                "outside_main_text"
            ),
            "{got:?}"
        );
        assert!(got
            .iter()
            .filter(|(l, _)| l.starts_with("It was the first"))
            .all(|(_, r)| r.is_empty()));
        // Hard-wrapped text ends few of its lines with a sentence: its lines are all prose.
        let wrapped = "The working group met in the spring of the year to talk about the\n\
                       state of the protocol and the changes that the members of the group\n\
                       would like to see in the next version of the text, which is due\n\
                       to be published at the end of the summer after a last review by\n\
                       the people who wrote the first version of the protocol in the past.\n";
        let got = rules_by_line(wrapped);
        assert!(got.iter().all(|(_, r)| r.is_empty()), "{got:?}");
    }

    #[test]
    fn a_feed_of_teasers_with_abstracts_is_not_a_part_of_the_article() {
        let teasers = [
            (
                "New trains for the northern line arrive",
                "The first of the new trains arrived at the depot on Monday, and the city \
                 says that they will carry the first passengers before the end of the year.",
            ),
            (
                "School meals to cost more from autumn",
                "Parents will pay more for the meals of their children from September, after \
                 the price of the food went up for the third time in a row this year.",
            ),
            (
                "Museum opens its doors for a night",
                "For one night in June the museum will stay open until the early hours of the \
                 morning, with music in the halls and guided tours of the old collection.",
            ),
        ];
        let feed: String = teasers.iter().map(|(h, a)| format!("{h}\n{a}\n")).collect();
        // A menu between them that costs more than the feed is worth, but less than it would
        // be worth if its abstracts counted like the article's paragraphs.
        let menu: String = (1..=20).map(|k| format!("Section{k}\n")).collect();
        let page = format!("{ARTICLE}{ARTICLE}{menu}Around the city\n{feed}");
        let got = rules_by_line(&page);
        assert!(
            got.iter()
                .filter(
                    |(l, _)| l.starts_with("The first of the new") || l.starts_with("New trains")
                )
                .all(|(_, r)| *r == "outside_main_text"),
            "{got:?}"
        );
        assert!(got
            .iter()
            .filter(|(l, _)| l.starts_with("It was the first"))
            .all(|(_, r)| r.is_empty()));
        // With every paragraph worth its words, the feed joins the article.
        let cfg = ChromeConfig {
            lone_paragraph_weight: 1.0,
            ..ChromeConfig::default()
        };
        let doc = Document::new(&page, 0);
        let mut out = Vec::new();
        ChromeDetector::new(cfg, 0).detect(&doc, &mut out);
        assert!(out
            .iter()
            .all(|s| !page[s.range()].starts_with("The first of the new")));
    }

    #[test]
    fn a_feed_template_back_on_every_teaser_is_chrome() {
        let abstracts = [
            "The first of the new trains arrived at the depot on Monday, and the city says \
             that they will carry the first passengers before the end of the year.",
            "Parents will pay more for the meals of their children from September, after the \
             price of the food went up for the third time in a row this year.",
            "For one night in June the museum will stay open until the early hours of the \
             morning, with music in the halls and guided tours of the old collection.",
            "The bridge over the river will be closed to cars for two weeks in the spring \
             while the workers repair the road and paint the old railings.",
        ];
        let feed: String = abstracts
            .iter()
            .map(|a| format!("Headline of the story\n{a}\nSave\nMore like this\nFewer like this\n"))
            .collect();
        let page = format!("{ARTICLE}{ARTICLE}{feed}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("The bridge") || l.starts_with("Parents"),
                "outside_main_text"
            ),
            "{got:?}"
        );
        assert!(got
            .iter()
            .filter(|(l, _)| l.starts_with("It was the first"))
            .all(|(_, r)| r.is_empty()));
    }

    #[test]
    fn cards_under_a_list_header_are_a_list_and_numbered_sections_end_it() {
        let cards = "Related\n\
                     New trains for the northern line arrive\n\
                     The first of the new trains arrived at the depot on Monday, and the city \
                     says that they will carry the first passengers before the end of the year.\n\
                     March 17, 2016\n\
                     School meals to cost more from autumn\n\
                     Parents will pay more for the meals of their children from September, \
                     after the price of the food went up for the third time in a row.\n\
                     April 8, 2015\n";
        let page = format!("{ARTICLE}{cards}{ARTICLE}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("Parents") || l.starts_with("New trains"),
                "other"
            ),
            "{got:?}"
        );
        // A long feed of cards, an ad among them, is one list.
        let many = teaser_cards(12);
        let page = format!("{ARTICLE}Related\n{many}Sponsored by our partners\n{many}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("Story number 12") || l.starts_with("The people"),
                "other"
            ),
            "{got:?}"
        );
        let sections = "Related\n\
                        Why the bridge is closed\n\
                        How to get there by bus\n\
                        2. Take the train\n\
                        The trains run every ten minutes from the main station, and they stop \
                        at the museum on the way.\n";
        let page = format!("{ARTICLE}{sections}{ARTICLE}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("2. Take") || l.starts_with("The trains run"),
                ""
            ),
            "{got:?}"
        );
    }

    #[test]
    fn a_feed_of_questions_after_the_article_is_not_a_part_of_it() {
        let questions: String = [
            "Why are my legs and feet numb at night?",
            "What can cause a burning sensation in the hands?",
            "How do the trains of the city get their power?",
            "When is the best time of the year to plant a tree?",
            "Who pays for the repairs of the roads after the winter?",
            "Where do the birds of the town go in the autumn?",
        ]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
        let page = format!("{ARTICLE}Sport\n{questions}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(&got, |l| l.ends_with('?'), "outside_main_text"),
            "{got:?}"
        );
        // A question inside the article stays.
        let page = format!("{ARTICLE}Why does it matter?\n{ARTICLE}");
        assert!(rules_by_line(&page).iter().all(|(_, r)| r.is_empty()));
    }

    #[test]
    fn cards_glued_on_one_line_under_a_list_header_are_a_list() {
        let cards = "Related coverage\n\
                     Pets are good for our health A review of the studies lists the many ways \
                     in which the pets of the house help the people who\n\
                     New trains for the northern line The first of the new trains arrived at \
                     the depot on Monday and the city says that they will\n\
                     School meals to cost more Parents will pay more for the meals of their \
                     children from September after the price of the food went\n";
        let page = format!("{ARTICLE}{cards}{ARTICLE}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("Pets") || l.starts_with("School"),
                "other"
            ),
            "{got:?}"
        );
    }

    #[test]
    fn a_line_of_figures_is_in_no_other_language() {
        // Some stopword lists hold digits: the numbers must not make this line prose in one.
        let page = format!(
            "{ARTICLE}1 files updated, 0 files merged, 0 files removed, 0 files unresolved\n{ARTICLE}"
        );
        let got = rules_by_line(&page);
        assert!(got.iter().all(|(_, r)| r.is_empty()), "{got:?}");
    }

    #[test]
    fn a_sentence_of_names_at_the_edge_of_the_article_stays() {
        // Few stopwords (names, figures, loanwords), but a sentence: menus end none.
        let names = "Acme 12.4%, Globex 8.1%, Initech 7.9% and Hooli 3.2% led the gains.";
        let page = format!("Home\nNews\n{ARTICLE}{names}\nPrivacy policy\n");
        let got = rules_by_line(&page);
        assert!(lines_are(&got, |l| l.starts_with("Acme"), ""), "{got:?}");
    }

    #[test]
    fn a_feed_of_dated_cards_after_the_article_is_not_a_part_of_it() {
        let card = |k: usize| {
            format!(
                "Transport\n\
                 Uber was supposed to be our public transit {k}\n\
                 The town decided to pay for part of the rides of its people rather than for a \
                 bus line of its own, and for a while it worked well, but the costs of the \
                 plan went up every year since it began in the spring.\n\
                 Laura Bliss\n\
                 Apr {k}, 2019\n"
            )
        };
        let feed: String = (1..=4).map(card).collect();
        let page = format!("{ARTICLE}{feed}");
        let got = rules_by_line(&page);
        assert!(
            lines_are(
                &got,
                |l| l.starts_with("The town decided"),
                "outside_main_text"
            ),
            "{got:?}"
        );
    }

    #[test]
    fn a_bulleted_list_inside_the_article_stays() {
        let items: String = (1..=30)
            .map(|k| format!("+ Added block number {k}\n"))
            .collect();
        let page = format!("Home\nNews\n{ARTICLE}{items}{ARTICLE}About us\n");
        let got = rules_by_line(&page);
        assert!(lines_are(&got, |l| l.starts_with("+ Added"), ""), "{got:?}");
        assert!(bulleted("• Two eggs") && !bulleted("+1 for this") && !bulleted("-5 degrees"));
        // A list that ends the article is the article's too.
        let page = format!("Home\nNews\n{ARTICLE}{items}About us\nContact\n");
        let got = rules_by_line(&page);
        assert!(lines_are(&got, |l| l.starts_with("+ Added"), ""), "{got:?}");
    }

    #[test]
    fn a_headline_said_twice_is_a_teaser_but_a_sentence_said_twice_stays() {
        let h = |t: &str| -> Vec<u64> {
            let mut tok = Tokenizer::new(0);
            tok.tokenize(t).iter().map(|t| t.hash).collect()
        };
        assert_eq!(
            doubled(&h(
                "Google has captured your mind Google has captured your mind"
            )),
            Some(5)
        );
        assert_eq!(doubled(&h("yeah yeah yeah yeah yeah yeah yeah yeah")), None);
        assert_eq!(doubled(&h("The cat sat on the mat")), None);
        let page = format!(
            "{ARTICLE}Google has captured your mind Google has captured your mind\n\
             We describe the design of the system. We describe the design of the system.\n{ARTICLE}"
        );
        let got = rules_by_line(&page);
        assert_eq!(got[3].1, "other", "{got:?}");
        assert_eq!(got[4].1, "", "{got:?}");
    }

    #[test]
    fn a_long_promo_does_not_pull_the_menu_before_it_into_the_article() {
        let promo = "Sign up for the morning letter, with the news of the city, the stories of \
                     the people who live in it and the things that you can do at the weekend, \
                     the long reads and the interviews that our readers like the most, and the \
                     offers of the shops and of the theatres in the centre of the town, sent to \
                     your inbox every day of the week.";
        let page = format!("{ARTICLE}Markets\nEconomy\nCulture\nTravel\n{promo}\n");
        let got = rules_by_line(&page);
        assert!(
            lines_are(&got, |l| l == "Economy", "outside_main_text"),
            "{got:?}"
        );
    }

    #[test]
    fn a_standfirst_stays_but_long_prose_at_the_top_past_the_menus_does_not() {
        let notice = "This edition of the site is made for the readers in the north of the \
                      country, with the news of their towns and the weather of the week, and \
                      you can make it the one that you see first every time that you come.";
        let menu: String = (1..=20).map(|k| format!("Section{k}\n")).collect();
        let standfirst = "The vote came after a debate that went on for most of the night, with \
                          the members of the council split over the plans for the schools and \
                          the roads of the city for the next five years.";
        let page = format!("{notice}\n{menu}{standfirst}\nBy Jo Smith\n{ARTICLE}");
        let got = rules_by_line(&page);
        let rule = |start: &str| got.iter().find(|(l, _)| l.starts_with(start)).unwrap().1;
        assert_eq!(rule("This edition"), "outside_main_text", "{got:?}");
        assert_eq!(rule("The vote came"), "", "{got:?}");
    }

    #[test]
    fn a_list_of_cards_does_not_carry_the_main_text_past_it() {
        let cards = teaser_cards(4);
        let page = format!(
            "{ARTICLE}Related\n{cards}All shows.\nWatch our shows\nThe next episode is on tonight!\n\
             The team behind the show is back with the stories of the week, and this time they \
             went to the mountains.\n"
        );
        let got = rules_by_line(&page);
        let rule = |start: &str| got.iter().find(|(l, _)| l.starts_with(start)).unwrap().1;
        assert_eq!(rule("Watch our shows"), "outside_main_text", "{got:?}");
        assert_eq!(rule("The team behind"), "outside_main_text", "{got:?}");
    }

    #[test]
    fn a_promo_paragraph_past_a_long_menu_is_not_a_part_of_the_article() {
        let menu: String = [
            "Markets",
            "Investing",
            "Economy",
            "Tech",
            "Business",
            "Culture",
        ]
        .iter()
        .cycle()
        .take(30)
        .map(|l| format!("{l}\n"))
        .collect();
        let promo = "Start your day with the latest news from the markets, the stories of the \
                     companies and the people who run them, and all of the analysis that you \
                     need in your inbox every morning of the week. Sign up now and you will \
                     also get the weekend edition, with the long reads and the interviews that \
                     our readers like the most.";
        let page = format!("{ARTICLE}{ARTICLE}{menu}{promo}\n");
        let got = rules_by_line(&page);
        let rule = |start: &str| got.iter().find(|(l, _)| l.starts_with(start)).unwrap().1;
        // The menu stays outside, and so does the promo past it: long prose below the main
        // text is not a standfirst.
        assert_eq!(rule("Start your day"), "outside_main_text", "{got:?}");
        assert!(
            lines_are(&got, |l| l == "Economy", "outside_main_text"),
            "{got:?}"
        );
        assert_eq!(rule("Opposition members"), "", "{got:?}");
    }

    #[test]
    fn slide_counters_and_numbered_headings() {
        assert_eq!(
            slide_counter("12/50 Star boosts the economy"),
            Some((12, 50))
        );
        assert_eq!(slide_counter("1 / 5"), Some((1, 5)));
        assert_eq!(slide_counter("3/09/15 8:12am"), None);
        assert_eq!(slide_counter("25/10/2016"), None);
        assert_eq!(slide_counter("7/5 is more than one"), None);
        assert_eq!(slide_counter("24/7 news"), None);
        assert!(numbered("6. Mini bars lose money") && numbered("2) Second"));
        assert!(!numbered("2016 was a year") && !numbered("Six things"));
    }

    #[test]
    fn a_slideshow_inside_the_article_is_chrome() {
        let slides: String = (1..=4)
            .map(|k| {
                format!(
                    "{k}/12 Slide number {k} of the show\nThe caption of slide {k} tells what \
                     the picture shows, where it was taken and by whom, in a full sentence.\n"
                )
            })
            .collect();
        let page = format!("{ARTICLE}{slides}{ARTICLE}");
        let got = rules_by_line(&page);
        let slide_lines: Vec<_> = got
            .iter()
            .filter(|(l, _)| l.contains("slide") || l.contains("Slide"))
            .collect();
        assert_eq!(slide_lines.len(), 8, "{got:?}");
        assert!(slide_lines.iter().all(|(_, r)| *r == "other"), "{got:?}");
        assert!(got
            .iter()
            .filter(|(l, _)| l.starts_with("Opposition"))
            .all(|(_, r)| r.is_empty()));
        // Counters that do not count up are not a slideshow.
        let page = format!("{ARTICLE}1 / 5\n1 / 5\n1 / 5\n{ARTICLE}");
        assert!(spans(&page).iter().all(|s| s.rule != "gallery"));
    }

    #[test]
    fn a_title_long_enough_to_be_prose_leaves_the_kicker_above_it_out() {
        let page = format!(
            "World - conflict
The mayor says that the new bridge will be open to all of the \
             traffic by the end of the year
{ARTICLE}"
        );
        let got = rules_by_line(&page);
        assert_eq!(got[0].1, "outside_main_text", "{got:?}");
        assert_eq!(got[1].1, "", "{got:?}");
    }

    #[test]
    fn captions_share_their_credit_and_a_headline_under_one_is_a_card() {
        let page = format!(
            "{ARTICLE}Soldiers walk along a street of the old town, December 9. Getty Images \
             - Example Agency
\
             The council will vote again on the roads budget before the summer holidays
\
             It was the second vote of the year, and the members who asked for it said that \
             the roads could not wait for another winter without repairs.
\
             Harbour at night - Example Agency
\
             Funding
\
             The funding of the schools will be discussed at the next meeting of the council, \
             which is to be held in public in the town hall in June.
{ARTICLE}"
        );
        let got = rules_by_line(&page);
        let rule = |start: &str| got.iter().find(|(l, _)| l.starts_with(start)).unwrap().1;
        assert_eq!(rule("Soldiers walk"), "credit", "{got:?}");
        assert_eq!(rule("The council will vote"), "related_card", "{got:?}");
        assert_eq!(rule("Harbour at night"), "credit", "{got:?}");
        // Too short for a card's headline: a sub-heading of the article.
        assert_eq!(rule("Funding"), "", "{got:?}");
        assert_eq!(rule("It was the second vote"), "", "{got:?}");
    }

    #[test]
    fn a_header_running_into_the_article_keeps_its_title() {
        // Section label, title, byline, dateline, then the article: no list of links.
        let page = format!(
            "Latest news\nBudget passes after long debate\nBy Jane Roe\nMay 3, 2024\n{ARTICLE}"
        );
        let got = spans(&page);
        assert!(got.iter().all(|s| s.rule != "related_list"), "{got:?}");
        assert!(
            got.iter().all(|s| !page[s.range()].starts_with("Budget")),
            "{got:?}"
        );
        let outside = got.iter().find(|s| s.rule == "outside_main_text").unwrap();
        assert_eq!(
            outside.evidence,
            "before the main text, which opens \"The council approved the new budget …\""
        );
    }

    #[test]
    fn sentences_mentioning_agencies_are_not_credits() {
        let page = format!(
            "{ARTICLE}The minister told Reuters that the plan would go ahead as agreed\n{ARTICLE}"
        );
        assert!(spans(&page).is_empty());
    }
}
