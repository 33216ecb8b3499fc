"""One tree trained on Dask collections: the same tree as the local histogram splitter's.

Every test compares with ``splitter="hist"`` fitted on the same data in one process (an
independent path: depth-first, from one array of samples). Rows are at most 200,000, so both
bin edges come from every row.
"""

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

from tree import DecisionTree, DecisionTreeRegressor  # noqa: E402
from tree import dask as tree_dask  # noqa: E402

STRUCTURE = (
    "children_left",
    "children_right",
    "feature",
    "threshold",
    "n_node_samples",
    "missing_go_to_left",
)


def _data(seed, n=3_000, d=5, nan_fraction=0.04):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    X[:, 1] = np.round(X[:, 1] * 3)  # a feature of few distinct values
    X[rng.rand(n, d) < nan_fraction] = np.nan
    signal = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) ** 2
    return rng, X, signal


def _assert_same(local, distributed, X):
    a, b = local.tree_, distributed.tree_
    assert a.node_count == b.node_count
    for name in STRUCTURE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12)
    np.testing.assert_allclose(a.impurity, b.impurity, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(local.predict(X), distributed.predict(X))


@pytest.mark.parametrize("chunks", [3_000, 1_000, 437])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"max_depth": 4, "criterion": "entropy"},
        {"min_samples_leaf": 9, "max_features": 3, "random_state": 2},
        {"class_weight": {0: 1.0, 1: 3.0, 2: 2.0}},
    ],
)
def test_classifier_on_dask_is_the_local_hist_tree(params, chunks):
    rng, X, signal = _data(1)
    y = np.digitize(signal + rng.randn(signal.size) * 0.5, [0.0, 1.0])
    local = DecisionTree(splitter="hist", **params).fit(X, y)
    distributed = DecisionTree(splitter="hist", **params).fit(
        da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks)
    )
    _assert_same(local, distributed, X)
    np.testing.assert_array_equal(distributed.classes_, local.classes_)


def test_regressor_with_integer_weights_on_dask_is_the_local_hist_tree():
    rng, X, signal = _data(2)
    y = np.round(signal * 4)
    w = rng.randint(0, 3, size=y.size).astype(float)
    local = DecisionTreeRegressor(splitter="hist", max_depth=7).fit(X, y, sample_weight=w)
    distributed = tree_dask.fit(
        DecisionTreeRegressor(splitter="hist", max_depth=7),
        da.from_array(X, chunks=700),
        da.from_array(y, chunks=700),
        da.from_array(w, chunks=700),
    )
    _assert_same(local, distributed, X)


def test_a_dask_dataframe_keeps_the_column_names_and_a_small_memory_limit_changes_nothing():
    rng, X, signal = _data(3)
    y = (signal > 0.4).astype(int)
    frame = pd.DataFrame(X, columns=[f"c{k}" for k in range(X.shape[1])])
    local = DecisionTree(splitter="hist", max_depth=6).fit(frame, y)
    distributed = tree_dask.fit(
        DecisionTree(splitter="hist", max_depth=6),
        dd.from_pandas(frame, npartitions=4),
        dd.from_pandas(pd.Series(y), npartitions=4),
        memory_limit=50_000,  # a few nodes' histograms per task
    )
    _assert_same(local, distributed, frame)
    assert list(distributed.feature_names_in_) == list(frame.columns)


def test_on_a_local_cluster():
    distributed_pkg = pytest.importorskip("distributed")
    rng, X, signal = _data(4, n=2_000)
    y = (signal > 0.2).astype(int)
    local = DecisionTree(splitter="hist", max_depth=5).fit(X, y)
    with (
        distributed_pkg.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed_pkg.Client(cluster),
    ):
        distributed = DecisionTree(splitter="hist", max_depth=5).fit(
            da.from_array(X, chunks=500), da.from_array(y, chunks=500)
        )
    _assert_same(local, distributed, X)


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (DecisionTree(), 'splitter="hist"'),
    ],
)
def test_unsupported_settings_are_refused(estimator, message):
    X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=5)
    y = da.from_array(np.arange(10) % 2, chunks=5)
    with pytest.raises(ValueError, match=message):
        tree_dask.fit(estimator, X, y)


def test_mismatched_rows_and_non_dask_targets_are_refused():
    X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=5)
    with pytest.raises(ValueError, match="rows"):
        tree_dask.fit(DecisionTree(splitter="hist"), X, da.from_array(np.arange(8) % 2, chunks=4))
    with pytest.raises(TypeError, match="dask Array or Series"):
        tree_dask.fit(DecisionTree(splitter="hist"), X, np.arange(10) % 2)
    with pytest.raises(TypeError, match="dask Array or DataFrame"):
        tree_dask.fit(DecisionTree(splitter="hist"), np.zeros((10, 2)), np.arange(10) % 2)


def _categorical_data(seed, n=4_000):
    """Columns 0 and 3 categorical (40 and 9 codes, every 3rd code up to 117 in column 0;
    missing values in column 3), the others numeric."""
    rng, X, _ = _data(seed, n=n)
    X[:, 0] = rng.randint(0, 40, n) * 3
    X[:, 3] = rng.randint(0, 9, n)
    X[rng.rand(n) < 0.05, 3] = np.nan
    effect = rng.randn(120)
    signal = effect[X[:, 0].astype(int)] + (np.nan_to_num(X[:, 3], nan=9) % 3 == 1)
    signal += np.nan_to_num(X[:, 1]) / 3
    return rng, X, signal


