"""The user-journey commands (init, compare) and every command's help, through click's runner.

Exit codes: 0 ok, 2 bad input (a SiteSelectError), 1 internal error.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from siteselect import load_scenario
from siteselect.cli import main
from siteselect.reference import starter_path

ROOT = Path(__file__).resolve().parents[1]


def _invoke(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, prog_name="siteselect")


# --------------------------------------------------------------------------- init


@pytest.mark.parametrize("start", ["electricity-intensive", "logistics"])
def test_init_writes_a_loadable_commented_scenario(tmp_path: Path, start: str) -> None:
    out = tmp_path / "scenarios" / "my-plant.yaml"
    res = _invoke(["init", "my-plant", "--from", start, "--out", str(tmp_path / "scenarios")])
    assert res.exit_code == 0, res.output
    assert str(out) in res.output
    text = out.read_text(encoding="utf-8")
    assert text.count("\n# ") >= 10  # a comment above each top-level key
    loaded = load_scenario(out)
    shipped = load_scenario(starter_path(start))
    assert loaded.name == "my-plant"
    assert loaded.model_copy(update={"name": shipped.name}) == shipped


def test_init_default_file_is_name_yaml_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = _invoke(["init", "hub"])
    assert res.exit_code == 0, res.output
    assert load_scenario(tmp_path / "hub.yaml").name == "hub"


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    res = _invoke(["init", "mine", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "--force" in res.output
    assert out.read_text(encoding="utf-8") == "keep me\n"
    res = _invoke(["init", "mine", "--out", str(tmp_path), "--force"])
    assert res.exit_code == 0, res.output
    assert load_scenario(out).name == "mine"


def test_init_bad_name_is_bad_input(tmp_path: Path) -> None:
    res = _invoke(["init", "My Plant", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "name" in res.output and "My Plant" in res.output
    assert list(tmp_path.iterdir()) == []


def test_init_out_is_a_folder_and_a_file_name_is_a_usage_error(tmp_path: Path) -> None:
    res = _invoke(["init", "mine", "--out", str(tmp_path / "mine.yaml")])
    assert res.exit_code == 2 and "Usage: siteselect init" in res.output
    assert "--out is a folder" in res.output and f"siteselect init mine --out {tmp_path}" in res.output
    assert list(tmp_path.iterdir()) == []


def test_init_unknown_starter_is_a_usage_error(tmp_path: Path) -> None:
    res = _invoke(["init", "x", "--from", "steelworks", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "steelworks" in res.output


# --------------------------------------------------------------------------- compare


def _scenario_file(tmp_path: Path, name: str, extra_constraints: list[dict] | None = None) -> Path:
    data = load_scenario(starter_path("electricity-intensive")).to_yaml_dict()
    data["name"] = name
    data["constraints"] = data["constraints"] + (extra_constraints or [])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_compare_removing_one_site_moves_those_below_it_up_by_one(tmp_path: Path) -> None:
    a = _scenario_file(tmp_path, "base")
    # B = A with the site VAS-01 excluded: scores do not change (fuzzy control points are fixed),
    # every site ranked below VAS-01 in A climbs exactly one place, those above stay.
    b = _scenario_file(tmp_path, "without-vas-01", [
        {"id": "not_vas_01", "mode": "where", "field": "site_id", "op": "==", "value": "VAS-01"},
    ])
    csv = tmp_path / "cmp.csv"
    res = _invoke(["compare", str(a), str(b), "--top", "3", "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(csv, keep_default_na=False, na_values=[""]).set_index("site_id")
    removed_rank = t.loc["VAS-01", "rank_a"]
    assert pd.isna(t.loc["VAS-01", "rank_b"])
    assert t.loc["VAS-01", "exclusion_reason_b"].startswith("not_vas_01")
    both = t.dropna(subset=["rank_a", "rank_b"])
    assert len(both) >= 3
    expected = (both["rank_a"] > removed_rank).astype(int)
    assert both["delta_rank"].astype(int).tolist() == expected.tolist()
    assert (both["score_a"] - both["score_b"]).abs().max() < 1e-12
    # the printed table: headings, the removed site's row, entering/leaving lines
    assert "rank base" in res.output and "rank without-vas-01" in res.output and "Δ rank" in res.output
    if removed_rank <= 3:
        assert "leaving the top 3:  VAS-01" in res.output
        entering = t.index[t["change"] == "enters"].tolist()
        assert entering == [t.index[t["rank_b"] == 3][0]]
        assert f"entering the top 3: {entering[0]}" in res.output


def test_compare_missing_file_is_bad_input(tmp_path: Path) -> None:
    res = _invoke(["compare", str(tmp_path / "nope.yaml"), str(tmp_path / "nope2.yaml")])
    assert res.exit_code == 2
    assert "nope.yaml" in res.output


def test_compare_invalid_scenario_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsite: {min_area_ha: -1}\n", encoding="utf-8")
    res = _invoke(["compare", str(bad), str(bad)])
    assert res.exit_code == 2
    assert "min_area_ha" in res.output


def test_internal_error_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from siteselect import reference

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(reference, "commented_scenario", broken)
    res = _invoke(["init", "x", "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert isinstance(res.exception, RuntimeError)


# --------------------------------------------------------------------------- help


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append((prefix + (name,), cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, prefix + (name,))
    return out


ALL_COMMANDS = _commands(main)


def test_main_help_lists_every_command() -> None:
    res = _invoke(["--help"])
    assert res.exit_code == 0
    for name in main.commands:
        assert name in res.output
    assert {"compare", "init"} <= set(main.commands)


@pytest.mark.parametrize(("path", "cmd"), ALL_COMMANDS, ids=[" ".join(p) for p, _ in ALL_COMMANDS])
def test_every_subcommand_and_option_is_explained(path: tuple[str, ...], cmd: click.Command) -> None:
    # click lists every option by itself; what it cannot make up is the explanation: each
    # command needs a summary line and each visible option a help text of its own
    res = _invoke([*path, "--help"])
    assert res.exit_code == 0, res.output
    assert (cmd.help or "").strip(), f"{' '.join(path)}: command has no help text"
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{' '.join(path)}: {param.opts} has no help text"
            first_words = " ".join(param.help.split()[:3])
            assert first_words in " ".join(res.output.split()), f"{' '.join(path)}: help of {param.opts} not shown"


# --------------------------------------------------------------------------- docs/cli.md


def _doc_examples() -> list[list[str]]:
    import shlex

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```sh\n")[1:]]
    return [shlex.split(line, comments=True)[1:] for b in blocks for line in b.splitlines() if line.strip()]


def test_cli_doc_examples_use_real_commands_and_options() -> None:
    examples = _doc_examples()
    assert len(examples) >= 15
    documented = set()
    for args in examples:
        cmd: click.Command = main
        i = 0
        while isinstance(cmd, click.Group):
            cmd = cmd.commands[args[i]]
            i += 1
        documented.add(" ".join(args[:i]))
        opts = {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts + p.secondary_opts}
        unknown = [a for a in args[i:] if a.startswith("-") and a not in opts]
        assert unknown == [], f"{' '.join(args)}: options {unknown} do not exist"
    every = {" ".join(p) for p, c in ALL_COMMANDS if not isinstance(c, click.Group)}
    assert every == documented, f"commands without an example in docs/cli.md: {sorted(every - documented)}"


# --------------------------------------------------------------------------- shared options


def test_scenario_option_is_a_deprecated_alias_of_the_argument(tmp_path: Path) -> None:
    # the alias is read (the option check after it still runs) and a warning says what to write instead
    res = _invoke(["suitability", "--scenario", "logistics", "--engine", "local", "--workers", "2",
                   "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--workers only apply to --engine dask" in res.output
    assert "warning: --scenario is deprecated; give the scenario as the first argument: " \
           "siteselect suitability logistics" in res.output
    assert "--scenario" not in _invoke(["export", "--help"]).output  # hidden


def test_quiet_after_the_command_still_works_and_says_where_it_goes(tmp_path: Path) -> None:
    res = _invoke(["run", "-q", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "missing.yaml" in res.output
    assert "-q after the command is deprecated; put it first: siteselect -q run" in res.output
    assert "-q, --quiet" in _invoke(["--help"]).output and "-q" not in _invoke(["run", "--help"]).output


def test_every_scenario_taking_command_has_the_scenario_first() -> None:
    for name in ("run", "sheet", "export", "suitability", "planreport"):
        usage = _invoke([name, "--help"]).output.splitlines()[0]
        assert usage.startswith(f"Usage: siteselect {name} [OPTIONS] [SCENARIO]"), usage
