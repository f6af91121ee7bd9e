"""One-page site sheets (PDF, PNG and HTML) for investment advisors: the page around the maps.

Each sheet is an A4 page drawn with matplotlib only (no tiles, no internet):
a static map of the site and its surroundings (:mod:`siteselect.outputs.sheet_maps`),
a fact box and what drives the score. Excluded sites get a sheet that says
why, when asked for by id. :func:`site_sheet_figures` draws the pages,
:func:`save_site_sheets` writes drawn pages, :func:`write_site_sheets` does both.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from siteselect.analysis.reasons import grid_note, site_reasons
from siteselect.core.crs import metric_crs
from siteselect.core.defaults import TOP_N_SITES
from siteselect.core.labels import label, labels_for
from siteselect.core.output import atomic_write
from siteselect.errors import CRSError, MissingFieldError, OptionError, UnknownSiteError
from siteselect.outputs._text import A4_INCHES, factor_names_of
from siteselect.outputs._text import format_number as _fmt
from siteselect.outputs._text import is_missing as _is_missing
from siteselect.outputs._text import mpl_text as _mpl
from siteselect.outputs._text import wrap_text as _wrap
from siteselect.outputs.sheet_maps import draw_sheet_overview, draw_site_map

__all__ = ["factor_contributions", "safe_site_filename", "save_site_sheets", "sheet_facts", "site_sheet_figures",
           "write_site_sheets"]


def safe_site_filename(site_id: str) -> str:
    """File name stem for a site id: letters, digits, ``.``, ``_`` and ``-`` only.

    An id that had to be changed gets a short hash of the original appended,
    so two ids never share a file (``"VS/6"`` → ``"VS_6-<hash>"``).
    """
    text = str(site_id)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "site"
    cleaned = cleaned[:80]
    if cleaned == text:
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}"



def factor_contributions(row: pd.Series, factor_names: Sequence[str]) -> list[tuple[str, float, float]]:
    """``(factor, contribution, share of score)`` sorted by contribution, largest first."""
    score: Any = row.get("score")
    out = []
    for name in factor_names:
        contrib: Any = row.get(f"{name}_contrib")
        if _is_missing(contrib):
            continue
        share = float(contrib) / float(score) if not _is_missing(score) and float(score) else float("nan")
        out.append((name, float(contrib), share))
    return sorted(out, key=lambda t: -t[1])


def sheet_facts(row: pd.Series, *, lang: str, n_ranked: int | None = None) -> list[tuple[str, str]]:
    """The fact box of one site as ``(label, value)`` rows, in display order."""
    lab = labels_for(lang)
    g = row.get

    def f(col: str, digits: int = 0) -> str:
        return _fmt(g(col), digits, lang=lang)

    def cls(col: str) -> str:
        v = g(col)
        return "–" if _is_missing(v) else lab.get(str(v), str(v))

    def with_name(minutes_col: str, name_col: str) -> str:
        text = f(minutes_col) + (" min" if not _is_missing(g(minutes_col)) else "")
        if not _is_missing(g(name_col)):
            text += f" ({g(name_col)})"
        return text

    plan = cls("plan_status")
    if not _is_missing(g("plan_use")):
        plan += f", {g('plan_use')}"
    area = f("area_ha", 1)
    if not _is_missing(g("usable_area_ha")) and f("usable_area_ha", 1) != area:
        area += f" ({lab['usable_area_ha'].split(' (')[0].lower()} {f('usable_area_ha', 1)})"
    sub = "–"
    if not _is_missing(g("nearest_substation")) or not _is_missing(g("substation_km")):
        parts = [str(g("nearest_substation")) if not _is_missing(g("nearest_substation")) else None,
                 f"{f('substation_voltage_kv')} kV"
                 if not _is_missing(g("substation_voltage_kv")) and "kv" not in str(g("nearest_substation")).lower()
                 else None,
                 f"{f('substation_km', 1)} km" if not _is_missing(g("substation_km")) else None]
        sub = ", ".join(p for p in parts if p)
    rows = [
        (lab["municipality"], cls("municipality")),
        (lab["area_ha"], area),
        (lab["plan_status"], plan),
        (lab["site_type"], cls("site_type")),
        (lab["owner"], cls("owner")),
        (lab["port_minutes"], with_name("port_minutes", "nearest_port")),
        (lab["motorway_minutes"], with_name("motorway_minutes", "nearest_junction")),
        (lab["rail_minutes"], with_name("rail_minutes", "nearest_station")),
        (lab["airport_minutes"], with_name("airport_minutes", "nearest_airport")),
        (lab["nearest_substation_line"], sub),
        (lab["pop_30min"], f("pop_30min")),
        (lab["pop_45min"], f("pop_45min")),
        (lab["pop_60min"], f("pop_60min")),
        (lab["brownfield_class"], cls("mifo_class")),
    ]
    note = grid_note(row, lang=lang)
    if note is not None:
        rows.append((lab["grid_capacity"], note))
    if not _is_missing(g("readiness_class")):
        ready = str(g("readiness_class"))
        if not _is_missing(g("readiness_label")):
            ready += f" – {label(str(g('readiness_label')), lang=lang)}"
        rows.append((lab["readiness"], ready))
    if not bool(g("excluded", False)):
        rank = f("rank")
        if n_ranked and rank != "–":
            rank += f" / {n_ranked}"
        rows.append((lab["score"], f("score", 3)))
        rows.append((lab["rank"], rank))
        if "rank_min" in row.index and not _is_missing(g("rank_min")):
            rows.append((lab["rank_range"], f"{f('rank_min')}–{f('rank_max')}"))
        if "p_top_k" in row.index and not _is_missing(g("p_top_k")):
            p_top: Any = g("p_top_k")
            rows.append((lab["p_top_k"], f"{_fmt(100 * float(p_top), 0, lang=lang)} %"))
    return rows


# ---------------------------------------------------------------- the page


def _draw_sheet(row: pd.Series, layers: Mapping[str, gpd.GeoDataFrame], isochrones: gpd.GeoDataFrame | None,
                factor_names: Sequence[str], *, lang: str, n_ranked: int) -> Figure:
    lab = labels_for(lang)
    fig = Figure(figsize=A4_INCHES)
    excluded = bool(row.get("excluded", False))
    name = row.get("name") if not _is_missing(row.get("name")) else row["site_id"]
    title = f"{lab['sheet_title']}: {name}"
    if len(title) > 90:
        title = title[:89] + "…"
    size = 17.0 if len(title) <= 44 else max(10.0, 17.0 * 44 / len(title))
    fig.text(0.06, 0.965, _mpl(title), fontsize=size, fontweight="bold", va="top")
    sub = f"{lab['site_id']} {row['site_id']}"
    if not _is_missing(row.get("municipality")):
        sub += f" · {row['municipality']}"
    if not excluded and not _is_missing(row.get("rank")):
        sub += f" · {lab['rank']} {_fmt(row['rank'], 0, lang=lang)} / {n_ranked} · {lab['score']} {_fmt(row['score'], 3, lang=lang)}"
    fig.text(0.06, 0.935, _mpl(sub), fontsize=10.5, color="#333333", va="top")
    if excluded:
        fig.text(0.66, 0.925, _mpl(lab["excluded_title"]), fontsize=10, color="white", fontweight="bold",
                 ha="right", va="bottom", bbox={"facecolor": "#b2182b", "edgecolor": "none", "pad": 3})

    ax = fig.add_axes((0.06, 0.455, 0.60, 0.465))
    detail, handles = draw_site_map(ax, row, layers, lang=lang)
    fig.text(0.06, 0.447, _mpl(lab["attribution"]), fontsize=6, color="#555555", va="top")
    fig.text(0.685, 0.92, _mpl(lab["overview"]), fontsize=10.5, fontweight="bold", va="top")
    ov = fig.add_axes((0.685, 0.72, 0.255, 0.175))
    draw_sheet_overview(ov, row, layers, isochrones, detail, lang=lang)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.68, 0.64), fontsize=7.5, frameon=False,
               borderaxespad=0.0, title=_mpl(lab["legend_map"]), title_fontsize=9, alignment="left")

    # fact box
    facts = sheet_facts(row, lang=lang, n_ranked=n_ranked)
    fig.text(0.06, 0.415, _mpl(lab["facts"]), fontsize=12, fontweight="bold", va="top")
    # Rows shrink together (down to 80 %) when a long grid note or exclusion list would
    # otherwise run into the footer; the value column wraps so it never crosses the divider.
    wrapped_facts = [(key, _wrap(value, 29)) for key, value in facts]
    needed = sum(0.0165 + 0.0112 * w.count("\n") for _, w in wrapped_facts)
    shrink = max(0.8, min(1.0, (0.39 - 0.055) / needed)) if needed else 1.0
    y = 0.39
    for key, wrapped in wrapped_facts:
        fig.text(0.06, y, _mpl(key), fontsize=8 * shrink, color="#444444", va="top")
        fig.text(0.325, y, _mpl(wrapped), fontsize=8 * shrink, va="top", linespacing=1.15)
        y -= (0.0165 + 0.0112 * wrapped.count("\n")) * shrink
    fig.add_artist(Line2D([0.545, 0.545], [0.06, 0.415], color="#cccccc", lw=0.8))

    # right column: drivers or exclusion reasons
    if excluded:
        heading = _wrap(lab["excluded_because"], 34)
        fig.text(0.57, 0.415, _mpl(heading), fontsize=11, fontweight="bold", va="top", color="#b2182b",
                 linespacing=1.2)
        reasons = site_reasons(row, lang=lang)
        y = 0.415 - 0.022 * (heading.count("\n") + 1) - 0.012
        for reason in reasons or ["–"]:
            wrapped = _wrap(reason, 44)
            fig.text(0.58, y, _mpl("• " + wrapped), fontsize=9, va="top", linespacing=1.25)
            y -= 0.022 * (wrapped.count("\n") + 1) + 0.006
    else:
        fig.text(0.57, 0.415, _mpl(lab["drivers"]), fontsize=12, fontweight="bold", va="top")
        contribs = factor_contributions(row, factor_names)
        if contribs:
            bar_h = 0.024 if len(contribs) <= 5 else 0.018
            bx = fig.add_axes((0.78, 0.415 - 0.035 - bar_h * len(contribs), 0.14, bar_h * len(contribs)))
            names = [_mpl(label(n, lang=lang)) for n, _, _ in contribs][::-1]
            values = [c for _, c, _ in contribs][::-1]
            bx.barh(range(len(values)), values, color="#41ab5d", height=0.65)
            bx.set_yticks(range(len(values)), names, fontsize=7.5)
            bx.tick_params(axis="x", labelsize=7)
            for i, (v, (_, _, share)) in enumerate(zip(values, contribs[::-1])):
                bx.text(v, i, f" {_fmt(100 * share, 0, lang=lang)} %", va="center", fontsize=7)
            bx.set_xlim(0, max(values) * 1.35 if max(values) > 0 else 1)
            bx.set_xlabel(_mpl(lab["contrib"]), fontsize=7.5)
            for side in ("top", "right"):
                bx.spines[side].set_visible(False)
            y = 0.415 - 0.035 - bar_h * len(contribs) - 0.045
            fig.text(0.57, y, _mpl(f"{lab['factor']} · {lab['raw']} · {lab['std']} · {lab['weight']}"), fontsize=7.5,
                     color="#444444", va="top")
            for n, _, _ in contribs:
                y -= 0.016
                raw = row.get(f"{n}_raw")
                raw_txt = lab.get(raw, raw) if isinstance(raw, str) else _fmt(raw, 2, lang=lang)
                fig.text(0.57, y, _mpl(f"{label(n, lang=lang)}: {raw_txt} · "
                                       f"{_fmt(row.get(f'{n}_std'), 2, lang=lang)} · "
                                       f"{_fmt(row.get(f'{n}_weight'), 2, lang=lang)}"), fontsize=7.5, va="top")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    fig.text(0.06, 0.03, _mpl(f"siteselect · {lab['generated']} {stamp}"), fontsize=7, color="#777777")
    return fig


def _sheet_html(row: pd.Series, facts: list[tuple[str, str]], png_name: str, *, lang: str,
                factor_names: Sequence[str]) -> str:
    lab = labels_for(lang)
    e = html.escape
    name = row.get("name") if not _is_missing(row.get("name")) else row["site_id"]
    rows = "\n".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    extra = ""
    if bool(row.get("excluded", False)):
        reasons = site_reasons(row, lang=lang)
        items = "".join(f"<li>{e(r)}</li>" for r in reasons)
        extra = (f'<section class="excluded"><h2>{e(lab["excluded_title"])}</h2>'
                 f'<p>{e(lab["excluded_because"])}</p><ul>{items}</ul></section>')
    else:
        items = "".join(
            f"<tr><td>{e(label(n, lang=lang))}</td><td>{e(_fmt(c, 3, lang=lang))}</td>"
            f"<td>{e(_fmt(100 * s, 0, lang=lang))} %</td></tr>"
            for n, c, s in factor_contributions(row, factor_names)
        )
        extra = (f'<section><h2>{e(lab["drivers"])}</h2><table class="drivers"><tr><th>{e(lab["factor"])}</th>'
                 f'<th>{e(lab["contrib"])}</th><th>{e(lab["share"])}</th></tr>{items}</table></section>')
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<title>{e(lab["sheet_title"])}: {e(str(name))}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }}
img {{ max-width: 100%; border: 1px solid #ccc; }}
table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: 2px 8px; vertical-align: top; }}
th {{ color: #444; font-weight: normal; }} .excluded h2 {{ color: #b2182b; }}
</style>
</head>
<body>
<h1>{e(lab["sheet_title"])}: {e(str(name))}</h1>
<p>{e(lab["site_id"])} {e(str(row["site_id"]))}</p>
<img src="{e(png_name)}" alt="{e(lab['sheet_title'])}: {e(str(name))}">
<section><h2>{e(lab["facts"])}</h2><table class="facts">
{rows}
</table></section>
{extra}
<p><small>{e(lab["attribution"])}</small></p>
</body>
</html>
"""


