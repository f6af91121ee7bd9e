"""Tests of siteselect.io.importers.ports (World Port Index CSV, PyPSA GeoJSON)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest

from siteselect.io.catalog import check_catalog
from siteselect.io.importers.ports import ports_from_pypsa_geojson, ports_from_wpi_csv
from siteselect.io.read import LayerWarning
from siteselect.io.validate import validate_layer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")

WPI = ('"World Port Index Number","Main Port Name","UN/LOCODE","Channel Depth (m)",'
       '"Cargo Pier Depth (m)","Maximum Vessel Draft (m)","Latitude","Longitude"\n'
       '25395,"Vasteras","SE VST",4.9,3.4,6.8,59.6,16.55\n'
       '24370,"Karlshamn","SE KAN",12.5,4.9,0,56.17,14.86\n'
       '99999,"Nowhere","",0,0,0,59.5,16.0\n')


def test_wpi_rows(tmp_path: Path) -> None:
    p = tmp_path / "wpi.csv"
    p.write_text(WPI, encoding="utf-8")
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    with pytest.warns(LayerWarning, match="1 ports state no depth"):
        ports = ports_from_wpi_csv(p)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before
    assert list(ports["port_id"]) == ["wpi-25395", "wpi-24370", "wpi-99999"]
    assert ports["max_draught_m"].iloc[0] == 6.8 and ports["max_draught_m"].isna().iloc[1]
    assert list(ports["deep_water"]) == [False, True, False]  # 6.8 < 9 ≤ 12.5
    assert list(ports["locode"][:2]) == ["SEVST", "SEKAN"] and ports["locode"].isna().iloc[2]
    validate_layer(ports, "ports")


@pytest.mark.shared_data
@needs_shared
def test_real_wpi_and_pypsa() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        wpi = validate_layer(ports_from_wpi_csv(SHARED / "ports" / "wpi_sweden.csv"), "ports")
    assert len(wpi) == 92
    vst = wpi[wpi["port_id"] == "wpi-25395"].iloc[0]
    assert vst["max_draught_m"] == 6.8
    py = validate_layer(ports_from_pypsa_geojson(
        SHARED / "ports" / "pypsa_attributed_ports_sweden.geojson"), "ports")
    assert len(py) == 16 and "SEVST" in set(py["port_id"])


@pytest.mark.shared_data
@needs_shared
def test_real_wpi_through_catalog(tmp_path: Path) -> None:
    cat = tmp_path / "c.yaml"
    cat.write_text(f"roles:\n  ports: {{path: {SHARED / 'ports' / 'wpi_sweden.csv'}, "
                   "format: wpi_csv}\n", encoding="utf-8")
    rows = {r.role: r for r in check_catalog(cat).rows}
    assert rows["ports"].ok and rows["ports"].features == 92
