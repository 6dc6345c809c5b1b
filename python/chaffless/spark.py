"""Spark: fit, clean and dedup DataFrames; Spark schedules, chaffless computes.

Every row-level computation runs in chaffless on Arrow batches (``mapInArrow``); Spark only
moves data: group-bys, joins and unions. Nothing is collected to the driver but the merged site
statistics (a few MB) and the loop's convergence counts.

- :func:`fit`: partial site statistics per partition, merged (a tree reduce), returned as a
  fitted :class:`chaffless.Cleaner`.
- :func:`clean`: the cleaner broadcast to the executors, text columns cleaned per batch.
- :func:`dedup`: sketches per partition, LSH band keys exploded and grouped, candidate pairs
  verified in chaffless, exact-duplicate groups and connected components computed with joins
  (min-label propagation with pointer jumping, to a fixed point). The clusters equal
  :meth:`chaffless.MinHashDeduper.dedup` on the same rows in the same order.

Needs ``pip install 'chaffless[spark]'`` (pyspark, pyarrow; pyspark's ``mapInArrow`` also
imports pandas) and Java 17.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from typing import Any

from chaffless._chaffless import Cleaner, ConfigError, MinHashDeduper
from chaffless._optional import require

_FEATURE = "chaffless.spark"

__all__ = ["clean", "dedup", "fit"]


def _modules() -> tuple[Any, Any, Any]:
    """pyspark.sql, pyspark.sql.functions and pyarrow, or a MissingDependencyError."""
    sql = require("pyspark.sql", "spark", _FEATURE)
    functions = require("pyspark.sql.functions", "spark", _FEATURE)
    pa = require("pyarrow", "spark", _FEATURE)
    return sql, functions, pa


def _map_in_arrow(df: Any, fn: Any, schema: Any) -> Any:
    """``df.mapInArrow(fn, schema)``, without pyspark's pandas-version warning.

    pandas is not used on this path, only pyarrow.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
        )
        return df.mapInArrow(fn, schema)


def _cleaner(cleaner: Cleaner | None, options: dict[str, Any]) -> Cleaner:
    if cleaner is not None and options:
        raise ConfigError("give a cleaner or cleaner options, not both")
    return cleaner if cleaner is not None else Cleaner(**options)


def _deduper(deduper: MinHashDeduper | None, options: dict[str, Any]) -> MinHashDeduper:
    if deduper is not None and options:
        raise ConfigError("give a deduper or deduper options, not both")
    return deduper if deduper is not None else MinHashDeduper(**options)


# --- fit ---------------------------------------------------------------------------------------


def _partial_stats(
    batches: Iterator[Any], data: bytes, text_col: str, site_col: str
) -> Iterator[Any]:
    import pyarrow as pa

    cleaner = Cleaner.from_bytes(data)
    fitted = None
    for batch in batches:
        part = cleaner if fitted is None else fitted
        fitted = part.partial_fit(batch.column(text_col), batch.column(site_col))
    if fitted is not None:
        yield pa.RecordBatch.from_pydict({"model": [fitted.to_bytes()]})


def fit(
    df: Any,
    cleaner: Cleaner | None = None,
    *,
    text_col: str = "text",
    site_col: str = "site",
    **options: Any,
) -> Cleaner:
    """A cleaner fitted on the pages of ``df`` (site chrome learned per site).

    Each partition counts its own pages (``mapInArrow``); the partial statistics are merged
    pairwise on the executors (``treeReduce``) and the merged model comes back to the driver.
    Equal to ``cleaner.fit(texts, sites)`` on all rows.

    Args:
        df: A Spark DataFrame with a string text column and a string site column.
        cleaner: The cleaner whose configuration to use (default: ``Cleaner(**options)``).
        text_col: The text column.
        site_col: The site column (rows with a null site are not counted).
        **options: Cleaner options, when no cleaner is given.

    Returns:
        The fitted cleaner: pass it to :func:`clean` with the same ``site_col``.
    """
    _modules()
    base = _cleaner(cleaner, options)
    data = base.to_bytes()
    fn = functools.partial(_partial_stats, data=data, text_col=text_col, site_col=site_col)
    models = _map_in_arrow(df.select(text_col, site_col), fn, "model binary")
    parts = models.rdd.map(lambda row: bytes(row.model))
    if parts.isEmpty():
        return base
    merged: bytes = parts.treeReduce(_merge_bytes)
    return Cleaner.from_bytes(merged)


def _merge_bytes(a: bytes, b: bytes) -> bytes:
    return Cleaner.from_bytes(a).merge(Cleaner.from_bytes(b)).to_bytes()


# --- clean -------------------------------------------------------------------------------------


