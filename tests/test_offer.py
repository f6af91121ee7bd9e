"""The offer pack (siteselect.outputs.offer), the summary (siteselect.outputs.summary) and one language per output."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from siteselect import enquiry as E
from siteselect.analysis.reasons import Reason, reasons_from_json, render_reason, render_reasons
from siteselect.core.labels import _EN, _SV, labels_for
from siteselect.errors import LanguageError
from siteselect.outputs.offer import offer_stem, write_offer_pack
from siteselect.outputs.summary import summary_content, summary_figures, write_summary

ENQUIRIES = ("battery-materials", "data-centre", "logistics-hub")

# Words only one language uses, matched as whole words (case-insensitive) in every
# text a run writes for people, after the data (site, company, operator names …) is cut out.
SWEDISH_ONLY = ("inom", "okänd", "fråga", "och", "hela området", "användbart", "förfrågan", "ställverk",
                "minuter", "invånare", "kapacitet", "sida", "saknas", "tätort", "ej planlagd", "ingen plan",
                "styrkor", "största risk", "varför inte", "poäng", "jämförelse", "nätägaren")
ENGLISH_ONLY = ("within", "unknown", "ask", "the whole site", "usable", "request", "substation", "minutes",
                "people", "capacity", "page", "urban areas", "not zoned", "no plan", "strengths", "main risk",
                "why not", "score", "comparison", "grid operator", "assumed", "housing")


def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _html_text(path: Path) -> str:
    return re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))


def _map_text(path: Path) -> str:
    """The texts map.html shows: its label table and the per-site text columns, not its code."""
    import json

    page = path.read_text(encoding="utf-8")
    texts = []
    for island in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, flags=re.S):
        data = json.loads(island)
        if not isinstance(data, dict) or "sites" not in data:
            continue
        texts += [str(v) for v in data["labels"].values()] + [f["label"] for f in data["factors"]]
        for site in data["sites"]:
            # codes the page itself translates through its labels (L_[code]) or never shows
            texts += [str(v) for k, v in site["text"].items()
                      if v is not None and k not in ("grid_status", "owner", "plan_status", "site_type")]
    return "\n".join(texts)


def _data_strings(out: Path) -> list[str]:
    """Names and free text that come from the data, longest first (cut out before the vocabulary check)."""
    ranking = pd.read_csv(out / "ranking.csv")
    request = E.load_request(out / "request.yaml")
    values: set[str] = set()
    for col in ("name", "municipality", "nearest_port", "nearest_junction", "nearest_station", "nearest_substation",
                "nearest_airport", "grid_substation", "grid_operator", "site_id", "plan_use"):
        if col in ranking.columns:
            values |= {str(v) for v in ranking[col].dropna()}
    values |= {str(request.get(k)) for k in ("company", "description", "contact") if request.get(k)}
    if "grid_note" in ranking.columns:  # an enquiry without power needs has no grid columns
        values |= {str(v) for v in ranking["grid_note"].dropna().str.split(":").str[0]}  # station names
    values.add(E.request_to_scenario(request)["name"])
    return sorted(values, key=len, reverse=True)


def _found(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, flags=re.I)]


@pytest.fixture(scope="module", params=[(e, lang) for e in ENQUIRIES for lang in ("sv", "en")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def answer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Every shipped enquiry answered in each language through the CLI."""
    from click.testing import CliRunner

    from siteselect.cli.enquiry import enquiry

    name, lang = request.param
    out = tmp_path_factory.mktemp(f"answer-{name}-{lang}") / "out"
    res = CliRunner().invoke(enquiry, [name, "--out", str(out), "--lang", lang])
    assert res.exit_code == 0, res.output
    (out / ".enquiry-name").write_text(name, encoding="utf-8")  # for the tests below; not an output
    return lang, out


def _company(out: Path) -> str:
    name = (out / ".enquiry-name").read_text(encoding="utf-8")
    return str(E.load_request(E.shipped_or_path(name, "enquiries"))["company"])


def test_every_output_speaks_one_language(answer: tuple[str, Path]) -> None:
    lang, out = answer
    stems = sorted(out.glob("offer_*.pdf"))
    assert [p.name for p in stems] == [f"{offer_stem(_company(out))}.pdf"]
    texts = {
        "summary.html": _html_text(out / "summary.html"),
        "summary.pdf": _pdf_text(out / "summary.pdf"),
        "offer.pdf": _pdf_text(stems[0]),
        "offer.docx": _docx_text(stems[0].with_suffix(".docx")),
        "map.html": _map_text(out / "map.html"),
    }
    for p in sorted((out / "sites").glob("*.html")):
        texts[f"sites/{p.name}"] = _html_text(p)
    for p in sorted((out / "sites").glob("*.pdf")):
        texts[f"sites/{p.name}"] = _pdf_text(p)
    data = _data_strings(out)
    foreign = ENGLISH_ONLY if lang == "sv" else SWEDISH_ONLY
    own = SWEDISH_ONLY if lang == "sv" else ENGLISH_ONLY
    for name, text in texts.items():
        for value in data:
            text = text.replace(value, " ")
        assert not _found(text, foreign), (name, _found(text, foreign))
        assert _found(text, own), name  # the check can fail: the page does speak its language


