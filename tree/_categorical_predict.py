"""Routing rows through a tree with categorical splits (``apply`` and ``decision_path``).

A numeric node sends ``x <= threshold`` left (NaN by ``missing_go_to_left``); a categorical
node sends code ``x`` left when its bit is set in the node's bitset, NaN by
``missing_go_to_left``, and a code at or above ``categorical_n_codes`` (never seen in
training) to the child with more training samples (right on a tie), as ``tree._categorical``
decided for the categories absent from the node. ``next_node`` is that rule, for every path.
"""

import numpy as np
from numba import njit

from tree._categorical_search import has_bit


@njit(cache=True, nogil=True)
def next_node(x, node, children_left, children_right, threshold, missing_left, cat_node,
              bitsets, n_codes, n_node_samples):  # fmt: skip
    """The child of ``node`` that a row with value ``x`` of its feature goes to."""
    left = children_left[node]
    right = children_right[node]
    row = cat_node[node]
    if np.isnan(x):
        return left if missing_left[node] else right
    if row < 0:
        return left if x <= threshold[node] else right
    code = np.int64(x)
    if code >= n_codes:
        return left if n_node_samples[left] > n_node_samples[right] else right
    return left if has_bit(bitsets[row], code) else right


@njit(cache=True, nogil=True)
def _apply(X, children_left, children_right, feature, threshold, missing_left, cat_node,
           bitsets, n_codes, n_node_samples, out):  # fmt: skip
    for r in range(X.shape[0]):
        node = 0
        while children_left[node] >= 0:
            node = next_node(
                X[r, feature[node]], node, children_left, children_right, threshold,
                missing_left, cat_node, bitsets, n_codes, n_node_samples,
            )  # fmt: skip
        out[r] = node


@njit(cache=True, nogil=True)
def _paths(X, children_left, children_right, feature, threshold, missing_left, cat_node,
           bitsets, n_codes, n_node_samples, indptr, indices, count_only):  # fmt: skip
    # count_only: each row's path length into indptr[r + 1]; else its nodes from indptr[r]
    for r in range(X.shape[0]):
        node = 0
        k = 0 if count_only else indptr[r]
        if not count_only:
            indices[k] = 0
        while children_left[node] >= 0:
            node = next_node(
                X[r, feature[node]], node, children_left, children_right, threshold,
                missing_left, cat_node, bitsets, n_codes, n_node_samples,
            )  # fmt: skip
            k += 1
            if not count_only:
                indices[k] = node
        if count_only:
            indptr[r + 1] = k + 1


def _tree_args(tree):
    return (
        tree.children_left,
        tree.children_right,
        tree.feature,
        tree.threshold,
        tree.missing_go_to_left,
        tree.categorical_node,
        tree.categorical_bitsets,
        tree.categorical_n_codes,
        tree.n_node_samples,
    )


def apply_categorical(X, tree):
    """Leaf node id of every row of the float32 matrix ``X`` (a tree with categorical splits)."""
    out = np.empty(X.shape[0], dtype=np.int64)
    _apply(X, *_tree_args(tree), out)
    return out


def decision_path_categorical(X, tree):
    """CSR ``(indptr, indices)`` of the nodes each row passes through, root first."""
    lengths = np.zeros(X.shape[0] + 1, dtype=np.int64)
    _paths(X, *_tree_args(tree), lengths, np.empty(0, dtype=np.int64), True)
    indptr = np.cumsum(lengths)
    indices = np.empty(indptr[-1], dtype=np.int64)
    _paths(X, *_tree_args(tree), indptr, indices, False)
    return indptr, indices
