"""The Rust engine of chaffless (``chaffless._chaffless``); import from ``chaffless`` instead.

Offsets given to and returned by this module are code points (Python ``str`` indices), so
``text[span.start:span.end]`` is the text of a span on any page.
"""

import os
from collections.abc import Mapping, Sequence
from typing import Any, final

from typing_extensions import TypeAlias

from chaffless.types import (
    ChromeConfig,
    CleanerConfig,
    CleanResultDict,
    CommentConfig,
    JsonlSummary,
    Label,
    LabelCount,
    RepeatConfig,
    SpanDict,
)

__all__ = [
    "__version__",
    "ChafflessError",
    "ConfigError",
    "InputError",
    "SerializationError",
    "Cleaner",
    "Span",
    "CleanResult",
    "clean",
    "annotate",
    "clean_jsonl",
    "MinHashDeduper",
    "DedupResult",
    "DedupIndex",
    "dedup_jsonl",
    "_after_fork_in_child",
    "_parallelism_disabled",
]

__version__: str

_Path: TypeAlias = str | os.PathLike[str]
#: An Arrow string column: any object with ``__arrow_c_array__`` or ``__arrow_c_stream__``.
ArrowStrings: TypeAlias = Any

class ChafflessError(Exception):
    """Base class of every error chaffless raises.

    I/O failures raise the builtin ``OSError`` subclasses instead (``FileNotFoundError``,
    ``PermissionError``, ...).
    """

class ConfigError(ChafflessError, ValueError):
    """A configuration value is unknown, of the wrong type or out of range.

    The message names the field and the value, e.g.
    ``repeat.min_coverage must be in (0, 1], got 1.5``.
    """

class InputError(ChafflessError):
    """Input could not be read or parsed: bad JSON, a missing or non-string text field, ..."""

class SerializationError(ChafflessError):
    """Serialised state (a saved configuration or a pickle) could not be decoded."""

@final
class Span:
    """A detection: a labelled, scored and explained range of the input text.

    Immutable, hashable, picklable. ``text[span.start:span.end]`` is the span's text.

    Example:
        >>> for span in chaffless.annotate(page):
        ...     print(span.label, span.rule, repr(page[span.start : span.end]))
    """

    def __new__(
        cls,
        start: int,
        end: int,
        label: Label,
        score: float,
        detector: str,
        rule: str,
        evidence: str = "",
        copies: Sequence[tuple[int, int]] = (),
    ) -> Span:
        """Builds a span; mostly useful for unpickling and tests.

        Args:
            start: Code-point offset of the span's first character.
            end: Code-point offset just past the span's end; at least ``start``.
            label: What the span is.
            score: Confidence, in [0, 1].
            detector: The detector's versioned name, e.g. ``"repeat_v1"``.
            rule: The rule that fired, e.g. ``"truncated_copy"``.
            evidence: Human-readable evidence for the rule.
            copies: Code-point ranges of the text this span copies.

        Raises:
            InputError: An unknown label, ``start > end``, a score outside [0, 1] or a copy
                whose start exceeds its end.
        """

    @property
    def start(self) -> int:
        """Code-point offset of the span's first character in the input text."""

    @property
    def end(self) -> int:
        """Code-point offset just past the span's last character."""

    @property
    def label(self) -> Label:
        """What the span is: ``"chrome"``, ``"repeat"``, ``"comment"``, ..."""

    @property
    def score(self) -> float:
        """Confidence, in [0, 1]."""

    @property
    def detector(self) -> str:
        """The detector's versioned name, e.g. ``"repeat_v1"``, so reruns are comparable."""

    @property
    def rule(self) -> str:
        """The rule that fired.

        For ``repeat``: ``"copy"``, ``"truncated_copy"``, ``"glued_copy"`` or
        ``"extended_copy"``.
        """

    @property
    def evidence(self) -> str:
        """Human-readable evidence, e.g. ``"12 of 13 words found in order elsewhere ..."``."""

    @property
    def copies(self) -> list[tuple[int, int]]:
        """Code-point ranges of the text this span copies (for ``repeat``), else empty."""

    def to_dict(self) -> SpanDict:
        """The span's fields as a dict.

        Returns:
            A dict with the keys ``start``, ``end``, ``label``, ``score``, ``detector``,
            ``rule``, ``evidence`` and ``copies``.
        """

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[type[Span], tuple[Any, ...]]: ...

