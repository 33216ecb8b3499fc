"""Impurity criteria as numba kernels, selected by an integer code.

Each criterion has three pieces, as in scikit-learn: the node impurity, the impurity of the two
children of a split, and a cheap *proxy* of the improvement that orders the candidate splits of
one node the same way as the exact improvement. The proxy is returned as a fraction
``(numerator, denominator)`` with a positive denominator, so that the split search compares two
candidates by cross-multiplication and needs no division in its inner loop.

The class totals of a node are weighted counts ``tot[c]``; the left child's are ``lc[c]``, the
right child's ``tot[c] - lc[c]``.
"""

import numpy as np
from numba import njit

GINI = 0
ENTROPY = 1
MSE = 2  # regression; the node statistics are (sum of w*y, sum of w*y**2)
MAE = 3  # regression; the node statistics are (weighted median, sum of w*|y - median|)
CRITERIA = {
    "gini": GINI,
    "entropy": ENTROPY,
    "log_loss": ENTROPY,
    "squared_error": MSE,
    "friedman_mse": MSE,  # scikit-learn 1.9 maps it to squared_error: always equivalent
    "absolute_error": MAE,
}

_LN2 = np.log(2.0)


@njit(cache=True, nogil=True)
def xlogx(x):
    """``x * ln(x)``, with ``0 * ln(0) = 0``."""
    if x > 0.0:
        return x * np.log(x)
    return 0.0


@njit(cache=True, nogil=True)
def xlogx_table(n):
    """``k * ln(k)`` for the integer counts ``k = 0 .. n`` (entropy proxy of unit weights)."""
    table = np.zeros(n + 1, dtype=np.float64)
    for k in range(1, n + 1):
        table[k] = k * np.log(k)
    return table


@njit(cache=True, nogil=True)
def proxy_improvement(crit, lc, tot, n_classes, w_left, w_right, table, use_table):
    """Proxy of the improvement of a split, as ``(numerator, denominator)``; larger is better.

    Gini: ``sum(lc**2) / wL + sum(rc**2) / wR``. Entropy (in nats):
    ``sum(xlogx(lc)) + sum(xlogx(rc)) - xlogx(wL) - xlogx(wR)``, i.e. ``-(wL*H_L + wR*H_R)``.
    With unit weights every count is an integer and ``table[k] = k ln k`` replaces the logs.
    """
    if crit == MSE:
        sum_left = lc[0]
        sum_right = tot[0] - sum_left
        return sum_left * sum_left * w_right + sum_right * sum_right * w_left, w_left * w_right
    if crit == GINI:
        sq_left = 0.0
        sq_right = 0.0
        for c in range(n_classes):
            a = lc[c]
            b = tot[c] - a
            sq_left += a * a
            sq_right += b * b
        return sq_left * w_right + sq_right * w_left, w_left * w_right
    # each side summed on its own, then added: mirror-image splits tie exactly
    if use_table:
        side_left = -table[np.int64(w_left)]
        side_right = -table[np.int64(w_right)]
        for c in range(n_classes):
            a = np.int64(lc[c])
            side_left += table[a]
            side_right += table[np.int64(tot[c]) - a]
    else:
        side_left = -xlogx(w_left)
        side_right = -xlogx(w_right)
        for c in range(n_classes):
            side_left += xlogx(lc[c])
            side_right += xlogx(tot[c] - lc[c])
    return side_left + side_right, 1.0


@njit(cache=True, nogil=True)
def _impurity_of(crit, counts, tot, sign, n_classes, weight):
    # impurity of the class counts ``tot + sign * counts`` (sign 0: tot itself), as scikit-learn
    if crit == GINI:
        sq = 0.0
        for c in range(n_classes):
            k = counts[c] if sign == 0 else tot[c] - counts[c]
            sq += k * k
        return 1.0 - sq / (weight * weight)
    ent = 0.0
    for c in range(n_classes):
        k = counts[c] if sign == 0 else tot[c] - counts[c]
        if k > 0.0:
            k /= weight
            ent -= k * (np.log(k) / _LN2)
    return ent


@njit(cache=True, nogil=True)
def node_impurity(crit, tot, n_classes, weight):
    """Impurity of a node with weighted class counts ``tot`` (entropy in bits, like sklearn)."""
    if crit == MSE:
        return tot[1] / weight - (tot[0] / weight) ** 2.0
    if crit == MAE:
        return tot[1] / weight
    return _impurity_of(crit, tot, tot, 0, n_classes, weight)


@njit(cache=True, nogil=True)
def children_impurity(crit, lc, tot, n_classes, w_left, w_right):
    """Impurities ``(left, right)`` of the children with left counts ``lc``."""
    if crit == MSE:
        left = lc[1] / w_left - (lc[0] / w_left) ** 2.0
        right = (tot[1] - lc[1]) / w_right - ((tot[0] - lc[0]) / w_right) ** 2.0
        return left, right
    left = _impurity_of(crit, lc, tot, 0, n_classes, w_left)
    right = _impurity_of(crit, lc, tot, 1, n_classes, w_right)
    return left, right


@njit(cache=True, nogil=True)
def impurity_improvement(w_node, w_total, impurity, imp_left, imp_right, w_left, w_right):
    """Weighted impurity decrease of a split (scikit-learn's formula and operation order)."""
    return (w_node / w_total) * (
        impurity - (w_right / w_node * imp_right) - (w_left / w_node * imp_left)
    )
