"""Factor weights: direct weights or an AHP pairwise-comparison matrix.

Direct weights are normalised to sum 1. AHP weights are the principal
(Perron) eigenvector of the pairwise matrix, normalised to sum 1; the
consistency ratio is ``CR = CI / RI`` with ``CI = (λmax − n)/(n − 1)`` and
Saaty's random index ``RI`` for n = 1…15. A CR above 0.10 is refused unless
the scenario says ``allow_inconsistent: true``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from siteselect.errors import WeightsError
from siteselect.scenario import WeightsSpec

__all__ = [
    "AHPResult",
    "RANDOM_INDEX",
    "ahp_weights",
    "direct_weights",
    "weights_from_spec",
]

#: Saaty's random consistency index RI by matrix size n (1-based; RI[n]).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}

#: Largest consistency ratio accepted without ``allow_inconsistent``.
MAX_CR = 0.10


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of an AHP matrix.

    Attributes
    ----------
    weights
        Label -> weight (sum 1), principal eigenvector.
    lambda_max
        Principal eigenvalue.
    ci
        Consistency index (λmax − n)/(n − 1); 0 for n ≤ 2.
    ri
        Saaty's random index for n.
    cr
        Consistency ratio CI/RI (0 when RI is 0).
    worst_pair
        The pair (i, j) whose judgement a_ij deviates most from w_i/w_j
        (largest |log(a_ij · w_j / w_i)|), or None for n < 2.
    worst_ratio
        a_ij / (w_i/w_j) for that pair.
    """

    weights: dict[str, float]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    worst_pair: tuple[str, str] | None
    worst_ratio: float


def direct_weights(values: Mapping[str, float]) -> dict[str, float]:
    """Normalise direct weights to sum 1.

    Raises
    ------
    WeightsError
        A weight is not a positive finite number, or there are none.
    """
    if not values:
        raise WeightsError("weights.values: found no weights; give one positive weight per factor")
    bad = {k: v for k, v in values.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise WeightsError(
            f"weights.values: found non-positive weight(s) {bad}; allowed: numbers > 0 "
            "(drop a factor instead of giving it weight 0)"
        )
    total = float(sum(values.values()))
    return {k: float(v) / total for k, v in values.items()}


def ahp_weights(matrix: Sequence[Sequence[float]] | np.ndarray, labels: Sequence[str]) -> AHPResult:
    """Principal-eigenvector weights and consistency ratio of a pairwise matrix.

    Parameters
    ----------
    matrix
        n × n positive reciprocal matrix; ``matrix[i][j]`` is how much more
        important ``labels[i]`` is than ``labels[j]`` (Saaty's 1–9 scale).
    labels
        Names of the n compared items.

    Returns
    -------
    AHPResult

    Raises
    ------
    WeightsError
        Not square, not positive, diagonal not 1, not reciprocal (within 2 %),
        or n > 15 (no random index).
    """
    a = np.asarray(matrix, dtype=float)
    n = len(labels)
    if a.ndim != 2 or a.shape != (n, n):
        raise WeightsError(f"weights.ahp.matrix: found shape {a.shape}; allowed: {n} × {n} for order {list(labels)}")
    if n > 15:
        raise WeightsError(f"weights.ahp.matrix: found {n} items; allowed: at most 15 (Saaty's random index)")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise WeightsError("weights.ahp.matrix: found zero, negative or missing values; allowed: positive numbers")
    if not np.allclose(np.diag(a), 1.0):
        raise WeightsError(f"weights.ahp.matrix: found diagonal {np.diag(a).tolist()}; allowed: all 1")
    prod = a * a.T
    if not np.allclose(prod, 1.0, rtol=0.02, atol=0.0):
        i, j = (int(k) for k in np.unravel_index(np.argmax(np.abs(np.log(prod))), prod.shape))
        raise WeightsError(
            f"weights.ahp.matrix: not reciprocal: [{i}][{j}] = {a[i, j]:g} ({labels[i]} vs {labels[j]}) "
            f"but [{j}][{i}] = {a[j, i]:g}; allowed: a[j][i] = 1/a[i][j]"
        )
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    worst: tuple[str, str] | None = None
    worst_ratio = 1.0
    if n >= 2:
        dev = a * (w[None, :] / w[:, None])  # a_ij / (w_i / w_j)
        logdev = np.abs(np.log(dev))
        iu = np.triu_indices(n, 1)
        m = int(np.argmax(logdev[iu]))
        i, j = int(iu[0][m]), int(iu[1][m])
        worst, worst_ratio = (labels[i], labels[j]), float(dev[i, j])
    return AHPResult(
        weights={lab: float(x) for lab, x in zip(labels, w)},
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
        worst_pair=worst,
        worst_ratio=worst_ratio,
    )


def weights_from_spec(spec: WeightsSpec, factor_names: Sequence[str]) -> tuple[dict[str, float], AHPResult | None]:
    """Weights (sum 1, in ``factor_names`` order) from a scenario's ``weights:``.

    Returns
    -------
    weights : dict
        Factor name -> weight.
    ahp : AHPResult or None
        The AHP details when ``method: ahp``.

    Raises
    ------
    WeightsError
        Invalid weights, or an AHP consistency ratio above 0.10 without
        ``allow_inconsistent: true`` (naming the CR and the worst pair).
    """
    if spec.method == "direct":
        if spec.values is None:
            raise WeightsError("weights.values: required for method 'direct'")
        w = direct_weights(spec.values)
        return {n: w[n] for n in factor_names}, None
    if spec.ahp is None:
        raise WeightsError("weights.ahp: required for method 'ahp'")
    res = ahp_weights(spec.ahp.matrix, spec.ahp.order)
    if res.cr > MAX_CR and not spec.allow_inconsistent:
        a, b = res.worst_pair or ("?", "?")
        raise WeightsError(
            f"weights.ahp: consistency ratio CR = {res.cr:.3f} exceeds {MAX_CR:.2f}; the most inconsistent "
            f"judgement is {a} vs {b} (given {res.worst_ratio:.2f}× what the weights imply); revise the matrix "
            "or set weights.allow_inconsistent: true"
        )
    return {n: res.weights[n] for n in factor_names}, res
