"""GeoPackage of a run for GIS staff: every layer used, the ranking, isochrones,
the scenario as metadata and a QGIS style per layer (``layer_styles`` table).

Open ``siteselect.gpkg`` in QGIS and each layer comes up styled: the ranking
graduated by score with excluded sites grey and hatched, roads by class,
substations by voltage, and so on.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from siteselect.core.crs import crs_text
from siteselect.core.labels import label, labels_for
from siteselect.core.output import atomic_write
from siteselect.core.roles import ROAD_CLASSES, STATION_KINDS
from siteselect.errors import CRSError, OutputError
from siteselect.outputs import qgis_styles as qs
from siteselect.outputs.colours import VOLTAGE_CLASSES

__all__ = [
    "ISOCHRONES_LAYER",
    "METADATA_TABLE",
    "RANKING_LAYER",
    "read_geopackage_metadata",
    "read_geopackage_styles",
    "write_geopackage",
]

#: Layer holding the ranking (candidates with scores and exclusion reasons).
RANKING_LAYER = "ranking"
ISOCHRONES_LAYER = "isochrones"
METADATA_TABLE = "siteselect_metadata"
_STYLE_NAME = "siteselect"

_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


# ---------------------------------------------------------------- styles


def _score_rules(frame: gpd.GeoDataFrame, *, lang: str) -> str:
    lab = labels_for(lang)
    scores = pd.to_numeric(frame.get("score"), errors="coerce") if "score" in frame.columns else pd.Series(dtype=float)
    finite = scores[np.isfinite(scores)] if len(scores) else scores
    lo = float(finite.min()) if len(finite) else 0.0
    hi = float(finite.max()) if len(finite) else 1.0
    n = 5
    edges = np.linspace(lo, hi, n + 1) if hi > lo else np.array([lo] * n + [hi])
    colours = qs.score_ramp(n)
    rules: list[tuple[str, str, qs.Symbol]] = [
        ('"excluded"', lab["excluded"].split(" (")[0],
         qs.fill("#9e9e9e", outline="#616161", style="b_diagonal", outline_style="dash", outline_width_mm=0.4)),
    ]
    for i in range(n):
        a, b = float(edges[i]), float(edges[i + 1])
        upper_op = "<=" if i == n - 1 else "<"
        flt = f'NOT "excluded" AND "score" >= {a!r} AND "score" {upper_op} {b!r}'
        rules.append((flt, f"{lab['score']} {a:.3f} – {b:.3f}", qs.fill(colours[i], outline="#000000",
                                                                      outline_width_mm=0.4)))
    return qs.rule_based_qml(rules, label_field="name")


def _geom_kind(frame: gpd.GeoDataFrame) -> str:
    types = frame.geometry.geom_type.dropna().unique()
    return qs.symbol_kind_for(str(types[0])) if len(types) else "fill"


def _style_for(name: str, frame: gpd.GeoDataFrame, *, lang: str) -> tuple[str, str]:
    """QML and a description for one layer."""
    kind = _geom_kind(frame)
    desc = label(name, lang=lang)
    if name == RANKING_LAYER:
        return _score_rules(frame, lang=lang), label("candidates", lang=lang) + " – " + label("score", lang=lang)
    if name == "roads" and "road_class" in frame.columns:
        styles = {
            "motorway": qs.line("#d7301f", width_mm=1.2), "trunk": qs.line("#fc8d59", width_mm=1.0),
            "primary": qs.line("#fdbb84", width_mm=0.8), "secondary": qs.line("#969696", width_mm=0.6),
            "tertiary": qs.line("#bdbdbd", width_mm=0.4), "local": qs.line("#d9d9d9", width_mm=0.26),
        }
        cats = [(c, label(f"road_{c}", lang=lang), styles[c]) for c in ROAD_CLASSES]
        return qs.categorized_qml("road_class", cats), desc
    if name == "substations" and "voltage_kv" in frame.columns:
        bounds = sorted({lower for lower, _ in VOLTAGE_CLASSES})
        uppers = bounds[1:] + [10_000.0]
        colour_of = dict(VOLTAGE_CLASSES)
        ranges = []
        for i, (lo, hi) in enumerate(zip(bounds, uppers)):
            text = f"≥ {lo:g} kV" if hi >= 10_000 else f"{lo:g}–{hi:g} kV"
            ranges.append((lo, hi - 1e-6 if hi < 10_000 else hi, text,
                           qs.marker(colour_of[lo], shape="triangle", size_mm=2.5 + 0.8 * i)))
        return qs.graduated_qml("voltage_kv", ranges, label_field="name"), desc
    if name == "stations" and "kind" in frame.columns:
        colours = {"passenger": "#ffffff", "freight": "#636363", "combi": "#252525"}
        cats = [(k, k, qs.marker(colours.get(k, "#ffffff"), shape="square", size_mm=2.6)) for k in STATION_KINDS]
        return qs.categorized_qml("kind", cats, label_field="name"), desc
    if name == ISOCHRONES_LAYER and "minutes" in frame.columns:
        minutes = sorted({float(m) for m in frame["minutes"].dropna()})
        ramp = ["#e34a33", "#fc8d59", "#fdbb84", "#fee8c8"]
        cats = [(f"{m:g}" if not float(m).is_integer() else str(int(m)), f"{m:g} min",
                 qs.fill(ramp[min(i, len(ramp) - 1)], outline="#b30000", alpha=0.45)) for i, m in enumerate(minutes)]
        return qs.categorized_qml("minutes", cats), desc
    fixed: Mapping[str, qs.Symbol] = {
        "candidates": qs.fill("#ffd92f", outline="#000000", style="no", outline_width_mm=0.5),
        "rail": qs.line("#252525", width_mm=0.8, overlay=("#ffffff", 0.4, "dash")),
        "ports": qs.marker("#2171b5", shape="diamond", size_mm=4.0),
        "junctions": qs.marker("#ffffff", shape="circle", size_mm=2.6, outline="#7f0000", outline_width_mm=0.5),
        "airports": qs.marker("#9e9ac8", shape="star", size_mm=4.0, outline="#54278f"),
        "protected_nature": qs.fill("#5aae61", outline="#1b7837", style="f_diagonal"),
        "water": qs.fill("#a6cee3", outline="#4a90c2", outline_width_mm=0.2),
        "urban_areas": qs.fill("#e7e1d8", outline="#bdb5a6", outline_width_mm=0.2),
        "county": qs.fill("#ffffff", outline="#333333", style="no", outline_style="dash", outline_width_mm=0.6),
        "municipalities": qs.fill("#ffffff", outline="#777777", style="no", outline_width_mm=0.3),
        "towns": qs.marker("#000000", shape="circle", size_mm=1.8),
    }
    sym = fixed.get(name)
    if sym is None or sym.kind != kind:  # unknown role or unexpected geometry: a plain symbol of the right kind
        sym = {"fill": qs.fill("#cccccc", outline="#555555", alpha=0.6), "line": qs.line("#555555"),
               "marker": qs.marker("#555555")}[kind]
    label_field = "name" if "name" in frame.columns and name in ("ports", "towns", "airports", "junctions") else None
    return qs.single_qml(sym, label_field=label_field), desc


# ---------------------------------------------------------------- writing


def _gpkg_ready(frame: gpd.GeoDataFrame, *, what: str, crs: Any) -> gpd.GeoDataFrame:
    """A copy GDAL can write: in ``crs`` (the working CRS), mixed object columns as text
    (nullable ints stay integer)."""
    if frame.crs is None:
        raise CRSError(f"layer {what!r} has no CRS; set the working CRS its coordinates are in "
                       "(frame.set_crs(...)) before writing the GeoPackage")
    out = frame.to_crs(crs) if frame.crs != crs else frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if s.dtype == object:
            non_null = s.dropna()
            if len(non_null) and not all(isinstance(v, (str, bool, int, float)) for v in non_null):
                out[col] = s.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


def _sources(frames: Mapping[str, gpd.GeoDataFrame], provenance: Mapping[str, Any]) -> list[Path]:
    found: list[str] = [str(f.attrs.get("source")) for f in frames.values() if f is not None and f.attrs.get("source")]
    layers = provenance.get("layers")
    if isinstance(layers, Mapping):
        found += [str(v) for v in layers.values()]
    if provenance.get("scenario_file"):
        found.append(str(provenance["scenario_file"]))
    paths = []
    for text in found:
        for cut in ("|", "::"):
            text = text.split(cut)[0]
        p = Path(text)
        if p.exists():
            paths.append(p.resolve())
    return paths


def write_geopackage(
    path: str | os.PathLike[str],
    *,
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None = None,
    scenario_yaml: str,
    provenance: Mapping[str, Any],
    lang: str = "sv",
) -> Path:
    """Write the run's GeoPackage with QGIS styles and the scenario as metadata.

    Parameters
    ----------
    path
        GeoPackage to write (``siteselect.gpkg``); replaced atomically.
    ranking
        Per-site result table; written as layer ``ranking`` with every column.
    layers
        Role → GeoDataFrame as used by the run; each written as a layer named
        after its role, in the ranking's CRS (the run's working CRS).
    isochrones
        ``site_id``, ``minutes``, geometry; layer ``isochrones`` when not empty.
    scenario_yaml
        The scenario text, stored in table ``siteselect_metadata`` (key
        ``scenario_yaml``) and as GeoPackage dataset metadata.
    provenance
        Versions, sources and run time, stored as JSON beside the scenario.
    lang
        Language of the legend labels in the styles (``"sv"`` or ``"en"``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        When ``path`` is one of the input files, or cannot be written.
    CRSError
        When a layer has no CRS.
    """
    labels_for(lang)
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise OutputError(f"GeoPackage path {target} must end in .gpkg")
    inputs = _sources({**dict(layers), RANKING_LAYER: ranking}, provenance)
    if target.exists() and target.resolve() in inputs:
        raise OutputError(
            f"{target} is an input of this run; write the GeoPackage elsewhere (siteselect never overwrites inputs)"
        )
    if ranking.crs is None:
        raise CRSError("ranking has no CRS; set the working CRS its coordinates are in "
                       "(ranking.set_crs(...)) before writing the GeoPackage")
    work = ranking.crs
    frames: dict[str, gpd.GeoDataFrame] = {}
    for role, frame in layers.items():
        if frame is None or role in (RANKING_LAYER, ISOCHRONES_LAYER, METADATA_TABLE):
            continue
        frames[role] = _gpkg_ready(frame, what=role, crs=work)
    frames[RANKING_LAYER] = _gpkg_ready(ranking, what=RANKING_LAYER, crs=work)
    if isochrones is not None and len(isochrones):
        frames[ISOCHRONES_LAYER] = _gpkg_ready(isochrones, what=ISOCHRONES_LAYER, crs=work)
    written_at = datetime.now(UTC).isoformat(timespec="seconds")
    prov_json = json.dumps(dict(provenance), ensure_ascii=False, default=str, sort_keys=True)
    meta = pd.DataFrame(
        {"key": ["scenario_yaml", "provenance", "written_at_utc", "crs"],
         "value": [scenario_yaml, prov_json, written_at, crs_text(work)]}
    )

    def write(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)  # GDAL creates the file itself
        first = True
        for name, frame in frames.items():
            pyogrio.write_dataframe(
                frame, tmp, layer=name, driver="GPKG", promote_to_multi=False,
                dataset_metadata={"siteselect_scenario_yaml": scenario_yaml, "siteselect_provenance": prov_json}
                if first else None,
                layer_options={"IDENTIFIER": name, "DESCRIPTION": label(name, lang=lang)},
                # GeoPackage 1.2 opens without warnings in the QGIS/GDAL versions municipalities run
                dataset_options={"VERSION": "1.2"} if first else None,
            )
            first = False
        pyogrio.write_dataframe(meta, tmp, layer=METADATA_TABLE, driver="GPKG")
        with closing(sqlite3.connect(tmp)) as con, con:
            geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
            con.execute(_LAYER_STYLES_SQL)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', "
                "strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
            )
            rows = []
            for name, frame in frames.items():
                qml, desc = _style_for(name, frame, lang=lang)
                rows.append(("", "", name, geom_cols.get(name, "geom"), _STYLE_NAME, qml, "", 1, desc,
                             "siteselect", None))
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    try:
        return atomic_write(target, write)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
            sqlite3.Error) as exc:
        raise OutputError(f"cannot write GeoPackage {target}: {exc}") from exc


def is_siteselect_geopackage(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a GeoPackage written by siteselect (it has the ``siteselect_metadata`` table)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)) as con:
            row = con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (METADATA_TABLE,)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def read_geopackage_styles(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The ``layer_styles`` table of a GeoPackage (one row per stored QGIS style).

    Raises
    ------
    OutputError
        When the file is not a GeoPackage with a ``layer_styles`` table.
    """
    p = Path(path)
    if not p.is_file():
        raise OutputError(f"GeoPackage {p} does not exist")
    try:
        with closing(sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)) as con:
            return pd.read_sql_query("SELECT * FROM layer_styles ORDER BY id", con)
    except (sqlite3.Error, pd.errors.DatabaseError) as exc:
        raise OutputError(f"{p} has no readable layer_styles table ({exc}); was it written by siteselect?") from exc


def read_geopackage_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``siteselect_metadata`` table as ``{key: value}`` (scenario YAML, provenance JSON …)."""
    p = Path(path)
    try:
        table = pyogrio.read_dataframe(p, layer=METADATA_TABLE)
    except (pyogrio.errors.DataSourceError, ValueError) as exc:
        raise OutputError(f"{p} has no {METADATA_TABLE} table ({exc})") from exc
    return dict(zip(table["key"].astype(str), table["value"].astype(str)))
