//! Normalisation and tokenisation for matching. Never used for output.
//!
//! Two texts that a reader would call "the same words" must give the same tokens:
//!
//! - **Words** are found with Unicode word segmentation (UAX #29, `unicode-segmentation`), then cut
//!   at any char that is neither alphanumeric nor a combining mark, so `l'offensive` gives `l` and
//!   `offensive` and `U.S.` gives `u` and `s`. CJK ideographs, kana, hangul and the scripts
//!   written without spaces (Thai, Lao, Khmer, Myanmar) give one token per character (with its
//!   combining marks), since they have no spaces to split on.
//! - Each word is **folded**: Unicode compatibility mapping (NFKC's `K`, applied as NFKD),
//!   accents removed (combining diacritical marks dropped, so `États` matches `Etats`), then
//!   lower-cased with `ß` → `ss` and final sigma folded, as case folding does.
//! - Punctuation and whitespace are not tokens, so they are collapsed by construction.
//!
//! Pure-ASCII text takes a fast path that gives exactly the same tokens (a property test holds
//! the two paths together). Each token's hash is `xxh3_64` of its folded UTF-8 bytes with a
//! configurable seed: identical across processes, platforms and runs.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64_with_seed;

pub(crate) mod scan;

/// A word of the original text: its byte range and the hash of its folded form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    /// Byte offset of the word in the text given to the tokenizer (plus its `offset`).
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
    /// `xxh3_64` of the folded word, with the tokenizer's seed.
    pub hash: u64,
}

/// True for characters that form a token on their own: CJK ideographs, kana, hangul, and the
/// scripts written without spaces between words.
#[must_use]
pub fn is_char_token(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1100..=0x11FF    // Hangul Jamo
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3130..=0x318F    // Hangul compatibility Jamo
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // Halfwidth katakana
        | 0x20000..=0x3134F  // CJK extensions B..G
    )
}

/// Combining marks that belong to a preceding letter: they never start a token.
fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// Accents: the combining diacritical marks that folding drops. Marks of other scripts
/// (Devanagari vowel signs, Thai vowels, ...) carry meaning and are kept.
fn is_accent(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Appends the folded form of `word` to `out`.
///
/// # Example
/// ```
/// let mut s = String::new();
/// chaffless::normalize::fold_word("États", &mut s);
/// assert_eq!(s, "etats");
/// ```
pub fn fold_word(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    // Char by char through the tables, which hold each char's fold when it is the char's
    // share of the word's fold; the rare char whose fold depends on its neighbours (marks
    // that canonical ordering may move) sends the word to the general path.
    let start = out.len();
    for c in word.chars() {
        // ASCII folds to its lower case (as the table says; a test holds them together).
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let Some((page, i)) = char_info(c) else {
            out.truncate(start);
            fold_chars(word.nfkd(), out);
            return;
        };
        if let Some(one) = page.one[i] {
            out.push(one);
            continue;
        }
        match page.fold(i) {
            Some(folded) => out.push_str(folded),
            None => {
                out.truncate(start);
                fold_chars(word.nfkd(), out);
                return;
            }
        }
    }
}

/// CJK unified ideographs (extension A and the main block).
fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Folds already-decomposed chars: drops accents, lower-cases, applies the special foldings.
fn fold_chars(chars: impl Iterator<Item = char>, out: &mut String) {
    for c in chars {
        if is_accent(c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'ς' => out.push('σ'),
                _ => out.push(l),
            }
        }
    }
}

/// What the tokenizers do with a non-ASCII char.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharClass {
    /// Not handled by the fast paths: the text goes to the general path.
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

