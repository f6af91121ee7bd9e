"""Raw measurements per candidate site, in the units a factor is written in.

A *measure* is what a factor standardises: minutes by road to the nearest
port, straight-line kilometres to the nearest substation of at least a given
voltage, people within N minutes, the site's area, its plan status … This
module computes them from the layers and a :class:`~siteselect.network.graph.RoadGraph`;
it knows nothing of weights or scores.

Every measure has a column name (see :func:`measure_column`) so a scenario can
ask for the same measure with different parameters (``substation_km`` at 130 kV
and at 400 kV) without the two colliding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.core.roles import connection_points
from siteselect.errors import ScenarioError
from siteselect.network.graph import RoadGraph
from siteselect.scenario import MEASURES

#: Default substation voltage for the standard measure columns, kV.
DEFAULT_MIN_VOLTAGE_KV = 130.0
#: Default commute cut-offs, minutes.
DEFAULT_COMMUTE_MINUTES: tuple[float, ...] = (30.0, 45.0, 60.0)


@dataclass(frozen=True)
class MeasureRequest:
    """One measure with its parameters, e.g. ``substation_km`` at ≥ 220 kV."""

    measure: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str:
        """The column that holds this measure in the measures table."""
        return measure_column(self.measure, self.params)


def measure_column(measure: str, params: Mapping[str, Any] | None = None) -> str:
    """Column name for a measure with parameters.

    Standard parameters give the plain name (``substation_km``,
    ``pop_45min``); others get a suffix (``substation_km_400kv``).

    Parameters
    ----------
    measure
        A name from :data:`siteselect.scenario.MEASURES`.
    params
        The measure's parameters.

    Returns
    -------
    str
    """
    params = dict(params or {})
    if measure == "population_within":
        minutes = params.get("minutes")
        if minutes is None:
            raise ScenarioError("measure population_within needs `minutes` (e.g. minutes: 45)")
        return f"pop_{_num(minutes)}min"
    if measure in ("substation_km", "substation_minutes"):
        kv = float(params.get("min_voltage_kv", DEFAULT_MIN_VOLTAGE_KV))
        return measure if kv == DEFAULT_MIN_VOLTAGE_KV else f"{measure}_{_num(kv)}kv"
    if measure == "rail_minutes" and params.get("station_kinds"):
        kinds = sorted(str(k) for k in params["station_kinds"])
        return "rail_minutes" if kinds == ["combi", "freight", "passenger"] else "rail_minutes_" + "_".join(kinds)
    return measure


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value).replace(".", "p")


#: The layer role each measure needs besides candidates and roads.
MEASURE_ROLES: dict[str, str] = {
    "substation_km": "substations",
    "substation_minutes": "substations",
    "port_minutes": "ports",
    "motorway_minutes": "junctions",
    "rail_minutes": "stations",
    "airport_minutes": "airports",
    "population_within": "population",
    "industrial_km": "industrial_land",
}


def standard_requests(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    min_voltage_kv: float = DEFAULT_MIN_VOLTAGE_KV,
    commute_minutes: Sequence[float] = DEFAULT_COMMUTE_MINUTES,
) -> list[MeasureRequest]:
    """The measures every run reports, whatever its factors (for maps and sheets).

    Measures whose layer is absent from ``layers`` are left out: they are
    extras here. A factor that needs a missing layer fails in
    :func:`site_measures` with a message naming it.
    """
    reqs = [
        MeasureRequest("port_minutes"),
        MeasureRequest("motorway_minutes"),
        MeasureRequest("rail_minutes"),
        MeasureRequest("airport_minutes"),
        MeasureRequest("substation_km", {"min_voltage_kv": min_voltage_kv}),
        MeasureRequest("area_ha"),
    ]
    reqs += [MeasureRequest("population_within", {"minutes": m}) for m in commute_minutes]
    present = {role for role, frame in layers.items() if frame is not None and not frame.empty}
    return [r for r in reqs if MEASURE_ROLES.get(r.measure, "candidates") in present | {"candidates"}]


def site_measures(
    candidates: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    graph: RoadGraph,
    requests: Iterable[MeasureRequest],
) -> pd.DataFrame:
    """Compute the requested measures for every candidate.

    Parameters
    ----------
    candidates
        Candidate polygons (working CRS), role ``candidates``.
    layers
        All loaded layers by role.
    graph
        Road graph built from ``layers["roads"]``.
    requests
        Measures to compute; duplicates are computed once.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``candidates``; one column per request plus, for the
        network and substation measures, the name of the nearest facility
        (``nearest_port``, ``nearest_junction``, ``nearest_station``,
        ``nearest_airport``, ``nearest_substation``,
        ``substation_voltage_kv``).
    """
    out = pd.DataFrame(index=candidates.index)
    pop_minutes: list[float] = []
    for req in _unique(requests):
        col = req.column
        if col in out.columns:
            continue
        m = req.measure
        if m == "population_within":
            pop_minutes.append(float(req.params["minutes"]))
        elif m == "area_ha":
            out[col] = candidates["area_ha"].astype(float)
        elif MEASURES[m][0] == "class":
            out[col] = candidates[m]
        elif m == "substation_km":
            subs = _substations(layers, req.params.get("min_voltage_kv", DEFAULT_MIN_VOLTAGE_KV), col)
            dist = _nearest_euclidean(candidates, subs)
            out[col] = dist["distance_m"] / 1000.0
            if col == "substation_km":
                out["nearest_substation"] = dist["name"]
                out["substation_voltage_kv"] = dist["voltage_kv"]
        elif m == "industrial_km":
            out[col] = _industrial_km(candidates, layers, col)
        elif m == "substation_minutes":
            subs = _substations(layers, req.params.get("min_voltage_kv", DEFAULT_MIN_VOLTAGE_KV), col)
            reach = graph.minutes_to_nearest(candidates, subs, facility_id="name", facility_class="substations")
            out[col] = reach["minutes"]
        elif m in ("port_minutes", "motorway_minutes", "airport_minutes", "rail_minutes"):
            facilities, nearest_col = _facilities(layers, m, req.params)
            role = _FACILITY_ROLES[m][0]
            reach = graph.minutes_to_nearest(candidates, facilities, facility_id="name", facility_class=role)
            out[col] = reach["minutes"]
            if col == m:
                out[nearest_col] = reach["facility"]
        else:  # pragma: no cover - scenario validation rejects unknown measures first
            raise ScenarioError(f"unknown measure {m!r}; known: {', '.join(MEASURES)}")
    if pop_minutes:
        if "population" not in layers or layers["population"].empty:
            raise ScenarioError("population_within needs the layer 'population', which is missing or empty")
        pops = graph.population_within(candidates, layers["population"], minutes=sorted(set(pop_minutes)))
        for col in pops.columns:
            out[col] = pops[col].to_numpy()
    return out


def _unique(requests: Iterable[MeasureRequest]) -> list[MeasureRequest]:
    seen: dict[str, MeasureRequest] = {}
    for r in requests:
        seen.setdefault(r.column, r)
    return list(seen.values())


_FACILITY_ROLES = {
    "port_minutes": ("ports", "nearest_port"),
    "motorway_minutes": ("junctions", "nearest_junction"),
    "airport_minutes": ("airports", "nearest_airport"),
    "rail_minutes": ("stations", "nearest_station"),
}


def _facilities(
    layers: Mapping[str, gpd.GeoDataFrame], measure: str, params: Mapping[str, Any]
) -> tuple[gpd.GeoDataFrame, str]:
    role, nearest_col = _FACILITY_ROLES[measure]
    if role not in layers or layers[role].empty:
        raise ScenarioError(
            f"measure {measure} needs the layer {role!r}, which is missing or empty; "
            f"add it to the layer catalog or drop the factor"
        )
    fac = layers[role]
    kinds = params.get("station_kinds")
    if measure == "rail_minutes" and kinds:
        fac = fac[fac["kind"].isin(list(kinds))]
        if fac.empty:
            raise ScenarioError(
                f"rail_minutes: no station of kind {sorted(kinds)} in layer 'stations'; "
                f"kinds present: {sorted(layers[role]['kind'].unique())}"
            )
    return fac, nearest_col


def _substations(layers: Mapping[str, gpd.GeoDataFrame], min_voltage_kv: float, col: str) -> gpd.GeoDataFrame:
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


def _industrial_km(sites: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], col: str) -> pd.Series:
    """Straight-line km from each site's outline to the nearest existing industrial land (0 on overlap)."""
    land = layers.get("industrial_land")
    if land is None or land.empty:
        raise ScenarioError(
            f"{col}: the layer 'industrial_land' is missing or empty; add it to the layer catalog or drop the factor"
        )
    joined = gpd.sjoin_nearest(sites[["geometry"]], land[["geometry"]], how="left", distance_col="distance_m")
    joined = joined[~joined.index.duplicated(keep="first")]
    return (joined["distance_m"].astype(np.float64) / 1000.0).reindex(sites.index)


