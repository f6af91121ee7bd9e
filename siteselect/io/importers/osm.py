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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.core.crs import DEFAULT_CRS, check_in_area, lonlat_bounds, resolve_work_crs
from siteselect.errors import LayerError
from siteselect.io.importers._osm_read import (
    FERRY_SPEED_KMH,
    LIFECYCLE,
    OSM_ROLES,
    ROAD_CLASS,
    Collector,
    RoadRules,
    parse_maxspeed,
    road_node_uses_elsewhere,
    split_roads,
)
from siteselect.io.importers._osm_tags import ACCESS_PROFILES, parse_oneway
from siteselect.io.read import Layers, LayerWarning

__all__ = ["FERRY_SPEED_KMH", "LIFECYCLE", "OSM_ROLES", "ROAD_CLASS", "layer_from_osm_pbf", "layers_from_osm_pbf",
           "parse_maxspeed", "parse_oneway", "roads_from_osm_pbf"]

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
    rules = RoadRules(include_service=include_service, profile=access_profile)
    col = Collector(roles, box, rules, float(ferry_speed_kmh))
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
            elsewhere = road_node_uses_elsewhere(p, col)
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
        frames["roads"] = split_roads(col, elsewhere)
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


def _no_roads_message(p: Path, col: Collector, box: tuple[float, ...] | None,
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


def _finish_roads(gdf: gpd.GeoDataFrame, col: Collector, p: Path,
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

