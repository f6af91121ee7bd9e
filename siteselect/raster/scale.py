"""Raster mode on Dask: the same suitability surface, chunk by chunk, for national scale.

:func:`suitability_surface_dask` builds the surface of
:func:`siteselect.raster.suitability.suitability_surface` as lazy, chunked
:mod:`dask.array` arrays — one raw array per factor, the constraint mask, and
the WLC/OWA score — so a grid far larger than memory (Sweden at 10 m is about
4.5 billion cells per factor) is computed and written one chunk at a time, on
the threads of this process, on a :class:`distributed.LocalCluster`, or on a
real cluster (give a ``distributed.Client``). Nothing here schedules work:
Dask does.

This is the Dask runner of the one raster engine (:mod:`siteselect.raster.engine`):
the surface is planned by the same :func:`~siteselect.raster.engine.plan_surface`,
and every chunk is computed by the very window functions the in-memory runner
calls on the whole grid (factor rasters through each measure kind, the
constraint mask through each constraint kind, the fused numba kernels of
:mod:`siteselect.raster.kernels`), so a chunk equals the same cells of the
in-memory surface (the tests check this, cell by cell).

How chunk edges are handled
---------------------------
Distances (``substation_km``, ``industrial_km``, ``within`` and
``min_voltage_within`` constraints)
    A halo whose depth is the largest distance that matters: for a factor
    the distance beyond which its fuzzy curve is flat
    (:func:`~siteselect.analysis.measure_kinds.flat_beyond_m`, plus one cell, as in
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
Constraints, plan status and the study area
    ``inside``, ``where``, ``plan_status`` and the county clip rasterise only the
    polygons that touch the chunk.

Differences from local mode: none by construction on the cells, except that
for J-shaped distance curves (which never become flat) both paths cut at the
same distance but local mode may still see features beyond that cut inside
its (larger) padded grid; there the two can differ by at most the curve's
value at the cut.

Writing
-------
:func:`save_suitability_dask` (:mod:`siteselect.raster.dask_io`) writes a tiled, compressed (BigTIFF when
needed) GeoTIFF chunk by chunk in this process, with at most a few chunks in
flight, so memory stays bounded however large the grid.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numba
import numpy as np

from siteselect.analysis.overlay import score_table
from siteselect.errors import ScenarioError
from siteselect.raster.dask_io import (
    DaskSuitabilityResult,
    active_client,
    dask_client,
    require_dask,
    save_suitability_dask,
)
from siteselect.raster.engine import (
    FactorPlan,
    NodeLookup,
    SurfacePlan,
    callable_window,
    given_window,
    layer_factor_window,
    mask_window,
    network_groups,
    network_window,
    node_lookup,
    plan_surface,
    score_window,
)
from siteselect.raster.grid import Grid
from siteselect.scenario import Scenario

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


def _clips(layers: Mapping[str, gpd.GeoDataFrame], roles: set[str]) -> dict[str, _Clip]:
    return {role: _Clip.of(layers[role]) for role in sorted(roles) if role in layers}


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


def _location(block_info: Mapping[Any, Any] | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """The chunk's (r0, r1), (c0, c1) in the grid (the last two axes)."""
    assert block_info is not None  # always passed by dask.array.map_blocks
    loc = block_info[None]["array-location"]
    return (int(loc[-2][0]), int(loc[-2][1])), (int(loc[-1][0]), int(loc[-1][1]))


def _window(grid: Grid, block_info: Mapping[Any, Any] | None) -> Grid:
    """The chunk's sub-grid (same lattice as ``grid``)."""
    (r0, r1), (c0, c1) = _location(block_info)
    r = grid.resolution_m
    return Grid(grid.x0 + c0 * r, grid.y0 - r0 * r, c1 - c0, r1 - r0, r, grid.crs)


def _cut(clips: Mapping[str, _Clip], win: Grid, reach_m: float, extra_cells: int) -> dict[str, gpd.GeoDataFrame]:
    """The features that can matter to ``win``: within ``reach_m`` (plus a few cells) of it."""
    around = win.padded(math.ceil(reach_m / win.resolution_m) + extra_cells).bounds
    return {role: clip.window(around) for role, clip in clips.items()}


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


