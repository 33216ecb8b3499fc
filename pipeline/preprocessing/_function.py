"""``FunctionTransformer`` (apply a function) and ``ColumnSelector`` (keep some columns)."""

import warnings

import numpy as np
import pandas as pd

from pipeline._serialize import check_feature_state, check_transform_kwargs, fail
from pipeline._validation import (
    check_2d,
    check_features,
    default_feature_names,
    feature_names_of,
    is_dataframe,
    to_float_2d,
)
from pipeline.base import BaseEstimator, TransformerMixin, available_if, check_is_fitted


class FunctionTransformer(TransformerMixin, BaseEstimator):
    """Apply ``func(X, **kw_args)`` as a transformer (identity when ``func`` is None).

    Parameters follow ``sklearn.preprocessing.FunctionTransformer``. ``feature_names_out`` may
    be None (no ``get_feature_names_out``), ``"one-to-one"`` or a callable
    ``f(transformer, input_features)``. For :mod:`pipeline.persist`, ``func`` must be a
    module-level function (it is saved by its import path).
    """

    def __init__(
        self,
        func=None,
        inverse_func=None,
        *,
        validate=False,
        accept_sparse=False,
        check_inverse=True,
        feature_names_out=None,
        kw_args=None,
        inv_kw_args=None,
    ):
        self.func = func
        self.inverse_func = inverse_func
        self.validate = validate
        self.accept_sparse = accept_sparse
        self.check_inverse = check_inverse
        self.feature_names_out = feature_names_out
        self.kw_args = kw_args
        self.inv_kw_args = inv_kw_args

    _state_names = ("n_features_in_", "feature_names_in_", "fitted_")

    def _validate_params(self):
        # run on load: callables where callables belong, and a registered transform takes only
        # its declared numeric arguments
        for name in ("func", "inverse_func"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ValueError(f"FunctionTransformer: {name} must be callable or None.")
        fno = self.feature_names_out
        if not (fno is None or fno == "one-to-one" or callable(fno)):
            raise ValueError(
                "FunctionTransformer: feature_names_out must be None, 'one-to-one' or a callable."
            )
        check_transform_kwargs(self.func, self.kw_args, "FunctionTransformer.kw_args")
        check_transform_kwargs(
            self.inverse_func, self.inv_kw_args, "FunctionTransformer.inv_kw_args"
        )

    def _check_state(self):
        if self.fitted_ is not True:
            fail(self, "fitted_ must be True")
        if hasattr(self, "n_features_in_"):
            check_feature_state(self)

    def _check_input(self, X, reset):
        if self.validate:
            X = check_2d(X, "FunctionTransformer")
            check_features(self, X, reset=reset)
            return to_float_2d(self, X)
        if reset:
            shape = getattr(X, "shape", None)
            if shape is not None and len(shape) == 2:
                check_features(self, X, reset=True)
        return X

    def _apply(self, func, X, kw_args):
        if func is None:
            return X
        return func(X, **(kw_args or {}))

    def fit(self, X, y=None):
        """Record the input's features; check the inverse on a few rows if asked."""
        for name in ("func", "inverse_func"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"FunctionTransformer: {name} must be callable or None.")
        fno = self.feature_names_out
        if not (fno is None or fno == "one-to-one" or callable(fno)):
            raise ValueError(
                "FunctionTransformer: feature_names_out must be None, 'one-to-one' or a "
                f"callable, got {fno!r}."
            )
        X = self._check_input(X, reset=True)
        self.fitted_ = True
        if self.check_inverse and not (self.func is None or self.inverse_func is None):
            self._check_inverse_transform(X)
        return self

    def _check_inverse_transform(self, X):
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        rows = np.arange(0, n, max(1, n // 100))
        subset = X.iloc[rows] if is_dataframe(X) else np.asarray(X)[rows]
        try:
            round_trip = self.inverse_transform(self.transform(subset))
            same = np.allclose(
                np.asarray(subset, dtype=float), np.asarray(round_trip, dtype=float), equal_nan=True
            )
        except (TypeError, ValueError):
            return
        if not same:
            warnings.warn(
                "The provided functions are not strictly inverse of each other. If you are "
                "sure you want to proceed regardless, set 'check_inverse=False'.",
                UserWarning,
                stacklevel=3,
            )

    def transform(self, X):
        """Return ``func(X, **kw_args)`` (stateless: works without ``fit``)."""
        if self.validate and hasattr(self, "n_features_in_"):
            X = self._check_input(X, reset=False)
        elif self.validate:
            X = to_float_2d(self, check_2d(X, "FunctionTransformer"))
        return self._apply(self.func, X, self.kw_args)

    def inverse_transform(self, X):
        """Return ``inverse_func(X, **inv_kw_args)``."""
        if self.validate:
            X = to_float_2d(self, check_2d(X, "FunctionTransformer"))
        return self._apply(self.inverse_func, X, self.inv_kw_args)

    @available_if(lambda self: self.feature_names_out is not None)
    def get_feature_names_out(self, input_features=None):
        """Output feature names, as declared by ``feature_names_out`` (only when it is set:
        pass ``feature_names_out="one-to-one"`` or a callable)."""
        check_is_fitted(self, "fitted_")
        names = default_feature_names(self, input_features)
        if self.feature_names_out == "one-to-one":
            return names
        return np.asarray(self.feature_names_out(self, names), dtype=object)

    def __sklearn_is_fitted__(self):
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.no_validation = not self.validate
        tags.input_tags.sparse = not self.validate
        tags.requires_fit = False
        tags.input_tags.allow_nan = True
        tags.input_tags.string = not self.validate
        return tags


class ColumnSelector(TransformerMixin, BaseEstimator):
    """Keep the given columns, by name (DataFrames) or by integer position.

    A DataFrame stays a DataFrame (with the selected columns in the given order); an array
    gives an array.

    Parameters
    ----------
    columns : str, int or list of str / int
    """

    def __init__(self, columns):
        self.columns = columns

    _state_names = ("n_features_in_", "feature_names_in_", "selected_")

    def _check_state(self):
        check_feature_state(self)
        if self.selected_ != self._column_list():
            fail(self, "selected_ does not match the columns parameter")
        names = getattr(self, "feature_names_in_", None)
        frame = (
            pd.DataFrame(columns=list(names))
            if names is not None
            else np.empty((0, self.n_features_in_))
        )
        self._positions(frame)

    def _column_list(self):
        cols = self.columns
        if isinstance(cols, str | int | np.integer):
            return [cols]
        return list(cols)

    def fit(self, X, y=None):
        """Check that the columns exist in ``X``."""
        X = check_2d(X, "ColumnSelector")
        check_features(self, X, reset=True)
        self._positions(X)
        self.selected_ = self._column_list()
        return self

    def _positions(self, X):
        cols = self._column_list()
        if not cols:
            raise ValueError("ColumnSelector: columns is empty; select at least one column.")
        names = feature_names_of(X)
        n = X.shape[1]
        positions = []
        for c in cols:
            if isinstance(c, str):
                if names is None:
                    raise ValueError(
                        f"ColumnSelector: column {c!r} is selected by name, but X has no "
                        "column names; pass a pandas DataFrame or select by position."
                    )
                if c not in set(names):
                    raise ValueError(
                        f"ColumnSelector: column {c!r} is not in X; its columns are {list(names)}."
                    )
                positions.append(list(names).index(c))
            elif isinstance(c, int | np.integer) and not isinstance(c, bool):
                if not -n <= c < n:
                    raise ValueError(
                        f"ColumnSelector: column position {c} is out of range for X with {n} "
                        "columns."
                    )
                positions.append(int(c) % n)
            else:
                raise TypeError(
                    f"ColumnSelector: columns must be names or integer positions, got {c!r}."
                )
        return positions

    def transform(self, X):
        """The selected columns of ``X``."""
        check_is_fitted(self, "selected_")
        X = check_2d(X, "ColumnSelector")
        check_features(self, X, reset=False)
        positions = self._positions(X)
        if is_dataframe(X):
            return X.iloc[:, positions]
        return np.asarray(X)[:, positions]

    def get_feature_names_out(self, input_features=None):
        """The names of the selected columns."""
        check_is_fitted(self, "selected_")
        names = default_feature_names(self, input_features)
        frame = pd.DataFrame(columns=list(names))
        return np.asarray(names[self._positions(frame)] if len(names) else [], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
