"""One-page site sheets (PDF, PNG and HTML) for investment advisors.

Each sheet is an A4 page drawn with matplotlib only (no tiles, no internet):
a static map of the site and its surroundings, a fact box and what drives the
score. Excluded sites get a sheet that says why, when asked for by id.
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from shapely.geometry import Point, box

from siteselect.analysis.reasons import grid_note, site_reasons
from siteselect.core.crs import metric_crs
from siteselect.core.labels import label, labels_for
from siteselect.core.output import atomic_write
from siteselect.errors import MissingFieldError, OptionError, UnknownSiteError

__all__ = ["factor_contributions", "safe_site_filename", "sheet_facts", "site_sheet_figures", "write_site_sheets"]

A4_INCHES = (8.27, 11.69)
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


def safe_site_filename(site_id: str) -> str:
    """File name stem for a site id: letters, digits, ``.``, ``_`` and ``-`` only.

    An id that had to be changed gets a short hash of the original appended,
    so two ids never share a file (``"VS/6"`` → ``"VS_6-<hash>"``).
    """
    text = str(site_id)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "site"
    cleaned = cleaned[:80]
    if cleaned == text:
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}"


def _mpl(text: Any) -> str:
    """Text for matplotlib with mathtext switched off (``$`` shown as is), control characters dropped."""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f]", "", str(text)).replace("$", r"\$")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _fmt(value: Any, digits: int = 0, *, lang: str) -> str:
    if _is_missing(value):
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return "–"
    text = f"{number:,.{digits}f}"
    if lang == "sv":  # 12 345,6
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def factor_contributions(row: pd.Series, factor_names: Sequence[str]) -> list[tuple[str, float, float]]:
    """``(factor, contribution, share of score)`` sorted by contribution, largest first."""
    score: Any = row.get("score")
    out = []
    for name in factor_names:
        contrib: Any = row.get(f"{name}_contrib")
        if _is_missing(contrib):
            continue
        share = float(contrib) / float(score) if not _is_missing(score) and float(score) else float("nan")
        out.append((name, float(contrib), share))
    return sorted(out, key=lambda t: -t[1])


def _factor_names(ranking: pd.DataFrame) -> list[str]:
    return [c[: -len("_contrib")] for c in ranking.columns if c.endswith("_contrib")]


def sheet_facts(row: pd.Series, *, lang: str, n_ranked: int | None = None) -> list[tuple[str, str]]:
    """The fact box of one site as ``(label, value)`` rows, in display order."""
    lab = labels_for(lang)
    g = row.get

    def f(col: str, digits: int = 0) -> str:
        return _fmt(g(col), digits, lang=lang)

    def cls(col: str) -> str:
        v = g(col)
        return "–" if _is_missing(v) else lab.get(str(v), str(v))

    def with_name(minutes_col: str, name_col: str) -> str:
        text = f(minutes_col) + (" min" if not _is_missing(g(minutes_col)) else "")
        if not _is_missing(g(name_col)):
            text += f" ({g(name_col)})"
        return text

    plan = cls("plan_status")
    if not _is_missing(g("plan_use")):
        plan += f", {g('plan_use')}"
    area = f("area_ha", 1)
    if not _is_missing(g("usable_area_ha")) and f("usable_area_ha", 1) != area:
        area += f" ({lab['usable_area_ha'].split(' (')[0].lower()} {f('usable_area_ha', 1)})"
    sub = "–"
    if not _is_missing(g("nearest_substation")) or not _is_missing(g("substation_km")):
        parts = [str(g("nearest_substation")) if not _is_missing(g("nearest_substation")) else None,
                 f"{f('substation_voltage_kv')} kV"
                 if not _is_missing(g("substation_voltage_kv")) and "kv" not in str(g("nearest_substation")).lower()
                 else None,
                 f"{f('substation_km', 1)} km" if not _is_missing(g("substation_km")) else None]
        sub = ", ".join(p for p in parts if p)
    rows = [
        (lab["municipality"], cls("municipality")),
        (lab["area_ha"], area),
        (lab["plan_status"], plan),
        (lab["site_type"], cls("site_type")),
        (lab["owner"], cls("owner")),
        (lab["port_minutes"], with_name("port_minutes", "nearest_port")),
        (lab["motorway_minutes"], with_name("motorway_minutes", "nearest_junction")),
        (lab["rail_minutes"], with_name("rail_minutes", "nearest_station")),
        (lab["airport_minutes"], with_name("airport_minutes", "nearest_airport")),
        (lab["nearest_substation_line"], sub),
        (lab["pop_30min"], f("pop_30min")),
        (lab["pop_45min"], f("pop_45min")),
        (lab["pop_60min"], f("pop_60min")),
        (lab["brownfield_class"], cls("mifo_class")),
    ]
    note = grid_note(row, lang=lang)
    if note is not None:
        rows.append((lab["grid_capacity"], note))
    if not _is_missing(g("readiness_class")):
        ready = str(g("readiness_class"))
        if not _is_missing(g("readiness_label")):
            ready += f" – {label(str(g('readiness_label')), lang=lang)}"
        rows.append((lab["readiness"], ready))
    if not bool(g("excluded", False)):
        rank = f("rank")
        if n_ranked and rank != "–":
            rank += f" / {n_ranked}"
        rows.append((lab["score"], f("score", 3)))
        rows.append((lab["rank"], rank))
        if "rank_min" in row.index and not _is_missing(g("rank_min")):
            rows.append((lab["rank_range"], f"{f('rank_min')}–{f('rank_max')}"))
        if "p_top_k" in row.index and not _is_missing(g("p_top_k")):
            p_top: Any = g("p_top_k")
            rows.append((lab["p_top_k"], f"{_fmt(100 * float(p_top), 0, lang=lang)} %"))
    return rows


# ---------------------------------------------------------------- the map


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


def _clip(frame: gpd.GeoDataFrame | None, extent: tuple[float, float, float, float], *,
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


def _draw_map(ax: Axes, row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame], *,
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
    urban = _clip(layers.get("urban_areas"), extent, thin=True)
    if urban is not None:
        urban.plot(ax=ax, color="#e7e1d8", edgecolor="none", zorder=1)
    water = _clip(layers.get("water"), extent, thin=True)
    if water is not None:
        water.plot(ax=ax, color="#b3d4ea", edgecolor="#6baed6", lw=0.4, zorder=1)
        handles.append(Patch(facecolor="#b3d4ea", edgecolor="#6baed6", label=lab["water"]))
    nature = _clip(layers.get("protected_nature"), extent, thin=True)
    if nature is not None:
        nature.plot(ax=ax, facecolor="#c7e9c0", edgecolor="#238b45", hatch="//", lw=0.6, alpha=0.8, zorder=2)
        handles.append(Patch(facecolor="#c7e9c0", edgecolor="#238b45", hatch="//", label=lab["protected_nature"]))
    roads = _clip(layers.get("roads"), extent)
    if roads is not None and "road_class" in roads.columns:
        for cls, (colour, lw, z) in sorted(ROAD_STYLES.items(), key=lambda kv: kv[1][2]):
            part = roads[roads["road_class"] == cls]
            if len(part):
                part.plot(ax=ax, color=colour, linewidth=lw, zorder=z)
                if cls in ("motorway", "trunk", "primary"):
                    handles.append(Line2D([], [], color=colour, lw=lw, label=label(f"road_{cls}", lang=lang)))
    rail = _clip(layers.get("rail"), extent)
    if rail is not None:
        rail.plot(ax=ax, color="#252525", linewidth=1.6, zorder=7)
        rail.plot(ax=ax, color="white", linewidth=0.8, linestyle=(0, (4, 4)), zorder=7.1)
        handles.append(Line2D([], [], color="#252525", lw=1.6, label=lab["rail"].split(" och ")[0].split(" and ")[0]))
    stations = _clip(layers.get("stations"), extent)
    if stations is not None:
        stations.plot(ax=ax, marker="s", color="white", edgecolor="#252525", markersize=22, zorder=8)
    junctions = _clip(layers.get("junctions"), extent)
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


def _draw_overview(ax: Axes, row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame],
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
    water = _clip(layers.get("water"), extent, thin=True)
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
    roads = _clip(layers.get("roads"), extent)
    if roads is not None and "road_class" in roads.columns:
        for cls in ("trunk", "motorway"):
            part = roads[roads["road_class"] == cls]
            if len(part):
                colour, lw, _ = ROAD_STYLES[cls]
                part.plot(ax=ax, color=colour, linewidth=lw * 0.5, zorder=4)
    rail = _clip(layers.get("rail"), extent)
    if rail is not None:
        rail.plot(ax=ax, color="#252525", linewidth=0.7, zorder=4)
    ports = _clip(layers.get("ports"), extent)
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


# ---------------------------------------------------------------- the page


def _draw_sheet(row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame], isochrones: gpd.GeoDataFrame | None,
                factor_names: Sequence[str], *, lang: str, n_ranked: int) -> Figure:
    lab = labels_for(lang)
    fig = Figure(figsize=A4_INCHES)
    excluded = bool(row.get("excluded", False))
    name = row.get("name") if not _is_missing(row.get("name")) else row["site_id"]
    title = f"{lab['sheet_title']}: {name}"
    if len(title) > 90:
        title = title[:89] + "…"
    size = 17.0 if len(title) <= 44 else max(10.0, 17.0 * 44 / len(title))
    fig.text(0.06, 0.965, _mpl(title), fontsize=size, fontweight="bold", va="top")
    sub = f"{lab['site_id']} {row['site_id']}"
    if not _is_missing(row.get("municipality")):
        sub += f" · {row['municipality']}"
    if not excluded and not _is_missing(row.get("rank")):
        sub += f" · {lab['rank']} {_fmt(row['rank'], 0, lang=lang)} / {n_ranked} · {lab['score']} {_fmt(row['score'], 3, lang=lang)}"
    fig.text(0.06, 0.935, _mpl(sub), fontsize=10.5, color="#333333", va="top")
    if excluded:
        fig.text(0.66, 0.925, _mpl(lab["excluded_title"]), fontsize=10, color="white", fontweight="bold",
                 ha="right", va="bottom", bbox={"facecolor": "#b2182b", "edgecolor": "none", "pad": 3})

    ax = fig.add_axes((0.06, 0.455, 0.60, 0.465))
    detail, handles = _draw_map(ax, row, layers, lang=lang)
    fig.text(0.06, 0.447, _mpl(lab["attribution"]), fontsize=6, color="#555555", va="top")
    fig.text(0.685, 0.92, _mpl(lab["overview"]), fontsize=10.5, fontweight="bold", va="top")
    ov = fig.add_axes((0.685, 0.72, 0.255, 0.175))
    _draw_overview(ov, row, layers, isochrones, detail, lang=lang)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.68, 0.64), fontsize=7.5, frameon=False,
               borderaxespad=0.0, title=_mpl(lab["legend_map"]), title_fontsize=9, alignment="left")

    # fact box
    facts = sheet_facts(row, lang=lang, n_ranked=n_ranked)
    fig.text(0.06, 0.415, _mpl(lab["facts"]), fontsize=12, fontweight="bold", va="top")
    # Rows shrink together (down to 80 %) when a long grid note or exclusion list would
    # otherwise run into the footer; the value column wraps so it never crosses the divider.
    wrapped_facts = [(key, _wrap(value, 29)) for key, value in facts]
    needed = sum(0.0165 + 0.0112 * w.count("\n") for _, w in wrapped_facts)
    shrink = max(0.8, min(1.0, (0.39 - 0.055) / needed)) if needed else 1.0
    y = 0.39
    for key, wrapped in wrapped_facts:
        fig.text(0.06, y, _mpl(key), fontsize=8 * shrink, color="#444444", va="top")
        fig.text(0.325, y, _mpl(wrapped), fontsize=8 * shrink, va="top", linespacing=1.15)
        y -= (0.0165 + 0.0112 * wrapped.count("\n")) * shrink
    fig.add_artist(Line2D([0.545, 0.545], [0.06, 0.415], color="#cccccc", lw=0.8))

    # right column: drivers or exclusion reasons
    if excluded:
        heading = _wrap(lab["excluded_because"], 34)
        fig.text(0.57, 0.415, _mpl(heading), fontsize=11, fontweight="bold", va="top", color="#b2182b",
                 linespacing=1.2)
        reasons = site_reasons(row, lang=lang)
        y = 0.415 - 0.022 * (heading.count("\n") + 1) - 0.012
        for reason in reasons or ["–"]:
            wrapped = _wrap(reason, 44)
            fig.text(0.58, y, _mpl("• " + wrapped), fontsize=9, va="top", linespacing=1.25)
            y -= 0.022 * (wrapped.count("\n") + 1) + 0.006
    else:
        fig.text(0.57, 0.415, _mpl(lab["drivers"]), fontsize=12, fontweight="bold", va="top")
        contribs = factor_contributions(row, factor_names)
        if contribs:
            bar_h = 0.024 if len(contribs) <= 5 else 0.018
            bx = fig.add_axes((0.78, 0.415 - 0.035 - bar_h * len(contribs), 0.14, bar_h * len(contribs)))
            names = [_mpl(label(n, lang=lang)) for n, _, _ in contribs][::-1]
            values = [c for _, c, _ in contribs][::-1]
            bx.barh(range(len(values)), values, color="#41ab5d", height=0.65)
            bx.set_yticks(range(len(values)), names, fontsize=7.5)
            bx.tick_params(axis="x", labelsize=7)
            for i, (v, (_, _, share)) in enumerate(zip(values, contribs[::-1])):
                bx.text(v, i, f" {_fmt(100 * share, 0, lang=lang)} %", va="center", fontsize=7)
            bx.set_xlim(0, max(values) * 1.35 if max(values) > 0 else 1)
            bx.set_xlabel(_mpl(lab["contrib"]), fontsize=7.5)
            for side in ("top", "right"):
                bx.spines[side].set_visible(False)
            y = 0.415 - 0.035 - bar_h * len(contribs) - 0.045
            fig.text(0.57, y, _mpl(f"{lab['factor']} · {lab['raw']} · {lab['std']} · {lab['weight']}"), fontsize=7.5,
                     color="#444444", va="top")
            for n, _, _ in contribs:
                y -= 0.016
                raw = row.get(f"{n}_raw")
                raw_txt = lab.get(raw, raw) if isinstance(raw, str) else _fmt(raw, 2, lang=lang)
                fig.text(0.57, y, _mpl(f"{label(n, lang=lang)}: {raw_txt} · "
                                       f"{_fmt(row.get(f'{n}_std'), 2, lang=lang)} · "
                                       f"{_fmt(row.get(f'{n}_weight'), 2, lang=lang)}"), fontsize=7.5, va="top")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    fig.text(0.06, 0.03, _mpl(f"siteselect · {lab['generated']} {stamp}"), fontsize=7, color="#777777")
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=True)) or str(text)


def _sheet_html(row: pd.Series, facts: list[tuple[str, str]], png_name: str, *, lang: str,
                factor_names: Sequence[str]) -> str:
    lab = labels_for(lang)
    e = html.escape
    name = row.get("name") if not _is_missing(row.get("name")) else row["site_id"]
    rows = "\n".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    extra = ""
    if bool(row.get("excluded", False)):
        reasons = site_reasons(row, lang=lang)
        items = "".join(f"<li>{e(r)}</li>" for r in reasons)
        extra = (f'<section class="excluded"><h2>{e(lab["excluded_title"])}</h2>'
                 f'<p>{e(lab["excluded_because"])}</p><ul>{items}</ul></section>')
    else:
        items = "".join(
            f"<tr><td>{e(label(n, lang=lang))}</td><td>{e(_fmt(c, 3, lang=lang))}</td>"
            f"<td>{e(_fmt(100 * s, 0, lang=lang))} %</td></tr>"
            for n, c, s in factor_contributions(row, factor_names)
        )
        extra = (f'<section><h2>{e(lab["drivers"])}</h2><table class="drivers"><tr><th>{e(lab["factor"])}</th>'
                 f'<th>{e(lab["contrib"])}</th><th>{e(lab["share"])}</th></tr>{items}</table></section>')
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<title>{e(lab["sheet_title"])}: {e(str(name))}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }}
img {{ max-width: 100%; border: 1px solid #ccc; }}
table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: 2px 8px; vertical-align: top; }}
th {{ color: #444; font-weight: normal; }} .excluded h2 {{ color: #b2182b; }}
</style>
</head>
<body>
<h1>{e(lab["sheet_title"])}: {e(str(name))}</h1>
<p>{e(lab["site_id"])} {e(str(row["site_id"]))}</p>
<img src="{e(png_name)}" alt="{e(lab['sheet_title'])}: {e(str(name))}">
<section><h2>{e(lab["facts"])}</h2><table class="facts">
{rows}
</table></section>
{extra}
<p><small>{e(lab["attribution"])}</small></p>
</body>
</html>
"""


