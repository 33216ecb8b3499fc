"""Estimators as plain JSON types plus numpy arrays, and back: the allowlist of types and the
codec for parameter and state values. ``pipeline.persist`` puts the result in files.

Nothing read from a dict is executed: a type name must be in ``REGISTRY`` (an allowlist of
import paths), and a function is either one of the named pure transforms of ``TRANSFORMS`` or a
plain Python function of a module the caller trusts by name (never numpy, the standard library
or a dependency: their functions can read and write files).
"""

import contextvars
import importlib
import numbers
import sys
import types

import numpy as np

REGISTRY = {
    "pipeline.Pipeline": "pipeline._pipeline:Pipeline",
    "pipeline.FeatureUnion": "pipeline._pipeline:FeatureUnion",
    "pipeline.ColumnTransformer": "pipeline.compose:ColumnTransformer",
    "pipeline.make_column_selector": "pipeline.compose:make_column_selector",
    "pipeline.preprocessing.SimpleImputer": "pipeline.preprocessing._imputer:SimpleImputer",
    "pipeline.preprocessing.OneHotEncoder": "pipeline.preprocessing._encoders:OneHotEncoder",
    "pipeline.preprocessing.OrdinalEncoder": "pipeline.preprocessing._encoders:OrdinalEncoder",
    "pipeline.preprocessing.StandardScaler": "pipeline.preprocessing._data:StandardScaler",
    "pipeline.preprocessing.MinMaxScaler": "pipeline.preprocessing._data:MinMaxScaler",
    "pipeline.preprocessing.FunctionTransformer": (
        "pipeline.preprocessing._function:FunctionTransformer"
    ),
    "pipeline.preprocessing.ColumnSelector": "pipeline.preprocessing._function:ColumnSelector",
    "pipeline.preprocessing.LabelEncoder": "pipeline.preprocessing._label:LabelEncoder",
    # our tree, resolved lazily: pipeline does not depend on tree
    "tree.DecisionTree": "tree:DecisionTree",
    "tree.DecisionTreeRegressor": "tree:DecisionTreeRegressor",
}

DEFAULT_TRUSTED_MODULES = ()
TRUSTED_MODULES = contextvars.ContextVar("trusted_modules", default=DEFAULT_TRUSTED_MODULES)

# The closed registry of functions a model file may name without trusting any module: pure,
# elementwise numpy transforms, with the keyword arguments each accepts (numbers only).
TRANSFORMS = {
    "numpy:log1p": (np.log1p, ()),
    "numpy:expm1": (np.expm1, ()),
    "numpy:log": (np.log, ()),
    "numpy:log2": (np.log2, ()),
    "numpy:log10": (np.log10, ()),
    "numpy:exp": (np.exp, ()),
    "numpy:sqrt": (np.sqrt, ()),
    "numpy:cbrt": (np.cbrt, ()),
    "numpy:square": (np.square, ()),
    "numpy:absolute": (np.absolute, ()),
    "numpy:negative": (np.negative, ()),
    "numpy:sign": (np.sign, ()),
    "numpy:tanh": (np.tanh, ()),
    "numpy:arcsinh": (np.arcsinh, ()),
    "numpy:sinh": (np.sinh, ()),
    "numpy:floor": (np.floor, ()),
    "numpy:ceil": (np.ceil, ()),
    "numpy:rint": (np.rint, ()),
    "numpy:round": (np.round, ("decimals",)),
    "numpy:clip": (np.clip, ("a_min", "a_max")),
}
_TRANSFORM_NAMES = {id(func): name for name, (func, _) in TRANSFORMS.items()}

# Modules whose functions a model file may never name, even when the caller lists them.
_NEVER_TRUSTED = frozenset(sys.stdlib_module_names) | {
    "numpy", "pandas", "scipy", "numba", "llvmlite", "matplotlib", "yaml", "fastapi",
    "uvicorn", "starlette", "pydantic", "sklearn", "mlflow", "dask", "joblib", "cloudpickle",
    "pipeline", "tree", "metrics", "IPython", "setuptools", "pip", "_pytest", "pytest",
}  # fmt: skip


