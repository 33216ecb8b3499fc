"""Pictures of a fitted tree's nodes, drawn with matplotlib.

- ``plot_tree``: every node as a box (test, impurity, samples, value, class), coloured by the
  majority class (regression: by value) with an intensity that grows with purity.
- ``plot_decision_path``: the same tree with one sample's root-to-leaf path emphasised and the
  test at each path node written with the sample's value; the other nodes are faded.

Both accept a fitted pipeline ending in a tree (anything with ``steps`` and
``raw_node_view()``, as :class:`pipeline.Pipeline`): the tests are then written on the raw input
columns (``age <= 28.50``, ``sex == Male``) instead of the transformed ones.

Artists carry ``gid`` tags so that programs (and the tests) can find them: node boxes
``"node:<id>"`` (``"path-node:<id>"`` on the highlighted path), edges ``"edge:<parent>-<child>"``
(``"path-edge:..."``).
"""

import numbers

import numpy as np

from tree._categorical_checks import predict_input
from tree._categorical_text import categorical_condition, category_text, is_categorical_node
from tree._tree import TREE_LEAF
from tree.export import (
    NodeStyle,
    check_class_names,
    check_int,
    default_feature_names,
    fitted_tree,
    is_classifier,
    preorder,
    rule_source,
)

_TRUNCATED_COLOR = "#C0C0C0"
_FADED_ALPHA = 0.3
_PATH_COLOR = "#b2182b"
_MIN_FONTSIZE = 4.0
_START_FONTSIZE = 12.0
_TARGET_FONTSIZE = 10.0
_AXES_FRACTION = 0.99


# --------------------------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------------------------
def _drawn_nodes(tree_, max_depth):
    """Drawn nodes in preorder as (node, depth, parent, shown), the children map, the levels.

    Nodes below ``max_depth`` are drawn (not shown) as "(...)" markers, like scikit-learn.
    """
    drawn = [
        (node, depth, parent, max_depth is None or depth <= max_depth)
        for node, depth, parent in preorder(tree_, max_depth)
    ]
    children = {}
    for node, _, parent, _ in drawn:
        if parent is not None:
            children.setdefault(parent, []).append(node)
    n_levels = max(depth for _, depth, _, _ in drawn) + 1
    return drawn, children, n_levels


def _row_y(depth, n_levels):
    return 1.0 - (depth + 0.5) / n_levels


def _tidy_x(drawn, children, widths):
    """Horizontal centres of the boxes, and the total width, for boxes of the given widths.

    Each subtree owns an interval as wide as the larger of its root's box and its two subtrees
    side by side; siblings' intervals do not overlap, so neither do boxes of one level. A parent
    sits midway between its children when its box fits its interval there.
    """
    span = {}
    for node, _, _, _ in reversed(drawn):
        if node in children:
            left, right = children[node]
            span[node] = max(widths[node], span[left] + span[right])
        else:
            span[node] = widths[node]
    start = {drawn[0][0]: 0.0}
    for node, _, _, _ in drawn:
        if node in children:
            left, right = children[node]
            start[left] = start[node] + (span[node] - span[left] - span[right]) / 2
            start[right] = start[left] + span[left]
    x = {}
    for node, _, _, _ in reversed(drawn):
        if node in children:
            left, right = children[node]
            half = widths[node] / 2
            middle = (x[left] + x[right]) / 2
            x[node] = min(max(middle, start[node] + half), start[node] + span[node] - half)
        else:
            x[node] = start[node] + span[node] / 2
    return x, span[drawn[0][0]]


def _box_sizes(figure, boxes, fontsize):
    """Width (with a gap) and height of each box in pixels at ``fontsize``."""
    points = figure.dpi / 72.0
    gap = 0.6 * fontsize * points
    renderer = None
    get_renderer = getattr(figure.canvas, "get_renderer", None)
    if get_renderer is not None:
        renderer = get_renderer()
    sizes = {}
    for node, box in boxes.items():
        box.set_fontsize(fontsize)
        if renderer is not None:
            extent = box.get_window_extent(renderer)
            width, height = extent.width, extent.height
        else:  # no renderer on this backend: estimate from the characters
            lines = box.get_text().splitlines() or [""]
            width = max(len(line) for line in lines) * 0.6 * fontsize * points
            height = len(lines) * 1.2 * fontsize * points
        pad = 2 * (0.3 * fontsize + box.get_bbox_patch().get_linewidth()) * points
        sizes[node] = (width + pad + gap, height + pad)
    return sizes


