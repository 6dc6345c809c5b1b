//! Near-duplicate clustering of arbitrary documents with random configurations: one result per
//! document, every duplicate points at a representative of its own cluster, identical texts
//! share a cluster, similarities are in [0, 1], and the result does not depend on the run.
#![no_main]

use arbitrary::Arbitrary;
use chaffless::dedup::{ClusterMode, Representative};
use chaffless::minhash::ShingleKind;
use chaffless::{DedupConfig, DedupIndex, Deduper};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    threshold: u8,
    num_perm: u8,
    ngram: u8,
    shingle: u8,
    exact: bool,
    star: bool,
    longest: bool,
    max_bucket: u8,
    texts: Vec<String>,
}

fuzz_target!(|input: Input| {
    let mut c = DedupConfig::default();
    c.threshold = (f64::from(input.threshold) + 1.0) / 256.0;
    c.num_perm = usize::from(input.num_perm % 64) + 1;
    c.ngram = usize::from(input.ngram % 8) + 1;
    c.shingle = match input.shingle % 4 {
        0 => ShingleKind::Auto,
        1 => ShingleKind::Word,
        2 => ShingleKind::Char,
        _ => ShingleKind::Whitespace,
    };
    c.exact = input.exact;
    c.mode = if input.star {
        ClusterMode::Star
    } else {
        ClusterMode::UnionFind
    };
    c.representative = if input.longest {
        Representative::Longest
    } else {
        Representative::First
    };
    c.max_bucket = usize::from(input.max_bucket) + 2;
    c.num_threads = 1;
    // Some settings (e.g. one permutation at a high threshold) have no banding: an error.
    let Ok(deduper) = Deduper::new(c.clone()) else {
        return;
    };
    let texts = &input.texts;
    let result = deduper.dedup(texts, None).expect("no scores needed");
    let docs = result.docs();
    assert_eq!(docs.len(), texts.len());
    for (i, d) in docs.iter().enumerate() {
        let rep = d.cluster as usize;
        assert!(rep < docs.len());
        assert_eq!(
            docs[rep].cluster as usize, rep,
            "a cluster is named by its representative"
        );
        assert!(docs[rep].duplicate_of.is_none());
        match d.duplicate_of {
            Some(r) => {
                assert_eq!(r as usize, rep);
                assert_ne!(rep, i);
            }
            None => assert_eq!(rep, i, "only representatives duplicate nothing"),
        }
        assert!((0.0..=1.0).contains(&d.similarity), "{d:?}");
        if let Some(x) = d.exact_similarity {
            assert!((0.0..=1.0).contains(&x));
        }
    }
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            if texts[i] == texts[j] {
                assert_eq!(
                    docs[i].cluster, docs[j].cluster,
                    "identical texts {i} and {j}"
                );
            }
        }
    }
    let stats = result.stats();
    assert_eq!(stats.documents, texts.len() as u64);
    assert_eq!(stats.kept + stats.duplicates, stats.documents);
    assert_eq!(
        result.keep().iter().filter(|&&k| k).count() as u64,
        stats.kept
    );
    let again = deduper.dedup(texts, None).expect("no scores needed");
    assert_eq!(again.docs(), docs);

    // An index over the texts finds each one as a match of itself.
    let mut index = DedupIndex::new(c).expect("valid config");
    index.add_batch(texts);
    assert_eq!(index.len(), texts.len());
    for (i, found) in index.query_batch(texts).iter().enumerate() {
        // The index answers with one document per group of exact duplicates (the first).
        assert!(
            found
                .iter()
                .any(|m| m.doc as usize == i || m.exact_duplicate),
            "text {i} must find itself or an exact duplicate"
        );
        assert!(found.iter().all(|m| (m.doc as usize) < texts.len()));
    }
    let bytes = index.to_bytes();
    let back = DedupIndex::from_bytes(&bytes).expect("round trip");
    assert_eq!(back.len(), texts.len());
    // A damaged index is refused or loaded, never a panic.
    if !bytes.is_empty() {
        let cut = usize::from(input.threshold) % bytes.len();
        let _ = DedupIndex::from_bytes(&bytes[..cut]);
    }
});
