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

* the national screen on Dask (bench/scale.py's scenario and layers: six
  factors, constraints, county clip) on a 10 m grid of ``--raster-size`` ×
  ``--raster-size`` cells (default 40,000², 1.6 G cells) laid over the graph,
  with three network factors (``port_minutes``, ``motorway_minutes``,
  ``rail_minutes``: nearest-facility minutes of every node of the 2 M-node
  graph plus the access leg) against the same surface with those three
  given as lazy rasters (``baseline``). Both run on one ``LocalCluster``
  (``--workers`` single-threaded processes, ``--worker-memory`` each) and
  reduce the score to a histogram. ``--raster-rows`` computes a band of that
  many rows of the national grid (the same code and chunks; ``0`` = all
  rows); the JSON then gives the band's measured cells and seconds and the
  full grid's seconds extrapolated by cells/s (``raster_measured``).
  ``peak_mem_mb`` is the peak RSS of this process and its workers during the
  two runs, checked against ``--mem-bound-mb``;
* ``network_raster_max_abs_diff_min``: the bucket-scan node raster against
  the former per-cell k-d tree lookup (scipy ``cKDTree``, same formula) on a
  ``--diff-size``² window for the three tables.

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

from siteselect.network import RoadGraph, _dijkstra  # noqa: E402
from siteselect.network.reach import (  # noqa: E402
    TIME_TOLERANCE_MIN,
    Seeds,
    flatten_seeds,
    two_columns,
)

TOP_SPEED_KMH = 110.0  # the synthetic network's fastest class (motorway)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graph_mem_mb(g: RoadGraph) -> float:
    seg = g._segments
    arrays = [g.node_xy, g._u, g._v, g._w, *g._reach.fwd, *g._reach.rev, seg.a, seg.b, seg.ab,
              seg.ba]
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
    ip, ix, w = g._reach.fwd
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
        # paths s → facility of at most m minutes stay within m × top speed of s; on the
        # reversed disc a search from the facilities' entry nodes reaches s at that time
        d = nx_disc(g, s, m + 1e-6, reverse=True)
        ref = nx_seeded(d, fac_seeds, m + 1e-6)
        ok &= ref.get(s) == m
    return ok


def check_catchment(g: RoadGraph, pop_cells: Any, pop: np.ndarray, got: np.ndarray,
                    sample: np.ndarray, minutes: float) -> bool:
    ca, coa, cb, cob = two_columns(pop_cells)
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


