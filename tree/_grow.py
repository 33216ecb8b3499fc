"""Growing a tree on several threads, with the serial (GIL-releasing) kernels.

The nodes with at least ``defer_below`` samples (the top few levels) are grown here one at a
time, each node's split search and partition divided between the threads by feature. Every
smaller node that needs splitting is deferred; the deferred subtrees are then grown
concurrently, one kernel call each, and spliced into the top tree in scikit-learn's preorder.

Plain Python threads are used rather than numba's ``parallel=True``: on a shared machine the
OpenMP workers' spin-waiting between the many short parallel regions of a build cost several
times the work itself, and threads keep the estimator safe to call from several threads.
Random draws are seeded per node, so the tree is the same for any number of threads.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tree._builder import (
    DEFERRED,
    EPSILON,
    TREE_LEAF,
    TREE_UNDEFINED,
    build_depth_first,
    place_subtree,
    workspace,
)
from tree._criterion import MAE, MSE, node_impurity
from tree._node import finish_split, prepare_candidates
from tree._splitter import _partition_chunk, mark_left, node_totals, search_serial, split_skip

THREAD_MIN_WORK = 50_000  # samples x features below which one node's work is not divided


class ThreadedBuild:
    """One depth-first build over the presorted arrays, on ``n_threads`` threads.

    ``common`` is the argument tuple shared by the kernels (see ``build_depth_first``).
    """

    def __init__(self, common, table, use_table, seed, n_threads):
        self.common = common
        (
            self.order,
            self.values,
            self.labels,
            self.wmode,
            self.class_w,
            self.weights,
            self.w_total,
            self.n_classes,
            self.crit,
            self.random_mode,
            self.max_features,
            self.min_samples_split,
            self.min_samples_leaf,
            self.min_weight_leaf,
            self.max_depth,
            self.min_impurity_decrease,
            self.small_node,
        ) = common
        self.table, self.use_table, self.seed = table, use_table, seed
        self.n_threads = n_threads
        self.d, self.n = self.order.shape

    def run(self, defer_below):
        """Return ``(cols_i, cols_f, node_v, max_depth)`` of the whole tree, ``cols_i`` and
        ``cols_f`` column by column (``node_i.T``, ``node_f.T``)."""
        with ThreadPoolExecutor(max_workers=self.n_threads) as pool:
            self.pool = pool
            top_i, top_f, top_v, depth, deferred = self._grow_top(defer_below)
            if not deferred:
                return top_i.T, top_f.T, top_v, depth
            return self._grow_deferred(top_i, top_f, top_v, depth, deferred)

    # -- the top of the tree, node by node -----------------------------------------------------

    def _grow_top(self, defer_below):
        n_values = 1 if self.crit >= MSE else self.n_classes
        ws = workspace(self.n, self.d, self.n_classes, 2, self.labels.dtype)
        goes_left, b_ord, b_val, b_lab, ws_i, ws_f, lc_scratch = ws
        rng = self.seed.copy()
        rows_i, rows_f, rows_v = [], [], []
        deferred = []
        tot = np.empty(self.n_classes)
        lc = np.empty(self.n_classes)
        stack = [(0, self.n, 0, -1, False, np.inf)]
        max_depth_seen = 0
        while stack:
            start, end, depth, parent, is_left, impurity = stack.pop()
            n_node = end - start
            w_node = node_totals(
                self.order[0],
                self.labels[0],
                start,
                end,
                self.wmode,
                self.class_w,
                self.weights,
                self.crit,
                tot,
            )
            is_leaf = (
                depth >= self.max_depth
                or n_node < self.min_samples_split
                or n_node < 2 * self.min_samples_leaf
                or w_node < 2 * self.min_weight_leaf
            )
            if np.isinf(impurity):
                impurity = node_impurity(self.crit, tot, self.n_classes, w_node)
            is_leaf = is_leaf or impurity <= EPSILON
            if not is_leaf and n_node < defer_below and parent >= 0:
                rows_i[parent][0 if is_left else 1] = DEFERRED - len(deferred)
                deferred.append((start, end, depth, impurity))
                continue
            if not is_leaf:
                split = self._find_split(
                    start, end, tot, w_node, impurity, rng, ws_i, ws_f, lc_scratch, lc
                )
                feature, pos, threshold, imp_left, imp_right, improvement, mgl = split
                is_leaf = feature < 0 or improvement + EPSILON < self.min_impurity_decrease
            node_id = len(rows_i)
            if parent >= 0:
                rows_i[parent][0 if is_left else 1] = node_id
            if self.crit == MAE:
                value = tot[:1]  # the weighted median
            elif n_values == self.n_classes:
                value = tot / w_node
            else:
                value = tot[:1] / w_node
            rows_v.append(value.copy())
            max_depth_seen = max(max_depth_seen, depth)
            if is_leaf:
                rows_i.append([TREE_LEAF, TREE_LEAF, TREE_UNDEFINED, n_node, 0])
                rows_f.append([TREE_UNDEFINED, impurity, w_node])
                continue
            rows_i.append([TREE_LEAF, TREE_LEAF, feature, n_node, mgl])
            rows_f.append([threshold, impurity, w_node])
            self._apply_split(
                start, end, feature, threshold, mgl == 1, goes_left, b_ord, b_val, b_lab
            )
            stack.append((pos, end, depth + 1, node_id, False, imp_right))
            stack.append((start, pos, depth + 1, node_id, True, imp_left))
        top_i = np.array(rows_i, dtype=np.int64).reshape(-1, 5)
        top_f = np.array(rows_f, dtype=np.float64).reshape(-1, 3)
        top_v = np.array(rows_v, dtype=np.float64).reshape(-1, n_values)
        return top_i, top_f, top_v, max_depth_seen, deferred

    def _find_split(self, start, end, tot, w_node, impurity, rng, ws_i, ws_f, lc_scratch, lc):
        m = prepare_candidates(
            self.values, start, end, self.max_features, self.random_mode, rng, ws_i, ws_f
        )
        feats, res_pos, rand_ml = ws_i[1], ws_i[2], ws_i[3]
        rand_thr, res_num, res_den = ws_f[0], ws_f[1], ws_f[2]

        def search(lo, hi):
            search_serial(
                hi - lo,
                feats[lo:hi],
                self.order,
                self.values,
                self.labels,
                start,
                end,
                self.wmode,
                self.class_w,
                self.weights,
                tot,
                w_node,
                self.n_classes,
                self.crit,
                self.min_samples_leaf,
                self.min_weight_leaf,
                self.table,
                self.use_table,
                self.random_mode,
                rand_thr[lo:hi],
                rand_ml[lo:hi],
                lc_scratch[lo:hi],
                res_pos[lo:hi],
                res_num[lo:hi],
                res_den[lo:hi],
            )

        if m > 1 and (end - start) * m >= THREAD_MIN_WORK:
            bounds = np.linspace(0, m, self.n_threads + 1).astype(int)
            list(self.pool.map(search, bounds[:-1], bounds[1:]))
        else:
            search(0, m)
        return finish_split(
            m,
            self.order,
            self.values,
            self.labels,
            start,
            end,
            self.wmode,
            self.class_w,
            self.weights,
            tot,
            w_node,
            self.w_total,
            impurity,
            self.n_classes,
            self.crit,
            self.random_mode,
            ws_i,
            ws_f,
            lc,
        )

    def _apply_split(
        self, start, end, feature, threshold, missing_left, goes_left, b_ord, b_val, b_lab
    ):
        mark_left(
            self.order,
            self.values,
            feature,
            start,
            end,
            threshold,
            missing_left,
            goes_left,
        )
        skip = split_skip(self.values, feature, end, missing_left)
        n_chunks = b_ord.shape[0] if (end - start) * self.d >= THREAD_MIN_WORK else 1

        def partition(t):
            _partition_chunk(
                t,
                n_chunks,
                self.order,
                self.values,
                self.labels,
                start,
                end,
                skip,
                goes_left,
                b_ord,
                b_val,
                b_lab,
            )

        list(self.pool.map(partition, range(n_chunks)))

    # -- the deferred subtrees, concurrently ---------------------------------------------------

    def _grow_deferred(self, top_i, top_f, top_v, depth, deferred):
        def grow(k):
            start, end, sub_depth, impurity = deferred[k]
            goes_left, b_ord, b_val, b_lab, ws_i, ws_f, lc_scratch = workspace(
                self.n, self.d, self.n_classes, 1, self.labels.dtype, buffer_size=end - start
            )
            return build_depth_first(
                *self.common,
                self.table,
                self.use_table,
                self.seed.copy(),
                goes_left,
                b_ord,
                b_val,
                b_lab,
                ws_i,
                ws_f,
                lc_scratch,
                start,
                end,
                sub_depth,
                impurity,
            )

        # largest first, so that the threads end together
        tasks = sorted(range(len(deferred)), key=lambda k: deferred[k][0] - deferred[k][1])
        results = dict(zip(tasks, self.pool.map(grow, tasks)))
        subtrees = [results[k] for k in range(len(deferred))]
        cols_i, cols_f, node_v = _splice(top_i, top_f, top_v, subtrees, self.pool)
        return cols_i, cols_f, node_v, max(depth, max(r[3] for r in subtrees))


def _splice(top_i, top_f, top_v, subtrees, pool):
    """The whole tree, column by column, in preorder: the top nodes with each deferred subtree
    (child pointer ``DEFERRED - k``) as one block in place of its root. The blocks are copied
    on the pool's threads (first writes to fresh memory are slow; they run concurrently)."""
    first_of_top = np.empty(top_i.shape[0], dtype=np.int64)
    first_of_sub = np.empty(len(subtrees), dtype=np.int64)
    n_nodes = 0
    stack = [0]  # top nodes; a negative entry -1 - k is subtree k
    while stack:
        entry = stack.pop()
        if entry < 0:
            first_of_sub[-1 - entry] = n_nodes
            n_nodes += subtrees[-1 - entry][0].shape[0]
            continue
        first_of_top[entry] = n_nodes
        n_nodes += 1
        for child in (top_i[entry, 1], top_i[entry, 0]):  # right pushed first: left is next
            if child <= DEFERRED:
                stack.append(-1 - (DEFERRED - child))
            elif child != TREE_LEAF:
                stack.append(child)
    cols_i = np.empty((5, n_nodes), dtype=np.int64)
    cols_f = np.empty((3, n_nodes), dtype=np.float64)
    node_v = np.empty((n_nodes, top_v.shape[1]), dtype=np.float64)

    def place(k):
        sub_i, sub_f, sub_v, _ = subtrees[k]
        place_subtree(cols_i, cols_f, node_v, first_of_sub[k], sub_i, sub_f, sub_v)

    list(pool.map(place, range(len(subtrees))))
    rows = first_of_top
    cols_i[:, rows] = top_i.T
    cols_f[:, rows] = top_f.T
    node_v[rows] = top_v
    for side in (0, 1):
        child = top_i[:, side]
        deferred = child <= DEFERRED
        inner = ~deferred & (child != TREE_LEAF)
        cols_i[side, rows[inner]] = first_of_top[child[inner]]
        cols_i[side, rows[deferred]] = first_of_sub[DEFERRED - child[deferred]]
    return cols_i, cols_f, node_v
