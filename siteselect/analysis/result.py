"""What one scenario run produced: the :class:`Result` every output stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from siteselect.analysis.weights import AHPResult
from siteselect.scenario import Scenario

#: Candidate fields that lead every ranking table, in this order.
SITE_COLUMNS: tuple[str, ...] = (
    "site_id", "name", "municipality", "area_ha", "usable_area_ha", "site_type",
    "plan_status", "plan_use", "owner", "mifo_class", "excluded", "exclusion_reason",
    "score", "rank", "readiness_class", "grid_status", "grid_note",
)


@dataclass
class Result:
    """Everything one scenario run produced, before it is written anywhere.

    Attributes
    ----------
    scenario
        The validated scenario as used.
    ranking
        One row per candidate (polygons in the working CRS): candidate fields,
        ``excluded`` / ``exclusion_reason`` / ``usable_area_ha``, per factor
        ``NAME_raw`` / ``NAME_std`` / ``NAME_weight`` / ``NAME_contrib``,
        ``score``, ``rank``, the standard measure columns, and sensitivity
        columns when they were computed.
    layers
        The layers used, by role.
    isochrones
        Isochrone polygons (``site_id``, ``minutes``) of the top sites.
    weights
        Factor name -> weight (sum 1) as used.
    factor_names
        Factors in scoring order: the scenario's, then ``grid_capacity``
        when the scenario's ``grid`` block gives it a weight.
    ahp
        AHP details (consistency ratio …) when the weights came from AHP.
    provenance
        Data sources, package version and time, written beside every output.
    graph_report
        What building the road graph found (nodes, dropped components …).
    """

    scenario: Scenario
    ranking: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    isochrones: gpd.GeoDataFrame
    weights: dict[str, float]
    ahp: AHPResult | None
    provenance: dict[str, Any]
    factor_names: list[str] = field(default_factory=list)
    graph_report: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> gpd.GeoDataFrame:
        """Ranked (not excluded) sites, best first."""
        kept = self.ranking[~self.ranking["excluded"]]
        return kept.sort_values("rank", kind="stable")
