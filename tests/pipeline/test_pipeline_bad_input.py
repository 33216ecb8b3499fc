"""Bad input gets a clear exception naming the step and the column."""

import numpy as np
import pandas as pd
import pytest

from pipeline import ColumnTransformer, NotFittedError, Pipeline, make_pipeline
from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer, StandardScaler


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "city": pd.Series(["north", "south", "north", np.nan], dtype="str"),
            "size": [50.0, np.nan, 70.0, 65.0],
            "rooms": [1, 2, 3, 2],
        }
    )


def course_like():
    pre = ColumnTransformer(
        [
            (
                "cat",
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()),
                ["city"],
            ),
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler()),
                ["size", "rooms"],
            ),
        ]
    )
    return Pipeline([("pre", pre), ("scale", StandardScaler())])


def test_unknown_category_names_step_transformer_and_column(frame):
    model = course_like().fit(frame)
    bad = frame.assign(city=["north", "mars", "south", "north"])
    with pytest.raises(ValueError) as info:
        model.transform(bad)
    message = str(info.value)
    for part in (
        "Pipeline step 'pre'",
        "transformer 'cat'",
        "on columns ['city']",
        "['mars']",
        "step 'onehotencoder'",
        "handle_unknown='ignore'",
    ):
        assert part in message, message


def test_unknown_category_names_the_column_when_the_encoder_sees_the_frame(frame):
    model = make_pipeline(OneHotEncoder()).fit(frame[["city"]].fillna("none"))
    with pytest.raises(ValueError, match=r"\['mars'\] in column 'city'"):
        model.transform(pd.DataFrame({"city": ["mars"]}))


def test_missing_column_at_transform_names_it_and_its_transformer(frame):
    model = course_like().fit(frame)
    with pytest.raises(ValueError, match=r"missing from X: \['rooms'\] \(used by 'num'\)"):
        model.transform(frame.drop(columns="rooms"))


def test_reordered_columns_are_fine_for_a_column_transformer_and_explained_otherwise(frame):
    model = course_like().fit(frame)
    np.testing.assert_array_equal(
        model.transform(frame[["rooms", "city", "size"]]), model.transform(frame)
    )
    plain = make_pipeline(StandardScaler()).fit(frame[["size", "rooms"]])
    with pytest.raises(ValueError, match="different order.*Reorder them"):
        plain.transform(frame[["rooms", "size"]])
    with pytest.raises(ValueError, match=r"missing column\(s\) \['rooms'\]"):
        plain.transform(frame[["size"]])
    with pytest.raises(ValueError, match=r"column\(s\) \['city'\] that were not seen"):
        plain.transform(frame[["size", "rooms", "city"]])
    with pytest.raises(ValueError, match="X has 1 features, but StandardScaler is expecting 2"):
        plain.transform(np.ones((2, 1)))


def test_all_missing_column_names_the_step_and_column(frame):
    empty = frame.assign(size=np.nan)
    with pytest.raises(ValueError) as info:
        course_like().fit(empty)
    message = str(info.value)
    for part in ("Pipeline step 'pre'", "transformer 'num'", "column 'size'", "all values are"):
        assert part in message, message


def test_unfitted_step_and_step_without_fit(frame):
    with pytest.raises(NotFittedError, match="step 'pre' \\(ColumnTransformer\\) is not fitted"):
        course_like().transform(frame)

    class NoFit:
        def transform(self, X):
            return X

    with pytest.raises(TypeError, match="step 'nofit'.*must implement fit and transform"):
        Pipeline([("nofit", NoFit()), ("scale", StandardScaler())]).fit(frame)
    with pytest.raises(TypeError, match="last step 'end'.*has no fit method"):
        Pipeline([("scale", StandardScaler()), ("end", object())]).fit(frame)
    with pytest.raises(TypeError, match="transformer 'x'.*must implement fit and transform"):
        ColumnTransformer([("x", NoFit(), ["size"])]).fit(frame)


def test_text_in_a_numeric_step_names_the_column(frame):
    with pytest.raises(ValueError, match="Pipeline step 'minmaxscaler'.*column 'city'"):
        make_pipeline(MinMaxScaler()).fit(frame)


def test_shapes_and_empty_input():
    with pytest.raises(ValueError, match="Reshape your data"):
        StandardScaler().fit(np.ones(3))
    with pytest.raises(ValueError, match="0 sample"):
        OneHotEncoder().fit(np.empty((0, 2)))
    with pytest.raises(TypeError, match="sparse"):
        StandardScaler().fit(__import__("scipy.sparse").sparse.csr_matrix(np.eye(2)))
    with pytest.raises(ValueError, match="pandas Series"):
        SimpleImputer().fit(pd.Series([1.0, 2.0]))


def test_step_names_are_validated():
    with pytest.raises(ValueError, match="unique"):
        Pipeline([("a", StandardScaler()), ("a", MinMaxScaler())]).fit(np.ones((2, 1)))
    with pytest.raises(ValueError, match="must not contain '__'"):
        Pipeline([("a__b", StandardScaler())]).fit(np.ones((2, 1)))
    with pytest.raises(ValueError, match="only strings allowed"):
        ColumnTransformer([("x", "keep", [0])]).fit(np.ones((2, 1)))
