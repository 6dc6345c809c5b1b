"""The ``chaffless`` command line: ``clean`` on JSONL corpora, ``demo``, exit codes.

Runs in-process through ``chaffless.cli.main`` and as a real process (``python -m chaffless``).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import chaffless
import pytest
import zstandard
from chaffless import Cleaner
from chaffless.cli import default_rejects_path, main

LEDE = (
    "The harbour will stay closed until Friday, the port authority said on Monday morning "
    "after the storm damaged two of its cranes."
)
PAGE = (
    "Storm closes the harbour\n\n"
    f"{LEDE}\n\n"
    "Ferries to the islands are cancelled until further notice.\n\n"
    "More news\n"
    "The harbour will stay closed until Friday, the port authority said on Monday morning "
    "after the storm... Read more\n"
)
LEDE_FR = (
    "Fermé depuis les crues de l'hiver dernier, le pont-levis de Saint-Aubin rouvrira aux "
    "voitures et aux cyclistes au début du mois de juin, a annoncé mercredi le département."
)
PAGE_FR = (
    "Le pont-levis rouvrira en juin\n"
    f"{LEDE_FR} Photo : Marc Lenoir\n"
    f"{LEDE_FR}\n"
    "Les travaux de consolidation ont coûté 2,3 millions d'euros à la collectivité.\n"
    "À lire aussi\n"
    "Fermé depuis les crues de l'hiver dernier, le pont-levis de Saint-Aubin rouvrira aux "
    "voitures et aux cyclistes au début... Lire la suite\n"
)
CLEANER = Cleaner()


def clean(text: str) -> str:
    return str(CLEANER.clean(text))


def jsonl(records: list[Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(*args: str) -> int:
    """``main`` with ``--no-progress`` added to ``clean``."""
    argv = list(args)
    if argv[:1] == ["clean"]:
        argv.append("--no-progress")
    return main(argv)


def run_process(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m chaffless ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "chaffless", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def one_error_line(stderr: str) -> str:
    """The run failed with one `chaffless: error:` line and no traceback."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("chaffless: error: "), stderr
    return lines[0]


# --- plain JSONL in and out --------------------------------------------------------------------


def test_pages_used_here_have_repeats() -> None:
    assert clean(PAGE) != PAGE
    assert "Read more" not in clean(PAGE)
    assert clean(PAGE_FR).count(LEDE_FR) == 1
    assert "Lire la suite" not in clean(PAGE_FR)


def test_clean_replaces_only_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"id": 1, "text": PAGE}, {"id": 2, "text": PAGE_FR, "lang": "fr"}]))
    assert run("clean", str(src), "-o", str(out)) == 0
    assert read_jsonl(out) == [
        {"id": 1, "text": clean(PAGE)},
        {"id": 2, "text": clean(PAGE_FR), "lang": "fr"},
    ]
    err = capsys.readouterr().err
    assert "2 records in, 2 out, 0 rejected" in err
    assert not (tmp_path / "out.jsonl.rejects.jsonl").exists()


