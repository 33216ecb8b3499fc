"""One decision tree trained on a Dask collection, its histograms summed where the data is.

``fit(estimator, X, y)`` grows an ordinary ``DecisionTree`` or ``DecisionTreeRegressor`` with
``splitter="hist"`` from a Dask Array or DataFrame whose rows never meet in one process, as
Spark MLlib grows one tree: the bin edges come from a seeded sample of every partition; then
level by level each partition sums the histograms of its rows for the smaller child of every
node just split, a tree reduction adds them up, the client finds the splits with the same
kernels as a local fit (``tree._hist_builder.split_bin_node``) and the partitions move their
rows to the children. The larger child's histograms are its parent's minus the smaller's.
Counts and integer-valued statistics are summed exactly, so where the bin edges are the same
(every row in the edge sample: at most 200,000 rows) the tree is the one
``estimator.fit(X.compute(), y.compute())`` grows, whatever the partitioning. Categorical
features (``categorical_features``: indices, a mask, names, or the ``category`` columns of a
dask DataFrame) get one bin per category found in any partition, and their splits are chosen by
the local kernels from the summed histograms, so they too are the local tree's.

``DecisionTree(splitter="hist").fit`` calls this when given Dask collections. Histograms are
asked for in groups whose size stays under ``memory_limit`` bytes per partition.
"""

import logging

import numpy as np

from tree._binning import DEFAULT_SUBSAMPLE, fit_bin_edges
from tree._bundles import BY_CLASS, PER_SAMPLE, UNIT, make_workspace
from tree._categorical_checks import check_categorical_options, resolve_categorical_features
from tree._categorical_fit import keep_bitsets
from tree._categorical_search import make_categorical
from tree._checks import check_hist_options
from tree._criterion import MSE
from tree._dask_blocks import (
    block_classes,
    block_histograms,
    block_totals,
    class_counts,
    edge_sample,
    initial_nodes,
    merge_categories,
    prepare_block,
    route,
    tree_sum,
)
from tree._fit import _NO_LABELS, build_seed, make_criterion, stopping_rules, tree_from_columns
from tree._hist import COUNT, STATS, HistData, Histograms
from tree._hist_builder import split_bin_node
from tree._params import validate_params
from tree._tree import TREE_LEAF, TREE_UNDEFINED

DEFAULT_MEMORY_LIMIT = 256 * 2**20
log = logging.getLogger(__name__)  # INFO: per level, the histograms moved


def is_dask_collection(value):
    """Whether ``value`` is a Dask collection (without importing dask)."""
    return hasattr(value, "__dask_graph__") and callable(value.__dask_graph__)


