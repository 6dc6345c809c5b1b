//! Near-duplicates in JSONL corpora, with the machinery of [`crate::jsonl`]: the same input
//! formats (plain, `.gz`, `.zst`, `-`), rejects file and atomic output.
//!
//! Two passes over the input: the first sketches every record (in parallel batches) and writes
//! rejects; clusters are then computed from the sketches alone (with `exact`, the input is read
//! once more for the shingle sets of candidate documents); the last pass writes every record
//! with `cluster`, `duplicate_of` and `similarity` fields added (or only one record per
//! cluster with `drop`). Standard input is spooled to a temporary file for the later passes.
//! Only the sketches (about 0.6 KB per record at 128 permutations) stay in memory.

use std::io::Write;

use indexmap::IndexMap;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{DedupStats, Deduper, Sketches};
use crate::error::{Error, Result};
use crate::jsonl::{
    for_each_batch, no_check, open_input, parse_record, progress_bar, reject_line, AtomicOutput,
    Check, Rejects,
};
use crate::minhash::Scratch;

/// Options of [`dedup_jsonl`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DedupJsonlOptions {
    /// The field holding the page text. Default `"text"`.
    pub text_field: String,
    /// The field naming a record in `cluster` / `duplicate_of`; records without it are named
    /// by their number (0-based, rejects and blank lines not counted). Default `"id"`.
    pub id_field: String,
    /// The numeric field the `score` representative rule reads. Default none.
    pub score_field: Option<String>,
    /// Field receiving the cluster (its representative's name). Default `"cluster"`.
    pub cluster_field: String,
    /// Field receiving the representative a record duplicates, or null. Default
    /// `"duplicate_of"`.
    pub duplicate_field: String,
    /// Field receiving the estimated Jaccard similarity to the representative, or null; with
    /// exact verification, `exact_` + this field receives the exact one. Default
    /// `"similarity"`.
    pub similarity_field: String,
    /// Write only one record per cluster (its representative). Default false.
    pub drop: bool,
    /// Where rejected records go. Default none: a rejected record is an error.
    pub rejects: Option<String>,
    /// Draw a progress bar on standard error when it is a terminal. Default true.
    pub progress: bool,
    /// Records per parallel batch. Default 4096.
    pub batch_records: usize,
}

impl Default for DedupJsonlOptions {
    fn default() -> Self {
        Self {
            text_field: "text".into(),
            id_field: "id".into(),
            score_field: None,
            cluster_field: "cluster".into(),
            duplicate_field: "duplicate_of".into(),
            similarity_field: "similarity".into(),
            drop: false,
            rejects: None,
            progress: true,
            batch_records: 4096,
        }
    }
}

/// What a [`dedup_jsonl`] run did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupJsonlSummary {
    /// Records read (blank lines are not records).
    pub records_in: u64,
    /// Records written to the output.
    pub records_out: u64,
    /// Records written to the rejects file.
    pub rejected: u64,
    /// Duplicates left out (with `drop`).
    pub dropped: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// UTF-8 bytes of text read.
    pub bytes_in: u64,
    /// The rejects file, when one was written.
    pub rejects_path: Option<String>,
    /// Cluster statistics.
    pub stats: DedupStats,
}

/// One line of a batch, after the first pass.
enum First {
    Blank,
    Reject(String),
    Record {
        signature: Vec<u32>,
        exact: u128,
        shingles: usize,
        text_len: usize,
        id: Option<Box<str>>,
        score: Option<f64>,
    },
}

fn first_pass(
    deduper: &Deduper,
    opts: &DedupJsonlOptions,
    input: &str,
    raw: &[u8],
    lineno: u64,
    scratch: &mut Scratch,
) -> First {
    let (record, text) = match parse_record(raw, &opts.text_field) {
        Ok(Some(r)) => r,
        Ok(None) => return First::Blank,
        Err(reason) => return First::Reject(reject_line(input, lineno, raw, reason)),
    };
    let score = match &opts.score_field {
        None => None,
        Some(f) => match record.get(f.as_str()).map(|v| v.get().parse::<f64>()) {
            Some(Ok(s)) if !s.is_nan() => Some(s),
            _ => {
                let reason = format!("field {f:?} is missing or not a number");
                return First::Reject(reject_line(input, lineno, raw, reason));
            }
        },
    };
    let id = record
        .get(opts.id_field.as_str())
        .map(|v| Box::<str>::from(v.get()));
    let mut signature = vec![0u32; deduper.config.num_perm];
    let (exact, shingles) = deduper.hasher.sketch_into(&text, scratch, &mut signature);
    First::Record {
        signature,
        exact,
        shingles,
        text_len: text.len(),
        id,
        score,
    }
}

