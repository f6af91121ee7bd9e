"""Naturvårdsverket protected areas → ``protected_nature``.

Reads Naturvårdsregistret (NVR) exports — naturreservat, nationalpark,
naturminne, biotopskydd … — and Natura 2000 files (SPA/SCI) from
Naturvårdsverket's "Skyddade områden" downloads.

Assumed source fields (case-insensitive; override with ``fields=``):

=========  ======================================================================
key        file fields looked for, in order
=========  ======================================================================
name       ``NAMN``, ``SITENAME``, ``name``, ``namn``
kind       ``SKYDDSTYP``, ``SITETYPE``, ``kind``, ``typ``
status     ``BESLSTATUS``, ``status``          (optional)
id         ``NVRID``, ``SITECODE``, ``id``     (optional; kept as ``nvr_id``)
=========  ======================================================================

``kind`` is lower-cased (``Naturreservat`` → ``naturreservat``). Natura 2000
``SITETYPE`` codes become ``natura2000_spa`` (A), ``natura2000_sci`` (B) and
``natura2000_spa_sci`` (C). Areas whose status is ``Upphävt`` (revoked) are
dropped; ``Överklagat`` (appealed) areas are kept. Point features (naturminne
points) are buffered by ``point_buffer_m`` when given, otherwise rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np

from siteselect.errors import LayerError
from siteselect.io.importers._common import column, read_source, remap, resolve_fields, text

ASSUMED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "name": ("NAMN", "SITENAME", "name", "namn"),
    "kind": ("SKYDDSTYP", "SITETYPE", "kind", "typ"),
    "status": ("BESLSTATUS", "status"),
    "id": ("NVRID", "SITECODE", "id"),
}

_NATURA = {"A": "natura2000_spa", "B": "natura2000_sci", "C": "natura2000_spa_sci"}


def protected_nature_from_nvr(
    path: str | Path,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    where: str | None = None,
    crs: str | int | None = None,
    point_buffer_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Protected areas from an NVR or Natura 2000 file.

    Parameters
    ----------
    path, layer, where, crs
        File, layer, OGR SQL filter, CRS when the file states none.
    fields
        ``{key: file_field}`` overriding the assumed fields (see module docstring).
    point_buffer_m
        Radius for point features (naturminne points); ``None`` rejects points.

    Returns
    -------
    GeoDataFrame (EPSG:3006) with ``name``, ``kind``, ``nvr_id``, ``status``.

    Raises
    ------
    MissingFieldError
        Name or kind field not found.
    LayerError
        Point features without ``point_buffer_m``.
    """
    src = read_source(path, layer=layer, where=where, crs=crs)
    f = resolve_fields(src, ASSUMED_FIELDS, fields, required=("name", "kind"),
                       source=str(path), layer=layer)
    kind = text(column(src, f["kind"]))
    kind = remap(kind, lambda k: None if k is None else _NATURA.get(k, k.lower()))
    status = text(column(src, f["status"]))
    geoms = src.geometry
    is_point = geoms.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if is_point.any():
        if point_buffer_m is None:
            raise LayerError(
                f"{path}" + (f" (layer '{layer}')" if layer else "") +
                f": {int(is_point.sum())} point features, but protected_nature takes areas. "
                "Use the polygon layer, or give `options: {point_buffer_m: 50}` to buffer "
                "points.")
        geoms = geoms.copy()
        geoms[is_point] = geoms[is_point].buffer(float(point_buffer_m))
    out = gpd.GeoDataFrame(
        {"name": text(column(src, f["name"])), "kind": kind,
         "nvr_id": text(column(src, f["id"])), "status": status},
        geometry=geoms.to_numpy(), crs=src.crs)
    revoked = np.array([bool(s) and s.lower().startswith("upphäv") for s in status])
    return out.loc[~revoked].reset_index(drop=True)
