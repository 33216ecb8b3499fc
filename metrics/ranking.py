"""Ranking metrics, which judge scores ``(y_true, y_score)``.

The hub is :func:`_binary_clf_curve`: the (weighted) true and false positive counts at every
distinct score, thresholds descending. Unweighted scores are split by class and each part is
sorted with ``np.sort`` (no argsort); a numba kernel then merges both sorted parts in one pass.
ROC AUC and average precision fuse that merge with their sum, so no curve is materialised.
"""

import warnings
from itertools import combinations
from numbers import Integral, Real

import numpy as np

from metrics import _kernels
from metrics._checks import (
    InvalidParameterError,
    check_consistent_length,
    check_option,
    check_pos_label_consistency,
    check_sample_weight,
    encode,
    to_1d,
    to_1d_scores,
    to_2d_float,
    type_of_target,
    unique_values,
)
from metrics._exceptions import UndefinedMetricWarning

__all__ = [
    "average_precision_score",
    "brier_score_loss",
    "det_curve",
    "log_loss",
    "precision_recall_curve",
    "roc_auc_score",
    "roc_curve",
    "top_k_accuracy_score",
]


# ----------------------------------------------------------------------------- the hub


def _binary_target(y_true, y_score, pos_label, sample_weight):
    """Validate a binary ranking problem: (is_positive, scores, weights or None, pos_label)."""
    y_true = to_1d(y_true, "y_true")
    check_consistent_length(y_true, y_score, sample_weight)
    y_score = to_1d_scores(y_score)
    if y_true.shape[0] == 0:
        raise ValueError(
            "Found empty input array (y_true, y_score) while a minimum of 1 sample is required."
        )
    y_type = type_of_target(y_true, "y_true")
    if not (y_type == "binary" or (y_type == "multiclass" and pos_label is not None)):
        raise ValueError(
            f"{y_type} format is not supported: pass binary class labels in y_true (or a "
            "pos_label for multiclass labels)."
        )
    given = pos_label is not None
    pos_label = check_pos_label_consistency(pos_label, y_true)
    is_pos = np.asarray(y_true == pos_label, dtype=bool)
    if given and not is_pos.any() and y_type == "binary" and np.unique(y_true).shape[0] == 2:
        raise ValueError(
            f"pos_label={pos_label!r} is not a valid label. It should be one of {np.unique(y_true)}"
        )
    weight = check_sample_weight(sample_weight, y_true.shape[0])
    return (*_drop_zero_weight(is_pos, y_score, weight), pos_label)


def _drop_zero_weight(is_pos, y_score, weight):
    """Samples of weight zero do not make thresholds: drop them (all zero is an error)."""
    if weight is None:
        return is_pos, y_score, None
    keep = weight != 0
    if not keep.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    if keep.all():
        return is_pos, y_score, weight
    return is_pos[keep], y_score[keep], weight[keep]


def _sorted_by_class(y_score, is_pos):
    """Each class's scores, sorted ascending (numpy's vectorised sort, in place)."""
    pos, neg = _kernels.split_by_class(
        np.ascontiguousarray(y_score), np.ascontiguousarray(is_pos, dtype=bool)
    )
    pos.sort()
    neg.sort()
    return pos, neg


def _counts(is_pos, y_score, weight):
    """Thresholds (descending distinct scores) and the fps, tps at each."""
    if weight is None:
        thresholds, tps, fps = _kernels.counts_from_sorted(*_sorted_by_class(y_score, is_pos))
    else:
        order = np.argsort(y_score)
        thresholds, tps, fps = _kernels.weighted_counts(order, y_score, is_pos, weight)
    return fps, tps, thresholds


def _binary_clf_curve(y_true, y_score, pos_label=None, sample_weight=None):
    """False and true positive counts at every distinct threshold (descending)."""
    is_pos, y_score, weight, _ = _binary_target(y_true, y_score, pos_label, sample_weight)
    return _counts(is_pos, y_score, weight)


