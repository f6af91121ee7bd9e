"""Scenario files: the YAML that says what to exclude, what to score and how.

A scenario is read from YAML (:func:`load_scenario`) or a plain dict
(:func:`scenario_from_dict`) into a validated, immutable :class:`Scenario`.
Validation collects *every* problem in the file and raises one
:class:`~siteselect.errors.ScenarioError` listing them, each naming its YAML
path (``factors.port_minutes.fuzzy.shape``), what was found and what is
allowed. Unknown keys are errors, never ignored.

The format is described in ``notes/contracts.md``; in short::

    name: electricity-intensive
    region: vastmanland          # or  layers: path/to/catalog.yaml
    crs: auto                    # optional working CRS (default the catalog's, else EPSG:3006)
    site: {min_area_ha: 20}
    constraints:
      - {id: housing_300m, layer: urban_areas, mode: within, distance_m: 300}
    factors:
      port_minutes: {measure: port_minutes, nodata: 0,
                     fuzzy: {shape: linear, direction: decreasing, points: [10, 90]}}
    weights: {method: direct, values: {port_minutes: 1}}
    aggregation: {method: wlc}

A used scenario is written back beside every output with
:func:`save_scenario`, which adds a ``provenance:`` block.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from siteselect.core.roles import OWNERS, PLAN_STATUSES, ROLES, SITE_TYPES
from siteselect.core.safe_read import check_input_file, load_yaml
from siteselect.errors import ScenarioError

__all__ = [
    "AHPSpec",
    "AggregationSpec",
    "Constraint",
    "FactorSpec",
    "EngineSpec",
    "FuzzySpec",
    "GridSpec",
    "LimitsSpec",
    "InsideConstraint",
    "MEASURES",
    "MinAreaConstraint",
    "MinVoltageWithinConstraint",
    "OutputSpec",
    "Scenario",
    "SensitivitySpec",
    "SiteSpec",
    "WeightsSpec",
    "WhereConstraint",
    "WithinConstraint",
    "load_scenario",
    "save_scenario",
    "scenario_from_dict",
]

#: Measure name -> (kind, allowed parameters). ``kind`` is "numeric" (takes
#: ``fuzzy``) or "class" (takes ``classes``).
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "substation_km": ("numeric", ("min_voltage_kv",)),
    "industrial_km": ("numeric", ()),
    "port_minutes": ("numeric", ()),
    "motorway_minutes": ("numeric", ()),
    "rail_minutes": ("numeric", ("station_kinds",)),
    "airport_minutes": ("numeric", ()),
    "substation_minutes": ("numeric", ("min_voltage_kv",)),
    "population_within": ("numeric", ("minutes",)),
    "area_ha": ("numeric", ()),
    "plan_status": ("class", ()),
    "site_type": ("class", ()),
    "owner": ("class", ()),
    "mifo_class": ("class", ()),
}

#: Measure parameters that must be given.
_REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {"population_within": ("minutes",)}

#: Class values a class measure can take (keys of ``classes``).
CLASS_VALUES: dict[str, tuple[str, ...]] = {
    "plan_status": PLAN_STATUSES,
    "site_type": SITE_TYPES,
    "owner": OWNERS,
    "mifo_class": ("1", "2", "3", "4"),
}

_PARAM_NAMES = ("min_voltage_kv", "station_kinds", "minutes")
_REGIONS = ("vastmanland",)
_ID_RE = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
_NAME_RE = r"^[a-z0-9-]+$"

FuzzyShape = Literal["linear", "sigmoid", "jshaped", "piecewise"]
FuzzyDirection = Literal["increasing", "decreasing", "symmetric"]
Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in"]


def _fraction(value: Any) -> Any:
    """Turn YAML fraction strings such as ``"1/3"`` into floats."""
    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*/\s*([0-9]*\.?[0-9]+)", text)
        if m:
            den = float(m.group(2))
            if den == 0:
                raise ValueError(f"fraction {value!r} divides by zero")
            return float(m.group(1)) / den
        try:
            return float(text)
        except ValueError:
            return value
    return value


Number = Annotated[float, BeforeValidator(_fraction)]


#: Most control points of a ``piecewise`` fuzzy curve (the raster kernel's
#: ``siteselect.raster.kernels.MAX_BREAKS``).
MAX_PIECEWISE_POINTS = 16
#: Largest absolute fuzzy control point (any factor unit: minutes, km, ha, people).
MAX_FUZZY_POINT = 1e9
#: Largest direct weight (weights are relative; they are normalised to sum 1).
MAX_WEIGHT = 1e6
#: Largest buffer distance of a ``within`` constraint, metres.
MAX_DISTANCE_M = 100_000.0
#: Most Monte-Carlo runs (memory grows with runs × sites × factors).
MAX_SENSITIVITY_RUNS = 10_000


class _Model(BaseModel):
    # every number a user gives must be finite: .inf / .nan are refused
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- factors


class FuzzySpec(_Model):
    """Fuzzy standardisation of a numeric factor to 0–1.

    ``points`` are control points in the factor's own units: 2 values
    (a, b) for increasing/decreasing, 4 values (a, b, c, d) for symmetric
    (rising a→b, 1 between b and c, falling c→d); for ``shape: piecewise`` a
    list of ``[x, y]`` pairs with strictly increasing x and y in [0, 1]
    (``direction`` is then not used).
    """

    shape: FuzzyShape
    direction: FuzzyDirection | None = None
    points: list[Number] | list[list[Number]]

    @field_validator("points", mode="before")
    @classmethod
    def _points_finite(cls, value: Any) -> Any:
        """One clear message for a non-finite point (instead of one per union member)."""
        if not isinstance(value, list):
            return value
        items = [(f"[{i}]", v) for i, v in enumerate(value) if not isinstance(v, list)]
        items += [(f"[{i}][{j}]", w) for i, v in enumerate(value) if isinstance(v, list) for j, w in enumerate(v)]
        for where, v in items:
            if isinstance(v, bool):
                continue
            try:
                num = _fraction(v)
            except ValueError as exc:
                raise ValueError(f"found {v!r} (item {where}); {exc}") from exc
            try:
                x = float(num)
            except (TypeError, ValueError):
                continue  # not a number: the type check reports it
            if not math.isfinite(x):
                raise ValueError(f"found {v!r} (item {where}); allowed: finite numbers")
        return value


class FactorSpec(_Model):
    """One factor: a measure plus how it is standardised.

    Numeric measures take ``fuzzy``; class measures take ``classes`` and an
    optional ``default`` for values not listed. ``nodata`` is the standardised
    value given to missing raw values (NaN, e.g. unreachable; NULL for
    classes): a number in [0, 1] or ``"exclude"`` (the site is excluded).
    Without ``nodata`` a missing value is an error, never a silent guess.
    """

    measure: str
    min_voltage_kv: float | None = Field(default=None, gt=0, le=1000)
    station_kinds: list[Literal["passenger", "freight", "combi"]] | None = None
    minutes: float | None = Field(default=None, gt=0, le=600)
    fuzzy: FuzzySpec | None = None
    classes: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    default: float | None = Field(default=None, ge=0, le=1)
    nodata: Annotated[float, Field(ge=0, le=1)] | Literal["exclude"] | None = None

    @field_validator("classes", mode="before")
    @classmethod
    def _class_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {_class_key(k): v for k, v in value.items()}
        return value

    @property
    def kind(self) -> str:
        """``"numeric"`` or ``"class"``."""
        return MEASURES[self.measure][0]

    @property
    def params(self) -> dict[str, Any]:
        """Measure parameters that were given (for ``measures.py``)."""
        return {p: getattr(self, p) for p in _PARAM_NAMES if getattr(self, p) is not None}


def _class_key(value: Any) -> str:
    """Canonical text of a class value: integral numbers lose their ``.0``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- constraints


