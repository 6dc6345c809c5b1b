"""Throughput of `Cleaner.clean_batch` on the dev pages, as users call it from Python.

    python3 benchmarks/clean_throughput.py [--pages PATH] [--rounds N]

Reads `../shared/data/dev/pages.jsonl` (beside the checkout) by default, or the built-in demo
pages when it is absent. Reports MB/s of input text (UTF-8 bytes) on one thread and on all
cores, best of N rounds, for the installed build (`pip install .` builds in release mode).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from importlib import resources
from pathlib import Path

import chaffless

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev" / "pages.jsonl"


def load(path: Path) -> tuple[str, list[str]]:
    """The pages to clean and where they come from."""
    if path.exists():
        with path.open(encoding="utf-8") as f:
            return str(path), [json.loads(line)["text"] for line in f if line.strip()]
    examples = resources.files("chaffless") / "examples"
    texts = [p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".txt")]
    return "built-in demo pages (x50)", texts * 50


def best_rate(cleaner: chaffless.Cleaner, texts: list[str], nbytes: int, rounds: int) -> float:
    """Best MB/s over `rounds` calls of `clean_batch`."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        cleaner.clean_batch(texts)
        best = min(best, time.perf_counter() - start)
    return nbytes / best / 1e6


def main() -> None:
    """Run the benchmark and print a small table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=Path, default=DEV)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    source, texts = load(args.pages)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    print(
        f"chaffless {chaffless.__version__}: {len(texts)} pages, {nbytes / 1e6:.2f} MB ({source})"
    )
    print(f"{'threads':>8}  {'MB/s':>8}")
    for threads in (1, 0):
        cleaner = chaffless.Cleaner(num_threads=threads)
        cleaner.clean_batch(texts[:10])  # warm-up
        rate = best_rate(cleaner, texts, nbytes, args.rounds)
        label = str(threads) if threads else f"all ({os.cpu_count()})"
        print(f"{label:>8}  {rate:8.1f}")


if __name__ == "__main__":
    main()
