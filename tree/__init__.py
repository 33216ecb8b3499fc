"""CART decision trees written from scratch, with numba-compiled kernels."""

from tree import criteria
from tree._checks import NotFittedError
from tree._classes import DecisionTree, DecisionTreeClassifier, DecisionTreeRegressor
from tree._tree import Tree
from tree._version import __version__
from tree.export import export_graphviz, export_text
from tree.io import ModelFileError, load, save
from tree.node_plots import plot_decision_path, plot_tree
from tree.region_plots import plot_decision_boundary

__all__ = [
    "DecisionTree",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ModelFileError",
    "NotFittedError",
    "Tree",
    "__version__",
    "criteria",
    "export_graphviz",
    "export_text",
    "load",
    "plot_decision_boundary",
    "plot_decision_path",
    "plot_tree",
    "save",
]
