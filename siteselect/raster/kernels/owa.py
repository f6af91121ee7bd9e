"""Fused fuzzy standardisation + ordered weighted averaging (OWA) kernels."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from siteselect.raster.kernels.curves import _FAST, _FM, _TILE, _clip_linear, _std_into
from siteselect.raster.kernels.wlc import _slot_coefs, _source

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



#: Fast-math flags of the eight-factor OWA path: without "reassoc" and "arcp",
#: so that u·v is formed once and shared by numerator and denominator, and
#: num / den is a true division (a cell whose values are all z gives exactly z).
_FMO = {"nsz", "contract", "afn"}


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
    Sorting is branch-free. For n ≤ 8 the factors are padded to 8 and each
    cell's value z ∈ [0, 1] becomes a float32 sort key: z is raised to at
    least 2^-31, and ``(bits(z) − bits(2^-31)) << 3`` carries the tag
    ``n − 1 − f`` in its low 3 bits plus the smallest normal float32, so every
    key is a positive normal float32 that orders like (z, −f): descending keys
    are descending z, ties by ascending factor position. Padding slots get the
    key −1.0 and weight 0 (they sort last and add exactly 0). The optimal
    19-comparator network for 8 inputs is written out in the cell loop; each
    comparator is a float32 compare + max/min of the keys and a blend of the
    weights travelling with them, 8 cells per AVX2 register (the earlier
    int64 keys held 4). The value is read back from the key's bits (exact for
    z ≥ 2^-31; smaller values count as 0, an error below 5e-10). Linear
    curves are evaluated inside that loop from the raw input; other curves
    are standardised into a per-thread tile first. ``network`` is then not
    needed (a sorting network gives the same unique order). For 8 < n ≤ 16
    the comparator ``network`` is applied as integer max/min over tiles of
    cells held in memory, the key holds only the tag and the weight is
    looked up.
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


#: Sort keys of the eight-factor path: every z ∈ [0, 2) is first raised to at
#: least 2^-31 (bits ``_ZB``), so ``(bits(z) − _ZB) << 3`` fits 31 bits with
#: the factor's tag in the low 3 bits; ``_KMIN`` (the smallest normal float32)
#: is added so that every key is a normal positive float32.
_ZB = 0x30000000
_KMIN = 0x00800000
#: Added to ``bits(z) << 3`` (int32, wrapping): a value raised to 2^-31 with tag 0 gets key bits ``_KMIN``.
_ADD0 = (_KMIN - (_ZB << 3)) % 2**32 - 2**32
#: Added for a padding slot (z = 0, raised to 2^-31): key −1.0, below every real key.
_ADD_PAD = 0x3F800000


@intrinsic
def _key32(typingctx, z, add):  # type: ignore[no-untyped-def]
    """float32 sort key with bits ``(bits(z) << 3) + add`` (int32 arithmetic, wrapping)."""
    sig = types.float32(types.float32, types.int32)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        b = builder.shl(builder.bitcast(args[0], ir.IntType(32)), ir.Constant(ir.IntType(32), 3))
        return builder.bitcast(builder.add(b, args[1]), ir.FloatType())

    return sig, codegen


@intrinsic
def _key32_z(typingctx, k):  # type: ignore[no-untyped-def]
    """The (raised) value of a sort key from :func:`_key32`: bits ``(bits(k) >>> 3) + _ZB − _KMIN/8``."""
    sig = types.float32(types.float32)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        i32 = ir.IntType(32)
        b = builder.lshr(builder.bitcast(args[0], i32), ir.Constant(i32, 3))
        return builder.bitcast(builder.add(b, ir.Constant(i32, _ZB - _KMIN // 8)), ir.FloatType())

    return sig, codegen


@nb.njit(inline="always", fastmath=_FMO, **_FAST)
def _cx(ka: Any, ua: Any, kb: Any, ub: Any) -> tuple[Any, Any, Any, Any]:
    """Comparator on (key, weight) pairs: larger key first, each weight travels with its key."""
    gt = ka > kb
    return (ka if gt else kb, ua if gt else ub, kb if gt else ka, ub if gt else ua)


@nb.njit(inline="always", fastmath=_FMO, **_FAST)
def _uvz(k: Any, u: Any, vk: Any, num: Any, den: Any, kz: Any) -> tuple[Any, Any]:
    """Add the ranked value of key k (weight u, order weight vk): num + u·vk·z, den + u·vk.

    Keys below ``kz`` hold a value raised from below 2^-31, taken as 0.
    """
    uv = u * vk
    z = _key32_z(k)  # type: ignore[call-arg, var-annotated]
    return num + uv * (z if k >= kz else np.float32(0.0)), den + uv


@nb.njit(inline="always", fastmath=_FMO, **_FAST)
def _owa8_cell(
    k0: Any, k1: Any, k2: Any, k3: Any, k4: Any, k5: Any, k6: Any, k7: Any,
    u: tuple[Any, Any, Any, Any, Any, Any, Any, Any], v: tuple[Any, Any, Any, Any, Any, Any, Any, Any], kz: Any,
) -> Any:
    """OWA score of one cell from its eight keys (the network of ``_NET8``, then Σ u·v·z / Σ u·v)."""
    u0, u1, u2, u3, u4, u5, u6, u7 = u
    k0, u0, k2, u2 = _cx(k0, u0, k2, u2)
    k1, u1, k3, u3 = _cx(k1, u1, k3, u3)
    k4, u4, k6, u6 = _cx(k4, u4, k6, u6)
    k5, u5, k7, u7 = _cx(k5, u5, k7, u7)
    k0, u0, k4, u4 = _cx(k0, u0, k4, u4)
    k1, u1, k5, u5 = _cx(k1, u1, k5, u5)
    k2, u2, k6, u6 = _cx(k2, u2, k6, u6)
    k3, u3, k7, u7 = _cx(k3, u3, k7, u7)
    k0, u0, k1, u1 = _cx(k0, u0, k1, u1)
    k2, u2, k3, u3 = _cx(k2, u2, k3, u3)
    k4, u4, k5, u5 = _cx(k4, u4, k5, u5)
    k6, u6, k7, u7 = _cx(k6, u6, k7, u7)
    k2, u2, k4, u4 = _cx(k2, u2, k4, u4)
    k3, u3, k5, u5 = _cx(k3, u3, k5, u5)
    k1, u1, k4, u4 = _cx(k1, u1, k4, u4)
    k3, u3, k6, u6 = _cx(k3, u3, k6, u6)
    k1, u1, k2, u2 = _cx(k1, u1, k2, u2)
    k3, u3, k4, u4 = _cx(k3, u3, k4, u4)
    k5, u5, k6, u6 = _cx(k5, u5, k6, u6)
    num, den = _uvz(k0, u0, v[0], np.float32(0.0), np.float32(0.0), kz)
    num, den = _uvz(k1, u1, v[1], num, den, kz)
    num, den = _uvz(k2, u2, v[2], num, den, kz)
    num, den = _uvz(k3, u3, v[3], num, den, kz)
    num, den = _uvz(k4, u4, v[4], num, den, kz)
    num, den = _uvz(k5, u5, v[5], num, den, kz)
    num, den = _uvz(k6, u6, v[6], num, den, kz)
    num, den = _uvz(k7, u7, v[7], num, den, kz)
    return num / den


@nb.njit(inline="always", fastmath=_FMO, **_FAST)
def _k(x: Any, cf: np.ndarray, f: int, add: Any) -> tuple[Any, Any]:
    """(membership, sort key) of slot f's value x: a linear curve (or the identity) from ``cf``, then its key.

    NaN and −0 sort as 2^-31; NaN is caught by the caller.
    """
    z = _clip_linear(np.float32(x), cf[f, 0], cf[f, 1], cf[f, 2], cf[f, 3], cf[f, 4])
    lo = np.float32(2.0**-31)
    return z, _key32(z if z > lo else lo, add)  # type: ignore[call-arg]


@nb.njit(fastmath=_FMO, **_FAST)
def _owa8_tile(
    x0: np.ndarray, x1: np.ndarray, x2: np.ndarray, x3: np.ndarray,
    x4: np.ndarray, x5: np.ndarray, x6: np.ndarray, x7: np.ndarray, cf: np.ndarray,
    add: tuple[Any, Any, Any, Any, Any, Any, Any, Any],
    u: tuple[Any, Any, Any, Any, Any, Any, Any, Any], v: tuple[Any, Any, Any, Any, Any, Any, Any, Any],
    kz: Any, mask: np.ndarray, out: np.ndarray,
) -> None:
    """OWA scores of one tile from its eight input runs into ``out``.

    Slot f reads raw values (linear curve, evaluated here from row f of
    ``cf``) or values already standardised (identity row; padding slots read
    zeros). NaN where a value is NaN (their sum is), where ``mask`` is set,
    or where no weight is positive.
    """
    a0, a1, a2, a3, a4, a5, a6, a7 = add
    nan = np.float32(np.nan)
    zero = np.float32(0.0)
    nc = out.shape[0]
    if mask.shape[0] == nc:
        for c in range(nc):
            z0, k0 = _k(x0[c], cf, 0, a0)
            z1, k1 = _k(x1[c], cf, 1, a1)
            z2, k2 = _k(x2[c], cf, 2, a2)
            z3, k3 = _k(x3[c], cf, 3, a3)
            z4, k4 = _k(x4[c], cf, 4, a4)
            z5, k5 = _k(x5[c], cf, 5, a5)
            z6, k6 = _k(x6[c], cf, 6, a6)
            z7, k7 = _k(x7[c], cf, 7, a7)
            tot = ((z0 + z1) + (z2 + z3)) + ((z4 + z5) + (z6 + z7))
            s = _owa8_cell(k0, k1, k2, k3, k4, k5, k6, k7, u, v, kz)
            out[c] = nan if (mask[c] or tot != tot or not s >= zero) else s
    else:
        for c in range(nc):
            z0, k0 = _k(x0[c], cf, 0, a0)
            z1, k1 = _k(x1[c], cf, 1, a1)
            z2, k2 = _k(x2[c], cf, 2, a2)
            z3, k3 = _k(x3[c], cf, 3, a3)
            z4, k4 = _k(x4[c], cf, 4, a4)
            z5, k5 = _k(x5[c], cf, 5, a5)
            z6, k6 = _k(x6[c], cf, 6, a6)
            z7, k7 = _k(x7[c], cf, 7, a7)
            tot = ((z0 + z1) + (z2 + z3)) + ((z4 + z5) + (z6 + z7))
            s = _owa8_cell(k0, k1, k2, k3, k4, k5, k6, k7, u, v, kz)
            out[c] = nan if (tot != tot or not s >= zero) else s


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _owa8_kernel(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, order_weights: np.ndarray, mask: np.ndarray,
    out: np.ndarray, nth: int,
) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    # per slot: linear-curve coefficients (identity for curves standardised
    # first, zeros for padding), the int32 added to bits(z) << 3 (tag
    # n − 1 − f, so that ties go to the earlier factor; padding slots, z = 0,
    # get the key −1.0, below every real key) and the weight (0 for padding)
    cf = np.zeros((8, 6), dtype=np.float32)
    cf[:n] = _slot_coefs(params, weights)[:n]
    ad = np.full(8, _ADD_PAD, dtype=np.int64)
    uw = np.zeros(8, dtype=np.float32)
    vw = np.zeros(8, dtype=np.float32)
    for f in range(n):
        ad[f] = _ADD0 + (n - 1 - f)
        uw[f] = weights[f]
        vw[f] = order_weights[f]
    add = (np.int32(ad[0]), np.int32(ad[1]), np.int32(ad[2]), np.int32(ad[3]),
           np.int32(ad[4]), np.int32(ad[5]), np.int32(ad[6]), np.int32(ad[7]))
    u = (uw[0], uw[1], uw[2], uw[3], uw[4], uw[5], uw[6], uw[7])
    v = (vw[0], vw[1], vw[2], vw[3], vw[4], vw[5], vw[6], vw[7])
    # keys below kz (tag 0 of the value just above 2^-31) hold a value raised to 2^-31: taken as 0
    kz = _bits_f32(np.int32(_KMIN + 8))  # type: ignore[call-arg, var-annotated]
    for t in nb.prange(nth):
        # per thread: standardised tiles of the non-linear factors and a zero row (index n) for padding
        zb = np.zeros((n + 1, _TILE), dtype=stack.dtype)
        for r in range(rows * t // nth, rows * (t + 1) // nth):
            for c0 in range(0, cols, _TILE):
                c1 = min(cols, c0 + _TILE)
                nc = c1 - c0
                for f in range(n):
                    if int(params[f, 0]) != 0:
                        _std_into(stack[f, r, c0:c1], params[f], zb[f, :nc])
                _owa8_tile(
                    _source(stack, zb, params, 0, r, c0, c1), _source(stack, zb, params, 1, r, c0, c1),
                    _source(stack, zb, params, 2, r, c0, c1), _source(stack, zb, params, 3, r, c0, c1),
                    _source(stack, zb, params, 4, r, c0, c1), _source(stack, zb, params, 5, r, c0, c1),
                    _source(stack, zb, params, 6, r, c0, c1), _source(stack, zb, params, 7, r, c0, c1),
                    cf, add, u, v, kz, mask[r, c0:c1] if has_mask else mask[0, :0], out[r, c0:c1],
                )


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

