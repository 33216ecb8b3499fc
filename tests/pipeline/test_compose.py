"""Pipeline, make_pipeline, FeatureUnion and ColumnTransformer against scikit-learn's."""

import numpy as np
import pandas as pd
import pytest
import sklearn.compose as skc
import sklearn.pipeline as skpipe
import sklearn.preprocessing as skp
from sklearn.linear_model import LogisticRegression

from pipeline import (
    ColumnTransformer,
    FeatureUnion,
    NotFittedError,
    Pipeline,
    clone,
    make_column_selector,
    make_column_transformer,
    make_pipeline,
)
from pipeline.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    SimpleImputer,
    StandardScaler,
)


@pytest.fixture
def houses():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame(
        {
            "city": pd.Series(rng.choice(["north", "south", "east"], n), dtype="str"),
            "kind": pd.Series(rng.choice(["flat", "house"], n), dtype="category"),
            "size": rng.normal(80, 20, n),
            "rooms": rng.integers(1, 6, n),
        }
    )
    X.loc[[3, 17], "size"] = np.nan
    X.loc[[5], "city"] = np.nan
    y = (X["size"].fillna(80) + 10 * X["rooms"] > 110).astype(int).to_numpy()
    return X, y


def ours_and_sklearn_column_transformers(**kwargs):
    ours = ColumnTransformer(
        [
            (
                "cat",
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()),
                make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                make_column_selector(dtype_include="number"),
            ),
        ],
        **kwargs,
    )
    theirs = skc.ColumnTransformer(
        [
            (
                "cat",
                skpipe.make_pipeline(
                    __import__("sklearn.impute").impute.SimpleImputer(strategy="most_frequent"),
                    skp.OneHotEncoder(sparse_output=False),
                ),
                skc.make_column_selector(dtype_exclude="number"),
            ),
            (
                "num",
                skpipe.make_pipeline(
                    __import__("sklearn.impute").impute.SimpleImputer(strategy="median"),
                    skp.StandardScaler(),
                ),
                skc.make_column_selector(dtype_include="number"),
            ),
        ],
        **kwargs,
    )
    return ours, theirs


# --------------------------------------------------------------------------- Pipeline
def test_pipeline_with_a_sklearn_classifier_matches_sklearns_pipeline(houses):
    X, y = houses
    ct, sk_ct = ours_and_sklearn_column_transformers()
    ours = Pipeline([("pre", ct), ("clf", LogisticRegression(max_iter=500))]).fit(X, y)
    theirs = skpipe.Pipeline([("pre", sk_ct), ("clf", LogisticRegression(max_iter=500))])
    theirs.fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == theirs.score(X, y)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-8)
    np.testing.assert_array_equal(ours.classes_, [0, 1])
    np.testing.assert_array_equal(
        ours[:-1].get_feature_names_out(), theirs[:-1].get_feature_names_out()
    )
    np.testing.assert_array_equal(ours.feature_names_in_, X.columns)
    assert ours.n_features_in_ == 4


def test_pipeline_structure_indexing_slicing_and_params():
    scaler, clf = StandardScaler(), LogisticRegression()
    pipe = Pipeline([("scale", scaler), ("skip", "passthrough"), ("clf", clf)])
    assert len(pipe) == 3
    assert pipe[0] is scaler and pipe["clf"] is clf and pipe[-1] is clf
    assert pipe.named_steps.scale is scaler and pipe.named_steps["clf"] is clf
    head = pipe[:1]
    assert isinstance(head, Pipeline) and head.steps == [("scale", scaler)]
    params = pipe.get_params()
    assert params["scale"] is scaler and params["clf__C"] == 1.0
    assert set(pipe.get_params(deep=False)) == {"steps", "verbose"}
    pipe.set_params(clf__C=0.5, scale__with_mean=False)
    assert clf.C == 0.5 and scaler.with_mean is False
    new = MinMaxScaler()
    pipe.set_params(scale=new)
    assert pipe.named_steps["scale"] is new
    names = [
        name for name, _ in make_pipeline(StandardScaler(), StandardScaler(), "passthrough").steps
    ]
    assert names == ["standardscaler-1", "standardscaler-2", "passthrough"]
    assert repr(make_pipeline(StandardScaler())) == (
        "Pipeline(steps=[('standardscaler', StandardScaler())])"
    )


