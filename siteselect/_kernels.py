"""Numba kernels for raster mode: fused fuzzy + weighted overlay, OWA, exact EDT.

The reference implementations are the numpy functions in
:mod:`siteselect.factors` and :mod:`siteselect.overlay` and
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
and symmetric curves exactly as :mod:`siteselect.factors` defines them.
"""

from __future__ import annotations

import math

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


@nb.njit(inline="always", cache=True)
def _fuzzy(x: float, p: np.ndarray) -> float:
    if x != x:
        return p[1]
    shape = int(p[0])
    if shape == 3:
        n = int(p[6])
        if x <= p[8]:
            return p[8 + MAX_BREAKS]
        if x >= p[8 + n - 1]:
            return p[8 + MAX_BREAKS + n - 1]
        k = 1
        while p[8 + k] < x:
            k += 1
        x0 = p[8 + k - 1]
        x1 = p[8 + k]
        y0 = p[8 + MAX_BREAKS + k - 1]
        y1 = p[8 + MAX_BREAKS + k]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    t = min(x * p[2] + p[3], x * p[4] + p[5])
    if t > 1.0:
        t = 1.0
    if shape == 2:
        u = 1.0 - t
        return 1.0 / (1.0 + u * u)
    if t < 0.0:
        t = 0.0
    if shape == 1:
        s = math.sin(t * (math.pi / 2.0))
        return s * s
    return t


