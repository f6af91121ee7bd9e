"""The enquiry summary (HTML and PDF, matplotlib only, no internet).

What the company asked for as a table with labels and units; an overview map
of the shortlist (numbered sites, ports, motorway junctions, rail, the best
site's 45-minute zone); the shortlisted sites side by side; per site its
strongest factors and its main risk in plain language; and why the
best-known excluded sites were left out. Every text comes from the label
table (:mod:`siteselect.core.labels`) in the output's language.

:func:`summary_content` gathers the content as plain data; the HTML page,
the PDF pages (:func:`summary_figures`), the offer pack and the editable
draft (:mod:`siteselect.outputs.offer`) all draw from it.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from siteselect.analysis.reasons import grid_note, number, site_reasons
from siteselect.core.crs import metric_crs
from siteselect.core.labels import label, labels_for
from siteselect.outputs._text import A4_INCHES, factor_names_of, is_missing, mpl_text, wrap_text

__all__ = ["draw_overview_map", "overview_figure", "summary_content", "summary_figures", "write_summary"]

#: Request keys shown in the request table, in this order.
ASK_KEYS = ("company", "contact", "received", "description", "activity", "housing_distance_m", "area_ha",
            "power_mw", "ready_by", "rail_siding", "max_rail_minutes", "max_port_minutes", "max_motorway_minutes",
            "min_workers_45min", "shortlist")
#: Best-known excluded sites explained under "why not …".
WHY_NOT_N = 5
#: Travel time of the zone drawn around the best site, minutes.
ZONE_MINUTES = 45.0
#: Point layers on the overview map: (role, marker, fill, edge, size in points², z-order).
_POINT_STYLES: tuple[tuple[str, str, str, str, float, int], ...] = (
    ("junctions", "o", "white", "#7f0000", 12, 5),
    ("stations", "s", "white", "#252525", 10, 5),
    ("ports", "D", "#2171b5", "black", 28, 6),
)


def _num(v: Any, digits: int = 0, *, lang: str) -> str:
    return "–" if is_missing(v) else number(v, digits, lang=lang)


def _ask_value(key: str, v: Any, *, lang: str) -> str:
    if isinstance(v, bool):
        return label("yes" if v else "no", lang=lang)
    if key == "activity":
        return label(f"act_{v}", lang=lang)
    if key in ("ready_by", "received", "company", "contact", "description"):
        return str(v)
    if isinstance(v, (int, float)):
        return number(v, 0 if float(v).is_integer() else 1, lang=lang)
    return str(v)


def _factor_value(name: str, raw: Any, *, lang: str) -> str:
    """A factor's raw value with its unit, for plain sentences."""
    if is_missing(raw):
        return label("not_known", lang=lang)
    if isinstance(raw, str):
        return label(raw, lang=lang)
    if name.endswith("_minutes"):
        return f"{number(raw, 0, lang=lang)} {label('min', lang=lang)}"
    if name.endswith("_km"):
        return f"{number(raw, 1, lang=lang)} km"
    if name.endswith("_ha"):
        return f"{number(raw, 0, lang=lang)} {label('ha', lang=lang)}"
    if name.startswith(("labour", "pop")):
        return f"{number(raw, 0, lang=lang)} {label('people', lang=lang)}"
    return number(raw, 2, lang=lang)


def _factor_label(name: str, *, lang: str) -> str:
    """A factor's label without its unit in brackets (the value carries the unit)."""
    text = label(name, lang=lang)
    return text[: text.rindex(" (")] if text.endswith(")") and " (" in text else text


def _grid_cell(row: Mapping[str, Any], *, lang: str) -> str:
    status = row.get("grid_status")
    if is_missing(status) or status is None:
        return "–"
    if status in ("sufficient", "insufficient") and not is_missing(row.get("grid_available_mw")):
        year: Any = row.get("grid_available_year")
        text = f"{number(row['grid_available_mw'], 0, lang=lang)} MW"
        if not is_missing(year):
            text = label("grid_mw_by", lang=lang).format(mw=number(row["grid_available_mw"], 0, lang=lang),
                                                         year=int(float(year)))
        return text
    if status == "unknown":
        op = row.get("grid_operator")
        op = op if isinstance(op, str) and op else label("grid_operator", lang=lang)
        return label("grid_unknown_ask", lang=lang).format(operator=op)
    return grid_note(row, lang=lang) or "–"


