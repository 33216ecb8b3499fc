"""The workflow's pipeline with ``model.pipeline.encoding: native``: ordinal codes split
natively by the tree, explained in raw categories, saved and loaded, unseen categories routed."""

import numpy as np
import pandas as pd
import pytest

from pipeline import persist
from pipeline.workflow.config import load_config
from pipeline.workflow.model_factory import build_pipeline


def _frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    work = rng.choice(["Private", "Self-emp-inc", "Gov", "Never", "Unpaid"], n)
    country = rng.choice([f"c{k}" for k in range(30)], n)
    age = rng.integers(18, 80, n).astype(float)
    y = np.where(
        np.isin(work, ["Gov", "Self-emp-inc"]) ^ np.isin(country, ["c3", "c7", "c11"]),
        ">50K",
        "<=50K",
    )
    frame = pd.DataFrame({"age": age, "workclass": work, "native_country": country})
    return frame, y


def _config(encoding):
    config, _ = load_config(
        None,
        overrides=[
            f"model.pipeline.encoding={encoding}",
            "model.numeric_features=[age]",
            "model.categorical_features=[workclass, native_country]",
            "model.tree.max_depth=4",
        ],
    )
    return config


def _holds(op, row_value, value):
    if op == "in":
        return row_value in value
    if op == "not in":
        return row_value not in value
    if op == "==":
        return row_value == value
    if op == "!=":
        return row_value != value
    return None  # numeric steps: not checked here


def test_native_pipeline_splits_categories_natively_and_explains_them():
    frame, y = _frame()
    model = build_pipeline(_config("native")).fit(frame, y)
    tree = model.steps[-1][1]
    np.testing.assert_array_equal(tree.is_categorical_, [False, True, True])
    assert np.any(tree.tree_.categorical_node >= 0)
    onehot = build_pipeline(_config("onehot")).fit(frame, y)
    assert model.score(frame, y) >= onehot.score(frame, y)
    for explanation in model.explain(frame.iloc[:50]):
        for step in explanation["rules"]:
            if step["feature"] in ("workclass", "native_country"):
                value = step["value"]
                value = tuple(value) if isinstance(value, list) else value
                assert _holds(step["op"], step["row_value"], value), step


def test_native_pipeline_unseen_category_goes_to_the_larger_child():
    frame, y = _frame()
    model = build_pipeline(_config("native")).fit(frame, y)
    tree = model.steps[-1][1]
    t = tree.tree_
    row = frame.iloc[[0]].copy()
    row["workclass"] = "Never-seen"
    transformed = model.steps[0][1].transform(row)
    assert transformed[0, 1] >= t.categorical_n_codes
    path = [int(v) for v in tree.decision_path(transformed).indices]
    checked = 0
    for here, there in zip(path, path[1:]):
        if t.feature[here] == 1:  # a workclass split: the unseen category took the larger child
            left, right = t.children_left[here], t.children_right[here]
            assert there == (left if t.n_node_samples[left] > t.n_node_samples[right] else right)
            checked += 1
    assert checked > 0
    assert model.predict(row).shape == (1,)


def test_native_pipeline_round_trip(tmp_path):
    frame, y = _frame()
    model = build_pipeline(_config("native")).fit(frame, y)
    persist.save(model, tmp_path / "m")
    loaded = persist.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.explain(frame.iloc[:3]) == model.explain(frame.iloc[:3])


def test_encoding_must_be_onehot_or_native():
    from pipeline.workflow.errors import ConfigError

    with pytest.raises(ConfigError, match="encoding"):
        load_config(None, overrides=["model.pipeline.encoding=ordinal"])
