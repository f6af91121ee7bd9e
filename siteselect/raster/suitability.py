"""Raster mode: a suitability surface over a grid, and zones extracted from it.

:func:`suitability_surface` builds one raw raster per factor on a square
grid in the working CRS (10–100 m), standardises and combines them in one fused
numba pass (:mod:`siteselect.raster.kernels`; same curves and WLC/OWA formulas as
vector mode), masks the constraints and optionally writes a Cloud-Optimized
GeoTIFF (:func:`save_suitability`). :func:`extract_zones` turns the best
contiguous areas into candidate-like polygons.

How factors become rasters
--------------------------
``substation_km``
    exact Euclidean distance transform (own numba EDT) from the rasterised
    substations with ``voltage_kv ≥ min_voltage_kv``. Distances run from cell
    centre to the centre of the nearest feature cell, so they are exact on
    the grid and within about one cell of the vector distance. The grid is
    padded by the distance beyond which the curve is flat, so features
    outside the bbox count.
network measures (``*_minutes``, ``population_within``)
    sampled from a per-node table (DataFrame ``x``, ``y`` and ``minutes`` or
    ``value``) passed in ``node_tables[factor_name]``: each cell takes the
    value of its nearest node; for ``*_minutes`` the access leg (straight
    line to the node at ``access_speed_kmh``) is added.
``industrial_km``
    the same EDT from the rasterised ``industrial_land`` polygons (0 inside).
``plan_status``
    read from the layers (:func:`layer_factor_rasters`): a cell inside a
    candidate takes the candidate's plan status, else inside
    ``industrial_land`` it is ``gällande`` (land planned and used for
    industry), else ``ingen`` (no detaljplan); the scenario's ``classes``
    turn that into 0–1.
anything else (``area_ha``, other class measures)
    only from ``factor_rasters[factor_name]``; otherwise the factor is
    unavailable: an error, or with ``skip_unavailable=True`` dropped (weights
    renormalised) and listed in ``SuitabilityResult.dropped``. A class
    factor's raster holds standardised values (0–1).

Constraints become a mask: ``inside`` excludes cells whose centre is inside
a polygon; ``within`` and ``min_voltage_within`` use the EDT (a raster
buffer: exact on cell centres, unlike the exact vector buffers of vector
mode) on a grid padded so features outside the bbox reach in. ``where``
rules exclude the cells (centre inside) of the candidates they exclude in
vector mode, so plan use and plan status count on the surface too; cells
outside every candidate are kept. ``min_area`` rules concern a site's size
and are not applied to the surface (listed in ``SuitabilityResult.notes``);
``min_area_ha`` is applied by :func:`extract_zones`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.enums
import rasterio.errors
import rasterio.features
import rasterio.shutil
import shapely
from affine import Affine
from scipy import ndimage

from siteselect.analysis.constraint_kinds import constraint_kind
from siteselect.analysis.factors import standardise_classes
from siteselect.analysis.weights import weights_from_spec
from siteselect.core.crs import common_crs
from siteselect.core.output import atomic_write
from siteselect.core.roles import PLAN_STATUSES, connection_points
from siteselect.errors import OutputError, ScenarioError
from siteselect.raster import kernels as K
from siteselect.raster.nodegrid import NodeGrid, nearest_nodes
from siteselect.scenario import (
    MEASURES,
    FactorSpec,
    FuzzySpec,
    Scenario,
)

__all__ = [
    "Grid",
    "SuitabilityResult",
    "distance_raster",
    "extract_zones",
    "grid_from_bbox",
    "layer_factor_rasters",
    "node_raster",
    "read_suitability",
    "save_suitability",
    "suitability_surface",
]

_NETWORK_MEASURES = (
    "port_minutes",
    "motorway_minutes",
    "rail_minutes",
    "airport_minutes",
    "substation_minutes",
    "population_within",
)


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells in the working CRS (projected, metres).

    ``x0``, ``y0`` are the west and north edges; cell (r, c) covers
    ``[x0 + c·res, x0 + (c+1)·res] × [y0 − (r+1)·res, y0 − r·res]``.
    ``crs`` names the CRS (``"EPSG:3006"``, ``"EPSG:32635"`` …; ``None`` =
    not stated) and is written into every raster.
    """

    x0: float
    y0: float
    width: int
    height: int
    resolution_m: float
    crs: str | None = None

    @property
    def transform(self) -> Affine:
        return Affine(self.resolution_m, 0.0, self.x0, 0.0, -self.resolution_m, self.y0)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0 - self.height * self.resolution_m, self.x0 + self.width * self.resolution_m, self.y0)

    def padded(self, cells: int) -> Grid:
        """The grid grown by ``cells`` on every side."""
        r = self.resolution_m
        return Grid(self.x0 - cells * r, self.y0 + cells * r, self.width + 2 * cells, self.height + 2 * cells, r,
                    self.crs)

    def rasterize(self, frame: gpd.GeoDataFrame, *, all_touched: bool) -> np.ndarray:
        """uint8 raster of ``frame`` on this grid: 1 where a feature covers the cell's centre (or any part)."""
        return _rasterize(frame, self, all_touched=all_touched)

    def distance_m(self, frame: gpd.GeoDataFrame, *, max_distance_m: float) -> np.ndarray:
        """Distance (m) from each cell centre to the nearest feature cell (see :func:`distance_raster`)."""
        return distance_raster(frame, self, max_distance_m=max_distance_m)


