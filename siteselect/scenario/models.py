"""The scenario model (:class:`Scenario`) and its parts other than factors and constraints.

Each model checks what it can see itself (an AHP matrix its reciprocals, OWA
order weights their sum); :class:`Scenario` checks what joins its parts
(weights against factor names, see :mod:`siteselect.scenario.checks`). Every
check runs on the raw input, so all problems of a file are reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from siteselect.core.defaults import TOP_N_SITES
from siteselect.scenario._base import Problem, SchemaModel, with_problems
from siteselect.scenario.checks import scenario_problems
from siteselect.scenario.constraints import Constraint
from siteselect.scenario.factors import FactorSpec
from siteselect.scenario.readiness import validate_class_map
from siteselect.scenario.vocabulary import (
    MAX_SENSITIVITY_RUNS,
    MAX_WEIGHT,
    Number,
    parse_fraction,
    short_repr,
)

__all__ = [
    "AHPSpec",
    "AggregationSpec",
    "EngineSpec",
    "GridSpec",
    "LimitsSpec",
    "OutputSpec",
    "Scenario",
    "SensitivitySpec",
    "SiteSpec",
    "VehicleSpec",
    "WeightsSpec",
]

_NAME_RE = r"^[a-z0-9-]+$"


class AHPSpec(SchemaModel):
    """AHP pairwise matrix: ``matrix[i][j]`` = importance of ``order[i]`` over ``order[j]``."""

    order: list[str]
    matrix: list[list[Number]]

    @model_validator(mode="wrap")
    @classmethod
    def _matrix_ok(cls, data: Any, handler: Any) -> Any:
        """One row and column per entry of ``order``; Saaty's scale; 1 on the diagonal; reciprocals."""
        problems = _ahp_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__)


def _ahp_problems(ahp: Mapping[str, Any]) -> list[Problem]:
    order, matrix = ahp.get("order"), ahp.get("matrix")
    if not isinstance(order, list) or not isinstance(matrix, list):
        return []
    n = len(order)
    if len(matrix) != n or any(not isinstance(r, list) or len(r) != n for r in matrix):
        shape = f"{len(matrix)} rows of lengths {[len(r) if isinstance(r, list) else '?' for r in matrix]}"
        return [(("matrix",), f"found {shape}; allowed: {n} × {n} (one row and column per entry of order)")]
    probs: list[Problem] = []
    vals: list[list[float]] = []
    for i, row in enumerate(matrix):
        vals.append([])
        for j, v in enumerate(row):
            try:
                x = float(parse_fraction(v))
            except (TypeError, ValueError):
                return probs  # not a number: reported by the type check
            if not math.isfinite(x) or not 0.99 / 9 <= x <= 9:  # Saaty's scale; 0.11 stands for 1/9
                probs.append((("matrix", i, j), f"found {short_repr(v)}; allowed: a positive number (1/9 … 9)"))
            vals[i].append(x)
    if probs:
        return probs
    names = [str(o) for o in order]
    for i in range(n):
        if not math.isclose(vals[i][i], 1.0, rel_tol=1e-9):
            probs.append((("matrix", i, i), f"found {vals[i][i]:g}; allowed: 1 on the diagonal"))
        for j in range(i + 1, n):
            if not math.isclose(vals[i][j] * vals[j][i], 1.0, rel_tol=0.02):
                probs.append((("matrix", j, i), f"found {vals[j][i]:g} but matrix[{i}][{j}] is {vals[i][j]:g} "
                              f"({names[i]} vs {names[j]}); allowed: the reciprocal 1/{vals[i][j]:g}"))
    return probs


class WeightsSpec(SchemaModel):
    """Direct weights (``values``, normalised to sum 1) or an AHP matrix."""

    method: Literal["direct", "ahp"] = "direct"
    values: dict[str, Annotated[float, Field(gt=0)]] | None = None
    ahp: AHPSpec | None = None
    allow_inconsistent: bool = False

    @model_validator(mode="wrap")
    @classmethod
    def _method_ok(cls, data: Any, handler: Any) -> Any:
        """``direct`` takes ``values`` (each ≤ :data:`MAX_WEIGHT`), ``ahp`` takes ``ahp``; not both."""
        problems = _weights_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__)