def _layer_factor_block(
    shipped: _Shipped, *, f: FactorPlan, grid: Grid, reach_m: float, numba_threads: int | None,
    block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    win = _window(grid, block_info)
    sub = _cut(shipped.value, win, reach_m, 1)
    with _numba_threads(numba_threads):
        return layer_factor_window(f, sub, win)


def _callable_block(
    shipped: _Shipped, *, f: FactorPlan, grid: Grid, block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    return callable_window(shipped.value, f, grid, *_location(block_info))


def _network_block(
    shipped_nodes: _Shipped, shipped_values: _Shipped, *, grid: Grid, factors: Sequence[FactorPlan],
    numba_threads: int | None, block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    """The chunk of every network factor on one node set: (factors, rows, cols) float32."""
    with _numba_threads(numba_threads):
        return network_window(shipped_nodes.value, shipped_values.value, factors, grid, *_location(block_info))


def _given_block(x: np.ndarray, *, f: FactorPlan) -> np.ndarray:
    return given_window(x, f)


def _given_window_block(shipped: _Shipped, *, f: FactorPlan, block_info: Mapping[Any, Any] | None = None
                        ) -> np.ndarray:
    (r0, r1), (c0, c1) = _location(block_info)
    return given_window(shipped.value[r0:r1, c0:c1], f)


def _mask_block(
    shipped: _Shipped, *, plan: SurfacePlan, reach_m: float, numba_threads: int | None,
    block_info: Mapping[Any, Any] | None = None,
) -> np.ndarray:
    win = _window(plan.grid, block_info)
    sub = _cut(shipped.value, win, reach_m, 2)
    with _numba_threads(numba_threads):
        return mask_window(plan, sub, win)


def _overlay_block(mask: np.ndarray, *raw: np.ndarray, plan: SurfacePlan, numba_threads: int | None) -> np.ndarray:
    stack = np.stack(raw).astype(np.float32, copy=False)
    with _numba_threads(numba_threads):
        return score_window(plan, mask, stack)


# --------------------------------------------------------------------------- the surface


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
    require_dask()
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ScenarioError(f"chunk_size: found {chunk_size!r}; allowed: a positive integer (2048 is typical)")
    node_tables = node_tables or {}
    factor_rasters = factor_rasters or {}
    plan = plan_surface(scenario, layers, resolution_m=resolution_m, bbox=bbox, node_tables=node_tables,
                        factor_rasters=factor_rasters, access_speed_kmh=access_speed_kmh,
                        skip_unavailable=skip_unavailable, clip_to_county=clip_to_county)
    grid = plan.grid
    client = active_client(client)
    chunks = da.core.normalize_chunks((chunk_size, chunk_size), grid.shape)
    meta32 = np.empty((0, 0), dtype=np.float32)
    threads = numba_threads_per_task

    raw: dict[str, Any] = {}
    lookups: dict[str, NodeLookup] = {}
    for f in plan.factors:
        if f.source == "given":
            src = factor_rasters[f.name]
            if isinstance(src, da.Array):
                raw[f.name] = da.map_blocks(_given_block, src.rechunk(chunks), f=f, dtype=np.float32, meta=meta32)
            else:  # an in-memory array travels once (scattered), each chunk slices its window
                raw[f.name] = da.map_blocks(_given_window_block, _ship(np.asarray(src), client), f=f,
                                            chunks=chunks, dtype=np.float32, meta=meta32)
        elif f.source == "layers":
            raw[f.name] = da.map_blocks(
                _layer_factor_block, _ship(_clips(layers, f.kind.raster_roles(f.spec)), client), f=f, grid=grid,
                reach_m=f.kind.raster_reach_m(f.spec, grid.resolution_m), numba_threads=threads,
                chunks=chunks, dtype=np.float32, meta=meta32,
            )
        else:
            lookups[f.name] = node_lookup(node_tables[f.name])
            if lookups[f.name].nodes is None:
                raw[f.name] = da.map_blocks(_callable_block, _ship(lookups[f.name], client), f=f, grid=grid,
                                            chunks=chunks, dtype=np.float32, meta=meta32)
    for nodes, values, members in network_groups(plan, lookups):
        stacked = da.map_blocks(
            _network_block, _ship(nodes, client), _ship(values, client), grid=grid, factors=members,
            numba_threads=threads, chunks=((len(members),), *chunks), dtype=np.float32,
            meta=np.empty((0, 0, 0), dtype=np.float32),
        )
        for k, f in enumerate(members):
            raw[f.name] = stacked[k]

    mask = da.map_blocks(
        _mask_block, _ship(_clips(layers, plan.mask_roles(layers)), client), plan=plan,
        reach_m=plan.mask_reach_m, numba_threads=threads, chunks=chunks, dtype=np.uint8,
        meta=np.empty((0, 0), dtype=np.uint8),
    )
    score = da.map_blocks(_overlay_block, mask, *[raw[nm] for nm in plan.names], plan=plan,
                          numba_threads=threads, dtype=np.float32, meta=meta32)
    res = DaskSuitabilityResult(score, mask, raw, grid, plan.names, dict(plan.weights), list(plan.dropped),
                                dict(plan.notes), plan.method, chunk_size)
    if out_path is not None:
        res.path = save_suitability_dask(res, out_path, client=client, tags={"scenario": scenario.name})
    return res


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
    require_dask()
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