def registered_transform(func):
    """The registry name of ``func`` if it is one of ``TRANSFORMS``, else None."""
    return _TRANSFORM_NAMES.get(id(func))


def check_transform_kwargs(func, kw_args, where):
    """Refuse keyword arguments a registered transform does not take, or non-numeric values."""
    name = registered_transform(func)
    if name is None or kw_args is None:
        return
    if not isinstance(kw_args, dict):
        raise ValueError(f"{where}: kw_args must be a dict, got {type(kw_args).__name__}.")
    allowed = TRANSFORMS[name][1]
    for key, value in kw_args.items():
        if key not in allowed:
            raise ValueError(
                f"{where}: {name} does not take the argument {key!r} in a model file "
                f"(allowed: {list(allowed)})."
            )
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value)
        ):
            raise ValueError(f"{where}: {name}'s argument {key!r} must be a finite number.")


def check_trusted_modules(modules):
    """``modules`` as a tuple of names; ValueError for numpy, the standard library, ..."""
    if isinstance(modules, str):
        modules = (modules,)
    modules = tuple(modules)
    if not all(isinstance(m, str) and m and not m.startswith(".") for m in modules):
        raise TypeError("trusted_modules must be a list of module names.")
    refused = [m for m in modules if m.split(".")[0] in _NEVER_TRUSTED]
    if refused:
        raise ValueError(
            f"trusted_modules cannot include {refused}: the standard library, numpy and "
            "cartflow's dependencies hold functions that read and write files. A model file may "
            f"use their pure transforms through the registry ({sorted(TRANSFORMS)}); list only "
            "your own modules."
        )
    return modules


_TYPES = {
    "object": object,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "numpy.number": np.number,
    "numpy.integer": np.integer,
    "numpy.floating": np.floating,
    "numpy.bool_": np.bool_,
    "numpy.object_": np.object_,
    "numpy.str_": np.str_,
    "numpy.float64": np.float64,
    "numpy.float32": np.float32,
    "numpy.int64": np.int64,
    "numpy.int32": np.int32,
    "numpy.uint8": np.uint8,
    "numpy.datetime64": np.datetime64,
}
_TYPE_NAMES = {id(v): k for k, v in _TYPES.items()}
_TAGS = (
    "__estimator__",
    "__function__",
    "__tuple__",
    "__map__",
    "__slice__",
    "__type__",
    "__dtype__",
    "__objarray__",
)


def _split_path(path):
    module, _, attr = path.partition(":")
    return module, attr


def type_name_of(obj):
    """The registry name of ``obj``'s class; TypeError when it is not an allowlisted type."""
    for name, path in REGISTRY.items():
        module, attr = _split_path(path)
        mod = sys.modules.get(module)
        if mod is None and module.split(".")[0] == "pipeline":
            mod = importlib.import_module(module)
        if mod is not None and type(obj) is getattr(mod, attr, None):
            return name
    raise TypeError(
        f"Cannot save {type(obj).__module__}.{type(obj).__qualname__}: only the allowlisted "
        f"types {sorted(REGISTRY)} can be saved without pickle."
    )


