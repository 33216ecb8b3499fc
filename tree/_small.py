"""Small nodes: the whole subtree of a node of at most ``SMALL_NODE`` samples in one call.

A fully grown tree has about as many small nodes as samples, and for a node of a few samples
the cost is not the scan but the calls: numba increments and decrements the reference count
of every array passed to a compiled function, at the call and again on entry (an atomic
operation each), which took more time than the work itself. So ``grow_small_subtree`` keeps
its node loop, the node statistics, the storage and the partition in one function, and
``search_small`` loops over the features itself with 2-D indexing.

It serves the best splitter with the criteria whose node statistics are sums (gini, entropy,
squared error); ``tree._builder`` sends the other cases down the general path. Results are
bit-for-bit those of the general path: the same sums in the same order, the same numbering.
"""

import numpy as np
from numba import njit

from tree._criterion import (
    MSE,
    impurity_improvement,
    node_impurity,
    proxy_improvement,
)
from tree._node import best_candidate, finish_split, prepare_candidates
from tree._splitter import (
    BY_CLASS,
    FEATURE_THRESHOLD,
    PER_SAMPLE,
    UNIT,
    children_are_leaves,
    is_constant,
    mark_left,
    partition_small,
    scan_best,
    scan_mse,
    split_skip,
)
from tree._tree import TREE_LEAF, TREE_UNDEFINED

SMALL_NODE = 512
EPSILON = np.finfo(np.float64).eps


@njit(cache=True, nogil=True)
def search_small(
    n_feats,
    feats,
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
    res_pos,
    res_num,
    res_den,
):
    """Best split position of each candidate feature of a small node (see ``scan_best``)."""
    first = start + min_samples_leaf - 1
    last = end - min_samples_leaf - 1
    for j in range(n_feats):
        f = feats[j]
        if np.isnan(values[f, end - 1]):
            pos, num, den = scan_best(
                f,
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
                lc_scratch[j],
            )
        elif crit == MSE:
            pos, num, den = scan_mse(
                f, order, values, labels, start, end, wmode, weights, tot, w_node,
                min_samples_leaf, min_weight_leaf,
            )  # fmt: skip
        else:
            stats = lc_scratch[j]
            for c in range(n_classes):
                stats[c] = 0.0
            w_left = 0.0
            pos = -1
            num = -np.inf
            den = 1.0
            for p in range(start, last + 1):
                c = np.int64(labels[f, p])
                if wmode == PER_SAMPLE:
                    w = weights[order[f, p]]
                elif wmode == UNIT:
                    w = 1.0
                else:
                    w = class_w[c]
                stats[c] += w
                w_left += w
                if p < first:
                    continue
                if values[f, p + 1] <= values[f, p] + FEATURE_THRESHOLD:
                    continue
                w_right = w_node - w_left
                if w_left < min_weight_leaf or w_right < min_weight_leaf:
                    continue
                p_num, p_den = proxy_improvement(
                    crit, stats, tot, n_classes, w_left, w_right, table, use_table
                )
                if p_num * den > num * p_den:
                    num = p_num
                    den = p_den
                    pos = p + 1
        res_pos[j] = pos
        res_num[j] = num
        res_den[j] = den


