"""Exact checks of the embedded-layer builder's housing placement (``layers/build/``).

The builder is a script beside the data, not part of the package; these tests import it from
the checkout and skip where it is absent (an installed wheel).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

BUILD = Path(__file__).resolve().parents[1] / "layers" / "build"
if not (BUILD / "build_vastmanland.py").exists():  # pragma: no cover - wheel installs
    pytest.skip("layers/build is not in this checkout", allow_module_level=True)
sys.path.insert(0, str(BUILD))
bv = pytest.importorskip("build_vastmanland")

NOTHING = shapely.Polygon()


def _lattice(cells: dict[tuple[int, int], float]) -> tuple[np.ndarray, float, float]:
    """Density array for {(col, row): pop} with cell (0, 0) at x_sw = y_sw = 0."""
    dens = np.zeros((5, 5))
    for (c, r), pop in cells.items():
        dens[r + 1, c + 1] = pop
    return dens, -1000.0, -1000.0


def test_interpolation_is_exact_at_centres_and_linear_between() -> None:
    dens, x0, y0 = _lattice({(0, 0): 100.0, (1, 0): 3000.0})
    got = bv._interpolate(dens, x0, y0, np.array([500.0, 1500.0, 1000.0, 750.0]), np.array([500.0] * 4))
    assert got == pytest.approx([100.0, 3000.0, 1550.0, 825.0])


def test_housing_lies_on_the_side_of_the_denser_neighbour() -> None:
    # 100 residents -> 100 / 2,500 km² = 4 squares of 100 m; the town (3,000) lies east, nothing
    # north or south: the eastmost column, the four rows nearest the cell's middle
    dens, x0, y0 = _lattice({(0, 0): 100.0, (1, 0): 3000.0})
    g = bv.housing_squares(0.0, 0.0, 100.0, dens, x0, y0, NOTHING)
    assert g.area == pytest.approx(40_000.0)
    assert g.bounds == pytest.approx((900.0, 300.0, 1000.0, 700.0))


def test_lone_cell_keeps_its_housing_on_the_centre() -> None:
    dens, x0, y0 = _lattice({(0, 0): 100.0})
    g = bv.housing_squares(0.0, 0.0, 100.0, dens, x0, y0, NOTHING)
    assert g.bounds == pytest.approx((400.0, 400.0, 600.0, 600.0))


def test_blocked_squares_hold_no_housing_and_the_rest_takes_it() -> None:
    dens, x0, y0 = _lattice({(0, 0): 100.0, (1, 0): 3000.0})
    blocked = shapely.box(850.0, 0.0, 1000.0, 1000.0)  # e.g. within 600 m of industrial land, or water
    g = bv.housing_squares(0.0, 0.0, 100.0, dens, x0, y0, blocked)
    assert g.area == pytest.approx(40_000.0)
    assert g.bounds == pytest.approx((700.0, 300.0, 800.0, 700.0))
    assert bv.housing_squares(0.0, 0.0, 100.0, dens, x0, y0, shapely.box(0, 0, 1000, 1000)) is None


def test_small_and_full_cells() -> None:
    dens, x0, y0 = _lattice({(0, 0): 60.0})
    assert bv.housing_squares(0.0, 0.0, 60.0, dens, x0, y0, NOTHING).area == pytest.approx(20_000.0)
    dens, x0, y0 = _lattice({(0, 0): 4000.0})
    assert bv.housing_squares(0.0, 0.0, 4000.0, dens, x0, y0, NOTHING).area == pytest.approx(1e6)
