"""Reading, validating and reprojecting layers; the ``Layers`` dict.

A *Layers* value is a plain ``dict[str, geopandas.GeoDataFrame]`` keyed by role
name (see :mod:`siteselect.core.roles`); every frame is in the region's working CRS
(SWEREF 99 TM, EPSG:3006, unless the catalog or scenario names another; see
:mod:`siteselect.core.crs`) and carries the fields its role requires.

Reading always goes through pyogrio (``pyogrio.read_dataframe``; GeoParquet
through ``geopandas.read_parquet``). Input files are only ever opened for
reading. Library errors (GDAL, SQLite, Arrow) are wrapped into
:class:`~siteselect.errors.LayerError` naming the file.

Validation collects *every* problem of a layer and raises one error listing
them all. Safe repairs are made with a :class:`LayerWarning`: invalid
geometries are repaired with ``shapely.make_valid``, null/empty geometries are
dropped, single-part multi-points become points.

Functions
---------
read_layer
    Read one file/layer as it is (CRS stated when the file has none).
to_work_crs
    Check a frame's CRS and coordinates and reproject it to the working CRS.
check_layer / validate_layer
    Check a frame against its role (collect) / and raise on problems.
load_layer
    read_layer + field mapping + to_work_crs + validate_layer.
load_embedded
    The embedded Västmanland GeoPackage as a Layers dict.
"""

from __future__ import annotations

import logging
import stat
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siteselect.core.crs import DEFAULT_CRS, check_in_area, crs_label
from siteselect.core.roles import ROLES, FieldSpec, RoleSpec
from siteselect.errors import CRSError, LayerError, MissingFieldError

log = logging.getLogger(__name__)

Layers = dict[str, gpd.GeoDataFrame]

#: CRSs users in Sweden hold, by EPSG code (no warning when reprojected to EPSG:3006).
SWEDISH_CRS: dict[int, str] = {
    4326: "WGS 84 (lon/lat)",
    4258: "ETRS89 (lon/lat)",
    4619: "SWEREF 99 (lon/lat)",
    3006: "SWEREF 99 TM",
    3007: "SWEREF 99 12 00",
    3008: "SWEREF 99 13 30",
    3009: "SWEREF 99 15 00",
    3010: "SWEREF 99 16 30",
    3011: "SWEREF 99 18 00",
    3012: "SWEREF 99 14 15",
    3013: "SWEREF 99 15 45",
    3014: "SWEREF 99 17 15",
    3015: "SWEREF 99 18 45",
    3016: "SWEREF 99 20 15",
    3017: "SWEREF 99 21 45",
    3018: "SWEREF 99 23 15",
    3021: "RT90 2.5 gon V",
}


_TEXT_SUFFIXES = {".geojson", ".json", ".csv", ".gml", ".kml"}


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


# ----------------------------------------------------------------------------- CRS


def _parse_crs(crs: Any, path: Path | str, layer: str | None) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(crs)
    except Exception as exc:
        raise CRSError(f"{source_label(Path(path), layer)}: stated CRS {crs!r} is not understood "
                       f"({exc}). Use an EPSG code such as EPSG:3006.") from exc


