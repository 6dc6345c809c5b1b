//! The tokenizer's one-pass scanner: exactly the tokens of [`Tokenizer`]'s word-by-word path
//! (byte ranges and xxh3 hashes) for the texts its fast path handles, hashing each word as it
//! ends instead of collecting byte ranges first. Property tests hold it to that path. A char
//! it does not handle (Arabic, Devanagari, ½, emoji, ...) stops it, and the tokenizer takes the
//! word-by-word path.
//!
//! ASCII is read through [`Masks`], made once per page: a bit per byte for the ASCII letters
//! and digits and for the bytes that are no ASCII separator, 64 bytes to a word, and the page
//! with its ASCII lower-cased. Runs of word bytes and of separators then end at a
//! `trailing_zeros`, and an ASCII word's folded form is its slice of the lower-cased page: no
//! copy, no byte loop per word.
//!
//! The dedup's scanner (`minhash/fast.rs`) is its own: it hashes words differently (for
//! speed, not for the cleaner's site models) and never needs byte ranges.

use wide::{i8x16, CmpEq, CmpGt, CmpLt};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::{char_class, fold_word, CharClass};

/// The scanner met a char its fast path does not handle.
#[derive(Debug)]
pub(crate) struct Unhandled;

/// Ones in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
pub(crate) const HIGH: u64 = ONES * 0x80;

/// The `word` and `nonsep` masks of a 64-byte chunk, which is lower-cased in place: sixteen
/// bytes a step, in SIMD lanes (SSE2 on x86-64, NEON on ARM, a portable fallback elsewhere).
/// Compared as signed bytes, every non-ASCII byte is negative, below every ASCII bound.
#[inline]
fn chunk_masks(chunk: &mut [u8]) -> (u64, u64) {
    let (mut word, mut nonsep) = (0u64, 0u64);
    let at_least = |x: i8x16, b: u8| x.cmp_gt(i8x16::splat(b as i8 - 1));
    let at_most = |x: i8x16, b: u8| x.cmp_lt(i8x16::splat(b as i8 + 1));
    let case = i8x16::splat(0x20);
    for (k, sixteen) in chunk.chunks_exact_mut(16).enumerate() {
        let mut b = [0u8; 16];
        b.copy_from_slice(sixteen);
        let x: i8x16 = bytemuck::cast(b);
        let digit = at_least(x, b'0') & at_most(x, b'9');
        // Setting 0x20 maps both cases of a letter, and nothing else, onto `a..=z`.
        let folded = x | case;
        let letter = at_least(folded, b'a') & at_most(folded, b'z');
        let upper = letter & (x & case).cmp_eq(i8x16::splat(0));
        let alnum = digit | letter;
        #[allow(clippy::cast_sign_loss)]
        let (w, n) = (alnum.move_mask() as u32, (alnum | x).move_mask() as u32);
        word |= u64::from(w) << (16 * k);
        nonsep |= u64::from(n) << (16 * k);
        let lower: [u8; 16] = bytemuck::cast(x | (upper & case));
        sixteen.copy_from_slice(&lower);
    }
    (word, nonsep)
}

/// A text's byte classes, 64 bytes to a `u64` (byte `i` in bit `i % 64` of word `i / 64`),
/// and the text with its ASCII lower-cased. Reused across pages: no allocation once grown.
#[derive(Clone, Debug, Default)]
pub(crate) struct Masks {
    /// ASCII letters and digits.
    word: Vec<u64>,
    /// Bytes that are no ASCII separator: letters, digits, and the bytes of non-ASCII chars.
    nonsep: Vec<u64>,
    /// The text, ASCII upper case made lower case, every other byte as it was.
    lower: Vec<u8>,
}

impl Masks {
    /// Computes the masks of `text`, replacing the last ones.
    pub(crate) fn compute(&mut self, text: &[u8]) {
        let Self {
            word,
            nonsep,
            lower,
        } = self;
        word.clear();
        nonsep.clear();
        word.reserve(text.len() / 64 + 1);
        nonsep.reserve(text.len() / 64 + 1);
        lower.clear();
        lower.extend_from_slice(text);
        let mut chunks = lower.chunks_exact_mut(64);
        for chunk in &mut chunks {
            let (w, n) = chunk_masks(chunk);
            word.push(w);
            nonsep.push(n);
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            // Zeros are separators: the padding ends every run at the text's end.
            let mut padded = [0u8; 64];
            padded[..rest.len()].copy_from_slice(rest);
            let (w, n) = chunk_masks(&mut padded);
            rest.copy_from_slice(&padded[..rest.len()]);
            word.push(w);
            nonsep.push(n);
        }
    }

    /// The first byte at or after `from` and before `end` whose bit is set in `masks`
    /// (clear, when `invert`), or `end`.
    #[inline]
    fn next(masks: &[u64], invert: bool, from: usize, end: usize) -> usize {
        let flip = if invert { u64::MAX } else { 0 };
        let mut at = from / 64;
        let Some(&first) = masks.get(at) else {
            return end;
        };
        let mut m = (first ^ flip) & (u64::MAX << (from % 64));
        loop {
            if m != 0 {
                return (at * 64 + m.trailing_zeros() as usize).min(end);
            }
            at += 1;
            match masks.get(at) {
                Some(&next) if at * 64 < end => m = next ^ flip,
                _ => return end,
            }
        }
    }
}

