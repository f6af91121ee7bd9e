"""Fused fuzzy standardisation + ordered weighted averaging (OWA) kernels."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from siteselect._kernels_curves import _FAST, _FM, _TILE, _std_into

__all__ = ["owa_stack", "sorting_network"]


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
    return (np.int64(_f32_bits(z) & np.int32(0x7FFFFFFF)) << 33) | pay  # type: ignore[call-arg]


@nb.njit(inline="always", **_FAST)
def _cx(a: int, b: int) -> tuple[int, int]:
    """Comparator: (larger, smaller)."""
    return (a if a > b else b, b if a > b else a)


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _uvz(k: int, vk: float, num: float, den: float) -> tuple[float, float]:
    """Add the ranked value of key k with order weight vk: num + u·vk·z, den + u·vk."""
    uv = _bits_f32(np.int32(k & 0x3FFFFFFF)) * vk  # type: ignore[call-arg]
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
        pay[f] = (np.int64(n - 1 - f) << 30) | np.int64(_f32_bits(np.float32(weights[f])))  # type: ignore[call-arg]
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
                    num[c] += uv * _bits_f32(np.int32(kk >> 4))  # type: ignore[call-arg]
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

