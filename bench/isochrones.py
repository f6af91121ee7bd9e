"""Benchmark of isochrone shapes: the sampled-disc reference vs the per-edge-piece path.

Run:  .venv/bin/python bench/isochrones.py [--sites 5 --repeat 3]

Network: the embedded Västmanland roads (``siteselect.io.layers.load_layers()``).
Sites: ``--sites`` candidates spread evenly through the embedded candidates
frame (positions ``linspace(0, n - 1, sites)``), limits 15/30/45/60 min with the
default 1 km access cap, as in a default ``siteselect run``.

Measured (best of ``--repeat``, both after one warm-up call so numba's kernels
are compiled and cached): ``isochrones_reference`` of ``tests/_network_reference.py`` (a disc at every
node and at points ≤ 100 m apart along edges, dissolved) and
``RoadGraph.isochrones`` (the union built from convex hulls of disc pairs on
edge pieces). Both include the same network search. Agreement: area of the
symmetric difference of the two shapes / reference area, the largest over
sites × limits.

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _network_reference import isochrones_reference

from siteselect.io.layers import load_layers
from siteselect.network.graph import RoadGraph

LIMITS = (15.0, 30.0, 45.0, 60.0)


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    layers = load_layers()
    graph = RoadGraph.from_roads(layers["roads"])
    cand = layers["candidates"]
    pick = np.unique(np.linspace(0, len(cand) - 1, args.sites).round().astype(int))
    sites = cand.iloc[pick]
    opts: dict[str, Any] = {"origin_id": "site_id", "minutes": LIMITS}

    graph.isochrones(sites.iloc[:1], **opts)              # warm-up: numba compile / cache load
    isochrones_reference(graph, sites.iloc[:1], **opts)
    ref_s, ref = best_of(args.repeat, lambda: isochrones_reference(graph, sites, **opts))
    print(f"reference: {ref_s:.3f} s for {len(sites)} sites x {len(LIMITS)} limits", flush=True)
    fast_s, fast = best_of(args.repeat, lambda: graph.isochrones(sites, **opts))
    print(f"fast:      {fast_s:.3f} s", flush=True)

    ref_geom = np.asarray(ref.geometry.values)
    fast_geom = np.asarray(fast.geometry.values)
    ref_area = shapely.area(ref_geom)
    diff = shapely.area(shapely.symmetric_difference(ref_geom, fast_geom))
    share = np.where(ref_area > 0, diff / np.where(ref_area > 0, ref_area, 1.0), 0.0)
    for (sid, m), a, d, s in zip(ref[["site_id", "minutes"]].itertuples(index=False), ref_area, diff, share):
        print(f"  {sid} {m:g} min: reference {a / 1e6:8.2f} km², symmetric difference {d / 1e6:6.3f} km² ({s:.3%})")

    result = {
        "sites": len(sites),
        "limits": list(LIMITS),
        "reference_s": round(ref_s, 3),
        "fast_s": round(fast_s, 3),
        "speedup": round(ref_s / fast_s, 1),
        "max_symmetric_difference_share": round(float(share.max()), 5),
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "repeat": args.repeat,
        "reference_vertices": int(shapely.get_num_coordinates(ref_geom).sum()),
        "fast_vertices": int(shapely.get_num_coordinates(fast_geom).sum()),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
