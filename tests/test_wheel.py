"""The wheel, installed outside the checkout, runs the README's tour.

Builds a wheel from a copy of the files a build needs, installs it with its
dependencies into a fresh virtual environment in a temporary folder, and runs
the ``siteselect`` commands from another temporary folder, with nothing of the
checkout on the import path. Needs pip to reach the package index (or its
cache, which ``make install`` fills); takes a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: What a build reads: pyproject.toml names the readme, the licence files, the package and layers/.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "siteselect", "layers")
#: layers/ files that stay in the checkout (the builder, and what reads ../shared/data beside it).
NOT_SHIPPED = {"build", "scenarios/real-vastmanland.yaml", "catalogs/real-vastmanland.yaml"}


def _clean_env(venv: Path) -> dict[str, str]:
    # Bytecode is written on first import (pip installs with --no-compile), so later commands start fast.
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _sh(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


class Installed:
    """A fresh venv holding the wheel, and a folder outside the checkout to run in."""

    def __init__(self, venv: Path, work: Path, build_log: str) -> None:
        self.venv, self.work, self.build_log = venv, work, build_log
        self.env = _clean_env(venv)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return _sh([str(self.venv / "bin" / "siteselect"), *args], cwd=self.work, env=self.env, timeout=timeout)

    def python(self, code: str) -> str:
        res = _sh([str(self.venv / "bin" / "python"), "-c", code], cwd=self.work, env=self.env)
        assert res.returncode == 0, res.stderr
        return res.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    assert not base.resolve().is_relative_to(ROOT), "the test folder must lie outside the checkout"
    src, dist, venv, work = base / "src", base / "dist", base / "venv", base / "work"
    src.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=junk)
        else:
            shutil.copy2(ROOT / name, src / name)
    outside = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    build = _sh([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--wheel-dir", str(dist), str(src)], cwd=base,
                env=outside)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = list(dist.glob("siteselect-*.whl"))
    assert len(wheels) == 1, wheels
    made = _sh([sys.executable, "-m", "venv", str(venv)], cwd=base, env=outside)
    assert made.returncode == 0, made.stderr
    # --no-compile: byte-compiling every dependency would take most of this test's time
    inst = _sh([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-compile", str(wheels[0])], cwd=base,
               env=_clean_env(venv))
    assert inst.returncode == 0, inst.stdout[-3000:] + inst.stderr[-3000:]
    work.mkdir()
    return Installed(venv, work, build.stdout + build.stderr + inst.stdout + inst.stderr)


def test_build_and_install_print_no_warnings(installed: Installed) -> None:
    # pip's own "WARNING: ..." lines about the machine's index set-up are not the package's.
    warnings = sorted(set(re.findall(r"\b\w*(?:Deprecation|BuildBackend|Setuptools)\w*Warning\b.*", installed.build_log)))
    assert warnings == []


def test_the_package_and_its_data_come_from_the_venv(installed: Installed) -> None:
    where = installed.python("import siteselect, siteselect.core.embedded as e; print(siteselect.__file__); print(e.data_dir())")
    code_file, data_dir = (Path(p) for p in where.splitlines())
    site = installed.venv.resolve()
    assert code_file.resolve().is_relative_to(site) and data_dir.resolve().is_relative_to(site)
    assert data_dir.name == "_embedded_data"
    shipped = {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file()}
    expected = {p.relative_to(ROOT / "layers").as_posix() for p in (ROOT / "layers").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
                and not any(p.relative_to(ROOT / "layers").as_posix().startswith(n) for n in NOT_SHIPPED)}
    assert shipped == expected
    for rel in expected:  # the same bytes the checkout holds
        assert (data_dir / rel).read_bytes() == (ROOT / "layers" / rel).read_bytes(), rel


def test_version_is_the_package_metadata(installed: Installed) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    res = installed.run("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"siteselect, version {version}"
    assert installed.python("import importlib.metadata as m; print(m.metadata('siteselect')['License-Expression'])") == "MIT"


def test_run_default_and_a_shipped_scenario_by_name(installed: Installed) -> None:
    res = installed.run("run", "--out", "screen")
    assert res.returncode == 0, res.stderr
    for name in ("ranking.csv", "map.html", "scenario.yaml", "siteselect.gpkg"):
        assert (installed.work / "screen" / name).stat().st_size > 0, name
    assert list((installed.work / "screen" / "sites").glob("*.pdf"))
    assert "scenario electricity-intensive:" in res.stdout
    res = installed.run("run", "logistics", "--out", "logistics", "--no-sensitivity", "--sheets", "0")
    assert res.returncode == 0, res.stderr
    assert "scenario logistics:" in res.stdout and (installed.work / "logistics" / "ranking.csv").is_file()
    res = installed.run("run", "real-vastmanland", "--out", "real")
    assert res.returncode == 2 and "one of: electricity-intensive, logistics" in res.stderr
    assert not (installed.work / "real").exists()


def test_init_writes_a_starter_that_ranks_like_it(installed: Installed) -> None:
    res = installed.run("init", "my-plant", "--from", "electricity-intensive")
    assert res.returncode == 0, res.stderr
    assert (installed.work / "my-plant.yaml").is_file()
    res = installed.run("compare", "electricity-intensive", "my-plant.yaml", "--top", "5")
    assert res.returncode == 0, res.stderr
    assert "entering the top 5: none" in res.stdout and "leaving the top 5:  none" in res.stdout


def test_enquiry_from_the_template_and_by_shipped_name(installed: Installed) -> None:
    res = installed.run("enquiry", "--template", "request.yaml")
    assert res.returncode == 0, res.stderr
    text = (installed.work / "request.yaml").read_text(encoding="utf-8")
    filled = re.sub(r"(?m)^company: .*$", "company: Test Wheel AB", text)
    filled = re.sub(r"(?m)^area_ha: .*$", "area_ha: 25", filled)
    assert filled.count("Test Wheel AB") == 1 and "\narea_ha: 25\n" in filled
    (installed.work / "request.yaml").write_text(filled, encoding="utf-8")
    res = installed.run("enquiry", "request.yaml", "--out", "answer", "--lang", "en")
    assert res.returncode == 0, res.stderr
    for name in ("shortlist.csv", "summary.html", "map.html", "request.yaml"):
        assert (installed.work / "answer" / name).stat().st_size > 0, name
    assert "Test Wheel AB" in (installed.work / "answer" / "summary.html").read_text(encoding="utf-8")
    res = installed.run("enquiry", "battery-materials", "--out", "battery")
    assert res.returncode == 0, res.stderr
    assert (installed.work / "battery" / "shortlist.csv").is_file()


def test_suitability_and_planreport_at_500_m(installed: Installed) -> None:
    res = installed.run("suitability", "--resolution", "500", "--out", "raster")
    assert res.returncode == 0, res.stderr
    tifs = list((installed.work / "raster").glob("*.tif"))
    assert tifs and all(t.stat().st_size > 0 for t in tifs)
    assert (installed.work / "raster" / "zones.gpkg").is_file()
    res = installed.run("planreport", "--resolution", "500", "--out", "plans")
    assert res.returncode == 0, res.stderr
    assert list((installed.work / "plans").glob("plan_*.pdf"))


def test_layers_check_of_a_catalog_with_embedded_fallback(installed: Installed) -> None:
    # One role from the user's own file (a lake by Västerås, lon/lat GeoJSON), the rest embedded.
    lake = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Test lake"}, '
            '"geometry": {"type": "Polygon", "coordinates": [[[16.50, 59.58], [16.52, 59.58], [16.52, 59.59], '
            '[16.50, 59.59], [16.50, 59.58]]]}}]}')
    (installed.work / "my_water.geojson").write_text(lake, encoding="utf-8")
    (installed.work / "my-catalog.yaml").write_text(
        "name: mine\nfallback: embedded\nroles:\n  water:\n    path: my_water.geojson\n", encoding="utf-8")
    res = installed.run("layers", "check", "my-catalog.yaml")
    assert res.returncode == 0, res.stdout + res.stderr
    rows = {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in res.stdout.splitlines())}
    assert rows["water"][1:4] == ["auto", "1", "EPSG:4326 (WGS 84)"] and rows["water"][-1] == "OK"
    fallback = [role for role, cells in rows.items() if len(cells) > 2 and cells[1] == "embedded"]
    assert {"roads", "candidates", "substations", "population"} <= set(fallback) and "water" not in fallback
    assert "All layers OK." in res.stdout
