"""Checking a layer against its role: geometry, fields, dtypes, allowed values, ids.

Validation collects *every* problem of a layer and raises one error listing
them all. Safe repairs are made with a :class:`~siteselect.io.read.LayerWarning`:
invalid geometries are repaired with ``shapely.make_valid``, null/empty
geometries are dropped, single-part multi-points become points.

Functions
---------
check_layer / validate_layer
    Check a frame against its role (collect) / and raise on problems.
apply_mapping
    Rename file fields to role fields and fill defaults.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteselect.core.roles import ROLES, FieldSpec, RoleSpec
from siteselect.errors import LayerError, MissingFieldError
from siteselect.io.read import LayerWarning, source_label
from siteselect.io.work_crs import to_work_crs


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