@final
class CleanResult:
    """The outcome of cleaning one page: the text, what was removed and why.

    Immutable, picklable.
    """

    def __new__(
        cls,
        text: str,
        spans: Sequence[Span],
        skipped: str | None,
        counts: Mapping[Label, LabelCount],
    ) -> CleanResult:
        """Builds a result; mostly useful for unpickling.

        Args:
            text: The cleaned text.
            spans: The removed spans.
            skipped: Why the page was passed through untouched, or None.
            counts: ``{label: {"spans": n, "bytes": n}}``, matching ``spans``.

        Raises:
            InputError: ``counts`` has an unknown label, other keys than ``spans`` and
                ``bytes``, or span numbers that do not match ``spans``.
            TypeError: ``spans`` holds something else than :class:`Span`.
        """

    @property
    def text(self) -> str:
        """The page with the removed spans cut out.

        Kept lines are unchanged; blank lines between kept lines collapse to one paragraph
        break.
        """

    @property
    def spans(self) -> list[Span]:
        """What was removed and why: sorted by start, disjoint, offsets into the input."""

    @property
    def skipped(self) -> str | None:
        """Why the page was passed through untouched (over ``max_page_bytes``), or None."""

    @property
    def counts(self) -> dict[Label, LabelCount]:
        """Spans and UTF-8 bytes removed per label.

        For example ``{"repeat": {"spans": 1, "bytes": 84}}``; labels with no span are absent.
        """

    def to_dict(self) -> CleanResultDict:
        """The result as a dict of plain values (spans as dicts)."""

    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[type[CleanResult], tuple[Any, ...]]: ...

