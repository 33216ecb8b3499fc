"""A fitted tree estimator as plain JSON types plus numpy arrays, and back, without pickle.

``estimator_to_dict`` produces a dict of JSON types (str, int, float, bool, None, list, dict)
whose only other values are numpy arrays of numeric dtype, so that a writer can put the JSON in
one file and the arrays in an ``.npz``. ``estimator_from_dict`` rebuilds the estimator from such
a dict after checking every field: a model file may come from anyone, and the numba kernels do not
check bounds, so ``validate_tree_arrays`` (``tree._tree_arrays``, importable from here too)
proves the arrays form one well-formed tree before any kernel can see them. Nothing read from a
dict is ever executed or used to look up code.
"""

import math
import numbers
import warnings

import numpy as np

from tree._categorical_io import categorical_from_state, categorical_to_state
from tree._checks import InvalidParameterError, not_fitted_error
from tree._npz import ModelFileError, check_dtype
from tree._params import validate_params
from tree._tree import Tree
from tree._tree_arrays import require_int, validate_tree_arrays
from tree._version import __version__

FORMAT_VERSION = "1.0"

CLASSIFIER_NAMES = ("DecisionTree", "DecisionTreeClassifier")
REGRESSOR_NAMES = ("DecisionTreeRegressor",)

_CLASS_DTYPE_KINDS = {"b", "i", "u", "f", "U", "O"}
__all__ = ["ModelFileError", "estimator_from_dict", "estimator_to_dict", "validate_tree_arrays"]


# --------------------------------------------------------------------------------------------
# to dict
# --------------------------------------------------------------------------------------------
def estimator_to_dict(model):
    """Describe a fitted tree estimator with JSON types and numpy arrays.

    Parameters
    ----------
    model : DecisionTree or DecisionTreeRegressor
        A fitted estimator (anything with scikit-learn's fitted tree attributes).

    Returns
    -------
    dict
        Keys ``format_version``, ``cartflow_version``, ``estimator``, ``estimator_type``,
        ``params``, ``fitted`` (scalars and JSON lists) and ``tree`` (scalars and the node
        arrays as numpy arrays).
    """
    tree_ = getattr(model, "tree_", None)
    if tree_ is None:
        raise _not_fitted(model)
    is_classifier = hasattr(model, "classes_")
    fitted = {
        "n_features_in_": int(model.n_features_in_),
        "max_features_": int(model.max_features_),
        "n_outputs_": int(getattr(model, "n_outputs_", 1)),
    }
    if hasattr(model, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(name) for name in model.feature_names_in_]
    if is_classifier:
        fitted["classes_"] = _encode_classes(model.classes_)
        fitted["n_classes_"] = int(model.n_classes_)
    n_classes = np.asarray(tree_.n_classes).reshape(-1)
    tree_state = {
        "node_count": int(tree_.node_count),
        "max_depth": int(tree_.max_depth),
        "n_features": int(tree_.n_features),
        "n_outputs": int(tree_.n_outputs),
        "n_classes": [int(k) for k in n_classes],
    }
    node_count = tree_state["node_count"]
    for name, dtype in Tree.ARRAY_DTYPES.items():
        if name == "missing_go_to_left" and not hasattr(tree_, name):
            array = np.zeros(node_count, dtype=dtype)  # a tree fitted without missing values
        else:
            array = getattr(tree_, name)
        tree_state[name] = np.array(np.asarray(array)[:node_count], dtype=dtype, order="C")
    categorical_to_state(model, tree_, tree_state, fitted)
    return {
        "format_version": FORMAT_VERSION,
        "cartflow_version": __version__,
        "estimator": type(model).__name__,
        "estimator_type": "classifier" if is_classifier else "regressor",
        "params": {key: _encode_param(key, value) for key, value in _params(model).items()},
        "fitted": fitted,
        "tree": tree_state,
    }


def _params(model):
    return model.get_params(deep=False)


