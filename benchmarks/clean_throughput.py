"""Throughput of `Cleaner.clean_batch` on the dev pages, as users call it from Python.

    python3 benchmarks/clean_throughput.py [--pages PATH] [--rounds N]

Reads `../shared/data/dev/pages.jsonl` (beside the checkout) by default, or the built-in demo
pages when it is absent. Reports MB/s of input text (UTF-8 bytes) on one thread and on all
cores, best of N rounds, for the installed build (`pip install .` builds in release mode):
cleaning alone; fitting site statistics on the pages grouped by their `site` field; and the
whole job, fit then clean by site, whose rate is bytes / (fit time + clean time).

When jusText is installed (`pip install justext lxml_html_clean`), it is timed on the same
text, in the same run, each non-blank line a paragraph of an HTML page with the English
stoplist, and the ratio of one-core `clean_batch` to it is printed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import time
from importlib import resources
from pathlib import Path
from typing import Callable

import chaffless

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev" / "pages.jsonl"


def load(path: Path) -> tuple[str, list[str], list[str | None]]:
    """The pages to clean, their sites and where they come from."""
    if path.exists():
        with path.open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        return str(path), [r["text"] for r in records], [r.get("site") for r in records]
    examples = resources.files("chaffless") / "examples"
    texts = [p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".txt")]
    return "built-in demo pages (x50)", texts * 50, ["demo"] * (len(texts) * 50)


def best_time(run: Callable[[], object], rounds: int) -> float:
    """Best wall time of `run` over `rounds` calls, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Run the benchmark and print a small table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=Path, default=DEV)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    source, texts, sites = load(args.pages)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    print(
        f"chaffless {chaffless.__version__}: {len(texts)} pages, {nbytes / 1e6:.2f} MB ({source})"
    )
    print(f"{'threads':>8}  {'clean MB/s':>10}  {'fit MB/s':>8}  {'fit + clean MB/s':>16}")
    for threads in (1, 0):
        cleaner = chaffless.Cleaner(num_threads=threads)
        cleaner.clean_batch(texts[:10])  # warm-up
        clean = best_time(lambda c=cleaner: c.clean_batch(texts), args.rounds)
        fit = best_time(lambda c=cleaner: c.fit(texts, sites=sites), args.rounds)
        fitted = cleaner.fit(texts, sites=sites)
        by_site = best_time(lambda f=fitted: f.clean_batch(texts, sites=sites), args.rounds)
        label = str(threads) if threads else f"all ({os.cpu_count()})"
        mb = nbytes / 1e6
        print(f"{label:>8}  {mb / clean:10.1f}  {mb / fit:8.1f}  {mb / (fit + by_site):16.1f}")
        if threads == 1:
            one_core = clean
    peer_justext(texts, nbytes, one_core, max(1, args.rounds // 3))


def peer_justext(texts: list[str], nbytes: int, clean: float, rounds: int) -> None:
    """Times jusText on the same text; prints the one-core speed-up of chaffless over it."""
    try:
        import justext
    except ImportError:
        print("jusText: not installed (pip install justext lxml_html_clean), no peer ratio")
        return
    pages = [
        "<html><body>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in t.split("\n") if line.strip())
        + "</body></html>"
        for t in texts
    ]
    stoplist = justext.get_stoplist("English")
    took = best_time(lambda: [justext.justext(p, stoplist) for p in pages], rounds)
    print(
        f"jusText {nbytes / 1e6 / took:.1f} MB/s on one core: "
        f"clean_batch (1 thread) is {took / clean:.1f}x faster"
    )


if __name__ == "__main__":
    main()
