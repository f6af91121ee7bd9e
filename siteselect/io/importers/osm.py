"""OpenStreetMap PBF/XML → roads, rail, stations, substations, ports, candidates.

Uses pyosmium (``osmium``). One pass over the file per call (plus a pass over
the ways alone when ``bbox`` is given and roads are read, see below); only
objects with the tags below are turned into features, and only those touching
``bbox``.

Tags read
---------
roads        ``highway`` = motorway, trunk, primary, secondary, tertiary (and their
             ``_link``), unclassified, residential, living_street, road (→ ``local``;
             ``service`` too when ``include_service``), and car ferries (below), under
             the car rules below. Columns ``road_id``, ``ref``, ``road_class``,
             ``speed_kmh`` (null: the network's class default), ``speed_backward_kmh``
             (against the digitised direction when it differs, else null), ``oneway``,
             ``name``, ``highway``, ``ferry``.
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

Car rules (all in :mod:`siteselect.io.importers._osm_tags`)
-------------------------------------------------------
Cut ways     A way with nodes missing from the extract (cut at its edge) keeps every
             run of two or more consecutive present nodes, each run its own chain
             (never joined across the gap); runs of one node are dropped. The
             number of such ways, missing nodes and kilometres kept are reported.
Access       The most specific of ``motorcar`` > ``motor_vehicle`` > ``vehicle`` >
             ``access`` with a known value decides (an unknown value is counted and
             the next tag asked; in a ``;`` list, any opening value opens).
             ``access_profile="public"`` (default) is the general public,
             ``"company"`` a company's own goods traffic:

             =============================================  ======  =======
             value                                          public  company
             =============================================  ======  =======
             yes, permissive, designated, destination        yes     yes
             delivery                                        no      yes
             customers, private, agricultural, forestry, no  no      no
             emergency, psv, bus, military, official         no      no
             =============================================  ======  =======

             ``destination`` is open: trips to and from a site end there, and
             travel times cannot tell through traffic apart. ``private`` is closed
             for both: whose permission it needs is unknown (edit or tag a road
             you own). ``customers`` serves one place's customers, not a route.
One-way      ``yes``/``true``/``1`` along the way, ``-1``/``reverse`` against it
             (geometry reversed), ``no``/``false``/``0`` both ways; ``alternating``
             (one lane, directions take turns) both ways, waiting ignored;
             ``reversible`` (direction changes with the time of day) is left out —
             either fixed direction would be wrong part of the day (OSRM's car
             profile does the same); counted. No or an unreadable value: one-way
             for ``junction=roundabout|circular`` and ``highway=motorway|
             motorway_link``.
Speed        ``maxspeed`` (``maxspeed:forward`` / ``maxspeed:backward`` per direction
             over it): km/h numbers, ``mph``, ``knots``, country zones
             ``XX:urban|rural|motorway|trunk|living_street`` for SE, NO, FI, DK,
             DE, EE, PL, LV, LT (values and sources in
             :data:`~siteselect.io.importers._osm_tags.ZONE_SPEEDS_KMH`; FI:urban 50,
             DE:rural 100 …), ``XX:zone30``, ``none`` (130), ``walk`` (7), lists
             ``50;30`` (lowest). ``variable``/``signals``: class default, counted.
             ``maxspeed:conditional`` is ignored. Other values: class default,
             counted by tag and value.
Ferries      ``route=ferry`` ways open to cars: by the access rule, or with no
             access tag when ``ferry=<road class>`` or ``hgv=yes`` (passenger
             ferries stay out). Timed by ``duration`` (``hh:mm[:ss]``, ISO 8601
             ``PT1H30M``, plain minutes) over the way's length, else ``maxspeed``,
             else ``ferry_speed_kmh`` (15 km/h, counted). Class from ``ferry=*``,
             else ``local``. Waiting for departure is not counted. A ferry cut
             at the extract's edge takes its whole duration over the part kept.
Left out     ``highway=construction|proposed|abandoned|disused|…`` and road ways
             with ``construction`` / ``proposed`` (not ``no``/``minor``); counted.

Report
------
The roads frame's ``attrs["osm_import"]``: ``access_profile``, ``road_ways``,
``segments``, ``ways_cut``, ``ways_cut_dropped``, ``nodes_missing``,
``cut_km_kept``, ``closed_by_access``, ``reversible``, ``lifecycle``,
``ferries``, ``ferries_not_for_cars``, ``ferries_default_speed``,
``variable_speed`` and ``unparsed`` (``{"key=value": count}``). Cut ways,
unparsed values, variable speeds and untimed ferries are also warned about
(:class:`~siteselect.io.read.LayerWarning`), which ``siteselect layers check``
lists under the layer. A file with no road for cars under the profile raises
:class:`~siteselect.errors.LayerError`, as does a truncated or empty file.

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

import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.core.crs import DEFAULT_CRS, check_in_area, lonlat_bounds, resolve_work_crs
from siteselect.errors import LayerError
from siteselect.io.importers._common import max_number
from siteselect.io.importers._osm_tags import (
    ACCESS_PROFILES,
    TagIssues,
    car_access,
    parse_duration_h,
    parse_oneway,
    parse_speed,
)
from siteselect.io.read import Layers, LayerWarning

__all__ = ["OSM_ROLES", "ROAD_CLASS", "layer_from_osm_pbf", "layers_from_osm_pbf",
           "parse_maxspeed", "parse_oneway", "roads_from_osm_pbf"]

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

#: ``highway`` values of roads not (or no longer) open: never imported, counted.
LIFECYCLE = frozenset({"construction", "proposed", "abandoned", "disused", "planned",
                       "razed", "demolished"})
#: Default speed (km/h) of a car ferry with neither ``duration`` nor ``maxspeed``.
FERRY_SPEED_KMH = 15.0

_RAIL = {"rail", "light_rail", "narrow_gauge"}


def parse_maxspeed(value: str | None) -> float | None:
    """Speed limit in km/h from an OSM ``maxspeed`` value (None when unknown).

    >>> parse_maxspeed("50"), parse_maxspeed("50 mph"), parse_maxspeed("SE:urban")
    (50.0, 80.4672, 50.0)
    """
    return parse_speed(value)


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


class _RoadRules:
    """Which ways are car roads or car ferries under one access profile.

    Shared by the main pass and the bbox pass over the ways, so both keep the
    same ways. ``counts`` (optional) tallies the ways left out, by reason.
    """

    def __init__(self, *, include_service: bool, profile: str) -> None:
        self.road_types = dict(ROAD_CLASS)
        if include_service:
            self.road_types["service"] = "local"
        self.profile = profile

    def candidate(self, tags: Mapping[str, str]) -> bool:
        """Cheap first test: a road class or a ferry route (no access rules yet)."""
        return tags.get("highway") in self.road_types or tags.get("route") == "ferry"

    def kind(self, tags: Mapping[str, str], *, issues: TagIssues | None = None,
             counts: Counter[str] | None = None) -> str | None:
        """``"road"``, ``"ferry"`` or None (not for cars; the reason is counted)."""
        hw = tags.get("highway")
        reason = None
        if hw in self.road_types:
            if any(tags.get(k) not in (None, "no", "minor") for k in ("construction", "proposed")):
                reason = "lifecycle"
            elif car_access(tags, profile=self.profile, issues=issues) is False:
                reason = "closed_by_access"
            elif (tags.get("oneway") or "").strip().lower() == "reversible":
                reason = "reversible"
            else:
                return "road"
        elif tags.get("route") == "ferry":
            allowed = car_access(tags, profile=self.profile, issues=issues)
            if allowed is None:   # no car access tag: implied by a road class or lorries
                allowed = tags.get("ferry") in ROAD_CLASS or tags.get("hgv") in (
                    "yes", "designated")
            if allowed and (tags.get("oneway") or "").strip().lower() != "reversible":
                return "ferry"
            reason = "ferries_not_for_cars"
        if reason and counts is not None:
            counts[reason] += 1
        return None


#: Per-way road values: ref, name, road_class, speed_kmh, speed_backward_kmh, oneway,
#: highway, ferry, duration_h (ferries), cut (some nodes missing from the file),
#: reversed (``oneway=-1``: the geometry is turned round).
_RoadAttrs = tuple[str | None, str | None, str, float | None, float | None, bool, str | None,
                   bool, float | None, bool, bool]


class _Collector:
    """Accumulates raw features during the pass (explicit state, no globals)."""

    def __init__(self, roles: Sequence[str], bbox: tuple[float, float, float, float] | None,
                 rules: _RoadRules, ferry_speed_kmh: float) -> None:
        self.roles = set(roles)
        self.bbox = bbox
        self.rules = rules
        self.ferry_speed_kmh = ferry_speed_kmh
        self.rows: dict[str, list[dict[str, Any]]] = {r: [] for r in OSM_ROLES}
        #: (way id, values, node ids, (n, 2) lon/lat) per run of present nodes of each
        #: kept road way: compact arrays, not per-node Python objects, as a whole-file
        #: import keeps them all. The runs of one way follow each other.
        self.road_ways: list[tuple[int, _RoadAttrs, np.ndarray, np.ndarray]] = []
        #: present nodes of cut road ways that have no present neighbour in the way
        #: (few: only ways crossing the extract's edge), for the bbox pass
        self.lone_nodes: dict[int, set[int]] = {}
        self.issues = TagIssues()
        self.counts: Counter[str] = Counter()
        self.wkb = __import__("osmium").geom.WKBFactory()

    def inside(self, coords: Sequence[tuple[float, float]] | np.ndarray) -> bool:
        if self.bbox is None:
            return True
        x0, y0, x1, y1 = self.bbox
        if isinstance(coords, np.ndarray):
            x, y = coords[:, 0], coords[:, 1]
            return bool(((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).any())
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
        if "roads" in self.roles:
            if self.rules.candidate(tags):
                self._road_way(w, tags)
            elif tags.get("highway") in LIFECYCLE and self.inside(
                    [(n.lon, n.lat) for n in w.nodes if n.location.valid()]):
                self.counts["lifecycle"] += 1
        rail = "rail" in self.roles and tags.get("railway") in _RAIL
        area = bool(self.roles & {"stations", "substations", "ports"}) and w.is_closed()
        if not (rail or area):
            return
        try:
            coords = [(n.lon, n.lat) for n in w.nodes]
        except Exception:  # osmium.InvalidLocationError: node outside the extract
            return
        if len(coords) < 2 or not self.inside(coords):
            return
        if rail:
            self.rows["rail"].append({"line_id": f"w{w.id}",
                                      "name": tags.get("name") or tags.get("ref") or
                                      f"OSM railway w{w.id}",
                                      "geometry": shapely.LineString(coords)})
        if area and len(coords) >= 4:
            point = shapely.Polygon(coords).representative_point() \
                if shapely.Polygon(coords).is_valid else shapely.LineString(coords).centroid
            self._point_roles(tags, point, f"w{w.id}")

    def _road_way(self, w: Any, tags: Mapping[str, str]) -> None:
        """Keep the runs of present nodes (≥ 2) of a road way touching the bbox.

        Ways outside the bbox cost Python lists only (no arrays), so memory does
        not grow with the file.
        """
        nodes = w.nodes
        n = len(nodes)
        if n < 2:
            return
        locs = [nd.location for nd in nodes]
        ok = [loc.valid() for loc in locs]
        cut = not all(ok)
        runs = [(0, n)]
        if cut:
            starts = [i for i in range(n) if ok[i] and (i == 0 or not ok[i - 1])]
            stops = [i + 1 for i in range(n) if ok[i] and (i == n - 1 or not ok[i + 1])]
            runs = [(a, b) for a, b in zip(starts, stops, strict=True) if b - a >= 2]
            lone = {nodes[a].ref for a, b in zip(starts, stops, strict=True) if b - a == 1}
            if lone:  # nodes that join no edge of this way: they split nothing
                self.lone_nodes[w.id] = lone
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            if not any(v and x0 <= loc.lon <= x1 and y0 <= loc.lat <= y1
                       for loc, v in zip(locs, ok, strict=True)):
                return
        kind = self.rules.kind(tags, issues=self.issues, counts=self.counts)
        if kind is None:
            return
        if cut:
            self.counts["ways_cut"] += 1
            self.counts["nodes_missing"] += n - sum(ok)
            if not runs:
                self.counts["ways_cut_dropped"] += 1
                return
        attrs = self._attrs(tags, kind, cut)
        for a, b in runs:
            refs = np.fromiter((nodes[k].ref for k in range(a, b)), dtype=np.int64,
                               count=b - a)
            coords = np.array([(locs[k].lon, locs[k].lat) for k in range(a, b)],
                              dtype=np.float64)
            self.road_ways.append((w.id, attrs, refs, coords))

    def _attrs(self, tags: Mapping[str, str], kind: str, cut: bool) -> _RoadAttrs:
        ferry = kind == "ferry"
        hw = tags.get("highway")
        issues = self.issues
        ow = parse_oneway(tags.get("oneway"), "ferry" if ferry else str(hw),
                          None if ferry else tags.get("junction"), issues=issues)
        oneway, rev = ow if ow is not None else (False, False)
        base = parse_speed(tags.get("maxspeed"), issues=issues)
        fwd = parse_speed(tags.get("maxspeed:forward"), key="maxspeed:forward", issues=issues)
        bwd = parse_speed(tags.get("maxspeed:backward"), key="maxspeed:backward", issues=issues)
        fwd = base if fwd is None else fwd
        bwd = base if bwd is None else bwd
        if rev:  # the geometry is reversed below: travel runs against the OSM direction
            fwd, bwd = bwd, fwd
        duration_h = None
        if ferry:
            self.counts["ferries"] += 1
            cls = ROAD_CLASS.get(tags.get("ferry", ""), "local")
            duration_h = parse_duration_h(tags.get("duration"), issues=issues)
            if duration_h is not None:
                fwd = bwd = None   # set from the length after projection
            elif fwd is None:
                self.counts["ferries_default_speed"] += 1
                fwd = bwd = self.ferry_speed_kmh
        else:
            cls = self.rules.road_types[str(hw)]
        back = None if oneway or bwd == fwd else bwd
        return (tags.get("ref"), tags.get("name"), cls, fwd, back, oneway, hw, ferry,
                duration_h, cut, rev)

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
    import of the whole file. Only ways the same rules keep count. Memory grows
    with the kept roads, not the file.
    """
    import osmium

    wanted = {int(ref) for _, _, refs, _ in collector.road_ways for ref in np.unique(refs)}
    skip = {wid for wid, _, _, _ in collector.road_ways}
    rules = collector.rules
    uses: Counter[int] = Counter()
    ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.TagFilter(*(("highway", hw) for hw in rules.road_types),
                                ("route", "ferry")))
    for w in ways:
        if not isinstance(w, osmium.osm.Way) or w.id in skip:
            continue
        refs = [n.ref for n in w.nodes]
        if len(refs) < 2:
            continue
        hits = wanted.intersection(refs) - collector.lone_nodes.get(w.id, set())
        if hits and rules.kind({t.k: t.v for t in w.tags}) is not None:
            uses.update(hits)
            uses.update(r for r in (refs[0], refs[-1]) if r in wanted)
    return uses


