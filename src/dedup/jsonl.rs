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

/// One line of a batch, after the first pass (the signature is written to the batch's flat
/// buffer).
enum First {
    Blank,
    Reject(String),
    Record {
        exact: u128,
        shingles: usize,
        text_len: usize,
        id: Option<Box<str>>,
        score: Option<f64>,
        /// The trimmed line's length, or [`SLOW_WRITE`].
        write: u32,
    },
}

/// An output line of the last pass.
enum Written<'a> {
    /// A record rewritten whole.
    Whole(String),
    /// The record as read, up to its closing brace, then the new fields and the brace.
    Spliced(&'a str, String),
}

/// The record is written back through a full parse (it already has one of the output fields,
/// or is longer than `u32::MAX` bytes).
const SLOW_WRITE: u32 = u32::MAX;

/// Which of the fields a record key is.
enum Key {
    Text,
    Id,
    Score,
    /// One of the fields the output adds.
    Output,
    Other,
}

/// Classifies keys without allocating (escaped keys come through `visit_str`).
struct KeySeed<'o>(&'o Names<'o>);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, k: &str) -> Result<Key, E> {
        Ok(self.0.key(k))
    }
}

/// Copies a string value into the reused text buffer; `Ok(false)` for a value of another type.
struct TextSeed<'b>(&'b mut String);

impl<'de> serde::de::DeserializeSeed<'de> for TextSeed<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TextSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        self.0.clear();
        self.0.push_str(v);
        Ok(true)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<bool, A::Error> {
        while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<bool, A::Error> {
        while a
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(false)
    }
}

/// The field names a first pass looks for.
struct Names<'o> {
    text: &'o str,
    id: &'o str,
    score: Option<&'o str>,
    output: Vec<String>,
}

impl<'o> Names<'o> {
    /// Which field `k` is.
    fn key(&self, k: &str) -> Key {
        if k == self.text {
            Key::Text
        } else if k == self.id {
            Key::Id
        } else if self.score == Some(k) {
            Key::Score
        } else if self.output.iter().any(|o| o == k) {
            Key::Output
        } else {
            Key::Other
        }
    }

    fn new(opts: &'o DedupJsonlOptions, exact: bool) -> Self {
        let mut output = vec![
            opts.cluster_field.clone(),
            opts.duplicate_field.clone(),
            opts.similarity_field.clone(),
        ];
        if exact {
            output.push(format!("exact_{}", opts.similarity_field));
        }
        Self {
            text: &opts.text_field,
            id: &opts.id_field,
            score: opts.score_field.as_deref(),
            output,
        }
    }
}

/// What one pass over a record's JSON found.
#[derive(Default)]
struct Found<'a> {
    text: bool,
    text_is_string: bool,
    /// The id's and the score's values as JSON text.
    id: Option<&'a str>,
    score: Option<&'a str>,
    collides: bool,
}

/// Ones in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
const HIGH: u64 = ONES * 0x80;

/// The first byte from `p` that ends a run of plain string chars: a quote, a backslash or a
/// control char (which JSON does not allow raw), or `b.len()`. Quotes and backslashes are
/// found by `memchr` (SIMD chosen at run time); control chars, rare, by one check of the
/// whole run 8 bytes at a time (a byte below 0x20 sets its top bit in `x - 0x20…` while its
/// own top bit is clear).
fn string_special(b: &[u8], p: usize) -> usize {
    let q = memchr::memchr2(b'"', b'\\', &b[p..]).map_or(b.len(), |i| p + i);
    let run = &b[p..q];
    let words = run.chunks_exact(8);
    let tail = words.remainder();
    let control = words.fold(0u64, |acc, w| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(w);
        let x = u64::from_le_bytes(eight);
        acc | (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
    });
    if control != 0 || tail.iter().any(|&c| c < 0x20) {
        return p + run.iter().position(|&c| c < 0x20).unwrap_or(run.len());
    }
    q
}

