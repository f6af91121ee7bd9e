"""Importers for the formats Swedish users hold, each producing one role's layer.

Every importer returns a GeoDataFrame carrying its role's fields (see
:mod:`siteselect.core.roles`): the Swedish ones in SWEREF 99 TM (EPSG:3006), the CRS
their sources come in, the OSM one in the working CRS it is given. The caller
(``siteselect.io.catalog_load``) reprojects it to the region's working CRS and validates it.
Source field names are *assumptions* documented in each importer and can be
overridden with a ``fields={logical_name: file_field}`` mapping.

Modules
-------
osm        OpenStreetMap PBF → roads, rail, stations, substations, ports, candidates
scb        SCB tätorter → towns (points) / urban_areas (polygons)
detaljplan Lantmäteriet / municipal detaljplaner → candidates
ngp_detaljplan  national-format detaljplan JSON (NGP, Detaljplan v4.x) → candidates
ebh        Länsstyrelsen EBH potentially contaminated sites → brownfield candidates
nvdb       Trafikverket NVDB (Lastkajen) → roads with per-direction speeds, BK, one-way
nvr        Naturvårdsverket protected areas (NVR, Natura 2000) → protected_nature
grid       ENTSO-E grid-kit buses, OSM-derived grid vertices → substations
ports      World Port Index CSV, PyPSA ports GeoJSON → ports
"""

from __future__ import annotations

__all__ = ["detaljplan", "ebh", "grid", "ngp_detaljplan", "nvdb", "nvr", "osm", "ports", "scb"]
