"""The one raster engine: factor assembly, constraint masks and kernels, per window of a grid.

A surface is made in two steps. :func:`plan_surface` decides, once and for
any runner, which factors the grid can carry and from what (a raster the
caller gives, the layers through the factor's measure kind, or a per-node
table of the road graph), their renormalised weights, their kernel parameter
rows and the constraint notes; it raises every planning error (missing layer,
factor that cannot be rasterised, OWA with dropped factors) before any cell
is computed. Then the *window functions* compute the cells of any window of
the grid — the whole grid, or one chunk of it:

:func:`layer_factor_window`, :func:`network_window`, :func:`callable_window`, :func:`given_window`
    one factor's raw values (or several network factors on one node set);
:func:`mask_window`
    the constraint mask (each constraint through its registered kind) and the
    county clip;
:func:`score_window`
    the fused WLC / OWA kernels of :mod:`siteselect.raster.kernels`.

:func:`run_local` calls them once on the whole grid in memory;
:mod:`siteselect.raster.scale` maps the very same functions over Dask chunks
(the way xarray-spatial dispatches numpy and Dask arrays to one kernel), so a
chunk equals the same cells of the in-memory surface.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from siteselect.analysis.constraint_kinds import constraint_kind
from siteselect.analysis.measure_kinds import MeasureKind, measure_kind
from siteselect.analysis.weights import weights_from_spec
from siteselect.core.crs import common_crs
from siteselect.errors import ScenarioError
from siteselect.raster import kernels as K
from siteselect.raster.grid import Grid, NodeSource, grid_from_bbox
from siteselect.raster.nodegrid import NodeGrid, nearest_values
from siteselect.raster.params import PARAM_WIDTH, factor_params
from siteselect.scenario import FactorSpec, Scenario

__all__ = [
    "FactorPlan",
    "NodeLookup",
    "SuitabilityResult",
    "SurfacePlan",
    "callable_window",
    "constraint_mask",
    "given_window",
    "layer_factor_window",
    "mask_window",
    "network_groups",
    "network_window",
    "node_lookup",
    "plan_surface",
    "run_local",
    "score_window",
]

#: Rows of a callable node source evaluated at a time (bounds the temporaries).
QUERY_ROWS = 256
#: Rows of the network factors the local runner computes at a time (bounds the temporary).
BAND_ROWS = 1024


@dataclass
class SuitabilityResult:
    """A suitability surface and how it was made.

    Attributes
    ----------
    score
        (rows, cols) float32 in [0, 1]; NaN = excluded by a constraint or no data.
    grid
        The grid (working CRS).
    mask
        (rows, cols) uint8, 1 = excluded by a constraint.
    factors, weights
        Factors used and their (renormalised) weights.
    dropped
        Factors left out (``skip_unavailable=True``).
    notes
        Constraint id -> how it was applied (or why not).
    path
        The written GeoTIFF, if any.
    """

    score: np.ndarray
    grid: Grid
    mask: np.ndarray
    factors: list[str]
    weights: dict[str, float]
    dropped: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    method: str = "wlc"
    path: Path | None = None


def surface_tags(result: Any, **extra: Any) -> dict[str, str]:
    """GeoTIFF metadata that says how a surface was made (local or Dask result alike).

    Parameters
    ----------
    result
        A :class:`SuitabilityResult` or a Dask result with the same ``factors``,
        ``weights``, ``dropped``, ``notes`` and ``method``.
    **extra
        More tags (engine, chunk size, the caller's own); values are written as text.
    """
    meta = {
        "factors": json.dumps(result.factors),
        "weights": json.dumps(result.weights),
        "dropped": json.dumps(result.dropped),
        "constraints": json.dumps(result.notes, ensure_ascii=False),
        "method": result.method,
        "units": "suitability 0-1",
    }
    meta.update({k: str(v) for k, v in extra.items()})
    return meta


@dataclass(frozen=True)
class FactorPlan:
    """One usable factor: where its raw values come from.

    ``source`` is ``"given"`` (a raster the caller passed), ``"layers"``
    (:meth:`~siteselect.analysis.measure_kinds.MeasureKind.raster`) or
    ``"network"`` (a node table or callable; ``access_speed_kmh`` adds the
    access leg, ``None`` none).
    """

    name: str
    spec: FactorSpec
    kind: MeasureKind
    source: str
    access_speed_kmh: float | None = None

    @property
    def nodata_given(self) -> bool:
        """The factor states a nodata value (else a cell without value is an error)."""
        return self.spec.nodata is not None


@dataclass(frozen=True)
class SurfacePlan:
    """Everything a runner needs to compute any window of a surface."""

    scenario: Scenario
    grid: Grid
    factors: tuple[FactorPlan, ...]
    dropped: list[str]
    weights: dict[str, float]
    method: str
    params: np.ndarray
    notes: dict[str, str]
    clip_to_county: bool

    @property
    def names(self) -> list[str]:
        """Usable factor names, in the scenario's order."""
        return [f.name for f in self.factors]

    @property
    def weight_vector(self) -> np.ndarray:
        """The usable factors' weights as float64."""
        return np.array([self.weights[f.name] for f in self.factors], dtype=np.float64)

    def mask_roles(self, layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
        """Layers a window of the mask needs."""
        roles = {r for c in self.scenario.constraints for r in constraint_kind(c).raster_roles(c, layers)}
        if self.clip_to_county:
            roles.add("county")
        return roles

    @property
    def mask_reach_m(self) -> float:
        """How far beyond a window the constraints look, metres."""
        return max((constraint_kind(c).raster_reach_m(c) for c in self.scenario.constraints), default=0.0)


def plan_surface(
    scenario: Scenario,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    resolution_m: float,
    bbox: tuple[float, float, float, float] | None = None,
    node_tables: Mapping[str, Any] | None = None,
    factor_rasters: Mapping[str, Any] | None = None,
    access_speed_kmh: float = 20.0,
    skip_unavailable: bool = False,
    clip_to_county: bool = True,
) -> SurfacePlan:
    """Plan a surface: the grid, the usable factors and their sources, weights and notes.

    A factor is usable when a raster is given for it, when its measure kind
    can read it from the layers, or when it is a network measure with a node
    table. Unusable ones are an error, or with ``skip_unavailable`` dropped and
    the remaining weights renormalised (not allowed for OWA). Every
    constraint and layer factor is evaluated once on a one-cell probe grid,
    so their errors (a layer not loaded …) are raised here.

    Raises
    ------
    ScenarioError
        As :func:`siteselect.raster.suitability.suitability_surface`.
    """
    if bbox is None:
        if "county" not in layers:
            raise ScenarioError("suitability: give bbox= or load the 'county' layer to take its bounds")
        minx, miny, maxx, maxy = (float(v) for v in layers["county"].total_bounds)
        bbox = (minx, miny, maxx, maxy)
    grid = grid_from_bbox(bbox, resolution_m=resolution_m, crs=common_crs(layers.items()))
    node_tables = node_tables or {}
    factor_rasters = factor_rasters or {}
    probe = Grid(grid.x0, grid.y0, 1, 1, max(grid.resolution_m, 10_000.0), grid.crs)
    usable: list[FactorPlan] = []
    dropped: list[str] = []
    for name, spec in scenario.factors.items():
        kind = measure_kind(spec.measure)
        if name in factor_rasters:
            if tuple(np.shape(factor_rasters[name])) != grid.shape:
                raise ScenarioError(
                    f"factor_rasters[{name!r}]: found shape {tuple(np.shape(factor_rasters[name]))}; allowed: {grid.shape}"
                )
            usable.append(FactorPlan(name, spec, kind, "given"))
        elif kind.raster_available(spec, layers):
            kind.raster(spec, layers, probe, name)  # its errors now, not in a chunk
            usable.append(FactorPlan(name, spec, kind, "layers"))
        elif kind.network and spec.fuzzy is not None and name in node_tables:
            usable.append(FactorPlan(name, spec, kind, "network", access_speed_kmh if kind.access_leg else None))
        else:
            dropped.append(name)
    if dropped and not skip_unavailable:
        raise ScenarioError(
            f"suitability: factor(s) {', '.join(dropped)} cannot be rasterised (no node table or raster given; "
            "class and area measures need factor_rasters); pass them or use skip_unavailable=True"
        )
    if not usable:
        raise ScenarioError("suitability: no factor can be rasterised")
    all_w, _ = weights_from_spec(scenario.weights, scenario.factor_names)
    tot = sum(all_w[f.name] for f in usable)
    weights = {f.name: all_w[f.name] / tot for f in usable}
    method = scenario.aggregation.method
    if method == "owa" and dropped:
        raise ScenarioError("suitability: OWA order weights cannot be renormalised after dropping factors; give all factors")
    params = np.empty((len(usable), PARAM_WIDTH), dtype=np.float64)
    for i, f in enumerate(usable):
        params[i] = factor_params(f.spec, standardised=f.kind.raster_standardised)
    notes = constraint_mask(layers, scenario, probe)[1]
    use_county = clip_to_county and "county" in layers
    if use_county:
        notes["study_area"] = "cells whose centre is outside the county are excluded"
    return SurfacePlan(scenario, grid, tuple(usable), dropped, weights, method, params, notes, use_county)


# --------------------------------------------------------------------------- window functions


def checked(x: np.ndarray, *, factor: str, nodata_given: bool) -> np.ndarray:
    """Non-finite → NaN in place; NaN without a stated nodata is an error."""
    x[~np.isfinite(x)] = np.nan
    if not nodata_given and np.isnan(x).any():
        raise ScenarioError(
            f"factors.{factor}: some cells have no value (e.g. unreachable or no feature) and no nodata; "
            f"set factors.{factor}.nodata to a number in [0, 1] or to exclude"
        )
    return x


def given_window(x: Any, f: FactorPlan) -> np.ndarray:
    """A window of a given raster as float32, checked."""
    return checked(np.array(x, dtype=np.float32), factor=f.name, nodata_given=f.nodata_given)


def layer_factor_window(f: FactorPlan, layers: Mapping[str, gpd.GeoDataFrame], window: Grid) -> np.ndarray:
    """A factor read from the layers by its measure kind, on ``window`` (layers may be cut to it)."""
    raw = np.asarray(f.kind.raster(f.spec, layers, window, f.name), dtype=np.float32)
    return checked(raw, factor=f.name, nodata_given=f.nodata_given)


@dataclass(frozen=True)
class NodeLookup:
    """A network factor's node source: bucketed nodes and their values, or a callable
    ``f(x, y) -> values`` evaluated at the cell centres (then no access leg)."""

    nodes: NodeGrid | None
    values: np.ndarray
    func: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    xy: np.ndarray | None = None


def node_lookup(nodes: NodeSource) -> NodeLookup:
    """Validate a node source (table with ``x``, ``y``, ``minutes``/``value``, or callable) and index it once."""
    if callable(nodes):
        return NodeLookup(None, np.empty(0), nodes)
    col = "minutes" if "minutes" in nodes.columns else "value"
    missing = [c for c in ("x", "y", col) if c not in nodes.columns]
    if missing:
        raise ScenarioError(f"node table lacks column(s) {', '.join(missing)}; give x, y and minutes (or value)")
    ok = nodes[["x", "y", col]].dropna(subset=["x", "y"])
    if ok.empty:
        return NodeLookup(None, np.empty(0))
    xy = ok[["x", "y"]].to_numpy(dtype=float)
    return NodeLookup(NodeGrid.of(xy), ok[col].to_numpy(dtype=float), xy=xy)


def network_groups(
    plan: SurfacePlan, lookups: Mapping[str, NodeLookup]
) -> list[tuple[NodeGrid, np.ndarray, list[FactorPlan]]]:
    """Network factors with nodes, grouped by identical node sets: (nodes, values per factor, factors).

    One nearest-node search per group serves all its factors.
    """
    groups: list[tuple[np.ndarray, NodeGrid, list[FactorPlan]]] = []
    for f in plan.factors:
        lk = lookups.get(f.name)
        if lk is None or lk.nodes is None or lk.xy is None:
            continue
        for xy, _ng, members in groups:
            if xy.shape == lk.xy.shape and np.array_equal(xy, lk.xy):
                members.append(f)
                break
        else:
            groups.append((lk.xy, lk.nodes, [f]))
    return [(ng, np.stack([lookups[f.name].values for f in members]), members) for _xy, ng, members in groups]


def network_window(
    nodes: NodeGrid, values: np.ndarray, factors: Sequence[FactorPlan], grid: Grid,
    rows: tuple[int, int], cols: tuple[int, int],
) -> np.ndarray:
    """(factors, rows, cols) float32: each cell's nearest node value plus the access leg, checked."""
    r = grid.resolution_m
    xs = grid.x0 + (np.arange(*cols) + 0.5) * r  # the same expressions for any window: bit for bit equal
    ys = grid.y0 - (np.arange(*rows) + 0.5) * r
    mpm = np.array([0.0 if f.access_speed_kmh is None else f.access_speed_kmh * 1000.0 / 60.0 for f in factors])
    out = nearest_values(nodes, xs, ys, values, mpm)
    for k, f in enumerate(factors):
        checked(out[k], factor=f.name, nodata_given=f.nodata_given)
    return out


def callable_window(lookup: NodeLookup, f: FactorPlan, grid: Grid, rows: tuple[int, int],
                    cols: tuple[int, int]) -> np.ndarray:
    """A callable node source at the window's cell centres, or NaN when the table has no node."""
    (r0, r1), (c0, c1) = rows, cols
    out = np.empty((r1 - r0, c1 - c0), dtype=np.float32)
    if lookup.func is None:
        out[:] = np.nan
        return checked(out, factor=f.name, nodata_given=f.nodata_given)
    r = grid.resolution_m
    xs = grid.x0 + (np.arange(c0, c1) + 0.5) * r
    w = c1 - c0
    for a in range(r0, r1, QUERY_ROWS):
        b = min(r1, a + QUERY_ROWS)
        ys = grid.y0 - (np.arange(a, b) + 0.5) * r
        vals = np.asarray(lookup.func(np.tile(xs, b - a), np.repeat(ys, w)), dtype=np.float32)
        out[a - r0 : b - r0] = vals.reshape(b - a, w)
    return checked(out, factor=f.name, nodata_given=f.nodata_given)


def constraint_mask(
    layers: Mapping[str, gpd.GeoDataFrame], scenario: Scenario, grid: Grid
) -> tuple[np.ndarray, dict[str, str]]:
    """Raster mask (uint8, 1 = excluded) of the scenario's constraints on ``grid``, and notes.

    Each constraint is evaluated by its registered kind
    (:data:`~siteselect.analysis.constraint_kinds.CONSTRAINT_KINDS`).
    """
    mask = np.zeros(grid.shape, dtype=np.uint8)
    notes: dict[str, str] = {}
    for c in scenario.constraints:
        part, notes[c.id] = constraint_kind(c).raster(c, layers, grid)
        if part is not None:
            mask |= part
    return mask, notes


def mask_window(plan: SurfacePlan, layers: Mapping[str, gpd.GeoDataFrame], window: Grid) -> np.ndarray:
    """The constraint mask on ``window`` plus the county clip (layers may be cut to the window)."""
    mask, _ = constraint_mask(layers, plan.scenario, window)
    if plan.clip_to_county and "county" in layers:
        mask |= (window.rasterize(layers["county"], all_touched=False) == 0).astype(np.uint8)
    return mask


def score_window(plan: SurfacePlan, mask: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """The fused standardise-and-aggregate kernels on one window: float32 score, NaN where masked."""
    weights = plan.weight_vector
    if plan.method == "owa":
        ow = np.asarray(plan.scenario.aggregation.order_weights, dtype=np.float64)
        return K.owa_stack(stack, plan.params, weights, ow, mask, K.sorting_network(len(plan.factors)))
    return K.wlc_stack(stack, plan.params, weights, mask)


# --------------------------------------------------------------------------- the local runner


def run_local(
    plan: SurfacePlan,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    node_tables: Mapping[str, NodeSource] | None = None,
    factor_rasters: Mapping[str, Any] | None = None,
) -> SuitabilityResult:
    """Compute a planned surface in memory: the window functions on the whole grid."""
    grid = plan.grid
    node_tables = node_tables or {}
    factor_rasters = factor_rasters or {}
    whole = ((0, grid.height), (0, grid.width))
    stack = np.empty((len(plan.factors), grid.height, grid.width), dtype=np.float32)
    pos = {f.name: i for i, f in enumerate(plan.factors)}
    lookups = {f.name: node_lookup(node_tables[f.name]) for f in plan.factors if f.source == "network"}
    for f in plan.factors:
        if f.source == "given":
            stack[pos[f.name]] = given_window(factor_rasters[f.name], f)
        elif f.source == "layers":
            stack[pos[f.name]] = layer_factor_window(f, layers, grid)
        elif lookups[f.name].nodes is None:
            stack[pos[f.name]] = callable_window(lookups[f.name], f, grid, *whole)
    for nodes, values, members in network_groups(plan, lookups):
        for r0 in range(0, grid.height, BAND_ROWS):  # in bands: the temporary stays small
            r1 = min(grid.height, r0 + BAND_ROWS)
            out = network_window(nodes, values, members, grid, (r0, r1), whole[1])
            for k, f in enumerate(members):
                stack[pos[f.name], r0:r1] = out[k]
    mask = mask_window(plan, layers, grid)
    score = score_window(plan, mask, stack)
    del stack
    return SuitabilityResult(score, grid, mask, plan.names, dict(plan.weights), list(plan.dropped),
                             dict(plan.notes), plan.method)
