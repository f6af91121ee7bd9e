"""Detaljplaner in the national format (Nationella geodataplattformen, Detaljplan v4.x) → ``candidates``.

Lantmäteriet's national information specification for detaljplan (4.1) delivers a plan
as JSON domain objects, media type ``application/vnd.lm.detaljplan.v4+json``: a
``FeatureCollection`` whose features carry ``feature:typ`` (sources in
``docs/data-sources.md``):

``detaljplan``
    ``objektidentitet`` (UUID), ``kommun``, ``beteckning``, ``namn``, ``syfte``,
    ``status`` (påbörjad, samråd, granskning, antagen, överklagad, tillsyn, laga kraft,
    upphävd, avslutad), ``datumStatusforandring``, ``typ``, ``plangeometri`` and
    ``beslutsinformation`` (a list; each with ``datumAntagande`` and
    ``datumLagakraft``, a list of dates).
``användningsbestämmelse`` / ``egenskapsbestämmelse``
    ``detaljplan`` (the plan's ``objektidentitet``), ``planbestammelsekatalogreferens``
    (UUID of the provision in Boverket's planbestämmelsekatalog),
    ``bestammelseformulering`` (its wording, e.g. "Industri") and
    ``bestammelsegeometri``.

Geometries are nested, not in the GeoJSON ``geometry`` member: ``plangeometri`` and
``bestammelsegeometri`` are lists of ``{"geometri": {"typ": "yta", "position":
{"type": "Polygon", "coordinates": …}, "koordinatsystemPlan": "EPSG:3006"}}``, one entry
per part (the format has no multi-geometries). A feature whose ``geometry`` member is set
(an OGC API Features response) is read from there, in the CRS the file states.

Use codes: the delivery has no letter code. A use provision's code is the catalogue's
*beteckning* when ``catalog=`` names Boverket's planbestämmelsekatalog (JSON with
``entries`` of ``id`` and ``beteckning``, as published by Boverket); otherwise its
wording is matched against Boverket's use names (:data:`USE_CODES`: "Industri" J,
"Verksamheter" Z, "Tekniska anläggningar" E …). A wording that matches nothing gets no code
and is listed in ``attrs["ngp"]["unmapped"]``.

Status → ``plan_status``: laga kraft → ``gällande``; påbörjad, samråd, granskning,
antagen, överklagad, tillsyn → ``pågående``; upphävd, avslutad → dropped. A plan is a
candidate when any of its use provisions has one of ``uses`` (default J, Z, E); its site is
the union of those provisions' areas. Older municipal GeoPackage exports keep their reader,
:func:`siteselect.io.importers.detaljplan.candidates_from_detaljplan`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from siteselect.errors import LayerError
from siteselect.io.work_crs import to_work_crs

__all__ = ["PLAN_STATUS", "USE_CODES", "candidates_from_ngp_detaljplan"]

#: Planstatus (codelist of the specification) → plan_status; None = dropped.
PLAN_STATUS: Mapping[str, str | None] = {
    "påbörjad": "pågående", "samråd": "pågående", "granskning": "pågående", "antagen": "pågående",
    "överklagad": "pågående", "tillsyn": "pågående", "laga kraft": "gällande",
    "upphävd": None, "avslutad": None,
}

#: Boverket's names of kvartersmark uses → their letter (checked against Boverket's catalogue for
#: Industri J, Detaljhandel H, Drivmedel G, Besöksanläggningar R; the others as Boverket's
#: allmänna råd letter them). Matched at the start of the wording, longest name first.
USE_CODES: Mapping[str, str] = {
    "industri": "J", "verksamheter": "Z", "tekniska anläggningar": "E", "trafik": "T",
    "detaljhandel": "H", "drivmedel": "G", "kontor": "K", "bostäder": "B", "centrum": "C",
    "skola": "S", "vård": "D", "besöksanläggningar": "R", "tillfällig vistelse": "O",
    "parkering": "P",
}

_USE = "användningsbestämmelse"
_PLAN = "detaljplan"


def _code(wording: str | None, ref: str | None, catalog: Mapping[str, str]) -> str | None:
    if ref and ref in catalog:
        m = re.match(r"([A-ZÅÄÖ])", catalog[ref])
        if m:
            return m.group(1)
    if not wording:
        return None
    w = wording.strip().lower()
    for name in sorted(USE_CODES, key=len, reverse=True):
        if w.startswith(name):
            return USE_CODES[name]
    return None


def _read_catalog(path: str | Path) -> dict[str, str]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LayerError(f"{p}: Boverket's planbestämmelsekatalog cannot be read ({exc}); give the "
                         "catalogue JSON (entries with id and beteckning) or leave `catalog` out.") from exc
    entries = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise LayerError(f"{p}: no `entries` list; expected Boverket's planbestämmelsekatalog JSON.")
    return {str(e["id"]): str(e.get("beteckning") or "") for e in entries
            if isinstance(e, dict) and e.get("id")}


def _parts(descriptions: Any, source: str) -> tuple[list[shapely.Geometry], set[str]]:
    """Polygons of a ``plangeometri`` / ``bestammelsegeometri`` list and the CRS they state."""
    geoms: list[shapely.Geometry] = []
    crs: set[str] = set()
    for item in descriptions or []:
        geo = (item or {}).get("geometri") or {}
        pos = geo.get("position") or {}
        if pos.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        try:
            g = shapely.geometry.shape(pos)
        except (ValueError, TypeError, IndexError) as exc:
            raise LayerError(f"{source}: a geometry cannot be read ({exc}).") from exc
        geoms.append(g)
        if geo.get("koordinatsystemPlan"):
            crs.add(str(geo["koordinatsystemPlan"]))
    return geoms, crs


def _latest(dates: Any) -> str | None:
    vals = [str(d) for d in (dates if isinstance(dates, list) else [dates]) if d]
    return max(vals) if vals else None


def candidates_from_ngp_detaljplan(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    uses: Sequence[str] = ("J", "Z", "E"),
    catalog: str | Path | None = None,
    owner: str = "okänd",
) -> gpd.GeoDataFrame:
    """Candidate sites from a national-format detaljplan delivery (JSON).

    Parameters
    ----------
    path
        A ``.json`` file: one delivery (``FeatureCollection``), or a saved OGC API
        Features response (download every page first; ``next`` links are not followed).
    layer, fields, where
        Not used by this format (the catalog passes them; giving one is an error).
    crs
        CRS when the file states none (default EPSG:3006, the specification's).
    uses
        Use codes that make a plan a candidate.
    catalog
        Boverket's planbestämmelsekatalog JSON, to code provisions by their
        ``planbestammelsekatalogreferens``.
    owner
        Owner of every site (the format has none); default ``okänd``.

    Returns
    -------
    GeoDataFrame (EPSG:3006): site_id (``dp-<beteckning or id>``, characters other
    than letters, digits, ``.``, ``-`` and ``_`` replaced by ``_``), name, municipality (the
    kommun code), area_ha, site_type, plan_status, plan_use, owner, mifo_class (null),
    source, plan_id, plan_status_ngp, adopted_date, legal_date.

    Raises
    ------
    LayerError
        Not a delivery of this format, a status outside the codelist, a provision of an
        unknown plan, or no plan with the wanted uses.
    """
    p = Path(path)
    if layer or fields or where:
        raise LayerError(f"{p}: format ngp_detaljplan reads the whole JSON delivery; remove "
                         "`layer`, `fields` and `where` from the catalog entry.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LayerError(f"{p}: cannot be read as JSON ({exc}). Expected a detaljplan delivery "
                         "(application/vnd.lm.detaljplan.v4+json).") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LayerError(f"{p}: not a FeatureCollection; expected a detaljplan delivery "
                         "(application/vnd.lm.detaljplan.v4+json) or an OGC API Features response.")
    features = [f for f in data.get("features") or [] if isinstance(f, dict)]
    cat = _read_catalog(catalog) if catalog is not None else {}
    plans: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    states: set[str] = set()
    crs_seen: set[str] = set()
    for f in features:
        props = f.get("properties") or {}
        if props.get("feature:typ") != _PLAN:
            continue
        pid = str(props.get("objektidentitet") or "")
        raw = str(props.get("status") or "").strip().lower()
        if raw not in PLAN_STATUS:
            states.add(str(props.get("status")))
        decisions = [d for d in props.get("beslutsinformation") or [] if isinstance(d, dict)]
        plans[pid] = {
            "props": props, "status": PLAN_STATUS.get(raw), "raw_status": props.get("status"),
            "legal": _latest([x for d in decisions for x in (d.get("datumLagakraft") or [])]),
            "adopted": _latest([d.get("datumAntagande") for d in decisions]),
            "uses": [],
        }
    if not plans:
        raise LayerError(f"{p}: no feature with feature:typ = detaljplan; not a detaljplan delivery.")
    if states:
        problems.append(f"plan status value(s) {sorted(states)} are not in the specification's "
                        f"codelist ({', '.join(PLAN_STATUS)})")
    unmapped: set[str] = set()
    orphans = 0
    for f in features:
        props = f.get("properties") or {}
        if props.get("feature:typ") != _USE:
            continue
        pid = str(props.get("detaljplan") or "")
        if pid not in plans:
            orphans += 1
            continue
        wording = props.get("bestammelseformulering")
        code = _code(wording, props.get("planbestammelsekatalogreferens"), cat)
        if code is None:
            unmapped.add(str(wording))
        if f.get("geometry"):
            geoms = [shapely.geometry.shape(f["geometry"])]
        else:
            geoms, crs_part = _parts(props.get("bestammelsegeometri"), str(p))
            crs_seen |= crs_part
        plans[pid]["uses"].append((code, geoms))
    if orphans:
        problems.append(f"{orphans} användningsbestämmelse(r) name a detaljplan that is not in the file")
    if len(crs_seen) > 1:
        problems.append(f"geometries in several CRS {sorted(crs_seen)}; deliver one plan CRS")
    if problems:
        raise LayerError(f"{p}: " + "; ".join(problems) + ".")
    wanted = set(uses)
    rows = []
    for pid, plan in plans.items():
        if plan["status"] is None:
            continue
        codes: list[str] = []
        for code, _ in plan["uses"]:
            if code is not None and code not in codes:
                codes.append(code)
        parts = [g for code, gs in plan["uses"] if code in wanted for g in gs]
        if not parts:
            continue
        props = plan["props"]
        label = props.get("beteckning") or pid
        rows.append({
            "site_id": "dp-" + re.sub(r"[^\w.-]+", "_", str(label)), "name": props.get("namn") or f"Detaljplan {label}",
            "municipality": props.get("kommun"), "site_type": "detaljplan",
            "plan_status": plan["status"], "plan_use": ",".join(codes), "owner": owner,
            "mifo_class": None, "source": f"ngp_detaljplan:{p.name}", "plan_id": pid,
            "plan_status_ngp": plan["raw_status"], "adopted_date": plan["adopted"],
            "legal_date": plan["legal"], "geometry": shapely.union_all(parts),
        })
    if not rows:
        found = sorted({c for pl in plans.values() for c, _ in pl["uses"] if c})
        raise LayerError(f"{p}: no plan in force or in progress has any of the use codes "
                         f"{sorted(wanted)} (found {found}; wordings without a code: "
                         f"{sorted(unmapped)[:10]}). Give Boverket's catalogue (`options: "
                         "{catalog: …}`) or change `uses`.")
    stated = next(iter(crs_seen), None) or (crs if crs is not None else "EPSG:3006")
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=stated)
    out = to_work_crs(out, source=str(p))
    out.insert(3, "area_ha", out.geometry.area.to_numpy() / 10_000.0)
    out["mifo_class"] = pd.array([None] * len(out), dtype="Int64")
    for col in ("legal_date", "adopted_date", "plan_status_ngp", "municipality"):
        out[col] = pd.Series([v if isinstance(v, str) else None for v in out[col]], index=out.index,
                             dtype=object)
    out.attrs["ngp"] = {"plans": len(plans), "candidates": len(out), "unmapped": sorted(unmapped)}
    return out
