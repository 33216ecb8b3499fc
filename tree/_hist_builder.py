"""The histogram splitter's builder: depth-first, as ``tree._builder.build_depth_first``.

Each node on the stack owns a slot of a pool of histograms (``tree._hist``). Splitting a node
sums the smaller child's histograms from its samples into a free slot and subtracts them from
the node's own, which become the larger child's; a leaf frees its slot. The pool grows when
the stack is deeper than it has slots.
"""

import numpy as np

from tree._builder import is_leaf_node, store_node, store_split
from tree._criterion import EPSILON, node_impurity
from tree._hist import (
    STATS,
    bin_candidates,
    chosen_bin_split,
    fill_histograms,
    node_totals,
    partition_samples,
    scan_bins,
    subtract_histograms,
)
from tree._jit import kernel


@kernel
def _grown(pool, free, n_free):
    """A pool with twice the slots, the new ones free."""
    capacity = pool.shape[0]
    bigger = np.empty((2 * capacity,) + pool.shape[1:], dtype=np.float64)
    bigger[:capacity] = pool
    free_bigger = np.empty(2 * capacity, dtype=np.int64)
    free_bigger[:n_free] = free[:n_free]
    for k in range(capacity):
        free_bigger[n_free + k] = capacity + k
    return bigger, free_bigger, n_free + capacity


@kernel
def build_hist_depth_first(data, criterion, rules, ws, scratch, nodes):
    """Grow the tree of the binned ``data`` depth-first into ``nodes``; ``(node_count,
    max_depth)``."""
    d = data.codes.shape[0]
    n = data.samples.shape[0]
    pool = np.empty((8, d, data.missing_bin + 1, STATS + criterion.n_classes))
    free = np.arange(8)[::-1].copy()
    n_free = 8
    # the stack: start, end, depth, parent, is_left, slot; impurity
    st_i = np.empty((2 * n + 2, 6), dtype=np.int64)
    st_f = np.empty(2 * n + 2, dtype=np.float64)
    n_free -= 1
    root_slot = free[n_free]
    fill_histograms(data, criterion, scratch, 0, n, pool[root_slot])
    st_i[0, 0] = 0
    st_i[0, 1] = n
    st_i[0, 2] = 0
    st_i[0, 3] = -1
    st_i[0, 4] = 0
    st_i[0, 5] = root_slot
    st_f[0] = np.inf
    top = 1
    node_count = np.int64(0)
    max_depth_seen = 0
    totals = ws.totals
    while top > 0:
        top -= 1
        start, end, depth, parent = st_i[top, 0], st_i[top, 1], st_i[top, 2], st_i[top, 3]
        is_left = st_i[top, 4] == 1
        slot = st_i[top, 5]
        impurity = st_f[top]
        n_node = end - start
        _, w_node = node_totals(data, pool[slot], totals)
        if np.isinf(impurity):
            impurity = node_impurity(criterion.code, totals, criterion.n_classes, w_node)
        is_leaf = is_leaf_node(rules, depth, n_node, w_node, impurity)
        if not is_leaf:
            hist = pool[slot]
            m = bin_candidates(data, rules, ws, hist, start, end)
            for j in range(m):
                f = ws.features[j]
                pos, num, den = scan_bins(
                    data, criterion, rules, hist[f], f, n_node, w_node, totals,
                    ws.candidate_stats[j],
                )  # fmt: skip
                ws.best_pos[j] = pos
                ws.proxy_num[j] = num
                ws.proxy_den[j] = den
            split = chosen_bin_split(data, criterion, ws, hist, m, n_node, w_node, impurity)
            feature, b, missing_left, threshold, n_left = split[:5]
            imp_left, imp_right, improvement, missing_flag = split[5:]
            is_leaf = feature < 0 or improvement + EPSILON < rules.min_impurity_decrease
        node_id = node_count
        node_count += 1
        store_node(nodes, criterion, node_id, parent, is_left, n_node, w_node, impurity, totals)
        max_depth_seen = max(max_depth_seen, depth)
        if is_leaf:
            free[n_free] = slot
            n_free += 1
            continue
        store_split(nodes, node_id, feature, threshold, missing_flag)
        pos = partition_samples(data, scratch, start, end, feature, b, missing_left)
        if n_free == 0:
            pool, free, n_free = _grown(pool, free, n_free)
        n_free -= 1
        new_slot = free[n_free]
        left_smaller = pos - start <= end - pos
        if left_smaller:
            fill_histograms(data, criterion, scratch, start, pos, pool[new_slot])
        else:
            fill_histograms(data, criterion, scratch, pos, end, pool[new_slot])
        subtract_histograms(data, pool[slot], pool[new_slot])
        # right first, so that the left child is popped (and numbered) first
        st_i[top, 0] = pos
        st_i[top, 1] = end
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 0
        st_i[top, 5] = slot if left_smaller else new_slot
        st_f[top] = imp_right
        top += 1
        st_i[top, 0] = start
        st_i[top, 1] = pos
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 1
        st_i[top, 5] = new_slot if left_smaller else slot
        st_f[top] = imp_left
        top += 1
    return node_count, max_depth_seen
