"""Prediction kernels: route rows of X to leaves.

The tree is packed once into one 16-byte record per node, in depth-first preorder so that the
left child of record ``i`` is record ``i + 1``: ``threshold`` (float64), ``feature`` (int32, -1 for
a leaf; bit 30 set when missing values go left) and ``right`` (int32: the right child's record,
or for a leaf its node id in ``tree_``).
Routing is bound by memory latency; large inputs are split into row chunks scored on several
threads.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

NODE_RECORD = np.dtype([("threshold", np.float64), ("feature", np.int32), ("right", np.int32)])
PARALLEL_MIN_ROWS = 20_000
MISSING_LEFT = 1 << 30  # flag in a record's feature: missing values (NaN) go left
FEATURE_MASK = MISSING_LEFT - 1


@njit(cache=True, nogil=True)
def _pack(children_left, children_right, feature, threshold, missing_go_to_left, records):
    n_nodes = children_left.shape[0]
    stack = np.empty(n_nodes + 1, dtype=np.int64)  # (node id) awaiting a record
    from_right = np.empty(n_nodes + 1, dtype=np.int64)  # record whose right child it is, or -1
    stack[0] = 0
    from_right[0] = -1
    top = 1
    k = 0
    while top > 0:
        top -= 1
        node = stack[top]
        if from_right[top] >= 0:
            records[from_right[top]]["right"] = k
        left = children_left[node]
        if left < 0:
            records[k]["feature"] = -1
            records[k]["threshold"] = 0.0
            records[k]["right"] = node
            k += 1
            continue
        records[k]["feature"] = feature[node] | (MISSING_LEFT if missing_go_to_left[node] else 0)
        records[k]["threshold"] = threshold[node]
        stack[top] = children_right[node]
        from_right[top] = k
        top += 1
        stack[top] = left
        from_right[top] = -1
        top += 1
        k += 1
    return k


def pack_tree(tree):
    """The packed node records of a validated ``Tree`` (see module docstring)."""
    records = np.zeros(tree.node_count, dtype=NODE_RECORD)
    _pack(
        tree.children_left,
        tree.children_right,
        tree.feature,
        tree.threshold,
        tree.missing_go_to_left,
        records,
    )
    return records


@njit(cache=True, nogil=True)
def _route_rows(X, records, out, r0, r1):
    for r in range(r0, r1):
        i = 0
        while True:
            rec = records[i]
            f = rec["feature"]
            if f < 0:
                out[r] = rec["right"]
                break
            x = X[r, f & FEATURE_MASK]
            if x <= rec["threshold"]:
                i += 1
            elif x > rec["threshold"] or f < MISSING_LEFT:  # a value above, or NaN going right
                i = rec["right"]
            else:
                i += 1


def apply_records(X, records, n_threads=1):
    """Leaf node id (in ``tree_``) of every row of the float32 C-contiguous matrix ``X``.

    Large inputs are split into row chunks routed on ``n_threads`` threads (the kernel
    releases the GIL).
    """
    n = X.shape[0]
    out = np.empty(n, dtype=np.int64)
    if n_threads <= 1 or n < PARALLEL_MIN_ROWS:
        _route_rows(X, records, out, 0, n)
        return out
    bounds = np.linspace(0, n, 4 * n_threads + 1).astype(np.int64)
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        list(pool.map(lambda lo, hi: _route_rows(X, records, out, lo, hi), bounds[:-1], bounds[1:]))
    return out


@njit(cache=True, nogil=True)
def _path_lengths(X, children_left, children_right, feature, threshold, missing_left, indptr):
    for r in range(X.shape[0]):
        node = 0
        length = 1
        while children_left[node] >= 0:
            x = X[r, feature[node]]
            if x <= threshold[node] or (np.isnan(x) and missing_left[node]):
                node = children_left[node]
            else:
                node = children_right[node]
            length += 1
        indptr[r + 1] = indptr[r] + length


@njit(cache=True, nogil=True)
def _path_nodes(
    X, children_left, children_right, feature, threshold, missing_left, indptr, indices
):
    for r in range(X.shape[0]):
        node = 0
        k = indptr[r]
        indices[k] = 0
        while children_left[node] >= 0:
            x = X[r, feature[node]]
            if x <= threshold[node] or (np.isnan(x) and missing_left[node]):
                node = children_left[node]
            else:
                node = children_right[node]
            k += 1
            indices[k] = node


def decision_path_arrays(X, tree):
    """CSR ``(indptr, indices)`` of the nodes each row of ``X`` passes through, root first."""
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    args = (
        X,
        tree.children_left,
        tree.children_right,
        tree.feature,
        tree.threshold,
        tree.missing_go_to_left,
    )
    _path_lengths(*args, indptr)
    indices = np.empty(indptr[-1], dtype=np.int64)
    _path_nodes(*args, indptr, indices)
    return indptr, indices