def fit(estimator, X, y, sample_weight=None, *, memory_limit=DEFAULT_MEMORY_LIMIT):
    """Fit ``estimator`` (``splitter="hist"``) on the Dask collections ``X`` and ``y``.

    Parameters
    ----------
    estimator : DecisionTree or DecisionTreeRegressor with ``splitter="hist"``
    X : dask Array of shape (n_samples, n_features) or dask DataFrame of numeric columns
    y : dask Array or Series of shape (n_samples,), partitioned like X's rows
    sample_weight : dask Array or Series like y, or None
    memory_limit : int, bytes of histograms one partition task may hold

    Returns
    -------
    estimator, fitted: an ordinary tree (predict, export, serving as for any other)
    """
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError(
            "tree.dask needs dask: pip install 'cartflow[dask]' (or dask[dataframe,distributed])"
        ) from exc
    name = type(estimator).__name__
    validate_params(estimator, estimator._parameter_constraints)
    if estimator.splitter != "hist":
        raise ValueError(
            f'{name} trains on Dask collections only with splitter="hist" (got '
            f'splitter="{estimator.splitter}"); set splitter="hist".'
        )
    check_hist_options(estimator)
    if estimator.max_leaf_nodes is not None:
        raise ValueError(
            "max_leaf_nodes is not supported on Dask collections yet (the tree grows level by "
            "level); use max_depth, or fit on a NumPy array."
        )
    if not isinstance(memory_limit, int) or memory_limit <= 0:
        raise ValueError(f"memory_limit must be a positive int of bytes, got {memory_limit!r}.")
    X_codes, category_names = _categories_to_codes(X, estimator.categorical_features)
    X_array, names = _as_dask_array(X_codes, name)
    rows = X_array.chunks[0]
    y_array = _aligned_vector(y, rows, "y", name)
    w_array = (
        None
        if sample_weight is None
        else _aligned_vector(sample_weight, rows, "sample_weight", name)
    )
    n_samples, d = int(sum(rows)), int(X_array.shape[1])
    if n_samples == 0:
        raise ValueError(f"{name} needs at least 1 sample; X has 0 rows.")
    categorical = resolve_categorical_features(estimator.categorical_features, X, d, names)
    declared = np.zeros(d, dtype=bool) if categorical is None else categorical
    undeclared = [str(names[j]) for j in category_names if not declared[j]]
    if undeclared:
        raise ValueError(
            f"The columns {undeclared} are pandas 'category' columns but not categorical "
            "features: pass categorical_features='from_dtype' (or list them), or encode them."
        )
    if categorical is not None:
        check_categorical_options(estimator)

    x_blocks = X_array.to_delayed().ravel().tolist()
    y_blocks = y_array.to_delayed().ravel().tolist()
    w_blocks = [None] * len(x_blocks) if w_array is None else w_array.to_delayed().ravel().tolist()
    delayed = dask.delayed
    classification = estimator._estimator_type == "classifier"

    if classification:
        per_block = dask.compute(*[delayed(block_classes)(b, name) for b in y_blocks])
        classes = np.unique(np.concatenate(per_block))
        n_stats = len(classes)
        counts = None
        if estimator.class_weight == "balanced":
            counts = sum(
                dask.compute(*[delayed(class_counts)(b, classes) for b in y_blocks])
            ).astype(np.float64)
        class_w = _class_weights(estimator, classes, counts, n_samples)
    else:
        classes, n_stats, class_w = None, 2, None

    seed = build_seed(estimator)
    subsample = DEFAULT_SUBSAMPLE
    keep = min(1.0, subsample / n_samples)
    sampled = dask.compute(
        *[
            delayed(edge_sample)(
                xb, yb, wb, name, classes, class_w, keep, int(seed[1]) + k, categorical
            )
            for k, (xb, yb, wb) in enumerate(zip(x_blocks, y_blocks, w_blocks))
        ]
    )
    max_bins = int(estimator.max_bins)
    bin_code = max_code = None
    if categorical is not None:
        bin_code, max_code = merge_categories([c for _, c in sampled], categorical, max_bins)
    edges, n_edges = fit_bin_edges(
        np.concatenate([rows for rows, _ in sampled]), max_bins, None, None, bin_code=bin_code
    )

    states = [
        delayed(prepare_block)(
            xb, yb, wb, name, classes, class_w, edges, n_edges, max_bins, len(xb_rows)
        )
        for xb, yb, wb, xb_rows in zip(x_blocks, y_blocks, w_blocks, _row_ranges(rows))
    ]
    states = list(dask.persist(*states))
    totals = dask.compute(*[delayed(block_totals)(s) for s in states])
    n_kept = int(sum(t[0] for t in totals))
    w_total = float(sum(t[1] for t in totals))
    if n_kept == 0 or not w_total > 0:
        raise ValueError("All sample weights are zero; at least one must be positive.")

    weighted = w_array is not None or class_w is not None
    wmode = UNIT if not weighted else (PER_SAMPLE if w_array is not None else BY_CLASS)
    min_weight_leaf = estimator.min_weight_fraction_leaf * (w_total if weighted else n_samples)
    max_features = estimator._resolve_max_features(d)
    criterion = make_criterion(
        estimator, n_kept, n_stats, wmode,
        np.ones(n_stats) if class_w is None else class_w, np.ones(1), w_total,
    )  # fmt: skip
    rules = stopping_rules(estimator, d, n_samples, min_weight_leaf, max_features, None)
    label_dtype = np.uint8 if n_stats <= 256 else np.int32
    meta = HistData(
        codes=np.zeros((0, d), dtype=np.uint8),
        samples=np.zeros(0, dtype=np.int32),
        labels=np.zeros(0, dtype=label_dtype),
        targets=np.zeros(0),
        edges=edges,
        n_edges=n_edges,
        missing_bin=max_bins,
    )
    cat = None
    if categorical is not None:
        min_samples = estimator.min_category_samples
        cat = make_categorical(categorical, min_samples, max_code, n_kept, n_stats, 1, bin_code)
    growth = _LevelGrowth(dask, states, meta, criterion, rules, seed, d, n_kept, memory_limit, cat)
    nodes = growth.run()
    n_values = 1 if criterion.code >= MSE else n_stats
    tree = _assemble_tree(nodes, d, n_values, cat)
    if estimator.ccp_alpha > 0.0:
        from tree._prune import prune_tree

        tree = prune_tree(tree, estimator.ccp_alpha)
    if classification:
        estimator.classes_ = classes
        estimator.n_classes_ = len(classes)
    estimator.n_outputs_ = 1
    estimator.n_features_in_ = d
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator.max_features_ = max_features
    estimator.is_categorical_ = categorical
    if category_names:
        estimator.category_names_ = category_names
    elif hasattr(estimator, "category_names_"):
        del estimator.category_names_
    estimator.tree_ = tree
    return estimator


