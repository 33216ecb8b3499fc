"""GridSearchCV and ParameterGrid, against scikit-learn's."""

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn import model_selection as sk
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.metrics import get_scorer as sk_get_scorer
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from pipeline.base import NotFittedError, clone
from pipeline.model_selection import GridSearchCV, KFold, ParameterGrid
from pipeline.model_selection._search import rank_min

GRID = {"max_depth": [1, 2, 3, None], "criterion": ["gini", "entropy"]}


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    return X[::2], y[::2]


def _assert_same_results(ours, theirs, metrics=("score",)):
    assert set(ours.cv_results_) == set(theirs.cv_results_)
    for metric in metrics:
        for key in ours.cv_results_:
            if key.startswith(("split", "mean_test", "std_test", "rank_test", "mean_train")):
                if key.endswith(metric):
                    np.testing.assert_array_equal(
                        ours.cv_results_[key], theirs.cv_results_[key], err_msg=key
                    )
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    for key in ours.cv_results_:
        if key.startswith("param_"):
            a, b = ours.cv_results_[key], theirs.cv_results_[key]
            np.testing.assert_array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
            assert a.dtype == b.dtype, key
            assert [v for v in a.compressed()] == [v for v in b.compressed()]


@pytest.mark.parametrize("scoring", ["accuracy", "roc_auc", "neg_log_loss"])
def test_grid_search_equals_sklearn(binary, scoring):
    X, y = binary
    tree = DecisionTreeClassifier(random_state=0)
    sk_scorer = sk_get_scorer(scoring)
    ours = GridSearchCV(tree, GRID, cv=KFold(4), scoring=sk_scorer).fit(X, y)
    theirs = sk.GridSearchCV(tree, GRID, cv=sk.KFold(4), scoring=scoring).fit(X, y)
    _assert_same_results(ours, theirs)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_score_ == theirs.best_score_
    assert ours.n_splits_ == 4
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    assert ours.score(X, y) == theirs.score(X, y)
    np.testing.assert_array_equal(ours.classes_, [0, 1])


def test_grid_search_default_scoring_and_cv_equal_sklearn(binary):
    X, y = binary
    grid = {"min_samples_leaf": [1, 5, 20], "max_depth": [2, 4]}
    ours = GridSearchCV(DecisionTreeClassifier(random_state=0), grid).fit(X, y)
    theirs = sk.GridSearchCV(DecisionTreeClassifier(random_state=0), grid).fit(X, y)
    _assert_same_results(ours, theirs)
    assert ours.best_params_ == theirs.best_params_


def test_rank_ties_use_the_minimum_rank(binary):
    X, y = binary
    # depths beyond the fully grown tree give identical trees, hence tied scores
    grid = {"max_depth": [1, 20, 30, 40, 2]}
    ours = GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=KFold(3)).fit(X, y)
    theirs = sk.GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=sk.KFold(3))
    theirs.fit(X, y)
    means = ours.cv_results_["mean_test_score"]
    assert means[1] == means[2] == means[3]
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], theirs.cv_results_["rank_test_score"]
    )
    assert ours.best_index_ == theirs.best_index_


def test_rank_min_matches_scipy_with_nan():
    rng = np.random.default_rng(0)
    for _ in range(50):
        scores = rng.integers(0, 4, size=9).astype(float)
        scores[rng.random(9) < 0.2] = np.nan
        if np.isnan(scores).all():
            np.testing.assert_array_equal(rank_min(scores), np.ones(9))
            continue
        filled = np.where(np.isnan(scores), np.nanmin(scores) - 1, scores)
        np.testing.assert_array_equal(rank_min(scores), rankdata(-filled, method="min"))


