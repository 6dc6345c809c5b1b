//! Similarity measures: exact Jaccard on hash sets, and strsim edit ratios on normalised text.

/// Exact Jaccard similarity of two sets given as **sorted, deduplicated** slices.
///
/// Two empty sets have similarity 1.
///
/// # Example
/// ```
/// assert_eq!(chaffless::similarity::jaccard_sorted(&[1, 2, 3], &[2, 3, 4]), 0.5);
/// ```
#[must_use]
pub fn jaccard_sorted(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Exact Jaccard similarity of two multisets of hashes, as sets (duplicates ignored).
#[must_use]
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    jaccard_sorted(&a, &b)
}

/// Normalised Levenshtein similarity in [0, 1] (1 = identical), by chars.
#[must_use]
pub fn edit_ratio(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(a, b)
}

/// Normalised Levenshtein similarity in [0, 1] over token sequences (e.g. word hashes): one
/// minus the edit distance in words over the longer length. Two empty sequences give 1.
///
/// # Example
/// ```
/// assert_eq!(chaffless::similarity::token_edit_ratio(&[1, 2, 3, 4], &[1, 2, 9, 4]), 0.75);
/// ```
#[must_use]
pub fn token_edit_ratio(a: &[u64], b: &[u64]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    if a == b {
        return 1.0;
    }
    // strsim takes `&T` where `&T: IntoIterator`, which slices behind a reference are not.
    let (a, b) = (a.to_vec(), b.to_vec());
    #[allow(clippy::cast_precision_loss)]
    let r = 1.0 - strsim::generic_levenshtein(&a, &b) as f64 / longest as f64;
    r
}

/// Jaro-Winkler similarity in [0, 1], by chars: forgiving of differences near the end.
#[must_use]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_cases() {
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[1, 1, 2], &[2, 1]), 1.0);
        assert!((jaccard(&[1, 2, 3], &[3, 4]) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn ratios() {
        assert_eq!(edit_ratio("abc", "abc"), 1.0);
        assert!(edit_ratio("etats unis", "etats unis afp") > 0.7);
        assert!(jaro_winkler("abcdef", "abcxyz") > 0.5);
    }
}
