"""scikit-learn's own estimator checks, run on DecisionTree."""

import numpy as np
import pytest
import sklearn.exceptions
from sklearn.utils.estimator_checks import parametrize_with_checks

from tree import DecisionTree, DecisionTreeRegressor, NotFittedError, export_text

# Every check is expected to pass; a check that fails must be listed here with its reason.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [
        DecisionTree(random_state=0),
        DecisionTree(splitter="hist", random_state=0),
        DecisionTreeRegressor(splitter="hist", random_state=0),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("call", ["predict", "apply", "export"])
def test_unfitted_error_is_caught_as_either_class(call):
    model = DecisionTree()
    X = np.zeros((2, 1))
    run = {"predict": lambda: model.predict(X), "apply": lambda: model.apply(X)}
    run["export"] = lambda: export_text(model)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        run[call]()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        run[call]()
