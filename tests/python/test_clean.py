"""The Python surface of ``src/python/clean.rs``, ``jsonl.rs`` and ``errors.rs``.

Every page here is written for these tests.
"""

from __future__ import annotations

import copy
import gzip
import json
import multiprocessing
import os
import pickle
import re
import sys
import typing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import chaffless
import chaffless.exceptions
import chaffless.types
import pytest
from chaffless import (
    ChafflessError,
    Cleaner,
    CleanResult,
    ConfigError,
    InputError,
    SerializationError,
    Span,
)
from hypothesis import given
from hypothesis import strategies as st

# --- pages -------------------------------------------------------------------------------------

LEDE = (
    "The harbour will stay closed until Friday while divers inspect the damaged sea wall, "
    "the port authority said on Monday morning."
)
TEASER = "The harbour will stay closed until Friday while divers inspect the damaged sea wall..."
HARBOUR = (
    f"Storm closes the harbour\n\n{LEDE}\n\nFerries to the islands are cancelled.\n\n{TEASER}\n"
)

FRENCH_LEDE = (
    "Les travaux de rénovation du pont-levis, commencés en février, se sont achevés plus tôt "
    "que prévu, a annoncé la mairie à Saint-Étienne."
)
FRENCH_TEASER = (
    "Les travaux de rénovation du pont-levis, commencés en février, se sont achevés plus tôt… "
    "Lire la suite"
)
FRENCH = (
    "Le pont-levis rouvre à la circulation dès jeudi\n\n"
    f"{FRENCH_LEDE}\n\nÀ lire aussi : les élus débattent du budget.\n\n{FRENCH_TEASER}\n"
)

CJK_LEDE = "市政府周二宣布，新的地铁线路将于明年春季正式开通运营，预计每天运送乘客超过二十万人次。"
CJK_TEASER = "市政府周二宣布，新的地铁线路将于明年春季正式开通运营……"
CJK = f"城市新闻\n\n{CJK_LEDE}\n\n相关报道：天气预报。\n\n{CJK_TEASER}\n"

EMOJI_LEDE = (
    "The summer music festival 🎶 returns to the riverside park 🌳 this weekend with more "
    "than forty bands on three stages."
)
EMOJI_TEASER = (
    "The summer music festival 🎶 returns to the riverside park 🌳 this weekend with more "
    "than forty bands... Read more"
)
EMOJI = f"🎉 Festival news 🎉\n\n{EMOJI_LEDE}\n\nTickets 🎟️ are on sale now.\n\n{EMOJI_TEASER}\n"

NON_ASCII = {
    "french": (FRENCH, FRENCH_LEDE, FRENCH_TEASER),
    "cjk": (CJK, CJK_LEDE, CJK_TEASER),
    "emoji": (EMOJI, EMOJI_LEDE, EMOJI_TEASER),
}

CLEAN_PAGE = "A quiet day\n\nNothing happened in the village today.\n\nThe bakery was open.\n"

PAGES = [
    HARBOUR,
    FRENCH,
    CJK,
    EMOJI,
    CLEAN_PAGE,
    "",
    "\n\n",
    f"{LEDE}\n{LEDE}\n",
    f"{LEDE}\r\n\r\nBrief.\r\n\r\n{TEASER}",
]

DEFAULT_CONFIG = {
    "seed": 0,
    "max_page_bytes": 8 * 1024 * 1024,
    "num_threads": 0,
    "repeat": {
        "enabled": True,
        "shingle_size": 3,
        "min_tokens": 8,
        "min_coverage": 0.9,
        "max_extra": 0.34,
        "min_run": 4,
        "max_copies": 3,
        "short_block": 24,
        "min_edit_ratio": 0.75,
    },
    "chrome": {
        "enabled": True,
        "min_words": 10,
        "min_stopword_share": 0.3,
        "line_penalty": 2.0,
        "word_penalty": 0.5,
        "lone_paragraph_weight": 0.7,
        "min_part_share": 0.3,
        "keep_words": 30,
        "title_reach": 6,
        "site_min_share": 0.5,
        "site_min_pages": 2,
    },
    "comment": {
        "enabled": True,
        "max_gap": 6,
        "max_gap_words": 500,
        "max_skip": 24,
        "max_stamp_words": 8,
        "max_prompt_words": 16,
        "max_header_words": 8,
    },
}

