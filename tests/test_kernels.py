"""Raster kernels (:mod:`siteselect.raster.kernels`) against their numpy references, edge by edge.

The kernels work in float32; the references (:mod:`siteselect.analysis.factors`,
:func:`siteselect.analysis.overlay.score_table`) in float64. Where the kernel does the
reference's own operations the test asks for the same bits (piecewise curves
are numpy.interp rounded to float32; OWA's order and ties are exact).
Elsewhere the bound is float32 arithmetic: a membership is within a few units
in the last place of float32 (≈ 6e-8 near 1) of the float64 curve, and a
weighted sum of n of them adds one rounding per term, so |kernel − reference|
stays below 4e-7 for n ≤ 11 (the tests use 5e-7; suitability is reported to
3 decimals).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from siteselect.analysis.factors import standardise
from siteselect.analysis.overlay import score_table
from siteselect.raster import kernels as K
from siteselect.raster.params import factor_params
from siteselect.scenario import FactorSpec

TOL = 5e-7

CURVES = [
    {"nodata": 0.3, "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}},
    {"nodata": 0.0, "fuzzy": {"shape": "sigmoid", "direction": "symmetric", "points": [10, 30, 60, 90]}},
    {"nodata": 1.0, "fuzzy": {"shape": "jshaped", "direction": "increasing", "points": [10, 90]}},
    {"nodata": "exclude", "fuzzy": {"shape": "piecewise", "points": [[10, 0], [30, 1], [70, 0.2]]}},
    {"nodata": 0.5, "fuzzy": {"shape": "linear", "direction": "symmetric", "points": [5, 20, 40, 95]}},
    {"nodata": 0.0, "fuzzy": {"shape": "linear", "direction": "increasing", "points": [20, 60]}},
    {"nodata": 0.0, "fuzzy": {"shape": "jshaped", "direction": "symmetric", "points": [0, 20, 50, 100]}},
    {"nodata": "exclude", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 60]}},
    {"nodata": 0.0, "fuzzy": {"shape": "piecewise", "points": [[0, 1], [100, 0]]}},
]


def _spec(i: int) -> FactorSpec:
    return FactorSpec.model_validate({"measure": "port_minutes", **CURVES[i % len(CURVES)]})


def _stack(n: int, rows: int, cols: int, seed: int) -> np.ndarray:
    """Raw values on −10…110 with NaN, exact control points and a few ties between factors."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-10, 110, (n, rows, cols)).astype(np.float32)
    x[:, rng.random((rows, cols)) < 0.05] = np.nan  # all factors missing in some cells
    x[rng.integers(0, n, 40), rng.integers(0, rows, 40), rng.integers(0, cols, 40)] = np.nan
    x.reshape(n, -1)[:, ::17] = np.float32(20.0)  # a control point of several curves
    x.reshape(n, -1)[:, 5::23] = np.float32(-0.0)
    return x


def _reference(x: np.ndarray, specs: list[FactorSpec], w: np.ndarray, **owa: object) -> np.ndarray:
    std = pd.DataFrame({f"f{i}": standardise(x[i].astype(np.float64).ravel(), s) for i, s in enumerate(specs)})
    ref = score_table(std, {f"f{i}": w[i] for i in range(len(specs))}, **owa)["score"]  # type: ignore[arg-type]
    return ref.to_numpy().reshape(x.shape[1:])


def _weights(n: int, seed: int) -> np.ndarray:
    w = np.random.default_rng(seed).random(n) + 0.05
    return w / w.sum()


def test_piecewise_is_numpy_interp_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    xs = np.sort(rng.uniform(-50, 50, K.MAX_BREAKS))
    for pts in ([[0.0, 0.25], [10.0, 0.75]], [[-3.0, 1.0], [1e-3, 0.0], [2.0, 0.6], [7.5, 0.6]],
                [[float(a), float(b)] for a, b in zip(xs, rng.random(K.MAX_BREAKS))]):
        spec = FactorSpec.model_validate({"measure": "m", "nodata": 0.25, "fuzzy": {"shape": "piecewise", "points": pts}})
        at = np.array([p[0] for p in pts], dtype=np.float32)  # breakpoints rounded to float32, and their neighbours
        near = np.concatenate([at, np.nextafter(at, np.float32(-np.inf)), np.nextafter(at, np.float32(np.inf))])
        x = np.concatenate([rng.uniform(-60, 60, 5000), near, [-1e30, 1e30, np.nan]]).astype(np.float32)
        got = K.standardise_stack(x.reshape(1, 1, -1), factor_params(spec).reshape(1, -1))[0, 0]
        ref = standardise(x.astype(np.float64), spec).astype(np.float32)
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 9, 11])
def test_wlc_matches_reference_for_any_factor_count(n: int) -> None:
    # cols straddle a tile edge; rows fewer than threads for n = 1
    rows, cols = (1 if n == 1 else 7), K._TILE + 37
    x = _stack(n, rows, cols, seed=n)
    specs = [_spec(i) for i in range(n)]
    params = np.stack([factor_params(s) for s in specs])
    w = _weights(n, n)
    mask = np.random.default_rng(n).random((rows, cols)) < 0.1
    ref = _reference(x, specs, w)
    got = K.wlc_stack(x, params, w, np.zeros((0, 0), np.uint8))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)
    masked = K.wlc_stack(x, params, w, mask)
    np.testing.assert_array_equal(masked, np.where(mask, np.float32(np.nan), got))
    # float64 input gives the same suitability as its float32 copy
    np.testing.assert_array_equal(K.wlc_stack(x.astype(np.float64), params, w, mask.view(np.uint8)), masked)


