"""Grid data → ``substations`` with ``voltage_kv``.

Two sources are understood:

* **ENTSO-E grid-kit buses** (PyPSA-Eur ``data/entsoegridkit/buses.csv`` as a
  layer, e.g. ``entsoegridkit_vastmanland_bbox.gpkg`` layer ``buses``).
  Assumed fields: ``bus_id``, ``station_id``, ``voltage`` (kV), ``dc`` (``t``/``f``),
  ``symbol``, ``under_construction``, ``tags`` (hstore text; ``"name"=>"…"`` is used
  for the name when present). Buses of one ``station_id`` are merged into one
  substation at the highest voltage; DC buses and buses under construction are
  dropped unless asked for. Voltages are the lower bound of the ENTSO-E band
  (220/380), i.e. transmission level only.
* **OSM-derived grid vertices** (SciGRID/GridKit-style ``*_vertices`` of
  ComplexNetTSP/Power_grids, e.g. ``sweden_osm_grid_vastmanland_bbox.gpkg``).
  Assumed fields: ``v_id``, ``typ`` (``substation``, ``sub_station``, ``plant`` …),
  ``voltage`` (volts, ``;``-joined: ``"400000;220000"`` → 400 kV), ``name``,
  ``operator``. Vertices without any voltage are dropped (counted in
  ``df.attrs["dropped_no_voltage"]``).

Neither source states firm capacity: ``available_mw`` is null and
``capacity_source`` names the source.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.io.importers._common import column, max_number, read_source, resolve_fields, text
from siteselect.io.read import LayerWarning

ENTSOE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "bus_id": ("bus_id", "id"),
    "station_id": ("station_id",),
    "voltage_kv": ("voltage", "v_nom"),
    "dc": ("dc",),
    "under_construction": ("under_construction",),
    "tags": ("tags",),
}

OSM_VERTEX_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("v_id", "id", "osm_id"),
    "type": ("typ", "type", "power"),
    "voltage_v": ("voltage",),
    "name": ("name",),
    "operator": ("operator",),
}

_TAG_NAME = re.compile(r'"name"=>"([^"]*)"')
_TRUE = {"t", "true", "1", "yes"}


def _is_true(series: pd.Series) -> np.ndarray:
    return np.array([bool(v) and v.lower() in _TRUE for v in text(series)], dtype=bool)


def substations_from_entsoe_buses(
    path: str | Path,
    *,
    layer: str | None = "buses",
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    include_dc: bool = False,
    include_under_construction: bool = False,
) -> gpd.GeoDataFrame:
    """Substations from ENTSO-E grid-kit buses (one per ``station_id``, highest kV).

    Returns
    -------
    GeoDataFrame (EPSG:3006): substation_id (``entsoe-<station_id>``), name,
    voltage_kv, operator (null), available_mw (null), capacity_date (null),
    capacity_source, bus_ids.
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, ENTSOE_FIELDS, fields, required=("bus_id", "voltage_kv"),
                       source=str(path), layer=layer)
    keep = np.ones(len(src), dtype=bool)
    if f["dc"] and not include_dc:
        keep &= ~_is_true(src[f["dc"]])
    if f["under_construction"] and not include_under_construction:
        keep &= ~_is_true(src[f["under_construction"]])
    src = src.loc[keep]
    bus = text(src[f["bus_id"]])
    station = text(column(src, f["station_id"])).fillna(bus)
    names = [(m.group(1) or None) if t and (m := _TAG_NAME.search(t)) else None
             for t in text(column(src, f["tags"]))]
    df = pd.DataFrame({
        "station": station.to_numpy(), "bus": bus.to_numpy(), "name": names,
        "voltage_kv": pd.to_numeric(src[f["voltage_kv"]], errors="coerce").to_numpy(),
        "geometry": src.geometry.to_numpy()})
    df = df.sort_values(["station", "voltage_kv"], ascending=[True, False])
    grouped = df.groupby("station", sort=True)
    first = grouped.first()
    out = gpd.GeoDataFrame({
        "substation_id": [f"entsoe-{s}" for s in first.index],
        "name": [n if isinstance(n, str) and n else f"ENTSO-E station {s}"
                 for s, n in zip(first.index, first["name"], strict=True)],
        "voltage_kv": grouped["voltage_kv"].max().to_numpy(),
        "operator": [None] * len(first),
        "available_mw": np.full(len(first), np.nan),
        "capacity_date": [None] * len(first),
        "capacity_source": ["ENTSO-E grid map via PyPSA-Eur gridkit (no capacity data)"]
        * len(first),
        "bus_ids": grouped["bus"].agg(lambda b: ";".join(sorted(b))).to_numpy(),
    }, geometry=first["geometry"].to_numpy(), crs=src.crs)
    return out.reset_index(drop=True)


def substations_from_osm_grid_vertices(
    path: str | Path,
    *,
    layer: str | None = "heuristic_vertices",
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    types: Sequence[str] = ("substation", "sub_station"),
) -> gpd.GeoDataFrame:
    """Substations from OSM-derived grid vertices (voltages in volts, ``;``-joined).

    Parameters
    ----------
    types
        Values of the type field kept (default substations only).

    Returns
    -------
    GeoDataFrame (EPSG:3006): substation_id (``osm-<v_id>``), name (``OSM vertex
    <v_id>`` when unnamed), voltage_kv (highest), operator, available_mw (null),
    capacity_date (null), capacity_source. A :class:`LayerWarning` counts
    vertices dropped for lack of a voltage.
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, OSM_VERTEX_FIELDS, fields, required=("id", "voltage_v"),
                       source=str(path), layer=layer)
    if f["type"]:
        src = src.loc[np.array([t in types for t in text(src[f["type"]])], dtype=bool)]
    volts = src[f["voltage_v"]].map(max_number)
    has_v = volts.notna().to_numpy()
    if (~has_v).any():
        warnings.warn(f"{path}" + (f" (layer '{layer}')" if layer else "") +
                      f": {int((~has_v).sum())} of {len(src)} substations have no voltage "
                      "and were dropped.", LayerWarning, stacklevel=2)
    src, volts = src.loc[has_v], volts[has_v]
    ids = text(src[f["id"]])
    names = text(column(src, f["name"]))
    out = gpd.GeoDataFrame({
        "substation_id": [f"osm-{i}" for i in ids],
        "name": [n if isinstance(n, str) and n else f"OSM vertex {i}"
                 for i, n in zip(ids, names, strict=True)],
        "voltage_kv": volts.to_numpy(dtype=float) / 1000.0,
        "operator": text(column(src, f["operator"])).to_numpy(),
        "available_mw": np.full(len(src), np.nan),
        "capacity_date": [None] * len(src),
        "capacity_source": ["OpenStreetMap power data via SciGRID-style vertices "
                            "(no capacity data)"] * len(src),
    }, geometry=src.geometry.to_numpy(), crs=src.crs)
    out.attrs["dropped_no_voltage"] = int((~has_v).sum())
    return out.reset_index(drop=True)