/// Finds the near-duplicates of the JSONL file `input` and writes `output` (`-` for standard
/// input / output). See the [module docs](self).
///
/// # Errors
/// [`ErrorKind::Io`](crate::ErrorKind::Io) when a file cannot be opened, read or written (the
/// output is then not created); [`ErrorKind::Input`](crate::ErrorKind::Input) for a rejected
/// record with no rejects file, or when the input changed between passes.
pub fn dedup_jsonl(
    deduper: &Deduper,
    input: &str,
    output: &str,
    opts: &DedupJsonlOptions,
) -> Result<DedupJsonlSummary> {
    dedup_jsonl_with(deduper, input, output, opts, &no_check)
}

/// [`dedup_jsonl`], calling `check` before each batch of each pass: an error it returns (e.g.
/// [`Error::interrupted`] on a signal) ends the run with that error, the output not written.
///
/// # Errors
/// As [`dedup_jsonl`], and whatever `check` returns.
pub fn dedup_jsonl_with(
    deduper: &Deduper,
    input: &str,
    output: &str,
    opts: &DedupJsonlOptions,
    check: Check<'_>,
) -> Result<DedupJsonlSummary> {
    let bar = progress_bar(opts.progress, input);
    let batch = opts.batch_records.max(1);
    let mut spool = if input == "-" {
        Some(
            tempfile::NamedTempFile::new()
                .map_err(|e| Error::io("cannot create a temporary file", e))?,
        )
    } else {
        None
    };
    let mut out = AtomicOutput::create(output)?;
    let mut rejects = Rejects::new(input, opts.rejects.as_deref());
    let mut summary = DedupJsonlSummary::default();
    let mut sketches = Sketches::new(deduper.config.num_perm);
    let mut lines_of: Vec<u64> = Vec::new();
    let mut ids: Vec<Option<Box<str>>> = Vec::new();
    let mut scores: Vec<f64> = Vec::new();

    // Pass 1: sketches and rejects.
    {
        let mut reader = open_input(input)?;
        let mut spool_writer = spool
            .as_mut()
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f.as_file_mut()));
        let spool_dyn: Option<&mut dyn Write> = spool_writer.as_mut().map(|w| w as &mut dyn Write);
        for_each_batch(
            &mut reader,
            input,
            batch,
            0,
            spool_dyn,
            check,
            |lines, bytes_read| {
                let firsts: Vec<First> = deduper.install(|| {
                    lines
                        .par_iter()
                        .map_init(Scratch::default, |scratch, (n, raw)| {
                            first_pass(deduper, opts, input, raw, *n, scratch)
                        })
                        .collect()
                });
                for ((n, _), first) in lines.iter().zip(firsts) {
                    match first {
                        First::Blank => summary.blank_lines += 1,
                        First::Reject(line) => {
                            summary.records_in += 1;
                            summary.rejected += 1;
                            rejects.write(*n, &line)?;
                        }
                        First::Record {
                            signature,
                            exact,
                            shingles,
                            text_len,
                            id,
                            score,
                        } => {
                            summary.records_in += 1;
                            summary.bytes_in += text_len as u64;
                            sketches.push(&signature, exact, shingles, text_len);
                            lines_of.push(*n);
                            ids.push(id);
                            scores.push(score.unwrap_or(0.0));
                        }
                    }
                }
                if let Some(bar) = &bar {
                    bar.inc(bytes_read as u64);
                    bar.set_message(format!("{} records sketched", summary.records_in));
                }
                Ok(())
            },
        )?;
        if let Some(mut w) = spool_writer {
            w.flush()
                .map_err(|e| Error::io("cannot spool standard input", e))?;
        }
    }
    let source: String = match &spool {
        Some(f) => f.path().to_string_lossy().into_owned(),
        None => input.to_string(),
    };

    // Clusters (re-reading candidate texts for exact verification).
    let scores = opts.score_field.as_ref().map(|_| scores.as_slice());
    let result = deduper.cluster(sketches, scores, |docs| {
        shingle_sets(deduper, opts, &source, input, &lines_of, docs, check)
    })?;
    if let Some(bar) = &bar {
        bar.set_message("writing");
    }

    // Last pass: write the records with their cluster fields.
    let docs = result.docs();
    let name = |d: u32| -> String {
        match ids.get(d as usize) {
            Some(Some(id)) => id.to_string(),
            _ => d.to_string(),
        }
    };
    let exact_field = format!("exact_{}", opts.similarity_field);
    let mut reader = open_input(&source)?;
    let mut next = 0usize;
    for_each_batch(&mut reader, input, batch, 0, None, check, |lines, _| {
        // The records of this batch, by position: (line index, doc number).
        let mut todo = Vec::new();
        for (i, (n, _)) in lines.iter().enumerate() {
            if lines_of.get(next) == Some(n) {
                todo.push((i, next as u32));
                next += 1;
            }
        }
        let written: Vec<Result<Option<String>>> = deduper.install(|| {
            todo.par_iter()
                .map(|&(i, d)| {
                    let r = &docs[d as usize];
                    if opts.drop && r.duplicate_of.is_some() {
                        return Ok(None);
                    }
                    let (n, raw) = &lines[i];
                    let changed =
                        || Error::input(format!("{input}:{n}: input changed while reading"));
                    let s = std::str::from_utf8(raw).map_err(|_| changed())?;
                    let mut record: IndexMap<String, &RawValue> =
                        serde_json::from_str(s.trim()).map_err(|_| changed())?;
                    let cluster = raw_value(name(r.cluster))?;
                    let dup = raw_value(r.duplicate_of.map_or_else(|| "null".into(), name))?;
                    let round = |x: f32| (f64::from(x) * 1e4).round() / 1e4;
                    let sim = raw_value(if r.duplicate_of.is_some() {
                        round(r.similarity).to_string()
                    } else {
                        "null".into()
                    })?;
                    record.insert(opts.cluster_field.clone(), &cluster);
                    record.insert(opts.duplicate_field.clone(), &dup);
                    record.insert(opts.similarity_field.clone(), &sim);
                    let exact = raw_value(match (r.duplicate_of, r.exact_similarity) {
                        (Some(_), Some(x)) => round(x).to_string(),
                        _ => "null".into(),
                    })?;
                    if deduper.config.exact {
                        record.insert(exact_field.clone(), &exact);
                    }
                    serde_json::to_string(&record)
                        .map(Some)
                        .map_err(|e| Error::input(format!("{input}:{n}: cannot write record: {e}")))
                })
                .collect()
        });
        for line in written {
            match line? {
                Some(line) => {
                    out.write_line(&line)?;
                    summary.records_out += 1;
                }
                None => summary.dropped += 1,
            }
        }
        Ok(())
    })?;
    if next != lines_of.len() {
        return Err(Error::input(format!(
            "{input}: input changed while reading"
        )));
    }
    summary.rejects_path = rejects.written();
    rejects.commit()?;
    out.commit()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summary.stats = result.stats();
    Ok(summary)
}

