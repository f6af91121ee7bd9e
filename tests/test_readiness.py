"""Land readiness classes follow the class map; unknowns are stated."""

from __future__ import annotations

import pandas as pd
import pytest

from siteselect.analysis.readiness import DEFAULT_CLASS_MAP, contamination_state, land_readiness
from siteselect.errors import ScenarioError


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["a", "b", "c", "d", "e", "f"],
            "site_type": ["detaljplan", "detaljplan", "detaljplan", "reserve", "brownfield", "detaljplan"],
            "plan_status": ["gällande", "gällande", "pågående", "ingen", "gällande", "gällande"],
            "plan_use": ["J", "J,Z", None, None, "J", "B"],
            "owner": ["kommunal", "privat", "kommunal", "okänd", "privat", "kommunal"],
            "mifo_class": [None, None, None, None, 2, None],
            "water_sewage": [True, None, None, None, None, True],
            "road_access": [True, True, None, None, None, True],
        }
    )


def test_default_class_map():
    out = land_readiness(_sites())
    assert list(out["readiness_class"]) == ["A", "B", "C", "D", "E", "E"]
    assert list(out["readiness_score"]) == [1.0, 0.75, 0.5, 0.25, 0.1, 0.1]
    assert list(out["years_to_build_ready"]) == [0.5, 1.0, 2.0, 4.0, 6.0, 6.0]
    b = out.loc[1, "readiness_reasons"]
    assert "water/sewage unknown" in b and "not A: owner privat, water/sewage unknown" in b
    e = out.loc[4, "readiness_reasons"]
    assert "contamination high (MIFO 2)" in e
    f = out.loc[5, "readiness_reasons"]
    assert "not B: plan use B" in f


def test_custom_class_map_first_match_wins_and_fallback():
    cmap = {
        "classes": [
            {"id": "ready", "label": "ready", "score": 0.9, "years": 1, "owner": ["kommunal"]},
            {"id": "planned", "score": 0.6, "years": 2, "plan_status": ["gällande", "pågående"]},
            {"id": "rest", "score": 0.0, "years": 9},
        ]
    }
    out = land_readiness(_sites(), class_map=cmap)
    assert list(out["readiness_class"]) == ["ready", "planned", "ready", "rest", "planned", "ready"]
    assert out.loc[3, "years_to_build_ready"] == 9.0
    assert out.loc[1, "readiness_label"] == "planned"  # label defaults to the id


def test_stated_years_override_and_utilities_from_text():
    s = _sites().iloc[[1]].assign(years_to_build_ready=[3.0], water_sewage=["ja"])
    out = land_readiness(s)
    assert out.iloc[0]["readiness_class"] == "B"  # owner privat keeps it from A
    assert out.iloc[0]["years_to_build_ready"] == 3.0
    assert "water/sewage yes" in out.iloc[0]["readiness_reasons"]


def test_contamination_states():
    assert contamination_state(None, "detaljplan") == "none_known"
    assert contamination_state(None, "brownfield") == "unknown"
    assert contamination_state(1, "brownfield") == "high"
    assert contamination_state(3, "brownfield") == "low"
    assert contamination_state(1, "brownfield", "remediated") == "remediated"
    assert contamination_state(None, "detaljplan", "not_investigated") == "unknown"


def test_bad_class_map_lists_every_problem():
    bad = {"classes": [{"id": "A", "score": 2, "years": -1, "owner": ["kommun"], "colour": "red"},
                       {"id": "A", "score": 0.5, "years": 1, "plan_status": ["gällande"]}]}
    with pytest.raises(ScenarioError) as err:
        land_readiness(_sites(), class_map=bad)
    msg = str(err.value)
    for part in ("classes[0].score", "classes[0].years", "classes[0].owner: found 'kommun'",
                 "unknown key 'colour'", "classes[1].id: 'A' again", "fallback"):
        assert part in msg


def test_default_map_is_valid_and_input_not_mutated():
    s = _sites()
    before = s.copy()
    land_readiness(s, class_map=DEFAULT_CLASS_MAP)
    pd.testing.assert_frame_equal(s, before)


def test_class_map_schema_lives_with_the_scenario():
    from siteselect.analysis import readiness as applied
    from siteselect.scenario import readiness as schema

    assert applied.validate_class_map is schema.validate_class_map
    assert applied.DEFAULT_CLASS_MAP is schema.DEFAULT_CLASS_MAP
    classes = schema.validate_class_map(schema.DEFAULT_CLASS_MAP)
    assert [c["id"] for c in classes] == ["A", "B", "C", "D", "E"]
    assert set(schema.CLASS_KEYS) == {"id", "label", "score", "years", *schema.CONDITION_KEYS}
    with pytest.raises(ScenarioError, match=r"^readiness: found list; allowed: a mapping with a list 'classes'$"):
        schema.validate_class_map([])  # type: ignore[arg-type]
