"""Estimator basics: parameters from the constructor, cloning, fitted checks, estimator tags.

Follows scikit-learn's conventions without importing it: ``__init__`` only stores its
arguments, fitted attributes end in ``_``, and ``__sklearn_tags__`` returns tag dataclasses
with the field names scikit-learn reads, so our estimators work inside scikit-learn's
meta-estimators (duck typing).
"""

import copy
import inspect
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


# --------------------------------------------------------------------------- tags
@dataclass
class InputTags:
    one_d_array: bool = False
    two_d_array: bool = True
    three_d_array: bool = False
    sparse: bool = False
    categorical: bool = False
    string: bool = False
    dict: bool = False
    positive_only: bool = False
    allow_nan: bool = False
    pairwise: bool = False


@dataclass
class TargetTags:
    required: bool
    one_d_labels: bool = False
    two_d_labels: bool = False
    positive_only: bool = False
    multi_output: bool = False
    single_output: bool = True


@dataclass
class TransformerTags:
    preserves_dtype: list = field(default_factory=lambda: ["float64"])


@dataclass
class ClassifierTags:
    poor_score: bool = False
    multi_class: bool = True
    multi_label: bool = False


@dataclass
class RegressorTags:
    poor_score: bool = False


@dataclass
class Tags:
    estimator_type: str | None
    target_tags: TargetTags
    transformer_tags: TransformerTags | None = None
    classifier_tags: ClassifierTags | None = None
    regressor_tags: RegressorTags | None = None
    array_api_support: bool = False
    no_validation: bool = False
    non_deterministic: bool = False
    requires_fit: bool = True
    _skip_test: bool = False
    input_tags: InputTags = field(default_factory=InputTags)


_OWN_TAGS = SimpleNamespace(
    Tags=Tags,
    InputTags=InputTags,
    TargetTags=TargetTags,
    TransformerTags=TransformerTags,
    ClassifierTags=ClassifierTags,
    RegressorTags=RegressorTags,
)


def tag_classes():
    """scikit-learn's tag classes when it is already loaded (never imported here), else ours.

    Only scikit-learn reads tags, so when it asks, its own classes are returned and its type
    checks pass; the field names are the same either way.
    """
    utils = sys.modules.get("sklearn.utils")
    if utils is not None and hasattr(utils, "Tags") and hasattr(utils, "TransformerTags"):
        return utils
    return _OWN_TAGS


def get_tags(estimator):
    """The estimator's tags (ours or scikit-learn's); defaults when it defines none."""
    tags_method = getattr(estimator, "__sklearn_tags__", None)
    if tags_method is not None:
        try:
            return tags_method()
        except RuntimeError:  # an estimator whose tags need scikit-learn loaded
            pass
    api = tag_classes()
    return api.Tags(estimator_type=None, target_tags=api.TargetTags(required=False))


# --------------------------------------------------------------------------- estimator
def _is_estimator_like(value):
    return hasattr(value, "get_params") and not isinstance(value, type)


def _values_equal(a, b):
    """Whether a parameter value equals its default (handles NaN and arrays)."""
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    try:
        return bool(type(a) is type(b) and a == b)
    except (TypeError, ValueError):
        return False