/// Four hex digits at `b[p..]`.
fn hex4(b: &[u8], p: usize) -> Option<u32> {
    let digits = b.get(p..p + 4)?;
    digits
        .iter()
        .try_fold(0u32, |v, &c| char::from(c).to_digit(16).map(|d| v * 16 + d))
}

/// The JSON string whose contents start at `s[p]` (after the opening quote): its decoded
/// value appended to `out` (when given) and the index after the closing quote. `None` for
/// anything JSON does not allow (a raw control char, a bad escape, a lone surrogate) or an
/// unterminated string: the caller then leaves the line to `serde_json`.
fn json_string(s: &str, mut p: usize, mut out: Option<&mut String>) -> Option<usize> {
    let b = s.as_bytes();
    loop {
        let q = string_special(b, p);
        if let Some(o) = out.as_deref_mut() {
            // Quotes, backslashes and control chars are ASCII: `q` is a char boundary.
            o.push_str(&s[p..q]);
        }
        match *b.get(q)? {
            b'"' => return Some(q + 1),
            b'\\' => {
                let (c, next) = match *b.get(q + 1)? {
                    b'"' => ('"', q + 2),
                    b'\\' => ('\\', q + 2),
                    b'/' => ('/', q + 2),
                    b'b' => ('\u{8}', q + 2),
                    b'f' => ('\u{c}', q + 2),
                    b'n' => ('\n', q + 2),
                    b'r' => ('\r', q + 2),
                    b't' => ('\t', q + 2),
                    b'u' => {
                        let u = hex4(b, q + 2)?;
                        if (0xd800..0xdc00).contains(&u) {
                            if b.get(q + 6..q + 8)? != b"\\u" {
                                return None;
                            }
                            let low = hex4(b, q + 8)?;
                            if !(0xdc00..0xe000).contains(&low) {
                                return None;
                            }
                            let c = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                            (char::from_u32(c)?, q + 12)
                        } else {
                            (char::from_u32(u)?, q + 6)
                        }
                    }
                    _ => return None,
                };
                if let Some(o) = out.as_deref_mut() {
                    o.push(c);
                }
                p = next;
            }
            _ => return None,
        }
    }
}

/// JSON white space from `p` skipped.
fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while matches!(b.get(p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        p += 1;
    }
    p
}

/// [`RecordSeed`]'s reading of the trimmed line `s` (an object) for the usual record, an
/// object whose values are all strings, without `serde_json`: the text decoded into `text`
/// once (`serde_json` decodes an escaped string into its scratch buffer, then the seed copies
/// it), and the scan for the string's end 8 bytes at a time. `None` for anything else (other
/// values, escaped keys, invalid JSON): the caller then reads the line with `serde_json`,
/// which gives the same fields or names the reason to reject it.
fn read_plain<'a>(s: &'a str, names: &Names<'_>, text: &mut String) -> Option<Found<'a>> {
    let b = s.as_bytes();
    let mut found = Found::default();
    let mut p = skip_ws(b, 1);
    if b.get(p) == Some(&b'}') {
        return (p + 1 == b.len()).then_some(found);
    }
    loop {
        if b.get(p) != Some(&b'"') {
            return None;
        }
        let key_end = string_special(b, p + 1);
        if b.get(key_end) != Some(&b'"') {
            return None;
        }
        let key = names.key(&s[p + 1..key_end]);
        p = skip_ws(b, key_end + 1);
        if b.get(p) != Some(&b':') {
            return None;
        }
        p = skip_ws(b, p + 1);
        if b.get(p) != Some(&b'"') {
            return None;
        }
        let start = p;
        if let Key::Text = key {
            text.clear();
            p = json_string(s, p + 1, Some(&mut *text))?;
            found.text = true;
            found.text_is_string = true;
        } else {
            p = json_string(s, p + 1, None)?;
            match key {
                Key::Id => found.id = Some(&s[start..p]),
                Key::Score => found.score = Some(&s[start..p]),
                Key::Output => found.collides = true,
                Key::Text | Key::Other => {}
            }
        }
        p = skip_ws(b, p);
        match b.get(p) {
            Some(b',') => p = skip_ws(b, p + 1),
            Some(b'}') => return (p + 1 == b.len()).then_some(found),
            _ => return None,
        }
    }
}

