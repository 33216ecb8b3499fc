"""Native categorical splits ``x in {A, C}`` with the exact splitter: a node's groups from the
presorted column, the search at each node, and the partition by the chosen bitset.

A categorical feature holds category codes (non-negative integers stored as float32; NaN is
missing). Its presorted segment in a node is therefore grouped by code, NaN last, and one pass
gives each category present in the node (a *group*) its count, weight and statistics;
``tree._categorical_search`` finds the set of groups sent left and its bitset of codes, stored
per node in ``Categorical.node_bitsets``. These kernels are compiled only for fits with
categorical features: the builders' ``categorical`` argument is None otherwise, and numba
leaves them out.
"""

import numpy as np

from tree._bundles import UNIT
from tree._categorical_search import (
    MISSING_CODE,
    chosen_partition,
    has_bit,
    search_groups,
)
from tree._criterion import MSE, children_impurity, impurity_improvement
from tree._features import prepare_candidates
from tree._jit import borrowing_entry, borrowing_kernel
from tree._node import best_candidate, finish_split
from tree._partition import apply_split, children_are_leaves, partition
from tree._scan import search
from tree._stats import add_sample, column

# -- the node's groups ---------------------------------------------------------------------


@borrowing_kernel
def gather_groups(criterion, col, start, end, cat):
    """The groups of the segment ``[start, end)`` of the column ``col`` (sorted by code, missing
    last) into ``cat``; return their number."""
    if criterion.code != MSE and criterion.n_classes == 2 and criterion.weight_mode == UNIT:
        return _gather_two_classes(col, start, end, cat)
    values_f = col.values
    g = -1
    previous = np.float32(0.0)
    n_stats = cat.stats.shape[1]
    for p in range(start, end):
        v = values_f[p]
        missing = np.isnan(v)
        if g < 0 or (missing and cat.code[g] != MISSING_CODE) or (not missing and v != previous):
            g += 1
            cat.code[g] = MISSING_CODE if missing else np.int64(v)
            cat.count[g] = 0
            cat.weight[g] = 0.0
            for c in range(n_stats):
                cat.stats[g, c] = 0.0
            previous = v
        cat.count[g] += 1
        cat.weight[g] += add_sample(criterion, col, p, cat.stats[g])
    return g + 1


@borrowing_kernel
def _gather_two_classes(col, start, end, cat):
    # unit weights, two classes: a group's counts in registers until the next group starts
    # (integer counts: the same statistics as gather_groups' general loop)
    values_f = col.values
    g = -1
    code = np.int64(0)
    previous = np.float32(0.0)
    n_group = 0
    n_ones = 0
    for p in range(start, end):
        v = values_f[p]
        missing = np.isnan(v)
        if g < 0 or (missing and code != MISSING_CODE) or (not missing and v != previous):
            if g >= 0:
                _store_group(cat, g, n_group, n_ones)
            g += 1
            code = np.int64(MISSING_CODE) if missing else np.int64(v)
            cat.code[g] = code
            n_group = 0
            n_ones = 0
            previous = v
        n_group += 1
        n_ones += np.int64(col.labels[p])
    if g >= 0:
        _store_group(cat, g, n_group, n_ones)
    return g + 1


@borrowing_kernel
def _store_group(cat, g, n_group, n_ones):
    cat.count[g] = n_group
    cat.weight[g] = np.float64(n_group)
    cat.stats[g, 0] = np.float64(n_group - n_ones)
    cat.stats[g, 1] = np.float64(n_ones)


@borrowing_kernel
def best_partition(criterion, rules, cat, data, f, start, end, totals, w_node):
    """The best split of the categorical feature ``f`` in the node (``search_groups`` on the
    groups of its presorted segment): ``(found, num, den, n_groups, k, n_rare, w_rare)``."""
    n_groups = gather_groups(criterion, column(data, f), start, end, cat)
    found, num, den, k, n_rare, w_rare = search_groups(
        criterion, rules, cat, n_groups, end - start, totals, w_node
    )
    return found, num, den, n_groups, k, n_rare, w_rare


