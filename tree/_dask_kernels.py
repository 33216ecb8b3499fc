"""The kernels ``tree.dask`` runs on each partition of the training rows.

A partition holds its rows' bin codes (``tree._binning``, row by row), targets, weights and
the id of the tree node each row is in. ``partition_histograms`` sums the histograms
(``tree._hist`` layout) of the nodes asked for; ``route_rows`` moves the rows of the nodes just
split to their children. Both read only the partition's own rows.
"""

import numpy as np

from tree._hist import COUNT, STATS, WEIGHT
from tree._jit import kernel


@kernel
def partition_histograms(codes, labels, targets, weights, node_of_row, slot_of_node, hist):
    """Add this partition's rows to ``hist[slot]`` for every row whose node has a slot
    (``slot_of_node[node] >= 0``); ``labels`` empty for regression, ``targets`` for
    classification."""
    n, d = codes.shape
    regression = labels.shape[0] == 0
    for s in range(hist.shape[0]):
        for f in range(d):
            for b in range(hist.shape[2]):
                for k in range(hist.shape[3]):
                    hist[s, f, b, k] = 0.0
    for i in range(n):
        s = slot_of_node[node_of_row[i]]
        if s < 0:
            continue
        w = weights[i]
        for f in range(d):
            b = np.int64(codes[i, f])
            hist[s, f, b, COUNT] += 1.0
            hist[s, f, b, WEIGHT] += w
            if regression:
                y = targets[i]
                hist[s, f, b, STATS] += w * y
                hist[s, f, b, STATS + 1] += w * y * y
            else:
                hist[s, f, b, STATS + np.int64(labels[i])] += w
    return hist


@kernel
def route_rows(codes, node_of_row, split, bin_left, missing_bin):
    """The rows' nodes after the splits ``split`` (per node: feature or -1, bin, missing left,
    left child, right child, and for a categorical split its row of ``bin_left``, else -1:
    per bin, 1 when it goes left, the missing values' bin included)."""
    routed = node_of_row.copy()
    for i in range(node_of_row.shape[0]):
        node = node_of_row[i]
        f = split[node, 0]
        if f < 0:
            continue
        code = np.int64(codes[i, f])
        if split[node, 5] >= 0:
            goes_left = bin_left[split[node, 5], code] == 1
        elif code == missing_bin:
            goes_left = split[node, 2] == 1
        else:
            goes_left = code <= split[node, 1]
        routed[i] = split[node, 3] if goes_left else split[node, 4]
    return routed
