"""Benchmark of road reach: networkx reference vs the numba batch path.

Run:  .venv/bin/python bench/reach.py [--nodes N --sources S]

The synthetic network is a perturbed square lattice (250 m spacing, vertices
jittered by up to ±60 m) with a road hierarchy: every 40th row/column is a
motorway (110 km/h), every 10th a primary road (80 km/h), the rest local
streets (40 km/h, 30 % without a speed limit so the class default applies,
8 % one-way). Population sits in 1 km cells (counted at their centroids)
drawn from a few town clusters.

Measured:
* population within 45 min for ``--sources`` origins: the library's networkx
  reference path (``method="networkx"``) per source on a sample
  (``--nx-sample``), reported per source (the all-sources networkx time is
  that × sources, an extrapolation); the bare
  ``nx.single_source_dijkstra_path_length`` call on the same sample for
  comparison; the batch path (``method="fast"``) on all origins; the sample's
  numbers are compared (``identical`` = exactly equal).
* minutes to the nearest of ``--facilities`` facilities for every node: one
  networkx run vs the numba path (best of 3).
* population within 45 min for every node (numba path; ``--catchment-nodes``
  limits it to a random subset and extrapolates — the JSON says which).

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from siteselect.network import RoadGraph, _dijkstra
from siteselect.network.reach import flatten_seeds

CRS = "EPSG:3006"


def synthetic_roads(n_nodes: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    spacing = 250.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = jj * spacing + rng.uniform(-60, 60, ii.shape) + 500_000.0
    y = ii * spacing + rng.uniform(-60, 60, ii.shape) + 6_550_000.0
    segs = []
    cls = []
    for horizontal in (True, False):
        if horizontal:   # along rows: (i, j) → (i, j + 1)
            a = (ii[:, :-1], jj[:, :-1])
            b = (ii[:, 1:], jj[:, 1:])
            line_idx = ii[:, :-1]
        else:
            a = (ii[:-1, :], jj[:-1, :])
            b = (ii[1:, :], jj[1:, :])
            line_idx = jj[:-1, :]
        ax, ay = x[a].ravel(), y[a].ravel()
        bx, by = x[b].ravel(), y[b].ravel()
        segs.append(np.stack([np.stack([ax, ay], 1), np.stack([bx, by], 1)], 1))
        li = line_idx.ravel()
        c = np.where(li % 40 == 20, "motorway", np.where(li % 10 == 5, "primary", "local"))
        cls.append(c)
    coords = np.concatenate(segs)
    road_class = np.concatenate(cls)
    m = len(road_class)
    speed = np.select([road_class == "motorway", road_class == "primary"], [110.0, 80.0], 40.0)
    speed = np.where((road_class == "local") & (rng.random(m) < 0.3), np.nan, speed)
    oneway = (road_class == "local") & (rng.random(m) < 0.08)
    flip = oneway & (rng.random(m) < 0.5)
    coords[flip] = coords[flip][:, ::-1]
    return gpd.GeoDataFrame(
        {"road_id": [f"r{i}" for i in range(m)], "road_class": road_class,
         "speed_kmh": speed, "oneway": oneway},
        geometry=shapely.linestrings(coords), crs=CRS,
    )


def synthetic_population(graph: RoadGraph, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed + 1)
    lo, hi = graph.node_xy.min(axis=0), graph.node_xy.max(axis=0)
    xs = np.arange(np.floor(lo[0] / 1000) * 1000, hi[0], 1000.0)
    ys = np.arange(np.floor(lo[1] / 1000) * 1000, hi[1], 1000.0)
    cx, cy = np.meshgrid(xs + 500, ys + 500)
    cx, cy = cx.ravel(), cy.ravel()
    towns = rng.uniform(lo, hi, (12, 2))
    size = rng.lognormal(9.5, 1.0, 12)
    pop = np.zeros(cx.size)
    for (tx, ty), s in zip(towns, size):
        d2 = (cx - tx) ** 2 + (cy - ty) ** 2
        pop += s * np.exp(-d2 / (2 * 2500.0**2)) / (2 * np.pi * 2.5**2)
    pop = np.round(pop + rng.poisson(3, cx.size))
    keep = pop >= 3
    return gpd.GeoDataFrame({"pop": pop[keep]}, geometry=shapely.points(cx[keep], cy[keep]),
                            crs=CRS)


def node_points(graph: RoadGraph, idx: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=shapely.points(graph.node_xy[idx]), crs=CRS)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, default=100_000)
    p.add_argument("--sources", type=int, default=1000)
    p.add_argument("--nx-sample", type=int, default=12)
    p.add_argument("--facilities", type=int, default=50)
    p.add_argument("--minutes", type=float, default=45.0)
    p.add_argument("--catchment-nodes", type=int, default=0,
                   help="every-node catchment on this many random nodes and extrapolate "
                        "(0 = all nodes, measured)")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    roads = synthetic_roads(args.nodes, args.seed)
    t_roads = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = RoadGraph.from_roads(roads)
    t_build = time.perf_counter() - t0
    pop = synthetic_population(g, args.seed)
    rng = np.random.default_rng(args.seed + 2)
    print(f"graph: {g.n_nodes} nodes, {g.n_edges} directed edges "
          f"(roads {t_roads:.1f} s, build {t_build:.1f} s; dropped "
          f"{g.report['nodes_dropped']} nodes in {g.report['components_dropped']} components); "
          f"population {len(pop)} cells, {pop['pop'].sum():.0f} people", flush=True)

    # warm up: numba JIT (cached on disk after the first run), STRtree, networkx graph
    t0 = time.perf_counter()
    tiny = node_points(g, np.arange(3))
    g.population_within(tiny, pop.iloc[:5], minutes=[1.0], method="fast")
    fac_tiny = tiny.assign(fid=["a", "b", "c"])
    g.node_minutes_to_nearest(fac_tiny, facility_id="fid", max_minutes=1.0, method="fast")
    _ = g._reach.nx_rev
    t_warm = time.perf_counter() - t0

    # ---- population within 45 min for S origins
    src = rng.choice(g.n_nodes, size=args.sources, replace=False)
    origins = node_points(g, src)
    sample = origins.iloc[: args.nx_sample]
    t0 = time.perf_counter()
    ref = g.population_within(sample, pop, minutes=[args.minutes], method="networkx")
    nx_ms = (time.perf_counter() - t0) * 1000 / len(sample)
    # the bare networkx call on the same graph, for comparison with the library's reference path
    import networkx as nx
    t0 = time.perf_counter()
    for node in src[: len(sample)]:
        nx.single_source_dijkstra_path_length(g._reach.nx_rev, int(node), cutoff=args.minutes,
                                              weight="minutes")
    nx_raw_ms = (time.perf_counter() - t0) * 1000 / len(sample)
    # reach share on the sample (how much of the graph each search covers)
    seeds = g._seeds(np.asarray(sample.geometry.values, dtype=object), inbound=True)
    sn, sm, sp = flatten_seeds(seeds.nodes, seeds.minutes)
    rows = _dijkstra.batch_distances(*g._reach.rev, sp, sn, sm, args.minutes)
    reach_share = float(np.isfinite(rows).mean())
    del rows
    t0 = time.perf_counter()
    fast = g.population_within(origins, pop, minutes=[args.minutes], method="fast")
    batch_ms = (time.perf_counter() - t0) * 1000 / len(origins)
    col = fast.columns[0]
    identical = bool(np.array_equal(ref[col].to_numpy(), fast[col].to_numpy()[: len(sample)]))
    max_diff = float(np.max(np.abs(ref[col].to_numpy() - fast[col].to_numpy()[: len(sample)])))
    print(f"population within {args.minutes:g} min: networkx {nx_ms:.1f} ms/source "
          f"(sample {len(sample)}), batch {batch_ms:.2f} ms/source ({len(origins)} sources), "
          f"speedup {nx_ms / batch_ms:.1f}x, identical={identical}, "
          f"mean reach {reach_share:.0%} of nodes", flush=True)

    # ---- nearest facility for every node
    fidx = rng.choice(g.n_nodes, size=args.facilities, replace=False)
    fac = node_points(g, fidx).assign(fid=[f"f{i}" for i in range(args.facilities)])
    t0 = time.perf_counter()
    near_nx = g.node_minutes_to_nearest(fac, facility_id="fid", method="networkx")
    near_nx_ms = (time.perf_counter() - t0) * 1000
    near_ms = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        near_fast = g.node_minutes_to_nearest(fac, facility_id="fid", method="fast")
        near_ms = min(near_ms, (time.perf_counter() - t0) * 1000)
    near_identical = bool(np.array_equal(near_nx["minutes"].to_numpy(),
                                         near_fast["minutes"].to_numpy())
                          and (near_nx["facility"] == near_fast["facility"]).all())
    print(f"nearest of {args.facilities} facilities, all nodes: networkx {near_nx_ms:.0f} ms, "
          f"fast {near_ms:.1f} ms ({near_ms * 100_000 / g.n_nodes:.1f} ms per 100k nodes), "
          f"speedup {near_nx_ms / near_ms:.1f}x, identical={near_identical}", flush=True)

    # ---- population within 45 min for every node
    all_identical = None
    if args.catchment_nodes and args.catchment_nodes < g.n_nodes:
        sub = np.sort(rng.choice(g.n_nodes, size=args.catchment_nodes, replace=False))
        t0 = time.perf_counter()
        g.population_within(node_points(g, sub), pop, minutes=[args.minutes], method="fast")
        all_s = (time.perf_counter() - t0) * g.n_nodes / len(sub)
        all_measured = False
    else:
        t0 = time.perf_counter()
        every = g.node_population_within(pop, minutes=args.minutes, method="fast")
        all_s = time.perf_counter() - t0
        all_measured = True
        # check a few nodes against the networkx reference
        check = rng.choice(g.n_nodes, size=min(5, g.n_nodes), replace=False)
        ref_nodes = g.population_within(node_points(g, check), pop, minutes=[args.minutes],
                                        method="networkx")
        all_identical = bool(np.array_equal(ref_nodes.iloc[:, 0].to_numpy(),
                                            every.iloc[check, 2].to_numpy()))
    print(f"every-node catchment ({g.n_nodes} nodes): {all_s:.1f} s "
          f"({'measured' if all_measured else 'extrapolated from a subset'}; "
          f"5-node check against networkx identical={all_identical})", flush=True)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "nodes": g.n_nodes,
        "edges": g.n_edges,
        "sources": len(origins),
        "minutes": args.minutes,
        "networkx_sample": len(sample),
        "networkx_ms_per_source": round(nx_ms, 2),
        "networkx_bare_dijkstra_ms_per_source": round(nx_raw_ms, 2),
        "networkx_all_sources_s_extrapolated": round(nx_ms * len(origins) / 1000, 1),
        "batch_all_sources_s_measured": round(batch_ms * len(origins) / 1000, 2),
        "batch_ms_per_source": round(batch_ms, 3),
        "speedup_vs_networkx": round(nx_ms / batch_ms, 1),
        "speedup_vs_bare_networkx_dijkstra": round(nx_raw_ms / batch_ms, 1),
        "identical": identical and near_identical,
        "max_abs_diff_pop": max_diff,
        "mean_reach_share": round(reach_share, 3),
        "nearest_networkx_ms": round(near_nx_ms, 1),
        "nearest_all_nodes_ms": round(near_ms, 2),
        "nearest_speedup_vs_networkx": round(near_nx_ms / near_ms, 1),
        "all_nodes_catchment_s": round(all_s, 1),
        "all_nodes_catchment_measured": all_measured,
        "all_nodes_catchment_identical_sample": all_identical,
        "build_s": round(t_build, 2),
        "warmup_s": round(t_warm, 2),
        "threads": __import__("numba").get_num_threads(),
        "peak_mem_mb": round(peak_mb, 1),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
