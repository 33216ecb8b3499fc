"""Equality with scikit-learn's DecisionTreeClassifier wherever its best splits are unique.

Ties are detected with the brute force of ``cart_reference``: when scikit-learn's tree had a
unique best split at every node, both trees must be identical (structure, thresholds, values,
predictions, probabilities); otherwise they are compared down to the first tied node.
"""

import numpy as np
import pytest
from cart_reference import compare_untied, tree_is_untied
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.class_weight import compute_sample_weight

from tree import DecisionTree


def _data(seed, n, d, k):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    y = (X[:, 0] + rng.randn(n) > 0).astype(int) + (rng.rand(n) < 0.3) * (k - 2)
    return X, y, rng


def _effective_weights(y, sample_weight, class_weight):
    w = np.ones(len(y)) if sample_weight is None else sample_weight.astype(float)
    if class_weight is not None:
        w = w * compute_sample_weight(class_weight, y)
    return w


def assert_same_tree(ours, theirs, X_check):
    a, b = ours.tree_, theirs.tree_
    assert a.node_count == b.node_count
    assert a.max_depth == b.max_depth == ours.get_depth()
    assert ours.get_n_leaves() == theirs.get_n_leaves()
    for name in ("children_left", "children_right", "feature", "n_node_samples"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.threshold, b.threshold)
    for name in ("value", "impurity", "weighted_n_node_samples"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X_check), theirs.predict(X_check))
    np.testing.assert_allclose(
        ours.predict_proba(X_check), theirs.predict_proba(X_check), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_array_equal(ours.apply(X_check), theirs.apply(X_check))
    np.testing.assert_allclose(
        ours.feature_importances_, theirs.feature_importances_, rtol=1e-9, atol=1e-12
    )
    assert (ours.decision_path(X_check) != theirs.decision_path(X_check)).nnz == 0


CONFIGS = [
    # (n, d, k, params); each chosen so that untied trees are common
    (40, 1, 2, {}),
    (40, 1, 3, {"criterion": "entropy"}),
    (60, 2, 2, {"max_depth": 4}),
    (60, 2, 3, {"max_depth": 4, "criterion": "entropy"}),
    (60, 2, 2, {"min_samples_leaf": 5}),
    (60, 2, 3, {"min_samples_leaf": 5, "criterion": "entropy"}),
    (60, 1, 3, {"max_depth": 4, "class_weight": "balanced"}),
    (60, 2, 3, {"min_samples_leaf": 5, "class_weight": {0: 2.0, 1: 0.5}}),
    (60, 2, 2, {"max_leaf_nodes": 8}),
    (60, 1, 3, {"max_leaf_nodes": 12, "criterion": "entropy"}),
    (60, 1, 2, {"min_impurity_decrease": 0.005}),
    (60, 2, 2, {"min_samples_split": 30, "criterion": "entropy"}),
    (60, 2, 2, {"min_weight_fraction_leaf": 0.05}),
    (40, 1, 2, {"ccp_alpha": 0.01}),
    (60, 2, 3, {"min_samples_leaf": 5, "ccp_alpha": 0.005, "criterion": "entropy"}),
    (60, 2, 2, {"max_depth": 3, "min_samples_leaf": 0.05, "min_samples_split": 0.2}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("n, d, k, params", CONFIGS, ids=[str(c[3]) for c in CONFIGS])
def test_equal_to_sklearn_when_untied(n, d, k, params, weighted):
    criterion = params.get("criterion", "gini")
    msl = params.get("min_samples_leaf", 1)
    n_untied = 0
    for seed in range(8):
        X, y, rng = _data(seed, n, d, k)
        sw = rng.randint(1, 4, n).astype(float) if weighted else None
        ours = DecisionTree(**params).fit(X, y, sample_weight=sw)
        theirs = DecisionTreeClassifier(random_state=seed, **params).fit(X, y, sample_weight=sw)
        w = _effective_weights(y, sw, params.get("class_weight"))
        if isinstance(msl, float):
            msl = int(np.ceil(msl * n))
        mwl = params.get("min_weight_fraction_leaf", 0.0) * w.sum()
        if params.get("ccp_alpha"):
            # pruning only sees the grown tree: compare when that one is untied
            full = DecisionTreeClassifier(
                **{**params, "ccp_alpha": 0.0, "max_leaf_nodes": None}, random_state=0
            ).fit(X, y, sample_weight=sw)
            untied = tree_is_untied(full.tree_, X, y, w, k, criterion, msl, mwl)
        else:
            untied = tree_is_untied(theirs.tree_, X, y, w, k, criterion, msl, mwl)
        if untied:
            n_untied += 1
            X_check = np.vstack([X, rng.randn(50, d).astype(np.float32)])
            assert_same_tree(ours, theirs, X_check)
        elif not params.get("ccp_alpha"):
            assert compare_untied(ours.tree_, theirs.tree_, X, y, w, k, criterion, msl, mwl) >= 1
    assert n_untied >= 1, "no untied case: the comparison would be vacuous"


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("weighted", [False, True])
def test_pruning_path_equals_sklearn(criterion, weighted):
    compared = 0
    for seed in range(10):
        X, y, rng = _data(seed, 40, 1, 2)
        sw = rng.randint(1, 4, 40).astype(float) if weighted else None
        theirs = DecisionTreeClassifier(criterion=criterion, random_state=0)
        w = _effective_weights(y, sw, None)
        if not tree_is_untied(theirs.fit(X, y, sample_weight=sw).tree_, X, y, w, 2, criterion):
            continue
        compared += 1
        ours_path = DecisionTree(criterion=criterion).cost_complexity_pruning_path(X, y, sw)
        their_path = theirs.cost_complexity_pruning_path(X, y, sample_weight=sw)
        np.testing.assert_allclose(
            ours_path.ccp_alphas, their_path.ccp_alphas, rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(
            ours_path.impurities, their_path.impurities, rtol=1e-12, atol=1e-15
        )
        for alpha in their_path.ccp_alphas[1:-1:3]:
            ours = DecisionTree(criterion=criterion, ccp_alpha=alpha).fit(X, y, sw)
            ref = DecisionTreeClassifier(criterion=criterion, ccp_alpha=alpha, random_state=0)
            assert_same_tree(ours, ref.fit(X, y, sample_weight=sw), X)
    assert compared >= 1
