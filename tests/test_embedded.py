"""Where the embedded data is found (``siteselect/core/embedded.py``) and how shipped files are named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import siteselect
from siteselect.cli import main
from siteselect.core import embedded as _embedded
from siteselect.errors import LayerError, ScenarioError
from siteselect.io.grid_tables import grid_data_dir
from siteselect.io.read import embedded_path
from siteselect.pipeline import default_scenario_path, resolve_scenario
from siteselect.reference import STARTERS, starter_path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"


def test_a_checkout_reads_its_own_layers_folder() -> None:
    assert _embedded.data_dir() == LAYERS
    assert embedded_path() == LAYERS / "vastmanland.gpkg"
    assert grid_data_dir() == LAYERS / "grid"
    assert default_scenario_path() == LAYERS / "scenarios" / "electricity-intensive.yaml"
    assert [starter_path(s) for s in STARTERS] == [LAYERS / "scenarios" / f"{s}.yaml" for s in STARTERS]


def test_shipped_files_are_named_by_their_stem() -> None:
    assert list(_embedded.shipped("scenarios")) == ["electricity-intensive", "logistics", "real-vastmanland"]
    assert list(_embedded.shipped("enquiries")) == ["battery-materials", "data-centre", "logistics-hub", "template"]
    assert list(_embedded.shipped("catalogs")) == ["embedded", "real-vastmanland"]
    assert _embedded.shipped("enquiries")["data-centre"] == LAYERS / "enquiries" / "data-centre.yaml"


def test_a_bare_name_is_the_shipped_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert _embedded.shipped_or_path("logistics", "scenarios") == LAYERS / "scenarios" / "logistics.yaml"
    sc, path = resolve_scenario("logistics")
    assert path == LAYERS / "scenarios" / "logistics.yaml" and sc.name == "logistics"


def test_a_file_here_wins_over_a_shipped_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logistics").write_text("name: mine\n", encoding="utf-8")
    assert _embedded.shipped_or_path("logistics", "scenarios") == Path("logistics")


def test_a_path_is_passed_through_for_its_reader_to_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for given in ("logistics.yaml", "sub/logistics", str(tmp_path / "missing.yaml")):
        assert _embedded.shipped_or_path(given, "scenarios") == Path(given)
    with pytest.raises(ScenarioError, match=r"^scenario logistics\.yaml: ") as err:  # the reader's own message
        resolve_scenario("logistics.yaml")
    assert "shipped" not in str(err.value)


def test_an_unknown_name_lists_the_shipped_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as err:
        _embedded.shipped_or_path("my-plant", "scenarios")
    assert str(err.value) == (
        "scenario 'my-plant': no such file, and no shipped scenario of that name; give a path to a YAML file, "
        "or one of: electricity-intensive, logistics, real-vastmanland"
    )
    res = CliRunner().invoke(main, ["enquiry", "battery", "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "enquiry 'battery': no such file, and no shipped enquiry of that name" in res.output
    assert "battery-materials, data-centre, logistics-hub, template" in res.output
    assert not (tmp_path / "out").exists()


def test_layers_check_takes_a_shipped_catalog_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    by_name = CliRunner().invoke(main, ["layers", "check", "embedded"])
    default = CliRunner().invoke(main, ["layers", "check"])
    assert by_name.exit_code == 0 and default.exit_code == 0
    assert by_name.output == default.output and "All layers OK." in by_name.output


def test_an_install_without_its_data_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # Outside a checkout the data comes from the package; a package without it is a broken install.
    monkeypatch.setattr(_embedded, "_checkout_layers", lambda: None)
    monkeypatch.setattr(_embedded, "_PACKAGE", "siteselect._no_such_data")
    with pytest.raises(LayerError, match=r"embedded data \(siteselect/_no_such_data/vastmanland\.gpkg\) is missing"):
        embedded_path()


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert siteselect.__version__ == version("siteselect")


def test_pyproject_lists_every_package_folder() -> None:
    """setuptools packages are listed by hand (layers/ is mapped in); a new folder must be added there."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert conf["package-dir"] == {"siteselect._embedded_data": "layers"}

    def folders(base: Path, prefix: str, skip: set[str]) -> set[str]:
        names = {prefix}
        for d in base.rglob("*"):
            rel = d.relative_to(base).parts
            if d.is_dir() and not set(rel) & skip and all(p.isidentifier() for p in rel):
                names.add(".".join((prefix, *rel)))
        return names

    expected = folders(ROOT / "siteselect", "siteselect", {"__pycache__"}) | folders(
        LAYERS, "siteselect._embedded_data", {"__pycache__", "build"})
    assert set(conf["packages"]) == expected
