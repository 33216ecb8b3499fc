"""Raw-unit rules of a pipeline's tree (pipeline.explain), checked by an independent router.

The router below reads only the node view (raw column, op, value/boundary, missing side) and the
raw rows; it must reach the leaf the model itself reaches (``tree.apply`` on the transformed
rows) for every row of Adult's test split, on randomly drawn pipelines.
"""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from pipeline import ColumnTransformer, Pipeline
from pipeline.datasets import ADULT_TARGET, load_adult
from pipeline.explain import NEGATED, raw_node_view
from pipeline.model_selection import train_test_split
from pipeline.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    SimpleImputer,
    StandardScaler,
)
from tree import DecisionTree, DecisionTreeRegressor

NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = [
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native_country",
]


@pytest.fixture(scope="module")
def adult_split():
    """Adult's train/test split (30% test, stratified), with NaN injected in two numeric
    columns so that missing numbers reach imputers and the tree alike."""
    frame = load_adult()
    X, y = frame.drop(columns=ADULT_TARGET), frame[ADULT_TARGET]
    rng = np.random.default_rng(0)
    X = X.copy()
    for column in ("age", "hours_per_week"):
        X[column] = X[column].astype(np.float64)
        X.loc[rng.random(len(X)) < 0.03, column] = np.nan
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)


def _is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def route(nodes, row):
    """The leaf a raw row reaches by the raw-unit rules alone."""
    node = nodes[0]
    while node.condition is not None:
        condition = node.condition
        assert condition.exact, condition
        value = row[condition.feature]
        if _is_missing(value):
            assert condition.missing in ("left", "right"), condition
            left = condition.missing == "left"
        elif condition.op == "<=":
            left = value <= condition.boundary
        elif condition.op == "==":
            left = value == condition.value
        elif condition.op == "!=":
            left = value != condition.value
        elif condition.op == "in":
            left = value in condition.value
        elif condition.op == "not in":
            left = value not in condition.value
        else:
            raise AssertionError(f"unknown op {condition.op!r}")
        node = nodes[node.left if left else node.right]
    return node.node


def step_holds(step):
    """Whether an explanation step is true of its row value (independently of the model)."""
    op, value, row_value = step["op"], step["value"], step["row_value"]
    if op == "is missing":
        return row_value is None
    return {
        "<=": lambda: row_value <= value,
        ">": lambda: row_value > value,
        "==": lambda: row_value == value,
        "!=": lambda: row_value != value,
        "in": lambda: row_value in value,
        "not in": lambda: row_value not in value,
    }[op]()