# Raw JSON of values that a parse-and-dump round trip would change.
UNUSUAL = [
    ("big", "123456789012345678901234567890"),
    ("neg", "-98765432109876543210"),
    ("float", "1.10"),
    ("exp", "2.5E-3"),
    ("negzero", "-0.0"),
    ("huge", "1e400"),
    ("nested", '{"b":[1,2.50,{"c":null,"d":true}],"a":{}}'),
    ("escapes", '"caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\t"'),
    ("raw_unicode", '"Grüße, 東京 😀"'),
    ("lone_surrogate", '"\\udc00"'),  # not valid text, but only the text field is decoded
    ("empty", '""'),
    ("list", "[]"),
]


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_other_fields_are_kept_byte_for_byte(tmp_path: Path, position: str) -> None:
    fields = [f'"{k}":{v}' for k, v in UNUSUAL]
    at = {"first": 0, "middle": len(fields) // 2, "last": len(fields)}[position]
    prefix = "{" + "".join(f + "," for f in fields[:at]) + '"text":'
    suffix = "".join("," + f for f in fields[at:]) + "}"
    lines = [prefix + json.dumps(t) + suffix for t in (PAGE, PAGE_FR, "short")]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("clean", str(src), "-o", str(out)) == 0
    got = out.read_text(encoding="utf-8").splitlines()
    assert len(got) == 3
    for line, text in zip(got, (PAGE, PAGE_FR, "short")):
        assert line.startswith(prefix)
        assert line.endswith(suffix)
        assert json.loads(line[len(prefix) : len(line) - len(suffix)]) == clean(text)


def test_field_order_and_values_survive_spaced_json(tmp_path: Path) -> None:
    record = (
        '{ "z" : 1.50 ,  "text" : '
        + json.dumps(PAGE)
        + ', "a": {"x": [1, 2]},\t"m": 10000000000000000000001 }'
    )
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(record + "\n", encoding="utf-8")
    assert run("clean", str(src), "-o", str(out)) == 0
    got = json.loads(out.read_text(encoding="utf-8"), parse_float=Decimal)
    assert list(got) == ["z", "text", "a", "m"]
    assert got == {
        "z": Decimal("1.50"),
        "text": clean(PAGE),
        "a": {"x": [1, 2]},
        "m": 10000000000000000000001,
    }


def test_annotate_keeps_text_and_adds_spans(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE_FR, "id": "fr"}, {"text": "nothing to see", "id": "x"}]))
    assert run("clean", str(src), "-o", str(out), "--annotate") == 0
    first, second = read_jsonl(out)
    assert list(first) == ["text", "id", "spans"]
    assert first["text"] == PAGE_FR
    expected = CLEANER.annotate(PAGE_FR)
    assert len(first["spans"]) == len(expected) >= 2
    for got, want in zip(first["spans"], expected):
        assert (got["start"], got["end"], got["label"], got["rule"]) == (
            want.start,
            want.end,
            want.label,
            want.rule,
        )
        assert set(got) >= {"score", "detector", "evidence", "copies"}
        # Code-point offsets: slicing the Python string gives the removed line.
        assert PAGE_FR[got["start"] : got["end"]].strip() in PAGE_FR.splitlines()
    assert second == {"text": "nothing to see", "id": "x", "spans": []}


def test_annotate_spans_field(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    assert run("clean", str(src), "-o", str(out), "--annotate", "--spans-field", "chaff") == 0
    (record,) = read_jsonl(out)
    assert list(record) == ["text", "chaff"]
    assert "repeat" in {span["label"] for span in record["chaff"]}


def test_text_field(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE, "content": PAGE_FR}]))
    assert run("clean", str(src), "-o", str(out), "--text-field", "content") == 0
    assert read_jsonl(out) == [{"text": PAGE, "content": clean(PAGE_FR)}]


# --- rejects -----------------------------------------------------------------------------------

BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"id": 2, "text": "unterminated', "invalid JSON"),
    (b"[1, 2, 3]", "not a JSON object"),
    (b'"just a string"', "not a JSON object"),
    (b'{"id": 5}', 'missing field "text"'),
    (b'{"id": 6, "text": 42}', 'field "text" is not a string'),
    (b'{"id": 7, "text": null}', 'field "text" is not a string'),
    (b'{"id": 8, "text": "caf\xe9 cr\xe8me"}', "invalid UTF-8"),
    (b'{"id": 9, "text": "lone \\ud800 surrogate"}', 'field "text" is not valid Unicode text'),
]


