"""Where splitter="hist" starts to pay: exact against hist fit time by number of rows.

Fully grown classifiers on the tree benchmark's generator (20 features, float32), the median
of five fits each, kernels loaded first::

    python benchmarks/hist_crossover.py
"""

import statistics
import time

import numpy as np
from sklearn.datasets import make_classification

from tree import DecisionTree

SIZES = (5_000, 20_000, 50_000, 100_000, 300_000)


def _median_seconds(splitter, X, y, rounds=5):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        DecisionTree(splitter=splitter, random_state=0).fit(X, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    warm_X, warm_y = make_classification(n_samples=20_000, n_features=20, random_state=1)
    for splitter in ("best", "hist"):
        DecisionTree(splitter=splitter).fit(warm_X, warm_y)
    print("| rows | exact (ms) | hist (ms) | hist speed-up |")
    print("| --- | --- | --- | --- |")
    for n in SIZES:
        X, y = make_classification(n_samples=n, n_features=20, n_informative=10, random_state=0)
        X = X.astype(np.float32)
        exact = _median_seconds("best", X, y)
        hist = _median_seconds("hist", X, y)
        print(f"| {n:,} | {exact * 1e3:.1f} | {hist * 1e3:.1f} | {exact / hist:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