def _strengths(row: Mapping[str, Any], factors: Sequence[str], *, lang: str) -> list[str]:
    contribs = []
    for n in factors:
        c: Any = row.get(f"{n}_contrib")
        if n == "grid_capacity" and row.get("grid_status") == "unknown":
            continue  # an assumed score is no strength
        if not is_missing(c) and float(c) > 0:
            contribs.append((float(c), n))
    contribs.sort(key=lambda t: -t[0])
    return [label("strength", lang=lang).format(
        factor=_factor_label(n, lang=lang),
        value=_grid_cell(row, lang=lang) if n == "grid_capacity" else _factor_value(n, row.get(f"{n}_raw"), lang=lang))
        for _, n in contribs[:3]]


def _risk(row: Mapping[str, Any], factors: Sequence[str], *, lang: str) -> str:
    status = row.get("grid_status")
    if status == "unknown":
        op = row.get("grid_operator")
        return label("risk_grid_unknown", lang=lang).format(
            operator=op if isinstance(op, str) and op else label("grid_operator", lang=lang))
    if status in ("insufficient", "none_within"):
        return label("risk_grid_short", lang=lang).format(note=grid_note(row, lang=lang) or "–")
    weakest = [(float(row[f"{n}_std"]), n) for n in factors
               if n != "grid_capacity" and not is_missing(row.get(f"{n}_std"))]
    years: Any = row.get("years_to_build_ready")
    if weakest and min(weakest)[0] < 0.5:
        n = min(weakest)[1]
        return label("risk_factor", lang=lang).format(factor=_factor_label(n, lang=lang),
                                                      value=_factor_value(n, row.get(f"{n}_raw"), lang=lang))
    if not is_missing(years) and float(years) >= 2 and not is_missing(row.get("readiness_class")):
        return label("risk_readiness", lang=lang).format(
            cls=row["readiness_class"], label=label(str(row.get("readiness_label", "")), lang=lang),
            years=number(years, 0, lang=lang))
    return label("risk_none", lang=lang)