class _ConstraintBase(_Model):
    id: str
    reason: str | None = None

    @field_validator("id")
    @classmethod
    def _id_ok(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(
                f"found {value!r}; allowed: lower-case letters, digits, '_' and '-'"
            )
        return value

    @property
    def label(self) -> str:
        """Text that starts this constraint's exclusion reasons."""
        return self.reason or self.id


def _role_ok(value: str) -> str:
    if value not in ROLES:
        raise ValueError(f"found {value!r}; allowed layer roles: {', '.join(sorted(ROLES))}")
    return value


Role = Annotated[str, BeforeValidator(lambda v: v if not isinstance(v, str) else _role_ok(v))]


class InsideConstraint(_ConstraintBase):
    """Exclude the part of a site that overlaps the layer's polygons."""

    mode: Literal["inside"]
    layer: Role
    exclude: Literal["usable_area", "any_overlap"] = "usable_area"


class WithinConstraint(_ConstraintBase):
    """Exclude the part of a site within ``distance_m`` of the layer's features."""

    mode: Literal["within"]
    layer: Role
    distance_m: float = Field(gt=0, le=MAX_DISTANCE_M)
    exclude: Literal["usable_area", "any_overlap"] = "usable_area"


class WhereConstraint(_ConstraintBase):
    """Exclude candidates whose ``field`` satisfies ``op value``.

    ``on_null`` says what happens to a NULL field value: ``keep`` (the rule
    is not met) or ``exclude``.
    """

    mode: Literal["where"]
    layer: Literal["candidates"] = "candidates"
    field: str
    op: Op
    value: Union[str, float, bool, list[Union[str, float, bool]]]
    on_null: Literal["keep", "exclude"] = "keep"


class MinAreaConstraint(_ConstraintBase):
    """Exclude candidates whose usable area is below ``min_area_ha``."""

    mode: Literal["min_area"]
    layer: Literal["candidates"] = "candidates"
    min_area_ha: float = Field(gt=0)


class MinVoltageWithinConstraint(_ConstraintBase):
    """Exclude sites with no substation of ≥ ``min_voltage_kv`` within ``distance_km``."""

    mode: Literal["min_voltage_within"]
    layer: Literal["substations"] = "substations"
    min_voltage_kv: float = Field(gt=0, le=1000)
    distance_km: float = Field(gt=0, le=1000)


Constraint = Annotated[
    Union[
        InsideConstraint,
        WithinConstraint,
        WhereConstraint,
        MinAreaConstraint,
        MinVoltageWithinConstraint,
    ],
    Field(discriminator="mode"),
]

_CONSTRAINT_MODES = ("inside", "within", "where", "min_area", "min_voltage_within")


# --------------------------------------------------------------------------- weights etc.


class AHPSpec(_Model):
    """AHP pairwise matrix: ``matrix[i][j]`` = importance of ``order[i]`` over ``order[j]``."""

    order: list[str]
    matrix: list[list[Number]]


class WeightsSpec(_Model):
    """Direct weights (``values``, normalised to sum 1) or an AHP matrix."""

    method: Literal["direct", "ahp"] = "direct"
    values: dict[str, Annotated[float, Field(gt=0)]] | None = None
    ahp: AHPSpec | None = None
    allow_inconsistent: bool = False


class AggregationSpec(_Model):
    """``wlc`` (weighted linear combination) or ``owa`` with ``order_weights``."""

    method: Literal["wlc", "owa"] = "wlc"
    order_weights: list[Annotated[float, Field(ge=0)]] | None = None


class SensitivitySpec(_Model):
    """Monte-Carlo settings for :mod:`siteselect.analysis.sensitivity`."""

    runs: int = Field(default=1000, ge=1, le=MAX_SENSITIVITY_RUNS)
    top_k: int = Field(default=5, ge=1, le=10_000)
    concentration: float = Field(default=50.0, gt=0, le=1e6)
    fuzzy_jitter: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = Field(default=42, ge=0)


class OutputSpec(_Model):
    """Output options."""

    sheets_top_n: int = Field(default=5, ge=0, le=1000)


class GridSpec(_Model):
    """Grid capacity the establishment needs (see :mod:`siteselect.analysis.capacity`).

    A site is judged against what its best substation in reach can offer by
    ``ready_by``. Unknown capacity is scored by the stated ``unknown``
    assumption (``assume_available`` = 1, ``assume_unavailable`` = 0 and
    excluded, or a number in [0, 1]); the grid becomes one more factor with
    ``weight``, the scenario's own weights being scaled by ``1 − weight``.
    """

    power_mw: float = Field(gt=0, le=100_000)
    ready_by: int = Field(ge=2000, le=2100)
    unknown: Literal["assume_available", "assume_unavailable"] | Annotated[float, Field(ge=0, le=1)] = (
        "assume_available"
    )
    weight: float = Field(default=0.25, ge=0, lt=1)
    max_distance_km: float = Field(default=15.0, gt=0, le=1000)
    min_voltage_kv: float | None = Field(default=None, gt=0, le=1000)
    capacity_csv: Path | None = None
    projects_csv: Path | None = None
    count_conditional: bool = Field(default=False, description="Count conditional (curtailable) MW "
                                    "towards power_mw; default: firm MW only, the conditional part is shown.")


class LimitsSpec(_Model):
    """Hard limits on measured reach: a site beyond any of them is excluded with the reason."""

    max_port_minutes: float | None = Field(default=None, gt=0)
    max_motorway_minutes: float | None = Field(default=None, gt=0)
    max_rail_minutes: float | None = Field(default=None, gt=0)
    rail_station_kinds: list[Literal["passenger", "freight", "combi"]] | None = None
    min_workers_45min: float | None = Field(default=None, gt=0)


class EngineSpec(_Model):
    """Where raster mode runs: ``local`` (in memory, numba) or ``dask`` (chunked, out of core).

    ``scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``);
    without it a LocalCluster with ``workers`` processes is started on this machine.
    ``chunk_size`` is the chunk edge in cells. Vector mode (``siteselect run``) is
    always local.
    """

    kind: Literal["local", "dask"] = Field(default="local", description="`local` (in memory) or `dask`.")
    scheduler: str | None = Field(default=None, description="Address of a running Dask scheduler, "
                                  "e.g. tcp://10.0.0.5:8786; without it a LocalCluster is started.")
    chunk_size: int = Field(default=2048, ge=64, le=65_536, description="Chunk edge in cells (dask).")
    workers: int | None = Field(default=None, ge=1, le=1024, description="Worker processes of the LocalCluster "
                                "(default: one per core).")


class VehicleSpec(_Model):
    """The vehicle of the freight measures (``motorway_minutes``, ``port_minutes``, ``rail_minutes``).

    ``hgv`` (a heavy lorry) caps speeds at 80 km/h, 90 km/h on motorväg and
    motortrafikled (trafikförordningen 4 kap. 20 §), and leaves out roads closed
    to lorries or whose bärighetsklass (BK1 64 t, BK2 51.4 t, BK3 37.5 t, BK4
    74 t) carries less than ``gross_weight_t``; a road without a BK class is
    assumed open (see :mod:`siteselect.core.vehicles`). Commute reach
    (``population_within``) is always by car. Write ``vehicle: hgv`` for the
    defaults.
    """

    profile: Literal["car", "hgv"] = Field(default="car", description="`car` or `hgv` (heavy lorry).")
    gross_weight_t: float | None = Field(default=None, gt=0, description="The lorry's gross weight, "
                                         "tonnes (hgv; default 64: BK1 and BK4 roads).")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"profile": value} if isinstance(value, str) else value


