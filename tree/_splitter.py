"""Split search and partition kernels over the presorted, node-ordered feature arrays.

A node is the segment ``[start, end)`` of every feature's arrays ``order[f]`` (sample indices),
``values[f]`` (float32, sorted within the segment) and ``labels[f]``. The search scans each
candidate feature's segment once, left to right, accumulating the left child's class counts; a
split position ``p`` is a candidate when ``values[p] > values[p-1] + 1e-7`` (float32, as
scikit-learn's ``FEATURE_THRESHOLD``). After a split, every feature's segment is partitioned
stably (left samples first, each side still sorted) with a bit-packed "goes left" flag per sample,
except the features constant in the node, which no descendant scans again.

Sample weights come in three modes: ``UNIT`` (all ones), ``BY_CLASS`` (``class_w[label]``) and
``PER_SAMPLE`` (``weights[sample]``).

The loops over features take a range of candidates (search) or a chunk of features
(partition), so that ``tree._grow`` can split one large node's work between threads.
"""

import numpy as np
from numba import njit

from tree._criterion import (
    GINI,
    MAE,
    MSE,
    entropy_proxy_binary,
    entropy_proxy_counts_binary,
    gini_proxy_binary,
    proxy_improvement,
    squared_error_proxy,
)
from tree._mae import node_median_error, search_mae

UNIT = 0
BY_CLASS = 1
PER_SAMPLE = 2

FEATURE_THRESHOLD = np.float32(1e-7)


# -- random numbers (splitmix64; state is a uint64 array of length 1) -------------------------


