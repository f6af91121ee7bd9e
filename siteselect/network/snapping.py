"""Where features join the road network: the nearest point on the nearest segment.

See :mod:`siteselect.network.graph` (*Snapping*) for the model: the straight leg
to the network is travelled at the access speed, the part of the segment to
either end node at the segment's own speed, respecting one-way.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from siteselect.network.reach import Seeds

__all__ = ["Segments"]


class Segments:
    """The undirected segments of a road graph, for snapping.

    Each node pair joined by an edge in either direction is one segment
    ``a < b`` with its minutes ``a → b`` and ``b → a`` (NaN where that
    direction has no edge).

    Parameters
    ----------
    node_xy
        (n, 2) node coordinates.
    u, v, w
        The graph's directed edges and their minutes.
    """

    def __init__(self, node_xy: NDArray[np.float64], u: NDArray[np.int64], v: NDArray[np.int64],
                 w: NDArray[np.float64]) -> None:
        n = node_xy.shape[0]
        self.node_xy = node_xy
        a = np.minimum(u, v)
        b = np.maximum(u, v)
        seg_key, inv = np.unique(a * n + b, return_inverse=True)
        self.a = seg_key // n
        self.b = seg_key % n
        self.ab = np.full(seg_key.shape[0], np.nan)
        self.ba = np.full(seg_key.shape[0], np.nan)
        fw = u < v
        self.ab[inv[fw]] = w[fw]
        self.ba[inv[~fw]] = w[~fw]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("tree", None)  # rebuilt lazily
        return state

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the segments as lines."""
        xy = self.node_xy
        return shapely.STRtree(shapely.linestrings(np.stack([xy[self.a], xy[self.b]], axis=1)))

    def snap(self, pts: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                               NDArray[np.float64]]:
        """Nearest segment, position on it (0 at a, 1 at b) and straight distance, per point."""
        if len(pts) == 0:
            return (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        idx = self.tree.query_nearest(pts, all_matches=False)
        seg = np.empty(len(pts), dtype=np.int64)
        seg[idx[0]] = idx[1]
        p = shapely.get_coordinates(pts)
        a = self.node_xy[self.a[seg]]
        ab = self.node_xy[self.b[seg]] - a
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
        d = np.hypot(*(a + ab * t[:, None] - p).T)
        return seg, t, d

    def seeds(self, pts: NDArray[Any], *, access_m_per_min: float, inbound: bool) -> Seeds:
        """Entry nodes and minutes for points.

        ``inbound=False``: minutes from the point to each end node (leaving it).
        ``inbound=True``: minutes from each end node to the point (arriving).
        """
        seg, t, dist_m = self.snap(pts)
        access = dist_m / access_m_per_min
        ab = self.ab[seg]
        ba = self.ba[seg]
        if inbound:   # a → point along a→b; b → point along b→a
            ma, mb = t * ab, (1.0 - t) * ba
        else:         # point → a along b→a; point → b along a→b
            ma, mb = t * ba, (1.0 - t) * ab
        nodes = np.stack([self.a[seg], self.b[seg]], axis=1).astype(np.int64)
        minutes = np.stack([access + ma, access + mb], axis=1)
        missing = ~np.isfinite(minutes)
        nodes[missing] = -1
        minutes[missing] = np.inf
        return Seeds(nodes, minutes)
