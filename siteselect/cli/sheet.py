"""``siteselect sheet``: offer-ready site sheets for chosen sites."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect import pipeline
from siteselect.cli.options import lang_option, out_option
from siteselect.errors import ScenarioError


@click.command()
@click.argument("site_ids", nargs=-1)
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scenario (or the scenario.yaml of an earlier run). Default: the shipped default.")
@click.option("--top", "top_n", type=click.IntRange(min=1), default=None, help="Sheets for the top N sites.")
@click.option("--pack", is_flag=True, default=False,
              help="Also write the offer pack of these sites: one PDF (summary, map, comparison, sheets) "
                   "and an editable DOCX draft.")
@out_option
@lang_option
def sheet(site_ids: tuple[str, ...], scenario: Path | None, top_n: int | None, pack: bool, out_dir: Path,
          lang: str) -> None:
    """Write site sheets (PDF, PNG, HTML) for SITE_IDS or the --top N sites into OUT/sites/."""
    if not site_ids and top_n is None:
        raise ScenarioError("name one or more SITE_IDS or give --top N")
    written = pipeline.run_sheets(scenario, out_dir=out_dir, site_ids=list(site_ids) or None, top_n=top_n,
                                  lang=lang, pack=pack)
    for p in written:
        click.echo(str(p))
