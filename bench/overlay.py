"""Benchmark of the raster overlay kernels (not a test).

Usage::

    .venv/bin/python bench/overlay.py                 # county at 10 m: 8000 × 8125 cells
    .venv/bin/python bench/overlay.py --size 2000x2000 --edt-size 2000

Measured in the same run, on 2 threads; every time is the median of
``--repeat`` (at least 3) runs, so one run disturbed by another process on a
shared machine does not decide the figure:

floor
    the faster of numpy ``stack.sum()`` and a 2-thread numba read-only
    reduction of the same (8, rows, cols) float32 stack.
wlc
    fused fuzzy standardisation (linear increasing/decreasing/symmetric
    curves with nodata) + constraint mask + weighted sum into one float32
    raster (:func:`siteselect.raster.kernels.wlc_stack`), written into an output
    raster allocated and touched once before the runs (``out=``), as a
    caller re-scoring the same grid does. The kernel still writes every
    output byte and reads the mask; the floor reads only the stack, so the
    comparison does not favour the kernel. ``wlc_fresh_out`` is the same
    with a new output per call (numpy's allocation + page faults).
    ``wlc_mixed`` has sigmoid, J-shaped and piecewise curves among the 8.
owa
    the same with OWA (sorting network over the 8 values per cell);
    ``owa_fresh_out`` with a new output per call.
cpu_1thread
    the floor and the three kernels again on one numba thread, timed as
    process CPU time: less sensitive to other processes on a shared machine
    than the 2-thread wall times (on the 2-vCPU test machine, whose two
    threads share one core, the two sets of ratios agree within noise).
edt
    exact EDT of an N × N feature grid against
    ``scipy.ndimage.distance_transform_edt``; max |difference| reported.
memory
    peak resident memory above the stack while running the WLC pipeline
    (mask + output + per-thread buffers), from Linux ``VmHWM`` after
    resetting it through ``/proc/self/clear_refs``; same for the EDT
    (bytes per cell = input + output + temporaries).
rescore
    re-scoring 10,000 candidates (8 factors) after a weight change
    (:func:`siteselect.analysis.overlay.score_table` + :func:`rank_scores`).

The last line is ``RESULT {json}``. It records the machine too, since the
ratios depend on it: ``cpu_model`` and ``simd`` (vector extensions the CPU
reports), ``numba_target`` (the CPU numba compiles for, ``NUMBA_CPU_NAME`` if
set) and ``numba_vector_reg`` (the widest vector register numba emits for a
simple float32 loop: zmm = AVX-512, ymm = AVX2, xmm = SSE), and the load
average before and after the run. To measure AVX2 code on an AVX-512
machine run ``NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES= python bench/overlay.py``
(the empty feature list takes the named CPU's own; with the name alone numba
keeps the host's AVX-512 features); the RESULT then shows
``numba_vector_reg: ymm``. The memory system is still the host's.

What numba emits for AVX2 (``inspect_asm`` of the tile loops with
``NUMBA_CPU_NAME=haswell``): the WLC loop over 8 linear factors is ~88
instructions per 8 cells when their nodata is 0, as here (24 FMA, 24
min/max, the 48 per-factor constants reloaded from the stack), ~107 with
another nodata (+8 NaN compares and blends). The OWA loop (8 linear
curves, key building, the 19-comparator network and the weighted sum) is
~356 instructions per 8 cells; each comparator is one ``vcmpltps`` whose
mask drives four ``vblendvps`` (keys and weights), and 16 keys + weights
exceed the 16 ymm registers, so ~140 of them touch the stack. The int64
keys used before needed 2 registers per 8 cells and ``vpcmpgtq`` +
``vblendvpd`` per half. Two traps found on the way: a conditional
expression that keeps the stored value (``y if c else out[c]``) became a
``vmaskmovps`` store (slow on AMD) until written as an LLVM select, and a
numba callee without its own ``fastmath`` inherits the caller's, which
fused the piecewise formula into an FMA.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from siteselect.analysis.overlay import rank_scores, score_table  # noqa: E402
from siteselect.raster import kernels as K  # noqa: E402
from siteselect.raster.params import factor_params  # noqa: E402
from siteselect.scenario import FactorSpec  # noqa: E402

LINEAR = [
    {"shape": "linear", "direction": "decreasing", "points": [1, 15]},
    {"shape": "linear", "direction": "decreasing", "points": [10, 90]},
    {"shape": "linear", "direction": "decreasing", "points": [3, 30]},
    {"shape": "linear", "direction": "decreasing", "points": [3, 30]},
    {"shape": "linear", "direction": "increasing", "points": [20, 80]},
    {"shape": "linear", "direction": "increasing", "points": [20, 100]},
    {"shape": "linear", "direction": "symmetric", "points": [5, 20, 60, 90]},
    {"shape": "linear", "direction": "decreasing", "points": [0, 60]},
]
MIXED = LINEAR[:4] + [
    {"shape": "sigmoid", "direction": "increasing", "points": [20, 80]},
    {"shape": "jshaped", "direction": "decreasing", "points": [10, 50]},
    {"shape": "piecewise", "points": [[0, 0], [20, 1], [60, 0.5], [100, 0]]},
    {"shape": "linear", "direction": "decreasing", "points": [0, 60]},
]


def _specs(curves: list[dict[str, Any]]) -> np.ndarray:
    return np.stack(
        [factor_params(FactorSpec.model_validate({"measure": "port_minutes", "nodata": 0.0, "fuzzy": c})) for c in curves]
    )


def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time (s) of ``repeat`` calls of fn (at least 3), and the last result."""
    times = []
    out = None
    for _ in range(max(3, repeat)):
        out = None  # free the previous result before the next call
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def median_cpu_of(fn: Callable[[], Any], repeat: int) -> float:
    """Median process CPU time (s) of ``repeat`` calls of fn (at least 3).

    Run with one numba thread, CPU time counts only the time the process was
    on a core, so it moves less with the load other processes put on the
    machine than wall time does (the shared caches and memory bus still do).
    """
    times = []
    for _ in range(max(3, repeat)):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


