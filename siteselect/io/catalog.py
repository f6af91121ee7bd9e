"""The ``layers check`` report: every layer of a catalog checked, problems collected, printed as a table.

The catalog format is described in :mod:`siteselect.io.catalog_file`; loading a
catalog's layers is :mod:`siteselect.io.catalog_load`.

Functions
---------
check_catalog / format_report
    Check every layer, collecting problems, and print a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from siteselect.core.crs import crs_label
from siteselect.core.roles import ROLES
from siteselect.errors import LayerError, SiteSelectError
from siteselect.io.catalog_file import read_catalog
from siteselect.io.catalog_load import read_entries, region_crs_spec
from siteselect.io.read import LayerWarning, list_layers, read_layer
from siteselect.io.validate import check_layer
from siteselect.io.work_crs import to_work_crs


@dataclass
class LayerRow:
    """One line of a check report."""

    role: str
    source: str
    layer: str | None
    format: str
    features: int | None = None
    crs: str = ""
    geometry_types: str = ""
    repaired: int = 0
    dropped: int = 0
    fields_mapped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckReport:
    """Outcome of :func:`check_catalog`."""

    catalog: Path
    rows: list[LayerRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    work_crs: str = ""
    """The working CRS the layers were checked in, and where it came from."""

    @property
    def ok(self) -> bool:
        """True when no blocking problem was found."""
        return not self.problems and all(r.ok for r in self.rows)

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 when any blocking problem was found."""
        return 0 if self.ok else 1


def _check_one(row: LayerRow, reader: Callable[[], gpd.GeoDataFrame], *, crs: Any = None,
               layer_crs_key: bool = True) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", LayerWarning)
        try:
            raw = reader()
            row.crs = crs_label(raw.crs)
            gdf = to_work_crs(raw, source=row.source, layer=row.layer, crs=crs,
                              layer_crs_key=layer_crs_key)
            chk = check_layer(gdf, row.role, source=row.source, layer=row.layer)
        except SiteSelectError as exc:
            row.problems.append(str(exc))
            chk = None
    row.warnings.extend(str(w.message) for w in rec if issubclass(w.category, LayerWarning))
    if chk is None:
        return
    row.features = len(chk.frame)
    row.repaired, row.dropped = chk.repaired, chk.dropped
    types = chk.frame.geometry.geom_type.value_counts() if len(chk.frame) else pd.Series()
    row.geometry_types = ", ".join(f"{t}" for t in types.index)
    row.problems.extend(chk.problems)
    row.warnings.extend(chk.warnings)


def check_catalog(path: str | Path, *, embedded: str | Path | None = None,
                  crs: Any = None) -> CheckReport:
    """Check every layer of a catalog without stopping at the first problem.

    Parameters
    ----------
    path
        Catalog YAML.
    embedded
        Embedded GeoPackage for ``fallback: embedded``.
    crs
        Working CRS overriding the catalog's ``crs`` (as a scenario's would).

    Returns
    -------
    CheckReport
        One row per role (catalog entries, then embedded fallbacks), with
        features, source CRS, geometry types, repaired/dropped counts, fields
        mapped and problems; ``report.exit_code`` is non-zero when any blocking
        problem was found. Print it with :func:`format_report`.
    """
    report = CheckReport(catalog=Path(path))
    try:
        cat = read_catalog(path, embedded=embedded)
        spec, origin = region_crs_spec(cat, crs)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always", LayerWarning)
            work, raws, failed = read_entries(cat, spec, origin)
    except LayerError as exc:
        report.problems.append(str(exc))
        return report
    read_warnings = [str(w.message) for w in rec if issubclass(w.category, LayerWarning)]
    if work is None:
        report.problems.append(f"{origin}: `auto` found no layer to centre on; name a "
                               "projected CRS.")
    else:
        report.work_crs = f"{crs_label(work)}, from {origin}" if spec is not None \
            else f"{crs_label(work)}, {origin}"

    def reader(role: str) -> gpd.GeoDataFrame:
        if role in failed:
            raise failed[role]
        return raws[role]

    for role, src in cat.sources.items():
        row = LayerRow(role=role, source=src.label,
                       layer=src.layer if src.path is not None else None, format=src.format,
                       fields_mapped=len(src.fields))
        row.warnings.extend(w for w in read_warnings if src.label in w)
        if work is None and role not in failed:
            row.problems.append("not checked: no working CRS (see below).")
        else:
            _check_one(row, lambda role=role: reader(role), crs=work,  # type: ignore[misc]
                       layer_crs_key=src.takes_source_crs)
        report.rows.append(row)
    if cat.fallback == "embedded":
        emb = cat.embedded_file
        try:
            names = list_layers(emb)
        except LayerError as exc:
            report.problems.append(f"fallback: embedded, but {exc}")
            names = []
        for name in names:
            if name in ROLES and name not in cat.sources:
                row = LayerRow(role=name, source=str(emb), layer=name, format="embedded")
                _check_one(row, lambda n=name: read_layer(emb, layer=n),  # type: ignore[misc]
                           crs=work)
                report.rows.append(row)
    have = {r.role for r in report.rows}
    missing = [r for r, s in ROLES.items() if s.required and r not in have]
    if missing and not report.problems:
        report.problems.append(f"required roles {missing} are neither listed nor in the "
                               "fallback; add them under `roles:` or set `fallback: embedded`.")
    return report


def format_report(report: CheckReport) -> str:
    """The check report as a plain-text table followed by problems and warnings."""
    head = ("role", "format", "features", "CRS (source)", "geometry", "repaired", "dropped",
            "mapped", "status")
    lines = [tuple(head)]
    for r in report.rows:
        lines.append((r.role, r.format, "-" if r.features is None else str(r.features),
                      r.crs or "-", r.geometry_types or "-", str(r.repaired), str(r.dropped),
                      str(r.fields_mapped),
                      "OK" if r.ok else f"{len(r.problems)} problem(s)"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = [f"Layer catalog {report.catalog}"]
    if report.work_crs:
        out.append(f"Working CRS: {report.work_crs}")
    for i, row in enumerate(lines):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    for r in report.rows:
        if r.problems or r.warnings:
            out.append("")
            out.append(f"{r.role}: {r.source}" + (f" (layer '{r.layer}')" if r.layer else ""))
            out.extend(f"  PROBLEM: {p}" for p in r.problems)
            out.extend(f"  warning: {w}" for w in r.warnings)
    if report.problems:
        out.append("")
        out.extend(f"PROBLEM: {p}" for p in report.problems)
    out.append("")
    n_bad = sum(1 for r in report.rows if not r.ok) + len(report.problems)
    out.append("All layers OK." if report.ok else f"{n_bad} blocking problem(s) found.")
    return "\n".join(out)
