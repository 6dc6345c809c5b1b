//! The real pages in `../shared/data/seeds` (beside the checkout): skipped when absent.

use std::path::PathBuf;

use chaffless::{Cleaner, CleanerConfig, Label};

use crate::labels::{check, read_dir, Tally};

fn seeds_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/seeds");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} not found (the shared data sits beside the checkout)",
            dir.display()
        );
        None
    }
}

/// Every `repeat` and `comment` line removed, every `title`/`body` line kept.
#[test]
fn seed_pages_repeats_removed_content_kept() {
    let Some(dir) = seeds_dir() else { return };
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let pages = read_dir(&dir);
    assert_eq!(pages.len(), 5);
    let mut tally = Tally::default();
    let failures: Vec<String> = pages
        .iter()
        .flat_map(|p| check(&cleaner, p, &mut tally))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn seed_comment_sections_removed() {
    // 000: a header with a count, a preview comment, then the full list (bulleted, indented);
    // 003: a comment-login prompt on its own.
    let Some(dir) = seeds_dir() else { return };
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let pages = read_dir(&dir);
    let mut tally = Tally::default();
    for p in &pages {
        let failures = check(&cleaner, p, &mut tally);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
    let removed = tally.removed.get(&Label::Comment).copied().unwrap_or(0);
    let kept = tally.kept.get(&Label::Comment).copied().unwrap_or(0);
    assert!(removed >= 10, "seed comment lines removed: {removed}");
    assert_eq!(kept, 0, "seed comment lines kept");
    for p in &pages {
        let once = cleaner.clean(&p.text).text;
        assert_eq!(cleaner.clean(&once).text, once, "{}", p.id);
    }
}
