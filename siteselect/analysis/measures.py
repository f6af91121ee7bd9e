"""Raw measurements per candidate site, in the units a factor is written in.

A *measure* is what a factor standardises: minutes by road to the nearest
port, straight-line kilometres to the nearest substation of at least a given
voltage, people within N minutes, the site's area, its plan status … This
module computes them from the layers and a :class:`~siteselect.network.graph.RoadGraph`;
it knows nothing of weights or scores.

Each measure is one object of the registry
:data:`~siteselect.analysis.measure_kinds.MEASURE_KINDS`, which knows its
parameters, unit and evaluations; this module iterates over it.

Every measure has a column name (see :func:`measure_column`) so a scenario can
ask for the same measure with different parameters (``substation_km`` at 130 kV
and at 400 kV) without the two colliding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from siteselect.analysis.measure_kinds import (
    DEFAULT_COMMUTE_MINUTES,
    DEFAULT_MIN_VOLTAGE_KV,
    MEASURE_KINDS,
    MeasureKind,
    measure_kind,
)
from siteselect.network.graph import GraphCache, RoadGraph
from siteselect.scenario import FactorSpec, Scenario

__all__ = ["DEFAULT_COMMUTE_MINUTES", "DEFAULT_MIN_VOLTAGE_KV", "FREIGHT_MEASURES", "MEASURE_KINDS",
           "MEASURE_ROLES", "MeasureRequest", "freight_graph", "measure_column", "node_measures", "reach_table", "site_measures",
           "standard_requests"]


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
        A name from :data:`~siteselect.analysis.measure_kinds.MEASURE_KINDS`.
    params
        The measure's parameters.

    Returns
    -------
    str
    """
    return measure_kind(measure).column(dict(params or {}))


#: The layer role each measure needs besides candidates and roads.
MEASURE_ROLES: dict[str, str] = {k.name: k.role for k in MEASURE_KINDS.values() if k.role is not None}

#: Measures a scenario's freight vehicle drives (the rest go by car).
FREIGHT_MEASURES: tuple[str, ...] = tuple(k.name for k in MEASURE_KINDS.values() if k.freight)


def freight_graph(scenario: Scenario, roads: gpd.GeoDataFrame, cache: GraphCache | None = None) -> RoadGraph | None:
    """The road graph of the scenario's vehicle, or None when it is the car (the car graph serves).

    Parameters
    ----------
    scenario
        Its ``vehicle`` block names the profile and gross weight.
    roads
        The road layer (working CRS).
    cache
        Where the graph is cached (None: built afresh).
    """
    v = scenario.vehicle
    if v is None or v.profile == "car":
        return None
    return RoadGraph.from_roads(roads, cache=cache, vehicle=v.profile, gross_weight_t=v.gross_weight_t)


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

    Raises
    ------
    ScenarioError
        An unknown measure, or a layer a measure needs is missing or empty.
    """
    out = pd.DataFrame(index=candidates.index)
    batches: dict[str, tuple[MeasureKind, list[Mapping[str, Any]]]] = {}
    for req in _unique(requests):
        kind = measure_kind(req.measure)
        if kind.batched:  # computed together after the others
            batches.setdefault(kind.name, (kind, []))[1].append(req.params)
            continue
        for col, values in kind.vector(candidates, layers, graph, req.params).items():
            out[col] = values
    for kind, params in batches.values():
        for col, values in kind.vector_batch(candidates, layers, graph, params).items():
            out[col] = values
    return out


def _unique(requests: Iterable[MeasureRequest]) -> list[MeasureRequest]:
    seen: dict[str, MeasureRequest] = {}
    for r in requests:
        seen.setdefault(r.column, r)
    return list(seen.values())


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
        if MEASURE_KINDS[r.measure].role is not None or r.measure in sites.columns  # a site field if present
    ]
    return site_measures(sites, layers, graph, reqs)


def node_measures(
    factors: Mapping[str, FactorSpec],
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
        table = measure_kind(spec.measure).node_table(spec, layers, graph, name)
        if table is not None:
            tables[name] = table
    return tables
