//! Configuration: small serde structs per concern, composed into [`CleanerConfig`].
//!
//! Every struct has a documented [`Default`], rejects unknown fields when deserialised, and is
//! checked by `validate()`, which [`crate::Cleaner::new`] calls: an out-of-range value is an
//! [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the field and the value.
//!
//! ```
//! use chaffless::CleanerConfig;
//! let mut config = CleanerConfig::default();
//! config.repeat.min_coverage = 1.5;
//! let err = config.validate().unwrap_err();
//! assert_eq!(err.to_string(), "repeat.min_coverage must be in (0, 1], got 1.5");
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::shingle::MAX_SHINGLE;

/// Settings of the `repeat` detector (text repeated inside one page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RepeatConfig {
    /// Run the detector. Default `true`.
    pub enabled: bool,
    /// Words per shingle used to find copies. Default 3.
    pub shingle_size: usize,
    /// Fewest words a block needs to be judged a copy: shorter lines ("Share", dates, code
    /// output) repeat by nature and are left to other detectors. Default 8.
    pub min_tokens: usize,
    /// Share of a block's words that must be found, in order, in other blocks for the block to
    /// be a copy. Default 0.9.
    pub min_coverage: f64,
    /// Share of a block's words that may be extra text at one end (a photo credit, a source)
    /// when the rest is a whole copy of another block: such a block is an extended copy.
    /// Default 0.34.
    pub max_extra: f64,
    /// Shortest run of consecutive matching words that counts as copied text. Default 4.
    pub min_run: usize,
    /// Text found in more blocks than this is a page pattern (a caption under every image, a
    /// repeated code line), not a teaser, and is not a `repeat`. Default 3.
    pub max_copies: usize,
    /// Blocks with fewer words than this are confirmed by an edit-distance ratio against the
    /// text they copy, since a few shared shingles are weak evidence. Default 24.
    pub short_block: usize,
    /// Least normalised Levenshtein similarity that confirms a short copy. Default 0.75.
    pub min_edit_ratio: f64,
}

impl Default for RepeatConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            shingle_size: 3,
            min_tokens: 8,
            min_coverage: 0.9,
            max_extra: 0.34,
            min_run: 4,
            max_copies: 3,
            short_block: 24,
            min_edit_ratio: 0.75,
        }
    }
}

/// A configuration of type `T` from JSON (missing keys take their defaults), checked with
/// `validate`.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    json: &str,
    validate: impl FnOnce(&T) -> Result<()>,
) -> Result<T> {
    let config: T = serde_json::from_str(json)
        .map_err(|e| Error::config(format!("invalid configuration: {e}")))?;
    validate(&config)?;
    Ok(config)
}

pub(crate) fn check_unit(field: &str, v: f64) -> Result<()> {
    if v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(Error::config(format!("{field} must be in (0, 1], got {v}")))
    }
}

/// `v` in [0, 1).
pub(crate) fn check_fraction(field: &str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::config(format!("{field} must be in [0, 1), got {v}")))
    }
}

pub(crate) fn check_range(field: &str, v: usize, lo: usize, hi: usize) -> Result<()> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::config(format!(
            "{field} must be in [{lo}, {hi}], got {v}"
        )))
    }
}

impl RepeatConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        check_range("repeat.shingle_size", self.shingle_size, 1, MAX_SHINGLE)?;
        check_range("repeat.min_tokens", self.min_tokens, 1, 1_000_000)?;
        check_unit("repeat.min_coverage", self.min_coverage)?;
        check_fraction("repeat.max_extra", self.max_extra)?;
        check_range("repeat.min_run", self.min_run, self.shingle_size, 1_000_000)
            .map_err(|e| Error::config(format!("{e} (it must be at least shingle_size)")))?;
        check_range("repeat.max_copies", self.max_copies, 1, 1_000_000)?;
        check_range("repeat.short_block", self.short_block, 0, 1_000_000)?;
        check_unit("repeat.min_edit_ratio", self.min_edit_ratio)
    }
}

