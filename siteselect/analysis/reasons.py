"""Exclusion reasons as data (a code and its parameters), rendered per language.

Constraints, hard limits, missing factor values and the grid each say why a
site is out. ``ranking.csv`` keeps the English ``exclusion_reason`` text it
always had; beside it the pipeline keeps ``exclusion_detail``: a JSON list of
``{"code": ..., **params}`` that every output renders in its own language
from the label table (:mod:`siteselect.core.labels`, keys ``reason_<code>``)::

    >>> r = Reason("within", {"pct": 100.0, "distance_m": 1000.0, "layer": "urban_areas"})
    >>> render_reason(r, lang="en")
    'the whole site lies within 1,000 m of urban areas'

A reason whose code has no template (written by a newer version) is shown by
its code and parameters, never dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from siteselect.core.labels import label, labels_for

__all__ = ["Reason", "grid_note", "site_reasons", "reasons_from_json", "reasons_to_json", "render_reason", "render_reasons"]


@dataclass(frozen=True)
class Reason:
    """Why one site is excluded: ``code`` names the template, ``params`` fill it.

    Attributes
    ----------
    code
        ``inside``, ``within``, ``cut_below_min``, ``where``, ``where_null``,
        ``min_area``, ``min_voltage``, ``site_min_area``, ``limit_unreachable``,
        ``limit_max``, ``limit_min``, ``nodata`` or ``grid``.
    params
        JSON-safe values (numbers, strings, ``None``).
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


def reasons_to_json(reasons: Sequence[Reason]) -> str:
    """One cell of ``exclusion_detail``: ``""`` for no reason, else a JSON list."""
    if not reasons:
        return ""
    return json.dumps([{"code": r.code, **dict(r.params)} for r in reasons], ensure_ascii=False,
                      default=_json_default)


def _json_default(v: Any) -> Any:
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return str(v)


def reasons_from_json(text: Any) -> list[Reason]:
    """Parse one ``exclusion_detail`` cell (``""``/NaN → no reasons)."""
    if not isinstance(text, str) or not text.strip():
        return []
    data = json.loads(text)
    out = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, Mapping) and "code" in item:
            out.append(Reason(str(item["code"]), {k: v for k, v in item.items() if k != "code"}))
    return out


def number(value: Any, digits: int = 0, *, lang: str) -> str:
    """A number as the language writes it (``12 345,6`` in Swedish, ``12,345.6`` in English)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "–"
    text = f"{v:,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _decimals(v: float) -> int:
    """Fewest decimals (0–4) that show ``v`` as stored (19.96 stays 19.96, 40.0 becomes 40)."""
    for digits in range(5):
        if abs(round(v, digits) - v) < 1e-9:
            return digits
    return 4


def render_reason(reason: Reason, *, lang: str) -> str:
    """One reason in plain language.

    Raises
    ------
    siteselect.errors.LanguageError
        ``lang`` is not an output language.
    """
    lab = labels_for(lang)
    p = dict(reason.params)
    if reason.code == "grid":
        note = p.get(f"note_{lang}") or p.get("note_en") or ""
        return lab["reason_grid"].format(note=note)
    template = lab.get(f"reason_{reason.code}")
    if template is None:
        return f"{reason.code}: " + ", ".join(f"{k}={v}" for k, v in p.items())
    fmt: dict[str, str] = {}
    for k, v in p.items():
        if k in ("layer", "field", "key", "factor"):
            fmt[k] = label(str(v), lang=lang)
        elif k == "pct":
            fmt[k] = number(v, 0, lang=lang)
        elif k in ("left_ha", "min_ha", "nearest_km", "km") and isinstance(v, (int, float)):
            fmt[k] = number(v, _decimals(float(v)), lang=lang)
        elif k == "value" and reason.code == "limit_max" and isinstance(v, (int, float)):
            fmt[k] = number(v, 0 if round(float(v)) > float(p.get("limit", 0)) else 1, lang=lang)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            fmt[k] = number(v, 0, lang=lang)
        else:
            fmt[k] = label(str(v), lang=lang) if isinstance(v, str) else str(v)
    if reason.code in ("inside", "within") and float(p.get("pct", 0)) >= 99.95:
        template = lab[f"reason_{reason.code}_all"]
    if reason.code == "min_voltage" and p.get("nearest_km") is None:
        template = lab["reason_min_voltage_none"]
    try:
        return template.format(**fmt)
    except (KeyError, IndexError):
        return f"{reason.code}: " + ", ".join(f"{k}={v}" for k, v in p.items())


def render_reasons(cell: Any, *, lang: str, fallback: Any = None) -> list[str]:
    """Render one ``exclusion_detail`` cell; with no detail, split ``fallback`` (English text) on ``;``."""
    reasons = reasons_from_json(cell)
    if reasons:
        return _dedupe(render_reason(r, lang=lang) for r in reasons)
    labels_for(lang)
    if isinstance(fallback, str) and fallback.strip():
        return [s.strip() for s in fallback.split(";") if s.strip()]
    return []


def site_reasons(row: Mapping[str, Any], *, lang: str) -> list[str]:
    """A ranking row's exclusion reasons in ``lang`` (``exclusion_detail``, else ``exclusion_reason``)."""
    return render_reasons(row.get("exclusion_detail"), lang=lang, fallback=row.get("exclusion_reason"))


def grid_note(row: Mapping[str, Any], *, lang: str) -> str | None:
    """A ranking row's grid note in ``lang`` (``grid_note_sv`` / ``grid_note``), ``None`` when absent."""
    labels_for(lang)
    for col in (("grid_note_sv", "grid_note") if lang == "sv" else ("grid_note",)):
        v = row.get(col)
        if isinstance(v, str) and v:
            return v
    return None


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for s in items:
        if s not in seen:
            seen.append(s)
    return seen
