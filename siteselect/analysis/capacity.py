"""Grid capacity (el-kapacitet): what the nearest suitable substations can offer, and when.

Three inputs:

``substations``
    The layer role (``voltage_kv``, ``operator``, ``available_mw`` nullable,
    ``capacity_date``, ``capacity_source``). ``available_mw`` is the firm
    capacity a *new* customer can get today; NULL means unknown, which is the
    honest value for most stations.
grid capacity table, grid projects
    The CSVs a municipality keeps, read, checked and merged into the layer by
    :mod:`siteselect.io.grid_tables` (capacity by horizon: firm and
    conditional MW per station, horizon and direction).

:func:`grid_offer` judges each candidate site against what the substations
within ``max_distance_km`` can offer by ``ready_by`` for ``power_mw``:

``sufficient``
    a station has (at least) ``power_mw`` by that year;
``insufficient``
    every station in reach has a known capacity below ``power_mw``;
``unknown``
    the best station in reach has no stated capacity: the note says
    "unknown — ask <operator>" and the score is the configured assumption
    (``unknown=``), never silently 0 or 1;
``none_within``
    no station of at least ``min_voltage_kv`` is in reach (or in service by
    that year).

Capacities of several stations are never added up: a connection is made at
one station.

By ``ready_by`` a station offers the firm load MW of its latest capacity
horizon reached by then (see :mod:`siteselect.io.grid_tables`); the conditional
(curtailable) part is reported beside it and counts only with
``count_conditional=True``.

The note saying why (``grid_note`` in English, ``grid_note_sv`` in Swedish) is
composed from codes and figures (:class:`NotePart`) rendered through the one
label table, :mod:`siteselect.core.labels` (keys ``grid_note_*``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siteselect.core.labels import labels_for
from siteselect.errors import LayerError
from siteselect.io.grid_tables import GridProject, load_grid_tables

__all__ = [
    "GRID_COLUMNS",
    "GRID_FACTOR",
    "NotePart",
    "grid_note_text",
    "grid_offer",
    "grid_offer_from_spec",
    "grid_raw_text",
    "unknown_score",
]

#: Columns :func:`grid_offer` returns.
GRID_COLUMNS: tuple[str, ...] = (
    "grid_substation", "grid_substation_id", "grid_operator", "grid_voltage_kv", "grid_distance_km",
    "grid_available_mw", "grid_available_year", "grid_status", "grid_note", "grid_note_sv", "grid_source",
    "grid_assumption", "grid_score", "grid_eligible", "grid_conditional_mw", "grid_capacity_basis",
    "grid_mw_at_least",
)

_STATUS_ORDER = {"sufficient": 0, "unknown": 1, "insufficient": 2}

Unknown = Literal["assume_available", "assume_unavailable"] | float

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- offer


def unknown_score(unknown: Unknown) -> float:
    """Score given to a site whose best station has unknown capacity."""
    if unknown == "assume_available":
        return 1.0
    if unknown == "assume_unavailable":
        return 0.0
    if isinstance(unknown, (str, bool)):
        raise LayerError(f"grid unknown: found {unknown!r}; allowed: assume_available, assume_unavailable or a number in [0, 1]")
    val = float(unknown)
    if not 0.0 <= val <= 1.0:
        raise LayerError(f"grid unknown: found {unknown!r}; allowed: a number in [0, 1]")
    return val


def _assumption_text(unknown: Unknown) -> str:
    if unknown == "assume_available":
        return "unknown capacity assumed available (score 1)"
    if unknown == "assume_unavailable":
        return "unknown capacity assumed unavailable (score 0)"
    return f"unknown capacity scored {unknown_score(unknown):g}"


@dataclass(frozen=True)
class _StationState:
    """A station as it stands in one year."""

    in_service: bool
    mw: float  # known lower bound of firm capacity (0 when nothing known)
    exact: bool  # whether ``mw`` is the full figure (not a lower bound)
    known: bool  # whether any figure is stated
    year: int | None  # year of the latest project counted
    projects: tuple[str, ...]
    conditional: float | None = None  # curtailable MW stated for the horizon used (None: not stated)
    basis: str = ""  # which horizon the figure comes from, e.g. "+5 (2031), as of 2026-03-01"


def _horizon_for(horizons: Any, year: int) -> dict[str, Any] | None:
    """The load row of the latest horizon reached by ``year`` (None when none is)."""
    if not isinstance(horizons, (tuple, list)):
        return None
    rows = [h for h in horizons if h.get("direction") == "load" and h.get("year") is not None
            and int(h["year"]) <= year]
    return max(rows, key=lambda h: int(h["year"])) if rows else None


def _station_states(stations: pd.DataFrame, projects: Sequence[GridProject], year: int) -> list[_StationState]:
    planned_at: dict[str, int | None] = {}
    for pr in projects:
        if pr.kind == "station" and pr.substation_ids:
            planned_at[pr.substation_ids[0]] = pr.expected_year
    states = []
    for _, st in stations.iterrows():
        sid = str(st["substation_id"])
        base = st.get("available_mw")
        in_service = True
        if sid in planned_at:
            yr = planned_at[sid]
            in_service = yr is not None and yr <= year
        known = bool(pd.notna(base))
        mw = float(base) if known and base is not None else 0.0
        conditional: float | None = None
        basis = ""
        h = _horizon_for(st.get("capacity_horizons"), year)
        if h is not None:
            known = h["firm_mw"] is not None
            mw = float(h["firm_mw"]) if known else 0.0
            conditional = h["conditional_mw"]
            basis = f"{h['horizon']} ({h['year']})" + (f", as of {h['as_of']}" if h.get("as_of") else "")
        exact = known
        latest: int | None = None
        used: list[str] = []
        for pr in projects:
            if sid not in pr.substation_ids or pr.expected_year is None or pr.expected_year > year:
                continue
            used.append(pr.name)
            latest = pr.expected_year if latest is None else max(latest, pr.expected_year)
            if pr.added_mw is None:
                exact = False
            else:
                mw += float(pr.added_mw)
                known = True
        states.append(_StationState(in_service, mw, exact, known, latest, tuple(used), conditional, basis))
    return states


def _status(state: _StationState, power_mw: float, count_conditional: bool = False) -> str:
    extra = state.conditional if count_conditional and state.conditional is not None else 0.0
    if state.known and state.mw + extra >= power_mw:
        return "sufficient"
    if state.known and state.exact:
        return "insufficient"
    return "unknown"


def _stations_with_new(substations: gpd.GeoDataFrame, projects: Sequence[GridProject]) -> gpd.GeoDataFrame:
    """The layer plus new stations placed by ``kind: station`` projects with lon/lat."""
    have = set(substations["substation_id"].astype(str))
    new = [p for p in projects if p.kind == "station" and p.substation_ids and p.substation_ids[0] not in have]
    missing = [p.project_id for p in new if p.lon is None or p.lat is None or p.voltage_kv is None]
    if missing:
        raise LayerError(
            f"grid projects: station project(s) {', '.join(missing)} name a station not in the substations layer "
            "and have no lon/lat/voltage_kv; fix: add the station to the layer or give lon, lat and voltage_kv"
        )
    if not new:
        return substations
    lon, lat = np.array([p.lon for p in new], float), np.array([p.lat for p in new], float)
    extra = gpd.GeoDataFrame(
        {
            "substation_id": [p.substation_ids[0] for p in new],
            "name": [p.name for p in new],
            "voltage_kv": [float(p.voltage_kv) for p in new],  # type: ignore[arg-type]
            "operator": [p.operator for p in new],
            "available_mw": [np.nan] * len(new),
            "capacity_date": [None] * len(new),
            "capacity_source": [None] * len(new),
        },
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
    ).to_crs(substations.crs)
    return gpd.GeoDataFrame(pd.concat([substations, extra], ignore_index=True), crs=substations.crs)


def grid_offer(
    candidates: gpd.GeoDataFrame,
    substations: gpd.GeoDataFrame,
    projects: Sequence[GridProject] = (),
    *,
    power_mw: float,
    ready_by: int,
    max_distance_km: float = 15.0,
    min_voltage_kv: float | None = None,
    unknown: Unknown = "assume_available",
    count_conditional: bool = False,
) -> pd.DataFrame:
    """What the substations in reach can offer each site by ``ready_by``.

    Among the stations of at least ``min_voltage_kv`` within
    ``max_distance_km`` (straight line from the site outline) that are in
    service by ``ready_by``, the best one is reported: a sufficient one
    before an unknown one before an insufficient one, the nearest within
    each group. Capacity by a year = the stated ``available_mw`` plus
    ``added_mw`` of every project serving the station with
    ``expected_year ≤ ready_by``.

    Parameters
    ----------
    candidates
        Candidate polygons (working CRS, projected), with ``site_id``.
    substations
        Role ``substations`` (the same CRS).
    projects
        Planned stations, lines and capacity increases
        (:func:`read_grid_projects`).
    power_mw
        Firm power the establishment needs, MW.
    ready_by
        Year the power is needed.
    max_distance_km
        Reach of a connection, km (straight line).
    min_voltage_kv
        Lowest station voltage considered (default: all).
    unknown
        How unknown capacity scores: ``"assume_available"`` (1),
        ``"assume_unavailable"`` (0) or a number in [0, 1]. The choice is
        written in ``grid_assumption`` of every unknown site.
    count_conditional
        Count the conditional (curtailable) MW of the horizon used towards
        ``power_mw``; default False: firm MW only, the conditional part is
        only reported.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``candidates``, columns :data:`GRID_COLUMNS`:
        ``grid_available_mw`` NaN = unknown (a lower bound when a project adds
        a stated figure to an unknown one; the note says "at least" and
        ``grid_mw_at_least`` is True);
        ``grid_available_year`` = year of the latest project the figure
        relies on (NaN = capacity of today); ``grid_status`` one of
        sufficient, insufficient, unknown, none_within; ``grid_score`` 1 /
        0 / the assumption; ``grid_eligible`` = score > 0;
        ``grid_conditional_mw`` the curtailable MW stated beside the firm
        figure (NaN = not stated); ``grid_capacity_basis`` the horizon the
        figure comes from ("" = the station's figure of today);
        ``grid_mw_at_least`` True when ``grid_available_mw`` is a lower bound
        (a project counted adds capacity it does not state).
    """
    if not power_mw > 0:
        raise LayerError(f"grid: power_mw found {power_mw!r}; allowed: a positive number of MW")
    u_score = unknown_score(unknown)
    if candidates.crs is None or substations.crs is None:
        raise LayerError("grid_offer: candidates and substations need a CRS (the working CRS)")
    if not pyproj.CRS(candidates.crs).is_projected:
        raise LayerError(f"grid_offer: candidates are in {pyproj.CRS(candidates.crs).name}, not a projected "
                         "CRS; distances need metres. Fix: reproject to the working CRS (frame.to_crs(...)).")
    subs = _stations_with_new(substations, projects)
    if min_voltage_kv is not None:
        subs = subs[pd.to_numeric(subs["voltage_kv"], errors="coerce") >= float(min_voltage_kv)]
    subs = subs.to_crs(candidates.crs).reset_index(drop=True)
    states = _station_states(subs, projects, int(ready_by))
    future_years = sorted({p.expected_year for p in projects if p.expected_year is not None and p.expected_year > ready_by})
    later = {yr: _station_states(subs, projects, yr) for yr in future_years}

    geoms = candidates.geometry.to_numpy()
    pts = subs.geometry.to_numpy()
    if len(pts):
        dist_km = shapely.distance(geoms[:, None], pts[None, :]) / 1000.0
    else:
        dist_km = np.empty((len(geoms), 0))
    rows = []
    for i in range(len(geoms)):
        best: tuple[int, float, int] | None = None
        for j in range(len(pts)):
            if dist_km[i, j] > max_distance_km or not states[j].in_service:
                continue
            key = (_STATUS_ORDER[_status(states[j], power_mw, count_conditional)], float(dist_km[i, j]), j)
            if best is None or key < best:
                best = key
        rows.append(_offer_row(best, subs, states, later, dist_km[i], power_mw=power_mw, ready_by=ready_by,
                               max_distance_km=max_distance_km, min_voltage_kv=min_voltage_kv,
                               unknown=unknown, u_score=u_score, count_conditional=count_conditional))
    return pd.DataFrame(rows, index=candidates.index, columns=list(GRID_COLUMNS)).astype(
        {"grid_voltage_kv": float, "grid_distance_km": float, "grid_available_mw": float,
         "grid_available_year": float, "grid_score": float, "grid_eligible": bool,
         "grid_conditional_mw": float, "grid_mw_at_least": bool}
    )


@dataclass(frozen=True)
class NotePart:
    """One piece of a grid note: a label key and the figures it shows.

    Attributes
    ----------
    key
        A ``grid_note_*`` key of :mod:`siteselect.core.labels` (both languages).
    params
        The template's fields: names, years and figures (numbers are written
        with ``:g``, the same in both languages); an ``operator`` of ``None``
        becomes the language's word for the grid operator.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def grid_note_text(parts: Sequence[NotePart], *, lang: str) -> str:
    """A grid note in ``lang``: its parts rendered through the label table and joined.

    Raises
    ------
    siteselect.core.labels.LanguageError
        ``lang`` is not an output language.
    """
    lab = labels_for(lang)
    out = []
    for part in parts:
        fmt: dict[str, str] = {}
        for k, v in part.params.items():
            if v is None and k == "operator":
                fmt[k] = lab["grid_operator"]
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                fmt[k] = f"{v:g}"
            else:
                fmt[k] = str(v)
        out.append(lab[part.key].format(**fmt))
    return "".join(out)


