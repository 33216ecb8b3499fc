"""Node statistics: what a criterion needs to know about a set of samples.

Classification: the weighted class counts ``stats[c]``. Squared error: ``stats[0]`` the
weighted sum of y and ``stats[1]`` of y**2.
Absolute error: ``stats[0]`` the weighted median and ``stats[1]`` the weighted sum of absolute
deviations from it (``tree._mae``). Every function returns the total weight of the samples it
summed.
"""

import numpy as np

from tree._bundles import BY_CLASS, UNIT, Column
from tree._criterion import MSE
from tree._jit import borrowing_entry, borrowing_kernel


@borrowing_kernel
def weight_at(criterion, order_f, p, class_index):
    """Weight of the sample at position ``p`` (of class ``class_index``; 0 for regression)."""
    mode = criterion.weight_mode
    if mode == UNIT:
        return 1.0
    if mode == BY_CLASS:
        return criterion.class_weight[class_index]
    return criterion.sample_weight[order_f[p]]


@borrowing_kernel
def column(data, f):
    """Feature ``f``'s arrays (a ``Column``)."""
    return Column(data.order[f], data.values[f], data.labels[f], data.targets[f])


@borrowing_kernel
def add_sample(criterion, col, p, stats):
    """Add the sample at position ``p`` of the column ``col`` to ``stats``; return its
    weight."""
    if criterion.code == MSE:
        w = weight_at(criterion, col.order, p, np.int64(0))
        yv = col.targets[p]
        stats[0] += w * yv
        stats[1] += w * yv * yv
        return w
    c = np.int64(col.labels[p])
    w = weight_at(criterion, col.order, p, c)
    stats[c] += w
    return w


@borrowing_kernel
def segment_statistics(criterion, col, start, end, stats):
    """Statistics of the positions ``[start, end)`` into ``stats``; return their weight (any
    criterion but the absolute error: ``tree._mae_split``)."""
    for c in range(stats.shape[0]):
        stats[c] = 0.0
    weight = 0.0
    for p in range(start, end):
        weight += add_sample(criterion, col, p, stats)
    return weight


@borrowing_entry
def node_statistics(data, criterion, start, end, stats):
    """The node ``[start, end)``'s statistics, summed over feature 0 (every node's samples in
    the same order, whatever path grew it)."""
    return segment_statistics(criterion, column(data, 0), start, end, stats)


@borrowing_kernel
def split_left_statistics(criterion, col, start, pos, end, totals, w_node, left):
    """Left statistics of the chosen split (no missing values), rounded as scikit-learn does.

    Like scikit-learn's ``Criterion.update``, sum the smaller side: the left samples, or the
    node totals minus the right samples. Regression sums ``y**2`` over the left samples always,
    as scikit-learn's ``children_impurity`` does.
    """
    if criterion.code == MSE:
        w_left = segment_statistics(criterion, col, start, pos, left)
        if pos - start > end - pos:
            sum_left = totals[0]
            w_left = w_node
            for p in range(end - 1, pos - 1, -1):
                w = weight_at(criterion, col.order, p, np.int64(0))
                sum_left -= w * col.targets[p]
                w_left -= w
            left[0] = sum_left
        return w_left
    if pos - start <= end - pos:
        return segment_statistics(criterion, col, start, pos, left)
    for c in range(totals.shape[0]):
        left[c] = totals[c]
    w_left = w_node
    for p in range(end - 1, pos - 1, -1):
        c = np.int64(col.labels[p])
        w = weight_at(criterion, col.order, p, c)
        left[c] -= w
        w_left -= w
    return w_left
