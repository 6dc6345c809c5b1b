//! A one-pass scanner giving exactly the tokens of [`Tokenizer`](crate::normalize::Tokenizer)
//! (the same words, folded the same way) for the texts its fast path handles, hashing each
//! word with [`hash_word`] as it ends instead of collecting byte ranges first. A property test
//! holds it to the tokenizer.
//!
//! A char the scanner does not handle (Arabic, Devanagari, ½, emoji, ...) sends only its
//! whitespace-delimited stretch of text to the tokenizer's general path: UAX #29 always
//! breaks words at ASCII whitespace (no rule joins across it), so tokenising stretches that
//! start and end there gives the same tokens as tokenising the whole text (a property test
//! holds that too). A page with one foreign word no longer pays the general path for all of
//! its text.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::scan::{HIGH, ONES};
use crate::normalize::{char_class, fold_word, is_char_token, CharClass, Token, Tokenizer};

/// The seed of the token hashes (see `TOKEN_SEED` in the parent module).
const SEED: u64 = super::TOKEN_SEED;

/// Where the scanner stopped at a char it does not handle (`at`): the last point before it
/// that follows ASCII whitespace (or the start), with the output length and single-char token
/// count there.
pub(super) struct Resume {
    pos: usize,
    out_len: usize,
    singles: usize,
    at: usize,
}

/// The MinHash token hash of a folded word (its UTF-8 bytes).
///
/// Words of up to 16 bytes (nearly all) are read as two little-endian `u64`s and mixed with
/// [`mix64`](super::mix64): a few instructions, where xxh3's general code cost ~50 a word.
/// Longer words go to `xxh3_64`. The tokenizer's own hashes (xxh3 of every word, which saved
/// site models depend on) are not used here, so this can change without touching them.
pub(super) fn hash_word(word: &[u8]) -> u64 {
    match word.len() {
        0..=8 => short_hash(padded(word), 0, word.len()),
        9..=16 => short_hash(padded(&word[..8]), padded(&word[8..]), word.len()),
        _ => xxh3_64_with_seed(word, SEED),
    }
}

/// Up to 8 bytes as a little-endian `u64`, zero-padded.
#[inline]
fn padded(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

/// [`hash_word`] of a word of `len <= 16` bytes, given as two zero-padded `u64`s.
#[inline]
fn short_hash(lo: u64, hi: u64, len: usize) -> u64 {
    // The length tells apart words that differ only by trailing NUL bytes.
    let h = super::mix64(lo ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    if len > 8 {
        super::mix64(h ^ hi)
    } else {
        h
    }
}

/// `n` (1..=8) bytes of `bytes` from `at`, as [`padded`] gives them, with one 8-byte load
/// when the text has 8 bytes there.
#[inline]
fn load(bytes: &[u8], at: usize, n: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(eight) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(eight);
            u64::from_le_bytes(word) & (u64::MAX >> (64 - 8 * n))
        }
        None => padded(&bytes[at..at + n]),
    }
}

/// ASCII lower-casing of the 8 bytes of `x` at once (each byte must be ASCII).
#[inline]
fn ascii_lower(x: u64) -> u64 {
    // A byte's top bit is set, with no carry into the next byte (all are < 0x80), when it
    // is at least `A` (first sum) and when it is past `Z` (second sum).
    let from_a = x.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let past_z = x.wrapping_add(ONES * u64::from(0x80 - b'Z' - 1));
    let upper = from_a & !past_z & (ONES * 0x80);
    x | (upper >> 2)
}

/// [`hash_word`] of the ASCII word `bytes[s..e]` lower-cased, read in place.
#[inline]
fn ascii_word_hash(bytes: &[u8], s: usize, e: usize, buf: &mut String) -> u64 {
    let len = e - s;
    if !(1..=16).contains(&len) {
        buf.clear();
        buf.extend(
            bytes[s..e]
                .iter()
                .map(|&b| char::from(b.to_ascii_lowercase())),
        );
        return hash_word(buf.as_bytes());
    }
    let lo = ascii_lower(load(bytes, s, len.min(8)));
    let hi = if len > 8 {
        ascii_lower(load(bytes, s + 8, len - 8))
    } else {
        0
    };
    short_hash(lo, hi, len)
}