def _offer_row(best: tuple[int, float, int] | None, subs: pd.DataFrame, states: list[_StationState],
               later: Mapping[int, list[_StationState]], dists: np.ndarray, *, power_mw: float, ready_by: int,
               max_distance_km: float, min_voltage_kv: float | None, unknown: Unknown, u_score: float,
               count_conditional: bool = False) -> dict[str, Any]:
    if best is None:
        parts = [NotePart("grid_note_none_kv", {"kv": min_voltage_kv, "km": max_distance_km, "year": ready_by})
                 if min_voltage_kv else NotePart("grid_note_none", {"km": max_distance_km, "year": ready_by})]
        parts += _later_hint(later, dists, subs, power_mw, max_distance_km)
        return {"grid_substation": None, "grid_substation_id": None, "grid_operator": None,
                "grid_voltage_kv": np.nan, "grid_distance_km": np.nan, "grid_available_mw": np.nan,
                "grid_available_year": np.nan, "grid_status": "none_within",
                "grid_note": grid_note_text(parts, lang="en"), "grid_note_sv": grid_note_text(parts, lang="sv"),
                "grid_source": None, "grid_assumption": "", "grid_score": 0.0, "grid_eligible": False,
                "grid_conditional_mw": np.nan, "grid_capacity_basis": "", "grid_mw_at_least": False}
    _, d, j = best
    st = subs.iloc[j]
    state = states[j]
    status = _status(state, power_mw, count_conditional)
    operator = st.get("operator") if isinstance(st.get("operator"), str) and st.get("operator") else None
    source_parts = []
    if isinstance(st.get("capacity_source"), str) and st.get("capacity_source"):
        date = st.get("capacity_date")
        source_parts.append(f"{st['capacity_source']}" + (f" ({date})" if isinstance(date, str) and date else ""))
    if state.projects:
        source_parts.append("projects: " + ", ".join(state.projects) + " (public statements, not promises)")
    mw = state.mw if state.known else np.nan
    at_least = state.known and not state.exact  # the figure is a lower bound (a project adds an unstated MW)
    name = str(st["name"])
    cond: list[NotePart] = []
    if state.conditional is not None:
        key = "grid_note_conditional_counted" if count_conditional else "grid_note_conditional_not_counted"
        cond = [NotePart(key, {"mw": state.conditional})]
    if state.basis:
        source_parts.insert(0, f"horizon {state.basis}")
    figures = {"name": name, "mw": state.mw, "year": ready_by, "need": power_mw}
    if status == "sufficient":
        parts = [NotePart("grid_note_sufficient_at_least" if at_least else "grid_note_sufficient", figures), *cond]
        score, assumption = 1.0, ""
    elif status == "insufficient":
        parts = [NotePart("grid_note_insufficient", figures), *cond,
                 *_later_hint(later, dists, subs, power_mw, max_distance_km)]
        score, assumption = 0.0, ""
    else:
        stated = state.known and state.mw > 0
        parts = [NotePart("grid_note_unknown_at_least" if stated else "grid_note_unknown",
                          {"name": name, "mw": state.mw, "operator": operator}), *cond]
        score, assumption = u_score, _assumption_text(unknown)
    return {
        "grid_substation": name, "grid_substation_id": str(st["substation_id"]), "grid_operator": operator,
        "grid_voltage_kv": float(st["voltage_kv"]), "grid_distance_km": round(d, 3), "grid_available_mw": mw,
        "grid_available_year": float(state.year) if state.year is not None else np.nan,
        "grid_status": status,
        "grid_note": grid_note_text(parts, lang="en"), "grid_note_sv": grid_note_text(parts, lang="sv"),
        "grid_source": "; ".join(source_parts) or None,
        "grid_assumption": assumption, "grid_score": score, "grid_eligible": score > 0,
        "grid_conditional_mw": state.conditional if state.conditional is not None else np.nan,
        "grid_capacity_basis": state.basis, "grid_mw_at_least": at_least,
    }


