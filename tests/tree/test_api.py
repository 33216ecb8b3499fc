"""The estimator API: attributes, methods, labels, randomness, threads, pickling, duck typing."""

import pickle

import numba
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tree
from tree import DecisionTree, DecisionTreeClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X.astype(np.float32), y


def test_exports():
    assert DecisionTreeClassifier is DecisionTree
    assert isinstance(tree.__version__, str)


def test_fitted_attributes_and_tree_arrays(data):
    X, y = data
    model = DecisionTree(max_depth=4).fit(X, y)
    t = model.tree_
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.n_classes_ == 3 and model.n_outputs_ == 1
    assert model.n_features_in_ == 6 and model.max_features_ == 6
    assert not hasattr(model, "feature_names_in_")
    assert t.value.shape == (t.node_count, 1, 3)
    np.testing.assert_allclose(t.value.sum(axis=2), 1.0)
    leaves = t.children_left == -1
    assert np.all(t.children_right[leaves] == -1)
    assert np.all(t.feature[leaves] == -2) and np.all(t.threshold[leaves] == -2)
    assert np.all(t.children_left[~leaves] > np.flatnonzero(~leaves))
    assert model.get_n_leaves() == leaves.sum() and model.get_depth() == t.max_depth == 4
    assert t.n_node_samples[0] == len(y)
    # children partition their parent's samples
    internal = np.flatnonzero(~leaves)
    np.testing.assert_array_equal(
        t.n_node_samples[internal],
        t.n_node_samples[t.children_left[internal]] + t.n_node_samples[t.children_right[internal]],
    )
    imp = model.feature_importances_
    assert imp.shape == (6,) and imp.sum() == pytest.approx(1.0) and (imp >= 0).all()


def test_thresholds_are_midpoints_and_go_left():
    X = np.array([[0.0], [1.0], [2.0], [10.0]], dtype=np.float32)
    y = np.array([0, 0, 1, 1])
    model = DecisionTree().fit(X, y)
    assert model.tree_.threshold[0] == 1.5
    np.testing.assert_array_equal(model.predict([[1.5], [1.5001]]), [0, 1])


def test_predict_methods_agree(data):
    X, y = data
    model = DecisionTree(min_samples_leaf=3).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba))
    leaves = model.apply(X)
    path = model.decision_path(X)
    assert path.shape == (len(X), model.tree_.node_count)
    # the last node of each path is the leaf, the first the root
    np.testing.assert_array_equal(path.indices[path.indptr[1:] - 1], leaves)
    np.testing.assert_array_equal(path.indices[path.indptr[:-1]], 0)
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))
    w = np.arange(len(y), dtype=float)
    assert model.score(X, y, w) == pytest.approx(np.average(model.predict(X) == y, weights=w))


@pytest.mark.parametrize(
    "labels",
    [np.array(["cat", "dog", "emu"]), np.array([True, False, True]), np.array([-5, 7, 3])],
    ids=["str", "bool", "int"],
)
def test_label_types(data, labels):
    X, y = data
    y_labels = labels[y]
    model = DecisionTree(max_depth=3).fit(X, y_labels)
    np.testing.assert_array_equal(model.classes_, np.unique(y_labels))
    assert set(model.predict(X)) <= set(y_labels)
    reference = DecisionTree(max_depth=3).fit(X, np.searchsorted(np.unique(y_labels), y_labels))
    np.testing.assert_array_equal(model.predict_proba(X), reference.predict_proba(X))


def test_single_class_gives_a_single_leaf(data):
    X, _ = data
    model = DecisionTree().fit(X, np.full(len(X), "only"))
    assert model.tree_.node_count == 1 and model.get_depth() == 0
    np.testing.assert_array_equal(model.predict(X[:3]), ["only"] * 3)
    np.testing.assert_array_equal(model.predict_proba(X[:3]), np.ones((3, 1)))


def test_zero_weight_samples_are_ignored(data):
    X, y = data
    w = np.ones(len(y))
    w[::3] = 0.0
    a = DecisionTree().fit(X, y, sample_weight=w)
    b = DecisionTree().fit(X[w > 0], y[w > 0])
    np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    np.testing.assert_array_equal(a.tree_.n_node_samples, b.tree_.n_node_samples)


