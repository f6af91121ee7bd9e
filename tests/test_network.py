"""Tests for siteselect.network (graph, reach, snapping, isochrones, cache, _dijkstra):
hand-checkable minutes, snapping, one-way, commute reach, isochrones, caching, and the fast
path (both queues) against networkx."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from _network_reference import isochrones_reference
from shapely.geometry import LineString, MultiLineString, Point, box

from siteselect.errors import CRSError, MissingFieldError, NetworkError
from siteselect.network import GraphCache, RoadGraph

CRS = "EPSG:3006"


def roads_frame(rows: list[tuple[str, list[tuple[float, float]], str, float | None, bool]]
                ) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "road_id": [r[0] for r in rows],
            "ref": [None] * len(rows),
            "road_class": [r[2] for r in rows],
            "speed_kmh": pd.array([r[3] for r in rows], dtype="Float64"),
            "oneway": [r[4] for r in rows],
        },
        geometry=[LineString(r[1]) for r in rows],
        crs=CRS,
    )


def points(xy: list[tuple[float, float]], **cols: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(p) for p in xy], crs=CRS)


# Five nodes: A(0,0) B(1000,0) C(2000,0) D(2000,1000) E(0,1000).
# A-B 60 km/h = 1 min; B-C motorway, null speed, default overridden to 120 km/h = 0.5 min;
# C-D 30 km/h = 2 min; A-E 60 km/h = 1 min; E-D 2000 m at 60 km/h = 2 min, one-way E→D.
FIVE = [
    ("ab", [(0, 0), (1000, 0)], "local", 60.0, False),
    ("bc", [(1000, 0), (2000, 0)], "motorway", None, False),
    ("cd", [(2000, 0), (2000, 1000)], "local", 30.0, False),
    ("ae", [(0, 0), (0, 1000)], "local", 60.0, False),
    ("ed", [(0, 1000), (2000, 1000)], "local", 60.0, True),
]


@pytest.fixture()
def five() -> RoadGraph:
    return RoadGraph.from_roads(roads_frame(FIVE), default_speeds_kmh={"motorway": 120.0})


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_five_node_minutes(five: RoadGraph, method: str) -> None:
    assert five.report["nodes"] == 5
    assert five.report["edges"] == 9  # 4 two-way segments + 1 one-way
    assert five.report["segments_without_speed"] == 1
    fac = points([(2000, 1000)], fid=["D"])
    origins = points([(0, 0), (1000, 0), (0, 1000)], site=["A", "B", "E"])
    origins.index = ["a", "b", "e"]
    got = five.minutes_to_nearest(origins, fac, facility_id="fid", method=method)
    assert list(got.index) == ["a", "b", "e"]
    # A: via E (1 + 2) beats via B-C (1 + 0.5 + 2); B: 0.5 + 2; E: 2 (one-way allowed)
    np.testing.assert_allclose(got["minutes"], [3.0, 2.5, 2.0], rtol=0, atol=1e-9)
    assert list(got["facility"]) == ["D", "D", "D"]


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_one_way_is_respected(five: RoadGraph, method: str) -> None:
    # From D to E the one-way E→D cannot be used backwards: D-C-B-A-E = 2 + 0.5 + 1 + 1
    fac = points([(0, 1000)], fid=["E"])
    got = five.minutes_to_nearest(points([(2000, 1000)]), fac, facility_id="fid", method=method)
    assert got["minutes"].iloc[0] == pytest.approx(4.5, abs=1e-9)


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_snapping_adds_off_network_leg(five: RoadGraph, method: str) -> None:
    fac = points([(2000, 1000)], fid=["D"])
    # (500, 300) snaps to (500, 0) on A-B: 300 m at 30 km/h = 0.6 min, then 0.5 min to B,
    # then B-C-D 2.5 min → 3.6 (via A: 0.6 + 0.5 + 3.0 = 4.1).
    # (0, -2000) is 2 km below A: 4 min at 30 km/h, then 3 min → 7.
    origins = points([(500, 300), (0, -2000)])
    got = five.minutes_to_nearest(origins, fac, facility_id="fid", method=method)
    np.testing.assert_allclose(got["minutes"], [3.6, 7.0], rtol=0, atol=1e-9)
    snap = five.snap(origins)
    np.testing.assert_allclose(snap[["snap_x", "snap_y"]].to_numpy(), [[500, 0], [0, 0]])
    np.testing.assert_allclose(snap["access_minutes"], [0.6, 4.0])


def test_facility_off_network_and_polygon_origin(five: RoadGraph) -> None:
    # facility 500 m right of D → +1 min access; origin polygon around A: representative point
    fac = points([(2500, 1000)], fid=["F"])
    site = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[box(-10, -10, 10, 10)], crs=CRS)
    got = five.minutes_to_nearest(site, fac, facility_id="fid", method="networkx")
    rep = site.geometry.representative_point().iloc[0]
    access = rep.distance(Point(0, 0)) / 500.0  # nearest road point is A for a point near A
    assert got["minutes"].iloc[0] == pytest.approx(3.0 + 1.0 + access, abs=1e-9)


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_nearest_of_several_and_max_minutes(five: RoadGraph, method: str) -> None:
    fac = points([(2000, 1000), (1000, 0)], fid=["D", "B"])
    got = five.minutes_to_nearest(points([(0, 0), (2000, 1000)]), fac, facility_id="fid",
                                  method=method)
    np.testing.assert_allclose(got["minutes"], [1.0, 0.0], atol=1e-9)
    assert list(got["facility"]) == ["B", "D"]
    capped = five.minutes_to_nearest(points([(0, 1000)]), fac, facility_id="fid",
                                     max_minutes=1.5, method=method)
    # E: to D 2 min, to B 2 min (E-A-B) → nothing within 1.5
    assert np.isnan(capped["minutes"].iloc[0]) and capped["facility"].iloc[0] is None


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_tie_reports_first_facility(five: RoadGraph, method: str) -> None:
    # E is 2 min from both D (one-way E→D) and B (E-A-B): the first listed wins
    for order in (["D", "B"], ["B", "D"]):
        xy = {"D": (2000, 1000), "B": (1000, 0)}
        fac = points([xy[k] for k in order], fid=order)
        got = five.minutes_to_nearest(points([(0, 1000)]), fac, facility_id="fid", method=method)
        assert got["facility"].iloc[0] == order[0]


def test_node_minutes_to_nearest(five: RoadGraph) -> None:
    fac = points([(2000, 1000)], fid=["D"])
    a = five.node_minutes_to_nearest(fac, facility_id="fid", method="networkx")
    b = five.node_minutes_to_nearest(fac, facility_id="fid", method="fast")
    by_xy = {(x, y): m for x, y, m in zip(a["x"], a["y"], a["minutes"])}
    assert by_xy == pytest.approx({(0, 0): 3.0, (1000, 0): 2.5, (2000, 0): 2.0,
                                   (2000, 1000): 0.0, (0, 1000): 2.0})
    pd.testing.assert_frame_equal(a, b)


def test_input_validation(five: RoadGraph) -> None:
    fac = points([(2000, 1000)], fid=["D"])
    with pytest.raises(CRSError, match="origins"):
        five.minutes_to_nearest(points([(0, 0)]).to_crs(4326), fac, facility_id="fid")
    with pytest.raises(NetworkError, match="ports .*empty"):
        five.minutes_to_nearest(points([(0, 0)]), fac.iloc[:0], facility_id="fid",
                                facility_class="ports")
    with pytest.raises(MissingFieldError, match="nope"):
        five.minutes_to_nearest(points([(0, 0)]), fac, facility_id="nope")
    with pytest.raises(MissingFieldError, match="inhabitants"):
        five.population_within(points([(0, 0)]), points([(0, 0)], people=[1]))
    with pytest.raises(NetworkError, match="method"):
        five.minutes_to_nearest(points([(0, 0)]), fac, facility_id="fid", method="pandana")


def test_build_errors_and_report() -> None:
    bad = roads_frame([("x", [(0, 0), (10, 0)], "footpath", None, False)])
    with pytest.raises(NetworkError, match="footpath"):
        RoadGraph.from_roads(bad)
    with pytest.raises(MissingFieldError, match="road_class"):
        RoadGraph.from_roads(bad.drop(columns="road_class"))
    with pytest.raises(CRSError, match="roads: .*not a projected CRS in metres"):
        RoadGraph.from_roads(roads_frame(FIVE).set_crs(4326, allow_override=True))
    # any projected working CRS is fine, and the graph keeps it: layers in another are refused
    local = RoadGraph.from_roads(roads_frame(FIVE).set_crs(3010, allow_override=True))
    assert local.crs.to_epsg() == 3010
    with pytest.raises(CRSError, match="origins: layer CRS is EPSG:3006 but the road graph is in EPSG:3010"):
        local.snap(gpd.GeoSeries([Point(0, 0)], crs=3006), what="origins")
    # an island and a one-way dead end are dropped; interior vertex shared by two lines joins
    rows = FIVE + [
        ("island", [(9000, 9000), (9500, 9000)], "local", 50.0, False),
        ("deadend", [(2000, 0), (3000, 0)], "local", 50.0, True),
        ("through", [(1000, -500), (1000.2, 0.2), (1000, 500)], "local", 50.0, False),
    ]
    g = RoadGraph.from_roads(roads_frame(rows), default_speeds_kmh={"motorway": 120.0})
    assert g.report["components_dropped"] == 2  # island (2 nodes), dead-end node (1)
    assert g.report["nodes_dropped"] == 3
    assert g.report["nodes"] == 7  # five + the two ends of "through", joined at B


def grid_roads(n: int, spacing_m: float = 1000.0, speed: float = 60.0) -> gpd.GeoDataFrame:
    rows = []
    for i in range(n):
        for j in range(n - 1):
            rows.append((f"h{i}_{j}", [(j * spacing_m, i * spacing_m),
                                       ((j + 1) * spacing_m, i * spacing_m)], "local", speed, False))
            rows.append((f"v{i}_{j}", [(i * spacing_m, j * spacing_m),
                                       (i * spacing_m, (j + 1) * spacing_m)], "local", speed, False))
    return roads_frame(rows)


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_population_within_countable_grid(method: str) -> None:
    # 5×5 grid, 1 min per edge; one person per node; site at the centre node.
    g = RoadGraph.from_roads(grid_roads(5))
    pop = points([(x * 1000.0, y * 1000.0) for x in range(5) for y in range(5)], pop=[1.0] * 25)
    site = points([(2000, 2000), (0, 0)])
    got = g.population_within(site, pop, minutes=(1, 2, 2.5, 3, 4), method=method)
    assert list(got.columns) == ["pop_1min", "pop_2min", "pop_2.5min", "pop_3min", "pop_4min"]
    # Manhattan balls in a 5×5 grid: centre 5, 13, 13, 21, 25; corner 3, 6, 6, 10, 15
    np.testing.assert_array_equal(got.to_numpy(), [[5, 13, 13, 21, 25], [3, 6, 6, 10, 15]])


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_node_population_within_countable_grid(method: str) -> None:
    # 10 people at the centre of a 5×5 grid (1 min per edge). One place < 25 nodes, so the
    # fast path searches from the place. Nodes within 2 min: the 13 of Manhattan distance ≤ 2.
    g = RoadGraph.from_roads(grid_roads(5))
    got = g.node_population_within(points([(2000, 2000)], pop=[10.0]), minutes=2, method=method)
    manhattan = (np.abs(got["x"] - 2000) + np.abs(got["y"] - 2000)).to_numpy()
    np.testing.assert_array_equal(got["pop_2min"].to_numpy(), np.where(manhattan <= 2000, 10, 0))
    assert (got["pop_2min"] == 10).sum() == 13


def test_population_cells_at_centroid_and_direction() -> None:
    # cells counted at their centroid: a 1 km square centred 500 m off the road (1 min access)
    g = RoadGraph.from_roads(roads_frame(FIVE), default_speeds_kmh={"motorway": 120.0})
    cell = gpd.GeoDataFrame({"pop": [7.0]}, geometry=[box(-500, 500, 500, 1500)], crs=CRS)
    # people at (0, 1000) = E; going TO D they may use the one-way E→D: 2 min.
    site_d = points([(2000, 1000)])
    for method in ("networkx", "fast"):
        got = g.population_within(site_d, cell, minutes=(2, 4), method=method)
        np.testing.assert_array_equal(got.to_numpy(), [[7, 7]])
    # site at E: people at D must go round D-C-B-A-E = 4.5 min
    got = g.population_within(points([(0, 1000)]), cell.set_geometry([box(1500, 500, 2500, 1500)]),
                              minutes=(4.4, 4.5))
    np.testing.assert_array_equal(got.to_numpy(), [[0, 7]])


@pytest.mark.parametrize("n_pop", [30, 5])  # fast: per-node searches / per-place searches
def test_node_population_within_matches_origins(n_pop: int) -> None:
    g = RoadGraph.from_roads(grid_roads(4))
    rng = np.random.default_rng(3)
    pop = points([tuple(p) for p in rng.uniform(-200, 3200, (n_pop, 2))],
                 pop=rng.integers(1, 50, n_pop).astype(float))
    a = g.node_population_within(pop, minutes=[2, 3.5], method="networkx")
    b = g.node_population_within(pop, minutes=[2, 3.5], method="fast")
    pd.testing.assert_frame_equal(a, b)
    nodes = points(list(zip(a["x"], a["y"])))
    c = g.population_within(nodes, pop, minutes=[2, 3.5], method="networkx")
    np.testing.assert_array_equal(c.to_numpy(), a[["pop_2min", "pop_3.5min"]].to_numpy())


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_isochrones_contain_reached_nodes(method: str) -> None:
    g = RoadGraph.from_roads(grid_roads(5))
    site = points([(2000, 2000)], site_id=["s1"])
    iso = g.isochrones(site, origin_id="site_id", minutes=(1, 2), method=method)
    assert iso.crs.to_epsg() == 3006
    assert list(iso["site_id"]) == ["s1", "s1"] and list(iso["minutes"]) == [1.0, 2.0]
    one, two = iso.geometry
    node_pts = [Point(x, y) for x, y in g.node_xy]
    manhattan = [abs(x - 2000) + abs(y - 2000) for x, y in g.node_xy]
    for p, d in zip(node_pts, manhattan):
        assert one.contains(p) == (d <= 1000)
        assert two.contains(p) == (d <= 2000)
    assert two.contains(one)


def test_cache_same_object_and_new_on_speed_change(tmp_path) -> None:
    cache = GraphCache()
    roads = roads_frame(FIVE)
    g1 = RoadGraph.from_roads(roads, cache=cache)
    g2 = RoadGraph.from_roads(roads.copy(), cache=cache)
    assert g1 is g2
    faster = roads.copy()
    faster.loc[0, "speed_kmh"] = 70.0
    g3 = RoadGraph.from_roads(faster, cache=cache)
    assert g3 is not g1
    assert RoadGraph.from_roads(roads, default_speeds_kmh={"motorway": 100}, cache=cache) is not g1
    assert len(cache) == 3
    # on-disk cache: a fresh cache object finds the pickled graph
    disk = GraphCache(cache_dir=tmp_path)
    g4 = RoadGraph.from_roads(roads, cache=disk)
    g5 = RoadGraph.from_roads(roads, cache=GraphCache(cache_dir=tmp_path))
    assert g5 is not g4 and np.array_equal(g5.node_xy, g4.node_xy)
    fac = points([(2000, 1000)], fid=["D"])
    got = g5.minutes_to_nearest(points([(0, 0)]), fac, facility_id="fid")
    assert got["minutes"].iloc[0] == pytest.approx(3.0)  # A-E-D


def test_cache_treats_a_foreign_pickle_as_a_miss(tmp_path) -> None:
    roads = roads_frame(FIVE)
    built = RoadGraph.from_roads(roads, cache=GraphCache(cache_dir=tmp_path))
    (path,) = tmp_path.glob("roadgraph-*.pkl")
    path.write_bytes(pickle.dumps({"not": "a graph"}))
    rebuilt = RoadGraph.from_roads(roads, cache=GraphCache(cache_dir=tmp_path))
    assert rebuilt is not built and np.array_equal(rebuilt.node_xy, built.node_xy)
    # the rebuild replaced the foreign file with the graph
    assert isinstance(GraphCache(cache_dir=tmp_path).get(path.stem[len("roadgraph-"):], RoadGraph),
                      RoadGraph)


def random_roads(n_nodes: int, seed: int) -> gpd.GeoDataFrame:
    """A random planar-ish road layer on an integer lattice (many exact ties)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    rows = []
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < side and j + dj < side and rng.random() < 0.85:
                    cls = ["local", "tertiary", "primary"][int(rng.integers(0, 3))]
                    # speeds from a small set and unit lengths → many equal sums
                    speed = [None, 30.0, 60.0][int(rng.integers(0, 3))]
                    rows.append((f"r{i}_{j}_{di}", [(j * 100.0, i * 100.0),
                                                   ((j + dj) * 100.0, (i + di) * 100.0)],
                                 cls, speed, bool(rng.random() < 0.2)))
    return roads_frame(rows)


