//! Cleaning JSONL corpora: one JSON object per line, plain, gzip (`.gz`) or zstd (`.zst`).
//!
//! - Every field but the text field is written back exactly as it was read (raw JSON, same
//!   order); unknown fields are kept.
//! - A record that cannot be processed (invalid UTF-8, bad JSON, not an object, a missing or
//!   non-string text field) goes to the **rejects** file with its file, line number, reason and
//!   the original line, and the run goes on. Records in = records out + rejected, always.
//! - Outputs are written **atomically**: to a temporary file beside the target, renamed into
//!   place only once complete, so a crash never leaves a half-written file.
//! - Work runs in batches on all cores; output order is input order.
//! - A run can be stopped between batches by a check (see [`clean_jsonl_with`]: the Python
//!   layer stops on signals), leaving no output; and made **resumable**
//!   ([`JsonlOptions::resume`]): output committed in chunks with a progress file, so a run cut
//!   off and started again continues exactly where its last commit left off.
//! - Memory: one batch of lines (at most [`JsonlOptions::batch_records`] records or about
//!   64 MiB, plus the line that crosses the limit), and the cleaner's per-page working set;
//!   pages beyond `max_page_bytes` are passed through untouched.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::clean::{CleanReport, Cleaner};
use crate::document::{char_offsets, Span};
use crate::error::{Error, Result};
use crate::stats::SiteModel;

mod resume;

/// Options of [`clean_jsonl`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct JsonlOptions {
    /// The field holding the page text. Default `"text"`.
    pub text_field: String,
    /// Keep the text and add the spans (in `spans_field`) instead of cleaning. Default false.
    pub annotate: bool,
    /// Field that receives the spans in annotate mode. Default `"spans"`.
    pub spans_field: String,
    /// Where rejected records go (JSONL, compressed by extension). Written only when a record
    /// is rejected. Default: none, and a rejected record is then an error.
    pub rejects: Option<String>,
    /// Draw a progress bar on standard error when it is a terminal. Default true.
    pub progress: bool,
    /// Records per parallel batch. Default 4096.
    pub batch_records: usize,
    /// The field naming each record's site (a string, e.g. a domain); with a fitted cleaner
    /// its site statistics apply. A record whose field is missing or not a string is cleaned
    /// as a page of no known site. Default: none.
    pub site_field: Option<String>,
    /// The field holding each record's URL; its registered domain
    /// ([`registered_domain`](crate::site::registered_domain)) names the record's site when
    /// `site_field` is not set or missing on the record. Default: none.
    pub url_field: Option<String>,
    /// Make the run resumable: the output (and rejects) are appended to `OUT.partial` in
    /// chunks, each committed with a progress file `OUT.progress`; a run cut off (killed,
    /// interrupted, disk full) and started again with the same arguments continues after the
    /// last committed chunk, with no record lost or written twice. Needs files, not `-`.
    /// Default false.
    pub resume: bool,
}

impl Default for JsonlOptions {
    fn default() -> Self {
        Self {
            text_field: "text".into(),
            annotate: false,
            spans_field: "spans".into(),
            rejects: None,
            progress: true,
            batch_records: 4096,
            site_field: None,
            url_field: None,
            resume: false,
        }
    }
}

/// What a [`clean_jsonl`] run did. Records in = records out + rejected, always.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JsonlSummary {
    /// Records read (blank lines are not records).
    pub records_in: u64,
    /// Records written to the output.
    pub records_out: u64,
    /// Records written to the rejects file.
    pub rejected: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// The rejects file, when one was written.
    pub rejects_path: Option<String>,
    /// Input lines a resumed run skipped because an earlier run had committed them (their
    /// records are counted above, as if this run had read them).
    pub resumed_lines: u64,
    /// What cleaning removed, per label; `report.skipped` counts the pages passed through
    /// untouched because they are larger than `max_page_bytes`.
    pub report: CleanReport,
}

/// A span as written to JSON: code-point offsets, like Python's `str`.
#[derive(Serialize)]
struct SpanOut<'a> {
    start: usize,
    end: usize,
    label: &'static str,
    score: f64,
    detector: &'a str,
    rule: &'a str,
    evidence: &'a str,
    copies: Vec<(usize, usize)>,
}

