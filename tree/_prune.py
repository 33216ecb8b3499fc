"""Minimal cost-complexity pruning (Breiman et al.), step for step as scikit-learn does it.

``r_node[i] = weighted_n_node_samples[i] * impurity[i] / weighted_n_node_samples[0]``; the
weakest link (smallest ``(r_node - r_branch) / (n_leaves - 1)``, first in node order on ties) is
pruned repeatedly. Pruning for ``ccp_alpha`` stops before the first link with a larger alpha;
the path records every effective alpha and the total leaf impurity after it.
"""

import numpy as np
from numba import njit

from tree._tree import TREE_LEAF, TREE_UNDEFINED


@njit(cache=True, nogil=True)
def _prune(
    children_left,
    children_right,
    weighted_n_node_samples,
    impurity,
    ccp_alpha,
    stop_at_alpha,
    leaves_in_subtree,
    path_alphas,
    path_impurities,
):
    n_nodes = children_left.shape[0]
    total = weighted_n_node_samples[0]
    r_node = np.empty(n_nodes, dtype=np.float64)
    for i in range(n_nodes):
        r_node[i] = weighted_n_node_samples[i] * impurity[i] / total
    parent = np.full(n_nodes, TREE_UNDEFINED, dtype=np.int64)
    for i in range(n_nodes):
        if children_left[i] != TREE_LEAF:
            parent[children_left[i]] = i
            parent[children_right[i]] = i
        else:
            leaves_in_subtree[i] = 1
    n_leaves = np.zeros(n_nodes, dtype=np.int64)
    r_branch = np.zeros(n_nodes, dtype=np.float64)
    for leaf in range(n_nodes):
        if not leaves_in_subtree[leaf]:
            continue
        r_branch[leaf] = r_node[leaf]
        current_r = r_node[leaf]
        node = leaf
        while node != 0:
            p = parent[node]
            r_branch[p] += current_r
            n_leaves[p] += 1
            node = p
    candidate = np.zeros(n_nodes, dtype=np.uint8)
    in_subtree = np.ones(n_nodes, dtype=np.uint8)
    for i in range(n_nodes):
        candidate[i] = 1 - leaves_in_subtree[i]
    count = 0
    path_alphas[count] = 0.0
    path_impurities[count] = r_branch[0]
    count += 1
    stack = np.empty(n_nodes + 1, dtype=np.int64)
    while candidate[0]:
        effective_alpha = np.finfo(np.float64).max
        pruned = -1
        for i in range(n_nodes):
            if not candidate[i]:
                continue
            alpha = (r_node[i] - r_branch[i]) / (n_leaves[i] - 1)
            if alpha < effective_alpha:
                effective_alpha = alpha
                pruned = i
        if stop_at_alpha and ccp_alpha < effective_alpha:
            break
        top = 0
        stack[top] = pruned
        top += 1
        while top > 0:
            top -= 1
            node = stack[top]
            if not in_subtree[node]:
                continue
            candidate[node] = 0
            leaves_in_subtree[node] = 0
            in_subtree[node] = 0
            if children_left[node] != TREE_LEAF:
                stack[top] = children_left[node]
                top += 1
                stack[top] = children_right[node]
                top += 1
        leaves_in_subtree[pruned] = 1
        in_subtree[pruned] = 1
        n_pruned_leaves = n_leaves[pruned] - 1
        n_leaves[pruned] = 0
        r_diff = r_node[pruned] - r_branch[pruned]
        r_branch[pruned] = r_node[pruned]
        node = parent[pruned]
        while node != TREE_UNDEFINED:
            n_leaves[node] -= n_pruned_leaves
            r_branch[node] += r_diff
            node = parent[node]
        path_alphas[count] = effective_alpha
        path_impurities[count] = r_branch[0]
        count += 1
    return count