def grid_from_bbox(bbox: tuple[float, float, float, float], *, resolution_m: float, crs: Any = None) -> Grid:
    """Grid covering ``bbox`` (minx, miny, maxx, maxy, metres in ``crs``), edges snapped outwards to the
    resolution."""
    if not 1 <= resolution_m <= 10_000:
        raise ScenarioError(f"resolution: found {resolution_m} m; allowed: 1–10000 m (10–100 m is typical)")
    minx, miny, maxx, maxy = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise ScenarioError(f"bbox / --bbox: found {bbox}; allowed: finite numbers (metres)")
    if not (maxx > minx and maxy > miny):
        raise ScenarioError(f"bbox: found {bbox}; allowed: minx < maxx and miny < maxy")
    if max(maxx - minx, maxy - miny) > 2_000_000:
        raise ScenarioError(f"bbox / --bbox: found {bbox}, {max(maxx - minx, maxy - miny) / 1000:,.0f} km on a side; "
                            "allowed: at most 2000 km on a side (Sweden is 1 600 km long)")
    r = float(resolution_m)
    x0 = math.floor(minx / r) * r
    y1 = math.floor(miny / r) * r
    x1 = math.ceil(maxx / r) * r
    y0 = math.ceil(maxy / r) * r
    return Grid(x0, y0, int(round((x1 - x0) / r)), int(round((y0 - y1) / r)), r,
                None if crs is None else pyproj.CRS(crs).to_string())


def _rasterize(gdf: gpd.GeoDataFrame, grid: Grid, *, all_touched: bool) -> np.ndarray:
    geoms = [g for g in gdf.geometry.values if g is not None and not g.is_empty]
    out = np.zeros(grid.shape, dtype=np.uint8)
    if not geoms:
        return out
    rasterio.features.rasterize(
        ((g, 1) for g in geoms), out=out, transform=grid.transform, all_touched=all_touched, dtype=np.uint8
    )
    return out


def distance_raster(gdf: gpd.GeoDataFrame, grid: Grid, *, max_distance_m: float) -> np.ndarray:
    """Distance (m, float32) from each cell centre to the nearest feature cell.

    Features are rasterised with ``all_touched=True`` on the grid padded by
    ``max_distance_m``, so features outside the grid up to that distance
    count; the exact EDT runs on the padded grid. Distances larger than
    ``max_distance_m`` may ignore features further out (they then exceed it
    anyway or are ``inf``).
    """
    pad = int(math.ceil(max_distance_m / grid.resolution_m)) + 1
    big = grid.padded(pad)
    feats = _rasterize(gdf, big, all_touched=True)
    out = np.empty(big.shape, dtype=np.float32)
    K.edt_inplace(feats, out, cell_m=grid.resolution_m)
    return out[pad : pad + grid.height, pad : pad + grid.width].copy()