def test_random_features_and_splitter_are_seeded(data):
    X, y = data
    for params in (
        {"max_features": 2},
        {"splitter": "random"},
        {"max_features": "sqrt", "splitter": "random"},
    ):
        a = DecisionTree(random_state=1, **params).fit(X, y)
        b = DecisionTree(random_state=1, **params).fit(X, y)
        c = DecisionTree(random_state=2, **params).fit(X, y)
        np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
        assert not np.array_equal(a.tree_.threshold, c.tree_.threshold)
        assert a.score(X, y) == 1.0  # grown to purity either way
    rs = np.random.RandomState(5)
    DecisionTree(max_features=0.5, random_state=rs).fit(X, y)


def test_max_features_resolution(data):
    X, y = data
    assert DecisionTree(max_features="sqrt").fit(X, y).max_features_ == 2
    assert DecisionTree(max_features="log2").fit(X, y).max_features_ == 2
    assert DecisionTree(max_features=0.5).fit(X, y).max_features_ == 3
    assert DecisionTree(max_features=4).fit(X, y).max_features_ == 4


def test_random_splitter_thresholds_lie_inside_the_node(data):
    X, y = data
    model = DecisionTree(splitter="random", random_state=0, max_depth=3).fit(X, y)
    t = model.tree_
    assert t.threshold[0] >= X[:, t.feature[0]].min()
    assert t.threshold[0] < X[:, t.feature[0]].max()


def test_max_leaf_nodes(data):
    X, y = data
    for n_leaves in (2, 5, 17):
        model = DecisionTree(max_leaf_nodes=n_leaves).fit(X, y)
        assert model.get_n_leaves() == n_leaves
    grown = DecisionTree().fit(X, y)
    assert DecisionTree(max_leaf_nodes=10_000).fit(X, y).tree_.node_count == grown.tree_.node_count


def test_parallel_and_serial_builds_are_identical():
    X, y = make_classification(n_samples=12_000, n_features=20, n_informative=8, random_state=1)
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads")
    trees = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            trees += [
                DecisionTree(criterion="entropy").fit(X, y).tree_,
                DecisionTree(max_leaf_nodes=50, max_features=7, random_state=0).fit(X, y).tree_,
            ]
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in ((trees[0], trees[2]), (trees[1], trees[3])):
        for name in ("children_left", "feature", "threshold", "value", "impurity"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    model = DecisionTree(max_depth=8).fit(X, y)
    numba.set_num_threads(1)
    try:
        serial = model.predict_proba(X)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(serial, model.predict_proba(X))


def test_pickle_and_params(data):
    X, y = data
    model = DecisionTree(max_depth=3, class_weight="balanced").fit(X, y)
    model.predict(X)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))
    params = model.get_params()
    assert params["max_depth"] == 3 and params["class_weight"] == "balanced"
    assert DecisionTree(**params).get_params() == params
    assert repr(DecisionTree(max_depth=3)) == "DecisionTree(max_depth=3)"
    assert model.set_params(max_depth=5) is model and model.max_depth == 5


def test_dataframe_input(data):
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    model = DecisionTree(max_depth=3).fit(df, y)
    assert list(model.feature_names_in_) == list(df.columns)
    np.testing.assert_array_equal(model.predict(df), DecisionTree(max_depth=3).fit(X, y).predict(X))
    model.fit(X, y)
    assert not hasattr(model, "feature_names_in_")


def test_works_inside_sklearn_pipeline_and_grid_search(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), DecisionTree(random_state=0)).fit(X, y)
    assert pipe.score(X, y) == 1.0
    search = GridSearchCV(DecisionTree(), {"max_depth": [1, 3]}, cv=3).fit(X, y)
    assert search.best_params_ == {"max_depth": 3}


@pytest.mark.parametrize(
    "y",
    [
        np.array([3, 0, 7, 7, 3, 65_535], dtype=np.int64),  # gaps: codes by rank
        np.array([2, 1, 0, 1], dtype=np.uint8),  # already 0..k-1
        np.array([5, 5, 9], dtype=np.int32),
        np.array([[1], [4], [1]], dtype=np.int16),  # a column
        np.array([-1, 2, 0]),  # negative: sorted as before
        np.array([70_000, 3]),  # beyond the counted range
    ],
)
def test_integer_labels_are_encoded_as_np_unique_encodes_them(y):
    from tree._checks import check_classification_y

    classes, codes = check_classification_y(y, y.shape[0], "DecisionTree")
    want_classes, want_codes = np.unique(y, return_inverse=True)
    np.testing.assert_array_equal(classes, want_classes)
    assert classes.dtype == want_classes.dtype
    np.testing.assert_array_equal(codes, want_codes.reshape(-1))
    assert codes.dtype == np.int64