# --- public surface ----------------------------------------------------------------------------


def test_public_surface() -> None:
    assert set(chaffless.__all__) == {
        "ChafflessError",
        "CleanResult",
        "Cleaner",
        "ConfigError",
        "InputError",
        "Label",
        "SerializationError",
        "Span",
        "__version__",
        "annotate",
        "clean",
        "clean_jsonl",
        "fit_jsonl",
        "dedup_jsonl",
        "MinHashDeduper",
        "DedupIndex",
        "DedupResult",
        "MissingDependencyError",
        "registered_domain",
    }
    for name in chaffless.__all__:
        assert hasattr(chaffless, name), name
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", chaffless.__version__)
    assert typing.get_args(chaffless.Label) == (
        "body",
        "title",
        "chrome",
        "repeat",
        "comment",
        "blank",
    )


def test_types_match_the_runtime_dicts(tmp_path: Path, cleaner: Cleaner) -> None:
    config = cleaner.config
    assert set(chaffless.types.CleanerConfig.__annotations__) == set(config)
    assert set(chaffless.types.RepeatConfig.__annotations__) == set(config["repeat"])
    assert set(chaffless.types.CommentConfig.__annotations__) == set(config["comment"])
    result = cleaner.process(HARBOUR)
    as_dict = result.to_dict()
    assert set(chaffless.types.CleanResultDict.__annotations__) == set(as_dict)
    assert set(chaffless.types.SpanDict.__annotations__) == set(as_dict["spans"][0])
    assert set(chaffless.types.LabelCount.__annotations__) == set(as_dict["counts"]["repeat"])
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": HARBOUR}) + "\n", encoding="utf-8")
    summary = chaffless.clean_jsonl(cleaner, src, tmp_path / "out.jsonl", progress=False)
    assert set(chaffless.types.JsonlSummary.__annotations__) == set(summary)
    assert set(chaffless.types.CleanReport.__annotations__) == set(summary["report"])


@pytest.mark.parametrize("cls", [Cleaner, Span, CleanResult])
def test_classes_live_in_chaffless_and_are_final(cls: type) -> None:
    assert cls.__module__ == "chaffless"
    with pytest.raises(TypeError):
        type("Sub", (cls,), {})


@pytest.mark.parametrize("cls", [Cleaner, Span, CleanResult])
def test_classes_are_frozen(cls: type, cleaner: Cleaner) -> None:
    obj = {
        Cleaner: cleaner,
        Span: cleaner.annotate(HARBOUR)[0],
        CleanResult: cleaner.process(HARBOUR),
    }[cls]
    with pytest.raises(AttributeError):
        obj.foo = 1  # type: ignore[attr-defined]
    attr = {Cleaner: "config", Span: "start", CleanResult: "text"}[cls]
    with pytest.raises(AttributeError):
        setattr(obj, attr, 0)


def test_module_functions_use_the_default_cleaner(cleaner: Cleaner) -> None:
    for page in PAGES:
        assert chaffless.clean(page) == cleaner.clean(page)
        assert chaffless.annotate(page) == cleaner.annotate(page)


