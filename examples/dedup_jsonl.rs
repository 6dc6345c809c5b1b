//! Finds near-duplicates in a JSONL corpus: `cargo run --release --example dedup_jsonl -- IN OUT [exact]`.

use chaffless::dedup::jsonl::{dedup_jsonl, DedupJsonlOptions};
use chaffless::{DedupConfig, Deduper};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: dedup_jsonl IN OUT [exact] [threads]");
        std::process::exit(2);
    };
    let mut config = DedupConfig::default();
    config.exact = args.get(3).is_some_and(|a| a == "exact");
    config.num_threads = args.get(4).and_then(|t| t.parse().ok()).unwrap_or(0);
    let deduper = Deduper::new(config)?;
    let mut opts = DedupJsonlOptions::default();
    opts.rejects = Some(format!("{output}.rejects.jsonl"));
    let start = std::time::Instant::now();
    let summary = dedup_jsonl(&deduper, input, output, &opts)?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{} records, {:.1} MB in {secs:.2} s: {:.1} MB/s; {:?}",
        summary.records_in,
        summary.bytes_in as f64 / 1e6,
        summary.bytes_in as f64 / 1e6 / secs,
        summary.stats
    );
    Ok(())
}
