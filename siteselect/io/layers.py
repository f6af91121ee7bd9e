"""The way in for a run's layers: :func:`load_layers` from a catalog or the embedded default.

A *Layers* value is a plain ``dict[str, geopandas.GeoDataFrame]`` keyed by role
name (see :mod:`siteselect.core.roles`); every frame is in the region's working
CRS (SWEREF 99 TM, EPSG:3006, unless the catalog or scenario names another) and
carries the fields its role requires.

The stage's jobs live in their own modules:

* :mod:`siteselect.io.read`: reading files as they are (``read_layer``, ``list_layers``);
* :mod:`siteselect.io.work_crs`: the working CRS (``to_work_crs``, ``to_work_layers``);
* :mod:`siteselect.io.validate`: checking against roles (``check_layer``, ``validate_layer``);
* :mod:`siteselect.io.file_layers`: one file for a role, the embedded GeoPackage
  (``load_layer``, ``load_embedded``);
* :mod:`siteselect.io.catalog_file`, :mod:`siteselect.io.catalog_load`: catalogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siteselect.core.crs import lonlat_bounds, resolve_work_crs
from siteselect.io.catalog_load import load_catalog_layers
from siteselect.io.file_layers import load_embedded
from siteselect.io.read import Layers
from siteselect.io.work_crs import to_work_crs

__all__ = ["load_layers"]


def load_layers(catalog_path: str | Path | None = None, *,
                embedded: str | Path | None = None, crs: Any = None) -> Layers:
    """Load layers from a catalog YAML, or the embedded default when ``None``.

    Parameters
    ----------
    catalog_path
        Catalog YAML (format: :mod:`siteselect.io.catalog_file`; loading:
        :func:`siteselect.io.catalog_load.load_catalog_layers`); ``None`` for
        the embedded Västmanland layers.
    embedded
        Embedded GeoPackage to use instead of ``layers/vastmanland.gpkg``.
    crs
        A scenario's region ``crs`` (a projected CRS or ``"auto"``); overrides
        the catalog's ``crs``. Without either the working CRS is SWEREF 99 TM
        (EPSG:3006).

    Returns
    -------
    Layers
        ``{role: GeoDataFrame}`` in the working CRS, validated.

    Raises
    ------
    LayerError, CRSError
        Any catalog or layer problem (all layers' problems in one message).
    """
    if catalog_path is None:
        if crs is None:
            return load_embedded(embedded)
        raw = load_embedded(embedded)
        work = resolve_work_crs(crs, bounds_lonlat=lonlat_bounds(raw.values()),
                                where="scenario `crs`")
        out: Layers = {}
        for role, frame in raw.items():
            source = str(frame.attrs.get("source", role))
            out[role] = to_work_crs(frame, source=source, crs=work)
            out[role].attrs["source"] = source
        return out
    return load_catalog_layers(catalog_path, embedded=embedded, crs=crs)
