"""Generate the bad-input corpus into a folder (run at test time; nothing is committed).

Each case is a file (plus side-car files) that users really send, with the role
it is loaded as, the keyword arguments of :func:`siteselect.io.file_layers.load_layer`,
and what the user must see: an error class and message pattern, or a repaired
result with a warning.

Run ``python tests/bad_inputs/make_bad_inputs.py OUT_DIR`` to look at the files.
"""

from __future__ import annotations

import struct
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

X0, Y0 = 588_000.0, 6_608_000.0  # Västerås, SWEREF 99 TM


@dataclass(frozen=True)
class BadInput:
    """One corpus case."""

    name: str
    path: Path
    role: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # error class name in siteselect.errors, or None
    message: str = ""  # regex the error or warning message must match
    rows: int | None = None  # rows expected after repair (when no error)

    @property
    def files(self) -> list[Path]:
        """The file and its side-cars (hashed before and after loading)."""
        return sorted(p for p in self.path.parent.glob(self.path.stem + ".*"))


def _box(dx: float = 0.0) -> shapely.Polygon:
    return shapely.box(X0 + dx, Y0, X0 + dx + 100, Y0 + 100)


def _write(gdf: gpd.GeoDataFrame, path: Path, **kw: Any) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: 'crs' was not provided
        gdf.to_file(path, engine="pyogrio", **kw)
    return path


