"""Scenario files: the YAML that says what to exclude, what to score and how.

A scenario is read from YAML (:func:`load_scenario`) or a plain dict
(:func:`scenario_from_dict`) into a validated, immutable :class:`Scenario`.
Validation collects *every* problem in the file and raises one
:class:`~siteselect.errors.ScenarioError` listing them, each naming its YAML
path (``factors.port_minutes.fuzzy.shape``), what was found and what is
allowed. Unknown keys are errors, never ignored.

The format is described in ``docs/scenario.md`` (generated from these models by
:mod:`siteselect.reference`); in short::

    name: electricity-intensive
    region: vastmanland          # or  layers: path/to/catalog.yaml
    crs: auto                    # optional working CRS (default the catalog's, else EPSG:3006)
    site: {min_area_ha: 20}
    constraints:
      - {id: housing_300m, layer: urban_areas, mode: within, distance_m: 300}
    factors:
      port_minutes: {measure: port_minutes, nodata: 0,
                     fuzzy: {shape: linear, direction: decreasing, points: [10, 90]}}
    weights: {method: direct, values: {port_minutes: 1}}
    aggregation: {method: wlc}

A used scenario is written back beside every output with
:func:`save_scenario`, which adds a ``provenance:`` block.

Modules, by job:

``vocabulary``
    measure names and parameters (:data:`MEASURE_PARAMS`), class values, limits.
``factors``, ``constraints``, ``models``
    the pydantic models; each checks what it can see itself.
``checks``
    the rules that join parts (weights against factor names …).
``readiness``
    the land-readiness class map's schema and check.
``messages``
    pydantic's errors as one-line messages with YAML key paths.
``io``
    reading and writing scenario files.
"""

from __future__ import annotations

from siteselect.scenario.constraints import (
    CONSTRAINT_MODES,
    Constraint,
    InsideConstraint,
    MinAreaConstraint,
    MinVoltageWithinConstraint,
    WhereConstraint,
    WithinConstraint,
)
from siteselect.scenario.factors import FactorSpec, FuzzySpec
from siteselect.scenario.io import load_scenario, save_scenario, scenario_from_dict, scenario_yaml_text
from siteselect.scenario.models import (
    AggregationSpec,
    AHPSpec,
    EngineSpec,
    GridSpec,
    LimitsSpec,
    OutputSpec,
    Scenario,
    SensitivitySpec,
    SiteSpec,
    VehicleSpec,
    WeightsSpec,
)
from siteselect.scenario.readiness import DEFAULT_CLASS_MAP, validate_class_map
from siteselect.scenario.vocabulary import (
    CLASS_VALUES,
    MAX_DISTANCE_M,
    MAX_FUZZY_POINT,
    MAX_PIECEWISE_POINTS,
    MAX_SENSITIVITY_RUNS,
    MAX_WEIGHT,
    MEASURE_PARAMS,
    MEASURES,
    PARAM_NAMES,
    REQUIRED_PARAMS,
    class_key,
)

__all__ = [
    "AHPSpec",
    "AggregationSpec",
    "CLASS_VALUES",
    "CONSTRAINT_MODES",
    "Constraint",
    "DEFAULT_CLASS_MAP",
    "EngineSpec",
    "FactorSpec",
    "FuzzySpec",
    "GridSpec",
    "InsideConstraint",
    "LimitsSpec",
    "MAX_DISTANCE_M",
    "MAX_FUZZY_POINT",
    "MAX_PIECEWISE_POINTS",
    "MAX_SENSITIVITY_RUNS",
    "MAX_WEIGHT",
    "MEASURES",
    "MEASURE_PARAMS",
    "MinAreaConstraint",
    "MinVoltageWithinConstraint",
    "OutputSpec",
    "PARAM_NAMES",
    "REQUIRED_PARAMS",
    "Scenario",
    "SensitivitySpec",
    "SiteSpec",
    "VehicleSpec",
    "WeightsSpec",
    "WhereConstraint",
    "WithinConstraint",
    "class_key",
    "load_scenario",
    "save_scenario",
    "scenario_from_dict",
    "scenario_yaml_text",
    "validate_class_map",
]
