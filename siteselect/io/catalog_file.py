"""Layer catalog files: which file and layer plays which role; reading and checking the YAML.

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
    Parse and check a catalog YAML into a :class:`Catalog` (loading its layers:
    :mod:`siteselect.io.catalog_load`; the ``layers check`` report:
    :mod:`siteselect.io.catalog`).
catalog_inputs
    The catalog file and every file it names.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siteselect.core.crs import resolve_work_crs
from siteselect.core.roles import ROLES
from siteselect.core.safe_read import load_yaml
from siteselect.errors import CRSError, LayerError, SiteSelectError
from siteselect.io.pg import parse_connection
from siteselect.io.read import embedded_path
from siteselect.io.source import LayerSource

#: Source formats a catalog entry may name.
FORMATS: tuple[str, ...] = (
    "auto", "csv_points", "scb_grid", "scb_tatorter", "osm_pbf", "detaljplan", "ebh", "nvr",
    "entsoe_buses", "osm_grid_vertices", "wpi_csv", "pypsa_ports",
    "nvdb", "ebh_points", "ngp_detaljplan", "postgis", "ogc_api_features", "wfs", "filegdb",
)

#: Importer formats: format -> (module, function, roles it can fill).
IMPORTERS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
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
TAKES_WORK_CRS = ("osm_pbf",)
#: Importer options that name files (resolved relative to the catalog like `path`).
PATH_OPTIONS = ("municipalities",)


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
        if fmt in IMPORTERS and role not in IMPORTERS[fmt][2]:
            problems.append(f"{where}.format: '{fmt}' cannot fill role '{role}' (it fills "
                            f"{', '.join(IMPORTERS[fmt][2])})")
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
            options={k: (str(_norm(base, str(v))) if k in PATH_OPTIONS and v else v)
                     for k, v in (entry.get("options") or {}).items()},
            **_remote_fields(entry, fmt, where),
        )
    region_crs = doc.get("crs")
    if region_crs is not None and not is_auto(region_crs):
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


def is_auto(value: Any) -> bool:
    """Whether a working-CRS value asks for ``auto`` (the UTM zone of the data)."""
    return isinstance(value, str) and value.strip().lower() == "auto"


def catalog_inputs(path: str | Path) -> list[Path]:
    """The catalog file and every file it names (its entries, their path options, the embedded file).

    A catalog that cannot be read yields only its own path: the layer loading reports why.
    """
    found = [Path(path)]
    try:
        cat = read_catalog(path)
    except (SiteSelectError, OSError):
        return found
    found.append(cat.embedded_file)
    for src in cat.sources.values():
        if src.path is not None:
            found.append(src.path)
        found += [Path(str(v)) for k, v in src.options.items() if k in PATH_OPTIONS and v]
    return found