def test_pipeline_routes_fit_params_and_exposes_only_what_the_last_step_has():
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0, 1] * 5)
    weights = np.linspace(1, 2, 10)
    ours = make_pipeline(StandardScaler(), LogisticRegression())
    ours.fit(X, y, logisticregression__sample_weight=weights)
    ref = LogisticRegression().fit(StandardScaler().fit_transform(X), y, sample_weight=weights)
    np.testing.assert_allclose(ours[-1].coef_, ref.coef_)
    with pytest.raises(ValueError, match="'<step>__<param>'"):
        ours.fit(X, y, sample_weight=weights)
    transformer_only = make_pipeline(StandardScaler(), MinMaxScaler())
    assert not hasattr(transformer_only, "predict")
    assert hasattr(transformer_only, "transform") and not hasattr(ours, "transform")
    np.testing.assert_allclose(
        transformer_only.fit_transform(X), MinMaxScaler().fit_transform(X), atol=1e-12
    )
    np.testing.assert_allclose(transformer_only.inverse_transform(transformer_only.transform(X)), X)
    only_passthrough = Pipeline([("a", "passthrough")])
    assert only_passthrough.fit_transform(X) is X


def test_sklearn_transformers_inside_our_pipeline(houses):
    X, y = houses
    num = X[["size", "rooms"]]
    ours = make_pipeline(
        __import__("sklearn.impute").impute.SimpleImputer(),
        skp.StandardScaler(),
        skp.PolynomialFeatures(2),
    ).fit(num)
    theirs = skpipe.make_pipeline(
        __import__("sklearn.impute").impute.SimpleImputer(),
        skp.StandardScaler(),
        skp.PolynomialFeatures(2),
    ).fit(num)
    np.testing.assert_allclose(ours.transform(num), theirs.transform(num))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


def test_pipeline_inside_sklearn_grid_search(houses):
    from sklearn.model_selection import GridSearchCV

    X, y = houses
    ct, _ = ours_and_sklearn_column_transformers()
    pipe = Pipeline([("pre", ct), ("clf", LogisticRegression(max_iter=500))])
    search = GridSearchCV(
        pipe, {"clf__C": [0.1, 1.0], "pre__num__standardscaler__with_mean": [True, False]}, cv=3
    ).fit(X, y)
    assert set(search.best_params_) == {"clf__C", "pre__num__standardscaler__with_mean"}
    assert search.best_estimator_.score(X, y) > 0.5


def test_unfitted_pipeline_names_the_step():
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.raises(NotFittedError, match="step 'standardscaler'"):
        pipe.predict(np.ones((2, 2)))


# --------------------------------------------------------------------------- FeatureUnion
def test_feature_union_matches_sklearn(houses):
    X, _ = houses
    num = X[["size", "rooms"]].fillna(0)
    ours = FeatureUnion(
        [
            ("std", StandardScaler()),
            ("mm", MinMaxScaler()),
            ("raw", "passthrough"),
            ("gone", "drop"),
        ],
        transformer_weights={"mm": 2.0},
    )
    theirs = skpipe.FeatureUnion(
        [
            ("std", skp.StandardScaler()),
            ("mm", skp.MinMaxScaler()),
            ("raw", "passthrough"),
            ("gone", "drop"),
        ],
        transformer_weights={"mm": 2.0},
    )
    np.testing.assert_allclose(ours.fit_transform(num), theirs.fit_transform(num))
    np.testing.assert_allclose(ours.transform(num), theirs.transform(num))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert ours.get_params()["std__with_mean"] is True
    ours.set_params(std__with_mean=False)
    assert ours.transformer_list[0][1].with_mean is False


# --------------------------------------------------------------------------- ColumnTransformer
@pytest.mark.parametrize("remainder", ["drop", "passthrough"])
@pytest.mark.parametrize("verbose_feature_names_out", [True, False])
def test_column_transformer_matches_sklearn(houses, remainder, verbose_feature_names_out):
    X, _ = houses
    kwargs = {"remainder": remainder, "verbose_feature_names_out": verbose_feature_names_out}
    ours = ColumnTransformer(
        [("scale", StandardScaler(), ["size"]), ("onehot", OneHotEncoder(), [1])], **kwargs
    )
    theirs = skc.ColumnTransformer(
        [
            ("scale", skp.StandardScaler(), ["size"]),
            ("onehot", skp.OneHotEncoder(sparse_output=False), [1]),
        ],
        **kwargs,
    )
    A, B = ours.fit_transform(X), theirs.fit_transform(X)
    np.testing.assert_array_equal(pd.DataFrame(A).isna(), pd.DataFrame(B).isna())
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert list(ours.output_indices_) == list(theirs.output_indices_)
    assert ours.output_indices_ == theirs.output_indices_
    same = pd.DataFrame(A).astype(object).fillna(-1).astype(str).to_numpy()
    expected = pd.DataFrame(B).astype(object).fillna(-1).astype(str).to_numpy()
    np.testing.assert_array_equal(same, expected)