def _weights_problems(weights: Mapping[str, Any]) -> list[Problem]:
    probs: list[Problem] = []
    method = weights.get("method", "direct")
    if method == "direct":
        values = weights.get("values")
        if values is None:
            probs.append((("values",), "required for method 'direct'; give one weight per factor"))
        elif isinstance(values, Mapping):
            big = [str(k) for k, v in values.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > MAX_WEIGHT]
            if big:
                probs.append((("values",), f"found weights above {MAX_WEIGHT:g} for {', '.join(big)}; allowed: "
                              f"positive numbers up to {MAX_WEIGHT:g} (weights are relative, e.g. 1, 2, 3)"))
        if weights.get("ahp") is not None:
            probs.append((("ahp",), "found an AHP matrix with method 'direct'; allowed: set method: ahp or remove it"))
    elif method == "ahp":
        if weights.get("ahp") is None:
            probs.append((("ahp",), "required for method 'ahp'; give order and matrix"))
        if weights.get("values") is not None:
            probs.append((("values",), "found direct weights with method 'ahp'; allowed: set method: direct "
                          "or remove them"))
    return probs


class AggregationSpec(SchemaModel):
    """``wlc`` (weighted linear combination) or ``owa`` with ``order_weights``."""

    method: Literal["wlc", "owa"] = "wlc"
    order_weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _order_weights_ok(cls, data: Any, handler: Any) -> Any:
        """``owa`` takes ``order_weights`` summing to 1; ``wlc`` takes none."""
        problems = _aggregation_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__)


def _aggregation_problems(agg: Mapping[str, Any]) -> list[Problem]:
    ow = agg.get("order_weights")
    if agg.get("method") != "owa":
        return [] if ow is None else [(("order_weights",), "only used with method 'owa'; remove it or set method: owa")]
    if ow is None:
        return [(("order_weights",), "required for method 'owa'")]
    nums = [v for v in ow if isinstance(v, (int, float))] if isinstance(ow, list) else []
    if isinstance(ow, list) and len(nums) == len(ow) and not math.isclose(sum(nums), 1.0, abs_tol=1e-6):
        return [(("order_weights",), f"found sum {sum(nums):g}; allowed: values summing to 1")]
    return []


class SensitivitySpec(SchemaModel):
    """Monte-Carlo settings for :mod:`siteselect.analysis.sensitivity`."""

    runs: int = Field(default=1000, ge=1, le=MAX_SENSITIVITY_RUNS)
    top_k: int = Field(default=5, ge=1, le=10_000)
    concentration: float = Field(default=50.0, gt=0, le=1e6)
    fuzzy_jitter: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = Field(default=42, ge=0)


class OutputSpec(SchemaModel):
    """Output options."""

    sheets_top_n: int = Field(default=TOP_N_SITES, ge=0, le=1000)


class GridSpec(SchemaModel):
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


class LimitsSpec(SchemaModel):
    """Hard limits on measured reach: a site beyond any of them is excluded with the reason."""

    max_port_minutes: float | None = Field(default=None, gt=0)
    max_motorway_minutes: float | None = Field(default=None, gt=0)
    max_rail_minutes: float | None = Field(default=None, gt=0)
    rail_station_kinds: list[Literal["passenger", "freight", "combi"]] | None = None
    min_workers_45min: float | None = Field(default=None, gt=0)


class EngineSpec(SchemaModel):
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


class VehicleSpec(SchemaModel):
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


class SiteSpec(SchemaModel):
    """What the establishment needs of a site."""

    min_area_ha: float = Field(gt=0)


class Scenario(SchemaModel):
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
            validate_class_map(value)  # raises ScenarioError, a ValueError
        return value

    @field_validator("factors")
    @classmethod
    def _factors_not_empty(cls, value: dict[str, FactorSpec]) -> dict[str, FactorSpec]:
        if not value:
            raise ValueError("found an empty mapping; allowed: at least one factor")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _parts_agree(cls, data: Any, handler: Any) -> Any:
        """Factors fit their measures, weights name the factors, constraint ids are unique, one layer source."""
        problems = scenario_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__, first=True)

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

