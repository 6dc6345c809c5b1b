"""Near-duplicate detection: chaffless vs datasketch vs rensa, speed and accuracy, in one run.

    python3 ../shared/tools/make_dedup_corpus.py --out-dir /tmp/dedup-corpus
    python3 benchmarks/dedup_throughput.py --corpus /tmp/dedup-corpus [--peer-docs N]

All three use word 5-grams, 128 permutations and 16 bands x 8 rows, at threshold 0.8.

- chaffless: ``dedup_jsonl`` end to end (read the JSONL, sketch, cluster, write every record
  with its cluster fields): its default shingles (folded words) on 1 thread and on all cores,
  with exact verification on 1 thread, and its ``whitespace`` shingles (``text.lower().split()``,
  the peers' and the generator's tokens) estimated and exact on 1 thread.
- datasketch: ``MinHash.update_batch`` on the generator's shingles (lower-cased whitespace
  words, 5-grams joined by spaces), then ``MinHashLSH`` insert + query.
- rensa: ``RMinHash.update`` on the same shingles, then ``RMinHashLSH``.

chaffless and rensa are timed ``--repeat`` times (default 3) and their fastest run is kept: a
chaffless run takes seconds and one run is at the mercy of the machine; datasketch, ~100 s a
run and far from the ratio it is held to, runs once.

Peers are timed on the first ``--peer-docs`` pages (default: all; tokenising in Python is
included, as users run them). Accuracy is measured on the whole corpus against ``dups.jsonl``,
the same way for every method:

- reported pairs: chaffless, each duplicate with the document it names in ``duplicate_of``
  (always a verified pair); datasketch, its LSH candidate pairs, raw and kept when their
  MinHash estimate is >= 0.8 (the usual check; not timed);
- recall: planted pairs with exact Jaccard >= 0.8 whose documents end in one cluster, the
  clusters being the connected components of the reported pairs (chaffless's union-find
  clusters are exactly that);
- precision: reported pairs whose Jaccard, computed exactly as the generator does, is >= 0.8.

The ground truth is defined on whitespace tokens, so the whitespace rows are the like-for-like
comparison with datasketch; the default (folded) rows measure a slightly different Jaccard and
are shown for information.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import chaffless

THRESHOLD = 0.8
NUM_PERM = 128
BANDS, ROWS = 16, 8


def shingles(text: str, n: int = 5) -> set[str]:
    """The generator's shingles: lower-cased whitespace tokens, word n-grams joined by spaces."""
    t = text.lower().split()
    if len(t) < n:
        return {" ".join(t)} if t else set()
    return {" ".join(t[i : i + n]) for i in range(len(t) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity, as the generator computes it."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def load(corpus: Path) -> tuple[list[str], list[str]]:
    """Ids and texts of the corpus."""
    ids, texts = [], []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(r["text"])
    return ids, texts


def chaffless_run(
    corpus: Path, threads: int, exact: bool, shingle: str, mode: str = "union_find"
) -> tuple[float, list[dict[str, Any]]]:
    """Seconds for dedup_jsonl end to end, and the output records (without text)."""
    deduper = chaffless.MinHashDeduper(
        threshold=THRESHOLD,
        num_perm=NUM_PERM,
        ngram=5,
        bands=BANDS,
        rows=ROWS,
        exact=exact,
        num_threads=threads,
        shingle=shingle,
        mode=mode,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        start = time.perf_counter()
        chaffless.dedup_jsonl(deduper, corpus, out, progress=False)
        seconds = time.perf_counter() - start
        records = []
        with out.open(encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                del r["text"]
                records.append(r)
    return seconds, records


def datasketch_run(texts: list[str]) -> tuple[float, set[tuple[int, int]], set[tuple[int, int]]]:
    """Seconds for datasketch MinHash + LSH, its candidate pairs and the verified ones.

    Verified: the pair's MinHash estimate is at least the threshold.
    """
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, params=(BANDS, ROWS))
    pairs = set()
    sketches = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        for j in lsh.query(m):
            pairs.add((j, i))
        lsh.insert(i, m)
        sketches.append(m)
    seconds = time.perf_counter() - start
    verified = {(a, b) for a, b in pairs if sketches[a].jaccard(sketches[b]) >= THRESHOLD}
    return seconds, pairs, verified


def rensa_run(texts: list[str]) -> float:
    """Seconds for rensa RMinHash + RMinHashLSH."""
    from rensa import RMinHash, RMinHashLSH

    start = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=BANDS)
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(list(shingles(text)))
        lsh.query(m)
        lsh.insert(i, m)
    return time.perf_counter() - start


def components(n: int, pairs: set[tuple[int, int]]) -> list[int]:
    """The connected component of each document, for the graph of `pairs`."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def accuracy(
    truth: set[tuple[int, int]], reported: set[tuple[int, int]], texts: list[str]
) -> tuple[float, float]:
    """Recall of the truth pairs and precision of the reported pairs.

    A truth pair is found when its documents are in one component of the reported pairs.
    """
    cluster = components(len(texts), reported)
    recall = sum(1 for a, b in truth if cluster[a] == cluster[b]) / max(1, len(truth))
    cache: dict[int, set[str]] = {}

    def sh(i: int) -> set[str]:
        if i not in cache:
            cache[i] = shingles(texts[i])
        return cache[i]

    good = sum(1 for a, b in reported if jaccard(sh(a), sh(b)) >= THRESHOLD)
    return recall, good / max(1, len(reported))


def main() -> None:
    """Run everything and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/dedup-corpus"))
    ap.add_argument("--suffix", default="", help="corpus file suffix given to the generator")
    ap.add_argument("--peer-docs", type=int, default=0, help="pages to time peers on (0: all)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--mode", default="union_find", choices=["union_find", "star"])
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of chaffless and rensa, fastest kept (datasketch runs once: ~100 s)",
    )
    args = ap.parse_args()
    corpus = args.corpus / f"corpus{args.suffix}.jsonl"
    ids, texts = load(corpus)
    number = {d: i for i, d in enumerate(ids)}
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    truth = set()
    with (args.corpus / f"dups{args.suffix}.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["jaccard"] >= THRESHOLD:
                truth.add((number[r["a"]], number[r["b"]]))
    cores = os.cpu_count() or 1
    print(
        f"corpus: {len(texts):,} pages, {nbytes / 1e6:.1f} MB, {len(truth):,} planted pairs >= 0.8"
    )

    rows = []
    results = {}
    runs = [
        ("auto", False, 1),
        ("auto", False, 0),
        ("auto", True, 1),
        ("whitespace", False, 1),
        ("whitespace", True, 1),
    ]
    repeat = max(1, args.repeat)
    for shingle, exact, threads in runs:
        # A run takes a few seconds, so one is at the mercy of the machine: keep the fastest.
        seconds, records = min(
            (chaffless_run(corpus, threads, exact, shingle, args.mode) for _ in range(repeat)),
            key=lambda r: r[0],
        )
        results[(shingle, exact)] = records
        label = f"chaffless{' --exact' if exact else ''} ({threads or cores} thr)"
        label += " whitespace" if shingle == "whitespace" else ""
        rows.append((label, len(texts), nbytes / 1e6 / seconds, seconds))

    peer_texts = texts[: args.peer_docs] if args.peer_docs else texts
    peer_bytes = sum(len(t.encode("utf-8")) for t in peer_texts)
    ds_pairs: tuple[set[tuple[int, int]], set[tuple[int, int]]] | None = None
    if not args.skip_peers:
        seconds = min(rensa_run(peer_texts) for _ in range(repeat))
        rows.append(
            ("rensa RMinHash (1 thr)", len(peer_texts), peer_bytes / 1e6 / seconds, seconds)
        )
        seconds, raw, verified = datasketch_run(peer_texts)
        ds_pairs = (raw, verified)
        rows.append(("datasketch (1 thr)", len(peer_texts), peer_bytes / 1e6 / seconds, seconds))

    print()
    print(f"| {'run':<34} | {'pages':>8} | {'MB/s':>7} | {'s':>7} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 9}|{'-' * 9}|")
    for label, n, rate, s in rows:
        print(f"| {label:<34} | {n:>8,} | {rate:>7.1f} | {s:>7.2f} |")
    rate = {label: r for label, _, r, _ in rows}
    one = rate["chaffless (1 thr)"]
    if "rensa RMinHash (1 thr)" in rate:
        print()
        print(f"chaffless 1 thread vs rensa:      {one / rate['rensa RMinHash (1 thr)']:.1f}x")
        print(f"chaffless 1 thread vs datasketch: {one / rate['datasketch (1 thr)']:.1f}x")
    print(f"chaffless {cores} threads vs 1:       {rate[f'chaffless ({cores} thr)'] / one:.2f}x")

    print()
    print(f"| {'method':<34} | {'recall (J>=0.8)':>15} | {'precision':>9} | {'reported':>9} |")
    print(f"|{'-' * 36}|{'-' * 17}|{'-' * 11}|{'-' * 11}|")
    for (shingle, exact), records in sorted(
        results.items(), key=lambda kv: kv[0][0] != "whitespace"
    ):
        reported = {
            (number[r["id"]], number[r["duplicate_of"]])
            for r in records
            if r["duplicate_of"] is not None
        }
        recall, precision = accuracy(truth, reported, texts)
        label = f"chaffless {shingle}{' --exact' if exact else ' (estimate)'}"
        print(f"| {label:<34} | {recall:>15.4f} | {precision:>9.4f} | {len(reported):>9,} |")
    if ds_pairs is not None and len(peer_texts) == len(texts):
        for label, pairs in zip(
            ("datasketch LSH candidates", "datasketch estimate >= 0.8"), ds_pairs
        ):
            recall, precision = accuracy(truth, pairs, texts)
            print(f"| {label:<34} | {recall:>15.4f} | {precision:>9.4f} | {len(pairs):>9,} |")

    index = chaffless.MinHashDeduper(
        threshold=THRESHOLD, num_perm=NUM_PERM, bands=BANDS, rows=ROWS
    ).index(texts)
    print()
    print(f"state per document (signature + hashes + LSH index): {index.bytes_per_document:.0f} B")


if __name__ == "__main__":
    main()
