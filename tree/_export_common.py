"""What the text, DOT and matplotlib exports of a fitted tree share.

Reading the fitted tree (``NotFittedError`` otherwise) or a pipeline's rules on its raw input
columns (``rule_source``: the duck-typed ``raw_node_view()`` protocol, see ``tree.export``),
checking the names and numbers the exports take, and walking the nodes in preorder.
"""

import numbers

from tree._checks import not_fitted_error
from tree._tree import TREE_LEAF


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
