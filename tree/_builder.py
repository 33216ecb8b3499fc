"""Tree growth: depth-first (scikit-learn's default) and best-first (``max_leaf_nodes``).

Both builders number nodes as scikit-learn does: depth-first in preorder (left child first),
best-first in order of creation (the children of the expanded node, left then right). A
builder keeps the nodes in ``Nodes`` arrays with room for every node the tree can have (fewer
than twice its samples, or its leaves for best-first; rows never written cost no memory), and a
stack (depth-first) or a heap (best-first) of the nodes still to grow. Each node is one pass of
the same steps: its statistics, the stopping rules, ``find_split``, storing it, partitioning.

The builders are serial and release the GIL; ``tree._grow`` runs them on threads. The node
steps are borrowing kernels (``tree._jit``), so calling them per node costs no reference
counting.
"""

import numpy as np

from tree._bundles import (
    FEATURE,
    IMPURITY,
    LEFT,
    MISSING_LEFT,
    N_SAMPLES,
    RIGHT,
    THRESHOLD,
    WEIGHT,
    Nodes,
)
from tree._categorical import apply_any_split, find_split_categorical, store_categorical
from tree._criterion import EPSILON, MAE, node_impurity
from tree._jit import borrowing_entry, borrowing_kernel, kernel
from tree._mae_split import find_split_mae, mae_node_statistics
from tree._node import find_split
from tree._partition import apply_split
from tree._stats import node_statistics
from tree._tree import TREE_LEAF, TREE_UNDEFINED


def new_nodes(capacity, n_values):
    """Empty ``Nodes`` with room for ``capacity`` nodes of ``n_values`` values each."""
    return Nodes(
        np.empty((capacity, 5), dtype=np.int64),
        np.empty((capacity, 3), dtype=np.float64),
        np.empty((capacity, n_values), dtype=np.float64),
    )


@borrowing_entry
def is_leaf_node(rules, depth, n_node, w_node, impurity):
    """The stopping rules checked before a node's split search."""
    return (
        depth >= rules.max_depth
        or n_node < rules.min_samples_split
        or n_node < 2 * rules.min_samples_leaf
        or w_node < 2 * rules.min_weight_leaf
        or impurity <= EPSILON
    )


@borrowing_kernel
def store_node(nodes, criterion, node_id, parent, is_left, n_node, w_node, impurity, totals):
    """Write node ``node_id`` as a leaf (its split, if any, comes from ``store_split``) and link
    it to its parent. Its value: the class fractions, the mean, or the median."""
    ints = nodes.ints
    floats = nodes.floats
    ints[node_id, LEFT] = TREE_LEAF
    ints[node_id, RIGHT] = TREE_LEAF
    ints[node_id, FEATURE] = TREE_UNDEFINED
    ints[node_id, N_SAMPLES] = n_node
    ints[node_id, MISSING_LEFT] = 0
    floats[node_id, THRESHOLD] = TREE_UNDEFINED
    floats[node_id, IMPURITY] = impurity
    floats[node_id, WEIGHT] = w_node
    if criterion.code == MAE:
        nodes.values[node_id, 0] = totals[0]
    else:
        for c in range(nodes.values.shape[1]):
            nodes.values[node_id, c] = totals[c] / w_node
    if parent >= 0:
        ints[parent, LEFT if is_left else RIGHT] = node_id


@borrowing_kernel
def clip_value(nodes, node_id, lower, upper):
    """Under monotonic constraints, clip the node's value to its bounds (scikit-learn's
    ``clip_node_value``): the mean, or the fraction of class 0 with class 1's as its rest."""
    values = nodes.values
    v = values[node_id, 0]
    if v < lower:
        values[node_id, 0] = lower
    elif v > upper:
        values[node_id, 0] = upper
    if values.shape[1] == 2:
        values[node_id, 1] = 1 - values[node_id, 0]


