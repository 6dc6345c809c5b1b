"""Shared pytest configuration for the Python tests."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def cleaner() -> chaffless.Cleaner:
    """A cleaner with the default configuration."""
    return chaffless.Cleaner()


@pytest.fixture(scope="session")
def repeat_cleaner() -> chaffless.Cleaner:
    """The repeat detector alone: for tests of what it finds on small synthetic pages."""
    return chaffless.Cleaner(chrome={"enabled": False}, comment={"enabled": False})
