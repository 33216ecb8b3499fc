"""The split search of one node: each candidate feature's best split (scikit-learn's Splitter).

A node is the segment ``[start, end)`` of each feature's presorted arrays. The scan of a
feature walks its segment once, left to right, adding each sample to the left child's
statistics; position ``p`` is a candidate split when ``values[p] > values[p-1] + 1e-7``
(float32, scikit-learn's ``FEATURE_THRESHOLD``) and both children respect ``min_samples_leaf``
and ``min_weight_leaf``. The candidates are compared by the criterion's proxy
(``tree._criterion``) as fractions, by cross-multiplication; ties keep the first position.

One scan per family: ``scan_classes`` (with its two-class form), ``scan_squared_error``, and
``scan_with_missing`` for a feature with missing values in the node, which tries them on the
right and then on the left. The random splitter evaluates one drawn threshold per feature
(``scan_threshold``); the absolute error has its own scans (``tree._mae``). A split position
with the missing values sent left is encoded as ``-2 - pos``.

Like every kernel that does not allocate, these borrow their arrays (``tree._jit``): calling
one per feature, or a helper per sample, costs no reference counting.
"""

import numpy as np

from tree._bundles import UNIT
from tree._criterion import (
    GINI,
    MSE,
    entropy_proxy_binary,
    entropy_proxy_counts_binary,
    gini_proxy_binary,
    monotonic_ok,
    proxy_improvement,
    squared_error_proxy,
)
from tree._jit import borrowing_entry, borrowing_kernel
from tree._stats import add_sample, column, segment_statistics, weight_at

FEATURE_THRESHOLD = np.float32(1e-7)


