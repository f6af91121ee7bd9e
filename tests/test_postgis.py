"""Results to PostGIS (``siteselect.outputs.postgis``), on a real PostgreSQL + PostGIS server, opened in real QGIS."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from _fixtures_outputs import make_isochrones, make_layers, make_ranking
from _fixtures_servers import PASSWORD, PostGIS, postgis_available, start_postgis, stop_postgis
from _qgis import system_qgis_python
from click.testing import CliRunner

from siteselect.cli import main
from siteselect.errors import OutputError
from siteselect.outputs.postgis import read_postgis_styles, write_postgis

QGIS_COLUMNS = ["id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "stylename",
                "styleqml", "stylesld", "useasdefault", "description", "owner", "ui", "update_time", "type"]


@pytest.fixture(scope="module")
def pg() -> Iterator[PostGIS]:
    why = postgis_available()
    if why is not None:
        pytest.skip(why)
    server = start_postgis()
    try:
        server.sql("CREATE TABLE public.keep (id int, note text)")
        server.sql("INSERT INTO public.keep VALUES (1, 'theirs')")
        yield server
    finally:
        stop_postgis(server)


def _conn(pg: PostGIS) -> str:
    return " ".join(f"{k}={v}" for k, v in pg.socket_params.items())


@pytest.fixture(scope="module")
def exported(pg: PostGIS):
    ranking = make_ranking()
    layers = make_layers()
    iso = make_isochrones(ranking)
    pg.sql(open_styles := "CREATE TABLE IF NOT EXISTS public.layer_styles (id serial primary key, "
           "f_table_catalog varchar, f_table_schema varchar, f_table_name varchar, f_geometry_column varchar, "
           "stylename text, styleqml xml, stylesld xml, useasdefault boolean, description text, "
           "owner varchar(63) DEFAULT CURRENT_USER, ui xml, update_time timestamp DEFAULT CURRENT_TIMESTAMP, "
           "type varchar)")
    assert open_styles
    pg.sql("INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
           "stylename, styleqml, useasdefault) VALUES ('gis', 'public', 'keep', 'geom', 'theirs', "
           "XMLPARSE(DOCUMENT '<qgis/>'), true)")
    label = write_postgis(_conn(pg), schema="results", ranking=ranking, layers=layers, isochrones=iso,
                          scenario_yaml="name: test\n", provenance={"layers": {"roads": "embedded"}})
    return label, ranking, layers, iso


def test_tables_rows_and_srid(pg: PostGIS, exported) -> None:
    label, ranking, layers, iso = exported
    assert label == f"PostgreSQL host={pg.folder} port={pg.port} dbname=gis user=postgres schema results"
    tables = {r[0] for r in pg.sql("SELECT table_name FROM information_schema.tables WHERE table_schema='results'")}
    assert tables == set(layers) | {"ranking", "isochrones", "siteselect_metadata"}
    for name, frame in {**layers, "ranking": ranking, "isochrones": iso}.items():
        n, srids = pg.sql(f"SELECT count(*), array_agg(DISTINCT ST_SRID(geom)) FROM results.{name}")[0]
        assert (n, srids) == (len(frame), [3006]), name
    got = pg.sql("SELECT site_id, score, excluded FROM results.ranking ORDER BY fid")
    assert [r[0] for r in got] == list(ranking["site_id"])
    assert [float("nan") if r[1] is None else r[1] for r in got] == pytest.approx(list(ranking["score"]), nan_ok=True)
    assert [r[1] is None for r in got] == list(ranking["score"].isna())  # NaN is written as NULL
    meta = dict(pg.sql("SELECT key, value FROM results.siteselect_metadata"))
    assert meta["scenario_yaml"] == "name: test\n" and meta["crs"] == "EPSG:3006"
    area = pg.sql("SELECT ST_Area(geom) FROM results.ranking ORDER BY fid LIMIT 1")[0][0]
    assert area == pytest.approx(ranking.geometry.iloc[0].area)


def test_styles_in_qgis_layer_styles_and_other_tables_untouched(pg: PostGIS, exported) -> None:
    _, ranking, layers, iso = exported
    styles = read_postgis_styles(_conn(pg), schema="results")
    assert list(styles.columns) == QGIS_COLUMNS
    assert sorted(styles["f_table_name"]) == sorted([*layers, "ranking", "isochrones"])
    assert set(styles["f_table_catalog"]) == {"gis"} and set(styles["f_geometry_column"]) == {"geom"}
    assert styles["useasdefault"].all() and set(styles["stylename"]) == {"siteselect"}
    roots = [ET.fromstring(str(q)) for q in styles["styleqml"]]
    assert all(r.tag == "qgis" and r.find("renderer-v2") is not None for r in roots)
    assert pg.sql("SELECT id, note FROM public.keep") == [(1, "theirs")]
    assert pg.sql("SELECT f_table_name, stylename FROM public.layer_styles WHERE f_table_schema = 'public'") == \
        [("keep", "theirs")]


def test_export_again_replaces_its_own_rows_only(pg: PostGIS, exported) -> None:
    _, ranking, layers, iso = exported
    write_postgis(_conn(pg), schema="results", ranking=ranking.iloc[:3], layers=layers, isochrones=iso,
                  scenario_yaml="name: again\n", provenance={})
    assert pg.sql("SELECT count(*) FROM results.ranking") == [(3,)]
    n = pg.sql("SELECT count(*) FROM public.layer_styles WHERE f_table_schema = 'results'")[0][0]
    assert n == len(layers) + 2
    write_postgis(_conn(pg), schema="results", ranking=ranking, layers=layers, isochrones=iso,
                  scenario_yaml="name: test\n", provenance={})


def test_foreign_schema_refused_and_failure_is_atomic(pg: PostGIS) -> None:
    ranking, layers = make_ranking(), make_layers()
    pg.sql("CREATE SCHEMA theirs")
    pg.sql("CREATE TABLE theirs.parcels (id int)")
    with pytest.raises(OutputError, match=r"schema theirs: the schema holds tables siteselect did not write "
                                          r"\(\['parcels'\]\); choose another --schema, or add --overwrite"):
        write_postgis(_conn(pg), schema="theirs", ranking=ranking, layers=layers, scenario_yaml="", provenance={})
    # a layer_styles table QGIS could not use makes the last step fail: nothing may be left behind
    pg.sql("CREATE DATABASE broken OWNER gis")
    broken = _conn(pg).replace("dbname=gis", "dbname=broken")
    with __import__("psycopg").connect(broken, autocommit=True) as con:
        con.execute("CREATE EXTENSION postgis")
        con.execute("CREATE TABLE public.layer_styles (id int)")
    with pytest.raises(OutputError, match=r"the database refused the export \(.*f_table_catalog.*\); nothing "
                                          r"was written"):
        write_postgis(broken, schema="results", ranking=ranking, layers=layers, scenario_yaml="", provenance={})
    with __import__("psycopg").connect(broken) as con:
        assert con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'results'").fetchone() == (0,)


def test_cli_export_to_postgis_never_shows_password(pg: PostGIS, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["export", "--to", f"postgresql://gis:{PASSWORD}@127.0.0.1:{pg.port}/gis"])
    assert res.exit_code == 2 and "holds a password" in res.output and PASSWORD not in res.output
    monkeypatch.setenv("SITESELECT_TEST_DSN", pg.dsn(password=True))
    res = runner.invoke(main, ["export", "--to", "env:SITESELECT_TEST_DSN", "--schema", "run1"])
    assert res.exit_code == 2  # layer_styles belongs to the superuser here: a clear refusal, nothing written
    assert "permission denied for table layer_styles); nothing was written" in res.output
    assert pg.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'run1'") == [(0,)]
    pg.sql("GRANT ALL ON public.layer_styles TO gis")
    pg.sql("GRANT ALL ON SEQUENCE public.layer_styles_id_seq TO gis")
    res = runner.invoke(main, ["export", "--to", "env:SITESELECT_TEST_DSN", "--schema", "run1"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"PostgreSQL host=127.0.0.1 port={pg.port} dbname=gis user=gis schema run1"
    dump = pg.sql("SELECT string_agg(value, ' ') FROM run1.siteselect_metadata")[0][0]
    assert "electricity-intensive" in dump and PASSWORD not in dump
    styles = pg.sql("SELECT string_agg(styleqml::text || coalesce(description, ''), ' ') FROM public.layer_styles")
    assert PASSWORD not in styles[0][0]
    res = runner.invoke(main, ["export", "--to", f"host=127.0.0.1 port={pg.port} dbname=gis user=nobody"])
    assert res.exit_code == 2 and "--to PostgreSQL host=127.0.0.1" in res.output
    assert "Fix: check that the server runs" in res.output and "Traceback" not in res.output


_PYQGIS = """
import os, sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
host, port = sys.argv[1], sys.argv[2]
for name in sys.argv[3:]:
    uri = QgsDataSourceUri()
    uri.setConnection(host, port, "gis", "postgres", "")
    uri.setDataSource("results", name, "geom", "", "fid")
    layer = QgsVectorLayer(uri.uri(False), name, "postgres")
    n, ids, names, descs, err = layer.listStylesInDatabase()
    renderer = layer.renderer()
    print(name, layer.isValid(), renderer.type() if renderer else None, layer.featureCount(),
          "siteselect" in names, layer.styleManager().currentStyle() != "")
    del renderer, layer
sys.stdout.flush()
os._exit(0)  # QgsApplication teardown can crash in headless runs; the answers are printed already
"""


def _system_qgis() -> str | None:
    return system_qgis_python()


@pytest.mark.skipif(_system_qgis() is None, reason="PyQGIS not installed (apt-get install -y python3-qgis)")
def test_qgis_opens_postgis_layers_styled(pg: PostGIS, exported) -> None:
    _, ranking, layers, _ = exported
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    names = ["ranking", "roads", "substations", "isochrones", "ports"]
    out = subprocess.run([str(_system_qgis()), "-c", _PYQGIS, str(pg.folder), str(pg.port), *names],
                         capture_output=True, text=True, env=env, timeout=180, check=True).stdout
    seen = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines() if ln.strip()}
    assert seen["ranking"] == ["True", "RuleRenderer", str(len(ranking)), "True", "True"]
    assert seen["roads"] == ["True", "categorizedSymbol", str(len(layers["roads"])), "True", "True"]
    assert seen["substations"][:2] == ["True", "graduatedSymbol"]
    assert seen["isochrones"][:2] == ["True", "categorizedSymbol"]
    assert seen["ports"][:2] == ["True", "singleSymbol"]
