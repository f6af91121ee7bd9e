"""Detaljplaner (detailed development plans) → ``candidates``.

Reads plan areas or use areas (användningsbestämmelser) exported from
Lantmäteriet's "Detaljplan" product (national specification for detaljplan,
v4.1, 2023) or a municipal plan system, and keeps the plans whose use codes
allow industry.

Assumed source fields (case-insensitive; override with ``fields=``):

=============  =================================================================
key            file fields looked for, in order
=============  =================================================================
plan_id        ``planidentitet``, ``plan_id``, ``planid``, ``nyckel``, ``akt``,
               ``aktbeteckning``
name           ``plannamn``, ``namn``, ``name``, ``benamning``, ``beteckning``
status         ``status``, ``planstatus``, ``plan_status``
use            ``anvandning``, ``användning``, ``anvandningsbestammelse``,
               ``bestammelse``, ``planbestammelse``, ``kod``, ``plan_use``
legal_date     ``lagakraftdatum``, ``laga_kraft``, ``datum_laga_kraft``,
               ``lagakraft``                                     (optional)
municipality   ``kommun``, ``kommunnamn``, ``municipality``      (optional)
owner          ``agare``, ``ägare``, ``owner``, ``markagare``    (optional)
=============  =================================================================

Status → ``plan_status``: values containing *gällande*, *laga kraft* or
*lagakraft* → ``gällande``; *pågående*, *samråd*, *granskning*, *utställning*,
*antagen* (adopted, not yet legal force), *under arbete*, *planuppdrag* →
``pågående``; *upphävd*, *ersatt*, *avbruten* → dropped. A row with no status
but a legal-force date is ``gällande``; any other status raises an error
listing the values.

Use codes: each value is split on ``,`` ``;`` ``/`` and whitespace; a code is its
leading capital letter (``J1`` → ``J``, ``Z`` → ``Z``), so Boverket's catalogue
and the national specification both work (J industri, Z verksamheter, E
tekniska anläggningar, T trafik, H detaljhandel, K kontor). Rows of one plan are
merged; ``plan_use`` lists the plan's codes in first-seen order (``"J,Z"``).
A plan is kept when it has any of ``uses`` (default J, Z, E).

Owner values ``kommun``/``kommunal``, ``privat``, ``stat``/``statlig`` are normalised;
other values pass through (validation then lists them). Plans without an owner get
the ``owner`` option (default ``okänd``; in a catalog: ``options: {owner: kommunal}``).
The municipality comes from the field or the ``municipality`` option.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.errors import LayerError
from siteselect.io.importers._common import column, read_source, resolve_fields, text

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "plan_id": ("planidentitet", "plan_id", "planid", "nyckel", "akt", "aktbeteckning"),
    "name": ("plannamn", "namn", "name", "benamning", "beteckning"),
    "status": ("status", "planstatus", "plan_status"),
    "use": ("anvandning", "användning", "anvandningsbestammelse", "bestammelse",
            "planbestammelse", "kod", "plan_use"),
    "legal_date": ("lagakraftdatum", "laga_kraft", "datum_laga_kraft", "lagakraft"),
    "municipality": ("kommun", "kommunnamn", "municipality"),
    "owner": ("agare", "ägare", "owner", "markagare"),
}

_IN_FORCE = ("gällande", "gallande", "laga kraft", "lagakraft", "i kraft")
_ONGOING = ("pågående", "pagaende", "samråd", "samrad", "granskning", "utställning",
            "utstallning", "antagen", "under arbete", "planuppdrag", "planarbete")
_GONE = ("upphävd", "upphavd", "ersatt", "avbruten", "avskriven")
_OWNER = {"kommun": "kommunal", "kommunal": "kommunal", "privat": "privat",
          "stat": "statlig", "statlig": "statlig", "okänd": "okänd", "okand": "okänd"}
_SPLIT = re.compile(r"[,;/\s]+")


def _status(value: str | None, has_date: bool) -> str | None:
    if value is None:
        return "gällande" if has_date else "?"
    v = value.lower()
    if any(w in v for w in _GONE):
        return None
    if any(w in v for w in _IN_FORCE):
        return "gällande"
    if any(w in v for w in _ONGOING):
        return "pågående"
    return "?"


def _first(values: Iterable[object]) -> str | None:
    """First non-empty string (NaN and None skipped)."""
    return next((v for v in values if isinstance(v, str) and v), None)


def use_codes(value: object) -> list[str]:
    """Use codes of one value: ``'J1, Z'`` → ``['J', 'Z']``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    out: list[str] = []
    for token in _SPLIT.split(str(value)):
        m = re.match(r"\(?([A-ZÅÄÖ])", token.strip())
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def candidates_from_detaljplan(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    uses: Sequence[str] = ("J", "Z", "E"),
    municipality: str | None = None,
    owner: str = "okänd",
) -> gpd.GeoDataFrame:
    """Candidate sites from detaljplaner that allow industry.

    Parameters
    ----------
    path, layer, where, crs
        File, layer, OGR SQL filter, CRS when the file states none.
    fields
        ``{key: file_field}`` overriding the assumed fields (module docstring).
    uses
        Use codes that make a plan a candidate.
    municipality
        Municipality name for every plan when the file has no such field.
    owner
        Owner for plans whose owner field is absent or empty (one of
        kommunal, privat, statlig, okänd).

    Returns
    -------
    GeoDataFrame (EPSG:3006): site_id (``dp-<plan_id>``), name, municipality,
    area_ha, site_type (``detaljplan``), plan_status, plan_use, owner,
    mifo_class (null), source, plan_id, legal_date.

    Raises
    ------
    MissingFieldError
        plan id or use field not found.
    LayerError
        Unrecognised status values (listed), or no plan with the wanted uses.
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("plan_id", "use"),
                       source=str(path), layer=layer)
    where_txt = f"{path}" + (f" (layer '{layer}')" if layer else "")
    legal = text(column(src, f["legal_date"]))
    raw_status = text(column(src, f["status"]))
    status = [_status(s, d is not None) for s, d in zip(raw_status, legal, strict=True)]
    unknown = sorted({str(s) for s, st in zip(raw_status, status, strict=True) if st == "?"})
    if unknown:
        raise LayerError(f"{where_txt}: plan status values not understood: {unknown}. Expected "
                         "gällande / laga kraft / pågående / samråd / granskning / antagen / "
                         "upphävd; filter with `where` or recode them.")
    df = pd.DataFrame({
        "plan_id": text(src[f["plan_id"]]).to_numpy(),
        "name": text(column(src, f["name"])).to_numpy(),
        "plan_status": status,
        "codes": [use_codes(v) for v in column(src, f["use"])],
        "legal_date": legal.to_numpy(),
        "municipality": text(column(src, f["municipality"], municipality)).to_numpy(),
        "owner": text(column(src, f["owner"])).to_numpy(),
        "geometry": src.geometry.to_numpy(),
    })
    df = df[df["plan_status"].notna() & df["plan_id"].notna()]
    wanted = set(uses)
    rows = []
    for pid, grp in df.groupby("plan_id", sort=False):
        codes: list[str] = []
        for cs in grp["codes"]:
            codes.extend(c for c in cs if c not in codes)
        if not wanted & set(codes):
            continue
        # the part of the plan that allows the wanted uses
        parts = grp[[bool(wanted & set(cs)) for cs in grp["codes"]]]
        geom = shapely.union_all(parts["geometry"].to_numpy())
        owner_raw = _first(grp["owner"])
        site_owner = _OWNER.get(owner_raw.lower(), owner_raw) if owner_raw else owner
        rows.append({
            "site_id": f"dp-{pid}",
            "name": _first(grp["name"]) or f"Detaljplan {pid}",
            "municipality": _first(grp["municipality"]),
            "site_type": "detaljplan",
            "plan_status": "gällande" if "gällande" in set(grp["plan_status"]) else "pågående",
            "plan_use": ",".join(codes),
            "owner": site_owner,
            "mifo_class": None,
            "source": f"detaljplan:{Path(path).name}",
            "plan_id": pid,
            "legal_date": _first(grp["legal_date"]),
            "geometry": geom,
        })
    if not rows:
        raise LayerError(f"{where_txt}: no plan has any of the use codes {sorted(wanted)} "
                         f"(found {sorted({c for cs in df['codes'] for c in cs})}). Check the "
                         "use field (`fields: {use: FILE_FIELD}`) or the `uses` option.")
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=src.crs)
    out.insert(3, "area_ha", out.geometry.area.to_numpy() / 10_000.0)
    out["mifo_class"] = pd.array([None] * len(out), dtype="Int64")
    return out