def random_pipeline(seed):
    """A pipeline drawn at random: scaler kinds, one-hot (any drop, infrequent groups) or
    ordinal codes (possibly scaled), imputation or NaN passed to the tree."""
    rng = np.random.default_rng(seed)
    numeric = []
    if rng.random() < 0.7:
        numeric.append(("impute", SimpleImputer(strategy=str(rng.choice(["mean", "median"])))))
    scaler = rng.choice(["minmax", "minmax-wide", "standard", "standard-nomean", "none"])
    if scaler == "minmax":
        numeric.append(("scale", MinMaxScaler()))
    elif scaler == "minmax-wide":
        numeric.append(("scale", MinMaxScaler(feature_range=(-3.0, 2.5))))
    elif scaler == "standard":
        numeric.append(("scale", StandardScaler()))
    elif scaler == "standard-nomean":
        numeric.append(("scale", StandardScaler(with_mean=False)))
    categorical = []
    impute = rng.choice(["most_frequent", "constant", "none"])
    if impute == "most_frequent":
        categorical.append(("impute", SimpleImputer(strategy="most_frequent")))
    elif impute == "constant":
        categorical.append(("impute", SimpleImputer(strategy="constant", fill_value="absent")))
    if rng.random() < 0.6:
        drop = [None, "first", "if_binary"][int(rng.integers(3))]
        if rng.random() < 0.4:
            encoder = OneHotEncoder(
                handle_unknown="infrequent_if_exist", min_frequency=200, drop=drop
            )
        else:
            encoder = OneHotEncoder(handle_unknown="ignore", drop=drop)
        categorical.append(("encode", encoder))
    else:
        categorical.append(
            ("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))
        )
        if rng.random() < 0.5:
            categorical.append(("scale", StandardScaler()))
    steps = [
        ("numeric", Pipeline(numeric) if numeric else "passthrough", NUMERIC),
        ("categorical", Pipeline(categorical), CATEGORICAL),
    ]
    tree = DecisionTree(
        max_depth=int(rng.integers(4, 13)),
        criterion=str(rng.choice(["gini", "entropy"])),
        min_samples_leaf=int(rng.integers(1, 20)),
        random_state=seed,
    )
    return Pipeline([("preprocess", ColumnTransformer(steps)), ("tree", tree)])


def model_leaves(model, X):
    return model[-1].apply(model[:-1].transform(X))


@pytest.mark.parametrize("seed", range(6))
def test_raw_rules_route_every_test_row_to_the_models_leaf(adult_split, seed):
    X_train, X_test, y_train, _ = adult_split
    model = random_pipeline(seed).fit(X_train, y_train)
    nodes = raw_node_view(model)
    expected = model_leaves(model, X_test)
    records = X_test.to_dict(orient="records")
    reached = np.array([route(nodes, row) for row in records])
    mismatched = np.flatnonzero(reached != expected)
    assert mismatched.size == 0, (seed, records[mismatched[0]])
    kinds = {node.condition.op for node in nodes if node.condition is not None}
    assert "<=" in kinds and kinds & {"==", "!=", "in", "not in"}, kinds


@pytest.mark.parametrize("seed", [0, 3])
def test_explanations_follow_the_models_path_and_hold(adult_split, seed):
    X_train, X_test, y_train, _ = adult_split
    model = random_pipeline(seed).fit(X_train, y_train)
    rows = X_test.iloc[:2000]
    explanations = model.explain(rows)
    leaves = model_leaves(model, rows)
    proba = model.predict_proba(rows)
    json.dumps(explanations)  # plain JSON types only
    for explanation, leaf, p in zip(explanations, leaves, proba):
        assert explanation["leaf"]["node"] == leaf
        depth = 0
        for step in explanation["rules"]:
            assert step_holds(step), step
            depth += 1
        assert depth == len(explanation["rules"])
        distribution = explanation["leaf"]["distribution"]
        np.testing.assert_allclose(
            [distribution[str(c)] for c in model.classes_], p, rtol=0, atol=1e-6
        )
    missing_steps = [s for e in explanations for s in e["rules"] if s["op"] == "is missing"]
    assert all(s["note"] for s in missing_steps)


def _fit_one_column(transformer, values, y):
    X = pd.DataFrame({"age": values})
    return Pipeline([("scale", transformer), ("tree", DecisionTree(max_depth=1))]).fit(X, y)


@pytest.mark.parametrize(
    "transformer",
    [MinMaxScaler(), StandardScaler(), MinMaxScaler(feature_range=(-7, 3)), "passthrough"],
    ids=["minmax", "standard", "minmax-range", "passthrough"],
)
def test_a_scaled_threshold_reads_as_the_raw_midpoint(transformer):
    ages = np.arange(17, 91, dtype=np.float64)
    y = np.where(ages > 40, "old", "young")
    model = _fit_one_column(transformer, ages, y)
    (root, *_) = raw_node_view(model)
    condition = root.condition
    assert (condition.feature, condition.op, condition.value) == ("age", "<=", 40.5)
    assert 40 <= condition.boundary < 41
    missing_left = bool(model[-1].tree_.missing_go_to_left[0])  # NaN passes the scalers
    assert condition.missing == ("left" if missing_left else "right")
    assert condition.text(True) == "age <= 40.50" + (" or missing" if missing_left else "")
    assert condition.text(False) == "age > 40.50" + ("" if missing_left else " or missing")
    # exact: the boundary is the largest raw value the tree itself sends left
    scaled = np.asarray(model[:-1].transform(pd.DataFrame({"age": [condition.boundary]})))
    above = np.nextafter(condition.boundary, np.inf)
    scaled_above = np.asarray(model[:-1].transform(pd.DataFrame({"age": [above]})))
    threshold = model[-1].tree_.threshold[0]
    assert np.float32(scaled[0, 0]) <= threshold < np.float32(scaled_above[0, 0])


def test_one_hot_with_drop_and_an_imputed_category():
    X = pd.DataFrame({"colour": ["red", "blue", None, "green", "red", "blue"] * 20})
    y = np.where(X["colour"].isin(["blue"]) | X["colour"].isna(), "b", "other")
    for drop in (None, ["green"], ["red"]):
        model = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value="blue")),
                ("encode", OneHotEncoder(drop=drop, handle_unknown="ignore")),
                ("tree", DecisionTree(max_depth=1)),
            ]
        ).fit(X, y)
        condition = raw_node_view(model)[0].condition
        assert (condition.feature, condition.op, condition.value) == ("colour", "!=", "blue")
        assert condition.missing == "right"  # imputed as "blue", which goes right
        assert condition.note == "missing values are imputed as blue"
        assert condition.text(False) == "colour == blue or missing"