@pytest.mark.parametrize(("n_zero", "n_other"), [(3, 2), (11, 0), (0, 5), (5, 3), (2, 9)])
def test_wlc_linear_groups_split_by_nodata(n_zero: int, n_other: int) -> None:
    # linear factors with nodata 0 are summed without a NaN test, the others
    # with it, each class in groups of 8, 4 (one padding slot) or 1; a
    # sigmoid and a piecewise factor go through the accumulator first
    lin = [{"nodata": 0.0, "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}},
           {"nodata": 0.0, "fuzzy": {"shape": "linear", "direction": "symmetric", "points": [5, 20, 40, 95]}}]
    other = [{"nodata": 0.4, "fuzzy": {"shape": "linear", "direction": "increasing", "points": [20, 60]}},
             {"nodata": "exclude", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 60]}}]
    curves = [lin[i % 2] for i in range(n_zero)] + [other[i % 2] for i in range(n_other)] + [CURVES[1], CURVES[8]]
    order = np.random.default_rng(n_zero + 7 * n_other).permutation(len(curves))  # classes interleaved
    specs = [FactorSpec.model_validate({"measure": "m", **curves[i]}) for i in order]
    n = len(specs)
    x = _stack(n, 3, K._TILE + 5, seed=n_zero * 10 + n_other)
    w = _weights(n, n_zero)
    got = K.wlc_stack(x, np.stack([factor_params(s) for s in specs]), w, np.zeros((0, 0), np.uint8))
    ref = _reference(x, specs, w)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 11])
def test_owa_matches_reference_for_any_factor_count(n: int) -> None:
    rows, cols = 5, K._TILE + 9
    x = _stack(n, rows, cols, seed=10 + n)
    specs = [_spec(i) for i in range(n)]
    params = np.stack([factor_params(s) for s in specs])
    w = _weights(n, n)
    v = np.random.default_rng(n).random(n)
    v /= v.sum()
    got = K.owa_stack(x, params, w, v, np.zeros((0, 0), np.uint8), K.sorting_network(n))
    # reference on the kernel's own float32 memberships: a float64 curve can
    # break a float32 tie (0.99999996 vs 1) and so change the order
    z32 = K.standardise_stack(x, params).astype(np.float64)
    std = pd.DataFrame({f"f{i}": z32[i].ravel() for i in range(n)})
    ref = score_table(std, {f"f{i}": w[i] for i in range(n)}, method="owa", order_weights=v)["score"]
    ref = ref.to_numpy().reshape(rows, cols)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)


def test_owa_ties_follow_factor_order_exactly() -> None:
    # two factors, every cell a tie; all order weight on the larger value:
    # the first factor takes it, so the score is z and the weights decide nothing
    spec = FactorSpec.model_validate({"measure": "m", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 1]}})
    z = np.array([0.0, 0.25, 1.0, -0.0, 2.0], dtype=np.float32)
    p = np.stack([factor_params(spec)] * 3)
    w = np.array([0.2, 0.3, 0.5])
    for v in ([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.5, 0.3]):
        got = K.owa_stack(np.stack([z, z, z]).reshape(3, 1, -1), p, w, np.array(v), np.zeros((0, 0), np.uint8),
                          K.sorting_network(3))
        np.testing.assert_array_equal(got[0], np.clip(z, 0, 1))
    # a tie between factors with different weights decides which weight meets which order weight
    x = np.array([0.1, 0.5, 0.5], dtype=np.float32).reshape(3, 1, 1)
    got = K.owa_stack(x, p, w, np.array([0.6, 0.0, 0.4]), np.zeros((0, 0), np.uint8), K.sorting_network(3))
    # ranks: f1 (0.5, u .3) first, f2 (0.5, u .5) second, f0 (0.1, u .2) third
    exp = (0.3 * 0.6 * 0.5 + 0.2 * 0.4 * 0.1) / (0.3 * 0.6 + 0.2 * 0.4)
    assert got[0, 0] == pytest.approx(exp, abs=1e-7)


def test_owa_eight_factor_path_sorts_every_order() -> None:
    # every permutation of 8 distinct values, each weight on one rank: the
    # score is the value of that rank, whichever factor holds it
    spec = FactorSpec.model_validate({"measure": "m", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 8]}})
    perms = np.array(list(itertools.permutations(range(8))), dtype=np.float32)  # 40320 cells
    x = np.ascontiguousarray(perms.T).reshape(8, 1, -1)
    p = np.stack([factor_params(spec)] * 8)
    w = np.full(8, 1 / 8)
    for rank in range(8):
        v = np.zeros(8)
        v[rank] = 1.0
        got = K.owa_stack(x, p, w, v, np.zeros((0, 0), np.uint8), K.sorting_network(8))
        assert np.all(got == np.float32((7 - rank) / 8))


def test_owa_with_equal_order_weights_is_wlc() -> None:
    x = _stack(6, 4, 300, seed=5)
    params = np.stack([factor_params(_spec(i)) for i in range(6)])
    w = _weights(6, 1)
    none = np.zeros((0, 0), np.uint8)
    got = K.owa_stack(x, params, w, np.full(6, 1 / 6), none, K.sorting_network(6))
    np.testing.assert_allclose(got, K.wlc_stack(x, params, w, none), rtol=0, atol=TOL)
