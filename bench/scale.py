"""Benchmark of raster mode on Dask (siteselect.raster.scale), out of core (not a test).

Usage::

    .venv/bin/python bench/scale.py                      # 40,000 × 40,000 cells at 10 m, 6 factors
    .venv/bin/python bench/scale.py --size 8000 --compare-size 2048   # a quick run

The synthetic case is a 400 km × 400 km square (at 10 m) with six factors:

* ``substation_km`` — exact EDT from random substations (one per ~25 km × 25 km),
  linear 1–15 km, so every chunk works on a window grown by the 15 km halo;
* five raw rasters (``*_minutes``, ``population_within``) generated chunk by
  chunk from smooth closed-form fields of the global cell position (a lazy
  ``dask.array``, never materialised);

and constraints: ``inside`` random protected areas, ``within`` 500 m of random
urban areas, and the study-area clip to an irregular 64-gon. The whole stack
(6 × 4 bytes per cell, plus mask and score) would take ``in_memory_mb``;
the run computes it on a ``LocalCluster`` (``--workers`` single-threaded
processes) and writes a tiled, deflate-compressed GeoTIFF chunk by chunk
(``--sink tif``; ``--sink stats`` only reduces the score to a histogram).

Measured in the same run:

peak_mem_mb
    peak resident memory of the whole process tree (this process + workers,
    RSS sampled every 0.1 s with psutil) during the large run; checked
    against ``mem_bound_mb`` (``--mem-bound-mb``; default 3 GB).
dask_cells_per_s / local_cells_per_s
    on a grid both can hold (``--compare-size`` square, same factors given as
    in-memory rasters, same constraints): the in-memory path
    :func:`siteselect.raster.suitability.suitability_surface` (numba fused kernels,
    all threads; the five raw rasters are given in memory, their generation
    not timed) against :func:`siteselect.raster.scale.suitability_surface_dask`
    computed into memory on the same cluster with the rasters generated
    chunk by chunk as in the large run (timed); best of ``--repeat``. Both
    results are compared (``compare_equal``: same NaN cells, |diff| ≤ 2e-7).
    The workers first load the numba kernels (``warmup_s``, not timed).
large_cells_per_s
    the large run, factor generation and GeoTIFF writing included.

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

import geopandas as gpd
import numpy as np
import psutil
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dask.array as da
from distributed import Client, LocalCluster

from siteselect.raster.scale import save_suitability_dask, suitability_surface_dask
from siteselect.raster.suitability import suitability_surface
from siteselect.scenario import Scenario, scenario_from_dict

CRS = "EPSG:3006"
X0, Y0 = 300_000.0, 6_400_000.0  # south-west corner, inside SWEREF 99 TM's area

GIVEN = {
    # name: (measure, curve, field parameters: base, amplitude, wavelength x/y km, phase)
    "port_minutes": ("port_minutes", {"shape": "linear", "direction": "decreasing", "points": [10, 90]},
                     (50.0, 45.0, 170.0, 130.0, 0.3)),
    "motorway_minutes": ("motorway_minutes", {"shape": "linear", "direction": "decreasing", "points": [3, 30]},
                         (18.0, 16.0, 45.0, 60.0, 1.1)),
    "rail_minutes": ("rail_minutes", {"shape": "linear", "direction": "decreasing", "points": [3, 30]},
                     (20.0, 18.0, 35.0, 80.0, 2.0)),
    "airport_minutes": ("airport_minutes", {"shape": "linear", "direction": "decreasing", "points": [20, 120]},
                        (70.0, 55.0, 240.0, 210.0, 0.7)),
    "labour_45min": ("population_within", {"shape": "sigmoid", "direction": "increasing", "points": [20000, 250000]},
                     (120000.0, 110000.0, 90.0, 70.0, 2.6)),
}


def scenario() -> Scenario:
    factors: dict[str, Any] = {
        "substation_km": {"measure": "substation_km", "min_voltage_kv": 130,
                          "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [1, 15]}},
    }
    for name, (measure, curve, _) in GIVEN.items():
        factors[name] = {"measure": measure, "fuzzy": curve, **({"minutes": 45} if measure == "population_within" else {})}
    return scenario_from_dict({
        "name": "bench-national",
        "site": {"min_area_ha": 20},
        "constraints": [
            {"id": "protected_nature", "layer": "protected_nature", "mode": "inside"},
            {"id": "housing_500m", "layer": "urban_areas", "mode": "within", "distance_m": 500},
        ],
        "factors": factors,
        "weights": {"values": {"substation_km": 4, "port_minutes": 1, "motorway_minutes": 1, "rail_minutes": 1,
                               "airport_minutes": 1, "labour_45min": 2}},
    })


def layers(side_m: float, seed: int = 1) -> dict[str, gpd.GeoDataFrame]:
    """Random vector layers over a square of ``side_m`` (a few thousand features at national size)."""
    rng = np.random.default_rng(seed)
    area_km2 = (side_m / 1000) ** 2
    n_sub = max(4, int(area_km2 / 625))
    sub_xy = rng.uniform([X0, Y0], [X0 + side_m, Y0 + side_m], (n_sub, 2))
    n_prot = max(4, int(area_km2 / 100))
    c = rng.uniform([X0, Y0], [X0 + side_m, Y0 + side_m], (n_prot, 2))
    r = rng.uniform(200, 2500, n_prot)
    prot = shapely.buffer(shapely.points(c), r, quad_segs=4)
    n_urb = max(4, int(area_km2 / 150))
    u = rng.uniform([X0, Y0], [X0 + side_m, Y0 + side_m], (n_urb, 2))
    urb = shapely.box(u[:, 0], u[:, 1], u[:, 0] + rng.uniform(100, 3000, n_urb), u[:, 1] + rng.uniform(100, 3000, n_urb))
    ang = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    rad = side_m / 2 * (0.92 + 0.07 * np.sin(5 * ang))
    county = shapely.Polygon(np.column_stack([X0 + side_m / 2 + rad * np.cos(ang), Y0 + side_m / 2 + rad * np.sin(ang)]))
    return {
        "substations": gpd.GeoDataFrame({"voltage_kv": rng.choice([130.0, 220.0, 400.0], n_sub)},
                                        geometry=shapely.points(sub_xy), crs=CRS),
        "protected_nature": gpd.GeoDataFrame({"name": [f"p{i}" for i in range(n_prot)], "kind": "nr"}, geometry=prot, crs=CRS),
        "urban_areas": gpd.GeoDataFrame({"name": [f"u{i}" for i in range(n_urb)]}, geometry=urb, crs=CRS),
        "county": gpd.GeoDataFrame({"name": ["synthetic"]}, geometry=[county], crs=CRS),
    }


def _field_block(params: tuple[float, float, float, float, float], resolution_m: float,
                 block_info: Any = None) -> np.ndarray:
    """One chunk of a smooth field: base + amp · sin(x/λx + φ) · cos(y/λy), float32."""
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    base, amp, lx, ly, ph = params
    x = (np.arange(c0, c1) + 0.5) * resolution_m / 1000.0
    y = (np.arange(r0, r1) + 0.5) * resolution_m / 1000.0
    sx = np.sin(x * (2 * np.pi / lx) + ph).astype(np.float32)
    cy = np.cos(y * (2 * np.pi / ly)).astype(np.float32)
    return np.float32(base) + np.float32(amp) * np.outer(cy, sx)


def lazy_rasters(shape: tuple[int, int], chunk: int, resolution_m: float) -> dict[str, Any]:
    chunks = da.core.normalize_chunks((chunk, chunk), shape)
    return {name: da.map_blocks(_field_block, p, resolution_m, chunks=chunks, dtype=np.float32,
                                meta=np.empty((0, 0), np.float32))
            for name, (_, _, p) in GIVEN.items()}


class PeakRSS:
    """Peak RSS (bytes) of this process and all its children, sampled on a thread."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for ch in me.children(recursive=True):
            try:
                total += ch.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Self:
        self.peak = self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.sample())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=40_000, help="cells per side of the large grid (default 40000)")
    ap.add_argument("--resolution", type=float, default=10.0, help="cell size, metres")
    ap.add_argument("--chunk", type=int, default=2048, help="chunk edge, cells")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (1 thread each)")
    ap.add_argument("--worker-memory", default="1.5GB", help="memory limit per worker (dask spills/pauses above)")
    ap.add_argument("--compare-size", type=int, default=4096, help="cells per side for the local vs dask comparison")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sink", choices=["tif", "stats"], default="tif")
    ap.add_argument("--out", type=Path, default=None, help="folder for the GeoTIFF (default: a temporary one, removed)")
    ap.add_argument("--mem-bound-mb", type=float, default=3072.0)
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    sc = scenario()
    res_m = args.resolution
    n = args.size
    side = n * res_m
    lay = layers(side)
    bbox = (X0, Y0, X0 + side, Y0 + side)
    in_memory_mb = n * n * (6 * 4 + 1 + 4) / 2**20
    tmp = tempfile.TemporaryDirectory(prefix="siteselect-bench-scale-")
    out_dir = args.out or Path(tmp.name)

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.worker_memory, dashboard_address=None) as cluster, Client(cluster) as client:
        # warm-up: load the numba kernels from their cache in every worker before timing
        t0 = time.perf_counter()
        wside = 512 * res_m
        client.run(lambda: __import__("siteselect.raster.scale"))
        for _ in range(args.workers):
            suitability_surface_dask(sc, layers(wside, seed=3), resolution_m=res_m, bbox=(X0, Y0, X0 + wside, Y0 + wside),
                                     chunk_size=256, factor_rasters=lazy_rasters((512, 512), 256, res_m),
                                     client=client).score.sum().compute()
        t_warm = time.perf_counter() - t0
        # -- large run, out of core
        with PeakRSS() as rss:
            t0 = time.perf_counter()
            lazy = suitability_surface_dask(sc, lay, resolution_m=res_m, bbox=bbox, chunk_size=args.chunk,
                                            factor_rasters=lazy_rasters((n, n), args.chunk, res_m), client=client)
            if args.sink == "tif":
                path = save_suitability_dask(lazy, out_dir / "national.tif", client=client, overviews=False)
                file_mb = path.stat().st_size / 2**20
            else:
                hist = da.histogram(lazy.score, bins=20, range=(0.0, 1.0))[0].compute()
                file_mb = 0.0
                print(f"histogram of scores: {hist.tolist()}", flush=True)
            t_large = time.perf_counter() - t0
        cells = n * n
        print(f"large: {n} x {n} cells ({cells / 1e9:.2f} G), {lazy.n_chunks} chunks of {args.chunk}, "
              f"{t_large:.1f} s, {cells / t_large / 1e6:.1f} M cells/s, peak RSS {rss.peak / 2**20:.0f} MB "
              f"(in memory it would need {in_memory_mb:.0f} MB), file {file_mb:.0f} MB", flush=True)

        # -- same grid both ways: in memory (numba, all threads) and dask on the cluster
        m = args.compare_size
        cside = m * res_m
        clay = layers(cside, seed=2)
        cbbox = (X0, Y0, X0 + cside, Y0 + cside)
        given = {k: np.asarray(v.compute()) for k, v in lazy_rasters((m, m), args.chunk, res_m).items()}
        t_local = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            loc = suitability_surface(sc, clay, resolution_m=res_m, bbox=cbbox, factor_rasters=given)
            t_local.append(time.perf_counter() - t0)
        t_dask = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            got = suitability_surface_dask(sc, clay, resolution_m=res_m, bbox=cbbox, chunk_size=args.chunk,
                                           factor_rasters=lazy_rasters((m, m), args.chunk, res_m),
                                           client=client).score.compute()
            t_dask.append(time.perf_counter() - t0)
        same = bool(np.array_equal(np.isnan(got), np.isnan(loc.score))
                    and np.allclose(got, loc.score, rtol=0, atol=2e-7, equal_nan=True))
        if not same:
            diff = np.abs(got - loc.score)
            print(f"  not equal: {int((np.isnan(got) != np.isnan(loc.score)).sum())} cells differ in NaN, "
                  f"max |diff| {np.nanmax(diff):.3g}", flush=True)
        mcells = m * m
        local_cps = mcells / min(t_local)
        dask_cps = mcells / min(t_dask)
        print(f"compare {m} x {m}: local {min(t_local):.2f} s ({local_cps / 1e6:.1f} M cells/s), "
              f"dask {min(t_dask):.2f} s ({dask_cps / 1e6:.1f} M cells/s), equal: {same}", flush=True)

    tmp.cleanup()
    result = {
        "cells": cells,
        "chunks": lazy.n_chunks,
        "chunk_size": args.chunk,
        "factors": len(lazy.factors),
        "workers": args.workers,
        "sink": args.sink,
        "largest_grid": f"{n}x{n}",
        "resolution_m": res_m,
        "in_memory_mb": round(in_memory_mb),
        "peak_mem_mb": round(rss.peak / 2**20),
        "mem_bound_mb": args.mem_bound_mb,
        "within_bound": bool(rss.peak / 2**20 <= args.mem_bound_mb),
        "large_wall_s": round(t_large, 1),
        "large_cells_per_s": round(cells / t_large),
        "file_mb": round(file_mb),
        "compare_grid": f"{m}x{m}",
        "local_cells_per_s": round(local_cps),
        "dask_cells_per_s": round(dask_cps),
        "dask_over_local": round(dask_cps / local_cps, 3),
        "compare_equal": same,
        "warmup_s": round(t_warm, 1),
        "total_wall_s": round(time.perf_counter() - t_start, 1),
    }
    print("RESULT " + json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
