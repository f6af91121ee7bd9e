"""Layer catalogs: which file and layer plays which role.

A catalog is a YAML file::

    name: my-municipality              # optional
    crs: EPSG:3006                     # the region's working CRS (default); or `auto`, or
                                       # another projected CRS (see below)
    fallback: embedded                 # roles not listed come from the embedded default
    embedded: ../other.gpkg            # optional; default layers/vastmanland.gpkg
    roles:
      municipalities:
        path: data/kommuner.shp        # relative to the catalog file
        layer: kommuner                # GeoPackage layer (optional for one-layer files)
        format: auto                   # see FORMATS
        fields: {name: KOMMUNNAMN, kommun_kod: KOMMUNKOD}   # role_field: file_field
        crs: EPSG:3010                 # the file's own CRS, only when the file states none
        where: "LAN = '19'"            # OGR SQL attribute filter
        defaults: {owner: okänd}       # fill absent fields / nulls
        encoding: cp1252               # optional text encoding
        x_field: lon                   # CSV coordinate columns (auto/csv_points)
        y_field: lat
        options: {buffer_m: 50}        # keyword options of an importer format

Sources that are not plain files (read like files, then mapped, reprojected and
validated the same way; see :mod:`siteselect.io.remote`)::

      roads:                           # PostGIS table or view (or `sql: SELECT …`)
        format: postgis
        connection: gis                # libpq service; or `host=… dbname=… user=…`,
                                       # or `env:NAME`; empty = PG* variables.
                                       # Never a password (use ~/.pgpass / PGPASSWORD)
        table: public.vagar            # or sql: "SELECT id, klass, geom FROM …"
        geometry_column: geom          # only when the table has several
      protected_nature:
        format: ogc_api_features       # GDAL's OAPIF driver; follows paging
        url: https://example.org/ogc   # the service's landing page
        collection: naturreservat
        bbox: [15.4, 59.2, 17.0, 60.2] # longitude/latitude; optional
      ports:
        format: wfs                    # GDAL's WFS driver
        url: https://example.org/wfs
        typename: ns:hamnar
      candidates:
        format: filegdb                # an Esri File Geodatabase folder
        path: data/plan.gdb
        layer: detaljplaner

For the importer formats (``detaljplan``, ``ebh``, ``nvr`` …) ``fields`` overrides
the importer's assumed *source* field names (keys are listed in each importer's
docstring); the importer produces the role fields itself.

Two different ``crs`` keys: the top-level ``crs`` is the region's *working* CRS,
the one every layer is reprojected to and every length, area and buffer is
measured in (default SWEREF 99 TM, EPSG:3006; ``auto`` = the WGS 84 / UTM zone
of the data's centre; a geographic CRS is refused). A layer's ``crs`` is the CRS
its *source file* is in, for files that state none (CSV, some shapefiles); OSM
extracts are always WGS 84 and take none. A scenario's ``crs`` overrides the
catalog's. Layers outside the area the working CRS is made for are refused.

Functions
---------
read_catalog
    Parse and check a catalog YAML into a :class:`Catalog`.
load_catalog_layers
    Load every role of a catalog into a Layers dict (raises on problems).
check_catalog / format_report
    Check every layer, collecting problems, and print a table.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from siteselect.core.crs import DEFAULT_CRS, crs_label, join_errors, lonlat_bounds, resolve_work_crs
from siteselect.core.roles import ROLES
from siteselect.core.safe_read import load_yaml
from siteselect.errors import CRSError, LayerError, SiteSelectError
from siteselect.io.layers import (
    Layers,
    LayerWarning,
    apply_mapping,
    check_layer,
    check_layer_path,
    embedded_path,
    list_layers,
    read_layer,
    to_work_crs,
)

log = logging.getLogger(__name__)

#: Source formats a catalog entry may name.
FORMATS: tuple[str, ...] = (
    "auto", "csv_points", "scb_grid", "scb_tatorter", "osm_pbf", "detaljplan", "ebh", "nvr",
    "entsoe_buses", "osm_grid_vertices", "wpi_csv", "pypsa_ports",
    "nvdb", "ebh_points", "ngp_detaljplan", "postgis", "ogc_api_features", "wfs", "filegdb",
)

#: Importer formats: format -> (module, function, roles it can fill).
_IMPORTERS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
    "scb_grid": ("siteselect.io.population", "population_from_scb_grid", ("population",)),
    "scb_tatorter": ("siteselect.io.importers.scb", "layer_from_scb_tatorter",
                     ("towns", "urban_areas")),
    "osm_pbf": ("siteselect.io.importers.osm", "layer_from_osm_pbf",
                ("roads", "rail", "stations", "substations", "ports", "candidates")),
    "detaljplan": ("siteselect.io.importers.detaljplan", "candidates_from_detaljplan",
                   ("candidates",)),
    "ebh": ("siteselect.io.importers.ebh", "candidates_from_ebh", ("candidates",)),
    "nvr": ("siteselect.io.importers.nvr", "protected_nature_from_nvr", ("protected_nature",)),
    "nvdb": ("siteselect.io.importers.nvdb", "roads_from_nvdb", ("roads",)),
    "ebh_points": ("siteselect.io.importers.ebh", "contaminated_sites_from_ebh", ("contaminated_sites",)),
    "ngp_detaljplan": ("siteselect.io.importers.ngp_detaljplan", "candidates_from_ngp_detaljplan",
                       ("candidates",)),
    "entsoe_buses": ("siteselect.io.importers.grid", "substations_from_entsoe_buses",
                     ("substations",)),
    "osm_grid_vertices": ("siteselect.io.importers.grid", "substations_from_osm_grid_vertices",
                          ("substations",)),
    "wpi_csv": ("siteselect.io.importers.ports", "ports_from_wpi_csv", ("ports",)),
    "pypsa_ports": ("siteselect.io.importers.ports", "ports_from_pypsa_geojson", ("ports",)),
}

_ENTRY_KEYS = ("path", "layer", "format", "fields", "crs", "where", "defaults", "encoding",
               "x_field", "y_field", "options", "connection", "table", "sql", "geometry_column",
               "url", "collection", "typename", "bbox")
#: Keys of sources that are not files, by format (the first is required, one of a tuple).
_REMOTE_KEYS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "postgis": (("table", "sql"), ("connection",), ("geometry_column",)),
    "ogc_api_features": (("url",), ("collection",), ("bbox",)),
    "wfs": (("url",), ("typename",), ("bbox",)),
}
_TOP_KEYS = ("name", "description", "crs", "fallback", "embedded", "roles")
#: Importer formats that take the working CRS (they measure areas while importing).
_TAKES_WORK_CRS = ("osm_pbf",)
#: Formats whose entries take no source `crs` (the format fixes it).
_NO_SOURCE_CRS = ("osm_pbf", "scb_grid")
#: Importer options that name files (resolved relative to the catalog like `path`).
_PATH_OPTIONS = ("municipalities",)


@dataclass(frozen=True)
class LayerSource:
    """One catalog entry: where a role's layer comes from."""

    role: str
    path: Path | None
    """The file; ``None`` for sources that are not files (``postgis``, ``ogc_api_features``, ``wfs``)."""
    layer: str | None = None
    format: str = "auto"
    fields: Mapping[str, str] = field(default_factory=dict)
    crs: str | None = None
    where: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    x_field: str | None = None
    y_field: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    connection: str | None = None
    """PostGIS: libpq service, keywords / URI without password, or ``env:NAME``."""
    table: str | None = None
    sql: str | None = None
    geometry_column: str | None = None
    url: str | None = None
    """OGC API Features landing page or WFS endpoint."""
    bbox: tuple[float, float, float, float] | None = None
    """Longitude/latitude box for OGC services."""

    @property
    def label(self) -> str:
        """Where the layer comes from, for messages and provenance (never a password)."""
        if self.path is not None:
            return str(self.path)
        from siteselect.io.remote import source_label

        return source_label(self)


