"""Ports → ``ports``.

* **World Port Index** (NGA Pub. 150) CSV, one row per port. Assumed columns:
  ``World Port Index Number`` (id, as ``wpi-<n>``), ``Main Port Name``,
  ``UN/LOCODE``, ``Latitude``/``Longitude`` (WGS 84), ``Maximum Vessel Draft (m)``,
  ``Channel Depth (m)``, ``Cargo Pier Depth (m)``. WPI writes 0 for unknown
  depths; those become null. ``max_draught_m`` = maximum vessel draft;
  ``deep_water`` = the deepest known of draft/channel/cargo-pier depth ≥
  ``deep_water_m`` (default 9 m, an assumption; rows without any depth are
  ``False`` and counted in a warning).
* **PyPSA-Eur attributed ports** GeoJSON (World Bank "Global – International
  Ports"). Assumed fields: ``LOCODE`` (id), ``Name``. No depth information.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.io.importers._common import (
    column,
    read_columns,
    read_source,
    remap,
    resolve_fields,
    text,
)
from siteselect.io.read import LayerWarning

WPI_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("World Port Index Number", "PORT_INDEX", "INDEX_NO"),
    "name": ("Main Port Name", "PORT_NAME"),
    "locode": ("UN/LOCODE", "UNLOCODE"),
    "lat": ("Latitude", "LATITUDE", "lat"),
    "lon": ("Longitude", "LONGITUDE", "lon"),
    "max_draught_m": ("Maximum Vessel Draft (m)",),
    "channel_depth_m": ("Channel Depth (m)",),
    "pier_depth_m": ("Cargo Pier Depth (m)",),
}

PYPSA_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("LOCODE", "locode", "id"),
    "name": ("Name", "name", "NameWoDiac"),
}


def _depth(series: pd.Series) -> pd.Series:
    d = pd.to_numeric(series, errors="coerce")
    return d.where(d > 0)


def ports_from_wpi_csv(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    deep_water_m: float = 9.0,
) -> gpd.GeoDataFrame:
    """Ports from World Port Index CSV rows.

    Returns
    -------
    GeoDataFrame (EPSG:3006): port_id, name, operator (null), max_draught_m,
    deep_water, locode, channel_depth_m.
    """
    probe = read_columns(path)
    f = resolve_fields(probe, WPI_FIELDS, fields, required=("id", "name", "lat", "lon"),
                       source=str(path))
    src = read_source(path, where=where, crs=crs or "EPSG:4326", x_field=f["lon"],
                      y_field=f["lat"])
    ids = remap(text(src[f["id"]]), lambda v: v[:-2] if v and v.endswith(".0") else v)
    draught = _depth(column(src, f["max_draught_m"]))
    depths = pd.concat([draught, _depth(column(src, f["channel_depth_m"])),
                        _depth(column(src, f["pier_depth_m"]))], axis=1).max(axis=1)
    unknown = depths.isna().to_numpy()
    if unknown.any():
        warnings.warn(f"{path}: {int(unknown.sum())} ports state no depth; deep_water set "
                      "to False for them.", LayerWarning, stacklevel=2)
    locode = remap(text(column(src, f["locode"])),
                   lambda v: None if v is None else v.replace(" ", ""))
    out = gpd.GeoDataFrame({
        "port_id": [f"wpi-{i}" for i in ids],
        "name": text(src[f["name"]]).to_numpy(),
        "operator": [None] * len(src),
        "max_draught_m": draught.to_numpy(dtype=float),
        "deep_water": (depths.fillna(0).to_numpy() >= deep_water_m),
        "locode": locode.to_numpy(),
        "channel_depth_m": _depth(column(src, f["channel_depth_m"])).to_numpy(dtype=float),
    }, geometry=src.geometry.to_numpy(), crs=src.crs)
    return out.reset_index(drop=True)


def ports_from_pypsa_geojson(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Ports from the PyPSA-Eur attributed ports GeoJSON.

    Returns
    -------
    GeoDataFrame (EPSG:3006): port_id (LOCODE), name, operator (null),
    max_draught_m (null).
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, PYPSA_FIELDS, fields, required=("id", "name"), source=str(path),
                       layer=layer)
    return gpd.GeoDataFrame({
        "port_id": text(src[f["id"]]).to_numpy(),
        "name": text(src[f["name"]]).to_numpy(),
        "operator": [None] * len(src),
        "max_draught_m": np.full(len(src), np.nan),
    }, geometry=src.geometry.to_numpy(), crs=src.crs).reset_index(drop=True)
