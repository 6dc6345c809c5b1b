//! Seeded MinHash signatures over the engine's shingles.
//!
//! # Shingles
//!
//! A document is the set of its shingles, hashed to `u64`:
//!
//! - **word** k-grams (the default, `ngram = 5`): the [tokenizer](crate::normalize)'s folded
//!   words (case, accents, Unicode compatibility forms and punctuation folded), `k` at a time,
//!   hashed by [`shingle_hashes`] with the signature seed;
//! - **char** n-grams: the chars of those folded words (spaces between words dropped), `n` at a
//!   time; for scripts written without spaces;
//! - **auto**: char n-grams for a document whose tokens are mostly chars of CJK, kana, hangul,
//!   Thai, Lao, Khmer or Myanmar
//!   ([`is_char_token`](crate::normalize::is_char_token)), word k-grams otherwise.
//!
//! - **whitespace**: word k-grams of `text.lower().split()` tokens (Python's whitespace:
//!   Unicode white space and the ASCII separators `\x1c`..`\x1f`; lower-cased, nothing else
//!   folded), as the usual datasketch and rensa recipes shingle: to compare with them, or
//!   with data labelled that way.
//!
//! A document with fewer than `k` tokens is one shingle (all its tokens); an empty document has
//! no shingle and an empty signature (every slot [`EMPTY`]).
//!
//! Each word is hashed from its folded bytes (words of up to 16 bytes read as two `u64`s and
//! mixed with `splitmix64`, longer ones with `xxh3`), and each window of `k` word hashes by a
//! rolling polynomial ([`shingle_hashes`]): per token, a few multiplications.
//!
//! # Sketch: one-permutation hashing with optimal densification
//!
//! Classic MinHash applies `num_perm` independent hash functions to every shingle: 128 hashes
//! per shingle, the cost that makes it slow. chaffless uses **one-permutation hashing** (Li,
//! Owen and Zhang, 2012) with **optimal densification** (Shrivastava, 2017), which has the same
//! estimator — the share of equal slots of two signatures estimates their Jaccard similarity —
//! at one hash per shingle:
//!
//! 1. Each shingle's 64-bit hash `h` (already seeded) picks a bin from its high 32 bits
//!    (`bin = (h >> 32) * num_perm >> 32`) and competes in that bin with its low 32 bits; each
//!    bin keeps the smallest value. This is a MinHash per bin of a random partition of the
//!    shingle universe: for two documents, a bin holds the same value exactly when the
//!    smallest shingle of the union in that bin is shared, i.e. with probability J.
//! 2. Bins no shingle fell in (documents with fewer shingles than `~num_perm · ln num_perm`)
//!    are filled by **optimal densification**: empty bin `i` borrows the value of bin
//!    `j = g(i, 1), g(i, 2), ...` (a seeded hash of the bin and the attempt), the first one that
//!    is not empty. Both documents follow the same sequence for bin `i`, so borrowed slots agree
//!    with probability J too, and borrowed values are spread evenly over the filled bins (the
//!    variance of the older "borrow from the next bin to the right" rule is gone).
//!
//! For documents with many shingles this is sampling without replacement and its estimate is
//! at least as accurate as `num_perm` independent permutations; for very short documents the
//! variance is somewhat higher (a property test bounds the error; the README compares recall
//! with datasketch). Slots are `u32` (a 2^-32 chance that two different minima collide),
//! so a 128-slot signature is 512 bytes.
//!
//! Signatures depend only on the text and the configuration (no per-process randomness, no
//! floating point, little-endian hashing), so they are identical across processes, platforms
//! and thread counts, and can be stored and compared later.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::config::check_range;
use crate::error::Result;
use crate::normalize::{fold_word, Token, Tokenizer};
use crate::shingle::MAX_SHINGLE;

mod fast;

/// The value of a signature slot that no shingle reached (only in empty documents).
pub const EMPTY: u32 = u32::MAX;

/// The most slots a signature may have.
pub const MAX_PERM: usize = 8192;

/// The seed of the word hashes underneath the shingles (the signature seed is applied to the
/// shingle hashes, so one tokenisation serves every seed).
const TOKEN_SEED: u64 = 0;

