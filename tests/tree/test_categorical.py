"""Native categorical splits: every chosen split against a brute-force search over every
partition of the node's categories, routing of unseen categories and missing values, the rest of
the tree's features with categorical nodes, and bad input.

The reference here is written independently of ``tree._categorical``: plain Python over the
node's training samples (found by the test's own router), every two-set partition of the groups
present in the node (each category, and the missing values as a group of their own), the
impurities computed from their definitions.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tree import DecisionTree, DecisionTreeRegressor

# -- the independent reference -------------------------------------------------------------


def impurity(y, w, criterion, n_classes):
    """Weighted impurity of one set of samples from its definition (entropy in bits)."""
    total = w.sum()
    if criterion == "squared_error":
        mean = np.sum(w * y) / total
        return np.sum(w * (y - mean) ** 2) / total
    p = np.array([w[y == c].sum() for c in range(n_classes)]) / total
    if criterion == "gini":
        return 1.0 - np.sum(p**2)
    p = p[p > 0]
    return -np.sum(p * np.log2(p))


def groups_of(column):
    """The group of each sample: its code, or -1 when missing."""
    return np.where(np.isnan(column), -1, np.nan_to_num(column, nan=-1)).astype(np.int64)


def brute_force_best(X, y, w, criterion, n_classes, min_samples_leaf=1):
    """The largest weighted impurity decrease ``w*imp - wL*impL - wR*impR`` of any partition of
    any categorical feature's groups (every feature of X is categorical)."""
    total = w.sum()
    parent = total * impurity(y, w, criterion, n_classes)
    best = -np.inf
    for f in range(X.shape[1]):
        g = groups_of(X[:, f])
        present = np.unique(g)
        if present.size < 2:
            continue
        first, rest = present[0], present[1:]
        # every two-set partition once: the first group is always left
        for r in range(0, rest.size):
            for subset in itertools.combinations(rest, r):
                left = np.isin(g, (first, *subset))
                if left.sum() < min_samples_leaf or (~left).sum() < min_samples_leaf:
                    continue
                children = w[left].sum() * impurity(y[left], w[left], criterion, n_classes)
                children += w[~left].sum() * impurity(y[~left], w[~left], criterion, n_classes)
                best = max(best, parent - children)
    return best


def route_python(tree, x):
    """The leaf of one row, walking ``tree_`` in plain Python (the documented routing)."""
    node = 0
    while tree.children_left[node] >= 0:
        left, right = tree.children_left[node], tree.children_right[node]
        v = x[tree.feature[node]]
        row = -1 if tree.categorical_node is None else tree.categorical_node[node]
        if np.isnan(v):
            node = left if tree.missing_go_to_left[node] else right
        elif row < 0:
            node = left if v <= tree.threshold[node] else right
        else:
            code = int(v)
            words = tree.categorical_bitsets[row]
            if code >= tree.categorical_n_codes:
                larger_left = tree.n_node_samples[left] > tree.n_node_samples[right]
                node = left if larger_left else right
            else:
                bit = (int(words[code // 64]) >> (code % 64)) & 1
                node = left if bit else right
    return node


def check_every_node(model, X, y, w, criterion, n_classes, min_samples_leaf=1):
    """Each internal node's impurity decrease equals the brute-force best of its samples."""
    tree = model.tree_
    paths = model.decision_path(X).toarray().astype(bool)
    checked = 0
    for node in range(tree.node_count):
        if tree.children_left[node] < 0:
            continue
        rows = paths[:, node]
        left, right = tree.children_left[node], tree.children_right[node]
        wt = tree.weighted_n_node_samples
        got = (
            wt[node] * tree.impurity[node]
            - wt[left] * tree.impurity[left]
            - wt[right] * tree.impurity[right]
        )
        want = brute_force_best(X[rows], y[rows], w[rows], criterion, n_classes, min_samples_leaf)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (node, got, want)
        checked += 1
    assert checked > 0


def random_data(seed, n_categories, n_classes, regression=False, missing=True, n=160):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, n_categories, size=(n, 2)).astype(np.float64)
    if missing:
        X[rng.random(X.shape) < 0.1] = np.nan
    effect = rng.normal(size=n_categories + 1)
    g = groups_of(X[:, 0])
    signal = effect[g] + 0.5 * rng.normal(size=n)
    if regression:
        y = signal
    else:
        cuts = np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1])
        y = np.searchsorted(cuts, signal)
        y = np.where(rng.random(n) < 0.2, rng.integers(0, n_classes, n), y)
    w = rng.uniform(0.5, 2.0, size=n)
    return X, y, w


