"""Land readiness (markberedskap): how soon a candidate site can be built on.

Each site gets a *readiness class* from a configurable class map: an ordered
list of classes, each with the conditions a site must meet; the first class
whose conditions all hold wins, and the last class is the fallback. What is
judged:

plan
    ``plan_status`` (gällande / pågående / ingen) and ``plan_use`` codes
    (J industri, Z verksamheter, E tekniska anläggningar, T trafik …).
ownership
    ``owner`` (kommunal / privat / statlig / okänd).
contamination
    derived from ``mifo_class`` and the optional ``contamination_status``
    (``investigated`` / ``remediated`` / ``not_investigated``) into one state:
    ``remediated``, ``high`` (MIFO 1–2), ``low`` (MIFO 3–4), ``unknown``
    (a brownfield without a MIFO class, or stated not investigated) or
    ``none_known``.
utilities
    optional boolean candidate fields ``water_sewage``, ``district_heat``,
    ``fibre``, ``road_access``. A missing column or NULL value is *unknown*
    and stated as such; a condition asking for a utility is met only by
    ``true``.
time to build-ready
    the optional field ``years_to_build_ready`` when given, else the class's
    ``years``.

The class map (scenario key ``readiness``, see :data:`DEFAULT_CLASS_MAP`; its schema and check,
:func:`validate_class_map`, live with the scenario in :mod:`siteselect.scenario.readiness`)::

    classes:
      - {id: A, label: byggklar, score: 1.0, years: 0.5,
         plan_status: [gällande], plan_use: [J, Z, E, T], owner: [kommunal, statlig],
         contamination: [none_known, remediated, low], utilities: [water_sewage, road_access]}
      - ...
      - {id: E, label: kräver utredning, score: 0.1, years: 5}   # fallback: no conditions
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from siteselect.scenario.readiness import (
    CONTAMINATION_STATES,
    DEFAULT_CLASS_MAP,
    UTILITIES,
    validate_class_map,
)

__all__ = [
    "CONTAMINATION_STATES",
    "DEFAULT_CLASS_MAP",
    "READINESS_COLUMNS",
    "UTILITIES",
    "contamination_state",
    "land_readiness",
    "validate_class_map",
]

_UTILITY_TEXT = {
    "water_sewage": "water/sewage",
    "district_heat": "district heat",
    "fibre": "fibre",
    "road_access": "road access",
}
#: Columns :func:`land_readiness` returns.
READINESS_COLUMNS: tuple[str, ...] = (
    "readiness_class", "readiness_label", "readiness_score", "readiness_reasons", "years_to_build_ready",
)


def _is_null(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def contamination_state(mifo_class: Any, site_type: Any, status: Any = None) -> str:
    """One of :data:`CONTAMINATION_STATES` for a site."""
    st = None if _is_null(status) else str(status).strip().lower()
    if st == "remediated":
        return "remediated"
    if not _is_null(mifo_class):
        return "high" if int(mifo_class) <= 2 else "low"
    if st == "not_investigated" or site_type == "brownfield":
        return "unknown"
    return "none_known"


def _plan_codes(value: Any) -> list[str]:
    if _is_null(value) or not str(value).strip():
        return []
    return [c for c in re.split(r"[,;\s]+", str(value).strip().upper()) if c]


def _utility(row: Mapping[str, Any], name: str) -> bool | None:
    v = row.get(name)
    if _is_null(v):
        return None
    if isinstance(v, str):
        t = v.strip().lower()
        if t in ("true", "yes", "ja", "1"):
            return True
        if t in ("false", "no", "nej", "0"):
            return False
        return None
    return bool(v)


def _failures(cls: Mapping[str, Any], facts: Mapping[str, Any]) -> list[str]:
    out = []
    if "plan_status" in cls and facts["plan_status"] not in cls["plan_status"]:
        out.append(f"plan status {facts['plan_status']}")
    if "plan_use" in cls:
        codes = facts["plan_use"]
        allowed = [str(a).upper() for a in cls["plan_use"]]
        ok = any(c in allowed for c in codes) or (not codes and "NONE" in allowed)
        if not ok:
            out.append(f"plan use {','.join(codes) if codes else 'none'}")
    if "owner" in cls and facts["owner"] not in cls["owner"]:
        out.append(f"owner {facts['owner']}")
    if "contamination" in cls and facts["contamination"] not in cls["contamination"]:
        out.append(f"contamination {facts['contamination']}")
    for u in cls.get("utilities", ()):
        val = facts["utilities"][u]
        if val is not True:
            out.append(f"{_UTILITY_TEXT[u]} {'unknown' if val is None else 'missing'}")
    return out


def land_readiness(candidates: pd.DataFrame, *, class_map: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Readiness class, score, reasons and years to build-ready per site.

    Parameters
    ----------
    candidates
        Role ``candidates`` (``plan_status``, ``plan_use``, ``owner``,
        ``mifo_class``, ``site_type``; optional ``contamination_status``,
        utilities of :data:`UTILITIES`, ``years_to_build_ready``).
    class_map
        Ordered classes (see the module docstring); default
        :data:`DEFAULT_CLASS_MAP`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``candidates``: ``readiness_class`` (id),
        ``readiness_label``, ``readiness_score``, ``readiness_reasons`` (the
        site's facts, unknowns named as unknown, and why the better classes
        were not reached), ``years_to_build_ready``.

    Raises
    ------
    ScenarioError
        The class map is invalid.
    """
    classes = validate_class_map(class_map if class_map is not None else DEFAULT_CLASS_MAP)
    rows = []
    for _, site in candidates.iterrows():
        rec: dict[str, Any] = {str(k): v for k, v in site.items()}
        codes = _plan_codes(rec.get("plan_use"))
        contamination = contamination_state(rec.get("mifo_class"), rec.get("site_type"),
                                            rec.get("contamination_status"))
        utilities = {u: _utility(rec, u) for u in UTILITIES}
        facts: dict[str, Any] = {
            "plan_status": rec.get("plan_status"),
            "plan_use": codes,
            "owner": rec.get("owner"),
            "contamination": contamination,
            "utilities": utilities,
        }
        missed: list[str] = []
        chosen = classes[-1]
        for cls in classes:
            fails = _failures(cls, facts)
            if not fails:
                chosen = cls
                break
            missed.append(f"not {cls['id']}: {', '.join(fails)}")
        given_years = rec.get("years_to_build_ready")
        years = float(given_years) if given_years is not None and not _is_null(given_years) else float(chosen["years"])
        util_text = ", ".join(
            f"{_UTILITY_TEXT[u]} {'unknown' if v is None else ('yes' if v else 'no')}"
            for u, v in utilities.items()
        )
        plan_use = ",".join(codes) or "none"
        mifo = rec.get("mifo_class")
        mifo_text = f"MIFO {int(mifo)}" if mifo is not None and not _is_null(mifo) else "no MIFO class"
        reasons = [
            f"plan {facts['plan_status']} ({plan_use})",
            f"owner {facts['owner']}",
            f"contamination {contamination.replace('_', ' ')} ({mifo_text})",
            util_text,
        ]
        if given_years is not None and not _is_null(given_years):
            reasons.append(f"years to build-ready stated: {years:g}")
        reasons += missed
        rows.append({
            "readiness_class": str(chosen["id"]),
            "readiness_label": str(chosen.get("label", chosen["id"])),
            "readiness_score": float(chosen["score"]),
            "readiness_reasons": "; ".join(reasons),
            "years_to_build_ready": years,
        })
    return pd.DataFrame(rows, index=candidates.index, columns=list(READINESS_COLUMNS)).astype(
        {"readiness_score": float, "years_to_build_ready": float}
    )


def readiness_class_values(class_map: Mapping[str, Any] | None = None) -> Sequence[str]:
    """Class ids of a class map, best first."""
    return [str(c["id"]) for c in validate_class_map(class_map if class_map is not None else DEFAULT_CLASS_MAP)]