def _tp_change_points(tps):
    """Indices of the first and last point of each run of equal ``tps`` (and both ends)."""
    inner = np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:]))
    return np.where(np.concatenate([[True], inner, [True]]))[0]


# ----------------------------------------------------------------------------- curves


def _rate(counts, samples, rate_name):
    """Cumulative ``counts`` over their total; all NaN (with a warning) when the total is 0."""
    if counts[-1] <= 0:
        warnings.warn(
            f"No {samples} samples in y_true, {rate_name} value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=3,  # the caller of roc_curve
        )
        return np.full(counts.shape, np.nan)
    return counts / counts[-1]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """Receiver operating characteristic: false and true positive rates at each threshold.

    Returns
    -------
    fpr, tpr : numpy.ndarray
        Rates at each threshold, increasing, starting at (0, 0).
    thresholds : numpy.ndarray
        Decreasing thresholds; the first is ``inf`` (nothing predicted positive).
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.where(
            np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]])
        )[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.concatenate([[0.0], tps])
    fps = np.concatenate([[0.0], fps])
    thresholds = np.concatenate([[np.inf], thresholds])
    fpr = _rate(fps, "negative", "false positive")
    tpr = _rate(tps, "positive", "true positive")
    return fpr, tpr, thresholds


def precision_recall_curve(
    y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=False
):
    """Precision and recall at each threshold (recall decreasing, ending at (1, 0)).

    Returns
    -------
    precision, recall : numpy.ndarray of shape (n_thresholds + 1,)
    thresholds : numpy.ndarray of shape (n_thresholds,), increasing
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        keep = _tp_change_points(tps)
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted != 0, tps / predicted, 0.0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=2,
        )
        recall = np.ones(tps.shape)
    else:
        recall = tps / tps[-1]
    return (
        np.concatenate([precision[::-1], [1.0]]),
        np.concatenate([recall[::-1], [0.0]]),
        thresholds[::-1].copy(),
    )


def det_curve(y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=False):
    """Detection error tradeoff: false positive and false negative rates at each threshold.

    Returns
    -------
    fpr, fnr : numpy.ndarray
        Rates, fpr decreasing.
    thresholds : numpy.ndarray
        Increasing thresholds (``inf`` last when nothing predicted positive is kept).
    """
    is_pos, scores, weight, _ = _binary_target(y_true, y_score, pos_label, sample_weight)
    fps, tps, thresholds = _counts(is_pos, scores, weight)
    tps = np.concatenate([[0.0], tps])
    fps = np.concatenate([[0.0], fps])
    thresholds = np.concatenate([[np.inf], thresholds])
    if drop_intermediate and fps.shape[0] > 2:
        keep = _tp_change_points(tps)
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    if np.unique(to_1d(y_true, "y_true")).shape[0] != 2:
        raise ValueError(
            "Only one class is present in y_true. Detection error tradeoff curve is not "
            "defined in that case."
        )
    fns = tps[-1] - tps
    p_count = tps[-1]
    n_count = fps[-1]
    first = np.searchsorted(fps, fps[0], side="right") - 1
    last = np.searchsorted(tps, tps[-1]) + 1
    part = slice(first if first >= 0 else None, last)
    return fps[part][::-1] / n_count, fns[part][::-1] / p_count, thresholds[part][::-1]


# ----------------------------------------------------------------------------- ROC AUC


