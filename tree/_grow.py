"""Growing a tree on several threads, with the serial (GIL-releasing) kernels.

The nodes with at least ``defer_below`` samples (the top few levels) are grown here one at a
time, each node's split search and partition divided between the threads by feature. Every
smaller node that needs splitting is deferred; the deferred subtrees are then grown
concurrently, one ``build_depth_first`` call each, and spliced into the top tree in
scikit-learn's preorder.

Plain Python threads are used rather than numba's ``parallel=True``: on a shared machine the
OpenMP workers' spin-waiting between the many short parallel regions of a build cost several
times the work itself, and threads keep the estimator safe to call from several threads.
Random draws are seeded per node, so the tree is the same for any number of threads.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tree._builder import build_depth_first, children_bounds, is_leaf_node, new_nodes
from tree._bundles import Nodes, Root, make_workspace
from tree._criterion import EPSILON, MAE, node_impurity
from tree._features import prepare_candidates
from tree._jit import borrowing_entry
from tree._mae import search_mae
from tree._mae_split import finish_split_mae, mae_node_statistics
from tree._node import finish_split
from tree._partition import mark_left, partition, split_skip
from tree._scan import search
from tree._stats import node_statistics
from tree._tree import TREE_LEAF, TREE_UNDEFINED

THREAD_MIN_WORK = 50_000  # samples x features below which one node's work is not divided
DEFERRED = -3  # child pointer DEFERRED - k: the k-th deferred subtree


class ThreadedBuild:
    """One depth-first build of ``data`` on ``n_threads`` threads (see ``tree._bundles``)."""

    def __init__(self, data, criterion, rules, seed, n_values, n_threads):
        self.data, self.criterion, self.rules = data, criterion, rules
        self.seed, self.n_values, self.n_threads = seed, n_values, n_threads
        self.d, self.n = data.order.shape

    def _workspace(self, n_chunks=1, buffer_size=None):
        return make_workspace(
            self.n, self.d, self.criterion.n_classes, self.data, self.seed,
            n_chunks, buffer_size,
        )  # fmt: skip

    def run(self, defer_below):
        """Return ``(cols_i, cols_f, node_v, max_depth)`` of the whole tree, ``cols_i`` and
        ``cols_f`` column by column (``Nodes.ints.T``, ``Nodes.floats.T``)."""
        with ThreadPoolExecutor(max_workers=self.n_threads) as pool:
            self.pool = pool
            top_i, top_f, top_v, depth, deferred = self._grow_top(defer_below)
            self.top_i, self.subtree_sizes = top_i, []
            if not deferred:
                return top_i.T, top_f.T, top_v, depth
            return self._grow_deferred(top_i, top_f, top_v, depth, deferred)

    # -- the top of the tree, node by node -----------------------------------------------------

    def _grow_top(self, defer_below):
        data, criterion, rules = self.data, self.criterion, self.rules
        ws = self._workspace(n_chunks=2)
        rows_i, rows_f, rows_v = [], [], []
        deferred = []
        stack = [(0, self.n, 0, -1, False, np.inf, -np.inf, np.inf)]
        max_depth_seen = 0
        while stack:
            start, end, depth, parent, is_left, impurity, lower, upper = stack.pop()
            ws.bounds[0] = lower
            ws.bounds[1] = upper
            n_node = end - start
            if criterion.code == MAE:
                w_node = mae_node_statistics(data, criterion, start, end, ws.totals)
            else:
                w_node = node_statistics(data, criterion, start, end, ws.totals)
            if np.isinf(impurity):
                impurity = node_impurity(criterion.code, ws.totals, criterion.n_classes, w_node)
            is_leaf = is_leaf_node(rules, depth, n_node, w_node, impurity)
            if not is_leaf and n_node < defer_below and parent >= 0:
                rows_i[parent][0 if is_left else 1] = DEFERRED - len(deferred)
                deferred.append(Root(start, end, depth, impurity, lower, upper))
                continue
            if not is_leaf:
                split = self._find_split(ws, start, end, w_node, impurity)
                (
                    feature,
                    pos,
                    threshold,
                    imp_left,
                    imp_right,
                    improvement,
                    mgl,
                    middle,
                ) = split
                is_leaf = feature < 0 or improvement + EPSILON < rules.min_impurity_decrease
            node_id = len(rows_i)
            if parent >= 0:
                rows_i[parent][0 if is_left else 1] = node_id
            totals = ws.totals
            value = totals[:1] if criterion.code == MAE else totals[: self.n_values] / w_node
            value = value.copy()
            if rules.use_monotonic:  # as tree._builder.clip_value
                value[0] = min(max(value[0], lower), upper)
                if value.shape[0] == 2:
                    value[1] = 1 - value[0]
            rows_v.append(value)
            max_depth_seen = max(max_depth_seen, depth)
            if is_leaf:
                rows_i.append([TREE_LEAF, TREE_LEAF, TREE_UNDEFINED, n_node, 0])
                rows_f.append([TREE_UNDEFINED, impurity, w_node])
                continue
            rows_i.append([TREE_LEAF, TREE_LEAF, feature, n_node, mgl])
            rows_f.append([threshold, impurity, w_node])
            self._keep_split(node_id, feature)
            self._apply_split(ws, start, end, feature, threshold, mgl == 1)
            left_lower, left_upper, right_lower, right_upper = children_bounds(
                rules, feature, lower, upper, middle
            )
            stack.append(
                (
                    pos,
                    end,
                    depth + 1,
                    node_id,
                    False,
                    imp_right,
                    right_lower,
                    right_upper,
                )
            )
            stack.append((start, pos, depth + 1, node_id, True, imp_left, left_lower, left_upper))
        top_i = np.array(rows_i, dtype=np.int64).reshape(-1, 5)
        top_f = np.array(rows_f, dtype=np.float64).reshape(-1, 3)
        top_v = np.array(rows_v, dtype=np.float64).reshape(-1, self.n_values)
        return top_i, top_f, top_v, max_depth_seen, deferred

    def _keep_split(self, node_id, feature):
        """What a subclass keeps of top node ``node_id``'s split (nothing here)."""

    def _find_split(self, ws, start, end, w_node, impurity):
        data, criterion, rules = self.data, self.criterion, self.rules
        m = prepare_candidates(data, rules, ws, start, end)

        scan = search_mae if criterion.code == MAE else search

        def search_range(lo, hi):
            scan(data, criterion, rules, ws, start, end, w_node, lo, hi)

        if m > 1 and (end - start) * m >= THREAD_MIN_WORK:
            bounds = np.linspace(0, m, self.n_threads + 1).astype(int)
            list(self.pool.map(search_range, bounds[:-1], bounds[1:]))
        else:
            search_range(0, m)
        if criterion.code == MAE:
            return finish_split_mae(data, criterion, rules, ws, m, start, end, w_node, impurity)
        return finish_split(data, criterion, rules, ws, m, start, end, w_node, impurity)

    def _apply_split(self, ws, start, end, feature, threshold, missing_left):
        data = self.data
        mark_left(data, feature, start, end, threshold, missing_left, ws.goes_left)
        skip = split_skip(data, feature, end, missing_left)
        n_chunks = ws.buffer_order.shape[0] if (end - start) * self.d >= THREAD_MIN_WORK else 1

        def partition_chunk(chunk):
            partition(data, ws, start, end, skip, self.d, chunk, n_chunks)

        list(self.pool.map(partition_chunk, range(n_chunks)))

    # -- the deferred subtrees, concurrently ---------------------------------------------------

    def _grow_subtree(self, k, root):
        """Grow deferred subtree ``k`` from ``root``: ``(nodes, node_count, max_depth)``."""
        ws = self._workspace(buffer_size=root.end - root.start)
        nodes = new_nodes(2 * (root.end - root.start), self.n_values)
        node_count, sub_max_depth = build_depth_first(
            self.data, self.criterion, self.rules, ws, nodes, root,
            True if self.criterion.code == MAE else None, None,
        )  # fmt: skip
        return compact(nodes, node_count), node_count, sub_max_depth

    def _grow_deferred(self, top_i, top_f, top_v, depth, deferred):
        # largest first, so that the threads end together
        tasks = sorted(range(len(deferred)), key=lambda k: deferred[k].start - deferred[k].end)
        grown = self.pool.map(lambda k: self._grow_subtree(k, deferred[k]), tasks)
        results = dict(zip(tasks, grown))
        subtrees = [results[k] for k in range(len(deferred))]
        self.subtree_sizes = [sub[1] for sub in subtrees]
        cols_i, cols_f, node_v = splice_subtrees(top_i, top_f, top_v, subtrees, self.pool)
        return cols_i, cols_f, node_v, max(depth, max(r[2] for r in subtrees))


