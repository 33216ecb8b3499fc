"""Model selection against scikit-learn: the same estimator, our loop versus theirs.

Smoke size by default (a 4,000-row sample of Adult's numeric columns); ``CARTFLOW_BENCH_FULL=1``
uses all 32,561 rows.
"""

import os

import numpy as np
import pytest
from sklearn import model_selection as sk
from sklearn.tree import DecisionTreeClassifier

from pipeline.datasets import ADULT_TARGET, load_adult
from pipeline.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split

FULL = os.environ.get("CARTFLOW_BENCH_FULL") == "1"
NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]


@pytest.fixture(scope="module")
def adult_numeric():
    frame = load_adult()
    if not FULL:
        frame = frame.sample(4000, random_state=0)
    X = frame[NUMERIC].to_numpy(dtype=np.float64)
    y = (frame[ADULT_TARGET] == ">50K").to_numpy().astype(np.int64)
    return X, y


def _tree():
    return DecisionTreeClassifier(max_depth=8, random_state=0)


@pytest.mark.benchmark(group="cross_val_score")
def test_cross_val_score_ours(benchmark, adult_numeric):
    X, y = adult_numeric
    scores = benchmark(cross_val_score, _tree(), X, y, cv=5)
    np.testing.assert_array_equal(scores, sk.cross_val_score(_tree(), X, y, cv=5))


@pytest.mark.benchmark(group="cross_val_score")
def test_cross_val_score_sklearn(benchmark, adult_numeric):
    X, y = adult_numeric
    scores = benchmark(sk.cross_val_score, _tree(), X, y, cv=5)
    assert scores.shape == (5,)


@pytest.mark.benchmark(group="grid_search")
def test_grid_search_ours(benchmark, adult_numeric):
    X, y = adult_numeric
    grid = {"max_depth": [2, 4, 8], "min_samples_leaf": [1, 20]}
    search = benchmark(lambda: GridSearchCV(_tree(), grid, cv=KFold(3)).fit(X, y))
    reference = sk.GridSearchCV(_tree(), grid, cv=sk.KFold(3)).fit(X, y)
    assert search.best_params_ == reference.best_params_


@pytest.mark.benchmark(group="grid_search")
def test_grid_search_sklearn(benchmark, adult_numeric):
    X, y = adult_numeric
    grid = {"max_depth": [2, 4, 8], "min_samples_leaf": [1, 20]}
    search = benchmark(lambda: sk.GridSearchCV(_tree(), grid, cv=sk.KFold(3)).fit(X, y))
    assert search.best_params_["max_depth"] in grid["max_depth"]


@pytest.mark.benchmark(group="stratified_split")
def test_stratified_split_ours(benchmark, adult_numeric):
    X, y = adult_numeric
    X_tr, X_te, y_tr, y_te = benchmark(
        train_test_split, X, y, test_size=0.3, stratify=y, random_state=42
    )
    assert abs(y_te.sum() - 0.3 * y.sum()) < 1


@pytest.mark.benchmark(group="stratified_split")
def test_stratified_split_sklearn(benchmark, adult_numeric):
    X, y = adult_numeric
    X_tr, X_te, y_tr, y_te = benchmark(
        sk.train_test_split, X, y, test_size=0.3, stratify=y, random_state=42
    )
    assert len(y_te) == int(np.ceil(0.3 * len(y)))
