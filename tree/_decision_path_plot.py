"""``plot_decision_path``: the tree with one sample's root-to-leaf path emphasised.

Each node on the path shows its test with the sample's value (or, with a pipeline, the raw
values from its ``explain``); the other nodes are faded. The layout and the drawing are
``tree._node_drawing``'s, the node labels ``tree._node_style``'s.
"""

import numpy as np

from tree._categorical_checks import predict_input
from tree._categorical_text import categorical_condition, category_text, is_categorical_node
from tree._export_common import check_int, default_feature_names, fitted_tree, rule_source
from tree._node_drawing import (
    TRUNCATED_COLOR,
    arrange,
    check_fontsize,
    default_class_names,
    drawn_nodes,
    edge,
    node_box,
    prepare_axes,
    row_y,
)
from tree._node_style import NodeStyle
from tree._tree import TREE_LEAF

_FADED_ALPHA = 0.3
_PATH_COLOR = "#b2182b"


def plot_decision_path(
    model,
    x,
    ax=None,
    feature_names=None,
    class_names=None,
    max_depth=None,
    fontsize=None,
    precision=2,
    filled=True,
    category_names=None,
):
    """Draw the tree with the root-to-leaf path of one sample highlighted.

    Each node on the path shows its test with the sample's value, e.g. ``age = 37 <= 40.5 →
    left`` (a missing value reads ``age = nan (missing) → left``); the leaf shows the
    prediction. Nodes and edges off the path are faded.

    Parameters
    ----------
    model : DecisionTree, DecisionTreeRegressor or fitted Pipeline ending in one
        The fitted tree. With a pipeline, the path is written in raw units (``age = 37 > 28.5
        → right``, ``sex = Male == Male → right``) from the pipeline's ``explain``.
    x : array-like of shape (n_features,) or (1, n_features), or a one-row DataFrame / Series
        The sample. A pandas object is aligned on ``feature_names_in_`` when the model has them.
        With a pipeline: one raw row as the pipeline takes it (a one-row DataFrame).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized to the tree.
    feature_names, class_names, max_depth, fontsize, precision, filled, category_names
        As in ``plot_tree``.

    Returns
    -------
    list of matplotlib.text.Annotation
        The node boxes, in preorder; those on the path have gid ``"path-node:<id>"``.
    """
    pipeline = model
    model, rules = rule_source(model, feature_names)
    tree_ = fitted_tree(model)
    names = default_feature_names(model, feature_names)
    style = NodeStyle(
        model,
        NodeStyle.PLAIN_MARKS,
        feature_names=names,
        class_names=default_class_names(model, class_names),
        precision=precision,
        rules=rules,
        category_names=category_names,
    )
    names = style.feature_names or [f"x[{i}]" for i in range(int(model.n_features_in_))]
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    fontsize = check_fontsize(fontsize)
    if rules is None:
        row, frame = _one_sample(model, x)
        path = _decision_path(model, tree_, row, frame)
        steps = None
    else:
        row, (path, steps) = None, _explained_path(pipeline, rules, x)
    on_path = set(path)

    drawn, children, n_levels = drawn_nodes(tree_, max_depth)
    ax, size_figure = prepare_axes(ax)
    boxes = {}
    for node, depth, _, shown in drawn:
        highlighted = node in on_path and shown
        color = style.fill_color(node) if filled and shown else "white"
        if not highlighted:  # faded, but opaque so that edges stay behind the box
            color = _faded(color)
        if not shown:
            text, color = "(...)", TRUNCATED_COLOR
        elif highlighted and steps is not None:
            text = _raw_path_text(style, tree_, node, path, steps, precision)
        elif highlighted:
            text = _path_text(style, tree_, node, path, row, names, precision)
        else:
            text = _short_text(style, tree_, node)
        boxes[node] = node_box(
            ax,
            node,
            text,
            (0.5, row_y(depth, n_levels)),
            color,
            "round,pad=0.3",
            f"path-node:{node}" if highlighted else f"node:{node}",
            edgecolor=_PATH_COLOR if highlighted else "#b0b0b0",
            linewidth=2.5 if highlighted else 0.8,
            textcolor="black" if highlighted else "#888888",
        )
    position = arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure)
    for node, _, parent, shown in drawn:
        if parent is None:
            continue
        if node in on_path and parent in on_path and shown:
            edge(ax, parent, node, position, f"path-edge:{parent}-{node}", _PATH_COLOR, 3.0)
        else:
            gid = f"edge:{parent}-{node}"
            edge(ax, parent, node, position, gid, "grey", 0.8, alpha=_FADED_ALPHA)
    return list(boxes.values())


def _faded(color):
    from matplotlib.colors import to_rgb

    return tuple(_FADED_ALPHA * channel + (1 - _FADED_ALPHA) for channel in to_rgb(color))


def _one_sample(model, x):
    """The sample as a float row, plus a one-row DataFrame when the model knows column names."""
    n_features = int(model.n_features_in_)
    frame = None
    if hasattr(x, "iloc"):  # a pandas Series or DataFrame
        import pandas as pd

        frame = x.to_frame().T if isinstance(x, pd.Series) else x
        if len(frame) != 1:
            raise ValueError(f"x must be one sample; got a DataFrame with {len(frame)} rows.")
        if hasattr(model, "feature_names_in_"):
            missing = [name for name in model.feature_names_in_ if name not in frame.columns]
            if missing:
                raise ValueError(f"x lacks the model's features {missing}.")
            frame = frame[list(model.feature_names_in_)]
        if getattr(model, "is_categorical_", None) is not None:  # pandas categories: codes
            frame = predict_input(model, frame)
        values = frame.to_numpy()
    else:
        values = np.asarray(x)
    if values.dtype.kind not in "biuf" and values.dtype.kind != "O":
        raise TypeError(f"x must be numeric, got dtype {values.dtype}.")
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"x must be numeric: {exc}") from exc
    if values.ndim == 2 and values.shape[0] == 1:
        values = values[0]
    if values.ndim != 1 or values.shape[0] != n_features:
        raise ValueError(
            f"x must hold one sample of {n_features} features; got shape {np.shape(x)}."
        )
    if np.any(np.isinf(values)):
        raise ValueError("x holds an infinite value; trees accept finite values or NaN.")
    if frame is None and hasattr(model, "feature_names_in_"):
        import pandas as pd

        frame = pd.DataFrame([values], columns=list(model.feature_names_in_))
    return values, frame


