"""Measure kinds: one object per measure a factor can standardise, found through a registry.

Each kind declares its parameters, unit and kind (``numeric`` takes a fuzzy
curve, ``class`` takes ``classes``), the layer role it reads, whether it is a
*network* measure (computed on the road graph; per node in raster mode) and
whether a scenario's freight vehicle drives it, and knows its evaluations:

vector (:meth:`MeasureKind.vector`)
    columns of the per-site measures table
    (:func:`siteselect.analysis.measures.site_measures` iterates);
node table (:meth:`MeasureKind.node_table`)
    per graph node, for raster mode (:func:`siteselect.analysis.measures.node_measures`);
raster (:meth:`MeasureKind.raster`)
    a raw raster read straight from the layers on a grid or one chunk of it
    (:meth:`MeasureKind.raster_roles` and :meth:`MeasureKind.raster_reach_m`
    tell a chunked engine what a chunk needs); network measures are
    rasterised by the engine from their node tables instead.

``MEASURE_KINDS`` maps each measure name to its kind; the scenario schema's
list of measures (:data:`siteselect.scenario.MEASURES`) is the same list (a
test checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.analysis._sites import RasterGrid
from siteselect.analysis.factors import standardise_classes
from siteselect.core.roles import PLAN_STATUSES, connection_points
from siteselect.errors import ScenarioError

if TYPE_CHECKING:
    from siteselect.network.graph import RoadGraph
    from siteselect.scenario import FactorSpec

__all__ = ["DEFAULT_COMMUTE_MINUTES", "DEFAULT_MIN_VOLTAGE_KV", "MEASURE_KINDS", "MeasureKind", "flat_beyond_m",
           "measure_kind"]

#: Default substation voltage for the standard measure columns, kV.
DEFAULT_MIN_VOLTAGE_KV = 130.0
#: Default commute cut-offs, minutes.
DEFAULT_COMMUTE_MINUTES: tuple[float, ...] = (30.0, 45.0, 60.0)

Params = Mapping[str, Any]


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value).replace(".", "p")


def flat_beyond_m(spec: FactorSpec, *, unit_m: float) -> float:
    """Distance (m) beyond which a distance factor's curve no longer changes."""
    f = spec.fuzzy
    if f is None:
        return 0.0
    if f.shape == "piecewise":
        xmax = max(float(p[0]) for p in f.points)  # type: ignore[index]
    else:
        xmax = max(float(p) for p in f.points)  # type: ignore[arg-type]
    if f.shape == "jshaped":
        xmax *= 4.0  # J-shaped never flattens; 4× the span keeps the error small
    return max(xmax, 0.0) * unit_m


