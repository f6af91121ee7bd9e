"""Enquiry answers (offertberedskap): a company's requirements → a ranked shortlist.

A request is written the way an enquiry arrives (``layers/enquiries/template.yaml``)::

    company: Example Battery Materials AB
    activity: battery_materials      # → separation distance to housing
    area_ha: 60
    power_mw: 150
    ready_by: 2028
    rail_siding: true
    max_port_minutes: 60
    max_motorway_minutes: 10
    min_workers_45min: 100000

:func:`request_to_scenario` turns it into a scenario dict. Its keys of today's
scenario schema are valid input for :func:`siteselect.scenario.scenario_from_dict`;
the two enquiry blocks the schema does not hold yet are separate top-level
keys, ``grid`` (power, year, unknown-capacity assumption) and ``limits``
(hard maximum minutes / minimum workers), split off with
:func:`split_enquiry_scenario`. :func:`run_enquiry` runs the analysis, then
applies grid capacity (:mod:`siteselect.analysis.capacity`), the hard limits and land
readiness (:mod:`siteselect.analysis.readiness`), and writes the pipeline's outputs
plus ``shortlist.csv``, ``excluded.csv``, ``enquiry-scenario.yaml`` and the
summary page (:mod:`siteselect.outputs.summary`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from siteselect.analysis.result import Result
from siteselect.core.defaults import TOP_N_SITES
from siteselect.core.embedded import shipped_or_path
from siteselect.core.safe_read import load_yaml
from siteselect.errors import OutputError, ScenarioError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

__all__ = [
    "ACTIVITY_SEPARATION_M",
    "REQUEST_KEYS",
    "TEMPLATE",
    "EnquiryResult",
    "analyse_enquiry",
    "load_request",
    "request_to_scenario",
    "run_enquiry",
    "split_enquiry_scenario",
    "write_template",
]

#: Default separation to housing per activity, metres (DOMAIN.md; estimates, configurable
#: with ``housing_distance_m``).
ACTIVITY_SEPARATION_M: dict[str, float] = {
    "office": 50.0,
    "light_workshop": 50.0,
    "car_workshop": 100.0,
    "petrol_station": 100.0,
    "data_centre": 100.0,
    "engineering": 300.0,
    "concrete_plant": 300.0,
    "sawmill": 300.0,
    "logistics": 500.0,
    "foundry": 500.0,
    "asphalt": 500.0,
    "recycling": 500.0,
    "battery_materials": 1000.0,
    "heavy_chemical": 1000.0,
}

#: Keys a request may hold.
REQUEST_KEYS: tuple[str, ...] = (
    "company", "contact", "received", "description", "activity", "housing_distance_m", "area_ha",
    "power_mw", "ready_by", "rail_siding", "max_rail_minutes", "max_port_minutes", "max_motorway_minutes",
    "min_workers_45min", "shortlist", "grid", "readiness",
)
_GRID_KEYS = ("unknown", "weight", "max_distance_km", "min_voltage_kv", "capacity_csv", "projects_csv")
#: Default weight of the grid score in an enquiry's total score (other weights scaled by 1 − it).
DEFAULT_GRID_WEIGHT = 0.25
#: Minutes by road to a freight or combi terminal that stand in for "rail siding possible" [E].
DEFAULT_RAIL_SIDING_MINUTES = 10.0
_ENQUIRY_KEYS = ("grid", "limits", "readiness", "shortlist")
#: Largest value accepted for each positive number of a request.
_MAX_VALUE: dict[str, float] = {
    "area_ha": 1e6, "power_mw": 100_000.0, "housing_distance_m": 100_000.0, "max_rail_minutes": 600.0,
    "max_port_minutes": 600.0, "max_motorway_minutes": 600.0, "min_workers_45min": 1e8,
}

TEMPLATE = """\
# siteselect enquiry — fill in what the company asked for; delete lines that do not apply.
# Run:  siteselect enquiry THIS_FILE.yaml --out results/ [--lang sv|en]
company: Example AB                 # who asks (used in the file names and the summary)
contact: name@example.com           # optional
received: 2026-11-23                # optional, date of the enquiry
description: What the company wants to build, in one sentence.
activity: engineering               # sets the separation distance to housing (metres):
                                    #   office/light_workshop 50, car_workshop/petrol_station/data_centre 100,
                                    #   engineering/concrete_plant/sawmill 300, logistics/foundry/asphalt/recycling 500,
                                    #   battery_materials/heavy_chemical 1000  (estimates; check the case)
