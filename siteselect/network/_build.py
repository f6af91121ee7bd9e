"""From a ``roads`` layer to the nodes and timed edges of a road graph.

See :mod:`siteselect.network.graph` for the model (nodes, edge time, one-way,
the strongly connected core); :meth:`RoadGraph.from_roads
<siteselect.network.graph.RoadGraph.from_roads>` is the entry point.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from siteselect.core.roles import ROAD_CLASSES
from siteselect.errors import LayerError, MissingFieldError, NetworkError
from siteselect.network._validate import check_crs

__all__ = ["DEFAULT_SPEEDS_KMH", "RoadEdges", "build_speeds", "edges_from_roads", "m_per_min"]

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


def m_per_min(speed_kmh: float | NDArray[np.float64]) -> Any:
    """Metres per minute at ``speed_kmh`` (a float or an array like it)."""
    return np.asarray(speed_kmh, dtype=float) * (1000.0 / 60.0)


@dataclass(frozen=True)
class RoadEdges:
    """A built network: node coordinates, directed edges in minutes and the build report."""

    node_xy: NDArray[np.float64]       # (n, 2)
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    minutes: NDArray[np.float64]
    report: dict[str, Any]


def build_speeds(roads: gpd.GeoDataFrame, *, default_speeds_kmh: Mapping[str, float] | None,
                 access_speed_kmh: float, node_tolerance_m: float) -> dict[str, float]:
    """Check the build options and the layer's frame; return the class speeds to use.

    Returns
    -------
    dict
        :data:`DEFAULT_SPEEDS_KMH` with ``default_speeds_kmh`` merged over it.

    Raises
    ------
    NetworkError
        Non-positive speeds or tolerance.
    LayerError, CRSError, MissingFieldError
        Not a GeoDataFrame, no projected CRS in metres, no ``road_class``.
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
    check_crs(roads, "roads")
    if "road_class" not in roads.columns:
        raise MissingFieldError(
            f"roads: field 'road_class' not found (fields: {list(roads.columns)}). "
            f"Fix: map the road class column to 'road_class' ({', '.join(ROAD_CLASSES)})."
        )
    return speeds


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


def _speeds(roads: gpd.GeoDataFrame, speeds: dict[str, float]
            ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], list[str]]:
    """Per road: speed, speed against the digitised direction, 'had no speed_kmh', problems."""
    n_rows = len(roads)
    problems: list[str] = []
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
    speed = np.where(no_speed, class_speed, sp)
    speed_back = np.where(np.isfinite(sp_back), sp_back, speed)
    return speed, speed_back, no_speed, problems


def edges_from_roads(roads: gpd.GeoDataFrame, *, speeds: dict[str, float],
                     access_speed_kmh: float, tol: float) -> RoadEdges:
    """Nodes and timed directed edges of the largest strongly connected component.

    ``roads`` has passed :func:`build_speeds`; ``speeds`` is what it returned.
    Kept nodes are numbered along a Z-order curve.

    Raises
    ------
    NetworkError
        Features that are not lines, bad or missing speeds, or no edge left.
    """
    geom = np.asarray(roads.geometry.values, dtype=object)
    n_rows = len(geom)
    problems: list[str] = []
    types = shapely.get_type_id(geom)
    missing = shapely.is_missing(geom)
    not_line = ~missing & ~np.isin(types, (1, 5))  # LineString, MultiLineString
    if not_line.any():
        problems.append(f"{int(not_line.sum())} feature(s) are not lines "
                        f"(index {list(roads.index[not_line][:5])}…)")
    speed, speed_back, no_speed, speed_problems = _speeds(roads, speeds)
    problems += speed_problems
    if problems:
        raise NetworkError("roads: " + "; ".join(problems) + ".")
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
    mins = length / m_per_min(speed[row])
    two = ~oneway[row]
    u = np.concatenate([a, b[two]])
    v = np.concatenate([b, a[two]])
    w = np.concatenate([mins, (length / m_per_min(speed_back[row]))[two]])
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
    return RoadEdges(node_xy=xy[kept_idx[order]], u=new_id[u[ek]], v=new_id[v[ek]],
                     minutes=w[ek], report=report)
