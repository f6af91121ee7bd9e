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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from siteselect.core.vehicles import BK_MAX_GROSS_WEIGHT_T
from siteselect.errors import LayerError
from siteselect.io.importers._common import read_source, resolve_fields

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

#: Fields of one linear-referenced attribute layer: the reference, then the values.
_REF_FIELDS: Mapping[str, tuple[str, ...]] = {
    "link_id": ("ELEMENT_ID", "RLID", "ROUTE_ID"),
    "from_measure": ("START_MEASURE", "STARTAVST", "FROM_MEASURE"),
    "to_measure": ("END_MEASURE", "SLUTAVST", "TO_MEASURE"),
    "direction": ("DIRECTION", "RIKTNING", "Riktning"),
}

#: Value fields per attribute layer key (linear-referenced shape), required ones first.
ATTRIBUTE_FIELDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "speed": {"value": ("Hogsta_tillatna_hastighet", "HTHAST")},
    "function_class": {"value": ("Klass", "KLASS")},
    "road_number": {"value": ("Huvudnummer", "HUVUDNR"), "european": ("Europavag", "EUROPAVÄG")},
    "road_owner": {"value": ("Vaghallartyp", "VAEHAALAYP")},
    "motorway": {},
    "motortrafikled": {},
    "forbidden_direction": {},
    "bk": {"value": ("Barighetsklass", "BAEIGHTSSS")},
    "gross_weight": {"value": ("Hogsta_tillatna_bruttovikt", "BRUTTOVIKT")},
    "traffic_ban": {"value": ("Galler_fordon1", "FORDTYP1")},
}
_OPTIONAL_VALUES = {("road_number", "european")}

_CATEGORY = {1: "europaväg", 2: "riksväg", 3: "primär länsväg", 4: "övrig länsväg"}
_OWNER = {1: "statlig", 2: "kommunal", 3: "enskild"}
#: Förbud mot trafik vehicle codes that close a road to a heavy lorry (see module docstring).
_HGV_BAN_CODES = {40, 90, 170, 280}
_HGV_BAN_TEXT = re.compile(r"lastbil|^fordon$|motordrivna fordon", re.IGNORECASE)
_EPS = 1e-9


# --------------------------------------------------------------------------- value parsing


