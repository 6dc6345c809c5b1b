//! Word k-shingles hashed with xxh3.
//!
//! A shingle is `k` consecutive token hashes; its hash is `xxh3_64` (seeded) of their
//! little-endian bytes, so it is identical on every platform and in every process.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The largest supported shingle size.
pub const MAX_SHINGLE: usize = 32;

/// Hashes one shingle: the token hashes `window` (at most [`MAX_SHINGLE`] of them).
#[inline]
#[must_use]
pub fn shingle_hash(window: &[u64], seed: u64) -> u64 {
    hash_tokens(&window[..window.len().min(MAX_SHINGLE)], seed)
}

/// Hashes a sequence of token hashes of any length: `xxh3_64` (seeded) of their little-endian
/// bytes. Equal sequences, and only those (up to hash collisions), get equal hashes.
#[inline]
#[must_use]
pub fn hash_tokens(window: &[u64], seed: u64) -> u64 {
    // On little-endian machines the hashes' memory is already their little-endian bytes.
    #[cfg(target_endian = "little")]
    {
        xxh3_64_with_seed(bytemuck::cast_slice(window), seed)
    }
    #[cfg(not(target_endian = "little"))]
    {
        let bytes: Vec<u8> = window.iter().flat_map(|h| h.to_le_bytes()).collect();
        xxh3_64_with_seed(&bytes, seed)
    }
}

/// Appends the hashes of every `k`-shingle of `tokens` (token hashes) to `out`.
///
/// Shingle `i` covers tokens `i..i + k`; fewer than `k` tokens give no shingle.
///
/// # Panics
/// If `k` is 0 or larger than [`MAX_SHINGLE`] (configurations are validated before use).
pub fn shingles_into(tokens: &[u64], k: usize, seed: u64, out: &mut Vec<u64>) {
    assert!(
        (1..=MAX_SHINGLE).contains(&k),
        "shingle size must be in 1..={MAX_SHINGLE}"
    );
    out.extend(tokens.windows(k).map(|w| shingle_hash(w, seed)));
}

/// The hashes of every `k`-shingle of `tokens`.
///
/// # Example
/// ```
/// let s = chaffless::shingle::shingles(&[1, 2, 3, 4], 3, 0);
/// assert_eq!(s.len(), 2);
/// assert_eq!(s[0], chaffless::shingle::shingle_hash(&[1, 2, 3], 0));
/// ```
#[must_use]
pub fn shingles(tokens: &[u64], k: usize, seed: u64) -> Vec<u64> {
    let mut out = Vec::with_capacity(tokens.len().saturating_sub(k - 1));
    shingles_into(tokens, k, seed, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_positional() {
        assert_eq!(shingle_hash(&[1, 2, 3], 7), shingle_hash(&[1, 2, 3], 7));
        assert_ne!(shingle_hash(&[1, 2, 3], 7), shingle_hash(&[3, 2, 1], 7));
        assert_ne!(shingle_hash(&[1, 2, 3], 7), shingle_hash(&[1, 2, 3], 8));
        assert!(shingles(&[1, 2], 3, 0).is_empty());
    }
}
