"""Every car tag rule of the OSM importer on small PBFs written here, with exact answers."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from click.testing import CliRunner
from osmium.osm.mutable import Node, Way

from siteselect.cli import main
from siteselect.errors import LayerError
from siteselect.io.importers._osm_tags import NONE_KMH, WALK_KMH, parse_duration_h, parse_speed
from siteselect.io.importers.osm import layers_from_osm_pbf
from siteselect.io.read import LayerWarning
from siteselect.network.graph import RoadGraph

Tags = dict[str, str]


def write_pbf(path: Path, nodes: dict[int, tuple[float, float]],
              ways: dict[int, tuple[list[int], Tags]]) -> Path:
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, (lon, lat) in sorted(nodes.items()):
            writer.add_node(Node(id=nid, version=1, location=(lon, lat)))
        for wid, (refs, tags) in sorted(ways.items()):
            writer.add_way(Way(id=wid, version=1, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


def separate_ways(path: Path, tag_sets: list[Tags]) -> Path:
    """Way i + 1 (1 ≤ i + 1 ≤ n) runs north from its own node 2i+1 to its own node 2i+2."""
    nodes, ways = {}, {}
    for i, tags in enumerate(tag_sets):
        lon = 16.0 + 0.01 * i
        nodes[2 * i + 1] = (lon, 59.60)
        nodes[2 * i + 2] = (lon, 59.61)
        ways[i + 1] = ([2 * i + 1, 2 * i + 2], tags)
    return write_pbf(path, nodes, ways)


def roads_of(path: Path, **options: object) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        return layers_from_osm_pbf(path, roles=["roads"], **options)["roads"]


def by_way(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = roads.copy()
    out.index = [int(r.split("-")[0][1:]) for r in roads["road_id"]]
    return out


# --------------------------------------------------------------------------- access

#: value → (general public, company's own traffic)
ACCESS_TABLE = {"no": (False, False), "private": (False, False),
                "agricultural": (False, False), "forestry": (False, False),
                "delivery": (False, True), "destination": (True, True),
                "permissive": (True, True), "customers": (False, False)}
KEYS = ("access", "vehicle", "motor_vehicle", "motorcar")
#: most specific tag wins: (tags, public, company)
PRECEDENCE: list[tuple[Tags, bool, bool]] = [
    ({"access": "no", "motorcar": "yes"}, True, True),
    ({"motor_vehicle": "no", "vehicle": "yes"}, False, False),
    ({"access": "private", "motor_vehicle": "destination"}, True, True),
    ({"vehicle": "no", "motorcar": "delivery"}, False, True),
    ({"access": "no", "motorcar": "sometimes"}, False, False),   # unknown: next tag decides
    ({"motor_vehicle": "agricultural;forestry"}, False, False),
    ({"access": "delivery;destination"}, True, True),
    ({"access": "no", "bicycle": "yes"}, False, False),
    ({}, True, True),
]


@pytest.mark.parametrize("profile", ["public", "company"])
def test_car_access_table(tmp_path: Path, profile: str) -> None:
    cases: list[tuple[Tags, bool]] = []
    col = 0 if profile == "public" else 1
    for key in KEYS:
        for value, allowed in ACCESS_TABLE.items():
            cases.append(({key: value}, allowed[col]))
    cases += [(tags, (pub, com)[col]) for tags, pub, com in PRECEDENCE]
    pbf = separate_ways(tmp_path / "access.osm.pbf",
                        [{"highway": "unclassified", **tags} for tags, _ in cases])
    roads = roads_of(pbf, access_profile=profile)
    kept = {int(r.split("-")[0][1:]) for r in roads["road_id"]}
    expected = {i + 1 for i, (_, ok) in enumerate(cases) if ok}
    assert kept == expected
    report = roads.attrs["osm_import"]
    assert report["closed_by_access"] == len(cases) - len(expected)
    assert report["unparsed"] == {"motorcar=sometimes": 1}
    assert report["access_profile"] == profile


def test_unknown_access_profile(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "a.osm.pbf", [{"highway": "primary"}])
    with pytest.raises(LayerError, match="access_profile 'staff' unknown"):
        layers_from_osm_pbf(pbf, roles=["roads"], access_profile="staff")


# --------------------------------------------------------------------------- one-way

ONEWAY_CASES: list[tuple[Tags, bool | None, bool]] = [   # tags, oneway (None: left out), reversed
    ({"highway": "primary", "oneway": "yes"}, True, False),
    ({"highway": "primary", "oneway": "true"}, True, False),
    ({"highway": "primary", "oneway": "1"}, True, False),
    ({"highway": "primary", "oneway": "-1"}, True, True),
    ({"highway": "primary", "oneway": "no"}, False, False),
    ({"highway": "primary", "oneway": "alternating"}, False, False),
    ({"highway": "primary", "oneway": "reversible"}, None, False),
    ({"highway": "tertiary", "junction": "roundabout"}, True, False),
    ({"highway": "tertiary", "junction": "circular"}, True, False),
    ({"highway": "motorway"}, True, False),
    ({"highway": "motorway_link"}, True, False),
    ({"highway": "motorway", "oneway": "no"}, False, False),
    ({"highway": "primary", "oneway": "maybe"}, False, False),      # unreadable: counted
    ({"highway": "primary"}, False, False),
]


def test_oneway_rules(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "oneway.osm.pbf", [t for t, _, _ in ONEWAY_CASES])
    roads = by_way(roads_of(pbf))
    starts = roads.geometry.to_crs(4326).map(lambda g: round(g.coords[0][1], 6))
    for i, (tags, oneway, rev) in enumerate(ONEWAY_CASES, start=1):
        if oneway is None:
            assert i not in roads.index, tags
            continue
        assert bool(roads.loc[i, "oneway"]) is oneway, tags
        assert starts[i] == (59.61 if rev else 59.60), tags
    report = roads.attrs["osm_import"]
    assert report["reversible"] == 1
    assert report["unparsed"] == {"oneway=maybe": 1}


# --------------------------------------------------------------------------- speeds

SPEED_CASES: list[tuple[str, float | None]] = [
    ("50", 50.0), ("50 km/h", 50.0), ("30 mph", 30 * 1.609344), ("10 knots", 18.52),
    ("SE:urban", 50.0), ("SE:rural", 70.0), ("SE:motorway", 110.0),
    ("SE:living_street", WALK_KMH), ("NO:rural", 80.0), ("NO:motorway", 110.0),
    ("FI:urban", 50.0), ("FI:rural", 100.0), ("FI:living_street", 20.0),
    ("DK:rural", 80.0), ("DK:motorway", 130.0), ("DK:living_street", 15.0),
    ("DE:urban", 50.0), ("DE:rural", 100.0), ("DE:motorway", NONE_KMH), ("DE:zone30", 30.0),
    ("EE:rural", 90.0), ("PL:rural", 90.0), ("PL:motorway", 140.0), ("PL:trunk", 100.0),
    ("none", NONE_KMH), ("walk", WALK_KMH), ("50;30", 30.0), ("70 ; 50 mph", 70.0),
    ("variable", None), ("signals", None), ("fast", None), ("XX:urban", None),
    ("SE:downtown", None), ("0", None), ("", None),
]


def test_parse_speed_table() -> None:
    for value, kmh in SPEED_CASES:
        got = parse_speed(value)
        assert (got is None and kmh is None) or got == pytest.approx(kmh), value


def test_speed_rules_on_ways(tmp_path: Path) -> None:
    cases = [c for c in SPEED_CASES if c[0]]
    per_direction: list[tuple[Tags, float, float | None, bool]] = [
        # tags, speed_kmh, speed_backward_kmh (None: same / one-way), oneway
        ({"maxspeed": "50", "maxspeed:backward": "30"}, 50.0, 30.0, False),
        ({"maxspeed:forward": "70", "maxspeed:backward": "40"}, 70.0, 40.0, False),
        ({"maxspeed:forward": "70", "maxspeed:backward": "40", "oneway": "-1"}, 40.0, None,
         True),
        ({"maxspeed": "60", "maxspeed:backward": "30", "oneway": "yes"}, 60.0, None, True),
        ({"maxspeed": "80", "maxspeed:conditional": "30 @ (22:00-06:00)"}, 80.0, None, False),
    ]
    tag_sets = [{"highway": "primary", "maxspeed": v} for v, _ in cases] + [
        {"highway": "primary", **t} for t, _, _, _ in per_direction]
    pbf = separate_ways(tmp_path / "speed.osm.pbf", tag_sets)
    roads = by_way(roads_of(pbf))
    for i, (value, kmh) in enumerate(cases, start=1):
        got = roads.loc[i, "speed_kmh"]
        assert (np.isnan(got) and kmh is None) or got == pytest.approx(kmh), value
        assert np.isnan(roads.loc[i, "speed_backward_kmh"])
    for j, (tags, fwd, bwd, oneway) in enumerate(per_direction, start=len(cases) + 1):
        assert roads.loc[j, "speed_kmh"] == fwd, tags
        back = roads.loc[j, "speed_backward_kmh"]
        assert (np.isnan(back) and bwd is None) or back == bwd, tags
        assert bool(roads.loc[j, "oneway"]) is oneway
    report = roads.attrs["osm_import"]
    assert report["variable_speed"] == 2
    assert report["unparsed"] == {"maxspeed=fast": 1, "maxspeed=XX:urban": 1,
                                  "maxspeed=SE:downtown": 1, "maxspeed=0": 1}


def test_network_uses_speed_per_direction(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "dir.osm.pbf",
                        [{"highway": "primary", "maxspeed": "60", "maxspeed:backward": "30"}])
    g = RoadGraph.from_roads(roads_of(pbf)).to_networkx()
    south = min(g.nodes, key=lambda n: g.nodes[n]["y"])
    north = max(g.nodes, key=lambda n: g.nodes[n]["y"])
    length_m = math.dist(*((g.nodes[n]["x"], g.nodes[n]["y"]) for n in (south, north)))
    assert g[south][north]["minutes"] == pytest.approx(length_m / 1000 / 60 * 60, rel=1e-9)
    assert g[north][south]["minutes"] == pytest.approx(length_m / 1000 / 30 * 60, rel=1e-9)


def test_network_speed_backward_column(tmp_path: Path) -> None:
    roads = gpd.GeoDataFrame(
        {"road_id": ["a"], "road_class": ["local"], "speed_kmh": [60.0],
         "speed_backward_kmh": [30.0], "oneway": [False]},
        geometry=[shapely.LineString([(560000, 6610000), (561000, 6610000)])], crs=3006)
    g = RoadGraph.from_roads(roads).to_networkx()
    west = min(g.nodes, key=lambda n: g.nodes[n]["x"])
    east = max(g.nodes, key=lambda n: g.nodes[n]["x"])
    assert g[west][east]["minutes"] == pytest.approx(1.0)
    assert g[east][west]["minutes"] == pytest.approx(2.0)


# --------------------------------------------------------------------------- ferries

FERRIES: list[tuple[Tags, str | None, float | None]] = [
    # tags, road_class (None: left out), hours (None: timed by a speed)
    ({"route": "ferry", "motor_vehicle": "yes", "duration": "00:30"}, "local", 0.5),
    ({"route": "ferry", "ferry": "primary", "duration": "PT20M"}, "primary", 1 / 3),
    ({"route": "ferry", "foot": "yes"}, None, None),
    ({"route": "ferry", "ferry": "trunk", "motorcar": "no"}, None, None),
    ({"route": "ferry", "motorcar": "yes"}, "local", None),                   # 15 km/h
    ({"route": "ferry", "motorcar": "yes", "maxspeed": "20 knots"}, "local", None),
    ({"route": "ferry", "motorcar": "yes", "duration": "soon"}, "local", None),  # counted
    ({"route": "ferry", "hgv": "yes", "duration": "1:15:00"}, "local", 1.25),
]


def test_parse_duration() -> None:
    assert parse_duration_h("00:30") == 0.5
    assert parse_duration_h("1:15:00") == 1.25
    assert parse_duration_h("PT1H30M") == 1.5
    assert parse_duration_h("PT20M") == pytest.approx(1 / 3)
    assert parse_duration_h("45") == 0.75
    assert parse_duration_h("soon") is None and parse_duration_h("PT") is None
    assert parse_duration_h(None) is None


def test_ferries(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "ferry.osm.pbf", [t for t, _, _ in FERRIES])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", LayerWarning)
        roads = by_way(layers_from_osm_pbf(pbf, roles=["roads"])["roads"])
    texts = [str(w.message) for w in rec]
    assert any("2 car ferries state neither duration nor maxspeed" in t for t in texts), texts
    assert any("could not be read and were ignored" in t and "duration=soon ×1" in t
               for t in texts), texts
    for i, (tags, cls, hours) in enumerate(FERRIES, start=1):
        if cls is None:
            assert i not in roads.index, tags
            continue
        assert roads.loc[i, "road_class"] == cls and bool(roads.loc[i, "ferry"]), tags
        km = roads.loc[i].geometry.length / 1000
        if hours is not None:
            assert roads.loc[i, "speed_kmh"] == pytest.approx(km / hours, rel=1e-12), tags
    assert roads.loc[5, "speed_kmh"] == 15.0 and roads.loc[7, "speed_kmh"] == 15.0
    assert roads.loc[6, "speed_kmh"] == pytest.approx(37.04)
    report = roads.attrs["osm_import"]
    assert (report["ferries"], report["ferries_not_for_cars"],
            report["ferries_default_speed"]) == (6, 2, 2)
    assert report["unparsed"] == {"duration=soon": 1}


def test_ferry_joins_roads_and_takes_its_duration(tmp_path: Path) -> None:
    nodes = {1: (16.00, 59.60), 2: (16.00, 59.61), 3: (16.05, 59.61), 4: (16.05, 59.62),
             5: (16.03, 59.615)}
    ways = {1: ([1, 2], {"highway": "residential"}),
            2: ([2, 5, 3], {"route": "ferry", "motorcar": "yes", "duration": "00:30"}),
            3: ([3, 4], {"highway": "residential"})}
    roads = roads_of(write_pbf(tmp_path / "crossing.osm.pbf", nodes, ways))
    assert sorted(roads["road_id"]) == ["w1-0", "w2-0", "w3-0"]
    graph = RoadGraph.from_roads(roads)
    g = graph.to_networkx()
    lengths = dict(zip(roads["road_id"], roads.geometry.length, strict=True))
    xy = graph.node_xy
    start = int(np.argmin(xy[:, 1]))
    end = int(np.argmax(xy[:, 1]))
    minutes = nx.shortest_path_length(g, start, end, weight="minutes")
    expected = (lengths["w1-0"] + lengths["w3-0"]) / 1000 / 40 * 60 + 30.0
    assert minutes == pytest.approx(expected, rel=1e-4)   # graph nodes rounded to 0.5 m


# --------------------------------------------------------------------------- lifecycle

def test_construction_proposed_abandoned_stay_out(tmp_path: Path) -> None:
    tag_sets = [{"highway": "construction", "construction": "primary"},
                {"highway": "proposed", "proposed": "motorway"},
                {"highway": "abandoned"}, {"highway": "disused"},
                {"highway": "primary", "construction": "yes"},
                {"highway": "primary", "construction": "minor"},   # kept: minor works
                {"highway": "primary", "construction": "no"}]      # kept
    roads = by_way(roads_of(separate_ways(tmp_path / "life.osm.pbf", tag_sets)))
    assert sorted(roads.index) == [6, 7]
    assert roads.attrs["osm_import"]["lifecycle"] == 5


# --------------------------------------------------------------------------- cut ways

def test_ways_cut_at_the_extract_edge_keep_their_runs(tmp_path: Path) -> None:
    nodes = {1: (16.00, 59.60), 2: (16.00, 59.61), 3: (16.00, 59.63), 4: (16.00, 59.64),
             5: (16.01, 59.64), 6: (16.10, 59.60), 7: (16.10, 59.61)}
    ways = {10: ([1, 2, 99, 3, 4, 5], {"highway": "primary"}),   # 99 missing: two runs
            11: ([6, 98, 7], {"highway": "primary"}),            # runs of one node: dropped
            13: ([96, 95], {"highway": "primary"}),              # no node at all: dropped
            12: ([6, 7], {"highway": "footway"})}
    pbf = write_pbf(tmp_path / "edge.osm.pbf", nodes, ways)
    with pytest.warns(LayerWarning, match=r"3 road ways run past the edge of the extract "
                                          r"\(4 nodes missing\): 1 kept in pieces"):
        roads = layers_from_osm_pbf(pbf, roles=["roads"])["roads"]
    assert list(roads["road_id"]) == ["w10-0", "w10-1"]
    lonlat = [[tuple(round(v, 6) for v in xy) for xy in g.coords]
              for g in roads.geometry.to_crs(4326)]
    assert lonlat == [[(16.0, 59.6), (16.0, 59.61)],
                      [(16.0, 59.63), (16.0, 59.64), (16.01, 59.64)]]
    report = roads.attrs["osm_import"]
    assert (report["ways_cut"], report["ways_cut_dropped"], report["nodes_missing"]) == (3, 2, 4)
    assert report["cut_km_kept"] == round(float(roads.geometry.length.sum()) / 1000, 3)
    # the two runs are separate chains: no edge across the gap
    graph = RoadGraph.from_roads(roads)
    assert graph.report["components_dropped"] == 1


# --------------------------------------------------------------------------- bad files

def test_truncated_pbf(tmp_path: Path) -> None:
    whole = write_pbf(tmp_path / "whole.osm.pbf",
                      {i: (16 + i * 1e-3, 59.6) for i in range(1, 2001)},
                      {1: (list(range(1, 2001)), {"highway": "primary"})})
    cut = tmp_path / "half.osm.pbf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(LayerError, match=r"half\.osm\.pbf: .*truncated.*download it again"):
        layers_from_osm_pbf(cut, roles=["roads"])


def test_empty_pbf(tmp_path: Path) -> None:
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(LayerError, match=r"empty\.osm\.pbf: OSM file not found or empty"):
        layers_from_osm_pbf(empty, roles=["roads"])
    nodata = write_pbf(tmp_path / "nodata.osm.pbf", {}, {})
    with pytest.raises(LayerError, match=r"nodata\.osm\.pbf: holds no road for cars"):
        layers_from_osm_pbf(nodata, roles=["roads"])


def test_no_roads_for_the_profile(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "paths.osm.pbf",
                        [{"highway": "footway"}, {"highway": "residential", "access": "private"}])
    with pytest.raises(LayerError, match=r"paths\.osm\.pbf: holds no road for cars.*1 road "
                                         r"ways are closed to cars under access_profile 'public'"):
        layers_from_osm_pbf(pbf, roles=["roads"])
    # other roles of the same file are fine without roads
    assert len(layers_from_osm_pbf(pbf, roles=["rail"])["rail"]) == 0


def _scenario_with_catalog(tmp_path: Path, pbf: Path) -> Path:
    cat = tmp_path / "catalog.yaml"
    cat.write_text(f"fallback: embedded\nroles:\n  roads: {{path: {pbf.name}, "
                   "format: osm_pbf}\n", encoding="utf-8")
    scen = tmp_path / "osm-test.yaml"
    res = CliRunner().invoke(main, ["init", "osm-test", "--from", "logistics", "--out",
                                    str(tmp_path)])
    assert res.exit_code == 0, res.output
    text = scen.read_text(encoding="utf-8")
    lines = [f"layers: {cat.name}" if ln.startswith("region:") else ln
             for ln in text.splitlines()]
    scen.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return scen


@pytest.mark.parametrize("kind", ["truncated", "empty", "no_roads"])
def test_bad_pbf_exits_2_via_cli(tmp_path: Path, kind: str) -> None:
    pbf = tmp_path / "roads.osm.pbf"
    if kind == "truncated":
        src = separate_ways(tmp_path / "src.osm.pbf", [{"highway": "primary"}] * 3000)
        pbf.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    elif kind == "empty":
        pbf.write_bytes(b"")
    else:
        separate_ways(pbf, [{"highway": "footway"}])
    before = pbf.read_bytes()
    scen = _scenario_with_catalog(tmp_path, pbf)
    res = CliRunner().invoke(main, ["run", str(scen), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "roads.osm.pbf" in res.output and "Traceback" not in res.output
    assert {"truncated": "download it again", "empty": "empty",
            "no_roads": "no road for cars"}[kind] in res.output
    assert pbf.read_bytes() == before


def test_layers_check_shows_unparsed_values(tmp_path: Path) -> None:
    pbf = separate_ways(tmp_path / "roads.osm.pbf",
                        [{"highway": "primary", "maxspeed": "fast"},
                         {"highway": "primary", "maxspeed": "fast"},
                         {"highway": "primary", "oneway": "maybe"},
                         {"highway": "primary", "maxspeed": "variable"}])
    cat = tmp_path / "catalog.yaml"
    cat.write_text(f"fallback: embedded\nroles:\n  roads: {{path: {pbf.name}, "
                   "format: osm_pbf}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["layers", "check", str(cat)])
    assert "3 tag values could not be read" in res.output, res.output
    assert "maxspeed=fast ×2, oneway=maybe ×1" in res.output
    assert "1 ways have a variable speed limit" in res.output
