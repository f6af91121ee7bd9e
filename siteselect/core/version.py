"""The installed package's version, read once from its metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("siteselect")
except PackageNotFoundError:  # a checkout run with PYTHONPATH and never installed
    __version__ = "0+unknown"
