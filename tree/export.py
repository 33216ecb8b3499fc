"""A fitted tree as text: indented rules (``export_text``) and Graphviz DOT (``export_graphviz``).

Both reproduce scikit-learn's formats character for character, so material written for
scikit-learn's trees reads the same with ours. They read only the fitted attributes (``tree_``,
``classes_``, ``n_features_in_``, ``criterion``), so they also accept scikit-learn's trees.

Both (and the plots) also accept a fitted pipeline ending in a tree: any object with ``steps``
and a ``raw_node_view()`` method (``pipeline.Pipeline`` has one) returning, per node, an object
whose ``condition`` (None at a leaf) offers ``text(left, precision)``. The tests are then written
on the pipeline's raw input columns (``age <= 28.50``, ``sex == Male``, ``education in {...}``).
This package does not import ``pipeline``: the protocol is duck-typed.
"""

import io
import numbers
import os
import tempfile

import numpy as np

from tree._categorical_text import (
    categorical_condition,
    category_set_text,
    is_categorical_node,
    resolve_category_names,
)
from tree._checks import not_fitted_error
from tree._tree import TREE_LEAF

_NUMPY_LINE_WIDTH = 74  # numpy's 75-character line minus the closing bracket


def fitted_tree(model):
    """The ``tree_`` of a fitted estimator, or ``NotFittedError`` with how to fix it."""
    tree_ = getattr(model, "tree_", None)
    if tree_ is None or not hasattr(tree_, "children_left"):
        raise not_fitted_error(
            f"This {type(model).__name__} instance is not fitted yet; call 'fit' with "
            "appropriate arguments before exporting or plotting it."
        )
    return tree_


def rule_source(model, feature_names=None):
    """``(tree, raw nodes)`` for a pipeline offering ``raw_node_view()``, else ``(model, None)``."""
    view = getattr(model, "raw_node_view", None)
    steps = getattr(model, "steps", None)
    if not (callable(view) and steps):
        return model, None
    estimator = steps[-1][1]
    fitted_tree(estimator)
    if feature_names is not None:
        raise ValueError(
            "feature_names cannot be given with a pipeline: its splits are written on the "
            "pipeline's own input columns. Pass the tree (pipeline[-1]) to name its features."
        )
    return estimator, view()


def default_feature_names(model, feature_names):
    """``feature_names``, else the model's ``feature_names_in_`` as str (else None)."""
    if feature_names is None and hasattr(model, "feature_names_in_"):
        return [str(name) for name in model.feature_names_in_]
    return feature_names


def is_classifier(model):
    return hasattr(model, "classes_")


def check_feature_names(model, feature_names):
    """``feature_names`` as a list of str with one name per feature (None stays None)."""
    if feature_names is None:
        return None
    if isinstance(feature_names, str):
        raise TypeError("feature_names must be a sequence of str, not a single str.")
    names = list(feature_names)
    if not all(isinstance(name, str) for name in names):
        raise ValueError("All feature names must be strings.")
    n_features = int(model.n_features_in_)
    if len(names) != n_features:
        raise ValueError(
            f"Length of feature_names, {len(names)} does not match number of features, "
            f"{n_features}."
        )
    return names


def check_class_names(model, class_names, allow_true=True):
    """``class_names`` as a list (one entry per class), ``True`` or None."""
    if class_names is None or (allow_true and class_names is True):
        return class_names
    if isinstance(class_names, bool | str):
        raise TypeError("class_names must be a sequence with one name per class, or True.")
    names = list(class_names)
    if is_classifier(model) and len(names) != len(model.classes_):
        raise ValueError(
            f"class_names has {len(names)} entries but the tree was fitted with "
            f"{len(model.classes_)} classes; give one name per class in classes_ order."
        )
    return names


