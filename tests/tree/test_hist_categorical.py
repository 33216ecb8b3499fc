"""Native categorical splits with ``splitter="hist"`` (one bin per category).

The reference is the exact splitter's categorical tree: when every numeric value has a bin of
its own (at most ``max_bins`` distinct values) and every category has its bin, the histogram
splitter sees the same counts and must grow the same tree, bitsets included. The brute-force
checks of every node are in ``test_categorical.py`` (parametrized by splitter).
"""

import numba
import numpy as np
import pytest

from tree import DecisionTree, DecisionTreeRegressor, load, save

# thresholds may differ: the exact splitter's lie midway between the node's own values
TREE_ARRAYS = ("children_left", "children_right", "feature", "n_node_samples", "missing_go_to_left")


def _data(seed, n, n_classes=2, regression=False, sparse_codes=False):
    """Integer numeric features (60 values) and two categorical ones: column 0 with 150
    categories (codes 0..149, or every 40th code up to 5,960 when ``sparse_codes``), column 2
    with 12 and missing values."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 60, size=(n, 5)).astype(np.float64)
    X[:, 0] = rng.integers(0, 150, n) * (40 if sparse_codes else 1)
    X[:, 2] = rng.integers(0, 12, n)
    X[rng.random(n) < 0.05, 2] = np.nan
    effect = rng.normal(size=6000)
    signal = effect[X[:, 0].astype(int)] + (np.nan_to_num(X[:, 2], nan=12) % 4 == 1) + X[:, 1] / 30
    signal += 0.5 * rng.normal(size=n)
    if regression:
        return X, signal
    cuts = np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.searchsorted(cuts, signal)


def _assert_same_tree(a, b, X):
    assert np.any(a.tree_.categorical_node >= 0)  # the test reaches categorical splits
    assert a.tree_.node_count == b.tree_.node_count
    for name in TREE_ARRAYS:
        np.testing.assert_array_equal(getattr(a.tree_, name), getattr(b.tree_, name), name)
    np.testing.assert_allclose(a.tree_.value, b.tree_.value, rtol=1e-12)
    np.testing.assert_allclose(a.tree_.impurity, b.tree_.impurity, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(a.apply(X), b.apply(X))
    np.testing.assert_array_equal(a.tree_.categorical_node, b.tree_.categorical_node)
    np.testing.assert_array_equal(a.tree_.categorical_bitsets, b.tree_.categorical_bitsets)
    assert a.tree_.categorical_n_codes == b.tree_.categorical_n_codes


CASES = [
    {"criterion": "gini"},
    {"criterion": "entropy", "max_depth": 6},
    {"criterion": "gini", "max_leaf_nodes": 40},
    {"criterion": "gini", "min_category_samples": 25},
    {"criterion": "entropy", "min_samples_leaf": 5, "max_features": 3},
]


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("n", [3_000, 60_000])  # 60,000 x 5: the threaded build
def test_classifier_equals_the_exact_categorical_tree(params, n_classes, n):
    X, y = _data(0, n, n_classes)
    kw = dict(categorical_features=[0, 2], random_state=0, **params)
    exact = DecisionTree(**kw).fit(X, y)
    hist = DecisionTree(splitter="hist", **kw).fit(X, y)
    _assert_same_tree(exact, hist, X)


@pytest.mark.parametrize("params", [{}, {"max_depth": 8}, {"max_leaf_nodes": 30}])
@pytest.mark.parametrize("n", [3_000, 60_000])
def test_regressor_equals_the_exact_categorical_tree(params, n):
    X, y = _data(1, n, regression=True)
    y = np.round(y * 8) / 8  # sums of multiples of 1/8: exact in any order
    kw = dict(categorical_features=[0, 2], random_state=0, **params)
    exact = DecisionTreeRegressor(**kw).fit(X, y)
    hist = DecisionTreeRegressor(splitter="hist", **kw).fit(X, y)
    _assert_same_tree(exact, hist, X)


def test_integer_weights_and_sparse_codes_give_the_exact_tree():
    X, y = _data(2, 20_000, sparse_codes=True)
    w = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    kw = dict(categorical_features=[0, 2], random_state=0)
    exact = DecisionTree(**kw).fit(X, y, sample_weight=w)
    hist = DecisionTree(splitter="hist", **kw).fit(X, y, sample_weight=w)
    _assert_same_tree(exact, hist, X)
    assert hist.tree_.categorical_n_codes == 149 * 40 + 1


def test_unseen_categories_follow_the_larger_child_as_with_the_exact_splitter():
    X, y = _data(4, 5_000)
    kw = dict(categorical_features=[0, 2], max_depth=4, random_state=0)
    exact = DecisionTree(**kw).fit(X, y)
    hist = DecisionTree(splitter="hist", **kw).fit(X, y)
    X_new = X[:500].copy()
    X_new[:250, 0] = 9_999  # a code above every training code
    X_new[250:, 2] = np.nan
    np.testing.assert_array_equal(exact.apply(X_new), hist.apply(X_new))
    np.testing.assert_array_equal(exact.predict_proba(X_new), hist.predict_proba(X_new))


@pytest.mark.parametrize("estimator", [DecisionTree, DecisionTreeRegressor])
def test_the_same_hist_categorical_tree_on_one_thread_and_on_every_thread(estimator):
    X, y = _data(5, 60_000, regression=estimator is DecisionTreeRegressor)
    w = np.random.default_rng(6).uniform(0.5, 2.0, len(y))
    params = dict(splitter="hist", categorical_features=[0, 2], max_depth=14, random_state=0)
    threads = numba.get_num_threads()
    if threads < 2:
        pytest.skip("one thread only: nothing to compare")
    try:
        numba.set_num_threads(1)
        serial = estimator(**params).fit(X, y, sample_weight=w)
    finally:
        numba.set_num_threads(threads)
    threaded = estimator(**params).fit(X, y, sample_weight=w)
    arrays = (*TREE_ARRAYS, "threshold", "impurity", "value")
    for name in (*arrays, "categorical_node", "categorical_bitsets"):
        np.testing.assert_array_equal(getattr(serial.tree_, name), getattr(threaded.tree_, name))


def _wide_data(seed, n, n_categories, n_classes=2, regression=False):
    """``_data`` with column 0 holding ``n_categories`` codes (more than 255: uint16 codes) and
    missing values."""
    X, _ = _data(seed, n)
    rng = np.random.default_rng(seed + 100)
    codes = rng.integers(0, n_categories, n)
    X[:, 0] = codes
    X[rng.random(n) < 0.03, 0] = np.nan
    signal = rng.normal(size=n_categories)[codes] + X[:, 1] / 30 + 0.5 * rng.normal(size=n)
    if regression:
        return X, np.round(signal * 8) / 8  # sums of multiples of 1/8: exact in any order
    cuts = np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.searchsorted(cuts, signal)


def test_more_categories_than_max_bins_get_a_bin_each():
    X, y = _data(7, 2_000)  # 150 categories, numeric features of 60 values
    kw = dict(max_bins=100, categorical_features=[0, 2], random_state=0)
    _assert_same_tree(
        DecisionTree(**kw).fit(X, y), DecisionTree(splitter="hist", **kw).fit(X, y), X
    )


@pytest.mark.parametrize("params", [{}, {"max_depth": 7, "n_classes": 3}, {"max_leaf_nodes": 60}])
@pytest.mark.parametrize("n", [5_000, 60_000])  # 60,000 x 5: the threaded build
def test_a_thousand_categories_give_the_exact_tree(params, n):
    params = dict(params)
    X, y = _wide_data(8, n, 1_000, n_classes=params.pop("n_classes", 2))
    kw = dict(categorical_features=[0, 2], random_state=0, **params)
    exact = DecisionTree(**kw).fit(X, y)
    hist = DecisionTree(splitter="hist", **kw).fit(X, y)
    _assert_same_tree(exact, hist, X)
    assert hist.tree_.categorical_n_codes == int(np.nanmax(X[:, 0])) + 1


def test_a_regressor_with_a_thousand_categories_gives_the_exact_tree():
    X, y = _wide_data(9, 20_000, 1_000, regression=True)
    kw = dict(categorical_features=[0, 2], max_depth=10, random_state=0)
    exact = DecisionTreeRegressor(**kw).fit(X, y)
    hist = DecisionTreeRegressor(splitter="hist", **kw).fit(X, y)
    _assert_same_tree(exact, hist, X)


@pytest.mark.parametrize("n_categories", [256, 257, 700])  # 256: 255 edges, a missing bin past
def test_wide_categorical_features_are_binned_by_their_codes(n_categories):
    from tree._binning import bin_features, category_bins, fit_bin_edges

    X, _ = _wide_data(10, 5_000, n_categories)
    is_categorical = np.array([True, False, True, False, False])
    bin_code = category_bins(X, is_categorical, 255)
    edges, n_edges = fit_bin_edges(X, 255, None, None, bin_code=bin_code)
    n_bins = bin_code.shape[1] - 1
    codes = bin_features(X, edges, n_edges, n_bins)
    assert codes.dtype == np.uint16 and n_bins == np.unique(X[~np.isnan(X[:, 0]), 0]).size
    present = ~np.isnan(X[:, 0])
    # bin b of a categorical feature holds its code bin_code[f, b]; missing values the last bin
    np.testing.assert_array_equal(bin_code[0, codes[present, 0]], X[present, 0])
    assert np.all(codes[~present, 0] == n_bins)
    # the numeric features are binned as with max_bins alone
    narrow_edges, narrow_n = fit_bin_edges(X[:, 1:2], 255, None, None)
    np.testing.assert_array_equal(
        codes[:, 1], bin_features(X[:, 1:2], narrow_edges, narrow_n, 255)[:, 0]
    )


def test_more_categories_than_the_histograms_hold_are_refused_with_the_way_out(monkeypatch):
    import tree._binning

    monkeypatch.setattr(tree._binning, "MAX_CATEGORY_BINS", 120)
    X, y = _data(7, 2_000)
    with pytest.raises(ValueError, match="feature 0 has 150 categories, more than 120.*'best'"):
        DecisionTree(splitter="hist", categorical_features=[0]).fit(X, y)
    # the exact splitter takes any number of categories
    DecisionTree(categorical_features=[0], max_depth=2).fit(X, y)


def test_a_hist_categorical_tree_round_trips_through_save_and_load(tmp_path):
    X, y = _data(8, 4_000)
    model = DecisionTree(splitter="hist", categorical_features=[0, 2], max_depth=6).fit(X, y)
    save(model, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert loaded.get_params()["splitter"] == "hist"
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