@final
class Cleaner:
    """Cleans pages: finds repeated teasers and comment sections (and page chrome).

    Built from a validated configuration; afterwards cleaning never fails, for any ``str``.
    Immutable and thread-safe: share one cleaner across threads. Every method releases the
    GIL while it works; batch methods run on all cores. Picklable (the configuration is
    validated again on load).

    Example:
        >>> cleaner = chaffless.Cleaner(seed=7, repeat={"min_coverage": 0.85})
        >>> cleaner.config["repeat"]["min_coverage"]
        0.85
        >>> cleaner.clean_batch(["a page", "another page"])
        ['a page', 'another page']
    """

    def __new__(
        cls,
        *,
        seed: int = 0,
        max_page_bytes: int = 8388608,
        num_threads: int = 0,
        repeat: RepeatConfig = ...,
        comment: CommentConfig = ...,
        chrome: ChromeConfig = ...,
    ) -> Cleaner:
        """Builds a cleaner. Options are keyword-only; omitted ones take their defaults.

        Args:
            seed: Seed of every hash (tokens, shingles). Results are identical across
                processes and platforms for the same seed. Default 0.
            max_page_bytes: Pages larger than this many UTF-8 bytes are passed through
                untouched and reported as skipped, never dropped. Default 8388608 (8 MiB).
            num_threads: Threads for batch calls; 0 means one per core. Default 0.
            repeat: Settings of the ``repeat`` detector, any subset of ``RepeatConfig``
                (``enabled=True``, ``shingle_size=3``, ``min_tokens=8``,
                ``min_coverage=0.9``, ``max_extra=0.34``, ``min_run=4``, ``max_copies=3``,
                ``short_block=24``, ``min_edit_ratio=0.75``).
            chrome: Settings of the ``chrome`` detector, any subset of ``ChromeConfig``
                (``enabled=True``, ``min_words=10``, ``min_stopword_share=0.3``,
                ``line_penalty=2.0``, ``word_penalty=0.5``, ``lone_paragraph_weight=0.7``,
                ``min_part_share=0.3``,
                ``keep_words=30``, ``title_reach=6``, ``site_min_share=0.5``,
                ``site_min_pages=2``).
            comment: Settings of the ``comment`` detector, any subset of ``CommentConfig``
                (``enabled=True``, ``max_gap=6``, ``max_gap_words=500``, ``max_skip=24``,
                ``max_stamp_words=8``, ``max_prompt_words=16``, ``max_header_words=8``).

        Raises:
            ConfigError: An unknown option, a value of the wrong type or out of range; the
                message names the field and the value.
        """

    @classmethod
    def from_dict(cls, config: CleanerConfig | Mapping[str, Any]) -> Cleaner:
        """Builds a cleaner from a configuration mapping, as :attr:`config` returns it.

        Args:
            config: Any subset of the options of :class:`Cleaner`.

        Raises:
            ConfigError: As for the constructor.
        """

    @property
    def config(self) -> CleanerConfig:
        """The full configuration, defaults filled in (a new dict on every access)."""

    def clean(self, text: str, *, site: str | None = None) -> str:
        """Cleans one page.

        Args:
            text: The page.
            site: The page's site (e.g. its domain): with a fitted cleaner, that site's
                statistics apply. Default None.

        Returns:
            The page with chrome, repeats and comments cut out.
        """

    def annotate(self, text: str, *, site: str | None = None) -> list[Span]:
        """Finds what :meth:`clean` would remove, without removing it.

        Args:
            text: The page.
            site: The page's site (e.g. its domain): with a fitted cleaner, that site's
                statistics apply. Default None.

        Returns:
            The spans, sorted by start and disjoint; ``text[s.start:s.end]`` is each one's
            text.
        """

    def process(self, text: str, *, site: str | None = None) -> CleanResult:
        """Cleans one page and reports what was removed.

        Args:
            text: The page.
            site: The page's site (e.g. its domain): with a fitted cleaner, that site's
                statistics apply. Default None.

        Returns:
            The cleaned text, the spans and the counts per label.
        """

    def clean_batch(
        self, texts: Sequence[str], *, sites: Sequence[str | None] | None = None
    ) -> list[str]:
        """Cleans many pages in parallel; equal to ``[self.clean(t) for t in texts]``.

        Args:
            texts: The pages (copied once; the GIL is released while they are cleaned).
            sites: Each page's site, as long as ``texts``; default None (no sites).

        Returns:
            The cleaned pages, in order.
        """

    def annotate_batch(
        self, texts: Sequence[str], *, sites: Sequence[str | None] | None = None
    ) -> list[list[Span]]:
        """:meth:`annotate` on many pages in parallel, results in order.

        Args:
            texts: The pages.
            sites: Each page's site, as long as ``texts``; default None (no sites).

        Returns:
            The spans of each page.
        """

    def process_batch(
        self, texts: Sequence[str], *, sites: Sequence[str | None] | None = None
    ) -> list[CleanResult]:
        """:meth:`process` on many pages in parallel, results in order.

        Args:
            texts: The pages.
            sites: Each page's site, as long as ``texts``; default None (no sites).

        Returns:
            The result of each page.
        """

    def clean_arrow(self, texts: ArrowStrings, *, sites: ArrowStrings | None = None) -> Any:
        """:meth:`clean_batch` on an Arrow string column, without a Python object per row.

        Args:
            texts: An object of the Arrow PyCapsule interface (``__arrow_c_array__`` or
                ``__arrow_c_stream__``): a pyarrow ``Array`` / ``ChunkedArray``, a Polars
                ``Series``, ... of type ``utf8``, ``large_utf8`` or ``string_view``.
            sites: Each page's site, an Arrow string column as long as ``texts``.

        Returns:
            The cleaned texts, of the input's string type, nulls kept: a ``pyarrow.Array``
            when pyarrow is installed, else an Arrow PyCapsule array (read it with
            ``pyarrow.array(x)`` or ``polars.Series(x)``).

        Raises:
            InputError: Not Arrow, not strings, or ``sites`` of another length.
        """

    def annotate_arrow(self, texts: ArrowStrings, *, sites: ArrowStrings | None = None) -> Any:
        """:meth:`annotate_batch` on an Arrow string column.

        Returns:
            ``list<struct<start: int64, end: int64, label: utf8, score: float64, detector: utf8,
            rule: utf8, evidence: utf8>>``, one list per text (null for a null text); offsets
            in code points, as :class:`Span`'s. pyarrow when installed, as :meth:`clean_arrow`.
        """

    def process_arrow(
        self, texts: ArrowStrings, *, sites: ArrowStrings | None = None, report: bool = False
    ) -> Any:
        """Cleaned texts and spans of an Arrow string column in one pass.

        Args:
            texts: As for :meth:`clean_arrow`.
            sites: As for :meth:`clean_arrow`.
            report: Also return what was removed (documents, bytes in / out, spans and bytes
                per label, as in :func:`clean_jsonl`'s report).

        Returns:
            A record batch with the columns ``text`` and ``spans`` (as :meth:`annotate_arrow`),
            or ``(batch, report)`` with ``report=True``.
        """

    def merge(self, other: Cleaner) -> Cleaner:
        """This cleaner with the site statistics of both (e.g. partial fits of shards).

        Equal to one :meth:`fit` on all the pages. The configuration is this cleaner's.

        Raises:
            ConfigError: The statistics were built with different seeds.
        """

    def fit(
        self, texts: Sequence[str] | ArrowStrings, sites: Sequence[str | None] | ArrowStrings
    ) -> Cleaner:
        """Learns each site's chrome: on how many of its pages each line occurs.

        The statistics do not depend on the order of the pages or the number of threads, and
        take at most about 136 KiB per site (exact counts while a site has at most 4,096
        distinct lines, then a count-min sketch).

        Args:
            texts: The pages (a list, or an Arrow string column: null texts are skipped).
            sites: Each page's site (e.g. its domain); pages with None are skipped.

        Returns:
            A new cleaner with this configuration and the statistics; clean with ``site=``.

        Example:
            >>> fitted = chaffless.Cleaner().fit(pages, ["example.com"] * len(pages))
            >>> fitted.clean(pages[0], site="example.com")  # doctest: +SKIP
        """

    def partial_fit(
        self, texts: Sequence[str] | ArrowStrings, sites: Sequence[str | None] | ArrowStrings
    ) -> Cleaner:
        """Like :meth:`fit`, adding to the statistics this cleaner already has."""

    @property
    def fitted(self) -> bool:
        """True when the cleaner holds site statistics."""

    def site_stats(self) -> dict[str, int] | None:
        """``{"sites", "pages", "memory_bytes"}`` of the site statistics, or None."""

    def to_bytes(self) -> bytes:
        """The cleaner (configuration and site statistics) as bytes."""

    @classmethod
    def from_bytes(cls, data: bytes) -> Cleaner:
        """A cleaner from :meth:`to_bytes`.

        Raises:
            SerializationError: The bytes are not a saved cleaner.
        """

    def save(self, path: _Path) -> None:
        """Writes the cleaner to ``path`` atomically (a temporary file renamed into place)."""

    @classmethod
    def load(cls, path: _Path) -> Cleaner:
        """A cleaner written by :meth:`save` (or ``chaffless fit``).

        Raises:
            SerializationError: The file is not a saved cleaner.
            OSError: The file cannot be read.
        """

    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[Any]]: ...

