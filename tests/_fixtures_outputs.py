"""Synthetic ranking table and layers near Västerås for the output tests.

Everything is built in code in EPSG:3006 so the output tests (map, sheets,
GeoPackage) do not depend on the engine or on real data. The numbers are
chosen so filters and breakdowns can be checked by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon, box

CRS = "EPSG:3006"
X0 = 585_000.0
Y0 = 6_609_000.0

#: Factor names and their (normalised) weights.
FACTOR_WEIGHTS = {"substation_km": 0.5, "port_minutes": 0.3, "area_ha": 0.2}
FACTOR_NAMES = list(FACTOR_WEIGHTS)

#: The hostile site name used by the escaping tests.
EVIL_NAME = "<script>alert(1)</script>"


def _square(cx: float, cy: float, area_ha: float) -> Polygon:
    side_m = float(np.sqrt(area_ha * 10_000.0))
    return box(cx - side_m / 2, cy - side_m / 2, cx + side_m / 2, cy + side_m / 2)


def make_ranking() -> gpd.GeoDataFrame:
    """Six candidate sites, one excluded, one with a hostile name.

    Returns
    -------
    geopandas.GeoDataFrame
        The per-site ``ranking`` table as described in ``notes/contracts.md``.
    """
    rows = [
        # site_id, name, municipality, area_ha, plan_status, owner, mifo, dx, dy,
        # port_min, motorway_min, rail_min, sub_km, sub_kv, excluded, reason
        ("VS-1", "Hacksta norra", "Västerås", 30.0, "gällande", "kommunal", None, -4000, 1500,
         12.0, 4.0, 6.0, 2.0, 130.0, False, ""),
        ("VS-2", "Finnslätten", "Västerås", 55.0, "gällande", "privat", 3, 0, 3000,
         25.0, 3.0, 5.0, 1.0, 400.0, False, ""),
        ("VS-3", EVIL_NAME, "Västerås", 80.0, "pågående", "statlig", None, 3500, -2000,
         40.0, 12.0, 20.0, 8.0, 130.0, False, ""),
        ("KP-1", "Kolbäck syd", "Hallstahammar", 25.0, "ingen", "okänd", 4, -9000, -3000,
         float("nan"), 6.0, 2.0, 14.0, 40.0, False, ""),
        ("VS-5", "Johannisberg", "Västerås", 120.0, "gällande", "kommunal", None, 6000, 4000,
         18.0, 8.0, 9.0, 3.0, 130.0, True, "protected_nature: inside Natura 2000; water: inside lake"),
        ("VS/6", "Tunby & Erikslund", "Västerås", 40.0, "pågående", "privat", 2, 1500, 6000,
         30.0, 5.0, 15.0, 5.0, 70.0, False, ""),
    ]
    recs = []
    for (sid, name, muni, area, status, owner, mifo, dx, dy, port_min, mw_min, rail_min,
         sub_km, sub_kv, excluded, reason) in rows:
        recs.append(
            {
                "site_id": sid,
                "name": name,
                "municipality": muni,
                "area_ha": area,
                "site_type": "detaljplan" if status == "gällande" else "reserve",
                "plan_status": status,
                "plan_use": "J" if status == "gällande" else None,
                "owner": owner,
                "mifo_class": mifo,
                "source": "synthetic test fixture",
                "excluded": excluded,
                "exclusion_reason": reason,
                "usable_area_ha": area * 0.9,
                "port_minutes": port_min,
                "nearest_port": "Västerås hamn",
                "motorway_minutes": mw_min,
                "nearest_junction": "Trafikplats Hacksta",
                "rail_minutes": rail_min,
                "nearest_station": "Västerås central",
                "airport_minutes": mw_min + 7.0,
                "substation_km": sub_km,
                "nearest_substation": "Västerås Norra",
                "substation_voltage_kv": sub_kv,
                "pop_30min": 150_000.0,
                "pop_45min": 230_000.0,
                "pop_60min": 410_000.0,
                "geometry": _square(X0 + dx, Y0 + dy, area),
            }
        )
    df = pd.DataFrame.from_records(recs)
    df["mifo_class"] = df["mifo_class"].astype("Int64")
    # Standardised scores: simple linear curves, hand-checkable.
    std = {
        "substation_km": np.clip((15.0 - df["substation_km"]) / 14.0, 0, 1),
        "port_minutes": np.clip((90.0 - df["port_minutes"].fillna(90.0)) / 80.0, 0, 1),
        "area_ha": np.clip((df["area_ha"] - 20.0) / 80.0, 0, 1),
    }
    raw = {"substation_km": df["substation_km"], "port_minutes": df["port_minutes"],
           "area_ha": df["area_ha"]}
    score = np.zeros(len(df))
    for name, w in FACTOR_WEIGHTS.items():
        df[f"{name}_raw"] = raw[name]
        df[f"{name}_std"] = std[name].round(4)
        df[f"{name}_weight"] = w
        df[f"{name}_contrib"] = (w * df[f"{name}_std"]).round(6)
        score = score + df[f"{name}_contrib"].to_numpy()
    df["score"] = np.where(df["excluded"], np.nan, np.round(score, 6))
    kept = ~df["excluded"]
    order = df.loc[kept, "score"].rank(ascending=False, method="first").astype(int)
    df["rank"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df.loc[kept, "rank"] = order.to_numpy()
    df["rank_min"] = df["rank"].astype("Int64")
    df["rank_max"] = (df["rank"] + 1).clip(upper=int(kept.sum())).astype("Int64")
    df["p_top_k"] = np.where(kept, np.round(1.0 - (df["rank"].astype(float) - 1) * 0.2, 3), np.nan)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=CRS)


def make_layers() -> dict[str, gpd.GeoDataFrame]:
    """A small layers dict with every role the outputs draw."""
    def gdf(records: list[dict], geoms: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geoms, crs=CRS)

    county = gdf([{"name": "Västmanlands län"}], [box(X0 - 20_000, Y0 - 12_000, X0 + 20_000, Y0 + 14_000)])
    municipalities = gdf(
        [{"kommun_kod": "1980", "name": "Västerås"}, {"kommun_kod": "1961", "name": "Hallstahammar"}],
        [box(X0 - 6_000, Y0 - 12_000, X0 + 20_000, Y0 + 14_000),
         box(X0 - 20_000, Y0 - 12_000, X0 - 6_000, Y0 + 14_000)],
    )
    roads = gdf(
        [
            {"road_id": "r1", "ref": "E18", "road_class": "motorway", "speed_kmh": 110.0, "oneway": False},
            {"road_id": "r2", "ref": "56", "road_class": "primary", "speed_kmh": 80.0, "oneway": False},
            {"road_id": "r3", "ref": None, "road_class": "local", "speed_kmh": 50.0, "oneway": False},
            {"road_id": "r4", "ref": "66", "road_class": "secondary", "speed_kmh": 70.0, "oneway": False},
        ],
        [
            LineString([(X0 - 19_000, Y0 + 1_000), (X0, Y0 + 500), (X0 + 19_000, Y0 + 1_500)]),
            LineString([(X0 + 500, Y0 - 11_000), (X0 + 500, Y0 + 13_000)]),
            LineString([(X0 - 4_000, Y0 + 1_000), (X0 - 4_000, Y0 + 1_500), (X0, Y0 + 3_000)]),
            LineString([(X0 - 9_000, Y0 + 1_000), (X0 - 9_000, Y0 - 10_000)]),
        ],
    )
    junctions = gdf([{"junction_id": "j1", "name": "Trafikplats Hacksta", "number": "134", "ref": "E18"}],
                    [Point(X0 - 3_000, Y0 + 800)])
    rail = gdf([{"line_id": "l1", "name": "Mälarbanan"}],
               [LineString([(X0 - 19_000, Y0 - 2_000), (X0 + 19_000, Y0 - 1_000)])])
    stations = gdf(
        [{"station_id": "s1", "name": "Västerås central", "kind": "passenger"},
         {"station_id": "s2", "name": "Kolbäck", "kind": "freight"}],
        [Point(X0, Y0 - 1_500), Point(X0 - 9_000, Y0 - 1_800)],
    )
    ports = gdf([{"port_id": "p1", "name": "Västerås hamn", "operator": "Mälarhamnar",
                  "max_draught_m": 6.8, "deep_water": True}], [Point(X0 + 2_000, Y0 - 4_000)])
    substations = gdf(
        [
            {"substation_id": "e1", "name": "Västerås Norra", "voltage_kv": 400.0, "operator": "Svenska kraftnät",
             "available_mw": 50.0, "capacity_date": "2025-01", "capacity_source": "test"},
            {"substation_id": "e2", "name": "Hacksta", "voltage_kv": 130.0, "operator": "Mälarenergi",
             "available_mw": None, "capacity_date": None, "capacity_source": None},
            {"substation_id": "e3", "name": "Kolbäck", "voltage_kv": 40.0, "operator": "Ellevio",
             "available_mw": None, "capacity_date": None, "capacity_source": None},
        ],
        [Point(X0 + 1_000, Y0 + 4_000), Point(X0 - 5_000, Y0 + 2_500), Point(X0 - 10_000, Y0 - 2_000)],
    )
    airports = gdf([{"name": "Stockholm Västerås flygplats"}], [Point(X0 + 5_000, Y0 - 500)])
    protected = gdf([{"name": "Johannisbergs naturreservat", "kind": "naturreservat"}],
                    [box(X0 + 5_000, Y0 + 3_000, X0 + 8_000, Y0 + 5_500)])
    water = gdf([{"name": "Mälaren"}], [box(X0 - 20_000, Y0 - 12_000, X0 + 20_000, Y0 - 5_000)])
    urban = gdf([{"name": "Västerås"}], [box(X0 - 1_500, Y0 - 2_500, X0 + 2_500, Y0 + 500)])
    towns = gdf([{"name": "Västerås", "municipality": "Västerås", "pop": 130_000, "pop_year": 2023}],
                [Point(X0, Y0 - 1_000)])
    population = gdf([{"pop": 1000.0}, {"pop": 2500.0}], [Point(X0, Y0), Point(X0 + 1_000, Y0 + 1_000)])
    return {
        "county": county, "municipalities": municipalities, "roads": roads, "junctions": junctions,
        "rail": rail, "stations": stations, "ports": ports, "substations": substations,
        "airports": airports, "protected_nature": protected, "water": water,
        "urban_areas": urban, "towns": towns, "population": population,
    }


def make_isochrones(ranking: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """30 and 45 minute reach polygons (circles) for the first two sites."""
    recs, geoms = [], []
    for sid in ranking["site_id"].iloc[:2]:
        c = ranking.loc[ranking["site_id"] == sid, "geometry"].iloc[0].centroid
        for minutes, r_m in ((30, 6_000.0), (45, 10_000.0)):
            recs.append({"site_id": sid, "minutes": minutes})
            geoms.append(c.buffer(r_m, 32))
    return gpd.GeoDataFrame(pd.DataFrame.from_records(recs), geometry=geoms, crs=CRS)
