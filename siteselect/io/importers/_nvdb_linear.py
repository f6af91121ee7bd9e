"""NVDB's linear-referenced shape: attribute tables joined onto the link geometry by measure.

Each attribute layer (speed, function class, BK …) refers to a link and a
stretch of it (``from_measure`` … ``to_measure``) and, for some, a direction;
:func:`linear_attributes` cuts the links at every stretch boundary and gives
each piece its values. See :mod:`siteselect.io.importers.nvdb`.
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
from shapely.ops import substring

from siteselect.core.vehicles import BK_MAX_GROSS_WEIGHT_T
from siteselect.errors import LayerError
from siteselect.io.importers._common import resolve_fields
from siteselect.io.importers._nvdb_values import (
    category_from_number,
    is_hgv_ban,
    is_null,
    parse_bk,
    parse_owner,
    to_flag,
    to_number,
)

log = logging.getLogger(__name__)

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
_EPS = 1e-9


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


def linear_attributes(path: str | Path, links: gpd.GeoDataFrame, attribute_layers: Mapping[str, str],
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

    logical["speed_f"], logical["speed_b"] = per_dir("speed", to_number, "min")
    for key in ("function_class", "road_number", "road_owner", "bk", "gross_weight",
                "traffic_ban", "motorway", "motortrafikled", "forbidden_direction"):
        if key not in tables:
            continue
        c = cover(key)
        if key == "function_class":
            s = pd.Series([to_number(v) for v in c["value"]], index=c["pid"].to_numpy(), dtype=float)
            logical["function_class"] = s.groupby(level=0).min().reindex(range(n)).to_numpy()
        elif key == "road_number":
            first = c.drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["road_number"] = np.array([to_number(v) for v in first["value"]])
            eur = first["european"] if "european" in first else pd.Series([None] * n)
            logical["european"] = [to_flag(v) for v in eur]
        elif key == "road_owner":
            first = c.drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["road_owner"] = [parse_owner(v) for v in first["value"]]
        elif key == "bk":
            parsed = [parse_bk(v) for v in c["value"]]
            d = pd.DataFrame({"pid": c["pid"].to_numpy(), "bk": [p[0] for p in parsed],
                              "special": [p[1] for p in parsed]})
            # several classes on one piece: the one that carries the least weight
            d["w"] = [BK_MAX_GROSS_WEIGHT_T.get(int(b), np.inf) if np.isfinite(b) else np.inf
                      for b in d["bk"]]
            d = d.sort_values(["pid", "w"]).drop_duplicates("pid").set_index("pid").reindex(range(n))
            logical["bk_class"] = d["bk"].to_numpy(dtype=float)
            logical["bk_special"] = d["special"].fillna(False).astype(bool).to_numpy()
        elif key == "gross_weight":
            logical["weight_f"], logical["weight_b"] = per_dir("gross_weight", to_number, "min")
        elif key == "traffic_ban":
            fb = per_dir("traffic_ban", lambda v: 1.0 if is_hgv_ban(v) else 0.0, "max")
            logical["ban_f"], logical["ban_b"] = (np.nan_to_num(fb[0]) > 0, np.nan_to_num(fb[1]) > 0)
        elif key in ("motorway", "motortrafikled"):
            logical[key] = np.isin(np.arange(n), c["pid"].to_numpy())
        else:  # forbidden_direction: DIRECTION names the forbidden direction
            for side in ("f", "b"):
                hit = c.loc[c["dir"].isin([side, "both"]), "pid"].to_numpy()
                logical[f"forbidden_{side}"] = np.isin(np.arange(n), hit)
    frame = pd.DataFrame(logical)
    if "road_number" in frame:
        frame["category"] = [category_from_number(num, eur) for num, eur
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
        s = "" if is_null(v) else str(v).strip().lower()
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
