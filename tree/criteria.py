"""The impurity criteria of the tree, callable on plain numbers for hand calculations.

These are the functions the tree's kernels use (``tree._criterion``), behind input checks:

- Gini impurity of class weights ``n_c`` with total ``w``: ``1 - sum_c (n_c / w)**2``.
- Entropy (Shannon, in bits; "log_loss" is the same): ``-sum_c p_c log2 p_c``, ``p_c = n_c / w``.
- Squared error: the weighted variance of y, ``sum w y**2 / W - (sum w y / W)**2``.
- Absolute error: the weighted mean absolute deviation from the weighted median.
- Impurity decrease of a split (what ``min_impurity_decrease`` and ``feature_importances_``
  use): ``W_node / W_total * (I - W_R / W_node * I_R - W_L / W_node * I_L)``.
"""

import numpy as np

from tree._criterion import (
    CRITERIA,
    MAE,
    MSE,
    children_impurity,
    impurity_improvement,
    node_impurity,
)
from tree._mae import node_median_error

CLASSIFICATION = ("gini", "entropy", "log_loss")
REGRESSION = ("squared_error", "absolute_error")


def _class_weights(counts, name):
    a = np.asarray(counts, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of (weighted) class counts, got shape "
            f"{a.shape}."
        )
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must hold finite, non-negative class counts, got {a}.")
    return np.ascontiguousarray(a)


def _classification_code(criterion):
    if criterion not in CLASSIFICATION:
        raise ValueError(
            f"criterion must be one of {CLASSIFICATION} for class counts, got {criterion!r} "
            "(use regression_impurity for targets)."
        )
    return CRITERIA[criterion]


def impurity(counts, criterion="gini"):
    """Impurity of a node from its (weighted) class counts.

    Parameters
    ----------
    counts : sequence of float, one per class (weighted counts, not all zero)
    criterion : {"gini", "entropy", "log_loss"}

    Returns
    -------
    float (entropy in bits, as ``tree_.impurity`` stores it)
    """
    code = _classification_code(criterion)
    tot = _class_weights(counts, "counts")
    weight = float(tot.sum())
    if weight <= 0.0:
        raise ValueError("counts must not all be zero: a node has at least one sample.")
    return float(node_impurity(code, tot, tot.shape[0], weight))


def impurity_decrease(parent_counts, left_counts, criterion="gini", total_weight=None):
    """Weighted impurity decrease of the split of a node into ``left`` and the rest.

    Parameters
    ----------
    parent_counts : sequence of float, the node's (weighted) class counts
    left_counts : sequence of float, the left child's counts (each at most the parent's)
    criterion : {"gini", "entropy", "log_loss"}
    total_weight : float or None
        Weight of the whole training set; None means the node is the root (then the result
        is the information gain of the split).

    Returns
    -------
    float
    """
    code = _classification_code(criterion)
    tot = _class_weights(parent_counts, "parent_counts")
    left = _class_weights(left_counts, "left_counts")
    if left.shape != tot.shape:
        raise ValueError(
            f"left_counts has {left.size} classes and parent_counts {tot.size}: give one count "
            "per class for both."
        )
    if np.any(left > tot):
        raise ValueError("left_counts must not exceed parent_counts in any class.")
    w_node = float(tot.sum())
    w_left = float(left.sum())
    w_right = w_node - w_left
    if w_left <= 0.0 or w_right <= 0.0:
        raise ValueError("Both children of a split must have positive weight.")
    w_total = w_node if total_weight is None else float(total_weight)
    if not np.isfinite(w_total) or w_total < w_node:
        raise ValueError(
            f"total_weight must be finite and at least the node's weight {w_node}, got "
            f"{total_weight!r}."
        )
    n_classes = tot.shape[0]
    parent = node_impurity(code, tot, n_classes, w_node)
    imp_left, imp_right = children_impurity(code, left, tot, n_classes, w_left, w_right)
    return float(
        impurity_improvement(w_node, w_total, parent, imp_left, imp_right, w_left, w_right)
    )


def regression_impurity(y, criterion="squared_error", sample_weight=None):
    """Impurity of a regression node from its targets.

    Parameters
    ----------
    y : sequence of float (finite, at least one)
    criterion : {"squared_error", "absolute_error"}
    sample_weight : sequence of float or None (non-negative, not all zero)

    Returns
    -------
    float: the weighted variance, or the weighted mean absolute deviation from the median
    """
    if criterion not in REGRESSION:
        raise ValueError(f"criterion must be one of {REGRESSION}, got {criterion!r}.")
    ys = np.ascontiguousarray(y, dtype=np.float64)
    if ys.ndim != 1 or ys.size == 0 or not np.all(np.isfinite(ys)):
        raise ValueError("y must be a non-empty 1-D sequence of finite numbers.")
    if sample_weight is None:
        w = np.ones_like(ys)
    else:
        w = np.ascontiguousarray(sample_weight, dtype=np.float64)
        if w.shape != ys.shape or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                "sample_weight must have one finite, non-negative weight per target, not all zero."
            )
    if CRITERIA[criterion] == MAE:
        order = np.arange(ys.shape[0], dtype=np.int32)
        _, error, weight = node_median_error(order, ys, 0, ys.shape[0], False, w)
        return float(error / weight)
    weight = float(w.sum())
    tot = np.array([np.sum(w * ys), np.sum(w * ys * ys)])
    return float(node_impurity(MSE, tot, 1, weight))