/// The spans with byte offsets turned into code-point offsets of `text`.
fn spans_json(text: &str, spans: &[Span]) -> String {
    let mut offs = Vec::with_capacity(spans.len() * 2);
    for s in spans {
        offs.push(s.start);
        offs.push(s.end);
        for &(a, b) in &s.copies {
            offs.push(a);
            offs.push(b);
        }
    }
    let chars = char_offsets(text, &offs);
    let mut it = chars.into_iter();
    let mut next = || it.next().unwrap_or(0);
    let out: Vec<SpanOut<'_>> = spans
        .iter()
        .map(|s| SpanOut {
            start: next(),
            end: next(),
            label: s.label.as_str(),
            score: s.score,
            detector: &s.detector,
            rule: &s.rule,
            evidence: &s.evidence,
            copies: s.copies.iter().map(|_| (next(), next())).collect(),
        })
        .collect();
    serde_json::to_string(&out).unwrap_or_else(|_| "[]".into())
}

enum Outcome {
    Blank,
    Out {
        line: String,
        input_len: usize,
        result: crate::clean::CleanResult,
    },
    Reject(String),
}

#[derive(Serialize)]
struct RejectOut<'a> {
    file: &'a str,
    line: u64,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_base64: Option<String>,
}

fn reject(file: &str, lineno: u64, raw: &[u8], reason: String) -> Outcome {
    Outcome::Reject(reject_line(file, lineno, raw, reason))
}

/// The rejects-file line for record `lineno` of `file`: file, line, reason and the original
/// line (base64 when it is not UTF-8).
pub(crate) fn reject_line(file: &str, lineno: u64, raw: &[u8], reason: String) -> String {
    let (record, record_base64) = match std::str::from_utf8(raw) {
        Ok(s) => (Some(s.trim_end_matches(['\n', '\r'])), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(raw)),
        ),
    };
    let r = RejectOut {
        file,
        line: lineno,
        reason,
        record,
        record_base64,
    };
    serde_json::to_string(&r).unwrap_or_default()
}

/// A record read from one line: its fields (raw JSON, in order) and its text field.
pub(crate) type Record<'a> = (IndexMap<String, &'a RawValue>, String);

/// Parses one line: `Ok(None)` for a blank line, `Err(reason)` for a record to reject.
pub(crate) fn parse_record<'a>(raw: &'a [u8], field: &str) -> Result<Option<Record<'a>>, String> {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s,
        Err(e) => {
            return Err(format!(
                "invalid UTF-8 at byte {} of the line",
                e.valid_up_to()
            ))
        }
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if !s.starts_with('{') {
        return Err("record is not a JSON object".into());
    }
    let record: IndexMap<String, &RawValue> = serde_json::from_str(s).map_err(|e| {
        if e.is_eof() && !raw.ends_with(b"\n") {
            format!("the file ends in the middle of this record: {e}")
        } else {
            format!("invalid JSON: {e}")
        }
    })?;
    let Some(value) = record.get(field) else {
        return Err(format!("missing field {field:?}"));
    };
    if !value.get().starts_with('"') {
        return Err(format!("field {field:?} is not a string"));
    }
    let text: String = serde_json::from_str(value.get())
        .map_err(|e| format!("field {field:?} is not valid Unicode text: {e}"))?;
    Ok(Some((record, text)))
}

fn process(cleaner: &Cleaner, opts: &JsonlOptions, file: &str, lineno: u64, raw: &[u8]) -> Outcome {
    let field = &opts.text_field;
    let (mut record, text) = match parse_record(raw, field) {
        Ok(Some(r)) => r,
        Ok(None) => return Outcome::Blank,
        Err(reason) => return reject(file, lineno, raw, reason),
    };
    let site = record_site(&record, opts);
    let result = cleaner.clean_site(&text, site.as_deref());
    let replacement = if opts.annotate {
        spans_json(&text, &result.spans)
    } else {
        serde_json::to_string(&result.text).unwrap_or_default()
    };
    let Ok(replacement) = RawValue::from_string(replacement) else {
        return reject(file, lineno, raw, "could not serialise the result".into());
    };
    let target = if opts.annotate {
        opts.spans_field.clone()
    } else {
        field.clone()
    };
    record.insert(target, &replacement);
    match serde_json::to_string(&record) {
        Ok(line) => Outcome::Out {
            line,
            input_len: text.len(),
            result,
        },
        Err(e) => reject(
            file,
            lineno,
            raw,
            format!("could not serialise the record: {e}"),
        ),
    }
}