@dataclass(frozen=True)
class Catalog:
    """A parsed layer catalog."""

    path: Path
    sources: Mapping[str, LayerSource]
    name: str | None = None
    fallback: str | None = None
    embedded: Path | None = None
    crs: str | None = None
    """The region's working CRS as written (``None`` = EPSG:3006, ``"auto"``, or a CRS)."""

    @property
    def embedded_file(self) -> Path:
        return self.embedded if self.embedded is not None else embedded_path()


def _norm(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return Path(os.path.normpath(p if p.is_absolute() else (base / p).absolute()))


def read_catalog(path: str | Path, *, embedded: str | Path | None = None) -> Catalog:
    """Parse a catalog YAML and check its keys.

    Parameters
    ----------
    path
        The catalog file; entry paths are relative to its folder.
    embedded
        Embedded GeoPackage used for ``fallback: embedded`` (overrides the
        catalog's ``embedded`` key and the default ``layers/vastmanland.gpkg``).

    Raises
    ------
    LayerError
        File missing, not YAML, unknown keys/roles/formats, missing ``path``
        (all problems listed at once).
    """
    cat_path = Path(path)
    doc = load_yaml(cat_path, what="catalog", error=LayerError)
    if not isinstance(doc, dict):
        raise LayerError(f"catalog {cat_path}: expected a mapping with a `roles:` key.")
    problems: list[str] = []
    for key in doc:
        if key not in _TOP_KEYS:
            problems.append(f"unknown key '{key}' (allowed: {', '.join(_TOP_KEYS)})")
    fallback = doc.get("fallback")
    if fallback not in (None, "embedded", "none"):
        problems.append(f"fallback: '{fallback}' (allowed: embedded, none)")
    base = cat_path.parent
    emb: Path | None = Path(embedded) if embedded is not None else (
        _norm(base, str(doc["embedded"])) if doc.get("embedded") else None)
    roles_doc = doc.get("roles") or {}
    if not isinstance(roles_doc, dict):
        problems.append("`roles` must map role names to entries")
        roles_doc = {}
    sources: dict[str, LayerSource] = {}
    for role, entry in roles_doc.items():
        where = f"roles.{role}"
        if role not in ROLES:
            problems.append(f"{where}: unknown role (known: {', '.join(sorted(ROLES))})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with at least `path`")
            continue
        bad = [k for k in entry if k not in _ENTRY_KEYS]
        if bad:
            problems.append(f"{where}: unknown key(s) {bad} (allowed: {', '.join(_ENTRY_KEYS)})")
        fmt = str(entry.get("format", "auto"))
        if fmt not in FORMATS:
            problems.append(f"{where}.format: '{fmt}' unknown (known: {', '.join(FORMATS)})")
            continue
        remote = _remote_problems(entry, fmt, where)
        if remote:
            problems.extend(remote)
            continue
        if fmt not in _REMOTE_KEYS and not entry.get("path"):
            problems.append(f"{where}: `path` is missing")
            continue
        if fmt in _IMPORTERS and role not in _IMPORTERS[fmt][2]:
            problems.append(f"{where}.format: '{fmt}' cannot fill role '{role}' (it fills "
                            f"{', '.join(_IMPORTERS[fmt][2])})")
            continue
        if fmt in ("osm_pbf", "scb_grid"):
            opts = entry.get("options")
            if fmt == "osm_pbf" and (entry.get("crs") is not None
                                     or (isinstance(opts, dict) and "crs" in opts)):
                problems.append(f"{where}.crs: an OSM extract is always in WGS 84 and takes no "
                                "source `crs`; to choose the CRS the analysis runs in, set the "
                                "top-level `crs:` of the catalog (e.g. `crs: auto`) or of the "
                                "scenario")
            unused = [k for k in ("fields", "where", "crs", "encoding", "x_field", "y_field")
                      if entry.get(k) is not None and not (k == "crs" and fmt == "osm_pbf")]
            if unused:
                problems.append(f"{where}: format '{fmt}' does not take {unused}; its "
                                "keyword options go under `options`")
        elif fmt not in ("auto", "csv_points"):
            unused = [k for k in ("encoding", "x_field", "y_field") if entry.get(k) is not None]
            if unused:
                problems.append(f"{where}: format '{fmt}' does not take {unused}")
        for key in ("fields", "defaults", "options"):
            if entry.get(key) is not None and not isinstance(entry[key], dict):
                problems.append(f"{where}.{key}: expected a mapping")
        if isinstance(entry.get("options"), dict):
            problems.extend(_option_number_problems(where, entry["options"]))
        if problems:
            continue
        layer_name = entry.get("layer", entry.get("collection", entry.get("typename")))
        sources[role] = LayerSource(
            role=role,
            path=None if fmt in _REMOTE_KEYS else _norm(base, str(entry["path"])),
            layer=None if layer_name is None else str(layer_name),
            format=fmt,
            fields={str(k): str(v) for k, v in (entry.get("fields") or {}).items()},
            crs=None if entry.get("crs") is None else str(entry["crs"]),
            where=entry.get("where"),
            defaults=dict(entry.get("defaults") or {}),
            encoding=entry.get("encoding"),
            x_field=entry.get("x_field"),
            y_field=entry.get("y_field"),
            options={k: (str(_norm(base, str(v))) if k in _PATH_OPTIONS and v else v)
                     for k, v in (entry.get("options") or {}).items()},
            **_remote_fields(entry, fmt, where),
        )
    region_crs = doc.get("crs")
    if region_crs is not None and not _is_auto(region_crs):
        try:
            resolve_work_crs(region_crs, where="crs")
        except CRSError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise LayerError(f"catalog {cat_path}: {problems[0]}")
    if problems:
        raise LayerError(f"catalog {cat_path}: {len(problems)} problem(s):\n" +
                         "\n".join(f"  - {p}" for p in problems))
    return Catalog(path=cat_path, sources=sources, name=doc.get("name"),
                   fallback=fallback if fallback == "embedded" else None, embedded=emb,
                   crs=None if region_crs is None else str(region_crs))


#: Largest distance an importer option in metres (``buffer_m`` …) may state.
MAX_OPTION_M = 100_000.0


def _option_number_problems(where: str, options: Mapping[str, Any]) -> list[str]:
    """Numbers among importer options must be finite; distances (``*_m``) in 0 … 100 km."""
    probs = []
    for k, v in options.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if not math.isfinite(v):
            probs.append(f"{where}.options.{k}: found {v!r}; allowed: a finite number")
        elif str(k).endswith("_m") and not 0 <= v <= MAX_OPTION_M:
            probs.append(f"{where}.options.{k}: found {v!r}; allowed: 0 … {MAX_OPTION_M:g} metres")
    return probs


def _remote_problems(entry: Mapping[str, Any], fmt: str, where: str) -> list[str]:
    """Problems of the keys that belong to sources that are not files."""
    from siteselect.io.pg import parse_connection

    remote_keys = {k for spec in _REMOTE_KEYS.values() for keys in spec for k in keys}
    if fmt not in _REMOTE_KEYS:
        wrong = sorted(k for k in remote_keys if entry.get(k) is not None)
        if fmt == "filegdb":
            if entry.get("path") and not str(entry["path"]).rstrip("/\\").lower().endswith(".gdb"):
                return [f"{where}.path: format 'filegdb' reads a File Geodatabase folder whose "
                        "name ends in .gdb; fix `path`"]
        return [f"{where}: format '{fmt}' does not take {wrong}"] if wrong else []
    spec = _REMOTE_KEYS[fmt]
    allowed = {k for keys in spec for k in keys}
    out: list[str] = []
    wrong = sorted(k for k in remote_keys | {"path", "encoding", "x_field", "y_field", "options"}
                   if entry.get(k) is not None and k not in allowed)
    if wrong:
        out.append(f"{where}: format '{fmt}' does not take {wrong}")
    if fmt != "postgis" and entry.get("layer") is not None:
        out.append(f"{where}: format '{fmt}' names its layer with `{spec[1][0]}`, not `layer`")
    need = [spec[0]] + ([spec[1]] if fmt != "postgis" else [])
    for keys in need:
        given = [k for k in keys if entry.get(k)]
        if not given:
            out.append(f"{where}: format '{fmt}' needs `{'` or `'.join(keys)}`")
        elif len(given) > 1:
            out.append(f"{where}: give only one of {given}")
    if entry.get("url") is not None and not str(entry["url"]).lower().startswith(
            ("http://", "https://")):
        out.append(f"{where}.url: '{entry['url']}' is not an http(s) URL")
    bbox = entry.get("bbox")
    if bbox is not None:
        ok = isinstance(bbox, list) and len(bbox) == 4 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
        if not ok or not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90):
            out.append(f"{where}.bbox: expected [min_lon, min_lat, max_lon, max_lat] in degrees "
                       f"(WGS 84), got {bbox!r}")
    if fmt == "postgis" and entry.get("connection") is not None:
        try:
            parse_connection(str(entry["connection"]), where=f"{where}.connection",
                             error=LayerError)
        except LayerError as exc:
            out.append(str(exc))
    return out


