"""How ``tree.dask`` grows a tree on the client: level by level, or best-first.

``LevelGrowth`` grows every node of a level at once, as Spark MLlib does: the partitions route
their rows through the level's splits and sum the smaller children's histograms in one round.
``BestFirstGrowth`` (``max_leaf_nodes``) takes the nodes in a local best-first build's order
(largest impurity decrease first, ties to the lower node id): each round asks for the children
of the nodes at the top of the queue, as many as may still be split, and then makes every split
whose children it has, in the queue's order, until it reaches a node whose children it has not
asked for. Both evaluate a node with the local kernels (``tree._hist_builder.split_bin_node``),
so the trees are the local ``splitter="hist"`` trees.
"""

import heapq
import logging

import numpy as np

from tree._bundles import make_workspace
from tree._categorical_fit import keep_bitsets
from tree._categorical_hist import mark_bins_left
from tree._dask_blocks import block_histograms, initial_nodes, route, tree_sum
from tree._fit import _NO_LABELS, tree_from_columns
from tree._hist import COUNT, STATS, Histograms
from tree._hist_builder import split_bin_node
from tree._tree import TREE_LEAF, TREE_UNDEFINED

log = logging.getLogger("tree.dask")  # INFO: per round, the histograms moved
SPECULATE_AT_MOST = 64  # best-first: the most nodes whose children one round asks for


class LevelGrowth:
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
        node_of_row = [self.dask.delayed(initial_nodes)(s) for s in self.states]
        root = self._histograms(node_of_row, [0], 1)[0]
        # per node: parent, is_left, start, end, depth, impurity (inf: compute it), histograms
        frontier = [(0, -1, False, 0, self.n, 0, np.inf, root)]
        records = []
        while frontier:
            splits = []
            for node_id, parent, is_left, start, end, depth, impurity, hist in frontier:
                record, split = self._evaluate(parent, is_left, start, end, depth, impurity, hist)
                records.append(record)
                if split is not None:
                    splits.append((node_id, start, end, depth, *split))
            if not splits:
                break
            n_nodes = len(records) + 2 * len(splits)
            smaller, routing = [], []
            for k, (node_id, start, end, _, feature, b, ml, n_left, *rest) in enumerate(splits):
                left, right = len(records) + 2 * k, len(records) + 2 * k + 1
                routing.append((node_id, feature, b, ml, left, right, rest[3]))
                records[node_id][10:12] = [left, right]
                smaller.append(left if n_left <= end - start - n_left else right)
            node_of_row = self._route(node_of_row, routing, n_nodes)
            small_hists = self._histograms(node_of_row, smaller, n_nodes)
            moved = len(self.states) * len(smaller) * 8 * int(np.prod(self.hist_shape))
            log.info(
                "depth %d: %d nodes split, histograms of %d children from %d partitions "
                "(%d bytes)", splits[0][3], len(splits), len(smaller), len(self.states), moved,
            )  # fmt: skip
            frontier = []
            for k, split in enumerate(splits):
                node_id, start, end, depth, _, _, _, n_left, imp_left, imp_right, hist, _ = split
                left, right = records[node_id][10:12]
                small = small_hists[k]
                large = hist - small
                left_hist, right_hist = (small, large) if smaller[k] == left else (large, small)
                mid = start + n_left
                frontier.append((left, node_id, True, start, mid, depth + 1, imp_left, left_hist))
                frontier.append((right, node_id, False, mid, end, depth + 1, imp_right, right_hist))
        return records

    def _evaluate(self, parent, is_left, start, end, depth, impurity, hist):
        """The node's record, and its split ``(feature, bin, missing_left, n_left,
        impurity_left, impurity_right, hist, bin_side)`` or None for a leaf."""
        result = split_bin_node(
            self.meta, self.criterion, self.rules, self.ws, self.cat,
            self._with_occupied(hist), start, end, depth, impurity,
        )  # fmt: skip
        w_node, impurity, feature, b, missing_left, threshold = result[:6]
        imp_left, imp_right, improvement, missing_flag = result[6:]
        bits = side = None
        if feature >= 0 and self.cat is not None and self.cat.is_categorical[feature]:
            bits = self.cat.chosen.copy()
            side = self._bin_side(feature, bits, missing_left)
        record = [
            parent, is_left, end - start, w_node, impurity, self.ws.totals.copy(), feature,
            threshold, missing_flag, depth, -1, -1, bits, improvement,
        ]  # fmt: skip
        if feature < 0:
            return record, None
        n_left = self._n_left(hist, feature, b, missing_left, side)
        return record, (feature, b, missing_left, n_left, imp_left, imp_right, hist, side)

    def _route(self, node_of_row, splits, n_nodes):
        """Route every partition's rows through ``splits`` (per split: node, feature, bin,
        missing_left, left child, right child, bin_side or None); the new ``node_of_row``."""
        table = np.full((n_nodes, 6), -1, dtype=np.int64)
        n_categorical = sum(split[6] is not None for split in splits)
        bin_left = np.zeros((n_categorical, self.meta.missing_bin + 1), dtype=np.uint8)
        n_categorical = 0
        for node, feature, b, missing_left, left, right, side in splits:
            row = -1
            if side is not None:  # a categorical split: its row of bin_left
                row, n_categorical = n_categorical, n_categorical + 1
                bin_left[row] = side
            table[node] = (feature, b, 1 if missing_left else 0, left, right, row)
        delayed = self.dask.delayed
        return list(
            self.dask.persist(
                *[
                    delayed(route)(s, nodes, table, bin_left, self.meta.missing_bin)
                    for s, nodes in zip(self.states, node_of_row)
                ]
            )
        )

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
        n_bins = self.meta.n_edges[feature] + 1
        mark_bins_left(
            side, self.cat.bin_code[feature], n_bins, bits, self.meta.missing_bin, missing_left
        )
        return side

    def _n_left(self, hist, feature, b, missing_left, side):
        if side is not None:  # a categorical split: the bins sent left
            return int(round(hist[feature, :, COUNT] @ side))
        counts = hist[feature, : b + 1, COUNT].sum()
        if missing_left:
            counts += hist[feature, self.meta.missing_bin, COUNT]
        return int(round(counts))