def _save_figure(fig: Figure, path: Path, *, fmt: str) -> None:
    fig.savefig(path, format=fmt, dpi=110 if fmt == "png" else None)


def _save_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def _select_rows(ranking: gpd.GeoDataFrame, site_ids: Sequence[str] | None, top_n: int) -> gpd.GeoDataFrame:
    if site_ids is not None:
        ids = [str(s) for s in site_ids]
        known = ranking["site_id"].astype(str)
        unknown = [s for s in ids if s not in set(known)]
        if unknown:
            raise UnknownSiteError(
                f"site id(s) {', '.join(unknown)} not among the candidates (column site_id); "
                f"known ids look like {', '.join(sorted(known)[:3])}"
            )
        return ranking.set_index(known, drop=False).loc[ids]
    if top_n < 0:
        raise OptionError(f"top_n: found {top_n}; allowed: 0 or more")
    kept = ranking[~ranking["excluded"].fillna(False).astype(bool)]
    kept = kept[kept["rank"].notna()].sort_values("rank")
    return kept.head(top_n)


def site_sheet_figures(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    site_ids: Sequence[str] | None = None,
    top_n: int = TOP_N_SITES,
    isochrones: gpd.GeoDataFrame | None = None,
    lang: str = "sv",
) -> list[tuple[pd.Series, Figure]]:
    """The sheets of :func:`write_site_sheets` as ``(ranking row, A4 figure)`` pairs, written nowhere.

    Parameters and errors as for :func:`write_site_sheets`; the rows are in
    the working CRS.
    """
    labels_for(lang)
    missing = [c for c in ("site_id", "excluded", "score", "rank") if c not in ranking.columns]
    if missing:
        raise MissingFieldError(f"ranking lacks column(s) {', '.join(missing)} needed for site sheets")
    if ranking.crs is None:
        raise CRSError("ranking has no CRS; set the working CRS its coordinates are in "
                       "(ranking.set_crs(...)) before writing site sheets")
    crs = metric_crs(ranking)  # the working CRS (a ranking in lon/lat: its UTM zone)
    work = ranking.to_crs(crs)
    lays = {k: v.to_crs(crs) for k, v in layers.items() if v is not None and v.crs is not None}
    iso = isochrones.to_crs(crs) if isochrones is not None and isochrones.crs is not None else isochrones
    factor_names = factor_names_of(work)
    n_ranked = int(work["rank"].notna().sum())
    return [(row, _draw_sheet(row, lays, iso, factor_names, lang=lang, n_ranked=n_ranked))
            for _, row in _select_rows(work, site_ids, top_n).iterrows()]


