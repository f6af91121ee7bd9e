"""Standardise raw factor values to 0–1 (fuzzy membership and class maps).

Every numeric factor is turned into a suitability in [0, 1] by a curve whose
control points are given in the factor's own units (minutes, km, ha …):

``linear``
    increasing: 0 at or below *a*, 1 at or above *b*, straight in between.
    decreasing: the mirror image (1 at or below *a*, 0 at or above *b*).
    symmetric: rising *a*→*b*, 1 between *b* and *c*, falling *c*→*d*.
``sigmoid``
    the same control points with a sine-squared ramp,
    ``sin²(π/2 · (x − a)/(b − a))``: 0 at *a*, 0.5 half-way, 1 at *b*.
``jshaped``
    ``1 / (1 + ((x − b)/(b − a))²)`` on the rising side: 1 at *b* and
    0.5 at *a*, approaching 0 far below *a* (it never reaches 0).
    Decreasing and symmetric mirror it as for the other shapes.
``piecewise``
    straight lines through ``[x, y]`` breakpoints, flat beyond the first and
    last one (:func:`numpy.interp`).

Class measures map text values to numbers with ``classes`` and ``default``.

Missing values (NaN; NULL for classes) take the factor's stated ``nodata``
(a number, or ``"exclude"`` which yields NaN so the site is excluded); if a
factor states none, a missing value raises :class:`ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from siteselect.errors import ScenarioError
from siteselect.scenario import FactorSpec, FuzzySpec, class_key

__all__ = [
    "fuzzy_jshaped",
    "fuzzy_linear",
    "fuzzy_piecewise",
    "fuzzy_sigmoid",
    "standardise",
    "standardise_classes",
    "standardise_fuzzy",
    "standardise_table",
]


def _ramp(x: np.ndarray, a: float, b: float) -> np.ndarray:
    """Position of x between a and b, clipped to [0, 1]."""
    return np.clip((x - a) / (b - a), 0.0, 1.0)


def _combine(x: np.ndarray, points: tuple[float, ...], direction: str, rise: Any) -> np.ndarray:
    """Build increasing / decreasing / symmetric curves from a rising curve."""
    if direction == "increasing":
        a, b = points
        return rise(x, a, b)
    if direction == "decreasing":
        a, b = points
        # mirror: 1 at a, 0 at b  ==  rising curve on -x from -b to -a
        return rise(-x, -b, -a)
    a, b, c, d = points
    return np.where(x <= b, rise(x, a, b), rise(-x, -d, -c))


def _linear_rise(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return _ramp(x, a, b)


def _sigmoid_rise(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.sin(_ramp(x, a, b) * (np.pi / 2.0)) ** 2


def _jshaped_rise(x: np.ndarray, a: float, b: float) -> np.ndarray:
    t = np.minimum(x - b, 0.0) / (b - a)
    return 1.0 / (1.0 + t * t)


def fuzzy_linear(x: np.ndarray, points: tuple[float, ...], *, direction: str) -> np.ndarray:
    """Linear membership; see the module docstring for the control points."""
    return _combine(np.asarray(x, dtype=float), tuple(points), direction, _linear_rise)


def fuzzy_sigmoid(x: np.ndarray, points: tuple[float, ...], *, direction: str) -> np.ndarray:
    """Sine-squared sigmoid membership: 0 at *a*, 0.5 half-way, 1 at *b*."""
    return _combine(np.asarray(x, dtype=float), tuple(points), direction, _sigmoid_rise)


def fuzzy_jshaped(x: np.ndarray, points: tuple[float, ...], *, direction: str) -> np.ndarray:
    """J-shaped membership: 1 at *b*, 0.5 at *a*, tending to 0 beyond."""
    return _combine(np.asarray(x, dtype=float), tuple(points), direction, _jshaped_rise)


def fuzzy_piecewise(x: np.ndarray, points: list[list[float]]) -> np.ndarray:
    """Breakpoint curve through ``[x, y]`` points, flat outside them."""
    pts = np.asarray(points, dtype=float)
    return np.interp(np.asarray(x, dtype=float), pts[:, 0], pts[:, 1])


_SHAPES = {"linear": fuzzy_linear, "sigmoid": fuzzy_sigmoid, "jshaped": fuzzy_jshaped}


def standardise_fuzzy(x: np.ndarray, fuzzy: FuzzySpec) -> np.ndarray:
    """Apply a :class:`FuzzySpec` to finite values (NaN stays NaN)."""
    if fuzzy.shape == "piecewise":
        return fuzzy_piecewise(x, fuzzy.points)  # type: ignore[arg-type]
    fn = _SHAPES[fuzzy.shape]
    return fn(x, tuple(fuzzy.points), direction=fuzzy.direction or "increasing")  # type: ignore[arg-type]


def standardise_classes(
    values: np.ndarray | pd.Series,
    classes: Mapping[str, float],
    *,
    default: float | None,
    nodata: float | str | None,
    name: str = "factor",
) -> np.ndarray:
    """Map class values to numbers.

    NULL/NaN → ``nodata`` if stated, else ``default``; values not in
    ``classes`` → ``default``. Without the needed fallback a
    :class:`ScenarioError` lists the values that could not be mapped.
    ``nodata="exclude"`` gives NaN.
    """
    ser = pd.Series(np.asarray(values, dtype=object))
    isnull = ser.isna().to_numpy()
    keys = ser.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else class_key(v))
    mapped = keys.map(lambda k: classes.get(k) if k is not None else None)
    out = np.array(pd.to_numeric(mapped, errors="coerce"), dtype=float)
    unknown = ~isnull & np.isnan(out)
    if unknown.any():
        if default is None:
            found = sorted(set(keys[unknown]))
            raise ScenarioError(
                f"factors.{name}.classes: found value(s) {', '.join(map(repr, found))} with no class; "
                f"allowed: {', '.join(map(repr, classes))}; add them to classes or set factors.{name}.default"
            )
        out[unknown] = default
    if isnull.any():
        fill: float | str | None = nodata if nodata is not None else default
        if fill is None:
            raise ScenarioError(
                f"factors.{name}: {int(isnull.sum())} NULL value(s) and no nodata or default; "
                f"set factors.{name}.nodata (a number in [0, 1] or exclude) or factors.{name}.default"
            )
        out[isnull] = np.nan if fill == "exclude" else float(fill)
    return out


def standardise(values: np.ndarray | pd.Series, spec: FactorSpec | Mapping[str, Any], *, name: str = "factor") -> np.ndarray:
    """Standardise raw values of one factor to [0, 1].

    Parameters
    ----------
    values
        Raw values in the factor's units (or class values).
    spec
        The factor's :class:`FactorSpec` (or a dict validated into one).
    name
        Factor name used in error messages.

    Returns
    -------
    numpy.ndarray
        float64 in [0, 1]; NaN only where ``nodata: exclude`` applied.

    Raises
    ------
    ScenarioError
        Missing values without a stated ``nodata``, or class values without
        a class and no ``default``.
    """
    fs = spec if isinstance(spec, FactorSpec) else FactorSpec.model_validate(dict(spec))
    if fs.classes is not None:
        return standardise_classes(values, fs.classes, default=fs.default, nodata=fs.nodata, name=name)
    if fs.fuzzy is None:
        raise ScenarioError(f"factors.{name}: has neither fuzzy nor classes; add one")
    x = np.asarray(values, dtype=float)
    out = standardise_fuzzy(x, fs.fuzzy)
    missing = np.isnan(x)
    if missing.any():
        if fs.nodata is None:
            raise ScenarioError(
                f"factors.{name}: {int(missing.sum())} missing (NaN) raw value(s), e.g. unreachable, "
                f"and no nodata; set factors.{name}.nodata to a number in [0, 1] or to exclude"
            )
        out = np.where(missing, np.nan if fs.nodata == "exclude" else float(fs.nodata), out)
    return out


def standardise_table(
    raw: pd.DataFrame, factors: Mapping[str, FactorSpec]
) -> tuple[pd.DataFrame, pd.Series]:
    """Standardise every factor column of ``raw``.

    Parameters
    ----------
    raw
        One column per factor name (raw values), any index.
    factors
        Factor name -> spec (``scenario.factors``).

    Returns
    -------
    std : pandas.DataFrame
        Same index, one column per factor, values in [0, 1] (NaN where a
        factor with ``nodata: exclude`` had no value).
    nodata_reason : pandas.Series
        Per row, ``"; "``-joined reasons such as
        ``"port_minutes: no data (nodata: exclude)"``; ``""`` when none.
    """
    missing = [n for n in factors if n not in raw.columns]
    if missing:
        raise ScenarioError(f"raw factor table lacks column(s) {', '.join(missing)}; compute these measures first")
    std = pd.DataFrame(index=raw.index)
    reasons = [[] for _ in range(len(raw))]  # type: list[list[str]]
    for n, spec in factors.items():
        col = standardise(raw[n].to_numpy(), spec, name=n)
        std[n] = col
        for i in np.flatnonzero(np.isnan(col)):
            reasons[i].append(f"{n}: no data (nodata: exclude)")
    return std, pd.Series(["; ".join(r) for r in reasons], index=raw.index, dtype=object)