def to_work_crs(gdf: gpd.GeoDataFrame, *, source: str = "<frame>",
                layer: str | None = None, crs: Any = None,
                layer_crs_key: bool = True) -> gpd.GeoDataFrame:
    """Check a frame's CRS and coordinates and reproject it to the working CRS.

    Parameters
    ----------
    gdf
        The frame as read (not modified).
    source, layer
        Named in messages.
    crs
        The region's working CRS (projected; see
        :func:`siteselect.core.crs.resolve_work_crs`); default SWEREF 99 TM
        (EPSG:3006).
    layer_crs_key
        Whether the layer's source takes a catalog `crs` key (offered as a fix).

    Returns
    -------
    A new GeoDataFrame in the working CRS.

    Raises
    ------
    CRSError
        No CRS; or coordinates outside the area the working CRS is made for
        (naming the cause: swapped axes, a misstated source CRS, or data that
        lies elsewhere and needs another region CRS).
    """
    where = source_label(source, layer)
    work = pyproj.CRS(DEFAULT_CRS if crs is None else crs)
    if gdf.crs is None:
        raise CRSError(f"{where}: has no CRS. State the CRS its coordinates are in (the "
                       "layer's catalog key `crs`, e.g. EPSG:3006 for SWEREF 99 TM, EPSG:4326 "
                       "for lon/lat).")
    src = pyproj.CRS(gdf.crs)
    epsg = src.to_epsg()
    if work.to_epsg() == 3006 and epsg not in SWEDISH_CRS:
        warnings.warn(f"{where}: CRS {crs_label(src)} is not one used for Swedish data; "
                      "reprojecting it to EPSG:3006 anyway.", LayerWarning, stacklevel=2)
    geoms = gdf.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    aou = work.area_of_use
    if src.is_geographic and present.any() and aou is not None:
        b = shapely.bounds(geoms[present])
        lx0, ly0, lx1, ly1 = aou.west, aou.south, aou.east, aou.north
        swapped = ((b[:, 0] >= ly0) & (b[:, 2] <= ly1) & (b[:, 1] >= lx0) & (b[:, 3] <= lx1)
                   & ~((b[:, 0] >= lx0) & (b[:, 2] <= lx1) & (b[:, 1] >= ly0)
                       & (b[:, 3] <= ly1)))
        if swapped.any():
            raise CRSError(
                f"{where}: {int(swapped.sum())} of {int(present.sum())} features have "
                "latitude in the x (longitude) column — swapped lat/lon axes. Swap the "
                f"columns (x = longitude ≈ {lx0:.0f}–{lx1:.0f}, y = latitude ≈ "
                f"{ly0:.0f}–{ly1:.0f} where {crs_label(work)} is used).")
    if src.equals(work, ignore_axis_order=True):
        out = gdf.set_crs(work, allow_override=True)
    else:
        try:
            out = gdf.to_crs(work)
        except Exception as exc:  # pyproj cannot transform
            raise CRSError(f"{where}: cannot reproject from {crs_label(src)} to "
                           f"{crs_label(work)} ({exc}). State a standard CRS.") from exc
    check_in_area(out, where=where, src=src, layer_crs_key=layer_crs_key)
    return out


# ----------------------------------------------------------------------------- validation


@dataclass
class LayerCheck:
    """Outcome of checking one frame against its role.

    Attributes
    ----------
    role, source, layer
        What was checked.
    frame
        The cleaned frame (repaired, coerced) — usable only when ``ok``.
    problems
        Blocking problems (each a sentence naming the field and the fix).
    warnings
        Repairs made and assumptions (not blocking).
    repaired, dropped
        Invalid geometries repaired; null/empty geometries dropped.
    missing_fields
        Required fields absent after mapping.
    """

    role: str
    source: str
    layer: str | None
    frame: gpd.GeoDataFrame
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    repaired: int = 0
    dropped: int = 0
    missing_fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self) -> LayerError:
        """One error listing every problem (MissingFieldError when fields are missing)."""
        head = (f"{source_label(Path(self.source), self.layer)} as role '{self.role}': "
                f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}:")
        msg = "\n".join([head] + [f"  - {p}" for p in self.problems])
        cls = MissingFieldError if self.missing_fields else LayerError
        return cls(msg)


def _examples(values: Iterable[Any], n: int = 3) -> str:
    vals = list(dict.fromkeys(repr(v) for v in values))
    more = "…" if len(vals) > n else ""
    return ", ".join(vals[:n]) + more


def _rows(mask: np.ndarray, n: int = 5) -> str:
    idx = np.flatnonzero(mask)
    return ", ".join(str(i) for i in idx[:n]) + ("…" if len(idx) > n else "")


_TRUE = {"true", "t", "yes", "y", "ja", "j", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "nej", "0", "0.0"}


def _coerce(series: pd.Series, spec: FieldSpec) -> tuple[pd.Series, np.ndarray]:
    """Coerce a column to the spec's dtype; return (values, mask of uncoercible rows)."""
    isna = series.isna().to_numpy()
    if spec.dtype == "str":
        out = series.astype(object).where(~isna, None)
        out = out.map(lambda v: v if v is None else
                      (str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v)))
        return out.astype(object), np.zeros(len(series), dtype=bool)
    if spec.dtype in ("int", "float"):
        num = pd.to_numeric(series, errors="coerce")
        bad = num.isna().to_numpy() & ~isna
        if spec.dtype == "int":
            frac = num.notna().to_numpy() & ~np.isclose(num.fillna(0).to_numpy(float) % 1, 0)
            bad = bad | frac
            vals = num.where(~pd.Series(bad, index=series.index))
            return vals.round().astype("Int64"), bad
        return num.astype(float), bad
    if spec.dtype == "bool":
        if pd.api.types.is_bool_dtype(series):
            return series.astype("boolean"), np.zeros(len(series), dtype=bool)
        txt = series.astype(object).map(lambda v: None if v is None or
                                        (isinstance(v, float) and np.isnan(v))
                                        else str(v).strip().lower())
        vals = txt.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
        bad = vals.isna().to_numpy() & ~isna
        return vals.astype("boolean"), bad
    raise ValueError(f"unknown dtype {spec.dtype!r} in roles.py")  # programming error


