"""Save and load fitted estimators without pickle: ``model.json`` plus ``arrays.npz``.

``save(model, path)`` writes a folder: ``model.json`` holds the structure (type names from an
allowlist, parameters, fitted state), the package version and the format version; every numpy
array goes to ``arrays.npz`` under a key that ``model.json`` names together with its dtype and
shape. Text arrays are stored as fixed-width unicode. ``load(path)`` checks the format version,
every array's presence, dtype and shape, and each estimator's state before returning the model;
it never unpickles or executes anything from the files. A ``FunctionTransformer`` is stored by
the registry name of one of a closed set of pure transforms, or by the import path of a function
of the caller's own module, which loads only when the caller trusts that module by name.
"""

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from pipeline import _serialize
from pipeline._npz import BoundedNpz, ModelFileError, check_dtype
from pipeline._version import __version__

FORMAT_VERSION = "1.0"
FORMAT_NAME = "cartflow-model"
MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"

MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 64
MAX_NDIM = 8

__all__ = ["ModelFileError", "load", "save"]

_ARRAY_TAG = "__cartflow_array__"
_FLOAT_TAG = "__cartflow_float__"


# --------------------------------------------------------------------------- save
def save(model, path):
    """Write ``model`` to the folder ``path`` (created or atomically replaced).

    Parameters
    ----------
    model : estimator
        One of our estimators or pipelines (any allowlisted type with ``to_dict``), including
        ``tree.DecisionTree`` / ``tree.DecisionTreeRegressor``.
    path : str or Path
        The folder to write. An existing folder is replaced only if it is empty or holds a
        saved model.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    path = Path(path)
    type_name = _serialize.type_name_of(model)
    if not hasattr(model, "to_dict"):
        raise TypeError(f"{type(model).__name__} has no to_dict(); it cannot be saved.")
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "model": {"__estimator__": type_name, "data": model.to_dict()},
    }
    arrays = {}
    encoded = _extract(document, arrays, "model")
    text = json.dumps(encoded, indent=1, allow_nan=False)
    replaceable = path.is_dir() and (
        (path / MODEL_FILE).is_file() or not any(path.iterdir())
    )  # a saved model, or an empty folder
    if path.exists() and not replaceable:
        raise FileExistsError(
            f"{path} exists and is not a saved model folder; choose another path or remove it."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        (staging / MODEL_FILE).write_text(text, encoding="utf-8")
        with open(staging / ARRAYS_FILE, "wb") as fh:
            np.savez(fh, **arrays)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _swap_into_place(staging, path):
    if not path.exists():
        os.replace(staging, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rmdir(old)
    os.replace(path, old)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _extract(value, arrays, where):
    """JSON-ready copy of ``value``: arrays moved to ``arrays``, non-finite floats tagged."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        meta = {_ARRAY_TAG: key, "dtype": value.dtype.str, "shape": list(value.shape)}
        if value.dtype.kind == "O":
            missing = np.array([not isinstance(v, str) for v in value.ravel()], dtype=bool).reshape(
                value.shape
            )
            if any(not (isinstance(v, str) or _is_nan(v)) for v in value.ravel()):
                raise TypeError(f"{where}: an object array can be saved only if it holds text.")
            text = np.where(missing, "", value).astype(str)
            arrays[key] = text
            meta["dtype"] = "object"
            meta["text_dtype"] = text.dtype.str
            if missing.any():
                arrays[f"{key}_missing"] = missing
                meta["missing"] = f"{key}_missing"
        else:
            if value.dtype.kind not in "biufU":
                raise TypeError(f"{where}: arrays of dtype {value.dtype} cannot be saved.")
            arrays[key] = np.ascontiguousarray(value)
        return meta
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT_TAG: repr(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_extract(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: dict keys must be strings, got {k!r}.")
            if k in (_ARRAY_TAG, _FLOAT_TAG):
                raise TypeError(f"{where}: the key {k!r} is reserved.")
            out[k] = _extract(v, arrays, f"{where}.{k}")
        return out
    raise TypeError(f"{where}: a value of type {type(value).__name__} cannot be saved as JSON.")


def _is_nan(v):
    return isinstance(v, float) and math.isnan(v)


# --------------------------------------------------------------------------- load
def load(path, *, trusted_modules=()):
    """Load a model written by :func:`save`, validating everything before use.

    Parameters
    ----------
    path : str or Path
        The folder written by ``save``.
    trusted_modules : iterable of str, optional
        Your own modules whose functions a ``FunctionTransformer`` may refer to. The standard
        library, numpy and cartflow's dependencies cannot be trusted; their pure transforms
        (``numpy:log1p``, ``numpy:clip``, ...) load through a closed registry instead.

    Returns
    -------
    estimator

    Raises
    ------
    FileNotFoundError
        When the folder or one of its files is missing.
    ModelFileError
        (a ``ValueError``) for a corrupted, tampered, oversized or incompatible model: unknown
        type, missing array, wrong dtype or shape, inconsistent state, unregistered function,
        newer format major version, ... The message names the file and the field.
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder written by pipeline.persist.save.")
    model_file, arrays_file = path / MODEL_FILE, path / ARRAYS_FILE
    for f in (model_file, arrays_file):
        if not f.is_file():
            raise FileNotFoundError(f"{f} is missing; {path} is not a complete saved model.")
    trusted = _serialize.check_trusted_modules(trusted_modules)
    document = read_model_json(model_file)
    _check_header(document, model_file)
    with BoundedNpz(arrays_file) as archive:
        used = set()
        try:
            model_doc = _restore(document["model"], archive, used, "model")
        except ModelFileError as exc:
            raise ModelFileError(f"{model_file}: {exc}") from exc
        unused = set(archive.files) - used
        if unused:
            raise ModelFileError(
                f"{arrays_file} holds arrays {sorted(unused)[:5]} that model.json does not "
                "use; the folder was modified."
            )
    token = _serialize.TRUSTED_MODULES.set(trusted)
    try:
        return _serialize.decode_value(model_doc, "model")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ModelFileError(f"{model_file} describes an invalid model: {exc}") from exc
    finally:
        _serialize.TRUSTED_MODULES.reset(token)


def read_model_json(model_file, *, max_bytes=MAX_JSON_BYTES, max_depth=MAX_JSON_DEPTH):
    """Parse ``model_file`` after checking its size; then check its nesting depth.

    Raises ``ModelFileError`` naming the file for oversized, non-UTF-8, invalid or too deeply
    nested JSON (and for the non-standard constants NaN/Infinity).
    """
    size = model_file.stat().st_size
    if size > max_bytes:
        raise ModelFileError(f"{model_file} is {size} bytes, more than the limit of {max_bytes}.")
    try:
        document = json.loads(
            model_file.read_text(encoding="utf-8"), parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ModelFileError(f"{model_file} is not valid JSON: {exc}") from exc
    where = json_too_deep(document, max_depth)
    if where is not None:
        raise ModelFileError(
            f"{model_file}: {where} is nested more than {max_depth} levels deep; no model is."
        )
    return document


def json_too_deep(document, max_depth):
    """The path of the first value nested deeper than ``max_depth``, or None (iterative)."""
    stack = [(document, "model.json", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > max_depth:
            return where
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def _reject_constant(name):
    raise ValueError(f"model.json contains the non-standard JSON constant {name}.")


def _check_header(document, model_file):
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{model_file} is not a cartflow model file (format {FORMAT_NAME!r}).")
    version = document.get("format_version")
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise ModelFileError(f"{model_file}: invalid format_version {version!r}.") from None
    ours = int(FORMAT_VERSION.split(".")[0])
    if major > ours:
        raise ModelFileError(
            f"{model_file} was written in format {version} (by cartflow "
            f"{document.get('package_version')}), newer than this cartflow ({__version__}) "
            f"reads (format {FORMAT_VERSION}); upgrade cartflow to load it."
        )
    if major != ours:
        raise ModelFileError(f"{model_file}: unsupported format_version {version!r}.")
    if not isinstance(document.get("model"), dict):
        raise ModelFileError(f"{model_file} has no 'model' entry.")


def _restore(value, archive, used, where):
    if isinstance(value, list):
        return [_restore(v, archive, used, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if _FLOAT_TAG in value:
        if set(value) != {_FLOAT_TAG} or value[_FLOAT_TAG] not in ("nan", "inf", "-inf"):
            raise ModelFileError(f"{where}: invalid tagged float {value!r}.")
        return float(value[_FLOAT_TAG])
    if _ARRAY_TAG in value:
        return _load_array(value, archive, used, where)
    return {k: _restore(v, archive, used, f"{where}.{k}") for k, v in value.items()}


def _load_array(meta, archive, used, where):
    allowed = {_ARRAY_TAG, "dtype", "shape", "text_dtype", "missing"}
    key, dtype_text, shape = meta.get(_ARRAY_TAG), meta.get("dtype"), meta.get("shape")
    if set(meta) - allowed or not isinstance(key, str) or not isinstance(dtype_text, str):
        raise ModelFileError(f"{where}: invalid array reference {str(meta)[:200]}.")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_NDIM
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
    ):
        raise ModelFileError(f"{where}: invalid array shape {str(shape)[:200]}.")
    if key in used:
        raise ModelFileError(f"{where}: array {key!r} is referenced twice.")
    is_text = dtype_text == "object"
    expected = meta.get("text_dtype") if is_text else dtype_text
    if not isinstance(expected, str):
        raise ModelFileError(f"{where}: a text array needs its text_dtype.")
    dtype = check_dtype(expected, where, kinds="U" if is_text else "biufU")
    array = archive.read(key, dtype, tuple(shape), where)
    used.add(key)
    if not is_text:
        return array
    out = array.astype(object)
    missing_key = meta.get("missing")
    if missing_key is not None:
        if not isinstance(missing_key, str) or missing_key in used:
            raise ModelFileError(f"{where}: invalid missing-value mask reference.")
        mask = archive.read(missing_key, np.dtype(np.bool_), tuple(shape), where)
        used.add(missing_key)
        out[mask] = np.nan
    return out
