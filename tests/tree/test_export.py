"""export_text and export_graphviz: scikit-learn's text and DOT, character for character.

The reference is scikit-learn's exporter run on scikit-learn's tree; ours runs on our estimator
holding the very same node arrays (moved over with ``estimator_from_dict``), so any difference
is a difference of the exporters. One test also uses a tree fitted by our own ``fit``.
"""

import io

import numpy as np
import pytest
import sklearn.tree as sk
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_iris

import tree
from tree._checks import NotFittedError
from tree._serialize import estimator_from_dict, estimator_to_dict
from tree.export import export_graphviz, export_text

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
DIABETES_X, DIABETES_Y = load_diabetes(return_X_y=True)
IRIS_NAMES = ["sepal length", "sepal width", 'petal "length"', "petal width"]


def as_ours(sk_model):
    """Our estimator holding exactly the node arrays of a fitted scikit-learn tree."""
    cls = tree.DecisionTree if hasattr(sk_model, "classes_") else tree.DecisionTreeRegressor
    d = estimator_to_dict(sk_model)
    known = set(cls().get_params())
    d["params"] = {key: value for key, value in d["params"].items() if key in known}
    return estimator_from_dict(cls, d)


@pytest.fixture(scope="module")
def iris_pair():
    reference = sk.DecisionTreeClassifier(random_state=0).fit(IRIS_X, IRIS_Y)
    return reference, as_ours(reference)


@pytest.fixture(scope="module")
def weighted_pair():
    weights = np.linspace(0.5, 2.0, len(IRIS_Y))
    reference = sk.DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        IRIS_X, IRIS_Y, sample_weight=weights
    )
    return reference, as_ours(reference)


@pytest.fixture(scope="module")
def regression_pair():
    reference = sk.DecisionTreeRegressor(max_depth=4, random_state=0).fit(DIABETES_X, DIABETES_Y)
    return reference, as_ours(reference)


def test_text_of_a_one_split_tree_written_by_hand():
    model = tree.DecisionTree().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1]))
    expected = (
        "|--- feature_0 <= 1.50\n|   |--- class: 0\n|--- feature_0 >  1.50\n|   |--- class: 1\n"
    )
    assert export_text(model) == expected
    assert export_text(model, feature_names=["x"], class_names=["no", "yes"]) == (
        "|--- x <= 1.50\n|   |--- class: no\n|--- x >  1.50\n|   |--- class: yes\n"
    )


def test_dot_of_a_one_split_tree_written_by_hand():
    model = tree.DecisionTree().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1]))
    expected = (
        "digraph Tree {\n"
        'node [shape=box, fontname="helvetica"] ;\n'
        'edge [fontname="helvetica"] ;\n'
        '0 [label="x[0] <= 1.5\\ngini = 0.5\\nsamples = 4\\nvalue = [2, 2]"] ;\n'
        '1 [label="gini = 0.0\\nsamples = 2\\nvalue = [2, 0]"] ;\n'
        '0 -> 1 [labeldistance=2.5, labelangle=45, headlabel="True"] ;\n'
        '2 [label="gini = 0.0\\nsamples = 2\\nvalue = [0, 2]"] ;\n'
        '0 -> 2 [labeldistance=2.5, labelangle=-45, headlabel="False"] ;\n'
        "}"
    )
    assert export_graphviz(model) == expected


TEXT_OPTIONS = [
    {},
    {"show_weights": True},
    {"max_depth": 2, "decimals": 3, "spacing": 4},
    {"max_depth": 0},
    {"feature_names": IRIS_NAMES, "class_names": ["setosa", "versicolor", "virginica"]},
]


@pytest.mark.parametrize("options", TEXT_OPTIONS)
@pytest.mark.parametrize("pair", ["iris_pair", "weighted_pair"])
def test_text_equals_scikit_learn_classifier(request, pair, options):
    reference, ours = request.getfixturevalue(pair)
    assert export_text(ours, **options) == sk.export_text(reference, **options)


@pytest.mark.parametrize("options", [{}, {"decimals": 4, "max_depth": 2}])
def test_text_equals_scikit_learn_regressor(regression_pair, options):
    reference, ours = regression_pair
    assert export_text(ours, **options) == sk.export_text(reference, **options)


DOT_OPTIONS = [
    {},
    {"filled": True},
    {"filled": True, "rounded": True, "proportion": True, "node_ids": True, "label": "root"},
    {"max_depth": 2, "leaves_parallel": True, "rotate": True, "filled": True},
    {"special_characters": True, "label": "none", "precision": 1, "impurity": False},
    {"feature_names": IRIS_NAMES, "class_names": True},
    {"feature_names": IRIS_NAMES, "class_names": ["a", 'b"', "c"], "special_characters": True},
]


@pytest.mark.parametrize("options", DOT_OPTIONS)
@pytest.mark.parametrize("pair", ["iris_pair", "weighted_pair"])
def test_dot_equals_scikit_learn_classifier(request, pair, options):
    reference, ours = request.getfixturevalue(pair)
    assert export_graphviz(ours, **options) == sk.export_graphviz(reference, **options)


@pytest.mark.parametrize("options", DOT_OPTIONS[:5])
def test_dot_equals_scikit_learn_regressor(regression_pair, options):
    reference, ours = regression_pair
    assert export_graphviz(ours, **options) == sk.export_graphviz(reference, **options)


