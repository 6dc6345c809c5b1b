//! Resumable runs: output appended in committed chunks, with a progress file.
//!
//! A resumable run over `IN` writes `OUT.partial` (and `REJECTS.partial`) one batch at a time.
//! After each batch the new bytes are synced to disk, then `OUT.progress` is replaced
//! (atomically) by the run's state: input lines done, bytes of each partial file committed,
//! the summary so far and a fingerprint of the run (cleaner, options, input size and time).
//! A run started again with the same arguments truncates the partial files to their committed
//! length (dropping whatever a killed run wrote after its last commit), skips the input lines
//! done and appends: the union is exactly one uninterrupted run. At the end the progress file
//! is removed first, then the partial files are renamed into place.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::Compression;
use crate::error::{Error, Result};

/// Format version of progress files.
const VERSION: u32 = 1;

/// The path `path` + `suffix`.
pub(crate) fn with_suffix(path: &str, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{path}{suffix}"))
}

/// One chunk being encoded in memory: a whole gzip member or zstd frame, so the partial file
/// is a valid (multi-member) compressed stream after every commit.
enum Chunk {
    Plain(Vec<u8>),
    Gz(flate2::write::GzEncoder<Vec<u8>>),
    Zst(zstd::Encoder<'static, Vec<u8>>),
}

impl Chunk {
    fn new(compression: Compression) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Self::Plain(Vec::new()),
            Compression::Gzip => Self::Gz(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::default(),
            )),
            Compression::Zstd => Self::Zst(zstd::Encoder::new(Vec::new(), 3)?),
        })
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(v) => v.write_all(buf),
            Self::Gz(w) => w.write_all(buf),
            Self::Zst(w) => w.write_all(buf),
        }
    }

    fn finish(self) -> io::Result<Vec<u8>> {
        match self {
            Self::Plain(v) => Ok(v),
            Self::Gz(w) => w.finish(),
            Self::Zst(w) => w.finish(),
        }
    }
}

/// A partial output file appended to in committed chunks, renamed into place at the end.
pub(crate) struct ChunkedOutput {
    target: String,
    partial: PathBuf,
    file: File,
    compression: Compression,
    chunk: Option<Chunk>,
    lines_in_chunk: usize,
    len: u64,
}

impl ChunkedOutput {
    /// Opens `target`'s partial file: truncated to `committed` bytes when resuming (`None`
    /// starts it afresh).
    pub(crate) fn open(target: &str, committed: Option<u64>) -> Result<Self> {
        let partial = with_suffix(target, ".partial");
        let shown = partial.display().to_string();
        let io_err = |e| Error::io(format!("cannot write {shown}"), e);
        let file = match committed {
            Some(len) => {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&partial)
                    .map_err(|e| Error::io(format!("cannot resume {shown}"), e))?;
                let have = file.metadata().map_err(io_err)?.len();
                if have < len {
                    return Err(Error::input(format!(
                        "cannot resume: {shown} has {have} bytes, fewer than the {len} committed"
                    )));
                }
                file.set_len(len).map_err(io_err)?;
                file
            }
            None => File::create(&partial).map_err(io_err)?,
        };
        let compression = Compression::of(target);
        Ok(Self {
            target: target.into(),
            partial,
            file,
            compression,
            chunk: Some(Chunk::new(compression).map_err(io_err)?),
            lines_in_chunk: 0,
            len: committed.unwrap_or(0),
        })
    }

    fn io_err(&self, e: io::Error) -> Error {
        Error::io(format!("cannot write {}", self.partial.display()), e)
    }

    /// Adds `line` and a newline to the current chunk.
    pub(crate) fn write_line(&mut self, line: &str) -> Result<()> {
        let chunk = self
            .chunk
            .as_mut()
            .ok_or_else(|| Error::input("output already committed"))?;
        let r = chunk
            .write_all(line.as_bytes())
            .and_then(|()| chunk.write_all(b"\n"));
        self.lines_in_chunk += 1;
        r.map_err(|e| self.io_err(e))
    }

    /// Appends the current chunk to the file and syncs it; returns the bytes committed.
    pub(crate) fn checkpoint(&mut self) -> Result<u64> {
        if self.lines_in_chunk == 0 {
            return Ok(self.len);
        }
        let chunk = self
            .chunk
            .take()
            .ok_or_else(|| Error::input("output already committed"))?;
        let bytes = chunk.finish().map_err(|e| self.io_err(e))?;
        let mut write = || -> io::Result<()> {
            // Append at the committed length, whatever an earlier failed write left.
            self.file.set_len(self.len)?;
            io::Seek::seek(&mut self.file, io::SeekFrom::Start(self.len))?;
            self.file.write_all(&bytes)?;
            self.file.sync_data()
        };
        write().map_err(|e| self.io_err(e))?;
        self.len += bytes.len() as u64;
        self.chunk = Some(Chunk::new(self.compression).map_err(|e| self.io_err(e))?);
        self.lines_in_chunk = 0;
        Ok(self.len)
    }

    /// Commits the last chunk and renames the partial file to the target.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.checkpoint()?;
        std::fs::rename(&self.partial, &self.target)
            .map_err(|e| Error::io(format!("cannot write {}", self.target), e))
    }
}