def class_for(name):
    """The class registered under ``name``; ValueError for an unknown name."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ValueError(
            f"Unknown estimator type {name!r} in the model file; allowed types are "
            f"{sorted(REGISTRY)}."
        )
    module, attr = _split_path(REGISTRY[name])
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(
            f"The model file needs {name!r}, which cannot be imported here: {exc}."
        ) from exc


def register_type(name, import_path):
    """Allow saving and loading the class at ``import_path`` (``"module:Class"``) as ``name``."""
    if ":" not in import_path:
        raise ValueError(f"import_path must look like 'module:Class', got {import_path!r}.")
    REGISTRY[name] = import_path


# --------------------------------------------------------------------------- functions
def function_path(func, where):
    """``"module:qualname"`` of a module-level function; ValueError for a lambda or a local."""
    registered = registered_transform(func)
    if registered is not None:
        return registered
    module = getattr(func, "__module__", None)
    if module is None and isinstance(func, np.ufunc):
        module = "numpy"
    if module and module.split(".")[0] in _NEVER_TRUSTED:
        raise ValueError(
            f"{where}: cannot save {func!r}: a model file may name a function of "
            f"{module.split('.')[0]!r} only if it is one of the registered transforms "
            f"{sorted(TRANSFORMS)}; wrap it in a function of your own module."
        )
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if not module or not qualname or "<lambda>" in qualname or "<locals>" in qualname:
        raise ValueError(
            f"{where}: cannot save {func!r}: a lambda or a local function has no import path. "
            "Define it at module level (def name(...) in an importable module)."
        )
    try:
        resolved = _resolve_function(module, qualname)
    except (ImportError, AttributeError) as exc:
        raise ValueError(
            f"{where}: cannot save {func!r}: {module}:{qualname} is not importable ({exc})."
        ) from exc
    if resolved is not func:
        raise ValueError(
            f"{where}: cannot save {func!r}: {module}:{qualname} does not resolve to the same "
            "object (define it at module level)."
        )
    return f"{module}:{qualname}"


def _resolve_function(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _load_function(path, where):
    if not isinstance(path, str) or ":" not in path:
        raise ValueError(f"{where}: a saved function must be 'module:name', got {path!r}.")
    if path in TRANSFORMS:
        return TRANSFORMS[path][0]
    module, qualname = _split_path(path)
    trusted = TRUSTED_MODULES.get()
    if module.split(".")[0] in _NEVER_TRUSTED or not any(
        module == t or module.startswith(t + ".") for t in trusted
    ):
        raise ValueError(
            f"{where}: the model file refers to the function {path!r}, which is neither a "
            f"registered transform ({sorted(TRANSFORMS)}) nor from a trusted module (trusted: "
            f"{list(trusted)}). If {module!r} is your own module and you trust it, load with "
            f"load(path, trusted_modules=[{module!r}])."
        )
    if not all(part.isidentifier() for part in qualname.split(".")):
        raise ValueError(f"{where}: {path!r} is not a valid function name.")
    try:
        func = _resolve_function(module, qualname)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{where}: cannot import the function {path!r}: {exc}.") from exc
    if not isinstance(func, types.FunctionType) or func.__module__ != module:
        raise ValueError(
            f"{where}: {path!r} is not a Python function defined in {module!r} (a name imported "
            "into a trusted module is not trusted)."
        )
    return func


# --------------------------------------------------------------------------- values
def _all_text(arr):
    return all(isinstance(v, str) or (isinstance(v, float) and np.isnan(v)) for v in arr.ravel())


def encode_value(value, where):
    """A parameter or state value as JSON types plus numpy arrays (tagged dicts for the rest)."""
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if registered_transform(value) is not None:
        return {"__function__": registered_transform(value)}
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" and not (value.size and _all_text(value)):
            return {"__objarray__": [encode_value(v, where) for v in value.tolist()]}
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"{where}: arrays of dtype {value.dtype} cannot be saved.")
        return value
    if isinstance(value, list):
        return [encode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        return {
            "__map__": [
                [encode_value(k, where), encode_value(v, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]
        }
    if isinstance(value, slice):
        return {"__slice__": [value.start, value.stop, value.step]}
    if isinstance(value, np.dtype):
        return {"__dtype__": value.str}
    if isinstance(value, type) and id(value) in _TYPE_NAMES:
        return {"__type__": _TYPE_NAMES[id(value)]}
    if hasattr(value, "get_params") and not isinstance(value, type):
        name = type_name_of(value)  # refuses types outside the allowlist
        return {"__estimator__": name, "data": value.to_dict()}
    if callable(value) and not isinstance(value, type):
        return {"__function__": function_path(value, where)}
    raise TypeError(
        f"{where}: a value of type {type(value).__name__} ({value!r:.80}) cannot be saved "
        "without pickle."
    )


def decode_value(value, where):
    """Inverse of :func:`encode_value`; ValueError for anything unexpected."""
    if value is None or isinstance(value, bool | str | int | float | np.ndarray):
        return value
    if isinstance(value, list):
        return [decode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        raise ValueError(f"{where}: unexpected value of type {type(value).__name__}.")
    tags = [k for k in value if k in _TAGS]
    if len(tags) != 1:
        raise ValueError(f"{where}: unexpected object with keys {sorted(value)[:5]}.")
    tag = tags[0]
    body = value[tag]
    if tag == "__estimator__":
        if set(value) != {"__estimator__", "data"} or not isinstance(value["data"], dict):
            raise ValueError(f"{where}: an estimator entry needs exactly 'type' and 'data'.")
        cls = class_for(body)
        if not hasattr(cls, "from_dict"):
            raise ValueError(f"{where}: {body!r} cannot be loaded (no from_dict).")
        try:
            return cls.from_dict(value["data"])
        except ValueError as exc:
            if getattr(exc, "located", False):
                raise
            located = ValueError(f"{where} ({body}): {exc}")
            located.located = True
            raise located from exc
    if len(value) != 1:
        raise ValueError(f"{where}: unexpected keys {sorted(value)} next to {tag}.")
    if tag == "__function__":
        return _load_function(body, where)
    if tag in ("__tuple__", "__objarray__"):
        if not isinstance(body, list):
            raise ValueError(f"{where}: {tag} must hold a list.")
        items = [decode_value(v, f"{where}[{i}]") for i, v in enumerate(body)]
        if tag == "__tuple__":
            return tuple(items)
        return np.asarray(items + [None], dtype=object)[:-1]
    if tag == "__map__":
        if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2 for p in body):
            raise ValueError(f"{where}: __map__ must hold [key, value] pairs.")
        out = {}
        for k, v in body:
            if not isinstance(k, str | int | float | bool) and k is not None:
                raise ValueError(f"{where}: a map key must be a scalar.")
            out[k] = decode_value(v, where)
        return out
    if tag == "__slice__":
        if (
            not isinstance(body, list)
            or len(body) != 3
            or not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in body)
        ):
            raise ValueError(f"{where}: __slice__ must hold [start, stop, step] integers.")
        return slice(*body)
    if tag == "__dtype__":
        try:
            return np.dtype(body)
        except TypeError as exc:
            raise ValueError(f"{where}: invalid dtype {body!r}.") from exc
    if body not in _TYPES:
        raise ValueError(f"{where}: unknown type name {body!r}.")
    return _TYPES[body]


# --------------------------------------------------------------------------- state checks
def fail(est, message):
    raise ValueError(f"Invalid saved state for {type(est).__name__}: {message}.")


def check_int(est, name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        fail(est, f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_array(est, name, value, *, kinds, ndim=1, length=None):
    if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds or value.ndim != ndim:
        fail(est, f"{name} must be a {ndim}-D array of kind {kinds!r}")
    if length is not None and value.shape[0] != length:
        fail(est, f"{name} has {value.shape[0]} entries, expected {length}")
    return value


def check_feature_state(est):
    """``n_features_in_`` and ``feature_names_in_`` of a loaded estimator."""
    n = check_int(est, "n_features_in_", getattr(est, "n_features_in_", None), 1)
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        check_array(est, "feature_names_in_", names, kinds="OU", length=n)
        if not all(isinstance(v, str) for v in names.tolist()):
            fail(est, "feature_names_in_ must hold strings")
        est.feature_names_in_ = names.astype(object)
    return n
