//! Replays the fuzzers' minimised corpora (`fuzz/corpus/<target>/`): every file, read as a
//! page (lossy UTF-8), holds the segmentation, cleaning and dedup invariants the fuzz targets
//! assert, with the default configurations. Runs on every `cargo test`, no fuzzer needed.

use std::path::Path;

use chaffless::document::{byte_offsets, char_offsets};
use chaffless::normalize::normalize;
use chaffless::{Cleaner, CleanerConfig, DedupConfig, DedupIndex, Deduper};

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus");
    let mut pages = Vec::new();
    for target in ["segment", "clean", "dedup"] {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        for f in files {
            pages.push(String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned());
        }
    }
    pages
}

fn non_blank(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

#[test]
fn fuzz_corpora_hold_the_invariants() {
    let pages = corpus();
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    for text in &pages {
        let mut prev = 0;
        for b in chaffless::segment::blocks(text) {
            assert!(prev <= b.line_start && b.start < b.end && b.line_end <= text.len());
            assert!(text.is_char_boundary(b.start) && text.is_char_boundary(b.end));
            prev = b.line_end;
        }
        let once = normalize(text);
        assert_eq!(normalize(&once), once, "{text:?}");
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        assert_eq!(byte_offsets(text, &char_offsets(text, &bytes)), bytes);

        let result = cleaner.clean(text);
        let mut prev = 0;
        for s in &result.spans {
            assert!(
                prev <= s.start && s.start < s.end && s.end <= text.len(),
                "{text:?}"
            );
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            prev = s.end;
        }
        let removed: usize = result
            .spans
            .iter()
            .map(|s| non_blank(&text[s.range()]))
            .sum();
        assert_eq!(
            non_blank(&result.text) + removed,
            non_blank(text),
            "{text:?}"
        );
        assert_eq!(cleaner.clean(&result.text).text, result.text, "{text:?}");
    }
    assert_eq!(
        cleaner.clean_batch(&pages),
        pages.iter().map(|p| cleaner.clean(p)).collect::<Vec<_>>()
    );

    let deduper = Deduper::new(DedupConfig::default()).unwrap();
    let result = deduper.dedup(&pages, None).unwrap();
    for (i, d) in result.docs().iter().enumerate() {
        let rep = d.cluster as usize;
        assert!(result.docs()[rep].duplicate_of.is_none());
        assert_eq!(d.duplicate_of.is_none(), rep == i);
        assert!((0.0..=1.0).contains(&d.similarity));
    }
    // Every page, indexed with a copy of itself, finds itself or an exact duplicate.
    let mut index = DedupIndex::new(DedupConfig::default()).unwrap();
    let twice: Vec<&String> = pages.iter().chain(&pages).collect();
    index.add_batch(&twice);
    for (i, found) in index.query_batch(&twice).iter().enumerate() {
        let itself = found
            .iter()
            .any(|m| m.doc as usize == i || m.exact_duplicate);
        assert!(itself, "page {i} finds neither itself nor a copy");
    }
}

#[test]
fn normalize_is_idempotent_on_what_fuzzing_found() {
    // Crashes of the `segment` target: folding made text that segmentation splits again.
    for text in [
        "Stadtbibliothek öffnet 퀶ffbi", // a Hangul syllable folds to three jamo tokens
        "Punkt ⒖ und ½ Liter",           // compatibility forms fold to "15." and "1⁄2"
        "ǆ ﬁ ㈜ ㍿ ꙮ",
    ] {
        let once = normalize(text);
        assert_eq!(normalize(&once), once, "{text:?}");
    }
    assert_eq!(normalize("⒖"), "15");
    assert_eq!(normalize("퀶"), normalize(&normalize("퀶")));
}
