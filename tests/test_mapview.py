"""Tests of the interactive map page (HTML content; the real-browser checks are in test_browser.py)."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest
from _fixtures_outputs import (
    EVIL_NAME,
    FACTOR_NAMES,
    make_isochrones,
    make_layers,
    make_ranking,
)
from matplotlib import colormaps
from matplotlib.colors import to_hex
from pyproj import Transformer

from siteselect.errors import CRSError, MissingFieldError, OutputError
from siteselect.outputs.mapview import json_island, score_colors, write_map
from siteselect.outputs.offline import LEAFLET_VERSION, external_references

_ISLAND = re.compile(r'<script type="application/json" id="siteselect-data">(.*?)</script>', re.DOTALL)


def _island(page: str) -> dict:
    found = _ISLAND.findall(page)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture(scope="module")
def inputs():
    ranking = make_ranking()
    return ranking, make_layers(), make_isochrones(ranking)


@pytest.fixture(scope="module")
def offline_page(inputs, tmp_path_factory):
    ranking, layers, iso = inputs
    out = tmp_path_factory.mktemp("map") / "map.html"
    path = write_map(ranking, layers, out_path=out, factor_names=FACTOR_NAMES, isochrones=iso,
                     title="Västmanland <test> & co", offline=True)
    assert path == out
    return out.read_text(encoding="utf-8")


def test_json_island_escapes_markup_and_round_trips():
    value = {"name": "</script><!-- a & b > c", "n": 1.5}
    text = json_island(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_json_island_rejects_nan():
    with pytest.raises(ValueError):
        json_island({"x": float("nan")})


def test_score_colors_stretch_min_to_max():
    colours, vmin, vmax = score_colors([0.2, float("nan"), 0.6, 0.4])
    cm = colormaps["viridis"]
    assert (vmin, vmax) == (0.2, 0.6)
    assert colours == [to_hex(cm(0.0)), None, to_hex(cm(1.0)), to_hex(cm(0.5))]


def test_offline_page_loads_nothing_from_the_network(offline_page):
    assert external_references(offline_page) == []
    assert f'"{LEAFLET_VERSION}"' in offline_page  # Leaflet's own version string, inlined
    assert "<title>Västmanland &lt;test&gt; &amp; co</title>" in offline_page


def test_online_page_uses_tiles_and_cdn(inputs, tmp_path):
    ranking, layers, _ = inputs
    out = write_map(ranking, layers, out_path=tmp_path / "m.html", factor_names=FACTOR_NAMES, title="t")
    page = out.read_text(encoding="utf-8")
    refs = external_references(page)
    assert len(refs) == 2  # leaflet.js and leaflet.css
    assert "tile.openstreetmap.org" in page


def test_hostile_name_only_appears_escaped(offline_page):
    assert EVIL_NAME not in offline_page
    data = _island(offline_page)
    names = [s["name"] for s in data["sites"]]
    assert EVIL_NAME in names


def test_sites_carry_breakdown_matching_the_ranking(inputs, offline_page):
    ranking, _, _ = inputs
    data = _island(offline_page)
    assert [s["id"] for s in data["sites"]] == list(ranking["site_id"])
    assert [s["excluded"] for s in data["sites"]] == list(ranking["excluded"])
    for site, (_, row) in zip(data["sites"], ranking.iterrows()):
        assert [b["factor"] for b in site["breakdown"]] == FACTOR_NAMES
        if row["excluded"]:
            assert site["score"] is None and site["rank"] is None and site["color"] is None
            assert site["text"]["exclusion_reason"] == row["exclusion_reason"]
            continue
        assert site["score"] == pytest.approx(row["score"])
        assert site["rank"] == int(row["rank"])
        assert sum(b["share"] for b in site["breakdown"]) == pytest.approx(1.0)
        for b in site["breakdown"]:
            assert b["contrib"] == pytest.approx(row[f"{b['factor']}_contrib"])
            assert b["share"] == pytest.approx(row[f"{b['factor']}_contrib"] / row["score"])
            assert b["weight"] == pytest.approx(row[f"{b['factor']}_weight"])


def test_site_points_are_in_wgs84(inputs, offline_page):
    ranking, _, _ = inputs
    data = _island(offline_page)
    tr = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    rep = ranking.geometry.representative_point()
    for site, p in zip(data["sites"], rep):
        lon, lat = tr.transform(p.x, p.y)
        assert site["point"] == pytest.approx([lat, lon], abs=1e-6)
        assert 59.0 < site["point"][0] < 60.5 and 15.5 < site["point"][1] < 17.5


def test_filter_ranges_come_from_kept_sites(inputs, offline_page):
    ranking, _, _ = inputs
    kept = ranking[~ranking["excluded"]]
    f = _island(offline_page)["filters"]
    assert f["port_max"] == math.ceil(kept["port_minutes"].max())
    assert f["area_max"] == math.ceil(kept["area_ha"].max())
    assert f["voltages"] == sorted(set(kept["substation_voltage_kv"]))
    assert f["statuses"] == sorted(set(kept["plan_status"]))
    assert f["municipalities"] == ["Hallstahammar", "Västerås"]


def test_isochrones_grouped_by_site(offline_page):
    iso = _island(offline_page)["isochrones"]
    assert sorted(iso) == ["VS-1", "VS-2"]
    assert [z["minutes"] for z in iso["VS-1"]] == [45, 30]


def test_context_layers_present_and_substations_coloured(offline_page):
    layers = {lyr["key"]: lyr for lyr in _island(offline_page)["layers"]}
    assert {"county", "water", "protected_nature", "motorways", "rail", "ports", "substations"} <= set(layers)
    # only motorway/trunk roads are drawn: the fixture has one motorway
    assert len(layers["motorways"]["features"]) == 1
    colours = [f["style"]["fillColor"] for f in layers["substations"]["features"]]
    assert colours == ["#67000d", "#fb6a4a", "#fee5d9"]  # 400, 130, 40 kV


def test_suitability_overlay_from_bounds_and_world_file(inputs, tmp_path):
    from PIL import Image

    ranking, layers, _ = inputs
    png = tmp_path / "suit.png"
    Image.new("RGBA", (4, 2), (255, 0, 0, 128)).save(png)
    out = write_map(ranking, layers, out_path=tmp_path / "a.html", factor_names=FACTOR_NAMES, title="t",
                    suitability_png=(png, (580_000, 6_605_000, 590_000, 6_610_000)), offline=True)
    s = _island(out.read_text(encoding="utf-8"))["suitability"]
    assert s["url"].startswith("data:image/png;base64,")
    # a 4 x 2 image with 2500 m pixels whose top-left corner is at (580000, 6610000)
    png.with_suffix(".pgw").write_text("2500\n0\n0\n-2500\n581250\n6608750\n")
    out2 = write_map(ranking, layers, out_path=tmp_path / "b.html", factor_names=FACTOR_NAMES, title="t",
                     suitability_png=png, offline=True)
    s2 = _island(out2.read_text(encoding="utf-8"))["suitability"]
    assert [*s2["bounds"][0], *s2["bounds"][1]] == pytest.approx([*s["bounds"][0], *s["bounds"][1]], abs=1e-9)
    png.with_suffix(".pgw").unlink()
    with pytest.raises(OutputError, match="world file"):
        write_map(ranking, layers, out_path=tmp_path / "c.html", factor_names=FACTOR_NAMES, title="t",
                  suitability_png=png)


def test_missing_factor_column_is_named(inputs, tmp_path):
    ranking, layers, _ = inputs
    with pytest.raises(MissingFieldError, match="port_minutes_std"):
        write_map(ranking.drop(columns=["port_minutes_std"]), layers, out_path=tmp_path / "m.html",
                  factor_names=FACTOR_NAMES, title="t")
    assert not (tmp_path / "m.html").exists()


def test_ranking_without_crs_is_refused(inputs, tmp_path):
    ranking, layers, _ = inputs
    with pytest.raises(CRSError, match="no CRS"):
        write_map(ranking.set_crs(None, allow_override=True), layers, out_path=tmp_path / "m.html",
                  factor_names=FACTOR_NAMES, title="t")


def test_write_is_atomic_and_does_not_mutate_inputs(inputs, tmp_path):
    ranking, layers, iso = inputs
    before = ranking.copy()
    out = tmp_path / "m.html"
    out.write_text("old", encoding="utf-8")
    write_map(ranking, layers, out_path=out, factor_names=FACTOR_NAMES, isochrones=iso, title="t")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]
    new = write_map(ranking, layers, out_path=tmp_path / "new.html", factor_names=FACTOR_NAMES, title="t")
    umask = os.umask(0o022)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask  # as readable as any file the user creates
    new.unlink()
    assert ranking.equals(before) and ranking.crs == before.crs
    # a folder in the way: error, the folder survives, no temp file is left behind
    blocked = tmp_path / "dir.html"
    blocked.mkdir()
    with pytest.raises(OutputError, match="dir.html"):
        write_map(ranking, layers, out_path=blocked, factor_names=FACTOR_NAMES, title="t")
    assert blocked.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.html", "m.html"]


def test_english_labels(inputs, tmp_path):
    ranking, layers, _ = inputs
    out = write_map(ranking, layers, out_path=tmp_path / "m.html", factor_names=FACTOR_NAMES, title="t", lang="en")
    data = _island(out.read_text(encoding="utf-8"))
    assert data["labels"]["min_area_ha"] == "Minimum area (ha)"
    assert [f["label"] for f in data["factors"]] == ["Distance to substation (km)", "Minutes to port", "Area (ha)"]


def test_no_nan_reaches_the_page(offline_page):
    assert not re.search(r"\bNaN\b", _ISLAND.findall(offline_page)[0])
    ports = [s["figures"]["port_minutes"] for s in _island(offline_page)["sites"]]
    assert ports.count(None) == 1 and np.isfinite([p for p in ports if p is not None]).all()


def test_render_suitability_png(inputs, tmp_path):
    from PIL import Image

    from siteselect.outputs.mapview import render_suitability_png

    score = np.array([[0.0, 1.0], [np.nan, 0.5]])
    path, bounds = render_suitability_png(score, bounds=(580_000, 6_605_000, 590_000, 6_610_000),
                                          out_path=tmp_path / "s.png")
    assert bounds == (580_000.0, 6_605_000.0, 590_000.0, 6_610_000.0)
    cm = colormaps["viridis"]
    with Image.open(path) as im:
        px = im.convert("RGBA").load()
        assert px[0, 0][:3] == tuple(int(c) for c in cm(0.0, bytes=True)[:3])
        assert px[1, 0][:3] == tuple(int(c) for c in cm(1.0, bytes=True)[:3])
        assert px[0, 1][3] == 0 and px[1, 1][3] == int(0.75 * 255)
    ranking, layers, _ = inputs
    out = write_map(ranking, layers, out_path=tmp_path / "m.html", factor_names=FACTOR_NAMES, title="t",
                    suitability_png=(path, bounds), offline=True)
    assert _island(out.read_text(encoding="utf-8"))["suitability"]["url"].startswith("data:image/png;base64,")


def test_huge_background_layer_shows_its_largest_features(monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    import siteselect.outputs.maplayers as ml

    monkeypatch.setattr(ml, "MAP_MAX_CONTEXT_FEATURES", 3)
    sizes = [10, 50, 20, 40, 30]
    water = gpd.GeoDataFrame({"name": [f"w{s}" for s in sizes]},
                             geometry=[box(0, 0, s, s) for s in sizes], crs="EPSG:3006")
    assert ml.largest_features(water, "water")["name"].tolist() == ["w50", "w40", "w30"]  # in layer order
    assert ml.largest_features(water.iloc[:3], "water") is not None and len(ml.largest_features(water.iloc[:3], "water")) == 3