def settle_rate(g: RoadGraph, starts: np.ndarray, *, heap: bool) -> tuple[float, float, int]:
    """Settled nodes per second of one full search on one thread (best of the starts).

    Returns (per CPU second of the searching thread, per wall second, settled).
    The search runs in the calling thread (a non-parallel kernel), so
    ``time.thread_time`` is the core time it got; on a shared machine the wall
    rate also counts time the thread waited for a core.
    ``heap=False``: the library's fast path (bucket queue where the weights allow);
    ``heap=True``: the 4-ary heap kernel, the baseline.
    """
    ip, ix, w = g._reach.rev
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    best = best_wall = 0.0
    settled = 0
    one = np.zeros(1)
    lab = np.zeros(1, dtype=np.int64)
    try:
        for s in starts.tolist():
            src = np.array([s], dtype=np.int64)
            t0 = time.perf_counter()
            c0 = time.thread_time()
            if heap:
                dist, _ = _dijkstra.multi_source(ip, ix, w, src, one, lab, np.inf)
            else:
                dist, _ = g._reach.fast_seeded(src, one, lab, np.inf)
            cpu = time.thread_time() - c0
            dt = time.perf_counter() - t0
            settled = int(np.isfinite(dist).sum())
            best = max(best, settled / cpu)
            best_wall = max(best_wall, settled / dt)
    finally:
        numba.set_num_threads(old)
    return best, best_wall, settled


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
    p.add_argument("--catchment-cells", type=int, default=2000,
                   help="scatter from this many random populated cells and extrapolate "
                        "(0 = all cells, measured)")
    p.add_argument("--nx-sample", type=int, default=3)
    p.add_argument("--agg-nodes", type=int, default=200_000)
    p.add_argument("--agg-minutes", type=float, default=5.0)
    p.add_argument("--raster-size", type=int, default=40_000)
    p.add_argument("--raster-rows", type=int, default=4096,
                   help="rows of the national grid to compute (a band; 0 = all, measured)")
    p.add_argument("--chunk", type=int, default=2048)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--worker-memory", default="2GB")
    p.add_argument("--mem-bound-mb", type=float, default=6144.0)
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
    rate_heap, wall_heap, _ = settle_rate(g, starts, heap=True)
    rate, wall, settled = settle_rate(g, starts, heap=False)
    result.update({"settled_per_s_per_core": round(rate),
                   "settled_per_s_per_core_basis": "per CPU second of the searching thread",
                   "settled_per_s_wall": round(wall),
                   "settled_per_s_per_core_heap": round(rate_heap),
                   "settled_per_s_wall_heap": round(wall_heap),
                   "bucket_width_min": g._reach.buckets[0]})
    print(f"full search, 1 thread: {settled} settled, {rate / 1e6:.2f} M/s per CPU s "
          f"({wall / 1e6:.2f} M/s wall; heap {rate_heap / 1e6:.2f} / {wall_heap / 1e6:.2f})",
          flush=True)

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
    sub_cells = Seeds(cells.nodes[sub], cells.minutes[sub])
    sn, sm, sp = flatten_seeds(sub_cells.nodes, sub_cells.minutes)
    th = np.array([30.0, 45.0, 60.0]) + TIME_TOLERANCE_MIN
    ip, ix, w = g._reach.fwd
    t0 = time.perf_counter()
    catch, catch_settled = _dijkstra.scatter_to_nodes(ip, ix, w, sp, sn, sm, pop[sub], th,
                                                      numba.get_num_threads(), *g._reach.buckets)
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

    # ---- the national screen on Dask
    tables = {}
    for name, k in (("port_minutes", 12), ("motorway_minutes", 400), ("rail_minutes", 120)):
        fi = rng.choice(g.n_nodes, size=k, replace=False)
        f = node_points(g, fi).assign(fid=[f"{name}{i}" for i in range(k)])
        tables[name] = g.node_minutes_to_nearest(f, facility_id="fid", method="fast")[
            ["x", "y", "minutes"]]
    lo = g.node_xy.min(axis=0)
    hi = g.node_xy.max(axis=0)
    del g, near, pop_frame, cells, sub_cells
    result.update(national_screen(tables, lo, hi, args))

    result["peak_rss_mb_main"] = round(rss_mb(), 1)
    print("RESULT " + json.dumps(result))


def network_raster_diff(tables: dict[str, Any], grid: Any) -> dict[str, Any]:
    """The node raster (bucket scan) against the former per-cell k-d tree lookup on ``grid``.

    Returns the max |difference| in minutes over all cells, the same excluding
    exact ties (cells equally near two nodes, where the k-d tree picks either),
    the number of tied cells that took another node, and whether the access
    distances are identical bit for bit.
    """
    from scipy.spatial import cKDTree

    from siteselect.raster.nodegrid import NodeGrid, nearest_nodes
    from siteselect.raster.suitability import node_raster

    r = grid.resolution_m
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * r
    ys = grid.y0 - (np.arange(grid.height) + 0.5) * r
    pts = np.column_stack([np.tile(xs, grid.height), np.repeat(ys, grid.width)])
    worst = worst_no_tie = 0.0
    ties = 0
    same_dist = True
    for t in tables.values():
        xy = t[["x", "y"]].to_numpy()
        new = node_raster(t, grid, access_speed_kmh=20.0).ravel()
        idx, d = nearest_nodes(NodeGrid.of(xy), xs, ys)
        dist, ref_idx = cKDTree(xy).query(pts)
        ref = (t["minutes"].to_numpy()[ref_idx] + dist / (20.0 * 1000 / 60)).astype(np.float32)
        diff = np.abs(new - ref)
        tie = idx != ref_idx
        same_dist &= bool(np.array_equal(d, dist))
        ties += int(tie.sum())
        worst = max(worst, float(np.nanmax(diff)))
        worst_no_tie = max(worst_no_tie, float(np.nanmax(np.where(tie, 0.0, diff))))
    return {"network_raster_max_abs_diff_min": worst,
            "network_raster_max_abs_diff_min_excluding_ties": worst_no_tie,
            "network_raster_tied_cells_other_node": ties,
            "network_raster_access_distance_identical": same_dist}


