"""Benchmark of the OSM PBF importer's memory on a country-size file (not a test).

Usage::

    .venv/bin/python bench/osm_import.py                  # 5 million nodes
    .venv/bin/python bench/osm_import.py --nodes 500000   # quick look

A synthetic PBF resembling a country extract is written to a temporary folder
with pyosmium's ``SimpleWriter``, one object at a time (nothing held in
memory): nodes on a jittered lattice over a Sweden-sized lon/lat box; ways of
10–50 nodes along the lattice rows and along every 7th column (so roads cross
and share nodes), most of them ``residential``/``unclassified``/``track``, some
with ``maxspeed`` (numbers, mph, country zones, lists, ``variable``),
``maxspeed:backward``, ``oneway`` or car ``access`` tags; every 997th way refers
to a node the file lacks (cut at the extract's edge, as in a real extract); every
20th row is ``railway=rail``; tagged nodes
(``power=substation`` with ``voltage``, ``railway=station``) and small closed
``landuse=industrial`` ways are sprinkled over the lattice. Every object has a
version, changeset and timestamp, as in a public extract (no user names).

Each measurement runs in its own subprocess so its peak memory is its own:

baseline_count
    a plain pyosmium pass counting nodes, ways and relations (no siteselect,
    no location index).
baseline_locations
    the same with ``with_locations("flex_mem")``: the cost of the node index
    alone.
import_only
    a process that only imports :mod:`siteselect.io.importers.osm` (Python,
    numpy, pandas, geopandas, shapely, pyproj): the floor of every import run.
bbox / full
    :func:`siteselect.io.importers.osm.layers_from_osm_pbf` (all roles) on a
    Västmanland-sized box (1/50 of the area) and on the whole extent, with the
    default location store; ``disk_store_*`` the same with
    ``sparse_file_array`` in the temporary folder.
growth_quarter_file / growth_whole_file
    the disk-store bbox import on a second file covering a quarter of the
    area around the box with a quarter of the nodes (same lattice spacing, so
    the same features inside the box) and on the whole file, both with the
    reader's read-ahead cut to 2 decoded blocks (``SMALL_QUEUE``, otherwise
    only full in the larger file): the difference of their peak ``RssAnon``
    per million extra nodes is how the importer's memory grows with the file
    rather than with the bbox output.

The growth figure (``disk_store_bbox_anon_mb_per_million_file_nodes``) is the
difference of two peaks of about 200 MB over 3.75 million extra nodes: six repeats
of the same importer on the same two files gave 0.3 to 6.1 MB per million nodes
(on a loaded 2-core machine), so compare it over several runs, not one.

Peak memory is the child's own ``ru_maxrss`` (resident set: anonymous memory
plus mapped file pages). The parent also polls ``/proc/PID/status`` every
50 ms for the peak of ``RssAnon`` (heap, not reclaimable by the kernel): the
disk-backed index is a memory-mapped file whose pages count in the RSS while
resident but are given back under memory pressure, so ``RssAnon`` is the
number that says whether memory is bounded. Ratios are against the PBF size,
against holding every node location in memory (nodes × 16 bytes: id +
location, the sparse index layout) and against the baseline count pass.

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

#: Sweden-sized extent (lon_min, lat_min, lon_max, lat_max), WGS 84.
EXTENT = (11.0, 55.3, 24.2, 69.1)
#: Västmanland-sized box: 1/50 of the extent's area (sides × √(1/50)).
_SIDE = math.sqrt(1 / 50)
BBOX_SMALL = (15.6, 59.2, 15.6 + (EXTENT[2] - EXTENT[0]) * _SIDE,
              59.2 + (EXTENT[3] - EXTENT[1]) * _SIDE)
#: A quarter of EXTENT's area around BBOX_SMALL: with a quarter of the nodes it has
#: the same lattice spacing, so the same features inside BBOX_SMALL in a smaller file.
QUARTER_EXTENT = (14.9, 58.4, 14.9 + (EXTENT[2] - EXTENT[0]) / 2,
                  58.4 + (EXTENT[3] - EXTENT[1]) / 2)
#: Reader read-ahead (decoded blocks) for the growth runs: small, so that it is full
#: in both files and the difference is the importer's own.
SMALL_QUEUE = {"OSMIUM_MAX_OSMDATA_QUEUE_SIZE": "2"}

HIGHWAYS = ("residential", "unclassified", "track", "service", "tertiary", "secondary",
            "primary", "trunk", "motorway", "footway")
HIGHWAY_P = (0.30, 0.22, 0.20, 0.06, 0.08, 0.05, 0.04, 0.02, 0.01, 0.02)
MAXSPEEDS = ("30", "50", "70", "90", "SE:rural", "SE:urban", "30 mph", "FI:urban", "50;30",
             "variable")
VOLTAGES = ("400000", "220000", "130000;20000", "70000", "40000", "20000")
SUBSTATION_EVERY = 2_000   # one node in … is a substation
STATION_EVERY = 7_000      # one node in … is a railway station
COLUMN_EVERY = 7           # every 7th lattice column also carries roads
RAIL_EVERY = 20            # every 20th lattice row is a railway
INDUSTRIAL_STEP = (37, 41)  # an industrial square every 37 rows × 41 columns
CUT_EVERY = 997            # every 997th way also refers to a node missing from the file
MISSING_NODE = 10**12      # ids from here on are never written
#: Edit times spread over 2010–2024, as in a public extract's metadata.
_T0, _T1 = 1_262_304_000, 1_735_689_600
BYTES_PER_NODE_LOCATION = 16


def lattice_shape(nodes: int, extent: tuple[float, float, float, float] = EXTENT,
                  ) -> tuple[int, int]:
    """(rows, cols) of a lattice with at least ``nodes`` nodes, shaped like ``extent``."""
    aspect = (extent[3] - extent[1]) / (extent[2] - extent[0])
    cols = max(2, math.ceil(math.sqrt(nodes / aspect)))
    rows = max(2, math.ceil(nodes / cols))
    return rows, cols


def _segments(n: int, rng: np.random.Generator) -> Iterator[tuple[int, int]]:
    """(start, stop) index pairs of ways of 10–50 nodes along a line of ``n`` nodes.

    Consecutive ways share their end node.
    """
    start = 0
    while start < n - 1:
        stop = min(n - 1, start + int(rng.integers(9, 50)))
        yield start, stop
        start = stop


def _road_tags(rng: np.random.Generator) -> dict[str, str]:
    tags = {"highway": HIGHWAYS[int(rng.choice(len(HIGHWAYS), p=HIGHWAY_P))]}
    u = rng.random()
    if u < 0.3:
        tags["maxspeed"] = MAXSPEEDS[int(rng.integers(len(MAXSPEEDS)))]
    elif u < 0.32:
        tags["access" if tags["highway"] == "service" else "motor_vehicle"] = (
            "private" if u < 0.31 else "destination")
    elif u < 0.33:
        tags["maxspeed:backward"] = "30"
    if u > 0.94:
        tags["oneway"] = "yes" if u > 0.97 else "-1"
    if tags["highway"] in ("primary", "trunk", "motorway") and u < 0.5:
        tags["ref"] = str(int(rng.integers(1, 99)))
    return tags


def _metadata(rng: np.random.Generator, n: int) -> Iterator[dict[str, Any]]:
    """version / changeset / timestamp of ``n`` objects (uid and user left out)."""
    versions = rng.integers(1, 6, n).tolist()
    changesets = rng.integers(1, 150_000_000, n).tolist()
    stamps = rng.integers(_T0, _T1, n).tolist()
    for v, c, t in zip(versions, changesets, stamps, strict=True):
        yield {"version": v, "changeset": c,
               "timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc)}


def write_synthetic_pbf(path: Path, *, nodes: int, seed: int = 7,
                        extent: tuple[float, float, float, float] = EXTENT) -> dict[str, int]:
    """Stream a synthetic country-like extract over ``extent`` to ``path``; return counts."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rows, cols = lattice_shape(nodes, extent)
    dlon = (extent[2] - extent[0]) / (cols - 1)
    dlat = (extent[3] - extent[1]) / (rows - 1)
    rng = np.random.default_rng(seed)
    counts = {"nodes": 0, "ways": 0, "tagged_nodes": 0}
    writer = osmium.SimpleWriter(str(path))
    try:
        for r in range(rows):
            lon = extent[0] + dlon * (np.arange(cols) + rng.uniform(-0.3, 0.3, cols))
            lat = extent[1] + dlat * (r + rng.uniform(-0.3, 0.3, cols))
            lon = np.clip(lon, extent[0], extent[2]).tolist()
            lat = np.clip(lat, extent[1], extent[3]).tolist()
            base = r * cols + 1
            meta = _metadata(rng, cols)
            for c in range(cols):
                nid = base + c
                tags: dict[str, str] = {}
                if nid % SUBSTATION_EVERY == 0:
                    tags = {"power": "substation", "name": f"Station {nid}",
                            "voltage": VOLTAGES[(nid // SUBSTATION_EVERY) % len(VOLTAGES)]}
                elif nid % STATION_EVERY == 0:
                    tags = {"railway": "station", "name": f"Halt {nid}"}
                counts["tagged_nodes"] += bool(tags)
                writer.add_node(Node(id=nid, location=(lon[c], lat[c]), tags=tags,
                                     **next(meta)))
        counts["nodes"] = rows * cols
        wid = 0
        for r in range(rows):
            rail = r % RAIL_EVERY == RAIL_EVERY // 2
            for a, b in _segments(cols, rng):
                wid += 1
                tags = ({"railway": "rail", "name": f"Bana {r}"} if rail else _road_tags(rng))
                refs = list(range(r * cols + a + 1, r * cols + b + 2))
                if wid % CUT_EVERY == 0:
                    refs.append(MISSING_NODE + wid)
                writer.add_way(Way(id=wid, nodes=refs, tags=tags, **next(_metadata(rng, 1))))
        for c in range(COLUMN_EVERY // 2, cols, COLUMN_EVERY):
            for a, b in _segments(rows, rng):
                wid += 1
                refs = [rr * cols + c + 1 for rr in range(a, b + 1)]
                if wid % CUT_EVERY == 0:
                    refs.append(MISSING_NODE + wid)
                writer.add_way(Way(id=wid, nodes=refs, tags=_road_tags(rng),
                                   **next(_metadata(rng, 1))))
        for r in range(3, rows - 1, INDUSTRIAL_STEP[0]):
            for c in range(5, cols - 1, INDUSTRIAL_STEP[1]):
                wid += 1
                n0 = r * cols + c + 1
                refs = [n0, n0 + 1, n0 + cols + 1, n0 + cols, n0]
                writer.add_way(Way(id=wid, nodes=refs, **next(_metadata(rng, 1)),
                                   tags={"landuse": "industrial", "name": f"Område {wid}"}))
        counts["ways"] = wid
    finally:
        writer.close()
    return counts


# --- child side ----------------------------------------------------------------------------

def _child(mode: str, pbf: str, store: str, bbox: list[float] | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if mode in ("baseline_count", "baseline_locations"):
        import osmium

        fp = osmium.FileProcessor(pbf)
        if mode == "baseline_locations":
            fp = fp.with_locations(store)
        n = w = rel = 0
        for obj in fp:
            if isinstance(obj, osmium.osm.Node):
                n += 1
            elif isinstance(obj, osmium.osm.Way):
                w += 1
            else:
                rel += 1
        out["objects"] = {"nodes": n, "ways": w, "relations": rel}
    elif mode == "import_only":
        import siteselect.io.importers.osm  # noqa: F401
    else:
        import warnings

        from siteselect.io.importers.osm import layers_from_osm_pbf
        from siteselect.io.read import LayerWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LayerWarning)
            layers = layers_from_osm_pbf(pbf, bbox=bbox, location_store=store)
        out["features"] = {role: len(gdf) for role, gdf in layers.items()}
    out["wall_s"] = time.perf_counter() - t0
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _status_kb(pid: int) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    found[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return found


def run_child(mode: str, pbf: Path, *, store: str = "flex_mem",
              bbox: tuple[float, ...] | None = None,
              env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; return its report + polled peaks."""
    cmd = [sys.executable, __file__, "--child", mode, "--pbf", str(pbf), "--store", store]
    if bbox is not None:
        cmd += ["--bbox", ",".join(f"{v:.6f}" for v in bbox)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                            env=None if env is None else {**os.environ, **env})
    peak_anon = peak_file = 0
    while proc.poll() is None:
        s = _status_kb(proc.pid)
        peak_anon = max(peak_anon, s.get("RssAnon", 0))
        peak_file = max(peak_file, s.get("RssFile", 0))
        time.sleep(0.05)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"child {mode} failed with exit code {proc.returncode}")
    report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    report["peak_rss_anon_mb"] = peak_anon / 1024
    report["peak_rss_file_mb"] = peak_file / 1024
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=5_000_000)
    ap.add_argument("--skip-full-disk", action="store_true",
                    help="skip the whole-extent import with the disk store")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--pbf", help=argparse.SUPPRESS)
    ap.add_argument("--store", default="flex_mem", help=argparse.SUPPRESS)
    ap.add_argument("--bbox", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        box = [float(v) for v in args.bbox.split(",")] if args.bbox else None
        sys.stdout.write(json.dumps(_child(args.child, args.pbf, args.store, box)) + "\n")
        return 0

    with tempfile.TemporaryDirectory(prefix="osm_bench_") as tmp:
        pbf = Path(tmp) / "synthetic.osm.pbf"
        t0 = time.perf_counter()
        counts = write_synthetic_pbf(pbf, nodes=args.nodes)
        gen_s = time.perf_counter() - t0
        pbf_mb = pbf.stat().st_size / 2**20
        locations_mb = counts["nodes"] * BYTES_PER_NODE_LOCATION / 2**20
        print(f"generated {counts['nodes']:,} nodes, {counts['ways']:,} ways, "
              f"{pbf_mb:.1f} MB PBF in {gen_s:.1f} s; node locations in memory: "
              f"{locations_mb:.1f} MB", flush=True)

        quarter = Path(tmp) / "quarter.osm.pbf"
        q_counts = write_synthetic_pbf(quarter, nodes=args.nodes // 4, extent=QUARTER_EXTENT)

        def disk_store(name: str) -> str:
            return f"sparse_file_array,{Path(tmp) / name}"

        runs: dict[str, dict[str, Any]] = {}
        Plan = tuple[str, str, Path, str, "tuple[float, ...] | None", "dict[str, str] | None"]
        plan: list[Plan] = [
            ("baseline_count", "baseline_count", pbf, "flex_mem", None, None),
            ("baseline_locations", "baseline_locations", pbf, "flex_mem", None, None),
            ("import_only", "import_only", pbf, "flex_mem", None, None),
            ("bbox", "import", pbf, "flex_mem", BBOX_SMALL, None),
            ("disk_store_bbox", "import", pbf, disk_store("bbox.idx"), BBOX_SMALL, None),
            ("full", "import", pbf, "flex_mem", None, None),
        ]
        if not args.skip_full_disk:
            plan.append(("disk_store_full", "import", pbf, disk_store("full.idx"), None, None))
        plan += [  # same bbox content, file 4× larger: does memory grow with the file?
            ("growth_quarter_file", "import", quarter, disk_store("q.idx"), BBOX_SMALL,
             SMALL_QUEUE),
            ("growth_whole_file", "import", pbf, disk_store("w.idx"), BBOX_SMALL, SMALL_QUEUE),
        ]
        base = 0.0
        for name, mode, path, store, bbox, env in plan:
            rep = run_child(mode, path, store=store, bbox=bbox, env=env)
            runs[name] = rep
            if name == "baseline_count":
                base = rep["ru_maxrss_mb"]
            extra = rep.get("features") or rep.get("objects") or {}
            print(f"{name:20s} {rep['wall_s']:7.1f} s  peak RSS {rep['ru_maxrss_mb']:7.1f} MB "
                  f"(anon {rep['peak_rss_anon_mb']:7.1f}, file {rep['peak_rss_file_mb']:6.1f})"
                  f"  ×PBF {rep['ru_maxrss_mb'] / pbf_mb:5.2f}"
                  f"  ×locations {rep['ru_maxrss_mb'] / locations_mb:5.2f}"
                  f"  ×baseline {rep['ru_maxrss_mb'] / base:5.2f}  {extra}", flush=True)
            for idx in Path(tmp).glob("*.idx"):
                idx.unlink()

    def r2(x: float) -> float:
        return round(float(x), 2)

    result: dict[str, Any] = {
        "nodes": counts["nodes"], "ways": counts["ways"], "pbf_mb": r2(pbf_mb),
        "generate_s": r2(gen_s),
        "node_locations_in_memory_mb": r2(locations_mb),
        "baseline_count_s": r2(runs["baseline_count"]["wall_s"]),
        "baseline_count_peak_rss_mb": r2(runs["baseline_count"]["ru_maxrss_mb"]),
        "baseline_locations_peak_rss_mb": r2(runs["baseline_locations"]["ru_maxrss_mb"]),
        "import_only_peak_rss_mb": r2(runs["import_only"]["ru_maxrss_mb"]),
        "bbox": [round(v, 3) for v in BBOX_SMALL],
    }
    for name in ("bbox", "full", "disk_store_bbox", "disk_store_full"):
        if name not in runs:
            continue
        rep = runs[name]
        result[f"{name}_import_s"] = r2(rep["wall_s"])
        result[f"{name}_peak_rss_mb"] = r2(rep["ru_maxrss_mb"])
        result[f"{name}_peak_rss_anon_mb"] = r2(rep["peak_rss_anon_mb"])
        result[f"{name}_features"] = sum(rep["features"].values())
        result[f"{name}_rss_per_pbf"] = r2(rep["ru_maxrss_mb"] / pbf_mb)
        result[f"{name}_rss_per_node_locations"] = r2(rep["ru_maxrss_mb"] / locations_mb)
        result[f"{name}_rss_per_baseline"] = r2(
            rep["ru_maxrss_mb"] / runs["baseline_count"]["ru_maxrss_mb"])
    small, whole = runs["growth_quarter_file"], runs["growth_whole_file"]
    extra_nodes_m = (counts["nodes"] - q_counts["nodes"]) / 1e6
    result.update({
        "growth_quarter_file_nodes": q_counts["nodes"],
        "growth_features_quarter_file": sum(small["features"].values()),
        "growth_features_whole_file": sum(whole["features"].values()),
        "growth_quarter_file_peak_rss_anon_mb": r2(small["peak_rss_anon_mb"]),
        "growth_whole_file_peak_rss_anon_mb": r2(whole["peak_rss_anon_mb"]),
        "disk_store_bbox_anon_mb_per_million_file_nodes": r2(
            (whole["peak_rss_anon_mb"] - small["peak_rss_anon_mb"]) / extra_nodes_m),
        "flex_mem_bbox_anon_mb_per_million_file_nodes": r2(
            (runs["bbox"]["peak_rss_anon_mb"] - runs["disk_store_bbox"]["peak_rss_anon_mb"])
            / (counts["nodes"] / 1e6)),
    })
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
