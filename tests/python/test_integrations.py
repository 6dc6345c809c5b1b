"""Integration details.

Lazy imports and the missing-extra error, Parquet rejects and atomic output, picklable batch
functions, nulls through pandas and Polars.
"""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import chaffless
import pytest
from chaffless._optional import MissingDependencyError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

PAGE = (
    "Home | News | Sport\nThe harbour will stay closed until Friday after the storm damaged two "
    "piers, the port authority said.\nHome | News | Sport"
)


def test_import_chaffless_does_not_import_integrations() -> None:
    code = (
        "import sys, chaffless; "
        "print(sorted(m for m in ('pyarrow', 'pyspark', 'polars', 'pandas', 'datasets', "
        "'datatrove') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("module", "missing", "extra"),
    [
        ("chaffless.polars", "polars", "polars"),
        ("chaffless.datatrove", "datatrove", "datatrove"),
    ],
)
def test_missing_extra_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, module: str, missing: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(MissingDependencyError, match=rf"pip install 'chaffless\[{extra}\]'"):
        importlib.import_module(module)
    assert issubclass(MissingDependencyError, ImportError)


def test_spark_without_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    import chaffless.spark

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'chaffless\[spark\]'"):
        chaffless.spark.clean(object())


def test_clean_fn_pickles_and_keeps_nulls() -> None:
    cds = pytest.importorskip("chaffless.datasets")

    fn = pickle.loads(pickle.dumps(cds.clean_fn(spans_column="spans")))
    out = fn({"text": [PAGE, None]})
    assert out["text"] == [chaffless.clean(PAGE), None]
    assert out["spans"][1] is None
    assert [s["label"] for s in out["spans"][0]] == [s.label for s in chaffless.annotate(PAGE)]


def test_pandas_nulls_and_annotate() -> None:
    pd = pytest.importorskip("pandas")
    cpd = pytest.importorskip("chaffless.pandas")

    s = pd.Series([PAGE, None], index=[10, 20])
    out = cpd.clean(s, progress=False)
    assert out[10] == chaffless.clean(PAGE)
    assert out.isna()[20]
    spans = cpd.annotate(s, progress=False)
    assert [x["label"] for x in spans[10]] == [x.label for x in chaffless.annotate(PAGE)]


def test_pandas_progress_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tqdm")
    cpd = pytest.importorskip("chaffless.pandas")

    monkeypatch.setattr(cpd, "CHUNK", 3)
    texts = [f"{PAGE} {i}" for i in range(8)]
    out = cpd.clean(pd.Series(texts), progress=True)
    assert list(out) == chaffless.Cleaner().clean_batch(texts)


def test_polars_nulls_and_sites() -> None:
    pl = pytest.importorskip("polars")
    pytest.importorskip("chaffless.polars")  # registers the namespace

    df = pl.DataFrame({"text": [PAGE, None], "site": ["a.example", None]})
    out = df.select(pl.col("text").chaffless.clean(site="site"))["text"].to_list()
    assert out == [chaffless.clean(PAGE), None]


def _parquet(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    return path


def test_parquet_rejects_nulls_and_keeps_columns(tmp_path: Path) -> None:
    import chaffless.cli

    rows = [{"id": i, "text": PAGE if i != 2 else None, "extra": [i]} for i in range(5)]
    _parquet(tmp_path, rows)
    args = ["clean", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet")]
    assert chaffless.cli.main([*args, "--no-progress"]) == 0
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.column("id").to_pylist() == [0, 1, 3, 4]
    assert out.column("extra").to_pylist() == [[0], [1], [3], [4]]
    assert out.column("text").to_pylist() == [chaffless.clean(PAGE)] * 4
    rejects = [
        json.loads(x) for x in (tmp_path / "out.parquet.rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["row"], r["reason"]) for r in rejects] == [(2, "field 'text' is null")]
    assert rejects[0]["record"]["id"] == 2


def test_parquet_annotate_and_failed_run_leaves_output(tmp_path: Path) -> None:
    import chaffless.cli

    _parquet(tmp_path, [{"text": PAGE}])
    out = tmp_path / "out.parquet"
    assert (
        chaffless.cli.main(
            ["clean", str(tmp_path / "in.parquet"), "-o", str(out), "--annotate", "--no-progress"]
        )
        == 0
    )
    table = pq.read_table(out)
    assert table.column("text").to_pylist() == [PAGE]
    assert table.column("spans").to_pylist()[0]
    before = out.read_bytes()
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    assert (
        chaffless.cli.main(
            ["clean", str(tmp_path / "bad.parquet"), "-o", str(out), "--no-progress"]
        )
        == 1
    )
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".chaffless.*"))


def test_parquet_needs_parquet_on_both_sides(tmp_path: Path) -> None:
    import chaffless.cli

    _parquet(tmp_path, [{"text": PAGE}])
    assert (
        chaffless.cli.main(["clean", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "o.jsonl")])
        == 2
    )


def test_parquet_dedup_drop(tmp_path: Path) -> None:
    import chaffless.cli

    story = PAGE + " and the ferries to the islands are cancelled until further notice today."
    texts = [story, None, "other words here", story]
    rows = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]
    _parquet(tmp_path, rows)
    out = tmp_path / "out.parquet"
    assert (
        chaffless.cli.main(
            ["dedup", str(tmp_path / "in.parquet"), "-o", str(out), "--drop", "--no-progress"]
        )
        == 0
    )
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == ["d0", "d2"]
    assert table.column("cluster").to_pylist() == ["d0", "d2"]
    rejects = (tmp_path / "out.parquet.rejects.jsonl").read_text().splitlines()
    assert [json.loads(r)["row"] for r in rejects] == [1]


def test_without_pyarrow_results_speak_the_capsule_interface() -> None:
    pytest.importorskip("polars")
    code = """
import sys
sys.modules["pyarrow"] = None  # as if it were not installed
import polars as pl
import chaffless, chaffless.polars
page = "Home | News\\nThe council met on Tuesday.\\nHome | News"
out = chaffless.Cleaner().clean_arrow(pl.Series([page, None]))
assert hasattr(out, "__arrow_c_array__") and "pyarrow" not in type(out).__module__
assert pl.Series(out).to_list() == [chaffless.clean(page), None]
df = pl.DataFrame({"text": [page, page]})
got = df.select(pl.col("text").chaffless.clean(), pl.col("text").chaffless.dedup().alias("d"))
assert got["text"].to_list() == [chaffless.clean(page)] * 2
assert got.unnest("d")["cluster"].to_list() == [0, 0]
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