def _later_hint(later: Mapping[int, list[_StationState]], dists: np.ndarray, subs: pd.DataFrame,
                power_mw: float, max_distance_km: float) -> list[NotePart]:
    """The note part "sufficient from YEAR at NAME" when a planned project would make a station in
    reach sufficient; no part otherwise."""
    for yr, states in later.items():
        for j, s in enumerate(states):
            if dists[j] <= max_distance_km and s.in_service and _status(s, power_mw) == "sufficient":
                return [NotePart("grid_note_later", {"year": yr, "name": str(subs.iloc[j]["name"])})]
    return []


#: Factor name under which the pipeline adds the grid score (scenario ``grid.weight``).
GRID_FACTOR = "grid_capacity"


def grid_raw_text(offer: pd.DataFrame, *, power_mw: float) -> pd.Series:
    """Raw value of the grid factor, readable in Swedish and English alike.

    ``"120 MW ≥ 100 MW"`` (sufficient), ``"20 MW < 100 MW"`` (insufficient),
    ``"? MW → 0.5"`` (unknown, scored by the stated assumption), ``"– MW"``
    (no substation in reach); a stated lower bound shows as ``"≥ 120 MW …"``.
    The grid note (``grid_note`` / ``grid_note_sv``) says the same in words.
    """
    need = f"{power_mw:g} MW"
    out = []
    for _, r in offer.iterrows():
        status = r["grid_status"]
        if status == "unknown":
            out.append(f"? MW → {r['grid_score']:g}")
        elif status == "none_within":
            out.append("– MW")
        else:
            bound = "≥ " if bool(r["grid_mw_at_least"]) else ""
            sign = "≥" if status == "sufficient" else "<"
            out.append(f"{bound}{r['grid_available_mw']:g} MW {sign} {need}")
    return pd.Series(out, index=offer.index, dtype=object)