def _assert_same_categorical(local, distributed, X):
    _assert_same(local, distributed, X)
    a, b = local.tree_, distributed.tree_
    assert np.any(a.categorical_node >= 0)  # categorical splits reached
    np.testing.assert_array_equal(a.categorical_node, b.categorical_node)
    np.testing.assert_array_equal(a.categorical_bitsets, b.categorical_bitsets)
    assert a.categorical_n_codes == b.categorical_n_codes
    np.testing.assert_array_equal(local.is_categorical_, distributed.is_categorical_)


@pytest.mark.parametrize("chunks", [4_000, 900])
@pytest.mark.parametrize(
    "params",
    [{}, {"max_depth": 5, "criterion": "entropy"}, {"min_category_samples": 20}],
)
def test_categorical_features_on_dask_give_the_local_hist_tree(params, chunks):
    rng, X, signal = _categorical_data(5)
    y = np.digitize(signal + rng.randn(signal.size) * 0.5, [0.0, 1.0])
    kw = dict(splitter="hist", categorical_features=[0, 3], **params)
    local = DecisionTree(**kw).fit(X, y)
    distributed = DecisionTree(**kw).fit(
        da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks)
    )
    _assert_same_categorical(local, distributed, X)


def test_categorical_regression_on_a_dask_dataframe_of_pandas_categories():
    rng, X, signal = _categorical_data(6)
    y = np.round(signal * 4)
    colour = rng.choice(["red", "green", "blue", "grey"], X.shape[0])
    frame = pd.DataFrame(X[:, 1:], columns=["a", "b", "c", "d"])
    frame.insert(0, "colour", pd.Categorical(colour))
    y = y + 3.0 * (colour == "red")
    kw = dict(splitter="hist", categorical_features="from_dtype", max_depth=6)
    local = DecisionTreeRegressor(**kw).fit(frame, y)
    distributed = DecisionTreeRegressor(**kw).fit(
        dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(y), npartitions=3)
    )
    _assert_same_categorical(local, distributed, frame)
    assert distributed.category_names_ == local.category_names_


def test_categorical_codes_on_dask_are_checked():
    X = np.arange(40.0).reshape(20, 2)
    X[3, 0] = 2.5
    with pytest.raises(ValueError, match="not category codes"):
        DecisionTree(splitter="hist", categorical_features=[0]).fit(
            da.from_array(X, chunks=5), da.from_array(np.arange(20) % 2, chunks=5)
        )
    X[3, 0] = 3.0
    with pytest.raises(ValueError, match="more than max_bins=4"):
        DecisionTree(splitter="hist", max_bins=4, categorical_features=[0]).fit(
            da.from_array(X, chunks=5), da.from_array(np.arange(20) % 2, chunks=5)
        )


def test_an_undeclared_category_column_on_dask_is_refused():
    frame = pd.DataFrame({"a": pd.Categorical(list("xyxy") * 5), "b": np.arange(20.0)})
    with pytest.raises(ValueError, match="not categorical features"):
        DecisionTree(splitter="hist", categorical_features=[1]).fit(
            dd.from_pandas(frame, npartitions=2), dd.from_pandas(pd.Series(np.arange(20) % 2), 2)
        )


@pytest.mark.parametrize("chunks", [3_000, 700])
@pytest.mark.parametrize(
    "params",
    [
        {"max_leaf_nodes": 2},
        {"max_leaf_nodes": 37},
        {"max_leaf_nodes": 150, "max_depth": 6, "criterion": "entropy"},
        {"max_leaf_nodes": 10_000},  # more than the tree needs: every node split
        {"max_leaf_nodes": 60, "max_features": 3, "random_state": 1, "min_samples_leaf": 4},
    ],
)
def test_max_leaf_nodes_on_dask_is_the_local_best_first_tree(params, chunks):
    rng, X, signal = _data(7)
    y = np.digitize(signal + rng.randn(signal.size) * 0.5, [0.0, 1.0])
    local = DecisionTree(splitter="hist", **params).fit(X, y)
    distributed = DecisionTree(splitter="hist", **params).fit(
        da.from_array(X, chunks=(chunks, 2)), da.from_array(y, chunks=chunks)
    )
    _assert_same(local, distributed, X)
    assert local.get_n_leaves() <= params["max_leaf_nodes"]


def test_max_leaf_nodes_with_categorical_features_and_weights_on_dask():
    rng, X, signal = _categorical_data(8)
    y = np.round(signal * 4)
    w = rng.randint(1, 4, size=y.size).astype(float)
    kw = dict(splitter="hist", categorical_features=[0, 3], max_leaf_nodes=45)
    local = DecisionTreeRegressor(**kw).fit(X, y, sample_weight=w)
    distributed = tree_dask.fit(
        DecisionTreeRegressor(**kw),
        da.from_array(X, chunks=1_000),
        da.from_array(y, chunks=1_000),
        da.from_array(w, chunks=1_000),
    )
    _assert_same_categorical(local, distributed, X)