@pytest.mark.parametrize("n_nodes,seed", [(16, 0), (100, 1), (400, 2), (1600, 3)])
def test_fast_equals_networkx_random(n_nodes: int, seed: int) -> None:
    g = RoadGraph.from_roads(random_roads(n_nodes, seed))
    rng = np.random.default_rng(seed + 100)
    lo, hi = g.node_xy.min(axis=0), g.node_xy.max(axis=0)
    # facilities half on nodes (exact ties), half anywhere
    on_nodes = g.node_xy[rng.integers(0, g.n_nodes, 3)]
    anywhere = rng.uniform(lo, hi, (3, 2))
    fac = points([tuple(p) for p in np.vstack([on_nodes, anywhere])], fid=list("abcdef"))
    origins = points([tuple(p) for p in rng.uniform(lo - 50, hi + 50, (25, 2))])
    for cutoff in (None, 3.0):
        a = g.minutes_to_nearest(origins, fac, facility_id="fid", max_minutes=cutoff,
                                 method="networkx")
        b = g.minutes_to_nearest(origins, fac, facility_id="fid", max_minutes=cutoff,
                                 method="fast")
        np.testing.assert_allclose(a["minutes"], b["minutes"], rtol=0, atol=1e-9)
        assert list(a["facility"]) == list(b["facility"])
        na = g.node_minutes_to_nearest(fac, facility_id="fid", max_minutes=cutoff,
                                       method="networkx")
        nb = g.node_minutes_to_nearest(fac, facility_id="fid", max_minutes=cutoff, method="fast")
        np.testing.assert_allclose(na["minutes"], nb["minutes"], rtol=0, atol=1e-9)
        assert list(na["facility"]) == list(nb["facility"])
    pop = points([tuple(p) for p in rng.uniform(lo, hi, (40, 2))],
                 pop=rng.integers(0, 100, 40).astype(float))
    # 40 places ≥ 25 origins: fast searches from each origin; 10 places: from each place
    for n_pop in (40, 10):
        pa = g.population_within(origins, pop.iloc[:n_pop], minutes=(1, 2, 4), method="networkx")
        pb = g.population_within(origins, pop.iloc[:n_pop], minutes=(1, 2, 4), method="fast")
        np.testing.assert_allclose(pa.to_numpy(), pb.to_numpy(), rtol=0, atol=1e-9)
    if g.n_nodes <= 500:  # the networkx reference runs one search per node
        na = g.node_population_within(pop.iloc[:10], minutes=(1.5, 3), method="networkx")
        nb = g.node_population_within(pop.iloc[:10], minutes=(1.5, 3), method="fast")
        pd.testing.assert_frame_equal(na, nb)


