"""A scenario's analysis written to files: ``run``, ``run_sheets``, ``export_*`` and ``run_suitability``.

Each function resolves the scenario, checks its output against every input of
the run (:func:`siteselect.pipeline.run_inputs`), calls
:func:`siteselect.pipeline.analyse` and writes all or nothing (an
:class:`~siteselect.core.output.OutputFolder`, or one file replaced
atomically). The CLI commands are thin wrappers around these.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
from matplotlib.figure import Figure

from siteselect.analysis.result import Result
from siteselect.core.defaults import TOP_N_SITES
from siteselect.core.output import OutputFolder, atomic_write, check_outputs, write_csv
from siteselect.errors import OutputError
from siteselect.io.layers import load_layers
from siteselect.io.work_crs import to_work_layers
from siteselect.network.graph import RoadGraph
from siteselect.pipeline import (
    Progress,
    analyse,
    catalog_path,
    quiet,
    require_roles,
    resolve_scenario,
    run_inputs,
    run_provenance,
)
from siteselect.scenario import EngineSpec, Scenario, save_scenario

__all__ = [
    "export_geopackage",
    "export_postgis",
    "ranking_table",
    "run",
    "run_sheets",
    "run_suitability",
    "write_outputs",
    "write_result_geopackage",
    "write_run_files",
]


def ranking_table(result: Result) -> pd.DataFrame:
    """The ranking as a plain table for CSV: no geometry, site centre as lon/lat and as x/y in
    the working CRS (columns ``x_<EPSG code>``, ``y_<EPSG code>``, e.g. ``x_3006``)."""
    r = result.ranking
    centre = r.geometry.representative_point()
    table = pd.DataFrame(r.drop(columns="geometry"))
    lonlat = gpd.GeoSeries(centre, crs=r.crs).to_crs("EPSG:4326")
    code = pyproj.CRS(r.crs).to_epsg() if r.crs is not None else None
    suffix = str(code) if code else "work"
    table[f"x_{suffix}"] = centre.x.round(1)
    table[f"y_{suffix}"] = centre.y.round(1)
    table["lon"] = lonlat.x.round(6)
    table["lat"] = lonlat.y.round(6)
    return table


def write_outputs(
    result: Result,
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = True,
    sheets_top_n: int | None = None,
    lang: str = "sv",
    gpkg: bool = True,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write ranking.csv, scenario.yaml, map.html, siteselect.gpkg and site sheets, all or nothing.

    The files are written into a staging folder inside ``out_dir`` and moved
    into place at the end (see :class:`siteselect.core.output.OutputFolder`):
    ``out_dir`` then holds exactly this run's files, plus any file a user put
    there; files an earlier run wrote and this one did not are removed.

    Returns
    -------
    dict
        Output kind -> path (``sheets`` -> the ``sites`` folder).

    Raises
    ------
    OutputError
        ``out_dir`` holds an input of the run, is being written by another
        command, is a non-empty folder siteselect did not write, or cannot be
        written.
    """
    inputs = run_inputs(result.scenario, result.provenance.get("scenario_file"), layers=result.layers)
    with OutputFolder(out_dir, inputs=inputs) as folder:
        paths = write_run_files(result, folder.staging, offline=offline, sheets_top_n=sheets_top_n, lang=lang,
                                gpkg=gpkg, progress=progress)
        folder.commit()
        return {k: folder.target / p.relative_to(folder.staging) for k, p in paths.items()}


