"""``siteselect sheet``: offer-ready site sheets for chosen sites."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import lang_option, out_option, progress_printer, scenario_argument, top_option
from siteselect.core.embedded import shipped


@click.command()
@scenario_argument
@click.option("--site", "site_ids", multiple=True, metavar="ID",
              help="A site to draw, by id (repeat for more; excluded sites get a sheet that says why).")
@top_option
@click.option("--pack", is_flag=True, default=False,
              help="Also write the offer pack of these sites: one PDF (summary, map, comparison, sheets) "
                   "and an editable DOCX draft.")
@out_option
@lang_option
def sheet(scenario: Path | None, site_ids: tuple[str, ...], top_n: int | None, pack: bool, out_dir: Path,
          lang: str) -> None:
    """Write site sheets (PDF, PNG, HTML) for the --site IDs or the --top N sites of SCENARIO into OUT/sites/."""
    from siteselect import runs

    if scenario is not None and not scenario.exists() and not scenario.suffix and len(scenario.parts) == 1 \
            and scenario.name not in shipped("scenarios"):
        raise click.UsageError(
            f"SCENARIO {str(scenario)!r} is neither a file nor a shipped scenario "
            f"({', '.join(shipped('scenarios'))}); to name sites use --site: "
            f"siteselect sheet [SCENARIO] --site {scenario} --out DIR")
    if site_ids and top_n is not None:
        raise click.UsageError("give either --site ID (one or more) or --top N, not both")
    if not site_ids and top_n is None:
        raise click.UsageError("name the sites with --site ID (one or more) or give --top N")
    written = runs.run_sheets(scenario, out_dir=out_dir, site_ids=list(site_ids) or None, top_n=top_n,
                              lang=lang, pack=pack, progress=progress_printer())
    for p in written:
        click.echo(str(p))
