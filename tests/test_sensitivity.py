"""Sensitivity: invariants of the Monte-Carlo ranks and the one-at-a-time sweep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from siteselect.analysis.overlay import rank_scores, score_table
from siteselect.analysis.sensitivity import _ranks, monte_carlo_ranks, weight_sweep
from siteselect.scenario import FactorSpec


def _std(n: int = 30, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.random((n, 4)), columns=list("abcd"), index=[f"s{i}" for i in range(n)])


W = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}


def test_probabilities_and_rank_bounds() -> None:
    std = _std()
    out = monte_carlo_ranks(std, W, runs=500, concentration=20, top_k=5, seed=1)
    assert out["p_top_k"].between(0, 1).all()
    assert (out["rank_min"] <= out["rank_median"]).all() and (out["rank_median"] <= out["rank_max"]).all()
    assert out["rank_min"].min() == 1 and out["rank_max"].max() <= len(std)
    # in every run exactly top_k sites are in the top k (no ties with random data)
    assert out["p_top_k"].sum() == pytest.approx(5.0)


def test_zero_perturbation_keeps_the_ranking() -> None:
    std = _std()
    base_rank = rank_scores(score_table(std, W)["score"])
    out = monte_carlo_ranks(std, W, runs=50, concentration=math.inf, top_k=1, seed=1)
    top = base_rank.idxmin()
    assert out.loc[top, "p_top_k"] == 1.0
    assert (out["rank_min"] == base_rank).all() and (out["rank_max"] == base_rank).all()
    owa = monte_carlo_ranks(std, W, runs=5, concentration=math.inf, method="owa", order_weights=[0.4, 0.3, 0.2, 0.1])
    owa_rank = rank_scores(score_table(std, W, method="owa", order_weights=[0.4, 0.3, 0.2, 0.1])["score"])
    assert (owa["rank_min"] == owa_rank).all()


def test_dominant_site_always_first_and_excluded_not_ranked() -> None:
    std = _std(10)
    std.loc["s0"] = 1.0  # best on every factor: first whatever the weights
    std.loc["s1"] = 1.0
    excl = pd.Series(False, index=std.index)
    excl["s1"] = True
    out = monte_carlo_ranks(std, W, runs=300, concentration=2, top_k=1, excluded=excl)
    assert out.loc["s0", "p_top_k"] == 1.0 and out.loc["s0", "rank_max"] == 1
    assert pd.isna(out.loc["s1", "rank_min"]) and np.isnan(out.loc["s1", "p_top_k"])
    assert out["rank_max"].max() == 9


def test_fuzzy_jitter_changes_only_through_curves() -> None:
    spec = FactorSpec.model_validate({"measure": "area_ha", "fuzzy": {"shape": "linear", "direction": "increasing", "points": [0, 100]}})
    raw = pd.DataFrame({"a": [10.0, 50.0, 90.0], "b": [10.0, 50.0, 90.0]}, index=["x", "y", "z"])
    std = raw / 100.0
    out = monte_carlo_ranks(std, {"a": 0.5, "b": 0.5}, runs=200, concentration=math.inf, top_k=1,
                            raw=raw, factors={"a": spec, "b": spec}, fuzzy_jitter=0.2)
    # an increasing curve keeps the order whatever its control points
    assert out["rank_min"].tolist() == [3, 2, 1] and out["rank_max"].tolist() == [3, 2, 1]


def test_weight_sweep_table() -> None:
    std = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["p", "q"])
    out = weight_sweep(std, {"a": 0.5, "b": 0.5}, multipliers=(0.5, 1.0, 1.5))
    assert len(out) == 2 * 3 * 2
    row = out[(out.factor == "a") & (out.multiplier == 1.5) & (out.site == "p")].iloc[0]
    assert row["weight"] == pytest.approx(0.6) and row["score"] == pytest.approx(0.6) and row["rank"] == 1
    row = out[(out.factor == "a") & (out.multiplier == 0.5) & (out.site == "p")].iloc[0]
    assert row["score"] == pytest.approx(1 / 3) and row["rank"] == 2
    tie = out[(out.factor == "b") & (out.multiplier == 1.0)]
    assert tie["rank"].tolist() == [1, 1]


def test_rank_helper_ties() -> None:
    assert _ranks(np.array([[0.5, 0.9, 0.5, 0.1]])).tolist() == [[2, 1, 2, 4]]
