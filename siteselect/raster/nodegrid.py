"""Nearest graph node per raster cell without a k-d tree (raster network factors).

A raster network factor takes, per cell, the value of the nearest node plus
the straight access leg to it (:func:`siteselect.raster.suitability.node_raster`).
Instead of one k-d tree query per cell, the nodes are binned once into a
uniform grid of square buckets (about one node per bucket, a CSR layout that
pickles and ships to Dask workers as four arrays), and a numba kernel walks
the raster row by row: for each cell it scans rings of buckets around the
cell's bucket until no unscanned bucket can hold a nearer node (the ring's
inner edge is farther than the best distance found). The answer is the exact
Euclidean nearest node, the same as the k-d tree's (squared distances
compared in float64, the distance taken as ``sqrt(dx*dx + dy*dy)``); exact
ties go to the node listed first, where a k-d tree may pick either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

__all__ = ["NodeGrid", "nearest_nodes", "nearest_values"]


@dataclass(frozen=True)
class NodeGrid:
    """Nodes binned into square buckets (build with :meth:`of`)."""

    x0: float
    y0: float
    size_m: float
    nx: int
    ny: int
    start: NDArray[np.int64]   # (nx*ny + 1,) CSR offsets, bucket = iy * nx + ix
    xy: NDArray[np.float64]    # (n, 2) nodes in bucket order
    order: NDArray[np.int64]   # (n,) position of each binned node in the caller's table

    @classmethod
    def of(cls, xy: NDArray[np.float64]) -> NodeGrid:
        """Bin ``xy`` (n, 2; n >= 1, finite) at about one node per bucket."""
        lo = xy.min(axis=0)
        span = np.maximum(xy.max(axis=0) - lo, 1e-6)
        size = max(math.sqrt(float(span[0] * span[1]) / xy.shape[0]), 1e-3)
        nx = min(int(span[0] // size) + 1, 1 << 15)
        ny = min(int(span[1] // size) + 1, 1 << 15)
        size = max(size, float(span[0]) / nx * (1 + 1e-9), float(span[1]) / ny * (1 + 1e-9))
        ix = np.minimum(((xy[:, 0] - lo[0]) / size).astype(np.int64), nx - 1)
        iy = np.minimum(((xy[:, 1] - lo[1]) / size).astype(np.int64), ny - 1)
        b = iy * nx + ix
        order = np.argsort(b, kind="stable")
        start = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(b, minlength=nx * ny), out=start[1:])
        return cls(float(lo[0]), float(lo[1]), float(size), nx, ny, start,
                   np.ascontiguousarray(xy[order], dtype=np.float64), order.astype(np.int64))


@njit(cache=True, nogil=True, inline="always")
def _scan(start: NDArray[np.int64], xy: NDArray[np.float64], order: NDArray[np.int64], b: int,
          px: float, py: float, best: float, bi: int, best2: float, bk: int
          ) -> tuple[float, int, float, int]:
    """Scan bucket ``b``: best squared distance, its node, the second best, best's position."""
    for k in range(start[b], start[b + 1]):
        dx = xy[k, 0] - px
        dy = xy[k, 1] - py
        d2 = dx * dx + dy * dy
        if d2 < best or (d2 == best and order[k] < bi):
            best2 = best
            best = d2
            bi = order[k]
            bk = k
        elif d2 < best2:
            best2 = d2
    return best, bi, best2, bk


@njit(cache=True, nogil=True, inline="always")
def _sq(v: float) -> float:
    return v * v


@njit(cache=True, nogil=True, inline="always")
def _nearest_one(x0: float, y0: float, size: float, nx: int, ny: int, start: NDArray[np.int64],
                 xy: NDArray[np.float64], order: NDArray[np.int64], px: float, py: float,
                 iy: int, oy2: float) -> tuple[int, float, float, int]:
    """Nearest node for one cell (row bucket ``iy``).

    Returns its table position, its squared distance, a lower bound on the
    squared distance of every other node, and its position in ``xy``.
    """
    ix = min(max(int(math.floor((px - x0) / size)), 0), nx - 1)
    ox2 = _sq(max(x0 - px, px - (x0 + nx * size), 0.0))  # squared x-distance to the grid
    best = np.inf
    best2 = np.inf
    bi = -1
    bk = -1
    ring = 0
    while True:
        ylo = iy - ring
        yhi = iy + ring
        xlo = ix - ring
        xhi = ix + ring
        for by in range(max(ylo, 0), min(yhi, ny - 1) + 1):
            if by == ylo or by == yhi:
                for bx in range(max(xlo, 0), min(xhi, nx - 1) + 1):
                    best, bi, best2, bk = _scan(start, xy, order, by * nx + bx, px, py, best, bi, best2, bk)
            else:
                if xlo >= 0:
                    best, bi, best2, bk = _scan(start, xy, order, by * nx + xlo, px, py, best, bi, best2,
                                             bk)
                if xhi < nx:
                    best, bi, best2, bk = _scan(start, xy, order, by * nx + xhi, px, py, best, bi, best2,
                                             bk)
        # an unscanned bucket lies beyond a side of the scanned square that is
        # not the grid's border, inside the grid: at least that far from the cell
        gap2 = np.inf
        if xlo > 0:
            gap2 = min(gap2, _sq(max(px - (x0 + xlo * size), 0.0)) + oy2)
        if xhi < nx - 1:
            gap2 = min(gap2, _sq(max(x0 + (xhi + 1) * size - px, 0.0)) + oy2)
        if ylo > 0:
            gap2 = min(gap2, _sq(max(py - (y0 + ylo * size), 0.0)) + ox2)
        if yhi < ny - 1:
            gap2 = min(gap2, _sq(max(y0 + (yhi + 1) * size - py, 0.0)) + ox2)
        if gap2 == np.inf or (bi >= 0 and best <= gap2):
            break
        ring += 1
    return bi, best, min(best2, gap2), bk


