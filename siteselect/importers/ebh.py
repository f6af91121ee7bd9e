"""Länsstyrelsen EBH "potentiellt förorenade områden" → brownfield ``candidates``.

The EBH register (shapefile/WMS from the county boards, SWEREF 99 TM) has one
point (sometimes a polygon) per potentially contaminated site.

Assumed source fields (case-insensitive; override with ``fields=``):

============  ===================================================================
key           file fields looked for, in order
============  ===================================================================
id            ``EBH_ID``, ``OBJEKT_ID``, ``OBJEKTID``, ``ID``, ``id``
name          ``OBJEKTNAMN``, ``NAMN``, ``name``, ``objektnamn``
risk          ``RISKKLASS``, ``MIFO_RISKKLASS``, ``riskklass``, ``mifo``
industry      ``BRANSCH``, ``BRANSCHNAMN``, ``bransch``            (optional)
industry_cls  ``BRANSCHKLASS``, ``branschklass``                    (optional)
status        ``STATUS``, ``status``, ``ATGARDSSTATUS``             (optional)
municipality  ``KOMMUN``, ``KOMMUNNAMN``, ``kommun``                (optional)
============  ===================================================================

Risk class → ``mifo_class``: ``1``–``4`` (also ``"Riskklass 2"``, ``"MIFO 2"``) →
the integer; ``E`` (identified, not inventoried), ``Ej riskklassad``, empty →
null. ``BRANSCHKLASS`` (1–4) is kept as ``industry_class``. Status values
containing *åtgärdad*, *KM* or *MKM* (remediated for sensitive / less sensitive
use) set ``remediated``; ``exclude_remediated`` drops them.

Points are buffered to a disc of ``buffer_m`` (default 50 m → 0.79 ha): the
register has no site outline, so ``area_ha`` of point sites is a placeholder,
not a measured area. Every site gets ``site_type=brownfield``,
``plan_status=ingen`` and ``owner`` from the ``owner`` option (default ``okänd``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.errors import LayerError
from siteselect.importers._common import column, read_source, resolve_fields, text

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("EBH_ID", "OBJEKT_ID", "OBJEKTID", "ID", "id"),
    "name": ("OBJEKTNAMN", "NAMN", "name", "objektnamn"),
    "risk": ("RISKKLASS", "MIFO_RISKKLASS", "riskklass", "mifo"),
    "industry": ("BRANSCH", "BRANSCHNAMN", "bransch"),
    "industry_cls": ("BRANSCHKLASS", "branschklass"),
    "status": ("STATUS", "status", "ATGARDSSTATUS"),
    "municipality": ("KOMMUN", "KOMMUNNAMN", "kommun"),
}

_REMEDIATED = re.compile(r"åtgärdad|atgardad|\bKM\b|\bMKM\b", re.IGNORECASE)


def mifo_class(value: object) -> int | None:
    """MIFO risk class 1–4 from a register value; None for E / unclassified / empty.

    Raises ValueError for a number outside 1–4 or text that names no class.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = str(value).strip()
    if not s or s.upper() == "E" or s.lower().startswith(("ej", "ingen", "ej riskklassad")):
        return None
    m = re.search(r"(\d+(?:\.0)?)", s)
    if not m:
        raise ValueError(s)
    n = int(float(m.group(1)))
    if not 1 <= n <= 4:
        raise ValueError(s)
    return n


def candidates_from_ebh(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    buffer_m: float = 50.0,
    exclude_remediated: bool = False,
    municipality: str | None = None,
    owner: str = "okänd",
) -> gpd.GeoDataFrame:
    """Brownfield candidates from an EBH register extract.

    Parameters
    ----------
    path, layer, where, crs
        File, layer, OGR SQL filter, CRS when the file states none.
    fields
        ``{key: file_field}`` overriding the assumed fields (module docstring).
    buffer_m
        Radius of the disc drawn around point sites.
    exclude_remediated
        Drop sites whose status says remediated (åtgärdad, KM, MKM).
    municipality
        Municipality for every site when the file has no such field.
    owner
        Owner for every site (the register has none); default ``okänd``.

    Returns
    -------
    GeoDataFrame (EPSG:3006): site_id (``ebh-<id>``), name, municipality,
    area_ha, site_type, plan_status, plan_use (null), owner, mifo_class (Int64,
    null = E/unclassified), source, industry, industry_class, status, remediated.

    Raises
    ------
    LayerError
        Risk class values that are not 1–4 / E (listed with the fix).
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("id", "risk"),
                       source=str(path), layer=layer)
    bad: list[str] = []
    classes: list[int | None] = []
    for v in src[f["risk"]]:
        try:
            classes.append(mifo_class(v))
        except ValueError:
            bad.append(str(v))
            classes.append(None)
    if bad:
        raise LayerError(f"{path}" + (f" (layer '{layer}')" if layer else "") +
                         f": risk class values not understood: {sorted(set(bad))[:10]}. "
                         "Expected 1–4 or E; map another field (`fields: {risk: …}`) or "
                         "filter them with `where`.")
    status = text(column(src, f["status"]))
    remediated = np.array([bool(s) and bool(_REMEDIATED.search(s)) for s in status], dtype=bool)
    ids = text(src[f["id"]])
    geoms = src.geometry
    points = geoms.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if points.any():
        geoms = geoms.copy()
        geoms[points] = geoms[points].buffer(float(buffer_m))
    names = text(column(src, f["name"]))
    out = gpd.GeoDataFrame({
        "site_id": [f"ebh-{i}" for i in ids],
        "name": [n if n else f"EBH {i}" for i, n in zip(ids, names, strict=True)],
        "municipality": text(column(src, f["municipality"], municipality)).to_numpy(),
        "area_ha": geoms.area.to_numpy() / 10_000.0,
        "site_type": ["brownfield"] * len(src),
        "plan_status": ["ingen"] * len(src),
        "plan_use": [None] * len(src),
        "owner": [owner] * len(src),
        "mifo_class": pd.array(classes, dtype="Int64"),
        "source": [f"ebh:{Path(path).name}"] * len(src),
        "industry": text(column(src, f["industry"])).to_numpy(),
        "industry_class": pd.to_numeric(column(src, f["industry_cls"]), errors="coerce"
                                        ).astype("Int64").to_numpy(),
        "status": status.to_numpy(),
        "remediated": remediated,
    }, geometry=geoms.to_numpy(), crs=src.crs)
    if exclude_remediated:
        out = out.loc[~remediated]
    return out.reset_index(drop=True)