NodeSource = Union[pd.DataFrame, Callable[[np.ndarray, np.ndarray], np.ndarray]]


def node_raster(
    nodes: NodeSource, grid: Grid, *, access_speed_kmh: float | None, chunk_rows: int = 256
) -> np.ndarray:
    """Value of the nearest node per cell (float32), plus the access leg in minutes.

    Parameters
    ----------
    nodes
        Either a table with columns ``x``, ``y`` (working CRS metres) and
        ``minutes`` or ``value``; or a callable ``f(x, y) -> values`` taking
        arrays of cell-centre coordinates and returning the cell values
        itself (then no access leg is added).
    access_speed_kmh
        Speed of the straight-line leg from cell centre to node; ``None``
        adds nothing (for counts such as population).
    chunk_rows
        Rows evaluated at a time (bounds the temporary memory).

    Notes
    -----
    The nearest node is found exactly (Euclidean) by scanning bucketed nodes
    around each cell (:mod:`siteselect.raster.nodegrid`), not by a k-d tree query
    per cell; at an exact tie the node listed first wins.
    """
    r = grid.resolution_m
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * r
    out = np.empty(grid.shape, dtype=np.float32)
    if callable(nodes):
        for r0 in range(0, grid.height, chunk_rows):
            r1 = min(grid.height, r0 + chunk_rows)
            ys = grid.y0 - (np.arange(r0, r1) + 0.5) * r
            vals = np.asarray(nodes(np.tile(xs, r1 - r0), np.repeat(ys, grid.width)), dtype=np.float32)
            out[r0:r1] = vals.reshape(r1 - r0, grid.width)
        return out
    col = "minutes" if "minutes" in nodes.columns else "value"
    missing = [c for c in ("x", "y", col) if c not in nodes.columns]
    if missing:
        raise ScenarioError(f"node table lacks column(s) {', '.join(missing)}; give x, y and minutes (or value)")
    ok = nodes[["x", "y", col]].dropna(subset=["x", "y"])
    if ok.empty:
        out[:] = np.nan
        return out
    ng = NodeGrid.of(ok[["x", "y"]].to_numpy(dtype=float))
    vals = ok[col].to_numpy(dtype=float)
    m_per_min = None if access_speed_kmh is None else access_speed_kmh * 1000.0 / 60.0
    for r0 in range(0, grid.height, chunk_rows):
        r1 = min(grid.height, r0 + chunk_rows)
        ys = grid.y0 - (np.arange(r0, r1) + 0.5) * r
        idx, dist = nearest_nodes(ng, xs, ys)
        v = vals[idx]
        if m_per_min is not None:
            v = v + dist / m_per_min
        out[r0:r1] = v.reshape(r1 - r0, grid.width)
    return out


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


def _flat_beyond_m(spec: FactorSpec, *, unit_m: float) -> float:
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


