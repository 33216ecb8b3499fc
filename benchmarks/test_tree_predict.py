"""Prediction speed of tree.DecisionTree against scikit-learn (same fitted data).

Full size (1,000,000 rows) with ``CARTFLOW_BENCH_FULL=1``; a quick smoke size otherwise.
"""

import os
import statistics
import time

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

from tree import DecisionTree

FULL = os.environ.get("CARTFLOW_BENCH_FULL") == "1"
N = 1_000_000 if FULL else 20_000
ROUNDS = 5 if FULL else 1


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(n_samples=N, n_features=20, n_informative=10, random_state=0)
    X = X.astype(np.float32)
    ours = DecisionTree(max_depth=None).fit(X, y)
    theirs = DecisionTreeClassifier(random_state=0).fit(X, y)
    ours.predict(X[:1000])  # compile and pack outside the timing
    return X, ours, theirs


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_predict_speed(benchmark, fitted, method):
    X, ours, theirs = fitted
    result = benchmark.pedantic(getattr(ours, method), args=(X,), rounds=ROUNDS, iterations=1)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        expected = getattr(theirs, method)(X)
        times.append(time.perf_counter() - start)
    sk_seconds = statistics.median(times)
    if benchmark.stats is not None:
        our_seconds = benchmark.stats.stats.median
        benchmark.extra_info.update(sklearn_median_s=sk_seconds, speedup=sk_seconds / our_seconds)
        print(
            f"\n{method} n={N}: ours {our_seconds:.3f} s, sklearn {sk_seconds:.3f} s, "
            f"x{sk_seconds / our_seconds:.2f}"
        )
    assert result.shape == expected.shape
    if method == "predict":  # both trees fit the training rows: they agree on almost all
        assert np.mean(result == expected) > 0.99
