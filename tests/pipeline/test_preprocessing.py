"""Every transformer of ``pipeline.preprocessing`` against scikit-learn's on the same input."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.impute
import sklearn.preprocessing as skp
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import NotFittedError
from pipeline.preprocessing import (
    ColumnSelector,
    FunctionTransformer,
    LabelEncoder,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    SimpleImputer,
    StandardScaler,
)

TEXT = ["b", "a", "c", "a", np.nan, "b", "a", "d", "a", "b", "c", np.nan]


def frame(text_dtype="str", marker=np.nan):
    """A small mixed frame; the text column in the given dtype with the given missing marker."""
    text = pd.Series([marker if v is np.nan else v for v in TEXT], dtype=object)
    if text_dtype != "object":
        text = text.astype(text_dtype)
    return pd.DataFrame(
        {
            "city": text,
            "size": [1.5, np.nan, 2.0, 3.5, 1.0, 2.0, np.nan, 7.0, 2.0, 1.0, 0.5, 2.0],
            "rooms": [1, 2, 3, 2, 2, 4, 1, 2, 3, 3, 2, 1],
        }
    )


def sklearn_frame():
    """The reference input for scikit-learn: object text with NaN as the missing marker."""
    return frame("object", np.nan)


def same_categories(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            assert (x == y) or (pd.isna(x) and pd.isna(y)), (a, b)


# --------------------------------------------------------------------------- dtypes / markers
@pytest.mark.parametrize("text_dtype", ["str", "object", "category"])
@pytest.mark.parametrize("marker", [np.nan, None, pd.NA])
def test_text_dtypes_and_missing_markers_give_the_same_results(text_dtype, marker):
    X = frame(text_dtype, marker)
    ref = sklearn_frame()
    imp = SimpleImputer(strategy="most_frequent").fit(X)
    sk_imp = sklearn.impute.SimpleImputer(strategy="most_frequent").fit(ref)
    np.testing.assert_array_equal(imp.transform(X), sk_imp.transform(ref))
    ohe = OneHotEncoder().fit(X[["city"]])
    sk_ohe = skp.OneHotEncoder(sparse_output=False).fit(ref[["city"]])
    np.testing.assert_array_equal(ohe.transform(X[["city"]]), sk_ohe.transform(ref[["city"]]))
    np.testing.assert_array_equal(ohe.get_feature_names_out(), sk_ohe.get_feature_names_out())
    same_categories(ohe.categories_, sk_ohe.categories_)
    oe = OrdinalEncoder().fit(X[["city"]])
    sk_oe = skp.OrdinalEncoder().fit(ref[["city"]])
    np.testing.assert_array_equal(oe.transform(X[["city"]]), sk_oe.transform(ref[["city"]]))


# --------------------------------------------------------------------------- SimpleImputer
@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_simple_imputer_numeric_matches_sklearn(strategy):
    X = sklearn_frame()[["size", "rooms"]]
    ours = SimpleImputer(strategy=strategy).fit(X)
    theirs = sklearn.impute.SimpleImputer(strategy=strategy).fit(X)
    # sklearn keeps a "constant" fill value in an object array; the values are what count
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_.astype(float))
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


@pytest.mark.parametrize("fill_value", [None, "unknown"])
def test_simple_imputer_text_constant_and_mixed_frame(fill_value):
    X = sklearn_frame()
    ours = SimpleImputer(strategy="constant", fill_value=fill_value).fit(X[["city"]])
    theirs = sklearn.impute.SimpleImputer(strategy="constant", fill_value=fill_value)
    theirs.fit(X[["city"]])
    np.testing.assert_array_equal(ours.transform(X[["city"]]), theirs.transform(X[["city"]]))
    mixed = SimpleImputer(strategy="most_frequent").fit_transform(X)
    ref = sklearn.impute.SimpleImputer(strategy="most_frequent").fit_transform(X)
    assert mixed.dtype == object
    np.testing.assert_array_equal(mixed, ref)


def test_simple_imputer_other_missing_value_and_ties():
    X = np.array([[1.0, -1.0], [-1.0, 2.0], [3.0, 2.0], [3.0, -1.0], [1.0, 5.0]])
    for strategy in ("mean", "most_frequent"):
        ours = SimpleImputer(missing_values=-1.0, strategy=strategy).fit(X)
        theirs = sklearn.impute.SimpleImputer(missing_values=-1.0, strategy=strategy).fit(X)
        np.testing.assert_allclose(ours.statistics_, theirs.statistics_)
        np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    text = np.array([["z"], ["?"], ["y"], ["z"], ["y"]], dtype=object)
    ours = SimpleImputer(missing_values="?", strategy="most_frequent").fit(text)
    theirs = sklearn.impute.SimpleImputer(missing_values="?", strategy="most_frequent").fit(text)
    np.testing.assert_array_equal(ours.transform(text), theirs.transform(text))


def test_simple_imputer_all_missing_column_is_a_clear_error_or_filled_on_request():
    X = pd.DataFrame({"a": [1.0, 2.0], "empty": [np.nan, np.nan]})
    with pytest.raises(ValueError, match="column 'empty' has no observed value"):
        SimpleImputer().fit(X)
    ours = SimpleImputer(keep_empty_features=True).fit(X)
    theirs = sklearn.impute.SimpleImputer(keep_empty_features=True).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))


def test_simple_imputer_rejects_text_for_mean_and_text_after_numeric_fit():
    X = sklearn_frame()
    with pytest.raises(ValueError, match="'mean' strategy with non-numeric data in column 'city'"):
        SimpleImputer().fit(X)
    imp = SimpleImputer().fit(X[["size"]])
    with pytest.raises(ValueError, match="non-numeric"):
        imp.transform(X[["city"]].rename(columns={"city": "size"}))


# --------------------------------------------------------------------------- OneHotEncoder
OHE_CASES = [
    {},
    {"drop": "first"},
    {"drop": "if_binary"},
    {"drop": ["a", 2.0, 3]},
    {"min_frequency": 2},
    {"min_frequency": 0.2},
    {"max_categories": 3},
    {"min_frequency": 2, "max_categories": 2, "drop": "first"},
    {"handle_unknown": "infrequent_if_exist", "min_frequency": 3},
    {"handle_unknown": "ignore"},
    {
        "categories": [
            ["a", "b", "c", "d", np.nan],
            [0.5, 1.0, 1.5, 2.0, 3.5, 7.0, np.nan],
            [1, 2, 3, 4, 5],
        ]
    },
]


@pytest.mark.parametrize("params", OHE_CASES)
def test_one_hot_encoder_matches_sklearn(params):
    X = sklearn_frame()
    ours = OneHotEncoder(**params).fit(X)
    theirs = skp.OneHotEncoder(sparse_output=False, **params).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    same_categories(ours.categories_, theirs.categories_)
    if theirs.drop_idx_ is None:
        assert ours.drop_idx_ is None
    else:
        assert list(ours.drop_idx_) == list(theirs.drop_idx_)
    if "min_frequency" in params or "max_categories" in params:
        same_categories(
            [c if c is not None else [] for c in ours.infrequent_categories_],
            [c if c is not None else [] for c in theirs.infrequent_categories_],
        )
    decoded = ours.inverse_transform(ours.transform(X))
    if "min_frequency" not in params and "max_categories" not in params:
        expected = theirs.inverse_transform(theirs.transform(X))
        same_categories(decoded.T, expected.T)


@pytest.mark.parametrize("handle_unknown", ["ignore", "infrequent_if_exist"])
@pytest.mark.parametrize("drop", [None, "first"])
def test_one_hot_encoder_unknown_categories_match_sklearn(handle_unknown, drop):
    train = pd.DataFrame({"c": ["a", "a", "a", "b", "b", "b", "c", "d"]})
    test = pd.DataFrame({"c": ["a", "zz", "c", "b", "yy"]})
    kwargs = {"handle_unknown": handle_unknown, "drop": drop, "min_frequency": 2}
    ours = OneHotEncoder(**kwargs).fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = skp.OneHotEncoder(sparse_output=False, **kwargs).fit(train)
        expected = theirs.transform(test)
    np.testing.assert_array_equal(ours.transform(test), expected)


def test_one_hot_encoder_unknown_category_error_names_the_column():
    ours = OneHotEncoder().fit(pd.DataFrame({"color": ["red", "blue"]}))
    with pytest.raises(ValueError, match=r"unknown categories \['green'\] in column 'color'"):
        ours.transform(pd.DataFrame({"color": ["green"]}))
    with pytest.raises(ValueError, match="unknown categories"):
        OneHotEncoder(categories=[["red"]]).fit(pd.DataFrame({"color": ["red", "blue"]}))


def test_one_hot_encoder_parameter_errors():
    X = sklearn_frame()
    with pytest.raises(ValueError, match="sparse_output=False"):
        OneHotEncoder(sparse_output=True).fit(X)
    with pytest.raises(ValueError, match="handle_unknown"):
        OneHotEncoder(handle_unknown="warn-me").fit(X)
    with pytest.raises(ValueError, match="were not found in the training data"):
        OneHotEncoder(drop=["zzz", 2.0, 3]).fit(X)
    with pytest.raises(ValueError, match="because it is infrequent"):
        OneHotEncoder(drop=["d", 2.0, 3], min_frequency=2).fit(X)
    with pytest.raises(ValueError, match="unsorted categories"):
        OneHotEncoder(categories=[["a"], [2.0, 1.0], [1]], handle_unknown="ignore").fit(X)
    with pytest.raises(TypeError, match="uniformly strings or numbers"):
        OneHotEncoder().fit(np.array([["a"], [1]], dtype=object))


# --------------------------------------------------------------------------- OrdinalEncoder
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"handle_unknown": "use_encoded_value", "unknown_value": -1},
        {"handle_unknown": "use_encoded_value", "unknown_value": np.nan},
        {"encoded_missing_value": -2},
    ],
)
def test_ordinal_encoder_matches_sklearn(params):
    X = sklearn_frame()
    ours = OrdinalEncoder(**params).fit(X)
    theirs = skp.OrdinalEncoder(**params).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    same_categories(ours.categories_, theirs.categories_)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    same_categories(
        ours.inverse_transform(ours.transform(X)).T, theirs.inverse_transform(theirs.transform(X)).T
    )
    if params.get("handle_unknown"):
        test = X.head(2).assign(city=["new", "a"])
        np.testing.assert_array_equal(ours.transform(test), theirs.transform(test))


def test_ordinal_encoder_errors():
    X = pd.DataFrame({"c": ["a", "b"]})
    with pytest.raises(ValueError, match="already used for encoding"):
        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=1).fit(X)
    with pytest.raises(TypeError, match="unknown_value should be an integer or np.nan"):
        OrdinalEncoder(handle_unknown="use_encoded_value").fit(X)
    with pytest.raises(TypeError, match="only be set when"):
        OrdinalEncoder(unknown_value=-1).fit(X)
    with pytest.raises(ValueError, match="unknown categories \\['z'\\] in column 'c'"):
        OrdinalEncoder().fit(X).transform(pd.DataFrame({"c": ["z"]}))


# --------------------------------------------------------------------------- scalers
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (StandardScaler(), skp.StandardScaler()),
        (StandardScaler(with_mean=False), skp.StandardScaler(with_mean=False)),
        (StandardScaler(with_std=False), skp.StandardScaler(with_std=False)),
        (MinMaxScaler(), skp.MinMaxScaler()),
        (MinMaxScaler(feature_range=(-2, 3), clip=True), skp.MinMaxScaler((-2, 3), clip=True)),
    ],
)
def test_scalers_match_sklearn(ours, theirs):
    X = sklearn_frame()[["size", "rooms"]].assign(const=4.0)
    ours.fit(X)
    theirs.fit(X)
    test = X.assign(size=X["size"] * 3 - 2)
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), atol=1e-12)
    np.testing.assert_allclose(
        ours.inverse_transform(ours.transform(test)),
        theirs.inverse_transform(theirs.transform(test)),
        atol=1e-12,
    )
    for attr in ("mean_", "var_", "scale_", "min_", "data_min_", "data_range_"):
        if hasattr(theirs, attr):
            a, b = getattr(ours, attr), getattr(theirs, attr)
            if b is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_array_equal(ours.n_samples_seen_, theirs.n_samples_seen_)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


@given(
    st.lists(
        st.lists(
            st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)),
            min_size=3,
            max_size=3,
        ),
        min_size=2,
        max_size=30,
    )
)
@settings(max_examples=25)
def test_scalers_match_sklearn_on_random_data(rows):
    X = np.asarray(rows, dtype=float)
    for ours, theirs in (
        (StandardScaler(), skp.StandardScaler()),
        (MinMaxScaler(), skp.MinMaxScaler()),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = theirs.fit_transform(X)
        np.testing.assert_allclose(ours.fit_transform(X), expected, rtol=1e-9, atol=1e-9)


def test_scalers_reject_text_and_infinity_naming_the_column():
    with pytest.raises(ValueError, match="column 'city' has dtype"):
        StandardScaler().fit(sklearn_frame())
    with pytest.raises(ValueError, match="infinity in column 'b'"):
        MinMaxScaler().fit(pd.DataFrame({"a": [1.0, 2.0], "b": [np.inf, 1.0]}))
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range=(1, 0)).fit([[1.0], [2.0]])


# --------------------------------------------------------------------------- hypothesis: encoders
text_values = st.sampled_from(["a", "b", "c", "dd", None])


@given(
    st.lists(
        st.tuples(text_values, st.sampled_from([0.0, 1.5, 2.0, np.nan])), min_size=1, max_size=30
    ),
    st.sampled_from([None, "first", "if_binary"]),
    st.sampled_from([None, 2, 0.3]),
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from(["str", "object", "category"]),
)
@settings(max_examples=30)
def test_encoders_match_sklearn_on_random_frames(
    rows, drop, min_frequency, max_categories, text_dtype
):
    text = pd.Series([r[0] for r in rows], dtype=object)
    ref = pd.DataFrame({"t": text.where(text.notna(), np.nan), "n": [r[1] for r in rows]})
    ours_input = ref.assign(t=text.astype(text_dtype) if text_dtype != "object" else text)
    kwargs = {"drop": drop, "min_frequency": min_frequency, "max_categories": max_categories}
    try:
        theirs = skp.OneHotEncoder(sparse_output=False, **kwargs).fit(ref)
        expected = theirs.transform(ref)
    except ValueError:
        with pytest.raises(ValueError):
            OneHotEncoder(**kwargs).fit(ours_input).transform(ours_input)
        return
    ours = OneHotEncoder(**kwargs).fit(ours_input)
    np.testing.assert_array_equal(ours.transform(ours_input), expected)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    np.testing.assert_array_equal(
        OrdinalEncoder().fit_transform(ours_input), skp.OrdinalEncoder().fit_transform(ref)
    )


# --------------------------------------------------------------------------- FunctionTransformer
def scale(X, factor=1.0):
    return np.asarray(X, dtype=float) * factor


def double_names(transformer, input_features):
    return [f"{name}_x2" for name in input_features]


def test_function_transformer_matches_sklearn():
    X = sklearn_frame()[["size", "rooms"]]
    kwargs = {"func": np.log1p, "inverse_func": np.expm1, "feature_names_out": "one-to-one"}
    ours = FunctionTransformer(**kwargs).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn's inverse check trips on NaN
        theirs = skp.FunctionTransformer(**kwargs).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X)
    named = FunctionTransformer(scale, kw_args={"factor": 2}, feature_names_out=double_names)
    sk_named = skp.FunctionTransformer(scale, kw_args={"factor": 2}, feature_names_out=double_names)
    np.testing.assert_allclose(named.fit_transform(X), sk_named.fit_transform(X))
    np.testing.assert_array_equal(named.get_feature_names_out(), sk_named.get_feature_names_out())
    identity = FunctionTransformer()
    assert identity.transform(X) is X  # stateless: no fit needed, like sklearn
    assert not hasattr(FunctionTransformer(), "get_feature_names_out")
    with pytest.raises(AttributeError, match="get_feature_names_out"):
        FunctionTransformer().fit(X).get_feature_names_out()


def test_function_transformer_warns_when_functions_are_not_inverse():
    X = np.arange(1.0, 11.0).reshape(-1, 2)
    with pytest.warns(UserWarning, match="not strictly inverse"):
        FunctionTransformer(np.log1p, inverse_func=np.exp).fit(X)


# --------------------------------------------------------------------------- ColumnSelector
def test_column_selector_by_name_and_position():
    X = sklearn_frame()
    sel = ColumnSelector(["rooms", "city"]).fit(X)
    out = sel.transform(X)
    assert list(out.columns) == ["rooms", "city"]
    assert list(sel.get_feature_names_out()) == ["rooms", "city"]
    numbers = X[["size", "rooms"]].to_numpy()
    arr = ColumnSelector(1).fit(numbers).transform(numbers)
    np.testing.assert_array_equal(arr, numbers[:, [1]])
    with pytest.raises(ValueError, match="column 'price' is not in X"):
        ColumnSelector(["price"]).fit(X)
    with pytest.raises(ValueError, match="missing column"):
        sel.transform(X.drop(columns="rooms"))
    with pytest.raises(NotFittedError):
        ColumnSelector("city").transform(X)


# --------------------------------------------------------------------------- LabelEncoder
@pytest.mark.parametrize(
    "y",
    [
        ["b", "a", "c", "a"],
        [3, 1, 2, 3],
        pd.Series(["x", "y", "x"], dtype="str"),
        pd.Series(["x", "y", "x"], dtype="category"),
    ],
)
def test_label_encoder_matches_sklearn(y):
    ours = LabelEncoder().fit(y)
    theirs = skp.LabelEncoder().fit(np.asarray(y, dtype=object) if isinstance(y, pd.Series) else y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.transform(y), theirs.transform(np.asarray(y)))
    np.testing.assert_array_equal(ours.inverse_transform([0, 1]), theirs.inverse_transform([0, 1]))
    np.testing.assert_array_equal(LabelEncoder().fit_transform(y), ours.transform(y))


def test_label_encoder_errors():
    enc = LabelEncoder().fit(["a", "b"])
    with pytest.raises(ValueError, match=r"previously unseen labels: \['c'\]"):
        enc.transform(["a", "c"])
    with pytest.raises(ValueError, match="outside"):
        enc.inverse_transform([2])
    with pytest.raises(ValueError, match="missing values"):
        LabelEncoder().fit(["a", None])
    with pytest.raises(NotFittedError):
        LabelEncoder().transform(["a"])
