"""The QGIS Processing provider (qgis_plugin/siteselect_processing) in real headless QGIS.

Each algorithm is run with ``processing.run`` in Debian's QGIS Python; the plugin calls this
checkout's siteselect through a small wrapper script (as a user sets the provider's
*siteselect program* to their venv's ``siteselect``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _qgis import system_qgis_python

ROOT = Path(__file__).parents[1]
PLUGIN_DIR = ROOT / "qgis_plugin"
QGIS_PLUGINS = Path("/usr/share/qgis/python/plugins")

_SCRIPT = r"""
import json, os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from qgis.core import QgsApplication, QgsProject, QgsProcessingContext, QgsProcessingFeedback, QgsRasterLayer, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import processing
from siteselect_processing.provider import SiteselectProvider
provider = SiteselectProvider()
QgsApplication.processingRegistry().addProvider(provider)
out = {"algorithms": sorted(a.id() for a in provider.algorithms())}
work = sys.argv[3]
ctx = QgsProcessingContext(); ctx.setProject(QgsProject.instance())

def vec(uri):
    layer = QgsVectorLayer(uri, "x", "ogr")
    r = layer.renderer()
    return [layer.isValid(), r.type() if r else None, layer.featureCount()]

res = processing.run("siteselect:runscenario", {"OUTPUT_FOLDER": work + "/run"}, context=ctx)
out["run"] = {"ranking": vec(res["RANKING"]), "isochrones": vec(res["ISOCHRONES"]), "csv": res["RANKING_CSV"],
              "to_load": sorted(d.name for d in ctx.layersToLoadOnCompletion().values())}
res = processing.run("siteselect:suitabilitysurface", {"RESOLUTION": 250, "OUTPUT_FOLDER": work + "/suit"})
ras = QgsRasterLayer(res["SURFACE"], "s")
out["suit"] = {"surface": [ras.isValid(), ras.renderer().type()], "zones": vec(res["ZONES"])}
res = processing.run("siteselect:answerenquiry", {"REQUEST": sys.argv[4], "OUTPUT_FOLDER": work + "/enq"})
out["enquiry"] = {"ranking": vec(res["RANKING"]), "shortlist": res["SHORTLIST"]}
for name, cat in (("good", sys.argv[5]), ("bad", sys.argv[6])):
    res = processing.run("siteselect:checklayers", {"CATALOG": cat, "REPORT_FILE": work + f"/{name}.txt"})
    out["check_" + name] = {"ok": res["OK"], "report": res["REPORT"], "file": res["REPORT_FILE"]}
cand = QgsVectorLayer(sys.argv[7] + "|layername=candidates", "cand", "ogr")
res = processing.run("siteselect:runscenario", {"SCENARIO": sys.argv[8], "CANDIDATES": cand,
                                                "OUTPUT_FOLDER": work + "/runq"})
out["run_qgis"] = {"csv": res["RANKING_CSV"], "ranking": vec(res["RANKING"])}
water = QgsVectorLayer(sys.argv[7] + "|layername=water", "water", "ogr")
res = processing.run("siteselect:checklayers", {"CANDIDATES": water, "REPORT_FILE": work + "/water.txt"})
out["check_qgis"] = {"ok": res["OK"], "report": res["REPORT"]}
try:
    processing.run("siteselect:runscenario", {"SCENARIO": sys.argv[6], "OUTPUT_FOLDER": work + "/bad"})
    out["bad_run"] = "no error"
except Exception as exc:
    out["bad_run"] = str(exc)
print("RESULT " + json.dumps(out))
sys.stdout.flush()
os._exit(0)  # QgsApplication teardown can crash in headless runs; the answers are printed already
"""


def _system_qgis() -> str | None:
    return system_qgis_python() if (QGIS_PLUGINS / "processing").is_dir() else None


@pytest.mark.skipif(_system_qgis() is None,
                    reason="QGIS with Processing not installed (apt-get install -y python3-qgis qgis-providers)")
def test_processing_algorithms_in_headless_qgis(tmp_path: Path) -> None:
    wrapper = tmp_path / "siteselect"
    program = Path(sys.executable).parent / "siteselect"  # the venv's siteselect, this checkout's code
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {program} \"$@\"\n")
    wrapper.chmod(0o755)
    good = tmp_path / "good.yaml"
    good.write_text("fallback: embedded\nroles: {}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("fallback: embedded\nroles:\n  roads: {path: missing.gpkg}\n", encoding="utf-8")
    enquiry = ROOT / "layers" / "enquiries" / "logistics-hub.yaml"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SITESELECT_CLI": str(wrapper)}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(_system_qgis()), "-c", _SCRIPT, str(QGIS_PLUGINS), str(PLUGIN_DIR), str(tmp_path),
                           str(enquiry), str(good), str(bad), str(ROOT / "layers" / "vastmanland.gpkg"),
                           str(ROOT / "layers" / "scenarios" / "electricity-intensive.yaml")], capture_output=True, text=True, env=env,
                          timeout=900, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-3000:]
    got = json.loads(lines[-1][7:])
    assert got["algorithms"] == [f"siteselect:{a}" for a in ("answerenquiry", "checklayers", "runscenario",
                                                           "suitabilitysurface")]

    ranking_csv = pd.read_csv(got["run"]["csv"])
    assert got["run"]["ranking"] == [True, "RuleRenderer", len(ranking_csv)]
    assert got["run"]["isochrones"][:2] == [True, "categorizedSymbol"] and got["run"]["isochrones"][2] > 0
    assert got["run"]["to_load"] == ["isochrones", "ranking"]

    assert got["suit"]["surface"] == [True, "singlebandpseudocolor"]
    assert (tmp_path / "suit" / "suitability.qml").is_file()
    zones_csv = pd.read_csv(tmp_path / "suit" / "zones.csv")
    assert got["suit"]["zones"][0] is True and got["suit"]["zones"][2] == len(zones_csv)

    shortlist = Path(got["enquiry"]["shortlist"])
    assert shortlist.is_file() and got["enquiry"]["ranking"][:2] == [True, "RuleRenderer"]

    assert got["check_good"]["ok"] is True and "All layers OK." in got["check_good"]["report"]
    assert got["check_bad"]["ok"] is False and "missing.gpkg: file not found" in got["check_bad"]["report"]
    assert Path(got["check_bad"]["file"]).read_text(encoding="utf-8") == got["check_bad"]["report"]
    assert "siteselect failed (exit 2)" in got["bad_run"]

    # QGIS layers as inputs: the embedded candidates given as a QGIS layer rank exactly as the default run
    again = pd.read_csv(got["run_qgis"]["csv"])
    assert list(again["site_id"]) == list(ranking_csv["site_id"])
    assert got["run_qgis"]["ranking"] == [True, "RuleRenderer", len(ranking_csv)]
    # a QGIS layer without the role's fields is reported, not run
    assert got["check_qgis"]["ok"] is False
    assert "candidates" in got["check_qgis"]["report"] and "site_id" in got["check_qgis"]["report"]
