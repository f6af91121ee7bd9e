"""Benchmark: constraints against a layer of a million tiny polygons (not a test).

Usage::

    .venv/bin/python bench/big_layers.py                      # 1 000 000 polygons, baseline on 100 000
    .venv/bin/python bench/big_layers.py --n 200000 --baseline-n 20000

The layer is ``--n`` random 20 m × 20 m squares (a fixed seed) spread over
the embedded candidates' extent plus 5 km, played as ``water``. Measured in
the same run:

million_polygon_constraint_s
    :func:`siteselect.analysis.constraints.apply_constraints` with an ``inside`` and a
    ``within 50 m`` constraint on that layer (the 50 embedded candidates).
baseline_old_path_s / prefilter_path_s
    the old path (every feature buffered and intersected: the prefilter
    :func:`siteselect.analysis._sites.near_sites` replaced by "all features")
    and the new one on ``--baseline-n`` polygons; ``identical`` says whether
    both give the same exclusions, reasons and usable areas (bit for bit).

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from siteselect.analysis import constraint_kinds as K  # noqa: E402
from siteselect.analysis import constraints as C  # noqa: E402
from siteselect.io.file_layers import load_embedded  # noqa: E402
from siteselect.scenario import InsideConstraint, WithinConstraint  # noqa: E402

RULES = [InsideConstraint(id="water", mode="inside", layer="water"),
         WithinConstraint(id="water_50m", mode="within", layer="water", distance_m=50)]


def tiny_polygons(extent: np.ndarray, n: int, crs: Any, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` 20 m squares at random over ``extent`` grown by 5 km."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = extent
    x = rng.uniform(x0 - 5000, x1 + 5000, n)
    y = rng.uniform(y0 - 5000, y1 + 5000, n)
    return gpd.GeoDataFrame({"name": np.full(n, "sjö")}, geometry=shapely.box(x, y, x + 20, y + 20), crs=crs)


def timed(cands: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> tuple[float, gpd.GeoDataFrame]:
    t = time.perf_counter()
    out = C.apply_constraints(cands, {"water": layer}, RULES, min_area_ha=1.0)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--baseline-n", type=int, default=100_000)
    args = ap.parse_args()
    cands = load_embedded(roles=["candidates"])["candidates"]
    extent = cands.total_bounds

    small = tiny_polygons(extent, args.baseline_n, cands.crs)
    new_s, new = timed(cands, small)
    real = K.near_sites  # the STRtree prefilter the inside/within kinds call
    K.near_sites = lambda geoms, sites, reach_m: np.arange(len(geoms))  # type: ignore[assignment]
    try:
        old_s, old = timed(cands, small)
    finally:
        K.near_sites = real
    cols = ["excluded", "exclusion_reason", "usable_area_ha", "c_water", "c_water_50m"]
    identical = all(new[c].tolist() == old[c].tolist() for c in cols)
    print(f"{args.baseline_n:,} polygons: old path {old_s:.2f} s, prefilter {new_s:.2f} s, identical {identical}")

    big = tiny_polygons(extent, args.n, cands.crs)
    big_s, out = timed(cands, big)
    print(f"{args.n:,} polygons: {big_s:.2f} s, {int(out['excluded'].sum())} of {len(out)} sites excluded")
    print("RESULT " + json.dumps({
        "million_polygon_constraint_s": round(big_s, 3), "n_polygons": args.n,
        "baseline_n": args.baseline_n, "baseline_old_path_s": round(old_s, 3),
        "prefilter_path_s": round(new_s, 3), "identical": identical,
    }))


if __name__ == "__main__":
    main()
