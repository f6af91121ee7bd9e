"""The one-page enquiry summary (HTML and PDF, matplotlib only, no internet).

What the company asked for, the shortlist with grid and land-readiness
status, and why the best-scoring excluded sites were excluded.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["summary_lines", "write_summary"]

A4_INCHES = (8.27, 11.69)

_TEXT = {
    "sv": {
        "title": "Svar på förfrågan", "asked": "Förfrågan", "shortlist": "Förslag på platser",
        "excluded": "Bortvalda platser med högst potential", "none": "Ingen plats uppfyller kraven.",
        "rank": "Nr", "site": "Plats", "muni": "Kommun", "score": "Poäng", "ha": "ha",
        "grid": "El", "ready": "Markberedskap", "years": "år till byggklar", "reason": "Skäl",
        "note": "Elkapacitet: uppgifter och projekt är offentliga uttalanden, inte löften. "
                "Okänd kapacitet måste bekräftas av nätägaren.",
    },
    "en": {
        "title": "Enquiry answer", "asked": "Request", "shortlist": "Proposed sites",
        "excluded": "Excluded sites with the highest potential", "none": "No site meets the requirements.",
        "rank": "No.", "site": "Site", "muni": "Municipality", "score": "Score", "ha": "ha",
        "grid": "Grid", "ready": "Land readiness", "years": "years to build-ready", "reason": "Reason",
        "note": "Grid capacity: figures and projects are public statements, not promises. "
                "Unknown capacity must be confirmed by the grid operator.",
    },
}
_ASK_KEYS = ("company", "received", "description", "activity", "area_ha", "power_mw", "ready_by", "rail_siding",
             "max_rail_minutes", "max_port_minutes", "max_motorway_minutes", "min_workers_45min")


def _t(lang: str) -> Mapping[str, str]:
    return _TEXT["en" if lang == "en" else "sv"]


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def summary_lines(enq: Any, request: Mapping[str, Any], *, lang: str) -> dict[str, Any]:
    """The summary's content as plain data (shared by HTML and PDF)."""
    t = _t(lang)
    asked = [(k, _fmt(request[k])) for k in _ASK_KEYS if k in request and request[k] is not None]
    rows = []
    for _, r in enq.shortlist.iterrows():
        note_col = "grid_note_sv" if lang != "en" and "grid_note_sv" in r else "grid_note"
        grid = _fmt(r.get(note_col)) if note_col in r else "–"
        rows.append({
            "rank": _fmt(r.get("rank")), "site": f"{r['site_id']} {r['name']}", "muni": _fmt(r.get("municipality")),
            "score": _fmt(r.get("score"), 2), "ha": _fmt(r.get("usable_area_ha"), 1), "grid": grid,
            "ready": f"{r.get('readiness_class', '–')} {r.get('readiness_label', '')} "
                     f"({_fmt(r.get('years_to_build_ready'), 1)} {t['years']})",
            "assumption": _fmt(r.get("grid_assumption")) if r.get("grid_assumption") else "",
        })
    excluded = [
        {"site": f"{r['site_id']} {r['name']}", "muni": _fmt(r.get("municipality")),
         "reason": _fmt(r.get("exclusion_reason"))}
        for _, r in enq.excluded.head(5).iterrows()
    ]
    return {"title": f"{t['title']}: {request.get('company', '')}", "asked": asked, "rows": rows,
            "excluded": excluded, "scenario": enq.result.scenario.name}


