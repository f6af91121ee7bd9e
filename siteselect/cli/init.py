"""``siteselect init``: write a commented scenario to start from."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.reference import STARTERS


@click.command()
@click.argument("name")
@click.option("--from", "start", type=click.Choice(list(STARTERS)), default=STARTERS[0], show_default=True,
              help="Shipped scenario to start from.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: NAME.yaml in the current folder).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def init(name: str, start: str, out_path: Path | None, force: bool) -> None:
    """Write scenario NAME (lower-case letters, digits, '-') with a comment on every key."""
    from siteselect.core.output import check_outputs, write_text
    from siteselect.errors import OutputError
    from siteselect.reference import commented_scenario, starter_path

    target = out_path if out_path is not None else Path(f"{name}.yaml")
    check_outputs(files=[target], inputs=[starter_path(start), starter_path(start).parent])
    if target.exists() and not force:
        raise OutputError(f"{target} exists; use --force to replace it, or choose another --out")
    write_text(target, commented_scenario(starter_path(start), name=name))
    click.echo(f"wrote {target} (from {start}); run it with: siteselect run {target} --out results/{name}")
