"""Small input helpers shared by the splitters, the cross-validation loop and the grid search."""

import numbers

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A parameter has a wrong type or a value outside its valid range."""


def check_random_state(random_state):
    """A ``numpy.random.Generator`` from ``random_state``.

    ``None`` gives fresh OS entropy, an int seeds ``numpy.random.default_rng`` (PCG64), a
    ``Generator`` is used as is (so repeated calls draw new numbers) and a legacy ``RandomState``
    seeds a new generator from its next draw.
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidParameterError(
                f"random_state must be a non-negative int, got {random_state}."
            )
        return np.random.default_rng(int(random_state))
    raise InvalidParameterError(
        "random_state must be None, a non-negative int, a numpy.random.Generator or a "
        f"numpy.random.RandomState; got {random_state!r} of type {type(random_state).__name__}."
    )


def num_samples(x):
    """Number of rows of an array-like (first dimension)."""
    shape = getattr(x, "shape", None)
    if shape is not None and not callable(shape):
        if len(shape) == 0:
            raise TypeError(
                f"Expected an array-like with at least one dimension, got the scalar {x!r}."
            )
        return int(shape[0])
    if isinstance(x, str | bytes) or not hasattr(x, "__len__"):
        raise TypeError(f"Expected a sequence or array-like, got {type(x).__name__}: {x!r:.80}.")
    return len(x)


def check_consistent_length(*arrays):
    """Raise ``ValueError`` unless all non-None arrays have the same number of rows."""
    lengths = [num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}.")


def safe_indexing(x, indices):
    """Rows ``indices`` of ``x``: ``.iloc`` for pandas (index kept), a list for a list."""
    if x is None:
        return None
    if hasattr(x, "iloc"):
        return x.iloc[indices]
    if hasattr(x, "shape") and hasattr(x, "__getitem__"):
        return x[indices]
    return [x[i] for i in indices]


def target_type(y):
    """A light ``type_of_target``: "binary", "multiclass", "continuous", "multioutput" or
    "unknown"."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim > 1:
        return "multioutput"
    if y.ndim == 0 or y.size == 0:
        return "unknown"
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            return "unknown"
        if np.any(y != np.round(y)):
            return "continuous"
    elif y.dtype.kind == "c":
        return "unknown"
    try:
        n_values = np.unique(y).size
    except TypeError:
        return "unknown"
    return "binary" if n_values <= 2 else "multiclass"


def is_classifier(estimator):
    """Whether ``estimator`` is a classifier, by ``_estimator_type`` or scikit-learn's tags."""
    if getattr(estimator, "_estimator_type", None) == "classifier":
        return True
    tags_method = getattr(estimator, "__sklearn_tags__", None)
    if tags_method is None:
        return False
    try:
        return getattr(tags_method(), "estimator_type", None) == "classifier"
    except Exception:  # a broken tags method means "not known to be a classifier"
        return False


def check_estimator_has_fit(estimator):
    """Raise ``TypeError`` unless ``estimator`` is an instance with a ``fit`` method."""
    if isinstance(estimator, type) or not callable(getattr(estimator, "fit", None)):
        raise TypeError(
            "estimator should be an estimator implementing a 'fit' method, "
            f"{estimator!r} was passed."
        )


def check_error_score(error_score):
    """``error_score`` must be "raise" or a number."""
    if isinstance(error_score, str):
        if error_score != "raise":
            raise InvalidParameterError(
                f"error_score must be 'raise' or a number, got {error_score!r}."
            )
    elif not isinstance(error_score, numbers.Number) or isinstance(error_score, bool):
        raise InvalidParameterError(
            f"error_score must be 'raise' or a number, got {error_score!r}."
        )
