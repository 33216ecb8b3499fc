"""The absolute error's node steps: its statistics and its split (see ``tree._mae``).

Its kernels sort and allocate per node, so they are compiled with numba's runtime and called
by the builders only for ``criterion="absolute_error"`` (the builders' ``absolute_error``
argument is None otherwise, and numba then leaves these calls out of the compiled builder).
"""

from tree._bundles import UNIT
from tree._criterion import impurity_improvement
from tree._features import prepare_candidates
from tree._jit import kernel
from tree._mae import node_median_error, search_mae, split_errors
from tree._node import chosen_split


@kernel
def mae_node_statistics(data, criterion, start, end, totals):
    """The node's weighted median and summed absolute deviation into ``totals``; its weight."""
    median, error, weight = node_median_error(
        data.order[0], data.targets[0], start, end, criterion.weight_mode == UNIT,
        criterion.sample_weight,
    )  # fmt: skip
    totals[0] = median
    totals[1] = error
    return weight


@kernel
def find_split_mae(data, criterion, rules, ws, start, end, w_node, impurity):
    """``tree._node.find_split`` for the absolute error."""
    m = prepare_candidates(data, rules, ws, start, end)
    search_mae(data, criterion, rules, ws, start, end, w_node, 0, m)
    return finish_split_mae(data, criterion, rules, ws, m, start, end, w_node, impurity)


@kernel
def finish_split_mae(data, criterion, rules, ws, m, start, end, w_node, impurity):
    """The best scanned candidate and its exact impurities (see ``find_split``)."""
    f, pos, missing_left, threshold, n_left, missing_flag = chosen_split(
        data, rules, ws, m, start, end
    )
    if f < 0:
        return -1, end, 0.0, 0.0, 0.0, 0.0, 0, 0.0
    error_left, w_left, error_right, w_right = split_errors(
        data.order[f], data.values[f], data.targets[f], start, end, pos, missing_left,
        criterion.weight_mode == UNIT, criterion.sample_weight,
    )  # fmt: skip
    imp_left = error_left / w_left
    imp_right = error_right / w_right
    improvement = impurity_improvement(
        w_node, criterion.total_weight, impurity, imp_left, imp_right, w_left, w_right
    )
    return (
        f,
        start + n_left,
        threshold,
        imp_left,
        imp_right,
        improvement,
        missing_flag,
        0.0,
    )
