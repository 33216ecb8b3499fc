"""The histogram splitter on several threads: the top of the tree node by node, each large
histogram summed by feature on every thread, then the deferred subtrees concurrently.

The top (the nodes of at least ``defer_below`` samples) is grown here as ``tree._grow`` grows
the exact splitter's: the same evaluation (``split_bin_node``), partition and child histograms
as ``build_hist_depth_first``, in the same order, with the summing of a child's histograms
divided between the threads by feature. A feature's histogram is summed by one thread either
way, so the tree is the same on any number of threads. Every smaller node is deferred with its
histograms and grown as a subtree of its own by ``build_hist_depth_first``; the subtrees are
spliced into the top in preorder (``tree._grow.splice_subtrees``). With categorical features
the top keeps each categorical split's bitset and every subtree has a ``Categorical`` of its
own; their bitsets are placed in preorder as the nodes are (``tree._grow.splice_bitsets``).
"""

import numpy as np

from tree._builder import new_nodes
from tree._bundles import PER_SAMPLE, Root
from tree._categorical_hist import partition_by_categories
from tree._grow import DEFERRED, compact, splice_bitsets, splice_subtrees
from tree._hist import (
    STATS,
    Histograms,
    fill_features,
    gather_weights,
    partition_samples,
    subtract_histograms,
)
from tree._hist_builder import build_hist_depth_first, split_bin_node
from tree._memory import release_freed_memory
from tree._tree import TREE_LEAF, TREE_UNDEFINED

FILL_MIN_CELLS = 100_000  # samples x features below which one histogram is summed on one thread
PARTITION_MIN_SAMPLES = 100_000  # below this a node is partitioned on one thread