def _categories_to_codes(X, categorical_features):
    """A dask DataFrame's ``category`` columns as float codes (NaN where missing) when they are
    categorical features, with their categories by column index; other input unchanged."""
    if not (hasattr(X, "columns") and hasattr(X, "to_dask_array")) or categorical_features is None:
        return X, {}
    columns = [c for c, t in X.dtypes.items() if getattr(t, "name", None) == "category"]
    if not columns:
        return X, {}
    position = {c: j for j, c in enumerate(X.columns)}
    names, encoded = {}, {}
    for c in columns:
        column = X[c].cat.as_known()
        names[position[c]] = [str(v) for v in column.cat.categories]
        codes = column.cat.codes.astype(np.float64)
        encoded[c] = codes.mask(codes < 0)
    return X.assign(**encoded), names


# -- the input --------------------------------------------------------------------------------


def _as_dask_array(X, name):
    """X as a 2-D dask Array with one chunk across the columns, and its column names."""
    import dask.array as da

    names = None
    if hasattr(X, "columns") and hasattr(X, "to_dask_array"):  # a dask DataFrame
        names = np.asarray([str(c) for c in X.columns], dtype=object)
        non_numeric = [c for c, t in X.dtypes.items() if t.kind not in "biuf"]
        if non_numeric:
            raise ValueError(
                f"{name} needs numeric columns; {non_numeric} are not (encode them first)."
            )
        X = X.to_dask_array(lengths=True)
    elif not isinstance(X, da.Array):
        raise TypeError(
            f"{name}: tree.dask.fit takes a dask Array or DataFrame, got {type(X).__name__}."
        )
    if X.ndim != 2:
        raise ValueError(f"{name} needs X of 2 dimensions, got {X.ndim}.")
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X.rechunk({1: -1}), names


def _aligned_vector(v, rows, what, name):
    """``v`` (dask Array or Series) as a 1-D dask Array partitioned like ``rows``."""
    import dask.array as da

    if hasattr(v, "to_dask_array"):
        v = v.to_dask_array(lengths=True)
    if not isinstance(v, da.Array):
        raise TypeError(
            f"{name}: with a dask X, {what} must be a dask Array or Series, got {type(v).__name__}."
        )
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{name} needs {what} of 1 dimension, got shape {v.shape}.")
    if any(np.isnan(c) for c in v.chunks[0]):
        v = v.compute_chunk_sizes()
    if int(sum(v.chunks[0])) != int(sum(rows)):
        raise ValueError(
            f"{name}: X has {int(sum(rows))} rows but {what} has {int(sum(v.chunks[0]))}."
        )
    return v.rechunk((rows,))


def _row_ranges(rows):
    start = 0
    for r in rows:
        yield range(start, start + int(r))
        start += int(r)


def _class_weights(estimator, classes, counts, n_samples):
    if estimator.class_weight is None:
        return None
    if estimator.class_weight == "balanced":
        return n_samples / (len(classes) * counts)
    return estimator._class_weights(classes, None)


