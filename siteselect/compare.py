"""How a ranking changes between two scenarios.

:func:`compare_rankings` lines up two rankings by ``site_id`` and says, per
site, its rank and score in each, how many places it moved and whether it
enters or leaves the top N. :func:`format_comparison` turns that table into
the plain text ``siteselect compare`` prints.

Example::

    import siteselect as ss
    from siteselect.compare import compare_rankings

    a = ss.rank(ss.load_scenario("layers/scenarios/electricity-intensive.yaml"))
    b = ss.rank(ss.load_scenario("layers/scenarios/logistics.yaml"))
    table = compare_rankings(a, b, top_n=10)
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siteselect.core.output import check_outputs, write_csv
from siteselect.errors import LayerError, MissingFieldError, OptionError, OutputError

__all__ = ["COMPARE_COLUMNS", "compare_rankings", "check_comparison_csv", "format_comparison",
           "write_comparison_csv"]

#: Columns of the table :func:`compare_rankings` returns, in order.
COMPARE_COLUMNS: tuple[str, ...] = (
    "site_id", "name", "municipality", "rank_a", "rank_b", "delta_rank", "score_a", "score_b",
    "top_n_a", "top_n_b", "change", "exclusion_reason_a", "exclusion_reason_b",
)

_NEEDED = ("site_id", "score", "rank")


def _ranking_of(value: Any, label: str) -> pd.DataFrame:
    """The ranking table of a :class:`~siteselect.analysis.result.Result` or of a ranking frame."""
    frame = getattr(value, "ranking", value)
    if not isinstance(frame, pd.DataFrame):
        raise OptionError(f"ranking {label}: found {type(value).__name__}; allowed: a Result or a ranking DataFrame")
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise MissingFieldError(
            f"ranking {label}: lacks column(s) {', '.join(missing)}; pass a siteselect Result or its .ranking"
        )
    dup = frame["site_id"][frame["site_id"].duplicated()].unique().tolist()
    if dup:
        raise LayerError(
            f"ranking {label}: site_id {', '.join(map(str, dup[:5]))} occurs more than once; site ids must be unique"
        )
    cols = [c for c in ("site_id", "name", "municipality", "score", "rank", "exclusion_reason") if c in frame.columns]
    return pd.DataFrame(frame[cols]).reset_index(drop=True)


def compare_rankings(result_a: Any, result_b: Any, *, top_n: int = 10) -> pd.DataFrame:
    """Line up two rankings site by site.

    Parameters
    ----------
    result_a, result_b
        Two :class:`~siteselect.analysis.result.Result` objects, or their ``ranking``
        tables (columns ``site_id``, ``score``, ``rank``; ``name``,
        ``municipality`` and ``exclusion_reason`` are carried along when present).
    top_n
        Size of the top list whose entries and exits are reported.

    Returns
    -------
    pandas.DataFrame
        One row per site found in either ranking, columns
        :data:`COMPARE_COLUMNS`: ``rank_a`` / ``rank_b`` (``<NA>`` when the site
        is excluded or absent), ``delta_rank`` = ``rank_a − rank_b`` (positive:
        the site climbs that many places in B; ``<NA>`` unless ranked in both),
        ``score_a`` / ``score_b``, ``top_n_a`` / ``top_n_b`` (rank ≤ ``top_n``),
        ``change`` (``"enters"`` the top N in B, ``"leaves"`` it, ``"stays"`` in
        it, or ``""``) and the exclusion reasons. Rows are ordered by
        ``rank_b``, then ``rank_a``, then ``site_id``. The inputs are not changed.

    Raises
    ------
    OptionError
        ``top_n`` is below 1, or an input is neither a Result nor a ranking (also a ``ValueError``).
    MissingFieldError
        A ranking lacks ``site_id``, ``score`` or ``rank``.
    LayerError
        A ranking holds a ``site_id`` twice.
    """
    if top_n < 1:
        raise OptionError(f"top_n: found {top_n}; allowed: 1 or more")
    a = _ranking_of(result_a, "A")
    b = _ranking_of(result_b, "B")
    merged = a.merge(b, on="site_id", how="outer", suffixes=("_a", "_b"), sort=False)
    out = pd.DataFrame({"site_id": merged["site_id"].astype(str)})
    for col in ("name", "municipality"):
        left = merged.get(f"{col}_a", pd.Series(pd.NA, index=merged.index, dtype=object))
        right = merged.get(f"{col}_b", pd.Series(pd.NA, index=merged.index, dtype=object))
        out[col] = right.where(right.notna(), left)
    out["rank_a"] = merged["rank_a"].astype("Int64")
    out["rank_b"] = merged["rank_b"].astype("Int64")
    out["delta_rank"] = out["rank_a"] - out["rank_b"]
    out["score_a"] = merged["score_a"].astype(float)
    out["score_b"] = merged["score_b"].astype(float)
    out["top_n_a"] = (out["rank_a"] <= top_n).fillna(False).astype(bool)
    out["top_n_b"] = (out["rank_b"] <= top_n).fillna(False).astype(bool)
    out["change"] = np.select(
        [out["top_n_b"] & ~out["top_n_a"], out["top_n_a"] & ~out["top_n_b"], out["top_n_a"] & out["top_n_b"]],
        ["enters", "leaves", "stays"],
        default="",
    )
    for side in ("a", "b"):
        col = f"exclusion_reason_{side}"
        out[col] = merged[col].fillna("").astype(str) if col in merged.columns else ""
    key_b = out["rank_b"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    key_a = out["rank_a"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    order = np.lexsort((out["site_id"].to_numpy(dtype=str), key_a, key_b))
    return out.iloc[order].reset_index(drop=True)[list(COMPARE_COLUMNS)]


def _cell(value: Any, fmt: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return format(value, fmt)


def format_comparison(table: pd.DataFrame, *, top_n: int, label_a: str = "A", label_b: str = "B") -> str:
    """The comparison as plain text: sites in either top N, then who enters and who leaves.

    Parameters
    ----------
    table
        As returned by :func:`compare_rankings` with the same ``top_n``.
    top_n
        Size of the top list.
    label_a, label_b
        Names of the two scenarios (column headings and the summary lines).

    Returns
    -------
    str
    """
    shown = table[table["top_n_a"] | table["top_n_b"]]
    head = ("site", "name", f"rank {label_a}", f"rank {label_b}", "Δ rank", f"score {label_a}",
            f"score {label_b}", f"top {top_n}")
    rows = [head]
    for rec in shown.to_dict("records"):
        r: dict[str, Any] = {str(k): v for k, v in rec.items()}
        delta = "-" if pd.isna(r["delta_rank"]) else f"{int(r['delta_rank']):+d}".replace("+0", "0")
        rows.append((
            str(r["site_id"]), "" if pd.isna(r["name"]) else str(r["name"]), _cell(r["rank_a"], "d"),
            _cell(r["rank_b"], "d"), delta, _cell(r["score_a"], ".3f"), _cell(r["score_b"], ".3f"), str(r["change"]),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    numeric = {2, 3, 4, 5, 6}
    lines = [
        (f"Ranking {label_a} → {label_b}: sites in either top {top_n}; Δ rank > 0: climbs in {label_b}; "
         "-: excluded or not among the candidates")
    ]
    for i, row in enumerate(rows):
        cells = [c.rjust(w) if j in numeric and i else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    enters = table.loc[table["change"] == "enters", "site_id"].tolist()
    leaves = table.loc[table["change"] == "leaves", "site_id"].tolist()
    lines.append("")
    lines.append(f"entering the top {top_n}: {', '.join(enters) if enters else 'none'}")
    lines.append(f"leaving the top {top_n}:  {', '.join(leaves) if leaves else 'none'}")
    return "\n".join(lines)


def write_comparison_csv(table: pd.DataFrame, path: str | os.PathLike[str], *,
                         inputs: Iterable[str | os.PathLike[str]] = (), overwrite: bool = False) -> Path:
    """Write the table of :func:`compare_rankings` as CSV (cells neutralised, file replaced atomically).

    Parameters
    ----------
    inputs
        Files the comparison read (the two scenarios, their layers); ``path`` may not be one of them.
    overwrite
        Replace an existing file that is not a comparison CSV written before.

    Raises
    ------
    OutputError
        ``path`` is an input, or an existing file other than an earlier comparison and ``overwrite`` is false.
    """
    check_comparison_csv(path, inputs=inputs, overwrite=overwrite)
    return write_csv(table, path)


def check_comparison_csv(path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                         overwrite: bool = False) -> None:
    """Refuse ``path`` as a comparison CSV target (see :func:`write_comparison_csv`), before any work is done."""
    target = Path(path)
    check_outputs(files=[target], inputs=inputs, option="--csv")
    if target.exists() and not overwrite and not _is_comparison_csv(target):
        raise OutputError(f"{target} exists and is not a comparison CSV siteselect wrote; choose another --csv, "
                          "or add --overwrite to replace it")


def _is_comparison_csv(path: Path) -> bool:
    """Whether ``path`` starts with the header line :func:`write_comparison_csv` writes."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            head = next(csv.reader([fh.readline(4096)]), [])
    except OSError:
        return False
    return tuple(head) == COMPARE_COLUMNS