def write_site_sheets(
    ranking: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    out_dir: str | os.PathLike[str],
    site_ids: Sequence[str] | None = None,
    top_n: int = TOP_N_SITES,
    isochrones: gpd.GeoDataFrame | None = None,
    lang: str = "sv",
) -> list[Path]:
    """Write ``sites/<id>.pdf``, ``.png`` and ``.html`` for chosen sites.

    Parameters
    ----------
    ranking
        Per-site result table (working CRS) with ``site_id``, ``name``,
        ``excluded``, ``score``, ``rank`` and ``NAME_contrib`` per factor; the
        measure columns (``port_minutes``, ``nearest_port`` …) are shown when present.
    layers
        Role → GeoDataFrame (reprojected to the ranking's CRS); drawn when present: roads (by
        ``road_class``), rail, stations, junctions, ports, substations, water,
        protected_nature, urban_areas.
    out_dir
        Output folder; the sheets go to ``out_dir/sites``.
    site_ids
        Sites to draw, in this order (excluded sites get a sheet saying why).
        When ``None``, the ``top_n`` best-ranked kept sites.
    top_n
        Number of sheets when ``site_ids`` is ``None``.
    isochrones
        ``site_id``, ``minutes``, geometry; drawn for the sheet's site.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    list of pathlib.Path
        For each site, its PDF, PNG and HTML path (in that order).

    Raises
    ------
    MissingFieldError
        When ``ranking`` lacks ``site_id``, ``excluded``, ``score`` or ``rank``.
    UnknownSiteError
        When a requested site id is not in the ranking.
    OptionError
        When ``top_n`` is negative.
    OutputError
        When a file cannot be written.
    """
    sheets = site_sheet_figures(ranking, layers, site_ids=site_ids, top_n=top_n, isochrones=isochrones, lang=lang)
    return save_site_sheets(sheets, ranking, out_dir=out_dir, lang=lang)


