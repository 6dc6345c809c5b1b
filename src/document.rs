//! The document model: a page, its blocks and tokens, and the labelled spans detectors find.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::normalize::{Token, Tokenizer};
use crate::segment::{self, Block};

/// What a line or span of a page is. The same vocabulary as the labelled fixture pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// The article's text: kept.
    Body,
    /// The article's title or a sub-heading: kept.
    Title,
    /// Page chrome: navigation, search boxes, captions and credits, promos, footers.
    Chrome,
    /// Text repeated elsewhere in the same page (a teaser, a caption repeating the lede).
    Repeat,
    /// A comment section: header, comments, authors, timestamps, prompts.
    Comment,
    /// An empty line.
    Blank,
}

impl Label {
    /// Every label, in declaration order.
    pub const ALL: [Label; 6] = [
        Label::Body,
        Label::Title,
        Label::Chrome,
        Label::Repeat,
        Label::Comment,
        Label::Blank,
    ];

    /// The label's name, as in fixtures and Python (`"repeat"`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Body => "body",
            Label::Title => "title",
            Label::Chrome => "chrome",
            Label::Repeat => "repeat",
            Label::Comment => "comment",
            Label::Blank => "blank",
        }
    }

    /// True for labels whose text a cleaner removes (`chrome`, `repeat`, `comment`).
    #[must_use]
    pub fn is_removed(self) -> bool {
        matches!(self, Label::Chrome | Label::Repeat | Label::Comment)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| Error::input(format!("unknown label {s:?}")))
    }
}

/// A detection: a byte range of the original text, labelled, scored and explained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the span's start in the original text (a char boundary).
    pub start: usize,
    /// Byte offset just past the span's end (a char boundary).
    pub end: usize,
    /// What the span is.
    pub label: Label,
    /// Confidence in [0, 1].
    pub score: f64,
    /// The detector's versioned name, e.g. `repeat_v1` (borrowed from the detector: no
    /// allocation per span).
    pub detector: Cow<'static, str>,
    /// The rule that fired, e.g. `truncated_copy`.
    pub rule: Cow<'static, str>,
    /// Human-readable evidence for the rule (borrowed when it is a fixed phrase).
    pub evidence: Cow<'static, str>,
    /// Byte ranges of the text this span copies (for `repeat`), empty otherwise.
    pub copies: Vec<(usize, usize)>,
}

impl Span {
    /// The byte range of the span.
    #[must_use]
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A page analysed for detection: its blocks and the tokens of each block.
///
/// Built once per page and shared by every detector.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    text: &'a str,
    blocks: Vec<Block>,
    tokens: Vec<Token>,
    block_tokens: Vec<Range<usize>>,
    site: Option<u64>,
    /// Per block, the index of the same whole line's block in the page the cleaner started
    /// from ([`NO_ORIGIN`] for a line cut since): detectors reuse what they found of it.
    origins: Vec<u32>,
}

/// The origin of a block that was no whole line of the first page (see [`Document::origin`]).
pub(crate) const NO_ORIGIN: u32 = u32::MAX;

/// Stores `value` in a detector's per-line cache at `origin`, growing it as needed; a block
/// with no origin (a line cut since the first pass) is not cached.
pub(crate) fn set_at_origin<T: Clone>(slots: &mut Vec<Option<T>>, origin: u32, value: T) {
    if origin == NO_ORIGIN {
        return;
    }
    let o = origin as usize;
    if slots.len() <= o {
        slots.resize(o + 1, None);
    }
    slots[o] = Some(value);
}

/// Equal text, blocks, tokens and site: where the blocks came from does not count.
impl PartialEq for Document<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
            && self.blocks == other.blocks
            && self.tokens == other.tokens
            && self.block_tokens == other.block_tokens
            && self.site == other.site
    }
}

