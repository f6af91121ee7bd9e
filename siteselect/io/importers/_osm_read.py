"""Walking an OpenStreetMap PBF: the pyosmium handler that collects features, and road splitting.

The private half of :mod:`siteselect.io.importers.osm`: :class:`Collector` reads
the file once (roads with their tag rules, rail, stations, substations, ports,
candidate land), :func:`split_roads` cuts the collected ways at junctions into
chains. The importer's public functions, and the frames and checks around
them, stay in ``osm.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from siteselect.io.importers._common import max_number
from siteselect.io.importers._osm_tags import (
    TagIssues,
    car_access,
    parse_duration_h,
    parse_oneway,
    parse_speed,
)

#: Roles the OSM importer fills.
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


class RoadRules:
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
RoadAttrs = tuple[str | None, str | None, str, float | None, float | None, bool, str | None,
                   bool, float | None, bool, bool]


class Collector:
    """Accumulates raw features during the pass (explicit state, no globals)."""

    def __init__(self, roles: Sequence[str], bbox: tuple[float, float, float, float] | None,
                 rules: RoadRules, ferry_speed_kmh: float) -> None:
        self.roles = set(roles)
        self.bbox = bbox
        self.rules = rules
        self.ferry_speed_kmh = ferry_speed_kmh
        self.rows: dict[str, list[dict[str, Any]]] = {r: [] for r in OSM_ROLES}
        #: (way id, values, node ids, (n, 2) lon/lat) per run of present nodes of each
        #: kept road way: compact arrays, not per-node Python objects, as a whole-file
        #: import keeps them all. The runs of one way follow each other.
        self.road_ways: list[tuple[int, RoadAttrs, np.ndarray, np.ndarray]] = []
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

    def _attrs(self, tags: Mapping[str, str], kind: str, cut: bool) -> RoadAttrs:
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


def road_node_uses_elsewhere(path: Path, collector: Collector) -> Counter[int]:
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


def split_roads(collector: Collector,
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
