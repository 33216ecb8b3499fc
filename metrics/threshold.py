"""Threshold metrics, which judge hard predictions ``(y_true, y_pred)``.

The hub is one weighted confusion matrix over every label present in either array
(:func:`_confusion_over_present`); every metric here is a thin wrapper that reads its counts.
"""

import warnings
from numbers import Integral, Real

import numpy as np

from metrics import _kernels
from metrics._checks import (
    InvalidParameterError,
    check_option,
    check_targets,
    check_zero_division,
)
from metrics._exceptions import UndefinedMetricWarning

__all__ = [
    "accuracy_score",
    "balanced_accuracy_score",
    "classification_report",
    "cohen_kappa_score",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "matthews_corrcoef",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]

_AVERAGES = (None, "binary", "micro", "macro", "weighted")


# ----------------------------------------------------------------------------- the hub


def _confusion_over_present(targets):
    """Weighted confusion matrix over ``targets.labels`` (every label present)."""
    n_labels = targets.labels.shape[0]
    if targets.sample_weight is None:
        return _kernels.count_confusion(targets.codes_true, targets.codes_pred, n_labels)
    return _kernels.count_confusion_weighted(
        targets.codes_true, targets.codes_pred, targets.sample_weight, n_labels
    )


def _warn_if_single_label(cm):
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to "
            "have the correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=3,
        )


def _positions(requested, present):
    """Index in ``present`` of each requested label, -1 for a label absent from the data."""
    index = {label: i for i, label in enumerate(present.tolist())}
    return np.array([index.get(label, -1) for label in requested.tolist()], dtype=np.int64)


def _restrict(cm_full, positions):
    """The confusion matrix over the requested labels only (other samples dropped)."""
    n = positions.shape[0]
    cm = np.zeros((n, n), dtype=cm_full.dtype)
    known = np.flatnonzero(positions >= 0)
    cm[np.ix_(known, known)] = cm_full[np.ix_(positions[known], positions[known])]
    return cm


def _as_label_array(labels):
    labels = np.asarray(labels.to_numpy() if hasattr(labels, "to_numpy") else labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    return labels


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Confusion matrix ``C[i, j]``: samples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default None
        Labels indexing the matrix, in this order; samples with other labels are ignored.
        Default: every label present in either array, sorted.
    sample_weight : array-like of shape (n_samples,), default None
    normalize : {"true", "pred", "all"}, default None
        Normalise over the true labels (rows), the predicted labels (columns) or everything.

    Returns
    -------
    numpy.ndarray of shape (n_classes, n_classes)
    """
    check_option(normalize, "normalize", (None, "true", "pred", "all"))
    targets = check_targets(y_true, y_pred, sample_weight)
    cm = _confusion_over_present(targets)
    if labels is not None:
        labels = _as_label_array(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        positions = _positions(labels, targets.labels)
        if not np.any(
            np.bincount(targets.codes_true, minlength=len(targets.labels))[
                positions[positions >= 0]
            ]
        ):
            raise ValueError("At least one label specified must be in y_true")
        cm = _restrict(cm, positions)
    if sample_weight is not None and np.asarray(sample_weight).dtype.kind in "iub":
        cm = cm.astype(np.int64)
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    _warn_if_single_label(cm)
    return cm


# ----------------------------------------------------------------------------- wrappers


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or, with ``normalize=False``, number) of correctly predicted samples."""
    targets = check_targets(y_true, y_pred, sample_weight)
    correct = targets.codes_true == targets.codes_pred
    if normalize:
        return float(np.average(correct, weights=targets.sample_weight))
    if targets.sample_weight is None:
        return float(np.sum(correct))
    return float(np.dot(correct, targets.sample_weight))


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False):
    """Mean recall over the classes present in ``y_true`` (optionally adjusted for chance)."""
    targets = check_targets(y_true, y_pred, sample_weight)
    cm = _confusion_over_present(targets)
    _warn_if_single_label(cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    if np.any(np.isnan(per_class)):
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
        per_class = per_class[~np.isnan(per_class)]
    score = np.mean(per_class)
    if adjusted:
        chance = 1 / per_class.shape[0]
        score -= chance
        score /= 1 - chance
    return float(score)


def matthews_corrcoef(y_true, y_pred, *, sample_weight=None):
    """Matthews correlation coefficient (multiclass: Gorodkin's R_K); 0.0 when undefined."""
    targets = check_targets(y_true, y_pred, sample_weight)
    cm = _confusion_over_present(targets)
    _warn_if_single_label(cm)
    t_sum = cm.sum(axis=1, dtype=np.float64)
    p_sum = cm.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(cm, dtype=np.float64)
    n_samples = p_sum.sum()
    cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
    cov_ypyp = n_samples**2 - np.dot(p_sum, p_sum)
    cov_ytyt = n_samples**2 - np.dot(t_sum, t_sum)
    denominator = cov_ypyp * cov_ytyt
    if denominator == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(denominator))


