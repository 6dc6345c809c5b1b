//! The real pages in `../shared/data/seeds` (beside the checkout): skipped when absent.

use std::path::PathBuf;

use chaffless::{Cleaner, CleanerConfig};

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