/// Settings of the `comment` detector (comment sections: headers, prompts, comments with their
/// authors, timestamps and reply lines).
///
/// A section grows from an anchor (a header such as "3 comments", a prompt such as "Leave a
/// reply") over lines that fit comment structure; these knobs bound how much text it may cross
/// between two structure lines (timestamps, actions, headers, prompts). See
/// [`crate::detect::comment`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CommentConfig {
    /// Run the detector. Default `true`.
    pub enabled: bool,
    /// Most consecutive text blocks (comment texts) a section crosses between two structure
    /// lines. Until the section has shown a timestamp or an action, half of it.
    /// Default 6.
    pub max_gap: usize,
    /// Most words those text blocks may hold together (halved, like `max_gap`, until the
    /// section is established). Default 500.
    pub max_gap_words: usize,
    /// Most consecutive lines of any kind (texts, author names, tool lines such as "Edit" or
    /// "Share") a section crosses between two structure lines; halved until established. At
    /// least `max_gap`. Default 24.
    pub max_skip: usize,
    /// Most words besides the date or time a timestamp line may hold (an author's name,
    /// "wrote on", "says"). Default 8.
    pub max_stamp_words: usize,
    /// Longest line, in words, that can be a prompt ("You must be logged in to post a
    /// comment."); longer lines are article text that happens to mention commenting.
    /// Default 16.
    pub max_prompt_words: usize,
    /// Longest line, in words, that can be a section header ("View all 12 comments").
    /// Default 8.
    pub max_header_words: usize,
}

impl Default for CommentConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_gap: 6,
            max_gap_words: 500,
            max_skip: 24,
            max_stamp_words: 8,
            max_prompt_words: 16,
            max_header_words: 8,
        }
    }
}

impl CommentConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        check_range("comment.max_gap", self.max_gap, 1, 10_000)?;
        check_range("comment.max_gap_words", self.max_gap_words, 1, 1_000_000)?;
        check_range("comment.max_skip", self.max_skip, self.max_gap, 10_000)
            .map_err(|e| Error::config(format!("{e} (it must be at least max_gap)")))?;
        check_range("comment.max_stamp_words", self.max_stamp_words, 0, 64)?;
        check_range("comment.max_prompt_words", self.max_prompt_words, 1, 64)?;
        check_range("comment.max_header_words", self.max_header_words, 1, 64)
    }
}

/// Settings of the `chrome` detector (page chrome, on one page and across a site's pages).
/// See [`crate::detect::chrome`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ChromeConfig {
    /// Run the detector. Default `true`.
    pub enabled: bool,
    /// Fewest words of a prose block (with enough stopwords). Default 10.
    pub min_words: usize,
    /// Least share of a prose block's words that are stopwords of the page's language.
    /// Default 0.3.
    pub min_stopword_share: f64,
    /// What a line that is not prose costs the main text, per line. Default 2.0.
    pub line_penalty: f64,
    /// What a line that is not prose costs the main text, per word. Default 0.5.
    pub word_penalty: f64,
    /// What a paragraph with no other paragraph beside it is worth to the main text, per
    /// word (a teaser's abstract between two headlines; the article's paragraphs run on).
    /// Default 0.7.
    pub lone_paragraph_weight: f64,
    /// Runs of prose beside the main text worth at least this share of its value join it,
    /// with the lines between them (an article cut in parts by a code listing or a long
    /// list); 1 keeps only runs as good as the main text. Default 0.3.
    pub min_part_share: f64,
    /// Prose blocks of at least this many words stay even at most `title_reach` blocks above
    /// the main text (a standfirst set apart from the article by a photo or a byline).
    /// Default 30.
    pub keep_words: usize,
    /// How many lines above the main text the title may stand. Default 6.
    pub title_reach: usize,
    /// Least share of a site's pages a block must occur on to be site chrome. Default 0.5.
    pub site_min_share: f64,
    /// Fewest pages a block must occur on to be site chrome (long prose needs 3). Default 2.
    pub site_min_pages: usize,
}

impl Default for ChromeConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_words: 10,
            min_stopword_share: 0.3,
            line_penalty: 2.0,
            word_penalty: 0.5,
            lone_paragraph_weight: 0.7,
            min_part_share: 0.3,
            keep_words: 30,
            title_reach: 6,
            site_min_share: 0.5,
            site_min_pages: 2,
        }
    }
}

fn check_finite(field: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::config(format!(
            "{field} must be in [{lo}, {hi}], got {v}"
        )))
    }
}