impl<'a> Document<'a> {
    /// Segments and tokenizes `text`, hashing tokens with `seed`.
    #[must_use]
    pub fn new(text: &'a str, seed: u64) -> Self {
        let blocks = segment::blocks(text);
        let mut tokenizer = Tokenizer::new(seed);
        // A word and its separator take 7 bytes on an English page, a CJK char 3: sized for
        // the denser pages, so the vector is not copied as it grows.
        let mut tokens = Vec::with_capacity(text.len() / 3 + 1);
        let mut block_tokens = Vec::with_capacity(blocks.len());
        let mut first = 0;
        tokenizer.tokenize_ranges(
            text,
            blocks.iter().map(|b| (b.start, b.end)),
            &mut tokens,
            |last| {
                block_tokens.push(first..last);
                first = last;
            },
        );
        #[allow(clippy::cast_possible_truncation)]
        let origins = (0..blocks.len() as u32).collect();
        Self {
            text,
            blocks,
            tokens,
            block_tokens,
            site: None,
            origins,
        }
    }

    /// The document of `text`, a rendering of `base`'s text whose `lines` say where each kept
    /// line stands and, when it was kept whole, where it stood in `base`: whole lines take
    /// their block and tokens from `base` (shifted), cut lines are tokenized again. Equal to
    /// `Document::new(text, seed)` (a property test holds them together), at a fraction of
    /// the cost: the cleaner's later passes read the page without what it cut.
    pub(crate) fn derived(
        text: &'a str,
        base: &Document<'_>,
        lines: &[KeptLine],
        seed: u64,
    ) -> Self {
        let mut tokenizer = Tokenizer::new(seed);
        let mut blocks = Vec::with_capacity(lines.len());
        let mut tokens = Vec::with_capacity(base.tokens.len());
        let mut block_tokens = Vec::with_capacity(lines.len());
        let mut origins = Vec::with_capacity(lines.len());
        for line in lines {
            let first = tokens.len();
            let whole = line.source.and_then(|src| {
                let i = base.blocks.partition_point(|b| b.line_start < src);
                base.blocks
                    .get(i)
                    .filter(|b| b.line_start == src)
                    .map(|b| (i, *b))
            });
            if let Some((i, b)) = whole {
                // The same line, moved: every offset shifts by the same amount.
                let (from, to) = (b.line_start, line.start);
                let shift = |x: usize| x - from + to;
                blocks.push(Block {
                    start: shift(b.start),
                    end: shift(b.end),
                    line_start: line.start,
                    line_end: line.end,
                });
                tokens.extend(base.tokens(i).iter().map(|t| Token {
                    start: shift(t.start),
                    end: shift(t.end),
                    hash: t.hash,
                }));
                origins.push(base.origins[i]);
            } else {
                let content = &text[line.start..line.content_end];
                let trimmed = content.trim_start();
                if trimmed.is_empty() {
                    continue;
                }
                let start = line.start + (content.len() - trimmed.len());
                let block = Block {
                    start,
                    end: start + trimmed.trim_end().len(),
                    line_start: line.start,
                    line_end: line.end,
                };
                tokenizer.tokenize_into(block.text(text), block.start, &mut tokens);
                blocks.push(block);
                origins.push(NO_ORIGIN);
            }
            block_tokens.push(first..tokens.len());
        }
        Self {
            text,
            blocks,
            tokens,
            block_tokens,
            site: base.site,
            origins,
        }
    }

    /// The same document, known to come from the site with hash `site`
    /// ([`crate::stats::site_hash`]); site statistics apply to it.
    #[must_use]
    pub fn with_site(mut self, site: Option<u64>) -> Self {
        self.site = site;
        self
    }

    /// The hash of the page's site, when known.
    #[must_use]
    pub fn site(&self) -> Option<u64> {
        self.site
    }

    /// The original text.
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The page's blocks (non-blank lines), in order.
    #[must_use]
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The tokens of block `i`.
    ///
    /// # Panics
    /// If `i` is not a block index.
    #[must_use]
    pub fn tokens(&self, i: usize) -> &[Token] {
        &self.tokens[self.block_tokens[i].clone()]
    }

