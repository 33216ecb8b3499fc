"""Choosing a decision threshold for scores: the best F-beta, Youden's J or expected cost.

One pass over the counts at every distinct threshold (the ranking hub) evaluates the objective
at every threshold at once; a sample is predicted positive when ``score >= threshold``.
"""

from collections import namedtuple
from numbers import Real

import numpy as np

from metrics._checks import InvalidParameterError
from metrics.ranking import _binary_target, _counts

__all__ = ["BestThreshold", "best_threshold"]

BestThreshold = namedtuple("BestThreshold", "threshold value")
BestThreshold.__doc__ = """The chosen threshold and the objective's value there."""


def _parse_objective(objective):
    """Return (kind, parameter): ("fbeta", beta), ("youden", None) or ("cost", matrix)."""
    if objective == "f1":
        return "fbeta", 1.0
    if objective == "youden":
        return "youden", None
    if isinstance(objective, tuple) and len(objective) == 2:
        kind, parameter = objective
        if kind == "fbeta":
            if not isinstance(parameter, Real) or not parameter > 0 or not np.isfinite(parameter):
                raise InvalidParameterError(f"beta must be a finite number > 0; got {parameter!r}.")
            return "fbeta", float(parameter)
        if kind == "cost":
            cost = np.asarray(parameter, dtype=np.float64)
            if cost.shape != (2, 2) or not np.all(np.isfinite(cost)):
                raise InvalidParameterError(
                    "The cost matrix must be a finite 2x2 array [[C_tn, C_fp], [C_fn, C_tp]] "
                    f"(rows: true class, columns: predicted class); got {parameter!r}."
                )
            return "cost", cost
    raise InvalidParameterError(
        "objective must be 'f1', 'youden', ('fbeta', beta) or ('cost', cost_matrix); got "
        f"{objective!r}."
    )


def best_threshold(y_true, y_score, objective="f1", *, pos_label=None, sample_weight=None):
    """The score threshold that optimises a decision objective.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class; a sample is predicted positive when
        ``score >= threshold``.
    objective : "f1", "youden", ("fbeta", beta) or ("cost", cost_matrix)
        Maximise F1, F-beta or Youden's J (``tpr - fpr``), or minimise the mean cost per
        (weighted) sample of ``cost_matrix[true, predicted]`` (a 2x2 array, negative class
        first, like :func:`metrics.confusion_matrix`).
    pos_label : int, float, bool or str, default None
        The positive class (inferred for labels {0, 1} or {-1, 1}).
    sample_weight : array-like of shape (n_samples,), default None

    Returns
    -------
    BestThreshold
        ``(threshold, value)``. Candidates are every distinct score and ``inf`` (nothing
        predicted positive); among equally good candidates the highest threshold wins.
    """
    kind, parameter = _parse_objective(objective)
    is_pos, scores, weight, _ = _binary_target(y_true, y_score, pos_label, sample_weight)
    fps, tps, thresholds = _counts(is_pos, scores, weight)
    fps = np.concatenate([[0.0], fps])
    tps = np.concatenate([[0.0], tps])
    thresholds = np.concatenate([[np.inf], thresholds])
    n_pos, n_neg = tps[-1], fps[-1]
    if kind == "fbeta":
        if n_pos <= 0:
            raise ValueError("y_true has no positive sample: the F-score is undefined.")
        beta2 = parameter**2
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (1 + beta2) * tps / ((1 + beta2) * tps + beta2 * (n_pos - tps) + fps)
        values[0] = 0.0
        best = int(np.argmax(values))
    elif kind == "youden":
        if n_pos <= 0 or n_neg <= 0:
            raise ValueError(
                "y_true must hold both classes: Youden's J needs positives and negatives."
            )
        values = tps / n_pos - fps / n_neg
        best = int(np.argmax(values))
    else:
        cost = parameter
        total = n_pos + n_neg
        values = (
            (n_neg - fps) * cost[0, 0]
            + fps * cost[0, 1]
            + (n_pos - tps) * cost[1, 0]
            + tps * cost[1, 1]
        ) / total
        best = int(np.argmin(values))
    return BestThreshold(float(thresholds[best]), float(values[best]))
