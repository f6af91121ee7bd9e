"""The layers of the interactive map as JSON-ready records (lon/lat, plain numbers and text).

:func:`site_records` turns the ranking into one record per site (score colour,
factors, figures, reasons); :func:`context_layers` the context layers
(substations by voltage, roads, rail, ports, water, protected nature …, the
largest :data:`MAP_MAX_CONTEXT_FEATURES` of a huge layer); :func:`isochrone_records`
the travel-time zones. :mod:`siteselect.outputs.mapview` assembles the page.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.core.labels import label
from siteselect.errors import CRSError, MissingFieldError
from siteselect.outputs.colours import voltage_colour

__all__ = ["MAP_CRS", "MAP_MAX_CONTEXT_FEATURES", "context_layers", "geojson", "isochrone_records", "json_number",
           "json_text", "largest_features", "site_records", "to_map_crs"]

log = logging.getLogger(__name__)
MAP_CRS = "EPSG:4326"
#: Most features of one context layer (water, protected nature …) drawn on the map;
#: a bigger layer shows its largest features (a browser cannot draw a million).
MAP_MAX_CONTEXT_FEATURES = 20_000
_FIGURE_COLUMNS = (
    "port_minutes", "motorway_minutes", "rail_minutes", "airport_minutes",
    "substation_km", "substation_voltage_kv", "pop_30min", "pop_45min", "pop_60min",
)
_TEXT_COLUMNS = (
    "municipality", "plan_status", "plan_use", "owner", "site_type",
    "nearest_port", "nearest_junction", "nearest_station", "nearest_substation",
    "exclusion_reason", "readiness_class", "readiness_label", "grid_status", "grid_note",
)



def json_number(value: Any) -> float | None:
    """A JSON-safe float (``None`` for missing / NaN / NA)."""
    if value is None or value is pd.NA:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def json_text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def geojson(geom: Any, *, decimals: int = 6) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    geom = shapely.set_precision(geom, 10.0**-decimals)
    return json.loads(shapely.to_geojson(geom))




def to_map_crs(frame: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise CRSError(f"layer {what!r} has no CRS; set the working CRS its coordinates are in "
                       "(frame.set_crs(...)) before writing the map")
    return frame.to_crs(MAP_CRS)


def site_records(ranking: gpd.GeoDataFrame, factor_names: Sequence[str], colours: list[str | None]) -> list[dict[str, Any]]:
    geo = to_map_crs(ranking, what="ranking")
    points = geo.geometry.representative_point()
    records: list[dict[str, Any]] = []
    for i, (_idx, row) in enumerate(geo.iterrows()):
        score = json_number(row["score"])
        breakdown = []
        for name in factor_names:
            contrib = json_number(row[f"{name}_contrib"])
            breakdown.append(
                {
                    "factor": name,
                    "raw": json_number(row[f"{name}_raw"]) if not isinstance(row[f"{name}_raw"], str) else row[f"{name}_raw"],
                    "std": json_number(row[f"{name}_std"]),
                    "weight": json_number(row[f"{name}_weight"]),
                    "contrib": contrib,
                    "share": (contrib / score) if (contrib is not None and score) else None,
                }
            )
        rec: dict[str, Any] = {
            "id": str(row["site_id"]),
            "name": json_text(row["name"]) or str(row["site_id"]),
            "excluded": bool(row["excluded"]) if json_text(row["excluded"]) is not None else False,
            "score": score,
            "rank": json_number(row["rank"]),
            "area_ha": json_number(row.get("area_ha")),
            "usable_area_ha": json_number(row.get("usable_area_ha")),
            "rank_min": json_number(row.get("rank_min")),
            "rank_max": json_number(row.get("rank_max")),
            "p_top_k": json_number(row.get("p_top_k")),
            "color": colours[i],
            "figures": {c: json_number(row[c]) for c in _FIGURE_COLUMNS if c in geo.columns},
            "text": {c: json_text(row[c]) for c in _TEXT_COLUMNS if c in geo.columns},
            "breakdown": breakdown,
            "point": [round(points.iloc[i].y, 6), round(points.iloc[i].x, 6)],
            "geometry": geojson(row.geometry),
        }
        records.append(rec)
    return records


def _feature_layer(
    frame: gpd.GeoDataFrame | None,
    *,
    key: str,
    title: str,
    kind: str,
    style: Mapping[str, Any],
    tooltip: Callable[[pd.Series], str],
    show: bool = True,
    simplify_m: float = 0.0,
    style_of: Callable[[pd.Series], Mapping[str, Any]] | None = None,
) -> dict[str, Any] | None:
    if frame is None or len(frame) == 0:
        return None
    if simplify_m > 0:
        frame = frame.assign(geometry=frame.geometry.simplify(simplify_m, preserve_topology=True))
    geo = to_map_crs(frame, what=key)
    feats = []
    for _, row in geo.iterrows():
        g = geojson(row.geometry, decimals=5)
        if g is None:
            continue
        feats.append({"geometry": g, "tooltip": tooltip(row), "style": dict(style_of(row)) if style_of else None})
    return {"key": key, "title": title, "kind": kind, "show": show, "style": dict(style), "features": feats}


def largest_features(frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """At most :data:`MAP_MAX_CONTEXT_FEATURES` features of a context layer, the largest kept."""
    if len(frame) <= MAP_MAX_CONTEXT_FEATURES:
        return frame
    geoms = frame.geometry.to_numpy()
    size = np.where(shapely.get_dimensions(geoms) == 2, shapely.area(geoms), shapely.length(geoms))
    keep = np.sort(np.argsort(-np.nan_to_num(size, nan=-1.0), kind="stable")[:MAP_MAX_CONTEXT_FEATURES])
    log.warning("map: layer %s has %d features; the map shows its %d largest", key, len(frame),
                MAP_MAX_CONTEXT_FEATURES)
    return frame.iloc[keep]


def _kv_text(row: pd.Series) -> str | None:
    """A substation's voltage as ``"130 kV"``, or ``None`` when not known."""
    kv = json_number(row.get("voltage_kv"))
    return None if kv is None else f"{kv:g} kV"


