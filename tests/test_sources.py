"""Catalog sources that are not plain files: PostGIS, OGC API Features, FileGDB (real servers).

PostgreSQL + PostGIS run from Debian's packages in a temporary folder; OGC API Features is
served on 127.0.0.1 by ``_fixtures_servers.OAPIFServer`` from a GeoPackage the test makes.
Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from _fixtures_servers import (
    PASSWORD,
    OAPIFProcess,
    PostGIS,
    postgis_available,
    start_postgis,
    stop_postgis,
)
from click.testing import CliRunner

from siteselect.cli import main
from siteselect.errors import CRSError, LayerError
from siteselect.io.catalog import check_catalog, format_report
from siteselect.io.catalog_file import read_catalog
from siteselect.io.catalog_load import load_source
from siteselect.io.file_layers import load_embedded
from siteselect.io.read import embedded_path

EMB = embedded_path()
SCENARIO = Path(__file__).parents[1] / "layers" / "scenarios" / "electricity-intensive.yaml"


@pytest.fixture(scope="module")
def pg() -> Iterator[PostGIS]:
    why = postgis_available()
    if why is not None:
        pytest.skip(why)
    server = start_postgis()
    try:
        server.load(pyogrio.read_dataframe(EMB, layer="roads"), "vag.roads")
        server.load(pyogrio.read_dataframe(EMB, layer="substations"), "vag.substations_nosrid", srid=0)
        server.sql("CREATE TABLE vag.plain (id int, name text)")
        server.sql("GRANT SELECT ON ALL TABLES IN SCHEMA vag TO gis")
        yield server
    finally:
        stop_postgis(server)


@pytest.fixture
def pg_env(pg: PostGIS, monkeypatch: pytest.MonkeyPatch) -> PostGIS:
    """The connection as GIS staff would set it: a DSN with the password in an environment variable."""
    monkeypatch.setenv("SITESELECT_TEST_DSN", pg.dsn(password=True))
    for var in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE"):
        monkeypatch.delenv(var, raising=False)
    return pg


def _scenario(tmp_path: Path, catalog: Path, name: str = "s.yaml") -> Path:
    """The shipped default scenario reading its layers from ``catalog`` instead of its region."""
    lines = SCENARIO.read_text(encoding="utf-8").splitlines()
    text = "\n".join(f"layers: {catalog.name}" if ln.startswith("region:") else ln for ln in lines)
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _catalog(tmp_path: Path, body: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _source(tmp_path: Path, entry: str, role: str = "roads"):
    cat = _catalog(tmp_path, f"roles:\n  {role}:\n" + "".join(f"    {ln}\n" for ln in entry.splitlines()))
    return read_catalog(cat).sources[role]


# ----------------------------------------------------------------------------- PostGIS


def test_postgis_table_reads_like_the_file(pg_env: PostGIS, tmp_path: Path) -> None:
    src = _source(tmp_path, "format: postgis\nconnection: env:SITESELECT_TEST_DSN\ntable: vag.roads")
    got = load_source(src).sort_values("road_id").reset_index(drop=True)
    want = load_embedded(EMB, roles=["roads"])["roads"].sort_values("road_id").reset_index(drop=True)
    assert len(got) == len(want) == 97
    assert list(got["road_class"]) == list(want["road_class"])
    assert list(got["speed_kmh"]) == list(want["speed_kmh"])
    assert got.geometry.geom_equals_exact(want.geometry, tolerance=1e-6).all()
    assert got.crs.to_epsg() == 3006
    assert got.attrs["source"].startswith("PostGIS table vag.roads via PostgreSQL host=127.0.0.1")
    assert PASSWORD not in got.attrs["source"]


def test_postgis_sql_query_and_where(pg_env: PostGIS, tmp_path: Path) -> None:
    src = _source(tmp_path, "format: postgis\nconnection: env:SITESELECT_TEST_DSN\n"
                            "sql: SELECT road_id, road_class, speed_kmh, oneway, from_node, to_node, ref, "
                            "geom AS g FROM vag.roads WHERE road_class = 'motorway'\nwhere: speed_kmh >= 100")
    got = load_source(src)
    want = pyogrio.read_dataframe(EMB, layer="roads")
    want = want[(want["road_class"] == "motorway") & (want["speed_kmh"] >= 100)]
    assert len(got) == len(want) > 0
    assert sorted(got["road_id"]) == sorted(want["road_id"])


def test_postgis_missing_srid_and_stated_crs(pg_env: PostGIS, tmp_path: Path) -> None:
    entry = "format: postgis\nconnection: env:SITESELECT_TEST_DSN\ntable: vag.substations_nosrid"
    with pytest.raises(CRSError, match=r"'geom' has no SRID \(0\).*UpdateGeometrySRID.*`crs:`"):
        load_source(_source(tmp_path, entry, role="substations"))
    got = load_source(_source(tmp_path, entry + "\ncrs: EPSG:3006", role="substations"))
    assert len(got) == 10 and got.crs.to_epsg() == 3006


@pytest.mark.parametrize(("entry", "message"), [
    ("table: vag.nosuch", r"table or view 'vag.nosuch' does not exist.*Fix `table`; spatial tables "
                          r"there: \['vag.roads', 'vag.substations_nosrid'\]"),
    ("table: vag.plain", r"table 'vag.plain' has no geometry column. Fix"),
    ("sql: SELECT id FROM vag.plain", r"the `sql` query selects no geometry column"),
    ("sql: SELECT nonsense FROM vag.roads", r"the database refused the query: column \"nonsense\" does not "
                                            r"exist. Fix the `table`, `sql` or `where`"),
    ("table: vag.roads\ngeometry_column: shape", r"no geometry column 'shape'; its geometry columns are "
                                                 r"\['geom'\]"),
])
def test_postgis_errors_name_source_and_fix(pg_env: PostGIS, tmp_path: Path, entry: str, message: str) -> None:
    src = _source(tmp_path, "format: postgis\nconnection: env:SITESELECT_TEST_DSN\n" + entry)
    with pytest.raises(LayerError, match=message) as info:
        load_source(src)
    assert "catalog role 'roads' (PostGIS" in str(info.value)
    assert PASSWORD not in str(info.value)


def test_refused_connection_is_exit_2_with_fix(pg: PostGIS, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    cat = _catalog(tmp_path, f"roles:\n  roads:\n    format: postgis\n"
                             f"    connection: host=127.0.0.1 port={port} dbname=gis user=gis\n"
                             f"    table: vag.roads\n")
    res = CliRunner().invoke(main, ["layers", "check", str(cat)])
    assert res.exit_code == 1, res.output
    assert f"cannot connect to PostgreSQL host=127.0.0.1 port={port} dbname=gis user=gis" in res.output
    assert "Fix: check that the server runs" in res.output
    scen = _scenario(tmp_path, cat)
    res = CliRunner().invoke(main, ["run", str(scen), "--out", str(tmp_path / "out"), "--no-sensitivity"])
    assert res.exit_code == 2, res.output
    assert "catalog role 'roads': cannot connect" in res.output and "Traceback" not in res.output
    assert PASSWORD not in res.output


def test_wrong_password_is_refused_without_showing_it(pg: PostGIS, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITESELECT_TEST_DSN", pg.dsn() + " password=not-" + PASSWORD)
    src = _source(tmp_path, "format: postgis\nconnection: env:SITESELECT_TEST_DSN\ntable: vag.roads")
    with pytest.raises(LayerError, match="password authentication failed") as info:
        load_source(src)
    assert PASSWORD not in str(info.value)


def test_password_in_catalog_is_refused(tmp_path: Path) -> None:
    for conn in (f"host=db dbname=gis user=anna password={PASSWORD}",
                 f"postgresql://anna:{PASSWORD}@db/gis"):
        cat = _catalog(tmp_path, f"roles:\n  roads:\n    format: postgis\n    connection: {conn}\n"
                                 "    table: vag.roads\n")
        with pytest.raises(LayerError, match=r"holds a password.*~/.pgpass.*PGPASSWORD") as info:
            read_catalog(cat)
        assert PASSWORD not in str(info.value)


def test_env_connection_is_never_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for value in (PASSWORD, f"host=db {PASSWORD}"):
        monkeypatch.setenv("SOME_SECRET", value)
        cat = _catalog(tmp_path, "roles:\n  roads: {format: postgis, connection: 'env:SOME_SECRET', table: t}\n")
        with pytest.raises(LayerError, match=r"roles.roads.connection \(from \$SOME_SECRET\)") as info:
            read_catalog(cat)
        assert PASSWORD not in str(info.value)
    for value in ("", None):
        if value is None:
            monkeypatch.delenv("SOME_SECRET")
        else:
            monkeypatch.setenv("SOME_SECRET", value)
        with pytest.raises(LayerError, match=r"environment variable 'SOME_SECRET' is not set or empty"):
            read_catalog(cat)


def test_remote_entry_keys_checked_together(tmp_path: Path) -> None:
    cat = _catalog(tmp_path, "roles:\n"
                             "  roads: {format: postgis, path: x.gpkg}\n"
                             "  ports: {format: ogc_api_features, url: 'ftp://x', collection: p, bbox: [1, 2]}\n"
                             "  rail: {format: wfs, url: 'http://x/wfs'}\n"
                             "  candidates: {format: filegdb, path: plans.gpkg}\n")
    with pytest.raises(LayerError) as info:
        read_catalog(cat)
    text = str(info.value)
    assert "roles.roads: format 'postgis' does not take ['path']" in text
    assert "roles.roads: format 'postgis' needs `table` or `sql`" in text
    assert "roles.ports.url: 'ftp://x' is not an http(s) URL" in text
    assert "roles.ports.bbox: expected [min_lon, min_lat, max_lon, max_lat]" in text
    assert "roles.rail: format 'wfs' needs `typename`" in text
    assert "roles.candidates.path: format 'filegdb' reads a File Geodatabase folder" in text


# ----------------------------------------------------------------------------- OGC API Features


@pytest.fixture(scope="module")
def oapif(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAPIFProcess]:
    gpkg = tmp_path_factory.mktemp("oapif") / "served.gpkg"
    for name in ("protected_nature", "ports"):
        pyogrio.write_dataframe(pyogrio.read_dataframe(EMB, layer=name), gpkg, layer=name)
    with OAPIFProcess(gpkg, page_max=7) as server:
        yield server


def test_oapif_collection_pages_and_validates(oapif: OAPIFProcess, tmp_path: Path) -> None:
    src = _source(tmp_path, f"format: ogc_api_features\nurl: {oapif.url}\ncollection: protected_nature",
                  role="protected_nature")
    got = load_source(src).sort_values("nvr_id").reset_index(drop=True)
    want = load_embedded(EMB, roles=["protected_nature"])["protected_nature"]
    want = want.sort_values("nvr_id").reset_index(drop=True)
    assert len(got) == 25 and got.crs.to_epsg() == 3006
    assert list(got["nvr_id"]) == list(want["nvr_id"])
    assert (got.geometry.area - want.geometry.area).abs().max() < 1.0  # m², CRS84 round trip
    pages = [r for r in oapif.requests if "/collections/protected_nature/items" in r]
    assert any("offset=21" in r for r in pages)  # 25 features at 7 a page: 4 pages followed


def test_oapif_bbox_is_lonlat_and_sent_to_server(oapif: OAPIFProcess, tmp_path: Path) -> None:
    bbox = [16.0, 59.5, 16.8, 59.9]
    src = _source(tmp_path, f"format: ogc_api_features\nurl: {oapif.url}\ncollection: protected_nature\n"
                            f"bbox: {bbox}", role="protected_nature")
    got = load_source(src)
    every = pyogrio.read_dataframe(EMB, layer="protected_nature").to_crs("OGC:CRS84")
    want = every.cx[bbox[0]:bbox[2], bbox[1]:bbox[3]]
    assert 0 < len(got) == len(want) < 25
    assert sorted(got["nvr_id"]) == sorted(want["nvr_id"])


def test_oapif_unknown_collection_and_dead_server(oapif: OAPIFProcess, tmp_path: Path) -> None:
    src = _source(tmp_path, f"format: ogc_api_features\nurl: {oapif.url}\ncollection: nature",
                  role="protected_nature")
    with pytest.raises(LayerError, match=r"has no collection 'nature'; it has \['protected_nature', "
                                         r"'ports'\]. Fix `collection`"):
        load_source(src)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = _source(tmp_path, f"format: ogc_api_features\nurl: http://127.0.0.1:{port}/\ncollection: x",
                  role="protected_nature")
    with pytest.raises(LayerError, match=r"cannot read the service: .*Fix: check the URL"):
        load_source(src)


# ----------------------------------------------------------------------------- FileGDB


def test_filegdb_layer(tmp_path: Path) -> None:
    gdb = tmp_path / "plans.gdb"
    pyogrio.write_dataframe(pyogrio.read_dataframe(EMB, layer="candidates"), gdb, layer="detaljplan",
                            driver="OpenFileGDB")
    assert gdb.is_dir()
    src = _source(tmp_path, f"format: filegdb\npath: {gdb}\nlayer: detaljplan", role="candidates")
    got = load_source(src)
    want = load_embedded(EMB, roles=["candidates"])["candidates"]
    assert sorted(got["site_id"]) == sorted(want["site_id"]) and len(got) == 50
    bad = _source(tmp_path, f"format: filegdb\npath: {gdb}\nlayer: plan", role="candidates")
    with pytest.raises(LayerError, match=r"has no layer 'plan'; its layers are \['detaljplan'\]"):
        load_source(bad)


# ----------------------------------------------------------------------------- all together


def _mixed_catalog(tmp_path: Path, url: str) -> Path:
    gdb = tmp_path / "plans.gdb"
    pyogrio.write_dataframe(pyogrio.read_dataframe(EMB, layer="candidates"), gdb, layer="detaljplan",
                            driver="OpenFileGDB")
    pyogrio.write_dataframe(pyogrio.read_dataframe(EMB, layer="municipalities"), tmp_path / "kommuner.gpkg",
                            layer="kommuner")
    return _catalog(tmp_path, f"""name: mixed
