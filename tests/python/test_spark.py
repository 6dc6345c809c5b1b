"""chaffless.spark in local mode (``local[2]``): the results equal the single-machine ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import chaffless
import pytest

pytest.importorskip("pyspark", reason="pyspark not installed: pip install '.[test]'")
import chaffless.spark  # noqa: E402


def test_clean_equals_clean_batch(spark: Any, dev_pages: list[dict[str, Any]]) -> None:
    rows = [(p["id"], p["site"], p["text"]) for p in dev_pages]
    df = spark.createDataFrame(rows, "id string, site string, text string").repartition(3)
    out = chaffless.spark.clean(df, output_col="clean", spans_col="spans").collect()
    got = {r["id"]: r["clean"] for r in out}
    texts = [p["text"] for p in dev_pages]
    want = chaffless.Cleaner().clean_batch(texts)
    assert [got[p["id"]] for p in dev_pages] == want
    labels = {r["id"]: r["spans"] for r in out}
    first = dev_pages[0]
    assert [s["label"] for s in labels[first["id"]]] == [
        s.label for s in chaffless.Cleaner().annotate(first["text"])
    ]


def test_fit_then_clean_equals_single_machine(spark: Any, dev_pages: list[dict[str, Any]]) -> None:
    rows = [(p["id"], p["site"], p["text"]) for p in dev_pages]
    df = spark.createDataFrame(rows, "id string, site string, text string").repartition(4)
    fitted = chaffless.spark.fit(df, site_col="site")
    texts = [p["text"] for p in dev_pages]
    sites = [p["site"] for p in dev_pages]
    local = chaffless.Cleaner().fit(texts, sites)
    assert fitted == local
    out = chaffless.spark.clean(df, fitted, site_col="site").collect()
    got = {r["id"]: r["text"] for r in out}
    assert [got[p["id"]] for p in dev_pages] == local.clean_batch(texts, sites=sites)


@pytest.mark.parametrize(
    "options",
    [{}, {"representative": "longest", "threshold": 0.7}, {"exact": True, "max_bucket": 2}],
    ids=["default", "longest", "exact-small-buckets"],
)
def test_dedup_equals_minhash_deduper(
    spark: Any, dedup_corpus: Path, options: dict[str, Any]
) -> None:
    corpus = [json.loads(x) for x in dedup_corpus.read_text(encoding="utf-8").splitlines()]
    corpus = corpus[:500]
    deduper = chaffless.MinHashDeduper(**options)
    want = deduper.dedup([r["text"] for r in corpus], ids=[r["id"] for r in corpus])
    assert want.stats["duplicates"] > 10
    rows = [(i, r["id"], r["text"]) for i, r in enumerate(corpus)]
    df = spark.createDataFrame(rows, "n long, id string, text string").repartition(3)
    out = chaffless.spark.dedup(df, deduper, id_col="id", order_col="n").collect()
    got = {r["id"]: r["cluster"] for r in out}
    assert [got[r["id"]] for r in corpus] == list(want.clusters)
    # Spark names the representative; the deduper's union-find names a verified neighbour
    # on the way to it: the same rows are duplicates.
    dup = {r["id"]: r["duplicate_of"] for r in out}
    assert [dup[r["id"]] for r in corpus] == [
        None if d is None else c for d, c in zip(want.duplicate_of, want.clusters)
    ]


def test_dedup_default_order_and_row_numbers(spark: Any) -> None:
    story = (
        "The harbour will stay closed until Friday after the storm damaged two piers, the port "
        "authority said on Monday, and ferries to the islands are cancelled until further notice."
    )
    texts = [story, "Weather: sunny spells all week.", story + " Share this article", story.upper()]
    df = spark.createDataFrame([(t,) for t in texts], "text string").repartition(2)
    df = df.sortWithinPartitions("text")  # rows in another order than `texts`
    order = [r["text"] for r in df.collect()]
    out = chaffless.spark.dedup(df).collect()
    assert [r["text"] for r in out] == order
    texts = order
    assert [r["cluster"] for r in out] == chaffless.MinHashDeduper().dedup(texts).clusters
    assert [r["keep"] for r in out] == chaffless.MinHashDeduper().dedup(texts).keep


def test_star_mode_is_refused(spark: Any) -> None:
    df = spark.createDataFrame([("a",)], "text string")
    with pytest.raises(chaffless.ConfigError, match="union_find"):
        chaffless.spark.dedup(df, mode="star")
