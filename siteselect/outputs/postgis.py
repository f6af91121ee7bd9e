"""Results to PostGIS: the ranking, isochrones and layers of a run in one schema, styled for QGIS.

:func:`write_postgis` writes what :func:`siteselect.outputs.gpkg.write_geopackage` writes
to a GeoPackage, into a PostgreSQL schema instead: one table per layer (a
``geom`` column typed with the working CRS's SRID and a ``fid`` key), table
``siteselect_metadata`` (scenario YAML, provenance, time, CRS), and one row per
layer in PostGIS's ``public.layer_styles``, the table QGIS itself reads and
writes (its column convention: ``f_table_catalog`` … ``update_time``), so each
layer opens in QGIS with its style as default.

Everything happens in one transaction: a failure leaves the database as it
was. Only the schema's own tables of the same names, and the ``layer_styles``
rows of those tables, are replaced; a schema that holds tables siteselect did
not write is refused unless ``overwrite`` is given. The connection is named as
for PostGIS sources (:mod:`siteselect.io.pg`): never with a password.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from siteselect.core.crs import crs_text
from siteselect.core.labels import labels_for
from siteselect.errors import CRSError, OutputError
from siteselect.io.pg import connect, describe, parse_connection, scrub
from siteselect.outputs.gpkg import ISOCHRONES_LAYER, METADATA_TABLE, RANKING_LAYER, _gpkg_ready, _style_for

__all__ = ["LAYER_STYLES_SQL", "read_postgis_styles", "write_postgis"]

_STYLE_NAME = "siteselect"
#: QGIS's own definition of ``layer_styles`` for PostgreSQL (as QGIS 3.x creates it).
LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS public.layer_styles (
    id SERIAL PRIMARY KEY,
    f_table_catalog varchar,
    f_table_schema varchar,
    f_table_name varchar,
    f_geometry_column varchar,
    stylename text,
    styleqml xml,
    stylesld xml,
    useasdefault boolean,
    description text,
    owner varchar(63) DEFAULT CURRENT_USER,
    ui xml,
    update_time timestamp DEFAULT CURRENT_TIMESTAMP,
    type varchar
)
"""
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _pg_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "bigint"
    if kind == "f":
        return "double precision"
    if kind == "M":
        return "timestamp"
    return "text"


def _geometry_type(frame: gpd.GeoDataFrame) -> tuple[str, bool]:
    """The column's typmod geometry type, and whether singles must become multis."""
    types = set(frame.geometry.geom_type.dropna())
    if len(types) == 1:
        return next(iter(types)), False
    bases = {t.removeprefix("Multi") for t in types}
    if len(bases) == 1 and bases <= {"Point", "LineString", "Polygon"}:
        return "Multi" + next(iter(bases)), True
    return "Geometry", False


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _create_and_fill(cur: Any, schema: str, name: str, frame: gpd.GeoDataFrame, srid: int) -> None:
    from psycopg import sql

    cols = [c for c in frame.columns if c != frame.geometry.name]
    gtype, promote = _geometry_type(frame)
    defs: list[sql.Composable] = [sql.SQL("fid bigserial PRIMARY KEY")]
    defs += [sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(_pg_type(frame[c]))) for c in cols]
    defs.append(sql.SQL("geom geometry({}, {})").format(sql.SQL(gtype), sql.Literal(srid)))
    table = sql.Identifier(schema, name)
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(defs)))
    geoms = frame.geometry.values
    if promote:
        single = shapely.get_type_id(geoms) != shapely.get_type_id(geoms).max()
        fixed = geoms.copy()
        fixed[single] = [shapely.multipolygons([g]) if g.geom_type == "Polygon" else
                         shapely.multilinestrings([g]) if g.geom_type == "LineString" else
                         shapely.multipoints([g]) for g in geoms[single]]
        geoms = fixed
    wkb = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    names = sql.SQL(", ").join([sql.Identifier(str(c)) for c in cols] + [sql.Identifier("geom")])
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
        for rec, g in zip(frame[cols].itertuples(index=False, name=None), wkb, strict=True):
            copy.write_row([_cell(v) for v in rec] + [g])
    cur.execute(sql.SQL("CREATE INDEX ON {} USING GIST (geom)").format(table))


