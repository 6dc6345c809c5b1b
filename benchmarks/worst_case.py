"""Time per byte of hostile pages against ordinary pages: is every detector near-linear?

    python3 benchmarks/worst_case.py [--pages PATH] [--full]

Cleans, on one thread, the dev pages (`../shared/data/dev/pages.jsonl` beside the checkout, or
the built-in demo pages when absent) and each hostile page of the reliability suite, and prints
each page's time per byte as a ratio to the ordinary pages' (a ratio near 1 means the hostile
page costs what ordinary text costs per byte). Each hostile page is timed at two sizes, 4x
apart: a per-byte time that grows with size (the `growth` column, ~1 for linear cost) would be
super-linear cost. `--full` runs the suite's full sizes (a 200 MB line, 1,000,000 lines,
1,000,000 empty pages); the default is a quarter of them. Run on a release build
(`pip install .`).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import chaffless

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev" / "pages.jsonl"
WORD = "lorem ipsum dolor sit amet, consectetur adipiscing elit "
SCRIPTS = (
    "עברית שלום עולם · العربية مرحبا بالعالم · 中文新闻报道 · 日本語のニュース · 한국어 뉴스 · "
    "हिन्दी समाचार · ไทยข่าว · Ελληνικά νέα · русские новости · 😀👍🏽👨‍👩‍👧 · e\u0301\u0308\n"
)
TEASER = (
    "The harbour will stay closed until Friday, the port authority said on Monday morning.\n"
    "Ferries to the islands are cancelled until further notice, the operator said.\n"
    "The harbour will stay closed until Friday, the port authority said... Read more\n"
)

# name -> page of about `n` lines / bytes (the full size is n = 1.0).
HOSTILE: dict[str, Callable[[float], str]] = {
    "200 MB single line": lambda f: WORD * int(200e6 * f / len(WORD)),
    "1,000,000 short lines": lambda f: "".join(f"w{i % 977}\n" for i in range(int(1e6 * f))),
    "one line x 100,000": lambda f: "Subscribe to our newsletter.\n" * int(1e5 * f),
    "teaser + copy x 33,000": lambda f: TEASER * int(33_000 * f),
    "every script x 20,000": lambda f: SCRIPTS * int(20_000 * f),
    "one word per line x 1,000,000": lambda f: "word\n" * int(1e6 * f),
}


def load(path: Path) -> tuple[str, list[str]]:
    """The ordinary pages and where they come from."""
    if path.exists():
        with path.open(encoding="utf-8") as f:
            return str(path), [json.loads(line)["text"] for line in f if line.strip()]
    examples = resources.files("chaffless") / "examples"
    texts = [p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".txt")]
    return "built-in demo pages", texts


def seconds(f: Callable[[], object], rounds: int = 3) -> float:
    """Best wall time of `rounds` calls of `f`."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEV, help="ordinary pages (JSONL)")
    parser.add_argument("--full", action="store_true", help="the suite's full sizes")
    args = parser.parse_args()
    cleaner = chaffless.Cleaner(num_threads=1, max_page_bytes=1 << 40)
    source, texts = load(args.pages)
    nbytes = sum(len(t.encode()) for t in texts)
    base = seconds(lambda: [cleaner.clean(t) for t in texts]) / nbytes
    print(f"ordinary pages: {len(texts)} from {source}, {nbytes / 1e6:.2f} MB")
    print(f"  {base * 1e9:.1f} ns/byte ({1e-6 / base:.1f} MB/s on one thread)\n")
    big = 1.0 if args.full else 0.25
    print(f"{'page':32} {'MB':>8} {'ns/byte':>9} {'ratio':>6} {'growth':>7}")
    worst = ("", 0.0)
    for name, make in HOSTILE.items():
        per_byte = []
        for f in (big / 4, big):
            page = make(f)
            n = len(page.encode())
            per_byte.append((seconds(lambda p=page: cleaner.clean(p), 1) / n, n))
        (small, _), (large, n) = per_byte
        ratio = large / base
        worst = max(worst, (name, ratio), key=lambda w: w[1])
        print(f"{name:32} {n / 1e6:8.1f} {large * 1e9:9.1f} {ratio:6.2f} {large / small:7.2f}")
    n_empty = int(1e6 * big)
    empty = seconds(lambda: cleaner.clean_batch([""] * n_empty), 1) / n_empty
    per_page = base * nbytes / len(texts)
    print(
        f"\n{n_empty:,} empty pages: {empty * 1e9:.0f} ns/page ({per_page * 1e9:.0f} per dev page)"
    )
    print(f"worst per byte: {worst[0]} at {worst[1]:.2f}x an ordinary page")


if __name__ == "__main__":
    main()
