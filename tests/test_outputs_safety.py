"""Outputs never overwrite inputs, runs are all-or-nothing, and every CSV cell is neutralised.

The hand-checkable world of ``_fixtures_pipeline`` is written to a GeoPackage
with a layer catalog and a scenario, so the CLI can be run on it (in this
process, or in a subprocess that is killed with SIGKILL at each progress step).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from _fixtures_pipeline import tiny_layers, tiny_scenario_dict
from click.testing import CliRunner

import siteselect
from siteselect import runs
from siteselect.cli import main
from siteselect.core import output as _output
from siteselect.core.output import INCOMPLETE, LOCK, MANIFEST, STAGING_PREFIX, OutputFolder, check_outputs, neutralise_csv
from siteselect.errors import OutputError
from siteselect.scenario import scenario_from_dict

#: Site names an attacker could put in a layer, and what a spreadsheet-safe CSV holds instead.
HOSTILE = {
    '=HYPERLINK("http://evil","x")': '\'=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "@SUM(1)": "'@SUM(1)",
    "\tx": "'\tx",
    "-2+3": "'-2+3",
    "\rcr": "'\rcr",
}
_BOOKKEEPING = {INCOMPLETE, MANIFEST, LOCK}
_SRC = Path(siteselect.__file__).resolve().parent


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> dict[str, str]:
    """Relative path -> hash of every file under ``root``, bookkeeping and staging left out."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and rel.as_posix() not in _BOOKKEEPING and not rel.parts[0].startswith(STAGING_PREFIX):
            out[rel.as_posix()] = _sha(p)
    return out


def _hostile_layers() -> dict[str, gpd.GeoDataFrame]:
    layers = tiny_layers()
    cand = layers["candidates"].copy()
    names = list(HOSTILE)
    cand["name"] = names[:3]
    cand["municipality"] = names[3:6]
    layers["candidates"] = cand
    return layers


