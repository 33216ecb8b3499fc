"""From a validated training set to a fitted ``Tree``: the parameters in the kernels' bundles.

``grow_tree`` turns the estimator's parameters into ``Rules``, the targets and weights into a
``Criterion``, presorts X into ``Presorted`` and runs the builder that fits: threaded
depth-first for large data (``tree._grow``), serial depth-first, or best-first for
``max_leaf_nodes`` (``tree._builder``).
"""

import math
import numbers
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from tree._binning import (
    DEFAULT_SUBSAMPLE,
    bin_features,
    category_bins,
    fit_bin_edges,
    n_bins_of,
)
from tree._builder import build_best_first, build_depth_first, new_nodes
from tree._bundles import UNIT, Criterion, Presorted, Root, Rules, make_workspace
from tree._categorical_fit import categorical_bundles, keep_bitsets
from tree._categorical_threads import CategoricalThreadedBuild
from tree._criterion import CRITERIA, ENTROPY, MAE, MSE, xlogx_table
from tree._grow import ThreadedBuild
from tree._hist import HistData, HistScratch
from tree._hist_builder import build_hist_best_first, build_hist_depth_first
from tree._hist_threads import HistThreadedBuild
from tree._memory import release_freed_memory
from tree._params import check_random_state
from tree._presort import presort
from tree._startup import compile_notice
from tree._tree import Tree

PARALLEL_MIN_CELLS = 200_000  # n_samples * n_features from which fit uses every thread
# the histogram builder's workspace has no partition buffers
_NO_LABELS = Presorted(
    *(np.zeros((0, 0), dtype=t) for t in (np.int32, np.float32, np.uint8, np.float64))
)


def grow_tree(
    estimator,
    X32,
    y_enc,
    n_classes,
    wmode,
    class_w,
    weights,
    w_total,
    min_weight_leaf,
    max_features,
    n_samples_total,
    monotonic=None,
    categorical=None,
):
    """Grow the tree of ``estimator``'s parameters on float32 ``X32`` and encoded targets.

    ``categorical`` is None, or ``(is_categorical, min_category_samples)`` for native
    categorical splits (``tree._categorical``; the tree then gets ``categorical_node`` and
    ``categorical_bitsets``)."""
    n, d = X32.shape
    crit = CRITERIA[estimator.criterion]
    seed = build_seed(estimator)
    n_threads = numba.get_num_threads()
    use_parallel = n_threads > 1 and n * d >= PARALLEL_MIN_CELLS
    regression = crit >= MSE
    n_values = 1 if regression else n_classes
    if regression:  # the kernels carry y itself beside each feature
        codes, targets = None, np.ascontiguousarray(y_enc, dtype=np.float64)
    else:
        codes = y_enc.astype(np.uint8 if n_classes <= 256 else np.int32, copy=False)
        targets = None
    with compile_notice(build_depth_first, build_best_first, build_hist_depth_first):
        criterion = make_criterion(estimator, n, n_classes, wmode, class_w, weights, w_total)
        rules = stopping_rules(
            estimator, d, n_samples_total, min_weight_leaf, max_features, monotonic
        )
        if estimator.splitter == "hist":
            cols_i, cols_f, node_v, depth, node_bitsets = _build_hist(
                estimator, X32, codes, targets, criterion, rules, seed, n_values, categorical
            )
        else:
            data = Presorted(*presort(X32, codes, targets, n_threads if use_parallel else 1))
            cols_i, cols_f, node_v, depth, node_bitsets = _build(
                estimator, data, criterion, rules, seed, n_values, n_threads, use_parallel,
                categorical, X32,
            )  # fmt: skip
    tree = tree_from_columns(d, n_values, cols_i, cols_f, node_v, depth)
    if node_bitsets is not None:
        keep_bitsets(tree, categorical[0], *node_bitsets)
    return tree


def build_seed(estimator):
    """The build's seed (``Workspace.rng``) drawn from ``estimator.random_state``."""
    rng = check_random_state(estimator.random_state)
    return np.array([0, rng.randint(np.iinfo(np.int32).max)], dtype=np.uint64)


def make_criterion(estimator, n, n_classes, wmode, class_w, weights, w_total):
    """The ``Criterion`` of ``estimator`` for ``n`` training rows of total weight ``w_total``."""
    crit = CRITERIA[estimator.criterion]
    use_table = crit == ENTROPY and wmode == UNIT
    return Criterion(
        code=crit,
        n_classes=int(n_classes),
        weight_mode=int(wmode),
        class_weight=np.ascontiguousarray(class_w, dtype=np.float64),
        sample_weight=weights,
        total_weight=float(w_total),
        xlogx=xlogx_table(n) if use_table else np.zeros(1),
        use_xlogx=bool(use_table),
    )