def summary_content(
    ranking: pd.DataFrame,
    *,
    site_ids: Sequence[str],
    request: Mapping[str, Any] | None,
    scenario_name: str,
    lang: str,
    why_not_ids: Sequence[str] = (),
    rail_column: str = "rail_minutes",
    grid_unknown: Any = None,
) -> dict[str, Any]:
    """The summary's content as plain data, all text in ``lang``.

    Parameters
    ----------
    ranking
        The run's ranking (``site_id``, ``name``, measures, ``*_raw`` /
        ``*_std`` / ``*_contrib`` per factor, grid and readiness columns).
    site_ids
        The shortlisted (or hand-picked) sites, in the order they are numbered.
    request
        The enquiry as asked (``None`` for a hand-picked pack: no request table).
    scenario_name
        Shown in the footnote.
    lang
        ``"sv"`` or ``"en"``.
    why_not_ids
        Excluded sites to explain, best-known first.
    rail_column
        Minutes to the rail stations that matter (``rail_minutes_combi_freight``
        when a siding was asked for).
    grid_unknown
        The enquiry's ``grid.unknown`` setting, stated once in the notes.

    Returns
    -------
    dict
        ``title``, ``asked`` [(label, value)], ``header`` and ``rows`` of the
        comparison table, ``sites`` (number, id, name, strengths, risk),
        ``why_not`` (site, reasons), ``notes``.

    Raises
    ------
    siteselect.errors.LanguageError
        ``lang`` is not an output language.
    """
    lab = labels_for(lang)
    by_id = ranking.set_index(ranking["site_id"].astype(str), drop=False)
    factors = factor_names_of(ranking)
    company = str((request or {}).get("company") or "")
    title = f"{lab['sum_title']}: {company}" if company else f"{lab['sum_title']}: {scenario_name}"
    asked = [(label(f"req_{k}", lang=lang), _ask_value(k, request[k], lang=lang))
             for k in ASK_KEYS if request and k in request and request[k] is not None]
    header = [lab["sum_no"], lab["sum_site"], lab["usable_area_ha"], f"{lab['plan_status']} / {lab['readiness']}",
              lab["port_minutes"], lab["motorway_minutes"],
              lab["rail_terminal_minutes"] if rail_column != "rail_minutes" else lab["rail_minutes"],
              lab["pop_30min"], lab["pop_45min"], lab["pop_60min"], lab["grid_capacity"], lab["score"],
              lab["rank_range"] if "rank_min" in ranking.columns else lab["rank"]]
    rows: list[list[str]] = []
    sites: list[dict[str, Any]] = []
    for i, sid in enumerate(site_ids, start=1):
        r = by_id.loc[str(sid)]
        g = r.get
        name = str(g("name")) if not is_missing(g("name")) else str(sid)
        plan = label(str(g("plan_status")), lang=lang) if not is_missing(g("plan_status")) else "–"
        if not is_missing(g("readiness_class")):
            plan += f" / {g('readiness_class')} {label(str(g('readiness_label', '')), lang=lang)}"
            if not is_missing(g("years_to_build_ready")):
                plan += f" ({number(g('years_to_build_ready'), 0, lang=lang)} {lab['years_to_ready']})"
        rank = _num(g("rank"), lang=lang)
        if "rank_min" in r.index and not is_missing(g("rank_min")):
            rank = f"{rank} ({_num(g('rank_min'), lang=lang)}–{_num(g('rank_max'), lang=lang)})"
        rail = g(rail_column) if rail_column in r.index else g("rail_minutes")
        rows.append([str(i), f"{name} ({sid})", _num(g("usable_area_ha"), 0, lang=lang), plan,
                     _num(g("port_minutes"), lang=lang), _num(g("motorway_minutes"), lang=lang),
                     _num(rail, lang=lang), _num(g("pop_30min"), lang=lang), _num(g("pop_45min"), lang=lang),
                     _num(g("pop_60min"), lang=lang), _grid_cell(r, lang=lang), _num(g("score"), 2, lang=lang),
                     rank])
        sites.append({"no": i, "site_id": str(sid), "name": name,
                      "municipality": "" if is_missing(g("municipality")) else str(g("municipality")),
                      "strengths": _strengths(r, factors, lang=lang), "risk": _risk(r, factors, lang=lang)})
    # a fact no shortlisted site has (no grid asked for, no rail measured) is left out
    keep = [j for j in range(len(header)) if j < 2 or not rows or any(r[j] != "–" for r in rows)]
    header = [header[j] for j in keep]
    rows = [[r[j] for j in keep] for r in rows]
    why_not = []
    for sid in why_not_ids:
        r = by_id.loc[str(sid)]
        name = str(r.get("name")) if not is_missing(r.get("name")) else str(sid)
        why_not.append({"site_id": str(sid), "name": name,
                        "heading": lab["sum_why_not"].format(site=f"{name} ({sid})"),
                        "reasons": site_reasons(r, lang=lang)})
    notes = [lab["sum_note"]]
    if isinstance(grid_unknown, str) and grid_unknown in lab:
        notes.append(lab[grid_unknown])
    notes.append(f"{lab['sum_scenario']}: {scenario_name}.")
    return {"title": title, "asked": asked, "header": header, "rows": rows, "sites": sites,
            "why_not": why_not, "notes": notes, "lang": lang}


# ---------------------------------------------------------------- the overview map


