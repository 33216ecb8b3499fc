"""DecisionTreeRegressor: equal to scikit-learn's where its best splits are unique."""

import numpy as np
import pytest
from cart_reference import compare_untied, tree_is_untied
from sklearn.datasets import load_diabetes
from sklearn.tree import DecisionTreeRegressor as SkRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from tree import DecisionTreeRegressor, NotFittedError

# scikit-learn 1.9 warns that its "friedman_mse" now maps to "squared_error" (as ours does)
pytestmark = pytest.mark.filterwarnings('ignore:Value `"friedman_mse"`:FutureWarning')

EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [DecisionTreeRegressor(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(seed, n, d):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    y = np.sin(2 * X[:, 0]) + 0.3 * rng.randn(n)
    return X, y, rng


CONFIGS = [
    (1, {}),
    (2, {"max_depth": 3, "min_samples_leaf": 3}),
    (2, {"min_samples_leaf": 5, "criterion": "friedman_mse"}),
    (2, {"max_leaf_nodes": 9, "min_samples_leaf": 3}),
    (1, {"min_impurity_decrease": 0.01}),
    (1, {"ccp_alpha": 0.005}),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("d, params", CONFIGS, ids=[str(c[1]) for c in CONFIGS])
def test_equal_to_sklearn_when_untied(d, params, weighted):
    msl = params.get("min_samples_leaf", 1)
    n_untied = 0
    for seed in range(6):
        X, y, rng = _data(seed, 60, d)
        sw = rng.randint(1, 4, len(y)).astype(float) if weighted else None
        w = np.ones(len(y)) if sw is None else sw
        ours = DecisionTreeRegressor(**params).fit(X, y, sample_weight=sw)
        theirs = SkRegressor(random_state=seed, **params)
        theirs.fit(X, y, sample_weight=sw)
        full = SkRegressor(random_state=0, **{**params, "ccp_alpha": 0.0})
        full.fit(X, y, sample_weight=sw)
        if tree_is_untied(full.tree_, X, y, w, 1, "squared_error", msl):
            n_untied += 1
            assert ours.tree_.node_count == theirs.tree_.node_count
            np.testing.assert_array_equal(ours.tree_.threshold, theirs.tree_.threshold)
            np.testing.assert_array_equal(ours.tree_.feature, theirs.tree_.feature)
            np.testing.assert_allclose(ours.tree_.value, theirs.tree_.value, rtol=1e-9)
            np.testing.assert_allclose(
                ours.tree_.impurity, theirs.tree_.impurity, rtol=1e-7, atol=1e-12
            )
            X_check = np.vstack([X, rng.randn(40, d).astype(np.float32)])
            np.testing.assert_allclose(ours.predict(X_check), theirs.predict(X_check), rtol=1e-9)
            np.testing.assert_allclose(
                ours.feature_importances_, theirs.feature_importances_, rtol=1e-6, atol=1e-12
            )
        elif not params.get("ccp_alpha"):
            assert compare_untied(ours.tree_, theirs.tree_, X, y, w, 1, "squared_error", msl) >= 1
    assert n_untied >= 1


def test_diabetes_and_pruning_path():
    X, y = load_diabetes(return_X_y=True)
    X32 = X.astype(np.float32)
    for params in ({"max_depth": 4}, {"min_samples_leaf": 5}, {}):
        ours = DecisionTreeRegressor(**params).fit(X, y)
        theirs = SkRegressor(random_state=0, **params).fit(X, y)
        compared = compare_untied(
            ours.tree_,
            theirs.tree_,
            X32,
            y,
            np.ones(len(y)),
            1,
            "squared_error",
            params.get("min_samples_leaf", 1),
        )
        assert compared >= 3
        if tree_is_untied(
            theirs.tree_,
            X32,
            y,
            np.ones(len(y)),
            1,
            "squared_error",
            params.get("min_samples_leaf", 1),
        ):
            np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-9)
    ours_path = DecisionTreeRegressor(max_depth=4).cost_complexity_pruning_path(X, y)
    their_path = SkRegressor(max_depth=4, random_state=0).cost_complexity_pruning_path(X, y)
    np.testing.assert_allclose(ours_path.ccp_alphas, their_path.ccp_alphas, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours_path.impurities, their_path.impurities, rtol=1e-9)


def test_regressor_api():
    X, y, _ = _data(0, 100, 3)
    model = DecisionTreeRegressor(max_depth=3).fit(X, y)
    assert model.tree_.value.shape == (model.tree_.node_count, 1, 1)
    assert not hasattr(model, "predict_proba") and not hasattr(model, "classes_")
    leaves = model.apply(X)
    np.testing.assert_allclose(model.predict(X), model.tree_.value[leaves, 0, 0])
    assert 0.0 < model.score(X, y) <= 1.0
    with pytest.raises(ValueError, match="y contains NaN"):
        DecisionTreeRegressor().fit(X, np.r_[np.nan, y[1:]])
    with pytest.raises(ValueError, match="criterion"):
        DecisionTreeRegressor(criterion="gini").fit(X, y)
    with pytest.raises(NotFittedError):
        DecisionTreeRegressor().predict(X)
    constant = DecisionTreeRegressor().fit(X, np.full(100, 2.5))
    assert constant.tree_.node_count == 1 and constant.predict(X[:2]).tolist() == [2.5, 2.5]


def test_friedman_mse_warns_and_maps_to_squared_error_as_scikit_learn():
    with pytest.warns(FutureWarning, match="friedman_mse") as ours:
        model = DecisionTreeRegressor(criterion="friedman_mse")
    with pytest.warns(FutureWarning, match="friedman_mse"):
        theirs = SkRegressor(criterion="friedman_mse")
    assert len(ours) == 1
    assert model.criterion == theirs.criterion == "squared_error"
