"""cross_val_score, cross_validate and the scorer registry, against scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from sklearn import model_selection as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.metrics import get_scorer as sk_get_scorer
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from pipeline.model_selection import (
    FitFailedWarning,
    KFold,
    cross_val_score,
    cross_validate,
    get_scorer,
    get_scorer_names,
)
from pipeline.model_selection._scoring import EstimatorScoreScorer


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    return X[::2], y[::2]


@pytest.fixture(scope="module")
def multiclass():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def regression():
    X, y = load_diabetes(return_X_y=True)
    return X[::2], y[::2]


class FailsOnSmallLabel:
    """A classifier whose fit fails when the training labels contain ``bad_label``."""

    _estimator_type = "classifier"

    def __init__(self, bad_label=None):
        self.bad_label = bad_label

    def get_params(self, deep=True):
        return {"bad_label": self.bad_label}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X, y):
        if self.bad_label is not None and self.bad_label in set(np.asarray(y).tolist()):
            raise RuntimeError("boom: training labels contain the bad label")
        self.classes_ = np.unique(y)
        self.majority_ = np.bincount(y).argmax()
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

    def score(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))


# --------------------------------------------------------------------------- cross_val_score
def test_cross_val_score_equals_sklearn_default_cv(binary, multiclass):
    for X, y in (binary, multiclass):
        tree = DecisionTreeClassifier(random_state=0)
        np.testing.assert_array_equal(cross_val_score(tree, X, y), sk.cross_val_score(tree, X, y))
        np.testing.assert_array_equal(
            cross_val_score(tree, X, y, cv=3), sk.cross_val_score(tree, X, y, cv=3)
        )


def test_cross_val_score_regressor_uses_kfold(regression):
    X, y = regression
    tree = DecisionTreeRegressor(max_depth=3, random_state=0)
    np.testing.assert_array_equal(cross_val_score(tree, X, y), sk.cross_val_score(tree, X, y))


@pytest.mark.parametrize(
    "name",
    ["r2", "neg_mean_squared_error", "neg_root_mean_squared_error", "neg_mean_absolute_error"],
)
def test_regression_scorers_match_sklearn(regression, name):
    X, y = regression
    tree = DecisionTreeRegressor(max_depth=4, random_state=0)
    ours = cross_val_score(tree, X, y, scoring=name, cv=KFold(4))
    theirs = sk.cross_val_score(tree, X, y, scoring=name, cv=sk.KFold(4))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_r2_of_constant_targets_follows_sklearn():
    from sklearn.metrics import r2_score as sk_r2

    from pipeline.model_selection._scoring import r2_score

    y = np.array([3.0, 3.0, 3.0])
    assert r2_score(y, y) == sk_r2(y, y)
    assert r2_score(y, y + 1) == sk_r2(y, y + 1)
    y2 = np.array([[1.0, 2.0], [2.0, 2.0], [4.0, 2.0]])
    pred = np.array([[1.5, 2.0], [2.0, 2.5], [3.0, 2.0]])
    assert r2_score(y2, pred) == pytest.approx(sk_r2(y2, pred), abs=1e-14)


CLASSIFICATION_SCORERS = [
    "accuracy",
    "balanced_accuracy",
    "f1",
    "f1_macro",
    "f1_weighted",
    "precision",
    "recall",
    "roc_auc",
    "average_precision",
    "neg_log_loss",
]


@pytest.mark.parametrize("name", CLASSIFICATION_SCORERS)
def test_named_classification_scorers_match_sklearn(binary, name):
    X, y = binary
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    ours = cross_val_score(tree, X, y, scoring=name, cv=KFold(4))
    theirs = sk.cross_val_score(tree, X, y, scoring=name, cv=sk.KFold(4))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["accuracy", "f1_macro", "neg_log_loss", "roc_auc_ovr"])
def test_multiclass_scorers_match_sklearn(multiclass, name):
    X, y = multiclass
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    ours = cross_val_score(tree, X, y, scoring=name, cv=3)
    theirs = sk.cross_val_score(tree, X, y, scoring=name, cv=3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_unknown_scoring_name_lists_valid_names(binary):
    X, y = binary
    with pytest.raises(ValueError, match="'acuracy' is not a valid scoring value") as info:
        cross_val_score(DecisionTreeClassifier(), X, y, scoring="acuracy")
    for name in ("accuracy", "roc_auc", "neg_log_loss", "r2"):
        assert name in str(info.value)
    assert "accuracy" in get_scorer_names()
    with pytest.raises(ValueError, match="not a valid scoring value"):
        get_scorer("nope")


def test_callable_scorer_and_pandas_input(binary):
    X, y = binary
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = pd.Series(y)
    seen = []

    def scorer(estimator, X_fold, y_fold):
        seen.append((type(X_fold), len(X_fold)))
        return float(np.mean(estimator.predict(X_fold) == np.asarray(y_fold)))

    tree = DecisionTreeClassifier(random_state=0)
    ours = cross_val_score(tree, frame, labels, scoring=scorer, cv=4)
    theirs = sk.cross_val_score(tree, X, y, scoring="accuracy", cv=4)
    np.testing.assert_array_equal(ours, theirs)
    assert all(kind is pd.DataFrame for kind, _ in seen) and len(seen) == 4


# --------------------------------------------------------------------------- cross_validate
def test_cross_validate_keys_and_values_match_sklearn(binary):
    X, y = binary
    tree = DecisionTreeClassifier(max_depth=4, random_state=0)
    scoring = {"acc": sk_get_scorer("accuracy"), "auc": sk_get_scorer("roc_auc")}
    ours = cross_validate(
        tree,
        X,
        y,
        cv=KFold(3),
        scoring=scoring,
        return_train_score=True,
        return_estimator=True,
        return_indices=True,
    )
    theirs = sk.cross_validate(
        tree,
        X,
        y,
        cv=sk.KFold(3),
        scoring=scoring,
        return_train_score=True,
        return_estimator=True,
        return_indices=True,
    )
    assert list(ours) == list(theirs)
    for key in ("test_acc", "train_acc", "test_auc", "train_auc"):
        np.testing.assert_array_equal(ours[key], theirs[key])
    for key in ("train", "test"):
        for a, b in zip(ours["indices"][key], theirs["indices"][key]):
            np.testing.assert_array_equal(a, b)
    assert ours["fit_time"].shape == (3,) and np.all(ours["fit_time"] >= 0)
    assert ours["score_time"].shape == (3,) and np.all(ours["score_time"] >= 0)
    estimators = ours["estimator"]
    assert len({id(e) for e in estimators}) == 3 and all(e is not tree for e in estimators)
    assert not hasattr(tree, "tree_")
    assert all(hasattr(e, "tree_") for e in estimators)


def test_cross_validate_list_of_names(binary):
    X, y = binary
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    ours = cross_validate(tree, X, y, cv=3, scoring=["accuracy", "balanced_accuracy"])
    theirs = sk.cross_validate(tree, X, y, cv=3, scoring=["accuracy", "balanced_accuracy"])
    assert list(ours) == list(theirs)
    np.testing.assert_allclose(ours["test_balanced_accuracy"], theirs["test_balanced_accuracy"])
    with pytest.raises(ValueError, match="twice"):
        cross_validate(tree, X, y, scoring=["accuracy", "accuracy"])


def test_fit_params_are_split_with_the_data(binary):
    X, y = binary
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    ours = cross_val_score(tree, X, y, cv=4, params={"sample_weight": weights})
    theirs = sk.cross_val_score(tree, X, y, cv=4, params={"sample_weight": weights})
    np.testing.assert_array_equal(ours, theirs)
    unweighted = cross_val_score(tree, X, y, cv=4)
    assert not np.array_equal(ours, unweighted)


def test_failed_fits_get_error_score_with_a_warning():
    X = np.zeros((30, 1))
    y = np.array([0] * 15 + [1] * 12 + [2] * 3)
    cv = [(np.arange(27), np.arange(27, 30)), (np.arange(3, 30), np.arange(3))]
    with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 2"):
        scores = cross_val_score(FailsOnSmallLabel(bad_label=2), X, y, cv=cv)
    assert np.isnan(scores[1]) and scores[0] == 0.0
    with pytest.warns(FitFailedWarning):
        scores = cross_val_score(FailsOnSmallLabel(bad_label=2), X, y, cv=cv, error_score=-1)
    assert scores[1] == -1
    with pytest.raises(RuntimeError, match="boom"):
        cross_val_score(FailsOnSmallLabel(bad_label=2), X, y, cv=cv, error_score="raise")
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        cross_val_score(FailsOnSmallLabel(bad_label=0), X, y, cv=cv)


def test_bad_arguments(binary):
    X, y = binary
    with pytest.raises(TypeError, match="implementing a 'fit' method"):
        cross_val_score(object(), X, y)
    with pytest.raises(TypeError, match="implementing a 'fit' method"):
        cross_validate(DecisionTreeClassifier, X, y)
    with pytest.raises(ValueError, match="error_score"):
        cross_val_score(DecisionTreeClassifier(), X, y, error_score="ignore")
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cross_val_score(DecisionTreeClassifier(), X, y[:-1])
    with pytest.raises(TypeError, match="single scorer"):
        cross_val_score(DecisionTreeClassifier(), X, y, scoring=["accuracy"])

    class NoScore:
        def fit(self, X, y):
            return self

        def get_params(self, deep=True):
            return {}

    with pytest.raises(TypeError, match="should have a 'score' method"):
        cross_val_score(NoScore(), X, y)


def test_passthrough_scorer_uses_estimator_score(binary):
    X, y = binary
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert EstimatorScoreScorer()(tree, X, y) == tree.score(X, y)


def test_cross_validate_our_tree_like_sklearn(binary):
    tree_module = pytest.importorskip("tree")
    if not hasattr(tree_module, "DecisionTree"):
        pytest.skip("tree.DecisionTree is not available yet")
    X, y = binary
    tree = tree_module.DecisionTree(max_depth=3)
    ours = cross_validate(tree, X, y, cv=4, scoring=["accuracy", "roc_auc"])
    theirs = sk.cross_validate(tree, X, y, cv=4, scoring=["accuracy", "roc_auc"])
    np.testing.assert_allclose(ours["test_accuracy"], theirs["test_accuracy"], rtol=1e-12)
    np.testing.assert_allclose(ours["test_roc_auc"], theirs["test_roc_auc"], rtol=1e-12)
