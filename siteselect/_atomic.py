"""Atomic file writing; kept for imports, the writer lives in :mod:`siteselect._output`."""

from __future__ import annotations

from ._output import atomic_write, write_text

__all__ = ["atomic_write", "write_text"]
