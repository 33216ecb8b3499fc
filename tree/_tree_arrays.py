"""Proof that saved node arrays form one well-formed tree, before any kernel can see them.

A model file may come from anyone and the numba kernels do not check bounds, so
``validate_tree_arrays`` checks every dtype, shape, child index, feature, threshold and value
of a saved tree (``tree._serialize`` reads the rest of the model) and builds the ``Tree``.
"""

import numbers

import numpy as np

from tree._tree import TREE_LEAF, TREE_UNDEFINED, Tree

_MAX_NODES = 2**31 - 1


def validate_tree_arrays(tree_state, *, n_features_in, n_classes, is_classifier):
    """Check that saved node arrays form one well-formed tree, and build a ``Tree`` from them.

    The checks make every later array access of the kernels in bounds: exact dtypes and shapes;
    each node either a leaf (both children ``-1``) or internal with both children in
    ``[1, node_count)``; every node reached exactly once by an explicit-stack walk from the root
    (so no cycles, no shared children, no orphans); internal features in ``[0, n_features_in)``
    with finite thresholds; finite values (non-negative for a classifier); ``n_node_samples >= 1``;
    ``max_depth`` equal to the walked depth.

    Parameters
    ----------
    tree_state : dict
        ``node_count``, ``max_depth``, ``n_features``, ``n_outputs``, ``n_classes`` and the
        node arrays named as in ``Tree.ARRAY_DTYPES``.
    n_features_in : int
        The estimator's number of features.
    n_classes : int
        The number of classes (1 for a regressor).
    is_classifier : bool
        Whether values are class fractions (must be non-negative).

    Returns
    -------
    Tree
        A new tree holding C-contiguous copies of the arrays.
    """
    if not isinstance(tree_state, dict):
        raise ValueError("The saved tree must be a dict of scalars and arrays.")
    node_count = require_int(tree_state, "node_count", low=1, high=_MAX_NODES, where="the tree")
    max_depth = require_int(tree_state, "max_depth", low=0, where="the tree")
    n_features = require_int(tree_state, "n_features", low=1, where="the tree")
    n_outputs = require_int(tree_state, "n_outputs", low=1, high=1, where="the tree")
    if n_features != n_features_in:
        raise ValueError(
            f"The tree has n_features={n_features} but the estimator n_features_in_="
            f"{n_features_in}."
        )
    saved_classes = tree_state.get("n_classes")
    if saved_classes != [n_classes] or isinstance(saved_classes[0], bool):
        raise ValueError(
            f"The tree has n_classes={saved_classes!r}; expected [{n_classes}]"
            + (" (the number of classes_)." if is_classifier else " for a regressor.")
        )

    arrays = {}
    for name, dtype in Tree.ARRAY_DTYPES.items():
        expected_shape = (node_count, n_outputs, n_classes) if name == "value" else (node_count,)
        arrays[name] = _checked_array(tree_state, name, np.dtype(dtype), expected_shape)

    left = arrays["children_left"]
    right = arrays["children_right"]
    feature = arrays["feature"]
    is_leaf = left == TREE_LEAF
    if np.any(is_leaf != (right == TREE_LEAF)):
        node = int(np.flatnonzero(is_leaf != (right == TREE_LEAF))[0])
        raise ValueError(
            f"Node {node} has exactly one child (children_left={left[node]}, children_right="
            f"{right[node]}); a node is a leaf (both -1) or has two children."
        )
    internal = ~is_leaf
    for side, children in (("children_left", left), ("children_right", right)):
        bad = internal & ((children < 1) | (children >= node_count))
        if np.any(bad):
            node = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{side}[{node}]={children[node]} is out of range: a child index must be in "
                f"[1, {node_count}) (node_count={node_count})."
            )
    walked_depth = _walk_once(left, right, node_count)
    if walked_depth != max_depth:
        raise ValueError(
            f"The tree's max_depth={max_depth} does not match its structure (depth {walked_depth})."
        )

    bad = internal & ((feature < 0) | (feature >= n_features_in))
    if np.any(bad):
        node = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"feature[{node}]={feature[node]} is out of range: a split feature must be in "
            f"[0, {n_features_in})."
        )
    if np.any(feature[is_leaf] != TREE_UNDEFINED):
        node = int(np.flatnonzero(is_leaf & (feature != TREE_UNDEFINED))[0])
        raise ValueError(f"Leaf {node} has feature {feature[node]}; leaves have {TREE_UNDEFINED}.")
    threshold = arrays["threshold"]
    missing = arrays["missing_go_to_left"]
    if np.any(missing > 1):
        raise ValueError("missing_go_to_left must hold only 0 and 1.")
    # +inf is the threshold of a split that sends every value left and the missing ones right.
    missing_only_split = (threshold == np.inf) & (missing == 0)
    bad = internal & ~np.isfinite(threshold) & ~missing_only_split
    if np.any(bad):
        node = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"threshold[{node}]={threshold[node]} is not finite (only +inf is allowed, on a "
            "split that sends missing values right)."
        )
    value = arrays["value"]
    if not np.all(np.isfinite(value)):
        raise ValueError("The tree's value array holds NaN or infinite entries.")
    if is_classifier and np.any(value < 0):
        raise ValueError("A classifier's value array (class fractions) must be non-negative.")
    if is_classifier:
        # class fractions: every row is a probability distribution (predict_proba returns it)
        sums = value.sum(axis=2).reshape(-1)
        off = np.flatnonzero(~(np.abs(sums - 1.0) <= 1e-6))
        if off.size:
            node = int(off[0])
            raise ValueError(
                f"value[{node}] sums to {float(sums[node])!r}; a classifier's class fractions "
                "must sum to 1 at every node (they are its predicted probabilities)."
            )
    for name in ("impurity", "weighted_n_node_samples"):
        if not np.all(np.isfinite(arrays[name])):
            raise ValueError(f"The tree's {name} array holds NaN or infinite entries.")
    if np.any(arrays["weighted_n_node_samples"] < 0) or arrays["weighted_n_node_samples"][0] <= 0:
        raise ValueError("weighted_n_node_samples must be non-negative, and positive at the root.")
    if np.any(arrays["n_node_samples"] < 1):
        raise ValueError("n_node_samples must be at least 1 at every node.")

    tree_ = Tree(n_features, np.array([n_classes]), n_outputs)
    tree_.node_count = node_count
    tree_.max_depth = max_depth
    for name, array in arrays.items():
        setattr(tree_, name, array)
    return tree_


