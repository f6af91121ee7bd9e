"""'Suitable but not planned' report on the embedded layers (coarse 250 m grid)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from siteselect.io.layers import load_layers
from siteselect.planreport import plan_report, planned_areas, write_plan_report

CODES = ["1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984"]


@pytest.fixture(scope="module")
def layers():
    return load_layers()


@pytest.fixture(scope="module")
def report(layers):
    return plan_report(layers, resolution_m=250, top_share=0.1, min_area_ha=20)


def test_planned_areas_selects_detaljplan_in_force_or_in_progress():
    c = gpd.GeoDataFrame(
        {"site_type": ["detaljplan", "detaljplan", "detaljplan", "reserve", "brownfield"],
         "plan_status": ["gällande", "pågående", "ingen", "gällande", "gällande"]},
        geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs="EPSG:3006",
    )
    assert list(planned_areas(c).index) == [0, 1]


def test_covers_all_ten_municipalities(report):
    m = report.municipalities
    assert sorted(m["kommun_kod"]) == CODES
    empty = m[m["n_zones"] == 0]
    assert (empty["summary"] == "no zone found").all()
    assert (m.loc[m["n_zones"] > 0, "best_zone"].notna()).all()


def test_zones_are_big_enough_top_scoring_and_outside_planned_land(report):
    z = report.zones
    assert len(z) > 0
    assert (z["area_ha"] >= 20).all()
    assert (z["mean_score"] >= report.threshold - 1e-6).all()
    planned = report.planned.geometry.union_all()
    assert z.geometry.intersection(planned).area.max() < 1.0  # m²
    for _, g in z.groupby("municipality"):
        assert list(g["rank_in_municipality"]) == list(range(1, len(g) + 1))
        assert list(g["mean_score"]) == sorted(g["mean_score"], reverse=True)
    assert z["zone_id"].is_unique
    assert z["weakest_factors"].str.len().gt(0).all()
    assert z["nearest_junction"].notna().all()


def test_written_outputs_per_municipality(report, layers, tmp_path: Path):
    paths = write_plan_report(report, tmp_path, lang="en", layers=layers)
    for code in CODES:
        assert paths[f"pdf_{code}"].stat().st_size > 1000
        text = paths[f"html_{code}"].read_text(encoding="utf-8")
        n = int(report.municipalities.set_index("kommun_kod").loc[code, "n_zones"])
        assert ("no zone found" in text) == (n == 0)
    back = gpd.read_file(paths["gpkg"], layer="suitable_not_planned")
    assert len(back) == len(report.zones) and back.crs.to_epsg() == 3006


def test_surface_is_the_raster_engines(layers, report):
    """planreport's surface is the one `siteselect suitability` computes (same engine, same reach)."""
    import numpy as np

    from siteselect.analysis.measures import node_measures
    from siteselect.network.graph import RoadGraph
    from siteselect.pipeline import resolve_scenario
    from siteselect.raster.suitability import suitability_surface

    sc, _ = resolve_scenario(None)
    tables = node_measures(sc.factors, layers, RoadGraph.from_roads(layers["roads"]))
    surf = suitability_surface(sc, layers, resolution_m=250, node_tables=tables, skip_unavailable=True)
    valid = np.isfinite(surf.score)
    assert report.threshold == float(np.quantile(surf.score[valid], 0.9))
    assert report.notes["factors"] == surf.factors and report.notes["dropped_factors"] == surf.dropped
    assert report.notes["constraints"] == surf.notes
    assert len(surf.factors) >= 3 and valid.sum() > 1000
