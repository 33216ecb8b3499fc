"""Input validation for the tree estimators: clear errors of scikit-learn's types."""

import numbers
import sys
import warnings

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted model is called before ``fit``."""


_SKLEARN_COMPATIBLE = {}


def not_fitted_error(message):
    """A ``NotFittedError`` that ``except sklearn.exceptions.NotFittedError`` also catches.

    When scikit-learn is loaded (never imported here), the error is of a subclass of both
    classes, so code written against either catches it; otherwise it is ours alone.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError(message)
    theirs = sklearn_exceptions.NotFittedError
    cls = _SKLEARN_COMPATIBLE.get(theirs)
    if cls is None:
        cls = type("NotFittedError", (NotFittedError, theirs), {"__module__": __name__})
        _SKLEARN_COMPATIBLE[theirs] = cls
    return cls(message)


class InvalidParameterError(ValueError, TypeError):
    """Raised when a constructor parameter has a wrong type or value (checked in ``fit``)."""


class DataConversionWarning(UserWarning):
    """Warning that the input had to be converted (e.g. a column-vector ``y``)."""


def check_is_fitted(estimator, attribute="tree_"):
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise not_fitted_error(
            f"This {name} instance is not fitted yet. Call 'fit' with appropriate arguments "
            "before using this estimator."
        )


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def feature_names_of(X):
    """String column names of a DataFrame, else None; mixed name types raise TypeError."""
    if not _is_dataframe(X):
        return None
    names = list(X.columns)
    kinds = {type(name).__name__ for name in names}
    all_str = all(isinstance(name, str) for name in names)
    if all_str and names:
        return np.asarray(names, dtype=object)
    if any(isinstance(name, str) for name in names):
        raise TypeError(
            "Feature names are only supported if all input features have string names, but "
            f"your input has {sorted(kinds)} as feature name / column name types. Convert them "
            "all to strings, e.g. with X.columns = X.columns.astype(str)."
        )
    return None


CHECK_BLOCK_ROWS = 65_536


def _dataframe_to_array(X, name):
    bad = []
    for col, dtype in zip(X.columns, X.dtypes):
        kind = getattr(dtype, "kind", "O")
        if kind not in "biuf":
            bad.append(f"{col!r} ({dtype})")
    if bad:
        raise ValueError(
            f"{name} needs numeric input, but these columns are not numeric: {', '.join(bad)}. "
            "Encode them first (for example with pipeline.preprocessing.OneHotEncoder or "
            "pandas.get_dummies)."
        )
    return X.to_numpy(dtype=np.float64, na_value=np.nan)


def check_X(X, name, min_samples=1, allow_nan=True, copy_to_float32=True):
    """Return X as a C-contiguous float32 array of shape (n_samples, n_features).

    Raises TypeError for sparse input, ValueError for wrong dimensions, empty data, non-numeric,
    complex or infinite values (and NaN unless ``allow_nan``: missing values are supported).
    With ``copy_to_float32=False`` a C- or F-contiguous float32 or float64 array is checked but
    not copied (other input is still copied to float32): its values are checked as float32
    values, for a caller that converts them one at a time (the presort, the binning).
    """
    if X is None:
        raise ValueError(f"{name} got X=None; pass a 2-D array of shape (n_samples, n_features).")
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise TypeError(
            f"Sparse data was passed to {name}, but dense data is required. Use "
            "X.toarray() to convert it to a dense numpy array."
        )
    if _is_dataframe(X):
        arr = _dataframe_to_array(X, name)
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{name} could not convert X to an array: {exc}") from exc
        if np.iscomplexobj(arr):
            raise ValueError("Complex data not supported; pass real numbers in X.")
        if arr.dtype.kind in "USO" or arr.dtype.kind not in "biuf":
            try:
                arr = arr.astype(np.float64)
            except TypeError as exc:
                raise TypeError(
                    f"{name} needs numeric X: {exc}. Encode non-numeric columns first."
                ) from exc
            except ValueError as exc:
                raise ValueError(
                    f"{name} needs numeric X, but it could not be converted to float: {exc}. "
                    "Encode non-numeric columns first."
                ) from exc
    if arr.ndim == 0:
        raise ValueError(
            f"Expected 2D array, got scalar array instead: X={arr!r}. Reshape your data to "
            "shape (n_samples, n_features)."
        )
    if arr.ndim == 1:
        raise ValueError(
            f"Expected 2D array, got 1D array instead: shape {arr.shape}. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature or "
            "array.reshape(1, -1) if it contains a single sample."
        )
    if arr.ndim > 2:
        raise ValueError(f"Found array with dim {arr.ndim}, but {name} expected <= 2 (a 2-D X).")
    n_samples, n_features = arr.shape
    if n_samples < min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={arr.shape}) while a minimum of "
            f"{min_samples} is required by {name}."
        )
    if n_features < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is "
            f"required by {name}."
        )
    contiguous = arr.flags.c_contiguous or arr.flags.f_contiguous
    if not copy_to_float32 and arr.dtype in (np.float32, np.float64) and contiguous:
        for start in range(0, n_samples, CHECK_BLOCK_ROWS):  # a block at a time: no big temporary
            block = arr[start : start + CHECK_BLOCK_ROWS]
            with np.errstate(over="ignore"):
                _check_float32_values(block.astype(np.float32), name, allow_nan)
        return arr
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=np.float32)
    _check_float32_values(out, name, allow_nan)
    return out


