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