class HistThreadedBuild:
    """One depth-first ``splitter="hist"`` build of ``data`` on the threads of ``pool``;
    ``make_categorical(capacity)`` gives a new ``Categorical`` with room for ``capacity`` nodes'
    bitsets (None: no categorical features)."""

    def __init__(
        self, data, criterion, rules, make_scratch, make_workspace, n_values, pool,
        make_categorical=None,
    ):  # fmt: skip
        self.data, self.criterion, self.rules = data, criterion, rules
        self.make_scratch, self.make_workspace = make_scratch, make_workspace
        self.n_values, self.pool = n_values, pool
        self.d = data.codes.shape[1]
        self.n_threads = pool._max_workers
        self.make_categorical = make_categorical
        self.top_categorical = None if make_categorical is None else make_categorical(1)
        self.top_bitsets, self.subtree_bitsets = {}, {}

    def run(self, defer_below):
        """Return ``(cols_i, cols_f, node_v, max_depth, bitsets)`` of the whole tree (``Nodes``
        arrays column by column; ``bitsets`` None without categorical features, else the
        per-node bitsets and their bit range)."""
        top_i, top_f, top_v, depth, deferred = self._grow_top(defer_below)
        if not deferred:
            cols_i, cols_f, node_v, subtrees = top_i.T, top_f.T, top_v, []
        else:
            subtrees = self._grow_deferred(deferred)
            cols_i, cols_f, node_v = splice_subtrees(top_i, top_f, top_v, subtrees, self.pool)
            depth = max(depth, max(r[2] for r in subtrees))
        return cols_i, cols_f, node_v, depth, self._bitsets(top_i, subtrees, cols_i.shape[1])

    def _bitsets(self, top_i, subtrees, n_nodes):
        if self.top_categorical is None:
            return None
        first = self.top_categorical
        bitsets = splice_bitsets(
            top_i, [r[1] for r in subtrees], n_nodes, self.top_bitsets, self.subtree_bitsets,
            first.chosen.shape[0],
        )  # fmt: skip
        return bitsets, first.n_codes

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

    def _partition(self, scratch, start, end, feature, b, missing_left):
        """``partition_samples`` with the segment divided between the threads: each chunk
        partitioned stably in place (its own part of the buffer), then the chunks' left parts
        put first and their right parts after, in order: the same stable partition."""
        n_chunks = self.n_threads if end - start >= PARTITION_MIN_SAMPLES else 1
        if n_chunks == 1:
            return partition_samples(self.data, scratch, start, end, feature, b, missing_left)
        bounds = np.linspace(start, end, n_chunks + 1).astype(np.int64)

        def partition_chunk(k):
            lo, hi = bounds[k], bounds[k + 1]
            own = scratch._replace(buffer=scratch.buffer[lo:hi])
            return partition_samples(self.data, own, lo, hi, feature, b, missing_left)

        firsts_right = list(self.pool.map(partition_chunk, range(n_chunks)))
        samples = self.data.samples
        lefts = [samples[bounds[k] : firsts_right[k]] for k in range(n_chunks)]
        rights = [samples[firsts_right[k] : bounds[k + 1]] for k in range(n_chunks)]
        samples[start:end] = np.concatenate(lefts + rights)
        return start + sum(left.shape[0] for left in lefts)

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
            split = split_bin_node(
                data, criterion, rules, ws, self.top_categorical, hist, start, end, depth,
                impurity,
            )  # fmt: skip
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
            cat = self.top_categorical
            if cat is not None and cat.is_categorical[feature]:
                bits = cat.chosen.copy()
                self.top_bitsets[node_id] = bits
                pos = partition_by_categories(
                    data, scratch, cat, start, end, feature, bits, missing_left
                )
            else:
                pos = self._partition(scratch, start, end, feature, b, missing_left)
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

    def _grow_subtree(self, deferred, k):
        """Grow deferred subtree ``k``: ``(its compacted Nodes, node count, max depth)``."""
        root, hist = deferred[k]
        deferred[k] = None  # its histograms freed once its subtree has copied them
        n_root = root.end - root.start
        data, criterion, scratch = self.data, self.criterion, self.make_scratch(n_root)
        if self.rules.max_features >= self.d:  # no feature draws, seeded by positions
            data, criterion, scratch, root = self._local(root, scratch)
        nodes = new_nodes(2 * n_root, self.n_values)
        cat = None if self.make_categorical is None else self.make_categorical(2 * n_root)
        count, sub_max_depth = build_hist_depth_first(
            data, criterion, self.rules, self.make_workspace(), scratch, nodes, root, hist, cat
        )
        if cat is not None:
            self.subtree_bitsets[k] = cat.node_bitsets[:count].copy()
        return compact(nodes, count), count, sub_max_depth

    def _local(self, root, scratch):
        """The subtree of ``root`` on a copy of its rows' codes and targets, numbered from 0:
        a fill then reads about a megabyte of codes, not rows scattered over all of them. The
        rows keep their order, so every sum and every split is the one on the full data."""
        rows = self.data.samples[root.start : root.end]
        data, criterion = self.data, self.criterion
        local = data._replace(
            codes=data.codes[rows],
            samples=np.arange(rows.shape[0], dtype=np.int32),
            labels=data.labels[rows] if data.labels.shape[0] else data.labels,
            targets=data.targets[rows] if data.targets.shape[0] else data.targets,
        )
        if criterion.weight_mode == PER_SAMPLE:
            criterion = criterion._replace(sample_weight=criterion.sample_weight[rows])
        if scratch.weights.shape[0]:  # its own: the subtrees run concurrently
            scratch = scratch._replace(weights=np.empty(rows.shape[0]))
        return local, criterion, scratch, root._replace(start=0, end=rows.shape[0])

    def _grow_deferred(self, deferred):
        def grow(k):
            grown = self._grow_subtree(deferred, k)
            release_freed_memory()  # the subtree's scratch, before the thread's next
            return grown

        # largest first, so that the threads end together
        order = sorted(
            range(len(deferred)), key=lambda k: deferred[k][0].start - deferred[k][0].end
        )
        results = dict(zip(order, self.pool.map(grow, order)))
        return [results[k] for k in range(len(deferred))]
