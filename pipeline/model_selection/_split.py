"""Splitters: ``train_test_split``, ``KFold``, ``StratifiedKFold`` and ``check_cv``.

Randomness comes from ``numpy.random.default_rng(random_state)`` (PCG64): an int seed always
gives the same split, but not the same permutation as scikit-learn (which uses the legacy
``RandomState``). Sizes, fold layout without shuffling and the errors follow scikit-learn.
"""

import math
import numbers
import warnings

import numpy as np

from pipeline.model_selection._utils import (
    InvalidParameterError,
    check_consistent_length,
    check_random_state,
    num_samples,
    safe_indexing,
    target_type,
)

DEFAULT_TEST_SIZE = 0.25


# --------------------------------------------------------------------------- sizes
def _check_size_type(name, value):
    """Return "int", "float" or "none" for a size argument, refusing other types."""
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name} must be a float in (0, 1), an int >= 1 or None; got {value!r}."
        )
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise InvalidParameterError(
                f"{name}={value} must be a float in the (0, 1) range or an int >= 1."
            )
        return "int"
    if not 0 < value < 1:
        raise InvalidParameterError(
            f"{name}={value} must be a float in the (0, 1) range or an int >= 1."
        )
    return "float"


def split_sizes(n_samples, test_size, train_size, default_test_size=DEFAULT_TEST_SIZE):
    """``(n_train, n_test)`` with scikit-learn's rules: test rounds up, train rounds down.

    Parameters
    ----------
    n_samples : int
    test_size, train_size : float in (0, 1), int >= 1 or None
        Fractions or absolute counts. When both are None the test share is
        ``default_test_size``; when one is None it is the complement of the other.

    Returns
    -------
    tuple of int
    """
    test_kind = _check_size_type("test_size", test_size)
    train_kind = _check_size_type("train_size", train_size)
    if test_kind == "none" and train_kind == "none":
        test_size, test_kind = default_test_size, "float"
    for name, value, kind in (
        ("test_size", test_size, test_kind),
        ("train_size", train_size, train_kind),
    ):
        if kind == "int" and value >= n_samples:
            raise ValueError(
                f"{name}={value} should be either positive and smaller than the number of "
                f"samples {n_samples} or a float in the (0, 1) range."
            )
    if test_kind == "float" and train_kind == "float" and train_size + test_size > 1:
        raise ValueError(
            f"The sum of test_size and train_size = {train_size + test_size}, should be in "
            "the (0, 1) range. Reduce test_size and/or train_size."
        )

    n_test = math.ceil(test_size * n_samples) if test_kind == "float" else test_size
    n_train = math.floor(train_size * n_samples) if train_kind == "float" else train_size
    if train_kind == "none":
        n_train = n_samples - n_test
    if test_kind == "none":
        n_test = n_samples - n_train
    n_train, n_test = int(n_train), int(n_test)
    if n_train + n_test > n_samples:
        raise ValueError(
            f"The sum of train_size and test_size = {n_train + n_test}, should be smaller "
            f"than the number of samples {n_samples}. Reduce test_size and/or train_size."
        )
    if n_train == 0:
        raise ValueError(
            f"With n_samples={n_samples}, test_size={test_size} and train_size={train_size}, "
            "the resulting train set will be empty. Adjust any of the aforementioned "
            "parameters."
        )
    return n_train, n_test


# --------------------------------------------------------------------------- labels
def _encode_labels(y, name="y"):
    """Integer codes of the labels (rows of a 2-D ``y`` are joined into one label)."""
    y = np.asarray(y)
    if y.ndim == 2:
        y = np.array([" ".join(row.astype(str)) for row in y])
    elif y.ndim != 1:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {y.shape}.")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError(f"{name} contains NaN; remove or impute the missing labels first.")
    if y.dtype.kind == "O" and any(v is None or v != v for v in y):
        raise ValueError(f"{name} contains missing values; remove or impute them first.")
    try:
        _, codes = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise TypeError(
            f"{name} mixes label types that cannot be compared ({exc}); use one type."
        ) from None
    return codes.reshape(-1)


