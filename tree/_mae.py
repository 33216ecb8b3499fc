"""Absolute-error criterion kernels: weighted medians and absolute deviations of y.

scikit-learn's (1.9) semantics: a node's value is the weighted median of its targets, its
impurity the weighted mean absolute deviation from that median, and a split's proxy is
``-(AE_left + AE_right)`` (AE the weighted sum of absolute deviations of a child). The median of
a set is the smallest y whose cumulative weight (in y order) exceeds half the total weight; when
the cumulative weight of a prefix equals exactly half, it is the mean of the two y values on
either side.

The absolute error of a set with median m follows from the sums of weights and ``w * y``
below and above it: ``(wy_above - m * w_above) + (m * w_below - wy_below)``. For one feature of
a node the samples in feature order are ranked by y (one sort); every prefix (left child) and
every suffix (right child) is then reached by deleting samples one at a time from the whole
node, kept as a doubly linked list over the ranks with a pointer to the median that moves by a
few steps per deletion: O(n log n) for the sort, O(n) for the sweeps. A single set (a node, the
children of the chosen split) is summarised with a Fenwick tree over the ranks whose descent
finds the median as scikit-learn's does.

``tree._scan.search`` dispatches to ``search_mae``.
"""

import numpy as np

from tree._bundles import UNIT
from tree._criterion import absolute_error_proxy
from tree._jit import borrowing_kernel, kernel
from tree._scan import FEATURE_THRESHOLD, end_non_missing

RANK_ONCE_FROM = 128  # node size from which the targets are ranked once per node


# -- Fenwick tree of weights and weighted targets over node-local y ranks ----------------------


@borrowing_kernel
def _fenwick_clear(tw, twy, size):
    """Empty the first ``size`` slots; return the highest power of two <= size."""
    for k in range(size + 1):
        tw[k] = 0.0
        twy[k] = 0.0
    p = 1
    while p <= size:
        p <<= 1
    return p >> 1


@borrowing_kernel
def _fenwick_add(tw, twy, size, rank, yv, w):
    wy = w * yv
    k = rank + 1
    while k <= size:
        tw[k] += w
        twy[k] += wy
        k += k & -k


@borrowing_kernel
def _fenwick_median(tw, twy, size, max_pow2, target):
    """Rank crossing cumulative weight ``target``: ``(rank, prev_rank, w_below, wy_below)``.

    ``rank`` is the first rank of positive weight whose cumulative weight exceeds ``target``;
    when a prefix sums to exactly ``target``, ``prev_rank`` is that prefix's last rank (else it
    equals ``rank``). ``w_below, wy_below`` are the sums over the ranks before ``rank``.
    """
    cur = 0
    cum_w = 0.0
    cum_wy = 0.0
    bit = max_pow2
    exact_bit = 0
    exact_target = 0.0
    while bit != 0:
        nxt = cur + bit
        if nxt <= size:
            node_w = tw[nxt]
            if target == node_w:
                exact_target = target
                exact_bit = bit
                break
            if target > node_w:
                target -= node_w
                cur = nxt
                cum_w += node_w
                cum_wy += twy[nxt]
        bit >>= 1
    if bit == 0:
        return cur, cur, cum_w, cum_wy
    prev = cur  # the last rank whose cumulative weight is below the exact target, then +1
    while bit != 0:
        nxt = prev + bit
        if nxt <= size:
            node_w = tw[nxt]
            if target > node_w:
                target -= node_w
                prev = nxt
        bit >>= 1
    bit = exact_bit
    target = exact_target
    while bit != 0:
        nxt = cur + bit
        if nxt <= size:
            node_w = tw[nxt]
            if target >= node_w:
                target -= node_w
                cur = nxt
                cum_w += node_w
                cum_wy += twy[nxt]
        bit >>= 1
    return cur, prev, cum_w, cum_wy