def test_offer_pdf_has_summary_map_table_and_every_sheet(answer: tuple[str, Path]) -> None:
    lang, out = answer
    lab = labels_for(lang)
    shortlist = pd.read_csv(out / "shortlist.csv")
    pdf = next(out.glob("offer_*.pdf"))
    reader = PdfReader(str(pdf))
    n = len(reader.pages)
    assert n == 2 + len(shortlist)  # title/request/map, comparison/why not, one sheet per site
    titles = [o.title for o in reader.outline]
    assert titles[0].startswith(lab["sum_title"]) and titles[1] == lab["sum_compare"]
    for i, (_, r) in enumerate(shortlist.iterrows(), start=1):
        assert titles[1 + i] == f"{i}. {r['name']} ({r['site_id']})"
        assert reader.get_destination_page_number(reader.outline[1 + i]) == 1 + i
        assert r["name"] in (reader.pages[1 + i].extract_text() or "")
    for i, page in enumerate(reader.pages, start=1):
        assert f"{lab['sum_page']} {i} {lab['sum_of']} {n}" in (page.extract_text() or "")
    second = reader.pages[1].extract_text() or ""
    for h in (lab["sum_compare"], lab["pop_45min"], lab["sum_risk"], lab["sum_excluded"]):
        assert h in second, h
    if "grid_note" in pd.read_csv(out / "ranking.csv").columns:  # the request asks for power
        assert lab["grid_capacity"] in second
        # the grid column says whom to ask when the capacity is unknown
        assert lab["grid_unknown_ask"].format(operator="Svenska kraftnät") in second


def test_rendered_pages_show_the_map(answer: tuple[str, Path], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed; `make browser-deps` installs it as root")
    import numpy as np
    from matplotlib.image import imread

    _, out = answer
    pdf = next(out.glob("offer_*.pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")],
                   check=True, timeout=120)
    img = imread(next(tmp_path.glob("p*.png")))
    # the yellow site markers and the orange 45-minute zone are drawn on page 1
    rgb = img[..., :3]
    yellow = (rgb[..., 0] > 0.95) & (rgb[..., 1] > 0.8) & (rgb[..., 2] < 0.3)
    assert int(yellow.sum()) > 20
    assert float(np.mean(rgb < 0.99)) > 0.05  # a map, not an empty page


def test_docx_converts_with_libreoffice(answer: tuple[str, Path], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian libreoffice-writer-nogui; `make browser-deps` as root)")
    lang, out = answer
    docx = next(out.glob("offer_*.docx"))
    shutil.copy(docx, tmp_path / docx.name)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / docx.name)],
                   check=True, timeout=300, capture_output=True)
    text = _pdf_text(tmp_path / docx.with_suffix(".pdf").name)
    shortlist = pd.read_csv(out / "shortlist.csv")
    lab = labels_for(lang)
    for needed in [_company(out), lab["sum_compare"], lab["sum_excluded"].split("…")[0].strip(),
                   *shortlist["name"], lab["facts"]]:
        assert needed in text, needed




@pytest.fixture(scope="module")
def analysed() -> E.EnquiryResult:
    return E.analyse_enquiry(E.request_to_scenario(E.load_request(E.shipped_or_path("battery-materials",
                                                                                      "enquiries"))))


HOSTILE = ("<script>alert(1)</script>", '=HYPERLINK("http://evil.example","x")', "$\\alpha$ &amp; \x07bell")


