//! The `comment` detector on our fixture pages: comment sections in many languages are removed
//! whole, and articles that talk about comments or quote their readers are left alone.

use std::path::Path;

use chaffless::{Cleaner, CleanerConfig, Label};

use crate::labels::{check, read_dir, LabelledPage, Tally};

fn pages() -> Vec<LabelledPage> {
    read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages"))
}

fn has(page: &LabelledPage, label: Label) -> bool {
    page.lines.iter().any(|(l, _)| *l == label)
}

/// The comment detector with the others; chrome is off where a test checks that comment
/// detection leaves article text alone (synthetic pages have no real article around them).
fn cleaner() -> Cleaner {
    Cleaner::new(CleanerConfig::default()).unwrap()
}

fn without_chrome() -> Cleaner {
    let mut config = CleanerConfig::default();
    config.chrome.enabled = false;
    Cleaner::new(config).unwrap()
}

#[test]
fn comment_sections_removed_in_every_language() {
    let cleaner = cleaner();
    let pages = pages();
    let with_comments: Vec<&LabelledPage> =
        pages.iter().filter(|p| has(p, Label::Comment)).collect();
    for lang in ["en", "fr", "de", "es", "ru"] {
        assert!(
            with_comments.iter().any(|p| p.id.starts_with(lang)),
            "no fixture page with comments in {lang}"
        );
    }
    assert!(
        with_comments
            .iter()
            .any(|p| p.id.starts_with("zh") || p.id.starts_with("ja")),
        "no fixture page with comments in zh or ja"
    );
    let mut failures = Vec::new();
    for page in &with_comments {
        let mut tally = Tally::default();
        failures.extend(check(&cleaner, page, &mut tally));
        let kept = tally.kept.get(&Label::Comment).copied().unwrap_or(0);
        let removed = tally.removed.get(&Label::Comment).copied().unwrap_or(0);
        if kept > 0 || removed == 0 {
            failures.push(format!(
                "{}: {removed} comment lines removed, {kept} kept",
                page.id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_preview_and_the_full_list_are_both_removed() {
    // The same comment shown twice: once under the header, once in the bulleted full list.
    let cleaner = cleaner();
    let pages = pages();
    let page = pages
        .iter()
        .find(|p| {
            let comments: Vec<&str> = p
                .lines
                .iter()
                .filter(|(l, _)| *l == Label::Comment)
                .map(|(_, t)| t.trim().trim_start_matches('•').trim())
                .collect();
            comments
                .iter()
                .enumerate()
                .any(|(i, a)| a.len() > 40 && comments[i + 1..].contains(a))
        })
        .expect("a fixture page shows the same comment twice");
    let out = cleaner.clean(&page.text).text;
    for (label, line) in &page.lines {
        if *label == Label::Comment && !line.trim().is_empty() {
            assert!(!out.contains(line.trim()), "{}: kept {line:?}", page.id);
        }
    }
}

#[test]
fn articles_about_comments_get_no_comment_span() {
    let cleaner = cleaner();
    let pages = pages();
    let without: Vec<&LabelledPage> = pages.iter().filter(|p| !has(p, Label::Comment)).collect();
    assert!(
        without
            .iter()
            .filter(|p| p.text.to_lowercase().contains("comment"))
            .count()
            >= 2,
        "fixture pages that talk about comments but have no comment section are missing"
    );
    for page in without {
        let spans = cleaner.annotate(&page.text);
        let bad: Vec<&str> = spans
            .iter()
            .filter(|s| s.label == Label::Comment)
            .map(|s| &page.text[s.range()])
            .collect();
        assert!(bad.is_empty(), "{}: comment spans {bad:?}", page.id);
        let mut tally = Tally::default();
        let failures = check(&cleaner, page, &mut tally);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn comment_spans_explain_themselves() {
    let cleaner = cleaner();
    let rules = [
        "header",
        "prompt",
        "timestamp",
        "action",
        "tool",
        "author",
        "comment_text",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for page in pages() {
        for s in cleaner.annotate(&page.text) {
            if s.label != Label::Comment {
                continue;
            }
            assert_eq!(s.detector, "comment_v1");
            assert!(rules.contains(&s.rule.as_ref()), "{s:?}");
            assert!(s.evidence.contains("comment section"), "{s:?}");
            assert!((0.0..=1.0).contains(&s.score));
            assert!(page.text.is_char_boundary(s.start) && page.text.is_char_boundary(s.end));
            seen.insert(s.rule.clone());
        }
    }
    for rule in [
        "header",
        "prompt",
        "timestamp",
        "action",
        "author",
        "comment_text",
    ] {
        assert!(seen.contains(rule), "no fixture exercises rule {rule}");
    }
}

#[test]
fn cleaning_fixture_pages_is_idempotent() {
    let cleaner = cleaner();
    for page in pages() {
        let once = cleaner.clean(&page.text).text;
        assert_eq!(cleaner.clean(&once).text, once, "{}", page.id);
    }
}

#[test]
fn the_detector_can_be_switched_off() {
    let mut config = CleanerConfig::default();
    config.comment.enabled = false;
    let cleaner = Cleaner::new(config).unwrap();
    for page in pages() {
        assert!(cleaner
            .annotate(&page.text)
            .iter()
            .all(|s| s.label != Label::Comment));
    }
}

#[test]
fn a_long_page_of_comment_cues_is_linear_enough() {
    // Thousands of headers, timestamps and reply lines: must finish promptly.
    let unit = "Comments (3)\nJane · October 25, 2016 at 10:29 pm\nThis is a comment text, a sentence.\nReply\n";
    let page = unit.repeat(5_000);
    let result = cleaner().clean(&page);
    assert!(result.text.is_empty(), "every line is comment structure");
    let mixed: String = (0..5_000)
        .map(|i| format!("Comments\nParagraph {i} of an article that is long enough to be text.\n"))
        .collect();
    assert_eq!(without_chrome().clean(&mixed).text, mixed);
}

/// Lines to build pages from: comment cues in several languages mixed with article text, so
/// that sections start, grow, stop and merge in every order.
const PIECES: &[&str] = &[
    "3 comments",
    "Commentaires (2)",
    "评论",
    "Leave a Reply",
    "Pour participer aux discussions, identifiez-vous",
    "Reply",
    "12 likes",
    "Antworten · Melden",
    "Jane Doe",
    "M.V.",
    "October 25, 2016 at 10:29 pm",
    "22 h 29, le 25 octobre 2016",
    "vor 2 Stunden",
    "3天前",
    "By John Smith, March 3, 2016",
    "Great article, thanks for writing it.",
    "  • Indented comment text that reads like a sentence.",
    "The council approved the new budget on Tuesday after a long debate over school funding.",
    "The minister's comments drew criticism.",
    "Harbour closes for three days",
    "Back to top",
    "Related posts",
    "Share",
    "Edit",
];

fn cue_page() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let sep = prop_oneof![Just("\n"), Just("\n\n"), Just("\r\n")];
    prop::collection::vec((0..PIECES.len(), sep), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(i, s)| format!("{}{s}", PIECES[i]))
            .collect()
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

    #[test]
    fn comment_cue_pages_clean_idempotently(text in cue_page()) {
        let c = cleaner();
        let result = c.clean(&text);
        let mut prev = 0;
        for s in &result.spans {
            proptest::prop_assert!(prev <= s.start && s.start < s.end && s.end <= text.len());
            proptest::prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            prev = s.end;
        }
        let once = result.text;
        proptest::prop_assert_eq!(c.clean(&once).text, once);
    }
}