def _world(folder: Path, *, name: str = "tiny", sheets: int = 1, layers: dict | None = None) -> Path:
    """A GeoPackage of the tiny world, a catalog and a scenario in ``folder``; returns the scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    roles = {}
    for role, frame in (layers or tiny_layers()).items():
        frame.to_file(folder / "tiny.gpkg", layer=role, driver="GPKG")
        roles[role] = {"path": "tiny.gpkg", "layer": role}
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"name": "tiny", "roles": roles}), encoding="utf-8")
    sc = tiny_scenario_dict() | {"name": name, "layers": "catalog.yaml", "output": {"sheets_top_n": sheets}}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sc, sort_keys=False), encoding="utf-8")
    return path


def _invoke(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(main, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, res.output


# --------------------------------------------------------------------------- CSV neutralising


def test_neutralise_prefixes_formula_text_and_leaves_numbers() -> None:
    table = pd.DataFrame({
        "name": list(HOSTILE) + ["plain", "-3", None],
        "score": [-3.5, 1.0, 2.0, -0.25, 0.0, 4.0, 5.0, -1.0, 6.0],
        "mixed": [-2, "=1+1", "ok", 3.5, "@x", None, "a", "b", "c"],
    })
    out = neutralise_csv(table)
    assert out["name"].tolist()[:6] == list(HOSTILE.values())
    assert out["name"].tolist()[6:8] == ["plain", "'-3"] and out["name"].isna().tolist()[8]
    assert out["score"].tolist() == table["score"].tolist() and out["score"].dtype == float
    assert out["mixed"].tolist()[:5] == [-2, "'=1+1", "ok", 3.5, "'@x"]
    assert table["name"].iloc[0] == '=HYPERLINK("http://evil","x")'  # the caller's frame is not changed


def test_no_module_writes_csv_around_the_one_writer() -> None:
    offenders = [
        f"{p.relative_to(_SRC)}:{i}"
        for p in _SRC.rglob("*.py") if p != _SRC / "core" / "output.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.to_csv\(|csv\.writer|csv\.DictWriter", line)
    ]
    assert offenders == []


def test_hostile_site_names_are_neutralised_in_ranking_and_compare_csv(tmp_path: Path) -> None:
    layers = _hostile_layers()
    sc = scenario_from_dict(tiny_scenario_dict())
    result, paths = runs.run(sc, out_dir=tmp_path / "out", layers=layers, sensitivity=False, sheets_top_n=0)
    table = pd.read_csv(paths["ranking"], keep_default_na=False)
    assert sorted(table["name"]) == sorted(HOSTILE[n] for n in list(HOSTILE)[:3])
    assert sorted(table["municipality"]) == sorted(HOSTILE[n] for n in list(HOSTILE)[3:6])
    assert table["score"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 3])  # numbers stay numbers
    assert table["x_3006"].dtype == float

    from siteselect.compare import compare_rankings, write_comparison_csv

    csv = write_comparison_csv(compare_rankings(result, result, top_n=2), tmp_path / "cmp.csv")
    cmp = pd.read_csv(csv, keep_default_na=False)
    assert sorted(cmp["name"]) == sorted(HOSTILE[n] for n in list(HOSTILE)[:3])
    assert cmp["delta_rank"].tolist() == [0, 0, 0]


def test_hostile_names_are_neutralised_in_plan_report_csv(tmp_path: Path) -> None:
    from siteselect.planreport import PlanReport, write_plan_report

    munis = pd.DataFrame({"kommun_kod": ["1980", "1981"], "name": ["@SUM(1)", "-2+3"], "n_zones": [0, 0],
                          "zone_area_ha": [0.0, -0.0], "best_zone": [None, None], "best_score": [None, None],
                          "summary": ["=1+1", "ok"]})
    zones = gpd.GeoDataFrame({"municipality": pd.Series([], dtype=object)}, geometry=[], crs="EPSG:3006")
    report = PlanReport(zones=zones, municipalities=munis, threshold=0.5, planned=zones.iloc[:0],
                        notes={"min_area_ha": 20, "top_share": 0.1, "resolution_m": 100, "scenario": "x"})
    paths = write_plan_report(report, tmp_path / "out", lang="en")
    table = pd.read_csv(paths["municipalities_csv"], keep_default_na=False, dtype={"kommun_kod": str})
    assert table["name"].tolist() == ["'@SUM(1)", "'-2+3"]
    assert table["summary"].tolist() == ["'=1+1", "ok"]
    assert table["kommun_kod"].tolist() == ["1980", "1981"]


# --------------------------------------------------------------------------- outputs vs inputs


def test_check_outputs_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    layer = data / "roads.gpkg"
    layer.write_bytes(b"x")
    (tmp_path / "link.gpkg").symlink_to(layer)
    check_outputs(files=[tmp_path / "new.csv"], folders=[tmp_path / "out"], inputs=[layer, data])  # fine
    cases = [
        ({"files": [layer]}, "is an input"),
        ({"files": [tmp_path / "link.gpkg"]}, "is an input"),  # a link to an input is the input
        ({"files": [data / "sub" / ".." / "roads.gpkg"]}, "is an input"),
        ({"files": [data / "new.csv"]}, "inside the input folder"),
        ({"folders": [data]}, "holds"),
        ({"folders": [tmp_path]}, "holds"),
        ({"folders": [data / "out"]}, "inside the input folder"),
        ({"folders": [layer]}, "is a file"),
    ]
    for kwargs, words in cases:
        with pytest.raises(OutputError, match=words) as ei:
            check_outputs(inputs=[layer, data], **kwargs)
        assert "choose another" in str(ei.value) and "\n" not in str(ei.value)
    assert layer.read_bytes() == b"x"


def test_run_refuses_an_out_folder_holding_a_catalog_layer(tmp_path: Path) -> None:
    scenario = _world(tmp_path / "project")
    before = _tree(tmp_path / "project")
    code, out = _invoke(["run", str(scenario), "--out", str(tmp_path / "project")])
    assert code == 2 and "holds" in out and "choose another --out" in out and len(out.strip().splitlines()) == 1
    assert _tree(tmp_path / "project") == before
    assert sorted(p.name for p in (tmp_path / "project").iterdir()) == ["catalog.yaml", "tiny.gpkg", "tiny.yaml"]


@pytest.mark.parametrize("command", ["run", "sheet", "suitability", "planreport", "enquiry"])
def test_every_folder_command_refuses_an_out_holding_its_scenario(tmp_path: Path, command: str) -> None:
    scenario = _world(tmp_path / "w")
    before = _tree(tmp_path / "w")
    if command == "enquiry":
        request = tmp_path / "w" / "request.yaml"
        request.write_bytes((_SRC.parent / "layers" / "enquiries" / "logistics-hub.yaml").read_bytes())
        before = _tree(tmp_path / "w")
        args = ["enquiry", str(request), "--out", str(tmp_path / "w")]
    elif command == "sheet":
        args = ["sheet", str(scenario), "--site", "A", "--out", str(tmp_path / "w")]
    else:
        args = [command, str(scenario), "--out", str(tmp_path / "w")]
    code, out = _invoke(args)
    assert code == 2, out
    assert "choose another --out" in out and str(tmp_path / "w") in out
    assert _tree(tmp_path / "w") == before


def test_compare_csv_onto_a_scenario_is_refused(tmp_path: Path) -> None:
    a = _world(tmp_path, name="a")
    b = _world(tmp_path, name="b")
    before = _sha(a)
    code, out = _invoke(["compare", str(a), str(b), "--csv", str(a)])
    assert code == 2 and f"{a} is an input" in out and "choose another --csv" in out
    assert _sha(a) == before
    code, out = _invoke(["compare", str(a), str(b), "--csv", str(tmp_path / "tiny.gpkg")])
    assert code == 2 and "tiny.gpkg" in out
    notes = tmp_path / "notes.csv"
    notes.write_text("my,own\n1,2\n", encoding="utf-8")
    code, out = _invoke(["compare", str(a), str(b), "--csv", str(notes)])
    assert code == 2 and "--overwrite" in out and notes.read_text(encoding="utf-8") == "my,own\n1,2\n"


def test_export_init_and_template_refuse_to_overwrite(tmp_path: Path) -> None:
    from siteselect.reference import starter_path

    scenario = _world(tmp_path)
    gpkg = tmp_path / "tiny.gpkg"
    before = _sha(gpkg)
    code, out = _invoke(["export", str(scenario), "--gpkg", str(gpkg)])
    assert code == 2 and "is an input" in out and _sha(gpkg) == before
    other = tmp_path / "other.gpkg"
    other.write_bytes(b"not mine")
    code, out = _invoke(["export", str(scenario), "--gpkg", str(other)])
    assert code == 2 and "--overwrite" in out and other.read_bytes() == b"not mine"
    for start, words in (("logistics", "is an input"), ("electricity-intensive", "inside the input folder")):
        starter = starter_path("logistics")
        before = _sha(starter)
        name = "logistics" if words == "is an input" else "x"
        code, out = _invoke(["init", name, "--from", start, "--out", str(starter.parent), "--force"])
        assert code == 2 and words in out and _sha(starter) == before
    request = tmp_path / "request.yaml"
    request.write_text("company: filled in\n", encoding="utf-8")
    code, out = _invoke(["enquiry", "--template", str(request)])
    assert code == 2 and "exists" in out and request.read_text(encoding="utf-8") == "company: filled in\n"


def test_init_writes_scenario_with_plain_file_mode(tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    code, out = _invoke(["init", "mine", "--out", str(tmp_path)])
    assert code == 0, out
    assert (tmp_path / "mine.yaml").stat().st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------------------------------------- folders: manifest, user files


def test_rerun_removes_stale_outputs_keeps_user_files_and_modes(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                                ) -> None:
    scenario = _world(tmp_path / "w", sheets=2)
    out = tmp_path / "out"
    code, text = _invoke(["-q", "run", str(scenario), "--out", str(out), "--no-sensitivity"])
    assert code == 0, text
    assert {"sites/B.pdf", "sites/C.pdf"} <= set(_tree(out))
    umask = os.umask(0)
    os.umask(umask)
    for name in ("scenario.yaml", "ranking.csv", "map.html", "siteselect.gpkg", "sites/C.pdf"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask, name
    (out / "my notes.txt").write_text("mine", encoding="utf-8")
    (out / "sites" / "mine.txt").write_text("mine too", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="siteselect.core.output"):
        _, paths = runs.run(scenario, out_dir=out, sheets_top_n=1, sensitivity=False)
    files = set(_tree(out))
    assert "sites/B.pdf" not in files and "sites/C.pdf" in files  # the earlier run's second sheet is gone
    assert {"my notes.txt", "sites/mine.txt"} <= files
    assert "removed 3 file(s)" in caplog.text and "sites/B.pdf" in caplog.text
    assert set(_output.read_manifest(out) or []) == files - {"my notes.txt", "sites/mine.txt"}
    assert paths["ranking"] == out / "ranking.csv" and not (out / INCOMPLETE).exists()
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_non_empty_folder_not_written_by_siteselect_is_refused(tmp_path: Path) -> None:
    scenario = _world(tmp_path / "w")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    code, text = _invoke(["run", str(scenario), "--out", str(out)])
    assert code == 2 and "thesis.docx" in text and "choose a new or empty folder" in text
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_a_new_file_may_not_replace_a_user_file(tmp_path: Path) -> None:
    scenario = _world(tmp_path / "w", sheets=0)
    out = tmp_path / "out"
    assert _invoke(["-q", "run", str(scenario), "--out", str(out), "--no-sensitivity"])[0] == 0
    before = _tree(out)
    (out / "sites").mkdir()
    (out / "sites" / "C.pdf").write_bytes(b"the user's own C.pdf")
    code, text = _invoke(["-q", "run", str(scenario), "--out", str(out), "--no-sensitivity", "--sheets", "1"])
    assert code == 2 and "sites/C.pdf" in text and "did not write" in text
    assert _tree(out) == before | {"sites/C.pdf": hashlib.sha256(b"the user's own C.pdf").hexdigest()}


def test_failure_while_moving_leaves_a_marked_folder_and_the_next_run_repairs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        for name in ("a.csv", "b.csv", "sub/c.txt"):
            _output.write_text(folder.staging / name, "old")
        folder.commit()
    real_replace, moved = os.replace, []

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if STAGING_PREFIX in str(src) and STAGING_PREFIX not in str(dst):  # a staged file moving out
            if len(moved) == 1:
                raise OSError(28, "No space left on device")
            moved.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError), OutputFolder(out) as folder:
        for name in ("a.csv", "b.csv", "d.csv"):
            _output.write_text(folder.staging / name, "new")
        folder.commit()
    assert (out / INCOMPLETE).is_file() and "stopped before it finished" in (out / INCOMPLETE).read_text()
    assert not list(out.glob(f"{STAGING_PREFIX}*"))
    monkeypatch.setattr(os, "replace", real_replace)
    with OutputFolder(out) as folder:
        for name in ("a.csv", "d.csv"):
            _output.write_text(folder.staging / name, "third")
        folder.commit()
    assert {k: (out / k).read_text() for k in _tree(out)} == {"a.csv": "third", "d.csv": "third"}
    assert not (out / INCOMPLETE).exists() and not (out / "sub").exists()


# --------------------------------------------------------------------------- lock


_HOLD = """
import sys, time
from siteselect.core.output import OutputFolder
with OutputFolder(sys.argv[1]) as f:
    print("held", flush=True)
    time.sleep(120)