def test_one_hot_if_binary_keeps_one_column():
    X = pd.DataFrame({"sex": ["Female", "Male", "Male"] * 20})
    y = np.where(X["sex"] == "Male", 1, 0)
    model = Pipeline(
        [("encode", OneHotEncoder(drop="if_binary")), ("tree", DecisionTree(max_depth=1))]
    ).fit(X, y)
    assert model[0].get_feature_names_out().tolist() == ["sex_Male"]
    condition = raw_node_view(model)[0].condition
    assert (condition.feature, condition.op, condition.value) == ("sex", "!=", "Male")
    assert condition.missing is None  # a missing value is an error for this encoder


def test_ordinal_codes_become_category_sets():
    cats = ["a", "b", "c", "d", "e"]
    X = pd.DataFrame({"letter": cats * 30})
    y = np.where(X["letter"].isin(["a", "b"]), 1, 0)
    model = Pipeline([("encode", OrdinalEncoder()), ("tree", DecisionTree(max_depth=1))]).fit(X, y)
    condition = raw_node_view(model)[0].condition
    codes = model[0].transform(pd.DataFrame({"letter": cats}))[:, 0]
    threshold = model[-1].tree_.threshold[0]
    left = tuple(c for c, code in zip(cats, codes) if code <= threshold)
    assert left == ("a", "b")
    assert (condition.op, condition.value) == ("in", left)
    assert condition.text(False) == "letter not in {a, b}"
    assert NEGATED[condition.op] == "not in"


