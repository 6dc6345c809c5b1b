"""MinHashDeduper, DedupResult, DedupIndex, dedup_jsonl and the dedup CLI."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import chaffless
import pytest
from chaffless.cli import main
from hypothesis import given
from hypothesis import strategies as st

WORDS = [f"w{i}" for i in range(5000)]


def page(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def edit(text: str, every: int, tag: str = "x") -> str:
    words = text.split()
    return " ".join(f"{tag}{i}" if i % every == every - 1 else w for i, w in enumerate(words))


def corpus() -> list[str]:
    texts = []
    for s in range(20):
        base = page(s)
        texts.append(base)
        if s % 4 == 0:
            texts.append(edit(base, 100))  # J about 0.9
            texts.append(base.upper())  # exact duplicate once folded
    return texts


def test_defaults_and_config() -> None:
    d = chaffless.MinHashDeduper()
    c = d.config
    assert (c["threshold"], c["num_perm"], c["ngram"], c["mode"]) == (0.8, 128, 5, "union_find")
    bands, rows = d.lsh_params
    assert bands * rows <= 128
    assert chaffless.MinHashDeduper(0.9).config["threshold"] == 0.9
    assert chaffless.MinHashDeduper(bands=16, rows=8).lsh_params == (16, 8)
    assert d == chaffless.MinHashDeduper.from_dict(c)
    assert "threshold=0.8" in repr(d)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"threshold": 1.5}, r"threshold must be in \(0, 1\], got 1.5"),
        ({"num_perm": 0}, "num_perm"),
        ({"bands": 20, "rows": 8}, "bands × rows"),
        ({"mode": "chain"}, "mode"),
        ({"nope": 1}, "nope"),
    ],
)
def test_config_errors(options: dict[str, Any], match: str) -> None:
    with pytest.raises(chaffless.ConfigError, match=match) as e:
        chaffless.MinHashDeduper(**options)
    assert isinstance(e.value, chaffless.ChafflessError)


def test_dedup_finds_planted_duplicates() -> None:
    texts = corpus()
    ids = [f"doc{i}" for i in range(len(texts))]
    for exact in (False, True):
        r = chaffless.MinHashDeduper(exact=exact).dedup(texts, ids)
        assert len(r) == len(texts)
        s = r.stats
        assert (s["clusters"], s["duplicates"], s["exact_duplicates"]) == (5, 10, 5)
        for i, dup in enumerate(r.duplicate_of):
            if dup is None:
                assert r.similarity[i] is None
                assert r.clusters[i] == ids[i] or r.keep[i]
                continue
            rep = ids.index(dup)
            assert r.clusters[i] == dup
            assert r.duplicate_of[rep] is None
            assert r.similarity[i] >= 0.8
            assert (r.exact_similarity[i] is not None) == (exact or r.exact_duplicate[i])
        assert sum(r.keep) == len(texts) - 10
        assert all(len(e) == 4 for e in r.edges)


def test_same_clusters_for_any_thread_count_and_order() -> None:
    texts = corpus()
    base = chaffless.MinHashDeduper(num_threads=1).dedup(texts)
    many = chaffless.MinHashDeduper(num_threads=0).dedup(texts)
    assert base.clusters == many.clusters
    order = list(range(len(texts)))
    random.Random(7).shuffle(order)
    shuffled = chaffless.MinHashDeduper().dedup([texts[i] for i in order], ids=order)

    def groups(clusters: list[Any], ids: list[int]) -> set[frozenset[int]]:
        out: dict[Any, set[int]] = {}
        for c, i in zip(clusters, ids):
            out.setdefault(c, set()).add(i)
        return {frozenset(g) for g in out.values()}

    assert groups(shuffled.clusters, order) == groups(base.clusters, list(range(len(texts))))


def test_rethreshold() -> None:
    texts = corpus()
    r = chaffless.MinHashDeduper(exact=True).dedup(texts)
    assert r.rethreshold(0.8).clusters == r.clusters
    strict = r.rethreshold(0.99)
    assert strict.threshold == 0.99
    assert strict.stats["duplicates"] == 5  # only the exact duplicates are left
    with pytest.raises(chaffless.ConfigError, match="threshold"):
        r.rethreshold(0.5)


def test_representative_rules() -> None:
    short = page(1, 200)
    long = short + " and a few more words at the end"
    d = chaffless.MinHashDeduper(threshold=0.7, representative="longest")
    assert d.dedup([short, long]).duplicate_of == [1, None]
    d = chaffless.MinHashDeduper(threshold=0.7, representative="score")
    assert d.dedup([short, long], scores=[2.0, 1.0]).duplicate_of == [None, 0]
    with pytest.raises(chaffless.InputError, match="score"):
        d.dedup([short, long])
    with pytest.raises(chaffless.InputError, match="ids"):
        d.dedup([short, long], ids=["a"])


def test_signatures() -> None:
    np = pytest.importorskip("numpy")
    d = chaffless.MinHashDeduper(num_perm=64)
    sig = d.signatures(["one two three four five six", "One, two; three four five six!"])
    assert sig.shape == (2, 64)
    assert sig.dtype == np.uint32
    assert (sig[0] == sig[1]).all()
    raw = d.signatures(["one two three four five six"], format="bytes")
    assert isinstance(raw, bytes)
    assert np.frombuffer(raw, dtype="<u4").tolist() == sig[0].tolist()
    with pytest.raises(chaffless.ConfigError, match="format"):
        d.signatures(["x"], format="arrow2")


def test_char_shingles_for_cjk() -> None:
    a = "東京の新しい図書館は月曜日に開館し、多くの市民が訪れた。図書館には百万冊の本がある。"
    b = a + "週末も開館する。"
    r = chaffless.MinHashDeduper(threshold=0.7, ngram=3).dedup([a, b])
    assert r.duplicate_of == [None, 0]


def test_index_query_save_load_pickle(tmp_path: Path) -> None:
    texts = corpus()
    d = chaffless.MinHashDeduper()
    index = d.index(texts[:10], ids=[f"old{i}" for i in range(10)])
    index.add(texts[10:12])
    assert len(index) == 12
    assert index.ids[-1] == 11
    big = d.index([page(s) for s in range(2000)])
    assert big.bytes_per_document < 1024
    found = index.query([texts[0], page(999)])
    assert found[0][0] == ("old0", 1.0)
    assert found[1] == []
    path = tmp_path / "index.bin"
    index.save(path)
    loaded = chaffless.DedupIndex.load(path, ids=index.ids)
    assert loaded.query([texts[0]]) == found[:1]
    again = pickle.loads(pickle.dumps(index))
    assert again.query([texts[0]]) == found[:1]
    assert again.ids == index.ids
    path.write_bytes(b"garbage")
    with pytest.raises(chaffless.SerializationError):
        chaffless.DedupIndex.load(path)


def test_deduper_pickles() -> None:
    d = chaffless.MinHashDeduper(threshold=0.9, mode="star", exact=True)
    assert pickle.loads(pickle.dumps(d)) == d


def test_result_pickles() -> None:
    texts = corpus()
    for ids in (None, [f"doc{i}" for i in range(len(texts))]):
        r = chaffless.MinHashDeduper(exact=True).dedup(texts, ids)
        back = pickle.loads(pickle.dumps(r))
        for name in ("clusters", "duplicate_of", "similarity", "exact_similarity", "keep"):
            assert getattr(back, name) == getattr(r, name), name
        assert back.edges == r.edges
        assert back.stats == r.stats
        assert back.rethreshold(0.95).duplicate_of == r.rethreshold(0.95).duplicate_of
    data = pickle.dumps(r)
    with pytest.raises(chaffless.SerializationError):
        type(r).from_state(b"CHAFDUP1 damaged", None)
    with pytest.raises(chaffless.SerializationError, match="ids"):
        type(r).from_state(r.__reduce__()[1][0], ["too", "few"])
    assert pickle.loads(data).duplicate_of == r.duplicate_of


@given(st.lists(st.sampled_from(corpus()), min_size=1, max_size=12))
def test_every_duplicate_points_at_a_kept_representative(texts: list[str]) -> None:
    r = chaffless.MinHashDeduper(mode="star").dedup(texts)
    for i, dup in enumerate(r.duplicate_of):
        if dup is not None:
            assert r.keep[dup]
            assert r.clusters[i] == dup
        if texts.count(texts[i]) > 1:
            assert r.clusters[i] == r.clusters[texts.index(texts[i])]


# --- JSONL and the CLI -------------------------------------------------------------------------


def write_jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def records() -> list[str]:
    return [json.dumps({"id": f"p{i}", "text": t, "x": i}) for i, t in enumerate(corpus())]


def test_dedup_jsonl_fields_and_rejects(tmp_path: Path) -> None:
    src, out, rej = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    write_jsonl(src, [*records(), "{bad json", json.dumps({"id": "n", "text": 5})])
    d = chaffless.MinHashDeduper(exact=True)
    s = chaffless.dedup_jsonl(d, src, out, rejects=rej, progress=False)
    assert (s["records_in"], s["records_out"], s["rejected"]) == (len(corpus()) + 2, 30, 2)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["x"] for r in rows] == list(range(30))
    dups = [r for r in rows if r["duplicate_of"] is not None]
    assert len(dups) == 10
    assert all(r["similarity"] >= 0.8 and r["exact_similarity"] >= 0.8 for r in dups)
    assert all(r["cluster"] == r["duplicate_of"] for r in dups)
    rejected = [json.loads(line) for line in rej.read_text().splitlines()]
    assert [r["line"] for r in rejected] == [31, 32]
    with pytest.raises(chaffless.InputError, match="rejected"):
        chaffless.dedup_jsonl(d, src, tmp_path / "o2.jsonl", progress=False)
    assert not (tmp_path / "o2.jsonl").exists()  # atomic: nothing half-written


def test_cli_dedup_drop_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl.zst"
    write_jsonl(src, [*records(), "not json"])
    code = main(["dedup", str(src), "-o", str(out), "--drop", "--report", "--no-progress"])
    assert code == 0
    err = capsys.readouterr().err
    assert "dedup report" in err
    assert "10 duplicates in 5 clusters (10 dropped)" in err
    zstandard = pytest.importorskip("zstandard")
    kept = zstandard.ZstdDecompressor().decompressobj().decompress(out.read_bytes())
    assert len(kept.decode().splitlines()) == 20
    rejects = tmp_path / "out.jsonl.rejects.jsonl"
    assert json.loads(rejects.read_text())["line"] == 31


def test_cli_dedup_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, records())
    out = tmp_path / "out.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "--threshold", "2"]) == 1
    assert "threshold must be in (0, 1], got 2" in capsys.readouterr().err
    assert not out.exists()
    assert main(["dedup", str(src), "-o", str(out), "--representative", "score"]) == 2


def test_clean_then_dedup(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, records())
    proc = subprocess.run(
        [sys.executable, "-m", "chaffless", "clean", str(src), "-o", str(out), "--dedup"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 30
    assert sum(r["duplicate_of"] is not None for r in rows) == 10
    assert not list(tmp_path.glob(".chaffless-clean.*"))
    assert main(["clean", str(src), "-o", str(out), "--drop"]) == 2