/// How a file is compressed, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn of(path: &str) -> Self {
        if path.ends_with(".gz") {
            Self::Gzip
        } else if path.ends_with(".zst") || path.ends_with(".zstd") {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// Opens `path` for reading, decompressing by extension; `-` is standard input.
///
/// # Errors
/// [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be opened.
pub fn open_input(path: &str) -> Result<Box<dyn BufRead + Send>> {
    if path == "-" {
        return Ok(Box::new(BufReader::with_capacity(1 << 20, io::stdin())));
    }
    let file = File::open(path).map_err(|e| Error::io(format!("cannot open {path}"), e))?;
    let reader: Box<dyn Read + Send> = match Compression::of(path) {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))),
        Compression::Zstd => Box::new(
            zstd::Decoder::new(file).map_err(|e| Error::io(format!("cannot read {path}"), e))?,
        ),
        Compression::None => Box::new(file),
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

enum Encoder {
    Plain(BufWriter<File>),
    Gz(flate2::write::GzEncoder<BufWriter<File>>),
    Zst(zstd::Encoder<'static, BufWriter<File>>),
    Stdout(BufWriter<io::Stdout>),
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gz(w) => w.write(buf),
            Encoder::Zst(w) => w.write(buf),
            Encoder::Stdout(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gz(w) => w.flush(),
            Encoder::Zst(w) => w.flush(),
            Encoder::Stdout(w) => w.flush(),
        }
    }
}

/// An output file written atomically: a temporary file beside the target, compressed by the
/// target's extension, renamed into place by [`AtomicOutput::commit`]. Dropped without commit,
/// the temporary file is removed and the target is untouched. `-` writes to standard output.
pub struct AtomicOutput {
    target: String,
    tmp: Option<tempfile::NamedTempFile>,
    encoder: Option<Encoder>,
}

impl AtomicOutput {
    /// Starts writing `path` (or standard output for `-`).
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the temporary file cannot be created.
    pub fn create(path: &str) -> Result<Self> {
        if path == "-" {
            let enc = Encoder::Stdout(BufWriter::with_capacity(1 << 20, io::stdout()));
            return Ok(Self {
                target: path.into(),
                tmp: None,
                encoder: Some(enc),
            });
        }
        let target = Path::new(path);
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map_or("out".into(), |n| n.to_string_lossy().into_owned());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(format!("cannot create a file in {}", dir.display()), e))?;
        let file = tmp.as_file().try_clone().map_err(|e| Error::io(path, e))?;
        let buf = BufWriter::with_capacity(1 << 20, file);
        let enc = match Compression::of(path) {
            Compression::Gzip => Encoder::Gz(flate2::write::GzEncoder::new(
                buf,
                flate2::Compression::default(),
            )),
            Compression::Zstd => {
                Encoder::Zst(zstd::Encoder::new(buf, 3).map_err(|e| Error::io(path, e))?)
            }
            Compression::None => Encoder::Plain(buf),
        };
        Ok(Self {
            target: path.into(),
            tmp: Some(tmp),
            encoder: Some(enc),
        })
    }

    /// Writes `line` and a newline.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) on a write failure (disk full, ...).
    pub fn write_line(&mut self, line: &str) -> Result<()> {
        self.write_spliced(line, "")
    }

    /// Writes `head`, `tail` and a newline: one line, with no copy to join them.
    pub(crate) fn write_spliced(&mut self, head: &str, tail: &str) -> Result<()> {
        let target = &self.target;
        let enc = self
            .encoder
            .as_mut()
            .ok_or_else(|| Error::input("output already committed"))?;
        enc.write_all(head.as_bytes())
            .and_then(|()| enc.write_all(tail.as_bytes()))
            .and_then(|()| enc.write_all(b"\n"))
            .map_err(|e| Error::io(format!("cannot write {target}"), e))
    }

    /// Finishes compression, syncs the file to disk and renames it into place.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when finishing, syncing or renaming fails; the
    /// target is then left as it was.
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        let io_err = |e| Error::io(format!("cannot write {target}"), e);
        let file_buf = match self.encoder.take() {
            None => return Ok(()),
            Some(Encoder::Stdout(mut w)) => return w.flush().map_err(io_err),
            Some(Encoder::Plain(w)) => w,
            Some(Encoder::Gz(w)) => w.finish().map_err(io_err)?,
            Some(Encoder::Zst(w)) => w.finish().map_err(io_err)?,
        };
        let file = file_buf.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        if let Some(tmp) = self.tmp.take() {
            tmp.persist(&self.target).map_err(|e| io_err(e.error))?;
        }
        Ok(())
    }
}

