"""monotonic_cst: the same trees as scikit-learn's (up to its random tie-breaking), monotone
predictions along every constrained feature, and clear errors where it does not apply."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import tree

SEEDS = range(8)  # scikit-learn breaks ties at random: ours must be one of its trees


def _data(seed, n=400, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = X[:, 0] - 0.5 * X[:, 1] + np.sin(3 * X[:, 2 % d]) + rng.normal(scale=0.5, size=n)
    return X, y, (y + rng.normal(size=n) > 0).astype(int), rng


def _same_tree(a, b):
    return (
        a.node_count == b.node_count
        and np.array_equal(a.feature, b.feature)
        and np.array_equal(a.threshold, b.threshold)
        and np.allclose(a.value, b.value, rtol=1e-12, atol=1e-12)
    )


CASES = [
    ([1, 0, 0], {"max_depth": 4}),
    ([1, -1, 0], {"max_depth": 5}),
    ([0, 0, 1], {"max_leaf_nodes": 12}),
    ([-1, 1, 1], {"min_samples_leaf": 5}),
    ([1, 1, -1], {"min_samples_leaf": 10, "max_depth": 8}),
]


@pytest.mark.parametrize("task", ["regression", "binary"])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("cst, params", CASES)
def test_tree_is_one_of_scikit_learns(task, weights, cst, params):
    X, y_reg, y_clf, rng = _data(len(cst) + len(params))
    w = rng.integers(1, 4, size=len(X)).astype(float) if weights else None
    if task == "regression":
        ours = tree.DecisionTreeRegressor(monotonic_cst=cst, **params).fit(X, y_reg, w)
        theirs = [
            DecisionTreeRegressor(monotonic_cst=cst, random_state=s, **params).fit(X, y_reg, w)
            for s in SEEDS
        ]
    else:
        ours = tree.DecisionTree(monotonic_cst=cst, **params).fit(X, y_clf, w)
        theirs = [
            DecisionTreeClassifier(monotonic_cst=cst, random_state=s, **params).fit(X, y_clf, w)
            for s in SEEDS
        ]
    assert any(_same_tree(ours.tree_, t.tree_) for t in theirs)


def _assert_monotone(model, X, cst, proba):
    grid = np.linspace(-3, 3, 41, dtype=np.float32)
    for f, c in enumerate(cst):
        if c == 0:
            continue
        rows = np.repeat(X[:20], len(grid), axis=0)
        rows[:, f] = np.tile(grid, 20)
        pred = model.predict_proba(rows)[:, 1] if proba else model.predict(rows)
        steps = np.diff(pred.reshape(20, len(grid)), axis=1) * c
        assert np.all(steps >= -1e-12), (f, c, steps.min())


@given(
    cst=st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3),
    seed=st.integers(0, 10_000),
    max_depth=st.sampled_from([None, 3, 6]),
    min_samples_leaf=st.sampled_from([1, 4]),
    best_first=st.booleans(),
    classifier=st.booleans(),
    splitter=st.sampled_from(["best", "random"]),
)
def test_predictions_are_monotone_along_constrained_features(
    cst, seed, max_depth, min_samples_leaf, best_first, classifier, splitter
):
    X, y_reg, y_clf, _ = _data(seed, n=300)
    params = dict(
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        monotonic_cst=cst,
        splitter=splitter,
        random_state=seed,
    )
    if best_first:
        params["max_leaf_nodes"] = 20
    if classifier:
        model = tree.DecisionTree(**params).fit(X, y_clf)
    else:
        model = tree.DecisionTreeRegressor(**params).fit(X, y_reg)
    _assert_monotone(model, X, cst, classifier)


def test_the_threaded_build_is_monotone_and_matches_the_serial_one():
    X, y, _, _ = _data(3, n=70_000, d=4)  # 280,000 cells: the threaded build
    model = tree.DecisionTreeRegressor(monotonic_cst=[1, -1, 0, 0], max_depth=12).fit(X, y)
    _assert_monotone(model, X, [1, -1, 0, 0], False)
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        serial = tree.DecisionTreeRegressor(monotonic_cst=[1, -1, 0, 0], max_depth=12).fit(X, y)
    finally:
        numba.set_num_threads(previous)
    assert _same_tree(model.tree_, serial.tree_)


def test_no_constraint_is_the_unconstrained_tree():
    X, y, _, _ = _data(5)
    a = tree.DecisionTreeRegressor(max_depth=6).fit(X, y)
    b = tree.DecisionTreeRegressor(max_depth=6, monotonic_cst=[0, 0, 0]).fit(X, y)
    assert _same_tree(a.tree_, b.tree_)


@pytest.mark.parametrize(
    "make, X_change, y_kind, message",
    [
        (lambda: tree.DecisionTree(monotonic_cst=[1, 0]), None, "binary", "has shape"),
        (lambda: tree.DecisionTree(monotonic_cst=[1, 0, 2]), None, "binary", "-1, 0 or 1"),
        (lambda: tree.DecisionTree(monotonic_cst=[1, 0, 0]), None, "multiclass", "multiclass"),
        (lambda: tree.DecisionTree(monotonic_cst=[1, 0, 0]), "nan", "binary", "contains NaN"),
        (
            lambda: tree.DecisionTreeRegressor(monotonic_cst=[1, 0, 0], criterion="absolute_error"),
            None,
            "regression",
            "absolute_error",
        ),
        (lambda: tree.DecisionTree(monotonic_cst="up"), None, "binary", "monotonic_cst"),
    ],
)
def test_bad_constraints_get_clear_errors(make, X_change, y_kind, message):
    X, y_reg, y_clf, _ = _data(1, n=60)
    if X_change == "nan":
        X = X.copy()
        X[0, 1] = np.nan
    y = {"binary": y_clf, "regression": y_reg, "multiclass": np.arange(60) % 3}[y_kind]
    with pytest.raises(ValueError, match=message):
        make().fit(X, y)


@pytest.mark.parametrize("cst", [[1, 0, -1], np.array([1, 0, -1])])
def test_a_constrained_tree_saves_and_loads(tmp_path, cst):
    X, y, _, _ = _data(2, n=200)
    model = tree.DecisionTreeRegressor(max_depth=4, monotonic_cst=cst).fit(X, y)
    tree.save(model, tmp_path / "model")
    loaded = tree.load(tmp_path / "model")
    assert list(loaded.monotonic_cst) == [1, 0, -1]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
