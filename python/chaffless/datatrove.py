"""datatrove steps: site statistics, merge, cleaning, and three-stage dedup.

Fitted cleaning, one executor per stage (``depends=`` chains them)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from chaffless.datatrove import ChafflessClean, ChafflessMergeStats, ChafflessStats

    stats = LocalPipelineExecutor([JsonlReader("in/"), ChafflessStats("stats/")], tasks=4)
    merge = LocalPipelineExecutor([ChafflessMergeStats("stats/", "model/")], depends=stats)
    clean = LocalPipelineExecutor(
        [JsonlReader("in/"), ChafflessClean(model_folder="model/"), JsonlWriter("out/")],
        tasks=4, depends=merge,
    )
    clean.run()

Dedup: :class:`ChafflessDedupSignatures` (one sketch file per task), :class:`ChafflessDedupClusters`
(one task: clusters from all sketches, as ``MinHashDeduper.dedup`` on the documents in task
order), :class:`ChafflessDedupFilter` (marks or drops duplicates, per task). Folders are
datatrove ``DataFolder``-likes (local paths, fsspec URLs). Needs ``pip install
'chaffless[datatrove]'``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from chaffless._chaffless import Cleaner, ConfigError, MinHashDeduper
from chaffless._optional import require

_FEATURE = "chaffless.datatrove"
_base = require("datatrove.pipeline.base", "datatrove", _FEATURE)
_io = require("datatrove.io", "datatrove", _FEATURE)

PipelineStep = _base.PipelineStep

__all__ = [
    "ChafflessClean",
    "ChafflessDedupClusters",
    "ChafflessDedupFilter",
    "ChafflessDedupSignatures",
    "ChafflessMergeStats",
    "ChafflessStats",
]

#: The merged model's file name in a model folder.
MODEL_FILE = "model.chaffless"
_STATS_SUFFIX = ".chaffless-stats"
_SKETCH_SUFFIX = ".sketches.arrow"
_CLUSTER_SUFFIX = ".clusters.arrow"


def _cleaner(cleaner: Cleaner | None, options: dict[str, Any]) -> Cleaner:
    if cleaner is not None and options:
        raise ConfigError("give a cleaner or cleaner options, not both")
    return cleaner if cleaner is not None else Cleaner(**options)


def _deduper(deduper: MinHashDeduper | None, options: dict[str, Any]) -> MinHashDeduper:
    if deduper is not None and options:
        raise ConfigError("give a deduper or deduper options, not both")
    d = deduper if deduper is not None else MinHashDeduper(**options)
    if d.config["exact"]:
        raise ConfigError("the datatrove dedup stages cluster from sketches: exact must be false")
    return d


def _batches(data: Any, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for doc in data or ():
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _site(doc: Any, key: str | None) -> str | None:
    if key is None:
        return None
    value = doc.metadata.get(key)
    return None if value is None else str(value)


class ChafflessStats(PipelineStep):  # type: ignore[misc]
    """Counts the site statistics of this task's documents and writes them to a folder.

    Documents pass through unchanged. One file per task (``00003.chaffless-stats``), merged by
    :class:`ChafflessMergeStats`.
    """

    name = "chaffless stats"
    type = "📊 - STATS"

    def __init__(
        self,
        output_folder: Any,
        cleaner: Cleaner | None = None,
        *,
        site_key: str = "site",
        batch_size: int = 1000,
        **options: Any,
    ) -> None:
        """Sets the step up.

        Args:
            output_folder: Where the partial statistics go (a DataFolder-like).
            cleaner: The cleaner whose configuration to use (default: ``Cleaner(**options)``).
            site_key: The metadata key naming each document's site.
            batch_size: Documents per ``partial_fit`` call.
            **options: Cleaner options, when no cleaner is given.
        """
        super().__init__()
        self.output_folder = _io.get_datafolder(output_folder)
        self.cleaner = _cleaner(cleaner, options)
        self.site_key = site_key
        self.batch_size = batch_size

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Counts, writes the task's statistics, and yields the documents."""
        fitted = self.cleaner
        for batch in _batches(data, self.batch_size):
            with self.track_time():
                fitted = fitted.partial_fit(
                    [d.text for d in batch], [_site(d, self.site_key) for d in batch]
                )
            self.stat_update("documents", value=len(batch))
            yield from batch
        with self.output_folder.open(f"{rank:05d}{_STATS_SUFFIX}", "wb") as f:
            f.write(fitted.to_bytes())


