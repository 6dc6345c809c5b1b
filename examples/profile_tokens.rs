//! Segments and tokenizes the dev pages many times, for profilers:
//! `cargo run --release --example profile_tokens -- PAGES.jsonl [ROUNDS]`.

use chaffless::Document;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: profile_tokens PAGES.jsonl [ROUNDS]")?;
    let rounds: usize = args.get(1).map_or(Ok(20), |r| r.parse())?;
    let pages: Vec<String> = std::fs::read_to_string(path)?
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    let mut n = 0;
    for _ in 0..rounds {
        n += pages
            .iter()
            .map(|p| {
                let d = Document::new(p, 0);
                (0..d.blocks().len())
                    .map(|i| d.tokens(i).len())
                    .sum::<usize>()
            })
            .sum::<usize>();
    }
    eprintln!("{} pages x {rounds}: {n} tokens", pages.len());
    Ok(())
}
