"""QGIS plugin entry point: registers the siteselect Processing provider."""

from __future__ import annotations

from typing import Any


def classFactory(iface: Any) -> Any:  # noqa: N802 - QGIS's plugin entry point name
    from .plugin import SiteselectPlugin

    return SiteselectPlugin(iface)
