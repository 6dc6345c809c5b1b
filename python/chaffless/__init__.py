"""chaffless: clean web-scraped text.

Finds page chrome, repeated teasers and comment blocks as labelled, scored and explained spans,
and cuts them out::

    import chaffless

    chaffless.clean(page)                     # the cleaned text, default settings
    cleaner = chaffless.Cleaner(repeat={"min_coverage": 0.85})
    cleaner.clean_batch(pages)                # many pages, in parallel, GIL released
    for span in cleaner.annotate(page):       # what would be removed, and why
        print(span.label, span.rule, page[span.start:span.end])

Near-duplicate documents (MinHash, LSH, verified clusters)::

    deduper = chaffless.MinHashDeduper(threshold=0.8)
    result = deduper.dedup(pages, ids=ids)    # result.duplicate_of, result.similarity, ...

Pipelines: Arrow columns in and out (``Cleaner.clean_arrow``, ``MinHashDeduper.dedup_arrow``),
and the optional integrations ``chaffless.datasets``, ``chaffless.polars``, ``chaffless.pandas``,
``chaffless.datatrove`` and ``chaffless.spark`` (each an extra: ``pip install
'chaffless[spark]'``; without it, ``MissingDependencyError`` names the command).

Offsets are code points: ``text[span.start:span.end]`` is the span's text. The engine is Rust
(``chaffless._chaffless``); this package re-exports it.
"""

from __future__ import annotations

import os

from chaffless._chaffless import (
    ChafflessError,
    Cleaner,
    CleanResult,
    ConfigError,
    DedupIndex,
    DedupResult,
    InputError,
    MinHashDeduper,
    SerializationError,
    Span,
    __version__,
    _after_fork_in_child,
    annotate,
    clean,
    clean_jsonl,
    dedup_jsonl,
    fit_jsonl,
    registered_domain,
)
from chaffless._optional import MissingDependencyError
from chaffless.types import Label

__all__ = [
    "ChafflessError",
    "CleanResult",
    "Cleaner",
    "ConfigError",
    "DedupIndex",
    "DedupResult",
    "InputError",
    "MinHashDeduper",
    "MissingDependencyError",
    "Label",
    "SerializationError",
    "Span",
    "__version__",
    "annotate",
    "clean",
    "clean_jsonl",
    "fit_jsonl",
    "dedup_jsonl",
    "registered_domain",
]

# Rayon's thread pool does not survive fork(): in a forked child, batch calls run sequentially
# (with identical results) instead of waiting forever for threads that do not exist there.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
