"""Fuzzy standardisation checked at its control points; class maps; nodata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siteselect.analysis.factors import (
    fuzzy_jshaped,
    fuzzy_linear,
    fuzzy_piecewise,
    fuzzy_sigmoid,
    standardise,
    standardise_table,
)
from siteselect.errors import ScenarioError
from siteselect.scenario import FactorSpec


def test_linear_at_control_points() -> None:
    x = np.array([0.0, 10, 50, 90, 200])
    assert fuzzy_linear(x, (10, 90), direction="increasing").tolist() == [0, 0, 0.5, 1, 1]
    assert fuzzy_linear(x, (10, 90), direction="decreasing").tolist() == [1, 1, 0.5, 0, 0]
    xs = np.array([0.0, 10, 15, 20, 40, 60, 70, 80, 99])
    assert fuzzy_linear(xs, (10, 20, 60, 80), direction="symmetric").tolist() == [0, 0, 0.5, 1, 1, 1, 0.5, 0, 0]


def test_sigmoid_at_control_points() -> None:
    x = np.array([-5.0, 0, 50, 100, 150])
    np.testing.assert_allclose(fuzzy_sigmoid(x, (0, 100), direction="increasing"), [0, 0, 0.5, 1, 1], atol=1e-12)
    np.testing.assert_allclose(fuzzy_sigmoid(x, (0, 100), direction="decreasing"), [1, 1, 0.5, 0, 0], atol=1e-12)
    # quarter way: sin²(π/8)
    assert fuzzy_sigmoid(np.array([25.0]), (0, 100), direction="increasing")[0] == pytest.approx(np.sin(np.pi / 8) ** 2)
    np.testing.assert_allclose(
        fuzzy_sigmoid(np.array([0.0, 5, 10, 20, 30, 35, 40]), (0, 10, 30, 40), direction="symmetric"),
        [0, 0.5, 1, 1, 1, 0.5, 0], atol=1e-12)


def test_jshaped_at_control_points() -> None:
    x = np.array([0.0, 10, 20, 30])
    # rising: 0.5 at a, 1 at b and beyond; one interval below a: 1/(1+2²) = 0.2
    np.testing.assert_allclose(fuzzy_jshaped(x, (10, 20), direction="increasing"), [0.2, 0.5, 1, 1])
    np.testing.assert_allclose(fuzzy_jshaped(x, (10, 20), direction="decreasing"), [1, 1, 0.5, 0.2])
    np.testing.assert_allclose(fuzzy_jshaped(np.array([0.0, 10, 15, 20, 30]), (0, 10, 20, 30), direction="symmetric"),
                               [0.5, 1, 1, 1, 0.5])


def test_piecewise_breakpoints_and_flat_ends() -> None:
    pts = [[5.0, 1.0], [30.0, 0.5], [60.0, 0.0]]
    np.testing.assert_allclose(fuzzy_piecewise(np.array([0.0, 5, 17.5, 30, 45, 60, 90]), pts),
                               [1, 1, 0.75, 0.5, 0.25, 0, 0])


def test_standardise_nodata_number_exclude_and_missing() -> None:
    spec = {"measure": "port_minutes", "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}}
    raw = pd.Series([10.0, np.nan, 50.0])
    with pytest.raises(ScenarioError, match=r"factors.port_minutes: 1 missing \(NaN\).*nodata"):
        standardise(raw, spec, name="port_minutes")
    np.testing.assert_allclose(standardise(raw, {**spec, "nodata": 0.25}), [1, 0.25, 0.5])
    out = standardise(raw, {**spec, "nodata": "exclude"})
    assert out[0] == 1 and np.isnan(out[1]) and out[2] == 0.5


def test_class_map_default_and_null() -> None:
    spec = FactorSpec.model_validate({"measure": "mifo_class", "classes": {1: 0.0, 2: 0.3}, "default": 0.9, "nodata": 1.0})
    vals = pd.Series([1, 2, 3, None], dtype=object)
    np.testing.assert_allclose(standardise(vals, spec), [0.0, 0.3, 0.9, 1.0])
    # a float column from a nullable integer field still maps 1.0 -> class "1"
    np.testing.assert_allclose(standardise(np.array([1.0, np.nan]), spec), [0.0, 1.0])


def test_class_unknown_without_default_lists_values() -> None:
    spec = {"measure": "plan_status", "classes": {"gällande": 1.0, "pågående": 0.6}}
    with pytest.raises(ScenarioError, match=r"found value\(s\) 'ingen', 'okänt' with no class"):
        standardise(np.array(["gällande", "ingen", "okänt"], dtype=object), spec, name="plan_status")
    with pytest.raises(ScenarioError, match="NULL"):
        standardise(np.array(["gällande", None], dtype=object), spec, name="plan_status")


def test_standardise_table_reasons() -> None:
    factors = {
        "port_minutes": FactorSpec.model_validate({"measure": "port_minutes", "nodata": "exclude",
                                                   "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [0, 100]}}),
        "area_ha": FactorSpec.model_validate({"measure": "area_ha",
                                              "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 100]}}),
    }
    raw = pd.DataFrame({"port_minutes": [25.0, np.nan], "area_ha": [40.0, 80.0]}, index=["s1", "s2"])
    std, reasons = standardise_table(raw, factors)
    assert std.loc["s1"].tolist() == [0.75, 0.4]
    assert np.isnan(std.loc["s2", "port_minutes"])
    assert reasons.tolist() == ["", "port_minutes: no data (nodata: exclude)"]
