"""Numba kernels for raster mode: fused fuzzy + weighted overlay, OWA, exact EDT.

The reference implementations are the numpy functions in
:mod:`siteselect.analysis.factors` and :mod:`siteselect.analysis.overlay` and
``scipy.ndimage.distance_transform_edt``; the tests check these kernels
against them on random inputs.

Each factor reaches the kernels as one float64 row of ``params`` holding its
fuzzy curve and nodata value: the layout is documented in
:mod:`siteselect.raster.kernels.curves`, and :func:`siteselect.raster.params.factor_params`
builds the rows from a scenario's factors.

The kernels live in four modules by concern, re-exported here:
:mod:`siteselect.raster.kernels.curves` (the row layout, float32 standardisation),
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
