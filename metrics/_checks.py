"""The one shared check of targets, labels, scores and weights used by every metric.

Every public metric turns its inputs into plain 1-D numpy arrays here, and the labels into
integer codes ``0 .. n_labels - 1`` that index the sorted array of distinct labels (the order
scikit-learn uses). Integer, boolean and integral float labels in a small range are coded in
one linear pass (no sort); other labels (strings, large ranges) go through a hash factorisation.
"""

from collections import namedtuple
from numbers import Real

import numpy as np
import pandas as pd

from metrics import _kernels
from metrics._exceptions import InvalidParameterError

Targets = namedtuple("Targets", "y_type labels codes_true codes_pred sample_weight")
"""Validated classification targets: ``labels[codes_true]`` equals ``y_true``."""

_MAX_DIRECT_SPAN = 1 << 22


def to_1d(y, name):
    """Return ``y`` (list, tuple, numpy array, pandas Series/Index) as a 1-D numpy array."""
    if y is None or isinstance(y, (str, bytes)) or np.isscalar(y):
        raise InvalidParameterError(
            f"{name} must be an array-like (list, numpy array or pandas Series), got {y!r}."
        )
    if isinstance(y, (pd.Series, pd.Index)):
        if isinstance(y.dtype, pd.CategoricalDtype):
            y = y.astype(y.dtype.categories.dtype)
        arr = y.to_numpy()
    elif isinstance(y, pd.DataFrame):
        arr = y.to_numpy()
    else:
        arr = np.asarray(y)
    if arr.ndim == 0:
        raise InvalidParameterError(
            f"{name} must be an array-like (list, numpy array or pandas Series), got {y!r}."
        )
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}; multilabel "
            "and multioutput targets are not supported."
        )
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported in {name}.")
    return arr


def to_2d_float(y, name):
    """Return ``y`` as a float64 array of 1 or 2 dimensions with only finite values."""
    if y is None or isinstance(y, (str, bytes)) or np.isscalar(y):
        raise InvalidParameterError(f"{name} must be an array-like of numbers, got {y!r}.")
    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {arr.shape}.")
    try:
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers, got dtype {arr.dtype}.") from exc
    assert_all_finite(arr, name)
    return arr


def to_1d_scores(y_score, name="y_score"):
    """Return ``y_score`` as a finite 1-D float64 array."""
    arr = to_2d_float(y_score, name)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D for a binary target, got shape {arr.shape}.")
        arr = arr.ravel()
    return np.ascontiguousarray(arr)


def assert_all_finite(arr, name):
    """Raise ValueError when the float array ``arr`` holds NaN or infinity."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    if not np.isfinite(arr.sum()) and not np.all(np.isfinite(arr)):
        if np.isnan(arr).any():
            raise ValueError(f"Input {name} contains NaN; drop or impute those rows first.")
        raise ValueError(
            f"Input {name} contains infinity or a value too large for {arr.dtype!r}; "
            "pass finite values."
        )


def check_consistent_length(*arrays):
    """Raise ValueError unless every non-None array has the same number of samples."""
    lengths = [len(a) for a in arrays if a is not None and not np.isscalar(a)]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")


def check_sample_weight(sample_weight, n_samples, allow_all_zero=False):
    """Return ``sample_weight`` as a finite float64 array of length ``n_samples``, or None."""
    if sample_weight is None:
        return None
    if np.isscalar(sample_weight) and not isinstance(sample_weight, str):
        weight = np.full(n_samples, float(sample_weight))
        assert_all_finite(weight, "sample_weight")
    else:
        weight = to_2d_float(sample_weight, "sample_weight")
        if weight.ndim != 1:
            raise ValueError(f"sample_weight must be 1-D, got shape {weight.shape}.")
        if weight.shape[0] != n_samples:
            raise ValueError(f"sample_weight.shape == {weight.shape}, expected ({n_samples},)!")
    if weight.size and not allow_all_zero and not weight.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return np.ascontiguousarray(weight)


def check_option(value, name, options):
    """Raise InvalidParameterError unless ``value`` is one of ``options``."""
    if not any(value is o or (type(value) is type(o) and value == o) for o in options):
        raise InvalidParameterError(
            f"The {name!r} parameter must be one of {options}; got {value!r}."
        )


def check_zero_division(zero_division):
    """Validate ``zero_division`` and return the value used when a ratio is 0/0."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
    elif isinstance(zero_division, Real) and not isinstance(zero_division, bool):
        if np.isnan(zero_division):
            return np.nan
        if zero_division in (0, 1):
            return float(zero_division)
    raise InvalidParameterError(
        f"zero_division must be 'warn', 0.0, 1.0 or np.nan; got {zero_division!r}."
    )


