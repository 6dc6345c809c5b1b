//! chaffless cleans web-scraped text: it finds page chrome, repeated teasers and comment blocks
//! as labelled, scored and explained spans, cuts them out, and finds near-duplicate documents.
//!
//! # Overview
//!
//! - [`Cleaner`]: built from a validated [`CleanerConfig`]; [`Cleaner::clean`] returns a
//!   [`CleanResult`] (clean text + [`Span`]s), [`Cleaner::clean_batch`] runs on all cores.
//! - [`Span`]: a byte range of the original text with a [`Label`], a score, the rule that fired
//!   and its evidence.
//! - [`Document`]: a page segmented into [`Block`](segment::Block)s (its non-blank lines) and
//!   tokens, shared by the [detectors](detect).
//! - [`normalize`], [`shingle`], [`similarity`]: the matching primitives (folding, xxh3-hashed
//!   word shingles, Jaccard and strsim ratios).
//! - [`jsonl`]: cleaning JSONL corpora (gzip / zstd) with rejects and atomic output.
//! - [`Deduper`]: near-duplicate documents ([`minhash`] signatures, [`lsh`] candidates,
//!   verified clusters with representatives and evidence); [`DedupIndex`] to dedup new
//!   documents against old ones.
//!
//! # Example: clean a page
//!
//! ```
//! use chaffless::{Cleaner, CleanerConfig, Label};
//!
//! let cleaner = Cleaner::new(CleanerConfig::default())?;
//! let page = "Storm closes the harbour\n\
//!     The harbour will stay closed until Friday, the port authority said on Monday morning.\n\
//!     Ferries to the islands are cancelled.\n\
//!     The harbour will stay closed until Friday, the port authority said on Monday...";
//! let result = cleaner.clean(page);
//! assert!(!result.text.contains("Monday..."));
//! assert_eq!(result.spans.len(), 1);
//! assert_eq!(result.spans[0].label, Label::Repeat);
//! assert_eq!(result.spans[0].rule, "truncated_copy");
//! # Ok::<(), chaffless::Error>(())
//! ```
//!
//! # Example: configure
//!
//! ```
//! use chaffless::{Cleaner, CleanerConfig, ErrorKind};
//!
//! let config = CleanerConfig::from_json(r#"{"repeat": {"min_coverage": 0.9}}"#)?;
//! assert_eq!(config.repeat.min_coverage, 0.9);
//! let err = CleanerConfig::from_json(r#"{"repeat": {"min_coverage": 2}}"#).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Config);
//! assert_eq!(err.to_string(), "repeat.min_coverage must be in (0, 1], got 2");
//! # Ok::<(), chaffless::Error>(())
//! ```

#![deny(missing_docs)]

pub mod clean;
pub mod config;
pub mod dedup;
pub mod detect;
pub mod document;
pub mod error;
pub mod jsonl;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod segment;
pub mod shingle;
pub mod similarity;
pub mod site;
pub mod stats;

#[cfg(feature = "python")]
mod python;

pub use clean::{CleanReport, CleanResult, Cleaner, LabelCount};
pub use config::{ChromeConfig, CleanerConfig, CommentConfig, RepeatConfig};
pub use dedup::{DedupConfig, DedupIndex, Deduper};
pub use document::{Document, Label, Span};
pub use error::{Error, ErrorKind, Result};
pub use stats::SiteModel;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