@pytest.mark.parametrize("n_nodes,seed", [(50, 7), (500, 8), (3000, 9)])
def test_fast_distances_equal_networkx_dijkstra(n_nodes: int, seed: int) -> None:
    """Per-node minutes of the numba kernel vs plain nx.single_source_dijkstra_path_length."""
    from siteselect.network import _dijkstra

    g = RoadGraph.from_roads(random_roads(n_nodes, seed))
    G = g.to_networkx()
    rng = np.random.default_rng(seed)
    src = rng.integers(0, g.n_nodes, 5)
    indptr, indices, w = g._reach.fwd
    ptr = np.arange(len(src) + 1, dtype=np.int64)
    for cutoff in (np.inf, 2.5):
        rows = _dijkstra.batch_distances(indptr, indices, w, ptr, src.astype(np.int64),
                                         np.zeros(len(src)), cutoff)
        for i, s in enumerate(src):
            ref = nx.single_source_dijkstra_path_length(
                G, int(s), cutoff=None if np.isinf(cutoff) else cutoff, weight="minutes")
            expect = np.full(g.n_nodes, np.inf)
            expect[list(ref)] = list(ref.values())
            assert np.array_equal(np.isfinite(rows[i]), np.isfinite(expect))
            np.testing.assert_allclose(rows[i][np.isfinite(expect)], expect[np.isfinite(expect)],
                                       rtol=0, atol=1e-9)


