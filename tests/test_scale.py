"""Raster mode on Dask (siteselect.raster.scale) against the in-memory surface, cell by cell."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

pytest.importorskip("dask", reason="siteselect.raster.scale needs the optional extra siteselect[dask] (dask, distributed)")
pytest.importorskip("distributed", reason="siteselect.raster.scale needs the optional extra siteselect[dask] (dask, distributed)")

import dask.array as da
from distributed import Client, LocalCluster

from siteselect.analysis.overlay import score_table
from siteselect.errors import ScenarioError, WeightsError
from siteselect.raster.scale import (
    dask_client,
    save_suitability_dask,
    score_candidates_dask,
    suitability_surface_dask,
)
from siteselect.raster.suitability import read_suitability, suitability_surface
from siteselect.scenario import Scenario, scenario_from_dict

CRS = "EPSG:3006"

# rasterio silences this warning with warnings.catch_warnings(), which is not thread-safe: when
# chunks are rasterised on several threads it leaks out although every dataset has its transform
pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")

#: One curve of each shape; every cell of the test grid lies within the J-shaped cut (4 × 6 km).
CURVES: dict[str, dict[str, Any]] = {
    "linear": {"shape": "linear", "direction": "decreasing", "points": [0.2, 1.5]},
    "sigmoid": {"shape": "sigmoid", "direction": "increasing", "points": [0.5, 2.5]},
    "jshaped": {"shape": "jshaped", "direction": "decreasing", "points": [0.5, 6.0]},
    "piecewise": {"shape": "piecewise", "points": [[0, 0.2], [0.7, 1.0], [1.6, 0.4], [3.0, 0.0]]},
    "symmetric": {"shape": "linear", "direction": "symmetric", "points": [0.1, 0.5, 1.0, 2.0]},
}


def _scenario(curve: dict[str, Any], *, method: str = "wlc") -> Scenario:
    factors = {
        "substation_km": {"measure": "substation_km", "min_voltage_kv": 130, "fuzzy": curve},
        "port_minutes": {"measure": "port_minutes", "nodata": 0.25,
                         "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [2, 30]}},
        "labour_45min": {"measure": "population_within", "minutes": 45,
                         "fuzzy": {"shape": "sigmoid", "direction": "increasing", "points": [100, 5000]}},
        "given": {"measure": "airport_minutes", "nodata": "exclude",
                  "fuzzy": {"shape": "piecewise", "points": [[0, 1], [50, 0.3], [100, 0]]}},
        "plan_status": {"measure": "plan_status", "classes": {"gällande": 1, "ingen": 0}},
    }
    doc: dict[str, Any] = {
        "name": "dask-check",
        "site": {"min_area_ha": 1},
        "constraints": [
            {"id": "lake", "layer": "water", "mode": "inside"},
            {"id": "housing", "layer": "urban_areas", "mode": "within", "distance_m": 230},
            {"id": "grid", "mode": "min_voltage_within", "min_voltage_kv": 130, "distance_km": 1.7},
            {"id": "mifo", "mode": "where", "field": "mifo_class", "op": "==", "value": 1},
        ],
        "factors": factors,
        "weights": {"values": {"substation_km": 3, "port_minutes": 1, "labour_45min": 2, "given": 1, "plan_status": 1}},
    }
    if method == "owa":
        del factors["plan_status"]
        del doc["weights"]["values"]["plan_status"]
        doc["aggregation"] = {"method": "owa", "order_weights": [0.1, 0.2, 0.3, 0.4]}
    return scenario_from_dict(doc)


def _layers() -> dict[str, gpd.GeoDataFrame]:
    """A 3 km × 2 km county; features straddle chunk borders and sit outside the bbox."""
    return {
        "county": gpd.GeoDataFrame({"name": ["c"]}, geometry=[box(0, 0, 3000, 2000).difference(box(2600, 0, 3000, 300))],
                                   crs=CRS),
        "water": gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(380, 390, 1010, 720), box(1400, 1500, 1460, 1560)],
                                  crs=CRS),
        # a road-like housing strip and an area just outside the east edge
        "urban_areas": gpd.GeoDataFrame({"name": ["u", "v"]},
                                        geometry=[LineString([(0, 1230), (1290, 1610)]).buffer(20),
                                                  box(3100, 800, 3500, 1200)], crs=CRS),
        "substations": gpd.GeoDataFrame(
            {"voltage_kv": [400.0, 130.0, 20.0, 220.0]},
            geometry=[Point(1234, 987), Point(-600, 1710), Point(2500, 500), Point(2950, 120)], crs=CRS),
    }


def _node_tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    xy = rng.uniform([-300, -300], [3300, 2300], (60, 2))
    minutes = rng.uniform(0, 40, 60)
    minutes[5] = np.nan  # unreachable node: its cells take nodata 0.25
    return {
        "port_minutes": pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "minutes": minutes}),
        "labour_45min": pd.DataFrame({"x": xy[::2, 0], "y": xy[::2, 1], "value": rng.uniform(0, 8000, 30)}),
    }


def _given(shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.indices(shape)
    g = ((rows * 7 + cols * 3) % 113).astype(np.float32)
    g[3, 4] = np.nan  # nodata: exclude
    return g


def _both(sc: Scenario, *, chunk_size: int, given_as_dask: bool = False, **kw: Any) -> tuple[Any, Any, Any]:
    lay = _layers()
    shape = (40, 60)  # 50 m cells over (0, 0, 3000, 2000)
    given = _given(shape)
    local = suitability_surface(sc, lay, resolution_m=50, node_tables=_node_tables(), factor_rasters={"given": given},
                                skip_unavailable=True, **kw)
    rasters = {"given": da.from_array(given, chunks=(7, 11)) if given_as_dask else given}
    lazy = suitability_surface_dask(sc, lay, resolution_m=50, node_tables=_node_tables(), factor_rasters=rasters,
                                    skip_unavailable=True, chunk_size=chunk_size, **kw)
    return local, lazy, lazy.compute(scheduler="threads")


@pytest.mark.parametrize("curve", list(CURVES))
def test_every_factor_type_equals_local(curve: str) -> None:
    local, lazy, got = _both(_scenario(CURVES[curve]), chunk_size=16)
    assert lazy.score.numblocks == (3, 4)  # several chunks in both directions
    assert got.score.shape == local.score.shape == (40, 60)
    np.testing.assert_array_equal(got.mask, local.mask)
    np.testing.assert_array_equal(np.isnan(got.score), np.isnan(local.score))
    np.testing.assert_allclose(got.score, local.score, rtol=0, atol=2e-7)  # float32 rounding at most
    assert got.factors == local.factors and got.weights == local.weights and got.dropped == ["plan_status"]
    assert got.notes == local.notes
    assert np.isfinite(got.score).sum() > 300 and np.isnan(got.score).sum() > 300  # both parts are exercised


def test_callable_node_source_equals_local() -> None:
    """A node source may be a function of the cell centres (evaluated chunk by chunk)."""
    sc = _scenario(CURVES["linear"])
    tables: dict[str, Any] = _node_tables()
    tables["labour_45min"] = lambda x, y: 40.0 * (x - 1000.0) + 0.5 * y  # people, by position
    given = {"given": _given((40, 60))}
    local = suitability_surface(sc, _layers(), resolution_m=50, node_tables=tables, factor_rasters=given,
                                skip_unavailable=True)
    lazy = suitability_surface_dask(sc, _layers(), resolution_m=50, node_tables=tables, factor_rasters=given,
                                    skip_unavailable=True, chunk_size=16)
    raw = lazy.raw["labour_45min"].compute()
    assert raw[0, 0] == pytest.approx(40.0 * (25 - 1000) + 0.5 * 1975)  # centre of cell (0, 0): (25, 1975)
    got = lazy.compute()
    np.testing.assert_array_equal(np.isnan(got.score), np.isnan(local.score))
    np.testing.assert_allclose(got.score, local.score, rtol=0, atol=2e-7)


def test_owa_and_dask_factor_raster_equal_local() -> None:
    local, _, got = _both(_scenario(CURVES["linear"], method="owa"), chunk_size=17, given_as_dask=True)
    assert got.method == "owa"
    np.testing.assert_array_equal(np.isnan(got.score), np.isnan(local.score))
    np.testing.assert_allclose(got.score, local.score, rtol=0, atol=2e-7)


def test_distance_crosses_chunk_borders_by_hand() -> None:
    """A substation in one chunk sets distances in its neighbours; a buffer reaches in from outside."""
    sc = scenario_from_dict({
        "name": "by-hand", "site": {"min_area_ha": 1},
        "constraints": [{"id": "housing", "layer": "urban_areas", "mode": "within", "distance_m": 250}],
        "factors": {"substation_km": {"measure": "substation_km",
                                      "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 1]}}},
        "weights": {"values": {"substation_km": 1}},
    })
    lay = {
        # centre of cell (1, 3): the last column of chunk (0, 0)
        "substations": gpd.GeoDataFrame({"voltage_kv": [400.0]}, geometry=[Point(350, 650)], crs=CRS),
        # a point 50 m beyond the south edge, under cell column 9 (chunk column 2)
        "urban_areas": gpd.GeoDataFrame({"name": ["u"]}, geometry=[Point(950, -50)], crs=CRS),
    }
    res = suitability_surface_dask(sc, lay, resolution_m=100, bbox=(0, 0, 1200, 800), chunk_size=4)
    raw = res.raw["substation_km"].compute()
    score = res.score.compute()
    assert res.score.numblocks == (2, 3)
    assert raw[1, 3] == 0.0
    assert raw[1, 6] == pytest.approx(0.3)  # chunk (0, 1): 300 m east
    assert raw[5, 7] == pytest.approx(math.hypot(400, 400) / 1000)  # chunk (1, 1)
    assert raw[6, 11] == pytest.approx(math.hypot(800, 500) / 1000)  # chunk (1, 2), across two borders
    assert score[6, 11] == pytest.approx(1 - math.hypot(800, 500) / 1000, abs=1e-6)
    # housing: cells whose centre is within 250 m of (950, -50), i.e. of the centre of the
    # padding cell under column 9: row 7 (y = 50) columns 7–11, row 6 (y = 150) columns 8–10
    excl = np.isnan(score)
    assert excl[7, 7:12].all() and excl[6, 8:11].all()
    assert not excl[6, 7] and not excl[6, 11] and not excl[7, 6] and not excl[5, 9]
    assert excl.sum() == 8
    assert res.notes == {"housing": "cells within 250 m (raster buffer on cell centres)"}


def test_errors_match_local_mode() -> None:
    sc = _scenario(CURVES["linear"])
    with pytest.raises(ScenarioError, match="plan_status cannot be rasterised"):
        suitability_surface_dask(sc, _layers(), resolution_m=50, node_tables=_node_tables(),
                                 factor_rasters={"given": _given((40, 60))})
    with pytest.raises(ScenarioError, match=r"factor_rasters\['given'\]: found shape \(4, 6\)"):
        suitability_surface_dask(sc, _layers(), resolution_m=50, node_tables=_node_tables(),
                                 factor_rasters={"given": np.zeros((4, 6))}, skip_unavailable=True)
    lay = _layers()
    del lay["water"]
    with pytest.raises(ScenarioError, match="layer 'water' is not loaded"):
        suitability_surface_dask(sc, lay, resolution_m=50, skip_unavailable=True)
    with pytest.raises(ScenarioError, match="chunk_size: found 0"):
        suitability_surface_dask(sc, _layers(), resolution_m=50, skip_unavailable=True, chunk_size=0)


def test_missing_value_without_nodata_raises_when_computed() -> None:
    sc = _scenario(CURVES["linear"])
    tables = _node_tables()
    tables["labour_45min"].loc[0, "value"] = np.nan  # labour_45min states no nodata
    res = suitability_surface_dask(sc, _layers(), resolution_m=50, node_tables=tables,
                                   factor_rasters={"given": _given((40, 60))}, skip_unavailable=True, chunk_size=16)
    with pytest.raises(ScenarioError, match="factors.labour_45min: some cells have no value"):
        res.compute(scheduler="sync")


def test_geotiff_written_chunk_by_chunk(tmp_path: Path) -> None:
    local, lazy, _ = _both(_scenario(CURVES["sigmoid"]), chunk_size=32)
    path = save_suitability_dask(lazy, tmp_path / "out" / "s.tif", tags={"scenario": "dask-check"})
    score, grid, tags = read_suitability(path)
    assert grid == local.grid and tags["engine"] == "dask" and tags["scenario"] == "dask-check"
    np.testing.assert_array_equal(np.isnan(score), np.isnan(local.score))
    np.testing.assert_allclose(score, local.score, rtol=0, atol=2e-7)
    import rasterio

    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] and ds.profile["blockxsize"] == 32 and ds.crs.to_epsg() == 3006
        assert len(ds.overviews(1)) == 5 and ds.overviews(1)[:3] == [2, 4, 8]
    assert [p.name for p in path.parent.iterdir()] == ["s.tif"]  # no temporary left behind


def test_score_candidates_on_partitions_equals_score_table() -> None:
    rng = np.random.default_rng(3)
    std = pd.DataFrame(rng.uniform(0, 1, (1000, 3)), columns=["a", "b", "c"], index=[f"s{i}" for i in range(1000)])
    std.iloc[7, 1] = np.nan
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    for kw in ({"method": "wlc"}, {"method": "owa", "order_weights": [0.6, 0.3, 0.1]}):
        lazy = score_candidates_dask(std, w, npartitions=4, **kw)  # type: ignore[arg-type]
        assert lazy.npartitions == 4
        pd.testing.assert_frame_equal(lazy.compute(), score_table(std, w, **kw))  # type: ignore[arg-type]
    with pytest.raises(WeightsError):
        score_candidates_dask(std, {"a": 0.5, "b": 0.6, "c": 0.2}, npartitions=2)


@pytest.mark.slow
def test_default_scenario_on_local_cluster(tmp_path: Path) -> None:
    """The shipped default scenario on the embedded layers, 200 m, on a 2-worker LocalCluster."""
    from siteselect.analysis.measures import node_measures
    from siteselect.io.layers import load_layers
    from siteselect.network.graph import RoadGraph
    from siteselect.pipeline import resolve_scenario

    layers = load_layers()
    scenario, _ = resolve_scenario(None)
    tables = node_measures(scenario.factors, layers, RoadGraph.from_roads(layers["roads"]))
    local = suitability_surface(scenario, layers, resolution_m=200, node_tables=tables, skip_unavailable=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        res = suitability_surface_dask(scenario, layers, resolution_m=200, node_tables=tables, skip_unavailable=True,
                                       chunk_size=128, client=client, out_path=tmp_path / "suit.tif")
        assert res.n_chunks == 20  # 515 × 427 cells
        mask = res.mask.compute()
        # a second surface on the same cluster with other layers must not pick up the first one's
        dry = {**layers, "water": layers["water"].iloc[:0]}
        mask_dry = suitability_surface_dask(scenario, dry, resolution_m=200, node_tables=tables, skip_unavailable=True,
                                            chunk_size=128, client=client).mask.compute()
    local_dry = suitability_surface(scenario, dry, resolution_m=200, node_tables=tables, skip_unavailable=True)
    np.testing.assert_array_equal(mask_dry, local_dry.mask)
    assert (mask_dry != mask).sum() > 100  # the lakes are no longer excluded
    score, grid, _ = read_suitability(res.path)
    assert grid == local.grid and res.dropped == local.dropped == ["area_ha"]  # plan_status comes from the layers
    np.testing.assert_array_equal(mask, local.mask)
    np.testing.assert_array_equal(np.isnan(score), np.isnan(local.score))
    np.testing.assert_allclose(score, local.score, rtol=0, atol=2e-7)
    assert np.isfinite(score).sum() > 10_000


def test_dask_client_joins_a_scheduler_address(tmp_path: Path) -> None:
    """``--scheduler ADDRESS``: connect to a running scheduler; chunks stream back and are written one by one."""
    local, lazy, _ = _both(_scenario(CURVES["piecewise"]), chunk_size=16)  # built before any client exists
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with dask_client(cluster.scheduler_address) as client:
            assert client.scheduler.address == cluster.scheduler_address
            path = save_suitability_dask(lazy, tmp_path / "s.tif", client=client, max_in_flight=1, overviews=False)
        assert cluster.status.name == "running"  # the client left the cluster it joined running
    score, _, _ = read_suitability(path)
    np.testing.assert_array_equal(np.isnan(score), np.isnan(local.score))
    np.testing.assert_allclose(score, local.score, rtol=0, atol=2e-7)


def test_engine_options_reject_dask_settings_with_local_engine() -> None:
    import click
    from click.testing import CliRunner

    from siteselect.cli.scale_options import check_engine_options, engine_options

    @click.command()
    @engine_options
    def cmd(engine: str | None, scheduler: str | None, chunk_size: int | None, n_workers: int | None) -> None:
        check_engine_options(engine, scheduler, chunk_size, n_workers)
        click.echo(f"{engine} {scheduler} {chunk_size} {n_workers}")

    runner = CliRunner()
    ok = runner.invoke(cmd, ["--engine", "dask", "--scheduler", "tcp://10.0.0.5:8786", "--chunk-size", "1024"])
    assert ok.exit_code == 0 and ok.output == "dask tcp://10.0.0.5:8786 1024 None\n"
    bad = runner.invoke(cmd, ["--engine", "local", "--workers", "4"])
    assert bad.exit_code == 2 and "--workers only apply to --engine dask" in bad.output


def test_layer_factors_by_chunk_equal_local() -> None:
    """industrial_km and plan_status are read from the layers chunk by chunk, as local mode reads them whole."""
    sc = scenario_from_dict({
        "name": "layer-factors", "site": {"min_area_ha": 1},
        "constraints": [{"id": "mifo", "mode": "where", "field": "mifo_class", "op": "==", "value": 1}],
        "factors": {
            "industry": {"measure": "industrial_km",
                         "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 0.9]}},
            "plan": {"measure": "plan_status", "classes": {"gällande": 1, "pågående": 0.5, "ingen": 0.1}},
        },
        "weights": {"values": {"industry": 2, "plan": 1}},
    })
    lay = {
        "county": gpd.GeoDataFrame({"name": ["c"]}, geometry=[box(0, 0, 3000, 2000)], crs=CRS),
        # one works straddling chunk borders, one outside the bbox whose distance reaches in
        "industrial_land": gpd.GeoDataFrame({"name": ["works", "outside"]},
                                            geometry=[box(700, 700, 1250, 1300), box(3100, 0, 3400, 400)], crs=CRS),
        "candidates": gpd.GeoDataFrame({"site_id": ["A", "B"], "plan_status": ["pågående", "gällande"],
                                        "mifo_class": [1, 3]},
                                       geometry=[box(1600, 100, 2400, 900), box(200, 1500, 900, 1950)], crs=CRS),
    }
    local = suitability_surface(sc, lay, resolution_m=50)
    lazy = suitability_surface_dask(sc, lay, resolution_m=50, chunk_size=16)
    got = lazy.compute(scheduler="threads")
    assert lazy.score.numblocks == (3, 4) and got.factors == local.factors == ["industry", "plan"]
    np.testing.assert_array_equal(got.mask, local.mask)
    np.testing.assert_array_equal(got.score, local.score)
    assert got.notes == local.notes
    assert np.isnan(got.score).sum() > 100 and len(np.unique(got.score[np.isfinite(got.score)])) > 20
