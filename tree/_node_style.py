"""The label text and fill colour of each node, in scikit-learn's ``export_graphviz`` style.

``NodeStyle`` writes one node's label (test, impurity, samples, value, class) with the markup
of its output (DOT plain or HTML-like, or matplotlib's plain text) and its fill colour;
``color_palette`` is the class colours. Used by ``export_graphviz`` and ``plot_tree``.
"""

import numpy as np

from tree._categorical_text import category_set_text, is_categorical_node, resolve_category_names
from tree._export_common import (
    check_class_names,
    check_feature_names,
    check_int,
    fitted_tree,
    is_classifier,
)
from tree._tree import TREE_LEAF

_NUMPY_LINE_WIDTH = 74  # numpy's 75-character line minus the closing bracket


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