@njit(cache=True, nogil=True)
def grow_small_subtree(
    order,
    values,
    labels,
    wmode,
    class_w,
    weights,
    w_total,
    n_classes,
    crit,
    max_features,
    min_samples_split,
    min_samples_leaf,
    min_weight_leaf,
    max_depth,
    min_impurity_decrease,
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
    node_i,
    node_f,
    node_v,
    node_count,
    root_start,
    root_end,
    root_depth,
    root_impurity,
    root_parent,
    root_is_left,
    random_mode,
):
    """Grow the subtree of the small node ``[root_start, root_end)`` depth-first, best splitter.

    The nodes are written from row ``node_count`` on, numbered in preorder as
    ``tree._builder.build_depth_first`` numbers them (the arrays must have room for
    ``2 * (root_end - root_start)`` more rows); ``root_impurity`` is ``inf`` to compute it.
    Returns ``(node_count, max_depth_seen)``. ``random_mode`` is False; it is passed on to
    the general helpers as a variable because a literal ``False`` would compile them twice.
    """
    d = values.shape[0]
    feats = ws_i[1]
    res_pos = ws_i[2]
    res_num = ws_f[1]
    res_den = ws_f[2]
    tot = np.empty(n_classes, dtype=np.float64)
    lc = np.empty(n_classes, dtype=np.float64)
    n_values = node_v.shape[1]
    st_cap = 2 * (root_end - root_start) + 2
    st_i = np.empty((st_cap, 5), dtype=np.int64)  # start, end, depth, parent, is_left
    st_f = np.empty(st_cap, dtype=np.float64)  # impurity
    st_i[0, 0] = root_start
    st_i[0, 1] = root_end
    st_i[0, 2] = root_depth
    st_i[0, 3] = root_parent
    st_i[0, 4] = 1 if root_is_left else 0
    st_f[0] = root_impurity
    top = 1
    max_depth_seen = root_depth
    while top > 0:
        top -= 1
        start = st_i[top, 0]
        end = st_i[top, 1]
        depth = st_i[top, 2]
        parent = st_i[top, 3]
        impurity = st_f[top]
        n_node = end - start
        # the node's statistics over feature 0, as tree._splitter.node_totals sums them
        for c in range(n_classes):
            tot[c] = 0.0
        w_node = 0.0
        if crit == MSE:
            for p in range(start, end):
                w = 1.0 if wmode == UNIT else weights[order[0, p]]
                yv = np.float64(labels[0, p])
                tot[0] += w * yv
                tot[1] += w * yv * yv
                w_node += w
        else:
            for p in range(start, end):
                c = np.int64(labels[0, p])
                if wmode == UNIT:
                    w = 1.0
                elif wmode == BY_CLASS:
                    w = class_w[c]
                else:
                    w = weights[order[0, p]]
                tot[c] += w
                w_node += w
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
        missing_flag = 0
        if not is_leaf:
            if max_features >= d:
                m = 0
                for f in range(d):
                    if not is_constant(values, f, start, end):
                        feats[m] = f
                        m += 1
            else:
                m = prepare_candidates(
                    values, start, end, max_features, random_mode, rng, ws_i, ws_f
                )
            if crit == MSE:  # search_small's loop written out: the call cost more than it
                for j in range(m):
                    f = feats[j]
                    if np.isnan(values[f, end - 1]):
                        res_pos[j], res_num[j], res_den[j] = scan_best(
                            f, order, values, labels, start, end, wmode, class_w, weights,
                            tot, w_node, n_classes, crit, min_samples_leaf, min_weight_leaf,
                            table, use_table, lc_scratch[j],
                        )  # fmt: skip
                    else:
                        res_pos[j], res_num[j], res_den[j] = scan_mse(
                            f, order, values, labels, start, end, wmode, weights, tot, w_node,
                            min_samples_leaf, min_weight_leaf,
                        )  # fmt: skip
            else:
                search_small(
                    m, feats, order, values, labels, start, end, wmode, class_w, weights, tot,
                    w_node, n_classes, crit, min_samples_leaf, min_weight_leaf, table,
                    use_table, lc_scratch, res_pos, res_num, res_den,
                )  # fmt: skip
            best = best_candidate(m, res_pos, res_num, res_den)
            if best >= 0:
                f = feats[best]
                pos = res_pos[best]
                if crit == MSE and pos >= 0 and not np.isnan(values[f, end - 1]):
                    feature = f
                    # threshold and left sums as finish_split and split_left_totals make them
                    a = np.float64(values[f, pos - 1])
                    b = np.float64(values[f, pos])
                    threshold = a / 2.0 + b / 2.0
                    if threshold == b or np.isinf(threshold):
                        threshold = a
                    lc[0] = 0.0
                    lc[1] = 0.0
                    w_left = 0.0
                    for p in range(start, pos):
                        w = 1.0 if wmode == UNIT else weights[order[f, p]]
                        yv = np.float64(labels[f, p])
                        lc[0] += w * yv
                        lc[1] += w * yv * yv
                        w_left += w
                    if pos - start > end - pos:
                        sum_left = tot[0]
                        w_left = w_node
                        for p in range(end - 1, pos - 1, -1):
                            w = 1.0 if wmode == UNIT else weights[order[f, p]]
                            sum_left -= w * np.float64(labels[f, p])
                            w_left -= w
                        lc[0] = sum_left
                    w_right = w_node - w_left
                    imp_left = lc[1] / w_left - (lc[0] / w_left) ** 2.0
                    imp_right = (tot[1] - lc[1]) / w_right - ((tot[0] - lc[0]) / w_right) ** 2.0
                    improvement = impurity_improvement(
                        w_node, w_total, impurity, imp_left, imp_right, w_left, w_right
                    )
                    missing_flag = 1 if pos - start > end - pos else 0  # to the larger child
                else:
                    feature, pos, threshold, imp_left, imp_right, improvement, missing_flag = (
                        finish_split(
                            m, order, values, labels, start, end, wmode, class_w, weights, tot,
                            w_node, w_total, impurity, n_classes, crit, random_mode, ws_i, ws_f, lc,
                        )
                    )  # fmt: skip
                is_leaf = improvement + EPSILON < min_impurity_decrease
            else:
                is_leaf = True
        node_id = node_count
        node_count += 1
        node_i[node_id, 0] = TREE_LEAF
        node_i[node_id, 1] = TREE_LEAF
        node_i[node_id, 2] = TREE_UNDEFINED
        node_i[node_id, 3] = n_node
        node_i[node_id, 4] = 0
        node_f[node_id, 0] = TREE_UNDEFINED
        node_f[node_id, 1] = impurity
        node_f[node_id, 2] = w_node
        for c in range(n_values):
            node_v[node_id, c] = tot[c] / w_node
        if parent >= 0:
            node_i[parent, 0 if st_i[top, 4] == 1 else 1] = node_id
        if depth > max_depth_seen:
            max_depth_seen = depth
        if is_leaf:
            continue
        node_i[node_id, 2] = feature
        node_i[node_id, 4] = missing_flag
        node_f[node_id, 0] = threshold
        missing_left = missing_flag == 1
        mark_left(order, values, feature, start, end, threshold, missing_left, goes_left)
        leaves_only = children_are_leaves(
            start, pos, end, depth, max_depth, min_samples_split, min_samples_leaf
        )
        partition_small(
            order, values, labels, start, end, split_skip(values, feature, end, missing_left),
            1 if leaves_only else d, goes_left, b_ord, b_val, b_lab,
        )  # fmt: skip
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
    return node_count, max_depth_seen
