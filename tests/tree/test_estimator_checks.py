"""scikit-learn's own estimator checks, run on DecisionTree."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from tree import DecisionTree

# Every check is expected to pass; a check that fails must be listed here with its reason.
EXPECTED_FAILED_CHECKS = {
    "check_estimators_unfitted": (
        "raises tree.NotFittedError (a ValueError and AttributeError, like sklearn's), which "
        "cannot subclass sklearn's class because tree must not import scikit-learn"
    ),
}


@parametrize_with_checks(
    [DecisionTree(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
