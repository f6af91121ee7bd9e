"""The two maps of a site sheet: the detail map and the small overview, drawn with matplotlib only.

:func:`draw_site_map` draws the site with roads, rail, water, protected nature,
the nearest substation and port (an arrow at the edge when they lie outside),
a scale bar and a north arrow; :func:`draw_sheet_overview` the county, main
roads, the site's travel-time zones and the detail map's frame. Both work in
the working CRS (metres). The page around them is :mod:`siteselect.outputs.sheets`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from shapely.geometry import Point, box

from siteselect.core.labels import label, labels_for
from siteselect.outputs._text import A4_INCHES
from siteselect.outputs._text import format_number as _fmt
from siteselect.outputs._text import is_missing as _is_missing
from siteselect.outputs._text import mpl_text as _mpl

__all__ = ["ROAD_STYLES", "SHEET_MAP_DOTS", "SHEET_MAX_POLYGONS", "clip_to_extent", "draw_sheet_overview",
           "draw_site_map"]

#: Road drawing by class: (colour, line width in points, z-order).
ROAD_STYLES: Mapping[str, tuple[str, float, int]] = {
    "motorway": ("#d7301f", 3.2, 6),
    "trunk": ("#fc8d59", 2.6, 5),
    "primary": ("#fdbb84", 2.0, 4),
    "secondary": ("#969696", 1.4, 3),
    "tertiary": ("#bdbdbd", 1.0, 3),
    "local": ("#d9d9d9", 0.6, 2),
}
_ISO_CMAP = "OrRd"
_MAP_MARGIN_M = 3_000.0
_MAX_CONTEXT_M = 25_000.0

def _find_feature(frame: gpd.GeoDataFrame | None, name: Any, near: Point, *, id_col: str) -> Any:
    """Geometry of the facility called ``name`` (by id or name), else the nearest one."""
    if frame is None or frame.empty:
        return None
    if not _is_missing(name):
        for col in (id_col, "name"):
            if col in frame.columns:
                hit = frame[frame[col].astype(str) == str(name)]
                if len(hit):
                    return hit.geometry.iloc[hit.geometry.distance(near).argmin()]
    return frame.geometry.iloc[int(np.argmin(frame.geometry.distance(near).to_numpy()))]


def _axes_aspect(ax: Axes) -> float:
    """Width : height of an axes box on the page."""
    fig_w, fig_h = A4_INCHES
    pos = ax.get_position()
    return float((pos.width * fig_w) / (pos.height * fig_h))


def _pad_to_aspect(extent: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    """Grow ``extent`` symmetrically to the width : height ``aspect`` (never shrinks it)."""
    minx, miny, maxx, maxy = extent
    w, h = maxx - minx, maxy - miny
    if w / h < aspect:
        pad = (h * aspect - w) / 2
        return (minx - pad, miny, maxx + pad, maxy)
    pad = (w / aspect - h) / 2
    return (minx, miny - pad, maxx, maxy + pad)


def _nice_length(span_m: float) -> float:
    target = span_m / 4.0
    exp = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * exp <= target:
            return step * exp
    return exp


def _scale_bar(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = extent
    length = _nice_length(maxx - minx)
    x0 = minx + 0.04 * (maxx - minx)
    y0 = miny + 0.05 * (maxy - miny)
    h = 0.012 * (maxy - miny)
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * length / 2, y0), length / 2, h, facecolor="black" if i == 0 else "white",
                               edgecolor="black", lw=0.8, zorder=20))
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + 1.8 * h, text, ha="center", va="bottom", fontsize=8, zorder=20,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})
    ax.text(x0, y0 - 0.6 * h, "0", ha="center", va="top", fontsize=7, zorder=20)


def _north_arrow(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = extent
    w, h = maxx - minx, maxy - miny
    x, y = maxx - 0.06 * w, maxy - 0.16 * h
    ax.add_patch(FancyArrow(x, y, 0, 0.08 * h, width=0.012 * w, head_width=0.04 * w, head_length=0.035 * h,
                            length_includes_head=True, color="black", zorder=20))
    ax.text(x, y + 0.095 * h, "N", ha="center", va="bottom", fontsize=11, fontweight="bold", zorder=20)


#: Most polygons of one background layer drawn on a sheet map; a bigger layer
#: first loses the polygons smaller than a printed dot, then shows its largest
#: (a million tiny lakes would take matplotlib minutes per sheet).
SHEET_MAX_POLYGONS = 5_000
#: The sheet map's width in printed dots (A4 map at 300 dpi is about 2,000 dots wide).
SHEET_MAP_DOTS = 2_000


def clip_to_extent(frame: gpd.GeoDataFrame | None, extent: tuple[float, float, float, float], *,
          thin: bool = False) -> gpd.GeoDataFrame | None:
    if frame is None or frame.empty:
        return None
    minx, miny, maxx, maxy = extent
    sub = frame.cx[minx:maxx, miny:maxy]
    if thin and len(sub) > SHEET_MAX_POLYGONS:
        area = shapely.area(sub.geometry.to_numpy())
        dot_m = (maxx - minx) / SHEET_MAP_DOTS
        visible = np.flatnonzero(area >= dot_m * dot_m)
        order = visible[np.argsort(-area[visible], kind="stable")][:SHEET_MAX_POLYGONS]
        sub = sub.iloc[np.sort(order)]
    return sub if len(sub) else None


def _edge_pointer(ax: Axes, extent: tuple[float, float, float, float], origin: Point, target: Point,
                  text: str, colour: str) -> None:
    """An arrow at the map edge pointing to a facility outside the map."""
    minx, miny, maxx, maxy = extent
    cx, cy = origin.x, origin.y
    dx, dy = target.x - cx, target.y - cy
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    # distance from origin to the frame edge (inset by 8 %) along the direction
    inset_x, inset_y = 0.08 * (maxx - minx), 0.08 * (maxy - miny)
    ts = []
    if ux:
        ts.append(((maxx - inset_x if ux > 0 else minx + inset_x) - cx) / ux)
    if uy:
        ts.append(((maxy - inset_y if uy > 0 else miny + inset_y) - cy) / uy)
    t = min(v for v in ts if v > 0)
    ex, ey = cx + ux * t, cy + uy * t
    size = 0.05 * (maxx - minx)
    ax.annotate("", xy=(ex + ux * size * 0.9, ey + uy * size * 0.9), xytext=(ex - ux * size * 0.3, ey - uy * size * 0.3),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2}, zorder=15)
    ax.text(ex - ux * size * 0.5, ey - uy * size * 0.5, _mpl(text), fontsize=7.5, color=colour,
            ha="right" if ux > 0 else "left", va="center", zorder=15,
            bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.85, "pad": 1.5, "lw": 0.6})


def draw_site_map(ax: Axes, row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame], *,
              lang: str) -> tuple[tuple[float, float, float, float], list[Any]]:
    """Detail map of the site; returns its extent (working CRS, metres) and legend handles."""
    lab = labels_for(lang)
    site = row.geometry
    centre = site.representative_point()
    sub_geom = _find_feature(layers.get("substations"), row.get("nearest_substation"), centre, id_col="substation_id")
    port_geom = _find_feature(layers.get("ports"), row.get("nearest_port"), centre, id_col="port_id")

    minx, miny, maxx, maxy = site.buffer(_MAP_MARGIN_M).bounds
    for g in (sub_geom,):
        if g is not None and g.distance(centre) <= _MAX_CONTEXT_M:
            gx0, gy0, gx1, gy1 = g.buffer(1_000).bounds
            minx, miny, maxx, maxy = min(minx, gx0), min(miny, gy0), max(maxx, gx1), max(maxy, gy1)
    extent = _pad_to_aspect((minx, miny, maxx, maxy), _axes_aspect(ax))
    minx, miny, maxx, maxy = extent
    frame = box(*extent)

    ax.set_facecolor("#f7f7f2")
    handles: list[Any] = []
    urban = clip_to_extent(layers.get("urban_areas"), extent, thin=True)
    if urban is not None:
        urban.plot(ax=ax, color="#e7e1d8", edgecolor="none", zorder=1)
    water = clip_to_extent(layers.get("water"), extent, thin=True)
    if water is not None:
        water.plot(ax=ax, color="#b3d4ea", edgecolor="#6baed6", lw=0.4, zorder=1)
        handles.append(Patch(facecolor="#b3d4ea", edgecolor="#6baed6", label=lab["water"]))
    nature = clip_to_extent(layers.get("protected_nature"), extent, thin=True)
    if nature is not None:
        nature.plot(ax=ax, facecolor="#c7e9c0", edgecolor="#238b45", hatch="//", lw=0.6, alpha=0.8, zorder=2)
        handles.append(Patch(facecolor="#c7e9c0", edgecolor="#238b45", hatch="//", label=lab["protected_nature"]))
    roads = clip_to_extent(layers.get("roads"), extent)
    if roads is not None and "road_class" in roads.columns:
        for cls, (colour, lw, z) in sorted(ROAD_STYLES.items(), key=lambda kv: kv[1][2]):
            part = roads[roads["road_class"] == cls]
            if len(part):
                part.plot(ax=ax, color=colour, linewidth=lw, zorder=z)
                if cls in ("motorway", "trunk", "primary"):
                    handles.append(Line2D([], [], color=colour, lw=lw, label=label(f"road_{cls}", lang=lang)))
    rail = clip_to_extent(layers.get("rail"), extent)
    if rail is not None:
        rail.plot(ax=ax, color="#252525", linewidth=1.6, zorder=7)
        rail.plot(ax=ax, color="white", linewidth=0.8, linestyle=(0, (4, 4)), zorder=7.1)
        handles.append(Line2D([], [], color="#252525", lw=1.6, label=lab["rail"].split(" och ")[0].split(" and ")[0]))
    stations = clip_to_extent(layers.get("stations"), extent)
    if stations is not None:
        stations.plot(ax=ax, marker="s", color="white", edgecolor="#252525", markersize=22, zorder=8)
    junctions = clip_to_extent(layers.get("junctions"), extent)
    if junctions is not None:
        junctions.plot(ax=ax, marker="o", color="white", edgecolor="#7f0000", markersize=22, linewidth=1.2, zorder=8)

    site_colour = "#bdbdbd" if bool(row.get("excluded", False)) else "#ffd92f"
    gpd.GeoSeries([site]).plot(ax=ax, facecolor=site_colour, edgecolor="black", lw=1.8,
                                                alpha=0.85, zorder=10)
    handles.append(Patch(facecolor=site_colour, edgecolor="black", label=lab["site_outline"]))

    def facility(geom: Any, marker: str, colour: str, name: Any, extra: str, key: str) -> None:
        if geom is None:
            return
        text = " ".join(p for p in (None if _is_missing(name) else str(name), extra) if p)
        if frame.contains(geom):
            ax.scatter([geom.x], [geom.y], marker=marker, s=120, c=colour, edgecolors="black", linewidths=1, zorder=12)
            ax.annotate(_mpl(text), (geom.x, geom.y), xytext=(7, 7), textcoords="offset points", fontsize=8,
                        zorder=13, bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.85, "pad": 1.5, "lw": 0.6})
        else:
            dist = f"{geom.distance(centre) / 1000:.0f} km"
            _edge_pointer(ax, extent, centre, geom, f"{text} · {dist}", colour)
        handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor=colour, markeredgecolor="black",
                              markersize=9, label=lab[key]))

    kv = row.get("substation_voltage_kv")
    sub_name = row.get("nearest_substation")
    kv_text = "" if _is_missing(kv) else f"{_fmt(kv, 0, lang=lang)} kV"
    if not _is_missing(sub_name) and "kv" in str(sub_name).lower():
        kv_text = ""  # the name already says the voltage ("Finnslätten 220/130 kV")
    facility(sub_geom, "^", "#b2182b", sub_name, kv_text, "nearest_substation")
    facility(port_geom, "D", "#2171b5", row.get("nearest_port"), "", "nearest_port")

    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    _scale_bar(ax, extent)
    _north_arrow(ax, extent)
    return extent, handles


def draw_sheet_overview(ax: Axes, row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame],
                   isochrones: gpd.GeoDataFrame | None, detail: tuple[float, float, float, float], *,
                   lang: str) -> None:
    """Small overview: county, main roads, the site's travel-time zones and the detail map's frame."""
    lab = labels_for(lang)
    site = row.geometry
    centre = site.representative_point()
    own = None
    if isochrones is not None and len(isochrones):
        own = isochrones[isochrones["site_id"].astype(str) == str(row["site_id"])].sort_values("minutes", ascending=False)
        own = own if len(own) else None
    if own is not None:
        minx, miny, maxx, maxy = own.total_bounds
    elif layers.get("county") is not None and len(layers["county"]):
        minx, miny, maxx, maxy = layers["county"].total_bounds
    else:
        minx, miny, maxx, maxy = site.buffer(20_000).bounds
    minx, miny = min(minx, detail[0]), min(miny, detail[1])
    maxx, maxy = max(maxx, detail[2]), max(maxy, detail[3])
    pad = 0.05 * max(maxx - minx, maxy - miny)
    extent = _pad_to_aspect((minx - pad, miny - pad, maxx + pad, maxy + pad), _axes_aspect(ax))
    ax.set_facecolor("#fbfbf8")
    water = clip_to_extent(layers.get("water"), extent, thin=True)
    if water is not None:
        water.plot(ax=ax, color="#cfe3f0", edgecolor="none", zorder=1)
    county = layers.get("county")
    if county is not None and len(county):
        county.boundary.plot(ax=ax, color="#555555", lw=0.8, linestyle="--", zorder=2)
    handles: list[Any] = []
    if own is not None:
        for i, (_, z) in enumerate(own.iterrows()):
            # shortest time darkest; own is sorted longest first
            colour = to_hex(colormaps[_ISO_CMAP](0.2 + 0.6 * i / max(len(own) - 1, 1)))
            gpd.GeoSeries([z.geometry]).plot(ax=ax, facecolor=colour, edgecolor="#b30000",
                                                              lw=0.6, alpha=0.55, zorder=3)
            handles.append(Patch(facecolor=colour, edgecolor="#b30000", alpha=0.7,
                                 label=f"{lab['reach']} {_fmt(z['minutes'], 0, lang=lang)} min"))
    roads = clip_to_extent(layers.get("roads"), extent)
    if roads is not None and "road_class" in roads.columns:
        for cls in ("trunk", "motorway"):
            part = roads[roads["road_class"] == cls]
            if len(part):
                colour, lw, _ = ROAD_STYLES[cls]
                part.plot(ax=ax, color=colour, linewidth=lw * 0.5, zorder=4)
    rail = clip_to_extent(layers.get("rail"), extent)
    if rail is not None:
        rail.plot(ax=ax, color="#252525", linewidth=0.7, zorder=4)
    ports = clip_to_extent(layers.get("ports"), extent)
    if ports is not None:
        ports.plot(ax=ax, marker="D", color="#2171b5", edgecolor="black", markersize=20, zorder=6)
    ax.add_patch(Rectangle((detail[0], detail[1]), detail[2] - detail[0], detail[3] - detail[1], fill=False,
                           edgecolor="black", lw=1.0, zorder=7))
    ax.scatter([centre.x], [centre.y], marker="*", s=90, c="#ffd92f", edgecolors="black", linewidths=0.8, zorder=8)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.01), fontsize=7, frameon=False,
                  borderaxespad=0.0, ncol=1)
    _scale_bar(ax, extent)
