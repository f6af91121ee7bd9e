"""Weighted overlay of standardised factors (vector mode: one row per site).

Two aggregations share the same inputs (a table of factor values in [0, 1]
and criterion weights summing to 1):

``wlc`` — weighted linear combination
    ``score = Σ_j w_j · z_j``; contribution of factor j: ``w_j · z_j``.

``owa`` — ordered weighted averaging with criterion weights
    For each site the factor values are sorted in *descending* order and the
    k-th largest gets the order weight ``v_k`` (so ``v_1`` weights the best
    factor; all weight on ``v_1`` is the OR/maximum end, all on ``v_n`` the
    AND/minimum end). Criterion and order weights are combined per site as
    ``m_j = w_j · v_{r(j)} / Σ_i w_i · v_{r(i)}`` where ``r(j)`` is factor
    j's rank in that site's order, and ``score = Σ_j m_j · z_j``. The
    contribution of factor j is ``m_j · z_j``, so contributions still sum to
    the score; the effective weight ``m_j`` is returned as ``NAME_weight``.
    With equal order weights (1/n) OWA reduces to WLC exactly. Ties are
    ordered by factor position (stable sort).

ORness and trade-off of the order weights are reported by :func:`owa_measures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from siteselect.errors import WeightsError

__all__ = ["owa_measures", "rank_scores", "score_table"]


def owa_measures(order_weights: Sequence[float]) -> dict[str, float]:
    """ORness and trade-off of OWA order weights.

    ``orness = Σ_k (n − k)/(n − 1) · v_k`` (1 = maximum/OR, 0 = minimum/AND,
    0.5 for equal weights) and ``tradeoff = 1 − sqrt(n Σ (v_k − 1/n)² / (n − 1))``
    (1 = full trade-off as in WLC, 0 = none).
    """
    v = np.asarray(order_weights, dtype=float)
    n = v.size
    if n == 1:
        return {"orness": 0.5, "tradeoff": 1.0}
    k = np.arange(1, n + 1)
    orness = float(np.sum((n - k) / (n - 1) * v))
    tradeoff = float(1.0 - np.sqrt(n * np.sum((v - 1.0 / n) ** 2) / (n - 1)))
    return {"orness": orness, "tradeoff": tradeoff}


def _check_weights(std: pd.DataFrame, weights: Mapping[str, float]) -> list[str]:
    names = list(weights)
    missing = [n for n in names if n not in std.columns]
    if missing:
        raise WeightsError(f"weights name factor(s) {', '.join(missing)} that are not in the standardised table")
    w = np.array([weights[n] for n in names], dtype=float)
    if np.any(~np.isfinite(w)) or np.any(w <= 0) or not np.isclose(w.sum(), 1.0, atol=1e-9):
        raise WeightsError(f"weights must be positive and sum to 1; found {dict(weights)}")
    return names


def score_table(
    std: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    method: str = "wlc",
    order_weights: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Score sites from standardised factors.

    Parameters
    ----------
    std
        One column per factor, values in [0, 1] (NaN allowed: the row's score
        is NaN; such rows are meant to be excluded).
    weights
        Factor name -> weight; positive, summing to 1.
    method
        ``"wlc"`` or ``"owa"``.
    order_weights
        OWA order weights (n values ≥ 0 summing to 1), first for the largest
        factor value; required for ``"owa"``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``std``: ``score``, and per factor ``NAME_weight``
        (effective weight) and ``NAME_contrib`` (summing to ``score``).

    Raises
    ------
    WeightsError
        Weights or order weights are invalid.
    """
    names = _check_weights(std, weights)
    z = std[names].to_numpy(dtype=float)
    w = np.array([weights[n] for n in names], dtype=float)
    if method == "wlc":
        eff = np.broadcast_to(w, z.shape).copy()
    elif method == "owa":
        if order_weights is None:
            raise WeightsError("aggregation.order_weights: required for method 'owa'")
        v = np.asarray(order_weights, dtype=float)
        if v.shape != (len(names),) or np.any(v < 0) or not np.isclose(v.sum(), 1.0, atol=1e-9):
            raise WeightsError(
                f"aggregation.order_weights: found {list(v)}; allowed: {len(names)} values ≥ 0 summing to 1"
            )
        # rank of each factor value within its row, descending, stable
        order = np.argsort(-np.nan_to_num(z, nan=-np.inf), axis=1, kind="stable")
        rank = np.empty_like(order)
        rows = np.arange(z.shape[0])[:, None]
        rank[rows, order] = np.arange(len(names))[None, :]
        uv = w[None, :] * v[rank]
        tot = uv.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            eff = np.where(tot > 0, uv / tot, np.nan)
    else:
        raise WeightsError(f"aggregation.method: found {method!r}; allowed: wlc, owa")
    contrib = eff * z
    missing = np.isnan(z).any(axis=1)
    cols = {"score": np.where(missing, np.nan, contrib.sum(axis=1))}
    for j, n in enumerate(names):
        cols[f"{n}_weight"] = eff[:, j]
        cols[f"{n}_contrib"] = np.where(missing, np.nan, contrib[:, j])
    # one frame from all columns at once: inserting them one by one costs more
    # than the arithmetic (re-scoring 10,000 sites is interactive)
    return pd.DataFrame(cols, index=std.index)


def rank_scores(scores: pd.Series, *, excluded: pd.Series | None = None) -> pd.Series:
    """Rank scores (1 = best) as nullable Int64; excluded or NaN rows get <NA>.

    Ties share the best rank ("min" method).
    """
    s = scores.astype(float).copy()
    if excluded is not None:
        s = s.where(~excluded.astype(bool))
    return s.rank(ascending=False, method="min").astype("Int64")
