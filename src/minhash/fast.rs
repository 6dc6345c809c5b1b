//! A one-pass scanner giving exactly the tokens of [`Tokenizer`](crate::normalize::Tokenizer)'s
//! word-by-word path for the texts its fast path handles, hashing each word as it ends instead
//! of collecting byte ranges first, with ASCII runs scanned byte by byte. Property tests hold
//! it to that path. The tokenizer runs it first; the dedup scanner runs it on whole texts.
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

/// The tokenizer's token seed (see `TOKEN_SEED` in the parent module).
const SEED: u64 = super::TOKEN_SEED;

/// ASCII words up to this length that only need lower-casing are folded on the stack.
const STACK_WORD: usize = 32;

/// Where the scanner stopped at a char it does not handle (`at`): the last point before it
/// that follows ASCII whitespace (or the start), with the number of tokens emitted and of
/// single-char tokens there.
pub(crate) struct Resume {
    pos: usize,
    out_len: usize,
    singles: usize,
    at: usize,
}

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
/// the number of single-char tokens (CJK, Thai, ...), or where to resume (having emitted part
/// of the tokens) at the first char the fast path does not handle.
pub(crate) fn scan(
    text: &str,
    seed: u64,
    buf: &mut String,
    emit: &mut impl FnMut(usize, usize, u64),
) -> Result<usize, Resume> {
    let bytes = text.as_bytes();
    // Tokens emitted so far.
    let mut out_len = 0usize;
    let mut singles = 0usize;
    // The token being read: start, single-char token; and the folding it needs.
    let mut cur: Option<(usize, bool)> = None;
    let mut fold = 0u8;
    let mut resume = Resume {
        pos: 0,
        out_len: 0,
        singles: 0,
        at: 0,
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                match cur {
                    Some((s, true)) => {
                        out_len += 1;
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
                    out_len += 1;
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                }
                i += 1;
                while i < bytes.len() && bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                if bytes[i - 1].is_ascii_whitespace() {
                    resume = Resume {
                        pos: i,
                        out_len,
                        singles,
                        at: i,
                    };
                }
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if !is_fast(c) {
            return Err(Resume { at: i, ..resume });
        }
        if is_combining_mark(c) {
            // Marks extend the token before them; a stray mark is not one.
            fold = 2;
        } else if is_char_token(c) && c.is_alphanumeric() {
            if let Some((s, _)) = cur {
                out_len += 1;
                emit(s, i, word_hash(&text[s..i], fold, seed, buf));
            }
            cur = Some((i, true));
            singles += 1;
            fold = 2;
        } else if c.is_alphanumeric() {
            match cur {
                Some((s, true)) => {
                    out_len += 1;
                    emit(s, i, word_hash(&text[s..i], fold, seed, buf));
                    cur = Some((i, false));
                }
                None => cur = Some((i, false)),
                Some((_, false)) => {}
            }
            fold = 2;
        } else if let Some((s, _)) = cur.take() {
            out_len += 1;
            emit(s, i, word_hash(&text[s..i], fold, seed, buf));
        }
        i += len;
    }
    if let Some((s, _)) = cur {
        emit(s, text.len(), word_hash(&text[s..], fold, seed, buf));
    }
    Ok(singles)
}

/// Pushes the token hashes of `text` to `out`, equal to the tokenizer's; returns the number of
/// single-char tokens. Stretches the scanner does not handle go to `tokenizer`.
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
        let base = out.len();
        match scan(&text[pos..], SEED, buf, &mut |_, _, h| out.push(h)) {
            Ok(n) => return singles + n,
            Err(r) => {
                out.truncate(base + r.out_len);
                singles += r.singles;
                let (start, at) = (pos + r.pos, pos + r.at);
                let end = text[at..]
                    .bytes()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(text.len(), |e| at + e);
                let stretch = &text[start..end];
                tokens.clear();
                tokenizer.tokenize_into(stretch, 0, tokens);
                out.extend(tokens.iter().map(|t| t.hash));
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
            let fold = u8::from(word.bytes().any(|b| b.is_ascii_uppercase()));
            word_hash(word, fold, SEED, buf)
        } else {
            // `str::to_lowercase`, not per char: a final sigma depends on its context.
            *buf = word.to_lowercase();
            xxh3_64_with_seed(buf.as_bytes(), SEED)
        };
        out.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Tokenizer;

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
        let want: Vec<u64> = words
            .iter()
            .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
            .collect();
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
        fn same_hashes_as_the_tokenizer(
            text in "[ -~\u{a0}-\u{24f}\u{300}-\u{36f}\u{391}-\u{3c9}\u{400}-\u{45f}\u{e00}-\u{e7f}\u{2010}-\u{2027}\u{3000}-\u{30ff}\u{4e00}-\u{4e40}\u{ff00}-\u{ffef}\u{2460}-\u{2470}]{0,60}"
        ) {
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
