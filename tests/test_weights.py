"""Direct and AHP weights."""

from __future__ import annotations

import numpy as np
import pytest

from siteselect.analysis.weights import RANDOM_INDEX, ahp_weights, direct_weights, weights_from_spec
from siteselect.errors import WeightsError
from siteselect.scenario import WeightsSpec

DRINKS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_ahp_published_drinks_example() -> None:
    """Saaty's drink-consumption example.

    T. L. Saaty, "Decision making with the analytic hierarchy process",
    Int. J. Services Sciences 1(1), 2008, pp. 83–98 (table "Which drink is
    consumed more in the U.S.?"): derived priorities coffee .177, wine .019,
    tea .042, beer .116, sodas .190, milk .129, water .327; C.R. = .022.
    """
    res = ahp_weights(DRINKS_MATRIX, DRINKS)
    published = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    np.testing.assert_allclose([res.weights[d] for d in DRINKS], published, atol=0.0005)
    assert res.cr == pytest.approx(0.022, abs=0.0005)
    assert res.ri == 1.32


def test_consistent_matrix_has_cr_zero_and_exact_weights() -> None:
    w = np.array([0.5, 0.3, 0.2])
    res = ahp_weights(w[:, None] / w[None, :], ["a", "b", "c"])
    np.testing.assert_allclose(list(res.weights.values()), w)
    assert res.lambda_max == pytest.approx(3.0)
    assert res.cr == pytest.approx(0.0, abs=1e-12)


def test_inconsistent_matrix_refused_naming_cr_and_pair() -> None:
    # a > b (3), b > c (3) but c > a (3): cyclic, so very inconsistent
    m = [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]]
    spec = WeightsSpec.model_validate({"method": "ahp", "ahp": {"order": ["a", "b", "c"], "matrix": m}})
    with pytest.raises(WeightsError, match=r"CR = \d\.\d{3} exceeds 0\.10; the most inconsistent judgement is a vs "):
        weights_from_spec(spec, ["a", "b", "c"])
    ok = WeightsSpec.model_validate({"method": "ahp", "allow_inconsistent": True, "ahp": {"order": ["a", "b", "c"], "matrix": m}})
    w, res = weights_from_spec(ok, ["c", "b", "a"])
    assert list(w) == ["c", "b", "a"] and res is not None and res.cr > 0.1
    np.testing.assert_allclose(list(w.values()), [1 / 3] * 3)


def test_worst_pair_is_the_perturbed_judgement() -> None:
    w = np.array([0.4, 0.3, 0.2, 0.1])
    m = w[:, None] / w[None, :]
    m[1, 3], m[3, 1] = 9.0, 1 / 9  # consistent value would be 3
    res = ahp_weights(m, ["a", "b", "c", "d"])
    assert res.worst_pair == ("b", "d")
    assert res.worst_ratio > 1


def test_matrix_checks() -> None:
    with pytest.raises(WeightsError, match="not reciprocal"):
        ahp_weights([[1, 2], [2, 1]], ["a", "b"])
    with pytest.raises(WeightsError, match="positive"):
        ahp_weights([[1, -2], [-0.5, 1]], ["a", "b"])
    with pytest.raises(WeightsError, match="diagonal"):
        ahp_weights([[2, 2], [0.5, 1]], ["a", "b"])
    assert len(RANDOM_INDEX) == 15


def test_direct_weights() -> None:
    assert direct_weights({"a": 3, "b": 1}) == {"a": 0.75, "b": 0.25}
    with pytest.raises(WeightsError, match="non-positive"):
        direct_weights({"a": 3, "b": 0})