/// Calls `emit(start, end, hash)` for each token of `text[start..end]` (offsets in `text`),
/// hashed with `seed`; `masks` are [`Masks::compute`]d on `text`, and `start` and `end` stand
/// at word edges (a line's ends). Returns [`Unhandled`], having emitted part of the tokens,
/// at the first char the fast path does not handle.
pub(crate) fn scan(
    text: &str,
    (start, end): (usize, usize),
    masks: &Masks,
    seed: u64,
    buf: &mut String,
    emit: &mut impl FnMut(usize, usize, u64),
) -> Result<(), Unhandled> {
    let bytes = text.as_bytes();
    // The hash of the word `s..e`: an ASCII word's fold is its lower-cased bytes; any other
    // (a non-ASCII letter or a mark in it) takes the general fold.
    let mut hash = |s: usize, e: usize, general: bool| {
        if general {
            buf.clear();
            fold_word(&text[s..e], buf);
            xxh3_64_with_seed(buf.as_bytes(), seed)
        } else {
            xxh3_64_with_seed(&masks.lower[s..e], seed)
        }
    };
    // The token being read: start, single-char token; and whether it needs the general fold.
    let mut cur: Option<(usize, bool)> = None;
    let mut general = false;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                match cur {
                    None => {
                        // Most tokens: an ASCII word after a separator. One that ends at a
                        // separator (or the range's end) is whole, and is hashed at once.
                        let e = Masks::next(&masks.word, true, i + 1, end);
                        if e == end || bytes[e] < 0x80 {
                            emit(i, e, xxh3_64_with_seed(&masks.lower[i..e], seed));
                            i = Masks::next(&masks.nonsep, false, e + 1, end);
                        } else {
                            cur = Some((i, false));
                            general = false;
                            i = e;
                        }
                        continue;
                    }
                    Some((s, true)) => {
                        emit(s, i, hash(s, i, general));
                        cur = Some((i, false));
                        general = false;
                    }
                    Some((_, false)) => {}
                }
                i = Masks::next(&masks.word, true, i + 1, end);
            } else {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, hash(s, i, general));
                }
                i = Masks::next(&masks.nonsep, false, i + 1, end);
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
            CharClass::Mark => general = true,
            CharClass::Single => {
                if let Some((s, _)) = cur {
                    emit(s, i, hash(s, i, general));
                }
                cur = Some((i, true));
                general = true;
            }
            CharClass::Letter => {
                match cur {
                    Some((s, true)) => {
                        emit(s, i, hash(s, i, general));
                        cur = Some((i, false));
                    }
                    None => cur = Some((i, false)),
                    Some((_, false)) => {}
                }
                general = true;
            }
            CharClass::Other => {
                if let Some((s, _)) = cur.take() {
                    emit(s, i, hash(s, i, general));
                }
            }
        }
        i += len;
    }
    if let Some((s, _)) = cur {
        emit(s, end, hash(s, end, general));
    }
    Ok(())
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
        let mut masks = Masks::default();
        masks.compute(text.as_bytes());
        scan(
            text,
            (0, text.len()),
            &masks,
            SEED,
            &mut String::new(),
            &mut |_, _, h| out.push(h),
        )
        .ok()
        .map(|()| out)
    }

    #[test]
    fn table() {
        for text in [
            "",
            "Hello, world! l’offensive à Mossoul U.S. 3.14",
            "東京タワー abc東京 ภาษาไทย",
            "e\u{301}cole \u{301} Комментарии (3) Ὀδυσσεύς STRASSE straße",
            "“Quoted” — dash… ©2024 ►next",
            "A word of exactly sixty-four bytes ends the chunk: ABCDEFGHIJKLMN OPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        ] {
            assert_eq!(fast(text), Some(engine(text)), "{text:?}");
        }
        assert_eq!(fast("½ and ² are numbers of their own"), None);
    }

    proptest::proptest! {
        /// The masks and the lower-cased text are what byte-by-byte loops give, and `next`
        /// finds what a loop over the bytes finds.
        #[test]
        fn masks_are_the_bytes_classes(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::any::<u8>(), b'a'..=b'z', b'A'..=b'Z', b'0'..=b'9'
            ], 0..200),
            from in 0usize..200,
            end in 0usize..200,
        ) {
            let mut masks = Masks::default();
            masks.compute(&bytes);
            let bit = |m: &[u64], i: usize| m[i / 64] >> (i % 64) & 1 == 1;
            for (i, &b) in bytes.iter().enumerate() {
                proptest::prop_assert_eq!(bit(&masks.word, i), b.is_ascii_alphanumeric());
                proptest::prop_assert_eq!(
                    bit(&masks.nonsep, i), b >= 0x80 || b.is_ascii_alphanumeric()
                );
            }
            proptest::prop_assert_eq!(&masks.lower, &bytes.to_ascii_lowercase());
            let end = end.min(bytes.len());
            let from = from.min(end);
            let word_end = (from..end).find(|&i| !bytes[i].is_ascii_alphanumeric()).unwrap_or(end);
            proptest::prop_assert_eq!(Masks::next(&masks.word, true, from, end), word_end);
            let sep_end = (from..end)
                .find(|&i| bytes[i] >= 0x80 || bytes[i].is_ascii_alphanumeric())
                .unwrap_or(end);
            proptest::prop_assert_eq!(Masks::next(&masks.nonsep, false, from, end), sep_end);
        }

        #[test]
        fn same_hashes_as_the_tokenizer(
            text in "[ -~\u{a0}-\u{24f}\u{300}-\u{36f}\u{391}-\u{3c9}\u{400}-\u{45f}\u{e00}-\u{e7f}\u{2010}-\u{2027}\u{3000}-\u{30ff}\u{4e00}-\u{4e40}\u{ff00}-\u{ffef}\u{2460}-\u{2470}]{0,60}",
            long in "[A-Za-z0-9 ]{0,150}",
        ) {
            let text = format!("{long}{text}{long}");
            if let Some(hashes) = fast(&text) {
                proptest::prop_assert_eq!(hashes, engine(&text));
            }
        }
    }
}
