"""Run one of our metrics and scikit-learn's on the same input and compare everything.

Results agree to rtol 1e-12 (NaN equal to NaN); when scikit-learn raises, ours raises an
exception of the same built-in type (ValueError, TypeError, NotImplementedError); the warnings
emitted agree by category name and message where requested.
"""

import warnings

import numpy as np
from hypothesis import strategies as st

RTOL = 1e-12


class Outcome:
    def __init__(self, func, args, kwargs):
        self.value = None
        self.error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.value = func(*args, **kwargs)
            except (ValueError, TypeError, NotImplementedError, ZeroDivisionError) as exc:
                self.error = exc
        self.warnings = sorted(
            {
                (w.category.__name__, str(w.message))
                for w in caught
                if w.category.__name__ not in ("FutureWarning", "DeprecationWarning")
            }
        )


def assert_close(ours, theirs, path="result"):
    if theirs is None:
        assert ours is None, f"{path}: expected None, got {ours!r}"
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), (path, ours, theirs)
        for key in theirs:
            assert_close(ours[key], theirs[key], f"{path}[{key!r}]")
        return
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, f"{path}[{i}]")
        return
    if isinstance(theirs, str):
        assert ours == theirs, f"{path}:\n{ours}\n!=\n{theirs}"
        return
    theirs = np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, (path, ours.shape, theirs.shape)
    if theirs.dtype.kind in "fciub" and ours.dtype.kind in "fciub":
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0, equal_nan=True, err_msg=path)
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=path)


def compare(ours, theirs, *args, same_warnings=True, **kwargs):
    """Call both functions and compare results, exception types and warnings."""
    mine = Outcome(ours, args, kwargs)
    ref = Outcome(theirs, args, kwargs)
    if ref.error is not None:
        assert mine.error is not None, (
            f"scikit-learn raised {ref.error!r} but ours returned {mine.value!r}"
        )
        for base in (ValueError, TypeError, NotImplementedError, ZeroDivisionError):
            if isinstance(ref.error, base):
                assert isinstance(mine.error, base), (mine.error, ref.error)
                break
        return mine
    assert mine.error is None, f"ours raised {mine.error!r}, scikit-learn gave {ref.value!r}"
    assert_close(mine.value, ref.value)
    if same_warnings == "category":
        mine_kinds = sorted({kind for kind, _ in mine.warnings})
        ref_kinds = sorted({kind for kind, _ in ref.warnings})
        assert mine_kinds == ref_kinds, (mine.warnings, ref.warnings)
    elif same_warnings:
        assert mine.warnings == ref.warnings, (mine.warnings, ref.warnings)
    return mine


LABEL_SETS = {
    "int": [0, 1, 2, 3, 4],
    "str": ["ant", "bee", "cat", "dog", "eel"],
    "neg": [-1, 1, 7, 9, 11],
}


@st.composite
def label_pairs(draw, max_classes=4, min_size=1, max_size=30, kinds=("int", "str", "neg", "bool")):
    """(y_true, y_pred, sample_weight or None, kind) with labels of one kind."""
    kind = draw(st.sampled_from(kinds))
    n_classes = 2 if kind == "bool" else draw(st.integers(1, max_classes))
    n = draw(st.integers(min_size, max_size))
    codes = st.integers(0, n_classes - 1)
    true = np.array(draw(st.lists(codes, min_size=n, max_size=n)))
    pred = np.array(draw(st.lists(codes, min_size=n, max_size=n)))
    if kind == "bool":
        y_true, y_pred = true.astype(bool), pred.astype(bool)
    else:
        values = np.array(LABEL_SETS[kind])
        y_true, y_pred = values[true], values[pred]
    weight = None
    if draw(st.booleans()):
        weight = np.array(
            draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25]), min_size=n, max_size=n))
        )
    return y_true, y_pred, weight, kind


@st.composite
def scored_binary(draw, min_size=1, max_size=40, tie_heavy=None):
    """(y_true in {0, 1}, y_score with ties, sample_weight or None)."""
    n = draw(st.integers(min_size, max_size))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    heavy = draw(st.booleans()) if tie_heavy is None else tie_heavy
    if heavy:
        y_score = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))) / 4.0
    else:
        y_score = np.array(
            draw(st.lists(st.floats(-5, 5, allow_nan=False, width=32), min_size=n, max_size=n))
        ).astype(np.float64)
    weight = None
    if draw(st.booleans()):
        weight = np.array(
            draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25]), min_size=n, max_size=n))
        )
    return y_true, y_score, weight
