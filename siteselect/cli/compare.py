"""``siteselect compare``: how the ranking changes between two scenarios."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("scenario_a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("scenario_b", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top", "top_n", type=click.IntRange(min=1), default=10, show_default=True,
              help="Size of the top list whose entries and exits are reported.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the full comparison (every site) to this CSV file.")
@click.option("--overwrite", is_flag=True,
              help="Replace an existing --csv file that is not an earlier comparison (never an input).")
def compare(scenario_a: Path, scenario_b: Path, top_n: int, csv_path: Path | None, overwrite: bool) -> None:
    """Compare the rankings of SCENARIO_A and SCENARIO_B (YAML files) site by site."""
    from siteselect import pipeline
    from siteselect.compare import check_comparison_csv, compare_rankings, format_comparison, write_comparison_csv
    from siteselect.network.graph import GraphCache

    cache = GraphCache()
    loaded = [pipeline.resolve_scenario(path) for path in (scenario_a, scenario_b)]
    inputs = [p for sc, path in loaded for p in pipeline.run_inputs(sc, path)]
    if csv_path is not None:
        check_comparison_csv(csv_path, inputs=inputs, overwrite=overwrite)  # before the long analysis
    results = [pipeline.analyse(sc, scenario_path=p, graph_cache=cache, sensitivity=False, isochrone_top_n=0)
               for sc, p in loaded]
    table = compare_rankings(results[0], results[1], top_n=top_n)
    names = (results[0].scenario.name, results[1].scenario.name)
    label_a, label_b = names if names[0] != names[1] else ("A", "B")
    click.echo(format_comparison(table, top_n=top_n, label_a=label_a, label_b=label_b))
    if csv_path is not None:
        write_comparison_csv(table, csv_path, inputs=inputs, overwrite=overwrite)
        click.echo(f"csv: {csv_path}")
