"""The base estimator the classifier and the regressor share: fitting, routing, inspection.

``_BaseDecisionTree`` validates the input around the numba kernels and grows the tree
(``fit``), routes samples through it (``apply``, ``decision_path``), answers questions about it
(depth, leaves, feature importances, the pruning path) and hands persistence to
``tree._serialize``. What differs between the two public estimators (their parameters, the
encoding of the target, ``predict`` and ``score``) lives in ``tree._classes``.

The number of threads used by ``fit`` and ``predict`` is numba's (``numba.set_num_threads`` or
the ``NUMBA_NUM_THREADS`` environment variable); small data is always handled on one thread.
"""

import numbers
import weakref

import numba
import numpy as np

from tree._base import TreeEstimatorBase
from tree._bundles import BY_CLASS, PER_SAMPLE, UNIT
from tree._categorical_checks import (
    categories_to_codes,
    check_categorical_monotonic,
    check_codes,
    fit_categorical,
    predict_input,
)
from tree._categorical_fit import has_categorical_splits
from tree._categorical_predict import apply_categorical, decision_path_categorical
from tree._checks import (
    check_hist_options,
    check_is_fitted,
    check_monotonic_cst,
    check_predict_X,
    check_sample_weight,
    check_X,
    feature_names_of,
)
from tree._fit import grow_tree, store_fitted
from tree._params import validate_params
from tree._predict import apply_records, decision_path_arrays, pack_tree
from tree._prune import prune_tree, pruning_path
from tree.dask import is_dask_collection

# packed prediction records per fitted Tree object, built on first use
_PACKED = weakref.WeakKeyDictionary()