def constraint_mask(
    layers: Mapping[str, gpd.GeoDataFrame], scenario: Scenario, grid: Grid
) -> tuple[np.ndarray, dict[str, str]]:
    """Raster mask (uint8, 1 = excluded) of the scenario's constraints, and notes.

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


#: Curve of a class factor whose raster already holds standardised values.
_IDENTITY = FuzzySpec(shape="piecewise", points=[[0.0, 0.0], [1.0, 1.0]])


def factor_params(spec: FactorSpec) -> np.ndarray:
    """Kernel parameter row of a factor: its fuzzy curve, or identity for a class factor (raster holds 0–1)."""
    if MEASURES[spec.measure][0] == "class":
        return K.fuzzy_params(FactorSpec(measure=spec.measure, fuzzy=_IDENTITY, nodata=spec.nodata))
    return K.fuzzy_params(spec)


def plan_status_raster(layers: Mapping[str, gpd.GeoDataFrame], grid: Grid) -> np.ndarray:
    """Plan status per cell (object array of PLAN_STATUSES): candidate, else industrial land, else none.

    A cell whose centre lies inside a candidate takes that candidate's
    ``plan_status`` (later candidates win on overlap); else inside an
    ``industrial_land`` polygon ``gällande``; else ``ingen``.
    """
    out = np.full(grid.shape, "ingen", dtype=object)
    land = layers.get("industrial_land")
    if land is not None and len(land):
        out[_rasterize(land, grid, all_touched=False) == 1] = "gällande"
    cands = layers.get("candidates")
    if cands is not None and len(cands) and "plan_status" in cands.columns:
        for status in PLAN_STATUSES:
            pick = cands[cands["plan_status"] == status]
            if len(pick):
                out[_rasterize(pick, grid, all_touched=False) == 1] = status
    return out


def layer_factor_rasters(
    scenario: Scenario, layers: Mapping[str, gpd.GeoDataFrame], grid: Grid,
    *, given: Mapping[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Raw rasters of the factors read straight from polygon layers.

    ``industrial_km``: distance (km, float32) to the nearest ``industrial_land``
    cell (0 inside), exact EDT on a grid padded by the curve's flat distance.
    ``plan_status``: the scenario's class values of :func:`plan_status_raster`
    (standardised, 0–1), when ``candidates`` or ``industrial_land`` is loaded
    (else the factor stays unavailable). Factors in ``given`` are left to
    the caller.

    Raises
    ------
    ScenarioError
        ``industrial_km`` without a loaded ``industrial_land`` layer.
    """
    given = given or {}
    out: dict[str, np.ndarray] = {}
    status: np.ndarray | None = None
    has_plans = any(layers.get(r) is not None for r in ("candidates", "industrial_land"))
    for name, spec in scenario.factors.items():
        if name in given:
            continue
        if spec.measure == "industrial_km" and spec.fuzzy is not None:
            land = layers.get("industrial_land")
            if land is None or land.empty:
                raise ScenarioError(
                    f"factors.{name}: measure industrial_km needs the layer 'industrial_land', which is missing or "
                    "empty; add it to the layer catalog or drop the factor"
                )
            d = distance_raster(land, grid, max_distance_m=_flat_beyond_m(spec, unit_m=1000.0) + grid.resolution_m)
            d[~np.isfinite(d)] = np.float32(1e12)
            out[name] = d / np.float32(1000.0)
        elif spec.measure == "plan_status" and spec.classes is not None and has_plans:
            if status is None:
                status = plan_status_raster(layers, grid)
            codes = np.array(PLAN_STATUSES, dtype=object)
            values = standardise_classes(codes, spec.classes, default=spec.default, nodata=spec.nodata, name=name)
            lut = dict(zip(PLAN_STATUSES, values))
            raster = np.empty(grid.shape, dtype=np.float32)
            for code in PLAN_STATUSES:
                raster[status == code] = lut[code]
            out[name] = raster
    return out


def plan_factors(
    scenario: Scenario, grid: Grid, node_tables: Mapping[str, Any],
    factor_rasters: Mapping[str, Any], *, skip_unavailable: bool,
) -> tuple[list[str], list[str], dict[str, float], str]:
    """Which factors a grid can carry, and their renormalised weights and aggregation.

    A factor is usable when a raster is given for it, or when it is
    ``substation_km`` or a network measure with a node table. Unusable ones
    are an error, or with ``skip_unavailable`` dropped and the remaining
    weights renormalised (not allowed for OWA). Local and Dask mode share
    these rules.

    Returns
    -------
    (usable, dropped, weights, method)
    """
    usable: list[str] = []
    dropped: list[str] = []
    for name, spec in scenario.factors.items():
        if name in factor_rasters:
            if tuple(np.shape(factor_rasters[name])) != grid.shape:
                raise ScenarioError(
                    f"factor_rasters[{name!r}]: found shape {tuple(np.shape(factor_rasters[name]))}; allowed: {grid.shape}"
                )
            usable.append(name)
        elif spec.fuzzy is not None and (
            spec.measure == "substation_km" or (spec.measure in _NETWORK_MEASURES and name in node_tables)
        ):
            usable.append(name)
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
    tot = sum(all_w[n] for n in usable)
    weights = {n: all_w[n] / tot for n in usable}
    method = scenario.aggregation.method
    if method == "owa" and dropped:
        raise ScenarioError("suitability: OWA order weights cannot be renormalised after dropping factors; give all factors")
    return usable, dropped, weights, method