def _clean_batches(
    batches: Iterator[Any],
    model: Any,
    text_col: str,
    output_col: str,
    site_col: str | None,
    spans_col: str | None,
) -> Iterator[Any]:
    import pyarrow as pa

    cleaner = Cleaner.from_bytes(model.value)
    for batch in batches:
        sites = batch.column(site_col) if site_col is not None else None
        texts = batch.column(text_col)
        out = cleaner.process_arrow(texts, sites=sites)
        names = list(batch.schema.names)
        columns = [batch.column(i) for i in range(batch.num_columns)]
        text = out.column("text").cast(batch.schema.field(text_col).type)
        if output_col in names:
            columns[names.index(output_col)] = text
        else:
            names.append(output_col)
            columns.append(text)
        if spans_col is not None:
            names.append(spans_col)
            columns.append(out.column("spans"))
        yield pa.RecordBatch.from_arrays(columns, names=names)


def _spans_type(types: Any) -> Any:
    """The Spark type of the spans column (as ``Cleaner.annotate_arrow``'s)."""
    fields = [
        ("start", types.LongType()),
        ("end", types.LongType()),
        ("label", types.StringType()),
        ("score", types.DoubleType()),
        ("detector", types.StringType()),
        ("rule", types.StringType()),
        ("evidence", types.StringType()),
    ]
    span = types.StructType([types.StructField(n, t, False) for n, t in fields])
    return types.ArrayType(span, False)


def clean(
    df: Any,
    cleaner: Cleaner | None = None,
    *,
    text_col: str = "text",
    output_col: str | None = None,
    site_col: str | None = None,
    spans_col: str | None = None,
    **options: Any,
) -> Any:
    """``df`` with its text column cleaned (or the cleaned text in ``output_col``).

    The cleaner (with its site statistics) is broadcast once; each executor cleans Arrow batches
    with it (``mapInArrow``), on all its cores. Other columns are kept.

    Args:
        df: A Spark DataFrame with a string text column.
        cleaner: The cleaner (default: ``Cleaner(**options)``), e.g. from :func:`fit`.
        text_col: The text column.
        output_col: Where the cleaned text goes (default: ``text_col``, replaced).
        site_col: The site column, for a fitted cleaner.
        spans_col: If given, a column receiving the removed spans
            (``array<struct<start, end, label, score, detector, rule, evidence>>``).
        **options: Cleaner options, when no cleaner is given.

    Returns:
        A new DataFrame (lazy, like any Spark transformation).
    """
    _modules()
    c = _cleaner(cleaner, options)
    output_col = output_col or text_col
    spark = df.sparkSession
    model = spark.sparkContext.broadcast(c.to_bytes())
    schema = df.schema
    fields = [f for f in schema.fields]
    names = [f.name for f in fields]
    types = require("pyspark.sql.types", "spark", _FEATURE)
    if output_col not in names:
        fields.append(types.StructField(output_col, types.StringType(), True))
    if spans_col is not None:
        fields.append(types.StructField(spans_col, _spans_type(types), True))
    fn = functools.partial(
        _clean_batches,
        model=model,
        text_col=text_col,
        output_col=output_col,
        site_col=site_col,
        spans_col=spans_col,
    )
    return _map_in_arrow(df, fn, types.StructType(fields))


# --- dedup -------------------------------------------------------------------------------------

_SKETCH_SCHEMA = (
    "pos bigint, signature binary, exact_hash binary, shingles bigint, length bigint, "
    "band_keys array<bigint>"
)


def _sketch_batches(batches: Iterator[Any], config: dict[str, Any], text_col: str) -> Iterator[Any]:
    import pyarrow as pa

    deduper = MinHashDeduper.from_dict(config)
    for batch in batches:
        sk = deduper.sketch_arrow(batch.column(text_col))
        yield pa.RecordBatch.from_arrays(
            [batch.column("pos"), *sk.columns], names=["pos", *sk.schema.names]
        )


def _verify_batches(batches: Iterator[Any], config: dict[str, Any], exact: bool) -> Iterator[Any]:
    import pyarrow as pa

    deduper = MinHashDeduper.from_dict(config)
    for batch in batches:
        est = deduper.similarity_arrow(batch.column("sig_a"), batch.column("sig_b"))
        columns = [batch.column("a"), batch.column("b"), est]
        names = ["a", "b", "estimate"]
        if exact:
            columns.append(
                deduper.exact_similarity_arrow(batch.column("text_a"), batch.column("text_b"))
            )
            names.append("exact")
        yield pa.RecordBatch.from_arrays(columns, names=names)