@borrowing_kernel
def _median_and_error(tw, twy, size, max_pow2, sorted_y, total_w, total_wy):
    """Weighted median and sum of weighted absolute deviations of the tree's contents."""
    rank, prev, w_below, wy_below = _fenwick_median(tw, twy, size, max_pow2, 0.5 * total_w)
    if rank != prev:
        median = (sorted_y[prev] + sorted_y[rank]) / 2
    else:
        median = sorted_y[rank]
    w_above = total_w - w_below
    wy_above = total_wy - wy_below
    return median, (wy_above - median * w_above) + (median * w_below - wy_below)


# -- ranking -----------------------------------------------------------------------------------


@kernel
def _rank(ys, n, sorted_y, ranks):
    """``sorted_y[:n]`` the sorted ``ys[:n]``; ``ranks[i]`` the rank of ``ys[i]``."""
    idx = np.argsort(ys[:n])
    for r in range(n):
        i = idx[r]
        sorted_y[r] = ys[i]
        ranks[i] = r


@borrowing_kernel
def set_median_error(order_f, targets_f, unit, weights, positions, n, scratch_f, scratch_i):
    """``(median, absolute error, weight)`` of the samples at ``positions[:n]``.

    ``scratch_f`` has 4 rows and ``scratch_i`` 1 row of at least ``n + 1`` entries.
    """
    ys = scratch_f[0]
    sorted_y = scratch_f[1]
    tw = scratch_f[2]
    twy = scratch_f[3]
    ranks = scratch_i[0]
    for k in range(n):
        ys[k] = targets_f[positions[k]]
    _rank(ys, n, sorted_y, ranks)
    max_pow2 = _fenwick_clear(tw, twy, n)
    total_w = 0.0
    total_wy = 0.0
    for k in range(n):
        w = 1.0 if unit else weights[order_f[positions[k]]]
        yv = sorted_y[ranks[k]]
        _fenwick_add(tw, twy, n, ranks[k], yv, w)
        total_w += w
        total_wy += w * yv
    median, error = _median_and_error(tw, twy, n, max_pow2, sorted_y, total_w, total_wy)
    return median, error, total_w


@kernel
def node_median_error(order_f, targets_f, start, end, unit, weights):
    """``(median, absolute error, weight)`` of the node ``[start, end)``."""
    n = end - start
    scratch_f = np.empty((4, n + 1), dtype=np.float64)
    scratch_i = np.empty((2, n + 1), dtype=np.int64)
    positions = scratch_i[1]
    for k in range(n):
        positions[k] = start + k
    return set_median_error(order_f, targets_f, unit, weights, positions, n, scratch_f, scratch_i)


@kernel
def split_errors(order_f, values_f, targets_f, start, end, pos, missing_left, unit, weights):
    """``(AE_left, w_left, AE_right, w_right)`` of the split at ``pos`` (non-missing ``[start,
    pos)`` left, plus the missing values when ``missing_left``)."""
    n = end - start
    end_nm = end_non_missing(values_f, start, end)
    scratch_f = np.empty((4, n + 1), dtype=np.float64)
    scratch_i = np.empty((3, n + 1), dtype=np.int64)
    left = scratch_i[1]
    right = scratch_i[2]
    n_left = np.int64(0)  # not the literal 0: numba would compile set_median_error for it too
    n_right = np.int64(0)
    for p in range(start, end):
        goes_left = p < pos if p < end_nm else missing_left
        if goes_left:
            left[n_left] = p
            n_left += 1
        else:
            right[n_right] = p
            n_right += 1
    _, error_left, w_left = set_median_error(
        order_f, targets_f, unit, weights, left, n_left, scratch_f, scratch_i
    )
    _, error_right, w_right = set_median_error(
        order_f, targets_f, unit, weights, right, n_right, scratch_f, scratch_i
    )
    return error_left, w_left, error_right, w_right


# -- the split search --------------------------------------------------------------------------


