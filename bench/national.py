"""Benchmark at national scale: a Sweden-size road graph and a 10 m screen on Dask.

Run:  .venv/bin/python bench/national.py [--nodes N ...]

The graph is bench/reach.py's synthetic road network (perturbed 250 m lattice,
motorway / primary / local hierarchy with default speeds, one-way streets),
grown to ``--nodes`` (default 2 M, a square of about 350 km); population sits
in 1 km cells from a few town clusters over a rural background.

Measured, in one run:
* graph build time and memory (``graph_mem_mb``: the RoadGraph's arrays);
* ``settled_per_s_per_core``: one full search over the whole graph on one
  numba thread (best of 3), settled nodes per second;
* ``nearest_all_nodes_s``: minutes from every node to the nearest of
  ``--facilities`` facilities (one multi-source search, all threads);
* ``catchment_all_nodes_s``: population within 30/45/60 min for every node,
  exact, by scattering from the populated cells (one bounded search per
  populated 1 km cell, adding its people to every node it reaches; work
  O(Σ_cells reach_60(cell) · log)). With ``--catchment-cells K`` it runs on K
  random populated cells and extrapolates linearly in cells (the JSON says
  ``catchment_measured``);
* ``identical_sample``: networkx on samples. A search bounded by T minutes
  never leaves the disc of radius T × the top speed around its source, so
  networkx runs on that disc's subgraph and must give the very same minutes:
  single-source distances (20 min), nearest-facility minutes and the 30 min
  catchment of sample nodes;
* ``aggregate_vs_pandana``: pandana's ``aggregate(type="sum", decay="flat")``
  over all nodes of a ``--agg-nodes`` graph vs ``RoadGraph.node_sum_within``
  with the same non-integer weights (skipped, with a note, if pandana is not
  installed; it is a bench-only dependency).

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reach import node_points, synthetic_population, synthetic_roads  # noqa: E402

from siteselect import _dijkstra  # noqa: E402
from siteselect.network import (  # noqa: E402
    TIME_TOLERANCE_MIN,
    RoadGraph,
    _flatten_seeds,
    _Seeds,
    _two_columns,
)

TOP_SPEED_KMH = 110.0  # the synthetic network's fastest class (motorway)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graph_mem_mb(g: RoadGraph) -> float:
    arrays = [g.node_xy, g._u, g._v, g._w, *g._fwd, *g._rev, g._seg_a, g._seg_b, g._seg_ab,
              g._seg_ba]
    return sum(a.nbytes for a in arrays) / 2**20


def nx_disc(g: RoadGraph, center: int, minutes: float, *, reverse: bool) -> nx.DiGraph:
    """networkx graph of the nodes within reach-radius of ``center`` (reversed edges if asked)."""
    radius = minutes * TOP_SPEED_KMH * 1000 / 60 + 1.0
    inside = np.hypot(*(g.node_xy - g.node_xy[center]).T) <= radius
    e = inside[g._u] & inside[g._v]
    u, v = (g._v[e], g._u[e]) if reverse else (g._u[e], g._v[e])
    d = nx.DiGraph()
    d.add_weighted_edges_from(zip(u.tolist(), v.tolist(), g._w[e].tolist()), weight="minutes")
    return d


def nx_seeded(d: nx.DiGraph, seeds: list[tuple[int, float]], cutoff: float) -> dict[int, float]:
    """networkx Dijkstra from a virtual source joined to each seed by its offset."""
    src = -1
    d.add_weighted_edges_from([(src, n, m) for n, m in seeds if n in d], weight="minutes")
    try:
        out = nx.single_source_dijkstra_path_length(d, src, cutoff=cutoff, weight="minutes")
    finally:
        d.remove_node(src)
    out.pop(src, None)
    return out


def check_distances(g: RoadGraph, sample: np.ndarray, minutes: float) -> bool:
    ip, ix, w = g._fwd
    ok = True
    for s in sample.tolist():
        dist, _ = _dijkstra.multi_source(ip, ix, w, np.array([s]), np.zeros(1),
                                         np.zeros(1, dtype=np.int64), minutes)
        ref = nx_seeded(nx_disc(g, s, minutes, reverse=False), [(s, 0.0)], minutes)
        got = {int(v): float(dist[v]) for v in np.flatnonzero(np.isfinite(dist))}
        ok &= got == ref
    return ok


def check_nearest(g: RoadGraph, near: np.ndarray, fac_seeds: list[tuple[int, float]],
                  sample: np.ndarray) -> bool:
    ok = True
    for s in sample.tolist():
        m = float(near[s])
        d = nx_disc(g, s, m + 1e-6, reverse=False)  # paths facility → s stay within m of s
        ref = nx_seeded(d, fac_seeds, m + 1e-6)     # (d is forward; seeds are facilities)
        ok &= ref.get(s) == m
    return ok


def check_catchment(g: RoadGraph, pop_cells: Any, pop: np.ndarray, got: np.ndarray,
                    sample: np.ndarray, minutes: float) -> bool:
    ca, coa, cb, cob = _two_columns(pop_cells)
    ok = True
    for s in sample.tolist():
        ref = nx_seeded(nx_disc(g, s, minutes, reverse=True), [(s, 0.0)], minutes)
        to_s = np.full(g.n_nodes, np.inf)
        if ref:
            to_s[np.fromiter(ref.keys(), dtype=np.int64)] = np.fromiter(ref.values(), dtype=float)
        t = coa + to_s[ca]
        t = np.minimum(t, np.where(cb >= 0, cob + to_s[np.maximum(cb, 0)], np.inf))
        ok &= float(pop[t <= minutes + TIME_TOLERANCE_MIN].sum()) == float(got[s])
    return ok


def settle_rate(g: RoadGraph, starts: np.ndarray, *, heap: bool) -> tuple[float, int]:
    """Settled nodes per second of one full search on one numba thread (best of the starts).

    ``heap=False``: the library's fast path (bucket queue where the weights allow);
    ``heap=True``: the 4-ary heap kernel, the baseline.
    """
    ip, ix, w = g._rev
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    best = 0.0
    settled = 0
    one = np.zeros(1)
    lab = np.zeros(1, dtype=np.int64)
    try:
        for s in starts.tolist():
            src = np.array([s], dtype=np.int64)
            t0 = time.perf_counter()
            if heap:
                dist, _ = _dijkstra.multi_source(ip, ix, w, src, one, lab, np.inf)
            else:
                dist, _ = g._fast_seeded(src, one, lab, np.inf)
            dt = time.perf_counter() - t0
            settled = int(np.isfinite(dist).sum())
            best = max(best, settled / dt)
    finally:
        numba.set_num_threads(old)
    return best, settled


def aggregate_vs_pandana(n_nodes: int, minutes: float, seed: int) -> dict[str, Any]:
    g = RoadGraph.from_roads(synthetic_roads(n_nodes, seed + 7))
    rng = np.random.default_rng(seed + 8)
    values = rng.gamma(2.0, 3.7, g.n_nodes)  # non-integer weights
    g.node_sum_within(values[:], minutes=minutes / 100)  # compile / warm
    t0 = time.perf_counter()
    ours = g.node_sum_within(values, minutes=minutes)
    ours_s = time.perf_counter() - t0
    out: dict[str, Any] = {"agg_nodes": g.n_nodes, "agg_minutes": minutes,
                           "agg_ours_s": round(ours_s, 3)}
    try:
        import pandana
    except ImportError:
        out["aggregate_vs_pandana"] = None
        out["aggregate_note"] = "pandana not installed: comparison skipped"
        return out
    t0 = time.perf_counter()
    import pandas as pd
    ids = pd.Index(np.arange(g.n_nodes))
    net = pandana.Network(pd.Series(g.node_xy[:, 0], index=ids), pd.Series(g.node_xy[:, 1], index=ids),
                          pd.Series(g._u), pd.Series(g._v), pd.DataFrame({"minutes": g._w}),
                          twoway=False)
    build_s = time.perf_counter() - t0
    net.set(np.arange(g.n_nodes), variable=values, name="v")
    t0 = time.perf_counter()
    theirs = net.aggregate(minutes, type="sum", decay="flat", name="v").to_numpy()
    pandana_s = time.perf_counter() - t0
    rel = np.abs(theirs - ours) / np.maximum(np.abs(ours), 1e-9)
    out.update({"agg_pandana_s": round(pandana_s, 3), "agg_pandana_build_s": round(build_s, 2),
                "aggregate_vs_pandana": round(pandana_s / ours_s, 2),
                "agg_max_rel_diff_vs_pandana": float(rel.max()),
                "agg_share_differing_1e-5": float((rel > 1e-5).mean())})
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, default=2_000_000)
    p.add_argument("--facilities", type=int, default=200)
    p.add_argument("--catchment-cells", type=int, default=0,
                   help="scatter from this many random populated cells and extrapolate "
                        "(0 = all cells, measured)")
    p.add_argument("--nx-sample", type=int, default=3)
    p.add_argument("--agg-nodes", type=int, default=200_000)
    p.add_argument("--agg-minutes", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed + 3)
    result: dict[str, Any] = {"threads": numba.get_num_threads()}

    # ---- the graph
    t0 = time.perf_counter()
    roads = synthetic_roads(args.nodes, args.seed)
    roads_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = RoadGraph.from_roads(roads)
    build_s = time.perf_counter() - t0
    del roads
    pop_frame = synthetic_population(g, args.seed)
    cells, pop = g._cells(pop_frame, "pop")
    result.update({"nodes": g.n_nodes, "edges": g.n_edges, "roads_s": round(roads_s, 1),
                   "build_s": round(build_s, 1), "graph_mem_mb": round(graph_mem_mb(g), 1),
                   "populated_cells": int(len(pop)), "people": float(pop.sum())})
    print(f"graph: {g.n_nodes} nodes, {g.n_edges} edges, roads {roads_s:.0f} s, build "
          f"{build_s:.0f} s, {result['graph_mem_mb']} MB; {len(pop)} populated cells", flush=True)

    # ---- settles per second per core (also compiles the kernels)
    starts = rng.choice(g.n_nodes, 3, replace=False)
    settle_rate(g, starts[:1], heap=True)  # compile
    settle_rate(g, starts[:1], heap=False)
    rate_heap, _ = settle_rate(g, starts, heap=True)
    rate, settled = settle_rate(g, starts, heap=False)
    result.update({"settled_per_s_per_core": round(rate),
                   "settled_per_s_per_core_heap": round(rate_heap),
                   "bucket_width_min": g._buckets[0]})
    print(f"full search, 1 thread: {settled} settled, {rate / 1e6:.2f} M/s "
          f"(heap {rate_heap / 1e6:.2f} M/s)", flush=True)

    # ---- nearest facility for every node
    fidx = rng.choice(g.n_nodes, size=args.facilities, replace=False)
    fac = node_points(g, fidx).assign(fid=[f"f{i}" for i in range(args.facilities)])
    t0 = time.perf_counter()
    near = g.node_minutes_to_nearest(fac, facility_id="fid", method="fast")
    result["nearest_all_nodes_s"] = round(time.perf_counter() - t0, 2)
    print(f"nearest of {args.facilities} for every node: {result['nearest_all_nodes_s']} s",
          flush=True)

    # ---- population within 30/45/60 min for every node, scattering from the cells
    sub = np.arange(len(pop))
    if args.catchment_cells and args.catchment_cells < len(pop):
        sub = np.sort(rng.choice(len(pop), size=args.catchment_cells, replace=False))
    sub_cells = _Seeds(cells.nodes[sub], cells.minutes[sub])
    sn, sm, sp = _flatten_seeds(sub_cells.nodes, sub_cells.minutes)
    th = np.array([30.0, 45.0, 60.0]) + TIME_TOLERANCE_MIN
    ip, ix, w = g._fwd
    t0 = time.perf_counter()
    catch, catch_settled = _dijkstra.scatter_to_nodes(ip, ix, w, sp, sn, sm, pop[sub], th,
                                                      numba.get_num_threads(), *g._buckets)
    catch_s = time.perf_counter() - t0
    measured = len(sub) == len(pop)
    result.update({
        "catchment_all_nodes_s": round(catch_s * len(pop) / len(sub), 1),
        "catchment_measured": measured,
        "catchment_cells_run": int(len(sub)),
        "catchment_settled_per_s": round(catch_settled / catch_s),
        "catchment_complexity": "O(sum over populated cells of nodes within 60 min x log)",
    })
    print(f"catchment 30/45/60 for every node from {len(sub)} of {len(pop)} cells: "
          f"{catch_s:.1f} s ({'measured' if measured else 'extrapolated'} "
          f"{result['catchment_all_nodes_s']} s for all)", flush=True)

    # ---- networkx on samples
    t0 = time.perf_counter()
    sample = rng.choice(g.n_nodes, size=args.nx_sample, replace=False)
    same_dist = check_distances(g, sample, 20.0)
    fac_seeds_raw = g._seeds(np.asarray(fac.geometry.values, dtype=object), inbound=True)
    fac_seeds = [(int(n), float(m)) for n, m in zip(fac_seeds_raw.nodes.ravel(),
                                                     fac_seeds_raw.minutes.ravel()) if n >= 0]
    same_near = check_nearest(g, near["minutes"].to_numpy(), fac_seeds, sample)
    same_catch = check_catchment(g, sub_cells, pop[sub], catch[:, 0], sample, 30.0)
    result.update({"identical_sample": bool(same_dist and same_near and same_catch),
                   "identical_detail": {"distances_20min": same_dist, "nearest": same_near,
                                        "catchment_30min": same_catch},
                   "nx_sample_nodes": int(len(sample)),
                   "nx_check_s": round(time.perf_counter() - t0, 1)})
    print(f"networkx on {len(sample)} sample nodes: {result['identical_detail']}", flush=True)
    del catch

    # ---- aggregation vs pandana
    agg = aggregate_vs_pandana(args.agg_nodes, args.agg_minutes, args.seed)
    result.update(agg)
    print(f"aggregate sum within {args.agg_minutes} min, all {agg['agg_nodes']} nodes: {agg}",
          flush=True)

    result["peak_rss_mb"] = round(rss_mb(), 1)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