def _binary_roc_auc(is_pos, y_score, weight=None, max_fpr=None):
    n_pos = int(is_pos.sum())
    if n_pos == 0 or n_pos == is_pos.shape[0]:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return np.nan
    is_pos, y_score, weight = _drop_zero_weight(is_pos, y_score, weight)
    n_pos = int(is_pos.sum())
    if n_pos == 0 or n_pos == is_pos.shape[0]:
        which = "positive" if n_pos == 0 else "negative"
        if which == "negative" and max_fpr is not None and max_fpr != 1:
            raise ValueError(  # scikit-learn fails here too (no false positive rate to cut)
                "No negative samples of non-zero weight in y_true: the partial ROC AUC "
                "(max_fpr) is undefined."
            )
        warnings.warn(
            f"No {which} samples in y_true (of non-zero weight): ROC AUC is undefined.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return np.nan
    if max_fpr is None or max_fpr == 1:
        if weight is None:
            return float(_kernels.roc_area_from_sorted(*_sorted_by_class(y_score, is_pos)))
        fps, tps, _ = _counts(is_pos, y_score, weight)
        return float(_kernels.roc_area_from_counts(tps, fps))
    fps, tps, _ = _counts(is_pos, y_score, weight)
    fpr = np.concatenate([[0.0], fps / fps[-1]])
    tpr = np.concatenate([[0.0], tps / tps[-1]])
    stop = np.searchsorted(fpr, max_fpr, "right")
    corner = slice(stop - 1, stop + 1)
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[corner], tpr[corner]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial_auc = float(np.trapezoid(tpr, fpr))
    min_area = 0.5 * max_fpr**2
    max_area = max_fpr
    return 0.5 * (1 + (partial_auc - min_area) / (max_area - min_area))


def _one_vs_rest(binary_metric, codes, n_classes, y_score, average, weight):
    """Average a binary metric over the classes, each against the rest."""
    onehot = np.zeros((codes.shape[0], n_classes), dtype=np.int64)
    onehot[np.arange(codes.shape[0]), codes] = 1
    if average == "micro":
        repeated = None if weight is None else np.repeat(weight, n_classes)
        return binary_metric(onehot.ravel().astype(bool), y_score.ravel(), repeated)
    average_weight = None
    if average == "weighted":
        average_weight = (
            onehot.sum(axis=0) if weight is None else (onehot * weight[:, None]).sum(axis=0)
        )
        if np.isclose(average_weight.sum(), 0.0):
            return 0
    scores = np.zeros(n_classes)
    for c in range(n_classes):
        scores[c] = binary_metric(onehot[:, c].astype(bool), y_score[:, c], weight)
    if average is None:
        return scores
    if average_weight is not None:
        scores[average_weight == 0] = 0
    return float(np.average(scores, weights=average_weight))


def _check_given_labels(labels, y_true, n_columns, dot=""):
    classes = np.unique(labels)
    if classes.shape[0] != labels.shape[0]:
        raise ValueError(f"Parameter 'labels' must be unique{dot}")
    if not np.array_equal(classes, labels):
        raise ValueError(f"Parameter 'labels' must be ordered{dot}")
    if classes.shape[0] != n_columns:
        raise ValueError(
            f"Number of given labels, {classes.shape[0]}, not equal to the number of columns "
            f"in 'y_score', {n_columns}"
        )
    if len(np.setdiff1d(y_true, classes)):
        raise ValueError(f"'y_true' contains labels not in parameter 'labels'{dot}")
    return classes


def _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, weight):
    if y_score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains "
            f"multiple classes. Got `y_score.shape={y_score.shape}`."
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they should "
            "sum up to 1.0 over classes"
        )
    options = ("macro", "weighted", None)
    if multi_class == "ovr":
        options = ("micro",) + options
    if average not in options:
        raise ValueError(f"average must be one of {options} for multiclass problems")
    if average is None and multi_class == "ovo":
        raise NotImplementedError("average=None is not implemented for multi_class='ovo'.")
    if labels is not None:
        classes = _check_given_labels(to_1d(labels, "labels"), y_true, y_score.shape[1])
    else:
        classes = np.unique(y_true)
        if classes.shape[0] != y_score.shape[1]:
            raise ValueError(
                "Number of classes in y_true not equal to the number of columns in 'y_score'"
            )
    codes = np.searchsorted(classes, y_true)
    if multi_class == "ovo":
        if weight is not None:
            raise ValueError(
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                "'sample_weight' must be None in this case."
            )
        return _one_vs_one_auc(codes, y_score, average)
    return _one_vs_rest(
        lambda t, s, w: _binary_roc_auc(t, s, w),
        codes,
        classes.shape[0],
        y_score,
        average,
        weight,
    )


