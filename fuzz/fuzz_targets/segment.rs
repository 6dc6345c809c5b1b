//! Segmentation, tokenization and offset conversion on arbitrary text: lines tile the text,
//! blocks and tokens lie in bounds on char boundaries, offsets round-trip, normalisation is
//! idempotent.
#![no_main]

use chaffless::document::{byte_offsets, char_offsets, Document};
use chaffless::normalize::{normalize, Tokenizer};
use chaffless::segment::{blocks, lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    let mut prev = 0;
    for l in lines(text) {
        assert_eq!(l.start, prev, "lines must tile the text");
        assert!(l.start < l.end && l.content_end <= l.end && l.start <= l.content_end);
        assert!(text.is_char_boundary(l.content_end));
        prev = l.end;
    }
    assert_eq!(prev, text.len());

    let mut prev = 0;
    let bs = blocks(text);
    for b in &bs {
        assert!(prev <= b.line_start && b.line_start <= b.start && b.start < b.end);
        assert!(b.end <= b.line_end && b.line_end <= text.len());
        assert!(text.is_char_boundary(b.start) && text.is_char_boundary(b.end));
        assert_eq!(b.text(text).trim(), b.text(text));
        prev = b.line_end;
    }
    let inside: usize = bs
        .iter()
        .map(|b| b.text(text).chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    assert_eq!(inside, text.chars().filter(|c| !c.is_whitespace()).count());

    let mut prev = 0;
    for t in Tokenizer::new(1).tokenize(text) {
        assert!(prev <= t.start && t.start < t.end && t.end <= text.len());
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        prev = t.end;
    }

    let doc = Document::new(text, 1);
    assert_eq!(doc.blocks(), bs.as_slice());
    for i in 0..doc.blocks().len() {
        let b = doc.blocks()[i];
        for t in doc.tokens(i) {
            assert!(b.start <= t.start && t.end <= b.end);
        }
    }

    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let chars = char_offsets(text, &bytes);
    assert_eq!(chars, (0..bytes.len()).collect::<Vec<_>>());
    assert_eq!(byte_offsets(text, &chars), bytes);

    let once = normalize(text);
    assert_eq!(normalize(&once), once);
});