class BaseEstimator:
    """Base class: ``get_params`` / ``set_params`` from the constructor's signature and a repr.

    Subclasses list every parameter as an explicit keyword of ``__init__`` (no ``*args`` or
    ``**kwargs``) and store each one unchanged under the same attribute name.
    """

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        names = []
        for p in parameters:
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RuntimeError(
                    f"{cls.__name__}.__init__ must not take *args or **kwargs "
                    "(parameters are read from the constructor's signature)."
                )
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep=True):
        """Parameters of this estimator, and with ``deep=True`` of nested ones as ``a__b``.

        Parameters
        ----------
        deep : bool, default True
            Also return the parameters of sub-estimators.

        Returns
        -------
        dict
        """
        params = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and _is_estimator_like(value):
                for sub_name, sub_value in value.get_params(deep=True).items():
                    params[f"{name}__{sub_name}"] = sub_value
            params[name] = value
        return params

    def set_params(self, **params):
        """Set parameters, nested ones as ``step__param``; returns ``self``.

        Raises
        ------
        ValueError
            For a name that is not a parameter of this estimator (or the nested one).
        """
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, delim, sub_key = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if delim:
                nested.setdefault(name, {})[sub_key] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def _changed_params(self):
        init = type(self).__init__
        defaults = {
            p.name: p.default
            for p in inspect.signature(init).parameters.values()
            if p.name != "self"
        }
        changed = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _values_equal(value, default):
                changed[name] = value
        return changed

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._changed_params().items())
        text = f"{type(self).__name__}({args})"
        if len(text) > 700:
            text = text[:340] + "..." + text[-340:]
        return text

    def __sklearn_tags__(self):
        api = tag_classes()
        return api.Tags(
            estimator_type=None,
            target_tags=api.TargetTags(required=False),
            input_tags=api.InputTags(),
        )

    def __sklearn_is_fitted__(self):
        return any(name.endswith("_") and not name.startswith("__") for name in vars(self))

    # ------------------------------------------------------------------ persistence
    _state_names = ()
    """Attributes that make up the fitted state (saved by ``to_dict``)."""

    def to_dict(self):
        """Parameters and fitted state as plain JSON types plus numpy arrays.

        Returns
        -------
        dict
            ``{"params": {...}, "state": {...} or None}``; nested estimators appear as
            ``{"__estimator__": type name, "data": their to_dict()}``.
        """
        from pipeline._serialize import encode_value

        who = type(self).__name__
        params = {
            name: encode_value(value, f"{who}.{name}")
            for name, value in self.get_params(deep=False).items()
        }
        present = [name for name in self._state_names if name in vars(self)]
        state = None
        if present:
            state = {name: encode_value(getattr(self, name), f"{who}.{name}") for name in present}
        return {"params": params, "state": state}

    @classmethod
    def from_dict(cls, d):
        """Rebuild an estimator from :meth:`to_dict`'s output, validating every field.

        Raises
        ------
        ValueError
            For unknown parameters or state, or a state inconsistent with the parameters.
        """
        from pipeline._serialize import decode_value

        who = cls.__name__
        if not isinstance(d, dict) or set(d) != {"params", "state"}:
            raise ValueError(f"Invalid saved {who}: expected the keys 'params' and 'state'.")
        params, state = d["params"], d["state"]
        if not isinstance(params, dict) or (state is not None and not isinstance(state, dict)):
            raise ValueError(f"Invalid saved {who}: params and state must be objects.")
        unknown = set(params) - set(cls._get_param_names())
        if unknown:
            raise ValueError(f"Invalid saved {who}: unknown parameters {sorted(unknown)}.")
        est = cls(**{k: decode_value(v, f"{who}.{k}") for k, v in params.items()})
        validate = getattr(est, "_validate_params", None)
        if validate is not None:
            validate()
        if state is not None:
            unknown = set(state) - set(cls._state_names)
            if unknown:
                raise ValueError(f"Invalid saved {who}: unknown state {sorted(unknown)}.")
            for name, value in state.items():
                setattr(est, name, decode_value(value, f"{who}.{name}"))
            try:
                est._check_state()
            except (AttributeError, TypeError, IndexError, KeyError) as exc:
                raise ValueError(f"Invalid saved state for {who}: {exc}.") from exc
        return est

    def _check_state(self):
        """Validate a loaded fitted state (raise ValueError); subclasses override."""


class TransformerMixin:
    """Adds ``fit_transform`` (``fit(X, y).transform(X)``) and transformer tags."""

    def fit_transform(self, X, y=None, **fit_params):
        """Fit to ``X`` then transform it."""
        if y is None:
            return self.fit(X, **fit_params).transform(X)
        return self.fit(X, y, **fit_params).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = tag_classes().TransformerTags()
        return tags


class ClassifierMixin:
    """Adds ``score`` (accuracy) and classifier tags."""

    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``."""
        y_pred = np.asarray(self.predict(X))
        correct = (y_pred == np.asarray(y)).astype(float)
        return float(np.average(correct, weights=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = tag_classes().ClassifierTags()
        tags.target_tags.required = True
        return tags


class available_if:
    """Expose a method only when ``check(self)`` is true (``hasattr`` follows it)."""

    def __init__(self, check):
        self.check = check

    def __call__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        return self

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        if not self.check(obj):
            raise AttributeError(
                f"This {type(obj).__name__} has no attribute {self.fn.__name__!r} with these "
                "parameters."
            )
        return self.fn.__get__(obj, owner)


# --------------------------------------------------------------------------- clone
def clone(estimator, *, safe=True):
    """A new unfitted estimator with the same parameters (nested estimators cloned too).

    Parameters
    ----------
    estimator : estimator, or list / tuple / set of estimators
    safe : bool, default True
        When False, objects without ``get_params`` are deep-copied instead of refused.

    Returns
    -------
    estimator
    """
    if isinstance(estimator, list | tuple | set | frozenset):
        return type(estimator)(clone(e, safe=safe) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        if not safe:
            return copy.deepcopy(estimator)
        raise TypeError(
            f"Cannot clone object {estimator!r} (type {type(estimator).__name__}): it does not "
            "implement get_params(), so it is not an estimator."
        )
    params = estimator.get_params(deep=False)
    new_params = {name: clone(value, safe=False) for name, value in params.items()}
    new_object = type(estimator)(**new_params)
    stored = new_object.get_params(deep=False)
    for name, value in new_params.items():
        if stored[name] is not value:
            raise RuntimeError(
                f"Cannot clone {estimator!r}: its constructor changed or copied parameter "
                f"{name!r} (an __init__ must store its arguments unchanged)."
            )
    return new_object


# --------------------------------------------------------------------------- fitted check
def check_is_fitted(estimator, attributes=None, *, msg=None):
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : estimator
    attributes : str or list of str, optional
        Fitted attributes that must exist; by default any attribute ending in ``_``.
    msg : str, optional
        Message to use, may contain ``{name}``.
    """
    if isinstance(estimator, type) or not hasattr(estimator, "fit"):
        raise TypeError(f"{estimator!r} is not an estimator instance (it has no fit method).")
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        text = msg or (
            "This {name} instance is not fitted yet. Call 'fit' with appropriate arguments "
            "before using this estimator."
        )
        raise NotFittedError(text.format(name=type(estimator).__name__))
