"""Tests for siteselect.io.population: SCB-style grid readers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from siteselect.errors import CRSError, LayerError, MissingFieldError
from siteselect.io.population import (
    population_from_region_vastmanland,
    population_from_scb_grid,
)

CRS = "EPSG:3006"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REGION_GPKG = SHARED / "region_vastmanland_kartor" / "region_vastmanland_kartor.gpkg"


def write_grid(path: Path, corners: list[tuple[int, int]], size: int, **cols: list[object]
               ) -> Path:
    frame = gpd.GeoDataFrame(cols, geometry=[box(x, y, x + size, y + size) for x, y in corners],
                             crs=CRS)
    frame.to_file(path, layer="grid", driver="GPKG")
    return path


def test_region_style_ids(tmp_path: Path) -> None:
    corners = [(542000, 6568000), (543000, 6568000), (542000, 6569000)]
    path = write_grid(tmp_path / "r.gpkg", corners, 1000,
                      cell_id=[f"{x}_{y}" for x, y in corners], pop=[10, 20, 5])
    got = population_from_scb_grid(path)
    assert got.crs.to_epsg() == 3006
    assert list(got["cell_id"]) == ["542000_6568000", "543000_6568000", "542000_6569000"]
    assert list(got["pop"]) == [10.0, 20.0, 5.0]
    assert list(got["cell_size_m"]) == [1000.0] * 3  # from the polygons' side
    assert got.geometry.iloc[1].equals(box(543000, 6568000, 544000, 6569000))


def test_scb_13_digit_ids_in_csv_with_rutstorl(tmp_path: Path) -> None:
    # SCB open-data style: 6 digits easting + 7 digits northing, SW corner; no geometry
    path = tmp_path / "scb.csv"
    pd.DataFrame({"rutid_scb": ["3940006133000", "3942506133250"], "rutstorl": [250, 250],
                  "beftotalt": [7, 22]}).to_csv(path, index=False)
    got = population_from_scb_grid(path)
    assert list(got["x_sw"]) == [394000, 394250] and list(got["y_sw"]) == [6133000, 6133250]
    assert list(got["pop"]) == [7.0, 22.0]
    assert got.geometry.iloc[1].equals(box(394250, 6133250, 394500, 6133500))
    assert got.area.tolist() == [62500.0, 62500.0]


def test_inspire_ids_and_northing_first(tmp_path: Path) -> None:
    path = tmp_path / "ins.csv"
    pd.DataFrame({"rutid_inspire": ["SE_CRS3006RES1000mN6133000E394000"],
                  "beftotalt": [3]}).to_csv(path, index=False)
    got = population_from_scb_grid(path)
    assert got.geometry.iloc[0].equals(box(394000, 6133000, 395000, 6134000))
    path2 = tmp_path / "nfirst.csv"
    pd.DataFrame({"ruta": ["6586000_538000"], "pop": [4]}).to_csv(path2, index=False)
    got2 = population_from_scb_grid(path2, cell_size_m=1000)
    assert got2["cell_id"].iloc[0] == "538000_6586000"


def test_cell_size_inferred_from_ids(tmp_path: Path) -> None:
    path = tmp_path / "inf.csv"
    ids = ["538000_6586000", "538250_6586000", "538500_6586750"]
    pd.DataFrame({"cell_id": ids, "pop": [1, 2, 3]}).to_csv(path, index=False)
    got = population_from_scb_grid(path)
    assert set(got["cell_size_m"]) == {250.0}
    pd.DataFrame({"cell_id": ids[:1], "pop": [1]}).to_csv(path, index=False)
    assert set(population_from_scb_grid(path)["cell_size_m"]) == {1000.0}


def test_errors_name_file_layer_field(tmp_path: Path) -> None:
    corners = [(542000, 6568000)]
    path = write_grid(tmp_path / "e.gpkg", corners, 1000, cell_id=["542000_6568000"],
                      people=[3])
    with pytest.raises(MissingFieldError) as err:
        population_from_scb_grid(path)
    assert "e.gpkg" in str(err.value) and "'grid'" in str(err.value) and "pop_field" in str(err.value)
    with pytest.raises(MissingFieldError, match="inv"):
        population_from_scb_grid(path, pop_field="inv")
    with pytest.raises(LayerError, match="layers: \\['grid'\\]"):
        population_from_scb_grid(path, layer="nope", pop_field="people")
    with pytest.raises(LayerError, match="not found"):
        population_from_scb_grid(tmp_path / "missing.gpkg")
    rt90 = tmp_path / "rt90.csv"
    pd.DataFrame({"cell_id": ["6586000_1538000"], "pop": [1]}).to_csv(rt90, index=False)
    with pytest.raises(LayerError, match="RT90"):
        population_from_scb_grid(rt90)
    garbage = tmp_path / "g.csv"
    pd.DataFrame({"cell_id": ["abc"], "pop": [1]}).to_csv(garbage, index=False)
    with pytest.raises(LayerError, match="'cell_id'"):
        population_from_scb_grid(garbage)
    neg = tmp_path / "neg.csv"
    pd.DataFrame({"cell_id": ["538000_6586000"], "pop": [-1]}).to_csv(neg, index=False)
    with pytest.raises(LayerError, match="negative"):
        population_from_scb_grid(neg)


def test_ids_must_match_geometry(tmp_path: Path) -> None:
    path = write_grid(tmp_path / "m.gpkg", [(542000, 6568000)], 1000,
                      cell_id=["600000_6568000"], pop=[3])
    with pytest.raises(LayerError, match="outside the cell"):
        population_from_scb_grid(path)


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_polygons_without_ids(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"pop": [5]}, geometry=[box(542000, 6568000, 543000, 6569000)],
                             crs=CRS).to_crs(3010)
    frame.to_file(tmp_path / "p.gpkg", layer="cells")
    got = population_from_scb_grid(tmp_path / "p.gpkg")
    assert got.crs.to_epsg() == 3006
    assert got.area.iloc[0] == pytest.approx(1e6, rel=1e-3)
    assert got["cell_id"].iloc[0] == "542000_6568000"
    nocrs = gpd.GeoDataFrame({"pop": [5]}, geometry=[box(0, 0, 1, 1)])
    nocrs.to_file(tmp_path / "n.gpkg", layer="cells")
    with pytest.raises(CRSError, match="no CRS"):
        population_from_scb_grid(tmp_path / "n.gpkg")


@pytest.mark.shared_data
@pytest.mark.skipif(not REGION_GPKG.exists(),
                    reason=f"shared data not present at {REGION_GPKG} (the 'shared' folder "
                           "beside the project checkout)")
def test_real_region_vastmanland_grid() -> None:
    got = population_from_region_vastmanland(REGION_GPKG)
    raw = gpd.read_file(REGION_GPKG, layer="pop_grid_1km")
    assert len(got) == len(raw) == 2363
    assert got["pop"].sum() == raw["pop"].sum() == 279_618
    np.testing.assert_array_equal(got["x_sw"], raw["x_sw"])
    np.testing.assert_array_equal(got["y_sw"], raw["y_sw"])
    assert np.allclose(got.area, 1e6)
    # rebuilt squares coincide with the file's own squares
    assert (got.geometry.symmetric_difference(raw.geometry.to_crs(3006), align=False).area
            < 1.0).all()