@borrowing_kernel
def end_non_missing(values_f, start, end):
    """End of the non-missing values of a segment (NaN sort last, so they end the segment)."""
    if not np.isnan(values_f[end - 1]):
        return end
    lo = start
    hi = end
    while lo < hi:
        mid = (lo + hi) >> 1
        if np.isnan(values_f[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


@borrowing_kernel
def encode_pos(pos, missing_left):
    """A split position, with ``-2 - pos`` meaning "the missing values go left"."""
    return -2 - pos if missing_left else pos


@borrowing_kernel
def scan_classes(
    criterion,
    col,
    start,
    end,
    totals,
    w_node,
    rules,
    left,
    cst,
    bounds,
):
    """Best split of a feature without missing values, classification:
    ``(pos, proxy_num, proxy_den)``, pos -1 if none. ``cst`` is the feature's monotonic
    constraint and ``bounds`` the node's (see ``monotonic_ok``)."""
    n_classes = criterion.n_classes
    if n_classes == 2 and criterion.weight_mode == UNIT:
        return _scan_two_classes(
            col.values,
            col.labels,
            start,
            end,
            totals,
            w_node,
            criterion,
            rules,
            cst,
            bounds,
        )
    for c in range(n_classes):
        left[c] = 0.0
    w_left = 0.0
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    first = start + rules.min_samples_leaf - 1  # last sample of the smallest left child
    last = end - rules.min_samples_leaf - 1
    values_f = col.values
    for p in range(start, last + 1):
        c = np.int64(col.labels[p])
        w = weight_at(criterion, col.order, p, c)
        left[c] += w
        w_left += w
        if p < first:
            continue
        if values_f[p + 1] <= values_f[p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
            continue
        if cst != 0 and not monotonic_ok(
            cst, bounds[0], bounds[1], left[0] / w_left, (totals[0] - left[0]) / w_right
        ):
            continue
        num, den = proxy_improvement(
            criterion.code, left, totals, n_classes, w_left, w_right, criterion.xlogx,
            criterion.use_xlogx,
        )  # fmt: skip
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@borrowing_kernel
def _scan_two_classes(
    values_f, labels_f, start, end, totals, w_node, criterion, rules, cst, bounds
):
    # unit weights, two classes: the left statistics live in two registers (the count of class
    # 1 and the total); integer counts make every proxy equal to the general loop's
    w_left = 0.0
    left1 = 0.0
    tot1 = totals[1]
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    first = start + rules.min_samples_leaf - 1
    last = end - rules.min_samples_leaf - 1
    gini = criterion.code == GINI
    for p in range(start, last + 1):
        c = np.int64(labels_f[p])
        w_left += 1.0
        left1 += c
        if p < first:
            continue
        if values_f[p + 1] <= values_f[p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
            continue
        if cst != 0:
            left0 = w_left - left1
            if not monotonic_ok(
                cst, bounds[0], bounds[1], left0 / w_left, (totals[0] - left0) / w_right
            ):
                continue
        if gini:
            num, den = gini_proxy_binary(left1, tot1, w_left, w_right)
        elif criterion.use_xlogx:
            num, den = entropy_proxy_counts_binary(left1, tot1, w_left, w_right, criterion.xlogx)
        else:
            num, den = entropy_proxy_binary(left1, tot1, w_left, w_right)
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@borrowing_kernel
def scan_squared_error(
    criterion,
    col,
    start,
    end,
    totals,
    w_node,
    rules,
    cst,
    bounds,
):
    """Best split of a feature without missing values, squared error (the running sums in
    registers)."""
    first = start + rules.min_samples_leaf - 1
    last = end - rules.min_samples_leaf - 1
    w_left = 0.0
    sum_left = 0.0
    sum_total = totals[0]
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    values_f = col.values
    for p in range(start, last + 1):
        w = weight_at(criterion, col.order, p, np.int64(0))
        sum_left += w * col.targets[p]
        w_left += w
        if p < first:
            continue
        if values_f[p + 1] <= values_f[p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
            continue
        if cst != 0 and not monotonic_ok(
            cst,
            bounds[0],
            bounds[1],
            sum_left / w_left,
            (sum_total - sum_left) / w_right,
        ):
            continue
        num, den = squared_error_proxy(sum_left, sum_total, w_left, w_right)
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@borrowing_kernel
def scan_with_missing(criterion, col, start, end, totals, w_node, rules, scratch):
    """Best split of a feature whose segment ends with missing values (scikit-learn's rules).

    First with the missing values sent right (including the split "every value left, the
    missing right", threshold inf), then sent left; ties keep the first found.
    """
    n_classes = criterion.n_classes
    stats = scratch[:n_classes]
    missing = scratch[n_classes : 2 * n_classes]
    values_f = col.values
    end_nm = end_non_missing(values_f, start, end)
    w_missing = segment_statistics(criterion, col, end_nm, end, missing)
    n_missing = end - end_nm
    n_node = end - start
    min_leaf = rules.min_samples_leaf
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    for missing_left in (False, True):
        for c in range(n_classes):
            stats[c] = missing[c] if missing_left else 0.0
        w_left = w_missing if missing_left else 0.0
        n_missing_left = n_missing if missing_left else 0
        for p in range(start, end_nm):
            w_left += add_sample(criterion, col, p, stats)
            q = p + 1  # left: the values of [start, q) (and the missing ones if missing_left)
            if q < end_nm:
                if values_f[q] <= values_f[p] + FEATURE_THRESHOLD:
                    continue
            elif missing_left:
                continue  # nothing would go right
            n_left = q - start + n_missing_left
            if n_left < min_leaf or n_node - n_left < min_leaf:
                continue
            w_right = w_node - w_left
            if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
                continue
            num, den = proxy_improvement(
                criterion.code, stats, totals, n_classes, w_left, w_right, criterion.xlogx,
                criterion.use_xlogx,
            )  # fmt: skip
            if num * best_den > best_num * den:
                best_num = num
                best_den = den
                best_pos = encode_pos(q, missing_left)
    return best_pos, best_num, best_den


@borrowing_kernel
def scan_threshold(
    criterion, col, start, end, totals, w_node, rules, stats, threshold, missing_left, cst,
    bounds,
):  # fmt: skip
    """The random splitter's split ``x <= threshold`` of one feature, the missing values (if
    any) left when ``missing_left``: ``(pos, proxy_num, proxy_den)``, pos -1 if refused."""
    values_f = col.values
    end_nm = end_non_missing(values_f, start, end)
    n_missing = end - end_nm
    missing_left = missing_left and n_missing > 0
    lo = start
    hi = end_nm
    while lo < hi:  # first position whose value is > threshold
        mid = (lo + hi) >> 1
        if values_f[mid] <= threshold:
            lo = mid + 1
        else:
            hi = mid
    pos = lo
    n_left = pos - start + (n_missing if missing_left else 0)
    if n_left < rules.min_samples_leaf or end - start - n_left < rules.min_samples_leaf:
        return -1, -np.inf, 1.0
    n_classes = criterion.n_classes
    stats = stats[:n_classes]
    w_left = segment_statistics(criterion, col, start, pos, stats)
    if missing_left:
        for p in range(end_nm, end):
            w_left += add_sample(criterion, col, p, stats)
    w_right = w_node - w_left
    if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
        return -1, -np.inf, 1.0
    if cst != 0 and not monotonic_ok(
        cst, bounds[0], bounds[1], stats[0] / w_left, (totals[0] - stats[0]) / w_right
    ):
        return -1, -np.inf, 1.0
    num, den = proxy_improvement(
        criterion.code, stats, totals, n_classes, w_left, w_right, criterion.xlogx,
        criterion.use_xlogx,
    )  # fmt: skip
    return encode_pos(pos, missing_left), num, den


@borrowing_entry
def search(data, criterion, rules, ws, start, end, w_node, lo, hi):
    """The best split of each candidate ``features[lo:hi]`` of the node: into ``best_pos``,
    ``proxy_num`` and ``proxy_den`` (a range, so that threads can share one node's work). The
    absolute error has its own: ``tree._mae.search_mae``."""
    totals = ws.totals
    bounds = ws.bounds
    for j in range(lo, hi):
        f = ws.features[j]
        cst = rules.monotonic[f] if rules.use_monotonic else 0
        col = column(data, f)
        stats = ws.candidate_stats[j]
        if rules.random_splitter:
            pos, num, den = scan_threshold(
                criterion, col, start, end, totals, w_node, rules, stats,
                ws.random_threshold[j], ws.random_missing_left[j] == 1, cst, bounds,
            )  # fmt: skip
        elif np.isnan(col.values[end - 1]):
            pos, num, den = scan_with_missing(
                criterion, col, start, end, totals, w_node, rules, stats
            )
        elif criterion.code == MSE:
            pos, num, den = scan_squared_error(
                criterion, col, start, end, totals, w_node, rules, cst, bounds
            )
        else:
            pos, num, den = scan_classes(
                criterion, col, start, end, totals, w_node, rules, stats, cst, bounds
            )
        ws.best_pos[j] = pos
        ws.proxy_num[j] = num
        ws.proxy_den[j] = den
