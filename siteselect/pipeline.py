"""The analysis of one scenario: layers → constraints / measures → factors → overlay → ranking.

:func:`analyse` does the analysis, touches no file and returns a
:class:`~siteselect.analysis.result.Result`; :func:`run_inputs` lists every
file a run reads (so no output can overwrite one). Writing the results is
:mod:`siteselect.runs` (``run``, ``run_sheets``, ``export_geopackage``,
``run_suitability``); the CLI, the enquiry module and the notebooks call
these and hold no logic of their own.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import platform
from collections.abc import Callable, Iterable, Mapping
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.analysis.capacity import GRID_FACTOR, grid_offer_from_spec, grid_raw_text
from siteselect.analysis.constraints import apply_constraints, limit_reasons
from siteselect.analysis.factors import standardise_table
from siteselect.analysis.measures import FREIGHT_MEASURES, MeasureRequest, freight_graph, site_measures, standard_requests
from siteselect.analysis.overlay import rank_scores, score_table
from siteselect.analysis.readiness import land_readiness
from siteselect.analysis.reasons import Reason, reasons_from_json, reasons_to_json
from siteselect.analysis.result import SITE_COLUMNS, Result
from siteselect.analysis.weights import AHPResult, weights_from_spec
from siteselect.core.crs import DEFAULT_CRS, common_crs, crs_text
from siteselect.core.embedded import data_file, shipped_or_path
from siteselect.core.version import __version__
from siteselect.errors import ScenarioError, UnknownSiteError
from siteselect.io.catalog_file import catalog_inputs
from siteselect.io.grid_tables import grid_data_dir
from siteselect.io.layers import load_layers
from siteselect.io.read import embedded_path
from siteselect.io.work_crs import to_work_layers
from siteselect.network.graph import GraphCache, RoadGraph
from siteselect.scenario import Scenario, load_scenario

log = logging.getLogger(__name__)

#: A progress callback: called with a short text as each step starts.
Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """The default progress callback: says nothing."""


#: Isochrone limits drawn on maps and site sheets, minutes.
ISOCHRONE_MINUTES: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)



def default_scenario_path() -> Path:
    """The shipped default scenario (``layers/scenarios/electricity-intensive.yaml`` in a checkout)."""
    return data_file("scenarios", "electricity-intensive.yaml")


def resolve_scenario(scenario: Scenario | str | os.PathLike[str] | None) -> tuple[Scenario, Path | None]:
    """Load a scenario from a path or shipped name (``None`` = the default) or pass a Scenario through.

    A bare name such as ``"logistics"`` that is not a file here names a
    shipped scenario (see :func:`siteselect.core.embedded.shipped`).

    Returns
    -------
    (Scenario, Path or None)
        The scenario and the file it came from.
    """
    if isinstance(scenario, Scenario):
        return scenario, None
    path = shipped_or_path(scenario, "scenarios") if scenario is not None else default_scenario_path()
    return load_scenario(path), path


def analyse(
    scenario: Scenario,
    *,
    scenario_path: Path | None = None,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    graph_cache: GraphCache | None = None,
    isochrone_top_n: int | None = None,
    isochrone_site_ids: list[str] | None = None,
    sensitivity: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Run the analysis of one scenario; writes nothing.

    Parameters
    ----------
    scenario
        A validated scenario.
    scenario_path
        The file the scenario came from (recorded in the provenance).
    layers
        Layers by role, to use instead of loading them (tests, notebooks);
        reprojected to the working CRS (the scenario's ``crs``, else the one
        they share) and checked against its area like a catalog's.
    graph_cache
        A cache of built road graphs to reuse between runs.
    isochrone_top_n
        Isochrones are drawn for this many top sites (default: the
        scenario's ``output.sheets_top_n``, at least 1).
    isochrone_site_ids
        Sites to draw isochrones for as well (e.g. sites asked for by id).
    sensitivity
        Whether to run the Monte-Carlo weight sensitivity.
    progress
        Called with a short text as each step starts (the CLI shows it).

    Returns
    -------
    Result
    """
    step = progress or quiet
    started = _dt.datetime.now(_dt.UTC)
    if layers is None:
        step("loading layers")
        catalog = catalog_path(scenario)
        layers = load_layers(catalog, crs=scenario.crs)
    else:
        layers = to_work_layers(layers, crs=scenario.crs)
    layers = dict(layers)
    require_roles(layers, ("candidates", "roads"))
    if layers.get("contaminated_sites") is not None and not layers["contaminated_sites"].empty:
        from siteselect.io.importers.ebh import match_ebh_to_sites

        layers["candidates"] = match_ebh_to_sites(layers["candidates"], layers["contaminated_sites"])
    candidates = layers["candidates"]

    step("building the road graph")
    graph = RoadGraph.from_roads(layers["roads"], cache=graph_cache)

    step(f"measuring reach of {len(candidates)} sites")
    factor_requests = {name: MeasureRequest(spec.measure, spec.params) for name, spec in scenario.factors.items()}
    requests = standard_requests(layers, min_voltage_kv=_min_voltage(scenario))
    requests += list(factor_requests.values())
    rail_limit = _rail_limit_request(scenario)
    if rail_limit is not None:
        requests.append(rail_limit)
    freight = freight_graph(scenario, layers["roads"], graph_cache)
    if freight is None:
        measures = site_measures(candidates, layers, graph, requests)
    else:  # lorry minutes for the freight measures, car minutes for the rest (commuting)
        is_freight = [r.measure in FREIGHT_MEASURES for r in requests]
        measures = site_measures(candidates, layers, graph,
                                 [r for r, f in zip(requests, is_freight, strict=True) if not f])
        measures = measures.join(site_measures(
            candidates, layers, freight, [r for r, f in zip(requests, is_freight, strict=True) if f]))

    step("applying constraints and scoring")
    checked = apply_constraints(candidates, layers, scenario.constraints, min_area_ha=scenario.site.min_area_ha)
    reasons = [checked["exclusion_reason"]]  # then limits, missing factor values, grid
    details: list[list[list[Reason]]] = [[reasons_from_json(d) for d in checked["exclusion_detail"]]]
    if scenario.limits is not None:
        reasons.append(
            limit_reasons(measures, scenario.limits, rail_column=rail_limit.column if rail_limit else "rail_minutes")
        )
        details.append([reasons_from_json(d) for d in reasons[-1].attrs["detail"]])

    raw = pd.DataFrame({name: measures[req.column] for name, req in factor_requests.items()}, index=candidates.index)
    std, nodata_reason = standardise_table(raw, scenario.factors)
    reasons.append(nodata_reason)
    std_nan = std.isna()
    details.append([[Reason("nodata", {"factor": str(n)}) for n in std.columns if std_nan.iloc[i][n]]
                    for i in range(len(std))])
    weights, ahp = weights_from_spec(scenario.weights, scenario.factor_names)
    factor_names = list(scenario.factor_names)

    grid = None
    if scenario.grid is not None:
        require_roles(layers, ("substations",))
        grid = grid_offer_from_spec(
            candidates, layers["substations"], scenario.grid, region=scenario.region
        )
        reasons.append(
            pd.Series(np.where(grid["grid_eligible"], "", "grid capacity: " + grid["grid_note"].astype(str)),
                      index=candidates.index, dtype=object)
        )
        details.append([[] if ok else [Reason("grid", {"note_en": str(en), "note_sv": str(sv)})]
                        for ok, en, sv in zip(grid["grid_eligible"], grid["grid_note"], grid["grid_note_sv"],
                                              strict=True)])
        w = scenario.grid.weight
        if w > 0:
            weights = {k: v * (1.0 - w) for k, v in weights.items()} | {GRID_FACTOR: w}
            std[GRID_FACTOR] = grid["grid_score"].astype(float)
            raw[GRID_FACTOR] = grid_raw_text(grid, power_mw=scenario.grid.power_mw)
            factor_names.append(GRID_FACTOR)

    scored = score_table(
        std, weights, method=scenario.aggregation.method, order_weights=scenario.aggregation.order_weights
    )
    reason = pd.concat(reasons, axis=1).apply(lambda row: "; ".join(r for r in row if r), axis=1)
    excluded = checked["excluded"].to_numpy(dtype=bool) | (reason != "").to_numpy()
    ranking = checked.copy()
    ranking["excluded"] = excluded
    ranking["exclusion_reason"] = reason
    ranking["exclusion_detail"] = [reasons_to_json([r for part in details for r in part[i]])
                                   for i in range(len(ranking))]
    ranking["score"] = scored["score"].where(~excluded)
    ranking["rank"] = rank_scores(ranking["score"], excluded=ranking["excluded"])
    for name in factor_names:
        ranking[f"{name}_raw"] = raw[name]
        ranking[f"{name}_std"] = std[name]
        ranking[f"{name}_weight"] = scored[f"{name}_weight"]
        ranking[f"{name}_contrib"] = scored[f"{name}_contrib"]
    for col in measures.columns:
        if col not in ranking.columns:
            ranking[col] = measures[col]
    if grid is not None:
        for col in grid.columns:
            ranking[col] = grid[col]
    ready = land_readiness(candidates, class_map=scenario.readiness)
    for col in ready.columns:
        ranking[col] = ready[col]

    if sensitivity and scenario.sensitivity.runs > 0:
        step(f"sensitivity: {scenario.sensitivity.runs} weight draws")
        ranking = _with_sensitivity(ranking, std, raw, weights, scenario)

    ranking = _ordered(ranking, factor_names)
    top_n = isochrone_top_n if isochrone_top_n is not None else max(scenario.output.sheets_top_n, 1)
    top = ranking[~ranking["excluded"]].sort_values("rank", kind="stable").head(top_n)
    if isochrone_site_ids:
        unknown = sorted(set(isochrone_site_ids) - set(ranking["site_id"]))
        if unknown:
            raise UnknownSiteError(
                f"site id(s) {', '.join(unknown)} not among the candidates (column site_id); "
                f"known ids look like {', '.join(ranking['site_id'].head(3))}"
            )
        asked = ranking[ranking["site_id"].isin(isochrone_site_ids) & ~ranking.index.isin(top.index)]
        top = pd.concat([top, asked])
    step(f"isochrones for {len(top)} sites")
    isochrones = (
        graph.isochrones(top, origin_id="site_id", minutes=ISOCHRONE_MINUTES)
        if len(top)
        else gpd.GeoDataFrame({"site_id": [], "minutes": []}, geometry=[], crs=ranking.crs)
    )
    provenance = run_provenance(scenario, scenario_path, layers, started, graph.report, ahp)
    if freight is not None:
        provenance["freight_vehicle"] = dict(freight.report["vehicle"])
    return Result(
        scenario=scenario,
        ranking=ranking,
        layers=layers,
        isochrones=isochrones,
        weights=weights,
        ahp=ahp,
        provenance=provenance,
        factor_names=factor_names,
        graph_report=dict(graph.report),
    )


