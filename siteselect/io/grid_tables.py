"""Grid tables: the grid capacity and grid projects CSVs a municipality keeps, read and checked.

grid capacity table
    A CSV a municipality fills in from its grid operator
    (``layers/grid/grid_capacity_template.csv``), read with
    :func:`read_grid_capacity` and merged into the ``substations`` layer with
    :func:`apply_grid_capacity`.
grid projects
    A CSV of planned stations and lines (``layers/grid/grid_projects_*.csv``),
    read with :func:`read_grid_projects`. Each project names the station(s)
    it serves, the expected year and the capacity it adds (NULL = not stated).
    Years and figures are public statements by the operators, not promises.

What the stations can offer a site is judged in :mod:`siteselect.analysis.capacity`.

Capacity by horizon
-------------------
A capacity table row may state, per station, **horizon** (``now``, ``+5``,
``+10`` years from its ``capacity_date``, or an explicit year), **direction**
(``load`` = taking power out of the grid, what an establishment needs;
``production`` = feeding in), **firm_mw** (guaranteed) and **conditional_mw**
(curtailable: a conditional connection agreement, *villkorat avtal*, that the
operator may limit at times of congestion), with ``capacity_date`` (as of) and
``capacity_source`` — the shape of Svenska kraftnät's capacity maps and of the
operators' conditional agreements. By ``ready_by`` a station offers the load
figures of its latest horizon reached by then (the "now" row before that).
The judgement uses **firm MW**; the conditional part is reported beside it
(``grid_conditional_mw`` and the note) and counts only with
``count_conditional=True``. Production rows are read and kept
(``capacity_horizons``) but never counted for a load need. A horizon figure is
the operator's own: a grid project in the projects table is added on top, so
list only projects the operator's figures do not include.

Old tables with ``available_mw`` (firm MW now, load) still read; the table's
``attrs["note"]`` says so.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.core.safe_read import MAX_CSV_BYTES, read_text
from siteselect.errors import LayerError

__all__ = [
    "CAPACITY_COLUMNS",
    "DIRECTIONS",
    "LEGACY_CAPACITY_COLUMNS",
    "PROJECT_COLUMNS",
    "GridProject",
    "apply_grid_capacity",
    "grid_data_dir",
    "load_grid_tables",
    "read_grid_capacity",
    "read_grid_projects",
]

#: Columns of a grid capacity CSV (template order). Required: substation_id.
CAPACITY_COLUMNS: tuple[str, ...] = (
    "substation_id", "name", "operator", "voltage_kv", "horizon", "direction", "firm_mw",
    "conditional_mw", "capacity_date", "capacity_source", "lon", "lat", "note",
)
#: Column of the older tables: firm MW now, load (read as ``firm_mw`` with horizon ``now``).
LEGACY_CAPACITY_COLUMNS: tuple[str, ...] = ("available_mw",)
#: Directions a capacity row may state.
DIRECTIONS: tuple[str, ...] = ("load", "production")
#: Columns of a grid projects CSV. Required: project_id, name, kind, substation_ids.
PROJECT_COLUMNS: tuple[str, ...] = (
    "project_id", "name", "kind", "substation_ids", "operator", "voltage_kv",
    "expected_year", "added_mw", "lon", "lat", "status", "figure_kind", "source", "source_date", "note",
)
#: Columns :func:`grid_offer` returns.
_PROJECT_KINDS = ("station", "line", "capacity")

log = logging.getLogger(__name__)


def grid_data_dir() -> Path:
    """Folder of the shipped grid tables (``layers/grid`` in a checkout)."""
    from siteselect.core.embedded import data_file

    return data_file("grid")


@dataclass(frozen=True)
class GridProject:
    """One planned station, line or capacity increase.

    ``substation_ids`` are the stations whose offer it changes. For
    ``kind == "station"`` the first id is the new station itself: if the
    ``substations`` layer already holds it (drawn as planned) it is out of
    service before ``expected_year``; otherwise ``lon``/``lat`` place it.
    ``added_mw`` of ``None`` means the added capacity is not stated;
    ``expected_year`` of ``None`` means no date was stated (never counted).
    """

    project_id: str
    name: str
    kind: str
    substation_ids: tuple[str, ...]
    operator: str | None = None
    voltage_kv: float | None = None
    expected_year: int | None = None
    added_mw: float | None = None
    lon: float | None = None
    lat: float | None = None
    status: str | None = None
    figure_kind: str | None = None
    source: str | None = None
    source_date: str | None = None
    note: str | None = None


def _read_rows(path: Path, what: str, required: Sequence[str], known: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    text = read_text(path, what=what, error=LayerError, max_bytes=MAX_CSV_BYTES)
    all_lines = list(io.StringIO(text, newline=""))  # lines as csv reads them from a file
    lines = [ln for ln in all_lines if not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c and c not in known]
    probs = []
    if missing:
        probs.append(f"header: missing column(s) {', '.join(missing)}; fix: add them (see the template)")
    if unknown:
        probs.append(f"header: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(known)}")
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        probs.append(f"header: column(s) {', '.join(twice)} appear more than once; keep one of each")
    _raise(what, path, probs)
    # line numbers: header is the first non-comment line; count file lines for messages
    file_lines = [i + 1 for i, ln in enumerate(all_lines) if not ln.lstrip().startswith("#")]
    rows = []
    for k, raw in enumerate(reader):
        row = {(key or "").strip(): (val or "").strip() for key, val in raw.items() if key is not None}
        if not any(row.values()):
            continue
        line = file_lines[k + 1] if k + 1 < len(file_lines) else k + 2
        rows.append((line, row))
    return rows


def _num(row: dict[str, str], col: str, line: int, probs: list[str], *, lo: float | None = None,
         hi: float | None = None, integer: bool = False, fix: str = "") -> float | None:
    text = row.get(col, "")
    if text == "":
        return None
    try:
        val = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        probs.append(f"row {line}, column {col}: found {text!r}; fix: a number{fix}")
        return None
    if not math.isfinite(val) or (lo is not None and val < lo) or (hi is not None and val > hi) or (
        integer and not val.is_integer()
    ):
        rng = f" in {lo:g}–{hi:g}" if lo is not None and hi is not None else (f" ≥ {lo:g}" if lo is not None else "")
        probs.append(f"row {line}, column {col}: found {text!r}; fix: {'a whole number' if integer else 'a number'}{rng}{fix}")
        return None
    return val


def _raise(what: str, path: Path, probs: list[str]) -> None:
    if len(probs) == 1:
        raise LayerError(f"{what} {path}: {probs[0]}")
    if probs:
        n = len(probs)
        raise LayerError(f"{what} {path}: {n} problem{'s' if n != 1 else ''}\n" + "\n".join(f"  - {p}" for p in probs))


def _horizon(text: str, as_of: str | None, line: int, probs: list[str]) -> int | None:
    """Year of a row's horizon: ``now`` / ``+N`` from the as-of date, or an explicit year."""
    h = (text or "now").strip().lower()
    base: int | None = None
    if as_of:
        try:
            base = pd.Timestamp(as_of).year
        except ValueError:
            base = None  # the date problem is reported on its own
    if h in ("now", "nu", "+0", "0"):
        return base
    if h.startswith("+"):
        try:
            n = int(h[1:])
        except ValueError:
            n = -1
        if not 0 <= n <= 50:
            probs.append(f"row {line}, column horizon: found {text!r}; fix: now, +5, +10 (years from "
                         "capacity_date) or a year such as 2030")
            return None
        if base is None:
            probs.append(f"row {line}, column horizon: {text!r} counts from capacity_date, which is empty; "
                         "fix: the date the operator stated the figures (YYYY-MM-DD)")
            return None
        return base + n
    if h.isdigit() and 2000 <= int(h) <= 2100:
        return int(h)
    probs.append(f"row {line}, column horizon: found {text!r}; fix: now, +5, +10 (years from capacity_date) "
                 "or a year such as 2030")
    return None


