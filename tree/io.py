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
import zipfile
from pathlib import Path

import numpy as np

from tree._serialize import CLASSIFIER_NAMES, REGRESSOR_NAMES, check_format_version

MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
_ARRAY_REF = "__ndarray__"


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
        The fitted estimator. A file in another format MAJOR version, with a missing or
        malformed array, or whose arrays do not form one valid tree raises ``ValueError``.
    """
    path = Path(path)
    model_file = path / MODEL_FILE
    arrays_file = path / ARRAYS_FILE
    for required in (model_file, arrays_file):
        if not required.is_file():
            raise ValueError(f"{path} is not a saved model folder: {required.name} is missing.")
    try:
        document = json.loads(model_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{model_file} is not valid JSON: {exc!r}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"{model_file} must hold a JSON object.")
    check_format_version(document.get("format_version"))
    cls = _estimator_class(document.get("estimator"))
    description = _resolve_arrays(document, arrays_file)
    return cls.from_dict(description)


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


def _resolve_arrays(document, arrays_file):
    try:
        archive = np.load(arrays_file, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{arrays_file} is not a readable .npz archive: {exc}") from exc
    with archive:
        return _substitute(document, archive, arrays_file)


def _substitute(value, archive, arrays_file):
    if isinstance(value, dict):
        if set(value) == {_ARRAY_REF}:
            key = value[_ARRAY_REF]
            if not isinstance(key, str) or key not in archive.files:
                raise ValueError(f"{arrays_file} is missing the array {key!r}.")
            try:
                return archive[key]
            except ValueError as exc:  # object arrays need pickle, which is never allowed
                raise ValueError(
                    f"Array {key!r} in {arrays_file} cannot be loaded without pickle ({exc}); "
                    "the file was not written by cartflow or was tampered with."
                ) from exc
            except (OSError, zipfile.BadZipFile, EOFError, MemoryError) as exc:
                raise ValueError(f"Array {key!r} in {arrays_file} is corrupt: {exc}") from exc
        return {k: _substitute(v, archive, arrays_file) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, archive, arrays_file) for v in value]
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