def test_wrong_argument_types_are_type_errors(cleaner: Cleaner) -> None:
    with pytest.raises(TypeError):
        cleaner.clean(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cleaner.clean_batch("not a list of pages")
    with pytest.raises(TypeError):
        cleaner.clean_batch([HARBOUR, 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        chaffless.clean(None)  # type: ignore[arg-type]


# --- configuration -----------------------------------------------------------------------------


def test_defaults() -> None:
    cleaner = Cleaner()
    assert cleaner.config == DEFAULT_CONFIG
    assert cleaner == Cleaner.from_dict({}) == Cleaner.from_dict(DEFAULT_CONFIG)
    # A new dict on every access: mutating it changes nothing.
    config = cleaner.config
    config["seed"] = 5
    assert cleaner.config["seed"] == 0


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        Cleaner(0)  # type: ignore[call-arg]
    cleaner = Cleaner(
        seed=7,
        num_threads=2,
        repeat={"min_coverage": 0.85, "enabled": False},
        comment={"max_gap": 4},
    )
    expected: dict[str, Any] = copy.deepcopy(DEFAULT_CONFIG)
    expected.update(seed=7, num_threads=2)
    expected["repeat"].update(min_coverage=0.85, enabled=False)
    expected["comment"].update(max_gap=4)
    assert cleaner.config == expected
    assert cleaner != Cleaner()
    assert cleaner.clean(HARBOUR) == HARBOUR  # the repeat detector is off


def test_repr_evaluates_to_an_equal_cleaner() -> None:
    cleaner = Cleaner(seed=3, repeat={"min_tokens": 10})
    assert repr(cleaner).startswith("Cleaner(seed=3, max_page_bytes=8388608, ")
    assert eval(repr(cleaner), {"Cleaner": Cleaner}) == cleaner


def test_equality_with_other_types() -> None:
    assert Cleaner() != "Cleaner()"
    assert Cleaner() != None  # noqa: E711
    # Equal by value but holding floats and dicts: not hashable, like dict.
    with pytest.raises(TypeError, match="unhashable"):
        hash(Cleaner())
    with pytest.raises(TypeError, match="unhashable"):
        hash(Cleaner().process(HARBOUR))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"repeat": {"min_coverage": 1.5}},
            r"^repeat\.min_coverage must be in \(0, 1\], got 1\.5$",
        ),
        ({"repeat": {"min_coverage": 0}}, r"repeat\.min_coverage must be in \(0, 1\], got 0"),
        ({"repeat": {"min_edit_ratio": -0.5}}, r"repeat\.min_edit_ratio .* got -0\.5"),
        ({"repeat": {"max_extra": 1.0}}, r"repeat\.max_extra must be in \[0, 1\), got 1"),
        ({"repeat": {"shingle_size": 0}}, r"repeat\.shingle_size must be in \[1, 32\], got 0"),
        ({"repeat": {"shingle_size": 5, "min_run": 4}}, r"repeat\.min_run .*shingle_size"),
        ({"max_page_bytes": 0}, r"max_page_bytes must be in \[1, .*\], got 0"),
        ({"num_threads": 10_000}, r"num_threads must be in \[0, 4096\], got 10000"),
        ({"seed": -1}, r"seed: invalid value: integer `-1`"),
        ({"seed": 2**64}, r"seed is out of range"),
        ({"seed": "7"}, r"seed: invalid type: string"),
        ({"seed": 1.0}, r"seed: invalid type: floating point"),
        ({"repeat": {"min_tokens": 2.5}}, r"repeat\.min_tokens: invalid type"),
        ({"repeat": {"enabled": "yes"}}, r"repeat\.enabled: invalid type"),
        ({"repeat": 3}, r"repeat: invalid type"),
        ({"repeat": {"min_coverage": float("nan")}}, r"repeat\.min_coverage must be a finite"),
        ({"seed": object()}, r"seed has unsupported type object"),
    ],
)
def test_bad_values_raise_config_error_naming_the_field(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Cleaner(**options)
    with pytest.raises(ConfigError, match=message):
        Cleaner.from_dict(options)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"min_coverage": 0.5}, "min_coverage"),
        ({"sed": 1}, "sed"),
        ({"repeat": {"min_coverag": 0.5}}, r"repeat\.min_coverag"),
        ({"repeat": {"enabled": True, "typo": 1}}, r"repeat\.typo"),
    ],
)
def test_unknown_options_are_rejected(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError, match=f"{field}: unknown field"):
        Cleaner(**options)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ChafflessError)
    assert issubclass(ConfigError, ValueError)
    with pytest.raises(ValueError, match="min_coverage"):
        Cleaner(repeat={"min_coverage": 2})


