"""Tests of siteselect.io.importers.osm on a tiny PBF written by the test."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from osmium.osm.mutable import Node, Way

from siteselect.errors import LayerError
from siteselect.io.importers.osm import layers_from_osm_pbf, parse_maxspeed, parse_oneway
from siteselect.io.read import LayerWarning
from siteselect.io.validate import validate_layer

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
    assert parse_maxspeed("none") == 130.0 and parse_maxspeed(None) is None


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


# --- bbox import equals the whole import cut to the bbox ------------------------------------

def _write_pbf(path: Path, nodes: dict[int, tuple[float, float, dict[str, str]]],
               ways: dict[int, tuple[list[int], dict[str, str]]]) -> Path:
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, (lon, lat, tags) in sorted(nodes.items()):
            writer.add_node(Node(id=nid, version=1, location=(lon, lat), tags=tags))
        for wid, (refs, tags) in sorted(ways.items()):
            writer.add_way(Way(id=wid, version=1, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


def test_bbox_split_at_node_shared_with_way_outside(tmp_path: Path) -> None:
    # way 100 runs from node 1 (inside the bbox) east to node 3; way 101 lies wholly
    # outside and meets way 100 at node 2, also outside: way 100 is split there in
    # the whole import, so it must be split there in the bbox import too.
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {
        1: (16.5, 59.5, {}), 2: (17.5, 59.5, {}), 3: (18.0, 59.5, {}),
        4: (17.5, 60.5, {})}
    ways = {100: ([1, 2, 3], {"highway": "primary"}),
            101: ([2, 4], {"highway": "residential"})}
    pbf = _write_pbf(tmp_path / "shared.osm.pbf", nodes, ways)
    whole = layers_from_osm_pbf(pbf, roles=["roads"])["roads"]
    assert sorted(whole["road_id"]) == ["w100-0", "w100-1", "w101-0"]
    cut = layers_from_osm_pbf(pbf, roles=["roads"], bbox=(16.0, 59.0, 17.0, 60.0))["roads"]
    assert sorted(cut["road_id"]) == ["w100-0", "w100-1"]
    ends = {rid: [tuple(round(v, 6) for v in xy) for xy in g.coords]
            for rid, g in zip(cut["road_id"], cut.geometry.to_crs(4326), strict=True)}
    assert ends == {"w100-0": [(16.5, 59.5), (17.5, 59.5)],
                    "w100-1": [(17.5, 59.5), (18.0, 59.5)]}


def test_bbox_no_split_by_way_with_missing_node(tmp_path: Path) -> None:
    # way 102 meets way 100 at node 2 (outside the bbox) but refers to node 99, which
    # the file lacks: no run of two present nodes is left, so the importer drops it and
    # it splits nothing, with or without bbox
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {
        1: (16.5, 59.5, {}), 2: (17.5, 59.5, {}), 3: (18.0, 59.5, {})}
    ways = {100: ([1, 2, 3], {"highway": "primary"}),
            102: ([2, 99], {"highway": "residential"})}
    pbf = _write_pbf(tmp_path / "missing.osm.pbf", nodes, ways)
    with pytest.warns(LayerWarning, match="1 road ways run past the edge .* 0 kept in pieces"
                                          ".* 1 dropped"):
        whole = layers_from_osm_pbf(pbf, roles=["roads"])["roads"]
    cut = layers_from_osm_pbf(pbf, roles=["roads"], bbox=(16.0, 59.0, 17.0, 60.0))["roads"]
    assert list(whole["road_id"]) == ["w100-0"]
    assert list(cut["road_id"]) == ["w100-0"]
    assert len(cut.geometry.iloc[0].coords) == 3


LAT0, LON0, STEP = 59.0, 16.0, 0.01  # lattice origin and spacing (degrees)
ROWS, COLS = 12, 16
#: Edges half-way between lattice lines (nodes are jittered by at most a quarter step).
LATTICE_BBOX = (LON0 + 4.5 * STEP, LAT0 + 3.5 * STEP, LON0 + 10.5 * STEP, LAT0 + 8.5 * STEP)


def _lattice(tmp_path: Path, missing: frozenset[int] = frozenset()) -> Path:
    """Jittered 12 × 16 lattice: row and column roads crossing, a railway, points, areas.

    Nodes in ``missing`` are left out of the file (the ways still refer to them).
    """
    rng = np.random.default_rng(3)
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    for r in range(ROWS):
        for c in range(COLS):
            nid = r * COLS + c + 1
            tags: dict[str, str] = {}
            if nid % 23 == 0:
                tags = {"power": "substation", "voltage": "130000", "name": f"S{nid}"}
            elif nid % 29 == 0:
                tags = {"railway": "station", "name": f"H{nid}"}
            nodes[nid] = (LON0 + STEP * (c + rng.uniform(-0.25, 0.25)),
                          LAT0 + STEP * (r + rng.uniform(-0.25, 0.25)), tags)
    classes = ["residential", "primary", "track", "motorway", "tertiary", "unclassified"]
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}

    def segments(n: int) -> list[tuple[int, int]]:
        out, a = [], 0
        while a < n - 1:
            b = min(n - 1, a + int(rng.integers(2, 6)))
            out.append((a, b))
            a = b
        return out

    for r in range(ROWS):
        for a, b in segments(COLS):
            tags = ({"railway": "rail", "name": f"Bana {r}"} if r == 6 else
                    {"highway": classes[len(ways) % len(classes)]})
            if len(ways) % 4 == 1 and "highway" in tags:
                tags["oneway"] = "-1"
            ways[len(ways) + 1] = ([r * COLS + c + 1 for c in range(a, b + 1)], tags)
    for c in range(1, COLS, 3):
        for a, b in segments(ROWS):
            ways[len(ways) + 1] = ([r * COLS + c + 1 for r in range(a, b + 1)],
                                   {"highway": classes[len(ways) % len(classes)]})
    for r, c in ((1, 2), (5, 6), (5, 12), (3, 8), (9, 13)):
        n0 = r * COLS + c + 1
        ways[len(ways) + 1] = ([n0, n0 + 1, n0 + COLS + 1, n0 + COLS, n0],
                               {"landuse": "industrial"})
    nodes = {nid: v for nid, v in nodes.items() if nid not in missing}
    return _write_pbf(tmp_path / "lattice.osm.pbf", nodes, ways)


def _touches_bbox(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Rows with a vertex inside LATTICE_BBOX (or, for polygons, meeting it)."""
    g = gdf.geometry.to_crs(4326)
    box = shapely.box(*LATTICE_BBOX)
    xy_inside = [bool(shapely.contains_xy(box, shapely.get_coordinates(geom)).any())
                 for geom in g]
    return np.asarray(xy_inside) | g.intersects(box).to_numpy() & g.geom_type.isin(
        ["Polygon", "MultiPolygon"]).to_numpy()


