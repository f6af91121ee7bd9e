"""Fused fuzzy standardisation + constraint mask + weighted linear combination (WLC) kernel."""

from __future__ import annotations

import numba as nb
import numpy as np

from siteselect.raster.kernels.curves import _FAST, _FM, _TILE, _clip_linear, _std_into

__all__ = ["wlc_stack"]


def wlc_stack(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Fused fuzzy standardisation + constraint mask + weighted sum.

    Parameters
    ----------
    stack
        (n, rows, cols) raw factor values (float32 or float64), C-contiguous.
    params
        (n, _NP) packed curves from :func:`siteselect.raster.params.factor_params`.
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
    ``_TILE`` cells. Non-linear curves (sigmoid, J-shaped, piecewise) are
    standardised one at a time into a per-thread tile buffer by their own
    vectorised loop, which then adds ``w·z`` into the tile accumulator.
    Linear factors are summed eight at a time (then four, then one) in one
    loop over the tile's cells: eight input streams, the memberships and the
    partial sum in registers, the curve and nodata (NaN input) evaluated
    inside the loop, so the only per-factor memory traffic is reading the
    input once. Pass ``out`` to reuse an output raster: a fresh one costs
    numpy's allocation and the first-touch page faults on it (0.2–0.3 of a
    read floor for the county grid, ``bench/overlay.py``).
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


@nb.njit(inline="always", fastmath=_FM, **_FAST)
def _tm(x: float, k: tuple[float, float, float, float, float, float], blend: bool) -> float:
    """:func:`_term`, or for a factor whose nodata is 0 (``blend`` False) without the NaN test.

    There NaN input needs no test of its own: ``min(t, 1)`` keeps a NaN and
    ``max(0, t)`` (Python's rule: t if t > 0 else 0) turns it into 0, the
    nodata value; both compile to plain ``vminps``/``vmaxps``.
    """
    if blend:
        return _term(x, k)
    v = np.float32(x)
    t1 = v * k[0] + k[1]
    t2 = v * k[2] + k[3]
    # Python's min/max: min(t, 1) keeps a NaN, max(0, t) = t if t > 0 else 0 turns it into 0
    t = min(t2 if t2 < t1 else t1, np.float32(1.0))
    return k[5] * max(np.float32(0.0), t)  # type: ignore[return-value]


@nb.njit(fastmath=_FM, **_FAST)
def _sum4(
    x0: np.ndarray, x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, cf: np.ndarray, f0: int,
    acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int, blend: bool,
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
            acc[c] = acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)
    elif mode == 1:
        for c in range(nc):
            s = acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)


@nb.njit(fastmath=_FM, **_FAST)
def _sum8(
    x0: np.ndarray, x1: np.ndarray, x2: np.ndarray, x3: np.ndarray,
    x4: np.ndarray, x5: np.ndarray, x6: np.ndarray, x7: np.ndarray, cf: np.ndarray, f0: int,
    acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int, blend: bool,
) -> None:
    """:func:`_sum4` for eight factors: eight input streams, no accumulator traffic for n ≤ 8."""
    k0, k1, k2, k3 = _slot(cf, f0), _slot(cf, f0 + 1), _slot(cf, f0 + 2), _slot(cf, f0 + 3)
    k4, k5, k6, k7 = _slot(cf, f0 + 4), _slot(cf, f0 + 5), _slot(cf, f0 + 6), _slot(cf, f0 + 7)
    nc = acc.shape[0]
    nan = np.float32(np.nan)
    if mode == 0:
        for c in range(nc):
            acc[c] = (acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)
                      + _tm(x4[c], k4, blend) + _tm(x5[c], k5, blend) + _tm(x6[c], k6, blend) + _tm(x7[c], k7, blend))
    elif mode == 1:
        for c in range(nc):
            s = (acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)
                 + _tm(x4[c], k4, blend) + _tm(x5[c], k5, blend) + _tm(x6[c], k6, blend) + _tm(x7[c], k7, blend))
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = (acc[c] + _tm(x0[c], k0, blend) + _tm(x1[c], k1, blend) + _tm(x2[c], k2, blend) + _tm(x3[c], k3, blend)
                      + _tm(x4[c], k4, blend) + _tm(x5[c], k5, blend) + _tm(x6[c], k6, blend) + _tm(x7[c], k7, blend))


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


@nb.njit(fastmath=_FM, **_FAST)
def _sum1(
    x0: np.ndarray, cf: np.ndarray, f0: int, acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int, blend: bool
) -> None:
    """:func:`_sum4` for one factor (a group of 4 would spend arithmetic on 3 padding slots)."""
    k0 = _slot(cf, f0)
    nc = acc.shape[0]
    nan = np.float32(np.nan)
    if mode == 0:
        for c in range(nc):
            acc[c] = acc[c] + _tm(x0[c], k0, blend)
    elif mode == 1:
        for c in range(nc):
            s = acc[c] + _tm(x0[c], k0, blend)
            out[c] = nan if mask[c] else s
    else:
        for c in range(nc):
            out[c] = acc[c] + _tm(x0[c], k0, blend)


@nb.njit(fastmath=_FM, **_FAST)
def _add_scaled(z: np.ndarray, w: float, acc: np.ndarray, first: bool) -> None:
    """acc = w·z (first) or acc + w·z, over a tile, in float32."""
    nc = acc.shape[0]
    w32 = np.float32(w)
    if first:
        for c in range(nc):
            acc[c] = w32 * np.float32(z[c])
    else:
        for c in range(nc):
            acc[c] = acc[c] + w32 * np.float32(z[c])


