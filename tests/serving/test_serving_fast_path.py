"""The pandas-free scoring path reproduces the fitted pipeline exactly."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serving_support import CATEGORICAL, NUMERIC, adult_features, build_pipeline, json_rows

from pipeline.serving.errors import SchemaError
from pipeline.serving.fast_path import build_fast_transform
from pipeline.serving.model_loader import LoadedModel
from pipeline.serving.signature import ColumnSpec, Signature


def signature_of(frame):
    kinds = {"i": "long", "f": "double"}
    return Signature([ColumnSpec(c, kinds.get(frame[c].dtype.kind, "string")) for c in frame])


@pytest.fixture(scope="module")
def data():
    X, y = adult_features(6000)
    X_test = X.iloc[3000:].reset_index(drop=True).copy()
    rng = np.random.default_rng(0)
    # missing values everywhere and categories never seen in training
    for column in X_test:
        holes = rng.random(len(X_test)) < 0.05
        X_test.loc[holes, column] = np.nan
    X_test.loc[rng.random(len(X_test)) < 0.05, "occupation"] = "Astronaut"
    return X.iloc[:3000], y.iloc[:3000], X_test


def columns_of(frame, signature):
    return signature.validate_columns(dict(zip(frame.columns, map(list, zip(*json_rows(frame))))))


@pytest.mark.parametrize(
    "options",
    [
        {"scaler": "minmax"},
        {"scaler": "standard"},
        {"scaler": None},
        {"encoder": "ordinal"},
        {"impute_categories": False, "scaler": None},
        {"impute_categories": False, "encoder": "ordinal"},
        {"drop": "first"},
        {"drop": "if_binary", "scaler": "standard"},
    ],
)
def test_fast_transform_equals_the_pipeline_transform(data, options):
    X, y, X_test = data
    model = build_pipeline(**options).fit(X, y)
    signature = signature_of(X)
    fast = build_fast_transform(model, signature)
    assert fast is not None
    expected = model.steps[0][1].transform(X_test)
    got = fast.transform(columns_of(X_test, signature))
    np.testing.assert_array_equal(got, np.asarray(expected, dtype=np.float64))

    loaded = LoadedModel(model, signature)
    predictions, probabilities = loaded.predict_columns(columns_of(X_test, signature), True)
    np.testing.assert_array_equal(predictions, model.predict(X_test))
    np.testing.assert_array_equal(probabilities, model.predict_proba(X_test))


@pytest.mark.filterwarnings("ignore:Found unknown categories:UserWarning")
def test_fast_transform_equals_scikit_learn_pipeline(data):
    """Duck typing: scikit-learn's fitted transformers are read the same way."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    X, y, X_test = data
    X_test = X_test.copy()
    for column in CATEGORICAL:  # scikit-learn's imputer wants None-free object columns
        X_test[column] = X_test[column].astype(object).where(X_test[column].notna(), np.nan)
    numeric = Pipeline([("i", SimpleImputer(strategy="mean")), ("s", StandardScaler())])
    categorical = Pipeline(
        [
            ("i", SimpleImputer(strategy="most_frequent")),
            ("o", OneHotEncoder(handle_unknown="ignore", drop="if_binary")),
        ]
    )
    model = Pipeline(
        [
            ("pre", ColumnTransformer([("n", numeric, NUMERIC), ("c", categorical, CATEGORICAL)])),
            ("tree", DecisionTreeClassifier(max_depth=8, random_state=0)),
        ]
    ).fit(X.astype({c: object for c in CATEGORICAL}), y)
    signature = signature_of(X)
    fast = build_fast_transform(model, signature)
    assert fast is not None
    expected = model[:-1].transform(X_test)
    expected = expected.toarray() if hasattr(expected, "toarray") else expected
    np.testing.assert_allclose(
        fast.transform(columns_of(X_test, signature)), expected, rtol=0, atol=0
    )


def test_unknown_category_with_handle_unknown_error_is_a_schema_error(data):
    X, y, X_test = data
    model = build_pipeline(handle_unknown="error").fit(X, y)
    loaded = LoadedModel(model, signature_of(X))
    row = columns_of(X.head(1), loaded.signature)
    row["occupation"] = ["Astronaut"]
    with pytest.raises(SchemaError, match="Astronaut"):
        loaded.predict_columns(row)


def test_unsupported_pipelines_fall_back_to_pandas(data):
    from pipeline import Pipeline
    from pipeline.preprocessing import FunctionTransformer

    X, y, _ = data
    X = X[NUMERIC]
    model = Pipeline(
        [("f", FunctionTransformer(np.log1p)), ("t", build_pipeline().steps[-1][1])]
    ).fit(X, y)
    loaded = LoadedModel(model, signature_of(X))
    assert loaded.fast_transform is None
    predictions, _ = loaded.predict_columns(columns_of(X.head(50), loaded.signature))
    np.testing.assert_array_equal(predictions, model.predict(X.head(50)))


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _ = data
    model = build_pipeline().fit(X, y)
    return model, LoadedModel(model, signature_of(X)), X


_TEXT = st.one_of(
    st.none(), st.sampled_from(["Private", "Sales", "Male", "zzz", "", "United-States"])
)


@settings(max_examples=25)
@given(data=st.data())
def test_fast_path_matches_model_predict_on_arbitrary_rows(fitted, data):
    model, loaded, X = fitted
    n = data.draw(st.integers(1, 8))
    rows = {}
    for spec in loaded.signature.columns:
        if spec.is_numeric:
            values = st.one_of(st.none(), st.integers(-(10**6), 10**6))
        else:
            values = st.one_of(_TEXT, st.sampled_from(sorted(X[spec.name].dropna().unique())))
        rows[spec.name] = data.draw(st.lists(values, min_size=n, max_size=n))
    columns = loaded.signature.validate_columns(rows)
    assert loaded.fast_transform is not None
    predictions, probabilities = loaded.predict_columns(columns, proba=True)
    frame = loaded.signature.pandas_frame(columns)
    np.testing.assert_array_equal(predictions, model.predict(frame))
    np.testing.assert_array_equal(probabilities, model.predict_proba(frame))
    assert isinstance(frame, pd.DataFrame)


def test_missing_value_without_an_imputer_matches_the_model(data):
    """A numeric column passed through without an imputer: null reaches the tree as NaN. The
    fast path answers as the model does: the same predictions, or a 422 where it refuses."""
    from pipeline import ColumnTransformer, Pipeline
    from pipeline.preprocessing import OneHotEncoder

    X, y, _ = data
    pre = ColumnTransformer(
        [
            ("numeric", "passthrough", NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    model = Pipeline([("pre", pre), ("tree", build_pipeline().steps[-1][1])])
    model.fit(X.fillna("?"), y)
    loaded = LoadedModel(model, signature_of(X))
    assert loaded.fast_transform is not None
    for n_rows in (1, 20):  # the row path and the column path
        columns = columns_of(X.head(n_rows).fillna("?"), loaded.signature)
        columns["age"] = [None] * n_rows
        frame = loaded.signature.pandas_frame(columns)
        try:
            expected = model.predict(frame)
        except ValueError:
            with pytest.raises(SchemaError, match="could not score"):
                loaded.predict_columns(columns)
        else:
            np.testing.assert_array_equal(loaded.predict_columns(columns)[0], expected)