/// Whether `b` is an ASCII char that is not a letter or digit: the bytes that end chunks
/// (see [`scan`]).
#[inline]
fn is_ascii_separator(b: u8) -> bool {
    b < 0x80 && !b.is_ascii_alphanumeric()
}

/// The bytes of the 8 in `x` that are not ASCII separators (top bit of their byte set):
/// ASCII letters and digits, and the bytes of non-ASCII chars. Each sum below sets a byte's
/// top bit, with no carry into the next byte (the top bits are cleared first), when the
/// byte is at least the bound.
#[inline]
fn chunk_bytes(x: u64) -> u64 {
    let at_least = |v: u64, bound: u8| v.wrapping_add(ONES * u64::from(0x80 - bound));
    let t = x & !HIGH;
    let digit = at_least(t, b'0') & !at_least(t, b'9' + 1);
    // Upper-case letters OR 0x20 are lower-case; nothing else lands in `a..=z`.
    let u = t | (ONES * 0x20);
    let alpha = at_least(u, b'a') & !at_least(u, b'z' + 1);
    (digit | alpha | x) & HIGH
}

/// The top bits of the 8 bytes of `high` (its other bits clear) as the low 8 bits, byte
/// `i`'s as bit `i`: the multiplier moves each to the top byte by its own power of two, and
/// no two partial products meet on a bit, so nothing carries.
#[inline]
fn gather(high: u64) -> u64 {
    (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// One bit per byte of a 64-byte block (byte `i`, bit `i`), set for the bytes that are not
/// ASCII separators.
#[inline(always)]
fn block_mask(block: &[u8; 64]) -> u64 {
    let mut mask = 0;
    for k in 0..8 {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&block[8 * k..8 * k + 8]);
        mask |= gather(chunk_bytes(u64::from_le_bytes(eight))) << (8 * k);
    }
    mask
}

/// The low `n` bytes of a `u64` (`n` in `0..=8`).
const LOW_BYTES: [u64; 9] = {
    let mut masks = [0u64; 9];
    let mut n = 1;
    while n <= 8 {
        masks[n] = u64::MAX >> (64 - 8 * n);
        n += 1;
    }
    masks
};

/// A block of [`scan`] and the 16 bytes after it.
const WINDOW: usize = 64 + 16;

/// [`LOW_BYTES`] of lower-casing bits (0x20 in each byte).
const LOWER_BYTES: [u64; 9] = {
    let mut masks = [0u64; 9];
    let mut n = 0;
    while n <= 8 {
        masks[n] = LOW_BYTES[n] & (ONES * 0x20);
        n += 1;
    }
    masks
};

/// [`short_chunk`] of the chunk `window[from..to]` of a block's window (`from` < 64): its
/// 16 bytes are always there.
#[inline(always)]
fn short_word(window: &[u8; WINDOW], from: u32, to: u32, out: &mut Vec<u64>) -> bool {
    let (from, len) = (from as usize, to.wrapping_sub(from) as usize);
    let Some(sixteen) = window.get(from..).and_then(<[u8]>::first_chunk::<16>) else {
        return false;
    };
    let word = |at: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&sixteen[at..at + 8]);
        u64::from_le_bytes(eight)
    };
    // A chunk's ASCII bytes are letters and digits: OR 0x20 lower-cases the letters and
    // leaves the digits (0x30..=0x39) as they are.
    let h = if len <= 8 {
        let lo = word(0) & LOW_BYTES[len];
        if lo & HIGH != 0 {
            return false;
        }
        short_hash(lo | LOWER_BYTES[len], 0, len)
    } else if len <= 16 {
        let (lo, hi) = (word(0), word(8) & LOW_BYTES[len - 8]);
        if (lo | hi) & HIGH != 0 {
            return false;
        }
        short_hash(lo | (ONES * 0x20), hi | LOWER_BYTES[len - 8], len)
    } else {
        return false;
    };
    out.push(h);
    true
}

