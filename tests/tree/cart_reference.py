"""A brute-force reference for CART splits, written independently of the kernels.

For a node (a set of training samples) it evaluates every admissible split of every feature
with numpy cumulative sums and scikit-learn's rules (float32 values, candidate positions only
between values more than 1e-7 apart, ``min_samples_leaf`` and ``min_weight_leaf``), and returns
the weighted children impurity ``wL * impL + wR * impR`` of each candidate: the best split has
the smallest. ``is_unique`` tells whether the best is separated from the runner-up.
"""

import numpy as np

FEATURE_THRESHOLD = np.float32(1e-7)
REL_TOL = 1e-9
PURE = 1e-12  # impurity below this is zero up to rounding


def impurity(counts, weight, criterion):
    """Gini or entropy (bits) of the weighted class counts (rows of ``counts``)."""
    counts = np.atleast_2d(counts)
    weight = np.asarray(weight, dtype=np.float64).reshape(-1, 1)
    p = counts / weight
    if criterion == "gini":
        return 1.0 - np.sum(p * p, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -np.sum(terms, axis=1)


def _feature_splits(xs, stats, ws, min_samples_leaf, min_weight_leaf):
    """Every admissible split of one feature, with scikit-learn's missing-value rules.

    ``stats`` has one row of additive statistics per sample. Missing values (NaN) are first
    sent right (including "all values left, missing right", threshold inf), then left.
    Returns a list of (left_stats, right_stats, w_left, w_right, threshold, missing_left).
    """
    m = len(xs)
    nan = np.isnan(xs)
    present = np.flatnonzero(~nan)
    order = present[np.argsort(xs[present], kind="stable")]
    n_nm, n_miss = len(order), int(nan.sum())
    if n_nm == 0:
        return []
    xv = xs[order]
    cum = np.cumsum(stats[order], axis=0)
    cw = np.cumsum(ws[order])
    s_miss = stats[nan].sum(axis=0)
    w_miss = ws[nan].sum()
    total = cum[-1] + s_miss
    w_total = cw[-1] + w_miss
    split_ok = np.zeros(n_nm, dtype=bool)
    split_ok[:-1] = xv[1:] > (xv[:-1] + FEATURE_THRESHOLD).astype(np.float32)
    thresholds = np.full(n_nm, np.inf)
    thresholds[:-1] = xv[:-1].astype(np.float64) / 2.0 + xv[1:].astype(np.float64) / 2.0
    k = np.arange(1, n_nm + 1)
    out = []
    passes = [(False, 0, 0.0, 0.0)]
    if n_miss:
        passes.append((True, n_miss, s_miss, w_miss))
    for missing_left, n_add, s_add, w_add in passes:
        ok = split_ok.copy()
        if n_miss and not missing_left:
            ok[-1] = True
        left = cum + s_add
        w_left = cw + w_add
        n_left = k + n_add
        right = total - left
        w_right = w_total - w_left
        ok &= (n_left >= min_samples_leaf) & (m - n_left >= min_samples_leaf)
        ok &= (w_left >= min_weight_leaf) & (w_right >= min_weight_leaf)
        ok &= (w_left > 0) & (w_right > 0)
        idx = np.flatnonzero(ok)
        out.append(
            (left[idx], right[idx], w_left[idx], w_right[idx], thresholds[idx], missing_left)
        )
    return out


def candidate_splits(
    X32, y, w, samples, n_classes, criterion, min_samples_leaf=1, min_weight_leaf=0.0
):
    """All admissible splits of a node: (children_impurity, feature, threshold, missing_left).

    For ``criterion="squared_error"`` y holds the targets and the impurity is the variance;
    otherwise y holds class codes. Missing values in X follow scikit-learn's rules.
    """
    samples = np.asarray(samples)
    if len(samples) < 2:
        return []
    ws = w[samples]
    regression = criterion in ("squared_error", "friedman_mse")
    if regression:
        ys = y[samples].astype(np.float64)
        stats = np.c_[ws * ys, ws * ys * ys]
    else:
        stats = np.zeros((len(samples), n_classes))
        stats[np.arange(len(samples)), y[samples]] = ws
    out = []
    for f in range(X32.shape[1]):
        for left, right, w_left, w_right, thr, missing_left in _feature_splits(
            X32[samples, f], stats, ws, min_samples_leaf, min_weight_leaf
        ):
            if regression:
                values = (left[:, 1] - left[:, 0] ** 2 / w_left) + (
                    right[:, 1] - right[:, 0] ** 2 / w_right
                )
            else:
                values = w_left * impurity(left, w_left, criterion) + w_right * impurity(
                    right, w_right, criterion
                )
            n = len(values)
            out.extend(zip(values.tolist(), [f] * n, thr.tolist(), [missing_left] * n))
    return out


def best_and_unique(candidates):
    """``(best_value, unique)``: the smallest children impurity and whether it is untied."""
    if not candidates:
        return None, True
    values = np.sort(np.array([c[0] for c in candidates]))
    best = values[0]
    tol = REL_TOL * max(1.0, abs(best))
    unique = len(values) == 1 or values[1] - best > tol
    return best, unique


def node_samples(tree, X32, samples):
    """Map node id -> training sample indices reaching it (following ``x <= threshold``)."""
    result = {0: np.asarray(samples)}
    stack = [0]
    while stack:
        node = stack.pop()
        left = tree.children_left[node]
        if left < 0:
            continue
        s = result[node]
        x = X32[s, tree.feature[node]]
        go_left = (x <= tree.threshold[node]) | (np.isnan(x) & bool(tree.missing_go_to_left[node]))
        result[left] = s[go_left]
        result[tree.children_right[node]] = s[~go_left]
        stack += [left, tree.children_right[node]]
    return result


def tree_is_untied(tree, X32, y, w, n_classes, criterion, min_samples_leaf=1, min_weight_leaf=0.0):
    """Whether every internal node of ``tree`` had a unique best split."""
    samples = np.flatnonzero(w > 0)
    for node, s in node_samples(tree, X32, samples).items():
        if tree.children_left[node] < 0:
            continue
        if tree.impurity[node] < PURE:
            return False  # a pure node split on rounding noise: not a well-defined split
        cands = candidate_splits(
            X32, y, w, s, n_classes, criterion, min_samples_leaf, min_weight_leaf
        )
        if not best_and_unique(cands)[1]:
            return False
    return True


def compare_untied(
    ours,
    theirs,
    X32,
    y,
    w,
    n_classes,
    criterion,
    min_samples_leaf=1,
    min_weight_leaf=0.0,
    atol=1e-12,
):
    """Walk both trees from the root while the reference split is unique; assert they agree.

    Returns the number of nodes compared. Below a node whose best split is tied the trees may
    legitimately differ (the tie rules differ), so that subtree is not compared. ``atol`` bounds
    the difference of values and impurities (a variance near 0 is rounding noise of its size).
    """
    samples = {(0, 0): np.flatnonzero(w > 0)}
    stack = [(0, 0)]
    compared = 0
    while stack:
        a, b = stack.pop()
        s = samples.pop((a, b))
        compared += 1
        a_leaf = ours.children_left[a] < 0
        b_leaf = theirs.children_left[b] < 0
        np.testing.assert_allclose(ours.value[a], theirs.value[b], rtol=1e-12, atol=atol)
        np.testing.assert_allclose(ours.impurity[a], theirs.impurity[b], rtol=1e-12, atol=atol)
        assert ours.n_node_samples[a] == theirs.n_node_samples[b]
        if theirs.impurity[b] < PURE and ours.impurity[a] < PURE:
            continue  # pure up to rounding: whether it is split depends on summation order
        assert a_leaf == b_leaf, f"node {a}/{b}: leaf in one tree only"
        if a_leaf:
            continue
        cands = candidate_splits(
            X32, y, w, s, n_classes, criterion, min_samples_leaf, min_weight_leaf
        )
        if not best_and_unique(cands)[1]:
            continue
        assert ours.feature[a] == theirs.feature[b], f"node {a}: different feature"
        assert ours.threshold[a] == theirs.threshold[b], f"node {a}: different threshold"
        x = X32[s, ours.feature[a]]
        go_left = (x <= ours.threshold[a]) | (np.isnan(x) & bool(ours.missing_go_to_left[a]))
        if np.isnan(x).any():
            assert ours.missing_go_to_left[a] == theirs.missing_go_to_left[b]
        la, lb = ours.children_left[a], theirs.children_left[b]
        ra, rb = ours.children_right[a], theirs.children_right[b]
        samples[(la, lb)] = s[go_left]
        samples[(ra, rb)] = s[~go_left]
        stack += [(la, lb), (ra, rb)]
    return compared
