"""``siteselect enquiry``: answer a company's enquiry from one request file."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import lang_option, offline_option


@click.command()
@click.argument("request", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the answer (created if missing). Required unless --template.")
@click.option("--template", "template", is_flag=False, flag_value="-", default=None, metavar="[FILE]",
              help="Write a commented request to fill in (to FILE, or to stdout) and stop.")
@lang_option
@offline_option
def enquiry(request: Path | None, out_dir: Path | None, template: str | None, lang: str, offline: bool) -> None:
    """Ranked shortlist, site sheets, map and summary page for the enquiry in REQUEST (YAML)."""
    from siteselect import enquiry as enq

    if template is not None:
        if template == "-":
            click.echo(enq.TEMPLATE, nl=False)
        else:
            click.echo(str(enq.write_template(template)))
        return
    if request is None or out_dir is None:
        raise click.UsageError("give a REQUEST file and --out DIR (or --template to get a request to fill in)")
    paths = enq.run_enquiry(request, out_dir=out_dir, lang=lang, offline=offline)
    shortlist = paths.get("shortlist")
    click.echo(f"enquiry {request}: answer in {out_dir}")
    for kind, path in paths.items():
        click.echo(f"  {kind:<17} {path}")
    if shortlist is not None:
        click.echo(f"shortlist: {shortlist}")