/// How documents are cut into shingles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShingleKind {
    /// Char n-grams for documents mostly in scripts written without spaces (CJK, Thai, ...),
    /// word k-grams otherwise. The default.
    #[default]
    Auto,
    /// Word k-grams of the folded words.
    Word,
    /// Char n-grams of the folded words, spaces dropped.
    Char,
    /// Word k-grams of whitespace-separated, lower-cased tokens, punctuation and accents
    /// kept: the shingles of the usual datasketch / rensa recipes (`text.lower().split()`),
    /// for comparing with them or with data labelled that way.
    Whitespace,
}

impl ShingleKind {
    /// The name used in configurations: `"auto"`, `"word"` or `"char"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Word => "word",
            Self::Char => "char",
            Self::Whitespace => "whitespace",
        }
    }
}

/// Settings of MinHash signatures.
///
/// Two signatures can be compared only when they were made with equal settings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MinHashConfig {
    /// Slots per signature (the "permutations"). Default 128.
    pub num_perm: usize,
    /// Tokens (words or chars) per shingle. Default 5.
    pub ngram: usize,
    /// Seed of the shingle hashes: signatures with different seeds are unrelated. Default 0.
    pub seed: u64,
    /// Word or char shingles, or chosen per document. Default [`ShingleKind::Auto`].
    pub shingle: ShingleKind,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        Self {
            num_perm: 128,
            ngram: 5,
            seed: 0,
            shingle: ShingleKind::Auto,
        }
    }
}

impl MinHashConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        check_range("num_perm", self.num_perm, 1, MAX_PERM)?;
        check_range("ngram", self.ngram, 1, MAX_SHINGLE)
    }
}

/// What the deduplicator needs to know of one document, computed in one pass over its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sketch {
    /// The MinHash signature (`num_perm` slots).
    pub signature: Vec<u32>,
    /// 128-bit hash of the normalised text (the folded word sequence): equal for exact
    /// duplicates, and (up to hash collisions) only for them.
    pub exact: u128,
    /// Number of shingles (with repeats).
    pub shingles: usize,
}

/// Scratch buffers reused across documents (one per thread).
#[derive(Clone, Debug)]
pub struct Scratch {
    tokenizer: Tokenizer,
    tokens: Vec<Token>,
    hashes: Vec<u64>,
    shingles: Vec<u64>,
    fold: String,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            tokenizer: Tokenizer::new(TOKEN_SEED),
            tokens: Vec::new(),
            hashes: Vec::new(),
            shingles: Vec::new(),
            fold: String::new(),
        }
    }
}

/// Makes MinHash signatures with one validated [`MinHashConfig`].
///
/// # Example
/// ```
/// use chaffless::minhash::{MinHasher, MinHashConfig, similarity};
///
/// let hasher = MinHasher::new(MinHashConfig::default())?;
/// let a = hasher.signature("the quick brown fox jumps over the lazy dog near the river bank");
/// let b = hasher.signature("The quick brown fox jumps over the lazy dog near the river bank!");
/// assert_eq!(a.len(), 128);
/// assert_eq!(a, b); // same folded words
/// let c = hasher.signature("the quick brown fox jumps over the lazy cat near the river bank");
/// assert!(similarity(&a, &c) < 1.0);
/// # Ok::<(), chaffless::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MinHasher {
    config: MinHashConfig,
}

