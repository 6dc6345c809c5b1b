//! The tokenizer's one-pass scanner: exactly the tokens of [`Tokenizer`]'s word-by-word path
//! (byte ranges and xxh3 hashes) for the texts its fast path handles, hashing each word as it
//! ends instead of collecting byte ranges first, with ASCII runs scanned byte by byte.
//! Property tests hold it to that path. A char it does not handle (Arabic, Devanagari, ½,
//! emoji, ...) stops it, and the tokenizer takes the word-by-word path.
//!
//! The dedup's scanner (`minhash/fast.rs`) is its own: it hashes words differently (for
//! speed, not for the cleaner's site models) and never needs byte ranges.

use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::{fold_word, is_char_token, is_fast};

/// ASCII words up to this length that only need lower-casing are folded on the stack.
const STACK_WORD: usize = 32;

/// The scanner met a char its fast path does not handle.
#[derive(Debug)]
pub(crate) struct Unhandled;

/// The hash of one folded word: `word` is the text's bytes; `fold` says what folding it needs
/// (0 none, 1 ASCII lower-casing only, 2 the general fold).
#[inline]
fn word_hash(word: &str, fold: u8, seed: u64, buf: &mut String) -> u64 {
    match fold {
        0 => xxh3_64_with_seed(word.as_bytes(), seed),
        1 if word.len() <= STACK_WORD => {
            let mut low = [0u8; STACK_WORD];
            let low = &mut low[..word.len()];
            low.copy_from_slice(word.as_bytes());
            low.make_ascii_lowercase();
            xxh3_64_with_seed(low, seed)
        }
        _ => {
            buf.clear();
            fold_word(word, buf);
            xxh3_64_with_seed(buf.as_bytes(), seed)
        }
    }
}

/// Calls `emit(start, end, hash)` for each of `text`'s tokens, hashed with `seed`; returns
/// the number of single-char tokens (CJK, Thai, ...), or [`Unhandled`] (having emitted part
/// of the tokens) at the first char the fast path does not handle.
pub(crate) fn scan(
    text: &str,
    seed: u64,
    buf: &mut String,
    emit: &mut impl FnMut(usize, usize, u64),
) -> Result<usize, Unhandled> {
    let bytes = text.as_bytes();
    let mut singles = 0usize;
    // The token being read: start, single-char token; and the folding it needs.
    let mut cur: Option<(usize, bool)> = None;
    let mut fold = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                match cur {
                    Some((s, true)) => {
                        emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                        cur = Some((i, false));
                        fold = 0;
                    }
                    None => {
                        cur = Some((i, false));
                        fold = 0;
                    }
                    Some((_, false)) => {}
                }
                // The rest of the ASCII run.
                let mut upper = b.is_ascii_uppercase();
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    upper |= bytes[i].is_ascii_uppercase();
                    i += 1;
                }
                fold = fold.max(u8::from(upper));
            } else {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                }
                i += 1;
                while i < bytes.len() && bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if !is_fast(c) {
            return Err(Unhandled);
        }
        if is_combining_mark(c) {
            // Marks extend the token before them; a stray mark is not one.
            fold = 2;
        } else if is_char_token(c) && c.is_alphanumeric() {
            if let Some((s, _)) = cur {
                emit(s, i, word_hash(&text[s..i], fold, seed, buf));
            }
            cur = Some((i, true));
            singles += 1;
            fold = 2;
        } else if c.is_alphanumeric() {
            match cur {
                Some((s, true)) => {
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                    cur = Some((i, false));
                }
                None => cur = Some((i, false)),
                Some((_, false)) => {}
            }
            fold = 2;
        } else if let Some((s, _)) = cur.take() {
            emit(s, i, word_hash(&text[s..i], fold, seed, buf));
        }
        i += len;
    }
    if let Some((s, _)) = cur {
        emit(s, text.len(), word_hash(&text[s..], fold, seed, buf));
    }
    Ok(singles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

    const SEED: u64 = 7;

    /// The tokenizer's word-by-word path (the tokenizer itself runs [`scan`] first).
    fn engine(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        Tokenizer::new(SEED).tokenize_words(text, 0, &mut out);
        out.iter().map(|t| t.hash).collect()
    }

    fn fast(text: &str) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        scan(text, SEED, &mut String::new(), &mut |_, _, h| out.push(h))
            .ok()
            .map(|_| out)
    }

    #[test]
    fn table() {
        for text in [
            "",
            "Hello, world! l’offensive à Mossoul U.S. 3.14",
            "東京タワー abc東京 ภาษาไทย",
            "e\u{301}cole \u{301} Комментарии (3) Ὀδυσσεύς STRASSE straße",
            "“Quoted” — dash… ©2024 ►next",
        ] {
            assert_eq!(fast(text), Some(engine(text)), "{text:?}");
        }
        assert_eq!(fast("½ and ² are numbers of their own"), None);
    }

    proptest::proptest! {
        #[test]
        fn same_hashes_as_the_tokenizer(
            text in "[ -~\u{a0}-\u{24f}\u{300}-\u{36f}\u{391}-\u{3c9}\u{400}-\u{45f}\u{e00}-\u{e7f}\u{2010}-\u{2027}\u{3000}-\u{30ff}\u{4e00}-\u{4e40}\u{ff00}-\u{ffef}\u{2460}-\u{2470}]{0,60}"
        ) {
            if let Some(hashes) = fast(&text) {
                proptest::prop_assert_eq!(hashes, engine(&text));
            }
        }
    }
}
