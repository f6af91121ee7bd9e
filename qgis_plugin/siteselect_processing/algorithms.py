"""The four siteselect Processing algorithms; each runs the siteselect program (see provider.py).

Outputs are files siteselect wrote in the chosen folder; vector outputs come from
its GeoPackage, whose ``layer_styles`` table makes them load styled. The
suitability surface is styled here with a QGIS pseudocolour ramp saved as the
raster's default style (``suitability.qml`` beside it).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsColorRampShader,
    QgsGradientColorRamp,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputFile,
    QgsProcessingOutputRasterLayer,
    QgsProcessingOutputString,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from .provider import siteselect_program

_TIMEOUT_S = 3600


def run_siteselect(args: list[str], feedback: QgsProcessingFeedback, *,
                   ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str]:
    """Run ``siteselect ARGS``, streaming its messages to ``feedback``; returns (exit code, stdout).

    Raises
    ------
    QgsProcessingException
        With siteselect's own message when it exits with a code not in ``ok_codes``
        (exit 2 is a problem with the inputs), or when cancelled.
    """
    cmd = [siteselect_program(), *args]
    feedback.pushCommandInfo(" ".join(cmd))
    # QGIS's own Python settings must not leak into siteselect's environment
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as proc:
        started = time.monotonic()
        while True:
            try:
                out, err = proc.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if feedback.isCanceled() or time.monotonic() - started > _TIMEOUT_S:
                    proc.kill()
                    proc.communicate()
                    raise QgsProcessingException("siteselect was cancelled") from None
    for line in (err or "").splitlines():
        if line.strip():
            feedback.pushInfo(line)
    if proc.returncode not in ok_codes:
        lines = [ln for ln in (err or "").splitlines() if ln.strip()]
        raise QgsProcessingException(
            "siteselect failed" + (f" (exit {proc.returncode}): " + " ".join(lines[-3:]) if lines else
                                   f" with exit code {proc.returncode}"))
    return proc.returncode, out or ""


def _load(context: QgsProcessingContext, uri: str, name: str, output: str) -> None:
    context.addLayerToLoadOnCompletion(uri, QgsProcessingContext.LayerDetails(name, context.project(), output))


def style_surface(tif: str) -> str:
    """Give ``tif`` a red-to-green pseudocolour style over its value range; returns the .qml written."""
    layer = QgsRasterLayer(tif, "suitability")
    if not layer.isValid():
        raise QgsProcessingException(f"suitability surface {tif} cannot be opened")
    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
    ramp = QgsGradientColorRamp(QColor("#d7191c"), QColor("#1a9641"))
    fn = QgsColorRampShader(stats.minimumValue, stats.maximumValue, ramp)
    fn.setColorRampType(QgsColorRampShader.Interpolated)
    fn.classifyColorRamp(5, -1)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(fn)
    layer.setRenderer(QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader))
    message, ok = layer.saveDefaultStyle()
    if not ok:
        raise QgsProcessingException(f"cannot save the style of {tif}: {message}")
    return str(Path(tif).with_suffix(".qml"))


#: QGIS-layer parameters: parameter name -> (siteselect role, label, geometry type).
LAYER_PARAMS = {
    "CANDIDATES": ("candidates", "Candidate sites (QGIS layer; replaces the scenario's)",
                   QgsProcessing.TypeVectorPolygon),
    "ROADS": ("roads", "Roads (QGIS layer; replaces the scenario's)", QgsProcessing.TypeVectorLine),
    "PROTECTED_NATURE": ("protected_nature", "Protected nature (QGIS layer; replaces the scenario's)",
                         QgsProcessing.TypeVectorPolygon),
}


def _add_layer_params(alg: QgsProcessingAlgorithm) -> None:
    for name, (_, text, kind) in LAYER_PARAMS.items():
        alg.addParameter(QgsProcessingParameterVectorLayer(name, text, [kind], optional=True))


def layers_catalog(alg: QgsProcessingAlgorithm, parameters: Any, context: QgsProcessingContext,
                   folder: str) -> str | None:
    """Write the QGIS layers given to a GeoPackage and a catalog naming them (rest: embedded).

    Returns the catalog path, or ``None`` when no layer was given. Field names must be the
    role's (siteselect validates them exactly as for files and says what is missing).
    """
    given: dict[str, QgsVectorLayer] = {}
    for name, (role, _, _) in LAYER_PARAMS.items():
        layer = alg.parameterAsVectorLayer(parameters, name, context)
        if layer is not None:
            given[role] = layer
    if not given:
        return None
    os.makedirs(folder, exist_ok=True)
    gpkg = os.path.join(folder, "qgis_layers.gpkg")
    lines = ["# written by the siteselect QGIS plugin from the layers given", "fallback: embedded", "roles:"]
    for i, (role, layer) in enumerate(given.items()):
        opts = QgsVectorFileWriter.SaveVectorOptions()
        opts.driverName = "GPKG"
        opts.layerName = role
        opts.actionOnExistingFile = (QgsVectorFileWriter.CreateOrOverwriteFile if i == 0
                                     else QgsVectorFileWriter.CreateOrOverwriteLayer)
        err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, gpkg, context.transformContext(), opts)
        if err[0] != QgsVectorFileWriter.NoError:
            raise QgsProcessingException(f"cannot save layer '{layer.name()}' for role {role}: {err[1]}")
        lines.append(f"  {role}: {{path: {json.dumps(gpkg)}, layer: {role}}}")
    catalog = os.path.join(folder, "catalog.yaml")
    Path(catalog).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return catalog


def scenario_with_catalog(scenario: str, catalog: str, folder: str) -> str:
    """A copy of ``scenario`` reading its layers from ``catalog`` instead of the embedded region."""
    import yaml

    if not scenario:
        raise QgsProcessingException("QGIS layers replace layers of a scenario: choose the scenario file "
                                     "too (`siteselect init` writes a starter).")
    doc = yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise QgsProcessingException(f"scenario {scenario} is not a YAML mapping")
    if doc.get("layers"):
        raise QgsProcessingException(f"scenario {scenario} names its own layer catalog ({doc['layers']}); "
                                     "add the layers to that catalog instead of giving QGIS layers.")
    doc.pop("region", None)
    doc["layers"] = catalog
    out = os.path.join(folder, "scenario.yaml")
    Path(out).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


class _Algorithm(QgsProcessingAlgorithm):
    _id = ""
    _name = ""
    _help = ""

    def name(self) -> str:
        return self._id

    def displayName(self) -> str:  # noqa: N802 - QGIS's name
        return self._name

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS's name
        return self._help

    def createInstance(self) -> QgsProcessingAlgorithm:  # noqa: N802 - QGIS's name
        return type(self)()

    def flags(self) -> Any:
        # a child process does the work; no QGIS objects are shared with it
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading


def _scenario_param() -> QgsProcessingParameterFile:
    return QgsProcessingParameterFile("SCENARIO", "Scenario (YAML; empty = the shipped default)",
                                      extension="yaml", optional=True)


class RunScenario(_Algorithm):
    """Rank candidate sites for a scenario: ranking, isochrones, map and GeoPackage."""

    _id = "runscenario"
    _name = "Run scenario"
    _help = ("Runs `siteselect run` on a scenario file; QGIS layers given for candidates, roads or "
             "protected nature replace the scenario's (their fields must be the role's). Writes ranking.csv, map.html, scenario.yaml and "
             "siteselect.gpkg (all layers used, the ranking and isochrones, styled) into the output "
             "folder and loads the ranking and isochrones styled.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        self.addParameter(_scenario_param())
        _add_layer_params(self)
        self.addParameter(QgsProcessingParameterBoolean("SENSITIVITY", "Weight sensitivity (slower)",
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", "Output folder"))
        self.addOutput(QgsProcessingOutputVectorLayer("RANKING", "Ranking", QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer("ISOCHRONES", "Isochrones",
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputFile("GPKG", "GeoPackage"))
        self.addOutput(QgsProcessingOutputFile("RANKING_CSV", "Ranking table (CSV)"))

    def processAlgorithm(self, parameters: Any, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        scenario = self.parameterAsFile(parameters, "SCENARIO", context)
        out = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        inputs = os.path.join(QgsProcessingUtils.tempFolder(), f"siteselect-inputs-{id(self)}")
        catalog = layers_catalog(self, parameters, context, inputs)
        if catalog is not None:
            scenario = scenario_with_catalog(scenario, catalog, inputs)
        args = ["run", *([scenario] if scenario else []), "--out", out]
        if not self.parameterAsBoolean(parameters, "SENSITIVITY", context):
            args.append("--no-sensitivity")
        run_siteselect(args, feedback)
        gpkg = os.path.join(out, "siteselect.gpkg")
        ranking, iso = f"{gpkg}|layername=ranking", f"{gpkg}|layername=isochrones"
        _load(context, ranking, "ranking", "RANKING")
        _load(context, iso, "isochrones", "ISOCHRONES")
        return {"RANKING": ranking, "ISOCHRONES": iso, "GPKG": gpkg, "OUTPUT_FOLDER": out,
                "RANKING_CSV": os.path.join(out, "ranking.csv")}


class SuitabilitySurface(_Algorithm):
    """Raster suitability surface of a scenario and its best zones."""

    _id = "suitabilitysurface"
    _name = "Suitability surface"
    _help = ("Runs `siteselect suitability`: a GeoTIFF surface (NaN = excluded) styled red to green, "
             "and zones.gpkg with the contiguous best zones.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        self.addParameter(_scenario_param())
        self.addParameter(QgsProcessingParameterNumber("RESOLUTION", "Cell size (m)",
                                                       QgsProcessingParameterNumber.Double, 50.0,
                                                       minValue=10.0, maxValue=1000.0))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", "Output folder"))
        self.addOutput(QgsProcessingOutputRasterLayer("SURFACE", "Suitability surface"))
        self.addOutput(QgsProcessingOutputVectorLayer("ZONES", "Best zones", QgsProcessing.TypeVectorPolygon))

    def processAlgorithm(self, parameters: Any, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        scenario = self.parameterAsFile(parameters, "SCENARIO", context)
        out = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        res = self.parameterAsDouble(parameters, "RESOLUTION", context)
        run_siteselect(["suitability", *([scenario] if scenario else []), "--resolution", f"{res:g}",
                        "--out", out], feedback)
        tif = os.path.join(out, "suitability.tif")
        style_surface(tif)
        zones = os.path.join(out, "zones.gpkg") + "|layername=zones"
        _load(context, tif, "suitability", "SURFACE")
        _load(context, zones, "zones", "ZONES")
        return {"SURFACE": tif, "ZONES": zones, "OUTPUT_FOLDER": out}


class AnswerEnquiry(_Algorithm):
    """Answer an investor's enquiry: shortlist, excluded sites and the run's outputs."""

    _id = "answerenquiry"
    _name = "Answer enquiry"
    _help = ("Runs `siteselect enquiry` on an enquiry file (see `siteselect enquiry --template`): writes "
             "shortlist.csv, excluded.csv, the summary and the run's outputs, and loads the ranking styled.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        self.addParameter(QgsProcessingParameterFile("REQUEST", "Enquiry (YAML)", extension="yaml"))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", "Output folder"))
        self.addOutput(QgsProcessingOutputVectorLayer("RANKING", "Ranking", QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputFile("SHORTLIST", "Shortlist (CSV)"))

    def processAlgorithm(self, parameters: Any, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        request = self.parameterAsFile(parameters, "REQUEST", context)
        out = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        run_siteselect(["enquiry", request, "--out", out], feedback)
        ranking = os.path.join(out, "siteselect.gpkg") + "|layername=ranking"
        _load(context, ranking, "ranking", "RANKING")
        return {"RANKING": ranking, "SHORTLIST": os.path.join(out, "shortlist.csv"), "OUTPUT_FOLDER": out}


class CheckLayers(_Algorithm):
    """Check every layer of a layer catalog and report problems."""

    _id = "checklayers"
    _name = "Check layers"
    _help = ("Runs `siteselect layers check` on a layer catalog (YAML), or on the QGIS layers given "
             "(the rest embedded): one line per role with features, "
             "CRS, geometry types and problems. OK is false when a layer has a blocking problem.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        self.addParameter(QgsProcessingParameterFile("CATALOG", "Layer catalog (YAML; or give QGIS layers)",
                                                     extension="yaml", optional=True))
        _add_layer_params(self)
        self.addParameter(QgsProcessingParameterFileDestination("REPORT_FILE", "Report", "Text files (*.txt)"))
        self.addOutput(QgsProcessingOutputString("REPORT", "Report text"))
        self.addOutput(QgsProcessingOutputBoolean("OK", "All layers OK"))

    def processAlgorithm(self, parameters: Any, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        catalog = self.parameterAsFile(parameters, "CATALOG", context)
        inputs = os.path.join(QgsProcessingUtils.tempFolder(), f"siteselect-inputs-{id(self)}")
        written = layers_catalog(self, parameters, context, inputs)
        if written is not None and catalog:
            raise QgsProcessingException("give either a layer catalog or QGIS layers, not both")
        catalog = written or catalog
        if not catalog:
            raise QgsProcessingException("give a layer catalog (YAML) or at least one QGIS layer")
        target = self.parameterAsFileOutput(parameters, "REPORT_FILE", context)
        code, text = run_siteselect(["layers", "check", catalog], feedback, ok_codes=(0, 1))
        Path(target).write_text(text, encoding="utf-8")
        for line in text.splitlines():
            feedback.pushInfo(line)
        return {"REPORT": text, "OK": code == 0, "REPORT_FILE": target}