/// Pushes the hash of the chunk `bytes[s..e]` (see [`scan`]) when it is an ASCII word of up
/// to 16 bytes, read in place; `false` (nothing pushed) otherwise.
#[inline(always)]
fn short_chunk(bytes: &[u8], s: usize, e: usize, out: &mut Vec<u64>) -> bool {
    // A chunk's ASCII bytes are letters and digits: OR 0x20 lower-cases the letters and
    // leaves the digits (0x30..=0x39) as they are.
    const LOWER: u64 = ONES * 0x20;
    let len = e - s;
    let h = if len <= 8 {
        let lo = match bytes.get(s..).and_then(<[u8]>::first_chunk::<8>) {
            Some(&eight) => u64::from_le_bytes(eight) & LOW_BYTES[len],
            None => padded(&bytes[s..e]),
        };
        if lo & HIGH != 0 {
            return false;
        }
        short_hash(lo | (LOWER & LOW_BYTES[len]), 0, len)
    } else if len <= 16 {
        let (lo, hi) = match bytes.get(s..).and_then(<[u8]>::first_chunk::<16>) {
            Some(sixteen) => {
                let (lo, hi) = sixteen.split_at(8);
                let word = |b: &[u8]| {
                    let mut eight = [0u8; 8];
                    eight.copy_from_slice(b);
                    u64::from_le_bytes(eight)
                };
                (word(lo), word(hi) & LOW_BYTES[len - 8])
            }
            None => (padded(&bytes[s..s + 8]), padded(&bytes[s + 8..e])),
        };
        if (lo | hi) & HIGH != 0 {
            return false;
        }
        short_hash(lo | LOWER, hi | (LOWER & LOW_BYTES[len - 8]), len)
    } else {
        return false;
    };
    out.push(h);
    true
}

/// The hash of the word `text[s..e]` folded: lower-cased in place when `general` is false
/// (an ASCII word), through [`fold_word`] otherwise.
#[inline]
fn word_hash(text: &str, s: usize, e: usize, general: bool, buf: &mut String) -> u64 {
    if general {
        buf.clear();
        fold_word(&text[s..e], buf);
        hash_word(buf.as_bytes())
    } else {
        ascii_word_hash(text.as_bytes(), s, e, buf)
    }
}

/// Where to resume before the char at `at` that the scanner does not handle (see
/// [`Resume`]): after the last run of ASCII separators before it that ends with white space
/// (no token spans that point), or the start. `out` is cut back to the tokens before that
/// point, counted again by scanning up to it (cheaper than tracking the point on every
/// word of every page, when few pages have such a char).
fn resume_before(
    text: &str,
    at: usize,
    out: &mut Vec<u64>,
    out_start: usize,
    buf: &mut String,
) -> Resume {
    let bytes = text.as_bytes();
    let ends_run = |p: usize| {
        bytes[p - 1].is_ascii_whitespace() && bytes.get(p).map_or(true, |&b| !is_ascii_separator(b))
    };
    let pos = (1..=at).rev().find(|&p| ends_run(p)).unwrap_or(0);
    out.truncate(out_start);
    // No char before `at` stops the scanner; if one did, resuming at the start is right too.
    let singles = match scan(&text[..pos], out, buf) {
        Ok(singles) => singles,
        Err(_) => {
            out.truncate(out_start);
            return Resume {
                pos: 0,
                out_len: out_start,
                singles: 0,
                at,
            };
        }
    };
    Resume {
        pos,
        out_len: out.len(),
        singles,
        at,
    }
}