def suitability_surface(
    scenario: Scenario,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    resolution_m: float,
    bbox: tuple[float, float, float, float] | None = None,
    node_tables: Mapping[str, NodeSource] | None = None,
    factor_rasters: Mapping[str, np.ndarray] | None = None,
    access_speed_kmh: float = 20.0,
    skip_unavailable: bool = False,
    clip_to_county: bool = True,
    out_path: str | os.PathLike[str] | None = None,
) -> SuitabilityResult:
    """Suitability surface of a scenario over a grid.

    Parameters
    ----------
    scenario
        The scenario (factors, weights, aggregation, constraints).
    layers
        Role -> GeoDataFrame, all in the working CRS: ``county`` for the default bbox,
        ``substations``, and every constraint layer.
    resolution_m
        Cell size, metres (10–100 typical).
    bbox
        (minx, miny, maxx, maxy) in the working CRS; default the county's bounds.
    node_tables
        Factor name -> per-node table (``x``, ``y``, ``minutes``/``value``)
        or callable ``f(x, y) -> values`` for network measures (see
        :func:`node_raster`).
    factor_rasters
        Factor name -> precomputed raw raster of the grid's shape (overrides).
    access_speed_kmh
        Speed of the cell-to-node leg for ``*_minutes`` factors.
    skip_unavailable
        Drop factors that cannot be rasterised (listed in ``dropped``) instead
        of raising.
    clip_to_county
        Exclude cells whose centre lies outside the ``county`` layer (when
        loaded). Factors and constraints still see features outside it.
    out_path
        If given, the surface is written there as a COG (see
        :func:`save_suitability`).

    Returns
    -------
    SuitabilityResult

    Raises
    ------
    ScenarioError
        A factor cannot be rasterised (and ``skip_unavailable`` is False), a
        layer is missing, or OWA is asked for with dropped factors.
    """
    if bbox is None:
        if "county" not in layers:
            raise ScenarioError("suitability: give bbox= or load the 'county' layer to take its bounds")
        bbox = tuple(float(v) for v in layers["county"].total_bounds)  # type: ignore[assignment]
    grid = grid_from_bbox(bbox, resolution_m=resolution_m, crs=common_crs(layers.items()))  # type: ignore[arg-type]
    node_tables = node_tables or {}
    factor_rasters = factor_rasters or {}
    factor_rasters = {**layer_factor_rasters(scenario, layers, grid, given=factor_rasters), **factor_rasters}

    usable, dropped, weights, method = plan_factors(scenario, grid, node_tables, factor_rasters,
                                                    skip_unavailable=skip_unavailable)

    n = len(usable)
    stack = np.empty((n, grid.height, grid.width), dtype=np.float32)
    params = np.empty((n, K._NP), dtype=np.float64)
    for i, name in enumerate(usable):
        spec = scenario.factors[name]
        if name in factor_rasters:
            stack[i] = np.asarray(factor_rasters[name], dtype=np.float32)
        elif spec.measure == "substation_km":
            subs = layers.get("substations")
            if subs is None:
                raise ScenarioError(f"factor {name!r}: layer 'substations' is not loaded")
            subs = connection_points(subs, min_voltage_kv=spec.min_voltage_kv)
            d = distance_raster(subs, grid, max_distance_m=_flat_beyond_m(spec, unit_m=1000.0) + grid.resolution_m)
            # beyond the padding the true distance exceeds the flat part of the curve
            d[~np.isfinite(d)] = np.float32(1e12)
            stack[i] = d / np.float32(1000.0)
        else:
            speed = access_speed_kmh if spec.measure.endswith("_minutes") else None
            stack[i] = node_raster(node_tables[name], grid, access_speed_kmh=speed)
        if spec.nodata is None:
            stack[i][~np.isfinite(stack[i])] = np.nan
            if np.isnan(stack[i]).any():
                raise ScenarioError(
                    f"factors.{name}: some cells have no value (e.g. unreachable or no feature) and no nodata; "
                    f"set factors.{name}.nodata to a number in [0, 1] or to exclude"
                )
        else:
            stack[i][~np.isfinite(stack[i])] = np.nan
        params[i] = factor_params(spec)

    mask, notes = constraint_mask(layers, scenario, grid)
    if clip_to_county and "county" in layers:
        inside = _rasterize(layers["county"], grid, all_touched=False)
        mask |= (inside == 0).astype(np.uint8)
        notes["study_area"] = "cells whose centre is outside the county are excluded"
    wvec = np.array([weights[nm] for nm in usable], dtype=np.float64)
    if method == "owa":
        ow = np.asarray(scenario.aggregation.order_weights, dtype=np.float64)
        score = K.owa_stack(stack, params, wvec, ow, mask, K.sorting_network(n))
    else:
        score = K.wlc_stack(stack, params, wvec, mask)
    del stack
    res = SuitabilityResult(score, grid, mask, usable, weights, dropped, notes, method)
    if out_path is not None:
        res.path = save_suitability(res, out_path, tags={"scenario": scenario.name})
    return res


