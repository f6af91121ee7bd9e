"""Vector-mode aggregation: WLC and OWA on a hand-checkable 3×3 grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siteselect.analysis.overlay import owa_measures, rank_scores, score_table
from siteselect.errors import WeightsError

# 3 sites × 3 factors
STD = pd.DataFrame(
    {"a": [1.0, 0.0, 0.5], "b": [0.0, 1.0, 0.5], "c": [0.5, 0.5, 0.5]},
    index=["s1", "s2", "s3"],
)
W = {"a": 0.5, "b": 0.25, "c": 0.25}


def test_wlc_by_hand() -> None:
    out = score_table(STD, W)
    # s1: .5*1 + .25*0 + .25*.5 = .625; s2: 0 + .25 + .125 = .375; s3: .5
    assert out["score"].tolist() == [0.625, 0.375, 0.5]
    assert out.loc["s1", ["a_contrib", "b_contrib", "c_contrib"]].tolist() == [0.5, 0.0, 0.125]
    assert out.loc["s2", "a_weight"] == 0.5


def test_owa_by_hand_and_contributions_sum() -> None:
    v = [0.0, 0.0, 1.0]  # all weight on the smallest value: AND / minimum end
    out = score_table(STD, W, method="owa", order_weights=v)
    # with v on the minimum only, the score is each site's minimum value
    assert out["score"].tolist() == [0.0, 0.0, 0.5]
    v = [0.5, 0.3, 0.2]
    out = score_table(STD, W, method="owa", order_weights=v)
    # s1: order a(1), c(.5), b(0) -> uv = .5*.5, .25*.3, .25*.2 = .25, .075, .05; sum .375
    #     score = (.25*1 + .075*.5 + .05*0)/.375 = .2875/.375
    assert out.loc["s1", "score"] == pytest.approx(0.2875 / 0.375)
    assert out.loc["s1", "a_weight"] == pytest.approx(0.25 / 0.375)
    contrib = out[["a_contrib", "b_contrib", "c_contrib"]].sum(axis=1)
    np.testing.assert_allclose(contrib, out["score"])
    # s3 has all values 0.5, so any weighting gives 0.5
    assert out.loc["s3", "score"] == pytest.approx(0.5)


def test_owa_equal_order_weights_is_wlc() -> None:
    rng = np.random.default_rng(1)
    std = pd.DataFrame(rng.random((50, 4)), columns=list("abcd"))
    w = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}
    np.testing.assert_allclose(
        score_table(std, w, method="owa", order_weights=[0.25] * 4)["score"], score_table(std, w)["score"]
    )


def test_owa_measures() -> None:
    assert owa_measures([1, 0, 0]) == {"orness": 1.0, "tradeoff": 0.0}
    assert owa_measures([0, 0, 1]) == {"orness": 0.0, "tradeoff": 0.0}
    m = owa_measures([1 / 3] * 3)
    assert m["orness"] == pytest.approx(0.5) and m["tradeoff"] == pytest.approx(1.0)


def test_nan_row_scores_nan_and_ranks() -> None:
    std = STD.copy()
    std.loc["s2", "a"] = np.nan
    out = score_table(std, W)
    assert np.isnan(out.loc["s2", "score"])
    r = rank_scores(out["score"], excluded=pd.Series([False, False, True], index=std.index))
    assert r.tolist() == [1, pd.NA, pd.NA]


def test_bad_weights() -> None:
    with pytest.raises(WeightsError, match="sum to 1"):
        score_table(STD, {"a": 1, "b": 1, "c": 1})
    with pytest.raises(WeightsError, match="order_weights"):
        score_table(STD, W, method="owa", order_weights=[0.5, 0.5])