def _is_null(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _num(v: object) -> float:
    if _is_null(v):
        return np.nan
    try:
        return float(str(v).replace(",", "."))
    except ValueError:
        return np.nan


def _flag(v: object) -> bool:
    """NVDB flags: any non-zero number (Esri booleans are 1 or -1), or ja / true / yes."""
    if _is_null(v):
        return False
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("ja", "true", "yes", "j"):
        return True
    n = _num(s)
    return bool(np.isfinite(n) and n != 0)


def _bk(v: object) -> tuple[float, bool]:
    """(class 1–4 or nan, särskilda villkor) from a code (1–5) or text ("BK 4 - Särskilda villkor")."""
    if _is_null(v):
        return np.nan, False
    s = str(v)
    special = "villkor" in s.lower()
    m = re.search(r"\d+", s)
    if m is None:
        return np.nan, False
    k = int(m.group())
    if k == 5:  # homogenised code 5 = BK4 särskilda villkor
        return 4.0, True
    if 1 <= k <= 4:
        return float(k), special
    return np.nan, False


def _owner(v: object) -> str | None:
    if _is_null(v):
        return None
    n = _num(v)
    if np.isfinite(n):
        return _OWNER.get(int(n))
    s = str(v).strip().lower()
    return next((name for name in _OWNER.values() if s.startswith(name[:5])), None)


def _hgv_ban(v: object) -> bool:
    if _is_null(v):
        return False
    n = _num(v)
    if np.isfinite(n):
        return int(n) in _HGV_BAN_CODES
    return bool(_HGV_BAN_TEXT.search(str(v).strip()))


def _category_from_number(number: float, european: bool) -> str | None:
    if european:
        return "europaväg"
    if not np.isfinite(number) or number <= 0:
        return None
    if number < 100:
        return "riksväg"
    return "primär länsväg" if number < 500 else "övrig länsväg"


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
        logical, report = _linear(path, src, attribute_layers, fields, measure_unit=measure_unit,
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

    bk = [_bk(v) for v in col("bk_class")]
    number = np.array([_num(v) for v in col("road_number")])
    logical = pd.DataFrame({
        "link_id": col("link_id"),
        "from_measure": [_num(v) for v in col("from_measure")],
        "to_measure": [_num(v) for v in col("to_measure")],
        "speed_f": [_num(v) for v in col("speed_forward")],
        "speed_b": [_num(v) for v in col("speed_backward")],
        "function_class": [_num(v) for v in col("function_class")],
        "category": [_CATEGORY.get(int(c)) if np.isfinite(c) else None
                     for c in (_num(v) for v in col("category"))],
        "road_number": number,
        "road_owner": [_owner(v) for v in col("road_owner")],
        "motorway": [_flag(v) for v in col("motorway")],
        "motortrafikled": [_flag(v) for v in col("motortrafikled")],
        "forbidden_f": [_flag(v) for v in col("forbidden_forward")],
        "forbidden_b": [_flag(v) for v in col("forbidden_backward")],
        "bk_class": [b[0] for b in bk],
        "bk_special": [b[1] for b in bk],
        "weight_f": [_num(v) for v in col("gross_weight_forward")],
        "weight_b": [_num(v) for v in col("gross_weight_backward")],
        "ban_f": [_flag(b) and _hgv_ban(v) for b, v in zip(col("ban_forward"),
                                                           col("ban_vehicle_forward"), strict=True)],
        "ban_b": [_flag(b) and _hgv_ban(v) for b, v in zip(col("ban_backward"),
                                                           col("ban_vehicle_backward"), strict=True)],
        "net_type": [_num(v) for v in col("net_type")],
    }, index=src.index)
    logical = gpd.GeoDataFrame(logical, geometry=src.geometry.to_numpy(), crs=src.crs)
    report: dict[str, Any] = {
        "shape": "homogenised", "rows": n,
        "missing": sorted(k for k, v in f.items() if v is None),
    }
    return logical, report


# --------------------------------------------------------------------------- linear-referenced


def _read_table(path: str | Path, layer: str, *, what: str) -> pd.DataFrame:
    import pyogrio

    try:
        names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        raise LayerError(f"{path}: cannot list layers: {exc}.") from exc
    if layer not in names:
        raise LayerError(f"{path}: attribute layer '{layer}' ({what}) not found; the file has "
                         f"{names}. Fix `options.attribute_layers`.")
    frame: pd.DataFrame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    return frame


def _linear(path: str | Path, links: gpd.GeoDataFrame, attribute_layers: Mapping[str, str],
            fields: Mapping[str, str] | None, *, measure_unit: str, layer: str | None
            ) -> tuple[pd.DataFrame, dict[str, Any]]:
    unknown = sorted(set(attribute_layers) - set(ATTRIBUTE_FIELDS))
    if unknown or "speed" not in attribute_layers:
        problems = []
        if unknown:
            problems.append(f"unknown attribute key(s) {unknown}")
        if "speed" not in attribute_layers:
            problems.append("the 'speed' layer (Hastighetsgräns) is required")
        raise LayerError(f"{path}: options.attribute_layers: " + "; ".join(problems) +
                         f". Keys: {sorted(ATTRIBUTE_FIELDS)}.")
    ref_over = {k: v for k, v in (fields or {}).items() if k in _REF_FIELDS}
    lf = resolve_fields(links, {"link_id": _REF_FIELDS["link_id"]},
                        {k: v for k, v in ref_over.items() if k == "link_id"},
                        required=("link_id",), source=str(path), layer=layer)
    link_ids = links[str(lf["link_id"])].astype(str).to_numpy()
    if len(set(link_ids)) != len(link_ids):
        dup = pd.Series(link_ids).value_counts()
        raise LayerError(f"{path} (layer '{layer}'): link ids repeat ({list(dup[dup > 1].index[:5])}"
                         "…); the link layer must have one row per reference link.")
    geoms = np.asarray(links.geometry.values, dtype=object)
    merged = [shapely.line_merge(g) if g is not None and g.geom_type == "MultiLineString" else g
              for g in geoms]
    bad = [i for i, g in enumerate(merged) if g is None or g.geom_type != "LineString"]
    if bad:
        raise LayerError(f"{path} (layer '{layer}'): {len(bad)} link(s) are not single lines "
                         f"(ids {list(link_ids[bad][:5])}…); NVDB links are one line each.")
    length = {lid: float(g.length) for lid, g in zip(link_ids, merged, strict=True)}
    link_geom = dict(zip(link_ids, merged, strict=True))

    report: dict[str, Any] = {"shape": "linear-referenced", "links": len(link_ids),
                              "layers": dict(attribute_layers), "records_off_network": {}}
    tables: dict[str, pd.DataFrame] = {}
    for key, lname in attribute_layers.items():
        raw = _read_table(path, lname, what=key)
        spec = {**_REF_FIELDS, **ATTRIBUTE_FIELDS[key]}
        required = ("link_id", "from_measure", "to_measure") + tuple(
            k for k in ATTRIBUTE_FIELDS[key] if (key, k) not in _OPTIONAL_VALUES)
        f = resolve_fields(raw, spec, ref_over, required=required, source=str(path), layer=lname)
        t = pd.DataFrame({
            "link_id": raw[str(f["link_id"])].astype(str).to_numpy(),
            "s": pd.to_numeric(raw[str(f["from_measure"])], errors="coerce").to_numpy(dtype=float),
            "e": pd.to_numeric(raw[str(f["to_measure"])], errors="coerce").to_numpy(dtype=float),
            "dir": _directions(raw, f["direction"], source=str(path), layer=lname),
        })
        for vk in ATTRIBUTE_FIELDS[key]:
            t[vk] = raw[f[vk]].astype(object).to_numpy() if f[vk] is not None else None
        on = t["link_id"].isin(list(link_geom))
        report["records_off_network"][key] = int((~on).sum())
        t = t.loc[on].reset_index(drop=True)
        if measure_unit == "m":
            lens = t["link_id"].map(length).to_numpy(dtype=float)
            t["s"], t["e"] = t["s"] / lens, t["e"] / lens
        problems = ~(np.isfinite(t["s"]) & np.isfinite(t["e"]) & (t["s"] >= -_EPS)
                     & (t["e"] <= 1 + 1e-6) & (t["e"] > t["s"]))
        if problems.any():
            ex = t.loc[problems].head(3)
            hint = (" The measures look like metres: set `options: {measure_unit: m}`."
                    if measure_unit == "fraction" and (t["e"] > 1 + 1e-6).any() else "")
            raise LayerError(
                f"{path} (layer '{lname}'): {int(problems.sum())} stretch(es) with from/to "
                f"measures outside their link or not increasing, e.g. "
                f"{ex[['link_id', 's', 'e']].to_dict('records')}.{hint}")
        t["s"] = t["s"].clip(0.0, 1.0)
        t["e"] = t["e"].clip(0.0, 1.0)
        tables[key] = t
    off = {k: v for k, v in report["records_off_network"].items() if v}
    if off:
        log.warning("%s: stretches on links not in layer '%s' were left out: %s", path, layer, off)

    # split every link at every measure of every attribute layer
    cuts = pd.concat([pd.DataFrame({"link_id": link_ids, "m": 0.0}),
                      pd.DataFrame({"link_id": link_ids, "m": 1.0})]
                     + [pd.DataFrame({"link_id": t["link_id"], "m": v})
                        for t in tables.values() for v in (t["s"], t["e"])], ignore_index=True)
    cuts["m"] = cuts["m"].round(9)
    cuts = cuts.drop_duplicates().sort_values(["link_id", "m"], kind="stable")
    nxt = cuts.groupby("link_id")["m"].shift(-1)
    pieces = pd.DataFrame({"link_id": cuts["link_id"], "m0": cuts["m"], "m1": nxt}).dropna()
    pieces = pieces.loc[pieces["m1"] - pieces["m0"] > _EPS].reset_index(drop=True)
    pieces["mid"] = (pieces["m0"] + pieces["m1"]) / 2.0
    pieces["pid"] = np.arange(len(pieces))

    def cover(key: str) -> pd.DataFrame:
        t = tables[key]
        j = pieces[["pid", "link_id", "mid"]].merge(t, on="link_id")
        return j.loc[(j["s"] <= j["mid"]) & (j["mid"] < j["e"])]

    n = len(pieces)
    logical: dict[str, Any] = {"link_id": pieces["link_id"].to_numpy(),
                               "from_measure": pieces["m0"].to_numpy(),
                               "to_measure": pieces["m1"].to_numpy()}

    def per_dir(key: str, parse: Any, how: str) -> tuple[np.ndarray, np.ndarray]:
        c = cover(key)
        vals = np.array([parse(v) for v in c["value"]], dtype=float) if len(c) else np.zeros(0)
        out = []
        for side in ("f", "b"):
            ok = c["dir"].isin([side, "both"]).to_numpy()
            s = pd.Series(vals[ok], index=c["pid"].to_numpy()[ok])
            agg = s.groupby(level=0).min() if how == "min" else s.groupby(level=0).max()
            out.append(agg.reindex(range(n)).to_numpy(dtype=float))
        return out[0], out[1]

    logical["speed_f"], logical["speed_b"] = per_dir("speed", _num, "min")
    for key in ("function_class", "road_number", "road_owner", "bk", "gross_weight",
                "traffic_ban", "motorway", "motortrafikled", "forbidden_direction"):
        if key not in tables:
            continue
        c = cover(key)
        if key == "function_class":
            s = pd.Series([_num(v) for v in c["value"]], index=c["pid"].to_numpy(), dtype=float)
            logical["function_class"] = s.groupby(level=0).min().reindex(range(n)).to_numpy()
        elif key == "road_number":
            first = c.drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["road_number"] = np.array([_num(v) for v in first["value"]])
            eur = first["european"] if "european" in first else pd.Series([None] * n)
            logical["european"] = [_flag(v) for v in eur]
        elif key == "road_owner":
            first = c.drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["road_owner"] = [_owner(v) for v in first["value"]]
        elif key == "bk":
            parsed = [_bk(v) for v in c["value"]]
            d = pd.DataFrame({"pid": c["pid"].to_numpy(), "bk": [p[0] for p in parsed],
                              "special": [p[1] for p in parsed]})
            # several classes on one piece: the one that carries the least weight
            d["w"] = [BK_MAX_GROSS_WEIGHT_T.get(int(b), np.inf) if np.isfinite(b) else np.inf
                      for b in d["bk"]]
            d = d.sort_values(["pid", "w"]).drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["bk_class"] = d["bk"].to_numpy(dtype=float)
            logical["bk_special"] = d["special"].fillna(False).astype(bool).to_numpy()
        elif key == "gross_weight":
            logical["weight_f"], logical["weight_b"] = per_dir("gross_weight", _num, "min")
        elif key == "traffic_ban":
            fb = per_dir("traffic_ban", lambda v: 1.0 if _hgv_ban(v) else 0.0, "max")
            logical["ban_f"], logical["ban_b"] = (np.nan_to_num(fb[0]) > 0, np.nan_to_num(fb[1]) > 0)
        elif key in ("motorway", "motortrafikled"):
            logical[key] = np.isin(np.arange(n), c["pid"].to_numpy())
        else:  # forbidden_direction: DIRECTION names the forbidden direction
            for side in ("f", "b"):
                hit = c.loc[c["dir"].isin([side, "both"]), "pid"].to_numpy()
                logical[f"forbidden_{side}"] = np.isin(np.arange(n), hit)
    frame = pd.DataFrame(logical)
    if "road_number" in frame:
        frame["category"] = [_category_from_number(num, eur) for num, eur
                             in zip(frame["road_number"], frame["european"], strict=True)]
    geoms_out = [substring(link_geom[lid], m0, m1, normalized=True)
                 for lid, m0, m1 in zip(frame["link_id"], frame["from_measure"],
                                        frame["to_measure"], strict=True)]
    report.update(rows=n, missing=sorted(set(ATTRIBUTE_FIELDS) - set(attribute_layers)))
    return gpd.GeoDataFrame(frame, geometry=geoms_out, crs=links.crs), report


def _directions(raw: pd.DataFrame, name: str | None, *, source: str, layer: str) -> list[str]:
    """'f', 'b' or 'both' per row from DIRECTION / Riktning (Med, Mot, Med och mot)."""
    if name is None:
        return ["both"] * len(raw)
    out: list[str] = []
    bad: set[str] = set()
    for v in raw[name].astype(object):
        s = "" if _is_null(v) else str(v).strip().lower()
        if s in ("", "med och mot", "båda", "both"):
            out.append("both")
        elif s in ("med", "forward"):
            out.append("f")
        elif s in ("mot", "backward"):
            out.append("b")
        else:
            bad.add(str(v))
            out.append("both")
    if bad:
        raise LayerError(f"{source} (layer '{layer}'): field '{name}' has value(s) {sorted(bad)}; "
                         "NVDB directions are 'Med', 'Mot' or 'Med och mot'.")
    return out


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
    link = [None if _is_null(v) else str(int(v)) if isinstance(v, float) and float(v).is_integer()
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
