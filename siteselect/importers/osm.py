"""OpenStreetMap PBF/XML → roads, rail, stations, substations, ports, candidates.

Uses pyosmium (``osmium``). One pass over the file per call; only objects with
the tags below are turned into features, and only those touching ``bbox``.

Tags read
---------
roads        ``highway`` = motorway, trunk, primary, secondary, tertiary (and their
             ``_link``), unclassified, residential, living_street, road (→ ``local``;
             ``service`` too when ``include_service``). ``maxspeed``: ``"50"``,
             ``"50 mph"`` (→ 80.5 km/h), ``"SE:urban"`` 50, ``"SE:rural"`` 70,
             ``"SE:motorway"`` 110, ``"SE:trunk"`` 90 … else null. ``oneway``:
             ``yes``/``true``/``1`` → True, ``-1`` → True with the geometry reversed,
             ``no`` → False; motorways and roundabouts are one-way by default.
             Ways are split at nodes shared with other road ways, so segments meet
             at their end points (``road_id`` = ``w<way id>-<part>``).
rail         ``railway`` = rail, light_rail, narrow_gauge (not abandoned/disused/
             construction); ``line_id`` = ``w<way id>``; name = ``name``, else ``ref``.
stations     ``railway`` = station/halt (nodes or areas) → ``passenger``, or
             ``freight`` when ``usage=freight``/``station=freight``/``train=no`` with
             ``freight=yes``; ``railway=container_terminal`` or
             ``industrial=intermodal_freight_terminal`` → ``combi``.
substations  ``power=substation`` (nodes or areas; areas → representative point);
             ``voltage`` ``;``-joined volts → highest kV. Substations without a
             voltage are dropped with a warning.
ports        ``harbour=yes``, ``landuse=harbour``, ``industrial=port`` (points).
candidates   ``landuse`` = industrial / brownfield areas (closed ways and
             multipolygon relations) → site_type ``reserve`` / ``brownfield``,
             plan_status ``ingen``, owner ``okänd``, municipality from
             ``addr:municipality`` or the ``municipality`` option.

Memory
------
Node locations are cached in ``location_store``: the default ``"flex_mem"``
suits regional extracts (a county: tens of MB). For a country-size PBF use a
disk-backed index, e.g. ``location_store="sparse_file_array,/tmp/nodes.idx"``
(or ``dense_file_array``): memory then stays bounded by the features inside
``bbox``; the index file grows with the node count (~16 bytes per node in the
sparse form). Cutting the file first with ``osmium extract -b`` is faster still.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.errors import LayerError
from siteselect.importers._common import max_number
from siteselect.layers import Layers, LayerWarning
from siteselect.roles import WORK_CRS

OSM_ROLES = ("roads", "rail", "stations", "substations", "ports", "candidates")

ROAD_CLASS: Mapping[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "trunk", "trunk_link": "trunk",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary",
    "tertiary": "tertiary", "tertiary_link": "tertiary",
    "unclassified": "local", "residential": "local", "living_street": "local",
    "road": "local",
}

#: Implicit Swedish speed limits (km/h) for ``maxspeed=SE:…``.
SE_ZONES: Mapping[str, float] = {"urban": 50.0, "rural": 70.0, "motorway": 110.0,
                                 "trunk": 90.0, "living_street": 7.0}

_RAIL = {"rail", "light_rail", "narrow_gauge"}
_MPH = 1.609344


def parse_maxspeed(value: str | None) -> float | None:
    """Speed limit in km/h from an OSM ``maxspeed`` value (None when unknown).

    >>> parse_maxspeed("50"), parse_maxspeed("50 mph"), parse_maxspeed("SE:urban")
    (50.0, 80.4672, 50.0)
    """
    if not value:
        return None
    v = value.strip().lower()
    if v.startswith("se:"):
        return SE_ZONES.get(v[3:])
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?", v)
    if not m:
        return None
    speed = float(m.group(1))
    return round(speed * _MPH, 4) if m.group(2) == "mph" else speed


def parse_oneway(value: str | None, highway: str, junction: str | None) -> tuple[bool, bool]:
    """(oneway, reversed) from OSM tags."""
    v = (value or "").strip().lower()
    if v in ("yes", "true", "1"):
        return True, False
    if v == "-1":
        return True, True
    if v in ("no", "false", "0"):
        return False, False
    return highway in ("motorway", "motorway_link") or junction == "roundabout", False


def _station_kind(tags: Mapping[str, str]) -> str | None:
    rw = tags.get("railway")
    if rw == "container_terminal" or tags.get("industrial") == "intermodal_freight_terminal":
        return "combi"
    if rw in ("station", "halt"):
        if tags.get("usage") == "freight" or tags.get("station") == "freight" or (
                tags.get("train") == "no" and tags.get("freight") == "yes"):
            return "freight"
        return "passenger"
    return None


class _Collector:
    """Accumulates raw features during the pass (explicit state, no globals)."""

    def __init__(self, roles: Sequence[str], bbox: tuple[float, float, float, float] | None,
                 include_service: bool) -> None:
        self.roles = set(roles)
        self.bbox = bbox
        self.road_types = dict(ROAD_CLASS)
        if include_service:
            self.road_types["service"] = "local"
        self.rows: dict[str, list[dict[str, Any]]] = {r: [] for r in OSM_ROLES}
        self.road_ways: list[tuple[int, dict[str, str], list[int], list[tuple[float, float]]]] = []
        self.wkb = __import__("osmium").geom.WKBFactory()

    def inside(self, coords: Sequence[tuple[float, float]]) -> bool:
        if self.bbox is None:
            return True
        x0, y0, x1, y1 = self.bbox
        return any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in coords)

    def point_feature(self, tags: Mapping[str, str], lon: float, lat: float, oid: str) -> None:
        if not self.inside([(lon, lat)]):
            return
        geom = shapely.Point(lon, lat)
        self._point_roles(tags, geom, oid)

    def _point_roles(self, tags: Mapping[str, str], geom: shapely.Geometry, oid: str) -> None:
        name = tags.get("name")
        if "stations" in self.roles and (kind := _station_kind(tags)):
            self.rows["stations"].append({"station_id": oid, "name": name or f"OSM {oid}",
                                          "kind": kind, "geometry": geom})
        if "substations" in self.roles and tags.get("power") == "substation":
            self.rows["substations"].append({
                "substation_id": oid, "name": name or f"OSM substation {oid}",
                "voltage_v": max_number(tags.get("voltage")), "operator": tags.get("operator"),
                "geometry": geom})
        if "ports" in self.roles and (tags.get("harbour") == "yes" or
                                      tags.get("landuse") == "harbour" or
                                      tags.get("industrial") == "port"):
            self.rows["ports"].append({"port_id": oid, "name": name or f"OSM harbour {oid}",
                                       "operator": tags.get("operator"), "geometry": geom})

    def way(self, w: Any) -> None:
        tags = {t.k: t.v for t in w.tags}
        try:
            coords = [(n.lon, n.lat) for n in w.nodes]
        except Exception:  # osmium.InvalidLocationError: node outside the extract
            return
        if len(coords) < 2 or not self.inside(coords):
            return
        hw = tags.get("highway")
        if "roads" in self.roles and hw in self.road_types:
            self.road_ways.append((w.id, tags, [n.ref for n in w.nodes], coords))
        if "rail" in self.roles and tags.get("railway") in _RAIL:
            self.rows["rail"].append({"line_id": f"w{w.id}",
                                      "name": tags.get("name") or tags.get("ref") or
                                      f"OSM railway w{w.id}",
                                      "geometry": shapely.LineString(coords)})
        closed = coords[0] == coords[-1] and len(coords) >= 4
        if closed and self.roles & {"stations", "substations", "ports"}:
            point = shapely.Polygon(coords).representative_point() \
                if shapely.Polygon(coords).is_valid else shapely.LineString(coords).centroid
            self._point_roles(tags, point, f"w{w.id}")

    def area(self, a: Any) -> None:
        if "candidates" not in self.roles:
            return
        tags = {t.k: t.v for t in a.tags}
        use = tags.get("landuse")
        if use not in ("industrial", "brownfield"):
            return
        try:
            geom = shapely.from_wkb(bytes.fromhex(self.wkb.create_multipolygon(a)))
        except Exception:  # broken multipolygon in the source
            return
        b = geom.bounds
        if not self.inside([(b[0], b[1]), (b[2], b[3]), (b[0], b[3]), (b[2], b[1])]) and \
                self.bbox is not None and not geom.intersects(shapely.box(*self.bbox)):
            return
        oid = f"{'w' if a.from_way() else 'r'}{a.orig_id()}"
        self.rows["candidates"].append({
            "site_id": f"osm-{oid}", "name": tags.get("name") or f"OSM {use} {oid}",
            "municipality": tags.get("addr:municipality"),
            "site_type": "brownfield" if use == "brownfield" else "reserve",
            "plan_status": "ingen", "plan_use": None, "owner": "okänd", "mifo_class": None,
            "source": "openstreetmap", "geometry": geom})


def _split_roads(collector: _Collector) -> list[dict[str, Any]]:
    uses: Counter[int] = Counter()
    for _, _, refs, _ in collector.road_ways:
        uses.update(set(refs))
        uses.update([refs[0], refs[-1]])  # end points always split
    rows: list[dict[str, Any]] = []
    for wid, tags, refs, coords in collector.road_ways:
        hw = tags["highway"]
        oneway, rev = parse_oneway(tags.get("oneway"), hw, tags.get("junction"))
        cuts = [0] + [i for i in range(1, len(refs) - 1) if uses[refs[i]] > 1] + [len(refs) - 1]
        for k, (a, b) in enumerate(pairwise(cuts)):
            part = coords[a:b + 1]
            if rev:
                part = part[::-1]
            rows.append({"road_id": f"w{wid}-{k}", "ref": tags.get("ref"),
                         "road_class": collector.road_types[hw],
                         "speed_kmh": parse_maxspeed(tags.get("maxspeed")), "oneway": oneway,
                         "name": tags.get("name"), "highway": hw,
                         "geometry": shapely.LineString(part)})
    return rows


def layers_from_osm_pbf(
    path: str | Path,
    *,
    roles: Sequence[str] = OSM_ROLES,
    bbox: Sequence[float] | None = None,
    location_store: str = "flex_mem",
    include_service: bool = False,
    municipality: str | None = None,
) -> Layers:
    """Read several roles from an OSM file in one pass.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm`` XML).
    roles
        Any of ``roads, rail, stations, substations, ports, candidates``.
    bbox
        ``(lon_min, lat_min, lon_max, lat_max)`` in WGS 84; features touching it
        are kept. ``None`` keeps everything.
    location_store
        pyosmium node-location index (see module docstring for country files).
    include_service
        Also take ``highway=service`` as local roads.
    municipality
        Municipality for candidates without ``addr:municipality``.

    Returns
    -------
    Layers
        ``{role: GeoDataFrame}`` in EPSG:3006 (a role with no features gets an
        empty frame).

    Raises
    ------
    LayerError
        The file is missing, empty or not an OSM file; unknown roles.
    """
    import osmium

    p = Path(path)
    bad = [r for r in roles if r not in OSM_ROLES]
    if bad:
        raise LayerError(f"{p}: OSM import cannot fill roles {bad}; it fills "
                         f"{', '.join(OSM_ROLES)}.")
    if not p.is_file() or p.stat().st_size == 0:
        raise LayerError(f"{p}: OSM file not found or empty.")
    box = None if bbox is None else tuple(float(v) for v in bbox)
    if box is not None and (len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]):
        raise LayerError(f"{p}: bbox {bbox} must be (lon_min, lat_min, lon_max, lat_max).")
    col = _Collector(roles, box, include_service)
    try:
        fp = osmium.FileProcessor(str(p)).with_locations(location_store)
        if "candidates" in roles:
            fp = fp.with_areas(osmium.filter.TagFilter(("landuse", "industrial"),
                                                       ("landuse", "brownfield")))
        fp = fp.with_filter(osmium.filter.KeyFilter(
            "highway", "railway", "power", "harbour", "landuse", "industrial"))
        for obj in fp:
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                if loc.valid():
                    col.point_feature({t.k: t.v for t in obj.tags}, loc.lon, loc.lat,
                                      f"n{obj.id}")
            elif isinstance(obj, osmium.osm.Way):
                col.way(obj)
            elif isinstance(obj, osmium.osm.Area):
                col.area(obj)
    except LayerError:
        raise
    except Exception as exc:  # libosmium parse errors, index errors
        raise LayerError(f"{p}: cannot be read as OpenStreetMap data: {exc}. Check that the "
                         "file is a complete .osm.pbf.") from exc
    if "roads" in roles:
        col.rows["roads"] = _split_roads(col)
    out: Layers = {}
    for role in roles:
        rows = col.rows[role]
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else \
            gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
        gdf = gdf.to_crs(WORK_CRS)
        if role == "substations" and len(gdf):
            nov = gdf["voltage_v"].isna().to_numpy()
            if nov.any():
                warnings.warn(f"{p}: {int(nov.sum())} substations without a voltage tag "
                              "dropped.", LayerWarning, stacklevel=2)
            gdf = gdf.loc[~nov].copy()
            gdf["voltage_kv"] = gdf.pop("voltage_v").astype(float) / 1000.0
            gdf["available_mw"] = np.nan
            gdf["capacity_source"] = "OpenStreetMap (no capacity data)"
        if role == "candidates" and len(gdf):
            gdf["municipality"] = gdf["municipality"].where(gdf["municipality"].notna(),
                                                            municipality)
            gdf.insert(3, "area_ha", gdf.geometry.area.to_numpy() / 10_000.0)
            gdf["mifo_class"] = pd.array([None] * len(gdf), dtype="Int64")
        out[role] = gdf.reset_index(drop=True)
    return out


def layer_from_osm_pbf(path: str | Path, *, role: str, **options: Any) -> gpd.GeoDataFrame:
    """One role from an OSM file (catalog format ``osm_pbf``; options as above)."""
    return layers_from_osm_pbf(path, roles=(role,), **options)[role]


def roads_from_osm_pbf(path: str | Path, **options: Any) -> gpd.GeoDataFrame:
    """Drivable roads (see module docstring)."""
    return layer_from_osm_pbf(path, role="roads", **options)
