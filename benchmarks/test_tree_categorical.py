"""Fit time of native categorical splits, against LightGBM's single tree (issue 13).

Quick smoke sizes by default; the issue's size with ``CARTFLOW_BENCH_FULL=1``: 1M rows x 20
features, 5 of them categorical with 1,000 categories each::

    CARTFLOW_BENCH_FULL=1 .venv/bin/python -m pytest benchmarks/test_tree_categorical.py \
        --benchmark-only -o testpaths=benchmarks -s

LightGBM (a benchmark-only dependency, skipped when absent) grows one tree
(``n_estimators=1``, ``learning_rate=1``) with the same columns as categorical and a comparable
depth and leaf count; both times are medians of the same rounds on the same data.
"""

import os
import statistics
import time

import numpy as np
import pytest

from tree import DecisionTree

FULL = os.environ.get("CARTFLOW_BENCH_FULL") == "1"
N_ROWS = 1_000_000 if FULL else 20_000
N_CATEGORIES = 1_000 if FULL else 100
N_FEATURES, N_CATEGORICAL = 20, 5
ROUNDS = 3  # medians of three: a first fit at full size also pays for fresh memory
MAX_DEPTH = 10


def dataset():
    """Numeric features and ``N_CATEGORICAL`` category-code columns; y from both kinds."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, N_FEATURES)).astype(np.float32)
    effects = rng.normal(size=(N_CATEGORICAL, N_CATEGORIES))
    signal = X[:, N_CATEGORICAL : N_CATEGORICAL + 5].sum(axis=1)
    for j in range(N_CATEGORICAL):
        codes = rng.integers(0, N_CATEGORIES, N_ROWS)
        X[:, j] = codes
        signal += 2.0 * effects[j, codes]
    y = (signal + rng.normal(size=N_ROWS) > 0).astype(np.int64)
    return X, y


def _median_seconds(fit):
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_fit_native_categorical(benchmark):
    X, y = dataset()
    categorical = list(range(N_CATEGORICAL))
    DecisionTree(categorical_features=categorical, max_depth=2).fit(X[:2_000], y[:2_000])
    model = DecisionTree(categorical_features=categorical, max_depth=MAX_DEPTH)
    ours = _median_seconds(lambda: model.fit(X, y))
    benchmark.extra_info.update(
        {"cartflow_s": ours, "nodes": int(model.tree_.node_count), "rows": N_ROWS}
    )
    print(f"\ncartflow native categorical, {N_ROWS} rows: {ours:.3f} s")
    benchmark.pedantic(lambda: None, rounds=1)
    assert model.tree_.categorical_node is not None
    assert np.any(model.tree_.categorical_node >= 0)


@pytest.mark.parametrize("splitter", ["best", "hist"])
def test_fit_against_lightgbm_single_tree(benchmark, splitter):
    lightgbm = pytest.importorskip("lightgbm")
    X, y = dataset()
    categorical = list(range(N_CATEGORICAL))
    ours_model = DecisionTree(
        splitter=splitter, categorical_features=categorical, max_depth=MAX_DEPTH, random_state=0
    )
    ours_model.fit(X[:2_000], y[:2_000])
    ours = _median_seconds(lambda: ours_model.fit(X, y))
    theirs_model = lightgbm.LGBMClassifier(
        n_estimators=1,
        learning_rate=1.0,
        max_depth=MAX_DEPTH,
        num_leaves=max(2, int(ours_model.get_n_leaves())),
        min_child_samples=1,
        max_cat_to_onehot=1,
        verbose=-1,
    )
    theirs = _median_seconds(lambda: theirs_model.fit(X, y, categorical_feature=categorical))
    benchmark.extra_info.update({"cartflow_s": ours, "lightgbm_s": theirs, "ratio": theirs / ours})
    print(
        f"\ncartflow splitter={splitter} {ours:.3f} s, LightGBM single tree {theirs:.3f} s "
        f"(x{theirs / ours:.2f}; {N_ROWS} rows)"
    )
    benchmark.pedantic(lambda: None, rounds=1)