# housing_distance_m: 400           # overrides the activity's distance
area_ha: 20                         # hectares needed (usable, after constraints)
power_mw: 30                        # firm grid power needed, MW (leave out if no special need)
ready_by: 2028                      # year the power and the site are needed
rail_siding: false                  # true = a freight/combi terminal within max_rail_minutes by road
# max_rail_minutes: 10
max_port_minutes: 60                # hard limit, minutes by road to a port (leave out: no limit)
max_motorway_minutes: 15            # hard limit, minutes by road to a motorway junction
min_workers_45min: 50000            # people living within 45 minutes by car (hard minimum)
shortlist: 5                        # how many sites to propose
# grid:                             # how unknown grid capacity is treated (most stations: unknown!)
#   unknown: assume_available       # or assume_unavailable, or a score in [0, 1]
#   weight: 0.25                    # share of the total score given to the grid score
#   max_distance_km: 15
#   min_voltage_kv: 130
#   capacity_csv: my_grid_capacity.csv     # the municipality's table (layers/grid/grid_capacity_template.csv)
#   projects_csv: my_grid_projects.csv
# readiness: {classes: [...]}       # land-readiness class map (see siteselect/scenario/readiness.py)
"""


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write the commented request template to ``path`` (a new file).

    Raises
    ------
    OutputError
        ``path`` exists already (a filled-in request is never replaced).
    """
    from siteselect.core.output import write_text

    p = Path(path)
    if p.exists() or p.is_symlink():
        raise OutputError(f"{p} exists; siteselect does not replace it with a template: choose another file "
                          "name (or delete it first)")
    return write_text(p, TEMPLATE)


# --------------------------------------------------------------------------- request


def load_request(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check an enquiry request YAML.

    Relative ``grid.capacity_csv`` / ``grid.projects_csv`` paths are taken
    relative to the file.

    Raises
    ------
    ScenarioError
        The file cannot be read, or keys are unknown, missing or of the wrong
        type (all problems listed, each naming the key and the fix).
    """
    p = Path(path)
    data = load_yaml(p, what="request", error=ScenarioError)
    req = check_request(data, source=str(p))
    grid = dict(req.get("grid") or {})
    for key in ("capacity_csv", "projects_csv"):
        if isinstance(grid.get(key), str) and not Path(grid[key]).is_absolute():
            grid[key] = str(p.parent / grid[key])
    if grid:
        req["grid"] = grid
    req.setdefault("_source", str(p))
    return req


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def check_request(data: Any, *, source: str = "<dict>") -> dict[str, Any]:
    """Validate a request mapping; return a copy. See :func:`load_request`."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"request {source}: found {type(data).__name__}; allowed: a mapping (see --template)")
    probs: list[str] = []
    for k in data:
        if k not in REQUEST_KEYS and k != "_source":
            probs.append(f"{k}: unknown key; allowed keys: {', '.join(REQUEST_KEYS)}")
    if "area_ha" not in data:
        probs.append("area_ha: required; the hectares the company needs")
    positive = ("area_ha", "power_mw", "housing_distance_m", "max_rail_minutes", "max_port_minutes",
                "max_motorway_minutes", "min_workers_45min")
    for k in positive:
        if k in data and data[k] is not None and not (_is_num(data[k]) and 0 < data[k] <= _MAX_VALUE[k]):
            probs.append(f"{k}: found {data[k]!r}; allowed: a positive number up to {_MAX_VALUE[k]:g}")
    act = data.get("activity")
    if act is not None and act not in ACTIVITY_SEPARATION_M:
        probs.append(f"activity: found {act!r}; allowed: {', '.join(ACTIVITY_SEPARATION_M)} "
                     "(or give housing_distance_m)")
    yr = data.get("ready_by")
    if yr is not None and not (isinstance(yr, int) and not isinstance(yr, bool) and 2000 <= yr <= 2100):
        probs.append(f"ready_by: found {yr!r}; allowed: a year such as 2028")
    if data.get("power_mw") is not None and yr is None:
        probs.append("ready_by: required with power_mw; the year the power is needed")
    if "rail_siding" in data and not isinstance(data["rail_siding"], bool):
        probs.append(f"rail_siding: found {data['rail_siding']!r}; allowed: true or false")
    n = data.get("shortlist", TOP_N_SITES)
    if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 50):
        probs.append(f"shortlist: found {n!r}; allowed: a whole number 1–50")
    grid = data.get("grid")
    if grid is not None:
        if not isinstance(grid, Mapping):
            probs.append(f"grid: found {grid!r}; allowed: a mapping with {', '.join(_GRID_KEYS)}")
        else:
            for k in grid:
                if k not in _GRID_KEYS:
                    probs.append(f"grid.{k}: unknown key; allowed keys: {', '.join(_GRID_KEYS)}")
            for k in ("max_distance_km", "min_voltage_kv"):
                v = grid.get(k)
                if v is not None and not (_is_num(v) and 0 < v <= 1000):
                    probs.append(f"grid.{k}: found {v!r}; allowed: a positive number up to 1000")
            w = grid.get("weight", DEFAULT_GRID_WEIGHT)
            if not (_is_num(w) and 0 <= w < 1):
                probs.append(f"grid.weight: found {w!r}; allowed: a number in [0, 1), e.g. 0.25")
            u = grid.get("unknown", "assume_available")
            if not (u in ("assume_available", "assume_unavailable") or (_is_num(u) and 0 <= u <= 1)):
                probs.append(f"grid.unknown: found {u!r}; allowed: assume_available, assume_unavailable or 0–1")
    if len(probs) == 1:
        raise ScenarioError(f"request {source}: {probs[0]}")
    if probs:
        raise ScenarioError(f"request {source}: {len(probs)} problem(s)\n" + "\n".join(f"  - {p}" for p in probs))
    return dict(data)


