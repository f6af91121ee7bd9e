"""Searches over a road graph's nodes: nearest facility, catchments, node sums, distance rows.

:class:`Reach` is the search engine behind :class:`~siteselect.network.graph.RoadGraph`:
it works on node numbers and seeds (entry nodes with the minutes already spent
reaching them) and knows two ways to search, the exact numba kernels of
:mod:`siteselect.network._dijkstra` over CSR arrays and networkx (the
reference). The graph snaps the user's features to seeds and turns the
results back into frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import numba
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siteselect.network import _dijkstra
from siteselect.network._validate import resolve_method

__all__ = ["TIME_TOLERANCE_MIN", "Reach", "Seeds", "flatten_seeds", "origin_lookup",
           "pop_col", "two_columns"]

#: Slack (minutes) when comparing a travel time with a limit such as 45 min, so
#: that float rounding in the order a path is summed cannot change a count.
TIME_TOLERANCE_MIN = 1e-9

_W = "minutes"  # networkx edge attribute

CSR = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]


@dataclass(frozen=True)
class Seeds:
    """Up to two (node, minutes) entry points per snapped feature (node -1 = none)."""

    nodes: NDArray[np.int64]      # (k, 2)
    minutes: NDArray[np.float64]  # (k, 2), inf where node is -1


def pop_col(m: float) -> str:
    """Column name of the population within ``m`` minutes (``pop_45min``)."""
    return f"pop_{m:g}min"


def two_columns(seeds: Seeds) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                        NDArray[np.int64], NDArray[np.float64]]:
    """Seeds as (a, minutes_a, b, minutes_b) with the valid entry always in column a."""
    a = seeds.nodes[:, 0].astype(np.int64)
    b = seeds.nodes[:, 1].astype(np.int64)
    ma = seeds.minutes[:, 0].astype(float)
    mb = seeds.minutes[:, 1].astype(float)
    swap = a < 0
    a[swap], b[swap] = b[swap], -1
    ma[swap], mb[swap] = mb[swap], np.inf
    return a, ma, b, mb


def flatten_seeds(nodes: NDArray[np.int64], minutes: NDArray[np.float64]
                  ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Valid seeds in one array each, with ``ptr`` so feature ``i`` is ``[ptr[i]:ptr[i+1]]``."""
    ok = nodes >= 0
    counts = ok.sum(axis=1)
    ptr = np.zeros(nodes.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return nodes[ok].astype(np.int64), minutes[ok].astype(float), ptr


def _csr(n: int, u: NDArray[np.int64], v: NDArray[np.int64], w: NDArray[np.float64]) -> CSR:
    order = np.lexsort((v, u))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return indptr, v[order].astype(np.int32), w[order].astype(float)


def origin_lookup(seeds: Seeds, dist: NDArray[np.float64], lab: NDArray[np.int64],
                  ids: NDArray[Any], max_minutes: float | None, index: pd.Index) -> pd.DataFrame:
    """Per origin (outbound ``seeds``), the nearest facility from per-node minutes and labels.

    Smaller minutes win; equal minutes → the smaller facility position.
    """
    nodes = seeds.nodes
    safe = np.where(nodes >= 0, nodes, 0)
    cand = np.where(nodes >= 0, seeds.minutes + dist[safe], np.inf)
    cl = np.where(nodes >= 0, lab[safe], -1)
    pick_b = (cand[:, 1] < cand[:, 0]) | ((cand[:, 1] == cand[:, 0]) & (cl[:, 1] < cl[:, 0])
                                          & (cl[:, 1] >= 0))
    best = np.where(pick_b, cand[:, 1], cand[:, 0])
    blab = np.where(pick_b, cl[:, 1], cl[:, 0])
    cutoff = np.inf if max_minutes is None else float(max_minutes)
    unreached = ~np.isfinite(best) | (best > cutoff)
    minutes = np.where(unreached, np.nan, best)
    fac = np.empty(len(best), dtype=object)
    fac[~unreached] = ids[blab[~unreached]]
    fac[unreached] = None
    return pd.DataFrame({"minutes": minutes, "facility": pd.Series(fac, dtype=object,
                                                                   index=index)}, index=index)


class Reach:
    """Exact searches over directed edges ``u → v`` of ``w`` minutes on nodes ``0..n-1``.

    Parameters
    ----------
    n
        Number of nodes.
    u, v, w
        Edges (strictly positive minutes, at most one per node pair).

    Attributes
    ----------
    fwd, rev
        CSR arrays ``(indptr, indices, minutes)`` of the graph and of its reverse.
    """

    def __init__(self, n: int, u: NDArray[np.int64], v: NDArray[np.int64],
                 w: NDArray[np.float64]) -> None:
        self.n = n
        self.u, self.v, self.w = u, v, w
        self.fwd = _csr(n, u, v, w)
        self.rev = _csr(n, v, u, w)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("nx_rev", None)  # rebuilt lazily
        return state

    @cached_property
    def buckets(self) -> tuple[float, int]:
        """Bucket-queue width and count for the fast path ((0, 0) = heap; see _dijkstra)."""
        return _dijkstra.bucket_width(self.w)

    @cached_property
    def nx_rev(self) -> nx.DiGraph:
        """The reversed graph in networkx (the reference path)."""
        g = nx.DiGraph()
        g.add_nodes_from(range(self.n))
        g.add_weighted_edges_from(zip(self.v.tolist(), self.u.tolist(), self.w.tolist()),
                                  weight=_W)
        return g

    # ----------------------------------------------------------------- seeded searches

    def nx_seeded(self, seed_nodes: NDArray[np.int64], seed_minutes: NDArray[np.float64],
                  seed_groups: NDArray[np.int64], cutoff: float, *, labels: bool
                  ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """networkx reference: Dijkstra on the reversed graph from seeded groups.

        A virtual source joins one virtual node per group (weight 0), which
        joins its seed nodes (weight = seed minutes). Returns minutes per node
        (inf unreached) and, with ``labels``, the smallest group whose
        shortest-path tree reaches each node (-1 unreached).
        """
        g = self.nx_rev
        src = -1
        groups = np.unique(seed_groups)
        vnodes = {int(k): -2 - int(k) for k in groups}
        added: list[tuple[int, int, float]] = [(src, vnodes[int(k)], 0.0) for k in groups]
        best: dict[tuple[int, int], float] = {}
        for node, m, k in zip(seed_nodes.tolist(), seed_minutes.tolist(), seed_groups.tolist()):
            key = (vnodes[k], node)
            if m < best.get(key, np.inf):
                best[key] = m
        added += [(vn, node, m) for (vn, node), m in best.items()]
        g.add_weighted_edges_from(added, weight=_W)
        try:
            if labels:
                pred, dist = nx.dijkstra_predecessor_and_distance(g, src, cutoff=cutoff, weight=_W)
            else:
                dist = nx.single_source_dijkstra_path_length(g, src, cutoff=cutoff, weight=_W)
                pred = {}
        finally:
            g.remove_nodes_from([src, *vnodes.values()])
        out = np.full(self.n, np.inf)
        lab = np.full(self.n, -1, dtype=np.int64)
        real = [(d, v) for v, d in dist.items() if v >= 0]
        if real:
            vs = np.fromiter((v for _, v in real), dtype=np.int64, count=len(real))
            out[vs] = np.fromiter((d for d, _ in real), dtype=float, count=len(real))
        if labels:
            vlabel = {vn: k for k, vn in vnodes.items()}
            # virtual nodes first at equal distance; real edges are strictly positive
            for _d, v in sorted(real):
                lab[v] = min(vlabel[p] if p < -1 else int(lab[p]) for p in pred[v])
        return out, lab

    def fast_seeded(self, seed_nodes: NDArray[np.int64], seed_minutes: NDArray[np.float64],
                    seed_groups: NDArray[np.int64], cutoff: float
                    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """:meth:`nx_seeded` with labels, by the numba kernel (same minutes and labels)."""
        indptr, indices, w = self.rev
        return _dijkstra.multi_source(indptr, indices, w, seed_nodes.astype(np.int64),
                                      seed_minutes.astype(float), seed_groups.astype(np.int64),
                                      float(cutoff), *self.buckets)

    def distance_rows(self, seeds: Seeds, cutoff: float, *, fast: bool) -> NDArray[np.float64]:
        """(features, nodes) minutes from every node to each feature (inbound seeds) up to ``cutoff``."""
        src_nodes, src_minutes, src_ptr = flatten_seeds(seeds.nodes, seeds.minutes)
        k = seeds.nodes.shape[0]
        if fast and k:
            indptr, indices, w = self.rev
            return _dijkstra.batch_distances(indptr, indices, w, src_ptr, src_nodes, src_minutes,
                                             cutoff)
        rows = np.full((k, self.n), np.inf)
        for i in range(k):
            lo, hi = src_ptr[i], src_ptr[i + 1]
            rows[i], _ = self.nx_seeded(src_nodes[lo:hi], src_minutes[lo:hi],
                                        np.zeros(hi - lo, dtype=np.int64), cutoff, labels=False)
        return rows

    # ----------------------------------------------------------------- sums

    def catchment(self, origins: Seeds, cells: Seeds, pop: NDArray[np.float64],
                  thresholds: NDArray[np.float64], method: str) -> NDArray[np.float64]:
        """Population reaching each origin (inbound seeds) within each threshold.

        ``networkx``: one search per origin on the reversed graph. ``fast``:
        the same per origin in numba, or — when there are fewer populated
        places than origins — one search per populated place on the forward
        graph, adding its population to every origin it reaches in time.
        Times are compared with :data:`TIME_TOLERANCE_MIN` of slack, so the
        order in which a path's minutes are summed cannot move a place across
        a limit.
        """
        ns = origins.nodes.shape[0]
        th = thresholds + TIME_TOLERANCE_MIN
        cutoff = float(th.max())
        m = resolve_method(method, float(self.n) * min(ns, len(pop)))
        oa, ooa, ob, oob = two_columns(origins)
        ca, coa, cb, cob = two_columns(cells)
        if m == "fast":
            chunks = 8 * numba.get_num_threads()
            if ns <= len(pop):
                src_nodes, src_minutes, src_ptr = flatten_seeds(origins.nodes, origins.minutes)
                indptr, indices, w = self.rev
                return _dijkstra.batch_catchment(indptr, indices, w, src_ptr, src_nodes,
                                                 src_minutes, cutoff, ca, coa, cb, cob, pop, th,
                                                 chunks)
            src_nodes, src_minutes, src_ptr = flatten_seeds(cells.nodes, cells.minutes)
            indptr, indices, w = self.fwd
            return _dijkstra.batch_catchment_scatter(indptr, indices, w, src_ptr, src_nodes,
                                                     src_minutes, pop, cutoff, oa, ooa, ob, oob,
                                                     th, max(2, chunks // 4))
        src_nodes, src_minutes, src_ptr = flatten_seeds(origins.nodes, origins.minutes)
        out = np.zeros((ns, th.shape[0]))
        cbs = np.where(cb >= 0, cb, 0)
        for i in range(ns):
            lo, hi = src_ptr[i], src_ptr[i + 1]
            dist, _ = self.nx_seeded(src_nodes[lo:hi], src_minutes[lo:hi],
                                     np.zeros(hi - lo, dtype=np.int64), cutoff, labels=False)
            t = coa + dist[ca]
            t = np.minimum(t, np.where(cb >= 0, cob + dist[cbs], np.inf))
            for k, tk in enumerate(th):
                out[i, k] = pop[t <= tk].sum()
        return out

    def scatter_to_nodes(self, sources: Seeds, weight: NDArray[np.float64],
                         limits: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of ``weight`` over the sources reaching each node within each limit (minutes).

        One bounded search per source with a non-zero weight on the forward
        graph (:func:`siteselect.network._dijkstra.scatter_to_nodes`): O(Σ reach ·
        log reach) for the sources' reaches within ``max(limits)``, O(nodes ×
        threads × limits) memory.
        """
        src_nodes, src_minutes, src_ptr = flatten_seeds(sources.nodes, sources.minutes)
        indptr, indices, w = self.fwd
        out, _ = _dijkstra.scatter_to_nodes(indptr, indices, w, src_ptr, src_nodes, src_minutes,
                                            np.asarray(weight, dtype=float),
                                            np.asarray(limits, dtype=float),
                                            numba.get_num_threads(), *self.buckets)
        return out

    def sum_within(self, values: NDArray[np.float64], cutoff: float) -> NDArray[np.float64]:
        """For every node, the sum of ``values`` over the nodes it reaches within ``cutoff``."""
        indptr, indices, w = self.fwd
        out, _ = _dijkstra.gather_sum(indptr, indices, w, values, cutoff,
                                      8 * numba.get_num_threads(), *self.buckets)
        return out
