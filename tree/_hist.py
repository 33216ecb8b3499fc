"""The histogram splitter's kernels: a node's histograms, their scan, and the partition.

With ``splitter="hist"`` a node is the segment ``[start, end)`` of one array of sample indices
(``HistData.samples``, partitioned in place like scikit-learn's ``Splitter.samples``), and its
statistics are histograms: per feature and bin, ``hist[f, b, COUNT]`` samples of total weight
``hist[f, b, WEIGHT]`` and the criterion's statistics ``hist[f, b, STATS:]`` (weighted class
counts, or the weighted sums of y and y**2; see ``tree._stats``). Beside them, per feature, the
list of its occupied bins in increasing order (``Histograms``): every loop over bins walks that
list, so a node of a few samples costs a few steps per feature, not ``max_bins``; the bins off
the list are zero. The scan walks a feature's occupied bins in order and compares candidates
with the same proxies as the exact splitter (``tree._criterion``): a split is "code <= b", with
the missing values' bin sent right, then left, as ``tree._scan.scan_with_missing`` does. A
child's histograms are the parent's minus its sibling's, so only the smaller child's are summed
from its samples.
"""

from collections import namedtuple

import numpy as np

from tree._bundles import BY_CLASS, UNIT
from tree._criterion import (
    GINI,
    MSE,
    children_impurity,
    entropy_proxy_binary,
    entropy_proxy_counts_binary,
    gini_proxy_binary,
    impurity_improvement,
    proxy_improvement,
)
from tree._features import draw_features
from tree._jit import borrowing_entry, borrowing_kernel
from tree._node import best_candidate
from tree._random import seed_node

COUNT, WEIGHT, STATS = 0, 1, 2

HistData = namedtuple(
    "HistData",
    [
        "codes",  # uint8 or uint16 (n_samples, n_features): each value's bin (tree._binning)
        "samples",  # int32 (n_samples,): sample indices, node by node
        "labels",  # class codes by sample (classification), else no entries
        "targets",  # float64 y by sample (regression), else no entries
        "edges",  # float64 (n_features, missing_bin - 1): bin b's upper edge edges[f, b]
        "n_edges",  # int64 (n_features,): each feature's number of edges (bins - 1)
        "missing_bin",  # int: the missing values' bin
    ],
)
Histograms = namedtuple(
    "Histograms",
    [
        "values",  # float64 (n_features, missing_bin + 1, STATS + n_classes)
        "occupied",  # int32 (n_features, missing_bin + 1): the occupied bins (not the missing)
        "n_occupied",  # int64 (n_features,): their number
    ],
)
HistScratch = namedtuple(
    "HistScratch",
    [
        "weights",  # float64 (n_samples,): the node's sample weights in node order (none: unit)
        "buffer",  # int32 (n_samples,): the right child's samples while partitioning
    ],
)


@borrowing_kernel
def sample_weight_of(criterion, data, i):
    """The weight of sample ``i``."""
    if criterion.weight_mode == UNIT:
        return 1.0
    if criterion.weight_mode == BY_CLASS:
        return criterion.class_weight[np.int64(data.labels[i])]
    return criterion.sample_weight[i]


FILL_BLOCK = 32  # features summed together in one pass over a node's samples
SORT_OCCUPIED_BELOW = 48  # smaller nodes sort their occupied bins, larger ones scan every bin


@borrowing_kernel
def clear_bins(data, hist, f):
    """Zero feature ``f``'s occupied bins and its missing bin: all of its bins are then zero."""
    values_f = hist.values[f]
    for k in range(hist.n_occupied[f]):
        b = hist.occupied[f, k]
        for s in range(values_f.shape[1]):
            values_f[b, s] = 0.0
    for s in range(values_f.shape[1]):
        values_f[data.missing_bin, s] = 0.0
    hist.n_occupied[f] = 0


@borrowing_kernel
def list_occupied(data, hist, f, n_node):
    """Feature ``f``'s occupied bins, increasing, into ``hist.occupied`` (a node of fewer than
    ``SORT_OCCUPIED_BELOW`` samples listed them as it filled them, unsorted)."""
    occupied = hist.occupied[f]
    if n_node < SORT_OCCUPIED_BELOW:
        m = hist.n_occupied[f]
        for a in range(1, m):  # insertion sort: at most n_node bins
            b = occupied[a]
            k = a - 1
            while k >= 0 and occupied[k] > b:
                occupied[k + 1] = occupied[k]
                k -= 1
            occupied[k + 1] = b
        return
    m = 0
    values_f = hist.values[f]
    for b in range(data.n_edges[f] + 1):
        if values_f[b, COUNT] > 0.0:
            occupied[m] = b
            m += 1
    hist.n_occupied[f] = m