def _slug(text: str) -> str:
    s = text.lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e")):
        s = s.replace(a, b)
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return (s or "request")[:40].strip("-")


def request_to_scenario(request: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario dict that answers a request.

    Parameters
    ----------
    request
        As returned by :func:`load_request` (or a dict checked the same way).

    Returns
    -------
    dict
        Scenario keys of today's schema (valid for
        :func:`siteselect.scenario.scenario_from_dict` once the enquiry keys
        are split off with :func:`split_enquiry_scenario`) plus, when needed,
        ``grid`` (``power_mw``, ``ready_by``, ``unknown``, ``max_distance_km``,
        ``min_voltage_kv``, table paths), ``limits`` (``max_port_minutes``,
        ``max_motorway_minutes``, ``max_rail_minutes`` with
        ``rail_station_kinds``, ``min_workers_45min``), ``readiness``
        (class map) and ``shortlist``.
    """
    req = check_request(request, source=str(request.get("_source", "<dict>")))
    company = str(req.get("company") or "request")
    area = float(req["area_ha"])
    if req.get("housing_distance_m") is not None:
        sep = float(req["housing_distance_m"])
        sep_note = "as requested"
    else:
        act = req.get("activity") or "engineering"
        sep = ACTIVITY_SEPARATION_M[act]
        sep_note = f"default for {act}"
    constraints: list[dict[str, Any]] = [
        {"id": "protected_nature", "layer": "protected_nature", "mode": "inside"},
        {"id": "water", "layer": "water", "mode": "inside"},
        {"id": f"housing_{int(sep)}m", "layer": "urban_areas", "mode": "within", "distance_m": sep,
         "reason": f"housing within {sep:g} m ({sep_note})"},
        {"id": "mifo_class_1", "layer": "candidates", "mode": "where", "field": "mifo_class", "op": "==",
         "value": 1, "on_null": "keep"},
    ]
    # site.min_area_ha only judges what spatial constraints leave; an explicit rule also
    # excludes sites that are too small to begin with
    tail = [{"id": "min_area", "mode": "min_area", "min_area_ha": area, "reason": f"smaller than {area:g} ha"}]
    grid_cfg = dict(req.get("grid") or {})
    power = req.get("power_mw")
    min_kv = float(grid_cfg.get("min_voltage_kv", 130.0 if power and power >= 20 else 10.0))
    reach_km = float(grid_cfg.get("max_distance_km", 15.0))
    factors: dict[str, Any] = {
        "area_ha": {"measure": "area_ha", "fuzzy": {"shape": "linear", "direction": "increasing",
                                                   "points": [area, max(2 * area, area + 10)]}},
        "motorway_minutes": {"measure": "motorway_minutes", "nodata": 0,
                             "fuzzy": {"shape": "linear", "direction": "decreasing",
                                       "points": [2, float(req.get("max_motorway_minutes") or 30)]}},
        "port_minutes": {"measure": "port_minutes", "nodata": 0,
                         "fuzzy": {"shape": "linear", "direction": "decreasing",
                                   "points": [5, float(req.get("max_port_minutes") or 90)]}},
        "labour_45min": {"measure": "population_within", "minutes": 45,
                         "fuzzy": {"shape": "linear", "direction": "increasing",
                                   "points": [float(req.get("min_workers_45min") or 20_000),
                                              max(250_000.0, 2 * float(req.get("min_workers_45min") or 0))]}},
        "plan_status": {"measure": "plan_status", "classes": {"gällande": 1.0, "pågående": 0.6, "ingen": 0.2}},
    }
    weights = {"area_ha": 1, "motorway_minutes": 2, "port_minutes": 1, "labour_45min": 2, "plan_status": 2}
    rail_minutes = req.get("max_rail_minutes")
    if req.get("rail_siding"):
        rail_minutes = float(rail_minutes or DEFAULT_RAIL_SIDING_MINUTES)
        factors["rail_minutes"] = {"measure": "rail_minutes", "station_kinds": ["freight", "combi"], "nodata": 0,
                                   "fuzzy": {"shape": "linear", "direction": "decreasing",
                                             "points": [1, max(rail_minutes, 2.0)]}}
        weights["rail_minutes"] = 2
    if power:
        factors["substation_km"] = {"measure": "substation_km", "min_voltage_kv": min_kv,
                                    "fuzzy": {"shape": "linear", "direction": "decreasing",
                                              "points": [1, reach_km]}}
        weights["substation_km"] = 3
        constraints.append({"id": f"grid_{int(min_kv)}kv_{int(reach_km)}km", "mode": "min_voltage_within",
                            "min_voltage_kv": min_kv, "distance_km": reach_km})
    constraints += tail
    shortlist = int(req.get("shortlist", TOP_N_SITES))
    scenario: dict[str, Any] = {
        "name": f"enquiry-{_slug(company)}",
        "description": str(req.get("description") or f"Enquiry from {company}"),
        "region": "vastmanland",
        "site": {"min_area_ha": area},
        "constraints": constraints,
        "factors": factors,
        "weights": {"method": "direct", "values": weights},
        "aggregation": {"method": "wlc"},
        "sensitivity": {"runs": 200, "top_k": shortlist, "concentration": 50, "seed": 42},
        "output": {"sheets_top_n": shortlist},
        "shortlist": shortlist,
    }
    if power:
        grid: dict[str, Any] = {"power_mw": float(power), "ready_by": int(req["ready_by"]),
                                "unknown": grid_cfg.get("unknown", "assume_available"),
                                "weight": float(grid_cfg.get("weight", DEFAULT_GRID_WEIGHT)),
                                "max_distance_km": reach_km, "min_voltage_kv": min_kv}
        for k in ("capacity_csv", "projects_csv"):
            if grid_cfg.get(k):
                grid[k] = str(grid_cfg[k])
        scenario["grid"] = grid
    limits: dict[str, Any] = {}
    for k in ("max_port_minutes", "max_motorway_minutes", "min_workers_45min"):
        if req.get(k) is not None:
            limits[k] = float(req[k])
    if rail_minutes is not None:
        limits["max_rail_minutes"] = float(rail_minutes)
        limits["rail_station_kinds"] = ["freight", "combi"] if req.get("rail_siding") else ["passenger", "freight", "combi"]
    if limits:
        scenario["limits"] = limits
    if req.get("readiness") is not None:
        scenario["readiness"] = req["readiness"]
    return scenario


def split_enquiry_scenario(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keys the :class:`~siteselect.scenario.Scenario` schema holds, the other enquiry keys).

    Enquiry keys (``grid``, ``limits``, ``readiness``, ``shortlist``) stay in
    the first dict once the schema has a field of that name.
    """
    from siteselect.scenario import Scenario

    known = set(Scenario.model_fields)
    core = {k: v for k, v in data.items() if k not in _ENQUIRY_KEYS or k in known}
    extra = {k: v for k, v in data.items() if k in _ENQUIRY_KEYS and k not in known}
    return core, extra


