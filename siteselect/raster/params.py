"""A factor's standardisation as the plain parameter row the numba kernels take.

The kernels of :mod:`siteselect.raster.kernels` know nothing of the scenario
schema: each factor reaches them as one float64 row (:data:`PARAM_WIDTH`
values) holding its curve and nodata. This module is the one place that
translates a :class:`~siteselect.scenario.FactorSpec` into that row.

Row layout
----------
``[0]`` shape (0 linear, 1 sigmoid, 2 J-shaped, 3 piecewise);
``[1]`` nodata value (NaN = none or ``exclude``);
``[2:4]`` slope and offset of the rising ramp ``t = x·[2] + [3]``;
``[4:6]`` the falling ramp of a symmetric curve (``0, 1e300`` when none);
``[6]`` number of piecewise breakpoints; ``[8 : 8+MAX_BREAKS]`` their x and
``[8+MAX_BREAKS : 8+2·MAX_BREAKS]`` their y.
"""

from __future__ import annotations

import numpy as np

from siteselect.errors import ScenarioError
from siteselect.raster.kernels import MAX_BREAKS
from siteselect.scenario import FactorSpec, FuzzySpec

__all__ = ["PARAM_WIDTH", "factor_params", "curve_params"]

#: Values per parameter row.
PARAM_WIDTH = 8 + 2 * MAX_BREAKS
#: "No falling ramp": a ramp offset no value reaches.
_BIG = 1e300
_SHAPES = {"linear": 0, "sigmoid": 1, "jshaped": 2}

#: Curve of a class factor whose raster already holds standardised values.
_IDENTITY = FuzzySpec(shape="piecewise", points=[[0.0, 0.0], [1.0, 1.0]])


def curve_params(fuzzy: FuzzySpec, nodata: float | str | None) -> np.ndarray:
    """Pack a fuzzy curve and a nodata value into a kernel parameter row.

    Parameters
    ----------
    fuzzy
        The curve, control points in the factor's units.
    nodata
        Standardised value of a cell without a raw value; ``None`` or
        ``"exclude"`` leave it NaN.

    Returns
    -------
    numpy.ndarray
        float64, :data:`PARAM_WIDTH` values (layout in the module docstring).

    Raises
    ------
    ScenarioError
        A piecewise curve with more than ``MAX_BREAKS`` breakpoints.
    """
    p = np.zeros(PARAM_WIDTH, dtype=np.float64)
    p[1] = np.nan if nodata is None or nodata == "exclude" else float(nodata)
    p[4], p[5] = 0.0, _BIG
    if fuzzy.shape == "piecewise":
        pts = np.asarray(fuzzy.points, dtype=float)
        if len(pts) > MAX_BREAKS:
            raise ScenarioError(f"piecewise curves may have at most {MAX_BREAKS} breakpoints in raster mode; "
                                f"found {len(pts)}")
        p[0] = 3
        p[6] = len(pts)
        p[8 : 8 + len(pts)] = pts[:, 0]
        p[8 + MAX_BREAKS : 8 + MAX_BREAKS + len(pts)] = pts[:, 1]
        return p
    p[0] = _SHAPES[fuzzy.shape]
    vals = [float(x) for x in fuzzy.points]  # type: ignore[arg-type]
    if fuzzy.direction == "increasing":
        a, b = vals
        p[2], p[3] = 1.0 / (b - a), -a / (b - a)
    elif fuzzy.direction == "decreasing":
        a, b = vals
        p[2], p[3] = -1.0 / (b - a), b / (b - a)
    else:
        a, b, c, d = vals
        p[2], p[3] = 1.0 / (b - a), -a / (b - a)
        p[4], p[5] = -1.0 / (d - c), d / (d - c)
    return p


def factor_params(spec: FactorSpec, *, standardised: bool = False) -> np.ndarray:
    """Kernel parameter row of a factor.

    Parameters
    ----------
    spec
        The factor.
    standardised
        Its raster already holds standardised values (0–1, a class factor):
        the identity curve is used.

    Raises
    ------
    ScenarioError
        A numeric factor without a fuzzy curve, or one the kernels cannot take.
    """
    if standardised:
        return curve_params(_IDENTITY, spec.nodata)
    if spec.fuzzy is None:
        raise ScenarioError(f"factor with measure {spec.measure}: raster mode needs a fuzzy curve; add one")
    return curve_params(spec.fuzzy, spec.nodata)
