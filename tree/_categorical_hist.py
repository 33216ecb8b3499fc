"""Native categorical splits with the histogram splitter (``splitter="hist"``).

A categorical feature has one bin per category (``tree._binning.category_bins``: bin ``b``
holds the code ``Categorical.bin_code[f, b]``), so its histogram in a node *is* the node's
groups: each occupied bin a category present, in increasing order of code, and the missing
values' bin a group of its own. ``gather_bin_groups`` copies them into the ``Categorical``
bundle and ``tree._categorical_search.search_groups`` chooses the set sent left, exactly as for
the exact splitter, so both splitters choose the same categorical split from the same counts.
The chosen bitset of codes is kept per node; the partition turns it into one flag per bin
(``Categorical.bin_side``) and moves each sample by its bin's flag.
"""

import numpy as np

from tree._categorical_search import (
    MISSING_CODE,
    chosen_partition,
    has_bit,
    search_groups,
)
from tree._criterion import children_impurity, impurity_improvement
from tree._hist import COUNT, STATS, WEIGHT, chosen_bin_split, partition_samples, scan_bins
from tree._jit import borrowing_entry, borrowing_kernel
from tree._node import best_candidate


@borrowing_kernel
def _copy_group(cat, g, code, hist_f, b):
    cat.code[g] = code
    cat.count[g] = np.int64(hist_f[b, COUNT])
    cat.weight[g] = hist_f[b, WEIGHT]
    for c in range(cat.stats.shape[1]):
        cat.stats[g, c] = hist_f[b, STATS + c]


@borrowing_kernel
def gather_bin_groups(data, cat, hist, f):
    """The groups of the categorical feature ``f`` from its histogram ``hist`` (by code, missing
    last) into ``cat``; return their number."""
    hist_f = hist.values[f]
    g = 0
    for k in range(hist.n_occupied[f]):
        b = hist.occupied[f, k]
        _copy_group(cat, g, cat.bin_code[f, b], hist_f, b)
        g += 1
    if hist_f[data.missing_bin, COUNT] > 0.0:
        _copy_group(cat, g, MISSING_CODE, hist_f, data.missing_bin)
        g += 1
    return g


@borrowing_kernel
def scan_any_bins(data, criterion, rules, cat, hist, f, n_node, w_node, totals, left):
    """``tree._hist.scan_bins`` for a numeric feature; for a categorical one the best set of
    categories (``search_groups``): ``(0, num, den)`` when found, else ``(-1, num, den)``."""
    if not cat.is_categorical[f]:
        return scan_bins(data, criterion, rules, hist, f, n_node, w_node, totals, left)
    n_groups = gather_bin_groups(data, cat, hist, f)
    found, num, den, _, _, _ = search_groups(
        criterion, rules, cat, n_groups, np.int64(n_node), totals, w_node
    )
    return (0 if found else -1), num, den


@borrowing_kernel
def chosen_any_bin_split(data, criterion, rules, ws, cat, hist, m, n_node, w_node, impurity):
    """``tree._hist.chosen_bin_split`` with categorical features: a categorical winner is
    searched again to leave its bitset in ``cat.chosen`` (threshold ``TREE_UNDEFINED``, -2;
    bin -1; the missing values' side is ``missing_left``)."""
    best = best_candidate(ws, m)
    if best < 0 or not cat.is_categorical[ws.features[best]]:
        return chosen_bin_split(data, criterion, ws, hist, m, n_node, w_node, impurity)
    f = ws.features[best]
    n_node = np.int64(n_node)
    n_groups = gather_bin_groups(data, cat, hist, f)
    _, _, _, k, n_rare, _ = search_groups(
        criterion, rules, cat, n_groups, n_node, ws.totals, w_node
    )
    n_left, w_left, missing_flag = chosen_partition(
        criterion, cat, ws.totals, ws.left, n_groups, k, n_rare, n_node
    )
    w_right = w_node - w_left
    imp_left, imp_right = children_impurity(
        criterion.code, ws.left, ws.totals, criterion.n_classes, w_left, w_right
    )
    improvement = impurity_improvement(
        w_node, criterion.total_weight, impurity, imp_left, imp_right, w_left, w_right
    )
    return (
        f,
        np.int64(-1),
        missing_flag == 1,
        -2.0,
        np.int64(n_left),
        imp_left,
        imp_right,
        improvement,
        np.int64(missing_flag),
    )


@borrowing_entry
def mark_bins_left(side, bin_code_f, n_bins, bits, missing_bin, missing_left):
    """Per bin of a categorical feature (its codes ``bin_code_f``), 1 in ``side`` when its
    category is in the bitset ``bits``; the missing values' bin: ``missing_left``."""
    for b in range(n_bins):
        code = bin_code_f[b]
        side[b] = 1 if code >= 0 and has_bit(bits, code) else 0
    side[missing_bin] = 1 if missing_left else 0


@borrowing_entry
def partition_by_categories(data, scratch, cat, start, end, f, bits, missing_left):
    """Stable partition of ``samples[start:end]``: left the samples whose category is in the
    bitset ``bits`` (and the missing ones when ``missing_left``); returns the first position of
    the right child."""
    side = cat.bin_side
    mark_bins_left(side, cat.bin_code[f], data.n_edges[f] + 1, bits, data.missing_bin, missing_left)
    samples = data.samples
    codes = data.codes
    buffer = scratch.buffer
    left = start
    n_right = 0
    for p in range(start, end):
        i = samples[p]
        goes_left = np.int64(side[np.int64(codes[i, f])])
        samples[left] = i  # both written, one kept, as tree._hist.partition_samples
        buffer[n_right] = i
        left += goes_left
        n_right += 1 - goes_left
    for k in range(n_right):
        samples[left + k] = buffer[k]
    return left


@borrowing_kernel
def partition_any(data, scratch, cat, start, end, f, b, missing_left, bits):
    """``tree._hist.partition_samples``, or for a categorical split ``partition_by_categories``
    with the node's bitset ``bits``."""
    if cat.is_categorical[f]:
        return partition_by_categories(data, scratch, cat, start, end, f, bits, missing_left)
    return partition_samples(data, scratch, start, end, f, b, missing_left)
