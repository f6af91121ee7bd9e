"""The plugin object QGIS loads: adds the provider to the Processing registry."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsApplication

from .provider import SiteselectProvider


class SiteselectPlugin:
    """Registers :class:`SiteselectProvider` while the plugin is loaded."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: SiteselectProvider | None = None

    def initProcessing(self) -> None:  # noqa: N802 - QGIS's name
        self.provider = SiteselectProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS's name
        self.initProcessing()

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
