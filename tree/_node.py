"""One node: choose its split from the candidates' scans, and what the tree stores about it.

``find_split`` draws the candidates (``tree._features``), scans them (``tree._scan``) and
``chosen_split`` picks the best: the candidate with the largest proxy, the lowest feature index
among equals (each feature already kept its lowest threshold). Only for that winner are the
exact children impurities and the impurity improvement computed, as scikit-learn does.
"""

import numpy as np

from tree._criterion import children_impurity, impurity_improvement
from tree._features import prepare_candidates
from tree._jit import borrowing_entry, borrowing_kernel
from tree._scan import end_non_missing, search
from tree._stats import add_sample, column, segment_statistics, split_left_statistics


@borrowing_kernel
def best_candidate(ws, m):
    """Index of the scanned candidate with the largest proxy improvement (the first among
    equals), -1 if none has an admissible split."""
    best = -1
    for j in range(m):
        if ws.best_pos[j] == -1:
            continue
        if best < 0 or ws.proxy_num[j] * ws.proxy_den[best] > ws.proxy_num[best] * ws.proxy_den[j]:
            best = j
    return best


@borrowing_kernel
def split_threshold(values_f, pos):
    """The midpoint ``a/2 + b/2`` of the values either side of ``pos`` (as scikit-learn: ``a``
    when rounding makes it ``b`` or infinite)."""
    a = np.float64(values_f[pos - 1])
    b = np.float64(values_f[pos])
    threshold = a / 2.0 + b / 2.0
    if threshold == b or np.isinf(threshold):
        threshold = a
    return threshold


@borrowing_kernel
def chosen_split(data, rules, ws, m, start, end):
    """The best of the ``m`` scanned candidates: ``(feature, pos, missing_left, threshold,
    n_left, missing_go_to_left)``, ``pos`` the end of its non-missing left values; feature -1
    when no admissible split exists. Ties go to the lowest feature index."""
    best = best_candidate(ws, m)
    if best < 0:
        return -1, end, False, 0.0, 0, 0
    f = ws.features[best]
    pos = ws.best_pos[best]
    missing_left = pos < -1
    if missing_left:
        pos = -2 - pos
    values_f = data.values[f]
    end_nm = end_non_missing(values_f, start, end)
    n_missing = end - end_nm
    if rules.random_splitter:
        threshold = ws.random_threshold[best]
    elif pos == end_nm:  # every value left, the missing ones right
        threshold = np.inf
    else:
        threshold = split_threshold(values_f, pos)
    n_left = pos - start + (n_missing if missing_left else 0)
    if n_missing == 0:  # at predict time missing values follow the larger child
        missing_flag = 1 if n_left > end - start - n_left else 0
    else:
        missing_flag = 1 if missing_left else 0
    return f, pos, missing_left, threshold, n_left, missing_flag


@borrowing_kernel
def split_impurities(data, criterion, ws, f, start, pos, end, missing_left, w_node, impurity):
    """``(impurity_left, impurity_right, improvement, middle)`` of the chosen split (any
    criterion but the absolute error: ``tree._mae_split``); its left statistics in ``ws.left``.
    ``middle`` is the mean of the children's values (mean, or fraction of class 0): the bound
    between them under a monotonic constraint, as scikit-learn's ``middle_value``."""
    col = column(data, f)
    totals = ws.totals
    left = ws.left
    if missing_left:
        w_left = segment_statistics(criterion, col, start, pos, left)
        for p in range(end_non_missing(col.values, start, end), end):
            w_left += add_sample(criterion, col, p, left)
    else:
        w_left = split_left_statistics(criterion, col, start, pos, end, totals, w_node, left)
    w_right = w_node - w_left
    imp_left, imp_right = children_impurity(
        criterion.code, left, totals, criterion.n_classes, w_left, w_right
    )
    improvement = impurity_improvement(
        w_node, criterion.total_weight, impurity, imp_left, imp_right, w_left, w_right
    )
    middle = (left[0] / w_left + (totals[0] - left[0]) / w_right) / 2.0
    return imp_left, imp_right, improvement, middle


@borrowing_kernel
def find_split(data, criterion, rules, ws, start, end, w_node, impurity):
    """Draw, scan and choose the best split of the node ``[start, end)`` (its statistics in
    ``ws.totals``).

    Returns ``(feature, pos, threshold, impurity_left, impurity_right, improvement,
    missing_go_to_left, middle)``, ``pos`` the first position of the right child; feature -1
    when no admissible split exists. The node's bounds (monotonic_cst) are in ``ws.bounds``.
    """
    m = prepare_candidates(data, rules, ws, start, end)
    search(data, criterion, rules, ws, start, end, w_node, 0, m)
    return finish_split(data, criterion, rules, ws, m, start, end, w_node, impurity)


@borrowing_entry
def finish_split(data, criterion, rules, ws, m, start, end, w_node, impurity):
    """The chosen split of the ``m`` scanned candidates, as ``find_split`` returns it."""
    f, pos, missing_left, threshold, n_left, missing_flag = chosen_split(
        data, rules, ws, m, start, end
    )
    if f < 0:
        return -1, end, 0.0, 0.0, 0.0, 0.0, 0, 0.0
    imp_left, imp_right, improvement, middle = split_impurities(
        data, criterion, ws, f, start, pos, end, missing_left, w_node, impurity
    )
    return f, start + n_left, threshold, imp_left, imp_right, improvement, missing_flag, middle
