"""``siteselect init``: write a commented scenario to start from."""

from __future__ import annotations

from pathlib import Path

import click

from siteselect.reference import STARTERS


@click.command()
@click.argument("name")
@click.option("--from", "start", type=click.Choice(list(STARTERS)), default=STARTERS[0], show_default=True,
              help="Shipped scenario to start from.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder to write NAME.yaml into (created if missing; default: the current folder).")
@click.option("--force", is_flag=True, help="Replace OUT/NAME.yaml if it exists.")
def init(name: str, start: str, out_dir: Path | None, force: bool) -> None:
    """Write scenario NAME (lower-case letters, digits, '-') as NAME.yaml, with a comment on every key."""
    from siteselect.core.output import check_outputs, write_text
    from siteselect.errors import OutputError
    from siteselect.reference import commented_scenario, starter_path

    folder = out_dir if out_dir is not None else Path()
    if folder.suffix.lower() in (".yaml", ".yml") or folder.is_file():
        raise click.UsageError(
            f"--out is a folder: siteselect init {name} --out FOLDER writes FOLDER/{name}.yaml; "
            f"{str(folder)!r} is a file name: give its folder ({str(folder.parent)!r}) and name the scenario "
            f"{folder.stem!r} (siteselect init {folder.stem} --out {folder.parent})")
    target = folder / f"{name}.yaml"
    check_outputs(files=[target], inputs=[starter_path(start), starter_path(start).parent])
    if target.exists() and not force:
        raise OutputError(f"{target} exists; use --force to replace it, or choose another NAME or --out")
    write_text(target, commented_scenario(starter_path(start), name=name))
    click.echo(f"wrote {target} (from {start}); run it with: siteselect run {target} --out results/{name}")
