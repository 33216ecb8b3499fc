"""After a split: every feature's segment partitioned stably, left samples first.

``mark_left`` sets one "goes left" bit per sample from the split feature; ``partition`` then
moves each feature's samples (each side keeps its sorted order), writing every sample to both
places and advancing only the matching cursor (no branch on the bit). Two kinds of feature are
skipped: the split feature itself, already in order unless its missing values move left, and
features constant in the node, which no descendant scans again. Feature 0 is always
partitioned: its ``order`` and ``labels`` give each node's samples. When both children will be
leaves, feature 0 is all that is partitioned.
"""

import numpy as np

from tree._features import is_constant
from tree._jit import borrowing_entry, borrowing_kernel


@borrowing_entry
def mark_left(data, f, start, end, threshold, missing_left, goes_left):
    """Set each sample's goes-left bit: ``x <= threshold``, or x missing and ``missing_left``
    (scikit-learn's rule)."""
    order_f = data.order[f]
    values_f = data.values[f]
    for p in range(start, end):
        i = order_f[p]
        v = values_f[p]
        bit = np.uint64(1) << np.uint64(i & 63)
        if v <= threshold or (missing_left and np.isnan(v)):
            goes_left[i >> 6] |= bit
        else:
            goes_left[i >> 6] &= ~bit


@borrowing_entry
def split_skip(data, feature, end, missing_left):
    """The feature whose partition can be skipped after a split on ``feature``: the split
    feature itself is already in order, unless its missing values move left (then -1)."""
    return -1 if (missing_left and np.isnan(data.values[feature, end - 1])) else feature


@borrowing_kernel
def children_are_leaves(rules, start, pos, end, depth):
    """Both children of the split at ``pos`` will be leaves whatever their samples."""
    larger = max(pos - start, end - pos)
    return (
        depth + 1 >= rules.max_depth
        or larger < rules.min_samples_split
        or larger < 2 * rules.min_samples_leaf
    )


@borrowing_entry
def partition(data, ws, start, end, skip, n_partitioned, chunk, n_chunks):
    """Partition the features ``chunk, chunk + n_chunks, ...`` below ``n_partitioned`` (except
    ``skip`` and the constant ones), with the buffer row ``chunk``."""
    goes_left = ws.goes_left
    b_ord = ws.buffer_order[chunk]
    b_val = ws.buffer_values[chunk]
    b_lab = ws.buffer_labels[chunk]
    b_tgt = ws.buffer_targets[chunk]
    for f in range(chunk, n_partitioned, n_chunks):
        if f == skip or (f != 0 and is_constant(data.values, f, start, end)):
            continue
        order_f = data.order[f]
        values_f = data.values[f]
        labels_f = data.labels[f]
        targets_f = data.targets[f]
        carry_labels = labels_f.shape[0] > 0  # a classifier's (see tree._bundles)
        left = start
        n_right = 0
        for p in range(start, end):
            i = order_f[p]
            v = values_f[p]
            g = np.int64((goes_left[i >> 6] >> np.uint64(i & 63)) & np.uint64(1))
            order_f[left] = i
            values_f[left] = v
            b_ord[n_right] = i
            b_val[n_right] = v
            if carry_labels:
                lab = labels_f[p]
                labels_f[left] = lab
                b_lab[n_right] = lab
            else:
                t = targets_f[p]
                targets_f[left] = t
                b_tgt[n_right] = t
            left += g
            n_right += 1 - g
        for k in range(n_right):
            order_f[left + k] = b_ord[k]
            values_f[left + k] = b_val[k]
        if carry_labels:
            for k in range(n_right):
                labels_f[left + k] = b_lab[k]
        else:
            for k in range(n_right):
                targets_f[left + k] = b_tgt[k]


@borrowing_kernel
def apply_split(data, rules, ws, start, pos, end, depth, feature, threshold, missing_left):
    """Partition the node ``[start, end)`` after its split (on one thread)."""
    mark_left(data, feature, start, end, threshold, missing_left, ws.goes_left)
    leaves_only = children_are_leaves(rules, start, pos, end, depth)
    n_partitioned = 1 if leaves_only else data.order.shape[0]
    skip = split_skip(data, feature, end, missing_left)
    partition(data, ws, start, end, skip, n_partitioned, 0, 1)
