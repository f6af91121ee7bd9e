"""Measures per candidate (siteselect.analysis.measures) with hand-checkable answers."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from siteselect.analysis.measures import MeasureRequest, site_measures
from siteselect.errors import ScenarioError
from siteselect.network.graph import RoadGraph

CRS = "EPSG:3006"


def _graph() -> RoadGraph:
    roads = gpd.GeoDataFrame({"road_id": ["r"], "road_class": ["local"], "speed_kmh": [50.0]},
                             geometry=[LineString([(0, 0), (5000, 0)])], crs=CRS)
    return RoadGraph.from_roads(roads)


def test_industrial_km_is_the_gap_to_the_nearest_industrial_land() -> None:
    sites = gpd.GeoDataFrame({"site_id": ["inside", "near", "far"]},
                             geometry=[box(100, 100, 200, 200), box(1300, 0, 1400, 100), box(4000, 0, 4100, 100)],
                             crs=CRS)
    land = gpd.GeoDataFrame({"name": ["works", "port"]},
                            geometry=[box(0, 0, 1000, 1000), box(3000, 0, 3500, 100)], crs=CRS)
    out = site_measures(sites, {"industrial_land": land}, _graph(), [MeasureRequest("industrial_km")])
    assert out["industrial_km"].tolist() == pytest.approx([0.0, 0.3, 0.5])


def test_industrial_km_without_the_layer_names_it() -> None:
    sites = gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[box(0, 0, 10, 10)], crs=CRS)
    with pytest.raises(ScenarioError, match="'industrial_land' is missing"):
        site_measures(sites, {}, _graph(), [MeasureRequest("industrial_km")])


def test_registry_is_exactly_the_schema_measure_list() -> None:
    from siteselect.analysis.measure_kinds import MEASURE_KINDS
    from siteselect.scenario import MEASURES

    assert list(MEASURE_KINDS) == list(MEASURES)
    for name, kind in MEASURE_KINDS.items():
        assert (kind.kind, kind.params) == MEASURES[name], name
        assert kind.name == name


def test_registry_declares_units_network_and_freight() -> None:
    from siteselect.analysis.measure_kinds import MEASURE_KINDS
    from siteselect.analysis.measures import FREIGHT_MEASURES, MEASURE_ROLES

    assert FREIGHT_MEASURES == ("port_minutes", "motorway_minutes", "rail_minutes")
    assert {n for n, k in MEASURE_KINDS.items() if k.network} == {
        "port_minutes", "motorway_minutes", "rail_minutes", "airport_minutes", "substation_minutes",
        "population_within"}
    assert {n for n, k in MEASURE_KINDS.items() if k.access_leg} == {
        n for n in MEASURE_KINDS if n.endswith("_minutes")}
    assert MEASURE_KINDS["substation_km"].unit == "km" and MEASURE_KINDS["population_within"].unit == "people"
    assert MEASURE_ROLES["industrial_km"] == "industrial_land" and "area_ha" not in MEASURE_ROLES


def test_columns_of_parametrised_measures() -> None:
    from siteselect.analysis.measures import measure_column

    assert measure_column("substation_km", {"min_voltage_kv": 130}) == "substation_km"
    assert measure_column("substation_minutes", {"min_voltage_kv": 400}) == "substation_minutes_400kv"
    assert measure_column("population_within", {"minutes": 22.5}) == "pop_22p5min"
    assert measure_column("rail_minutes", {"station_kinds": ["freight", "combi"]}) == "rail_minutes_combi_freight"
    assert measure_column("rail_minutes", {"station_kinds": ["passenger", "freight", "combi"]}) == "rail_minutes"
    with pytest.raises(ScenarioError, match="unknown measure 'nope'"):
        measure_column("nope")
    with pytest.raises(ScenarioError, match="needs `minutes`"):
        measure_column("population_within", {})