impl CharClass {
    /// The class of `c`, from the Unicode predicates (~100 instructions a char).
    fn of(c: char) -> Self {
        if !is_fast(c) {
            Self::Slow
        } else if is_mark(c) {
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

/// What the tokenizer knows of 256 consecutive chars of the Basic Multilingual Plane:
/// their classes and folds, computed with the general code, so tables and predicates agree
/// by construction.
struct CharPage {
    class: [CharClass; 256],
    /// Char `i`'s fold is `folded[at[i]..at[i] + len[i]]`; `len[i] == u8::MAX` when the
    /// char must be folded with its word.
    at: [u16; 256],
    len: [u8; 256],
    /// Char `i`'s fold when it is one char (most are): pushed without copying a string.
    one: [Option<char>; 256],
    folded: String,
}

impl CharPage {
    fn new(page: u32) -> Self {
        let mut p = CharPage {
            class: [CharClass::Slow; 256],
            at: [0; 256],
            len: [u8::MAX; 256],
            one: [None; 256],
            folded: String::new(),
        };
        let mut decomposed: Vec<char> = Vec::new();
        for i in 0..256 {
            // Surrogates are no chars: never looked up.
            let Some(c) = char::from_u32(page << 8 | i as u32) else {
                continue;
            };
            p.class[i] = CharClass::of(c);
            let from = p.folded.len();
            if is_ideograph(c) {
                // Their own fold (a test checks the blocks): most of a Chinese page's chars.
                p.folded.push(c);
                p.at[i] = u16::try_from(from).unwrap_or(u16::MAX);
                p.len[i] = 3;
                p.one[i] = Some(c);
                continue;
            }
            decomposed.clear();
            decomposed.extend(std::iter::once(c).nfkd());
            // A char folds on its own when its decomposition holds nothing that canonical
            // ordering could move past a neighbour's marks, accents aside (dropped anyway).
            let alone = decomposed.iter().all(|&d| {
                is_accent(d) || unicode_normalization::char::canonical_combining_class(d) == 0
            });
            fold_chars(decomposed.iter().copied(), &mut p.folded);
            if let (true, Ok(at), Ok(len)) = (
                alone,
                u16::try_from(from),
                u8::try_from(p.folded.len() - from),
            ) {
                if len < u8::MAX {
                    p.at[i] = at;
                    p.len[i] = len;
                    let mut chars = p.folded[from..].chars();
                    if let (Some(one), None) = (chars.next(), chars.next()) {
                        p.one[i] = Some(one);
                    }
                    continue;
                }
            }
            p.folded.truncate(from);
        }
        p
    }

    /// The fold of the page's char `i`, when it folds on its own.
    #[inline]
    fn fold(&self, i: usize) -> Option<&str> {
        let len = self.len[i];
        (len != u8::MAX).then(|| {
            let at = usize::from(self.at[i]);
            &self.folded[at..at + usize::from(len)]
        })
    }
}

/// The page of `c` and its index there, for chars of the Basic Multilingual Plane; each
/// page is computed on its first use (a page costs ~100k instructions, and a language
/// uses a few).
#[inline]
fn char_info(c: char) -> Option<(&'static CharPage, usize)> {
    static PAGES: [std::sync::OnceLock<Box<CharPage>>; 256] =
        [const { std::sync::OnceLock::new() }; 256];
    let u = c as u32;
    let page = PAGES.get((u >> 8) as usize)?;
    Some((
        page.get_or_init(|| Box::new(CharPage::new(u >> 8))),
        (u & 0xFF) as usize,
    ))
}

/// [`CharClass::of`] `c`, through the tables for the Basic Multilingual Plane.
#[inline]
pub(crate) fn char_class(c: char) -> CharClass {
    match char_info(c) {
        Some((page, i)) => page.class[i],
        None => CharClass::of(c),
    }
}

/// Chars of the alphabetic scripts (Latin, Greek, Cyrillic, Armenian), punctuation and symbols,
/// for which UAX #29 followed by the cut at non-word chars gives exactly the maximal runs of
/// alphanumerics and marks.
fn is_simple(c: char) -> bool {
    // Numbers other than digits (², ½, Ⅻ) are words of their own in UAX #29: general path.
    c.is_ascii() || (matches!(c as u32, 0x80..=0x058F | 0x1E00..=0x2BFF) && !c.is_numeric())
}

/// `c.is_numeric()`, without the Unicode table lookup for the blocks of most page text that
/// hold no number (Latin, Greek, Cyrillic, kana, CJK ideographs, Hangul syllables): the
/// detectors ask it of every char of many short lines.
#[inline]
pub(crate) fn is_numeric(c: char) -> bool {
    match c as u32 {
        0x30..=0x39 => true,
        0..=0xB1 | 0xB4..=0xB8 | 0xBA | 0xBB | 0xBF..=0x4FF => false,
        0x3040..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 => false,
        _ => c.is_numeric(),
    }
}

/// True when every char of `word` is numeric: ASCII words byte by byte (their only numbers
/// are digits), the rest by chars through [`is_numeric`]. Chrome's and the site keys' test of
/// a word that is a number.
pub(crate) fn is_number(word: &str) -> bool {
    for b in word.bytes() {
        if !b.is_ascii() {
            return word.chars().all(is_numeric);
        }
        if !b.is_ascii_digit() {
            return false;
        }
    }
    true
}

/// Chars the fast path handles: [`is_simple`] ones, the char-token scripts, CJK punctuation
/// and full-width forms (non-digit numbers excluded, as in [`is_simple`]).
pub(crate) fn is_fast(c: char) -> bool {
    is_simple(c)
        || (is_char_token(c) && !c.is_numeric())
        // CJK punctuation (its letter-like marks, such as 〱, have UAX #29 classes of their own)
        || (matches!(c as u32, 0x3000..=0x303F) && !c.is_alphanumeric())
        || (matches!(c as u32, 0xFF00..=0xFFEF) && !c.is_numeric())
}

/// The token state machine shared by both paths: maximal runs of alphanumerics and marks,
/// char-token scripts one char (and its marks) a token, anything else a separator.
#[derive(Default)]
struct Scanner {
    /// Start of the token being read, and whether it is a single-char token.
    cur: Option<(usize, bool)>,
}

impl Scanner {
    #[inline]
    fn feed(&mut self, at: usize, c: char, f: &mut impl FnMut(usize, usize)) {
        let word_char = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else if is_mark(c) {
            // Marks extend the token before them; a stray mark is not one.
            return;
        } else if is_char_token(c) && c.is_alphanumeric() {
            if let Some((s, _)) = self.cur {
                f(s, at);
            }
            self.cur = Some((at, true));
            return;
        } else {
            c.is_alphanumeric()
        };
        match (word_char, self.cur) {
            (true, Some((s, true))) => {
                f(s, at);
                self.cur = Some((at, false));
            }
            (true, None) => self.cur = Some((at, false)),
            (false, Some((s, _))) => {
                f(s, at);
                self.cur = None;
            }
            (true, Some((_, false))) | (false, None) => {}
        }
    }

    #[inline]
    fn finish(&mut self, end: usize, f: &mut impl FnMut(usize, usize)) {
        if let Some((s, _)) = self.cur.take() {
            f(s, end);
        }
    }
}

/// The fast path, for text of [`is_fast`] chars, where it equals the general path (a property
/// test holds them together). Returns false, having emitted part of the tokens, on the first
/// char it does not handle.
fn fast_words(text: &str, mut f: impl FnMut(usize, usize)) -> bool {
    let mut scanner = Scanner::default();
    for (i, c) in text.char_indices() {
        if !c.is_ascii() && !is_fast(c) {
            return false;
        }
        scanner.feed(i, c, &mut f);
    }
    scanner.finish(text.len(), &mut f);
    true
}

/// Appends the words of `text` to `out` as byte ranges.
fn words_into(text: &str, out: &mut Vec<(usize, usize)>) {
    if text.is_ascii() {
        ascii_words(text, |s, e| out.push((s, e)));
        return;
    }
    let first = out.len();
    if !fast_words(text, |s, e| out.push((s, e))) {
        // A char the fast path does not know: start again on the general path.
        out.truncate(first);
        uax29_words(text, |s, e| out.push((s, e)));
    }
}

/// Splits `text` into tokens, calling `f(start, end)` with byte offsets for each.
fn for_each_word(text: &str, mut f: impl FnMut(usize, usize)) {
    let mut spans = Vec::new();
    words_into(text, &mut spans);
    for (s, e) in spans {
        f(s, e);
    }
}

fn ascii_words(text: &str, mut f: impl FnMut(usize, usize)) {
    let bytes = text.as_bytes();
    {
        // Fast path: maximal runs of ASCII alphanumerics, which is what the general path gives
        // for ASCII input.
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphanumeric() {
                let s = i;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                f(s, i);
            } else {
                i += 1;
            }
        }
    }
}

/// The general path: UAX #29 words, cut at non-word chars, char tokens split out.
fn uax29_words(text: &str, mut f: impl FnMut(usize, usize)) {
    for (base, word) in text.unicode_word_indices() {
        let mut scanner = Scanner::default();
        for (i, c) in word.char_indices() {
            scanner.feed(base + i, c, &mut f);
        }
        scanner.finish(base + word.len(), &mut f);
    }
}

/// Reusable tokenizer: holds the seed and a scratch buffer.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    seed: u64,
    buf: String,
    spans: Vec<(usize, usize)>,
    masks: scan::Masks,
}

impl Tokenizer {
    /// A tokenizer hashing folded words with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            buf: String::with_capacity(64),
            spans: Vec::with_capacity(256),
            masks: scan::Masks::default(),
        }
    }

    /// Appends the tokens of `text` to `out`; offsets are shifted by `offset`.
    pub fn tokenize_into(&mut self, text: &str, offset: usize, out: &mut Vec<Token>) {
        self.masks.compute(text.as_bytes());
        self.tokenize_range(text, (0, text.len()), offset, out);
    }

    /// Appends the tokens of each of `ranges` of `text` to `out`, offsets in `text`, and
    /// calls `done(token_count)` after each: one pass over the text for the
    /// scanner's masks, then one scan a range. The ranges stand at word edges (a page's
    /// lines, trimmed); each gets the tokens [`tokenize_into`](Self::tokenize_into) gives it.
    pub(crate) fn tokenize_ranges(
        &mut self,
        text: &str,
        ranges: impl Iterator<Item = (usize, usize)>,
        out: &mut Vec<Token>,
        mut done: impl FnMut(usize),
    ) {
        self.masks.compute(text.as_bytes());
        for range in ranges {
            self.tokenize_range(text, range, 0, out);
            done(out.len());
        }
    }

    /// The tokens of `text[start..end]`, whose masks are computed, offsets shifted by `offset`.
    fn tokenize_range(
        &mut self,
        text: &str,
        (start, end): (usize, usize),
        offset: usize,
        out: &mut Vec<Token>,
    ) {
        let first = out.len();
        // One pass over the text, hashing each word as it ends; a char the scanner does not
        // handle sends the range to the word-by-word path.
        let mut emit = |s, e, hash| {
            out.push(Token {
                start: offset + s,
                end: offset + e,
                hash,
            });
        };
        if scan::scan(
            text,
            (start, end),
            &self.masks,
            self.seed,
            &mut self.buf,
            &mut emit,
        )
        .is_ok()
        {
            return;
        }
        out.truncate(first);
        self.tokenize_words(&text[start..end], offset + start, out);
    }

    /// [`tokenize_into`](Self::tokenize_into) word by word: the words' byte ranges first, then
    /// each folded and hashed.
    pub(crate) fn tokenize_words(&mut self, text: &str, offset: usize, out: &mut Vec<Token>) {
        let seed = self.seed;
        let buf = &mut self.buf;
        self.spans.clear();
        words_into(text, &mut self.spans);
        out.reserve(self.spans.len());
        for &(s, e) in &self.spans {
            let word = &text[s..e];
            // Lower-case ASCII words are their own folded form: hash them in place.
            let hash = if word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                xxh3_64_with_seed(word.as_bytes(), seed)
            } else {
                buf.clear();
                fold_word(word, buf);
                xxh3_64_with_seed(buf.as_bytes(), seed)
            };
            out.push(Token {
                start: offset + s,
                end: offset + e,
                hash,
            });
        }
    }

    /// The tokens of `text`.
    #[must_use]
    pub fn tokenize(&mut self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.tokenize_into(text, 0, &mut out);
        out
    }
}

