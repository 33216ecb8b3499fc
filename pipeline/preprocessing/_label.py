"""``LabelEncoder``: encode target labels as 0..n_classes-1."""

import numpy as np
import pandas as pd

from pipeline._serialize import check_array, fail
from pipeline._validation import column_values
from pipeline.base import BaseEstimator, TransformerMixin, check_is_fitted


def _as_1d(y, who):
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"{who} expects a 1-D target, got a DataFrame with {y.shape[1]} columns."
            )
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        values = column_values(y)
    else:
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()
        if values.ndim != 1:
            raise ValueError(f"{who} expects a 1-D target, got shape {values.shape}.")
        values = column_values(values)
    return values


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode labels with values 0..n_classes-1 (``classes_`` sorted, like ``np.unique``)."""

    _state_names = ("classes_",)

    def _check_state(self):
        classes = check_array(self, "classes_", self.classes_, kinds="biufO")
        if classes.size == 0:
            fail(self, "classes_ is empty")
        if classes.size > 1 and not np.all(classes[:-1] < classes[1:]):
            fail(self, "classes_ must be sorted and unique")

    def fit(self, y):
        """Learn the sorted classes of ``y``."""
        y = _as_1d(y, "LabelEncoder")
        if y.size == 0:
            raise ValueError("LabelEncoder: y is empty; need at least one label.")
        if y.dtype.kind == "O" and pd.isna(y).any():
            raise ValueError(
                "LabelEncoder: y contains missing values; drop or fill them before encoding."
            )
        try:
            self.classes_ = np.unique(y)
        except TypeError as exc:
            raise TypeError(
                "LabelEncoder: y mixes labels of different types (e.g. strings and numbers); "
                "convert them to one type."
            ) from exc
        return self

    def fit_transform(self, y):
        """Fit, then encode ``y``."""
        return self.fit(y).transform(y)

    def transform(self, y):
        """Encode ``y`` as integer indices into ``classes_``."""
        check_is_fitted(self, "classes_")
        y = _as_1d(y, "LabelEncoder")
        if y.size == 0:
            return np.array([], dtype=np.int64)
        try:
            pos = np.searchsorted(self.classes_, y)
        except TypeError:
            pos = None
        if pos is not None:
            clipped = np.minimum(pos, len(self.classes_) - 1)
            same = self.classes_[clipped] == y
            if self.classes_.dtype.kind == "f":
                same |= np.isnan(self.classes_[clipped]) & np.isnan(np.asarray(y, dtype=float))
        if pos is None or not np.all(same):
            seen = set(self.classes_.tolist())
            unseen = sorted({str(v) for v in y.tolist() if v not in seen})
            raise ValueError(
                f"LabelEncoder: y contains previously unseen labels: {unseen[:10]}; known labels "
                f"are {self.classes_.tolist()[:20]}."
            )
        return clipped.astype(np.int64)

    def inverse_transform(self, y):
        """Map integer indices back to labels."""
        check_is_fitted(self, "classes_")
        y = np.asarray(y)
        if y.size == 0:
            return self.classes_[:0]
        if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0)):
            raise ValueError("LabelEncoder.inverse_transform expects integer codes.")
        codes = y.astype(np.int64).ravel()
        bad = (codes < 0) | (codes >= len(self.classes_))
        if bad.any():
            raise ValueError(
                f"LabelEncoder: y contains codes {sorted(set(codes[bad].tolist()))[:10]} outside "
                f"0..{len(self.classes_) - 1}."
            )
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.one_d_labels = True
        return tags