def _save_figure(fig: Figure, path: Path, *, fmt: str) -> None:
    fig.savefig(path, format=fmt, dpi=110 if fmt == "png" else None)


def _save_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def _select_rows(ranking: gpd.GeoDataFrame, site_ids: Sequence[str] | None, top_n: int) -> gpd.GeoDataFrame:
    if site_ids is not None:
        ids = [str(s) for s in site_ids]
        known = ranking["site_id"].astype(str)
        unknown = [s for s in ids if s not in set(known)]
        if unknown:
            raise UnknownSiteError(
                f"site id(s) {', '.join(unknown)} not among the candidates (column site_id); "
                f"known ids look like {', '.join(sorted(known)[:3])}"
            )
        return ranking.set_index(known, drop=False).loc[ids]
    if top_n < 0:
        raise OptionError(f"top_n: found {top_n}; allowed: 0 or more")
    kept = ranking[~ranking["excluded"].fillna(False).astype(bool)]
    kept = kept[kept["rank"].notna()].sort_values("rank")
    return kept.head(top_n)


def site_sheet_figures(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    site_ids: Sequence[str] | None = None,
    top_n: int = 5,
    isochrones: gpd.GeoDataFrame | None = None,
    lang: str = "sv",
) -> list[tuple[pd.Series, Figure]]:
    """The sheets of :func:`write_site_sheets` as ``(ranking row, A4 figure)`` pairs, written nowhere.

    Parameters and errors as for :func:`write_site_sheets`; the rows are in
    the working CRS.
    """
    labels_for(lang)
    missing = [c for c in ("site_id", "excluded", "score", "rank") if c not in ranking.columns]
    if missing:
        raise MissingFieldError(f"ranking lacks column(s) {', '.join(missing)} needed for site sheets")
    if ranking.crs is None:
        from siteselect.errors import CRSError

        raise CRSError("ranking has no CRS; set the working CRS its coordinates are in "
                       "(ranking.set_crs(...)) before writing site sheets")
    crs = metric_crs(ranking)  # the working CRS (a ranking in lon/lat: its UTM zone)
    work = ranking.to_crs(crs)
    lays = {k: v.to_crs(crs) for k, v in layers.items() if v is not None and v.crs is not None}
    iso = isochrones.to_crs(crs) if isochrones is not None and isochrones.crs is not None else isochrones
    factor_names = _factor_names(work)
    n_ranked = int(work["rank"].notna().sum())
    return [(row, _draw_sheet(row, lays, iso, factor_names, lang=lang, n_ranked=n_ranked))
            for _, row in _select_rows(work, site_ids, top_n).iterrows()]


