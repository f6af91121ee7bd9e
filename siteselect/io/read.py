"""Reading layer files as they are: the gate on paths, formats, encodings and stated CRSs.

Reading always goes through pyogrio (``pyogrio.read_dataframe``; GeoParquet
through ``geopandas.read_parquet``). Input files are only ever opened for
reading. Library errors (GDAL, SQLite, Arrow) are wrapped into
:class:`~siteselect.errors.LayerError` naming the file. Nothing here checks a
layer against its role (see :mod:`siteselect.io.validate`) or reprojects it
(see :mod:`siteselect.io.work_crs`).

A *Layers* value is a plain ``dict[str, geopandas.GeoDataFrame]`` keyed by role
name (see :mod:`siteselect.core.roles`).

Functions
---------
read_layer
    Read one file/layer as it is (CRS stated when the file has none).
list_layers
    Names of the layers in a file.
check_layer_path
    The gate every layer path passes before GDAL opens it.
embedded_path
    Where the embedded Västmanland GeoPackage is.
"""

from __future__ import annotations

import stat
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from siteselect.core.crs import crs_label
from siteselect.errors import CRSError, LayerError

Layers = dict[str, gpd.GeoDataFrame]
"""Layers keyed by role name, every frame in the region's working CRS."""


class LayerWarning(UserWarning):
    """A layer was repaired or read with an assumption the user should know about."""


def embedded_path() -> Path:
    """Path of the embedded Västmanland GeoPackage (``layers/vastmanland.gpkg`` in a checkout)."""
    from siteselect.core.embedded import data_file

    return data_file("vastmanland.gpkg")


# ----------------------------------------------------------------------------- reading


def source_label(path: Path | str, layer: str | None) -> str:
    return f"{path}" + (f" (layer '{layer}')" if layer else "")


#: Layer formats that are folders rather than files.
FOLDER_FORMATS = (".gdb",)
#: Files beside a shapefile that GDAL opens with it.
_SHP_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


def check_layer_path(path: str | Path) -> None:
    """The gate every layer path passes before GDAL opens it.

    Only regular files are read (and folders of folder formats such as a
    FileGDB ``.gdb``): a FIFO, a device such as ``/dev/zero``, a socket or a
    plain folder is refused without being opened, so nothing blocks. For a
    shapefile the files GDAL opens beside it (``.dbf``, ``.prj`` …) are checked
    too.

    Raises
    ------
    LayerError
        Naming the path and the fix.
    """
    from siteselect.core.safe_read import check_input_file

    p = Path(path)
    try:
        st = check_input_file(p, what="layer", error=LayerError, folder_suffixes=FOLDER_FORMATS)
    except LayerError as exc:
        if not p.exists() and not p.is_symlink():
            raise LayerError(f"layer {p}: file not found. Check the path (catalog paths are relative "
                             "to the catalog file).") from exc
        raise
    if p.suffix.lower() == ".shp":
        for suffix in _SHP_SIDECARS:
            for side in (p.with_suffix(suffix), p.with_suffix(suffix.upper())):
                if side.exists() or side.is_symlink():
                    check_input_file(side, what="layer", error=LayerError)
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:
        raise LayerError(f"layer {p}: the file is empty (0 bytes). Export the layer again.")


def _check_file(path: Path) -> None:
    check_layer_path(path)


def _wrap(path: Path, layer: str | None, exc: Exception) -> LayerError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    hint = "Check that the file is complete and in a format GDAL reads (GeoPackage, GeoJSON, " \
           "Shapefile, GeoParquet, CSV)."
    low = text.lower()
    if "malformed" in low or "not a database" in low or "truncat" in low or "corrupt" in low:
        hint = "The file looks damaged or truncated; copy or export it again."
    if "layer" in low and ("not found" in low or "does not exist" in low):
        hint = "Name one of the file's layers (see `ogrinfo FILE` or pyogrio.list_layers)."
    return LayerError(f"{source_label(path, layer)}: cannot be read: {text}. {hint}")


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a file (raises LayerError naming the file)."""
    p = Path(path)
    _check_file(p)
    import pyogrio

    try:
        return [str(n) for n, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # GDAL/SQLite errors of any kind
        raise _wrap(p, None, exc) from exc


def _has_cpg(path: Path) -> bool:
    return any(path.with_suffix(s).exists() for s in (".cpg", ".CPG"))


def _dbf_ldid(path: Path) -> int:
    for s in (".dbf", ".DBF"):
        dbf = path.with_suffix(s)
        if dbf.exists():
            with dbf.open("rb") as fh:
                head = fh.read(32)
            return head[29] if len(head) > 29 else 0
    return 0


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c != "geometry" and
            (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))]


def _count_replacement_chars(df: pd.DataFrame) -> int:
    n = 0
    for c in _text_columns(df):
        s = df[c].dropna().astype(str)
        n += int(s.str.contains("\ufffd", regex=False).sum())
    return n


def _read_ogr(path: Path, layer: str | None, *, where: str | None,
              encoding: str | None, **kwargs: Any) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        return pyogrio.read_dataframe(path, layer=layer, where=where, encoding=encoding,
                                      **kwargs)
    except UnicodeDecodeError:
        raise
    except Exception as exc:
        raise _wrap(path, layer, exc) from exc


def _check_shp_header(path: Path) -> None:
    """Warn when the .shp header's file length disagrees with the real size."""
    with path.open("rb") as fh:
        head = fh.read(28)
    if len(head) < 28:
        raise LayerError(f"{path}: the .shp file is shorter than its 100-byte header; it is "
                         "truncated. Export the layer again.")
    claimed = int.from_bytes(head[24:28], "big", signed=True) * 2
    actual = path.stat().st_size
    if claimed != actual:
        warnings.warn(f"{path}: the .shp header claims {claimed:,} bytes but the file has "
                      f"{actual:,}; read the records present. Export the layer again if "
                      "features are missing.", LayerWarning, stacklevel=4)


