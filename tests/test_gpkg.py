"""Tests of the run GeoPackage: layers, ranking, metadata and QGIS styles."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing

import numpy as np
import pyogrio
import pytest
from _fixtures_outputs import FACTOR_NAMES, make_isochrones, make_layers, make_ranking

from siteselect.core.roles import ROAD_CLASSES
from siteselect.errors import CRSError, OutputError
from siteselect.outputs.gpkg import (
    read_geopackage_metadata,
    read_geopackage_styles,
    write_geopackage,
)
from siteselect.outputs.qgis_styles import score_ramp

SCENARIO = "name: electricity-intensive\ndescription: Stort <verk> & nät\nsite:\n  min_area_ha: 20\n"
PROVENANCE = {"siteselect_version": "0.1.0", "layers": {"roads": "embedded default"}, "crs": "EPSG:3006"}
QGIS_STYLE_COLUMNS = [
    "id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML",
    "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time",
]


@pytest.fixture(scope="module")
def inputs():
    ranking = make_ranking()
    return ranking, make_layers(), make_isochrones(ranking)


@pytest.fixture(scope="module")
def gpkg(inputs, tmp_path_factory):
    ranking, layers, iso = inputs
    out = tmp_path_factory.mktemp("gpkg") / "siteselect.gpkg"
    path = write_geopackage(out, ranking=ranking, layers=layers, isochrones=iso, scenario_yaml=SCENARIO,
                            provenance=PROVENANCE)
    assert path == out
    return out


def _qml(styles, table):
    rows = styles[styles["f_table_name"] == table]
    assert len(rows) == 1
    return ET.fromstring(rows["styleQML"].iloc[0])


def test_layers_present_with_types(gpkg, inputs):
    _, layers, _ = inputs
    listed = {name: gtype for name, gtype in pyogrio.list_layers(gpkg)}
    assert set(listed) == set(layers) | {"ranking", "isochrones", "siteselect_metadata", "layer_styles"}
    assert listed["roads"] == "LineString" and listed["ports"] == "Point" and listed["ranking"] == "Polygon"
    assert listed["siteselect_metadata"] is None and listed["layer_styles"] is None


def test_input_layers_round_trip(gpkg, inputs):
    _, layers, _ = inputs
    for role, frame in layers.items():
        back = pyogrio.read_dataframe(gpkg, layer=role)
        assert back.crs.to_epsg() == 3006, role
        assert back.geometry.geom_equals_exact(frame.geometry.reset_index(drop=True), tolerance=1e-6).all(), role
    roads = pyogrio.read_dataframe(gpkg, layer="roads")
    assert list(roads["road_class"]) == list(layers["roads"]["road_class"])
    subs = pyogrio.read_dataframe(gpkg, layer="substations")
    assert list(subs["voltage_kv"]) == [400.0, 130.0, 40.0]


def test_ranking_keeps_scores_and_reasons(gpkg, inputs):
    ranking, _, _ = inputs
    back = pyogrio.read_dataframe(gpkg, layer="ranking")
    assert set(ranking.columns) <= set(back.columns)
    assert list(back["exclusion_reason"].fillna("")) == list(ranking["exclusion_reason"])
    assert list(back["excluded"]) == list(ranking["excluded"])
    np.testing.assert_allclose(back["score"].to_numpy(float), ranking["score"].to_numpy(float))
    for f in FACTOR_NAMES:
        np.testing.assert_allclose(back[f"{f}_contrib"].to_numpy(float), ranking[f"{f}_contrib"].to_numpy(float))
    assert back["rank"].isna().sum() == 1
    info = pyogrio.read_info(gpkg, layer="ranking")
    assert dict(zip(info["fields"], info["dtypes"]))["rank"] == "int64"


def test_metadata_table_and_dataset_metadata(gpkg):
    meta = read_geopackage_metadata(gpkg)
    assert meta["scenario_yaml"] == SCENARIO
    assert json.loads(meta["provenance"]) == PROVENANCE
    assert meta["crs"] == "EPSG:3006"
    ds = pyogrio.read_info(gpkg, layer="ranking")["dataset_metadata"]
    assert ds["siteselect_scenario_yaml"] == SCENARIO


def test_layer_styles_table_as_qgis_makes_it(gpkg, inputs):
    styles = read_geopackage_styles(gpkg)
    assert list(styles.columns) == QGIS_STYLE_COLUMNS
    with closing(sqlite3.connect(gpkg)) as con:
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert sorted(styles["f_table_name"]) == sorted(geom_cols)
    assert kinds["layer_styles"] == "attributes"
    for _, row in styles.iterrows():
        assert row["f_geometry_column"] == geom_cols[row["f_table_name"]]
        assert row["useAsDefault"] == 1 and row["f_table_catalog"] == "" and row["f_table_schema"] == ""
        root = ET.fromstring(row["styleQML"])
        assert root.tag == "qgis" and root.find("renderer-v2") is not None


def _bounds(flt: str) -> tuple[float, float]:
    lo, hi = re.findall(r'"score" (?:>=|<=|<) ([0-9.eE+-]+)', flt)
    return float(lo), float(hi)


def test_ranking_style_rules(gpkg, inputs):
    ranking, _, _ = inputs
    root = _qml(read_geopackage_styles(gpkg), "ranking")
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "RuleRenderer"
    rules = renderer.findall("rules/rule")
    assert len(rules) == 6
    assert rules[0].get("filter") == '"excluded"'
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    hatch = symbols[rules[0].get("symbol")].find("layer/Option/Option[@name='style']")
    assert hatch.get("value") == "b_diagonal"
    kept = ranking.loc[~ranking["excluded"], "score"]
    ranges = [_bounds(r.get("filter")) for r in rules[1:]]
    assert ranges[0][0] == pytest.approx(kept.min()) and ranges[-1][1] == pytest.approx(kept.max())
    for score in kept:  # every kept site falls in exactly one class (upper bound open except the last)
        hits = [i for i, (lo, hi) in enumerate(ranges) if lo <= score and (score < hi or (i == 4 and score <= hi))]
        assert len(hits) == 1
    colours = [symbols[r.get("symbol")].find("layer/Option/Option[@name='color']").get("value") for r in rules[1:]]
    expected = [",".join(str(int(h[i:i + 2], 16)) for i in (1, 3, 5)) + ",255" for h in score_ramp(5)]
    assert colours == expected


def test_roads_substations_isochrones_styles(gpkg, inputs):
    _, layers, _ = inputs
    styles = read_geopackage_styles(gpkg)
    roads = _qml(styles, "roads").find("renderer-v2")
    assert roads.get("type") == "categorizedSymbol" and roads.get("attr") == "road_class"
    assert [c.get("value") for c in roads.findall("categories/category")] == list(ROAD_CLASSES)
    subs = _qml(styles, "substations").find("renderer-v2")
    assert subs.get("type") == "graduatedSymbol" and subs.get("attr") == "voltage_kv"
    ranges = [(float(r.get("lower")), float(r.get("upper")), r.get("label")) for r in subs.findall("ranges/range")]
    for kv in layers["substations"]["voltage_kv"]:
        assert len([1 for lo, hi, _ in ranges if lo <= kv <= hi]) == 1
    assert [lab for lo, hi, lab in ranges if lo <= 400 <= hi] == ["≥ 400 kV"]
    iso = _qml(styles, "isochrones").find("renderer-v2")
    assert [c.get("value") for c in iso.findall("categories/category")] == ["30", "45"]
    ports = _qml(styles, "ports").find("renderer-v2")
    assert ports.get("type") == "singleSymbol"
    assert ports.find("symbols/symbol").get("type") == "marker"


def test_atomic_replace_and_inputs_untouched(inputs, tmp_path):
    ranking, layers, iso = inputs
    before = ranking.copy()
    out = tmp_path / "siteselect.gpkg"
    out.write_bytes(b"old")
    write_geopackage(out, ranking=ranking, layers=layers, isochrones=iso, scenario_yaml=SCENARIO, provenance={})
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    assert [p.name for p in tmp_path.iterdir()] == ["siteselect.gpkg"]
    assert ranking.equals(before)


def test_refuses_to_overwrite_an_input(inputs, tmp_path):
    ranking, layers, _ = inputs
    source = tmp_path / "my_layers.gpkg"
    source.write_bytes(b"precious")
    roads = layers["roads"].copy()
    roads.attrs["source"] = f"{source}|layername=roads"
    with pytest.raises(OutputError, match="input"):
        write_geopackage(source, ranking=ranking, layers={**layers, "roads": roads}, scenario_yaml="",
                         provenance={})
    assert source.read_bytes() == b"precious"
    with pytest.raises(OutputError, match="input"):
        write_geopackage(source, ranking=ranking, layers=layers, scenario_yaml="",
                         provenance={"layers": {"roads": str(source)}})


def test_bad_suffix_and_missing_crs(inputs, tmp_path):
    ranking, layers, _ = inputs
    with pytest.raises(OutputError, match=r"\.gpkg"):
        write_geopackage(tmp_path / "x.shp", ranking=ranking, layers=layers, scenario_yaml="", provenance={})
    bad = {**layers, "ports": layers["ports"].set_crs(None, allow_override=True)}
    with pytest.raises(CRSError, match="ports"):
        write_geopackage(tmp_path / "x.gpkg", ranking=ranking, layers=bad, scenario_yaml="", provenance={})
    assert list(tmp_path.iterdir()) == []


def test_read_styles_of_a_non_geopackage(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        read_geopackage_styles(tmp_path / "none.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not sqlite at all, just bytes" * 10)
    with pytest.raises(OutputError, match="layer_styles"):
        read_geopackage_styles(junk)


_PYQGIS = """
import os, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
for name in sys.argv[2:]:
    layer = QgsVectorLayer(f"{sys.argv[1]}|layername={name}", name, "ogr")
    renderer = layer.renderer()
    print(name, layer.isValid(), renderer.type() if renderer else None, layer.featureCount())
    del renderer, layer
sys.stdout.flush()
os._exit(0)  # QgsApplication teardown can crash in headless runs; the answers are printed already
"""


def _system_qgis() -> str | None:
    from _qgis import system_qgis_python

    return system_qgis_python()


@pytest.mark.slow
@pytest.mark.skipif(_system_qgis() is None, reason="PyQGIS not installed (apt-get install -y python3-qgis)")
def test_qgis_opens_layers_with_their_styles(gpkg, inputs):
    import os
    import subprocess

    ranking, layers, _ = inputs
    names = ["ranking", "roads", "substations", "ports", "isochrones", "water"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([_system_qgis(), "-c", _PYQGIS, str(gpkg), *names], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split("\n")
    seen = {line.split()[0]: line.split()[1:] for line in out if line.strip()}
    assert seen["ranking"] == ["True", "RuleRenderer", str(len(ranking))]
    assert seen["roads"] == ["True", "categorizedSymbol", str(len(layers["roads"]))]
    assert seen["substations"] == ["True", "graduatedSymbol", "3"]
    assert seen["isochrones"] == ["True", "categorizedSymbol", "4"]
    assert seen["ports"][:2] == ["True", "singleSymbol"] and seen["water"][:2] == ["True", "singleSymbol"]