def test_unseen_categories_satisfy_the_side_they_go_to():
    X = pd.DataFrame({"letter": list("abcde") * 30})
    y = np.where(X["letter"].isin(["a", "b", "c"]), 1, 0)
    model = Pipeline(
        [
            ("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
            ("tree", DecisionTree(max_depth=1)),
        ]
    ).fit(X, y)
    nodes = raw_node_view(model)
    condition = nodes[0].condition
    # unseen letters are coded -1 and go left, so the left test must hold for them
    assert (condition.op, condition.value) == ("not in", ("d", "e"))
    unseen = pd.DataFrame({"letter": ["z"]})
    assert route(nodes, {"letter": "z"}) == model_leaves(model, unseen)[0]


def test_a_transform_without_inverse_is_said_so():
    X = pd.DataFrame({"x": np.linspace(-3, 3, 61)})
    y = np.where(np.abs(X["x"]) > 1.5, 1, 0)
    model = Pipeline(
        [
            ("square", FunctionTransformer(np.square, feature_names_out="one-to-one")),
            ("tree", DecisionTree(max_depth=1)),
        ]
    ).fit(X, y)
    condition = raw_node_view(model)[0].condition
    assert not condition.exact
    assert condition.feature == "x"  # the transformed column's name
    assert "no declared inverse" in condition.note
    assert condition.text(True).endswith("(transformed units)")
    explanation = model.explain(X.head(1))[0]
    assert explanation["rules"][0]["note"].startswith("not in raw units")
    assert explanation["rules"][0]["row_value"] == 9.0  # the transformed value


class _Log1p(FunctionTransformer):
    """A transformer declaring its monotone inverse per column (the documented protocol)."""

    def __init__(self):
        super().__init__(np.log1p, feature_names_out="one-to-one")

    def monotone_column_map(self, j):
        return (math.log1p, math.expm1)


def test_declared_monotone_inverse_is_used():
    values = np.arange(0, 200, dtype=np.float64)
    X = pd.DataFrame({"gain": values})
    y = np.where(values > 120, 1, 0)
    model = Pipeline([("log", _Log1p()), ("tree", DecisionTree(max_depth=1))]).fit(X, y)
    condition = raw_node_view(model)[0].condition
    assert condition.exact and condition.feature == "gain"
    assert 120 <= condition.boundary < 121
    nodes = raw_node_view(model)
    reached = [route(nodes, {"gain": v}) for v in values]
    np.testing.assert_array_equal(reached, model_leaves(model, X))


def test_regressor_leaf_value_and_bare_tree():
    X = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0)[::-1]})
    y = X["a"] * 2.0
    model = Pipeline([("scale", StandardScaler()), ("tree", DecisionTreeRegressor(max_depth=2))])
    model.fit(X, y)
    explanation = model.explain(X.iloc[[0]])[0]
    leaf = explanation["leaf"]
    assert leaf["value"] == pytest.approx(model.predict(X.iloc[[0]])[0])
    assert "distribution" not in leaf
    bare = DecisionTree(max_depth=2).fit(X, y > 50)
    nodes = raw_node_view(bare)
    reached = [route(nodes, row) for row in X.to_dict(orient="records")]
    np.testing.assert_array_equal(reached, bare.apply(X))


def test_bad_input_gets_a_clear_error():
    model = Pipeline([("scale", MinMaxScaler()), ("tree", DecisionTree())])
    with pytest.raises(Exception, match="not fitted"):
        model.explain(pd.DataFrame({"a": [1.0]}))
    fitted = Pipeline([("scale", MinMaxScaler())]).fit(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="not a fitted decision tree"):
        raw_node_view(fitted)


@pytest.mark.parametrize("seed", [1, 4])
def test_fast_json_text_equals_the_explanations(adult_split, seed):
    from pipeline.explain_rows import Explainer

    X_train, X_test, y_train, _ = adult_split
    model = random_pipeline(seed).fit(X_train, y_train)
    explainer = Explainer(model)
    rows = X_test.iloc[:3000]
    transformed = np.asarray(model[:-1].transform(rows), dtype=np.float64)
    columns = {c: rows[c].tolist() for c in rows.columns}
    texts = explainer.explain_json(transformed, columns)
    expected = explainer.explain_columns(transformed, columns)
    assert [json.loads(t) for t in texts] == json.loads(json.dumps(expected))
    assert any('"is missing"' in t for t in texts)