def write_run_files(
    result: Result,
    out: Path,
    *,
    offline: bool = True,
    sheets_top_n: int | None = None,
    lang: str = "sv",
    gpkg: bool = True,
    progress: Progress | None = None,
    sheets: Sequence[tuple[pd.Series, Figure]] | None = None,
) -> dict[str, Path]:
    """Write a run's files into the folder ``out`` (each file atomically, the folder as it is).

    :func:`write_outputs` calls this on its staging folder; call it directly
    only to add a run's files to a folder you manage yourself. ``sheets`` are
    site sheets already drawn (:func:`siteselect.outputs.sheets.site_sheet_figures`,
    e.g. for an offer pack as well) to write instead of drawing the top
    ``sheets_top_n`` (default: the scenario's ``output.sheets_top_n``).
    """
    from siteselect.outputs.livemap import live_model_from_result
    from siteselect.outputs.mapview import write_map
    from siteselect.outputs.sheets import save_site_sheets, site_sheet_figures

    step = progress or quiet
    paths: dict[str, Path] = {}
    paths["ranking"] = write_csv(ranking_table(result), out / "ranking.csv")
    paths["scenario"] = save_scenario(result.scenario, out / "scenario.yaml", provenance=result.provenance)
    step("writing the map")
    paths["map"] = write_map(
        result.ranking,
        result.layers,
        out_path=out / "map.html",
        factor_names=result.factor_names,
        isochrones=result.isochrones,
        title=f"siteselect — {result.scenario.name}",
        offline=offline,
        lang=lang,
        live=live_model_from_result(result),
    )
    if gpkg:
        step("writing the GeoPackage")
        paths["gpkg"] = write_result_geopackage(result, out / "siteselect.gpkg",
                                                scenario_yaml=(out / "scenario.yaml").read_text(encoding="utf-8"))
    if sheets is None:
        n = result.scenario.output.sheets_top_n if sheets_top_n is None else sheets_top_n
        sheets = []
        if n > 0:
            step(f"drawing {n} site sheets")
            sheets = site_sheet_figures(result.ranking, result.layers, top_n=n, isochrones=result.isochrones,
                                        lang=lang)
    if sheets:
        save_site_sheets(sheets, result.ranking, out_dir=out, lang=lang)
        paths["sheets"] = out / "sites"
    return paths


def write_result_geopackage(result: Result, path: Path, *, scenario_yaml: str | None = None) -> Path:
    """The styled GeoPackage of a run (inputs as used, scored candidates, isochrones, scenario as metadata).

    ``scenario_yaml`` is the scenario text to store (default: the scenario
    with the run's provenance, as ``scenario.yaml`` holds it).
    """
    from siteselect.outputs.gpkg import write_geopackage
    from siteselect.scenario import scenario_yaml_text

    return write_geopackage(
        path, ranking=result.ranking, layers=result.layers, isochrones=result.isochrones,
        scenario_yaml=scenario_yaml if scenario_yaml is not None
        else scenario_yaml_text(result.scenario, provenance=result.provenance),
        provenance=result.provenance,
    )


def run(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str],
    offline: bool = True,
    sheets_top_n: int | None = None,
    lang: str = "sv",
    sensitivity: bool = True,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    progress: Progress | None = None,
) -> tuple[Result, dict[str, Path]]:
    """Analyse a scenario and write its outputs, all or nothing (see :func:`write_outputs`).

    ``out_dir`` is checked against the run's inputs and locked before the
    analysis starts, so a bad ``--out`` or a second run into the same folder
    is refused at once.

    Parameters
    ----------
    scenario
        Scenario, path to a scenario YAML, or ``None`` for the shipped default.
    out_dir
        Folder for the outputs.

    Returns
    -------
    (Result, dict)
        The result and the paths written.
    """
    sc, path = resolve_scenario(scenario)
    with OutputFolder(out_dir, inputs=run_inputs(sc, path, layers=layers)) as folder:
        result = analyse(sc, scenario_path=path, layers=layers, sensitivity=sensitivity, progress=progress)
        paths = write_run_files(result, folder.staging, offline=offline, sheets_top_n=sheets_top_n, lang=lang,
                                progress=progress)
        (progress or quiet)(f"moving the results into {folder.target}")
        folder.commit()
    return result, {k: folder.target / p.relative_to(folder.staging) for k, p in paths.items()}


