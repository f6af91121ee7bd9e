"""Exact Euclidean distance transform (Felzenszwalb–Huttenlocher) in 5 bytes per cell."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["edt_inplace"]


@nb.njit(parallel=True, cache=True)
def _edt_columns(features: np.ndarray, out: np.ndarray, block: int) -> None:
    """Per column, distance (in cells) to the nearest feature cell in that column.

    Written into ``out`` (float32, exact: ≤ rows); no feature → ``inf``.
    Two row sweeps over blocks of columns so memory is read row by row.
    """
    rows, cols = features.shape
    nblocks = (cols + block - 1) // block
    inf = np.float32(np.inf)
    for bi in nb.prange(nblocks):
        c0 = bi * block
        c1 = min(cols, c0 + block)
        for c in range(c0, c1):
            out[0, c] = 0.0 if features[0, c] else inf
        for r in range(1, rows):
            for c in range(c0, c1):
                out[r, c] = 0.0 if features[r, c] else out[r - 1, c] + 1.0
        for r in range(rows - 2, -1, -1):
            for c in range(c0, c1):
                d = out[r + 1, c] + 1.0
                if d < out[r, c]:
                    out[r, c] = d


@nb.njit(parallel=True, cache=True)
def _edt_rows(out: np.ndarray, cell_m: float) -> None:
    """Felzenszwalb–Huttenlocher lower envelope of parabolas along each row.

    ``out`` holds column distances g (cells) and is overwritten with the
    Euclidean distance in metres. Per-thread buffers are O(cols).
    """
    rows, cols = out.shape
    for r in nb.prange(rows):
        f = np.empty(cols, dtype=np.float64)
        v = np.empty(cols, dtype=np.int64)
        z = np.empty(cols + 1, dtype=np.float64)
        nfin = 0
        for q in range(cols):
            g = out[r, q]
            if g == np.inf:
                f[q] = np.inf
            else:
                f[q] = float(g) * float(g)
                nfin += 1
        if nfin == 0:
            continue  # stays inf: no feature in the whole grid reaches this row
        # lower envelope over finite parabolas only
        k = -1
        for q in range(cols):
            if f[q] == np.inf:
                continue
            if k < 0:
                k = 0
                v[0] = q
                z[0] = -np.inf
                z[1] = np.inf
                continue
            s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2.0 * (q - v[k]))
            while s <= z[k]:
                k -= 1
                s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2.0 * (q - v[k]))
            k += 1
            v[k] = q
            z[k] = s
            z[k + 1] = np.inf
        k = 0
        for q in range(cols):
            while z[k + 1] < q:
                k += 1
            dq = q - v[k]
            out[r, q] = math.sqrt(dq * dq + f[v[k]]) * cell_m


def edt_inplace(features: np.ndarray, out: np.ndarray, *, cell_m: float = 1.0, block: int = 256) -> np.ndarray:
    """Exact Euclidean distance (metres) from every cell to the nearest feature cell.

    Parameters
    ----------
    features
        (rows, cols) bool/uint8, nonzero = feature.
    out
        (rows, cols) float32 array to fill (may be uninitialised).
    cell_m
        Cell size in metres (square cells).

    Returns
    -------
    numpy.ndarray
        ``out``; ``inf`` everywhere when there is no feature.

    Notes
    -----
    Working memory is the 1-byte input and the 4-byte output plus O(cols)
    per thread: 5 bytes per cell. Column distances are integers ≤ rows and
    are held exactly in float32; squared distances are formed in float64.
    """
    _edt_columns(features, out, block)
    _edt_rows(out, float(cell_m))
    return out