@borrowing_entry
def children_bounds(rules, feature, lower, upper, middle):
    """``(left_lower, left_upper, right_lower, right_upper)``: a split on a feature constrained
    to increase (decrease) puts ``middle`` between the children's values; other splits pass the
    node's bounds on to both children (scikit-learn's rule)."""
    cst = rules.monotonic[feature] if rules.use_monotonic else 0
    if cst == 0:
        return lower, upper, lower, upper
    if cst == 1:
        return lower, middle, middle, upper
    return middle, upper, lower, middle


@borrowing_kernel
def undo_split(nodes, node_id):
    """Node ``node_id`` is a leaf after all: a best-first split found but not made."""
    nodes.ints[node_id, LEFT] = TREE_LEAF
    nodes.ints[node_id, RIGHT] = TREE_LEAF
    nodes.ints[node_id, FEATURE] = TREE_UNDEFINED
    nodes.floats[node_id, THRESHOLD] = TREE_UNDEFINED


@borrowing_kernel
def store_split(nodes, node_id, feature, threshold, missing_flag):
    nodes.ints[node_id, FEATURE] = feature
    nodes.ints[node_id, MISSING_LEFT] = missing_flag
    nodes.floats[node_id, THRESHOLD] = threshold


@kernel
def build_depth_first(data, criterion, rules, ws, nodes, root, absolute_error, categorical):
    """Grow the (sub)tree of the segment ``[root.start, root.end)`` depth-first into ``nodes``
    (rows from 0). ``root`` (a ``Root``) also gives its depth, its impurity (``inf``: compute
    it) and its bounds (monotonic_cst; ``-inf, inf`` at the tree's root).
    ``absolute_error`` is None unless the criterion is the absolute error: numba then compiles
    the builder without the absolute error's kernels; ``categorical`` likewise is None unless
    some feature is categorical (then a ``tree._categorical.Categorical``).

    Returns ``(node_count, max_depth)``.
    """
    totals = ws.totals
    # the stack: start, end, depth, parent, is_left; impurity, lower bound, upper bound
    st_cap = 2 * (root.end - root.start) + 2
    st_i = np.empty((st_cap, 5), dtype=np.int64)
    st_f = np.empty((st_cap, 3), dtype=np.float64)
    st_i[0, 0] = root.start
    st_i[0, 1] = root.end
    st_i[0, 2] = root.depth
    st_i[0, 3] = -1
    st_i[0, 4] = 0
    st_f[0, 0] = root.impurity
    st_f[0, 1] = root.lower
    st_f[0, 2] = root.upper
    top = 1
    node_count = np.int64(0)
    max_depth_seen = root.depth
    while top > 0:
        top -= 1
        start = st_i[top, 0]
        end = st_i[top, 1]
        depth = st_i[top, 2]
        parent = st_i[top, 3]
        is_left = st_i[top, 4] == 1
        impurity = st_f[top, 0]
        lower = st_f[top, 1]
        upper = st_f[top, 2]
        ws.bounds[0] = lower
        ws.bounds[1] = upper
        n_node = end - start
        if absolute_error is None:
            w_node = node_statistics(data, criterion, start, end, totals)
        else:
            w_node = mae_node_statistics(data, criterion, start, end, totals)
        if np.isinf(impurity):
            impurity = node_impurity(criterion.code, totals, criterion.n_classes, w_node)
        is_leaf = is_leaf_node(rules, depth, n_node, w_node, impurity)
        if not is_leaf:
            if absolute_error is None:
                if categorical is None:
                    split = find_split(data, criterion, rules, ws, start, end, w_node, impurity)
                else:  # categorical features (tree._categorical)
                    split = find_split_categorical(
                        data, criterion, rules, ws, categorical, start, end, w_node, impurity
                    )
            else:
                split = find_split_mae(data, criterion, rules, ws, start, end, w_node, impurity)
            (
                feature,
                pos,
                threshold,
                imp_left,
                imp_right,
                improvement,
                missing_flag,
                middle,
            ) = split
            is_leaf = feature < 0 or improvement + EPSILON < rules.min_impurity_decrease
        node_id = node_count
        node_count += 1
        store_node(nodes, criterion, node_id, parent, is_left, n_node, w_node, impurity, totals)
        if rules.use_monotonic:
            clip_value(nodes, node_id, lower, upper)
        max_depth_seen = max(max_depth_seen, depth)
        if is_leaf:
            continue
        store_split(nodes, node_id, feature, threshold, missing_flag)
        if categorical is None:
            apply_split(
                data,
                rules,
                ws,
                start,
                pos,
                end,
                depth,
                feature,
                threshold,
                missing_flag == 1,
            )
        else:  # the node's bitset kept, a categorical split partitioned by it
            store_categorical(categorical, node_id, feature)
            apply_any_split(
                data, rules, ws, categorical, node_id, start, pos, end, depth, feature,
                threshold, missing_flag == 1,
            )  # fmt: skip
        left_lower, left_upper, right_lower, right_upper = children_bounds(
            rules, feature, lower, upper, middle
        )
        # right first, so that the left child is popped (and numbered) first
        st_i[top, 0] = pos
        st_i[top, 1] = end
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 0
        st_f[top, 0] = imp_right
        st_f[top, 1] = right_lower
        st_f[top, 2] = right_upper
        top += 1
        st_i[top, 0] = start
        st_i[top, 1] = pos
        st_i[top, 2] = depth + 1
        st_i[top, 3] = node_id
        st_i[top, 4] = 1
        st_f[top, 0] = imp_left
        st_f[top, 1] = left_lower
        st_f[top, 2] = left_upper
        top += 1
    return node_count, max_depth_seen


