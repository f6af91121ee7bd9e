"""Numba kernels for exact shortest paths over CSR arrays (the fast path of
:mod:`siteselect.network.reach`).

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
towards the smallest label, the same rule :mod:`siteselect.network.reach` applies to
networkx's predecessor lists.

Every kernel runs one search loop, :func:`_search`, over one of two priority
queues: a 4-ary heap (:class:`HeapQueue`) or a bucket queue
(:class:`BucketQueue`, where the weights allow it; see :func:`bucket_width`).
The queue's operations are numba overloads chosen by the queue's type, and the
optional per-node labels and list of reached nodes are arguments that are
``None`` when not wanted, so numba compiles one specialised loop per
combination with no run-time test of which queue or which options. Keep the
queues here, beside the loop: numba's disk cache is invalidated by changes to
this file only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit, prange, types
from numba.extending import overload
from numpy.typing import NDArray

__all__ = ["BucketQueue", "HeapQueue", "batch_catchment", "batch_catchment_scatter",
           "batch_distances", "bucket_width", "gather_sum", "multi_source", "scatter_to_nodes"]


class HeapQueue(NamedTuple):
    """A 4-ary min-heap of (minutes, node) entries; room for edges + seeds entries."""

    keys: NDArray[np.float64]
    nodes: NDArray[np.int32]


class BucketQueue(NamedTuple):
    """Circular buckets of width ``1 / inv_width`` minutes as linked lists of entries.

    ``head`` (one per bucket) must be all -1 on entry to a search and is left so;
    ``nodes`` and ``link`` have room for edges + seeds entries.
    """

    head: NDArray[np.int32]
    nodes: NDArray[np.int32]
    link: NDArray[np.int32]
    inv_width: float


class _Heap(NamedTuple):  # type tags choosing the queue operations (no arrays to refcount)
    tag: int


class _Buckets(NamedTuple):
    tag: int


def _is_heap(t: Any) -> bool:
    cls = getattr(t, "instance_class", None) if isinstance(t, types.BaseNamedTuple) else None
    return cls is HeapQueue or cls is _Heap


# The queue interface, used only inside numba-compiled code. A search opens its queue once:
# kind, f0, f1, f2, x, state = _q_open(q) (a tag, the queue's arrays and scalar, and its
# empty state), so the hot loop passes plain arrays, not a tuple holding them (no reference
# counting per operation); then state = _q_push(kind, f0, f1, f2, x, state, minutes, node)
# and u, minutes, state = _q_pop(kind, f0, f1, f2, x, state, dist), the next entry (u = -1
# when empty; the heap's may be stale, minutes > dist[u]). The state is a value (heap: size;
# buckets: current bucket, next entry, live entries, entries used), kept in registers. The
# implementations use f0 ... x directly: rebinding them by tuple assignment lost array
# writes in numba 0.68's inlining. Overload parameters are unannotated, as numba requires.


def _q_open(q: Any) -> Any:
    raise NotImplementedError("numba only")


def _q_push(kind: Any, f0: Any, f1: Any, f2: Any, x: float, state: Any, d: float, v: int) -> Any:
    raise NotImplementedError("numba only")


def _q_pop(kind: Any, f0: Any, f1: Any, f2: Any, x: float, state: Any, dist: Any) -> Any:
    raise NotImplementedError("numba only")


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


# Dial-style buckets of width ``width`` <= half the smallest edge weight. Every
# node in the lowest non-empty bucket already has its final distance: any path
# through a node not yet settled is at least the bucket's floor plus one edge,
# i.e. two bucket widths more (the factor 2 leaves room for float rounding of
# the bucket index). So a bucket is emptied in any order without comparisons,
# and relaxations from it only land in later buckets. A node's distance is
# still ``min(dist[u] + w)`` over its predecessors, the very float64 sums of
# the heap and networkx. Buckets are circular (``n_buckets`` > largest
# weight / width + 2) singly linked lists of entries with lazy deletion: an
# entry is stale when its node's distance now falls in a lower (already
# emptied) bucket; an entry a whole circle ahead (a seed with a large offset)
# is put back; a node entered twice in the same bucket is expanded
# twice with the same distance, which changes nothing the second time.


def bucket_width(weights: NDArray[np.float64]) -> tuple[float, int]:
    """(width, number of circular buckets) for a :class:`BucketQueue`; (0, 0) = use the heap.

    The bucket queue is used when it needs at most 2**22 buckets (largest / smallest weight up
    to about two million); otherwise the heap serves.
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


