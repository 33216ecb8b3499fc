"""Mutate saved models field by field and load each mutant (run as a script, in a child process
with a memory limit; ``test_model_file_fuzz.py`` starts it).

For every mutant the outcome must be one of:

- ``refused``: the loader raised its documented ``ModelFileError`` (a ``ValueError``);
- ``same``: it loaded and predicts exactly what the original predicts;
- ``valid``: it loaded a different but well-formed model (a number changed within its range:
  only the export's content hash can tell, and ``load_model`` checks that hash). Its output
  must still be well formed: labels among ``classes_``, finite probabilities summing to 1;
- ``rejects_input``: it loaded a well-formed model that refuses the probe rows with a
  ``ValueError`` explaining why (an imputed value of -1 fed to log1p gives -inf, which the
  next scaler refuses): the same answer a fitted model gives an input it cannot score.

Anything else (another exception type, a crash, a prediction that raises, NaN probabilities,
an allocation beyond the memory limit) is reported as ``bad``. The script prints one JSON
object: counts per outcome and the first bad cases.

    python model_file_fuzz.py WORKDIR SEED MAX_MUTANTS_PER_MODEL MEMORY_HEADROOM_MB
"""

import copy
import json
import random
import resource
import shutil
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tree
from pipeline import ColumnTransformer, Pipeline, persist
from pipeline._npz import ModelFileError as PersistError
from pipeline.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    SimpleImputer,
    StandardScaler,
)

REPLACEMENTS = [
    None,
    True,
    -1,
    0,
    1,
    2**31,
    2**63,
    -(2**63) - 1,
    1e308,
    -1e308,
    "",
    "x",
    "<U200000000",
    "|O",
    "<f8",
    "<i8",
    "numpy:load",
    "os:system",
    "builtins:eval",
    [],
    {},
    {"__cartflow_float__": "nan"},
    {"__cartflow_float__": "inf"},
    {"__float__": "nan"},
    {"__float__": "-inf"},
    {"__cartflow_array__": "a0", "dtype": "<f8", "shape": [2**40]},
    {"__ndarray__": "tree/value"},
    {"__function__": "numpy:save"},
    {"__estimator__": "tree.DecisionTree", "data": {}},
]


def data():
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame(
        {
            "size": rng.normal(50, 10, n),
            "rooms": rng.integers(1, 6, n).astype(float),
            "city": rng.choice(["north", "south", "east"], n),
        }
    )
    frame.loc[[3, 7], "size"] = np.nan
    y = np.where(frame["size"].fillna(50) + 5 * frame["rooms"] > 65, "big", "small")
    return frame, y


def build_models(workdir):
    frame, y = data()
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
            ("minmax", MinMaxScaler()),
        ]
    )
    pre = ColumnTransformer(
        [("num", numeric, ["size", "rooms"]), ("cat", OneHotEncoder(), ["city"])]
    )
    pipe = Pipeline([("pre", pre), ("tree", tree.DecisionTree(max_depth=4, random_state=0))])
    pipe.fit(frame, y)
    X = frame[["size", "rooms"]].fillna(0).to_numpy()
    lone = tree.DecisionTree(max_depth=5, random_state=0).fit(X, y)
    models = {
        "persist": (persist.save(pipe, workdir / "persist"), persist.load, frame, PersistError),
        "tree": (tree.save(lone, workdir / "tree"), tree.load, X, tree.ModelFileError),
    }
    return models


def outputs(model, X):
    return np.asarray(model.predict(X)), np.asarray(model.predict_proba(X))