impl MinHasher {
    /// Validates `config`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the first bad field.
    pub fn new(config: MinHashConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &MinHashConfig {
        &self.config
    }

    /// Fills `scratch.hashes` with the token sequence of `text` (word hashes, or chars of the
    /// folded words) and returns the 128-bit hash of the normalised text.
    fn tokens(&self, text: &str, scratch: &mut Scratch) -> u128 {
        let Scratch {
            tokenizer,
            tokens,
            hashes,
            fold,
            ..
        } = scratch;
        tokens.clear();
        hashes.clear();
        if self.config.shingle == ShingleKind::Whitespace {
            fast::whitespace_hashes(text, hashes, fold);
            return exact_hash(hashes);
        }
        let char_tokens = fast::token_hashes(text, hashes, fold, tokenizer, tokens);
        let exact = exact_hash(hashes);
        let chars = match self.config.shingle {
            ShingleKind::Word | ShingleKind::Whitespace => false,
            ShingleKind::Char => true,
            ShingleKind::Auto => char_tokens * 2 > hashes.len(),
        };
        if chars {
            // `tokens` may hold only the stretches the scanner passed on.
            tokens.clear();
            tokenizer.tokenize_into(text, 0, tokens);
            hashes.clear();
            for t in tokens.iter() {
                fold.clear();
                fold_word(&text[t.start..t.end], fold);
                hashes.extend(fold.chars().map(|c| u64::from(u32::from(c))));
            }
        }
        exact
    }

    /// Fills `scratch.shingles` with the shingle hashes of `text` (with repeats, in order)
    /// and returns the exact-duplicate hash.
    fn shingles(&self, text: &str, scratch: &mut Scratch) -> u128 {
        let exact = self.tokens(text, scratch);
        let Scratch {
            hashes, shingles, ..
        } = scratch;
        shingles.clear();
        shingle_hashes(hashes, self.config.ngram, self.config.seed, shingles);
        exact
    }

    /// The sorted, deduplicated shingle hashes of `text`: the set exact Jaccard is computed on.
    #[must_use]
    pub fn shingle_set(&self, text: &str) -> Vec<u64> {
        let mut scratch = Scratch::default();
        self.shingle_set_with(text, &mut scratch)
    }

    /// [`shingle_set`](Self::shingle_set) with reused buffers.
    pub fn shingle_set_with(&self, text: &str, scratch: &mut Scratch) -> Vec<u64> {
        self.shingles(text, scratch);
        let mut set = scratch.shingles.clone();
        set.sort_unstable();
        set.dedup();
        set
    }

    /// The signature, exact-duplicate hash and shingle count of `text`.
    #[must_use]
    pub fn sketch(&self, text: &str) -> Sketch {
        self.sketch_with(text, &mut Scratch::default())
    }

    /// [`sketch`](Self::sketch) with reused buffers.
    pub fn sketch_with(&self, text: &str, scratch: &mut Scratch) -> Sketch {
        let mut signature = vec![EMPTY; self.config.num_perm];
        let (exact, shingles) = self.sketch_into(text, scratch, &mut signature);
        Sketch {
            signature,
            exact,
            shingles,
        }
    }

    /// Writes the signature of `text` into `out` (`num_perm` slots); returns the
    /// exact-duplicate hash and the shingle count.
    ///
    /// # Panics
    /// If `out.len()` is not `num_perm`.
    pub fn sketch_into(&self, text: &str, scratch: &mut Scratch, out: &mut [u32]) -> (u128, usize) {
        assert_eq!(out.len(), self.config.num_perm, "signature length");
        let exact = self.tokens(text, scratch);
        // The shingles go straight into the bins (not through `scratch.shingles`): what
        // `one_permutation(&shingles)` gives, without storing and reading them back.
        out.fill(EMPTY);
        let (k, seed) = (self.config.ngram, self.config.seed);
        let tokens = &scratch.hashes;
        let count = match <&mut [u32; 128]>::try_from(&mut *out) {
            // The default size, as an array: the bin is the top 7 bits (what `reduce` gives
            // for 128 bins) and needs no bounds check.
            Ok(bins) => {
                let mut wide = [WIDE_EMPTY; 128];
                let count = for_each_shingle(tokens, k, seed, |h| wide_insert(&mut wide, h));
                narrow(&wide, bins);
                count
            }
            Err(_) => for_each_shingle(tokens, k, seed, |h| bin_insert(out, h)),
        };
        if count > 0 && out.contains(&EMPTY) {
            densify(seed, out);
        }
        (exact, count)
    }

    /// The signature of `text`.
    #[must_use]
    pub fn signature(&self, text: &str) -> Vec<u32> {
        self.sketch(text).signature
    }
}

/// 128-bit hash of a token sequence (its hashes' little-endian bytes).
fn exact_hash(hashes: &[u64]) -> u128 {
    #[cfg(target_endian = "little")]
    {
        xxh3_128_with_seed(bytemuck::cast_slice(hashes), 0x5eed)
    }
    #[cfg(not(target_endian = "little"))]
    {
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        xxh3_128_with_seed(&bytes, 0x5eed)
    }
}

/// The multiplier of the shingle polynomial: odd (so one changed token always changes the
/// value) and 3 mod 4 (so `POLY^m - 1` has few factors of 2: two tokens of a window swapped
/// collide with probability about 2^-60, not 2^-32).
const POLY: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// Appends the hashes of the `k`-token windows of the token hashes `tokens` to `out`, in
/// order; fewer than `k` tokens (but some) are one shingle of them all.
///
/// A window's hash is the polynomial `t[0]·P^(k-1) + ... + t[k-1]` (mod 2^64) of its token
/// hashes, finished by `mix64` with the seed. Token hashes are already random 64-bit values,
/// so distinct windows get distinct polynomials except with probability ~2^-60, and the
/// polynomial rolls: each further window costs two multiplications, where hashing its
/// `8k` bytes with xxh3 cost several times more (most of the signature's time).
///
/// # Panics
/// If `k` is 0 (configurations are validated before use).
pub fn shingle_hashes(tokens: &[u64], k: usize, seed: u64, out: &mut Vec<u64>) {
    out.reserve(tokens.len().saturating_sub(k) + 1);
    for_each_shingle(tokens, k, seed, |h| out.push(h));
}

/// Calls `f` with each of [`shingle_hashes`], in order; returns how many there were.
///
/// # Panics
/// If `k` is 0.
#[inline]
fn for_each_shingle(tokens: &[u64], k: usize, seed: u64, mut f: impl FnMut(u64)) -> usize {
    assert!(k > 0, "shingle size must be positive");
    let key = mix64(seed);
    let finish = |h: u64| mix64(h ^ key);
    let poly = |w: &[u64]| {
        w.iter()
            .fold(0u64, |h, &t| h.wrapping_mul(POLY).wrapping_add(t))
    };
    if tokens.len() < k {
        if tokens.is_empty() {
            return 0;
        }
        f(finish(poly(tokens)));
        return 1;
    }
    // P^(k-1): the weight of the token leaving the window.
    let top = (1..k).fold(1u64, |p, _| p.wrapping_mul(POLY));
    let mut h = poly(&tokens[..k]);
    f(finish(h));
    for (&old, &new) in tokens.iter().zip(&tokens[k..]) {
        h = h
            .wrapping_sub(old.wrapping_mul(top))
            .wrapping_mul(POLY)
            .wrapping_add(new);
        f(finish(h));
    }
    tokens.len() - k + 1
}

/// `splitmix64`: a fast, well-mixed 64-bit bijection.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `x * n / 2^32`: maps a 32-bit value to `0..n` without division.
#[inline]
fn reduce(x: u32, n: usize) -> usize {
    // n <= MAX_PERM, so the product fits in 64 bits and the result in usize.
    ((u64::from(x) * n as u64) >> 32) as usize
}

/// One-permutation hashing with optimal densification (see the [module docs](self)) of the
/// shingle hashes `shingles` into `out`.
pub fn one_permutation(shingles: &[u64], seed: u64, out: &mut [u32]) {
    out.fill(EMPTY);
    for &h in shingles {
        bin_insert(out, h);
    }
    if shingles.is_empty() || !out.contains(&EMPTY) {
        return;
    }
    densify(seed, out);
}

/// Lets the shingle hash `h` compete in its bin of `out`.
#[inline]
fn bin_insert(out: &mut [u32], h: u64) {
    let bin = reduce((h >> 32) as u32, out.len());
    let v = bin_value(h);
    if let Some(slot) = out.get_mut(bin) {
        // Branch-free: whether a shingle lowers its bin is a coin toss early in a document.
        *slot = (*slot).min(v);
    }
}

/// The value the shingle hash `h` competes with in its bin: its low 32 bits, except that
/// `EMPTY` marks an empty bin, so a shingle whose value would be it fills the bin with the
/// next value (a document with shingles always has a filled bin: densify needs one, or it
/// would search forever).
#[inline]
fn bin_value(h: u64) -> u32 {
    (h as u32).min(EMPTY - 1)
}

/// An empty bin of [`wide_insert`]: above every `u32`.
const WIDE_EMPTY: u64 = u64::MAX;

/// Lets the shingle hash `h` compete in its bin of 128, kept as a `u64` so that an empty bin
/// is a value no shingle has: the binning loop needs no [`bin_value`] (whose constant took a
/// register the loop is short of), which [`narrow`] applies once a bin.
#[inline]
fn wide_insert(wide: &mut [u64; 128], h: u64) {
    let slot = &mut wide[(h >> 57) as usize];
    *slot = (*slot).min(u64::from(h as u32));
}

/// The signature slots of [`wide_insert`]'s bins: `bin_value` is monotone, so that of the
/// smallest value is the smallest of theirs.
fn narrow(wide: &[u64; 128], bins: &mut [u32; 128]) {
    for (bin, &w) in bins.iter_mut().zip(wide) {
        *bin = if w == WIDE_EMPTY { EMPTY } else { bin_value(w) };
    }
}

#[cfg(test)]
mod empty_value_tests {
    use super::*;