def _decision_path(model, tree_, row, frame):
    """Nodes from the root to the sample's leaf, as the model itself routes the sample."""
    sample = frame if frame is not None else row.reshape(1, -1)
    indicator = model.decision_path(sample)
    visited = set(int(node) for node in indicator.indices)
    path = [0]
    while tree_.children_left[path[-1]] != TREE_LEAF:
        node = path[-1]
        left, right = int(tree_.children_left[node]), int(tree_.children_right[node])
        path.append(left if left in visited else right)
    if set(path) != visited:
        raise RuntimeError("The model's decision_path is not a root-to-leaf path.")
    return path


def _format_number(value, digits):
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1:
        return str(round(value, digits))
    return f"{value:.{digits + 1}g}"


def _test_numbers(value, threshold, went_left, precision):
    """The sample's value and the threshold as text, with enough digits to read truthfully."""
    for digits in range(precision, 17):
        shown_threshold = round(float(threshold), digits)
        shown_value = _format_number(value, digits)
        if (float(shown_value) <= shown_threshold) == went_left:
            return shown_value, str(shown_threshold)
    return repr(float(value)), repr(float(threshold))


def _path_text(style, tree_, node, path, row, names, precision):
    lines = []
    if tree_.children_left[node] != TREE_LEAF:
        feature = int(tree_.feature[node])
        value = row[feature]
        went_left = path[path.index(node) + 1] == int(tree_.children_left[node])
        direction = "left" if went_left else "right"
        if np.isnan(value):
            lines.append(f"{names[feature]} = nan (missing) \u2192 {direction}")
        elif is_categorical_node(tree_, node):  # e.g. workclass = Private in {...} -> left
            cats = style.category_names.get(feature)
            test = categorical_condition(tree_, node, "", style.category_names, went_left)
            shown = category_text(value, cats)
            lines.append(f"{names[feature]} = {shown}{test} \u2192 {direction}")
        else:
            shown_value, threshold = _test_numbers(
                value, tree_.threshold[node], went_left, precision
            )
            sign = "<=" if went_left else ">"
            lines.append(f"{names[feature]} = {shown_value} {sign} {threshold} \u2192 {direction}")
    else:
        lines.append("prediction: " + _leaf_summary(style, tree_, node))
    lines.append(f"samples = {tree_.n_node_samples[node]}")
    return "\n".join(lines)


def _explained_path(pipeline, rules, x):
    """Nodes from the root to the leaf of raw row ``x``, and the pipeline's explained steps."""
    if hasattr(x, "to_frame") and not hasattr(x, "columns"):  # a Series: one row
        x = x.to_frame().T
    if not hasattr(x, "columns") or len(x) != 1:
        raise ValueError(
            "With a pipeline, x must be one raw row as a one-row DataFrame (or a Series), "
            f"got {type(x).__name__}" + (f" with {len(x)} rows." if hasattr(x, "columns") else ".")
        )
    explanation = pipeline.explain(x)[0]
    parent = {}
    for rule in rules:
        if rule.condition is not None:
            parent[rule.left] = rule.node
            parent[rule.right] = rule.node
    path = [int(explanation["leaf"]["node"])]
    while path[-1] in parent:
        path.append(parent[path[-1]])
    path.reverse()
    if len(path) != len(explanation["rules"]) + 1:
        raise RuntimeError("The pipeline's explanation does not follow a root-to-leaf path.")
    return path, explanation["rules"]


def _raw_path_text(style, tree_, node, path, steps, precision):
    position = path.index(node)
    if tree_.children_left[node] == TREE_LEAF:
        lines = ["prediction: " + _leaf_summary(style, tree_, node)]
    else:
        step = steps[position]
        went_left = path[position + 1] == int(tree_.children_left[node])
        direction = "left" if went_left else "right"
        if step["op"] == "is missing":
            lines = [f"{step['feature']} is missing \u2192 {direction}"]
        else:
            value = _raw_value_text(step["value"], precision)
            row_value = _raw_value_text(step["row_value"], precision)
            lines = [f"{step['feature']} = {row_value} {step['op']} {value} \u2192 {direction}"]
    lines.append(f"samples = {tree_.n_node_samples[node]}")
    return "\n".join(lines)


def _raw_value_text(value, precision):
    if isinstance(value, list):
        return "{" + ", ".join(str(v) for v in value) + "}"
    if isinstance(value, float):
        return _format_number(value, precision)
    return str(value)


def _short_text(style, tree_, node):
    if tree_.children_left[node] != TREE_LEAF:
        return style.split_text(node)
    return _leaf_summary(style, tree_, node)


def _leaf_summary(style, tree_, node):
    value = tree_.value[node][0]
    if not style.classifier:
        return f"value = {round(float(value[0]), style.precision)}"
    majority = int(np.argmax(value))
    names = style.class_names
    name = names[majority] if names not in (None, True) else f"y[{majority}]"
    return f"class = {name}"