"""


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": os.pathsep.join([str(_SRC.parent), os.environ.get("PYTHONPATH", "")])}


def test_second_run_is_refused_while_the_first_lives_and_not_after_it_was_killed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True,
                              env=_env())
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match=rf"another siteselect command \(pid {holder.pid}\) is writing"):
            OutputFolder(out).__enter__()
        scenario = _world(tmp_path / "w")
        code, text = _invoke(["run", str(scenario), "--out", str(out)])
        assert code == 2 and f"(pid {holder.pid}) is writing {out}" in text and "choose another --out" in text
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (out / LOCK).exists() and (out / INCOMPLETE).exists()  # a dead holder's leftovers
    with OutputFolder(out) as folder:  # the stale lock does not block
        _output.write_text(folder.staging / "x.txt", "x")
        folder.commit()
    assert _tree(out) == {"x.txt": hashlib.sha256(b"x").hexdigest()} and not (out / INCOMPLETE).exists()


# --------------------------------------------------------------------------- SIGKILL at each step


_STEP = re.compile(r"^\[\s*[\d.]+ s\] (.+) …$")


def _run_cli(args: list[str], *, kill_at: int | None = None) -> tuple[int, list[str]]:
    """Run ``siteselect ARGS`` in a subprocess; SIGKILL it when progress line ``kill_at`` appears."""
    proc = subprocess.Popen([sys.executable, "-c", "from siteselect.cli import main; main()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env())
    steps: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        m = _STEP.match(line.rstrip("\n"))
        if m:
            steps.append(m.group(1))
            if kill_at is not None and len(steps) == kill_at + 1:
                proc.send_signal(signal.SIGKILL)
                break
    proc.stderr.close()
    return proc.wait(timeout=120), steps


def test_sigkill_at_every_step_leaves_the_previous_result_or_a_marked_folder(tmp_path: Path) -> None:
    old = _world(tmp_path / "w", name="old", sheets=2)
    new = _world(tmp_path / "w", name="new", sheets=1)
    out = tmp_path / "out"
    code, steps = _run_cli(["run", str(old), "--out", str(out)])
    assert code == 0 and len(steps) >= 8, steps
    previous = _tree(out)
    code, _ = _run_cli(["run", str(new), "--out", str(tmp_path / "reference")])
    assert code == 0
    new_files = set(_tree(tmp_path / "reference"))
    assert set(previous) != new_files
    seen = []
    for k in range(len(steps)):
        code, got = _run_cli(["run", str(new), "--out", str(out)], kill_at=k)
        assert code == -signal.SIGKILL, (k, got)
        now = _tree(out)
        stray = [p for p in now if ".tmp" in p or p.startswith(".")]
        assert stray == [], (k, stray)
        if (out / INCOMPLETE).exists():
            seen.append("marked")
        elif now == previous:
            seen.append("previous")
        else:  # the kill came after the last file moved: the new result, whole
            assert set(now) == new_files and "name: new" in (out / "scenario.yaml").read_text(), (k, now)
            assert set(_output.read_manifest(out) or []) == new_files
            seen.append("new")
            code, _ = _run_cli(["run", str(old), "--out", str(out)])  # back to the earlier result
            assert code == 0 and _tree(out).keys() == previous.keys()
            previous = _tree(out)
        for staging in out.glob(f"{STAGING_PREFIX}*"):  # what a killed run leaves is marked as such
            assert (staging / INCOMPLETE).is_file() or not any(staging.iterdir()), staging
    assert "previous" in seen, seen
    start = time.monotonic()
    code, _ = _run_cli(["run", str(new), "--out", str(out)])  # the next run is not blocked and cleans up
    assert code == 0 and time.monotonic() - start < 120
    assert set(_tree(out)) == new_files and not (out / INCOMPLETE).exists()
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_hostile_names_are_neutralised_in_the_enquiry_csvs(tmp_path: Path) -> None:
    from siteselect.enquiry import run_enquiry
    from siteselect.io.layers import load_layers

    layers = load_layers()
    cand = layers["candidates"].copy()
    names = list(HOSTILE)
    cand["name"] = [names[i % len(names)] for i in range(len(cand))]
    layers["candidates"] = cand
    request = _SRC.parent / "layers" / "enquiries" / "logistics-hub.yaml"
    paths = run_enquiry(request, out_dir=tmp_path / "answer", layers=layers, lang="en")
    for kind in ("shortlist", "excluded", "ranking"):
        table = pd.read_csv(paths[kind], keep_default_na=False)
        assert len(table) and set(table["name"]) <= set(HOSTILE.values()), kind
    shortlist = pd.read_csv(paths["shortlist"])
    assert pd.api.types.is_float_dtype(shortlist["score"])


def test_sheet_folder_holds_only_the_last_sheets(tmp_path: Path) -> None:
    scenario = _world(tmp_path / "w")
    out = tmp_path / "sheets"
    assert _invoke(["sheet", str(scenario), "--site", "A", "--site", "B", "--out", str(out)])[0] == 0
    code, text = _invoke(["sheet", str(scenario), "--site", "C", "--out", str(out)])
    assert code == 0, text
    assert set(_tree(out)) == {"sites/C.pdf", "sites/C.png", "sites/C.html"}
    assert sorted(_output.read_manifest(out) or []) == ["sites/C.html", "sites/C.pdf", "sites/C.png"]


def test_quiet_on_the_group_hides_the_progress_steps_only(tmp_path: Path) -> None:
    scenario = _world(tmp_path / "w")
    args = ["run", str(scenario), "--no-sensitivity", "--sheets", "0", "--out"]
    loud = CliRunner().invoke(main, [*args, str(tmp_path / "loud")])
    quiet = CliRunner().invoke(main, ["-q", *args, str(tmp_path / "quiet")])
    assert loud.exit_code == 0 and quiet.exit_code == 0, loud.output + quiet.output
    assert "building the road graph …" in loud.stderr
    assert "building the road graph" not in quiet.stderr and "warning" not in quiet.stderr
    # the same summary and outputs
    assert quiet.stdout.replace(str(tmp_path / "quiet"), str(tmp_path / "loud")) == loud.stdout