@borrowing_kernel
def find_split_categorical(data, criterion, rules, ws, cat, start, end, w_node, impurity):
    """``tree._node.find_split`` with categorical features: each numeric candidate scanned by
    ``tree._scan.search``, each categorical one by ``best_partition``; a categorical winner's
    bitset into ``cat.chosen`` (its threshold is ``TREE_UNDEFINED``, -2)."""
    m = prepare_candidates(data, rules, ws, start, end)
    search_categorical(data, criterion, rules, ws, cat, start, end, w_node, 0, m)
    return finish_split_categorical(
        data, criterion, rules, ws, cat, m, start, end, w_node, impurity
    )


@borrowing_entry
def search_categorical(data, criterion, rules, ws, cat, start, end, w_node, lo, hi):
    """Scan the candidates ``lo`` to ``hi`` of the node (``tree._scan.search`` for a numeric
    one, ``best_partition`` for a categorical one) into ``ws``'s per-candidate rows. Threads
    scanning disjoint ranges need a ``cat`` each (its group arrays are the scan's scratch)."""
    totals = ws.totals
    for j in range(lo, hi):
        f = ws.features[j]
        if not cat.is_categorical[f]:
            search(data, criterion, rules, ws, start, end, w_node, j, j + 1)
        else:
            found, num, den, _, _, _, _ = best_partition(
                criterion, rules, cat, data, f, start, end, totals, w_node
            )
            ws.best_pos[j] = start if found else -1
            ws.proxy_num[j] = num
            ws.proxy_den[j] = den


@borrowing_entry
def finish_split_categorical(data, criterion, rules, ws, cat, m, start, end, w_node, impurity):
    """The node's split from its ``m`` scanned candidates, as ``tree._node.finish_split``
    returns it; a categorical winner is searched again to leave its bitset in ``cat.chosen``."""
    totals = ws.totals
    best = best_candidate(ws, m)
    if best < 0 or not cat.is_categorical[ws.features[best]]:
        return finish_split(data, criterion, rules, ws, m, start, end, w_node, impurity)
    f = ws.features[best]
    _, _, _, n_groups, k, n_rare, _ = best_partition(
        criterion, rules, cat, data, f, start, end, totals, w_node
    )
    n_node = end - start
    n_left, w_left, missing_flag = chosen_partition(
        criterion, cat, totals, ws.left, n_groups, k, n_rare, n_node
    )
    w_right = w_node - w_left
    imp_left, imp_right = children_impurity(
        criterion.code, ws.left, totals, criterion.n_classes, w_left, w_right
    )
    improvement = impurity_improvement(
        w_node, criterion.total_weight, impurity, imp_left, imp_right, w_left, w_right
    )
    return f, start + n_left, -2.0, imp_left, imp_right, improvement, missing_flag, 0.0


@borrowing_kernel
def store_categorical(cat, node_id, feature):
    """Keep the chosen bitset of node ``node_id`` when its split is categorical."""
    if cat.is_categorical[feature]:
        for w in range(cat.chosen.shape[0]):
            cat.node_bitsets[node_id, w] = cat.chosen[w]


@borrowing_entry
def mark_left_categorical(data, f, start, end, bits, missing_left, goes_left):
    """Set each sample's goes-left bit: its code in ``bits``, or missing and ``missing_left``."""
    order_f = data.order[f]
    values_f = data.values[f]
    for p in range(start, end):
        i = order_f[p]
        v = values_f[p]
        if np.isnan(v):
            go = missing_left
        else:
            go = has_bit(bits, np.int64(v))
        bit = np.uint64(1) << np.uint64(i & 63)
        if go:
            goes_left[i >> 6] |= bit
        else:
            goes_left[i >> 6] &= ~bit


@borrowing_kernel
def apply_any_split(
    data, rules, ws, cat, node_id, start, pos, end, depth, feature, threshold, missing_left
):
    """``tree._partition.apply_split``, or for a categorical split the partition by the node's
    bitset (every feature partitioned: the split feature's left samples are no prefix)."""
    if not cat.is_categorical[feature]:
        apply_split(data, rules, ws, start, pos, end, depth, feature, threshold, missing_left)
        return
    mark_left_categorical(
        data, feature, start, end, cat.node_bitsets[node_id], missing_left, ws.goes_left
    )
    leaves_only = children_are_leaves(rules, start, pos, end, depth)
    n_partitioned = 1 if leaves_only else data.order.shape[0]
    partition(data, ws, start, end, np.int64(-1), n_partitioned, 0, 1)