# --------------------------------------------------------------------------- analysis


@dataclasses.dataclass
class EnquiryResult:
    """An analysed enquiry: the pipeline result with grid, limits and readiness applied."""

    result: Result
    scenario_dict: dict[str, Any]
    shortlist: pd.DataFrame
    excluded: pd.DataFrame


_SHORTLIST_COLS = (
    "rank", "site_id", "name", "municipality", "score", "usable_area_ha", "plan_status", "plan_use", "owner",
    "readiness_class", "readiness_label", "years_to_build_ready", "grid_status", "grid_available_mw",
    "grid_note", "grid_note_sv", "grid_assumption", "motorway_minutes", "nearest_junction", "port_minutes", "nearest_port",
    "rail_minutes", "nearest_station", "pop_45min",
)


def analyse_enquiry(
    scenario_dict: Mapping[str, Any],
    *,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    sensitivity: bool = False,
) -> EnquiryResult:
    """Run an enquiry scenario dict (from :func:`request_to_scenario` or ``enquiry-scenario.yaml``).

    The pipeline ranks the sites, applying the scenario's ``grid`` block
    (sites the grid cannot serve by ``ready_by`` are excluded with the
    reason), its hard ``limits`` and land readiness. This adds
    ``potential_score`` (what an excluded site would have scored) so the
    best-known excluded sites can be explained, and cuts the shortlist.
    """
    from siteselect import pipeline
    from siteselect.scenario import scenario_from_dict

    core, extra = split_enquiry_scenario(scenario_dict)
    scenario = scenario_from_dict(core, source="enquiry scenario")
    n = int(extra.get("shortlist", scenario.output.sheets_top_n or TOP_N_SITES))
    result = pipeline.analyse(scenario, layers=layers, sensitivity=sensitivity, isochrone_top_n=n)
    ranking = result.ranking.copy()
    contrib = [c for c in ranking.columns if c.endswith("_contrib")]
    ranking["potential_score"] = ranking[contrib].sum(axis=1, min_count=1)
    new_result = dataclasses.replace(result, ranking=ranking)

    kept = ranking[~ranking["excluded"]].head(n)
    shortlist = pd.DataFrame(kept[[c for c in _SHORTLIST_COLS if c in kept.columns]]).reset_index(drop=True)
    ex = ranking[ranking["excluded"]].sort_values("potential_score", ascending=False, kind="stable")
    excluded_tbl = pd.DataFrame(
        ex[[c for c in ("site_id", "name", "municipality", "potential_score", "exclusion_reason") if c in ex.columns]]
    ).reset_index(drop=True)
    return EnquiryResult(new_result, dict(scenario_dict), shortlist, excluded_tbl)


