"""The exceptions chaffless raises.

Every chaffless error is a :class:`ChafflessError`; :class:`ConfigError` is also a
:class:`ValueError`. I/O failures raise the builtin :class:`OSError` subclasses
(:class:`FileNotFoundError`, :class:`PermissionError`, ...).
"""

from __future__ import annotations

from chaffless._chaffless import ChafflessError, ConfigError, InputError, SerializationError

__all__ = ["ChafflessError", "ConfigError", "InputError", "SerializationError"]