/// A progress bar over reading `input` on standard error, when `enabled` and it is a terminal:
/// bytes of the file when its size is known (not standard input, not compressed), a spinner
/// otherwise.
pub(crate) fn progress_bar(enabled: bool, input: &str) -> Option<indicatif::ProgressBar> {
    // Compressed files are counted in decompressed bytes: their size would not match.
    let total = if input == "-" || Compression::of(input) != Compression::None {
        None
    } else {
        std::fs::metadata(input).ok().map(|m| m.len())
    };
    if enabled && io::stderr().is_terminal() {
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let style = if total.is_some() {
            "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {msg}"
        } else {
            "{spinner} {bytes} {binary_bytes_per_sec} {msg}"
        };
        if let Ok(s) = indicatif::ProgressStyle::with_template(style) {
            bar.set_style(s);
        }
        Some(bar)
    } else {
        None
    }
}

/// A check run between batches: an error (e.g. [`Error::interrupted`] on a signal) stops the
/// run there, its outputs not written (a resumable run keeps what it committed).
pub type Check<'a> = &'a dyn Fn() -> Result<()>;

/// Reads `reader` (the file `input`) in batches of at most `batch` lines (and about 64 MiB),
/// calling `f(lines, bytes)` with `(line number, bytes)` pairs; every line read is first
/// copied to `spool` when given (standard input kept for a second pass). The first `skip`
/// lines are read and passed over (a resumed run); `check` runs before each batch.
pub(crate) fn for_each_batch(
    reader: &mut dyn BufRead,
    input: &str,
    batch: usize,
    skip: u64,
    mut spool: Option<&mut dyn Write>,
    check: Check<'_>,
    mut f: impl FnMut(&[(u64, &[u8])], usize) -> Result<()>,
) -> Result<()> {
    let batch = batch.max(1);
    let mut lineno = 0u64;
    let read_err =
        |lineno: u64, e| Error::io(format!("cannot read {input} after line {lineno}"), e);
    let mut buf = Vec::new();
    while lineno < skip {
        if lineno % 65_536 == 0 {
            check()?;
        }
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| read_err(lineno, e))?
            == 0
        {
            return Err(Error::input(format!(
                "{input} has {lineno} lines, fewer than the {skip} an earlier run committed"
            )));
        }
        lineno += 1;
    }
    // A batch's lines are read one after another into one buffer (no allocation a line),
    // then handed out as slices of it.
    let mut ends: Vec<(u64, usize)> = Vec::with_capacity(batch);
    loop {
        check()?;
        buf.clear();
        ends.clear();
        while ends.len() < batch && buf.len() < (64 << 20) {
            let start = buf.len();
            let n = read_line(reader, &mut buf).map_err(|e| read_err(lineno, e))?;
            if n == 0 {
                break;
            }
            if let Some(w) = spool.as_mut() {
                w.write_all(&buf[start..])
                    .map_err(|e| Error::io("cannot spool standard input", e))?;
            }
            lineno += 1;
            ends.push((lineno, buf.len()));
        }
        if ends.is_empty() {
            return Ok(());
        }
        let mut start = 0;
        let lines: Vec<(u64, &[u8])> = ends
            .iter()
            .map(|&(n, end)| {
                let line = &buf[start..end];
                start = end;
                (n, line)
            })
            .collect();
        f(&lines, buf.len())?;
    }
}