# -- the chosen split equals the brute force -------------------------------------------------


SPLITTERS = pytest.mark.parametrize("splitter", ["best", "hist"])  # hist: a bin per category


def _skip_slow_hist(splitter, n_categories):
    # the brute force over 12 categories takes seconds per tree: the exact splitter covers it
    if splitter == "hist" and n_categories > 8:
        pytest.skip("12 categories: checked with the exact splitter (the same search)")


@SPLITTERS
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("n_categories", [2, 3, 5, 8, 12])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_split_is_the_best_partition(criterion, n_categories, weighted, splitter):
    _skip_slow_hist(splitter, n_categories)
    for seed in range(3):
        X, y, w = random_data(seed, n_categories, 2)
        w = w if weighted else np.ones_like(w)
        model = DecisionTree(
            criterion=criterion, categorical_features=[0, 1], max_depth=3, splitter=splitter
        )
        model.fit(X, y, sample_weight=w if weighted else None)
        check_every_node(model, X, y, w, criterion, 2)


@SPLITTERS
@pytest.mark.parametrize("n_categories", [2, 4, 7, 12])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_split_is_the_best_partition(n_categories, weighted, splitter):
    _skip_slow_hist(splitter, n_categories)
    for seed in range(3):
        X, y, w = random_data(seed, n_categories, 0, regression=True)
        w = w if weighted else np.ones_like(w)
        model = DecisionTreeRegressor(
            categorical_features=[True, True], max_depth=3, splitter=splitter
        )
        model.fit(X, y, sample_weight=w if weighted else None)
        check_every_node(model, X, y, w, "squared_error", 0)


@SPLITTERS
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("n_classes", [3, 5])
@pytest.mark.parametrize("n_categories", [2, 4, 6, 9])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_split_is_the_best_partition(
    criterion, n_classes, n_categories, weighted, splitter
):
    # up to 9 categories and the missing values: within the exact enumeration's 10 groups
    for seed in range(2):
        X, y, w = random_data(seed, n_categories, n_classes)
        w = w if weighted else np.ones_like(w)
        model = DecisionTree(
            criterion=criterion, categorical_features=[0, 1], max_depth=3, splitter=splitter
        )
        model.fit(X, y, sample_weight=w if weighted else None)
        check_every_node(model, X, y, w, criterion, n_classes)


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_categories=st.integers(2, 9),
    n_classes=st.integers(2, 4),
    min_samples_leaf=st.integers(1, 3),
    missing=st.booleans(),
    splitter=st.sampled_from(["best", "hist"]),
)
def test_property_split_is_the_best_partition(
    seed, n_categories, n_classes, min_samples_leaf, missing, splitter
):
    # multiclass enumerates every partition, so min_samples_leaf is honoured exactly; two
    # classes scan the sorted order, exact when every partition is admissible
    X, y, w = random_data(seed, n_categories, n_classes, missing=missing, n=60)
    if n_classes == 2:
        min_samples_leaf = 1
    model = DecisionTree(
        categorical_features=[0, 1], max_depth=2, min_samples_leaf=min_samples_leaf,
        splitter=splitter,
    ).fit(X, y, sample_weight=w)  # fmt: skip
    check_every_node(model, X, y, w, "gini", n_classes, min_samples_leaf)


def test_many_categories_multiclass_uses_the_heuristic_and_splits_well():
    # 40 categories, 3 classes: above the exact range; the principal-component order must
    # separate classes laid out by category (one-vs-rest alone cannot in one split)
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 40, 4000)
    y = codes % 3
    X = codes[:, None].astype(float)
    stump = DecisionTree(categorical_features=[0], max_depth=1).fit(X, y)
    full = DecisionTree(categorical_features=[0], max_depth=2).fit(X, y)
    assert stump.tree_.node_count == 3
    # the best a single split can do: one class alone on one side
    assert stump.score(X, y) == pytest.approx(2 / 3, abs=0.03)
    assert full.score(X, y) == 1.0


