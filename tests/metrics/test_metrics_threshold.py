"""Threshold metrics against scikit-learn: every function, every average, weights, label kinds."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st
from metrics_helpers import assert_close, compare, label_pairs

import metrics

AVERAGES = [None, "binary", "micro", "macro", "weighted"]
ZERO_DIVISION = ["warn", 0.0, 1.0, np.nan]


def _pos_label(kind, y_true):
    return {"int": 1, "neg": 1, "bool": True, "str": "bee"}[kind]


@given(
    label_pairs(),
    st.sampled_from(AVERAGES),
    st.sampled_from(ZERO_DIVISION),
    st.sampled_from(["precision_score", "recall_score", "f1_score"]),
)
def test_precision_recall_f1_match_sklearn(data, average, zero_division, name):
    y_true, y_pred, weight, kind = data
    compare(
        getattr(metrics, name),
        getattr(skm, name),
        y_true,
        y_pred,
        average=average,
        sample_weight=weight,
        zero_division=zero_division,
        pos_label=_pos_label(kind, y_true),
    )


@given(
    label_pairs(),
    st.sampled_from(AVERAGES),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, np.inf]),
    st.sampled_from(ZERO_DIVISION),
)
def test_fbeta_and_support_match_sklearn(data, average, beta, zero_division):
    y_true, y_pred, weight, kind = data
    for name in ("fbeta_score", "precision_recall_fscore_support"):
        compare(
            getattr(metrics, name),
            getattr(skm, name),
            y_true,
            y_pred,
            beta=beta,
            average=average,
            sample_weight=weight,
            zero_division=zero_division,
            pos_label=_pos_label(kind, y_true),
        )


@given(label_pairs(max_classes=5), st.sampled_from([None, "micro", "macro", "weighted"]), st.data())
def test_prf_with_explicit_labels_matches_sklearn(data, average, draw):
    y_true, y_pred, weight, kind = data
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    pool = present + ([99] if kind in ("int", "neg") else ["zzz"] if kind == "str" else [])
    labels = draw.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    compare(
        metrics.precision_recall_fscore_support,
        skm.precision_recall_fscore_support,
        y_true,
        y_pred,
        labels=labels,
        average=average,
        sample_weight=weight,
        zero_division=0.0,
    )


@pytest.mark.parametrize(
    ("name", "flag"), [("accuracy_score", "normalize"), ("balanced_accuracy_score", "adjusted")]
)
@given(label_pairs(), st.booleans())
def test_accuracy_matches_sklearn(name, flag, data, flag_value):
    y_true, y_pred, weight, _ = data
    compare(
        getattr(metrics, name),
        getattr(skm, name),
        y_true,
        y_pred,
        sample_weight=weight,
        **{flag: flag_value},
    )


@given(label_pairs())
def test_matthews_matches_sklearn(data):
    y_true, y_pred, weight, _ = data
    compare(metrics.matthews_corrcoef, skm.matthews_corrcoef, y_true, y_pred, sample_weight=weight)


@given(
    label_pairs(),
    st.sampled_from([None, "linear", "quadratic"]),
    st.sampled_from([np.nan, 0.0, -1.0]),
)
def test_cohen_kappa_matches_sklearn(data, weights, undefined):
    y_true, y_pred, weight, _ = data
    compare(
        metrics.cohen_kappa_score,
        skm.cohen_kappa_score,
        y_true,
        y_pred,
        weights=weights,
        sample_weight=weight,
        replace_undefined_by=undefined,
        same_warnings="category",
    )


@given(label_pairs(max_classes=5), st.sampled_from([None, "true", "pred", "all"]), st.data())
def test_confusion_matrix_matches_sklearn(data, normalize, draw):
    y_true, y_pred, weight, kind = data
    labels = None
    if draw.draw(st.booleans()):
        present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
        labels = draw.draw(st.permutations(present))[: draw.draw(st.integers(1, len(present)))]
    compare(
        metrics.confusion_matrix,
        skm.confusion_matrix,
        y_true,
        y_pred,
        labels=labels,
        sample_weight=weight,
        normalize=normalize,
    )


@given(label_pairs(max_classes=5), st.integers(0, 5), st.sampled_from(["warn", 0.0, 1.0]))
def test_classification_report_text_and_dict_match_sklearn(data, digits, zero_division):
    y_true, y_pred, weight, _ = data
    for output_dict in (False, True):
        compare(
            metrics.classification_report,
            skm.classification_report,
            y_true,
            y_pred,
            sample_weight=weight,
            digits=digits,
            output_dict=output_dict,
            zero_division=zero_division,
        )


@given(label_pairs(max_classes=4, kinds=("int", "str")), st.data())
def test_classification_report_with_drawn_labels_matches_sklearn(data, draw):
    y_true, y_pred, weight, kind = data
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    extra = [99] if kind == "int" else ["zzz"]
    labels = draw.draw(
        st.lists(st.sampled_from(present + extra), min_size=1, max_size=4, unique=True)
    )
    for output_dict in (False, True):
        compare(
            metrics.classification_report,
            skm.classification_report,
            y_true,
            y_pred,
            labels=labels,
            sample_weight=weight,
            output_dict=output_dict,
            zero_division=0.0,
        )


def test_classification_report_with_labels_and_target_names():
    y_true = ["cat", "dog", "eel", "dog", "cat", "cat"]
    y_pred = ["cat", "cat", "eel", "dog", "dog", "cat"]
    kwargs = dict(labels=["dog", "cat"], target_names=["Dog", "A long cat name"])
    ours = metrics.classification_report(y_true, y_pred, **kwargs)
    assert ours == skm.classification_report(y_true, y_pred, **kwargs)
    assert "micro avg" in ours and "accuracy" not in ours
    with pytest.raises(ValueError, match="target_names"):
        metrics.classification_report(y_true, y_pred, target_names=["a", "b"])


def test_pandas_series_and_lists_are_accepted():
    y_true = pd.Series(["no", "yes", "yes", "no", "yes"], dtype="str")
    y_pred = pd.Series(["no", "yes", "no", "no", "yes"], dtype="category")
    expected = skm.f1_score(list(y_true), list(y_pred), pos_label="yes")
    assert metrics.f1_score(y_true, y_pred, pos_label="yes") == pytest.approx(expected, rel=1e-12)
    assert metrics.f1_score(list(y_true), list(y_pred), pos_label="yes") == pytest.approx(expected)
    assert_close(metrics.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))


def test_large_integer_labels_use_the_general_path():
    rng = np.random.default_rng(0)
    y_true = rng.choice([-(10**12), 5, 10**12], size=200)
    y_pred = rng.choice([-(10**12), 5, 10**12], size=200)
    assert_close(metrics.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))
    assert_close(
        metrics.f1_score(y_true, y_pred, average="macro"),
        skm.f1_score(y_true, y_pred, average="macro"),
    )


def test_integral_float_labels_match_sklearn():
    y_true = np.array([0.0, 2.0, 1.0, 2.0, 0.0])
    y_pred = np.array([0.0, 1.0, 1.0, 2.0, 2.0])
    assert_close(metrics.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))
    assert_close(
        metrics.classification_report(y_true, y_pred),
        skm.classification_report(y_true, y_pred),
    )


@pytest.mark.parametrize(
    ("y_true", "y_pred", "kwargs", "match"),
    [
        ([0, 1, 1], [0, 1], {}, "inconsistent numbers of samples"),
        ([], [], {}, "empty"),
        ([0.5, 1.0, 2.0], [0, 1, 1], {}, "mix of continuous and binary"),
        ([0.5, 1.5], [0.25, 1.0], {}, "continuous is not supported"),
        ([0, 1, np.nan], [0, 1, 1], {}, "NaN"),
        (["a", "b", "a"], [0, 1, 0], {}, "Mix of label input types"),
        ([0, 1, 2], [0, 1, 1], {"average": "binary"}, "average='binary'"),
        ([0, 2, 2], [0, 2, 0], {"pos_label": 1}, "pos_label=1 is not a valid label"),
        (["a", "b"], ["a", "b"], {}, "pos_label=1 is not a valid label"),
        ([0, 1], [0, 1], {"average": "samplewise"}, "average"),
        ([0, 1], [0, 1], {"zero_division": 5}, "zero_division"),
        ([0, 1], [0, 1], {"sample_weight": [1.0, np.nan]}, "NaN"),
        ([0, 1], [0, 1], {"sample_weight": [1.0, 2.0, 3.0]}, "inconsistent numbers"),
        ([[0, 1], [1, 0]], [[0, 1], [1, 0]], {}, "1-D"),
        ("01", "01", {}, "array-like"),
        (
            pd.Series(["a", None, "b"], dtype="str"),
            ["a", "a", "b"],
            {"pos_label": "a"},
            "missing values",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_bad_input_raises_sklearn_type_with_clear_message(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.f1_score(y_true, y_pred, **kwargs)
    with pytest.raises((ValueError, TypeError)):
        skm.f1_score(y_true, y_pred, **kwargs)


def test_confusion_matrix_bad_labels():
    with pytest.raises(ValueError, match="at least one label"):
        metrics.confusion_matrix([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError, match="must be in y_true"):
        metrics.confusion_matrix([0, 1], [0, 1], labels=[5])
    with pytest.raises(ValueError, match="normalize"):
        metrics.confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="present in `y1`"):
        metrics.cohen_kappa_score([0, 1], [0, 1], labels=[5])


def test_public_names_and_parameter_errors():
    for name in metrics.__all__:
        assert hasattr(metrics, name), name
    assert isinstance(metrics.__version__, str)
    assert issubclass(metrics.UndefinedMetricWarning, UserWarning)
    for call in (
        lambda: metrics.f1_score([0, 1], [0, 1], average="mean"),
        lambda: metrics.roc_auc_score([0, 1], [0.1, 0.2], average="mean"),
        lambda: metrics.roc_auc_score([0, 1], [0.1, 0.2], multi_class="one"),
        lambda: metrics.fbeta_score([0, 1], [0, 1], beta=-1.0),
        lambda: metrics.top_k_accuracy_score([0, 1], [0.1, 0.2], k=0),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert isinstance(info.value, TypeError)  # scikit-learn's InvalidParameterError is both
