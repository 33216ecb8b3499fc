"""to_dict / from_dict: a faithful round trip, and every malformed tree refused before use."""

import copy
import json
import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

import tree
from tree import io as tree_io
from tree._serialize import FORMAT_VERSION, estimator_from_dict, validate_tree_arrays

IRIS_X, IRIS_Y = load_iris(return_X_y=True)


def json_part(value):
    """The description with arrays replaced by their dtype: must then be plain JSON."""
    if isinstance(value, np.ndarray):
        return str(value.dtype)
    if isinstance(value, dict):
        return {k: json_part(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_part(v) for v in value]
    return value


def assert_same_predictions(a, b, X):
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.apply(X), b.apply(X))
    if hasattr(a, "predict_proba"):
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.fixture(scope="module")
def iris_model():
    return tree.DecisionTree(max_depth=4, class_weight={0: 1.0, 1: 2.0, 2: 0.5}).fit(IRIS_X, IRIS_Y)


def test_to_dict_is_json_plus_numeric_arrays(iris_model):
    d = iris_model.to_dict()
    assert d["format_version"] == FORMAT_VERSION
    assert d["cartflow_version"] == tree.__version__
    assert d["estimator"] == type(iris_model).__name__
    assert d["estimator_type"] == "classifier"
    json.dumps(json_part(d), allow_nan=False)
    arrays = {k: v for k, v in d["tree"].items() if isinstance(v, np.ndarray)}
    assert set(arrays) == set(tree.Tree.ARRAY_DTYPES)
    assert all(not a.dtype.hasobject for a in arrays.values())


def test_round_trip_gives_identical_predictions(iris_model):
    d = iris_model.to_dict()
    loaded = tree.DecisionTree.from_dict(copy.deepcopy(d))
    assert_same_predictions(iris_model, loaded, IRIS_X)
    assert loaded.get_params() == iris_model.get_params()
    assert loaded.class_weight == {0: 1.0, 1: 2.0, 2: 0.5}
    assert loaded.n_features_in_ == 4 and loaded.max_features_ == iris_model.max_features_
    assert loaded.get_depth() == iris_model.get_depth()
    np.testing.assert_array_equal(loaded.feature_importances_, iris_model.feature_importances_)
    for name in tree.Tree.ARRAY_DTYPES:
        np.testing.assert_array_equal(getattr(loaded.tree_, name), getattr(iris_model.tree_, name))
    d["tree"]["threshold"][:] = 0.0  # the loaded model owns its arrays
    assert_same_predictions(iris_model, loaded, IRIS_X)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["setosa", "versicolor", "virginica"])[IRIS_Y],
        np.array(["setosa", "versicolor", "virginica"], dtype=object)[IRIS_Y],
        IRIS_Y > 0,
        IRIS_Y.astype(np.int32) * 7 - 3,
    ],
    ids=["str", "object", "bool", "int32"],
)
def test_round_trip_keeps_the_class_labels_and_their_dtype(labels):
    model = tree.DecisionTree(max_depth=3).fit(IRIS_X, labels)
    loaded = tree.DecisionTree.from_dict(model.to_dict())
    assert loaded.classes_.dtype == model.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert_same_predictions(model, loaded, IRIS_X)


