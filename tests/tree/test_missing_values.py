"""Missing values (NaN) in X: scikit-learn's semantics, equal trees where splits are unique."""

import numpy as np
import pytest
from cart_reference import compare_untied, tree_is_untied
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import tree


def _data(seed, n=80, d=2, missing=0.2, regression=False):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    noise = rng.randn(n)
    y = np.sin(2 * X[:, 0]) + 0.3 * noise if regression else (X[:, 0] + 0.5 * noise > 0) * 1
    X[rng.rand(n, d) < missing] = np.nan
    return X, y, rng


CASES = [
    (tree.DecisionTree, DecisionTreeClassifier, {"max_depth": 3}, "gini"),
    (tree.DecisionTree, DecisionTreeClassifier, {"min_samples_leaf": 5}, "gini"),
    (
        tree.DecisionTree,
        DecisionTreeClassifier,
        {"criterion": "entropy", "max_depth": 4},
        "entropy",
    ),
    (tree.DecisionTreeRegressor, DecisionTreeRegressor, {"min_samples_leaf": 4}, "squared_error"),
    (tree.DecisionTreeRegressor, DecisionTreeRegressor, {"max_leaf_nodes": 8}, "squared_error"),
]


@pytest.mark.parametrize(
    "ours_cls, sk_cls, params, criterion", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_equal_to_sklearn_with_missing_values(ours_cls, sk_cls, params, criterion):
    regression = criterion == "squared_error"
    n_untied = 0
    for seed in range(8):
        X, y, rng = _data(seed, regression=regression)
        ours = ours_cls(**params).fit(X, y)
        theirs = sk_cls(random_state=seed, **params).fit(X, y)
        y_ref = y if regression else np.searchsorted(np.unique(y), y)
        k = 1 if regression else len(np.unique(y))
        msl = params.get("min_samples_leaf", 1)
        w = np.ones(len(y))
        if tree_is_untied(theirs.tree_, X, y_ref, w, k, criterion, msl):
            n_untied += 1
            np.testing.assert_array_equal(ours.tree_.threshold, theirs.tree_.threshold)
            internal = theirs.tree_.children_left >= 0  # a leaf's flag means nothing
            np.testing.assert_array_equal(
                ours.tree_.missing_go_to_left[internal], theirs.tree_.missing_go_to_left[internal]
            )
            X_check = np.vstack([X, _data(seed + 100, regression=regression)[0]])
            if regression:
                np.testing.assert_allclose(
                    ours.predict(X_check), theirs.predict(X_check), rtol=1e-9
                )
            else:
                np.testing.assert_array_equal(
                    ours.predict_proba(X_check), theirs.predict_proba(X_check)
                )
            np.testing.assert_array_equal(ours.apply(X_check), theirs.apply(X_check))
            assert (ours.decision_path(X_check) != theirs.decision_path(X_check)).nnz == 0
        else:
            assert compare_untied(ours.tree_, theirs.tree_, X, y_ref, w, k, criterion, msl) >= 1
    assert n_untied >= 2


def test_missing_values_at_predict_follow_the_larger_child():
    X, y, _ = _data(0, missing=0.0)
    ours = tree.DecisionTree(max_depth=3).fit(X, y)
    theirs = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    assert tree_is_untied(theirs.tree_, X, y, np.ones(len(y)), 2, "gini")
    X_nan = X.copy()
    X_nan[::3, 0] = np.nan
    X_nan[1::3, 1] = np.nan
    np.testing.assert_array_equal(ours.predict_proba(X_nan), theirs.predict_proba(X_nan))
    t = ours.tree_
    internal = t.children_left >= 0
    larger_left = (
        t.n_node_samples[t.children_left[internal]] > t.n_node_samples[t.children_right[internal]]
    )
    np.testing.assert_array_equal(t.missing_go_to_left[internal], larger_left)


def test_all_missing_feature_is_never_split_on():
    X, y, _ = _data(1)
    X[:, 1] = np.nan
    model = tree.DecisionTree().fit(X, y)
    assert not np.any(model.tree_.feature == 1)
    assert model.score(X, y) > 0.7


def test_missing_only_split_has_infinite_threshold():
    # the only signal is whether the value is missing
    X = np.c_[np.r_[np.zeros(10), np.full(10, np.nan)]].astype(np.float32)
    y = np.r_[np.zeros(10), np.ones(10)]
    model = tree.DecisionTree().fit(X, y)
    assert model.tree_.threshold[0] == np.inf
    assert model.tree_.missing_go_to_left[0] == 0
    np.testing.assert_array_equal(model.predict([[0.0], [np.nan], [5.0]]), [0.0, 1.0, 0.0])
    reference = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert reference.tree_.threshold[0] == np.inf


def test_random_splitter_handles_missing_values():
    X, y, _ = _data(2, missing=0.3)
    a = tree.DecisionTree(splitter="random", random_state=0).fit(X, y)
    b = tree.DecisionTree(splitter="random", random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    assert a.score(X, y) == 1.0 or a.get_n_leaves() > 1


def test_infinity_is_still_an_error():
    X, y, _ = _data(3)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        tree.DecisionTree().fit(X, y)