def _read_shapefile(path: Path, layer: str | None, *, where: str | None,
                    encoding: str | None) -> gpd.GeoDataFrame:
    """Read a shapefile; without .cpg/LDID try UTF-8, then cp1252, then latin-1."""
    _check_shp_header(path)
    if encoding or _has_cpg(path) or _dbf_ldid(path):
        try:
            return _read_ogr(path, layer, where=where, encoding=encoding)
        except UnicodeDecodeError as exc:
            raise LayerError(f"{path}: text fields are not in the stated encoding "
                             f"{encoding!r}: {exc}. State the right one (catalog key "
                             "`encoding`, or fix the .cpg file).") from exc
    try:
        return _read_ogr(path, layer, where=where, encoding="utf-8")
    except UnicodeDecodeError:
        pass
    for enc in ("cp1252", "latin-1"):
        try:
            gdf = _read_ogr(path, layer, where=where, encoding=enc)
        except UnicodeDecodeError:
            continue
        warnings.warn(
            f"{path}: no .cpg file and the .dbf text is not UTF-8; read it as {enc}. "
            f"If names look wrong, add {path.with_suffix('.cpg').name} stating the encoding "
            "(e.g. 'UTF-8' or '1252').",
            LayerWarning, stacklevel=3)
        return gpd.GeoDataFrame(gdf)
    raise LayerError(f"{path}: the .dbf text is neither UTF-8, cp1252 nor latin-1. Add a "
                     ".cpg file stating its encoding.")


def _raise_if_bad_prj(path: Path, exc: LayerError | None) -> None:
    """When a shapefile cannot be read because of its ``.prj``, say so naming the ``.prj``."""
    from siteselect.core.safe_read import read_text

    for suffix in (".prj", ".PRJ"):
        prj = path.with_suffix(suffix)
        if not prj.is_file():
            continue
        text = read_text(prj, what="layer", error=CRSError, max_bytes=1024 * 1024)
        try:
            pyproj.CRS.from_user_input(text)
        except Exception as bad:  # pyproj.exceptions.CRSError and friends
            detail = " ".join(str(bad).split())[:160] or "empty"
            raise CRSError(f"{prj}: the .prj file of {path.name} is not a CRS definition ({detail}); "
                           "export the layer again with its .prj, or delete the .prj and state the CRS "
                           "(catalog key `crs`)") from (exc or bad)
        return


