"""Save and load a fitted tree as a folder holding ``model.json`` and ``arrays.npz``.

No pickle anywhere: the JSON holds the estimator's description and each numpy array is replaced
by a reference ``{"__ndarray__": key}`` into ``arrays.npz``, which is read with
``allow_pickle=False``. The class to rebuild is chosen from a fixed list of our own estimators,
never looked up from a name in the file, and the tree is validated before it is returned.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from tree._categorical_io import categorical_layouts
from tree._npz import BoundedNpz, ModelFileError

__all__ = ["ModelFileError", "load", "save"]
from tree._serialize import CLASSIFIER_NAMES, REGRESSOR_NAMES, check_format_version
from tree._tree import Tree

MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
_ARRAY_REF = "__ndarray__"
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 64


def save(model, path):
    """Write a fitted tree estimator to the folder ``path`` (created or replaced atomically).

    Parameters
    ----------
    model : DecisionTree or DecisionTreeRegressor
        A fitted estimator offering ``to_dict``.
    path : str or os.PathLike
        The folder to write. An existing folder is replaced only if it holds a saved model
        (a ``model.json``); any other existing path is refused.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    path = Path(path)
    if not hasattr(model, "to_dict"):
        raise TypeError(f"{type(model).__name__} has no to_dict(); only our trees can be saved.")
    if path.exists() and not (path.is_dir() and (path / MODEL_FILE).is_file()):
        raise ValueError(
            f"{path} exists and is not a saved model folder; choose a new path or remove it."
        )
    description = model.to_dict()
    arrays = {}
    document = _extract_arrays(description, arrays, prefix="")
    text = json.dumps(document, indent=1, allow_nan=False)

    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        (staging / MODEL_FILE).write_text(text, encoding="utf-8")
        with open(staging / ARRAYS_FILE, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def load(path):
    """Read a tree estimator written by ``save``.

    Parameters
    ----------
    path : str or os.PathLike
        The model folder.

    Returns
    -------
    DecisionTree or DecisionTreeRegressor
        The fitted estimator.

    Raises
    ------
    ModelFileError
        (a ``ValueError``) for a missing file, a file in another format MAJOR version, an
        oversized or too deeply nested ``model.json``, an array whose stored dtype or shape is
        not the one the tree's node count implies (checked before it is decompressed), or
        arrays that do not form one valid tree. The message names the file and the field.
    """
    path = Path(path)
    model_file = path / MODEL_FILE
    arrays_file = path / ARRAYS_FILE
    for required in (model_file, arrays_file):
        if not required.is_file():
            raise ModelFileError(f"{path} is not a saved model folder: {required.name} is missing.")
    document = _read_json(model_file)
    try:
        check_format_version(document.get("format_version"))
        cls = _estimator_class(document.get("estimator"))
    except ValueError as exc:
        raise ModelFileError(f"{model_file}: {exc}") from exc
    description = _resolve_arrays(document, model_file, arrays_file)
    try:
        return cls.from_dict(description)
    except ValueError as exc:
        raise ModelFileError(f"{model_file}: {exc}") from exc


def _read_json(model_file):
    size = model_file.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"{model_file} is {size} bytes, more than the limit of {MAX_JSON_BYTES}."
        )
    try:
        document = json.loads(model_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ModelFileError(f"{model_file} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ModelFileError(f"{model_file} must hold a JSON object.")
    stack = [(document, "model.json", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ModelFileError(
                f"{model_file}: {where} is nested more than {MAX_JSON_DEPTH} levels deep; no "
                "model is."
            )
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
    return document


def _estimator_class(name):
    import tree

    if name in CLASSIFIER_NAMES:
        return tree.DecisionTree
    if name in REGRESSOR_NAMES:
        return tree.DecisionTreeRegressor
    raise ValueError(
        f"The saved estimator {name!r} is not one this package loads; expected one of "
        f"{list(CLASSIFIER_NAMES + REGRESSOR_NAMES)}."
    )


def _extract_arrays(value, arrays, prefix):
    """Copy of ``value`` with each numpy array replaced by a reference into ``arrays``."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(
                f"Array {prefix!r} has object dtype and cannot be saved without pickle."
            )
        key = prefix or "array"
        arrays[key] = value
        return {_ARRAY_REF: key}
    if isinstance(value, dict):
        return {
            k: _extract_arrays(v, arrays, f"{prefix}/{k}" if prefix else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_extract_arrays(v, arrays, f"{prefix}/{i}") for i, v in enumerate(value)]
    return value


def _expected_layouts(document, model_file):
    """Dtype and shape of every array the tree may reference, from its declared node count."""
    tree_state = document.get("tree")
    if not isinstance(tree_state, dict):
        raise ModelFileError(f"{model_file}: 'tree' must be an object.")
    node_count = tree_state.get("node_count")
    n_classes = tree_state.get("n_classes")
    if isinstance(node_count, bool) or not isinstance(node_count, int) or node_count < 1:
        raise ModelFileError(f"{model_file}: tree.node_count must be a positive int.")
    if (
        not isinstance(n_classes, list)
        or len(n_classes) != 1
        or isinstance(n_classes[0], bool)
        or not isinstance(n_classes[0], int)
        or n_classes[0] < 1
    ):
        raise ModelFileError(f"{model_file}: tree.n_classes must be [a positive int].")
    layouts = {}
    for name, dtype in Tree.ARRAY_DTYPES.items():
        shape = (node_count, 1, n_classes[0]) if name == "value" else (node_count,)
        layouts[f"tree/{name}"] = (np.dtype(dtype), shape)
    try:
        layouts.update(categorical_layouts(tree_state, node_count))
    except ValueError as exc:
        raise ModelFileError(f"{model_file}: {exc}") from exc
    return layouts


def _resolve_arrays(document, model_file, arrays_file):
    layouts = _expected_layouts(document, model_file)
    with BoundedNpz(arrays_file) as archive:
        try:
            return _substitute(document, archive, layouts, "model.json")
        except ModelFileError as exc:
            raise ModelFileError(f"{model_file}: {exc}") from exc


def _substitute(value, archive, layouts, where):
    if isinstance(value, dict):
        if _ARRAY_REF in value:
            key = value[_ARRAY_REF]
            if set(value) != {_ARRAY_REF} or not isinstance(key, str) or key not in layouts:
                raise ModelFileError(
                    f"{where}: {str(value)[:100]} is not a reference to one of the tree's arrays."
                )
            dtype, shape = layouts[key]
            return archive.read(key, dtype, shape, where)
        return {k: _substitute(v, archive, layouts, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, archive, layouts, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _swap_into_place(staging, path):
    if not path.exists():
        os.replace(staging, path)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rmdir(retired)
    os.replace(path, retired)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(retired, path)
        raise
    shutil.rmtree(retired, ignore_errors=True)