def _is_text(arr):
    if arr.dtype.kind in "US":
        return True
    return arr.dtype.kind == "O" and arr.size > 0 and isinstance(arr[0], str)


def _is_integral(arr):
    """True when a float array holds only whole numbers (False for NaN and infinity)."""
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.mod(arr, 1.0) == 0.0))


def _own_type(arr):
    """scikit-learn's type_of_target of one 1-D array: binary, multiclass or continuous."""
    if arr.dtype.kind == "f" and not _is_integral(arr):
        return "continuous"
    if arr.dtype.kind == "O" and arr.size and not isinstance(arr[0], str):
        return "unknown"
    if arr.dtype.kind == "O" and pd.isna(arr).any():
        return "unknown"
    return "multiclass" if unique_values(arr).shape[0] > 2 else "binary"


def type_of_target(y, input_name="y"):
    """The kind of a 1-D target: 'binary', 'multiclass', 'continuous' or 'unknown'."""
    arr = to_1d(y, input_name)
    if arr.dtype.kind == "f":
        assert_all_finite_labels(arr, input_name)
    return _own_type(arr)


def assert_all_finite_labels(arr, name):
    """NaN or infinite labels are an error (they are neither a class nor a valid number)."""
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        what = "NaN" if np.isnan(arr).any() else "infinity"
        raise ValueError(f"Input {name} contains {what}; labels must be finite.")


def encode(*arrays):
    """Sorted distinct labels of all ``arrays`` and each array's codes into them.

    Returns
    -------
    labels : numpy.ndarray
        The distinct labels, sorted.
    codes : list of numpy.ndarray of integers
        For each input, ``labels[codes[i]] == arrays[i]`` (the input itself when its values
        are already ``0 .. n_labels - 1``).
    """
    kinds = {a.dtype.kind for a in arrays}
    if kinds <= set("biuf") and not (
        "f" in kinds and not all(_is_integral(a) for a in arrays if a.dtype.kind == "f")
    ):
        direct = _encode_small_range(arrays)
        if direct is not None:
            return direct
    texts = [_is_text(a) for a in arrays if a.size]
    if len(set(texts)) > 1:
        raise ValueError("Mix of label input types (string and number)")
    sizes = [a.shape[0] for a in arrays]
    joined = np.concatenate([a.astype(object) if a.dtype.kind in "US" else a for a in arrays])
    codes, uniques = pd.factorize(joined, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError("Labels contain missing values (NaN or None); drop those rows first.")
    uniques = np.asarray(uniques)
    if uniques.dtype.kind == "O":
        if len({isinstance(u, str) for u in uniques}) > 1:
            raise ValueError("Mix of label input types (string and number)")
        try:
            order = np.argsort(uniques, kind="stable")
        except TypeError as exc:
            raise ValueError(f"Labels cannot be sorted: {exc}") from exc
    else:
        order = np.argsort(uniques, kind="stable")
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0])
    labels = uniques[order]
    if all(a.dtype.kind in "US" for a in arrays):
        labels = np.asarray(labels.tolist())
    codes = rank[codes]
    split = np.cumsum(sizes)[:-1]
    return labels, np.split(codes, split)


def _as_int_view(arr):
    if arr.dtype.kind == "b":
        return arr.view(np.uint8)
    if arr.dtype.kind == "f" or arr.dtype == np.uint64:
        return arr.astype(np.int64)
    return arr


def _small_range_presence(ints):
    """``(lo, present)`` with ``present[v - lo] == 1`` for each value, or None if too wide."""
    nonempty = [a for a in ints if a.size]
    if not nonempty:
        return 0, np.zeros(0, dtype=np.uint8)
    lo = min(int(a.min()) for a in nonempty)
    hi = max(int(a.max()) for a in nonempty)
    span = hi - lo + 1
    if span > _MAX_DIRECT_SPAN and span > 2 * sum(a.size for a in nonempty):
        return None
    present = np.zeros(span, dtype=np.uint8)
    for a in nonempty:
        _kernels.mark_present(a, lo, present)
    return lo, present