    #[test]
    fn a_shingle_hashing_to_the_empty_value_still_fills_a_bin() {
        // The low 32 bits are `EMPTY`: before the fix, densify looped forever here.
        let mut out = vec![0u32; 16];
        one_permutation(&[0x1234_5678_0000_0000 | u64::from(EMPTY)], 7, &mut out);
        assert!(out.iter().all(|&v| v == EMPTY - 1), "{out:?}");
    }

    #[test]
    fn wide_bins_are_one_permutation() {
        // Values at the edges (`EMPTY` itself, 0) and bins that stay empty.
        let shingles = [
            0x1234_5678_0000_0000 | u64::from(EMPTY),
            0x0200_0000_0000_0005,
            0x0200_0000_0000_0003,
            0xfe00_0000_ffff_fffe,
            0x0000_0001_0000_0000,
            0xffff_ffff_ffff_ffff,
        ];
        let mut wide = [WIDE_EMPTY; 128];
        for &h in &shingles {
            wide_insert(&mut wide, h);
        }
        let mut bins = [0u32; 128];
        narrow(&wide, &mut bins);
        let mut want = vec![EMPTY; 128];
        for &h in &shingles {
            bin_insert(&mut want, h);
        }
        assert_eq!(bins.to_vec(), want);
        assert!(bins.contains(&EMPTY) && bins.contains(&(EMPTY - 1)) && bins.contains(&0));
    }
}

/// Fills the empty bins of `out` from filled ones (optimal densification).
fn densify(seed: u64, out: &mut [u32]) {
    let n = out.len();
    let filled: Vec<bool> = out.iter().map(|&v| v != EMPTY).collect();
    let base = mix64(seed ^ 0xd1b5_4a32_d192_ed03);
    for i in 0..n {
        if filled[i] {
            continue;
        }
        let mut attempt: u64 = 1;
        loop {
            let g = mix64(base ^ ((i as u64) << 32) ^ attempt);
            let j = reduce(g as u32, n);
            if filled[j] {
                out[i] = out[j];
                break;
            }
            attempt += 1;
        }
    }
}

/// Estimated Jaccard similarity of two signatures: the share of equal slots.
///
/// Signatures of different lengths are not comparable and give 0.
#[must_use]
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::jaccard_sorted;

