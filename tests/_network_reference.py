"""Slow reference for RoadGraph.isochrones: sampled discs, dissolved.

Kept in the tests (not the package) to check the fast, piece-by-piece shapes
of :func:`siteselect.network.isochrones.reach_shape` against
(``tests/test_network.py``, ``bench/isochrones.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from siteselect.network import TIME_TOLERANCE_MIN, RoadGraph
from siteselect.network.isochrones import floor_m, frame, step_m


def isochrones_reference(
    graph: RoadGraph,
    origins: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    origin_id: str,
    minutes: Sequence[float] = (15, 30, 45, 60),
    max_access_m: float | None = 1000.0,
    method: str = "auto",
) -> gpd.GeoDataFrame:
    """Reference for :meth:`RoadGraph.isochrones`, with the same arguments and result.

    Every node, and points along each edge at most 100 m apart
    (``max_access_m / 2`` if smaller), reached within the limit gets a disc of
    radius ``remaining minutes × access speed`` clipped to [``floor``,
    ``max_access_m``]; the discs are dissolved.
    """
    thresholds = np.asarray(list(minutes), dtype=float)
    ids, rows = graph._isochrone_minutes(origins, origin_id, thresholds, method)
    speed = graph._access_m_per_min
    cap = np.inf if max_access_m is None else float(max_access_m)
    seg = graph._segments
    # sample points inside long edges: segment, fraction from a, coordinates
    step = step_m(max_access_m)
    xy = graph.node_xy
    seg_len = np.hypot(*(xy[seg.b] - xy[seg.a]).T)
    k = np.maximum(np.ceil(seg_len / step).astype(np.int64) - 1, 0)
    s_seg = np.repeat(np.arange(seg_len.size), k)
    first = np.repeat(np.cumsum(k) - k, k)
    s_f = (np.arange(s_seg.size) - first + 1) / (k[s_seg] + 1)
    s_a, s_b = seg.a[s_seg], seg.b[s_seg]
    s_xy = xy[s_a] + (xy[s_b] - xy[s_a]) * s_f[:, None]
    s_ab = np.nan_to_num(seg.ab[s_seg], nan=np.inf)
    s_ba = np.nan_to_num(seg.ba[s_seg], nan=np.inf)
    all_xy = np.vstack([xy, s_xy])
    floor = floor_m(max_access_m)  # consecutive samples' discs overlap: no islands at tips
    recs: list[dict[str, Any]] = []
    for i in range(len(ids)):
        row = rows[i]
        # a point inside edge a-b reaches the site via b (along a→b) or via a (along b→a)
        s_t = np.minimum((1.0 - s_f) * s_ab + row[s_b], s_f * s_ba + row[s_a])
        times = np.concatenate([row, s_t])
        for th in thresholds:
            reached = np.flatnonzero(times <= th + TIME_TOLERANCE_MIN)
            if reached.size == 0:
                geom = shapely.Polygon()
            else:
                left = np.maximum(th - times[reached], 0.0)
                r = np.clip(left * speed, floor, max(cap, floor))
                pts = shapely.points(all_xy[reached])
                geom = shapely.union_all(shapely.buffer(pts, r, quad_segs=8))
            recs.append({"site_id": ids[i], "minutes": float(th), "geometry": geom})
    return frame(recs, graph.crs)
