"""Save and load fitted estimators without pickle: ``model.json`` plus ``arrays.npz``.

``save(model, path)`` writes a folder: ``model.json`` holds the structure (type names from an
allowlist, parameters, fitted state), the package version and the format version; every numpy
array goes to ``arrays.npz`` under a key that ``model.json`` names together with its dtype and
shape. Text arrays are stored as fixed-width unicode. ``load(path)`` checks the format version,
every array's presence, dtype and shape, and each estimator's state before returning the model;
it never unpickles or executes anything from the files. A ``FunctionTransformer`` is stored by
the import path of its function and loads only when that module is trusted.
"""

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from pipeline import _serialize
from pipeline._version import __version__

FORMAT_VERSION = "1.0"
FORMAT_NAME = "cartflow-model"
MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"

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
        Modules (besides ``numpy`` and ``pipeline``) whose functions a ``FunctionTransformer``
        may refer to.

    Returns
    -------
    estimator

    Raises
    ------
    FileNotFoundError
        When the folder or one of its files is missing.
    ValueError
        For a corrupted, tampered or incompatible model (unknown type, missing array, wrong
        dtype or shape, newer format major version, untrusted function module, ...).
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder written by pipeline.persist.save.")
    model_file, arrays_file = path / MODEL_FILE, path / ARRAYS_FILE
    for f in (model_file, arrays_file):
        if not f.is_file():
            raise FileNotFoundError(f"{f} is missing; {path} is not a complete saved model.")
    try:
        document = json.loads(
            model_file.read_text(encoding="utf-8"), parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{model_file} is not valid JSON: {exc}.") from exc
    _check_header(document, model_file)
    trusted = tuple(trusted_modules)
    if not all(isinstance(m, str) and m for m in trusted):
        raise TypeError("trusted_modules must be a list of module names.")
    try:
        archive = np.load(arrays_file, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{arrays_file} is not a valid .npz archive: {exc}.") from exc
    with archive:
        used = set()
        try:
            model_doc = _restore(document["model"], archive, used, "model")
        except RecursionError as exc:
            raise ValueError(f"{model_file} is nested too deeply to be a model.") from exc
        except (OSError, KeyError) as exc:
            raise ValueError(f"{arrays_file} could not be read: {exc}.") from exc
        unused = set(archive.files) - used
        if unused:
            raise ValueError(
                f"{arrays_file} holds arrays {sorted(unused)[:5]} that model.json does not "
                "use; the folder was modified."
            )
    token = _serialize.TRUSTED_MODULES.set(_serialize.DEFAULT_TRUSTED_MODULES + trusted)
    try:
        return _serialize.decode_value(model_doc, "model")
    except (TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ValueError(f"{model_file} describes an invalid model: {exc!r}") from exc
    finally:
        _serialize.TRUSTED_MODULES.reset(token)


def _reject_constant(name):
    raise ValueError(f"model.json contains the non-standard JSON constant {name}.")


def _check_header(document, model_file):
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ValueError(f"{model_file} is not a cartflow model file (format {FORMAT_NAME!r}).")
    version = document.get("format_version")
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise ValueError(f"{model_file}: invalid format_version {version!r}.") from None
    ours = int(FORMAT_VERSION.split(".")[0])
    if major > ours:
        raise ValueError(
            f"{model_file} was written in format {version} (by cartflow "
            f"{document.get('package_version')}), newer than this cartflow ({__version__}) "
            f"reads (format {FORMAT_VERSION}); upgrade cartflow to load it."
        )
    if major != ours:
        raise ValueError(f"{model_file}: unsupported format_version {version!r}.")
    if not isinstance(document.get("model"), dict):
        raise ValueError(f"{model_file} has no 'model' entry.")


def _restore(value, archive, used, where):
    if isinstance(value, list):
        return [_restore(v, archive, used, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if _FLOAT_TAG in value:
        if set(value) != {_FLOAT_TAG} or value[_FLOAT_TAG] not in ("nan", "inf", "-inf"):
            raise ValueError(f"{where}: invalid tagged float {value!r}.")
        return float(value[_FLOAT_TAG])
    if _ARRAY_TAG in value:
        return _load_array(value, archive, used, where)
    return {k: _restore(v, archive, used, f"{where}.{k}") for k, v in value.items()}


def _load_array(meta, archive, used, where):
    allowed = {_ARRAY_TAG, "dtype", "shape", "text_dtype", "missing"}
    key, dtype, shape = meta.get(_ARRAY_TAG), meta.get("dtype"), meta.get("shape")
    if set(meta) - allowed or not isinstance(key, str) or not isinstance(dtype, str):
        raise ValueError(f"{where}: invalid array reference {meta!r}.")
    if not isinstance(shape, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
    ):
        raise ValueError(f"{where}: invalid array shape {shape!r}.")
    if key not in archive.files:
        raise ValueError(f"{where}: array {key!r} is missing from {ARRAYS_FILE}.")
    array = archive[key]
    used.add(key)
    expected = meta.get("text_dtype") if dtype == "object" else dtype
    if array.dtype.str != expected:
        raise ValueError(
            f"{where}: array {key!r} has dtype {array.dtype.str}, model.json says {expected}."
        )
    if list(array.shape) != shape:
        raise ValueError(
            f"{where}: array {key!r} has shape {list(array.shape)}, model.json says {shape}."
        )
    if dtype != "object":
        if array.dtype.kind not in "biufU":
            raise ValueError(f"{where}: array {key!r} has unsupported dtype {array.dtype}.")
        return array
    if array.dtype.kind != "U":
        raise ValueError(f"{where}: text array {key!r} must be stored as unicode.")
    out = array.astype(object)
    missing_key = meta.get("missing")
    if missing_key is not None:
        if missing_key not in archive.files:
            raise ValueError(f"{where}: array {missing_key!r} is missing from {ARRAYS_FILE}.")
        mask = archive[missing_key]
        used.add(missing_key)
        if mask.dtype != np.bool_ or mask.shape != array.shape:
            raise ValueError(f"{where}: missing-value mask {missing_key!r} is malformed.")
        out[mask] = np.nan
    return out
