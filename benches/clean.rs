//! Throughput of each cleaning stage on real pages, in MB/s.
//!
//! `cargo bench --bench clean` reads `../shared/data/dev/pages.jsonl` (the dev pages beside
//! the checkout), or the fixture pages in `tests/fixtures/pages/` when that file is absent.
//! Single-threaded: the figures are per core.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::path::Path;

use chaffless::normalize::Tokenizer;
use chaffless::{Cleaner, CleanerConfig, Document};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn pages() -> (String, Vec<String>) {
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev/pages.jsonl");
    if let Ok(data) = std::fs::read_to_string(&dev) {
        let pages = data
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .collect();
        return ("dev".into(), pages);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "txt") {
            pages.extend(std::fs::read_to_string(entry.path()).ok());
        }
    }
    ("fixtures".into(), pages)
}

fn bench(c: &mut Criterion) {
    let (name, pages) = pages();
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut g = c.benchmark_group(format!("{name}-pages"));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);

    g.bench_function("segment", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| chaffless::segment::blocks(p).len())
                .sum::<usize>()
        });
    });
    g.bench_function("tokenize", |b| {
        let mut tok = Tokenizer::new(0);
        let mut out = Vec::new();
        b.iter(|| {
            for p in &pages {
                out.clear();
                tok.tokenize_into(p, 0, &mut out);
                black_box(&out);
            }
        });
    });
    g.bench_function("document", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| Document::new(p, 0).blocks().len())
                .sum::<usize>()
        });
    });
    let cleaner = Cleaner::new(CleanerConfig::default().with_num_threads(1)).unwrap();
    g.bench_function("clean", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| cleaner.clean(p).text.len())
                .sum::<usize>()
        });
    });
    g.bench_function("clean_batch_1_thread", |b| {
        b.iter(|| cleaner.clean_batch(&pages).len());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