def test_rejects_each_bad_record_with_line_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [b'{"id": 1, "text": "first"}', b""]  # line 2 is blank
    lines += [bad for bad, _ in BAD_LINES]  # lines 3..10
    lines += [b"   ", b'{"id": 12, "text": "last"}']
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    assert run("clean", str(src), "-o", str(out)) == 0

    assert [r["id"] for r in read_jsonl(out)] == [1, 12]  # the run went on
    rejects_path = tmp_path / "out.jsonl.rejects.jsonl"
    rejects = read_jsonl(rejects_path)
    assert len(rejects) == len(BAD_LINES)
    for i, (reject, (raw, reason)) in enumerate(zip(rejects, BAD_LINES)):
        assert reject["line"] == i + 3
        assert reason in reject["reason"], reject
        assert reject["file"] == str(src)
        if "record" in reject:
            assert reject["record"].encode() == raw
        else:
            # Lines that are not UTF-8 are kept as base64 (with their line break).
            assert base64.b64decode(reject["record_base64"]).rstrip(b"\r\n") == raw

    err = capsys.readouterr().err
    assert f"{2 + len(BAD_LINES)} records in, 2 out, {len(BAD_LINES)} rejected" in err
    assert str(rejects_path) in err
    assert "2 blank lines skipped" in err


def test_records_in_equals_out_plus_rejected(tmp_path: Path) -> None:
    lines = []
    for i in range(300):
        lines.append(BAD_LINES[i % len(BAD_LINES)][0] if i % 7 == 0 else jsonl([{"text": PAGE}]))
        if i % 50 == 0:
            lines.append(b"\n")
    src, out, report = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "r.json"
    src.write_bytes(b"".join(x if x.endswith(b"\n") else x + b"\n" for x in lines))
    rejects = tmp_path / "bad.jsonl"
    args = ["clean", str(src), "-o", str(out), "--rejects", str(rejects)]
    assert run(*args, "--report-json", str(report)) == 0
    summary = json.loads(report.read_text(encoding="utf-8"))
    n_out, n_rejected = len(read_jsonl(out)), len(read_jsonl(rejects))
    assert summary["records_in"] == 300 == n_out + n_rejected
    assert summary["records_out"] == n_out == 257
    assert summary["rejected"] == n_rejected == 43
    assert summary["blank_lines"] == 6
    assert summary["rejects_path"] == str(rejects)


def test_default_rejects_path() -> None:
    assert default_rejects_path("out.jsonl") == "out.jsonl.rejects.jsonl"
    assert default_rejects_path("d/out.jsonl.gz") == "d/out.jsonl.rejects.jsonl"
    assert default_rejects_path("d/out.jsonl.zst") == "d/out.jsonl.rejects.jsonl"
    assert default_rejects_path("out") == "out.rejects.jsonl"
    assert default_rejects_path("-") == "chaffless.rejects.jsonl"


def test_no_rejects_file_without_rejects(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    assert run("clean", str(src), "-o", str(out), "--rejects", str(tmp_path / "bad.jsonl")) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_wrong_text_field_rejects_everything_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}, {"text": PAGE_FR}]))
    assert run("clean", str(src), "-o", str(out), "--text-field", "body") == 0
    assert out.read_bytes() == b""
    assert len(read_jsonl(tmp_path / "out.jsonl.rejects.jsonl")) == 2
    assert "--text-field 'body'" in capsys.readouterr().err


# --- standard streams and compression -----------------------------------------------------------


def test_stdin_to_stdout(tmp_path: Path) -> None:
    data = jsonl([{"id": 1, "text": PAGE}, {"id": 2, "text": PAGE_FR}]) + b"\nnot json\n"
    proc = run_process("clean", "-", "-o", "-", stdin=data, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert [json.loads(x) for x in lines] == [
        {"id": 1, "text": clean(PAGE)},
        {"id": 2, "text": clean(PAGE_FR)},
    ]
    stderr = proc.stderr.decode()
    assert "3 records in, 2 out, 1 rejected" in stderr
    # With OUT = -, rejects go to the current directory.
    (reject,) = read_jsonl(tmp_path / "chaffless.rejects.jsonl")
    assert reject["line"] == 4
    assert reject["file"] == "-"


def _write_compressed(path: Path, data: bytes) -> None:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)