def _null_column(dtype: str, n: int) -> pd.Series:
    if dtype == "str":
        return pd.Series([None] * n, dtype=object)
    if dtype == "float":
        return pd.Series(np.full(n, np.nan), dtype=float)
    return pd.Series(pd.array([None] * n, dtype="Int64" if dtype == "int" else "boolean"))


def _fix_point_multis(geoms: np.ndarray) -> tuple[np.ndarray, int]:
    types = shapely.get_type_id(geoms)
    single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)
    if not single.any():
        return geoms, 0
    out = geoms.copy()
    out[single] = shapely.get_geometry(geoms[single], 0)
    return out, int(single.sum())


def _extract(geoms: np.ndarray, family: str) -> np.ndarray:
    """From GeometryCollections keep only the parts of one family (polygon/line)."""
    ids = {"polygon": (3, 6), "line": (1, 2, 5)}[family]
    out = geoms.copy()
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        parts = shapely.get_parts(geoms[i])
        keep = parts[np.isin(shapely.get_type_id(parts), ids)]
        if len(keep) == 0:
            out[i] = None
        elif family == "polygon":
            out[i] = shapely.union_all(keep)
        else:
            out[i] = shapely.multilinestrings(shapely.get_parts(keep)) if len(keep) > 1 \
                else keep[0]
    return out


