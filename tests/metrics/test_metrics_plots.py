"""Displays checked by their artists: line data, legend text, cell texts, axis labels."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.linear_model import LogisticRegression

import metrics


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def binary_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + 0.8 * rng.normal(size=120) > 0).astype(int)
    scores = np.round(X[:, 0] + 0.5 * X[:, 1], 1)
    return X, y, scores


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_roc_display_from_predictions_artists(binary_data):
    _, y, scores = binary_data
    fig, ax = plt.subplots()
    display = metrics.RocCurveDisplay.from_predictions(y, scores, name="model", ax=ax)
    assert display.ax_ is ax and display.figure_ is fig
    fpr, tpr, _ = skm.roc_curve(y, scores)
    np.testing.assert_allclose(display.line_.get_xdata(), fpr, rtol=1e-12)
    np.testing.assert_allclose(display.line_.get_ydata(), tpr, rtol=1e-12)
    auc = skm.roc_auc_score(y, scores)
    assert display.roc_auc == pytest.approx(auc, rel=1e-12)
    texts = _legend_texts(ax)
    assert f"model (AUC = {auc:0.2f})" in texts
    assert "Chance level (AUC = 0.5)" in texts
    np.testing.assert_array_equal(display.chance_level_.get_xydata(), [[0, 0], [1, 1]])
    assert ax.get_xlabel() == "False Positive Rate (Positive label: 1)"


def test_pr_display_from_predictions_artists(binary_data):
    _, y, scores = binary_data
    display = metrics.PrecisionRecallDisplay.from_predictions(y, scores, name="m")
    precision, recall, _ = skm.precision_recall_curve(y, scores)
    np.testing.assert_allclose(display.line_.get_xdata(), recall, rtol=1e-12)
    np.testing.assert_allclose(display.line_.get_ydata(), precision, rtol=1e-12)
    assert display.line_.get_drawstyle() == "steps-post"
    ap = skm.average_precision_score(y, scores)
    prevalence = y.mean()
    texts = _legend_texts(display.ax_)
    assert f"m (AP = {ap:0.2f})" in texts
    assert f"Chance level (AP = {prevalence:0.2f})" in texts
    np.testing.assert_allclose(display.chance_level_.get_ydata(), [prevalence, prevalence])


def test_curve_displays_from_estimator(binary_data):
    X, y, _ = binary_data
    model = LogisticRegression().fit(X, y)
    roc = metrics.RocCurveDisplay.from_estimator(model, X, y)
    proba = model.predict_proba(X)[:, 1]
    fpr, tpr, _ = skm.roc_curve(y, proba)
    np.testing.assert_allclose(roc.line_.get_xydata(), np.column_stack([fpr, tpr]), rtol=1e-12)
    assert _legend_texts(roc.ax_)[0] == (
        f"LogisticRegression (AUC = {skm.roc_auc_score(y, proba):0.2f})"
    )
    pr = metrics.PrecisionRecallDisplay.from_estimator(model, X, y, pos_label=0)
    precision, recall, _ = skm.precision_recall_curve(y, 1 - proba, pos_label=0)
    np.testing.assert_allclose(pr.line_.get_xdata(), recall, rtol=1e-9)
    assert pr.pos_label == 0 and pr.ax_.get_ylabel() == "Precision (Positive label: 0)"


def test_curve_display_plot_returns_itself_on_given_axes():
    display = metrics.RocCurveDisplay(fpr=[0, 0.5, 1], tpr=[0, 0.8, 1], roc_auc=0.8)
    fig, ax = plt.subplots()
    assert display.plot(ax=ax, plot_chance_level=False) is display
    assert display.chance_level_ is None and _legend_texts(ax) == ["AUC = 0.80"]


def test_confusion_matrix_display_cell_texts():
    y_true = ["cat", "dog", "dog", "eel", "cat", "dog"]
    y_pred = ["cat", "dog", "cat", "eel", "eel", "dog"]
    display = metrics.ConfusionMatrixDisplay.from_predictions(y_true, y_pred)
    expected = skm.confusion_matrix(y_true, y_pred)
    texts = np.array([[t.get_text() for t in row] for row in display.text_])
    np.testing.assert_array_equal(texts, expected.astype(str))
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["cat", "dog", "eel"]
    np.testing.assert_array_equal(display.im_.get_array(), expected)
    assert display.ax_.get_ylabel() == "True label"


def test_confusion_matrix_display_normalized_and_from_estimator(binary_data):
    X, y, _ = binary_data
    model = LogisticRegression().fit(X, y)
    display = metrics.ConfusionMatrixDisplay.from_estimator(
        model, X, y, normalize="true", values_format=".3f", colorbar=False
    )
    expected = skm.confusion_matrix(y, model.predict(X), normalize="true")
    texts = [[t.get_text() for t in row] for row in display.text_]
    assert texts == [[format(v, ".3f") for v in row] for row in expected]


def test_displays_with_our_tree():
    tree = pytest.importorskip("tree")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int)
    model = tree.DecisionTreeClassifier(max_depth=2).fit(X, y)
    display = metrics.RocCurveDisplay.from_estimator(model, X, y)
    fpr, tpr, _ = skm.roc_curve(y, model.predict_proba(X)[:, 1])
    np.testing.assert_allclose(display.line_.get_xydata(), np.column_stack([fpr, tpr]))


def test_from_estimator_needs_a_binary_classifier():
    class NotFitted:
        classes_ = np.array([0, 1, 2])

    with pytest.raises(ValueError, match="binary classifier"):
        metrics.RocCurveDisplay.from_estimator(NotFitted(), np.zeros((2, 1)), [0, 1])


def test_displays_draw_on_a_bare_figure_without_pyplot():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    display = metrics.ConfusionMatrixDisplay.from_predictions(
        ["a", "b", "b"], ["a", "a", "b"], labels=["b", "a"], ax=ax, xticks_rotation=45
    )
    assert display.figure_ is fig
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a"]
    assert ax.get_xticklabels()[0].get_rotation() == 45
    texts = [[t.get_text() for t in row] for row in display.text_]
    assert texts == [["1", "1"], ["0", "1"]]