@borrowing_kernel
def _errors_by_deletion(ranks, sorted_y, w_rank, n, nxt, prv, from_front, errors):
    """Absolute errors of every suffix (``from_front``: ``errors[k]`` of ``seq[k:]``) or every
    prefix (``errors[k]`` of ``seq[:k+1]``) of the sequence whose y ranks are ``ranks``.

    Starts from the whole set and deletes one sample at a time from a doubly linked list over
    the y ranks, moving a pointer to the median (the first rank whose cumulative weight exceeds
    half the total) and the weight and ``w * y`` below it: O(n) after the sort.
    """
    total_w = 0.0
    total_wy = 0.0
    for r in range(n):
        nxt[r] = r + 1
        prv[r] = r - 1
        total_w += w_rank[r]
        total_wy += w_rank[r] * sorted_y[r]
    half = 0.5 * total_w
    m = 0
    w_below = 0.0
    wy_below = 0.0
    while w_below + w_rank[m] <= half and m + 1 < n:
        w_below += w_rank[m]
        wy_below += w_rank[m] * sorted_y[m]
        m += 1
    for step in range(n):
        k = step if from_front else n - 1 - step
        if w_below == half and prv[m] >= 0:
            median = (sorted_y[prv[m]] + sorted_y[m]) / 2
        else:
            median = sorted_y[m]
        w_above = total_w - w_below
        wy_above = total_wy - wy_below
        errors[k] = (wy_above - median * w_above) + (median * w_below - wy_below)
        if step == n - 1:
            break
        r = ranks[k]
        w = w_rank[r]
        yv = sorted_y[r]
        total_w -= w
        total_wy -= w * yv
        before = prv[r]
        after = nxt[r]
        if r < m:
            w_below -= w
            wy_below -= w * yv
        elif r == m:
            if after < n:
                m = after
            else:
                m = before
                w_below -= w_rank[m]
                wy_below -= w_rank[m] * sorted_y[m]
        if before >= 0:
            nxt[before] = after
        if after < n:
            prv[after] = before
        half = 0.5 * total_w
        while w_below > half and prv[m] >= 0:
            m = prv[m]
            w_below -= w_rank[m]
            wy_below -= w_rank[m] * sorted_y[m]
        while w_below + w_rank[m] <= half and nxt[m] < n:
            w_below += w_rank[m]
            wy_below += w_rank[m] * sorted_y[m]
            m = nxt[m]


@borrowing_kernel
def scan_best_mae(
    order_f,
    values_f,
    targets_f,
    start,
    end,
    unit,
    weights,
    w_node,
    min_samples_leaf,
    min_weight_leaf,
    scratch_f,
    scratch_i,
    rank_of,
    node_ranked,
):
    """Best split of one feature: ``(pos, proxy, 1.0)``, pos encoded as in ``tree._scan``.

    As scikit-learn, with missing values the samples are scanned twice: the missing ones last
    (sent right, including "all values left, the missing right"), then first (sent left).
    With ``node_ranked`` the node's samples were ranked by y once (``rank_of[sample]``, the
    sorted targets in ``scratch_f[1]``); otherwise this feature's segment is sorted here.
    """
    n = end - start
    end_nm = end_non_missing(values_f, start, end)
    n_missing = end - end_nm
    ys = scratch_f[0]
    sorted_y = scratch_f[1]
    w_rank = scratch_f[2]
    errors_left = scratch_f[3]
    errors_right = scratch_f[4]
    ranks = scratch_i[0]
    seq = scratch_i[1]
    nxt = scratch_i[2]
    prv = scratch_i[3]
    best_pos = -1
    best = -np.inf
    for missing_left in (False, True):
        if missing_left and n_missing == 0:
            break
        for k in range(n):
            if missing_left:
                seq[k] = end_nm + k if k < n_missing else start + k - n_missing
            else:
                seq[k] = start + k
        if node_ranked:
            for k in range(n):
                ranks[k] = rank_of[order_f[seq[k]]]
        else:
            for k in range(n):
                ys[k] = targets_f[seq[k]]
            _rank(ys, n, sorted_y, ranks)
        for k in range(n):
            w_rank[ranks[k]] = 1.0 if unit else weights[order_f[seq[k]]]
        _errors_by_deletion(ranks, sorted_y, w_rank, n, nxt, prv, False, errors_left)
        _errors_by_deletion(ranks, sorted_y, w_rank, n, nxt, prv, True, errors_right)
        w_left = 0.0
        for k in range(n - 1):
            w_left += 1.0 if unit else weights[order_f[seq[k]]]
            if missing_left:
                if k < n_missing:
                    continue
                q = start + k - n_missing + 1
                if values_f[q] <= values_f[q - 1] + FEATURE_THRESHOLD:
                    continue
            else:
                q = start + k + 1
                if q < end_nm and values_f[q] <= values_f[q - 1] + FEATURE_THRESHOLD:
                    continue
                if q > end_nm:
                    break
            n_left = k + 1
            if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
                continue
            w_right = w_node - w_left
            if w_left < min_weight_leaf or w_right < min_weight_leaf:
                continue
            proxy, _ = absolute_error_proxy(errors_left[k], errors_right[k + 1], w_left, w_right)
            if proxy > best:
                best = proxy
                best_pos = -2 - q if missing_left else q
    return best_pos, best, 1.0


