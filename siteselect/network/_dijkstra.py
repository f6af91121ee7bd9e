"""Numba kernels for exact shortest paths over CSR arrays (the fast path of
:mod:`siteselect.network.graph`).

The graph is a directed CSR structure: the out-edges of node ``u`` are
``indices[indptr[u]:indptr[u + 1]]`` (int32 node numbers, so fewer than 2**31
nodes) with float64 weights (minutes) in the same positions. All weights are
strictly positive.

The kernels reproduce networkx's Dijkstra arithmetic exactly: the distance of a
node is ``dist[u] + w`` of its best predecessor, edges whose tentative distance
exceeds ``cutoff`` are not relaxed (networkx: ``vu_dist > cutoff``), and seeds
start at their offset (networkx: a virtual source joined to each seed by an
edge of weight ``offset``). Results are therefore identical to networkx, not
merely close; the tests still compare with a tolerance of 1e-9 minutes.

Labels (which seed group a node's shortest path starts from) break exact ties
towards the smallest label, the same rule :mod:`siteselect.network.graph` applies to
networkx's predecessor lists.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

__all__ = ["batch_catchment", "batch_catchment_scatter", "batch_distances", "multi_source",
           "bucket_width", "gather_sum",
           "multi_source_buckets", "scatter_to_nodes"]


# A 4-ary min-heap of (minutes, node) with lazy deletion: a node may be pushed
# again when its distance improves; stale entries are skipped when popped.
# Four children per parent halve the depth of a binary heap, and the children
# share a cache line (measured ~1.5x faster than binary on 100k-node graphs).


@njit(cache=True, nogil=True, inline="always")
def _push(hd: NDArray[np.float64], hn: NDArray[np.int32], size: int, d: float, n: int) -> int:
    i = size
    while i > 0:
        p = (i - 1) >> 2
        if hd[p] <= d:
            break
        hd[i] = hd[p]
        hn[i] = hn[p]
        i = p
    hd[i] = d
    hn[i] = n
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(hd: NDArray[np.float64], hn: NDArray[np.int32], size: int) -> int:
    """Remove the top of the heap (read it before calling); return the new size.

    With four children present their minimum is found pairwise with ``min``
    (branch-light; ~20 % faster than a loop on 100k-node graphs).
    """
    size -= 1
    if size == 0:
        return 0
    d = hd[size]
    n = hn[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c + 3 < size:
            a0 = hd[c]
            a1 = hd[c + 1]
            a2 = hd[c + 2]
            a3 = hd[c + 3]
            m01 = c if a0 <= a1 else c + 1
            v01 = min(a0, a1)
            m23 = c + 2 if a2 <= a3 else c + 3
            v23 = min(a2, a3)
            m = m01 if v01 <= v23 else m23
            md = min(v01, v23)
        elif c < size:
            m = c
            md = hd[c]
            for k in range(c + 1, size):
                if hd[k] < md:
                    md = hd[k]
                    m = k
        else:
            break
        if md >= d:
            break
        hd[i] = md
        hn[i] = hn[m]
        i = m
    hd[i] = d
    hn[i] = n
    return size


@njit(cache=True, nogil=True)
def _dijkstra(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    seed_labels: NDArray[np.int64],
    cutoff: float,
    dist: NDArray[np.float64],
    label: NDArray[np.int64],
    hd: NDArray[np.float64],
    hn: NDArray[np.int32],
) -> None:
    """Seeded, labelled Dijkstra into preallocated arrays (dist=inf, label=-1 on entry).

    A popped entry is stale when its minutes exceed the node's current
    distance; pushes happen only on strict improvement, so each node is
    settled exactly once.
    """
    size = 0
    for k in range(seed_nodes.shape[0]):
        s = seed_nodes[k]
        o = seed_offsets[k]
        if o > cutoff:
            continue
        if o < dist[s]:
            dist[s] = o
            label[s] = seed_labels[k]
            size = _push(hd, hn, size, o, s)
        elif o == dist[s] and seed_labels[k] < label[s]:
            label[s] = seed_labels[k]
    while size > 0:
        d = hd[0]
        u = hn[0]
        size = _pop(hd, hn, size)
        if d > dist[u]:
            continue
        lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd > cutoff:
                continue
            dv = dist[v]
            if nd < dv:
                dist[v] = nd
                label[v] = lu
                size = _push(hd, hn, size, nd, v)
            elif nd == dv and lu < label[v]:
                label[v] = lu


@njit(cache=True, nogil=True)
def _dijkstra_plain(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    cutoff: float,
    dist: NDArray[np.float64],
    hd: NDArray[np.float64],
    hn: NDArray[np.int32],
) -> None:
    """Seeded Dijkstra without labels (dist=inf on entry)."""
    size = 0
    for k in range(seed_nodes.shape[0]):
        s = seed_nodes[k]
        o = seed_offsets[k]
        if o <= cutoff and o < dist[s]:
            dist[s] = o
            size = _push(hd, hn, size, o, s)
    while size > 0:
        d = hd[0]
        u = hn[0]
        size = _pop(hd, hn, size)
        if d > dist[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd <= cutoff and nd < dist[v]:
                dist[v] = nd
                size = _push(hd, hn, size, nd, v)


@njit(cache=True, nogil=True)
def multi_source(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    seed_labels: NDArray[np.int64],
    cutoff: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One Dijkstra from many seeds; return (minutes per node, label per node).

    Unreached nodes have ``inf`` and label ``-1``.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    cap = indices.shape[0] + seed_nodes.shape[0] + 1
    hd = np.empty(cap, dtype=np.float64)
    hn = np.empty(cap, dtype=np.int32)
    _dijkstra(indptr, indices, weights, seed_nodes, seed_offsets, seed_labels, cutoff,
              dist, label, hd, hn)
    return dist, label


@njit(cache=True, parallel=True)
def batch_catchment(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    src_ptr: NDArray[np.int64],
    src_nodes: NDArray[np.int64],
    src_offsets: NDArray[np.float64],
    cutoff: float,
    cell_a: NDArray[np.int64],
    cell_oa: NDArray[np.float64],
    cell_b: NDArray[np.int64],
    cell_ob: NDArray[np.float64],
    cell_pop: NDArray[np.float64],
    thresholds: NDArray[np.float64],
    n_chunks: int,
) -> NDArray[np.float64]:
    """Population reached from each source within each threshold (minutes).

    Source ``i`` is the seed set ``src_nodes[src_ptr[i]:src_ptr[i+1]]`` with
    offsets ``src_offsets[...]``. A cell's time is ``min(cell_oa + dist[cell_a],
    cell_ob + dist[cell_b])`` (``cell_b = -1`` when it has a single seed); it is
    counted for every threshold ``t`` with time ``<= t``. ``cutoff`` must be at
    least ``max(thresholds)``. Sources run in parallel (``prange``) in
    ``n_chunks`` chunks that reuse their work arrays.
    """
    n = indptr.shape[0] - 1
    ns = src_ptr.shape[0] - 1
    nt = thresholds.shape[0]
    nc = cell_pop.shape[0]
    out = np.zeros((ns, nt))
    nchunks = min(ns, max(1, n_chunks))
    if nchunks == 0:
        return out
    per = (ns + nchunks - 1) // nchunks
    cap = indices.shape[0] + (src_ptr[ns] - src_ptr[0]) + 1
    for ch in prange(nchunks):
        dist = np.empty(n)
        hd = np.empty(cap, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        for i in range(ch * per, min(ns, (ch + 1) * per)):
            dist[:] = np.inf
            lo = src_ptr[i]
            hi = src_ptr[i + 1]
            _dijkstra_plain(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                            cutoff, dist, hd, hn)
            for c in range(nc):
                t = cell_oa[c] + dist[cell_a[c]]
                b = cell_b[c]
                if b >= 0:
                    t2 = cell_ob[c] + dist[b]
                    t = min(t, t2)
                if t <= cutoff:
                    p = cell_pop[c]
                    for k in range(nt):
                        if t <= thresholds[k]:
                            out[i, k] += p
    return out


@njit(cache=True, parallel=True)
def batch_distances(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    src_ptr: NDArray[np.int64],
    src_nodes: NDArray[np.int64],
    src_offsets: NDArray[np.float64],
    cutoff: float,
) -> NDArray[np.float64]:
    """Full distance rows (sources × nodes, ``inf`` beyond cutoff) for a few sources."""
    n = indptr.shape[0] - 1
    ns = src_ptr.shape[0] - 1
    out = np.full((ns, n), np.inf)
    cap = indices.shape[0] + (src_ptr[ns] - src_ptr[0]) + 1
    for i in prange(ns):
        hd = np.empty(cap, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        lo = src_ptr[i]
        hi = src_ptr[i + 1]
        _dijkstra_plain(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                        cutoff, out[i], hd, hn)
    return out


@njit(cache=True, parallel=True)
def batch_catchment_scatter(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    src_ptr: NDArray[np.int64],
    src_nodes: NDArray[np.int64],
    src_offsets: NDArray[np.float64],
    src_pop: NDArray[np.float64],
    cutoff: float,
    tgt_a: NDArray[np.int64],
    tgt_oa: NDArray[np.float64],
    tgt_b: NDArray[np.int64],
    tgt_ob: NDArray[np.float64],
    thresholds: NDArray[np.float64],
    n_chunks: int,
) -> NDArray[np.float64]:
    """Population reaching each target within each threshold, searching from the population.

    The transpose of :func:`batch_catchment`, for when there are fewer
    populated places than targets (e.g. every graph node): one search per
    population source ``i`` (seed set as in ``batch_catchment``, weight
    ``src_pop[i]``) on the *forward* graph; a target's time is
    ``min(dist[tgt_a] + tgt_oa, dist[tgt_b] + tgt_ob)`` and the source's
    population is added to every threshold it meets. Each chunk accumulates
    privately; the chunks are summed at the end.
    """
    n = indptr.shape[0] - 1
    ns = src_ptr.shape[0] - 1
    nt = thresholds.shape[0]
    ng = tgt_a.shape[0]
    nchunks = min(max(ns, 1), max(1, n_chunks))
    acc = np.zeros((nchunks, ng, nt))
    per = (ns + nchunks - 1) // nchunks
    cap = indices.shape[0] + (src_ptr[ns] - src_ptr[0]) + 1
    for ch in prange(nchunks):
        dist = np.empty(n)
        hd = np.empty(cap, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        for i in range(ch * per, min(ns, (ch + 1) * per)):
            p = src_pop[i]
            if p == 0.0:
                continue
            dist[:] = np.inf
            lo = src_ptr[i]
            hi = src_ptr[i + 1]
            _dijkstra_plain(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                            cutoff, dist, hd, hn)
            for j in range(ng):
                t = dist[tgt_a[j]] + tgt_oa[j]
                b = tgt_b[j]
                if b >= 0:
                    t2 = dist[b] + tgt_ob[j]
                    t = min(t, t2)
                if t <= cutoff:
                    for k in range(nt):
                        if t <= thresholds[k]:
                            acc[ch, j, k] += p
    out = np.zeros((ng, nt))
    for ch in range(nchunks):
        out += acc[ch]
    return out


@njit(cache=True, nogil=True)
def _dijkstra_touched(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    cutoff: float,
    dist: NDArray[np.float64],
    touched: NDArray[np.int32],
    hd: NDArray[np.float64],
    hn: NDArray[np.int32],
) -> int:
    """:func:`_dijkstra_plain` that lists the nodes it reaches in ``touched``; return their count.

    Every listed node ends with its final (finite, ``<= cutoff``) distance,
    so the caller can use them and reset ``dist`` to ``inf`` on just those
    nodes — the cost of a search is then its reach, not the graph's size.
    """
    size = 0
    cnt = 0
    for k in range(seed_nodes.shape[0]):
        s = seed_nodes[k]
        o = seed_offsets[k]
        if o <= cutoff and o < dist[s]:
            if dist[s] == np.inf:
                touched[cnt] = s
                cnt += 1
            dist[s] = o
            size = _push(hd, hn, size, o, s)
    while size > 0:
        d = hd[0]
        u = hn[0]
        size = _pop(hd, hn, size)
        if d > dist[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd <= cutoff:
                dv = dist[v]
                if nd < dv:
                    if dv == np.inf:
                        touched[cnt] = v
                        cnt += 1
                    dist[v] = nd
                    size = _push(hd, hn, size, nd, v)
    return cnt


@njit(cache=True, parallel=True)
def scatter_to_nodes(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    src_ptr: NDArray[np.int64],
    src_nodes: NDArray[np.int64],
    src_offsets: NDArray[np.float64],
    src_weight: NDArray[np.float64],
    thresholds: NDArray[np.float64],
    n_chunks: int,
    width: float = 0.0,
    n_buckets: int = 0,
) -> tuple[NDArray[np.float64], int]:
    """Sum of ``src_weight`` over the sources that reach each node within each threshold.

    One bounded search per source ``i`` (seed set as in :func:`batch_catchment`)
    on the given graph (the *forward* graph when sources travel to the nodes),
    with cutoff ``max(thresholds)``; its weight is added to every reached node
    ``v`` and threshold ``t`` with ``dist[v] <= t``. Only the reached nodes are
    visited and reset, so the total work is the sum of the searches' reaches
    (times the heap's log factor), independent of how many nodes the graph has.
    Sources are dealt to ``n_chunks`` chunks round-robin (balancing dense and
    sparse areas); each chunk accumulates privately (``n_chunks × nodes ×
    thresholds`` float64) and the chunks are summed at the end.

    Returns
    -------
    (out, settled)
        ``out`` (nodes × thresholds) and the total number of nodes settled.
    """
    n = indptr.shape[0] - 1
    ns = src_ptr.shape[0] - 1
    nt = thresholds.shape[0]
    cutoff = -np.inf
    for k in range(nt):
        cutoff = max(cutoff, thresholds[k])
    nchunks = min(max(ns, 1), max(1, n_chunks))
    acc = np.zeros((nchunks, n, nt))
    settled = np.zeros(nchunks, dtype=np.int64)
    cap = indices.shape[0] + (src_ptr[ns] - src_ptr[0]) + 1
    for ch in prange(nchunks):
        dist = np.full(n, np.inf)
        touched = np.empty(n, dtype=np.int32)
        hd = np.empty(cap if n_buckets == 0 else 1, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        head = np.full(max(n_buckets, 1), -1, dtype=np.int32)
        nxt = np.empty(cap if n_buckets > 0 else 1, dtype=np.int32)
        lab = np.empty(1, dtype=np.int64)
        for i in range(ch, ns, nchunks):
            p = src_weight[i]
            if p == 0.0:
                continue
            lo = src_ptr[i]
            hi = src_ptr[i + 1]
            if n_buckets > 0:
                cnt = _dial_touched(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                                    src_nodes[lo:hi], False, cutoff, width, dist, lab, touched,
                                    head, hn, nxt)
            else:
                cnt = _dijkstra_touched(indptr, indices, weights, src_nodes[lo:hi],
                                        src_offsets[lo:hi], cutoff, dist, touched, hd, hn)
            settled[ch] += cnt
            for j in range(cnt):
                v = touched[j]
                t = dist[v]
                for k in range(nt):
                    if t <= thresholds[k]:
                        acc[ch, v, k] += p
                dist[v] = np.inf
    out = np.zeros((n, nt))
    for ch in range(nchunks):
        out += acc[ch]
    return out, int(settled.sum())


@njit(cache=True, parallel=True)
def gather_sum(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    values: NDArray[np.float64],
    cutoff: float,
    n_chunks: int,
    width: float = 0.0,
    n_buckets: int = 0,
) -> tuple[NDArray[np.float64], int]:
    """For every node ``v``: the sum of ``values[u]`` over the nodes ``u`` with ``dist(v, u) <= cutoff``.

    One bounded search per node on the given graph (distances *from* ``v``),
    summed in float64; only reached nodes are reset between searches (bucket
    queue with ``n_buckets > 0``, see :func:`bucket_width`; else the heap). Nodes are
    dealt to ``n_chunks`` chunks round-robin and run in parallel.

    Returns
    -------
    (out, settled)
        Sums per node and the total number of nodes settled.
    """
    n = indptr.shape[0] - 1
    out = np.zeros(n)
    nchunks = min(max(n, 1), max(1, n_chunks))
    settled = np.zeros(nchunks, dtype=np.int64)
    cap = indices.shape[0] + 2
    for ch in prange(nchunks):
        dist = np.full(n, np.inf)
        touched = np.empty(n, dtype=np.int32)
        hd = np.empty(cap if n_buckets == 0 else 1, dtype=np.float64)
        hn = np.empty(cap, dtype=np.int32)
        head = np.full(max(n_buckets, 1), -1, dtype=np.int32)
        nxt = np.empty(cap if n_buckets > 0 else 1, dtype=np.int32)
        lab = np.empty(1, dtype=np.int64)
        seed = np.zeros(1, dtype=np.int64)
        off = np.zeros(1)
        for v in range(ch, n, nchunks):
            seed[0] = v
            if n_buckets > 0:
                cnt = _dial_touched(indptr, indices, weights, seed, off, seed, False, cutoff,
                                    width, dist, lab, touched, head, hn, nxt)
            else:
                cnt = _dijkstra_touched(indptr, indices, weights, seed, off, cutoff, dist,
                                        touched, hd, hn)
            settled[ch] += cnt
            s = 0.0
            for j in range(cnt):
                u = touched[j]
                s += values[u]
                dist[u] = np.inf
            out[v] = s
    return out, int(settled.sum())


# --------------------------------------------------------------------------- bucket queue
#
# Dial-style buckets of width ``width`` <= half the smallest edge weight. Every
# node in the lowest non-empty bucket already has its final distance: any path
# through a node not yet settled is at least the bucket's floor plus one edge,
# i.e. two bucket widths more (the factor 2 leaves room for float rounding of
# the bucket index). So a bucket is emptied in any order without comparisons,
# and relaxations from it only land in later buckets. A node's distance is
# still ``min(dist[u] + w)`` over its predecessors, the very float64 sums of
# the heap kernels and networkx. Buckets are circular (``n_buckets`` > largest
# weight / width + 2) singly linked lists of entries with lazy deletion: an
# entry is stale when its node's distance now falls in a lower (already
# emptied) bucket; an entry a whole circle ahead (a seed with a large offset)
# is put back; a node entered twice in the same bucket is expanded
# twice with the same distance, which changes nothing the second time.


def bucket_width(weights: NDArray[np.float64]) -> tuple[float, int]:
    """(width, number of circular buckets) for :func:`_dial_touched`; (0, 0) = use the heap.

    The bucket queue is used when it needs at most 2**22 buckets (largest / smallest weight up
    to about two million); otherwise the heap kernels serve.
    """
    if weights.shape[0] == 0:
        return 0.0, 0
    lo = float(weights.min())
    hi = float(weights.max())
    if not lo > 0:
        return 0.0, 0
    width = lo / 2.0
    nb = int(np.ceil(hi / width)) + 3
    if nb > 2**22:
        return 0.0, 0
    return width, nb


@njit(cache=True, nogil=True)
def _dial_touched(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    seed_labels: NDArray[np.int64],
    use_labels: bool,
    cutoff: float,
    width: float,
    dist: NDArray[np.float64],
    label: NDArray[np.int64],
    touched: NDArray[np.int32],
    head: NDArray[np.int32],
    ent_node: NDArray[np.int32],
    ent_next: NDArray[np.int32],
) -> int:
    """Seeded (optionally labelled) search with the bucket queue; return the reached count.

    Same contract as :func:`_dijkstra_touched` (and, with ``use_labels``, the
    labels of :func:`_dijkstra`). ``head`` must be all -1 on entry and is left so. ``ent_*`` hold at least edges + seeds entries.
    """
    nb = head.shape[0]
    inv = 1.0 / width
    cnt = 0
    ne = 0
    active = 0
    lowest = np.int64(2**62)
    for k in range(seed_nodes.shape[0]):
        s = seed_nodes[k]
        o = seed_offsets[k]
        if o > cutoff:
            continue
        if o < dist[s]:
            if dist[s] == np.inf:
                touched[cnt] = s
                cnt += 1
            dist[s] = o
            if use_labels:
                label[s] = seed_labels[k]
            b = np.int64(o * inv)
            lowest = min(lowest, b)
            j = b % nb
            ent_node[ne] = s
            ent_next[ne] = head[j]
            head[j] = ne
            ne += 1
            active += 1
        elif use_labels and o == dist[s] and seed_labels[k] < label[s]:
            label[s] = seed_labels[k]
    cur = lowest
    while active > 0:
        j = cur % nb
        e0 = head[j]
        if e0 < 0:
            cur += 1
            continue
        head[j] = -1
        while e0 >= 0:
            u = ent_node[e0]
            e_here = e0
            e0 = ent_next[e0]
            d = dist[u]
            b = np.int64(d * inv)
            if b > cur:  # a seed a whole circle ahead: keep it for its turn
                ent_next[e_here] = head[j]
                head[j] = e_here
                continue
            active -= 1
            if b != cur:
                continue
            lu = label[u] if use_labels else 0
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + weights[e]
                if nd > cutoff:
                    continue
                dv = dist[v]
                if nd < dv:
                    if dv == np.inf:
                        touched[cnt] = v
                        cnt += 1
                    dist[v] = nd
                    if use_labels:
                        label[v] = lu
                    jb = np.int64(nd * inv) % nb
                    ent_node[ne] = v
                    ent_next[ne] = head[jb]
                    head[jb] = ne
                    ne += 1
                    active += 1
                elif use_labels and nd == dv and lu < label[v]:
                    label[v] = lu
        cur += 1
    return cnt


@njit(cache=True)
def multi_source_buckets(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    seed_nodes: NDArray[np.int64],
    seed_offsets: NDArray[np.float64],
    seed_labels: NDArray[np.int64],
    cutoff: float,
    width: float,
    n_buckets: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """:func:`multi_source` on the bucket queue (``width``, ``n_buckets`` from :func:`bucket_width`)."""
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=np.int32)
    head = np.full(n_buckets, -1, dtype=np.int32)
    cap = indices.shape[0] + seed_nodes.shape[0] + 1
    ent_node = np.empty(cap, dtype=np.int32)
    ent_next = np.empty(cap, dtype=np.int32)
    _dial_touched(indptr, indices, weights, seed_nodes, seed_offsets, seed_labels, True, cutoff,
                  width, dist, label, touched, head, ent_node, ent_next)
    return dist, label