def _one_vs_one_auc(codes, y_score, average):
    """Hand & Till (2001): mean over class pairs of the two one-against-other AUCs."""
    present = np.unique(codes)
    pairs = list(combinations(present.tolist(), 2))
    pair_scores = np.empty(len(pairs))
    prevalence = np.empty(len(pairs)) if average == "weighted" else None
    for ix, (a, b) in enumerate(pairs):
        a_mask = codes == a
        b_mask = codes == b
        ab_mask = a_mask | b_mask
        if prevalence is not None:
            prevalence[ix] = np.average(ab_mask)
        a_auc = _binary_roc_auc(a_mask[ab_mask], np.ascontiguousarray(y_score[ab_mask, a]))
        b_auc = _binary_roc_auc(b_mask[ab_mask], np.ascontiguousarray(y_score[ab_mask, b]))
        pair_scores[ix] = (a_auc + b_auc) / 2
    return float(np.average(pair_scores, weights=prevalence))


def _check_scored_labels(y_true, y_score, sample_weight):
    """Validate the input of the AUC and AP scores: (y_true, its target type, y_score, weight)."""
    y_true = to_1d(y_true, "y_true")
    y_type = type_of_target(y_true, "y_true")
    y_score = to_2d_float(y_score, "y_score")
    check_consistent_length(y_true, y_score, sample_weight)
    if y_true.shape[0] == 0:
        raise ValueError("Found empty input array (y_true, y_score); need at least 1 sample.")
    weight = check_sample_weight(sample_weight, y_true.shape[0], allow_all_zero=True)
    return y_true, y_type, y_score, weight


def roc_auc_score(
    y_true,
    y_score,
    *,
    average="macro",
    sample_weight=None,
    max_fpr=None,
    multi_class="raise",
    labels=None,
):
    """Area under the ROC curve.

    Binary: ``y_score`` is the score of the greater label. Multiclass: ``y_score`` holds
    probabilities of shape (n_samples, n_classes), averaged one-vs-rest ("ovr") or
    one-vs-one ("ovo", Hand & Till). ``max_fpr`` gives the McClish-standardised partial AUC.
    A ``y_true`` with a single class gives NaN and an UndefinedMetricWarning.
    """
    check_option(average, "average", (None, "micro", "macro", "weighted", "samples"))
    check_option(multi_class, "multi_class", ("raise", "ovr", "ovo"))
    if max_fpr is not None and not (isinstance(max_fpr, Real) and 0 < max_fpr <= 1):
        raise InvalidParameterError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    y_true, y_type, y_score, weight = _check_scored_labels(y_true, y_score, sample_weight)
    if y_type == "multiclass" or (
        y_type == "binary" and y_score.ndim == 2 and y_score.shape[1] > 2
    ):
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError(
                "Partial AUC computation not available in multiclass setting, 'max_fpr' must "
                f"be set to `None`, received `max_fpr={max_fpr}` instead"
            )
        if multi_class == "raise":
            raise ValueError("multi_class must be in ('ovo', 'ovr')")
        return _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, weight)
    if y_type != "binary":
        raise ValueError(f"{y_type} format is not supported: y_true must hold class labels.")
    if y_score.ndim == 2:
        if y_score.shape[1] != 1:
            raise ValueError(
                f"y_score must be 1-D for a binary y_true, got shape {y_score.shape}; pass "
                "the scores of the greater label."
            )
        y_score = y_score.ravel()
    classes = unique_values(y_true)
    is_pos = y_true == classes[-1] if classes.shape[0] == 2 else np.zeros(len(y_true), bool)
    return _binary_roc_auc(np.ascontiguousarray(is_pos), y_score, weight, max_fpr)


