"""Types of the values chaffless takes and returns: the labels and the shapes of its dicts.

For annotations::

    from chaffless.types import CleanerConfig, Label

    def strict(config: CleanerConfig) -> chaffless.Cleaner:
        return chaffless.Cleaner.from_dict({**config, "repeat": {"min_coverage": 0.95}})
"""

from typing import Literal, Optional, TypedDict

__all__ = [
    "CleanReport",
    "CleanResultDict",
    "ChromeConfig",
    "CleanerConfig",
    "CommentConfig",
    "JsonlSummary",
    "Label",
    "LabelCount",
    "RepeatConfig",
    "SpanDict",
]

Label = Literal["body", "title", "chrome", "repeat", "comment", "blank"]
"""What a line or span of a page is; ``chrome``, ``repeat`` and ``comment`` spans are removed."""


class RepeatConfig(TypedDict, total=False):
    """Settings of the ``repeat`` detector (text repeated inside one page).

    Every key is optional when given to ``Cleaner``; ``Cleaner.config`` has them all.
    """

    enabled: bool
    """Run the detector. Default ``True``."""
    shingle_size: int
    """Words per shingle used to find copies, in [1, 32]. Default 3."""
    min_tokens: int
    """Fewest words a line needs to be judged a copy. Default 8."""
    min_coverage: float
    """Share of a line's words, in (0, 1], found in order elsewhere for it to be a copy.
    Default 0.9."""
    max_extra: float
    """Share of a line's words, in [0, 1), that may be extra text at one end (a photo credit)
    when the rest is a whole copy of another line. Default 0.34."""
    min_run: int
    """Shortest run of consecutive matching words that counts, at least ``shingle_size``.
    Default 4."""
    max_copies: int
    """Text found in more lines than this is a page pattern, not a teaser. Default 3."""
    short_block: int
    """Lines with fewer words must also pass the edit-distance check. Default 24."""
    min_edit_ratio: float
    """Least normalised Levenshtein similarity, in (0, 1], confirming a short copy.
    Default 0.75."""


class CommentConfig(TypedDict, total=False):
    """Settings of the ``comment`` detector (comment sections: headers, prompts, comments).

    A section grows from an anchor (a header such as "3 comments", a prompt such as "Leave a
    reply") over lines that fit comment structure; these keys bound how far it may reach.
    """

    enabled: bool
    """Run the detector. Default ``True``."""
    max_gap: int
    """Most consecutive text lines a section crosses between two structure lines. Default 6."""
    max_gap_words: int
    """Most words those text lines may hold together. Default 500."""
    max_skip: int
    """Most consecutive lines of any kind between two structure lines, at least ``max_gap``.
    Default 24."""
    max_stamp_words: int
    """Most words besides the date or time a timestamp line may hold. Default 8."""
    max_prompt_words: int
    """Longest line, in words, that can be a prompt ("Leave a reply"). Default 16."""
    max_header_words: int
    """Longest line, in words, that can be a section header ("12 comments"). Default 8."""


class ChromeConfig(TypedDict, total=False):
    """Settings of the ``chrome`` detector (page chrome, on one page and across a site)."""

    enabled: bool
    """Run the detector. Default ``True``."""
    min_words: int
    """Fewest words of a prose line (with enough stopwords). Default 10."""
    min_stopword_share: float
    """Least share, in (0, 1], of a prose line's words that are stopwords. Default 0.3."""
    line_penalty: float
    """What a line that is not prose costs the main text, per line. Default 2.0."""
    word_penalty: float
    """What a line that is not prose costs the main text, per word. Default 0.5."""
    lone_paragraph_weight: float
    """What a paragraph with no paragraph beside it is worth to the main text per word, in
    (0, 1] (a teaser's abstract between headlines). Default 0.7."""
    min_part_share: float
    """Runs of prose beside the main text worth at least this share, in (0, 1], of its value
    join it with the lines between them. Default 0.3."""
    keep_words: int
    """Prose lines of at least this many words stay at most ``title_reach`` lines above the
    main text (a standfirst). Default 30."""
    title_reach: int
    """How many lines above the main text the title may stand. Default 6."""
    site_min_share: float
    """Least share of a site's pages a line must occur on to be site chrome. Default 0.5."""
    site_min_pages: int
    """Fewest pages a line must occur on to be site chrome, at least 2. Default 2."""


class CleanerConfig(TypedDict, total=False):
    """The configuration of a ``Cleaner``: its keyword options, as ``Cleaner.config`` returns."""

    seed: int
    """Seed of every hash. Default 0."""
    max_page_bytes: int
    """Pages larger than this (UTF-8 bytes) are passed through untouched. Default 8 MiB."""
    num_threads: int
    """Threads for batch calls; 0 means one per core. Default 0."""
    repeat: RepeatConfig
    """The ``repeat`` detector."""
    comment: CommentConfig
    """The ``comment`` detector."""
    chrome: ChromeConfig
    """The ``chrome`` detector."""


class LabelCount(TypedDict):
    """What was removed for one label."""

    spans: int
    """Number of spans."""
    bytes: int
    """UTF-8 bytes of original text the spans cover."""


class SpanDict(TypedDict):
    """A ``Span`` as a dict (``Span.to_dict()``); offsets are code points."""

    start: int
    end: int
    label: Label
    score: float
    detector: str
    rule: str
    evidence: str
    copies: list[tuple[int, int]]


class CleanResultDict(TypedDict):
    """A ``CleanResult`` as a dict (``CleanResult.to_dict()``)."""

    text: str
    spans: list[SpanDict]
    skipped: Optional[str]
    counts: dict[Label, LabelCount]


class CleanReport(TypedDict):
    """Totals over the pages of a ``clean_jsonl`` run."""

    documents: int
    """Pages cleaned (skipped pages included)."""
    skipped: int
    """Pages passed through untouched (larger than ``max_page_bytes``)."""
    bytes_in: int
    """UTF-8 bytes of input text."""
    bytes_out: int
    """UTF-8 bytes of cleaned text."""
    labels: dict[Label, LabelCount]
    """Spans and bytes removed per label."""


class JsonlSummary(TypedDict):
    """What a ``clean_jsonl`` run did."""

    records_in: int
    """Records read (blank lines are not records)."""
    records_out: int
    """Records written to the output."""
    rejected: int
    """Records written to the rejects file."""
    blank_lines: int
    """Blank lines skipped."""
    rejects_path: Optional[str]
    """The rejects file, when one was written."""
    resumed_lines: int
    """Input lines a resumed run skipped (committed by an earlier run; counted above)."""
    report: CleanReport
    """What cleaning removed."""