def national_screen(tables: dict[str, Any], lo: np.ndarray, hi: np.ndarray,
                    args: argparse.Namespace) -> dict[str, Any]:
    import dask.array as da
    from distributed import Client, LocalCluster
    from scale import GIVEN, PeakRSS, layers, lazy_rasters, scenario

    from siteselect.raster.scale import suitability_surface_dask
    from siteselect.raster.suitability import grid_from_bbox

    res_m = 10.0
    n = args.raster_size
    side = n * res_m
    # the national grid: centred on the graph
    cx, cy = (lo + hi) / 2
    gx0 = float(np.floor((cx - side / 2) / 1000) * 1000)  # on whole km: cells align
    gy0 = float(np.floor((cy - side / 2) / 1000) * 1000)
    rows = args.raster_rows or n
    band_y0 = gy0 + (n - rows) // 2 * res_m   # a band across the middle
    bbox = (gx0, band_y0, gx0 + side, band_y0 + rows * res_m)
    from scale import X0, Y0
    lay = {k: v.set_geometry(v.geometry.translate(gx0 - X0, gy0 - Y0))
           for k, v in layers(side).items()}
    sc = scenario()
    net_names = list(tables)
    shape = (rows, n)
    out: dict[str, Any] = {"raster_grid": f"{n}x{n}", "raster_resolution_m": res_m,
                           "raster_cells": n * n, "raster_network_factors": len(net_names),
                           "raster_factors": len(GIVEN) + 1, "raster_rows_run": rows,
                           "raster_cells_run": rows * n, "raster_measured": rows == n,
                           "workers": args.workers, "worker_memory": args.worker_memory,
                           "chunk": args.chunk}
    t_diff = time.perf_counter()
    mx, my = gx0 + side / 2, gy0 + side / 2
    wgrid = grid_from_bbox((mx - 10_240, my - 10_240, mx + 10_240, my + 10_240),
                           resolution_m=res_m, crs="EPSG:3006")
    out.update(network_raster_diff(tables, wgrid))
    out["network_raster_diff_cells"] = wgrid.width * wgrid.height * len(tables)
    print(f"node raster vs k-d tree on {wgrid.width}x{wgrid.height} x {len(tables)}: "
          f"max |diff| {out['network_raster_max_abs_diff_min']} min, excluding exact ties "
          f"{out['network_raster_max_abs_diff_min_excluding_ties']} min "
          f"({time.perf_counter() - t_diff:.0f} s)", flush=True)

    def run(with_network: bool, client: Any, bb: tuple[float, float, float, float],
            shp: tuple[int, int], lay_: dict[str, Any]) -> float:
        given = lazy_rasters(shp, args.chunk, res_m)
        if with_network:
            given = {k: v for k, v in given.items() if k not in net_names}
        t0 = time.perf_counter()
        lazy = suitability_surface_dask(sc, lay_, resolution_m=res_m, bbox=bb,
                                        chunk_size=args.chunk, factor_rasters=given,
                                        node_tables=tables if with_network else None,
                                        client=client)
        da.histogram(lazy.score, bins=20, range=(0.0, 1.0))[0].compute()
        return time.perf_counter() - t0

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.worker_memory, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        # warm-up: numba kernels loaded in every worker, not timed
        wb = (gx0 + side / 2, gy0 + side / 2, gx0 + side / 2 + 5120, gy0 + side / 2 + 5120)
        for _ in range(args.workers):
            run(True, client, wb, (512, 512), lay)
            run(False, client, wb, (512, 512), lay)
        with PeakRSS() as rss:
            t_base = run(False, client, bbox, shape, lay)
            print(f"screen without network factors: {rows}x{n} cells in {t_base:.1f} s "
                  f"({rows * n / t_base / 1e6:.2f} M cells/s)", flush=True)
            t_net = run(True, client, bbox, shape, lay)
            print(f"screen with {len(net_names)} network factors: {rows}x{n} cells in "
                  f"{t_net:.1f} s ({rows * n / t_net / 1e6:.2f} M cells/s)", flush=True)
    peak = rss.peak / 2**20
    cells_run = rows * n
    out.update({
        "raster_s": round(t_net * n * n / cells_run, 1),
        "raster_s_measured_band": round(t_net, 1),
        "raster_baseline_s": round(t_base * n * n / cells_run, 1),
        "raster_baseline_s_measured_band": round(t_base, 1),
        "raster_cells_per_s": round(cells_run / t_net),
        "raster_baseline_cells_per_s": round(cells_run / t_base),
        "network_over_baseline": round(t_base / t_net, 3),
        "peak_mem_mb": round(peak),
        "mem_bound_mb": args.mem_bound_mb,
        "within_bound": bool(peak <= args.mem_bound_mb),
    })
    return out


if __name__ == "__main__":
    main()
