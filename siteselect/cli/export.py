"""``siteselect export``: a GeoPackage of a scenario for QGIS."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect import pipeline


@click.command()
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scenario (or the scenario.yaml of an earlier run). Default: the shipped default.")
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
    """Export inputs, scored candidates, isochrones and the scenario to a styled GeoPackage,
    or to a PostGIS schema with QGIS styles in layer_styles (--to)."""
    if (gpkg_path is None) == (to is None):
        raise click.UsageError("give exactly one of --gpkg FILE and --to CONNECTION")
    if to is not None:
        click.echo(pipeline.export_postgis(scenario, to=None if to == "pg:" else to, schema=schema,
                                           overwrite=overwrite))
    elif gpkg_path is not None:
        click.echo(str(pipeline.export_geopackage(scenario, gpkg_path=gpkg_path, overwrite=overwrite)))