def stopping_rules(estimator, d, n_samples_total, min_weight_leaf, max_features, monotonic):
    """The ``Rules`` of ``estimator``'s parameters for ``n_samples_total`` training rows."""
    if isinstance(estimator.min_samples_leaf, numbers.Integral):
        min_samples_leaf = int(estimator.min_samples_leaf)
    else:
        min_samples_leaf = int(math.ceil(estimator.min_samples_leaf * n_samples_total))
    if isinstance(estimator.min_samples_split, numbers.Integral):
        min_samples_split = int(estimator.min_samples_split)
    else:
        min_samples_split = max(2, int(math.ceil(estimator.min_samples_split * n_samples_total)))
    min_samples_split = max(min_samples_split, 2 * min_samples_leaf)
    max_depth = np.iinfo(np.int32).max if estimator.max_depth is None else int(estimator.max_depth)
    return Rules(
        random_splitter=estimator.splitter == "random",
        max_features=int(max_features),
        min_samples_split=int(min_samples_split),
        min_samples_leaf=int(min_samples_leaf),
        min_weight_leaf=float(min_weight_leaf),
        max_depth=int(max_depth),
        min_impurity_decrease=float(estimator.min_impurity_decrease),
        use_monotonic=monotonic is not None,
        monotonic=np.zeros(d, dtype=np.int8) if monotonic is None else monotonic,
    )


def tree_from_columns(d, n_values, cols_i, cols_f, node_v, depth):
    """A ``Tree`` from a builder's node columns (``Nodes.ints.T``, ``Nodes.floats.T``)."""
    node_count = node_v.shape[0]
    tree = Tree(d, np.array([n_values]), 1)
    # copies of the rows of column-major arrays, views of the column-major ones
    tree.children_left = np.ascontiguousarray(cols_i[0])
    tree.children_right = np.ascontiguousarray(cols_i[1])
    tree.feature = np.ascontiguousarray(cols_i[2])
    tree.n_node_samples = np.ascontiguousarray(cols_i[3])
    tree.missing_go_to_left = cols_i[4].astype(np.uint8)
    tree.threshold = np.ascontiguousarray(cols_f[0])
    tree.impurity = np.ascontiguousarray(cols_f[1])
    tree.weighted_n_node_samples = np.ascontiguousarray(cols_f[2])
    tree.value = node_v.reshape(node_count, 1, n_values)
    tree.node_count = int(node_count)
    tree.max_depth = int(depth)
    return tree


def _build_hist(estimator, X32, codes, targets, criterion, rules, seed, n_values, categorical):
    """Bin ``X32`` and grow the tree on its histograms (``splitter="hist"``): the tree's
    columns, values and depth, and the per-node categorical bitsets (None without)."""
    n, d = X32.shape
    max_bins = estimator.max_bins
    n_threads = numba.get_num_threads() if n * d >= PARALLEL_MIN_CELLS else 1
    bin_code = make_categorical = None
    if categorical is not None:
        bin_code = category_bins(X32, categorical[0], max_bins)
        make_categorical = categorical_bundles(categorical, X32, criterion.n_classes, bin_code)
    edges, n_edges = fit_bin_edges(
        X32, max_bins, DEFAULT_SUBSAMPLE, np.random.RandomState(int(seed[1])), n_threads,
        bin_code,
    )  # fmt: skip
    n_bins = n_bins_of(max_bins, bin_code)
    if n_threads > 1:
        release_freed_memory()  # the sampled rows', before the codes are allocated
    data = HistData(
        codes=bin_features(X32, edges, n_edges, n_bins, n_threads),
        samples=np.arange(n, dtype=np.int32),
        labels=np.zeros(0, dtype=np.uint8) if codes is None else codes,
        targets=np.zeros(0) if targets is None else targets,
        edges=edges,
        n_edges=n_edges,
        missing_bin=n_bins,
    )
    n_weights = 0 if criterion.weight_mode == UNIT else n
    scratch = HistScratch(weights=np.empty(n_weights), buffer=np.empty(n, dtype=np.int32))
    ws = make_workspace(0, d, criterion.n_classes, _NO_LABELS, seed)
    if estimator.max_leaf_nodes is None:
        return _build_hist_depth_first(
            data, criterion, rules, ws, scratch, seed, n_values, make_categorical
        )
    max_leaf_nodes = int(estimator.max_leaf_nodes)
    capacity = 2 * min(max_leaf_nodes, n) + 1
    nodes = new_nodes(capacity, n_values)
    cat = None if make_categorical is None else make_categorical(capacity)
    node_count, depth = build_hist_best_first(
        data, criterion, rules, ws, scratch, nodes, max_leaf_nodes, cat
    )
    return (*_serial_columns(nodes, node_count), depth, _serial_bitsets(cat, node_count))