impl ChromeConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        check_range("chrome.min_words", self.min_words, 1, 10_000)?;
        check_unit("chrome.min_stopword_share", self.min_stopword_share)?;
        check_finite("chrome.line_penalty", self.line_penalty, 0.0, 1000.0)?;
        check_finite("chrome.word_penalty", self.word_penalty, 0.0, 1000.0)?;
        check_unit("chrome.lone_paragraph_weight", self.lone_paragraph_weight)?;
        check_unit("chrome.min_part_share", self.min_part_share)?;
        check_range("chrome.keep_words", self.keep_words, 1, 1_000_000)?;
        check_range("chrome.title_reach", self.title_reach, 0, 1000)?;
        check_unit("chrome.site_min_share", self.site_min_share)?;
        check_range(
            "chrome.site_min_pages",
            self.site_min_pages,
            2,
            1_000_000_000,
        )
    }
}

/// Settings of a [`Cleaner`](crate::Cleaner).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CleanerConfig {
    /// Seed of every hash (tokens, shingles). Default 0. Results are identical across
    /// processes and platforms for the same seed.
    pub seed: u64,
    /// Pages larger than this many bytes are passed through untouched and reported as
    /// skipped, never dropped. Default 8 MiB: far above real pages (web text is rarely over
    /// 1 MB), low enough to bound the memory of one page (see the README, Reliability).
    pub max_page_bytes: usize,
    /// Threads for batch calls; 0 means one per core. Default 0.
    pub num_threads: usize,
    /// The `repeat` detector.
    pub repeat: RepeatConfig,
    /// The `comment` detector.
    pub comment: CommentConfig,
    /// The `chrome` detector.
    pub chrome: ChromeConfig,
}

impl Default for CleanerConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            max_page_bytes: 8 << 20,
            num_threads: 0,
            repeat: RepeatConfig::default(),
            comment: CommentConfig::default(),
            chrome: ChromeConfig::default(),
        }
    }
}

impl CleanerConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        check_range("max_page_bytes", self.max_page_bytes, 1, usize::MAX)?;
        check_range("num_threads", self.num_threads, 0, 4096)?;
        self.repeat.validate()?;
        self.comment.validate()?;
        self.chrome.validate()
    }

    /// Parses a JSON configuration (missing keys take their defaults) and validates it.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for unknown keys, wrong types or bad
    /// values.
    pub fn from_json(json: &str) -> Result<Self> {
        parse_json(json, Self::validate)
    }

    /// The configuration as JSON, every key present.
    #[must_use]
    pub fn to_json(&self) -> String {
        // A struct of plain numbers and booleans always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Sets [`seed`](Self::seed).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`num_threads`](Self::num_threads).
    #[must_use]
    pub fn with_num_threads(mut self, n: usize) -> Self {
        self.num_threads = n;
        self
    }

    /// Sets [`max_page_bytes`](Self::max_page_bytes).
    #[must_use]
    pub fn with_max_page_bytes(mut self, n: usize) -> Self {
        self.max_page_bytes = n;
        self
    }

    /// Replaces the `repeat` settings.
    #[must_use]
    pub fn with_repeat(mut self, repeat: RepeatConfig) -> Self {
        self.repeat = repeat;
        self
    }

    /// Replaces the `chrome` settings.
    #[must_use]
    pub fn with_chrome(mut self, chrome: ChromeConfig) -> Self {
        self.chrome = chrome;
        self
    }

    /// Replaces the `comment` settings.
    #[must_use]
    pub fn with_comment(mut self, comment: CommentConfig) -> Self {
        self.comment = comment;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip() {
        let c = CleanerConfig::default();
        c.validate().unwrap();
        assert_eq!(CleanerConfig::from_json(&c.to_json()).unwrap(), c);
        assert_eq!(CleanerConfig::from_json("{}").unwrap(), c);
    }

    #[test]
    fn errors_name_field_and_value() {
        let e = CleanerConfig::from_json(r#"{"repeat": {"shingle_size": 0}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "repeat.shingle_size must be in [1, 32], got 0"
        );
        let e = CleanerConfig::from_json(r#"{"comment": {"max_skip": 2}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "comment.max_skip must be in [6, 10000], got 2 (it must be at least max_gap)"
        );
        let e = CleanerConfig::from_json(r#"{"comment": {"max_gap": 0}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "comment.max_gap must be in [1, 10000], got 0"
        );
        let e = CleanerConfig::from_json(r#"{"nope": 1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `nope`"), "{e}");
    }
}
