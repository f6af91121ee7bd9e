"""How stable is the ranking? Monte-Carlo perturbation and one-at-a-time sweeps.

:func:`monte_carlo_ranks`
    draws ``runs`` weight vectors from a Dirichlet distribution centred on
    the chosen weights (``alpha = concentration · w``: mean ``w``, larger
    concentration = smaller spread), optionally also shifts every fuzzy
    control point by a uniform random fraction (``fuzzy_jitter``) of the
    curve's span, re-scores and re-ranks the kept sites each run, and
    reports per site ``rank_min``, ``rank_max``, ``rank_median`` and
    ``p_top_k`` (share of runs in which the site ranks within the top k).
:func:`weight_sweep`
    multiplies one weight at a time by 0.5 … 1.5, renormalises, and reports
    the rank of every site for each factor and multiplier.

Ranks are 1 = best among the sites that are not excluded; ties take the
better rank. Excluded sites get <NA>.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from siteselect.analysis.factors import standardise
from siteselect.scenario import FactorSpec, FuzzySpec

__all__ = ["monte_carlo_ranks", "weight_sweep"]


def _scores(z: np.ndarray, w: np.ndarray, method: str, order_weights: np.ndarray | None) -> np.ndarray:
    """Scores for many weight vectors at once.

    z: (sites, n) standardised values; w: (runs, n). Returns (runs, sites).
    """
    if method == "wlc":
        return w @ z.T
    if order_weights is None:
        raise ValueError("order_weights are required for method 'owa'")
    order = np.argsort(-z, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(z.shape[0])[:, None], order] = np.arange(z.shape[1])[None, :]
    v = order_weights[rank]  # (sites, n)
    uv = w[:, None, :] * v[None, :, :]  # (runs, sites, n)
    tot = uv.sum(axis=2)
    return np.einsum("rsn,sn->rs", uv, z) / np.where(tot > 0, tot, np.nan)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank each row's scores, 1 = best, ties share the better ("min") rank."""
    runs, m = scores.shape
    order = np.argsort(-scores, axis=1, kind="stable")
    sorted_s = np.take_along_axis(scores, order, axis=1)
    pos = np.broadcast_to(np.arange(1, m + 1), (runs, m)).copy()
    # a tie takes the rank of the first equal score
    same = np.zeros_like(sorted_s, dtype=bool)
    same[:, 1:] = sorted_s[:, 1:] == sorted_s[:, :-1]
    for j in range(1, m):  # m is the number of sites: small
        pos[:, j] = np.where(same[:, j], pos[:, j - 1], pos[:, j])
    ranks = np.empty_like(pos)
    np.put_along_axis(ranks, order, pos, axis=1)
    return ranks


def _jitter_fuzzy(f: FuzzySpec, rng: np.random.Generator, frac: float) -> FuzzySpec:
    if f.shape == "piecewise":
        pts = np.asarray(f.points, dtype=float)
        span = pts[-1, 0] - pts[0, 0]
        xs = np.sort(pts[:, 0] + rng.uniform(-frac, frac, len(pts)) * span)
        xs = xs + np.arange(len(xs)) * 1e-9 * max(span, 1.0)  # keep strictly increasing
        return f.model_copy(update={"points": [[float(x), float(y)] for x, y in zip(xs, pts[:, 1])]})
    pts = np.asarray(f.points, dtype=float)
    span = pts[-1] - pts[0]
    xs = np.sort(pts + rng.uniform(-frac, frac, len(pts)) * span)
    xs = xs + np.arange(len(xs)) * 1e-9 * max(span, 1.0)
    return f.model_copy(update={"points": [float(x) for x in xs]})