def clean(text: str) -> str:
    r"""Cleans one page with the default configuration.

    Args:
        text: The page.

    Returns:
        The page with chrome, repeats and comments cut out.

    Example:
        >>> lede = "The council approved the new budget on Tuesday after a long debate."
        >>> chaffless.clean(lede + "\n\nThe vote was close.\n\n" + lede) == (
        ...     lede + "\n\nThe vote was close.\n"
        ... )
        True
    """

def annotate(text: str) -> list[Span]:
    """The spans the default configuration finds in one page.

    Args:
        text: The page.

    Returns:
        The spans, sorted by start and disjoint.
    """

def clean_jsonl(
    cleaner: Cleaner,
    input: _Path,
    output: _Path,
    *,
    text_field: str = "text",
    annotate: bool = False,
    spans_field: str = "spans",
    rejects: _Path | None = None,
    progress: bool = True,
    site_field: str | None = None,
    url_field: str | None = None,
    resume: bool = False,
    batch_records: int = 4096,
) -> JsonlSummary:
    """Cleans a JSONL corpus: one JSON object per line, plain, gzip (``.gz``) or zstd (``.zst``).

    Every field but the text field is written back exactly as read. A record that cannot be
    processed (invalid UTF-8 or JSON, not an object, a missing or non-string text field) goes
    to ``rejects`` with its file, line number and reason, and the run goes on. Outputs are
    written atomically (a temporary file renamed into place when complete). Runs on all
    cores with the GIL released; output order is input order.

    Args:
        cleaner: The cleaner to use.
        input: The JSONL file to read; ``"-"`` is standard input.
        output: The file to write, compressed by extension; ``"-"`` is standard output.
        text_field: The field holding the page text. Default ``"text"``.
        annotate: Keep the text and add the spans (code-point offsets, as dicts) in
            ``spans_field`` instead of cleaning. Default False.
        spans_field: The field receiving the spans in annotate mode. Default ``"spans"``.
        rejects: Where rejected records go; written only if a record is rejected. Default
            None: a rejected record is then an :class:`InputError`.
        progress: Draw a progress bar on standard error when it is a terminal. Default True.
        site_field: The field naming each record's site; with a fitted cleaner, the site's
            statistics apply. Default None.
        url_field: The field holding each record's URL: its :func:`registered_domain` names
            the site where ``site_field`` is not given or missing. Default None.
        resume: Make the run resumable: output and rejects go to ``OUTPUT.partial`` in chunks
            committed after each batch, with the run's state in ``OUTPUT.progress``; a run cut
            off (killed, interrupted, disk full) and started again with the same arguments
            continues after its last committed chunk, no record lost or written twice. Needs
            files, not ``"-"``. Default False.
        batch_records: Records per parallel batch (and per committed chunk). Default 4096.

    Returns:
        What the run did: records in, out and rejected (in = out + rejected), what cleaning
        removed, and (``report["skipped"]``) the pages larger than ``max_page_bytes``, passed
        through untouched.

    Raises:
        InputError: A record was rejected and no ``rejects`` file was given, or a path is not
            valid UTF-8.
        OSError: A file could not be opened, read or written (``FileNotFoundError``,
            ``PermissionError``, ...); the output is then not created.
        KeyboardInterrupt: A signal arrived (checked between batches); the output is then not
            created (a resumable run keeps its committed chunks). An exception raised by a
            Python signal handler (e.g. for ``SIGTERM``) is raised as it is.
    """