@overload(_q_open, inline="always")
def _ov_open(q):  # type: ignore[no-untyped-def]
    if _is_heap(q):
        return lambda q: (_Heap(0), q.keys, q.nodes, q.nodes, 0.0, np.int64(0))
    return lambda q: (_Buckets(0), q.head, q.nodes, q.link, q.inv_width,
                      (np.int64(2**62), np.int64(-1), np.int64(0), np.int64(0)))


@overload(_q_push, inline="always")
def _ov_push(kind, f0, f1, f2, x, state, d, v):  # type: ignore[no-untyped-def]
    if _is_heap(kind):  # f0, f1: keys, nodes
        return lambda kind, f0, f1, f2, x, state, d, v: np.int64(_push(f0, f1, state, d, v))

    def buckets(kind, f0, f1, f2, x, state, d, v):  # type: ignore[no-untyped-def]
        # f0: head, f1: nodes, f2: link, x: inv_width
        cur, e0, active, ne = state
        b = np.int64(d * x)
        j = b % f0.shape[0]
        f1[ne] = v
        f2[ne] = f0[j]
        f0[j] = ne
        # before the first pop, cur is one below the lowest seed's bucket (the pop moves up
        # first); later pushes land at least one bucket above cur and leave it
        return (min(cur, b - 1), e0, active + 1, ne + 1)
    return buckets


@overload(_q_pop, inline="always")
def _ov_pop(kind, f0, f1, f2, x, state, dist):  # type: ignore[no-untyped-def]
    if _is_heap(kind):
        def heap(kind, f0, f1, f2, x, state, dist):  # type: ignore[no-untyped-def]
            size = state  # f0: keys, f1: nodes
            if size == 0:
                return np.int64(-1), 0.0, size
            d = f0[0]
            u = np.int64(f1[0])
            return u, d, np.int64(_pop(f0, f1, size))  # may be stale: see _search
        return heap

    def buckets(kind, f0, f1, f2, x, state, dist):  # type: ignore[no-untyped-def]
        # f0: head, f1: nodes, f2: link, x: inv_width
        cur, e0, active, ne = state
        nb = f0.shape[0]
        while True:
            while e0 >= 0:
                u = np.int64(f1[e0])
                e_here = e0
                e0 = np.int64(f2[e0])
                d = dist[u]
                b = np.int64(d * x)
                if b > cur:  # a seed a whole circle ahead: keep it for its turn
                    j = cur % nb
                    f2[e_here] = f0[j]
                    f0[j] = e_here
                    continue
                active -= 1
                if b == cur:  # else stale: settled in an earlier bucket
                    return u, d, (cur, e0, active, ne)
            if active == 0:
                return np.int64(-1), 0.0, (cur, e0, active, ne)
            cur += 1
            j = cur % nb
            e0 = np.int64(f0[j])
            f0[j] = -1
    return buckets


