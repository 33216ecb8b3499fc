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

from tree._jit import borrowing_entry, borrowing_kernel, kernel

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
EPSILON = np.finfo(np.float64).eps  # a node this pure, or an improvement this small, is none


@borrowing_kernel
def xlogx(x):
    """``x * ln(x)``, with ``0 * ln(0) = 0``."""
    if x > 0.0:
        return x * np.log(x)
    return 0.0


@kernel
def xlogx_table(n):
    """``k * ln(k)`` for the integer counts ``k = 0 .. n`` (entropy proxy of unit weights)."""
    table = np.zeros(n + 1, dtype=np.float64)
    for k in range(1, n + 1):
        table[k] = k * np.log(k)
    return table


# -- the proxies compared during a scan: (numerator, denominator), larger is better ----------
# Each formula is written here once and every scan calls these (borrowing kernels: a call per
# candidate split costs no reference counting, see tree._jit).


@borrowing_kernel
def gini_proxy(left, tot, n_classes, w_left, w_right):
    """Gini: ``sum_c L_c**2 / wL + sum_c R_c**2 / wR`` as ``(num, wL * wR)``.

    Maximising it minimises ``wL * gini_L + wR * gini_R``, since ``w * gini = w - sum_c n_c**2
    / w`` and ``wL + wR`` is the node's weight. ``left`` holds ``L_c``; ``R_c = tot_c - L_c``.
    """
    sq_left = 0.0
    sq_right = 0.0
    for k in range(n_classes):
        a = left[k]
        b = tot[k] - a
        sq_left += a * a
        sq_right += b * b
    return sq_left * w_right + sq_right * w_left, w_left * w_right


@borrowing_kernel
def gini_proxy_binary(left1, tot1, w_left, w_right):
    """``gini_proxy`` for two classes from the weight of class 1 on the left (``left1``).

    The one specialisation of a proxy: with two classes the scan keeps its left statistics in
    two registers instead of an array, which measured faster in the inner loop.
    """
    left0 = w_left - left1
    right1 = tot1 - left1
    right0 = w_right - right1
    num = (left0 * left0 + left1 * left1) * w_right + (right0 * right0 + right1 * right1) * w_left
    return num, w_left * w_right


@borrowing_kernel
def entropy_proxy(left, tot, n_classes, w_left, w_right):
    """Entropy (nats): ``sum_c xlogx(L_c) + sum_c xlogx(R_c) - xlogx(wL) - xlogx(wR)``.

    That is ``-(wL * H_L + wR * H_R)``, as ``(num, 1)``. Each side is summed on its own and then
    added, so mirror-image splits tie exactly.
    """
    side_left = -xlogx(w_left)
    side_right = -xlogx(w_right)
    for k in range(n_classes):
        side_left += xlogx(left[k])
        side_right += xlogx(tot[k] - left[k])
    return side_left + side_right, 1.0


@borrowing_kernel
def entropy_proxy_counts(left, tot, n_classes, w_left, w_right, table):
    """``entropy_proxy`` with unit weights: integer counts, ``table[k] = k ln k``."""
    side_left = -table[np.int64(w_left)]
    side_right = -table[np.int64(w_right)]
    for k in range(n_classes):
        a = np.int64(left[k])
        side_left += table[a]
        side_right += table[np.int64(tot[k]) - a]
    return side_left + side_right, 1.0


@borrowing_kernel
def entropy_proxy_binary(left1, tot1, w_left, w_right):
    """``entropy_proxy`` for two classes (see ``gini_proxy_binary``)."""
    left0 = w_left - left1
    right1 = tot1 - left1
    right0 = w_right - right1
    side_left = -xlogx(w_left) + xlogx(left0) + xlogx(left1)
    side_right = -xlogx(w_right) + xlogx(right0) + xlogx(right1)
    return side_left + side_right, 1.0