# ----------------------------------------------------------------------- average precision


def _binary_average_precision(is_pos, y_score, weight=None):
    is_pos, y_score, weight = _drop_zero_weight(is_pos, y_score, weight)
    if not is_pos.any():
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=3,
        )
        return 0.0
    if weight is None:
        value = _kernels.average_precision_from_sorted(*_sorted_by_class(y_score, is_pos))
    else:
        fps, tps, _ = _counts(is_pos, y_score, weight)
        value = _kernels.average_precision_from_counts(tps, fps)
    return float(max(0.0, value))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """Average precision: the precision at each threshold weighted by the recall gained.

    Binary ``y_true`` scores ``pos_label``; multiclass ``y_true`` needs ``y_score`` of shape
    (n_samples, n_classes) and is averaged one-vs-rest ("micro", "macro", "weighted", None).
    """
    check_option(average, "average", (None, "micro", "macro", "weighted", "samples"))
    y_true, y_type, y_score, weight = _check_scored_labels(y_true, y_score, sample_weight)
    present = unique_values(y_true)
    if y_type == "binary":
        if present.shape[0] == 2 and not any(pos_label == p for p in present.tolist()):
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        if y_score.ndim == 2:
            if y_score.shape[1] != 1:
                raise ValueError(
                    f"y_score must be 1-D for a binary y_true, got shape {y_score.shape}."
                )
            y_score = y_score.ravel()
        is_pos = np.asarray(y_true == pos_label, dtype=bool)
        return _binary_average_precision(is_pos, y_score, weight)
    if y_type != "multiclass":
        raise ValueError(f"{y_type} format is not supported: y_true must hold class labels.")
    if pos_label != 1:
        raise ValueError(
            "Parameter pos_label is fixed to 1 for multiclass y_true. Do not set pos_label or "
            "set pos_label to 1."
        )
    if y_score.shape != (y_true.shape[0], present.shape[0]):
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains "
            f"multiple classes. Got `y_score.shape={y_score.shape}`."
        )
    if average == "samples":
        raise ValueError("average='samples' is only defined for multilabel targets.")
    codes = np.searchsorted(present, y_true)
    return _one_vs_rest(
        _binary_average_precision, codes, present.shape[0], y_score, average, weight
    )


# ----------------------------------------------------------------------- probabilistic losses


def _one_hot_classes(y_true, labels):
    """One-hot of ``y_true`` over the sorted classes (two columns for a binary problem)."""
    y_true = to_1d(y_true, "y_true")
    if y_true.dtype.kind == "f" and not np.all(np.mod(y_true, 1.0) == 0):
        raise ValueError("y_true holds continuous values; probabilistic losses need class labels.")
    present, (codes,) = encode(y_true)
    classes = present
    if labels is not None:
        given = to_1d(labels, "labels")
        classes, _ = encode(given)
        if not np.array_equal(classes, given):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure "
                "that the columns of y_prob correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        index = {label: i for i, label in enumerate(classes.tolist())}
        missing = {label for label in present.tolist() if label not in index}
        if missing:
            raise ValueError(
                f"y_true contains values {missing} not belonging to the passed labels {labels}."
            )
        codes = np.array([index[label] for label in present.tolist()], dtype=np.int64)[codes]
    if classes.shape[0] == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide the list of "
                "all expected class labels explicitly through the labels argument."
            )
        raise ValueError(f"The labels array needs to contain at least two labels, got {classes}.")
    onehot = np.zeros((y_true.shape[0], classes.shape[0]))
    onehot[np.arange(y_true.shape[0]), codes] = 1.0
    return onehot, classes


