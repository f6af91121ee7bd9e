"""Fuzzy curves for the raster kernels: the parameter-row layout and float32 standardisation.

Fuzzy curves are packed per factor into one row of ``params`` (float64,
shape (n_factors, 8 + 2·MAX_BREAKS)):

=====  ==========================================================
index  meaning
=====  ==========================================================
0      shape code: 0 linear, 1 sigmoid, 2 J-shaped, 3 piecewise
1      nodata value for NaN input (NaN = exclude the cell)
2, 3   rising side  t1 = x·α1 + β1
4, 5   falling side t2 = x·α2 + β2 (α2 = 0, β2 = 1e300 if unused)
6      number of breakpoints (piecewise)
8 …    breakpoint x values, then breakpoint y values (piecewise)
=====  ==========================================================

For the analytic shapes ``t = min(t1, t2)`` is clipped to [0, 1] (J-shaped:
only to ≤ 1) and mapped by ``t`` (linear), ``sin²(π t / 2)`` (sigmoid) or
``1 / (1 + (1 − t)²)`` (J-shaped). This reproduces increasing, decreasing
and symmetric curves exactly as :mod:`siteselect.analysis.factors` defines them.

Shared by :mod:`siteselect.raster.kernels.wlc` and :mod:`siteselect.raster.kernels.owa`;
the public names are re-exported by :mod:`siteselect.raster.kernels`.
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

__all__ = ["MAX_BREAKS", "parallel_sum", "standardise_stack"]

MAX_BREAKS = 16
_NP = 8 + 2 * MAX_BREAKS
_BIG = 1e300
#: Fast-math flags without "nnan"/"ninf", so NaN checks keep working.
_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}



#: Cells per tile. A row is processed in tiles of this many cells, so the
#: per-thread buffers (accumulator, standardised values) stay in L1/L2 cache.
_TILE = 1024
#: Kernel options: no bounds checks and numpy's error model (a float division
#: by zero gives inf/NaN instead of raising), so loops carry no branches that
#: block vectorisation.
_FAST: dict[str, Any] = {"cache": True, "error_model": "numpy", "boundscheck": False}


@nb.njit(inline="always", **_FAST)
def _clip_linear(x: Any, a1: Any, b1: Any, a2: Any, b2: Any, nd: Any) -> Any:
    """Linear membership of one float32 value: clip(min(x·a1 + b1, x·a2 + b2), 0, 1), ``nd`` for NaN."""
    t1 = x * a1 + b1
    t2 = x * a2 + b2
    t = max(min(t2 if t2 < t1 else t1, np.float32(1.0)), np.float32(0.0))
    return nd if x != x else t


@intrinsic
def _sel(typingctx, cond, a, b):  # type: ignore[no-untyped-def]
    """``a if cond else b`` as one LLVM select, never a branch.

    A conditional expression becomes a branch in numba's IR; where one side
    is the value already stored, LLVM then vectorises it as a masked store,
    which is slow on AMD CPUs. A select keeps the store unconditional.
    """
    sig = a(types.boolean, a, a)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.select(args[0], args[1], args[2])

    return sig, codegen


@nb.njit(inline="always", **_FAST)
def _pick(cond: Any, a: Any, b: Any) -> Any:
    """:func:`_sel` for numba callers (``a if cond else b`` without a branch)."""
    return _sel(cond, a, b)  # type: ignore[call-arg]


def _at_least(xj: float, like: Any) -> Any:
    """Smallest value of ``like``'s type that is ≥ xj (numba only)."""
    raise NotImplementedError


@overload(_at_least)
def _at_least_impl(xj, like):  # type: ignore[no-untyped-def]
    if like == types.float32:
        def impl(xj, like):  # type: ignore[no-untyped-def]
            t = np.float32(xj)
            return np.nextafter(t, np.float32(np.inf)) if np.float64(t) < xj else t
        return impl

    def impl64(xj, like):  # type: ignore[no-untyped-def]
        return xj
    return impl64


