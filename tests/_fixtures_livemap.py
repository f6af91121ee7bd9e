"""A 40-site world on the tiny pipeline road for the live-map tests (EPSG:3006, made in code).

The road, port, junction, station, substation and population of
:mod:`_fixtures_pipeline`; 40 square sites along the road (on its km nodes,
so reach is whole minutes) with sizes, plan statuses and owners that vary,
and names that try to break out of HTML and spreadsheets. The scenario uses
every curve shape, a class factor, a ``where`` constraint, an ``inside``
constraint and a port limit.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from _fixtures_pipeline import CRS, X0, Y0, _square, tiny_layers
from shapely.geometry import box

#: Names a planner might not expect on a web page or in a spreadsheet.
HOSTILE_NAMES = (
    '<img src=x onerror="window.__pwned=1">',
    "=HYPERLINK(\"http://evil\",\"x\")",
    "</script><script>window.__pwned=2</script>",
    "@SUM(A1)",
    "-2+3",
)


def live_layers(n_sites: int = 40) -> dict[str, gpd.GeoDataFrame]:
    """Layers by role: the tiny world with ``n_sites`` candidates and a protected area."""
    layers = tiny_layers()
    km = 1000.0
    statuses = ["gällande", "pågående", "ingen", "gällande", "pågående"]
    owners = ["kommunal", "privat", "okänd", "statlig"]
    rows: list[dict[str, Any]] = []
    geoms = []
    for i in range(n_sites):
        x_km = 1 + (i * 7) % 29  # whole km along the road
        area = 6.0 + (i * 13) % 37
        name = HOSTILE_NAMES[i % len(HOSTILE_NAMES)] + f" {i}" if i % 4 == 0 else f"Område {i}"
        rows.append({
            "site_id": f"S{i:02d}",
            "name": name,
            "municipality": "Västerås" if i % 3 else "Köping",
            "area_ha": area,
            "site_type": "detaljplan",
            "plan_status": statuses[i % len(statuses)],
            "plan_use": "J",
            "owner": owners[i % len(owners)],
            "mifo_class": None,
            "source": "test",
        })
        geoms.append(_square(X0 + x_km * km, Y0 + (i % 5) * 30.0, area))
    layers["candidates"] = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
    # a protected area over the road between 12 and 14 km: sites there lose land
    layers["protected_nature"] = gpd.GeoDataFrame(
        {"name": ["Natura <b>2000</b>"], "kind": ["natura2000"]},
        geometry=[box(X0 + 12 * km, Y0 - 500, X0 + 14 * km, Y0 + 500)], crs=CRS,
    )
    return layers


def live_scenario_dict(*, weights: str = "direct", aggregation: str = "wlc") -> dict[str, Any]:
    """Four numeric factors (linear, sigmoid, j-shaped, piecewise) and a class factor."""
    factors = {
        "port_minutes": {"measure": "port_minutes",
                         "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [3, 28]}},
        "motorway_minutes": {"measure": "motorway_minutes",
                             "fuzzy": {"shape": "sigmoid", "direction": "decreasing", "points": [2, 26]}},
        "area_ha": {"measure": "area_ha", "fuzzy": {"shape": "jshaped", "direction": "increasing", "points": [8, 35]}},
        "workers": {"measure": "population_within", "minutes": 20,
                    "fuzzy": {"shape": "piecewise", "points": [[0, 0], [1000, 0.6], [2000, 1]]}},
        "owner": {"measure": "owner", "classes": {"kommunal": 1.0, "statlig": 0.8, "privat": 0.5}, "default": 0.2},
    }
    names = list(factors)
    doc: dict[str, Any] = {
        "name": "live-map-test",
        "site": {"min_area_ha": 5},
        "constraints": [
            {"id": "no_plan", "mode": "where", "layer": "candidates", "field": "plan_status", "op": "==",
             "value": "ingen", "reason": "Ingen plan; <b>ej</b> klar"},
            {"id": "nature", "mode": "inside", "layer": "protected_nature"},
        ],
        "limits": {"max_port_minutes": 27},
        "factors": factors,
        "sensitivity": {"runs": 50, "top_k": 3, "seed": 1},
        "output": {"sheets_top_n": 0},
    }
    if weights == "ahp":
        m = [[1, 3, 5, 4, 7], [1 / 3, 1, 2, 2, 4], [1 / 5, 1 / 2, 1, 1, 2], [1 / 4, 1 / 2, 1, 1, 3],
             [1 / 7, 1 / 4, 1 / 2, 1 / 3, 1]]
        doc["weights"] = {"method": "ahp", "ahp": {"order": names, "matrix": m}}
    else:
        doc["weights"] = {"method": "direct", "values": {"port_minutes": 3, "motorway_minutes": 2, "area_ha": 2,
                                                        "workers": 1.5, "owner": 1}}
    if aggregation == "owa":
        doc["aggregation"] = {"method": "owa", "order_weights": [0.1, 0.15, 0.2, 0.25, 0.3]}
    return doc