class ChafflessMergeStats(PipelineStep):  # type: ignore[misc]
    """Merges the statistics of every task into one model (run it with ``tasks=1``)."""

    name = "chaffless merge stats"
    type = "📊 - STATS"

    def __init__(self, input_folder: Any, output_folder: Any) -> None:
        """Sets the step up.

        Args:
            input_folder: The folder :class:`ChafflessStats` wrote to.
            output_folder: Where the merged model goes (``model.chaffless``).
        """
        super().__init__()
        self.input_folder = _io.get_datafolder(input_folder)
        self.output_folder = _io.get_datafolder(output_folder)

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Merges (on rank 0) and writes the model; yields any documents given."""
        if rank == 0:
            files = sorted(self.input_folder.list_files(glob_pattern=f"*{_STATS_SUFFIX}"))
            if not files:
                raise FileNotFoundError(f"no {_STATS_SUFFIX} files in {self.input_folder.path}")
            merged: Cleaner | None = None
            for name in files:
                with self.input_folder.open(name, "rb") as f:
                    part = Cleaner.from_bytes(f.read())
                merged = part if merged is None else merged.merge(part)
                self.stat_update("parts")
            assert merged is not None
            with self.output_folder.open(MODEL_FILE, "wb") as f:
                f.write(merged.to_bytes())
        if data:
            yield from data


class ChafflessClean(PipelineStep):  # type: ignore[misc]
    """Cleans each document's text (in batches, on all cores); spans optional in metadata."""

    name = "chaffless clean"
    type = "🧹 - CLEAN"

    def __init__(
        self,
        cleaner: Cleaner | None = None,
        *,
        model_folder: Any = None,
        site_key: str | None = None,
        spans_key: str | None = None,
        batch_size: int = 1000,
        **options: Any,
    ) -> None:
        """Sets the step up.

        Args:
            cleaner: The cleaner (default: ``Cleaner(**options)``, or the model's).
            model_folder: A folder holding :class:`ChafflessMergeStats`' model: the cleaner is
                loaded from it when the step runs (site statistics included), and
                ``site_key`` defaults to ``"site"``.
            site_key: The metadata key naming each document's site.
            spans_key: If given, the metadata key receiving the removed spans (dicts).
            batch_size: Documents per ``process_batch`` call.
            **options: Cleaner options, when neither a cleaner nor a model folder is given.
        """
        super().__init__()
        if model_folder is not None and (cleaner is not None or options):
            raise ConfigError("give a model folder or a cleaner, not both")
        self.model_folder = _io.get_datafolder(model_folder) if model_folder else None
        self.cleaner = None if self.model_folder else _cleaner(cleaner, options)
        self.site_key = site_key if site_key or not model_folder else "site"
        self.spans_key = spans_key
        self.batch_size = batch_size

    def _load(self) -> Cleaner:
        if self.cleaner is None:
            assert self.model_folder is not None
            with self.model_folder.open(MODEL_FILE, "rb") as f:
                self.cleaner = Cleaner.from_bytes(f.read())
        return self.cleaner

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Yields the documents with their text cleaned."""
        cleaner = self._load()
        for batch in _batches(data, self.batch_size):
            with self.track_time():
                results = cleaner.process_batch(
                    [d.text for d in batch], sites=[_site(d, self.site_key) for d in batch]
                )
            for doc, result in zip(batch, results):
                self.stat_update("documents")
                self.stat_update("bytes_in", value=len(doc.text.encode()), unit="doc")
                for label, count in result.counts.items():
                    self.stat_update(f"removed_{label}_bytes", value=count["bytes"], unit="doc")
                if self.spans_key is not None:
                    doc.metadata[self.spans_key] = [
                        {k: v for k, v in s.to_dict().items() if k != "copies"}
                        for s in result.spans
                    ]
                doc.text = result.text
                yield doc


def _write_table(folder: Any, name: str, table: Any) -> None:
    pa = require("pyarrow", "datatrove", _FEATURE)
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    with folder.open(name, "wb") as f:
        f.write(sink.getvalue())


def _read_table(folder: Any, name: str) -> Any:
    pa = require("pyarrow", "datatrove", _FEATURE)
    with folder.open(name, "rb") as f:
        return pa.ipc.open_file(pa.py_buffer(f.read())).read_all()


class ChafflessDedupSignatures(PipelineStep):  # type: ignore[misc]
    """Dedup stage 1: sketches this task's documents (MinHash, exact hash) into a file."""

    name = "chaffless dedup signatures"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        output_folder: Any,
        deduper: MinHashDeduper | None = None,
        *,
        batch_size: int = 10_000,
        **options: Any,
    ) -> None:
        """Sets the step up.

        Args:
            output_folder: Where the sketches go (one Arrow file per task).
            deduper: The deduper (default: ``MinHashDeduper(**options)``; ``exact`` false).
            batch_size: Documents per ``sketch_arrow`` call.
            **options: Deduper options, when no deduper is given.
        """
        super().__init__()
        self.output_folder = _io.get_datafolder(output_folder)
        self.deduper = _deduper(deduper, options)
        self.batch_size = batch_size

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Sketches, writes the task's file, and yields the documents unchanged."""
        pa = require("pyarrow", "datatrove", _FEATURE)
        tables = []
        for batch in _batches(data, self.batch_size):
            with self.track_time():
                sk = self.deduper.sketch_arrow(pa.array([d.text for d in batch]))
                ids = pa.array([str(d.id) for d in batch])
                tables.append(pa.Table.from_batches([sk]).append_column("id", ids))
            self.stat_update("documents", value=len(batch))
            yield from batch
        schema = pa.schema(
            [
                ("signature", pa.binary()),
                ("exact_hash", pa.binary()),
                ("shingles", pa.int64()),
                ("length", pa.int64()),
                ("band_keys", pa.list_(pa.int64())),
                ("id", pa.string()),
            ]
        )
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        _write_table(self.output_folder, f"{rank:05d}{_SKETCH_SUFFIX}", table.cast(schema))


