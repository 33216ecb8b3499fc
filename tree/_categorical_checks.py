"""Input checks of native categorical features: which features, their codes, the options.

``categorical_features`` has the meaning scikit-learn's HistGradientBoosting gives it: None,
``"from_dtype"`` (the pandas ``category`` columns of a DataFrame), a boolean mask, integer
indices or feature names. A categorical column holds category codes: non-negative integers
(below 2**24, exact in float32) or NaN for a missing value; a pandas ``category`` column is
replaced by its codes and its categories are kept (``category_names_``) to encode the columns
of a DataFrame at predict time by name, a category unseen in training becoming a code above
every training code.
"""

import numbers

import numpy as np

MAX_CODE = 2**24 - 1  # the largest integer float32 holds exactly, with every smaller one


def _is_category(dtype):
    return getattr(dtype, "name", None) == "category"


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def category_columns(X):
    """Indices of the pandas ``category`` columns of a DataFrame (empty for other input)."""
    if not _is_dataframe(X):
        return []
    return [j for j, dtype in enumerate(X.dtypes) if _is_category(dtype)]


def resolve_categorical_features(categorical_features, X, n_features, names):
    """The boolean mask of the categorical features (None when there is none)."""
    spec = categorical_features
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise ValueError(
                f"categorical_features={spec!r} is not understood: pass None, 'from_dtype', a "
                "boolean mask, integer indices or a list of feature names."
            )
        mask = np.zeros(n_features, dtype=bool)
        mask[category_columns(X)] = True
        return mask if mask.any() else None
    values = np.asarray(spec)
    if values.ndim != 1:
        raise ValueError(
            f"categorical_features must be 1-D (a mask, indices or names), got shape "
            f"{values.shape}."
        )
    if values.size == 0:
        return None
    if values.dtype.kind == "b":
        if values.shape[0] != n_features:
            raise ValueError(
                f"categorical_features is a boolean mask of length {values.shape[0]}, but X has "
                f"{n_features} features: give one entry per feature."
            )
        return values.copy() if values.any() else None
    if values.dtype.kind in "iu":
        bad = [int(v) for v in values if not 0 <= v < n_features]
        if bad:
            raise ValueError(
                f"categorical_features holds the indices {bad}, outside [0, {n_features}) for X "
                f"with {n_features} features."
            )
        mask = np.zeros(n_features, dtype=bool)
        mask[values.astype(np.int64)] = True
        return mask
    if values.dtype.kind in "UO" and all(isinstance(v, str) for v in values):
        if names is None:
            raise ValueError(
                "categorical_features gives feature names, but X has no string column names: "
                "pass a DataFrame, or integer indices or a boolean mask."
            )
        position = {name: j for j, name in enumerate(names)}
        unknown = [str(v) for v in values if v not in position]
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown}, which are not columns of X "
                f"(the columns are {list(names)})."
            )
        mask = np.zeros(n_features, dtype=bool)
        mask[[position[v] for v in values]] = True
        return mask
    raise ValueError(
        "categorical_features must be None, 'from_dtype', a boolean mask, integer indices or "
        f"feature names; got an array of dtype {values.dtype}."
    )


def categories_to_codes(X, fitted=None):
    """A DataFrame's ``category`` columns replaced by float codes (NaN where missing).

    Returns ``(X, names)``: ``names`` maps a column's index to its categories (as strings).
    With ``fitted`` (the ``names`` of the fit), the columns are encoded by category name, an
    unseen category as the code ``len(fitted[j])``, which goes to the larger child.
    """
    columns = category_columns(X)
    if not columns:
        return X, {}
    X = X.copy()
    names = {}
    for j in columns:
        col = X.iloc[:, j]
        cats = [str(c) for c in col.cat.categories]
        codes = col.cat.codes.to_numpy().astype(np.int64)
        if fitted is not None and j in fitted:
            index = {c: k for k, c in enumerate(fitted[j])}
            table = np.array([index.get(c, len(fitted[j])) for c in cats], dtype=np.float64)
        else:
            table = np.arange(len(cats), dtype=np.float64)
        out = np.full(codes.shape[0], np.nan)
        present = codes >= 0
        out[present] = table[codes[present]] if table.size else np.nan
        X.isetitem(j, out)
        names[j] = cats
    return X, names


def check_codes(X32, mask, where):
    """Every value of a categorical column is NaN or an integer in [0, 2**24)."""
    for j in np.flatnonzero(mask):
        column = X32[:, j]
        values = column[~np.isnan(column)]
        bad = (values < 0) | (values != np.floor(values)) | (values > MAX_CODE)
        if bad.any():
            example = values[bad][:5].tolist()
            raise ValueError(
                f"Categorical feature {j} {where} holds values that are not category codes: "
                f"{example}. Give non-negative integer codes below 2**24 (for example from "
                "pipeline.preprocessing.OrdinalEncoder or a pandas 'category' column), NaN for "
                "a missing value."
            )


def check_categorical_monotonic(mask, monotonic):
    """No monotonic constraint on a categorical feature (categories have no order)."""
    if monotonic is not None and np.any(monotonic[mask] != 0):
        bad = np.flatnonzero(mask & (monotonic != 0)).tolist()
        raise ValueError(
            f"monotonic_cst constrains the categorical features {bad}, which have no order: "
            "set their constraint to 0."
        )


def check_categorical_options(estimator):
    """Refuse the options that native categorical splits do not support."""
    if estimator.splitter == "random":
        raise ValueError(
            f"categorical_features is not supported with splitter={estimator.splitter!r}; use "
            "splitter='best' or encode the categories (one-hot) instead."
        )
    if estimator.criterion == "absolute_error":
        raise ValueError(
            "categorical_features is not supported with criterion='absolute_error'; use "
            "criterion='squared_error' or encode the categories (one-hot) instead."
        )
    m = estimator.min_category_samples
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
        raise ValueError(f"min_category_samples must be an integer >= 1, got {m!r}.")


def fit_categorical(estimator, X, n_features, names, X32):
    """The checked mask of the categorical features of a fit (None without any)."""
    mask = resolve_categorical_features(estimator.categorical_features, X, n_features, names)
    undeclared = [j for j in category_columns(X) if mask is None or not mask[j]]
    if undeclared:
        cols = [str(X.columns[j]) for j in undeclared]
        raise ValueError(
            f"The columns {cols} are pandas 'category' columns but not categorical features: "
            "pass categorical_features='from_dtype' (or list them), or encode them first."
        )
    if mask is None:
        return None
    check_categorical_options(estimator)
    check_codes(X32, mask, "in the training data")
    return mask


def predict_input(estimator, X):
    """X with its pandas ``category`` columns encoded as in fit (unchanged otherwise)."""
    if not category_columns(X):
        return X
    fitted = getattr(estimator, "category_names_", None)
    if not fitted:
        raise ValueError(
            "X has pandas 'category' columns, but the model was fitted without them: pass the "
            "same columns as in fit."
        )
    X, _ = categories_to_codes(X, fitted)
    return X