def test_list_of_grids_gives_masked_params_like_sklearn(binary):
    X, y = binary
    grid = [
        {"criterion": ["gini"], "max_depth": [1, 3]},
        {"criterion": ["entropy"], "min_samples_leaf": [2, 10], "max_features": [None, 0.5]},
    ]
    tree = DecisionTreeClassifier(random_state=0)
    ours = GridSearchCV(tree, grid, cv=KFold(3), return_train_score=True).fit(X, y)
    theirs = sk.GridSearchCV(tree, grid, cv=sk.KFold(3), return_train_score=True).fit(X, y)
    _assert_same_results(ours, theirs)
    for key in ("mean_train_score", "std_train_score", "split2_train_score"):
        np.testing.assert_array_equal(ours.cv_results_[key], theirs.cv_results_[key])


def test_multimetric_refit_by_name(binary):
    X, y = binary
    scoring = {"acc": sk_get_scorer("accuracy"), "ll": sk_get_scorer("neg_log_loss")}
    tree = DecisionTreeClassifier(random_state=0)
    ours = GridSearchCV(tree, GRID, cv=KFold(3), scoring=scoring, refit="ll").fit(X, y)
    theirs = sk.GridSearchCV(tree, GRID, cv=sk.KFold(3), scoring=scoring, refit="ll")
    theirs.fit(X, y)
    _assert_same_results(ours, theirs, metrics=("acc", "ll"))
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == theirs.best_score_
    assert ours.score(X, y) == theirs.score(X, y)
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        GridSearchCV(tree, GRID, cv=3, scoring=scoring).fit(X, y)


def test_refit_false_and_callable(binary):
    X, y = binary
    tree = DecisionTreeClassifier(random_state=0)
    search = GridSearchCV(tree, GRID, cv=3, refit=False).fit(X, y)
    assert "mean_test_score" in search.cv_results_
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X)

    def simplest(results):
        depths = [p["max_depth"] or 99 for p in results["params"]]
        return int(np.argmin(depths))

    search = GridSearchCV(tree, GRID, cv=3, refit=simplest).fit(X, y)
    assert search.best_params_["max_depth"] == 1
    assert not hasattr(search, "best_score_")
    with pytest.raises(IndexError, match="out of range"):
        GridSearchCV(tree, GRID, cv=3, refit=lambda r: 100).fit(X, y)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_delegation_and_unfitted_errors(binary):
    X, y = binary
    search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3]}, cv=3)
    assert not hasattr(search, "decision_function")
    assert not hasattr(search, "transform")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        search.predict(X)
    search.fit(X, y)
    best = search.best_estimator_
    np.testing.assert_array_equal(search.predict_proba(X), best.predict_proba(X))
    np.testing.assert_array_equal(search.predict_log_proba(X), best.predict_log_proba(X))
    assert search.n_features_in_ == X.shape[1]
    assert search.refit_time_ >= 0 and np.all(search.cv_results_["mean_fit_time"] >= 0)


def test_nested_parameters_in_a_sklearn_pipeline(binary):
    X, y = binary
    model = SkPipeline([("scale", StandardScaler()), ("tree", DecisionTreeClassifier())])
    grid = {"tree__max_depth": [1, 3], "tree__random_state": [0]}
    ours = GridSearchCV(model, grid, cv=KFold(3)).fit(X, y)
    theirs = sk.GridSearchCV(model, grid, cv=sk.KFold(3)).fit(X, y)
    _assert_same_results(ours, theirs)
    assert (
        ours.best_estimator_.named_steps["tree"].max_depth == theirs.best_params_["tree__max_depth"]
    )


def test_search_is_an_estimator_itself(binary):
    X, y = binary
    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]}, cv=3)
    params = search.get_params()
    assert params["estimator__max_depth"] is None and params["cv"] == 3
    copy = clone(search)
    assert copy is not search and copy.param_grid == search.param_grid
    search.set_params(estimator__min_samples_leaf=4)
    assert search.estimator.min_samples_leaf == 4
    scores = sk.cross_val_score(search, X, y, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))


