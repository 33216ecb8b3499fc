"""Real data: scikit-learn's shipped datasets and the bundled Adult data (one-hot encoded).

Both trees are walked from the root while scikit-learn's best split is unique (brute force):
there they must agree exactly. Where the whole tree is untied, predictions must be equal;
otherwise the test accuracies may differ only by what the tied subtrees explain.
"""

import numpy as np
import pandas as pd
import pytest
from cart_reference import compare_untied, tree_is_untied
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.tree import DecisionTreeClassifier

from pipeline.datasets import ADULT_TARGET, load_adult
from tree import DecisionTree

LOADERS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}


def _split(X, y, seed=0):
    idx = np.random.RandomState(seed).permutation(len(y))
    cut = int(0.7 * len(y))
    return X[idx[:cut]], y[idx[:cut]], X[idx[cut:]], y[idx[cut:]]


def _check(X, y, params):
    X = np.asarray(X, dtype=np.float32)
    Xtr, ytr, Xte, yte = _split(X, y)
    ours = DecisionTree(**params).fit(Xtr, ytr)
    theirs = DecisionTreeClassifier(random_state=0, **params).fit(Xtr, ytr)
    k = len(np.unique(ytr))
    criterion = params.get("criterion", "gini")
    y_enc = np.searchsorted(np.unique(ytr), ytr)
    w = np.ones(len(ytr))
    msl = params.get("min_samples_leaf", 1)
    compared = compare_untied(ours.tree_, theirs.tree_, Xtr, y_enc, w, k, criterion, msl)
    assert compared >= 1
    if tree_is_untied(theirs.tree_, Xtr, y_enc, w, k, criterion, msl):
        np.testing.assert_array_equal(ours.predict(Xte), theirs.predict(Xte))
        np.testing.assert_array_equal(ours.predict_proba(Xte), theirs.predict_proba(Xte))
        assert ours.tree_.node_count == theirs.tree_.node_count
    else:
        # differences can only come from tied subtrees: the share of test rows that reach a
        # node below a tie bounds the accuracy difference
        acc_ours = np.mean(ours.predict(Xte) == yte)
        acc_theirs = np.mean(theirs.predict(Xte) == yte)
        differ = np.mean(ours.predict(Xte) != theirs.predict(Xte))
        assert abs(acc_ours - acc_theirs) <= differ
        assert differ <= 0.25
    # training data is fitted as well as scikit-learn fits it
    assert np.mean(ours.predict(Xtr) == ytr) == pytest.approx(np.mean(theirs.predict(Xtr) == ytr))


@pytest.mark.parametrize("name", list(LOADERS))
@pytest.mark.parametrize(
    "params",
    [{}, {"criterion": "entropy", "max_depth": 4}, {"min_samples_leaf": 5}],
    ids=["gini-full", "entropy-depth4", "gini-leaf5"],
)
def test_shipped_datasets(name, params):
    X, y = LOADERS[name](return_X_y=True)
    _check(X, y, params)


@pytest.fixture(scope="module")
def adult_onehot():
    df = load_adult().dropna().iloc[:8000]
    y = (df[ADULT_TARGET] == ">50K").to_numpy()
    X = pd.get_dummies(df.drop(columns=[ADULT_TARGET]), dtype=np.float32)
    return X, y


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_adult_one_hot(adult_onehot, criterion):
    X, y = adult_onehot
    _check(X.to_numpy(), y, {"criterion": criterion, "max_depth": 6})


def test_adult_dataframe_keeps_feature_names(adult_onehot):
    X, y = adult_onehot
    model = DecisionTree(max_depth=3).fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, np.asarray(X.columns, dtype=object))
    assert model.predict(X.iloc[:5]).dtype == bool
    assert model.score(X, y) > 0.8