def catalog_path(scenario: Scenario) -> Path | None:
    """The scenario's layer catalog (absolute when read with :func:`load_scenario`), or ``None``."""
    return None if scenario.layers is None else Path(scenario.layers)


def _rail_limit_request(scenario: Scenario) -> MeasureRequest | None:
    """The rail measure a ``limits.max_rail_minutes`` is checked on (its station kinds)."""
    lim = scenario.limits
    if lim is None or lim.max_rail_minutes is None:
        return None
    params = {"station_kinds": lim.rail_station_kinds} if lim.rail_station_kinds else {}
    return MeasureRequest("rail_minutes", params)


def require_roles(layers: Mapping[str, gpd.GeoDataFrame], roles: tuple[str, ...]) -> None:
    """Refuse layers that lack one of ``roles`` (a :class:`~siteselect.errors.ScenarioError` naming them)."""
    missing = [r for r in roles if r not in layers or layers[r] is None]
    if missing:
        raise ScenarioError(f"the layers lack role(s) {', '.join(missing)}; add them to the layer catalog")


def _min_voltage(scenario: Scenario) -> float:
    """Voltage of the scenario's first substation factor or grid constraint (default 130 kV)."""
    for spec in scenario.factors.values():
        if spec.measure == "substation_km" and spec.min_voltage_kv:
            return float(spec.min_voltage_kv)
    for c in scenario.constraints:
        kv = getattr(c, "min_voltage_kv", None)  # only a grid constraint states a voltage
        if kv:
            return float(kv)
    return 130.0