# -- routing ---------------------------------------------------------------------------------


def test_apply_and_decision_path_match_the_python_router():
    X, y, _ = random_data(7, 6, 2)
    Xn = np.column_stack([X, np.random.default_rng(1).normal(size=X.shape[0])])
    model = DecisionTree(categorical_features=[0, 1], max_depth=5).fit(Xn, y)
    rng = np.random.default_rng(2)
    Xt = Xn.copy()
    Xt[:40, 0] = rng.integers(0, 10_000, 40)  # unseen codes, some beyond the bitset
    Xt[40:60, 1] = np.nan
    expected = np.array([route_python(model.tree_, row) for row in Xt])
    np.testing.assert_array_equal(model.apply(Xt), expected)
    paths = model.decision_path(Xt)
    for r in range(Xt.shape[0]):
        nodes = paths.indices[paths.indptr[r] : paths.indptr[r + 1]]
        assert nodes[0] == 0 and nodes[-1] == expected[r]


def _stump(X, y, **kw):
    model = DecisionTree(categorical_features=[0], max_depth=1, **kw).fit(X, y)
    tree = model.tree_
    assert tree.node_count == 3
    return model, tree


def test_unseen_categories_and_unseen_missing_go_to_the_larger_child():
    # codes 0, 1, 2; 2 is alone on its side, so the other side is larger
    X = np.array([[0.0]] * 10 + [[1.0]] * 10 + [[2.0]] * 5)
    y = np.array([0] * 20 + [1] * 5)
    model, tree = _stump(X, y)
    left, right = tree.children_left[0], tree.children_right[0]
    larger = left if tree.n_node_samples[left] > tree.n_node_samples[right] else right
    for code in (3.0, 63.0, 64.0, 5000.0, np.nan):
        assert model.apply(np.array([[code]]))[0] == larger
    assert model.predict(np.array([[7.0]]))[0] == 0


def test_missing_values_are_a_category_when_seen():
    X = np.array([[0.0]] * 10 + [[1.0]] * 10 + [[np.nan]] * 6)
    y = np.array([0] * 10 + [1] * 10 + [1] * 6)
    model, tree = _stump(X, y)
    assert model.score(X, y) == 1.0
    # the missing values joined the class-1 category, the smaller side here is class 0's
    assert model.predict(np.array([[np.nan]]))[0] == 1


def test_categories_absent_from_a_node_go_to_its_larger_child():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 400).astype(float)  # root: split on a
    b = np.where(a == 0, rng.integers(0, 3, 400), rng.integers(3, 6, 400)).astype(float)
    y = ((a == 0) & np.isin(b, [0])) | ((a == 1) & np.isin(b, [3, 4]))
    X = np.column_stack([a, b])
    model = DecisionTree(categorical_features=[0, 1], max_depth=2).fit(X, y.astype(int))
    rows = np.array([[0.0, 4.0], [1.0, 1.0], [0.0, 5.0]])  # b never seen under its a
    np.testing.assert_array_equal(model.apply(rows), [route_python(model.tree_, r) for r in rows])
    tree = model.tree_
    for r in rows:
        node = tree.children_left[0] if r[0] == 0 else tree.children_right[0]
        if tree.children_left[node] < 0:
            continue
        left, right = tree.children_left[node], tree.children_right[node]
        larger = left if tree.n_node_samples[left] > tree.n_node_samples[right] else right
        assert model.apply(r[None])[0] == larger


def test_ten_thousand_categories():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 10_000, 40_000)
    y = (codes % 2).astype(int)
    X = np.column_stack([codes.astype(float), rng.normal(size=codes.size)])
    model = DecisionTree(categorical_features=[0], max_depth=1).fit(X, y)
    assert model.tree_.categorical_bitsets.shape[1] == (codes.max() + 64) // 64
    assert model.tree_.categorical_n_codes == codes.max() + 1
    assert model.score(X, y) == 1.0
    unseen = np.setdiff1d(np.arange(10_000), codes)[:5]
    Xt = np.column_stack([np.r_[unseen, 20_000].astype(float), np.zeros(unseen.size + 1)])
    np.testing.assert_array_equal(model.apply(Xt), [route_python(model.tree_, r) for r in Xt])