def draw_overview_map(
    ax: Axes,
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None,
    site_ids: Sequence[str],
    *,
    lang: str,
) -> None:
    """Numbered sites, ports, motorway junctions, rail and the first site's 45-minute zone on ``ax``."""
    lab = labels_for(lang)
    crs = metric_crs(ranking)
    work = ranking.to_crs(crs)
    by_id = work.set_index(work["site_id"].astype(str), drop=False)
    chosen = by_id.loc[[str(s) for s in site_ids]] if site_ids else by_id.iloc[0:0]

    def lay(role: str) -> gpd.GeoDataFrame | None:
        f = layers.get(role)
        if f is None or f.crs is None or f.empty:
            return None
        return f.to_crs(crs)

    county = lay("county")
    if county is not None:
        minx, miny, maxx, maxy = county.total_bounds
    elif len(chosen):
        minx, miny, maxx, maxy = chosen.buffer(30_000).total_bounds
    else:
        minx, miny, maxx, maxy = work.total_bounds
    zone = None
    if isochrones is not None and len(chosen) and "minutes" in isochrones.columns:
        iso = isochrones.to_crs(crs) if isochrones.crs is not None else isochrones
        z = iso[(iso["site_id"].astype(str) == str(site_ids[0])) & ((iso["minutes"] - ZONE_MINUTES).abs() < 1e-6)]
        if len(z):
            zone = z
            zx0, zy0, zx1, zy1 = z.total_bounds
            minx, miny, maxx, maxy = min(minx, zx0), min(miny, zy0), max(maxx, zx1), max(maxy, zy1)
    pad = 0.03 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    handles: list[Any] = []
    ax.set_facecolor("#fbfbf8")
    water = lay("water")
    if water is not None:
        w = water.cx[minx:maxx, miny:maxy]
        if len(w) > 20_000:
            w = w.iloc[w.area.to_numpy().argsort()[::-1][:20_000]]
        if len(w):
            w.plot(ax=ax, color="#cfe3f0", edgecolor="none", zorder=1)
    munis = lay("municipalities")
    if munis is not None:
        munis.boundary.plot(ax=ax, color="#bbbbbb", lw=0.4, zorder=2)
    if county is not None:
        county.boundary.plot(ax=ax, color="#555555", lw=0.9, linestyle="--", zorder=2)
    if zone is not None:
        zone.plot(ax=ax, facecolor="#fdbb84", edgecolor="#b30000", lw=0.8, alpha=0.45, zorder=3)
        handles.append(Patch(facecolor="#fdbb84", edgecolor="#b30000", alpha=0.6, label=lab["sum_zone45"]))
    roads = lay("roads")
    if roads is not None and "road_class" in roads.columns:
        mw = roads[roads["road_class"].isin(["motorway", "trunk"])]
        if len(mw):
            mw.plot(ax=ax, color="#d7301f", lw=1.4, zorder=4)
            handles.append(Line2D([], [], color="#d7301f", lw=1.4, label=label("road_motorway", lang=lang)))
    rail = lay("rail")
    if rail is not None:
        rail.plot(ax=ax, color="#252525", lw=0.8, zorder=4)
        handles.append(Line2D([], [], color="#252525", lw=0.8, label=lab["rail"]))
    for role, marker, colour, edge, size, z in _POINT_STYLES:
        points = lay(role)
        if points is not None:
            points.plot(ax=ax, marker=marker, color=colour, edgecolor=edge, markersize=size, zorder=z,
                        **({"lw": 0.8} if role == "junctions" else {}))
            handles.append(Line2D([], [], marker=marker, color=colour, markeredgecolor=edge, lw=0, label=lab[role]))
    for i, (_, r) in enumerate(chosen.iterrows(), start=1):
        p = r.geometry.representative_point()
        ax.scatter([p.x], [p.y], s=170, c="#ffd92f", edgecolors="black", linewidths=0.9, zorder=8)
        ax.text(p.x, p.y, str(i), ha="center", va="center", fontsize=8, fontweight="bold", zorder=9)
    handles.append(Line2D([], [], marker="o", color="#ffd92f", markeredgecolor="black", lw=0, markersize=9,
                          label=lab["sum_shortlist"]))
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_anchor("N")  # a wide county sits right under its heading
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.legend(handles=handles, loc="lower left", fontsize=6.5, framealpha=0.85)


