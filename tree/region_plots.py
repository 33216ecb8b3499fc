"""The decision regions of a fitted tree over two features, drawn with matplotlib.

``plot_decision_boundary`` colours a grid over the plane of two features by the model's
prediction and draws the points on top; artists carry ``gid`` tags: the region mesh
``"decision-regions"``, split segments ``"split:<id>"``, points ``"points"`` / ``"points:<k>"``.
"""

import numbers

import numpy as np

from tree._export_common import (
    check_class_names,
    check_int,
    default_feature_names,
    fitted_tree,
    is_classifier,
    preorder,
)
from tree._node_style import color_palette
from tree._tree import TREE_LEAF


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
    names = default_feature_names(model, feature_names) or columns
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
