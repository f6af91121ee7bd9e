"""Nearest node per cell by bucket scan (siteselect.raster.nodegrid) against scipy's k-d tree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from siteselect.raster.nodegrid import NodeGrid, nearest_nodes


def _cells(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])


@pytest.mark.parametrize("n", [1, 2, 7, 500, 20_000])
def test_same_distance_as_kdtree_inside_and_far_outside(n: int) -> None:
    rng = np.random.default_rng(n)
    xy = rng.uniform(0, 10_000, (n, 2))
    xy[: n // 3] = np.round(xy[: n // 3] / 500) * 500  # duplicates and exact ties
    xs = np.linspace(-4_000, 14_000, 97)   # cells well outside the nodes' extent too
    ys = np.linspace(15_000, -3_000, 61)
    idx, dist = nearest_nodes(NodeGrid.of(xy), xs, ys)
    ref_d, ref_i = cKDTree(xy).query(_cells(xs, ys))
    assert np.array_equal(dist, ref_d)
    # where the k-d tree picked another node it is an exact tie
    other = idx != ref_i
    d = xy[idx[other]] - _cells(xs, ys)[other]
    assert np.array_equal(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]), ref_d[other])


def test_hand_checked_cells_and_first_node_wins_ties() -> None:
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 0.0], [0.0, 30.0]])
    idx, dist = nearest_nodes(NodeGrid.of(xy), np.array([1.0, 5.0, 9.0]), np.array([0.0, 20.0]))
    assert idx.tolist() == [0, 0, 1, 3, 3, 3]   # (5, 0) is equally near 0 and 1: 0; 1 before 2
    np.testing.assert_allclose(dist, [1.0, 5.0, 1.0, np.hypot(1, 10), np.hypot(5, 10), np.hypot(9, 10)])


def test_nearest_values_equal_gather_of_nearest_nodes() -> None:
    from siteselect.raster.nodegrid import nearest_values

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 5_000, (300, 2))
    vals = np.stack([rng.uniform(0, 60, 300), rng.uniform(0, 9e4, 300)])
    vals[0, 7] = np.nan  # an unreached node stays NaN
    xs = np.linspace(-500, 5_500, 41)
    ys = np.linspace(5_500, -500, 37)
    ng = NodeGrid.of(xy)
    out = nearest_values(ng, xs, ys, vals, np.array([500.0, 0.0]))
    idx, dist = nearest_nodes(ng, xs, ys)
    expect0 = (vals[0, idx] + dist / 500.0).astype(np.float32).reshape(37, 41)
    expect1 = vals[1, idx].astype(np.float32).reshape(37, 41)
    np.testing.assert_array_equal(out[0], expect0)
    np.testing.assert_array_equal(out[1], expect1)


def test_nearest_values_row_reuse_exact_on_fine_raster_with_ties() -> None:
    """The row-coherence shortcut gives the scan's answer cell for cell (ties included)."""
    from siteselect.raster.nodegrid import nearest_values

    rng = np.random.default_rng(4)
    xy = np.round(rng.uniform(0, 3_000, (2_000, 2)) / 50) * 50   # many exact ties
    vals = rng.uniform(0, 100, (1, 2_000))
    xs = np.arange(-200, 3_200, 5.0) + 2.5
    ys = np.arange(3_200, -200, -7.0) - 3.5
    ng = NodeGrid.of(xy)
    idx, dist = nearest_nodes(ng, xs, ys)
    out = nearest_values(ng, xs, ys, vals, np.array([250.0]))
    expect = (vals[0, idx] + dist / 250.0).astype(np.float32).reshape(len(ys), len(xs))
    np.testing.assert_array_equal(out[0], expect)