def _arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure):
    """Place the boxes without overlap and choose the font size; return the axes positions.

    Boxes are measured at a font size, laid out side by side, and measured again at a smaller
    size while they do not fit. With ``size_figure`` (a figure made by us) the figure is first
    resized so that the boxes fit at about 10 pt, within 6.4 x 4.8 and 36 x 20 inches.
    """
    figure = ax.figure
    size = fontsize or _START_FONTSIZE
    for attempt in range(5):
        sizes = _box_sizes(figure, boxes, size)
        x, total = _tidy_x(drawn, children, {node: width for node, (width, _) in sizes.items()})
        tallest = max(height for _, height in sizes.values())
        if attempt == 0 and size_figure:
            scale = _TARGET_FONTSIZE / size / figure.dpi
            width = min(max(6.4, total * scale / _AXES_FRACTION), 36.0)
            height = min(max(4.8, n_levels * tallest * scale * 1.8 / _AXES_FRACTION), 20.0)
            figure.set_size_inches(width, height)
        if fontsize is not None or size <= _MIN_FONTSIZE:
            break
        axes_width = figure.get_figwidth() * figure.dpi * ax.get_position().width
        axes_height = figure.get_figheight() * figure.dpi * ax.get_position().height
        fit = size * min(axes_width / total, 0.85 * axes_height / n_levels / tallest)
        if fit >= size:
            break
        size = max(0.98 * fit, _MIN_FONTSIZE)
    depth_of = {node: depth for node, depth, _, _ in drawn}
    position = {}
    for node, box in boxes.items():
        position[node] = (x[node] / total, _row_y(depth_of[node], n_levels))
        box.set_position(position[node])
        box.xy = position[node]
    return position


# --------------------------------------------------------------------------------------------
# plot_tree
# --------------------------------------------------------------------------------------------
def plot_tree(
    model,
    ax=None,
    feature_names=None,
    class_names=None,
    filled=True,
    max_depth=None,
    fontsize=None,
    precision=2,
    impurity=True,
    proportion=False,
    label="all",
    node_ids=False,
    rounded=True,
    category_names=None,
):
    """Draw a fitted tree with matplotlib, one box per node.

    Parameters
    ----------
    model : DecisionTree, DecisionTreeRegressor or fitted Pipeline ending in one
        The fitted tree; a pipeline's splits are written on its raw input columns.
    ax : matplotlib Axes, optional
        Where to draw (cleared first). By default a new figure sized to the tree so that the
        labels are drawn at about 10 pt (between 6.4 x 4.8 and 36 x 20 inches): a tree of
        depth 4 is readable as it comes. Boxes are laid out side by side by their measured
        widths, so they never overlap when the font fits.
    feature_names : sequence of str, optional
        Default ``feature_names_in_`` when the model has it, else ``x[0]``, ``x[1]``, ...
    class_names : sequence, optional
        Default the classes themselves.
    filled : bool, default True
        Colour each node by its majority class (regression: its value), stronger when purer.
    max_depth : int, optional
        Levels drawn; deeper nodes are grey "(...)" boxes.
    fontsize : float, optional
        Default: the largest size (up to 12 pt) at which the boxes do not overlap.
    precision : int, default 2
        Digits for thresholds, impurity and values.
    impurity, proportion, node_ids : bool
        Show impurity; proportions instead of counts; node ids.
    label : {"all", "root", "none"}, default "all"
        Which nodes name their fields.
    rounded : bool, default True
        Rounded boxes.
    category_names : dict or sequence, optional
        Names of categorical features' codes, as in ``export_text``.

    Returns
    -------
    list of matplotlib.text.Annotation
        The node boxes, in preorder.
    """
    model, rules = rule_source(model, feature_names)
    tree_ = fitted_tree(model)
    style = NodeStyle(
        model,
        NodeStyle.PLAIN_MARKS,
        feature_names=default_feature_names(model, feature_names),
        class_names=_default_class_names(model, class_names),
        label=label,
        impurity=impurity,
        node_ids=node_ids,
        proportion=proportion,
        precision=precision,
        rules=rules,
        category_names=category_names,
    )
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    fontsize = _check_fontsize(fontsize)
    drawn, children, n_levels = _drawn_nodes(tree_, max_depth)
    ax, size_figure = _prepare_axes(ax)
    boxstyle = "round,pad=0.3" if rounded else "square,pad=0.3"

    boxes = {}
    for node, depth, _, shown in drawn:
        if shown:
            text = style.text(node)
            color = style.fill_color(node) if filled else "white"
        else:
            text, color = "(...)", _TRUNCATED_COLOR
        xy = (0.5, _row_y(depth, n_levels))
        boxes[node] = _node_box(ax, node, text, xy, color, boxstyle, f"node:{node}")
    position = _arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure)
    for node, _, parent, _ in drawn:
        if parent is not None:
            _edge(ax, parent, node, position, f"edge:{parent}-{node}", "black", 1.0)
    _root_edge_labels(ax, tree_, position, max_depth, boxes[0].get_fontsize())
    return list(boxes.values())


