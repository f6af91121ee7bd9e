"""Checks that join the parts of a scenario, run by :class:`~siteselect.scenario.Scenario`'s validator.

What one model can check alone lives on that model (a fuzzy curve's points in
:class:`~siteselect.scenario.FuzzySpec`, an AHP matrix in
:class:`~siteselect.scenario.AHPSpec`, …). Here are the rules that need more
than one part: a factor's standardisation must fit its measure's kind, the
weights must name exactly the factors, OWA order weights count one per
factor, constraint ids are unique, and the layers come from one source.
Factors stay free-standing models (the raster engine builds ad-hoc ones), so
their measure rules are checked here, where a scenario is read.

Every check runs on the raw document and judges only values of the right
type; pydantic reports the others. Each returns ``(key path, message)``
pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siteselect.scenario._base import Problem
from siteselect.scenario.vocabulary import (
    CLASS_VALUES,
    MEASURES,
    PARAM_NAMES,
    REQUIRED_PARAMS,
    class_key,
    short_repr,
)

__all__ = ["factor_problems", "scenario_problems"]


def scenario_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems between the parts of a raw scenario document.

    Parameters
    ----------
    data
        The scenario as read from YAML (``provenance`` removed).

    Returns
    -------
    list of (tuple, str)
        Key path and message of each problem, in the order: layers, factors,
        weights, aggregation, constraints.
    """
    probs: list[Problem] = []
    if data.get("region") is not None and data.get("layers") is not None:
        probs.append((("layers",), "found both 'region' and 'layers'; allowed: one of them"))
    factors = data.get("factors")
    names: list[str] = []
    if isinstance(factors, Mapping):
        names = [str(k) for k in factors]
        for name, spec in factors.items():
            if isinstance(spec, Mapping):
                probs.extend((("factors", name, *loc), msg) for loc, msg in factor_problems(spec))
    if names:
        probs.extend(_weight_name_problems(data.get("weights"), names))
        probs.extend(_order_weight_count_problems(data.get("aggregation"), names))
    probs.extend(_constraint_id_problems(data.get("constraints")))
    return probs


def factor_problems(spec: Mapping[str, Any]) -> list[Problem]:
    """Problems of one raw factor against its measure: parameters, and fuzzy or classes by the measure's kind.

    Parameters
    ----------
    spec
        One raw ``factors.NAME`` mapping.

    Returns
    -------
    list of (tuple, str)
        Key paths below the factor, with messages.
    """
    measure = spec.get("measure")
    if measure is None:
        return []  # pydantic reports the missing key
    if measure not in MEASURES:
        return [(("measure",), f"found {short_repr(measure)}; allowed: {', '.join(MEASURES)}")]
    kind, params = MEASURES[measure]
    probs: list[Problem] = []
    for p in PARAM_NAMES:
        if p in spec and p not in params:
            allowed = ", ".join(params) if params else "none"
            probs.append(((p,), f"not a parameter of measure {measure!r}; allowed parameters: {allowed}"))
    for p in REQUIRED_PARAMS.get(measure, ()):
        if spec.get(p) is None:
            probs.append(((p,), f"required for measure {measure!r}"))
    if kind == "numeric":
        if "classes" in spec or "default" in spec:
            probs.append((("classes",), f"measure {measure!r} is numeric; allowed: fuzzy (classes are for "
                          "class measures)"))
        if spec.get("fuzzy") is None:
            probs.append((("fuzzy",), f"required for numeric measure {measure!r}"))
        return probs
    if "fuzzy" in spec:
        probs.append((("fuzzy",), f"measure {measure!r} is a class measure; allowed: classes (and default)"))
    classes = spec.get("classes")
    if classes is None:
        probs.append((("classes",), f"required for class measure {measure!r}"))
    elif isinstance(classes, Mapping):
        allowed_classes = CLASS_VALUES[measure]
        bad = [class_key(k) for k in classes if class_key(k) not in allowed_classes]
        if bad:
            probs.append((("classes",), f"found unknown class {', '.join(map(repr, bad))}; "
                          f"allowed: {', '.join(allowed_classes)}"))
    return probs


def _name_set_problems(loc: tuple[str, ...], given: list[str], factors: list[str]) -> list[Problem]:
    probs: list[Problem] = []
    unknown = [g for g in given if g not in factors]
    missing = [f for f in factors if f not in given]
    if unknown:
        probs.append((loc, f"found weights for {', '.join(map(repr, unknown))} which are not factors; "
                      f"allowed: {', '.join(factors)}"))
    if missing:
        probs.append((loc, f"no weight for factor {', '.join(map(repr, missing))}; give one weight per factor"))
    return probs


def _weight_name_problems(weights: Any, names: list[str]) -> list[Problem]:
    """Direct weights, or the AHP order, name every factor and nothing else."""
    if not isinstance(weights, Mapping):
        return []
    method = weights.get("method", "direct")
    values, ahp = weights.get("values"), weights.get("ahp")
    if method == "direct" and isinstance(values, Mapping):
        return _name_set_problems(("weights", "values"), list(values), names)
    if method == "ahp" and isinstance(ahp, Mapping) and isinstance(ahp.get("order"), list):
        return _name_set_problems(("weights", "ahp", "order"), [str(o) for o in ahp["order"]], names)
    return []


def _order_weight_count_problems(agg: Any, names: list[str]) -> list[Problem]:
    """OWA takes one order weight per factor."""
    if not isinstance(agg, Mapping) or agg.get("method") != "owa":
        return []
    ow = agg.get("order_weights")
    if isinstance(ow, list) and len(ow) != len(names):
        return [(("aggregation", "order_weights"), f"found {len(ow)} values; allowed: {len(names)} (one per factor)")]
    return []


def _constraint_id_problems(constraints: Any) -> list[Problem]:
    """Constraint ids are unique (exclusion reasons and the map's switches are keyed by them)."""
    if not isinstance(constraints, list):
        return []
    probs: list[Problem] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(constraints):
        cid = c.get("id") if isinstance(c, Mapping) else None
        if isinstance(cid, str):
            if cid in seen:
                probs.append((("constraints", i, "id"), f"found {cid!r} again (also constraints[{seen[cid]}]); "
                              "allowed: unique ids"))
            seen.setdefault(cid, i)
    return probs