def overview_figure(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None,
    site_ids: Sequence[str],
    *,
    lang: str,
) -> Figure:
    """The overview map alone on a square figure (for the HTML page and the editable draft)."""
    fig = Figure(figsize=(A4_INCHES[0], A4_INCHES[0]))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    draw_overview_map(ax, ranking, layers, isochrones, site_ids, lang=lang)
    return fig


# ---------------------------------------------------------------- pages


def summary_figures(
    content: Mapping[str, Any],
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    isochrones: gpd.GeoDataFrame | None,
    site_ids: Sequence[str],
) -> list[Figure]:
    """The summary as A4 pages: title, request and overview map; comparison, strengths and risks, why not."""
    lang = str(content["lang"])
    lab = labels_for(lang)
    fig = Figure(figsize=A4_INCHES)
    fig.text(0.06, 0.965, mpl_text(wrap_text(content["title"], 60)), fontsize=16, fontweight="bold", va="top")
    y = 0.915
    if content["asked"]:
        fig.text(0.06, y, mpl_text(lab["sum_asked"]), fontsize=12, fontweight="bold", va="top")
        y -= 0.025
        for k, v in content["asked"]:
            wrapped = wrap_text(v, 70)
            fig.text(0.06, y, mpl_text(k), fontsize=8.5, color="#444444", va="top")
            fig.text(0.40, y, mpl_text(wrapped), fontsize=8.5, va="top")
            y -= 0.0165 * (wrapped.count("\n") + 1)
        y -= 0.01
    fig.text(0.06, y, mpl_text(lab["sum_map"]), fontsize=12, fontweight="bold", va="top")
    ax = fig.add_axes((0.06, 0.06, 0.88, max(0.2, y - 0.08)))
    draw_overview_map(ax, ranking, layers, isochrones, site_ids, lang=lang)
    pages = [fig]

    fig2 = Figure(figsize=A4_INCHES)
    pages.append(fig2)
    fig2.text(0.06, 0.965, mpl_text(lab["sum_compare"]), fontsize=14, fontweight="bold", va="top")
    y = 0.93
    if content["rows"]:
        y = _draw_table(fig2, content["header"], content["rows"], top=y)
    else:
        fig2.text(0.06, y, mpl_text(lab["sum_none"]), fontsize=10, va="top")
        y -= 0.03
    y -= 0.02
    page = fig2

    def line(text: str, *, size: float = 8.0, bold: bool = False, indent: float = 0.06, width: int = 115) -> None:
        nonlocal y, page
        for chunk in textwrap.wrap(text, width=width) or [""]:
            if y < 0.06:  # continue on a new page, never cut
                page = Figure(figsize=A4_INCHES)
                pages.append(page)
                y = 0.95
            page.text(indent, y, mpl_text(chunk), fontsize=size, fontweight="bold" if bold else "normal", va="top")
            y -= size * 0.0015 + 0.0035

    for s in content["sites"]:
        line(f"{s['no']}. {s['name']} ({s['site_id']})" + (f", {s['municipality']}" if s["municipality"] else ""),
             bold=True, size=8.5)
        line(f"{lab['sum_strengths']}: " + "; ".join(s["strengths"]), indent=0.08, width=118)
        line(f"{lab['sum_risk']}: {s['risk']}", indent=0.08, width=118)
        y -= 0.004
    if content["why_not"]:
        y -= 0.01
        line(lab["sum_excluded"], size=10.5, bold=True)
        for w in content["why_not"]:
            line(w["heading"], bold=True, size=8)
            line("; ".join(w["reasons"]) or "–", indent=0.08, width=110)
    y -= 0.008
    for note in content["notes"]:
        line(note, size=7, width=140)
    return pages


