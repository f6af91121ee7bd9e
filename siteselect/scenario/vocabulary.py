"""The scenario's vocabulary: measure names and parameters, class values, limits, small parsers.

Plain data and small functions the models, the checks and the analysis stages
share. :data:`MEASURE_PARAMS` is the list of measures a scenario may name and
the parameters each takes; the measure registry in :mod:`siteselect.analysis`
is tested against it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from siteselect.core.roles import OWNERS, PLAN_STATUSES, SITE_TYPES

__all__ = [
    "CLASS_VALUES",
    "MAX_DISTANCE_M",
    "MAX_FUZZY_POINT",
    "MAX_PIECEWISE_POINTS",
    "MAX_SENSITIVITY_RUNS",
    "MAX_WEIGHT",
    "MEASURES",
    "MEASURE_PARAMS",
    "PARAM_NAMES",
    "REQUIRED_PARAMS",
    "Number",
    "class_key",
    "parse_fraction",
    "short_repr",
]

#: Measure name -> (kind, allowed parameters). ``kind`` is "numeric" (takes
#: ``fuzzy``) or "class" (takes ``classes``).
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "substation_km": ("numeric", ("min_voltage_kv",)),
    "industrial_km": ("numeric", ()),
    "port_minutes": ("numeric", ()),
    "motorway_minutes": ("numeric", ()),
    "rail_minutes": ("numeric", ("station_kinds",)),
    "airport_minutes": ("numeric", ()),
    "substation_minutes": ("numeric", ("min_voltage_kv",)),
    "population_within": ("numeric", ("minutes",)),
    "area_ha": ("numeric", ()),
    "plan_status": ("class", ()),
    "site_type": ("class", ()),
    "owner": ("class", ()),
    "mifo_class": ("class", ()),
}

#: Measure name -> the parameters it takes (the measure registry is tested against this).
MEASURE_PARAMS: dict[str, tuple[str, ...]] = {name: params for name, (_, params) in MEASURES.items()}

#: Measure parameters that must be given.
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {"population_within": ("minutes",)}

#: Class values a class measure can take (keys of ``classes``).
CLASS_VALUES: dict[str, tuple[str, ...]] = {
    "plan_status": PLAN_STATUSES,
    "site_type": SITE_TYPES,
    "owner": OWNERS,
    "mifo_class": ("1", "2", "3", "4"),
}

#: Every measure parameter a factor may carry (fields of ``FactorSpec``).
PARAM_NAMES: tuple[str, ...] = ("min_voltage_kv", "station_kinds", "minutes")

#: Most control points of a ``piecewise`` fuzzy curve (the raster kernel's
#: ``siteselect.raster.kernels.MAX_BREAKS``).
MAX_PIECEWISE_POINTS = 16
#: Largest absolute fuzzy control point (any factor unit: minutes, km, ha, people).
MAX_FUZZY_POINT = 1e9
#: Largest direct weight (weights are relative; they are normalised to sum 1).
MAX_WEIGHT = 1e6
#: Largest buffer distance of a ``within`` constraint, metres.
MAX_DISTANCE_M = 100_000.0
#: Most Monte-Carlo runs (memory grows with runs × sites × factors).
MAX_SENSITIVITY_RUNS = 10_000

_FRACTION_RE = re.compile(r"([0-9]*\.?[0-9]+)\s*/\s*([0-9]*\.?[0-9]+)")


def parse_fraction(value: Any) -> Any:
    """Turn YAML fraction strings such as ``"1/3"`` (and number strings) into floats.

    Parameters
    ----------
    value
        Any value as read from YAML.

    Returns
    -------
    Any
        A float for a fraction or number string; anything else unchanged.

    Raises
    ------
    ValueError
        The fraction divides by zero.
    """
    if isinstance(value, str):
        text = value.strip()
        m = _FRACTION_RE.fullmatch(text)
        if m:
            den = float(m.group(2))
            if den == 0:
                raise ValueError(f"fraction {value!r} divides by zero")
            return float(m.group(1)) / den
        try:
            return float(text)
        except ValueError:
            return value
    return value


#: A number that may be written as a fraction (``"1/3"``).
Number = Annotated[float, BeforeValidator(parse_fraction)]


def class_key(value: Any) -> str:
    """Canonical text of a class value: integral numbers lose their ``.0``, booleans are lower case.

    Parameters
    ----------
    value
        A class value as read from YAML or a layer (``1``, ``1.0``, ``"gällande"``).

    Returns
    -------
    str
        ``"1"`` for ``1`` and ``1.0``; ``"true"`` for ``True``; ``str(value)`` otherwise.
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def short_repr(value: Any) -> str:
    """``repr`` of a value a user gave, cut to 60 characters for one-line messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
