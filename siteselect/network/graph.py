"""Road reach: travel minutes over a road network, logistics and commute reach.

One front door, :class:`RoadGraph`, built from a ``roads`` layer (see
:mod:`siteselect.core.roles`). It takes and returns the caller's own ids and index;
internal node numbers only appear in the per-node methods (``node_*``), which
return node coordinates beside every value.

Model
-----
* **Nodes.** Every vertex of every road line, with coordinates rounded to
  ``node_tolerance_m`` (default 0.5 m). Lines whose vertices coincide after
  rounding are connected there, whether at end points or interior vertices.
  Every pair of consecutive vertices is one edge, so lines are split at every
  shared vertex. Segments that collapse to one node are dropped.
* **Edge time.** ``length_m / speed`` with the segment's ``speed_kmh`` when
  present and positive, otherwise the default speed of its ``road_class``
  (:data:`DEFAULT_SPEEDS_KMH`, overridable per class); against the digitised
  direction of a two-way segment, its ``speed_backward_kmh`` when present and
  positive. Where two segments join
  the same two nodes in the same direction, the faster one is kept.
* **One-way.** ``oneway`` true = travel in the digitised direction only; a
  missing column or null = both directions.
* **Connectivity.** Only the largest *strongly* connected component is kept.
  With one-way edges a weakly connected piece may be enterable but not leavable
  (or the reverse), which would give finite minutes one way and none back;
  keeping the strongly connected core guarantees every kept node can reach and
  be reached from every other. Dropped components are counted in
  :attr:`RoadGraph.report`.
* **Snapping.** Points snap to the nearest point on the nearest kept edge; the
  straight line between the two is travelled at ``access_speed_kmh`` (default
  30 km/h), and the part of the edge to either end node at the edge's own
  speed (respecting one-way). A site 2 km from any road therefore starts with a
  4-minute access leg. Polygons and lines snap from their representative point
  (a point guaranteed inside the polygon); population polygons are counted at
  their centroid. Two points on the same edge are still routed via its end
  nodes (edges are one vertex pair long, so the error is small).
* **Directions.** ``minutes_to_nearest``: from the origin to the facility.
  ``population_within`` and ``isochrones``: people travelling *to* the site
  (searches run on the reversed graph).
* **Exactness.** networkx is the reference. ``method="fast"`` runs the numba
  kernels of :mod:`siteselect.network._dijkstra` over CSR arrays (parallel over
  sources with ``prange`` on numba's thread pool). Nearest-facility searches,
  every-node catchments and :meth:`RoadGraph.node_sum_within` use an exact
  bucket queue (bucket width half the smallest edge's minutes, so a bucket's
  nodes are all final; about twice the settles per second of the heap), the
  other searches and graphs with extreme weight ratios a 4-ary heap; a
  search only resets the nodes it reached. Searches from the
  same seeds perform the same float64 additions as networkx and give the same
  minutes; commute reach searched from the population side (see
  :meth:`RoadGraph.node_population_within`) sums each path in the other order,
  equal to within float rounding (and see *Limits*). ``method="auto"`` picks
  ``fast`` when nodes × searches ≥ :data:`AUTO_FAST_WORK`. The kernels compile
  on first use (~8 s, once; numba caches them on disk).
* **Limits.** A place counts as within ``T`` minutes when its time is at most
  ``T + TIME_TOLERANCE_MIN`` (1e-9 min), so the order in which a path's
  minutes are summed cannot move it across the limit.
* **Ties.** When two facilities are exactly equally near, the one that comes
  first in the facilities frame is reported.

A :class:`RoadGraph` is immutable after construction. Queries with
``method="networkx"`` briefly add virtual nodes to a private networkx graph,
so one graph should not be queried from several threads at once.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import networkx as nx
import numba
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from siteselect.core.crs import crs_text
from siteselect.core.roles import ROAD_CLASSES
from siteselect.core.vehicles import roads_for_vehicle
from siteselect.errors import CRSError, LayerError, MissingFieldError, NetworkError
from siteselect.network import _dijkstra

__all__ = [
    "AUTO_FAST_WORK",
    "DEFAULT_SPEEDS_KMH",
    "TIME_TOLERANCE_MIN",
    "GraphCache",
    "RoadGraph",
    "roads_hash",
]

log = logging.getLogger(__name__)

#: Default speed per road class, km/h, used where ``speed_kmh`` is null.
#: Typical Swedish limits: motorway 110 (120 on some stretches), trunk roads
#: (motortrafikled / national roads) 90, other classes decreasing to 40 in
#: built-up local streets. Override with ``default_speeds_kmh``.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 110.0,
        "trunk": 90.0,
        "primary": 80.0,
        "secondary": 70.0,
        "tertiary": 60.0,
        "local": 40.0,
    }
)

#: Slack (minutes) when comparing a travel time with a limit such as 45 min, so
#: that float rounding in the order a path is summed cannot change a count.
TIME_TOLERANCE_MIN = 1e-9

#: ``method="auto"`` uses the numba path when nodes × searches reaches this.
AUTO_FAST_WORK = 200_000

_METHODS = ("auto", "networkx", "fast")
_CACHE_VERSION = "roadgraph-v1"
_W = "minutes"  # networkx edge attribute


def _m_per_min(speed_kmh: float | NDArray[np.float64]) -> Any:
    return np.asarray(speed_kmh, dtype=float) * (1000.0 / 60.0)


# --------------------------------------------------------------------------- validation


def _check_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str,
               expected: pyproj.CRS | None = None) -> pyproj.CRS:
    """The frame's CRS: projected in metres, and ``expected`` (the graph's) when given."""
    crs = frame.crs
    want = crs_text(expected) if expected is not None else "the working CRS (projected, metres)"
    if crs is None:
        raise CRSError(
            f"{what}: layer has no CRS; expected {want}. "
            "Fix: set it (frame.set_crs(...)) and reproject with frame.to_crs(...)."
        )
    crs = pyproj.CRS(crs)
    if expected is not None:
        if not crs.equals(expected, ignore_axis_order=True):
            raise CRSError(
                f"{what}: layer CRS is {crs_text(crs)} but the road graph is in {want}. "
                f"Fix: reproject with frame.to_crs('{want}')."
            )
    elif not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise CRSError(
            f"{what}: layer CRS is {crs_text(crs)}, not a projected CRS in metres; travel times "
            "need lengths in metres. Fix: reproject every layer to the region's working CRS "
            "(frame.to_crs(...), e.g. EPSG:3006 in Sweden or the UTM zone of the data)."
        )
    return crs


def _as_points(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, *, crs: pyproj.CRS,
               centroid: bool = False) -> NDArray[Any]:
    """Geometry → point array (polygons/lines: representative point, or centroid)."""
    if not isinstance(frame, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise LayerError(f"{what}: expected a GeoDataFrame or GeoSeries, got {type(frame).__name__}.")
    _check_crs(frame, what, crs)
    geom = np.asarray(frame.geometry.values, dtype=object)
    bad = shapely.is_missing(geom) | shapely.is_empty(geom)
    if bad.any():
        labels = list(frame.index[bad][:5])
        raise LayerError(
            f"{what}: {int(bad.sum())} feature(s) without geometry (index {labels}…). "
            "Fix: drop or repair them before routing."
        )
    is_point = shapely.get_type_id(geom) == 0
    out = geom.copy()
    other = ~is_point
    if other.any():
        out[other] = (shapely.centroid(geom[other]) if centroid
                      else shapely.point_on_surface(geom[other]))
    return out


def _resolve_method(method: str, work: float) -> str:
    if method not in _METHODS:
        raise NetworkError(f"method={method!r} is unknown; use one of {', '.join(_METHODS)}.")
    if method == "auto":
        return "fast" if work >= AUTO_FAST_WORK else "networkx"
    return method


def _pop_values(population: gpd.GeoDataFrame, pop_field: str) -> NDArray[np.float64]:
    if pop_field not in population.columns:
        raise MissingFieldError(
            f"population: field {pop_field!r} not found (fields: {list(population.columns)}). "
            "Fix: pass pop_field= naming the inhabitants column."
        )
    pop: NDArray[np.float64] = np.asarray(
        pd.to_numeric(population[pop_field], errors="coerce"), dtype=float)
    bad = ~np.isfinite(pop)
    if bad.any():
        raise LayerError(
            f"population: field {pop_field!r} has {int(bad.sum())} missing or non-numeric value(s) "
            f"(index {list(population.index[bad][:5])}…). Fix: fill them (0 if unpopulated)."
        )
    return pop


# --------------------------------------------------------------------------- cache


class GraphCache:
    """A cache of built :class:`RoadGraph` objects that the caller owns.

    Keys are a SHA-256 hash of the roads' geometry (WKB), road classes, speeds,
    one-way flags and the build options, so any change to them builds a new
    graph. Graphs are kept in memory (least recently used beyond
    ``max_items``) and, when ``cache_dir`` is given, pickled there too.

    Parameters
    ----------
    cache_dir
        Directory for ``roadgraph-<hash>.pkl`` files, created if missing;
        ``None`` keeps the cache in memory only. Only load pickles you wrote.
    max_items
        Graphs held in memory.
    """

    def __init__(self, *, cache_dir: str | Path | None = None, max_items: int = 4) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.max_items = max_items
        self._items: OrderedDict[str, RoadGraph] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def _path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"roadgraph-{key}.pkl"

    def get(self, key: str) -> RoadGraph | None:
        """Return the graph stored under ``key`` or ``None``."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        path = self._path(key)
        if path is not None and path.exists():
            with path.open("rb") as fh:
                graph = pickle.load(fh)
            if isinstance(graph, RoadGraph):
                self._remember(key, graph)
                return graph
        return None

    def put(self, key: str, graph: RoadGraph) -> None:
        """Store ``graph`` under ``key`` (in memory, and on disk with a cache_dir)."""
        self._remember(key, graph)
        path = self._path(key)
        if path is not None:
            from siteselect.core.output import atomic_write

            atomic_write(path, lambda tmp: tmp.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)))

    def _remember(self, key: str, graph: RoadGraph) -> None:
        self._items[key] = graph
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)


