"""Trafikverket NVDB (from Lastkajen) → ``roads``.

NVDB keeps every attribute (*företeelsetyp*) as a stretch along the reference
network: a link id and a from/to measure on that link, per direction where the
rule has one. Lastkajen delivers it in two shapes, and both are read here (the
sources of every field name are in ``docs/data-sources.md``):

**Homogenised** (*Homogeniserad*, one layer, the default): Trafikverket has
already split the network wherever any attribute changes; each row is one
homogeneous stretch with ``ROUTE_ID``, ``FROM_MEASURE``, ``TO_MEASURE`` and one
column per attribute, named by short codes:

=====================  =========================================================  ============
key                    file fields looked for, in order                            meaning
=====================  =========================================================  ============
link_id                ``ROUTE_ID``, ``ELEMENT_ID``, ``RLID``                      link id
from_measure           ``FROM_MEASURE``, ``START_MEASURE``, ``STARTAVST``          from
to_measure             ``TO_MEASURE``, ``END_MEASURE``, ``SLUTAVST``               to
speed_forward          ``F_Hogst_225``    Hastighetsgräns, högsta tillåtna hastighet (F), km/h
speed_backward         ``B_Hogst_225``    the same (B)
function_class         ``Klass_181``      Funktionell vägklass 0 (most important) – 9
category               ``Kateg_380``      Vägkategori 1 europaväg, 2 riksväg, 3 primär länsväg, 4 övrig länsväg
road_number            ``Huvud_13``, ``Huvnr_556_1``     Vägnummer, huvudnummer
road_owner             ``Vagha_6``        Väghållartyp 1 statlig, 2 kommunal, 3 enskild
motorway               ``Motorvag``       Motorväg (flag)
motortrafikled         ``Motortrafikled`` Motortrafikled (flag)
forbidden_forward      ``F_ForbjudenFardriktning``, ``F_Forbjuden_fardriktning``  travel in (F) forbidden
forbidden_backward     ``B_ForbjudenFardriktning``, ``B_Forbjuden_fardriktning``  travel in (B) forbidden
bk_class               ``Barig_64``       Bärighetsklass 1–4 = BK1–BK4, 5 = BK4 särskilda villkor
gross_weight_forward   ``F_Hogst_24``     Begränsad bruttovikt (F), tonnes
gross_weight_backward  ``B_Hogst_24``     the same (B)
ban_forward            ``F_ForbudTrafik``, ``F_Forbud_mot_trafik``  Förbud mot trafik (F) (flag)
ban_backward           ``B_ForbudTrafik``, ``B_Forbud_mot_trafik``  the same (B)
ban_vehicle_forward    ``F_Gallar_135``   the ban's vehicle code (F)
ban_vehicle_backward   ``B_Gallar_135``   the same (B)
net_type               ``Vagtr_474``      Vägtrafiknät nättyp 1 bilnät, 2 cykel, 3 färja, 4 gång
=====================  =========================================================  ============

Only ``speed_forward`` and ``speed_backward`` are required; a missing optional
field leaves its output null (stated in ``attrs["nvdb"]["missing"]``).

**Linear-referenced** (one layer per företeelsetyp, ``attribute_layers=``): the
``layer`` holds the reference links (geometry + link id), and each attribute
layer — in the same file — has the link id, ``START_MEASURE`` /
``END_MEASURE`` (older files ``STARTAVST`` / ``SLUTAVST``), ``DIRECTION``
(``Riktning``: *Med*, *Mot*, *Med och mot*) and its value fields:

==================  ==================================================================
attribute key       value fields looked for
==================  ==================================================================
speed               ``Hogsta_tillatna_hastighet``, ``HTHAST`` (km/h; per direction)
function_class      ``Klass``, ``KLASS``
road_number         ``Huvudnummer``, ``HUVUDNR``; ``Europavag``, ``EUROPAVÄG`` (Ja/Nej)
road_owner          ``Vaghallartyp``, ``VAEHAALAYP`` (statlig / kommunal / enskild or 1–3)
motorway            (presence on the stretch)
motortrafikled      (presence on the stretch)
forbidden_direction (presence; ``DIRECTION`` says which direction is forbidden)
bk                  ``Barighetsklass``, ``BAEIGHTSSS`` ("BK 1" … "BK 4 - Särskilda villkor")
gross_weight        ``Hogsta_tillatna_bruttovikt``, ``BRUTTOVIKT`` (tonnes; per direction)
traffic_ban         ``Galler_fordon1``, ``FORDTYP1`` (vehicle named; per direction)
==================  ==================================================================

Each link is split at every from/to measure of every attribute layer, so every
output segment is homogeneous; on each piece every attribute takes the value of
the stretch that covers the piece's middle (several covering stretches: the
lowest speed / weight / carried BK weight, any lorry ban, the first value otherwise). Measures are fractions of
the link (0–1) unless ``measure_unit="m"``; a fraction above 1 is an error
naming that option. In this shape the road category follows from the road
number: *Europavag* → europaväg, 1–99 riksväg, 100–499 primär länsväg, 500 and
above övrig länsväg; without a number the road owner gives kommunal / enskild.

Output (both shapes), one row per homogeneous stretch, EPSG:3006: the role
fields ``road_id``, ``ref`` (``E18``, ``56``), ``road_class``, ``speed_kmh``,
``oneway`` (``speed_kmh`` is the limit along the digitised direction,
``speed_backward_kmh`` the one against it, null on one-way stretches),
``road_category``, ``road_number``, ``function_class``, ``road_owner``,
``motorway``, ``motortrafikled``, ``bk_class`` (1–4), ``bk_special_conditions``,
``max_gross_weight_t``, ``hgv_closed``, ``nvdb_link_id``, ``from_measure``,
``to_measure``.

* **One-way.** Travel forbidden against the digitised direction → ``oneway``;
  forbidden along it → the geometry is reversed, speeds swapped, ``oneway``.
  Forbidden both ways → dropped (counted).
* **speed_kmh** is the lower of the two directions' limits where both are
  allowed, the allowed direction's limit on a one-way stretch.
* **road_class**: ``motorway`` (Motorväg); ``trunk`` (motortrafikled, europaväg,
  riksväg); ``primary`` (primär länsväg, or functional class 0–2);
  ``secondary`` (övrig länsväg, class 3–4); ``tertiary`` (class 5–6);
  ``local`` otherwise.
* **hgv_closed**: a Förbud mot trafik whose vehicle is a lorry (vehicle code 90
  *lastbil*, 280 *tung lastbil*, text containing *lastbil*) or every vehicle /
  motor vehicle (40 *fordon*, 170 *motordrivna fordon*) in an allowed
  direction. Time windows and exemptions of a ban are not read: a ban counts
  at all times. Bans do not change the car network.
* Only ``net_type`` 1 (bilnät) is kept when the field is present (ferries,
  cycle and foot networks dropped, counted).

Counts of what was split, dropped and assumed go to ``attrs["nvdb"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.errors import LayerError
from siteselect.io.importers._common import read_source, resolve_fields
from siteselect.io.importers._nvdb_linear import ATTRIBUTE_FIELDS, linear_attributes
from siteselect.io.importers._nvdb_values import CATEGORY, is_hgv_ban, is_null, parse_bk, parse_owner, to_flag, to_number

__all__ = ["ASSUMED_FIELDS", "ATTRIBUTE_FIELDS", "roads_from_nvdb"]

log = logging.getLogger(__name__)

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "link_id": ("ROUTE_ID", "ELEMENT_ID", "RLID"),
    "from_measure": ("FROM_MEASURE", "START_MEASURE", "STARTAVST"),
    "to_measure": ("TO_MEASURE", "END_MEASURE", "SLUTAVST"),
    "speed_forward": ("F_Hogst_225",),
    "speed_backward": ("B_Hogst_225",),
    "function_class": ("Klass_181",),
    "category": ("Kateg_380",),
    "road_number": ("Huvud_13", "Huvnr_556_1"),
    "road_owner": ("Vagha_6",),
    "motorway": ("Motorvag",),
    "motortrafikled": ("Motortrafikled",),
    "forbidden_forward": ("F_ForbjudenFardriktning", "F_Forbjuden_fardriktning"),
    "forbidden_backward": ("B_ForbjudenFardriktning", "B_Forbjuden_fardriktning"),
    "bk_class": ("Barig_64",),
    "gross_weight_forward": ("F_Hogst_24",),
    "gross_weight_backward": ("B_Hogst_24",),
    "ban_forward": ("F_ForbudTrafik", "F_Forbud_mot_trafik"),
    "ban_backward": ("B_ForbudTrafik", "B_Forbud_mot_trafik"),
    "ban_vehicle_forward": ("F_Gallar_135",),
    "ban_vehicle_backward": ("B_Gallar_135",),
    "net_type": ("Vagtr_474",),
}


# --------------------------------------------------------------------------- entry point


def roads_from_nvdb(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    attribute_layers: Mapping[str, str] | None = None,
    measure_unit: str = "fraction",
) -> gpd.GeoDataFrame:
    """Roads with speeds per direction, road number and class, one-way and lorry rules from NVDB.

    Parameters
    ----------
    path
        The Lastkajen file (GeoPackage, FileGDB, shapefile …).
    layer
        Homogenised shape: the one layer (default: the file's first). Linear
        shape: the reference-link layer.
    fields
        ``{key: file_field}`` overriding assumed names (homogenised keys, or in
        the linear shape the reference keys ``link_id``, ``from_measure``,
        ``to_measure``, ``direction`` of the attribute layers and ``link_id``
        of the link layer).
    where, crs
        OGR SQL filter on ``layer``; CRS when the file states none.
    attribute_layers
        Linear shape: ``{attribute key: layer name}`` for the keys of
        :data:`ATTRIBUTE_FIELDS` (``speed`` is required). ``None`` reads the
        homogenised shape.
    measure_unit
        ``"fraction"`` (0–1 of the link, the default) or ``"m"`` (metres from
        the link's start).

    Returns
    -------
    GeoDataFrame (EPSG:3006), see the module docstring.

    Raises
    ------
    MissingFieldError
        A required field is missing (every problem of a layer in one message).
    LayerError
        Unknown attribute key or layer, a measure outside its link, a bad
        ``measure_unit``, or nothing drivable left.
    """
    if measure_unit not in ("fraction", "m"):
        raise LayerError(f"{path}: options.measure_unit must be 'fraction' or 'm', got "
                         f"{measure_unit!r}.")
    src = read_source(path, layer=layer, where=where, crs=crs)
    if attribute_layers is None:
        logical, report = _homogenised(src, fields, source=str(path), layer=layer)
    else:
        logical, report = linear_attributes(path, src, attribute_layers, fields, measure_unit=measure_unit,
                                  layer=layer)
    out = _to_roads(logical, report, source=str(path), layer=layer)
    out.attrs["nvdb"] = report
    return out


# --------------------------------------------------------------------------- homogenised


def _homogenised(src: gpd.GeoDataFrame, fields: Mapping[str, str] | None, *, source: str,
                 layer: str | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("speed_forward", "speed_backward"),
                       source=source, layer=layer)
    n = len(src)

    def col(key: str) -> list[Any]:
        name = f[key]
        return [None] * n if name is None else src[name].astype(object).tolist()

    bk = [parse_bk(v) for v in col("bk_class")]
    number = np.array([to_number(v) for v in col("road_number")])
    logical = pd.DataFrame({
        "link_id": col("link_id"),
        "from_measure": [to_number(v) for v in col("from_measure")],
        "to_measure": [to_number(v) for v in col("to_measure")],
        "speed_f": [to_number(v) for v in col("speed_forward")],
        "speed_b": [to_number(v) for v in col("speed_backward")],
        "function_class": [to_number(v) for v in col("function_class")],
        "category": [CATEGORY.get(int(c)) if np.isfinite(c) else None
                     for c in (to_number(v) for v in col("category"))],
        "road_number": number,
        "road_owner": [parse_owner(v) for v in col("road_owner")],
        "motorway": [to_flag(v) for v in col("motorway")],
        "motortrafikled": [to_flag(v) for v in col("motortrafikled")],
        "forbidden_f": [to_flag(v) for v in col("forbidden_forward")],
        "forbidden_b": [to_flag(v) for v in col("forbidden_backward")],
        "bk_class": [b[0] for b in bk],
        "bk_special": [b[1] for b in bk],
        "weight_f": [to_number(v) for v in col("gross_weight_forward")],
        "weight_b": [to_number(v) for v in col("gross_weight_backward")],
        "ban_f": [to_flag(b) and is_hgv_ban(v) for b, v in zip(col("ban_forward"),
                                                           col("ban_vehicle_forward"), strict=True)],
        "ban_b": [to_flag(b) and is_hgv_ban(v) for b, v in zip(col("ban_backward"),
                                                           col("ban_vehicle_backward"), strict=True)],
        "net_type": [to_number(v) for v in col("net_type")],
    }, index=src.index)
    logical = gpd.GeoDataFrame(logical, geometry=src.geometry.to_numpy(), crs=src.crs)
    report: dict[str, Any] = {
        "shape": "homogenised", "rows": n,
        "missing": sorted(k for k, v in f.items() if v is None),
    }
    return logical, report


# --------------------------------------------------------------------------- linear-referenced


# --------------------------------------------------------------------------- to the roads role


def _column(frame: pd.DataFrame, name: str, default: Any) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy()
    return np.full(len(frame), default, dtype=object if default is None else type(default))


def _to_roads(lg: pd.DataFrame, report: dict[str, Any], *, source: str, layer: str | None
              ) -> gpd.GeoDataFrame:
    net = np.asarray(_column(lg, "net_type", np.nan), dtype=float)
    off_net = np.isfinite(net) & (net != 1)
    ff = np.asarray(_column(lg, "forbidden_f", False), dtype=bool)
    fb = np.asarray(_column(lg, "forbidden_b", False), dtype=bool)
    both = ff & fb
    geom = np.asarray(lg.geometry.values, dtype=object)
    no_geom = np.array([g is None or g.is_empty for g in geom], dtype=bool)
    keep = ~off_net & ~both & ~no_geom
    report["dropped"] = {"not_bilnat": int(off_net.sum()), "forbidden_both_directions":
                         int((both & ~off_net).sum()), "no_geometry": int(no_geom.sum())}
    lg = lg.loc[keep]
    geom, ff, fb = geom[keep], ff[keep], fb[keep]
    if len(lg) == 0:
        where = source + (f" (layer '{layer}')" if layer else "")
        raise LayerError(f"{where}: no drivable NVDB stretch left (dropped {report['dropped']}). "
                         "Check that the layer is the car network (Vägtrafiknät nättyp 1).")
    sf = np.asarray(lg["speed_f"], dtype=float)
    sb = np.asarray(lg["speed_b"], dtype=float)
    wf = np.asarray(_column(lg, "weight_f", np.nan), dtype=float)
    wb = np.asarray(_column(lg, "weight_b", np.nan), dtype=float)
    bf = np.asarray(_column(lg, "ban_f", False), dtype=bool)
    bb = np.asarray(_column(lg, "ban_b", False), dtype=bool)
    # travel along the geometry forbidden: reverse it and swap the directional values
    rev = ff & ~fb
    geom = geom.copy()
    if rev.any():
        geom[rev] = shapely.reverse(geom[rev])
    sf, sb = np.where(rev, sb, sf), np.where(rev, sf, sb)
    wf, wb = np.where(rev, wb, wf), np.where(rev, wf, wb)
    bf, bb = np.where(rev, bb, bf), np.where(rev, bf, bb)
    oneway = ff ^ fb
    with np.errstate(invalid="ignore"):
        speed = np.where(oneway, sf, np.fmin(sf, sb))
        weight = np.where(oneway, wf, np.fmin(wf, wb))
    hgv_closed = np.where(oneway, bf, bf | bb)

    fc = np.asarray(_column(lg, "function_class", np.nan), dtype=float)
    cat = list(_column(lg, "category", None))
    owner = list(_column(lg, "road_owner", None))
    category = [c if c is not None else (o if o in ("kommunal", "enskild") else None)
                for c, o in zip(cat, owner, strict=True)]
    number = np.asarray(_column(lg, "road_number", np.nan), dtype=float)
    mw = np.asarray(_column(lg, "motorway", False), dtype=bool)
    mtl = np.asarray(_column(lg, "motortrafikled", False), dtype=bool)
    road_class = []
    for c, k, m, t in zip(cat, fc, mw, mtl, strict=True):
        if m:
            road_class.append("motorway")
        elif t or c in ("europaväg", "riksväg"):
            road_class.append("trunk")
        elif c == "primär länsväg" or (np.isfinite(k) and k <= 2):
            road_class.append("primary")
        elif c == "övrig länsväg" or (np.isfinite(k) and k <= 4):
            road_class.append("secondary")
        elif np.isfinite(k) and k <= 6:
            road_class.append("tertiary")
        else:
            road_class.append("local")
    ref = [None if not np.isfinite(n) or n <= 0 else (f"E{int(n)}" if c == "europaväg" else str(int(n)))
           for n, c in zip(number, cat, strict=True)]
    link = [None if is_null(v) else str(int(v)) if isinstance(v, float) and float(v).is_integer()
            else str(v) for v in _column(lg, "link_id", None)]
    m0 = np.asarray(_column(lg, "from_measure", np.nan), dtype=float)
    m1 = np.asarray(_column(lg, "to_measure", np.nan), dtype=float)
    road_id = [f"{lk}@{a:.6g}-{b:.6g}" if lk is not None and np.isfinite(a) and np.isfinite(b)
               else f"nvdb-{i}" for i, (lk, a, b) in enumerate(zip(link, m0, m1, strict=True))]
    if len(set(road_id)) != len(road_id):  # repeated stretches: keep ids unique
        road_id = [f"{r}#{i}" for i, r in enumerate(road_id)]

    def nullable(a: np.ndarray) -> list[float | None]:
        return [float(x) if np.isfinite(x) else None for x in a]

    out = gpd.GeoDataFrame({
        "road_id": road_id, "ref": ref, "road_class": road_class,
        # the network's convention: speed_kmh along the line, speed_backward_kmh against it
        "speed_kmh": nullable(np.where(np.isfinite(sf), sf, speed)), "oneway": oneway.astype(bool),
        "speed_backward_kmh": nullable(np.where(oneway, np.nan, np.where(np.isfinite(sb), sb, speed))),
        "road_category": category, "road_number": [None if r is None else int(n) for r, n
                                                   in zip(ref, number, strict=True)],
        "function_class": [int(k) if np.isfinite(k) else None for k in fc],
        "road_owner": owner, "motorway": mw, "motortrafikled": mtl,
        "bk_class": [int(b) if np.isfinite(b) else None
                     for b in np.asarray(_column(lg, "bk_class", np.nan), dtype=float)],
        "bk_special_conditions": np.asarray(_column(lg, "bk_special", False), dtype=bool),
        "max_gross_weight_t": nullable(weight), "hgv_closed": hgv_closed.astype(bool),
        "nvdb_link_id": link, "from_measure": nullable(m0), "to_measure": nullable(m1),
    }, geometry=list(geom), crs=lg.crs)
    report["segments"] = len(out)
    report["oneway_reversed"] = int(rev.sum())
    report["speed_unknown"] = int((~np.isfinite(speed)).sum())
    return out