_SIMD = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "neon", "asimd", "sve")


def _probe(a: np.ndarray) -> None:
    for i in range(a.shape[0]):
        a[i] = a[i] * np.float32(2.0) + np.float32(1.0)


def machine() -> dict[str, Any]:
    """CPU model, its vector extensions, and the target numba compiles for."""
    import llvmlite.binding as ll

    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, val = line.partition(":")
                info.setdefault(key.strip(), val.strip())  # first CPU's lines
    except OSError:
        pass
    model = info.get("model name") or platform.processor() or platform.machine()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    # the widest vector register numba actually uses in a simple float32 loop
    probe = numba.njit("void(float32[::1])")(_probe)
    asm = next(iter(probe.inspect_asm().values()))
    widest = next((r for r in ("zmm", "ymm", "xmm") if f"%{r}" in asm), "scalar")
    return {
        "cpu_model": model,
        "simd": [f for f in _SIMD if f in flags],
        "numba_target": numba.config.CPU_NAME or ll.get_host_cpu_name(),
        "numba_vector_reg": widest,
    }


def _status(key: str) -> int:
    """Value of a /proc/self/status memory line, bytes (0 if unavailable)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def measure_peak(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak RSS growth (bytes) while running fn, relative to the RSS before."""
    base = _status("VmRSS")
    if not _reset_peak():
        raise RuntimeError("cannot reset VmHWM (needs Linux /proc/self/clear_refs)")
    out = fn()
    return _status("VmHWM") - base, out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="8000x8125", help="rows x cols of the factor grid (default county at 10 m)")
    ap.add_argument("--edt-size", type=int, default=8000, help="side of the square EDT test grid")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure, median reported (at least 3)")
    ap.add_argument("--skip-scipy", action="store_true", help="do not run the scipy EDT reference")
    args = ap.parse_args(argv)
    rows, cols = (int(v) for v in args.size.lower().split("x"))
    numba.set_num_threads(args.threads)
    cells = rows * cols
    n = 8
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    load0 = os.getloadavg()[0]
    mach = machine()
    log(f"{mach['cpu_model']}; SIMD {' '.join(mach['simd'])}; numba target {mach['numba_target']} "
        f"({mach['numba_vector_reg']} registers); load {load0:.2f}")

    # ---------------------------------------------------------------- data
    rng = np.random.default_rng(42)
    stack = np.empty((n, rows, cols), dtype=np.float32)
    for f in range(n):
        rng.random(out=stack[f], dtype=np.float32)
        stack[f] *= 100.0
    stack[0, ::97, ::89] = np.nan  # a few unreachable cells
    weights = np.array([3, 1, 1, 1, 2, 1, 2, 1], dtype=np.float64)
    weights /= weights.sum()
    order_w = np.array([0.05, 0.05, 0.1, 0.1, 0.15, 0.15, 0.2, 0.2])
    p_lin, p_mix = _specs(LINEAR), _specs(MIXED)
    net = K.sorting_network(n)
    log(f"grid {rows} x {cols} = {cells:,} cells; stack {stack.nbytes / 1e9:.2f} GB; {args.threads} threads")

    def make_mask() -> np.ndarray:
        m = np.zeros((rows, cols), dtype=np.uint8)
        m[: rows // 10] = 1
        m[:, : cols // 20] = 1
        return m

    # warm-up (JIT compile) on a small slice
    small = np.ascontiguousarray(stack[:, :64, :64])
    sm = np.zeros((64, 64), np.uint8)
    K.parallel_sum(small)
    K.wlc_stack(small, p_lin, weights, sm)
    K.wlc_stack(small, p_mix, weights, sm)
    K.owa_stack(small, p_lin, weights, order_w, sm, net)

    # ---------------------------------------------------------------- floor
    t_np, _ = median_of(lambda: stack.sum(), args.repeat)
    t_nb, _ = median_of(lambda: K.parallel_sum(stack), args.repeat)
    floor = min(t_np, t_nb)
    log(f"floor: numpy sum {t_np:.3f} s, numba 2-thread sum {t_nb:.3f} s -> {floor:.3f} s")

    # ---------------------------------------------------------------- WLC + memory
    extra, (mask, out) = measure_peak(lambda: (lambda m: (m, K.wlc_stack(stack, p_lin, weights, m)))(make_mask()))
    peak_over_stack = (stack.nbytes + extra) / stack.nbytes
    del out
    # the kernels write into one output raster allocated and touched once, as
    # a caller re-scoring the same grid does; the fresh-output figures below
    # add numpy's allocation and the kernel's page faults on it
    buf = np.zeros((rows, cols), dtype=np.float32)
    t_wlc, _ = median_of(lambda: K.wlc_stack(stack, p_lin, weights, mask, out=buf), args.repeat)
    t_mix, _ = median_of(lambda: K.wlc_stack(stack, p_mix, weights, mask, out=buf), args.repeat)
    t_wlc_fresh, out = median_of(lambda: K.wlc_stack(stack, p_lin, weights, mask), args.repeat)
    del out
    log(f"wlc {t_wlc:.3f} s = {t_wlc / floor:.2f}x floor (mixed curves {t_mix:.3f} s = {t_mix / floor:.2f}x; "
        f"fresh output {t_wlc_fresh / floor:.2f}x); peak {peak_over_stack:.3f}x stack (+{extra / 1e6:.0f} MB)")

    # ---------------------------------------------------------------- OWA
    t_owa, _ = median_of(lambda: K.owa_stack(stack, p_lin, weights, order_w, mask, net, out=buf), args.repeat)
    t_owa_fresh, out = median_of(lambda: K.owa_stack(stack, p_lin, weights, order_w, mask, net), args.repeat)
    del out
    log(f"owa {t_owa:.3f} s = {t_owa / floor:.2f}x floor (fresh output {t_owa_fresh / floor:.2f}x)")

    # ---------------------------------------------------------------- one thread, CPU time
    numba.set_num_threads(1)
    c_floor = min(median_cpu_of(lambda: stack.sum(), args.repeat), median_cpu_of(lambda: K.parallel_sum(stack), args.repeat))
    c_wlc = median_cpu_of(lambda: K.wlc_stack(stack, p_lin, weights, mask, out=buf), args.repeat)
    c_mix = median_cpu_of(lambda: K.wlc_stack(stack, p_mix, weights, mask, out=buf), args.repeat)
    c_owa = median_cpu_of(lambda: K.owa_stack(stack, p_lin, weights, order_w, mask, net, out=buf), args.repeat)
    numba.set_num_threads(args.threads)
    cpu1 = {"floor_s": round(c_floor, 4), "wlc_over_floor": round(c_wlc / c_floor, 3),
            "wlc_mixed_over_floor": round(c_mix / c_floor, 3), "owa_over_floor": round(c_owa / c_floor, 3)}
    log(f"one thread, CPU time: floor {c_floor:.3f} s; wlc {c_wlc / c_floor:.2f}x, mixed {c_mix / c_floor:.2f}x, "
        f"owa {c_owa / c_floor:.2f}x")
    del stack, mask, buf

    # ---------------------------------------------------------------- EDT
    e = args.edt_size
    feat = np.zeros((e, e), dtype=np.uint8)
    k = max(1, e * e // 20000)
    feat[rng.integers(0, e, k), rng.integers(0, e, k)] = 1
    feat[e // 3, :] = 1  # a road across
    small_f = np.ascontiguousarray(feat[:64, :64])
    K.edt_inplace(small_f, np.empty((64, 64), np.float32))
    edt_extra, _ = measure_peak(lambda: K.edt_inplace(feat, np.empty((e, e), np.float32), cell_m=10.0))
    edt_bpc = (edt_extra + feat.nbytes) / (e * e)
    t_edt, dist = median_of(lambda: K.edt_inplace(feat, np.empty((e, e), np.float32), cell_m=10.0), args.repeat)
    log(f"edt own {t_edt:.3f} s; {edt_bpc:.2f} bytes/cell")
    speedup = None
    if not args.skip_scipy:
        from scipy import ndimage

        inv = feat == 0
        t0 = time.perf_counter()
        ref = ndimage.distance_transform_edt(inv, sampling=10.0)
        t_sp = time.perf_counter() - t0
        del inv
        maxdiff = float(np.max(np.abs(dist - ref) / np.maximum(ref, 1.0)))
        speedup = t_sp / t_edt
        log(f"edt scipy {t_sp:.3f} s -> speedup {speedup:.1f}x; max relative difference {maxdiff:.2e}")
        del ref
    del dist, feat

    # ---------------------------------------------------------------- rescore
    std = pd.DataFrame(rng.random((10_000, n)), columns=[f"f{i}" for i in range(n)])
    w2 = {f"f{i}": float(x) for i, x in enumerate(rng.dirichlet(np.ones(n)))}
    score_table(std, w2)
    t_rs, _ = median_of(lambda: rank_scores(score_table(std, w2)["score"]), 5)
    log(f"rescore 10k candidates {t_rs * 1000:.1f} ms")

    result = {
        **mach,
        "floor_s": round(floor, 4),
        "wlc_s": round(t_wlc, 4),
        "wlc_over_floor": round(t_wlc / floor, 3),
        "wlc_mixed_over_floor": round(t_mix / floor, 3),
        "owa_over_floor": round(t_owa / floor, 3),
        "wlc_fresh_out_over_floor": round(t_wlc_fresh / floor, 3),
        "owa_fresh_out_over_floor": round(t_owa_fresh / floor, 3),
        "cpu_1thread": cpu1,
        "edt_speedup_vs_scipy": None if speedup is None else round(speedup, 2),
        "edt_bytes_per_cell": round(edt_bpc, 2),
        "peak_mem_over_stack": round(peak_over_stack, 3),
        "rescore_10k_ms": round(t_rs * 1000, 2),
        "cells": cells,
        "edt_cells": e * e,
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "repeat": max(3, args.repeat),
        "load_avg_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }
    print("RESULT " + json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