class SiteSpec(_Model):
    """What the establishment needs of a site."""

    min_area_ha: float = Field(gt=0)


class Scenario(_Model):
    """A validated scenario. Build with :func:`load_scenario` or :func:`scenario_from_dict`."""

    name: str = Field(pattern=_NAME_RE)
    description: str = ""
    region: Literal["vastmanland"] | None = None
    """Embedded layer set; set automatically when neither region nor layers is given."""
    layers: Path | None = None
    """Path of a layer catalog file (read by the catalog module), instead of ``region``."""
    crs: str | None = Field(default=None, description="The region's working CRS, in which every "
                            "length, area and buffer is measured: a projected CRS (EPSG code) or "
                            "`auto` (the WGS 84 / UTM zone of the data's centre). Overrides the "
                            "catalog's `crs`; default the catalog's, else EPSG:3006 (SWEREF 99 TM).")
    site: SiteSpec
    constraints: list[Constraint] = Field(default_factory=list)
    factors: dict[str, FactorSpec]
    weights: WeightsSpec
    aggregation: AggregationSpec = Field(default_factory=AggregationSpec)
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)
    output: OutputSpec = Field(default_factory=OutputSpec)
    grid: GridSpec | None = None
    limits: LimitsSpec | None = None
    readiness: dict[str, Any] | None = None
    engine: EngineSpec | None = None
    vehicle: VehicleSpec | None = None

    @field_validator("crs", mode="before")
    @classmethod
    def _crs_ok(cls, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"EPSG:{value}"
        if not isinstance(value, str):
            raise ValueError(f"expected an EPSG code such as EPSG:32635 or `auto`, got {value!r}")
        if value.strip().lower() != "auto":
            from siteselect.core.crs import resolve_work_crs

            resolve_work_crs(value, where="working CRS")  # raises CRSError, a ValueError
        return value.strip()

    @field_validator("readiness")
    @classmethod
    def _readiness_ok(cls, value: Any) -> Any:
        if value is not None:
            from siteselect.analysis.readiness import validate_class_map

            validate_class_map(value)  # raises ScenarioError, a ValueError
        return value

    @property
    def factor_names(self) -> list[str]:
        """Factor names in file order."""
        return list(self.factors)

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain dict (YAML/JSON-safe) that :func:`scenario_from_dict` reads back equal."""
        data = self.model_dump(mode="json", exclude_none=True)
        if self.layers is not None:
            data["layers"] = str(self.layers)
        return data


# --------------------------------------------------------------------------- loading


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
    problems: list[str] = []
    scenario: Scenario | None = None
    # a scenario written by save_scenario carries a provenance block: it
    # records a past run and is not part of the settings
    data = {k: v for k, v in data.items() if k != "provenance"}
    if data.get("region") is None and data.get("layers") is None:
        data["region"] = "vastmanland"  # neither given: the embedded layers
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems.extend(_format_pydantic(exc))
    for prob in _semantic_problems(data):
        if prob not in problems:
            problems.append(prob)
    if problems or scenario is None:
        raise ScenarioError(_problem_message(source, problems))
    return scenario


def _problem_message(source: str, problems: Sequence[str]) -> str:
    n = len(problems)
    if n == 1:
        return f"scenario {source}: {problems[0]}"
    head = f"scenario {source}: {n} problem{'s' if n != 1 else ''}"
    return "\n".join([head] + [f"  - {p}" for p in problems])


_UNION_LABELS = ("float", "str", "bool", "int", "constrained-float")


def _is_union_label(item: Any) -> bool:
    return isinstance(item, str) and ("[" in item or item in _UNION_LABELS)


def _path_text(loc: Sequence[Any]) -> str:
    parts: list[str] = []
    prev: Any = None
    for _i, item in enumerate(loc):
        # drop the discriminator tag pydantic inserts after a constraint index
        if isinstance(item, str) and item in _CONSTRAINT_MODES and isinstance(prev, int) and loc[0] == "constraints":
            prev = item
            continue
        if _is_union_label(item):  # union member labels such as "list[float]"
            prev = item
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
        prev = item
    return "".join(parts) or "(top level)"


#: What a field that accepts several kinds of value allows (for union errors).
_UNION_ALLOWED = {
    "nodata": "a number in [0, 1] or 'exclude'",
    "value": "text, a number, true/false, or a list of these",
    "points": "a list of numbers, or of [x, y] pairs for shape piecewise",
}


def _allowed_keys(loc: Sequence[Any]) -> list[str] | None:
    """Field names of the model a loc path points into (for 'unknown key' messages)."""
    by_mode: dict[str, type[BaseModel]] = {
        "inside": InsideConstraint,
        "within": WithinConstraint,
        "where": WhereConstraint,
        "min_area": MinAreaConstraint,
        "min_voltage_within": MinVoltageWithinConstraint,
    }
    model: Any = Scenario
    skip_key = False
    for item in loc:
        if isinstance(item, int):
            continue
        if skip_key:  # a user-chosen mapping key such as a factor name
            skip_key = False
            continue
        if isinstance(item, str) and item in by_mode and model is None:
            model = by_mode[item]
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or item not in fields:
            return None
        ann = fields[item].annotation
        skip_key = getattr(ann, "__origin__", None) is dict
        model = _inner_model(ann) if item != "constraints" else None
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else None


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _format_pydantic(exc: ValidationError) -> list[str]:
    out: list[str] = []
    union_paths: set[str] = set()
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        path = _path_text(loc)
        etype = err["type"]
        found = err.get("input")
        if etype == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            msg = f"{path}: unknown key {loc[-1]!r}"
            if allowed:
                msg += f"; allowed keys: {', '.join(allowed)}"
            out.append(msg)
            continue
        if etype == "missing":
            out.append(f"{path}: required key is missing")
            continue
        if etype == "union_tag_invalid":
            ctx = err.get("ctx", {})
            out.append(f"{path}.mode: found {ctx.get('tag')!r}; allowed: {', '.join(_CONSTRAINT_MODES)}")
            continue
        if etype == "union_tag_not_found":
            out.append(f"{path}.mode: required key is missing; allowed: {', '.join(_CONSTRAINT_MODES)}")
            continue
        text = err["msg"]
        if text.startswith("Value error, "):
            text = text[len("Value error, "):]
            if text.startswith("found "):
                out.append(f"{path}: {text}")
                continue
        if any(_is_union_label(item) for item in loc):
            # a value that fits none of several kinds: one message per path
            if path in union_paths:
                continue
            union_paths.add(path)
            key = next((str(item) for item in reversed(loc) if isinstance(item, str) and not _is_union_label(item)), "")
            if key in _UNION_ALLOWED:
                out.append(f"{path}: found {_short(found)}; allowed: {_UNION_ALLOWED[key]}")
                continue
        if text.startswith("Input should be "):  # pydantic's range and type wording
            text = "allowed: " + text[len("Input should be "):]
        out.append(f"{path}: found {_short(found)}; {text[0].lower() + text[1:]}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------- semantic checks


def _semantic_problems(data: Mapping[str, Any]) -> list[str]:
    """Cross-field and cross-reference checks on the raw document.

    Runs even when the structural validation failed so that every problem is
    reported together; it only inspects values of the right type (the
    structural validation reports the others).
    """
    probs: list[str] = []
    if data.get("region") is not None and data.get("layers") is not None:
        probs.append("layers: found both 'region' and 'layers'; allowed: one of them")
    factors = data.get("factors")
    names: list[str] = []
    if isinstance(factors, Mapping):
        names = [str(k) for k in factors]
        if not factors:
            probs.append("factors: found an empty mapping; allowed: at least one factor")
        for name, spec in factors.items():
            if isinstance(spec, Mapping):
                probs.extend(_factor_problems(f"factors.{name}", spec))
    elif factors is not None:
        pass  # reported by pydantic

    weights = data.get("weights")
    if isinstance(weights, Mapping) and names:
        method = weights.get("method", "direct")
        if method == "direct":
            values = weights.get("values")
            if values is None:
                probs.append("weights.values: required for method 'direct'; give one weight per factor")
            elif isinstance(values, Mapping):
                probs.extend(_name_set_problems("weights.values", list(values), names))
                big = [str(k) for k, v in values.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > MAX_WEIGHT]
                if big:
                    probs.append(f"weights.values: found weights above {MAX_WEIGHT:g} for {', '.join(big)}; allowed: "
                                 f"positive numbers up to {MAX_WEIGHT:g} (weights are relative, e.g. 1, 2, 3)")
            if weights.get("ahp") is not None:
                probs.append("weights.ahp: found an AHP matrix with method 'direct'; allowed: set method: ahp or remove it")
        elif method == "ahp":
            ahp = weights.get("ahp")
            if ahp is None:
                probs.append("weights.ahp: required for method 'ahp'; give order and matrix")
            elif isinstance(ahp, Mapping):
                order = ahp.get("order")
                if isinstance(order, list):
                    probs.extend(_name_set_problems("weights.ahp.order", [str(o) for o in order], names))
                    matrix = ahp.get("matrix")
                    if isinstance(matrix, list):
                        n = len(order)
                        if len(matrix) != n or any(not isinstance(r, list) or len(r) != n for r in matrix):
                            shape = f"{len(matrix)} rows of lengths {[len(r) if isinstance(r, list) else '?' for r in matrix]}"
                            probs.append(f"weights.ahp.matrix: found {shape}; allowed: {n} × {n} (one row and column per entry of order)")
                        else:
                            probs.extend(_ahp_matrix_problems(matrix, [str(o) for o in order]))
            if weights.get("values") is not None:
                probs.append("weights.values: found direct weights with method 'ahp'; allowed: set method: direct or remove them")

    agg = data.get("aggregation")
    if isinstance(agg, Mapping) and names:
        ow = agg.get("order_weights")
        if agg.get("method") == "owa":
            if ow is None:
                probs.append("aggregation.order_weights: required for method 'owa'")
            elif isinstance(ow, list):
                if len(ow) != len(names):
                    probs.append(
                        f"aggregation.order_weights: found {len(ow)} values; allowed: {len(names)} (one per factor)"
                    )
                nums = [v for v in ow if isinstance(v, (int, float))]
                if len(nums) == len(ow) and not math.isclose(sum(nums), 1.0, abs_tol=1e-6):
                    probs.append(f"aggregation.order_weights: found sum {sum(nums):g}; allowed: values summing to 1")
        elif ow is not None:
            probs.append("aggregation.order_weights: only used with method 'owa'; remove it or set method: owa")

    cons = data.get("constraints")
    if isinstance(cons, list):
        seen: dict[str, int] = {}
        for i, c in enumerate(cons):
            if not isinstance(c, Mapping):
                continue
            cid = c.get("id")
            if isinstance(cid, str):
                if cid in seen:
                    probs.append(f"constraints[{i}].id: found {cid!r} again (also constraints[{seen[cid]}]); allowed: unique ids")
                seen.setdefault(cid, i)
            if c.get("mode") == "where":
                fld = c.get("field")
                known = [f.name for f in ROLES["candidates"].fields]
                if isinstance(fld, str) and fld not in known:
                    probs.append(f"constraints[{i}].field: found {fld!r}; allowed candidate fields: {', '.join(known)}")
                op, value = c.get("op"), c.get("value")
                if op in ("in", "not_in") and value is not None and not isinstance(value, list):
                    probs.append(f"constraints[{i}].value: found {_short(value)}; allowed: a list for op {op!r}")
                if op in ("==", "!=", "<", "<=", ">", ">=") and isinstance(value, list):
                    probs.append(f"constraints[{i}].value: found a list; allowed: a single value for op {op!r}")
                if op in ("<", "<=", ">", ">=") and isinstance(value, str):
                    probs.append(f"constraints[{i}].value: found text {value!r}; allowed: a number for op {op!r}")
    return probs


def _name_set_problems(path: str, given: list[str], factors: list[str]) -> list[str]:
    probs = []
    unknown = [g for g in given if g not in factors]
    missing = [f for f in factors if f not in given]
    if unknown:
        probs.append(f"{path}: found weights for {', '.join(map(repr, unknown))} which are not factors; allowed: {', '.join(factors)}")
    if missing:
        probs.append(f"{path}: no weight for factor {', '.join(map(repr, missing))}; give one weight per factor")
    return probs


def _ahp_matrix_problems(matrix: list[list[Any]], order: list[str]) -> list[str]:
    probs: list[str] = []
    vals: list[list[float]] = []
    for i, row in enumerate(matrix):
        r = []
        for j, v in enumerate(row):
            try:
                x = float(_fraction(v))
            except (TypeError, ValueError):
                return probs  # reported structurally
            if not math.isfinite(x) or not 0.99 / 9 <= x <= 9:  # Saaty's scale; 0.11 stands for 1/9
                probs.append(f"weights.ahp.matrix[{i}][{j}]: found {_short(v)}; allowed: a positive number (1/9 … 9)")
            r.append(x)
        vals.append(r)
    if probs:
        return probs
    n = len(vals)
    for i in range(n):
        if not math.isclose(vals[i][i], 1.0, rel_tol=1e-9):
            probs.append(f"weights.ahp.matrix[{i}][{i}]: found {vals[i][i]:g}; allowed: 1 on the diagonal")
        for j in range(i + 1, n):
            if not math.isclose(vals[i][j] * vals[j][i], 1.0, rel_tol=0.02):
                probs.append(
                    f"weights.ahp.matrix[{j}][{i}]: found {vals[j][i]:g} but matrix[{i}][{j}] is {vals[i][j]:g} "
                    f"({order[i]} vs {order[j]}); allowed: the reciprocal 1/{vals[i][j]:g}"
                )
    return probs


def _factor_problems(path: str, spec: Mapping[str, Any]) -> list[str]:
    probs: list[str] = []
    measure = spec.get("measure")
    if measure is None:
        return probs  # pydantic reports the missing key
    if measure not in MEASURES:
        return [f"{path}.measure: found {_short(measure)}; allowed: {', '.join(MEASURES)}"]
    kind, params = MEASURES[measure]
    for p in _PARAM_NAMES:
        if p in spec and p not in params:
            allowed = ", ".join(params) if params else "none"
            probs.append(f"{path}.{p}: not a parameter of measure {measure!r}; allowed parameters: {allowed}")
    for p in _REQUIRED_PARAMS.get(measure, ()):
        if spec.get(p) is None:
            probs.append(f"{path}.{p}: required for measure {measure!r}")
    if kind == "numeric":
        if "classes" in spec or "default" in spec:
            probs.append(f"{path}.classes: measure {measure!r} is numeric; allowed: fuzzy (classes are for class measures)")
        fuzzy = spec.get("fuzzy")
        if fuzzy is None:
            probs.append(f"{path}.fuzzy: required for numeric measure {measure!r}")
        elif isinstance(fuzzy, Mapping):
            probs.extend(_fuzzy_problems(f"{path}.fuzzy", fuzzy))
    else:
        if "fuzzy" in spec:
            probs.append(f"{path}.fuzzy: measure {measure!r} is a class measure; allowed: classes (and default)")
        classes = spec.get("classes")
        if classes is None:
            probs.append(f"{path}.classes: required for class measure {measure!r}")
        elif isinstance(classes, Mapping):
            allowed_classes = CLASS_VALUES[measure]
            bad = [_class_key(k) for k in classes if _class_key(k) not in allowed_classes]
            if bad:
                probs.append(f"{path}.classes: found unknown class {', '.join(map(repr, bad))}; allowed: {', '.join(allowed_classes)}")
            if not classes:
                probs.append(f"{path}.classes: found an empty mapping; allowed: class -> value in [0, 1]")
    return probs


def _fuzzy_problems(path: str, fuzzy: Mapping[str, Any]) -> list[str]:
    probs: list[str] = []
    shape, direction, points = fuzzy.get("shape"), fuzzy.get("direction"), fuzzy.get("points")
    if not isinstance(points, list):
        return probs
    if shape == "piecewise":
        if direction is not None:
            probs.append(f"{path}.direction: not used by shape 'piecewise' (the points give the curve); remove it")
        if len(points) < 2 or not all(isinstance(p, list) and len(p) == 2 for p in points):
            return probs + [f"{path}.points: found {_short(points)}; allowed: at least 2 [x, y] pairs"]
        if len(points) > MAX_PIECEWISE_POINTS:
            probs.append(f"{path}.points: found {len(points)} [x, y] pairs; allowed: at most "
                         f"{MAX_PIECEWISE_POINTS} (merge points where the curve is straight)")
        try:
            xs = [float(_fraction(p[0])) for p in points]
            ys = [float(_fraction(p[1])) for p in points]
        except (TypeError, ValueError):
            return probs
        if not all(math.isfinite(v) for v in xs + ys):
            return probs  # reported by FuzzySpec
        probs.extend(_point_size_problems(path, xs))
        if any(b <= a for a, b in zip(xs, xs[1:])):
            probs.append(f"{path}.points: found x values {xs}; allowed: strictly increasing x")
        if any(not 0 <= y <= 1 for y in ys):
            probs.append(f"{path}.points: found y values {ys}; allowed: y in [0, 1]")
        return probs
    if shape not in ("linear", "sigmoid", "jshaped"):
        return probs
    if direction is None:
        return [f"{path}.direction: required for shape {shape!r}; allowed: increasing, decreasing, symmetric"]
    if direction not in ("increasing", "decreasing", "symmetric"):
        return probs
    if any(isinstance(p, list) for p in points):
        return [f"{path}.points: found pairs; allowed: plain numbers for shape {shape!r} (pairs are for piecewise)"]
    try:
        xs = [float(_fraction(p)) for p in points]
    except (TypeError, ValueError):
        return probs
    if not all(math.isfinite(v) for v in xs):
        return probs  # reported by FuzzySpec
    probs.extend(_point_size_problems(path, xs))
    need = 4 if direction == "symmetric" else 2
    if len(xs) != need:
        names = "a, b, c, d" if need == 4 else "a, b"
        probs.append(f"{path}.points: found {len(xs)} values; allowed: {need} control points ({names}) for direction {direction!r}")
    elif any(b <= a for a, b in zip(xs, xs[1:])):
        probs.append(f"{path}.points: found {xs}; allowed: strictly increasing control points")
    return probs


def _point_size_problems(path: str, xs: list[float]) -> list[str]:
    big = [x for x in xs if math.isfinite(x) and abs(x) > MAX_FUZZY_POINT]
    if big:
        return [f"{path}.points: found {big[0]:g}; allowed: control points within ±{MAX_FUZZY_POINT:g}"]
    return []


# --------------------------------------------------------------------------- saving


def scenario_yaml_text(scenario: Scenario, *, provenance: Mapping[str, Any]) -> str:
    """The scenario as YAML text with a ``provenance:`` block (version, time, and ``provenance``)."""
    from siteselect.core.version import __version__

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

    from siteselect.core.output import write_text

    return write_text(Path(path), scenario_yaml_text(scenario, provenance=provenance))
