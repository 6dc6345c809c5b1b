//! A one-pass scanner giving exactly the token hashes of [`Tokenizer`](crate::normalize::Tokenizer)
//! for the texts its fast path handles, hashing each word as it ends instead of collecting
//! byte ranges first, with ASCII runs scanned byte by byte. A property test holds it to the
//! tokenizer.

use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{fold_word, is_char_token, is_fast};

/// The tokenizer's token seed (see `TOKEN_SEED` in the parent module).
const SEED: u64 = super::TOKEN_SEED;

/// Pushes the hashes of `text`'s tokens to `out`; returns the number of single-char tokens
/// (CJK, Thai, ...), or `None` (with `out` partly filled) at the first char the fast path does
/// not handle.
pub(super) fn token_hashes(text: &str, out: &mut Vec<u64>, fold: &mut String) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut singles = 0usize;
    // The token being read: start, single-char token, needs folding.
    let mut cur: Option<(usize, bool)> = None;
    let mut needs_fold = false;
    let mut emit = |s: usize, e: usize, needs_fold: bool, out: &mut Vec<u64>| {
        let word = &text[s..e];
        let h = if needs_fold {
            fold.clear();
            fold_word(word, fold);
            xxh3_64_with_seed(fold.as_bytes(), SEED)
        } else {
            xxh3_64_with_seed(word.as_bytes(), SEED)
        };
        out.push(h);
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                match cur {
                    Some((s, true)) => {
                        emit(s, i, needs_fold, out);
                        cur = Some((i, false));
                        needs_fold = false;
                    }
                    None => {
                        cur = Some((i, false));
                        needs_fold = false;
                    }
                    Some((_, false)) => {}
                }
                // The rest of the ASCII run.
                needs_fold |= b.is_ascii_uppercase();
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    needs_fold |= bytes[i].is_ascii_uppercase();
                    i += 1;
                }
            } else {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, needs_fold, out);
                }
                i += 1;
                while i < bytes.len() && bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
            }
            continue;
        }
        let c = text[i..].chars().next()?;
        let len = c.len_utf8();
        if !is_fast(c) {
            return None;
        }
        if is_combining_mark(c) {
            // Marks extend the token before them; a stray mark is not one.
            needs_fold = true;
        } else if is_char_token(c) && c.is_alphanumeric() {
            if let Some((s, _)) = cur {
                emit(s, i, needs_fold, out);
            }
            cur = Some((i, true));
            singles += 1;
            needs_fold = true;
        } else if c.is_alphanumeric() {
            match cur {
                Some((s, true)) => {
                    emit(s, i, needs_fold, out);
                    cur = Some((i, false));
                }
                None => cur = Some((i, false)),
                Some((_, false)) => {}
            }
            needs_fold = true;
        } else if let Some((s, _)) = cur.take() {
            emit(s, i, needs_fold, out);
        }
        i += len;
    }
    if let Some((s, _)) = cur {
        emit(s, bytes.len(), needs_fold, out);
    }
    Some(singles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

    fn engine(text: &str) -> Vec<u64> {
        Tokenizer::new(SEED)
            .tokenize(text)
            .iter()
            .map(|t| t.hash)
            .collect()
    }

    fn fast(text: &str) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        token_hashes(text, &mut out, &mut String::new()).map(|_| out)
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