@borrowing_kernel
def fill_histograms(data, criterion, scratch, start, end, hist):
    """The ``Histograms`` of the samples ``[start, end)`` into ``hist`` (every feature)."""
    gather_weights(data, criterion, scratch, start, end)
    fill_features(data, criterion, scratch, start, end, hist, 0, data.codes.shape[1])


@borrowing_entry
def gather_weights(data, criterion, scratch, start, end):
    """The weights of the samples ``[start, end)``, in node order, into ``scratch.weights``."""
    if criterion.weight_mode == UNIT:
        return  # no weights to gather (scratch.weights may have no entries)
    samples = data.samples
    for p in range(start, end):
        scratch.weights[p] = sample_weight_of(criterion, data, samples[p])


@borrowing_entry
def fill_features(data, criterion, scratch, start, end, hist, f_lo, f_hi):
    """The histograms of features ``[f_lo, f_hi)`` of the samples ``[start, end)`` into
    ``hist``, their weights already gathered (``gather_weights``). Each feature's histogram is
    summed on its own, so dividing the features between threads changes no bit of it."""
    samples = data.samples
    weights = scratch.weights
    regression = criterion.code == MSE
    listing = end - start < SORT_OCCUPIED_BELOW
    unit = criterion.weight_mode == UNIT
    codes = data.codes
    values = hist.values
    for f in range(f_lo, f_hi):
        clear_bins(data, hist, f)
    # a sample's codes for FILL_BLOCK features at a time: one cache line of codes per sample
    # and block, while the block's histograms stay in cache
    for f0 in range(f_lo, f_hi, FILL_BLOCK):
        f1 = min(f0 + FILL_BLOCK, f_hi)
        # one loop per case, so that the inner loop tests nothing
        if listing:
            for p in range(start, end):
                i = samples[p]
                w = 1.0 if unit else weights[p]
                for f in range(f0, f1):
                    b = np.int64(codes[i, f])
                    if values[f, b, COUNT] == 0.0 and b != data.missing_bin:
                        hist.occupied[f, hist.n_occupied[f]] = b
                        hist.n_occupied[f] += 1
                    add_sample(data, values[f], b, i, w, regression)
        elif regression:
            for p in range(start, end):
                i = samples[p]
                w = 1.0 if unit else weights[p]
                for f in range(f0, f1):
                    add_sample(data, values[f], np.int64(codes[i, f]), i, w, True)
        elif unit:
            for p in range(start, end):
                i = samples[p]
                c = STATS + np.int64(data.labels[i])
                for f in range(f0, f1):
                    b = np.int64(codes[i, f])
                    values[f, b, COUNT] += 1.0
                    values[f, b, WEIGHT] += 1.0
                    values[f, b, c] += 1.0
        else:
            for p in range(start, end):
                i = samples[p]
                for f in range(f0, f1):
                    add_sample(data, values[f], np.int64(codes[i, f]), i, weights[p], False)
    for f in range(f_lo, f_hi):
        list_occupied(data, hist, f, end - start)


@borrowing_kernel
def add_sample(data, hist_f, b, i, w, regression):
    """Add sample ``i`` of weight ``w`` to bin ``b`` of a feature's histogram ``hist_f``."""
    hist_f[b, COUNT] += 1.0
    hist_f[b, WEIGHT] += w
    if regression:
        y = data.targets[i]
        hist_f[b, STATS] += w * y
        hist_f[b, STATS + 1] += w * y * y
    else:
        hist_f[b, STATS + np.int64(data.labels[i])] += w


@borrowing_entry
def subtract_histograms(data, hist, smaller):
    """``hist -= smaller``: the parent's histograms become the larger child's. A bin left with
    no sample is zeroed (not left with rounding residue) and leaves the occupied list."""
    values, small = hist.values, smaller.values
    for f in range(values.shape[0]):
        for k in range(smaller.n_occupied[f]):
            b = smaller.occupied[f, k]
            for s in range(values.shape[2]):
                values[f, b, s] -= small[f, b, s]
        for s in range(values.shape[2]):
            values[f, data.missing_bin, s] -= small[f, data.missing_bin, s]
        if values[f, data.missing_bin, COUNT] == 0.0:
            for s in range(values.shape[2]):
                values[f, data.missing_bin, s] = 0.0
        m = 0
        for k in range(hist.n_occupied[f]):
            b = hist.occupied[f, k]
            if values[f, b, COUNT] > 0.0:
                hist.occupied[f, m] = b
                m += 1
            else:
                for s in range(values.shape[2]):
                    values[f, b, s] = 0.0
        hist.n_occupied[f] = m


