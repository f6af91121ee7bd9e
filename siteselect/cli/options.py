"""Options shared by the subcommands, each defined once (like rasterio's ``rio/options.py``).

The same option means the same thing everywhere: the scenario is the first
positional argument (``[SCENARIO]``: a path or a shipped name, default the
shipped default), ``--out`` is always a folder, ``--lang`` the language of
every written text, and ``-q`` / ``-v`` sit on the ``siteselect`` group.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from siteselect.core.defaults import TOP_N_SITES

F = TypeVar("F", bound=Callable[..., Any])


class FiniteFloatRange(click.FloatRange):
    """A float range that also refuses ``nan`` and ``inf`` (click's range lets NaN through)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number; give a finite number", param, ctx)
        return rv


def deprecation(text: str) -> None:
    """Say on stderr that an old spelling still works but will go (the command goes on)."""
    click.echo(f"warning: {text}", err=True)


def scenario_argument(f: F) -> F:
    """The optional positional ``SCENARIO``; ``--scenario`` is kept as a hidden, deprecated alias.

    The wrapped command receives ``scenario`` (a Path or ``None``) either way.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, scenario: Path | None, scenario_alias: Path | None, **kwargs: Any) -> Any:
        if scenario_alias is not None:
            if scenario is not None:
                raise click.UsageError(f"two scenarios given ({scenario} and --scenario {scenario_alias}); "
                                       "give the scenario once, as the first argument")
            name = click.get_current_context().info_name
            deprecation(f"--scenario is deprecated; give the scenario as the first argument: "
                        f"siteselect {name} {scenario_alias} …")
            scenario = scenario_alias
        return f(*args, scenario=scenario, **kwargs)

    wrapper = click.option("--scenario", "scenario_alias", hidden=True, default=None,
                           type=click.Path(dir_okay=False, path_type=Path))(wrapper)
    wrapper = click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))(wrapper)
    return wrapper  # type: ignore[return-value]


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
top_option = click.option(
    "--top", "top_n", type=click.IntRange(min=1), default=None,
    help=f"Sheets for the top N sites (default {TOP_N_SITES} when no --site is given).",
)


# --------------------------------------------------------------------------- verbosity and progress


class StepPrinter:
    """Prints each pipeline step with the seconds since the command started, on stderr."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._start = time.perf_counter()
        self._quiet = quiet

    def __call__(self, text: str) -> None:
        if not self._quiet:
            click.echo(f"[{time.perf_counter() - self._start:5.1f} s] {text} …", err=True)


def verbosity() -> int:
    """The group's ``-v`` count minus its ``-q`` count (0 without a group, e.g. a command invoked alone)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    value = root.obj if root is not None else None
    return int(value) if isinstance(value, int) else 0


def apply_verbosity(level: int) -> None:
    """Set the command's verbosity (``-v`` count minus ``-q`` count) and the log level that goes with it.

    0 shows progress steps and warnings; each ``-v`` adds a log level (info,
    debug); ``-q`` hides the progress steps and logs errors only.
    """
    ctx = click.get_current_context()
    ctx.find_root().obj = level
    log_level = min(max(logging.WARNING - 10 * level, logging.DEBUG), logging.CRITICAL)
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(log_level)
    # Dask's distributed logs every worker start and stop at INFO on import; keep that for -v.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", logging.getLevelName(log_level).lower())
    logging.captureWarnings(True)


def progress_printer() -> StepPrinter:
    """The progress callback of a command: steps on stderr unless ``siteselect -q`` was given."""
    return StepPrinter(quiet=verbosity() < 0)


def legacy_quiet_option(f: F) -> F:
    """``-q`` after the subcommand, as before it moved to the group: hidden, deprecated, same effect."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            deprecation(f"-q after the command is deprecated; put it first: siteselect -q {ctx.info_name} …")
            apply_verbosity(min(verbosity(), 0) - 1)

    return click.option("-q", "--quiet", "legacy_quiet", is_flag=True, hidden=True, expose_value=False,
                        callback=callback)(f)
