"""Checks of the validity benchmark's arithmetic and of the public validation set (``bench/``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench" / "validity.py"
if not BENCH.exists():  # pragma: no cover - wheel installs
    pytest.skip("bench/ is not in this checkout", allow_module_level=True)
_spec = importlib.util.spec_from_file_location("validity_bench", BENCH)
assert _spec is not None and _spec.loader is not None
validity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validity)

EST = REPO / "bench" / "validation" / "vastmanland_establishments.csv"


def test_auc_counts_ties_half() -> None:
    # pairs (1,0) win, (1,1) tie, (1,3) lose, (2,0) win, (2,1) win, (2,3) lose: 3.5 of 6
    assert validity.auc(np.array([1.0, 2.0]), np.array([3.0, 0.0, 1.0])) == pytest.approx(3.5 / 6)
    assert validity.auc(np.array([5.0]), np.array([1.0, 2.0])) == 1.0
    assert validity.auc(np.array([0.0]), np.array([0.0, 0.0])) == 0.5


def test_auc_interval_brackets_the_auc_and_collapses_for_equal_points() -> None:
    neg = np.linspace(0.0, 1.0, 101)
    pos = np.array([0.2, 0.5, 0.9, 0.95])
    lo, hi = validity.auc_interval(pos, neg)
    assert 0.0 <= lo <= validity.auc(pos, neg) <= hi <= 1.0 and lo < hi
    same = np.full(5, 0.5)
    assert validity.auc_interval(same, neg) == (pytest.approx(0.5), pytest.approx(0.5))


def test_industrial_land_ids_of_the_validation_set_name_real_features() -> None:
    est = pd.read_csv(EST, dtype={"industrial_land_id": str})
    ids = est["industrial_land_id"].dropna()
    layer = gpd.read_file(REPO / "layers" / "vastmanland.gpkg", layer="industrial_land")
    assert set(ids) <= set(layer["il_id"])
    assert len(ids) == 13 and (est["industrial_land_id"].isna()).sum() == 28
    # every row that is an industrial_land feature is also flagged as a model input
    assert (est.loc[ids.index, "model_input"] == "yes").all()
    assert est["id"].is_unique and len(est) >= 40