@pytest.mark.parametrize("n_nodes,seed", [(50, 7), (500, 8), (3000, 9)])
def test_bucket_queue_equals_heap_and_networkx(n_nodes: int, seed: int) -> None:
    """The bucket-queue search: same minutes as networkx, same labels (ties) as the heap kernel."""
    from siteselect.network import _dijkstra

    g = RoadGraph.from_roads(random_roads(n_nodes, seed))
    G = g.to_networkx()
    width, nb = _dijkstra.bucket_width(g._w)
    assert width > 0 and nb > 0
    rng = np.random.default_rng(seed)
    indptr, indices, w = g._reach.fwd
    for cutoff in (np.inf, 2.5):
        seeds = rng.integers(0, g.n_nodes, 4).astype(np.int64)
        offs = np.array([0.0, 0.3, 0.3, 1.0])
        labs = np.array([3, 1, 2, 0], dtype=np.int64)
        d_h, l_h = _dijkstra.multi_source(indptr, indices, w, seeds, offs, labs, cutoff)
        d_b, l_b = _dijkstra.multi_source(indptr, indices, w, seeds, offs, labs, cutoff, width, nb)
        assert np.array_equal(d_h, d_b) and np.array_equal(l_h, l_b)
        ref = nx.single_source_dijkstra_path_length(
            G, int(seeds[0]), cutoff=None if np.isinf(cutoff) else cutoff, weight="minutes")
        one, _ = _dijkstra.multi_source(indptr, indices, w, seeds[:1], offs[:1], labs[:1], cutoff,
                                        width, nb)
        assert {int(v): float(one[v]) for v in np.flatnonzero(np.isfinite(one))} == ref


