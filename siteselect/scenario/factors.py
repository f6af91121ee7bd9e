"""Factors: a measure plus its standardisation to 0–1 (``factors.NAME`` and ``factors.NAME.fuzzy``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from siteselect.scenario._base import Problem, SchemaModel, with_problems
from siteselect.scenario.vocabulary import (
    MAX_FUZZY_POINT,
    MAX_PIECEWISE_POINTS,
    MEASURES,
    PARAM_NAMES,
    Number,
    class_key,
    parse_fraction,
    short_repr,
)

__all__ = ["FactorSpec", "FuzzyDirection", "FuzzyShape", "FuzzySpec"]

FuzzyShape = Literal["linear", "sigmoid", "jshaped", "piecewise"]
FuzzyDirection = Literal["increasing", "decreasing", "symmetric"]


class FuzzySpec(SchemaModel):
    """Fuzzy standardisation of a numeric factor to 0–1.

    ``points`` are control points in the factor's own units: 2 values
    (a, b) for increasing/decreasing, 4 values (a, b, c, d) for symmetric
    (rising a→b, 1 between b and c, falling c→d); for ``shape: piecewise`` a
    list of ``[x, y]`` pairs with strictly increasing x and y in [0, 1]
    (``direction`` is then not used).
    """

    shape: FuzzyShape
    direction: FuzzyDirection | None = None
    points: list[Number] | list[list[Number]]

    @field_validator("points", mode="before")
    @classmethod
    def _points_finite(cls, value: Any) -> Any:
        """One clear message for a non-finite point (instead of one per union member)."""
        if not isinstance(value, list):
            return value
        items = [(f"[{i}]", v) for i, v in enumerate(value) if not isinstance(v, list)]
        items += [(f"[{i}][{j}]", w) for i, v in enumerate(value) if isinstance(v, list) for j, w in enumerate(v)]
        for where, v in items:
            if isinstance(v, bool):
                continue
            try:
                num = parse_fraction(v)
            except ValueError as exc:
                raise ValueError(f"found {v!r} (item {where}); {exc}") from exc
            try:
                x = float(num)
            except (TypeError, ValueError):
                continue  # not a number: the type check reports it
            if not math.isfinite(x):
                raise ValueError(f"found {v!r} (item {where}); allowed: finite numbers")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _curve_ok(cls, data: Any, handler: Any) -> Any:
        """The points fit the shape and direction: count, order, range and size."""
        problems = _curve_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__)


def _curve_problems(fuzzy: Mapping[str, Any]) -> list[Problem]:
    """Problems of a raw ``fuzzy`` mapping's points (only values of the right type are judged)."""
    shape, direction, points = fuzzy.get("shape"), fuzzy.get("direction"), fuzzy.get("points")
    if not isinstance(points, list):
        return []
    if shape == "piecewise":
        return _piecewise_problems(direction, points)
    if shape not in ("linear", "sigmoid", "jshaped"):
        return []
    if direction is None:
        return [(("direction",), f"required for shape {shape!r}; allowed: increasing, decreasing, symmetric")]
    if direction not in ("increasing", "decreasing", "symmetric"):
        return []
    if any(isinstance(p, list) for p in points):
        return [(("points",), f"found pairs; allowed: plain numbers for shape {shape!r} (pairs are for piecewise)")]
    xs = _floats(points)
    if xs is None:
        return []  # not numbers, or not finite: reported by the type check or _points_finite
    probs = _point_size_problems(xs)
    need = 4 if direction == "symmetric" else 2
    if len(xs) != need:
        names = "a, b, c, d" if need == 4 else "a, b"
        probs.append((("points",), f"found {len(xs)} values; allowed: {need} control points ({names}) "
                                   f"for direction {direction!r}"))
    elif any(b <= a for a, b in zip(xs, xs[1:])):
        probs.append((("points",), f"found {xs}; allowed: strictly increasing control points"))
    return probs


def _piecewise_problems(direction: Any, points: list[Any]) -> list[Problem]:
    probs: list[Problem] = []
    if direction is not None:
        probs.append((("direction",), "not used by shape 'piecewise' (the points give the curve); remove it"))
    if len(points) < 2 or not all(isinstance(p, list) and len(p) == 2 for p in points):
        return probs + [(("points",), f"found {short_repr(points)}; allowed: at least 2 [x, y] pairs")]
    if len(points) > MAX_PIECEWISE_POINTS:
        probs.append((("points",), f"found {len(points)} [x, y] pairs; allowed: at most "
                                   f"{MAX_PIECEWISE_POINTS} (merge points where the curve is straight)"))
    xs, ys = _floats([p[0] for p in points]), _floats([p[1] for p in points])
    if xs is None or ys is None:
        return probs
    probs.extend(_point_size_problems(xs))
    if any(b <= a for a, b in zip(xs, xs[1:])):
        probs.append((("points",), f"found x values {xs}; allowed: strictly increasing x"))
    if any(not 0 <= y <= 1 for y in ys):
        probs.append((("points",), f"found y values {ys}; allowed: y in [0, 1]"))
    return probs


def _floats(values: list[Any]) -> list[float] | None:
    """``values`` as finite floats (fractions read), or None when one is not a finite number."""
    try:
        xs = [float(parse_fraction(v)) for v in values]
    except (TypeError, ValueError):
        return None
    return xs if all(math.isfinite(v) for v in xs) else None


def _point_size_problems(xs: list[float]) -> list[Problem]:
    big = [x for x in xs if abs(x) > MAX_FUZZY_POINT]
    if big:
        return [(("points",), f"found {big[0]:g}; allowed: control points within ±{MAX_FUZZY_POINT:g}")]
    return []


class FactorSpec(SchemaModel):
    """One factor: a measure plus how it is standardised.

    Numeric measures take ``fuzzy``; class measures take ``classes`` and an
    optional ``default`` for values not listed. ``nodata`` is the standardised
    value given to missing raw values (NaN, e.g. unreachable; NULL for
    classes): a number in [0, 1] or ``"exclude"`` (the site is excluded).
    Without ``nodata`` a missing value is an error, never a silent guess.
    """

    measure: str
    min_voltage_kv: float | None = Field(default=None, gt=0, le=1000)
    station_kinds: list[Literal["passenger", "freight", "combi"]] | None = None
    minutes: float | None = Field(default=None, gt=0, le=600)
    fuzzy: FuzzySpec | None = None
    classes: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    default: float | None = Field(default=None, ge=0, le=1)
    nodata: Annotated[float, Field(ge=0, le=1)] | Literal["exclude"] | None = None

    @field_validator("classes", mode="before")
    @classmethod
    def _class_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {class_key(k): v for k, v in value.items()}
        return value

    @field_validator("classes")
    @classmethod
    def _classes_not_empty(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None and not value:
            raise ValueError("found an empty mapping; allowed: class -> value in [0, 1]")
        return value

    @property
    def kind(self) -> str:
        """``"numeric"`` or ``"class"``."""
        return MEASURES[self.measure][0]

    @property
    def params(self) -> dict[str, Any]:
        """Measure parameters that were given (for ``measures.py``)."""
        return {p: getattr(self, p) for p in PARAM_NAMES if getattr(self, p) is not None}