@dataclass(frozen=True)
class MeasureKind:
    """One measure: what it needs and how it is evaluated.

    Attributes
    ----------
    name
        The measure's name in scenarios (``factors.<f>.measure``).
    kind
        ``"numeric"`` (takes ``fuzzy``) or ``"class"`` (takes ``classes``).
    params
        Parameters it accepts (``min_voltage_kv``, ``station_kinds``, ``minutes``).
    unit
        Unit of its raw values (``min``, ``km``, ``people``, ``ha``, ``class``).
    role
        Layer role it reads besides candidates and roads (None: the candidates only).
    network
        Computed on the road graph (per node in raster mode).
    freight
        Driven by the scenario's freight vehicle when it names one.
    access_leg
        Raster mode adds the straight cell-to-node leg at the access speed (minutes measures).
    batched
        Several requests are computed in one pass (:meth:`vector_batch`).
    """

    name: str
    kind: str
    params: tuple[str, ...]
    unit: str
    role: str | None = None
    network: bool = False
    freight: bool = False
    access_leg: bool = False
    batched: bool = False
    description: str = ""

    def column(self, params: Params) -> str:
        """Column of this measure with ``params`` in the measures table."""
        return self.name

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        """Columns (name -> values indexed like ``sites``) of one request."""
        raise NotImplementedError  # pragma: no cover - batched kinds use vector_batch

    def vector_batch(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                     params: Sequence[Params]) -> dict[str, Any]:
        """Columns of several requests computed together (``batched`` kinds)."""
        out: dict[str, Any] = {}
        for p in params:
            out.update(self.vector(sites, layers, graph, p))
        return out

    def node_table(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                   name: str) -> pd.DataFrame | None:
        """Per graph node ``x``, ``y`` and ``minutes`` or ``value`` (network measures; else None)."""
        return None

    def raster_available(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> bool:
        """Whether :meth:`raster` can make this factor's raster from the layers."""
        return False

    def raster(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid,
               name: str) -> np.ndarray:
        """Raw float32 raster of the factor on ``grid`` from the layers (see :meth:`raster_available`)."""
        raise ScenarioError(f"factors.{name}: measure {self.name} cannot be read from the layers in raster mode")

    @property
    def raster_standardised(self) -> bool:
        """A raster of this measure holds standardised values (0–1), not raw ones (class measures)."""
        return self.kind == "class"

    def raster_roles(self, spec: FactorSpec) -> set[str]:
        """Layers a chunk needs for :meth:`raster`."""
        return set()

    def raster_reach_m(self, spec: FactorSpec, resolution_m: float) -> float:
        """How far beyond a chunk :meth:`raster` looks, metres."""
        return 0.0


# --------------------------------------------------------------------------- facility reach by road


def _layer(layers: Mapping[str, gpd.GeoDataFrame], role: str, what: str) -> gpd.GeoDataFrame:
    lay = layers.get(role)
    if lay is None or lay.empty:
        raise ScenarioError(
            f"measure {what} needs the layer {role!r}, which is missing or empty; "
            f"add it to the layer catalog or drop the factor"
        )
    return lay


@dataclass(frozen=True)
class _FacilityMinutes(MeasureKind):
    """Minutes by road to the nearest facility of a layer (port, junction, station, airport)."""

    nearest: str = ""

    def facilities(self, layers: Mapping[str, gpd.GeoDataFrame], params: Params) -> gpd.GeoDataFrame:
        """The facilities this measure reaches."""
        assert self.role is not None  # every facility measure names its layer
        return _layer(layers, self.role, self.name)

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        col = self.column(params)
        reach = graph.minutes_to_nearest(sites, self.facilities(layers, params), facility_id="name",
                                         facility_class=self.role)
        out = {col: reach["minutes"]}
        if col == self.name:
            out[self.nearest] = reach["facility"]
        return out

    def node_table(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                   name: str) -> pd.DataFrame:
        t = graph.node_minutes_to_nearest(self.facilities(layers, spec.params), facility_id="name",
                                          facility_class=self.role)
        return t[["x", "y", "minutes"]]


@dataclass(frozen=True)
class _RailMinutes(_FacilityMinutes):
    """Minutes to the nearest station, optionally of some kinds only."""

    def column(self, params: Params) -> str:
        if params.get("station_kinds"):
            kinds = sorted(str(k) for k in params["station_kinds"])
            return self.name if kinds == ["combi", "freight", "passenger"] else self.name + "_" + "_".join(kinds)
        return self.name

    def facilities(self, layers: Mapping[str, gpd.GeoDataFrame], params: Params) -> gpd.GeoDataFrame:
        stations = super().facilities(layers, params)
        kinds = params.get("station_kinds")
        if not kinds:
            return stations
        picked = stations[stations["kind"].isin(list(kinds))]
        if picked.empty:
            raise ScenarioError(
                f"rail_minutes: no station of kind {sorted(kinds)} in layer 'stations'; "
                f"kinds present: {sorted(stations['kind'].unique())}"
            )
        return picked


# --------------------------------------------------------------------------- substations


def _kv(params: Params) -> float:
    return float(params.get("min_voltage_kv", DEFAULT_MIN_VOLTAGE_KV))


def substations(layers: Mapping[str, gpd.GeoDataFrame], min_voltage_kv: float, col: str) -> gpd.GeoDataFrame:
    """Substations in service with at least ``min_voltage_kv`` (planned ones are no connection point yet)."""
    subs = layers.get("substations")
    if subs is None or subs.empty:
        raise ScenarioError(f"{col}: the layer 'substations' is missing or empty")
    picked = connection_points(subs, min_voltage_kv=min_voltage_kv)
    if picked.empty:
        existing = connection_points(subs)
        raise ScenarioError(
            f"{col}: no substation in service of ≥ {min_voltage_kv:g} kV in layer 'substations' "
            f"(highest is {existing['voltage_kv'].max():g} kV); lower min_voltage_kv"
        )
    return picked


def _distance_km(frame: gpd.GeoDataFrame, grid: RasterGrid, spec: FactorSpec) -> np.ndarray:
    """Distance raster (km) padded to where the curve is flat; beyond the padding 1e9 km."""
    d = grid.distance_m(frame, max_distance_m=flat_beyond_m(spec, unit_m=1000.0) + grid.resolution_m)
    d[~np.isfinite(d)] = np.float32(1e12)  # beyond the padding the true distance exceeds the flat part
    return d / np.float32(1000.0)


@dataclass(frozen=True)
class _SubstationKm(MeasureKind):
    """Straight-line km from a site's outline to the nearest substation of at least a voltage."""

    def column(self, params: Params) -> str:
        kv = _kv(params)
        return self.name if kv == DEFAULT_MIN_VOLTAGE_KV else f"{self.name}_{_num(kv)}kv"

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        col = self.column(params)
        points = substations(layers, _kv(params), col)
        joined = gpd.sjoin_nearest(sites[["geometry"]], points[["name", "voltage_kv", "geometry"]], how="left",
                                   distance_col="distance_m")
        joined = joined[~joined.index.duplicated(keep="first")]  # ties: several rows per site, same distance
        out: dict[str, Any] = {col: joined["distance_m"].astype(np.float64) / 1000.0}
        if col == self.name:
            out["nearest_substation"] = joined["name"]
            out["substation_voltage_kv"] = joined["voltage_kv"].astype(float)
        return out

    def raster_available(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> bool:
        return spec.fuzzy is not None

    def raster(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid,
               name: str) -> np.ndarray:
        subs = layers.get("substations")
        if subs is None:
            raise ScenarioError(f"factor {name!r}: layer 'substations' is not loaded")
        # as the scenario gives it: without min_voltage_kv every substation in service counts
        return _distance_km(connection_points(subs, min_voltage_kv=spec.min_voltage_kv), grid, spec)

    def raster_roles(self, spec: FactorSpec) -> set[str]:
        return {"substations"}

    def raster_reach_m(self, spec: FactorSpec, resolution_m: float) -> float:
        return flat_beyond_m(spec, unit_m=1000.0) + resolution_m


@dataclass(frozen=True)
class _SubstationMinutes(_SubstationKm):
    """Minutes by road to the nearest substation of at least a voltage."""

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        col = self.column(params)
        reach = graph.minutes_to_nearest(sites, substations(layers, _kv(params), col), facility_id="name",
                                         facility_class="substations")
        return {col: reach["minutes"]}

    def node_table(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                   name: str) -> pd.DataFrame:
        subs = substations(layers, _kv(spec.params), name)
        return graph.node_minutes_to_nearest(subs, facility_id="name", facility_class="substations")[
            ["x", "y", "minutes"]]

    def raster_available(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> bool:
        return False

    def raster_roles(self, spec: FactorSpec) -> set[str]:
        return set()

    def raster_reach_m(self, spec: FactorSpec, resolution_m: float) -> float:
        return 0.0


# --------------------------------------------------------------------------- the others


@dataclass(frozen=True)
class _PopulationWithin(MeasureKind):
    """People within N minutes by road (all cut-offs of a run in one pass)."""

    def column(self, params: Params) -> str:
        minutes = params.get("minutes")
        if minutes is None:
            raise ScenarioError("measure population_within needs `minutes` (e.g. minutes: 45)")
        return f"pop_{_num(minutes)}min"

    def vector_batch(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                     params: Sequence[Params]) -> dict[str, Any]:
        if "population" not in layers or layers["population"].empty:
            raise ScenarioError("population_within needs the layer 'population', which is missing or empty")
        minutes = sorted({float(p["minutes"]) for p in params})
        pops = graph.population_within(sites, layers["population"], minutes=minutes)
        return {col: pops[col].to_numpy() for col in pops.columns}

    def node_table(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
                   name: str) -> pd.DataFrame:
        if "population" not in layers or layers["population"].empty:
            raise ScenarioError(f"factors.{name}: needs the layer 'population', which is missing or empty")
        t = graph.node_population_within(layers["population"], minutes=float(spec.params["minutes"]))
        return t[["x", "y"]].assign(value=t[self.column(spec.params)].to_numpy())


@dataclass(frozen=True)
class _IndustrialKm(MeasureKind):
    """Straight-line km from a site's outline to the nearest existing industrial land (0 on overlap)."""

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        col = self.column(params)
        land = layers.get("industrial_land")
        if land is None or land.empty:
            raise ScenarioError(f"{col}: the layer 'industrial_land' is missing or empty; add it to the layer "
                                "catalog or drop the factor")
        joined = gpd.sjoin_nearest(sites[["geometry"]], land[["geometry"]], how="left", distance_col="distance_m")
        joined = joined[~joined.index.duplicated(keep="first")]
        return {col: (joined["distance_m"].astype(np.float64) / 1000.0).reindex(sites.index)}

    def raster_available(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> bool:
        return spec.fuzzy is not None

    def raster(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid,
               name: str) -> np.ndarray:
        land = layers.get("industrial_land")
        if land is None or land.empty:
            raise ScenarioError(
                f"factors.{name}: measure industrial_km needs the layer 'industrial_land', which is missing or "
                "empty; add it to the layer catalog or drop the factor"
            )
        return _distance_km(land, grid, spec)

    def raster_roles(self, spec: FactorSpec) -> set[str]:
        return {"industrial_land"}

    def raster_reach_m(self, spec: FactorSpec, resolution_m: float) -> float:
        return flat_beyond_m(spec, unit_m=1000.0) + resolution_m


@dataclass(frozen=True)
class _SiteField(MeasureKind):
    """A field of the candidates themselves (area, plan status, owner …)."""

    def vector(self, sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph,
               params: Params) -> dict[str, Any]:
        col = sites[self.name]
        return {self.column(params): col.astype(float) if self.kind == "numeric" else col}


def plan_status_raster(layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid) -> np.ndarray:
    """Plan status per cell (object array of PLAN_STATUSES): candidate, else industrial land, else none.

    A cell whose centre lies inside a candidate takes that candidate's
    ``plan_status`` (later statuses of PLAN_STATUSES win on overlap); else
    inside an ``industrial_land`` polygon ``gällande``; else ``ingen``.
    """
    out = np.full(grid.shape, "ingen", dtype=object)
    land = layers.get("industrial_land")
    if land is not None and len(land):
        out[grid.rasterize(land, all_touched=False) == 1] = "gällande"
    cands = layers.get("candidates")
    if cands is not None and len(cands) and "plan_status" in cands.columns:
        for status in PLAN_STATUSES:
            pick = cands[cands["plan_status"] == status]
            if len(pick):
                out[grid.rasterize(pick, all_touched=False) == 1] = status
    return out


@dataclass(frozen=True)
class _PlanStatus(_SiteField):
    """The candidate's plan status; on a surface: candidate, else industrial land (gällande), else ingen."""

    def raster_available(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> bool:
        return spec.classes is not None and any(layers.get(r) is not None for r in ("candidates", "industrial_land"))

    def raster(self, spec: FactorSpec, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid,
               name: str) -> np.ndarray:
        status = plan_status_raster(layers, grid)
        assert spec.classes is not None  # raster_available
        values = standardise_classes(np.array(PLAN_STATUSES, dtype=object), spec.classes, default=spec.default,
                                     nodata=spec.nodata, name=name)
        raster = np.empty(grid.shape, dtype=np.float32)
        for code, value in zip(PLAN_STATUSES, values, strict=True):
            raster[status == code] = value
        return raster

    def raster_roles(self, spec: FactorSpec) -> set[str]:
        return {"candidates", "industrial_land"}


#: Measure name -> its kind, in the order of the scenario documentation.
MEASURE_KINDS: dict[str, MeasureKind] = {
    k.name: k
    for k in (
        _SubstationKm("substation_km", "numeric", ("min_voltage_kv",), "km", "substations",
                      description="straight-line km to the nearest substation in service of ≥ min_voltage_kv"),
        _IndustrialKm("industrial_km", "numeric", (), "km", "industrial_land",
                      description="straight-line km to the nearest existing industrial land"),
        _FacilityMinutes("port_minutes", "numeric", (), "min", "ports", network=True, freight=True,
                         access_leg=True, nearest="nearest_port", description="minutes by road to the nearest port"),
        _FacilityMinutes("motorway_minutes", "numeric", (), "min", "junctions", network=True, freight=True,
                         access_leg=True, nearest="nearest_junction",
                         description="minutes by road to the nearest motorway junction"),
        _RailMinutes("rail_minutes", "numeric", ("station_kinds",), "min", "stations", network=True, freight=True,
                     access_leg=True, nearest="nearest_station",
                     description="minutes by road to the nearest station (of station_kinds)"),
        _FacilityMinutes("airport_minutes", "numeric", (), "min", "airports", network=True, access_leg=True,
                         nearest="nearest_airport", description="minutes by road to the nearest airport"),
        _SubstationMinutes("substation_minutes", "numeric", ("min_voltage_kv",), "min", "substations",
                           network=True, access_leg=True,
                           description="minutes by road to the nearest substation in service of ≥ min_voltage_kv"),
        _PopulationWithin("population_within", "numeric", ("minutes",), "people", "population", network=True,
                          batched=True, description="people within `minutes` by road"),
        _SiteField("area_ha", "numeric", (), "ha", description="the site's area"),
        _PlanStatus("plan_status", "class", (), "class", description="detaljplan status"),
        _SiteField("site_type", "class", (), "class", description="detaljplan, brownfield or reserve"),
        _SiteField("owner", "class", (), "class", description="land owner"),
        _SiteField("mifo_class", "class", (), "class", description="MIFO contamination risk class"),
    )
}


def measure_kind(name: str) -> MeasureKind:
    """The registered kind of a measure name.

    Raises
    ------
    ScenarioError
        The name is not a registered measure.
    """
    try:
        return MEASURE_KINDS[name]
    except KeyError:
        raise ScenarioError(f"unknown measure {name!r}; known: {', '.join(MEASURE_KINDS)}") from None
