"""Swedish and English labels for maps, site sheets and styles.

One dictionary per language, keyed by a stable label key. Factor and measure
names (``port_minutes`` …) are keys too, so outputs can show readable names
for them; an unknown factor falls back to its own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .errors import SiteSelectError

#: Languages every output understands.
LANGUAGES = ("sv", "en")

_SV: dict[str, str] = {
    # layers
    "candidates": "Kandidatområden",
    "excluded": "Uteslutna områden (med skäl)",
    "substations": "Ställverk/transformatorstationer (efter spänning)",
    "motorways": "Motorvägar och trafikplatser",
    "roads": "Vägar",
    "rail": "Järnvägar och stationer",
    "ports": "Hamnar",
    "protected_nature": "Skyddad natur",
    "water": "Vatten",
    "isochrones": "Restidszoner för valt område",
    "suitability": "Lämplighet (raster)",
    "county": "Länsgräns",
    "municipalities": "Kommungränser",
    "airports": "Flygplatser",
    "junctions": "Trafikplatser (motorväg)",
    "stations": "Stationer och terminaler",
    "osm": "OpenStreetMap",
    "no_basemap": "Ingen bakgrundskarta",
    # fields
    "site_id": "Område-id",
    "name": "Namn",
    "municipality": "Kommun",
    "area_ha": "Areal (ha)",
    "usable_area_ha": "Användbar areal (ha)",
    "plan_status": "Planstatus",
    "plan_use": "Planändamål",
    "owner": "Markägare",
    "site_type": "Typ av område",
    "mifo_class": "MIFO-riskklass",
    "score": "Poäng",
    "rank": "Rang",
    "rank_range": "Rangintervall (känslighet)",
    "p_top_k": "Andel körningar i topp",
    "excluded_reason": "Skäl till uteslutning",
    "port_minutes": "Minuter till hamn",
    "motorway_minutes": "Minuter till motorvägsanslutning",
    "rail_minutes": "Minuter till järnvägsstation",
    "airport_minutes": "Minuter till flygplats",
    "substation_km": "Avstånd till ställverk (km)",
    "industrial_km": "Avstånd till befintlig industrimark (km)",
    "substation_minutes": "Minuter till ställverk",
    "substation_voltage_kv": "Spänning (kV)",
    "nearest_substation": "Närmaste ställverk",
    "nearest_port": "Närmaste hamn",
    "nearest_junction": "Närmaste trafikplats",
    "nearest_station": "Närmaste station",
    "pop_30min": "Invånare inom 30 min",
    "pop_45min": "Invånare inom 45 min",
    "pop_60min": "Invånare inom 60 min",
    "labour_45min": "Arbetskraft inom 45 min",
    "population_within": "Invånare inom restid",
    # breakdown
    "factor": "Faktor",
    "raw": "Värde",
    "std": "Standardiserat",
    "weight": "Vikt",
    "share": "Andel av poäng",
    "contrib": "Bidrag",
    "breakdown": "Poängens delar",
    "drivers": "Det som driver poängen",
    # filters
    "filters": "Filter",
    "min_area_ha": "Minsta areal (ha)",
    "max_port_minutes": "Högst minuter till hamn",
    "max_motorway_minutes": "Högst minuter till motorväg",
    "max_rail_minutes": "Högst minuter till järnväg",
    "min_voltage_kv": "Minsta spänning (kV)",
    "within_km": "inom (km)",
    "min_score": "Lägsta poäng",
    "any": "alla",
    "all": "Alla",
    "visible_sites": "Synliga områden",
    "top_list": "Bästa synliga områden",
    "reset": "Återställ",
    "legend": "Poäng",
    "minutes": "minuter",
    "people": "invånare",
    "not_known": "okänt",
    # sheet
    "sheet_title": "Områdesblad",
    "facts": "Fakta",
    "excluded_title": "Området är uteslutet",
    "excluded_because": "Området uppfyller inte scenariots krav:",
    "brownfield_class": "Förorenad mark (MIFO-klass)",
    "grid_capacity": "Elkapacitet",
    "readiness": "Markberedskap",
    "nearest_substation_line": "Närmaste ställverk",
    "scale": "Skala",
    "north": "N",
    "site_outline": "Områdets gräns",
    "reach": "Nåbart inom",
    "overview": "Översikt och restid",
    "legend_map": "Teckenförklaring",
    "attribution": (
        "Data: siteselect inbyggda lager / OpenStreetMap-bidragsgivare / SCB / "
        "Naturvårdsverket i förekommande fall"
    ),
    "generated": "Skapad",
    # classes
    "gällande": "gällande",
    "pågående": "pågående",
    "ingen": "ingen plan",
    "kommunal": "kommunal",
    "privat": "privat",
    "statlig": "statlig",
    "okänd": "okänd",
    "detaljplan": "detaljplan",
    "brownfield": "tidigare industrimark",
    "reserve": "markreserv",
    "road_motorway": "motorväg",
    "road_trunk": "motortrafikled/stamväg",
    "road_primary": "riksväg",
    "road_secondary": "länsväg",
    "road_tertiary": "mindre väg",
    "road_local": "lokalväg",
    # live map (issue 21): weights, curves and rules in the browser
    "live_title": "Vikter, kurvor och villkor",
    "live_weights": "Vikter (andel)",
    "live_grid_weight": "Vikt för elnätskapacitet",
    "live_ahp": "Parvisa jämförelser (AHP)",
    "live_worst_pair": "minst konsekvent par",
    "live_direct_in_use": "direkta vikter används nu",
    "live_order_weights": "OWA-ordningsvikter",
    "live_order_position": "Plats",
    "live_orness": "orness",
    "live_curves": "Kurvor (brytpunkter)",
    "live_curve_plot": "kurva över kandidaternas värden",
    "live_rules": "Villkor och gränser",
    "live_sites": "områden",
    "live_reset": "Återställ körningen",
    "live_export_yaml": "Exportera scenario (YAML)",
    "live_export_csv": "Exportera rangordning (CSV)",
    "live_refused": "Ej tillåtet",
    "live_run_rank": "Rang i körningen",
    "live_new": "ny",
}

_EN: dict[str, str] = {
    "candidates": "Candidate sites",
    "excluded": "Excluded sites (with reason)",
    "substations": "Substations (by voltage)",
    "motorways": "Motorways and junctions",
    "roads": "Roads",
    "rail": "Railways and stations",
    "ports": "Ports",
    "protected_nature": "Protected nature",
    "water": "Water",
    "isochrones": "Travel-time zones of the selected site",
    "suitability": "Suitability (raster)",
    "county": "County boundary",
    "municipalities": "Municipal boundaries",
    "airports": "Airports",
    "junctions": "Motorway junctions",
    "stations": "Stations and terminals",
    "osm": "OpenStreetMap",
    "no_basemap": "No basemap",
    "site_id": "Site id",
    "name": "Name",
    "municipality": "Municipality",
    "area_ha": "Area (ha)",
    "usable_area_ha": "Usable area (ha)",
    "plan_status": "Plan status",
    "plan_use": "Plan use",
    "owner": "Owner",
    "site_type": "Site type",
    "mifo_class": "MIFO risk class",
    "score": "Score",
    "rank": "Rank",
    "rank_range": "Rank range (sensitivity)",
    "p_top_k": "Share of runs in top",
    "excluded_reason": "Reason for exclusion",
    "port_minutes": "Minutes to port",
    "motorway_minutes": "Minutes to motorway junction",
    "rail_minutes": "Minutes to rail station",
    "airport_minutes": "Minutes to airport",
    "substation_km": "Distance to substation (km)",
    "industrial_km": "Distance to existing industrial land (km)",
    "substation_minutes": "Minutes to substation",
    "substation_voltage_kv": "Voltage (kV)",
    "nearest_substation": "Nearest substation",
    "nearest_port": "Nearest port",
    "nearest_junction": "Nearest junction",
    "nearest_station": "Nearest station",
    "pop_30min": "People within 30 min",
    "pop_45min": "People within 45 min",
    "pop_60min": "People within 60 min",
    "labour_45min": "Labour within 45 min",
    "population_within": "People within travel time",
    "factor": "Factor",
    "raw": "Value",
    "std": "Standardised",
    "weight": "Weight",
    "share": "Share of score",
    "contrib": "Contribution",
    "breakdown": "Score breakdown",
    "drivers": "What drives the score",
    "filters": "Filters",
    "min_area_ha": "Minimum area (ha)",
    "max_port_minutes": "Max minutes to port",
    "max_motorway_minutes": "Max minutes to motorway",
    "max_rail_minutes": "Max minutes to rail",
    "min_voltage_kv": "Minimum voltage (kV)",
    "within_km": "within (km)",
    "min_score": "Minimum score",
    "any": "any",
    "all": "All",
    "visible_sites": "Visible sites",
    "top_list": "Best visible sites",
    "reset": "Reset",
    "legend": "Score",
    "minutes": "minutes",
    "people": "people",
    "not_known": "unknown",
    "sheet_title": "Site sheet",
    "facts": "Facts",
    "excluded_title": "This site is excluded",
    "excluded_because": "The site fails the scenario's requirements:",
    "brownfield_class": "Contaminated land (MIFO class)",
    "grid_capacity": "Grid capacity",
    "readiness": "Land readiness",
    "nearest_substation_line": "Nearest substation",
    "scale": "Scale",
    "north": "N",
    "site_outline": "Site outline",
    "reach": "Reachable within",
    "overview": "Overview and travel time",
    "legend_map": "Legend",
    "attribution": (
        "Data: siteselect embedded layers / OpenStreetMap contributors / SCB / "
        "Naturvårdsverket as applicable"
    ),
    "generated": "Generated",
    "gällande": "adopted",
    "pågående": "in progress",
    "ingen": "no plan",
    "kommunal": "municipal",
    "privat": "private",
    "statlig": "state",
    "okänd": "unknown",
    "detaljplan": "zoned (detaljplan)",
    "brownfield": "brownfield",
    "reserve": "land reserve",
    "road_motorway": "motorway",
    "road_trunk": "trunk road",
    "road_primary": "primary road",
    "road_secondary": "secondary road",
    "road_tertiary": "tertiary road",
    "road_local": "local road",
    # live map (issue 21): weights, curves and rules in the browser
    "live_title": "Weights, curves and rules",
    "live_weights": "Weights (share)",
    "live_grid_weight": "Grid capacity weight",
    "live_ahp": "Pairwise judgements (AHP)",
    "live_worst_pair": "least consistent pair",
    "live_direct_in_use": "direct weights in use now",
    "live_order_weights": "OWA order weights",
    "live_order_position": "Position",
    "live_orness": "orness",
    "live_curves": "Curves (control points)",
    "live_curve_plot": "curve over the candidates' values",
    "live_rules": "Constraints and limits",
    "live_sites": "sites",
    "live_reset": "Reset to the run",
    "live_export_yaml": "Export scenario (YAML)",
    "live_export_csv": "Export ranking (CSV)",
    "live_refused": "Refused",
    "live_run_rank": "Rank in the run",
    "live_new": "new",
}

_ALL: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"sv": MappingProxyType(_SV), "en": MappingProxyType(_EN)}
)


def labels_for(lang: str) -> Mapping[str, str]:
    """Return the read-only label dictionary of one language.

    Parameters
    ----------
    lang
        ``"sv"`` or ``"en"``.

    Raises
    ------
    SiteSelectError
        (also a ``ValueError``) for an unknown language.
    """
    if lang not in _ALL:
        raise LanguageError(
            f"lang={lang!r} is not a known output language; use one of {', '.join(LANGUAGES)}"
        )
    return _ALL[lang]


def label(key: str, *, lang: str) -> str:
    """Return the label of ``key`` in ``lang``, or ``key`` itself when unknown.

    Factor names the scenario author invented have no label; showing their
    name is the honest fallback.
    """
    return labels_for(lang).get(key, key)


class LanguageError(SiteSelectError, ValueError):
    """An output language other than ``sv`` or ``en`` was asked for."""