fn raw_value(s: String) -> Result<Box<RawValue>> {
    RawValue::from_string(s).map_err(|e| Error::input(format!("cannot write a field: {e}")))
}

/// The shingle sets of records `docs` (record numbers), read again from `source`.
fn shingle_sets(
    deduper: &Deduper,
    opts: &DedupJsonlOptions,
    source: &str,
    input: &str,
    lines_of: &[u64],
    docs: &[u32],
    check: Check<'_>,
) -> Result<FxHashMap<u32, Vec<u64>>> {
    let wanted: FxHashMap<u64, u32> = docs
        .iter()
        .filter_map(|&d| lines_of.get(d as usize).map(|&n| (n, d)))
        .collect();
    let mut sets = FxHashMap::default();
    let mut reader = open_input(source)?;
    for_each_batch(
        &mut reader,
        input,
        opts.batch_records.max(1),
        0,
        None,
        check,
        |lines, _| {
            let found: Vec<(u32, Vec<u64>)> = deduper.install(|| {
                lines
                    .par_iter()
                    .filter_map(|(n, raw)| wanted.get(n).map(|&d| (d, raw)))
                    .map_init(Scratch::default, |scratch, (d, raw)| {
                        let set = match parse_record(raw, &opts.text_field) {
                            Ok(Some((_, text))) => deduper.hasher.shingle_set_with(&text, scratch),
                            _ => Vec::new(),
                        };
                        (d, set)
                    })
                    .collect()
            });
            sets.extend(found);
            Ok(())
        },
    )?;
    Ok(sets)
}
