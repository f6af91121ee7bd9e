"""Tests of siteselect.io.importers.nvdb and the hgv vehicle profile, on NVDB files the tests write.

Both Lastkajen shapes are built field for field (see docs/data-sources.md): the homogenised
one-layer table (ROUTE_ID, FROM_MEASURE, TO_MEASURE, F_Hogst_225 …) and the linear-referenced
layers per företeelsetyp (ELEMENT_ID, START_MEASURE, END_MEASURE, DIRECTION …).

The network, with a known answer (S at x=0, P at x=20 km):

* direct route S–A–P, 20 km: link 1001 (S–A, riksväg 56, BK1, 100 km/h) and link 1002
  (A–P, 100 km/h, BK1 on its first half, a BK2 bridge on its second half);
* motorway detour S–M–P, 2 × 14.142 km at 120 km/h (links 2001, 2002).

Car: direct, 20 km at 100 km/h = 12.0 min. A 64 t lorry may not cross the BK2 bridge
(51.4 t): motorway at the 90 km/h lorry cap = 28.284 km / 1.5 km/min = 18.856 min. A 50 t
lorry may: direct at the 80 km/h cap = 15.0 min.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siteselect.core.vehicles import roads_for_vehicle
from siteselect.errors import LayerError, MissingFieldError, NetworkError
from siteselect.io.importers.nvdb import roads_from_nvdb
from siteselect.io.validate import validate_layer
from siteselect.network.graph import RoadGraph

X0, Y0 = 560_000.0, 6_610_000.0
S, A, P, M = (X0, Y0), (X0 + 10_000, Y0), (X0 + 20_000, Y0), (X0 + 10_000, Y0 + 10_000)
DIAG_KM = float(np.hypot(10.0, 10.0))
CRS = "EPSG:3006"


def _line(a: tuple[float, float], b: tuple[float, float], f0: float = 0.0, f1: float = 1.0
          ) -> shapely.LineString:
    ax, ay = a
    bx, by = b
    return shapely.LineString([(ax + (bx - ax) * f0, ay + (by - ay) * f0),
                               (ax + (bx - ax) * f1, ay + (by - ay) * f1)])


def _homogenised(path: Path, **override: list[object]) -> Path:
    """A Lastkajen 'Homogeniserad' layer: one row per homogeneous stretch."""
    rows = {
        "ROUTE_ID": ["1001", "1002", "1002", "2001", "2002"],
        "FROM_MEASURE": [0.0, 0.0, 0.5, 0.0, 0.0],
        "TO_MEASURE": [1.0, 0.5, 1.0, 1.0, 1.0],
        "F_Hogst_225": [100, 100, 100, 120, 120],
        "B_Hogst_225": [100, 100, 100, 120, 120],
        "Klass_181": [2, 2, 2, 1, 1],
        "Kateg_380": [2, 2, 2, 1, 1],
        "Huvud_13": [56, 56, 56, 18, 18],
        "Vagha_6": [1, 1, 1, 1, 1],
        "Motorvag": [0, 0, 0, 1, 1],
        "Motortrafikled": [0, 0, 0, 0, 0],
        "F_ForbjudenFardriktning": [0, 0, 0, 0, 0],
        "B_ForbjudenFardriktning": [0, 0, 0, 0, 0],
        "Barig_64": [1, 1, 2, 1, 1],
        "F_Hogst_24": [None] * 5,
        "B_Hogst_24": [None] * 5,
        "Vagtr_474": [1, 1, 1, 1, 1],
    }
    rows.update(override)
    geoms = [_line(S, A), _line(A, P, 0, 0.5), _line(A, P, 0.5, 1), _line(S, M), _line(M, P)]
    gpd.GeoDataFrame(rows, geometry=geoms[: len(rows["ROUTE_ID"])], crs=CRS).to_file(
        path, layer="NVDB_Homogeniserad", driver="GPKG")
    return path


def _linear(path: Path, *, speed_measures: tuple[float, float] = (0.0, 1.0),
            mot_speed: int = 90) -> Path:
    """Linear-referenced layers: reference links plus one layer per företeelsetyp."""
    links = gpd.GeoDataFrame(
        {"ELEMENT_ID": ["1001", "1002", "2001", "2002"]},
        geometry=[_line(S, A), _line(A, P), _line(S, M), _line(M, P)], crs=CRS)
    links.to_file(path, layer="Vagtrafiknat", driver="GPKG")

    def layer(name: str, rows: dict[str, list[object]]) -> None:
        geoms = {"1001": (S, A), "1002": (A, P), "2001": (S, M), "2002": (M, P)}
        g = [_line(*geoms[str(e)], s, t) for e, s, t in
             zip(rows["ELEMENT_ID"], rows["START_MEASURE"], rows["END_MEASURE"], strict=True)]
        gpd.GeoDataFrame(rows, geometry=g, crs=CRS).to_file(path, layer=name, driver="GPKG")

    s0, s1 = speed_measures
    layer("Hastighetsgrans", {
        "ELEMENT_ID": ["1001", "1001", "1002", "2001", "2002"],
        "START_MEASURE": [s0, s0, s0, s0, s0], "END_MEASURE": [s1, s1, s1, s1, s1],
        "DIRECTION": ["Med", "Mot", "Med och mot", "Med och mot", "Med och mot"],
        "Hogsta_tillatna_hastighet": [100, mot_speed, 100, 120, 120]})
    layer("Barighet", {
        "ELEMENT_ID": ["1001", "1002", "1002", "2001", "2002"],
        "START_MEASURE": [0.0, 0.0, 0.5, 0.0, 0.0], "END_MEASURE": [1.0, 0.5, 1.0, 1.0, 1.0],
        "DIRECTION": ["Med och mot"] * 5,
        "Barighetsklass": ["BK 1", "BK 1", "BK 2", "BK 1", "BK 4 - Särskilda villkor"]})
    layer("Vagnummer", {
        "ELEMENT_ID": ["1001", "1002", "2001", "2002"], "START_MEASURE": [0.0] * 4,
        "END_MEASURE": [1.0] * 4, "DIRECTION": ["Med och mot"] * 4,
        "Huvudnummer": [56, 56, 18, 18], "Europavag": ["Nej", "Nej", "Ja", "Ja"]})
    layer("FunkVagklass", {
        "ELEMENT_ID": ["1001", "1002", "2001", "2002"], "START_MEASURE": [0.0] * 4,
        "END_MEASURE": [1.0] * 4, "DIRECTION": ["Med och mot"] * 4, "Klass": [2, 2, 1, 1]})
    layer("Motorvag", {
        "ELEMENT_ID": ["2001", "2002"], "START_MEASURE": [0.0, 0.0], "END_MEASURE": [1.0, 1.0],
        "DIRECTION": ["Med och mot"] * 2})
    return path


LINEAR_LAYERS = {"speed": "Hastighetsgrans", "bk": "Barighet", "road_number": "Vagnummer",
                 "function_class": "FunkVagklass", "motorway": "Motorvag"}


def _points(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(xy))]},
                            geometry=[shapely.Point(p) for p in xy], crs=CRS)


def _minutes(roads: gpd.GeoDataFrame, **kw: object) -> float:
    g = RoadGraph.from_roads(roads, **kw)  # type: ignore[arg-type]
    r = g.minutes_to_nearest(_points(S), _points(P), facility_id="name", method="networkx")
    return float(r["minutes"].iloc[0])


# --------------------------------------------------------------------------- homogenised


def test_homogenised_maps_every_attribute(tmp_path: Path) -> None:
    roads = roads_from_nvdb(_homogenised(tmp_path / "nvdb.gpkg"))
    validate_layer(roads, "roads", source="nvdb")
    assert roads["road_id"].tolist() == ["1001@0-1", "1002@0-0.5", "1002@0.5-1", "2001@0-1", "2002@0-1"]
    assert roads["ref"].tolist() == ["56", "56", "56", "E18", "E18"]
    assert roads["road_category"].tolist() == ["riksväg"] * 3 + ["europaväg"] * 2
    assert roads["road_class"].tolist() == ["trunk"] * 3 + ["motorway"] * 2
    assert roads["bk_class"].tolist() == [1, 1, 2, 1, 1]
    assert roads["speed_kmh"].tolist() == [100.0, 100.0, 100.0, 120.0, 120.0]
    assert roads["road_owner"].tolist() == ["statlig"] * 5
    assert not roads["oneway"].any()
    assert roads.attrs["nvdb"]["missing"] == ["ban_backward", "ban_forward", "ban_vehicle_backward",
                                              "ban_vehicle_forward"]


def test_forbidden_direction_makes_oneway_and_reverses(tmp_path: Path) -> None:
    # 1001: travel along the geometry (F) forbidden -> reversed; 2001: against it (B) -> kept
    p = _homogenised(tmp_path / "nvdb.gpkg", F_ForbjudenFardriktning=[1, 0, 0, 0, 0],
                     B_ForbjudenFardriktning=[0, 0, 0, -1, 0], F_Hogst_225=[70, 100, 100, 120, 120],
                     B_Hogst_225=[50, 100, 100, 110, 120])
    roads = roads_from_nvdb(p).set_index("road_id")
    assert roads.loc["1001@0-1", "oneway"] and roads.loc["2001@0-1", "oneway"]
    assert shapely.get_coordinates(roads.loc["1001@0-1", "geometry"]).tolist() == [list(A), list(S)]
    # reversed: the allowed direction is the old backward one, at 50 km/h
    assert roads.loc["1001@0-1", "speed_kmh"] == 50.0
    assert np.isnan(roads.loc["1001@0-1", "speed_backward_kmh"])  # one-way: no speed against the line
    assert roads.loc["2001@0-1", "speed_kmh"] == 120.0
    assert roads.attrs["nvdb"]["oneway_reversed"] == 1


def test_both_directions_forbidden_and_other_networks_dropped(tmp_path: Path) -> None:
    p = _homogenised(tmp_path / "nvdb.gpkg", F_ForbjudenFardriktning=[0, 0, 0, 1, 0],
                     B_ForbjudenFardriktning=[0, 0, 0, 1, 0], Vagtr_474=[1, 1, 1, 1, 2])
    roads = roads_from_nvdb(p)
    assert roads["nvdb_link_id"].tolist() == ["1001", "1002", "1002"]
    assert roads.attrs["nvdb"]["dropped"] == {"not_bilnat": 1, "forbidden_both_directions": 1,
                                              "no_geometry": 0}


def test_lorry_ban_and_weight_limit(tmp_path: Path) -> None:
    p = _homogenised(tmp_path / "nvdb.gpkg", F_ForbudTrafik=[1, 0, 0, 0, 0],
                     B_ForbudTrafik=[1, 0, 0, 0, -1], F_Gallar_135=[280, None, None, None, None],
                     B_Gallar_135=[280, None, None, None, 210], F_Hogst_24=[None, 12, None, None, None],
                     B_Hogst_24=[None, 20, None, None, None])
    roads = roads_from_nvdb(p).set_index("road_id")
    assert roads["hgv_closed"].tolist() == [True, False, False, False, False]  # 210 = personbil
    assert roads.loc["1002@0-0.5", "max_gross_weight_t"] == 12.0


def test_missing_speed_fields_named(tmp_path: Path) -> None:
    p = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"ROUTE_ID": ["1"], "Hastighet": [50]}, geometry=[_line(S, A)], crs=CRS
                     ).to_file(p, driver="GPKG")
    with pytest.raises(MissingFieldError, match=r"speed_forward.*F_Hogst_225.*speed_backward"):
        roads_from_nvdb(p)


# --------------------------------------------------------------------------- linear-referenced


def test_linear_splits_where_any_attribute_changes(tmp_path: Path) -> None:
    roads = roads_from_nvdb(_linear(tmp_path / "nvdb.gpkg"), layer="Vagtrafiknat",
                            attribute_layers=LINEAR_LAYERS)
    validate_layer(roads, "roads", source="nvdb")
    got = roads[["nvdb_link_id", "from_measure", "to_measure", "bk_class"]].values.tolist()
    assert got == [["1001", 0.0, 1.0, 1], ["1002", 0.0, 0.5, 1], ["1002", 0.5, 1.0, 2],
                   ["2001", 0.0, 1.0, 1], ["2002", 0.0, 1.0, 4]]
    np.testing.assert_allclose(roads.length.to_numpy(), [10_000, 5_000, 5_000, DIAG_KM * 1000,
                                                         DIAG_KM * 1000])
    r = roads.set_index("road_id")
    # per-direction limits: Med 100 along the line, Mot 90 against it
    assert (r.loc["1001@0-1", "speed_kmh"], r.loc["1001@0-1", "speed_backward_kmh"]) == (100.0, 90.0)
    assert r.loc["2002@0-1", "bk_special_conditions"]
    assert roads["ref"].tolist() == ["56", "56", "56", "E18", "E18"]
    assert roads["road_class"].tolist() == ["trunk"] * 3 + ["motorway"] * 2
    assert roads["function_class"].tolist() == [2, 2, 2, 1, 1]


def test_linear_speed_change_mid_link(tmp_path: Path) -> None:
    p = _linear(tmp_path / "nvdb.gpkg")
    extra = gpd.GeoDataFrame({"ELEMENT_ID": ["2001"], "START_MEASURE": [0.25], "END_MEASURE": [0.75],
                              "DIRECTION": ["Med och mot"], "Hogsta_tillatna_hastighet": [60]},
                             geometry=[_line(S, M, 0.25, 0.75)], crs=CRS)
    base = gpd.read_file(p, layer="Hastighetsgrans")
    pd.concat([base, extra]).to_file(p, layer="Hastighetsgrans", driver="GPKG")
    roads = roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers=LINEAR_LAYERS)
    on = roads.loc[roads["nvdb_link_id"] == "2001"]
    assert on[["from_measure", "to_measure", "speed_kmh"]].values.tolist() == [
        [0.0, 0.25, 120.0], [0.25, 0.75, 60.0], [0.75, 1.0, 120.0]]


def test_linear_forbidden_direction(tmp_path: Path) -> None:
    p = _linear(tmp_path / "nvdb.gpkg")
    gpd.GeoDataFrame({"ELEMENT_ID": ["1001"], "START_MEASURE": [0.0], "END_MEASURE": [1.0],
                      "DIRECTION": ["Med"]}, geometry=[_line(S, A)], crs=CRS).to_file(
        p, layer="ForbjudenFardriktning", driver="GPKG")
    roads = roads_from_nvdb(p, layer="Vagtrafiknat",
                            attribute_layers={**LINEAR_LAYERS, "forbidden_direction": "ForbjudenFardriktning"})
    r = roads.set_index("road_id").loc["1001@0-1"]
    assert r["oneway"] and shapely.get_coordinates(r["geometry"]).tolist() == [list(A), list(S)]
    assert r["speed_kmh"] == 90.0  # the allowed direction (old 'Mot') has 90


def test_linear_measure_errors(tmp_path: Path) -> None:
    p = _linear(tmp_path / "nvdb.gpkg", speed_measures=(0.0, 10_000.0))
    with pytest.raises(LayerError, match=r"Hastighetsgrans.*measure_unit: m"):
        roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers=LINEAR_LAYERS)
    with pytest.raises(LayerError, match=r"unknown attribute key.*'spede'.*'speed' layer"):
        roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers={"spede": "Hastighetsgrans"})
    with pytest.raises(LayerError, match=r"'Hastighet' \(speed\) not found"):
        roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers={"speed": "Hastighet"})


def test_linear_metres_read_with_option(tmp_path: Path) -> None:
    p = _linear(tmp_path / "nvdb.gpkg", speed_measures=(0.0, 10_000.0))
    # 2001/2002 are 14.1 km long: 10 000 m covers 70.7 % of them; the rest has no limit
    roads = roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers={"speed": "Hastighetsgrans"},
                            measure_unit="m")
    on = roads.loc[roads["nvdb_link_id"] == "2001"]
    np.testing.assert_allclose(on["to_measure"].tolist(), [10 / DIAG_KM, 1.0])
    assert on["speed_kmh"].tolist()[0] == 120.0 and on["speed_kmh"].isna().tolist() == [False, True]


def test_bad_direction_value(tmp_path: Path) -> None:
    p = _linear(tmp_path / "nvdb.gpkg")
    t = gpd.read_file(p, layer="Hastighetsgrans")
    t.loc[0, "DIRECTION"] = "Framåt"
    t.to_file(p, layer="Hastighetsgrans", driver="GPKG")
    with pytest.raises(LayerError, match=r"DIRECTION.*Framåt.*Med och mot"):
        roads_from_nvdb(p, layer="Vagtrafiknat", attribute_layers=LINEAR_LAYERS)


# --------------------------------------------------------------------------- hgv profile


@pytest.mark.parametrize("shape", ["homogenised", "linear"])
def test_hgv_minutes_known_answer(tmp_path: Path, shape: str) -> None:
    if shape == "homogenised":
        roads = roads_from_nvdb(_homogenised(tmp_path / "nvdb.gpkg"))
    else:
        # equal limits both ways: the answer does not depend on per-direction routing
        roads = roads_from_nvdb(_linear(tmp_path / "nvdb.gpkg", mot_speed=100), layer="Vagtrafiknat",
                                attribute_layers=LINEAR_LAYERS)
    car = _minutes(roads)
    hgv64 = _minutes(roads, vehicle="hgv")
    hgv50 = _minutes(roads, vehicle="hgv", gross_weight_t=50)
    assert car == pytest.approx(12.0, abs=1e-9)
    assert hgv64 == pytest.approx(DIAG_KM * 2 / 1.5, abs=1e-9)   # BK2 bridge: motorway at 90
    assert hgv50 == pytest.approx(15.0, abs=1e-9)                  # bridge allowed: direct at 80


def test_hgv_never_faster_than_car(tmp_path: Path) -> None:
    roads = roads_from_nvdb(_homogenised(tmp_path / "nvdb.gpkg"))
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(X0, X0 + 20_000, 40), rng.uniform(Y0 - 2000, Y0 + 10_000, 40)])
    origins = _points(*map(tuple, xy))
    car = RoadGraph.from_roads(roads).minutes_to_nearest(origins, _points(P), facility_id="name")
    hgv = RoadGraph.from_roads(roads, vehicle="hgv").minutes_to_nearest(origins, _points(P),
                                                                         facility_id="name")
    diff = hgv["minutes"].to_numpy() - car["minutes"].to_numpy()
    assert (diff >= -1e-9).all()
    assert (diff > 1.0).any()


def test_hgv_profile_counts_and_unknown_bk(tmp_path: Path) -> None:
    roads = roads_from_nvdb(_homogenised(tmp_path / "nvdb.gpkg", Barig_64=[1, 1, 2, None, None]))
    kept, rep = roads_for_vehicle(roads, "hgv", class_speeds_kmh={})
    assert rep.excluded == {"hgv_closed": 0, "bk_below_64t": 1, "gross_weight_limit_below_64t": 0}
    assert rep.bk_unknown == 2 and rep.speed_capped == 4
    assert kept["speed_kmh"].tolist() == [80.0, 80.0, 90.0, 90.0]
    assert roads["speed_kmh"].tolist()[0] == 100.0  # input not modified
    graph = RoadGraph.from_roads(roads, vehicle="hgv")
    assert graph.report["vehicle"]["bk_unknown_assumed_allowed"] == 2


def test_hgv_profile_on_roads_without_nvdb_fields() -> None:
    roads = gpd.GeoDataFrame({"road_id": ["a", "b"], "road_class": ["motorway", "trunk"],
                              "speed_kmh": [110.0, None]},
                             geometry=[_line(S, A), _line(A, P)], crs=CRS)
    kept, rep = roads_for_vehicle(roads, "hgv", class_speeds_kmh={"trunk": 90.0})
    assert kept["speed_kmh"].tolist() == [90.0, 80.0]  # motorway class counts as motorväg
    assert rep.bk_unknown == 2
    with pytest.raises(NetworkError, match="vehicle 'lorry' is unknown"):
        roads_for_vehicle(roads, "lorry", class_speeds_kmh={})
    with pytest.raises(NetworkError, match="bk_class outside 1–4"):
        roads_for_vehicle(roads.assign(bk_class=[5, None]), "hgv", class_speeds_kmh={})
    with pytest.raises(NetworkError, match=r"hgv of 80 t may use none of the 2.*bk_below_80t': 2"):
        roads_for_vehicle(roads.assign(bk_class=[4, 1]), "hgv", class_speeds_kmh={}, gross_weight_t=80)


def test_logistics_freight_by_lorry_commute_by_car() -> None:
    from siteselect.pipeline import analyse, resolve_scenario

    hgv, path = resolve_scenario(Path(__file__).resolve().parents[1] / "layers" / "scenarios"
                                 / "logistics.yaml")
    assert hgv.vehicle is not None and hgv.vehicle.profile == "hgv"
    car = hgv.model_copy(update={"vehicle": None})
    a = analyse(car, scenario_path=path, sensitivity=False, isochrone_top_n=0).ranking.set_index("site_id")
    b = analyse(hgv, scenario_path=path, sensitivity=False, isochrone_top_n=0).ranking.set_index("site_id")
    b = b.loc[a.index]
    for col in ("port_minutes_raw", "motorway_minutes_raw", "rail_minutes_raw"):
        diff = b[col].to_numpy() - a[col].to_numpy()
        assert (diff >= -1e-9).all() and (diff > 0.1).any(), col
    np.testing.assert_array_equal(b["labour_45min_raw"].to_numpy(), a["labour_45min_raw"].to_numpy())