@borrowing_kernel
def entropy_proxy_counts_binary(left1, tot1, w_left, w_right, table):
    """``entropy_proxy_counts`` for two classes (see ``gini_proxy_binary``)."""
    left0 = w_left - left1
    right1 = tot1 - left1
    right0 = w_right - right1
    side_left = -table[np.int64(w_left)] + table[np.int64(left0)] + table[np.int64(left1)]
    side_right = -table[np.int64(w_right)] + table[np.int64(right0)] + table[np.int64(right1)]
    return side_left + side_right, 1.0


@borrowing_kernel
def squared_error_proxy(sum_left, sum_total, w_left, w_right):
    """Squared error: ``S_L**2 / wL + S_R**2 / wR`` as ``(num, wL * wR)`` (S the sums of w*y).

    Maximising it minimises the children's summed squared errors, since ``sum w (y - mean)**2
    = sum w y**2 - S**2 / w`` and the sums of ``w y**2`` add up to the node's.
    """
    sum_right = sum_total - sum_left
    return (
        sum_left * sum_left * w_right + sum_right * sum_right * w_left,
        w_left * w_right,
    )


@borrowing_kernel
def absolute_error_proxy(error_left, error_right, w_left, w_right):
    """Absolute error: ``-(wL * MAE_L + wR * MAE_R)`` as ``(num, 1)``, from the children's
    summed absolute deviations from their weighted medians."""
    return -w_right * (error_right / w_right) - w_left * (error_left / w_left), 1.0


@borrowing_kernel
def monotonic_ok(constraint, lower, upper, value_left, value_right):
    """scikit-learn's monotonicity check of a candidate split: both children's values lie in
    the node's bounds ``[lower, upper]`` and are ordered as ``constraint`` asks (1: left <=
    right, -1: left >= right). The value is the mean, or the fraction of class 0."""
    return (
        value_left >= lower
        and value_right >= lower
        and value_left <= upper
        and value_right <= upper
        and (value_left - value_right) * constraint <= 0
    )


@borrowing_kernel
def proxy_improvement(crit, lc, tot, n_classes, w_left, w_right, table, use_table):
    """The proxy of criterion ``crit`` for left statistics ``lc`` (one split, any criterion
    but the absolute error)."""
    if crit == MSE:
        return squared_error_proxy(lc[0], tot[0], w_left, w_right)
    if crit == GINI:
        return gini_proxy(lc, tot, n_classes, w_left, w_right)
    if use_table:
        return entropy_proxy_counts(lc, tot, n_classes, w_left, w_right, table)
    return entropy_proxy(lc, tot, n_classes, w_left, w_right)


@borrowing_kernel
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


@borrowing_entry
def node_impurity(crit, tot, n_classes, weight):
    """Impurity of a node with weighted class counts ``tot`` (entropy in bits, like sklearn)."""
    if crit == MSE:
        return tot[1] / weight - (tot[0] / weight) ** 2.0
    if crit == MAE:
        return tot[1] / weight
    return _impurity_of(crit, tot, tot, np.int64(0), n_classes, weight)


@borrowing_entry
def children_impurity(crit, lc, tot, n_classes, w_left, w_right):
    """Impurities ``(left, right)`` of the children with left counts ``lc``."""
    if crit == MSE:
        left = lc[1] / w_left - (lc[0] / w_left) ** 2.0
        right = (tot[1] - lc[1]) / w_right - ((tot[0] - lc[0]) / w_right) ** 2.0
        return left, right
    left = _impurity_of(crit, lc, tot, np.int64(0), n_classes, w_left)
    right = _impurity_of(crit, lc, tot, np.int64(1), n_classes, w_right)
    return left, right


@borrowing_entry
def impurity_improvement(w_node, w_total, impurity, imp_left, imp_right, w_left, w_right):
    """Weighted impurity decrease of a split (scikit-learn's formula and operation order)."""
    return (w_node / w_total) * (
        impurity - (w_right / w_node * imp_right) - (w_left / w_node * imp_left)
    )