/// Pushes the hashes of the tokens of the chunk `text[s..e]` (see [`scan`]), read char by
/// char, and adds its single-char tokens to `singles`; `Err` with the position of the first
/// char the scanner does not handle.
fn general_chunk(
    text: &str,
    s: usize,
    e: usize,
    out: &mut Vec<u64>,
    singles: &mut usize,
    buf: &mut String,
) -> Result<(), usize> {
    let bytes = text.as_bytes();
    // The token being read: start, single-char token; and whether it needs the general fold
    // (it has non-ASCII chars).
    let mut cur: Option<(usize, bool)> = None;
    let mut general = false;
    let mut i = s;
    while i < e {
        if bytes[i] < 0x80 {
            // A letter or digit: a chunk has no ASCII separator.
            match cur {
                Some((s, true)) => {
                    out.push(word_hash(text, s, i, general, buf));
                    cur = Some((i, false));
                    general = false;
                }
                None => {
                    cur = Some((i, false));
                    general = false;
                }
                Some((_, false)) => {}
            }
            i += 1;
            while i < e && bytes[i] < 0x80 {
                i += 1;
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let class = char_class(c);
        match class {
            CharClass::Slow => return Err(i),
            // Marks extend the token before them; a stray mark is not one.
            CharClass::Mark => general = true,
            CharClass::Single => {
                if let Some((s, _)) = cur {
                    out.push(word_hash(text, s, i, general, buf));
                }
                cur = Some((i, true));
                *singles += 1;
                general = true;
            }
            CharClass::Letter => {
                match cur {
                    Some((s, true)) => {
                        out.push(word_hash(text, s, i, general, buf));
                        cur = Some((i, false));
                    }
                    None => cur = Some((i, false)),
                    Some((_, false)) => {}
                }
                general = true;
            }
            CharClass::Other => {
                if let Some((s, _)) = cur.take() {
                    out.push(word_hash(text, s, i, general, buf));
                }
            }
        }
        i += c.len_utf8();
    }
    if let Some((s, _)) = cur {
        out.push(word_hash(text, s, e, general, buf));
    }
    Ok(())
}

/// Pushes the hashes of `text`'s tokens to `out`; returns the number of single-char tokens
/// (CJK, Thai, ...), or where to resume (with `out` partly filled) at the first char the fast
/// path does not handle.
///
/// ASCII separators end every token, so the text is read as *chunks*, the runs of other
/// bytes between them, found 64 bytes at a time from a bit mask (8 bytes classed at once,
/// then one bit per byte): a chunk of at most 16 ASCII bytes (nearly every one) is one
/// word, lower-cased and hashed in place; any other goes char by char.
pub(super) fn scan(text: &str, out: &mut Vec<u64>, buf: &mut String) -> Result<usize, Resume> {
    // Pushed to through a local (moved back before returning), whose length and capacity
    // can stay in registers.
    let mut hashes = std::mem::take(out);
    let result = scan_into(text, &mut hashes, buf);
    *out = hashes;
    result
}

/// [`scan`] into a local vector.
#[inline(always)]
fn scan_into(text: &str, out: &mut Vec<u64>, buf: &mut String) -> Result<usize, Resume> {
    let bytes = text.as_bytes();
    let out_start = out.len();
    let mut singles = 0usize;
    // The start of a chunk going on past the block read last, and whether that block's
    // last byte was in a chunk.
    let mut open = None;
    let mut carry = 0u64;
    // The last blocks, padded with separators.
    let mut last: [u8; WINDOW];
    let mut base = 0;
    // Up to the block after the last byte: it is padded (all of it when the text fills its
    // last block), so every chunk ends in the loop.
    while base <= bytes.len() {
        // The block and the 16 bytes after it, so that a word starting in the block reads
        // its 16 bytes from the window without a bounds check.
        let window = match bytes
            .get(base..base + WINDOW)
            .and_then(|w| <&[u8; WINDOW]>::try_from(w).ok())
        {
            Some(window) => window,
            None => {
                let rest = &bytes[base.min(bytes.len())..];
                last = [b' '; WINDOW];
                last[..rest.len()].copy_from_slice(rest);
                &last
            }
        };
        let mut block = [0u8; 64];
        block.copy_from_slice(&window[..64]);
        let mask = block_mask(&block);
        let before = (mask << 1) | carry;
        carry = mask >> 63;
        let mut starts = mask & !before;
        let mut ends = !mask & before;
        if let Some(s) = open {
            if ends == 0 {
                base += 64;
                continue;
            }
            let e = base + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            open = None;
            if !short_chunk(bytes, s, e, out) {
                long_chunk(text, (s, e), out, out_start, &mut singles, buf)?;
            }
        }
        while starts != 0 {
            let from = starts.trailing_zeros();
            starts &= starts - 1;
            if ends == 0 {
                open = Some(base + from as usize);
                break;
            }
            let to = ends.trailing_zeros();
            ends &= ends - 1;
            if !short_word(window, from, to, out) {
                let s = base + from as usize;
                long_chunk(
                    text,
                    (s, base + to as usize),
                    out,
                    out_start,
                    &mut singles,
                    buf,
                )?;
            }
        }
        base += 64;
    }
    Ok(singles)
}

/// [`general_chunk`], with where to resume when it stops.
#[inline(never)]
fn long_chunk(
    text: &str,
    (s, e): (usize, usize),
    out: &mut Vec<u64>,
    out_start: usize,
    singles: &mut usize,
    buf: &mut String,
) -> Result<(), Resume> {
    general_chunk(text, s, e, out, singles, buf)
        .map_err(|at| resume_before(text, at, out, out_start, buf))
}

/// Pushes the [`hash_word`] hashes of the tokenizer's tokens of `text` to `out`; returns the
/// number of single-char tokens. Stretches the scanner does not handle go to `tokenizer`.
pub(super) fn token_hashes(
    text: &str,
    out: &mut Vec<u64>,
    buf: &mut String,
    tokenizer: &mut Tokenizer,
    tokens: &mut Vec<Token>,
) -> usize {
    let mut singles = 0;
    let mut pos = 0;
    loop {
        match scan(&text[pos..], out, buf) {
            Ok(n) => return singles + n,
            Err(r) => {
                out.truncate(r.out_len);
                singles += r.singles;
                let (start, at) = (pos + r.pos, pos + r.at);
                let end = text[at..]
                    .bytes()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(text.len(), |e| at + e);
                let stretch = &text[start..end];
                tokens.clear();
                tokenizer.tokenize_into(stretch, 0, tokens);
                out.extend(tokens.iter().map(|t| {
                    buf.clear();
                    fold_word(&stretch[t.start..t.end], buf);
                    hash_word(buf.as_bytes())
                }));
                singles += tokens
                    .iter()
                    .filter(|t| stretch[t.start..].chars().next().is_some_and(is_char_token))
                    .count();
                pos = end;
            }
        }
    }
}

/// Pushes the hashes of `text.lower().split()` (Python's split: Unicode white space and the
/// ASCII separators `\x1c`..`\x1f`) to `out`, hashing lower-case ASCII words in place.
pub(super) fn whitespace_hashes(text: &str, out: &mut Vec<u64>, buf: &mut String) {
    let is_space = |c: char| c.is_whitespace() || matches!(c, '\x1c'..='\x1f');
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        let h = if word.is_ascii() {
            ascii_word_hash(word.as_bytes(), 0, word.len(), buf)
        } else {
            // `str::to_lowercase`, not per char: a final sigma depends on its context.
            *buf = word.to_lowercase();
            hash_word(buf.as_bytes())
        };
        out.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

    fn engine(text: &str) -> Vec<u64> {
        Tokenizer::new(SEED)
            .tokenize(text)
            .iter()
            .map(|t| {
                let mut folded = String::new();
                fold_word(&text[t.start..t.end], &mut folded);
                hash_word(folded.as_bytes())
            })
            .collect()
    }

    fn fast(text: &str) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        scan(text, &mut out, &mut String::new()).ok().map(|_| out)
    }

    fn stretched(text: &str) -> (Vec<u64>, usize) {
        let mut out = Vec::new();
        let mut tokens = Vec::new();
        let n = token_hashes(
            text,
            &mut out,
            &mut String::new(),
            &mut Tokenizer::new(SEED),
            &mut tokens,
        );
        (out, n)
    }

    fn singles(text: &str) -> usize {
        Tokenizer::new(SEED)
            .tokenize(text)
            .iter()
            .filter(|t| text[t.start..].chars().next().is_some_and(is_char_token))
            .count()
    }

    #[test]
    fn whitespace_tokens_are_python_s() {
        let text = "Hello,  WORLD!\tÉcole ΟΔΟΣ a\u{1f}b\u{a0}c\u{200b}d x";
        let mut out = Vec::new();
        whitespace_hashes(text, &mut out, &mut String::new());
        // Python: text.lower().split()
        let words = [
            "hello,",
            "world!",
            "école",
            "οδο\u{3c2}",
            "a",
            "b",
            "c\u{200b}d",
            "x",
        ];
        let want: Vec<u64> = words.iter().map(|w| hash_word(w.as_bytes())).collect();
        assert_eq!(out, want);
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
        for text in [
            "½ and ² are numbers of their own",
            "Persian: نام کاربری and Hindi: नमस्ते दुनिया, then English. ",
            "a\u{feff}b \u{301}c ½x (² y) 🌟 star\t\n\u{5d0}\u{5d1} 東京 end",
            "ab½ cd",
            "x ½ (½ y) \"½\" (( ½",
        ] {
            assert_eq!(stretched(text), (engine(text), singles(text)), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn block_masks_are_byte_by_byte(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![proptest::prelude::any::<u8>(), b'a'..=b'z', b'A'..=b'Z', b'0'..=b'9'],
                64,
            )
        ) {
            let block: [u8; 64] = bytes.try_into().unwrap();
            let mask = block_mask(&block);
            for (i, &b) in block.iter().enumerate() {
                proptest::prop_assert_eq!(mask >> i & 1 == 1, !is_ascii_separator(b), "byte {}", i);
            }
        }
    }

    #[test]
    fn unified_ideographs_are_single_tokens() {
        for c in '\u{4e00}'..='\u{9fff}' {
            assert_eq!(char_class(c), CharClass::Single, "{c:?}");
        }
    }

    #[test]
    fn in_place_hashes_are_the_lowered_word_s() {
        // Every length around the 8- and 16-byte boundaries, at every offset from the end
        // of the text (where the 8-byte load is not possible).
        let text = b"Ab9zYQm0AZaz@[`{MixedCASEWordsOfManyLengths0123456789xyzXYZ";
        for s in 0..text.len() {
            for e in s..text.len().min(s + 20) {
                let mut low = text[s..e].to_vec();
                low.make_ascii_lowercase();
                assert_eq!(
                    ascii_word_hash(text, s, e, &mut String::new()),
                    hash_word(&low),
                    "{:?}",
                    std::str::from_utf8(&text[s..e])
                );
            }
        }
        // Chunks are read in place the same way (they have no separators).
        let text = "Ab9zYQm0AZazMixedCASEWordsOfManyLengths0123456789xyzXYZé".as_bytes();
        for s in 0..text.len() {
            for e in s + 1..text.len().min(s + 20) {
                let mut out = Vec::new();
                let short = short_chunk(text, s, e, &mut out);
                let word = &text[s..e];
                assert_eq!(short, word.len() <= 16 && word.is_ascii(), "{s}..{e}");
                if short {
                    assert_eq!(out, [hash_word(&word.to_ascii_lowercase())], "{s}..{e}");
                } else {
                    assert!(out.is_empty());
                }
            }
        }
        assert_ne!(hash_word(b"a"), hash_word(b"a\0"));
        assert_ne!(hash_word(b"abcdefgh"), hash_word(b"abcdefgh\0"));
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

        #[test]
        fn ascii_text_gives_the_tokenizer_s_hashes(
            text in "([a-zA-Z0-9]{1,20}|[ ,.;:!?'\"()\n\t-]{1,10}|[\u{e9}\u{2019}\u{201c}\u{bd}\u{301}\u{4e00}]){0,40}"
        ) {
            proptest::prop_assert_eq!(stretched(&text), (engine(&text), singles(&text)));
            if let Some(hashes) = fast(&text) {
                proptest::prop_assert_eq!(hashes, engine(&text));
            }
        }

        #[test]
        fn long_texts_give_the_tokenizer_s_hashes(
            text in "([a-zA-Z0-9]{1,24}|[ ,.()\n-]{1,3}|[\u{e9}\u{2019}\u{201c}\u{301}\u{4e00}\u{e01}]{1,2}){0,120}"
        ) {
            // Chunks across the 64-byte blocks, at their edges and at the end of the text.
            proptest::prop_assert_eq!(stretched(&text), (engine(&text), singles(&text)));
        }

        #[test]
        fn stretches_give_the_tokenizer_s_hashes(
            text in "([ \t\n]|[ -~]{1,6}|[\u{a0}-\u{24f}\u{300}-\u{36f}\u{600}-\u{6ff}\u{900}-\u{97f}\u{5d0}-\u{5ea}\u{200b}-\u{200f}\u{feff}\u{bd}\u{b2}\u{2460}\u{1f31f}\u{1f1e6}-\u{1f1ea}\u{3040}-\u{30ff}\u{4e00}-\u{4e10}\u{e00}-\u{e7f}]{1,4}){0,24}"
        ) {
            proptest::prop_assert_eq!(stretched(&text), (engine(&text), singles(&text)));
        }
    }
}
