"""A fitted tree as text: indented rules (``export_text``) and Graphviz DOT (``export_graphviz``).

Both reproduce scikit-learn's formats character for character, so material written for
scikit-learn's trees reads the same with ours. They read only the fitted attributes (``tree_``,
``classes_``, ``n_features_in_``, ``criterion``), so they also accept scikit-learn's trees.

Both (and the plots) also accept a fitted pipeline ending in a tree: any object with ``steps``
and a ``raw_node_view()`` method (``pipeline.Pipeline`` has one) returning, per node, an object
whose ``condition`` (None at a leaf) offers ``text(left, precision)``. The tests are then written
on the pipeline's raw input columns (``age <= 28.50``, ``sex == Male``, ``education in {...}``).
This package does not import ``pipeline``: the protocol is duck-typed.

This module writes the text. The DOT is ``tree._graphviz``'s, the node labels and colours (DOT
and ``plot_tree``) ``tree._node_style``'s, and what every export and plot shares (the fitted
tree, the checked arguments, the preorder walk) ``tree._export_common``'s; all are importable
from here.
"""

import io

import numpy as np

from tree._categorical_text import (
    categorical_condition,
    is_categorical_node,
    resolve_category_names,
)
from tree._export_common import (
    check_class_names,
    check_feature_names,
    check_int,
    default_feature_names,
    fitted_tree,
    is_classifier,
    preorder,
    rule_source,
    subtree_depth,
)
from tree._graphviz import export_graphviz
from tree._node_style import NodeStyle, color_palette
from tree._tree import TREE_LEAF

# export_text is written here; the rest is re-exported from where it lives, for the plots and
# for code that imports it from tree.export
__all__ = [
    "NodeStyle",
    "check_class_names",
    "check_feature_names",
    "check_int",
    "color_palette",
    "default_feature_names",
    "export_graphviz",
    "export_text",
    "fitted_tree",
    "is_classifier",
    "preorder",
    "rule_source",
    "subtree_depth",
]


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