def registered_domain(url: str) -> str | None:
    """The registered domain of a URL, by the Public Suffix List, lower-cased.

    ``"https://news.bbc.co.uk/x"`` gives ``"bbc.co.uk"``; a URL without a scheme is read as
    ``http://...``; an IP address is returned as it is; None when no host can be read. Use it
    to turn URLs into the ``sites`` of :meth:`Cleaner.fit`.
    """

def fit_jsonl(
    cleaner: Cleaner,
    input: _Path,
    *,
    site_field: str | None = None,
    text_field: str = "text",
    url_field: str | None = None,
) -> Cleaner:
    """A cleaner fitted on a JSONL corpus (see :meth:`Cleaner.fit`), read in batches.

    Args:
        cleaner: The cleaner whose configuration the fitted one keeps.
        input: The JSONL file (plain, ``.gz`` or ``.zst``).
        site_field: The field naming each record's site.
        url_field: The field holding each record's URL, whose :func:`registered_domain` is
            the site where ``site_field`` is not given or missing. One of the two is needed.
        text_field: The field holding the page text. Default ``"text"``.

    Returns:
        The fitted cleaner. Records without text or site are skipped.
    """

@final
class MinHashDeduper:
    """Finds near-duplicate documents: MinHash signatures, LSH candidates, verified clusters.

    Signatures are one-permutation MinHash with optimal densification over the engine's
    shingles (folded word k-grams, or char n-grams for CJK and Thai): one hash per shingle,
    identical across processes, platforms and thread counts. Exact duplicates (same normalised
    text) are grouped first; LSH candidates are verified by estimated Jaccard (and by exact
    Jaccard of the shingle sets with ``exact=True``); clusters are union-find components or,
    with ``mode="star"``, stars whose members are each verified against the representative.

    Args:
        threshold: Jaccard similarity from which two documents are near-duplicates, in
            (0, 1]. Default 0.8.
        num_perm: Signature slots. Default 128.
        ngram: Tokens per shingle. Default 5.
        seed: Seed of the shingle hashes. Default 0.
        shingle: ``"auto"`` (default; char n-grams for CJK / Thai pages), ``"word"`` or
            ``"char"``.
        bands: LSH bands; default chosen from the threshold.
        rows: LSH rows per band; default chosen from the threshold.
        false_positive_weight: Weight of false positives when choosing bands and rows (0.1;
            candidates are verified, so false positives cost only time).
        false_negative_weight: Weight of false negatives when choosing bands and rows (0.9).
        bandings: 2 (default): the LSH index bands the signature twice, into contiguous
            bands and into the same slots grouped by stride, which finds most of the pairs
            above the threshold one banding misses (at 16 x 8 and similarity 0.8, 0.7% missed
            instead of 5.3%); 1: the contiguous bands alone (less memory, fewer candidates).
        exact: Verify candidates by exact Jaccard of shingle sets. Default False.
        estimate_margin: How far below the threshold an estimate may fall for a pair to be
            kept (or checked exactly). Default two standard errors at the threshold.
        mode: ``"union_find"`` (default) or ``"star"``.
        representative: ``"first"`` (default), ``"longest"`` or ``"score"``.
        max_bucket: LSH buckets larger than this give a bounded number of pairs (1000).
        num_threads: Worker threads; 0 (default) is one per core.

    Raises:
        ConfigError: A value is out of range or unknown.

    Example:
        >>> deduper = MinHashDeduper(threshold=0.8, exact=True)
        >>> result = deduper.dedup(pages, ids=urls)
        >>> result.duplicate_of[3], result.similarity[3]
    """

    def __init__(self, threshold: float | None = None, **options: Any) -> None: ...
    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> MinHashDeduper:
        """Builds a deduplicator from a configuration mapping, as returned by ``config``."""
    @property
    def config(self) -> dict[str, Any]:
        """The full configuration, defaults filled in."""
    @property
    def lsh_params(self) -> tuple[int, int]:
        """The LSH banding in use: ``(bands, rows)``."""
    def dedup(
        self,
        texts: Sequence[str],
        ids: Sequence[Any] | None = None,
        *,
        scores: Sequence[float] | None = None,
    ) -> DedupResult:
        """Clusters ``texts`` (GIL released, all cores).

        Args:
            texts: The documents.
            ids: Names of the documents in the result (default: their positions).
            scores: One per text, for ``representative="score"``.

        Returns:
            The clusters, one entry per text in each list.

        Raises:
            InputError: ``ids`` or ``scores`` of the wrong length, NaN scores, or no scores
                with the ``score`` rule.
        """
    def signatures(self, texts: Sequence[str], *, format: str = "numpy") -> Any:
        """The MinHash signatures of ``texts``.

        Args:
            texts: The documents.
            format: ``"numpy"`` (a ``uint32`` array of shape ``(len(texts), num_perm)``; needs
                NumPy) or ``"bytes"`` (the same values, little-endian ``uint32``).

        Raises:
            ImportError: ``format="numpy"`` without NumPy installed.
            ConfigError: An unknown format.
        """
    def index(self, texts: Sequence[str] = (), ids: Sequence[Any] | None = None) -> DedupIndex:
        """An index of ``texts`` to query new documents against (more can be added)."""
    @property
    def margin(self) -> float:
        """The estimate margin in force: pairs estimated at ``threshold - margin`` or more pass."""
    def dedup_arrow(
        self, texts: ArrowStrings, *, scores: Any | None = None, stats: bool = False
    ) -> Any:
        """:meth:`dedup` on an Arrow string column (no nulls), as row numbers.

        Args:
            texts: As for :meth:`Cleaner.clean_arrow`.
            scores: An Arrow numeric column, for ``representative="score"``.
            stats: Also return :attr:`DedupResult.stats`.

        Returns:
            A record batch: ``cluster`` (int64, the representative's row), ``duplicate_of``
            (int64 or null), ``similarity`` (float64 or null), ``exact_duplicate``, ``keep``
            (bool); or ``(batch, stats)``.
        """
    def sketch_arrow(self, texts: ArrowStrings) -> Any:
        """The sketches of an Arrow string column, for engines that schedule dedup themselves.

        Returns:
            A record batch: ``signature`` (binary: ``num_perm`` little-endian ``uint32``),
            ``exact_hash`` (binary: 16 bytes, big-endian, of the normalised text),
            ``shingles`` and ``length`` (int64), ``band_keys`` (``list<int64>``, one LSH band
            hash per band of each banding: ``bands × bandings``, the list position naming the
            band).
        """
    def similarity_arrow(self, a: Any, b: Any) -> Any:
        """Estimated Jaccard of two Arrow binary columns of signatures, row by row (float64)."""
    def exact_similarity_arrow(self, a: ArrowStrings, b: ArrowStrings) -> Any:
        """Exact Jaccard of the shingle sets of two Arrow string columns, row by row."""
    def cluster_arrow(
        self,
        signature: Any,
        exact_hash: Any,
        shingles: Any,
        length: Any,
        *,
        scores: Any | None = None,
    ) -> Any:
        """:meth:`dedup_arrow` from :meth:`sketch_arrow`'s columns (concatenated in order).

        Raises:
            ConfigError: With ``exact=True`` (exact verification needs the texts).
        """