# -- best-first: a max-heap of the frontier by improvement (equal: the older node first) --------


@borrowing_kernel
def _heap_less(heap_key, heap_id, a, b):
    # is entry a of lower priority than entry b (smaller improvement; equal: larger node id)
    if heap_key[a] != heap_key[b]:
        return heap_key[a] < heap_key[b]
    return heap_id[a] > heap_id[b]


@borrowing_kernel
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


@borrowing_kernel
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


@kernel
def build_best_first(
    data, criterion, rules, ws, nodes, max_leaf_nodes, absolute_error, categorical
):
    """Grow a tree best-first (largest improvement first) with at most ``max_leaf_nodes``
    leaves into ``nodes`` (room for ``2 * min(max_leaf_nodes, n) + 1`` nodes).

    Returns ``(node_count, max_depth)``.
    """
    n = data.order.shape[1]
    cap = nodes.ints.shape[0]
    totals = ws.totals
    # per node frontier record: start, end, pos, depth, is_leaf; improvement, imp_left,
    # imp_right, middle, lower bound, upper bound
    rec_i = np.empty((cap, 5), dtype=np.int64)
    rec_f = np.empty((cap, 6), dtype=np.float64)
    heap_key = np.empty(cap, dtype=np.float64)
    heap_id = np.empty(cap, dtype=np.int64)
    node_count = np.int64(0)
    heap_size = 0
    max_split_nodes = max_leaf_nodes - 1
    max_depth_seen = 0
    # the root, then the two children of each expanded node, are evaluated by the same code
    pending_start = np.empty(2, dtype=np.int64)
    pending_end = np.empty(2, dtype=np.int64)
    pending_imp = np.empty(2, dtype=np.float64)
    pending_bounds = np.empty((2, 2), dtype=np.float64)
    pending_start[0] = 0
    pending_end[0] = n
    pending_imp[0] = np.inf
    pending_bounds[0, 0] = -np.inf
    pending_bounds[0, 1] = np.inf
    n_pending = 1
    parent = -1
    child_depth = 0
    while True:
        for k in range(n_pending):
            start = pending_start[k]
            end = pending_end[k]
            impurity = pending_imp[k]
            lower = pending_bounds[k, 0]
            upper = pending_bounds[k, 1]
            ws.bounds[0] = lower
            ws.bounds[1] = upper
            n_node = end - start
            if absolute_error is None:
                w_node = node_statistics(data, criterion, start, end, totals)
            else:
                w_node = mae_node_statistics(data, criterion, start, end, totals)
            if np.isinf(impurity):
                impurity = node_impurity(criterion.code, totals, criterion.n_classes, w_node)
            is_leaf = is_leaf_node(rules, child_depth, n_node, w_node, impurity)
            feature = -1
            pos = end
            threshold = 0.0
            improvement = 0.0
            imp_left = impurity
            imp_right = impurity
            missing_flag = 0
            middle = 0.0
            if not is_leaf:
                if absolute_error is None:
                    if categorical is None:
                        split = find_split(data, criterion, rules, ws, start, end, w_node, impurity)
                    else:  # categorical features (tree._categorical)
                        split = find_split_categorical(
                            data, criterion, rules, ws, categorical, start, end, w_node, impurity
                        )
                else:
                    split = find_split_mae(data, criterion, rules, ws, start, end, w_node, impurity)
                (
                    feature,
                    pos,
                    threshold,
                    imp_left,
                    imp_right,
                    improvement,
                    missing_flag,
                    middle,
                ) = split
                is_leaf = feature < 0 or improvement + EPSILON < rules.min_impurity_decrease
            if is_leaf:
                pos = end
                improvement = 0.0
                imp_left = impurity
                imp_right = impurity
            node_id = node_count
            node_count += 1
            store_node(
                nodes,
                criterion,
                node_id,
                parent,
                k == 0,
                n_node,
                w_node,
                impurity,
                totals,
            )
            if rules.use_monotonic:
                clip_value(nodes, node_id, lower, upper)
            if not is_leaf:
                store_split(nodes, node_id, feature, threshold, missing_flag)
                if categorical is not None:
                    store_categorical(categorical, node_id, feature)
            rec_i[node_id, 0] = start
            rec_i[node_id, 1] = end
            rec_i[node_id, 2] = pos
            rec_i[node_id, 3] = child_depth
            rec_i[node_id, 4] = 1 if is_leaf else 0
            rec_f[node_id, 0] = improvement
            rec_f[node_id, 1] = imp_left
            rec_f[node_id, 2] = imp_right
            rec_f[node_id, 3] = middle
            rec_f[node_id, 4] = lower
            rec_f[node_id, 5] = upper
            heap_size = _heap_push(heap_key, heap_id, heap_size, improvement, node_id)
        if heap_size == 0:
            break
        node_id, heap_size = _heap_pop(heap_key, heap_id, heap_size)
        depth = rec_i[node_id, 3]
        max_depth_seen = max(max_depth_seen, depth)
        n_pending = 0
        if rec_i[node_id, 4] == 1 or max_split_nodes <= 0:
            undo_split(nodes, node_id)
            continue
        max_split_nodes -= 1
        start = rec_i[node_id, 0]
        end = rec_i[node_id, 1]
        pos = rec_i[node_id, 2]
        if categorical is None:
            apply_split(
                data, rules, ws, start, pos, end, depth, nodes.ints[node_id, FEATURE],
                nodes.floats[node_id, THRESHOLD], nodes.ints[node_id, MISSING_LEFT] == 1,
            )  # fmt: skip
        else:
            apply_any_split(
                data, rules, ws, categorical, node_id, start, pos, end, depth,
                nodes.ints[node_id, FEATURE], nodes.floats[node_id, THRESHOLD],
                nodes.ints[node_id, MISSING_LEFT] == 1,
            )  # fmt: skip
        pending_start[0] = start
        pending_end[0] = pos
        pending_imp[0] = rec_f[node_id, 1]
        pending_start[1] = pos
        pending_end[1] = end
        pending_imp[1] = rec_f[node_id, 2]
        bounds = children_bounds(
            rules, nodes.ints[node_id, FEATURE], rec_f[node_id, 4], rec_f[node_id, 5],
            rec_f[node_id, 3],
        )  # fmt: skip
        pending_bounds[0, 0] = bounds[0]
        pending_bounds[0, 1] = bounds[1]
        pending_bounds[1, 0] = bounds[2]
        pending_bounds[1, 1] = bounds[3]
        n_pending = 2
        parent = node_id
        child_depth = depth + 1
    return node_count, max_depth_seen
