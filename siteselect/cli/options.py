"""Options shared by several subcommands."""

from __future__ import annotations

from pathlib import Path

import click

out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the results (created if missing).",
)
lang_option = click.option(
    "--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Language of site sheets."
)
offline_option = click.option(
    "--offline/--online",
    default=True,
    show_default=True,
    help="Inline the map's JavaScript and CSS so it works without internet (closed networks).",
)
