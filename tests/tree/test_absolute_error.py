"""DecisionTreeRegressor(criterion="absolute_error") against scikit-learn and a brute force.

The reference below computes weighted medians and absolute errors directly (sort, cumulative
weights, ``sum(w * |y - median|)``), independently of the kernels' linked-list and Fenwick
sweeps, and evaluates every admissible split of a node to tell whether its best is unique.
"""

import numba
import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.tree import DecisionTreeRegressor as SkRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from tree import DecisionTree, DecisionTreeRegressor

FEATURE_THRESHOLD = np.float32(1e-7)
REL_TOL = 1e-9


EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [DecisionTreeRegressor(criterion="absolute_error", random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def weighted_median(y, w):
    """scikit-learn's weighted median: the first y (sorted) whose cumulative weight exceeds
    half the total; the mean of the two middle values when a prefix weighs exactly half."""
    order = np.argsort(y, kind="stable")
    ys, cum = y[order], np.cumsum(w[order])
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half, side="right"))
    if i > 0 and cum[i - 1] == half:
        return (ys[i - 1] + ys[i]) / 2.0
    return ys[i]


def absolute_error(y, w):
    return float(np.sum(w * np.abs(y - weighted_median(y, w))))


def candidate_errors(X32, y, w, samples, min_samples_leaf):
    """``AE_left + AE_right`` of every admissible split of the node (scikit-learn's rules,
    missing values sent right then left)."""
    out = []
    n = len(samples)
    for f in range(X32.shape[1]):
        x = X32[samples, f]
        nan = np.isnan(x)
        present = samples[~nan]
        missing = samples[nan]
        present = present[np.argsort(X32[present, f], kind="stable")]
        xv = X32[present, f]
        passes = [False, True] if len(missing) else [False]
        for missing_left in passes:
            for k in range(1, len(present) + 1):
                if k < len(present) and not xv[k] > xv[k - 1] + FEATURE_THRESHOLD:
                    continue
                if k == len(present) and (missing_left or not len(missing)):
                    continue
                left = np.r_[present[:k], missing] if missing_left else present[:k]
                right = present[k:] if missing_left else np.r_[present[k:], missing]
                if len(left) < min_samples_leaf or n - len(left) < min_samples_leaf:
                    continue
                value = absolute_error(y[left], w[left]) + absolute_error(y[right], w[right])
                out.append(value)
    return np.sort(np.array(out))


def best_is_unique(X32, y, w, samples, min_samples_leaf):
    values = candidate_errors(X32, y, w, samples, min_samples_leaf)
    if len(values) < 2:
        return True
    return values[1] - values[0] > REL_TOL * max(1.0, abs(values[0]))


def compare_with_sklearn(ours, theirs, X32, y, w, min_samples_leaf=1):
    """Walk both trees from the root while each node's best split is unique; return the
    number of nodes compared. Values (medians) must be equal, impurities equal to rounding."""
    stack = [(0, 0, np.flatnonzero(w > 0))]
    compared = 0
    while stack:
        a, b, s = stack.pop()
        compared += 1
        assert ours.n_node_samples[a] == theirs.n_node_samples[b]
        assert ours.value[a, 0, 0] == theirs.value[b, 0, 0]
        assert ours.value[a, 0, 0] == weighted_median(y[s], w[s])
        expected = absolute_error(y[s], w[s]) / w[s].sum()
        np.testing.assert_allclose(ours.impurity[a], expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.impurity[a], theirs.impurity[b], rtol=1e-9, atol=1e-12)
        if ours.impurity[a] < 1e-12:
            continue
        a_leaf = ours.children_left[a] < 0
        assert a_leaf == (theirs.children_left[b] < 0), f"node {a}: leaf in one tree only"
        if a_leaf or not best_is_unique(X32, y, w, s, min_samples_leaf):
            continue
        assert ours.feature[a] == theirs.feature[b], f"node {a}: different feature"
        assert ours.threshold[a] == theirs.threshold[b], f"node {a}: different threshold"
        x = X32[s, ours.feature[a]]
        go_left = (x <= ours.threshold[a]) | (np.isnan(x) & bool(ours.missing_go_to_left[a]))
        if np.isnan(x).any():
            assert ours.missing_go_to_left[a] == theirs.missing_go_to_left[b]
        stack.append((ours.children_left[a], theirs.children_left[b], s[go_left]))
        stack.append((ours.children_right[a], theirs.children_right[b], s[~go_left]))
    return compared