def test_fast_json_text_of_unmappable_columns_and_odd_values():
    from pipeline.explain_rows import Explainer

    X = pd.DataFrame({"x": np.linspace(-3, 3, 61), "c": ["a%s", 'b"q', None] * 20 + ["a%s"]})
    y = np.where((np.abs(X["x"]) > 1.5) | (X["c"] == 'b"q'), 1, 0)
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [
                        (
                            "sq",
                            FunctionTransformer(np.square, feature_names_out="one-to-one"),
                            ["x"],
                        ),
                        (
                            "c",
                            Pipeline(
                                [
                                    ("i", SimpleImputer(strategy="most_frequent")),
                                    ("o", OneHotEncoder()),
                                ]
                            ),
                            ["c"],
                        ),
                    ]
                ),
            ),
            ("tree", DecisionTree(max_depth=4)),
        ]
    ).fit(X, y)
    explainer = Explainer(model)
    transformed = np.asarray(model[:-1].transform(X), dtype=np.float64)
    columns = {c: X[c].tolist() for c in X.columns}
    texts = explainer.explain_json(transformed, columns)
    assert [json.loads(t) for t in texts] == json.loads(
        json.dumps(explainer.explain_columns(transformed, columns))
    )


# ---------------------------------------------------------------- the fast JSON text, byte for byte
def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def reference_explanation_dicts(model, transformed, columns):
    """Each row's explanation built the slow, obvious way: walk the model's own path (from
    ``apply``) and write one dict per step from the raw-unit node view."""
    tree = model[-1] if hasattr(model, "steps") else model
    nodes = raw_node_view(model)
    parent = {}
    for node in nodes:
        if not node.is_leaf:
            parent[node.left] = (node.node, "left")
            parent[node.right] = (node.node, "right")
    out = []
    for row, leaf in enumerate(tree.apply(transformed).tolist()):
        path, node = [], leaf
        while node in parent:
            node, side = parent[node]
            path.append((node, side))
        rules = []
        for node, side in reversed(path):
            condition = nodes[node].condition
            op = condition.op if side == "left" else NEGATED[condition.op]
            if condition.exact:
                row_value = columns[condition.feature][row]
            else:
                row_value = float(transformed[row, tree.tree_.feature[node]])
            if row_value is None or row_value is pd.NA or row_value != row_value:
                note = "missing"
                if condition.missing == side:
                    note = condition.note or "a missing value goes this way"
                rules.append(
                    {"feature": condition.feature, "op": "is missing", "value": None,
                     "row_value": None, "note": note}
                )  # fmt: skip
                continue
            value = _plain(condition.value)
            if condition.boundary is not None and (row_value <= value) != (op == "<="):
                value = condition.boundary
            step = {"feature": condition.feature, "op": op, "value": value, "row_value": row_value}
            if not condition.exact and condition.note:
                step["note"] = condition.note
            rules.append(step)
        counts = np.asarray(nodes[leaf].value, dtype=np.float64)
        info = {"node": leaf, "samples": nodes[leaf].n_samples}
        if hasattr(tree, "classes_"):
            total = float(counts.sum()) or 1.0
            info["distribution"] = {
                str(c): round(float(v) / total, 6) for c, v in zip(tree.classes_.tolist(), counts)
            }
        else:
            info["value"] = float(counts[0])
        out.append({"rules": rules, "leaf": info})
    return out


def assert_fast_json_is_the_reference(model, transformed, columns):
    from pipeline.explain_rows import FEW_ROWS, Explainer

    assert len(transformed) >= FEW_ROWS  # the fast path, not the dict path, is under test
    explainer = Explainer(model)

    def no_dicts(*args):
        raise AssertionError("the fast path fell back to building dicts")

    explainer.explain_columns = no_dicts
    expected = [
        json.dumps(e, separators=(",", ":"))
        for e in reference_explanation_dicts(model, transformed, columns)
    ]
    texts = explainer.explain_json(transformed, columns)
    for row, (text, reference) in enumerate(zip(texts, expected)):
        assert text == reference, (row, text, reference)
    assert len(texts) == len(expected)
    array = explainer.explain_json_array(transformed, columns)
    assert array == ("[" + ",".join(expected) + "]").encode()
    return texts


