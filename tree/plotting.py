"""Teaching pictures of a fitted tree (kept for imports written before the split).

The node pictures live in :mod:`tree.node_plots`, the decision regions in
:mod:`tree.region_plots`.
"""

from tree.node_plots import plot_decision_path, plot_tree
from tree.region_plots import plot_decision_boundary

__all__ = ["plot_decision_boundary", "plot_decision_path", "plot_tree"]
