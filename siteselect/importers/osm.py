"""OpenStreetMap PBF/XML → roads, rail, stations, substations, ports, candidates.

Uses pyosmium (``osmium``). One pass over the file per call (plus a pass over
the ways alone when ``bbox`` is given and roads are read, see below); only
objects with the tags below are turned into features, and only those touching
``bbox``.

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
             at their end points (``road_id`` = ``w<way id>-<part>``). With a
             ``bbox`` the kept ways are split where they meet any road of the
             file, also one wholly outside the box, so a bbox import equals the
             whole import cut to the ways touching the box.
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
Measured by ``bench/osm_import.py`` (synthetic 5-million-node file). Node
locations are cached in ``location_store``: the default ``"flex_mem"`` keeps
them in memory, about 16 bytes per node of the file (a county: tens of MB;
Sweden, ~10⁸ nodes: GBs). For a country-size PBF use a disk-backed index, e.g.
``location_store="sparse_file_array,/tmp/nodes.idx"`` (16 bytes per node on
disk; ``dense_file_array``: 8 bytes per node id up to the highest id): the
process's own (anonymous) memory then grows with the features inside
``bbox``, not with the file (~2 MB per million nodes of file), on top of a
fixed ~100 MB read-ahead of decoded blocks in libosmium's reader (environment
variable ``OSMIUM_MAX_OSMDATA_QUEUE_SIZE``, default 20 blocks). The index is a
memory-mapped file: its pages count in the resident set (RSS) while the kernel
keeps them cached, and are given back under memory pressure. A whole-file
import holds every feature, about 270 bytes per road node. Cutting the file
first with ``osmium extract -b`` is faster still.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect._crs import DEFAULT_CRS, check_in_area, lonlat_bounds, resolve_work_crs
from siteselect.errors import LayerError
from siteselect.importers._common import max_number
from siteselect.layers import Layers, LayerWarning

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
        #: (way id, tags, node ids, (n, 2) lon/lat) of each kept road way: compact
        #: arrays, not per-node Python objects, as a whole-file import keeps them all
        self.road_ways: list[tuple[int, dict[str, str], np.ndarray, np.ndarray]] = []
        #: road ways dropped for a node missing from the file (they split nothing)
        self.broken_road_ways: set[int] = set()
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
            if tags.get("highway") in self.road_types:
                self.broken_road_ways.add(w.id)
            return
        if len(coords) < 2 or not self.inside(coords):
            return
        hw = tags.get("highway")
        if "roads" in self.roles and hw in self.road_types:
            refs = np.fromiter((n.ref for n in w.nodes), dtype=np.int64, count=len(coords))
            self.road_ways.append((w.id, tags, refs, np.array(coords, dtype=np.float64)))
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


def _road_node_uses_elsewhere(path: Path, collector: _Collector) -> Counter[int]:
    """Uses of the kept roads' nodes by the road ways that were not kept.

    A pass over the ways alone (no node locations): with a bbox, a kept way must
    still be split where it meets a road lying wholly outside the box, as in the
    import of the whole file. Memory grows with the kept roads, not the file.
    """
    import osmium

    wanted = {int(ref) for _, _, refs, _ in collector.road_ways for ref in np.unique(refs)}
    skip = {wid for wid, _, _, _ in collector.road_ways} | collector.broken_road_ways
    uses: Counter[int] = Counter()
    ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.TagFilter(*(("highway", hw) for hw in collector.road_types)))
    for w in ways:
        if not isinstance(w, osmium.osm.Way) or w.id in skip:
            continue
        refs = [n.ref for n in w.nodes]
        if len(refs) < 2:
            continue
        hits = wanted.intersection(refs)
        if hits:
            uses.update(hits)
            uses.update(r for r in (refs[0], refs[-1]) if r in wanted)
    return uses


def _split_roads(collector: _Collector,
                 elsewhere: Counter[int] | None = None) -> gpd.GeoDataFrame:
    """Road segments (EPSG:4326) of the kept road ways, split at shared nodes.

    A way is cut at every node used by another road way (``elsewhere``: uses by
    road ways that were not kept) or ending a road way, its own included.
    Vectorised over all ways; per-way values are Python lists.
    """
    ways = collector.road_ways
    sizes = np.fromiter((len(r) for _, _, r, _ in ways), dtype=np.int64, count=len(ways))
    refs = np.concatenate([r for _, _, r, _ in ways])
    coords = np.concatenate([c for _, _, _, c in ways])
    first = np.cumsum(sizes) - sizes
    last = first + sizes - 1
    way_of = np.repeat(np.arange(len(ways)), sizes)
    # each way counts once per distinct node, and once more per end point
    order = np.lexsort((refs, way_of))
    r_sorted, w_sorted = refs[order], way_of[order]
    distinct = np.ones(len(refs), dtype=bool)
    distinct[1:] = (r_sorted[1:] != r_sorted[:-1]) | (w_sorted[1:] != w_sorted[:-1])
    keys = [r_sorted[distinct], refs[first], refs[last]]
    if elsewhere:
        ids = np.fromiter(elsewhere.keys(), dtype=np.int64, count=len(elsewhere))
        keys.append(np.repeat(ids, np.fromiter(elsewhere.values(), dtype=np.int64,
                                               count=len(elsewhere))))
    node, uses = np.unique(np.concatenate(keys), return_counts=True)
    cut = np.isin(refs, node[uses > 1])
    cut[first] = True
    cut[last] = True
    pos = np.flatnonzero(cut)
    same_way = way_of[pos[:-1]] == way_of[pos[1:]]
    a, b = pos[:-1][same_way], pos[1:][same_way]          # part = refs[a..b]
    part_way = way_of[a]
    n_parts = np.bincount(part_way, minlength=len(ways))
    part_no = np.arange(len(a)) - np.repeat(np.cumsum(n_parts) - n_parts, n_parts)
    wid = [way_id for way_id, _, _, _ in ways]
    tag_list = [tags for _, tags, _, _ in ways]
    hw = [tags["highway"] for tags in tag_list]
    oneway, rev = zip(*(parse_oneway(tags.get("oneway"), h, tags.get("junction"))
                        for h, tags in zip(hw, tag_list, strict=True)), strict=True)
    ref = [tags.get("ref") for tags in tag_list]
    name = [tags.get("name") for tags in tag_list]
    speed = [parse_maxspeed(tags.get("maxspeed")) for tags in tag_list]
    length = b - a + 1
    step = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    backwards = np.repeat(np.asarray(rev, dtype=bool)[part_way], length)
    take = np.where(backwards, np.repeat(b, length) - step, np.repeat(a, length) + step)
    geoms = shapely.linestrings(coords[take], indices=np.repeat(np.arange(len(a)), length))
    pw = part_way.tolist()
    return gpd.GeoDataFrame({
        "road_id": [f"w{wid[i]}-{k}" for i, k in zip(pw, part_no.tolist(), strict=True)],
        "ref": [ref[i] for i in pw],
        "road_class": [collector.road_types[hw[i]] for i in pw],
        "speed_kmh": [speed[i] for i in pw],
        "oneway": [oneway[i] for i in pw],
        "name": [name[i] for i in pw],
        "highway": [hw[i] for i in pw],
        "geometry": geoms}, geometry="geometry", crs="EPSG:4326")


def layers_from_osm_pbf(
    path: str | Path,
    *,
    roles: Sequence[str] = OSM_ROLES,
    bbox: Sequence[float] | None = None,
    location_store: str = "flex_mem",
    include_service: bool = False,
    municipality: str | None = None,
    crs: Any = DEFAULT_CRS,
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
    crs
        Working CRS of the result (projected): default SWEREF 99 TM (EPSG:3006);
        ``"auto"`` = the WGS 84 / UTM zone of the imported features' centre.

    Returns
    -------
    Layers
        ``{role: GeoDataFrame}`` in the working CRS (a role with no features
        gets an empty frame).

    Raises
    ------
    LayerError
        The file is missing, empty or not an OSM file; unknown roles.
    CRSError
        ``crs`` is not a projected CRS, or features lie outside the area it is
        made for (the message names the CRS that fits, e.g. ``crs="auto"``).
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
    elsewhere: Counter[int] | None = None
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
        if box is not None and col.road_ways:
            elsewhere = _road_node_uses_elsewhere(p, col)
    except LayerError:
        raise
    except Exception as exc:  # libosmium parse errors, index errors
        raise LayerError(f"{p}: cannot be read as OpenStreetMap data: {exc}. Check that the "
                         "file is a complete .osm.pbf.") from exc
    frames: dict[str, gpd.GeoDataFrame] = {}
    if "roads" in roles and col.road_ways:
        frames["roads"] = _split_roads(col, elsewhere)
        col.road_ways.clear()
    out: Layers = {}
    auto = isinstance(crs, str) and crs.strip().lower() == "auto"
    box = lonlat_bounds(list(frames.values()) + [gpd.GeoSeries(
        [r["geometry"] for r in col.rows[role]], crs="EPSG:4326") for role in roles]) if auto else None
    work = resolve_work_crs(crs, bounds_lonlat=box, where=f"{p}: crs")
    for role in roles:
        rows = col.rows[role]
        if role in frames:
            gdf = frames.pop(role)
        elif rows:
            gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        else:
            gdf = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
        gdf = gdf.to_crs(work)
        check_in_area(gdf, where=f"{p} (role {role})", src="EPSG:4326", layer_crs_key=False)
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
