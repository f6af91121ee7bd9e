"""Tests of siteselect.io.importers.detaljplan, .ebh and .scb on files the tests write."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from siteselect.errors import LayerError, MissingFieldError
from siteselect.io.importers.detaljplan import candidates_from_detaljplan, use_codes
from siteselect.io.importers.ebh import candidates_from_ebh, mifo_class
from siteselect.io.importers.scb import towns_from_scb_tatorter, urban_areas_from_scb_tatorter
from siteselect.io.validate import validate_layer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")
X0, Y0 = 588_000.0, 6_608_000.0


def _box(dx: float, w: float = 100.0, h: float = 100.0) -> shapely.Polygon:
    return shapely.box(X0 + dx, Y0, X0 + dx + w, Y0 + h)


def test_use_codes() -> None:
    assert use_codes("J1, Z") == ["J", "Z"]
    assert use_codes("E;T/H") == ["E", "T", "H"]
    assert use_codes(None) == []


def test_detaljplan_candidates(tmp_path: Path) -> None:
    p = tmp_path / "dp.gpkg"
    gpd.GeoDataFrame(
        {"planidentitet": ["1980-P1", "1980-P1", "1980-P2", "1980-P3", "1980-P4"],
         "plannamn": ["Erikslund", "Erikslund", "Centrum", "Hacksta", "Gammal"],
         "status": ["Laga kraft", "Laga kraft", "Laga kraft", "Samråd", "Upphävd"],
         "anvandning": ["J1", "Z", "B", "E", "J"],
         "lagakraftdatum": ["2025-03-01", "2025-03-01", None, None, None],
         "agare": [None, "Kommun", None, None, "privat"]},
        geometry=[_box(0), _box(100), _box(300), _box(500, 200, 50), _box(800)],
        crs="EPSG:3006").to_file(p, engine="pyogrio")
    out = candidates_from_detaljplan(p, municipality="Västerås")
    assert list(out["site_id"]) == ["dp-1980-P1", "dp-1980-P3"]  # housing plan, revoked dropped
    assert list(out["plan_use"]) == ["J,Z", "E"]
    assert list(out["plan_status"]) == ["gällande", "pågående"]
    assert list(out["area_ha"]) == pytest.approx([2.0, 1.0])  # 2 × 1 ha merged; 200 × 50 m
    assert list(out["municipality"]) == ["Västerås", "Västerås"]
    assert list(out["owner"]) == ["kommunal", "okänd"]
    assert list(out["legal_date"][:1]) == ["2025-03-01"]
    validate_layer(out, "candidates")


def test_detaljplan_unknown_status_and_mapping(tmp_path: Path) -> None:
    p = tmp_path / "dp.gpkg"
    gpd.GeoDataFrame({"PLAN": ["a"], "ANV": ["J"], "STATUS": ["oklar"]},
                     geometry=[_box(0)], crs="EPSG:3006").to_file(p, engine="pyogrio")
    with pytest.raises(MissingFieldError, match="plan_id"):
        candidates_from_detaljplan(p)
    with pytest.raises(LayerError, match="'oklar'"):
        candidates_from_detaljplan(p, fields={"plan_id": "PLAN", "use": "ANV"})


def test_mifo_class() -> None:
    assert [mifo_class(v) for v in ("1", "Riskklass 2", 3.0, "E", "Ej riskklassad", None)] == \
        [1, 2, 3, None, None, None]
    with pytest.raises(ValueError):
        mifo_class("7")


def test_ebh_brownfields(tmp_path: Path) -> None:
    p = tmp_path / "ebh.shp"
    gpd.GeoDataFrame(
        {"EBH_ID": ["10", "11", "12"], "OBJEKTNAMN": ["Tekniska Hårdkrom", "Sågverk", ""],
         "RISKKLASS": ["1", "E", "3"], "BRANSCHKLA": ["1", "2", "3"],
         "STATUS": ["Åtgärdad MKM", "", "Inventerad"], "KOMMUN": ["Arboga"] * 3},
        geometry=[shapely.Point(X0 + 1000 * i, Y0) for i in range(3)],
        crs="EPSG:3006").to_file(p, engine="pyogrio", encoding="utf-8")
    out = candidates_from_ebh(p, fields={"industry_cls": "BRANSCHKLA"})
    assert list(out["site_id"]) == ["ebh-10", "ebh-11", "ebh-12"]
    assert out["mifo_class"].tolist()[0] == 1 and out["mifo_class"].isna().tolist()[1]
    assert list(out["remediated"]) == [True, False, False]
    assert list(out["name"]) == ["Tekniska Hårdkrom", "Sågverk", "EBH 12"]
    assert out["area_ha"].iloc[0] == pytest.approx(3.14159 * 50**2 / 10_000, rel=0.01)
    validate_layer(out, "candidates")
    kept = candidates_from_ebh(p, fields={"industry_cls": "BRANSCHKLA"},
                               exclude_remediated=True)
    assert list(kept["site_id"]) == ["ebh-11", "ebh-12"]


def test_ebh_bad_risk_class(tmp_path: Path) -> None:
    p = tmp_path / "ebh.gpkg"
    gpd.GeoDataFrame({"ID": ["1"], "RISKKLASS": ["hög"]}, geometry=[shapely.Point(X0, Y0)],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    with pytest.raises(LayerError, match="'hög'"):
        candidates_from_ebh(p)


def test_scb_tatorter_points_from_polygons(tmp_path: Path) -> None:
    p = tmp_path / "to.gpkg"
    gpd.GeoDataFrame({"TATORT": ["Kolbäck", "Ramnäs"], "BEF_2020": [4600, 1200],
                      "KOMMUN": ["Hallstahammar", "Surahammar"]},
                     geometry=[_box(0, 1000, 1000), _box(3000, 500, 500)],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    towns = towns_from_scb_tatorter(p)
    assert list(towns["pop"]) == [4600, 1200] and list(towns["pop_year"]) == [2020, 2020]
    assert towns.geom_type.eq("Point").all()
    assert towns.geometry.iloc[0].within(_box(0, 1000, 1000))
    validate_layer(towns, "towns")
    areas = urban_areas_from_scb_tatorter(p)
    assert areas.geom_type.eq("Polygon").all()
    validate_layer(areas, "urban_areas")


@pytest.mark.shared_data
@needs_shared
def test_real_orter_points_as_towns() -> None:
    towns = towns_from_scb_tatorter(
        SHARED / "region_vastmanland_kartor" / "region_vastmanland_kartor.gpkg",
        layer="orter_points", where="ort_type = 'tatort'")
    assert len(towns) == 44 and int(towns["pop"].sum()) == 245_981
    assert set(towns["pop_year"]) == {2023}
    # the file has no municipality: validation must say so and name the fix
    with pytest.raises(LayerError, match="municipality.*null.*defaults"):
        validate_layer(towns, "towns")


def test_scb_towns_municipality_by_location(tmp_path: Path) -> None:
    towns = tmp_path / "orter.gpkg"
    gpd.GeoDataFrame({"name": ["Kolbäck", "Sjöpunkt", "Långt bort"], "pop_2023": [4600, 10, 5]},
                     geometry=[shapely.Point(X0 + 500, Y0 + 500),
                               shapely.Point(X0 + 1000 + 2000, Y0 + 500),   # 2 km east
                               shapely.Point(X0 + 1000 + 9000, Y0 + 500)],  # 9 km east
                     crs="EPSG:3006").to_file(towns, engine="pyogrio")
    mun = tmp_path / "kommuner.gpkg"
    gpd.GeoDataFrame({"kommun": ["Hallstahammar"]}, geometry=[_box(0, 1000, 1000)],
                     crs="EPSG:3006").to_file(mun, layer="k", engine="pyogrio")
    out = towns_from_scb_tatorter(towns, municipalities=mun, municipalities_layer="k")
    assert list(out["municipality"][:2]) == ["Hallstahammar", "Hallstahammar"]
    assert out["municipality"].isna().tolist() == [False, False, True]
    assert list(out["pop_year"]) == [2023] * 3
