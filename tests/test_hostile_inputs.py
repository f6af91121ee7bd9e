"""Hostile inputs through the CLI: exit code 2, one clear line, no traceback, no hang,
inputs unchanged and nothing written outside ``--out`` (issue 16, input side).

The cases are made by ``tests/hostile_inputs/make_hostile_inputs.py``. Cases
that could block (FIFOs, devices, a network address) run in a child process
with a timeout; the others through click's runner.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from siteselect.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile_inputs"))
from make_hostile_inputs import Hostile, make_hostile_inputs

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 60

with tempfile.TemporaryDirectory() as _tmp:
    CASE_NAMES = [c.name for c in make_hostile_inputs(Path(_tmp))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Hostile]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, {c.name: c for c in make_hostile_inputs(folder)}


def _tree(folder: Path, skip: Path) -> dict[str, str]:
    """Every entry under ``folder`` except ``skip``: path -> sha256 (files) or its kind."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if Path(root, d) != skip]
        for name in files + dirs:
            p = Path(root, name)
            if p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[str(p)] = "fifo" if p.is_fifo() else "dir" if p.is_dir() else "other"
    return out


def _invoke(case: Hostile, argv: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    if case.subprocess:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", "from siteselect.cli import main; main()", *argv], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        return proc.returncode, proc.stderr + proc.stdout
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(main, argv)
    text = res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        text += f"\nTraceback: {type(res.exception).__name__}: {res.exception}"
    return res.exit_code, text


def _message(text: str) -> list[str]:
    """The lines that say what went wrong (progress lines ``[ 1.2 s] …`` and click's usage hint left out)."""
    return [ln for ln in text.splitlines()
            if ln.strip() and not ln.startswith("[") and not ln.startswith("Usage:") and not ln.startswith("Try ")]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_input(corpus: tuple[Path, dict[str, Hostile]], name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, cases = corpus
    case = cases[name]
    out = folder / f"out-{name}"
    argv = [a.replace("{out}", str(out)) for a in case.argv]
    before = _tree(folder, out)
    hashes = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in case.files}

    code, text = _invoke(case, argv, folder, monkeypatch)

    assert code == 2, text
    assert "Traceback" not in text, text
    lines = _message(text)
    assert len(lines) == 1, text  # one line
    assert case.names in lines[0], text  # names the file or key
    assert re.search(case.fix, lines[0]), text  # says what is allowed / what to do
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in case.files} == hashes, "an input changed"
    assert _tree(folder, out) == before, "something was written outside --out"
