"""The real-data scenario: real SCB population grid and real protected areas in a full run."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteselect import pipeline

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REAL = ROOT / "layers" / "scenarios" / "real-vastmanland.yaml"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"real shared data not present at {SHARED}"),
]


@pytest.fixture(scope="module")
def real_result() -> pipeline.Result:
    sc, path = pipeline.resolve_scenario(REAL)
    return pipeline.analyse(sc, scenario_path=path, sensitivity=False, isochrone_top_n=1)


def test_real_layers_are_used(real_result: pipeline.Result) -> None:
    layers = real_result.layers
    assert "pop_grid_1km" in layers["population"].attrs["source"]
    assert layers["population"]["pop"].sum() == pytest.approx(279_618)
    assert "protected_areas_polygons" in layers["protected_nature"].attrs["source"]
    assert len(layers["protected_nature"]) == 1031
    assert "pop_grid_1km" in real_result.provenance["layers"]["population"]


def test_commute_reach_of_central_vasteras_on_the_real_grid(real_result: pipeline.Result) -> None:
    r = real_result.ranking.set_index("site_id")
    # Erikslund (VAS-03) lies at the E18 in Västerås: the city and its neighbours are within 45 min
    assert r.loc["VAS-03", "pop_45min"] > 150_000
    # nobody is counted twice: 45-min reach never exceeds the county total
    assert (r["pop_60min"] <= 279_618 + 1e-6).all()
    assert (r["pop_30min"] <= r["pop_45min"]).all() and (r["pop_45min"] <= r["pop_60min"]).all()


def test_every_site_has_a_score_or_a_reason(real_result: pipeline.Result) -> None:
    r = real_result.ranking
    kept = ~r["excluded"]
    assert r.loc[kept, "score"].notna().all()
    assert (r.loc[~kept, "exclusion_reason"].str.len() > 0).all()
    assert set(r["municipality"]) == {
        "Västerås", "Köping", "Arboga", "Kungsör", "Hallstahammar", "Surahammar", "Sala", "Fagersta",
        "Norberg", "Skinnskatteberg",
    }
