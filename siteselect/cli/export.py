"""``siteselect export``: a GeoPackage (or PostGIS schema) of a scenario for QGIS."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import progress_printer, scenario_argument


@click.command()
@scenario_argument
@click.option("--gpkg", "gpkg_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GeoPackage to write (replaced atomically; never one of the inputs).")
@click.option("--to", "to", default=None, metavar="CONNECTION",
              help="PostgreSQL/PostGIS database instead of --gpkg: a libpq service name, "
                   "`host=… dbname=… user=…` or postgresql://user@host/db WITHOUT password "
                   "(use ~/.pgpass or PGPASSWORD), or env:NAME; `pg:` alone = PG* variables.")
@click.option("--schema", default="siteselect", show_default=True,
              help="Schema for --to (created when absent; written in one transaction).")
@click.option("--overwrite", is_flag=True,
              help="Replace an existing --gpkg that siteselect did not write (never an input), or "
                   "same-named tables in a --schema holding other tables.")
def export(scenario: Path | None, gpkg_path: Path | None, to: str | None, schema: str,
           overwrite: bool) -> None:
    """Export the inputs, scored candidates, isochrones and SCENARIO itself to a styled GeoPackage,
    or to a PostGIS schema with QGIS styles in layer_styles (--to)."""
    from siteselect import runs

    if (gpkg_path is None) == (to is None):
        raise click.UsageError("give exactly one of --gpkg FILE and --to CONNECTION")
    if to is not None:
        click.echo(runs.export_postgis(scenario, to=None if to == "pg:" else to, schema=schema,
                                       overwrite=overwrite, progress=progress_printer()))
    elif gpkg_path is not None:
        click.echo(str(runs.export_geopackage(scenario, gpkg_path=gpkg_path, overwrite=overwrite,
                                              progress=progress_printer())))