def _remote_fields(entry: Mapping[str, Any], fmt: str, where: str) -> dict[str, Any]:
    if fmt not in _REMOTE_KEYS:
        return {}
    bbox = entry.get("bbox")
    return {
        "connection": None if entry.get("connection") is None else str(entry["connection"]),
        "table": None if entry.get("table") is None else str(entry["table"]),
        "sql": None if entry.get("sql") is None else str(entry["sql"]),
        "geometry_column": None if entry.get("geometry_column") is None
        else str(entry["geometry_column"]),
        "url": None if entry.get("url") is None else str(entry["url"]),
        "bbox": None if bbox is None else tuple(float(v) for v in bbox),
    }


def _importer(fmt: str) -> Callable[..., gpd.GeoDataFrame]:
    module, func, _ = _IMPORTERS[fmt]
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise LayerError(f"format '{fmt}' needs {module}, which cannot be imported ({exc}).") \
            from exc
    fn = getattr(mod, func, None)
    if fn is None:
        raise LayerError(f"format '{fmt}': {module} has no function {func}.")
    return fn  # type: ignore[no-any-return]


def read_source(src: LayerSource, *, work_crs: Any = None) -> gpd.GeoDataFrame:
    """Read one catalog entry into a frame with the role's field names (not validated).

    Generic formats (``auto``, ``csv_points``) are read with
    :func:`siteselect.io.layers.read_layer` and renamed with ``fields``; importer
    formats call their importer. ``defaults`` are applied in both cases. The
    result keeps the source CRS for generic formats (see :func:`load_source`).
    ``work_crs`` (the region's working CRS, or ``"auto"``) goes to importers
    that measure while importing (``osm_pbf``); default EPSG:3006.
    """
    if src.path is None:
        from siteselect.io.remote import read_remote

        return apply_mapping(read_remote(src), fields=src.fields, defaults=src.defaults,
                             source=src.label)
    try:
        check_layer_path(src.path)
        for key in _PATH_OPTIONS:
            if src.options.get(key):
                check_layer_path(src.options[key])
    except LayerError as exc:
        raise LayerError(f"catalog role '{src.role}': {exc}") from exc
    if src.format in ("auto", "csv_points", "filegdb"):
        gdf = read_layer(src.path, layer=src.layer, crs=src.crs, where=src.where,
                         encoding=src.encoding, x_field=src.x_field, y_field=src.y_field)
        return apply_mapping(gdf, fields=src.fields, defaults=src.defaults,
                             source=str(src.path), layer=src.layer)
    fn = _importer(src.format)
    kwargs: dict[str, Any] = dict(src.options)
    if src.format == "scb_grid":
        kwargs.setdefault("layer", src.layer)
    elif src.format == "osm_pbf":
        kwargs["role"] = src.role
        kwargs["crs"] = DEFAULT_CRS if work_crs is None else work_crs
    else:
        kwargs.update(layer=src.layer, fields=dict(src.fields) or None, where=src.where,
                      crs=src.crs)
        if src.format == "scb_tatorter":
            kwargs["role"] = src.role
    try:
        gdf = fn(src.path, **kwargs)
    except SiteSelectError:
        raise
    except TypeError as exc:
        raise LayerError(f"catalog role '{src.role}' ({src.path}): bad `options` for format "
                         f"'{src.format}': {exc}.") from exc
    except Exception as exc:  # a library error inside an importer
        raise LayerError(f"{src.path}: format '{src.format}' failed: {exc}. Check that the "
                         "file is complete and of that format.") from exc
    return apply_mapping(gdf, defaults=src.defaults, source=str(src.path), layer=src.layer)


