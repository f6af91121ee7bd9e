"""``siteselect suitability``: the raster suitability surface and new candidate zones."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.cli.options import (
    FiniteFloatRange,
    legacy_quiet_option,
    offline_option,
    out_option,
    progress_printer,
    scenario_argument,
)
from siteselect.cli.scale_options import check_engine_options, engine_options


@click.command()
@scenario_argument
@click.option("--resolution", "resolution_m", type=FiniteFloatRange(min=10, max=1000), default=50.0,
              show_default=True, help="Cell size in metres (working CRS).")
@click.option("--bbox", type=(FiniteFloatRange(),) * 4, default=None, metavar="MINX MINY MAXX MAXY",
              help="Area to cover in working-CRS metres, e.g. EPSG:3006 (default: the county).")
@click.option("--top-share", type=FiniteFloatRange(min=0.001, max=1), default=0.03, show_default=True,
              help="Share of the best cells that zones are drawn from.")
@out_option
@offline_option
@engine_options
@legacy_quiet_option
def suitability(scenario: Path | None, resolution_m: float, bbox: tuple[float, float, float, float] | None,
                top_share: float, out_dir: Path, offline: bool, engine: str | None, scheduler: str | None,
                chunk_size: int | None, n_workers: int | None) -> None:
    """Suitability surface for SCENARIO as a Cloud-Optimized GeoTIFF, and the best zones as new candidates.

    With --engine dask the surface is computed chunk by chunk on Dask (a LocalCluster, or the
    cluster at --scheduler) and gives the same numbers as the in-memory engine.
    """
    from siteselect import runs
    from siteselect.pipeline import resolve_scenario
    from siteselect.scenario import EngineSpec

    check_engine_options(engine, scheduler, chunk_size, n_workers)
    sc, _path = resolve_scenario(scenario)
    given = {k: v for k, v in (("kind", engine), ("scheduler", scheduler), ("chunk_size", chunk_size),
                               ("workers", n_workers)) if v is not None}
    eng = EngineSpec.model_validate((sc.engine or EngineSpec()).model_dump() | given)
    paths = runs.run_suitability(scenario, out_dir=out_dir, resolution_m=resolution_m, bbox=bbox,
                                 top_share=top_share, offline=offline, engine=eng, progress=progress_printer())
    click.echo("outputs:")
    for kind, path in paths.items():
        click.echo(f"  {kind:<9} {path}")
