"""``siteselect run``: one scenario end to end."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import (
    lang_option,
    legacy_quiet_option,
    offline_option,
    out_option,
    progress_printer,
    scenario_argument,
)
from siteselect.core.defaults import TOP_N_SITES


@click.command()
@scenario_argument
@out_option
@offline_option
@lang_option
@click.option("--sheets", "sheets_top_n", type=click.IntRange(min=0), default=None,
              help="Site sheets for the top N sites (default: the scenario's output.sheets_top_n, "
                   f"itself {TOP_N_SITES} unless set).")
@click.option("--no-sensitivity", is_flag=True, help="Skip the Monte-Carlo weight sensitivity.")
@legacy_quiet_option
def run(scenario: Path | None, out_dir: Path, offline: bool, lang: str, sheets_top_n: int | None,
        no_sensitivity: bool) -> None:
    """Rank candidate sites for SCENARIO (default: electricity-intensive on the embedded layers)."""
    from siteselect import runs

    result, paths = runs.run(
        scenario, out_dir=out_dir, offline=offline, lang=lang, sheets_top_n=sheets_top_n,
        sensitivity=not no_sensitivity, progress=progress_printer(),
    )
    kept = result.kept
    click.echo(f"scenario {result.scenario.name}: {len(result.ranking)} candidate sites, "
               f"{len(kept)} ranked, {int(result.ranking['excluded'].sum())} excluded")
    for _, row in kept.head(TOP_N_SITES).iterrows():
        click.echo(f"  {int(row['rank']):>2}. {row['site_id']:<8} {row['name']} ({row['municipality']}) "
                   f"score {row['score']:.3f}")
    click.echo("outputs:")
    for kind, path in paths.items():
        click.echo(f"  {kind:<9} {path}")
