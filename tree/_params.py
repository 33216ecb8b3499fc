"""Declarative parameter constraints, checked once in ``fit`` (like scikit-learn's)."""

import math
import numbers

import numpy as np

from tree._checks import InvalidParameterError


class Interval:
    """Numbers of ``kind`` ("int", "real" or "real_not_int") between ``left`` and ``right``."""

    def __init__(self, kind, left, right, closed):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts(self, value):
        if isinstance(value, bool):
            return False
        if self.kind == "int":
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or (
            self.kind == "real_not_int" and isinstance(value, numbers.Integral)
        ):
            return False
        if value != value:  # NaN
            return False
        # an open end at None is infinity, so inf is outside [0, inf) as in scikit-learn
        left = -math.inf if self.left is None else self.left
        right = math.inf if self.right is None else self.right
        if value < left or (value == left and self.closed in ("right", "neither")):
            return False
        if value > right or (value == right and self.closed in ("left", "neither")):
            return False
        return True

    def __str__(self):
        kind = "an int" if self.kind == "int" else "a float"
        lb = "[" if self.closed in ("left", "both") else "("
        rb = "]" if self.closed in ("right", "both") else ")"
        left = "-inf" if self.left is None else self.left
        right = "inf" if self.right is None else self.right
        return f"{kind} in the range {lb}{left}, {right}{rb}"


class Options:
    """One of a fixed set of strings."""

    def __init__(self, *options):
        self.options = options

    def accepts(self, value):
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return "a str among {" + ", ".join(repr(o) for o in sorted(self.options)) + "}"


class InstanceOf:
    def __init__(self, *types, label):
        self.types, self.label = types, label

    def accepts(self, value):
        return isinstance(value, self.types)

    def __str__(self):
        return self.label


class NoneOk:
    def accepts(self, value):
        return value is None

    def __str__(self):
        return "None"


RANDOM_STATE = [
    Interval("int", 0, 2**32 - 1, "both"),
    InstanceOf(np.random.RandomState, label="an instance of 'numpy.random.RandomState'"),
    NoneOk(),
]


def validate_params(estimator, constraints):
    """Raise InvalidParameterError naming the first parameter that breaks its constraints."""
    name = type(estimator).__name__
    for param, options in constraints.items():
        value = getattr(estimator, param)
        if any(option.accepts(value) for option in options):
            continue
        allowed = [str(option) for option in options]
        text = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
        raise InvalidParameterError(
            f"The {param!r} parameter of {name} must be {text}. Got {value!r} instead."
        )


def check_random_state(seed):
    """A ``numpy.random.RandomState`` from None, an int or a RandomState."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral):
        return np.random.RandomState(seed)
    return seed