def test_round_trip_keeps_feature_names_and_balanced_weights():
    frame = pd.DataFrame(IRIS_X, columns=["sl", "sw", "pl", "pw"])
    model = tree.DecisionTree(max_depth=3, class_weight="balanced", random_state=5).fit(
        frame, IRIS_Y
    )
    loaded = tree.DecisionTree.from_dict(model.to_dict())
    assert list(loaded.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    assert loaded.get_params() == model.get_params()
    assert_same_predictions(model, loaded, frame)


def test_a_random_state_instance_is_saved_as_none_with_a_warning():
    model = tree.DecisionTree(max_depth=2, random_state=np.random.RandomState(0))
    model.fit(IRIS_X, IRIS_Y)
    with pytest.warns(UserWarning, match="random_state"):
        d = model.to_dict()
    assert d["params"]["random_state"] is None
    assert_same_predictions(model, tree.DecisionTree.from_dict(d), IRIS_X)


def test_unfitted_model_cannot_be_described():
    with pytest.raises(tree.NotFittedError, match="not fitted"):
        tree.DecisionTree().to_dict()


def leaf_and_internal(d):
    left = d["tree"]["children_left"]
    leaves = np.flatnonzero(left == -1)
    internal = np.flatnonzero(left != -1)
    return leaves, internal


def set_array(name, index, value):
    def tamper(d):
        d["tree"][name][index] = value

    return tamper


def tamper_leaf_points_to_ancestor(d):
    leaves, _ = leaf_and_internal(d)
    d["tree"]["children_left"][leaves[-1]] = 1
    d["tree"]["children_right"][leaves[-1]] = 2


def tamper_detached_self_loop(d):
    t = d["tree"]
    leaves, _ = leaf_and_internal(d)
    leaf = leaves[-1]
    parent = int(np.flatnonzero((t["children_left"] == leaf) | (t["children_right"] == leaf))[0])
    sibling = (
        t["children_right"][parent]
        if t["children_left"][parent] == leaf
        else t["children_left"][parent]
    )
    # The parent keeps only `leaf`'s sibling subtree through a self loop elsewhere: make the
    # parent a leaf (orphaning both children) and give the old leaf a loop onto itself.
    t["children_left"][parent] = t["children_right"][parent] = -1
    t["feature"][parent] = -2
    t["children_left"][leaf] = leaf
    t["children_right"][leaf] = sibling


def tamper_max_depth(d):
    d["tree"]["max_depth"] += 1


def delete_array(name):
    def tamper(d):
        del d["tree"][name]

    return tamper


def retype_array(name, dtype):
    def tamper(d):
        d["tree"][name] = d["tree"][name].astype(dtype)

    return tamper


def tamper_value_shape(d):
    d["tree"]["value"] = d["tree"]["value"][:, :, :2].copy()


def tamper_as_list(d):
    d["tree"]["threshold"] = d["tree"]["threshold"].tolist()


def tamper_node_count(d):
    d["tree"]["node_count"] -= 1


def tamper_classes(d):
    d["fitted"]["classes_"]["values"].append(99)


def tamper_n_features(d):
    d["fitted"]["n_features_in_"] = 5


def set_field(section, key, value):
    def tamper(d):
        (d if section is None else d[section])[key] = value

    return tamper


TAMPERS = {
    "out-of-range child": (set_array("children_left", 0, 10_000), "out of range"),
    "negative child": (set_array("children_right", 0, -7), "out of range"),
    "child pointing to the root": (set_array("children_left", 0, 0), "out of range"),
    "a cycle through an ancestor": (tamper_leaf_points_to_ancestor, "cycle or a shared child"),
    "a detached self loop": (tamper_detached_self_loop, "reachable from the root"),
    "a shared child": (
        lambda d: d["tree"]["children_right"].__setitem__(0, d["tree"]["children_left"][0]),
        "cycle or a shared child",
    ),
    "one child only": (
        lambda d: d["tree"]["children_left"].__setitem__(leaf_and_internal(d)[0][0], 1),
        "exactly one child",
    ),
    "feature index too large": (set_array("feature", 0, 4), "feature\\[0\\]=4 is out of range"),
    "negative feature index": (set_array("feature", 0, -1), "out of range"),
    "feature at a leaf": (
        lambda d: d["tree"]["feature"].__setitem__(leaf_and_internal(d)[0][0], 1),
        "leaves have -2",
    ),
    "NaN threshold": (set_array("threshold", 0, np.nan), "not finite"),
    "-inf threshold": (set_array("threshold", 0, -np.inf), "not finite"),
    "+inf threshold sending missing values left": (
        lambda d: (
            d["tree"]["threshold"].__setitem__(0, np.inf),
            d["tree"]["missing_go_to_left"].__setitem__(0, 1),
        ),
        "not finite",
    ),
    "NaN value": (set_array("value", (1, 0, 0), np.nan), "NaN or infinite"),
    "negative class fraction": (set_array("value", (1, 0, 0), -0.5), "non-negative"),
    "zero samples": (set_array("n_node_samples", 2, 0), "n_node_samples"),
    "NaN weighted samples": (set_array("weighted_n_node_samples", 2, np.nan), "NaN"),
    "missing flag not 0/1": (set_array("missing_go_to_left", 0, 7), "missing_go_to_left"),
    "max_depth inconsistent": (tamper_max_depth, "max_depth"),
    "node_count inconsistent": (tamper_node_count, "shape"),
    "missing array": (delete_array("feature"), "missing the array 'feature'"),
    "wrong dtype int32": (retype_array("children_left", np.int32), "dtype int32"),
    "wrong dtype float32": (retype_array("threshold", np.float32), "dtype float32"),
    "wrong value shape": (tamper_value_shape, "shape"),
    "list instead of array": (tamper_as_list, "numpy array"),
    "classes_ longer than n_classes_": (tamper_classes, "classes_ has 4"),
    "n_features_in_ mismatch": (tamper_n_features, "n_features"),
    "n_classes_ bool": (set_field("fitted", "n_classes_", True), "n_classes_"),
    "newer format": (set_field(None, "format_version", "2.0"), "2.0.*newer.*1.0"),
    "older format": (set_field(None, "format_version", "0.3"), "older"),
    "malformed format": (set_field(None, "format_version", "one"), "Malformed"),
    "no format": (lambda d: d.pop("format_version"), "format_version"),
    "a regressor's description": (set_field(None, "estimator_type", "regressor"), "regressor"),
    "unknown parameter": (set_field("params", "evil", 1), "not parameters"),
    "code in a parameter": (
        set_field("params", "criterion", {"__reduce__": "os.system"}),
        "unsupported saved value",
    ),
    "duplicated classes": (
        lambda d: d["fitted"]["classes_"].__setitem__("values", [0, 0, 1]),
        "repeat",
    ),
    "object classes that are not str": (
        lambda d: d["fitted"]["classes_"].__setitem__("dtype", "object"),
        "strings only",
    ),
    "datetime classes": (
        lambda d: d["fitted"]["classes_"].__setitem__("dtype", "<M8[ns]"),
        "not allowed",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERS))
def test_a_tampered_description_is_refused(iris_model, case):
    tamper, message = TAMPERS[case]
    d = iris_model.to_dict()
    tree.DecisionTree.from_dict(copy.deepcopy(d))  # the untouched description loads
    tamper(d)
    with pytest.raises(ValueError, match=message):
        tree.DecisionTree.from_dict(d)


def test_validate_tree_arrays_returns_contiguous_copies(iris_model):
    state = copy.deepcopy(iris_model.to_dict()["tree"])
    state["threshold"] = np.asfortranarray(state["threshold"])
    validated = validate_tree_arrays(state, n_features_in=4, n_classes=3, is_classifier=True)
    assert validated.node_count == iris_model.tree_.node_count
    for name in tree.Tree.ARRAY_DTYPES:
        array = getattr(validated, name)
        assert array.flags.c_contiguous and array.flags.owndata
        assert not np.shares_memory(array, state[name])


def test_the_walk_is_fast_and_exact_on_a_deep_chain():
    n = 20_001  # a chain of 10,000 splits: the deepest a tree of this size can be
    left = np.full(n, -1, dtype=np.int64)
    right = np.full(n, -1, dtype=np.int64)
    internal = np.arange(0, n - 1, 2)
    left[internal] = internal + 1
    right[internal] = internal + 2
    state = {
        "node_count": n,
        "max_depth": len(internal),
        "n_features": 1,
        "n_outputs": 1,
        "n_classes": [2],
        "children_left": left,
        "children_right": right,
        "feature": np.where(left == -1, -2, 0).astype(np.int64),
        "threshold": np.zeros(n),
        "value": np.full((n, 1, 2), 0.5),
        "impurity": np.zeros(n),
        "n_node_samples": np.ones(n, dtype=np.int64),
        "weighted_n_node_samples": np.ones(n),
        "missing_go_to_left": np.zeros(n, dtype=np.uint8),
    }
    validated = validate_tree_arrays(state, n_features_in=1, n_classes=2, is_classifier=True)
    assert validated.max_depth == len(internal)
    right[n - 3] = 2  # node 2 now has two parents
    with pytest.raises(ValueError, match="cycle or a shared child"):
        validate_tree_arrays(state, n_features_in=1, n_classes=2, is_classifier=True)


def test_from_dict_rejects_non_dicts():
    with pytest.raises(ValueError, match="must be a dict"):
        estimator_from_dict(tree.DecisionTree, [1, 2])


@settings(max_examples=20)
@given(
    seed=st.integers(0, 10_000),
    n_classes=st.integers(1, 5),
    label_kind=st.sampled_from(["int", "str", "bool", "float"]),
    criterion=st.sampled_from(["gini", "entropy", "log_loss"]),
    max_depth=st.one_of(st.none(), st.integers(1, 6)),
    min_samples_leaf=st.integers(1, 5),
    max_features=st.sampled_from([None, "sqrt", 2, 0.5]),
)
def test_save_load_round_trip_property(
    seed, n_classes, label_kind, criterion, max_depth, min_samples_leaf, max_features
):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 4))
    codes = rng.integers(0, n_classes, size=80)
    labels = {
        "int": codes * 3 - 1,
        "str": np.array([f"c{k}" for k in codes]),
        "bool": codes % 2 == 1,
        "float": codes / 2.0,
    }[label_kind]
    model = tree.DecisionTree(
        criterion=criterion,
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        max_features=max_features,
        random_state=seed,
    ).fit(X, labels)
    with tempfile.TemporaryDirectory() as folder:
        loaded = tree_io.load(tree_io.save(model, os.path.join(folder, "m")))
    X_new = rng.normal(size=(50, 4))
    assert_same_predictions(model, loaded, X_new)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert loaded.get_params() == model.get_params()


