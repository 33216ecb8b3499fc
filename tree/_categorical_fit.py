"""The categorical bundle of a fit, and the bitsets a fitted tree keeps.

A fitted ``Tree`` with categorical splits has two more arrays: ``categorical_node`` (int64, one
per node: the row of the node's bitset, -1 for a leaf or a numeric split) and
``categorical_bitsets`` (uint64, ``(n_categorical_splits, n_words)``: bit ``c & 63`` of word
``c >> 6`` set when code ``c`` goes left) and ``categorical_n_codes`` (int: the largest code seen
in training plus one; ``n_words = ceil(n_codes / 64)``, no bit set at or above it). Every
categorical split of one tree has the same width; a larger code goes to the child with more
training samples (see ``tree._categorical``).
"""

import numpy as np

from tree._categorical_search import make_categorical


def categorical_bundles(categorical, X32, n_stats, bin_code=None):
    """A function of ``capacity`` that makes a new ``Categorical`` for a build on ``X32`` (one
    per thread or subtree), the largest code found once; ``bin_code`` for ``splitter="hist"``
    (``tree._binning.category_bins``)."""
    is_categorical, min_category_samples = categorical
    max_code = 0
    for j in np.flatnonzero(is_categorical):
        column = X32[:, j]
        if not np.isnan(column).all():
            max_code = max(max_code, int(np.nanmax(column)))

    def bundle(capacity):
        return make_categorical(
            is_categorical, min_category_samples, max_code, X32.shape[0], n_stats, capacity,
            bin_code,
        )  # fmt: skip

    return bundle


def keep_bitsets(tree, is_categorical, node_bitsets, n_codes):
    """Give ``tree`` its ``categorical_node`` and ``categorical_bitsets`` from the builder's
    per-node rows (only the categorical splits' rows are kept)."""
    internal = tree.children_left >= 0
    is_cat_split = internal & is_categorical[np.where(internal, tree.feature, 0)]
    index = np.full(tree.node_count, -1, dtype=np.int64)
    index[is_cat_split] = np.arange(int(is_cat_split.sum()), dtype=np.int64)
    tree.categorical_node = index
    tree.categorical_n_codes = n_codes
    tree.categorical_bitsets = np.ascontiguousarray(node_bitsets[is_cat_split], dtype=np.uint64)


def has_categorical_splits(tree):
    """The tree holds at least one categorical split."""
    index = getattr(tree, "categorical_node", None)
    return index is not None and bool(np.any(index >= 0))
