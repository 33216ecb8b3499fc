"""splitter="hist": binning, and trees checked against the exact splitter.

Two independent references: on features with at most ``max_bins`` distinct values every value
has its own bin, so the histogram tree must be the exact tree (same nodes, same partition of
the training rows); on continuous features, the histogram tree must be the exact tree fitted
on the bin codes themselves (the codes keep the values' order).
"""

import numpy as np
import pytest

from tree import DecisionTree, DecisionTreeRegressor
from tree._binning import BIN_BLOCK_ROWS, bin_features, feature_edges, fit_bin_edges

STRUCTURE = ("children_left", "children_right", "feature", "n_node_samples", "missing_go_to_left")


def _integer_data(seed, n=2_000, d=5, levels=30, nan_fraction=0.05):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, levels, size=(n, d)).astype(float)
    X[rng.rand(n, d) < nan_fraction] = np.nan
    signal = np.nan_to_num(X[:, 0], nan=levels) + 0.7 * np.nan_to_num(X[:, 1])
    return rng, X, signal


def _assert_same_tree(exact, hist, X, X_hist=None):
    a, b = exact.tree_, hist.tree_
    assert a.node_count == b.node_count
    for name in STRUCTURE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.impurity, b.impurity, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(exact.apply(X), hist.apply(X if X_hist is None else X_hist))


CLASSIFIER_CASES = [
    {},
    {"criterion": "entropy"},
    {"max_depth": 4},
    {"min_samples_leaf": 7},
    {"min_samples_split": 30},
    {"min_weight_fraction_leaf": 0.02},
    {"min_impurity_decrease": 0.001},
    {"max_features": 2, "random_state": 3},
    {"max_leaf_nodes": 25},
    {"max_leaf_nodes": 2},
    {"ccp_alpha": 0.002},
    {"max_leaf_nodes": 40, "max_depth": 5, "min_samples_leaf": 3},
    {"class_weight": "integer"},  # {class: class + 1}: integer weights keep every sum exact
]


@pytest.mark.parametrize("params", CLASSIFIER_CASES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_equals_exact_when_every_value_has_a_bin(params, n_classes):
    rng, X, signal = _integer_data(n_classes)
    y = np.digitize(signal + rng.randn(signal.size) * 4, np.quantile(signal, [0.4, 0.7]))
    y = np.minimum(y, n_classes - 1)
    if params.get("class_weight") == "integer":
        params = {"class_weight": {c: c + 1.0 for c in range(n_classes)}}
    exact = DecisionTree(**params).fit(X, y)
    hist = DecisionTree(splitter="hist", **params).fit(X, y)
    _assert_same_tree(exact, hist, X)


def test_integer_sample_weights_give_the_exact_tree():
    rng, X, signal = _integer_data(5)
    y = (signal + rng.randn(signal.size) * 5 > 25).astype(int)
    weights = rng.randint(0, 4, size=y.size).astype(float)
    exact = DecisionTree().fit(X, y, sample_weight=weights)
    hist = DecisionTree(splitter="hist").fit(X, y, sample_weight=weights)
    # rows of weight 0 are left out of training: the two thresholds may route them apart
    _assert_same_tree(exact, hist, X[weights > 0])


@pytest.mark.parametrize(
    "params", [{}, {"max_depth": 5}, {"min_samples_leaf": 10}, {"max_leaf_nodes": 30}]
)
def test_regressor_equals_exact_when_every_value_has_a_bin(params):
    # integer targets: every sum is exact, so the proxies are equal whatever the order
    rng, X, signal = _integer_data(7)
    y = np.round(signal + rng.randint(0, 6, signal.size))
    exact = DecisionTreeRegressor(**params).fit(X, y)
    hist = DecisionTreeRegressor(splitter="hist", **params).fit(X, y)
    _assert_same_tree(exact, hist, X)


@pytest.mark.parametrize("max_bins", [2, 16, 255])
def test_continuous_features_give_the_exact_tree_of_the_bin_codes(max_bins):
    rng = np.random.RandomState(11)
    X = rng.randn(3_000, 4).astype(np.float32)
    X[rng.rand(*X.shape) < 0.03] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) ** 2 + rng.randn(3_000) > 0.8).astype(int)
    edges, n_edges = fit_bin_edges(X, max_bins, None, None)
    codes = bin_features(X, edges, n_edges, max_bins).astype(float)
    codes[np.isnan(X)] = np.nan
    hist = DecisionTree(splitter="hist", max_bins=max_bins, max_depth=8).fit(X, y)
    on_codes = DecisionTree(max_depth=8).fit(codes, y)
    _assert_same_tree(on_codes, hist, codes, X)


