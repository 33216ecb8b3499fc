"""Teaching pictures of a fitted tree, drawn with matplotlib.

- ``plot_tree``: every node as a box (test, impurity, samples, value, class), coloured by the
  majority class (regression: by value) with an intensity that grows with purity.
- ``plot_decision_path``: the same tree with one sample's root-to-leaf path emphasised and the
  test at each path node written with the sample's value; the other nodes are faded.
- ``plot_decision_boundary``: the axis-aligned regions a tree draws over two features, with the
  points on top.

Artists carry ``gid`` tags so that programs (and the tests) can find them: node boxes
``"node:<id>"`` (``"path-node:<id>"`` on the highlighted path), edges ``"edge:<parent>-<child>"``
(``"path-edge:..."``), the region mesh ``"decision-regions"`` and split segments
``"split:<id>"``.
"""

import numbers

import numpy as np

from tree._tree import TREE_LEAF
from tree.export import (
    NodeStyle,
    check_class_names,
    check_int,
    color_palette,
    fitted_tree,
    is_classifier,
    preorder,
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
):
    """Draw a fitted tree with matplotlib, one box per node.

    Parameters
    ----------
    model : DecisionTree or DecisionTreeRegressor
        The fitted tree.
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

    Returns
    -------
    list of matplotlib.text.Annotation
        The node boxes, in preorder.
    """
    tree_ = fitted_tree(model)
    style = NodeStyle(
        model,
        NodeStyle.PLAIN_MARKS,
        feature_names=_default_feature_names(model, feature_names),
        class_names=_default_class_names(model, class_names),
        label=label,
        impurity=impurity,
        node_ids=node_ids,
        proportion=proportion,
        precision=precision,
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


def _default_feature_names(model, feature_names):
    if feature_names is None and hasattr(model, "feature_names_in_"):
        return [str(name) for name in model.feature_names_in_]
    return feature_names


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
):
    """Draw the tree with the root-to-leaf path of one sample highlighted.

    Each node on the path shows its test with the sample's value, e.g. ``age = 37 <= 40.5 →
    left`` (a missing value reads ``age = nan (missing) → left``); the leaf shows the
    prediction. Nodes and edges off the path are faded.

    Parameters
    ----------
    model : DecisionTree or DecisionTreeRegressor
        The fitted tree.
    x : array-like of shape (n_features,) or (1, n_features), or a one-row DataFrame / Series
        The sample. A pandas object is aligned on ``feature_names_in_`` when the model has them.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized to the tree.
    feature_names, class_names, max_depth, fontsize, precision, filled
        As in ``plot_tree``.

    Returns
    -------
    list of matplotlib.text.Annotation
        The node boxes, in preorder; those on the path have gid ``"path-node:<id>"``.
    """
    tree_ = fitted_tree(model)
    names = _default_feature_names(model, feature_names)
    style = NodeStyle(
        model,
        NodeStyle.PLAIN_MARKS,
        feature_names=names,
        class_names=_default_class_names(model, class_names),
        precision=precision,
    )
    names = style.feature_names or [f"x[{i}]" for i in range(int(model.n_features_in_))]
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    fontsize = _check_fontsize(fontsize)
    row, frame = _one_sample(model, x)
    path = _decision_path(model, tree_, row, frame)
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


def _short_text(style, tree_, node):
    if tree_.children_left[node] != TREE_LEAF:
        threshold = round(tree_.threshold[node], style.precision)
        return f"{style.feature_name(node)} <= {threshold}"
    return _leaf_summary(style, tree_, node)


def _leaf_summary(style, tree_, node):
    value = tree_.value[node][0]
    if not style.classifier:
        return f"value = {round(float(value[0]), style.precision)}"
    majority = int(np.argmax(value))
    names = style.class_names
    name = names[majority] if names not in (None, True) else f"y[{majority}]"
    return f"class = {name}"


