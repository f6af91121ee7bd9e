"""``siteselect planreport``: suitable land outside planned industrial areas, per municipality."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import FiniteFloatRange, lang_option, out_option, scenario_argument
from siteselect.planreport import run_plan_report


@click.command()
@scenario_argument
@click.option("--resolution", "resolution_m", type=FiniteFloatRange(min=10, max=1000), default=100.0,
              show_default=True, help="Cell size in metres.")
@click.option("--top-share", type=FiniteFloatRange(min=0.001, max=1), default=0.1, show_default=True,
              help="Zones are drawn from this share of the county's best cells.")
@click.option("--min-area", "min_area_ha", type=FiniteFloatRange(min=0.1), default=None,
              help="Smallest zone in hectares (default: the scenario's site.min_area_ha).")
@out_option
@lang_option
def planreport(scenario: Path | None, resolution_m: float, top_share: float, min_area_ha: float | None,
               out_dir: Path, lang: str) -> None:
    """Zones that score in the county's top share but lie outside any industrial detailed plan.

    The list a municipality would start new detailed plans from: a GeoPackage layer and an
    HTML + PDF summary per municipality.
    """
    paths = run_plan_report(scenario, out_dir=out_dir, resolution_m=resolution_m, top_share=top_share,
                                     min_area_ha=min_area_ha, lang=lang)
    click.echo("outputs:")
    for kind, path in paths.items():
        click.echo(f"  {kind:<14} {path}")
