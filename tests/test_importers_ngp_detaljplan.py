"""Tests of siteselect.io.importers.ngp_detaljplan on deliveries written in the national format
(Detaljplan 4.1 JSON, application/vnd.lm.detaljplan.v4+json; see docs/data-sources.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely

from siteselect.errors import LayerError
from siteselect.io.importers.ngp_detaljplan import candidates_from_ngp_detaljplan
from siteselect.io.validate import validate_layer

X0, Y0 = 588_000.0, 6_608_000.0
J_REF = "a0f58fd5-a361-4002-a359-03474901c15f"  # Boverket's catalogue: DP_KM_J2 "Industri", beteckning J


def _geom(dx: float, w: float = 200.0, h: float = 100.0, origin: tuple[float, float] = (X0, Y0)
          ) -> list[dict[str, Any]]:
    x0, y0 = origin
    ring = [[x0 + dx, y0], [x0 + dx + w, y0], [x0 + dx + w, y0 + h], [x0 + dx, y0 + h], [x0 + dx, y0]]
    return [{"geometri": {"typ": "yta", "position": {"type": "Polygon", "coordinates": [ring]},
                          "koordinatsystemPlan": "EPSG:3006", "dimension": 2},
             "geometrimetadata": {"lagesbestamningsmetodIPlan": {"typ": "lägesplacering"}}}]


def _plan(pid: str, beteckning: str, status: str, dx: float, *, lagakraft: list[str] | None = None,
          origin: tuple[float, float] = (X0, Y0)) -> dict[str, Any]:
    return {"type": "Feature", "geometry": None, "properties": {
        "feature:typ": "detaljplan", "objektidentitet": pid, "objektversion": 1,
        "versionGiltigFran": "2024-01-01T00:00:00", "kommun": "1980", "beteckning": beteckning,
        "namn": f"Plan {beteckning}", "syfte": "Verksamhetsmark", "status": status, "typ": "detaljplan",
        "plangeometri": _geom(dx, 600.0, 100.0, origin),
        "beslutsinformation": [{"beslutstyp": "antagande av ny detaljplan", "datumAntagande": "2024-05-01",
                                **({"datumLagakraft": lagakraft} if lagakraft else {})}]}}


def _use(pid: str, wording: str, dx: float, ref: str = "00000000-0000-0000-0000-000000000000",
         kind: str = "användningsbestämmelse", origin: tuple[float, float] = (X0, Y0)) -> dict[str, Any]:
    return {"type": "Feature", "geometry": None, "properties": {
        "feature:typ": kind, "detaljplan": pid, "objektidentitet": f"{pid}-{dx}",
        "planbestammelsekatalogreferens": ref, "bestammelseformulering": wording,
        "bestammelsegeometri": _geom(dx, origin=origin)}}


def _delivery(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "feature:mediatyp": "application/vnd.lm.detaljplan.v4+json",
                                "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


FEATURES = [
    _plan("p-a", "1980-P24/1", "laga kraft", 0, lagakraft=["2024-06-10"]),
    _use("p-a", "Industri", 0), _use("p-a", "Bostäder", 300),
    _use("p-a", "Marken får inte förses med byggnadsverk", 0, kind="egenskapsbestämmelse"),
    _plan("p-b", "1980-P25/2", "granskning", 1000), _use("p-b", "Verksamheter", 1000),
    _plan("p-c", "1980-P01/1", "upphävd", 2000), _use("p-c", "Industri", 2000),
    _plan("p-d", "1980-P26/1", "laga kraft", 3000, lagakraft=["2025-01-02"]), _use("p-d", "Bostäder", 3000),
]


def test_plans_with_industrial_uses(tmp_path: Path) -> None:
    out = candidates_from_ngp_detaljplan(_delivery(tmp_path / "dp.json", FEATURES))
    validate_layer(out, "candidates", source="ngp")
    assert out["site_id"].tolist() == ["dp-1980-P24_1", "dp-1980-P25_2"]
    assert out["plan_status"].tolist() == ["gällande", "pågående"]
    assert out["plan_use"].tolist() == ["J,B", "Z"]
    assert out["legal_date"].tolist() == ["2024-06-10", None]
    assert out["adopted_date"].tolist() == ["2024-05-01", "2024-05-01"]
    # the site is the industrial use area only (200 × 100 m), not the housing beside it
    assert out["area_ha"].tolist() == pytest.approx([2.0, 2.0])
    assert out.geometry.iloc[0].equals(shapely.box(X0, Y0, X0 + 200, Y0 + 100))
    assert out.attrs["ngp"]["unmapped"] == []


def test_catalogue_reference_codes_an_unusual_wording(tmp_path: Path) -> None:
    feats = [_plan("p-e", "1980-P27/1", "laga kraft", 0, lagakraft=["2025-03-01"]),
             _use("p-e", "Lager och partihandel", 0, ref=J_REF)]
    p = _delivery(tmp_path / "dp.json", feats)
    with pytest.raises(LayerError, match=r"wordings without a code: \['Lager och partihandel'\]"):
        candidates_from_ngp_detaljplan(p)
    cat = tmp_path / "katalog.json"
    cat.write_text(json.dumps({"release_name": "20251201", "entries": [
        {"id": J_REF, "kod": "DP_KM_J2", "formulering": "Industri", "beteckning": "J"}]}), encoding="utf-8")
    out = candidates_from_ngp_detaljplan(p, catalog=cat)
    assert out["plan_use"].tolist() == ["J"]


def test_errors_name_the_problem(tmp_path: Path) -> None:
    bad = _delivery(tmp_path / "a.json", [_plan("p-a", "X", "gällande", 0), _use("p-z", "Industri", 0)])
    with pytest.raises(LayerError, match=r"\['gällande'\] are not in the specification's codelist.*"
                                         r"1 användningsbestämmelse\(r\) name a detaljplan that is not in the file"):
        candidates_from_ngp_detaljplan(bad)
    (tmp_path / "b.json").write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(LayerError, match="not a FeatureCollection"):
        candidates_from_ngp_detaljplan(tmp_path / "b.json")
    none = _delivery(tmp_path / "c.json", [_use("p-a", "Industri", 0)])
    with pytest.raises(LayerError, match="no feature with feature:typ = detaljplan"):
        candidates_from_ngp_detaljplan(none)
    with pytest.raises(LayerError, match="remove `layer`"):
        candidates_from_ngp_detaljplan(_delivery(tmp_path / "d.json", FEATURES), layer="x")