def make_bad_inputs(folder: Path) -> list[BadInput]:
    """Write every case into ``folder`` (created) and describe it."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[BadInput] = []
    water = {"name": ["Mälaren", "Svartån"]}

    p = folder / "empty.gpkg"
    p.write_bytes(b"")
    cases.append(BadInput("empty_file", p, "water", error="LayerError", message="empty"))

    p = _write(gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:3006"),
               folder / "zero_features.gpkg")
    cases.append(BadInput("zero_features", p, "water", error="LayerError",
                          message="no features"))

    p = _write(gpd.GeoDataFrame(water, geometry=[_box(), _box(200)]), folder / "no_crs.shp")
    cases.append(BadInput("no_crs", p, "water", error="CRSError", message="has no CRS.*crs"))

    p = folder / "swapped_latlon.csv"
    p.write_text("port_id,name,lon,lat\nSEVST,Västerås,59.617,16.55\n", encoding="utf-8")
    cases.append(BadInput("swapped_lat_lon", p, "ports", error="CRSError",
                          message="swapped lat/lon"))

    p = _write(gpd.GeoDataFrame(water, geometry=[shapely.box(Y0, X0, Y0 + 100, X0 + 100),
                                                 shapely.box(Y0, X0 + 200, Y0 + 100,
                                                             X0 + 300)], crs="EPSG:3006"),
               folder / "swapped_axes.gpkg")
    cases.append(BadInput("swapped_northing_easting", p, "water", error="CRSError",
                          message="northings.*swapped axes"))

    p = _write(gpd.GeoDataFrame(water, geometry=[_box(), _box(200)], crs="EPSG:3021"),
               folder / "wrong_crs.gpkg")  # SWEREF 99 TM numbers declared as RT90
    cases.append(BadInput("wrong_crs", p, "water", error="CRSError",
                          message="outside the area EPSG:3006.*source CRS is probably wrong"))

    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    p = _write(gpd.GeoDataFrame(water, geometry=[bowtie, _box(200)], crs="EPSG:3006"),
               folder / "self_intersecting.gpkg")
    cases.append(BadInput("self_intersecting", p, "water", message="1 invalid geometries "
                          "repaired", rows=2))

    p = folder / "mixed_types.geojson"
    p.write_text('{"type":"FeatureCollection","features":['
                 '{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Polygon",'
                 '"coordinates":[[[16.5,59.6],[16.51,59.6],[16.51,59.61],[16.5,59.6]]]}},'
                 '{"type":"Feature","properties":{"name":"b"},"geometry":{"type":"Point",'
                 '"coordinates":[16.5,59.6]}}]}', encoding="utf-8")
    cases.append(BadInput("mixed_geometry_types", p, "water", error="LayerError",
                          message="geometry types.*Polygon/MultiPolygon"))

    p = _write(gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[_box(), None, _box(300)],
                                crs="EPSG:3006"), folder / "null_geometries.gpkg")
    cases.append(BadInput("null_geometries", p, "water", message="1 features with null",
                          rows=2))

    p = _write(gpd.GeoDataFrame({"substation_id": ["a", "b"], "name": ["x", "y"],
                                 "voltage_kv": ["130", "hög"]},
                                geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 1, Y0)],
                                crs="EPSG:3006"), folder / "wrong_types.gpkg")
    cases.append(BadInput("wrong_field_types", p, "substations", error="LayerError",
                          message="voltage_kv.*not float.*'hög'"))

    p = _write(gpd.GeoDataFrame(water, geometry=[_box(), _box(200)], crs="EPSG:3006"),
               folder / "latin1.shp", encoding="cp1252")
    for side in (".cpg", ".CPG"):
        if p.with_suffix(side).exists():
            p.with_suffix(side).unlink()
    cases.append(BadInput("non_utf8_shapefile", p, "water", message="no .cpg.*cp1252",
                          rows=2))

    good = _write(gpd.GeoDataFrame({"name": [f"sjö {i}" for i in range(200)]},
                                   geometry=[_box(150 * i) for i in range(200)],
                                   crs="EPSG:3006"), folder / "full.gpkg")
    data = good.read_bytes()
    good.unlink()
    p = folder / "truncated.gpkg"
    p.write_bytes(data[: len(data) // 2])
    cases.append(BadInput("truncated_geopackage", p, "water", error="LayerError",
                          message="cannot be read|damaged|truncated"))

    # A shapefile whose .shp header claims a 2 GB file (file length is in 16-bit words).
    p = _write(gpd.GeoDataFrame(water, geometry=[_box(), _box(200)], crs="EPSG:3006"),
               folder / "claims_2gb.shp")
    raw = bytearray(p.read_bytes())
    raw[24:28] = struct.pack(">i", (2 * 1024**3 - 2) // 2)
    p.write_bytes(bytes(raw))
    cases.append(BadInput("header_claims_2gb", p, "water",
                          message="header claims 2,147,483,646 bytes", rows=2))

    # A GeoPackage whose SQLite header claims 2 GB (page count at offset 28).
    small = _write(gpd.GeoDataFrame(water, geometry=[_box(), _box(200)], crs="EPSG:3006"),
                   folder / "claims_2gb_db.gpkg")
    raw = bytearray(small.read_bytes())
    page_size = struct.unpack(">H", raw[16:18])[0] or 65536
    raw[28:32] = struct.pack(">I", (2 * 1024**3) // page_size)
    small.write_bytes(bytes(raw))
    cases.append(BadInput("sqlite_header_claims_2gb", small, "water", error="LayerError",
                          message="damaged or truncated"))

    p = _write(gpd.GeoDataFrame({"port_id": ["p1", "p1"], "name": ["Västerås", "Köping"]},
                                geometry=[shapely.Point(X0, Y0), shapely.Point(X0 - 4e4, Y0)],
                                crs="EPSG:3006"), folder / "duplicate_ids.gpkg")
    cases.append(BadInput("duplicate_ids", p, "ports", error="LayerError",
                          message="port_id.*share an id.*'p1'"))

    p = folder / "not_a_gpkg.gpkg"
    p.write_bytes(b"<html><body>404 Not Found</body></html>\n")
    cases.append(BadInput("html_saved_as_gpkg", p, "water", error="LayerError",
                          message="not_a_gpkg.gpkg"))
    return cases


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs_out")
    for case in make_bad_inputs(out):
        sys.stdout.write(f"{case.name:28s} {case.path}\n")
