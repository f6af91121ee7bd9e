"""A cache of built road graphs, keyed by a hash of everything that determines them."""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siteselect.core.output import atomic_write

__all__ = ["GraphCache", "roads_hash"]

#: Part of every key: a new value invalidates graphs pickled by older layouts.
_CACHE_VERSION = "roadgraph-v2"

_T = TypeVar("_T")


class GraphCache:
    """A cache of built :class:`~siteselect.network.graph.RoadGraph` objects that the caller owns.

    Keys are a SHA-256 hash of the roads' geometry (WKB), road classes, speeds,
    one-way flags and the build options (:func:`roads_hash`), so any change to
    them builds a new graph. Graphs are kept in memory (least recently used
    beyond ``max_items``) and, when ``cache_dir`` is given, pickled there too.

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
        self._items: OrderedDict[str, object] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def _path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"roadgraph-{key}.pkl"

    def get(self, key: str, kind: type[_T]) -> _T | None:
        """The ``kind`` object stored under ``key`` (in memory, then on disk), or ``None``.

        A stored object of another type (e.g. a pickle from elsewhere) counts as a miss.
        """
        item = self._items.get(key)
        if isinstance(item, kind):
            self._items.move_to_end(key)
            return item
        path = self._path(key)
        if path is not None and path.exists():
            with path.open("rb") as fh:
                loaded = pickle.load(fh)
            if isinstance(loaded, kind):
                self._remember(key, loaded)
                return loaded
        return None

    def put(self, key: str, graph: object) -> None:
        """Store ``graph`` under ``key`` (in memory, and on disk with a cache_dir)."""
        self._remember(key, graph)
        path = self._path(key)
        if path is not None:
            atomic_write(path, lambda tmp: tmp.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)))

    def _remember(self, key: str, graph: object) -> None:
        self._items[key] = graph
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)


def roads_hash(roads: gpd.GeoDataFrame, *, default_speeds_kmh: Mapping[str, float],
               access_speed_kmh: float, node_tolerance_m: float, vehicle: str = "") -> str:
    """SHA-256 of everything that determines a road graph.

    Parameters
    ----------
    roads
        The roads layer as the graph is built from it (after any vehicle profile).
    default_speeds_kmh, access_speed_kmh, node_tolerance_m
        The build options.
    vehicle
        A vehicle profile's report (empty for cars), which travels with the graph.

    Returns
    -------
    str
        Hex digest.
    """
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