def test_from_dict_needs_a_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        Cleaner.from_dict([("seed", 1)])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="keys must be strings"):
        Cleaner.from_dict({1: 2})  # type: ignore[dict-item]


# --- exceptions --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", chaffless.exceptions.__all__)
def test_every_exception_is_a_chaffless_error(name: str) -> None:
    exc = getattr(chaffless.exceptions, name)
    assert exc is getattr(chaffless, name)
    assert issubclass(exc, ChafflessError)
    assert issubclass(exc, Exception)
    assert exc.__module__ == "chaffless"
    assert exc.__doc__
    # Picklable, like any exception a worker process may send back.
    err = pickle.loads(pickle.dumps(exc("boom")))
    assert type(err) is exc
    assert str(err) == "boom"


def test_errors_raised_by_type(tmp_path: Path, cleaner: Cleaner) -> None:
    with pytest.raises(InputError, match="unknown label"):
        Span(0, 1, "boilerplate", 0.5, "d", "r")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="start must not exceed end"):
        Span(5, 1, "repeat", 0.5, "d", "r")
    with pytest.raises(InputError, match=r"score must be in \[0, 1\]"):
        Span(0, 1, "repeat", 1.5, "d", "r")
    with pytest.raises(InputError, match="copy start"):
        Span(0, 1, "repeat", 0.5, "d", "r", "", [(3, 2)])

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"body": "no text field"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: record rejected"):
        chaffless.clean_jsonl(cleaner, bad, tmp_path / "out.jsonl", progress=False)
    assert not (tmp_path / "out.jsonl").exists()


def test_io_errors_are_builtin_os_errors(tmp_path: Path, cleaner: Cleaner) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(FileNotFoundError, match="missing.jsonl") as info:
        chaffless.clean_jsonl(cleaner, missing, tmp_path / "out.jsonl")
    assert info.value.errno == 2
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        chaffless.clean_jsonl(cleaner, src, tmp_path / "no" / "such" / "dir" / "out.jsonl")
    assert not issubclass(FileNotFoundError, ChafflessError)


def test_serialization_error_is_exported() -> None:
    assert issubclass(SerializationError, ChafflessError)
    assert not issubclass(SerializationError, ValueError)


# --- spans and results -------------------------------------------------------------------------


def test_truncated_teaser_is_removed(cleaner: Cleaner) -> None:
    result = cleaner.process(HARBOUR)
    assert result.skipped is None
    (span,) = result.spans
    assert span.label == "repeat"
    assert span.rule == "truncated_copy"
    assert span.detector == "repeat_v1"
    assert 0.9 <= span.score <= 1.0
    assert "words found in order" in span.evidence
    assert HARBOUR[span.start : span.end] == TEASER
    (copy_range,) = span.copies
    assert LEDE.startswith(HARBOUR[copy_range[0] : copy_range[1]])
    assert TEASER not in result.text
    assert result.text == "Storm closes the harbour\n\n" + LEDE + (
        "\n\nFerries to the islands are cancelled.\n"
    )
    assert result.counts == {"repeat": {"spans": 1, "bytes": len(TEASER.encode())}}
    assert cleaner.clean(HARBOUR) == result.text
    assert cleaner.annotate(HARBOUR) == result.spans


@pytest.mark.parametrize("name", sorted(NON_ASCII))
def test_offsets_are_code_points(name: str, repeat_cleaner: Cleaner) -> None:
    page, lede, teaser = NON_ASCII[name]
    assert len(page) < len(page.encode())
    (span,) = repeat_cleaner.annotate(page)
    assert span.label == "repeat"
    assert span.rule == "truncated_copy"
    assert page[span.start : span.end] == teaser
    for start, end in span.copies:
        assert lede.startswith(page[start:end])
        assert page.index(lede) == start
    result = repeat_cleaner.process(page)
    assert result.spans == [span]
    assert result.counts["repeat"] == {"spans": 1, "bytes": len(teaser.encode())}
    assert teaser not in result.text
    assert lede in result.text


