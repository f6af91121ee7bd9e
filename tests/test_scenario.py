"""Scenario schema: valid files load; every problem is reported with its YAML path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from siteselect.errors import ScenarioError
from siteselect.scenario import (
    CLASS_VALUES,
    MEASURE_PARAMS,
    MEASURES,
    REQUIRED_PARAMS,
    AggregationSpec,
    AHPSpec,
    FuzzySpec,
    Scenario,
    WeightsSpec,
    WhereConstraint,
    WithinConstraint,
    class_key,
    load_scenario,
    save_scenario,
    scenario_from_dict,
)

BASE: dict = {
    "name": "electricity-intensive",
    "description": "Large plant that needs grid capacity",
    "region": "vastmanland",
    "site": {"min_area_ha": 20},
    "constraints": [
        {"id": "protected_nature", "layer": "protected_nature", "mode": "inside"},
        {"id": "housing_300m", "layer": "urban_areas", "mode": "within", "distance_m": 300},
        {"id": "mifo_class_1", "layer": "candidates", "mode": "where", "field": "mifo_class", "op": "==", "value": 1},
        {"id": "no_grid", "mode": "min_voltage_within", "min_voltage_kv": 130, "distance_km": 15},
    ],
    "factors": {
        "substation_km": {"measure": "substation_km", "min_voltage_kv": 130,
                          "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [1, 15]}},
        "port_minutes": {"measure": "port_minutes", "nodata": 0,
                         "fuzzy": {"shape": "linear", "direction": "decreasing", "points": [10, 90]}},
        "labour_45min": {"measure": "population_within", "minutes": 45,
                         "fuzzy": {"shape": "sigmoid", "direction": "increasing", "points": [20000, 250000]}},
        "plan_status": {"measure": "plan_status", "classes": {"gällande": 1.0, "pågående": 0.6, "ingen": 0.2}},
    },
    "weights": {"method": "direct", "values": {"substation_km": 3, "port_minutes": 1, "labour_45min": 2, "plan_status": 2}},
    "aggregation": {"method": "wlc"},
    "sensitivity": {"runs": 1000, "top_k": 5, "concentration": 50, "seed": 42},
    "output": {"sheets_top_n": 5},
}


def _problems(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, source="test.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("scenario test.yaml: ")
    if len(lines) == 1:  # a single problem is reported on the summary line itself
        return [lines[0][len("scenario test.yaml: "):]]
    return [ln.strip()[2:] for ln in lines[1:]]


def test_valid_scenario_loads_with_typed_parts() -> None:
    s = scenario_from_dict(BASE)
    assert s.factor_names == ["substation_km", "port_minutes", "labour_45min", "plan_status"]
    assert isinstance(s.constraints[1], WithinConstraint) and s.constraints[1].distance_m == 300
    assert isinstance(s.constraints[2], WhereConstraint) and s.constraints[2].on_null == "keep"
    assert s.constraints[3].layer == "substations"
    assert s.factors["labour_45min"].params == {"minutes": 45}
    assert s.factors["plan_status"].kind == "class"


def test_several_problems_reported_together_with_paths() -> None:
    d = copy.deepcopy(BASE)
    d["factors"]["port_minutes"]["fuzzy"]["shape"] = "cubic"
    d["constraints"][1]["distance_m"] = -300
    d["constraints"][0]["layer"] = "lakes"
    d["weights"]["values"]["ghost"] = 1
    d["factors"]["odd"] = {"measure": "beach_minutes", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [1, 2]}}
    probs = _problems(d)
    text = "\n".join(probs)
    assert any(p.startswith("factors.port_minutes.fuzzy.shape: found 'cubic'") and "'linear'" in p for p in probs)
    assert any(p.startswith("constraints[1].distance_m: found -300") for p in probs)
    assert any(p.startswith("constraints[0].layer: found 'lakes'") and "urban_areas" in p for p in probs)
    assert any(p.startswith("weights.values:") and "'ghost'" in p for p in probs)
    assert any(p.startswith("factors.odd.measure: found 'beach_minutes'") and "port_minutes" in p for p in probs)
    assert "weights.values: no weight for factor 'odd'" in text
    assert len(probs) == 6


def test_unknown_key_is_rejected_with_allowed_keys() -> None:
    d = copy.deepcopy(BASE)
    d["factors"]["port_minutes"]["speed"] = 3
    d["colour"] = "red"
    probs = _problems(d)
    assert any(p.startswith("factors.port_minutes.speed: unknown key 'speed'") and "nodata" in p for p in probs)
    assert any(p.startswith("colour: unknown key 'colour'") for p in probs)


def test_fuzzy_point_counts_and_measure_params_checked() -> None:
    d = copy.deepcopy(BASE)
    d["factors"]["port_minutes"]["fuzzy"]["points"] = [10, 50, 90]
    d["factors"]["port_minutes"]["minutes"] = 30
    del d["factors"]["labour_45min"]["minutes"]
    probs = _problems(d)
    assert "factors.port_minutes.fuzzy.points: found 3 values; allowed: 2 control points (a, b) for direction 'decreasing'" in probs
    assert any(p.startswith("factors.port_minutes.minutes: not a parameter of measure 'port_minutes'") for p in probs)
    assert "factors.labour_45min.minutes: required for measure 'population_within'" in probs


def test_ahp_fractions_parse_and_matrix_checked() -> None:
    d = copy.deepcopy(BASE)
    d["weights"] = {"method": "ahp", "ahp": {
        "order": ["substation_km", "port_minutes", "labour_45min", "plan_status"],
        "matrix": [[1, 3, 5, 2], ["1/3", 1, 2, 1], ["1/5", "1/2", 1, "1/2"], ["1/2", 1, 2, 1]]}}
    s = scenario_from_dict(d)
    assert s.weights.ahp is not None
    assert s.weights.ahp.matrix[1][0] == pytest.approx(1 / 3)
    d["weights"]["ahp"]["matrix"][2][0] = 4  # not the reciprocal of 5
    probs = _problems(d)
    assert any(p.startswith("weights.ahp.matrix[2][0]: found 4 but matrix[0][2] is 5") for p in probs)


def test_fraction_string_from_real_yaml() -> None:
    doc = yaml.safe_load("m: [[1, 3], [1/3, 1]]")
    assert doc["m"][1][0] == "1/3"  # YAML itself keeps it as text; the schema converts it
    d = copy.deepcopy(BASE)
    d["factors"] = {k: BASE["factors"][k] for k in ("port_minutes", "plan_status")}
    d["weights"] = {"method": "ahp", "ahp": {"order": ["port_minutes", "plan_status"], "matrix": doc["m"]}}
    assert scenario_from_dict(d).weights.ahp.matrix[1][0] == pytest.approx(1 / 3)


def test_load_names_file_and_save_round_trips(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    d = copy.deepcopy(BASE)
    d["site"]["min_area_ha"] = -1
    bad.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"^scenario {bad}: site.min_area_ha: found -1"):
        load_scenario(bad)

    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(BASE, allow_unicode=True), encoding="utf-8")
    s = load_scenario(good)
    out = save_scenario(s, tmp_path / "out" / "scenario_used.yaml", provenance={"sources": ["lantmäteriet"]})
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["provenance"]["sources"] == ["lantmäteriet"]
    assert "siteselect_version" in written["provenance"] and "written_utc" in written["provenance"]
    assert load_scenario(out) == s
    assert [p.name for p in out.parent.iterdir()] == ["scenario_used.yaml"]  # no temp file left


def test_layers_catalog_path_resolved_next_to_file(tmp_path: Path) -> None:
    d = copy.deepcopy(BASE)
    del d["region"]
    d["layers"] = "catalog.yaml"
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    assert load_scenario(f).layers == (tmp_path / "catalog.yaml").resolve()
    # grid tables too, and a saved scenario still points at the same files from elsewhere
    d["grid"] = {"power_mw": 10, "ready_by": 2028, "capacity_csv": "grid/cap.csv"}
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    sc = load_scenario(f)
    assert sc.grid is not None and sc.grid.capacity_csv == (tmp_path / "grid" / "cap.csv").resolve()
    saved = save_scenario(sc, tmp_path / "out" / "scenario.yaml", provenance={})
    again = load_scenario(saved)
    assert again.layers == sc.layers and again.grid == sc.grid
    d["region"] = "vastmanland"
    assert any(p.startswith("layers: found both") for p in _problems(d))


def test_where_and_owa_cross_checks() -> None:
    d = copy.deepcopy(BASE)
    d["constraints"][2].update(op="in", value="gällande")
    d["aggregation"] = {"method": "owa", "order_weights": [0.5, 0.5]}
    probs = _problems(d)
    assert "constraints[2].value: found 'gällande'; allowed: a list for op 'in'" in probs
    assert "aggregation.order_weights: found 2 values; allowed: 4 (one per factor)" in probs


def test_not_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="found list"):
        scenario_from_dict([1, 2])


def test_region_defaults_to_embedded_and_where_field_checked() -> None:
    d = copy.deepcopy(BASE)
    del d["region"]
    assert scenario_from_dict(d).region == "vastmanland"
    d["constraints"][2]["field"] = "mifo"
    probs = _problems(d)
    assert any(p.startswith("constraints[2].field: found 'mifo'; allowed candidate fields: site_id") for p in probs)


def test_problems_of_every_part_listed_together_in_file_order() -> None:
    # the exact list (and order) the single-module validator gave before the schema became a package
    d = copy.deepcopy(BASE)
    d["layers"] = "x"
    d["factors"]["port_minutes"]["minutes"] = 3
    d["factors"]["port_minutes"]["fuzzy"]["points"] = [3, 2, 1]
    d["weights"]["values"]["ghost"] = 1e7
    d["aggregation"] = {"method": "owa", "order_weights": [1]}
    d["constraints"].append(dict(d["constraints"][0]))
    d["constraints"][2]["field"] = "zz"
    d["site"] = {}
    fields = "site_id, name, municipality, area_ha, site_type, plan_status, plan_use, owner, mifo_class, source"
    assert _problems(d) == [
        "site.min_area_ha: required key is missing",
        "layers: found both 'region' and 'layers'; allowed: one of them",
        "factors.port_minutes.minutes: not a parameter of measure 'port_minutes'; allowed parameters: none",
        "factors.port_minutes.fuzzy.points: found 3 values; allowed: 2 control points (a, b) for direction 'decreasing'",
        "weights.values: found weights for 'ghost' which are not factors; allowed: substation_km, port_minutes, "
        "labour_45min, plan_status",
        "weights.values: found weights above 1e+06 for ghost; allowed: positive numbers up to 1e+06 "
        "(weights are relative, e.g. 1, 2, 3)",
        "aggregation.order_weights: found 1 values; allowed: 4 (one per factor)",
        f"constraints[2].field: found 'zz'; allowed candidate fields: {fields}",
        "constraints[4].id: found 'protected_nature' again (also constraints[0]); allowed: unique ids",
    ]


@pytest.mark.parametrize(("model", "data", "loc", "message"), [
    (FuzzySpec, {"shape": "linear", "direction": "decreasing", "points": [1, 2, 3]}, ("points",),
     "found 3 values; allowed: 2 control points (a, b) for direction 'decreasing'"),
    (FuzzySpec, {"shape": "piecewise", "points": [[0, 0], [0, 1]]}, ("points",),
     "found x values [0.0, 0.0]; allowed: strictly increasing x"),
    (AHPSpec, {"order": ["a", "b"], "matrix": [[1, 3], [3, 1]]}, ("matrix", 1, 0),
     "found 3 but matrix[0][1] is 3 (a vs b); allowed: the reciprocal 1/3"),
    (AHPSpec, {"order": ["a", "b"], "matrix": [[1, 3]]}, ("matrix",),
     "found 1 rows of lengths [2]; allowed: 2 × 2 (one row and column per entry of order)"),
    (WeightsSpec, {"method": "ahp"}, ("ahp",), "required for method 'ahp'; give order and matrix"),
    (AggregationSpec, {"method": "owa", "order_weights": [0.5, 0.6]}, ("order_weights",),
     "found sum 1.1; allowed: values summing to 1"),
    (WhereConstraint, {"id": "x", "mode": "where", "field": "owner", "op": "in", "value": "privat"}, ("value",),
     "found 'privat'; allowed: a list for op 'in'"),
])
def test_each_model_checks_itself_when_built_alone(model: type, data: dict, loc: tuple, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    errors = info.value.errors(include_url=False)
    assert [(e["loc"], e["msg"]) for e in errors] == [(loc, message)]


def test_scenario_model_checks_its_parts_without_the_loader() -> None:
    d = copy.deepcopy(BASE)
    d["weights"]["values"].pop("port_minutes")
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(d)
    assert [(e["loc"], e["msg"]) for e in info.value.errors(include_url=False)] == [
        (("weights", "values"), "no weight for factor 'port_minutes'; give one weight per factor")]


def test_a_part_is_checked_even_when_another_part_fails() -> None:
    d = copy.deepcopy(BASE)
    del d["factors"]
    del d["weights"]["values"]
    assert _problems(d) == ["factors: required key is missing",
                            "weights.values: required for method 'direct'; give one weight per factor"]


def test_measure_params_and_class_key() -> None:
    assert MEASURE_PARAMS == {name: params for name, (_, params) in MEASURES.items()}
    assert MEASURE_PARAMS["population_within"] == ("minutes",) and MEASURE_PARAMS["area_ha"] == ()
    assert all(set(req) <= set(MEASURE_PARAMS[m]) for m, req in REQUIRED_PARAMS.items())
    assert set(CLASS_VALUES) == {m for m, (kind, _) in MEASURES.items() if kind == "class"}
    assert [class_key(v) for v in (1, 1.0, 2.5, True, "gällande")] == ["1", "1", "2.5", "true", "gällande"]
    spec = scenario_from_dict(copy.deepcopy(BASE)).factors["plan_status"]
    assert spec.classes == {"gällande": 1.0, "pågående": 0.6, "ingen": 0.2}


def test_readiness_class_map_checked_with_its_path() -> None:
    d = copy.deepcopy(BASE)
    d["readiness"] = {"classes": []}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(d, source="test.yaml")
    assert str(info.value) == (
        "scenario test.yaml: readiness: found {'classes': []}; readiness: 1 problem(s)\n"
        "  - readiness.classes: empty; allowed: at least one class (the last is the fallback)"
    )
