"""The histogram splitter on several threads: the top of the tree node by node, each large
histogram summed by feature on every thread, then the deferred subtrees concurrently.

The top (the nodes of at least ``defer_below`` samples) is grown here as ``tree._grow`` grows
the exact splitter's: the same evaluation (``split_bin_node``), partition and child histograms
as ``build_hist_depth_first``, in the same order, with the summing of a child's histograms
divided between the threads by feature. A feature's histogram is summed by one thread either
way, so the tree is the same on any number of threads. Every smaller node is deferred with its
histograms and grown as a subtree of its own by ``build_hist_depth_first``; the subtrees are
spliced into the top in preorder (``tree._grow.splice_subtrees``).
"""

import numpy as np

from tree._builder import new_nodes
from tree._bundles import Root
from tree._grow import DEFERRED, compact, splice_subtrees
from tree._hist import (
    STATS,
    Histograms,
    fill_features,
    gather_weights,
    partition_samples,
    subtract_histograms,
)
from tree._hist_builder import build_hist_depth_first, split_bin_node
from tree._tree import TREE_LEAF, TREE_UNDEFINED

FILL_MIN_CELLS = 100_000  # samples x features below which one histogram is summed on one thread


class HistThreadedBuild:
    """One depth-first ``splitter="hist"`` build of ``data`` on the threads of ``pool``."""

    def __init__(self, data, criterion, rules, make_scratch, make_workspace, n_values, pool):
        self.data, self.criterion, self.rules = data, criterion, rules
        self.make_scratch, self.make_workspace = make_scratch, make_workspace
        self.n_values, self.pool = n_values, pool
        self.d = data.codes.shape[1]
        self.n_threads = pool._max_workers

    def run(self, defer_below):
        """Return ``(cols_i, cols_f, node_v, max_depth)`` of the whole tree (``Nodes`` arrays
        column by column)."""
        top_i, top_f, top_v, depth, deferred = self._grow_top(defer_below)
        if not deferred:
            return top_i.T, top_f.T, top_v, depth
        subtrees = self._grow_deferred(deferred)
        cols_i, cols_f, node_v = splice_subtrees(top_i, top_f, top_v, subtrees, self.pool)
        return cols_i, cols_f, node_v, max(depth, max(r[2] for r in subtrees))

    def _histograms(self):
        n_bins = self.data.missing_bin + 1
        return Histograms(
            np.zeros((self.d, n_bins, STATS + self.criterion.n_classes)),
            np.zeros((self.d, n_bins), dtype=np.int32),
            np.zeros(self.d, dtype=np.int64),
        )

    def _fill(self, scratch, start, end):
        """The histograms of the samples ``[start, end)``, features divided between threads."""
        hist = self._histograms()
        data, criterion = self.data, self.criterion
        gather_weights(data, criterion, scratch, start, end)
        n_chunks = self.n_threads if (end - start) * self.d >= FILL_MIN_CELLS else 1
        bounds = np.linspace(0, self.d, n_chunks + 1).astype(np.int64)

        def fill_chunk(k):
            fill_features(data, criterion, scratch, start, end, hist, bounds[k], bounds[k + 1])

        list(self.pool.map(fill_chunk, range(n_chunks)))
        return hist

    def _grow_top(self, defer_below):
        data, criterion, rules = self.data, self.criterion, self.rules
        n = data.samples.shape[0]
        scratch, ws = self.make_scratch(n), self.make_workspace()
        rows_i, rows_f, rows_v, deferred = [], [], [], []
        stack = [(0, n, 0, -1, False, np.inf, self._fill(scratch, 0, n))]
        max_depth_seen = 0
        while stack:
            start, end, depth, parent, is_left, impurity, hist = stack.pop()
            n_node = end - start
            if parent >= 0 and n_node < defer_below:
                rows_i[parent][0 if is_left else 1] = DEFERRED - len(deferred)
                deferred.append((Root(start, end, depth, impurity, -np.inf, np.inf), hist))
                continue
            split = split_bin_node(data, criterion, rules, ws, hist, start, end, depth, impurity)
            w_node, impurity, feature, b, missing_left, threshold = split[:6]
            imp_left, imp_right, _, missing_flag = split[6:]
            node_id = len(rows_i)
            if parent >= 0:
                rows_i[parent][0 if is_left else 1] = node_id
            rows_v.append(ws.totals[: self.n_values] / w_node)  # as tree._builder.store_node
            max_depth_seen = max(max_depth_seen, depth)
            if feature < 0:
                rows_i.append([TREE_LEAF, TREE_LEAF, TREE_UNDEFINED, n_node, 0])
                rows_f.append([TREE_UNDEFINED, impurity, w_node])
                continue
            rows_i.append([TREE_LEAF, TREE_LEAF, feature, n_node, missing_flag])
            rows_f.append([threshold, impurity, w_node])
            pos = partition_samples(data, scratch, start, end, feature, b, missing_left)
            # as tree._hist_builder.children_histograms: the smaller child summed, the larger
            # the parent's histograms minus the smaller's
            if pos - start <= end - pos:
                left_hist = self._fill(scratch, start, pos)
                subtract_histograms(data, hist, left_hist)
                right_hist = hist
            else:
                right_hist = self._fill(scratch, pos, end)
                subtract_histograms(data, hist, right_hist)
                left_hist = hist
            stack.append((pos, end, depth + 1, node_id, False, imp_right, right_hist))
            stack.append((start, pos, depth + 1, node_id, True, imp_left, left_hist))
        top_i = np.array(rows_i, dtype=np.int64).reshape(-1, 5)
        top_f = np.array(rows_f, dtype=np.float64).reshape(-1, 3)
        top_v = np.array(rows_v, dtype=np.float64).reshape(-1, self.n_values)
        return top_i, top_f, top_v, max_depth_seen, deferred

    def _grow_deferred(self, deferred):
        def grow(k):
            root, hist = deferred[k]
            deferred[k] = None  # its histograms freed once its subtree has copied them
            nodes = new_nodes(2 * (root.end - root.start), self.n_values)
            count, sub_max_depth = build_hist_depth_first(
                self.data, self.criterion, self.rules, self.make_workspace(),
                self.make_scratch(root.end - root.start), nodes, root, hist,
            )  # fmt: skip
            return compact(nodes, count), count, sub_max_depth

        # largest first, so that the threads end together
        order = sorted(
            range(len(deferred)), key=lambda k: deferred[k][0].start - deferred[k][0].end
        )
        results = dict(zip(order, self.pool.map(grow, order)))
        return [results[k] for k in range(len(deferred))]
