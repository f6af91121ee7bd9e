"""Options choosing where raster mode runs: in memory (``local``) or on Dask (``dask``).

Shared by the subcommands that build a suitability surface; the command
passes the values to :func:`siteselect.raster.scale.dask_client` and
:func:`siteselect.raster.scale.suitability_surface_dask`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

engine_option = click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where the raster surface is computed: 'local' (in memory, numba) or 'dask' (chunked, out of core; "
    "needs siteselect[dask]). Default: the scenario's engine, else local.",
)
scheduler_option = click.option(
    "--scheduler",
    "scheduler",
    default=None,
    metavar="ADDRESS",
    help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786). Without it --engine dask starts a "
    "LocalCluster on this machine.",
)
chunk_size_option = click.option(
    "--chunk-size",
    "chunk_size",
    type=click.IntRange(min=64),
    default=None,
    help="Chunk edge in cells for --engine dask (default 2048; a multiple of 512 writes GeoTIFF tiles whole).",
)
workers_option = click.option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of the LocalCluster for --engine dask (default: one per core; ignored with --scheduler).",
)


def engine_options(f: F) -> F:
    """Apply ``--engine``, ``--scheduler``, ``--chunk-size`` and ``--workers`` to a command."""
    for opt in (workers_option, chunk_size_option, scheduler_option, engine_option):
        f = opt(f)
    return f


def check_engine_options(engine: str | None, scheduler: str | None, chunk_size: int | None,
                         n_workers: int | None) -> None:
    """Reject dask-only options given with the local engine (a usage error, exit code 2)."""
    if engine == "local":
        given = [name for name, v in (("--scheduler", scheduler), ("--chunk-size", chunk_size),
                                      ("--workers", n_workers)) if v is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)} only apply to --engine dask; remove them or add --engine dask")