def _encode_param(key, value):
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, dict):
        return {
            "__dict__": [[_encode_param(key, k), _encode_param(key, v)] for k, v in value.items()]
        }
    if isinstance(value, list | tuple):
        return [_encode_param(key, item) for item in value]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biuf":
        return [_encode_param(key, item) for item in value.tolist()]  # e.g. monotonic_cst
    if key == "random_state":
        warnings.warn(
            f"random_state={value!r} cannot be stored as JSON; the saved model records "
            "random_state=None (predictions are unaffected; use an int seed to keep refits "
            "reproducible).",
            UserWarning,
            stacklevel=3,
        )
        return None
    raise TypeError(
        f"Parameter {key}={value!r} of type {type(value).__name__} cannot be saved without "
        "pickle; use None, a bool, a number, a string, or a dict/list of those."
    )


def _encode_classes(classes):
    classes = np.asarray(classes)
    if classes.dtype.kind not in _CLASS_DTYPE_KINDS:
        raise TypeError(f"classes_ of dtype {classes.dtype} cannot be saved without pickle.")
    values = [item.item() if isinstance(item, np.generic) else item for item in classes.tolist()]
    if classes.dtype.kind == "O" and not all(isinstance(item, str) for item in values):
        raise TypeError("classes_ of object dtype can be saved only when every class is a str.")
    return {"dtype": classes.dtype.str if classes.dtype.kind != "O" else "object", "values": values}


# --------------------------------------------------------------------------------------------
# from dict
# --------------------------------------------------------------------------------------------
def estimator_from_dict(cls, d):
    """Rebuild a fitted estimator of class ``cls`` from ``estimator_to_dict``'s output.

    Every field is checked before it is used; the tree arrays go through
    ``validate_tree_arrays``. Raises ``ValueError`` naming the first problem found.

    Parameters
    ----------
    cls : type
        The estimator class (``DecisionTree`` or ``DecisionTreeRegressor``).
    d : dict
        The description, for example read back by ``tree.load``.

    Returns
    -------
    estimator : cls
        A fitted estimator whose predictions equal the saved one's.
    """
    if not isinstance(d, dict):
        raise ValueError(f"A saved model must be a dict, got {type(d).__name__}.")
    check_format_version(d.get("format_version"))
    is_classifier = _class_is_classifier(cls)
    expected_type = "classifier" if is_classifier else "regressor"
    saved_type = d.get("estimator_type")
    if saved_type != expected_type:
        raise ValueError(
            f"The saved model is a {saved_type!r} ({d.get('estimator')!r}); it cannot be loaded "
            f"as {cls.__name__}, a {expected_type}."
        )
    params = _decode_params(cls, _require(d, "params", dict, "the model"))
    fitted = _require(d, "fitted", dict, "the model")
    tree_state = _require(d, "tree", dict, "the model")

    n_features_in = require_int(fitted, "n_features_in_", low=1)
    n_outputs = require_int(fitted, "n_outputs_", low=1)
    if n_outputs != 1:
        raise ValueError(f"Only single-output trees can be loaded; n_outputs_={n_outputs}.")
    max_features = require_int(fitted, "max_features_", low=1, high=n_features_in)
    feature_names = None
    if "feature_names_in_" in fitted:
        feature_names = _decode_feature_names(fitted["feature_names_in_"], n_features_in)

    classes = None
    n_classes = 1
    if is_classifier:
        classes = _decode_classes(_require(fitted, "classes_", dict, "fitted"))
        n_classes = require_int(fitted, "n_classes_", low=1)
        if len(classes) != n_classes:
            raise ValueError(
                f"classes_ has {len(classes)} entries but n_classes_={n_classes}; the file is "
                "inconsistent."
            )
    tree_ = validate_tree_arrays(
        tree_state, n_features_in=n_features_in, n_classes=n_classes, is_classifier=is_classifier
    )
    is_categorical, category_names = categorical_from_state(
        tree_state, fitted, tree_, n_features_in
    )

    model = cls(**params)
    constraints = getattr(cls, "_parameter_constraints", None)
    if constraints:
        try:
            validate_params(model, constraints)
        except InvalidParameterError as exc:
            raise ValueError(f"params: {exc}") from exc
    if is_classifier:
        model.classes_ = classes
        model.n_classes_ = n_classes
    model.n_outputs_ = 1
    model.n_features_in_ = n_features_in
    if feature_names is not None:
        model.feature_names_in_ = feature_names
    model.max_features_ = max_features
    model.is_categorical_ = is_categorical
    if category_names:
        model.category_names_ = category_names
    model.tree_ = tree_
    return model