def test_bucket_queue_seed_whole_circles_ahead() -> None:
    """A seed whose offset lies several circles of buckets ahead waits for its turn."""
    from siteselect.network import _dijkstra

    g = RoadGraph.from_roads(random_roads(400, 2))
    width, nb = _dijkstra.bucket_width(g._w)
    indptr, indices, w = g._reach.fwd
    circle = nb * width  # minutes around the ring of buckets
    far = 3.5 * circle
    # the last seed is 1.5 circles behind the first: its bucket comes round once before its turn
    seeds = np.array([0, 7, g.n_nodes - 1], dtype=np.int64)
    offs = np.array([far, far + 0.25, far + 1.5 * circle])
    labs = np.array([2, 0, 1], dtype=np.int64)
    d_h, l_h = _dijkstra.multi_source(indptr, indices, w, seeds, offs, labs, np.inf)
    d_b, l_b = _dijkstra.multi_source(indptr, indices, w, seeds, offs, labs, np.inf, width, nb)
    assert np.isfinite(d_b).all() and d_b.min() == far
    assert d_b[g.n_nodes - 1] == offs[2]  # not reached sooner: it waited a whole circle
    assert np.array_equal(d_h, d_b) and np.array_equal(l_h, l_b)


def test_bucket_width_falls_back_to_heap() -> None:
    from siteselect.network import _dijkstra

    assert _dijkstra.bucket_width(np.array([1.0, 2.0])) == (0.5, 7)
    assert _dijkstra.bucket_width(np.array([1e-9, 10.0])) == (0.0, 0)  # too many buckets
    assert _dijkstra.bucket_width(np.zeros(0)) == (0.0, 0)


