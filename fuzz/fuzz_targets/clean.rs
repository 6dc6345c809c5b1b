//! The cleaner on arbitrary text with random (valid) configurations: spans sorted, disjoint,
//! in bounds and on char boundaries; kept + removed = input (non-whitespace chars); cleaning
//! is idempotent; a batch equals one-by-one calls.
#![no_main]

use arbitrary::Arbitrary;
use chaffless::{Cleaner, CleanerConfig};
use libfuzzer_sys::fuzz_target;

/// Knobs mapped into each option's valid range, so most inputs build a cleaner.
#[derive(Arbitrary, Debug)]
struct Input {
    repeat: bool,
    comment: bool,
    chrome: bool,
    shingle_size: u8,
    min_tokens: u8,
    min_coverage: u8,
    max_extra: u8,
    min_run: u8,
    max_copies: u8,
    short_block: u8,
    min_edit_ratio: u8,
    max_gap: u8,
    max_skip: u8,
    max_stamp_words: u8,
    max_prompt_words: u8,
    max_header_words: u8,
    min_words: u8,
    min_stopword_share: u8,
    line_penalty: u8,
    min_part_share: u8,
    keep_words: u8,
    title_reach: u8,
    max_page_bytes: u16,
    text: String,
}

/// `b` as a share in (0, 1].
fn unit(b: u8) -> f64 {
    (f64::from(b) + 1.0) / 256.0
}

fn config(i: &Input) -> CleanerConfig {
    let mut c = CleanerConfig::default();
    c.seed = u64::from(i.shingle_size);
    c.num_threads = 1;
    c.max_page_bytes = usize::from(i.max_page_bytes).max(1) * 4;
    c.repeat.enabled = i.repeat;
    c.repeat.shingle_size = usize::from(i.shingle_size % 8) + 1;
    c.repeat.min_tokens = usize::from(i.min_tokens % 32) + 1;
    c.repeat.min_coverage = unit(i.min_coverage);
    c.repeat.max_extra = unit(i.max_extra) - 1.0 / 256.0;
    c.repeat.min_run = c.repeat.shingle_size + usize::from(i.min_run % 8);
    c.repeat.max_copies = usize::from(i.max_copies % 8) + 1;
    c.repeat.short_block = usize::from(i.short_block % 64);
    c.repeat.min_edit_ratio = unit(i.min_edit_ratio);
    c.comment.enabled = i.comment;
    c.comment.max_gap = usize::from(i.max_gap % 16) + 1;
    c.comment.max_skip = c.comment.max_gap + usize::from(i.max_skip % 32);
    c.comment.max_stamp_words = usize::from(i.max_stamp_words % 65);
    c.comment.max_prompt_words = usize::from(i.max_prompt_words % 64) + 1;
    c.comment.max_header_words = usize::from(i.max_header_words % 64) + 1;
    c.chrome.enabled = i.chrome;
    c.chrome.min_words = usize::from(i.min_words % 32) + 1;
    c.chrome.min_stopword_share = unit(i.min_stopword_share);
    c.chrome.line_penalty = f64::from(i.line_penalty) / 16.0;
    c.chrome.min_part_share = unit(i.min_part_share);
    c.chrome.keep_words = usize::from(i.keep_words) + 1;
    c.chrome.title_reach = usize::from(i.title_reach % 16);
    c
}

fn non_blank(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

fuzz_target!(|input: Input| {
    let config = config(&input);
    config.validate().expect("the knobs map into valid ranges");
    let cleaner = Cleaner::new(config).expect("valid config");
    let text = input.text.as_str();
    let result = cleaner.clean(text);
    if result.skipped.is_some() {
        assert!(text.len() > cleaner.config().max_page_bytes);
        assert_eq!(result.text, text, "a skipped page passes through untouched");
        assert!(result.spans.is_empty());
        return;
    }
    let mut prev = 0;
    for s in &result.spans {
        assert!(
            prev <= s.start && s.start < s.end && s.end <= text.len(),
            "{s:?}"
        );
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        assert!((0.0..=1.0).contains(&s.score));
        for &(a, b) in &s.copies {
            assert!(a <= b && b <= text.len());
            assert!(text.is_char_boundary(a) && text.is_char_boundary(b));
        }
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
        "kept + removed = input"
    );
    assert_eq!(cleaner.annotate(text), result.spans);
    let again = cleaner.clean(&result.text);
    assert_eq!(again.text, result.text, "cleaning is idempotent");
    let batch = cleaner.clean_batch(&[text, result.text.as_str()]);
    assert_eq!(batch[0], result);
    assert_eq!(batch[1], again);
});
