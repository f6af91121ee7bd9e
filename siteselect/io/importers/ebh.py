"""Länsstyrelsen EBH "potentiellt förorenade områden" → brownfield ``candidates`` or
``contaminated_sites`` points matched to candidate sites.

The county boards publish the EBH register (EBH-stödet) as the layer *LST Potentiellt
förorenade områden*: a WMS and a shapefile download in SWEREF 99 TM, one point per object,
placed on *one* of the object's properties (sources in ``docs/data-sources.md``). Older
shapefiles come without a ``.cpg`` file and in CP1252; give ``encoding="cp1252"``.

What the values mean (SGI, "Kartor över potentiellt förorenade områden"):

=========  ========================================================================
value      meaning → fields written
=========  ========================================================================
1          riskklass 1, *mycket stor risk* → ``mifo_class`` 1, ``ebh_state`` riskklassad
2          riskklass 2, *stor risk*
3          riskklass 3, *måttlig risk*
4          riskklass 4, *låg risk*
E          identified (a polluting activity is or was there), not yet inventoried or
           risk-classed → ``mifo_class`` null, ``ebh_state`` identifierad
KM         remediation started or done for *känslig markanvändning* (sensitive use,
           e.g. housing) → ``ebh_state`` åtgärdad_km, ``remediated``
MKM        remediation started or done for *mindre känslig markanvändning* (less
           sensitive use, e.g. industry) → ``ebh_state`` åtgärdad_mkm, ``remediated``
=========  ========================================================================

An object being in the register does not mean the ground is polluted, only that a
polluting activity is or was there. The published layer shows how many properties
(fastigheter) an object covers but, for privacy, not their designations; a
``fastighet`` field is read only when an extract (uttag ur EBH-stödet) carries one.

Assumed source fields (case-insensitive; override with ``fields=``). The exact field
names of the download could not be confirmed from a public specification: the names
below are the ones used by the register's map texts and common extracts, and a file
whose fields differ stops with a message listing the file's fields and the keys:

==============  ==============================================================
key             file fields looked for, in order
==============  ==============================================================
id              ``EBH_ID``, ``OBJEKT_ID``, ``OBJEKTID``, ``OBJECT_ID``, ``ID``
name            ``OBJEKTNAMN``, ``NAMN``, ``name``
risk            ``RISKKLASS``, ``RISKKLASSNING``, ``MIFO_RISKKLASS``, ``mifo``
industry        ``HUVUDBRANSCH``, ``BRANSCH``, ``BRANSCHNAMN``              (optional)
industry_cls    ``BRANSCHKLASS``, ``BRANSCHKLA``                            (optional)
status          ``STATUS``, ``ATGARDSSTATUS``, ``ATGARDSSTA``               (optional)
municipality    ``KOMMUN``, ``KOMMUNNAMN``                                  (optional)
property_count  ``ANTAL_FASTIGHETER``, ``ANTAL_FAST``, ``ANTALFAST``        (optional)
fastighet       ``FASTIGHET``, ``FASTIGHETSBETECKNING``, ``FASTBET``        (optional)
==============  ==============================================================

``BRANSCHKLASS`` (Naturvårdsverket's branschklass 1–4, 1 = highest risk of the
industry) is kept as ``industry_class``. A status containing *åtgärdad*, *KM* or
*MKM* also sets ``remediated``.

Two readers:

* :func:`candidates_from_ebh` — the objects *as* brownfield candidates (points become
  discs of ``buffer_m``, default 50 m, so ``area_ha`` is a placeholder).
* :func:`contaminated_sites_from_ebh` — the objects as points (role
  ``contaminated_sites``), which :func:`match_ebh_to_sites` joins to the candidate
  sites: a point counts for a site when it lies inside it or within ``within_m``
  (default :data:`MATCH_WITHIN_M`, 50 m: the point stands on one of the object's
  properties, not on the polluted spot). The pipeline does this when a catalog lists
  ``contaminated_sites``; matched sites get ``ebh_ids``, ``ebh_state``, a
  ``mifo_class`` where they had none (the worst class of the matched, unremediated
  objects), and ``contamination_status`` for the readiness classes (remediated /
  investigated / not_investigated). ``mifo_class`` then works in ``where``
  constraints, in the ``mifo_class`` class factor and in readiness.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.errors import LayerError
from siteselect.io.importers._common import column, read_source, resolve_fields, text

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id": ("EBH_ID", "OBJEKT_ID", "OBJEKTID", "OBJECT_ID", "ID"),
    "name": ("OBJEKTNAMN", "NAMN", "name"),
    "risk": ("RISKKLASS", "RISKKLASSNING", "MIFO_RISKKLASS", "mifo"),
    "industry": ("HUVUDBRANSCH", "BRANSCH", "BRANSCHNAMN"),
    "industry_cls": ("BRANSCHKLASS", "BRANSCHKLA"),
    "status": ("STATUS", "ATGARDSSTATUS", "ATGARDSSTA"),
    "municipality": ("KOMMUN", "KOMMUNNAMN"),
    "property_count": ("ANTAL_FASTIGHETER", "ANTAL_FAST", "ANTALFAST"),
    "fastighet": ("FASTIGHET", "FASTIGHETSBETECKNING", "FASTBET"),
}

#: EBH states written to ``ebh_state``.
EBH_STATES: tuple[str, ...] = ("riskklassad", "identifierad", "åtgärdad_km", "åtgärdad_mkm", "okänd")
#: Default distance within which an EBH point counts for a candidate site, metres.
MATCH_WITHIN_M = 50.0

_REMEDIATED = re.compile(r"åtgärdad|atgardad|\bKM\b|\bMKM\b", re.IGNORECASE)


def ebh_class(value: object) -> tuple[int | None, str]:
    """(MIFO risk class or None, EBH state) of a register value: 1–4, E, KM, MKM.

    Raises ValueError for a number outside 1–4 or text that names none of them.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None, "okänd"
    s = str(value).strip()
    if not s:
        return None, "okänd"
    u = s.upper()
    if u == "E" or s.lower().startswith(("ej", "ingen", "identifierad")):
        return None, "identifierad"
    if re.search(r"\bMKM\b", u):
        return None, "åtgärdad_mkm"
    if re.search(r"\bKM\b", u):
        return None, "åtgärdad_km"
    m = re.search(r"(\d+(?:\.0)?)", s)
    if not m:
        raise ValueError(s)
    n = int(float(m.group(1)))
    if not 1 <= n <= 4:
        raise ValueError(s)
    return n, "riskklassad"