def _with_sensitivity(
    ranking: gpd.GeoDataFrame,
    std: pd.DataFrame,
    raw: pd.DataFrame,
    weights: Mapping[str, float],
    scenario: Scenario,
) -> gpd.GeoDataFrame:
    from siteselect.analysis.sensitivity import monte_carlo_ranks

    if int((~ranking["excluded"]).sum()) < 2:
        return ranking
    s = scenario.sensitivity
    sens = monte_carlo_ranks(
        std,
        weights,
        runs=s.runs,
        top_k=s.top_k,
        concentration=s.concentration,
        seed=s.seed,
        method=scenario.aggregation.method,
        order_weights=scenario.aggregation.order_weights,
        excluded=ranking["excluded"],
        raw=raw,
        factors=scenario.factors,
        fuzzy_jitter=s.fuzzy_jitter,
    )
    out = ranking.copy()
    for col in sens.columns:
        out[col] = sens[col].reindex(out.index)
    return out


def _ordered(ranking: gpd.GeoDataFrame, factor_names: list[str]) -> gpd.GeoDataFrame:
    """Columns in a stable, readable order; rows best first, excluded last."""
    first = [c for c in SITE_COLUMNS if c in ranking.columns]
    per_factor = [
        f"{n}_{part}" for n in factor_names for part in ("raw", "std", "weight", "contrib")
    ]
    rest = [c for c in ranking.columns if c not in first and c not in per_factor and c != "geometry"]
    cols = first + per_factor + rest + ["geometry"]
    out = ranking[cols]
    key = out["rank"].astype("Float64").fillna(np.inf)
    return out.iloc[np.argsort(key.to_numpy(dtype=float), kind="stable")]


