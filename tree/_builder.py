"""Tree growth kernels: depth-first (scikit-learn's default) and best-first (``max_leaf_nodes``).

Both builders number nodes as scikit-learn does: depth-first in preorder (left child first),
best-first in order of creation (the children of the expanded node, left then right). The
nodes are kept in three arrays with room for every node the tree can have (fewer than twice its
samples, or its leaves for best-first; rows never written cost no memory):

- ``node_i`` int64 ``(capacity, 5)``: left child, right child, feature, n_node_samples,
  missing_go_to_left;
- ``node_f`` float64 ``(capacity, 3)``: threshold, impurity, weighted_n_node_samples;
- ``node_v`` float64 ``(capacity, n_classes)``: the weighted class fractions.

The kernels are serial and release the GIL; ``tree._grow`` runs them on threads (the top
nodes with their features split between threads, then whole subtrees concurrently). Nodes of
at most ``SMALL_NODE`` samples are grown, with their whole subtree, by ``tree._small``.

Ties between splits of equal proxy improvement go to the lowest feature index, then the lowest
threshold, so with ``max_features=None`` and the best splitter no random number is drawn.
"""

import numpy as np
from numba import njit

from tree._criterion import MAE, MSE, node_impurity
from tree._node import finish_split, prepare_candidates
from tree._small import EPSILON, SMALL_NODE, grow_small_subtree, search_small
from tree._splitter import (
    children_are_leaves,
    mark_left,
    node_totals,
    partition_serial,
    partition_small,
    search_serial,
    split_skip,
)
from tree._tree import TREE_LEAF, TREE_UNDEFINED

DEFERRED = -3  # child pointer DEFERRED - k: the k-th deferred subtree (tree._grow)


