//! Cleans a JSONL corpus from Rust:
//! `cargo run --release --example clean_jsonl -- IN OUT [--annotate] [--config JSON] [--site-field F]`.
//!
//! The same job as the `chaffless clean` command. With `--site-field`, the corpus is read
//! twice: once to fit site statistics, once to clean.

use chaffless::jsonl::{clean_jsonl, fit_jsonl, JsonlOptions};
use chaffless::{Cleaner, CleanerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut input, mut output) = (None, None);
    let mut opts = JsonlOptions::default();
    let mut config = CleanerConfig::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--annotate" => opts.annotate = true,
            "--config" => config = CleanerConfig::from_json(&args.next().unwrap_or_default())?,
            "--site-field" => opts.site_field = args.next(),
            _ if input.is_none() => input = Some(a),
            _ if output.is_none() => output = Some(a),
            _ => return Err(format!("unexpected argument {a:?}").into()),
        }
    }
    let (Some(input), Some(output)) = (input, output) else {
        return Err(
            "usage: clean_jsonl IN OUT [--annotate] [--config JSON] [--site-field F]".into(),
        );
    };
    let mut cleaner = Cleaner::new(config)?;
    if opts.site_field.is_some() {
        cleaner = cleaner.with_model(fit_jsonl(&cleaner, &input, &opts)?)?;
    }
    opts.rejects = Some(format!("{output}.rejects.jsonl"));
    let summary = clean_jsonl(&cleaner, &input, &output, &opts)?;
    eprintln!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