def test_min_category_samples_sends_rare_categories_with_the_larger_child():
    X = np.array([[0.0]] * 20 + [[1.0]] * 12 + [[2.0]] * 2)
    y = np.array([0] * 20 + [1] * 12 + [1] * 2)
    exact, _ = _stump(X, y)
    assert exact.score(X, y) == 1.0
    model, tree = _stump(X, y, min_category_samples=3)
    # category 2 (2 samples) is rare: it follows the child of category 0 (20 samples)
    assert model.apply([[2.0]])[0] == model.apply([[0.0]])[0]
    assert model.apply([[1.0]])[0] != model.apply([[0.0]])[0]


# -- the rest of the tree with categorical nodes --------------------------------------------


def test_max_leaf_nodes_with_categorical_splits():
    X, y, w = random_data(4, 8, 2, n=400)
    model = DecisionTree(categorical_features=[0, 1], max_leaf_nodes=6).fit(X, y)
    assert model.get_n_leaves() == 6
    assert np.any(model.tree_.categorical_node >= 0)
    np.testing.assert_array_equal(model.apply(X), [route_python(model.tree_, r) for r in X])
    check_every_node(model, X, y, np.ones_like(w), "gini", 2)


def test_ccp_alpha_pruning_keeps_the_bitsets():
    X, y, _ = random_data(5, 8, 2, n=400)
    full = DecisionTree(categorical_features=[0, 1]).fit(X, y)
    path = full.cost_complexity_pruning_path(X, y)
    alpha = path.ccp_alphas[len(path.ccp_alphas) // 2]
    pruned = DecisionTree(categorical_features=[0, 1], ccp_alpha=alpha).fit(X, y)
    assert pruned.tree_.node_count < full.tree_.node_count
    tree = pruned.tree_
    leaves = tree.children_left < 0
    assert np.all(tree.categorical_node[leaves] == -1)
    np.testing.assert_array_equal(pruned.apply(X), [route_python(tree, r) for r in X])


def test_feature_importances_go_to_the_informative_categorical_feature():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 6, 600), rng.normal(size=600)])
    y = np.isin(X[:, 0], [1, 4]).astype(int)
    model = DecisionTree(categorical_features=[0], max_depth=1).fit(X, y)
    np.testing.assert_allclose(model.feature_importances_, [1.0, 0.0])


def test_class_weight_equals_the_same_sample_weights():
    X, y, _ = random_data(6, 7, 3, n=300)
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    a = DecisionTree(categorical_features=[0, 1], class_weight=weights, max_depth=4).fit(X, y)
    sw = np.array([weights[c] for c in y])
    b = DecisionTree(categorical_features=[0, 1], max_depth=4).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)
    np.testing.assert_array_equal(a.tree_.categorical_bitsets, b.tree_.categorical_bitsets)
    np.testing.assert_allclose(a.tree_.impurity, b.tree_.impurity)
    check_every_node(a, X, y, sw, "gini", 3)


def test_numeric_and_categorical_features_compete():
    rng = np.random.default_rng(0)
    n = 500
    X = np.column_stack([rng.integers(0, 5, n), rng.normal(size=n)])
    y = (X[:, 1] > 0.3).astype(int)
    model = DecisionTree(categorical_features=[0], max_depth=1).fit(X, y)
    assert model.tree_.feature[0] == 1
    assert model.tree_.categorical_node[0] == -1
    plain = DecisionTree(max_depth=1).fit(X, y)
    assert model.tree_.threshold[0] == plain.tree_.threshold[0]


# -- pandas categories --------------------------------------------------------------------