def run_sheets(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str],
    site_ids: list[str] | None = None,
    top_n: int | None = None,
    lang: str = "sv",
    pack: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Site sheets for ``site_ids`` or the ``top_n`` best sites into ``out_dir/sites``, all or nothing.

    With ``pack``, also the offer pack of these sites (``offer_<scenario>_<date>.pdf``
    and ``.docx``: summary, overview map and comparison, then each sheet; see
    :mod:`siteselect.outputs.offer`); each sheet is drawn once and serves both.
    ``top_n`` defaults to :data:`siteselect.core.defaults.TOP_N_SITES`.

    Returns
    -------
    list of pathlib.Path
        Each site's PDF, PNG and HTML, in that order (then the pack's PDF and DOCX).
    """
    from siteselect.outputs.sheets import save_site_sheets, site_sheet_figures

    n = TOP_N_SITES if top_n is None else top_n
    sc, path = resolve_scenario(scenario)
    with OutputFolder(out_dir, inputs=run_inputs(sc, path), command="sheet") as folder:
        result = analyse(sc, scenario_path=path, sensitivity=False, isochrone_site_ids=site_ids,
                         isochrone_top_n=top_n, progress=progress)
        (progress or quiet)("drawing the site sheets")
        sheets = site_sheet_figures(result.ranking, result.layers, site_ids=site_ids, top_n=n,
                                    isochrones=result.isochrones, lang=lang)
        written = save_site_sheets(sheets, result.ranking, out_dir=folder.staging, lang=lang)
        if pack:
            from siteselect.outputs.offer import write_sheet_pack

            written += list(write_sheet_pack(result, sheets, out_dir=folder.staging, lang=lang).values())
        final = [folder.final(p) for p in written]
        folder.commit()
    return final


def export_geopackage(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    gpkg_path: str | os.PathLike[str],
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Analyse a scenario as :func:`run` does and write only its styled GeoPackage (replaced atomically).

    Raises
    ------
    OutputError
        ``gpkg_path`` is an input of the run or lies in an input folder; or it
        exists, is not a GeoPackage siteselect wrote, and ``overwrite`` is false.
    """
    from siteselect.outputs.gpkg import is_siteselect_geopackage

    sc, path = resolve_scenario(scenario)
    target = Path(gpkg_path)
    check_outputs(files=[target], inputs=run_inputs(sc, path), option="--gpkg")
    if target.exists() and not overwrite and not is_siteselect_geopackage(target):
        raise OutputError(f"{target} exists and is not a GeoPackage siteselect wrote; choose another --gpkg, "
                          "or add --overwrite to replace it")
    result = analyse(sc, scenario_path=path, progress=progress)
    (progress or quiet)("writing the GeoPackage")
    return write_result_geopackage(result, target)


def export_postgis(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    to: str | None,
    schema: str = "siteselect",
    overwrite: bool = False,
    progress: Progress | None = None,
) -> str:
    """Analyse a scenario as :func:`run` does and write its results into a PostGIS schema, styled for QGIS.

    ``to`` names the database as a PostGIS source does (service, keywords or
    URI without password, ``env:NAME``, or ``None`` for PG* variables); see
    :func:`siteselect.outputs.postgis.write_postgis`, which does the writing in one
    transaction. Returns a label of the target (no password).
    """
    from siteselect.io.pg import parse_connection
    from siteselect.outputs.postgis import write_postgis
    from siteselect.scenario import scenario_yaml_text

    parse_connection(to, where="--to", error=OutputError)  # refuse a password before the analysis
    sc, path = resolve_scenario(scenario)
    result = analyse(sc, scenario_path=path, progress=progress)
    (progress or quiet)(f"writing schema {schema}")
    return write_postgis(
        to, schema=schema, ranking=result.ranking, layers=result.layers, isochrones=result.isochrones,
        scenario_yaml=scenario_yaml_text(result.scenario, provenance=result.provenance),
        provenance=result.provenance, overwrite=overwrite,
    )


