"""The course's inference pipeline, built from our pieces alone, against scikit-learn's."""

import numpy as np
import pytest
import sklearn.compose
import sklearn.impute
import sklearn.pipeline
import sklearn.preprocessing
from sklearn.metrics import accuracy_score, roc_auc_score

from pipeline import ColumnTransformer, Pipeline, make_column_selector, make_pipeline
from pipeline.datasets import ADULT_TARGET, load_adult
from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer

tree = pytest.importorskip("tree")
if not hasattr(tree, "DecisionTree"):
    pytest.skip("tree.DecisionTree does not exist yet", allow_module_level=True)


def split(X, y):
    try:
        from pipeline.model_selection import train_test_split
    except ImportError:  # helper D's module is not there yet
        from sklearn.model_selection import train_test_split
    return train_test_split(X, y, test_size=0.3, random_state=42, stratify=y)


def our_pipeline():
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
    return Pipeline(
        [
            ("preprocessing", pre),
            ("model", tree.DecisionTree(criterion="entropy", max_depth=13, random_state=42)),
        ]
    )


def sklearn_pipeline():
    from sklearn.tree import DecisionTreeClassifier

    pre = sklearn.compose.ColumnTransformer(
        [
            (
                "cat",
                sklearn.pipeline.make_pipeline(
                    sklearn.impute.SimpleImputer(strategy="most_frequent"),
                    sklearn.preprocessing.OneHotEncoder(handle_unknown="ignore"),
                ),
                sklearn.compose.make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                sklearn.pipeline.make_pipeline(
                    sklearn.impute.SimpleImputer(strategy="median"),
                    sklearn.preprocessing.MinMaxScaler(),
                ),
                sklearn.compose.make_column_selector(dtype_include="number"),
            ),
        ]
    )
    return sklearn.pipeline.Pipeline(
        [
            ("preprocessing", pre),
            ("model", DecisionTreeClassifier(criterion="entropy", max_depth=13, random_state=42)),
        ]
    )


@pytest.mark.slow
def test_course_pipeline_reaches_sklearns_accuracy_and_auc():
    df = load_adult()
    X, y = df.drop(columns=[ADULT_TARGET]), df[ADULT_TARGET]
    X_train, X_test, y_train, y_test = split(X, y)
    ours = our_pipeline().fit(X_train, y_train)
    theirs = sklearn_pipeline().fit(X_train, y_train)
    np.testing.assert_array_equal(
        ours["preprocessing"].get_feature_names_out(),
        theirs["preprocessing"].get_feature_names_out(),
    )
    positive = ">50K"
    col = list(ours.classes_).index(positive)
    our_acc = accuracy_score(y_test, ours.predict(X_test))
    their_acc = accuracy_score(y_test, theirs.predict(X_test))
    our_auc = roc_auc_score(y_test == positive, ours.predict_proba(X_test)[:, col])
    their_auc = roc_auc_score(
        y_test == positive, theirs.predict_proba(X_test)[:, list(theirs.classes_).index(positive)]
    )
    assert our_acc >= their_acc - 0.005, (our_acc, their_acc)
    assert our_auc >= their_auc - 0.005, (our_auc, their_auc)
    assert our_acc > 0.8 and our_auc > 0.8
