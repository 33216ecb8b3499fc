"""Choosing a node's split: its candidate features, and the chosen split's statistics.

The search itself (``tree._splitter``, ``tree._small``, ``tree._mae``) leaves, per candidate,
its best position and proxy improvement in the workspace; ``finish_split`` picks the best
candidate and computes what the tree stores: threshold, children impurities, improvement.
"""

import numpy as np
from numba import njit

from tree._criterion import MAE, children_impurity, impurity_improvement
from tree._mae import split_errors
from tree._splitter import (
    UNIT,
    add_sample,
    draw_features,
    end_non_missing,
    node_totals,
    rand_int,
    rand_uniform,
    split_left_totals,
)


@njit(cache=True, nogil=True)
def prepare_candidates(values, start, end, max_features, random_mode, rng, ws_i, ws_f):
    """Draw the node's candidate features (and random thresholds); return their number.

    Each node seeds its own random stream from (seed, start, end): the tree does not depend on
    the order in which nodes are grown, so serial and threaded builds agree.
    """
    rng[0] = (
        rng[1]
        ^ (np.uint64(start) * np.uint64(0x9E3779B97F4A7C15))
        ^ (np.uint64(end) * np.uint64(0xC2B2AE3D27D4EB4F))
    )
    feats = ws_i[1]
    m = draw_features(values, start, end, max_features, random_mode, rng, ws_i[0], feats)
    if random_mode:
        rand_thr = ws_f[0]
        rand_ml = ws_i[3]
        for j in range(m):
            f = feats[j]
            end_nm = end_non_missing(values[f], start, end)
            rand_ml[j] = rand_int(rng, 2) if end_nm < end else 0
            lo = np.float64(values[f, start])
            hi = np.float64(values[f, end_nm - 1])
            t = (hi - lo) * rand_uniform(rng) + lo
            if t == hi:
                t = lo
            rand_thr[j] = t
    return m


@njit(cache=True, nogil=True)
def best_candidate(m, res_pos, res_num, res_den):
    """Index of the searched candidate with the largest proxy improvement (the first among
    equals), -1 if none has an admissible split."""
    best = -1
    for j in range(m):
        if res_pos[j] == -1:
            continue
        if best < 0 or res_num[j] * res_den[best] > res_num[best] * res_den[j]:
            best = j
    return best


@njit(cache=True, nogil=True)
def finish_split(
    m,
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
    w_total,
    impurity,
    n_classes,
    crit,
    random_mode,
    ws_i,
    ws_f,
    lc,
):
    """Pick the best of the searched candidates; its exact impurities and improvement.

    Returns ``(feature, pos, threshold, impurity_left, impurity_right, improvement)``;
    feature is -1 when no admissible split exists. Ties go to the lowest feature index (the
    candidates are in increasing feature order; each feature already kept its lowest
    threshold among equals).
    """
    feats = ws_i[1]
    res_pos = ws_i[2]
    rand_thr = ws_f[0]
    res_num = ws_f[1]
    res_den = ws_f[2]
    best = best_candidate(m, res_pos, res_num, res_den)
    if best < 0:
        return -1, end, 0.0, 0.0, 0.0, 0.0, 0
    f = feats[best]
    pos = res_pos[best]
    missing_left = pos < -1
    if missing_left:
        pos = -2 - pos
    end_nm = end_non_missing(values[f], start, end)
    n_missing = end - end_nm
    if random_mode:
        threshold = rand_thr[best]
    elif pos == end_nm:  # every value left, the missing ones right
        threshold = np.inf
    else:
        a = np.float64(values[f, pos - 1])
        b = np.float64(values[f, pos])
        threshold = a / 2.0 + b / 2.0
        if threshold == b or np.isinf(threshold):
            threshold = a
    n_left = pos - start + (n_missing if missing_left else 0)
    if n_missing == 0:  # at predict time missing values follow the larger child
        missing_flag = 1 if n_left > end - start - n_left else 0
    else:
        missing_flag = 1 if missing_left else 0
    if crit == MAE:
        error_left, w_left, error_right, w_right = split_errors(
            order[f], values[f], labels[f], start, end, pos, missing_left, wmode == UNIT, weights
        )
        imp_left = error_left / w_left
        imp_right = error_right / w_right
        improvement = impurity_improvement(
            w_node, w_total, impurity, imp_left, imp_right, w_left, w_right
        )
        return f, start + n_left, threshold, imp_left, imp_right, improvement, missing_flag
    if missing_left:
        w_left = node_totals(order[f], labels[f], start, pos, wmode, class_w, weights, crit, lc)
        for p in range(end_nm, end):
            w_left += add_sample(crit, wmode, class_w, weights, order[f], labels[f], p, lc)
    else:
        w_left = split_left_totals(
            order[f], labels[f], start, pos, end, wmode, class_w, weights, crit, tot, w_node, lc
        )
    w_right = w_node - w_left
    imp_left, imp_right = children_impurity(crit, lc, tot, n_classes, w_left, w_right)
    improvement = impurity_improvement(
        w_node, w_total, impurity, imp_left, imp_right, w_left, w_right
    )
    return f, start + n_left, threshold, imp_left, imp_right, improvement, missing_flag
