"""The offer pack: the summary and each chosen site's sheet in one PDF, and an editable Word draft.

``offer_<company>_<date>.pdf`` holds the summary pages (:mod:`siteselect.outputs.summary`)
and one sheet per site (:mod:`siteselect.outputs.sheets`), numbered "page i of n",
with a bookmark per part. ``offer_<company>_<date>.docx`` says the same with
real text and tables (the maps as images) for an advisor to adapt in Word or
LibreOffice before it goes out. Names, reasons and notes are written as
literal text in both: nothing a site or request holds is read as markup.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from siteselect.analysis.reasons import site_reasons
from siteselect.analysis.result import Result
from siteselect.core.labels import labels_for
from siteselect.core.output import atomic_write
from siteselect.errors import OptionError
from siteselect.outputs._text import factor_names_of
from siteselect.outputs.sheets import factor_contributions, sheet_facts, site_sheet_figures
from siteselect.outputs.summary import overview_figure

__all__ = ["offer_stem", "write_offer_pack", "write_sheet_pack"]

#: Characters Word's XML cannot hold (C0 controls but tab/newline/CR, and U+FFFE/U+FFFF).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def offer_stem(company: str, *, on: date | None = None) -> str:
    """File name stem ``offer_<company>_<YYYY-MM-DD>``, safe on every file system.

    The company is folded to ASCII letters, digits and ``-`` (at most 40
    characters; ``offer_sites_…`` when nothing is left), so ``<script>`` or
    ``../x`` can never leave the folder or make a reserved name.
    """
    day = (on or datetime.now(UTC).date()).isoformat()
    folded = unicodedata.normalize("NFKD", str(company)).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40].strip("-") or "sites"
    return f"offer_{slug}_{day}"


def _docx_text(text: Any) -> str:
    return _XML_BAD.sub("", str(text))


def _png(fig: Figure, *, dpi: int = 130) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    return buf


def _write_pdf(pages: Sequence[Figure], bookmarks: Sequence[tuple[str, int]], path: Path, *, lang: str) -> None:
    from matplotlib.backends.backend_pdf import PdfPages
    from pypdf import PdfReader, PdfWriter

    lab = labels_for(lang)
    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        for i, fig in enumerate(pages, start=1):
            stamp = fig.text(0.94, 0.012, f"{lab['sum_page']} {i} {lab['sum_of']} {len(pages)}", ha="right",
                             va="bottom", fontsize=7.5, color="#555555")
            try:
                pdf.savefig(fig)
            finally:
                stamp.remove()
    buf.seek(0)
    writer = PdfWriter(clone_from=PdfReader(buf))
    for title, page in bookmarks:
        writer.add_outline_item(title=title, page_number=page)
    writer.page_mode = "/UseOutlines"
    with open(path, "wb") as fh:
        writer.write(fh)


def _write_docx(content: Mapping[str, Any], map_fig: Figure, sheets: Sequence[tuple[pd.Series, Figure]],
                factor_names: Sequence[str], path: Path, *, n_ranked: int) -> None:
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt

    lang = str(content["lang"])
    lab = labels_for(lang)
    t = _docx_text
    doc = Document()
    doc.core_properties.title = t(content["title"])
    doc.core_properties.language = lang
    style = doc.styles["Normal"]
    style.font.size = Pt(9.5)
    doc.add_heading(t(content["title"]), level=0)
    if content["asked"]:
        doc.add_heading(t(lab["sum_asked"]), level=1)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for k, v in content["asked"]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = t(k), t(v)
    doc.add_heading(t(lab["sum_map"]), level=1)
    doc.add_picture(_png(map_fig), width=Cm(16))
    doc.add_heading(t(lab["sum_compare"]), level=1)
    if content["rows"]:
        header, rows = content["header"], content["rows"]
        table = doc.add_table(rows=len(header), cols=len(rows) + 1)
        table.style = "Table Grid"
        for j, h in enumerate(header):
            table.cell(j, 0).text = t(h)
            for i, r in enumerate(rows, start=1):
                table.cell(j, i).text = t(r[j])
    else:
        doc.add_paragraph(t(lab["sum_none"]))
    for s in content["sites"]:
        doc.add_heading(t(f"{s['no']}. {s['name']} ({s['site_id']})"), level=2)
        doc.add_paragraph(t(f"{lab['sum_strengths']}: " + "; ".join(s["strengths"])), style="List Bullet")
        doc.add_paragraph(t(f"{lab['sum_risk']}: {s['risk']}"), style="List Bullet")
    if content["why_not"]:
        doc.add_heading(t(lab["sum_excluded"]), level=1)
        for w in content["why_not"]:
            doc.add_heading(t(w["heading"]), level=3)
            for reason in w["reasons"] or ["–"]:
                doc.add_paragraph(t(reason), style="List Bullet")
    for note in content["notes"]:
        doc.add_paragraph(t(note)).runs[0].font.size = Pt(8)
    for row, fig in sheets:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        name = row.get("name") if isinstance(row.get("name"), str) and row.get("name") else row["site_id"]
        doc.add_heading(t(f"{lab['sheet_title']}: {name} ({row['site_id']})"), level=1)
        doc.add_picture(_png(fig, dpi=110), width=Cm(15))
        doc.add_heading(t(lab["facts"]), level=2)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for k, v in sheet_facts(row, lang=lang, n_ranked=n_ranked):
            cells = table.add_row().cells
            cells[0].text, cells[1].text = t(k), t(v)
        if bool(row.get("excluded", False)):
            doc.add_heading(t(lab["excluded_because"]), level=2)
            for reason in site_reasons(row, lang=lang) or ["–"]:
                doc.add_paragraph(t(reason), style="List Bullet")
        else:
            doc.add_heading(t(lab["drivers"]), level=2)
            from siteselect.core.labels import label

            for n, _c, share in factor_contributions(row, factor_names):
                doc.add_paragraph(t(f"{label(n, lang=lang)}: {100 * share:.0f} %"), style="List Bullet")
    doc.save(str(path))


def write_offer_pack(
    content: Mapping[str, Any],
    summary_pages: Sequence[Figure],
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None,
    *,
    site_ids: Sequence[str],
    out_dir: str | Path,
    company: str,
    lang: str,
    on: date | None = None,
    map_figure: Figure | None = None,
    sheets: Sequence[tuple[pd.Series, Figure]] | None = None,
) -> dict[str, Path]:
    """Write ``offer_<company>_<date>.pdf`` and ``.docx`` into ``out_dir``.

    Parameters
    ----------
    content, summary_pages
        From :func:`siteselect.outputs.summary.summary_content` and
        :func:`siteselect.outputs.summary.summary_figures`.
    ranking, layers, isochrones
        The run's ranking (with geometry), layers and travel-time zones.
    site_ids
        The sites whose sheets follow the summary, in order.
    out_dir
        Output folder (a staging folder of :class:`siteselect.core.output.OutputFolder`).
    company
        Goes into the file names (see :func:`offer_stem`).
    lang
        ``"sv"`` or ``"en"``.
    on
        Date in the file names; default today (UTC).
    map_figure
        The overview map for the draft (:func:`siteselect.outputs.summary.overview_figure`); drawn when ``None``.
    sheets
        The sheets of ``site_ids`` already drawn (:func:`siteselect.outputs.sheets.site_sheet_figures`,
        in the same order); drawn when ``None``.

    Returns
    -------
    dict
        ``offer_pdf`` and ``offer_docx`` paths.
    """
    lab = labels_for(lang)
    if sheets is None:
        sheets = site_sheet_figures(ranking, layers, site_ids=list(site_ids), top_n=0, isochrones=isochrones,
                                    lang=lang) if site_ids else []
    elif [str(row["site_id"]) for row, _ in sheets] != [str(s) for s in site_ids]:
        raise OptionError(f"sheets: drawn for {[str(row['site_id']) for row, _ in sheets]}, but site_ids are "
                          f"{[str(s) for s in site_ids]}; pass the sheets of exactly these sites, in order")
    pages = list(summary_pages) + [fig for _, fig in sheets]
    bookmarks = [(str(content["title"]), 0)]
    if len(summary_pages) > 1:
        bookmarks.append((lab["sum_compare"], 1))
    for i, (row, _fig) in enumerate(sheets):
        name = row.get("name") if isinstance(row.get("name"), str) and row.get("name") else row["site_id"]
        bookmarks.append((f"{i + 1}. {name} ({row['site_id']})", len(summary_pages) + i))
    stem = offer_stem(company, on=on)
    out = Path(out_dir)
    pdf = atomic_write(out / f"{stem}.pdf", lambda tmp: _write_pdf(pages, bookmarks, tmp, lang=lang))
    if map_figure is None:
        map_figure = overview_figure(ranking, layers, isochrones, list(site_ids), lang=lang)
    map_fig = map_figure
    factor_names = factor_names_of(ranking)
    n_ranked = int(ranking["rank"].notna().sum()) if "rank" in ranking.columns else 0
    docx = atomic_write(out / f"{stem}.docx",
                        lambda tmp: _write_docx(content, map_fig, sheets, factor_names, tmp, n_ranked=n_ranked))
    return {"offer_pdf": pdf, "offer_docx": docx}


def write_sheet_pack(
    result: Result,
    sheets: Sequence[tuple[pd.Series, Figure]],
    *,
    out_dir: str | Path,
    lang: str,
    on: date | None = None,
) -> dict[str, Path]:
    """The offer pack of hand-picked sites (``siteselect sheet --pack``), named after the scenario.

    Parameters
    ----------
    result
        The run's result.
    sheets
        The chosen sites' sheets, in order, as drawn by
        :func:`siteselect.outputs.sheets.site_sheet_figures` (each is drawn once
        and serves both the sheet files and the pack).
    out_dir, lang, on
        As for :func:`write_offer_pack`.
    """
    from siteselect.outputs.summary import summary_content, summary_figures

    ranking = result.ranking
    ids = [str(row["site_id"]) for row, _ in sheets]
    content = summary_content(ranking, site_ids=ids, request=None, scenario_name=result.scenario.name, lang=lang)
    pages = summary_figures(content, ranking, result.layers, result.isochrones, ids)
    return write_offer_pack(content, pages, ranking, result.layers, result.isochrones, site_ids=ids,
                            out_dir=out_dir, company=result.scenario.name, lang=lang, on=on, sheets=sheets)
