"""The histogram splitter's builders: depth-first and best-first, as ``tree._builder``'s.

Each node waiting to be split owns a slot of a pool of histograms (``tree._hist``). Splitting
a node sums the smaller child's histograms from its samples into a free slot and subtracts
them from the node's own, which become the larger child's; a leaf frees its slot. The pool
grows when more nodes wait than it has slots. ``split_bin_node`` is the one evaluation of a
node both builders use. With categorical features (``cat`` a ``Categorical``, else None and
compiled without them) the scan, the choice and the partition are ``tree._categorical_hist``'s.
"""

from collections import namedtuple

import numpy as np

from tree._builder import _heap_pop, _heap_push, is_leaf_node, store_node, store_split, undo_split
from tree._bundles import FEATURE
from tree._categorical import store_categorical
from tree._categorical_hist import chosen_any_bin_split, partition_any, scan_any_bins
from tree._criterion import EPSILON, node_impurity
from tree._hist import (
    STATS,
    Histograms,
    bin_candidates,
    chosen_bin_split,
    fill_histograms,
    node_totals,
    partition_samples,
    scan_bins,
    subtract_histograms,
)
from tree._jit import borrowing_entry, borrowing_kernel, kernel

Pool = namedtuple("Pool", ["values", "occupied", "n_occupied"])  # Histograms of every slot


@kernel
def slot_of(pool, slot):
    """The ``Histograms`` of one slot of the pool (a runtime kernel: the builders, compiled with
    numba's runtime, own the views it returns; see ``tree._jit``)."""
    return Histograms(pool.values[slot], pool.occupied[slot], pool.n_occupied[slot])


@kernel
def _new_pool(data, criterion, capacity):
    """``capacity`` histogram slots, all free and zero: ``(pool, free, n_free)``."""
    d = data.codes.shape[1]
    n_bins = data.missing_bin + 1
    pool = Pool(
        np.zeros((capacity, d, n_bins, STATS + criterion.n_classes)),
        np.zeros((capacity, d, n_bins), dtype=np.int32),
        np.zeros((capacity, d), dtype=np.int64),
    )
    return pool, np.arange(capacity)[::-1].copy(), capacity


POOL_SLOTS = 40  # what a deep subtree of tens of thousands of samples needs
POOL_BYTES = 32 * 2**20  # the most a first pool takes