def test_pandas_category_columns_from_dtype():
    rng = np.random.default_rng(0)
    work = rng.choice(["Private", "Self-emp", "Gov", "Never"], 300)
    df = pd.DataFrame({"workclass": pd.Categorical(work), "age": rng.normal(40, 10, 300)})
    y = np.isin(work, ["Gov", "Never"]).astype(int)
    model = DecisionTree(categorical_features="from_dtype", max_depth=1).fit(df, y)
    np.testing.assert_array_equal(model.is_categorical_, [True, False])
    assert model.category_names_ == {0: ["Gov", "Never", "Private", "Self-emp"]}
    assert model.score(df, y) == 1.0
    # another category order and an unseen category at predict time: matched by name
    other = pd.DataFrame(
        {
            "workclass": pd.Categorical(["Never", "Private", "Unknown"],
                                        categories=["Unknown", "Private", "Never"]),
            "age": [30.0, 30.0, 30.0],
        }
    )  # fmt: skip
    assert list(model.predict(other[:2])) == [1, 0]
    tree = model.tree_
    left, right = tree.children_left[0], tree.children_right[0]
    larger = left if tree.n_node_samples[left] > tree.n_node_samples[right] else right
    assert model.apply(other)[2] == larger


def test_feature_names_select_categorical_columns():
    df = pd.DataFrame({"a": [0, 1, 2, 0, 1, 2] * 5, "b": np.arange(30.0)})
    y = np.array([0, 1, 0, 0, 1, 0] * 5)
    model = DecisionTree(categorical_features=["a"]).fit(df, y)
    np.testing.assert_array_equal(model.is_categorical_, [True, False])
    assert model.score(df, y) == 1.0


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [(-1.0, "not category codes"), (1.5, "not category codes"), (2.0**25, "below 2\\*\\*24")],
)
def test_bad_codes_are_refused(values, message):
    X = np.array([[0.0], [1.0], [values], [1.0]])
    with pytest.raises(ValueError, match=message):
        DecisionTree(categorical_features=[0]).fit(X, [0, 1, 0, 1])


def test_bad_codes_at_predict_time_are_refused():
    model = DecisionTree(categorical_features=[0]).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="not category codes"):
        model.predict([[-3.0]])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([5], "outside \\[0, 2\\)"),
        ([True], "boolean mask of length 1"),
        ("yes", "among {.from_dtype.}"),
        (["a"], "no string column names"),
        ([[0]], "must be 1-D"),
        ([0.5], "dtype float64"),
    ],
)
def test_bad_categorical_features_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        DecisionTree(categorical_features=spec).fit([[0.0, 1.0], [1.0, 2.0]], [0, 1])


def test_unknown_feature_names_are_refused():
    df = pd.DataFrame({"a": [0, 1], "b": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not columns of X"):
        DecisionTree(categorical_features=["c"]).fit(df, [0, 1])


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (DecisionTree(categorical_features=[0], splitter="random"), "splitter='random'"),
        (
            DecisionTreeRegressor(categorical_features=[0], criterion="absolute_error"),
            "absolute_error",
        ),
        (DecisionTree(categorical_features=[0], monotonic_cst=[1, 0]), "no order"),
        (DecisionTree(categorical_features=[0], min_category_samples=0), "min_category_samples"),
    ],
)
def test_unsupported_options_are_refused(estimator, message):
    X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [0.0, 4.0]])
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, [0, 1, 0, 1])


