"""The ``siteselect`` commands of the foundation, run through click's test runner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from siteselect.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "layers" / "scenarios" / "electricity-intensive.yaml"
MUNICIPALITIES = {
    "Västerås", "Köping", "Arboga", "Kungsör", "Hallstahammar", "Surahammar", "Sala", "Fagersta", "Norberg",
    "Skinnskatteberg",
}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run")
    res = CliRunner().invoke(main, ["run", "--out", str(out), "--sheets", "2"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_default_run_writes_every_output(default_run: tuple[Path, str]) -> None:
    out, text = default_run
    for name in ("ranking.csv", "map.html", "scenario.yaml", "siteselect.gpkg"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
        assert str(out / name) in text  # the run says where its outputs are
    assert len(list((out / "sites").glob("*.pdf"))) == 2


def test_default_ranking_has_a_score_or_a_reason_for_every_site(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    table = pd.read_csv(out / "ranking.csv", keep_default_na=False)
    assert set(table["municipality"]) == MUNICIPALITIES
    for col in ("site_id", "name", "municipality", "area_ha", "excluded", "exclusion_reason", "score", "rank",
                "substation_km_raw", "substation_km_std", "port_minutes_raw", "labour_45min_raw",
                "grid_status", "grid_note", "readiness_class"):
        assert col in table.columns, col
    kept = table["excluded"].astype(str) == "False"
    assert kept.any() and (~kept).any()
    assert (table.loc[kept, "score"] != "").all()
    assert (table.loc[~kept, "exclusion_reason"].str.len() > 0).all()
    assert (table.loc[~kept, "score"] == "").all()
    # ranks 1..n among kept sites, best first
    ranks = table.loc[kept, "rank"].astype(int).tolist()
    assert ranks == sorted(ranks) and ranks[0] == 1
    # every site says what grid it can get, or that it is unknown
    assert table["grid_note"].str.len().gt(0).all()


def test_minutes_to_port_near_the_port_and_far_away(default_run: tuple[Path, str]) -> None:
    table = pd.read_csv(default_run[0] / "ranking.csv")
    by_id = table.set_index("site_id")
    assert by_id.loc["VAS-04", "port_minutes"] < 10  # Västerås hamn, Västra hamnen
    norberg = table[table["municipality"] == "Norberg"]
    assert (norberg["port_minutes"] > 45).all()


def test_scenario_used_is_saved_and_reloads(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    saved = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    original = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    assert saved["factors"].keys() == original["factors"].keys()
    assert saved["provenance"]["siteselect_version"]
    res = CliRunner().invoke(main, ["run", str(out / "scenario.yaml"), "--out", str(out / "again"),
                                    "--sheets", "0", "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    first = pd.read_csv(out / "ranking.csv")
    again = pd.read_csv(out / "again" / "ranking.csv")
    assert list(first["site_id"]) == list(again["site_id"])
    assert (first["score"].fillna(-1) - again["score"].fillna(-1)).abs().max() < 1e-12


def _bad(tmp_path: Path, edit) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    return res.exit_code, res.output


def test_unknown_layer_is_one_line_with_key_and_fix(tmp_path: Path) -> None:
    code, text = _bad(tmp_path, lambda d: d["constraints"][0].update(layer="protected_naturee"))
    assert code == 2
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text
    assert "constraints[0].layer" in lines[0] and "'protected_naturee'" in lines[0]
    assert "allowed layer roles" in lines[0] and "protected_nature" in lines[0]
    assert not (tmp_path / "out").exists()


def test_weight_for_missing_factor(tmp_path: Path) -> None:
    code, text = _bad(tmp_path, lambda d: d["weights"]["values"].update(rail_km=1))
    assert code == 2 and "Traceback" not in text
    assert "weights.values" in text and "rail_km" in text and "allowed:" in text
    assert len(text.strip().splitlines()) == 1


def test_negative_distance(tmp_path: Path) -> None:
    code, text = _bad(tmp_path, lambda d: d["constraints"][2].update(distance_m=-500))
    assert code == 2 and "Traceback" not in text
    assert "constraints[2].distance_m" in text and "-500" in text and "greater than 0" in text


def test_several_problems_reported_together(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["constraints"][2]["distance_m"] = -500
        d["weights"]["values"]["rail_km"] = 1
        d["colour"] = "red"

    code, text = _bad(tmp_path, edit)
    assert code == 2 and "3 problems" in text
    assert "distance_m" in text and "rail_km" in text and "colour" in text


def test_missing_scenario_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "nope.yaml" in res.output and "Traceback" not in res.output


def test_layers_check_embedded() -> None:
    res = CliRunner().invoke(main, ["layers", "check"])
    assert res.exit_code == 0, res.output
    assert "candidates" in res.output and "All layers OK" in res.output


def test_suitability_writes_surface_and_zones(tmp_path: Path) -> None:
    import rasterio

    res = CliRunner().invoke(main, ["suitability", "--resolution", "250", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    with rasterio.open(tmp_path / "suitability.tif") as src:
        assert src.crs.to_epsg() == 3006 and src.res == (250.0, 250.0)
        band = src.read(1)
    import numpy as np

    finite = band[np.isfinite(band)]
    assert finite.size and finite.min() >= 0 and finite.max() <= 1
    zones = pd.read_csv(tmp_path / "zones.csv")
    assert len(zones) >= 1 and (zones["area_ha"] >= 20).all()


def test_suitability_on_dask_equals_in_memory(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="siteselect[dask] not installed")
    import numpy as np
    import rasterio

    args = ["-q", "suitability", "--resolution", "500"]
    local = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "local")])
    dask_run = CliRunner().invoke(main, [*args, "--engine", "dask", "--workers", "1", "--chunk-size", "64",
                                         "--out", str(tmp_path / "dask")])
    assert local.exit_code == 0, local.output
    assert dask_run.exit_code == 0, dask_run.output
    with rasterio.open(tmp_path / "local" / "suitability.tif") as a, \
            rasterio.open(tmp_path / "dask" / "suitability.tif") as b:
        x, y = a.read(1), b.read(1)
    assert x.shape == y.shape and x.shape[0] > 64  # several chunks
    assert np.array_equal(np.isnan(x), np.isnan(y))
    assert np.nanmax(np.abs(x - y)) <= 2e-7


def test_local_engine_rejects_dask_only_options(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["suitability", "--engine", "local", "--workers", "2", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--workers" in res.output and "Traceback" not in res.output


def test_export_writes_a_styled_geopackage_with_the_scenario(tmp_path: Path) -> None:
    import pyogrio

    target = tmp_path / "export" / "siteselect.gpkg"
    res = CliRunner().invoke(main, ["export", "--gpkg", str(target)])
    assert res.exit_code == 0, res.output
    names = {name for name, _ in pyogrio.list_layers(target)}
    assert {"candidates", "roads", "substations", "ranking", "isochrones", "layer_styles"} <= names
    from siteselect.outputs.gpkg import read_geopackage_metadata, read_geopackage_styles

    styles = read_geopackage_styles(target)
    assert len(styles) >= 5
    meta = read_geopackage_metadata(target)
    assert any("electricity-intensive" in str(v) for v in meta.values())


def test_sheet_for_unknown_site_is_a_clear_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["sheet", "--site", "NOPE", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "site id(s) NOPE not among the candidates" in res.output
    assert not any(tmp_path.iterdir())


def test_sheet_misuse_is_a_usage_error(tmp_path: Path) -> None:
    # the old spelling (site ids where the scenario now goes) says how to name sites
    res = CliRunner().invoke(main, ["sheet", "VAS-01", "--out", str(tmp_path)], prog_name="siteselect")
    assert res.exit_code == 2 and "Usage: siteselect sheet" in res.output
    assert "'VAS-01' is neither a file nor a shipped scenario" in res.output and "--site VAS-01" in res.output
    res = CliRunner().invoke(main, ["sheet", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "Usage:" in res.output and "--site ID" in res.output and "--top N" in res.output
    res = CliRunner().invoke(main, ["sheet", "--site", "VAS-01", "--top", "2", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "not both" in res.output
    res = CliRunner().invoke(main, ["sheet", "logistics", "--scenario", "logistics", "--top", "1", "--out",
                                    str(tmp_path)])
    assert res.exit_code == 2 and "give the scenario once" in res.output
    assert not any(tmp_path.iterdir())


def test_enquiry_without_request_is_a_usage_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["enquiry", "--out", str(tmp_path)], prog_name="siteselect")
    assert res.exit_code == 2 and "Usage: siteselect enquiry" in res.output and "--template" in res.output


def test_planreport_covers_every_municipality(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["planreport", "--resolution", "500", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    pdfs = sorted(p.name for p in tmp_path.glob("plan_*.pdf"))
    assert len(pdfs) == 10, pdfs  # one summary per municipality, "no zone found" included
    assert (tmp_path / "plan_report.gpkg").is_file()