def save_site_sheets(
    sheets: Sequence[tuple[pd.Series, Figure]],
    ranking: pd.DataFrame,
    *,
    out_dir: str | os.PathLike[str],
    lang: str = "sv",
) -> list[Path]:
    """Write sheets drawn by :func:`site_sheet_figures` as ``out_dir/sites/<id>.pdf``, ``.png`` and ``.html``.

    ``ranking`` is the table they were drawn from (its factors and number of
    ranked sites go into the HTML page). Returns each site's PDF, PNG and
    HTML path, in that order.
    """
    factor_names = factor_names_of(ranking)
    n_ranked = int(ranking["rank"].notna().sum()) if "rank" in ranking.columns else 0
    target = Path(out_dir) / "sites"
    written: list[Path] = []
    for row, fig in sheets:
        stem = safe_site_filename(str(row["site_id"]))
        pdf = atomic_write(target / f"{stem}.pdf", partial(_save_figure, fig, fmt="pdf"))
        png = atomic_write(target / f"{stem}.png", partial(_save_figure, fig, fmt="png"))
        page = _sheet_html(row, sheet_facts(row, lang=lang, n_ranked=n_ranked), png.name, lang=lang,
                           factor_names=factor_names)
        html_path = atomic_write(target / f"{stem}.html", partial(_save_text, page))
        written += [pdf, png, html_path]
    return written
