"""Parquet in and out of the command line, streamed by row group (pyarrow).

The Parquet twins of ``clean_jsonl`` / ``fit_jsonl`` / ``dedup_jsonl``: every column but the
text column is written back unchanged; rows whose text is null (or whose text column is
missing or not a string column) go to the rejects JSONL file with their row number and reason;
the output is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from chaffless._chaffless import Cleaner, InputError, MinHashDeduper
from chaffless._optional import progress_bar, require

_FEATURE = "Parquet files"


def is_parquet(path: str) -> bool:
    """True for a path ending in ``.parquet`` (Parquet is chosen by extension)."""
    return path.lower().endswith((".parquet", ".parq"))


def _pa() -> tuple[Any, Any, Any]:
    pa = require("pyarrow", "parquet", _FEATURE)
    pq = require("pyarrow.parquet", "parquet", _FEATURE)
    pc = require("pyarrow.compute", "parquet", _FEATURE)
    return pa, pq, pc


@contextlib.contextmanager
def _atomic(path: str, suffix: str = ".parquet.tmp") -> Iterator[str]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".chaffless.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class _Rejects:
    """The rejects JSONL file: created on the first rejected row, atomically."""

    def __init__(self, path: str | None, source: str) -> None:
        self.path = path
        self.source = source
        self.lines: list[str] = []

    def add(self, row: int, reason: str, record: dict[str, Any]) -> None:
        if self.path is None:
            raise InputError(f"{self.source}: row {row}: {reason} and no rejects file given")
        line = {"file": self.source, "row": row, "reason": reason, "record": record}
        self.lines.append(json.dumps(line, ensure_ascii=False, default=str))

    def finish(self) -> str | None:
        if not self.lines or self.path is None:
            return None
        with _atomic(self.path, ".tmp") as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(self.lines) + "\n")
        return self.path


def _valid_rows(batch: Any, field: str, start: int, rejects: _Rejects) -> Any:
    """The rows of ``batch`` with a string text; the others go to ``rejects``."""
    pa, _, pc = _pa()
    names = batch.schema.names
    if field not in names:
        reason: str | None = f"missing field {field!r}"
    elif not (
        pa.types.is_string(batch.schema.field(field).type)
        or pa.types.is_large_string(batch.schema.field(field).type)
        or pa.types.is_string_view(batch.schema.field(field).type)
    ):
        reason = f"field {field!r} is not a string"
    else:
        reason = None
    if reason is not None:
        for i, record in enumerate(batch.to_pylist()):
            rejects.add(start + i, reason, record)
        return batch.slice(0, 0)
    column = batch.column(field)
    if column.null_count == 0:
        return batch
    nulls = pc.is_null(column)
    for i in pc.indices_nonzero(nulls).to_pylist():
        rejects.add(start + i, f"field {field!r} is null", batch.slice(i, 1).to_pylist()[0])
    return batch.filter(pc.invert(nulls))


def _open(path: str) -> Any:
    """``path`` as a ``pyarrow.parquet.ParquetFile``.

    A file that is not Parquet is an ``InputError``, a missing one an ``OSError``.
    """
    pa, pq, _ = _pa()
    try:
        return pq.ParquetFile(path)
    except pa.ArrowException as e:
        if isinstance(e, OSError):
            raise
        raise InputError(f"cannot read {path} as Parquet: {e}") from e


def _row_groups(path: str, progress: bool) -> Iterator[tuple[int, Any]]:
    """``(first row, table)`` per row group of ``path``, with a bar on the row groups."""
    f = _open(path)
    bar = progress_bar(f.metadata.num_rows, "rows", None) if progress else None
    start = 0
    try:
        for g in range(f.num_row_groups):
            table = f.read_row_group(g)
            yield start, table
            start += table.num_rows
            if bar is not None:
                bar.update(table.num_rows)  # type: ignore[attr-defined]
    finally:
        if bar is not None:
            bar.close()  # type: ignore[attr-defined]


def _add_report(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key in ("documents", "skipped", "bytes_in", "bytes_out"):
        total[key] = total.get(key, 0) + part.get(key, 0)
    labels = total.setdefault("labels", {})
    for label, c in part.get("labels", {}).items():
        t = labels.setdefault(label, {"spans": 0, "bytes": 0})
        t["spans"] += c["spans"]
        t["bytes"] += c["bytes"]


def _set_column(table: Any, name: str, values: Any) -> Any:
    if name in table.schema.names:
        return table.set_column(table.schema.get_field_index(name), name, values)
    return table.append_column(name, values)


def _sites(table: Any, site_field: str | None, url_field: str | None) -> Any:
    """Each row's site, or None when neither field is asked for.

    The site field, else the registered domain of the URL field (as ``clean_jsonl`` does).
    """
    pa, _, _ = _pa()
    names = table.schema.names
    sites = None
    if site_field is not None and site_field in names:
        sites = table.column(site_field).cast(pa.string())
    if url_field is None or url_field not in names:
        return sites
    import chaffless

    domain = chaffless.registered_domain  # type: ignore[attr-defined]
    urls = table.column(url_field).to_pylist()
    given = sites.to_pylist() if sites is not None else [None] * len(urls)
    return pa.array(
        [
            s if s is not None else (domain(str(u)) if u is not None else None)
            for s, u in zip(given, urls)
        ],
        type=pa.string(),
    )


def fit_parquet(
    cleaner: Cleaner,
    path: str,
    *,
    site_field: str | None = None,
    text_field: str = "text",
    url_field: str | None = None,
) -> Cleaner:
    """``cleaner`` fitted on the pages of a Parquet file (one row group at a time)."""
    fitted = cleaner
    for _, table in _row_groups(path, progress=False):
        sites = _sites(table, site_field, url_field)
        if text_field not in table.schema.names or sites is None:
            continue
        fitted = fitted.partial_fit(table.column(text_field), sites)
    return fitted


def clean_parquet(
    cleaner: Cleaner,
    input: str,
    output: str,
    *,
    text_field: str = "text",
    annotate: bool = False,
    spans_field: str = "spans",
    rejects: str | None = None,
    progress: bool = True,
    site_field: str | None = None,
    url_field: str | None = None,
) -> dict[str, Any]:
    """Cleans the text column of a Parquet file into another, row group by row group.

    Returns:
        The summary ``clean_jsonl`` returns (records in / out, rejected, report).
    """
    _, pq, _ = _pa()
    rej = _Rejects(rejects, input)
    report: dict[str, Any] = {}
    records_in = records_out = 0
    with _atomic(output) as tmp:
        writer = None
        try:
            for start, table in _row_groups(input, progress):
                records_in += table.num_rows
                table = _valid_rows(table, text_field, start, rej)
                if table.num_rows == 0 and writer is not None:
                    continue
                sites = _sites(table, site_field, url_field)
                out, part = cleaner.process_arrow(
                    table.column(text_field) if table.num_rows else _empty(table, text_field),
                    sites=sites,
                    report=True,
                )
                _add_report(report, part)
                if annotate:
                    table = _set_column(table, spans_field, out.column("spans"))
                else:
                    kind = table.schema.field(text_field).type
                    table = _set_column(table, text_field, out.column("text").cast(kind))
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                records_out += table.num_rows
            if writer is None:
                raise InputError(f"{input}: no row group to write")
        finally:
            if writer is not None:
                writer.close()
    return {
        "records_in": records_in,
        "records_out": records_out,
        "rejected": len(rej.lines),
        "blank_lines": 0,
        "rejects_path": rej.finish(),
        "report": report,
    }


def _empty(table: Any, field: str) -> Any:
    pa, _, _ = _pa()
    if field in table.schema.names:
        return table.column(field)
    return pa.array([], type=pa.string())


def dedup_parquet(
    deduper: MinHashDeduper,
    input: str,
    output: str,
    *,
    text_field: str = "text",
    id_field: str = "id",
    score_field: str | None = None,
    drop: bool = False,
    rejects: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Adds ``cluster``, ``duplicate_of`` and ``similarity`` columns to a Parquet file.

    The text column is read first (all of it: dedup compares every page with every other),
    then the row groups are streamed again into the output with the new columns.

    Returns:
        The summary ``dedup_jsonl`` returns.
    """
    pa, pq, pc = _pa()
    rej = _Rejects(rejects, input)
    names = _open(input).schema_arrow.names
    wanted = [c for c in (text_field, id_field, score_field) if c and c in names]
    valid_tables = []
    records_in = 0
    for start, table in _row_groups(input, progress=False):
        records_in += table.num_rows
        table = table.select(wanted) if text_field in names else table
        valid_tables.append(_valid_rows(table, text_field, start, rej))
    valid = pa.concat_tables(valid_tables) if valid_tables else None
    if valid is None or valid.num_rows == 0:
        raise InputError(f"{input}: no record with a string {text_field!r} field")
    scores = valid.column(score_field) if score_field else None
    found, stats = deduper.dedup_arrow(valid.column(text_field), scores=scores, stats=True)
    if id_field in valid.schema.names:
        ids = valid.column(id_field).combine_chunks()
    else:
        ids = pa.array(range(valid.num_rows), type=pa.int64())
    cluster = ids.take(found.column("cluster"))
    dup = ids.take(found.column("duplicate_of"))
    similarity = found.column("similarity")
    keep = found.column("keep")
    records_out = dropped = offset = 0
    with _atomic(output) as tmp:
        writer = None
        try:
            for start, table in _row_groups(input, progress):
                # The rejects were written by the first pass: drop the same rows again.
                table = _valid_rows(table, text_field, start, _Rejects("", input))
                n = table.num_rows
                table = _set_column(table, "cluster", cluster.slice(offset, n))
                table = _set_column(table, "duplicate_of", dup.slice(offset, n))
                table = _set_column(table, "similarity", similarity.slice(offset, n))
                if drop:
                    mask = keep.slice(offset, n)
                    dropped += n - pc.sum(mask).as_py() if n else 0
                    table = table.filter(mask)
                offset += n
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                records_out += table.num_rows
        finally:
            if writer is not None:
                writer.close()
    return {
        "records_in": records_in,
        "records_out": records_out,
        "rejected": len(rej.lines),
        "blank_lines": 0,
        "rejects_path": rej.finish(),
        "dropped": dropped,
        "stats": stats,
    }
