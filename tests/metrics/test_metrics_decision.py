"""best_threshold against a brute force over every candidate threshold (scikit-learn metrics)."""

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import assume, given
from hypothesis import strategies as st
from metrics_helpers import scored_binary

import metrics


def _brute_force(y_true, y_score, weight, objective):
    """Evaluate the objective with scikit-learn at inf and every distinct score."""
    candidates = np.concatenate([[np.inf], np.unique(y_score)[::-1]])
    values = []
    for threshold in candidates:
        y_pred = (y_score >= threshold).astype(int)
        if objective == "youden":
            cm = skm.confusion_matrix(y_true, y_pred, labels=[0, 1], sample_weight=weight)
            (tn, fp), (fn, tp) = cm
            values.append(tp / (tp + fn) - fp / (fp + tn))
        elif objective[0] == "cost":
            cm = skm.confusion_matrix(y_true, y_pred, labels=[0, 1], sample_weight=weight)
            values.append(-float((cm * np.asarray(objective[1])).sum() / cm.sum()))
        else:
            beta = 1.0 if objective == "f1" else objective[1]
            values.append(
                skm.fbeta_score(y_true, y_pred, beta=beta, sample_weight=weight, zero_division=0.0)
            )
    values = np.asarray(values)
    best = int(np.argmax(values))  # first = highest threshold among ties
    return candidates[best], values, best


OBJECTIVES = st.sampled_from(
    [
        "f1",
        "youden",
        ("fbeta", 0.5),
        ("fbeta", 2.0),
        ("cost", [[0, 1], [5, 0]]),
        ("cost", [[-1.0, 2.5], [3.0, -0.5]]),
    ]
)


@given(scored_binary(max_size=25), OBJECTIVES)
def test_best_threshold_matches_brute_force(data, objective):
    y_true, y_score, weight = data
    kept = y_true if weight is None else y_true[weight != 0]
    assume(kept.size and 0 < kept.sum() < kept.size)
    result = metrics.best_threshold(y_true, y_score, objective, sample_weight=weight)
    threshold, values, best = _brute_force(y_true, y_score, weight, objective)
    sign = -1.0 if isinstance(objective, tuple) and objective[0] == "cost" else 1.0
    assert result.value == pytest.approx(sign * values[best], rel=1e-9, abs=1e-12)
    chosen = np.flatnonzero(np.isclose(values, values[best], rtol=1e-9, atol=1e-12))
    candidates = np.concatenate([[np.inf], np.unique(y_score)[::-1]])
    assert result.threshold == candidates[chosen[0]]
    assert threshold == candidates[best]


def test_best_threshold_returns_named_tuple_and_string_labels():
    y_true = ["no", "yes", "yes", "no", "yes", "no"]
    y_score = [0.1, 0.8, 0.6, 0.65, 0.3, 0.2]
    result = metrics.best_threshold(y_true, y_score, "youden", pos_label="yes")
    assert isinstance(result, metrics.BestThreshold)
    # at 0.3: tp = 3 of 3 positives, fp = 1 (0.65) of 3 negatives
    assert result.threshold == 0.3 and result.value == pytest.approx(1 - 1 / 3)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([0, 1], [0.2, 0.4], "accuracy"), {}, "objective"),
        (([0, 1], [0.2, 0.4], ("fbeta", -1)), {}, "beta"),
        (([0, 1], [0.2, 0.4], ("cost", [1, 2, 3])), {}, "2x2"),
        (([0, 0], [0.2, 0.4], "f1"), {}, "no positive"),
        (([1, 1], [0.2, 0.4], "youden"), {}, "both classes"),
        (([0, 1], [0.2, np.nan], "f1"), {}, "NaN"),
        (([0, 1, 1], [0.2, 0.4], "f1"), {}, "inconsistent"),
        ((["a", "b"], [0.2, 0.4], "f1"), {}, "pos_label"),
    ],
)
def test_best_threshold_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.best_threshold(*args, **kwargs)