def _data(seed, n, d, missing=False):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    y = np.sin(2 * X[:, 0]) + X[:, 1] + 0.3 * rng.randn(n)
    if missing:
        X[rng.rand(n, d) < 0.15] = np.nan
    return X, y, rng


CONFIGS = [
    {},
    {"max_depth": 3},
    {"min_samples_leaf": 4},
    {"max_leaf_nodes": 7},
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("params", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_equal_to_sklearn_where_untied(params, weighted):
    msl = params.get("min_samples_leaf", 1)
    compared = 0
    for seed in range(3):
        X, y, rng = _data(seed, 40, 3)
        sw = rng.randint(1, 4, len(y)).astype(float) if weighted else None
        w = np.ones(len(y)) if sw is None else sw
        ours = DecisionTreeRegressor(criterion="absolute_error", **params)
        ours.fit(X, y, sample_weight=sw)
        theirs = SkRegressor(criterion="absolute_error", random_state=seed, **params)
        theirs.fit(X, y, sample_weight=sw)
        compared += compare_with_sklearn(ours.tree_, theirs.tree_, X, y, w, msl)
    assert compared >= 6


def test_even_counts_take_the_mean_of_the_middle_values():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 2.0, 4.0, 10.0])
    ours = DecisionTreeRegressor(criterion="absolute_error", max_depth=0 + 1).fit(X, y)
    theirs = SkRegressor(criterion="absolute_error", max_depth=1).fit(X, y)
    assert ours.tree_.value[0, 0, 0] == 3.0 == theirs.tree_.value[0, 0, 0]
    np.testing.assert_allclose(ours.tree_.impurity, theirs.tree_.impurity, rtol=1e-12)
    weighted = DecisionTreeRegressor(criterion="absolute_error", max_depth=1)
    weighted.fit(X, y, sample_weight=[1.0, 1.0, 3.0, 1.0])  # 4.0 holds more than half
    assert weighted.tree_.value[0, 0, 0] == 4.0


def test_missing_values_equal_to_sklearn_where_untied():
    compared = 0
    for seed in range(3):
        X, y, _ = _data(seed, 40, 2, missing=True)
        ours = DecisionTreeRegressor(criterion="absolute_error", max_depth=3).fit(X, y)
        theirs = SkRegressor(criterion="absolute_error", max_depth=3, random_state=0)
        theirs.fit(X, y)
        compared += compare_with_sklearn(ours.tree_, theirs.tree_, X, y, np.ones(len(y)))
    assert compared >= 3


def test_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X32 = X.astype(np.float32)
    for params in ({"max_depth": 3}, {"max_depth": 3, "min_samples_leaf": 20}):
        ours = DecisionTreeRegressor(criterion="absolute_error", **params).fit(X, y)
        theirs = SkRegressor(criterion="absolute_error", random_state=0, **params).fit(X, y)
        msl = params.get("min_samples_leaf", 1)
        assert compare_with_sklearn(ours.tree_, theirs.tree_, X32, y, np.ones(len(y)), msl) >= 3
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize(
    "params",
    [{"splitter": "random", "random_state": 0}, {"max_features": 2, "random_state": 1}, {}],
)
def test_leaves_hold_the_weighted_median_of_their_samples(params):
    X, y, rng = _data(5, 300, 4, missing=True)
    sw = rng.randint(1, 5, len(y)).astype(float)
    model = DecisionTreeRegressor(criterion="absolute_error", min_samples_leaf=3, **params)
    model.fit(X, y, sample_weight=sw)
    leaves = model.apply(X)
    tree = model.tree_
    for leaf in np.unique(leaves):
        s = leaves == leaf
        assert tree.value[leaf, 0, 0] == weighted_median(y[s], sw[s])
        expected = absolute_error(y[s], sw[s]) / sw[s].sum()
        np.testing.assert_allclose(tree.impurity[leaf], expected, rtol=1e-9, atol=1e-12)
        assert s.sum() >= 3
    np.testing.assert_array_equal(model.predict(X), tree.value[leaves, 0, 0])


