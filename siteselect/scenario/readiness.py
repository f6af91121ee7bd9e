"""The land-readiness class map (scenario key ``readiness``): its schema, default and check.

A class map is an ordered list of classes, each with the conditions a site
must meet; the first class whose conditions all hold wins and the last class,
which takes no conditions, is the fallback. :func:`validate_class_map` checks
one; :mod:`siteselect.analysis.readiness` applies it to the candidates.

    classes:
      - {id: A, label: byggklar, score: 1.0, years: 0.5,
         plan_status: [gällande], plan_use: [J, Z, E, T], owner: [kommunal, statlig],
         contamination: [none_known, remediated, low], utilities: [water_sewage, road_access]}
      - ...
      - {id: E, label: kräver utredning, score: 0.1, years: 5}   # fallback: no conditions
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siteselect.core.roles import OWNERS, PLAN_STATUSES
from siteselect.errors import ScenarioError

__all__ = [
    "CLASS_KEYS",
    "CONDITION_KEYS",
    "CONTAMINATION_STATES",
    "DEFAULT_CLASS_MAP",
    "UTILITIES",
    "validate_class_map",
]

#: Optional boolean candidate fields for utilities (NULL / absent = unknown).
UTILITIES: tuple[str, ...] = ("water_sewage", "district_heat", "fibre", "road_access")
#: Contamination states a site can be in (see :func:`siteselect.analysis.readiness.contamination_state`).
CONTAMINATION_STATES: tuple[str, ...] = ("none_known", "remediated", "low", "high", "unknown")
#: Condition keys of a class (what a site must meet).
CONDITION_KEYS: tuple[str, ...] = ("plan_status", "plan_use", "owner", "contamination", "utilities")
#: Every key a class may have.
CLASS_KEYS: tuple[str, ...] = ("id", "label", "score", "years") + CONDITION_KEYS

#: The default class map (Swedish labels; build-ready land per DOMAIN.md).
DEFAULT_CLASS_MAP: dict[str, Any] = {
    "classes": [
        {"id": "A", "label": "byggklar", "score": 1.0, "years": 0.5,
         "plan_status": ["gällande"], "plan_use": ["J", "Z", "E", "T"], "owner": ["kommunal", "statlig"],
         "contamination": ["none_known", "remediated", "low"], "utilities": ["water_sewage", "road_access"]},
        {"id": "B", "label": "planlagd", "score": 0.75, "years": 1.0,
         "plan_status": ["gällande"], "plan_use": ["J", "Z", "E", "T"],
         "contamination": ["none_known", "remediated", "low", "unknown"]},
        {"id": "C", "label": "plan pågår", "score": 0.5, "years": 2.0,
         "plan_status": ["pågående"], "plan_use": ["J", "Z", "E", "T", "none"],
         "contamination": ["none_known", "remediated", "low", "unknown"]},
        {"id": "D", "label": "ej planlagd", "score": 0.25, "years": 4.0,
         "plan_status": ["ingen"], "contamination": ["none_known", "remediated", "low", "unknown"]},
        {"id": "E", "label": "kräver utredning", "score": 0.1, "years": 6.0},
    ]
}


def validate_class_map(class_map: Mapping[str, Any], *, source: str = "readiness") -> list[dict[str, Any]]:
    """Check a class map; return its classes as plain dicts.

    Parameters
    ----------
    class_map
        ``{classes: [...]}`` as read from the scenario (see the module docstring).
    source
        Key path that starts every message.

    Returns
    -------
    list of dict
        The classes, best first; the last is the fallback.

    Raises
    ------
    ScenarioError
        Listing every problem, each with its key path (``readiness.classes[1].score``).
    """
    if not isinstance(class_map, Mapping) or not isinstance(class_map.get("classes"), list):
        raise ScenarioError(f"{source}: found {type(class_map).__name__}; allowed: a mapping with a list 'classes'")
    classes = class_map["classes"]
    probs: list[str] = []
    extra = [k for k in class_map if k != "classes"]
    if extra:
        probs.append(f"{source}: unknown key(s) {', '.join(map(str, extra))}; allowed: classes")
    if not classes:
        probs.append(f"{source}.classes: empty; allowed: at least one class (the last is the fallback)")
    seen: set[str] = set()
    allowed_values = {
        "plan_status": PLAN_STATUSES,
        "owner": OWNERS,
        "contamination": CONTAMINATION_STATES,
        "utilities": UTILITIES,
    }
    for i, c in enumerate(classes):
        path = f"{source}.classes[{i}]"
        if not isinstance(c, Mapping):
            probs.append(f"{path}: found {type(c).__name__}; allowed: a mapping")
            continue
        for k in c:
            if k not in CLASS_KEYS:
                probs.append(f"{path}: unknown key {k!r}; allowed keys: {', '.join(CLASS_KEYS)}")
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            probs.append(f"{path}.id: required; a short text such as 'A'")
        elif cid in seen:
            probs.append(f"{path}.id: {cid!r} again; allowed: unique ids")
        else:
            seen.add(cid)
        score = c.get("score")
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1:
            probs.append(f"{path}.score: found {score!r}; allowed: a number in [0, 1]")
        years = c.get("years")
        if not isinstance(years, (int, float)) or isinstance(years, bool) or years < 0:
            probs.append(f"{path}.years: found {years!r}; allowed: a number of years ≥ 0")
        for key in CONDITION_KEYS:
            if key not in c:
                continue
            vals = c[key]
            if not isinstance(vals, list) or not vals:
                probs.append(f"{path}.{key}: found {vals!r}; allowed: a non-empty list")
                continue
            if key in allowed_values:
                bad = [v for v in vals if v not in allowed_values[key]]
                if bad:
                    probs.append(f"{path}.{key}: found {', '.join(map(repr, bad))}; "
                                 f"allowed: {', '.join(allowed_values[key])}")
    if classes and isinstance(classes[-1], Mapping) and any(k in classes[-1] for k in CONDITION_KEYS):
        probs.append(f"{source}.classes[{len(classes) - 1}]: the last class is the fallback and takes no conditions; "
                     "remove its conditions or add a fallback class")
    if probs:
        raise ScenarioError(f"{source}: {len(probs)} problem(s)\n" + "\n".join(f"  - {p}" for p in probs))
    return [dict(c) for c in classes]