def check_format_version(version):
    """Raise ``ValueError`` unless ``version`` has this package's format MAJOR version."""
    ours = int(FORMAT_VERSION.split(".")[0])
    if not isinstance(version, str):
        raise ValueError(
            f"The model has no valid 'format_version' (got {version!r}); expected a string "
            f"like {FORMAT_VERSION!r}."
        )
    major, _, minor = version.partition(".")
    if not (major.isdigit() and (minor == "" or minor.isdigit())):
        raise ValueError(f"Malformed format_version {version!r}; expected 'MAJOR.MINOR'.")
    if int(major) > ours:
        raise ValueError(
            f"The model was saved in format version {version}, newer than the format "
            f"{FORMAT_VERSION} this cartflow ({__version__}) reads; upgrade cartflow to load it."
        )
    if int(major) < ours:
        raise ValueError(
            f"The model was saved in format version {version}, older than the format "
            f"{FORMAT_VERSION} this cartflow ({__version__}) reads; refit and save it again."
        )


def _class_is_classifier(cls):
    if getattr(cls, "_estimator_type", None) in ("classifier", "regressor"):
        return cls._estimator_type == "classifier"
    return hasattr(cls, "predict_proba")


def _decode_params(cls, params):
    allowed = set(cls().get_params(deep=False))
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"The saved parameters {unknown} are not parameters of {cls.__name__}; "
            f"known parameters: {sorted(allowed)}."
        )
    return {key: _decode_param(key, value) for key, value in params.items()}


def _decode_param(key, value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_decode_param(key, item) for item in value]
    if isinstance(value, dict) and set(value) == {"__float__"}:
        text = value["__float__"]
        if text not in ("inf", "-inf", "nan"):
            raise ValueError(f"Parameter {key!r}: invalid encoded float {text!r}.")
        return float(text)
    if isinstance(value, dict) and set(value) == {"__dict__"}:
        items = value["__dict__"]
        if not isinstance(items, list) or not all(
            isinstance(pair, list) and len(pair) == 2 for pair in items
        ):
            raise ValueError(f"Parameter {key!r}: an encoded dict must be a list of pairs.")
        decoded = {}
        for k, v in items:
            k = _decode_param(key, k)
            if isinstance(k, list | dict):
                raise ValueError(f"Parameter {key!r}: a dict key must be a scalar, got {k!r}.")
            decoded[k] = _decode_param(key, v)
        return decoded
    raise ValueError(f"Parameter {key!r} has an unsupported saved value {value!r}.")


def _decode_feature_names(names, n_features_in):
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError("feature_names_in_ must be a list of strings.")
    if len(names) != n_features_in:
        raise ValueError(
            f"feature_names_in_ has {len(names)} names but n_features_in_={n_features_in}."
        )
    return np.array(names, dtype=object)


def _decode_classes(encoded):
    dtype_text = encoded.get("dtype")
    values = encoded.get("values")
    if not isinstance(values, list) or not isinstance(dtype_text, str) or not values:
        raise ValueError("classes_ must be saved as {'dtype': str, 'values': non-empty list}.")
    if not all(isinstance(v, bool | int | float | str) for v in values):
        raise ValueError("classes_ values must be JSON scalars.")
    if dtype_text == "object":
        if not all(isinstance(v, str) for v in values):
            raise ValueError("classes_ of object dtype must hold strings only.")
        classes = np.empty(len(values), dtype=object)
        classes[:] = values
    else:
        # bounded item size: '<U200000000' would allocate 800 MB per class
        dtype = check_dtype(dtype_text, "fitted.classes_", kinds="biufU")
        try:
            classes = np.array(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"classes_ values do not fit dtype {dtype_text!r}: {exc}") from exc
    if len(set(values)) != len(values):
        raise ValueError("classes_ must not repeat a class.")
    return classes


def _require(d, key, kind, where):
    if key not in d:
        raise ValueError(f"The saved model is missing {key!r} in {where}.")
    if not isinstance(d[key], kind):
        raise ValueError(
            f"{key!r} in {where} must be a {kind.__name__}, got {type(d[key]).__name__}."
        )
    return d[key]


def _not_fitted(model):
    return not_fitted_error(
        f"This {type(model).__name__} instance is not fitted yet; call 'fit' before saving it."
    )