def mifo_class(value: object) -> int | None:
    """MIFO risk class 1–4 from a register value; None for E / KM / MKM / unclassified / empty.

    Raises ValueError for a number outside 1–4 or text that names no class.
    """
    return ebh_class(value)[0]


def _classes(src: pd.DataFrame, field: str, *, path: str | Path, layer: str | None
             ) -> tuple[list[int | None], list[str]]:
    bad: list[str] = []
    classes: list[int | None] = []
    states: list[str] = []
    for v in src[field]:
        try:
            c, st = ebh_class(v)
        except ValueError:
            bad.append(str(v))
            c, st = None, "okänd"
        classes.append(c)
        states.append(st)
    if bad:
        raise LayerError(f"{path}" + (f" (layer '{layer}')" if layer else "") +
                         f": risk class values not understood in field '{field}': "
                         f"{sorted(set(bad))[:10]}. Expected 1–4, E, KM or MKM; map another "
                         "field (`fields: {risk: …}`) or filter them with `where`.")
    return classes, states


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
    encoding: str | None = None,
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
    encoding
        Text encoding (``cp1252`` for shapefiles without a ``.cpg`` file).

    Returns
    -------
    GeoDataFrame (EPSG:3006): site_id (``ebh-<id>``), name, municipality,
    area_ha, site_type, plan_status, plan_use (null), owner, mifo_class (Int64,
    null = E/KM/MKM/unclassified), source, industry, industry_class, status,
    remediated, ebh_state.

    Raises
    ------
    LayerError
        Risk class values that are not 1–4 / E (listed with the fix).
    """
    src = read_source(path, layer=layer, where=where, crs=crs, encoding=encoding)
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("id", "risk"),
                       source=str(path), layer=layer)
    classes, states = _classes(src, str(f["risk"]), path=path, layer=layer)
    status = text(column(src, f["status"]))
    remediated = _remediated(status, states)
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
        "ebh_state": states,
    }, geometry=geoms.to_numpy(), crs=src.crs)
    if exclude_remediated:
        out = out.loc[~remediated]
    return out.reset_index(drop=True)


def _remediated(status: pd.Series, states: list[str]) -> np.ndarray:
    by_status = np.array([bool(s) and bool(_REMEDIATED.search(s)) for s in status], dtype=bool)
    by_class = np.array([st.startswith("åtgärdad") for st in states], dtype=bool)
    return by_status | by_class


def contaminated_sites_from_ebh(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    encoding: str | None = None,
    within_m: float = MATCH_WITHIN_M,
) -> gpd.GeoDataFrame:
    """EBH objects as points (role ``contaminated_sites``), each value's meaning decoded.

    Parameters
    ----------
    path, layer, where, crs, fields, encoding
        As :func:`candidates_from_ebh`.
    within_m
        Distance within which the point counts for a candidate site (written to
        ``match_within_m`` on every point, read by :func:`match_ebh_to_sites`).

    Returns
    -------
    GeoDataFrame (EPSG:3006) of points: ebh_id, name, mifo_class (Int64), ebh_state
    (:data:`EBH_STATES`), remediated, industry, industry_class, status, municipality,
    property_count, fastighet, match_within_m. Polygons are reduced to a point inside.

    Raises
    ------
    MissingFieldError
        No id or risk field.
    LayerError
        Risk values other than 1–4 / E / KM / MKM, or a negative ``within_m``.
    """
    if not (np.isfinite(within_m) and within_m >= 0):
        raise LayerError(f"{path}: options.within_m must be ≥ 0 metres, got {within_m!r}.")
    src = read_source(path, layer=layer, where=where, crs=crs, encoding=encoding)
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("id", "risk"),
                       source=str(path), layer=layer)
    classes, states = _classes(src, str(f["risk"]), path=path, layer=layer)
    status = text(column(src, f["status"]))
    geoms = src.geometry
    not_point = ~geoms.geom_type.isin(["Point"]).to_numpy()
    if not_point.any():
        geoms = geoms.copy()
        geoms[not_point] = geoms[not_point].representative_point()
    return gpd.GeoDataFrame({
        "ebh_id": text(src[f["id"]]).to_numpy(),
        "name": text(column(src, f["name"])).to_numpy(),
        "mifo_class": pd.array(classes, dtype="Int64"),
        "ebh_state": states,
        "remediated": _remediated(status, states),
        "industry": text(column(src, f["industry"])).to_numpy(),
        "industry_class": pd.to_numeric(column(src, f["industry_cls"]), errors="coerce"
                                        ).astype("Int64").to_numpy(),
        "status": status.to_numpy(),
        "municipality": text(column(src, f["municipality"])).to_numpy(),
        "property_count": pd.to_numeric(column(src, f["property_count"]), errors="coerce"
                                        ).astype("Int64").to_numpy(),
        "fastighet": text(column(src, f["fastighet"])).to_numpy(),
        "match_within_m": float(within_m),
    }, geometry=geoms.to_numpy(), crs=src.crs).reset_index(drop=True)


def match_ebh_to_sites(sites: gpd.GeoDataFrame, ebh: gpd.GeoDataFrame, *,
                       within_m: float | None = None) -> gpd.GeoDataFrame:
    """Candidate sites with the EBH objects inside or near them (a new frame).

    Parameters
    ----------
    sites
        Candidate polygons (EPSG:3006); not modified.
    ebh
        Points from :func:`contaminated_sites_from_ebh` (same CRS).
    within_m
        Match distance, metres; default each point's ``match_within_m`` (else
        :data:`MATCH_WITHIN_M`).

    Returns
    -------
    GeoDataFrame
        ``sites`` plus ``ebh_ids`` (``;``-joined, null when none), ``ebh_count``,
        ``ebh_distance_m`` (0 inside), ``ebh_state`` (the worst: riskklassad >
        identifierad > okänd > åtgärdad_km > åtgärdad_mkm… see below) and
        ``contamination_status``; ``mifo_class`` is filled where it was null with
        the lowest (worst) class of the matched objects that are not remediated.

    Notes
    -----
    ``contamination_status``: ``investigated`` when a matched, unremediated object
    has a risk class; ``not_investigated`` when the only unremediated objects are
    E / unknown; ``remediated`` when every matched object is KM or MKM. An existing
    ``contamination_status`` of the site is kept.
    """
    out = sites.copy()
    n = len(out)
    ids: list[str | None] = [None] * n
    count = np.zeros(n, dtype=np.int64)
    dist = np.full(n, np.nan)
    state: list[str | None] = [None] * n
    status: list[str | None] = [None] * n
    worst: list[int | None] = [None] * n
    if len(ebh) and n:
        radius = (np.asarray(ebh["match_within_m"], dtype=float) if within_m is None
                  and "match_within_m" in ebh.columns
                  else np.full(len(ebh), MATCH_WITHIN_M if within_m is None else float(within_m)))
        pts = gpd.GeoDataFrame({"_p": np.arange(len(ebh))}, geometry=ebh.geometry.to_numpy(),
                               crs=ebh.crs)
        polys = gpd.GeoDataFrame({"_s": np.arange(n)}, geometry=out.geometry.to_numpy(), crs=out.crs)
        pairs = gpd.sjoin(pts, polys.set_geometry(polys.buffer(float(radius.max()))),
                          predicate="within", how="inner")
        if len(pairs):
            p = pairs["_p"].to_numpy()
            s = pairs["_s"].to_numpy()
            d = np.asarray(polys.geometry.iloc[s].distance(pts.geometry.iloc[p], align=False))
            keep = d <= radius[p] + 1e-9
            p, s, d = p[keep], s[keep], d[keep]
            rem = np.asarray(ebh["remediated"], dtype=bool)
            cls = ebh["mifo_class"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            st = np.asarray(ebh["ebh_state"], dtype=object)
            eid = np.asarray(ebh["ebh_id"], dtype=object)
            rank = {"riskklassad": 0, "identifierad": 1, "okänd": 2, "åtgärdad_km": 3,
                    "åtgärdad_mkm": 4}
            for site in np.unique(s):
                m = s == site
                pi = p[m]
                ids[site] = ";".join(sorted({str(eid[i]) for i in pi}))
                count[site] = int(m.sum())
                dist[site] = float(d[m].min())
                state[site] = min((str(st[i]) for i in pi), key=lambda x: rank.get(x, 2))
                live = [i for i in pi if not rem[i]]
                live_cls = [cls[i] for i in live if np.isfinite(cls[i])]
                worst[site] = int(min(live_cls)) if live_cls else None
                status[site] = ("remediated" if not live else
                                "investigated" if live_cls else "not_investigated")
    out["ebh_ids"] = pd.Series(ids, index=out.index, dtype=object)
    out["ebh_count"] = count
    out["ebh_distance_m"] = dist
    out["ebh_state"] = pd.Series(state, index=out.index, dtype=object)
    if "mifo_class" in out.columns:
        have = out["mifo_class"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        filled = [int(h) if np.isfinite(h) else w for h, w in zip(have, worst, strict=True)]
    else:
        filled = worst
    out["mifo_class"] = pd.array(filled, dtype="Int64")
    if "contamination_status" in out.columns:
        prev = out["contamination_status"].astype(object).tolist()
        status = [p if p is not None and not (isinstance(p, float) and np.isnan(p)) else s
                  for p, s in zip(prev, status, strict=True)]
    out["contamination_status"] = pd.Series(status, index=out.index, dtype=object)
    return out