@pytest.mark.parametrize("seed", [0, 2, 5])
@pytest.mark.parametrize("as_json", [True, False], ids=["json-ints", "float-arrays"])
def test_fast_json_is_byte_for_byte_the_reference_on_adult(adult_split, seed, as_json):
    """Every row of Adult's test split: the fast text equals json.dumps of the dicts."""
    X_train, X_test, y_train, _ = adult_split
    model = random_pipeline(seed).fit(X_train, y_train)
    transformed = np.asarray(model[:-1].transform(X_test), dtype=np.float64)
    if as_json:  # as a JSON body gives them: ints stay ints, missing is None
        frame = X_test.astype(object).where(X_test.notna(), None)
        columns = {c: tuple(frame[c].tolist()) for c in frame.columns}
    else:  # as batch scoring gives them: numbers as float arrays (NaN missing)
        columns = {
            c: X_test[c].to_numpy(dtype=np.float64) if c in NUMERIC else X_test[c].tolist()
            for c in X_test.columns
        }
    texts = assert_fast_json_is_the_reference(model, transformed, columns)
    assert any('"is missing"' in t for t in texts)
    whole = re.compile(r'"row_value":-?\d+[,}]')  # an int's text: no point, no exponent
    assert any(whole.search(t) for t in texts) == as_json
    assert any(re.search(r'"row_value":-?\d+\.\d', t) for t in texts)


def test_fast_json_of_odd_values_is_byte_for_byte_the_reference():
    """Values the per-column encoders must get exactly right: ints and floats mixed in one
    column, -0.0, huge ints, NaN and None, numbers and unseen strings among categories, a row
    between a rounded threshold and the exact one, and quotes and non-ASCII text."""
    rng = np.random.default_rng(7)
    n = 400
    X = pd.DataFrame(
        {
            "x": rng.normal(0, 30, n).round(1),
            "k": rng.integers(-50, 50, n).astype(np.float64),
            "c": rng.choice(["a%s", 'b"q', "café", "d"], n),
        }
    )
    y = np.where((X["x"] > 4.3) ^ (X["c"] == 'b"q') ^ (X["k"] > 7), 1, 0)
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [
                        ("num", MinMaxScaler(), ["x", "k"]),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), ["c"]),
                    ]
                ),
            ),
            ("tree", DecisionTree(max_depth=6, random_state=0)),
        ]
    ).fit(X, y)
    nodes = raw_node_view(model)
    between = [
        np.nextafter(n.condition.value, np.inf)
        for n in nodes
        if n.condition is not None
        and n.condition.feature == "x"
        and n.condition.boundary is not None
        and n.condition.value < np.nextafter(n.condition.value, np.inf) <= n.condition.boundary
    ]
    assert between, "no threshold of x was rounded below its exact value"
    x_values = [None, float("nan"), -0.0, 0.0, 4, 4.0, *between] * 20
    k_values = [2**62, -(2**40), 7, 8, -3, None, 0] * 20
    c_values = ["a%s", 'b"q', "café", None, 1, 1.0, True, "never seen", float("nan")] * 20
    m = min(len(x_values), len(k_values), len(c_values))
    columns = {"x": x_values[:m], "k": k_values[:m], "c": c_values[:m]}
    as_numbers = pd.DataFrame(
        {
            "x": [np.nan if v is None else float(v) for v in columns["x"]],
            "k": [np.nan if v is None else float(v) for v in columns["k"]],
            "c": [v if isinstance(v, str) else "d" for v in columns["c"]],
        }
    )
    transformed = np.asarray(model[:-1].transform(as_numbers), dtype=np.float64)
    texts = assert_fast_json_is_the_reference(model, transformed, columns)
    assert any(
        str(b) in t for b in (n.condition.boundary for n in nodes if n.condition) for t in texts
    )
    # the same columns again: remembered categories give the same text
    assert_fast_json_is_the_reference(model, transformed, columns)
    # ints only (the kernel writes them), then floats only, in the same explainer's columns
    for k in ([int(v) for v in rng.integers(-(2**62), 2**62, m)], rng.normal(size=m).tolist()):
        assert_fast_json_is_the_reference(model, transformed, {**columns, "k": k})