def _pick_extra(candidates, remainders, n_pick, rng, blocked=None, blocked_budget=0):
    """Choose ``n_pick`` classes to round up: largest remainder first, random among ties.

    A class in ``blocked`` may be chosen at most ``blocked_budget`` times in total.
    """
    order = candidates[np.lexsort((rng.random(candidates.size), -remainders[candidates]))]
    chosen = []
    for k in order:
        if len(chosen) == n_pick:
            break
        if blocked is not None and blocked[k]:
            if blocked_budget == 0:
                continue
            blocked_budget -= 1
        chosen.append(k)
    return np.asarray(chosen, dtype=np.int64)


def stratified_allocation(class_counts, n_train, n_test, rng):
    """Per-class train and test counts, each within one sample of its exact proportion.

    Every class gets ``floor`` or ``ceil`` of ``count * n_train / n`` train samples and of
    ``count * n_test / n`` test samples. Rounding up both in a class could overdraw it, so the
    test round-ups avoid such classes while there is a choice; a counting argument shows the
    train round-ups then always fit.
    """
    class_counts = np.asarray(class_counts, dtype=np.int64)
    n_samples = int(class_counts.sum())
    train_floor, train_rem = np.divmod(class_counts * n_train, n_samples)
    test_floor, test_rem = np.divmod(class_counts * n_test, n_samples)
    train_extra = n_train - int(train_floor.sum())
    test_extra = n_test - int(test_floor.sum())

    would_overdraw = (
        (train_rem > 0) & (test_rem > 0) & (train_floor + test_floor + 2 > class_counts)
    )
    train_candidates = np.flatnonzero(train_rem > 0)
    test_candidates = np.flatnonzero(test_rem > 0)
    test_up = _pick_extra(
        test_candidates,
        test_rem,
        test_extra,
        rng,
        blocked=would_overdraw,
        blocked_budget=train_candidates.size - train_extra,
    )
    n_test_per_class = test_floor.copy()
    n_test_per_class[test_up] += 1

    still_free = ~(would_overdraw & (n_test_per_class > test_floor))
    train_up = _pick_extra(
        train_candidates[still_free[train_candidates]], train_rem, train_extra, rng
    )
    n_train_per_class = train_floor.copy()
    n_train_per_class[train_up] += 1
    return n_train_per_class, n_test_per_class


def _stratified_indices(codes, n_train, n_test, rng):
    class_counts = np.bincount(codes)
    if class_counts.min() < 2:
        raise ValueError(
            "The least populated class in y has only 1 member, which is too few. The minimum "
            "number of groups for any class cannot be less than 2."
        )
    n_classes = class_counts.size
    if n_train < n_classes:
        raise ValueError(
            f"The train_size = {n_train} should be greater or equal to the number of "
            f"classes = {n_classes}"
        )
    if n_test < n_classes:
        raise ValueError(
            f"The test_size = {n_test} should be greater or equal to the number of "
            f"classes = {n_classes}"
        )
    n_train_k, n_test_k = stratified_allocation(class_counts, n_train, n_test, rng)
    train, test = [], []
    for k in range(n_classes):
        members = rng.permutation(np.flatnonzero(codes == k))
        train.append(members[: n_train_k[k]])
        test.append(members[n_train_k[k] : n_train_k[k] + n_test_k[k]])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


