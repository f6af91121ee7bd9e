"""The whole analysis on a three-site world whose answer can be worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from shapely.geometry import box

from siteselect import pipeline
from siteselect.scenario import scenario_from_dict

from _fixtures_pipeline import X0, Y0, tiny_layers, tiny_scenario_dict


def _analyse(data: dict, layers=None, **kw):
    return pipeline.analyse(scenario_from_dict(data), layers=layers or tiny_layers(), **kw)


def test_three_sites_rank_by_hand():
    # port factor: A 25 min -> 0, B 15 -> 0.5, C 5 -> 1; area: A 30 ha -> 1, B 0.5, C 0.
    # weights 2/3 port, 1/3 area: A = 1/3, B = 1/2, C = 2/3.
    res = _analyse(tiny_scenario_dict(), sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert r.loc["A", "port_minutes_raw"] == pytest.approx(25.0)
    assert r.loc["C", "port_minutes_raw"] == pytest.approx(5.0)
    assert r.loc["A", "score"] == pytest.approx(1 / 3)
    assert r.loc["B", "score"] == pytest.approx(1 / 2)
    assert r.loc["C", "score"] == pytest.approx(2 / 3)
    assert list(res.kept["site_id"]) == ["C", "B", "A"]
    assert list(r.loc[["C", "B", "A"], "rank"]) == [1, 2, 3]
    # contributions add up to the score
    contrib = r["port_minutes_contrib"] + r["area_ha_contrib"]
    assert (contrib - r["score"]).abs().max() < 1e-12


def test_standard_measures_reported():
    res = _analyse(tiny_scenario_dict(), sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert r.loc["A", "motorway_minutes"] == pytest.approx(5.0)
    assert r.loc["B", "airport_minutes"] == pytest.approx(0.0)
    assert r.loc["C", "nearest_port"] == "Port"
    # substation 5 km east of C's centre; distance is from C's outline (10 ha square, half side 158 m)
    assert r.loc["C", "substation_km"] == pytest.approx(5.0 - math.sqrt(10 * 10_000) / 2 / 1000, abs=1e-6)
    # people reaching B within 30 min: all 2,500 (ends are 15 min away)
    assert r.loc["B", "pop_30min"] == pytest.approx(2500.0)
    # A reaches the west end (5 min) and the middle (10 min), not the east end (25 min) ... within 30 all
    assert r.loc["A", "pop_30min"] == pytest.approx(2500.0)


def test_constraint_excludes_with_reason():
    data = tiny_scenario_dict()
    data["constraints"] = [{"id": "nature", "layer": "protected_nature", "mode": "inside"}]
    layers = tiny_layers()
    # a reserve covering the whole of site C
    layers["protected_nature"] = gpd.GeoDataFrame(
        {"name": ["Reserve"], "kind": ["naturreservat"]},
        geometry=[box(X0 + 24_000, Y0 - 1000, X0 + 26_000, Y0 + 1000)], crs="EPSG:3006",
    )
    res = _analyse(data, layers, sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert bool(r.loc["C", "excluded"])
    assert "nature" in r.loc["C", "exclusion_reason"]
    assert math.isnan(r.loc["C", "score"])
    assert list(res.kept["site_id"]) == ["B", "A"]


def test_sensitivity_columns_and_isochrones():
    res = _analyse(tiny_scenario_dict(), isochrone_top_n=1)
    r = res.ranking.set_index("site_id")
    assert r["p_top_k"].between(0, 1).all()
    assert set(res.isochrones["site_id"]) == {"C"}
    assert sorted(res.isochrones["minutes"].unique()) == [15.0, 30.0, 45.0, 60.0]


def test_write_outputs_files(tmp_path):
    res = _analyse(tiny_scenario_dict(), sensitivity=False)
    paths = pipeline.write_outputs(res, tmp_path, sheets_top_n=0, gpkg=False)
    import pandas as pd

    table = pd.read_csv(paths["ranking"])
    assert list(table["site_id"]) == ["C", "B", "A"]
    for col in ("site_id", "name", "municipality", "area_ha", "excluded", "exclusion_reason",
                "port_minutes_raw", "port_minutes_std", "score", "rank"):
        assert col in table.columns
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8").startswith("name: tiny")
    assert (tmp_path / "map.html").stat().st_size > 1000
