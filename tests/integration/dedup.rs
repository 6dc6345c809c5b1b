//! Near-duplicates end to end: planted pairs found, JSONL fields and rejects, and properties
//! (estimate within ε of exact Jaccard, identical documents always candidates, clusters
//! independent of input order and thread count).

use std::collections::{BTreeSet, HashMap};

use chaffless::dedup::jsonl::{dedup_jsonl, DedupJsonlOptions};
use chaffless::dedup::{ClusterMode, DedupConfig, Deduper, Representative};
use chaffless::lsh::{LshIndex, LshParams};
use chaffless::minhash::{similarity, MinHashConfig, MinHasher};
use chaffless::similarity::jaccard_sorted;
use proptest::prelude::*;

/// `n` pseudo-random words from a vocabulary of 20,000.
fn words(seed: u64, n: usize) -> Vec<String> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 20_000)
        })
        .collect()
}

fn edited(base: &[String], every: usize) -> String {
    base.iter()
        .enumerate()
        .map(|(i, w)| {
            if i % every == every - 1 {
                format!("e{i}")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Groups of document numbers with the same cluster.
fn groups(clusters: &[u32], numbers: &[usize]) -> BTreeSet<BTreeSet<usize>> {
    let mut by: HashMap<u32, BTreeSet<usize>> = HashMap::new();
    for (c, &n) in clusters.iter().zip(numbers) {
        by.entry(*c).or_default().insert(n);
    }
    by.into_values().collect()
}

fn cfg(f: impl FnOnce(&mut DedupConfig)) -> DedupConfig {
    let mut c = DedupConfig::default();
    f(&mut c);
    c
}

fn corpus() -> Vec<String> {
    let mut texts = Vec::new();
    for s in 0..40 {
        let base = words(s, 250);
        texts.push(base.join(" "));
        if s % 5 == 0 {
            // Two edits: Jaccard ~0.92, a candidate under the default banding except with
            // probability ~1e-4 (with 4 edits, Jaccard ~0.85, a pair is missed 2% of the
            // time, so whether all 8 are found depended on the hash function).
            texts.push(edited(&base, 125));
        }
    }
    texts
}

#[test]
fn jsonl_adds_fields_and_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut lines: Vec<String> = corpus()
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("d{i}"), "text": t}).to_string())
        .collect();
    lines.insert(3, "{oops".into());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = dir.path().join("out.jsonl");
    let mut opts = DedupJsonlOptions::default();
    opts.rejects = Some(dir.path().join("rej.jsonl").to_string_lossy().into_owned());
    opts.progress = false;
    let deduper = Deduper::new(cfg(|c| c.exact = true)).unwrap();
    let s = dedup_jsonl(
        &deduper,
        input.to_str().unwrap(),
        output.to_str().unwrap(),
        &opts,
    )
    .unwrap();
    assert_eq!((s.records_in, s.records_out, s.rejected), (49, 48, 1));
    assert_eq!(s.stats.duplicates, 8);
    let out: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for r in &out {
        if r["duplicate_of"].is_null() {
            assert!(r["similarity"].is_null());
        } else {
            // Planted from the representative: verified against it directly.
            assert_eq!(r["cluster"], r["duplicate_of"]);
            assert!(r["exact_similarity"].as_f64().unwrap() >= 0.8);
        }
    }
    let rej = std::fs::read_to_string(dir.path().join("rej.jsonl")).unwrap();
    assert!(rej.contains("\"line\":4"));
}

#[test]
fn star_members_are_verified_against_their_representative() {
    // A chain: each document a few edits from the previous one.
    let base = words(7, 400);
    let mut texts = vec![base.join(" ")];
    let mut cur = base.clone();
    for step in 0..6 {
        for i in (step * 7..cur.len()).step_by(61) {
            cur[i] = format!("s{step}_{i}");
        }
        texts.push(cur.join(" "));
    }
    let config = cfg(|c| {
        c.threshold = 0.7;
        c.exact = true;
        c.mode = ClusterMode::Star;
    });
    let deduper = Deduper::new(config).unwrap();
    let r = deduper.dedup(&texts, None).unwrap();
    let h = deduper.hasher();
    for (i, d) in r.docs().iter().enumerate() {
        if let Some(rep) = d.duplicate_of {
            let j = jaccard_sorted(
                &h.shingle_set(&texts[i]),
                &h.shingle_set(&texts[rep as usize]),
            );
            assert!(j >= 0.7, "doc {i} joined {rep} at exact Jaccard {j}");
            assert!((f64::from(d.exact_similarity.unwrap()) - j).abs() < 1e-6);
        }
    }
    // Union-find chains them all; star splits the chain.
    let mut uf_config = deduper.config().clone();
    uf_config.mode = ClusterMode::UnionFind;
    let uf = Deduper::new(uf_config)
        .unwrap()
        .dedup(&texts, None)
        .unwrap();
    assert!(uf.stats().largest_cluster > r.stats().largest_cluster);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn estimate_is_close_to_exact_jaccard(seed in 0u64..1000, keep in 50usize..300, extra in 0usize..300) {
        let h = MinHasher::new({
            let mut c = MinHashConfig::default();
            c.num_perm = 256;
            c.ngram = 3;
            c
        }).unwrap();
        let base = words(seed, 300);
        let a = base.join(" ");
        let mut other: Vec<String> = base[..keep].to_vec();
        other.extend(words(seed + 5000, extra));
        let b = other.join(" ");
        let exact = jaccard_sorted(&h.shingle_set(&a), &h.shingle_set(&b));
        let est = similarity(&h.signature(&a), &h.signature(&b));
        // 256 slots: standard error at most 0.031; 0.15 is about 5 of them.
        prop_assert!((est - exact).abs() < 0.15, "estimate {} exact {}", est, exact);
    }

    #[test]
    fn identical_documents_are_always_candidates(seed in 0u64..10_000, n in 1usize..60) {
        let h = MinHasher::new(MinHashConfig::default()).unwrap();
        let text = words(seed, n).join(" ");
        let sig = h.signature(&text);
        let mut index = LshIndex::new(128, LshParams { bands: 16, rows: 8 }).unwrap();
        index.insert(0, &h.signature(&words(seed + 1, n).join(" ")));
        index.insert(1, &sig);
        prop_assert!(index.query(&h.signature(&text.to_uppercase())).contains(&1));
    }

    #[test]
    fn clusters_do_not_depend_on_order_or_threads(
        perm in Just((0..corpus().len()).collect::<Vec<usize>>()).prop_shuffle(),
        threads in 1usize..3,
        star in any::<bool>(),
        bandings in 1usize..3,
    ) {
        let texts = corpus();
        let config = cfg(|c| {
            c.num_threads = threads;
            c.bandings = bandings;
            c.mode = if star { ClusterMode::Star } else { ClusterMode::UnionFind };
            c.representative = Representative::Longest;
        });
        let mut one = config.clone();
        one.num_threads = 1;
        let base = Deduper::new(one).unwrap().dedup(&texts, None).unwrap();
        let shuffled: Vec<&String> = perm.iter().map(|&i| &texts[i]).collect();
        let r = Deduper::new(config).unwrap().dedup(&shuffled, None).unwrap();
        let c0: Vec<u32> = base.docs().iter().map(|d| d.cluster).collect();
        let c1: Vec<u32> = r.docs().iter().map(|d| d.cluster).collect();
        let identity: Vec<usize> = (0..texts.len()).collect();
        prop_assert_eq!(groups(&c0, &identity), groups(&c1, &perm));
    }
}
