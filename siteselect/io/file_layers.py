"""One file's layer loaded for a role, and the embedded GeoPackage (one layer per role).

:func:`load_layer` is the whole way in for one file: read it
(:mod:`siteselect.io.read`), map its fields, reproject it
(:mod:`siteselect.io.work_crs`) and check it against its role
(:mod:`siteselect.io.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from siteselect.core.roles import ROLES
from siteselect.errors import LayerError
from siteselect.io.read import Layers, embedded_path, list_layers, read_layer, source_label
from siteselect.io.validate import apply_mapping, validate_layer
from siteselect.io.work_crs import to_work_crs


def load_layer(
    path: str | Path,
    role: str,
    *,
    layer: str | None = None,
    crs: str | int | None = None,
    where: str | None = None,
    fields: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    encoding: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
    work_crs: Any = None,
) -> gpd.GeoDataFrame:
    """Read, map, reproject and validate one layer for one role.

    Parameters are those of :func:`read_layer` and :func:`apply_mapping`;
    ``crs`` is the CRS of the source data (used when the file states none),
    ``work_crs`` the region's working CRS (default EPSG:3006).

    Returns
    -------
    GeoDataFrame in the working CRS that meets the role.

    Raises
    ------
    LayerError, MissingFieldError, CRSError
        See :func:`read_layer` and :func:`validate_layer`.
    """
    gdf = read_layer(path, layer=layer, crs=crs, where=where, encoding=encoding,
                     x_field=x_field, y_field=y_field)
    gdf = apply_mapping(gdf, fields=fields, defaults=defaults, source=str(path), layer=layer)
    gdf = to_work_crs(gdf, source=str(path), layer=layer, crs=work_crs)
    out = validate_layer(gdf, role, source=str(path), layer=layer, crs=work_crs)
    out.attrs["source"] = source_label(Path(path), layer)
    return out


def load_embedded(
    path: str | Path | None = None,
    *,
    roles: Iterable[str] | None = None,
    crs: Any = None,
) -> Layers:
    """Load the embedded Västmanland layers (one GeoPackage layer per role).

    Parameters
    ----------
    path
        GeoPackage to read; default :func:`embedded_path` (``layers/vastmanland.gpkg``
        beside the package).
    roles
        Roles to load; default every layer of the file whose name is a role.
        GeoPackage layers with other names are ignored.
    crs
        Working CRS to reproject to; default SWEREF 99 TM (EPSG:3006), the
        file's own.

    Returns
    -------
    Layers
        ``{role: GeoDataFrame}`` in the working CRS, validated.

    Raises
    ------
    LayerError
        The file is missing/damaged, a requested role is not in it, a required
        role (:attr:`RoleSpec.required`) is missing when all roles are loaded,
        or a layer fails validation (all layer problems listed in one error).
    """
    p = Path(path) if path is not None else embedded_path()
    names = list_layers(p)
    if roles is None:
        wanted = [n for n in names if n in ROLES]
        missing_req = [r for r, s in ROLES.items() if s.required and r not in names]
        if missing_req:
            raise LayerError(f"{p}: required role layer(s) {missing_req} missing; the file has "
                             f"{names}. Add them (one GeoPackage layer per role, named as the "
                             "role).")
    else:
        wanted = list(roles)
        unknown = [r for r in wanted if r not in ROLES]
        absent = [r for r in wanted if r in ROLES and r not in names]
        if unknown or absent:
            raise LayerError(f"{p}: roles {unknown + absent} cannot be loaded "
                             f"({'unknown roles ' + str(unknown) + '; ' if unknown else ''}"
                             f"layers in the file: {names}).")
    out: Layers = {}
    errors: list[str] = []
    for role in wanted:
        try:
            out[role] = load_layer(p, role, layer=role, work_crs=crs)
        except LayerError as exc:
            errors.append(str(exc))
    if errors:
        raise LayerError("\n".join(errors))
    return out