def _read_compressed(path: Path) -> bytes:
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes())
    if path.suffix == ".zst":
        with zstandard.ZstdDecompressor().stream_reader(path.read_bytes()) as r:
            return bytes(r.read())
    return path.read_bytes()


@pytest.mark.parametrize(
    ("src_name", "out_name"),
    [
        ("in.jsonl.gz", "out.jsonl"),
        ("in.jsonl.zst", "out.jsonl"),
        ("in.jsonl", "out.jsonl.gz"),
        ("in.jsonl", "out.jsonl.zst"),
        ("in.jsonl.gz", "out.jsonl.zst"),
        ("in.jsonl.zst", "out.jsonl.gz"),
    ],
)
def test_compressed_files(tmp_path: Path, src_name: str, out_name: str) -> None:
    records = [{"id": i, "text": PAGE if i % 2 else PAGE_FR} for i in range(50)]
    src, out = tmp_path / src_name, tmp_path / out_name
    _write_compressed(src, jsonl(records) + b"[]\n")
    assert run("clean", str(src), "-o", str(out)) == 0
    got = [json.loads(x) for x in _read_compressed(out).decode().splitlines()]
    assert got == [{**r, "text": clean(str(r["text"]))} for r in records]
    # The rejects file is plain JSONL named after OUT without its compression suffix.
    (reject,) = read_jsonl(tmp_path / "out.jsonl.rejects.jsonl")
    assert reject["line"] == 51


