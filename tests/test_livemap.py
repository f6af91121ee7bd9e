"""The live model a run embeds in map.html (siteselect.outputs.livemap); the browser side is in test_livemap_browser.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _fixtures_livemap import live_layers, live_scenario_dict

from siteselect.errors import OutputError
from siteselect.outputs.livemap import _split_reasons, live_model_from_result, viridis_lut
from siteselect.outputs.mapview import build_map_html, score_colors
from siteselect.pipeline import analyse
from siteselect.scenario import scenario_from_dict


@pytest.fixture(scope="module")
def result():
    scenario = scenario_from_dict(live_scenario_dict())
    return analyse(scenario, layers=live_layers(), sensitivity=False, isochrone_top_n=0)


def test_split_reasons_by_rule_even_with_separators_in_labels():
    prefixes = [("a; b: ", 0), ("limits.max_port_minutes: ", 1), ("site.min_area_ha: ", -1)]
    text = "a; b: x == 1 (found 1); limits.max_port_minutes: 29 min > 27 min; site.min_area_ha: area 4 ha < 5 ha"
    assert _split_reasons(text, prefixes) == [
        [0, "a; b: x == 1 (found 1)"],
        [1, "limits.max_port_minutes: 29 min > 27 min"],
        [-1, "site.min_area_ha: area 4 ha < 5 ha"],
    ]
    assert _split_reasons("", prefixes) == []
    assert _split_reasons("unknown; text", prefixes) == [[-1, "unknown; text"]]


def test_model_reasons_rejoin_to_the_runs_reasons(result):
    model = live_model_from_result(result)
    rk = result.ranking
    assert model["sites"]["id"] == list(rk["site_id"])
    for parts, text in zip(model["sites"]["reasons"], rk["exclusion_reason"], strict=True):
        assert "; ".join(p[1] for p in parts) == text
    rules = [r["id"] for r in model["rules"]]
    assert rules == ["no_plan", "nature", "max_port_minutes"]
    counts = {r: sum(any(p[0] == i for p in parts) for parts in model["sites"]["reasons"]) for i, r in enumerate(rules)}
    assert counts == {
        "no_plan": int(rk["c_no_plan"].sum()),
        "nature": int(rk["c_nature"].sum()),
        "max_port_minutes": int(rk["exclusion_reason"].str.contains("limits.max_port_minutes").sum()),
    }
    assert counts == {"no_plan": 8, "nature": 2, "max_port_minutes": 4}


def test_model_holds_raw_values_curves_and_fixed_class_scores(result):
    model = live_model_from_result(result)
    rk = result.ranking
    editable = {f["name"]: f["editable"] for f in model["factors"]}
    assert editable == {"port_minutes": True, "motorway_minutes": True, "area_ha": True, "workers": True,
                        "owner": False}
    assert model["sites"]["raw"]["port_minutes"] == [float(v) for v in rk["port_minutes_raw"]]
    assert model["sites"]["std"]["owner"] == [float(v) for v in rk["owner_std"]]
    assert model["factors"][3]["fuzzy"] == {"shape": "piecewise", "points": [[0.0, 0.0], [1000.0, 0.6], [2000.0, 1.0]]}
    assert model["scenario"]["weights"]["values"]["port_minutes"] == 3
    json.dumps(model, allow_nan=False)  # JSON-safe: no NaN


def test_colour_table_is_the_maps():
    lut = viridis_lut()
    colours, vmin, vmax = score_colors(np.array([0.2, 0.5, 0.8, 0.21]))
    for c, v in zip(colours, [0.2, 0.5, 0.8, 0.21], strict=True):
        assert c == lut[min(int((v - vmin) / (vmax - vmin) * 256), 255)]


def test_map_refuses_a_model_of_other_sites(result):
    model = live_model_from_result(result)
    model["sites"]["id"] = list(reversed(model["sites"]["id"]))
    with pytest.raises(OutputError, match="live model lists other sites"):
        build_map_html(result.ranking, result.layers, factor_names=result.factor_names, title="t", live=model)


def test_map_without_model_has_no_live_panel(result):
    page = build_map_html(result.ranking, result.layers, factor_names=result.factor_names, title="t")
    assert "window.siteselectLive = {" not in page and '"live":null' in page
    page = build_map_html(result.ranking, result.layers, factor_names=result.factor_names, title="t",
                          live=live_model_from_result(result))
    assert "window.siteselectLive = {" in page and '"live":{' in page
