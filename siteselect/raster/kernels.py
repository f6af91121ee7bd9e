"""Numba kernels for raster mode: fused fuzzy + weighted overlay, OWA, exact EDT.

The reference implementations are the numpy functions in
:mod:`siteselect.analysis.factors` and :mod:`siteselect.analysis.overlay` and
``scipy.ndimage.distance_transform_edt``; the tests check these kernels
against them on random inputs.

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
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from siteselect.scenario import FactorSpec

__all__ = [
    "MAX_BREAKS",
    "edt_inplace",
    "fuzzy_params",
    "owa_stack",
    "parallel_sum",
    "standardise_stack",
    "wlc_stack",
]

MAX_BREAKS = 16
_NP = 8 + 2 * MAX_BREAKS
_BIG = 1e300
#: Fast-math flags without "nnan"/"ninf", so NaN checks keep working.
_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}


@intrinsic
def _f32_bits(typingctx, x):  # type: ignore[no-untyped-def]
    """Bit pattern of a float32 as int32 (an LLVM bitcast, no memory round trip)."""
    sig = types.int32(types.float32)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.IntType(32))

    return sig, codegen


@intrinsic
def _bits_f32(typingctx, x):  # type: ignore[no-untyped-def]
    """float32 whose bit pattern is the given int32."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


def fuzzy_params(spec: FactorSpec) -> np.ndarray:
    """Pack a numeric factor's fuzzy curve and nodata into a parameter row."""
    p = np.zeros(_NP, dtype=np.float64)
    f = spec.fuzzy
    if f is None:
        raise ValueError("raster kernels take numeric (fuzzy) factors only")
    nodata = spec.nodata
    p[1] = np.nan if nodata is None or nodata == "exclude" else float(nodata)
    p[4], p[5] = 0.0, _BIG
    if f.shape == "piecewise":
        pts = np.asarray(f.points, dtype=float)
        if len(pts) > MAX_BREAKS:
            raise ValueError(f"piecewise curves may have at most {MAX_BREAKS} breakpoints in raster mode")
        p[0] = 3
        p[6] = len(pts)
        p[8 : 8 + len(pts)] = pts[:, 0]
        p[8 + MAX_BREAKS : 8 + MAX_BREAKS + len(pts)] = pts[:, 1]
        return p
    p[0] = {"linear": 0, "sigmoid": 1, "jshaped": 2}[f.shape]
    vals = [float(x) for x in f.points]  # type: ignore[arg-type]
    if f.direction == "increasing":
        a, b = vals
        p[2], p[3] = 1.0 / (b - a), -a / (b - a)
    elif f.direction == "decreasing":
        a, b = vals
        p[2], p[3] = -1.0 / (b - a), b / (b - a)
    else:
        a, b, c, d = vals
        p[2], p[3] = 1.0 / (b - a), -a / (b - a)
        p[4], p[5] = -1.0 / (d - c), d / (d - c)
    return p


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