@pytest.mark.parametrize("n_nodes,seed", [(50, 7), (900, 8)])
def test_node_sum_within_equals_networkx(n_nodes: int, seed: int) -> None:
    """All-nodes sum within a radius (pandana's aggregate) against networkx, non-integer weights."""
    g = RoadGraph.from_roads(random_roads(n_nodes, seed))
    G = g.to_networkx()
    vals = np.random.default_rng(seed).gamma(2.0, 3.7, g.n_nodes)
    got = g.node_sum_within(vals, minutes=1.5)
    expect = np.array([sum(vals[v] for v in nx.single_source_dijkstra_path_length(
        G, s, cutoff=1.5 + 1e-9, weight="minutes")) for s in range(g.n_nodes)])
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    # a lone node within nothing but itself at a tiny radius
    np.testing.assert_allclose(g.node_sum_within(vals, minutes=1e-6), vals, rtol=0)
    with pytest.raises(NetworkError, match="one per node"):
        g.node_sum_within(vals[:-1], minutes=1.0)
    with pytest.raises(NetworkError, match="positive"):
        g.node_sum_within(vals, minutes=0.0)


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REGION_GPKG = SHARED / "region_vastmanland_kartor" / "region_vastmanland_kartor.gpkg"


@pytest.mark.shared_data
@pytest.mark.skipif(not REGION_GPKG.exists(),
                    reason=f"shared data not present at {REGION_GPKG} (the 'shared' folder "
                           "beside the project checkout)")
@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_real_population_grid_on_lattice(method: str) -> None:
    """Real 1 km population grid on a 1 km street lattice through the cell centres.

    At 60 km/h every lattice edge takes 1 minute and every centroid sits on a
    node, so the population within T minutes of a site at a node is the sum
    over cells whose centres are at most T km away in Manhattan distance — an
    independent count from the cell ids.
    """
    from siteselect.io.population import population_from_region_vastmanland

    cells = population_from_region_vastmanland(REGION_GPKG)
    x0, x1 = cells["x_sw"].min() - 2000, cells["x_sw"].max() + 2000
    y0, y1 = cells["y_sw"].min() - 2000, cells["y_sw"].max() + 2000
    xs = np.arange(x0, x1 + 1, 1000) + 500.0
    ys = np.arange(y0, y1 + 1, 1000) + 500.0
    rows = [(f"h{y}_{a}", [(a, y), (b, y)], "local", 60.0, False)
            for y in ys for a, b in itertools.pairwise(xs)]
    rows += [(f"v{x}_{a}", [(x, a), (x, b)], "local", 60.0, False)
             for x in xs for a, b in itertools.pairwise(ys)]
    g = RoadGraph.from_roads(roads_frame(rows))
    sites = points([(592500.0, 6612500.0), (540500.0, 6640500.0)])  # lattice nodes
    got = g.population_within(sites, cells, minutes=(10, 30, 45, 1000), method=method)
    cx = cells["x_sw"].to_numpy() + 500.0
    cy = cells["y_sw"].to_numpy() + 500.0
    for i, site in enumerate(sites.geometry):
        km = (np.abs(cx - site.x) + np.abs(cy - site.y)) / 1000.0
        expect = [cells["pop"].to_numpy()[km <= t].sum() for t in (10, 30, 45, 1000)]
        np.testing.assert_array_equal(got.iloc[i].to_numpy(), expect)
    assert got["pop_1000min"].tolist() == [279_618.0, 279_618.0]


