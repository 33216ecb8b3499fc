"""Saving and loading the categorical parts of a fitted tree, checked like every other array.

The tree's state gets ``categorical_node`` (int64, one per node), ``categorical_bitsets``
(uint64, ``categorical_shape = [rows, words]``) and ``categorical_n_codes``; the fitted
attributes ``is_categorical_`` (a list of bools) and ``category_names_`` (a list of
``[feature, [names]]`` pairs). Loading proves before any kernel sees them that every row index
is in range and belongs to an internal node whose feature is categorical, that every split on a
categorical feature has a row, that the bitsets have exactly ``ceil(n_codes / 64)`` words and no
bit at or above ``n_codes``.
"""

import numpy as np

from tree._categorical_checks import MAX_CODE

MAX_WORDS = (MAX_CODE + 64) // 64


def categorical_to_state(model, tree_, tree_state, fitted):
    """Add the categorical arrays and attributes of a fitted model (if any) to its state."""
    mask = getattr(model, "is_categorical_", None)
    if mask is None:
        return
    fitted["is_categorical_"] = [bool(v) for v in mask]
    names = getattr(model, "category_names_", {})
    fitted["category_names_"] = [[int(j), [str(c) for c in names[j]]] for j in sorted(names)]
    node = tree_.categorical_node
    if node is None:  # categorical features, none of them split on
        node = np.full(tree_.node_count, -1, dtype=np.int64)
        bitsets = np.zeros((0, 1), dtype=np.uint64)
        n_codes = 1
    else:
        bitsets, n_codes = tree_.categorical_bitsets, tree_.categorical_n_codes
    tree_state["categorical_node"] = np.array(node, dtype=np.int64, order="C")
    tree_state["categorical_bitsets"] = np.array(bitsets, dtype=np.uint64, order="C")
    tree_state["categorical_shape"] = [int(bitsets.shape[0]), int(bitsets.shape[1])]
    tree_state["categorical_n_codes"] = int(n_codes)


def categorical_layouts(tree_state, node_count):
    """Dtype and shape of the categorical arrays a saved tree declares (checked bounds), for
    reading them from an archive before their bytes are decompressed; {} without any."""
    if "categorical_shape" not in tree_state:
        return {}
    rows, words = checked_shape(tree_state.get("categorical_shape"), node_count)
    return {
        "tree/categorical_node": (np.dtype(np.int64), (node_count,)),
        "tree/categorical_bitsets": (np.dtype(np.uint64), (rows, words)),
    }


def checked_shape(shape, node_count):
    """``categorical_shape`` as ``(rows, words)``, within bounds."""
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in shape)
    ):
        raise ValueError("tree.categorical_shape must be [rows, words], two ints.")
    rows, words = shape
    if not 0 <= rows <= node_count or not 1 <= words <= MAX_WORDS:
        raise ValueError(
            f"tree.categorical_shape={shape} is out of range: rows in [0, {node_count}], words "
            f"in [1, {MAX_WORDS}]."
        )
    return rows, words


def categorical_from_state(tree_state, fitted, tree_, n_features_in):
    """Check and attach the categorical arrays to the loaded ``tree_``; return
    ``(is_categorical_, category_names_)`` (None, None without categorical features)."""
    if "is_categorical_" not in fitted:
        if any(k.startswith("categorical_") for k in tree_state):
            raise ValueError("The tree has categorical arrays but no fitted is_categorical_.")
        return None, None
    mask = fitted["is_categorical_"]
    if not isinstance(mask, list) or len(mask) != n_features_in:
        raise ValueError(f"is_categorical_ must be a list of {n_features_in} bools.")
    if not all(isinstance(v, bool) for v in mask):
        raise ValueError("is_categorical_ must hold only true and false.")
    mask = np.array(mask, dtype=bool)
    names = _decode_names(fitted.get("category_names_", []), mask)
    node_count = tree_.node_count
    rows, words = checked_shape(tree_state.get("categorical_shape"), node_count)
    node = _array(tree_state, "categorical_node", np.int64, (node_count,))
    bitsets = _array(tree_state, "categorical_bitsets", np.uint64, (rows, words))
    n_codes = tree_state.get("categorical_n_codes")
    if (
        isinstance(n_codes, bool)
        or not isinstance(n_codes, int)
        or not 1 <= n_codes <= MAX_CODE + 1
    ):
        raise ValueError("tree.categorical_n_codes must be an int in [1, 2**24].")
    if words != (n_codes + 63) // 64:
        raise ValueError(
            f"The categorical bitsets have {words} words, but categorical_n_codes={n_codes} "
            f"needs {(n_codes + 63) // 64}."
        )
    internal = tree_.children_left >= 0
    if np.any((node < -1) | (node >= rows)):
        bad = int(np.flatnonzero((node < -1) | (node >= rows))[0])
        raise ValueError(
            f"categorical_node[{bad}]={node[bad]} is out of range [-1, {rows}): the file is "
            "corrupt."
        )
    split_cat = np.zeros(node_count, dtype=bool)
    split_cat[internal] = mask[tree_.feature[internal]]
    if np.any((node >= 0) != split_cat):
        bad = int(np.flatnonzero((node >= 0) != split_cat)[0])
        raise ValueError(
            f"Node {bad} has categorical_node={node[bad]}, which does not match its split "
            "(a bitset row exactly for the splits on a categorical feature)."
        )
    tail = n_codes - 64 * (words - 1)  # bits used in the last word
    if rows and tail < 64:
        extra = bitsets[:, -1] >> np.uint64(tail)
        if np.any(extra != 0):
            bad = int(np.flatnonzero(extra != 0)[0])
            raise ValueError(
                f"categorical_bitsets row {bad} sets a bit at or above categorical_n_codes="
                f"{n_codes}: the file is corrupt."
            )
    tree_.categorical_node = node
    tree_.categorical_bitsets = bitsets
    tree_.categorical_n_codes = n_codes
    return mask, names


def _array(tree_state, name, dtype, shape):
    array = tree_state.get(name)
    if not isinstance(array, np.ndarray) or array.dtype != dtype or array.shape != shape:
        raise ValueError(
            f"The tree's {name!r} must be a numpy array of dtype {np.dtype(dtype)} and shape "
            f"{shape}."
        )
    return np.array(array, dtype=dtype, order="C", copy=True)


def _decode_names(pairs, mask):
    if not isinstance(pairs, list):
        raise ValueError("category_names_ must be a list of [feature, [names]] pairs.")
    names = {}
    for pair in pairs:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or isinstance(pair[0], bool)
            or not isinstance(pair[0], int)
            or not isinstance(pair[1], list)
            or not all(isinstance(c, str) for c in pair[1])
        ):
            raise ValueError("category_names_ must be a list of [feature, [names]] pairs.")
        j = pair[0]
        if not 0 <= j < mask.shape[0] or not mask[j] or j in names:
            raise ValueError(f"category_names_ names feature {j}, not a categorical feature.")
        names[j] = list(pair[1])
    return names
