"""Native categorical splits on several threads: ``tree._grow``'s threaded build with the
categorical kernels of ``tree._categorical``.

The top nodes are searched with the candidates divided between the threads as for numeric
features, each thread with a ``Categorical`` of its own (its group arrays are a search's
scratch); a categorical split partitions every feature by the node's bitset. Each deferred
subtree is grown by ``build_depth_first`` with a ``Categorical`` of its own, and the bitsets of
the top and of the subtrees are placed in preorder as the nodes are (``splice_bitsets``).
"""

import numpy as np

from tree._builder import build_depth_first, new_nodes
from tree._categorical import finish_split_categorical, mark_left_categorical, search_categorical
from tree._features import prepare_candidates
from tree._grow import THREAD_MIN_WORK, ThreadedBuild, compact, splice_bitsets
from tree._partition import partition


class CategoricalThreadedBuild(ThreadedBuild):
    """``ThreadedBuild`` with categorical features; ``make_categorical(capacity)`` gives a new
    ``Categorical`` with room for ``capacity`` nodes' bitsets. ``run`` also returns the
    per-node bitsets and their bit range."""

    def __init__(self, data, criterion, rules, seed, n_values, n_threads, make_categorical):
        super().__init__(data, criterion, rules, seed, n_values, n_threads)
        self.make_categorical = make_categorical
        self.top_categorical = [make_categorical(1) for _ in range(n_threads)]
        self.is_categorical = self.top_categorical[0].is_categorical
        self.top_bitsets, self.subtree_bitsets = {}, {}

    def run(self, defer_below):
        cols_i, cols_f, node_v, depth = super().run(defer_below)
        first = self.top_categorical[0]
        bitsets = splice_bitsets(
            self.top_i, self.subtree_sizes, cols_i.shape[1], self.top_bitsets,
            self.subtree_bitsets, first.chosen.shape[0],
        )  # fmt: skip
        return cols_i, cols_f, node_v, depth, (bitsets, first.n_codes)

    def _find_split(self, ws, start, end, w_node, impurity):
        data, criterion, rules = self.data, self.criterion, self.rules
        m = prepare_candidates(data, rules, ws, start, end)
        n_chunks = self.n_threads if m > 1 and (end - start) * m >= THREAD_MIN_WORK else 1
        bounds = np.linspace(0, m, n_chunks + 1).astype(np.int64)

        def search_range(c):
            search_categorical(
                data, criterion, rules, ws, self.top_categorical[c], start, end, w_node,
                bounds[c], bounds[c + 1],
            )  # fmt: skip

        list(self.pool.map(search_range, range(n_chunks)))
        categorical = self.top_categorical[0]
        split = finish_split_categorical(
            data, criterion, rules, ws, categorical, m, start, end, w_node, impurity
        )
        self.chosen = categorical.chosen.copy()
        return split

    def _keep_split(self, node_id, feature):
        if self.is_categorical[feature]:
            self.top_bitsets[node_id] = self.chosen

    def _apply_split(self, ws, start, end, feature, threshold, missing_left):
        if not self.is_categorical[feature]:
            super()._apply_split(ws, start, end, feature, threshold, missing_left)
            return
        # the split feature's left samples are no prefix of its order: every feature moves
        mark_left_categorical(
            self.data, feature, start, end, self.chosen, missing_left, ws.goes_left
        )
        n_chunks = ws.buffer_order.shape[0] if (end - start) * self.d >= THREAD_MIN_WORK else 1

        def partition_chunk(chunk):
            partition(self.data, ws, start, end, np.int64(-1), self.d, chunk, n_chunks)

        list(self.pool.map(partition_chunk, range(n_chunks)))

    def _grow_subtree(self, k, root):
        n_root = root.end - root.start
        categorical = self.make_categorical(2 * n_root + 1)
        ws = self._workspace(buffer_size=n_root)
        nodes = new_nodes(2 * n_root, self.n_values)
        node_count, sub_max_depth = build_depth_first(
            self.data, self.criterion, self.rules, ws, nodes, root, None, categorical
        )
        self.subtree_bitsets[k] = categorical.node_bitsets[:node_count].copy()
        return compact(nodes, node_count), node_count, sub_max_depth