def test_undeclared_pandas_category_column_is_refused():
    df = pd.DataFrame({"a": pd.Categorical(["x", "y"]), "b": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not categorical features"):
        DecisionTree(categorical_features=[1]).fit(df, [0, 1])


# -- saved models ------------------------------------------------------------------------------


def _categorical_model():
    rng = np.random.default_rng(0)
    work = rng.choice(["Private", "Self-emp", "Gov", "Never"], 300)
    df = pd.DataFrame(
        {
            "workclass": pd.Categorical(work),
            "code": rng.integers(0, 70, 300).astype(float),
            "age": rng.normal(40, 10, 300),
        }
    )
    y = (np.isin(work, ["Gov", "Never"]) ^ (df["code"].to_numpy() % 3 == 0)).astype(int)
    model = DecisionTree(categorical_features=["workclass", "code"], max_depth=4).fit(df, y)
    return model, df


def test_save_and_load_keep_the_categorical_splits(tmp_path):
    from tree import load, save

    model, df = _categorical_model()
    assert model.tree_.categorical_bitsets.shape[1] == 2  # codes up to 69: two words
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.is_categorical_, model.is_categorical_)
    assert loaded.category_names_ == model.category_names_
    np.testing.assert_array_equal(loaded.predict_proba(df), model.predict_proba(df))
    np.testing.assert_array_equal(loaded.tree_.categorical_bitsets, model.tree_.categorical_bitsets)


def _tampered(edit):
    model, _ = _categorical_model()
    d = model.to_dict()
    edit(d)
    return d


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["tree"]["categorical_bitsets"].__setitem__(
                (0, -1), d["tree"]["categorical_bitsets"][0, -1] | np.uint64(1 << 63)
            ),
            "at or above categorical_n_codes",
        ),
        (lambda d: d["tree"]["categorical_node"].__setitem__(0, 99), "out of range"),
        (
            lambda d: d["tree"].__setitem__(
                "categorical_node", np.full_like(d["tree"]["categorical_node"], -1)
            ),
            "does not match its split",
        ),
        (
            lambda d: d["tree"].__setitem__(
                "categorical_bitsets", d["tree"]["categorical_bitsets"][:, :1].copy()
            ),
            "must be a numpy array of dtype uint64 and shape",
        ),
        (lambda d: d["tree"].__setitem__("categorical_n_codes", 200), "needs 4"),
        (lambda d: d["tree"].__setitem__("categorical_shape", [1, 10**9]), "out of range"),
        (lambda d: d["fitted"].__setitem__("is_categorical_", [1, 0, 0]), "only true and false"),
        (lambda d: d["fitted"].__setitem__("category_names_", [[2, ["a"]]]), "not a categorical"),
    ],
)
def test_tampered_categorical_arrays_are_refused(edit, message):
    d = _tampered(edit)
    with pytest.raises(ValueError, match=message):
        DecisionTree.from_dict(d)


def test_tampered_bitset_in_the_archive_is_refused(tmp_path):
    from tree import load, save
    from tree._npz import ModelFileError

    model, _ = _categorical_model()
    save(model, tmp_path / "m")
    path = tmp_path / "m" / "arrays.npz"
    with np.load(path, allow_pickle=False) as archive:
        arrays = dict(archive)
    arrays["tree/categorical_bitsets"] = arrays["tree/categorical_bitsets"][:1]
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError):
        load(tmp_path / "m")


# -- text and plots ------------------------------------------------------------------------------


def _workclass_model():
    rng = np.random.default_rng(0)
    work = rng.choice(["Private", "Self-emp-inc", "Gov", "Never"], 300)
    df = pd.DataFrame({"workclass": pd.Categorical(work), "age": rng.normal(40, 10, 300)})
    y = (np.isin(work, ["Gov", "Never"]) | (df["age"] > 55)).astype(int)
    model = DecisionTree(categorical_features="from_dtype", max_depth=2).fit(df, y)
    return model, df


def test_export_text_writes_category_sets():
    from tree import export_text

    model, _ = _workclass_model()
    text = export_text(model, feature_names=["workclass", "age"])
    lines = text.splitlines()
    assert lines[0] == "|--- workclass in {Private, Self-emp-inc}"
    assert "|--- workclass not in {Private, Self-emp-inc}" in lines
    renamed = export_text(model, category_names={"workclass": ["G", "N", "P", "S"]})
    assert renamed.splitlines()[0] == "|--- feature_0 in {P, S}"
    codes = export_text(model, category_names=[None, None])
    assert codes.splitlines()[0] == "|--- feature_0 in {Private, Self-emp-inc}"


def test_export_graphviz_and_plot_tree_write_category_sets():
    from tree import export_graphviz, plot_decision_path, plot_tree

    model, df = _workclass_model()
    dot = export_graphviz(model, feature_names=["workclass", "age"])
    assert '0 [label="workclass in {Private, Self-emp-inc}\\ngini' in dot
    boxes = plot_tree(model)
    assert boxes[0].get_text().startswith("workclass in {Private, Self-emp-inc}\n")
    path = plot_decision_path(model, df.iloc[[0]])
    first = next(b for b in path if b.get_gid() == "path-node:0")
    went_left = model.decision_path(df.iloc[[0]])[0, 1] == 1  # node 1: the root's left child
    expected = "in" if went_left else "not in"
    assert first.get_text().startswith(
        f"workclass = {df['workclass'].iloc[0]} {expected} {{Private, Self-emp-inc}}"
    )


