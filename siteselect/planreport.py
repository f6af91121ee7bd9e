""""Suitable but not planned": zones planners may want to look at.

Raster mode (:mod:`siteselect.raster.suitability`) scores the whole county for a
scenario; the zones of at least ``min_area_ha`` whose cells are in the top
``top_share`` of the *county's* scored cells but lie outside every planned
industrial/business area are reported per municipality, best first, with the
factors that hold them back (their weakest standardised factors), constraint
features nearby and the nearest infrastructure.

Planned = candidates with ``site_type == "detaljplan"`` and ``plan_status`` in
gällande / pågående. The top-share threshold is taken over the whole surface
*before* planned land is masked, so a zone's cells are as good as the county's
best, not merely the best of what is left.

Every municipality of the ``municipalities`` layer gets an entry; one without
a zone says "no zone found".
"""

from __future__ import annotations

import html
import logging
import os
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
from matplotlib.figure import Figure

from siteselect.analysis.factors import standardise_table
from siteselect.analysis.measure_kinds import measure_kind
from siteselect.analysis.measures import MeasureRequest, site_measures, standard_requests
from siteselect.core.labels import label, labels_for
from siteselect.core.output import OutputFolder, atomic_write, write_csv, write_text
from siteselect.errors import LayerError
from siteselect.io.layers import load_layers
from siteselect.network.graph import RoadGraph
from siteselect.pipeline import catalog_path, resolve_scenario, run_inputs
from siteselect.scenario import Scenario

log = logging.getLogger(__name__)

__all__ = ["PlanReport", "plan_report", "planned_areas", "write_plan_report"]

_NEAR_M = 1000.0


@dataclass
class PlanReport:
    """Zones that are suitable but not planned.

    Attributes
    ----------
    zones
        GeoDataFrame (working CRS), one row per zone: ``zone_id``,
        ``municipality``, ``kommun_kod``, ``rank_in_municipality``,
        ``area_ha``, ``mean_score``, ``max_score``, ``weakest_factors``,
        ``constraints_near`` (within 1 km), nearest infrastructure
        (``motorway_minutes``/``nearest_junction``, ``port_minutes``/
        ``nearest_port``, ``rail_minutes``/``nearest_station``,
        ``substation_km``/``nearest_substation``), ``geometry``. This is the
        map layer too.
    municipalities
        One row per municipality: ``kommun_kod``, ``name``, ``n_zones``,
        ``zone_area_ha``, ``best_zone``, ``best_score``, ``summary``.
    threshold
        The score threshold (the county's top-share quantile).
    notes
        How the surface was made (dropped factors, constraint notes).
    """

    zones: gpd.GeoDataFrame
    municipalities: pd.DataFrame
    threshold: float
    notes: dict[str, Any]
    planned: gpd.GeoDataFrame