def run_enquiry(
    path: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str],
    lang: str = "sv",
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    offline: bool = True,
) -> dict[str, Path]:
    """Answer a request file: scenario, shortlist, site sheets, map and summary page in ``out_dir``.

    ``path`` may also name a shipped example (``battery-materials``; see
    :func:`siteselect.core.embedded.shipped`).

    Returns
    -------
    dict
        Output kind -> path: the pipeline's outputs (``ranking``, ``scenario``,
        ``map``, ``gpkg``, ``sheets``) plus ``request``, ``enquiry_scenario``,
        ``shortlist``, ``excluded``, ``summary_html``, ``summary_pdf``.
    """
    from siteselect.core.output import OutputFolder, write_csv, write_text
    from siteselect.outputs.sheets import site_sheet_figures
    from siteselect.pipeline import run_inputs
    from siteselect.runs import write_run_files
    from siteselect.scenario import scenario_from_dict

    request = load_request(shipped_or_path(path, "enquiries"))
    scenario_dict = request_to_scenario(request)
    scenario = scenario_from_dict(split_enquiry_scenario(scenario_dict)[0], source=f"enquiry {path}")
    inputs = run_inputs(scenario, path, layers=layers)
    with OutputFolder(out_dir, inputs=inputs, command="enquiry") as folder:
        enq = analyse_enquiry(scenario_dict, layers=layers, sensitivity=True)
        out = folder.staging
        r = enq.result
        sheets = site_sheet_figures(r.ranking, r.layers, site_ids=shortlist_ids(enq), isochrones=r.isochrones,
                                    lang=lang)  # drawn once: the sheet files and the offer pack
        paths = write_run_files(r, out, offline=offline, lang=lang, sheets=sheets)
        req_copy = {k: v for k, v in request.items() if k != "_source"}
        paths["request"] = write_text(out / "request.yaml",
                                      yaml.safe_dump(req_copy, sort_keys=False, allow_unicode=True))
        paths["enquiry_scenario"] = save_enquiry_scenario(scenario_dict, out / "enquiry-scenario.yaml")
        paths["shortlist"] = write_csv(enq.shortlist, out / "shortlist.csv")
        paths["excluded"] = write_csv(enq.excluded, out / "excluded.csv")
        paths.update(write_enquiry_summary(enq, out, request=req_copy, lang=lang, sheets=sheets))
        final = {k: folder.final(p) for k, p in paths.items()}
        folder.commit()
    return final