def write_postgis(
    connection: str | None,
    *,
    schema: str,
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None = None,
    scenario_yaml: str,
    provenance: Mapping[str, Any],
    lang: str = "sv",
    overwrite: bool = False,
) -> str:
    """Write a run's layers, ranking and isochrones into a PostGIS schema with QGIS styles.

    Parameters
    ----------
    connection
        libpq service name, keywords or URI without a password, ``env:NAME``,
        or ``None`` for the PG* environment variables (see :mod:`siteselect.io.pg`).
    schema
        Target schema (lower-case letters, digits, ``_``); created when absent.
    ranking, layers, isochrones, scenario_yaml, provenance, lang
        As for :func:`siteselect.outputs.gpkg.write_geopackage`.
    overwrite
        Replace same-named tables in a schema that holds tables siteselect did
        not write (never other tables).

    Returns
    -------
    str
        A label of where the results went (no password).

    Raises
    ------
    OutputError
        Bad schema name, refused connection, a schema holding other data
        without ``overwrite``, missing PostGIS, or a database error; nothing is
        left half-written.
    CRSError
        The ranking has no CRS, or its CRS has no EPSG code (PostGIS needs an SRID).
    """
    labels_for(lang)
    if not _NAME.match(schema):
        raise OutputError(f"schema '{schema}': use lower-case letters, digits and _ (at most 63), "
                          "starting with a letter, e.g. `siteselect`.")
    params = parse_connection(connection, where="--to", error=OutputError)
    target = f"{describe(params)} schema {schema}"
    if ranking.crs is None:
        raise CRSError("ranking has no CRS; set the working CRS before writing to PostGIS")
    work = ranking.crs
    srid = work.to_epsg()
    if not srid:
        raise CRSError(f"the working CRS {crs_text(work)} has no EPSG code, which PostGIS needs as "
                       "SRID; run with an EPSG CRS (`crs:` in the scenario).")
    frames: dict[str, gpd.GeoDataFrame] = {}
    for role, frame in layers.items():
        if frame is not None and role not in (RANKING_LAYER, ISOCHRONES_LAYER, METADATA_TABLE):
            frames[role] = _gpkg_ready(frame, what=role, crs=work)
    frames[RANKING_LAYER] = _gpkg_ready(ranking, what=RANKING_LAYER, crs=work)
    if isochrones is not None and len(isochrones):
        frames[ISOCHRONES_LAYER] = _gpkg_ready(isochrones, what=ISOCHRONES_LAYER, crs=work)
    meta = {"scenario_yaml": scenario_yaml,
            "provenance": json.dumps(dict(provenance), ensure_ascii=False, default=str, sort_keys=True),
            "written_at_utc": datetime.now(UTC).isoformat(timespec="seconds"), "crs": crs_text(work)}

    from psycopg import Error as PgError
    from psycopg import sql

    with connect(params, what=f"--to {describe(params)}", error=OutputError, autocommit=False) as con:
        try:
            with con.transaction(), con.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
                if cur.fetchone() is None:
                    raise OutputError(f"{target}: the database has no PostGIS extension; run "
                                      "`CREATE EXTENSION postgis;` there (or ask its owner).")
                cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                            (schema,))
                existing = {str(r[0]) for r in cur.fetchall()}
                if existing and METADATA_TABLE not in existing and not overwrite:
                    raise OutputError(f"{target}: the schema holds tables siteselect did not write "
                                      f"({sorted(existing)[:5]}); choose another --schema, or add "
                                      "--overwrite to replace only the tables of the same names.")
                cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                names = [*frames, METADATA_TABLE]
                for name in names:
                    if name in existing:
                        cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, name)))
                for name, frame in frames.items():
                    _create_and_fill(cur, schema, name, frame, srid)
                cur.execute(sql.SQL("CREATE TABLE {} (key text PRIMARY KEY, value text)").format(
                    sql.Identifier(schema, METADATA_TABLE)))
                cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(
                    sql.Identifier(schema, METADATA_TABLE)), list(meta.items()))
                cur.execute(LAYER_STYLES_SQL)
                cur.execute("SELECT current_database()")
                database = str(cur.fetchone()[0])  # type: ignore[index]
                cur.execute("DELETE FROM public.layer_styles WHERE f_table_catalog = %s AND "
                            "f_table_schema = %s AND f_table_name = ANY(%s) AND stylename = %s",
                            (database, schema, list(frames), _STYLE_NAME))
                rows = []
                for name, frame in frames.items():
                    qml, desc = _style_for(name, frame, lang=lang)
                    rows.append((database, schema, name, "geom", _STYLE_NAME, qml, desc))
                cur.executemany(
                    "INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, stylename, styleqml, stylesld, useasdefault, description, ui) "
                    "VALUES (%s, %s, %s, %s, %s, XMLPARSE(DOCUMENT %s), NULL, true, %s, NULL)", rows)
        except PgError as exc:
            text = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else "", params)
            raise OutputError(f"{target}: the database refused the export ({text}); nothing was "
                              "written. Fix: check the user's rights to create the schema and "
                              "tables and to write public.layer_styles.") from None
    return target


def read_postgis_styles(connection: str | None, *, schema: str) -> pd.DataFrame:
    """The ``layer_styles`` rows of the tables in ``schema`` (one per stored QGIS style).

    Raises
    ------
    OutputError
        Refused connection, or no ``layer_styles`` table.
    """
    from psycopg import Error as PgError

    params = parse_connection(connection, where="connection", error=OutputError)
    with connect(params, what=describe(params), error=OutputError) as con:
        try:
            cur = con.execute("SELECT * FROM public.layer_styles WHERE f_table_schema = %s ORDER BY id",
                              (schema,))
            cols = [d.name for d in (cur.description or [])]
            return pd.DataFrame(cur.fetchall(), columns=cols)
        except PgError as exc:
            raise OutputError(f"{describe(params)}: no readable public.layer_styles "
                              f"({scrub(str(exc).strip(), params)}); was a run exported there?") from None