@nb.njit(**_FAST)
def _piecewise_into(x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Breakpoint curve of a 1-D run into ``out``, bit for bit as :func:`numpy.interp` then float32.

    One pass per segment, each branch-free over the cells so it vectorises:
    cells at or beyond the segment's start take ``slope·(x − x_j) + y_j``
    (float64, numpy's slope and formula; later segments overwrite earlier
    ones); the first pass also sets the flat start, the last one the flat end
    and nodata. No fast-math here: a fused multiply-add would change the last
    bit.
    """
    nseg = int(p[6]) - 1
    n = x.shape[0]
    lo_x = p[8]
    lo_y = np.float32(p[8 + MAX_BREAKS])
    hi_x = p[8 + nseg]
    hi_y = np.float32(p[8 + MAX_BREAKS + nseg])
    nd = np.float32(p[1])
    for j in range(nseg):
        x0 = p[8 + j]
        y0 = p[8 + MAX_BREAKS + j]
        slope = (p[8 + MAX_BREAKS + j + 1] - y0) / (p[8 + j + 1] - x0)
        first = j == 0
        last = j == nseg - 1
        if first and last:
            for c in range(n):
                v = np.float64(x[c])
                y = np.float32(slope * (v - x0) + y0)
                y = lo_y if v < lo_x else y
                y = hi_y if v >= hi_x else y
                out[c] = nd if v != v else y
        elif first:
            for c in range(n):
                v = np.float64(x[c])
                y = np.float32(slope * (v - x0) + y0)
                out[c] = lo_y if v < lo_x else y
        elif last:
            for c in range(n):
                v = np.float64(x[c])
                y = np.float32(slope * (v - x0) + y0)
                o = out[c]
                y = y if v >= x0 else o
                y = hi_y if v >= hi_x else y
                out[c] = nd if v != v else y
        else:
            for c in range(n):
                v = np.float64(x[c])
                y = np.float32(slope * (v - x0) + y0)
                o = out[c]
                out[c] = y if v >= x0 else o


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
            t1 = v * a1 + b1
            t2 = v * a2 + b2
            t = t1 if t1 < t2 else t2
            t = t if t > zero else zero
            t = t if t < one else one
            y = pi * (t - half)
            y2 = y * y
            sn = y * (one + y2 * (c3 + y2 * (c5 + y2 * (c7 + y2 * (c9 + y2 * (c11 + y2 * c13))))))
            mu = half + half * sn
            # exact 0 and 1 at and beyond the control points (plateaus tie exactly)
            mu = zero if t <= zero else mu
            mu = one if t >= one else mu
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


def wlc_stack(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Fused fuzzy standardisation + constraint mask + weighted sum.

    Parameters
    ----------
    stack
        (n, rows, cols) raw factor values (float32 or float64), C-contiguous.
    params
        (n, _NP) packed curves from :func:`fuzzy_params`.
    weights
        (n,) weights summing to 1.
    mask
        (rows, cols) uint8/bool, nonzero = excluded (output NaN); a (0, 0)
        array means no mask.

    out
        Optional (rows, cols) float32 array to write into.

    Returns
    -------
    numpy.ndarray
        (rows, cols) float32 suitability, NaN where masked or where a factor
        with ``nodata: exclude`` had no value.

    Notes
    -----
    Rows are split between threads and each row is cut into tiles of
    ``_TILE`` cells. Factors are summed eight at a time (four if n ≤ 4) in
    one loop over the tile's cells (eight input streams, the memberships and
    the partial sum in registers), so for n ≤ 8 the only per-factor memory
    traffic is reading the input once; linear curves are evaluated inside that loop, other curves
    are first standardised into a per-thread tile buffer by their own
    vectorised loop. NaN input takes the factor's nodata value inside the
    loop (no scalar second pass). The output is allocated by numpy, which
    asks Linux for huge pages; first-touch page faults on a numba-allocated
    output cost about half a floor otherwise.
    """
    if out is None:
        out = np.empty(stack.shape[1:], dtype=np.float32)
    _wlc_kernel(stack, params, weights, mask, out, nb.get_num_threads())
    return out


@nb.njit(**_FAST)
def _slot_coefs(params: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per factor (a1, b1, a2, b2, nodata, weight) in float32 for :func:`_clip_linear`.

    Non-linear factors, already standardised, get the identity (1, 0, 0, 1,
    NaN); rows beyond n (padding to a whole group of 4 or 8 slots) are all
    zero, which adds exactly 0.
    """
    n = params.shape[0]
    g = _group_size(n)
    cf = np.zeros(((n + g - 1) // g * g, 6), dtype=np.float32)
    for f in range(n):
        p = params[f]
        if int(p[0]) == 0:
            cf[f, 0] = p[2]
            cf[f, 1] = p[3]
            cf[f, 2] = p[4] if p[5] < 1e30 else 0.0
            cf[f, 3] = p[5] if p[5] < 1e30 else 2.0
            cf[f, 4] = p[1]
        else:
            cf[f, 0] = 1.0
            cf[f, 3] = 1.0
            cf[f, 4] = np.nan
        cf[f, 5] = weights[f]
    return cf


@nb.njit(inline="always", **_FAST)
def _slot(cf: np.ndarray, f: int) -> tuple[float, float, float, float, float, float]:
    return (cf[f, 0], cf[f, 1], cf[f, 2], cf[f, 3], cf[f, 4], cf[f, 5])


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _term(x: float, k: tuple[float, float, float, float, float, float]) -> float:
    return k[5] * _clip_linear(np.float32(x), k[0], k[1], k[2], k[3], k[4])


@nb.njit(fastmath=_FM, **_FAST)
def _sum4(
    x0: np.ndarray, x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, cf: np.ndarray, f0: int,
    acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int,
) -> None:
    """Add four factors' weighted memberships over a tile in one loop.

    ``mode`` 0: into ``acc``; 1: ``acc`` + the four into ``out``, NaN where
    ``mask``; 2: the same without a mask. Separate loops so that each one is
    branch-free (a conditional load of the mask would block vectorisation).
    """
    k0 = _slot(cf, f0)
    k1 = _slot(cf, f0 + 1)
    k2 = _slot(cf, f0 + 2)
    k3 = _slot(cf, f0 + 3)
    nc = acc.shape[0]
    nan = np.float32(np.nan)
    if mode == 0:
        for c in range(nc):
            acc[c] = acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)
    elif mode == 1:
        for c in range(nc):
            s = acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)


@nb.njit(fastmath=_FM, **_FAST)
def _sum8(
    x0: np.ndarray, x1: np.ndarray, x2: np.ndarray, x3: np.ndarray,
    x4: np.ndarray, x5: np.ndarray, x6: np.ndarray, x7: np.ndarray, cf: np.ndarray, f0: int,
    acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int,
) -> None:
    """:func:`_sum4` for eight factors: eight input streams, no accumulator traffic for n ≤ 8."""
    k0, k1, k2, k3 = _slot(cf, f0), _slot(cf, f0 + 1), _slot(cf, f0 + 2), _slot(cf, f0 + 3)
    k4, k5, k6, k7 = _slot(cf, f0 + 4), _slot(cf, f0 + 5), _slot(cf, f0 + 6), _slot(cf, f0 + 7)
    nc = acc.shape[0]
    nan = np.float32(np.nan)
    if mode == 0:
        for c in range(nc):
            acc[c] = (acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)
                      + _term(x4[c], k4) + _term(x5[c], k5) + _term(x6[c], k6) + _term(x7[c], k7))
    elif mode == 1:
        for c in range(nc):
            s = (acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)
                 + _term(x4[c], k4) + _term(x5[c], k5) + _term(x6[c], k6) + _term(x7[c], k7))
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = (acc[c] + _term(x0[c], k0) + _term(x1[c], k1) + _term(x2[c], k2) + _term(x3[c], k3)
                      + _term(x4[c], k4) + _term(x5[c], k5) + _term(x6[c], k6) + _term(x7[c], k7))


@nb.njit(inline="always", **_FAST)
def _group_size(n: int) -> int:
    """Factors summed per loop: 4 for n ≤ 4, else 8 (padding slots cost arithmetic, not memory)."""
    return 4 if n <= 4 else 8


@nb.njit(inline="always", **_FAST)
def _source(stack: np.ndarray, zb: np.ndarray, params: np.ndarray, f: int, r: int, c0: int, c1: int) -> np.ndarray:
    """Row run that factor slot f reads: raw input (linear), its standardised tile, or the zero row."""
    n = params.shape[0]
    if f < n and int(params[f, 0]) == 0:
        return stack[f, r, c0:c1]
    return zb[min(f, n), : c1 - c0]


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _wlc_kernel(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, mask: np.ndarray, out: np.ndarray, nth: int
) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    cf = _slot_coefs(params, weights)
    gs = _group_size(n)
    ngroups = cf.shape[0] // gs
    for t in nb.prange(nth):
        # per thread: standardised tiles of the non-linear factors, a zero row
        # (index n) for padding slots, and the tile accumulator
        zb = np.zeros((n + 1, _TILE), dtype=stack.dtype)
        acc = np.empty(_TILE, dtype=np.float32)
        for r in range(rows * t // nth, rows * (t + 1) // nth):
            for c0 in range(0, cols, _TILE):
                c1 = min(cols, c0 + _TILE)
                nc = c1 - c0
                for f in range(n):
                    if int(params[f, 0]) != 0:
                        _std_into(stack[f, r, c0:c1], params[f], zb[f, :nc])
                a = acc[:nc]
                a[:] = 0.0
                o = out[r, c0:c1]
                m = mask[r, c0:c1] if has_mask else mask[0, :0]
                for g in range(ngroups):
                    f0 = gs * g
                    mode = 0 if g < ngroups - 1 else (1 if has_mask else 2)
                    if gs == 4:
                        _sum4(
                            _source(stack, zb, params, f0, r, c0, c1), _source(stack, zb, params, f0 + 1, r, c0, c1),
                            _source(stack, zb, params, f0 + 2, r, c0, c1), _source(stack, zb, params, f0 + 3, r, c0, c1),
                            cf, f0, a, o, m, mode,
                        )
                    else:
                        _sum8(
                            _source(stack, zb, params, f0, r, c0, c1), _source(stack, zb, params, f0 + 1, r, c0, c1),
                            _source(stack, zb, params, f0 + 2, r, c0, c1), _source(stack, zb, params, f0 + 3, r, c0, c1),
                            _source(stack, zb, params, f0 + 4, r, c0, c1), _source(stack, zb, params, f0 + 5, r, c0, c1),
                            _source(stack, zb, params, f0 + 6, r, c0, c1), _source(stack, zb, params, f0 + 7, r, c0, c1),
                            cf, f0, a, o, m, mode,
                        )


# Optimal 19-comparator sorting network for 8 inputs (Knuth, TAOCP 5.3.4).
_NET8 = np.array(
    [(0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7), (0, 1), (2, 3),
     (4, 5), (6, 7), (2, 4), (3, 5), (1, 4), (3, 6), (1, 2), (3, 4), (5, 6)],
    dtype=np.int64,
)


def owa_stack(
    stack: np.ndarray,
    params: np.ndarray,
    weights: np.ndarray,
    order_weights: np.ndarray,
    mask: np.ndarray,
    network: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Fused fuzzy standardisation + OWA (criterion and order weights) per cell.

    Per cell the n standardised values are sorted in descending order, ties
    by factor position, as in :func:`siteselect.analysis.overlay.score_table`, and
    ``score = Σ u·v·z / Σ u·v``. NaN (``nodata: exclude``) gives NaN.

    Notes
    -----
    Sorting is branch-free. Each value z ∈ [0, 1] is packed with its factor
    into one int64 key ``bits(z) << 33 | tag << 30 | bits(u)`` where
    ``tag = n − 1 − f`` and u ∈ (0, 1] is the factor's weight (float32 bit
    patterns of non-negative numbers order like integers and fit 30 bits).
    Descending keys are descending z, ties by ascending factor position, and
    the weight travels with the value, so no lookup is needed afterwards.

    For n ≤ 8 the factors are padded to 8 with key 0 (below every real key,
    so it sorts last, and it adds exactly 0) and the optimal 19-comparator
    network for 8 inputs is written out in the cell loop: the eight keys stay
    in registers, each comparator is an integer max/min, and the loop over a
    tile's cells vectorises. ``network`` is then not needed (a sorting
    network gives the same unique order). For 8 < n ≤ 16 the comparator
    ``network`` is applied as integer max/min over tiles of cells held in
    memory, the key holds only the tag and the weight is looked up.
    """
    if out is None:
        out = np.empty(stack.shape[1:], dtype=np.float32)
    if stack.shape[0] <= 8:
        _owa8_kernel(stack, params, weights, order_weights, mask, out, nb.get_num_threads())
    else:
        _owa_kernel(stack, params, weights, order_weights, mask, network, out)
    return out


@nb.njit(inline="always", **_FAST)
def _key(z: Any, pay: Any) -> Any:
    """Sort key of a standardised value: its bits (sign cleared, so −0 is 0) above the payload."""
    return (np.int64(_f32_bits(z) & np.int32(0x7FFFFFFF)) << 33) | pay


@nb.njit(inline="always", **_FAST)
def _cx(a: int, b: int) -> tuple[int, int]:
    """Comparator: (larger, smaller)."""
    return (a if a > b else b, b if a > b else a)


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _uvz(k: int, vk: float, num: float, den: float) -> tuple[float, float]:
    """Add the ranked value of key k with order weight vk: num + u·vk·z, den + u·vk."""
    uv = _bits_f32(np.int32(k & 0x3FFFFFFF)) * vk
    return num + uv * _bits_f32(np.int32(k >> 33)), den + uv


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _owa8_cell(
    k0: int, k1: int, k2: int, k3: int, k4: int, k5: int, k6: int, k7: int,
    v: tuple[float, float, float, float, float, float, float, float],
) -> Any:
    """OWA score of one cell from its eight keys (the network of ``_NET8``, then Σ u·v·z / Σ u·v)."""
    k0, k2 = _cx(k0, k2)
    k1, k3 = _cx(k1, k3)
    k4, k6 = _cx(k4, k6)
    k5, k7 = _cx(k5, k7)
    k0, k4 = _cx(k0, k4)
    k1, k5 = _cx(k1, k5)
    k2, k6 = _cx(k2, k6)
    k3, k7 = _cx(k3, k7)
    k0, k1 = _cx(k0, k1)
    k2, k3 = _cx(k2, k3)
    k4, k5 = _cx(k4, k5)
    k6, k7 = _cx(k6, k7)
    k2, k4 = _cx(k2, k4)
    k3, k5 = _cx(k3, k5)
    k1, k4 = _cx(k1, k4)
    k3, k6 = _cx(k3, k6)
    k1, k2 = _cx(k1, k2)
    k3, k4 = _cx(k3, k4)
    k5, k6 = _cx(k5, k6)
    num, den = _uvz(k0, v[0], np.float32(0.0), np.float32(0.0))
    num, den = _uvz(k1, v[1], num, den)
    num, den = _uvz(k2, v[2], num, den)
    num, den = _uvz(k3, v[3], num, den)
    num, den = _uvz(k4, v[4], num, den)
    num, den = _uvz(k5, v[5], num, den)
    num, den = _uvz(k6, v[6], num, den)
    num, den = _uvz(k7, v[7], num, den)
    # a NaN's bits reach the sign bit of its key, so it sorts last; den > 0 for valid weights
    return np.float32(np.nan) if k7 < 0 or not den > 0 else num / den


@nb.njit(fastmath=_FM, **_FAST)
def _owa8_tile(
    zb: np.ndarray, pay: np.ndarray, v: tuple[float, float, float, float, float, float, float, float],
    mask: np.ndarray, out: np.ndarray,
) -> None:
    """OWA scores of one tile from its eight standardised rows ``zb`` (padding rows 0) into ``out``."""
    p0, p1, p2, p3, p4, p5, p6, p7 = pay[0], pay[1], pay[2], pay[3], pay[4], pay[5], pay[6], pay[7]
    z0, z1, z2, z3, z4, z5, z6, z7 = zb[0], zb[1], zb[2], zb[3], zb[4], zb[5], zb[6], zb[7]
    nan = np.float32(np.nan)
    nc = out.shape[0]
    if mask.shape[0] == nc:
        for c in range(nc):
            s = _owa8_cell(
                _key(z0[c], p0), _key(z1[c], p1), _key(z2[c], p2), _key(z3[c], p3),
                _key(z4[c], p4), _key(z5[c], p5), _key(z6[c], p6), _key(z7[c], p7), v,
            )
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = _owa8_cell(
                _key(z0[c], p0), _key(z1[c], p1), _key(z2[c], p2), _key(z3[c], p3),
                _key(z4[c], p4), _key(z5[c], p5), _key(z6[c], p6), _key(z7[c], p7), v,
            )


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _owa8_kernel(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, order_weights: np.ndarray, mask: np.ndarray,
    out: np.ndarray, nth: int,
) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    pay = np.zeros(8, dtype=np.int64)
    vw = np.zeros(8, dtype=np.float32)
    for f in range(n):
        pay[f] = (np.int64(n - 1 - f) << 30) | np.int64(_f32_bits(np.float32(weights[f])))
        vw[f] = order_weights[f]
    v = (vw[0], vw[1], vw[2], vw[3], vw[4], vw[5], vw[6], vw[7])
    for t in nb.prange(nth):
        zb = np.zeros((8, _TILE), dtype=np.float32)  # rows ≥ n stay 0: padding
        for r in range(rows * t // nth, rows * (t + 1) // nth):
            for c0 in range(0, cols, _TILE):
                c1 = min(cols, c0 + _TILE)
                nc = c1 - c0
                for f in range(n):
                    _std_into(stack[f, r, c0:c1], params[f], zb[f, :nc])
                _owa8_tile(zb, pay, v, mask[r, c0:c1] if has_mask else mask[0, :0], out[r, c0:c1])


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _owa_kernel(
    stack: np.ndarray,
    params: np.ndarray,
    weights: np.ndarray,
    order_weights: np.ndarray,
    mask: np.ndarray,
    network: np.ndarray,
    out: np.ndarray,
) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    m = network.shape[0]
    u32 = np.zeros(16, dtype=np.float32)
    for f in range(n):
        u32[n - 1 - f] = weights[f]
    v32 = order_weights.astype(np.float32)
    blk = 512
    nblk = (cols + blk - 1) // blk
    for r in nb.prange(rows):
        zb = np.empty(blk, dtype=np.float32)
        keys = np.empty((n, blk), dtype=np.int64)
        num = np.empty(blk, dtype=np.float32)
        den = np.empty(blk, dtype=np.float32)
        for b in range(nblk):
            c0 = b * blk
            c1 = min(cols, c0 + blk)
            nc = c1 - c0
            for f in range(n):
                _std_into(stack[f, r, c0:c1], params[f], zb)
                for c in range(nc):
                    keys[f, c] = (_key(zb[c], np.int64(0)) >> 29) | np.int64(n - 1 - f)
            for k in range(m):
                i = network[k, 0]
                j = network[k, 1]
                for c in range(nc):
                    a = keys[i, c]
                    bb = keys[j, c]
                    keys[i, c] = a if a > bb else bb
                    keys[j, c] = bb if a > bb else a
            for c in range(nc):
                num[c] = 0.0
                den[c] = 0.0
            for k in range(n):
                vk = v32[k]
                for c in range(nc):
                    kk = keys[k, c]
                    uv = u32[kk & 15] * vk
                    num[c] += uv * _bits_f32(np.int32(kk >> 4))
                    den[c] += uv
            for c in range(nc):
                bad = (keys[0, c] >> 4) > 0x7F800000  # NaN sorts first
                if bad or (has_mask and mask[r, c0 + c]) or not den[c] > 0:
                    out[r, c0 + c] = np.nan
                else:
                    out[r, c0 + c] = num[c] / den[c]


def sorting_network(n: int) -> np.ndarray:
    """Comparator pairs sorting n values: the optimal network for n = 8, else odd–even transposition."""
    if n == 8:
        return _NET8.copy()
    pairs = [(i, i + 1) for rnd in range(n) for i in range(rnd % 2, n - 1, 2)]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


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


# --------------------------------------------------------------------------- EDT

@nb.njit(parallel=True, cache=True)
def _edt_columns(features: np.ndarray, out: np.ndarray, block: int) -> None:
    """Per column, distance (in cells) to the nearest feature cell in that column.

    Written into ``out`` (float32, exact: ≤ rows); no feature → ``inf``.
    Two row sweeps over blocks of columns so memory is read row by row.
    """
    rows, cols = features.shape
    nblocks = (cols + block - 1) // block
    inf = np.float32(np.inf)
    for bi in nb.prange(nblocks):
        c0 = bi * block
        c1 = min(cols, c0 + block)
        for c in range(c0, c1):
            out[0, c] = 0.0 if features[0, c] else inf
        for r in range(1, rows):
            for c in range(c0, c1):
                out[r, c] = 0.0 if features[r, c] else out[r - 1, c] + 1.0
        for r in range(rows - 2, -1, -1):
            for c in range(c0, c1):
                d = out[r + 1, c] + 1.0
                if d < out[r, c]:
                    out[r, c] = d


@nb.njit(parallel=True, cache=True)
def _edt_rows(out: np.ndarray, cell_m: float) -> None:
    """Felzenszwalb–Huttenlocher lower envelope of parabolas along each row.

    ``out`` holds column distances g (cells) and is overwritten with the
    Euclidean distance in metres. Per-thread buffers are O(cols).
    """
    rows, cols = out.shape
    for r in nb.prange(rows):
        f = np.empty(cols, dtype=np.float64)
        v = np.empty(cols, dtype=np.int64)
        z = np.empty(cols + 1, dtype=np.float64)
        nfin = 0
        for q in range(cols):
            g = out[r, q]
            if g == np.inf:
                f[q] = np.inf
            else:
                f[q] = float(g) * float(g)
                nfin += 1
        if nfin == 0:
            continue  # stays inf: no feature in the whole grid reaches this row
        # lower envelope over finite parabolas only
        k = -1
        for q in range(cols):
            if f[q] == np.inf:
                continue
            if k < 0:
                k = 0
                v[0] = q
                z[0] = -np.inf
                z[1] = np.inf
                continue
            s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2.0 * (q - v[k]))
            while s <= z[k]:
                k -= 1
                s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2.0 * (q - v[k]))
            k += 1
            v[k] = q
            z[k] = s
            z[k + 1] = np.inf
        k = 0
        for q in range(cols):
            while z[k + 1] < q:
                k += 1
            dq = q - v[k]
            out[r, q] = math.sqrt(dq * dq + f[v[k]]) * cell_m


def edt_inplace(features: np.ndarray, out: np.ndarray, *, cell_m: float = 1.0, block: int = 256) -> np.ndarray:
    """Exact Euclidean distance (metres) from every cell to the nearest feature cell.

    Parameters
    ----------
    features
        (rows, cols) bool/uint8, nonzero = feature.
    out
        (rows, cols) float32 array to fill (may be uninitialised).
    cell_m
        Cell size in metres (square cells).

    Returns
    -------
    numpy.ndarray
        ``out``; ``inf`` everywhere when there is no feature.

    Notes
    -----
    Working memory is the 1-byte input and the 4-byte output plus O(cols)
    per thread: 5 bytes per cell. Column distances are integers ≤ rows and
    are held exactly in float32; squared distances are formed in float64.
    """
    _edt_columns(features, out, block)
    _edt_rows(out, float(cell_m))
    return out
