"""BaseEstimator, clone, check_is_fitted and tags, compared with scikit-learn's behaviour."""

import numpy as np
import pytest
import sklearn.base

from pipeline import BaseEstimator, NotFittedError, Pipeline, TransformerMixin, clone
from pipeline.base import check_is_fitted, get_tags
from pipeline.preprocessing import OneHotEncoder, StandardScaler


class Toy(BaseEstimator):
    def __init__(self, alpha=1.0, inner=None, *, name="x"):
        self.alpha = alpha
        self.inner = inner
        self.name = name

    def fit(self, X, y=None):
        self.coef_ = np.asarray(X).sum()
        return self


class Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.asarray(X) * 2


def test_get_params_reads_the_constructor_and_nests_with_double_underscore():
    est = Toy(alpha=2.0, inner=Toy(alpha=3.0))
    shallow = est.get_params(deep=False)
    assert shallow == {"alpha": 2.0, "inner": est.inner, "name": "x"}
    deep = est.get_params()
    assert deep["inner__alpha"] == 3.0 and deep["inner__name"] == "x"
    assert set(deep) == {"alpha", "inner", "name", "inner__alpha", "inner__inner", "inner__name"}


def test_set_params_sets_nested_values_and_rejects_unknown_names():
    est = Toy(inner=Toy())
    assert est.set_params(alpha=5, inner__name="y") is est
    assert est.alpha == 5 and est.inner.name == "y"
    with pytest.raises(ValueError, match="Invalid parameter 'beta' for estimator Toy"):
        est.set_params(beta=1)
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        est.set_params(inner__nope=1)


def test_repr_shows_only_changed_parameters_like_sklearn():
    assert repr(Toy()) == "Toy()"
    assert repr(Toy(alpha=2.0, name="z")) == "Toy(alpha=2.0, name='z')"
    assert repr(StandardScaler(with_mean=False)) == "StandardScaler(with_mean=False)"
    assert repr(OneHotEncoder(handle_unknown="ignore")) == (
        repr(
            __import__("sklearn.preprocessing").preprocessing.OneHotEncoder(handle_unknown="ignore")
        )
    )
    nan_default = Toy(alpha=np.nan)
    assert "alpha=nan" in repr(nan_default)


def test_clone_gives_an_unfitted_copy_with_equal_but_new_nested_estimators():
    est = Toy(alpha=[1, 2], inner=Toy(alpha=4)).fit(np.ones((2, 2)))
    copy = clone(est)
    assert not hasattr(copy, "coef_")
    assert copy.get_params(deep=False)["alpha"] == [1, 2]
    assert copy.inner is not est.inner and copy.inner.alpha == 4
    assert copy.alpha is not est.alpha  # deep-copied non-estimator values, like sklearn
    with pytest.raises(TypeError, match="does not implement get_params"):
        clone(object())
    assert clone([Toy(), Toy(alpha=2)])[1].alpha == 2


def test_clone_refuses_a_constructor_that_changes_its_arguments():
    class Bad(BaseEstimator):
        def __init__(self, a=None):
            self.a = list(a) if a is not None else None

    with pytest.raises(RuntimeError, match="changed or copied parameter 'a'"):
        clone(Bad(a=[1]))


def test_sklearn_clone_and_ours_agree_on_our_estimators():
    est = Pipeline([("s", StandardScaler(with_std=False)), ("t", Toy(alpha=3))])
    theirs = sklearn.base.clone(est)
    ours = clone(est)
    assert repr(theirs) == repr(ours) == repr(est)


def test_check_is_fitted_and_not_fitted_error_types():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    est = Toy()
    with pytest.raises(NotFittedError, match="This Toy instance is not fitted yet"):
        check_is_fitted(est)
    est.fit(np.ones((1, 1)))
    check_is_fitted(est)
    with pytest.raises(NotFittedError):
        check_is_fitted(est, "missing_")
    with pytest.raises(TypeError, match="not an estimator instance"):
        check_is_fitted(Toy)


def test_transformer_mixin_fit_transform_and_tags():
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(Doubler().fit_transform(X), X * 2)
    tags = get_tags(Doubler())
    assert tags.transformer_tags is not None and tags.estimator_type is None
    assert get_tags(object()).estimator_type is None


def test_tags_are_sklearns_own_classes_once_sklearn_is_loaded():
    import sklearn.utils

    tags = StandardScaler().__sklearn_tags__()
    assert isinstance(tags, sklearn.utils.Tags)
    assert isinstance(tags.transformer_tags, sklearn.utils.TransformerTags)
    assert tags.input_tags.allow_nan


def test_constructor_with_varargs_is_refused():
    class Star(BaseEstimator):
        def __init__(self, *args):
            self.args = args

    with pytest.raises(RuntimeError, match=r"\*args"):
        Star().get_params()