# -- the growth, level by level on the client ---------------------------------------------------


class _LevelGrowth:
    """Grow the tree level by level: a list of node records in breadth-first order."""

    def __init__(self, dask, states, meta, criterion, rules, seed, d, n, memory_limit, cat):
        self.dask, self.states, self.meta, self.cat = dask, states, meta, cat
        self.criterion, self.rules, self.d, self.n = criterion, rules, d, n
        self.ws = make_workspace(0, d, criterion.n_classes, _NO_LABELS, seed)
        self.hist_shape = (d, meta.missing_bin + 1, STATS + criterion.n_classes)
        self.per_pass = max(1, memory_limit // (8 * int(np.prod(self.hist_shape))))

    def _histograms(self, node_of_row, node_ids, n_nodes):
        """The summed histograms of ``node_ids``, in groups under the memory limit."""
        out = []
        for first in range(0, len(node_ids), self.per_pass):
            group = node_ids[first : first + self.per_pass]
            slot_of_node = np.full(n_nodes, -1, dtype=np.int64)
            slot_of_node[group] = np.arange(len(group))
            shape = (len(group),) + self.hist_shape
            parts = [
                self.dask.delayed(block_histograms)(s, nodes, slot_of_node, shape)
                for s, nodes in zip(self.states, node_of_row)
            ]
            out.extend(self.dask.compute(tree_sum(self.dask, parts))[0])
        return out

    def run(self):
        delayed = self.dask.delayed
        node_of_row = [delayed(initial_nodes)(s) for s in self.states]
        root = self._histograms(node_of_row, [0], 1)[0]
        # per node: parent, is_left, start, end, depth, impurity (inf: compute it), histograms
        frontier = [(0, -1, False, 0, self.n, 0, np.inf, root)]
        records = []
        while frontier:
            splits = []
            for node_id, parent, is_left, start, end, depth, impurity, hist in frontier:
                result = split_bin_node(
                    self.meta, self.criterion, self.rules, self.ws, self.cat,
                    self._with_occupied(hist), start, end, depth, impurity,
                )  # fmt: skip
                w_node, impurity, feature, b, missing_left, threshold = result[:6]
                imp_left, imp_right, _, missing_flag = result[6:]
                bits = side = None
                if feature >= 0 and self.cat is not None and self.cat.is_categorical[feature]:
                    bits = self.cat.chosen.copy()
                    side = self._bin_side(feature, bits, missing_left)
                records.append(
                    [parent, is_left, end - start, w_node, impurity, self.ws.totals.copy(),
                     feature, threshold, missing_flag, depth, -1, -1, bits]
                )  # fmt: skip
                if feature >= 0:
                    n_left = self._n_left(hist, feature, b, missing_left, side)
                    splits.append((node_id, start, end, depth, feature, b, missing_left, n_left,
                                   imp_left, imp_right, hist, side))  # fmt: skip
            if not splits:
                break
            n_nodes = len(records) + 2 * len(splits)
            table = np.full((n_nodes, 6), -1, dtype=np.int64)
            n_categorical = sum(split[11] is not None for split in splits)
            bin_left = np.zeros((n_categorical, self.meta.missing_bin + 1), dtype=np.uint8)
            smaller = []
            n_categorical = 0
            for k, (node_id, start, end, _, feature, b, ml, n_left, *rest) in enumerate(splits):
                left, right = len(records) + 2 * k, len(records) + 2 * k + 1
                side, row = rest[3], -1
                if side is not None:  # a categorical split: its row of bin_left
                    row, n_categorical = n_categorical, n_categorical + 1
                    bin_left[row] = side
                table[node_id] = (feature, b, 1 if ml else 0, left, right, row)
                records[node_id][10:12] = [left, right]
                smaller.append(left if n_left <= end - start - n_left else right)
            node_of_row = list(
                self.dask.persist(
                    *[
                        delayed(route)(s, nodes, table, bin_left, self.meta.missing_bin)
                        for s, nodes in zip(self.states, node_of_row)
                    ]
                )
            )
            small_hists = self._histograms(node_of_row, smaller, n_nodes)
            moved = len(self.states) * len(smaller) * 8 * int(np.prod(self.hist_shape))
            log.info(
                "depth %d: %d nodes split, histograms of %d children from %d partitions "
                "(%d bytes)", splits[0][3], len(splits), len(smaller), len(self.states), moved,
            )  # fmt: skip
            frontier = []
            for k, split in enumerate(splits):
                node_id, start, end, depth, _, _, _, n_left, imp_left, imp_right, hist, _ = split
                left, right = table[node_id, 3], table[node_id, 4]
                small = small_hists[k]
                large = hist - small
                left_hist, right_hist = (small, large) if smaller[k] == left else (large, small)
                mid = start + n_left
                frontier.append((left, node_id, True, start, mid, depth + 1, imp_left, left_hist))
                frontier.append((right, node_id, False, mid, end, depth + 1, imp_right, right_hist))
        return records

    def _with_occupied(self, values):
        """The summed histograms as ``Histograms``: with each feature's occupied bins."""
        d, n_bins = values.shape[:2]
        occupied = np.zeros((d, n_bins), dtype=np.int32)
        n_occupied = np.zeros(d, dtype=np.int64)
        for f in range(d):
            bins = np.flatnonzero(values[f, : self.meta.n_edges[f] + 1, COUNT] > 0)
            occupied[f, : bins.size] = bins
            n_occupied[f] = bins.size
        return Histograms(values, occupied, n_occupied)

    def _bin_side(self, feature, bits, missing_left):
        """Per bin of the categorical ``feature``, 1 when its category is in ``bits`` (the
        missing values' bin: ``missing_left``)."""
        side = np.zeros(self.meta.missing_bin + 1, dtype=np.uint8)
        codes = self.cat.bin_code[feature, : self.meta.n_edges[feature] + 1]
        codes = codes[codes >= 0]
        words = bits[codes >> 6] >> (codes & 63).astype(np.uint64)
        side[: codes.size] = (words & np.uint64(1)).astype(np.uint8)
        side[self.meta.missing_bin] = 1 if missing_left else 0
        return side

    def _n_left(self, hist, feature, b, missing_left, side):
        if side is not None:  # a categorical split: the bins sent left
            return int(round(hist[feature, :, COUNT] @ side))
        counts = hist[feature, : b + 1, COUNT].sum()
        if missing_left:
            counts += hist[feature, self.meta.missing_bin, COUNT]
        return int(round(counts))


def _assemble_tree(records, d, n_values, cat):
    """The ``Tree`` of the breadth-first node records, renumbered depth-first (left first) as a
    local build numbers its nodes (with the categorical splits' bitsets when ``cat``)."""
    order = []
    stack = [0]
    while stack:
        node = stack.pop()
        order.append(node)
        left, right = records[node][10], records[node][11]
        if left >= 0:
            stack.append(right)
            stack.append(left)
    new_id = np.empty(len(records), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    count = len(order)
    cols_i = np.empty((5, count), dtype=np.int64)
    cols_f = np.empty((3, count), dtype=np.float64)
    node_v = np.empty((count, n_values), dtype=np.float64)
    depth = 0
    for old in order:
        (
            parent,
            is_left,
            n_node,
            w_node,
            impurity,
            totals,
            feature,
            threshold,
            mflag,
            dep,
            lo,
            ro,
            _,
        ) = records[old]
        i = new_id[old]
        split = lo >= 0
        cols_i[:, i] = (
            new_id[lo] if split else TREE_LEAF,
            new_id[ro] if split else TREE_LEAF,
            feature if split else TREE_UNDEFINED,
            n_node,
            mflag if split else 0,
        )
        cols_f[:, i] = (threshold if split else TREE_UNDEFINED, impurity, w_node)
        node_v[i] = totals[:n_values] / w_node
        depth = max(depth, dep)
    tree = tree_from_columns(d, n_values, cols_i, cols_f, node_v, depth)
    if cat is not None:
        bitsets = np.zeros((count, cat.chosen.shape[0]), dtype=np.uint64)
        for old in order:
            if records[old][12] is not None:
                bitsets[new_id[old]] = records[old][12]
        keep_bitsets(tree, cat.is_categorical, bitsets, cat.n_codes)
    return tree
