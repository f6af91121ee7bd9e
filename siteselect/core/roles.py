"""Layer roles: which layers siteselect knows and which fields each must carry.

A *role* is the part a layer plays in an analysis (``candidates``, ``roads``,
``substations`` …). The embedded Västmanland GeoPackage uses the role names as
layer names; user catalogs map their own files and fields onto these roles.

Once loaded, all layers are held in the region's working CRS (SWEREF 99 TM,
EPSG:3006, unless the catalog or scenario names another; see
:mod:`siteselect.core.crs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

@dataclass(frozen=True)
class FieldSpec:
    """One attribute a role requires or understands.

    Parameters
    ----------
    name
        Column name in the loaded GeoDataFrame.
    dtype
        One of ``"str"``, ``"int"``, ``"float"``, ``"bool"``.
    required
        Whether a layer without the column is rejected.
    nullable
        Whether missing values are allowed (they then mean *unknown*).
    allowed
        For ``str`` fields: the allowed values, or ``None`` for any.
    description
        What the field means, with units.
    """

    name: str
    dtype: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class RoleSpec:
    """What a layer playing one role must look like."""

    name: str
    geometry: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    required: bool = False
    description: str = ""
    embedded: bool = True
    """False for roles the embedded sample does not carry (read only from a catalog)."""

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


PLAN_STATUSES = ("gällande", "pågående", "ingen")
OWNERS = ("kommunal", "privat", "statlig", "okänd")
SITE_TYPES = ("detaljplan", "brownfield", "reserve")
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "local")
STATION_KINDS = ("passenger", "freight", "combi")
SUBSTATION_STATUSES = ("in_service", "planned")
INDUSTRIAL_KINDS = ("verksamhetsområde", "detaljplan", "port", "plant")


def connection_points(substations: gpd.GeoDataFrame, *, min_voltage_kv: float | None = None) -> gpd.GeoDataFrame:
    """Substations a site can connect to today: in service (not ``status: planned``) and,
    when given, of at least ``min_voltage_kv``."""
    out = substations
    if "status" in out.columns:
        out = out[out["status"].fillna("in_service") != "planned"]
    if min_voltage_kv is not None:
        out = out[pd.to_numeric(out["voltage_kv"], errors="coerce") >= float(min_voltage_kv)]
    return out


_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_POINT = ("Point",)

ROLES: dict[str, RoleSpec] = {
    r.name: r
    for r in (
        RoleSpec("county", _POLY, (FieldSpec("name", "str"),), description="Study area outline."),
        RoleSpec(
            "municipalities",
            _POLY,
            (FieldSpec("kommun_kod", "str"), FieldSpec("name", "str")),
            description="Municipality outlines with SCB four-digit codes.",
        ),
        RoleSpec(
            "towns",
            _POINT,
            (
                FieldSpec("name", "str"),
                FieldSpec("municipality", "str"),
                FieldSpec("pop", "int", description="Inhabitants"),
                FieldSpec("pop_year", "int", required=False),
            ),
            description="Tätorter (urban areas) as points with population.",
        ),
        RoleSpec(
            "population",
            _POINT + _POLY,
            (FieldSpec("pop", "float", description="Inhabitants in the feature"),),
            required=True,
            description="Population as points or grid cells (counted at the centroid).",
        ),
        RoleSpec(
            "urban_areas",
            _POLY,
            (FieldSpec("name", "str"),),
            description="Built-up housing areas, used for separation-distance constraints.",
        ),
        RoleSpec(
            "ports",
            _POINT,
            (
                FieldSpec("port_id", "str"),
                FieldSpec("name", "str"),
                FieldSpec("operator", "str", required=False, nullable=True),
                FieldSpec("max_draught_m", "float", required=False, nullable=True),
                FieldSpec("deep_water", "bool", required=False),
            ),
            required=True,
        ),
        RoleSpec(
            "roads",
            _LINE,
            (
                FieldSpec("road_id", "str"),
                FieldSpec("ref", "str", required=False, nullable=True, description="E18, 56 …"),
                FieldSpec("road_class", "str", allowed=ROAD_CLASSES),
                FieldSpec("speed_kmh", "float", nullable=True, description="Speed limit, km/h"),
                FieldSpec("oneway", "bool", required=False),
            ),
            required=True,
            description="Drivable road network; segments meet at shared end points.",
        ),
        RoleSpec(
            "junctions",
            _POINT,
            (
                FieldSpec("junction_id", "str"),
                FieldSpec("name", "str"),
                FieldSpec("number", "str", required=False, nullable=True),
                FieldSpec("ref", "str", required=False, nullable=True),
            ),
            required=True,
            description="Motorway interchanges (trafikplatser).",
        ),
        RoleSpec(
            "rail",
            _LINE,
            (FieldSpec("line_id", "str"), FieldSpec("name", "str")),
            description="Railway lines.",
        ),
        RoleSpec(
            "stations",
            _POINT,
            (
                FieldSpec("station_id", "str"),
                FieldSpec("name", "str"),
                FieldSpec("kind", "str", allowed=STATION_KINDS),
            ),
            required=True,
            description="Railway stations and freight/combi terminals.",
        ),
        RoleSpec(
            "substations",
            _POINT,
            (
                FieldSpec("substation_id", "str"),
                FieldSpec("name", "str"),
                FieldSpec("voltage_kv", "float", description="Highest voltage, kV"),
                FieldSpec("operator", "str", required=False, nullable=True),
                FieldSpec("available_mw", "float", required=False, nullable=True,
                          description="Firm capacity a new customer can get; null = unknown"),
                FieldSpec("capacity_date", "str", required=False, nullable=True),
                FieldSpec("capacity_source", "str", required=False, nullable=True),
                FieldSpec("status", "str", required=False, nullable=True, allowed=SUBSTATION_STATUSES,
                          description="in_service (default when absent) or planned; planned stations "
                          "are no connection point today, only through grid projects"),
            ),
            required=True,
        ),
        RoleSpec("airports", _POINT, (FieldSpec("name", "str"),)),
        RoleSpec(
            "candidates",
            _POLY,
            (
                FieldSpec("site_id", "str"),
                FieldSpec("name", "str"),
                FieldSpec("municipality", "str"),
                FieldSpec("area_ha", "float"),
                FieldSpec("site_type", "str", allowed=SITE_TYPES),
                FieldSpec("plan_status", "str", allowed=PLAN_STATUSES),
                FieldSpec("plan_use", "str", required=False, nullable=True,
                          description="Detaljplan use codes, e.g. 'J', 'J,Z', 'E'"),
                FieldSpec("owner", "str", allowed=OWNERS),
                FieldSpec("mifo_class", "int", required=False, nullable=True,
                          description="MIFO risk class 1 (very high) – 4 (low); null = none/unknown"),
                FieldSpec("source", "str", required=False, nullable=True),
            ),
            required=True,
            description="Candidate land: planned industrial land, brownfields, land reserves.",
        ),
        RoleSpec(
            "contaminated_sites",
            _POINT,
            (
                FieldSpec("ebh_id", "str"),
                FieldSpec("mifo_class", "int", required=False, nullable=True,
                          description="MIFO risk class 1 (very high) – 4 (low); null = E / KM / MKM"),
                FieldSpec("ebh_state", "str", required=False,
                          allowed=("riskklassad", "identifierad", "åtgärdad_km", "åtgärdad_mkm", "okänd")),
                FieldSpec("remediated", "bool", required=False),
                FieldSpec("match_within_m", "float", required=False,
                          description="Distance within which the point counts for a site, m"),
            ),
            description="Länsstyrelsen EBH objects (points); matched to candidate sites "
                        "(siteselect.io.importers.ebh.match_ebh_to_sites).",
            embedded=False,
        ),
        RoleSpec(
            "industrial_land",
            _POLY,
            (
                FieldSpec("name", "str"),
                FieldSpec("kind", "str", required=False, nullable=True, allowed=INDUSTRIAL_KINDS,
                          description="verksamhetsområde, detaljplan (J/Z-zoned), port or plant"),
                FieldSpec("plan_use", "str", required=False, nullable=True,
                          description="Detaljplan use codes, e.g. 'J', 'J,Z'"),
                FieldSpec("source", "str", required=False, nullable=True),
            ),
            description="Existing industrial land: verksamhetsområden, J/Z-zoned plans, ports, large plants. "
            "Counts as a plan in force (gällande) in raster mode and feeds the industrial_km measure.",
        ),
        RoleSpec("protected_nature", _POLY, (FieldSpec("name", "str"), FieldSpec("kind", "str"))),
        RoleSpec("water", _POLY, (FieldSpec("name", "str"),)),
    )
}