/// The state of a resumable run, as saved in its progress file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Progress<S> {
    pub(crate) version: u32,
    pub(crate) fingerprint: String,
    pub(crate) input_bytes: u64,
    pub(crate) input_mtime_ns: u128,
    /// Input lines done (blank lines included).
    pub(crate) lines: u64,
    pub(crate) output_bytes: u64,
    pub(crate) rejects_bytes: u64,
    pub(crate) summary: S,
}

/// Size and modification time of `input`: a changed input cannot be resumed.
pub(crate) fn input_identity(input: &str) -> Result<(u64, u128)> {
    let meta =
        std::fs::metadata(input).map_err(|e| Error::io(format!("cannot open {input}"), e))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok((meta.len(), mtime))
}

impl<S: Serialize + serde::de::DeserializeOwned> Progress<S> {
    pub(crate) fn new(fingerprint: String, input: &str, summary: S) -> Result<Self> {
        let (input_bytes, input_mtime_ns) = input_identity(input)?;
        Ok(Self {
            version: VERSION,
            fingerprint,
            input_bytes,
            input_mtime_ns,
            lines: 0,
            output_bytes: 0,
            rejects_bytes: 0,
            summary,
        })
    }

    /// The progress saved at `path` by an earlier run like `fresh`, if there is one.
    ///
    /// # Errors
    /// [`ErrorKind::Input`](crate::ErrorKind::Input) when the file is damaged or was written by
    /// a different run (other options, cleaner or input).
    pub(crate) fn load(path: &Path, fresh: &Self) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let shown = path.display();
        let saved: Self = serde_json::from_str(&text)
            .map_err(|e| Error::input(format!("cannot resume: {shown} is damaged: {e}")))?;
        let differs = |what: &str| {
            Err(Error::input(format!(
                "cannot resume: {shown} was written by a run with {what}; remove it (and the \
                 .partial files) to start again"
            )))
        };
        if saved.version != VERSION {
            return differs("another chaffless version");
        }
        if saved.fingerprint != fresh.fingerprint {
            return differs("other options or another cleaner");
        }
        if (saved.input_bytes, saved.input_mtime_ns) != (fresh.input_bytes, fresh.input_mtime_ns) {
            return differs("another input (its size or time changed)");
        }
        Ok(Some(saved))
    }

    /// Replaces the progress file at `path` atomically.
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let shown = path.display().to_string();
        let io_err = |e| Error::io(format!("cannot write {shown}"), e);
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let json = serde_json::to_vec(self)
            .map_err(|e| Error::input(format!("cannot write {shown}: {e}")))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err)?;
        tmp.write_all(&json).map_err(io_err)?;
        tmp.as_file().sync_data().map_err(io_err)?;
        tmp.persist(path).map_err(|e| io_err(e.error))?;
        Ok(())
    }
}

/// A hex fingerprint of the parts of a run that must not change between a run and its resume.
pub(crate) fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    format!("{:032x}", h.digest128())
}
