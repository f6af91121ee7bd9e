"""Vehicle profiles: which roads a vehicle may use and how fast, before a graph is built.

``car`` uses the roads as they are. ``hgv`` (a heavy lorry, tung lastbil: total
weight over 3.5 t) applies the Swedish rules that bite on a road network:

* **Speed caps** (trafikförordningen (1998:1276) 4 kap. 20 §, wording of SFS
  2023:378; earlier SFS 2013:819): a heavy lorry may not be driven faster than
  **80 km/h**, or **90 km/h on a motorväg or motortrafikled**. The road's own
  limit applies where lower. (3 kap. 17 § only sets the general limits: 70 km/h
  base speed outside built-up areas unless signed otherwise.)
* **Bärighetsklass** (BK1–BK4): the highest gross weight a road carries,
  per class BK1 64 t, BK2 51.4 t, BK3 37.5 t, BK4 74 t (the translation used by
  the nvdb2osm converters, ``maxweight`` per class; see docs/data-sources.md).
  A road whose class carries less than the vehicle's ``gross_weight_t`` is
  excluded. BK numbers are *not* ordered by weight (BK4 carries the most).
* **Begränsad bruttovikt** (``max_gross_weight_t``): a signed lower weight limit
  excludes the road when below ``gross_weight_t``.
* **Förbud mot trafik** for lorries (``hgv_closed`` true): excluded.

Unknown is allowed, and counted: a road without ``bk_class`` (the embedded
Västmanland roads have none) or without a weight limit is assumed open to the
vehicle. :func:`roads_for_vehicle` reports how many segments that assumption
covered.

The columns read are those :func:`siteselect.io.importers.nvdb.roads_from_nvdb`
writes: ``speed_kmh`` (and ``speed_backward_kmh`` when
present), ``road_class``, ``motorway``, ``motortrafikled``, ``bk_class``,
``max_gross_weight_t``, ``hgv_closed``. Without ``motorway`` /
``motortrafikled`` columns, ``road_class == "motorway"`` counts as motorväg.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.errors import NetworkError

__all__ = [
    "BK_MAX_GROSS_WEIGHT_T",
    "HGV_DEFAULT_GROSS_WEIGHT_T",
    "HGV_MOTORWAY_SPEED_KMH",
    "HGV_SPEED_KMH",
    "VEHICLES",
    "VehicleReport",
    "roads_for_vehicle",
]

#: Vehicle profiles known to :func:`roads_for_vehicle`.
VEHICLES: tuple[str, ...] = ("car", "hgv")

#: Heavy lorry speed cap, km/h (trafikförordningen 4 kap. 20 §).
HGV_SPEED_KMH = 80.0
#: Heavy lorry speed cap on motorväg and motortrafikled, km/h (same paragraph).
HGV_MOTORWAY_SPEED_KMH = 90.0

#: Highest gross weight per bärighetsklass, tonnes.
BK_MAX_GROSS_WEIGHT_T: Mapping[int, float] = MappingProxyType({1: 64.0, 2: 51.4, 3: 37.5, 4: 74.0})

#: Default gross weight of the ``hgv`` profile, tonnes: a 64 t vehicle combination,
#: which BK1 and BK4 roads carry and BK2 / BK3 roads do not.
HGV_DEFAULT_GROSS_WEIGHT_T = 64.0


@dataclass(frozen=True)
class VehicleReport:
    """What a profile did to a roads layer (counts of input rows)."""

    vehicle: str
    gross_weight_t: float | None = None
    speed_capped: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    bk_unknown: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for a graph report or provenance."""
        return {"vehicle": self.vehicle, "gross_weight_t": self.gross_weight_t,
                "speed_capped": self.speed_capped, "excluded": dict(self.excluded),
                "bk_unknown_assumed_allowed": self.bk_unknown}


def _flags(roads: pd.DataFrame, col: str) -> np.ndarray:
    if col not in roads.columns:
        return np.zeros(len(roads), dtype=bool)
    return np.array([bool(v) if v is not None and not (isinstance(v, float) and np.isnan(v))
                     else False for v in roads[col].astype(object)], dtype=bool)


def _numbers(roads: pd.DataFrame, col: str) -> np.ndarray:
    if col not in roads.columns:
        return np.full(len(roads), np.nan)
    return np.asarray(pd.to_numeric(roads[col], errors="coerce"), dtype=float)