def save_suitability(
    result: SuitabilityResult, path: str | os.PathLike[str], *, tags: Mapping[str, Any] | None = None
) -> Path:
    """Write the surface as a Cloud-Optimized GeoTIFF (atomically).

    Uses GDAL's ``COG`` driver when present, otherwise a tiled GTiff with
    overviews. NaN is the nodata value; factors, weights, dropped factors and
    constraint notes are stored as dataset tags.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    target = Path(path)
    meta = {
        "factors": json.dumps(result.factors),
        "weights": json.dumps(result.weights),
        "dropped": json.dumps(result.dropped),
        "constraints": json.dumps(result.notes, ensure_ascii=False),
        "method": result.method,
        "units": "suitability 0-1",
    }
    meta.update({k: str(v) for k, v in (tags or {}).items()})
    profile = dict(
        driver="GTiff", width=result.grid.width, height=result.grid.height, count=1, dtype="float32",
        crs=result.grid.crs, transform=result.grid.transform, nodata=float("nan"), tiled=True,
        blockxsize=512, blockysize=512, compress="deflate",
    )
    with rasterio.Env() as env:
        has_cog = "COG" in env.drivers()

    def write(tmp: Path) -> None:
        # a scratch GeoTIFF beside the temporary file, then the final layout into it
        raw = tmp.with_name(tmp.name + ".raw.tif")
        try:
            with rasterio.open(raw, "w", **profile) as ds:
                ds.write(result.score, 1)
                ds.update_tags(**meta)
            if has_cog:
                rasterio.shutil.copy(raw, tmp, driver="COG", compress="DEFLATE", predictor="3",
                                     overview_resampling="average", blocksize=512)
            else:
                with rasterio.open(raw, "r+") as ds:
                    ds.build_overviews([2, 4, 8, 16, 32], rasterio.enums.Resampling.average)
                rasterio.shutil.copy(raw, tmp, driver="GTiff", tiled=True, blockxsize=512, blockysize=512,
                                     compress="deflate", copy_src_overviews=True)
        finally:
            raw.unlink(missing_ok=True)

    try:
        return atomic_write(target, write)
    except rasterio.errors.RasterioError as exc:
        raise OutputError(f"cannot write suitability raster {target}: {exc}") from exc


def read_suitability(path: str | os.PathLike[str]) -> tuple[np.ndarray, Grid, dict[str, str]]:
    """Read a surface written by :func:`save_suitability`: (score, grid, tags)."""
    with rasterio.open(path) as ds:
        t = ds.transform
        grid = Grid(t.c, t.f, ds.width, ds.height, t.a, None if ds.crs is None else ds.crs.to_string())
        return ds.read(1), grid, dict(ds.tags())


def extract_zones(
    result: SuitabilityResult,
    *,
    min_area_ha: float,
    top_share: float = 0.1,
    threshold: float | None = None,
    max_zones: int = 10,
    municipalities: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The best contiguous zones of a surface as candidate-like polygons.

    Cells with score ≥ ``threshold`` (default: the ``1 − top_share`` quantile
    of the scored cells) are grouped into 4-connected zones; zones of at
    least ``min_area_ha`` are ranked by mean score and the first
    ``max_zones`` returned.

    Returns
    -------
    geopandas.GeoDataFrame
        In the grid's CRS, one row per zone: ``site_id`` (``zone_001`` …), ``name``,
        ``municipality`` (largest overlap with ``municipalities``, else ""),
        ``area_ha``, ``site_type`` ("reserve"), ``plan_status`` ("ingen"),
        ``owner`` ("okänd"), ``mifo_class`` (None), ``source``
        ("suitability"), ``mean_score``, ``max_score``, ``compactness``
        (Polsby–Popper 4πA/P², 1 for a disc), ``geometry``.
    """
    score = result.score
    valid = np.isfinite(score)
    cols = ["site_id", "name", "municipality", "area_ha", "site_type", "plan_status", "owner",
            "mifo_class", "source", "mean_score", "max_score", "compactness"]
    empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=result.grid.crs)
    if not valid.any():
        return empty
    thr = float(threshold) if threshold is not None else float(np.quantile(score[valid], 1.0 - top_share))
    binary = valid & (score >= thr)
    labels, nlab = ndimage.label(binary)
    if nlab == 0:
        return empty
    idx = np.arange(1, nlab + 1)
    cell_ha = result.grid.resolution_m ** 2 / 1e4
    counts = np.bincount(labels.ravel(), minlength=nlab + 1)[1:]
    area = counts * cell_ha
    means = np.asarray(ndimage.mean(score, labels, idx))
    maxs = np.asarray(ndimage.maximum(score, labels, idx))
    keep = np.flatnonzero(area >= min_area_ha)
    keep = keep[np.argsort(-means[keep], kind="stable")][:max_zones]
    if len(keep) == 0:
        return empty
    chosen = np.zeros(nlab + 1, dtype=np.int32)
    chosen[keep + 1] = np.arange(1, len(keep) + 1)
    zl = chosen[labels]
    polys: dict[int, list[Any]] = {}
    for geom, val in rasterio.features.shapes(zl, mask=zl > 0, transform=result.grid.transform, connectivity=4):
        polys.setdefault(int(val), []).append(shapely.geometry.shape(geom))
    rows = []
    for k, lab in enumerate(keep, start=1):
        g = shapely.union_all(polys[k])
        a = shapely.area(g)
        p = shapely.length(g)
        rows.append({
            "site_id": f"zone_{k:03d}", "name": f"Suitability zone {k}", "municipality": "",
            "area_ha": a / 1e4, "site_type": "reserve", "plan_status": "ingen", "owner": "okänd",
            "mifo_class": None, "source": "suitability", "mean_score": float(means[lab]),
            "max_score": float(maxs[lab]), "compactness": float(4 * math.pi * a / (p * p)) if p > 0 else 0.0,
            "geometry": g,
        })
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=result.grid.crs)
    if municipalities is not None and len(municipalities) and "name" in municipalities.columns:
        inter = gpd.overlay(zones[["site_id", "geometry"]], municipalities[["name", "geometry"]], how="intersection")
        if len(inter):
            inter["a"] = inter.geometry.area
            best = inter.sort_values("a", ascending=False).drop_duplicates("site_id").set_index("site_id")["name"]
            zones["municipality"] = zones["site_id"].map(best).fillna("")
    return zones
