"""The fitted tree as flat arrays, with scikit-learn's ``tree_`` attribute names.

Node ``i`` is a leaf when ``children_left[i] == children_right[i] == TREE_LEAF``. Samples with
``x[feature[i]] <= threshold[i]`` go to ``children_left[i]``; a missing value (NaN) goes left when
``missing_go_to_left[i]`` is 1. ``value[i]`` has shape ``(n_outputs, max_n_classes)``: for a
classifier the weighted fraction of each class in the node (as scikit-learn >= 1.4 stores it),
for a regressor the node's prediction.
"""

import numpy as np

TREE_LEAF = -1
TREE_UNDEFINED = -2


class Tree:
    """Flat-array storage of one fitted tree.

    Parameters
    ----------
    n_features : int
        Number of features the tree was fitted on.
    n_classes : numpy.ndarray of shape (n_outputs,)
        Number of classes per output (1 for regression).
    n_outputs : int, default 1
        Number of outputs.
    """

    ARRAY_DTYPES = {
        "children_left": np.int64,
        "children_right": np.int64,
        "feature": np.int64,
        "threshold": np.float64,
        "value": np.float64,
        "impurity": np.float64,
        "n_node_samples": np.int64,
        "weighted_n_node_samples": np.float64,
        "missing_go_to_left": np.uint8,
    }

    def __init__(self, n_features, n_classes, n_outputs=1):
        self.n_features = int(n_features)
        self.n_classes = np.asarray(n_classes, dtype=np.int64).reshape(-1)
        self.n_outputs = int(n_outputs)
        self.max_n_classes = int(self.n_classes.max()) if self.n_classes.size else 1
        self.node_count = 0
        self.max_depth = 0
        self.children_left = np.empty(0, dtype=np.int64)
        self.children_right = np.empty(0, dtype=np.int64)
        self.feature = np.empty(0, dtype=np.int64)
        self.threshold = np.empty(0, dtype=np.float64)
        self.value = np.empty((0, self.n_outputs, self.max_n_classes), dtype=np.float64)
        self.impurity = np.empty(0, dtype=np.float64)
        self.n_node_samples = np.empty(0, dtype=np.int64)
        self.weighted_n_node_samples = np.empty(0, dtype=np.float64)
        self.missing_go_to_left = np.empty(0, dtype=np.uint8)
        # native categorical splits (tree._categorical_fit): None without any
        self.categorical_node = None
        self.categorical_bitsets = None
        self.categorical_n_codes = 0

    @property
    def capacity(self):
        return self.node_count

    @property
    def n_leaves(self):
        return int(np.sum(self.children_left == TREE_LEAF))

    def arrays(self):
        """The node arrays by name (views, not copies)."""
        return {name: getattr(self, name) for name in self.ARRAY_DTYPES}

    def __repr__(self):
        return f"Tree(node_count={self.node_count}, max_depth={self.max_depth})"
