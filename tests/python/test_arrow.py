"""The Arrow bridge: Cleaner.*_arrow and MinHashDeduper.*_arrow against the list API."""

from __future__ import annotations

import pickle

import chaffless
import pytest

pa = pytest.importorskip("pyarrow")

PAGES = [
    "Home | News | Sport\nThe harbour will stay closed until Friday after the storm damaged two "
    "piers, the port authority said.\nRead more: storm damage\nHome | News | Sport",
    "Café crème, naïve résumé — the façade was repainted in spring. Share this article",
    "",
    "A short page.",
]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
def test_clean_arrow_equals_clean_batch(cleaner: chaffless.Cleaner, kind: object) -> None:
    out = cleaner.clean_arrow(pa.array(PAGES, type=kind))
    assert isinstance(out, pa.Array)
    assert out.type == kind
    assert out.to_pylist() == cleaner.clean_batch(PAGES)


def test_nulls_stay_null(cleaner: chaffless.Cleaner) -> None:
    texts = pa.array([PAGES[0], None, PAGES[1]])
    assert cleaner.clean_arrow(texts).to_pylist() == [
        cleaner.clean(PAGES[0]),
        None,
        cleaner.clean(PAGES[1]),
    ]
    spans = cleaner.annotate_arrow(texts)
    assert spans.is_null().to_pylist() == [False, True, False]


def test_chunked_and_stream_inputs(cleaner: chaffless.Cleaner) -> None:
    chunked = pa.chunked_array([PAGES[:2], PAGES[2:]])
    assert cleaner.clean_arrow(chunked).to_pylist() == cleaner.clean_batch(PAGES)


def test_annotate_arrow_matches_annotate_batch(cleaner: chaffless.Cleaner) -> None:
    out = cleaner.annotate_arrow(pa.array(PAGES))
    assert out.type.value_type.names == [
        "start",
        "end",
        "label",
        "score",
        "detector",
        "rule",
        "evidence",
    ]
    expected = [
        [{k: v for k, v in s.to_dict().items() if k != "copies"} for s in spans]
        for spans in cleaner.annotate_batch(PAGES)
    ]
    assert out.to_pylist() == expected
    assert any(expected), "the pages must have spans for this test to mean something"
    # Code-point offsets: text[start:end] is the span's text on non-ASCII pages too.
    for page, spans in zip(PAGES, out.to_pylist()):
        for s in spans:
            assert 0 <= s["start"] <= s["end"] <= len(page)


def test_process_arrow_and_report(cleaner: chaffless.Cleaner) -> None:
    batch, report = cleaner.process_arrow(pa.array(PAGES), report=True)
    assert batch.schema.names == ["text", "spans"]
    assert batch.column("text").to_pylist() == cleaner.clean_batch(PAGES)
    assert report["documents"] == len(PAGES)
    assert report["bytes_in"] == sum(len(p.encode()) for p in PAGES)
    assert report["bytes_out"] == sum(len(t.encode()) for t in cleaner.clean_batch(PAGES))


def test_sites_and_fit_from_arrow() -> None:
    pages = [
        f"Story {i}: the council met on Tuesday to vote on the plan.\nMenu | Login"
        for i in range(6)
    ]
    sites = ["a.example"] * 6
    from_lists = chaffless.Cleaner().fit(pages, sites)
    from_arrow = chaffless.Cleaner().fit(pa.array(pages), pa.array(sites))
    assert from_lists == from_arrow
    assert from_arrow.clean_arrow(pa.array(pages), sites=pa.array(sites)).to_pylist() == (
        from_lists.clean_batch(pages, sites=sites)
    )


def test_merge_of_partial_fits_equals_one_fit() -> None:
    pages = [f"Page {i} about the river and the bridge.\nSubscribe | Login" for i in range(8)]
    sites = ["s.example", "t.example"] * 4
    whole = chaffless.Cleaner().fit(pages, sites)
    left = chaffless.Cleaner().fit(pages[:3], sites[:3])
    right = chaffless.Cleaner().fit(pages[3:], sites[3:])
    assert left.merge(right) == whole
    assert pickle.loads(pickle.dumps(left.merge(right))) == whole
    with pytest.raises(chaffless.ConfigError, match="seed"):
        chaffless.Cleaner(seed=1).fit(pages, sites).merge(whole)


def test_errors_name_the_problem(cleaner: chaffless.Cleaner) -> None:
    with pytest.raises(chaffless.InputError, match="utf8, large_utf8 or string_view"):
        cleaner.clean_arrow(pa.array([1, 2]))
    with pytest.raises(chaffless.InputError, match="Arrow array or stream"):
        cleaner.clean_arrow(["a list"])
    with pytest.raises(chaffless.InputError, match="2 texts but 1 sites"):
        cleaner.clean_arrow(pa.array(["a", "b"]), sites=pa.array(["x"]))


def test_dedup_arrow_equals_dedup() -> None:
    story = (
        "The harbour will stay closed until Friday after the storm damaged two piers, the port "
        "authority said on Monday, and ferries to the islands are cancelled until further notice."
    )
    texts = [story, "Weather: sunny spells all week.", story + " Share this article", story.upper()]
    deduper = chaffless.MinHashDeduper()
    expected = deduper.dedup(texts)
    batch, stats = deduper.dedup_arrow(pa.array(texts), stats=True)
    assert batch.column("cluster").to_pylist() == expected.clusters
    assert batch.column("duplicate_of").to_pylist() == expected.duplicate_of
    assert batch.column("keep").to_pylist() == expected.keep
    assert batch.column("exact_duplicate").to_pylist() == expected.exact_duplicate
    assert stats == expected.stats
    assert expected.stats["duplicates"] == 2


def test_sketches_cluster_like_dedup() -> None:
    base = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    texts = [base, base + " fifteen", "something else entirely, with other words in it", base]
    deduper = chaffless.MinHashDeduper(threshold=0.7)
    sk = deduper.sketch_arrow(pa.array(texts))
    assert sk.schema.names == ["signature", "exact_hash", "shingles", "length", "band_keys"]
    bands, _ = deduper.lsh_params
    bandings = deduper.config["bandings"]
    assert bandings == 2
    assert all(len(k) == bands * bandings for k in sk.column("band_keys").to_pylist())
    found = deduper.cluster_arrow(
        sk.column("signature"), sk.column("exact_hash"), sk.column("shingles"), sk.column("length")
    )
    assert found.column("cluster").to_pylist() == deduper.dedup(texts).clusters
    sims = deduper.similarity_arrow(sk.column("signature"), sk.column("signature"))
    assert sims.to_pylist() == [1.0] * 4
    exact = deduper.exact_similarity_arrow(pa.array(texts[:2]), pa.array(texts[1:3]))
    assert 0.7 < exact[0].as_py() < 1.0
    assert exact[1].as_py() == 0.0
    with pytest.raises(chaffless.ConfigError, match="exact"):
        chaffless.MinHashDeduper(exact=True).cluster_arrow(
            sk.column("signature"),
            sk.column("exact_hash"),
            sk.column("shingles"),
            sk.column("length"),
        )
