"""Catalog sources that are not files: PostGIS, OGC API Features and WFS.

Each reader returns the source's features as a GeoDataFrame in the source's
own CRS, exactly as :func:`siteselect.io.read.read_layer` does for a file, so
the catalog maps, reprojects and validates them like any file layer.

* ``postgis``: a table or view (``table: schema.name``) or a query
  (``sql: SELECT …``), read with psycopg: the GDAL that pyogrio's wheels carry
  has no PostgreSQL driver. The geometry column and its SRID come from
  PostGIS's ``geometry_columns`` (or, for a query, from the column's type and
  ``ST_SRID``). See :mod:`siteselect.io.pg` for the connection.
* ``ogc_api_features`` and ``wfs``: GDAL's OAPIF and WFS drivers through
  pyogrio; they follow the server's paging (``next`` links, ``startIndex``).
  ``bbox`` is given in longitude/latitude (WGS 84) and sent to the server in
  the collection's own CRS. HTTP waits are bounded (``GDAL_HTTP_TIMEOUT``
  60 s, connect 20 s, unless set in the environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from siteselect.errors import CRSError, LayerError
from siteselect.io.pg import connect, parse_connection, scrub
from siteselect.io.source import LayerSource

#: Formats read by this module: format -> reader name.
REMOTE_FORMATS = ("postgis", "ogc_api_features", "wfs")
_GDAL_PREFIX = {"ogc_api_features": "OAPIF:", "wfs": "WFS:"}
_HTTP_DEFAULTS = {"GDAL_HTTP_TIMEOUT": "60", "GDAL_HTTP_CONNECTTIMEOUT": "20"}


def read_remote(src: LayerSource) -> gpd.GeoDataFrame:
    """Read a remote catalog entry in its own CRS (not mapped, not validated).

    Raises
    ------
    LayerError
        Naming the source and the fix: refused connection, missing table or
        collection, missing geometry column, missing SRID, bad SQL, server error.
    """
    if src.format == "postgis":
        return _read_postgis(src)
    return _read_ogc(src)


# ----------------------------------------------------------------------------- PostGIS


def _split_table(name: str) -> tuple[str | None, str]:
    parts = [p.strip().strip('"') for p in name.split(".")]
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise LayerError(f"table '{name}': write it as `name` or `schema.name`.")


def _read_postgis(src: LayerSource) -> gpd.GeoDataFrame:
    from psycopg import Error as PgError
    from psycopg import sql as pgsql

    label = src.label
    where = f"catalog role '{src.role}' ({label})"
    params = parse_connection(src.connection, where=f"catalog role '{src.role}': `connection`",
                              error=LayerError)
    with connect(params, what=f"catalog role '{src.role}'", error=LayerError) as con:
        try:
            with con.cursor() as cur:
                cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
                if cur.fetchone() is None:
                    raise LayerError(f"{where}: the database has no PostGIS extension. Fix: "
                                     "`CREATE EXTENSION postgis;` there, or point `connection` at "
                                     "the database that holds the layer.")
                if src.table:
                    base, geom, srid = _table_geometry(cur, src, where)
                else:
                    base, geom, srid = _query_geometry(cur, src, where)
                geom_oids = _geometry_oids(cur)
                cur.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(base))
                others = [d.name for d in (cur.description or [])
                          if d.name != geom and d.type_code not in geom_oids]
                query = pgsql.SQL("SELECT {}, ST_AsBinary({}) FROM {}").format(
                    pgsql.SQL(", ").join([pgsql.Identifier(c) for c in others]) if others
                    else pgsql.SQL("1"),
                    pgsql.Identifier(geom), base)
                if src.where:
                    query = pgsql.SQL("{} WHERE {}").format(query, pgsql.SQL(src.where))  # type: ignore[arg-type]
                cur.execute(query)
                rows = cur.fetchall()
        except PgError as exc:
            text = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else "", params)
            raise LayerError(f"{where}: the database refused the query: {text}. Fix the "
                             "`table`, `sql` or `where` of this entry.") from None
    frame = pd.DataFrame([r[:-1] for r in rows], columns=others if others else ["_one"])
    if not others:
        frame = frame.drop(columns="_one")
    wkb = [None if r[-1] is None else bytes(r[-1]) for r in rows]
    geoms = shapely.from_wkb(wkb)
    crs: Any = pyproj.CRS.from_epsg(srid) if srid else None
    if crs is None:
        if src.crs is None:
            raise CRSError(f"{where}: the geometry column '{geom}' has no SRID (0). Fix: set it in "
                           f"the database (SELECT UpdateGeometrySRID('{src.table or 'table'}', "
                           f"'{geom}', 3006);) or state the CRS with the entry's `crs:` key.")
        crs = src.crs
    elif src.crs is not None and not pyproj.CRS(src.crs).equals(crs, ignore_axis_order=True):
        raise CRSError(f"{where}: the catalog states CRS {src.crs} but the column's SRID is "
                       f"{srid}. Remove the stated `crs` or fix the SRID.")
    for c in frame.columns:  # numeric → float/int, Decimal → float
        if frame[c].map(lambda v: type(v).__name__ == "Decimal").any():
            frame[c] = pd.to_numeric(frame[c])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=crs)


def _geometry_oids(cur: Any) -> set[int]:
    cur.execute("SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')")
    return {int(r[0]) for r in cur.fetchall()}


def _table_geometry(cur: Any, src: LayerSource, where: str) -> tuple[Any, str, int]:
    from psycopg import sql as pgsql

    schema, name = _split_table(str(src.table))
    ident = pgsql.Identifier(schema, name) if schema else pgsql.Identifier(name)
    cur.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
                (ident.as_string(cur),))
    found = cur.fetchone()
    if found is None:
        cur.execute("SELECT f_table_schema || '.' || f_table_name FROM geometry_columns "
                    "ORDER BY 1 LIMIT 20")
        have = [r[0] for r in cur.fetchall()]
        raise LayerError(f"{where}: table or view '{src.table}' does not exist (or the user may "
                         f"not see it). Fix `table`; spatial tables there: {have or 'none'}.")
    schema, name = found
    cur.execute("SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_schema = %s "
                "AND f_table_name = %s ORDER BY f_geometry_column", (schema, name))
    cols = {str(c): int(s or 0) for c, s in cur.fetchall()}
    if not cols:
        raise LayerError(f"{where}: table '{schema}.{name}' has no geometry column. Fix: name a "
                         "spatial table or view, or give a `sql:` query that selects a geometry.")
    geom = _choose_geometry(cols, src, where)
    base = pgsql.Identifier(schema, name)
    srid = cols[geom] or _data_srid(cur, base, geom, where)
    return base, geom, srid


def _query_geometry(cur: Any, src: LayerSource, where: str) -> tuple[Any, str, int]:
    from psycopg import sql as pgsql

    text = str(src.sql).strip().rstrip(";")
    base = pgsql.SQL("({}) AS siteselect_query").format(pgsql.SQL(text))  # type: ignore[arg-type]
    oids = _geometry_oids(cur)
    cur.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(base))
    cols = {d.name: 0 for d in (cur.description or []) if d.type_code in oids}
    if not cols:
        raise LayerError(f"{where}: the `sql` query selects no geometry column. Fix: select the "
                         "geometry (e.g. `SELECT id, name, geom FROM …`).")
    geom = _choose_geometry(cols, src, where)
    return base, geom, _data_srid(cur, base, geom, where)


def _choose_geometry(cols: dict[str, int], src: LayerSource, where: str) -> str:
    if src.geometry_column:
        if src.geometry_column not in cols:
            raise LayerError(f"{where}: no geometry column '{src.geometry_column}'; its geometry "
                             f"columns are {sorted(cols)}. Fix `geometry_column`.")
        return src.geometry_column
    if len(cols) > 1:
        raise LayerError(f"{where}: has several geometry columns {sorted(cols)}; name one with "
                         "`geometry_column`.")
    return next(iter(cols))


def _data_srid(cur: Any, base: Any, geom: str, where: str) -> int:
    """The single SRID of a column without a typmod (0 when none is set)."""
    from psycopg import sql as pgsql

    cur.execute(pgsql.SQL("SELECT DISTINCT ST_SRID({g}) FROM {b} WHERE {g} IS NOT NULL LIMIT 3")
                .format(g=pgsql.Identifier(geom), b=base))
    srids = sorted(int(r[0]) for r in cur.fetchall())
    if len(srids) > 1:
        raise CRSError(f"{where}: geometry column '{geom}' mixes SRIDs {srids}. Fix: transform "
                       "them to one (ST_Transform) in a view or a `sql:` query.")
    return srids[0] if srids else 0


# ----------------------------------------------------------------------------- OGC services


@contextmanager
def _http_limits() -> Iterator[None]:
    import pyogrio

    keep = {k: pyogrio.get_gdal_config_option(k) for k in _HTTP_DEFAULTS}
    pyogrio.set_gdal_config_options({k: os.environ.get(k, v) for k, v in _HTTP_DEFAULTS.items()})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(keep)


def _bbox_in(bbox: Sequence[float], crs: Any) -> tuple[float, float, float, float]:
    if crs is None:
        return (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    tr = pyproj.Transformer.from_crs("OGC:CRS84", crs, always_xy=True)
    x0, y0, x1, y1 = tr.transform_bounds(float(bbox[0]), float(bbox[1]), float(bbox[2]),
                                         float(bbox[3]), densify_pts=21)
    return (x0, y0, x1, y1)


def _read_ogc(src: LayerSource) -> gpd.GeoDataFrame:
    import pyogrio

    label = src.label
    where = f"catalog role '{src.role}' ({label})"
    parts = urlsplit(src.url or "")
    if parts.username or parts.password:
        raise LayerError(f"catalog role '{src.role}': `url` holds a user name or password; never "
                         "write credentials in a catalog: remove them and set GDAL_HTTP_USERPWD "
                         "(user:password) in the environment instead.")
    ds = _GDAL_PREFIX[src.format] + str(src.url)
    with _http_limits():
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(ds)]
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LayerError(f"{where}: cannot read the service: {text}. Fix: check the URL (the "
                             "service's landing page) and that the server is reachable from "
                             "here.") from None
        if src.layer not in names:
            kind = "collection" if src.format == "ogc_api_features" else "typename"
            raise LayerError(f"{where}: the service has no {kind} '{src.layer}'; it has "
                             f"{names[:20]}. Fix `{kind}`.")
        bbox = None
        if src.bbox is not None:
            info = pyogrio.read_info(ds, layer=src.layer)
            bbox = _bbox_in(src.bbox, info.get("crs"))
        try:
            gdf = pyogrio.read_dataframe(ds, layer=src.layer, bbox=bbox, where=src.where)
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LayerError(f"{where}: reading the features failed: {text}. Fix: check the "
                             "`where` filter and that the service is complete.") from None
    if src.crs is not None and gdf.crs is None:
        gdf = gdf.set_crs(src.crs)
    return gdf
