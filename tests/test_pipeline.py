"""The whole analysis on a three-site world whose answer can be worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from _fixtures_pipeline import X0, Y0, tiny_layers, tiny_scenario_dict
from shapely.geometry import box

from siteselect import errors, pipeline, runs
from siteselect.scenario import scenario_from_dict


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
    paths = runs.write_outputs(res, tmp_path, sheets_top_n=0, gpkg=False)
    import pandas as pd

    table = pd.read_csv(paths["ranking"])
    assert list(table["site_id"]) == ["C", "B", "A"]
    for col in ("site_id", "name", "municipality", "area_ha", "excluded", "exclusion_reason",
                "port_minutes_raw", "port_minutes_std", "score", "rank"):
        assert col in table.columns
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8").startswith("name: tiny")
    assert (tmp_path / "map.html").stat().st_size > 1000


def test_missing_facility_layer_is_a_scenario_error():
    layers = tiny_layers()
    layers["ports"] = layers["ports"].iloc[0:0]  # no port at all
    with pytest.raises(errors.ScenarioError, match="needs the layer 'ports', which is missing or empty"):
        _analyse(tiny_scenario_dict(), layers, sensitivity=False)


def test_site_off_the_network_is_reached_by_its_access_leg():
    # site D (centre) lies 40 km north of km 15 of the road: 40 km at 30 km/h (80 min) to the road,
    # then 15 km at 60 km/h (15 min) to the port at the east end

    layers = tiny_layers()
    cand = layers["candidates"]
    d = cand.iloc[[1]].copy()
    d["site_id"], d["name"] = "D", "Site D"
    d.geometry = [box(X0 + 15_000 - 200, Y0 + 40_000 - 200, X0 + 15_000 + 200, Y0 + 40_000 + 200)]
    layers["candidates"] = gpd.GeoDataFrame(pd.concat([cand, d], ignore_index=True), crs=cand.crs)
    r = _analyse(tiny_scenario_dict(), layers, sensitivity=False).ranking.set_index("site_id")
    assert r.loc["D", "port_minutes_raw"] == pytest.approx(80.0 + 15.0, abs=1e-9)  # from the site centre
    assert not bool(r.loc["D", "excluded"])


def test_nodata_exclude_excludes_the_site_with_a_reason():
    # B has no plan status; the plan factor says nodata: exclude. A: port 0, area 1, plan 1;
    # C: port 1, area 0, plan default 0; weights 2:1:1 -> both 0.5.
    data = tiny_scenario_dict()
    data["factors"]["plan"] = {"measure": "plan_status", "classes": {"gällande": 1, "pågående": 0.5},
                               "default": 0, "nodata": "exclude"}
    data["weights"]["values"]["plan"] = 1
    layers = tiny_layers()
    layers["candidates"].loc[1, "plan_status"] = None
    r = _analyse(data, layers, sensitivity=False).ranking.set_index("site_id")
    assert bool(r.loc["B", "excluded"])
    assert r.loc["B", "exclusion_reason"] == "plan: no data (nodata: exclude)"
    assert r.loc["A", "score"] == pytest.approx(0.5, abs=1e-12)
    assert r.loc["C", "score"] == pytest.approx(0.5, abs=1e-12)


def test_limits_exclude_with_reason():
    data = tiny_scenario_dict()
    data["limits"] = {"max_port_minutes": 20, "min_workers_45min": 100}
    res = _analyse(data, sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert bool(r.loc["A", "excluded"])  # 25 min to the port
    assert r.loc["A", "exclusion_reason"] == "limits.max_port_minutes: 25 min > 20 min"
    assert not r.loc[["B", "C"], "excluded"].any()


def test_grid_block_adds_factor_status_and_exclusions(tmp_path):
    # one 130 kV substation at the east end; capacity table says 50 MW now, +100 MW in 2028
    data = tiny_scenario_dict()
    cap = tmp_path / "cap.csv"
    cap.write_text(
        "substation_id,available_mw,capacity_date,capacity_source\nT,50,2026-01-01,test operator letter\n",
        encoding="utf-8",
    )
    proj = tmp_path / "proj.csv"
    proj.write_text(
        "project_id,name,kind,substation_ids,voltage_kv,operator,expected_year,added_mw,source\n"
        "P1,Upgrade,capacity,T,130,X,2028,100,test statement\n",
        encoding="utf-8",
    )
    data["grid"] = {"power_mw": 80, "ready_by": 2026, "weight": 0.2, "max_distance_km": 30,
                    "capacity_csv": str(cap), "projects_csv": str(proj)}
    res = _analyse(data, sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert (r["grid_status"] == "insufficient").all()
    assert r["excluded"].all()
    assert r["exclusion_reason"].str.startswith("grid capacity:").all()
    data["grid"]["ready_by"] = 2028
    res = _analyse(data, sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert (r["grid_status"] == "sufficient").all() and not r["excluded"].any()
    assert res.factor_names == ["port_minutes", "area_ha", "grid_capacity"]
    # scenario weights scaled by 0.8, grid weight 0.2, grid std 1: C = 0.8 * 2/3 + 0.2
    assert r.loc["C", "score"] == pytest.approx(0.8 * 2 / 3 + 0.2)
    contrib = sum(r[f"{n}_contrib"] for n in res.factor_names)
    assert (contrib - r["score"]).abs().max() < 1e-12


def test_readiness_columns_for_every_site():
    res = _analyse(tiny_scenario_dict(), sensitivity=False)
    r = res.ranking.set_index("site_id")
    assert r["readiness_class"].notna().all()
    # A: plan in force, use J, municipal -> at least "planlagd" (A or B); C: no plan -> D or E
    assert r.loc["A", "readiness_class"] in ("A", "B")
    assert r.loc["C", "readiness_class"] in ("D", "E")


def test_unknown_site_id_is_the_same_error_in_the_pipeline_and_the_sheets(tmp_path):
    from siteselect.outputs.sheets import write_site_sheets

    with pytest.raises(errors.UnknownSiteError, match="NOPE not among the candidates") as in_pipeline:
        _analyse(tiny_scenario_dict(), sensitivity=False, isochrone_site_ids=["NOPE", "A"])
    res = _analyse(tiny_scenario_dict(), sensitivity=False)
    with pytest.raises(errors.UnknownSiteError, match="NOPE not among the candidates") as in_sheets:
        write_site_sheets(res.ranking, res.layers, out_dir=tmp_path, site_ids=["A", "NOPE"])
    for err in (in_pipeline.value, in_sheets.value):
        assert isinstance(err, KeyError) and isinstance(err, errors.SiteSelectError)
        assert str(err).startswith("site id(s) NOPE")  # not quoted the way KeyError quotes
    assert not (tmp_path / "sites").exists()
