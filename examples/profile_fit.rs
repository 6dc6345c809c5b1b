//! Fits site statistics on the dev pages many times on one thread, for profilers:
//! `cargo run --release --example profile_fit -- PAGES.jsonl [ROUNDS]` (pages need a `site`).

use chaffless::{Cleaner, CleanerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: profile_fit PAGES.jsonl [ROUNDS]")?;
    let rounds: usize = args.get(1).map_or(Ok(20), |r| r.parse())?;
    let (mut texts, mut sites) = (Vec::new(), Vec::new());
    for line in std::fs::read_to_string(path)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let Some(t) = v["text"].as_str() {
            texts.push(t.to_string());
            sites.push(v["site"].as_str().map(str::to_string));
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let cleaner = Cleaner::new(CleanerConfig::default().with_num_threads(1))?;
    let start = std::time::Instant::now();
    let mut pages = 0;
    for _ in 0..rounds {
        pages += cleaner.site_stats(&texts, &sites)?.num_pages();
    }
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mbs = (bytes * rounds) as f64 / secs / 1e6;
    eprintln!("{pages} pages, {bytes} bytes x {rounds}: {mbs:.1} MB/s");
    Ok(())
}