@final
class DedupResult:
    """Clusters of near-duplicates with their evidence; lists are in input order.

    Every ``(document, duplicate_of)`` pair is a verified near-duplicate pair: a star member
    names its representative, a union-find member the member that links it into the cluster
    (one step closer to the representative; a chained member is not a near-duplicate of the
    representative itself); an exact duplicate names what its first copy names. ``clusters``
    names the representative, the member ``keep`` keeps. Picklable (checked again on load).
    """

    @property
    def threshold(self) -> float:
        """The threshold these clusters were made for."""
    @property
    def clusters(self) -> list[Any]:
        """Each document's cluster: the id of its representative."""
    @property
    def duplicate_of(self) -> list[Any | None]:
        """The document each one was verified to duplicate, or None (representatives)."""
    @property
    def similarity(self) -> list[float | None]:
        """Estimated Jaccard similarity to ``duplicate_of`` (None if not a duplicate)."""
    @property
    def exact_similarity(self) -> list[float | None]:
        """Exact Jaccard similarity to ``duplicate_of``, when verified exactly."""
    @property
    def exact_duplicate(self) -> list[bool]:
        """True where the normalised text equals that of ``duplicate_of``."""
    @property
    def keep(self) -> list[bool]:
        """True for the documents to keep: one per cluster."""
    @property
    def edges(self) -> list[tuple[Any, Any, float, float | None]]:
        """The verified pairs: ``(id, id, estimated, exact or None)``."""
    @property
    def stats(self) -> dict[str, Any]:
        """Summary counts.

        Keys: documents, clusters, duplicates, exact_duplicates, kept, largest_cluster,
        candidate_pairs, verified_pairs, cluster_sizes.
        """
    def rethreshold(self, threshold: float) -> DedupResult:
        """The clusters for a higher threshold, from the stored edges (no recomputation).

        Raises:
            ConfigError: ``threshold`` below the one the edges were verified at, or above 1.
        """
    def __len__(self) -> int: ...
    @classmethod
    def from_state(cls, data: bytes, ids: list[Any] | None) -> DedupResult:
        """Rebuilds a result from its bytes and ids (used by pickle).

        Raises:
            SerializationError: The bytes are not a result or are damaged.
        """
    def __reduce__(self) -> tuple[Any, tuple[bytes, list[Any] | None]]: ...