def write_site_sheets(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    out_dir: str | os.PathLike[str],
    site_ids: Sequence[str] | None = None,
    top_n: int = 5,
    isochrones: gpd.GeoDataFrame | None = None,
    lang: str = "sv",
) -> list[Path]:
    """Write ``sites/<id>.pdf``, ``.png`` and ``.html`` for chosen sites.

    Parameters
    ----------
    ranking
        Per-site result table (working CRS) with ``site_id``, ``name``,
        ``excluded``, ``score``, ``rank`` and ``NAME_contrib`` per factor; the
        measure columns (``port_minutes``, ``nearest_port`` …) are shown when present.
    layers
        Role → GeoDataFrame (reprojected to the ranking's CRS); drawn when present: roads (by
        ``road_class``), rail, stations, junctions, ports, substations, water,
        protected_nature, urban_areas.
    out_dir
        Output folder; the sheets go to ``out_dir/sites``.
    site_ids
        Sites to draw, in this order (excluded sites get a sheet saying why).
        When ``None``, the ``top_n`` best-ranked kept sites.
    top_n
        Number of sheets when ``site_ids`` is ``None``.
    isochrones
        ``site_id``, ``minutes``, geometry; drawn for the sheet's site.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    list of pathlib.Path
        For each site, its PDF, PNG and HTML path (in that order).

    Raises
    ------
    MissingFieldError
        When ``ranking`` lacks ``site_id``, ``excluded``, ``score`` or ``rank``.
    UnknownSiteError
        When a requested site id is not in the ranking.
    OptionError
        When ``top_n`` is negative.
    OutputError
        When a file cannot be written.
    """
    factor_names = _factor_names(ranking)
    n_ranked = int(ranking["rank"].notna().sum()) if "rank" in ranking.columns else 0
    target = Path(out_dir) / "sites"
    written: list[Path] = []
    for row, fig in site_sheet_figures(ranking, layers, site_ids=site_ids, top_n=top_n, isochrones=isochrones,
                                       lang=lang):
        stem = safe_site_filename(str(row["site_id"]))
        pdf = atomic_write(target / f"{stem}.pdf", partial(_save_figure, fig, fmt="pdf"))
        png = atomic_write(target / f"{stem}.png", partial(_save_figure, fig, fmt="png"))
        page = _sheet_html(row, sheet_facts(row, lang=lang, n_ranked=n_ranked), png.name, lang=lang,
                           factor_names=factor_names)
        html_path = atomic_write(target / f"{stem}.html", partial(_save_text, page))
        written += [pdf, png, html_path]
    return written