def test_hostile_names_stay_literal_in_every_format(analysed: E.EnquiryResult, tmp_path: Path) -> None:
    from siteselect.core.output import write_csv

    ranking = analysed.result.ranking.copy()
    ids = [str(s) for s in analysed.shortlist["site_id"]]
    for sid, bad in zip(ids, HOSTILE, strict=False):
        ranking.loc[ranking["site_id"] == sid, "name"] = bad
    request = {"company": "<b>Evil</b> =1+1 AB", "area_ha": 40, "description": "<img src=x onerror=alert(1)>"}
    content = summary_content(ranking, site_ids=ids, request=request, scenario_name="s", lang="en")
    pages = summary_figures(content, ranking, analysed.result.layers, analysed.result.isochrones, ids)
    paths = write_summary(content, pages, tmp_path)
    paths.update(write_offer_pack(content, pages, ranking, analysed.result.layers, analysed.result.isochrones,
                                  site_ids=ids, out_dir=tmp_path, company=request["company"], lang="en",
                                  on=date(2026, 1, 2)))
    assert paths["offer_pdf"].name == "offer_b-evil-b-1-1-ab_2026-01-02.pdf"
    page = paths["summary_html"].read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>Evil" not in page
    docx = _docx_text(paths["offer_docx"])
    assert "<script>alert(1)</script>" in docx and '=HYPERLINK("http://evil.example","x")' in docx
    assert "$\\alpha$ &amp; bell" in docx  # the control character dropped, the rest literal
    pdf = _pdf_text(paths["offer_pdf"])
    assert "<script>alert(1)</script>" in pdf and "=HYPERLINK(" in pdf
    table = ranking.loc[ranking["site_id"].isin(ids), ["site_id", "name"]]
    csv = write_csv(pd.DataFrame(table), tmp_path / "t.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in csv and '"=HYPERLINK' not in csv


def test_offer_stem_is_safe() -> None:
    assert offer_stem("Åre Stål <script> AB", on=date(2026, 1, 2)) == "offer_are-stal-script-ab_2026-01-02"
    assert offer_stem("../../etc/passwd", on=date(2026, 1, 2)) == "offer_etc-passwd_2026-01-02"
    assert offer_stem("", on=date(2026, 1, 2)) == "offer_sites_2026-01-02"
    assert offer_stem("ЖЖЖ", on=date(2026, 1, 2)) == "offer_sites_2026-01-02"


def test_label_tables_hold_the_same_keys() -> None:
    assert set(_SV) == set(_EN)
    with pytest.raises(LanguageError, match="lang='de'"):
        labels_for("de")


def test_reasons_render_per_language_exactly() -> None:
    r = Reason("within", {"pct": 100.0, "distance_m": 1000.0, "layer": "urban_areas"})
    assert render_reason(r, lang="en") == "the whole site lies within 1,000 m of urban areas"
    assert render_reason(r, lang="sv") == "hela området ligger inom 1\u00a0000 m från tätort"
    cut = Reason("cut_below_min", {"left_ha": 19.96, "min_ha": 20.0, "pct": 45.2, "distance_m": 500.0,
                                   "layer": "urban_areas"})
    assert render_reason(cut, lang="sv") == ("bara 19,96 ha användbart kvar (krav 20 ha) sedan 45 % av området "
                                             "fallit bort för tätort")
    lim = Reason("limit_max", {"key": "limits.max_rail_minutes", "value": 10.3, "limit": 10.0})
    assert render_reason(lim, lang="en") == "minutes to freight terminal: 10.3 min, limit 10 min"
    with pytest.raises(LanguageError):
        render_reason(r, lang="fi")
    assert render_reasons("", lang="sv") == []


def test_every_excluded_site_has_its_reasons_as_data(analysed: E.EnquiryResult) -> None:
    r = analysed.result.ranking
    ex = r[r["excluded"]]
    assert len(ex) > 0
    for _, row in ex.iterrows():
        detail = reasons_from_json(row["exclusion_detail"])
        assert len(detail) == len([p for p in row["exclusion_reason"].split("; ") if p]), row["site_id"]
    assert (r.loc[~r["excluded"], "exclusion_detail"] == "").all()


def test_summary_why_not_explains_the_best_known_excluded_sites(analysed: E.EnquiryResult) -> None:
    content, _ = E.enquiry_summary(analysed, request={"company": "X", "area_ha": 40}, lang="sv")
    first = analysed.excluded.iloc[0]
    assert content["why_not"][0]["heading"] == f"Varför inte {first['name']} ({first['site_id']})?"
    assert content["why_not"][0]["reasons"]
    assert [s["site_id"] for s in content["sites"]] == list(analysed.shortlist["site_id"])
    for s in content["sites"]:
        assert len(s["strengths"]) == 3 and s["risk"]


def test_sheet_pack_for_chosen_sites(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from siteselect.cli.sheet import sheet

    res = CliRunner().invoke(sheet, ["--site", "VAS-12", "--site", "KOP-04", "--pack", "--lang", "en", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    pdf = next((tmp_path / "o").glob("offer_*.pdf"))
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 4
    assert [o.title for o in reader.outline][2:] == [f"1. {n} (VAS-12)" for n in ["Västjädra E18 reserve"]] + [
        "2. Strö E18 reserve (Köping östra) (KOP-04)"]
    assert pdf.with_suffix(".docx").is_file()
