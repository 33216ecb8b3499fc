"""What ``tree.dask`` runs on each partition of the training rows, and how it adds them up.

A partition's *state* is its rows' bin codes (``tree._binning``), class codes or targets,
weights, and the id of the tree node each row is in (``prepare_block``). The kernels that sum
its histograms and route its rows are ``tree._dask_kernels``'.
"""

import numpy as np

from tree._binning import bin_features, category_table
from tree._categorical_checks import check_codes
from tree._checks import check_classification_y, check_regression_y, check_sample_weight, check_X
from tree._dask_kernels import partition_histograms, route_rows


def merge_categories(block_categories, categorical, max_bins):
    """Each categorical feature's codes over every partition, one bin each: the ``bin_code``
    table of ``tree._binning.category_bins``, and the largest code (0 when none)."""
    present = {}
    for f in np.flatnonzero(categorical):
        parts = [b[int(f)] for b in block_categories]
        present[f] = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
    limit_reason = (
        f"max_bins={max_bins}: a Dask fit gives each category one of max_bins bins (at most "
        "255). Merge the rare categories, or fit in one process, where splitter='hist' takes "
        "up to 65,535 categories."
    )
    bin_code = category_table(present, categorical.shape[0], max_bins, max_bins, limit_reason)
    return bin_code, int(bin_code.max(initial=0))  # -1 pads: 0 when no feature has a code


def block_classes(y_block, name):
    classes, _ = check_classification_y(np.asarray(y_block), len(y_block), name)
    return classes


def class_counts(y_block, classes):
    codes = np.searchsorted(classes, np.asarray(y_block))
    return np.bincount(codes, minlength=len(classes))


def edge_sample(x_block, y_block, w_block, name, classes, class_w, keep, seed, categorical):
    """The rows of the partition that take part in the bin edges (not those of weight 0), and
    per categorical feature (``categorical`` its mask, or None) the codes of its kept rows."""
    X32 = check_X(np.asarray(x_block), name)
    weights = None if w_block is None else np.asarray(w_block, dtype=np.float64)
    if class_w is not None:
        codes = np.searchsorted(classes, np.asarray(y_block))
        weights = class_w[codes] if weights is None else weights * class_w[codes]
    if weights is not None:
        X32 = X32[weights != 0]
    categories = {}
    if categorical is not None:
        check_codes(X32, categorical, "in the training data")
        for f in np.flatnonzero(categorical):
            column = X32[:, f]
            categories[int(f)] = np.unique(column[~np.isnan(column)]).astype(np.int64)
    if keep < 1.0:
        X32 = X32[np.random.RandomState(seed).rand(X32.shape[0]) < keep]
    return X32, categories


def prepare_block(x_block, y_block, w_block, name, classes, class_w, edges, n_edges, max_bins, n):
    """The partition's state: ``(codes, labels, targets, weights, node_of_row)``."""
    X32 = check_X(np.asarray(x_block), name)
    if classes is not None:
        y_block = np.asarray(y_block)
        _, _ = check_classification_y(y_block, n, name)
        labels = np.searchsorted(classes, y_block).astype(
            np.uint8 if len(classes) <= 256 else np.int32
        )
        targets = np.zeros(0)
    else:
        labels = np.zeros(0, dtype=np.uint8)
        targets = check_regression_y(np.asarray(y_block), n, name)
    weights = np.ones(n) if w_block is None else check_sample_weight(np.asarray(w_block), n)
    if class_w is not None:
        weights = weights * class_w[labels]
    kept = weights != 0  # rows of weight 0 are left out, as a local fit does
    if not kept.all():
        X32, weights = X32[kept], weights[kept]
        labels = labels[kept] if classes is not None else labels
        targets = targets if classes is not None else targets[kept]
    codes = bin_features(X32, edges, n_edges, max_bins)
    return codes, labels, targets, np.ascontiguousarray(weights), np.zeros(X32.shape[0], np.int32)


def block_totals(state):
    return state[0].shape[0], float(state[3].sum())


def block_histograms(state, node_of_row, slot_of_node, shape):
    codes, labels, targets, weights, _ = state
    return partition_histograms(
        codes, labels, targets, weights, node_of_row, slot_of_node, np.empty(shape)
    )


def route(state, node_of_row, split, bin_left, missing_bin):
    return route_rows(state[0], node_of_row, split, bin_left, missing_bin)


def initial_nodes(state):
    return state[4]


def tree_sum(dask, parts):
    """Pairwise sum of delayed arrays, in partition order (the same sum on every run)."""
    while len(parts) > 1:
        parts = [
            dask.delayed(np.add)(parts[k], parts[k + 1]) if k + 1 < len(parts) else parts[k]
            for k in range(0, len(parts), 2)
        ]
    return parts[0]
