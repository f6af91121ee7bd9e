"""Where the data that ships with siteselect lives, and how a shipped file is named.

The embedded data — the Västmanland GeoPackage, the shipped scenarios, enquiry
examples, grid tables and layer catalogs — is edited in the top-level
``layers/`` folder of a source checkout. Installed from a wheel, the same files
sit inside the package as ``siteselect._embedded_data`` (``pyproject.toml`` maps
that package onto ``layers/``) and are found with :mod:`importlib.resources`.

Every other module asks this one; nothing else knows where the files are.

Which copy is used
------------------
* A source checkout (``siteselect/`` beside ``pyproject.toml`` and
  ``layers/vastmanland.gpkg``, whether run with ``PYTHONPATH`` or installed
  editable) reads its own ``layers/``, so an edit there is what the next run
  sees, even when another copy of siteselect is installed in the same
  environment.
* Anywhere else the files installed with the package are read.

Shipped names
-------------
A shipped scenario, enquiry or catalog can be named by its file stem
(``logistics`` for ``scenarios/logistics.yaml``) wherever a file is expected;
a file of that name in the current folder wins. :func:`shipped` lists them.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import Literal

from siteselect.errors import LayerError, ScenarioError

__all__ = ["Kind", "data_dir", "data_file", "shipped", "shipped_or_path"]

#: The package the installed data lives in (``layers/`` in a checkout).
_PACKAGE = "siteselect._embedded_data"
#: File of the embedded data that marks a folder as the real thing.
_MARKER = "vastmanland.gpkg"

Kind = Literal["scenarios", "enquiries", "catalogs"]
_KIND_WORD = {"scenarios": "scenario", "enquiries": "enquiry", "catalogs": "catalog"}


def _checkout_layers() -> Path | None:
    """``layers/`` of the source checkout this copy of siteselect runs from, if it runs from one."""
    root = Path(__file__).resolve().parents[2]
    layers = root / "layers"
    if (root / "pyproject.toml").is_file() and (layers / _MARKER).is_file():
        return layers
    return None


def data_dir() -> Path:
    """Folder holding the embedded data.

    Returns
    -------
    Path
        The checkout's ``layers/`` folder, or the installed
        ``siteselect/_embedded_data`` folder.

    Raises
    ------
    LayerError
        The installed package carries no embedded data (a broken or partial
        install), or sits in a zip file rather than on disk.
    """
    checkout = _checkout_layers()
    if checkout is not None:
        return checkout
    # The data folder has no __init__.py, so files() may give a MultiplexedPath (a namespace
    # package); a file inside it is a plain Path when the package sits on disk.
    try:
        marker = importlib.resources.files(_PACKAGE).joinpath(_MARKER)
    except ModuleNotFoundError:
        marker = None
    if not isinstance(marker, Path) or not marker.is_file():
        raise LayerError(
            f"the embedded data ({_PACKAGE.replace('.', '/')}/{_MARKER}) is missing from this siteselect "
            "install; reinstall it from a wheel or a checkout (pip install --force-reinstall siteselect), "
            "or name your own layers with a catalog (`layers:` in the scenario)"
        )
    return marker.parent


def data_file(*parts: str) -> Path:
    """Path of one embedded file, e.g. ``data_file("grid", "grid_capacity_vastmanland.csv")``.

    The path is returned whether or not the file exists; readers report a
    missing file with their own message.
    """
    return data_dir().joinpath(*parts)


def shipped(kind: Kind) -> dict[str, Path]:
    """Shipped files of one kind by name (file stem), sorted by name.

    Parameters
    ----------
    kind
        ``"scenarios"``, ``"enquiries"`` or ``"catalogs"``.
    """
    folder = data_dir() / kind
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    return {p.stem: p for p in files}


def shipped_or_path(value: str | os.PathLike[str], kind: Kind) -> Path:
    """A file the user named, or the shipped file of that name.

    Parameters
    ----------
    value
        A path, or the name of a shipped file (``logistics``, no folder, no
        ``.yaml``).
    kind
        Which shipped files a bare name refers to.

    Returns
    -------
    Path
        ``value`` itself when it is an existing file or looks like a path
        (has a folder or a suffix; its reader reports it if missing), else the
        shipped file.

    Raises
    ------
    ScenarioError
        ``value`` is a bare name that is neither a file here nor a shipped
        name; the message lists the shipped names.
    """
    path = Path(value)
    if path.exists() or path.suffix or len(path.parts) != 1:
        return path
    names = shipped(kind)
    if path.name in names:
        return names[path.name]
    word = _KIND_WORD[kind]
    raise ScenarioError(
        f"{word} '{value}': no such file, and no shipped {word} of that name; "
        f"give a path to a YAML file, or one of: {', '.join(names) or '(none shipped)'}"
    )
