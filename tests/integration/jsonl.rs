//! The JSONL pipeline: fields kept, rejects with line numbers, compression, atomic output.

use std::io::{Read, Write};

use chaffless::jsonl::{clean_jsonl, JsonlOptions};
use chaffless::{Cleaner, CleanerConfig, ErrorKind};

const LEDE: &str = "The harbour will stay closed until Friday after the storm damaged two piers.";

fn record(id: u32) -> String {
    let text = format!("{LEDE}\n\nFerries are cancelled.\n\n{LEDE}");
    serde_json::json!({"id": id, "text": text}).to_string()
}

fn run(
    input: &str,
    opts: &JsonlOptions,
) -> (
    tempfile::TempDir,
    chaffless::Result<chaffless::jsonl::JsonlSummary>,
) {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.jsonl");
    std::fs::write(&inp, input).unwrap();
    let out = dir.path().join("out.jsonl");
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let r = clean_jsonl(&cleaner, inp.to_str().unwrap(), out.to_str().unwrap(), opts);
    (dir, r)
}

#[test]
fn cleans_and_keeps_other_fields_raw() {
    let line =
        r#"{"id":1,"big":123456789012345678901234567890,"f":1.10,"text":"a\nb","z":{"k":[1,"é"]}}"#;
    let (dir, r) = run(&format!("{line}\n"), &JsonlOptions::default());
    let s = r.unwrap();
    assert_eq!((s.records_in, s.records_out, s.rejected), (1, 1, 0));
    let out = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert_eq!(
        out,
        format!("{line}\n")
            .replace("\"a\\nb\"", "\"a\\nb\\n\"")
            .replace("a\\nb\\n", "a\nb")
            .replace("a\nb", "a\\nb")
    );
}

#[test]
fn rejects_carry_file_line_and_reason() {
    let mut opts = JsonlOptions::default();
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.jsonl");
    opts.rejects = Some(rejects.to_str().unwrap().to_string());
    let input = [
        record(1),
        "{not json".to_string(),
        "[1, 2]".to_string(),
        r#"{"id": 4}"#.to_string(),
        r#"{"id": 5, "text": 5}"#.to_string(),
        r#"{"id": 6, "text": "\ud800"}"#.to_string(),
        String::new(),
        record(8),
    ]
    .join("\n");
    let (out_dir, r) = run(&input, &opts);
    let s = r.unwrap();
    assert_eq!(
        (s.records_in, s.records_out, s.rejected, s.blank_lines),
        (7, 2, 5, 1)
    );
    assert_eq!(s.records_in, s.records_out + s.rejected);
    let rej: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<u64> = rej.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    assert!(rej[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(rej[1]["reason"], "record is not a JSON object");
    assert_eq!(rej[2]["reason"], "missing field \"text\"");
    assert_eq!(rej[3]["reason"], "field \"text\" is not a string");
    assert!(rej[4]["reason"]
        .as_str()
        .unwrap()
        .contains("not valid Unicode"));
    assert_eq!(rej[1]["record"], "[1, 2]");
    let out = std::fs::read_to_string(out_dir.path().join("out.jsonl")).unwrap();
    assert_eq!(out.lines().count(), 2);
}

#[test]
fn invalid_utf8_goes_to_rejects_as_base64() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.jsonl");
    let mut bytes = record(1).into_bytes();
    bytes.extend_from_slice(b"\n{\"text\": \"caf\xe9\"}\n");
    std::fs::write(&inp, &bytes).unwrap();
    let mut opts = JsonlOptions::default();
    let rejects = dir.path().join("rej.jsonl");
    opts.rejects = Some(rejects.to_str().unwrap().into());
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let out = dir.path().join("out.jsonl");
    let s = clean_jsonl(
        &cleaner,
        inp.to_str().unwrap(),
        out.to_str().unwrap(),
        &opts,
    )
    .unwrap();
    assert_eq!((s.records_out, s.rejected), (1, 1));
    let rej: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&rejects).unwrap().trim()).unwrap();
    assert_eq!(rej["line"], 2);
    assert!(rej["reason"].as_str().unwrap().contains("invalid UTF-8"));
    assert!(rej["record_base64"].is_string());
}

#[test]
fn without_a_rejects_file_a_bad_record_is_an_error_and_no_output_is_written() {
    let (dir, r) = run("{bad\n", &JsonlOptions::default());
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert!(err.to_string().contains(":1:"), "{err}");
    assert!(!dir.path().join("out.jsonl").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the input remains: no temporary file"
    );
}

#[test]
fn gzip_and_zstd_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("in.jsonl");
    std::fs::write(&plain, format!("{}\n{}\n", record(1), record(2))).unwrap();
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let opts = JsonlOptions::default();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    clean_jsonl(&cleaner, &p("in.jsonl"), &p("a.jsonl"), &opts).unwrap();
    clean_jsonl(&cleaner, &p("in.jsonl"), &p("b.jsonl.gz"), &opts).unwrap();
    clean_jsonl(&cleaner, &p("b.jsonl.gz"), &p("c.jsonl.zst"), &opts).unwrap();
    clean_jsonl(&cleaner, &p("c.jsonl.zst"), &p("d.jsonl"), &opts).unwrap();
    let mut gz = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(p("b.jsonl.gz")).unwrap())
        .read_to_string(&mut gz)
        .unwrap();
    let a = std::fs::read_to_string(p("a.jsonl")).unwrap();
    assert_eq!(gz, a);
    assert_eq!(
        std::fs::read_to_string(p("d.jsonl")).unwrap(),
        a,
        "cleaning is idempotent"
    );
    assert!(!a.contains(&format!("{LEDE}\\n\\nFerries are cancelled.\\n\\n{LEDE}")));
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..200 {
        writeln!(enc, "{}", record(i)).unwrap();
    }
    let bytes = enc.finish().unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let cleaner = Cleaner::new(CleanerConfig::default()).unwrap();
    let out = dir.path().join("out.jsonl");
    let err = clean_jsonl(
        &cleaner,
        path.to_str().unwrap(),
        out.to_str().unwrap(),
        &JsonlOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("cannot read"), "{err}");
    assert!(!out.exists());
}

#[test]
fn annotate_adds_spans_in_code_points() {
    let text = format!(
        "Été.\n{}\n\nMore.\n\n{}",
        LEDE.replace("The", "Thé"),
        LEDE.replace("The", "Thé")
    );
    let line = serde_json::json!({"text": text}).to_string();
    let mut opts = JsonlOptions::default();
    opts.annotate = true;
    let (dir, r) = run(&format!("{line}\n"), &opts);
    r.unwrap();
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap())
            .unwrap();
    assert_eq!(out["text"], text.as_str(), "annotate keeps the text");
    let spans: Vec<&serde_json::Value> = out["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["label"] == "repeat")
        .collect();
    assert_eq!(spans.len(), 1);
    let (s, e) = (
        spans[0]["start"].as_u64().unwrap() as usize,
        spans[0]["end"].as_u64().unwrap() as usize,
    );
    let chars: Vec<char> = text.chars().collect();
    let got: String = chars[s..e].iter().collect();
    assert_eq!(got, LEDE.replace("The", "Thé"));
    assert_eq!(spans[0]["label"], "repeat");
}
