"""The candidate features of a node, and the random splitter's thresholds.

A feature is a candidate when it is not constant in the node: its values span more than 1e-7,
or it has both values and missing values. With ``max_features >= n_features`` and the best
splitter every non-constant feature is a candidate and no random number is drawn; otherwise
features are drawn at random without replacement, as scikit-learn does, until
``max_features`` were visited and at least one was not constant.
"""

import numpy as np

from tree._jit import borrowing_entry, borrowing_kernel
from tree._random import rand_int, rand_uniform, seed_node
from tree._scan import FEATURE_THRESHOLD, end_non_missing


@borrowing_kernel
def is_constant(values, f, start, end):
    """No split of feature ``f`` possible in the node: all values missing, or all within 1e-7
    and none missing."""
    if not np.isnan(values[f, end - 1]):
        return values[f, end - 1] <= values[f, start] + FEATURE_THRESHOLD
    return np.isnan(values[f, start])  # NaN sort last


@borrowing_kernel
def mark_constant(values, start, end, constant):
    """``constant[f]``: feature ``f`` is constant in the node ``[start, end)``."""
    for f in range(values.shape[0]):
        constant[f] = 1 if is_constant(values, f, start, end) else 0


@borrowing_kernel
def draw_features(constant, max_features, rng, perm, feats):
    """Candidate features of a node into ``feats``, ascending; return their number
    (``constant[f]``: feature ``f`` cannot split the node)."""
    d = constant.shape[0]
    m = 0
    for f in range(d):
        perm[f] = f
    visited = 0
    n_constant = 0
    i = 0
    while i < d and (visited < max_features or visited <= n_constant):
        j = i + rand_int(rng, d - i)
        f = perm[j]
        perm[j] = perm[i]
        perm[i] = f
        i += 1
        visited += 1
        if constant[f] == 0:
            feats[m] = f
            m += 1
        else:
            n_constant += 1
    for a in range(1, m):  # insertion sort: m is small
        f = feats[a]
        b = a - 1
        while b >= 0 and feats[b] > f:
            feats[b + 1] = feats[b]
            b -= 1
        feats[b + 1] = f
    return m


@borrowing_entry
def prepare_candidates(data, rules, ws, start, end):
    """The node's candidate features (and the random splitter's thresholds) into the
    workspace; return their number."""
    values = data.values
    d = values.shape[0]
    feats = ws.features
    if rules.max_features >= d and not rules.random_splitter:
        m = 0
        for f in range(d):
            if not is_constant(values, f, start, end):
                feats[m] = f
                m += 1
        return m
    rng = ws.rng
    seed_node(rng, start, end)
    if rules.max_features >= d:
        m = 0
        for f in range(d):
            if not is_constant(values, f, start, end):
                feats[m] = f
                m += 1
    else:
        mark_constant(values, start, end, ws.constant)
        m = draw_features(ws.constant, rules.max_features, rng, ws.permutation, feats)
    if rules.random_splitter:
        for j in range(m):
            f = feats[j]
            end_nm = end_non_missing(values[f], start, end)
            ws.random_missing_left[j] = rand_int(rng, np.int64(2)) if end_nm < end else 0
            lo = np.float64(values[f, start])
            hi = np.float64(values[f, end_nm - 1])
            t = (hi - lo) * rand_uniform(rng) + lo
            if t == hi:
                t = lo
            ws.random_threshold[j] = t
    return m