def _multiclass_probabilities(y_true, y_proba, sample_weight, labels):
    if y_proba.max() > 1:
        raise ValueError(f"y_prob contains values greater than 1: {y_proba.max()}")
    if y_proba.min() < 0:
        raise ValueError(f"y_prob contains values lower than 0: {y_proba.min()}")
    check_consistent_length(y_proba, y_true, sample_weight)
    weight = check_sample_weight(sample_weight, y_proba.shape[0])
    onehot, classes = _one_hot_classes(y_true, labels)
    if y_proba.ndim == 1:
        y_proba = y_proba[:, None]
    if y_proba.shape[1] == 1:
        y_proba = np.concatenate([1 - y_proba, y_proba], axis=1)
    eps = np.finfo(y_proba.dtype).eps
    if not np.all(np.isclose(y_proba.sum(axis=1), 1.0, rtol=np.sqrt(eps))):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=3,
        )
    if classes.shape[0] != y_proba.shape[1]:
        if labels is None:
            raise ValueError(
                f"y_true and y_prob contain different number of classes: {onehot.shape[1]} vs "
                f"{y_proba.shape[1]}. Please provide the true labels explicitly through the "
                f"labels argument. Classes found in y_true: {classes}"
            )
        raise ValueError(
            "The number of classes in labels is different from that in y_prob. Classes found "
            f"in labels: {classes}"
        )
    return onehot, y_proba, weight


