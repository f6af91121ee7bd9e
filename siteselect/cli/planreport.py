"""``siteselect planreport``: suitable land outside planned industrial areas, per municipality."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline
from ..layers import load_layers
from .options import lang_option, out_option


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resolution", "resolution_m", type=click.FloatRange(min=10, max=1000), default=100.0,
              show_default=True, help="Cell size in metres.")
@click.option("--top-share", type=click.FloatRange(min=0.001, max=1), default=0.1, show_default=True,
              help="Zones are drawn from this share of the county's best cells.")
@click.option("--min-area", "min_area_ha", type=click.FloatRange(min=0.1), default=None,
              help="Smallest zone in hectares (default: the scenario's site.min_area_ha).")
@out_option
@lang_option
def planreport(scenario: Path | None, resolution_m: float, top_share: float, min_area_ha: float | None,
               out_dir: Path, lang: str) -> None:
    """Zones that score in the county's top share but lie outside any industrial detailed plan.

    The list a municipality would start new detailed plans from: a GeoPackage layer and an
    HTML + PDF summary per municipality.
    """
    from ..planreport import plan_report, write_plan_report

    sc, _ = pipeline.resolve_scenario(scenario)
    layers = load_layers(sc.layers, crs=sc.crs)
    report = plan_report(layers, sc, resolution_m=resolution_m, top_share=top_share,
                         min_area_ha=min_area_ha if min_area_ha is not None else sc.site.min_area_ha)
    paths = write_plan_report(report, out_dir, lang=lang, layers=layers)
    click.echo("outputs:")
    for kind, path in paths.items():
        click.echo(f"  {kind:<14} {path}")
