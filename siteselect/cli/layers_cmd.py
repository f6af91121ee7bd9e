"""``siteselect layers``: inspect and check layer catalogs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from siteselect.core.embedded import data_file, shipped_or_path
from siteselect.io.catalog import check_catalog, format_report


@click.group()
def layers() -> None:
    """Inspect and validate layers and layer catalogs."""


@layers.command("check")
@click.argument("catalog", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check(catalog: Path | None) -> None:
    """Check every layer of CATALOG (default: the embedded layers) and print a table.

    Exits 1 when a layer has a blocking problem.
    """
    if catalog is None:
        catalog = data_file("catalogs", "embedded.yaml")
    else:
        catalog = shipped_or_path(catalog, "catalogs")
    report = check_catalog(catalog)
    click.echo(format_report(report))
    sys.exit(report.exit_code)
