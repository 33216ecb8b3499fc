"""Ranking metrics against scikit-learn: curves, AUC, AP, losses, top-k; ties and edge cases."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st
from metrics_helpers import Outcome, assert_close, compare, scored_binary

import metrics


@st.composite
def probabilities(draw, min_classes=3, max_classes=4, max_size=30, all_present=True):
    """(y_true codes, probabilities (n, k) rows summing to one, weights or None)."""
    k = draw(st.integers(min_classes, max_classes))
    n = draw(st.integers(k if all_present else 1, max_size))
    y = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    if all_present:
        y[:k] = range(k)
    raw = np.array(
        draw(st.lists(st.lists(st.integers(1, 6), min_size=k, max_size=k), min_size=n, max_size=n)),
        dtype=np.float64,
    )
    weight = None
    if draw(st.booleans()):
        weight = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n)))
    return np.array(y), raw / raw.sum(axis=1, keepdims=True), weight


# det_curve warns differently from scikit-learn on degenerate input: only values are compared.
@pytest.mark.parametrize(
    ("name", "same_warnings"),
    [("roc_curve", True), ("precision_recall_curve", True), ("det_curve", False)],
)
@given(scored_binary(), st.booleans())
def test_curve_matches_sklearn(name, same_warnings, data, drop_intermediate):
    y_true, y_score, weight = data
    compare(
        getattr(metrics, name),
        getattr(skm, name),
        y_true,
        y_score,
        sample_weight=weight,
        drop_intermediate=drop_intermediate,
        same_warnings=same_warnings,
    )


@given(scored_binary(), st.sampled_from([None, 1.0, 0.5, 0.1]))
def test_binary_roc_auc_matches_sklearn(data, max_fpr):
    y_true, y_score, weight = data
    compare(
        metrics.roc_auc_score,
        skm.roc_auc_score,
        y_true,
        y_score,
        sample_weight=weight,
        max_fpr=max_fpr,
        same_warnings="category",
    )


@given(scored_binary(), st.sampled_from([0, 1]))
def test_binary_average_precision_matches_sklearn(data, pos_label):
    y_true, y_score, weight = data
    compare(
        metrics.average_precision_score,
        skm.average_precision_score,
        y_true,
        y_score,
        sample_weight=weight,
        pos_label=pos_label,
    )


@given(st.integers(2, 40), st.integers(0, 39), st.floats(-3, 3), st.booleans())
def test_single_positive_and_all_equal_scores(n, where, value, equal):
    y_true = np.zeros(n, dtype=int)
    y_true[where % n] = 1
    y_score = np.full(n, value) if equal else np.linspace(-1, 1, n)
    for name in ("roc_auc_score", "average_precision_score"):
        compare(getattr(metrics, name), getattr(skm, name), y_true, y_score)
    compare(metrics.roc_curve, skm.roc_curve, y_true, y_score)
    compare(metrics.precision_recall_curve, skm.precision_recall_curve, y_true, y_score)


@given(
    probabilities(),
    st.sampled_from(["ovr", "ovo"]),
    st.sampled_from([None, "micro", "macro", "weighted"]),
)
def test_multiclass_roc_auc_matches_sklearn(data, multi_class, average):
    y_true, proba, weight = data
    labels = ["a", "b", "c", "d"][: proba.shape[1]]
    y_str = np.array(labels)[y_true]
    compare(
        metrics.roc_auc_score,
        skm.roc_auc_score,
        y_str,
        proba,
        multi_class=multi_class,
        average=average,
        sample_weight=weight if multi_class == "ovr" else None,
    )
    if multi_class == "ovo" and weight is not None:
        with pytest.raises(ValueError, match="sample_weight is not supported"):
            metrics.roc_auc_score(y_true, proba, multi_class="ovo", sample_weight=weight)


@given(probabilities(), st.sampled_from([None, "micro", "macro", "weighted"]))
def test_multiclass_average_precision_matches_sklearn(data, average):
    y_true, proba, weight = data
    compare(
        metrics.average_precision_score,
        skm.average_precision_score,
        y_true,
        proba,
        average=average,
        sample_weight=weight,
    )


@given(probabilities(min_classes=2, all_present=False), st.booleans(), st.booleans())
def test_log_loss_matches_sklearn(data, normalize, binary_column):
    y_true, proba, weight = data
    if binary_column and proba.shape[1] == 2:
        proba = proba[:, 1]
    compare(
        metrics.log_loss, skm.log_loss, y_true, proba, normalize=normalize, sample_weight=weight
    )


@given(probabilities(min_classes=2, all_present=False), st.sampled_from(["auto", True, False]))
def test_brier_score_matches_sklearn(data, scale_by_half):
    y_true, proba, weight = data
    # Two columns are also given as the positive column alone.
    for scores in [proba] + ([proba[:, 1]] if proba.shape[1] == 2 else []):
        compare(
            metrics.brier_score_loss,
            skm.brier_score_loss,
            y_true,
            scores,
            sample_weight=weight,
            scale_by_half=scale_by_half,
        )


@given(probabilities(min_classes=2, max_classes=5), st.integers(1, 5), st.booleans())
def test_top_k_accuracy_matches_sklearn(data, k, normalize):
    y_true, proba, weight = data
    scores = proba if proba.shape[1] > 2 else proba[:, 1]
    compare(
        metrics.top_k_accuracy_score,
        skm.top_k_accuracy_score,
        y_true,
        scores,
        k=k,
        normalize=normalize,
        sample_weight=weight,
    )


def test_string_labels_with_pos_label_and_pandas_input():
    y_true = pd.Series(["spam", "ham", "spam", "ham", "ham"], dtype="str")
    y_score = pd.Series([0.9, 0.2, 0.4, 0.4, 0.1])
    for name in ("roc_curve", "precision_recall_curve", "det_curve"):
        assert_close(
            getattr(metrics, name)(y_true, y_score, pos_label="spam"),
            getattr(skm, name)(y_true, y_score, pos_label="spam"),
        )
    assert_close(
        metrics.average_precision_score(list(y_true), list(y_score), pos_label="spam"),
        skm.average_precision_score(list(y_true), list(y_score), pos_label="spam"),
    )
    assert_close(metrics.roc_auc_score(y_true, y_score), skm.roc_auc_score(y_true, y_score))
    assert_close(metrics.log_loss(y_true, y_score), skm.log_loss(y_true, y_score))


def test_single_class_roc_auc_warns_and_is_nan():
    with pytest.warns(metrics.UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(metrics.roc_auc_score([1, 1, 1], [0.2, 0.5, 0.9]))
    with pytest.raises(ValueError, match="Only one class"):
        metrics.det_curve([0, 0], [0.1, 0.2])


def test_log_loss_probabilities_not_summing_to_one_warn_like_sklearn():
    proba = [[0.2, 0.7], [0.6, 0.3]]
    with pytest.warns(UserWarning, match="do not sum to one"):
        ours = metrics.log_loss([1, 0], proba)
    with pytest.warns(UserWarning, match="do not sum to one"):
        theirs = skm.log_loss([1, 0], proba)
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "error", "match"),
    [
        ("roc_auc_score", ([0, 1, 1], [0.1, 0.2]), {}, ValueError, "inconsistent"),
        ("roc_auc_score", ([0, 1], [0.1, np.nan]), {}, ValueError, "NaN"),
        ("roc_auc_score", ([0, 1], [0.1, np.inf]), {}, ValueError, "infinity"),
        ("roc_auc_score", ([], []), {}, ValueError, "empty"),
        ("roc_auc_score", ([0.5, 1.5], [0.1, 0.2]), {}, ValueError, "continuous"),
        ("roc_auc_score", ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3), {}, ValueError, "multi_class"),
        (
            "roc_auc_score",
            ([0, 1, 2], [[0.2, 0.3, 0.9]] * 3),
            {"multi_class": "ovr"},
            ValueError,
            "sum up to 1.0",
        ),
        ("roc_auc_score", ([0, 1], [0.1, 0.2]), {"max_fpr": 1.5}, ValueError, "max_fpr"),
        (
            "roc_auc_score",
            ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3),
            {"multi_class": "ovo", "average": None},
            NotImplementedError,
            "ovo",
        ),
        ("roc_curve", (["a", "b"], [0.1, 0.2]), {}, ValueError, "pos_label is not specified"),
        ("roc_curve", ([0, 1, 2], [0.1, 0.2, 0.3]), {}, ValueError, "multiclass format"),
        (
            "precision_recall_curve",
            ([0, 1], [0.1, 0.2]),
            {"pos_label": 3},
            ValueError,
            "pos_label=3 is not a valid label",
        ),
        (
            "average_precision_score",
            ([0, 1], [0.1, 0.2]),
            {"pos_label": 3},
            ValueError,
            "pos_label=3 is not a valid label",
        ),
        (
            "average_precision_score",
            ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3),
            {"pos_label": 2},
            ValueError,
            "fixed to 1",
        ),
        ("log_loss", ([0, 1], [0.1, 1.2]), {}, ValueError, "greater than 1"),
        ("log_loss", ([0, 1], [0.1, -0.2]), {}, ValueError, "lower than 0"),
        ("log_loss", ([0, 1], [0.1, np.nan]), {}, ValueError, "NaN"),
        ("log_loss", ([1, 1], [0.1, 0.2]), {}, ValueError, "only one label"),
        ("log_loss", ([0, 1, 2], [[0.5, 0.5]] * 3), {}, ValueError, "different number of"),
        ("brier_score_loss", ([0, 1, 2], [0.1, 0.2, 0.3]), {}, ValueError, "should be binary"),
        ("brier_score_loss", (["a", "b"], [0.1, 0.2]), {}, ValueError, "pos_label"),
        (
            "top_k_accuracy_score",
            ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3),
            {"labels": [2, 1, 0]},
            ValueError,
            "ordered",
        ),
    ],
)
def test_bad_input_raises_sklearn_type(func, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(metrics, func)(*args, **kwargs)
    if func != "precision_recall_curve":  # scikit-learn warns there: ours raises, clearer
        with pytest.raises(error):
            getattr(skm, func)(*args, **kwargs)


@given(probabilities(min_classes=2, max_classes=4, all_present=False), st.data())
def test_log_loss_and_brier_with_labels_match_sklearn(data, draw):
    y_true, proba, weight = data
    k = proba.shape[1]
    labels = list(range(k))
    if draw.draw(st.booleans()):
        labels = labels[::-1]  # unordered labels warn in both
    compare(metrics.log_loss, skm.log_loss, y_true, proba, labels=labels, sample_weight=weight)
    if k > 2:
        compare(
            metrics.brier_score_loss,
            skm.brier_score_loss,
            y_true,
            proba,
            labels=labels,
            sample_weight=weight,
        )


@given(
    probabilities(min_classes=3, max_classes=4, all_present=False),
    st.sampled_from(["ovr", "ovo"]),
    st.sampled_from(["macro", "weighted"]),
)
def test_multiclass_roc_auc_with_labels_matches_sklearn(data, multi_class, average):
    y_true, proba, _ = data
    labels = list(range(proba.shape[1]))
    compare(
        metrics.roc_auc_score,
        skm.roc_auc_score,
        y_true,
        proba,
        labels=labels,
        multi_class=multi_class,
        average=average,
        same_warnings="category",
    )
    compare(
        metrics.top_k_accuracy_score, skm.top_k_accuracy_score, y_true, proba, k=2, labels=labels
    )


@given(scored_binary(min_size=2))
def test_unweighted_and_unit_weight_paths_agree(data):
    """The sort-by-class merge and the weighted argsort walk give the same curve."""
    y_true, y_score, _ = data
    ones = np.ones(y_true.shape[0])
    for name in ("roc_curve", "precision_recall_curve"):
        plain = Outcome(getattr(metrics, name), (y_true, y_score), {})
        weighted = Outcome(getattr(metrics, name), (y_true, y_score), {"sample_weight": ones})
        assert_close(plain.value, weighted.value)
    if 0 < y_true.sum() < y_true.size:
        assert_close(
            metrics.roc_auc_score(y_true, y_score),
            metrics.roc_auc_score(y_true, y_score, sample_weight=ones),
        )
        assert_close(
            metrics.average_precision_score(y_true, y_score),
            metrics.average_precision_score(y_true, y_score, sample_weight=ones),
        )


def test_roc_auc_is_exact_for_integer_counts():
    """Unweighted AUC sums trapezoids in integer counts: the exact fraction, correctly rounded."""
    from fractions import Fraction

    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, 5000)
    y_score = rng.integers(0, 50, 5000) / 7.0
    pos, neg = y_score[y_true == 1], y_score[y_true == 0]
    wins = sum(int((neg < p).sum()) * 2 + int((neg == p).sum()) for p in pos)
    exact = Fraction(wins, 2 * pos.size * neg.size)
    assert metrics.roc_auc_score(y_true, y_score) == float(exact)
    assert skm.roc_auc_score(y_true, y_score) == pytest.approx(float(exact), rel=1e-12)


@given(st.lists(st.integers(0, 2), min_size=2, max_size=30), st.data())
def test_curves_on_multiclass_labels_with_pos_label_match_sklearn(labels, draw):
    y_true = np.array(labels)
    y_score = (
        np.array(draw.draw(st.lists(st.integers(0, 5), min_size=y_true.size, max_size=y_true.size)))
        / 5.0
    )
    pos_label = draw.draw(st.sampled_from(sorted(set(labels))))
    for name in ("roc_curve", "precision_recall_curve"):
        compare(getattr(metrics, name), getattr(skm, name), y_true, y_score, pos_label=pos_label)


LABEL_KINDS = {
    "neg": (np.array([-1, 1]), None),
    "bool": (np.array([False, True]), None),
    "str": (np.array(["no", "yes"]), "yes"),
    "str_neg": (np.array(["no", "yes"]), "no"),
}


@given(scored_binary(), st.sampled_from(sorted(LABEL_KINDS)))
def test_label_kinds_match_sklearn(data, kind):
    y_codes, y_score, weight = data
    values, pos_label = LABEL_KINDS[kind]
    y_true = values[y_codes]
    for name in ("roc_curve", "precision_recall_curve"):
        compare(
            getattr(metrics, name),
            getattr(skm, name),
            y_true,
            y_score,
            pos_label=pos_label,
            sample_weight=weight,
        )
    compare(
        metrics.roc_auc_score,
        skm.roc_auc_score,
        y_true,
        y_score,
        sample_weight=weight,
        same_warnings="category",
    )
    ap_label = pos_label if pos_label is not None else values[1]
    compare(
        metrics.average_precision_score,
        skm.average_precision_score,
        y_true,
        y_score,
        pos_label=ap_label,
        sample_weight=weight,
    )
    if 0 < y_codes.sum() < y_codes.size and (weight is None or weight.any()):
        compare(
            metrics.brier_score_loss,
            skm.brier_score_loss,
            y_true,
            np.clip(y_score / 10 + 0.5, 0, 1),
            pos_label=pos_label,
            sample_weight=weight,
        )
