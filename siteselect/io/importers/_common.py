"""Shared helpers of the importers (private)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteselect.errors import LayerError, MissingFieldError
from siteselect.io.read import read_layer
from siteselect.io.work_crs import to_work_crs


def read_source(path: str | Path, *, layer: str | None = None, where: str | None = None,
                crs: str | int | None = None, encoding: str | None = None,
                x_field: str | None = None, y_field: str | None = None) -> gpd.GeoDataFrame:
    """Read a file with :func:`siteselect.io.read.read_layer` and reproject to EPSG:3006, the CRS of
    the Swedish sources (a catalog then reprojects to the region's working CRS)."""
    gdf = read_layer(path, layer=layer, where=where, crs=crs, encoding=encoding,
                     x_field=x_field, y_field=y_field)
    return to_work_crs(gdf, source=str(path), layer=layer)


def read_columns(path: str | Path) -> pd.DataFrame:
    """First row of a table (e.g. CSV) without geometry, to resolve field names."""
    import pyogrio

    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        raise LayerError(f"{p}: file not found or empty.")
    try:
        frame: pd.DataFrame = pyogrio.read_dataframe(p, read_geometry=False, max_features=1)
        return frame
    except Exception as exc:
        raise LayerError(f"{p}: cannot be read: {exc}. Check the file.") from exc


def resolve_fields(
    gdf: pd.DataFrame,
    assumed: Mapping[str, Sequence[str]],
    overrides: Mapping[str, str] | None,
    *,
    required: Sequence[str],
    source: str,
    layer: str | None = None,
) -> dict[str, str | None]:
    """Pick the file field for each logical field.

    ``assumed`` lists candidate names per logical field (matched case-insensitively);
    ``overrides`` names them explicitly. Raises one MissingFieldError listing every
    required logical field that cannot be found.
    """
    overrides = dict(overrides or {})
    unknown = [k for k in overrides if k not in assumed]
    cols = {str(c).lower(): str(c) for c in gdf.columns if c != "geometry"}
    out: dict[str, str | None] = {}
    problems: list[str] = []
    if unknown:
        problems.append(f"unknown field key(s) {unknown}; this importer knows "
                        f"{sorted(assumed)}")
    for key, candidates in assumed.items():
        if key in overrides:
            name: str | None = overrides[key]
            if name not in gdf.columns:
                problems.append(f"'{key}' mapped to '{name}', which is not in the file")
                name = None
            out[key] = name
            continue
        out[key] = next((cols[c.lower()] for c in candidates if c.lower() in cols), None)
        if out[key] is None and key in required:
            problems.append(f"no field for '{key}' (looked for {list(candidates)})")
    if problems:
        where = f"{source}" + (f" (layer '{layer}')" if layer else "")
        raise MissingFieldError(
            f"{where}: " + "; ".join(problems) + f". The file has {sorted(cols.values())}. "
            "Name the file fields in the catalog (`fields: {KEY: FILE_FIELD}`).")
    return out


def remap(series: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """Apply ``fn`` to each value, keeping None as None (object dtype)."""
    return pd.Series([fn(v) for v in series], index=series.index, dtype=object)


def column(gdf: pd.DataFrame, name: str | None, default: object = None) -> pd.Series:
    """The named column, or a column of ``default`` when ``name`` is None."""
    if name is None:
        return pd.Series([default] * len(gdf), index=gdf.index, dtype=object)
    return gdf[name]


def text(series: pd.Series) -> pd.Series:
    """Strings stripped; empty strings and NaN become None."""
    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        s = str(v).strip()
        if isinstance(v, float) and float(v).is_integer():
            s = str(int(v))
        return s or None
    return pd.Series([one(v) for v in series], index=series.index, dtype=object)


_NUM = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def max_number(value: object, *, sep: str = ";") -> float | None:
    """Highest number in a ``;``-joined string ('400000;130000' → 400000.0)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    nums = [float(m.replace(",", ".")) for part in str(value).split(sep)
            for m in _NUM.findall(part)]
    return max(nums) if nums else None