def monte_carlo_ranks(
    std: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    runs: int = 1000,
    concentration: float = 50.0,
    top_k: int = 5,
    seed: int | None = 42,
    method: str = "wlc",
    order_weights: Sequence[float] | None = None,
    excluded: pd.Series | None = None,
    raw: pd.DataFrame | None = None,
    factors: Mapping[str, FactorSpec] | None = None,
    fuzzy_jitter: float = 0.0,
) -> pd.DataFrame:
    """Rank ranges and top-k probabilities under random weights (and curves).

    Parameters
    ----------
    std
        Standardised factors, one column per weighted factor, one row per site.
    weights
        The chosen weights (positive, sum 1).
    runs
        Number of Monte-Carlo draws.
    concentration
        Dirichlet concentration; ``math.inf`` means no weight perturbation.
    top_k
        k of ``p_top_k``.
    seed
        Random seed (None = fresh entropy).
    method, order_weights
        Aggregation as in :func:`siteselect.analysis.overlay.score_table`.
    excluded
        Bool per site; excluded sites are not ranked.
    raw, factors, fuzzy_jitter
        With ``fuzzy_jitter > 0``, raw factor values and their specs: each
        run shifts every fuzzy control point by up to ± ``fuzzy_jitter`` ×
        the curve's span (uniform) before re-standardising.

    Returns
    -------
    pandas.DataFrame
        Index of ``std``; columns ``rank_min``, ``rank_max``, ``rank_median``
        (Int64/float, <NA>/NaN for excluded sites) and ``p_top_k`` (float in
        [0, 1], NaN for excluded sites).
    """
    names = list(weights)
    w0 = np.array([weights[n] for n in names], dtype=float)
    keep = np.ones(len(std), dtype=bool) if excluded is None else ~excluded.reindex(std.index).fillna(False).to_numpy(dtype=bool)
    z = std[names].to_numpy(dtype=float)
    keep &= ~np.isnan(z).any(axis=1)
    z = z[keep]
    rng = np.random.default_rng(seed)
    if math.isinf(concentration):
        w = np.broadcast_to(w0, (runs, len(names))).copy()
    else:
        w = rng.dirichlet(np.maximum(concentration * w0, 1e-9), size=runs)
    ow = None if order_weights is None else np.asarray(order_weights, dtype=float)
    if method == "owa" and ow is None:
        raise ValueError("order_weights are required for method 'owa'")

    if fuzzy_jitter > 0 and raw is not None and factors is not None:
        jittered = [n for n in names if n in factors and factors[n].fuzzy is not None]
        scores = np.empty((runs, z.shape[0]))
        raw_keep = raw.loc[std.index[keep]]
        for r in range(runs):
            zr = z.copy()
            for j, n in enumerate(names):
                if n in jittered:
                    spec = factors[n]
                    f = _jitter_fuzzy(spec.fuzzy, rng, fuzzy_jitter)  # type: ignore[arg-type]
                    zr[:, j] = standardise(raw_keep[n].to_numpy(), spec.model_copy(update={"fuzzy": f}), name=n)
            scores[r] = _scores(np.nan_to_num(zr, nan=0.0), w[r : r + 1], method, ow)[0]
    else:
        scores = _scores(z, w, method, ow) if z.shape[0] else np.empty((runs, 0))

    ranks = _ranks(scores) if z.shape[0] else np.empty((runs, 0), dtype=int)
    out = pd.DataFrame(index=std.index)
    rmin = np.full(len(std), np.nan)
    rmax = np.full(len(std), np.nan)
    rmed = np.full(len(std), np.nan)
    ptop = np.full(len(std), np.nan)
    if z.shape[0]:
        rmin[keep] = ranks.min(axis=0)
        rmax[keep] = ranks.max(axis=0)
        rmed[keep] = np.median(ranks, axis=0)
        ptop[keep] = (ranks <= top_k).mean(axis=0)
    out["rank_min"] = pd.array(rmin).astype("Int64") if len(std) else pd.array([], dtype="Int64")
    out["rank_max"] = pd.array(rmax).astype("Int64") if len(std) else pd.array([], dtype="Int64")
    out["rank_median"] = rmed
    out["p_top_k"] = ptop
    return out


def weight_sweep(
    std: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    multipliers: Sequence[float] = (0.5, 0.75, 1.0, 1.25, 1.5),
    method: str = "wlc",
    order_weights: Sequence[float] | None = None,
    excluded: pd.Series | None = None,
) -> pd.DataFrame:
    """One-at-a-time weight sweep.

    For each factor and multiplier m, that factor's weight is multiplied by
    m and all weights renormalised to sum 1; every kept site is re-scored
    and re-ranked.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``factor``, ``multiplier``, ``weight`` (the
        factor's renormalised weight), ``site`` (index label of ``std``),
        ``score`` and ``rank`` (1 = best among kept sites).
    """
    names = list(weights)
    w0 = np.array([weights[n] for n in names], dtype=float)
    keep = np.ones(len(std), dtype=bool) if excluded is None else ~excluded.reindex(std.index).fillna(False).to_numpy(dtype=bool)
    z = std[names].to_numpy(dtype=float)
    keep &= ~np.isnan(z).any(axis=1)
    z = z[keep]
    labels = std.index[keep]
    ws = []
    rows_factor, rows_mult, rows_w = [], [], []
    for j, n in enumerate(names):
        for m in multipliers:
            w = w0.copy()
            w[j] *= m
            w /= w.sum()
            ws.append(w)
            rows_factor.append(n)
            rows_mult.append(float(m))
            rows_w.append(float(w[j]))
    wmat = np.array(ws)
    ow = None if order_weights is None else np.asarray(order_weights, dtype=float)
    scores = _scores(z, wmat, method, ow) if len(labels) else np.empty((len(ws), 0))
    ranks = _ranks(scores) if len(labels) else np.empty((len(ws), 0), dtype=int)
    m = len(labels)
    return pd.DataFrame(
        {
            "factor": np.repeat(rows_factor, m),
            "multiplier": np.repeat(rows_mult, m),
            "weight": np.repeat(rows_w, m),
            "site": np.tile(np.asarray(labels, dtype=object), len(ws)),
            "score": scores.ravel(),
            "rank": ranks.ravel(),
        }
    )