def check_int(name, value, low=0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def preorder(tree_, max_depth=None):
    """(node, depth, parent) in depth-first order, left before right, with an explicit stack.

    Children of nodes at ``max_depth`` are yielded (so they can be drawn as truncated) but not
    descended into.
    """
    stack = [(0, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        yield node, depth, parent
        left = int(tree_.children_left[node])
        if left != TREE_LEAF and (max_depth is None or depth <= max_depth):
            stack.append((int(tree_.children_right[node]), depth + 1, node))
            stack.append((left, depth + 1, node))


def subtree_depth(tree_, node):
    """Number of levels of the subtree under ``node`` (a leaf has depth 1)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if tree_.children_left[node] != TREE_LEAF:
            stack.append((int(tree_.children_left[node]), depth + 1))
            stack.append((int(tree_.children_right[node]), depth + 1))
    return deepest


# --------------------------------------------------------------------------------------------
# export_text
# --------------------------------------------------------------------------------------------
def export_text(
    model,
    feature_names=None,
    class_names=None,
    show_weights=False,
    decimals=2,
    max_depth=10,
    spacing=3,
    category_names=None,
):
    """The rules of a fitted tree as indented text (scikit-learn's ``export_text`` format).

    Parameters
    ----------
    model : DecisionTree, DecisionTreeRegressor or fitted Pipeline ending in one
        The fitted tree; a pipeline's splits are written on its raw input columns.
    feature_names : sequence of str, optional
        One name per feature; default ``feature_0``, ``feature_1``, ... (not with a pipeline).
    class_names : sequence, optional
        One name per class in ``classes_`` order; default the classes themselves.
    show_weights : bool, default False
        Show the weighted class counts at each leaf (classifier).
    decimals : int, default 2
        Digits after the decimal point for thresholds and values.
    max_depth : int, default 10
        Levels written in full; deeper branches are summarised as "truncated branch".
    spacing : int, default 3
        Width of one indentation step.
    category_names : dict or sequence, optional
        Names of a categorical feature's codes: a dict by feature index (or name) of lists, or
        one list (or None) per feature; default the pandas categories seen in fit. A
        categorical split reads ``workclass in {Private, Self-emp-inc}``.

    Returns
    -------
    str
    """
    model, rules = rule_source(model, feature_names)
    tree_ = fitted_tree(model)
    feature_names = check_feature_names(model, feature_names)
    class_names = check_class_names(model, class_names, allow_true=False)
    decimals = check_int("decimals", decimals)
    max_depth = check_int("max_depth", max_depth)
    spacing = check_int("spacing", spacing, low=1)
    category_names = resolve_category_names(model, category_names, feature_names)
    classifier = is_classifier(model)
    if classifier and class_names is None:
        class_names = list(model.classes_)

    def leaf_text(node):
        value = tree_.value[node][0]
        if not classifier:
            return " value: [" + ", ".join(f"{v:.{decimals}f}" for v in value) + "]"
        text = ""
        if show_weights:
            weights = value * tree_.weighted_n_node_samples[node]
            text = " weights: [" + ", ".join(f"{w:.{decimals}f}" for w in weights) + "]"
        return text + " class: " + str(class_names[int(np.argmax(value))])

    out = io.StringIO()
    stack = [("node", 0, 1)]
    while stack:
        kind, node, depth = stack.pop()
        indent = ("|" + " " * spacing) * depth
        indent = indent[:-spacing] + "-" * spacing
        if kind == "right":  # the "greater than" line, written once the left branch is done
            if rules is not None:
                out.write(f"{indent} {rules[node].condition.text(False, decimals)}\n")
            elif is_categorical_node(tree_, node):
                name, _ = _split_text(tree_, node, feature_names, decimals)
                text = categorical_condition(tree_, node, name, category_names, left=False)
                out.write(f"{indent} {text}\n")
            else:
                name, threshold = _split_text(tree_, node, feature_names, decimals)
                out.write(f"{indent} {name} >  {threshold}\n")
            stack.append(("node", int(tree_.children_right[node]), depth + 1))
            continue
        is_leaf = tree_.children_left[node] == TREE_LEAF
        if depth > max_depth + 1:
            levels = subtree_depth(tree_, node)
            if levels > 1:
                out.write(f"{indent} truncated branch of depth {levels}\n")
            else:
                out.write(f"{indent}{leaf_text(node)}\n")
        elif is_leaf:
            out.write(f"{indent}{leaf_text(node)}\n")
        elif rules is not None:
            out.write(f"{indent} {rules[node].condition.text(True, decimals)}\n")
            stack.append(("right", node, depth))
            stack.append(("node", int(tree_.children_left[node]), depth + 1))
        else:
            name, threshold = _split_text(tree_, node, feature_names, decimals)
            if is_categorical_node(tree_, node):
                out.write(f"{indent} {categorical_condition(tree_, node, name, category_names)}\n")
            else:
                out.write(f"{indent} {name} <= {threshold}\n")
            stack.append(("right", node, depth))
            stack.append(("node", int(tree_.children_left[node]), depth + 1))
    return out.getvalue()


def _split_text(tree_, node, feature_names, decimals):
    feature = int(tree_.feature[node])
    name = feature_names[feature] if feature_names is not None else f"feature_{feature}"
    return name, f"{tree_.threshold[node]:.{decimals}f}"


# --------------------------------------------------------------------------------------------
# node labels and colours, shared with the matplotlib plots
# --------------------------------------------------------------------------------------------
def color_palette(n):
    """``n`` RGB triples (0-255) with equally spaced hues, saturation 0.75 and value 0.9."""
    saturation, brightness = 0.75, 0.9
    chroma = saturation * brightness
    offset = brightness - chroma
    colors = []
    for k in range(n):
        hue = int(25 + k * (360.0 / n))
        sector = hue / 60.0
        second = chroma * (1 - abs(sector % 2 - 1))
        r, g, b = [
            (chroma, second, 0),
            (second, chroma, 0),
            (0, chroma, second),
            (0, second, chroma),
            (second, 0, chroma),
            (chroma, 0, second),
            (chroma, second, 0),
        ][int(sector)]
        colors.append(tuple(int(255 * (channel + offset)) for channel in (r, g, b)))
    return colors


class NodeStyle:
    """Label text and fill colour of each node, in scikit-learn's ``export_graphviz`` style.

    ``marks`` are the markup pieces: node-id sign, subscript open/close, less-or-equal sign,
    line break, label open, label close.
    """

    PLAIN_MARKS = ("#", "[", "]", "<=", "\n", "", "")

    def __init__(
        self,
        model,
        marks,
        feature_names=None,
        class_names=None,
        label="all",
        impurity=True,
        node_ids=False,
        proportion=False,
        precision=3,
        escape=None,
        rules=None,
        category_names=None,
    ):
        if label not in ("all", "root", "none"):
            raise ValueError(f"label must be 'all', 'root' or 'none', got {label!r}.")
        self.tree = fitted_tree(model)
        if int(self.tree.n_outputs) != 1:
            raise ValueError("Only single-output trees can be exported.")
        self.criterion = getattr(model, "criterion", "impurity")
        self.classifier = is_classifier(model)
        self.feature_names = check_feature_names(model, feature_names)
        self.class_names = check_class_names(model, class_names)
        self.marks = marks
        self.label = label
        self.impurity = bool(impurity)
        self.node_ids = bool(node_ids)
        self.proportion = bool(proportion)
        self.precision = check_int("precision", precision)
        self.escape = escape or (lambda text: text)
        self.rules = rules
        self.category_names = resolve_category_names(model, category_names, self.feature_names)
        self.n_classes = int(np.asarray(self.tree.n_classes).reshape(-1)[0])
        self._palette = color_palette(self.n_classes)
        values = self.tree.value[: self.tree.node_count]
        self._bounds = None
        if self.n_classes == 1 and len(np.unique(values)) != 1:
            self._bounds = (float(np.min(values)), float(np.max(values)))

    def feature_name(self, node):
        feature = int(self.tree.feature[node])
        if self.feature_names is not None:
            return self.escape(self.feature_names[feature])
        sub_open, sub_close = self.marks[1], self.marks[2]
        return f"x{sub_open}{feature}{sub_close}"

    def split_text(self, node):
        """The test sending a sample left, e.g. ``x[2] <= 0.5`` or (pipeline) ``sex == Male``."""
        if self.rules is not None:
            text = self.rules[node].condition.text(True, self.precision)
            return self.escape(text).replace("<=", self.marks[3])
        if is_categorical_node(self.tree, node):
            names = self.category_names.get(int(self.tree.feature[node]))
            members = self.escape(category_set_text(self.tree, node, names))
            return f"{self.feature_name(node)} in {members}"
        threshold = round(self.tree.threshold[node], self.precision)
        return f"{self.feature_name(node)} {self.marks[3]} {threshold}"

    def text(self, node):
        tree_, marks = self.tree, self.marks
        newline = marks[4]
        labels = self.label == "all" or (self.label == "root" and node == 0)
        parts = []
        if self.node_ids:
            parts.append(("node " if labels else "") + f"{marks[0]}{node}")
        if tree_.children_left[node] != TREE_LEAF:
            parts.append(self.split_text(node))
        if self.impurity:
            criterion = self.criterion if isinstance(self.criterion, str) else "impurity"
            impurity = round(tree_.impurity[node], self.precision)
            parts.append((f"{criterion} = " if labels else "") + str(impurity))
        if self.proportion:
            percent = 100.0 * tree_.n_node_samples[node] / float(tree_.n_node_samples[0])
            samples = f"{round(percent, 1)}%"
        else:
            samples = str(tree_.n_node_samples[node])
        parts.append(("samples = " if labels else "") + samples)
        value = tree_.value[node][0]
        parts.append(("value = " if labels else "") + self._value_text(node, value, newline))
        if self.class_names is not None and self.n_classes != 1:
            majority = int(np.argmax(value))
            if self.class_names is True:
                name = f"y{marks[1]}{majority}{marks[2]}"
            else:
                name = self.escape(str(self.class_names[majority]))
            parts.append(("class = " if labels else "") + name)
        return marks[-1] + newline.join(parts) + marks[5]

    def _value_text(self, node, value, newline):
        if self.n_classes == 1:
            return ", ".join(repr(float(v)) for v in np.around(value, self.precision))
        if not self.proportion:
            value = value * self.tree.weighted_n_node_samples[node]
            # tree_.value holds class shares, so share x count can miss a whole count by one
            # rounding (240 / 9664 * 9664 = 239.99999999999997): compare with a tolerance
            whole = np.round(value)
        if not self.proportion and np.allclose(value, whole, rtol=1e-9, atol=1e-9):
            items = [str(int(v)) for v in whole]
        else:
            items = [repr(float(v)) for v in np.around(value, self.precision)]
        return _wrap_like_numpy(items, newline)

    def fill_color(self, node):
        value = self.tree.value[node][0]
        if self._bounds is None:
            color = self._palette[int(np.argmax(value))]
            ranked = sorted(value, reverse=True)
            alpha = 0.0 if len(ranked) == 1 else (ranked[0] - ranked[1]) / (1 - ranked[1])
        else:
            color = self._palette[0]
            low, high = self._bounds
            alpha = (value[0] - low) / (high - low)
        rgb = [int(round(alpha * channel + (1 - alpha) * 255, 0)) for channel in color]
        return "#" + "".join(f"{channel:02x}" for channel in rgb)


def _wrap_like_numpy(items, newline):
    """``[a, b, ...]`` broken where numpy breaks the bytes array it was printed from."""
    lines, line = [], " "
    for position, item in enumerate(items):
        word = f"b'{item}'"
        if len(line) + len(word) > _NUMPY_LINE_WIDTH and len(line) > 1:
            lines.append(line.rstrip())
            line = " "
        line += word + (" " if position < len(items) - 1 else "")
    lines.append(line)
    rows = [", ".join(word[2:-1] for word in row.split()) for row in lines]
    return "[" + newline.join(rows) + "]"


# --------------------------------------------------------------------------------------------
# export_graphviz
# --------------------------------------------------------------------------------------------
def export_graphviz(
    model,
    out_file=None,
    feature_names=None,
    class_names=None,
    filled=False,
    rounded=False,
    impurity=True,
    proportion=False,
    node_ids=False,
    label="all",
    precision=3,
    max_depth=None,
    leaves_parallel=False,
    rotate=False,
    special_characters=False,
    fontname="helvetica",
    category_names=None,
):
    """The tree in Graphviz DOT (scikit-learn's ``export_graphviz`` format).

    No Graphviz installation is needed to produce the text; render it with, for example,
    ``dot -Tpng tree.dot -o tree.png``.

    Parameters
    ----------
    model : DecisionTree, DecisionTreeRegressor or fitted Pipeline ending in one
        The fitted tree; a pipeline's splits are written on its raw input columns.
    out_file : str, path or file object, optional
        Where to write; when None the DOT text is returned.
    feature_names : sequence of str, optional
        One name per feature; default ``x[0]``, ``x[1]``, ...
    class_names : sequence or True, optional
        Names for the majority class line (True: ``y[k]``); no class line when None.
    filled, rounded : bool, default False
        Colour nodes by majority class (regression: by value), draw rounded boxes.
    impurity, proportion, node_ids : bool
        Show impurity; show proportions instead of counts; show node ids.
    label : {"all", "root", "none"}, default "all"
        Which nodes name their fields.
    precision : int, default 3
        Digits for thresholds, impurity and values.
    max_depth : int, optional
        Levels shown; deeper nodes appear as "(...)".
    leaves_parallel, rotate, special_characters : bool, default False
        Leaves on one rank; left-to-right layout; HTML-style labels.
    fontname : str, default "helvetica"
    category_names : dict or sequence, optional
        Names of categorical features' codes, as in ``export_text``.

    Returns
    -------
    str or None
        The DOT text when ``out_file`` is None.
    """
    if special_characters:
        marks = ("&#35;", "<SUB>", "</SUB>", "&le;", "<br/>", ">", "<")
    else:
        marks = ("#", "[", "]", "<=", "\\n", '"', '"')
    model, rules = rule_source(model, feature_names)
    if rules is not None and class_names is None and is_classifier(model):
        class_names = [str(name) for name in model.classes_]
    style = NodeStyle(
        model,
        marks,
        feature_names=feature_names,
        class_names=class_names,
        label=label,
        impurity=impurity,
        node_ids=node_ids,
        proportion=proportion,
        precision=precision,
        escape=lambda text: text.replace('"', r"\""),
        rules=rules,
        category_names=category_names,
    )
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    if not isinstance(fontname, str):
        raise TypeError(f"fontname must be a str, got {type(fontname).__name__}.")
    dot = _dot_text(style, filled, rounded, max_depth, leaves_parallel, rotate, fontname)
    if out_file is None:
        return dot
    if hasattr(out_file, "write"):
        out_file.write(dot)
        return None
    _write_text_atomically(out_file, dot)
    return None


def _write_text_atomically(path, text):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, staging = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.remove(staging)
        raise


def _dot_text(style, filled, rounded, max_depth, leaves_parallel, rotate, fontname):
    tree_ = style.tree
    out = io.StringIO()
    out.write("digraph Tree {\n")
    out.write("node [shape=box")
    looks = [name for name, on in (("filled", filled), ("rounded", rounded)) if on]
    if looks:
        out.write(f', style="{", ".join(looks)}", color="black"')
    out.write(f', fontname="{fontname}"] ;\n')
    if leaves_parallel:
        out.write("graph [ranksep=equally, splines=polyline] ;\n")
    out.write(f'edge [fontname="{fontname}"] ;\n')
    if rotate:
        out.write("rankdir=LR ;\n")

    ranks = {"leaves": []}
    true_angle, false_angle = (-45, 45) if rotate else (45, -45)
    for node, depth, parent in preorder(tree_, max_depth):
        shown = max_depth is None or depth <= max_depth
        is_leaf = tree_.children_left[node] == TREE_LEAF
        if not shown or is_leaf:
            ranks["leaves"].append(str(node))
        else:
            ranks.setdefault(str(depth), []).append(str(node))
        if shown:
            out.write(f"{node} [label={style.text(node)}")
            if filled:
                out.write(f', fillcolor="{style.fill_color(node)}"')
            out.write("] ;\n")
        else:
            out.write(f'{node} [label="(...)"')
            if filled:
                out.write(', fillcolor="#C0C0C0"')
            out.write("] ;\n")
        if parent is None:
            continue
        out.write(f"{parent} -> {node}")
        if parent == 0 and shown:
            if node == tree_.children_left[0]:
                out.write(f' [labeldistance=2.5, labelangle={true_angle}, headlabel="True"]')
            else:
                out.write(f' [labeldistance=2.5, labelangle={false_angle}, headlabel="False"]')
        out.write(" ;\n")
    if leaves_parallel:
        for rank in sorted(ranks):
            out.write("{rank=same ; " + "; ".join(ranks[rank]) + "} ;\n")
    out.write("}")
    return out.getvalue()
