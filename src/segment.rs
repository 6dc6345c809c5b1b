//! Text → blocks: the non-blank lines of a page, with exact byte ranges.
//!
//! A block is one line of the page with its surrounding whitespace trimmed. Lines end at `\n`,
//! `\r\n` or a lone `\r`. Nothing is copied: a [`Block`] is a pair of byte offsets into the
//! original text, always on char boundaries, so `&text[block.range()]` never panics.

use std::ops::Range;

/// A non-blank line of a page, as byte offsets into the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    /// Byte offset of the first non-whitespace char of the line.
    pub start: usize,
    /// Byte offset just past the last non-whitespace char of the line.
    pub end: usize,
    /// Byte offset where the line starts (before leading whitespace).
    pub line_start: usize,
    /// Byte offset just past the line terminator (or the end of the text).
    pub line_end: usize,
}

impl Block {
    /// The trimmed content's byte range.
    #[must_use]
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The trimmed content of the block in `text` (the text the block was made from).
    #[must_use]
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// One line of a page: its byte range, with and without the terminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Start of the line.
    pub start: usize,
    /// End of the line's content (before `\r\n`, `\n` or `\r`).
    pub content_end: usize,
    /// End of the line, including its terminator.
    pub end: usize,
}

/// Iterates over the lines of `text`, terminators included in [`Line::end`].
///
/// Every byte of `text` belongs to exactly one line: the lines tile the text.
pub fn lines(text: &str) -> impl Iterator<Item = Line> + '_ {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let rest = &bytes[start..];
        // `\n` and `\r` are ASCII, so every cut lands on a char boundary.
        let line = match memchr::memchr2(b'\n', b'\r', rest) {
            None => Line {
                start,
                content_end: bytes.len(),
                end: bytes.len(),
            },
            Some(i) => {
                let content_end = start + i;
                let term =
                    if bytes[content_end] == b'\r' && bytes.get(content_end + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                Line {
                    start,
                    content_end,
                    end: content_end + term,
                }
            }
        };
        pos = line.end;
        Some(line)
    })
}

/// Splits `text` into blocks: its non-blank lines, trimmed of surrounding whitespace.
///
/// # Example
/// ```
/// let text = "Title\n\n  A paragraph.  \r\nLast";
/// let blocks = chaffless::segment::blocks(text);
/// let parts: Vec<&str> = blocks.iter().map(|b| b.text(text)).collect();
/// assert_eq!(parts, ["Title", "A paragraph.", "Last"]);
/// ```
#[must_use]
pub fn blocks(text: &str) -> Vec<Block> {
    // Sized once for most pages: a block a line at most (a lone \r, which ends a line too,
    // is rare).
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    for line in lines(text) {
        let content = &text[line.start..line.content_end];
        let trimmed_start = content.trim_start();
        if trimmed_start.is_empty() {
            continue;
        }
        let start = line.start + (content.len() - trimmed_start.len());
        let end = start + trimmed_start.trim_end().len();
        out.push(Block {
            start,
            end,
            line_start: line.start,
            line_end: line.end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(text: &str) -> Vec<(usize, usize)> {
        blocks(text).iter().map(|b| (b.start, b.end)).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[(usize, usize)])] = &[
            ("", &[]),
            ("\n\n", &[]),
            ("a", &[(0, 1)]),
            ("a\nb", &[(0, 1), (2, 3)]),
            ("a\r\nb\rc\n", &[(0, 1), (3, 4), (5, 6)]),
            ("  x  \n \t\n y", &[(2, 3), (10, 11)]),
            ("é\u{3000}\nü", &[(0, 2), (6, 8)]),
        ];
        for (text, want) in cases {
            assert_eq!(ranges(text), *want, "text {text:?}");
        }
    }

    #[test]
    fn lines_tile() {
        let text = "a\r\n\rb\n\nc";
        let ls: Vec<Line> = lines(text).collect();
        assert_eq!(ls.first().map(|l| l.start), Some(0));
        for w in ls.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        assert_eq!(ls.last().map(|l| l.end), Some(text.len()));
    }
}
