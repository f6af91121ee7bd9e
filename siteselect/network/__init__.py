"""Stage 2a, road networks: graph building, caching, shortest paths, reach and isochrones.

:class:`RoadGraph` is the front door (:mod:`siteselect.network.graph`); it builds
from a roads layer (:mod:`~siteselect.network._build`), snaps features
(:mod:`~siteselect.network.snapping`), searches with :class:`~siteselect.network.reach.Reach`
(numba kernels in :mod:`~siteselect.network._dijkstra`, networkx as the reference)
and draws isochrones (:mod:`~siteselect.network.isochrones`); :class:`GraphCache`
(:mod:`~siteselect.network.cache`) keeps built graphs.
"""

from siteselect.network.cache import GraphCache, roads_hash
from siteselect.network.graph import (
    AUTO_FAST_WORK,
    DEFAULT_SPEEDS_KMH,
    TIME_TOLERANCE_MIN,
    RoadGraph,
)

__all__ = ["AUTO_FAST_WORK", "DEFAULT_SPEEDS_KMH", "TIME_TOLERANCE_MIN", "GraphCache", "RoadGraph",
           "roads_hash"]