/// Appends the next line of `reader` (with its `\n`, if any) to `buf`, as
/// [`BufRead::read_until`] does, and returns its length (0 at the end); the newline is found
/// with `memchr`, whose SIMD search (chosen at run time) is several times faster than std's.
fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut read = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let (done, used) = match memchr::memchr(b'\n', available) {
            Some(i) => (true, i + 1),
            None => (available.is_empty(), available.len()),
        };
        buf.extend_from_slice(&available[..used]);
        reader.consume(used);
        read += used;
        if done {
            return Ok(read);
        }
    }
}

/// A check that never stops a run.
pub(crate) fn no_check() -> Result<()> {
    Ok(())
}

/// Where a run's lines go: a file written whole and renamed into place
/// ([`AtomicOutput`]), or, in a resumable run, a partial file appended to in committed chunks.
pub(crate) enum Sink {
    Atomic(AtomicOutput),
    Chunked(resume::ChunkedOutput),
}

impl Sink {
    pub(crate) fn write_line(&mut self, line: &str) -> Result<()> {
        match self {
            Self::Atomic(o) => o.write_line(line),
            Self::Chunked(o) => o.write_line(line),
        }
    }

    /// Commits what was written so far (resumable runs); the bytes committed.
    fn checkpoint(&mut self) -> Result<u64> {
        match self {
            Self::Atomic(_) => Ok(0),
            Self::Chunked(o) => o.checkpoint(),
        }
    }

    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Self::Atomic(o) => o.commit(),
            Self::Chunked(o) => o.commit(),
        }
    }
}

/// The rejects file of a run over `input`: created on the first rejected record, written
/// atomically (or in chunks, resumable); with no path, a rejected record is an error naming
/// the file and line.
pub(crate) struct Rejects<'a> {
    input: &'a str,
    path: Option<&'a str>,
    out: Option<Sink>,
    resumable: bool,
}

impl<'a> Rejects<'a> {
    pub(crate) fn new(input: &'a str, path: Option<&'a str>) -> Self {
        Self {
            input,
            path,
            out: None,
            resumable: false,
        }
    }

    /// Rejects of a resumable run, `committed` bytes already in the partial file (0: none yet;
    /// a stale partial file is then replaced on the first reject).
    fn resumable(input: &'a str, path: Option<&'a str>, committed: u64) -> Result<Self> {
        let out = match path {
            Some(p) if committed > 0 => Some(Sink::Chunked(resume::ChunkedOutput::open(
                p,
                Some(committed),
            )?)),
            _ => None,
        };
        Ok(Self {
            input,
            path,
            out,
            resumable: true,
        })
    }

    /// Writes the reject `line` of record `lineno`.
    pub(crate) fn write(&mut self, lineno: u64, line: &str) -> Result<()> {
        let Some(path) = self.path else {
            return Err(Error::input(format!(
                "{}:{lineno}: record rejected and no rejects file given: {line}",
                self.input
            )));
        };
        if self.out.is_none() {
            self.out = Some(if self.resumable {
                Sink::Chunked(resume::ChunkedOutput::open(path, None)?)
            } else {
                Sink::Atomic(AtomicOutput::create(path)?)
            });
        }
        match self.out.as_mut() {
            Some(out) => out.write_line(line),
            None => Ok(()),
        }
    }

    /// Commits the rejects written so far (resumable runs); the bytes committed.
    fn checkpoint(&mut self) -> Result<u64> {
        self.out.as_mut().map_or(Ok(0), Sink::checkpoint)
    }

    /// The rejects file's path, once a record was written to it.
    pub(crate) fn written(&self) -> Option<String> {
        self.out.as_ref().and(self.path).map(str::to_string)
    }

    /// Puts the rejects file in place, if one was written.
    pub(crate) fn commit(self) -> Result<()> {
        if self.out.is_none() && self.resumable {
            // A partial rejects file left by a run whose rejects were never committed.
            if let Some(p) = self.path {
                let _ = std::fs::remove_file(resume::with_suffix(p, ".partial"));
            }
        }
        self.out.map_or(Ok(()), Sink::commit)
    }
}