def check_layer(
    gdf: gpd.GeoDataFrame,
    role: str,
    *,
    source: str = "<frame>",
    layer: str | None = None,
) -> LayerCheck:
    """Check (and safely repair) a frame against its role; collect every problem.

    The frame must already be in the working CRS (see :func:`to_work_crs`); field
    mapping must already be applied. The input frame is not modified.

    Checks, in order: geometry column; null/empty geometries (dropped, counted);
    invalid geometries (``make_valid``, counted); geometry types against the
    role (single-part MultiPoints become Points); required fields; dtypes
    coercible; allowed values; nulls in non-nullable fields; duplicate ids
    (the role's ``*_id`` field). Optional nullable fields that are absent are
    added as all-null columns.

    Returns
    -------
    LayerCheck
        ``.ok`` tells whether the layer is usable; ``.frame`` is the cleaned frame.

    Raises
    ------
    LayerError
        Only for an unknown role name.
    """
    if role not in ROLES:
        raise LayerError(f"{source_label(source, layer)}: unknown role '{role}'. Known roles: "
                         f"{', '.join(sorted(ROLES))}.")
    spec: RoleSpec = ROLES[role]
    chk = LayerCheck(role=role, source=str(source), layer=layer, frame=gdf)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        chk.problems.append("no geometry column; use a spatial layer.")
        return chk
    df = gdf.copy()
    df = df.reset_index(drop=True)
    geoms = df.geometry.to_numpy().copy()

    # null / empty geometries
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        chk.dropped = int(missing.sum())
        chk.warnings.append(f"{chk.dropped} features with null or empty geometry dropped "
                            f"(rows {_rows(missing)}).")
        df = df.loc[~missing].reset_index(drop=True)
        geoms = geoms[~missing]
    if len(df) == 0:
        chk.problems.append("the layer has no features (after dropping null/empty geometries); "
                            "check the `where` filter or export the layer again.")
        chk.frame = gpd.GeoDataFrame(df, geometry=df.geometry.name, crs=gdf.crs)
        return chk

    # invalid geometries
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        chk.repaired = int(invalid.sum())
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms = geoms.copy()
        geoms[invalid] = fixed
        chk.warnings.append(f"{chk.repaired} invalid geometries repaired with make_valid "
                            f"(rows {_rows(invalid)}).")
    # geometry families
    if set(spec.geometry) & {"Polygon", "MultiPolygon"} and \
            not set(spec.geometry) & {"Point"}:
        geoms = _extract(geoms, "polygon")
    elif set(spec.geometry) <= {"LineString", "MultiLineString"}:
        geoms = _extract(geoms, "line")
    if "Point" in spec.geometry and "MultiPoint" not in spec.geometry:
        geoms, n_fixed = _fix_point_multis(geoms)
        if n_fixed:
            chk.warnings.append(f"{n_fixed} single-part MultiPoints turned into Points.")
    gone = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if gone.any():
        chk.warnings.append(f"{int(gone.sum())} features collapsed to nothing when repaired; "
                            "dropped.")
        chk.dropped += int(gone.sum())
        df = df.loc[~gone].reset_index(drop=True)
        geoms = geoms[~gone]
    types = pd.Series(shapely.get_type_id(geoms)).map(
        {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
         5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"})
    wrong = ~types.isin(spec.geometry).to_numpy()
    if wrong.any():
        found = types.value_counts().to_dict()
        chk.problems.append(
            f"geometry types {found} but role '{role}' takes {'/'.join(spec.geometry)} "
            f"({int(wrong.sum())} features do not fit, rows {_rows(wrong)}). Use a layer with "
            "the right geometry or split the file by geometry type.")
    df = gpd.GeoDataFrame(df.drop(columns=df.geometry.name), geometry=geoms,
                          crs=gdf.crs)

    # fields
    for fs in spec.fields:
        if fs.name not in df.columns:
            if fs.required:
                chk.missing_fields.append(fs.name)
            elif fs.nullable:
                df[fs.name] = _null_column(fs.dtype, len(df))
            continue
        values, bad = _coerce(df[fs.name], fs)
        if bad.any():
            chk.problems.append(
                f"field '{fs.name}': {int(bad.sum())} values are not {fs.dtype} "
                f"({_examples(df[fs.name][bad])}, rows {_rows(bad)}). Correct them in the "
                "file or map another field.")
        df[fs.name] = values
        nulls = values.isna().to_numpy() & ~bad
        if nulls.any() and not fs.nullable:
            chk.problems.append(
                f"field '{fs.name}': {int(nulls.sum())} null values (rows {_rows(nulls)}) but "
                "the field may not be null. Fill them in the file or give a value under "
                "`defaults` in the catalog.")
        if fs.allowed is not None:
            present = values.notna().to_numpy()
            not_allowed = present & ~values.isin(fs.allowed).to_numpy()
            if not_allowed.any():
                chk.problems.append(
                    f"field '{fs.name}': {int(not_allowed.sum())} values not allowed "
                    f"({_examples(values[not_allowed])}, rows {_rows(not_allowed)}); allowed: "
                    f"{', '.join(fs.allowed)}. Recode them in the file.")
    if chk.missing_fields:
        have = [c for c in df.columns if c != df.geometry.name]
        chk.problems.insert(0, (
            f"required field{'s' if len(chk.missing_fields) > 1 else ''} "
            f"{', '.join(repr(f) for f in chk.missing_fields)} missing; the layer has "
            f"{have}. Map them in the catalog (`fields: {{{chk.missing_fields[0]}: "
            "FILE_FIELD}`) or give a value under `defaults`."))
    id_field = next((fs.name for fs in spec.fields if fs.name.endswith("_id")), None)
    if id_field and id_field in df.columns:
        ids = df[id_field]
        dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
        if dup.any():
            chk.problems.append(
                f"field '{id_field}': {int(dup.sum())} rows share an id "
                f"({_examples(ids[dup])}, rows {_rows(dup)}); ids must be unique. Make them "
                "unique in the file.")
    order = [fs.name for fs in spec.fields if fs.name in df.columns]
    rest = [c for c in df.columns if c not in order and c != df.geometry.name]
    chk.frame = gpd.GeoDataFrame(df[order + rest + [df.geometry.name]],
                                 geometry=df.geometry.name, crs=df.crs)
    return chk


def validate_layer(
    gdf: gpd.GeoDataFrame,
    role: str,
    *,
    source: str = "<frame>",
    layer: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Check a frame against its role and return the cleaned frame.

    Like :func:`check_layer`, but repairs are reported with :class:`LayerWarning`
    and problems raise. The frame's CRS and coordinates are checked first and
    it is reprojected to the working CRS when needed (see :func:`to_work_crs`).

    Parameters
    ----------
    gdf
        The layer (not modified).
    role
        Role name from :data:`siteselect.core.roles.ROLES`.
    source, layer
        File and layer named in messages.
    crs
        The region's working CRS (projected); default SWEREF 99 TM (EPSG:3006).

    Returns
    -------
    GeoDataFrame in the working CRS with the role's fields coerced to their dtypes.

    Raises
    ------
    MissingFieldError
        A required field is missing (the message lists every other problem too).
    LayerError
        Any other problem (geometry types, dtypes, allowed values, nulls,
        duplicate ids, no features), all listed in one message.
    CRSError
        No CRS, or coordinates outside the area the working CRS is made for.
    """
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf.columns:
        gdf = to_work_crs(gdf, source=source, layer=layer, crs=crs)
    chk = check_layer(gdf, role, source=source, layer=layer)
    for w in chk.warnings:
        warnings.warn(f"{source_label(source, layer)} as role '{role}': {w}", LayerWarning,
                      stacklevel=2)
    if not chk.ok:
        raise chk.error()
    return chk.frame


def apply_mapping(
    gdf: gpd.GeoDataFrame,
    *,
    fields: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    source: str = "<frame>",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Rename file fields to role fields and fill defaults (returns a new frame).

    Parameters
    ----------
    fields
        ``{role_field: file_field}``; the file field is copied to the role field.
    defaults
        ``{role_field: value}``; creates the field when absent, fills its nulls.

    Raises
    ------
    MissingFieldError
        A mapped file field does not exist (all such listed at once).
    """
    out = gdf.copy()
    fields = dict(fields or {})
    missing = {rf: ff for rf, ff in fields.items() if ff not in gdf.columns}
    if missing:
        have = [c for c in gdf.columns if c != gdf.geometry.name]
        listing = ", ".join(f"{rf} ← '{ff}'" for rf, ff in missing.items())
        raise MissingFieldError(
            f"{source_label(source, layer)}: mapped field(s) not in the file: {listing}. The "
            f"file has {have}. Fix `fields` in the catalog.")
    for rf, ff in fields.items():
        out[rf] = gdf[ff]
    for rf, value in dict(defaults or {}).items():
        if rf in out.columns:
            out[rf] = out[rf].astype(object).where(out[rf].notna(), value)
        else:
            out[rf] = value
    return out


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


def load_layers(catalog_path: str | Path | None = None, *,
                embedded: str | Path | None = None, crs: Any = None) -> Layers:
    """Load layers from a catalog YAML, or the embedded default when ``None``.

    See :func:`siteselect.io.catalog.load_catalog_layers` for the catalog format.
    ``crs`` (a scenario's region ``crs``: a projected CRS or ``"auto"``)
    overrides the catalog's ``crs``; without either the working CRS is SWEREF
    99 TM (EPSG:3006).
    """
    if catalog_path is None:
        if crs is None:
            return load_embedded(embedded)
        from siteselect.core.crs import lonlat_bounds, resolve_work_crs

        raw = load_embedded(embedded)
        work = resolve_work_crs(crs, bounds_lonlat=lonlat_bounds(raw.values()),
                                where="scenario `crs`")
        out: Layers = {}
        for role, frame in raw.items():
            source = str(frame.attrs.get("source", role))
            out[role] = to_work_crs(frame, source=source, crs=work)
            out[role].attrs["source"] = source
        return out
    from siteselect.io.catalog import load_catalog_layers

    return load_catalog_layers(catalog_path, embedded=embedded, crs=crs)


def to_work_layers(layers: Mapping[str, gpd.GeoDataFrame | None], *, crs: Any = None) -> Layers:
    """Layers handed over from Python, in one working CRS and checked against its area.

    The same check a catalog gets: every frame is reprojected to the working
    CRS and refused when it lies outside the area that CRS is made for (data
    elsewhere would otherwise run, distorted, in SWEREF 99 TM).

    Parameters
    ----------
    layers
        ``{role: GeoDataFrame}``; ``None`` values are left out. Not modified.
    crs
        The region's working CRS (a projected CRS or ``"auto"``). Default: the
        CRS the frames share when it is projected, else EPSG:3006.

    Returns
    -------
    Layers
        New frames in the working CRS (``source`` attributes kept).

    Raises
    ------
    CRSError
        A frame without a CRS, a geographic ``crs``, or features outside the
        area of the working CRS (naming the CRS that fits).
    """
    from siteselect.core.crs import common_crs, lonlat_bounds, resolve_work_crs

    frames = {role: f for role, f in layers.items() if f is not None}
    if crs is None:
        try:
            shared = common_crs(frames.items())
        except CRSError:
            shared = None
        work = shared if shared is not None and shared.is_projected else pyproj.CRS(DEFAULT_CRS)
    else:
        work = resolve_work_crs(crs, bounds_lonlat=lonlat_bounds(frames.values()),
                                where="working CRS")
    out: Layers = {}
    for role, frame in frames.items():
        source = str(frame.attrs.get("source", f"layer {role!r}"))
        out[role] = to_work_crs(frame, source=source, crs=work)
        out[role].attrs = dict(frame.attrs)
    return out