def test_compressed_through_a_process(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl.zst", tmp_path / "out.jsonl.gz"
    _write_compressed(src, jsonl([{"text": PAGE}]))
    proc = run_process("clean", str(src), "-o", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(_read_compressed(out)) == {"text": clean(PAGE)}


# --- failures: atomic output, error messages ------------------------------------------------------


def _existing_output(tmp_path: Path) -> tuple[Path, bytes]:
    out = tmp_path / "out.jsonl"
    old = b'{"text": "the previous run"}\n'
    out.write_bytes(old)
    return out, old


def test_missing_input_leaves_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, old = _existing_output(tmp_path)
    assert run("clean", str(tmp_path / "missing.jsonl"), "-o", str(out)) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "missing.jsonl" in line
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_truncated_input_leaves_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # More than a batch (4096 records) with a reject before the stream breaks off: the output
    # and the rejects file were both written to when the read fails.
    records = b"oops\n" + jsonl([{"id": i, "text": f"page {i}"} for i in range(10_000)])
    data = gzip.compress(records)
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(data[: len(data) * 3 // 4])
    out, old = _existing_output(tmp_path)
    assert run("clean", str(src), "-o", str(out)) == 1
    assert "in.jsonl.gz" in one_error_line(capsys.readouterr().err)
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl.gz", "out.jsonl"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root ignores directory permissions",
)
def test_unwritable_directory_leaves_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    locked = tmp_path / "locked"
    locked.mkdir()
    out, old = _existing_output(locked)
    locked.chmod(0o555)
    try:
        assert run("clean", str(src), "-o", str(out)) == 1
        one_error_line(capsys.readouterr().err)
        assert out.read_bytes() == old
        assert sorted(p.name for p in locked.iterdir()) == ["out.jsonl"]
    finally:
        locked.chmod(0o755)


def test_missing_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    assert run("clean", str(src), "-o", str(tmp_path / "no" / "out.jsonl")) == 1
    one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_failure_through_a_process(tmp_path: Path) -> None:
    proc = run_process("clean", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 1
    one_error_line(proc.stderr.decode())
    assert proc.stdout == b""


# --- report and config ------------------------------------------------------------------------


def test_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out, report = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "report.json"
    src.write_bytes(jsonl([{"text": PAGE}, {"text": PAGE_FR}, {"text": 1}]))
    args = ["clean", str(src), "-o", str(out), "--report", "--report-json", str(report)]
    assert run(*args) == 0
    err = capsys.readouterr().err
    expected = CLEANER.process_batch([PAGE, PAGE_FR])
    n_spans = sum(len(r.spans) for r in expected)
    n_repeat = sum(1 for r in expected for s in r.spans if s.label == "repeat")
    n_bytes = len(PAGE.encode()) + len(PAGE_FR.encode())
    n_bytes_out = sum(len(r.text.encode()) for r in expected)
    table = {line.split()[0]: line.split()[1:] for line in err.splitlines() if line.strip()}
    assert table["repeat"][0] == str(n_repeat)
    assert table["total"][0] == str(n_spans)
    assert "records in" in err
    assert "rejected" in err
    assert "bytes out" in err
    assert f"{n_bytes:,}" in err
    assert f"{n_bytes_out:,}" in err

    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["input"] == str(src)
    assert (written["records_in"], written["records_out"], written["rejected"]) == (3, 2, 1)
    assert written["report"]["documents"] == 2
    assert written["report"]["bytes_in"] == n_bytes
    assert written["report"]["bytes_out"] == n_bytes_out
    assert written["report"]["labels"]["repeat"]["spans"] == n_repeat


def test_report_json_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    assert run("clean", str(src), "-o", str(out), "--report-json", "-") == 0
    assert json.loads(capsys.readouterr().out)["records_out"] == 1
    assert run("clean", str(src), "-o", "-", "--report-json", "-") == 2


@pytest.mark.parametrize("as_file", [False, True])
def test_config(tmp_path: Path, as_file: bool) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    config = (
        '{"seed": 7, "repeat": {"enabled": false}, "chrome": {"enabled": false}, '
        '"comment": {"enabled": false}}'
    )
    if as_file:
        (tmp_path / "config.json").write_text(config, encoding="utf-8")
        config = str(tmp_path / "config.json")
    assert run("clean", str(src), "-o", str(out), "--config", config, "--threads", "1") == 0
    assert read_jsonl(out) == [{"text": PAGE}]  # every detector is off


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"repeat": {"min_coverage": 2}}', "min_coverage"),
        ('{"repeat": {"min_coverage": 0.9', "invalid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"no_such_option": 1}', "no_such_option"),
        ("missing-config.json", "missing-config.json"),
    ],
)
def test_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl([{"text": PAGE}]))
    assert run("clean", str(src), "-o", str(out), "--config", config) == 1
    assert message in one_error_line(capsys.readouterr().err)
    assert not out.exists()


# --- usage and exit codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["clean"],
        ["clean", "in.jsonl"],  # no -o
        ["clean", "in.jsonl", "-o", "out.jsonl", "--threads", "-1"],
        ["clean", "in.jsonl", "-o", "out.jsonl", "--threads", "many"],
        ["clean", "in.jsonl", "-o", "out.jsonl", "--rejects", "out.jsonl"],
        ["clean", "in.jsonl", "-o", "in.jsonl"],
        ["clean", "in.jsonl", "-o", "out.jsonl", "--no-such-flag"],
        ["demo", "--no-such-flag"],
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    (tmp_path / "in.jsonl").write_bytes(jsonl([{"text": PAGE}]))
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: chaffless" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    import chaffless

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"chaffless {chaffless.__version__}"
    assert main(["--help"]) == 0
    assert "clean" in capsys.readouterr().out
    assert main(["clean", "--help"]) == 0
    help_text = capsys.readouterr().out
    for flag in ["--annotate", "--text-field", "--rejects", "--report", "--config", "--threads"]:
        assert flag in help_text


def test_exit_codes_through_a_process(tmp_path: Path) -> None:
    version = run_process("--version")
    assert version.returncode == 0
    assert version.stdout.decode().startswith("chaffless ")
    usage = run_process("clean")
    assert usage.returncode == 2
    assert b"usage: chaffless" in usage.stderr


# --- demo ------------------------------------------------------------------------------------

RULES = {"copy", "extended_copy", "truncated_copy", "glued_copy"}


def test_demo_json() -> None:
    proc = run_process("demo", "--json")
    assert proc.returncode == 0, proc.stderr
    pages = json.loads(proc.stdout)["pages"]
    assert {p["language"] for p in pages} >= {"English", "French", "German"}
    for page in pages:
        assert page["spans"], page["page"]
        for span in page["spans"]:
            assert span["label"] in {"repeat", "chrome", "comment"}
            assert 0 < span["score"] <= 1
            assert span["evidence"]
            if span["label"] == "repeat":
                assert span["rule"] in RULES
                assert span["copies"]  # what it repeats
            # The removed copy (or line) is gone from the cleaned text.
            kept_lines = {line.strip() for line in page["text"].splitlines()}
            assert span["text"].strip() not in kept_lines
        rules = {s["rule"] for s in page["spans"]}
        assert "extended_copy" in rules  # the photo caption with its credit
        assert "truncated_copy" in rules  # the teaser cut short at the bottom
        assert page["chars_out"] < page["chars_in"]
    for marker in ["Read more", "Lire la suite", "Weiterlesen"]:
        assert not any(marker in p["text"] for p in pages)


def test_demo_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    sections = out.split("=== ")[1:]
    assert len(sections) >= 3
    for section in sections:
        assert "repeat · rule " in section
        assert "evidence: " in section
        assert "--- cleaned text ---" in section


def site_pages() -> list[dict[str, Any]]:
    """Pages of two sites, named only by URLs on several of each site's hosts."""
    story = (
        "The council approved the new budget on Tuesday after a long debate over the funding "
        "of the schools in the north of the city"
    )
    records = []
    for i in range(6):
        for site, footer in (
            ("example.co.uk", "Example Media Group. All the news of the valley, every morning."),
            ("other.org", "Other Weekly. Independent local reporting since the spring of 1998."),
        ):
            host = ("www", "news", "blog")[i % 3]
            text = f"Story {i}\n{story}, report {i} of {site}.\n{footer}\n"
            records.append({"url": f"https://{host}.{site}/story/{i}", "text": text, "n": i})
    return records


def test_url_field_groups_pages_by_registered_domain(tmp_path: Path) -> None:
    records = site_pages()
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(records))
    by_url, model = tmp_path / "by_url.jsonl", tmp_path / "model.chaffless"
    args = ["clean", str(src), "-o", str(by_url), "--no-progress", "--annotate"]
    assert main([*args, "--url-field", "url"]) == 0
    for record in read_jsonl(by_url):
        footer = record["text"].splitlines()[2]
        rules = {
            s["rule"] for s in record["spans"] if record["text"][s["start"] : s["end"]] in footer
        }
        assert "site_frequent" in rules, record["url"]

    # The same sites by name: the same result; and a saved model used with --url-field.
    named = [{**r, "site": chaffless.registered_domain(r["url"])} for r in records]
    assert {r["site"] for r in named} == {"example.co.uk", "other.org"}
    src_named = tmp_path / "named.jsonl"
    src_named.write_bytes(jsonl(named))
    by_site = tmp_path / "by_site.jsonl"
    assert (
        main(
            [
                "clean",
                str(src_named),
                "-o",
                str(by_site),
                "--no-progress",
                "--annotate",
                "--site-field",
                "site",
            ]
        )
        == 0
    )
    assert [r["spans"] for r in read_jsonl(by_site)] == [r["spans"] for r in read_jsonl(by_url)]
    assert main(["fit", str(src), "-o", str(model), "--url-field", "url"]) == 0
    from_model = tmp_path / "from_model.jsonl"
    assert (
        main([*args[:3], str(from_model), *args[4:], "--model", str(model), "--url-field", "url"])
        == 0
    )
    assert read_jsonl(from_model) == read_jsonl(by_url)


def test_fit_needs_a_site_or_url_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(site_pages()))
    assert main(["fit", str(src), "-o", str(tmp_path / "m")]) == 2
    assert "--site-field or --url-field" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_registered_domain() -> None:
    assert chaffless.registered_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert chaffless.registered_domain("Example.COM/path") == "example.com"
    assert chaffless.registered_domain("http://") is None
