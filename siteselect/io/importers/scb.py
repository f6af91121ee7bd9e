"""SCB tätorter (urban areas ≥ 200 inhabitants) → ``towns`` / ``urban_areas``.

SCB publishes tätorter as polygons (``To2020_SR99TM`` …) with population in a
separate table; municipal and regional copies often carry it on the feature.
Points and polygons are both accepted: ``towns`` gets points (polygon
representative points), ``urban_areas`` gets polygons.

Assumed source fields (case-insensitive; override with ``fields=``):

============  ===================================================================
key           file fields looked for, in order
============  ===================================================================
name          ``TATORT``, ``TATORTSNAMN``, ``NAMN``, ``name``, ``tatort``
pop           ``BEF``, ``BEFOLKNING``, ``pop``, ``population``; else a column
              named ``BEF_YYYY`` / ``pop_YYYY`` (the year becomes ``pop_year``)
municipality  ``KOMMUNNAMN``, ``KOMMUN``, ``kommun``, ``municipality``
year          ``AR``, ``year``, ``pop_year``
code          ``TATORTSKOD``, ``TATKOD``, ``code``   (optional, kept as ``tatort_kod``)
============  ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.errors import LayerError
from siteselect.io.importers._common import column, read_source, resolve_fields, text

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "name": ("TATORT", "TATORTSNAMN", "NAMN", "name", "tatort"),
    "pop": ("BEF", "BEFOLKNING", "pop", "population"),
    "municipality": ("KOMMUNNAMN", "KOMMUN", "kommun", "municipality"),
    "year": ("AR", "year", "pop_year"),
    "code": ("TATORTSKOD", "TATKOD", "code"),
}

_POP_YEAR = re.compile(r"^(?:bef|pop|befolkning)[_ ]?((?:19|20)\d\d)$", re.IGNORECASE)


def _frame(path: str | Path, *, layer: str | None, fields: Mapping[str, str] | None,
           where: str | None, crs: str | int | None, need_pop: bool) -> gpd.GeoDataFrame:
    src = read_source(path, layer=layer, where=where, crs=crs)
    fields = dict(fields or {})
    year_from_name: int | None = None
    if "pop" not in fields:
        lower = {str(c).lower() for c in src.columns}
        if not lower & {c.lower() for c in ASSUMED_FIELDS["pop"]}:
            for c in src.columns:
                m = _POP_YEAR.match(str(c))
                if m:
                    fields["pop"], year_from_name = str(c), int(m.group(1))
                    break
    f = resolve_fields(src, ASSUMED_FIELDS, fields,
                       required=("name", "pop") if need_pop else ("name",),
                       source=str(path), layer=layer)
    data: dict[str, Any] = {"name": text(src[f["name"]]).to_numpy(),
            "municipality": text(column(src, f["municipality"])).to_numpy()}
    if f["pop"]:
        data["pop"] = pd.to_numeric(src[f["pop"]], errors="coerce").round().astype(
            "Int64").to_numpy()
    if f["year"]:
        data["pop_year"] = pd.to_numeric(src[f["year"]], errors="coerce").astype(
            "Int64").to_numpy()
    elif year_from_name is not None:
        data["pop_year"] = [year_from_name] * len(src)
    if f["code"]:
        data["tatort_kod"] = text(src[f["code"]]).to_numpy()
    return gpd.GeoDataFrame(data, geometry=src.geometry.to_numpy(), crs=src.crs)


def towns_from_scb_tatorter(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    municipalities: str | Path | None = None,
    municipalities_layer: str | None = None,
    municipalities_name_field: str = "kommun",
    municipalities_max_distance_m: float = 3000.0,
) -> gpd.GeoDataFrame:
    """Tätorter as points (``towns``): name, municipality, pop, pop_year.

    Polygons are turned into their representative point (always inside).

    Parameters
    ----------
    path, layer, fields, where, crs
        File, layer, field overrides (module docstring), OGR SQL filter, CRS.
    municipalities, municipalities_layer, municipalities_name_field
        A municipality polygon file: towns without a municipality get the name
        of the polygon they lie in (e.g. SCB's kommun outlines, field ``kommun``).
    municipalities_max_distance_m
        Points outside every polygon (a marker in a lake, a simplified shore) take
        the nearest municipality within this distance; farther ones stay empty.
    """
    gdf = _frame(path, layer=layer, fields=fields, where=where, crs=crs, need_pop=True)
    polys = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polys.any():
        geoms = gdf.geometry.copy()
        geoms[polys] = gdf.geometry[polys].representative_point()
        gdf = gdf.set_geometry(geoms.to_numpy())
    if municipalities is not None:
        gdf = _municipality_by_location(gdf, municipalities, layer=municipalities_layer,
                                        name_field=municipalities_name_field,
                                        max_distance_m=municipalities_max_distance_m)
    return gdf


def _municipality_by_location(towns: gpd.GeoDataFrame, path: str | Path, *,
                              layer: str | None, name_field: str,
                              max_distance_m: float) -> gpd.GeoDataFrame:
    """Fill empty ``municipality`` values from the polygon each point lies in (or the
    nearest one within ``max_distance_m``)."""
    mun = read_source(path, layer=layer)
    if name_field not in mun.columns:
        raise LayerError(f"{path}" + (f" (layer '{layer}')" if layer else "") +
                         f": no field '{name_field}' for municipality names; the file has "
                         f"{[c for c in mun.columns if c != 'geometry']}. Set "
                         "`municipalities_name_field`.")
    joined = gpd.sjoin(towns[[towns.geometry.name]], mun[[name_field, mun.geometry.name]],
                       how="left", predicate="within")
    found = joined[~joined.index.duplicated(keep="first")][name_field]
    lost = found.isna().to_numpy()
    if lost.any() and max_distance_m > 0:  # points in a lake or a coarse coastline
        near = gpd.sjoin_nearest(towns.loc[lost, [towns.geometry.name]],
                                 mun[[name_field, mun.geometry.name]], how="left",
                                 max_distance=max_distance_m)
        near = near[~near.index.duplicated(keep="first")][name_field]
        found = found.astype(object)
        found.loc[near.index] = near.to_numpy(dtype=object)
    out = towns.copy()
    have = np.array([isinstance(v, str) and bool(v) for v in out["municipality"]])
    out["municipality"] = np.where(have, out["municipality"].to_numpy(dtype=object),
                                   found.reindex(out.index).to_numpy(dtype=object))
    return out


def urban_areas_from_scb_tatorter(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Tätort outlines (``urban_areas``): name, municipality, pop (when present)."""
    gdf = _frame(path, layer=layer, fields=fields, where=where, crs=crs, need_pop=False)
    if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise LayerError(f"{path}" + (f" (layer '{layer}')" if layer else "") +
                         ": urban_areas needs tätort polygons, the layer has "
                         f"{sorted(set(gdf.geom_type.dropna()))}. Use the polygon layer.")
    return gdf


def layer_from_scb_tatorter(path: str | Path, *, role: str, **kwargs: object
                            ) -> gpd.GeoDataFrame:
    """Dispatch for the catalog: ``towns`` → points, ``urban_areas`` → polygons."""
    if role == "towns":
        return towns_from_scb_tatorter(path, **kwargs)  # type: ignore[arg-type]
    if role == "urban_areas":
        return urban_areas_from_scb_tatorter(path, **kwargs)  # type: ignore[arg-type]
    raise LayerError(f"{path}: format scb_tatorter fills towns or urban_areas, not '{role}'.")
