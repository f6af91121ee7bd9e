"""Constraint kinds: one object per scenario constraint ``mode``, found through a registry.

Each kind declares its schema (the pydantic model of :mod:`siteselect.scenario`),
whether it is an *area rule* (it cuts a site's usable area or judges its size,
so switching it off in the live map re-admits what it cut), and knows its two
evaluations:

vector (:meth:`ConstraintKind.vector`)
    on the candidate polygons, with a reason per excluded site
    (:func:`siteselect.analysis.constraints.apply_constraints` iterates);
raster (:meth:`ConstraintKind.raster`)
    a uint8 mask (1 = excluded) on a grid or one chunk of it, and a note
    saying how the rule was applied to the surface (the raster engine
    iterates, in memory and on Dask). :meth:`ConstraintKind.raster_roles`
    and :meth:`ConstraintKind.raster_reach_m` tell a chunked engine which
    layers a chunk needs and how far beyond the chunk it must look.

``CONSTRAINT_KINDS`` maps each mode to its kind; :func:`constraint_kind`
finds the kind of a parsed constraint. Nothing else branches on constraint types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import geopandas as gpd
import numpy as np
import shapely

from siteselect.analysis._sites import (
    BUFFER_QUAD_SEGS,
    RasterGrid,
    SiteState,
    below,
    beyond,
    fmt_ha,
    fmt_pct,
    fmt_value,
    layer_for,
    near_sites,
    overlap_by_site,
    where_mask,
)
from siteselect.analysis.reasons import Reason
from siteselect.core.roles import connection_points
from siteselect.errors import MissingFieldError, ScenarioError
from siteselect.scenario import (
    Constraint,
    InsideConstraint,
    MinAreaConstraint,
    MinVoltageWithinConstraint,
    WhereConstraint,
    WithinConstraint,
)

__all__ = ["CONSTRAINT_KINDS", "ConstraintKind", "RasterGrid", "constraint_kind"]

C = TypeVar("C", InsideConstraint, WithinConstraint, WhereConstraint, MinAreaConstraint,
            MinVoltageWithinConstraint)

S = TypeVar("S", InsideConstraint, WithinConstraint)

#: A raster evaluation: the mask (None = the rule does not apply to a surface) and how it was applied.
RasterMask = tuple["np.ndarray | None", str]


@dataclass(frozen=True)
class ConstraintKind(Generic[C]):
    """One constraint mode: its schema, whether it is an area rule, and its evaluations."""

    mode: str
    schema: type[C]
    area_rule: bool
    description: str

    def vector(self, c: C, layers: Mapping[str, gpd.GeoDataFrame], state: SiteState) -> np.ndarray:
        """Evaluate ``c`` on the candidates: the sites it excludes (reasons added to ``state``)."""
        raise NotImplementedError  # pragma: no cover - every registered kind overrides it

    def raster(self, c: C, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid) -> RasterMask:
        """Evaluate ``c`` on a grid: mask (uint8, 1 = excluded; None = not applied) and a note."""
        return None, f"not applied to the surface ({c.mode} concerns candidate sites)"

    def raster_roles(self, c: C, layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
        """Layers a chunk of the surface needs to evaluate ``c``."""
        return set()

    def zone(self, layer: gpd.GeoDataFrame, c: C) -> gpd.GeoSeries:
        """The area ``c`` makes unusable, one geometry per feature (spatial kinds only)."""
        raise ScenarioError(f"constraint {c.id!r}: mode {c.mode} has no zone; only inside and within have one")

    def raster_reach_m(self, c: C) -> float:
        """How far beyond a chunk the raster evaluation looks, metres."""
        return 0.0


def _loaded(layers: Mapping[str, gpd.GeoDataFrame], c: Any) -> gpd.GeoDataFrame:
    if c.layer not in layers:
        raise ScenarioError(
            f"constraint {c.id!r}: layer {c.layer!r} is not loaded; add it to the catalog or remove the constraint"
        )
    return layers[c.layer]


@dataclass(frozen=True)
class _SpatialKind(ConstraintKind[S]):
    """``inside`` and ``within``: the part of a site in the zone is cut off; too little left excludes it."""

    def reach_m(self, c: S) -> float:
        """Buffer distance of the zone, metres (0 for ``inside``)."""
        return 0.0

    def zone(self, layer: gpd.GeoDataFrame, c: S) -> gpd.GeoSeries:
        """The area ``c`` makes unusable, one geometry per feature (never clipped to a study area)."""
        return layer.geometry

    def where_text(self, c: S) -> str:
        """How the reasons say where the cut part lies."""
        return "inside"

    def vector(self, c: S, layers: Mapping[str, gpd.GeoDataFrame], state: SiteState) -> np.ndarray:
        n = state.n
        flag = np.zeros(n, dtype=bool)
        lay = layer_for(layers, c.id, c.layer, state.frame.crs)
        reach = self.reach_m(c)
        sites = state.sites
        close = near_sites(np.asarray(lay.geometry.values, dtype=object), sites, reach)
        zone = self.zone(lay.iloc[close], c).values  # only features that can touch a site
        overlap = overlap_by_site(sites, np.asarray(zone, dtype=object))
        has = np.array([g is not None and not shapely.is_empty(g) for g in overlap], dtype=bool)
        ov_area = np.zeros(n)
        if has.any():
            ov_area[has] = shapely.area(np.asarray(list(overlap[has]), dtype=object)) / 1e4
        has &= ov_area > 0
        site_area = state.site_area_ha
        frac = np.divide(ov_area, site_area, out=np.zeros(n), where=site_area > 0)
        where = self.where_text(c)
        if has.any():  # cut the constrained part off the usable geometry
            idx = np.flatnonzero(has)
            state.usable[idx] = shapely.difference(state.usable[idx], np.asarray(list(overlap[idx]), dtype=object))
        own_left = site_area - ov_area
        cum_left = state.usable_ha()
        min_ha = state.min_area_ha
        for i in np.flatnonzero(has):
            state.spatial_hit[i] = True
            if c.exclude == "any_overlap" or frac[i] >= 1.0 - 1e-9:
                state.exclude(flag, i, f"{c.label}: {fmt_pct(frac[i])} % of site {where}",
                              Reason(self.mode, {"pct": 100 * float(frac[i]), "distance_m": reach, "layer": c.layer}))
            elif below(own_left[i], min_ha) or (below(cum_left[i], min_ha) and not state.blamed_area[i]):
                state.blamed_area[i] = True
                left = own_left[i] if below(own_left[i], min_ha) else cum_left[i]
                state.exclude(
                    flag, i,
                    f"{c.label}: usable {fmt_ha(left, min_ha)} ha < {min_ha:g} ha ({fmt_pct(frac[i])} % of site {where})",
                    Reason("cut_below_min", {"left_ha": float(fmt_ha(left, min_ha)), "min_ha": min_ha,
                                             "pct": 100 * float(frac[i]), "distance_m": reach, "layer": c.layer}))
        return flag

    def raster_roles(self, c: S, layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
        return {c.layer}


@dataclass(frozen=True)
class _InsideKind(_SpatialKind[InsideConstraint]):
    def raster(self, c: InsideConstraint, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid) -> RasterMask:
        return grid.rasterize(_loaded(layers, c), all_touched=False), "cells whose centre is inside"


@dataclass(frozen=True)
class _WithinKind(_SpatialKind[WithinConstraint]):
    def reach_m(self, c: WithinConstraint) -> float:
        return c.distance_m

    def zone(self, layer: gpd.GeoDataFrame, c: WithinConstraint) -> gpd.GeoSeries:
        buffers = shapely.buffer(layer.geometry.values, c.distance_m, quad_segs=BUFFER_QUAD_SEGS)
        return gpd.GeoSeries(buffers, index=layer.index, crs=layer.crs)

    def where_text(self, c: WithinConstraint) -> str:
        return f"within {c.distance_m:g} m of {c.layer}"

    def raster(self, c: WithinConstraint, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid) -> RasterMask:
        d = grid.distance_m(_loaded(layers, c), max_distance_m=c.distance_m)
        return (d <= c.distance_m).astype(np.uint8), f"cells within {c.distance_m:g} m (raster buffer on cell centres)"

    def raster_reach_m(self, c: WithinConstraint) -> float:
        return c.distance_m


@dataclass(frozen=True)
class _WhereKind(ConstraintKind[WhereConstraint]):
    def vector(self, c: WhereConstraint, layers: Mapping[str, gpd.GeoDataFrame], state: SiteState) -> np.ndarray:
        flag = np.zeros(state.n, dtype=bool)
        if c.layer not in ("candidates",):
            raise ScenarioError(f"constraint {c.id!r}: where rules apply to candidates only")
        frame = state.frame
        holds, isnull = where_mask(frame, c)
        val = fmt_value(c.value if not isinstance(c.value, list) else "[" + ", ".join(map(str, c.value)) + "]")
        for i in np.flatnonzero(holds):
            found = fmt_value(frame[c.field].iloc[i])
            state.exclude(flag, i, f"{c.label}: {c.field} {c.op} {val} (found {found})",
                          Reason("where", {"field": c.field, "op": c.op, "value": val, "found": found}))
        if c.on_null == "exclude":
            for i in np.flatnonzero(isnull):
                state.exclude(flag, i, f"{c.label}: {c.field} is NULL (on_null: exclude)",
                              Reason("where_null", {"field": c.field}))
        return flag

    def raster(self, c: WhereConstraint, layers: Mapping[str, gpd.GeoDataFrame], grid: RasterGrid) -> RasterMask:
        if c.layer not in layers:
            return None, f"not applied to the surface (no {c.layer!r} layer loaded to apply the rule to)"
        cands = layers[c.layer]
        holds, isnull = where_mask(cands, c)
        drop = holds | (isnull & (c.on_null == "exclude"))
        return (grid.rasterize(cands[drop], all_touched=False),
                "cells inside the candidates the rule excludes (cells outside every candidate are kept)")

    def raster_roles(self, c: WhereConstraint, layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
        return {c.layer} if c.layer in layers else set()


@dataclass(frozen=True)
class _MinAreaKind(ConstraintKind[MinAreaConstraint]):
    def vector(self, c: MinAreaConstraint, layers: Mapping[str, gpd.GeoDataFrame], state: SiteState) -> np.ndarray:
        flag = np.zeros(state.n, dtype=bool)
        left = state.usable_ha()
        for i in np.flatnonzero(below(left, c.min_area_ha)):
            state.exclude(flag, i, f"{c.label}: usable {fmt_ha(left[i], c.min_area_ha)} ha < {c.min_area_ha:g} ha",
                          Reason("min_area", {"left_ha": float(fmt_ha(left[i], c.min_area_ha)),
                                              "min_ha": c.min_area_ha}))
        return flag


@dataclass(frozen=True)
class _MinVoltageKind(ConstraintKind[MinVoltageWithinConstraint]):
    def vector(self, c: MinVoltageWithinConstraint, layers: Mapping[str, gpd.GeoDataFrame],
               state: SiteState) -> np.ndarray:
        n = state.n
        flag = np.zeros(n, dtype=bool)
        lay = layer_for(layers, c.id, c.layer, state.frame.crs)
        if "voltage_kv" not in lay.columns:
            raise MissingFieldError(f"constraint {c.id!r}: layer {c.layer!r} has no field 'voltage_kv'")
        ok = connection_points(lay, min_voltage_kv=c.min_voltage_kv)  # planned stations are not
        sites = np.asarray(state.sites)
        dist_m = np.full(n, np.inf)
        if len(ok):
            tree = shapely.STRtree(ok.geometry.values)
            s_idx, t_idx = tree.query_nearest(sites, return_distance=False, all_matches=False)
            dist_m[s_idx] = shapely.distance(sites[s_idx], ok.geometry.values[t_idx])
        limit = c.distance_km * 1000.0
        for i in np.flatnonzero(beyond(dist_m, limit)):
            nearest = "none in layer" if not np.isfinite(dist_m[i]) else f"nearest {dist_m[i] / 1000:.1f} km"
            state.exclude(
                flag, i,
                f"{c.label}: no substation ≥ {c.min_voltage_kv:g} kV within {c.distance_km:g} km ({nearest})",
                Reason("min_voltage", {"kv": c.min_voltage_kv, "km": c.distance_km,
                                       "nearest_km": round(dist_m[i] / 1000, 1) if np.isfinite(dist_m[i]) else None}))
        return flag

    def raster(self, c: MinVoltageWithinConstraint, layers: Mapping[str, gpd.GeoDataFrame],
               grid: RasterGrid) -> RasterMask:
        ok = connection_points(_loaded(layers, c), min_voltage_kv=c.min_voltage_kv)
        d = grid.distance_m(ok, max_distance_m=c.distance_km * 1000.0)
        return ((d > c.distance_km * 1000.0).astype(np.uint8),
                f"cells farther than {c.distance_km:g} km from a ≥ {c.min_voltage_kv:g} kV substation")

    def raster_roles(self, c: MinVoltageWithinConstraint, layers: Mapping[str, gpd.GeoDataFrame]) -> set[str]:
        return {c.layer}

    def raster_reach_m(self, c: MinVoltageWithinConstraint) -> float:
        return c.distance_km * 1000.0


#: Constraint mode -> its kind, in the order the scenario documentation lists them.
CONSTRAINT_KINDS: dict[str, ConstraintKind[Any]] = {
    k.mode: k
    for k in (
        _InsideKind("inside", InsideConstraint, True, "the part of a site inside the layer's polygons is unusable"),
        _WithinKind("within", WithinConstraint, True,
                    "the part of a site within distance_m of the layer's features is unusable"),
        _WhereKind("where", WhereConstraint, False, "an attribute rule on the candidate's own fields"),
        _MinAreaKind("min_area", MinAreaConstraint, True, "the site's usable area is below min_area_ha"),
        _MinVoltageKind("min_voltage_within", MinVoltageWithinConstraint, False,
                        "no substation in service of at least min_voltage_kv within distance_km"),
    )
}


def constraint_kind(c: Constraint) -> ConstraintKind[Any]:
    """The registered kind of a parsed constraint (by its ``mode``)."""
    return CONSTRAINT_KINDS[c.mode]