def test_multilines_z_and_geoseries_origins() -> None:
    # the five-node network as one MultiLineString with Z plus the one-way part
    multi = MultiLineString([[(0, 0, 5), (1000, 0, 5)], [(0, 0, 5), (0, 1000, 7)]])
    roads = gpd.GeoDataFrame(
        {"road_id": ["m", "ed"], "road_class": ["local", "local"], "speed_kmh": [60.0, 60.0],
         "oneway": [False, True]},
        geometry=[multi, LineString([(0, 1000), (2000, 1000)])], crs=CRS)
    g = RoadGraph.from_roads(roads)
    assert g.report["nodes"] == 3  # (2000, 1000) cannot be left: dropped as its own component
    assert g.report["components_dropped"] == 1
    fac = points([(1000, 0)], fid=["B"])
    origins = gpd.GeoSeries([Point(0, 1000)], index=["x"], crs=CRS)
    got = g.minutes_to_nearest(origins, fac, facility_id="fid")
    assert got.loc["x", "minutes"] == pytest.approx(2.0)


def test_isochrone_follows_long_edges() -> None:
    # one straight 10 km road at 60 km/h (1 km/min) with no interior vertex; site at its west
    # end. Within 5 min the road is reachable up to x = 5000: a point at x = 4000 on the road
    # is inside (via sampled points), x = 6000 is not; with the default 1 km cap the shape
    # reaches at most 1 km off the road.
    roads = roads_frame([("long", [(0, 0), (10_000, 0)], "local", 60.0, False)])
    g = RoadGraph.from_roads(roads)
    iso = g.isochrones(points([(0, 0)], sid=["s"]), origin_id="sid", minutes=(5,))
    shape = iso.geometry.iloc[0]
    assert shape.contains(Point(4000, 0)) and not shape.contains(Point(6000, 0))
    assert shape.bounds[3] <= 1000 + 1e-6


# ----------------------------------------------------------------- isochrones: fast path vs reference


def test_isochrone_piecewise_shape_on_one_road() -> None:
    # one straight 10 km road at 60 km/h (1000 m/min), access 30 km/h (500 m/min), cap 1000 m,
    # site at the west end, 5 min. A road point at x has 5 - x/1000 min left: radius 1000 m up
    # to x = 3000, then 1000 - (x - 3000)/2, down to the 51 m floor at the tip x = 5000.
    # The discs of the shrinking stretch are bounded by the line y = (√3/2)(2500 - x/2)/0.75
    # (577 m at x = 4000); the shape spans x from -1000 to 5051 and y from -1000 to 1000.
    roads = roads_frame([("long", [(0, 0), (10_000, 0)], "local", 60.0, False)])
    g = RoadGraph.from_roads(roads)
    shape = g.isochrones(points([(0, 0)], sid=["s"]), origin_id="sid", minutes=(5,)).geometry.iloc[0]
    np.testing.assert_allclose(shape.bounds, (-1000.0, -1000.0, 5051.0, 1000.0), atol=1e-6)
    assert shape.contains(Point(4000, 560)) and not shape.contains(Point(4000, 600))
    assert shape.contains(Point(2900, 990)) and shape.contains(Point(5040, 0))
    assert not shape.contains(Point(5060, 0))


def mixed_grid_roads() -> gpd.GeoDataFrame:
    # 6×6 grid, 1 km spacing: rows at 40/60/90 km/h by row, columns at 50 km/h, two one-way
    # streets and one road without a speed (class default), so edges are reached from both ends,
    # at different speeds, and one way only.
    rows: list[tuple[str, list[tuple[float, float]], str, float | None, bool]] = []
    for i in range(6):
        for j in range(5):
            speed = (40.0, 60.0, 90.0)[i % 3]
            rows.append((f"h{i}_{j}", [(j * 1000.0, i * 1000.0), ((j + 1) * 1000.0, i * 1000.0)],
                         "local", speed, (i, j) in {(1, 2), (4, 0)}))
            rows.append((f"v{i}_{j}", [(i * 1000.0, j * 1000.0), (i * 1000.0, (j + 1) * 1000.0)],
                         "tertiary", None if (i, j) == (3, 3) else 50.0, False))
    return roads_frame(rows)


