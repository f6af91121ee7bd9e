"""The siteselect Processing provider and where it finds the siteselect program.

QGIS runs plugins in its own Python (Debian's ``python3``), while siteselect and
its dependencies live in their own environment (a venv, conda …). The
algorithms therefore run the ``siteselect`` command-line program of that
environment as a child process, found in this order:

1. the provider setting *siteselect program* (Settings ▸ Options ▸ Processing ▸
   Providers ▸ siteselect), e.g. ``/home/anna/siteselect/.venv/bin/siteselect``;
2. the environment variable ``SITESELECT_CLI``;
3. ``siteselect`` on the ``PATH``.

Nothing of siteselect is imported into QGIS's Python, so the two environments
never clash.
"""

from __future__ import annotations

import os
import shutil

from qgis.core import QgsProcessingException, QgsProcessingProvider

SETTING_CLI = "SITESELECT_CLI"


def _config_value() -> str:
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # Processing plugin not loaded
        return ""
    value = ProcessingConfig.getSetting(SETTING_CLI)
    return str(value or "").strip()


def siteselect_program() -> str:
    """The siteselect program to run (see the module docstring).

    Raises
    ------
    QgsProcessingException
        When none is configured or found, saying how to set one.
    """
    for candidate in (_config_value(), os.environ.get("SITESELECT_CLI", "").strip()):
        if candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise QgsProcessingException(
                f"siteselect program '{candidate}' is not an executable file; set the path of the "
                "`siteselect` program of the environment where siteselect is installed "
                "(Settings > Options > Processing > Providers > siteselect).")
    found = shutil.which("siteselect")
    if found:
        return found
    raise QgsProcessingException(
        "siteselect program not found: install siteselect (pip install siteselect) and set the "
        "path of its `siteselect` program under Settings > Options > Processing > Providers > "
        "siteselect, or in the SITESELECT_CLI environment variable.")


class SiteselectProvider(QgsProcessingProvider):
    """Processing provider ``siteselect`` with the four siteselect algorithms."""

    def load(self) -> bool:
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting

            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(self.name(), SETTING_CLI, "siteselect program",
                                                "", valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        except ImportError:
            pass
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        try:
            from processing.core.ProcessingConfig import ProcessingConfig

            ProcessingConfig.removeSetting(SETTING_CLI)
        except (ImportError, KeyError):
            pass

    def loadAlgorithms(self) -> None:  # noqa: N802 - QGIS's name
        from .algorithms import AnswerEnquiry, CheckLayers, RunScenario, SuitabilitySurface

        for alg in (RunScenario(), SuitabilitySurface(), AnswerEnquiry(), CheckLayers()):
            self.addAlgorithm(alg)

    def id(self) -> str:
        return "siteselect"

    def name(self) -> str:
        return "siteselect"

    def longName(self) -> str:  # noqa: N802 - QGIS's name
        return "siteselect: site selection for industrial establishment"