@njit(cache=True, parallel=True)
def _nearest(x0: float, y0: float, size: float, nx: int, ny: int, start: NDArray[np.int64],
             xy: NDArray[np.float64], order: NDArray[np.int64], xs: NDArray[np.float64],
             ys: NDArray[np.float64], idx: NDArray[np.int64], dist: NDArray[np.float64]) -> None:
    h = ys.shape[0]
    w = xs.shape[0]
    for r in prange(h):
        py = ys[r]
        iy = min(max(int(math.floor((py - y0) / size)), 0), ny - 1)
        oy2 = _sq(max(y0 - py, py - (y0 + ny * size), 0.0))
        for c in range(w):
            bi, best, _, _ = _nearest_one(x0, y0, size, nx, ny, start, xy, order, xs[c], py, iy,
                                          oy2)
            idx[r * w + c] = bi
            dist[r * w + c] = math.sqrt(best)


@njit(cache=True, parallel=True)
def _nearest_values(x0: float, y0: float, size: float, nx: int, ny: int,
                    start: NDArray[np.int64], xy: NDArray[np.float64], order: NDArray[np.int64],
                    xs: NDArray[np.float64], ys: NDArray[np.float64], values: NDArray[np.float64],
                    m_per_min: NDArray[np.float64], out: NDArray[np.float32]) -> None:
    h = ys.shape[0]
    w = xs.shape[0]
    nf = values.shape[0]
    for r in prange(h):
        py = ys[r]
        iy = min(max(int(math.floor((py - y0) / size)), 0), ny - 1)
        oy2 = _sq(max(y0 - py, py - (y0 + ny * size), 0.0))
        # Along a row the nearest node rarely changes. Keep a lower bound ``lb`` on the
        # distance of every other node (second best or unscanned region at the last
        # full scan, minus the distance moved since, with a little slack for
        # rounding): while the kept node is strictly nearer than ``lb`` it is the
        # nearest, with its distance computed exactly as a scan would.
        lb = -1.0
        bi = -1
        bk = -1
        px_last = 0.0
        for c in range(w):
            px = xs[c]
            d = -1.0
            if bk >= 0:
                lb -= abs(px - px_last) * (1.0 + 1e-9) + 1e-9
                dx = xy[bk, 0] - px
                dy = xy[bk, 1] - py
                dk = math.sqrt(dx * dx + dy * dy)
                if dk < lb:
                    d = dk
            if d < 0.0:
                bi, best, other2, bk = _nearest_one(x0, y0, size, nx, ny, start, xy, order, px, py,
                                                   iy, oy2)
                d = math.sqrt(best)
                lb = math.sqrt(other2) * (1.0 - 1e-12)
            px_last = px
            for k in range(nf):
                v = values[k, bi]
                if m_per_min[k] > 0:
                    v = v + d / m_per_min[k]
                out[k, r, c] = v


def nearest_nodes(ng: NodeGrid, xs: NDArray[np.floating[Any]], ys: NDArray[np.floating[Any]]
                  ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nearest node (position in the caller's table) and its distance for the cells ``ys × xs``.

    Parameters
    ----------
    ng
        The binned nodes.
    xs, ys
        Cell-centre x of the columns and y of the rows (working CRS metres).

    Returns
    -------
    (idx, dist)
        Row-major flat arrays of ``len(ys) * len(xs)``.
    """
    xs64: NDArray[np.float64] = np.ascontiguousarray(xs, dtype=np.float64)
    ys64: NDArray[np.float64] = np.ascontiguousarray(ys, dtype=np.float64)
    idx = np.empty(xs64.shape[0] * ys64.shape[0], dtype=np.int64)
    dist = np.empty(idx.shape[0], dtype=np.float64)
    _nearest(ng.x0, ng.y0, ng.size_m, ng.nx, ng.ny, ng.start, ng.xy, ng.order, xs64, ys64, idx, dist)
    return idx, dist


def nearest_values(ng: NodeGrid, xs: NDArray[np.floating[Any]], ys: NDArray[np.floating[Any]],
                   values: NDArray[np.float64], m_per_min: NDArray[np.float64]
                   ) -> NDArray[np.float32]:
    """Per cell and value row: the nearest node's value plus the access leg, in one pass.

    Parameters
    ----------
    ng
        The binned nodes.
    xs, ys
        Cell-centre x of the columns and y of the rows (working CRS metres).
    values
        (k, n) values per node (the caller's table order), one row per factor.
    m_per_min
        (k,) access speed in metres per minute per row; 0 = add no access leg.

    Returns
    -------
    numpy.ndarray
        (k, len(ys), len(xs)) float32: ``value + distance / m_per_min`` summed in
        float64 then rounded, as :func:`siteselect.raster.suitability.node_raster`.
    """
    xs64: NDArray[np.float64] = np.ascontiguousarray(xs, dtype=np.float64)
    ys64: NDArray[np.float64] = np.ascontiguousarray(ys, dtype=np.float64)
    out = np.empty((values.shape[0], ys64.shape[0], xs64.shape[0]), dtype=np.float32)
    _nearest_values(ng.x0, ng.y0, ng.size_m, ng.nx, ng.ny, ng.start, ng.xy, ng.order, xs64, ys64,
                    np.ascontiguousarray(values, dtype=np.float64),
                    np.ascontiguousarray(m_per_min, dtype=np.float64), out)
    return out