@borrowing_kernel
def first_pool_slots(data, criterion, rules, root):
    """The first pool's number of slots for a depth-first build from ``root``: as many as its
    nodes can wait at once (one per level below it), up to ``POOL_SLOTS`` and ``POOL_BYTES``.
    Sized so rather than grown from a few, the pool is never copied in a deep tree (two copies
    alive while growing made a third of the fit's memory at 1M x 20)."""
    d = data.codes.shape[1]
    slot_bytes = d * (data.missing_bin + 1) * (STATS + criterion.n_classes) * 8
    levels = min(rules.max_depth - root.depth, root.end - root.start) + 2
    return max(min(levels, POOL_SLOTS, POOL_BYTES // slot_bytes), 2)


@kernel
def _grown(pool, free, n_free):
    """A pool with twice the slots, the new ones free (and zero)."""
    capacity = pool.values.shape[0]
    values = np.zeros((2 * capacity,) + pool.values.shape[1:])
    occupied = np.zeros((2 * capacity,) + pool.occupied.shape[1:], dtype=np.int32)
    n_occupied = np.zeros((2 * capacity,) + pool.n_occupied.shape[1:], dtype=np.int64)
    values[:capacity] = pool.values
    occupied[:capacity] = pool.occupied
    n_occupied[:capacity] = pool.n_occupied
    free_bigger = np.empty(2 * capacity, dtype=np.int64)
    free_bigger[:n_free] = free[:n_free]
    for k in range(capacity):
        free_bigger[n_free + k] = capacity + k
    return Pool(values, occupied, n_occupied), free_bigger, n_free + capacity


@borrowing_entry
def split_bin_node(data, criterion, rules, ws, cat, hist, start, end, depth, impurity):
    """Evaluate the node ``[start, end)`` on its histograms ``hist`` (its statistics into
    ``ws.totals``; ``impurity`` inf: compute it; a categorical split's bitset into
    ``cat.chosen``).

    Returns ``(w_node, impurity, feature, bin, missing_left, threshold, impurity_left,
    impurity_right, improvement, missing_go_to_left)``, feature -1 for a leaf.
    """
    n_node = end - start
    _, w_node = node_totals(data, hist, ws.totals)
    if np.isinf(impurity):
        impurity = node_impurity(criterion.code, ws.totals, criterion.n_classes, w_node)
    leaf = (w_node, impurity, -1, 0, False, 0.0, impurity, impurity, 0.0, 0)
    if is_leaf_node(rules, depth, n_node, w_node, impurity):
        return leaf
    m = bin_candidates(data, rules, ws, hist, start, end)
    for j in range(m):
        f = ws.features[j]
        left = ws.candidate_stats[j]
        if cat is None:
            pos, num, den = scan_bins(
                data, criterion, rules, hist, f, n_node, w_node, ws.totals, left
            )
        else:
            pos, num, den = scan_any_bins(
                data, criterion, rules, cat, hist, f, n_node, w_node, ws.totals, left
            )
        ws.best_pos[j] = pos
        ws.proxy_num[j] = num
        ws.proxy_den[j] = den
    if cat is None:
        split = chosen_bin_split(data, criterion, ws, hist, m, n_node, w_node, impurity)
    else:
        split = chosen_any_bin_split(
            data, criterion, rules, ws, cat, hist, m, n_node, w_node, impurity
        )
    feature, b, missing_left, threshold, _ = split[:5]
    imp_left, imp_right, improvement, missing_flag = split[5:]
    if feature < 0 or improvement + EPSILON < rules.min_impurity_decrease:
        return leaf
    return (
        w_node,
        impurity,
        feature,
        b,
        missing_left,
        threshold,
        imp_left,
        imp_right,
        improvement,
        missing_flag,
    )


@kernel
def children_histograms(data, criterion, scratch, pool, free, n_free, slot, start, pos, end):
    """The children's histograms after the node in ``slot`` split at ``pos``: the smaller
    child's summed into a free slot, the node's own becoming the larger child's by subtraction.

    Returns ``(pool, free, n_free, left_slot, right_slot)`` (the pool grows when full).
    """
    if n_free == 0:
        pool, free, n_free = _grown(pool, free, n_free)
    n_free -= 1
    new_slot = free[n_free]
    left_smaller = pos - start <= end - pos
    if left_smaller:
        fill_histograms(data, criterion, scratch, start, pos, slot_of(pool, new_slot))
    else:
        fill_histograms(data, criterion, scratch, pos, end, slot_of(pool, new_slot))
    subtract_histograms(data, slot_of(pool, slot), slot_of(pool, new_slot))
    if left_smaller:
        return pool, free, n_free, new_slot, slot
    return pool, free, n_free, slot, new_slot


@kernel
def copy_histograms(source, target):
    """``target`` becomes a copy of the ``Histograms`` ``source``."""
    target.values[:] = source.values
    target.occupied[:] = source.occupied
    target.n_occupied[:] = source.n_occupied


@borrowing_kernel
def partition_node(data, scratch, cat, start, end, node_id, feature, b, missing_left):
    """Partition the node by its split (numeric, or categorical by its kept bitset)."""
    if cat is None:
        return partition_samples(data, scratch, start, end, feature, b, missing_left)
    bits = cat.node_bitsets[node_id]
    return partition_any(data, scratch, cat, start, end, feature, b, missing_left, bits)


@kernel
def build_hist_depth_first(data, criterion, rules, ws, scratch, nodes, root, root_hist, cat):
    """Grow the (sub)tree of the segment ``[root.start, root.end)`` of the binned ``data``
    depth-first into ``nodes`` (rows from 0); ``root_hist`` its histograms, or None to sum them;
    ``cat`` None, or the ``Categorical`` that keeps the nodes' bitsets.
    Returns ``(node_count, max_depth)``."""
    pool, free, n_free = _new_pool(data, criterion, first_pool_slots(data, criterion, rules, root))
    # the stack: start, end, depth, parent, is_left, slot; impurity
    n_root = root.end - root.start
    st_i = np.empty((2 * n_root + 2, 6), dtype=np.int64)
    st_f = np.empty(2 * n_root + 2, dtype=np.float64)
    n_free -= 1
    root_slot = free[n_free]
    if root_hist is None:
        fill_histograms(data, criterion, scratch, root.start, root.end, slot_of(pool, root_slot))
    else:
        copy_histograms(root_hist, slot_of(pool, root_slot))
    st_i[0, 0] = root.start
    st_i[0, 1] = root.end
    st_i[0, 2] = root.depth
    st_i[0, 3] = -1
    st_i[0, 4] = 0
    st_i[0, 5] = root_slot
    st_f[0] = root.impurity
    top = 1
    node_count = np.int64(0)
    max_depth_seen = root.depth
    while top > 0:
        top -= 1
        start, end, depth, parent = st_i[top, 0], st_i[top, 1], st_i[top, 2], st_i[top, 3]
        is_left = st_i[top, 4] == 1
        slot = st_i[top, 5]
        split = split_bin_node(
            data, criterion, rules, ws, cat, slot_of(pool, slot), start, end, depth, st_f[top]
        )
        w_node, impurity, feature, b, missing_left, threshold = split[:6]
        imp_left, imp_right, _, missing_flag = split[6:]
        is_leaf = feature < 0
        n_node = end - start
        node_id = node_count
        node_count += 1
        store_node(nodes, criterion, node_id, parent, is_left, n_node, w_node, impurity, ws.totals)
        max_depth_seen = max(max_depth_seen, depth)
        if is_leaf:
            free[n_free] = slot
            n_free += 1
            continue
        store_split(nodes, node_id, feature, threshold, missing_flag)
        if cat is not None:
            store_categorical(cat, node_id, feature)
        pos = partition_node(data, scratch, cat, start, end, node_id, feature, b, missing_left)
        pool, free, n_free, left_slot, right_slot = children_histograms(
            data, criterion, scratch, pool, free, n_free, slot, start, pos, end
        )
        # right first, so that the left child is popped (and numbered) first
        st_i[top, 0] = pos
        st_i[top, 1] = end
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 0
        st_i[top, 5] = right_slot
        st_f[top] = imp_right
        top += 1
        st_i[top, 0] = start
        st_i[top, 1] = pos
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 1
        st_i[top, 5] = left_slot
        st_f[top] = imp_left
        top += 1
    return node_count, max_depth_seen


@kernel
def build_hist_best_first(data, criterion, rules, ws, scratch, nodes, max_leaf_nodes, cat):
    """Grow a tree best-first on the binned ``data`` with at most ``max_leaf_nodes`` leaves
    (as ``tree._builder.build_best_first``; ``cat`` as for ``build_hist_depth_first``);
    ``(node_count, max_depth)``."""
    n = data.samples.shape[0]
    cap = nodes.ints.shape[0]
    pool, free, n_free = _new_pool(data, criterion, 8)
    # per node: start, end, depth, slot (-1: none), bin, missing_left; improvement,
    # impurity_left, impurity_right
    rec_i = np.empty((cap, 6), dtype=np.int64)
    rec_f = np.empty((cap, 3), dtype=np.float64)
    heap_key = np.empty(cap, dtype=np.float64)
    heap_id = np.empty(cap, dtype=np.int64)
    node_count = np.int64(0)
    heap_size = 0
    max_split_nodes = max_leaf_nodes - 1
    max_depth_seen = 0
    n_free -= 1
    slots = np.empty(2, dtype=np.int64)
    slots[0] = free[n_free]
    fill_histograms(data, criterion, scratch, 0, n, slot_of(pool, slots[0]))
    starts = np.zeros(2, dtype=np.int64)
    ends = np.full(2, n, dtype=np.int64)
    impurities = np.full(2, np.inf)
    n_pending = 1
    parent = -1
    child_depth = 0
    while True:
        for k in range(n_pending):
            start, end, slot = starts[k], ends[k], slots[k]
            split = split_bin_node(
                data,
                criterion,
                rules,
                ws,
                cat,
                slot_of(pool, slot),
                start,
                end,
                child_depth,
                impurities[k],
            )
            w_node, impurity, feature, b, missing_left, threshold = split[:6]
            imp_left, imp_right, improvement, missing_flag = split[6:]
            node_id = node_count
            node_count += 1
            store_node(
                nodes, criterion, node_id, parent, k == 0, end - start, w_node, impurity,
                ws.totals,
            )  # fmt: skip
            if feature >= 0:
                store_split(nodes, node_id, feature, threshold, missing_flag)
                if cat is not None:
                    store_categorical(cat, node_id, feature)
            else:
                free[n_free] = slot  # a leaf: its histograms are not needed
                n_free += 1
                slot = -1
            rec_i[node_id, 0] = start
            rec_i[node_id, 1] = end
            rec_i[node_id, 2] = child_depth
            rec_i[node_id, 3] = slot
            rec_i[node_id, 4] = b
            rec_i[node_id, 5] = 1 if missing_left else 0
            rec_f[node_id, 0] = improvement
            rec_f[node_id, 1] = imp_left
            rec_f[node_id, 2] = imp_right
            heap_size = _heap_push(heap_key, heap_id, heap_size, improvement, node_id)
        if heap_size == 0:
            break
        node_id, heap_size = _heap_pop(heap_key, heap_id, heap_size)
        depth = rec_i[node_id, 2]
        slot = rec_i[node_id, 3]
        max_depth_seen = max(max_depth_seen, depth)
        n_pending = 0
        if slot < 0 or max_split_nodes <= 0:
            undo_split(nodes, node_id)
            if slot >= 0:
                free[n_free] = slot
                n_free += 1
            continue
        max_split_nodes -= 1
        start, end = rec_i[node_id, 0], rec_i[node_id, 1]
        pos = partition_node(
            data, scratch, cat, start, end, node_id, nodes.ints[node_id, FEATURE],
            rec_i[node_id, 4], rec_i[node_id, 5] == 1,
        )  # fmt: skip
        pool, free, n_free, left_slot, right_slot = children_histograms(
            data, criterion, scratch, pool, free, n_free, slot, start, pos, end
        )
        starts[0], ends[0], impurities[0] = start, pos, rec_f[node_id, 1]
        starts[1], ends[1], impurities[1] = pos, end, rec_f[node_id, 2]
        slots[0] = left_slot
        slots[1] = right_slot
        n_pending = 2
        parent = node_id
        child_depth = depth + 1
    return node_count, max_depth_seen
