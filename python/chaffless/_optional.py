"""Optional dependencies of the integrations, imported only when an integration is used."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependencyError(ImportError):
    """An integration was used without the package it needs; the message names the extra.

    Example: ``chaffless.spark needs pyspark: pip install 'chaffless[spark]'``.
    """


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Imports ``module`` or raises :class:`MissingDependencyError` naming ``extra``.

    Args:
        module: The module to import, e.g. ``"pyspark.sql"``.
        extra: The chaffless extra that installs it, e.g. ``"spark"``.
        feature: What needs it, for the message, e.g. ``"chaffless.spark"``.

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: When the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} needs {top}: pip install 'chaffless[{extra}]'"
        ) from e


def progress_bar(total: int, desc: str, enabled: bool | None) -> object | None:
    """A ``tqdm.auto`` bar (a widget in notebooks, text elsewhere), or None.

    Args:
        total: The number of items.
        desc: The label of the bar.
        enabled: True to require a bar (tqdm must be installed), False for none, None for a
            bar when tqdm is installed.

    Returns:
        The bar (call ``update(n)`` and ``close()``), or None.

    Raises:
        MissingDependencyError: When ``enabled`` is True and tqdm is not installed.
    """
    if enabled is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as e:
        if enabled:
            raise MissingDependencyError(
                "progress bars need tqdm: pip install tqdm (or pass progress=False)"
            ) from e
        return None
    return tqdm(total=total, desc=desc, unit="docs")
