"""Tests of the io stage's layer modules (read, work_crs, validate, file_layers): reading, CRS handling, validation, the embedded loader."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siteselect.core.roles import ROLES
from siteselect.errors import CRSError, LayerError, MissingFieldError, SiteSelectError
from siteselect.io.file_layers import load_embedded, load_layer
from siteselect.io.read import LayerWarning, embedded_path, read_layer
from siteselect.io.validate import apply_mapping, check_layer, validate_layer
from siteselect.io.work_crs import to_work_crs

# A point in Västerås in SWEREF 99 TM.
X0, Y0 = 588_000.0, 6_608_000.0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _square(x: float, y: float, size: float = 100.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def minimal_layers() -> dict[str, gpd.GeoDataFrame]:
    """One tiny valid frame per required role (EPSG:3006)."""
    crs = "EPSG:3006"
    return {
        "candidates": gpd.GeoDataFrame(
            {"site_id": ["a", "b"], "name": ["A", "B"], "municipality": ["Västerås"] * 2,
             "area_ha": [1.0, 4.0], "site_type": ["detaljplan", "brownfield"],
             "plan_status": ["gällande", "ingen"], "plan_use": ["J", None],
             "owner": ["kommunal", "okänd"], "mifo_class": [None, 2]},
            geometry=[_square(X0, Y0), _square(X0 + 500, Y0, 200)], crs=crs),
        "roads": gpd.GeoDataFrame(
            {"road_id": ["r1"], "ref": ["E18"], "road_class": ["motorway"], "speed_kmh": [110.0],
             "oneway": [False]},
            geometry=[shapely.LineString([(X0, Y0), (X0 + 1000, Y0)])], crs=crs),
        "ports": gpd.GeoDataFrame({"port_id": ["p1"], "name": ["Västerås hamn"]},
                                  geometry=[shapely.Point(X0, Y0 - 2000)], crs=crs),
        "junctions": gpd.GeoDataFrame({"junction_id": ["j1"], "name": ["Skälby"]},
                                      geometry=[shapely.Point(X0 + 1000, Y0)], crs=crs),
        "stations": gpd.GeoDataFrame({"station_id": ["s1"], "name": ["Västerås C"],
                                      "kind": ["passenger"]},
                                     geometry=[shapely.Point(X0, Y0 + 500)], crs=crs),
        "substations": gpd.GeoDataFrame({"substation_id": ["e1"], "name": ["Hamra"],
                                         "voltage_kv": [130.0]},
                                        geometry=[shapely.Point(X0 + 3000, Y0)], crs=crs),
        "population": gpd.GeoDataFrame({"pop": [120.0, 30.0]},
                                       geometry=[shapely.Point(X0, Y0), shapely.Point(X0, Y0 + 1)],
                                       crs=crs),
    }


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture
def small_gpkg(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "small.gpkg", minimal_layers())


# ------------------------------------------------------------------ embedded loader


def test_embedded_path_is_beside_package() -> None:
    import siteselect

    assert embedded_path() == Path(siteselect.__file__).resolve().parents[1] / "layers" / \
        "vastmanland.gpkg"


def test_load_embedded_reads_every_role_layer(small_gpkg: Path) -> None:
    before = _sha(small_gpkg)
    layers = load_embedded(small_gpkg)
    assert sorted(layers) == sorted(minimal_layers())
    assert all(str(g.crs) == "EPSG:3006" for g in layers.values())
    cand = layers["candidates"]
    assert list(cand["site_id"]) == ["a", "b"]
    assert cand["mifo_class"].dtype == "Int64"
    assert cand["mifo_class"].isna().tolist() == [True, False]
    assert cand["mifo_class"].iloc[1] == 2
    # optional nullable fields absent in the file are added as nulls
    assert layers["ports"]["operator"].isna().all()
    assert _sha(small_gpkg) == before


def test_load_embedded_subset_and_unknown_layer_ignored(tmp_path: Path) -> None:
    layers = minimal_layers()
    layers["notes"] = gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(X0, Y0)],
                                       crs="EPSG:3006")
    p = write_gpkg(tmp_path / "e.gpkg", layers)
    assert "notes" not in load_embedded(p)
    assert list(load_embedded(p, roles=["ports"])) == ["ports"]


def test_load_embedded_missing_required_role(tmp_path: Path) -> None:
    layers = minimal_layers()
    del layers["roads"]
    p = write_gpkg(tmp_path / "e.gpkg", layers)
    with pytest.raises(LayerError, match="roads"):
        load_embedded(p)


def test_load_embedded_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match="not found"):
        load_embedded(tmp_path / "nope.gpkg")


def test_load_embedded_reports_problems_of_all_layers(tmp_path: Path) -> None:
    layers = minimal_layers()
    layers["stations"] = layers["stations"].assign(kind=["bus"])
    layers["ports"] = layers["ports"].drop(columns="name")
    p = write_gpkg(tmp_path / "e.gpkg", layers)
    with pytest.raises(LayerError) as ei:
        load_embedded(p)
    msg = str(ei.value)
    assert "'stations'" in msg and "'bus'" in msg and "'ports'" in msg and "'name'" in msg


# ------------------------------------------------------------------ validation


def test_validate_collects_all_problems_in_one_error() -> None:
    cand = minimal_layers()["candidates"].copy()
    cand["site_type"] = ["detaljplan", "industri"]      # not allowed
    cand["area_ha"] = ["1.5", "stor"]                   # not a float
    cand["site_id"] = ["a", "a"]                        # duplicate ids
    cand = cand.drop(columns="owner")                   # missing required field
    with pytest.raises(MissingFieldError) as ei:
        validate_layer(cand, "candidates", source="plans.gpkg", layer="p")
    msg = str(ei.value)
    assert "plans.gpkg" in msg and "layer 'p'" in msg
    assert "'owner'" in msg and "'industri'" in msg and "'stor'" in msg and "share an id" in msg
    assert msg.count("\n  - ") == 4


def test_validate_nulls_in_non_nullable_field() -> None:
    roads = minimal_layers()["roads"].assign(road_class=[None])
    with pytest.raises(LayerError, match="road_class.*1 null"):
        validate_layer(roads, "roads")


def test_validate_coerces_types() -> None:
    mun = gpd.GeoDataFrame({"kommun_kod": [1980, 1983], "name": ["Västerås", "Köping"]},
                           geometry=[_square(X0, Y0), _square(X0 + 200, Y0)], crs="EPSG:3006")
    out = validate_layer(mun, "municipalities")
    assert list(out["kommun_kod"]) == ["1980", "1983"]
    roads = minimal_layers()["roads"].assign(oneway=["ja"], speed_kmh=["70"])
    out = validate_layer(roads, "roads")
    assert bool(out["oneway"].iloc[0]) is True and out["speed_kmh"].iloc[0] == 70.0


def test_validate_rejects_non_integer_int() -> None:
    cand = minimal_layers()["candidates"].assign(mifo_class=[1.5, None])
    with pytest.raises(LayerError, match="mifo_class.*not int"):
        validate_layer(cand, "candidates")


def test_validate_repairs_bowtie_and_drops_empty() -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    assert not bowtie.is_valid
    water = gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                             geometry=[bowtie, None, _square(X0, Y0)], crs="EPSG:3006")
    with pytest.warns(LayerWarning) as rec:
        out = validate_layer(water, "water")
    texts = " ".join(str(w.message) for w in rec)
    assert "1 invalid geometries repaired" in texts and "1 features with null" in texts
    assert list(out["name"]) == ["a", "c"]
    assert out.geometry.is_valid.all()
    assert out.geometry.iloc[0].area == pytest.approx(5000.0)  # two triangles of 2,500 m²
    assert water.geometry.iloc[1] is None  # input untouched


def test_validate_wrong_geometry_type() -> None:
    water = gpd.GeoDataFrame({"name": ["a", "b"]},
                             geometry=[_square(X0, Y0), shapely.Point(X0, Y0)], crs="EPSG:3006")
    with pytest.raises(LayerError, match="geometry types.*Polygon/MultiPolygon"):
        validate_layer(water, "water")


def test_population_takes_points_and_polygons() -> None:
    pop = gpd.GeoDataFrame({"pop": [1.0, 2.0]},
                           geometry=[_square(X0, Y0), shapely.Point(X0, Y0)], crs="EPSG:3006")
    assert len(validate_layer(pop, "population")) == 2


def test_single_part_multipoint_becomes_point() -> None:
    ports = gpd.GeoDataFrame({"port_id": ["p"], "name": ["n"]},
                             geometry=[shapely.MultiPoint([(X0, Y0)])], crs="EPSG:3006")
    with pytest.warns(LayerWarning, match="MultiPoints"):
        out = validate_layer(ports, "ports")
    assert out.geometry.iloc[0].geom_type == "Point"


def test_zero_features_is_an_error() -> None:
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:3006")
    with pytest.raises(LayerError, match="no features"):
        validate_layer(empty, "water")


def test_check_layer_does_not_raise_and_counts() -> None:
    water = gpd.GeoDataFrame({"nm": ["a"]}, geometry=[None], crs="EPSG:3006")
    chk = check_layer(water, "water", source="w.gpkg")
    assert not chk.ok and chk.dropped == 1


def test_unknown_role() -> None:
    with pytest.raises(LayerError, match="unknown role 'roadz'"):
        check_layer(minimal_layers()["roads"], "roadz")


def test_every_role_has_an_id_or_name_field() -> None:
    # the validator's duplicate-id check relies on *_id naming; make sure roles use it
    for spec in ROLES.values():
        names = [f.name for f in spec.fields]
        assert any(n.endswith("_id") for n in names) or "name" in names or "pop" in names


# ------------------------------------------------------------------ CRS


def test_reprojects_wgs84_and_rt90(tmp_path: Path) -> None:
    pt = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(16.55, 59.617)],
                          crs="EPSG:4326")
    out = to_work_crs(pt)
    assert str(out.crs) == "EPSG:3006"
    x, y = out.geometry.iloc[0].x, out.geometry.iloc[0].y
    assert 585_000 < x < 592_000 and 6_605_000 < y < 6_615_000
    rt90 = pt.to_crs(3021)
    back = to_work_crs(rt90).geometry.iloc[0]
    assert back.distance(out.geometry.iloc[0]) < 2.0
    zone = pt.to_crs(3011)  # SWEREF 99 18 00
    assert to_work_crs(zone).geometry.iloc[0].distance(out.geometry.iloc[0]) < 0.01


def test_missing_crs_is_error_unless_stated(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[_square(X0, Y0)])
    shp = tmp_path / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: 'crs' was not provided
        gdf.to_file(shp, engine="pyogrio")
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(CRSError, match="no CRS.*EPSG:3006"):
        load_layer(shp, "water")
    out = load_layer(shp, "water", crs="EPSG:3006")
    assert out.geometry.iloc[0].equals(_square(X0, Y0))


def test_stated_crs_contradicting_file(tmp_path: Path) -> None:
    p = tmp_path / "w.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[_square(X0, Y0)], crs=3006).to_file(
        p, engine="pyogrio")
    with pytest.raises(CRSError, match="states CRS EPSG:3010"):
        read_layer(p, crs="EPSG:3010")


def test_swapped_axes_projected() -> None:
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(Y0, X0)], crs="EPSG:3006")
    with pytest.raises(CRSError, match="swapped axes"):
        to_work_crs(gdf, source="pts.gpkg")


def test_swapped_lat_lon() -> None:
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(59.6, 16.5)],
                           crs="EPSG:4326")
    with pytest.raises(CRSError, match="swapped lat/lon"):
        to_work_crs(gdf, source="pts.csv")


def test_wrong_crs_outside_sweden() -> None:
    # SWEREF 99 TM numbers declared as RT90 land fine; declared as UTM 35N they do not
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(X0, Y0)], crs="EPSG:32635")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        with pytest.raises(CRSError, match=r"outside the area EPSG:3006 .*made for \(Sweden.*"
                           r"`crs: auto`.*EPSG:32635.*source CRS EPSG:32635 .*misstated.*`crs` key"):
            to_work_crs(gdf, source="pts.gpkg")


# ------------------------------------------------------------------ readers


def test_read_csv_lonlat(tmp_path: Path) -> None:
    p = tmp_path / "ports.csv"
    p.write_text("port_id,name,lon,lat\nSEVST,Västerås,16.55,59.617\nX,Köping,16.01,59.50\n",
                 encoding="utf-8")
    before = _sha(p)
    out = load_layer(p, "ports")
    assert list(out["name"]) == ["Västerås", "Köping"]
    assert str(out.crs) == "EPSG:3006"
    assert _sha(p) == before


def test_read_csv_needs_crs_for_xy(tmp_path: Path) -> None:
    p = tmp_path / "pts.csv"
    p.write_text(f"name,x,y\na,{X0},{Y0}\n", encoding="utf-8")
    with pytest.raises(CRSError, match="CSV carries no CRS"):
        read_layer(p)
    out = load_layer(p, "airports", crs=3006)
    assert out.geometry.iloc[0].equals(shapely.Point(X0, Y0))


def test_read_geoparquet_and_where(tmp_path: Path) -> None:
    p = tmp_path / "m.parquet"
    gpd.GeoDataFrame({"kommun_kod": ["1980", "1983"], "kommun": ["Västerås", "Köping"]},
                     geometry=[_square(X0, Y0), _square(X0 + 200, Y0)],
                     crs=3006).to_parquet(p)
    out = load_layer(p, "municipalities", fields={"name": "kommun"},
                     where="kommun_kod == '1983'")
    assert list(out["name"]) == ["Köping"]


def test_gpkg_where_and_mapping_and_defaults(tmp_path: Path) -> None:
    p = tmp_path / "s.gpkg"
    gpd.GeoDataFrame({"id": ["1", "2"], "namn": ["Hamra", "Munga"], "kv": [130, 400],
                      "bolag": [None, "Svk"]},
                     geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 10, Y0)],
                     crs=3006).to_file(p, layer="stations", engine="pyogrio")
    out = load_layer(p, "substations", layer="stations", where="kv >= 130",
                     fields={"substation_id": "id", "name": "namn", "voltage_kv": "kv",
                             "operator": "bolag"},
                     defaults={"operator": "okänd"})
    assert list(out["voltage_kv"]) == [130.0, 400.0]
    assert list(out["operator"]) == ["okänd", "Svk"]


def test_mapping_to_absent_field() -> None:
    with pytest.raises(MissingFieldError, match="namn"):
        apply_mapping(minimal_layers()["ports"], fields={"name": "namn"}, source="p.gpkg")


def test_missing_layer_names_the_layers(small_gpkg: Path) -> None:
    with pytest.raises(LayerError, match="no layer 'vagar'.*roads"):
        read_layer(small_gpkg, layer="vagar")


def test_shapefile_with_cpg_keeps_swedish_letters(tmp_path: Path) -> None:
    p = tmp_path / "w.shp"
    gpd.GeoDataFrame({"name": ["Mälaren", "Åsbosjön"]},
                     geometry=[_square(X0, Y0), _square(X0 + 200, Y0)], crs=3006).to_file(
        p, engine="pyogrio", encoding="cp1252")
    assert p.with_suffix(".cpg").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LayerWarning)
        out = load_layer(p, "water")
    assert list(out["name"]) == ["Mälaren", "Åsbosjön"]


def test_shapefile_without_cpg_cp1252_warns(tmp_path: Path) -> None:
    p = tmp_path / "w.shp"
    gpd.GeoDataFrame({"name": ["Mälaren"]}, geometry=[_square(X0, Y0)], crs=3006).to_file(
        p, engine="pyogrio", encoding="cp1252")
    p.with_suffix(".cpg").unlink()
    with pytest.warns(LayerWarning, match="no .cpg.*cp1252"):
        out = load_layer(p, "water")
    assert list(out["name"]) == ["Mälaren"]


def test_shapefile_without_cpg_utf8_no_mojibake(tmp_path: Path) -> None:
    p = tmp_path / "w.shp"
    gpd.GeoDataFrame({"name": ["Mälaren"]}, geometry=[_square(X0, Y0)], crs=3006).to_file(
        p, engine="pyogrio", encoding="utf-8")
    for s in (".cpg", ".CPG"):
        if p.with_suffix(s).exists():
            p.with_suffix(s).unlink()
    out = load_layer(p, "water")
    assert list(out["name"]) == ["Mälaren"]


def test_errors_are_siteselect_errors(tmp_path: Path) -> None:
    p = tmp_path / "junk.gpkg"
    p.write_bytes(b"this is not a geopackage" * 10)
    with pytest.raises(SiteSelectError, match="junk.gpkg"):
        read_layer(p)


def test_input_frame_not_mutated() -> None:
    cand = minimal_layers()["candidates"]
    snapshot = cand.copy()
    validate_layer(cand, "candidates")
    pd.testing.assert_frame_equal(cand, snapshot)
    assert np.array_equal(cand.columns, snapshot.columns)


@pytest.mark.skipif(not embedded_path().exists(), reason="layers/vastmanland.gpkg not built yet")
def test_real_embedded_file_loads() -> None:
    before = _sha(embedded_path())
    layers = load_embedded()
    required = {r for r, s in ROLES.items() if s.required}
    assert required <= set(layers)
    assert all(str(g.crs) == "EPSG:3006" and len(g) > 0 for g in layers.values())
    assert _sha(embedded_path()) == before


def test_validate_catches_swapped_axes_in_work_crs() -> None:
    ports = gpd.GeoDataFrame({"port_id": ["p"], "name": ["n"]},
                             geometry=[shapely.Point(Y0, X0)], crs="EPSG:3006")
    with pytest.raises(CRSError, match="swapped axes"):
        validate_layer(ports, "ports", source="ports.gpkg")