def cohen_kappa_score(
    y1, y2, *, labels=None, weights=None, sample_weight=None, replace_undefined_by=np.nan
):
    """Cohen's kappa: agreement between two annotators beyond chance.

    ``weights`` is None, "linear" or "quadratic"; ``replace_undefined_by`` is returned (with
    an UndefinedMetricWarning) when kappa is 0/0.
    """
    check_option(weights, "weights", (None, "linear", "quadratic"))
    if not (
        isinstance(replace_undefined_by, Real)
        and (np.isnan(replace_undefined_by) or -1.0 <= replace_undefined_by <= 1.0)
    ):
        raise InvalidParameterError(
            f"replace_undefined_by must be np.nan or a float in [-1, 1]; got "
            f"{replace_undefined_by!r}."
        )
    try:
        confusion = confusion_matrix(y1, y2, labels=labels, sample_weight=sample_weight)
    except ValueError as exc:
        if "At least one label specified must be in y_true" in str(exc):
            raise ValueError(
                "At least one label in `labels` must be present in `y1` (even though "
                "`cohen_kappa_score` is otherwise agnostic to the order of `y1` and `y2`)."
            ) from exc
        raise
    n_classes = confusion.shape[0]
    confusion = confusion.astype(np.float64)
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    total = sum0.sum()
    if total == 0:
        warnings.warn(
            "`y2` contains no labels that are present in both `y1` and `labels`. "
            "`cohen_kappa_score` is undefined and set to the value defined by the "
            f"`replace_undefined_by` param, which is set to {replace_undefined_by}.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return replace_undefined_by
    expected = np.outer(sum0, sum1) / total
    if weights is None:
        w_mat = np.ones((n_classes, n_classes))
        np.fill_diagonal(w_mat, 0)
    else:
        grid = np.zeros((n_classes, n_classes)) + np.arange(n_classes)
        w_mat = np.abs(grid - grid.T) if weights == "linear" else (grid - grid.T) ** 2
    numerator = np.sum(w_mat * confusion)
    denominator = np.sum(w_mat * expected)
    if denominator == 0:
        warnings.warn(
            "`y1`, `y2` and `labels` have only one label in common. `cohen_kappa_score` is "
            "undefined and set to the value defined by the `replace_undefined_by` param, "
            f"which is set to {replace_undefined_by}.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return replace_undefined_by
    return float(1 - numerator / denominator)


# ------------------------------------------------------------- precision, recall, F-beta


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    """``numerator / denominator`` with 0/0 set to ``zero_division`` (and a warning)."""
    mask = denominator == 0
    denominator = np.asarray(denominator, dtype=np.float64).copy()
    denominator[mask] = 1
    result = np.asarray(numerator, dtype=np.float64) / denominator
    if not np.any(mask):
        return result
    result[mask] = check_zero_division(zero_division)
    if isinstance(zero_division, str) and metric in warn_for:
        where = "due to" if result.shape[0] == 1 else "in labels with"
        warnings.warn(
            f"{metric.capitalize()} is ill-defined and being set to 0.0 {where} no {modifier} "
            "samples. Use `zero_division` parameter to control this behavior.",
            UndefinedMetricWarning,
            stacklevel=4,
        )
    return result


def _nanaverage(values, weights=None):
    if values.shape[0] == 0:
        return np.nan
    mask = np.isnan(values)
    if np.all(mask):
        return np.nan
    if weights is None:
        return np.mean(values[~mask])
    values, weights = values[~mask], np.asarray(weights)[~mask]
    try:
        return np.average(values, weights=weights)
    except ZeroDivisionError:
        return np.average(values)


def _set_wise_labels(targets, average, labels, pos_label):
    """The labels to score: ``[pos_label]`` for a binary average, else ``labels``."""
    check_option(average, "average", _AVERAGES)
    present = targets.labels
    if average == "binary":
        if targets.y_type != "binary":
            raise ValueError(
                "Target is multiclass but average='binary'. Please choose another average "
                "setting, one of [None, 'micro', 'macro', 'weighted']."
            )
        if not any(pos_label == label for label in present.tolist()) and len(present) >= 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        return np.asarray([pos_label])
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' "
            f"(got {average!r}). You may use labels=[pos_label] to specify a single positive "
            "class.",
            UserWarning,
            stacklevel=4,
        )
    return None if labels is None else _as_label_array(labels)


def _per_label_counts(targets, labels):
    """True positives, predicted and true totals of each label of ``labels`` (or all)."""
    cm = _confusion_over_present(targets)
    tp_all = np.diag(cm)
    if targets.sample_weight is None:
        pred_all = cm.sum(axis=0)
        true_all = cm.sum(axis=1)
        if not tp_all.any():  # scikit-learn's counts turn float when nothing is right
            tp_all, pred_all, true_all = (
                a.astype(np.float64) for a in (tp_all, pred_all, true_all)
            )
    else:  # summed in sample order, as scikit-learn does, so totals match to the last bit
        n_labels = targets.labels.shape[0]
        weight = targets.sample_weight
        pred_all = np.bincount(targets.codes_pred, weights=weight, minlength=n_labels)
        true_all = np.bincount(targets.codes_true, weights=weight, minlength=n_labels)
    if labels is None:
        return tp_all, pred_all, true_all
    if labels.size == 0:
        raise ValueError("'labels' should contain at least one label.")
    positions = _positions(labels, targets.labels)
    known = positions >= 0

    def pick(values):
        out = np.zeros(positions.shape[0], dtype=values.dtype)
        out[known] = values[positions[known]]
        return out

    return pick(tp_all), pick(pred_all), pick(true_all)


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support of each class, or their average.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    beta : float, default 1.0
        Weight of recall relative to precision in the F-score.
    labels : array-like, default None
        Labels to include (and their order when ``average=None``).
    pos_label : int, float, bool or str, default 1
        The class scored when ``average="binary"``.
    average : {None, "binary", "micro", "macro", "weighted"}, default None
    warn_for : tuple of str
        Which metrics warn when ill-defined.
    sample_weight : array-like of shape (n_samples,), default None
    zero_division : {"warn", 0.0, 1.0, np.nan}, default "warn"
        Value of a 0/0 ratio ("warn": 0.0 and an UndefinedMetricWarning).

    Returns
    -------
    precision, recall, fbeta_score : float or numpy.ndarray
    support : numpy.ndarray or None
        Weighted count of true samples of each class (None when averaged).
    """
    check_zero_division(zero_division)
    if not isinstance(beta, Real) or isinstance(beta, bool) or not beta >= 0:
        raise InvalidParameterError(f"beta must be a float >= 0; got {beta!r}.")
    targets = check_targets(y_true, y_pred, sample_weight)
    labels = _set_wise_labels(targets, average, labels, pos_label)
    tp_sum, pred_sum, true_sum = _per_label_counts(targets, labels)
    if average == "micro":
        tp_sum = np.array([tp_sum.sum()])
        pred_sum = np.array([pred_sum.sum()])
        true_sum = np.array([true_sum.sum()])
    beta2 = beta**2
    precision = _prf_divide(
        tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division
    )
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        denominator = beta2 * true_sum.astype(np.float64) + pred_sum.astype(np.float64)
        f_score = _prf_divide(
            (1 + beta2) * tp_sum.astype(np.float64),
            denominator,
            "f-score",
            "true nor predicted",
            average,
            warn_for,
            zero_division,
        )
    if average is None:
        return precision, recall, f_score, true_sum
    weights = true_sum if average == "weighted" else None
    return (
        float(_nanaverage(precision, weights)),
        float(_nanaverage(recall, weights)),
        float(_nanaverage(f_score, weights)),
        None,
    )


def _score(y_true, y_pred, which, warn_for, **kwargs):
    result = precision_recall_fscore_support(y_true, y_pred, warn_for=warn_for, **kwargs)
    return result[which]


def precision_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Precision ``tp / (tp + fp)``: the fraction of predicted positives that are positive."""
    return _score(
        y_true,
        y_pred,
        0,
        ("precision",),
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def recall_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Recall ``tp / (tp + fn)``: the fraction of positives that are found."""
    return _score(
        y_true,
        y_pred,
        1,
        ("recall",),
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F-beta: weighted harmonic mean of precision and recall (recall counts beta times)."""
    return _score(
        y_true,
        y_pred,
        2,
        ("f-score",),
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def f1_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F1: the harmonic mean of precision and recall."""
    return fbeta_score(
        y_true,
        y_pred,
        beta=1,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


# ----------------------------------------------------------------------------- report


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
):
    """Text (or dict) report of precision, recall, F1 and support per class and averaged.

    The text has scikit-learn's exact layout; ``output_dict=True`` returns the same numbers
    as a dict keyed by class name, "accuracy" (when every label is scored), "macro avg" and
    "weighted avg".
    """
    if not isinstance(digits, Integral) or isinstance(digits, bool) or digits < 0:
        raise InvalidParameterError(f"digits must be an int >= 0; got {digits!r}.")
    targets = check_targets(y_true, y_pred, sample_weight)
    labels_given = labels is not None
    labels = _as_label_array(labels) if labels_given else targets.labels
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(targets.labels.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}",
                UserWarning,
                stacklevel=2,
            )
        else:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter"
            )
    if target_names is None:
        target_names = [f"{label}" for label in labels.tolist()]
    common = dict(labels=labels, sample_weight=sample_weight, zero_division=zero_division)
    p, r, f1, s = precision_recall_fscore_support(y_true, y_pred, average=None, **common)
    headers = ["precision", "recall", "f1-score", "support"]
    rows = list(zip(target_names, p, r, f1, s))
    averages = []
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else average + " avg"
        avg_p, avg_r, avg_f1, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, **common
        )
        averages.append((heading, [avg_p, avg_r, avg_f1, np.sum(s)]))
    if output_dict:
        report = {row[0]: dict(zip(headers, [float(v) for v in row[1:]])) for row in rows}
        for heading, values in averages:
            report[heading] = dict(zip(headers, [float(v) for v in values]))
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * len(headers)).format("", *headers, width=width)
    text += "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for row in rows:
        text += row_fmt.format(*row, width=width, digits=digits)
    text += "\n"
    for heading, values in averages:
        if heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)
    return text