class ChafflessDedupClusters(PipelineStep):  # type: ignore[misc]
    """Dedup stage 2 (``tasks=1``): clusters every task's sketches, in task order."""

    name = "chaffless dedup clusters"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        input_folder: Any,
        output_folder: Any,
        deduper: MinHashDeduper | None = None,
        **options: Any,
    ) -> None:
        """Sets the step up.

        Args:
            input_folder: The folder of :class:`ChafflessDedupSignatures`.
            output_folder: Where the per-task cluster files go.
            deduper: The deduper (the same settings as stage 1).
            **options: Deduper options, when no deduper is given.
        """
        super().__init__()
        self.input_folder = _io.get_datafolder(input_folder)
        self.output_folder = _io.get_datafolder(output_folder)
        self.deduper = _deduper(deduper, options)

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Clusters (on rank 0) and writes one cluster file per stage-1 task."""
        pa = require("pyarrow", "datatrove", _FEATURE)
        if rank == 0:
            files = sorted(self.input_folder.list_files(glob_pattern=f"*{_SKETCH_SUFFIX}"))
            tables = [_read_table(self.input_folder, name) for name in files]
            if tables:
                table = pa.concat_tables(tables).combine_chunks()
                with self.track_time():
                    found = self.deduper.cluster_arrow(
                        table.column("signature"),
                        table.column("exact_hash"),
                        table.column("shingles"),
                        table.column("length"),
                    )
                ids = table.column("id").combine_chunks()
                cluster = ids.take(found.column("cluster"))
                dup = ids.take(found.column("duplicate_of"))
                start = 0
                for name, part in zip(files, tables):
                    n = part.num_rows
                    out = pa.table(
                        {
                            "id": ids.slice(start, n),
                            "cluster": cluster.slice(start, n),
                            "duplicate_of": dup.slice(start, n),
                        }
                    )
                    task = name[: -len(_SKETCH_SUFFIX)]
                    _write_table(self.output_folder, f"{task}{_CLUSTER_SUFFIX}", out)
                    start += n
                self.stat_update("documents", value=table.num_rows)
                self.stat_update("duplicates", value=found.column("duplicate_of").null_count)
        if data:
            yield from data


class ChafflessDedupFilter(PipelineStep):  # type: ignore[misc]
    """Dedup stage 3: marks each document and drops the duplicates.

    Sets the metadata ``cluster`` and ``duplicate_of`` from its task's cluster file: run it
    with the reader and tasks of stage 1.
    """

    name = "chaffless dedup filter"
    type = "🫂 - DEDUP"

    def __init__(self, input_folder: Any, *, drop: bool = True) -> None:
        """Sets the step up.

        Args:
            input_folder: The folder of :class:`ChafflessDedupClusters`.
            drop: Drop duplicates (keep one document per cluster); else only mark them.
        """
        super().__init__()
        self.input_folder = _io.get_datafolder(input_folder)
        self.drop = drop

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Yields the documents, marked, without the duplicates when dropping."""
        name = f"{rank:05d}{_CLUSTER_SUFFIX}"
        if not self.input_folder.exists(name):
            if data:
                yield from data
            return
        table = _read_table(self.input_folder, name)
        ids = table.column("id").to_pylist()
        clusters = table.column("cluster").to_pylist()
        dups = table.column("duplicate_of").to_pylist()
        for i, doc in enumerate(data or ()):
            if i >= len(ids) or ids[i] != str(doc.id):
                raise ValueError(
                    f"document {i} of task {rank} is {doc.id!r}, the clusters name "
                    f"{ids[i] if i < len(ids) else None!r}: run this stage with the reader "
                    "and tasks of ChafflessDedupSignatures"
                )
            doc.metadata["cluster"] = clusters[i]
            doc.metadata["duplicate_of"] = dups[i]
            if dups[i] is not None and self.drop:
                self.stat_update("dropped_duplicate")
                continue
            self.stat_update("forwarded")
            yield doc