def _serial_columns(nodes, node_count):
    # the tree's columns, and its values not a view keeping the spare rows
    node_v = nodes.values[:node_count].copy()
    return nodes.ints[:node_count].T, nodes.floats[:node_count].T, node_v


def _serial_bitsets(cat, node_count):
    return None if cat is None else (cat.node_bitsets[:node_count], cat.n_codes)


def _build_hist_depth_first(data, criterion, rules, ws, scratch, seed, n_values, make_categorical):
    """The histogram builder's depth-first tree: on one thread for small data, else the top
    levels node by node with every thread, then the subtrees of the nodes they deferred
    concurrently (``tree._hist_threads``: the same tree on any number of threads)."""
    n, d = data.codes.shape
    n_threads = numba.get_num_threads()
    if n_threads == 1 or n * d < PARALLEL_MIN_CELLS:
        nodes = new_nodes(2 * n, n_values)
        cat = None if make_categorical is None else make_categorical(2 * n)
        root = Root(0, n, 0, np.inf, -np.inf, np.inf)
        node_count, depth = build_hist_depth_first(
            data, criterion, rules, ws, scratch, nodes, root, None, cat
        )
        return (*_serial_columns(nodes, node_count), depth, _serial_bitsets(cat, node_count))

    def make_scratch(buffer_size):
        return scratch._replace(buffer=np.empty(buffer_size, dtype=np.int32))

    def make_ws():
        return make_workspace(0, d, criterion.n_classes, _NO_LABELS, seed)

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        build = HistThreadedBuild(
            data, criterion, rules, make_scratch, make_ws, n_values, pool, make_categorical
        )
        return build.run(max(n // (8 * n_threads), 2_000))


def _build(
    estimator, data, criterion, rules, seed, n_values, n_threads, use_parallel, categorical, X32
):
    """Run the builder that fits the parameters; the tree's columns, values and depth, and the
    per-node categorical bitsets (None without categorical features)."""
    d, n = data.order.shape
    absolute_error = True if criterion.code == MAE else None  # None: compiled without it
    cat = None  # None: compiled without the categorical kernels
    if categorical is not None:
        make_categorical = categorical_bundles(categorical, X32, criterion.n_classes)
        if estimator.max_leaf_nodes is None and use_parallel and absolute_error is None:
            defer_below = max(n // (8 * n_threads), 2_000)
            build = CategoricalThreadedBuild(
                data, criterion, rules, seed, n_values, n_threads, make_categorical
            )
            return build.run(defer_below)
        capacity = 2 * (n if estimator.max_leaf_nodes is None else min(estimator.max_leaf_nodes, n))
        cat = make_categorical(capacity + 1)
        use_parallel = False
    if estimator.max_leaf_nodes is None and use_parallel:
        # the top levels node by node with the features split between threads, then the
        # subtrees below `defer_below` samples concurrently
        defer_below = max(n // (8 * n_threads), 2_000)
        build = ThreadedBuild(data, criterion, rules, seed, n_values, n_threads)
        return (*build.run(defer_below), None)
    ws = make_workspace(n, d, criterion.n_classes, data, seed)
    if estimator.max_leaf_nodes is None:
        nodes = new_nodes(2 * n, n_values)
        root = Root(0, n, 0, np.inf, -np.inf, np.inf)
        node_count, depth = build_depth_first(
            data, criterion, rules, ws, nodes, root, absolute_error, cat
        )
    else:
        nodes = new_nodes(2 * min(int(estimator.max_leaf_nodes), n) + 1, n_values)
        node_count, depth = build_best_first(
            data,
            criterion,
            rules,
            ws,
            nodes,
            int(estimator.max_leaf_nodes),
            absolute_error,
            cat,
        )
    return (*_serial_columns(nodes, node_count), depth, _serial_bitsets(cat, node_count))


def store_fitted(estimator, tree, n_features, names, max_features, is_categorical, category_names):
    """Leave on ``estimator`` the fitted attributes every fit has (a local or a Dask fit; the
    target's own, such as ``classes_``, are the caller's), removing stale optional ones."""
    estimator.n_outputs_ = 1
    estimator.n_features_in_ = n_features
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator.max_features_ = max_features
    estimator.is_categorical_ = is_categorical
    if is_categorical is not None:
        estimator.category_names_ = {j: category_names[j] for j in sorted(category_names)}
    elif hasattr(estimator, "category_names_"):
        del estimator.category_names_
    estimator.tree_ = tree