def planned_areas(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Candidates that count as planned (detaljplan, gällande or pågående)."""
    mask = (candidates["site_type"] == "detaljplan") & candidates["plan_status"].isin(["gällande", "pågående"])
    return candidates[mask]


def plan_report(
    layers: Mapping[str, gpd.GeoDataFrame],
    scenario: Scenario | None = None,
    *,
    resolution_m: float = 250.0,
    top_share: float = 0.1,
    min_area_ha: float = 20.0,
    max_zones_per_municipality: int = 5,
    graph: Any = None,
) -> PlanReport:
    """Zones in the county's top share that lie outside planned industrial land.

    Parameters
    ----------
    layers
        Role -> GeoDataFrame (one working CRS); needs ``county``, ``municipalities``,
        ``candidates``, ``roads`` and the scenario's layers.
    scenario
        Default: the shipped default scenario.
    resolution_m
        Cell size, metres (250 m is quick for a county overview).
    top_share
        Share of the county's scored cells counted as "top" (0–1).
    min_area_ha
        Smallest zone reported.
    max_zones_per_municipality
        Zones kept per municipality (best mean score first).
    graph
        A :class:`~siteselect.network.graph.RoadGraph` of ``layers["roads"]`` to reuse.

    Returns
    -------
    PlanReport
    """
    # the raster engine (rasterio, numba kernels) is imported when a report is made, not at CLI start-up
    from siteselect.raster.suitability import extract_zones, scenario_surface

    if not 0 < top_share < 1:
        raise LayerError(f"plan report: top_share found {top_share!r}; allowed: a share between 0 and 1, e.g. 0.1")
    for role in ("municipalities", "candidates", "roads", "county"):
        if role not in layers or layers[role] is None:
            raise LayerError(f"plan report: layer {role!r} is missing; add it to the layer catalog")
    if scenario is None:
        scenario, _ = resolve_scenario(None)
    if graph is None:
        graph = RoadGraph.from_roads(layers["roads"])
    surf = scenario_surface(scenario, layers, resolution_m=resolution_m, graph=graph)  # the engine of `suitability`
    valid = np.isfinite(surf.score)
    if not valid.any():
        raise LayerError("plan report: the suitability surface has no scored cell; check the constraints")
    threshold = float(np.quantile(surf.score[valid], 1.0 - top_share))
    planned = planned_areas(layers["candidates"])
    score = surf.score.copy()
    if len(planned):
        pmask = rasterio.features.rasterize(
            ((g, 1) for g in planned.geometry.values if g is not None and not g.is_empty),
            out_shape=surf.grid.shape, transform=surf.grid.transform, all_touched=True, dtype=np.uint8,
        )
        score[pmask.astype(bool)] = np.nan
    masked = type(surf)(score, surf.grid, surf.mask, surf.factors, surf.weights, surf.dropped, surf.notes, surf.method)
    munis = layers["municipalities"]
    zones = extract_zones(masked, min_area_ha=min_area_ha, threshold=threshold, max_zones=100_000,
                          municipalities=munis)
    zones = _split_by_municipality(zones.rename(columns={"site_id": "zone_id"}), munis, min_area_ha)
    zones = _describe(zones, layers, scenario, graph)
    codes = dict(zip(munis["name"], munis["kommun_kod"]))
    zones["kommun_kod"] = zones["municipality"].map(codes).fillna("")
    zones = zones.sort_values(["municipality", "mean_score"], ascending=[True, False], kind="stable")
    zones["rank_in_municipality"] = zones.groupby("municipality").cumcount() + 1
    zones = zones[zones["rank_in_municipality"] <= max_zones_per_municipality].reset_index(drop=True)
    keep = ["zone_id", "municipality", "kommun_kod", "rank_in_municipality", "area_ha", "mean_score", "max_score",
            "compactness", "weakest_factors", "constraints_near", "motorway_minutes", "nearest_junction",
            "port_minutes", "nearest_port", "rail_minutes", "nearest_station", "substation_km",
            "nearest_substation", "pop_45min"]
    zones = gpd.GeoDataFrame(zones[[c for c in keep if c in zones.columns] + ["geometry"]], crs=surf.grid.crs)
    summary = _municipality_table(munis, zones)
    notes = {"resolution_m": resolution_m, "top_share": top_share, "min_area_ha": min_area_ha,
             "threshold": threshold, "factors": surf.factors, "dropped_factors": surf.dropped,
             "constraints": surf.notes, "scenario": scenario.name, "planned_sites": len(planned)}
    return PlanReport(zones, summary, threshold, notes, planned)


def _split_by_municipality(zones: gpd.GeoDataFrame, munis: gpd.GeoDataFrame, min_area_ha: float) -> gpd.GeoDataFrame:
    """Zones cut at municipal borders; parts below ``min_area_ha`` dropped (ids ``zone_001-1980``)."""
    if zones.empty:
        return zones
    parts = gpd.overlay(zones.drop(columns="municipality"), munis[["name", "kommun_kod", "geometry"]],
                        how="intersection", keep_geom_type=True)
    parts = parts.rename(columns={"name_2": "municipality"}) if "name_2" in parts.columns else parts.rename(
        columns={"name": "municipality"})
    parts["area_ha"] = parts.geometry.area / 1e4
    parts = parts[parts["area_ha"] >= min_area_ha].copy()
    parts["zone_id"] = parts["zone_id"] + "-" + parts["kommun_kod"].astype(str)
    return gpd.GeoDataFrame(parts.drop(columns=[c for c in ("name_1", "kommun_kod") if c in parts.columns]),
                            crs=zones.crs)


def _describe(zones: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame], scenario: Scenario,
              graph: RoadGraph) -> gpd.GeoDataFrame:
    out = zones.copy()
    if out.empty:
        for c in ("weakest_factors", "constraints_near"):
            out[c] = pd.Series(dtype=object)
        return out
    # zones have no fields of their own: only measures taken from a layer describe them
    numeric = {n: s for n, s in scenario.factors.items() if s.kind == "numeric" and measure_kind(s.measure).role is not None}
    reqs = standard_requests(layers, min_voltage_kv=130.0, commute_minutes=(45.0,))
    reqs += [MeasureRequest(s.measure, s.params) for s in numeric.values()]
    meas = site_measures(out, layers, graph, reqs)
    for c in meas.columns:
        out[c] = meas[c].to_numpy()
    raw = pd.DataFrame({n: meas[MeasureRequest(s.measure, s.params).column] for n, s in numeric.items()},
                       index=out.index)
    std, _ = standardise_table(raw, numeric)
    weak = []
    for i in out.index:
        row = std.loc[i].dropna().sort_values()
        weak.append(", ".join(f"{n} {v:.2f}" for n, v in row.head(2).items()))
    out["weakest_factors"] = weak
    near: list[list[str]] = [[] for _ in range(len(out))]
    for role, what in (("protected_nature", "protected nature"), ("water", "water"), ("urban_areas", "housing")):
        lay = layers.get(role)
        if lay is None or lay.empty:
            continue
        j = gpd.sjoin_nearest(out[["geometry"]], lay[["name", "geometry"]], how="left", max_distance=_NEAR_M,
                              distance_col="d")
        j = j[~j.index.duplicated(keep="first")]
        for _k, (idx, r) in enumerate(j.iterrows()):
            if pd.notna(r.get("d")):
                near[out.index.get_loc(idx)].append(f"{what} {r['name']} ({r['d'] / 1000:.1f} km)")
    out["constraints_near"] = ["; ".join(n) if n else "none within 1 km" for n in near]
    return out


def _municipality_table(munis: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = []
    for _, m in munis.sort_values("kommun_kod").iterrows():
        z = zones[zones["municipality"] == m["name"]]
        if len(z):
            best = z.iloc[0]
            summary = (f"{len(z)} zone(s), {z['area_ha'].sum():.0f} ha; best {best['zone_id']} "
                       f"({best['area_ha']:.0f} ha, score {best['mean_score']:.2f})")
        else:
            summary = label("plan_no_zone", lang="en")
        rows.append({"kommun_kod": m["kommun_kod"], "name": m["name"], "n_zones": len(z),
                     "zone_area_ha": float(z["area_ha"].sum()) if len(z) else 0.0,
                     "best_zone": z.iloc[0]["zone_id"] if len(z) else None,
                     "best_score": float(z.iloc[0]["mean_score"]) if len(z) else np.nan, "summary": summary})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- writing


def _fmt(v: Any, unit: str, digits: int = 0) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v):.{digits}f} {unit}"


def _zone_lines(z: pd.Series, t: Mapping[str, str]) -> list[str]:
    infra = (f"E-junction {z.get('nearest_junction') or '–'} {_fmt(z.get('motorway_minutes'), 'min')}, "
             f"port {z.get('nearest_port') or '–'} {_fmt(z.get('port_minutes'), 'min')}, "
             f"rail {z.get('nearest_station') or '–'} {_fmt(z.get('rail_minutes'), 'min')}, "
             f"substation {z.get('nearest_substation') or '–'} {_fmt(z.get('substation_km'), 'km', 1)}")
    return [
        f"{z['rank_in_municipality']}. {z['zone_id']}: {z['area_ha']:.0f} {t['area']}, {t['score']} {z['mean_score']:.2f}",
        f"{t['weak']}: {z['weakest_factors']}",
        f"{t['near']}: {z['constraints_near']}",
        f"{t['infra']}: {infra}",
    ]


def write_plan_report(report: PlanReport, out_dir: str | os.PathLike[str], *, lang: str = "sv",
                      layers: Mapping[str, gpd.GeoDataFrame] | None = None,
                      inputs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, Path]:
    """Write ``plan_report.gpkg`` (layer ``suitable_not_planned``),
    ``plan_report_municipalities.csv`` and ``plan_<kod>.html`` / ``plan_<kod>.pdf`` per
    municipality into ``out_dir``, all or nothing (see :class:`siteselect.core.output.OutputFolder`).

    Parameters
    ----------
    inputs
        Files the report was made from; ``out_dir`` may not hold them.

    Returns
    -------
    dict
        ``gpkg``, ``municipalities_csv`` and ``html_<kod>`` / ``pdf_<kod>`` paths.
    """
    with OutputFolder(out_dir, inputs=inputs, command="planreport") as folder:
        paths = write_plan_report_files(report, folder.staging, lang=lang, layers=layers)
        final = {k: folder.final(p) for k, p in paths.items()}
        folder.commit()
    return final


def write_plan_report_files(report: PlanReport, out: Path, *, lang: str = "sv",
                            layers: Mapping[str, gpd.GeoDataFrame] | None = None) -> dict[str, Path]:
    """Write the files of :func:`write_plan_report` into the folder ``out`` (each file atomically)."""
    lab = labels_for(lang)
    t = {k: lab[f"plan_{k}"] for k in ("title", "zone", "area", "score", "weak", "near", "infra", "how")}
    paths: dict[str, Path] = {}
    zones = report.zones.copy()
    paths["gpkg"] = atomic_write(out / "plan_report.gpkg",
                                 lambda tmp: zones.to_file(tmp, layer="suitable_not_planned", driver="GPKG"))
    paths["municipalities_csv"] = write_csv(pd.DataFrame(report.municipalities),
                                            out / "plan_report_municipalities.csv")
    how = t["how"].format(ha=report.notes["min_area_ha"], pct=100 * report.notes["top_share"],
                          res=report.notes["resolution_m"], sc=report.notes["scenario"])
    munis = (layers or {}).get("municipalities")
    for _, m in report.municipalities.iterrows():
        code = str(m["kommun_kod"])
        z = report.zones[report.zones["municipality"] == m["name"]]
        paths[f"html_{code}"] = _write_html(out / f"plan_{code}.html", m, z, t, how, lang)
        paths[f"pdf_{code}"] = _write_pdf(out / f"plan_{code}.pdf", m, z, t, how, lang, munis, report.planned)
    return paths


def _write_html(path: Path, m: pd.Series, z: gpd.GeoDataFrame, t: Mapping[str, str], how: str, lang: str) -> Path:
    e = html.escape
    body = [f"<!DOCTYPE html><html lang=\"{e(lang)}\"><head><meta charset=\"utf-8\">",
            f"<title>{e(t['title'])} — {e(str(m['name']))}</title>",
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}</style></head><body>",
            f"<h1>{e(t['title'])}: {e(str(m['name']))} ({e(str(m['kommun_kod']))})</h1>", f"<p>{e(how)}</p>"]
    if z.empty:
        body.append(f"<p><b>{e(label('plan_no_zone', lang=lang))}</b></p>")
    for _, zr in z.iterrows():
        lines = _zone_lines(zr, t)
        body.append(f"<h2>{e(lines[0])}</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in lines[1:]) + "</ul>")
    body.append("</body></html>")
    return write_text(path, "\n".join(body))


def _write_pdf(path: Path, m: pd.Series, z: gpd.GeoDataFrame, t: Mapping[str, str], how: str, lang: str,
               munis: gpd.GeoDataFrame | None, planned: gpd.GeoDataFrame) -> Path:
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.965, f"{t['title']}: {m['name']} ({m['kommun_kod']})", fontsize=15, fontweight="bold", va="top")
    fig.text(0.06, 0.935, "\n".join(textwrap.wrap(how, 110)), fontsize=8, va="top")
    ax = fig.add_axes((0.06, 0.47, 0.88, 0.42))
    ax.set_axis_off()
    if munis is not None:
        mine = munis[munis["name"] == m["name"]]
        munis.boundary.plot(ax=ax, color="#bbbbbb", linewidth=0.5)
        mine.plot(ax=ax, color="#f4f4f4", edgecolor="#444444", linewidth=1.0)
        minx, miny, maxx, maxy = mine.total_bounds
        pad = 0.05 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    if len(planned):
        planned.plot(ax=ax, color="#9e9ac8", edgecolor="#54278f", linewidth=0.5)
    if len(z):
        z.plot(ax=ax, color="#fd8d3c", edgecolor="#a63603", linewidth=0.8)
        for _, zr in z.iterrows():
            p = zr.geometry.representative_point()
            ax.annotate(str(zr["rank_in_municipality"]), (p.x, p.y), fontsize=8, fontweight="bold", ha="center")
    ax.set_aspect("equal")
    y = 0.44
    if z.empty:
        fig.text(0.06, y, label("plan_no_zone", lang=lang), fontsize=11, fontweight="bold", va="top")
    for _, zr in z.iterrows():
        for k, line in enumerate(_zone_lines(zr, t)):
            for chunk in textwrap.wrap(line, 115):
                if y < 0.03:
                    break
                fig.text(0.06 if k == 0 else 0.09, y, chunk, fontsize=9 if k == 0 else 7.5,
                         fontweight="bold" if k == 0 else "normal", va="top")
                y -= 0.018 if k == 0 else 0.014
        y -= 0.006
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="pdf"))


def run_plan_report(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str],
    resolution_m: float = 100.0,
    top_share: float = 0.1,
    min_area_ha: float | None = None,
    lang: str = "sv",
) -> dict[str, Path]:
    """Zones that score well but lie outside industrial plans, written into ``out_dir`` all or nothing.

    See :func:`siteselect.planreport.plan_report`; ``min_area_ha`` defaults
    to the scenario's ``site.min_area_ha``.

    Returns
    -------
    dict
        Output kind -> path (see :func:`siteselect.planreport.write_plan_report`).
    """
    sc, path = resolve_scenario(scenario)
    with OutputFolder(out_dir, inputs=run_inputs(sc, path), command="planreport") as folder:
        layers = load_layers(catalog_path(sc), crs=sc.crs)
        report = plan_report(layers, sc, resolution_m=resolution_m, top_share=top_share,
                             min_area_ha=min_area_ha if min_area_ha is not None else sc.site.min_area_ha)
        paths = write_plan_report_files(report, folder.staging, lang=lang, layers=layers)
        final = {k: folder.final(p) for k, p in paths.items()}
        folder.commit()
    return final
