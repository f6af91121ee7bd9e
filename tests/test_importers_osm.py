"""Tests of siteselect.importers.osm on a tiny PBF written by the test."""

from __future__ import annotations

import hashlib
from pathlib import Path

import osmium
import pytest
from osmium.osm.mutable import Node, Way

from siteselect.errors import LayerError
from siteselect.importers.osm import layers_from_osm_pbf, parse_maxspeed, parse_oneway
from siteselect.layers import LayerWarning, validate_layer

NODES = {  # id: (lon, lat, tags)
    1: (16.50, 59.60, {}), 2: (16.51, 59.60, {}), 3: (16.52, 59.60, {}),
    4: (16.51, 59.61, {}),
    5: (16.53, 59.605, {"power": "substation", "voltage": "130000;20000", "name": "Hamra"}),
    6: (16.54, 59.606, {"railway": "station", "name": "Västerås C"}),
    7: (16.55, 59.607, {"railway": "station", "usage": "freight", "name": "Frakt"}),
    8: (16.56, 59.608, {"power": "substation"}),  # no voltage → dropped
    9: (16.55, 59.617, {"harbour": "yes", "name": "Västerås hamn"}),
    # industrial area (closed way 20)
    11: (16.60, 59.62, {}), 12: (16.61, 59.62, {}), 13: (16.61, 59.63, {}),
    14: (16.60, 59.63, {}),
    # railway
    21: (16.50, 59.59, {}), 22: (16.55, 59.59, {}),
    # far away road (Kiruna), outside the bbox
    31: (20.2, 67.85, {}), 32: (20.3, 67.85, {}),
}
WAYS = {  # id: (node refs, tags)
    10: ([1, 2, 3], {"highway": "primary", "maxspeed": "50 mph", "ref": "56"}),
    11: ([2, 4], {"highway": "residential", "oneway": "-1", "maxspeed": "SE:urban"}),
    12: ([3, 5], {"highway": "footway"}),
    20: ([11, 12, 13, 14, 11], {"landuse": "industrial", "name": "Finnslätten"}),
    30: ([21, 22], {"railway": "rail", "name": "Mälarbanan"}),
    40: ([31, 32], {"highway": "motorway"}),
}


@pytest.fixture
def pbf(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, (lon, lat, tags) in NODES.items():
            writer.add_node(Node(id=nid, version=1, location=(lon, lat), tags=tags))
        for wid, (refs, tags) in WAYS.items():
            writer.add_way(Way(id=wid, version=1, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


def test_parse_maxspeed() -> None:
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("50 mph") == pytest.approx(80.4672)
    assert parse_maxspeed("SE:urban") == 50.0
    assert parse_maxspeed("SE:rural") == 70.0
    assert parse_maxspeed("none") is None and parse_maxspeed(None) is None


def test_parse_oneway() -> None:
    assert parse_oneway("yes", "primary", None) == (True, False)
    assert parse_oneway("-1", "primary", None) == (True, True)
    assert parse_oneway("no", "motorway", None) == (False, False)
    assert parse_oneway(None, "motorway", None) == (True, False)
    assert parse_oneway(None, "tertiary", "roundabout") == (True, False)
    assert parse_oneway(None, "tertiary", None) == (False, False)


def test_roads_split_at_shared_nodes(pbf: Path) -> None:
    before = hashlib.sha256(pbf.read_bytes()).hexdigest()
    roads = layers_from_osm_pbf(pbf, roles=["roads"])["roads"]
    assert hashlib.sha256(pbf.read_bytes()).hexdigest() == before
    # way 10 is split at node 2 (shared with way 11); footway and nothing else dropped
    assert sorted(roads["road_id"]) == ["w10-0", "w10-1", "w11-0", "w40-0"]
    r = roads.set_index("road_id")
    assert r.loc["w10-0", "road_class"] == "primary" and r.loc["w10-0", "ref"] == "56"
    assert r.loc["w10-0", "speed_kmh"] == pytest.approx(80.4672)
    assert r.loc["w11-0", "road_class"] == "local" and r.loc["w11-0", "speed_kmh"] == 50.0
    assert bool(r.loc["w11-0", "oneway"]) is True
    assert bool(r.loc["w40-0", "oneway"]) is True  # motorway implied
    # oneway=-1 reversed: starts at node 4 (north) and ends at node 2
    g = roads.set_index("road_id").geometry.to_crs(4326)
    assert g["w11-0"].coords[0][1] == pytest.approx(59.61)
    assert g["w10-0"].coords[-1] == pytest.approx((16.51, 59.60))
    assert str(roads.crs) == "EPSG:3006"
    validate_layer(roads, "roads")


def test_bbox_keeps_only_features_inside(pbf: Path) -> None:
    roads = layers_from_osm_pbf(pbf, roles=["roads"], bbox=(16.0, 59.0, 17.0, 60.0))["roads"]
    assert "w40-0" not in set(roads["road_id"])
    assert len(roads) == 3


def test_disk_location_store(pbf: Path, tmp_path: Path) -> None:
    roads = layers_from_osm_pbf(pbf, roles=["roads"], bbox=(16.0, 59.0, 17.0, 60.0),
                                location_store=f"sparse_file_array,{tmp_path / 'n.idx'}")["roads"]
    assert len(roads) == 3


def test_points_rail_and_candidates(pbf: Path) -> None:
    with pytest.warns(LayerWarning, match="1 substations without a voltage"):
        layers = layers_from_osm_pbf(pbf, roles=["substations", "stations", "ports", "rail",
                                                 "candidates"], municipality="Västerås")
    subs = layers["substations"]
    assert list(subs["name"]) == ["Hamra"] and list(subs["voltage_kv"]) == [130.0]
    st = layers["stations"].set_index("name")
    assert st.loc["Västerås C", "kind"] == "passenger" and st.loc["Frakt", "kind"] == "freight"
    assert list(layers["ports"]["name"]) == ["Västerås hamn"]
    assert list(layers["rail"]["name"]) == ["Mälarbanan"]
    cand = layers["candidates"]
    assert list(cand["site_id"]) == ["osm-w20"] and cand.iloc[0]["site_type"] == "reserve"
    # 0.01° × 0.01° at 59.6° N ≈ 563 m × 1113 m ≈ 62.7 ha
    assert cand.iloc[0]["area_ha"] == pytest.approx(62.7, rel=0.02)
    for role in ("substations", "stations", "ports", "rail", "candidates"):
        validate_layer(layers[role], role)


def test_not_an_osm_file(tmp_path: Path) -> None:
    p = tmp_path / "x.osm.pbf"
    p.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all, really not")
    with pytest.raises(LayerError, match="x.osm.pbf"):
        layers_from_osm_pbf(p, roles=["roads"])


def test_unknown_role(pbf: Path) -> None:
    with pytest.raises(LayerError, match="water"):
        layers_from_osm_pbf(pbf, roles=["water"])
