"""Raster mode: numba kernels against numpy/scipy references, surfaces, zones, COG."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import ndimage
from shapely.geometry import Point, box

from siteselect.analysis.factors import standardise
from siteselect.analysis.overlay import score_table
from siteselect.errors import ScenarioError
from siteselect.raster import kernels as K
from siteselect.raster.params import PARAM_WIDTH, curve_params, factor_params
from siteselect.raster.suitability import (
    Grid,
    SuitabilityResult,
    distance_raster,
    extract_zones,
    grid_from_bbox,
    node_raster,
    read_suitability,
    suitability_surface,
)
from siteselect.scenario import FactorSpec, scenario_from_dict

CRS = "EPSG:3006"

SPECS = [
    {"measure": "port_minutes", "nodata": 0.3, "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "sigmoid", "direction": "symmetric", "points": [10, 30, 60, 90]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "jshaped", "direction": "increasing", "points": [10, 90]}},
    {"measure": "port_minutes", "nodata": "exclude", "fuzzy": {"shape": "piecewise", "points": [[10, 0], [30, 1], [70, 0.2]]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "symmetric", "points": [5, 20, 40, 95]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "sigmoid", "direction": "decreasing", "points": [0, 100]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "jshaped", "direction": "symmetric", "points": [0, 20, 50, 100]}},
    {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [20, 60]}},
]


def _random_stack(n: int, rows: int = 37, cols: int = 53, seed: int = 0) -> tuple[np.ndarray, list[FactorSpec]]:
    rng = np.random.default_rng(seed)
    specs = [FactorSpec.model_validate(SPECS[i % len(SPECS)]) for i in range(n)]
    x = rng.uniform(-10, 110, (n, rows, cols)).astype(np.float32)
    x[0, 3, 4] = np.nan  # nodata 0.3
    return x, specs


def test_standardise_kernel_matches_numpy() -> None:
    x, specs = _random_stack(8)
    params = np.stack([factor_params(s) for s in specs])
    out = K.standardise_stack(x, params)
    for f, spec in enumerate(specs):
        ref = standardise(x[f].astype(np.float64).ravel(), spec).reshape(x.shape[1:])
        np.testing.assert_allclose(out[f], ref, atol=1e-6)
    assert out[0, 3, 4] == np.float32(0.3)


def test_wlc_kernel_matches_score_table_and_mask() -> None:
    x, specs = _random_stack(8)
    params = np.stack([factor_params(s) for s in specs])
    w = np.arange(1.0, 9.0)
    w /= w.sum()
    mask = np.zeros(x.shape[1:], dtype=np.uint8)
    mask[0, :] = 1
    got = K.wlc_stack(x, params, w, mask)
    std = pd.DataFrame({f"f{i}": standardise(x[i].astype(float).ravel(), s) for i, s in enumerate(specs)})
    ref = score_table(std, {f"f{i}": w[i] for i in range(8)})["score"].to_numpy().copy().reshape(x.shape[1:])
    ref[0, :] = np.nan
    np.testing.assert_allclose(got, ref, atol=1e-6)
    assert np.isnan(got[0]).all()


def test_wlc_on_hand_checkable_3x3() -> None:
    # two linear increasing factors on [0, 10]: std = value / 10
    spec = FactorSpec.model_validate({"measure": "area_ha", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 10]}})
    a = np.arange(9, dtype=np.float32).reshape(3, 3)  # 0..8
    b = np.full((3, 3), 10, dtype=np.float32)  # std 1
    p = np.stack([factor_params(spec)] * 2)
    got = K.wlc_stack(np.stack([a, b]), p, np.array([0.75, 0.25]), np.zeros((0, 0), np.uint8))
    np.testing.assert_allclose(got, 0.75 * a / 10 + 0.25, atol=1e-7)


def test_sorting_network_sorts_all_binary_inputs() -> None:
    for n in (1, 3, 5, 8):
        net = K.sorting_network(n)
        for bits in itertools.product([0.0, 1.0], repeat=n):
            z = list(bits)
            for i, j in net:
                if z[j] > z[i]:
                    z[i], z[j] = z[j], z[i]
            assert z == sorted(bits, reverse=True)


@pytest.mark.parametrize("n", [3, 8, 11])
def test_owa_kernel_matches_score_table(n: int) -> None:
    x, specs = _random_stack(n, seed=n)
    x[1 % n, 5, 5] = x[2 % n, 5, 5]  # create a tie
    params = np.stack([factor_params(s) for s in specs])
    rng = np.random.default_rng(1)
    w = rng.random(n) + 0.1
    w /= w.sum()
    v = rng.random(n)
    v /= v.sum()
    got = K.owa_stack(x, params, w, v, np.zeros((0, 0), np.uint8), K.sorting_network(n))
    # reference on the kernel's own float32 standardised values (checked against
    # numpy above): float64 curves can break a float32 tie such as 0.99999996 vs 1
    z32 = K.standardise_stack(x, params).astype(np.float64)
    std = pd.DataFrame({f"f{i}": z32[i].ravel() for i in range(n)})
    ref = score_table(std, {f"f{i}": w[i] for i in range(n)}, method="owa", order_weights=v)["score"]
    np.testing.assert_allclose(got.ravel(), ref.to_numpy(), atol=1e-6)


def test_owa_on_hand_checkable_3x3() -> None:
    spec = FactorSpec.model_validate({"measure": "area_ha", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 1]}})
    a = np.array([[1, 0, 0.5]] * 3, dtype=np.float32)
    b = np.array([[0, 1, 0.5]] * 3, dtype=np.float32)
    p = np.stack([factor_params(spec)] * 2)
    # all order weight on the minimum -> min(a, b)
    got = K.owa_stack(np.stack([a, b]), p, np.array([0.5, 0.5]), np.array([0.0, 1.0]), np.zeros((0, 0), np.uint8), K.sorting_network(2))
    np.testing.assert_allclose(got, np.minimum(a, b))


def test_parallel_sum() -> None:
    x = np.random.default_rng(2).random((3, 40, 50)).astype(np.float32)
    assert K.parallel_sum(x) == pytest.approx(float(x.astype(np.float64).sum()), rel=1e-9)


@pytest.mark.parametrize("density", [0.0005, 0.01, 0.3])
def test_edt_matches_scipy(density: float) -> None:
    rng = np.random.default_rng(int(density * 1e4))
    feat = rng.random((211, 157)) < density
    feat[0, 0] = True
    out = np.empty(feat.shape, dtype=np.float32)
    K.edt_inplace(feat, out, cell_m=10.0, block=16)
    ref = ndimage.distance_transform_edt(~feat, sampling=10.0)
    np.testing.assert_allclose(out, ref, rtol=1e-6)


def test_edt_empty_and_single() -> None:
    out = np.empty((5, 6), dtype=np.float32)
    K.edt_inplace(np.zeros((5, 6), bool), out)
    assert np.isinf(out).all()
    feat = np.zeros((5, 6), bool)
    feat[2, 3] = True
    K.edt_inplace(feat, out, cell_m=2.0)
    assert out[2, 3] == 0 and out[0, 0] == pytest.approx(2 * math.hypot(2, 3)) and out[4, 5] == pytest.approx(2 * math.hypot(2, 2))


def test_grid_snapping_and_distance_from_outside() -> None:
    g = grid_from_bbox((1005, 2003, 1996, 2950), resolution_m=100)
    assert (g.x0, g.y0, g.width, g.height) == (1000, 3000, 10, 10)
    # a point 250 m west of the grid: cell (0, 0) centre (1050, 2950) is 300 m east of it
    pt = gpd.GeoDataFrame(geometry=[Point(750, 2950)], crs=CRS)
    d = distance_raster(pt, g, max_distance_m=500)
    assert d[0, 0] == pytest.approx(300.0)
    assert d[0, 9] == pytest.approx(1200.0)


def test_node_raster_adds_access_leg() -> None:
    g = Grid(0, 300, 3, 3, 100.0)
    nodes = pd.DataFrame({"x": [50.0, 250.0], "y": [250.0, 50.0], "minutes": [10.0, 20.0]})
    out = node_raster(nodes, g, access_speed_kmh=6.0)  # 100 m per minute
    assert out[0, 0] == pytest.approx(10.0)
    assert out[2, 2] == pytest.approx(20.0)
    assert out[0, 1] == pytest.approx(11.0)  # 100 m from node 1


def _scenario(**over: object) -> object:
    doc = {
        "name": "raster",
        "site": {"min_area_ha": 1},
        "constraints": [
            {"id": "lake", "layer": "water", "mode": "inside"},
            {"id": "housing", "layer": "urban_areas", "mode": "within", "distance_m": 150},
            {"id": "mifo", "mode": "where", "field": "mifo_class", "op": "==", "value": 1},
        ],
        "factors": {
            "substation_km": {"measure": "substation_km", "min_voltage_kv": 130,
                              "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 2]}},
            "port_minutes": {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 40]}},
            "plan_status": {"measure": "plan_status", "classes": {"gällande": 1, "pågående": 0.5, "ingen": 0}},
        },
        "weights": {"values": {"substation_km": 1, "port_minutes": 1, "plan_status": 2}},
    }
    doc.update(over)
    return scenario_from_dict(doc)


def _layers() -> dict:
    return {
        "county": gpd.GeoDataFrame({"name": ["c"]}, geometry=[box(0, 0, 2000, 1000)], crs=CRS),
        "water": gpd.GeoDataFrame({"name": ["l"]}, geometry=[box(0, 0, 200, 200)], crs=CRS),
        # housing just outside the east edge: its 150 m buffer reaches 100 m in
        "urban_areas": gpd.GeoDataFrame({"name": ["u"]}, geometry=[box(2050, 0, 2500, 1000)], crs=CRS),
        "substations": gpd.GeoDataFrame({"voltage_kv": [400.0, 20.0]}, geometry=[Point(1025, 475), Point(10, 990)], crs=CRS),
    }


def test_surface_end_to_end_and_cog(tmp_path: Path) -> None:
    nodes = pd.DataFrame({"x": [1000.0], "y": [500.0], "minutes": [0.0]})
    with pytest.raises(ScenarioError, match="plan_status cannot be rasterised"):
        suitability_surface(_scenario(), _layers(), resolution_m=50, node_tables={"port_minutes": nodes})
    res = suitability_surface(_scenario(), _layers(), resolution_m=50, node_tables={"port_minutes": nodes},
                              access_speed_kmh=6.0, skip_unavailable=True, out_path=tmp_path / "s.tif")
    assert res.dropped == ["plan_status"] and res.weights == {"substation_km": 0.5, "port_minutes": 0.5}
    assert res.score.shape == (20, 40)
    # cell (10, 20) has centre (1025, 475): on the 400 kV substation, 35.4 m from the node
    d = math.hypot(25, 25)
    assert res.score[10, 20] == pytest.approx(0.5 + 0.5 * (1 - (d / 100) / 40), abs=1e-6)
    # cell (10, 24): 200 m east of the substation; node leg hypot(225, 25) m at 100 m/min
    d2 = math.hypot(225, 25)
    assert res.score[10, 24] == pytest.approx(0.5 * (1 - 0.2 / 2) + 0.5 * (1 - (d2 / 100) / 40), abs=1e-6)
    assert np.isnan(res.score[19, 0]) and np.isnan(res.score[16, 3])  # lake (centre inside)
    assert np.isnan(res.score[:, 38:]).all() and np.isfinite(res.score[5:15, 37]).all()  # housing from outside
    assert "not applied" in res.notes["mifo"]
    score, grid, tags = read_suitability(res.path)
    np.testing.assert_array_equal(np.isnan(score), np.isnan(res.score))
    np.testing.assert_allclose(score[np.isfinite(score)], res.score[np.isfinite(res.score)])
    assert grid == res.grid and json.loads(tags["dropped"]) == ["plan_status"]
    import rasterio
    with rasterio.open(res.path) as ds:
        assert ds.crs.to_epsg() == 3006 and ds.profile["tiled"]


def test_extract_zones_by_hand() -> None:
    score = np.zeros((10, 10), dtype=np.float32)
    score[1:4, 1:5] = 0.9  # 12 cells = 12 ha at 100 m
    score[6:9, 6:8] = 0.95  # 6 cells: too small for 10 ha
    score[0, 9] = np.nan
    res = SuitabilityResult(score, Grid(0, 1000, 10, 10, 100.0), np.zeros((10, 10), np.uint8), ["f"], {"f": 1.0})
    zones = extract_zones(res, min_area_ha=10, threshold=0.5)
    assert len(zones) == 1
    z = zones.iloc[0]
    assert z["site_id"] == "zone_001" and z["area_ha"] == pytest.approx(12.0)
    assert z["mean_score"] == pytest.approx(0.9)
    assert z["compactness"] == pytest.approx(4 * math.pi * 120000 / 1400**2)
    assert z.geometry.bounds == (100.0, 600.0, 500.0, 900.0)
    both = extract_zones(res, min_area_ha=5, threshold=0.5)
    assert both["mean_score"].tolist() == pytest.approx([0.95, 0.9])


def test_cells_outside_county_are_excluded_but_features_there_count() -> None:
    lay = _layers()
    lay["county"] = gpd.GeoDataFrame({"name": ["c"]}, geometry=[box(0, 0, 1000, 1000)], crs=CRS)
    nodes = pd.DataFrame({"x": [1000.0], "y": [500.0], "minutes": [0.0]})
    res = suitability_surface(_scenario(), lay, resolution_m=50, bbox=(0, 0, 2000, 1000),
                              node_tables={"port_minutes": nodes}, skip_unavailable=True)
    assert np.isnan(res.score[:, 20:]).all()  # east half lies outside the county
    assert np.isfinite(res.score[5:15, 10:19]).all()
    assert "study_area" in res.notes


def test_node_raster_callable() -> None:
    g = Grid(0, 200, 2, 2, 100.0)
    out = node_raster(lambda x, y: x + y / 1000, g, access_speed_kmh=6.0)
    np.testing.assert_allclose(out, [[50.15, 150.15], [50.05, 150.05]], rtol=1e-6)


def _plan_layers() -> dict:
    return {
        "county": gpd.GeoDataFrame({"name": ["c"]}, geometry=[box(0, 0, 1000, 500)], crs=CRS),
        # industrial land covers columns 0-2 (x 0-250 m, touching column 2 only in part)
        "industrial_land": gpd.GeoDataFrame({"name": ["works"]}, geometry=[box(0, 0, 250, 500)], crs=CRS),
        # a candidate with an ongoing plan over columns 6-7, MIFO class 1
        "candidates": gpd.GeoDataFrame({"site_id": ["A"], "plan_status": ["pågående"], "mifo_class": [1]},
                                       geometry=[box(600, 0, 800, 500)], crs=CRS),
    }


def _one_factor(name: str, spec: dict, constraints: list | None = None) -> object:
    return scenario_from_dict({"name": "one", "site": {"min_area_ha": 1}, "constraints": constraints or [],
                               "factors": {name: spec}, "weights": {"values": {name: 1}}})


def test_plan_status_counts_on_the_surface() -> None:
    sc = _one_factor("plan", {"measure": "plan_status", "classes": {"gällande": 1, "pågående": 0.5, "ingen": 0.1}})
    res = suitability_surface(sc, _plan_layers(), resolution_m=100)
    assert res.factors == ["plan"] and res.dropped == []
    # centre inside industrial land: in force; inside the candidate: its status; elsewhere no plan
    np.testing.assert_allclose(res.score[:, 0:3], 1.0)
    np.testing.assert_allclose(res.score[:, 3:6], 0.1)
    np.testing.assert_allclose(res.score[:, 6:8], 0.5)
    np.testing.assert_allclose(res.score[:, 8:], 0.1)


def test_plan_status_needs_a_plan_layer() -> None:
    sc = _one_factor("plan", {"measure": "plan_status", "classes": {"gällande": 1, "ingen": 0}})
    lay = {"county": _plan_layers()["county"]}
    with pytest.raises(ScenarioError, match="plan cannot be rasterised"):
        suitability_surface(sc, lay, resolution_m=100)


def test_industrial_km_on_the_surface_and_where_rule_applied() -> None:
    sc = _one_factor(
        "next_to_industry",
        {"measure": "industrial_km", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 0.5]}},
        [{"id": "mifo", "mode": "where", "field": "mifo_class", "op": "==", "value": 1}],
    )
    res = suitability_surface(sc, _plan_layers(), resolution_m=100)
    # feature cells are columns 0-2; column c >= 3 lies (c - 2) × 100 m from them
    np.testing.assert_allclose(res.score[:, 0:3], 1.0)
    np.testing.assert_allclose(res.score[:, 3], 0.8, atol=1e-6)
    np.testing.assert_allclose(res.score[:, 5], 0.4, atol=1e-6)
    assert np.isnan(res.score[:, 6:8]).all()  # the MIFO-1 candidate's cells are excluded
    np.testing.assert_allclose(res.score[:, 8:], 0.0)
    assert "candidates the rule excludes" in res.notes["mifo"]


def test_industrial_km_without_the_layer_is_an_error() -> None:
    sc = _one_factor("ind", {"measure": "industrial_km",
                             "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 2]}})
    with pytest.raises(ScenarioError, match="industrial_land"):
        suitability_surface(sc, {"county": _plan_layers()["county"]}, resolution_m=100)


def test_param_rows_by_hand() -> None:
    lin = curve_params(FactorSpec.model_validate(
        {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}}
    ).fuzzy, 0.3)
    assert lin.shape == (PARAM_WIDTH,) and lin[0] == 0 and lin[1] == 0.3
    assert lin[2] == pytest.approx(-1 / 80) and lin[3] == pytest.approx(90 / 80)  # t = (90 - x) / 80
    sym = factor_params(FactorSpec.model_validate(
        {"measure": "port_minutes", "nodata": "exclude",
         "fuzzy": {"shape": "sigmoid", "direction": "symmetric", "points": [10, 30, 60, 90]}}))
    assert sym[0] == 1 and np.isnan(sym[1])
    assert (sym[2], sym[3], sym[4], sym[5]) == pytest.approx((1 / 20, -0.5, -1 / 30, 3.0))
    pw = factor_params(FactorSpec.model_validate(
        {"measure": "port_minutes", "fuzzy": {"shape": "piecewise", "points": [[10, 0], [30, 1], [70, 0.2]]}}))
    assert pw[0] == 3 and pw[6] == 3 and pw[8:11].tolist() == [10, 30, 70]
    assert pw[8 + K.MAX_BREAKS : 11 + K.MAX_BREAKS].tolist() == [0, 1, 0.2]
    # a class factor's raster holds 0-1 already: the identity curve, its nodata kept
    cls = factor_params(FactorSpec.model_validate({"measure": "owner", "classes": {"kommunal": 1}, "nodata": 0.2}),
                        standardised=True)
    got = K.standardise_stack(np.array([[[0.0, 0.25, 1.0, np.nan]]], dtype=np.float32), cls[None, :])
    np.testing.assert_allclose(got[0, 0], [0.0, 0.25, 1.0, 0.2], rtol=1e-6)
    with pytest.raises(ScenarioError, match="needs a fuzzy curve"):
        factor_params(FactorSpec.model_validate({"measure": "owner", "classes": {"kommunal": 1}}))


def test_local_engine_equals_factor_by_factor_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's network factors (one nearest-node pass) equal node_raster, its distances distance_raster."""
    from siteselect.raster import engine
    from siteselect.raster.engine import plan_surface, run_local

    sc = _scenario()
    nodes = pd.DataFrame({"x": [100.0, 1500.0, 1900.0], "y": [900.0, 100.0, 950.0], "minutes": [5.0, 12.0, 30.0]})
    lay = _layers()
    plan = plan_surface(sc, lay, resolution_m=50, node_tables={"port_minutes": nodes}, skip_unavailable=True)
    assert [(f.name, f.source) for f in plan.factors] == [("substation_km", "layers"), ("port_minutes", "network")]
    assert plan.dropped == ["plan_status"] and plan.weights == {"substation_km": 0.5, "port_minutes": 0.5}
    res = run_local(plan, lay, node_tables={"port_minutes": nodes})
    port = node_raster(nodes, plan.grid, access_speed_kmh=20.0)
    # the 400 kV station only (the 20 kV one is below min_voltage_kv); the curve is flat beyond 2 km
    subs = distance_raster(lay["substations"].iloc[[0]], plan.grid, max_distance_m=2050.0) / 1000.0
    std = np.clip(1 - port / 40.0, 0, 1) * 0.5 + np.clip(1 - subs / 2.0, 0, 1) * 0.5
    keep = res.mask == 0
    np.testing.assert_allclose(res.score[keep], std[keep], atol=2e-6)
    assert np.isnan(res.score[~keep]).all() and (~keep).sum() > 0
    monkeypatch.setattr(engine, "BAND_ROWS", 7)  # network factors in bands of 7 rows: the same cells
    banded = run_local(plan, lay, node_tables={"port_minutes": nodes})
    np.testing.assert_array_equal(banded.score, res.score)
