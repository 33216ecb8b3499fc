"""Bad input raises scikit-learn's exception types with messages that name the problem."""

import numpy as np
import pandas as pd
import pytest

from tree import DecisionTree, NotFittedError
from tree._checks import InvalidParameterError

X = np.arange(40, dtype=float).reshape(20, 2)
y = np.array([0, 1] * 10)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.inf, "Input X contains infinity"),
        (-np.inf, "Input X contains infinity"),
        (1e300, "too large for dtype\\('float32'\\)"),
    ],
)
def test_non_finite_X(bad, message):
    Xb = X.copy()
    Xb[3, 1] = bad
    with pytest.raises(ValueError, match=message):
        DecisionTree().fit(Xb, y)
    model = DecisionTree().fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.predict(Xb)


def test_shapes():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DecisionTree().fit(X, y[:-1])
    with pytest.raises(ValueError, match="0 sample"):
        DecisionTree().fit(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError, match="0 feature"):
        DecisionTree().fit(np.empty((5, 0)), np.zeros(5))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        DecisionTree().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="Expected 2D array"):
        DecisionTree().fit(X, y).predict(X[0])
    with pytest.raises(ValueError, match="dim 3"):
        DecisionTree().fit(X.reshape(20, 2, 1), y)
    with pytest.raises(ValueError, match="single output"):
        DecisionTree().fit(X, np.c_[y, y])


def test_wrong_number_of_features_at_predict():
    model = DecisionTree().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but DecisionTree is expecting 2"):
        model.predict(np.zeros((2, 3)))


def test_non_numeric_columns():
    df = pd.DataFrame({"a": np.arange(20.0), "city": ["x", "y"] * 10})
    with pytest.raises(ValueError, match="not numeric: 'city'"):
        DecisionTree().fit(df, y)
    with pytest.raises(ValueError, match="could not be converted to float"):
        DecisionTree().fit([["a", "b"]] * 20, y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        DecisionTree().fit(X + 1j, y)


def test_feature_names_at_predict():
    df = pd.DataFrame(X, columns=["a", "b"])
    model = DecisionTree().fit(df, y)
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- c"):
        model.predict(df.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match="same order"):
        model.predict(df[["b", "a"]])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X)
    with pytest.warns(UserWarning, match="X has feature names, but DecisionTree was fitted"):
        DecisionTree().fit(X, y).predict(df)
    with pytest.raises(TypeError, match="only supported if all input features have string"):
        DecisionTree().fit(pd.DataFrame({"a": X[:, 0], 1: X[:, 1]}), y)


def test_bad_targets():
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        DecisionTree().fit(X, np.linspace(0, 1, 20))
    with pytest.raises(ValueError, match="y contains NaN"):
        DecisionTree().fit(X, np.r_[np.nan, np.zeros(19)])
    with pytest.raises(ValueError, match="requires y to be passed"):
        DecisionTree().fit(X, None)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="sample_weight.shape"):
        DecisionTree().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        DecisionTree().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="All sample weights are zero"):
        DecisionTree().fit(X, y, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="NaN"):
        DecisionTree().fit(X, y, sample_weight=np.r_[np.nan, np.ones(19)])


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "apply", "decision_path"]
)
def test_unfitted(method):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(DecisionTree(), method)(X)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    for call in (DecisionTree().get_depth, DecisionTree().get_n_leaves):
        with pytest.raises(NotFittedError):
            call()
    assert not hasattr(DecisionTree(), "feature_importances_")


@pytest.mark.parametrize(
    "params",
    [
        {"criterion": "mse"},
        {"splitter": "worst"},
        {"max_depth": 0},
        {"max_depth": 2.5},
        {"min_samples_split": 1},
        {"min_samples_split": 1.5},
        {"min_samples_leaf": 0},
        {"min_samples_leaf": 1.0},
        {"min_weight_fraction_leaf": 0.6},
        {"max_features": 0},
        {"max_features": "auto"},
        {"max_features": 1.5},
        {"random_state": "seed"},
        {"max_leaf_nodes": 1},
        {"min_impurity_decrease": -1.0},
        {"class_weight": "even"},
        {"ccp_alpha": -0.1},
        {"max_depth": True},
    ],
)
def test_invalid_hyperparameters(params):
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of DecisionTree"):
        DecisionTree(**params).fit(X, y)
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


def test_values_checked_against_data():
    with pytest.raises(ValueError, match="max_features must be in"):
        DecisionTree(max_features=5).fit(X, y)
    with pytest.raises(ValueError, match=r"The classes, \[7\], are not in class_weight"):
        DecisionTree(class_weight={7: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter 'depth'"):
        DecisionTree().set_params(depth=3)


def test_sparse_input_is_refused():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="Sparse data"):
        DecisionTree().fit(scipy_sparse.csr_matrix(X), y)
