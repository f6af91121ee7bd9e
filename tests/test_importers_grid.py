"""Tests of siteselect.io.importers.grid (ENTSO-E buses, OSM grid vertices)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from siteselect.errors import MissingFieldError
from siteselect.io.catalog import check_catalog
from siteselect.io.importers.grid import (
    substations_from_entsoe_buses,
    substations_from_osm_grid_vertices,
)
from siteselect.io.read import LayerWarning
from siteselect.io.validate import validate_layer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")
X0, Y0 = 588_000.0, 6_608_000.0


def test_entsoe_buses_merge_by_station(tmp_path: Path) -> None:
    p = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame(
        {"bus_id": ["1", "2", "3", "4"], "station_id": ["7", "7", "8", "9"],
         "voltage": [380.0, 220.0, 220.0, 380.0], "dc": ["f", "f", "f", "t"],
         "under_construction": ["f", "f", "f", "f"],
         "tags": ['"name"=>"Hamra"', '"name"=>"Hamra"', '"oid"=>"1"', ""]},
        geometry=[shapely.Point(X0, Y0)] * 2 + [shapely.Point(X0 + 9, Y0),
                                                shapely.Point(X0, Y0 + 9)],
        crs="EPSG:3006").to_file(p, layer="buses", engine="pyogrio")
    subs = substations_from_entsoe_buses(p)
    assert list(subs["substation_id"]) == ["entsoe-7", "entsoe-8"]  # DC bus 4 dropped
    assert list(subs["voltage_kv"]) == [380.0, 220.0]
    assert list(subs["name"]) == ["Hamra", "ENTSO-E station 8"]
    assert list(subs["bus_ids"]) == ["1;2", "3"]
    validate_layer(subs, "substations")


def test_osm_vertices_volts_to_kv(tmp_path: Path) -> None:
    p = tmp_path / "v.gpkg"
    gpd.GeoDataFrame(
        {"v_id": ["1", "2", "3", "4"], "typ": ["substation", "sub_station", "joint",
                                               "substation"],
         "voltage": ["400000;220000;130000", "130000", "400000", ""],
         "name": ["Stackbo", "", "", ""], "operator": ["", "Vattenfall", "", ""]},
        geometry=[shapely.Point(X0 + i, Y0) for i in range(4)],
        crs="EPSG:3006").to_file(p, layer="heuristic_vertices", engine="pyogrio")
    with pytest.warns(LayerWarning, match="1 of 3 substations have no voltage"):
        subs = substations_from_osm_grid_vertices(p)
    assert list(subs["voltage_kv"]) == [400.0, 130.0]
    assert list(subs["name"]) == ["Stackbo", "OSM vertex 2"]
    assert subs["operator"].isna().tolist() == [True, False]
    assert subs["operator"].iloc[1] == "Vattenfall"
    validate_layer(subs, "substations")


def test_missing_voltage_field(tmp_path: Path) -> None:
    p = tmp_path / "v.gpkg"
    gpd.GeoDataFrame({"v_id": ["1"]}, geometry=[shapely.Point(X0, Y0)],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    with pytest.raises(MissingFieldError, match="voltage_v"):
        substations_from_osm_grid_vertices(p, layer=None)


@pytest.mark.shared_data
@needs_shared
def test_real_entsoe_buses() -> None:
    subs = substations_from_entsoe_buses(
        SHARED / "pypsa_eur_entsoegridkit" / "entsoegridkit_vastmanland_bbox.gpkg")
    out = validate_layer(subs, "substations")
    assert set(out["voltage_kv"]) <= {220.0, 380.0}
    assert out["substation_id"].is_unique and len(out) <= 36


@pytest.mark.shared_data
@needs_shared
def test_real_osm_vertices() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        subs = substations_from_osm_grid_vertices(
            SHARED / "complexnet_power_grids_osm" / "sweden_osm_grid_vastmanland_bbox.gpkg")
    out = validate_layer(subs, "substations")
    assert (out["voltage_kv"] >= 1).all() and "Stackbo" in set(out["name"])


@pytest.mark.shared_data
@needs_shared
def test_real_grid_through_catalog(tmp_path: Path) -> None:
    cat = tmp_path / "c.yaml"
    cat.write_text(f"""
roles:
  substations:
    path: {SHARED / 'pypsa_eur_entsoegridkit' / 'entsoegridkit_vastmanland_bbox.gpkg'}
    layer: buses
    format: entsoe_buses
""", encoding="utf-8")
    rows = {r.role: r for r in check_catalog(cat).rows}
    assert rows["substations"].ok and rows["substations"].features >= 1
