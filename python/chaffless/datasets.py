"""Hugging Face ``datasets``: a batch function for ``Dataset.map`` and a dedup helper.

::

    import chaffless.datasets

    ds = ds.map(chaffless.datasets.clean_fn(), batched=True, num_proc=2)
    ds = chaffless.datasets.dedup(ds, threshold=0.8)   # adds cluster, duplicate_of, keep

``clean_fn`` takes the batch as ``datasets`` gives it: a dict of lists (the default format) or
a ``pyarrow.Table`` (``ds.with_format("arrow")``, no Python object per row). It pickles (the
cleaner travels to the ``num_proc`` workers with it). Needs ``pip install 'chaffless[datasets]'``.
"""

from __future__ import annotations

from typing import Any

from chaffless._chaffless import Cleaner, ConfigError, MinHashDeduper
from chaffless._optional import require

__all__ = ["CleanFn", "clean_fn", "dedup"]

_FEATURE = "chaffless.datasets"


class CleanFn:
    """A picklable batch function cleaning one column; made by :func:`clean_fn`."""

    def __init__(
        self,
        cleaner: Cleaner,
        column: str,
        output_column: str,
        site_column: str | None,
        spans_column: str | None,
    ) -> None:
        """Stores the settings; see :func:`clean_fn`."""
        self.cleaner = cleaner
        self.column = column
        self.output_column = output_column
        self.site_column = site_column
        self.spans_column = spans_column

    def __call__(self, batch: Any) -> Any:
        """Cleans one batch: a dict of lists, or a ``pyarrow.Table``.

        Args:
            batch: The batch ``Dataset.map(..., batched=True)`` passes.

        Returns:
            The new columns, in the batch's own form (``datasets`` adds them to the rest).
        """
        if isinstance(batch, dict) or hasattr(batch, "keys") and not hasattr(batch, "schema"):
            return self._call_dict(batch)
        return self._call_arrow(batch)

    def _call_dict(self, batch: Any) -> dict[str, list[Any]]:
        texts = batch[self.column]
        sites = batch[self.site_column] if self.site_column is not None else None
        at = [i for i, t in enumerate(texts) if t is not None]
        present = [texts[i] for i in at]
        present_sites = [sites[i] for i in at] if sites is not None else None
        out: dict[str, list[Any]] = {}
        cleaned: list[Any] = [None] * len(texts)
        if self.spans_column is None:
            for i, text in zip(at, self.cleaner.clean_batch(present, sites=present_sites)):
                cleaned[i] = text
        else:
            spans: list[Any] = [None] * len(texts)
            results = self.cleaner.process_batch(present, sites=present_sites)
            for i, r in zip(at, results):
                cleaned[i] = r.text
                spans[i] = [
                    {k: v for k, v in s.to_dict().items() if k != "copies"} for s in r.spans
                ]
            out[self.spans_column] = spans
        out[self.output_column] = cleaned
        return out

    def _call_arrow(self, table: Any) -> Any:
        pa = require("pyarrow", "datasets", _FEATURE)
        sites = table.column(self.site_column) if self.site_column is not None else None
        out = self.cleaner.process_arrow(table.column(self.column), sites=sites)
        columns = {self.output_column: out.column("text").cast(pa.large_string())}
        if self.spans_column is not None:
            columns[self.spans_column] = out.column("spans")
        return pa.table(columns)


def clean_fn(
    cleaner: Cleaner | None = None,
    *,
    column: str = "text",
    output_column: str | None = None,
    site_column: str | None = None,
    spans_column: str | None = None,
    **options: Any,
) -> CleanFn:
    """A batch function for ``Dataset.map(fn, batched=True)`` that cleans ``column``.

    Args:
        cleaner: The cleaner (default: ``Cleaner(**options)``).
        column: The text column.
        output_column: Where the cleaned text goes (default: ``column``, replaced).
        site_column: The site column, for a fitted cleaner.
        spans_column: If given, a column receiving the removed spans (dicts with start, end,
            label, score, detector, rule, evidence; offsets in code points).
        **options: Cleaner options, when no cleaner is given.

    Returns:
        The function; works with ``num_proc`` (it pickles) and with ``with_format("arrow")``.

    Example:
        >>> ds = ds.map(chaffless.datasets.clean_fn(), batched=True)  # doctest: +SKIP
    """
    if cleaner is not None and options:
        raise ConfigError("give a cleaner or cleaner options, not both")
    return CleanFn(
        cleaner if cleaner is not None else Cleaner(**options),
        column,
        output_column or column,
        site_column,
        spans_column,
    )


def dedup(
    dataset: Any,
    deduper: MinHashDeduper | None = None,
    *,
    column: str = "text",
    score_column: str | None = None,
    **options: Any,
) -> Any:
    """``dataset`` with the columns ``cluster``, ``duplicate_of`` (row numbers) and ``keep``.

    The text column is read as Arrow (no Python object per row) and clustered in one call:
    the same clusters as ``MinHashDeduper.dedup`` on the column's texts.

    Args:
        dataset: A ``datasets.Dataset``.
        deduper: The deduper (default: ``MinHashDeduper(**options)``).
        column: The text column.
        score_column: A numeric column for the ``score`` representative rule.
        **options: Deduper options, when no deduper is given.

    Returns:
        A new dataset; keep one row per cluster with ``.filter(lambda r: r["keep"])``.
    """
    require("datasets", "datasets", _FEATURE)
    if deduper is not None and options:
        raise ConfigError("give a deduper or deduper options, not both")
    d = deduper if deduper is not None else MinHashDeduper(**options)
    table = dataset.with_format("arrow")[:]
    scores = table.column(score_column) if score_column is not None else None
    found = d.dedup_arrow(table.column(column), scores=scores)
    for name in ("cluster", "duplicate_of", "keep"):
        dataset = dataset.add_column(name, found.column(name).to_pylist())
    return dataset