@borrowing_kernel
def node_totals(data, hist, totals):
    """The node's statistics into ``totals`` from feature 0's histogram: ``(n, weight)``."""
    for c in range(totals.shape[0]):
        totals[c] = 0.0
    n = 0.0
    weight = 0.0
    hist_0 = hist.values[0]
    for k in range(hist.n_occupied[0] + 1):
        b = hist.occupied[0, k] if k < hist.n_occupied[0] else data.missing_bin
        n += hist_0[b, COUNT]
        weight += hist_0[b, WEIGHT]
        for c in range(totals.shape[0]):
            totals[c] += hist_0[b, STATS + c]
    return n, weight


@borrowing_kernel
def mark_constant_bins(data, hist, constant):
    """Per feature, 1 when no split is possible in the node: all its values missing, or all in
    one bin and none missing (as ``tree._features.is_constant`` on bins)."""
    missing_bin = data.missing_bin
    for f in range(hist.values.shape[0]):
        occupied = hist.n_occupied[f]
        has_missing = hist.values[f, missing_bin, COUNT] > 0.0
        constant[f] = 1 if occupied == 0 or (occupied == 1 and not has_missing) else 0


@borrowing_kernel
def bin_candidates(data, rules, ws, hist, start, end):
    """The node's candidate features into ``ws.features`` (drawn as the exact splitter draws
    them, ``tree._features``); return their number."""
    constant = ws.constant
    mark_constant_bins(data, hist, constant)
    d = constant.shape[0]
    if rules.max_features >= d:
        m = 0
        for f in range(d):
            if constant[f] == 0:
                ws.features[m] = f
                m += 1
        return m
    seed_node(ws.rng, start, end)
    return draw_features(constant, rules.max_features, ws.rng, ws.permutation, ws.features)


@borrowing_kernel
def scan_bins(data, criterion, rules, hist, f, n_node, w_node, totals, left):
    """Best split of feature ``f`` on its histogram: ``(bin, proxy_num, proxy_den)``, bin -1 if
    none; ``-2 - bin`` when the missing values go left. Left is "code <= bin"."""
    n_classes = criterion.n_classes
    if criterion.code != MSE and n_classes == 2 and criterion.weight_mode == UNIT:
        return _scan_bins_two_classes(data, criterion, rules, hist, f, n_node, w_node, totals)
    hist_f = hist.values[f]
    occupied = hist.occupied[f]
    n_occupied = hist.n_occupied[f]
    missing = hist_f[data.missing_bin]
    n_missing = missing[COUNT]
    best_bin = -1
    best_num = -np.inf
    best_den = 1.0
    for missing_left in (False, True):
        if missing_left and n_missing == 0.0:
            break
        n_left = n_missing if missing_left else 0.0
        w_left = missing[WEIGHT] if missing_left else 0.0
        for c in range(n_classes):
            left[c] = missing[STATS + c] if missing_left else 0.0
        for k in range(n_occupied):
            b = occupied[k]
            n_left += hist_f[b, COUNT]
            w_left += hist_f[b, WEIGHT]
            for c in range(n_classes):
                left[c] += hist_f[b, STATS + c]
            if k == n_occupied - 1 and (missing_left or n_missing == 0.0):
                break  # nothing would go right
            if n_left < rules.min_samples_leaf or n_node - n_left < rules.min_samples_leaf:
                continue
            w_right = w_node - w_left
            if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
                continue
            num, den = proxy_improvement(
                criterion.code, left, totals, n_classes, w_left, w_right, criterion.xlogx,
                criterion.use_xlogx,
            )  # fmt: skip
            if num * best_den > best_num * den:
                best_num = num
                best_den = den
                best_bin = -2 - b if missing_left else b
    return best_bin, best_num, best_den


