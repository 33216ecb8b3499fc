"""Input checks shared by the transformers: 2-D shape, feature names, columns as arrays.

Every text column (pandas ``str``, ``object`` or ``category``) becomes an ``object`` array whose
missing entries (NaN, None, ``pd.NA``) are all ``np.nan``; numeric columns keep their numeric
dtype (nullable ones become float64 with NaN).
"""

import numbers

import numpy as np
import pandas as pd


def is_dataframe(X):
    return isinstance(X, pd.DataFrame)


def feature_names_of(X):
    """Column names of a DataFrame whose columns are all strings, else None."""
    if not is_dataframe(X):
        return None
    names = list(X.columns)
    if names and all(isinstance(n, str) for n in names):
        return np.asarray(names, dtype=object)
    return None


def _check_not_sparse(X, who):
    if isinstance(X, np.ndarray | pd.DataFrame):
        return
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{who} got a sparse matrix; only dense data is supported. "
            "Convert it with X.toarray() first."
        )


def _check_not_empty(shape, who, axes):
    """Reject a 2-D ``shape`` with no samples (axis 0) or no features (axis 1), checked in order."""
    for axis in axes:
        if shape[axis] == 0:
            what = "sample(s)" if axis == 0 else "feature(s)"
            raise ValueError(
                f"{who}: Found array with 0 {what} (shape={shape}) while a minimum of 1 is "
                "required."
            )


def check_2d(X, who):
    """Reject sparse, 1-D, empty and complex input; returns X as DataFrame or ndarray."""
    _check_not_sparse(X, who)
    if is_dataframe(X):
        _check_not_empty(X.shape, who, axes=(1, 0))
        return X
    if isinstance(X, pd.Series):
        raise ValueError(
            f"{who} expected 2-D data, got a pandas Series; use a one-column DataFrame "
            "(series.to_frame()) instead."
        )
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{who} could not convert X to an array: {exc}") from exc
    if arr.ndim != 2:
        raise ValueError(
            f"{who} expected a 2-D array, got {arr.ndim}-D input with shape {arr.shape}. "
            "Reshape your data: X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for "
            "a single sample."
        )
    _check_not_empty(arr.shape, who, axes=(0, 1))
    if arr.dtype.kind == "c":
        raise ValueError(f"{who}: Complex data not supported; got dtype {arr.dtype}.")
    return arr


def check_features(est, X, reset):
    """Record (``reset=True``) or check the number and names of the input features."""
    who = type(est).__name__
    names = feature_names_of(X)
    n_features = X.shape[1]
    if reset:
        est.n_features_in_ = n_features
        if names is not None:
            est.feature_names_in_ = names
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
        return
    fitted_names = getattr(est, "feature_names_in_", None)
    if fitted_names is not None and names is not None:
        if list(fitted_names) != list(names):
            fitted_set, given_set = set(fitted_names), set(names)
            missing = [n for n in fitted_names if n not in given_set]
            unexpected = [n for n in names if n not in fitted_set]
            if missing:
                raise ValueError(
                    f"{who}: X is missing column(s) {missing} that were present at fit time."
                )
            if unexpected:
                raise ValueError(
                    f"{who}: X has column(s) {unexpected} that were not seen at fit time; "
                    f"expected exactly {list(fitted_names)}."
                )
            raise ValueError(
                f"{who}: the columns of X are in a different order than at fit time: "
                f"expected {list(fitted_names)}, got {list(names)}. "
                "Reorder them with X[estimator.feature_names_in_]."
            )
    if n_features != est.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {who} is expecting {est.n_features_in_} "
            "features as input."
        )