def context_layers(layers: Mapping[str, gpd.GeoDataFrame], lang: str) -> list[dict[str, Any]]:
    def t(row: pd.Series, *cols: str) -> str:
        parts = [str(row[c]) for c in cols if c in row.index and json_text(row[c]) is not None]
        return " · ".join(parts)

    layers = {k: largest_features(v, k) if k in ("water", "protected_nature") else v for k, v in layers.items()}
    out: list[dict[str, Any] | None] = []
    out.append(_feature_layer(layers.get("county"), key="county", title=label("county", lang=lang), kind="polygon",
                              style={"color": "#333333", "weight": 2, "fill": False, "dashArray": "6 4"},
                              tooltip=lambda r: t(r, "name"), simplify_m=50))
    out.append(_feature_layer(layers.get("municipalities"), key="municipalities",
                              title=label("municipalities", lang=lang), kind="polygon", show=False,
                              style={"color": "#777777", "weight": 1, "fill": False},
                              tooltip=lambda r: t(r, "name", "kommun_kod"), simplify_m=50))
    out.append(_feature_layer(layers.get("water"), key="water", title=label("water", lang=lang), kind="polygon",
                              style={"color": "#4a90c2", "weight": 0.5, "fillColor": "#a6cee3", "fillOpacity": 0.6},
                              tooltip=lambda r: t(r, "name"), simplify_m=20))
    out.append(_feature_layer(layers.get("protected_nature"), key="protected_nature",
                              title=label("protected_nature", lang=lang), kind="polygon",
                              style={"color": "#1b7837", "weight": 1, "fillColor": "#5aae61", "fillOpacity": 0.35},
                              tooltip=lambda r: t(r, "name", "kind"), simplify_m=10))
    roads = layers.get("roads")
    if roads is not None and "road_class" in roads.columns:
        roads = roads[roads["road_class"].isin(["motorway", "trunk"])]
    out.append(_feature_layer(roads, key="motorways", title=label("motorways", lang=lang), kind="line",
                              style={"color": "#d7301f", "weight": 3},
                              style_of=lambda r: {"color": "#d7301f" if r.get("road_class") == "motorway" else "#fc8d59"},
                              tooltip=lambda r: t(r, "ref", "road_class"), simplify_m=10))
    out.append(_feature_layer(layers.get("junctions"), key="junctions", title=label("junctions", lang=lang),
                              kind="point", style={"color": "#7f0000", "fillColor": "#ffffff", "radius": 4, "weight": 2},
                              tooltip=lambda r: t(r, "name", "number", "ref")))
    out.append(_feature_layer(layers.get("rail"), key="rail", title=label("rail", lang=lang), kind="line",
                              style={"color": "#222222", "weight": 2, "dashArray": "8 4"},
                              tooltip=lambda r: t(r, "name"), simplify_m=10))
    out.append(_feature_layer(layers.get("stations"), key="stations", title=label("stations", lang=lang),
                              kind="point", style={"color": "#222222", "fillColor": "#ffffff", "radius": 4, "weight": 2},
                              tooltip=lambda r: t(r, "name", "kind")))
    out.append(_feature_layer(layers.get("ports"), key="ports", title=label("ports", lang=lang), kind="point",
                              style={"color": "#08306b", "fillColor": "#2171b5", "radius": 7, "weight": 2, "fillOpacity": 0.9},
                              tooltip=lambda r: t(r, "name", "operator")))
    subs = layers.get("substations")
    out.append(_feature_layer(subs, key="substations", title=label("substations", lang=lang), kind="point",
                              style={"color": "#000000", "radius": 5, "weight": 1, "fillOpacity": 0.9},
                              style_of=lambda r: {"fillColor": voltage_colour(json_number(r.get("voltage_kv"))),
                                                  "radius": 4 + (json_number(r.get("voltage_kv")) or 0) / 100.0},
                              tooltip=lambda r: " · ".join(
                                  x for x in (json_text(r.get("name")), _kv_text(r), json_text(r.get("operator"))) if x)))
    out.append(_feature_layer(layers.get("airports"), key="airports", title=label("airports", lang=lang), kind="point",
                              show=False, style={"color": "#54278f", "fillColor": "#9e9ac8", "radius": 6, "weight": 2},
                              tooltip=lambda r: t(r, "name")))
    return [layer for layer in out if layer is not None]


def isochrone_records(isochrones: gpd.GeoDataFrame | None) -> dict[str, list[dict[str, Any]]]:
    if isochrones is None or len(isochrones) == 0:
        return {}
    for col in ("site_id", "minutes"):
        if col not in isochrones.columns:
            raise MissingFieldError(f"isochrones lack column {col!r}; expected site_id, minutes, geometry")
    geo = to_map_crs(isochrones.assign(geometry=isochrones.geometry.simplify(20.0)), what="isochrones")
    out: dict[str, list[dict[str, Any]]] = {}
    for _, row in geo.sort_values("minutes", ascending=False).iterrows():
        g = geojson(row.geometry, decimals=5)
        if g is not None:
            out.setdefault(str(row["site_id"]), []).append({"minutes": json_number(row["minutes"]), "geometry": g})
    return out
