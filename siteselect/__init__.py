"""siteselect: site selection for industrial establishment.

Layers → constraints / factors → overlay → ranking → outputs, with road reach
from networkx graphs. Everything is held in the region's working CRS: SWEREF 99 TM
(EPSG:3006) unless a catalog or scenario names another (``crs: auto`` = the UTM zone
of the data's centre).

The public API, in the order a run uses it::

    import siteselect as ss
    scenario = ss.load_scenario("layers/scenarios/electricity-intensive.yaml")
    layers = ss.load_layers()                      # embedded Västmanland sample
    result = ss.rank(scenario, layers=layers)      # ranked sites, no files written
    graph = ss.road_graph(layers["roads"])
    minutes = ss.reach(result.ranking, layers, graph=graph)
    ss.to_map(result.ranking, layers, out_path="map.html", factor_names=result.factor_names,
              title="My screen", offline=True)
    ss.site_sheet(result.ranking, layers, out_dir="out", top_n=3)
    ss.run(scenario, out_dir="out")                # all of it, with every output
"""

from __future__ import annotations

from siteselect.analysis.measures import reach_table as reach
from siteselect.core.version import __version__
from siteselect.errors import (
    CRSError,
    LanguageError,
    LayerError,
    MissingFieldError,
    NetworkError,
    OptionError,
    OutputError,
    OutsideAreaError,
    ScenarioError,
    SiteSelectError,
    UnknownSiteError,
    WeightsError,
)
from siteselect.io.catalog import check_catalog, format_report
from siteselect.io.layers import load_layers
from siteselect.io.population import population_from_region_vastmanland, population_from_scb_grid
from siteselect.io.validate import validate_layer
from siteselect.network.graph import GraphCache, RoadGraph
from siteselect.outputs.gpkg import write_geopackage as to_geopackage
from siteselect.outputs.mapview import write_map as to_map
from siteselect.outputs.sheets import write_site_sheets as site_sheet
from siteselect.pipeline import Result
from siteselect.pipeline import analyse as rank
from siteselect.runs import run, write_outputs
from siteselect.scenario import Scenario, load_scenario, save_scenario, scenario_from_dict


def road_graph(roads, **options) -> RoadGraph:  # type: ignore[no-untyped-def]
    """Build a :class:`RoadGraph` from a roads layer (see :meth:`RoadGraph.from_roads`)."""
    return RoadGraph.from_roads(roads, **options)


__all__ = [
    "CRSError",
    "GraphCache",
    "LanguageError",
    "LayerError",
    "MissingFieldError",
    "NetworkError",
    "OptionError",
    "OutputError",
    "OutsideAreaError",
    "Result",
    "RoadGraph",
    "Scenario",
    "ScenarioError",
    "SiteSelectError",
    "UnknownSiteError",
    "WeightsError",
    "__version__",
    "check_catalog",
    "format_report",
    "load_layers",
    "load_scenario",
    "population_from_region_vastmanland",
    "population_from_scb_grid",
    "rank",
    "reach",
    "road_graph",
    "run",
    "save_scenario",
    "scenario_from_dict",
    "site_sheet",
    "to_geopackage",
    "to_map",
    "validate_layer",
    "write_outputs",
]
