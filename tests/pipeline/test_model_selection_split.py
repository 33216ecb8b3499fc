"""train_test_split, KFold, StratifiedKFold and check_cv, against scikit-learn."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import model_selection as sk

from pipeline.model_selection import (
    InvalidParameterError,
    KFold,
    StratifiedKFold,
    check_cv,
    train_test_split,
)
from pipeline.model_selection._split import PredefinedSplits, stratified_allocation

SIZES = [None, 0.1, 0.25, 0.3, 0.5, 0.75, 0.999, 1, 2, 5, 10]


def _sklearn_sizes(n, test_size, train_size):
    try:
        train, test = sk.train_test_split(
            np.arange(n), test_size=test_size, train_size=train_size, random_state=0
        )
    except ValueError:
        return "error"
    return len(train), len(test)


def _our_sizes(n, test_size, train_size, **kwargs):
    try:
        train, test = train_test_split(
            np.arange(n), test_size=test_size, train_size=train_size, random_state=0, **kwargs
        )
    except ValueError:
        return "error"
    return len(train), len(test)


# --------------------------------------------------------------------------- train_test_split
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 11, 33])
def test_split_sizes_and_errors_match_sklearn(n):
    for test_size in SIZES:
        for train_size in SIZES:
            expected = _sklearn_sizes(n, test_size, train_size)
            assert _our_sizes(n, test_size, train_size) == expected, (n, test_size, train_size)


@pytest.mark.parametrize("n", [5, 10, 11, 33])
def test_unshuffled_split_equals_sklearn(n):
    X = np.arange(2 * n).reshape(n, 2)
    for test_size in (None, 0.2, 3):
        ours = train_test_split(X, test_size=test_size, shuffle=False)
        theirs = sk.train_test_split(X, test_size=test_size, shuffle=False)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)


def test_several_arrays_keep_rows_together_and_types():
    n = 40
    X = np.arange(n * 3).reshape(n, 3)
    y_list = [f"r{i}" for i in range(n)]
    frame = pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 2.0}, index=np.arange(n) + 100)
    series = pd.Series(np.arange(n), index=np.arange(n) + 100, name="s")
    X_tr, X_te, y_tr, y_te, f_tr, f_te, s_tr, s_te = train_test_split(
        X, y_list, frame, series, test_size=0.3, random_state=3
    )
    assert isinstance(y_tr, list) and isinstance(y_te, list)
    assert isinstance(f_tr, pd.DataFrame) and isinstance(s_te, pd.Series)
    assert (len(X_tr), len(X_te)) == (28, 12)
    rows_tr = X_tr[:, 0] // 3
    rows_te = X_te[:, 0] // 3
    assert [f"r{i}" for i in rows_tr] == y_tr
    assert [f"r{i}" for i in rows_te] == y_te
    np.testing.assert_array_equal(f_tr.index.to_numpy(), rows_tr + 100)
    np.testing.assert_array_equal(f_tr["a"].to_numpy(), rows_tr)
    np.testing.assert_array_equal(s_te.index.to_numpy(), rows_te + 100)
    assert sorted(np.concatenate([rows_tr, rows_te]).tolist()) == list(range(n))


def test_split_is_reproducible_from_random_state():
    X = np.arange(100)
    first = train_test_split(X, random_state=7)
    again = train_test_split(X, random_state=7)
    other = train_test_split(X, random_state=8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])
    # the documented generator: numpy.random.default_rng(seed).permutation
    permutation = np.random.default_rng(7).permutation(100)
    np.testing.assert_array_equal(first[1], permutation[:25])
    np.testing.assert_array_equal(first[0], permutation[25:])


def test_generator_and_randomstate_are_accepted():
    rng = np.random.default_rng(0)
    a = train_test_split(np.arange(50), random_state=rng)[1]
    b = train_test_split(np.arange(50), random_state=rng)[1]
    assert not np.array_equal(a, b)
    c = train_test_split(np.arange(50), random_state=np.random.RandomState(1))[1]
    d = train_test_split(np.arange(50), random_state=np.random.RandomState(1))[1]
    np.testing.assert_array_equal(c, d)


@settings(max_examples=30)
@given(
    counts=st.lists(st.integers(2, 25), min_size=1, max_size=5),
    test_size=st.one_of(st.none(), st.floats(0.05, 0.95), st.integers(1, 40)),
    train_size=st.one_of(st.none(), st.floats(0.05, 0.95), st.integers(1, 40)),
    seed=st.integers(0, 2**16),
)
def test_stratified_split_keeps_proportions_within_one(counts, test_size, train_size, seed):
    labels = np.repeat([f"c{k}" for k in range(len(counts))], counts)
    labels = np.random.default_rng(seed).permutation(labels)
    n = labels.size
    X = np.arange(n)

    def sklearn_outcome():
        try:
            tr, te = sk.train_test_split(
                X, test_size=test_size, train_size=train_size, stratify=labels, random_state=0
            )
        except ValueError:
            return "error"
        return len(tr), len(te)

    try:
        train, test = train_test_split(
            X, test_size=test_size, train_size=train_size, stratify=labels, random_state=seed
        )
    except ValueError:
        assert sklearn_outcome() == "error"
        return
    assert sklearn_outcome() == (len(train), len(test))
    assert np.intersect1d(train, test).size == 0
    assert len(set(train.tolist())) == len(train)
    for k, count in enumerate(counts):
        in_class = labels == f"c{k}"
        for part in (train, test):
            got = int(in_class[part].sum())
            exact = count * len(part) / n
            assert abs(got - exact) < 1, (k, got, exact)


@settings(max_examples=40)
@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=6),
    data=st.data(),
)
def test_stratified_allocation_bounds(counts, data):
    n = sum(counts)
    n_train = data.draw(st.integers(0, n))
    n_test = data.draw(st.integers(0, n - n_train))
    tr, te = stratified_allocation(counts, n_train, n_test, np.random.default_rng(0))
    assert tr.sum() == n_train and te.sum() == n_test
    assert np.all(tr + te <= np.asarray(counts))
    assert np.all(np.abs(tr - np.asarray(counts) * n_train / n) < 1)
    assert np.all(np.abs(te - np.asarray(counts) * n_test / n) < 1)


def test_stratified_split_with_pandas_labels_is_reproducible():
    y = pd.Series(["a"] * 30 + ["b"] * 10 + ["c"] * 5)
    X = pd.DataFrame({"x": range(45)})
    a = train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
    b = train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
    pd.testing.assert_frame_equal(a[0], b[0])
    assert a[3].value_counts().to_dict() == {"a": 9, "b": 3, "c": 2}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_size": 1.5}, "test_size"),
        ({"test_size": 0.0}, "test_size"),
        ({"test_size": -2}, "test_size"),
        ({"test_size": 10}, "smaller than the number of samples 10"),
        ({"train_size": 1.0}, "train_size"),
        ({"test_size": 0.6, "train_size": 0.6}, "sum of test_size and train_size"),
        ({"test_size": 6, "train_size": 5}, "should be smaller than the number of samples"),
        ({"shuffle": False, "stratify": [0, 1] * 5}, "shuffle=False"),
        ({"stratify": [0] * 9 + [1]}, "least populated class"),
        ({"stratify": [0.0, np.nan] * 5}, "NaN"),
        ({"stratify": [0, 1, 2]}, "inconsistent numbers of samples"),
    ],
)
def test_bad_split_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_test_split(np.arange(10), **kwargs)


def test_bad_split_types():
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(np.arange(10), test_size="half")
    with pytest.raises(ValueError, match="At least one array"):
        train_test_split()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_test_split(np.arange(10), np.arange(9))
    with pytest.raises(TypeError, match="random_state"):
        train_test_split(np.arange(10), random_state="seed")
    with pytest.raises(ValueError, match="train set will be empty"):
        train_test_split([])


# --------------------------------------------------------------------------- KFold
def _as_lists(splits):
    return [(train.tolist(), test.tolist()) for train, test in splits]


def test_kfold_without_shuffle_equals_sklearn():
    for n in range(2, 40):
        for k in range(2, min(n, 8) + 1):
            X = np.zeros((n, 2))
            assert _as_lists(KFold(k).split(X)) == _as_lists(sk.KFold(k).split(X))


def test_kfold_with_shuffle_is_a_reproducible_partition():
    X = np.zeros((53, 1))
    folds = _as_lists(KFold(5, shuffle=True, random_state=0).split(X))
    assert folds == _as_lists(KFold(5, shuffle=True, random_state=0).split(X))
    assert folds != _as_lists(KFold(5, shuffle=True, random_state=1).split(X))
    sizes = [len(test) for _, test in folds]
    assert sizes == [len(test) for _, test in sk.KFold(5).split(X)]
    assert sorted(i for _, test in folds for i in test) == list(range(53))
    for train, test in folds:
        assert sorted(train + test) == list(range(53))
    assert KFold(5).get_n_splits() == 5


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: KFold(1), ValueError, "n_splits=2 or more"),
        (lambda: KFold(2.5), TypeError, "Integral"),
        (lambda: KFold(3, shuffle="yes"), TypeError, "shuffle"),
        (lambda: KFold(3, random_state=0), ValueError, "random_state has no effect"),
        (lambda: StratifiedKFold(0), ValueError, "n_splits=2 or more"),
    ],
)
def test_bad_kfold_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_more_splits_than_samples_raises():
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of samples: n_samp"):
        list(KFold(5).split(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="greater than the number of samples"):
        list(StratifiedKFold(5).split(np.zeros((3, 1)), [0, 1, 0]))


# --------------------------------------------------------------------------- StratifiedKFold
@settings(max_examples=40)
@given(
    labels=st.lists(st.sampled_from(["b", "a", "c", "d"]), min_size=6, max_size=60),
    n_splits=st.integers(2, 6),
)
def test_stratified_kfold_without_shuffle_equals_sklearn(labels, n_splits):
    X = np.zeros((len(labels), 1))

    def run(splitter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                return _as_lists(splitter.split(X, labels))
            except ValueError:
                return "error"

    assert run(StratifiedKFold(n_splits)) == run(sk.StratifiedKFold(n_splits))


@settings(max_examples=30)
@given(
    labels=st.lists(st.integers(0, 3), min_size=10, max_size=80),
    n_splits=st.integers(2, 5),
    seed=st.integers(0, 1000),
)
def test_stratified_kfold_shuffled_balances_classes(labels, n_splits, seed):
    y = np.asarray(labels)
    counts = np.bincount(y)
    if np.all(counts[counts > 0] < n_splits):
        return
    X = np.zeros((y.size, 1))
    splitter = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        folds = list(splitter.split(X, y))
        reference = list(sk.StratifiedKFold(n_splits).split(X, y))
        again = list(splitter.split(X, y))
    assert [t.tolist() for _, t in folds] == [t.tolist() for _, t in again]
    assert [len(t) for _, t in folds] == [len(t) for _, t in reference]
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(y.size))
    per_fold = np.array([np.bincount(y[t], minlength=counts.size) for _, t in folds])
    assert np.all(per_fold.max(axis=0) - per_fold.min(axis=0) <= 1)


def test_stratified_kfold_warnings_and_errors():
    X = np.zeros((12, 1))
    y = np.array([0] * 10 + [1] * 2)
    with pytest.warns(UserWarning, match="least populated class in y has only 2 members"):
        list(StratifiedKFold(3).split(X, y))
    with pytest.raises(ValueError, match="cannot be greater than the number of members"):
        list(StratifiedKFold(3).split(np.zeros((4, 1)), [0, 0, 1, 1]))
    with pytest.raises(ValueError, match="Supported target types"):
        list(StratifiedKFold(3).split(X, np.linspace(0, 1, 12)))
    with pytest.raises(ValueError, match="needs y"):
        list(StratifiedKFold(3).split(X, None))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        list(StratifiedKFold(3).split(X, y[:-1]))


# --------------------------------------------------------------------------- check_cv
def test_check_cv_choices():
    y_class = np.array([0, 1] * 10)
    assert isinstance(check_cv(3, y_class, classifier=True), StratifiedKFold)
    assert type(check_cv(3, y_class, classifier=False)) is KFold
    assert type(check_cv(None, np.linspace(0, 1, 20), classifier=True)) is KFold
    assert check_cv(None).get_n_splits() == 5
    splitter = sk.KFold(4)
    assert check_cv(splitter) is splitter
    pairs = [([0, 1], [2]), ([2], [0, 1])]
    wrapped = check_cv(pairs)
    assert isinstance(wrapped, PredefinedSplits) and wrapped.get_n_splits() == 2
    with pytest.raises(InvalidParameterError, match="Expected cv"):
        check_cv("five")
    with pytest.raises(ValueError, match="not a \\(train_indices, test_indices\\) pair"):
        check_cv([1, 2, 3])


def test_two_column_stratify_keeps_each_combination():
    rng = np.random.default_rng(0)
    labels = np.column_stack([rng.integers(0, 2, 200), rng.integers(0, 3, 200)])
    train, test = train_test_split(np.arange(200), test_size=0.25, stratify=labels, random_state=1)
    combos = labels[:, 0] * 3 + labels[:, 1]
    for combo in np.unique(combos):
        count = int(np.sum(combos == combo))
        assert abs(np.sum(combos[test] == combo) - count * 50 / 200) < 1
        assert abs(np.sum(combos[train] == combo) - count * 150 / 200) < 1
