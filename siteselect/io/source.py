"""A catalog entry: where one role's layer comes from (:class:`LayerSource`).

Kept apart from the catalog reader (:mod:`siteselect.io.catalog_file`) so that
the readers of each kind of source (files, :mod:`siteselect.io.remote`) take
an entry without importing the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from siteselect.errors import LayerError
from siteselect.io.pg import describe, parse_connection

#: Formats whose entries take no source ``crs`` (the format fixes it: OSM is WGS 84, SCB grids SWEREF 99 TM).
FIXED_CRS_FORMATS: tuple[str, ...] = ("osm_pbf", "scb_grid")


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
        return _remote_label(self)

    @property
    def takes_source_crs(self) -> bool:
        """Whether the entry may state the CRS of its source (its format does not fix it)."""
        return self.format not in FIXED_CRS_FORMATS



def _remote_label(src: LayerSource) -> str:
    """A label for a remote source with no password or URL credentials in it."""
    if src.format == "postgis":
        try:
            conn = describe(parse_connection(src.connection, where="", error=LayerError,
                                             allow_password=True))
        except LayerError:
            conn = "PostgreSQL"
        what = f"table {src.table}" if src.table else "SQL query"
        return f"PostGIS {what} via {conn}"
    kind = "OGC API Features collection" if src.format == "ogc_api_features" else "WFS type"
    return f"{kind} '{src.layer}' at {_public_url(src.url or '')}"


def _public_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password or parts.username:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return url
