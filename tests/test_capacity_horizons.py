"""Grid capacity by horizon: firm and conditional MW, direction, as-of date; old tables still read."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from siteselect.analysis.capacity import grid_offer
from siteselect.errors import LayerError
from siteselect.io.grid_tables import apply_grid_capacity, grid_data_dir, read_grid_capacity

CRS = "EPSG:3006"
X0, Y0 = 550_000.0, 6_600_000.0
HEADER = ("substation_id,horizon,direction,firm_mw,conditional_mw,capacity_date,capacity_source\n")


def _table(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "cap.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def _site() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"site_id": ["A"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=CRS)


def _subs() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"substation_id": ["S1"], "name": ["Station 1"], "voltage_kv": [130.0],
         "operator": ["Mälarenergi Elnät"], "available_mw": [None], "capacity_date": [None],
         "capacity_source": [None]},
        geometry=[Point(X0 + 500, Y0 + 3000)], crs=CRS)


ROWS = ("S1,now,load,10,15,2026-03-01,SvK capacity map\n"
        "S1,+5,load,40,,2026-03-01,SvK capacity map\n"
        "S1,+10,load,,,2026-03-01,SvK capacity map\n"
        "S1,now,production,100,,2026-03-01,SvK capacity map\n")


def test_rows_by_horizon_and_direction(tmp_path: Path) -> None:
    cap = read_grid_capacity(_table(tmp_path, ROWS))
    assert cap["horizon_year"].tolist() == [2026, 2031, 2036, 2026]
    assert cap["direction"].tolist() == ["load", "load", "load", "production"]
    assert cap["conditional_mw"].fillna(-1).tolist() == [15, -1, -1, -1]
    assert "note" not in cap.attrs
    subs = apply_grid_capacity(_subs(), cap)
    assert subs.loc[0, "available_mw"] == 10.0  # the now / load row
    assert [h["year"] for h in subs.loc[0, "capacity_horizons"]] == [2026, 2031, 2036, 2026]


def test_offer_uses_firm_mw_and_shows_the_conditional_part(tmp_path: Path) -> None:
    subs = apply_grid_capacity(_subs(), read_grid_capacity(_table(tmp_path, ROWS)))
    now = grid_offer(_site(), subs, power_mw=20, ready_by=2027).iloc[0]
    assert now["grid_status"] == "insufficient" and now["grid_available_mw"] == 10.0
    assert now["grid_conditional_mw"] == 15.0
    assert now["grid_note"].startswith("Station 1: 10 MW firm by 2027, need 20 MW; 15 MW conditional "
                                       "(curtailable), not counted")
    assert "10 MW fast till 2027" in now["grid_note_sv"] and "15 MW villkorad" in now["grid_note_sv"]
    assert now["grid_capacity_basis"] == "now (2026), as of 2026-03-01"
    counted = grid_offer(_site(), subs, power_mw=20, ready_by=2027, count_conditional=True).iloc[0]
    assert counted["grid_status"] == "sufficient" and "counted" in counted["grid_note"]
    later = grid_offer(_site(), subs, power_mw=30, ready_by=2031).iloc[0]
    assert later["grid_status"] == "sufficient" and later["grid_available_mw"] == 40.0
    assert math.isnan(later["grid_conditional_mw"])
    assert later["grid_capacity_basis"] == "+5 (2031), as of 2026-03-01"
    # +10 states nothing: unknown, ask the operator (production's 100 MW never counts for load)
    far = grid_offer(_site(), subs, power_mw=30, ready_by=2040).iloc[0]
    assert far["grid_status"] == "unknown"
    assert far["grid_note"] == "Station 1: capacity unknown — ask Mälarenergi Elnät"


def test_old_table_reads_with_a_note(tmp_path: Path) -> None:
    p = tmp_path / "old.csv"
    p.write_text("substation_id,available_mw,capacity_date,capacity_source\nS1,35,2025-05-01,letter\n",
                 encoding="utf-8")
    cap = read_grid_capacity(p)
    assert cap["firm_mw"].tolist() == [35.0] and cap["horizon"].tolist() == ["now"]
    assert "older format (available_mw)" in cap.attrs["note"]
    row = grid_offer(_site(), apply_grid_capacity(_subs(), cap), power_mw=30, ready_by=2027).iloc[0]
    assert row["grid_status"] == "sufficient" and row["grid_note"] == \
        "Station 1: 35 MW firm by 2027 (need 30 MW)"
    for shipped in ("grid_capacity_vastmanland.csv", "grid_capacity_template.csv"):
        assert "note" not in read_grid_capacity(grid_data_dir() / shipped).attrs


def test_horizon_errors_name_row_and_fix(tmp_path: Path) -> None:
    p = _table(tmp_path, "S1,+5,load,40,,,\nS1,soon,load,,,2026-01-01,x\nS1,now,uttag,3,,2026-01-01,x\n"
                         "S1,now,load,4,,2026-01-01,x\nS2,now,sideways,1,,2026-01-01,x\n")
    with pytest.raises(LayerError) as err:
        read_grid_capacity(p)
    msg = str(err.value)
    assert "row 2, column horizon: '+5' counts from capacity_date, which is empty" in msg
    assert "row 3, column horizon: found 'soon'" in msg
    assert "row 5, column substation_id: 'S1' again (also row 4) for horizon now, load" in msg
    assert "row 6, column direction: found 'sideways'; fix: load (uttag) or production (inmatning)" in msg


def test_pipeline_notes_state_firm_and_conditional(tmp_path: Path) -> None:
    from siteselect.io.layers import load_layers
    from siteselect.pipeline import analyse, resolve_scenario

    scenario, path = resolve_scenario(Path(__file__).resolve().parents[1] / "layers" / "scenarios"
                                      / "logistics.yaml")
    layers = load_layers()
    sid = str(layers["substations"]["substation_id"].iloc[0])
    cap = tmp_path / "cap.csv"
    cap.write_text(HEADER + f"{sid},now,load,2,4,2026-03-01,operator letter\n", encoding="utf-8")
    assert scenario.grid is not None
    sc = scenario.model_copy(update={"grid": scenario.grid.model_copy(update={"capacity_csv": cap})})
    ranking = analyse(sc, layers=layers, scenario_path=path, sensitivity=False, isochrone_top_n=0).ranking
    at = ranking.loc[ranking["grid_substation_id"] == sid]
    assert len(at) > 0
    assert at["grid_note"].str.contains("2 MW firm by 2027, need 5 MW; 4 MW conditional").all()
    assert at["grid_note_sv"].str.contains("4 MW villkorad").all()
    assert (at["grid_conditional_mw"] == 4.0).all()
