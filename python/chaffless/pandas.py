"""pandas: functions for ``Series.pipe``.

::

    import chaffless.pandas

    df["clean"] = df["text"].pipe(chaffless.pandas.clean)
    df["spans"] = df["text"].pipe(chaffless.pandas.annotate)
    df = df.join(df["text"].pipe(chaffless.pandas.dedup))   # cluster, duplicate_of, keep

The column goes to chaffless as Arrow (``pyarrow.array``: no copy for Arrow-backed columns), in
chunks with a ``tqdm.auto`` progress bar on long columns. Needs ``pip install
'chaffless[pandas]'``.
"""

from __future__ import annotations

from typing import Any

from chaffless._chaffless import Cleaner, ConfigError, MinHashDeduper
from chaffless._optional import progress_bar, require

__all__ = ["annotate", "clean", "dedup"]

_FEATURE = "chaffless.pandas"
#: Rows per call when a progress bar is drawn.
CHUNK = 10_000


def _modules() -> tuple[Any, Any]:
    return require("pandas", "pandas", _FEATURE), require("pyarrow", "pandas", _FEATURE)


def _arrow(series: Any, pa: Any) -> Any:
    return pa.array(series, from_pandas=True, type=pa.large_string())


def _chunked(fn: Any, texts: Any, sites: Any, progress: bool | None, desc: str) -> Any:
    """``fn(texts, sites)`` over chunks of ``CHUNK`` rows, with a bar on long inputs."""
    pa = require("pyarrow", "pandas", _FEATURE)
    n = len(texts)
    bar = progress_bar(n, desc, progress) if n > CHUNK or progress else None
    if bar is None:
        return fn(texts, sites)
    parts = []
    try:
        for start in range(0, n, CHUNK):
            part_sites = sites.slice(start, CHUNK) if sites is not None else None
            parts.append(fn(texts.slice(start, CHUNK), part_sites))
            bar.update(min(CHUNK, n - start))  # type: ignore[attr-defined]
    finally:
        bar.close()  # type: ignore[attr-defined]
    return pa.concat_arrays(parts)


def _cleaner(cleaner: Cleaner | None, options: dict[str, Any]) -> Cleaner:
    if cleaner is not None and options:
        raise ConfigError("give a cleaner or cleaner options, not both")
    return cleaner if cleaner is not None else Cleaner(**options)


def clean(
    series: Any,
    cleaner: Cleaner | None = None,
    *,
    sites: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> Any:
    """The cleaned text of every row of ``series`` (same index and name; nulls stay null).

    Args:
        series: A pandas Series of strings.
        cleaner: The cleaner (default: ``Cleaner(**options)``).
        sites: A Series of site names, for a fitted cleaner.
        progress: Draw a progress bar: None (default) on columns over ``CHUNK`` rows when
            tqdm is installed, True always, False never.
        **options: Cleaner options, when no cleaner is given.

    Returns:
        A Series of strings.
    """
    pd, pa = _modules()
    c = _cleaner(cleaner, options)
    texts = _arrow(series, pa)
    site_arr = _arrow(sites, pa) if sites is not None else None
    out = _chunked(lambda t, s: c.clean_arrow(t, sites=s), texts, site_arr, progress, "clean")
    values = out.to_pandas()
    return pd.Series(values.array, index=series.index, name=series.name)


def annotate(
    series: Any,
    cleaner: Cleaner | None = None,
    *,
    sites: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> Any:
    """The removed spans of every row: lists of dicts (start, end, label, score, ...).

    Args:
        series: A pandas Series of strings.
        cleaner: The cleaner (default: ``Cleaner(**options)``).
        sites: A Series of site names, for a fitted cleaner.
        progress: As for :func:`clean`.
        **options: Cleaner options, when no cleaner is given.

    Returns:
        A Series of lists (offsets in code points), same index and name.
    """
    pd, pa = _modules()
    c = _cleaner(cleaner, options)
    texts = _arrow(series, pa)
    site_arr = _arrow(sites, pa) if sites is not None else None
    out = _chunked(lambda t, s: c.annotate_arrow(t, sites=s), texts, site_arr, progress, "annotate")
    return pd.Series(out.to_pylist(), index=series.index, name=series.name)


def dedup(
    series: Any,
    deduper: MinHashDeduper | None = None,
    *,
    scores: Any = None,
    **options: Any,
) -> Any:
    """Near-duplicate clusters of ``series``: a DataFrame with its index.

    Columns: ``cluster`` (the representative's index label), ``duplicate_of`` (label or
    None), ``similarity``, ``keep``. The same clusters as ``MinHashDeduper.dedup``.

    Args:
        series: A pandas Series of strings (no nulls).
        deduper: The deduper (default: ``MinHashDeduper(**options)``).
        scores: A numeric Series for the ``score`` representative rule.
        **options: Deduper options, when no deduper is given.

    Returns:
        A DataFrame indexed like ``series``.
    """
    pd, pa = _modules()
    if deduper is not None and options:
        raise ConfigError("give a deduper or deduper options, not both")
    d = deduper if deduper is not None else MinHashDeduper(**options)
    score_arr = (
        pa.array(scores, from_pandas=True, type=pa.float64()) if scores is not None else None
    )
    found = d.dedup_arrow(_arrow(series, pa), scores=score_arr)
    labels = list(series.index)
    cluster = [labels[i] for i in found.column("cluster").to_pylist()]
    dup = [None if i is None else labels[i] for i in found.column("duplicate_of").to_pylist()]
    return pd.DataFrame(
        {
            "cluster": cluster,
            "duplicate_of": pd.Series(dup, index=series.index, dtype=object),
            "similarity": found.column("similarity").to_pandas().array,
            "keep": found.column("keep").to_pandas().array,
        },
        index=series.index,
    )
