"""Model selection: data splits, cross-validation and grid search.

Randomness comes from ``numpy.random.default_rng(random_state)``: an int seed always gives the
same split (not the same permutation as scikit-learn, whose sizes and rules are followed).
"""

from pipeline.model_selection._scoring import (
    Scorer,
    check_scoring,
    get_scorer,
    get_scorer_names,
)
from pipeline.model_selection._search import GridSearchCV, ParameterGrid
from pipeline.model_selection._split import (
    KFold,
    StratifiedKFold,
    check_cv,
    train_test_split,
)
from pipeline.model_selection._utils import InvalidParameterError
from pipeline.model_selection._validation import (
    FitFailedWarning,
    cross_val_score,
    cross_validate,
)

__all__ = [
    "FitFailedWarning",
    "GridSearchCV",
    "InvalidParameterError",
    "KFold",
    "ParameterGrid",
    "Scorer",
    "StratifiedKFold",
    "check_cv",
    "check_scoring",
    "cross_val_score",
    "cross_validate",
    "get_scorer",
    "get_scorer_names",
    "train_test_split",
]
