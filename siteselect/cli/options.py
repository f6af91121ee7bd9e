"""Options shared by several subcommands."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import click


class FiniteFloatRange(click.FloatRange):
    """A float range that also refuses ``nan`` and ``inf`` (click's range lets NaN through)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number; give a finite number", param, ctx)
        return rv


out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the results (created if missing).",
)
lang_option = click.option(
    "--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
    help="Language of every written text (sheets, summary, offer pack, map)."
)
offline_option = click.option(
    "--offline/--online",
    default=True,
    show_default=True,
    help="Inline the map's JavaScript and CSS so it works without internet (closed networks).",
)


class StepPrinter:
    """Prints each pipeline step with the seconds since the command started, on stderr."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._start = time.perf_counter()
        self._quiet = quiet

    def __call__(self, text: str) -> None:
        if not self._quiet:
            click.echo(f"[{time.perf_counter() - self._start:5.1f} s] {text} …", err=True)


quiet_option = click.option("-q", "--quiet", is_flag=True, help="Do not show progress on stderr.")
