//! The real pages in `../shared/data/seeds` (beside the checkout): skipped when absent.

use std::path::PathBuf;

use chaffless::{Cleaner, CleanerConfig, Label};

use crate::labels::{check, check_output, read_dir, Tally};

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

/// The seed pages cleaned as one corpus, fitted on their `site`: site-a's shared chrome goes,
/// every title and body line stays, and so does no chrome line.
#[test]
fn seed_chrome_removed_when_fitted_on_sites() {
    let Some(dir) = seeds_dir() else { return };
    let pages = read_dir(&dir);
    let jsonl = std::fs::read_to_string(dir.join("seeds.jsonl")).unwrap();
    let site_of: std::collections::HashMap<String, String> = jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["site"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let texts: Vec<&str> = pages.iter().map(|p| p.text.as_str()).collect();
    let sites: Vec<Option<&str>> = pages
        .iter()
        .map(|p| site_of.get(&p.id).map(String::as_str))
        .collect();
    assert!(
        sites.iter().all(Option::is_some),
        "every seed page has a site"
    );
    let fitted = Cleaner::new(CleanerConfig::default())
        .unwrap()
        .fit(&texts, &sites)
        .unwrap();
    let mut tally = Tally::default();
    for (p, site) in pages.iter().zip(&sites) {
        let out = fitted.clean_site(&p.text, *site).text;
        let failures = check_output(&out, p, &mut tally);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
    let removed = tally.removed.get(&Label::Chrome).copied().unwrap_or(0);
    let kept = tally.kept.get(&Label::Chrome).copied().unwrap_or(0);
    assert!(
        removed >= 40 && kept == 0,
        "chrome lines removed {removed}, kept {kept}"
    );
}
