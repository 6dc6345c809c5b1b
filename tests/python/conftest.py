"""Shared pytest configuration for the Python tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chaffless
import pytest
from hypothesis import HealthCheck, settings

# Debug builds (`maturin develop`) are slow: no per-example deadline, fixed derandomised runs so
# CI failures reproduce.
settings.register_profile(
    "chaffless",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("chaffless")

# Spark's Python workers (in the README's example too) run this interpreter, not whichever
# `python3` comes first on PATH; its JVM binds to loopback only.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# `datasets` and the Hugging Face hub stay offline: the tests build their datasets in memory.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def cleaner() -> chaffless.Cleaner:
    """A cleaner with the default configuration."""
    return chaffless.Cleaner()


@pytest.fixture(scope="session")
def repeat_cleaner() -> chaffless.Cleaner:
    """The repeat detector alone: for tests of what it finds on small synthetic pages."""
    return chaffless.Cleaner(chrome={"enabled": False}, comment={"enabled": False})


DATA = Path(__file__).parents[2].parent / "shared" / "data"
DEV_PAGES = DATA / "dev" / "pages.jsonl"
MAKE_DEDUP_CORPUS = DATA.parent / "tools" / "make_dedup_corpus.py"


@pytest.fixture(scope="session")
def dev_pages() -> list[dict[str, Any]]:
    """The dev pages (``../shared/data/dev/pages.jsonl``), or a skip when absent."""
    if not DEV_PAGES.is_file():
        pytest.skip(f"../shared/data not found: no dev pages at {DEV_PAGES}")
    with DEV_PAGES.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def dedup_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated near-duplicate corpus of 2,000 pages (JSONL with id and text)."""
    if not (DEV_PAGES.is_file() and MAKE_DEDUP_CORPUS.is_file()):
        pytest.skip(f"../shared not found: need {DEV_PAGES} and {MAKE_DEDUP_CORPUS}")
    out = tmp_path_factory.mktemp("dedup-corpus")
    subprocess.run(
        [
            sys.executable,
            str(MAKE_DEDUP_CORPUS),
            "--pages",
            str(DEV_PAGES),
            "--out-dir",
            str(out),
            "--n-docs",
            "2000",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    return out / "corpus.jsonl"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session on two cores, loopback only, no UI (skipped without pyspark)."""
    pytest.importorskip("pyspark", reason="pyspark not installed: pip install '.[test]'")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("chaffless-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
