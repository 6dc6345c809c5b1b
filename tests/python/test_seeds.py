"""Golden tests on the real pages of ``../shared/data`` (skipped when that folder is absent).

- ``seeds/``: each ``<id>.txt`` page has a ``<id>.labels`` file (``label<TAB>line``, one per line
  of the page). Cleaning must remove every line labelled ``repeat`` and keep every ``title`` and
  ``body`` line. Lines can repeat (a teaser is an exact copy of the lede), so kept lines are
  compared as multisets: a line appears in the output exactly as often as it is labelled
  ``title``/``body``.
- ``dev/pages.jsonl``: cleaned with the ``chaffless clean`` command and scored with
  ``../shared/tools/score.py``: token recall stays near 1 and precision beats the raw text's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import chaffless
import pytest

DATA = Path(__file__).parents[2].parent / "shared" / "data"
SEEDS = DATA / "seeds"
DEV_PAGES = DATA / "dev" / "pages.jsonl"
SCORE = DATA.parent / "tools" / "score.py"

KEEP = {"title", "body"}
MIN_MACRO_RECALL = 0.995


def _seed_pages() -> list[str]:
    return sorted(p.stem for p in SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


def _read_labels(path: Path) -> list[tuple[str, str]]:
    """(label, line) pairs of a ``.labels`` file."""
    pairs = []
    for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        label, sep, line = row.partition("\t")
        assert sep, f"{path.name}:{n}: no tab in {row!r}"
        pairs.append((label, line))
    return pairs


def _show(lines: list[str], width: int = 90) -> str:
    return "\n".join(f"  {line[:width]!r}" for line in lines)


@pytest.mark.parametrize("page", _seed_pages() or [None])
def test_seed_page(page: str | None) -> None:
    if page is None:
        pytest.skip(f"../shared/data not found: no seed pages in {SEEDS}")
    text = (SEEDS / f"{page}.txt").read_bytes().decode("utf-8")
    labels = _read_labels(SEEDS / f"{page}.labels")
    assert len(labels) == len(text.splitlines()), "the labels file must have a row per line"
    assert [line.strip() for _, line in labels] == [line.strip() for line in text.splitlines()]

    cleaned = chaffless.clean(text)
    kept = Counter(line.strip() for line in cleaned.splitlines() if line.strip())
    wanted = Counter(line.strip() for label, line in labels if label in KEEP)

    lost = [line for line, n in wanted.items() if kept[line] < n]
    doubled = [line for line, n in wanted.items() if kept[line] > n]
    repeats = [line.strip() for label, line in labels if label == "repeat"]
    left = [line for line in repeats if kept[line] != wanted[line]]
    assert not lost, f"title/body lines removed from {page}:\n{_show(lost)}"
    assert not doubled, f"title/body lines kept more than once in {page}:\n{_show(doubled)}"
    assert not left, f"repeat lines left in {page}:\n{_show(left)}"


def _score(pred: Path, out: Path) -> dict[str, Any]:
    """Runs score.py on the dev pages with ``pred`` as the predictions; the ``all`` scores."""
    proc = subprocess.run(
        [
            sys.executable,
            str(SCORE),
            "--data",
            str(DEV_PAGES),
            "--pred",
            str(pred),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    scores: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))["all"]
    return scores


def test_dev_set_scores(tmp_path: Path) -> None:
    if not DEV_PAGES.is_file() or not SCORE.is_file():
        pytest.skip(f"../shared/data not found: need {DEV_PAGES} and {SCORE}")
    # Repeats and comments alone lose (almost) no article text; chrome trades a little recall
    # for much precision (figures in the README).
    pred = tmp_path / "pred.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "chaffless", "clean", str(DEV_PAGES), "-o", str(pred)]
        + ["--no-progress", "--config", '{"chrome": {"enabled": false}}'],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    n_pages = sum(1 for line in DEV_PAGES.read_text(encoding="utf-8").splitlines() if line)
    assert f"{n_pages} records in, {n_pages} out, 0 rejected" in proc.stderr

    # The raw text is its own baseline prediction: pages.jsonl has "id" and "text".
    raw = _score(DEV_PAGES, tmp_path / "raw.json")
    cleaned = _score(pred, tmp_path / "clean.json")
    assert cleaned["missing_pred"] == 0
    assert cleaned["macro_R"] >= MIN_MACRO_RECALL, cleaned
    assert cleaned["macro_P"] > raw["macro_P"], (cleaned, raw)

    full = tmp_path / "full.jsonl"
    args = ["clean", str(DEV_PAGES), "-o", str(full), "--no-progress", "--site-field", "site"]
    proc = subprocess.run(
        [sys.executable, "-m", "chaffless", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    fitted = _score(full, tmp_path / "full.json")
    assert fitted["macro_F1"] >= 0.85, fitted
    assert fitted["macro_R"] >= 0.93, fitted