/// The string value of field `name` of a parsed record, if it has one.
/// A record's site: its `site_field`, else the registered domain of its `url_field`.
fn record_site(record: &IndexMap<String, &RawValue>, opts: &JsonlOptions) -> Option<String> {
    opts.site_field
        .as_deref()
        .and_then(|f| string_field(record, f))
        .or_else(|| {
            let url = string_field(record, opts.url_field.as_deref()?)?;
            crate::site::registered_domain(&url)
        })
}

pub(crate) fn string_field(record: &IndexMap<String, &RawValue>, name: &str) -> Option<String> {
    record
        .get(name)
        .and_then(|v| serde_json::from_str::<String>(v.get()).ok())
}

/// Cleans the JSONL file `input` into `output` (`-` for standard input / output).
///
/// See the [module docs](self) for the guarantees. Blank lines are skipped (and counted).
///
/// # Errors
/// [`ErrorKind::Io`](crate::ErrorKind::Io) when a file cannot be opened, read (a truncated
/// compressed file) or written; the output is then not created. With no `rejects` path, a
/// record that cannot be processed is an [`ErrorKind::Input`](crate::ErrorKind::Input) error
/// naming the file and line. With `resume`, [`ErrorKind::Config`](crate::ErrorKind::Config)
/// for `-`, and [`ErrorKind::Input`](crate::ErrorKind::Input) when the progress file was
/// written by a different run.
pub fn clean_jsonl(
    cleaner: &Cleaner,
    input: &str,
    output: &str,
    opts: &JsonlOptions,
) -> Result<JsonlSummary> {
    clean_jsonl_with(cleaner, input, output, opts, &no_check)
}

/// [`clean_jsonl`], calling `check` before each batch: an error it returns (e.g.
/// [`Error::interrupted`] when a signal arrived) ends the run with that error, the output not
/// written (a resumable run keeps its committed chunks, to continue later).
///
/// # Errors
/// As [`clean_jsonl`], and whatever `check` returns.
pub fn clean_jsonl_with(
    cleaner: &Cleaner,
    input: &str,
    output: &str,
    opts: &JsonlOptions,
    check: Check<'_>,
) -> Result<JsonlSummary> {
    let resuming = if opts.resume {
        Some(Resume::start(cleaner, input, output, opts)?)
    } else {
        None
    };
    let (mut summary, skip, mut out, mut rejects) = match &resuming {
        Some(r) => {
            let (summary, lines, out_bytes, rejects_bytes) = match &r.saved {
                Some(p) => (
                    p.summary.clone(),
                    p.lines,
                    Some(p.output_bytes),
                    p.rejects_bytes,
                ),
                None => (JsonlSummary::default(), 0, None, 0),
            };
            let out = Sink::Chunked(resume::ChunkedOutput::open(output, out_bytes)?);
            let rejects = Rejects::resumable(input, opts.rejects.as_deref(), rejects_bytes)?;
            (summary, lines, out, rejects)
        }
        None => (
            JsonlSummary::default(),
            0,
            Sink::Atomic(AtomicOutput::create(output)?),
            Rejects::new(input, opts.rejects.as_deref()),
        ),
    };
    summary.resumed_lines = skip;
    let mut reader = open_input(input)?;
    let bar = progress_bar(opts.progress, input);
    let mut progress = resuming.map(|r| r.fresh);
    for_each_batch(
        &mut reader,
        input,
        opts.batch_records,
        skip,
        None,
        check,
        |lines, bytes_read| {
            let outcomes: Vec<Outcome> = cleaner.install(|| {
                use rayon::prelude::*;
                lines
                    .par_iter()
                    .map(|(n, raw)| process(cleaner, opts, input, *n, raw))
                    .collect()
            });
            for ((n, _), outcome) in lines.iter().zip(outcomes) {
                match outcome {
                    Outcome::Blank => summary.blank_lines += 1,
                    Outcome::Out {
                        line,
                        input_len,
                        result,
                    } => {
                        summary.records_in += 1;
                        summary.records_out += 1;
                        summary.report.add(input_len, &result);
                        out.write_line(&line)?;
                    }
                    Outcome::Reject(line) => {
                        summary.records_in += 1;
                        summary.rejected += 1;
                        rejects.write(*n, &line)?;
                    }
                }
            }
            if let Some(p) = progress.as_mut() {
                // Data first, then the progress naming it: a run killed in between is
                // truncated back to the last progress on resume.
                p.rejects_bytes = rejects.checkpoint()?;
                p.output_bytes = out.checkpoint()?;
                p.lines = lines.last().map_or(p.lines, |(n, _)| *n);
                p.summary = summary.clone();
                p.save(&progress_path(output))?;
            }
            if let Some(bar) = &bar {
                bar.inc(bytes_read as u64);
                bar.set_message(format!("{} records", summary.records_in));
            }
            Ok(())
        },
    )?;
    summary.rejects_path = rejects.written();
    if progress.is_some() {
        // Removed before the renames: a run killed between them starts afresh, never
        // appends to a finished output.
        remove_if_present(&progress_path(output))?;
    }
    rejects.commit()?;
    out.commit()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}