def _read_csv(path: Path, *, where: str | None, encoding: str | None,
              x_field: str | None, y_field: str | None,
              crs: str | int | None) -> gpd.GeoDataFrame:
    df = _read_ogr(path, None, where=where, encoding=encoding, read_geometry=False)
    cols = {str(c).lower(): str(c) for c in df.columns}
    xf = x_field or next((cols[c] for c in ("x", "lon", "longitude", "lng", "easting", "e")
                          if c in cols), None)
    yf = y_field or next((cols[c] for c in ("y", "lat", "latitude", "northing", "n")
                          if c in cols), None)
    if "geometry" in df.columns:  # GDAL may expose a WKT column
        df = df.drop(columns="geometry")
    if xf is None or yf is None or xf not in df.columns or yf not in df.columns:
        raise LayerError(
            f"{path}: CSV needs coordinate columns; found columns {list(df.columns)}. "
            "Name them with catalog keys `x_field` and `y_field` (e.g. lon / lat).")
    x = pd.to_numeric(df[xf], errors="coerce")
    y = pd.to_numeric(df[yf], errors="coerce")
    bad = (x.isna() | y.isna()).to_numpy()
    if bad.any():
        rows = list(np.flatnonzero(bad)[:5] + 2)  # +2: header line and 1-based
        warnings.warn(f"{path}: {int(bad.sum())} rows have missing or non-numeric "
                      f"coordinates in '{xf}'/'{yf}' (lines {rows}…); they get no geometry "
                      "and are dropped.", LayerWarning, stacklevel=3)
    geom = gpd.points_from_xy(x.to_numpy(float), y.to_numpy(float))
    geom[bad] = None
    return gpd.GeoDataFrame(df, geometry=geom, crs=crs)


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | int | None = None,
    where: str | None = None,
    encoding: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer of a file as it is, without validation or reprojection.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile, GeoParquet (``.parquet``), CSV with
        coordinate columns, or any other vector format GDAL reads.
    layer
        Layer name for multi-layer files (GeoPackage); default the first layer.
    crs
        CRS to use when the file states none (for CSV: the coordinates' CRS,
        default EPSG:4326 when the columns are named lon/lat). A stated CRS that
        contradicts the file's own raises :class:`CRSError`.
    where
        OGR SQL attribute filter, e.g. ``"status = 'gällande'"``; for GeoParquet
        a pandas ``DataFrame.query`` expression (``"status == 'gällande'"``).
    encoding
        Text encoding of the file (default: the file's own statement; for
        shapefiles without ``.cpg`` UTF-8, then cp1252 / latin-1 with a warning).
    x_field, y_field
        CSV coordinate columns (default: x/lon/longitude and y/lat/latitude).

    Returns
    -------
    GeoDataFrame in the file's CRS (or the stated one).

    Raises
    ------
    LayerError
        Missing, empty, damaged or unreadable file; missing layer.
    CRSError
        The file has no CRS and none was stated, or the stated one contradicts it.
    """
    p = Path(path)
    _check_file(p)
    suffix = p.suffix.lower()
    if layer is not None and suffix not in (".parquet", ".csv", ".shp"):
        names = list_layers(p)
        if layer not in names:
            raise LayerError(f"{p}: has no layer '{layer}'; its layers are {names}. Fix the "
                             "layer name (catalog key `layer`).")
    if suffix == ".parquet":
        try:
            gdf = gpd.read_parquet(p)
        except ImportError as exc:
            raise LayerError(f"{p}: reading GeoParquet needs pyarrow ({exc}). Install it "
                             "(`pip install pyarrow`) or convert the file to GeoPackage.") from exc
        except Exception as exc:
            raise _wrap(p, None, exc) from exc
        if where:
            gdf = gdf.query(where)
    elif suffix == ".csv":
        csv_crs = crs
        if csv_crs is None and x_field is None:
            probe = _read_ogr(p, None, where=None, encoding=encoding, read_geometry=False,
                              max_features=1)
            cols = {str(c).lower() for c in probe.columns}
            if {"lon", "lat"} <= cols or {"longitude", "latitude"} <= cols:
                csv_crs = "EPSG:4326"
        if csv_crs is None:
            raise CRSError(f"{p}: a CSV carries no CRS; state it (catalog key `crs`, e.g. "
                           "EPSG:3006 or EPSG:4326), or name the columns lon/lat for WGS 84.")
        gdf = _read_csv(p, where=where, encoding=encoding, x_field=x_field, y_field=y_field,
                        crs=csv_crs)
        return gdf
    elif suffix == ".shp":
        try:
            gdf = _read_shapefile(p, layer, where=where, encoding=encoding)
        except LayerError as exc:
            _raise_if_bad_prj(p, exc)
            raise
        if gdf.crs is None and crs is None:  # GDAL ignores a .prj it cannot parse
            _raise_if_bad_prj(p, None)
    else:
        try:
            gdf = _read_ogr(p, layer, where=where, encoding=encoding)
        except UnicodeDecodeError as exc:
            raise LayerError(f"{source_label(p, layer)}: text is not in encoding "
                             f"{encoding or 'UTF-8'}: {exc}. State the encoding (catalog key "
                             "`encoding`).") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise LayerError(f"{source_label(p, layer)}: has no geometry column. Use a spatial layer, "
                         "or a CSV with coordinate columns.")
    nbad = _count_replacement_chars(gdf)
    if nbad:
        warnings.warn(f"{source_label(p, layer)}: {nbad} text values contain the replacement "
                      "character '\ufffd' (text in an unexpected encoding). State the "
                      "encoding (catalog key `encoding`).", LayerWarning, stacklevel=2)
    if crs is not None:
        stated = _parse_crs(crs, p, layer)
        if gdf.crs is None:
            gdf = gdf.set_crs(stated)
        elif not pyproj.CRS(gdf.crs).equals(stated, ignore_axis_order=True):
            raise CRSError(f"{source_label(p, layer)}: the catalog states CRS {crs} but the file says "
                           f"{crs_label(gdf.crs)}. Remove the stated `crs` or fix the file.")
    return gdf



def _parse_crs(crs: Any, path: Path | str, layer: str | None) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(crs)
    except Exception as exc:
        raise CRSError(f"{source_label(Path(path), layer)}: stated CRS {crs!r} is not understood "
                       f"({exc}). Use an EPSG code such as EPSG:3006.") from exc