def compact(nodes, node_count):
    """The first ``node_count`` rows of ``nodes`` as ``Nodes`` of their own: a subtree's arrays,
    sized for the worst case, are released as soon as it is grown. (Kept until the splice, they
    pin memory the next subtrees' scratch cannot reuse: 100 MB at 1M x 20 with no depth limit.)"""
    return Nodes(*(array[:node_count].copy() for array in nodes))


@borrowing_entry
def place_subtree(cols_i, cols_f, out_v, first, nodes, node_count):
    """Copy a subtree numbered in preorder from 0 into the tree's columns from node ``first``.

    A subtree grown on its own is a contiguous block of the whole tree's preorder: its nodes
    keep their order, their child indices move by ``first``.
    """
    sub_i, sub_f, sub_v = nodes.ints, nodes.floats, nodes.values
    for row in range(node_count):
        node = first + row
        for j in range(5):
            cols_i[j, node] = sub_i[row, j]
        if sub_i[row, 0] != TREE_LEAF:
            cols_i[0, node] += first
            cols_i[1, node] += first
        for j in range(3):
            cols_f[j, node] = sub_f[row, j]
        for j in range(sub_v.shape[1]):
            out_v[node, j] = sub_v[row, j]


def preorder_offsets(top_i, subtree_sizes):
    """Where the top nodes and the deferred subtrees (of ``subtree_sizes`` nodes) go in the
    whole tree's preorder: ``(first_of_top, first_of_sub, n_nodes)``."""
    first_of_top = np.empty(top_i.shape[0], dtype=np.int64)
    first_of_sub = np.empty(len(subtree_sizes), dtype=np.int64)
    n_nodes = 0
    stack = [0]  # top nodes; a negative entry -1 - k is subtree k
    while stack:
        entry = stack.pop()
        if entry < 0:
            first_of_sub[-1 - entry] = n_nodes
            n_nodes += subtree_sizes[-1 - entry]
            continue
        first_of_top[entry] = n_nodes
        n_nodes += 1
        for child in (top_i[entry, 1], top_i[entry, 0]):  # right pushed first: left is next
            if child <= DEFERRED:
                stack.append(-1 - (DEFERRED - child))
            elif child != TREE_LEAF:
                stack.append(child)
    return first_of_top, first_of_sub, n_nodes