def test_long_category_sets_are_shortened():
    from tree import export_text

    codes = np.arange(40.0)
    X = np.repeat(codes, 5)[:, None]
    y = (np.repeat(codes, 5) % 2).astype(int)
    model = DecisionTree(categorical_features=[0], max_depth=1).fit(X, y)
    first = export_text(model).splitlines()[0]
    assert first.startswith("|--- feature_0 in {0, 2, 4,")
    assert first.endswith("... 8 more}")


def test_category_sets_list_only_named_codes():
    """Codes above a feature's own categories (the bitset is as wide as the widest categorical
    feature's) are unseen categories for it: the named set leaves them out."""
    from tree import export_text

    rng = np.random.default_rng(1)
    colour = rng.choice(["blue", "green", "red"], 400)
    city = rng.choice([f"city{k:02d}" for k in range(12)], 400)
    df = pd.DataFrame({"colour": pd.Categorical(colour), "city": pd.Categorical(city)})
    y = (colour == "red").astype(int)
    model = DecisionTree(categorical_features="from_dtype", max_depth=1).fit(df, y)
    assert int(model.tree_.categorical_n_codes) == 12  # the bitset covers city's codes
    first = export_text(model, feature_names=["colour", "city"]).splitlines()[0]
    # red (code 2) is the smaller child; blue, green, the unseen codes 3..11 and the (unseen)
    # missing values go left
    assert first == "|--- colour in {blue, green, missing}"
    named = export_text(model, category_names={"colour": ["b", "g"]}).splitlines()[0]
    assert named == "|--- feature_0 in {b, g, missing}"  # 3..11 go left, nameless: not listed
    X = df.apply(lambda column: column.cat.codes).to_numpy(dtype=float)
    by_code = DecisionTree(categorical_features=[0, 1], max_depth=1).fit(X, y)
    assert export_text(by_code).splitlines()[0].startswith("|--- feature_0 in {0, 1, 3, 4,")


@pytest.mark.parametrize("estimator", [DecisionTree, DecisionTreeRegressor])
def test_the_same_categorical_tree_on_one_thread_and_on_every_thread(estimator):
    import numba

    # large enough for the threaded build: categorical splits at the top and in the subtrees
    rng = np.random.RandomState(5)
    n = 40_000
    X = rng.randn(n, 6)
    X[:, 0] = rng.randint(0, 300, n)
    X[:, 3] = rng.randint(0, 7, n)
    X[rng.rand(n) < 0.05, 3] = np.nan
    effect = rng.randn(300)
    signal = 2 * effect[X[:, 0].astype(int)] + X[:, 1] + (np.nan_to_num(X[:, 3], nan=7) % 3)
    y = signal + rng.randn(n) if estimator is DecisionTreeRegressor else (signal > 0.5).astype(int)
    weights = rng.uniform(0.5, 2.0, n)
    params = {"categorical_features": [0, 3], "max_depth": 14, "random_state": 0}
    threads = numba.get_num_threads()
    if threads < 2:
        pytest.skip("one thread only: nothing to compare")
    try:
        numba.set_num_threads(1)
        serial = estimator(**params).fit(X, y, sample_weight=weights)
    finally:
        numba.set_num_threads(threads)
    threaded = estimator(**params).fit(X, y, sample_weight=weights)
    a, b = serial.tree_, threaded.tree_
    assert np.any(a.categorical_node >= 0)
    assert a.node_count == b.node_count
    for name in ("children_left", "children_right", "feature", "threshold", "impurity", "value"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.categorical_node, b.categorical_node)
    np.testing.assert_array_equal(a.categorical_bitsets, b.categorical_bitsets)
    np.testing.assert_array_equal(serial.predict(X), threaded.predict(X))
