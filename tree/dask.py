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

import numpy as np

from tree._binning import DEFAULT_SUBSAMPLE, fit_bin_edges
from tree._bundles import BY_CLASS, PER_SAMPLE, UNIT
from tree._categorical_checks import check_categorical_options, resolve_categorical_features
from tree._categorical_search import make_categorical
from tree._checks import check_hist_options
from tree._criterion import MSE
from tree._dask_blocks import (
    block_classes,
    block_totals,
    class_counts,
    edge_sample,
    merge_categories,
    prepare_block,
)
from tree._dask_growth import BestFirstGrowth, LevelGrowth, assemble_tree
from tree._fit import build_seed, make_criterion, stopping_rules, store_fitted
from tree._hist import HistData
from tree._params import validate_params

DEFAULT_MEMORY_LIMIT = 256 * 2**20


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
    args = (dask, states, meta, criterion, rules, seed, d, n_kept, memory_limit, cat)
    if estimator.max_leaf_nodes is None:
        nodes = LevelGrowth(*args).run()
    else:
        nodes = BestFirstGrowth(*args).run(int(estimator.max_leaf_nodes))
    n_values = 1 if criterion.code >= MSE else n_stats
    tree = assemble_tree(nodes, d, n_values, cat, depth_first=estimator.max_leaf_nodes is None)
    if estimator.ccp_alpha > 0.0:
        from tree._prune import prune_tree

        tree = prune_tree(tree, estimator.ccp_alpha)
    if classification:
        estimator.classes_ = classes
        estimator.n_classes_ = len(classes)
    store_fitted(estimator, tree, d, names, max_features, categorical, category_names)
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