/// Reads the fields dedup needs in one pass over the record, decoding only the text (into
/// `text`, reused across records) and building no map.
struct RecordSeed<'o, 'b> {
    names: &'o Names<'o>,
    text: &'b mut String,
}

impl<'de> serde::de::DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = Found<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Found<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RecordSeed<'_, '_> {
    type Value = Found<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Found<'de>, A::Error> {
        let mut found = Found::default();
        while let Some(key) = map.next_key_seed(KeySeed(self.names))? {
            match key {
                Key::Text => {
                    found.text = true;
                    found.text_is_string = map.next_value_seed(TextSeed(&mut *self.text))?;
                }
                Key::Id => found.id = Some(map.next_value::<&RawValue>()?.get()),
                Key::Score => found.score = Some(map.next_value::<&RawValue>()?.get()),
                Key::Output => {
                    found.collides = true;
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

/// Parses one line for dedup: its text into `text`, and what [`First`] keeps. `Ok(None)` for
/// a blank line, `Err(reason)` for a record to reject (the reasons of [`parse_record`]).
fn read_fields<'a>(
    raw: &'a [u8],
    names: &Names<'_>,
    text: &mut String,
) -> Result<Option<(Found<'a>, usize)>, String> {
    let slow = |raw| match parse_record(raw, names.text) {
        Ok(_) => "invalid JSON".to_string(),
        Err(reason) => reason,
    };
    // `simdutf8`: the same check as `str::from_utf8`, with SIMD chosen at run time.
    let Ok(s) = simdutf8::basic::from_utf8(raw) else {
        return Err(slow(raw));
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if !s.starts_with('{') {
        return Err(slow(raw));
    }
    let found = match read_plain(s, names, text).filter(|f| f.text) {
        Some(f) => f,
        None => match read_serde(s, names, text) {
            Some(f) if f.text && f.text_is_string => f,
            // The general parser names the reason (rejects are rare).
            _ => return Err(slow(raw)),
        },
    };
    Ok(Some((found, s.len())))
}

/// [`RecordSeed`] over the trimmed line `s`; `None` when it is not one JSON object.
fn read_serde<'a>(s: &'a str, names: &Names<'_>, text: &mut String) -> Option<Found<'a>> {
    let mut de = serde_json::Deserializer::from_str(s);
    let seed = RecordSeed { names, text };
    let found = serde::de::DeserializeSeed::deserialize(seed, &mut de).ok()?;
    de.end().is_ok().then_some(found)
}

fn first_pass(
    deduper: &Deduper,
    opts: &DedupJsonlOptions,
    names: &Names<'_>,
    (input, raw, lineno): (&str, &[u8], u64),
    (scratch, text): &mut (Scratch, String),
    signature: &mut [u32],
) -> First {
    let (found, trimmed) = match read_fields(raw, names, text) {
        Ok(Some(r)) => r,
        Ok(None) => return First::Blank,
        Err(reason) => return First::Reject(reject_line(input, lineno, raw, reason)),
    };
    let score = match &opts.score_field {
        None => None,
        Some(f) => match found.score.map(str::parse::<f64>) {
            Some(Ok(s)) if !s.is_nan() => Some(s),
            _ => {
                let reason = format!("field {f:?} is missing or not a number");
                return First::Reject(reject_line(input, lineno, raw, reason));
            }
        },
    };
    let id = found.id.map(Box::<str>::from);
    let (exact, shingles) = deduper.hasher.sketch_into(text, scratch, signature);
    First::Record {
        exact,
        shingles,
        text_len: text.len(),
        id,
        score,
        write: match u32::try_from(trimmed) {
            Ok(n) if !found.collides && n != SLOW_WRITE => n,
            _ => SLOW_WRITE,
        },
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
    // How each record is written back (see `First::Record::write`).
    let mut writes: Vec<u32> = Vec::new();
    let num_perm = deduper.config.num_perm;
    let mut signatures: Vec<u32> = Vec::new();
    let names = Names::new(opts, deduper.config.exact);

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
                signatures.clear();
                signatures.resize(lines.len() * num_perm, 0);
                let firsts: Vec<First> = deduper.install(|| {
                    lines
                        .par_iter()
                        .zip(signatures.par_chunks_mut(num_perm))
                        .map_init(
                            || (Scratch::default(), String::new()),
                            |buffers, ((n, raw), sig)| {
                                first_pass(deduper, opts, &names, (input, raw, *n), buffers, sig)
                            },
                        )
                        .collect()
                });
                for (((n, _), first), signature) in
                    lines.iter().zip(firsts).zip(signatures.chunks(num_perm))
                {
                    match first {
                        First::Blank => summary.blank_lines += 1,
                        First::Reject(line) => {
                            summary.records_in += 1;
                            summary.rejected += 1;
                            rejects.write(*n, &line)?;
                        }
                        First::Record {
                            exact,
                            shingles,
                            text_len,
                            id,
                            score,
                            write,
                        } => {
                            summary.records_in += 1;
                            summary.bytes_in += text_len as u64;
                            sketches.push(signature, exact, shingles, text_len);
                            writes.push(write);
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
    // The output keys as JSON strings, for splicing.
    let keys: Vec<String> = [
        &opts.cluster_field,
        &opts.duplicate_field,
        &opts.similarity_field,
        &exact_field,
    ]
    .iter()
    .map(|k| serde_json::to_string(k).unwrap_or_default())
    .collect();
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
        let written: Vec<Result<Option<Written>>> = deduper.install(|| {
            todo.par_iter()
                .map(|&(i, d)| {
                    let r = &docs[d as usize];
                    if opts.drop && r.duplicate_of.is_some() {
                        return Ok(None);
                    }
                    let (n, raw) = &lines[i];
                    let changed =
                        || Error::input(format!("{input}:{n}: input changed while reading"));
                    let s = simdutf8::basic::from_utf8(raw)
                        .map_err(|_| changed())?
                        .trim();
                    let round = |x: f32| (f64::from(x) * 1e4).round() / 1e4;
                    let dup = r.duplicate_of.map_or_else(|| "null".into(), name);
                    let sim = if r.duplicate_of.is_some() {
                        round(r.similarity).to_string()
                    } else {
                        "null".into()
                    };
                    let exact = match (r.duplicate_of, r.exact_similarity) {
                        (Some(_), Some(x)) => round(x).to_string(),
                        _ => "null".into(),
                    };
                    let write = writes[d as usize];
                    if write != SLOW_WRITE {
                        // The record as read, with the new fields spliced in before its
                        // closing brace (checked in the first pass: an object, none of the
                        // new fields in it).
                        if s.len() != write as usize || !s.ends_with('}') {
                            return Err(changed());
                        }
                        // Only the new fields are built here; the record is written from
                        // the batch buffer (no copy of its text).
                        let mut line = String::with_capacity(128);
                        for (key, value) in [
                            (&keys[0], name(r.cluster)),
                            (&keys[1], dup),
                            (&keys[2], sim),
                        ] {
                            line.push(',');
                            line.push_str(key);
                            line.push(':');
                            line.push_str(&value);
                        }
                        if deduper.config.exact {
                            line.push(',');
                            line.push_str(&keys[3]);
                            line.push(':');
                            line.push_str(&exact);
                        }
                        line.push('}');
                        return Ok(Some(Written::Spliced(&s[..s.len() - 1], line)));
                    }
                    let mut record: IndexMap<String, &RawValue> =
                        serde_json::from_str(s).map_err(|_| changed())?;
                    let cluster = raw_value(name(r.cluster))?;
                    let dup = raw_value(dup)?;
                    let sim = raw_value(sim)?;
                    record.insert(opts.cluster_field.clone(), &cluster);
                    record.insert(opts.duplicate_field.clone(), &dup);
                    record.insert(opts.similarity_field.clone(), &sim);
                    let exact = raw_value(exact)?;
                    if deduper.config.exact {
                        record.insert(exact_field.clone(), &exact);
                    }
                    serde_json::to_string(&record)
                        .map(|line| Some(Written::Whole(line)))
                        .map_err(|e| Error::input(format!("{input}:{n}: cannot write record: {e}")))
                })
                .collect()
        });
        for line in written {
            match line? {
                Some(Written::Whole(line)) => {
                    out.write_line(&line)?;
                    summary.records_out += 1;
                }
                Some(Written::Spliced(head, tail)) => {
                    out.write_spliced(head, &tail)?;
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
    let names = Names::new(opts, false);
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
                    .map_init(
                        || (Scratch::default(), String::new()),
                        |(scratch, text), (d, raw)| {
                            let set = match read_fields(raw, &names, text) {
                                Ok(Some(_)) => deduper.hasher.shingle_set_with(text, scratch),
                                _ => Vec::new(),
                            };
                            (d, set)
                        },
                    )
                    .collect()
            });
            sets.extend(found);
            Ok(())
        },
    )?;
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_records_read_as_serde_json_reads_them() {
        let opts = DedupJsonlOptions {
            score_field: Some("score".into()),
            ..DedupJsonlOptions::default()
        };
        let names = Names::new(&opts, true);
        let texts = [
            r#""plain words""#,
            r#""""#,
            r#""line\nbreak \"quoted\" back\\slash \/ \b\f\r\t tab""#,
            r#""caf\u00e9 \u2019 \ud83d\ude00 smile, ünïcødé and 東京""#,
            r#""lone \ud83d surrogate""#,
            r#""lone \ude00 trail""#,
            r#""bad \x escape""#,
            r#""short \u12 hex""#,
            "\"raw \u{1} control\"",
            "\"raw \t tab\"",
            r#""unterminated"#,
            r#"12"#,
            r#"null"#,
            r#"["a"]"#,
            r#""an 8-byte run: abcdefgh\"ijklmnop\\qrstuvwx""#,
        ];
        let others = [
            "",
            r#""id": "d1", "#,
            r#""id": 7, "#,
            r#""score": "3.5", "#,
            r#""score": 3.5, "#,
            r#""cluster": "x", "#,
            r#""meta": {"a": [1, "}"]}, "#,
            r#""k\u0065y": "v", "#,
            r#""text": "first", "#,
            r#""flag": true, "#,
        ];
        let mut checked = 0;
        for t in texts {
            for o in others {
                for line in [
                    format!("{{{o}\"text\": {t}}}"),
                    format!("{{ \"text\" :{t} , {o}\"z\":\"\"}}"),
                    format!("{{\"text\": {t}}} x"),
                    format!("{{\"text\": {t},}}"),
                    format!("{{{o}}}"),
                ] {
                    let (mut a, mut b) = (String::from("stale"), String::from("stale"));
                    let plain = read_plain(&line, &names, &mut a);
                    let serde = read_serde(&line, &names, &mut b);
                    if let Some(p) = plain {
                        let s = serde.unwrap_or_else(|| panic!("serde_json refuses {line}"));
                        assert_eq!(
                            (p.text, p.text_is_string, p.id, p.score, p.collides),
                            (s.text, s.text_is_string, s.id, s.score, s.collides),
                            "{line}"
                        );
                        if p.text {
                            assert_eq!(a, b, "{line}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }
}
