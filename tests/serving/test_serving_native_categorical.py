"""Serving's pandas-free path scores a native-categorical model as the pipeline does,
unseen categories and missing values included (the tree routes the fast path's matrix)."""

import numpy as np
import pandas as pd
from serving_support import json_rows

from pipeline.serving.fast_path import build_fast_transform
from pipeline.serving.signature import ColumnSpec, Signature
from pipeline.workflow.config import load_config
from pipeline.workflow.model_factory import build_pipeline


def test_fast_path_scores_a_native_categorical_model_like_the_pipeline():
    rng = np.random.default_rng(0)
    n = 800
    work = rng.choice(["Private", "Self-emp-inc", "Gov", "Never"], n)
    age = rng.integers(18, 80, n).astype(float)
    y = np.where(np.isin(work, ["Gov", "Self-emp-inc"]) ^ (age > 60), ">50K", "<=50K")
    X = pd.DataFrame({"age": age, "workclass": work})
    config, _ = load_config(
        None,
        overrides=[
            "model.pipeline.encoding=native",
            "model.numeric_features=[age]",
            "model.categorical_features=[workclass]",
            "model.tree.max_depth=4",
        ],
    )
    model = build_pipeline(config).fit(X, y)
    tree = model.steps[-1][1]
    assert np.any(tree.tree_.categorical_node >= 0)
    X_test = X.iloc[:200].copy()
    X_test.loc[X_test.index[:20], "workclass"] = "Astronaut"  # never seen in training
    X_test.loc[X_test.index[20:30], "workclass"] = np.nan
    signature = Signature([ColumnSpec("age", "double"), ColumnSpec("workclass", "string")])
    fast = build_fast_transform(model, signature)
    assert fast is not None
    rows = json_rows(X_test)
    columns = signature.validate_columns(dict(zip(X_test.columns, map(list, zip(*rows)))))
    matrix = fast.transform(columns)
    np.testing.assert_array_equal(tree.predict_proba(matrix), model.predict_proba(X_test))