def _checked_array(tree_state, name, dtype, shape):
    if name not in tree_state:
        raise ValueError(f"The saved tree is missing the array {name!r}.")
    array = tree_state[name]
    if not isinstance(array, np.ndarray):
        raise ValueError(f"The tree's {name!r} must be a numpy array, got {type(array).__name__}.")
    if array.dtype != dtype:
        raise ValueError(f"The tree's {name!r} array has dtype {array.dtype}; expected {dtype}.")
    if array.shape != shape:
        raise ValueError(f"The tree's {name!r} array has shape {array.shape}; expected {shape}.")
    return np.array(array, dtype=dtype, order="C", copy=True)


def _walk_once(left, right, node_count):
    """Depth of the tree, after proving every node is reached exactly once from the root.

    Children are already known to lie in ``[1, node_count)``. Every node but the root must be
    the child of exactly one node; a level-by-level walk from the root (at most ``node_count``
    levels) must then reach all of them, which rules out cycles detached from the root.
    """
    internal = left != TREE_LEAF
    children = np.concatenate([left[internal], right[internal]])
    n_parents = np.bincount(children, minlength=node_count)
    shared = np.flatnonzero(n_parents > 1)
    if shared.size:
        raise ValueError(
            f"Node {int(shared[0])} is the child of {int(n_parents[shared[0]])} nodes; the "
            "children arrays contain a cycle or a shared child, so they do not form a tree."
        )
    frontier = np.zeros(1, dtype=np.int64)
    n_reached = 1
    depth = 0
    for _ in range(node_count):
        frontier = frontier[internal[frontier]]
        if frontier.size == 0:
            break
        frontier = np.concatenate([left[frontier], right[frontier]])
        n_reached += frontier.size
        depth += 1
        if n_reached > node_count:  # impossible after the parent count; kept as a bound
            raise ValueError("The tree walk reached more nodes than node_count.")
    if n_reached != node_count:
        raise ValueError(
            f"Only {n_reached} of {node_count} nodes are reachable from the root; the children "
            "arrays contain a cycle or orphan nodes, so they do not form one tree."
        )
    return depth


def require_int(d, key, low=None, high=None, where="the saved model"):
    if key not in d:
        raise ValueError(f"{where} is missing {key!r}.")
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{key!r} must be an int, got {value!r}.")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{key!r}={value} is out of range [{low}, {high}].")
    return value