def test_thresholds_are_in_the_features_units():
    X = np.array([[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    hist = DecisionTree(splitter="hist").fit(X, y)
    assert hist.tree_.threshold[0] == 6.5
    np.testing.assert_array_equal(hist.predict([[6.4], [6.6]]), [0, 1])


def test_edges_are_midpoints_between_distinct_values():
    column = np.array([3.0, 1.0, 1.0, np.nan, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(feature_edges(column, 255), [1.5, 2.5])


def test_quantile_edges_leave_no_bin_empty_and_codes_follow_the_edges():
    rng = np.random.RandomState(0)
    column = rng.exponential(size=10_000).astype(np.float32)
    edges = feature_edges(column, 32)
    assert 1 <= edges.size <= 31 and np.all(np.diff(edges) > 0)
    X = column[:, None]
    codes = bin_features(X, edges[None, :], np.array([edges.size]), 32)[:, 0]
    assert np.unique(codes).size == edges.size + 1
    for b in range(edges.size):  # code <= b exactly when x <= edges[b]
        np.testing.assert_array_equal(codes <= b, column.astype(np.float64) <= edges[b])


@pytest.mark.parametrize("max_bins", [2, 7, 255])
def test_codes_count_the_edges_below_each_value_on_any_number_of_threads(max_bins):
    rng = np.random.RandomState(3)
    n = 3 * BIN_BLOCK_ROWS + 17  # several row blocks, the last one short
    X = np.column_stack(
        [rng.randn(n), rng.randint(0, 4, n), rng.exponential(size=n), np.full(n, 2.5)]
    ).astype(np.float32)
    X[rng.rand(n, 4) < 0.02] = np.nan
    X[:3, 0] = [np.inf, -np.inf, 0.0]
    edges, n_edges = fit_bin_edges(X, max_bins, 50_000, np.random.RandomState(0))
    expected = np.empty(X.T.shape, dtype=np.int64)
    for f in range(X.shape[1]):  # the number of edges < x, from numpy
        expected[f] = np.searchsorted(edges[f, : n_edges[f]], X[:, f].astype(np.float64), "left")
    expected[np.isnan(X.T)] = max_bins
    for n_threads in (1, 2, 3):
        codes = bin_features(X, edges, n_edges, max_bins, n_threads)
        assert codes.dtype == np.uint8
        np.testing.assert_array_equal(codes, expected.T)


def test_subsample_is_seeded():
    rng = np.random.RandomState(1)
    X = rng.rand(5_000, 2).astype(np.float32)
    a = fit_bin_edges(X, 16, 1_000, np.random.RandomState(4))
    b = fit_bin_edges(X, 16, 1_000, np.random.RandomState(4))
    c = fit_bin_edges(X, 16, 1_000, np.random.RandomState(5))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_a_feature_of_only_missing_values_is_never_split_on():
    rng = np.random.RandomState(2)
    X = np.c_[np.full(200, np.nan), rng.rand(200)]
    y = (X[:, 1] > 0.5).astype(int)
    assert feature_edges(X[:, 0].astype(np.float32), 255).size == 0
    hist = DecisionTree(splitter="hist").fit(X, y)
    assert set(hist.tree_.feature[hist.tree_.feature >= 0]) == {1}


def test_missing_values_only_in_prediction_follow_the_larger_child():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 0, 0, 1, 1])
    hist = DecisionTree(splitter="hist").fit(X, y)
    assert hist.predict([[np.nan]])[0] == 0


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (DecisionTreeRegressor(splitter="hist", criterion="absolute_error"), "absolute_error"),
        (DecisionTree(splitter="hist", monotonic_cst=[1, 0]), "monotonic_cst"),
    ],
)
def test_unsupported_options_are_refused(estimator, message):
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)