def roads_hash(roads: gpd.GeoDataFrame, *, default_speeds_kmh: Mapping[str, float],
               access_speed_kmh: float, node_tolerance_m: float, vehicle: str = "") -> str:
    """SHA-256 of everything that determines a :class:`RoadGraph`."""
    h = hashlib.sha256(_CACHE_VERSION.encode())
    if vehicle:  # a vehicle profile's report travels with the graph
        h.update(f"vehicle={vehicle}".encode())
    wkb = shapely.to_wkb(np.asarray(roads.geometry.values, dtype=object), output_dimension=2)
    for b in wkb:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    for col in ("road_class", "speed_kmh", "oneway", "speed_backward_kmh"):
        if col in roads.columns:
            h.update(col.encode())
            h.update(pd.util.hash_pandas_object(roads[col].astype(object), index=False).to_numpy()
                     .tobytes())
    h.update(repr(sorted((str(k), float(v)) for k, v in default_speeds_kmh.items())).encode())
    h.update(repr((float(access_speed_kmh), float(node_tolerance_m))).encode())
    if roads.crs is not None:
        h.update(pyproj.CRS(roads.crs).to_wkt().encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class _Seeds:
    """Up to two (node, minutes) entry points per snapped feature (node -1 = none)."""

    nodes: NDArray[np.int64]      # (k, 2)
    minutes: NDArray[np.float64]  # (k, 2), inf where node is -1


# --------------------------------------------------------------------------- the graph


class RoadGraph:
    """A routable road network in travel minutes (see module docstring for the model).

    Build with :meth:`from_roads`. Attributes are read-only by convention.

    Attributes
    ----------
    report
        Build summary: ``nodes``, ``edges`` (directed), ``segments`` (input
        vertex pairs), ``segments_without_speed`` (class default used),
        ``oneway_segments``, ``components_dropped``, ``nodes_dropped``,
        ``access_speed_kmh``, ``node_tolerance_m``, ``default_speeds_kmh``.
    node_xy
        (n, 2) node coordinates in :attr:`crs`.
    crs
        The roads' CRS (the working CRS, projected in metres); every layer
        measured on the graph must be in it.
    access_speed_kmh
        Speed of the straight off-network leg.
    """

    def __init__(self, *, node_xy: NDArray[np.float64], edge_u: NDArray[np.int64],
                 edge_v: NDArray[np.int64], edge_minutes: NDArray[np.float64],
                 access_speed_kmh: float, report: dict[str, Any], crs: Any) -> None:
        n = node_xy.shape[0]
        self.crs = pyproj.CRS(crs)
        if n >= 2**31 - 1:
            raise NetworkError(f"roads: {n} nodes exceed the 2**31 the fast path indexes.")
        self.node_xy = node_xy
        self.access_speed_kmh = float(access_speed_kmh)
        self.report = report
        self._u = edge_u
        self._v = edge_v
        self._w = edge_minutes
        self._fwd = _csr(n, edge_u, edge_v, edge_minutes)
        self._rev = _csr(n, edge_v, edge_u, edge_minutes)
        # undirected segments for snapping: canonical a < b, minutes each way (nan = no edge)
        a = np.minimum(edge_u, edge_v)
        b = np.maximum(edge_u, edge_v)
        key = a * n + b
        seg_key, inv = np.unique(key, return_inverse=True)
        self._seg_a = seg_key // n
        self._seg_b = seg_key % n
        self._seg_ab = np.full(seg_key.shape[0], np.nan)
        self._seg_ba = np.full(seg_key.shape[0], np.nan)
        fw = edge_u < edge_v
        self._seg_ab[inv[fw]] = edge_minutes[fw]
        self._seg_ba[inv[~fw]] = edge_minutes[~fw]

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_roads(
        cls,
        roads: gpd.GeoDataFrame,
        *,
        default_speeds_kmh: Mapping[str, float] | None = None,
        access_speed_kmh: float = 30.0,
        node_tolerance_m: float = 0.5,
        cache: GraphCache | None = None,
        vehicle: str = "car",
        gross_weight_t: float | None = None,
    ) -> RoadGraph:
        """Build a graph from a ``roads`` layer.

        Parameters
        ----------
        roads
            GeoDataFrame of (Multi)LineStrings in a projected CRS in metres (the
            working CRS; the graph keeps it as :attr:`crs`) with ``road_class``
            (one of :data:`siteselect.core.roles.ROAD_CLASSES`, or any class named in
            ``default_speeds_kmh``); optional ``speed_kmh`` (nullable, km/h),
            ``speed_backward_kmh`` (nullable, km/h against the digitised direction;
            null = ``speed_kmh``) and ``oneway`` (bool, nullable). Not modified.
        default_speeds_kmh
            Speeds per class used where ``speed_kmh`` is null or missing;
            merged over :data:`DEFAULT_SPEEDS_KMH`.
        access_speed_kmh
            Speed of the straight off-network leg to and from the graph.
        node_tolerance_m
            Vertices within this grid (coordinates rounded to a multiple) are one node.
        cache
            A :class:`GraphCache`; an identical build returns the cached object.
        vehicle, gross_weight_t
            Vehicle profile (:mod:`siteselect.core.vehicles`): ``"car"`` uses the
            roads as they are; ``"hgv"`` caps speeds at the heavy-lorry limits
            and drops roads closed to lorries of ``gross_weight_t`` tonnes.
            The profile's counts go to ``report["vehicle"]``.

        Returns
        -------
        RoadGraph

        Raises
        ------
        CRSError
            The layer has no CRS or one that is not projected in metres.
        MissingFieldError
            No ``road_class`` field.
        NetworkError
            No usable line, unknown classes without a speed, non-positive
            speeds, or bad options.
        """
        speeds = dict(DEFAULT_SPEEDS_KMH)
        if default_speeds_kmh is not None:
            speeds.update({str(k): float(v) for k, v in default_speeds_kmh.items()})
        bad_speeds = {k: v for k, v in speeds.items() if not (np.isfinite(v) and v > 0)}
        problems: list[str] = []
        if bad_speeds:
            problems.append(f"default_speeds_kmh must be positive, got {bad_speeds}")
        if not (np.isfinite(access_speed_kmh) and access_speed_kmh > 0):
            problems.append(f"access_speed_kmh must be positive, got {access_speed_kmh}")
        if not (np.isfinite(node_tolerance_m) and node_tolerance_m > 0):
            problems.append(f"node_tolerance_m must be positive, got {node_tolerance_m}")
        if problems:
            raise NetworkError("roads: " + "; ".join(problems) + ".")
        if not isinstance(roads, gpd.GeoDataFrame):
            raise LayerError(f"roads: expected a GeoDataFrame, got {type(roads).__name__}.")
        _check_crs(roads, "roads")
        if "road_class" not in roads.columns:
            raise MissingFieldError(
                f"roads: field 'road_class' not found (fields: {list(roads.columns)}). "
                f"Fix: map the road class column to 'road_class' ({', '.join(ROAD_CLASSES)})."
            )
        # vehicle profile: a new frame with the vehicle's speeds and usable roads
        roads, vehicle_report = roads_for_vehicle(roads, vehicle, class_speeds_kmh=speeds,
                                                  gross_weight_t=gross_weight_t)
        key = None
        if cache is not None:
            key = roads_hash(roads, default_speeds_kmh=speeds, access_speed_kmh=access_speed_kmh,
                             node_tolerance_m=node_tolerance_m,
                             vehicle="" if vehicle == "car" else repr(vehicle_report.as_dict()))
            hit = cache.get(key)
            if hit is not None:
                return hit
        graph = _build(roads, speeds=speeds, access_speed_kmh=float(access_speed_kmh),
                       tol=float(node_tolerance_m))
        graph.report["vehicle"] = vehicle_report.as_dict()
        if cache is not None and key is not None:
            cache.put(key, graph)
        return graph

    # ----------------------------------------------------------------- pickling

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in ("_tree", "_nx_rev"):  # rebuilt lazily
            state.pop(name, None)
        return state

    # ----------------------------------------------------------------- basics

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_xy.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self._u.shape[0])

    def __repr__(self) -> str:
        return f"RoadGraph(nodes={self.n_nodes}, edges={self.n_edges})"

    def to_networkx(self) -> nx.DiGraph:
        """A new networkx DiGraph: nodes 0..n-1 with ``x``, ``y``; edges with ``minutes``."""
        g = nx.DiGraph()
        g.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.node_xy))
        g.add_weighted_edges_from(zip(self._u.tolist(), self._v.tolist(), self._w.tolist()),
                                  weight=_W)
        return g

    @cached_property
    def _nx_rev(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_nodes))
        g.add_weighted_edges_from(zip(self._v.tolist(), self._u.tolist(), self._w.tolist()),
                                  weight=_W)
        return g

    @cached_property
    def _buckets(self) -> tuple[float, int]:
        """Bucket-queue width and count for the fast path ((0, 0) = heap; see _dijkstra)."""
        return _dijkstra.bucket_width(self._w)

    @cached_property
    def _tree(self) -> shapely.STRtree:
        xy = self.node_xy
        lines = shapely.linestrings(np.stack([xy[self._seg_a], xy[self._seg_b]], axis=1))
        return shapely.STRtree(lines)

    # ----------------------------------------------------------------- snapping

    def snap(self, points: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "points"
             ) -> pd.DataFrame:
        """Where each feature joins the network.

        Returns
        -------
        pandas.DataFrame
            Index of ``points``; ``snap_x``, ``snap_y`` (the nearest point on
            the nearest edge), ``access_m`` (straight distance to it) and
            ``access_minutes`` (at ``access_speed_kmh``).
        """
        pts = _as_points(points, what, crs=self.crs)
        seg, t, dist_m = self._snap_points(pts)
        xy = self.node_xy
        a = xy[self._seg_a[seg]]
        b = xy[self._seg_b[seg]]
        sxy = a + (b - a) * t[:, None]
        return pd.DataFrame(
            {"snap_x": sxy[:, 0], "snap_y": sxy[:, 1], "access_m": dist_m,
             "access_minutes": dist_m / _m_per_min(self.access_speed_kmh)},
            index=points.index,
        )

    def _snap_points(self, pts: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                      NDArray[np.float64]]:
        """Nearest segment, position on it (0 at a, 1 at b) and straight distance, per point."""
        if len(pts) == 0:
            return (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        idx = self._tree.query_nearest(pts, all_matches=False)
        seg = np.empty(len(pts), dtype=np.int64)
        seg[idx[0]] = idx[1]
        p = shapely.get_coordinates(pts)
        a = self.node_xy[self._seg_a[seg]]
        ab = self.node_xy[self._seg_b[seg]] - a
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
        d = np.hypot(*(a + ab * t[:, None] - p).T)
        return seg, t, d

    def _seeds(self, pts: NDArray[Any], *, inbound: bool) -> _Seeds:
        """Entry nodes and minutes for points.

        ``inbound=False``: minutes from the point to each end node (leaving it).
        ``inbound=True``: minutes from each end node to the point (arriving).
        """
        seg, t, dist_m = self._snap_points(pts)
        access = dist_m / _m_per_min(self.access_speed_kmh)
        ab = self._seg_ab[seg]
        ba = self._seg_ba[seg]
        if inbound:   # a → point along a→b; b → point along b→a
            ma, mb = t * ab, (1.0 - t) * ba
        else:         # point → a along b→a; point → b along a→b
            ma, mb = t * ba, (1.0 - t) * ab
        nodes = np.stack([self._seg_a[seg], self._seg_b[seg]], axis=1).astype(np.int64)
        minutes = np.stack([access + ma, access + mb], axis=1)
        missing = ~np.isfinite(minutes)
        nodes[missing] = -1
        minutes[missing] = np.inf
        return _Seeds(nodes, minutes)

    # ----------------------------------------------------------------- searches

    def _nx_seeded(self, seed_nodes: NDArray[np.int64], seed_minutes: NDArray[np.float64],
                   seed_groups: NDArray[np.int64], cutoff: float, *, labels: bool
                   ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """networkx reference: Dijkstra on the reversed graph from seeded groups.

        A virtual source joins one virtual node per group (weight 0), which
        joins its seed nodes (weight = seed minutes). Returns minutes per node
        (inf unreached) and, with ``labels``, the smallest group whose
        shortest-path tree reaches each node (-1 unreached).
        """
        g = self._nx_rev
        n = self.n_nodes
        src = -1
        groups = np.unique(seed_groups)
        vnodes = {int(k): -2 - int(k) for k in groups}
        added: list[tuple[int, int, float]] = [(src, vnodes[int(k)], 0.0) for k in groups]
        best: dict[tuple[int, int], float] = {}
        for node, m, k in zip(seed_nodes.tolist(), seed_minutes.tolist(), seed_groups.tolist()):
            key = (vnodes[k], node)
            if m < best.get(key, np.inf):
                best[key] = m
        added += [(vn, node, m) for (vn, node), m in best.items()]
        g.add_weighted_edges_from(added, weight=_W)
        try:
            if labels:
                pred, dist = nx.dijkstra_predecessor_and_distance(g, src, cutoff=cutoff, weight=_W)
            else:
                dist = nx.single_source_dijkstra_path_length(g, src, cutoff=cutoff, weight=_W)
                pred = {}
        finally:
            g.remove_nodes_from([src, *vnodes.values()])
        out = np.full(n, np.inf)
        lab = np.full(n, -1, dtype=np.int64)
        real = [(d, v) for v, d in dist.items() if v >= 0]
        if real:
            vs = np.fromiter((v for _, v in real), dtype=np.int64, count=len(real))
            out[vs] = np.fromiter((d for d, _ in real), dtype=float, count=len(real))
        if labels:
            vlabel = {vn: k for k, vn in vnodes.items()}
            # virtual nodes first at equal distance; real edges are strictly positive
            for _d, v in sorted(real):
                lab[v] = min(vlabel[p] if p < -1 else int(lab[p]) for p in pred[v])
        return out, lab

    def _fast_seeded(self, seed_nodes: NDArray[np.int64], seed_minutes: NDArray[np.float64],
                     seed_groups: NDArray[np.int64], cutoff: float
                     ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        indptr, indices, w = self._rev
        width, nb = self._buckets
        if nb > 0:
            return _dijkstra.multi_source_buckets(indptr, indices, w, seed_nodes.astype(np.int64),
                                                  seed_minutes.astype(float),
                                                  seed_groups.astype(np.int64), float(cutoff),
                                                  width, nb)
        return _dijkstra.multi_source(indptr, indices, w, seed_nodes.astype(np.int64),
                                      seed_minutes.astype(float), seed_groups.astype(np.int64),
                                      float(cutoff))

    def _nearest_nodes(self, facilities: gpd.GeoDataFrame, facility_id: str,
                       max_minutes: float | None, method: str, facility_class: str | None
                       ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[Any]]:
        """Minutes from every node to the nearest facility, and its position."""
        what = f"{facility_class or 'facilities'} (id field {facility_id!r})"
        if not isinstance(facilities, gpd.GeoDataFrame):
            raise LayerError(f"{what}: expected a GeoDataFrame, got {type(facilities).__name__}.")
        if facility_id not in facilities.columns:
            raise MissingFieldError(
                f"{what}: id field not found (fields: {list(facilities.columns)}). "
                "Fix: pass facility_id= naming the id column."
            )
        if len(facilities) == 0:
            raise NetworkError(
                f"{what}: the layer is empty (after any filtering), so no minutes to the "
                "nearest one can be computed. Fix: supply at least one facility of this class "
                "or drop the factor that needs it."
            )
        if max_minutes is not None and not max_minutes > 0:
            raise NetworkError(f"{what}: max_minutes must be positive or None, got {max_minutes}.")
        pts = _as_points(facilities, what, crs=self.crs)
        seeds = self._seeds(pts, inbound=True)
        groups = np.repeat(np.arange(len(pts), dtype=np.int64), 2)
        nodes = seeds.nodes.ravel()
        mins = seeds.minutes.ravel()
        ok = nodes >= 0
        cutoff = np.inf if max_minutes is None else float(max_minutes)
        m = _resolve_method(method, float(self.n_nodes))
        if m == "fast":
            dist, lab = self._fast_seeded(nodes[ok], mins[ok], groups[ok], cutoff)
        else:
            dist, lab = self._nx_seeded(nodes[ok], mins[ok], groups[ok], cutoff, labels=True)
        return dist, lab, facilities[facility_id].to_numpy(dtype=object)

    # ----------------------------------------------------------------- logistics reach

    def minutes_to_nearest(
        self,
        origins: gpd.GeoDataFrame | gpd.GeoSeries,
        facilities: gpd.GeoDataFrame,
        *,
        facility_id: str,
        max_minutes: float | None = None,
        method: str = "auto",
        facility_class: str | None = None,
    ) -> pd.DataFrame:
        """Minutes from each origin to its nearest facility.

        Minutes = access leg origin → network + network + access leg network →
        facility. One multi-source search from all facilities serves every origin.

        Parameters
        ----------
        origins
            Sites (points or polygons, the working CRS).
        facilities
            Facilities of one class (points, the working CRS).
        facility_id
            Column of ``facilities`` holding the id returned in ``facility``.
        max_minutes
            Search cutoff; origins farther than this get NaN.
        method
            ``"auto"``, ``"networkx"`` (reference) or ``"fast"`` (numba).
        facility_class
            Name used in error messages (e.g. ``"ports"``).

        Returns
        -------
        pandas.DataFrame
            Index of ``origins``; ``minutes`` (float, NaN if unreachable) and
            ``facility`` (the nearest facility's id, None if unreachable).

        Raises
        ------
        CRSError, MissingFieldError, NetworkError
            Wrong CRS, missing id field, empty facilities or unknown method.
        """
        opts = _as_points(origins, "origins", crs=self.crs)
        dist, lab, ids = self._nearest_nodes(facilities, facility_id, max_minutes, method,
                                             facility_class)
        seeds = self._seeds(opts, inbound=False)
        return self._origin_lookup(seeds, dist, lab, ids, max_minutes, origins.index)

    @staticmethod
    def _origin_lookup(seeds: _Seeds, dist: NDArray[np.float64], lab: NDArray[np.int64],
                       ids: NDArray[Any], max_minutes: float | None, index: pd.Index
                       ) -> pd.DataFrame:
        nodes = seeds.nodes
        safe = np.where(nodes >= 0, nodes, 0)
        cand = np.where(nodes >= 0, seeds.minutes + dist[safe], np.inf)
        cl = np.where(nodes >= 0, lab[safe], -1)
        # smaller minutes wins; equal minutes → smaller facility position
        pick_b = (cand[:, 1] < cand[:, 0]) | ((cand[:, 1] == cand[:, 0]) & (cl[:, 1] < cl[:, 0])
                                              & (cl[:, 1] >= 0))
        best = np.where(pick_b, cand[:, 1], cand[:, 0])
        blab = np.where(pick_b, cl[:, 1], cl[:, 0])
        cutoff = np.inf if max_minutes is None else float(max_minutes)
        unreached = ~np.isfinite(best) | (best > cutoff)
        minutes = np.where(unreached, np.nan, best)
        fac = np.empty(len(best), dtype=object)
        fac[~unreached] = ids[blab[~unreached]]
        fac[unreached] = None
        return pd.DataFrame({"minutes": minutes, "facility": pd.Series(fac, dtype=object,
                                                                       index=index)}, index=index)

    def node_minutes_to_nearest(self, facilities: gpd.GeoDataFrame, *, facility_id: str,
                                max_minutes: float | None = None, method: str = "auto",
                                facility_class: str | None = None) -> pd.DataFrame:
        """Minutes from every graph node to its nearest facility (raster mode).

        Returns
        -------
        pandas.DataFrame
            Index = node number; ``x``, ``y`` (the working CRS), ``minutes`` (NaN if
            unreachable within ``max_minutes``), ``facility`` (id).
        """
        dist, lab, ids = self._nearest_nodes(facilities, facility_id, max_minutes, method,
                                             facility_class)
        reached = np.isfinite(dist)
        fac = np.empty(self.n_nodes, dtype=object)
        fac[reached] = ids[lab[reached]]
        fac[~reached] = None
        index = pd.RangeIndex(self.n_nodes, name="node")
        return pd.DataFrame({"x": self.node_xy[:, 0], "y": self.node_xy[:, 1],
                             "minutes": np.where(reached, dist, np.nan),
                             "facility": pd.Series(fac, dtype=object, index=index)}, index=index)

    # ----------------------------------------------------------------- commute reach

    def _cells(self, population: gpd.GeoDataFrame, pop_field: str
               ) -> tuple[_Seeds, NDArray[np.float64]]:
        if not isinstance(population, gpd.GeoDataFrame):
            raise LayerError(f"population: expected a GeoDataFrame, got {type(population).__name__}.")
        pop = _pop_values(population, pop_field)
        pts = _as_points(population, "population", crs=self.crs, centroid=True)
        return self._seeds(pts, inbound=False), pop

    def _catchment(self, origins: _Seeds, cells: _Seeds, pop: NDArray[np.float64],
                   thresholds: NDArray[np.float64], method: str) -> NDArray[np.float64]:
        """Population reaching each origin (inbound seeds) within each threshold.

        ``networkx``: one search per origin on the reversed graph. ``fast``:
        the same per origin in numba, or — when there are fewer populated
        places than origins — one search per populated place on the forward
        graph, adding its population to every origin it reaches in time.
        Times are compared with :data:`TIME_TOLERANCE_MIN` of slack, so the
        order in which a path's minutes are summed cannot move a place across
        a limit.
        """
        ns = origins.nodes.shape[0]
        th = thresholds + TIME_TOLERANCE_MIN
        cutoff = float(th.max())
        m = _resolve_method(method, float(self.n_nodes) * min(ns, len(pop)))
        oa, ooa, ob, oob = _two_columns(origins)
        ca, coa, cb, cob = _two_columns(cells)
        if m == "fast":
            chunks = 8 * numba.get_num_threads()
            if ns <= len(pop):
                src_nodes, src_minutes, src_ptr = _flatten_seeds(origins.nodes, origins.minutes)
                indptr, indices, w = self._rev
                return _dijkstra.batch_catchment(indptr, indices, w, src_ptr, src_nodes,
                                                 src_minutes, cutoff, ca, coa, cb, cob, pop, th,
                                                 chunks)
            src_nodes, src_minutes, src_ptr = _flatten_seeds(cells.nodes, cells.minutes)
            indptr, indices, w = self._fwd
            return _dijkstra.batch_catchment_scatter(indptr, indices, w, src_ptr, src_nodes,
                                                     src_minutes, pop, cutoff, oa, ooa, ob, oob,
                                                     th, max(2, chunks // 4))
        src_nodes, src_minutes, src_ptr = _flatten_seeds(origins.nodes, origins.minutes)
        out = np.zeros((ns, th.shape[0]))
        cbs = np.where(cb >= 0, cb, 0)
        for i in range(ns):
            lo, hi = src_ptr[i], src_ptr[i + 1]
            dist, _ = self._nx_seeded(src_nodes[lo:hi], src_minutes[lo:hi],
                                      np.zeros(hi - lo, dtype=np.int64), cutoff, labels=False)
            t = coa + dist[ca]
            t = np.minimum(t, np.where(cb >= 0, cob + dist[cbs], np.inf))
            for k, tk in enumerate(th):
                out[i, k] = pop[t <= tk].sum()
        return out

    def population_within(
        self,
        origins: gpd.GeoDataFrame | gpd.GeoSeries,
        population: gpd.GeoDataFrame,
        *,
        minutes: Sequence[float] = (30, 45, 60),
        pop_field: str = "pop",
        method: str = "auto",
    ) -> pd.DataFrame:
        """Inhabitants who can reach each origin within each time limit.

        Each population feature travels from its centroid (access leg, network,
        access leg to the origin). Origins with identical snapping share one
        search; with more distinct origins than populated places the fast path
        searches from the places instead (see :meth:`node_population_within`).

        Parameters
        ----------
        origins
            Sites (the working CRS).
        population
            Points or grid cells (the working CRS) with ``pop_field``.
        minutes
            Time limits; one column ``pop_{m}min`` each (``{m:g}`` formatting).
        pop_field
            Column with inhabitants.
        method
            ``"auto"``, ``"networkx"`` or ``"fast"``.

        Returns
        -------
        pandas.DataFrame
            Index of ``origins``; float columns ``pop_30min``, ``pop_45min`` …
        """
        thresholds = _thresholds(minutes)
        opts = _as_points(origins, "origins", crs=self.crs)
        cells, pop = self._cells(population, pop_field)
        seeds = self._seeds(opts, inbound=True)
        # one search per distinct entry (origins snapping identically share it)
        key = np.concatenate([seeds.nodes.astype(float), seeds.minutes], axis=1)
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        unique = _Seeds(uniq[:, :2].astype(np.int64), uniq[:, 2:].copy())
        res = self._catchment(unique, cells, pop, thresholds, method)
        return pd.DataFrame(res[inverse], index=origins.index,
                            columns=[_pop_col(m) for m in thresholds])

    def node_population_within(self, population: gpd.GeoDataFrame, *,
                               minutes: float | Sequence[float] = 45, pop_field: str = "pop",
                               method: str = "auto") -> pd.DataFrame:
        """Inhabitants who can reach every graph node within ``minutes`` (raster mode).

        ``networkx``: one bounded search per node (slow; the reference).
        ``fast``: one bounded search per populated place on the forward graph
        (when there are fewer places than nodes, as with a 1 km grid), each
        adding its population to every node it reaches in time — each place
        and node is searched once, nothing is repeated. Run in parallel.

        Returns
        -------
        pandas.DataFrame
            Index = node number; ``x``, ``y`` and ``pop_{m}min`` per limit.
        """
        mins: list[float] = ([float(minutes)] if isinstance(minutes, (int, float))
                             else [float(m) for m in minutes])
        thresholds = _thresholds(mins)
        cells, pop = self._cells(population, pop_field)
        n = self.n_nodes
        if _resolve_method(method, float(n) * min(n, len(pop))) == "fast":
            res = self._scatter_to_nodes(cells, pop, thresholds + TIME_TOLERANCE_MIN)
        else:
            res = self._catchment(_Seeds(np.stack([np.arange(n, dtype=np.int64),
                                                   np.full(n, -1, dtype=np.int64)], 1),
                                         np.stack([np.zeros(n), np.full(n, np.inf)], 1)),
                                  cells, pop, thresholds, method)
        out = pd.DataFrame({"x": self.node_xy[:, 0], "y": self.node_xy[:, 1]},
                           index=pd.RangeIndex(n, name="node"))
        for k, m in enumerate(thresholds):
            out[_pop_col(m)] = res[:, k]
        return out

    def node_sum_within(self, values: Sequence[float] | NDArray[np.float64], *,
                        minutes: float) -> NDArray[np.float64]:
        """For every node, the sum of ``values`` over the nodes it reaches within ``minutes``.

        The all-nodes aggregation of pandana's ``Network.aggregate(type="sum",
        decay="flat")`` over travel minutes, exact in float64: one bounded
        search per node on the fast path, in parallel. A node counts itself.

        Parameters
        ----------
        values
            One finite number per node (node order, as ``node_xy``).
        minutes
            Radius in travel minutes from the node (positive).

        Returns
        -------
        numpy.ndarray
            float64 sums, one per node.

        Raises
        ------
        NetworkError
            Wrong length, non-finite values or a non-positive radius.
        """
        vals = np.asarray(values, dtype=float)
        if vals.shape != (self.n_nodes,) or not np.isfinite(vals).all():
            raise NetworkError(f"node_sum_within: values must be {self.n_nodes} finite numbers "
                               f"(one per node), got shape {vals.shape}.")
        if not (np.isfinite(minutes) and minutes > 0):
            raise NetworkError(f"node_sum_within: minutes must be positive, got {minutes}.")
        indptr, indices, w = self._fwd
        out, _ = _dijkstra.gather_sum(indptr, indices, w, vals,
                                      float(minutes) + TIME_TOLERANCE_MIN,
                                      8 * numba.get_num_threads(), *self._buckets)
        return out

    def _scatter_to_nodes(self, sources: _Seeds, weight: NDArray[np.float64],
                          limits: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of ``weight`` over the sources reaching each node within each limit (minutes).

        One bounded search per source with a non-zero weight on the forward
        graph (:func:`siteselect.network._dijkstra.scatter_to_nodes`): O(Σ reach ·
        log reach) for the sources' reaches within ``max(limits)``, O(nodes ×
        threads × limits) memory.
        """
        src_nodes, src_minutes, src_ptr = _flatten_seeds(sources.nodes, sources.minutes)
        indptr, indices, w = self._fwd
        out, _ = _dijkstra.scatter_to_nodes(indptr, indices, w, src_ptr, src_nodes, src_minutes,
                                            np.asarray(weight, dtype=float),
                                            np.asarray(limits, dtype=float),
                                            numba.get_num_threads(), *self._buckets)
        return out

    # ----------------------------------------------------------------- isochrones

    def isochrones(
        self,
        origins: gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        origin_id: str,
        minutes: Sequence[float] = (15, 30, 45, 60),
        max_access_m: float | None = 1000.0,
        method: str = "auto",
    ) -> gpd.GeoDataFrame:
        """Areas from which a site can be reached within each time limit.

        Direction = travelling *to* the site (as for commute reach). Every
        point of the network reached within ``m`` minutes (nodes and every
        point along edges) is buffered by the distance its remaining time
        covers at ``access_speed_kmh``, capped at ``max_access_m`` (so the
        shape stays near roads) and at least ``min(100, max_access_m / 2) / 2
        + 1`` m (51 m by default, so every reached node lies inside and the
        shape is unbroken along reached roads; it may overstate reach by that
        much at road tips); the buffers are dissolved. This approximates the
        set of points whose access leg plus network time fits.

        The union is built per edge piece, not from samples: each edge is cut
        where its two routes to the site meet and where the radius reaches
        the floor, the cap or the limit, and on each piece the discs (32-gons,
        as ``shapely.buffer(..., quad_segs=8)``) dissolve into the convex hull
        of its two end discs. :meth:`_isochrones_reference` (discs at nodes
        and at points ≤ 100 m apart) gives the same shapes to within 0.3 % of
        the area on the embedded network (``bench/isochrones.py``). Cost grows
        with the reached edges: one union of a few pieces per reached edge,
        per site and limit (~0.01 s on the embedded network; ~2 s for the
        ~58,000 pieces of 30 min on a 20,000-node grid of 250 m blocks).

        Parameters
        ----------
        origins
            Sites (the working CRS).
        origin_id
            Column of ``origins`` (or ``"index"``) whose value goes in ``site_id``.
        minutes
            Time limits.
        max_access_m
            Cap on the off-network buffer; ``None`` for no cap.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns ``site_id``, ``minutes``, ``geometry`` (the working CRS), one row
            per origin and limit (empty geometry if nothing is reached).
        """
        thresholds = _thresholds(minutes)
        ids, rows = self._isochrone_minutes(origins, origin_id, thresholds, method)
        cap_m = np.inf if max_access_m is None else float(max_access_m)
        recs = [
            {"site_id": ids[i], "minutes": float(th),
             "geometry": _reach_shape(self.node_xy, self._seg_a, self._seg_b, self._seg_ab,
                                      self._seg_ba, rows[i], float(th),
                                      speed_m_per_min=float(_m_per_min(self.access_speed_kmh)),
                                      cap_m=cap_m, floor_m=_floor_m(max_access_m))}
            for i in range(len(ids)) for th in thresholds
        ]
        return _isochrone_frame(recs, self.crs)

    def _isochrone_minutes(self, origins: gpd.GeoDataFrame | gpd.GeoSeries, origin_id: str,
                           thresholds: NDArray[np.float64], method: str
                           ) -> tuple[NDArray[Any], NDArray[np.float64]]:
        """Site ids and (sites, nodes) minutes from every node to each site, up to the largest limit."""
        if not (origin_id == "index" or (isinstance(origins, gpd.GeoDataFrame)
                                         and origin_id in origins.columns)):
            raise MissingFieldError(
                f"origins: id field {origin_id!r} not found. Fix: pass origin_id= naming the "
                "site id column (or 'index')."
            )
        ids = (origins.index.to_numpy(dtype=object) if origin_id == "index"
               else origins[origin_id].to_numpy(dtype=object))
        opts = _as_points(origins, "origins", crs=self.crs)
        seeds = self._seeds(opts, inbound=True)
        src_nodes, src_minutes, src_ptr = _flatten_seeds(seeds.nodes, seeds.minutes)
        cutoff = float(thresholds.max()) + TIME_TOLERANCE_MIN
        m = _resolve_method(method, float(self.n_nodes) * len(opts))
        if m == "fast" and len(opts):
            indptr, indices, w = self._rev
            rows = _dijkstra.batch_distances(indptr, indices, w, src_ptr, src_nodes, src_minutes,
                                             cutoff)
        else:
            rows = np.full((len(opts), self.n_nodes), np.inf)
            for i in range(len(opts)):
                lo, hi = src_ptr[i], src_ptr[i + 1]
                rows[i], _ = self._nx_seeded(src_nodes[lo:hi], src_minutes[lo:hi],
                                             np.zeros(hi - lo, dtype=np.int64), cutoff,
                                             labels=False)
        return ids, rows

    def _isochrones_reference(
        self,
        origins: gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        origin_id: str,
        minutes: Sequence[float] = (15, 30, 45, 60),
        max_access_m: float | None = 1000.0,
        method: str = "auto",
    ) -> gpd.GeoDataFrame:
        """Slow reference for :meth:`isochrones`: sampled discs, dissolved.

        Every node, and points along each edge at most 100 m apart
        (``max_access_m / 2`` if smaller), reached within the limit gets a
        disc of radius ``remaining minutes × access speed`` clipped to
        [``floor``, ``max_access_m``]; the discs are dissolved. Same arguments
        and result as :meth:`isochrones`; kept to test the fast path against
        (``tests/test_network.py``, ``bench/isochrones.py``).
        """
        thresholds = _thresholds(minutes)
        ids, rows = self._isochrone_minutes(origins, origin_id, thresholds, method)
        speed = float(_m_per_min(self.access_speed_kmh))
        cap = np.inf if max_access_m is None else float(max_access_m)
        # sample points inside long edges: segment, fraction from a, coordinates
        step = _step_m(max_access_m)
        xy = self.node_xy
        seg_len = np.hypot(*(xy[self._seg_b] - xy[self._seg_a]).T)
        k = np.maximum(np.ceil(seg_len / step).astype(np.int64) - 1, 0)
        s_seg = np.repeat(np.arange(seg_len.size), k)
        first = np.repeat(np.cumsum(k) - k, k)
        s_f = (np.arange(s_seg.size) - first + 1) / (k[s_seg] + 1)
        s_a, s_b = self._seg_a[s_seg], self._seg_b[s_seg]
        s_xy = xy[s_a] + (xy[s_b] - xy[s_a]) * s_f[:, None]
        s_ab = np.nan_to_num(self._seg_ab[s_seg], nan=np.inf)
        s_ba = np.nan_to_num(self._seg_ba[s_seg], nan=np.inf)
        all_xy = np.vstack([xy, s_xy])
        floor = _floor_m(max_access_m)  # consecutive samples' discs overlap: no islands at tips
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
        return _isochrone_frame(recs, self.crs)


# --------------------------------------------------------------------------- helpers


def _thresholds(minutes: Sequence[float]) -> NDArray[np.float64]:
    th = np.asarray(list(minutes), dtype=float)
    if th.size == 0 or not np.all(np.isfinite(th)) or np.any(th <= 0):
        raise NetworkError(f"minutes must be positive numbers, got {list(minutes)}.")
    return th


def _step_m(max_access_m: float | None) -> float:
    """Sampling step of the reference isochrones: 100 m, or ``max_access_m / 2`` if smaller."""
    return 100.0 if max_access_m is None else min(max(float(max_access_m) / 2.0, 1.0), 100.0)


def _floor_m(max_access_m: float | None) -> float:
    """Smallest isochrone radius around a reached place: half the sampling step + 1 m."""
    return _step_m(max_access_m) / 2.0 + 1.0


def _isochrone_frame(recs: list[dict[str, Any]], crs: pyproj.CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(recs, columns=["site_id", "minutes", "geometry"],
                            geometry="geometry", crs=crs)


#: Unit circle as the 32 vertices GEOS puts on a point buffer with ``quad_segs=8``.
_CIRCLE_32 = np.stack([np.cos(np.arange(32) * (np.pi / 16.0)),
                       np.sin(np.arange(32) * (np.pi / 16.0))], axis=1)
_CIRCLE_32.setflags(write=False)


def _reach_shape(node_xy: NDArray[np.float64], seg_a: NDArray[np.int64], seg_b: NDArray[np.int64],
                 seg_ab: NDArray[np.float64], seg_ba: NDArray[np.float64],
                 node_minutes: NDArray[np.float64], limit_min: float, *, speed_m_per_min: float,
                 cap_m: float, floor_m: float) -> shapely.Geometry:
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
    hi = max(cap_m, floor_m)
    ta, tb = node_minutes[seg_a], node_minutes[seg_b]
    ab = np.nan_to_num(seg_ab, nan=np.inf)
    ba = np.nan_to_num(seg_ba, nan=np.inf)
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


def _pop_col(m: float) -> str:
    return f"pop_{m:g}min"


def _two_columns(seeds: _Seeds) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                          NDArray[np.int64], NDArray[np.float64]]:
    """Seeds as (a, minutes_a, b, minutes_b) with the valid entry always in column a."""
    a = seeds.nodes[:, 0].astype(np.int64)
    b = seeds.nodes[:, 1].astype(np.int64)
    ma = seeds.minutes[:, 0].astype(float)
    mb = seeds.minutes[:, 1].astype(float)
    swap = a < 0
    a[swap], b[swap] = b[swap], -1
    ma[swap], mb[swap] = mb[swap], np.inf
    return a, ma, b, mb


def _flatten_seeds(nodes: NDArray[np.int64], minutes: NDArray[np.float64]
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    ok = nodes >= 0
    counts = ok.sum(axis=1)
    ptr = np.zeros(nodes.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return nodes[ok].astype(np.int64), minutes[ok].astype(float), ptr


def _csr(n: int, u: NDArray[np.int64], v: NDArray[np.int64], w: NDArray[np.float64]
         ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
    order = np.lexsort((v, u))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return indptr, v[order].astype(np.int32), w[order].astype(float)


def _morton(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Z-order key of points: coordinates scaled to 20 bits each, bits interleaved."""
    if xy.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    lo = xy.min(axis=0)
    span = max(float((xy.max(axis=0) - lo).max()), 1e-9)
    q = np.floor((xy - lo) / span * (2**20 - 1)).astype(np.int64)

    def spread(v: NDArray[np.int64]) -> NDArray[np.int64]:
        v = v & 0xFFFFF
        v = (v | (v << 16)) & 0x0000FFFF0000FFFF
        v = (v | (v << 8)) & 0x00FF00FF00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
        v = (v | (v << 2)) & 0x3333333333333333
        return (v | (v << 1)) & 0x5555555555555555

    return spread(q[:, 0]) | (spread(q[:, 1]) << 1)


def _build(roads: gpd.GeoDataFrame, *, speeds: dict[str, float], access_speed_kmh: float,
           tol: float) -> RoadGraph:
    geom = np.asarray(roads.geometry.values, dtype=object)
    n_rows = len(geom)
    problems: list[str] = []
    types = shapely.get_type_id(geom)
    missing = shapely.is_missing(geom)
    not_line = ~missing & ~np.isin(types, (1, 5))  # LineString, MultiLineString
    if not_line.any():
        problems.append(f"{int(not_line.sum())} feature(s) are not lines "
                        f"(index {list(roads.index[not_line][:5])}…)")
    cls = roads["road_class"].astype(object).to_numpy()
    speeds_read: dict[str, np.ndarray] = {}
    for col, null_means in (("speed_kmh", "unknown"), ("speed_backward_kmh", "the same speed both ways")):
        values = (pd.to_numeric(roads[col], errors="coerce").to_numpy(dtype=float) if col in roads.columns
                  else np.full(n_rows, np.nan))
        nonpos = np.isfinite(values) & (values <= 0)
        if nonpos.any():
            problems.append(f"{int(nonpos.sum())} segment(s) have {col} <= 0 "
                            f"(index {list(roads.index[nonpos][:5])}…); use null for {null_means}")
        speeds_read[col] = values
    sp, sp_back = speeds_read["speed_kmh"], speeds_read["speed_backward_kmh"]
    no_speed = ~np.isfinite(sp)
    class_speed = np.array([speeds.get(str(c), np.nan) if c is not None else np.nan for c in cls],
                           dtype=float)
    unknown = no_speed & ~np.isfinite(class_speed)
    if unknown.any():
        bad = sorted({str(c) for c in cls[unknown]})
        problems.append(f"{int(unknown.sum())} segment(s) have no speed_kmh and a road_class "
                        f"without a default speed ({bad}); add them to default_speeds_kmh")
    if problems:
        raise NetworkError("roads: " + "; ".join(problems) + ".")
    speed = np.where(no_speed, class_speed, sp)
    speed_back = np.where(np.isfinite(sp_back), sp_back, speed)
    if "oneway" in roads.columns:
        ow = roads["oneway"].astype(object).to_numpy()
        oneway = np.array([bool(x) if x is not None and not (isinstance(x, float) and np.isnan(x))
                           else False for x in ow])
    else:
        oneway = np.zeros(n_rows, dtype=bool)

    usable = ~missing & ~shapely.is_empty(geom)
    parts, part_row = shapely.get_parts(geom[usable], return_index=True)
    part_row = np.flatnonzero(usable)[part_row]
    coords, cidx = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] < 2:
        raise NetworkError("roads: the layer holds no line with at least two vertices.")
    keys = np.round(coords / tol).astype(np.int64)
    ukeys, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    same = cidx[:-1] == cidx[1:]
    a = inv[:-1][same]
    b = inv[1:][same]
    row = part_row[cidx[:-1][same]]
    xy = ukeys.astype(float) * tol
    keep = a != b
    a, b, row = a[keep], b[keep], row[keep]
    if a.size == 0:
        raise NetworkError("roads: every segment is shorter than node_tolerance_m; no edge left.")
    length = np.hypot(*(xy[b] - xy[a]).T)
    mins = length / _m_per_min(speed[row])
    two = ~oneway[row]
    u = np.concatenate([a, b[two]])
    v = np.concatenate([b, a[two]])
    w = np.concatenate([mins, (length / _m_per_min(speed_back[row]))[two]])
    # parallel edges: keep the fastest
    n = xy.shape[0]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
    # largest strongly connected component
    mat = coo_matrix((np.ones(u.size), (u, v)), shape=(n, n)).tocsr()
    ncomp, comp = connected_components(mat, directed=True, connection="strong")
    sizes = np.bincount(comp)
    big = int(np.argmax(sizes))
    kept = comp == big
    new_id = np.full(n, -1, dtype=np.int64)
    # number kept nodes along a Z-order (Morton) curve: neighbours sit close in
    # memory, which makes the searches ~10 % faster
    kept_idx = np.flatnonzero(kept)
    order = np.argsort(_morton(xy[kept_idx]), kind="stable")
    new_id[kept_idx[order]] = np.arange(kept_idx.size)
    ek = kept[u] & kept[v]
    report = {
        "nodes": int(kept.sum()),
        "edges": int(ek.sum()),
        "segments": int(a.size),
        "segments_without_speed": int(no_speed[row].sum()),
        "roads_without_speed": int(no_speed.sum()),
        "oneway_segments": int(oneway[row].sum()),
        "components_dropped": int(ncomp - 1),
        "nodes_dropped": int(n - kept.sum()),
        "component": "largest strongly connected",
        "access_speed_kmh": access_speed_kmh,
        "node_tolerance_m": tol,
        "default_speeds_kmh": dict(speeds),
    }
    if report["components_dropped"]:
        log.info("roads: dropped %d component(s) with %d node(s) outside the largest strongly "
                 "connected component", report["components_dropped"], report["nodes_dropped"])
    return RoadGraph(node_xy=xy[kept_idx[order]], edge_u=new_id[u[ek]], edge_v=new_id[v[ek]],
                     edge_minutes=w[ek], access_speed_kmh=access_speed_kmh, report=report,
                     crs=roads.crs)