def column_values(values):
    """One column as a numpy array: numeric dtype, or object with ``np.nan`` for missing.

    In an ``object`` result every missing entry is the ``np.nan`` object itself, so later
    lookups can find missing values by identity.
    """
    if isinstance(values, pd.Series):
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cat_dtype = dtype.categories.dtype
            if pd.api.types.is_numeric_dtype(cat_dtype) and not pd.api.types.is_bool_dtype(
                cat_dtype
            ):
                return values.astype("float64").to_numpy()
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            if isinstance(dtype, np.dtype):
                return values.to_numpy()
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        # pandas puts na_value at every missing entry (NaN, None, pd.NA alike)
        return values.to_numpy(dtype=object, na_value=np.nan)
    else:
        arr = np.asarray(values)
        if arr.dtype.kind in "iuf":
            return arr
        arr = arr.astype(object)
        if arr.size and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in arr
        ):
            return arr.astype(np.float64)  # numbers held in an object array
    missing = pd.isna(arr)
    if missing.any():
        arr = arr.copy()
        arr[missing] = np.nan
    return arr


def columns_of(X):
    """The columns of a checked 2-D input as a list of 1-D arrays (see ``column_values``)."""
    if is_dataframe(X):
        if X.columns.is_unique:
            return [column_values(series) for _, series in X.items()]
        return [column_values(X.iloc[:, j]) for j in range(X.shape[1])]
    arr = np.asarray(X)
    return [column_values(arr[:, j]) for j in range(arr.shape[1])]


def column_label(est, j):
    """A readable name for input column ``j``: its name when known, else its index."""
    names = getattr(est, "feature_names_in_", None)
    if names is not None and j < len(names):
        return f"column {names[j]!r}"
    return f"column {j}"


def to_float_2d(est, X, *, allow_nan=True):
    """A float64 copy of a checked 2-D input; a clear error names a non-numeric column."""
    who = type(est).__name__
    if is_dataframe(X):
        cols = []
        for j in range(X.shape[1]):
            col = X.iloc[:, j]
            if not pd.api.types.is_numeric_dtype(col.dtype) or isinstance(
                col.dtype, pd.CategoricalDtype
            ):
                raise ValueError(
                    f"{who} needs numeric data but {column_label(est, j)} has dtype "
                    f"{col.dtype}; encode text columns first (e.g. with OneHotEncoder)."
                )
            cols.append(col.to_numpy(dtype=np.float64, na_value=np.nan))
        arr = np.column_stack(cols) if cols else np.empty((X.shape[0], 0))
    else:
        try:
            arr = np.array(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{who} needs numeric data but X could not be converted to float: {exc}. "
                "Encode text columns first (e.g. with OneHotEncoder)."
            ) from exc
    if np.isinf(arr).any():
        j = int(np.flatnonzero(np.isinf(arr).any(axis=0))[0])
        raise ValueError(f"{who}: Input X contains infinity in {column_label(est, j)}.")
    if not allow_nan and np.isnan(arr).any():
        j = int(np.flatnonzero(np.isnan(arr).any(axis=0))[0])
        raise ValueError(f"{who}: Input X contains NaN in {column_label(est, j)}.")
    return np.ascontiguousarray(arr)


def default_feature_names(est, input_features):
    """Validated input feature names for ``get_feature_names_out``."""
    names = getattr(est, "feature_names_in_", None)
    n = getattr(est, "n_features_in_", None)
    if input_features is None:
        if names is not None:
            return np.asarray(names, dtype=object)
        if n is None:
            raise ValueError("Unable to generate feature names without n_features_in_.")
        return np.asarray([f"x{i}" for i in range(n)], dtype=object)
    input_features = np.asarray(input_features, dtype=object)
    if names is not None and not np.array_equal(input_features, names):
        raise ValueError("input_features is not equal to feature_names_in_")
    if n is not None and len(input_features) != n:
        raise ValueError(
            f"input_features should have length equal to number of features ({n}), "
            f"got {len(input_features)}"
        )
    return input_features


def is_scalar_nan(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and np.isnan(x)


def is_missing(x):
    """Whether a scalar is a missing marker (NaN, None, pd.NA, NaT)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return is_scalar_nan(x)