def splice_bitsets(top_i, subtree_sizes, n_nodes, top_bitsets, subtree_bitsets, n_words):
    """The whole tree's per-node bitsets ``(n_nodes, n_words)`` in preorder, from the top
    nodes' (``top_bitsets``: node id -> bitset) and each deferred subtree's (``subtree_bitsets``:
    subtree -> one row per node); zero rows for nodes without a categorical split."""
    bitsets = np.zeros((n_nodes, n_words), dtype=np.uint64)
    first_of_top, first_of_sub, _ = preorder_offsets(top_i, subtree_sizes)
    for node_id, bits in top_bitsets.items():
        bitsets[first_of_top[node_id]] = bits
    for k, bits in subtree_bitsets.items():
        bitsets[first_of_sub[k] : first_of_sub[k] + bits.shape[0]] = bits
    return bitsets


def splice_subtrees(top_i, top_f, top_v, subtrees, pool):
    """The whole tree, column by column, in preorder: the top nodes with each deferred subtree
    (child pointer ``DEFERRED - k``) as one block in place of its root. The blocks are copied
    on the pool's threads (first writes to fresh memory are slow; they run concurrently)."""
    first_of_top, first_of_sub, n_nodes = preorder_offsets(top_i, [sub[1] for sub in subtrees])
    cols_i = np.empty((5, n_nodes), dtype=np.int64)
    cols_f = np.empty((3, n_nodes), dtype=np.float64)
    node_v = np.empty((n_nodes, top_v.shape[1]), dtype=np.float64)

    def place(k):
        nodes, node_count, _ = subtrees[k]
        place_subtree(cols_i, cols_f, node_v, first_of_sub[k], nodes, node_count)

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