@final
class DedupIndex:
    """Signatures plus an LSH index: add documents, query new ones, save, load, pickle."""

    def add(self, texts: Sequence[str], ids: Sequence[Any] | None = None) -> None:
        """Adds ``texts``, named by ``ids`` (default: their numbers in the index)."""
    def query(self, texts: Sequence[str]) -> list[list[tuple[Any, float]]]:
        """The indexed near-duplicates of each text: ``[(id, similarity), ...]``, best first.

        Matches have an estimated Jaccard at least ``threshold - estimate_margin`` (the floor
        clustering keeps candidate pairs at), or the same normalised text (similarity 1).
        """
    @property
    def config(self) -> dict[str, Any]:
        """The configuration of the index."""
    @property
    def ids(self) -> list[Any]:
        """The ids of the indexed documents, in order."""
    @property
    def bytes_per_document(self) -> float:
        """Bytes of state per indexed document (signatures, hashes, LSH tables)."""
    def save(self, path: _Path) -> None:
        """Writes the index to ``path`` atomically (ids are not saved)."""
    @classmethod
    def load(cls, path: _Path, ids: Sequence[Any] | None = None) -> DedupIndex:
        """Reads an index written by ``save``.

        Raises:
            SerializationError: The file is not an index or is damaged.
        """
    @classmethod
    def from_state(cls, data: bytes, ids: list[Any]) -> DedupIndex:
        """Rebuilds an index from its bytes and ids (used by pickle)."""
    def __len__(self) -> int: ...

