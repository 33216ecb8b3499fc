"""``SimpleImputer``: fill missing values with a per-column statistic or a constant."""

from collections import Counter

import numpy as np
import pandas as pd

from pipeline._serialize import check_array, check_feature_state, fail
from pipeline._validation import (
    check_2d,
    check_features,
    column_label,
    columns_of,
    default_feature_names,
    is_missing,
)
from pipeline.base import BaseEstimator, TransformerMixin, check_is_fitted

_STRATEGIES = ("mean", "median", "most_frequent", "constant")


def _smallest(values):
    """The smallest of tied values (numbers before text when they cannot be compared)."""
    try:
        return min(values)
    except TypeError:
        return min(values, key=lambda v: (isinstance(v, str), str(v)))


def _most_frequent(values):
    if values.dtype.kind in "iuf":
        uniques, counts = np.unique(values, return_counts=True)
        return uniques[counts == counts.max()].min().item()  # ties: the smallest, like sklearn
    counts = Counter(values.tolist())
    top = max(counts.values())
    return _smallest([v for v, c in counts.items() if c == top])


class SimpleImputer(TransformerMixin, BaseEstimator):
    """Replace missing values by the column's mean, median, most frequent value or a constant.

    Parameters follow ``sklearn.preprocessing.SimpleImputer``. ``missing_values=np.nan`` (the
    default) matches every pandas missing marker: NaN, None and ``pd.NA``. Text columns
    (``str``, ``object``, ``category``) work with ``"most_frequent"`` and ``"constant"``.

    Parameters
    ----------
    missing_values : scalar, default np.nan
    strategy : {"mean", "median", "most_frequent", "constant"}, default "mean"
    fill_value : scalar, optional
        For ``"constant"``; defaults to 0 for numeric data and ``"missing_value"`` for text.
    copy : bool, default True
        Accepted for compatibility; the input is never modified.
    keep_empty_features : bool, default False
        A column with no observed value cannot be imputed from data. With False this raises a
        ValueError naming the column (scikit-learn silently drops such a column); with True the
        column is kept and filled with 0 (``fill_value`` for ``"constant"``).
    """

    def __init__(
        self,
        *,
        missing_values=np.nan,
        strategy="mean",
        fill_value=None,
        copy=True,
        keep_empty_features=False,
    ):
        self.missing_values = missing_values
        self.strategy = strategy
        self.fill_value = fill_value
        self.copy = copy
        self.keep_empty_features = keep_empty_features

    def _missing_mask(self, col):
        if is_missing(self.missing_values):
            return np.asarray(pd.isna(col), dtype=bool)
        if col.dtype.kind == "O":
            return np.array(
                [not is_missing(v) and v == self.missing_values for v in col], dtype=bool
            )
        if isinstance(self.missing_values, str):
            return np.zeros(len(col), dtype=bool)
        return col == self.missing_values

    def _validate_params(self):
        if not isinstance(self.strategy, str) or self.strategy not in _STRATEGIES:
            raise ValueError(
                f"SimpleImputer: strategy must be one of {_STRATEGIES}, got {self.strategy!r}."
            )
        if not isinstance(self.keep_empty_features, bool | np.bool_):
            raise TypeError("SimpleImputer: keep_empty_features must be a bool.")

    def fit(self, X, y=None):
        """Learn the fill value of every column."""
        who = "SimpleImputer"
        self._validate_params()
        X = check_2d(X, who)
        check_features(self, X, reset=True)
        columns = columns_of(X)
        self._numeric = all(col.dtype.kind in "iuf" for col in columns)
        for j, col in enumerate(columns):
            if col.dtype.kind == "f" and np.isinf(col).any():
                raise ValueError(f"{who}: Input X contains infinity in {column_label(self, j)}.")
        if self.strategy in ("mean", "median"):
            for j, col in enumerate(columns):
                if col.dtype.kind not in "iuf":
                    raise ValueError(
                        f"{who}: cannot use the {self.strategy!r} strategy with non-numeric "
                        f"data in {column_label(self, j)}; use strategy='most_frequent' or "
                        "'constant' for text columns."
                    )
        fill = self.fill_value
        if self.strategy == "constant":
            if fill is None:
                fill = 0 if self._numeric else "missing_value"
            elif self._numeric and isinstance(fill, str):
                raise ValueError(
                    f"{who}: fill_value={fill!r} is text but the input data is numeric; use a "
                    "number."
                )
        stats = []
        for j, col in enumerate(columns):
            observed = col[~self._missing_mask(col)]
            if self.strategy == "constant":
                stats.append(fill)
                continue
            if observed.size == 0:
                if not self.keep_empty_features:
                    raise ValueError(
                        f"{who}: {column_label(self, j)} has no observed value (all values are "
                        f"missing), so the {self.strategy!r} strategy cannot impute it. Drop the "
                        "column, use strategy='constant', or keep_empty_features=True (fills 0)."
                    )
                stats.append(0)
            elif self.strategy == "mean":
                stats.append(float(np.mean(observed.astype(np.float64))))
            elif self.strategy == "median":
                stats.append(float(np.median(observed.astype(np.float64))))
            else:
                stats.append(_most_frequent(observed))
        if self._numeric:
            self.statistics_ = np.asarray(stats, dtype=np.float64)
        else:
            self.statistics_ = np.asarray(stats + [None], dtype=object)[:-1]
        return self

    def transform(self, X):
        """Fill the missing values of ``X``; float64 output for numeric data, else object."""
        check_is_fitted(self, "statistics_")
        who = "SimpleImputer"
        X = check_2d(X, who)
        check_features(self, X, reset=False)
        columns = columns_of(X)
        if self._numeric:
            out = np.empty((len(columns[0]), len(columns)), dtype=np.float64)
        else:
            out = np.empty((len(columns[0]), len(columns)), dtype=object)
        for j, col in enumerate(columns):
            if self._numeric and col.dtype.kind not in "iuf":
                raise ValueError(
                    f"{who}: {column_label(self, j)} is non-numeric (dtype {col.dtype}) but "
                    "was numeric at fit time."
                )
            if col.dtype.kind == "f" and np.isinf(col).any():
                raise ValueError(f"{who}: Input X contains infinity in {column_label(self, j)}.")
            values = col.astype(out.dtype) if self._numeric else col.copy()
            values[self._missing_mask(col)] = self.statistics_[j]
            out[:, j] = values
        return out

    _state_names = ("n_features_in_", "feature_names_in_", "statistics_", "_numeric")

    def _check_state(self):
        n = check_feature_state(self)
        if not isinstance(self._numeric, bool):
            fail(self, "_numeric must be a bool")
        kinds = "f" if self._numeric else "O"
        check_array(self, "statistics_", self.statistics_, kinds=kinds, length=n)
        if self._numeric and np.isnan(self.statistics_).any() and self.strategy != "constant":
            fail(self, "statistics_ must not contain NaN")
        if self._numeric and np.isinf(self.statistics_).any():
            fail(self, "statistics_ must not contain infinite values")

    def get_feature_names_out(self, input_features=None):
        """The input feature names (imputation keeps every column)."""
        check_is_fitted(self, "statistics_")
        return default_feature_names(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
