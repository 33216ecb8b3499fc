"""Numeric scalers: ``StandardScaler`` and ``MinMaxScaler``. NaN is ignored in ``fit`` and kept
in ``transform``."""

import numbers

import numpy as np

from pipeline._serialize import check_array, check_feature_state, check_int, fail
from pipeline._validation import (
    check_2d,
    check_features,
    default_feature_names,
    to_float_2d,
)
from pipeline.base import BaseEstimator, TransformerMixin, check_is_fitted

_EPS = np.finfo(np.float64).eps


class _OneToOneScaler(TransformerMixin, BaseEstimator):
    def _input(self, X, reset):
        X = check_2d(X, type(self).__name__)
        check_features(self, X, reset=reset)
        return to_float_2d(self, X, allow_nan=True)

    def get_feature_names_out(self, input_features=None):
        """The input feature names (scaling keeps every column)."""
        check_is_fitted(self, "n_samples_seen_")
        return default_feature_names(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class StandardScaler(_OneToOneScaler):
    """Center to mean 0 and scale to unit variance, per column.

    Parameters
    ----------
    copy : bool, default True
        Accepted for compatibility; the input is never modified.
    with_mean : bool, default True
    with_std : bool, default True
    """

    def __init__(self, *, copy=True, with_mean=True, with_std=True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    _state_names = (
        "n_features_in_",
        "feature_names_in_",
        "n_samples_seen_",
        "mean_",
        "var_",
        "scale_",
    )

    def _check_state(self):
        n = check_feature_state(self)
        seen = self.n_samples_seen_
        if isinstance(seen, np.ndarray):
            check_array(self, "n_samples_seen_", seen, kinds="iu", length=n)
        else:
            check_int(self, "n_samples_seen_", seen, 0)
        wanted = {
            "mean_": self.with_mean or self.with_std,
            "var_": self.with_std,
            "scale_": self.with_std,
        }
        for name, needed in wanted.items():
            value = getattr(self, name)
            if needed:
                check_array(self, name, value, kinds="f", length=n)
            elif value is not None:
                fail(self, f"{name} must be None for these parameters")
        for name in ("mean_", "var_", "scale_"):
            value = getattr(self, name)
            if value is not None and not np.all(np.isfinite(value)):
                fail(self, f"{name} holds NaN or infinite values")
        if self.with_std and np.any(self.scale_ <= 0):
            fail(self, "scale_ must be positive")
        if self.var_ is not None and np.any(self.var_ < 0):
            fail(self, "var_ must be non-negative")

    def _validate_params(self):
        for name in ("copy", "with_mean", "with_std"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(
                    f"StandardScaler: {name} must be a bool, got {getattr(self, name)!r}."
                )

    def fit(self, X, y=None):
        """Compute the per-column mean and standard deviation (ignoring NaN)."""
        self._validate_params()
        X = self._input(X, reset=True)
        observed = ~np.isnan(X)
        n_seen = observed.sum(axis=0).astype(np.int64)
        self.n_samples_seen_ = int(n_seen[0]) if n_seen.min() == n_seen.max() else n_seen
        if not self.with_mean and not self.with_std:
            self.mean_ = None
            self.var_ = None
            self.scale_ = None
            return self
        with np.errstate(invalid="ignore", divide="ignore"):
            counts = np.where(n_seen > 0, n_seen, 1)
            mean = np.where(observed, X, 0.0).sum(axis=0) / counts
            centered = np.where(observed, X - mean, 0.0)
            # two-pass variance with the compensation term of Chan, Golub and LeVeque
            var = ((centered**2).sum(axis=0) - centered.sum(axis=0) ** 2 / counts) / counts
        mean[n_seen == 0] = np.nan
        var[n_seen == 0] = np.nan
        self.mean_ = mean
        if self.with_std:
            self.var_ = var
            constant = var <= n_seen * _EPS * var + (n_seen * mean * _EPS) ** 2
            scale = np.sqrt(var)
            scale[constant] = 1.0
            self.scale_ = scale
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def transform(self, X, copy=None):
        """Standardize ``X`` (NaN stays NaN)."""
        check_is_fitted(self, "n_samples_seen_")
        X = self._input(X, reset=False)
        if self.with_mean:
            X -= self.mean_
        if self.with_std:
            X /= self.scale_
        return X

    def inverse_transform(self, X, copy=None):
        """Undo ``transform``."""
        check_is_fitted(self, "n_samples_seen_")
        X = to_float_2d(self, check_2d(X, "StandardScaler"))
        if self.with_std:
            X *= self.scale_
        if self.with_mean:
            X += self.mean_
        return X


class MinMaxScaler(_OneToOneScaler):
    """Scale each column linearly to ``feature_range`` using its training min and max.

    Parameters
    ----------
    feature_range : tuple (min, max), default (0, 1)
    copy : bool, default True
        Accepted for compatibility; the input is never modified.
    clip : bool, default False
        Clip transformed held-out values to ``feature_range``.
    """

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    _state_names = (
        "n_features_in_",
        "feature_names_in_",
        "n_samples_seen_",
        "scale_",
        "min_",
        "data_min_",
        "data_max_",
        "data_range_",
    )

    def _check_state(self):
        n = check_feature_state(self)
        check_int(self, "n_samples_seen_", self.n_samples_seen_, 1)
        for name in ("scale_", "min_", "data_min_", "data_max_", "data_range_"):
            value = check_array(self, name, getattr(self, name), kinds="f", length=n)
            if name in ("scale_", "min_") and not np.all(np.isfinite(value)):
                fail(self, f"{name} holds NaN or infinite values")

    def _validate_params(self):
        fr = self.feature_range
        if (
            not isinstance(fr, tuple | list)
            or len(fr) != 2
            or not all(isinstance(v, numbers.Real) for v in fr)
            or fr[0] >= fr[1]
        ):
            raise ValueError(
                "MinMaxScaler: feature_range must be a tuple (min, max) with min < max, got "
                f"{fr!r}."
            )
        for name in ("copy", "clip"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(
                    f"MinMaxScaler: {name} must be a bool, got {getattr(self, name)!r}."
                )

    def fit(self, X, y=None):
        """Compute the per-column minimum and maximum (ignoring NaN)."""
        self._validate_params()
        fr = self.feature_range
        X = self._input(X, reset=True)
        observed = ~np.isnan(X)
        n_seen = observed.sum(axis=0)
        self.n_samples_seen_ = X.shape[0]
        data_min = np.where(observed, X, np.inf).min(axis=0)
        data_max = np.where(observed, X, -np.inf).max(axis=0)
        data_min[n_seen == 0] = np.nan
        data_max[n_seen == 0] = np.nan
        data_range = data_max - data_min
        safe_range = data_range.copy()
        safe_range[safe_range < 10 * _EPS] = 1.0
        self.scale_ = (fr[1] - fr[0]) / safe_range
        self.min_ = fr[0] - data_min * self.scale_
        self.data_min_ = data_min
        self.data_max_ = data_max
        self.data_range_ = data_range
        return self

    def transform(self, X):
        """Scale ``X`` to ``feature_range`` (NaN stays NaN)."""
        check_is_fitted(self, "scale_")
        X = self._input(X, reset=False)
        X *= self.scale_
        X += self.min_
        if self.clip:
            np.clip(X, self.feature_range[0], self.feature_range[1], out=X)
        return X

    def inverse_transform(self, X):
        """Undo ``transform``."""
        check_is_fitted(self, "scale_")
        X = to_float_2d(self, check_2d(X, "MinMaxScaler"))
        X -= self.min_
        X /= self.scale_
        return X
