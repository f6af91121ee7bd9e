"""The working CRS of a region: choosing it, and checking data against it (private).

Every analysis runs in one projected CRS, the *working CRS*, a property of the
region (the catalog's or the scenario's top-level ``crs``). It is SWEREF 99 TM
(EPSG:3006) unless the region names another projected CRS, or ``auto``: the
WGS 84 / UTM zone of the data's centre (EPSG:326zz north of the equator,
EPSG:327zz south), computed from the layers' bounds in WGS 84.

Data is checked against the *area of use* pyproj records for the working CRS
(e.g. "Sweden" for EPSG:3006, "between 24°E and 30°E, northern hemisphere" for
EPSG:32635), widened by :data:`AREA_MARGIN_DEG`. Coordinates outside it mean
one of two things, and the message names which: the data lies elsewhere (fix:
a region CRS made for it, e.g. ``crs: auto``) or the layer's own source CRS is
misstated (fix: the layer's ``crs``).

Functions
---------
resolve_work_crs
    A region's ``crs`` value (None / ``auto`` / a CRS) → a projected pyproj CRS.
utm_crs
    The WGS 84 / UTM zone CRS of a lon/lat point.
lonlat_bounds
    Union of frames' bounds in WGS 84.
check_in_area
    Raise when features lie outside the area a CRS is made for.
join_errors
    Layer errors as one message, one region-CRS fix for every layer it fits.
common_crs
    The one CRS a set of frames shares (raise when they differ).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from siteselect.errors import CRSError, OutsideAreaError

#: The working CRS when the region names none: SWEREF 99 TM.
DEFAULT_CRS = "EPSG:3006"

#: Degrees the area of use of a working CRS is widened by before data counts as outside it.
AREA_MARGIN_DEG = 0.5

_FIX_REGION = ("set the region's working CRS to one made for the data: `crs: auto` (the UTM "
               "zone of the data's centre{auto}) or a projected EPSG code, at the top of the "
               "catalog or the scenario (from Python: crs=\"auto\")")


def crs_text(crs: Any) -> str:
    """``'EPSG:3006'`` when the CRS has an EPSG code, else its name."""
    c = pyproj.CRS(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.name


def crs_label(crs: Any) -> str:
    """``'EPSG:3006 (SWEREF99 TM)'``, or ``'none'`` for ``None``."""
    if crs is None:
        return "none"
    c = pyproj.CRS(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg} ({c.name})" if epsg else c.name


def utm_crs(lon: float, lat: float) -> pyproj.CRS:
    """The WGS 84 / UTM zone CRS whose zone holds ``(lon, lat)`` (EPSG:326zz / 327zz).

    Zones are the regular 6° strips from 180°W; the Norway/Svalbard exceptions
    are not applied.
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(f"cannot pick a UTM zone for lon {lon}, lat {lat}: not a place on Earth.")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def lonlat_bounds(frames: Iterable[gpd.GeoDataFrame | gpd.GeoSeries]
                  ) -> tuple[float, float, float, float] | None:
    """Union of the frames' bounds in WGS 84 ``(lon_min, lat_min, lon_max, lat_max)``.

    Frames without a CRS or without features are skipped; ``None`` when none is left.
    """
    boxes = []
    for f in frames:
        if f is None or f.crs is None or len(f) == 0:
            continue
        b = np.asarray(f.total_bounds, dtype=float)
        if not np.isfinite(b).all():
            continue
        src = pyproj.CRS(f.crs)
        if not src.is_geographic or src.to_epsg() != 4326:
            tr = pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)
            b = np.asarray(tr.transform_bounds(b[0], b[1], b[2], b[3], densify_pts=21), dtype=float)
        if np.isfinite(b).all():
            boxes.append(b)
    if not boxes:
        return None
    a = np.vstack(boxes)
    return (float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max()))