def grid_offer_from_spec(
    candidates: gpd.GeoDataFrame,
    substations: gpd.GeoDataFrame,
    spec: Mapping[str, Any] | Any,
    *,
    region: str | None = "vastmanland",
    base_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """:func:`grid_offer` driven by a scenario ``grid`` block (a mapping or a pydantic ``GridSpec``).

    Keys: ``power_mw``, ``ready_by`` (required), ``unknown``, ``max_distance_km``,
    ``min_voltage_kv``, ``capacity_csv``, ``projects_csv`` (relative paths are
    taken relative to ``base_dir``).
    """
    def get(key: str, default: Any = None) -> Any:
        if isinstance(spec, Mapping):
            return spec.get(key, default)
        val = getattr(spec, key, default)
        return default if val is None else val

    def path(key: str) -> Path | None:
        val = get(key)
        if not val:
            return None
        p = Path(val)
        return p if p.is_absolute() or base_dir is None else Path(base_dir) / p

    if get("power_mw") is None or get("ready_by") is None:
        raise LayerError("grid block: power_mw and ready_by are required (e.g. power_mw: 100, ready_by: 2028)")
    subs, projects = load_grid_tables(substations, capacity_csv=path("capacity_csv"),
                                      projects_csv=path("projects_csv"), region=region)
    return grid_offer(candidates, subs, projects, power_mw=float(get("power_mw")), ready_by=int(get("ready_by")),
                      max_distance_km=float(get("max_distance_km", 15.0)), min_voltage_kv=get("min_voltage_kv"),
                      unknown=get("unknown", "assume_available"),
                      count_conditional=bool(get("count_conditional", False)))
