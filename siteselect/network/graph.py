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

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from numpy.typing import NDArray

from siteselect.core.vehicles import roads_for_vehicle
from siteselect.errors import LayerError, MissingFieldError, NetworkError
from siteselect.network._build import (
    DEFAULT_SPEEDS_KMH,
    RoadEdges,
    build_speeds,
    edges_from_roads,
    m_per_min,
)
from siteselect.network._validate import (
    AUTO_FAST_WORK,
    as_points,
    pop_values,
    resolve_method,
    thresholds,
)
from siteselect.network.cache import GraphCache, roads_hash
from siteselect.network.isochrones import isochrone_frame
from siteselect.network.reach import (
    TIME_TOLERANCE_MIN,
    Reach,
    Seeds,
    origin_lookup,
    pop_col,
)
from siteselect.network.snapping import Segments

__all__ = [
    "AUTO_FAST_WORK",
    "DEFAULT_SPEEDS_KMH",
    "TIME_TOLERANCE_MIN",
    "GraphCache",
    "RoadGraph",
    "roads_hash",
]


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
        self._reach = Reach(n, edge_u, edge_v, edge_minutes)
        self._segments = Segments(node_xy, edge_u, edge_v, edge_minutes)

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
        speeds = build_speeds(roads, default_speeds_kmh=default_speeds_kmh,
                              access_speed_kmh=access_speed_kmh, node_tolerance_m=node_tolerance_m)
        # vehicle profile: a new frame with the vehicle's speeds and usable roads
        roads, vehicle_report = roads_for_vehicle(roads, vehicle, class_speeds_kmh=speeds,
                                                  gross_weight_t=gross_weight_t)
        key = None
        if cache is not None:
            key = roads_hash(roads, default_speeds_kmh=speeds, access_speed_kmh=access_speed_kmh,
                             node_tolerance_m=node_tolerance_m,
                             vehicle="" if vehicle == "car" else repr(vehicle_report.as_dict()))
            hit = cache.get(key, cls)
            if hit is not None:
                return hit
        graph = cls._from_edges(edges_from_roads(roads, speeds=speeds,
                                                 access_speed_kmh=float(access_speed_kmh),
                                                 tol=float(node_tolerance_m)),
                                access_speed_kmh=float(access_speed_kmh), crs=roads.crs)
        graph.report["vehicle"] = vehicle_report.as_dict()
        if cache is not None and key is not None:
            cache.put(key, graph)
        return graph

    @classmethod
    def _from_edges(cls, edges: RoadEdges, *, access_speed_kmh: float, crs: Any) -> RoadGraph:
        return cls(node_xy=edges.node_xy, edge_u=edges.u, edge_v=edges.v,
                   edge_minutes=edges.minutes, access_speed_kmh=access_speed_kmh,
                   report=edges.report, crs=crs)

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
                                  weight="minutes")
        return g

    @property
    def _access_m_per_min(self) -> float:
        """Access speed in metres per minute."""
        return float(m_per_min(self.access_speed_kmh))

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
        pts = as_points(points, what, crs=self.crs)
        seg, t, dist_m = self._segments.snap(pts)
        xy = self.node_xy
        a = xy[self._segments.a[seg]]
        b = xy[self._segments.b[seg]]
        sxy = a + (b - a) * t[:, None]
        return pd.DataFrame(
            {"snap_x": sxy[:, 0], "snap_y": sxy[:, 1], "access_m": dist_m,
             "access_minutes": dist_m / self._access_m_per_min},
            index=points.index,
        )

    def _seeds(self, pts: NDArray[Any], *, inbound: bool) -> Seeds:
        """Entry nodes and minutes for points (see :meth:`Segments.seeds`)."""
        return self._segments.seeds(pts, access_m_per_min=self._access_m_per_min, inbound=inbound)

    # ----------------------------------------------------------------- logistics reach

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
        pts = as_points(facilities, what, crs=self.crs)
        seeds = self._seeds(pts, inbound=True)
        groups = np.repeat(np.arange(len(pts), dtype=np.int64), 2)
        nodes = seeds.nodes.ravel()
        mins = seeds.minutes.ravel()
        ok = nodes >= 0
        cutoff = np.inf if max_minutes is None else float(max_minutes)
        if resolve_method(method, float(self.n_nodes)) == "fast":
            dist, lab = self._reach.fast_seeded(nodes[ok], mins[ok], groups[ok], cutoff)
        else:
            dist, lab = self._reach.nx_seeded(nodes[ok], mins[ok], groups[ok], cutoff, labels=True)
        return dist, lab, facilities[facility_id].to_numpy(dtype=object)

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
        opts = as_points(origins, "origins", crs=self.crs)
        dist, lab, ids = self._nearest_nodes(facilities, facility_id, max_minutes, method,
                                             facility_class)
        seeds = self._seeds(opts, inbound=False)
        return origin_lookup(seeds, dist, lab, ids, max_minutes, origins.index)

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
               ) -> tuple[Seeds, NDArray[np.float64]]:
        pop = pop_values(population, pop_field)
        pts = as_points(population, "population", crs=self.crs, centroid=True)
        return self._seeds(pts, inbound=False), pop

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
        th = thresholds(minutes)
        opts = as_points(origins, "origins", crs=self.crs)
        cells, pop = self._cells(population, pop_field)
        seeds = self._seeds(opts, inbound=True)
        # one search per distinct entry (origins snapping identically share it)
        key = np.concatenate([seeds.nodes.astype(float), seeds.minutes], axis=1)
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        unique = Seeds(uniq[:, :2].astype(np.int64), uniq[:, 2:].copy())
        res = self._reach.catchment(unique, cells, pop, th, method)
        return pd.DataFrame(res[inverse], index=origins.index,
                            columns=[pop_col(m) for m in th])

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
        th = thresholds(mins)
        cells, pop = self._cells(population, pop_field)
        n = self.n_nodes
        if resolve_method(method, float(n) * min(n, len(pop))) == "fast":
            res = self._reach.scatter_to_nodes(cells, pop, th + TIME_TOLERANCE_MIN)
        else:
            every_node = Seeds(np.stack([np.arange(n, dtype=np.int64),
                                         np.full(n, -1, dtype=np.int64)], 1),
                               np.stack([np.zeros(n), np.full(n, np.inf)], 1))
            res = self._reach.catchment(every_node, cells, pop, th, method)
        out = pd.DataFrame({"x": self.node_xy[:, 0], "y": self.node_xy[:, 1]},
                           index=pd.RangeIndex(n, name="node"))
        for k, m in enumerate(th):
            out[pop_col(m)] = res[:, k]
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
        return self._reach.sum_within(vals, float(minutes) + TIME_TOLERANCE_MIN)

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
        of its two end discs. The slow reference (discs at nodes and at points
        ≤ 100 m apart, ``tests/_network_reference.py``) gives the same shapes to
        within 0.3 % of the area on the embedded network (``bench/isochrones.py``). Cost grows
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
        th = thresholds(minutes)
        ids, rows = self._isochrone_minutes(origins, origin_id, th, method)
        return isochrone_frame(ids, rows, th, self._segments,
                               speed_m_per_min=self._access_m_per_min,
                               max_access_m=max_access_m, crs=self.crs)

    def _isochrone_minutes(self, origins: gpd.GeoDataFrame | gpd.GeoSeries, origin_id: str,
                           limits: NDArray[np.float64], method: str
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
        opts = as_points(origins, "origins", crs=self.crs)
        seeds = self._seeds(opts, inbound=True)
        cutoff = float(limits.max()) + TIME_TOLERANCE_MIN
        fast = resolve_method(method, float(self.n_nodes) * len(opts)) == "fast"
        return ids, self._reach.distance_rows(seeds, cutoff, fast=fast)