@pytest.mark.parametrize(
    "columns",
    [
        ["size", "rooms"],
        [2, 3],
        [False, False, True, True],
        slice(2, 4),
        slice("size", "rooms"),
        make_column_selector(dtype_include="number"),
        make_column_selector(pattern="^(si|ro)"),
    ],
)
def test_column_transformer_column_specifications(houses, columns):
    X, _ = houses
    ours = ColumnTransformer([("mm", MinMaxScaler(), columns)]).fit(X)
    theirs = skc.ColumnTransformer([("mm", skp.MinMaxScaler(), columns)]).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


def test_column_transformer_pipeline_on_text_and_numbers_matches_sklearn(houses):
    X, _ = houses
    ours, theirs = ours_and_sklearn_column_transformers(remainder="drop")
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    reordered = X[["rooms", "size", "kind", "city"]].assign(extra=1)
    np.testing.assert_allclose(ours.transform(reordered), theirs.transform(X))
    assert set(ours.named_transformers_) == {"cat", "num", "remainder"}
    assert ours.named_transformers_["num"] is not ours.transformers[1][1]  # a fitted clone


def test_column_transformer_remainder_estimator_and_weights(houses):
    X, _ = houses
    kwargs = {"transformer_weights": {"cat": 3.0}}
    ours = ColumnTransformer(
        [("cat", OneHotEncoder(), ["city", "kind"])],
        remainder=make_pipeline(SimpleImputer(), MinMaxScaler()),
        **kwargs,
    )
    theirs = skc.ColumnTransformer(
        [("cat", skp.OneHotEncoder(sparse_output=False), ["city", "kind"])],
        remainder=skpipe.make_pipeline(
            __import__("sklearn.impute").impute.SimpleImputer(), skp.MinMaxScaler()
        ),
        **kwargs,
    )
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert "remainder__minmaxscaler__clip" in ours.get_params()


@pytest.mark.filterwarnings("ignore:For backward compatibility, 'str' dtypes")  # sklearn's call
def test_make_column_transformer_names_and_selector_like_sklearn(houses):
    X, _ = houses
    ours = make_column_transformer(
        (StandardScaler(), ["size"]), (StandardScaler(), ["rooms"]), ("drop", ["city"])
    )
    theirs = skc.make_column_transformer(
        (skp.StandardScaler(), ["size"]), (skp.StandardScaler(), ["rooms"]), ("drop", ["city"])
    )
    assert [t[0] for t in ours.transformers] == [t[0] for t in theirs.transformers]
    ours_sel = make_column_selector(dtype_include=object)
    theirs_sel = skc.make_column_selector(dtype_include=object)
    assert ours_sel(X) == theirs_sel(X)
    assert make_column_selector(dtype_include="category")(X) == ["kind"]
    with pytest.raises(ValueError, match="pandas DataFrame"):
        ours_sel(X.to_numpy())


def test_column_transformer_single_column_spec_passes_1d_like_sklearn(houses):
    X, _ = houses
    ours = ColumnTransformer(
        [("len", FunctionTransformer(lambda s: np.asarray(s).reshape(-1, 1) * 2), "rooms")]
    ).fit(X)
    np.testing.assert_array_equal(ours.transform(X).ravel(), X["rooms"].to_numpy() * 2)


def test_clone_of_composites_is_deep_and_unfitted(houses):
    X, y = houses
    ct, _ = ours_and_sklearn_column_transformers()
    pipe = Pipeline([("pre", ct), ("clf", LogisticRegression())]).fit(X, y)
    copy = clone(pipe)
    assert copy.steps[0][1] is not ct and not hasattr(copy.steps[0][1], "transformers_")
    assert repr(copy) == repr(pipe)


def test_column_transformer_set_params_replaces_transformers_and_remainder(houses):
    X, _ = houses
    ct = ColumnTransformer([("num", StandardScaler(), ["size", "rooms"])], remainder="drop")
    ct.set_params(num=MinMaxScaler(), remainder="passthrough")
    assert isinstance(ct.transformers[0][1], MinMaxScaler) and ct.transformers[0][2] == [
        "size",
        "rooms",
    ]
    out = ct.fit_transform(X)
    assert out.shape == (len(X), 4)
    ct.set_params(num__feature_range=(0, 2))
    assert ct.transformers[0][1].feature_range == (0, 2)
    assert list(ct.get_feature_names_out()) == [
        "num__size",
        "num__rooms",
        "remainder__city",
        "remainder__kind",
    ]


def test_verbose_pipeline_prints_each_step(capsys):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1] * 3)
    make_pipeline(StandardScaler(), LogisticRegression(), verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "[Pipeline] (1 of 2) Processing standardscaler",
        "[Pipeline] (2 of 2) Processing logisticregression",
    ]
    make_pipeline(StandardScaler()).fit(X)
    assert capsys.readouterr().out == ""
