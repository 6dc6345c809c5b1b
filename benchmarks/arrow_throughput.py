"""`Cleaner.clean_batch` on a Python list against `Cleaner.clean_arrow` on the same pages.

    python3 benchmarks/arrow_throughput.py [--pages PATH] [--repeat N] [--rounds N]

The dev pages (`../shared/data/dev/pages.jsonl` beside the checkout; the demo pages when
absent), repeated N times. Three ways to clean a text column, best of `--rounds`, in MB/s of
input text:

- list: `clean_batch(list_of_str)` — the texts are already Python strings;
- arrow: `clean_arrow(pyarrow_array)` — texts read from the Arrow buffers, Arrow out;
- arrow via list: what one does without the bridge when the column is Arrow
  (`pa.array(clean_batch(column.to_pylist()))`).

Run with the default cleaner (the bridge's cost is small beside cleaning) and with every
detector off (what is left is the cost of getting texts in and out). Needs pyarrow and a
release build (`pip install .`).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import chaffless
import pyarrow as pa

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev" / "pages.jsonl"
OFF = {"chrome": {"enabled": False}, "repeat": {"enabled": False}, "comment": {"enabled": False}}


def load(path: Path) -> tuple[str, list[str]]:
    """The pages and where they come from."""
    if path.exists():
        with path.open(encoding="utf-8") as f:
            return str(path), [json.loads(line)["text"] for line in f if line.strip()]
    examples = resources.files("chaffless") / "examples"
    texts = [p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".txt")]
    return "built-in demo pages", texts


def best(fn: Callable[[], Any], rounds: int) -> float:
    """Best wall time of `fn` over `rounds` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run the benchmark and print a table with the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=Path, default=DEV)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    source, pages = load(args.pages)
    texts = pages * args.repeat
    column = pa.array(texts, type=pa.large_string())
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    print(
        f"chaffless {chaffless.__version__}: {len(texts)} pages, {nbytes / 1e6:.1f} MB ({source})"
    )
    print(f"{'cleaner':<14} {'list':>9} {'arrow':>9} {'arrow via list':>15} {'arrow/list':>11}")
    for name, options in (("default", {}), ("detectors off", OFF)):
        cleaner = chaffless.Cleaner(**options)
        assert cleaner.clean_arrow(column).to_pylist() == cleaner.clean_batch(texts)
        t_list = best(lambda c=cleaner: c.clean_batch(texts), args.rounds)
        t_arrow = best(lambda c=cleaner: c.clean_arrow(column), args.rounds)
        t_via = best(lambda c=cleaner: pa.array(c.clean_batch(column.to_pylist())), args.rounds)
        rates = [nbytes / t / 1e6 for t in (t_list, t_arrow, t_via)]
        print(
            f"{name:<14} {rates[0]:>7.1f}MB/s {rates[1]:>7.1f}MB/s {rates[2]:>13.1f}MB/s "
            f"{t_list / t_arrow:>10.2f}x"
        )


if __name__ == "__main__":
    main()
