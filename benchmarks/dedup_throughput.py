"""Near-duplicate detection: chaffless vs datasketch vs rensa, speed and accuracy, in one run.

    python3 ../shared/tools/make_dedup_corpus.py --out-dir /tmp/dedup-corpus
    python3 benchmarks/dedup_throughput.py --corpus /tmp/dedup-corpus [--peer-docs N]

All three use word 5-grams, 128 permutations and 16 bands x 8 rows, at threshold 0.8.

- chaffless: ``dedup_jsonl`` end to end (read the JSONL, sketch, cluster, write every record
  with its cluster fields), on 1 thread and on all cores; estimated-only and exact
  verification.
- datasketch: ``MinHash.update_batch`` on the generator's shingles (lower-cased whitespace
  words, 5-grams joined by spaces), then ``MinHashLSH`` insert + query.
- rensa: ``RMinHash.update`` on the same shingles, then ``RMinHashLSH``.

Peers are timed on the first ``--peer-docs`` pages (default: all; tokenising in Python is
included, as users run them). Accuracy is measured on the whole corpus against ``dups.jsonl``:
recall = planted pairs with exact Jaccard >= 0.8 that end up together (same chaffless cluster;
a datasketch LSH candidate pair), precision = reported pairs (chaffless: each duplicate with its
representative; datasketch: candidate pairs) whose Jaccard, computed exactly as the generator
does, is >= 0.8.
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


def datasketch_run(texts: list[str]) -> tuple[float, set[tuple[int, int]]]:
    """Seconds for datasketch MinHash + LSH, and its candidate pairs."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, params=(BANDS, ROWS))
    pairs = set()
    for i, text in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        for j in lsh.query(m):
            pairs.add((j, i))
        lsh.insert(i, m)
    return time.perf_counter() - start, pairs


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


def accuracy(
    truth: set[tuple[int, int]], reported: set[tuple[int, int]], together, texts: list[str]
) -> tuple[float, float]:
    """Recall of the truth pairs and precision of the reported pairs."""
    recall = sum(1 for a, b in truth if together(a, b)) / max(1, len(truth))
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
        "--shingle",
        default="auto",
        choices=["auto", "word", "char", "whitespace"],
        help="chaffless shingles: auto (the engine's folded words, the default) or whitespace "
        "(text.lower().split(), the generator's and the peers' tokens)",
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
    for exact in (False, True):
        for threads in (1, 0):
            seconds, records = chaffless_run(corpus, threads, exact, args.shingle, args.mode)
            results[exact] = records
            label = f"chaffless{' --exact' if exact else ''} ({threads or cores} thr)"
            label += f" {args.shingle}" if args.shingle != "auto" else ""
            rows.append((label, len(texts), nbytes / 1e6 / seconds, seconds))

    peer_texts = texts[: args.peer_docs] if args.peer_docs else texts
    peer_bytes = sum(len(t.encode("utf-8")) for t in peer_texts)
    ds_pairs: set[tuple[int, int]] | None = None
    if not args.skip_peers:
        seconds = rensa_run(peer_texts)
        rows.append(
            ("rensa RMinHash (1 thr)", len(peer_texts), peer_bytes / 1e6 / seconds, seconds)
        )
        seconds, ds_pairs = datasketch_run(peer_texts)
        rows.append(("datasketch (1 thr)", len(peer_texts), peer_bytes / 1e6 / seconds, seconds))

    print()
    print(f"| {'run':<32} | {'pages':>8} | {'MB/s':>7} | {'s':>7} |")
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 9}|{'-' * 9}|")
    for label, n, rate, s in rows:
        print(f"| {label:<32} | {n:>8,} | {rate:>7.1f} | {s:>7.2f} |")
    rate = {label: r for label, _, r, _ in rows}
    suffix = f" {args.shingle}" if args.shingle != "auto" else ""
    one = rate[f"chaffless (1 thr){suffix}"]
    if "rensa RMinHash (1 thr)" in rate:
        print()
        print(f"chaffless 1 thread vs rensa:      {one / rate['rensa RMinHash (1 thr)']:.1f}x")
        print(f"chaffless 1 thread vs datasketch: {one / rate['datasketch (1 thr)']:.1f}x")
        scaling = rate[f"chaffless ({cores} thr){suffix}"] / one
        print(f"chaffless {cores} threads vs 1:       {scaling:.2f}x")

    print()
    print(f"| {'method':<32} | {'recall (J>=0.8)':>15} | {'precision':>9} | {'reported':>9} |")
    print(f"|{'-' * 34}|{'-' * 17}|{'-' * 11}|{'-' * 11}|")
    for exact, records in results.items():
        cluster = [r["cluster"] for r in records]
        reported = {
            (number[r["id"]], number[r["duplicate_of"]])
            for r in records
            if r["duplicate_of"] is not None
        }
        recall, precision = accuracy(truth, reported, lambda a, b, c=cluster: c[a] == c[b], texts)
        label = f"chaffless{' --exact' if exact else ' (estimate)'}"
        print(f"| {label:<32} | {recall:>15.4f} | {precision:>9.4f} | {len(reported):>9,} |")
    if ds_pairs is not None and len(peer_texts) == len(texts):
        recall, precision = accuracy(truth, ds_pairs, lambda a, b: (a, b) in ds_pairs, texts)
        label = "datasketch LSH candidates"
        print(f"| {label:<32} | {recall:>15.4f} | {precision:>9.4f} | {len(ds_pairs):>9,} |")

    index = chaffless.MinHashDeduper(
        threshold=THRESHOLD, num_perm=NUM_PERM, bands=BANDS, rows=ROWS
    ).index(texts)
    print()
    print(f"state per document (signature + hashes + LSH index): {index.bytes_per_document:.0f} B")


if __name__ == "__main__":
    main()
