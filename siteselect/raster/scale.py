"""Raster mode on Dask: the same suitability surface, chunk by chunk, for national scale.

:func:`suitability_surface_dask` builds the surface of
:func:`siteselect.raster.suitability.suitability_surface` as lazy, chunked
:mod:`dask.array` arrays — one raw array per factor, the constraint mask, and
the WLC/OWA score — so a grid far larger than memory (Sweden at 10 m is about
4.5 billion cells per factor) is computed and written one chunk at a time, on
the threads of this process, on a :class:`distributed.LocalCluster`, or on a
real cluster (give a ``distributed.Client``). Nothing here schedules work:
Dask does.

Every chunk is computed by the very helpers local mode uses
(:func:`~siteselect.raster.suitability.distance_raster`,
:func:`~siteselect.raster.suitability.constraint_mask`, the fused numba kernels of
:mod:`siteselect.raster.kernels`) on a *window* of the grid, so a chunk equals the
same cells of the in-memory surface (the tests check this, cell by cell).

How chunk edges are handled
---------------------------
Distances (``substation_km``, ``within`` and ``min_voltage_within``
constraints)
    A halo whose depth is the largest distance that matters: for a factor
    the distance beyond which its fuzzy curve is flat
    (:func:`~siteselect.raster.suitability._flat_beyond_m`, plus one cell, as in
    local mode), for a constraint its own distance. Instead of exchanging
    halos of rasterised features between chunks (``dask.array.map_overlap``),
    each chunk rasterises the vector features that fall within its window
    grown by that depth and runs the exact EDT there. This is the same
    computation as an overlap of that depth, needs no communication between
    chunks and works for any depth, also one larger than a chunk. A cell's
    distance is exact whenever the nearest feature cell is within the depth,
    which is where the curve (or the constraint) can tell distances apart.
Network measures (``*_minutes``, ``population_within``)
    Need no halo: the graph nodes are binned once into buckets
    (:mod:`siteselect.raster.nodegrid`), shipped to the workers once, and every
    chunk finds each cell's exact nearest node by scanning the buckets around
    it (each cell takes its nearest node's value plus the access leg, as in
    local mode). Factors on the same nodes are computed by one task per
    chunk, so three ``*_minutes`` factors cost one search and three gathers.
Constraints and the study area
    ``inside`` and the county clip rasterise only the polygons that touch the
    chunk.

Differences from local mode: none by construction on the cells, except that
for J-shaped distance curves (which never become flat) both paths cut at the
same distance but local mode may still see features beyond that cut inside
its (larger) padded grid; there the two can differ by at most the curve's
value at the cut.

Writing
-------
:func:`save_suitability_dask` writes a tiled, compressed (BigTIFF when
needed) GeoTIFF chunk by chunk in this process, with at most a few chunks in
flight, so memory stays bounded however large the grid.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numba
import numpy as np
import rasterio
import rasterio.enums
import rasterio.errors
from rasterio.windows import Window

from siteselect.analysis.constraint_kinds import constraint_kind
from siteselect.analysis.overlay import score_table
from siteselect.core.crs import common_crs
from siteselect.core.output import atomic_write
from siteselect.core.roles import connection_points
from siteselect.errors import OutputError, ScenarioError
from siteselect.raster import kernels as K
from siteselect.raster.nodegrid import NodeGrid, nearest_values
from siteselect.raster.suitability import (
    Grid,
    SuitabilityResult,
    _flat_beyond_m,
    _rasterize,
    constraint_mask,
    distance_raster,
    factor_params,
    grid_from_bbox,
    layer_factor_rasters,
    plan_factors,
)
from siteselect.scenario import FactorSpec, Scenario

try:  # dask is an optional extra: siteselect[dask]
    import dask
    import dask.array as da
except ImportError:  # pragma: no cover - exercised only without the extra
    dask = None  # type: ignore[assignment]
    da = None  # type: ignore[assignment]

__all__ = [
    "DaskSuitabilityResult",
    "dask_client",
    "save_suitability_dask",
    "score_candidates_dask",
    "suitability_surface_dask",
]

#: Seconds to wait for a remote Dask scheduler before giving up with a clear message.
SCHEDULER_TIMEOUT_S = 5.0

#: Rows per batch of a callable node source inside a chunk (bounds the temporaries).
_QUERY_ROWS = 256


def _require_dask() -> None:
    if dask is None:
        raise ImportError(
            "siteselect.raster.scale needs dask; install the extra: pip install 'siteselect[dask]' "
            "(or: pip install dask distributed)"
        )


# --------------------------------------------------------------------------- inputs shipped to workers


@dataclass(frozen=True)
class _Clip:
    """A layer's features and their bounding boxes, cut to a window without an index."""

    frame: gpd.GeoDataFrame
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy; NaN for null/empty geometries

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame) -> _Clip:
        return cls(frame, np.asarray(frame.geometry.bounds, dtype=np.float64).reshape(-1, 4))

    def window(self, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
        """Features whose bounding box meets ``bounds`` (closed), in their original order."""
        minx, miny, maxx, maxy = bounds
        b = self.bounds
        hit = (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
        return self.frame[hit]


@dataclass(frozen=True)
class _NodeLookup:
    """Nearest-node lookup of one network factor: the bucketed nodes and their values, or a
    callable ``f(x, y) -> values`` evaluated at the cell centres (see
    :func:`~siteselect.raster.suitability.node_raster`)."""

    nodes: NodeGrid | None
    values: np.ndarray
    func: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    xy: np.ndarray | None = None


def _node_lookup(nodes: Any) -> _NodeLookup:
    """Validate a node source as :func:`~siteselect.raster.suitability.node_raster` does and index it once."""
    if callable(nodes):
        return _NodeLookup(None, np.empty(0), nodes)
    col = "minutes" if "minutes" in nodes.columns else "value"
    missing = [c for c in ("x", "y", col) if c not in nodes.columns]
    if missing:
        raise ScenarioError(f"node table lacks column(s) {', '.join(missing)}; give x, y and minutes (or value)")
    ok = nodes[["x", "y", col]].dropna(subset=["x", "y"])
    if ok.empty:
        return _NodeLookup(None, np.empty(0))
    xy = ok[["x", "y"]].to_numpy(dtype=float)
    return _NodeLookup(NodeGrid.of(xy), ok[col].to_numpy(dtype=float), xy=xy)


@dataclass(frozen=True)
class _Shipped:
    """Wrapper so a scattered dict or list travels as one object (``scatter`` would split it by key)."""

    value: Any


def _ship(obj: Any, client: Any) -> Any:
    """One copy of ``obj`` for the graph: scattered to the cluster, or a single delayed key.

    The chunk functions receive a :class:`_Shipped` wrapping ``obj``.
    """
    if client is not None:
        return client.scatter(_Shipped(obj), hash=False)
    return dask.delayed(_Shipped(obj), pure=False)


# --------------------------------------------------------------------------- chunk functions


def _window(grid: Grid, block_info: Mapping[Any, Any] | None) -> tuple[Grid, tuple[int, int, int, int]]:
    """The chunk's sub-grid (same lattice as ``grid``) and its (r0, r1, c0, c1)."""
    assert block_info is not None  # always passed by dask.array.map_blocks
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    r = grid.resolution_m
    return Grid(grid.x0 + c0 * r, grid.y0 - r0 * r, c1 - c0, r1 - r0, r, grid.crs), (r0, r1, c0, c1)


@contextlib.contextmanager
def _numba_threads(n: int | None) -> Iterator[None]:
    """Run numba's parallel kernels on ``n`` threads in this thread (numba keeps it per thread)."""
    if n is None:
        yield
        return
    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        numba.set_num_threads(old)


def _checked(x: np.ndarray, *, factor: str, nodata_given: bool) -> np.ndarray:
    """Non-finite → NaN; NaN without a stated nodata is an error (as in local mode)."""
    x[~np.isfinite(x)] = np.nan
    if not nodata_given and np.isnan(x).any():
        raise ScenarioError(
            f"factors.{factor}: some cells have no value (e.g. unreachable or no feature) and no nodata; "
            f"set factors.{factor}.nodata to a number in [0, 1] or to exclude"
        )
    return x


def _substation_block(
    shipped: _Shipped, *, grid: Grid, max_distance_m: float, factor: str, nodata_given: bool,
    numba_threads: int | None, block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    win, _ = _window(grid, block_info)
    pad = math.ceil(max_distance_m / grid.resolution_m) + 1
    feats = shipped.value.window(win.padded(pad).bounds)
    with _numba_threads(numba_threads):
        d = distance_raster(feats, win, max_distance_m=max_distance_m)
    d[~np.isfinite(d)] = np.float32(1e12)
    return _checked(d / np.float32(1000.0), factor=factor, nodata_given=nodata_given)


def _node_block(
    shipped: _Shipped, *, grid: Grid, factor: str, nodata_given: bool,
    block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    """A callable node source evaluated at the chunk's cell centres (or NaN without nodes)."""
    _, (r0, r1, c0, c1) = _window(grid, block_info)
    lookup: _NodeLookup = shipped.value
    out = np.empty((r1 - r0, c1 - c0), dtype=np.float32)
    r = grid.resolution_m
    # cell centres by the same expressions as node_raster on the whole grid: bit for bit equal
    xs = grid.x0 + (np.arange(c0, c1) + 0.5) * r
    w = c1 - c0
    if lookup.func is not None:
        for a in range(r0, r1, _QUERY_ROWS):
            b = min(r1, a + _QUERY_ROWS)
            ys = grid.y0 - (np.arange(a, b) + 0.5) * r
            vals = np.asarray(lookup.func(np.tile(xs, b - a), np.repeat(ys, w)), dtype=np.float32)
            out[a - r0 : b - r0] = vals.reshape(b - a, w)
        return _checked(out, factor=factor, nodata_given=nodata_given)
    out[:] = np.nan
    return _checked(out, factor=factor, nodata_given=nodata_given)


def _network_block(
    shipped_nodes: _Shipped, shipped_values: _Shipped, *, grid: Grid, speeds: Sequence[float | None],
    factors: Sequence[str], nodata_given: Sequence[bool], numba_threads: int | None,
    block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    """The chunk of every network factor on one node set: (factors, rows, cols) float32.

    The nearest node of each cell is found once and serves all the factors
    (each: the nearest node's value plus the access leg, as node_raster).
    """
    assert block_info is not None  # always passed by dask.array.map_blocks
    loc = block_info[None]["array-location"]
    (r0, r1), (c0, c1) = loc[1], loc[2]
    r = grid.resolution_m
    xs = grid.x0 + (np.arange(c0, c1) + 0.5) * r
    ys = grid.y0 - (np.arange(r0, r1) + 0.5) * r
    vals = shipped_values.value  # (factors, nodes)
    mpm = np.array([0.0 if sp is None else sp * 1000.0 / 60.0 for sp in speeds])
    with _numba_threads(numba_threads):
        out = nearest_values(shipped_nodes.value, xs, ys, vals, mpm)
    for k, (name, given) in enumerate(zip(factors, nodata_given)):
        _checked(out[k], factor=name, nodata_given=given)
    return out


def _given_block(x: np.ndarray, *, factor: str, nodata_given: bool) -> np.ndarray:
    return _checked(np.array(x, dtype=np.float32), factor=factor, nodata_given=nodata_given)


def _given_window_block(
    shipped: _Shipped, *, factor: str, nodata_given: bool, block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    assert block_info is not None  # always passed by dask.array.map_blocks
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    return _given_block(shipped.value[r0:r1, c0:c1], factor=factor, nodata_given=nodata_given)


def _mask_block(
    shipped: _Shipped, *, scenario: Scenario, grid: Grid, reach_m: float, clip_to_county: bool,
    numba_threads: int | None, block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    win, _ = _window(grid, block_info)
    margin = math.ceil(reach_m / grid.resolution_m) + 2
    around = win.padded(margin).bounds
    sub = {role: clip.window(around) for role, clip in shipped.value.items()}
    with _numba_threads(numba_threads):
        mask, _ = constraint_mask(sub, scenario, win)
    if clip_to_county and "county" in sub:
        inside = _rasterize(sub["county"], win, all_touched=False)
        mask |= (inside == 0).astype(np.uint8)
    return mask


def _overlay_block(
    mask: np.ndarray, *raw: np.ndarray, params: np.ndarray, weights: np.ndarray, method: str,
    order_weights: np.ndarray | None, network: np.ndarray | None, numba_threads: int | None,
) -> np.ndarray:
    stack = np.stack(raw).astype(np.float32, copy=False)
    with _numba_threads(numba_threads):
        if method == "owa" and order_weights is not None and network is not None:
            return K.owa_stack(stack, params, weights, order_weights, mask, network)
        return K.wlc_stack(stack, params, weights, mask)


# --------------------------------------------------------------------------- the surface


@dataclass
class DaskSuitabilityResult:
    """A lazy suitability surface and how it was made.

    Attributes
    ----------
    score
        (rows, cols) float32 dask array in [0, 1]; NaN = excluded or no data.
    mask
        (rows, cols) uint8 dask array, 1 = excluded by a constraint or outside the county.
    raw
        Factor name -> (rows, cols) float32 dask array of raw values (km, minutes, …).
    grid
        The grid (working CRS).
    factors, weights, dropped, notes, method
        As in :class:`~siteselect.raster.suitability.SuitabilityResult`.
    chunk_size
        Chunk edge in cells.
    path
        The written GeoTIFF, if any.
    """

    score: Any
    mask: Any
    raw: dict[str, Any]
    grid: Grid
    factors: list[str]
    weights: dict[str, float]
    dropped: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    method: str = "wlc"
    chunk_size: int = 2048
    path: Path | None = None

    @property
    def n_chunks(self) -> int:
        """Number of chunks of the score array."""
        return int(np.prod(self.score.numblocks))

    def compute(self, **compute_kwargs: Any) -> SuitabilityResult:
        """Compute score and mask into memory (small grids only) as a local-mode result.

        ``compute_kwargs`` go to :func:`dask.compute` (e.g. ``scheduler="threads"``
        for a result built without a client).
        """
        score, mask = dask.compute(self.score, self.mask, **compute_kwargs)
        return SuitabilityResult(score, self.grid, mask, list(self.factors), dict(self.weights),
                                 list(self.dropped), dict(self.notes), self.method, self.path)


def _constraint_reach_m(scenario: Scenario) -> float:
    """Largest distance any raster constraint looks across (the mask's halo depth)."""
    return max((constraint_kind(c).raster_reach_m(c) for c in scenario.constraints), default=0.0)


def _constraint_notes(layers: Mapping[str, gpd.GeoDataFrame], scenario: Scenario, grid: Grid) -> dict[str, str]:
    """The constraint notes of local mode (and its missing-layer errors), from a one-cell grid."""
    probe = Grid(grid.x0, grid.y0, 1, 1, max(grid.resolution_m, 10_000.0), grid.crs)
    _, notes = constraint_mask(layers, scenario, probe)
    return notes


def suitability_surface_dask(
    scenario: Scenario,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    resolution_m: float,
    bbox: tuple[float, float, float, float] | None = None,
    chunk_size: int = 2048,
    node_tables: Mapping[str, Any] | None = None,
    factor_rasters: Mapping[str, Any] | None = None,
    access_speed_kmh: float = 20.0,
    skip_unavailable: bool = False,
    clip_to_county: bool = True,
    client: Any = None,
    numba_threads_per_task: int | None = 1,
    out_path: str | os.PathLike[str] | None = None,
) -> DaskSuitabilityResult:
    """Suitability surface of a scenario as chunked dask arrays (national scale).

    Same arguments and rules as :func:`siteselect.raster.suitability.suitability_surface`
    (which factors can be rasterised, renormalised weights, ``nodata``,
    constraints, county clip); the surface is equal cell by cell.

    Parameters
    ----------
    scenario
        The scenario (factors, weights, aggregation, constraints).
    layers
        Role -> GeoDataFrame, all in the working CRS: ``county`` for the default bbox,
        ``substations``, and every constraint layer.
    resolution_m
        Cell size, metres.
    bbox
        (minx, miny, maxx, maxy) in the working CRS; default the county's bounds.
    chunk_size
        Chunk edge in cells (a multiple of 512 writes GeoTIFF tiles whole).
        Memory per running chunk is about ``chunk_size² × (8 × factors + 10)``
        bytes plus the distance halo ``(chunk_size + 2·depth)² × 5`` bytes.
    node_tables
        Factor name -> per-node table (``x``, ``y``, ``minutes``/``value``)
        or callable ``f(x, y) -> values`` (see
        :func:`~siteselect.raster.suitability.node_raster`; a callable must be
        picklable to run on a distributed cluster and is evaluated per chunk).
    factor_rasters
        Factor name -> raw raster of the grid's shape: a numpy or dask array
        (a dask array is never materialised; it is rechunked to the grid's chunks).
    access_speed_kmh
        Speed of the cell-to-node leg for ``*_minutes`` factors.
    skip_unavailable
        Drop factors that cannot be rasterised instead of raising.
    clip_to_county
        Exclude cells whose centre lies outside the ``county`` layer.
    client
        A ``distributed.Client``: layers, node trees and in-memory rasters
        are scattered to its workers once, so the result must be computed on
        that client while it is open. ``None``: the default distributed
        client if one is active (the same applies), otherwise the inputs go
        into the graph and any scheduler can compute it.
    numba_threads_per_task
        Threads each chunk's numba kernels use (Dask already runs chunks in
        parallel; 1 avoids oversubscription). ``None`` leaves numba's setting.
    out_path
        If given, the surface is computed and written there as a tiled
        GeoTIFF (:func:`save_suitability_dask`).

    Returns
    -------
    DaskSuitabilityResult
        Lazy arrays; nothing is computed unless ``out_path`` is given.

    Raises
    ------
    ScenarioError
        As local mode (a factor cannot be rasterised, a layer is missing, OWA
        with dropped factors, bad ``chunk_size``). A factor with no value in
        some cell and no ``nodata`` raises when that chunk is computed.
    ImportError
        dask is not installed.
    """
    _require_dask()
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ScenarioError(f"chunk_size: found {chunk_size!r}; allowed: a positive integer (2048 is typical)")
    if bbox is None:
        if "county" not in layers:
            raise ScenarioError("suitability: give bbox= or load the 'county' layer to take its bounds")
        bbox = tuple(float(v) for v in layers["county"].total_bounds)  # type: ignore[assignment]
    grid = grid_from_bbox(bbox, resolution_m=resolution_m, crs=common_crs(layers.items()))  # type: ignore[arg-type]
    node_tables = node_tables or {}
    factor_rasters = factor_rasters or {}
    # polygon-layer factors (industrial_km, plan_status) are computed whole, then shipped like given rasters
    factor_rasters = {**layer_factor_rasters(scenario, layers, grid, given=factor_rasters), **factor_rasters}
    client = _active_client(client)
    usable, dropped, weights, method = plan_factors(scenario, grid, node_tables, factor_rasters,
                                             skip_unavailable=skip_unavailable)
    chunks = da.core.normalize_chunks((chunk_size, chunk_size), grid.shape)
    meta32 = np.empty((0, 0), dtype=np.float32)

    raw: dict[str, Any] = {}
    network: dict[str, tuple[_NodeLookup, float | None, bool]] = {}  # factors on graph nodes
    params = np.empty((len(usable), K._NP), dtype=np.float64)
    for i, name in enumerate(usable):
        spec: FactorSpec = scenario.factors[name]
        given = spec.nodata is not None
        if name in factor_rasters:
            src = factor_rasters[name]
            if isinstance(src, da.Array):
                raw[name] = da.map_blocks(_given_block, src.rechunk(chunks), factor=name, nodata_given=given,
                                          dtype=np.float32, meta=meta32)
            else:  # an in-memory array travels once (scattered), each chunk slices its window
                raw[name] = da.map_blocks(_given_window_block, _ship(np.asarray(src), client), factor=name,
                                          nodata_given=given, chunks=chunks, dtype=np.float32, meta=meta32)
        elif spec.measure == "substation_km":
            subs = layers.get("substations")
            if subs is None:
                raise ScenarioError(f"factor {name!r}: layer 'substations' is not loaded")
            subs = connection_points(subs, min_voltage_kv=spec.min_voltage_kv)
            raw[name] = da.map_blocks(
                _substation_block, _ship(_Clip.of(subs), client), grid=grid,
                max_distance_m=_flat_beyond_m(spec, unit_m=1000.0) + grid.resolution_m, factor=name,
                nodata_given=given, numba_threads=numba_threads_per_task,
                chunks=chunks, dtype=np.float32, meta=meta32,
            )
        else:
            speed = access_speed_kmh if spec.measure.endswith("_minutes") else None
            lookup = _node_lookup(node_tables[name])
            if lookup.nodes is None:
                raw[name] = da.map_blocks(
                    _node_block, _ship(lookup, client), grid=grid, factor=name, nodata_given=given,
                    chunks=chunks, dtype=np.float32, meta=meta32,
                )
            else:
                network[name] = (lookup, speed, given)
        params[i] = factor_params(spec)
    raw.update(_network_arrays(network, grid, chunks, client, numba_threads_per_task))

    notes = _constraint_notes(layers, scenario, grid)
    roles = {role for c in scenario.constraints for role in constraint_kind(c).raster_roles(c, layers)}
    use_county = clip_to_county and "county" in layers
    if use_county:
        roles.add("county")
        notes["study_area"] = "cells whose centre is outside the county are excluded"
    clips = {role: _Clip.of(layers[role]) for role in sorted(roles)}
    mask = da.map_blocks(
        _mask_block, _ship(clips, client), scenario=scenario, grid=grid,
        reach_m=_constraint_reach_m(scenario), clip_to_county=use_county,
        numba_threads=numba_threads_per_task, chunks=chunks, dtype=np.uint8,
        meta=np.empty((0, 0), dtype=np.uint8),
    )
    n = len(usable)
    order_w = np.asarray(scenario.aggregation.order_weights, dtype=np.float64) if method == "owa" else None
    score = da.map_blocks(
        _overlay_block, mask, *[raw[nm] for nm in usable],
        params=params, weights=np.array([weights[nm] for nm in usable], dtype=np.float64), method=method,
        order_weights=order_w, network=K.sorting_network(n) if method == "owa" else None,
        numba_threads=numba_threads_per_task, dtype=np.float32, meta=meta32,
    )
    res = DaskSuitabilityResult(score, mask, raw, grid, usable, weights, dropped, notes, method, chunk_size)
    if out_path is not None:
        res.path = save_suitability_dask(res, out_path, client=client, tags={"scenario": scenario.name})
    return res


def _network_arrays(
    specs: Mapping[str, tuple[_NodeLookup, float | None, bool]], grid: Grid, chunks: Any, client: Any,
    numba_threads: int | None,
) -> dict[str, Any]:
    """Lazy raw arrays of the network factors, one fused block per distinct node set.

    ``specs``: factor -> (lookup with nodes, access speed or None, nodata given).
    """
    groups: list[tuple[np.ndarray, NodeGrid, list[str]]] = []
    for name, (lookup, _, _) in specs.items():
        assert lookup.xy is not None and lookup.nodes is not None
        for xy, _ng, names in groups:
            if xy.shape == lookup.xy.shape and np.array_equal(xy, lookup.xy):
                names.append(name)
                break
        else:
            groups.append((lookup.xy, lookup.nodes, [name]))
    out: dict[str, Any] = {}
    for _xy, ng, names in groups:
        stacked = da.map_blocks(
            _network_block, _ship(ng, client), _ship(np.stack([specs[nm][0].values for nm in names]), client),
            grid=grid, speeds=[specs[nm][1] for nm in names], factors=names,
            nodata_given=[specs[nm][2] for nm in names], numba_threads=numba_threads,
            chunks=((len(names),), *chunks), dtype=np.float32, meta=np.empty((0, 0, 0), dtype=np.float32),
        )
        for k, nm in enumerate(names):
            out[nm] = stacked[k]
    return out


# --------------------------------------------------------------------------- clients and writing


def _active_client(client: Any) -> Any:
    """The given client, else the default distributed client if one is running, else None."""
    if client is not None:
        return client
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is part of the extra
        return None
    try:
        return default_client()
    except ValueError:
        return None


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None, *, n_workers: int | None = None, threads_per_worker: int = 1,
    processes: bool = True, memory_limit: str | float = "auto",
) -> Iterator[Any]:
    """A ``distributed.Client`` for a real cluster or a throw-away ``LocalCluster``.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``) or ``None`` for
        a ``LocalCluster`` on this machine, closed on exit.
    n_workers, threads_per_worker, processes, memory_limit
        LocalCluster settings (ignored with an address); by default one
        single-threaded worker process per core.

    Yields
    ------
    distributed.Client
    """
    _require_dask()
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            text = " ".join(str(exc).split()) or type(exc).__name__
            raise ScenarioError(
                f"engine.scheduler / --scheduler {scheduler!r}: cannot connect to a Dask scheduler within "
                f"{SCHEDULER_TIMEOUT_S:g} s ({text[:200]}); check the address (tcp://host:8786) and that the "
                "scheduler runs, or leave --scheduler out to start a LocalCluster") from exc
        with client:
            yield client
        return
    workers = n_workers if n_workers is not None else max(1, (os.cpu_count() or 1) // threads_per_worker)
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
                      memory_limit=memory_limit, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _tile_size(chunk_size: int) -> int:
    """GeoTIFF tile edge: 512, or the largest power of two ≥ 16 dividing the chunk edge."""
    if chunk_size % 512 == 0:
        return 512
    for t in (256, 128, 64, 32, 16):
        if chunk_size % t == 0:
            return t
    return 512


class _WindowWriter:
    """``dask.array.store`` target writing slices into an open rasterio band (one thread at a time)."""

    def __init__(self, ds: Any) -> None:
        self._ds = ds

    def __setitem__(self, key: tuple[slice, slice], value: np.ndarray) -> None:
        self._ds.write(np.asarray(value, dtype=np.float32), 1, window=Window.from_slices(*key))


def save_suitability_dask(
    result: DaskSuitabilityResult,
    path: str | os.PathLike[str],
    *,
    client: Any = None,
    tags: Mapping[str, Any] | None = None,
    max_in_flight: int | None = None,
    overviews: bool = True,
) -> Path:
    """Compute the surface chunk by chunk and write it as a tiled GeoTIFF (atomically).

    The file is written in this process: with a distributed client at most
    ``max_in_flight`` chunks are computed or waiting to be written at any
    time (default: twice the cluster's threads), so memory stays bounded;
    without one, ``dask.array.store`` streams the chunks on local threads.
    Tags are those of :func:`~siteselect.raster.suitability.save_suitability` plus
    ``engine`` and ``chunk_size``; NaN is the nodata value; BigTIFF is used
    when the file may exceed 4 GB. :func:`~siteselect.raster.suitability.read_suitability`
    reads it back.

    Parameters
    ----------
    result
        From :func:`suitability_surface_dask`.
    path
        Target ``.tif``.
    client
        A ``distributed.Client``; ``None``: the default client if one is
        active, else local threads.
    tags
        Extra dataset tags.
    max_in_flight
        Chunks in flight with a distributed client.
    overviews
        Add internal overviews (2–32×, average) after writing; reading the
        whole file back once, so switch off for very large grids written only
        to be processed further.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    _require_dask()
    target = Path(path)
    g = result.grid
    tile = _tile_size(result.chunk_size)
    meta = {
        "factors": json.dumps(result.factors),
        "weights": json.dumps(result.weights),
        "dropped": json.dumps(result.dropped),
        "constraints": json.dumps(result.notes, ensure_ascii=False),
        "method": result.method,
        "units": "suitability 0-1",
        "engine": "dask",
        "chunk_size": str(result.chunk_size),
    }
    meta.update({k: str(v) for k, v in (tags or {}).items()})
    profile = {
        "driver": "GTiff", "width": g.width, "height": g.height, "count": 1, "dtype": "float32", "crs": g.crs,
        "transform": g.transform, "nodata": float("nan"), "tiled": True, "blockxsize": tile, "blockysize": tile,
        "compress": "deflate", "predictor": 3, "BIGTIFF": "IF_SAFER",
    }
    client = _active_client(client)
    def write(tmp: Path) -> None:
        with rasterio.open(tmp, "w", **profile) as ds:
            ds.update_tags(**meta)
            if client is None:
                da.store(result.score, _WindowWriter(ds), lock=True)  # type: ignore[arg-type]
            else:
                _stream_blocks(result.score, ds, client, max_in_flight)
        if overviews:
            factors = [f for f in (2, 4, 8, 16, 32) if min(g.width, g.height) // f >= 1]
            if factors:
                with rasterio.open(tmp, "r+") as ds:
                    ds.build_overviews(factors, rasterio.enums.Resampling.average)

    try:
        atomic_write(target, write)
    except rasterio.errors.RasterioError as exc:
        raise OutputError(f"cannot write suitability raster {target}: {exc}") from exc
    result.path = target
    return target


def _stream_blocks(score: Any, ds: Any, client: Any, max_in_flight: int | None) -> None:
    """Compute chunks on the cluster, a bounded number at a time, and write each as it arrives."""
    from distributed import as_completed

    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = 2 * threads
    blocks = score.to_delayed()
    offs = [np.concatenate([[0], np.cumsum(c)]) for c in score.chunks]
    todo = iter(np.ndindex(*blocks.shape))
    where: dict[Any, tuple[int, int]] = {}
    ac = as_completed()

    def submit() -> bool:
        ij = next(todo, None)
        if ij is None:
            return False
        fut = client.compute(blocks[ij])
        where[fut] = ij
        ac.add(fut)
        return True

    for _ in range(max(1, max_in_flight)):
        if not submit():
            break
    for fut in ac:
        i, j = where.pop(fut)
        arr = fut.result()
        fut.release()
        ds.write(np.asarray(arr, dtype=np.float32), 1,
                 window=Window(int(offs[1][j]), int(offs[0][i]), arr.shape[1], arr.shape[0]))
        del arr
        submit()


# --------------------------------------------------------------------------- vector mode


def score_candidates_dask(
    std_table: Any,
    weights: Mapping[str, float],
    *,
    method: str = "wlc",
    order_weights: Sequence[float] | None = None,
    npartitions: int | None = None,
) -> Any:
    """Score candidates from their standardised factors on dask partitions.

    Each partition is scored by :func:`siteselect.analysis.overlay.score_table`, so the
    columns and values are those of vector mode (``score``, ``NAME_weight``,
    ``NAME_contrib``). Ranks need every row; compute, then use
    :func:`siteselect.analysis.overlay.rank_scores`.

    Parameters
    ----------
    std_table
        pandas or dask DataFrame, one column per factor in [0, 1], any index.
    weights
        Factor name -> weight (positive, summing to 1).
    method, order_weights
        ``"wlc"`` or ``"owa"`` with its order weights.
    npartitions
        Partitions for a pandas input (default: about 100,000 rows each);
        a dask input keeps its own.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, same index as ``std_table``.

    Raises
    ------
    WeightsError
        Weights or order weights are invalid (checked before anything runs).
    """
    _require_dask()
    import dask.dataframe as dd

    if isinstance(std_table, dd.DataFrame):
        ddf = std_table
    else:
        parts = npartitions if npartitions is not None else max(1, math.ceil(len(std_table) / 100_000))
        with dask.config.set({"dataframe.convert-string": False}):  # keep the caller's dtypes
            ddf = dd.from_pandas(std_table, npartitions=parts, sort=False)
    ow = None if order_weights is None else list(order_weights)
    meta = score_table(ddf._meta, weights, method=method, order_weights=ow)  # validates the weights now
    return ddf.map_partitions(score_table, dict(weights), meta=meta, method=method, order_weights=ow)
