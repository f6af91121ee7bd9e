"""compare_rankings on small hand-made rankings whose answer can be read off."""

from __future__ import annotations

import pandas as pd
import pytest

from siteselect.compare import COMPARE_COLUMNS, compare_rankings, format_comparison
from siteselect.errors import LayerError, MissingFieldError


def _ranking(rows: list[tuple[str, float | None, int | None, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "site_id": [r[0] for r in rows],
        "name": [f"Site {r[0]}" for r in rows],
        "score": [float("nan") if r[1] is None else r[1] for r in rows],
        "rank": pd.array([r[2] for r in rows], dtype="Int64"),
        "exclusion_reason": [r[3] for r in rows],
    })


A = _ranking([("s1", 0.9, 1, ""), ("s2", 0.8, 2, ""), ("s3", 0.7, 3, ""), ("s4", None, None, "water")])
B = _ranking([("s3", 0.95, 1, ""), ("s1", 0.85, 2, ""), ("s2", None, None, "too small"), ("s5", 0.5, 3, "")])


def test_ranks_deltas_and_top_n_changes() -> None:
    t = compare_rankings(A, B, top_n=2).set_index("site_id")
    assert list(compare_rankings(A, B, top_n=2).columns) == list(COMPARE_COLUMNS)
    # s3: 3 -> 1 climbs two places and enters the top 2; s1: 1 -> 2 stays in it
    assert t.loc["s3", ["rank_a", "rank_b", "delta_rank"]].tolist() == [3, 1, 2]
    assert t.loc["s3", "change"] == "enters"
    assert t.loc["s1", "delta_rank"] == -1
    assert t.loc["s1", "change"] == "stays"
    # s2 is excluded in B: leaves the top 2, no delta, its reason carried
    assert t.loc["s2", "rank_b"] is pd.NA
    assert t.loc["s2", "delta_rank"] is pd.NA
    assert t.loc["s2", "change"] == "leaves"
    assert t.loc["s2", "exclusion_reason_b"] == "too small"
    # s4 excluded in A and absent in B; s5 only in B
    assert t.loc["s4", "exclusion_reason_a"] == "water"
    assert t.loc["s4", "change"] == ""
    assert t.loc["s5", "rank_a"] is pd.NA
    assert t.loc["s5", "rank_b"] == 3
    assert t.loc["s3", "score_a"] == pytest.approx(0.7)
    assert t.loc["s3", "score_b"] == pytest.approx(0.95)


def test_rows_ordered_by_rank_b_then_rank_a() -> None:
    assert compare_rankings(A, B, top_n=2)["site_id"].tolist() == ["s3", "s1", "s5", "s2", "s4"]


def test_inputs_not_changed_and_results_accepted() -> None:
    before = A.copy()

    class FakeResult:
        ranking = A

    same = compare_rankings(FakeResult(), A, top_n=3)
    pd.testing.assert_frame_equal(A, before)
    assert same["delta_rank"].dropna().tolist() == [0, 0, 0]
    assert same["change"].tolist() == ["stays", "stays", "stays", ""]


def test_text_lists_entering_and_leaving() -> None:
    text = format_comparison(compare_rankings(A, B, top_n=2), top_n=2, label_a="old", label_b="new")
    assert "entering the top 2: s3" in text
    assert "leaving the top 2:  s2" in text
    assert "rank old" in text and "score new" in text
    assert "s4" not in text  # outside both top lists


def test_bad_inputs() -> None:
    with pytest.raises(MissingFieldError, match="rank"):
        compare_rankings(A.drop(columns="rank"), B)
    with pytest.raises(LayerError, match="s1"):
        compare_rankings(pd.concat([A, A]), B)
    with pytest.raises(ValueError, match="top_n"):
        compare_rankings(A, B, top_n=0)