# explicit loops, not slice assignment: numba's broadcast error path costs seconds to compile
@njit(cache=True, nogil=True)
def _grow_rows(a, n_rows):
    out = np.empty((n_rows, a.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = a[i, j]
    return out


@njit(cache=True, nogil=True)
def _grow_1d(a, n):
    out = np.empty(n, dtype=a.dtype)
    for i in range(a.shape[0]):
        out[i] = a[i]
    return out


@njit(cache=True, nogil=True)
def _find_split(
    order,
    values,
    labels,
    start,
    end,
    wmode,
    class_w,
    weights,
    tot,
    w_node,
    w_total,
    impurity,
    n_classes,
    crit,
    random_mode,
    max_features,
    min_samples_leaf,
    min_weight_leaf,
    small_node,
    table,
    use_table,
    rng,
    ws_i,
    ws_f,
    lc_scratch,
    lc,
):
    """Best split of the node ``[start, end)`` (see ``finish_split``)."""
    m = prepare_candidates(values, start, end, max_features, random_mode, rng, ws_i, ws_f)
    if end - start <= small_node and not random_mode and crit != MAE:
        search_small(
            m,
            ws_i[1],
            order,
            values,
            labels,
            start,
            end,
            wmode,
            class_w,
            weights,
            tot,
            w_node,
            n_classes,
            crit,
            min_samples_leaf,
            min_weight_leaf,
            table,
            use_table,
            lc_scratch,
            ws_i[2],
            ws_f[1],
            ws_f[2],
        )
    else:
        search_serial(
            m,
            ws_i[1],
            order,
            values,
            labels,
            start,
            end,
            wmode,
            class_w,
            weights,
            tot,
            w_node,
            n_classes,
            crit,
            min_samples_leaf,
            min_weight_leaf,
            table,
            use_table,
            random_mode,
            ws_f[0],
            ws_i[3],
            lc_scratch,
            ws_i[2],
            ws_f[1],
            ws_f[2],
        )
    return finish_split(
        m,
        order,
        values,
        labels,
        start,
        end,
        wmode,
        class_w,
        weights,
        tot,
        w_node,
        w_total,
        impurity,
        n_classes,
        crit,
        random_mode,
        ws_i,
        ws_f,
        lc,
    )


@njit(cache=True, nogil=True)
def _apply_split(
    order,
    values,
    labels,
    start,
    end,
    feature,
    threshold,
    missing_left,
    goes_left,
    b_ord,
    b_val,
    b_lab,
    leaves_only=False,
):
    """Partition the node's segments after its split.

    With ``leaves_only`` (both children will be leaves) only feature 0 is partitioned: the
    leaves read their samples from it alone.
    """
    mark_left(order, values, feature, start, end, threshold, missing_left, goes_left)
    skip = split_skip(values, feature, end, missing_left)
    if end - start <= SMALL_NODE:
        n_partitioned = 1 if leaves_only else order.shape[0]
        partition_small(
            order, values, labels, start, end, skip, n_partitioned, goes_left, b_ord, b_val, b_lab
        )
        return
    if leaves_only:
        order = order[:1]
        values = values[:1]
        labels = labels[:1]
    partition_serial(order, values, labels, start, end, skip, goes_left, b_ord, b_val, b_lab)


@njit(cache=True, nogil=True)
def _store_node(
    node_i, node_f, node_v, node_id, parent, is_left, n_node, w_node, impurity, tot, n_classes, crit
):
    node_i[node_id, 0] = TREE_LEAF
    node_i[node_id, 1] = TREE_LEAF
    node_i[node_id, 2] = TREE_UNDEFINED
    node_i[node_id, 3] = n_node
    node_i[node_id, 4] = 0
    node_f[node_id, 0] = TREE_UNDEFINED
    node_f[node_id, 1] = impurity
    node_f[node_id, 2] = w_node
    if node_v.shape[1] == n_classes:
        for c in range(n_classes):
            node_v[node_id, c] = tot[c] / w_node
    elif crit == MAE:  # regression: the weighted median
        node_v[node_id, 0] = tot[0]
    else:  # regression: the weighted mean
        node_v[node_id, 0] = tot[0] / w_node
    if parent >= 0:
        if is_left:
            node_i[parent, 0] = node_id
        else:
            node_i[parent, 1] = node_id


@njit(cache=True, nogil=True)
def _set_split(node_i, node_f, node_id, feature, threshold, missing_left):
    node_i[node_id, 2] = feature
    node_i[node_id, 4] = missing_left
    node_f[node_id, 0] = threshold


def workspace(n, d, n_classes, n_chunks, label_dtype, buffer_size=None):
    """Scratch arrays of one build: goes-left bits, partition buffers, per-feature results."""
    size = n if buffer_size is None else buffer_size
    return (
        np.zeros((n + 63) // 64, dtype=np.uint64),  # goes-left bits
        np.empty((n_chunks, size), dtype=np.int32),
        np.empty((n_chunks, size), dtype=np.float32),
        np.empty((n_chunks, size), dtype=label_dtype),
        np.zeros((4, d), dtype=np.int64),  # perm, candidates, positions, random missing side
        np.empty((3, d), dtype=np.float64),  # random thresholds, proxy numerators, denominators
        np.empty((d, 2 * n_classes), dtype=np.float64),  # per candidate: left, missing stats
    )


@njit(cache=True, nogil=True)
def build_depth_first(
    order,
    values,
    labels,
    wmode,
    class_w,
    weights,
    w_total,
    n_classes,
    crit,
    random_mode,
    max_features,
    min_samples_split,
    min_samples_leaf,
    min_weight_leaf,
    max_depth,
    min_impurity_decrease,
    small_node,
    table,
    use_table,
    rng,
    goes_left,
    b_ord,
    b_val,
    b_lab,
    ws_i,
    ws_f,
    lc_scratch,
    root_start,
    root_end,
    root_depth,
    root_impurity,
):
    """Grow the (sub)tree of the segment ``[root_start, root_end)`` depth-first.

    ``root_impurity`` is the root's impurity, or ``inf`` to compute it. The subtrees of nodes of
    at most ``small_node`` samples (``tree._small.SMALL_NODE``; 0 in tests: the general path only)
    are grown by ``tree._small.grow_small_subtree`` in one call each, unless the splitter
    is random or the criterion is the absolute error.

    Returns ``(node_i, node_f, node_v, max_depth)``.
    """
    # room for every node a segment can have (fewer than twice its samples): the arrays never
    # grow, and the memory of rows never written is never touched
    cap = 2 * (root_end - root_start)
    node_i = np.empty((cap, 5), dtype=np.int64)
    node_f = np.empty((cap, 3), dtype=np.float64)
    node_v = np.empty((cap, 1 if crit >= MSE else n_classes), dtype=np.float64)
    tot = np.empty(n_classes, dtype=np.float64)
    lc = np.empty(n_classes, dtype=np.float64)
    # stack rows: start, end, depth, parent, is_left; impurity apart
    st_cap = 64
    st_i = np.empty((st_cap, 5), dtype=np.int64)
    st_f = np.empty(st_cap, dtype=np.float64)
    st_i[0, 0] = root_start
    st_i[0, 1] = root_end
    st_i[0, 2] = root_depth
    st_i[0, 3] = -1
    st_i[0, 4] = 0
    st_f[0] = root_impurity
    top = 1
    node_count = np.int64(0)  # not the literal 0: numba would compile callees for it too
    max_depth_seen = root_depth
    small_subtrees = not random_mode and crit != MAE
    while top > 0:
        top -= 1
        start = st_i[top, 0]
        end = st_i[top, 1]
        depth = st_i[top, 2]
        parent = st_i[top, 3]
        is_left = st_i[top, 4] == 1
        impurity = st_f[top]
        n_node = end - start
        if small_subtrees and n_node <= small_node:
            node_count, sub_depth = grow_small_subtree(
                order, values, labels, wmode, class_w, weights, w_total, n_classes, crit,
                max_features, min_samples_split, min_samples_leaf, min_weight_leaf, max_depth,
                min_impurity_decrease, table, use_table, rng, goes_left, b_ord, b_val, b_lab,
                ws_i, ws_f, lc_scratch, node_i, node_f, node_v, node_count, start, end, depth,
                impurity, parent, is_left, random_mode,
            )  # fmt: skip
            max_depth_seen = max(max_depth_seen, sub_depth)
            continue
        w_node = node_totals(order[0], labels[0], start, end, wmode, class_w, weights, crit, tot)
        if np.isinf(impurity):
            impurity = node_impurity(crit, tot, n_classes, w_node)
        is_leaf = (
            depth >= max_depth
            or n_node < min_samples_split
            or n_node < 2 * min_samples_leaf
            or w_node < 2 * min_weight_leaf
            or impurity <= EPSILON
        )
        feature = -1
        pos = end
        threshold = 0.0
        imp_left = 0.0
        imp_right = 0.0
        if not is_leaf:
            feature, pos, threshold, imp_left, imp_right, improvement, mgl = _find_split(
                order,
                values,
                labels,
                start,
                end,
                wmode,
                class_w,
                weights,
                tot,
                w_node,
                w_total,
                impurity,
                n_classes,
                crit,
                random_mode,
                max_features,
                min_samples_leaf,
                min_weight_leaf,
                small_node,
                table,
                use_table,
                rng,
                ws_i,
                ws_f,
                lc_scratch,
                lc,
            )
            is_leaf = feature < 0 or improvement + EPSILON < min_impurity_decrease
        node_id = node_count
        node_count += 1
        _store_node(
            node_i,
            node_f,
            node_v,
            node_id,
            parent,
            is_left,
            n_node,
            w_node,
            impurity,
            tot,
            n_classes,
            crit,
        )
        if depth > max_depth_seen:
            max_depth_seen = depth
        if is_leaf:
            continue
        _set_split(node_i, node_f, node_id, feature, threshold, mgl)
        _apply_split(
            order,
            values,
            labels,
            start,
            end,
            feature,
            threshold,
            mgl == 1,
            goes_left,
            b_ord,
            b_val,
            b_lab,
            children_are_leaves(
                start, pos, end, depth, max_depth, min_samples_split, min_samples_leaf
            ),
        )
        if top + 2 > st_cap:
            st_cap *= 2
            st_i = _grow_rows(st_i, st_cap)
            st_f = _grow_1d(st_f, st_cap)
        # right first, so that the left child is popped (and numbered) first
        st_i[top, 0] = pos
        st_i[top, 1] = end
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 0
        st_f[top] = imp_right
        top += 1
        st_i[top, 0] = start
        st_i[top, 1] = pos
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 1
        st_f[top] = imp_left
        top += 1
    return node_i[:node_count], node_f[:node_count], node_v[:node_count], max_depth_seen


@njit(cache=True, nogil=True)
def place_subtree(cols_i, cols_f, out_v, first, sub_i, sub_f, sub_v):
    """Copy a subtree numbered in preorder from 0 into the tree's columns from node ``first``.

    A subtree grown on its own is a contiguous block of the whole tree's preorder: its nodes
    keep their order, their child indices move by ``first``.
    """
    for row in range(sub_i.shape[0]):
        node = first + row
        for j in range(5):
            cols_i[j, node] = sub_i[row, j]
        if sub_i[row, 0] != TREE_LEAF:
            cols_i[0, node] += first
            cols_i[1, node] += first
        for j in range(3):
            cols_f[j, node] = sub_f[row, j]
        for j in range(sub_v.shape[1]):
            out_v[node, j] = sub_v[row, j]


@njit(cache=True, nogil=True)
def _heap_less(heap_key, heap_id, a, b):
    # is entry a of lower priority than entry b (smaller improvement; equal: larger node id)
    if heap_key[a] != heap_key[b]:
        return heap_key[a] < heap_key[b]
    return heap_id[a] > heap_id[b]


@njit(cache=True, nogil=True)
def _heap_push(heap_key, heap_id, size, key, node_id):
    i = size
    heap_key[i] = key
    heap_id[i] = node_id
    while i > 0:
        parent = (i - 1) >> 1
        if _heap_less(heap_key, heap_id, parent, i):
            heap_key[parent], heap_key[i] = heap_key[i], heap_key[parent]
            heap_id[parent], heap_id[i] = heap_id[i], heap_id[parent]
            i = parent
        else:
            break
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(heap_key, heap_id, size):
    top = heap_id[0]
    size -= 1
    heap_key[0] = heap_key[size]
    heap_id[0] = heap_id[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and _heap_less(heap_key, heap_id, left, left + 1):
            child = left + 1
        if _heap_less(heap_key, heap_id, i, child):
            heap_key[child], heap_key[i] = heap_key[i], heap_key[child]
            heap_id[child], heap_id[i] = heap_id[i], heap_id[child]
            i = child
        else:
            break
    return top, size


@njit(cache=True, nogil=True)
def build_best_first(
    order,
    values,
    labels,
    wmode,
    class_w,
    weights,
    w_total,
    n_classes,
    crit,
    random_mode,
    max_features,
    min_samples_split,
    min_samples_leaf,
    min_weight_leaf,
    max_depth,
    min_impurity_decrease,
    small_node,
    max_leaf_nodes,
    table,
    use_table,
    rng,
    goes_left,
    b_ord,
    b_val,
    b_lab,
    ws_i,
    ws_f,
    lc_scratch,
):
    """Grow a tree best-first (largest improvement first) with at most ``max_leaf_nodes`` leaves."""
    n = order.shape[1]
    cap = 2 * min(max_leaf_nodes, n) + 1
    node_i = np.empty((cap, 5), dtype=np.int64)
    node_f = np.empty((cap, 3), dtype=np.float64)
    node_v = np.empty((cap, 1 if crit >= MSE else n_classes), dtype=np.float64)
    # per node frontier record: start, end, pos, depth, is_leaf; improvement, imp_left, imp_right
    rec_i = np.empty((cap, 5), dtype=np.int64)
    rec_f = np.empty((cap, 3), dtype=np.float64)
    heap_key = np.empty(cap, dtype=np.float64)
    heap_id = np.empty(cap, dtype=np.int64)
    tot = np.empty(n_classes, dtype=np.float64)
    lc = np.empty(n_classes, dtype=np.float64)
    # int64 variables, not literals: numba would compile the helpers once more for a literal
    node_count = np.int64(0)
    heap_size = np.int64(0)
    max_split_nodes = max_leaf_nodes - 1
    max_depth_seen = 0
    # the root, then the children of each expanded node, are evaluated by the same code
    pending_start = np.empty(2, dtype=np.int64)
    pending_end = np.empty(2, dtype=np.int64)
    pending_imp = np.empty(2, dtype=np.float64)
    pending_start[0] = 0
    pending_end[0] = n
    pending_imp[0] = np.inf
    n_pending = 1
    parent = np.int64(-1)
    child_depth = np.int64(0)
    first = True
    while True:
        for k in range(n_pending):
            start = pending_start[k]
            end = pending_end[k]
            impurity = pending_imp[k]
            n_node = end - start
            w_node = node_totals(
                order[0], labels[0], start, end, wmode, class_w, weights, crit, tot
            )
            if first:
                impurity = node_impurity(crit, tot, n_classes, w_node)
                first = False
            is_leaf = (
                child_depth >= max_depth
                or n_node < min_samples_split
                or n_node < 2 * min_samples_leaf
                or w_node < 2 * min_weight_leaf
                or impurity <= EPSILON
            )
            feature = -1
            pos = end
            threshold = 0.0
            imp_left = impurity
            imp_right = impurity
            improvement = 0.0
            if not is_leaf:
                feature, pos, threshold, imp_left, imp_right, improvement, mgl = _find_split(
                    order,
                    values,
                    labels,
                    start,
                    end,
                    wmode,
                    class_w,
                    weights,
                    tot,
                    w_node,
                    w_total,
                    impurity,
                    n_classes,
                    crit,
                    random_mode,
                    max_features,
                    min_samples_leaf,
                    min_weight_leaf,
                    small_node,
                    table,
                    use_table,
                    rng,
                    ws_i,
                    ws_f,
                    lc_scratch,
                    lc,
                )
                is_leaf = feature < 0 or improvement + EPSILON < min_impurity_decrease
            if is_leaf:
                pos = end
                improvement = 0.0
                imp_left = impurity
                imp_right = impurity
            node_id = node_count
            node_count += 1
            _store_node(
                node_i,
                node_f,
                node_v,
                node_id,
                parent,
                k == 0,
                n_node,
                w_node,
                impurity,
                tot,
                n_classes,
                crit,
            )
            if not is_leaf:
                _set_split(node_i, node_f, node_id, feature, threshold, mgl)
            rec_i[node_id, 0] = start
            rec_i[node_id, 1] = end
            rec_i[node_id, 2] = pos
            rec_i[node_id, 3] = child_depth
            rec_i[node_id, 4] = 1 if is_leaf else 0
            rec_f[node_id, 0] = improvement
            rec_f[node_id, 1] = imp_left
            rec_f[node_id, 2] = imp_right
            heap_size = _heap_push(heap_key, heap_id, heap_size, improvement, node_id)
        if heap_size == 0:
            break
        node_id, heap_size = _heap_pop(heap_key, heap_id, heap_size)
        depth = rec_i[node_id, 3]
        if depth > max_depth_seen:
            max_depth_seen = depth
        n_pending = 0
        if rec_i[node_id, 4] == 1 or max_split_nodes <= 0:
            node_i[node_id, 0] = TREE_LEAF
            node_i[node_id, 1] = TREE_LEAF
            node_i[node_id, 2] = TREE_UNDEFINED
            node_f[node_id, 0] = TREE_UNDEFINED
            continue
        max_split_nodes -= 1
        start = rec_i[node_id, 0]
        end = rec_i[node_id, 1]
        pos = rec_i[node_id, 2]
        _apply_split(
            order,
            values,
            labels,
            start,
            end,
            node_i[node_id, 2],
            node_f[node_id, 0],
            node_i[node_id, 4] == 1,
            goes_left,
            b_ord,
            b_val,
            b_lab,
            children_are_leaves(
                start, pos, end, depth, max_depth, min_samples_split, min_samples_leaf
            ),
        )
        pending_start[0] = start
        pending_end[0] = pos
        pending_imp[0] = rec_f[node_id, 1]
        pending_start[1] = pos
        pending_end[1] = end
        pending_imp[1] = rec_f[node_id, 2]
        n_pending = 2
        parent = node_id
        child_depth = depth + 1
    return node_i[:node_count], node_f[:node_count], node_v[:node_count], node_count, max_depth_seen