def _split_roads(collector: _Collector,
                 elsewhere: Counter[int] | None = None) -> gpd.GeoDataFrame:
    """Road segments (EPSG:4326) of the kept road ways, split at shared nodes.

    A way is cut at every node used by another road way (``elsewhere``: uses by
    road ways that were not kept) or ending a road way, its own included; a way
    cut at the extract's edge is one entry per run of present nodes, numbered on
    across its runs. Vectorised over all entries; per-way values are Python lists.
    Two private columns, ``_way`` (OSM way id) and ``_duration_h`` (ferries), are
    for the caller.
    """
    ways = collector.road_ways
    sizes = np.fromiter((len(r) for _, _, r, _ in ways), dtype=np.int64, count=len(ways))
    refs = np.concatenate([r for _, _, r, _ in ways])
    coords = np.concatenate([c for _, _, _, c in ways])
    first = np.cumsum(sizes) - sizes
    last = first + sizes - 1
    way_of = np.repeat(np.arange(len(ways)), sizes)
    # each entry counts once per distinct node, and once more per end point
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
    # part numbers run on across the runs of one OSM way
    wid_arr = np.fromiter((wid for wid, _, _, _ in ways), dtype=np.int64, count=len(ways))
    n_parts = np.bincount(part_way, minlength=len(ways))
    entry_first = np.cumsum(n_parts) - n_parts
    new_way = np.ones(len(ways), dtype=bool)
    new_way[1:] = wid_arr[1:] != wid_arr[:-1]
    group_first = np.maximum.accumulate(np.where(new_way, np.arange(len(ways)), 0))
    offset = entry_first - entry_first[group_first]
    part_no = np.arange(len(a)) - np.repeat(entry_first - offset, n_parts)
    attrs = [at for _, at, _, _ in ways]
    rev = np.fromiter((at[10] for at in attrs), dtype=bool, count=len(ways))
    length = b - a + 1
    step = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    backwards = np.repeat(rev[part_way], length)
    take = np.where(backwards, np.repeat(b, length) - step, np.repeat(a, length) + step)
    geoms = shapely.linestrings(coords[take], indices=np.repeat(np.arange(len(a)), length))
    pw = part_way.tolist()
    cols = list(zip(*attrs, strict=True))

    def per_part(i: int) -> list[Any]:
        col = cols[i]
        return [col[k] for k in pw]

    return gpd.GeoDataFrame({
        "road_id": [f"w{wid_arr[i]}-{k}" for i, k in zip(pw, part_no.tolist(), strict=True)],
        "ref": per_part(0),
        "road_class": per_part(2),
        "speed_kmh": np.array(per_part(3), dtype=float),
        "speed_backward_kmh": np.array(per_part(4), dtype=float),
        "oneway": np.array(per_part(5), dtype=bool),
        "name": per_part(1),
        "highway": per_part(6),
        "ferry": np.array(per_part(7), dtype=bool),
        "_duration_h": np.array(per_part(8), dtype=float),
        "_way": wid_arr[part_way],
        "_cut": np.array(per_part(9), dtype=bool),
        "geometry": geoms}, geometry="geometry", crs="EPSG:4326")


