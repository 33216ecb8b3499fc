"""numba kernels of the metrics: label coding, confusion counts, counts at every threshold.

Every kernel takes plain contiguous arrays that the Python API has already validated (codes in
range, finite scores); numba does not check bounds.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def split_by_class(scores, is_pos):
    """The scores of the positive samples and those of the negative samples.

    Branch-free: positives fill one buffer from the front, negatives from the back.
    """
    n = is_pos.shape[0]
    out = np.empty(n, dtype=np.float64)
    p = 0
    q = n - 1
    for i in range(n):
        b = np.int64(is_pos[i])
        out[b * p + (1 - b) * q] = scores[i]
        p += b
        q -= 1 - b
    return out[:p], out[p:]


@njit(cache=True, nogil=True)
def mark_present(values, lo, present):
    """Set ``present[v - lo] = 1`` for every value ``v``."""
    for i in range(values.shape[0]):
        present[values[i] - lo] = 1


@njit(cache=True, nogil=True)
def lookup_codes(values, lo, lookup):
    """Codes ``lookup[v - lo]`` of every value ``v``."""
    out = np.empty(values.shape[0], dtype=np.int64)
    for i in range(values.shape[0]):
        out[i] = lookup[values[i] - lo]
    return out


@njit(cache=True, nogil=True)
def count_confusion(codes_true, codes_pred, n_labels):
    """Integer confusion matrix: ``cm[t, p]`` counts samples with codes ``(t, p)``."""
    cm = np.zeros((n_labels, n_labels), dtype=np.int64)
    for i in range(codes_true.shape[0]):
        cm[codes_true[i], codes_pred[i]] += 1
    return cm


@njit(cache=True, nogil=True)
def count_confusion_weighted(codes_true, codes_pred, weight, n_labels):
    """Weighted confusion matrix, summed in sample order."""
    cm = np.zeros((n_labels, n_labels), dtype=np.float64)
    for i in range(codes_true.shape[0]):
        cm[codes_true[i], codes_pred[i]] += weight[i]
    return cm


@njit(cache=True, nogil=True)
def _next_value(pos, i, neg, j):
    if i < 0:
        return neg[j]
    if j < 0:
        return pos[i]
    return max(pos[i], neg[j])


@njit(cache=True, nogil=True)
def _skip_value(values, i, v):
    """Walk down the ascending ``values`` from index ``i`` past those equal to ``v``.

    Returns the next index (-1 at the end) and how many were passed.
    """
    start = i
    while i >= 0 and values[i] == v:
        i -= 1
    return i, start - i


@njit(cache=True, nogil=True)
def counts_from_sorted(pos, neg):
    """Counts at every distinct threshold from the ascending scores of each class.

    Walks both arrays from their largest value down; at each distinct value ``v`` records
    ``v``, the positives scored ``>= v`` and the negatives scored ``>= v``.
    """
    n = pos.shape[0] + neg.shape[0]
    thresholds = np.empty(n, dtype=np.float64)
    tps = np.empty(n, dtype=np.float64)
    fps = np.empty(n, dtype=np.float64)
    i = pos.shape[0] - 1
    j = neg.shape[0] - 1
    tp = 0
    fp = 0
    k = 0
    while i >= 0 or j >= 0:
        v = _next_value(pos, i, neg, j)
        i, n_pos = _skip_value(pos, i, v)
        j, n_neg = _skip_value(neg, j, v)
        tp += n_pos
        fp += n_neg
        thresholds[k] = v
        tps[k] = tp
        fps[k] = fp
        k += 1
    return thresholds[:k], tps[:k], fps[:k]


@njit(cache=True, nogil=True)
def roc_area_from_sorted(pos, neg):
    """Area under the ROC curve from the ascending scores of each class (both non-empty).

    The trapezoids are summed in counts, exactly (integers below 2**53), then normalised.
    """
    i = pos.shape[0] - 1
    j = neg.shape[0] - 1
    tp = 0
    fp = 0
    twice_area = 0.0
    while i >= 0 or j >= 0:
        v = _next_value(pos, i, neg, j)
        tp_prev = tp
        fp_prev = fp
        i, n_pos = _skip_value(pos, i, v)
        j, n_neg = _skip_value(neg, j, v)
        tp += n_pos
        fp += n_neg
        twice_area += float(fp - fp_prev) * float(tp + tp_prev)
    return twice_area / (2.0 * float(tp) * float(fp))


@njit(cache=True, nogil=True)
def average_precision_from_sorted(pos, neg):
    """Average precision (step integral of the PR curve) from each class's ascending scores."""
    i = pos.shape[0] - 1
    j = neg.shape[0] - 1
    tp = 0
    fp = 0
    total = 0.0
    while i >= 0 or j >= 0:
        v = _next_value(pos, i, neg, j)
        tp_prev = tp
        i, n_pos = _skip_value(pos, i, v)
        j, n_neg = _skip_value(neg, j, v)
        tp += n_pos
        fp += n_neg
        if tp > tp_prev:
            total += float(tp - tp_prev) * (float(tp) / float(tp + fp))
    return total / float(pos.shape[0])


@njit(cache=True, nogil=True)
def weighted_counts(order, scores, is_pos, weight):
    """Weighted counts at every distinct threshold; ``order`` sorts ``scores`` ascending."""
    n = order.shape[0]
    thresholds = np.empty(n, dtype=np.float64)
    tps = np.empty(n, dtype=np.float64)
    fps = np.empty(n, dtype=np.float64)
    tp = 0.0
    fp = 0.0
    k = 0
    i = n - 1
    while i >= 0:
        v = scores[order[i]]
        while i >= 0 and scores[order[i]] == v:
            s = order[i]
            if is_pos[s]:
                tp += weight[s]
            else:
                fp += weight[s]
            i -= 1
        thresholds[k] = v
        tps[k] = tp
        fps[k] = fp
        k += 1
    return thresholds[:k], tps[:k], fps[:k]


@njit(cache=True, nogil=True)
def roc_area_from_counts(tps, fps):
    """Area under the ROC curve through (0, 0) and the points ``(fps, tps)``, normalised."""
    twice_area = 0.0
    tp_prev = 0.0
    fp_prev = 0.0
    for k in range(tps.shape[0]):
        twice_area += (fps[k] - fp_prev) * (tps[k] + tp_prev)
        tp_prev = tps[k]
        fp_prev = fps[k]
    return twice_area / (2.0 * tp_prev * fp_prev)


@njit(cache=True, nogil=True)
def average_precision_from_counts(tps, fps):
    """Average precision from the counts at every threshold (descending thresholds)."""
    total = 0.0
    tp_prev = 0.0
    for k in range(tps.shape[0]):
        if tps[k] != tp_prev:
            total += (tps[k] - tp_prev) * (tps[k] / (tps[k] + fps[k]))
        tp_prev = tps[k]
    return total / tp_prev