class Bunch(dict):
    """A dict whose keys are also attributes (the return type of the pruning path)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc


class _BaseDecisionTree(TreeEstimatorBase):
    """What the classifier and the regressor share: fitting, routing, inspection, pruning."""

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Grow the tree from the training data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), numeric; NaN = missing
        y : array-like of shape (n_samples,): class labels (ints, strings or booleans) for the
            classifier, finite numbers for the regressor
        sample_weight : array-like of shape (n_samples,) or None

        Returns
        -------
        self
        """
        if is_dask_collection(X):  # one tree past one machine: tree.dask
            from tree import dask as tree_dask

            return tree_dask.fit(self, X, y, sample_weight)
        validate_params(self, self._parameter_constraints)
        name = type(self).__name__
        X_given = X
        category_names = {}
        if self.categorical_features is not None:  # pandas categories -> codes
            X, category_names = categories_to_codes(X)
        names = feature_names_of(X)
        # the presort and the binning read X's values as float32 one at a time: no copy of X
        X32 = check_X(X, name, copy_to_float32=False)
        is_categorical = fit_categorical(self, X_given, X32.shape[1], names, X32)
        n_samples, n_features = X32.shape
        y_enc, n_stats, class_w, target_attrs = self._encode_targets(y, n_samples, name)
        if y_enc.dtype.kind == "i" and n_stats <= 256:  # class codes: one byte each is enough
            y_enc = y_enc.astype(np.uint8)
        sw = check_sample_weight(sample_weight, n_samples)
        max_features = self._resolve_max_features(n_features)

        if sw is None and class_w is None:
            wmode, weights, w_total = UNIT, np.ones(1), float(n_samples)
            min_weight_leaf = self.min_weight_fraction_leaf * n_samples
        else:
            full = np.ones(n_samples) if sw is None else sw
            if class_w is not None:
                full = full * class_w[y_enc]
            w_total = float(np.sum(full))
            if not np.any(full > 0):
                raise ValueError("All sample weights are zero; at least one must be positive.")
            min_weight_leaf = self.min_weight_fraction_leaf * w_total
            keep = full != 0
            if not keep.all():  # scikit-learn ignores samples of zero weight
                X32, y_enc, full = X32[keep], y_enc[keep], full[keep]
            if sw is None:
                wmode, weights = BY_CLASS, np.ones(1)
            else:
                wmode, weights = PER_SAMPLE, np.ascontiguousarray(full)
        class_w = np.ones(n_stats) if class_w is None else class_w

        check_hist_options(self)
        monotonic = check_monotonic_cst(
            self.monotonic_cst, X32, n_stats, self._estimator_type, self.criterion
        )
        if is_categorical is not None:
            check_categorical_monotonic(is_categorical, monotonic)
        tree = grow_tree(
            self,
            X32,
            y_enc,
            n_stats,
            wmode,
            class_w,
            weights,
            w_total,
            min_weight_leaf,
            max_features,
            n_samples,
            monotonic,
            None if is_categorical is None else (is_categorical, self.min_category_samples),
        )
        if self.ccp_alpha > 0.0:
            tree = prune_tree(tree, self.ccp_alpha)

        for key, value in target_attrs.items():
            setattr(self, key, value)
        store_fitted(self, tree, n_features, names, max_features, is_categorical, category_names)
        return self

    def _resolve_max_features(self, n_features):
        mf = self.max_features
        if mf is None:
            return n_features
        if mf == "sqrt":
            return max(1, int(np.sqrt(n_features)))
        if mf == "log2":
            return max(1, int(np.log2(n_features)))
        if isinstance(mf, numbers.Integral):
            if mf > n_features:
                raise ValueError(
                    f"max_features must be in (0, n_features]: got {mf} with {n_features} features."
                )
            return int(mf)
        return max(1, int(mf * n_features))

    # -- prediction ----------------------------------------------------------------------------

    def _packed_tree(self):
        # derived from tree_ and cached beside it (not in __dict__: predict must not change it)
        tree = self.tree_
        packed = _PACKED.get(tree)
        if packed is None:
            if self._estimator_type == "classifier":
                per_node = np.argmax(tree.value[:, 0, :], axis=1)
            else:
                per_node = np.ascontiguousarray(tree.value[:, 0, 0])
            packed = (pack_tree(tree), per_node)
            _PACKED[tree] = packed
        return packed

    def _predict_X(self, X):
        # X checked as in fit, its pandas categories encoded and its codes checked
        if getattr(self, "is_categorical_", None) is None:
            return check_predict_X(self, X, type(self).__name__)
        X32 = check_predict_X(self, predict_input(self, X), type(self).__name__)
        check_codes(X32, self.is_categorical_, "in X")
        return X32

    def apply(self, X):
        """Index (in ``tree_``) of the leaf each sample ends up in."""
        X32 = self._predict_X(X)
        if has_categorical_splits(self.tree_):
            return apply_categorical(X32, self.tree_)
        return apply_records(X32, self._packed_tree()[0], numba.get_num_threads())

    def decision_path(self, X):
        """Sparse CSR indicator (n_samples, node_count) of the nodes each sample goes through."""
        import scipy.sparse

        X32 = self._predict_X(X)
        if has_categorical_splits(self.tree_):
            indptr, indices = decision_path_categorical(X32, self.tree_)
        else:
            indptr, indices = decision_path_arrays(X32, self.tree_)
        data = np.ones(indices.shape[0], dtype=np.intp)
        return scipy.sparse.csr_matrix(
            (data, indices, indptr), shape=(X32.shape[0], self.tree_.node_count)
        )

    # -- inspection ----------------------------------------------------------------------------

    def get_depth(self):
        """Depth of the tree (a single leaf has depth 0)."""
        check_is_fitted(self)
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves."""
        check_is_fitted(self)
        return self.tree_.n_leaves

    @property
    def feature_importances_(self):
        """Normalised total weighted impurity decrease brought by each feature."""
        check_is_fitted(self)
        tree = self.tree_
        internal = np.flatnonzero(tree.children_left >= 0)
        w = tree.weighted_n_node_samples
        imp = tree.impurity
        left = tree.children_left[internal]
        right = tree.children_right[internal]
        decrease = w[internal] * imp[internal] - w[left] * imp[left] - w[right] * imp[right]
        importances = np.zeros(tree.n_features, dtype=np.float64)
        np.add.at(importances, tree.feature[internal], decrease)
        importances /= w[0]
        total = importances.sum()
        if total > 0.0:
            importances /= total
        return importances

    def cost_complexity_pruning_path(self, X, y, sample_weight=None):
        """Effective alphas and total leaf impurities of minimal cost-complexity pruning.

        Returns
        -------
        Bunch with ``ccp_alphas`` and ``impurities`` (ndarrays, increasing alphas).
        """
        full = type(self)(**{**self.get_params(), "ccp_alpha": 0.0})
        full.fit(X, y, sample_weight)
        alphas, impurities = pruning_path(full.tree_)
        return Bunch(ccp_alphas=alphas, impurities=impurities)

    # -- persistence (implemented in tree._serialize) -----------------------------------------

    def to_dict(self):
        """A JSON-able description of the fitted model (see ``tree._serialize``)."""
        from tree._serialize import estimator_to_dict

        return estimator_to_dict(self)

    @classmethod
    def from_dict(cls, d):
        """Rebuild a fitted model from ``to_dict``'s output, validating everything."""
        from tree._serialize import estimator_from_dict

        return estimator_from_dict(cls, d)
