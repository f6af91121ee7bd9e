"""Reading and writing scenarios: :func:`load_scenario`, :func:`scenario_from_dict`, :func:`save_scenario`."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from siteselect.core.output import write_text
from siteselect.core.safe_read import check_input_file, load_yaml
from siteselect.core.version import __version__
from siteselect.errors import ScenarioError
from siteselect.scenario.messages import problem_lines, problem_message
from siteselect.scenario.models import Scenario

__all__ = ["load_scenario", "save_scenario", "scenario_from_dict", "scenario_yaml_text"]


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario YAML file.

    Relative file paths in it (``layers``, ``grid.capacity_csv``,
    ``grid.projects_csv``) are taken relative to the file's folder and made
    absolute.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The file cannot be read, is not YAML, or has invalid, missing or
        unknown keys; all problems are listed, and the message names the file.
    """
    p = Path(path)
    data = load_yaml(p, what="scenario", error=ScenarioError)
    scenario = scenario_from_dict(_paths_from(data, p.resolve().parent), source=str(p))
    if scenario.grid is not None:  # refuse a FIFO or device now, not after minutes of analysis
        for key in ("capacity_csv", "projects_csv"):
            table = getattr(scenario.grid, key)
            if table is not None and table.exists():  # a missing table is reported where it is read
                check_input_file(table, what=f"scenario {p}: grid.{key}", error=ScenarioError)
    return scenario


def _paths_from(data: Any, folder: Path) -> Any:
    """Make the file paths a scenario names (``layers``, ``grid.capacity_csv``,
    ``grid.projects_csv``) absolute, taking relative ones from ``folder``, so a
    scenario saved beside its results still points at the same files."""
    if not isinstance(data, dict):
        return data

    def absolute(value: Any) -> Any:
        if isinstance(value, str) and value and not Path(value).is_absolute():
            return str((folder / value).resolve())
        return value

    out = dict(data)
    if "layers" in out:
        out["layers"] = absolute(out["layers"])
    if isinstance(out.get("grid"), dict):
        grid = dict(out["grid"])
        for key in ("capacity_csv", "projects_csv"):
            if key in grid:
                grid[key] = absolute(grid[key])
        out["grid"] = grid
    return out


def scenario_from_dict(data: Any, *, source: str = "<dict>") -> Scenario:
    """Validate a plain dict (as read from YAML) into a :class:`Scenario`.

    Parameters
    ----------
    data
        The parsed YAML document.
    source
        Name used in error messages (the file path).

    Raises
    ------
    ScenarioError
        Listing every problem found, one per line, each with its YAML path.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            f"scenario {source}: (top level): found {type(data).__name__}; "
            "allowed: a mapping with keys name, site, factors, weights, …"
        )
    # a scenario written by save_scenario carries a provenance block: it
    # records a past run and is not part of the settings
    data = {k: v for k, v in data.items() if k != "provenance"}
    if data.get("region") is None and data.get("layers") is None:
        data["region"] = "vastmanland"  # neither given: the embedded layers
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problem_message(source, problem_lines(exc, data))) from None


def scenario_yaml_text(scenario: Scenario, *, provenance: Mapping[str, Any]) -> str:
    """The scenario as YAML text with a ``provenance:`` block (version, time, and ``provenance``)."""
    prov = {"siteselect_version": __version__, "written_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    prov.update(dict(provenance))
    doc = scenario.to_yaml_dict()
    doc["provenance"] = prov
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def save_scenario(
    scenario: Scenario,
    path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any],
) -> Path:
    """Write the scenario used, plus a ``provenance:`` block, atomically.

    The ``provenance`` block gets ``siteselect_version`` and ``written_utc``
    added unless given. The file is written through
    :func:`siteselect.core.output.write_text` (a temporary file renamed into
    place), with the mode a plain ``open()`` gives.

    Parameters
    ----------
    scenario
        The scenario that was run.
    path
        Target YAML file.
    provenance
        Data sources and anything else worth recording (YAML-safe values).

    Returns
    -------
    Path
        The written file.
    """
    return write_text(Path(path), scenario_yaml_text(scenario, provenance=provenance))