def load_source(src: LayerSource, *, crs: Any = None,
                raw: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Read, reproject and validate one catalog entry (warnings as LayerWarning).

    ``crs`` is the working CRS (projected; default EPSG:3006); ``raw`` the
    entry as already read with :func:`read_source`.
    """
    from siteselect.io.layers import source_label, validate_layer

    frame = read_source(src, work_crs=crs) if raw is None else raw
    layer = src.layer if src.path is not None else None
    gdf = to_work_crs(frame, source=src.label, layer=layer, crs=crs,
                      layer_crs_key=src.format not in _NO_SOURCE_CRS)
    out = validate_layer(gdf, src.role, source=src.label, layer=layer, crs=crs)
    out.attrs["source"] = f"{source_label(src.label, layer)} (format {src.format})"
    return out


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "auto"


def _read_raw(cat: Catalog, spec: Any, where: str
              ) -> tuple[pyproj.CRS | None, dict[str, gpd.GeoDataFrame], dict[str, SiteSelectError]]:
    """Read every entry of a catalog and settle the working CRS.

    Returns the working CRS (``None`` when ``auto`` found nothing to centre
    on), the entries as read, and the problem of each entry that failed.
    With ``auto`` the entries are read first and the CRS is the UTM zone of
    their centre (the fallback's layers count only when the catalog lists
    none); an importer entry read in another zone is read again in it.
    """
    from siteselect.io.layers import load_embedded

    work = None if _is_auto(spec) else resolve_work_crs(spec, where=where)
    raws: dict[str, gpd.GeoDataFrame] = {}
    errors: dict[str, SiteSelectError] = {}
    for role, src in cat.sources.items():
        try:
            raws[role] = read_source(src, work_crs="auto" if work is None else work)
        except SiteSelectError as exc:
            errors[role] = exc
    if work is None:
        box = lonlat_bounds(raws.values())
        if box is None and cat.fallback == "embedded" and not errors:
            try:
                box = lonlat_bounds(load_embedded(cat.embedded_file).values())
            except SiteSelectError:
                box = None
        if box is None:
            return None, raws, errors
        work = resolve_work_crs(spec, bounds_lonlat=box, where=where)
        for role, frame in list(raws.items()):
            src = cat.sources[role]
            if src.format in _TAKES_WORK_CRS and frame.crs is not None \
                    and not pyproj.CRS(frame.crs).equals(work, ignore_axis_order=True):
                try:
                    raws[role] = read_source(src, work_crs=work)
                except SiteSelectError as exc:
                    errors[role] = exc
                    del raws[role]
    return work, raws, errors


def _region_spec(cat: Catalog, crs: Any) -> tuple[Any, str]:
    """The working-CRS value that applies (the scenario's over the catalog's) and its origin."""
    if crs is not None:
        return crs, f"scenario `crs: {crs}`"
    if cat.crs is not None:
        return cat.crs, f"catalog {cat.path}: `crs: {cat.crs}`"
    return None, f"the default: no `crs` in catalog {cat.path} or the scenario"


def load_catalog_layers(path: str | Path, *, embedded: str | Path | None = None,
                        crs: Any = None) -> Layers:
    """Load every role of a catalog (plus embedded fallbacks) as a Layers dict.

    Parameters
    ----------
    path
        Catalog YAML.
    embedded
        Embedded GeoPackage for ``fallback: embedded`` (default: the catalog's
        ``embedded`` key, else ``layers/vastmanland.gpkg``).
    crs
        The region's working CRS from a scenario (a projected CRS or
        ``"auto"``); overrides the catalog's ``crs``. Default: the catalog's,
        else SWEREF 99 TM (EPSG:3006).

    Raises
    ------
    LayerError
        Any catalog or layer problem; problems of all layers are listed in one
        error. Required roles that are neither listed nor available from the
        fallback are reported too.
    """
    from siteselect.io.layers import load_embedded

    cat = read_catalog(path, embedded=embedded)
    spec, origin = _region_spec(cat, crs)
    work, raws, failed = _read_raw(cat, spec, origin)
    out: Layers = {}
    errors: list[Exception] = list(failed.values())
    if work is None:
        errors.append(LayerError(f"{origin}: `auto` found no layer to centre on; name a "
                                 "projected CRS."))
        raise LayerError(join_errors(errors, origin=origin))
    for role, raw in raws.items():
        try:
            out[role] = load_source(cat.sources[role], crs=work, raw=raw)
        except SiteSelectError as exc:
            errors.append(exc)
    if cat.fallback == "embedded":
        emb = cat.embedded_file
        try:
            names = list_layers(emb)
        except LayerError as exc:
            names = []
            errors.append(LayerError(f"catalog {cat.path}: fallback: embedded, but {exc}"))
        rest = [n for n in names if n in ROLES and n not in cat.sources]
        if rest:
            try:
                out.update(load_embedded(emb, roles=rest, crs=work))
            except SiteSelectError as exc:
                errors.append(exc)
    missing = [r for r, s in ROLES.items() if s.required and r not in out
               and r not in cat.sources]
    if missing and not errors:
        errors.append(LayerError(f"catalog {cat.path}: required roles {missing} are neither "
                                 "listed nor in the fallback. Add them under `roles:` or set "
                                 "`fallback: embedded`."))
    if errors:
        raise LayerError(join_errors(errors, origin=origin))
    return out


# ----------------------------------------------------------------------------- check


@dataclass
class LayerRow:
    """One line of a check report."""

    role: str
    source: str
    layer: str | None
    format: str
    features: int | None = None
    crs: str = ""
    geometry_types: str = ""
    repaired: int = 0
    dropped: int = 0
    fields_mapped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckReport:
    """Outcome of :func:`check_catalog`."""

    catalog: Path
    rows: list[LayerRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    work_crs: str = ""
    """The working CRS the layers were checked in, and where it came from."""

    @property
    def ok(self) -> bool:
        """True when no blocking problem was found."""
        return not self.problems and all(r.ok for r in self.rows)

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 when any blocking problem was found."""
        return 0 if self.ok else 1


