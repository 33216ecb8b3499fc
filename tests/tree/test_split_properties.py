"""Property tests: every split is the best one available, checked against a brute force."""

import numpy as np
from cart_reference import candidate_splits, impurity, node_samples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tree import DecisionTree

EPS = np.finfo(np.float64).eps


@st.composite
def classification_data(draw):
    n = draw(st.integers(2, 40))
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, 3))
    # few distinct values so that ties and constant features happen too
    # few distinct values so that ties and constant features happen too; NaN = missing
    values = [-1.5, 0.0, 0.25, 1.0, 2.0, 7.5] + ([np.nan] if draw(st.booleans()) else [])
    X = draw(arrays(np.float32, (n, d), elements=st.sampled_from(values)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    weighted = draw(st.booleans())
    weights = st.sampled_from([0.5, 1.0, 2.0, 3.0])
    w = draw(arrays(np.float64, n, elements=weights)) if weighted else None
    params = draw(
        st.fixed_dictionaries(
            {
                "criterion": st.sampled_from(["gini", "entropy"]),
                "max_depth": st.sampled_from([None, 1, 2, 4]),
                "min_samples_leaf": st.integers(1, 4),
                "min_samples_split": st.integers(2, 6),
                "min_weight_fraction_leaf": st.sampled_from([0.0, 0.1]),
                "min_impurity_decrease": st.sampled_from([0.0, 0.02]),
            }
        )
    )
    return X, y, w, params


def _leaf_is_forced(tree, node, depth, n_node, w_node, params, min_samples_split, min_weight_leaf):
    max_depth = params["max_depth"]
    msl = params["min_samples_leaf"]
    return (
        (max_depth is not None and depth >= max_depth)
        or n_node < min_samples_split
        or n_node < 2 * msl
        or w_node < 2 * min_weight_leaf
        or tree.impurity[node] <= EPS
    )


def _depths(tree):
    depth = {0: 0}
    for node in range(tree.node_count):
        for child in (tree.children_left[node], tree.children_right[node]):
            if child >= 0:
                depth[child] = depth[node] + 1
    return depth


@settings(max_examples=40)
@given(classification_data())
def test_every_split_is_the_best_available(data):
    X, y, w, params = data
    model = DecisionTree(**params).fit(X, y, sample_weight=w)
    tree = model.tree_
    classes, y_enc = np.unique(y, return_inverse=True)
    k = len(classes)
    weights = np.ones(len(y)) if w is None else w
    w_total = weights.sum()
    min_weight_leaf = params["min_weight_fraction_leaf"] * w_total
    msl = params["min_samples_leaf"]
    min_samples_split = max(params["min_samples_split"], 2 * msl)
    depth = _depths(tree)
    for node, s in node_samples(tree, X, np.flatnonzero(weights > 0)).items():
        counts = np.bincount(y_enc[s], weights=weights[s], minlength=k)
        w_node = counts.sum()
        # stored node statistics are the brute-force ones
        assert tree.n_node_samples[node] == len(s)
        np.testing.assert_allclose(tree.weighted_n_node_samples[node], w_node, rtol=1e-12)
        np.testing.assert_allclose(tree.value[node, 0], counts / w_node, rtol=1e-12, atol=1e-15)
        node_imp = impurity(counts, w_node, params["criterion"])[0]
        np.testing.assert_allclose(tree.impurity[node], node_imp, rtol=1e-9, atol=1e-12)
        cands = candidate_splits(X, y_enc, weights, s, k, params["criterion"], msl, min_weight_leaf)
        best = min(c[0] for c in cands) if cands else None
        forced = _leaf_is_forced(
            tree, node, depth[node], len(s), w_node, params, min_samples_split, min_weight_leaf
        )
        if tree.children_left[node] < 0:
            if forced or best is None:
                continue
            # a leaf that could have split: the best improvement was below the threshold
            improvement = (w_node / w_total) * (node_imp - best / w_node)
            assert improvement + EPS < params["min_impurity_decrease"] + 1e-9
            continue
        assert not forced
        f, thr = tree.feature[node], tree.threshold[node]
        has_nan = bool(np.isnan(X[s, f]).any())
        missing_left = bool(tree.missing_go_to_left[node]) and has_nan
        chosen = [c for c in cands if c[1] == f and c[2] == thr and c[3] == missing_left]
        assert len(chosen) == 1, "the split is not an admissible candidate"
        assert chosen[0][0] <= best + 1e-9 * max(1.0, abs(best))
        # the deterministic tie rule: lowest feature, then missing values sent right before
        # left, then lowest threshold. Gini's proxies of these small weights are exact, so
        # ties are exact; entropy's logarithms may order equal splits by rounding.
        if params["criterion"] == "gini":
            tied = [c for c in cands if c[0] <= best + 1e-9 * max(1.0, abs(best))]
            assert (f, missing_left, thr) == min((c[1], c[3], c[2]) for c in tied)
        if not has_nan:  # at predict time missing values follow the larger child
            n_left = tree.n_node_samples[tree.children_left[node]]
            assert tree.missing_go_to_left[node] == (n_left > len(s) - n_left)
        improvement = (w_node / w_total) * (node_imp - best / w_node)
        assert improvement + EPS >= params["min_impurity_decrease"] - 1e-9


@settings(max_examples=25)
@given(classification_data(), st.integers(0, 2**31 - 1))
def test_tree_does_not_depend_on_random_state(data, seed):
    X, y, w, params = data
    a = DecisionTree(random_state=seed, **params).fit(X, y, sample_weight=w)
    b = DecisionTree(random_state=0, **params).fit(X, y, sample_weight=w)
    for name in ("children_left", "feature", "threshold", "value", "impurity"):
        np.testing.assert_array_equal(getattr(a.tree_, name), getattr(b.tree_, name))
