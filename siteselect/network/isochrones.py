"""Isochrone geometry: the area within a time limit of a site, from per-node minutes.

:meth:`RoadGraph.isochrones <siteselect.network.graph.RoadGraph.isochrones>`
computes the minutes from every node to each site and calls
:func:`isochrone_frame` here; the model is described there.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from siteselect.network.reach import TIME_TOLERANCE_MIN
from siteselect.network.snapping import Segments

__all__ = ["floor_m", "isochrone_frame", "reach_shape", "step_m"]


def step_m(max_access_m: float | None) -> float:
    """Sampling step of reference isochrones: 100 m, or ``max_access_m / 2`` if smaller."""
    return 100.0 if max_access_m is None else min(max(float(max_access_m) / 2.0, 1.0), 100.0)


def floor_m(max_access_m: float | None) -> float:
    """Smallest isochrone radius around a reached place: half the sampling step + 1 m."""
    return step_m(max_access_m) / 2.0 + 1.0


def frame(recs: list[dict[str, Any]], crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Rows of ``site_id``, ``minutes``, ``geometry`` as a GeoDataFrame in ``crs``."""
    return gpd.GeoDataFrame(recs, columns=["site_id", "minutes", "geometry"],
                            geometry="geometry", crs=crs)


def isochrone_frame(ids: NDArray[Any], rows: NDArray[np.float64], thresholds: NDArray[np.float64],
                    segments: Segments, *, speed_m_per_min: float, max_access_m: float | None,
                    crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """One isochrone per site and limit, from ``rows`` (sites × nodes minutes to the site).

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id``, ``minutes``, ``geometry`` (empty where nothing is reached).
    """
    cap_m = np.inf if max_access_m is None else float(max_access_m)
    recs = [
        {"site_id": ids[i], "minutes": float(th),
         "geometry": reach_shape(segments, rows[i], float(th), speed_m_per_min=speed_m_per_min,
                                 cap_m=cap_m, floor_m=floor_m(max_access_m))}
        for i in range(len(ids)) for th in thresholds
    ]
    return frame(recs, crs)


#: Unit circle as the 32 vertices GEOS puts on a point buffer with ``quad_segs=8``.
_CIRCLE_32 = np.stack([np.cos(np.arange(32) * (np.pi / 16.0)),
                       np.sin(np.arange(32) * (np.pi / 16.0))], axis=1)
_CIRCLE_32.setflags(write=False)


def reach_shape(segments: Segments, node_minutes: NDArray[np.float64], limit_min: float, *,
                speed_m_per_min: float, cap_m: float, floor_m: float) -> shapely.Geometry:
    """Union of the discs around every reached point of the network, built piece by piece.

    A point at fraction ``f`` of segment a-b reaches the site in
    ``T(f) = min(t_a + f·ba, t_b + (1 − f)·ab)`` minutes and gets a disc of radius
    ``clip((limit − T)·speed, floor_m, max(cap_m, floor_m))``. Splitting each
    segment where the two routes cross and where ``T`` meets ``limit``,
    ``limit − floor/speed`` and ``limit − cap/speed`` leaves pieces on which
    centre and radius are both affine in ``f``; the union of such a family of
    discs is the convex hull of the two end discs (a stadium where the radius
    is capped). Discs are 32-gons as from ``shapely.buffer(..., quad_segs=8)``.
    """
    node_xy, seg_a, seg_b = segments.node_xy, segments.a, segments.b
    hi = max(cap_m, floor_m)
    ta, tb = node_minutes[seg_a], node_minutes[seg_b]
    ab = np.nan_to_num(segments.ab, nan=np.inf)
    ba = np.nan_to_num(segments.ba, nan=np.inf)
    tol = TIME_TOLERANCE_MIN
    near = np.flatnonzero(np.minimum(ta, tb) <= limit_min + tol)
    parts: list[NDArray[Any]] = []
    if near.size:
        ta, tb, ab, ba = ta[near], tb[near], ab[near], ba[near]
        via_a = np.isfinite(ta) & np.isfinite(ba)
        via_b = np.isfinite(tb) & np.isfinite(ab)

        def minutes_at(f: NDArray[np.float64]) -> NDArray[np.float64]:
            with np.errstate(invalid="ignore"):   # 0 × inf where a direction is missing
                ga = np.where(via_a[:, None], ta[:, None] + f * ba[:, None], np.inf)
                gb = np.where(via_b[:, None], tb[:, None] + (1.0 - f) * ab[:, None], np.inf)
            return np.minimum(ga, gb)

        levels = np.array([limit_min, limit_min - floor_m / speed_m_per_min,
                           limit_min - hi / speed_m_per_min])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cuts = [np.zeros(near.size), np.ones(near.size), (ab + tb - ta) / (ab + ba)]
            cuts += [(c - ta) / ba for c in levels] + [1.0 - (c - tb) / ab for c in levels]
            f = np.stack(cuts, axis=1)
            f[~np.isfinite(f)] = 0.0
        f = np.sort(np.clip(f, 0.0, 1.0), axis=1)
        f0, f1 = f[:, :-1], f[:, 1:]
        keep = (f1 - f0 > 1e-12) & (minutes_at((f0 + f1) / 2.0) <= limit_min + tol)
        seg_i, piece_i = np.nonzero(keep)
        if seg_i.size:
            ends = np.stack([f0[seg_i, piece_i], f1[seg_i, piece_i]], axis=1)   # (k, 2)
            left = limit_min - np.stack([minutes_at(f0)[seg_i, piece_i],
                                         minutes_at(f1)[seg_i, piece_i]], axis=1)
            r = np.clip(left * speed_m_per_min, floor_m, hi)                   # (k, 2)
            a_xy = node_xy[seg_a[near[seg_i]]]
            b_xy = node_xy[seg_b[near[seg_i]]]
            centre = a_xy[:, None, :] + (b_xy - a_xy)[:, None, :] * ends[:, :, None]  # (k, 2, 2)
            ring = centre[:, :, None, :] + r[:, :, None, None] * _CIRCLE_32      # (k, 2, 32, 2)
            # a line through both rings' vertices is far cheaper to build than a multipoint
            hulls = shapely.convex_hull(shapely.linestrings(
                ring.reshape(-1, 2), indices=np.repeat(np.arange(seg_i.size), 64)))
            parts.append(hulls)
    # Node discs, where a piece may miss them: nodes on no segment (a one-node network), and
    # nodes reached with at most floor_m / speed to spare, whose pieces can be empty (a site's
    # entry node reached exactly at the limit borders only pieces beyond the limit).
    r_node = (limit_min - node_minutes) * speed_m_per_min
    extra = np.ones(node_xy.shape[0], dtype=bool)
    extra[seg_a] = False
    extra[seg_b] = False
    extra |= r_node <= floor_m
    extra &= node_minutes <= limit_min + tol
    if extra.any():
        r_extra = np.clip(r_node[extra], floor_m, hi)
        parts.append(shapely.buffer(shapely.points(node_xy[extra]), r_extra, quad_segs=8))
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(np.concatenate(parts))