    fn hasher(shingle: ShingleKind, ngram: usize) -> MinHasher {
        MinHasher::new(MinHashConfig {
            shingle,
            ngram,
            ..MinHashConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn config_errors_name_field_and_value() {
        let cases = [
            (
                MinHashConfig {
                    num_perm: 0,
                    ..Default::default()
                },
                "num_perm must be in [1, 8192], got 0",
            ),
            (
                MinHashConfig {
                    ngram: 33,
                    ..Default::default()
                },
                "ngram must be in [1, 32], got 33",
            ),
        ];
        for (config, msg) in cases {
            assert_eq!(MinHasher::new(config).unwrap_err().to_string(), msg);
        }
    }

    #[test]
    fn short_and_empty_documents() {
        let h = hasher(ShingleKind::Word, 5);
        let empty = h.sketch("  ,  ");
        assert_eq!(empty.shingles, 0);
        assert!(empty.signature.iter().all(|&v| v == EMPTY));
        assert_eq!(empty.exact, h.sketch("").exact);
        let short = h.sketch("two words");
        assert_eq!(short.shingles, 1);
        // Densified: every slot holds the one shingle's value.
        assert!(short.signature.iter().all(|&v| v == short.signature[0]));
        assert_ne!(short.signature, h.signature("two other words"));
    }

    #[test]
    fn stable_values() {
        // Fixed values: a change here changes every saved signature and index.
        let s = hasher(ShingleKind::Auto, 5).signature("one two three four five six seven");
        let again = hasher(ShingleKind::Auto, 5).signature("One, two; three four FIVE six seven");
        assert_eq!(s, again);
        // Pinned slots: the tokenizer, shingle hashing and densification all feed them.
        assert_eq!(
            s[..4],
            [1_642_155_314, 1_642_155_314, 820_128_649, 2_089_495_576]
        );
        let mut out = vec![0u32; 4];
        one_permutation(&[0x0000_0000_0000_0005, 0xffff_ffff_0000_0007], 0, &mut out);
        assert_eq!(out[0], 5);
        assert_eq!(out[3], 7);
        assert!(out[1] == 5 || out[1] == 7);
    }

    #[test]
    fn rolled_shingles_are_the_polynomial_of_each_window() {
        let tokens: Vec<u64> = (0..20u64).map(|i| mix64(i) ^ (i << 7)).collect();
        let direct = |w: &[u64], seed| {
            let p = w
                .iter()
                .fold(0u64, |h, &t| h.wrapping_mul(POLY).wrapping_add(t));
            mix64(p ^ mix64(seed))
        };
        for k in 1..=6 {
            let mut out = Vec::new();
            shingle_hashes(&tokens, k, 9, &mut out);
            let want: Vec<u64> = tokens.windows(k).map(|w| direct(w, 9)).collect();
            assert_eq!(out, want, "k = {k}");
        }
        let mut short = Vec::new();
        shingle_hashes(&tokens[..3], 5, 9, &mut short);
        assert_eq!(short, [direct(&tokens[..3], 9)]);
        // Order matters, and swapped tokens do not collide.
        let mut swapped = Vec::new();
        shingle_hashes(&[tokens[1], tokens[0], tokens[2]], 3, 9, &mut swapped);
        assert_ne!(swapped, [direct(&tokens[..3], 9)]);
        shingle_hashes(&[], 5, 9, &mut swapped);
        assert_eq!(swapped.len(), 1);
    }

    #[test]
    fn seeds_give_unrelated_signatures() {
        let text = "a b c d e f g h i j k l m n o p q r s t u v w x y z";
        let a = hasher(ShingleKind::Word, 3).signature(text);
        let mut config = MinHashConfig {
            ngram: 3,
            seed: 1,
            ..Default::default()
        };
        config.shingle = ShingleKind::Word;
        let b = MinHasher::new(config).unwrap().signature(text);
        assert!(similarity(&a, &b) < 0.2);
    }

    #[test]
    fn auto_uses_chars_for_cjk() {
        let text = "東京の新しい図書館は月曜日に開館し、多くの市民が訪れた。";
        let auto = hasher(ShingleKind::Auto, 3).sketch(text);
        let chars = hasher(ShingleKind::Char, 3).sketch(text);
        assert_eq!(auto, chars);
        let latin = "the library opens on monday after two years of building work";
        assert_eq!(
            hasher(ShingleKind::Auto, 3).sketch(latin),
            hasher(ShingleKind::Word, 3).sketch(latin)
        );
        assert_ne!(
            hasher(ShingleKind::Char, 3).signature(latin),
            hasher(ShingleKind::Word, 3).signature(latin)
        );
    }

    #[test]
    fn the_128_bin_path_is_one_permutation() {
        // `sketch_into` bins 128-slot signatures through an array; other sizes through
        // `bin_insert`: both are `one_permutation` of the shingles.
        let text = "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ".repeat(60)
            + &(0..700)
                .map(|i| format!("v{i}"))
                .collect::<Vec<_>>()
                .join(" ");
        for num_perm in [128, 64, 100, 256] {
            let h = MinHasher::new(MinHashConfig {
                num_perm,
                ..MinHashConfig::default()
            })
            .unwrap();
            let mut scratch = Scratch::default();
            h.shingles(&text, &mut scratch);
            let mut want = vec![0u32; num_perm];
            one_permutation(&scratch.shingles, 0, &mut want);
            assert_eq!(h.signature(&text), want, "{num_perm}");
        }
        for x in [0u32, 1, 0x0200_0000, 0x7fff_ffff, u32::MAX] {
            let h = u64::from(x) << 32;
            assert_eq!(reduce(x, 128), (h >> 57) as usize);
        }
    }

    #[test]
    fn estimate_tracks_exact_jaccard() {
        let h = hasher(ShingleKind::Word, 2);
        let words: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
        let a = words[..300].join(" ");
        let b = words[100..].join(" ");
        let exact = jaccard_sorted(&h.shingle_set(&a), &h.shingle_set(&b));
        let est = similarity(&h.signature(&a), &h.signature(&b));
        assert!((exact - 0.5).abs() < 0.01, "exact {exact}");
        assert!(
            (est - exact).abs() < 0.12,
            "estimate {est} vs exact {exact}"
        );
    }
}
