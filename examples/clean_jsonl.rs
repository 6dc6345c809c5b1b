//! Cleans a JSONL corpus from Rust: `cargo run --release --example clean_jsonl -- IN OUT [--annotate]`.
//!
//! The same job as the `chaffless clean` command, with the default configuration.

use chaffless::jsonl::{clean_jsonl, JsonlOptions};
use chaffless::{Cleaner, CleanerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, annotate) = match args.as_slice() {
        [i, o] => (i, o, false),
        [i, o, flag] if flag == "--annotate" => (i, o, true),
        _ => return Err("usage: clean_jsonl IN OUT [--annotate]".into()),
    };
    let cleaner = Cleaner::new(CleanerConfig::default())?;
    let mut opts = JsonlOptions::default();
    opts.annotate = annotate;
    opts.rejects = Some(format!("{output}.rejects.jsonl"));
    let summary = clean_jsonl(&cleaner, input, output, &opts)?;
    eprintln!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
