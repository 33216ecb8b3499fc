"""Sort every column of X once (LSD radix sort on float32 bit patterns).

The result is, per feature ``f``, the sample indices ``order[f]`` in increasing order of
``X[:, f]`` (stable: equal values keep increasing sample index), the sorted values
``values[f]`` and the targets in that order: a classifier's class codes ``labels[f]``, or a
regressor's y ``targets[f]``. The tree builder keeps these arrays node-ordered, so that each
node is a contiguous segment of every feature.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

_RADIX_BITS = 11
_N_BUCKETS = 1 << _RADIX_BITS
_N_PASSES = 3  # 3 * 11 bits >= 32


@njit(cache=True, nogil=True)
def _float_keys(X, f, keys):
    # unsigned keys whose order is the float order: flip all bits of negatives, the sign of others
    n = X.shape[0]
    for i in range(n):
        b = np.uint32(np.float32(X[i, f]).view(np.uint32))
        if b & np.uint32(0x80000000):
            keys[i] = ~b
        else:
            keys[i] = b | np.uint32(0x80000000)


@njit(cache=True, nogil=True)
def _radix_sort_column(X, f, y, order_out, values_out, labels_out, keys, keys2, idx, idx2, counts):
    n = X.shape[0]
    _float_keys(X, f, keys)
    for i in range(n):
        idx[i] = i
    for d in range(_N_PASSES):
        for b in range(_N_BUCKETS):
            counts[d, b] = 0
    mask = np.uint32(_N_BUCKETS - 1)
    for i in range(n):
        k = keys[i]
        for d in range(_N_PASSES):
            counts[d, (k >> np.uint32(d * _RADIX_BITS)) & mask] += 1
    src_k, dst_k, src_i, dst_i = keys, keys2, idx, idx2
    for d in range(_N_PASSES):
        shift = np.uint32(d * _RADIX_BITS)
        if counts[d, (src_k[0] >> shift) & mask] == n:
            continue  # every key has the same digit: nothing to move
        total = 0
        for b in range(_N_BUCKETS):
            c = counts[d, b]
            counts[d, b] = total
            total += c
        for i in range(n):
            k = src_k[i]
            b = (k >> shift) & mask
            pos = counts[d, b]
            counts[d, b] = pos + 1
            dst_k[pos] = k
            dst_i[pos] = src_i[i]
        src_k, dst_k = dst_k, src_k
        src_i, dst_i = dst_i, src_i
    for i in range(n):
        k = src_k[i]
        if k & np.uint32(0x80000000):
            b = k & np.uint32(0x7FFFFFFF)
        else:
            b = ~k
        values_out[i] = np.uint32(b).view(np.float32)
        j = src_i[i]
        order_out[i] = j
        labels_out[i] = y[j]


@njit(cache=True, nogil=True)
def _presort_chunk(t, n_chunks, X, y, order, values, labels, keys, keys2, idx, idx2, counts):
    for f in range(t, X.shape[1], n_chunks):
        _radix_sort_column(
            X, f, y, order[f], values[f], labels[f], keys[t], keys2[t], idx[t], idx2[t], counts[t]
        )


def presort(X, codes=None, y=None, n_threads=1):
    """Sort each column of ``X`` (float32 or float64, its values as float32), carrying the
    uint8/int32 class ``codes`` or the float64 targets ``y`` (one of them).

    Returns ``(order int32, values float32, labels, targets)``, each of shape
    ``(n_features, n_samples)`` but the one not carried, of shape ``(n_features, 0)``.
    With ``n_threads > 1`` the features are split between threads (the kernel releases the GIL).
    """
    n, d = X.shape
    order = np.empty((d, n), dtype=np.int32)
    values = np.empty((d, n), dtype=np.float32)
    if codes is None:
        labels = np.empty((d, 0), dtype=np.uint8)
        targets = np.empty((d, n), dtype=np.float64)
        carried, carried_out = y, targets
    else:
        labels = np.empty((d, n), dtype=codes.dtype)
        targets = np.empty((d, 0), dtype=np.float64)
        carried, carried_out = codes, labels
    n_chunks = max(1, min(n_threads, d))
    keys = np.empty((n_chunks, n), dtype=np.uint32)
    keys2 = np.empty((n_chunks, n), dtype=np.uint32)
    idx = np.empty((n_chunks, n), dtype=np.int32)
    idx2 = np.empty((n_chunks, n), dtype=np.int32)
    counts = np.empty((n_chunks, _N_PASSES, _N_BUCKETS), dtype=np.int64)

    def sort_chunk(t):
        _presort_chunk(
            t, n_chunks, X, carried, order, values, carried_out, keys, keys2, idx, idx2, counts
        )

    if n_chunks == 1:
        sort_chunk(0)
    else:
        with ThreadPoolExecutor(max_workers=n_chunks) as pool:
            list(pool.map(sort_chunk, range(n_chunks)))
    return order, values, labels, targets