def _default_class_names(model, class_names):
    if class_names is None and is_classifier(model):
        return [str(name) for name in model.classes_]
    return check_class_names(model, class_names)


def _check_fontsize(fontsize):
    if fontsize is None:
        return None
    if isinstance(fontsize, bool) or not isinstance(fontsize, numbers.Real) or fontsize <= 0:
        raise ValueError(f"fontsize must be a positive number, got {fontsize!r}.")
    return float(fontsize)


def _prepare_axes(ax):
    """The axes to draw on, and whether it is a figure of our own (to be sized to the tree)."""
    if ax is None:
        import matplotlib.pyplot as plt

        figure = plt.figure()
        margin = (1 - _AXES_FRACTION) / 2
        ax = figure.add_axes((margin, margin, _AXES_FRACTION, _AXES_FRACTION))
        created = True
    else:
        ax.clear()
        created = False
    ax.set_axis_off()
    return ax, created


def _node_box(
    ax,
    node,
    text,
    xy,
    color,
    boxstyle,
    gid,
    alpha=1.0,
    edgecolor="black",
    linewidth=1.0,
    textcolor="black",
):
    box = ax.annotate(
        text,
        xy,
        xycoords="axes fraction",
        ha="center",
        va="center",
        zorder=3,
        color=textcolor,
        annotation_clip=False,
        bbox={"boxstyle": boxstyle, "fc": color, "ec": edgecolor, "lw": linewidth, "alpha": alpha},
    )
    box.set_gid(gid)
    return box


def _edge(ax, parent, node, position, gid, color, linewidth, alpha=1.0):
    (x0, y0), (x1, y1) = position[parent], position[node]
    (line,) = ax.plot(
        [x0, x1],
        [y0, y1],
        transform=ax.transAxes,
        color=color,
        linewidth=linewidth,
        alpha=alpha,
        zorder=1,
        clip_on=False,
    )
    line.set_gid(gid)
    return line


def _root_edge_labels(ax, tree_, position, max_depth, fontsize):
    if tree_.children_left[0] == TREE_LEAF or max_depth == 0:
        return
    (x0, y0) = position[0]
    for child, text, ha in (
        (int(tree_.children_left[0]), "True  ", "right"),
        (int(tree_.children_right[0]), "  False", "left"),
    ):
        x1, y1 = position[child]
        label = ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            text,
            transform=ax.transAxes,
            ha=ha,
            va="center",
            zorder=2,
            fontsize=fontsize,
        )
        label.set_gid("edge-label")


# --------------------------------------------------------------------------------------------
# plot_decision_path
# --------------------------------------------------------------------------------------------
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
        class_names=_default_class_names(model, class_names),
        precision=precision,
        rules=rules,
        category_names=category_names,
    )
    names = style.feature_names or [f"x[{i}]" for i in range(int(model.n_features_in_))]
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    fontsize = _check_fontsize(fontsize)
    if rules is None:
        row, frame = _one_sample(model, x)
        path = _decision_path(model, tree_, row, frame)
        steps = None
    else:
        row, (path, steps) = None, _explained_path(pipeline, rules, x)
    on_path = set(path)

    drawn, children, n_levels = _drawn_nodes(tree_, max_depth)
    ax, size_figure = _prepare_axes(ax)
    boxes = {}
    for node, depth, _, shown in drawn:
        highlighted = node in on_path and shown
        color = style.fill_color(node) if filled and shown else "white"
        if not highlighted:  # faded, but opaque so that edges stay behind the box
            color = _faded(color)
        if not shown:
            text, color = "(...)", _TRUNCATED_COLOR
        elif highlighted and steps is not None:
            text = _raw_path_text(style, tree_, node, path, steps, precision)
        elif highlighted:
            text = _path_text(style, tree_, node, path, row, names, precision)
        else:
            text = _short_text(style, tree_, node)
        boxes[node] = _node_box(
            ax,
            node,
            text,
            (0.5, _row_y(depth, n_levels)),
            color,
            "round,pad=0.3",
            f"path-node:{node}" if highlighted else f"node:{node}",
            edgecolor=_PATH_COLOR if highlighted else "#b0b0b0",
            linewidth=2.5 if highlighted else 0.8,
            textcolor="black" if highlighted else "#888888",
        )
    position = _arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure)
    for node, _, parent, shown in drawn:
        if parent is None:
            continue
        if node in on_path and parent in on_path and shown:
            _edge(ax, parent, node, position, f"path-edge:{parent}-{node}", _PATH_COLOR, 3.0)
        else:
            gid = f"edge:{parent}-{node}"
            _edge(ax, parent, node, position, gid, "grey", 0.8, alpha=_FADED_ALPHA)
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