def shortlist_ids(enq: EnquiryResult) -> list[str]:
    """The shortlisted site ids, best first."""
    return [str(s) for s in enq.shortlist["site_id"]] if len(enq.shortlist) else []


def enquiry_summary(enq: EnquiryResult, *, request: Mapping[str, Any], lang: str) -> tuple[dict[str, Any], list[Any]]:
    """The summary of an analysed enquiry: (content, A4 figures), see :mod:`siteselect.outputs.summary`."""
    from siteselect.outputs.summary import WHY_NOT_N, summary_content, summary_figures

    ids = shortlist_ids(enq)
    limits = enq.scenario_dict.get("limits") or {}
    rail_col = "rail_minutes_combi_freight" if limits.get("rail_station_kinds") == ["freight", "combi"] \
        and "rail_minutes_combi_freight" in enq.result.ranking.columns else "rail_minutes"
    content = summary_content(
        enq.result.ranking, site_ids=ids, request=request, scenario_name=enq.result.scenario.name, lang=lang,
        why_not_ids=[str(s) for s in enq.excluded["site_id"].head(WHY_NOT_N)], rail_column=rail_col,
        grid_unknown=(enq.scenario_dict.get("grid") or {}).get("unknown"),
    )
    pages = summary_figures(content, enq.result.ranking, enq.result.layers, enq.result.isochrones, ids)
    return content, pages


def write_enquiry_summary(enq: EnquiryResult, out_dir: str | os.PathLike[str], *, request: Mapping[str, Any],
                          lang: str, sheets: Sequence[tuple[pd.Series, Figure]] | None = None) -> dict[str, Path]:
    """Write the summary and the offer pack (``offer_*.pdf``, ``offer_*.docx``) of an enquiry into ``out_dir``.

    ``sheets`` are the shortlist's sheets already drawn
    (:func:`siteselect.outputs.sheets.site_sheet_figures`); drawn when ``None``.
    """
    from siteselect.outputs.offer import write_offer_pack
    from siteselect.outputs.summary import overview_figure, write_summary

    content, pages = enquiry_summary(enq, request=request, lang=lang)
    ids = shortlist_ids(enq)
    r = enq.result
    map_fig = overview_figure(r.ranking, r.layers, r.isochrones, ids, lang=lang)
    paths = write_summary(content, pages, Path(out_dir), map_figure=map_fig)
    paths.update(write_offer_pack(content, pages, r.ranking, r.layers, r.isochrones, site_ids=ids,
                                  out_dir=Path(out_dir), company=str(request.get("company") or ""), lang=lang,
                                  map_figure=map_fig, sheets=sheets))
    return paths


def save_enquiry_scenario(scenario_dict: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write an enquiry scenario dict (with its ``grid``/``limits`` blocks) as YAML."""
    head = ("# Enquiry scenario written by siteselect enquiry. Re-run with siteselect.enquiry.analyse_enquiry\n"
            "# (load_enquiry_scenario). The keys grid/limits/readiness/shortlist are enquiry blocks that\n"
            "# scenario.yaml (today's schema) does not hold yet.\n")
    from siteselect.core.output import write_text

    return write_text(Path(path), head + yaml.safe_dump(dict(scenario_dict), sort_keys=False, allow_unicode=True))


def load_enquiry_scenario(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an ``enquiry-scenario.yaml`` written by :func:`run_enquiry`."""
    p = Path(path)
    data = load_yaml(p, what="enquiry scenario", error=ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"enquiry scenario {p}: found {type(data).__name__}; allowed: a mapping")
    return data