def resolve_work_crs(value: Any, *, bounds_lonlat: tuple[float, float, float, float] | None = None,
                     where: str = "region") -> pyproj.CRS:
    """The working CRS a region's ``crs`` value names.

    Parameters
    ----------
    value
        ``None`` (SWEREF 99 TM, EPSG:3006), ``"auto"`` (the UTM zone of the
        centre of ``bounds_lonlat``), or anything :meth:`pyproj.CRS.from_user_input`
        reads (``"EPSG:32635"``, ``32635``, WKT …) that is projected.
    bounds_lonlat
        The data's extent in WGS 84; needed for ``auto``.
    where
        Named in messages (``catalog x.yaml``, ``scenario y.yaml``).

    Raises
    ------
    CRSError
        Not understood, geographic (degrees are not metres), or ``auto``
        without data to centre on.
    """
    if value is None:
        return pyproj.CRS(DEFAULT_CRS)
    if isinstance(value, pyproj.CRS):
        crs = value
    elif isinstance(value, str) and value.strip().lower() == "auto":
        if bounds_lonlat is None:
            raise CRSError(f"{where}: `crs: auto` needs layers to centre on, and none has "
                           "features with a CRS. Name a projected CRS instead (e.g. EPSG:3006).")
        x0, y0, x1, y1 = bounds_lonlat
        return utm_crs((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    else:
        try:
            crs = pyproj.CRS.from_user_input(value)
        except Exception as exc:  # pyproj.exceptions.CRSError and friends
            raise CRSError(f"{where}: {value!r} is not a CRS pyproj knows ({exc}). Use an "
                           "EPSG code of a projected CRS (e.g. EPSG:3006, EPSG:32635) or "
                           "`auto`.") from exc
    if not crs.is_projected:
        raise CRSError(f"{where}: {value!r} is {crs_label(crs)}, a geographic CRS in "
                       "degrees; the working CRS must be projected (metres), because areas, "
                       "buffers and distances are measured in it. Use `auto` (the UTM zone of "
                       "the data's centre) or a projected EPSG code such as EPSG:3006.")
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(f"{where}: {value!r} is {crs_label(crs)} with axes in {unit}; "
                       "the working CRS must be in metres. Use `auto` or a metric projected "
                       "CRS.")
    return crs


def _area(crs: pyproj.CRS) -> tuple[float, float, float, float, str] | None:
    aou = crs.area_of_use
    if aou is None:
        return None
    m = AREA_MARGIN_DEG
    name = aou.name.split(". ")[0].rstrip(". ")  # "Sweden - onshore and offshore", not a country list
    if aou.west > aou.east:  # across the antimeridian: west and east stay as they are, widened
        return (aou.west - m, max(aou.south - m, -90.0), aou.east + m, min(aou.north + m, 90.0), name)
    return (max(aou.west - m, -180.0), max(aou.south - m, -90.0), min(aou.east + m, 180.0),
            min(aou.north + m, 90.0), name)


def _lon_in(lon: np.ndarray, w: float, e: float) -> np.ndarray:
    """Longitudes within [w, e]; an area across the antimeridian has w > e."""
    if w <= e:
        return (lon >= w) & (lon <= e)
    return (lon >= w) | (lon <= e)


def check_in_area(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, where: str,
                  src: Any = None, layer_crs_key: bool = True) -> None:
    """Raise when features lie outside the area the frame's CRS is made for.

    The frame must already be in the working CRS. The area is pyproj's area of
    use of that CRS widened by :data:`AREA_MARGIN_DEG`; a CRS without one is
    not checked.

    Parameters
    ----------
    gdf
        Frame in the working CRS (not modified).
    where
        File / layer named in the message.
    src
        The CRS the data came in (before reprojection); default the frame's.
        Used to tell a misstated source CRS from data that lies elsewhere.
    layer_crs_key
        Whether the layer's source takes a `crs` key (files without a CRS do;
        OSM extracts, always WGS 84, do not): only then is it offered as a fix.

    Raises
    ------
    CRSError
        Naming how many features lie outside, the first one in lon/lat, the
        area, the cause and the fix.
    """
    if gdf.crs is None:
        raise CRSError(f"{where}: has no CRS.")
    work = pyproj.CRS(gdf.crs)
    area = _area(work)
    if area is None:
        return
    geoms = np.asarray(gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values,
                       dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return
    b = shapely.bounds(geoms[present])
    w, s, e, n, name = area
    if work.is_geographic:
        lon0, lat0, lon1, lat1 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    else:
        tr = pyproj.Transformer.from_crs(work, "EPSG:4326", always_xy=True)
        lon0, lat0 = tr.transform(b[:, 0], b[:, 1], errcheck=False)
        lon1, lat1 = tr.transform(b[:, 2], b[:, 3], errcheck=False)
        lon0, lat0, lon1, lat1 = (np.asarray(v, dtype=float) for v in (lon0, lat0, lon1, lat1))
    finite = np.isfinite(b).all(axis=1) & np.isfinite(lon0) & np.isfinite(lat0) \
        & np.isfinite(lon1) & np.isfinite(lat1)
    inside = finite & _lon_in(lon0, w, e) & _lon_in(lon1, w, e) & (lat0 >= s) & (lat1 <= n)
    if inside.all():
        return
    out = ~inside
    n_out, n_all = int(out.sum()), int(present.sum())
    i = int(np.flatnonzero(out)[0])
    first_xy = f"x={b[i, 0]:.0f}, y={b[i, 1]:.0f}"
    on_earth = bool(finite[i] and -180 <= lon0[i] <= 180 and -90 <= lat0[i] <= 90)
    at = (f"first at lon {lon0[i]:.3f}, lat {lat0[i]:.3f} ({first_xy})" if on_earth
          else f"first at {first_xy}, not a place on Earth in this CRS")
    area_text = (f"the area {crs_label(work)} is made for ({name}; lon {w:.1f}–{e:.1f}, lat "
                 f"{s:.1f}–{n:.1f} with a {AREA_MARGIN_DEG:g}° margin)")
    head = f"{where}: {n_out} of {n_all} features lie outside {area_text}, {at}."

    def outside(text: str, fix: str | None = None) -> OutsideAreaError:
        return OutsideAreaError(f"{head} {text}", work=area_text, fix=fix,
                                summary=f"{where}: {n_out} of {n_all} features, {at}")

    source = pyproj.CRS(src) if src is not None else work
    if not work.is_geographic and finite[i] and _swapped_fits(b[i], work, area):
        raise outside("Cause: the x column holds northings and y eastings — swapped axes (some "
                      "services deliver projected data north-first). Fix: swap x and y.")
    src_fix = ("state the CRS the file's numbers are really in with the layer's `crs` key "
               "(used when the file states none; otherwise correct the file)"
               if layer_crs_key else "correct the file; its numbers do not fit its CRS")
    if not on_earth:
        raise outside(f"Cause: the numbers are not coordinates in {crs_label(source)}. "
                      f"Fix: {src_fix}.")
    try:
        auto = f", here {crs_label(utm_crs(float(lon0[i]), float(lat0[i])))}"
    except CRSError:
        auto = ""
    region_fix = _FIX_REGION.format(auto=auto)
    src_area = _area(source)
    src_fits = src_area is None or bool(
        _lon_in(lon0[i:i + 1], src_area[0], src_area[2])[0] and src_area[1] <= lat0[i] <= src_area[3])
    if not source.equals(work, ignore_axis_order=True) and src_fits:
        alt = (f" If the data should lie in {name}, its source CRS {crs_label(source)} is "
               f"misstated instead: {src_fix}." if layer_crs_key else "")
        raise outside(f"Cause: the data lies outside the area of this region's working CRS, "
                      f"{crs_label(work)}, where lengths and areas would be distorted. "
                      f"Fix: {region_fix}.{alt}", fix=region_fix)
    if not source.equals(work, ignore_axis_order=True):
        raise outside(f"Cause: read as {crs_label(source)}, the numbers land outside the area "
                      "that CRS is made for as well: the layer's source CRS is probably wrong. "
                      f"Fix: {src_fix}.")
    raise outside(f"Either the data lies elsewhere (fix: {region_fix}), or its numbers are not "
                  f"in {crs_label(source)} (fix: {src_fix}).")


def _swapped_fits(box: np.ndarray, work: pyproj.CRS, area: tuple[float, float, float, float, str]
                  ) -> bool:
    """Whether swapping x and y of a projected box puts it inside the area."""
    tr = pyproj.Transformer.from_crs(work, "EPSG:4326", always_xy=True)
    lon0, lat0 = tr.transform(box[1], box[0], errcheck=False)
    lon1, lat1 = tr.transform(box[3], box[2], errcheck=False)
    w, s, e, n, _ = area
    vals = np.array([lon0, lat0, lon1, lat1], dtype=float)
    return bool(np.isfinite(vals).all() and _lon_in(vals[[0, 2]], w, e).all()
                and s <= lat0 <= n and s <= lat1 <= n)


def common_crs(frames: Iterable[tuple[str, gpd.GeoDataFrame | gpd.GeoSeries]]) -> pyproj.CRS | None:
    """The one CRS named frames share; ``None`` when no frame is given.

    Raises
    ------
    CRSError
        A frame has no CRS, or two frames differ (naming both and the fix).
    """
    seen: tuple[str, pyproj.CRS] | None = None
    for name, f in frames:
        if f is None:
            continue
        if f.crs is None:
            raise CRSError(f"layer {name!r} has no CRS; set it (frame.set_crs(...)) and reproject "
                           "every layer to the one working CRS.")
        c = pyproj.CRS(f.crs)
        if seen is None:
            seen = (name, c)
        elif not c.equals(seen[1], ignore_axis_order=True):
            raise CRSError(f"layer {name!r} is in {crs_label(c)} but {seen[0]!r} in "
                           f"{crs_label(seen[1])}; all layers of a run must share one working "
                           f"CRS. Fix: reproject with frame.to_crs('{crs_text(seen[1])}').")
    return None if seen is None else seen[1]


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The frame's CRS when it is projected in metres, else the UTM zone of its centre.

    For outputs drawn to scale (site sheets): a result in the working CRS is
    drawn in it; one handed over in lon/lat gets the local UTM zone.
    """
    if frame.crs is None:
        raise CRSError("the frame has no CRS; set the CRS its coordinates are in "
                       "(frame.set_crs(...)).")
    crs = pyproj.CRS(frame.crs)
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    box = lonlat_bounds([frame])
    if box is None:
        return pyproj.CRS(DEFAULT_CRS)
    return utm_crs((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)


def join_errors(errors: Iterable[Exception], *, origin: str) -> str:
    """Layer errors as one message; layers that all lie outside the working CRS's area for
    the same reason are listed under one fix instead of repeating it per layer.

    ``origin`` says where the working CRS came from (``catalog x.yaml: `crs```).
    """
    errs = list(errors)
    region = [e for e in errs if isinstance(e, OutsideAreaError) and e.fix is not None]
    if len(region) < 2 or len({(e.work, e.fix) for e in region}) != 1:
        return "\n".join(str(e) for e in errs)
    first = region[0]
    lines = [f"{len(region)} layers lie outside {first.work}, the region's working CRS "
             f"({origin}); the data lies elsewhere, so lengths and areas would be distorted:"]
    lines += [f"  - {e.summary}" for e in region]
    lines.append(f"Fix: {first.fix}.")
    lines += [str(e) for e in errs if e not in region]
    return "\n".join(lines)