    /// The number of tokens of all blocks.
    pub(crate) fn tokens_len(&self) -> usize {
        self.tokens.len()
    }

    /// The index of block `i`'s line in the first page of a cleaning when the line is the
    /// same whole line there (its block, tokens and text unchanged, only moved), else
    /// [`NO_ORIGIN`]. A fresh document is its own first page.
    pub(crate) fn origin(&self, i: usize) -> u32 {
        self.origins[i]
    }

    /// The trimmed text of block `i`.
    ///
    /// # Panics
    /// If `i` is not a block index.
    #[must_use]
    pub fn block_text(&self, i: usize) -> &'a str {
        self.blocks[i].text(self.text)
    }
}

/// A line of a rendered page (see [`Document::derived`]): its byte range in the rendering, and
/// where it started in the page it was rendered from when it was kept whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeptLine {
    /// Start of the line in the rendering.
    pub(crate) start: usize,
    /// End of its content (before the line break).
    pub(crate) content_end: usize,
    /// End of the line, past its line break.
    pub(crate) end: usize,
    /// Start of the same line in the original page, when nothing of it was cut.
    pub(crate) source: Option<usize>,
}

/// Converts byte offsets into `text` to code-point (char) offsets, as Python's `str` indexes.
///
/// Offsets may come in any order; each must lie on a char boundary (or equal `text.len()`).
/// One pass over the text, whatever the number of offsets.
///
/// # Example
/// ```
/// let text = "é1€";
/// assert_eq!(chaffless::document::char_offsets(text, &[0, 2, 3, 6]), [0, 1, 2, 3]);
/// ```
#[must_use]
pub fn char_offsets(text: &str, byte_offsets: &[usize]) -> Vec<usize> {
    if text.is_ascii() {
        return byte_offsets.to_vec();
    }
    let mut order: Vec<usize> = (0..byte_offsets.len()).collect();
    order.sort_unstable_by_key(|&i| byte_offsets[i]);
    let mut out = vec![0; byte_offsets.len()];
    let mut chars = text.char_indices().enumerate().peekable();
    let total = text.chars().count();
    for i in order {
        let target = byte_offsets[i];
        while chars.peek().is_some_and(|&(_, (b, _))| b < target) {
            chars.next();
        }
        out[i] = chars.peek().map_or(total, |&(ci, _)| ci);
    }
    out
}

/// Converts code-point offsets into `text` to byte offsets (offsets past the end clamp to
/// `text.len()`). One pass over the text.
#[must_use]
pub fn byte_offsets(text: &str, char_offsets: &[usize]) -> Vec<usize> {
    if text.is_ascii() {
        return char_offsets.iter().map(|&c| c.min(text.len())).collect();
    }
    let mut order: Vec<usize> = (0..char_offsets.len()).collect();
    order.sort_unstable_by_key(|&i| char_offsets[i]);
    let mut out = vec![text.len(); char_offsets.len()];
    let mut chars = text.char_indices().enumerate().peekable();
    for i in order {
        let target = char_offsets[i];
        while chars.peek().is_some_and(|&(ci, _)| ci < target) {
            chars.next();
        }
        out[i] = chars.peek().map_or(text.len(), |&(_, (b, _))| b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A page tokenized whole (one mask pass, a scan a block) gives each block the tokens
        /// the tokenizer gives that block alone, whatever the mix of scripts and line ends.
        #[test]
        fn page_tokens_are_each_block_s_own(
            text in "([A-Za-z0-9 ,.'\t]{0,70}[éÉ中ß\u{301}ภ½٣]?[A-Za-z ]{0,70}(\n|\r\n|\r)){0,6}"
        ) {
            let doc = Document::new(&text, 5);
            let mut tokenizer = Tokenizer::new(5);
            for (i, b) in doc.blocks().iter().enumerate() {
                let mut alone = Vec::new();
                tokenizer.tokenize_into(b.text(&text), b.start, &mut alone);
                proptest::prop_assert_eq!(doc.tokens(i), alone.as_slice());
            }
        }
    }
}
