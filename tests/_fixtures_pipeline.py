"""A tiny hand-checkable world for pipeline tests (EPSG:3006, made in code).

One straight east-west road, 30 km long at 60 km/h (1 km per minute), from
x0 to x0 + 30 km at y0. The motorway junction is at the west end, the port at
the east end, a freight station and a 130 kV substation at the east end as
well. Three square candidate sites sit on the road at 5, 15 and 25 km:

========  ======  =======  ============  =============
site      x (km)  area ha  port minutes  junction min.
========  ======  =======  ============  =============
A         5       30       25            5
B         15      20       15            15
C         25      10       5             25
========  ======  =======  ============  =============
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point, box

X0, Y0 = 550_000.0, 6_600_000.0
CRS = "EPSG:3006"


def _square(cx: float, cy: float, area_ha: float):
    half = (area_ha * 10_000) ** 0.5 / 2
    return box(cx - half, cy - half, cx + half, cy + half)


def tiny_layers() -> dict[str, gpd.GeoDataFrame]:
    """Layers by role for the three-site world described in the module docstring."""
    km = 1000.0
    sites = [("A", 5, 30.0), ("B", 15, 20.0), ("C", 25, 10.0)]
    candidates = gpd.GeoDataFrame(
        {
            "site_id": [s for s, _, _ in sites],
            "name": [f"Site {s}" for s, _, _ in sites],
            "municipality": ["Västerås"] * 3,
            "area_ha": [a for _, _, a in sites],
            "site_type": ["detaljplan", "detaljplan", "brownfield"],
            "plan_status": ["gällande", "pågående", "ingen"],
            "plan_use": ["J", "J", None],
            "owner": ["kommunal", "privat", "okänd"],
            "mifo_class": [None, None, 3],
            "source": ["test"] * 3,
        },
        geometry=[_square(X0 + x * km, Y0, a) for _, x, a in sites],
        crs=CRS,
    )
    # Road split at every km so that sites snap exactly onto a node.
    pts = [(X0 + i * km, Y0) for i in range(31)]
    roads = gpd.GeoDataFrame(
        {
            "road_id": [f"r{i}" for i in range(30)],
            "ref": ["1"] * 30,
            "road_class": ["primary"] * 30,
            "speed_kmh": [60.0] * 30,
            "oneway": [False] * 30,
        },
        geometry=[LineString([pts[i], pts[i + 1]]) for i in range(30)],
        crs=CRS,
    )

    def points(role_fields: dict, xs: list[float]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(role_fields, geometry=[Point(X0 + x * km, Y0) for x in xs], crs=CRS)

    return {
        "candidates": candidates,
        "roads": roads,
        "ports": points({"port_id": ["P"], "name": ["Port"], "deep_water": [True]}, [30]),
        "junctions": points({"junction_id": ["J"], "name": ["Junction"], "number": ["1"], "ref": ["E1"]}, [0]),
        "stations": points({"station_id": ["S"], "name": ["Freight"], "kind": ["freight"]}, [30]),
        "substations": points(
            {"substation_id": ["T"], "name": ["Sub 130"], "voltage_kv": [130.0], "operator": ["X"],
             "available_mw": [None]},
            [30],
        ),
        "airports": points({"name": ["Airport"]}, [15]),
        # 1000 people at each end of the road, 500 in the middle.
        "population": points({"pop": [1000.0, 500.0, 1000.0]}, [0, 15, 30]),
    }


def tiny_scenario_dict() -> dict:
    """Two factors, direct weights 2:1, no constraints; scores are hand-computable."""
    return {
        "name": "tiny",
        "site": {"min_area_ha": 5},
        "constraints": [],
        "factors": {
            "port_minutes": {"measure": "port_minutes",
                             "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [5, 25]}},
            "area_ha": {"measure": "area_ha",
                        "fuzzy": {"shape": "linear", "direction": "increasing", "points": [10, 30]}},
        },
        "weights": {"method": "direct", "values": {"port_minutes": 2, "area_ha": 1}},
        "sensitivity": {"runs": 200, "top_k": 1, "seed": 1},
        "output": {"sheets_top_n": 0},
    }