def leaves(value, path=()):
    """Every (path, value) of a JSON document, containers included."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))


def set_at(document, path, value):
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def json_mutants(document, rng):
    for path, value in leaves(document):
        if not path:
            continue
        for replacement in REPLACEMENTS:
            if replacement != value:
                yield (
                    f"json {'/'.join(map(str, path))} = {json.dumps(replacement)[:40]}",
                    (lambda d, p=path, r=replacement: set_at(d, p, copy.deepcopy(r))),
                )
        if isinstance(value, dict) and value:
            key = rng.choice(sorted(value))
            yield (
                f"json {'/'.join(map(str, path))} drop {key}",
                (lambda d, p=path, k=key: _drop(d, p, k)),
            )
        if isinstance(value, list) and value:
            yield (
                f"json {'/'.join(map(str, path))} +dup",
                (lambda d, p=path: _get(d, p).append(copy.deepcopy(_get(d, p)[-1]))),
            )
            yield f"json {'/'.join(map(str, path))} -last", (lambda d, p=path: _get(d, p).pop())
        if isinstance(value, int | float) and not isinstance(value, bool):
            for factor in (-1, 2, 0.5, 1e12):
                yield (
                    f"json {'/'.join(map(str, path))} *{factor}",
                    (
                        lambda d, p=path, v=value, f=factor: set_at(
                            d, p, type(v)(v * f) if isinstance(v, float) else int(v * f)
                        )
                    ),
                )


def _get(document, path):
    for part in path:
        document = document[part]
    return document


def _drop(document, path, key):
    del _get(document, path)[key]


def array_mutants(arrays, rng):
    for key in sorted(arrays):
        array = arrays[key]
        if array.size and array.dtype.kind in "biuf":
            for value in (np.nan, np.inf, -1, 2**40, 0):
                yield f"npz {key}[i] = {value}", (lambda a, k=key, v=value: _set_item(a, k, v, rng))
        if array.ndim and array.shape[0] > 1:
            yield f"npz {key} reversed", (lambda a, k=key: a.__setitem__(k, a[k][::-1].copy()))
        yield (
            f"npz {key} +1 entry",
            (lambda a, k=key: a.__setitem__(k, np.concatenate([a[k], a[k][:1]]))),
        )
        if array.dtype.kind in "iuf":
            yield (
                f"npz {key} as float32",
                (lambda a, k=key: a.__setitem__(k, a[k].astype(np.float32))),
            )
        yield f"npz {key} as object", (lambda a, k=key: a.__setitem__(k, a[k].astype(object)))
        yield f"npz {key} zeros", (lambda a, k=key: a.__setitem__(k, np.zeros_like(a[k])))


def _set_item(arrays, key, value, rng):
    array = arrays[key].copy()
    flat = array.reshape(-1)
    index = int(rng.integers(flat.size))
    try:
        flat[index] = value
    except (OverflowError, ValueError):
        flat[index] = np.iinfo(array.dtype).max if array.dtype.kind in "iu" else 0
    arrays[key] = array


def byte_mutants(size, rng):
    for fraction in (0.1, 0.5, 0.9, 0.999):
        yield f"bytes truncated at {fraction}", (lambda b, f=fraction: b[: int(len(b) * f)])
    for offset in sorted(set(int(o) for o in rng.integers(0, size, 12))):
        yield f"bytes flip at {offset}", (lambda b, o=offset: _flip(b, o))


def _flip(data, offset):
    data = bytearray(data)
    data[offset] ^= 0xFF
    return bytes(data)


def read_arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


def write_arrays(path, arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def check(load, folder, X, expected, error_type):
    try:
        model = load(folder)
    except error_type:
        return "refused", None
    except Exception:  # any other type is a bug of the loader
        return "bad", traceback.format_exc(limit=3)
    try:
        labels, proba = outputs(model, X)
    except ValueError:
        return "rejects_input", None
    except Exception:
        return "bad", "loaded but cannot predict: " + traceback.format_exc(limit=3)
    if np.array_equal(labels, expected[0]) and np.array_equal(proba, expected[1]):
        return "same", None
    classes = np.asarray(model.classes_)
    if (
        labels.shape != expected[0].shape
        or not np.isin(labels, classes).all()
        or proba.shape != (len(X), len(classes))
        or not np.all(np.isfinite(proba))
        or np.any(proba < 0)
        or not np.allclose(proba.sum(axis=1), 1.0)
    ):
        return "bad", f"loaded but its output is malformed: {proba[:2]!r}"
    return "valid", None


def limit_memory(headroom_mb):
    with open("/proc/self/status") as status:
        vm = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    limit = vm * 1024 + headroom_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit


def main(workdir, seed, max_per_model, headroom_mb):
    workdir = Path(workdir)
    rng = np.random.default_rng(seed)
    picker = random.Random(seed)
    models = build_models(workdir)
    expected = {name: outputs(load(folder), X) for name, (folder, load, X, _) in models.items()}
    limit = limit_memory(headroom_mb)
    warnings.simplefilter("ignore")  # mutants trigger numpy's divide/overflow warnings
    counts, bad = {}, []
    for name, (folder, load, X, error_type) in models.items():
        document = json.loads((folder / "model.json").read_text())
        arrays = read_arrays(folder / "arrays.npz")
        npz_size = (folder / "arrays.npz").stat().st_size
        mutants = [("json", m) for m in json_mutants(document, rng)]
        mutants += [("npz", m) for m in array_mutants(arrays, rng)]
        mutants += [("bytes", m) for m in byte_mutants(npz_size, rng)]
        if len(mutants) > max_per_model:
            mutants = picker.sample(mutants, max_per_model)
        for kind, (label, mutate) in mutants:
            target = workdir / "mutant"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
            if kind == "json":
                mutated = copy.deepcopy(document)
                mutate(mutated)
                (target / "model.json").write_text(json.dumps(mutated))
            elif kind == "npz":
                mutated = dict(arrays)
                mutate(mutated)
                try:
                    write_arrays(target / "arrays.npz", mutated)
                except ValueError:
                    continue  # numpy itself cannot write this mutant
            else:
                data = (folder / "arrays.npz").read_bytes()
                (target / "arrays.npz").write_bytes(mutate(data))
            outcome, detail = check(load, target, X, expected[name], error_type)
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == "bad" and len(bad) < 10:
                bad.append({"model": name, "mutant": label, "detail": detail})
    print(json.dumps({"counts": counts, "bad": bad, "memory_limit": limit}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
