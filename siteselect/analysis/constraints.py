"""Boolean exclusions of candidate sites, each with a reason kept per site.

Constraints come from the scenario (:mod:`siteselect.scenario`) and are
applied by :func:`apply_constraints`:

``inside``
    the part of a site overlapping the layer's polygons is unusable.
``within``
    the part of a site within ``distance_m`` of the layer's features is
    unusable. Buffers are exact vector buffers (arcs approximated by 32
    segments per quarter circle) of the *whole* layer, never clipped to the
    study area first, so features just outside the county whose buffer
    reaches in do count.
``where``
    an attribute rule on the candidate's own fields; the site is excluded
    when the rule holds. NULL values follow ``on_null`` (keep | exclude).
``min_area``
    the site is excluded when its usable area is below ``min_area_ha``.
``min_voltage_within``
    the site is excluded unless a substation in service (not ``status: planned``) with ``voltage_kv ≥
    min_voltage_kv`` lies within ``distance_km`` of the site polygon.

Spatial constraints (``inside``/``within``) can exclude part of a site: the
constrained area is subtracted and ``usable_area_ha`` reported; the site is
excluded only when a constraint overlaps it and the usable area left is
below ``min_area_ha`` (or the constraint says ``exclude: any_overlap``).
The scenario's ``site.min_area_ha`` always applies: a site smaller than it
from the start (or cut below it by several constraints together, none of
which alone was blamed) is excluded with the reason ``site.min_area_ha`` and
flagged in ``c_site_min_area``. A ``min_area`` constraint adds a stricter
threshold of its own.

Area and distance thresholds compare with a relative tolerance of 1e-6
(:data:`THRESHOLD_RTOL`), so a 20 ha site delivered in another CRS (US survey
feet, say) and reprojected to 19.99999999997 ha still meets ``min_area_ha: 20``.
Only the features of a layer that can reach a site (their envelope, grown by
``distance_m``, meets a site's envelope; found with an STR-tree) are buffered
and intersected, so a layer of a million small polygons costs about a second;
the result is the same as buffering every feature.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.analysis.reasons import Reason, reasons_to_json
from siteselect.core.roles import connection_points
from siteselect.errors import CRSError, MissingFieldError, ScenarioError
from siteselect.scenario import (
    Constraint,
    InsideConstraint,
    LimitsSpec,
    MinAreaConstraint,
    MinVoltageWithinConstraint,
    WhereConstraint,
    WithinConstraint,
)

__all__ = ["apply_constraints", "constraint_zone"]

#: Segments per quarter circle of vector buffers.
BUFFER_QUAD_SEGS = 32

#: Relative tolerance of area and distance thresholds: an area within 1e-6 of
#: ``min_area_ha`` meets it (reprojection, e.g. from US survey feet, leaves a
#: 20 ha site at 19.99999999997 ha), a distance within 1e-6 of a limit is within it.
THRESHOLD_RTOL = 1e-6


def _below(value: Any, limit: float) -> Any:
    """``value < limit`` beyond the tolerance :data:`THRESHOLD_RTOL` (arrays or scalars)."""
    return value < limit * (1.0 - THRESHOLD_RTOL)


def _beyond(value: Any, limit: float) -> Any:
    """``value > limit`` beyond the tolerance :data:`THRESHOLD_RTOL` (arrays or scalars)."""
    return value > limit * (1.0 + THRESHOLD_RTOL)

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _fmt_ha(x: float, below: float | None = None) -> str:
    """Hectares to one decimal; when ``below`` is given, rounded down with as many decimals
    (up to four) as it takes to show the value under that limit (19.96 ha < 20 ha, not 20.0)."""
    if below is not None:
        for digits in (1, 2, 3, 4):
            scale = 10.0**digits
            shown = math.floor(float(x) * scale) / scale
            if shown < below:
                return f"{shown:.{digits}f}"
    return f"{x:.1f}"


def _fmt_pct(frac: float) -> str:
    pct = 100.0 * frac
    if 99.5 <= pct < 100.0:
        return "> 99"
    if 0.0 < pct < 0.5:
        return "< 1"
    return f"{pct:.0f}"


def constraint_zone(layer: gpd.GeoDataFrame, constraint: InsideConstraint | WithinConstraint) -> gpd.GeoSeries:
    """The area a spatial constraint makes unusable, one geometry per feature.

    ``inside``: the layer's (polygonal) geometries; ``within``: exact buffers
    of ``distance_m``. Never clipped to any study area.
    """
    geoms = layer.geometry
    if isinstance(constraint, WithinConstraint):
        return gpd.GeoSeries(
            shapely.buffer(geoms.values, constraint.distance_m, quad_segs=BUFFER_QUAD_SEGS),
            index=layer.index,
            crs=layer.crs,
        )
    return geoms


def _near_sites(geoms: np.ndarray, sites: np.ndarray, reach_m: float) -> np.ndarray:
    """Positions of the features whose envelope comes within ``reach_m`` of a site's envelope.

    A superset of the features whose constraint zone (the feature itself, or
    its buffer of ``reach_m``) can touch a site: a buffer lies inside its
    feature's envelope grown by the distance. Used to buffer and intersect
    only those of a layer with a million features; sorted, so the features
    keep their order.
    """
    present = ~(shapely.is_missing(sites) | shapely.is_empty(sites))
    if len(geoms) == 0 or not present.any():
        return np.empty(0, dtype=np.intp)
    b = shapely.bounds(sites[present])
    pad = reach_m * (1.0 + 1e-6) + 1e-3  # generous: the result is only a prefilter
    boxes = shapely.box(b[:, 0] - pad, b[:, 1] - pad, b[:, 2] + pad, b[:, 3] + pad)
    return np.unique(shapely.STRtree(geoms).query(boxes)[1]).astype(np.intp)


def _overlap_by_site(sites: np.ndarray, zone: np.ndarray) -> np.ndarray:
    """Per site, the union of ``zone`` parts intersecting it (None where none)."""
    out = np.full(len(sites), None, dtype=object)
    if len(zone) == 0 or len(sites) == 0:
        return out
    valid = ~shapely.is_missing(zone)
    zone = zone[valid]
    zone = zone[~shapely.is_empty(zone)]
    bad = ~shapely.is_valid(zone)
    if bad.any():  # self-intersecting source polygons would make GEOS fail
        zone = zone.copy()
        zone[bad] = shapely.make_valid(zone[bad])
    tree = shapely.STRtree(zone)
    site_idx, zone_idx = tree.query(sites, predicate="intersects")
    if len(site_idx) == 0:
        return out
    order = np.lexsort((zone_idx, site_idx))  # pieces in layer order: the same union whatever the tree
    site_idx, zone_idx = site_idx[order], zone_idx[order]
    pieces = shapely.intersection(sites[site_idx], zone[zone_idx])
    frame = pd.DataFrame({"site": site_idx, "piece": pieces})
    for s, grp in frame.groupby("site", sort=False):
        out[cast(int, s)] = shapely.union_all(grp["piece"].to_numpy())
    return out


def _where_mask(cands: gpd.GeoDataFrame, c: WhereConstraint) -> tuple[np.ndarray, np.ndarray]:
    """(rule holds, value is null) per candidate."""
    if c.field not in cands.columns:
        raise MissingFieldError(
            f"constraint {c.id!r}: candidates have no field {c.field!r}; "
            f"fields are {', '.join(map(str, cands.columns))}; fix constraints.{c.id}.field"
        )
    col = cands[c.field]
    isnull = col.isna().to_numpy()
    vals = col.to_numpy(dtype=object)
    holds = np.zeros(len(cands), dtype=bool)
    target = c.value
    nn = ~isnull

    def _coerce(v: Any) -> Any:
        if isinstance(target, (int, float)) and not isinstance(target, bool) and isinstance(v, str):
            raise ScenarioError(
                f"constraint {c.id!r}: compares field {c.field!r} (text, e.g. {v!r}) with the number {target!r}; "
                "quote the value in the scenario or pick a numeric field"
            )
        return v

    if c.op in ("in", "not_in"):
        allowed = target if isinstance(target, list) else [target]
        keys = {_norm(a) for a in allowed}
        inside = np.array([_norm(v) in keys for v in vals[nn]], dtype=bool)
        holds[nn] = inside if c.op == "in" else ~inside
    else:
        fn = _OPS[c.op]
        try:
            holds[nn] = np.array([bool(fn(_cmp(_coerce(v)), _cmp(target))) for v in vals[nn]], dtype=bool)
        except TypeError as exc:
            raise ScenarioError(
                f"constraint {c.id!r}: cannot compare field {c.field!r} with {target!r} using {c.op!r} ({exc}); "
                "fix constraints value or op"
            ) from exc
    return holds, isnull


def _norm(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    return str(v)


def _cmp(v: Any) -> Any:
    if isinstance(v, (np.integer, np.floating)):
        return float(v)
    return v


def _get_layer(layers: Mapping[str, gpd.GeoDataFrame], c: Constraint, crs: Any) -> gpd.GeoDataFrame:
    if c.layer not in layers:
        raise ScenarioError(
            f"constraint {c.id!r}: layer {c.layer!r} is not loaded (loaded: {', '.join(sorted(layers)) or 'none'}); "
            "add the layer to the catalog or remove the constraint"
        )
    lay = layers[c.layer]
    if lay.crs is None or crs is None or not lay.crs.equals(crs):
        raise CRSError(
            f"constraint {c.id!r}: layer {c.layer!r} has CRS {lay.crs} but candidates have {crs}; "
            "load both in the one working CRS (frame.to_crs(candidates.crs))"
        )
    return lay


def apply_constraints(
    candidates: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    constraints: Sequence[Constraint],
    *,
    min_area_ha: float,
) -> gpd.GeoDataFrame:
    """Apply exclusion constraints to candidate sites.

    Parameters
    ----------
    candidates
        Candidate polygons (working CRS) with their attribute fields.
    layers
        Role name -> GeoDataFrame for the layers constraints refer to.
    constraints
        Parsed constraints (``scenario.constraints``), applied in order.
    min_area_ha
        Usable area a site needs (``scenario.site.min_area_ha``).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``candidates`` with ``excluded`` (bool), ``exclusion_reason``
        (``"; "``-joined, ``""`` when kept), ``usable_area_ha`` (site area
        minus the area of spatial constraints) and one bool column
        ``c_<id>`` per constraint, True where that constraint excludes the
        site. When several spatial constraints together leave too little
        area, the one that brought the usable area below the minimum is
        blamed.

    Raises
    ------
    ScenarioError
        A constraint's layer is not in ``layers``, or a ``where`` rule cannot
        be evaluated.
    MissingFieldError
        A ``where`` field or ``voltage_kv`` is missing.
    CRSError
        A layer's CRS differs from the candidates'.
    """
    out = candidates.copy()
    n = len(out)
    sites = np.asarray(out.geometry.values, dtype=object)
    bad = ~shapely.is_valid(sites) & ~shapely.is_missing(sites)
    if bad.any():
        sites = sites.copy()
        sites[bad] = shapely.make_valid(sites[bad])
    site_area = shapely.area(sites) / 1e4
    usable = np.array(sites, dtype=object)
    reasons: list[list[str]] = [[] for _ in range(n)]
    details: list[list[Reason]] = [[] for _ in range(n)]  # the same reasons as data, for other languages
    excluded = np.zeros(n, dtype=bool)
    flags: dict[str, np.ndarray] = {}
    spatial_hit = np.zeros(n, dtype=bool)
    blamed_area = np.zeros(n, dtype=bool)
    area_excluded = np.zeros(n, dtype=bool)  # already excluded for area or overlap

    for c in constraints:
        flag = np.zeros(n, dtype=bool)
        if isinstance(c, (InsideConstraint, WithinConstraint)):
            lay = _get_layer(layers, c, out.crs)
            reach = c.distance_m if isinstance(c, WithinConstraint) else 0.0
            close = _near_sites(np.asarray(lay.geometry.values, dtype=object), sites, reach)
            zone = constraint_zone(lay.iloc[close], c).values  # only features that can touch a site
            overlap = _overlap_by_site(sites, np.asarray(zone, dtype=object))
            has = np.array([g is not None and not shapely.is_empty(g) for g in overlap], dtype=bool)
            ov_area = np.zeros(n)
            if has.any():
                ov_area[has] = shapely.area(np.asarray(list(overlap[has]), dtype=object)) / 1e4
            has &= ov_area > 0
            frac = np.divide(ov_area, site_area, out=np.zeros(n), where=site_area > 0)
            where = "inside" if isinstance(c, InsideConstraint) else f"within {c.distance_m:g} m of {c.layer}"
            # cut the constrained part off the usable geometry
            if has.any():
                idx = np.flatnonzero(has)
                usable[idx] = shapely.difference(usable[idx], np.asarray(list(overlap[idx]), dtype=object))
            own_left = site_area - ov_area
            cum_left = shapely.area(usable) / 1e4
            for i in np.flatnonzero(has):
                spatial_hit[i] = True
                if c.exclude == "any_overlap" or frac[i] >= 1.0 - 1e-9:
                    flag[i] = True
                    reasons[i].append(f"{c.label}: {_fmt_pct(frac[i])} % of site {where}")
                    details[i].append(Reason("inside" if isinstance(c, InsideConstraint) else "within",
                                             {"pct": 100 * float(frac[i]), "distance_m": reach, "layer": c.layer}))
                elif _below(own_left[i], min_area_ha) or (_below(cum_left[i], min_area_ha) and not blamed_area[i]):
                    flag[i] = True
                    blamed_area[i] = True
                    left = own_left[i] if _below(own_left[i], min_area_ha) else cum_left[i]
                    reasons[i].append(
                        f"{c.label}: usable {_fmt_ha(left, min_area_ha)} ha < {min_area_ha:g} ha "
                        f"({_fmt_pct(frac[i])} % of site {where})"
                    )
                    details[i].append(Reason("cut_below_min", {
                        "left_ha": float(_fmt_ha(left, min_area_ha)), "min_ha": min_area_ha,
                        "pct": 100 * float(frac[i]), "distance_m": reach, "layer": c.layer}))
        elif isinstance(c, WhereConstraint):
            if c.layer not in ("candidates",):
                raise ScenarioError(f"constraint {c.id!r}: where rules apply to candidates only")
            holds, isnull = _where_mask(out, c)
            val = c.value if not isinstance(c.value, list) else "[" + ", ".join(map(str, c.value)) + "]"
            for i in np.flatnonzero(holds):
                flag[i] = True
                reasons[i].append(f"{c.label}: {c.field} {c.op} {_fmt_value(val)} (found {_fmt_value(out[c.field].iloc[i])})")
                details[i].append(Reason("where", {"field": c.field, "op": c.op, "value": _fmt_value(val),
                                                   "found": _fmt_value(out[c.field].iloc[i])}))
            if c.on_null == "exclude":
                for i in np.flatnonzero(isnull):
                    flag[i] = True
                    reasons[i].append(f"{c.label}: {c.field} is NULL (on_null: exclude)")
                    details[i].append(Reason("where_null", {"field": c.field}))
        elif isinstance(c, MinAreaConstraint):
            left = shapely.area(usable) / 1e4
            for i in np.flatnonzero(_below(left, c.min_area_ha)):
                flag[i] = True
                reasons[i].append(f"{c.label}: usable {_fmt_ha(left[i], c.min_area_ha)} ha < {c.min_area_ha:g} ha")
                details[i].append(Reason("min_area", {"left_ha": float(_fmt_ha(left[i], c.min_area_ha)),
                                                      "min_ha": c.min_area_ha}))
        elif isinstance(c, MinVoltageWithinConstraint):
            lay = _get_layer(layers, c, out.crs)
            if "voltage_kv" not in lay.columns:
                raise MissingFieldError(f"constraint {c.id!r}: layer {c.layer!r} has no field 'voltage_kv'")
            ok = connection_points(lay, min_voltage_kv=c.min_voltage_kv)  # planned stations are not
            dist_m = np.full(n, np.inf)
            if len(ok):
                tree = shapely.STRtree(ok.geometry.values)
                s_idx, t_idx = tree.query_nearest(np.asarray(sites), return_distance=False, all_matches=False)
                dist_m[s_idx] = shapely.distance(np.asarray(sites)[s_idx], ok.geometry.values[t_idx])
            limit = c.distance_km * 1000.0
            for i in np.flatnonzero(_beyond(dist_m, limit)):
                flag[i] = True
                nearest = "none in layer" if not np.isfinite(dist_m[i]) else f"nearest {dist_m[i] / 1000:.1f} km"
                reasons[i].append(
                    f"{c.label}: no substation ≥ {c.min_voltage_kv:g} kV within {c.distance_km:g} km ({nearest})"
                )
                details[i].append(Reason("min_voltage", {
                    "kv": c.min_voltage_kv, "km": c.distance_km,
                    "nearest_km": round(dist_m[i] / 1000, 1) if np.isfinite(dist_m[i]) else None}))
        else:  # pragma: no cover - the scenario schema admits no other mode
            raise ScenarioError(f"constraint {getattr(c, 'id', '?')!r}: unknown mode")
        flags[f"c_{c.id}"] = flag
        excluded |= flag
        if isinstance(c, (InsideConstraint, WithinConstraint, MinAreaConstraint)):
            area_excluded |= flag

    # The site requirement holds whatever constraints there are: a site too
    # small to begin with, or cut below it by several constraints together.
    usable_ha = shapely.area(usable) / 1e4
    too_small = _below(usable_ha, min_area_ha) & ~area_excluded
    for i in np.flatnonzero(too_small):
        what = "area" if not spatial_hit[i] else "usable area after constraints"
        reasons[i].append(f"site.min_area_ha: {what} {_fmt_ha(usable_ha[i], min_area_ha)} ha < {min_area_ha:g} ha")
        details[i].append(Reason("site_min_area", {"left_ha": float(_fmt_ha(usable_ha[i], min_area_ha)),
                                                   "min_ha": min_area_ha}))
    flags["c_site_min_area"] = too_small
    excluded |= too_small

    out["excluded"] = excluded
    out["exclusion_reason"] = ["; ".join(r) for r in reasons]
    out["exclusion_detail"] = [reasons_to_json(d) for d in details]
    out["usable_area_ha"] = usable_ha
    for col, flag in flags.items():
        out[col] = flag
    return out


def _fmt_value(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (np.floating,)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def limit_reasons(measures: pd.DataFrame, limits: LimitsSpec, *, rail_column: str = "rail_minutes") -> pd.Series:
    """Per site, the hard reach limits it breaks (``""`` when none).

    Parameters
    ----------
    measures
        Per-site measures (:func:`siteselect.analysis.measures.site_measures`) with
        ``port_minutes``, ``motorway_minutes``, ``pop_45min`` and
        ``rail_column`` as the limits need them.
    limits
        The scenario's ``limits`` block.
    rail_column
        Column holding minutes to the station kinds the limit names.

    Returns
    -------
    pandas.Series
        Text such as ``"limits.max_port_minutes: 72 min > 60 min"``; a site
        with no value (unreachable) breaks the limit and says so.
    """
    checks: list[tuple[str, str, str, float]] = []
    if limits.max_port_minutes is not None:
        checks.append(("port_minutes", ">", "limits.max_port_minutes", limits.max_port_minutes))
    if limits.max_motorway_minutes is not None:
        checks.append(("motorway_minutes", ">", "limits.max_motorway_minutes", limits.max_motorway_minutes))
    if limits.max_rail_minutes is not None:
        checks.append((rail_column, ">", "limits.max_rail_minutes", limits.max_rail_minutes))
    if limits.min_workers_45min is not None:
        checks.append(("pop_45min", "<", "limits.min_workers_45min", limits.min_workers_45min))
    reasons: list[list[str]] = [[] for _ in range(len(measures))]
    details: list[list[Reason]] = [[] for _ in range(len(measures))]
    for col, op, key, lim in checks:
        if col not in measures.columns:
            raise MissingFieldError(f"{key}: the measure column {col!r} was not computed; this is a bug")
        v = pd.to_numeric(measures[col], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(np.isnan(v)):
            reasons[i].append(f"{key}: not reachable (limit {lim:g})")
            details[i].append(Reason("limit_unreachable", {"key": key, "limit": lim}))
        broken = v > lim if op == ">" else v < lim
        for i in np.flatnonzero(broken & ~np.isnan(v)):
            text = f"{v[i]:.0f} min > {lim:g} min" if op == ">" else f"{v[i]:,.0f} < {lim:,.0f}".replace(",", " ")
            reasons[i].append(f"{key}: {text}")
            details[i].append(Reason("limit_max" if op == ">" else "limit_min",
                                     {"key": key, "value": float(v[i]), "limit": lim}))
    out = pd.Series(["; ".join(r) for r in reasons], index=measures.index, dtype=object)
    out.attrs["detail"] = [reasons_to_json(d) for d in details]
    return out