def read_grid_capacity(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a grid capacity CSV (the municipality's template).

    Lines starting with ``#`` are comments. Decimal commas are accepted.

    Parameters
    ----------
    path
        UTF-8 CSV with the columns of :data:`CAPACITY_COLUMNS`
        (``substation_id`` required, the others optional; see the module
        docstring for horizon, direction, firm and conditional MW). An older
        table with ``available_mw`` instead of ``firm_mw`` reads as firm MW now.

    Returns
    -------
    pandas.DataFrame
        One row per station, horizon and direction: columns
        :data:`CAPACITY_COLUMNS` plus ``horizon_year`` (the year the row
        speaks for; NaN when ``now`` has no date) and ``available_mw`` (=
        ``firm_mw``, kept for older callers). ``firm_mw`` /
        ``conditional_mw`` NaN = not stated. ``attrs["note"]`` says when the
        old format was read.

    Raises
    ------
    LayerError
        Listing every problem with file, row (file line), column, value and fix.
    """
    p = Path(path)
    rows = _read_rows(p, "grid capacity", ("substation_id",), CAPACITY_COLUMNS + LEGACY_CAPACITY_COLUMNS)
    probs: list[str] = []
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    legacy = _header_has(p, "available_mw")
    for line, row in rows:
        sid = row.get("substation_id", "")
        if not sid:
            probs.append(f"row {line}, column substation_id: empty; fix: the station's id as in the substations layer")
        rec: dict[str, Any] = {c: (row.get(c) or None) for c in CAPACITY_COLUMNS}
        rec["voltage_kv"] = _num(row, "voltage_kv", line, probs, lo=1, hi=1000, fix=" of kV, e.g. 130")
        if row.get("available_mw") and row.get("firm_mw"):
            probs.append(f"row {line}, columns available_mw/firm_mw: both given; fix: firm_mw only "
                         "(available_mw is the older name)")
        firm_col = "firm_mw" if row.get("firm_mw") or not row.get("available_mw") else "available_mw"
        rec["firm_mw"] = _num(row, firm_col, line, probs, lo=0, hi=100_000,
                              fix=" of MW, or leave empty when unknown")
        rec["conditional_mw"] = _num(row, "conditional_mw", line, probs, lo=0, hi=100_000,
                                     fix=" of MW (curtailable), or leave empty when not stated")
        direction = (row.get("direction") or "load").strip().lower()
        direction = {"uttag": "load", "inmatning": "production"}.get(direction, direction)
        if direction not in DIRECTIONS:
            probs.append(f"row {line}, column direction: found {row.get('direction')!r}; fix: load (uttag) or "
                         "production (inmatning)")
        rec["direction"] = direction
        rec["horizon"] = (row.get("horizon") or "now").strip()
        rec["lon"] = _num(row, "lon", line, probs, lo=10.0, hi=25.0, fix=" (WGS84 longitude, degrees east)")
        rec["lat"] = _num(row, "lat", line, probs, lo=55.0, hi=70.0, fix=" (WGS84 latitude, degrees north)")
        if (rec["lon"] is None) != (rec["lat"] is None) and (row.get("lon") or row.get("lat")) and not any(
            f"row {line}, column l" in q for q in probs
        ):
            probs.append(f"row {line}, columns lon/lat: only one given; fix: give both or neither")
        stated = rec["firm_mw"] is not None or rec["conditional_mw"] is not None
        what = "firm_mw / conditional_mw" if not legacy else "available_mw"
        if stated and not rec["capacity_date"]:
            probs.append(f"row {line}, column capacity_date: empty although {what} is given; "
                         "fix: the date the operator stated the figure (YYYY-MM-DD)")
        if stated and not rec["capacity_source"]:
            probs.append(f"row {line}, column capacity_source: empty although {what} is given; "
                         "fix: who stated the figure (operator, letter/web page)")
        if rec["capacity_date"]:
            try:
                pd.Timestamp(rec["capacity_date"])
            except ValueError:
                probs.append(f"row {line}, column capacity_date: found {rec['capacity_date']!r}; fix: a date YYYY-MM-DD")
        rec["horizon_year"] = _horizon(rec["horizon"], rec["capacity_date"], line, probs)
        key = (sid, rec["horizon"].lower(), direction)
        if sid and key in seen:
            probs.append(f"row {line}, column substation_id: {sid!r} again (also row {seen[key]}) for horizon "
                         f"{rec['horizon']}, {direction}; fix: one row per station, horizon and direction")
        seen.setdefault(key, line)
        out.append(rec)
    _raise("grid capacity", p, probs)
    df = pd.DataFrame(out, columns=[*CAPACITY_COLUMNS, "horizon_year"])
    for c in ("voltage_kv", "firm_mw", "conditional_mw", "lon", "lat", "horizon_year"):
        df[c] = pd.to_numeric(df[c]).astype(float)
    df["available_mw"] = df["firm_mw"]
    df.attrs["source"] = str(p)
    if legacy:
        df.attrs["note"] = (f"{p.name}: older format (available_mw) read as firm MW now, load; no horizons "
                            "and no conditional part. Add horizon, direction, firm_mw and conditional_mw "
                            "columns (layers/grid/grid_capacity_template.csv).")
    return df


def _header_has(path: Path, column: str) -> bool:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for ln in fh:
                if not ln.lstrip().startswith("#"):
                    return column in [h.strip() for h in next(csv.reader([ln]))]
    except (OSError, UnicodeDecodeError, StopIteration):
        return False
    return False


def read_grid_projects(path: str | os.PathLike[str]) -> list[GridProject]:
    """Read and validate a grid projects CSV.

    Raises
    ------
    LayerError
        Listing every problem with file, row (file line), column, value and fix.
    """
    p = Path(path)
    rows = _read_rows(p, "grid projects", ("project_id", "name", "kind", "substation_ids"), PROJECT_COLUMNS)
    probs: list[str] = []
    out: list[GridProject] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        pid = row.get("project_id", "")
        if not pid:
            probs.append(f"row {line}, column project_id: empty; fix: a short unique id")
        elif pid in seen:
            probs.append(f"row {line}, column project_id: {pid!r} again (also row {seen[pid]}); fix: unique ids")
        seen.setdefault(pid, line)
        kind = row.get("kind", "")
        if kind not in _PROJECT_KINDS:
            probs.append(f"row {line}, column kind: found {kind!r}; fix: one of {', '.join(_PROJECT_KINDS)}")
        ids = tuple(s.strip() for s in row.get("substation_ids", "").split(";") if s.strip())
        if not ids:
            probs.append(f"row {line}, column substation_ids: empty; fix: the station id(s) served, ';'-separated")
        year = _num(row, "expected_year", line, probs, lo=2000, hi=2100, integer=True,
                    fix=" (year in service), or leave empty when not stated")
        added = _num(row, "added_mw", line, probs, lo=0, hi=100_000, fix=" of MW, or leave empty when not stated")
        kv = _num(row, "voltage_kv", line, probs, lo=1, hi=1000)
        lon = _num(row, "lon", line, probs, lo=10.0, hi=25.0, fix=" (WGS84 longitude)")
        lat = _num(row, "lat", line, probs, lo=55.0, hi=70.0, fix=" (WGS84 latitude)")
        if not row.get("name"):
            probs.append(f"row {line}, column name: empty; fix: the project's name")
        out.append(GridProject(
            project_id=pid, name=row.get("name", ""), kind=kind, substation_ids=ids,
            operator=row.get("operator") or None, voltage_kv=kv,
            expected_year=int(year) if year is not None else None, added_mw=added, lon=lon, lat=lat,
            status=row.get("status") or None, figure_kind=row.get("figure_kind") or None,
            source=row.get("source") or None, source_date=row.get("source_date") or None,
            note=row.get("note") or None,
        ))
    _raise("grid projects", p, probs)
    return out


def apply_grid_capacity(substations: gpd.GeoDataFrame, capacity: pd.DataFrame) -> gpd.GeoDataFrame:
    """The substations layer with the capacity table's figures merged in.

    Rows whose ``substation_id`` is in the layer update ``available_mw``,
    ``capacity_date``, ``capacity_source`` from their *now / load* row (and
    ``operator`` / ``voltage_kv`` / ``name`` when given); every dated row of the
    station goes to ``capacity_horizons`` (a tuple of dicts: ``year``,
    ``direction``, ``firm_mw``, ``conditional_mw``, ``as_of``, ``source``).
    Stations not in the layer are added when a row carries ``lon``, ``lat``,
    ``voltage_kv`` and ``name``.

    Raises
    ------
    LayerError
        A row names a station that is not in the layer and cannot be placed.
    """
    out = substations.copy()
    src = capacity.attrs.get("source", "grid capacity table")
    ids = out["substation_id"].astype(str)
    for col in ("available_mw", "capacity_date", "capacity_source", "operator"):
        if col not in out.columns:
            out[col] = np.nan if col == "available_mw" else None
    out["available_mw"] = out["available_mw"].astype(float)
    out["capacity_date"] = out["capacity_date"].astype(object)
    out["capacity_source"] = out["capacity_source"].astype(object)
    horizons_col = pd.Series([() for _ in range(len(out))], index=out.index, dtype=object)
    if "capacity_horizons" in out.columns:
        horizons_col = out["capacity_horizons"].astype(object).copy()
    cap = capacity.copy()
    if "firm_mw" not in cap.columns:  # a frame from an older caller
        cap["firm_mw"] = cap["available_mw"]
    for col, default in (("horizon", "now"), ("direction", "load"), ("conditional_mw", np.nan),
                         ("horizon_year", np.nan)):
        if col not in cap.columns:
            cap[col] = default
    new_rows: dict[str, Any] = {}
    new_horizons: dict[str, list[dict[str, Any]]] = {}
    probs = []
    for sid, group in cap.groupby(cap["substation_id"].astype(str), sort=False):
        hit = ids == sid
        rows = list(group.to_dict("records"))
        dated = tuple(sorted(
            ({"year": int(r["horizon_year"]), "horizon": r["horizon"], "direction": r["direction"],
              "firm_mw": None if pd.isna(r["firm_mw"]) else float(r["firm_mw"]),
              "conditional_mw": None if pd.isna(r["conditional_mw"]) else float(r["conditional_mw"]),
              "as_of": r["capacity_date"], "source": r["capacity_source"]}
             for r in rows if pd.notna(r["horizon_year"])), key=lambda h: (h["direction"], h["year"])))
        now = next((r for r in rows if str(r["horizon"]).lower() in ("now", "nu", "+0", "0")
                    and r["direction"] == "load"), None)
        if hit.any():
            if now is not None and pd.notna(now["firm_mw"]):  # empty keeps the layer's figure (or unknown)
                out.loc[hit, "available_mw"] = float(now["firm_mw"])
                out.loc[hit, "capacity_date"] = now["capacity_date"]
                out.loc[hit, "capacity_source"] = now["capacity_source"]
            for rec in rows:
                for col in ("operator", "name"):
                    if isinstance(rec.get(col), str) and rec[col]:
                        out.loc[hit, col] = rec[col]
                if pd.notna(rec.get("voltage_kv")):
                    out.loc[hit, "voltage_kv"] = float(rec["voltage_kv"])
            for i in np.flatnonzero(hit.to_numpy()):
                horizons_col.iloc[i] = dated
            continue
        place = next((r for r in rows if pd.notna(r["lon"]) and pd.notna(r["voltage_kv"])
                      and isinstance(r["name"], str) and r["name"]), None)
        if place is None:
            probs.append(f"substation_id {sid!r}: not in the substations layer and no name, voltage_kv, lon and lat "
                         f"to add it; fix: correct the id (known: {', '.join(ids.head(4))} …) or fill those columns")
            continue
        base = now if now is not None else place
        new_rows[sid] = {**place, "available_mw": base["firm_mw"] if now is not None else np.nan,
                         "capacity_date": base["capacity_date"] if now is not None else None,
                         "capacity_source": base["capacity_source"] if now is not None else None}
        new_horizons[sid] = list(dated)
    _raise("grid capacity", Path(str(src)), probs)
    out["capacity_horizons"] = horizons_col
    if new_rows:
        add = pd.DataFrame(list(new_rows.values()))
        extra = gpd.GeoDataFrame(
            add[["substation_id", "name", "voltage_kv", "operator", "available_mw", "capacity_date", "capacity_source"]]
            .reset_index(drop=True),
            geometry=gpd.points_from_xy(add["lon"].to_numpy(float), add["lat"].to_numpy(float)), crs="EPSG:4326",
        )
        extra["capacity_horizons"] = pd.Series([tuple(new_horizons[s]) for s in new_rows], dtype=object)
        out = gpd.GeoDataFrame(pd.concat([out, extra.to_crs(out.crs)], ignore_index=True), crs=out.crs)
    return out



def load_grid_tables(
    substations: gpd.GeoDataFrame,
    *,
    capacity_csv: str | os.PathLike[str] | None = None,
    projects_csv: str | os.PathLike[str] | None = None,
    region: str | None = "vastmanland",
) -> tuple[gpd.GeoDataFrame, list[GridProject]]:
    """Substations with capacity figures merged in, and the grid projects.

    Without a table path the shipped Västmanland tables
    (``layers/grid/grid_*_vastmanland.csv``) are used when ``region`` is
    ``"vastmanland"``; for other regions nothing is merged (every capacity
    stays as the layer says, usually unknown).
    """
    shipped = region == "vastmanland"
    cap = Path(capacity_csv) if capacity_csv else (grid_data_dir() / "grid_capacity_vastmanland.csv" if shipped else None)
    proj = Path(projects_csv) if projects_csv else (grid_data_dir() / "grid_projects_vastmanland.csv" if shipped else None)
    table = read_grid_capacity(cap) if cap is not None else None
    if table is not None and table.attrs.get("note"):
        log.warning("%s", table.attrs["note"])
    subs = apply_grid_capacity(substations, table) if table is not None else substations
    projects = read_grid_projects(proj) if proj is not None else []
    return subs, projects

