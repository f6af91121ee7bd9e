"""The ``siteselect`` command: a thin click group over the library.

Each subcommand lives in its own module and only parses options, calls the
library and prints where results went; options shared by several commands
are defined once in :mod:`siteselect.cli.options`. Library errors
(:class:`~siteselect.errors.SiteSelectError`) become a short message on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import click

from siteselect.cli import compare as compare_cmd
from siteselect.cli import enquiry, export, layers_cmd, planreport, run, sheet, suitability
from siteselect.cli import init as init_cmd
from siteselect.cli.options import apply_verbosity
from siteselect.core.version import __version__
from siteselect.errors import SiteSelectError


class _Group(click.Group):
    """Click group that turns library errors into a message and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SiteSelectError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="siteselect")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", count=True, help="No progress steps on stderr; only errors in the log.")
def main(verbose: int, quiet: int) -> None:
    """Site selection for industrial establishment (default region: Västmanland)."""
    apply_verbosity(min(verbose, 2) - min(quiet, 1))


main.add_command(run.run)
main.add_command(layers_cmd.layers)
main.add_command(sheet.sheet)
main.add_command(export.export)
main.add_command(suitability.suitability)
main.add_command(enquiry.enquiry)
main.add_command(planreport.planreport)
main.add_command(compare_cmd.compare)
main.add_command(init_cmd.init)
