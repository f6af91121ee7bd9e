"""``siteselect suitability``: the raster suitability surface and new candidate zones."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline
from .options import offline_option, out_option


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resolution", "resolution_m", type=click.FloatRange(min=10, max=1000), default=50.0,
              show_default=True, help="Cell size in metres (EPSG:3006).")
@click.option("--bbox", type=(float, float, float, float), default=None, metavar="MINX MINY MAXX MAXY",
              help="Area to cover in EPSG:3006 metres (default: the county).")
@click.option("--top-share", type=click.FloatRange(min=0.001, max=1), default=0.03, show_default=True,
              help="Share of the best cells that zones are drawn from.")
@out_option
@offline_option
def suitability(scenario: Path | None, resolution_m: float, bbox: tuple[float, float, float, float] | None,
                top_share: float, out_dir: Path, offline: bool) -> None:
    """Suitability surface for SCENARIO as a Cloud-Optimized GeoTIFF, and the best zones as new candidates."""
    paths = pipeline.run_suitability(scenario, out_dir=out_dir, resolution_m=resolution_m, bbox=bbox,
                                     top_share=top_share, offline=offline)
    click.echo("outputs:")
    for kind, path in paths.items():
        click.echo(f"  {kind:<9} {path}")