def test_span_value_semantics(cleaner: Cleaner) -> None:
    (span,) = cleaner.annotate(HARBOUR)
    again = Span(**span.to_dict())
    assert again == span
    assert hash(again) == hash(span)
    assert len({span, again}) == 1
    assert span != Span(span.start, span.end + 1, "repeat", span.score, "repeat_v1", span.rule)
    assert span != (span.start, span.end)
    assert eval(repr(span), {"Span": Span}) == span
    assert span.to_dict() == {
        "start": span.start,
        "end": span.end,
        "label": "repeat",
        "score": span.score,
        "detector": "repeat_v1",
        "rule": "truncated_copy",
        "evidence": span.evidence,
        "copies": span.copies,
    }
    minimal = Span(0, 4, "chrome", 0.5, "chrome_v1", "nav")
    assert minimal.evidence == ""
    assert minimal.copies == []
    assert Span(0, 1, "blank", 0.0, "d", "r") == Span(0, 1, "blank", -0.0, "d", "r")
    assert hash(Span(0, 1, "blank", 0.0, "d", "r")) == hash(Span(0, 1, "blank", -0.0, "d", "r"))


def test_clean_result_value_semantics(cleaner: Cleaner) -> None:
    result = cleaner.process(FRENCH)
    assert result == cleaner.process(FRENCH)
    assert result != cleaner.process(HARBOUR)
    assert result != result.text
    assert repr(result) == (
        f"CleanResult(text=<{len(result.text)} chars>, spans=<1 spans: repeat: 1>, skipped=None)"
    )
    as_dict = result.to_dict()
    assert as_dict == {
        "text": result.text,
        "spans": [s.to_dict() for s in result.spans],
        "skipped": None,
        "counts": result.counts,
    }
    json.dumps(as_dict)  # plain values only
    rebuilt = CleanResult(result.text, result.spans, result.skipped, result.counts)
    assert rebuilt == result


def test_clean_result_constructor_checks_counts(cleaner: Cleaner) -> None:
    result = cleaner.process(HARBOUR)
    with pytest.raises(InputError, match="do not match"):
        CleanResult(result.text, result.spans, None, {})
    with pytest.raises(InputError, match="unknown label"):
        CleanResult(result.text, [], None, {"nav": {"spans": 0, "bytes": 0}})  # type: ignore[dict-item]
    with pytest.raises(InputError, match="exactly the keys"):
        CleanResult(result.text, result.spans, None, {"repeat": {"spans": 1}})  # type: ignore[typeddict-item]
    with pytest.raises(TypeError):
        CleanResult(result.text, ["not a span"], None, {})  # type: ignore[list-item]


def test_large_pages_are_skipped_not_dropped() -> None:
    cleaner = Cleaner(max_page_bytes=32)
    result = cleaner.process(HARBOUR)
    assert result.text == HARBOUR
    assert result.spans == []
    assert result.counts == {}
    assert result.skipped is not None
    assert "max_page_bytes" in result.skipped
    assert cleaner.annotate(HARBOUR) == []
    assert "skipped='page of" in repr(result)


# --- pickling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(protocol: int) -> None:
    cleaner = Cleaner(seed=11, num_threads=1, repeat={"min_coverage": 0.8})
    result = cleaner.process(EMOJI)
    objects: list[object] = [cleaner, result, *result.spans, Cleaner()]
    for obj in objects:
        back = pickle.loads(pickle.dumps(obj, protocol=protocol))
        assert type(back) is type(obj)
        assert back == obj
        assert copy.copy(obj) == obj
        assert copy.deepcopy(obj) == obj
    back_cleaner = pickle.loads(pickle.dumps(cleaner, protocol=protocol))
    assert back_cleaner.config == cleaner.config
    assert back_cleaner.clean(EMOJI) == cleaner.clean(EMOJI)


def test_unpickling_validates_again() -> None:
    rebuild, (config,) = Cleaner().__reduce__()
    config["repeat"]["min_coverage"] = 2.0
    with pytest.raises(ConfigError, match="repeat.min_coverage"):
        rebuild(config)
    span = chaffless.annotate(HARBOUR)[0]
    cls, args = span.__reduce__()
    with pytest.raises(InputError):
        cls(*(args[:2] + ("nonsense",) + args[3:]))