@njit(cache=True, nogil=True)
def _pruned_order(
    children_left, children_right, leaves_in_subtree, new_id, new_parent, new_is_left, new_depth
):
    # preorder (left first) of the kept nodes; returns their number
    n_nodes = children_left.shape[0]
    stack = np.empty(n_nodes + 1, dtype=np.int64)
    st_parent = np.empty(n_nodes + 1, dtype=np.int64)
    st_left = np.empty(n_nodes + 1, dtype=np.int64)
    st_depth = np.empty(n_nodes + 1, dtype=np.int64)
    stack[0] = 0
    st_parent[0] = -1
    st_left[0] = 0
    st_depth[0] = 0
    top = 1
    k = 0
    while top > 0:
        top -= 1
        node = stack[top]
        new_id[k] = node
        new_parent[k] = st_parent[top]
        new_is_left[k] = st_left[top]
        new_depth[k] = st_depth[top]
        if not leaves_in_subtree[node]:
            d = st_depth[top] + 1
            stack[top] = children_right[node]
            st_parent[top] = k
            st_left[top] = 0
            st_depth[top] = d
            top += 1
            stack[top] = children_left[node]
            st_parent[top] = k
            st_left[top] = 1
            st_depth[top] = d
            top += 1
        k += 1
    return k


def pruning_path(tree):
    """``(ccp_alphas, impurities)`` of the full pruning path of ``tree``."""
    n = tree.node_count
    leaves = np.zeros(n, dtype=np.uint8)
    alphas = np.zeros(n + 1, dtype=np.float64)
    impurities = np.zeros(n + 1, dtype=np.float64)
    count = _prune(
        tree.children_left,
        tree.children_right,
        tree.weighted_n_node_samples,
        tree.impurity,
        0.0,
        False,
        leaves,
        alphas,
        impurities,
    )
    return alphas[:count].copy(), impurities[:count].copy()


def prune_tree(tree, ccp_alpha):
    """A new ``Tree``: ``tree`` pruned with complexity parameter ``ccp_alpha``."""
    n = tree.node_count
    leaves = np.zeros(n, dtype=np.uint8)
    scratch = np.zeros(n + 1, dtype=np.float64)
    _prune(
        tree.children_left,
        tree.children_right,
        tree.weighted_n_node_samples,
        tree.impurity,
        float(ccp_alpha),
        True,
        leaves,
        scratch,
        scratch.copy(),
    )
    new_id = np.empty(n, dtype=np.int64)
    new_parent = np.empty(n, dtype=np.int64)
    new_is_left = np.empty(n, dtype=np.int64)
    new_depth = np.empty(n, dtype=np.int64)
    k = _pruned_order(
        tree.children_left, tree.children_right, leaves, new_id, new_parent, new_is_left, new_depth
    )
    old = new_id[:k]
    is_leaf = leaves[old].astype(bool)
    pruned = type(tree)(tree.n_features, tree.n_classes, tree.n_outputs)
    left = np.full(k, TREE_LEAF, dtype=np.int64)
    right = np.full(k, TREE_LEAF, dtype=np.int64)
    parents = new_parent[:k]
    kids = np.arange(k)
    has_parent = parents >= 0
    from_left = has_parent & (new_is_left[:k] == 1)
    from_right = has_parent & (new_is_left[:k] == 0)
    left[parents[from_left]] = kids[from_left]
    right[parents[from_right]] = kids[from_right]
    pruned.children_left = left
    pruned.children_right = right
    pruned.feature = np.where(is_leaf, TREE_UNDEFINED, tree.feature[old]).astype(np.int64)
    pruned.threshold = np.where(is_leaf, float(TREE_UNDEFINED), tree.threshold[old])
    pruned.value = tree.value[old].copy()
    pruned.impurity = tree.impurity[old].copy()
    pruned.n_node_samples = tree.n_node_samples[old].copy()
    pruned.weighted_n_node_samples = tree.weighted_n_node_samples[old].copy()
    pruned.missing_go_to_left = tree.missing_go_to_left[old].copy()
    if getattr(tree, "categorical_node", None) is not None:  # bitset rows kept, leaves none
        pruned.categorical_node = np.where(is_leaf, -1, tree.categorical_node[old])
        pruned.categorical_bitsets = tree.categorical_bitsets
        pruned.categorical_n_codes = tree.categorical_n_codes
    pruned.node_count = int(k)
    pruned.max_depth = int(new_depth[:k].max())
    return pruned