def _check_float32_values(values, name, allow_nan):
    """Refuse infinite float32 ``values`` (also those too large for float32), and NaN unless
    ``allow_nan``."""
    if np.isfinite(values).all():
        return
    if np.isinf(values).any():
        raise ValueError(
            "Input X contains infinity or a value too large for dtype('float32'). Replace or "
            "clip such values."
        )
    if not allow_nan:
        raise ValueError(
            f"Input X contains NaN. {name} does not accept missing values here; impute "
            "them first (for example with pipeline.preprocessing.SimpleImputer)."
        )


def _single_output_y(y, n_samples, name, task, what):
    """y as a 1-D array of ``n_samples`` values (a column vector is raveled with a warning)."""
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None. Pass {what}.")
    if _is_dataframe(y):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=5,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"{name} supports a single output: y must be 1-D, got shape {y.shape}. "
            f"Multi-output {task} is not supported."
        )
    if y.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} rows, "
            f"y has {y.shape[0]}."
        )
    return y


def check_classification_y(y, n_samples, name):
    """Return ``(classes, y_encoded int64)``; y must be 1-D (or a column) of discrete labels."""
    y = _single_output_y(y, n_samples, name, "classification", "the class labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity; remove or fill those labels.")
        if np.any(y != np.round(y)):
            raise ValueError(
                "Unknown label type: continuous. Maybe you are trying to fit a classifier, which "
                "expects discrete classes on a regression target with continuous values."
            )
    elif y.dtype.kind == "c":
        raise ValueError("Complex data not supported in y.")
    elif y.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y):
            raise ValueError("Input y contains NaN or None; remove or fill those labels.")
        kinds = {type(v) for v in y}
        if len(kinds) > 1 and not all(issubclass(k, numbers.Number) for k in kinds):
            raise ValueError(
                "Unknown label type: y mixes strings and numbers "
                f"({sorted(k.__name__ for k in kinds)}); use one type for all labels."
            )
    if y.dtype.kind in "iu" and y.size and 0 <= y.min() and y.max() < SMALL_LABELS:
        return _encode_small_labels(y)
    try:
        classes, encoded = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise ValueError(f"Unknown label type: the labels of y cannot be sorted: {exc}") from exc
    return classes, encoded.reshape(-1).astype(np.int64)


SMALL_LABELS = 2**16  # non-negative integer labels below this are counted, not sorted


def _encode_small_labels(y):
    """``(classes, codes)`` of non-negative integer labels below ``SMALL_LABELS`` by counting:
    ``np.unique``'s sort allocates five arrays the size of y (39 MB at a million labels),
    counting none but the codes (none at all when the labels are already 0 to k - 1)."""
    y = y.reshape(-1)
    present = np.bincount(y) > 0
    classes = np.flatnonzero(present).astype(y.dtype)
    if classes.size == present.size:  # already the codes
        return classes, y.astype(np.int64, copy=False)
    code_of = np.cumsum(present) - 1
    return classes, code_of[y]


