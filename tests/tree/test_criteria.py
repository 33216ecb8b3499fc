"""tree.criteria: the public criterion functions, checked against independent formulas and
against scikit-learn's trees."""

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from tree import criteria


def _independent_impurity(counts, criterion):
    p = np.asarray(counts, float) / np.sum(counts)
    if criterion == "gini":
        return 1.0 - np.sum(p**2)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


@pytest.mark.parametrize("criterion", ["gini", "entropy", "log_loss"])
@pytest.mark.parametrize("counts", [[5, 5], [9, 1, 0], [3.5, 0.25, 7.0, 1.0], [4]])
def test_impurity_matches_the_formula(criterion, counts):
    expected = _independent_impurity(counts, "gini" if criterion == "gini" else "entropy")
    assert criteria.impurity(counts, criterion) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_root_impurity_and_decrease_match_scikit_learn(criterion):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 1))
    y = (X[:, 0] + rng.normal(scale=0.7, size=300) > 0.3).astype(int) + (rng.random(300) < 0.2)
    stump = DecisionTreeClassifier(criterion=criterion, max_depth=1).fit(X, y)
    t = stump.tree_
    counts = np.bincount(y)
    left = np.bincount(y[X[:, 0] <= t.threshold[0]], minlength=counts.size)
    assert criteria.impurity(counts, criterion) == pytest.approx(t.impurity[0], abs=1e-12)
    n, n_left = t.weighted_n_node_samples[0], t.weighted_n_node_samples[1]
    expected = t.impurity[0] - n_left / n * t.impurity[1] - (n - n_left) / n * t.impurity[2]
    got = criteria.impurity_decrease(counts, left, criterion)
    assert got == pytest.approx(expected, abs=1e-12)
    # deeper in a tree the decrease is weighted by the node's share of all samples
    assert criteria.impurity_decrease(counts, left, criterion, total_weight=4 * n) == (
        pytest.approx(expected / 4, abs=1e-12)
    )


@pytest.mark.parametrize("criterion", ["squared_error", "absolute_error"])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_impurity_matches_scikit_learn(criterion, weighted):
    rng = np.random.default_rng(1)
    y = np.round(rng.normal(size=41) * 3, 1)
    w = rng.integers(1, 4, size=41).astype(float) if weighted else None
    leaf = DecisionTreeRegressor(criterion=criterion, max_depth=1, min_samples_split=100)
    leaf.fit(np.zeros((41, 1)), y, sample_weight=w)
    got = criteria.regression_impurity(y, criterion, sample_weight=w)
    assert got == pytest.approx(leaf.tree_.impurity[0], rel=1e-12, abs=1e-12)
    if criterion == "squared_error":
        assert got == pytest.approx(np.cov(y, aweights=w, bias=True), rel=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: criteria.impurity([1, -1]), "non-negative"),
        (lambda: criteria.impurity([0, 0]), "not all be zero"),
        (lambda: criteria.impurity([[1, 2]]), "1-D"),
        (lambda: criteria.impurity([1, 2], "squared_error"), "regression_impurity"),
        (lambda: criteria.impurity_decrease([3, 3], [1, 2, 0]), "one count per class"),
        (lambda: criteria.impurity_decrease([3, 3], [4, 0]), "must not exceed"),
        (lambda: criteria.impurity_decrease([3, 3], [0, 0]), "positive weight"),
        (lambda: criteria.impurity_decrease([3, 3], [1, 1], total_weight=2), "at least"),
        (lambda: criteria.regression_impurity([1.0, np.nan]), "finite"),
        (lambda: criteria.regression_impurity([1.0], "gini"), "criterion"),
        (lambda: criteria.regression_impurity([1.0, 2.0], sample_weight=[1.0]), "one finite"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