/// The progress file of a resumable run writing `output`.
fn progress_path(output: &str) -> PathBuf {
    resume::with_suffix(output, ".progress")
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(Error::io(format!("cannot remove {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

/// The start of a resumable run: the progress of this run, and of an earlier one to continue.
struct Resume {
    fresh: resume::Progress<JsonlSummary>,
    saved: Option<resume::Progress<JsonlSummary>>,
}

impl Resume {
    fn start(cleaner: &Cleaner, input: &str, output: &str, opts: &JsonlOptions) -> Result<Self> {
        if input == "-" || output == "-" {
            return Err(Error::config(
                "a resumable run needs files: standard input and output cannot be resumed",
            ));
        }
        // What must not change between a run and its resume (progress and batch size may).
        let mut same = opts.clone();
        same.progress = true;
        same.batch_records = 0;
        let options = serde_json::to_vec(&same).unwrap_or_default();
        let fingerprint = resume::fingerprint(&[
            input.as_bytes(),
            output.as_bytes(),
            &options,
            &cleaner.to_bytes(),
        ]);
        let fresh = resume::Progress::new(fingerprint, input, JsonlSummary::default())?;
        let saved = resume::Progress::load(&progress_path(output), &fresh)?;
        Ok(Self { fresh, saved })
    }
}

/// Site statistics of a JSONL corpus: the text field and the site field (`opts.site_field`,
/// required) of every record, streamed in batches and counted on all cores. Records that
/// cannot be read (bad JSON, no text or site) are skipped here; [`clean_jsonl`] reports them.
///
/// # Errors
/// [`ErrorKind::Config`](crate::ErrorKind::Config) without a site field;
/// [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be read.
pub fn fit_jsonl(cleaner: &Cleaner, input: &str, opts: &JsonlOptions) -> Result<SiteModel> {
    fit_jsonl_with(cleaner, input, opts, &no_check)
}

/// [`fit_jsonl`], calling `check` before each batch (see [`clean_jsonl_with`]).
///
/// # Errors
/// As [`fit_jsonl`], and whatever `check` returns.
pub fn fit_jsonl_with(
    cleaner: &Cleaner,
    input: &str,
    opts: &JsonlOptions,
    check: Check<'_>,
) -> Result<SiteModel> {
    if opts.site_field.is_none() && opts.url_field.is_none() {
        return Err(Error::config("fitting needs a site field or a URL field"));
    }
    let mut reader = open_input(input)?;
    let mut model = SiteModel::new(cleaner.config().seed);
    for_each_batch(
        &mut reader,
        input,
        opts.batch_records,
        0,
        None,
        check,
        |lines, _| {
            // Parsed on all cores, like the pages are counted.
            let (texts, sites): (Vec<String>, Vec<Option<String>>) = cleaner.install(|| {
                use rayon::prelude::*;
                lines
                    .par_iter()
                    .filter_map(|(_, raw)| {
                        let (record, text) = parse_record(raw, &opts.text_field).ok()??;
                        Some((text, Some(record_site(&record, opts)?)))
                    })
                    .unzip()
            });
            model.merge(&cleaner.site_stats(&texts, &sites)?)
        },
    )?;
    Ok(model)
}
