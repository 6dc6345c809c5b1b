//! The tokenizer's one-pass scanner: exactly the tokens of [`Tokenizer`]'s word-by-word path
//! (byte ranges and xxh3 hashes) for the texts its fast path handles, hashing each word as it
//! ends instead of collecting byte ranges first, with ASCII runs read 8 bytes at a time.
//! Property tests hold it to that path. A char it does not handle (Arabic, Devanagari, ½,
//! emoji, ...) stops it, and the tokenizer takes the word-by-word path.
//!
//! The dedup's scanner (`minhash/fast.rs`) is its own: it hashes words differently (for
//! speed, not for the cleaner's site models) and never needs byte ranges.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::{char_class, fold_word, CharClass};

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

/// Ones in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
pub(crate) const HIGH: u64 = ONES * 0x80;

/// The 8 bytes at `bytes[at]` as a little-endian `u64`, when the text has them.
#[inline]
fn load8(bytes: &[u8], at: usize) -> Option<u64> {
    let eight: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(eight))
}

/// Per byte of `x`, the top bit set for the ASCII letters and digits, and for the
/// upper-case letters. Each sum below sets a byte's top bit when the byte (top bit cleared
/// first, so nothing carries into the next byte) is at least the bound.
#[inline]
fn alnum_upper(x: u64) -> (u64, u64) {
    let at_least = |v: u64, bound: u8| v.wrapping_add(ONES * u64::from(0x80 - bound));
    let t = x & !HIGH;
    let ascii = !x & HIGH;
    let digit = at_least(t, b'0') & !at_least(t, b'9' + 1);
    let upper = at_least(t, b'A') & !at_least(t, b'Z' + 1) & ascii;
    let lower = at_least(t, b'a') & !at_least(t, b'z' + 1);
    ((digit | lower | upper) & ascii, upper)
}

/// Bytes of `x` before the first whose top bit is clear in `mask`.
#[inline]
fn leading(mask: u64) -> usize {
    ((!mask & HIGH).trailing_zeros() / 8) as usize
}

/// The end of the run of ASCII letters and digits at `bytes[at]`, and whether it holds an
/// upper-case letter: 8 bytes at a time, byte by byte near the end of the text.
#[inline]
fn alnum_run(bytes: &[u8], mut at: usize) -> (usize, bool) {
    let mut upper = false;
    while let Some(x) = load8(bytes, at) {
        let (alnum, up) = alnum_upper(x);
        let n = leading(alnum);
        // The run's bytes.
        let run = if n == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        upper |= up & run != 0;
        at += n;
        if n < 8 {
            return (at, upper);
        }
    }
    while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
        upper |= bytes[at].is_ascii_uppercase();
        at += 1;
    }
    (at, upper)
}

/// The end of the run of ASCII separators (neither letters nor digits) at `bytes[at]`.
#[inline]
fn separator_run(bytes: &[u8], mut at: usize) -> usize {
    while let Some(x) = load8(bytes, at) {
        let (alnum, _) = alnum_upper(x);
        let n = leading(!x & HIGH & !alnum);
        at += n;
        if n < 8 {
            return at;
        }
    }
    while at < bytes.len() && bytes[at] < 0x80 && !bytes[at].is_ascii_alphanumeric() {
        at += 1;
    }
    at
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
                let (end, upper) = alnum_run(bytes, i);
                i = end;
                fold = fold.max(u8::from(upper));
            } else {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                }
                // Words are mostly one space apart: the next byte settles it.
                i = match bytes.get(i + 1) {
                    Some(b) if b.is_ascii_alphanumeric() => i + 1,
                    _ => separator_run(bytes, i + 1),
                };
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        match char_class(c) {
            CharClass::Slow => return Err(Unhandled),
            // Marks extend the token before them; a stray mark is not one.
            CharClass::Mark => fold = 2,
            CharClass::Single => {
                if let Some((s, _)) = cur {
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                }
                cur = Some((i, true));
                singles += 1;
                fold = 2;
            }
            CharClass::Letter => {
                match cur {
                    Some((s, true)) => {
                        emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                        cur = Some((i, false));
                    }
                    None => cur = Some((i, false)),
                    Some((_, false)) => {}
                }
                fold = 2;
            }
            CharClass::Other => {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                }
            }
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
        /// The 8-bytes-at-a-time runs end where a byte-by-byte loop ends them.
        #[test]
        fn runs_end_where_bytes_end_them(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::any::<u8>(), b'a'..=b'z', b'A'..=b'Z', b'0'..=b'9'
            ], 0..40),
            at in 0usize..40,
        ) {
            let at = at.min(bytes.len());
            let mut end = at;
            let mut upper = false;
            while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
                upper |= bytes[end].is_ascii_uppercase();
                end += 1;
            }
            proptest::prop_assert_eq!(alnum_run(&bytes, at), (end, upper));
            let mut end = at;
            while end < bytes.len() && bytes[end] < 0x80 && !bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            proptest::prop_assert_eq!(separator_run(&bytes, at), end);
        }

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
