"""Loading a catalog's sources: files, importer formats and services, reprojected and validated.

A catalog entry (:class:`~siteselect.io.source.LayerSource`) is read
(:func:`read_source`: a file with :func:`~siteselect.io.read.read_layer`, an
importer format with its importer, a service with :mod:`siteselect.io.remote`),
its fields mapped, then reprojected to the working CRS and checked against its
role (:func:`load_source`). :func:`load_catalog_layers` does it for every entry
of a catalog plus the embedded fallbacks, settling the working CRS first
(:func:`read_entries`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj

from siteselect.core.crs import DEFAULT_CRS, join_errors, lonlat_bounds, resolve_work_crs
from siteselect.core.roles import ROLES
from siteselect.errors import LayerError, SiteSelectError
from siteselect.io.catalog_file import IMPORTERS, PATH_OPTIONS, TAKES_WORK_CRS, Catalog, is_auto, read_catalog
from siteselect.io.file_layers import load_embedded
from siteselect.io.read import Layers, check_layer_path, list_layers, read_layer, source_label
from siteselect.io.remote import read_remote
from siteselect.io.source import LayerSource
from siteselect.io.validate import apply_mapping, validate_layer
from siteselect.io.work_crs import to_work_crs

log = logging.getLogger(__name__)


def _importer(fmt: str) -> Callable[..., gpd.GeoDataFrame]:
    module, func, _ = IMPORTERS[fmt]
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
    :func:`siteselect.io.read.read_layer` and renamed with ``fields``; importer
    formats call their importer. ``defaults`` are applied in both cases. The
    result keeps the source CRS for generic formats (see :func:`load_source`).
    ``work_crs`` (the region's working CRS, or ``"auto"``) goes to importers
    that measure while importing (``osm_pbf``); default EPSG:3006.
    """
    if src.path is None:
        return apply_mapping(read_remote(src), fields=src.fields, defaults=src.defaults,
                             source=src.label)
    try:
        check_layer_path(src.path)
        for key in PATH_OPTIONS:
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
    frame = read_source(src, work_crs=crs) if raw is None else raw
    layer = src.layer if src.path is not None else None
    gdf = to_work_crs(frame, source=src.label, layer=layer, crs=crs,
                      layer_crs_key=src.takes_source_crs)
    out = validate_layer(gdf, src.role, source=src.label, layer=layer, crs=crs)
    out.attrs["source"] = f"{source_label(src.label, layer)} (format {src.format})"
    return out


def read_entries(cat: Catalog, spec: Any, where: str
              ) -> tuple[pyproj.CRS | None, dict[str, gpd.GeoDataFrame], dict[str, SiteSelectError]]:
    """Read every entry of a catalog and settle the working CRS.

    Returns the working CRS (``None`` when ``auto`` found nothing to centre
    on), the entries as read, and the problem of each entry that failed.
    With ``auto`` the entries are read first and the CRS is the UTM zone of
    their centre (the fallback's layers count only when the catalog lists
    none); an importer entry read in another zone is read again in it.
    """
    work = None if is_auto(spec) else resolve_work_crs(spec, where=where)
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
            if src.format in TAKES_WORK_CRS and frame.crs is not None \
                    and not pyproj.CRS(frame.crs).equals(work, ignore_axis_order=True):
                try:
                    raws[role] = read_source(src, work_crs=work)
                except SiteSelectError as exc:
                    errors[role] = exc
                    del raws[role]
    return work, raws, errors


def region_crs_spec(cat: Catalog, crs: Any) -> tuple[Any, str]:
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
    cat = read_catalog(path, embedded=embedded)
    spec, origin = region_crs_spec(cat, crs)
    work, raws, failed = read_entries(cat, spec, origin)
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