@njit(cache=True, nogil=True)
def _search(indptr: NDArray[np.int64], indices: NDArray[np.int32], weights: NDArray[np.float64],
            seed_nodes: NDArray[np.int64], seed_offsets: NDArray[np.float64],
            seed_labels: NDArray[np.int64], cutoff: float, dist: NDArray[np.float64],
            label: NDArray[np.int64] | None, touched: NDArray[np.int32] | None,
            q: HeapQueue | BucketQueue) -> int:
    """Seeded Dijkstra into ``dist`` (all inf on entry) on queue ``q``; return the reached count.

    With ``label`` (all -1 on entry) each node gets the label of the seed its
    shortest path starts from, exact ties to the smallest. With ``touched``
    (room for every node) the reached nodes are listed there, each ending with
    its final (finite, ``<= cutoff``) distance, so the caller can use them and
    reset ``dist`` to ``inf`` on just those nodes — the cost of a search is then
    its reach, not the graph's size. Without ``touched`` the count is 0.
    ``seed_labels`` is read only with ``label``.
    """
    kind, f0, f1, f2, x, state = _q_open(q)
    cnt = 0
    for k in range(seed_nodes.shape[0]):
        s = seed_nodes[k]
        o = seed_offsets[k]
        if o > cutoff:
            continue
        ds = dist[s]
        if o < ds:
            if touched is not None:
                if ds == np.inf:
                    touched[cnt] = s
                    cnt += 1
            dist[s] = o
            if label is not None:
                label[s] = seed_labels[k]
            state = _q_push(kind, f0, f1, f2, x, state, o, s)
        elif label is not None:
            if o == ds and seed_labels[k] < label[s]:
                label[s] = seed_labels[k]
    while True:
        u, d, state = _q_pop(kind, f0, f1, f2, x, state, dist)
        if u < 0:
            break
        if d > dist[u]:  # a stale heap entry: pushed again since with fewer minutes
            continue
        if label is not None:
            lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd > cutoff:
                continue
            dv = dist[v]
            if nd < dv:
                if touched is not None:
                    if dv == np.inf:
                        touched[cnt] = v
                        cnt += 1
                dist[v] = nd
                if label is not None:
                    label[v] = lu
                state = _q_push(kind, f0, f1, f2, x, state, nd, v)
            elif label is not None:
                if nd == dv and lu < label[v]:
                    label[v] = lu
    return cnt


@njit(cache=True, nogil=True)
def _reach_arrays(n: int, cap: int, width: float, n_buckets: int
                  ) -> tuple[NDArray[np.float64], NDArray[np.int32], HeapQueue, BucketQueue]:
    """Work arrays of one thread's run of :func:`_reach` searches: ``dist`` (all inf),
    ``touched`` and both queues, the one not used (by ``n_buckets``) of minimal size."""
    nodes = np.empty(cap, dtype=np.int32)
    heap = HeapQueue(np.empty(cap if n_buckets == 0 else 1, dtype=np.float64), nodes)
    buckets = BucketQueue(np.full(max(n_buckets, 1), -1, dtype=np.int32), nodes,
                          np.empty(cap if n_buckets > 0 else 1, dtype=np.int32),
                          1.0 / width if n_buckets > 0 else 0.0)
    return np.full(n, np.inf), np.empty(n, dtype=np.int32), heap, buckets


@njit(cache=True, nogil=True, inline="always")
def _reach(indptr: NDArray[np.int64], indices: NDArray[np.int32], weights: NDArray[np.float64],
           seed_nodes: NDArray[np.int64], seed_offsets: NDArray[np.float64],
           seed_labels: NDArray[np.int64], cutoff: float, dist: NDArray[np.float64],
           label: NDArray[np.int64] | None, touched: NDArray[np.int32] | None, heap: HeapQueue,
           buckets: BucketQueue) -> int:
    """:func:`_search` on the buckets if they have a width, else on the heap."""
    if buckets.inv_width > 0:
        return _search(indptr, indices, weights, seed_nodes, seed_offsets, seed_labels, cutoff,
                       dist, label, touched, buckets)
    return _search(indptr, indices, weights, seed_nodes, seed_offsets, seed_labels, cutoff, dist,
                   label, touched, heap)