def _check_one(row: LayerRow, reader: Callable[[], gpd.GeoDataFrame], *, crs: Any = None,
               layer_crs_key: bool = True) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", LayerWarning)
        try:
            raw = reader()
            row.crs = crs_label(raw.crs)
            gdf = to_work_crs(raw, source=row.source, layer=row.layer, crs=crs,
                              layer_crs_key=layer_crs_key)
            chk = check_layer(gdf, row.role, source=row.source, layer=row.layer)
        except SiteSelectError as exc:
            row.problems.append(str(exc))
            chk = None
    row.warnings.extend(str(w.message) for w in rec if issubclass(w.category, LayerWarning))
    if chk is None:
        return
    row.features = len(chk.frame)
    row.repaired, row.dropped = chk.repaired, chk.dropped
    types = chk.frame.geometry.geom_type.value_counts() if len(chk.frame) else pd.Series()
    row.geometry_types = ", ".join(f"{t}" for t in types.index)
    row.problems.extend(chk.problems)
    row.warnings.extend(chk.warnings)


def check_catalog(path: str | Path, *, embedded: str | Path | None = None,
                  crs: Any = None) -> CheckReport:
    """Check every layer of a catalog without stopping at the first problem.

    Parameters
    ----------
    path
        Catalog YAML.
    embedded
        Embedded GeoPackage for ``fallback: embedded``.
    crs
        Working CRS overriding the catalog's ``crs`` (as a scenario's would).

    Returns
    -------
    CheckReport
        One row per role (catalog entries, then embedded fallbacks), with
        features, source CRS, geometry types, repaired/dropped counts, fields
        mapped and problems; ``report.exit_code`` is non-zero when any blocking
        problem was found. Print it with :func:`format_report`.
    """
    report = CheckReport(catalog=Path(path))
    try:
        cat = read_catalog(path, embedded=embedded)
        spec, origin = _region_spec(cat, crs)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always", LayerWarning)
            work, raws, failed = _read_raw(cat, spec, origin)
    except LayerError as exc:
        report.problems.append(str(exc))
        return report
    read_warnings = [str(w.message) for w in rec if issubclass(w.category, LayerWarning)]
    if work is None:
        report.problems.append(f"{origin}: `auto` found no layer to centre on; name a "
                               "projected CRS.")
    else:
        report.work_crs = f"{crs_label(work)}, from {origin}" if spec is not None \
            else f"{crs_label(work)}, {origin}"

    def reader(role: str) -> gpd.GeoDataFrame:
        if role in failed:
            raise failed[role]
        return raws[role]

    for role, src in cat.sources.items():
        row = LayerRow(role=role, source=src.label,
                       layer=src.layer if src.path is not None else None, format=src.format,
                       fields_mapped=len(src.fields))
        row.warnings.extend(w for w in read_warnings if src.label in w)
        if work is None and role not in failed:
            row.problems.append("not checked: no working CRS (see below).")
        else:
            _check_one(row, lambda role=role: reader(role), crs=work,  # type: ignore[misc]
                       layer_crs_key=src.format not in _NO_SOURCE_CRS)
        report.rows.append(row)
    if cat.fallback == "embedded":
        emb = cat.embedded_file
        try:
            names = list_layers(emb)
        except LayerError as exc:
            report.problems.append(f"fallback: embedded, but {exc}")
            names = []
        for name in names:
            if name in ROLES and name not in cat.sources:
                row = LayerRow(role=name, source=str(emb), layer=name, format="embedded")
                _check_one(row, lambda n=name: read_layer(emb, layer=n),  # type: ignore[misc]
                           crs=work)
                report.rows.append(row)
    have = {r.role for r in report.rows}
    missing = [r for r, s in ROLES.items() if s.required and r not in have]
    if missing and not report.problems:
        report.problems.append(f"required roles {missing} are neither listed nor in the "
                               "fallback; add them under `roles:` or set `fallback: embedded`.")
    return report