def roads_for_vehicle(
    roads: gpd.GeoDataFrame,
    vehicle: str,
    *,
    class_speeds_kmh: Mapping[str, float],
    gross_weight_t: float | None = None,
) -> tuple[gpd.GeoDataFrame, VehicleReport]:
    """The roads a vehicle may use, with its speeds (a new frame; the input is not modified).

    Parameters
    ----------
    roads
        A ``roads`` layer (see module docstring for the columns read).
    vehicle
        ``"car"`` (returned unchanged) or ``"hgv"``.
    class_speeds_kmh
        Speed per road class where ``speed_kmh`` is null, so that the cap also
        applies to class defaults (the graph's :data:`DEFAULT_SPEEDS_KMH` merged
        with overrides).
    gross_weight_t
        The lorry's gross weight (``hgv`` only); default
        :data:`HGV_DEFAULT_GROSS_WEIGHT_T`.

    Returns
    -------
    (GeoDataFrame, VehicleReport)
        Kept rows, with ``speed_kmh`` filled from the class default and capped
        (and ``speed_backward_kmh`` capped when present);
        the report counts capped, excluded and unknown-BK segments.

    Raises
    ------
    NetworkError
        Unknown vehicle, non-positive weight, a ``bk_class`` outside 1–4, or no
        road left for the vehicle.
    """
    if vehicle not in VEHICLES:
        raise NetworkError(f"vehicle {vehicle!r} is unknown; use one of {', '.join(VEHICLES)}.")
    if vehicle == "car":
        return roads, VehicleReport(vehicle="car")
    weight = HGV_DEFAULT_GROSS_WEIGHT_T if gross_weight_t is None else float(gross_weight_t)
    if not (np.isfinite(weight) and weight > 0):
        raise NetworkError(f"vehicle hgv: gross_weight_t must be a positive number of tonnes, got "
                           f"{gross_weight_t!r}.")
    out = roads.copy()
    bk = _numbers(out, "bk_class")
    bad_bk = np.isfinite(bk) & ~np.isin(bk, list(BK_MAX_GROSS_WEIGHT_T))
    if bad_bk.any():
        raise NetworkError(
            f"roads: {int(bad_bk.sum())} segment(s) have bk_class outside 1–4 "
            f"({sorted(set(bk[bad_bk].tolist()))}); use 1, 2, 3, 4 or null for unknown.")
    bk_weight = np.array([BK_MAX_GROSS_WEIGHT_T.get(int(b), np.nan) if np.isfinite(b) else np.nan
                          for b in bk])
    limit = _numbers(out, "max_gross_weight_t")
    excluded = {
        "hgv_closed": _flags(out, "hgv_closed"),
        f"bk_below_{weight:g}t": np.isfinite(bk_weight) & (bk_weight < weight),
        f"gross_weight_limit_below_{weight:g}t": np.isfinite(limit) & (limit < weight),
    }
    drop = np.zeros(len(out), dtype=bool)
    for mask in excluded.values():
        drop |= mask
    if len(out) and drop.all():
        counts = {k: int(v.sum()) for k, v in excluded.items() if v.any()}
        raise NetworkError(
            f"roads: vehicle hgv of {weight:g} t may use none of the {len(out)} road segment(s) "
            f"(excluded: {counts}). Fix: a lower `vehicle.gross_weight_t` (BK1 carries 64 t, BK4 74 t) "
            "or check the roads' bk_class / max_gross_weight_t / hgv_closed.")
    if "motorway" in out.columns or "motortrafikled" in out.columns:
        fast = _flags(out, "motorway") | _flags(out, "motortrafikled")
    else:
        fast = (out["road_class"].astype(object) == "motorway").to_numpy()
    cap = np.where(fast, HGV_MOTORWAY_SPEED_KMH, HGV_SPEED_KMH)
    speed = _numbers(out, "speed_kmh")
    cls_speed = np.array([class_speeds_kmh.get(str(c), np.nan) for c in out["road_class"].astype(object)])
    speed = np.where(np.isfinite(speed), speed, cls_speed)
    capped = np.isfinite(speed) & (speed > cap)
    out["speed_kmh"] = np.where(capped, cap, speed)
    if "speed_backward_kmh" in out.columns:
        back = _numbers(out, "speed_backward_kmh")
        out["speed_backward_kmh"] = np.where(np.isfinite(back), np.minimum(back, cap), np.nan)
    report = VehicleReport(
        vehicle="hgv", gross_weight_t=weight, speed_capped=int((capped & ~drop).sum()),
        excluded={k: int(v.sum()) for k, v in excluded.items()},
        bk_unknown=int((~np.isfinite(bk) & ~drop).sum()))
    return out.loc[~drop], report
