"""The grid of raster mode and the operations every engine runs on it.

A :class:`Grid` is a north-up lattice of square cells in the working CRS; a
chunk of a large surface is a :class:`Grid` too (the same lattice, a window of
it), so the constraint and measure kinds evaluate a whole grid and a chunk
alike through :meth:`Grid.rasterize` and :meth:`Grid.distance_m`.

Distances are exact Euclidean distance transforms (the numba EDT of
:mod:`siteselect.raster.kernels`) from cell centre to the centre of the
nearest feature cell: exact on the grid and within about one cell of the
vector distance (a raster buffer approximates the exact vector buffers of
vector mode). Network values come from the nearest graph node per cell
(:mod:`siteselect.raster.nodegrid`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio.features
from affine import Affine

from siteselect.errors import ScenarioError
from siteselect.raster import kernels as K
from siteselect.raster.nodegrid import NodeGrid, nearest_nodes

__all__ = ["Grid", "NodeSource", "distance_raster", "grid_from_bbox", "node_raster", "rasterize"]


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
        return rasterize(frame, self, all_touched=all_touched)

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


def rasterize(gdf: gpd.GeoDataFrame, grid: Grid, *, all_touched: bool) -> np.ndarray:
    """uint8 raster of ``gdf`` on ``grid``: 1 where a feature covers the cell centre (or, with
    ``all_touched``, any part of the cell)."""
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
    feats = rasterize(gdf, big, all_touched=True)
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