# --- batches, threads, fork --------------------------------------------------------------------


@pytest.mark.parametrize("num_threads", [0, 1, 3])
def test_batch_equals_one_by_one(num_threads: int) -> None:
    cleaner = Cleaner(num_threads=num_threads)
    pages = PAGES * 5
    assert cleaner.clean_batch(pages) == [cleaner.clean(p) for p in pages]
    assert cleaner.annotate_batch(pages) == [cleaner.annotate(p) for p in pages]
    assert cleaner.process_batch(pages) == [cleaner.process(p) for p in pages]
    assert cleaner.clean_batch(tuple(pages)) == cleaner.clean_batch(pages)
    assert cleaner.clean_batch([]) == []
    assert cleaner.annotate_batch([]) == []
    assert cleaner.process_batch([]) == []


def test_one_cleaner_from_eight_threads(cleaner: Cleaner) -> None:
    pages = PAGES * 4
    expected = [cleaner.clean(p) for p in pages]
    expected_spans = [cleaner.annotate(p) for p in pages]

    def work(i: int) -> bool:
        ok = True
        for _ in range(5):
            ok &= cleaner.clean_batch(pages) == expected
            ok &= cleaner.annotate_batch(pages) == expected_spans
            page = pages[i % len(pages)]
            ok &= cleaner.clean(page) == expected[i % len(pages)]
            ok &= chaffless.clean(page) == expected[i % len(pages)]
        return ok

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(8)))


def _in_forked_child(conn: Any, cleaner: Cleaner, pages: list[str], tmp: str) -> None:
    src, dst = os.path.join(tmp, "in.jsonl"), os.path.join(tmp, "out.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"text": p}) + "\n" for p in pages)
    summary = chaffless.clean_jsonl(cleaner, src, dst, progress=False)
    conn.send(
        (
            chaffless._chaffless._parallelism_disabled(),
            cleaner.clean_batch(pages),
            [[s.to_dict() for s in spans] for spans in cleaner.annotate_batch(pages)],
            [r.to_dict() for r in cleaner.process_batch(pages)],
            summary["records_out"],
            cleaner.fit(pages, ["site"] * len(pages)).to_bytes(),
        )
    )
    conn.close()


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("num_threads", [0, 2])
def test_batches_work_in_a_forked_child(num_threads: int, tmp_path: Path) -> None:
    pages = PAGES * 8
    cleaner = Cleaner(num_threads=num_threads)
    # Start the rayon pool in the parent first: its threads do not exist in the child.
    expected = cleaner.clean_batch(pages)
    assert not chaffless._chaffless._parallelism_disabled()
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    # The child inherits this cleaner (and its thread pool, if any), not a copy made for it.
    proc = ctx.Process(target=_in_forked_child, args=(child, cleaner, pages, str(tmp_path)))
    proc.start()
    try:
        assert parent.poll(120), "the forked child hung (rayon after fork?)"
        disabled, cleaned, spans, results, records_out, fitted = parent.recv()
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    assert proc.exitcode == 0
    assert disabled
    assert cleaned == expected
    assert spans == [[s.to_dict() for s in ss] for ss in cleaner.annotate_batch(pages)]
    assert results == [r.to_dict() for r in cleaner.process_batch(pages)]
    # Fitted in the child on one thread, with the parent's configuration (its thread count).
    assert Cleaner.from_bytes(fitted) == cleaner.fit(pages, ["site"] * len(pages))
    assert records_out == len(pages)
    assert not chaffless._chaffless._parallelism_disabled()  # the parent is unaffected


# --- properties --------------------------------------------------------------------------------

# Distinct words (accented, and CJK characters, each its own token): lines share text only where
# the generator copies it.
_SYLLABLES = ["har", "fer", "cou", "bud", "sto", "riv", "éco", "stra", "vo", "ma", "pon", "été"]
_ENDINGS = ["bour", "ry", "ncil", "get", "rm", "er", "le", "ße", "te", "yor", "ïve", "ón"]
VOCABULARY = [a + b for a in _SYLLABLES for b in _ENDINGS] + list("地铁市政府线路春季运营乘客")
TAILS = ["", "...", "…", " Read more", " Lire la suite"]
SEPARATORS = ["\n", "\n\n", "\r\n", "\n \n"]


@st.composite
def pages_with_copies(draw: st.DrawFn) -> str:
    """A page of lines with distinct words, some copied (whole or cut short) up to twice.

    At most three lines hold the same text, the repeat detector's ``max_copies``: beyond that,
    text is a page pattern rather than a teaser.
    """
    words = draw(st.permutations(VOCABULARY))
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 10))):
        size = draw(st.integers(1, 14))
        lines.append(" ".join(words[:size]))
        words = words[size:]
    copies = {line: 0 for line in lines}
    for source in draw(st.lists(st.sampled_from(list(copies)), max_size=6)):
        if copies[source] == 2:
            continue
        copies[source] += 1
        source_words = source.split()
        cut = draw(st.integers(1, len(source_words)))
        copy = " ".join(source_words[:cut]) + draw(st.sampled_from(TAILS))
        lines.insert(draw(st.integers(0, len(lines))), copy)
    return draw(st.sampled_from(SEPARATORS)).join(lines) + draw(st.sampled_from(["", "\n"]))


