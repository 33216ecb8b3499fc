"""The two public estimators, ``DecisionTree`` (alias ``DecisionTreeClassifier``) and
``DecisionTreeRegressor``: their parameters (documentation, constraints, defaults), the encoding
of the target, ``predict`` and ``score``.

Everything else they share (fitting, routing, inspection, pruning, persistence) is
``tree._estimator._BaseDecisionTree``. The number of threads used by ``fit`` and ``predict`` is
numba's (``numba.set_num_threads`` or the ``NUMBA_NUM_THREADS`` environment variable); small
data is always handled on one thread.
"""

import warnings

import numpy as np

from tree._checks import check_classification_y, check_regression_y, check_sample_weight
from tree._estimator import Bunch, _BaseDecisionTree  # noqa: F401 (Bunch: re-exported)
from tree._params import RANDOM_STATE, InstanceOf, Interval, NoneOk, Options


class DecisionTree(_BaseDecisionTree):
    """A CART decision-tree classifier (scikit-learn's ``DecisionTreeClassifier`` semantics).

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default "gini"
        Impurity measure; "log_loss" and "entropy" are the same (Shannon entropy, in bits).
    splitter : {"best", "random", "hist"}, default "best"
        "best" evaluates every split position of the candidate features; "random" draws one
        threshold uniformly between the node's minimum and maximum of each candidate feature;
        "hist" bins each feature once (``max_bins``) and evaluates every bin boundary on
        per-node histograms (thresholds in the feature's own units). Not yet with the
        absolute error or ``monotonic_cst``.
    max_depth : int or None, default None
        Maximum depth; None grows until the leaves are pure or too small.
    min_samples_split : int or float, default 2
        Minimum samples to split a node (a float is a fraction of n_samples, rounded up).
    min_samples_leaf : int or float, default 1
        Minimum samples in each child (a float is a fraction of n_samples, rounded up).
    min_weight_fraction_leaf : float, default 0.0
        Minimum fraction of the total sample weight in each child.
    max_features : int, float, {"sqrt", "log2"} or None, default None
        Number of features considered per split; None means all.
    random_state : int, RandomState or None, default None
        Seeds the feature draws (``max_features``) and the random splitter.
    max_leaf_nodes : int or None, default None
        Grow best-first (largest impurity decrease first) up to this many leaves.
    min_impurity_decrease : float, default 0.0
        Split only when ``N_t / N * (impurity - N_tR / N_t * right - N_tL / N_t * left)`` is at
        least this (weighted counts).
    class_weight : dict, "balanced" or None, default None
        Weights of the classes, multiplied into ``sample_weight``.
    ccp_alpha : float, default 0.0
        Complexity parameter of minimal cost-complexity pruning (0: no pruning).
    monotonic_cst : array-like of int of shape (n_features,) or None, default None
        Per feature, 1 (the prediction may only increase with it), -1 (only decrease) or 0 (no
        constraint), as in scikit-learn: on the probability of the positive class
        (``classes_[1]``) for binary classification, on the prediction for regression. Not
        for multiclass targets, missing values in X or the absolute error.
    max_bins : int, default 255
        ``splitter="hist"`` only: at most this many bins per feature (2-255), plus one for
        missing values; edges from quantiles of at most 200,000 rows drawn with
        ``random_state``, or between distinct values when a feature has fewer.
    categorical_features : None, "from_dtype", array-like of bool, int or str, default None
        The features split natively as categories, ``x in {A, C}`` (see ``tree._categorical``):
        as in scikit-learn's HistGradientBoosting, the pandas ``category`` columns
        ("from_dtype"), a boolean mask, integer indices or feature names. Their values are
        non-negative integer codes (NaN: missing); not with ``splitter="random"``,
        ``criterion="absolute_error"`` or a monotonic constraint on them. With
        ``splitter="hist"`` each category has a bin of its own: at most ``max_bins`` of them.
    min_category_samples : int, default 1
        Categories with fewer samples in a node take no part in its split search and go with
        the child that has more samples (1: every category takes part, CART's exact split).

    Notes
    -----
    Thresholds are midpoints ``a/2 + b/2`` of consecutive distinct feature values (as float32,
    like scikit-learn) and ``x <= threshold`` goes left. Values closer than 1e-7 are one value.
    **Ties** between candidate splits of equal improvement are broken deterministically: the
    lowest feature index wins, then (for a feature with missing values in the node) sending the
    missing values right before left, then the lowest threshold. (With entropy, improvements
    equal only up to rounding are ordered by their rounded values.) With ``max_features=None``
    and ``splitter="best"`` no random number is used, so the tree never depends on
    ``random_state``.

    Missing values (NaN) in X follow scikit-learn's rules: each split tries the node's missing
    values on either side and keeps the better; a node that saw none in training sends them to
    the child with more samples. A split may then have threshold ``inf`` ("all values left,
    missing right").
    Samples of zero weight are ignored, as in scikit-learn; negative weights are rejected.

    Attributes
    ----------
    classes_ : ndarray of the sorted class labels
    n_classes_ : int
    n_outputs_ : int (always 1)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when X had string column names
    max_features_ : int
    tree_ : tree._tree.Tree with scikit-learn's array names
    feature_importances_ : ndarray (normalised total impurity decrease per feature)
    is_categorical_ : ndarray of bool (n_features,), or None without categorical features
    category_names_ : dict of feature index to its pandas categories (str), when fitted on
        pandas ``category`` columns
    """

    _parameter_constraints = {
        "criterion": [Options("gini", "entropy", "log_loss")],
        "splitter": [Options("best", "random", "hist")],
        "max_bins": [Interval("int", 2, 255, "both")],
        "max_depth": [Interval("int", 1, None, "left"), NoneOk()],
        "min_samples_split": [
            Interval("int", 2, None, "left"),
            Interval("real_not_int", 0.0, 1.0, "right"),
        ],
        "min_samples_leaf": [
            Interval("int", 1, None, "left"),
            Interval("real_not_int", 0.0, 1.0, "neither"),
        ],
        "min_weight_fraction_leaf": [Interval("real", 0.0, 0.5, "both")],
        "max_features": [
            Interval("int", 1, None, "left"),
            Interval("real_not_int", 0.0, 1.0, "right"),
            Options("sqrt", "log2"),
            NoneOk(),
        ],
        "random_state": RANDOM_STATE,
        "max_leaf_nodes": [Interval("int", 2, None, "left"), NoneOk()],
        "min_impurity_decrease": [Interval("real", 0.0, None, "left")],
        "class_weight": [
            InstanceOf(dict, label="a dict"),
            Options("balanced"),
            NoneOk(),
        ],
        "ccp_alpha": [Interval("real", 0.0, None, "left")],
        "monotonic_cst": [
            InstanceOf(list, tuple, np.ndarray, label="an array-like of -1, 0 and 1"),
            NoneOk(),
        ],
        "categorical_features": [
            Options("from_dtype"),
            InstanceOf(list, tuple, np.ndarray, label="a mask, indices or feature names"),
            NoneOk(),
        ],
        "min_category_samples": [Interval("int", 1, None, "left")],
    }

    def __init__(
        self,
        *,
        criterion="gini",
        splitter="best",
        max_depth=None,
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_features=None,
        random_state=None,
        max_leaf_nodes=None,
        min_impurity_decrease=0.0,
        class_weight=None,
        ccp_alpha=0.0,
        monotonic_cst=None,
        max_bins=255,
        categorical_features=None,
        min_category_samples=1,
    ):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.monotonic_cst = monotonic_cst
        self.max_bins = max_bins
        self.categorical_features = categorical_features
        self.min_category_samples = min_category_samples

    def _encode_targets(self, y, n_samples, name):
        classes, y_enc = check_classification_y(y, n_samples, name)
        attrs = {"classes_": classes, "n_classes_": len(classes)}
        return y_enc, len(classes), self._class_weights(classes, y_enc), attrs

    def _class_weights(self, classes, y_enc):
        if self.class_weight is None:
            return None
        if self.class_weight == "balanced":
            counts = np.bincount(y_enc, minlength=len(classes)).astype(np.float64)
            return len(y_enc) / (len(classes) * counts)
        weights = np.ones(len(classes), dtype=np.float64)
        known = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}
        unknown = [key for key in self.class_weight if key not in known]
        if unknown:
            raise ValueError(
                f"The classes, {unknown}, are not in class_weight's labels; y has classes "
                f"{list(known)}."
            )
        for key, value in self.class_weight.items():
            weights[known[key]] = float(value)
        return weights

    def predict_proba(self, X):
        """Class probabilities: the weighted class fractions of each sample's leaf."""
        leaves = self.apply(X)
        return self.tree_.value[leaves, 0, :]

    def predict_log_proba(self, X):
        """Natural log of ``predict_proba`` (-inf for a zero probability)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sample (first class on ties)."""
        leaves = self.apply(X)
        node_class = self._packed_tree()[1]
        return self.classes_.take(node_class[leaves])

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by ``sample_weight`` when given)."""
        predicted = self.predict(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.shape[0] != predicted.shape[0]:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {predicted.shape[0]} and "
                f"{y.shape[0]}."
            )
        correct = (predicted == y).astype(np.float64)
        w = check_sample_weight(sample_weight, correct.shape[0])
        return float(np.average(correct, weights=w))


DecisionTreeClassifier = DecisionTree


class DecisionTreeRegressor(_BaseDecisionTree):
    """A CART regression tree (scikit-learn's ``DecisionTreeRegressor`` semantics).

    Parameters are the classifier's (see ``DecisionTree``) without ``class_weight``;
    ``criterion`` is "squared_error" or "absolute_error"; "friedman_mse" is deprecated as in
    scikit-learn 1.9: it warns (FutureWarning) and is stored as "squared_error", since the two
    always chose the same splits. With the
    squared error a leaf predicts the weighted mean of its training targets and
    ``tree_.impurity`` is the weighted variance; with the absolute error a leaf predicts the
    weighted median (the mean of the two middle values when they split the weight exactly in
    half) and the impurity is the weighted mean absolute deviation from it. ``tree_.value`` has
    shape ``(node_count, 1, 1)``. The same deterministic tie rule applies: lowest feature
    index, then lowest threshold.
    """

    _estimator_type = "regressor"

    _parameter_constraints = {
        **DecisionTree._parameter_constraints,
        "criterion": [Options("squared_error", "friedman_mse", "absolute_error")],
    }
    del _parameter_constraints["class_weight"]

    def __init__(
        self,
        *,
        criterion="squared_error",
        splitter="best",
        max_depth=None,
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_features=None,
        random_state=None,
        max_leaf_nodes=None,
        min_impurity_decrease=0.0,
        ccp_alpha=0.0,
        monotonic_cst=None,
        max_bins=255,
        categorical_features=None,
        min_category_samples=1,
    ):
        if isinstance(criterion, str) and criterion == "friedman_mse":
            # as scikit-learn 1.9: the two criteria always chose the same splits
            criterion = "squared_error"
            warnings.warn(
                'Value `"friedman_mse"` for `criterion` is deprecated (as in scikit-learn 1.9) '
                'and maps to `"squared_error"`, which always chose the same splits. Use '
                '`criterion="squared_error"` to remove this warning.',
                FutureWarning,
                stacklevel=2,
            )
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.ccp_alpha = ccp_alpha
        self.monotonic_cst = monotonic_cst
        self.max_bins = max_bins
        self.categorical_features = categorical_features
        self.min_category_samples = min_category_samples

    def _encode_targets(self, y, n_samples, name):
        return check_regression_y(y, n_samples, name), 2, None, {}

    def predict(self, X):
        """The weighted mean target of each sample's leaf."""
        leaves = self.apply(X)
        return self._packed_tree()[1][leaves]

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 (weighted by ``sample_weight`` when given)."""
        predicted = self.predict(X)
        y = check_regression_y(y, predicted.shape[0], type(self).__name__)
        w = check_sample_weight(sample_weight, y.shape[0])
        w = np.ones_like(y) if w is None else w
        residual = np.sum(w * (y - predicted) ** 2)
        total = np.sum(w * (y - np.average(y, weights=w)) ** 2)
        if total == 0.0:
            return 1.0 if residual == 0.0 else 0.0
        return float(1.0 - residual / total)