def assemble_tree(records, d, n_values, cat, depth_first=True):
    """The ``Tree`` of the node records (with the categorical splits' bitsets when ``cat``):
    breadth-first records renumbered depth-first (left first) as a local depth-first build
    numbers its nodes, or kept in their order (``depth_first=False``: a best-first build's)."""
    if depth_first:
        order = []
        stack = [0]
        while stack:
            node = stack.pop()
            order.append(node)
            left, right = records[node][10], records[node][11]
            if left >= 0:
                stack.append(right)
                stack.append(left)
    else:
        order = list(range(len(records)))
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
            _,
        ) = records[old]
        i = new_id[old]
        split = lo >= 0
        cols_i[:, i] = (
            new_id[lo] if split else TREE_LEAF,
            new_id[ro] if split else TREE_LEAF,
            feature if split else TREE_UNDEFINED,
            n_node,
            mflag if feature >= 0 else 0,  # kept where a split was found but not made, as locally
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


class BestFirstGrowth(LevelGrowth):
    """Grow the tree best-first up to ``max_leaf_nodes`` leaves: node records in the order a
    local best-first build creates them.

    A node's evaluation depends only on its own rows, so nodes are evaluated ahead of the
    queue: each round asks for the children of the best evaluated nodes not yet asked about
    (queued or not yet reached), and the splits are then made in the queue's order while the
    children are at hand. Rows are routed by *route ids*, given when children are asked for;
    records get their numbers when their parent's split is made, as the local build numbers
    them."""

    def run(self, max_leaf_nodes):
        node_of_row = [self.dask.delayed(initial_nodes)(s) for s in self.states]
        root = self._histograms(node_of_row, [0], 1)[0]
        self.evaluated = {}  # route id -> (record, split or None, start, end, depth)
        self.children = {}  # route id -> (left route id, right route id)
        self.n_route = 1
        self._evaluate_route(0, 0, self.n, 0, np.inf, root)
        records, heap, route_of = [], [], []

        def commit(route_id, parent, is_left):
            record = self.evaluated[route_id][0]
            record[0], record[1] = parent, is_left
            node_id = len(records)
            records.append(record)
            route_of.append(route_id)
            # every node enters the queue, a leaf too (it leaves it as a leaf), as locally
            heapq.heappush(heap, (-record[13], node_id))

        commit(0, -1, False)
        splits_left = max_leaf_nodes - 1
        while heap:
            _, node_id = heap[0]
            route_id = route_of[node_id]
            split = self.evaluated[route_id][1]
            if split is None or splits_left <= 0:
                heapq.heappop(heap)
                continue
            if route_id not in self.children:
                node_of_row = self._ask(node_of_row, min(SPECULATE_AT_MOST, splits_left))
            heapq.heappop(heap)
            splits_left -= 1
            left, right = self.children[route_id]
            records[node_id][10:12] = [len(records), len(records) + 1]
            commit(left, node_id, True)
            commit(right, node_id, False)
        return records

    def _evaluate_route(self, route_id, start, end, depth, impurity, hist):
        record, split = self._evaluate(-1, False, start, end, depth, impurity, hist)
        self.evaluated[route_id] = (record, split, start, end, depth)

    def _ask(self, node_of_row, at_most):
        """One round: the children of the ``at_most`` best evaluated splits not asked about yet,
        routed and evaluated; returns the new ``node_of_row``."""
        waiting = [
            (-record[13], route_id)
            for route_id, (record, split, *_) in self.evaluated.items()
            if split is not None and route_id not in self.children
        ]
        asked = [route_id for _, route_id in heapq.nsmallest(at_most, waiting)]
        routing, smaller = [], []
        for route_id in asked:
            _, split, start, end, _ = self.evaluated[route_id]
            feature, b, missing_left, n_left, _, _, _, side = split
            left, right = self.n_route, self.n_route + 1
            self.n_route += 2
            routing.append((route_id, feature, b, missing_left, left, right, side))
            smaller.append(left if n_left <= end - start - n_left else right)
        node_of_row = self._route(node_of_row, routing, self.n_route)
        small_hists = self._histograms(node_of_row, smaller, self.n_route)
        moved = len(self.states) * len(smaller) * 8 * int(np.prod(self.hist_shape))
        log.info(
            "best-first: children of %d nodes asked for, histograms from %d partitions "
            "(%d bytes)", len(asked), len(self.states), moved,
        )  # fmt: skip
        for k, route_id in enumerate(asked):
            record, split, start, end, depth = self.evaluated[route_id]
            _, _, _, n_left, imp_left, imp_right, hist, side = split
            left, right = routing[k][4], routing[k][5]
            small, large = small_hists[k], hist - small_hists[k]
            left_hist, right_hist = (small, large) if smaller[k] == left else (large, small)
            self.evaluated[route_id] = (record, split[:6] + (None, side), start, end, depth)
            mid = start + n_left
            self._evaluate_route(left, start, mid, depth + 1, imp_left, left_hist)
            self._evaluate_route(right, mid, end, depth + 1, imp_right, right_hist)
            self.children[route_id] = (left, right)
        return node_of_row