@pytest.mark.parametrize("max_access_m", [1000.0, 300.0, None])
def test_isochrones_match_reference_on_grid(max_access_m: float | None) -> None:
    g = RoadGraph.from_roads(mixed_grid_roads())
    sites = points([(2300, 2400), (0, 0)], sid=["a", "b"])
    opts = {"origin_id": "sid", "minutes": (1.5, 4, 8), "max_access_m": max_access_m}
    fast = g.isochrones(sites, **opts)
    ref = isochrones_reference(g, sites, **opts)
    assert list(fast["site_id"]) == ["a"] * 3 + ["b"] * 3
    assert list(fast["minutes"]) == list(ref["minutes"]) == [1.5, 4.0, 8.0] * 2
    for m, a, b in zip(ref["minutes"], ref.geometry, fast.geometry):
        assert b.is_valid and not b.is_empty
        # the pieces hold every sampled disc, and add only what lies between samples (≤ 100 m
        # apart) and at most one sample step beyond the last sample before a road tip
        assert a.difference(b).area <= 1e-6 * a.area
        assert b.difference(a.buffer(100.0, quad_segs=32)).area <= 1e-6 * a.area
        if m >= 4:  # at 1.5 min site a's shape is a few discs of 50–150 m: sampling dominates
            # small shapes on 1 km blocks differ more than the embedded network's 0.3 % (≤ 1.5 % seen)
            assert a.symmetric_difference(b).area <= 0.02 * a.area


def test_isochrones_match_reference_on_embedded_network() -> None:
    from siteselect.io.layers import load_layers

    layers = load_layers()
    g = RoadGraph.from_roads(layers["roads"])
    sites = layers["candidates"].iloc[[0, len(layers["candidates"]) // 2]]
    opts = {"origin_id": "site_id", "minutes": (15, 45)}
    fast = g.isochrones(sites, **opts)
    ref = isochrones_reference(g, sites, **opts)
    for a, b in zip(ref.geometry, fast.geometry):
        assert b.is_valid and a.area > 1e7
        assert a.difference(b).area <= 1e-6 * a.area
        # the promise of RoadGraph.isochrones' docstring: within 0.3 % of the area here
        assert a.symmetric_difference(b).area <= 0.003 * a.area
    # every node reached within the limit lies inside
    nodes = points([tuple(p) for p in g.node_xy], nid=list(range(g.n_nodes)))
    for sid in sites["site_id"]:
        to_site = g.minutes_to_nearest(nodes, sites[sites["site_id"] == sid], facility_id="site_id")
        for m in (15, 45):
            shape = fast[(fast["site_id"] == sid) & (fast["minutes"] == m)].geometry.iloc[0]
            reached = nodes[to_site["minutes"].to_numpy() <= m]
            assert len(reached) > 0
            assert shape.covers(reached.geometry).all()


@pytest.mark.parametrize("method", ["networkx", "fast"])
def test_isochrone_empty_when_nothing_reached(method: str) -> None:
    # 100 km from the grid at 30 km/h access: 200 min before any road, so nothing within 5 min
    g = RoadGraph.from_roads(grid_roads(3))
    sites = points([(100_000, 0), (1000, 1000)], sid=["far", "near"])
    fast = g.isochrones(sites, origin_id="sid", minutes=(5,), method=method)
    ref = isochrones_reference(g, sites, origin_id="sid", minutes=(5,), method=method)
    assert list(fast["site_id"]) == ["far", "near"]
    assert fast.geometry.iloc[0].is_empty and ref.geometry.iloc[0].is_empty
    assert not fast.geometry.iloc[1].is_empty


def test_isochrone_keeps_entry_nodes_reached_exactly_at_the_limit() -> None:
    # site on the road midway between (0, 0) and (1000, 0) at 60 km/h: both entry nodes are
    # reached in exactly 0.5 min, and points between them only via a node (0.5 + detour), so
    # at 0.5 min the shape is the two 51 m floor discs at the nodes, as in the reference.
    g = RoadGraph.from_roads(roads_frame([("a", [(0, 0), (1000, 0)], "local", 60.0, False),
                                          ("b", [(1000, 0), (2000, 0)], "local", 60.0, False)]))
    site = points([(500, 0)], sid=["s"])
    shape = g.isochrones(site, origin_id="sid", minutes=(0.5,)).geometry.iloc[0]
    ref = isochrones_reference(g, site, origin_id="sid", minutes=(0.5,)).geometry.iloc[0]
    assert shape.contains(Point(0, 0)) and shape.contains(Point(1000, 0))
    assert not shape.contains(Point(500, 0)) and not shape.contains(Point(1060, 0))
    assert shape.symmetric_difference(ref).area <= 1e-6 * ref.area