@st.composite
def pages_with_shared_words(draw: st.DrawFn) -> str:
    """A page whose lines draw on a small vocabulary, with copies of copies."""
    sentence = st.lists(st.sampled_from(VOCABULARY[:20] + ["🎶"]), min_size=1, max_size=25)
    lines = [" ".join(words) for words in draw(st.lists(sentence, min_size=1, max_size=12))]
    for _ in range(draw(st.integers(0, 5))):
        source = draw(st.sampled_from(lines)).split()
        cut = draw(st.integers(1, len(source)))
        copy = " ".join(source[:cut]) + draw(st.sampled_from(TAILS))
        lines.insert(draw(st.integers(0, len(lines))), copy)
    return draw(st.sampled_from(SEPARATORS)).join(lines)


def _check_spans(text: str, spans: list[Span]) -> None:
    labels = typing.get_args(chaffless.Label)
    end = 0
    for span in spans:
        assert end <= span.start <= span.end <= len(text)
        assert span.label in labels
        assert 0.0 <= span.score <= 1.0
        for a, b in span.copies:
            assert 0 <= a <= b <= len(text)
        end = span.end


@given(st.one_of(pages_with_copies(), pages_with_shared_words()))
def test_clean_is_idempotent_on_generated_pages(page: str) -> None:
    once = chaffless.clean(page)
    assert chaffless.clean(once) == once


def test_clean_is_idempotent_when_duplicates_share_a_phrase() -> None:
    # "of the city" is in four lines, more than repeat.max_copies: both duplicates must still
    # go in one pass.
    a = "The mayor of the city opened the new library on the river bank this morning."
    b = "Residents of the city can borrow up to ten books at once from next week."
    page = f"{a}\n\n{b}\n\n{a}\n\n{b}\n"
    once = chaffless.clean(page)
    assert once == f"{a}\n\n{b}\n"
    assert chaffless.clean(once) == once


@given(st.one_of(pages_with_copies(), pages_with_shared_words()))
def test_spans_are_sorted_disjoint_whole_lines(page: str) -> None:
    spans = chaffless.annotate(page)
    _check_spans(page, spans)
    result = Cleaner().process(page)
    assert result.spans == spans
    assert result.text == chaffless.clean(page)
    assert len(result.text) <= len(page)
    for span in spans:
        assert span.label == "repeat"
        text = page[span.start : span.end]
        assert text == text.strip()
        assert all(page[a:b] for a, b in span.copies)


