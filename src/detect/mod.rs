//! Detectors: each finds one kind of noise in a [`Document`] and reports labelled [`Span`]s.
//!
//! | detector | label | finds |
//! |---|---|---|
//! | [`repeat`] (`repeat_v1`) | `repeat` | text repeated inside one page: teasers, captions repeating the lede |
//! | [`chrome`] (`chrome_v1`) | `chrome` | navigation, link lists, captions and credits, promos, footers: outside the main text, by local cues, or frequent across a site's pages |
//! | [`comment`] (`comment_v1`) | `comment` | comment sections: headers, prompts, comments with their authors, timestamps and reply lines, in many languages |

pub mod chrome;
pub mod comment;
pub mod repeat;

use crate::document::{Document, Span};

/// A detector: reads an analysed page, appends spans to `out`.
///
/// Detectors never fail and never panic on any input; their spans lie on char boundaries of
/// the document's text.
pub trait Detector: Send + Sync + std::fmt::Debug {
    /// The versioned name written into every span, e.g. `repeat_v1`.
    fn name(&self) -> &'static str;

    /// Appends the spans found in `doc` to `out`.
    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>);
}

pub use chrome::ChromeDetector;
pub use comment::CommentDetector;
pub use repeat::RepeatDetector;