def _nearest_euclidean(sites: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> pd.DataFrame:
    """Straight-line distance (m) from each site's outline to the nearest point."""
    joined = gpd.sjoin_nearest(
        sites[["geometry"]],
        points[["name", "voltage_kv", "geometry"]],
        how="left",
        distance_col="distance_m",
    )
    # Ties give several rows per site; keep the first (same distance).
    joined = joined[~joined.index.duplicated(keep="first")]
    return pd.DataFrame(
        {
            "distance_m": joined["distance_m"].astype(float),
            "name": joined["name"],
            "voltage_kv": joined["voltage_kv"].astype(float),
        },
        index=sites.index,
    ).astype({"distance_m": np.float64})


def reach_table(
    sites: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    graph: RoadGraph | None = None,
    min_voltage_kv: float = DEFAULT_MIN_VOLTAGE_KV,
    commute_minutes: Sequence[float] = DEFAULT_COMMUTE_MINUTES,
) -> pd.DataFrame:
    """Logistics and commute reach of any sites: the standard measures, no scoring.

    Parameters
    ----------
    sites
        Polygons or points in the working CRS (needs ``area_ha`` only if present).
    layers
        Layers by role; ``roads`` is required, the others are used when present.
    graph
        A road graph to reuse; built from ``layers["roads"]`` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sites``: minutes to port / motorway junction / rail /
        airport with the nearest facility's name, distance to the nearest
        substation of ≥ ``min_voltage_kv``, people within each of
        ``commute_minutes``.
    """
    if graph is None:
        graph = RoadGraph.from_roads(layers["roads"])
    reqs = [
        r for r in standard_requests(layers, min_voltage_kv=min_voltage_kv, commute_minutes=commute_minutes)
        if r.measure != "area_ha" or "area_ha" in sites.columns
    ]
    return site_measures(sites, layers, graph, reqs)


def node_measures(
    factors: Mapping[str, Any],
    layers: Mapping[str, gpd.GeoDataFrame],
    graph: RoadGraph,
) -> dict[str, pd.DataFrame]:
    """Per graph node, the network measures of a scenario's factors (for raster mode).

    Parameters
    ----------
    factors
        Factor name -> :class:`~siteselect.scenario.FactorSpec` (``scenario.factors``).
    layers
        Layers by role.
    graph
        Road graph built from ``layers["roads"]``.

    Returns
    -------
    dict
        Factor name -> DataFrame with node ``x``, ``y`` (working CRS) and
        ``minutes`` (minutes measures) or ``value`` (people within the
        factor's minutes). Factors that are not network measures are left out.
    """
    tables: dict[str, pd.DataFrame] = {}
    for name, spec in factors.items():
        m = spec.measure
        if m in _FACILITY_ROLES:
            fac, _ = _facilities(layers, m, spec.params)
            t = graph.node_minutes_to_nearest(fac, facility_id="name", facility_class=_FACILITY_ROLES[m][0])
            tables[name] = t[["x", "y", "minutes"]]
        elif m == "substation_minutes":
            subs = _substations(layers, spec.params.get("min_voltage_kv", DEFAULT_MIN_VOLTAGE_KV), name)
            t = graph.node_minutes_to_nearest(subs, facility_id="name", facility_class="substations")
            tables[name] = t[["x", "y", "minutes"]]
        elif m == "population_within":
            if "population" not in layers or layers["population"].empty:
                raise ScenarioError(f"factors.{name}: needs the layer 'population', which is missing or empty")
            t = graph.node_population_within(layers["population"], minutes=float(spec.params["minutes"]))
            col = measure_column(m, spec.params)
            tables[name] = t[["x", "y"]].assign(value=t[col].to_numpy())
    return tables