fallback: embedded
roles:
  roads: {{format: postgis, connection: 'env:SITESELECT_TEST_DSN', table: vag.roads}}
  protected_nature: {{format: ogc_api_features, url: '{url}', collection: protected_nature}}
  candidates: {{format: filegdb, path: plans.gdb, layer: detaljplan}}
  municipalities: {{path: kommuner.gpkg, layer: kommuner}}
""")


def test_mixed_catalog_checks_and_runs_like_the_embedded_data(pg_env: PostGIS, oapif: OAPIFProcess,
                                                              tmp_path: Path) -> None:
    cat = _mixed_catalog(tmp_path, oapif.url)
    report = check_catalog(cat)
    text = format_report(report)
    assert report.ok, text
    rows = {r.role: r for r in report.rows[:4]}
    assert [rows[r].format for r in ("roads", "protected_nature", "candidates", "municipalities")] == \
        ["postgis", "ogc_api_features", "filegdb", "auto"]
    assert (rows["roads"].features, rows["protected_nature"].features, rows["candidates"].features) == (97, 25, 50)
    assert rows["protected_nature"].crs.startswith("EPSG:4326")
    res = CliRunner().invoke(main, ["layers", "check", str(cat)])
    assert res.exit_code == 0 and "All layers OK." in res.output

    scen = _scenario(tmp_path, cat, "mixed.yaml")
    runner = CliRunner()
    res = runner.invoke(main, ["run", str(scen), "--out", str(tmp_path / "mixed"), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    res_ref = runner.invoke(main, ["run", str(SCENARIO), "--out", str(tmp_path / "ref"), "--no-sensitivity"])
    assert res_ref.exit_code == 0, res_ref.output
    got = pd.read_csv(tmp_path / "mixed" / "ranking.csv")
    ref = pd.read_csv(tmp_path / "ref" / "ranking.csv")
    assert list(got["site_id"]) == list(ref["site_id"])  # same data, other sources: same ranking
    assert (got["score"] - ref["score"]).abs().max() < 1e-6
    res_gpkg = runner.invoke(main, ["export", str(scen), "--gpkg", str(tmp_path / "mixed.gpkg")])
    assert res_gpkg.exit_code == 0, res_gpkg.output

    prov = (tmp_path / "mixed" / "scenario.yaml").read_text(encoding="utf-8")
    assert "PostGIS table vag.roads via PostgreSQL host=127.0.0.1" in prov
    assert f"OGC API Features collection 'protected_nature' at {oapif.url}" in prov
    written = [p for p in (tmp_path / "mixed").rglob("*") if p.is_file()] + [tmp_path / "mixed.gpkg"]
    for path in written:  # no password in any output, text or binary
        assert PASSWORD.encode() not in path.read_bytes(), path
    for out in (res.output, res_ref.output, res_gpkg.output, text):
        assert PASSWORD not in out
