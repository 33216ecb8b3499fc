"""export_text / export_graphviz / plot_tree / plot_decision_path given a fitted pipeline.

The splits must read on the raw input columns, and each line must be the pipeline's own
raw-unit condition; the tree-only output must not change.
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from pipeline import ColumnTransformer, Pipeline
from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer
from tree import DecisionTree, export_graphviz, export_text, plot_decision_path, plot_tree

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    n = 600
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(np.float64),
            "gain": rng.integers(0, 10_000, n).astype(np.float64),
            "colour": rng.choice(["red", "green", "blue"], n),
        }
    )
    X.loc[rng.random(n) < 0.05, "age"] = np.nan
    y = np.where((X["age"].fillna(40) > 45) & (X["colour"] != "blue") | (X["gain"] > 8000), 1, 0)
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", MinMaxScaler())])
    model = Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        ("numeric", numeric, ["age", "gain"]),
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), ["colour"]),
                    ]
                ),
            ),
            ("tree", DecisionTree(max_depth=3, random_state=0)),
        ]
    ).fit(X, y)
    return model, X


def test_export_text_reads_raw_columns(fitted):
    model, _ = fitted
    text = export_text(model)
    nodes = model.raw_node_view()
    assert "numeric__" not in text and "categorical__" not in text
    for node in nodes:
        if node.condition is not None:
            assert f"|--- {node.condition.text(True)}\n" in text
            assert f"|--- {node.condition.text(False)}\n" in text
    assert any(n.condition is not None and n.condition.op == "!=" for n in nodes)
    # the same tree exported alone keeps scikit-learn's format on the transformed names
    names = list(model[:-1].get_feature_names_out())
    assert "numeric__age <= " in export_text(model[-1], feature_names=names)


def test_export_graphviz_and_plot_tree_use_the_raw_conditions(fitted):
    model, _ = fitted
    dot = export_graphviz(model)
    root = model.raw_node_view()[0].condition.text(True, 3)
    assert f'0 [label="{root}\\n' in dot
    assert "class = 1" in dot
    boxes = plot_tree(model)
    assert boxes[0].get_text().splitlines()[0] == model.raw_node_view()[0].condition.text(True)
    with pytest.raises(ValueError, match="feature_names cannot be given with a pipeline"):
        export_text(model, feature_names=["a", "b", "c", "d", "e"])


def test_plot_decision_path_writes_the_raw_row(fitted):
    model, X = fitted
    row = X.iloc[[int(np.flatnonzero(X["age"].notna())[0])]]
    explanation = model.explain(row)[0]
    boxes = plot_decision_path(model, row)
    on_path = [b for b in boxes if b.get_gid().startswith("path-node:")]
    assert len(on_path) == len(explanation["rules"]) + 1
    first = explanation["rules"][0]
    assert on_path[0].get_text().startswith(f"{first['feature']} = ")
    assert f" {first['op']} " in on_path[0].get_text().splitlines()[0]
    assert on_path[-1].get_gid() == f"path-node:{explanation['leaf']['node']}"
    with pytest.raises(ValueError, match="one raw row"):
        plot_decision_path(model, X.head(2))