/// The words of `text` as byte ranges, before folding.
#[must_use]
pub fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for_each_word(text, |s, e| out.push((s, e)));
    out
}

/// The normalised form of `text`: its folded words joined by single spaces.
///
/// Used for matching only (exact block identity, fuzzy ratios); never for output.
///
/// # Example
/// ```
/// use chaffless::normalize::normalize;
/// assert_eq!(normalize("  Les États-Unis, l'Irak… "), "les etats unis l irak");
/// assert_eq!(normalize("東京タワー"), "東 京 タ ワ ー");
/// ```
#[must_use]
pub fn normalize(text: &str) -> String {
    let mut out = fold_words(text);
    // Folding can make what segmentation splits: compatibility forms holding punctuation
    // ("⒖" → "15."), Hangul syllables decomposed into jamo (one token each). Folding again
    // settles them, so `normalize(normalize(x)) == normalize(x)` (found by fuzzing).
    for _ in 0..4 {
        if out.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
            break;
        }
        let again = fold_words(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// The folded words of `text` joined by single spaces: one pass of [`normalize`].
fn fold_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for_each_word(text, |s, e| {
        if !out.is_empty() {
            out.push(' ');
        }
        fold_word(&text[s..e], &mut out);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_folds_to_its_lower_case_in_the_tables() {
        let (page, _) = char_info('a').unwrap();
        for b in 0..0x80u8 {
            let c = char::from(b);
            let lower = c.to_ascii_lowercase().to_string();
            assert_eq!(page.fold(usize::from(b)), Some(lower.as_str()), "{c:?}");
            assert_eq!(
                page.one[usize::from(b)],
                Some(c.to_ascii_lowercase()),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_single_char_fold_is_the_folded_string() {
        for u in (0x80..0x1_0000u32).step_by(7) {
            let Some(c) = char::from_u32(u) else { continue };
            let (page, i) = char_info(c).unwrap();
            if let Some(one) = page.one[i] {
                assert_eq!(page.fold(i), Some(one.to_string().as_str()), "{c:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn is_number_is_all_chars_numeric(word in "[a-z0-9é٣²½漢]{0,8}") {
            proptest::prop_assert_eq!(is_number(&word), word.chars().all(char::is_numeric));
        }
    }

    #[test]
    fn is_numeric_is_the_unicode_predicate_for_every_char() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(is_numeric(c), c.is_numeric(), "{c:?}");
        }
    }

    fn toks(text: &str) -> Vec<&str> {
        words(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn word_table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("Hello, world!", &["Hello", "world"]),
            ("l'offensive", &["l", "offensive"]),
            ("l’offensive à Mossoul", &["l", "offensive", "à", "Mossoul"]),
            (
                "U.S. 3.14 status_code",
                &["U", "S", "3", "14", "status", "code"],
            ),
            ("東京タワー", &["東", "京", "タ", "ワ", "ー"]),
            ("abc東京", &["abc", "東", "京"]),
            ("ภาษาไทย", &["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]),
            ("emoji 😀 ok", &["emoji", "ok"]),
            ("Комментарии (3)", &["Комментарии", "3"]),
        ];
        for (text, want) in cases {
            assert_eq!(toks(text), *want, "text {text:?}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(normalize("États-Unis"), normalize("Etats-Unis"));
        assert_eq!(normalize("STRASSE"), normalize("straße"));
        assert_eq!(normalize("ﬁnal ＡＢＣ"), "final abc");
        assert_eq!(normalize("Ὀδυσσεύς"), normalize("ΟΔΥΣΣΕΥΣ"));
    }

    fn collect(f: impl Fn(&str, &mut dyn FnMut(usize, usize)), text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        f(text, &mut |s, e| out.push((s, e)));
        out
    }

    proptest::proptest! {
        // The fast paths give exactly the tokens of the general (UAX #29) path.
        #[test]
        fn ascii_path_is_the_general_path(text in "[ -~\t\n]{0,80}") {
            let fast = collect(|t, f| ascii_words(t, f), &text);
            let general = collect(|t, f| uax29_words(t, f), &text);
            proptest::prop_assert_eq!(fast, general);
        }

        #[test]
        fn simple_path_is_the_general_path(
            text in "[ -~\u{a0}-\u{24f}\u{300}-\u{36f}\u{391}-\u{3c9}\u{400}-\u{45f}\u{2010}-\u{2027}\u{20ac}]{0,60}"
        ) {
            let text: String = text.chars().map(|c| if is_fast(c) { c } else { ' ' }).collect();
            let fast = collect(|t, f| { fast_words(t, f); }, &text);
            let general = collect(|t, f| uax29_words(t, f), &text);
            proptest::prop_assert_eq!(fast, general);
        }

        #[test]
        fn cjk_path_is_the_general_path(
            text in "[ -~\u{e00}-\u{e7f}\u{3000}-\u{30ff}\u{4e00}-\u{4e40}\u{ac00}-\u{ac40}\u{ff00}-\u{ffef}\u{300}-\u{302}é]{0,40}"
        ) {
            let text: String = text.chars().map(|c| if is_fast(c) { c } else { ' ' }).collect();
            let fast = collect(|t, f| { fast_words(t, f); }, &text);
            let general = collect(|t, f| uax29_words(t, f), &text);
            proptest::prop_assert_eq!(fast, general);
        }

        /// The one-pass scanner gives the word-by-word path's tokens, offsets included.
        #[test]
        fn scanned_tokens_are_the_word_path_s(
            text in "[ -~\t\n\u{a0}-\u{24f}\u{300}-\u{36f}\u{391}-\u{3c9}\u{400}-\u{45f}\u{e00}-\u{e7f}\u{2010}-\u{2027}\u{3000}-\u{30ff}\u{4e00}-\u{4e40}\u{ff00}-\u{ffef}\u{bd}\u{600}-\u{6ff}]{0,60}",
            long in "[A-Za-z]{30,40}",
        ) {
            let text = format!("{text} {long}");
            let (mut got, mut want) = (Vec::new(), Vec::new());
            Tokenizer::new(7).tokenize_into(&text, 3, &mut got);
            Tokenizer::new(7).tokenize_words(&text, 3, &mut want);
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn char_tables_are_the_general_fold(
            word in "[\u{41}-\u{24f}\u{300}-\u{36f}\u{370}-\u{52f}\u{591}-\u{5ff}\u{900}-\u{97f}\u{e00}-\u{e7f}\u{1e00}-\u{1fff}\u{2000}-\u{2bff}\u{3000}-\u{30ff}\u{3130}-\u{33ff}\u{4e00}-\u{4e40}\u{ac00}-\u{ac40}\u{f900}-\u{fb4f}\u{fe00}-\u{ffef}]{1,12}"
        ) {
            let mut fast = String::new();
            fold_word(&word, &mut fast);
            let mut general = String::new();
            fold_chars(word.nfkd(), &mut general);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn ideographs_are_their_own_fold() {
        for c in (0x3400..=0x9FFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_ideograph(c))
        {
            let mut general = String::new();
            fold_chars(std::iter::once(c).nfkd(), &mut general);
            assert_eq!(general, c.to_string(), "{c:?}");
        }
    }

    #[test]
    fn hashes_are_stable() {
        // Fixed values: a change here changes every saved signature and model.
        let t = Tokenizer::new(0).tokenize("Hello");
        assert_eq!(t[0].hash, xxh3_64_with_seed(b"hello", 0));
        assert_eq!(Tokenizer::new(0).tokenize("HELLO"), t);
    }
}
