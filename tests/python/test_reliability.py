"""Reliability: bad input, faults, bounded cost and concurrency.

Every hostile record gets a result or goes to the rejects file with its line, and records in =
out + rejected, always; a failed, interrupted or killed run leaves no partial output; ``--resume``
continues a killed run exactly; pages beyond ``max_page_bytes`` pass through untouched; shared
objects give serial results from many threads and after ``fork``. Full-size inputs (a 200 MB
page, 1,000,000 lines or pages) are marked ``slow``; scaled-down versions run by default.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import chaffless
import pytest
import zstandard
from chaffless import Cleaner, MinHashDeduper
from chaffless.cli import main
from hypothesis import given
from hypothesis import strategies as st

LEDE = "The harbour will stay closed until Friday after the storm damaged two of its piers."
SCRIPTS = (
    "עברית שלום עולם · العربية مرحبا بالعالم · 中文新闻报道 · 日本語のニュース · 한국어 뉴스 · "
    "हिन्दी समाचार · ไทยข่าว · Ελληνικά νέα · русские новости · 😀👍🏽👨‍👩‍👧 · e\u0301\u0308 a\u20dd"
    " \u202eRTL override\u202c \u200d\ufeff"
)


def page(i: int) -> str:
    return f"Storm {i}\n{LEDE}\nFerries are cancelled.\nShare this\n{LEDE}"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(*args: str) -> int:
    return main([*args, "--no-progress"])


def cli(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    """``python -m chaffless ARGS`` as a separate process."""
    return subprocess.Popen(
        [sys.executable, "-m", "chaffless", *args, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def write_corpus(path: Path, n: int, bad_every: int = 0) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            if bad_every and i % bad_every == bad_every - 1:
                f.write("not json\n")
            else:
                f.write(json.dumps({"id": i, "text": page(i)}) + "\n")


def left_over(folder: Path) -> list[str]:
    """Temporary or partial files in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or "partial" in p.name)


# --- bad input, through the CLI ------------------------------------------------------------------


BAD = [
    (b'{"text": "caf\xc3 au lait"}', "invalid UTF-8"),
    (b'{"text": "lone \\ud800 surrogate"}', "not valid Unicode"),
    (b'{"text": "\\udfff"}', "not valid Unicode"),
    (b'{"id": 3}', "missing field"),
    (b'{"text": 3.5}', "not a string"),
    (b'{"text": null}', "not a string"),
    (b'{"text": {"nested": "x"}}', "not a string"),
    (b'"just a string"', "not a JSON object"),
    (b'{"text": "x"', "invalid JSON"),
]
GOOD = [
    {"text": "nul \u0000 bytes \u0000 inside"},
    {"text": "crlf\r\nline\r\nendings\r\n"},
    {"text": "lone\rcr\rendings"},
    {"text": ""},
    {"text": SCRIPTS},
    {"text": page(1)},
]


