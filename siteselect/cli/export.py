"""``siteselect export``: a GeoPackage of a scenario for QGIS."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline


@click.command()
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scenario (or the scenario.yaml of an earlier run). Default: the shipped default.")
@click.option("--gpkg", "gpkg_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="GeoPackage to write (replaced atomically).")
def export(scenario: Path | None, gpkg_path: Path) -> None:
    """Export inputs, scored candidates, isochrones and the scenario to a styled GeoPackage."""
    from ..gpkg import write_geopackage
    from ..scenario import scenario_yaml_text

    sc, path = pipeline.resolve_scenario(scenario)
    result = pipeline.analyse(sc, scenario_path=path)
    write_geopackage(
        gpkg_path, ranking=result.ranking, layers=result.layers, isochrones=result.isochrones,
        scenario_yaml=scenario_yaml_text(result.scenario, provenance=result.provenance),
        provenance=result.provenance,
    )
    click.echo(str(gpkg_path))