def test_many_classes_wrap_the_value_line_like_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = rng.integers(0, 40, size=2000) * 1000
    reference = sk.DecisionTreeClassifier(max_depth=2, random_state=0).fit(
        X, y, sample_weight=rng.random(2000)
    )
    ours = as_ours(reference)
    for options in ({}, {"proportion": True}, {"special_characters": True, "filled": True}):
        assert export_graphviz(ours, **options) == sk.export_graphviz(reference, **options)
    assert export_text(ours, show_weights=True) == sk.export_text(reference, show_weights=True)


@settings(max_examples=15)
@given(
    seed=st.integers(0, 10_000),
    n_classes=st.integers(1, 4),
    max_depth=st.integers(1, 5),
    decimals=st.integers(0, 4),
    label=st.sampled_from(["all", "root", "none"]),
    filled=st.booleans(),
    proportion=st.booleans(),
)
def test_random_trees_export_like_scikit_learn(
    seed, n_classes, max_depth, decimals, label, filled, proportion
):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3)).round(2)
    y = rng.integers(0, n_classes, size=60)
    reference = sk.DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X, y)
    ours = as_ours(reference)
    assert export_text(ours, decimals=decimals, show_weights=filled) == sk.export_text(
        reference, decimals=decimals, show_weights=filled
    )
    options = {"label": label, "filled": filled, "proportion": proportion, "precision": decimals}
    assert export_graphviz(ours, **options) == sk.export_graphviz(reference, **options)


def test_a_tree_fitted_by_our_fit_exports_like_scikit_learn_when_the_trees_agree():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    ours = tree.DecisionTree(max_depth=3).fit(X, y)
    reference = sk.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    for name in ("children_left", "children_right", "feature"):
        np.testing.assert_array_equal(getattr(ours.tree_, name), getattr(reference.tree_, name))
    assert export_text(ours, show_weights=True) == sk.export_text(reference, show_weights=True)
    assert export_graphviz(ours, filled=True) == sk.export_graphviz(reference, filled=True)


def test_graphviz_writes_to_a_path_and_to_a_file_object(tmp_path, iris_pair):
    _, ours = iris_pair
    expected = export_graphviz(ours)
    path = tmp_path / "tree.dot"
    assert export_graphviz(ours, out_file=path) is None
    assert path.read_text(encoding="utf-8") == expected
    buffer = io.StringIO()
    export_graphviz(ours, out_file=buffer)
    assert buffer.getvalue() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["tree.dot"]


def test_unfitted_model_is_refused():
    for export in (export_text, export_graphviz):
        with pytest.raises(NotFittedError, match="not fitted"):
            export(tree.DecisionTree())


@pytest.mark.parametrize(
    ("export", "options", "message"),
    [
        (export_text, {"feature_names": ["a", "b"]}, "feature_names"),
        (export_graphviz, {"feature_names": ["a", "b"]}, "feature_names"),
        (export_graphviz, {"feature_names": ["a", "b", "c", 4]}, "must be strings"),
        (export_text, {"class_names": ["a"]}, "class_names has 1"),
        (export_graphviz, {"class_names": ["a"]}, "class_names has 1"),
        (export_text, {"decimals": -1}, "decimals"),
        (export_text, {"spacing": 0}, "spacing"),
        (export_graphviz, {"label": "some"}, "label"),
        (export_graphviz, {"precision": 1.5}, "precision"),
        (export_graphviz, {"max_depth": -1}, "max_depth"),
    ],
)
def test_bad_options_raise_clear_errors(iris_pair, export, options, message):
    _, ours = iris_pair
    with pytest.raises(ValueError, match=message):
        export(ours, **options)


def test_a_regressor_fitted_by_our_fit_exports_like_scikit_learn():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(200, 3))
    y = 3 * X[:, 0] - X[:, 1] ** 2 + rng.normal(scale=0.1, size=200)
    ours = tree.DecisionTreeRegressor(max_depth=3).fit(X, y)
    reference = sk.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y)
    for name in ("children_left", "children_right", "feature"):
        np.testing.assert_array_equal(getattr(ours.tree_, name), getattr(reference.tree_, name))
    assert export_text(ours) == sk.export_text(reference)
    assert export_graphviz(ours, filled=True) == sk.export_graphviz(reference, filled=True)


def test_counts_print_as_integers_when_shares_times_samples_miss_by_rounding():
    # one sample of class 1 and 48 of class 0: 48/49 * 49 is not exactly 48 in floating point
    X = np.arange(49.0).reshape(-1, 1)
    y = np.r_[np.zeros(48, dtype=int), 1]
    model = tree.DecisionTree(max_depth=1).fit(X, y)
    value = model.tree_.value[0, 0] * model.tree_.weighted_n_node_samples[0]
    assert np.any(np.mod(value, 1) != 0)  # the rounding error this test is about
    assert "value = [48, 1]" in export_graphviz(model, label="all").replace("\\n", "\n")
    assert "48.0" not in export_graphviz(model)


def test_class_counts_print_as_whole_numbers_when_shares_round():
    # the left leaf holds 9,424 + 240 rows: 240 / 9664 * 9664 is 239.99999999999997 in floats
    X = np.r_[np.zeros(9664), np.ones(500)].reshape(-1, 1)
    y = np.r_[np.zeros(9424), np.ones(240), np.ones(500)]
    model = tree.DecisionTree(max_depth=1).fit(X, y)
    text = export_graphviz(model)
    assert "value = [9424, 240]" in text and "value = [0, 500]" in text
    assert ".0" not in text.split("samples = 9664")[1].split('"')[0]
    # weights that are not whole keep their decimals
    weighted = export_graphviz(
        tree.DecisionTree(max_depth=1).fit(X, y, sample_weight=np.full(len(y), 0.3))
    )
    assert "value = [2827.2, 72.0]" in weighted
