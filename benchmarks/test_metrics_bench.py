"""Metrics against scikit-learn on the same data: ROC AUC, average precision, confusion matrix, F1.

Full size (10,000,000 samples) with ``CARTFLOW_BENCH_FULL=1``; otherwise a small smoke size so
``pytest benchmarks --benchmark-disable`` stays fast. Each case also checks that both agree.
"""

import os

import numpy as np
import pytest
import sklearn.metrics as skm

import metrics

FULL = os.environ.get("CARTFLOW_BENCH_FULL") == "1"
N_SAMPLES = 10_000_000 if FULL else 20_000
ROUNDS = 3 if FULL else 1

CASES = {
    "roc_auc_score": ("scores", {}),
    "average_precision_score": ("scores", {}),
    "confusion_matrix": ("labels", {}),
    "f1_score": ("labels", {}),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(42)
    y_true = rng.integers(0, 2, N_SAMPLES)
    # scores correlated with the truth, rounded so that ties occur as in real models
    y_score = np.round(np.clip(0.3 * y_true + rng.random(N_SAMPLES) * 0.7, 0, 1), 6)
    y_pred = np.where(rng.random(N_SAMPLES) < 0.8, y_true, 1 - y_true)
    return {"scores": (y_true, y_score), "labels": (y_true, y_pred)}


@pytest.mark.parametrize("implementation", ["cartflow", "sklearn"])
@pytest.mark.parametrize("name", list(CASES))
def test_metric_speed(benchmark, data, name, implementation):
    kind, kwargs = CASES[name]
    args = data[kind]
    func = getattr(metrics if implementation == "cartflow" else skm, name)
    if implementation == "cartflow":
        func(*(a[:1000] for a in args), **kwargs)  # compile / load the numba kernels
    benchmark.group = f"{name} n={N_SAMPLES:,}"
    result = benchmark.pedantic(func, args=args, kwargs=kwargs, rounds=ROUNDS, iterations=1)
    reference = getattr(skm, name)(*args, **kwargs) if implementation == "cartflow" else result
    np.testing.assert_allclose(result, reference, rtol=1e-9)
