"""Checks of the embedded default data set ``layers/vastmanland.gpkg``.

The GeoPackage is built by ``layers/build/build_vastmanland.py``; these tests
read only the committed file.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from siteselect.core.roles import ROLES

GPKG = Path(__file__).resolve().parents[1] / "layers" / "vastmanland.gpkg"

MUNICIPALITY_NAMES = {
    "Västerås", "Köping", "Arboga", "Kungsör", "Hallstahammar", "Surahammar", "Sala",
    "Fagersta", "Norberg", "Skinnskatteberg",
}

#: DOMAIN.md free-flow car times (minutes) between town centres.
TRAVEL_TIMES_MIN = [
    ("Västerås", "Enköping", 25),
    ("Västerås", "Köping", 27),
    ("Köping", "Arboga", 15),
    ("Arboga", "Örebro", 35),
    ("Västerås", "Stockholm", 75),
    ("Västerås", "Sala", 35),
    ("Västerås", "Hallstahammar", 18),
    ("Hallstahammar", "Surahammar", 12),
    ("Västerås", "Fagersta", 50),
    ("Fagersta", "Norberg", 15),
    ("Fagersta", "Skinnskatteberg", 25),
    ("Sala", "Avesta", 35),
    ("Arboga", "Kungsör", 20),
    ("Kungsör", "Eskilstuna", 20),
]
TIME_TOLERANCE = 0.25
#: Roles the embedded sample carries (contaminated_sites is read only from a catalog).
EMBEDDED_ROLES = sorted(r for r, spec in ROLES.items() if spec.embedded)


def _read(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(GPKG, layer=layer)


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: _read(name) for name in EMBEDDED_ROLES}


@pytest.fixture(scope="module")
def road_graph(layers: dict[str, gpd.GeoDataFrame]) -> nx.Graph:
    graph = nx.Graph()
    for line, speed in zip(layers["roads"].geometry, layers["roads"]["speed_kmh"]):
        coords = list(line.coords)
        minutes = line.length / 1000.0 / speed * 60.0
        a, b = coords[0], coords[-1]
        if graph.has_edge(a, b):
            minutes = min(minutes, graph.edges[a, b]["minutes"])
        graph.add_edge(a, b, minutes=minutes)
    return graph


def test_every_role_is_a_layer() -> None:
    names = {str(n) for n, _ in pyogrio.list_layers(GPKG)}
    assert set(EMBEDDED_ROLES) <= names


@pytest.mark.parametrize("role", sorted(EMBEDDED_ROLES))
def test_crs_fields_and_values(role: str, layers: dict[str, gpd.GeoDataFrame]) -> None:
    gdf = layers[role]
    spec = ROLES[role]
    assert gdf.crs is not None and gdf.crs.to_epsg() == 3006  # the default region's working CRS
    assert len(gdf) > 0
    assert set(gdf.geom_type) <= set(spec.geometry)
    assert gdf.geometry.is_valid.all()
    assert not gdf.geometry.is_empty.any()
    for f in spec.fields:
        if f.required:
            assert f.name in gdf.columns, f"{role}: missing field {f.name}"
        if f.name not in gdf.columns:
            continue
        col = gdf[f.name]
        if not f.nullable:
            assert col.notna().all(), f"{role}.{f.name} has nulls"
        if f.allowed is not None:
            assert set(col.dropna()) <= set(f.allowed), f"{role}.{f.name}: {set(col.dropna())}"


def test_municipalities_are_the_ten_with_codes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    m = layers["municipalities"]
    assert set(m["name"]) == MUNICIPALITY_NAMES
    assert dict(zip(m["name"], m["kommun_kod"]))["Västerås"] == "1980"
    assert m["kommun_kod"].str.fullmatch(r"19\d\d").all()


def test_candidates_cover_all_municipalities(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c = layers["candidates"]
    assert 30 <= len(c) <= 80
    assert set(c["municipality"]) == MUNICIPALITY_NAMES
    assert c["site_id"].is_unique


def test_candidate_area_matches_geometry(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c = layers["candidates"]
    rel = (c.geometry.area / 10_000.0 - c["area_ha"]).abs() / c["area_ha"]
    assert (rel < 0.01).all(), c.loc[rel >= 0.01, "site_id"].tolist()


def test_candidates_inside_their_municipality(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c = layers["candidates"]
    m = layers["municipalities"].set_index("name")
    wrong = [sid for sid, muni, g in zip(c["site_id"], c["municipality"], c.geometry)
             if not m.loc[muni, "geometry"].contains(g.centroid)]
    assert wrong == []


def test_candidates_not_in_water(layers: dict[str, gpd.GeoDataFrame]) -> None:
    water = shapely.union_all(layers["water"].geometry.values)
    c = layers["candidates"]
    wet = c.loc[c.geometry.intersects(water), "site_id"].tolist()
    assert wet == []


def test_site_next_to_vasteras_port_and_in_norberg(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c = layers["candidates"]
    port = layers["ports"].set_index("port_id").loc["SEVST", "geometry"]
    assert c.geometry.distance(port).min() <= 1000.0
    assert (c["municipality"] == "Norberg").any()


def test_ports_on_land(layers: dict[str, gpd.GeoDataFrame]) -> None:
    water = shapely.union_all(layers["water"].geometry.values)
    assert not layers["ports"].geometry.within(water).any()
    assert not layers["airports"].geometry.within(water).any()


def test_road_network_is_one_component(road_graph: nx.Graph) -> None:
    assert nx.number_connected_components(road_graph) == 1


def test_junctions_are_on_the_motorway(layers: dict[str, gpd.GeoDataFrame],
                                       road_graph: nx.Graph) -> None:
    motorway = layers["roads"][layers["roads"]["road_class"] == "motorway"]
    mw = shapely.union_all(motorway.geometry.values)
    assert layers["junctions"].geometry.distance(mw).max() < 1.0
    nodes = set(road_graph.nodes)
    on_node = [(p.x, p.y) in nodes for p in layers["junctions"].geometry]
    assert all(on_node)


def test_ports_near_roads(layers: dict[str, gpd.GeoDataFrame]) -> None:
    roads = shapely.union_all(layers["roads"].geometry.values)
    assert layers["ports"].geometry.distance(roads).max() <= 2000.0


def test_road_segments_meet_at_exact_end_points(layers: dict[str, gpd.GeoDataFrame]) -> None:
    # distinct end points closer than 5 m would be a near-miss connection
    ends = sorted({pt for line in layers["roads"].geometry
                   for pt in (line.coords[0], line.coords[-1])})
    near_misses = [(a, b) for i, a in enumerate(ends) for b in ends[i + 1:]
                   if math.hypot(a[0] - b[0], a[1] - b[1]) < 5.0]
    assert near_misses == []
    # no road end touches another road except at that road's end points
    lines = list(layers["roads"].geometry)
    end_set = set(ends)
    for line in lines:
        for other in lines:
            if other is line:
                continue
            for pt in (line.coords[0], line.coords[-1]):
                if other.distance(shapely.Point(pt)) < 1.0:
                    assert pt in {other.coords[0], other.coords[-1]} and pt in end_set


def test_towns_on_land(layers: dict[str, gpd.GeoDataFrame]) -> None:
    water = shapely.union_all(layers["water"].geometry.values)
    assert layers["towns"].loc[layers["towns"].geometry.within(water), "name"].tolist() == []


@pytest.mark.parametrize(("a", "b", "minutes"), TRAVEL_TIMES_MIN)
def test_travel_times_match_domain_table(a: str, b: str, minutes: float,
                                         layers: dict[str, gpd.GeoDataFrame],
                                         road_graph: nx.Graph) -> None:
    towns = layers["towns"].drop_duplicates("name").set_index("name")
    nodes = list(road_graph.nodes)

    def nearest(name: str) -> tuple[float, float]:
        p = towns.loc[name, "geometry"]
        best = min(nodes, key=lambda n: math.hypot(n[0] - p.x, n[1] - p.y))
        assert math.hypot(best[0] - p.x, best[1] - p.y) < 1000.0
        return best

    got = nx.shortest_path_length(road_graph, nearest(a), nearest(b), weight="minutes")
    assert abs(got - minutes) <= TIME_TOLERANCE * minutes, f"{a}–{b}: {got:.1f} min"


def test_population_sums_to_municipal_totals(layers: dict[str, gpd.GeoDataFrame]) -> None:
    pop = layers["population"]
    m = layers["municipalities"]
    inside = gpd.sjoin(pop, m[["name", "geometry"]].rename(columns={"name": "muni"}),
                       predicate="within")
    # 281,158 inhabitants in the county (DOMAIN.md, SCB 2024); SCB's 1 km grid suppresses
    # cells of < 3 residents (0.5 %) and its centres are moved inside a municipality,
    # so the county total is met within 1 %.
    total = inside["pop"].sum()
    assert abs(total - 281_158) / 281_158 < 0.01


def test_population_has_external_towns(layers: dict[str, gpd.GeoDataFrame]) -> None:
    pop = layers["population"]
    assert pd.to_numeric(pop["pop"]).max() > 1_000_000  # Stockholm


def test_housing_keeps_clear_of_industrial_land(layers: dict[str, gpd.GeoDataFrame]) -> None:
    # the builder carves 600 m around existing industrial and port land, so housing rules up to
    # 500 m (plus one 100 m raster cell) never exclude it
    cands = layers["candidates"]
    zoned = cands[cands["plan_use"].fillna("").str.contains("J|Z")]  # plans in force or in progress
    assert len(zoned) > len(layers["industrial_land"][layers["industrial_land"]["kind"] == "detaljplan"])
    for keep in (layers["industrial_land"], zoned):
        gaps = layers["urban_areas"].geometry.distance(shapely.union_all(keep.geometry.values))
        assert gaps.min() >= 600.0 - 0.01


def test_housing_sits_in_populated_grid_cells(layers: dict[str, gpd.GeoDataFrame]) -> None:
    ua = layers["urban_areas"]
    assert ua["name"].str.startswith("SCB 1 km cell ").all()
    assert (ua["pop"] >= 50).all()
    for name, geom, pop in zip(ua["name"], ua.geometry, ua["pop"]):
        x_sw, y_sw = (float(v) for v in name.removeprefix("SCB 1 km cell ").split("_"))
        cell = shapely.box(x_sw, y_sw, x_sw + 1000.0, y_sw + 1000.0)
        assert cell.buffer(0.01).contains(geom)
        # whole 100 m squares of the cell, at most max(1, floor(pop / 25)) of them (pop / 2,500 per km²)
        squares = geom.area / 10_000.0
        assert abs(squares - round(squares)) < 1e-6
        assert 1 <= round(squares) <= max(1, math.floor(pop / 25.0))
        xy = shapely.get_coordinates(geom) - (x_sw, y_sw)
        assert np.allclose(xy / 100.0, np.round(xy / 100.0), atol=1e-6)


def test_housing_stays_off_water(layers: dict[str, gpd.GeoDataFrame]) -> None:
    water = shapely.union_all(layers["water"].geometry.values)
    assert layers["urban_areas"].geometry.intersection(water).area.max() < 1.0


def test_industrial_land_holds_every_jz_plan_in_force(layers: dict[str, gpd.GeoDataFrame]) -> None:
    cands = layers["candidates"]
    use = cands["plan_use"].fillna("")
    planned = cands[(cands["plan_status"] == "gällande") & use.str.contains("J|Z")]
    ids = set(layers["industrial_land"]["il_id"])
    assert {f"IL-{s}" for s in planned["site_id"]} <= ids
    assert {"IL-VAS-01", "IL-VAS-02", "IL-VAS-03", "IL-KOP-01"} <= ids  # Finnslätten, Hacksta, both ports


@pytest.mark.parametrize("distance_m", [200.0, 500.0])
def test_housing_rules_of_shipped_scenarios_keep_industrial_land_on_a_100m_raster(
        distance_m: float, layers: dict[str, gpd.GeoDataFrame]) -> None:
    from siteselect.raster.suitability import constraint_mask, grid_from_bbox
    from siteselect.scenario import scenario_from_dict

    sc = scenario_from_dict({
        "name": "housing", "site": {"min_area_ha": 1},
        "constraints": [{"id": "housing", "layer": "urban_areas", "mode": "within", "distance_m": distance_m}],
        "factors": {"p": {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "decreasing",
                                                               "points": [0, 60]}}},
        "weights": {"values": {"p": 1}},
    })
    grid = grid_from_bbox(tuple(layers["county"].total_bounds), resolution_m=100)
    mask, _ = constraint_mask(layers, sc, grid)
    import rasterio.features
    inside = rasterio.features.geometry_mask(list(layers["industrial_land"].geometry), out_shape=grid.shape,
                                             transform=grid.transform, invert=True)
    assert inside.sum() > 500 and not (mask.astype(bool) & inside).any()
