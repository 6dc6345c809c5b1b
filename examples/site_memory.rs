//! Memory of fitted site statistics on a large generated crawl:
//! `cargo run --release --example site_memory -- [--pages N] [--sites S] [--threads T]`
//! (default 1,000,000 pages of 1,000 sites).
//!
//! Each site has its own template (navigation, a footer, lines with a date or a count that
//! changes from page to page) around articles of words drawn from a 20,000-word vocabulary, so
//! most of a site's distinct lines occur once: the case that makes page counts grow without
//! bound unless they are pruned or sketched. Pages are generated and counted in batches, so
//! the corpus is never held in memory. Prints the model's own estimate of its size, the size
//! of its serialised form, and the process's peak resident memory.

// The report is this example's output.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use chaffless::{Cleaner, CleanerConfig};

/// splitmix64: a reproducible stream of pseudo-random numbers for the generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A pronounceable word for vocabulary index `i`.
fn word(i: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ren", "sa", "tu", "vel", "do", "ri", "an", "po", "es", "li", "mor",
        "ne", "ta",
    ];
    let mut w = String::new();
    let mut x = i + 16;
    while x > 0 {
        w.push_str(SYL[(x % 16) as usize]);
        x /= 16;
    }
    w
}

/// Page `page` of site `site`: its template around a generated article.
fn page(site: u64, page: u64, vocab: &[String]) -> String {
    let mut rng = Rng(site.wrapping_mul(1_000_003) ^ page.wrapping_mul(7_919));
    let mut t = Rng(site);
    let mut out = String::new();
    let sentence = |rng: &mut Rng, words: u64| {
        let n = 6 + rng.below(words);
        let s: Vec<&str> = (0..n)
            .map(|_| vocab[rng.below(vocab.len() as u64) as usize].as_str())
            .collect();
        format!("{}.", s.join(" "))
    };
    // The site's template: the same lines on every page.
    for _ in 0..8 {
        out.push_str(&sentence(&mut t, 3));
        out.push('\n');
    }
    // Lines that differ only in a number: folded to one key.
    out.push_str(&format!("Updated {} minutes ago\n", rng.below(60)));
    out.push_str(&format!("{} comments\n", rng.below(500)));
    // The article: headline and paragraphs, nearly all lines unique to this page.
    out.push_str(&sentence(&mut rng, 6));
    out.push('\n');
    for _ in 0..(6 + rng.below(10)) {
        let sentences = 2 + rng.below(4);
        let para: Vec<String> = (0..sentences).map(|_| sentence(&mut rng, 18)).collect();
        out.push_str(&para.join(" "));
        out.push('\n');
    }
    for _ in 0..4 {
        out.push_str(&sentence(&mut t, 4));
        out.push('\n');
    }
    out
}

/// Peak resident memory of this process, in bytes (Linux; 0 elsewhere).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut pages, mut sites, mut threads) = (1_000_000u64, 1_000u64, 0usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().ok_or("a value is missing")?;
        match a.as_str() {
            "--pages" => pages = value.parse()?,
            "--sites" => sites = value.parse()?,
            "--threads" => threads = value.parse()?,
            _ => return Err(format!("unexpected argument {a:?}").into()),
        }
    }
    let mut config = CleanerConfig::default();
    config.num_threads = threads;
    let mut cleaner = Cleaner::new(config)?;
    let vocab: Vec<String> = (0..20_000).map(word).collect();
    let started = Instant::now();
    let (mut bytes, mut done) = (0u64, 0u64);
    const BATCH: u64 = 20_000;
    while done < pages {
        let n = BATCH.min(pages - done);
        // Pages of every site interleaved, as in a crawl.
        let texts: Vec<String> = (done..done + n)
            .map(|i| page(i % sites, i / sites, &vocab))
            .collect();
        let names: Vec<Option<String>> = (done..done + n)
            .map(|i| Some(format!("site{}.example", i % sites)))
            .collect();
        bytes += texts.iter().map(|t| t.len() as u64).sum::<u64>();
        cleaner = cleaner.partial_fit(&texts, &names)?;
        done += n;
    }
    let secs = started.elapsed().as_secs_f64();
    let model = cleaner.model().ok_or("no model")?;
    let serialised = model.to_bytes().len();
    let memory = model.memory_bytes();
    println!("pages              {pages}");
    println!("sites              {}", model.num_sites());
    println!("text               {:.1} MB", bytes as f64 / 1e6);
    println!(
        "generate + fit     {secs:.1} s ({:.1} MB/s)",
        bytes as f64 / 1e6 / secs
    );
    println!(
        "model memory       {:.1} MB ({:.1} KiB per site)",
        memory as f64 / 1e6,
        memory as f64 / 1024.0 / model.num_sites().max(1) as f64
    );
    println!("serialised model   {:.1} MB", serialised as f64 / 1e6);
    println!("peak RSS           {:.1} MB", peak_rss() as f64 / 1e6);
    Ok(())
}
