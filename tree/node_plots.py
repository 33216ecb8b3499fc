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

This module draws ``plot_tree``. ``plot_decision_path`` is ``tree._decision_path_plot``'s
(importable from here), and what both share (the axes, the layout of the boxes, one box or edge)
``tree._node_drawing``'s.
"""

from tree._decision_path_plot import plot_decision_path
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

__all__ = ["plot_decision_path", "plot_tree"]


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
        class_names=default_class_names(model, class_names),
        label=label,
        impurity=impurity,
        node_ids=node_ids,
        proportion=proportion,
        precision=precision,
        rules=rules,
        category_names=category_names,
    )
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    fontsize = check_fontsize(fontsize)
    drawn, children, n_levels = drawn_nodes(tree_, max_depth)
    ax, size_figure = prepare_axes(ax)
    boxstyle = "round,pad=0.3" if rounded else "square,pad=0.3"

    boxes = {}
    for node, depth, _, shown in drawn:
        if shown:
            text = style.text(node)
            color = style.fill_color(node) if filled else "white"
        else:
            text, color = "(...)", TRUNCATED_COLOR
        xy = (0.5, row_y(depth, n_levels))
        boxes[node] = node_box(ax, node, text, xy, color, boxstyle, f"node:{node}")
    position = arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure)
    for node, _, parent, _ in drawn:
        if parent is not None:
            edge(ax, parent, node, position, f"edge:{parent}-{node}", "black", 1.0)
    _root_edge_labels(ax, tree_, position, max_depth, boxes[0].get_fontsize())
    return list(boxes.values())


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
