"""Duck typing both ways: scikit-learn's checks on our pieces, our tree inside its pipelines."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone as sk_clone
from sklearn.compose import ColumnTransformer as SkColumnTransformer
from sklearn.impute import SimpleImputer as SkSimpleImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import OneHotEncoder as SkOneHotEncoder
from sklearn.utils.estimator_checks import parametrize_with_checks

from pipeline import ColumnTransformer, FeatureUnion, Pipeline, make_column_selector, make_pipeline
from pipeline.datasets import ADULT_TARGET, load_adult
from pipeline.preprocessing import (
    ColumnSelector,
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    SimpleImputer,
    StandardScaler,
)

IN_PLACE = (
    "fits its steps in place (scikit-learn's Pipeline does too), so the step objects held in "
    "the parameters change during fit"
)
EXPECTED_FAILURES = {
    "Pipeline": {"check_estimators_overwrite_params": IN_PLACE},
    "FeatureUnion": {
        "check_estimators_overwrite_params": "fits the transformers of transformer_list in place "
        "(scikit-learn's FeatureUnion also stores its fitted transformers there)"
    },
}

ESTIMATORS = [
    SimpleImputer(),
    SimpleImputer(strategy="most_frequent"),
    OneHotEncoder(handle_unknown="ignore"),
    OrdinalEncoder(),
    StandardScaler(),
    MinMaxScaler(),
    FunctionTransformer(),
    ColumnSelector([0]),
    make_pipeline(SimpleImputer(), StandardScaler()),
    FeatureUnion([("std", StandardScaler()), ("mm", MinMaxScaler())]),
    ColumnTransformer([("std", StandardScaler(), [0, 1])], remainder="passthrough"),
]


with warnings.catch_warnings():
    # by design ours do not inherit from sklearn.base.BaseEstimator (duck typing)
    warnings.filterwarnings("ignore", "Estimator .* does not inherit", UserWarning)
    sklearn_checks = parametrize_with_checks(
        ESTIMATORS,
        expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
    )


@sklearn_checks
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def adult_sample():
    df = load_adult().sample(1500, random_state=0)
    return df.drop(columns=[ADULT_TARGET]), (df[ADULT_TARGET] == ">50K").astype(int).to_numpy()


def decision_tree():
    tree = pytest.importorskip("tree")
    if not hasattr(tree, "DecisionTree"):
        pytest.skip("tree.DecisionTree does not exist yet")
    return tree.DecisionTree


def test_our_tree_inside_sklearn_pipeline_and_grid_search(adult_sample):
    DecisionTree = decision_tree()
    X, y = adult_sample
    pre = SkColumnTransformer(
        [
            (
                "cat",
                SkPipeline(
                    [
                        ("imp", SkSimpleImputer(strategy="most_frequent")),
                        ("ohe", SkOneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                make_column_selector(dtype_exclude="number"),
            ),
            ("num", "passthrough", make_column_selector(dtype_include="number")),
        ]
    )
    pipe = SkPipeline([("pre", pre), ("model", DecisionTree(random_state=0))])
    search = GridSearchCV(
        pipe,
        {"model__max_depth": [2, 4], "model__criterion": ["gini", "entropy"]},
        cv=3,
        scoring="roc_auc",
    ).fit(X, y)
    assert set(search.best_params_) == {"model__max_depth", "model__criterion"}
    assert search.cv_results_["mean_test_score"].shape == (4,)
    best = search.best_estimator_
    alone = DecisionTree(
        random_state=0, **{k.split("__")[1]: v for k, v in search.best_params_.items()}
    )
    alone.fit(best[:-1].transform(X), y)
    np.testing.assert_array_equal(
        best.predict_proba(X), alone.predict_proba(best[:-1].transform(X))
    )
    assert sk_clone(best).get_params()["model__random_state"] == 0


def test_our_pipeline_with_our_tree_inside_sklearn_grid_search(adult_sample):
    DecisionTree = decision_tree()
    X, y = adult_sample
    pre = ColumnTransformer(
        [
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
                ),
                make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler()),
                make_column_selector(dtype_include="number"),
            ),
        ]
    )
    pipe = Pipeline([("pre", pre), ("model", DecisionTree(random_state=0))])
    search = GridSearchCV(
        pipe,
        {"model__max_depth": [3, 5], "pre__cat__onehotencoder__min_frequency": [None, 10]},
        cv=3,
        scoring="accuracy",
    ).fit(X, y)
    assert search.best_score_ > 0.75
    assert isinstance(search.best_estimator_, Pipeline)
    assert search.best_estimator_.predict(X).shape == y.shape


def test_our_transformers_inside_sklearns_column_transformer(adult_sample):
    X, _ = adult_sample
    ours_inside = SkColumnTransformer(
        [
            (
                "cat",
                SkPipeline(
                    [
                        ("imp", SimpleImputer(strategy="most_frequent")),
                        ("ohe", OneHotEncoder(min_frequency=20)),
                    ]
                ),
                make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                SkPipeline([("imp", SimpleImputer(strategy="median")), ("mm", MinMaxScaler())]),
                make_column_selector(dtype_include="number"),
            ),
        ]
    )
    ours_alone = ColumnTransformer(
        [
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"), OneHotEncoder(min_frequency=20)
                ),
                make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler()),
                make_column_selector(dtype_include="number"),
            ),
        ]
    )
    np.testing.assert_array_equal(ours_inside.fit_transform(X), ours_alone.fit_transform(X))
    np.testing.assert_array_equal(
        ours_inside.get_feature_names_out(), ours_alone.get_feature_names_out()
    )
