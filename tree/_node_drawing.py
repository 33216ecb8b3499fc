"""What the two node pictures (``plot_tree``, ``plot_decision_path``) share, with matplotlib.

The axes (a figure of our own sized to the tree, or the caller's), the layout of the node boxes
side by side without overlap with the font size that fits, one box or one edge drawn with its
``gid`` tag, and the checks of the arguments both take.
"""

import numbers

from tree._export_common import check_class_names, is_classifier, preorder

TRUNCATED_COLOR = "#C0C0C0"
_MIN_FONTSIZE = 4.0
_START_FONTSIZE = 12.0
_TARGET_FONTSIZE = 10.0
_AXES_FRACTION = 0.99


# --------------------------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------------------------
def drawn_nodes(tree_, max_depth):
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


def row_y(depth, n_levels):
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


def arrange(ax, boxes, drawn, children, n_levels, fontsize, size_figure):
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
        position[node] = (x[node] / total, row_y(depth_of[node], n_levels))
        box.set_position(position[node])
        box.xy = position[node]
    return position


# --------------------------------------------------------------------------------------------
# arguments, axes, boxes and edges
# --------------------------------------------------------------------------------------------
def default_class_names(model, class_names):
    if class_names is None and is_classifier(model):
        return [str(name) for name in model.classes_]
    return check_class_names(model, class_names)


def check_fontsize(fontsize):
    if fontsize is None:
        return None
    if isinstance(fontsize, bool) or not isinstance(fontsize, numbers.Real) or fontsize <= 0:
        raise ValueError(f"fontsize must be a positive number, got {fontsize!r}.")
    return float(fontsize)


def prepare_axes(ax):
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


def node_box(
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


def edge(ax, parent, node, position, gid, color, linewidth, alpha=1.0):
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