def test_bad_records_go_to_rejects_with_their_line_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[bytes] = []
    reasons: dict[int, str] = {}
    for i in range(30):
        if i % 2:
            raw, reason = BAD[(i // 2) % len(BAD)]
            reasons[len(lines) + 1] = reason
            lines.append(raw)
        else:
            lines.append(json.dumps(GOOD[(i // 2) % len(GOOD)]).encode())
    # CRLF line endings for some records; the file ends in the middle of a record.
    data = b"".join(x + (b"\r\n" if i % 4 == 0 else b"\n") for i, x in enumerate(lines))
    data += b'{"id": 99, "text": "the file ends in the mid'
    reasons[len(lines) + 1] = "ends in the middle of this record"
    src, out, rejects = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    src.write_bytes(data)
    assert run("clean", str(src), "-o", str(out), "--rejects", str(rejects), "--report") == 0
    got = {r["line"]: r["reason"] for r in read_jsonl(rejects)}
    assert sorted(got) == sorted(reasons)
    for line, reason in reasons.items():
        assert reason in got[line], (line, got[line])
    records = read_jsonl(out)
    assert len(records) == 15
    texts = [r["text"] for r in records]
    assert GOOD[0]["text"] in texts  # NUL bytes kept
    assert SCRIPTS in texts  # every script, combining marks and controls untouched
    err = capsys.readouterr().err
    n_bad = len(reasons)
    assert f"{15 + n_bad} records in, 15 out, {n_bad} rejected" in err
    assert f"{15 + n_bad} in = 15 out + {n_bad} rejected: every record accounted for" in err


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_truncated_compressed_input_is_a_clear_error_and_no_output(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = b"".join(json.dumps({"text": page(i)}).encode() + b"\n" for i in range(3000))
    packed = gzip.compress(data) if suffix == ".gz" else zstandard.compress(data)
    src = tmp_path / f"in.jsonl{suffix}"
    src.write_bytes(packed[: len(packed) * 2 // 3])
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    assert run("clean", str(src), "-o", str(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("chaffless: error: cannot read"), err
    assert src.name in err[0]
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name, "out.jsonl"]


def test_lone_surrogates_from_python_are_a_clear_error(cleaner: Cleaner) -> None:
    bad = "text with a lone \ud800 surrogate"
    with pytest.raises(UnicodeEncodeError, match="surrogate"):
        cleaner.clean(bad)
    with pytest.raises(UnicodeEncodeError):
        cleaner.clean_batch(["fine", bad])
    with pytest.raises(UnicodeEncodeError):
        MinHashDeduper().dedup(["fine", bad])
    # The objects still work afterwards.
    assert cleaner.clean("fine") == "fine"


# --- hostile pages through the API ---------------------------------------------------------------


def _check(text: str, result: chaffless.CleanResult) -> None:
    end = 0
    for s in result.spans:
        assert end <= s.start < s.end <= len(text)
        end = s.end
    removed = sum(len("".join(text[s.start : s.end].split())) for s in result.spans)
    assert len("".join(result.text.split())) + removed == len("".join(text.split()))


def hostile_pages(lines: int, big: int) -> Iterator[tuple[str, str]]:
    yield "short lines", "".join(f"w{i % 977}\n" for i in range(lines))
    yield "one line repeated", "Subscribe to our newsletter for more stories.\n" * 100_000
    word = "lorem ipsum dolor sit amet, consectetur adipiscing elit "
    yield "one long line", word * (big // len(word))
    yield "every script", (SCRIPTS + "\n") * 2000


@pytest.mark.parametrize(
    "name", ["short lines", "one line repeated", "one long line", "every script"]
)
def test_hostile_pages_are_cleaned(name: str) -> None:
    text = dict(hostile_pages(100_000, 4 << 20))[name]
    result = Cleaner(max_page_bytes=len(text.encode()) + 1).process(text)
    assert result.skipped is None
    _check(text, result)


@pytest.mark.slow
def test_full_size_hostile_pages_are_cleaned() -> None:
    for _, text in hostile_pages(1_000_000, 200 << 20):
        result = Cleaner(max_page_bytes=len(text.encode()) + 1).process(text)
        assert result.skipped is None
        _check(text, result)


@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_many_empty_pages(n: int, cleaner: Cleaner, tmp_path: Path) -> None:
    assert cleaner.clean_batch([""] * n) == [""] * n
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b'{"text": ""}\n' * n)
    summary = chaffless.clean_jsonl(cleaner, src, out, progress=False)
    assert summary["records_in"] == summary["records_out"] == n
    assert out.read_bytes() == b'{"text":""}\n' * n


def test_pages_beyond_max_page_bytes_pass_through_and_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = page(7) * 20
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in [page(1), big, page(2)]))
    config = json.dumps({"max_page_bytes": 1000})
    assert run("clean", str(src), "-o", str(out), "--config", config, "--report") == 0
    texts = [r["text"] for r in read_jsonl(out)]
    assert texts[1] == big  # untouched, not dropped
    assert texts[0] != page(1)  # the others are cleaned
    err = capsys.readouterr().err
    assert "pages skipped" in err
    assert " 1  larger than max_page_bytes" in err
    result = Cleaner(max_page_bytes=1000).process(big)
    assert result.text == big
    assert result.spans == []
    assert result.skipped is not None
    assert "max_page_bytes" in result.skipped


# --- faults ----------------------------------------------------------------------------------


def _limit_file_size() -> None:  # pragma: no cover - runs in the child
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_500_000, 1_500_000))


@pytest.mark.parametrize("resume", [False, True])
def test_disk_full_is_a_clear_error_and_leaves_no_partial_output(
    tmp_path: Path, resume: bool
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 20_000)  # about 3 MB out, more than the 1.5 MB files may grow to
    out.write_text("old\n")
    extra = ["--resume"] if resume else []
    proc = cli("clean", str(src), "-o", str(out), *extra, preexec_fn=_limit_file_size)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("chaffless: error: cannot write"), lines
    assert "File too large" in lines[0] or "No space left" in lines[0]
    assert out.read_text() == "old\n"
    if resume:
        # What was committed stays, to continue from once there is room.
        assert (tmp_path / "out.jsonl.progress").exists()
        proc = cli("clean", str(src), "-o", str(out), "--resume")
        proc.communicate(timeout=300)
        assert proc.returncode == 0
        whole = tmp_path / "whole.jsonl"
        assert run("clean", str(src), "-o", str(whole)) == 0
        assert out.read_bytes() == whole.read_bytes()
    assert left_over(tmp_path) == []


def _wait_for(predicate: Any, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while not predicate():
        assert proc.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_stops_the_run_with_no_partial_output(
    tmp_path: Path, sig: int, code: int, word: str
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 200_000)
    out.write_text("old\n")
    proc = cli("clean", str(src), "-o", str(out))
    # Signal once the temporary output exists: the run is under way.
    _wait_for(lambda: left_over(tmp_path), proc, "the temporary output")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.decode().strip() == f"chaffless: error: {word}; no output written"
    assert out.read_text() == "old\n"
    assert left_over(tmp_path) == []


def test_resume_continues_a_killed_run_exactly(tmp_path: Path) -> None:
    src, out, rejects = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    write_corpus(src, 60_000, bad_every=97)
    args = ["clean", str(src), "-o", str(out), "--rejects", str(rejects), "--resume"]
    progress = tmp_path / "out.jsonl.progress"
    for _ in range(2):  # killed twice, at different points
        proc = cli(*args)
        start = progress.stat().st_mtime_ns if progress.exists() else 0
        _wait_for(
            lambda s=start: progress.exists() and progress.stat().st_mtime_ns != s,
            proc,
            "a committed chunk",
        )
        proc.kill()
        proc.communicate(timeout=60)
        assert not out.exists()
    proc = cli(*args, "--report")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "resumed after line" in err.decode()
    assert "60,000 in = 59,382 out + 618 rejected: every record accounted for" in err.decode()
    whole, whole_rejects = tmp_path / "whole.jsonl", tmp_path / "whole-rej.jsonl"
    assert run("clean", str(src), "-o", str(whole), "--rejects", str(whole_rejects)) == 0
    assert out.read_bytes() == whole.read_bytes()
    got = [(r["line"], r["record"]) for r in read_jsonl(rejects)]
    assert got == [(r["line"], r["record"]) for r in read_jsonl(whole_rejects)]
    assert len({r["id"] for r in read_jsonl(out)}) == 59_382  # no duplicates
    assert left_over(tmp_path) == []


def test_resume_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    write_corpus(src, 3)
    assert run("clean", str(src), "-o", "-", "--resume") == 2
    assert run("clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--resume", "--dedup") == 2
    err = capsys.readouterr().err
    assert "--resume needs files" in err
    assert "--resume cannot be combined" in err


# --- concurrency -------------------------------------------------------------------------------

TEXTS = [page(i % 40) + (" extra words here" * (i % 3)) for i in range(160)]


def cluster_fields(result: chaffless.DedupResult) -> tuple[Any, ...]:
    return (result.clusters, result.duplicate_of, result.similarity, result.keep, result.edges)


def test_one_deduper_from_many_threads() -> None:
    deduper = MinHashDeduper(threshold=0.7)
    expected = cluster_fields(deduper.dedup(TEXTS))
    signatures = deduper.signatures(TEXTS, format="bytes")
    size = len(signatures) // len(TEXTS)

    def work(i: int) -> bool:
        ok = cluster_fields(deduper.dedup(TEXTS)) == expected
        ok &= deduper.signatures(TEXTS, format="bytes") == signatures
        one = deduper.signatures([TEXTS[i]], format="bytes")
        return ok and one == signatures[i * size : (i + 1) * size]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))


def test_cleaner_and_deduper_from_threads_at_once(cleaner: Cleaner) -> None:
    deduper = MinHashDeduper()
    cleaned = cleaner.clean_batch(TEXTS)
    clusters = cluster_fields(deduper.dedup(TEXTS))

    def work(i: int) -> bool:
        if i % 2:
            return cleaner.clean_batch(TEXTS) == cleaned
        return cluster_fields(deduper.dedup(TEXTS)) == clusters

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(work, range(12)))


_FORKED: dict[str, Any] = {}


def _child_work(i: int) -> tuple[str, dict[str, Any]]:
    cleaner, deduper = _FORKED["cleaner"], _FORKED["deduper"]
    return cleaner.clean_batch(TEXTS)[i], cluster_fields(deduper.dedup(TEXTS))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_pool_of_forked_workers_after_the_parent_used_both() -> None:
    cleaner, deduper = Cleaner(), MinHashDeduper()
    # Batch calls start rayon's pool in the parent; forked children inherit no threads.
    cleaned, clusters = cleaner.clean_batch(TEXTS), cluster_fields(deduper.dedup(TEXTS))
    _FORKED.update(cleaner=cleaner, deduper=deduper)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        pending = pool.map_async(_child_work, range(8))
        results = pending.get(timeout=180)  # a deadlock fails here instead of hanging
    assert [r[0] for r in results] == cleaned[:8]
    assert all(r[1] == clusters for r in results)


def _clean_record(record: dict[str, Any]) -> dict[str, Any]:
    return {"text": chaffless.clean(record["text"])}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_datasets_map_with_num_proc(cleaner: Cleaner) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets is not installed")
    expected = cleaner.clean_batch(TEXTS)
    cleaner.clean_batch(TEXTS)  # the parent's pool is running when datasets forks
    ds = datasets.Dataset.from_dict({"text": TEXTS})
    out = ds.map(_clean_record, num_proc=2)
    assert out["text"] == expected


# --- properties ------------------------------------------------------------------------------

LINES = st.lists(
    st.one_of(
        st.sampled_from([LEDE, "Share this", "Ferries are cancelled.", "Read more", SCRIPTS]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    ),
    max_size=12,
)


@given(LINES, st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
def test_code_point_spans_cover_what_cleaning_removed(lines: list[str], sep: str) -> None:
    text = sep.join(lines)
    result = chaffless.Cleaner().process(text)
    _check(text, result)  # offsets index the str: kept + removed = input, non-ASCII included
    assert chaffless.clean(result.text) == result.text


@given(st.lists(LINES.map("\n".join), max_size=5))
def test_dedup_and_clean_batches_equal_one_by_one(texts: list[str]) -> None:
    cleaner = chaffless.Cleaner()
    assert cleaner.clean_batch(texts) == [cleaner.clean(t) for t in texts]
    deduper = MinHashDeduper(num_threads=2)
    signatures = deduper.signatures(texts, format="bytes")
    assert signatures == b"".join(deduper.signatures([t], format="bytes") for t in texts)
    result = deduper.dedup(texts)
    for i, (rep, dup) in enumerate(zip(result.clusters, result.duplicate_of)):
        assert result.duplicate_of[rep] is None
        assert (dup is None) == (rep == i)


def test_dedup_report_accounts_for_every_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [json.dumps({"id": i, "text": page(i % 5)}) for i in range(40)] + ["{bad"]
    src.write_text("\n".join(lines) + "\n")
    assert main(["dedup", str(src), "-o", str(out), "--drop", "--report", "--no-progress"]) == 0
    err = capsys.readouterr().err
    kept = len(read_jsonl(out))
    assert 1 <= kept < 40
    assert f"41 in = {kept} out + 1 rejected + {40 - kept} dropped: every record accounted" in err