# --------------------------------------------------------------------------- train_test_split
def train_test_split(
    *arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None
):
    """Split arrays into random train and test subsets.

    Parameters
    ----------
    *arrays : sequence of array-likes with the same number of rows
        numpy arrays, lists, pandas DataFrames / Series (which keep their index).
    test_size, train_size : float in (0, 1), int >= 1 or None
        Fractions (test rounded up, train rounded down) or counts; 0.25 test by default.
    random_state : None, int or numpy Generator
        Seed of ``numpy.random.default_rng``: the same int gives the same split.
    shuffle : bool, default True
        Without shuffling the first rows are the train set and the next ones the test set.
    stratify : array-like or None
        Class labels: each class then gets ``floor`` or ``ceil`` of its exact share in both
        the train and the test set.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``, each in its input's type.
    """
    if not arrays:
        raise ValueError("At least one array required as input.")
    if not isinstance(shuffle, bool | np.bool_):
        raise InvalidParameterError(f"shuffle must be True or False, got {shuffle!r}.")
    check_consistent_length(*arrays)
    n_samples = num_samples(arrays[0])
    n_train, n_test = split_sizes(n_samples, test_size, train_size)

    if not shuffle:
        if stratify is not None:
            raise ValueError(
                "Stratified train/test split is not implemented for shuffle=False; "
                "set shuffle=True or stratify=None."
            )
        train = np.arange(n_train)
        test = np.arange(n_train, n_train + n_test)
    else:
        rng = check_random_state(random_state)
        if stratify is not None:
            check_consistent_length(arrays[0], stratify)
            codes = _encode_labels(stratify, name="stratify")
            train, test = _stratified_indices(codes, n_train, n_test, rng)
        else:
            permutation = rng.permutation(n_samples)
            test = permutation[:n_test]
            train = permutation[n_test : n_test + n_train]

    result = []
    for array in arrays:
        result.extend((safe_indexing(array, train), safe_indexing(array, test)))
    return result


# --------------------------------------------------------------------------- k-fold
class _BaseKFold:
    def __init__(self, n_splits, *, shuffle, random_state):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise InvalidParameterError(
                f"The number of folds must be of Integral type. {n_splits!r} of type "
                f"{type(n_splits).__name__} was passed."
            )
        if n_splits <= 1:
            raise ValueError(
                "k-fold cross-validation requires at least one train/test split by setting "
                f"n_splits=2 or more, got n_splits={n_splits}."
            )
        if not isinstance(shuffle, bool | np.bool_):
            raise InvalidParameterError(f"shuffle must be True or False; got {shuffle!r}.")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. You should "
                "leave random_state to its default (None), or set shuffle=True."
            )
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits (folds)."""
        return self.n_splits

    def _check_n_samples(self, X):
        n_samples = num_samples(X)
        if self.n_splits > n_samples:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of samples: n_samples={n_samples}."
            )
        return n_samples

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold.

        Train indices are sorted; every sample is in exactly one test fold.
        """
        n_samples = self._check_n_samples(X)
        check_consistent_length(X, y, groups)
        indices = np.arange(n_samples)
        for test in self._iter_test_indices(X, y, n_samples):
            mask = np.ones(n_samples, dtype=bool)
            mask[test] = False
            yield indices[mask], test

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_splits={self.n_splits}, random_state="
            f"{self.random_state!r}, shuffle={self.shuffle})"
        )


