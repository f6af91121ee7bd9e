"""What the live map needs to re-score a run in the browser.

:func:`live_model_from_result` gathers, per candidate, what the engine used
(each factor's raw value, the standardised value of factors the browser does
not recompute, every exclusion reason tagged with the rule that gave it) and,
per scenario, what the planner may change: the fuzzy curves, the weights
(direct or AHP), the aggregation (WLC or OWA with order weights), the
constraints and the limits (switched on or off). ``siteselect_live.js``
re-scores and re-ranks with the same formulas as :mod:`siteselect.analysis.factors`,
:mod:`siteselect.analysis.weights` and :mod:`siteselect.analysis.overlay`.

Exclusions are decided here in Python; the browser only switches rules off
and on. Turning off an area rule (``inside``, ``within``, ``min_area``)
re-admits the sites it excluded; whether another area rule or
``site.min_area_ha`` would then exclude such a site depends on geometry the
page does not hold, so those sites are marked ``approx`` until a re-run
(the exported YAML) settles them. Every other rule is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from siteselect.analysis.capacity import GRID_FACTOR
from siteselect.analysis.constraint_kinds import constraint_kind
from siteselect.outputs.colours import SCORE_CMAP
from siteselect.outputs.maplayers import json_number as _num

if TYPE_CHECKING:
    from siteselect.analysis.result import Result

__all__ = ["LIMIT_KEYS", "live_model_from_result", "viridis_lut"]

#: Scenario ``limits`` keys the page can switch off, in the order the engine checks them.
LIMIT_KEYS = ("max_port_minutes", "max_motorway_minutes", "max_rail_minutes", "min_workers_45min")


def viridis_lut(cmap: str = SCORE_CMAP) -> list[str]:
    """The 256 colours of ``cmap`` as hex, as :func:`siteselect.outputs.mapview.score_colors` picks them."""
    cm = colormaps[cmap]
    return [to_hex(cm(i)) for i in range(cm.N)]


def _split_reasons(text: str, prefixes: list[tuple[str, int]]) -> list[list[Any]]:
    """Split a ``"; "``-joined reason into ``[rule, text]`` parts by their known prefixes.

    ``rule`` is an index into the model's rules, or -1 for reasons no rule
    switches off (``site.min_area_ha``, missing data, grid capacity).
    """
    if not text:
        return []
    starts = sorted(prefixes, key=lambda p: -len(p[0]))

    def match(pos: int) -> tuple[str, int] | None:
        return next(((p, r) for p, r in starts if text.startswith(p, pos)), None)

    parts: list[list[Any]] = []
    pos = 0
    while pos < len(text):
        hit = match(pos)
        rule = hit[1] if hit else -1
        end = pos + (len(hit[0]) if hit else 0)
        nxt = len(text)
        search = end
        while True:
            k = text.find("; ", search)
            if k < 0:
                break
            if match(k + 2) is not None:
                nxt = k
                break
            search = k + 1
        parts.append([rule, text[pos:nxt]])
        pos = nxt + 2
    return parts


def live_model_from_result(result: Result) -> dict[str, Any]:
    """The JSON-safe live model of a run, sites in ``result.ranking`` row order.

    Parameters
    ----------
    result
        A run's :class:`siteselect.analysis.result.Result`.

    Returns
    -------
    dict
        ``scenario`` (its YAML dict, for export), ``factors``, ``grid``,
        ``rules``, ``sites`` (column lists) and ``colors``; read by
        ``siteselect/assets/siteselect_live.js``.
    """
    sc = result.scenario
    rk = result.ranking
    n = len(rk)
    factors: list[dict[str, Any]] = []
    raw: dict[str, list[Any]] = {}
    std: dict[str, list[float | None]] = {}
    for name, spec in sc.factors.items():
        fz = spec.fuzzy
        editable = fz is not None and spec.classes is None
        factors.append({
            "name": name,
            "editable": editable,
            "fuzzy": fz.model_dump(mode="json", exclude_none=True) if editable and fz is not None else None,
            "nodata": spec.nodata,
        })
        if editable:
            raw[name] = [_num(v) for v in pd.to_numeric(rk[f"{name}_raw"], errors="coerce")]
        else:
            std[name] = [_num(v) for v in rk[f"{name}_std"]]
    grid = None
    if sc.grid is not None:
        grid = {"name": GRID_FACTOR, "weight": sc.grid.weight}
        std[GRID_FACTOR] = [_num(v) for v in rk[f"{GRID_FACTOR}_std"]] if f"{GRID_FACTOR}_std" in rk.columns \
            else [None] * n

    rules: list[dict[str, Any]] = []
    prefixes: list[tuple[str, int]] = []
    flag_cols: list[tuple[int, str]] = []
    for c in sc.constraints:
        idx = len(rules)
        rules.append({"kind": "constraint", "id": c.id, "label": c.label, "mode": c.mode,
                      "area": constraint_kind(c).area_rule})
        flag_cols.append((idx, f"c_{c.id}"))
    limits = sc.limits
    if limits is not None:
        for key in LIMIT_KEYS:
            if getattr(limits, key) is not None:
                prefixes.append((f"limits.{key}: ", len(rules)))
                rules.append({"kind": "limit", "id": key, "label": f"limits.{key}", "mode": "limit", "area": False})

    reasons: list[list[list[Any]]] = []
    for i in range(n):
        row_prefixes = list(prefixes)
        for idx, col in flag_cols:  # a constraint's label only counts where it flagged the site
            if col in rk.columns and bool(rk[col].iloc[i]):
                row_prefixes.append((f"{rules[idx]['label']}: ", idx))
        row_prefixes += [("site.min_area_ha: ", -1), ("grid capacity: ", -1)]
        row_prefixes += [(f"{f}: no data (nodata: exclude)", -1) for f in sc.factors]
        text = rk["exclusion_reason"].iloc[i]
        reasons.append(_split_reasons(str(text) if isinstance(text, str) else "", row_prefixes))

    area = pd.to_numeric(rk["area_ha"], errors="coerce") if "area_ha" in rk.columns else pd.Series(np.nan, index=rk.index)
    usable = pd.to_numeric(rk["usable_area_ha"], errors="coerce") if "usable_area_ha" in rk.columns else area
    cand = result.layers.get("candidates")
    order = list(range(n))
    if cand is not None and cand.index.is_unique and len(cand) == n:
        pos = cand.index.get_indexer(rk.index)
        if (pos >= 0).all():
            order = [int(p) for p in pos]
    return {
        "scenario": sc.to_yaml_dict(),
        "factors": factors,
        "grid": grid,
        "rules": rules,
        "sites": {
            "id": [str(v) for v in rk["site_id"]],
            "order": order,
            "raw": raw,
            "std": std,
            "reasons": reasons,
            "cut": [bool(u < a - 1e-9) for u, a in zip(usable.fillna(0), area.fillna(0), strict=True)],
            "run_score": [_num(v) for v in rk["score"]],
            "run_rank": [_num(v) for v in rk["rank"]],
        },
        "colors": viridis_lut(),
    }