def _encode_small_range(arrays):
    if any(a.dtype.kind == "f" and a.size and np.abs(a).max() >= 2.0**53 for a in arrays):
        return None
    ints = [np.ascontiguousarray(_as_int_view(a)) for a in arrays]
    found = _small_range_presence(ints)
    if found is None:
        return None
    lo, present = found
    offsets = np.flatnonzero(present)
    labels = (offsets + lo).astype(np.result_type(*arrays))
    if lo == 0 and offsets.shape[0] == present.shape[0]:
        return labels, ints  # the values 0 .. k - 1 are their own codes
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return labels, [_kernels.lookup_codes(a, lo, lookup) for a in ints]


def unique_values(arr):
    """The sorted distinct values of a 1-D array (linear time for small integer ranges)."""
    if arr.dtype.kind in "biu":
        found = _small_range_presence([np.ascontiguousarray(_as_int_view(arr))])
        if found is not None:
            lo, present = found
            return (np.flatnonzero(present) + lo).astype(arr.dtype)
    return np.unique(arr)


def check_targets(y_true, y_pred, sample_weight=None, names=("y_true", "y_pred")):
    """Validate a pair of label arrays for a classification metric.

    Returns
    -------
    Targets
        ``y_type`` ('binary' or 'multiclass'), the sorted ``labels`` present in either
        array, both arrays as codes into ``labels``, and the validated ``sample_weight``.
    """
    y_true = to_1d(y_true, names[0])
    y_pred = to_1d(y_pred, names[1])
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.shape[0] < 1:
        raise ValueError(
            "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 "
            "sample is required."
        )
    for arr, name in ((y_true, names[0]), (y_pred, names[1])):
        if arr.dtype.kind == "f" and not _is_integral(arr):
            assert_all_finite_labels(arr, name)
            _raise_mixed_types(y_true, y_pred)
        if arr.dtype.kind == "O" and pd.isna(arr).any():
            raise ValueError(
                f"{name} contains missing values (NaN or None); drop or fill those rows first."
            )
        if arr.dtype.kind == "O" and (not isinstance(arr[0], (str, int, bool, np.integer))):
            _raise_mixed_types(y_true, y_pred)
    sample_weight = check_sample_weight(sample_weight, y_true.shape[0])
    labels, (codes_true, codes_pred) = encode(y_true, y_pred)
    y_type = "binary" if labels.shape[0] <= 2 else "multiclass"
    return Targets(y_type, labels, codes_true, codes_pred, sample_weight)


def _raise_mixed_types(y_true, y_pred):
    type_true, type_pred = _own_type(y_true), _own_type(y_pred)
    if type_true != type_pred and {type_true, type_pred} != {"binary", "multiclass"}:
        raise ValueError(
            f"Classification metrics can't handle a mix of {type_true} and {type_pred} targets"
        )
    kind = type_true if type_true not in ("binary", "multiclass") else type_pred
    why = "not continuous values" if kind == "continuous" else "not missing values or objects"
    raise ValueError(
        f"{kind} is not supported: classification metrics need class labels "
        f"(integers, strings or booleans), {why}."
    )


def check_pos_label_consistency(pos_label, y_true):
    """Return ``pos_label``, inferring 1 when ``y_true`` takes values in {0, 1} or {-1, 1}."""
    if pos_label is not None:
        return pos_label
    try:
        classes = unique_values(y_true)
    except TypeError as exc:
        raise ValueError(f"y_true mixes label types that cannot be compared: {exc}") from exc
    ok_sets = ([0, 1], [-1, 1], [0], [-1], [1])
    if (
        classes.dtype.kind in "OUS"
        or classes.shape[0] > 2
        or not any(classes.shape[0] == len(s) and np.all(classes == np.asarray(s)) for s in ok_sets)
    ):
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise ValueError(
            f"y_true takes value in {{{shown}}} and pos_label is not specified: either make "
            "y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return 1