@nb.njit(fastmath=False, **_FAST)  # explicit: numba callees otherwise inherit the caller's fast-math
def _piecewise_into(x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Breakpoint curve of a 1-D run into ``out``, bit for bit as :func:`numpy.interp` then float32.

    One pass per segment, each branch-free over the cells so it vectorises:
    cells at or beyond the segment's start take ``slope·(x − x_j) + y_j``
    (float64, numpy's slope and formula; later segments overwrite earlier
    ones); the first pass also sets the flat start, the last one the flat end
    and nodata. No fast-math here: a fused multiply-add would change the last
    bit. The tests ``x ≥ x_j`` run in the input's own type against the
    smallest value of that type ≥ x_j (the same answer as in float64, with
    8 float32 cells per AVX2 compare instead of 4).
    """
    nseg = int(p[6]) - 1
    n = x.shape[0]
    if n == 0:
        return
    lo_y = np.float32(p[8 + MAX_BREAKS])
    hi_y = np.float32(p[8 + MAX_BREAKS + nseg])
    lo_t = _at_least(p[8], x[0])
    hi_t = _at_least(p[8 + nseg], x[0])
    nd = np.float32(p[1])
    zero = np.float32(0.0)
    for j in range(nseg):
        x0 = p[8 + j]
        y0 = p[8 + MAX_BREAKS + j]
        t0 = _at_least(x0, x[0])
        slope = (p[8 + MAX_BREAKS + j + 1] - y0) / (p[8 + j + 1] - x0)
        first = j == 0
        last = j == nseg - 1
        if first and last:
            for c in range(n):
                xc = x[c]
                y = np.float32(slope * (np.float64(xc) - x0) + y0)
                y = _pick(xc >= lo_t, y, lo_y)  # NaN gets lo_y here, nd below
                y = _pick(xc >= hi_t, hi_y, y)
                out[c] = _pick(xc != xc, nd, y)
        elif first:
            for c in range(n):
                xc = x[c]
                y = np.float32(slope * (np.float64(xc) - x0) + y0)
                out[c] = _pick(xc >= lo_t, y, lo_y)
        elif last:
            for c in range(n):
                xc = x[c]
                y = np.float32(slope * (np.float64(xc) - x0) + y0)
                y = _pick(xc >= t0, y, out[c] + zero)
                y = _pick(xc >= hi_t, hi_y, y)
                out[c] = _pick(xc != xc, nd, y)
        else:
            for c in range(n):
                xc = x[c]
                y = np.float32(slope * (np.float64(xc) - x0) + y0)
                out[c] = _pick(xc >= t0, y, out[c] + zero)  # + 0: not a masked store


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _std_into(x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Standardise a 1-D run of raw values into ``out`` (float32 values).

    One branch-free loop per curve shape, so that each vectorises.
    """
    shape = int(p[0])
    nd = np.float32(p[1])
    a1 = np.float32(p[2])
    b1 = np.float32(p[3])
    two_sided = p[5] < 1e30
    a2 = np.float32(p[4]) if two_sided else np.float32(0.0)
    b2 = np.float32(p[5]) if two_sided else np.float32(2.0)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    n = x.shape[0]
    if shape == 0:
        for c in range(n):
            out[c] = _clip_linear(np.float32(x[c]), a1, b1, a2, b2, nd)
    elif shape == 1:
        # sin²(πt/2) = (1 + sin(π(t − ½)))/2; sin on [−π/2, π/2] by its Taylor
        # polynomial to degree 13 (truncation error < 6e-8, float32 level),
        # which vectorises where math.sin would not.
        pi = np.float32(math.pi)
        half = np.float32(0.5)
        c3 = np.float32(-1.0 / 6.0)
        c5 = np.float32(1.0 / 120.0)
        c7 = np.float32(-1.0 / 5040.0)
        c9 = np.float32(1.0 / 362880.0)
        c11 = np.float32(-1.0 / 39916800.0)
        c13 = np.float32(1.0 / 6227020800.0)
        for c in range(n):
            v = np.float32(x[c])
            t = _clip_linear(v, a1, b1, a2, b2, zero)
            y = pi * (t - half)
            y2 = y * y
            sn = y * (one + y2 * (c3 + y2 * (c5 + y2 * (c7 + y2 * (c9 + y2 * (c11 + y2 * c13))))))
            mu = half + half * sn
            # exact 0 and 1 at and beyond the control points (plateaus tie
            # exactly): there t is clipped to exactly 0 or 1, the membership
            mu = mu if t * (one - t) > zero else t
            out[c] = nd if v != v else mu
    elif shape == 2:
        for c in range(n):
            v = np.float32(x[c])
            t1 = v * a1 + b1
            t2 = v * a2 + b2
            t = t1 if t1 < t2 else t2
            t = t if t < one else one
            u = one - t
            out[c] = nd if v != v else one / (one + u * u)
    else:
        _piecewise_into(x, p, out)


def standardise_stack(stack: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Fuzzy-standardise every layer of a (n, rows, cols) stack to float32."""
    out = np.empty(stack.shape, dtype=np.float32)
    _standardise_kernel(stack, params, out)
    return out


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _standardise_kernel(stack: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    n, rows, cols = stack.shape
    for r in nb.prange(rows):
        for f in range(n):
            _std_into(stack[f, r], params[f], out[f, r])



@nb.njit(parallel=True, cache=True, fastmath=True)
def parallel_sum(stack: np.ndarray) -> float:
    """Read-only reduction of a (n, rows, cols) stack, rows split between threads."""
    n, rows, cols = stack.shape
    total = 0.0
    for r in nb.prange(rows):
        s = 0.0
        for f in range(n):
            for c in range(cols):
                s += stack[f, r, c]
        total += s
    return total