@given(st.text(max_size=300))
def test_any_text_is_cleaned_without_error(text: str) -> None:
    once = chaffless.clean(text)
    assert chaffless.clean(once) == once
    _check_spans(text, chaffless.annotate(text))


@given(st.lists(st.one_of(pages_with_copies(), pages_with_shared_words()), max_size=6))
def test_batch_equals_one_by_one_on_generated_pages(pages: list[str]) -> None:
    cleaner = Cleaner()
    assert cleaner.clean_batch(pages) == [cleaner.clean(p) for p in pages]
    assert cleaner.annotate_batch(pages) == [cleaner.annotate(p) for p in pages]
    assert cleaner.process_batch(pages) == [cleaner.process(p) for p in pages]


# --- clean_jsonl -------------------------------------------------------------------------------


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_clean_jsonl(tmp_path: Path, cleaner: Cleaner) -> None:
    records = [{"id": i, "text": p, "meta": {"lang": "x"}} for i, p in enumerate(PAGES)]
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, records)
    dst = tmp_path / "out.jsonl.gz"
    summary = chaffless.clean_jsonl(cleaner, str(src), str(dst), progress=False)
    assert summary["records_in"] == summary["records_out"] == len(PAGES)
    assert summary["rejected"] == 0
    assert summary["rejects_path"] is None
    assert summary["report"]["documents"] == len(PAGES)
    results = cleaner.process_batch(PAGES)
    assert summary["report"]["labels"]["repeat"] == {
        "spans": sum(r.counts["repeat"]["spans"] for r in results if "repeat" in r.counts),
        "bytes": sum(r.counts["repeat"]["bytes"] for r in results if "repeat" in r.counts),
    }
    assert summary["report"]["bytes_in"] == sum(len(p.encode()) for p in PAGES)
    assert summary["report"]["bytes_out"] == sum(len(r.text.encode()) for r in results)
    out = _read_jsonl(dst)
    assert [r["text"] for r in out] == cleaner.clean_batch(PAGES)
    assert [(r["id"], r["meta"]) for r in out] == [(r["id"], r["meta"]) for r in records]


def test_clean_jsonl_annotate_uses_code_points(tmp_path: Path, cleaner: Cleaner) -> None:
    pages = [page for page, _, _ in NON_ASCII.values()]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(src, [{"body": p} for p in pages])
    chaffless.clean_jsonl(
        cleaner, src, dst, text_field="body", annotate=True, spans_field="found", progress=False
    )
    out = _read_jsonl(dst)
    assert [r["body"] for r in out] == pages
    expected = [[s.to_dict() for s in cleaner.annotate(p)] for p in pages]
    assert [r["found"] for r in out] == json.loads(json.dumps(expected))  # tuples are lists
    assert all(r["found"] for r in out)


def test_clean_jsonl_rejects(tmp_path: Path, cleaner: Cleaner) -> None:
    zstandard = pytest.importorskip("zstandard")
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"text": "kept"}\n\n[1, 2]\n{"text": 5}\n{"text": "also kept"}\n', encoding="utf-8"
    )
    dst, rejects = tmp_path / "out.jsonl.zst", tmp_path / "rejects.jsonl"
    summary = chaffless.clean_jsonl(cleaner, src, dst, rejects=rejects, progress=False)
    assert summary["records_in"] == 4
    assert summary["records_out"] == 2
    assert summary["rejected"] == 2
    assert summary["blank_lines"] == 1
    assert summary["rejects_path"] == str(rejects)
    with zstandard.open(dst, "rt", encoding="utf-8") as f:
        assert [json.loads(line)["text"] for line in f] == ["kept", "also kept"]
    bad = _read_jsonl(rejects)
    assert [(r["line"], r["record"]) for r in bad] == [(3, "[1, 2]"), (4, '{"text": 5}')]
    assert "not a JSON object" in bad[0]["reason"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_clean_jsonl_permission_error(tmp_path: Path, cleaner: Cleaner) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n', encoding="utf-8")
    src.chmod(0)
    with pytest.raises(PermissionError):
        chaffless.clean_jsonl(cleaner, src, tmp_path / "out.jsonl")