@nb.njit(inline="always", cache=True, fastmath=_FM)
def _std_into(x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """Standardise a 1-D run of raw values into ``out`` (float32).

    One loop per curve shape so that each loop is branch-free and can be
    vectorised; piecewise curves use the scalar :func:`_fuzzy`.
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
            v = np.float32(x[c])
            t1 = v * a1 + b1
            t2 = v * a2 + b2
            t = t1 if t1 < t2 else t2
            t = t if t > zero else zero
            t = t if t < one else one
            out[c] = nd if v != v else t
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
        for c in range(n):
            out[c] = _fuzzy(x[c], p)


def standardise_stack(stack: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Fuzzy-standardise every layer of a (n, rows, cols) stack to float32."""
    out = np.empty(stack.shape, dtype=np.float32)
    _standardise_kernel(stack, params, out)
    return out


@nb.njit(parallel=True, cache=True)
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
    Rows are split between threads; within a row the factors are visited one
    after another, each reading one contiguous row segment, so every thread
    streams n sequential inputs and one output. Linear curves (the common
    case) take a branch-free path the compiler vectorises. The output is
    allocated by numpy, which asks Linux for huge pages; first-touch page
    faults on a numba-allocated output cost about half a floor otherwise.
    """
    if out is None:
        out = np.empty(stack.shape[1:], dtype=np.float32)
    _wlc_kernel(stack, params, weights, mask, out)
    return out


@nb.njit(parallel=True, cache=True, fastmath=_FM)
def _wlc_kernel(stack: np.ndarray, params: np.ndarray, weights: np.ndarray, mask: np.ndarray, out: np.ndarray) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    for r in nb.prange(rows):
        acc = np.zeros(cols, dtype=np.float32)
        z = np.empty(cols, dtype=np.float32)
        any_linear_nan = False
        for f in range(n):
            p = params[f]
            w = np.float32(weights[f])
            if int(p[0]) == 0:
                # Linear curves fused into the sum: one read, no temporary, no
                # per-value NaN test. A NaN input propagates into acc (the
                # clips below keep NaN) and the few such cells are redone
                # with their nodata value after the factor loop.
                a1 = np.float32(p[2])
                b1 = np.float32(p[3])
                if p[5] < 1e30:
                    a2 = np.float32(p[4])
                    b2 = np.float32(p[5])
                    for c in range(cols):
                        x = np.float32(stack[f, r, c])
                        t1 = x * a1 + b1
                        t2 = x * a2 + b2
                        t = t2 if t2 < t1 else t1
                        t = np.float32(0.0) if t < 0.0 else t
                        t = np.float32(1.0) if t > 1.0 else t
                        acc[c] += w * t
                else:
                    for c in range(cols):
                        x = np.float32(stack[f, r, c])
                        t = x * a1 + b1
                        t = np.float32(0.0) if t < 0.0 else t
                        t = np.float32(1.0) if t > 1.0 else t
                        acc[c] += w * t
                any_linear_nan = True
            else:
                _std_into(stack[f, r], p, z)
                for c in range(cols):
                    acc[c] += w * z[c]
        if any_linear_nan:
            for c in range(cols):
                if acc[c] != acc[c]:
                    s = np.float32(0.0)
                    for f in range(n):
                        s += np.float32(weights[f]) * np.float32(_fuzzy(stack[f, r, c], params[f]))
                    acc[c] = s
        if has_mask:
            for c in range(cols):
                out[r, c] = np.nan if mask[r, c] else acc[c]
        else:
            for c in range(cols):
                out[r, c] = acc[c]


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
    by factor position, as in :func:`siteselect.overlay.score_table`, and
    ``score = Σ u·v·z / Σ u·v``. NaN (``nodata: exclude``) gives NaN.

    Notes
    -----
    Sorting is branch-free. Each value z ∈ [0, 1] is packed with its factor
    into one int64 key ``bits(z) << 33 | tag << 30 | bits(u)`` where
    ``tag = n − 1 − f`` and u ∈ (0, 1] is the factor's weight (float32 bit
    patterns of non-negative numbers order like integers and fit 30 bits).
    Descending keys are descending z, ties by ascending factor position, and
    the weight travels with the value, so no lookup is needed afterwards.
    The comparator ``network`` (pairs i < j; the optimal 19-comparator
    network for n = 8) is applied as integer max/min over blocks of 512
    cells, which vectorises. For 8 < n ≤ 16 the key holds only the tag and
    the weight is looked up.
    """
    if out is None:
        out = np.empty(stack.shape[1:], dtype=np.float32)
    _owa_kernel(stack, params, weights, order_weights, mask, network, out)
    return out


@nb.njit(parallel=True, cache=True, fastmath=_FM)
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
    packed_u = n <= 8
    zshift = 33 if packed_u else 4
    low30 = np.int64((1 << 30) - 1)
    payload = np.empty(n, dtype=np.int64)
    u32 = np.zeros(16, dtype=np.float32)
    for f in range(n):
        tag = n - 1 - f
        u32[tag] = weights[f]
        if packed_u:
            payload[f] = (np.int64(tag) << 30) | np.int64(_f32_bits(np.float32(weights[f])))
        else:
            payload[f] = tag
    v32 = order_weights.astype(np.float32)
    blk = 512
    nblk = (cols + blk - 1) // blk
    for r in nb.prange(rows):
        zb = np.empty(blk, dtype=np.float32)
        keys = np.empty((n, blk), dtype=np.int64)
        bad = np.empty(blk, dtype=np.bool_)
        num = np.empty(blk, dtype=np.float32)
        den = np.empty(blk, dtype=np.float32)
        for b in range(nblk):
            c0 = b * blk
            c1 = min(cols, c0 + blk)
            nc = c1 - c0
            for c in range(nc):
                bad[c] = False
            for f in range(n):
                _std_into(stack[f, r, c0:c1], params[f], zb)
                pay = payload[f]
                for c in range(nc):
                    z = zb[c] + np.float32(0.0)  # no -0.0: its bit pattern would sort first
                    bad[c] |= z != z
                    keys[f, c] = (np.int64(_f32_bits(z)) << zshift) | pay
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
                if packed_u:
                    for c in range(nc):
                        kk = keys[k, c]
                        z = _bits_f32(np.int32(kk >> 33))
                        uv = _bits_f32(np.int32(kk & low30)) * vk
                        num[c] += uv * z
                        den[c] += uv
                else:
                    for c in range(nc):
                        kk = keys[k, c]
                        z = _bits_f32(np.int32(kk >> 4))
                        uv = u32[kk & 15] * vk
                        num[c] += uv * z
                        den[c] += uv
            for c in range(nc):
                if bad[c] or (has_mask and mask[r, c0 + c]) or not den[c] > 0:
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