def run_suitability(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str],
    resolution_m: float = 50.0,
    bbox: tuple[float, float, float, float] | None = None,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    offline: bool = True,
    top_share: float = 0.03,
    engine: EngineSpec | None = None,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Raster mode: the suitability surface of a scenario and the best zones as new candidates.

    Writes ``suitability.tif`` (Cloud-Optimized GeoTIFF in the working CRS, NaN =
    excluded), ``zones.gpkg`` and ``zones.csv`` (contiguous zones in the top
    ``top_share`` of cells, at least ``site.min_area_ha``, with area and
    compactness), ``map.html`` (zones over the coloured surface) and
    ``scenario.yaml``.

    ``engine`` (default: the scenario's ``engine``) chooses where the surface
    is computed: in memory, or chunk by chunk on Dask (a LocalCluster, or the
    scheduler it names). Both give the same surface.

    Returns
    -------
    dict
        Output kind -> path.
    """
    sc, path = resolve_scenario(scenario)
    with OutputFolder(out_dir, inputs=run_inputs(sc, path, layers=layers), command="suitability") as folder:
        paths = _suitability_files(sc, path, folder.staging, resolution_m=resolution_m, bbox=bbox, layers=layers,
                                   offline=offline, top_share=top_share, engine=engine, progress=progress)
        folder.commit()
    return {k: folder.target / p.relative_to(folder.staging) for k, p in paths.items()}


def _suitability_files(
    sc: Scenario,
    path: Path | None,
    out: Path,
    *,
    resolution_m: float,
    bbox: tuple[float, float, float, float] | None,
    layers: Mapping[str, gpd.GeoDataFrame] | None,
    offline: bool,
    top_share: float,
    engine: EngineSpec | None,
    progress: Progress | None,
) -> dict[str, Path]:
    """Write the files of :func:`run_suitability` into the folder ``out``."""
    from siteselect.outputs.mapview import render_suitability_png, write_map
    from siteselect.raster.suitability import extract_zones, scenario_surface

    step = progress or quiet
    started = _dt.datetime.now(_dt.timezone.utc)
    eng = engine or sc.engine or EngineSpec()
    if layers is None:
        step("loading layers")
    layers = dict(load_layers(catalog_path(sc), crs=sc.crs) if layers is None
                  else to_work_layers(layers, crs=sc.crs))
    require_roles(layers, ("roads",))
    step("building the road graph and per-node reach")
    graph = RoadGraph.from_roads(layers["roads"])
    surface = scenario_surface(sc, layers, resolution_m=resolution_m, bbox=bbox, graph=graph, engine=eng,
                               out_path=out / "suitability.tif", progress=step)
    step("extracting zones and writing the map")
    zones = extract_zones(surface, min_area_ha=sc.site.min_area_ha, top_share=top_share,
                          municipalities=layers.get("municipalities"))
    paths: dict[str, Path] = {"surface": out / "suitability.tif"}
    paths["zones"] = atomic_write(out / "zones.gpkg", lambda tmp: zones.to_file(tmp, layer="zones", driver="GPKG"))
    paths["zones_csv"] = write_csv(pd.DataFrame(zones.drop(columns="geometry")), out / "zones.csv")
    png = render_suitability_png(surface.score, bounds=surface.grid.bounds, out_path=out / "suitability.png")
    as_sites = zones.assign(
        score=zones["mean_score"], excluded=False, exclusion_reason="",
        rank=zones["mean_score"].rank(ascending=False, method="min").astype("Int64"),
    )
    paths["map"] = write_map(
        as_sites, layers, out_path=out / "map.html", factor_names=[], suitability_png=png,
        title=f"siteselect — {sc.name}: suitability {resolution_m:g} m", offline=offline,
    )
    provenance = run_provenance(sc, path, layers, started, graph.report, None)
    provenance["suitability"] = {
        "resolution_m": resolution_m, "factors": surface.factors, "weights": surface.weights,
        "dropped_factors": surface.dropped, "constraints": surface.notes, "engine": eng.kind,
    }
    paths["scenario"] = save_scenario(sc, out / "scenario.yaml", provenance=provenance)
    return paths
