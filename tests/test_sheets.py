"""Tests of the one-page site sheets (PDF, PNG, HTML)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from _fixtures_outputs import (
    EVIL_NAME,
    FACTOR_NAMES,
    make_isochrones,
    make_layers,
    make_ranking,
)
from PIL import Image

from siteselect.errors import LanguageError, MissingFieldError, UnknownSiteError
from siteselect.outputs.sheets import (
    factor_contributions,
    safe_site_filename,
    sheet_facts,
    write_site_sheets,
)

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def ranking():
    return make_ranking()


@pytest.fixture(scope="module")
def layers():
    return make_layers()


def _row(ranking, site_id):
    return ranking.set_index("site_id", drop=False).loc[site_id]


def test_safe_site_filename():
    assert safe_site_filename("VS-1") == "VS-1"
    assert safe_site_filename("VS/6") == "VS_6-" + hashlib.sha1(b"VS/6").hexdigest()[:8]
    evil = safe_site_filename("../../etc/passwd")
    assert "/" not in evil and not evil.startswith(".")
    assert safe_site_filename("a/b") != safe_site_filename("a_b") == "a_b"
    assert safe_site_filename("") .startswith("site")
    assert all(c.isalnum() or c in "._-" for c in safe_site_filename(EVIL_NAME))


def test_factor_contributions_sorted_with_shares(ranking):
    row = _row(ranking, "VS-2")
    out = factor_contributions(row, FACTOR_NAMES)
    assert [n for n, _, _ in out] == ["substation_km", "port_minutes", "area_ha"]
    assert [c for _, c, _ in out] == [row[f"{n}_contrib"] for n, _, _ in out]
    assert sum(s for _, _, s in out) == pytest.approx(1.0)


def test_sheet_facts_swedish(ranking):
    facts = dict(sheet_facts(_row(ranking, "VS-2"), lang="sv", n_ranked=5))
    assert facts["Minuter till hamn"] == "25 min (Västerås hamn)"
    assert facts["Närmaste ställverk"] == "Västerås Norra, 400 kV, 1,0 km"
    assert facts["Invånare inom 45 min"] == f"230{NBSP}000"
    assert facts["Areal (ha)"] == "55,0 (användbar areal 49,5)"
    assert facts["Planstatus"] == "gällande, J"
    assert facts["Rang"] == "1 / 5"
    assert facts["Rangintervall (känslighet)"] == "1–2"
    assert facts["Förorenad mark (MIFO-klass)"] == "3"


def test_sheet_facts_english_and_excluded(ranking):
    facts = dict(sheet_facts(_row(ranking, "VS-5"), lang="en"))
    assert facts["Plan status"] == "adopted, J"
    assert facts["People within 60 min"] == "410,000"
    assert "Score" not in facts and "Rank" not in facts  # excluded: no score, no rank
    facts_kp = dict(sheet_facts(_row(ranking, "KP-1"), lang="en"))
    assert facts_kp["Minutes to port"] == "– (Västerås hamn)"
    assert facts_kp["Contaminated land (MIFO class)"] == "4"


def test_top_n_writes_three_files_per_site(ranking, layers, tmp_path):
    before = ranking.copy()
    paths = write_site_sheets(ranking, layers, out_dir=tmp_path, top_n=2, isochrones=make_isochrones(ranking))
    best = list(ranking.dropna(subset=["rank"]).sort_values("rank")["site_id"].iloc[:2])
    assert best == ["VS-2", "VS-1"]
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        f"sites/{sid}.{ext}" for sid in best for ext in ("pdf", "png", "html")
    ]
    assert paths[0].read_bytes()[:5] == b"%PDF-"
    with Image.open(paths[1]) as im:
        w, h = im.size
        assert h / w == pytest.approx(11.69 / 8.27, rel=0.01)
        assert len(im.convert("RGB").getcolors(maxcolors=1_000_000)) > 50  # a drawn page, not a blank one
    html_text = paths[2].read_text(encoding="utf-8")
    assert '<html lang="sv">' in html_text and 'src="VS-2.png"' in html_text
    assert "25 min (Västerås hamn)" in html_text
    assert sorted(p.name for p in (tmp_path / "sites").iterdir()) == sorted(p.name for p in paths)
    assert ranking.equals(before)


def test_explicit_ids_excluded_and_hostile(ranking, layers, tmp_path):
    paths = write_site_sheets(ranking, layers, out_dir=tmp_path, site_ids=["VS-5", "VS/6", "VS-3"], lang="en")
    stems = [p.stem for p in paths[::3]]
    assert stems == ["VS-5", safe_site_filename("VS/6"), "VS-3"]
    assert all(p.parent == tmp_path / "sites" for p in paths)
    excluded_html = paths[2].read_text(encoding="utf-8")
    assert "This site is excluded" in excluded_html
    assert "<li>protected_nature: inside Natura 2000</li>" in excluded_html
    assert "<li>water: inside lake</li>" in excluded_html
    evil_html = paths[8].read_text(encoding="utf-8")
    assert EVIL_NAME not in evil_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil_html
    assert "Tunby &amp; Erikslund" in paths[5].read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_text_holds_facts_and_reasons(ranking, layers, tmp_path):
    pdf_ok, _, _, pdf_ex, _, _ = write_site_sheets(ranking, layers, out_dir=tmp_path, site_ids=["VS-1", "VS-5"], lang="sv")
    text = subprocess.run(["pdftotext", "-layout", str(pdf_ok), "-"], capture_output=True, text=True, check=True).stdout
    assert "Områdesblad: Hacksta norra" in text
    assert "12 min (Västerås hamn)" in text
    assert "Data: siteselect inbyggda lager / OpenStreetMap-bidragsgivare / SCB" in text
    assert "Avstånd till ställverk (km)" in text  # a driver label
    ex = subprocess.run(["pdftotext", "-layout", str(pdf_ex), "-"], capture_output=True, text=True, check=True).stdout
    assert "Området är uteslutet" in ex
    assert "protected_nature: inside Natura 2000" in ex


def test_unknown_site_and_language_and_missing_column(ranking, layers, tmp_path):
    with pytest.raises(UnknownSiteError, match="NOPE"):
        write_site_sheets(ranking, layers, out_dir=tmp_path, site_ids=["NOPE"])
    with pytest.raises(LanguageError, match="'de'"):
        write_site_sheets(ranking, layers, out_dir=tmp_path, lang="de")
    with pytest.raises(MissingFieldError, match="rank"):
        write_site_sheets(ranking.drop(columns=["rank"]), layers, out_dir=tmp_path)
    assert not (tmp_path / "sites").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_dollar_signs_are_not_mathtext(ranking, layers, tmp_path):
    odd = ranking.copy()
    odd.loc[odd["site_id"] == "VS-1", "name"] = "Cost $5 and $x^2$ site"
    paths = write_site_sheets(odd, layers, out_dir=tmp_path, site_ids=["VS-1"])
    text = subprocess.run(["pdftotext", str(paths[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cost $5 and $x^2$ site" in text


def test_sheet_background_drops_specks_then_keeps_the_largest() -> None:
    # a 20 km wide sheet: one printed dot is 10 m. 30,000 squares of 2 m vanish; of 6,000 squares
    # of 50-110 m the 5,000 largest stay; a small layer is drawn whole
    import geopandas as gpd
    import numpy as np
    import shapely

    from siteselect.outputs.sheet_maps import SHEET_MAX_POLYGONS, clip_to_extent

    extent = (0.0, 0.0, 20_000.0, 20_000.0)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(100, 19_000, 36_000), rng.uniform(100, 19_000, 36_000)
    side = np.r_[np.full(30_000, 2.0), 50.0 + np.arange(6_000) / 100.0]
    frame = gpd.GeoDataFrame({"name": ["lake"] * 36_000}, geometry=shapely.box(x, y, x + side, y + side), crs=3006)
    kept = clip_to_extent(frame, extent, thin=True)
    assert kept is not None and len(kept) == SHEET_MAX_POLYGONS == 5_000
    assert set(kept.index) == set(range(31_000, 36_000))  # the largest 5,000, in their order
    assert list(kept.index) == sorted(kept.index)
    small = clip_to_extent(frame.iloc[:100], extent, thin=True)
    assert small is not None and len(small) == 100  # under the cap nothing is dropped