#: Measures travelled by the scenario's ``vehicle``; the others (commuting) stay by car.



def run_provenance(
    scenario: Scenario,
    scenario_path: Path | None,
    layers: Mapping[str, gpd.GeoDataFrame],
    started: _dt.datetime,
    graph_report: Mapping[str, Any],
    ahp: AHPResult | None,
) -> dict[str, Any]:
    """What a run's outputs record about how they were made: version, time, scenario file, CRS, layers."""
    sources = {role: str(frame.attrs.get("source", "embedded default")) for role, frame in sorted(layers.items())}
    prov: dict[str, Any] = {
        "siteselect_version": __version__,
        "python": platform.python_version(),
        "run_at_utc": started.isoformat(timespec="seconds"),
        "scenario_file": str(scenario_path) if scenario_path else None,
        "crs": _work_crs_text(layers),
        "layers": sources,
        "road_graph": {k: graph_report[k] for k in ("nodes", "edges", "components_dropped") if k in graph_report},
    }
    if ahp is not None:
        prov["ahp_consistency_ratio"] = round(float(ahp.cr), 4)
    return prov


def _work_crs_text(layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    """The working CRS of a run's layers as ``EPSG:nnnn`` (or its name)."""
    crs = common_crs(layers.items())
    return crs_text(crs if crs is not None else DEFAULT_CRS)


# --------------------------------------------------------------------------- inputs


def run_inputs(
    scenario: Scenario,
    scenario_path: str | os.PathLike[str] | None = None,
    *,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    extra: Iterable[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Every file (or folder) a run of ``scenario`` reads, for :func:`siteselect.core.output.check_outputs`.

    The scenario file, its layer catalog and every file the catalog names
    (with a shapefile's side files), the embedded GeoPackage when the run
    uses it, and the grid tables; with ``layers`` given, the files those
    frames were read from.
    """
    found: list[Path] = [Path(p) for p in extra]
    if scenario_path is not None:
        found.append(Path(scenario_path))
    if layers is not None:
        found += [p for frame in layers.values() if frame is not None for p in _source_paths(frame)]
    elif scenario.layers is None:
        found.append(embedded_path())
    else:
        found += catalog_inputs(Path(scenario.layers))
    if scenario.grid is not None:
        found += [Path(p) for p in (scenario.grid.capacity_csv, scenario.grid.projects_csv) if p]
        found.append(grid_data_dir())
    return _with_side_files(found)



def _source_paths(frame: gpd.GeoDataFrame) -> list[Path]:
    """The file a loaded layer came from, parsed from its ``source`` label (see :func:`siteselect.io.read.source_label`)."""
    text = str(frame.attrs.get("source", ""))
    for cut in (" (format ", " (layer '"):
        text = text.split(cut)[0]
    return [Path(text)] if text and Path(text).exists() else []


def _with_side_files(paths: list[Path]) -> list[Path]:
    """``paths`` plus the side files of shapefiles (``roads.dbf`` … beside ``roads.shp``)."""
    out = list(paths)
    for p in paths:
        if p.suffix.lower() == ".shp" and p.parent.is_dir():
            out += [q for q in p.parent.glob(f"{glob_escape(p.stem)}.*") if q != p]
    return out
