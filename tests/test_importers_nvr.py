"""Tests of siteselect.io.importers.nvr (Naturvårdsverket protected areas)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from siteselect.errors import LayerError
from siteselect.io.importers.nvr import protected_nature_from_nvr
from siteselect.io.validate import validate_layer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")
X0, Y0 = 588_000.0, 6_608_000.0


def test_nvr_kinds_and_revoked(tmp_path: Path) -> None:
    p = tmp_path / "nvr.gpkg"
    gpd.GeoDataFrame(
        {"NVRID": ["1", "2", "3"], "NAMN": ["Hälleskogsbrännan", "Gammal", "Fiby"],
         "SKYDDSTYP": ["Naturreservat", "Naturreservat", "Nationalpark"],
         "BESLSTATUS": ["Gällande", "Upphävt", "Överklagat"]},
        geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100)] * 3,
        crs="EPSG:3006").to_file(p, engine="pyogrio")
    out = protected_nature_from_nvr(p)
    assert list(out["name"]) == ["Hälleskogsbrännan", "Fiby"]
    assert list(out["kind"]) == ["naturreservat", "nationalpark"]
    validate_layer(out, "protected_nature")


def test_natura2000_codes_and_points(tmp_path: Path) -> None:
    p = tmp_path / "n2k.gpkg"
    gpd.GeoDataFrame({"SITECODE": ["SE0250001"], "SITENAME": ["Mälaren"], "SITETYPE": ["B"]},
                     geometry=[shapely.Point(X0, Y0)], crs="EPSG:3006").to_file(
        p, engine="pyogrio")
    with pytest.raises(LayerError, match="point_buffer_m"):
        protected_nature_from_nvr(p)
    out = protected_nature_from_nvr(p, point_buffer_m=10)
    assert out.iloc[0]["kind"] == "natura2000_sci"
    assert out.geometry.iloc[0].area == pytest.approx(3.14159 * 100, rel=0.01)


@pytest.mark.shared_data
@needs_shared
def test_real_nvr_file() -> None:
    out = validate_layer(protected_nature_from_nvr(
        SHARED / "naturvardsverket_nvr" / "protected_areas_nvr_vastmanland_bbox.gpkg",
        layer="protected_areas_polygons"), "protected_nature")
    assert len(out) == 1031
    assert out["kind"].value_counts().to_dict() == {"naturreservat": 990, "naturminne": 39,
                                                     "nationalpark": 2}
