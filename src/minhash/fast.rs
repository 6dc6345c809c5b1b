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

use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{fold_word, is_char_token, is_fast, Token, Tokenizer};

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

/// [`BYTE_CLASS`] bit: an ASCII letter or digit (a word char).
const ALNUM: u8 = 1;
/// [`BYTE_CLASS`] bit: an ASCII char that is not a word char (a separator).
const SEPARATOR: u8 = 2;

/// The class bits of each byte; bytes of multi-byte chars (0x80 and up) have none.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x80 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            ALNUM
        } else {
            SEPARATOR
        };
        b += 1;
    }
    table
};

/// What the scanner does with a non-ASCII char.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Not handled: the stretch goes to the tokenizer.
    Slow,
    /// A combining mark: extends the token before it.
    Mark,
    /// A token of its own (CJK, kana, Thai, ...).
    Single,
    /// Part of a word.
    Letter,
    /// A separator.
    Other,
}

impl Class {
    /// The class of `c`, from the predicates the tokenizer uses.
    fn of(c: char) -> Self {
        if !is_fast(c) {
            Self::Slow
        } else if is_combining_mark(c) {
            Self::Mark
        } else if is_char_token(c) && c.is_alphanumeric() {
            Self::Single
        } else if c.is_alphanumeric() {
            Self::Letter
        } else {
            Self::Other
        }
    }
}

/// Chars below this (Latin to CJK punctuation and kana) are classed through a table: the
/// Unicode property look-ups behind [`Class::of`] cost ~100 instructions a char, and most
/// pages have some curly quotes, dashes or accents.
const CLASS_TABLE_END: usize = 0x3100;

/// The CJK unified ideographs block, whose chars are all [`Class::Single`].
fn is_unified_ideograph(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}')
}

/// [`Class::of`] of each char below [`CLASS_TABLE_END`] (surrogates: [`Class::Slow`], never
/// looked up), computed once, so the table agrees with the predicates by construction.
fn class_table() -> &'static [Class] {
    static TABLE: std::sync::OnceLock<Vec<Class>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..CLASS_TABLE_END as u32)
            .map(|u| char::from_u32(u).map_or(Class::Slow, Class::of))
            .collect()
    })
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

/// Ones in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
const HIGH: u64 = ONES * 0x80;

/// The ASCII letters and digits among the 8 bytes of `x` (top bit of their byte set), and
/// the letters alone. Each sum below sets a byte's top bit, with no carry into the next
/// byte (the top bits are cleared first), when the byte is at least the bound.
#[inline]
fn swar_alnum(x: u64) -> (u64, u64) {
    let at_least = |v: u64, bound: u8| v.wrapping_add(ONES * u64::from(0x80 - bound));
    let t = x & !HIGH;
    let digit = at_least(t, b'0') & !at_least(t, b'9' + 1);
    // Upper-case letters OR 0x20 are lower-case; nothing else lands in `a..=z`.
    let u = t | (ONES * 0x20);
    let alpha = at_least(u, b'a') & !at_least(u, b'z' + 1);
    let ascii = !x & HIGH;
    ((digit | alpha) & ascii, alpha & ascii)
}

/// The hash and length of the ASCII word starting at `bytes[at]` (a letter or digit) when it
/// is shorter than 16 bytes and ends at an ASCII separator; `None` otherwise (the caller
/// reads it byte by byte).
#[cfg(test)]
fn short_ascii_word(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let (lo, len) = ascii_run(bytes, at)?;
    if len < 8 {
        return Some((short_hash(lo, 0, len), len));
    }
    let (hi, rest) = ascii_run(bytes, at + 8)?;
    (rest < 8).then(|| (short_hash(lo, hi, 8 + rest), 8 + rest))
}

/// The leading ASCII letters and digits of the 8 bytes at `bytes[at]`, lower-cased and
/// zero-padded, and their count; `None` when the text has no 8 bytes there or the run goes
/// on with a non-ASCII char. A count of 8 means the run may go on.
#[cfg(test)]
fn ascii_run(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut eight = [0u8; 8];
    eight.copy_from_slice(bytes.get(at..at + 8)?);
    let x = u64::from_le_bytes(eight);
    let (alnum, alpha) = swar_alnum(x);
    let len = ((!alnum & HIGH).trailing_zeros() / 8) as usize;
    // Letters get 0x20 (lower-cased).
    let lower = x | (alpha >> 2);
    if len == 8 {
        return Some((lower, 8));
    }
    if (x >> (8 * len)) & 0x80 != 0 {
        return None;
    }
    Some((lower & ((1u64 << (8 * len)) - 1), len))
}

