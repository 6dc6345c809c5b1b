"""Every way in cleans the dev pages alike, and finds the same dedup clusters.

CLI (JSONL and Parquet), Python API, Arrow batches, ``datasets.map`` with ``num_proc=2``,
Polars, pandas and datatrove, against ``Cleaner.clean_batch`` and ``MinHashDeduper.dedup``.
Spark: ``test_spark.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import chaffless
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def texts(dev_pages: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in dev_pages]


@pytest.fixture(scope="module")
def expected(texts: list[str]) -> list[str]:
    cleaned = chaffless.Cleaner().clean_batch(texts)
    assert cleaned != texts, "the dev pages must have something to clean"
    return cleaned


@pytest.fixture(scope="module")
def corpus(dedup_corpus: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in dedup_corpus.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def expected_clusters(corpus: list[dict[str, Any]]) -> list[str]:
    result = chaffless.MinHashDeduper().dedup(
        [r["text"] for r in corpus], ids=[r["id"] for r in corpus]
    )
    assert result.stats["duplicates"] > 50, "the corpus must have duplicates"
    return list(result.clusters)


def _cli(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "chaffless", *args, "--no-progress"],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_python_api_one_by_one(texts: list[str], expected: list[str]) -> None:
    cleaner = chaffless.Cleaner()
    assert [cleaner.clean(t) for t in texts] == expected


def test_cli_jsonl_and_parquet(
    tmp_path: Path, dev_pages: list[dict[str, Any]], expected: list[str]
) -> None:
    rows = [{"id": p["id"], "site": p["site"], "text": p["text"]} for p in dev_pages]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=10)
    _cli("clean", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    _cli("clean", "in.parquet", "-o", "out.parquet", cwd=tmp_path)
    jsonl = [json.loads(x)["text"] for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    out = pq.read_table(tmp_path / "out.parquet")
    assert jsonl == expected
    assert out.column("text").to_pylist() == expected
    assert out.column("id").to_pylist() == [r["id"] for r in rows]
    assert out.column("site").to_pylist() == [r["site"] for r in rows]
    assert (
        pq.ParquetFile(tmp_path / "out.parquet").num_row_groups
        == pq.ParquetFile(tmp_path / "in.parquet").num_row_groups
    )


def test_cli_parquet_by_site(tmp_path: Path, dev_pages: list[dict[str, Any]]) -> None:
    rows = [{"id": p["id"], "site": p["site"], "text": p["text"]} for p in dev_pages]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=10)
    _cli("clean", "in.parquet", "-o", "out.parquet", "--site-field", "site", cwd=tmp_path)
    texts = [r["text"] for r in rows]
    sites = [r["site"] for r in rows]
    want = chaffless.Cleaner().fit(texts, sites).clean_batch(texts, sites=sites)
    assert pq.read_table(tmp_path / "out.parquet").column("text").to_pylist() == want


@pytest.mark.parametrize("kind", ["string", "large_string", "string_view"])
def test_arrow_batches(texts: list[str], expected: list[str], kind: str) -> None:
    cleaner = chaffless.Cleaner()
    arrow = pa.array(texts, type=getattr(pa, kind)())
    batches = [arrow.slice(i, 10) for i in range(0, len(texts), 10)]
    got = [t for b in batches for t in cleaner.clean_arrow(b).to_pylist()]
    assert got == expected


def test_datasets_map_num_proc_2(
    texts: list[str], expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    cds = pytest.importorskip("chaffless.datasets")

    ds = datasets.Dataset.from_dict({"text": texts, "n": list(range(len(texts)))})
    fn = cds.clean_fn(output_column="clean")
    out = ds.map(fn, batched=True, batch_size=16, num_proc=2)
    assert out["clean"] == expected
    assert out["n"] == list(range(len(texts)))
    arrow = ds.with_format("arrow").map(fn, batched=True, batch_size=16, num_proc=2)
    assert arrow.with_format(None)["clean"] == expected


def test_polars(texts: list[str], expected: list[str]) -> None:
    pl = pytest.importorskip("polars")
    pytest.importorskip("chaffless.polars")  # registers the namespace

    df = pl.DataFrame({"text": texts})
    out = df.with_columns(pl.col("text").chaffless.clean().alias("clean"))
    assert out["clean"].to_list() == expected
    spans = df.select(pl.col("text").chaffless.annotate().alias("spans"))["spans"].to_list()
    assert [[s["label"] for s in row] for row in spans] == [
        [s.label for s in row] for row in chaffless.Cleaner().annotate_batch(texts)
    ]


def test_pandas(texts: list[str], expected: list[str]) -> None:
    pd = pytest.importorskip("pandas")
    cpd = pytest.importorskip("chaffless.pandas")

    series = pd.Series(texts, index=[f"p{i}" for i in range(len(texts))], name="text")
    out = series.pipe(cpd.clean, progress=False)
    assert list(out) == expected
    assert list(out.index) == list(series.index)
    assert out.name == "text"


def test_datatrove_pipeline(
    tmp_path: Path, dev_pages: list[dict[str, Any]], texts: list[str]
) -> None:
    pytest.importorskip("datatrove")
    from chaffless.datatrove import ChafflessClean, ChafflessMergeStats, ChafflessStats
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    src = tmp_path / "in"
    src.mkdir()
    for part in range(2):
        rows = dev_pages[part::2]
        (src / f"part{part}.jsonl").write_text(
            "".join(
                json.dumps({"id": p["id"], "text": p["text"], "site": p["site"]}) + "\n"
                for p in rows
            )
        )

    def reader() -> Any:
        return JsonlReader(str(src), glob_pattern="*.jsonl")

    stats = LocalPipelineExecutor(
        [reader(), ChafflessStats(str(tmp_path / "stats"))],
        tasks=2,
        logging_dir=str(tmp_path / "logs" / "stats"),
    )
    merge = LocalPipelineExecutor(
        [ChafflessMergeStats(str(tmp_path / "stats"), str(tmp_path / "model"))],
        tasks=1,
        logging_dir=str(tmp_path / "logs" / "merge"),
        depends=stats,
    )
    clean = LocalPipelineExecutor(
        [
            reader(),
            ChafflessClean(model_folder=str(tmp_path / "model")),
            JsonlWriter(str(tmp_path / "out"), output_filename="${rank}.jsonl", compression=None),
        ],
        tasks=2,
        logging_dir=str(tmp_path / "logs" / "clean"),
        depends=merge,
    )
    clean.run()
    got = {}
    for f in sorted((tmp_path / "out").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            got[r["id"]] = r["text"]
    fitted = chaffless.Cleaner().fit(texts, [p["site"] for p in dev_pages])
    want = fitted.clean_batch(texts, sites=[p["site"] for p in dev_pages])
    assert want != chaffless.Cleaner().clean_batch(texts), "fitting must change something"
    assert [got[p["id"]] for p in dev_pages] == want


# --- dedup ---------------------------------------------------------------------------------------


def test_dedup_cli_jsonl_and_parquet(
    tmp_path: Path, dedup_corpus: Path, corpus: list[dict[str, Any]], expected_clusters: list[str]
) -> None:
    pq.write_table(pa.Table.from_pylist(corpus), tmp_path / "in.parquet", row_group_size=300)
    _cli("dedup", str(dedup_corpus), "-o", "out.jsonl", cwd=tmp_path)
    _cli("dedup", "in.parquet", "-o", "out.parquet", cwd=tmp_path)
    jsonl = [json.loads(x)["cluster"] for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert jsonl == expected_clusters
    assert (
        pq.read_table(tmp_path / "out.parquet").column("cluster").to_pylist() == expected_clusters
    )


def test_dedup_arrow_polars_pandas_datasets(
    corpus: list[dict[str, Any]], expected_clusters: list[str]
) -> None:
    ids = [r["id"] for r in corpus]
    texts = pa.array([r["text"] for r in corpus])
    batch = chaffless.MinHashDeduper().dedup_arrow(texts)
    assert [ids[i] for i in batch.column("cluster").to_pylist()] == expected_clusters

    pl = pytest.importorskip("polars")
    pytest.importorskip("chaffless.polars")  # registers the namespace

    df = pl.DataFrame(corpus).with_columns(pl.col("text").chaffless.dedup().alias("d")).unnest("d")
    assert [ids[i] for i in df["cluster"].to_list()] == expected_clusters

    pd = pytest.importorskip("pandas")
    cpd = pytest.importorskip("chaffless.pandas")

    frame = pd.DataFrame(corpus).set_index("id")
    assert list(frame["text"].pipe(cpd.dedup)["cluster"]) == expected_clusters

    datasets = pytest.importorskip("datasets")
    cds = pytest.importorskip("chaffless.datasets")

    ds = cds.dedup(datasets.Dataset.from_list(corpus))
    assert [ids[i] for i in ds["cluster"]] == expected_clusters


def test_dedup_datatrove(
    tmp_path: Path, corpus: list[dict[str, Any]], expected_clusters: list[str]
) -> None:
    pytest.importorskip("datatrove")
    from chaffless.datatrove import (
        ChafflessDedupClusters,
        ChafflessDedupFilter,
        ChafflessDedupSignatures,
    )
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    src = tmp_path / "in"
    src.mkdir()
    half = len(corpus) // 2
    for part, rows in enumerate([corpus[:half], corpus[half:]]):
        (src / f"part{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    def reader() -> Any:
        return JsonlReader(str(src), glob_pattern="*.jsonl")

    sigs = LocalPipelineExecutor(
        [reader(), ChafflessDedupSignatures(str(tmp_path / "sigs"))],
        tasks=2,
        logging_dir=str(tmp_path / "logs" / "sigs"),
    )
    clusters = LocalPipelineExecutor(
        [ChafflessDedupClusters(str(tmp_path / "sigs"), str(tmp_path / "clusters"))],
        tasks=1,
        logging_dir=str(tmp_path / "logs" / "clusters"),
        depends=sigs,
    )
    filt = LocalPipelineExecutor(
        [
            reader(),
            ChafflessDedupFilter(str(tmp_path / "clusters"), drop=False),
            JsonlWriter(str(tmp_path / "out"), output_filename="${rank}.jsonl", compression=None),
        ],
        tasks=2,
        logging_dir=str(tmp_path / "logs" / "filter"),
        depends=clusters,
    )
    filt.run()
    got = {}
    for f in sorted((tmp_path / "out").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            got[r["id"]] = r["metadata"]["cluster"]
    assert [got[r["id"]] for r in corpus] == expected_clusters
