"""``siteselect suitability``: the raster suitability surface and new candidate zones."""

from __future__ import annotations

from pathlib import Path

import click

from .options import out_option


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resolution", "resolution_m", type=click.FloatRange(min=1), default=50.0, show_default=True,
              help="Cell size in metres (EPSG:3006).")
@out_option
def suitability(scenario: Path | None, resolution_m: float, out_dir: Path) -> None:
    """Suitability surface for the county as a Cloud-Optimized GeoTIFF, plus top zones as new candidates."""
    from .. import raster_pipeline

    paths = raster_pipeline.run_suitability(scenario, resolution_m=resolution_m, out_dir=out_dir)
    for kind, path in paths.items():
        click.echo(f"  {kind:<12} {path}")
