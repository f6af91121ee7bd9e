"""``siteselect export``: a GeoPackage of a scenario for QGIS."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline


@click.command()
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scenario (or the scenario.yaml of an earlier run). Default: the shipped default.")
@click.option("--gpkg", "gpkg_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="GeoPackage to write (replaced atomically; never one of the inputs).")
@click.option("--overwrite", is_flag=True,
              help="Replace an existing --gpkg that siteselect did not write (never an input).")
def export(scenario: Path | None, gpkg_path: Path, overwrite: bool) -> None:
    """Export inputs, scored candidates, isochrones and the scenario to a styled GeoPackage."""
    click.echo(str(pipeline.export_geopackage(scenario, gpkg_path=gpkg_path, overwrite=overwrite)))
