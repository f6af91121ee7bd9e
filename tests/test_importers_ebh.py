"""Tests of siteselect.io.importers.ebh as Länsstyrelsen delivers the register: a CP1252 point
shapefile in SWEREF 99 TM whose risk field carries 1–4, E, KM or MKM (see docs/data-sources.md)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from siteselect.analysis.readiness import contamination_state
from siteselect.errors import LayerError
from siteselect.io.importers.ebh import contaminated_sites_from_ebh, ebh_class, match_ebh_to_sites
from siteselect.io.validate import validate_layer

X0, Y0 = 540_000.0, 6_600_000.0


def _register(path: Path) -> Path:
    """Five objects; the shapefile is written in CP1252 and its .cpg removed, as old downloads are."""
    gpd.GeoDataFrame(
        {"OBJEKT_ID": ["190001", "190002", "190003", "190004", "190005"],
         "RISKKLASS": ["1", "MKM", "E", "3", "KM"],
         "BRANSCH": ["Ytbehandling av metall", "Sågverk", "Bilverkstad", "Plantskola", "Glasbruk"],
         "BRANSCHKLA": [1, 2, 3, 3, 2],
         "STATUS": ["Inventerad", "Åtgärd genomförd", None, "Inventerad", "Åtgärd påbörjad"],
         "ANTAL_FAST": [2, 1, 1, 3, 1],
         "KOMMUN": ["Köping", "Köping", "Arboga", "Västerås", "Kungsör"]},
        geometry=[shapely.Point(X0 + 50, Y0 + 50), shapely.Point(X0 + 130, Y0 + 50),
                  shapely.Point(X0 + 1140, Y0 + 50), shapely.Point(X0 + 2180, Y0 + 50),
                  shapely.Point(X0 + 3050, Y0 + 50)],
        crs="EPSG:3006").to_file(path, engine="pyogrio", encoding="cp1252")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def _sites() -> gpd.GeoDataFrame:
    """A: 0–100 m (1 inside, MKM 30 m away); B: 1000–1100 m (E 40 m away);
    C: 2000–2100 m (class 3 80 m away); D: 3000–3100 m (KM inside)."""
    return gpd.GeoDataFrame(
        {"site_id": ["A", "B", "C", "D"], "mifo_class": [None, None, 4, None]},
        geometry=[shapely.box(X0 + dx, Y0, X0 + dx + 100, Y0 + 100) for dx in (0, 1000, 2000, 3000)],
        crs="EPSG:3006")


def test_each_value_decoded() -> None:
    assert [ebh_class(v) for v in ("1", "Riskklass 2", 4.0, "E", "KM", "MKM", "Åtgärdad MKM", "", None)] == [
        (1, "riskklassad"), (2, "riskklassad"), (4, "riskklassad"), (None, "identifierad"),
        (None, "åtgärdad_km"), (None, "åtgärdad_mkm"), (None, "åtgärdad_mkm"), (None, "okänd"),
        (None, "okänd")]
    with pytest.raises(ValueError):
        ebh_class("5")


def test_points_as_delivered(tmp_path: Path) -> None:
    pts = contaminated_sites_from_ebh(_register(tmp_path / "ebh.shp"), encoding="cp1252",
                                      fields={"industry_cls": "BRANSCHKLA"})
    validate_layer(pts, "contaminated_sites", source="ebh")
    assert pts["municipality"].tolist()[:3] == ["Köping", "Köping", "Arboga"]
    assert pts["ebh_state"].tolist() == ["riskklassad", "åtgärdad_mkm", "identifierad", "riskklassad",
                                         "åtgärdad_km"]
    assert pts["mifo_class"].tolist()[0] == 1 and pts["mifo_class"].isna().tolist()[1:3] == [True, True]
    assert pts["remediated"].tolist() == [False, True, False, False, True]
    assert pts["property_count"].tolist() == [2, 1, 1, 3, 1]
    assert pts["industry_class"].tolist() == [1, 2, 3, 3, 2]


def test_matched_inside_or_within_distance(tmp_path: Path) -> None:
    pts = contaminated_sites_from_ebh(_register(tmp_path / "ebh.shp"), encoding="cp1252")
    got = match_ebh_to_sites(_sites(), pts).set_index("site_id")
    assert got["ebh_ids"].tolist() == ["190001;190002", "190003", None, "190005"]
    assert got["ebh_distance_m"].tolist()[:2] == [0.0, 40.0]
    assert got["ebh_count"].tolist() == [2, 1, 0, 1]
    # A: the worst unremediated class; C keeps its own class 4 (its point is 80 m away)
    assert got["mifo_class"].tolist()[0] == 1 and got["mifo_class"].tolist()[2] == 4
    assert got["contamination_status"].tolist() == ["investigated", "not_investigated", None,
                                                    "remediated"]
    assert [contamination_state(m, "detaljplan", s) for m, s in
            zip(got["mifo_class"], got["contamination_status"], strict=True)] == [
        "high", "unknown", "low", "remediated"]
    wide = match_ebh_to_sites(_sites(), pts, within_m=100).set_index("site_id")
    assert wide.loc["C", "ebh_ids"] == "190004" and wide.loc["C", "ebh_distance_m"] == 80.0
    assert _sites()["mifo_class"].isna().sum() == 3  # input not modified


def test_bad_risk_value_named(tmp_path: Path) -> None:
    p = tmp_path / "ebh.gpkg"
    gpd.GeoDataFrame({"OBJEKT_ID": ["1"], "RISKKLASS": ["hög"]}, geometry=[shapely.Point(X0, Y0)],
                     crs="EPSG:3006").to_file(p, engine="pyogrio")
    with pytest.raises(LayerError, match=r"'RISKKLASS'.*'hög'.*1–4, E, KM or MKM"):
        contaminated_sites_from_ebh(p)


def test_pipeline_matches_points_and_applies_the_mifo_constraint() -> None:
    from siteselect.io.layers import load_layers
    from siteselect.pipeline import analyse, resolve_scenario

    scenario, path = resolve_scenario(Path(__file__).resolve().parents[1] / "layers" / "scenarios"
                                      / "logistics.yaml")
    layers = dict(load_layers())
    site = layers["candidates"].set_index("site_id").loc["VAS-05"]
    inside = site.geometry.representative_point()
    layers["contaminated_sites"] = gpd.GeoDataFrame(
        {"ebh_id": ["190099"], "mifo_class": [1], "ebh_state": ["riskklassad"], "remediated": [False],
         "match_within_m": [50.0]}, geometry=[inside], crs="EPSG:3006")
    ranking = analyse(scenario, layers=layers, scenario_path=path, sensitivity=False,
                      isochrone_top_n=0).ranking.set_index("site_id")
    assert ranking.loc["VAS-05", "excluded"]
    assert "mifo_class_1" in ranking.loc["VAS-05", "exclusion_reason"]
    assert ranking.loc["VAS-05", "mifo_class"] == 1