def _weighted_mean(values, weight, normalize=True):
    if normalize:
        return float(np.average(values, weights=weight))
    if weight is None:
        return float(np.sum(values))
    return float(np.dot(values, weight))


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    """Cross-entropy of the predicted probabilities (clipped to ``[eps, 1 - eps]``).

    ``y_proba`` is (n_samples, n_classes) with columns in sorted label order, or the
    probability of the greater label for a binary target. Rows that do not sum to one give
    a UserWarning (as scikit-learn does) and are used as they are.
    """
    y_proba = to_2d_float(y_proba, "y_proba")
    check_consistent_length(to_1d(y_true, "y_true"), y_proba, sample_weight)
    if y_proba.shape[0] == 0:
        raise ValueError("Found empty input array (y_true, y_proba); need at least 1 sample.")
    onehot, y_proba, weight = _multiclass_probabilities(y_true, y_proba, sample_weight, labels)
    eps = np.finfo(y_proba.dtype).eps
    y_proba = np.clip(y_proba, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(onehot == 0, 0.0, onehot * np.log(y_proba))
    loss = -np.sum(terms, axis=1)
    return _weighted_mean(loss, weight, normalize)


def brier_score_loss(
    y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None, scale_by_half="auto"
):
    """Mean squared difference between predicted probabilities and the one-hot outcome.

    Binary (``y_proba`` 1-D: the probability of ``pos_label``) or multiclass
    (``y_proba`` of shape (n_samples, n_classes)). With ``scale_by_half="auto"`` a binary
    score is halved, to the usual ``mean((y - p) ** 2)``.
    """
    if not (scale_by_half == "auto" or isinstance(scale_by_half, bool)):
        raise InvalidParameterError(
            f"scale_by_half must be 'auto' or a bool; got {scale_by_half!r}."
        )
    y_proba = to_2d_float(y_proba, "y_proba")
    y_true_arr = to_1d(y_true, "y_true")
    check_consistent_length(y_true_arr, y_proba, sample_weight)
    if y_proba.shape[0] == 0:
        raise ValueError("Found empty input array (y_true, y_proba); need at least 1 sample.")
    if y_proba.ndim == 1 or y_proba.shape[1] == 1:
        y_proba = y_proba.ravel()
        weight = check_sample_weight(sample_weight, y_proba.shape[0])
        y_type = type_of_target(y_true_arr, "y_true")
        if y_type != "binary":
            raise ValueError(
                f"The type of the target inferred from y_true is {y_type} but should be "
                "binary according to the shape of y_prob."
            )
        if y_proba.max() > 1:
            raise ValueError(f"y_prob contains values greater than 1: {y_proba.max()}")
        if y_proba.min() < 0:
            raise ValueError(f"y_prob contains values less than 0: {y_proba.min()}")
        try:
            pos_label = check_pos_label_consistency(pos_label, y_true_arr)
        except ValueError:
            classes = np.unique(y_true_arr)
            if classes.dtype.kind in "OUS":
                raise
            pos_label = classes[-1]
        positive = np.asarray(y_true_arr == pos_label, dtype=np.float64)
        onehot = np.stack([1 - positive, positive], axis=1)
        y_proba = np.stack([1 - y_proba, y_proba], axis=1)
        n_columns = 1
    else:
        onehot, y_proba, weight = _multiclass_probabilities(y_true, y_proba, sample_weight, labels)
        n_columns = y_proba.shape[1]
    score = float(np.average(np.sum((onehot - y_proba) ** 2, axis=1), weights=weight))
    if scale_by_half == "auto":
        scale_by_half = n_columns < 3
    return score * 0.5 if scale_by_half else score


# ----------------------------------------------------------------------------- top-k


def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None, labels=None):
    """Fraction of samples whose true label is among the ``k`` highest-scored labels."""
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise InvalidParameterError(f"k must be an int >= 1; got {k!r}.")
    y_true = to_1d(y_true, "y_true")
    y_type = type_of_target(y_true, "y_true")
    if y_type == "binary" and labels is not None and len(labels) > 2:
        y_type = "multiclass"
    if y_type not in {"binary", "multiclass"}:
        raise ValueError(f"y type must be 'binary' or 'multiclass', got '{y_type}' instead.")
    y_score = to_2d_float(y_score, "y_score")
    if y_type == "binary":
        if y_score.ndim == 2 and y_score.shape[1] != 1:
            raise ValueError(
                f"`y_true` is binary while y_score is 2d with {y_score.shape[1]} classes. If "
                "`y_true` does not contain all the labels, `labels` must be provided."
            )
        y_score = y_score.ravel()
    elif y_score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains "
            f"multiple classes. Got `y_score.shape={y_score.shape}`."
        )
    check_consistent_length(y_true, y_score, sample_weight)
    weight = check_sample_weight(sample_weight, y_true.shape[0], allow_all_zero=True)
    n_score_classes = y_score.shape[1] if y_score.ndim == 2 else 2
    if labels is None:
        classes = np.unique(y_true)
        if classes.shape[0] != n_score_classes:
            raise ValueError(
                f"Number of classes in 'y_true' ({classes.shape[0]}) not equal to the number "
                f"of classes in 'y_score' ({n_score_classes}).You can provide a list of all "
                "known classes by assigning it to the `labels` parameter."
            )
    else:
        given = to_1d(labels, "labels")
        classes = np.unique(given)
        if classes.shape[0] != given.shape[0]:
            raise ValueError("Parameter 'labels' must be unique.")
        if not np.array_equal(classes, given):
            raise ValueError("Parameter 'labels' must be ordered.")
        if classes.shape[0] != n_score_classes:
            raise ValueError(
                f"Number of given labels ({classes.shape[0]}) not equal to the number of "
                f"classes in 'y_score' ({n_score_classes})."
            )
        if len(np.setdiff1d(y_true, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'.")
    n_classes = classes.shape[0]
    if k >= n_classes:
        warnings.warn(
            f"'k' ({k}) greater than or equal to 'n_classes' ({n_classes}) will result in a "
            "perfect score and is therefore meaningless.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    codes = np.searchsorted(classes, y_true)
    if y_type == "binary":
        if k == 1:
            threshold = 0.5 if y_score.min() >= 0 and y_score.max() <= 1 else 0
            hits = (y_score > threshold).astype(np.int64) == codes
        else:
            hits = np.ones(y_score.shape[0], dtype=bool)
    else:
        ranked = np.argsort(y_score, axis=1, kind="mergesort")[:, ::-1]
        hits = (codes == ranked[:, :k].T).any(axis=0)
    if normalize:
        return float(np.average(hits, weights=weight))
    if weight is None:
        return float(np.sum(hits))
    return float(np.dot(hits, weight))
