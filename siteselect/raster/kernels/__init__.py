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

The kernels live in four modules by concern, re-exported here:
:mod:`siteselect.raster.kernels.curves` (parameter packing, standardisation),
:mod:`siteselect.raster.kernels.wlc`, :mod:`siteselect.raster.kernels.owa` and
:mod:`siteselect.raster.kernels.edt`.
"""

from __future__ import annotations

from siteselect.raster.kernels.curves import _NP, _TILE, MAX_BREAKS, parallel_sum, standardise_stack
from siteselect.raster.kernels.edt import edt_inplace
from siteselect.raster.kernels.owa import owa_stack, sorting_network
from siteselect.raster.kernels.wlc import wlc_stack

__all__ = [
    "MAX_BREAKS",
    "edt_inplace",
    "owa_stack",
    "parallel_sum",
    "sorting_network",
    "standardise_stack",
    "wlc_stack",
    "_NP",
    "_TILE",
]
