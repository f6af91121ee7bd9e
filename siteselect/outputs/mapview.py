"""Interactive HTML map of a ranking for planners (Folium + a small filter panel): the page.

The page is one self-contained HTML file: Folium builds the Leaflet map, the
base layers and the layer control; every vector layer is embedded as a JSON
data island and drawn by ``siteselect/assets/siteselect_map.js``, which also
runs the filter panel and the ranked list in the browser (no server). All
attribute text is put on the page with ``textContent``, never as HTML.

With ``offline=True`` Leaflet and every style sheet are inlined, there is no
tile layer (plain background with the county outline), and the page makes no
network request at all. The records the page embeds are built in
:mod:`siteselect.outputs.maplayers`.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from matplotlib import colormaps
from matplotlib.colors import to_hex

from siteselect.analysis.reasons import site_reasons
from siteselect.core.labels import label, labels_for
from siteselect.core.output import atomic_write
from siteselect.errors import CRSError, MissingFieldError, OutputError
from siteselect.outputs import offline as _offline
from siteselect.outputs.colours import SCORE_CMAP
from siteselect.outputs.maplayers import (
    MAP_CRS,
    context_layers,
    isochrone_records,
    json_number,
    site_records,
    to_map_crs,
)

__all__ = ["SCORE_CMAP", "json_island", "render_suitability_png", "score_colors", "write_map"]

log = logging.getLogger(__name__)
_REQUIRED = ("site_id", "name", "score", "rank", "excluded")


def json_island(value: Any) -> str:
    """Serialise ``value`` for a ``<script type="application/json">`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c`` … so no data can close the
    element or open a comment; NaN is not allowed (use ``None``).
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def score_colors(scores: Sequence[float] | np.ndarray, *, cmap: str = SCORE_CMAP) -> tuple[list[str | None], float, float]:
    """Hex colour of each score on a min–max stretched colour map.

    Returns
    -------
    colours, vmin, vmax
        ``None`` for missing scores; a single distinct score maps to the top colour.
    """
    arr = np.asarray(scores, dtype=float)
    finite = arr[np.isfinite(arr)]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    cm = colormaps[cmap]
    span = vmax - vmin
    out: list[str | None] = []
    for v in arr:
        if not np.isfinite(v):
            out.append(None)
        else:
            out.append(to_hex(cm((v - vmin) / span if span > 0 else 1.0)))
    return out, vmin, vmax


def _check_ranking(ranking: gpd.GeoDataFrame, factor_names: Sequence[str]) -> None:
    if not isinstance(ranking, gpd.GeoDataFrame):
        raise OutputError(f"ranking must be a GeoDataFrame, got {type(ranking).__name__}")
    if ranking.crs is None:
        raise CRSError(
            "ranking has no CRS; set it to the working CRS its coordinates are in "
            "(ranking.set_crs(...), e.g. EPSG:3006) before writing the map"
        )
    missing = [c for c in _REQUIRED if c not in ranking.columns]
    for name in factor_names:
        missing += [f"{name}_{part}" for part in ("raw", "std", "weight", "contrib") if f"{name}_{part}" not in ranking.columns]
    if missing:
        raise MissingFieldError(
            f"ranking lacks column(s) {', '.join(missing)}; pass the ranking table the pipeline produces "
            f"(factor columns NAME_raw/_std/_weight/_contrib for factor_names={list(factor_names)})"
        )



def _read_world_file(png: Path) -> tuple[float, float, float, float]:
    from PIL import Image  # matplotlib depends on Pillow

    for suffix in (".pgw", ".pngw", ".wld"):
        wld = png.with_suffix(suffix)
        if wld.exists():
            vals = [float(v) for v in wld.read_text().split()[:6]]
            a, _d, _b, e, c, f = vals
            with Image.open(png) as im:
                width, height = im.size
            minx, maxy = c - a / 2, f - e / 2
            return (minx, maxy + e * height, minx + a * width, maxy)
    raise OutputError(
        f"suitability_png {png} has no world file (.pgw/.wld) beside it; pass "
        "suitability_png=(path, (minx, miny, maxx, maxy)) with bounds in the ranking's CRS"
    )


def _suitability_record(suitability_png: Any, crs: Any) -> dict[str, Any] | None:
    """The overlay record of a suitability PNG whose bounds are in ``crs`` (the working CRS)."""
    if suitability_png is None:
        return None
    if isinstance(suitability_png, tuple):
        png, bounds = Path(suitability_png[0]), tuple(float(v) for v in suitability_png[1])
    else:
        png = Path(suitability_png)
        bounds = _read_world_file(png)
    try:
        data = png.read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read suitability_png {png}: {exc}") from exc
    minx, miny, maxx, maxy = bounds
    corners = gpd.GeoSeries(gpd.points_from_xy([minx, maxx], [miny, maxy]), crs=crs).to_crs(MAP_CRS)
    return {
        "url": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
        # axis-aligned in the working CRS; Leaflet stretches it to the lat/lon box (close at county scale)
        "bounds": [[corners.iloc[0].y, corners.iloc[0].x], [corners.iloc[1].y, corners.iloc[1].x]],
    }


def render_suitability_png(
    score: np.ndarray,
    *,
    bounds: tuple[float, float, float, float],
    out_path: str | os.PathLike[str],
    cmap: str = SCORE_CMAP,
) -> tuple[Path, tuple[float, float, float, float]]:
    """Colour a 0–1 suitability grid as a PNG for :func:`write_map`.

    Parameters
    ----------
    score
        2-D array, row 0 at the top (north), values 0–1, NaN where excluded
        (drawn transparent).
    bounds
        ``(minx, miny, maxx, maxy)`` of the grid in the working CRS.
    out_path
        PNG to write (atomically).

    Returns
    -------
    (path, bounds)
        Ready to pass as ``write_map(..., suitability_png=...)``.
    """
    arr = np.asarray(score, dtype=float)
    if arr.ndim != 2:
        raise OutputError(f"suitability score must be a 2-D array, got shape {arr.shape}")
    rgba = colormaps[cmap](np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0))
    rgba[..., 3] = np.where(np.isfinite(arr), 0.75, 0.0)
    from matplotlib.image import imsave

    path = atomic_write(Path(out_path), lambda tmp: imsave(tmp, rgba, format="png"))
    return path, tuple(float(v) for v in bounds)  # type: ignore[return-value]


def _checked_live(live: Mapping[str, Any] | None, sites: list[dict[str, Any]]) -> Mapping[str, Any] | None:
    """The live model, checked to list the same sites in the same order as the map."""
    if live is None:
        return None
    ids = list(live.get("sites", {}).get("id", []))
    if ids != [s["id"] for s in sites]:
        raise OutputError(
            "live model lists other sites (or another order) than the ranking; build it with "
            "siteselect.outputs.livemap.live_model_from_result from the same result"
        )
    return live


class _SiteSelectScript(MacroElement):
    """Runs the filter panel script after Folium's map and layer control exist."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
siteselectInit({{ this._parent.get_name() }}, {{ this.control_name }});
{% endmacro %}
"""
    )

    def __init__(self, control_name: str) -> None:
        super().__init__()
        self._name = "SiteSelectScript"
        self.control_name = control_name


def build_map_html(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    factor_names: Sequence[str],
    isochrones: gpd.GeoDataFrame | None = None,
    suitability_png: Any = None,
    title: str,
    offline: bool = False,
    lang: str = "sv",
    live: Mapping[str, Any] | None = None,
) -> str:
    """The HTML text :func:`write_map` writes (same parameters, no file)."""
    labels = labels_for(lang)
    _check_ranking(ranking, factor_names)
    factor_names = list(factor_names)
    excluded = ranking["excluded"].fillna(False).astype(bool).to_numpy()
    scores = np.where(excluded, np.nan, pd.to_numeric(ranking["score"], errors="coerce").to_numpy(dtype=float))
    colours, _, _ = score_colors(scores)
    if lang == "sv" and "grid_note_sv" in ranking.columns:  # the grid note in the page's language
        ranking = ranking.assign(grid_note=ranking["grid_note_sv"])
    if "exclusion_detail" in ranking.columns:  # the reasons in the page's language
        ranking = ranking.assign(exclusion_reason=["; ".join(site_reasons(r, lang=lang))
                                                   for _, r in ranking.iterrows()])
    if "readiness_label" in ranking.columns:
        ranking = ranking.assign(readiness_label=[label(str(v), lang=lang) if isinstance(v, str) else v
                                                  for v in ranking["readiness_label"]])
    sites = site_records(ranking, factor_names, colours)

    county = layers.get("county")
    extent_src = county if county is not None and len(county) else ranking
    minx, miny, maxx, maxy = to_map_crs(extent_src, what="county").total_bounds
    centre = [(miny + maxy) / 2, (minx + maxx) / 2]

    fmap = folium.Map(location=centre, zoom_start=9, tiles=None, control_scale=True, prefer_canvas=False)
    fmap.default_js = [] if offline else [("leaflet", _offline.LEAFLET_JS_URL)]
    fmap.default_css = [] if offline else [("leaflet_css", _offline.LEAFLET_CSS_URL)]
    if not offline:
        osm = folium.TileLayer(
            "OpenStreetMap", name=label("osm", lang=lang), overlay=False, control=True, show=True,
            attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        )
        osm.add_to(fmap)
    plain = folium.FeatureGroup(name=label("no_basemap", lang=lang), overlay=False, control=True, show=offline)
    plain.add_to(fmap)
    control = folium.LayerControl(collapsed=False, position="topright")
    control.add_to(fmap)
    _SiteSelectScript(control.get_name()).add_to(fmap)

    finite = [v for v in (json_number(s) for s in scores) if v is not None]
    kept = [s for s in sites if not s["excluded"]]

    def col_max(col: str) -> float | None:
        vals = [s["figures"].get(col) for s in kept if s["figures"].get(col) is not None]
        return float(math.ceil(max(vals))) if vals else None

    data = {
        "title": title,
        "lang": lang,
        "bounds": [[miny, minx], [maxy, maxx]],
        "offline": offline,
        "labels": dict(labels),
        "factors": [{"name": f, "label": label(f, lang=lang)} for f in factor_names],
        "sites": sites,
        "layers": context_layers(layers, lang),
        "isochrones": isochrone_records(isochrones),
        "suitability": _suitability_record(suitability_png, ranking.crs),
        "legend": {"min": min(finite) if finite else None, "max": max(finite) if finite else None,
                   "colors": [to_hex(colormaps[SCORE_CMAP](x)) for x in np.linspace(0, 1, 6)]},
        "filters": {
            "area_max": float(math.ceil(max((s["area_ha"] or 0.0) for s in kept))) if kept else 0.0,
            "port_max": col_max("port_minutes"),
            "motorway_max": col_max("motorway_minutes"),
            "rail_max": col_max("rail_minutes"),
            "substation_km_max": col_max("substation_km"),
            "voltages": sorted({v for s in kept if (v := s["figures"].get("substation_voltage_kv")) is not None}),
            "statuses": sorted({v for s in kept if (v := s["text"].get("plan_status"))}),
            "municipalities": sorted({v for s in kept if (v := s["text"].get("municipality"))}),
            "score_max": max(finite) if finite else 0.0,
        },
        "has_sensitivity": all(c in ranking.columns for c in ("rank_min", "rank_max")),
        "live": _checked_live(live, sites),
    }

    root = cast(Figure, fmap.get_root())
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="siteselect_title")
    if offline:
        root.header.add_child(Element(f"<style>{_offline.leaflet_css()}</style>"), name="leaflet_css_inline")
        root.header.add_child(Element(f"<script>{_offline.leaflet_js()}</script>"), name="leaflet_js_inline")
    root.header.add_child(
        Element(f"<style>{_offline.style_safe(_offline.asset_text('siteselect_map.css'))}</style>"),
        name="siteselect_css",
    )
    root.header.add_child(
        Element(f"<script>{_offline.script_safe(_offline.asset_text('siteselect_map.js'))}</script>"),
        name="siteselect_js",
    )
    if live is not None:
        root.header.add_child(
            Element(f"<script>{_offline.script_safe(_offline.asset_text('siteselect_live.js'))}</script>"),
            name="siteselect_live_js",
        )
    root.html.add_child(
        Element(f'<script type="application/json" id="siteselect-data">{json_island(data)}</script>'),
        name="siteselect_data",
    )
    page = root.render()
    if offline:
        leaks = _offline.external_references(page)
        if leaks:
            raise OutputError(
                f"offline map would load {len(leaks)} resource(s) from the network, e.g. {leaks[0]!r}; "
                "this is a bug in siteselect.outputs.mapview"
            )
    return page


def write_map(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    out_path: str | os.PathLike[str],
    factor_names: Sequence[str],
    isochrones: gpd.GeoDataFrame | None = None,
    suitability_png: str | os.PathLike[str] | tuple[str | os.PathLike[str], tuple[float, float, float, float]] | None = None,
    title: str,
    offline: bool = False,
    lang: str = "sv",
    live: Mapping[str, Any] | None = None,
) -> Path:
    """Write the interactive planner map as one HTML file.

    Parameters
    ----------
    ranking
        Per-site result table (in the working CRS) with ``site_id``, ``name``, ``score``,
        ``rank``, ``excluded`` and, per factor, ``NAME_raw/_std/_weight/_contrib``;
        optional columns (``exclusion_reason``, ``*_minutes``, ``substation_km``,
        ``substation_voltage_kv``, ``pop_*min``, ``rank_min``, ``rank_max``,
        ``p_top_k`` …) are shown when present.
    layers
        Role name → GeoDataFrame (any CRS with a definition; drawn in EPSG:4326).
        Drawn when present: county, municipalities, water, protected_nature,
        roads (motorway and trunk only), junctions, rail, stations, ports,
        substations (coloured by ``voltage_kv``), airports.
    out_path
        HTML file to write (replaced atomically).
    factor_names
        Factors of the scenario, in display order.
    isochrones
        ``site_id``, ``minutes``, geometry; shown for the site whose popup is open.
    suitability_png
        A PNG with a world file beside it, or ``(png, (minx, miny, maxx, maxy))``
        with bounds in the ranking's CRS; shown as a toggleable overlay.
    title
        Page title.
    offline
        Inline Leaflet and styles and leave out the tile layer, so the page
        works on a network without internet.
    lang
        ``"sv"`` or ``"en"`` labels.
    live
        The run's live model (:func:`siteselect.outputs.livemap.live_model_from_result`):
        adds the panel that re-weights, re-shapes curves and switches rules in
        the browser, and the ``window.siteselect`` API.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    MissingFieldError
        When ``ranking`` lacks a required column.
    CRSError
        When ``ranking`` or a layer has no CRS.
    OutputError
        When the file cannot be written.
    """
    page = build_map_html(
        ranking, layers, factor_names=factor_names, isochrones=isochrones,
        suitability_png=suitability_png, title=title, offline=offline, lang=lang, live=live,
    )
    return atomic_write(Path(out_path), lambda tmp: tmp.write_text(page, encoding="utf-8"))
