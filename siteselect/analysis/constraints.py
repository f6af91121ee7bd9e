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

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.analysis._sites import BUFFER_QUAD_SEGS, THRESHOLD_RTOL, SiteState, below, fmt_ha
from siteselect.analysis.constraint_kinds import CONSTRAINT_KINDS, constraint_kind
from siteselect.analysis.reasons import Reason, reasons_to_json
from siteselect.errors import MissingFieldError
from siteselect.scenario import Constraint, InsideConstraint, LimitsSpec, WithinConstraint

__all__ = ["BUFFER_QUAD_SEGS", "CONSTRAINT_KINDS", "THRESHOLD_RTOL", "apply_constraints", "constraint_zone",
           "limit_reasons"]


def constraint_zone(layer: gpd.GeoDataFrame, constraint: InsideConstraint | WithinConstraint) -> gpd.GeoSeries:
    """The area a spatial constraint makes unusable, one geometry per feature.

    ``inside``: the layer's (polygonal) geometries; ``within``: exact buffers
    of ``distance_m``. Never clipped to any study area.
    """
    return constraint_kind(constraint).zone(layer, constraint)


def apply_constraints(
    candidates: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    constraints: Sequence[Constraint],
    *,
    min_area_ha: float,
) -> gpd.GeoDataFrame:
    """Apply exclusion constraints to candidate sites.

    Each constraint is evaluated by its registered kind
    (:data:`~siteselect.analysis.constraint_kinds.CONSTRAINT_KINDS`).

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
    state = SiteState.of(out, min_area_ha=min_area_ha)
    excluded = np.zeros(state.n, dtype=bool)
    area_excluded = np.zeros(state.n, dtype=bool)  # already excluded for area or overlap
    flags: dict[str, np.ndarray] = {}
    for c in constraints:
        kind = constraint_kind(c)
        flag = kind.vector(c, layers, state)
        flags[f"c_{c.id}"] = flag
        excluded |= flag
        if kind.area_rule:
            area_excluded |= flag

    # The site requirement holds whatever constraints there are: a site too
    # small to begin with, or cut below it by several constraints together.
    usable_ha = state.usable_ha()
    too_small = below(usable_ha, min_area_ha) & ~area_excluded
    for i in np.flatnonzero(too_small):
        what = "area" if not state.spatial_hit[i] else "usable area after constraints"
        state.reasons[i].append(
            f"site.min_area_ha: {what} {fmt_ha(usable_ha[i], min_area_ha)} ha < {min_area_ha:g} ha")
        state.details[i].append(Reason("site_min_area", {"left_ha": float(fmt_ha(usable_ha[i], min_area_ha)),
                                                         "min_ha": min_area_ha}))
    flags["c_site_min_area"] = too_small
    excluded |= too_small

    out["excluded"] = excluded
    out["exclusion_reason"] = ["; ".join(r) for r in state.reasons]
    out["exclusion_detail"] = [reasons_to_json(d) for d in state.details]
    out["usable_area_ha"] = usable_ha
    for col, flag in flags.items():
        out[col] = flag
    return out


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