#: Nodes left out of the lattice (id = row × 16 + column + 1), inside and outside
#: LATTICE_BBOX. Nodes 40 and 152 are each left alone between two gaps in their row road
#: (rows 2 and 9, outside the bbox) and lie on column road 7, which enters the bbox: a
#: lone node splits nothing in the whole import, so it must not in the bbox import.
MISSING = frozenset({39, 41, 151, 153, 20, 180})


@pytest.mark.parametrize("missing", [frozenset(), MISSING], ids=["complete", "cut"])
def test_bbox_import_equals_whole_import_cut_to_bbox(tmp_path: Path,
                                                     missing: frozenset[int]) -> None:
    lattice_pbf = _lattice(tmp_path, missing)
    roles = ["roads", "rail", "stations", "substations", "candidates"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        whole = layers_from_osm_pbf(lattice_pbf, roles=roles)
        cut = layers_from_osm_pbf(lattice_pbf, roles=roles, bbox=LATTICE_BBOX)
    if missing:
        assert whole["roads"].attrs["osm_import"]["ways_cut"] > 0
    # roads: every part of each way that has a vertex inside the bbox
    roads = whole["roads"]
    way_of = roads["road_id"].str.split("-").str[0]
    keep_ways = set(way_of[_touches_bbox(roads)])
    expected = {"roads": roads[way_of.isin(keep_ways).to_numpy()]}
    for role in ("rail", "stations", "substations", "candidates"):
        expected[role] = whole[role][_touches_bbox(whole[role])]
    for role in roles:
        assert len(cut[role]) > 0, role
        assert len(cut[role]) < len(whole[role]), role
        assert_geodataframe_equal(cut[role], expected[role].reset_index(drop=True))
        # same vertices in the same order (geom_equals above ignores direction)
        assert list(cut[role].geometry.to_wkb()) == list(expected[role].geometry.to_wkb())