def dedup_jsonl(
    deduper: MinHashDeduper,
    input: _Path,
    output: _Path,
    *,
    text_field: str = "text",
    id_field: str = "id",
    score_field: str | None = None,
    drop: bool = False,
    rejects: _Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Finds near-duplicates in a JSONL file and writes it with cluster fields added.

    Every record gets ``cluster`` (its representative's id, or number), ``duplicate_of``
    (the record it was verified to duplicate, as in ``DedupResult.duplicate_of``; null for
    representatives) and ``similarity`` (estimated Jaccard to that record;
    ``exact_similarity`` too with ``exact=True``). Records are written as read, with these
    fields appended. Same input formats, rejects file and atomic output as
    :func:`clean_jsonl`.

    Args:
        deduper: The settings.
        input: JSONL file (``.gz`` / ``.zst`` decompressed), or ``-`` for standard input.
        output: JSONL file, or ``-`` for standard output.
        text_field: The field holding the text.
        id_field: The field naming records in ``cluster`` / ``duplicate_of``.
        score_field: Numeric field for ``representative="score"``.
        drop: Keep only one record per cluster.
        rejects: Where rejected records go; without it a rejected record is an error.
        progress: Draw a progress bar on a terminal.

    Returns:
        records_in, records_out, rejected, dropped, blank_lines, bytes_in, rejects_path and
        stats (as ``DedupResult.stats``).

    Raises:
        InputError: A rejected record and no rejects file.
        OSError: A file cannot be read or written.
    """

def _after_fork_in_child() -> None:
    """Makes batch calls of this process sequential (registered with ``os.register_at_fork``)."""

def _parallelism_disabled() -> bool:
    """True in a forked child, where batch calls run sequentially."""
