"""The named bundles the kernels pass around, instead of long argument lists.

numba compiles a function once per combination of argument types and caches it; a named tuple
is one argument whose fields are read by name in the compiled code. A build makes four:

- ``Presorted``: per feature ``f``, the sample indices ``order[f]`` (int32), the feature values
  ``values[f]`` (float32, sorted within every node) and the targets: the class codes
  ``labels[f]`` (uint8, or int32 beyond 256 classes) of a classifier, y itself ``targets[f]``
  (float64) of a regressor, each of shape ``(n_features, n_samples)``; the other one has no
  columns. Both are there so that a classifier and a regressor pass bundles of the same types
  and share every compiled kernel. A node is the segment ``[start, end)`` of every feature
  (scikit-learn's ``Splitter.samples[start:end]``); ``Column`` is one feature's four arrays.
- ``Criterion``: what the impurity is computed from (scikit-learn's ``Criterion``): the criterion
  code, the number of classes, how samples are weighted and the ``k ln k`` table.
- ``Rules``: the splitter and the stopping rules of the estimator's parameters.
- ``Workspace``: scratch arrays of one thread, by name.

The tree being grown is ``Nodes``: three arrays with one row per node, whose columns are named
by the constants below (the ``tree_`` arrays are these columns).
"""

from collections import namedtuple

import numpy as np

# how samples are weighted (Criterion.weight_mode)
UNIT = 0  # every sample weighs 1
BY_CLASS = 1  # class_weight[label]
PER_SAMPLE = 2  # sample_weight[sample] (class weights already multiplied in)

# columns of Nodes.ints
LEFT, RIGHT, FEATURE, N_SAMPLES, MISSING_LEFT = range(5)
# columns of Nodes.floats
THRESHOLD, IMPURITY, WEIGHT = range(3)

Presorted = namedtuple("Presorted", ["order", "values", "labels", "targets"])
Column = namedtuple("Column", ["order", "values", "labels", "targets"])
Criterion = namedtuple(
    "Criterion",
    [
        "code",  # tree._criterion.GINI, ENTROPY, MSE or MAE
        "n_classes",  # classes; 2 statistics for regression (sums of w*y and w*y**2)
        "weight_mode",  # UNIT, BY_CLASS or PER_SAMPLE
        "class_weight",  # float64 (n_classes,)
        "sample_weight",  # float64 (n_samples,), or (1,) unless PER_SAMPLE
        "total_weight",  # float: the weight of all training samples
        "xlogx",  # float64 table k ln k for k = 0..n (entropy with unit weights), else (1,)
        "use_xlogx",  # bool
    ],
)
Rules = namedtuple(
    "Rules",
    [
        "random_splitter",  # bool: one random threshold per candidate feature
        "max_features",
        "min_samples_split",
        "min_samples_leaf",
        "min_weight_leaf",  # float: min_weight_fraction_leaf times the total weight
        "max_depth",
        "min_impurity_decrease",
        "use_monotonic",  # bool: monotonic_cst was given
        "monotonic",  # int8 (n_features,): per feature 1, -1 or 0 (on class 0's fraction)
    ],
)
Workspace = namedtuple(
    "Workspace",
    [
        "rng",  # uint64 (2,): the state, and the seed each node's stream starts from
        "goes_left",  # uint64 bits, one per sample
        "buffer_order",  # partition buffers, one row per partition chunk
        "buffer_values",
        "buffer_labels",
        "buffer_targets",
        "permutation",  # int64 (n_features,): feature draws
        "constant",  # uint8 (n_features,): per feature, no split possible in the node
        "features",  # int64 (n_features,): the node's candidate features, ascending
        "best_pos",  # int64 (n_features,): per candidate, its best split position (or -1)
        "random_missing_left",  # int64 (n_features,): random splitter, missing values' side
        "random_threshold",  # float64 (n_features,): random splitter, the threshold drawn
        "proxy_num",  # float64 (n_features,): per candidate, its best proxy improvement
        "proxy_den",  # float64 (n_features,)
        "candidate_stats",  # float64 (n_features, 2 * n_classes): scan scratch per candidate
        "totals",  # float64 (n_classes,): the node's statistics
        "left",  # float64 (n_classes,): the chosen split's left statistics
        "bounds",  # float64 (2,): the node's lower and upper bound on its value (monotonic_cst)
    ],
)
Nodes = namedtuple("Nodes", ["ints", "floats", "values"])
# the node a depth-first build starts from: its segment, depth, impurity (inf: compute it) and
# the bounds on its value (monotonic_cst; -inf and inf at the tree's root)
Root = namedtuple("Root", ["start", "end", "depth", "impurity", "lower", "upper"])


def make_workspace(n, d, n_classes, data, seed, n_chunks=1, buffer_size=None):
    """The scratch arrays of one thread's build on the ``Presorted`` ``data``
    (``buffer_size`` samples per partition chunk)."""
    size = n if buffer_size is None else buffer_size
    labels, targets = data.labels, data.targets
    return Workspace(
        rng=seed.copy(),
        goes_left=np.zeros((n + 63) // 64, dtype=np.uint64),
        buffer_order=np.empty((n_chunks, size), dtype=np.int32),
        buffer_values=np.empty((n_chunks, size), dtype=np.float32),
        buffer_labels=np.empty((n_chunks, size if labels.shape[1] else 0), dtype=labels.dtype),
        buffer_targets=np.empty((n_chunks, size if targets.shape[1] else 0), dtype=np.float64),
        permutation=np.zeros(d, dtype=np.int64),
        constant=np.zeros(d, dtype=np.uint8),
        features=np.zeros(d, dtype=np.int64),
        best_pos=np.zeros(d, dtype=np.int64),
        random_missing_left=np.zeros(d, dtype=np.int64),
        random_threshold=np.zeros(d, dtype=np.float64),
        proxy_num=np.zeros(d, dtype=np.float64),
        proxy_den=np.zeros(d, dtype=np.float64),
        candidate_stats=np.zeros((d, 2 * n_classes), dtype=np.float64),
        totals=np.zeros(n_classes, dtype=np.float64),
        left=np.zeros(n_classes, dtype=np.float64),
        bounds=np.array([-np.inf, np.inf]),
    )