def test_regressor_round_trip_allows_negative_values_and_keeps_its_type():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] * 10 - 20 + rng.normal(size=200)
    model = tree.DecisionTreeRegressor(max_depth=5, criterion="friedman_mse").fit(X, y)
    d = model.to_dict()
    assert d["estimator_type"] == "regressor"
    assert "classes_" not in d["fitted"]
    assert np.any(d["tree"]["value"] < 0)
    loaded = tree.DecisionTreeRegressor.from_dict(copy.deepcopy(d))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
    assert not hasattr(loaded, "classes_")
    with pytest.raises(ValueError, match="cannot be loaded as DecisionTree"):
        tree.DecisionTree.from_dict(copy.deepcopy(d))
    d["tree"]["value"][0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        tree.DecisionTreeRegressor.from_dict(d)


def independently_valid(state, n_features):
    """Every node reached exactly once from the root, internal features in range."""
    left, right, feature = state["children_left"], state["children_right"], state["feature"]
    seen, stack = set(), [0]
    while stack:
        node = stack.pop()
        if node in seen or not 0 <= node < state["node_count"]:
            return False
        seen.add(node)
        if left[node] != -1 or right[node] != -1:
            if not 0 <= feature[node] < n_features:
                return False
            stack += [int(left[node]), int(right[node])]
    return len(seen) == state["node_count"]


@settings(max_examples=60)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["children_left", "children_right", "feature"]),
            st.integers(0, 10_000),
            st.integers(-3, 20),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_edits_are_refused_or_still_form_a_valid_tree(iris_model, edits):
    d = iris_model.to_dict()
    state = d["tree"]
    for name, index, value in edits:
        state[name][index % state["node_count"]] = value
    try:
        loaded = tree.DecisionTree.from_dict(d)
    except ValueError:
        return
    assert independently_valid(state, 4)
    loaded.predict(IRIS_X)  # a valid tree is safe to hand to the kernels
