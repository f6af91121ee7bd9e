"""The shipped scenarios' rankings are pinned: ids, exclusions and reasons, ranks, scores to 1e-9.

A change that moves them must regenerate tests/golden/ (``python tests/golden/make_golden.py``)
and say in its commit which sites moved and why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from make_golden import HERE, SCENARIOS, golden_table


@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_ranking_is_unchanged(name: str) -> None:
    want = pd.read_csv(HERE / f"{name}.csv", keep_default_na=False, na_values={"rank": [""], "score": [""]})
    got = golden_table(name)
    assert got["site_id"].tolist() == want["site_id"].tolist()
    assert got["excluded"].astype(bool).tolist() == want["excluded"].astype(bool).tolist()
    assert got["exclusion_reason"].fillna("").tolist() == want["exclusion_reason"].fillna("").tolist()
    np.testing.assert_array_equal(got["rank"].astype(float).to_numpy(), want["rank"].astype(float).to_numpy())
    np.testing.assert_allclose(got["score"].astype(float).to_numpy(), want["score"].astype(float).to_numpy(), rtol=0, atol=1e-9)
