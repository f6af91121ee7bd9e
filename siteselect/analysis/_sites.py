"""Shared helpers of the constraint kinds: thresholds, formatting, geometry and the per-site state.

Private to :mod:`siteselect.analysis.constraints` and
:mod:`siteselect.analysis.constraint_kinds`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.analysis.reasons import Reason
from siteselect.errors import CRSError, MissingFieldError, ScenarioError

if TYPE_CHECKING:
    from siteselect.scenario import WhereConstraint

#: Segments per quarter circle of vector buffers.
BUFFER_QUAD_SEGS = 32

#: Relative tolerance of area and distance thresholds: an area within 1e-6 of
#: ``min_area_ha`` meets it (reprojection, e.g. from US survey feet, leaves a
#: 20 ha site at 19.99999999997 ha), a distance within 1e-6 of a limit is within it.
THRESHOLD_RTOL = 1e-6


class RasterGrid(Protocol):
    """What a raster evaluation needs of a grid (or of one chunk's window of it).

    :class:`siteselect.raster.suitability.Grid` is one; the analysis layer
    only names the two operations, so it never imports the raster engine.
    """

    @property
    def resolution_m(self) -> float:
        """Cell size, metres."""
        ...

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        ...

    def rasterize(self, frame: gpd.GeoDataFrame, *, all_touched: bool) -> np.ndarray:
        """uint8 raster, 1 where a feature covers the cell (centre, or any touch)."""
        ...

    def distance_m(self, frame: gpd.GeoDataFrame, *, max_distance_m: float) -> np.ndarray:
        """float32 distance from each cell centre to the nearest feature cell (m)."""
        ...


def below(value: Any, limit: float) -> Any:
    """``value < limit`` beyond the tolerance :data:`THRESHOLD_RTOL` (arrays or scalars)."""
    return value < limit * (1.0 - THRESHOLD_RTOL)


def beyond(value: Any, limit: float) -> Any:
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


def fmt_ha(x: float, below: float | None = None) -> str:
    """Hectares to one decimal; when ``below`` is given, rounded down with as many decimals
    (up to four) as it takes to show the value under that limit (19.96 ha < 20 ha, not 20.0)."""
    if below is not None:
        for digits in (1, 2, 3, 4):
            scale = 10.0**digits
            shown = math.floor(float(x) * scale) / scale
            if shown < below:
                return f"{shown:.{digits}f}"
    return f"{x:.1f}"


def fmt_pct(frac: float) -> str:
    """A share as a whole percentage, never rounded to 0 or 100 when it is neither."""
    pct = 100.0 * frac
    if 99.5 <= pct < 100.0:
        return "> 99"
    if 0.0 < pct < 0.5:
        return "< 1"
    return f"{pct:.0f}"


def fmt_value(v: Any) -> str:
    """A rule value as text: integral floats without ``.0``."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (np.floating,)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def near_sites(geoms: np.ndarray, sites: np.ndarray, reach_m: float) -> np.ndarray:
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


def overlap_by_site(sites: np.ndarray, zone: np.ndarray) -> np.ndarray:
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


def where_mask(cands: gpd.GeoDataFrame, c: WhereConstraint) -> tuple[np.ndarray, np.ndarray]:
    """(rule holds, value is null) per candidate of a ``where`` rule."""
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


def layer_for(layers: Mapping[str, gpd.GeoDataFrame], cid: str, role: str, crs: Any) -> gpd.GeoDataFrame:
    """The layer a constraint names, in the candidates' CRS.

    Raises
    ------
    ScenarioError
        The layer is not loaded.
    CRSError
        Its CRS differs from the candidates'.
    """
    if role not in layers:
        raise ScenarioError(
            f"constraint {cid!r}: layer {role!r} is not loaded (loaded: {', '.join(sorted(layers)) or 'none'}); "
            "add the layer to the catalog or remove the constraint"
        )
    lay = layers[role]
    if lay.crs is None or crs is None or not lay.crs.equals(crs):
        raise CRSError(
            f"constraint {cid!r}: layer {role!r} has CRS {lay.crs} but candidates have {crs}; "
            "load both in the one working CRS (frame.to_crs(candidates.crs))"
        )
    return lay


@dataclass
class SiteState:
    """The candidates as the constraints see them, updated constraint by constraint.

    Attributes
    ----------
    frame
        The candidates (a copy; fields for ``where`` rules).
    sites
        Valid site geometries (object array).
    site_area_ha
        Each site's whole area, ha.
    usable
        What is left of each site after the spatial constraints so far.
    min_area_ha
        The scenario's ``site.min_area_ha``.
    """

    frame: gpd.GeoDataFrame
    sites: np.ndarray
    site_area_ha: np.ndarray
    usable: np.ndarray
    min_area_ha: float
    reasons: list[list[str]] = field(default_factory=list)
    details: list[list[Reason]] = field(default_factory=list)
    spatial_hit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    blamed_area: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @classmethod
    def of(cls, candidates: gpd.GeoDataFrame, *, min_area_ha: float) -> SiteState:
        """State of fresh candidates (invalid outlines repaired; nothing excluded yet)."""
        sites = np.asarray(candidates.geometry.values, dtype=object)
        bad = ~shapely.is_valid(sites) & ~shapely.is_missing(sites)
        if bad.any():
            sites = sites.copy()
            sites[bad] = shapely.make_valid(sites[bad])
        n = len(sites)
        return cls(candidates, sites, shapely.area(sites) / 1e4, np.array(sites, dtype=object), min_area_ha,
                   [[] for _ in range(n)], [[] for _ in range(n)], np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.sites)

    def usable_ha(self) -> np.ndarray:
        """Usable area per site now, ha."""
        return np.asarray(shapely.area(self.usable) / 1e4, dtype=float)

    def exclude(self, flag: np.ndarray, i: int | np.integer[Any], text: str, reason: Reason) -> None:
        """Flag site ``i`` with a reason (text and data)."""
        flag[i] = True
        self.reasons[i].append(text)
        self.details[i].append(reason)