def dedup(
    df: Any,
    deduper: MinHashDeduper | None = None,
    *,
    text_col: str = "text",
    id_col: str | None = None,
    order_col: str | None = None,
    score_col: str | None = None,
    max_iterations: int = 64,
    **options: Any,
) -> Any:
    """``df`` with near-duplicate clusters: the columns ``cluster``, ``duplicate_of``, ``keep``.

    The same clusters as :meth:`chaffless.MinHashDeduper.dedup` on the rows in ``order_col``
    order (default: the DataFrame's order), computed in Spark: sketches per partition
    (``mapInArrow``), exact-duplicate groups by hash, LSH buckets by a group-by on
    (band, key) with the deduper's ``max_bucket`` rule, candidate pairs verified in chaffless
    (``mapInArrow``), then connected components of the verified pairs by joins until nothing
    changes. Union-find clusters only (``mode="union_find"``, the default).

    Args:
        df: A Spark DataFrame with a string text column (no nulls).
        deduper: The deduper (default: ``MinHashDeduper(**options)``).
        text_col: The text column.
        id_col: The column naming rows in ``cluster`` / ``duplicate_of`` (default: the
            row's position, as in ``MinHashDeduper.dedup`` without ids).
        order_col: A column giving the input order (the ``first`` rule and ties); default
            the DataFrame's own order (``monotonically_increasing_id``).
        score_col: A numeric column for the ``score`` representative rule.
        max_iterations: Bound on the rounds of the connected-components loop.
        **options: Deduper options, when no deduper is given.

    Returns:
        ``df`` with ``cluster`` (the representative's id), ``duplicate_of`` (that id, or null
        for representatives and singletons) and ``keep`` (true for one row per cluster). The
        clusters are those of :meth:`MinHashDeduper.dedup`; its ``duplicate_of`` names the
        verified neighbour on the way to the representative, this one the representative.

    Raises:
        ConfigError: For ``mode="star"``, or a ``score`` rule without ``score_col``.
        RuntimeError: When the components did not converge in ``max_iterations`` rounds.
    """
    _, F, _ = _modules()
    d = _deduper(deduper, options)
    config = d.config
    if config["mode"] != "union_find":
        raise ConfigError("chaffless.spark.dedup computes union_find clusters, got mode='star'")
    rule = config["representative"]
    if rule == "score" and score_col is None:
        raise ConfigError("representative 'score' needs score_col")
    spark = df.sparkSession
    exact = bool(config["exact"])

    base = df.withColumn(
        "__pos", F.col(order_col) if order_col else F.monotonically_increasing_id()
    )
    # Materialised once: positions must not change between the jobs below.
    base = base.localCheckpoint()
    if id_col is None and order_col is None:
        # Row numbers: monotonically_increasing_id is (partition << 33) + row in partition, so
        # a row's number is its partition's offset plus its row; only the per-partition counts
        # come to the driver.
        part = F.shiftright("__pos", 33)
        counts = dict(base.groupBy(part.alias("p")).count().collect())
        offsets, total = {}, 0
        for p in sorted(counts):
            offsets[p] = total
            total += counts[p]
        start = F.create_map(*[F.lit(x) for kv in offsets.items() for x in kv])
        row = F.col("__pos") - F.shiftleft(part, 33)
        base = base.withColumn("__id", start[part] + row)
        id_expr = F.col("__id")
    elif id_col is None:
        # Row numbers in order_col order: a global sort, done by Spark.
        ranked = base.select("__pos").rdd.map(lambda r: r[0]).sortBy(lambda p: p).zipWithIndex()
        numbers = spark.createDataFrame(ranked, "__pos bigint, __id bigint")
        base = base.join(numbers, "__pos")
        id_expr = F.col("__id")
    else:
        id_expr = F.col(id_col)
    docs = base.select(
        F.col("__pos").alias("pos"),
        id_expr.alias("id"),
        F.col(text_col).alias("text"),
        *([F.col(score_col).cast("double").alias("score")] if score_col else []),
    )
    fn = functools.partial(_sketch_batches, config=config, text_col="text")
    sk = _map_in_arrow(docs.select("pos", "text"), fn, _SKETCH_SCHEMA)
    sk = sk.join(docs.drop("text"), "pos").localCheckpoint()

    # The representative order, as a struct Spark compares field by field.
    if rule == "first":
        key = F.struct(F.col("pos").alias("k0"))
    elif rule == "longest":
        key = F.struct((-F.col("length")).alias("k0"), F.col("exact_hash").alias("k1"), "pos")
    else:
        key = F.struct((-F.col("score")).alias("k0"), F.col("exact_hash").alias("k1"), "pos")
    sk = sk.withColumn("rank", F.struct(key.alias("key"), F.col("id").alias("id")))

    # Exact-duplicate groups: the leader is the member first in representative order.
    groups = sk.groupBy("exact_hash").agg(F.min("rank").alias("leader"))
    sk = sk.join(groups, "exact_hash")
    leaders = sk.where((F.col("rank") == F.col("leader")) & (F.col("shingles") > 0))

    # LSH buckets over the leaders; a bucket larger than max_bucket pairs each member with the
    # max_bucket members after it in content (exact hash) order, as the single-machine index.
    keyed = leaders.select("pos", "exact_hash", F.posexplode("band_keys").alias("band", "key"))
    size = keyed.groupBy("band", "key").agg(F.count("*").alias("size")).where("size > 1")
    from pyspark.sql.window import Window

    w = Window.partitionBy("band", "key").orderBy("exact_hash")
    members = keyed.join(size, ["band", "key"]).withColumn("rn", F.row_number().over(w))
    a, b = members.alias("a"), members.alias("b")
    max_bucket = int(config["max_bucket"])
    pairs = (
        a.join(b, (F.col("a.band") == F.col("b.band")) & (F.col("a.key") == F.col("b.key")))
        .where(
            (F.col("a.rn") < F.col("b.rn"))
            & ((F.col("a.size") <= max_bucket) | (F.col("b.rn") - F.col("a.rn") <= max_bucket))
        )
        .select(F.least("a.pos", "b.pos").alias("a"), F.greatest("a.pos", "b.pos").alias("b"))
        .distinct()
    )

    # Verification in chaffless.
    sig = leaders.select("pos", "signature")
    if exact:
        sig = sig.join(docs.select("pos", "text"), "pos")
    sa, sb = (
        sig.select(
            F.col("pos").alias(side),
            F.col("signature").alias(f"sig_{side}"),
            *([F.col("text").alias(f"text_{side}")] if exact else []),
        )
        for side in ("a", "b")
    )
    candidates = pairs.join(sa, "a").join(sb, "b")
    verify = functools.partial(_verify_batches, config=config, exact=exact)
    schema = "a bigint, b bigint, estimate double" + (", exact double" if exact else "")
    checked = _map_in_arrow(candidates, verify, schema)
    floor = float(config["threshold"]) - d.margin - 1e-9
    cond = F.col("estimate") >= floor
    if exact:
        cond = cond & (F.col("exact") >= float(config["threshold"]) - 1e-9)
    edges = checked.where(cond).select("a", "b").localCheckpoint()

    # Connected components: every node takes the smallest rank of its component.
    rank = leaders.select(F.col("pos").alias("node"), F.col("rank").alias("label"))
    nodes = (
        edges.select(F.col("a").alias("node"))
        .union(edges.select(F.col("b").alias("node")))
        .distinct()
    )
    labels = nodes.join(rank, "node").localCheckpoint()
    both = edges.union(edges.select(F.col("b").alias("a"), F.col("a").alias("b"))).localCheckpoint()
    for _ in range(max_iterations):
        spread = both.join(labels.withColumnRenamed("node", "a"), "a").select(
            F.col("b").alias("node"), "label"
        )
        step = labels.union(spread).groupBy("node").agg(F.min("label").alias("label"))
        # Pointer jumping: take the label of the node one's label names.
        owner = step.select(_key_pos(F, rule, "label.key").alias("via"), "node", "label")
        jumped = (
            owner.join(
                step.select(F.col("node").alias("via"), F.col("label").alias("far")), "via", "left"
            )
            .select(
                "node",
                F.when(F.col("far").isNotNull() & (F.col("far") < F.col("label")), F.col("far"))
                .otherwise(F.col("label"))
                .alias("label"),
            )
            .localCheckpoint()
        )
        changed = (
            jumped.alias("n")
            .join(labels.alias("o"), "node")
            .where(F.col("n.label") != F.col("o.label"))
            .limit(1)
            .count()
        )
        labels = jumped
        if changed == 0:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_iterations} rounds")

    reps = labels.select(F.col("node").alias("leader_pos"), F.col("label.id").alias("cluster"))
    out = sk.select(
        "pos", "id", F.col("leader.id").alias("leader_id"), F.col("leader.key").alias("lk")
    )
    leader_pos = _key_pos(F, rule, "lk")
    out = out.withColumn("leader_pos", leader_pos).join(reps, "leader_pos", "left")
    out = out.select(
        F.col("pos").alias("__pos"),
        F.coalesce("cluster", "leader_id").alias("cluster"),
    )
    result = base.join(out, "__pos")
    own = F.col("__id") if id_col is None else F.col(id_col)
    result = result.withColumn(
        "duplicate_of", F.when(F.col("cluster") != own, F.col("cluster"))
    ).withColumn("keep", F.col("duplicate_of").isNull())
    return result.orderBy("__pos").drop("__pos", "__id")


def _key_pos(F: Any, rule: str, column: str) -> Any:
    """The position field of a representative-order key."""
    return F.col(f"{column}.k0") if rule == "first" else F.col(f"{column}.pos")