def format_report(report: CheckReport) -> str:
    """The check report as a plain-text table followed by problems and warnings."""
    head = ("role", "format", "features", "CRS (source)", "geometry", "repaired", "dropped",
            "mapped", "status")
    lines = [tuple(head)]
    for r in report.rows:
        lines.append((r.role, r.format, "-" if r.features is None else str(r.features),
                      r.crs or "-", r.geometry_types or "-", str(r.repaired), str(r.dropped),
                      str(r.fields_mapped),
                      "OK" if r.ok else f"{len(r.problems)} problem(s)"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = [f"Layer catalog {report.catalog}"]
    if report.work_crs:
        out.append(f"Working CRS: {report.work_crs}")
    for i, row in enumerate(lines):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    for r in report.rows:
        if r.problems or r.warnings:
            out.append("")
            out.append(f"{r.role}: {r.source}" + (f" (layer '{r.layer}')" if r.layer else ""))
            out.extend(f"  PROBLEM: {p}" for p in r.problems)
            out.extend(f"  warning: {w}" for w in r.warnings)
    if report.problems:
        out.append("")
        out.extend(f"PROBLEM: {p}" for p in report.problems)
    out.append("")
    n_bad = sum(1 for r in report.rows if not r.ok) + len(report.problems)
    out.append("All layers OK." if report.ok else f"{n_bad} blocking problem(s) found.")
    return "\n".join(out)