def _html(content: Mapping[str, Any], lang: str) -> str:
    t = _t(lang)
    e = html.escape
    parts = [
        "<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        f"<title>{e(content['title'])}</title>",
        ("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;font-size:14px}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;"
        "text-align:left}th{background:#eee}.note{color:#555;font-size:12px}</style></head><body>"),
        f"<h1>{e(content['title'])}</h1>",
        f"<h2>{e(t['asked'])}</h2><table>",
    ]
    for k, v in content["asked"]:
        parts.append(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>")
    parts.append(f"</table><h2>{e(t['shortlist'])}</h2>")
    if content["rows"]:
        parts.append(f"<table><tr><th>{e(t['rank'])}</th><th>{e(t['site'])}</th><th>{e(t['muni'])}</th>"
                     f"<th>{e(t['score'])}</th><th>{e(t['ha'])}</th><th>{e(t['grid'])}</th><th>{e(t['ready'])}</th></tr>")
        for r in content["rows"]:
            grid = e(r["grid"]) + (f"<br><i>{e(r['assumption'])}</i>" if r["assumption"] else "")
            parts.append(f"<tr><td>{e(r['rank'])}</td><td>{e(r['site'])}</td><td>{e(r['muni'])}</td>"
                         f"<td>{e(r['score'])}</td><td>{e(r['ha'])}</td><td>{grid}</td><td>{e(r['ready'])}</td></tr>")
        parts.append("</table>")
    else:
        parts.append(f"<p>{e(t['none'])}</p>")
    parts.append(f"<h2>{e(t['excluded'])}</h2><table><tr><th>{e(t['site'])}</th><th>{e(t['muni'])}</th>"
                 f"<th>{e(t['reason'])}</th></tr>")
    for r in content["excluded"]:
        parts.append(f"<tr><td>{e(r['site'])}</td><td>{e(r['muni'])}</td><td>{e(r['reason'])}</td></tr>")
    parts.append(f"</table><p class=\"note\">{e(t['note'])} Scenario: {e(content['scenario'])}.</p></body></html>")
    return "\n".join(parts)


def _pdf(content: Mapping[str, Any], path: Path, lang: str) -> None:
    t = _t(lang)
    fig = Figure(figsize=A4_INCHES)
    y = 0.96

    def line(text: str, *, size: float = 8.5, bold: bool = False, indent: float = 0.06, width: int = 110) -> None:
        nonlocal y
        for chunk in textwrap.wrap(text.replace("$", r"\$"), width=width) or [""]:
            if y < 0.04:
                return
            fig.text(indent, y, chunk, fontsize=size, fontweight="bold" if bold else "normal", va="top")
            y -= size * 0.0019 + 0.004

    line(content["title"], size=15, bold=True, width=60)
    y -= 0.01
    line(t["asked"], size=11, bold=True)
    line("; ".join(f"{k}: {v}" for k, v in content["asked"]), width=120)
    y -= 0.01
    line(t["shortlist"], size=11, bold=True)
    if not content["rows"]:
        line(t["none"])
    for r in content["rows"]:
        line(f"{r['rank']}. {r['site']} ({r['muni']}) — {t['score'].lower()} {r['score']}, {r['ha']} ha", bold=True)
        line(f"{t['grid']}: {r['grid']}" + (f" [{r['assumption']}]" if r["assumption"] else ""), indent=0.09)
        line(f"{t['ready']}: {r['ready']}", indent=0.09)
    y -= 0.01
    line(t["excluded"], size=11, bold=True)
    for r in content["excluded"]:
        line(f"{r['site']} ({r['muni']}): {r['reason']}", width=115)
    y -= 0.01
    line(t["note"] + f" Scenario: {content['scenario']}.", size=7.5, width=140)
    fig.savefig(path, format="pdf")


def write_summary(enq: Any, out_dir: str | Path, *, request: Mapping[str, Any], lang: str = "sv") -> dict[str, Path]:
    """Write ``summary.html`` and ``summary.pdf`` into ``out_dir``.

    Returns
    -------
    dict
        ``summary_html`` and ``summary_pdf`` paths.
    """
    from ._output import atomic_write, write_text

    out = Path(out_dir)
    content = summary_lines(enq, request, lang=lang)
    html_path = write_text(out / "summary.html", _html(content, lang))
    pdf_path = atomic_write(out / "summary.pdf", lambda tmp: _pdf(content, tmp, lang))
    return {"summary_html": html_path, "summary_pdf": pdf_path}