def test_threaded_build_equals_serial_build():
    X, y, _ = _data(7, 12_000, 20)  # n * d above the threaded-build threshold
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = DecisionTreeRegressor(criterion="absolute_error", max_depth=8).fit(X, y)
        numba.set_num_threads(max(2, before))
        threaded = DecisionTreeRegressor(criterion="absolute_error", max_depth=8).fit(X, y)
    finally:
        numba.set_num_threads(before)
    for name in ("feature", "threshold", "children_left", "value", "impurity"):
        np.testing.assert_array_equal(getattr(serial.tree_, name), getattr(threaded.tree_, name))
    theirs = SkRegressor(criterion="absolute_error", max_depth=2, random_state=0).fit(X, y)
    ours = DecisionTreeRegressor(criterion="absolute_error", max_depth=2).fit(X, y)
    np.testing.assert_array_equal(ours.tree_.feature, theirs.tree_.feature)
    np.testing.assert_array_equal(ours.tree_.threshold, theirs.tree_.threshold)
    np.testing.assert_array_equal(ours.tree_.value, theirs.tree_.value)


def test_bad_input():
    X, y, _ = _data(0, 30, 2)
    with pytest.raises(ValueError, match="y contains NaN"):
        DecisionTreeRegressor(criterion="absolute_error").fit(X, np.r_[np.nan, y[1:]])
    with pytest.raises(ValueError, match="criterion"):
        DecisionTreeRegressor(criterion="absolute").fit(X, y)
    with pytest.raises(ValueError, match="criterion"):
        DecisionTree(criterion="absolute_error").fit(X, (y > 0).astype(int))
    with pytest.raises(ValueError, match="inf"):
        X_inf = X.copy()
        X_inf[0, 0] = np.inf
        DecisionTreeRegressor(criterion="absolute_error").fit(X_inf, y)


def test_pruning_path_and_save_load_round_trip(tmp_path):
    import tree

    X, y, _ = _data(3, 80, 3)  # a depth-3 tree whose every split is unique
    ours = DecisionTreeRegressor(criterion="absolute_error", max_depth=3).fit(X, y)
    theirs = SkRegressor(criterion="absolute_error", max_depth=3, random_state=0).fit(X, y)
    compared = compare_with_sklearn(ours.tree_, theirs.tree_, X, y, np.ones(len(y)))
    assert compared == theirs.tree_.node_count
    ours_path = ours.cost_complexity_pruning_path(X, y)
    their_path = theirs.cost_complexity_pruning_path(X, y)
    np.testing.assert_allclose(ours_path.ccp_alphas, their_path.ccp_alphas, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours_path.impurities, their_path.impurities, rtol=1e-9)
    alpha = (their_path.ccp_alphas[-3] + their_path.ccp_alphas[-2]) / 2  # away from a boundary
    pruned = DecisionTreeRegressor(criterion="absolute_error", max_depth=3, ccp_alpha=alpha)
    their_pruned = SkRegressor(
        criterion="absolute_error", max_depth=3, ccp_alpha=alpha, random_state=0
    )
    np.testing.assert_array_equal(pruned.fit(X, y).predict(X), their_pruned.fit(X, y).predict(X))
    tree.save(ours, tmp_path / "model")
    loaded = tree.load(tmp_path / "model")
    assert loaded.criterion == "absolute_error"
    np.testing.assert_array_equal(loaded.predict(X), ours.predict(X))
