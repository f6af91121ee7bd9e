"""Checks at the edge of the road network: CRS, geometries, fields, time limits, method.

Every public query of :class:`siteselect.network.graph.RoadGraph` runs its inputs
through these once; the searches behind them trust what they get.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from siteselect.core.crs import crs_text
from siteselect.errors import CRSError, LayerError, MissingFieldError, NetworkError

__all__ = ["AUTO_FAST_WORK", "as_points", "check_crs", "pop_values", "resolve_method",
           "thresholds"]

#: ``method="auto"`` uses the numba path when nodes × searches reaches this.
AUTO_FAST_WORK = 200_000

_METHODS = ("auto", "networkx", "fast")


def check_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str,
              expected: pyproj.CRS | None = None) -> pyproj.CRS:
    """The frame's CRS: projected in metres, and ``expected`` (the graph's) when given.

    Raises
    ------
    CRSError
        No CRS, a CRS other than ``expected``, or (without ``expected``) one not
        projected in metres.
    """
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


def as_points(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, *, crs: pyproj.CRS,
              centroid: bool = False) -> NDArray[Any]:
    """Geometry → point array (polygons/lines: representative point, or centroid).

    Raises
    ------
    LayerError
        Not a GeoDataFrame/GeoSeries, or features without geometry.
    CRSError
        The frame is not in ``crs``.
    """
    if not isinstance(frame, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise LayerError(f"{what}: expected a GeoDataFrame or GeoSeries, got {type(frame).__name__}.")
    check_crs(frame, what, crs)
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


def resolve_method(method: str, work: float) -> str:
    """``"fast"`` or ``"networkx"``: ``"auto"`` picks by ``work`` (nodes × searches).

    Raises
    ------
    NetworkError
        An unknown method.
    """
    if method not in _METHODS:
        raise NetworkError(f"method={method!r} is unknown; use one of {', '.join(_METHODS)}.")
    if method == "auto":
        return "fast" if work >= AUTO_FAST_WORK else "networkx"
    return method


def pop_values(population: gpd.GeoDataFrame, pop_field: str) -> NDArray[np.float64]:
    """The inhabitants column as finite float64.

    Raises
    ------
    LayerError
        Not a GeoDataFrame, or missing / non-numeric values.
    MissingFieldError
        No ``pop_field`` column.
    """
    if not isinstance(population, gpd.GeoDataFrame):
        raise LayerError(f"population: expected a GeoDataFrame, got {type(population).__name__}.")
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


def thresholds(minutes: Sequence[float]) -> NDArray[np.float64]:
    """Time limits as a float64 array.

    Raises
    ------
    NetworkError
        No limit, or one that is not a positive finite number.
    """
    th = np.asarray(list(minutes), dtype=float)
    if th.size == 0 or not np.all(np.isfinite(th)) or np.any(th <= 0):
        raise NetworkError(f"minutes must be positive numbers, got {list(minutes)}.")
    return th
