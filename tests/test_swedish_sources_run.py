"""A run on Swedish sources as delivered: NVDB roads, NGP detaljplaner, EBH points and a grid
capacity table by horizon, through a layer catalog and the CLI (issue 18's end-to-end check)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from click.testing import CliRunner

from siteselect.cli import main
from siteselect.io.importers.nvdb import roads_from_nvdb
from siteselect.io.layers import load_layers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_importers_ngp_detaljplan import _plan, _use  # noqa: E402


def _nvdb_from_embedded(path: Path) -> Path:
    """The embedded roads written as a Lastkajen 'Homogeniserad' layer (one stretch per road)."""
    r = gpd.read_file(ROOT / "layers" / "vastmanland.gpkg", layer="roads")
    first = r["ref"].fillna("").str.split(";").str[0]
    number = pd.to_numeric(first.str.lstrip("E"), errors="coerce")
    kateg = np.where(first.str.startswith("E"), 1, np.where(number < 100, 2, np.where(number < 500, 3, 4)))
    kateg = np.where(number.notna(), kateg, np.nan)
    gpd.GeoDataFrame({
        "ROUTE_ID": r["road_id"], "FROM_MEASURE": 0.0, "TO_MEASURE": 1.0,
        "F_Hogst_225": r["speed_kmh"], "B_Hogst_225": r["speed_kmh"],
        "Klass_181": r["road_class"].map({"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3,
                                          "tertiary": 5}),
        "Kateg_380": kateg, "Huvud_13": number, "Vagha_6": np.where(number.notna(), 1, 2),
        "Motorvag": (r["road_class"] == "motorway").astype(int), "Motortrafikled": 0,
        "F_ForbjudenFardriktning": 0, "B_ForbjudenFardriktning": 0, "Barig_64": 1, "Vagtr_474": 1,
    }, geometry=r.geometry.to_numpy(), crs=r.crs).to_file(path, layer="NVDB_Homogeniserad", driver="GPKG")
    return path


def test_nvdb_roads_give_the_pinned_logistics_ranking(tmp_path: Path) -> None:
    from siteselect.pipeline import analyse, resolve_scenario

    scenario, path = resolve_scenario(ROOT / "layers" / "scenarios" / "logistics.yaml")
    layers = dict(load_layers())
    layers["roads"] = roads_from_nvdb(_nvdb_from_embedded(tmp_path / "nvdb.gpkg"))
    got = analyse(scenario, layers=layers, scenario_path=path, sensitivity=False,
                  isochrone_top_n=0).ranking.sort_values("site_id").reset_index(drop=True)
    want = pd.read_csv(ROOT / "tests" / "golden" / "logistics.csv", keep_default_na=False,
                       na_values={"rank": [""], "score": [""]})
    assert got["site_id"].tolist() == want["site_id"].tolist()
    np.testing.assert_array_equal(got["rank"].astype(float), want["rank"].astype(float))
    np.testing.assert_allclose(got["score"].astype(float), want["score"].astype(float), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def swedish_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("swe")
    _nvdb_from_embedded(d / "nvdb.gpkg")
    at = (591_900.0, 6_609_500.0)  # Hälla, Västerås
    feats = [_plan("p-h", "1980-P30/1", "laga kraft", 0, lagakraft=["2025-02-01"], origin=at),
             _use("p-h", "Industri", 0, origin=at),
             _plan("p-k", "1980-P31/1", "granskning", 1000, origin=at),
             _use("p-k", "Verksamheter", 1000, origin=at)]
    (d / "dp.json").write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                               encoding="utf-8")
    gpd.GeoDataFrame({"OBJEKT_ID": ["190777"], "RISKKLASS": ["2"], "BRANSCH": ["Verkstadsindustri"],
                      "KOMMUN": ["Västerås"]},
                     geometry=[shapely.Point(591_950.0, 6_609_550.0)], crs="EPSG:3006").to_file(
        d / "ebh.shp", engine="pyogrio", encoding="cp1252")
    (d / "cap.csv").write_text(
        "substation_id,horizon,direction,firm_mw,conditional_mw,capacity_date,capacity_source\n"
        "SS-VAS-KVV,now,load,6,10,2026-03-01,Mälarenergi Elnät letter\n"
        "SS-VAS-KVV,+5,load,20,,2026-03-01,Mälarenergi Elnät letter\n", encoding="utf-8")
    (d / "catalog.yaml").write_text(yaml.safe_dump({"name": "swedish-sources", "fallback": "embedded", "roles": {
        "roads": {"path": "nvdb.gpkg", "format": "nvdb"},
        "candidates": {"path": "dp.json", "format": "ngp_detaljplan", "options": {"owner": "kommunal"}},
        "contaminated_sites": {"path": "ebh.shp", "format": "ebh_points", "options": {"encoding": "cp1252"}},
    }}, allow_unicode=True), encoding="utf-8")
    sc = yaml.safe_load((ROOT / "layers" / "scenarios" / "logistics.yaml").read_text(encoding="utf-8"))
    sc.pop("region")
    sc["layers"] = "catalog.yaml"
    sc["grid"]["capacity_csv"] = "cap.csv"
    sc["site"]["min_area_ha"] = 1
    (d / "scenario.yaml").write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    out = d / "out"
    res = CliRunner().invoke(main, ["run", str(d / "scenario.yaml"), "--out", str(out), "--sheets", "2",
                                    "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    return out


def test_run_shows_the_new_facts(swedish_run: Path) -> None:
    table = pd.read_csv(swedish_run / "ranking.csv", keep_default_na=False).set_index("site_id")
    assert sorted(table.index) == ["dp-1980-P30_1", "dp-1980-P31_1"]
    hälla = table.loc["dp-1980-P30_1"]
    assert hälla["plan_status"] == "gällande" and hälla["plan_use"] == "J"
    assert hälla["ebh_ids"] == "190777" and str(hälla["mifo_class"]) == "2"
    assert "6 MW firm by 2027 (need 5 MW); 10 MW conditional (curtailable), not counted" in hälla["grid_note"]
    assert table.loc["dp-1980-P31_1", "plan_status"] == "pågående"
    html = (swedish_run / "map.html").read_text(encoding="utf-8")
    assert "10 MW villkorad" in html or "10 MW conditional" in html
    with sqlite3.connect(swedish_run / "siteselect.gpkg") as con:
        tables = [r[0] for r in con.execute("select table_name from gpkg_contents")]
        ranking = next(t for t in tables if "rank" in t)
        cols = [r[1] for r in con.execute(f'pragma table_info("{ranking}")')]
    assert {"ebh_ids", "grid_conditional_mw", "plan_status"} <= set(cols)
    assert len(list((swedish_run / "sites").glob("*.pdf"))) == 2
