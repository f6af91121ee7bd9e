"""Population readers: SCB-style grid squares as cell polygons in EPSG:3006.

SWEREF 99 TM (EPSG:3006) is the grids' own CRS (their ids are SWEREF 99 TM
metres), so the readers return it; a catalog (format ``scb_grid``) or
:func:`siteselect.io.work_crs.to_work_crs` reprojects the cells to the region's
working CRS like any other layer.

Formats understood (all with SWEREF 99 TM coordinates of the cell's
**south-west corner**):

* SCB open geodata ("Statistik på rutor", GeoPackage): ``rutid_scb`` is a
  13-character code, 6 digits easting then 7 digits northing, e.g.
  ``"3940006133000"`` = E 394000, N 6133000; ``rutid_inspire`` is
  ``"SE_CRS3006RES1000mN6133000E394000"`` (cell size, northing, easting);
  ``rutstorl`` = cell size in metres; ``beftotalt`` = inhabitants.
* Region Västmanland's 1 km grid (``pop_grid_1km``): ``cell_id`` =
  ``"<easting>_<northing>"``, e.g. ``"542000_6568000"``, with ``pop``.
* Any two-number id ``"a_b"`` (``_``, ``-``, ``,``, ``;``, ``:`` or space
  between): the number in the SWEREF 99 TM northing range (6,100,000–7,700,000)
  is the northing, the other the easting, so ``"6586000_538000"`` and
  ``"538000_6586000"`` are the same cell.

What is assumed (and checked):

* Ids are SWEREF 99 TM metres. An easting outside 180,000–1,000,000 (for
  example an RT90 id such as ``"6586000_1538000"``, whose easting is 1.5 M) is
  rejected with a :class:`~siteselect.errors.LayerError` rather than guessed.
* Cell size comes from ``cell_size_m``, else a ``rutstorl`` field, else the
  INSPIRE id, else the layer's polygons (side length), else the ids: the
  largest of 1000, 500, 250, 100 m dividing every corner coordinate. Small
  files can be ambiguous (four 250 m cells may all sit on the 1 km lattice):
  pass ``cell_size_m`` for them.
* Cells are rebuilt exactly from the ids; if the layer also carries geometry,
  every feature's representative point must lie in its id's cell (a swapped
  or mislabelled grid is reported, not silently used). A layer without
  usable ids but with polygons is returned with its own polygons,
  reprojected to EPSG:3006 from its declared CRS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from siteselect.errors import CRSError, LayerError, MissingFieldError

#: The CRS SCB grid ids are written in (the source's CRS, not the working CRS).
SCB_CRS = "EPSG:3006"

__all__ = [
    "ID_FIELDS",
    "POP_FIELDS",
    "population_from_region_vastmanland",
    "population_from_scb_grid",
]

#: Population field names tried (case-insensitive) when ``pop_field`` is not given.
POP_FIELDS: tuple[str, ...] = ("pop", "beftotalt", "befolkning", "bef_tot", "population", "totalt")
#: Cell id field names tried (case-insensitive) when ``id_field`` is not given.
ID_FIELDS: tuple[str, ...] = ("rutid_scb", "rutid", "ruta", "rut_id", "cell_id", "rutid_inspire")

_SIZES_M = (1000, 500, 250, 100)
_NORTH = (6_100_000, 7_700_000)
_EAST = (180_000, 1_000_000)
_INSPIRE = re.compile(r"RES(\d+)m?N(\d+)E(\d+)", re.IGNORECASE)
_TWO = re.compile(r"^\s*(\d+(?:\.0+)?)\s*[_\-,;: ]\s*(\d+(?:\.0+)?)\s*$")


def _where(path: Path, layer: str | None) -> str:
    return f"{path}" + (f", layer {layer!r}" if layer else "")


def _pick(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], *,
          what: str, path: Path, layer: str | None, required: bool) -> str | None:
    lower = {c.lower(): c for c in columns}
    if wanted is not None:
        if wanted in columns:
            return wanted
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise MissingFieldError(
            f"{_where(path, layer)}: {what} field {wanted!r} not found (fields: {list(columns)}). "
            f"Fix: pass the right name as {what}_field=."
        )
    for c in candidates:
        if c in lower:
            return lower[c]
    if required:
        raise MissingFieldError(
            f"{_where(path, layer)}: no {what} field found; tried {list(candidates)} "
            f"(fields: {list(columns)}). Fix: pass {what}_field= naming the column."
        )
    return None


def _read(path: Path, layer: str | None) -> tuple[pd.DataFrame, str | None]:
    if not path.exists():
        raise LayerError(f"{path}: file not found. Fix: check the path.")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise LayerError(f"{path}: cannot be opened as a vector file ({exc}). "
                         "Fix: pass a GeoPackage, shapefile, GeoJSON or CSV.") from exc
    if layer is None:
        if len(layers) > 1:
            raise LayerError(f"{path}: holds {len(layers)} layers {layers}; "
                             "Fix: pass layer= naming the population grid.")
        layer = layers[0] if layers else None
    elif layer not in layers:
        raise LayerError(f"{path}: layer {layer!r} not found (layers: {layers}). "
                         "Fix: pass one of them as layer=.")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise LayerError(f"{_where(path, layer)}: cannot be read ({exc}).") from exc
    return frame, layer


def _parse_ids(ids: pd.Series, *, where: str, id_field: str
               ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """SW-corner easting, northing and (INSPIRE) cell size per id (nan = not given)."""
    n = len(ids)
    east = np.zeros(n, dtype=np.int64)
    north = np.zeros(n, dtype=np.int64)
    size = np.full(n, np.nan)
    bad: list[str] = []
    rt90: list[str] = []
    for i, raw in enumerate(ids.tolist()):
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            bad.append(repr(raw))
            continue
        if isinstance(raw, (int, np.integer)) or (isinstance(raw, float) and raw.is_integer()):
            text = str(int(raw))
        else:
            text = str(raw).strip()
        m = _INSPIRE.search(text)
        if m:
            size[i], north[i], east[i] = float(m.group(1)), int(m.group(2)), int(m.group(3))
        elif text.isdigit() and len(text) in (12, 13):
            text = text.zfill(13)
            east[i], north[i] = int(text[:6]), int(text[6:])
        else:
            m2 = _TWO.match(text)
            if not m2:
                bad.append(repr(raw))
                continue
            a, b = int(float(m2.group(1))), int(float(m2.group(2)))
            a_n = _NORTH[0] <= a <= _NORTH[1]
            b_n = _NORTH[0] <= b <= _NORTH[1]
            if a_n and not b_n:
                north[i], east[i] = a, b
            elif b_n and not a_n:
                east[i], north[i] = a, b
            else:
                bad.append(repr(raw))
                continue
        if not (_EAST[0] <= east[i] <= _EAST[1] and _NORTH[0] <= north[i] <= _NORTH[1]):
            (rt90 if east[i] > _EAST[1] else bad).append(repr(raw))
    if rt90:
        raise LayerError(
            f"{where}: field {id_field!r} has {len(rt90)} id(s) whose easting is outside "
            f"SWEREF 99 TM (e.g. {rt90[:3]}); they look like RT90 grid ids, which are not "
            "supported. Fix: use SCB's SWEREF 99 TM grid, or pass id_field= of another column "
            "so the layer's own polygons are used."
        )
    if bad:
        raise LayerError(
            f"{where}: field {id_field!r} has {len(bad)} value(s) that are not SWEREF 99 TM "
            f"grid ids (e.g. {bad[:3]}). Expected 13 digits (6 easting + 7 northing, SW "
            "corner), 'easting_northing', or an INSPIRE id. Fix: pass id_field= naming the "
            "cell id column, or cell polygons without an id."
        )
    return east, north, size


def _infer_size(east: NDArray[np.int64], north: NDArray[np.int64], *, where: str) -> int:
    for s in _SIZES_M:
        if np.all(east % s == 0) and np.all(north % s == 0):
            return s
    raise LayerError(f"{where}: cell corners are not on a 1000/500/250/100 m lattice. "
                     "Fix: pass cell_size_m=.")


def _squares(east: NDArray[Any], north: NDArray[Any], size: NDArray[Any]) -> NDArray[Any]:
    e = east.astype(float)
    n = north.astype(float)
    s = size.astype(float)
    ring = np.stack([np.stack([e, n], 1), np.stack([e + s, n], 1), np.stack([e + s, n + s], 1),
                     np.stack([e, n + s], 1), np.stack([e, n], 1)], axis=1)
    return np.asarray(shapely.polygons(ring), dtype=object)


def population_from_scb_grid(
    path: str | Path,
    *,
    layer: str | None = None,
    cell_size_m: float | None = None,
    id_field: str | None = None,
    pop_field: str | None = None,
) -> gpd.GeoDataFrame:
    """Read an SCB-style population grid as cell polygons (EPSG:3006).

    Parameters
    ----------
    path
        GeoPackage, shapefile, GeoJSON, or CSV/attribute table (then the ids
        give the geometry).
    layer
        Layer name; required when the file holds several.
    cell_size_m
        Cell side in metres; inferred when ``None`` (see module docstring).
    id_field
        Cell id column; tried from :data:`ID_FIELDS` when ``None``.
    pop_field
        Inhabitants column; tried from :data:`POP_FIELDS` when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id`` (``"<easting>_<northing>"`` of the SW corner, or the
        file's id when cells come from its polygons), ``x_sw``, ``y_sw``,
        ``cell_size_m``, ``pop`` (float) and square polygons, EPSG:3006.

    Raises
    ------
    LayerError
        Unreadable file, unknown layer, unparsable or RT90 ids, missing or
        negative population, ids disagreeing with the geometry.
    MissingFieldError
        The population (or named id) field is absent.
    CRSError
        Cells come from polygons without a CRS.
    """
    p = Path(path)
    frame, layer = _read(p, layer)
    where = _where(p, layer)
    cols = [c for c in frame.columns if c != "geometry"]
    pfield = _pick(cols, pop_field, POP_FIELDS, what="pop", path=p, layer=layer, required=True)
    ifield = _pick(cols, id_field, ID_FIELDS, what="id", path=p, layer=layer, required=False)
    pfield = str(pfield)  # _pick(required=True) never returns None
    pop = pd.to_numeric(frame[pfield], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(pop) | (pop < 0)
    if bad.any():
        raise LayerError(f"{where}: field {pfield!r} has {int(bad.sum())} missing, non-numeric "
                         "or negative value(s). Fix: fill them (0 for empty cells).")
    has_geom = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any()
    if cell_size_m is not None and not (np.isfinite(cell_size_m) and cell_size_m > 0):
        raise LayerError(f"{where}: cell_size_m must be positive, got {cell_size_m}.")

    if ifield is None:
        if not has_geom:
            raise MissingFieldError(
                f"{where}: no cell id field (tried {list(ID_FIELDS)}) and no geometry "
                f"(fields: {cols}). Fix: pass id_field= naming the cell id column.")
        return _from_polygons(frame, pop, where=where, cell_size_m=cell_size_m)

    east, north, isize = _parse_ids(frame[ifield], where=where, id_field=ifield)
    if cell_size_m is not None:
        size = np.full(len(frame), float(cell_size_m))
    elif "rutstorl" in {c.lower() for c in cols}:
        rs = {c.lower(): c for c in cols}["rutstorl"]
        size = pd.to_numeric(frame[rs], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(size) & (size > 0)):
            raise LayerError(f"{where}: field {rs!r} (cell size) has missing or non-positive "
                             "values. Fix: pass cell_size_m=.")
    elif np.all(np.isfinite(isize)):
        size = isize
    elif has_geom and (frame.geom_type.isin(["Polygon", "MultiPolygon"])).all():
        side = np.sqrt(_to_work(frame, where).area.to_numpy())
        size = np.full(len(frame), float(np.median(np.round(side))))
    else:
        size = np.full(len(frame), float(_infer_size(east, north, where=where)))
    cells = _squares(east, north, size)
    if has_geom:
        geo = _to_work(frame, where)
        rep = np.asarray(geo.geometry.representative_point().values, dtype=object)
        ok = shapely.is_missing(rep) | shapely.intersects(shapely.buffer(cells, 1.0), rep)
        if not ok.all():
            raise LayerError(
                f"{where}: {int((~ok).sum())} feature(s) lie outside the cell their "
                f"{ifield!r} names (first: {frame[ifield].iloc[int(np.argmin(ok))]!r}). Ids are "
                "read as SWEREF 99 TM south-west corners. Fix: check the id field and the "
                "layer CRS, or pass cell_size_m=.")
    return gpd.GeoDataFrame(
        {"cell_id": [f"{e}_{n}" for e, n in zip(east.tolist(), north.tolist())],
         "x_sw": east, "y_sw": north, "cell_size_m": size, "pop": pop},
        geometry=cells, crs=SCB_CRS,
    )


def _to_work(frame: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise CRSError(f"{where}: the layer has geometry but no CRS. "
                       f"Fix: write it with its CRS (SCB grids are {SCB_CRS}).")
    return frame if frame.crs.to_epsg() == 3006 else frame.to_crs(SCB_CRS)


def _from_polygons(frame: gpd.GeoDataFrame, pop: NDArray[np.float64], *, where: str,
                   cell_size_m: float | None) -> gpd.GeoDataFrame:
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise LayerError(f"{where}: without a cell id the features must be polygons "
                         f"(found {sorted(set(frame.geom_type.dropna()))}). "
                         "Fix: pass id_field= naming the cell id column.")
    geo = _to_work(frame, where)
    b = geo.geometry.bounds
    side = np.round(np.sqrt(geo.area.to_numpy()))
    return gpd.GeoDataFrame(
        {"cell_id": [f"{round(x)}_{round(y)}" for x, y in zip(b["minx"], b["miny"])],
         "x_sw": np.round(b["minx"].to_numpy()).astype(np.int64),
         "y_sw": np.round(b["miny"].to_numpy()).astype(np.int64),
         "cell_size_m": np.full(len(geo), float(cell_size_m)) if cell_size_m else side,
         "pop": pop},
        geometry=np.asarray(geo.geometry.values, dtype=object), crs=SCB_CRS,
    )


def population_from_region_vastmanland(path: str | Path, *, layer: str = "pop_grid_1km"
                                       ) -> gpd.GeoDataFrame:
    """Read Region Västmanland's 1 km population grid (``cell_id`` ``"x_y"``, ``pop``).

    The shared copy is ``region_vastmanland_kartor.gpkg``, layer
    ``pop_grid_1km`` (2024, 2,363 cells, 279,618 people; cells under 3
    inhabitants are absent in the source). Same result columns as
    :func:`population_from_scb_grid`.
    """
    return population_from_scb_grid(path, layer=layer, cell_size_m=1000, id_field="cell_id",
                                    pop_field="pop")
