//! Cleans the dev pages many times on one thread, for profilers:
//! `cargo run --release --example profile_clean -- PAGES.jsonl [ROUNDS] [CONFIG_JSON] [--fit]`.
//! With `--fit`, each round fits site statistics on the pages (by their `site` field) and
//! cleans them with it: the fit + clean path.

use chaffless::{Cleaner, CleanerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let fit = args.iter().any(|a| a == "--fit");
    args.retain(|a| a != "--fit");
    let path = args
        .first()
        .ok_or("usage: profile_clean PAGES.jsonl [ROUNDS] [CONFIG_JSON] [--fit]")?;
    let rounds: usize = args.get(1).map_or(Ok(20), |r| r.parse())?;
    let (pages, sites): (Vec<String>, Vec<Option<String>>) = std::fs::read_to_string(path)?
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let site = v["site"].as_str().map(str::to_string);
            v["text"].as_str().map(|t| (t.to_string(), site))
        })
        .unzip();
    let bytes: usize = pages.iter().map(String::len).sum();
    let config = match args.get(2) {
        Some(json) => CleanerConfig::from_json(json)?,
        None => CleanerConfig::default(),
    };
    let cleaner = Cleaner::new(config.with_num_threads(1))?;
    let start = std::time::Instant::now();
    let mut out = 0;
    for _ in 0..rounds {
        if fit {
            let fitted = cleaner.fit(&pages, &sites)?;
            out += pages
                .iter()
                .zip(&sites)
                .map(|(p, s)| fitted.clean_site(p, s.as_deref()).text.len())
                .sum::<usize>();
        } else {
            out += pages
                .iter()
                .map(|p| cleaner.clean(p).text.len())
                .sum::<usize>();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mbs = (bytes * rounds) as f64 / secs / 1e6;
    eprintln!(
        "{} pages, {bytes} bytes x {rounds}: {mbs:.1} MB/s ({out} bytes out)",
        pages.len()
    );
    Ok(())
}