@njit(cache=True, nogil=True)
def multi_source(indptr: NDArray[np.int64], indices: NDArray[np.int32],
                 weights: NDArray[np.float64], seed_nodes: NDArray[np.int64],
                 seed_offsets: NDArray[np.float64], seed_labels: NDArray[np.int64], cutoff: float,
                 width: float = 0.0, n_buckets: int = 0
                ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One Dijkstra from many seeds; return (minutes per node, label per node).

    Unreached nodes have ``inf`` and label ``-1``. ``n_buckets > 0``: on the
    bucket queue (``width``, ``n_buckets`` from :func:`bucket_width`); else the heap.
    """
    n = indptr.shape[0] - 1
    dist, _, heap, buckets = _reach_arrays(n, indices.shape[0] + seed_nodes.shape[0] + 1, width,
                                           n_buckets)
    label = np.full(n, -1, dtype=np.int64)
    _reach(indptr, indices, weights, seed_nodes, seed_offsets, seed_labels, cutoff, dist, label,
           None, heap, buckets)
    return dist, label


@njit(cache=True, parallel=True)
def batch_catchment(indptr: NDArray[np.int64], indices: NDArray[np.int32],
                    weights: NDArray[np.float64], src_ptr: NDArray[np.int64],
                    src_nodes: NDArray[np.int64], src_offsets: NDArray[np.float64], cutoff: float,
                    cell_a: NDArray[np.int64], cell_oa: NDArray[np.float64],
                    cell_b: NDArray[np.int64], cell_ob: NDArray[np.float64],
                    cell_pop: NDArray[np.float64], thresholds: NDArray[np.float64], n_chunks: int
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
            _search(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                    src_nodes[lo:hi], cutoff, dist, None, None, HeapQueue(hd, hn))
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
def batch_distances(indptr: NDArray[np.int64], indices: NDArray[np.int32],
                    weights: NDArray[np.float64], src_ptr: NDArray[np.int64],
                    src_nodes: NDArray[np.int64], src_offsets: NDArray[np.float64], cutoff: float
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
        _search(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi], src_nodes[lo:hi],
                cutoff, out[i], None, None, HeapQueue(hd, hn))
    return out


@njit(cache=True, parallel=True)
def batch_catchment_scatter(indptr: NDArray[np.int64], indices: NDArray[np.int32],
                            weights: NDArray[np.float64], src_ptr: NDArray[np.int64],
                            src_nodes: NDArray[np.int64], src_offsets: NDArray[np.float64],
                            src_pop: NDArray[np.float64], cutoff: float, tgt_a: NDArray[np.int64],
                            tgt_oa: NDArray[np.float64], tgt_b: NDArray[np.int64],
                            tgt_ob: NDArray[np.float64], thresholds: NDArray[np.float64],
                            n_chunks: int) -> NDArray[np.float64]:
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
            _search(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                    src_nodes[lo:hi], cutoff, dist, None, None, HeapQueue(hd, hn))
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


@njit(cache=True, parallel=True)
def scatter_to_nodes(indptr: NDArray[np.int64], indices: NDArray[np.int32],
                     weights: NDArray[np.float64], src_ptr: NDArray[np.int64],
                     src_nodes: NDArray[np.int64], src_offsets: NDArray[np.float64],
                     src_weight: NDArray[np.float64], thresholds: NDArray[np.float64],
                     n_chunks: int, width: float = 0.0, n_buckets: int = 0
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
        dist, touched, heap, buckets = _reach_arrays(n, cap, width, n_buckets)
        for i in range(ch, ns, nchunks):
            p = src_weight[i]
            if p == 0.0:
                continue
            lo = src_ptr[i]
            hi = src_ptr[i + 1]
            cnt = _reach(indptr, indices, weights, src_nodes[lo:hi], src_offsets[lo:hi],
                         src_nodes[lo:hi], cutoff, dist, None, touched, heap, buckets)
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
def gather_sum(indptr: NDArray[np.int64], indices: NDArray[np.int32], weights: NDArray[np.float64],
               values: NDArray[np.float64], cutoff: float, n_chunks: int, width: float = 0.0,
               n_buckets: int = 0) -> tuple[NDArray[np.float64], int]:
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
        dist, touched, heap, buckets = _reach_arrays(n, cap, width, n_buckets)
        seed = np.zeros(1, dtype=np.int64)
        off = np.zeros(1)
        for v in range(ch, n, nchunks):
            seed[0] = v
            cnt = _reach(indptr, indices, weights, seed, off, seed, cutoff, dist, None, touched,
                         heap, buckets)
            settled[ch] += cnt
            s = 0.0
            for j in range(cnt):
                u = touched[j]
                s += values[u]
                dist[u] = np.inf
            out[v] = s
    return out, int(settled.sum())
