"""Raster mode: a suitability surface over a grid, and zones extracted from it.

:func:`suitability_surface` builds one raw raster per factor on a square
grid in the working CRS (10–100 m), standardises and combines them in one fused
numba pass (:mod:`siteselect.raster.kernels`; same curves and WLC/OWA formulas as
vector mode), masks the constraints and optionally writes a Cloud-Optimized
GeoTIFF (:func:`save_suitability`). :func:`extract_zones` turns the best
contiguous areas into candidate-like polygons.

How factors become rasters
--------------------------
Each factor's measure kind (:data:`~siteselect.analysis.measure_kinds.MEASURE_KINDS`)
says how:

``substation_km``
    exact Euclidean distance transform (own numba EDT) from the rasterised
    substations in service with ``voltage_kv ≥ min_voltage_kv`` (every one in
    service when the factor names no ``min_voltage_kv``). Distances run from cell
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
    read from the layers (when ``candidates`` or ``industrial_land`` is loaded): a cell inside a
    candidate takes the candidate's plan status, else inside
    ``industrial_land`` it is ``gällande`` (land planned and used for
    industry), else ``ingen`` (no detaljplan); the scenario's ``classes``
    turn that into 0–1.
anything else (``area_ha``, other class measures)
    only from ``factor_rasters[factor_name]``; otherwise the factor is
    unavailable: an error, or with ``skip_unavailable=True`` dropped (weights
    renormalised) and listed in ``SuitabilityResult.dropped``. A class
    factor's raster holds standardised values (0–1).

The surface is computed by the one raster engine (:mod:`siteselect.raster.engine`):
in memory here, chunk by chunk on Dask in :mod:`siteselect.raster.scale`, from the same
window functions. :func:`scenario_surface` is the entry the commands use (road graph,
per-node reach with the scenario's vehicle for freight measures, local or Dask engine).

Constraints become a mask, each through its constraint kind
(:data:`~siteselect.analysis.constraint_kinds.CONSTRAINT_KINDS`): ``inside`` excludes cells whose centre is inside
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

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.enums
import rasterio.errors
import rasterio.features
import rasterio.shutil
import shapely
from scipy import ndimage

from siteselect.analysis.measure_kinds import measure_kind
from siteselect.analysis.measures import freight_graph, node_measures
from siteselect.core.output import atomic_write
from siteselect.errors import OutputError
from siteselect.network.graph import GraphCache, RoadGraph
from siteselect.raster.engine import SuitabilityResult, constraint_mask, plan_surface, run_local, surface_tags
from siteselect.raster.grid import Grid, NodeSource, distance_raster, grid_from_bbox, node_raster
from siteselect.scenario import EngineSpec, Scenario

__all__ = [
    "Grid",
    "SuitabilityResult",
    "constraint_mask",
    "distance_raster",
    "extract_zones",
    "grid_from_bbox",
    "node_raster",
    "read_suitability",
    "save_suitability",
    "scenario_node_tables",
    "scenario_surface",
    "suitability_surface",
]


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
    """Suitability surface of a scenario over a grid, in memory.

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
    plan = plan_surface(scenario, layers, resolution_m=resolution_m, bbox=bbox, node_tables=node_tables,
                        factor_rasters=factor_rasters, access_speed_kmh=access_speed_kmh,
                        skip_unavailable=skip_unavailable, clip_to_county=clip_to_county)
    res = run_local(plan, layers, node_tables=node_tables, factor_rasters=factor_rasters)
    if out_path is not None:
        res.path = save_suitability(res, out_path, tags={"scenario": scenario.name})
    return res


def scenario_node_tables(
    scenario: Scenario, layers: Mapping[str, gpd.GeoDataFrame], graph: RoadGraph, *,
    cache: GraphCache | None = None,
) -> dict[str, Any]:
    """Per-node tables of a scenario's network factors: by car, freight measures by the scenario's vehicle.

    Parameters
    ----------
    graph
        The car graph of ``layers["roads"]``.
    cache
        Where a vehicle's graph is cached (None: built afresh).
    """
    tables: dict[str, Any] = dict(node_measures(scenario.factors, layers, graph))
    freight = freight_graph(scenario, layers["roads"], cache)
    if freight is not None:  # freight minutes by the scenario's vehicle, the rest by car
        picked = {n: f for n, f in scenario.factors.items() if measure_kind(f.measure).freight}
        tables.update(node_measures(picked, layers, freight))
    return tables


def scenario_surface(
    scenario: Scenario,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    resolution_m: float,
    bbox: tuple[float, float, float, float] | None = None,
    graph: RoadGraph | None = None,
    cache: GraphCache | None = None,
    engine: EngineSpec | None = None,
    out_path: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SuitabilityResult:
    """A scenario's surface as the commands make it: per-node reach, then the local or Dask engine.

    Factors that cannot be rasterised are dropped (listed in ``dropped``).
    ``siteselect suitability``, its ``--engine dask`` and ``siteselect
    planreport`` all come here.

    Parameters
    ----------
    graph
        The car graph of ``layers["roads"]`` to reuse (built, through ``cache``, when omitted).
    cache
        Graph cache for the car and vehicle graphs.
    engine
        Where to compute (default: the scenario's ``engine``, else in memory).
    out_path
        Write the surface there (COG in memory, tiled GeoTIFF on Dask).
    progress
        Called with a short text as each step starts.

    Returns
    -------
    SuitabilityResult
        In memory, whichever engine computed it.
    """
    step = progress or (lambda _text: None)
    if graph is None:
        graph = RoadGraph.from_roads(layers["roads"], cache=cache)
    tables = scenario_node_tables(scenario, layers, graph, cache=cache)
    eng = engine or scenario.engine or EngineSpec()
    if eng.kind == "dask":
        from siteselect.raster.scale import dask_client, suitability_surface_dask

        step(f"suitability surface at {resolution_m:g} m on Dask ({eng.scheduler or 'LocalCluster'})")
        with dask_client(eng.scheduler, n_workers=eng.workers) as client:
            lazy = suitability_surface_dask(
                scenario, layers, resolution_m=resolution_m, bbox=bbox, chunk_size=eng.chunk_size,
                node_tables=tables, skip_unavailable=True, client=client, out_path=out_path,
            )
            return lazy.compute()
    step(f"suitability surface at {resolution_m:g} m in memory")
    return suitability_surface(scenario, layers, resolution_m=resolution_m, bbox=bbox, node_tables=tables,
                               skip_unavailable=True, out_path=out_path)


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
    meta = surface_tags(result, **(tags or {}))
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
