"""Grid capacity: offers by year, unknown capacity, the CSV importer and its errors."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from siteselect.analysis.capacity import grid_offer
from siteselect.errors import LayerError
from siteselect.io.grid_tables import GridProject, apply_grid_capacity, grid_data_dir, read_grid_capacity, read_grid_projects

CRS = "EPSG:3006"
X0, Y0 = 550_000.0, 6_600_000.0


def _sites() -> gpd.GeoDataFrame:
    # 1 km squares: A at x0, B 20 km east, C 60 km east (far from every station)
    return gpd.GeoDataFrame(
        {"site_id": ["A", "B", "C"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 20_000, Y0, X0 + 21_000, Y0 + 1000),
                  box(X0 + 60_000, Y0, X0 + 61_000, Y0 + 1000)],
        crs=CRS,
    )


def _subs(available_a: float | None = 20.0, available_b: float | None = None) -> gpd.GeoDataFrame:
    # S1 2 km north of A's north edge (distance 2 km); S2 3 km north of B (distance 3 km)
    return gpd.GeoDataFrame(
        {
            "substation_id": ["S1", "S2"],
            "name": ["Station 1", "Station 2"],
            "voltage_kv": [130.0, 130.0],
            "operator": ["Mälarenergi Elnät", "Vattenfall Eldistribution"],
            "available_mw": [available_a, available_b],
            "capacity_date": ["2026-01-01", None],
            "capacity_source": ["letter", None],
        },
        geometry=[Point(X0 + 500, Y0 + 3000), Point(X0 + 20_500, Y0 + 4000)],
        crs=CRS,
    )


def test_site_excluded_in_2026_becomes_eligible_in_2028_when_a_project_adds_capacity():
    projects = [GridProject("P1", "New line to S1", "line", ("S1",), expected_year=2028, added_mw=100.0)]
    by_2026 = grid_offer(_sites(), _subs(), projects, power_mw=80, ready_by=2026)
    by_2028 = grid_offer(_sites(), _subs(), projects, power_mw=80, ready_by=2028)
    a26, a28 = by_2026.iloc[0], by_2028.iloc[0]
    assert a26["grid_status"] == "insufficient"
    assert a26["grid_available_mw"] == 20.0
    assert not a26["grid_eligible"] and a26["grid_score"] == 0.0
    assert "sufficient from 2028" in a26["grid_note"]
    assert a28["grid_status"] == "sufficient"
    assert a28["grid_available_mw"] == 120.0  # 20 today + 100 from the project
    assert a28["grid_available_year"] == 2028
    assert a28["grid_eligible"] and a28["grid_score"] == 1.0
    assert a28["grid_distance_km"] == pytest.approx(2.0)
    assert "New line to S1" in a28["grid_source"]


def test_planned_station_not_in_service_before_its_year():
    subs = _subs(available_a=None)
    projects = [GridProject("P2", "Station 1 built", "station", ("S1",), expected_year=2028)]
    early = grid_offer(_sites().iloc[[0]], subs, projects, power_mw=10, ready_by=2027)
    late = grid_offer(_sites().iloc[[0]], subs, projects, power_mw=10, ready_by=2028)
    assert early.iloc[0]["grid_status"] == "none_within"
    assert late.iloc[0]["grid_status"] == "unknown"


def test_unknown_capacity_is_reported_with_its_assumption():
    sites = _sites().iloc[[1]]  # B: only S2 (unknown) within 15 km
    for unknown, score in (("assume_available", 1.0), ("assume_unavailable", 0.0), (0.4, 0.4)):
        row = grid_offer(sites, _subs(), power_mw=50, ready_by=2026, unknown=unknown).iloc[0]
        assert row["grid_status"] == "unknown"
        assert math.isnan(row["grid_available_mw"])
        assert row["grid_note"] == "Station 2: capacity unknown — ask Vattenfall Eldistribution"
        assert row["grid_note_sv"] == "Station 2: kapacitet okänd — fråga Vattenfall Eldistribution"
        assert row["grid_score"] == score
        assert row["grid_assumption"].startswith("unknown capacity")
        assert row["grid_eligible"] == (score > 0)
    with pytest.raises(LayerError):
        grid_offer(sites, _subs(), power_mw=50, ready_by=2026, unknown=1.5)


def test_best_station_sufficient_before_unknown_before_insufficient_and_reach():
    # A has S1 (20 MW, 2 km) and S2 (unknown, ~20.4 km: out of reach at 15 km, in reach at 25 km)
    near = grid_offer(_sites().iloc[[0]], _subs(), power_mw=50, ready_by=2026).iloc[0]
    assert near["grid_status"] == "insufficient" and near["grid_substation_id"] == "S1"
    far = grid_offer(_sites().iloc[[0]], _subs(), power_mw=50, ready_by=2026, max_distance_km=25).iloc[0]
    assert far["grid_status"] == "unknown" and far["grid_substation_id"] == "S2"
    c = grid_offer(_sites().iloc[[2]], _subs(), power_mw=1, ready_by=2026).iloc[0]
    assert c["grid_status"] == "none_within" and not c["grid_eligible"]
    hv = grid_offer(_sites().iloc[[0]], _subs(), power_mw=1, ready_by=2026, min_voltage_kv=220).iloc[0]
    assert hv["grid_status"] == "none_within" and "≥ 220 kV" in hv["grid_note"]


def test_stated_addition_to_unknown_base_is_a_lower_bound():
    projects = [GridProject("P", "Upgrade", "capacity", ("S2",), expected_year=2027, added_mw=60.0)]
    row = grid_offer(_sites().iloc[[1]], _subs(), projects, power_mw=50, ready_by=2027).iloc[0]
    assert row["grid_status"] == "sufficient" and "at least 60 MW" in row["grid_note"]
    row = grid_offer(_sites().iloc[[1]], _subs(), projects, power_mw=80, ready_by=2027).iloc[0]
    assert row["grid_status"] == "unknown" and "at least 60 MW stated" in row["grid_note"]


def test_inputs_not_mutated():
    sites, subs = _sites(), _subs()
    before = subs.copy()
    grid_offer(sites, subs, power_mw=10, ready_by=2026)
    assert subs.equals(before)


def test_shipped_tables_read_and_merge(tmp_path: Path):
    from siteselect.io.layers import load_layers

    cap = read_grid_capacity(grid_data_dir() / "grid_capacity_vastmanland.csv")
    projects = read_grid_projects(grid_data_dir() / "grid_projects_vastmanland.csv")
    read_grid_capacity(grid_data_dir() / "grid_capacity_template.csv")
    layers = load_layers()
    subs = apply_grid_capacity(layers["substations"], cap)
    assert len(subs) == len(layers["substations"])
    assert set(cap["substation_id"]) <= set(layers["substations"]["substation_id"])
    assert set(cap.loc[cap["available_mw"].notna(), "substation_id"]) <= set(subs.loc[subs["available_mw"].notna(), "substation_id"])
    munga = next(p for p in projects if p.project_id == "SVK-MUNGA")
    assert munga.kind == "station" and munga.expected_year == 2028


def test_template_row_adds_a_new_station_with_lon_lat(tmp_path: Path):
    f = tmp_path / "cap.csv"
    f.write_text(
        "substation_id,name,voltage_kv,available_mw,capacity_date,capacity_source,lon,lat\n"
        "S1,,,35,2026-05-01,letter,,\n"
        "NEW,Ny station,130,12,2026-05-01,letter,16.5,59.6\n",
        encoding="utf-8",
    )
    subs = apply_grid_capacity(_subs(), read_grid_capacity(f))
    assert list(subs["substation_id"]) == ["S1", "S2", "NEW"]
    assert subs.loc[0, "available_mw"] == 35.0
    assert subs.crs == _subs().crs and 6_500_000 < subs.geometry.iloc[2].y < 6_700_000


def test_capacity_csv_errors_name_row_column_and_fix(tmp_path: Path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "# comment line\n"
        "substation_id,available_mw,capacity_date,capacity_source\n"
        "S1,lots,2026-01-01,x\n"
        "S1,5,,\n"
        ",3,2026-01-01,x\n",
        encoding="utf-8",
    )
    with pytest.raises(LayerError) as err:
        read_grid_capacity(f)
    msg = str(err.value)
    assert str(f) in msg
    assert "row 3, column available_mw: found 'lots'" in msg
    assert "row 4, column substation_id: 'S1' again (also row 3)" in msg
    assert "row 4, column capacity_date" in msg and "YYYY-MM-DD" in msg
    assert "row 4, column capacity_source" in msg
    assert "row 5, column substation_id: empty" in msg
    g = tmp_path / "hdr.csv"
    g.write_text("station,mw\nS1,3\n", encoding="utf-8")
    with pytest.raises(LayerError, match="missing column\\(s\\) substation_id"):
        read_grid_capacity(g)


def test_projects_csv_errors(tmp_path: Path):
    f = tmp_path / "p.csv"
    f.write_text(
        "project_id,name,kind,substation_ids,expected_year,added_mw\n"
        "P1,Line,cable,S1,2027.5,-3\n",
        encoding="utf-8",
    )
    with pytest.raises(LayerError) as err:
        read_grid_projects(f)
    msg = str(err.value)
    assert "row 2, column kind: found 'cable'" in msg
    assert "row 2, column expected_year" in msg and "whole number" in msg
    assert "row 2, column added_mw: found '-3'" in msg


def test_unknown_station_id_in_capacity_table(tmp_path: Path):
    f = tmp_path / "cap.csv"
    f.write_text("substation_id,available_mw,capacity_date,capacity_source\nNOPE,5,2026-01-01,x\n", encoding="utf-8")
    with pytest.raises(LayerError, match="'NOPE': not in the substations layer"):
        apply_grid_capacity(_subs(), read_grid_capacity(f))


def test_grid_raw_text_shows_figure_or_assumption():
    from siteselect.analysis.capacity import grid_raw_text

    sites = _sites().iloc[[0, 1]]
    offer = grid_offer(sites, _subs(), power_mw=10, ready_by=2026, unknown=0.5)
    # A: S1 has 20 MW ≥ 10 → 1.0; B: S2 unknown → the stated assumption 0.5
    assert list(offer["grid_score"]) == [1.0, 0.5]
    assert list(grid_raw_text(offer, power_mw=10)) == ["20 MW ≥ 10 MW", "? MW → 0.5"]


def test_munga_400kv_counts_from_2028_on_the_embedded_layers():
    from siteselect.io.layers import load_layers

    layers = load_layers()
    subs = apply_grid_capacity(layers["substations"],
                               read_grid_capacity(grid_data_dir() / "grid_capacity_vastmanland.csv"))
    projects = read_grid_projects(grid_data_dir() / "grid_projects_vastmanland.csv")
    munga_site = layers["candidates"][layers["candidates"]["site_id"] == "VAS-10"]
    before = grid_offer(munga_site, subs, projects, power_mw=100, ready_by=2027, min_voltage_kv=400,
                        max_distance_km=5).iloc[0]
    after = grid_offer(munga_site, subs, projects, power_mw=100, ready_by=2028, min_voltage_kv=400,
                       max_distance_km=5).iloc[0]
    assert before["grid_status"] == "none_within"
    assert after["grid_status"] == "unknown" and after["grid_substation_id"] == "SS-MUNGA"
    assert "ask Svenska kraftnät" in after["grid_note"]


def test_lower_bound_is_a_field_not_read_from_the_note():
    from siteselect.analysis.capacity import grid_raw_text

    sites = _sites().iloc[[0]]
    subs = _subs()
    subs.loc[subs["substation_id"] == "S1", "name"] = "Station at least 99"  # a name must not make a bound
    exact = grid_offer(sites, subs, power_mw=10, ready_by=2026)
    assert not exact["grid_mw_at_least"].iloc[0]
    assert list(grid_raw_text(exact, power_mw=10)) == ["20 MW ≥ 10 MW"]
    # a project that adds an unstated figure makes the 20 MW a lower bound
    unstated = [GridProject("P9", "Upgrade S1", "capacity", ("S1",), expected_year=2026)]
    bound = grid_offer(sites, subs, unstated, power_mw=10, ready_by=2026)
    assert bound["grid_mw_at_least"].iloc[0]
    assert bound["grid_note"].iloc[0] == "Station at least 99: at least 20 MW firm by 2026 (need 10 MW)"
    assert bound["grid_note_sv"].iloc[0] == "Station at least 99: minst 20 MW fast till 2026 (behov 10 MW)"
    assert list(grid_raw_text(bound, power_mw=10)) == ["≥ 20 MW ≥ 10 MW"]


def test_grid_note_parts_render_through_the_label_table():
    from siteselect.analysis.capacity import NotePart, grid_note_text
    from siteselect.core.labels import LanguageError

    parts = [NotePart("grid_note_unknown_at_least", {"name": "Tillberga", "mw": 12.5, "operator": None}),
             NotePart("grid_note_conditional_not_counted", {"mw": 8})]
    assert grid_note_text(parts, lang="en") == ("Tillberga: capacity unknown (at least 12.5 MW stated) — ask the grid "
                                                "operator; 8 MW conditional (curtailable), not counted")
    assert grid_note_text(parts, lang="sv") == ("Tillberga: kapacitet okänd (minst 12.5 MW angivet) — fråga nätägaren; "
                                                "8 MW villkorad (kan begränsas), räknas inte")
    with pytest.raises(LanguageError):
        grid_note_text(parts, lang="de")