@nb.njit(fastmath=_FM, **_FAST)
def _finish(acc: np.ndarray, out: np.ndarray, mask: np.ndarray, mode: int) -> None:
    """out = acc, NaN where ``mask`` (mode 1), for a tile whose factors were all summed into ``acc``."""
    nan = np.float32(np.nan)
    if mode == 1:
        for c in range(acc.shape[0]):
            out[c] = nan if mask[c] else acc[c]
    else:
        for c in range(acc.shape[0]):
            out[c] = acc[c]


@nb.njit(**_FAST)
def _linear_plan(
    params: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Linear factors in slot order, their slot coefficients, and the groups that sum them.

    Factors whose nodata is 0 come first (their loops need no NaN test),
    then the others; within each class groups take 8 factors while 8
    remain, then 4 (padding one slot at most), then one at a time. Returns
    (factor index per slot, coefficients per slot with zero rows for
    padding, group starts, group sizes, whether each group tests for NaN).
    """
    n = params.shape[0]
    all_cf = _slot_coefs(params, weights)
    nl = 0
    for f in range(n):
        if int(params[f, 0]) == 0:
            nl += 1
    lin = np.full(nl + 2, -1, dtype=np.int64)  # −1: a padding slot (reads zeros)
    cfl = np.zeros((nl + 10, 6), dtype=np.float32)
    starts = np.empty(nl + 2, dtype=np.int64)
    sizes = np.empty(nl + 2, dtype=np.int64)
    blends = np.empty(nl + 2, dtype=np.bool_)
    k = 0
    ng = 0
    for blend in (False, True):
        k0 = k
        for f in range(n):
            if int(params[f, 0]) == 0 and (all_cf[f, 4] != 0.0) == blend:
                lin[k] = f
                cfl[k] = all_cf[f]
                k += 1
        s = k0
        while s < k:
            rem = k - s
            g = 8 if rem >= 8 else (4 if rem >= 3 else 1)
            starts[ng] = s
            sizes[ng] = g
            blends[ng] = blend
            ng += 1
            s += g
        k = s  # past a padding slot, if the last group has one
    return lin, cfl, starts[:ng], sizes[:ng], blends[:ng]


@nb.njit(inline="always", **_FAST)
def _lin_source(stack: np.ndarray, zb: np.ndarray, lin: np.ndarray, s: int, r: int, c0: int, c1: int) -> np.ndarray:
    """Row run that linear slot s reads: its factor's raw input, or the zero row (padding)."""
    if s < lin.shape[0] and lin[s] >= 0:
        return stack[lin[s], r, c0:c1]
    return zb[1, : c1 - c0]


@nb.njit(parallel=True, fastmath=_FM, **_FAST)
def _wlc_kernel(
    stack: np.ndarray, params: np.ndarray, weights: np.ndarray, mask: np.ndarray, out: np.ndarray, nth: int
) -> None:
    n, rows, cols = stack.shape
    has_mask = mask.shape[0] == rows and mask.shape[1] == cols
    last_mode = 1 if has_mask else 2
    lin, cfl, starts, sizes, blends = _linear_plan(params, weights)
    ng = starts.shape[0]
    for t in nb.prange(nth):
        # per thread: a standardised tile of one non-linear factor (row 0), a
        # zero row for padding slots (row 1), and the tile accumulator
        zb = np.zeros((2, _TILE), dtype=stack.dtype)
        acc = np.empty(_TILE, dtype=np.float32)
        for r in range(rows * t // nth, rows * (t + 1) // nth):
            for c0 in range(0, cols, _TILE):
                c1 = min(cols, c0 + _TILE)
                nc = c1 - c0
                a = acc[:nc]
                o = out[r, c0:c1]
                m = mask[r, c0:c1] if has_mask else mask[0, :0]
                first = True
                for f in range(n):
                    if int(params[f, 0]) != 0:
                        _std_into(stack[f, r, c0:c1], params[f], zb[0, :nc])
                        _add_scaled(zb[0, :nc], weights[f], a, first)
                        first = False
                if first:
                    a[:] = 0.0
                if ng == 0:
                    _finish(a, o, m, last_mode)
                for g in range(ng):
                    s0 = starts[g]
                    mode = 0 if g < ng - 1 else last_mode
                    if sizes[g] == 8:
                        _sum8(
                            _lin_source(stack, zb, lin, s0, r, c0, c1), _lin_source(stack, zb, lin, s0 + 1, r, c0, c1),
                            _lin_source(stack, zb, lin, s0 + 2, r, c0, c1), _lin_source(stack, zb, lin, s0 + 3, r, c0, c1),
                            _lin_source(stack, zb, lin, s0 + 4, r, c0, c1), _lin_source(stack, zb, lin, s0 + 5, r, c0, c1),
                            _lin_source(stack, zb, lin, s0 + 6, r, c0, c1), _lin_source(stack, zb, lin, s0 + 7, r, c0, c1),
                            cfl, s0, a, o, m, mode, bool(blends[g]),
                        )
                    elif sizes[g] == 4:
                        _sum4(
                            _lin_source(stack, zb, lin, s0, r, c0, c1), _lin_source(stack, zb, lin, s0 + 1, r, c0, c1),
                            _lin_source(stack, zb, lin, s0 + 2, r, c0, c1), _lin_source(stack, zb, lin, s0 + 3, r, c0, c1),
                            cfl, s0, a, o, m, mode, bool(blends[g]),
                        )
                    else:
                        _sum1(_lin_source(stack, zb, lin, s0, r, c0, c1), cfl, s0, a, o, m, mode, bool(blends[g]))