@borrowing_kernel
def _scan_bins_two_classes(data, criterion, rules, hist, f, n_node, w_node, totals):
    # unit weights, two classes: scan_bins with the left statistics in registers, as
    # tree._scan._scan_two_classes (integer counts: the same proxies as the general loop)
    hist_f = hist.values[f]
    occupied = hist.occupied[f]
    n_occupied = hist.n_occupied[f]
    missing = hist_f[data.missing_bin]
    n_missing = missing[COUNT]
    tot1 = totals[1]
    gini = criterion.code == GINI
    best_bin = -1
    best_num = -np.inf
    best_den = 1.0
    for missing_left in (False, True):
        if missing_left and n_missing == 0.0:
            break
        w_left = n_missing if missing_left else 0.0
        left1 = missing[STATS + 1] if missing_left else 0.0
        for k in range(n_occupied):
            b = occupied[k]
            w_left += hist_f[b, COUNT]
            left1 += hist_f[b, STATS + 1]
            if k == n_occupied - 1 and (missing_left or n_missing == 0.0):
                break  # nothing would go right
            w_right = w_node - w_left
            if w_left < rules.min_samples_leaf or w_right < rules.min_samples_leaf:
                continue
            if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
                continue
            if gini:
                num, den = gini_proxy_binary(left1, tot1, w_left, w_right)
            elif criterion.use_xlogx:
                num, den = entropy_proxy_counts_binary(
                    left1, tot1, w_left, w_right, criterion.xlogx
                )
            else:
                num, den = entropy_proxy_binary(left1, tot1, w_left, w_right)
            if num * best_den > best_num * den:
                best_num = num
                best_den = den
                best_bin = -2 - b if missing_left else b
    return best_bin, best_num, best_den


@borrowing_kernel
def left_of_split(data, criterion, hist, f, b, missing_left, left):
    """The left child's statistics of the split "code <= b" into ``left``: ``(n, weight)``, and
    whether any occupied bin is right of ``b`` (else the threshold is inf)."""
    n_classes = criterion.n_classes
    for c in range(n_classes):
        left[c] = 0.0
    n_left = 0.0
    w_left = 0.0
    values_right = False
    hist_f = hist.values[f]
    for k in range(hist.n_occupied[f]):
        b2 = hist.occupied[f, k]
        if b2 > b:
            values_right = True
            break
        n_left += hist_f[b2, COUNT]
        w_left += hist_f[b2, WEIGHT]
        for c in range(n_classes):
            left[c] += hist_f[b2, STATS + c]
    if missing_left:
        missing = hist_f[data.missing_bin]
        n_left += missing[COUNT]
        w_left += missing[WEIGHT]
        for c in range(n_classes):
            left[c] += missing[STATS + c]
    return n_left, w_left, values_right


@borrowing_kernel
def chosen_bin_split(data, criterion, ws, hist, m, n_node, w_node, impurity):
    """The best of the ``m`` scanned candidates (lowest feature index among equals):
    ``(feature, bin, missing_left, threshold, n_left, impurity_left, impurity_right,
    improvement, missing_go_to_left)``; feature -1 when none."""
    best = best_candidate(ws, m)
    if best < 0:
        return -1, 0, False, 0.0, 0, 0.0, 0.0, 0.0, 0
    f = ws.features[best]
    b = ws.best_pos[best]
    missing_left = b < -1
    if missing_left:
        b = -2 - b
    hist_f = hist.values[f]
    n_left, w_left, values_right = left_of_split(data, criterion, hist, f, b, missing_left, ws.left)
    threshold = data.edges[f, b] if values_right else np.inf
    w_right = w_node - w_left
    imp_left, imp_right = children_impurity(
        criterion.code, ws.left, ws.totals, criterion.n_classes, w_left, w_right
    )
    improvement = impurity_improvement(
        w_node, criterion.total_weight, impurity, imp_left, imp_right, w_left, w_right
    )
    if hist_f[data.missing_bin, COUNT] == 0.0:  # at predict time: the larger child
        missing_flag = 1 if n_left > n_node - n_left else 0
    else:
        missing_flag = 1 if missing_left else 0
    return (
        f,
        b,
        missing_left,
        threshold,
        np.int64(n_left),
        imp_left,
        imp_right,
        improvement,
        missing_flag,
    )


@borrowing_entry
def partition_samples(data, scratch, start, end, f, b, missing_left):
    """Stable partition of ``samples[start:end]``: left the samples with ``code <= b`` (and the
    missing ones when ``missing_left``); returns the first position of the right child."""
    samples = data.samples
    codes = data.codes
    buffer = scratch.buffer
    left = start
    n_right = 0
    for p in range(start, end):
        i = samples[p]
        code = np.int64(codes[i, f])
        goes_left = np.int64(missing_left if code == data.missing_bin else code <= b)
        # both written, one kept: no branch to mispredict on a random split
        samples[left] = i
        buffer[n_right] = i
        left += goes_left
        n_right += 1 - goes_left
    for k in range(n_right):
        samples[left + k] = buffer[k]
    return left