def layers_from_osm_pbf(
    path: str | Path,
    *,
    roles: Sequence[str] = OSM_ROLES,
    bbox: Sequence[float] | None = None,
    location_store: str = "flex_mem",
    include_service: bool = False,
    municipality: str | None = None,
    access_profile: str = "public",
    ferry_speed_kmh: float = FERRY_SPEED_KMH,
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
    access_profile
        ``"public"`` (default) or ``"company"``: whose car access the roads
        follow (see *Car access* in the module docstring).
    ferry_speed_kmh
        Speed of a car ferry that states neither ``duration`` nor ``maxspeed``.
    crs
        Working CRS of the result (projected): default SWEREF 99 TM (EPSG:3006);
        ``"auto"`` = the WGS 84 / UTM zone of the imported features' centre.

    Returns
    -------
    Layers
        ``{role: GeoDataFrame}`` in the working CRS (a role with no features
        gets an empty frame). The roads frame's ``attrs["osm_import"]`` holds the
        import report (see *Report* in the module docstring).

    Raises
    ------
    LayerError
        The file is missing, empty, truncated or not an OSM file; it holds no
        road for cars when ``roads`` is asked for; unknown roles or options.
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
    if access_profile not in ACCESS_PROFILES:
        raise LayerError(f"{p}: access_profile '{access_profile}' unknown; use one of "
                         f"{', '.join(ACCESS_PROFILES)}.")
    if not (isinstance(ferry_speed_kmh, int | float) and np.isfinite(ferry_speed_kmh)
            and ferry_speed_kmh > 0):
        raise LayerError(f"{p}: ferry_speed_kmh must be a positive number of km/h, got "
                         f"{ferry_speed_kmh!r}.")
    if not p.is_file() or p.stat().st_size == 0:
        raise LayerError(f"{p}: OSM file not found or empty (0 bytes). Download the extract "
                         "again (e.g. from download.geofabrik.de) and check the path.")
    box = None if bbox is None else tuple(float(v) for v in bbox)
    if box is not None and (len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]):
        raise LayerError(f"{p}: bbox {bbox} must be (lon_min, lat_min, lon_max, lat_max).")
    rules = _RoadRules(include_service=include_service, profile=access_profile)
    col = _Collector(roles, box, rules, float(ferry_speed_kmh))
    elsewhere: Counter[int] | None = None
    try:
        fp = osmium.FileProcessor(str(p)).with_locations(location_store)
        if "candidates" in roles:
            fp = fp.with_areas(osmium.filter.TagFilter(("landuse", "industrial"),
                                                       ("landuse", "brownfield")))
        fp = fp.with_filter(osmium.filter.KeyFilter(
            "highway", "railway", "power", "harbour", "landuse", "industrial", "route"))
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
    except Exception as exc:  # libosmium parse errors (truncated file), index errors
        raise LayerError(f"{p}: cannot be read as OpenStreetMap data: {exc}. The file is "
                         "probably truncated or not an .osm.pbf; download it again and "
                         "check its size.") from exc
    if "roads" in roles and not col.road_ways:
        raise LayerError(_no_roads_message(p, col, box, include_service))
    frames: dict[str, gpd.GeoDataFrame] = {}
    if "roads" in roles:
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
        if role == "roads":
            gdf = _finish_roads(gdf, col, p, access_profile)
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
        attrs = dict(gdf.attrs)
        out[role] = gdf.reset_index(drop=True)
        out[role].attrs.update(attrs)
    return out


