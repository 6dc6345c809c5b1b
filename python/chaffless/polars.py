"""Polars: a ``chaffless`` expression namespace.

::

    import polars as pl
    import chaffless.polars  # registers the namespace

    df.with_columns(pl.col("text").chaffless.clean())
    df.with_columns(pl.col("text").chaffless.annotate().alias("spans"))
    df.with_columns(pl.col("text").chaffless.dedup().alias("dedup")).unnest("dedup")

Columns reach chaffless through the Arrow PyCapsule interface (no Python object per row) and
come back as Arrow. Needs ``pip install 'chaffless[polars]'``.
"""

from __future__ import annotations

from typing import Any

from chaffless._chaffless import Cleaner, ConfigError, MinHashDeduper
from chaffless._optional import require

pl = require("polars", "polars", "chaffless.polars")

__all__ = ["ChafflessExpr"]


def _series(result: Any, name: str) -> Any:
    """A Polars Series from a chaffless Arrow result (pyarrow or PyCapsule objects alike)."""
    if hasattr(result, "num_columns"):  # a record batch
        return pl.DataFrame(result).to_struct(name)
    return pl.Series(name, result)


@pl.api.register_expr_namespace("chaffless")
class ChafflessExpr:
    """``expr.chaffless``: cleaning and dedup of a string column."""

    def __init__(self, expr: Any) -> None:
        """Wraps ``expr`` (done by Polars when ``.chaffless`` is used)."""
        self._expr = expr

    def _cleaner(self, cleaner: Cleaner | None, options: dict[str, Any]) -> Cleaner:
        if cleaner is not None and options:
            raise ConfigError("give a cleaner or cleaner options, not both")
        return cleaner if cleaner is not None else Cleaner(**options)

    def _map(self, fn: Any, site: Any, dtype: Any) -> Any:
        if site is None:
            return self._expr.map_batches(lambda s: fn(s, None, s.name), return_dtype=dtype)
        site_expr = pl.col(site) if isinstance(site, str) else site
        both = pl.struct(self._expr.alias("text"), site_expr.alias("site"))
        return both.map_batches(
            lambda s: fn(s.struct.field("text"), s.struct.field("site"), "text"),
            return_dtype=dtype,
        )

    def clean(self, cleaner: Cleaner | None = None, *, site: Any = None, **options: Any) -> Any:
        """The cleaned text (a String expression; nulls stay null).

        Args:
            cleaner: The cleaner (default: ``Cleaner(**options)``).
            site: The site column (a name or an expression), for a fitted cleaner.
            **options: Cleaner options, when no cleaner is given.

        Returns:
            The expression.
        """
        c = self._cleaner(cleaner, options)

        def run(texts: Any, sites: Any, name: str) -> Any:
            return _series(c.clean_arrow(texts, sites=sites), name).cast(pl.String)

        return self._map(run, site, pl.String)

    def annotate(self, cleaner: Cleaner | None = None, *, site: Any = None, **options: Any) -> Any:
        """The removed spans: ``list[struct[start, end, label, score, detector, rule, evidence]]``.

        Args:
            cleaner: The cleaner (default: ``Cleaner(**options)``).
            site: The site column (a name or an expression), for a fitted cleaner.
            **options: Cleaner options, when no cleaner is given.

        Returns:
            The expression (offsets in code points).
        """
        c = self._cleaner(cleaner, options)
        span = pl.Struct(
            {
                "start": pl.Int64,
                "end": pl.Int64,
                "label": pl.String,
                "score": pl.Float64,
                "detector": pl.String,
                "rule": pl.String,
                "evidence": pl.String,
            }
        )

        def run(texts: Any, sites: Any, name: str) -> Any:
            return _series(c.annotate_arrow(texts, sites=sites), name)

        return self._map(run, site, pl.List(span))

    def dedup(self, deduper: MinHashDeduper | None = None, **options: Any) -> Any:
        """Near-duplicate clusters of the whole column, as a struct expression.

        Fields: ``cluster`` (the representative's row number), ``duplicate_of`` (row number or
        null), ``similarity``, ``exact_duplicate``, ``keep``; ``.struct.unnest()`` or
        ``DataFrame.unnest`` spread them. The same clusters as ``MinHashDeduper.dedup``.

        Args:
            deduper: The deduper (default: ``MinHashDeduper(**options)``).
            **options: Deduper options, when no deduper is given.

        Returns:
            The expression.
        """
        if deduper is not None and options:
            raise ConfigError("give a deduper or deduper options, not both")
        d = deduper if deduper is not None else MinHashDeduper(**options)
        dtype = pl.Struct(
            {
                "cluster": pl.Int64,
                "duplicate_of": pl.Int64,
                "similarity": pl.Float64,
                "exact_duplicate": pl.Boolean,
                "keep": pl.Boolean,
            }
        )

        def run(texts: Any) -> Any:
            return _series(d.dedup_arrow(texts), texts.name)

        return self._expr.map_batches(run, return_dtype=dtype)