def check_sample_weight(sample_weight, n_samples):
    """Return sample weights as float64 of shape (n_samples,), finite and non-negative."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, float(sample_weight), dtype=np.float64)
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must be numeric, got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be 1D array or scalar, got shape {w.shape}.")
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n_samples,)}!")
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative; negative weights are not supported.")
    return w


def check_predict_X(estimator, X, name):
    """Validate X at predict time against what the estimator saw in fit."""
    check_is_fitted(estimator)
    fitted_names = getattr(estimator, "feature_names_in_", None)
    names = feature_names_of(X)
    if fitted_names is None and names is not None:
        warnings.warn(
            f"X has feature names, but {name} was fitted without feature names",
            UserWarning,
            stacklevel=3,
        )
    elif fitted_names is not None and names is None:
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with feature names",
            UserWarning,
            stacklevel=3,
        )
    elif fitted_names is not None and names is not None:
        if len(names) != len(fitted_names) or np.any(names != fitted_names):
            message = "The feature names should match those that were passed during fit.\n"
            unexpected = sorted(set(names) - set(fitted_names))
            missing = sorted(set(fitted_names) - set(names))
            if unexpected:
                message += "Feature names unseen at fit time:\n"
                message += "".join(f"- {n}\n" for n in unexpected)
            if missing:
                message += "Feature names seen at fit time, yet now missing:\n"
                message += "".join(f"- {n}\n" for n in missing)
            if not unexpected and not missing:
                message += "Feature names must be in the same order as they were in fit.\n"
            raise ValueError(message)
    arr = check_X(X, name)
    if arr.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {arr.shape[1]} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return arr


def check_regression_y(y, n_samples, name):
    """Return y as a finite float64 array of shape (n_samples,)."""
    y = _single_output_y(y, n_samples, name, "regression", "the targets")
    if y.dtype.kind == "c":
        raise ValueError("Complex data not supported in y.")
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} needs numeric targets y: {exc}") from exc
    if not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity; remove or fill those targets.")
    return y


def check_hist_options(estimator):
    """Refuse what ``splitter="hist"`` does not support (yet), with what to use instead."""
    if estimator.splitter != "hist":
        return
    unsupported = []
    if estimator.criterion == "absolute_error":
        unsupported.append('criterion="absolute_error" (a median is not a sum over bins)')
    if estimator.monotonic_cst is not None:
        unsupported.append("monotonic_cst")
    if unsupported:
        raise ValueError(
            f'splitter="hist" does not support {" or ".join(unsupported)}; use '
            'splitter="best" for it.'
        )


def check_monotonic_cst(monotonic_cst, X32, n_classes, estimator_type, criterion):
    """``monotonic_cst`` checked, as int8, on class 0's fraction for a classifier (as
    scikit-learn builds it); None without constraints."""
    if monotonic_cst is None:
        return None
    cst = np.asarray(monotonic_cst)
    if cst.ndim != 1 or cst.shape[0] != X32.shape[1]:
        raise ValueError(
            f"monotonic_cst has shape {cst.shape} but the input data X has {X32.shape[1]} "
            "features: give one constraint (-1, 0 or 1) per feature."
        )
    if cst.dtype.kind not in "biuf" or not np.all(np.isin(cst, (-1, 0, 1))):
        raise ValueError(
            f"monotonic_cst must be None or an array-like of -1, 0 or 1, but got {np.unique(cst)}."
        )
    if estimator_type == "classifier" and n_classes > 2:
        raise ValueError(
            "Monotonicity constraints are not supported with multiclass classification "
            f"(y has {n_classes} classes); they need a binary or a regression target."
        )
    if criterion == "absolute_error":
        raise ValueError(
            "monotonic_cst is not supported with criterion='absolute_error'; use 'squared_error'."
        )
    if np.isnan(X32).any():
        raise ValueError(
            "Input X contains NaN, and monotonic_cst does not support missing values: "
            "impute them first (e.g. with pipeline.preprocessing.SimpleImputer)."
        )
    cst = cst.astype(np.int8)
    if estimator_type == "classifier":
        cst = -cst  # the kernels constrain the fraction of class 0, the user the positive's
    return np.ascontiguousarray(cst)