def fold_sizes(n_samples, n_splits):
    """Sizes of ``n_splits`` consecutive folds: the first ``n_samples % n_splits`` get one
    more."""
    sizes = np.full(n_splits, n_samples // n_splits, dtype=np.int64)
    sizes[: n_samples % n_splits] += 1
    return sizes


class KFold(_BaseKFold):
    """K-fold cross-validation: consecutive folds, optionally after shuffling.

    Parameters
    ----------
    n_splits : int, default 5
        At least 2.
    shuffle : bool, default False
        Shuffle the rows once (``numpy.random.default_rng(random_state)``) before cutting.
    random_state : None, int or numpy Generator
        Only with ``shuffle=True``.
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)

    def _iter_test_indices(self, X, y, n_samples):
        order = np.arange(n_samples)
        if self.shuffle:
            order = check_random_state(self.random_state).permutation(n_samples)
        stops = np.cumsum(fold_sizes(n_samples, self.n_splits))
        starts = stops - fold_sizes(n_samples, self.n_splits)
        for start, stop in zip(starts, stops):
            yield order[start:stop]


class StratifiedKFold(_BaseKFold):
    """K-fold cross-validation that keeps each class's share in every fold.

    Classes are numbered in order of first appearance; sorted by that number, the samples are
    dealt round robin to the folds (so each fold gets ``floor`` or ``ceil`` of ``count /
    n_splits`` of each class and fold sizes as in ``KFold``), then each class's samples get
    their folds in data order, or in a shuffled order with ``shuffle=True``. Without shuffling
    the folds equal scikit-learn's.

    Parameters
    ----------
    n_splits : int, default 5
    shuffle : bool, default False
    random_state : None, int or numpy Generator
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)

    def split(self, X, y, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold; ``y`` holds the classes."""
        if y is None:
            raise ValueError(
                "StratifiedKFold.split needs y, the class labels to stratify on "
                "(use KFold to split without labels)."
            )
        return super().split(X, y, groups)

    def _test_fold_of_each_sample(self, y):
        kind = target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Supported target types are: ('binary', 'multiclass'). Got {kind!r} instead."
            )
        y = np.asarray(y).reshape(-1)
        _, first_index, codes = np.unique(y, return_index=True, return_inverse=True)
        appearance_rank = np.argsort(np.argsort(first_index))
        codes = appearance_rank[codes.reshape(-1)]
        counts = np.bincount(codes)
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of members in "
                "each class."
            )
        if self.n_splits > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, which is "
                f"less than n_splits={self.n_splits}.",
                UserWarning,
                stacklevel=4,
            )
        rng = check_random_state(self.random_state) if self.shuffle else None
        test_folds = np.empty(y.size, dtype=np.int64)
        block_start = 0
        for k, count in enumerate(counts):
            dealt = np.arange(block_start, block_start + count) % self.n_splits
            per_fold = np.bincount(dealt, minlength=self.n_splits)
            folds_for_class = np.repeat(np.arange(self.n_splits), per_fold)
            if rng is not None:
                rng.shuffle(folds_for_class)
            test_folds[codes == k] = folds_for_class
            block_start += count
        return test_folds

    def _iter_test_indices(self, X, y, n_samples):
        test_folds = self._test_fold_of_each_sample(y)
        for fold in range(self.n_splits):
            yield np.flatnonzero(test_folds == fold)


# --------------------------------------------------------------------------- check_cv
class PredefinedSplits:
    """Wraps an iterable of ``(train, test)`` index pairs as a splitter."""

    def __init__(self, splits):
        self.splits = []
        for i, pair in enumerate(splits):
            try:
                train, test = pair
            except (TypeError, ValueError):
                raise ValueError(
                    f"cv split #{i} is not a (train_indices, test_indices) pair: {pair!r:.80}."
                ) from None
            self.splits.append((np.asarray(train), np.asarray(test)))

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits."""
        return len(self.splits)

    def split(self, X=None, y=None, groups=None):
        """Yield the stored ``(train, test)`` pairs."""
        yield from self.splits


def check_cv(cv=5, y=None, *, classifier=False):
    """A splitter from ``cv``.

    Parameters
    ----------
    cv : None, int, splitter or iterable of (train, test) pairs
        An int (None means 5) gives ``StratifiedKFold`` for a classifier with binary or
        multiclass ``y`` and ``KFold`` otherwise.
    y : array-like, optional
    classifier : bool, default False

    Returns
    -------
    splitter
        An object with ``split`` and ``get_n_splits``.
    """
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if classifier and y is not None and target_type(y) in ("binary", "multiclass"):
            return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if hasattr(cv, "__iter__") and not isinstance(cv, str | bytes):
        return PredefinedSplits(cv)
    raise InvalidParameterError(
        "Expected cv as an integer, a splitter (an object with split and get_n_splits) or "
        f"an iterable of (train, test) index pairs. Got {cv!r}."
    )
