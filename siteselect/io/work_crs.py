"""The working CRS of a run: checking a frame's CRS and coordinates and reprojecting it.

Every frame a run uses is in the region's working CRS (SWEREF 99 TM,
EPSG:3006, unless the catalog or scenario names another; see
:mod:`siteselect.core.crs`). This module checks the CRS a layer states, refuses
coordinates outside the area that CRS is made for (naming swapped axes or a
misstated source CRS) and reprojects.

Functions
---------
to_work_crs
    Check one frame's CRS and coordinates and reproject it to the working CRS.
to_work_layers
    The same for a Layers dict handed over from Python.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pyproj
import shapely

from siteselect.core.crs import DEFAULT_CRS, check_in_area, crs_label
from siteselect.errors import CRSError
from siteselect.io.read import Layers, LayerWarning, source_label

#: CRSs users in Sweden hold, by EPSG code (no warning when reprojected to EPSG:3006).
SWEDISH_CRS: dict[int, str] = {
    4326: "WGS 84 (lon/lat)",
    4258: "ETRS89 (lon/lat)",
    4619: "SWEREF 99 (lon/lat)",
    3006: "SWEREF 99 TM",
    3007: "SWEREF 99 12 00",
    3008: "SWEREF 99 13 30",
    3009: "SWEREF 99 15 00",
    3010: "SWEREF 99 16 30",
    3011: "SWEREF 99 18 00",
    3012: "SWEREF 99 14 15",
    3013: "SWEREF 99 15 45",
    3014: "SWEREF 99 17 15",
    3015: "SWEREF 99 18 45",
    3016: "SWEREF 99 20 15",
    3017: "SWEREF 99 21 45",
    3018: "SWEREF 99 23 15",
    3021: "RT90 2.5 gon V",
}



def to_work_crs(gdf: gpd.GeoDataFrame, *, source: str = "<frame>",
                layer: str | None = None, crs: Any = None,
                layer_crs_key: bool = True) -> gpd.GeoDataFrame:
    """Check a frame's CRS and coordinates and reproject it to the working CRS.

    Parameters
    ----------
    gdf
        The frame as read (not modified).
    source, layer
        Named in messages.
    crs
        The region's working CRS (projected; see
        :func:`siteselect.core.crs.resolve_work_crs`); default SWEREF 99 TM
        (EPSG:3006).
    layer_crs_key
        Whether the layer's source takes a catalog `crs` key (offered as a fix).

    Returns
    -------
    A new GeoDataFrame in the working CRS.

    Raises
    ------
    CRSError
        No CRS; or coordinates outside the area the working CRS is made for
        (naming the cause: swapped axes, a misstated source CRS, or data that
        lies elsewhere and needs another region CRS).
    """
    where = source_label(source, layer)
    work = pyproj.CRS(DEFAULT_CRS if crs is None else crs)
    if gdf.crs is None:
        raise CRSError(f"{where}: has no CRS. State the CRS its coordinates are in (the "
                       "layer's catalog key `crs`, e.g. EPSG:3006 for SWEREF 99 TM, EPSG:4326 "
                       "for lon/lat).")
    src = pyproj.CRS(gdf.crs)
    epsg = src.to_epsg()
    if work.to_epsg() == 3006 and epsg not in SWEDISH_CRS:
        warnings.warn(f"{where}: CRS {crs_label(src)} is not one used for Swedish data; "
                      "reprojecting it to EPSG:3006 anyway.", LayerWarning, stacklevel=2)
    geoms = gdf.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    aou = work.area_of_use
    if src.is_geographic and present.any() and aou is not None:
        b = shapely.bounds(geoms[present])
        lx0, ly0, lx1, ly1 = aou.west, aou.south, aou.east, aou.north
        swapped = ((b[:, 0] >= ly0) & (b[:, 2] <= ly1) & (b[:, 1] >= lx0) & (b[:, 3] <= lx1)
                   & ~((b[:, 0] >= lx0) & (b[:, 2] <= lx1) & (b[:, 1] >= ly0)
                       & (b[:, 3] <= ly1)))
        if swapped.any():
            raise CRSError(
                f"{where}: {int(swapped.sum())} of {int(present.sum())} features have "
                "latitude in the x (longitude) column — swapped lat/lon axes. Swap the "
                f"columns (x = longitude ≈ {lx0:.0f}–{lx1:.0f}, y = latitude ≈ "
                f"{ly0:.0f}–{ly1:.0f} where {crs_label(work)} is used).")
    if src.equals(work, ignore_axis_order=True):
        out = gdf.set_crs(work, allow_override=True)
    else:
        try:
            out = gdf.to_crs(work)
        except Exception as exc:  # pyproj cannot transform
            raise CRSError(f"{where}: cannot reproject from {crs_label(src)} to "
                           f"{crs_label(work)} ({exc}). State a standard CRS.") from exc
    check_in_area(out, where=where, src=src, layer_crs_key=layer_crs_key)
    return out



def to_work_layers(layers: Mapping[str, gpd.GeoDataFrame | None], *, crs: Any = None) -> Layers:
    """Layers handed over from Python, in one working CRS and checked against its area.

    The same check a catalog gets: every frame is reprojected to the working
    CRS and refused when it lies outside the area that CRS is made for (data
    elsewhere would otherwise run, distorted, in SWEREF 99 TM).

    Parameters
    ----------
    layers
        ``{role: GeoDataFrame}``; ``None`` values are left out. Not modified.
    crs
        The region's working CRS (a projected CRS or ``"auto"``). Default: the
        CRS the frames share when it is projected, else EPSG:3006.

    Returns
    -------
    Layers
        New frames in the working CRS (``source`` attributes kept).

    Raises
    ------
    CRSError
        A frame without a CRS, a geographic ``crs``, or features outside the
        area of the working CRS (naming the CRS that fits).
    """
    from siteselect.core.crs import common_crs, lonlat_bounds, resolve_work_crs

    frames = {role: f for role, f in layers.items() if f is not None}
    if crs is None:
        try:
            shared = common_crs(frames.items())
        except CRSError:
            shared = None
        work = shared if shared is not None and shared.is_projected else pyproj.CRS(DEFAULT_CRS)
    else:
        work = resolve_work_crs(crs, bounds_lonlat=lonlat_bounds(frames.values()),
                                where="working CRS")
    out: Layers = {}
    for role, frame in frames.items():
        source = str(frame.attrs.get("source", f"layer {role!r}"))
        out[role] = to_work_crs(frame, source=source, crs=work)
        out[role].attrs = dict(frame.attrs)
    return out