/// The 8 bytes at `bytes[at]` as a little-endian `u64`, when the text has them.
#[inline]
fn load8(bytes: &[u8], at: usize) -> Option<u64> {
    let mut eight = [0u8; 8];
    eight.copy_from_slice(bytes.get(at..at + 8)?);
    Some(u64::from_le_bytes(eight))
}

/// From `at`, an ASCII letter or digit starting a word, pushes the hashes of the short ASCII
/// words there and of the ones after them across ASCII separators, 8 bytes at a time: each
/// word's load also classes the separators after it. Returns where that loop goes on (outside any token: at a word,
/// a separator or a non-ASCII char), or `None` when the first word is not short (16 bytes
/// or more, or going on with a non-ASCII char), which that loop then reads itself.
#[inline]
fn ascii_words(bytes: &[u8], mut at: usize, out: &mut Vec<u64>) -> Option<usize> {
    let start = at;
    let stop = |at: usize| (at != start).then_some(at);
    loop {
        let Some(x) = load8(bytes, at) else {
            return stop(at);
        };
        let (alnum, alpha) = swar_alnum(x);
        let len = ((!alnum & HIGH).trailing_zeros() / 8) as usize;
        let lower = x | (alpha >> 2);
        // The word's hash and length, and the ASCII separators of the bytes loaded last,
        // from the word's end on (top bit of their byte; bytes past the load read as none).
        let (h, len, sep) = if len < 8 {
            if (x >> (8 * len)) & 0x80 != 0 {
                return stop(at);
            }
            let h = short_hash(lower & ((1u64 << (8 * len)) - 1), 0, len);
            (h, len, (!alnum & !x & HIGH) >> (8 * len))
        } else {
            let Some(y) = load8(bytes, at + 8) else {
                return stop(at);
            };
            let (alnum2, alpha2) = swar_alnum(y);
            let rest = ((!alnum2 & HIGH).trailing_zeros() / 8) as usize;
            if rest == 8 || (y >> (8 * rest)) & 0x80 != 0 {
                return stop(at);
            }
            let hi = (y | (alpha2 >> 2)) & ((1u64 << (8 * rest)) - 1);
            let h = short_hash(lower, hi, 8 + rest);
            (h, 8 + rest, (!alnum2 & !y & HIGH) >> (8 * rest))
        };
        out.push(h);
        // The word ends at an ASCII separator, so the run has at least one byte; when it
        // fills what was loaded, its end is not known here.
        let window = 8 - len % 8;
        let run = ((!sep & HIGH).trailing_zeros() / 8) as usize;
        if run >= window {
            return Some(at + len);
        }
        at += len + run;
        // Past the run: a letter or digit, or a non-ASCII char.
        if bytes[at] >= 0x80 {
            return Some(at);
        }
    }
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
        bytes[p - 1].is_ascii_whitespace()
            && bytes
                .get(p)
                .map_or(true, |&b| BYTE_CLASS[usize::from(b)] & SEPARATOR == 0)
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

/// Pushes the hashes of `text`'s tokens to `out`; returns the number of single-char tokens
/// (CJK, Thai, ...), or where to resume (with `out` partly filled) at the first char the fast
/// path does not handle.
pub(super) fn scan(text: &str, out: &mut Vec<u64>, buf: &mut String) -> Result<usize, Resume> {
    let bytes = text.as_bytes();
    let mut singles = 0usize;
    // The token being read: start, single-char token; and whether it needs the general fold
    // (it has non-ASCII chars).
    let mut cur: Option<(usize, bool)> = None;
    let mut general = false;
    let out_start = out.len();
    let table = class_table();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if BYTE_CLASS[usize::from(b)] & ALNUM != 0 {
                match cur {
                    Some((s, true)) => {
                        out.push(word_hash(text, s, i, general, buf));
                        cur = Some((i, false));
                        general = false;
                    }
                    None => {
                        // Most words are short and ASCII, and so are the separators
                        // between them: classed, lower-cased and hashed 8 bytes at a time.
                        if let Some(end) = ascii_words(bytes, i, out) {
                            i = end;
                            continue;
                        }
                        cur = Some((i, false));
                        general = false;
                    }
                    Some((_, false)) => {}
                }
                // The rest of the ASCII run.
                i += 1;
                while bytes
                    .get(i)
                    .is_some_and(|&b| BYTE_CLASS[usize::from(b)] & ALNUM != 0)
                {
                    i += 1;
                }
            } else {
                if let Some((s, _)) = cur.take() {
                    out.push(word_hash(text, s, i, general, buf));
                }
                i += 1;
                while bytes
                    .get(i)
                    .is_some_and(|&b| BYTE_CLASS[usize::from(b)] & SEPARATOR != 0)
                {
                    i += 1;
                }
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        let class = match table.get(c as usize) {
            Some(&class) => class,
            // Chinese text: each ideograph is a token (a test checks the block).
            None if is_unified_ideograph(c) => Class::Single,
            None => Class::of(c),
        };
        match class {
            Class::Slow => return Err(resume_before(text, i, out, out_start, buf)),
            // Marks extend the token before them; a stray mark is not one.
            Class::Mark => general = true,
            Class::Single => {
                if let Some((s, _)) = cur {
                    out.push(word_hash(text, s, i, general, buf));
                }
                cur = Some((i, true));
                singles += 1;
                general = true;
            }
            Class::Letter => {
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
            Class::Other => {
                if let Some((s, _)) = cur.take() {
                    out.push(word_hash(text, s, i, general, buf));
                }
            }
        }
        i += len;
    }
    if let Some((s, _)) = cur {
        out.push(word_hash(text, s, text.len(), general, buf));
    }
    Ok(singles)
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
        fn eight_bytes_at_once_are_byte_by_byte(bytes in proptest::collection::vec(proptest::prop_oneof![proptest::prelude::any::<u8>(), b'a'..=b'z', b'A'..=b'Z'], 8..30)) {
            let x = u64::from_le_bytes(bytes[..8].try_into().unwrap());
            let (alnum, alpha) = swar_alnum(x);
            for (i, &b) in bytes[..8].iter().enumerate() {
                proptest::prop_assert_eq!(alnum >> (8 * i + 7) & 1 == 1, b.is_ascii_alphanumeric());
                proptest::prop_assert_eq!(alpha >> (8 * i + 7) & 1 == 1, b.is_ascii_alphabetic());
            }
            if bytes[0].is_ascii_alphanumeric() {
                let len = bytes.iter().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(bytes.len());
                let loaded = if len < 8 { 8 } else { 16 };
                let want = (len < 16 && bytes.len() >= loaded && bytes[len] < 0x80)
                    .then(|| (ascii_word_hash(&bytes, 0, len, &mut String::new()), len));
                proptest::prop_assert_eq!(short_ascii_word(&bytes, 0), want);
            }
        }
    }

    #[test]
    fn unified_ideographs_are_single_tokens() {
        for c in ('\u{4e00}'..='\u{9fff}').filter(|&c| is_unified_ideograph(c)) {
            assert_eq!(Class::of(c), Class::Single, "{c:?}");
        }
        assert!(!is_unified_ideograph('\u{3400}') && !is_unified_ideograph('\u{a000}'));
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
        fn stretches_give_the_tokenizer_s_hashes(
            text in "([ \t\n]|[ -~]{1,6}|[\u{a0}-\u{24f}\u{300}-\u{36f}\u{600}-\u{6ff}\u{900}-\u{97f}\u{5d0}-\u{5ea}\u{200b}-\u{200f}\u{feff}\u{bd}\u{b2}\u{2460}\u{1f31f}\u{1f1e6}-\u{1f1ea}\u{3040}-\u{30ff}\u{4e00}-\u{4e10}\u{e00}-\u{e7f}]{1,4}){0,24}"
        ) {
            proptest::prop_assert_eq!(stretched(&text), (engine(&text), singles(&text)));
        }
    }
}
