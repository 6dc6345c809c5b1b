//! Times the stages of sketching on a JSONL corpus (one thread):
//! `cargo run --profile profiling --example profile_dedup -- corpus.jsonl`.

use std::time::Instant;

use chaffless::minhash::{MinHashConfig, MinHasher};
use chaffless::normalize::Tokenizer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: profile_dedup CORPUS")?;
    let start = Instant::now();
    let data = std::fs::read_to_string(&path)?;
    let texts: Vec<String> = data
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    let mb = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    eprintln!("read {mb:.1} MB in {:.2} s", start.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut tok = Tokenizer::new(0);
    let mut out = Vec::new();
    let mut n = 0usize;
    for text in &texts {
        out.clear();
        tok.tokenize_into(text, 0, &mut out);
        n += out.len();
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!("tokenize: {n} tokens, {:.1} MB/s", mb / s);
    let t = Instant::now();
    let ascii = texts.iter().filter(|t| t.is_ascii()).count();
    eprintln!(
        "{ascii} of {} texts are ASCII ({:.3} s)",
        texts.len(),
        t.elapsed().as_secs_f64()
    );
    let hasher = MinHasher::new(MinHashConfig::default())?;
    let t = Instant::now();
    let mut scratch = chaffless::minhash::Scratch::default();
    let mut sig = vec![0u32; 128];
    for text in &texts {
        hasher.sketch_into(text, &mut scratch, &mut sig);
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!("sketch: {:.1} MB/s", mb / s);
    Ok(())
}