def _draw_table(fig: Figure, header: Sequence[str], rows: Sequence[Sequence[str]], *, top: float) -> float:
    """The comparison transposed (one column per site, one row per fact) drawn as text; returns the y below it."""
    left, label_w, right = 0.06, 0.22, 0.95
    col_w = (right - left - label_w) / max(len(rows), 1)
    chars = max(10, int(col_w * 150))
    line_h, pad = 0.0118, 0.006
    y = top
    for j, h in enumerate(header):
        cells = [wrap_text(h, 30)] + [wrap_text(r[j], chars) for r in rows]
        n_lines = max(c.count("\n") + 1 for c in cells)
        height = n_lines * line_h + pad
        if j == 0:
            fig.add_artist(Rectangle((left, y - height), right - left, height, facecolor="#eeeeee",
                                     edgecolor="none", zorder=0))
        for k, c in enumerate(cells):
            x = left if k == 0 else left + label_w + (k - 1) * col_w
            fig.text(x + 0.004, y - pad / 2, mpl_text(c), fontsize=7, va="top", linespacing=1.1,
                     color="#444444" if k == 0 else "black", fontweight="bold" if j == 0 else "normal")
        y -= height
        fig.add_artist(Line2D([left, right], [y, y], color="#cccccc", lw=0.6))
    return y


def summary_html(content: Mapping[str, Any], *, map_png: str | None = None) -> str:
    """The summary as one HTML page (every text escaped); ``map_png`` is the overview map's file name."""
    lang = str(content["lang"])
    lab = labels_for(lang)
    e = html.escape
    parts = [
        "<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        f"<title>{e(content['title'])}</title>",
        ("<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;font-size:14px}"
         "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;"
         "text-align:left}th{background:#eee}.note{color:#555;font-size:12px}img{max-width:100%}</style>"
         "</head><body>"),
        f"<h1>{e(content['title'])}</h1>",
    ]
    if content["asked"]:
        parts.append(f"<h2>{e(lab['sum_asked'])}</h2><table>")
        parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in content["asked"]]
        parts.append("</table>")
    if map_png:
        parts.append(f'<h2>{e(lab["sum_map"])}</h2><img src="{e(map_png)}" alt="{e(lab["sum_map"])}">')
    parts.append(f"<h2>{e(lab['sum_compare'])}</h2>")
    if content["rows"]:
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in content["header"]) + "</tr>")
        for r in content["rows"]:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
        parts.append("</table>")
    else:
        parts.append(f"<p>{e(lab['sum_none'])}</p>")
    for s in content["sites"]:
        parts.append(f"<h3>{e(str(s['no']))}. {e(s['name'])} ({e(s['site_id'])})</h3><ul>"
                     f"<li><b>{e(lab['sum_strengths'])}:</b> {e('; '.join(s['strengths']))}</li>"
                     f"<li><b>{e(lab['sum_risk'])}:</b> {e(s['risk'])}</li></ul>")
    if content["why_not"]:
        parts.append(f"<h2>{e(lab['sum_excluded'])}</h2>")
        for w in content["why_not"]:
            parts.append(f"<h3>{e(w['heading'])}</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in w["reasons"])
                         + "</ul>")
    parts += [f'<p class="note">{e(n)}</p>' for n in content["notes"]]
    parts.append("</body></html>")
    return "\n".join(parts)


def _save_pages(pages: Sequence[Figure], path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        for fig in pages:
            pdf.savefig(fig)


def write_summary(
    content: Mapping[str, Any],
    pages: Sequence[Figure],
    out_dir: str | Path,
    *,
    map_figure: Figure | None = None,
) -> dict[str, Path]:
    """Write ``summary.html``, ``summary.pdf`` and (with ``map_figure``) ``summary_map.png`` into ``out_dir``.

    Returns
    -------
    dict
        ``summary_html``, ``summary_pdf`` and ``summary_map`` paths.
    """
    from siteselect.core.output import atomic_write, write_text

    out = Path(out_dir)
    paths: dict[str, Path] = {}
    map_name = None
    if map_figure is not None:
        paths["summary_map"] = atomic_write(out / "summary_map.png",
                                            lambda tmp: map_figure.savefig(tmp, format="png", dpi=110))
        map_name = paths["summary_map"].name
    paths["summary_html"] = write_text(out / "summary.html", summary_html(content, map_png=map_name))
    paths["summary_pdf"] = atomic_write(out / "summary.pdf", lambda tmp: _save_pages(pages, tmp))
    return paths