@njit(cache=True, nogil=True)
def rand_u64(state):
    z = state[0] + np.uint64(0x9E3779B97F4A7C15)
    state[0] = z
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def rand_uniform(state):
    """A float in ``[0, 1)``."""
    return np.float64(rand_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def rand_int(state, high):
    """An int in ``[0, high)``."""
    k = np.int64(rand_uniform(state) * high)
    return min(k, high - 1)


# -- per-node class totals ---------------------------------------------------------------------


@njit(cache=True, nogil=True)
def node_totals(order, labels, start, end, wmode, class_w, weights, crit, tot):
    """Fill ``tot`` with the node's statistics; return its total weight.

    Classification: the weighted class counts. Regression (``crit == MSE``): ``tot[0]`` the
    weighted sum of y and ``tot[1]`` the weighted sum of y**2 (``labels`` holds y). Absolute
    error (``crit == MAE``): ``tot[0]`` the weighted median, ``tot[1]`` the weighted sum of
    absolute deviations from it.
    """
    if crit == MAE:
        median, error, w_node = node_median_error(order, labels, start, end, wmode == UNIT, weights)
        tot[0] = median
        tot[1] = error
        return w_node
    for c in range(tot.shape[0]):
        tot[c] = 0.0
    w_node = 0.0
    if crit == MSE:
        for p in range(start, end):
            w = 1.0 if wmode == UNIT else weights[order[p]]
            yv = np.float64(labels[p])
            tot[0] += w * yv
            tot[1] += w * yv * yv
            w_node += w
        return w_node
    for p in range(start, end):
        c = np.int64(labels[p])
        if wmode == UNIT:
            w = 1.0
        elif wmode == BY_CLASS:
            w = class_w[c]
        else:
            w = weights[order[p]]
        tot[c] += w
        w_node += w
    return w_node


@njit(cache=True, nogil=True)
def left_totals(order, labels, start, pos, wmode, class_w, weights, crit, lc):
    """Statistics of ``[start, pos)`` into ``lc``; return their total weight."""
    return node_totals(order, labels, start, pos, wmode, class_w, weights, crit, lc)


@njit(cache=True, nogil=True)
def split_left_totals(
    order, labels, start, pos, end, wmode, class_w, weights, crit, tot, w_node, lc
):
    """Left statistics of the chosen split, rounded as scikit-learn rounds them.

    Like scikit-learn's ``Criterion.update``, sum the smaller side: the left samples, or the
    node totals minus the right samples (``right = totals - left`` either way). Regression
    sums ``y**2`` over the left samples always, as scikit-learn's ``children_impurity`` does.
    """
    if crit == MSE:
        w_left = node_totals(order, labels, start, pos, wmode, class_w, weights, crit, lc)
        if pos - start > end - pos:
            sum_left = tot[0]
            w_left = w_node
            for p in range(end - 1, pos - 1, -1):
                w = 1.0 if wmode == UNIT else weights[order[p]]
                sum_left -= w * np.float64(labels[p])
                w_left -= w
            lc[0] = sum_left
        return w_left
    if pos - start <= end - pos:
        return node_totals(order, labels, start, pos, wmode, class_w, weights, crit, lc)
    for c in range(tot.shape[0]):
        lc[c] = tot[c]
    w_left = w_node
    for p in range(end - 1, pos - 1, -1):
        c = np.int64(labels[p])
        if wmode == UNIT:
            w = 1.0
        elif wmode == BY_CLASS:
            w = class_w[c]
        else:
            w = weights[order[p]]
        lc[c] -= w
        w_left -= w
    return w_left


# -- scanning one feature ----------------------------------------------------------------------


@njit(cache=True, nogil=True)
def end_non_missing(values, start, end):
    """End of the non-missing values of a segment (NaN sort last, so they end the segment)."""
    if not np.isnan(values[end - 1]):
        return end
    lo = start
    hi = end
    while lo < hi:
        mid = (lo + hi) >> 1
        if np.isnan(values[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True)
def add_sample(crit, wmode, class_w, weights, order, labels, p, stats):
    # add sample p to the statistics; returns its weight
    if crit == MSE:
        w = 1.0 if wmode == UNIT else weights[order[p]]
        yv = np.float64(labels[p])
        stats[0] += w * yv
        stats[1] += w * yv * yv
        return w
    c = np.int64(labels[p])
    if wmode == UNIT:
        w = 1.0
    elif wmode == BY_CLASS:
        w = class_w[c]
    else:
        w = weights[order[p]]
    stats[c] += w
    return w


@njit(cache=True, nogil=True)
def encode_pos(pos, missing_left):
    """A split position, with ``-2 - pos`` meaning "the missing values go left"."""
    return -2 - pos if missing_left else pos


@njit(cache=True, nogil=True)
def _scan_best_missing(
    order,
    values,
    labels,
    start,
    end,
    end_nm,
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
    lc,
):
    """Best split of a feature whose segment ends with missing values (scikit-learn's rules).

    First with the missing values sent right (including the split "every value left, the
    missing right", threshold inf), then sent left; ties keep the first found.
    """
    stats = lc[:n_classes]
    missing = lc[n_classes : 2 * n_classes]
    w_missing = node_totals(order, labels, end_nm, end, wmode, class_w, weights, crit, missing)
    n_missing = end - end_nm
    n_node = end - start
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    for missing_left in (False, True):
        for c in range(n_classes):
            stats[c] = missing[c] if missing_left else 0.0
        w_left = w_missing if missing_left else 0.0
        n_missing_left = n_missing if missing_left else 0
        for p in range(start, end_nm):
            # the sample update is written out: see scan_best
            if wmode == PER_SAMPLE:
                w = weights[order[p]]
            elif crit == MSE or wmode == UNIT:
                w = 1.0
            else:
                w = class_w[np.int64(labels[p])]
            if crit == MSE:
                yv = np.float64(labels[p])
                stats[0] += w * yv
            else:
                stats[np.int64(labels[p])] += w
            w_left += w
            q = p + 1  # left: the values of [start, q) (and the missing ones if missing_left)
            if q < end_nm:
                if values[q] <= values[p] + FEATURE_THRESHOLD:
                    continue
            elif missing_left:
                continue  # nothing would go right
            n_left = q - start + n_missing_left
            if n_left < min_samples_leaf or n_node - n_left < min_samples_leaf:
                continue
            w_right = w_node - w_left
            if w_left < min_weight_leaf or w_right < min_weight_leaf:
                continue
            num, den = proxy_improvement(
                crit, stats, tot, n_classes, w_left, w_right, table, use_table
            )
            if num * best_den > best_num * den:
                best_num = num
                best_den = den
                best_pos = encode_pos(q, missing_left)
    return best_pos, best_num, best_den


@njit(cache=True, nogil=True)
def scan_best(
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
    lc,
):
    """Best split position of feature ``f``: ``(pos, proxy_num, proxy_den)``, pos -1 if none.

    Ties keep the first (lowest threshold) position. The weight lookup is written out in the
    loop and the proxy (``tree._criterion``) is inlined: calling a helper with array arguments
    per sample costs numba reference counting, which made this loop 20x slower.
    """
    if crit == MSE and not np.isnan(values[f, end - 1]):
        return scan_mse(
            f, order, values, labels, start, end, wmode, weights, tot, w_node, min_samples_leaf,
            min_weight_leaf,
        )  # fmt: skip
    order_f = order[f]
    values_f = values[f]
    labels_f = labels[f]
    if np.isnan(values_f[end - 1]):
        return _scan_best_missing(
            order_f,
            values_f,
            labels_f,
            start,
            end,
            end_non_missing(values_f, start, end),
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
            lc,
        )
    if n_classes == 2:
        return _scan_best_binary(
            order_f,
            values_f,
            labels_f,
            start,
            end,
            wmode,
            class_w,
            weights,
            tot,
            w_node,
            crit,
            min_samples_leaf,
            min_weight_leaf,
            table,
            use_table,
        )
    for c in range(n_classes):
        lc[c] = 0.0
    w_left = 0.0
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    first = start + min_samples_leaf - 1  # last sample of the smallest admissible left child
    last = end - min_samples_leaf - 1
    for p in range(start, last + 1):
        c = np.int64(labels_f[p])
        if wmode == UNIT:
            w = 1.0
        elif wmode == BY_CLASS:
            w = class_w[c]
        else:
            w = weights[order_f[p]]
        lc[c] += w
        w_left += w
        if p < first:
            continue
        if values_f[p + 1] <= values_f[p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        num, den = proxy_improvement(crit, lc, tot, n_classes, w_left, w_right, table, use_table)
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@njit(cache=True, nogil=True)
def _scan_best_binary(
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
    crit,
    min_samples_leaf,
    min_weight_leaf,
    table,
    use_table,
):
    # two classes: the left counts live in registers (weight of class 1 and total weight)
    w_left = 0.0
    left1 = 0.0
    tot1 = tot[1]
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    first = start + min_samples_leaf - 1
    last = end - min_samples_leaf - 1
    gini = crit == GINI
    for p in range(start, last + 1):
        c = np.int64(labels[p])
        if wmode == UNIT:
            w = 1.0
        elif wmode == BY_CLASS:
            w = class_w[c]
        else:
            w = weights[order[p]]
        w_left += w
        left1 += w * c
        if p < first:
            continue
        if values[p + 1] <= values[p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        if gini:
            num, den = gini_proxy_binary(left1, tot1, w_left, w_right)
        elif use_table:
            num, den = entropy_proxy_counts_binary(left1, tot1, w_left, w_right, table)
        else:
            num, den = entropy_proxy_binary(left1, tot1, w_left, w_right)
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@njit(cache=True, nogil=True)
def scan_mse(
    f, order, values, labels, start, end, wmode, weights, tot, w_node, min_samples_leaf,
    min_weight_leaf,
):  # fmt: skip
    """``scan_best`` for the squared error without missing values, on feature ``f`` of the 2-D
    arrays: the proxy ``sum_left**2 / wL + sum_right**2 / wR`` as a fraction, the running sums
    in registers."""
    first = start + min_samples_leaf - 1
    last = end - min_samples_leaf - 1
    w_left = 0.0
    sum_left = 0.0
    best_pos = -1
    best_num = -np.inf
    best_den = 1.0
    for p in range(start, last + 1):
        w = weights[order[f, p]] if wmode == PER_SAMPLE else 1.0
        sum_left += w * np.float64(labels[f, p])
        w_left += w
        if p < first:
            continue
        if values[f, p + 1] <= values[f, p] + FEATURE_THRESHOLD:
            continue
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        num, den = squared_error_proxy(sum_left, tot[0], w_left, w_right)
        if num * best_den > best_num * den:
            best_num = num
            best_den = den
            best_pos = p + 1
    return best_pos, best_num, best_den


@njit(cache=True, nogil=True)
def scan_random(
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
    lc,
    threshold,
    missing_left,
):
    """Evaluate the split ``x <= threshold`` of one feature: ``(pos, proxy_num, proxy_den)``.

    Missing values (if any) go left when ``missing_left``; pos is then encoded (``encode_pos``).
    """
    end_nm = end_non_missing(values, start, end)
    n_missing = end - end_nm
    missing_left = missing_left and n_missing > 0
    lo = start
    hi = end_nm
    while lo < hi:  # first position whose value is > threshold
        mid = (lo + hi) >> 1
        if values[mid] <= threshold:
            lo = mid + 1
        else:
            hi = mid
    pos = lo
    n_left = pos - start + (n_missing if missing_left else 0)
    if n_left < min_samples_leaf or end - start - n_left < min_samples_leaf:
        return -1, -np.inf, 1.0
    stats = lc[:n_classes]
    w_left = left_totals(order, labels, start, pos, wmode, class_w, weights, crit, stats)
    if missing_left:
        for p in range(end_nm, end):
            w_left += add_sample(crit, wmode, class_w, weights, order, labels, p, stats)
    w_right = w_node - w_left
    if w_left < min_weight_leaf or w_right < min_weight_leaf:
        return -1, -np.inf, 1.0
    num, den = proxy_improvement(crit, stats, tot, n_classes, w_left, w_right, table, use_table)
    return encode_pos(pos, missing_left), num, den


@njit(cache=True, nogil=True)
def _scan_one(
    j,
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
    random_mode,
    rand_thr,
    rand_ml,
    lc_scratch,
    res_pos,
    res_num,
    res_den,
):
    f = feats[j]
    if random_mode:
        pos, num, den = scan_random(
            order[f],
            values[f],
            labels[f],
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
            rand_thr[j],
            rand_ml[j] == 1,
        )
    else:
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
    res_pos[j] = pos
    res_num[j] = num
    res_den[j] = den


@njit(cache=True, nogil=True)
def search_serial(
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
    random_mode,
    rand_thr,
    rand_ml,
    lc_scratch,
    res_pos,
    res_num,
    res_den,
):
    if crit == MAE:
        search_mae(
            n_feats,
            feats,
            order,
            values,
            labels,
            start,
            end,
            wmode == UNIT,
            weights,
            w_node,
            min_samples_leaf,
            min_weight_leaf,
            random_mode,
            rand_thr,
            rand_ml,
            res_pos,
            res_num,
            res_den,
        )
        return
    for j in range(n_feats):
        _scan_one(
            j,
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
            random_mode,
            rand_thr,
            rand_ml,
            lc_scratch,
            res_pos,
            res_num,
            res_den,
        )


# -- partition ---------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def mark_left(order, values, f, start, end, threshold, missing_left, goes_left):
    """Set the goes-left bit of each sample of the segment by feature ``f``: ``x <= threshold``,
    or x missing and ``missing_left`` (scikit-learn's rule)."""
    for p in range(start, end):
        i = order[f, p]
        v = values[f, p]
        bit = np.uint64(1) << np.uint64(i & 63)
        if v <= threshold or (missing_left and np.isnan(v)):
            goes_left[i >> 6] |= bit
        else:
            goes_left[i >> 6] &= ~bit


@njit(cache=True, nogil=True)
def split_skip(values, feature, end, missing_left):
    """The feature whose partition can be skipped after a split on ``feature``: the split
    feature itself is already in order, unless its missing values move left (then -1)."""
    return -1 if (missing_left and np.isnan(values[feature, end - 1])) else feature


@njit(cache=True, nogil=True)
def children_are_leaves(start, pos, end, depth, max_depth, min_samples_split, min_samples_leaf):
    """Both children of the split at ``pos`` will be leaves whatever their samples (then only
    feature 0, from which leaves read their samples, needs partitioning)."""
    larger = max(pos - start, end - pos)
    return depth + 1 >= max_depth or larger < min_samples_split or larger < 2 * min_samples_leaf


@njit(cache=True, nogil=True)
def skip_constant(values, f, start, end):
    """A feature constant in the node needs no partition (except feature 0).

    Its segment stays sorted and constant, so every sub-segment is constant too: no descendant
    ever scans it (``is_constant`` excludes it from the candidates, best or random). Feature 0
    is always partitioned: its ``order`` and ``labels`` give each node's samples.
    """
    return f != 0 and is_constant(values, f, start, end)


@njit(cache=True, nogil=True)
def _partition_feature(order_f, values_f, labels_f, start, end, goes_left, b_ord, b_val, b_lab):
    # branch-free: write every sample to both places, advance only the matching cursor
    left = start
    n_right = 0
    for p in range(start, end):
        i = order_f[p]
        v = values_f[p]
        lab = labels_f[p]
        g = np.int64((goes_left[i >> 6] >> np.uint64(i & 63)) & np.uint64(1))
        order_f[left] = i
        values_f[left] = v
        labels_f[left] = lab
        b_ord[n_right] = i
        b_val[n_right] = v
        b_lab[n_right] = lab
        left += g
        n_right += 1 - g
    for k in range(n_right):
        order_f[left + k] = b_ord[k]
        values_f[left + k] = b_val[k]
        labels_f[left + k] = b_lab[k]


@njit(cache=True, nogil=True)
def _partition_chunk(
    t, n_chunks, order, values, labels, start, end, skip, goes_left, b_ord, b_val, b_lab
):
    for f in range(t, order.shape[0], n_chunks):
        if f != skip and not skip_constant(values, f, start, end):
            _partition_feature(
                order[f],
                values[f],
                labels[f],
                start,
                end,
                goes_left,
                b_ord[t],
                b_val[t],
                b_lab[t],
            )


@njit(cache=True, nogil=True)
def partition_serial(order, values, labels, start, end, skip, goes_left, b_ord, b_val, b_lab):
    """Stable partition of every feature's segment except ``skip`` (already partitioned)."""
    first_chunk = np.int64(0)  # variables, not literals: one compiled _partition_chunk
    n_chunks = np.int64(1)
    _partition_chunk(
        first_chunk, n_chunks, order, values, labels, start, end, skip, goes_left, b_ord, b_val,
        b_lab,
    )  # fmt: skip


# -- one node: choose the split ----------------------------------------------------------------


@njit(cache=True, nogil=True)
def is_constant(values, f, start, end):
    """No split of feature ``f`` possible: all values missing, or all within 1e-7 and none
    missing."""
    if not np.isnan(values[f, end - 1]):
        return values[f, end - 1] <= values[f, start] + FEATURE_THRESHOLD
    return np.isnan(values[f, start])  # NaN sort last


@njit(cache=True, nogil=True)
def draw_features(values, start, end, max_features, random_mode, rng, perm, feats):
    """Candidate features of a node, ascending; return their number.

    With ``max_features >= n_features`` and the best splitter every non-constant feature is a
    candidate (no random numbers drawn). Otherwise features are drawn at random without
    replacement, as scikit-learn does, until ``max_features`` were visited and at least one was
    not constant in the node. A feature is constant when ``max <= min + 1e-7``.
    """
    d = values.shape[0]
    m = 0
    if max_features >= d:
        for f in range(d):
            if not is_constant(values, f, start, end):
                feats[m] = f
                m += 1
        return m
    for f in range(d):
        perm[f] = f
    visited = 0
    n_constant = 0
    i = 0
    while i < d and (visited < max_features or visited <= n_constant):
        j = i + rand_int(rng, d - i)
        f = perm[j]
        perm[j] = perm[i]
        perm[i] = f
        i += 1
        visited += 1
        if not is_constant(values, f, start, end):
            feats[m] = f
            m += 1
        else:
            n_constant += 1
    for a in range(1, m):  # insertion sort: m is small
        f = feats[a]
        b = a - 1
        while b >= 0 and feats[b] > f:
            feats[b + 1] = feats[b]
            b -= 1
        feats[b + 1] = f
    return m


# -- small nodes -------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def partition_small(
    order, values, labels, start, end, skip, n_partitioned, goes_left, b_ord, b_val, b_lab
):
    """``partition_serial`` of the features below ``n_partitioned`` for a small node (one
    buffer row, no per-feature calls)."""
    for f in range(n_partitioned):
        if f == skip or skip_constant(values, f, start, end):
            continue
        left = start
        n_right = 0
        for p in range(start, end):
            i = order[f, p]
            v = values[f, p]
            lab = labels[f, p]
            g = np.int64((goes_left[i >> 6] >> np.uint64(i & 63)) & np.uint64(1))
            order[f, left] = i  # branch-free, as _partition_feature
            values[f, left] = v
            labels[f, left] = lab
            b_ord[0, n_right] = i
            b_val[0, n_right] = v
            b_lab[0, n_right] = lab
            left += g
            n_right += 1 - g
        for k in range(n_right):
            order[f, left + k] = b_ord[0, k]
            values[f, left + k] = b_val[0, k]
            labels[f, left + k] = b_lab[0, k]