def _no_roads_message(p: Path, col: _Collector, box: tuple[float, ...] | None,
                      include_service: bool) -> str:
    closed = col.counts["closed_by_access"]
    where = f" touching bbox {list(box)}" if box is not None else ""
    hints = []
    if box is not None:
        hints.append("check that the bbox (lon_min, lat_min, lon_max, lat_max, WGS 84) "
                     "covers the extract")
    if closed:
        hints.append(f"{closed} road ways are closed to cars under access_profile "
                     f"'{col.rules.profile}'")
    if not include_service:
        hints.append("set include_service: true to take highway=service roads too")
    hints.append("use an extract that covers the region's roads (e.g. a Geofabrik county "
                 "or country file)")
    return (f"{p}: holds no road for cars{where} (highway=motorway … residential, or car "
            f"ferries); the network cannot be built. Fix: {'; '.join(hints)}.")


def _finish_roads(gdf: gpd.GeoDataFrame, col: _Collector, p: Path,
                  access_profile: str) -> gpd.GeoDataFrame:
    """Ferry speeds from their duration; the import report; warnings."""
    length_m = gdf.geometry.length.to_numpy()
    dur = gdf["_duration_h"].to_numpy(dtype=float)
    timed = np.isfinite(dur)
    if timed.any():
        way = gdf["_way"].to_numpy()
        total = pd.Series(length_m[timed]).groupby(way[timed]).sum()
        speed = total.reindex(way[timed]).to_numpy() / 1000.0 / dur[timed]
        sp = gdf["speed_kmh"].to_numpy(dtype=float).copy()
        sp[timed] = np.where(speed > 0, speed, np.nan)
        gdf["speed_kmh"] = sp
    cut = gdf["_cut"].to_numpy(dtype=bool)
    counts = col.counts
    report: dict[str, Any] = {
        "access_profile": access_profile,
        "road_ways": int(gdf["_way"].nunique()),
        "segments": len(gdf),
        "ways_cut": counts["ways_cut"],
        "ways_cut_dropped": counts["ways_cut_dropped"],
        "nodes_missing": counts["nodes_missing"],
        "cut_km_kept": round(float(length_m[cut].sum()) / 1000.0, 3),
        "closed_by_access": counts["closed_by_access"],
        "reversible": counts["reversible"],
        "lifecycle": counts["lifecycle"],
        "ferries": counts["ferries"],
        "ferries_not_for_cars": counts["ferries_not_for_cars"],
        "ferries_default_speed": counts["ferries_default_speed"],
        "variable_speed": col.issues.variable_speed,
        "unparsed": col.issues.as_dict(),
    }
    if report["ways_cut"]:
        dropped = report["ways_cut_dropped"]
        warnings.warn(
            f"{p}: {report['ways_cut']} road ways run past the edge of the extract "
            f"({report['nodes_missing']} nodes missing): {report['ways_cut'] - dropped} kept "
            f"in pieces, each run of present nodes its own chain ({report['cut_km_kept']:.1f} "
            f"km), {dropped} dropped (fewer than two consecutive nodes inside). Use a larger "
            "extract for full routes near its edge.", LayerWarning, stacklevel=3)
    if report["unparsed"]:
        n = sum(report["unparsed"].values())
        shown = ", ".join(f"{kv} ×{c}" for kv, c in list(report["unparsed"].items())[:12])
        more = len(report["unparsed"]) - 12
        warnings.warn(
            f"{p}: {n} tag values could not be read and were ignored (class default speed, "
            f"implied one-way, next access tag): {shown}"
            + (f" and {more} other values" if more > 0 else "") + ".",
            LayerWarning, stacklevel=3)
    if report["variable_speed"]:
        warnings.warn(f"{p}: {report['variable_speed']} ways have a variable speed limit "
                      "(maxspeed=variable/signals); their road class's default speed is used.",
                      LayerWarning, stacklevel=3)
    if report["ferries_default_speed"]:
        warnings.warn(f"{p}: {report['ferries_default_speed']} car ferries state neither "
                      f"duration nor maxspeed; timed at ferry_speed_kmh "
                      f"{col.ferry_speed_kmh:g} km/h.", LayerWarning, stacklevel=3)
    gdf = gdf.drop(columns=["_duration_h", "_way", "_cut"])
    gdf.attrs["osm_import"] = report
    return gdf


def layer_from_osm_pbf(path: str | Path, *, role: str, **options: Any) -> gpd.GeoDataFrame:
    """One role from an OSM file (catalog format ``osm_pbf``; options as above)."""
    return layers_from_osm_pbf(path, roles=(role,), **options)[role]


def roads_from_osm_pbf(path: str | Path, **options: Any) -> gpd.GeoDataFrame:
    """Drivable roads (see module docstring)."""
    return layer_from_osm_pbf(path, role="roads", **options)
