"""Real servers on this machine for the GIS source tests: PostgreSQL + PostGIS and OGC API Features.

PostgreSQL comes from Debian (``postgresql``, ``postgresql-15-postgis-3``; ``make test``
installs them as root). :func:`start_postgis` runs ``initdb`` in a temporary folder and
starts a server on a unix socket in that folder and on a free loopback port; as root it
runs as the ``postgres`` system user (PostgreSQL refuses to run as root). Local socket
connections are trusted; loopback TCP needs a password (SCRAM), so the tests can check
that a password is used but never shown.

:class:`OAPIFServer` is a minimal OGC API Features (Part 1: Core) server written with
``http.server`` on 127.0.0.1: landing page, conformance, collections, one collection,
items with ``limit`` / ``offset`` paging (``next`` links) and ``bbox`` (CRS84), GeoJSON.
pygeoapi was not used: it pulls a web framework and a pinned dependency set into the
project's venv for what these ~100 lines serve.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import shapely

PASSWORD = "Hemlig-pw-7f3a91"  # the role's password: must never appear in any output


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def postgis_available() -> str | None:
    """``None`` when a PostGIS server can be started here, else why not."""
    bindir = _pg_bin()
    if bindir is None:
        return "PostgreSQL not installed (apt-get install -y postgresql postgresql-15-postgis-3)"
    if not glob.glob(f"/usr/share/postgresql/{bindir.parent.name}/extension/postgis.control"):
        return f"PostGIS not installed for PostgreSQL {bindir.parent.name} (apt-get install -y " \
               f"postgresql-{bindir.parent.name}-postgis-3)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostGIS:
    """A running throw-away server: superuser over the socket, role ``gis`` over TCP."""

    folder: Path
    port: int
    bindir: Path

    @property
    def socket_params(self) -> dict[str, str]:
        """Superuser connection over the unix socket (trusted)."""
        return {"host": str(self.folder), "port": str(self.port), "dbname": "gis", "user": "postgres"}

    @property
    def tcp_params(self) -> dict[str, str]:
        """Role ``gis`` over loopback (password needed), without the password."""
        return {"host": "127.0.0.1", "port": str(self.port), "dbname": "gis", "user": "gis"}

    def dsn(self, *, password: bool = False) -> str:
        text = " ".join(f"{k}={v}" for k, v in self.tcp_params.items())
        return text + (f" password={PASSWORD}" if password else "")

    def sql(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(autocommit=True, **self.socket_params) as con:
            cur = con.execute(statement, params)
            return list(cur.fetchall()) if cur.description else []

    def load(self, frame: gpd.GeoDataFrame, table: str, *, srid: int | None = None) -> None:
        """Create ``table`` (``schema.name``) from a frame; ``srid=0`` leaves the SRID unset."""
        import psycopg
        from psycopg import sql

        schema, name = table.split(".")
        code = frame.crs.to_epsg() if srid is None else srid
        cols = [c for c in frame.columns if c != frame.geometry.name]
        types = {c: ("double precision" if frame[c].dtype.kind == "f" else
                     "bigint" if frame[c].dtype.kind in "iu" else
                     "boolean" if frame[c].dtype.kind == "b" else "text") for c in cols}
        with psycopg.connect(**self.socket_params) as con:
            con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            defs = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in cols]
            gtype = sql.SQL("geometry" if code == 0 else f"geometry(Geometry, {code})")
            con.execute(sql.SQL("CREATE TABLE {} ({}, geom {})").format(
                sql.Identifier(schema, name), sql.SQL(", ").join(defs), gtype))
            rows = [(*[None if v != v else v for v in rec], shapely.to_wkb(g))  # NaN -> NULL
                    for rec, g in zip(frame[cols].astype(object).itertuples(index=False, name=None),
                                      frame.geometry, strict=True)]
            ins = sql.SQL("INSERT INTO {} ({}, geom) VALUES ({}, ST_SetSRID(ST_GeomFromWKB(%s), {}))").format(
                sql.Identifier(schema, name), sql.SQL(", ").join(sql.Identifier(c) for c in cols),
                sql.SQL(", ").join(sql.Placeholder() for _ in cols), sql.Literal(code))
            with con.cursor() as cur:
                cur.executemany(ins, rows)
            con.execute(f"GRANT USAGE ON SCHEMA {schema} TO gis")
            con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO gis")


def _run(cmd: list[str], *, as_postgres: bool) -> None:
    full = ["runuser", "-u", "postgres", "--", *cmd] if as_postgres else cmd
    subprocess.run(full, check=True, capture_output=True, timeout=120)


def start_postgis() -> PostGIS:
    """initdb, start, create role ``gis`` (with :data:`PASSWORD`), database ``gis`` with PostGIS."""
    bindir = _pg_bin()
    assert bindir is not None
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="siteselect-pg-"))
    if root:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--no-locale",
          "--auth-local=trust", "--auth-host=scram-sha-256"], as_postgres=root)
    port = _free_port()
    opts = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w",
          "start"], as_postgres=root)
    server = PostGIS(folder=folder, port=port, bindir=bindir)
    import psycopg

    with psycopg.connect(autocommit=True, host=str(folder), port=port, user="postgres",
                         dbname="postgres") as con:
        con.execute(f"CREATE ROLE gis LOGIN PASSWORD '{PASSWORD}'")
        con.execute("CREATE DATABASE gis OWNER gis")
    server.sql("CREATE EXTENSION postgis")
    return server


def stop_postgis(server: PostGIS) -> None:
    _run([str(server.bindir / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "fast", "-w",
          "stop"], as_postgres=os.geteuid() == 0)
    shutil.rmtree(server.folder, ignore_errors=True)


# ----------------------------------------------------------------------------- OGC API Features


class OAPIFServer:
    """OGC API Features on 127.0.0.1 serving the layers of a GeoPackage (as CRS84) as collections.

    Used in its own process (:class:`OAPIFProcess`): GDAL's HTTP reads in pyogrio hold the
    GIL, so a server thread in the test's own process would never answer.
    """

    def __init__(self, gpkg: str, *, page_max: int = 7) -> None:
        import pyogrio

        frames = {str(n): pyogrio.read_dataframe(gpkg, layer=n) for n, _ in pyogrio.list_layers(gpkg)}
        self.features = {k: json.loads(v.to_crs("OGC:CRS84").to_json(drop_id=True))["features"]
                         for k, v in frames.items()}
        self.bounds = {k: v.to_crs("OGC:CRS84").total_bounds.tolist() for k, v in frames.items()}
        self.page_max = page_max
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _collection(self, cid: str) -> dict[str, Any]:
        return {"id": cid, "title": cid, "itemType": "feature",
                "extent": {"spatial": {"bbox": [self.bounds[cid]],
                                       "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
                "links": [{"href": f"{self.url}/collections/{cid}/items", "rel": "items",
                           "type": "application/geo+json"},
                          {"href": f"{self.url}/collections/{cid}", "rel": "self",
                           "type": "application/json"}]}

    def _items(self, cid: str, query: dict[str, list[str]]) -> dict[str, Any]:
        feats = self.features[cid]
        if "bbox" in query:
            x0, y0, x1, y1 = (float(v) for v in query["bbox"][0].split(","))
            box = shapely.box(x0, y0, x1, y1)
            feats = [f for f in feats if shapely.intersects(shapely.geometry.shape(f["geometry"]), box)]
        limit = min(int(query.get("limit", [self.page_max])[0]), self.page_max)
        offset = int(query.get("offset", ["0"])[0])
        page = feats[offset:offset + limit]
        links = [{"href": f"{self.url}/collections/{cid}/items?offset={offset}&limit={limit}",
                  "rel": "self", "type": "application/geo+json"}]
        if offset + limit < len(feats):
            nxt = f"{self.url}/collections/{cid}/items?offset={offset + limit}&limit={limit}"
            if "bbox" in query:
                nxt += f"&bbox={query['bbox'][0]}"
            links.append({"href": nxt, "rel": "next", "type": "application/geo+json"})
        return {"type": "FeatureCollection", "features": page, "numberMatched": len(feats),
                "numberReturned": len(page), "links": links}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                sys.stderr.write(f"GET {self.path}\n")
                sys.stderr.flush()
                path = parts.path.rstrip("/")
                query = parse_qs(parts.query)
                body: Any
                ctype = "application/json"
                segs = [s for s in path.split("/") if s]
                if not segs:
                    body = {"title": "siteselect test OAPIF", "links": [
                        {"href": f"{server.url}/conformance", "rel": "conformance", "type": ctype},
                        {"href": f"{server.url}/collections", "rel": "data", "type": ctype},
                        {"href": f"{server.url}/", "rel": "self", "type": ctype}]}
                elif segs == ["conformance"]:
                    body = {"conformsTo": [
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"]}
                elif segs == ["collections"]:
                    body = {"collections": [server._collection(c) for c in server.features],
                            "links": [{"href": f"{server.url}/collections", "rel": "self",
                                       "type": ctype}]}
                elif len(segs) == 2 and segs[0] == "collections" and segs[1] in server.features:
                    body = server._collection(segs[1])
                elif len(segs) == 3 and segs[0] == "collections" and segs[2] == "items" \
                        and segs[1] in server.features:
                    body = server._items(segs[1], query)
                    ctype = "application/geo+json"
                else:
                    self.send_response(404)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"code": "NotFound"}')
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


class OAPIFProcess:
    """Run :class:`OAPIFServer` on a GeoPackage in a child process; ``url`` once it listens."""

    def __init__(self, gpkg: str | Path, *, page_max: int = 7) -> None:
        self.log = Path(tempfile.mkstemp(prefix="oapif-", suffix=".log")[1])
        self._log_fh = self.log.open("w")
        self.proc = subprocess.Popen([sys.executable, __file__, str(gpkg), str(page_max)],
                                     stdout=subprocess.PIPE, stderr=self._log_fh, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"OAPIF test server did not start: {self.log.read_text()}")

    @property
    def requests(self) -> list[str]:
        return [ln[4:] for ln in self.log.read_text().splitlines() if ln.startswith("GET ")]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._log_fh.close()

    def __enter__(self) -> OAPIFProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    srv = OAPIFServer(sys.argv[1], page_max=int(sys.argv[2]))
    print(srv.url, flush=True)
    srv.httpd.serve_forever()
