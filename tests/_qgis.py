"""Debian's PyQGIS for the tests that open outputs in real headless QGIS."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache


@cache
def system_qgis_python() -> str | None:
    """The system ``python3`` when it can import ``qgis.core`` (Debian ``python3-qgis``), else None."""
    python = shutil.which("python3", path="/usr/bin")
    if python is None:
        return None
    probe = subprocess.run([python, "-c", "import qgis.core"], check=False, capture_output=True)
    return python if probe.returncode == 0 else None