@pytest.mark.parametrize("max_bins", [1, 256, 2.5])
def test_max_bins_out_of_range_is_refused(max_bins):
    with pytest.raises(ValueError, match="max_bins"):
        DecisionTree(splitter="hist", max_bins=max_bins).fit([[0.0], [1.0]], [0, 1])


def test_a_hist_tree_round_trips_through_its_dict():
    rng, X, signal = _integer_data(13)
    y = signal + rng.randn(signal.size)
    model = DecisionTreeRegressor(splitter="hist", max_bins=64, max_depth=6).fit(X, y)
    loaded = DecisionTreeRegressor.from_dict(model.to_dict())
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("estimator", [DecisionTree, DecisionTreeRegressor])
def test_the_same_tree_on_one_thread_and_on_every_thread(estimator):
    # large enough for the threaded build (deferred subtrees); float weights: the subtrees
    # must start from the histograms the top left them, not from sums of their own
    import numba

    rng = np.random.RandomState(21)
    X = rng.randn(60_000, 5).astype(np.float32)
    X[rng.rand(*X.shape) < 0.02] = np.nan
    signal = np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * np.nan_to_num(X[:, 2])
    y = (signal > 0.3).astype(int) if estimator is DecisionTree else signal
    weights = rng.rand(y.size) + 0.5
    params = {"splitter": "hist", "max_features": 4, "random_state": 5}
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = estimator(**params).fit(X, y, sample_weight=weights)
    finally:
        numba.set_num_threads(threads)
    threaded = estimator(**params).fit(X, y, sample_weight=weights)
    for name in (*STRUCTURE, "threshold", "value", "impurity", "weighted_n_node_samples"):
        np.testing.assert_array_equal(getattr(serial.tree_, name), getattr(threaded.tree_, name))


def test_hist_bins_any_numeric_input_as_its_float32_values_without_a_copy():
    rng = np.random.RandomState(8)
    X = rng.randn(4_000, 5) * 1e3
    X[rng.rand(*X.shape) < 0.02] = np.nan
    y = (np.nan_to_num(X[:, 0]) + rng.randn(4_000) * 300 > 0).astype(int)
    reference = DecisionTree(splitter="hist", max_depth=6, max_bins=64).fit(X.astype(np.float32), y)
    for given in (X, np.asfortranarray(X), X[:, ::1].copy(order="F")):
        tree = DecisionTree(splitter="hist", max_depth=6, max_bins=64).fit(given, y)
        _assert_same_tree(reference, tree, X.astype(np.float32))
    integers = rng.randint(-50, 50, size=(4_000, 3))
    as_float = DecisionTree(splitter="hist", max_depth=5).fit(integers.astype(np.float32), y)
    _assert_same_tree(
        as_float, DecisionTree(splitter="hist", max_depth=5).fit(integers, y), integers
    )


@pytest.mark.parametrize("splitter", ["best", "hist"])
def test_values_too_large_for_float32_are_refused_by_every_splitter(splitter):
    X = np.ones((200_000, 2))
    X[150_000, 1] = 1e39  # finite in float64, inf in float32, beyond the first checked block
    with pytest.raises(ValueError, match="too large for dtype"):
        DecisionTree(splitter=splitter).fit(X, np.arange(200_000) % 2)
    X[150_000, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        DecisionTree(splitter=splitter).fit(X, np.arange(200_000) % 2)
