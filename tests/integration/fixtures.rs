//! Our own labelled pages in `tests/fixtures/pages/`.

use std::path::Path;

use chaffless::{Cleaner, CleanerConfig, Label};

use crate::labels::{check, read_dir, Tally};

fn pages() -> Vec<crate::labels::LabelledPage> {
    read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages"))
}

#[test]
fn every_repeat_removed_every_body_line_kept() {
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let pages = pages();
    assert!(pages.len() >= 5, "fixture pages missing");
    let mut tally = Tally::default();
    let failures: Vec<String> = pages
        .iter()
        .flat_map(|p| check(&cleaner, p, &mut tally))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn per_label_scores_stay_above_the_floor() {
    // One score over all fixtures, so fixing one page by breaking three fails.
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let mut tally = Tally::default();
    for p in pages() {
        check(&cleaner, &p, &mut tally);
    }
    let get = |m: &std::collections::HashMap<Label, usize>, l| m.get(&l).copied().unwrap_or(0);
    let content_kept = get(&tally.kept, Label::Body) + get(&tally.kept, Label::Title);
    let content =
        content_kept + get(&tally.removed, Label::Body) + get(&tally.removed, Label::Title);
    let repeat_removed = get(&tally.removed, Label::Repeat);
    let repeats = repeat_removed + get(&tally.kept, Label::Repeat);
    assert_eq!(content_kept, content, "content lines removed: {tally:?}");
    assert_eq!(repeat_removed, repeats, "repeat lines kept: {tally:?}");
    let chrome_removed = get(&tally.removed, Label::Chrome);
    let chrome = chrome_removed + get(&tally.kept, Label::Chrome);
    assert!(
        chrome_removed * 10 >= chrome * 9,
        "chrome lines kept: {tally:?}"
    );
}

#[test]
fn spans_explain_themselves() {
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    for p in pages() {
        for s in cleaner.annotate(&p.text) {
            assert!(!s.rule.is_empty() && !s.evidence.is_empty(), "{s:?}");
            if s.label != Label::Repeat {
                continue;
            }
            assert_eq!(s.detector, "repeat_v1");
            assert!(!s.rule.is_empty() && !s.evidence.is_empty(), "{s:?}");
            assert!(!s.copies.is_empty(), "a repeat names what it copies: {s:?}");
            for (a, b) in &s.copies {
                assert!(a < b && *b <= p.text.len());
                assert!(*b <= s.start || *a >= s.end, "a span cannot copy itself");
            }
        }
    }
}
