//! Property tests against simple oracles.

use chaffless::document::{byte_offsets, char_offsets};
use chaffless::normalize::{normalize, Tokenizer};
use chaffless::{Cleaner, CleanerConfig};
use proptest::prelude::*;

/// Sentences to build pages from: repeated, truncated and glued copies arise by chance.
const SENTENCES: &[&str] = &[
    "The council approved the new budget on Tuesday after a long debate over school funding.",
    "Les États-Unis et la France ont signé mardi un accord sur le climat à Paris.",
    "Die Stadtbibliothek öffnet nach zwei Jahren Umbau am Montag wieder ihre Türen.",
    "東京の新しい図書館は月曜日に開館し、多くの市民が訪れた。",
    "Share this article",
    "Read more",
    "Photo: Jane Doe / Agency",
    "A quiet morning turned into a long day for the rescue teams on the northern coast.",
    "Комментарии (3)",
    "😀 emoji, combining e\u{301} and RTL שלום עולם text",
];

fn page() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        (0..SENTENCES.len()).prop_map(|i| SENTENCES[i].to_string()),
        // A truncated copy of a sentence, cut at a char boundary, maybe with "...".
        (0..SENTENCES.len(), 0.3f64..1.0, any::<bool>()).prop_map(|(i, f, dots)| {
            let s = SENTENCES[i];
            let n = s.chars().count();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let cut: String = s.chars().take((n as f64 * f) as usize).collect();
            if dots {
                format!("{cut}...")
            } else {
                cut
            }
        }),
        "[ a-zA-Zé\u{4e00}-\u{4e10}\r\t.,!?…-]{0,40}",
        Just(String::new()),
    ];
    let sep = prop_oneof![Just("\n"), Just("\n\n"), Just("\r\n"), Just(" "), Just("")];
    prop::collection::vec((piece, sep), 0..30)
        .prop_map(|v| v.into_iter().map(|(p, s)| p + s).collect::<String>())
}

fn cleaner() -> Cleaner {
    Cleaner::new(CleanerConfig::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn blocks_tile_the_text(text in page()) {
        let blocks = chaffless::segment::blocks(&text);
        let mut prev_end = 0;
        for b in &blocks {
            prop_assert!(b.line_start >= prev_end && b.line_start <= b.start);
            prop_assert!(b.start < b.end && b.end <= b.line_end && b.line_end <= text.len());
            prop_assert!(text.is_char_boundary(b.start) && text.is_char_boundary(b.end));
            prop_assert_eq!(b.text(&text).trim(), b.text(&text));
            prev_end = b.line_end;
        }
        // Every non-whitespace char lies in a block.
        let inside: usize = blocks.iter().map(|b| {
            b.text(&text).chars().filter(|c| !c.is_whitespace()).count()
        }).sum();
        prop_assert_eq!(inside, text.chars().filter(|c| !c.is_whitespace()).count());
    }

    #[test]
    fn tokens_lie_on_char_boundaries(text in page()) {
        let tokens = Tokenizer::new(7).tokenize(&text);
        let mut prev = 0;
        for t in &tokens {
            prop_assert!(prev <= t.start && t.start < t.end && t.end <= text.len());
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prev = t.end;
        }
    }

    #[test]
    fn normalize_is_idempotent(text in page()) {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn spans_are_sorted_disjoint_and_in_bounds(text in page()) {
        let result = cleaner().clean(&text);
        let mut prev = 0;
        for s in &result.spans {
            prop_assert!(prev <= s.start && s.start < s.end && s.end <= text.len());
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            prop_assert!((0.0..=1.0).contains(&s.score));
            prev = s.end;
        }
    }

    #[test]
    fn kept_and_removed_cover_the_input(text in page()) {
        // Every non-blank line is kept whole, or removed, or kept outside the spans.
        let result = cleaner().clean(&text);
        let removed: usize = result.spans.iter()
            .map(|s| text[s.range()].chars().filter(|c| !c.is_whitespace()).count())
            .sum();
        let kept = result.text.chars().filter(|c| !c.is_whitespace()).count();
        let all = text.chars().filter(|c| !c.is_whitespace()).count();
        prop_assert_eq!(kept + removed, all);
    }

    #[test]
    fn cleaning_never_adds_text(text in page()) {
        let result = cleaner().clean(&text);
        for line in result.text.split(['\n', '\r']) {
            prop_assert!(text.contains(line.trim()), "line {:?} not in input", line);
        }
    }

    #[test]
    fn cleaning_is_idempotent(text in page()) {
        let c = cleaner();
        let once = c.clean(&text).text;
        prop_assert_eq!(c.clean(&once).text, once);
    }

    #[test]
    fn batch_equals_one_by_one(pages in prop::collection::vec(page(), 0..8)) {
        let c = cleaner();
        let batch = c.clean_batch(&pages);
        let single: Vec<_> = pages.iter().map(|p| c.clean(p)).collect();
        prop_assert_eq!(batch, single);
    }

    #[test]
    fn offsets_round_trip(text in page()) {
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let chars = char_offsets(&text, &bytes);
        prop_assert_eq!(chars.clone(), (0..bytes.len()).collect::<Vec<_>>());
        prop_assert_eq!(byte_offsets(&text, &chars), bytes);
    }
}

#[test]
fn pages_of_100_000_lines_are_near_linear() {
    // One line repeated 100,000 times; 100,000 distinct lines sharing stock phrases; 50,000
    // lines each repeated twice. A quadratic detector would take hours; the time is not
    // asserted (benchmarks measure speed), the outcome is. The repeat detector's outcome is
    // checked alone; every detector runs on the same pages at the end.
    let mut config = CleanerConfig::default();
    config.chrome.enabled = false;
    let c = Cleaner::new(config).unwrap();
    let full = cleaner();
    let line = "The same sentence repeated over and over again on one very long page.";
    let page = vec![line; 100_000].join("\n");
    assert_eq!(
        c.clean(&page).text,
        page,
        "a line on every row is a pattern, not a teaser"
    );

    let distinct: String = (0..100_000)
        .map(|i| {
            format!(
                "Line number {i} says something a little different from line {}.\n",
                i + 1
            )
        })
        .collect();
    assert_eq!(c.clean(&distinct).text, distinct);

    let twice: String = (0..50_000u64)
        .map(|i| {
            let (a, b, d) = (i * 3 + 1, i * 7 + 2, i * 11 + 5);
            format!(
                "Entry {i} lists {a} blue {b} red {d} green and {} other items.\n",
                i * 13
            )
        })
        .collect::<String>()
        .repeat(2);
    let result = c.clean(&twice);
    assert_eq!(result.spans.len(), 50_000, "each second copy is a repeat");
    assert_eq!(result.text, twice[..twice.len() / 2]);
    for p in [&page, &distinct, &twice] {
        let r = full.clean(p);
        assert!(r.spans.windows(2).all(|w| w[0].end <= w[1].start));
        assert!(r.spans.last().map_or(true, |s| s.end <= p.len()));
    }
}