def test_our_tree_in_our_grid_search_equals_sklearn_search(binary):
    tree_module = pytest.importorskip("tree")
    if not hasattr(tree_module, "DecisionTree"):
        pytest.skip("tree.DecisionTree is not available yet")
    X, y = binary
    tree = tree_module.DecisionTree()
    grid = {"max_depth": [1, 2, 4], "criterion": ["gini", "entropy"]}
    ours = GridSearchCV(tree, grid, cv=KFold(3), scoring=sk_get_scorer("accuracy")).fit(X, y)
    theirs = sk.GridSearchCV(tree, grid, cv=sk.KFold(3), scoring="accuracy").fit(X, y)
    _assert_same_results(ours, theirs)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# --------------------------------------------------------------------------- ParameterGrid
@pytest.mark.parametrize(
    "grid",
    [
        {"b": [1, 2], "a": ["x", "y", "z"]},
        [{"a": [1]}, {"c": [True, False], "b": np.array([0.5, 1.5])}],
        {},
        [{}, {"a": [1, 2]}],
    ],
)
def test_parameter_grid_order_equals_sklearn(grid):
    ours = ParameterGrid(grid)
    theirs = sk.ParameterGrid(grid)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]


@pytest.mark.parametrize(
    ("grid", "error", "match"),
    [
        (3, TypeError, "should be a dict or a list"),
        ("max_depth", TypeError, "should be a dict or a list"),
        ([3], TypeError, "is not a dict"),
        ({"max_depth": 3}, TypeError, "wrapped in a list"),
        ({"max_depth": "abc"}, TypeError, "wrapped in a list"),
        ({"max_depth": []}, ValueError, "non-empty sequence"),
        ({"max_depth": np.zeros((2, 2))}, ValueError, "one-dimensional"),
    ],
)
def test_bad_param_grid(grid, error, match, binary):
    X, y = binary
    with pytest.raises(error, match=match):
        GridSearchCV(DecisionTreeClassifier(), grid).fit(X, y)


def test_bad_search_arguments(binary):
    X, y = binary
    with pytest.raises(TypeError, match="implementing a 'fit' method"):
        GridSearchCV("tree", {"max_depth": [1]}).fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter 'depth'|Invalid parameter depth"):
        GridSearchCV(DecisionTreeClassifier(), {"depth": [1]}, cv=3).fit(X, y)
    with pytest.raises(ValueError, match="not a valid scoring value"):
        GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}, scoring="acc").fit(X, y)
    with pytest.raises(ValueError, match="No fits were performed"):
        GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}, cv=[]).fit(X, y)


def test_multiclass_stratified_default(binary):
    X, y = load_iris(return_X_y=True)
    grid = {"max_depth": [1, 2, 3]}
    ours = GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=3).fit(X, y)
    theirs = sk.GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=3).fit(X, y)
    _assert_same_results(ours, theirs)


def test_our_pipeline_and_tree_on_pandas_equal_sklearn_search(binary):
    tree_module = pytest.importorskip("tree")
    preprocessing = pytest.importorskip("pipeline.preprocessing")
    import pandas as pd

    from pipeline import Pipeline

    if not hasattr(tree_module, "DecisionTree"):
        pytest.skip("tree.DecisionTree is not available yet")
    X, y = binary
    frame = pd.DataFrame(X[:, :8], columns=[f"f{i}" for i in range(8)])
    model = Pipeline(
        [("scale", preprocessing.StandardScaler()), ("tree", tree_module.DecisionTree())]
    )
    grid = {"tree__max_depth": [1, 3], "tree__criterion": ["gini", "entropy"]}
    ours = GridSearchCV(model, grid, cv=3).fit(frame, y)
    theirs = sk.GridSearchCV(model, grid, cv=3).fit(frame, y)
    _assert_same_results(ours, theirs)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_array_equal(ours.predict(frame), theirs.predict(frame))


def test_classifier_detection_both_ways():
    from sklearn.base import is_classifier as sk_is_classifier
    from sklearn.tree import DecisionTreeRegressor

    from pipeline.model_selection._utils import is_classifier

    assert is_classifier(DecisionTreeClassifier()) and not is_classifier(DecisionTreeRegressor())
    assert sk_is_classifier(GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}))
    assert not sk_is_classifier(GridSearchCV(DecisionTreeRegressor(), {"max_depth": [1]}))
    assert is_classifier(GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}))