@borrowing_kernel
def scan_random_mae(
    order_f,
    values_f,
    targets_f,
    start,
    end,
    unit,
    weights,
    min_samples_leaf,
    min_weight_leaf,
    threshold,
    missing_left,
):
    """The split ``x <= threshold`` of one feature: ``(pos, proxy, 1.0)`` (pos -1 if refused)."""
    end_nm = end_non_missing(values_f, start, end)
    n_missing = end - end_nm
    missing_left = missing_left and n_missing > 0
    lo = start
    hi = end_nm
    while lo < hi:
        mid = (lo + hi) >> 1
        if values_f[mid] <= threshold:
            lo = mid + 1
        else:
            hi = mid
    pos = lo
    n_left = pos - start + (n_missing if missing_left else 0)
    if n_left < min_samples_leaf or end - start - n_left < min_samples_leaf:
        return -1, -np.inf, 1.0
    error_left, w_left, error_right, w_right = split_errors(
        order_f, values_f, targets_f, start, end, pos, missing_left, unit, weights
    )
    if w_left < min_weight_leaf or w_right < min_weight_leaf:
        return -1, -np.inf, 1.0
    proxy, _ = absolute_error_proxy(error_left, error_right, w_left, w_right)
    return (-2 - pos if missing_left else pos), proxy, 1.0


@kernel
def search_mae(data, criterion, rules, ws, start, end, w_node, lo, hi):
    """``tree._scan.search`` for the absolute error: candidates ``features[lo:hi]``."""
    order, values, targets = data.order, data.values, data.targets
    unit = criterion.weight_mode == UNIT
    weights = criterion.sample_weight
    min_samples_leaf = rules.min_samples_leaf
    min_weight_leaf = rules.min_weight_leaf
    random_mode = rules.random_splitter
    n = end - start
    n_feats = hi - lo
    scratch_f = np.empty((5, n + 1), dtype=np.float64)
    scratch_i = np.empty((4, n + 1), dtype=np.int64)
    # rank the node's targets once for all features (a map sample -> rank), unless the node is
    # small: then sorting each feature's few targets is cheaper than the map
    node_ranked = not random_mode and n_feats > 1 and n >= RANK_ONCE_FROM
    rank_of = np.empty(order.shape[1] if node_ranked else 1, dtype=np.int32)
    if node_ranked:
        f0 = ws.features[lo]
        ys = scratch_f[0]
        for k in range(n):
            ys[k] = targets[f0, start + k]
        _rank(ys, n, scratch_f[1], scratch_i[0])
        for k in range(n):
            rank_of[order[f0, start + k]] = scratch_i[0, k]
    for j in range(lo, hi):
        f = ws.features[j]
        if random_mode:
            pos, num, den = scan_random_mae(
                order[f],
                values[f],
                targets[f],
                start,
                end,
                unit,
                weights,
                min_samples_leaf,
                min_weight_leaf,
                ws.random_threshold[j],
                ws.random_missing_left[j] == 1,
            )
        else:
            pos, num, den = scan_best_mae(
                order[f],
                values[f],
                targets[f],
                start,
                end,
                unit,
                weights,
                w_node,
                min_samples_leaf,
                min_weight_leaf,
                scratch_f,
                scratch_i,
                rank_of,
                node_ranked,
            )
        ws.best_pos[j] = pos
        ws.proxy_num[j] = num
        ws.proxy_den[j] = den