# --------------------------------------------------------------------------------------------
# plot_decision_boundary
# --------------------------------------------------------------------------------------------
def plot_decision_boundary(
    model,
    X,
    y,
    features=(0, 1),
    ax=None,
    resolution=200,
    feature_names=None,
    class_names=None,
    alpha=0.4,
    cmap="viridis",
):
    """Draw the regions a fitted tree assigns over two features, with the points on top.

    The plane spanned by ``features`` is sampled on a ``resolution`` x ``resolution`` grid
    (5% margin around the data) and each grid cell is coloured by the model's prediction:
    classes with ``plot_tree``'s palette, regression values with ``cmap``. When the model was
    fitted on exactly these two features, the split segments are drawn too (axis-aligned lines
    bounded by each node's region). When it was fitted on more features, the other features are
    held at their median over ``X`` (NaN ignored) for the grid: the picture is then a slice of
    the model, not its full decision function. Points with a missing value in either plotted
    feature are not drawn.

    Parameters
    ----------
    model : DecisionTree or DecisionTreeRegressor
        The fitted tree.
    X : array-like or DataFrame of shape (n_samples, n_features_in_)
        The points (also used for the grid range and the medians).
    y : array-like of shape (n_samples,)
        Their targets, used to colour the points.
    features : pair of int or str, default (0, 1)
        The horizontal and vertical features (names need a DataFrame or ``feature_names_in_``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    resolution : int, default 200
        Grid points per axis (2 to 2000).
    feature_names, class_names : sequence, optional
        Axis labels and legend entries.
    alpha : float, default 0.4
        Opacity of the regions.
    cmap : str or Colormap, default "viridis"
        Colour map of a regressor's values.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap, Normalize

    tree_ = fitted_tree(model)
    n_features = int(model.n_features_in_)
    values, columns = _as_matrix(X, n_features)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != values.shape[0]:
        raise ValueError(
            f"y must be 1-D with one target per row of X ({values.shape[0]}); got shape {y.shape}."
        )
    names = _default_feature_names(model, feature_names) or columns
    names = names or [f"x[{i}]" for i in range(n_features)]
    if len(names) != n_features:
        raise ValueError(f"feature_names must have {n_features} entries, got {len(names)}.")
    first, second = _feature_indices(features, names, n_features)
    resolution = check_int("resolution", resolution, low=2)
    if resolution > 2000:
        raise ValueError(f"resolution must be at most 2000, got {resolution}.")

    grid_x, grid_y = (_grid_axis(values[:, j], resolution, names[j]) for j in (first, second))
    mesh_x, mesh_y = np.meshgrid(grid_x, grid_y)
    grid = np.empty((mesh_x.size, n_features))
    grid[:] = np.nanmedian(values, axis=0) if n_features > 2 else 0.0
    grid[:, first] = mesh_x.ravel()
    grid[:, second] = mesh_y.ravel()
    predictions = np.asarray(model.predict(_as_model_input(model, grid)))

    if ax is None:
        _, ax = plt.subplots()
    classifier = is_classifier(model)
    keep = ~(np.isnan(values[:, first]) | np.isnan(values[:, second]))
    if classifier:
        classes = np.asarray(model.classes_)
        palette = np.array(color_palette(len(classes)), dtype=float) / 255.0
        colors = ListedColormap(palette)
        labels = _class_labels(model, class_names)
        region = _class_index(classes, predictions).reshape(mesh_x.shape)
        mesh = ax.pcolormesh(
            mesh_x,
            mesh_y,
            region,
            shading="nearest",
            cmap=colors,
            vmin=-0.5,
            vmax=len(classes) - 0.5,
            alpha=alpha,
            zorder=0,
        )
        point_class = _class_index(classes, y[keep], what="y")
        for k, label in enumerate(labels):
            chosen = point_class == k
            if np.any(chosen):
                points = ax.scatter(
                    values[keep, first][chosen],
                    values[keep, second][chosen],
                    color=palette[k],
                    edgecolor="black",
                    linewidth=0.5,
                    s=25,
                    label=str(label),
                    zorder=3,
                )
                points.set_gid(f"points:{k}")
        ax.legend(loc="best", fontsize="small")
    else:
        colormap = plt.get_cmap(cmap)
        target = y[keep].astype(np.float64)
        low = float(np.nanmin(np.concatenate([predictions, target])))
        high = float(np.nanmax(np.concatenate([predictions, target])))
        norm = Normalize(low, high if high > low else low + 1.0)
        mesh = ax.pcolormesh(
            mesh_x,
            mesh_y,
            predictions.reshape(mesh_x.shape),
            shading="nearest",
            cmap=colormap,
            norm=norm,
            alpha=alpha,
            zorder=0,
        )
        points = ax.scatter(
            values[keep, first],
            values[keep, second],
            c=target,
            cmap=colormap,
            norm=norm,
            edgecolor="black",
            linewidth=0.5,
            s=25,
            zorder=3,
        )
        points.set_gid("points")
        ax.figure.colorbar(mesh, ax=ax, label="prediction")
    mesh.set_gid("decision-regions")
    if n_features == 2:
        _draw_splits(ax, tree_, (first, second), (grid_x, grid_y))
    ax.set_xlim(grid_x[0], grid_x[-1])
    ax.set_ylim(grid_y[0], grid_y[-1])
    ax.set_xlabel(str(names[first]))
    ax.set_ylabel(str(names[second]))
    return ax


def _as_matrix(X, n_features):
    columns = None
    if hasattr(X, "columns"):
        columns = [str(name) for name in X.columns]
        X = X.to_numpy()
    values = np.asarray(X)
    if values.ndim != 2 or values.shape[1] != n_features:
        raise ValueError(
            f"X must be 2-D with the model's {n_features} features; got shape {values.shape}."
        )
    if values.shape[0] == 0:
        raise ValueError("X is empty; give at least one sample.")
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"X must be numeric: {exc}") from exc
    if np.any(np.isinf(values)):
        raise ValueError("X holds infinite values; trees accept finite values or NaN.")
    return values, columns


def _feature_indices(features, names, n_features):
    if isinstance(features, str) or len(features) != 2:
        raise ValueError(f"features must be a pair of feature indices or names, got {features!r}.")
    indices = []
    for feature in features:
        if isinstance(feature, str):
            if feature not in names:
                raise ValueError(f"Unknown feature {feature!r}; known features: {list(names)}.")
            indices.append(list(names).index(feature))
        elif isinstance(feature, numbers.Integral) and not isinstance(feature, bool):
            if not 0 <= feature < n_features:
                raise ValueError(f"Feature index {feature} is out of range [0, {n_features}).")
            indices.append(int(feature))
        else:
            raise ValueError(f"A feature must be an int index or a str name, got {feature!r}.")
    if indices[0] == indices[1]:
        raise ValueError(f"features must be two different features, got {features!r}.")
    return indices


def _grid_axis(column, resolution, name):
    finite = column[~np.isnan(column)]
    if finite.size == 0:
        raise ValueError(f"Feature {name!r} has no non-missing value to plot.")
    low, high = float(finite.min()), float(finite.max())
    margin = 0.05 * (high - low) if high > low else 0.5
    return np.linspace(low - margin, high + margin, resolution)


def _as_model_input(model, grid):
    if hasattr(model, "feature_names_in_"):
        import pandas as pd

        return pd.DataFrame(grid, columns=list(model.feature_names_in_))
    return grid


def _class_labels(model, class_names):
    names = check_class_names(model, class_names, allow_true=False)
    return names if names is not None else [str(name) for name in model.classes_]


def _class_index(classes, labels, what="the predictions"):
    lookup = {label: k for k, label in enumerate(classes.tolist())}
    try:
        return np.array([lookup[label] for label in np.asarray(labels).tolist()], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(
            f"{what} hold the label {exc.args[0]!r}, not a class of the model."
        ) from None


def _draw_splits(ax, tree_, features, grids):
    """Each split as a segment bounded by its node's rectangle (model fitted on two features)."""
    first, second = features
    bounds = {0: (grids[0][0], grids[0][-1], grids[1][0], grids[1][-1])}
    for node, _, _ in preorder(tree_):
        if tree_.children_left[node] == TREE_LEAF:
            continue
        x_low, x_high, y_low, y_high = bounds[node]
        feature, threshold = int(tree_.feature[node]), float(tree_.threshold[node])
        left, right = int(tree_.children_left[node]), int(tree_.children_right[node])
        if feature == first:
            cut = min(max(threshold, x_low), x_high)
            segment = ([cut, cut], [y_low, y_high])
            bounds[left] = (x_low, cut, y_low, y_high)
            bounds[right] = (cut, x_high, y_low, y_high)
        else:
            cut = min(max(threshold, y_low), y_high)
            segment = ([x_low, x_high], [cut, cut])
            bounds[left] = (x_low, x_high, y_low, cut)
            bounds[right] = (x_low, x_high, cut, y_high)
        (line,) = ax.plot(*segment, color="black", linewidth=1.0, zorder=2)
        line.set_gid(f"split:{node}")
