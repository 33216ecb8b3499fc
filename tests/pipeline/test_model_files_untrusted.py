"""A model file is data: hand-written or tampered files cannot run code, exhaust memory or load
wrong state (issue 17, classes 1, 4 and 5); every refusal is one ``ModelFileError`` naming the
file and the field."""

import json
import tracemalloc
import zipfile
from pathlib import Path
from shutil import rmtree as imported_rmtree  # noqa: F401  (a name imported into this module)

import numpy as np
import pandas as pd
import pytest

import tree
from pipeline import make_pipeline, persist
from pipeline._npz import ModelFileError
from pipeline.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    SimpleImputer,
    StandardScaler,
)


def times_two(X):
    return np.asarray(X, dtype=float) * 2.0


def read_doc(folder):
    return json.loads((Path(folder) / "model.json").read_text())


def write_doc(folder, doc):
    (Path(folder) / "model.json").write_text(json.dumps(doc))


def find_function_entries(value, found):
    if isinstance(value, dict):
        if "__function__" in value:
            found.append(value)
        for v in value.values():
            find_function_entries(v, found)
    elif isinstance(value, list):
        for v in value:
            find_function_entries(v, found)
    return found


def estimator_entries(value, name, found):
    if isinstance(value, dict):
        if value.get("__estimator__") == name:
            found.append(value)
        for v in value.values():
            estimator_entries(v, name, found)
    elif isinstance(value, list):
        for v in value:
            estimator_entries(v, name, found)
    return found


@pytest.fixture
def log_model(tmp_path):
    model = FunctionTransformer(np.log1p).fit(np.ones((3, 2)))
    return persist.save(model, tmp_path / "m")


# --------------------------------------------------------------------------- class 1: code
@pytest.mark.parametrize(
    "path, kw_args",
    [
        ("numpy:savetxt", {"fname": "pwned.txt"}),
        ("numpy:load", {"allow_pickle": True}),
        ("numpy:save", None),
        ("numpy.lib.npyio:load", None),
        ("builtins:eval", None),
        ("os:system", None),
        ("pipeline.persist:save", None),
    ],
)
def test_a_model_file_cannot_name_an_unregistered_function(log_model, path, kw_args):
    doc = read_doc(log_model)
    entry = find_function_entries(doc, [])[0]
    entry["__function__"] = path
    if kw_args is not None:
        doc["model"]["data"]["params"]["kw_args"] = {
            "__map__": [[k, v] for k, v in kw_args.items()]
        }
    write_doc(log_model, doc)
    with pytest.raises(ModelFileError, match="neither a registered transform") as info:
        persist.load(log_model)
    assert "model.json" in str(info.value) and "FunctionTransformer.func" in str(info.value)


@pytest.mark.parametrize("module", ["numpy", "numpy.lib", "builtins", "os", "pipeline", "tree"])
def test_trusted_modules_never_trusts_numpy_the_stdlib_or_ourselves(log_model, module):
    with pytest.raises(ValueError, match="trusted_modules cannot include"):
        persist.load(log_model, trusted_modules=[module])


def test_a_name_imported_into_a_trusted_module_is_not_trusted(tmp_path):
    model = FunctionTransformer(times_two).fit(np.ones((3, 1)))
    folder = persist.save(model, tmp_path / "m")
    assert persist.load(folder, trusted_modules=[__name__]).transform(np.ones((1, 1)))[0, 0] == 2
    doc = read_doc(folder)
    find_function_entries(doc, [])[0]["__function__"] = f"{__name__}:imported_rmtree"
    write_doc(folder, doc)
    with pytest.raises(ModelFileError, match="not a Python function defined in"):
        persist.load(folder, trusted_modules=[__name__])
    doc["model"]["data"]["params"]["func"]["__function__"] = f"{__name__}:np.save"
    write_doc(folder, doc)
    with pytest.raises(ModelFileError, match="not a Python function defined in"):
        persist.load(folder, trusted_modules=[__name__])


def test_a_registered_transform_takes_only_its_numeric_arguments(tmp_path):
    clip = FunctionTransformer(np.clip, kw_args={"a_min": 0.0, "a_max": 1.0}).fit(np.ones((2, 1)))
    folder = persist.save(clip, tmp_path / "c")
    loaded = persist.load(folder)
    X = np.array([[-3.0], [0.5], [7.0]])
    np.testing.assert_array_equal(loaded.transform(X), np.clip(X, 0.0, 1.0))
    doc = read_doc(folder)
    doc["model"]["data"]["params"]["kw_args"]["__map__"].append(["out", None])
    write_doc(folder, doc)
    with pytest.raises(ModelFileError, match="does not take the argument 'out'"):
        persist.load(folder)


def test_saving_an_unregistered_numpy_function_is_refused(tmp_path):
    with pytest.raises(ValueError, match="registered transforms"):
        persist.save(FunctionTransformer(np.cumsum).fit(np.ones((2, 1))), tmp_path / "m")


# --------------------------------------------------------------------------- class 4: size
def bomb_member(zf, name, header_shape, n_bytes):
    """A deflated .npy member declaring ``header_shape`` float64, holding ``n_bytes`` zeros."""
    header = {"descr": "<f8", "fortran_order": False, "shape": header_shape}
    with zf.open(name, "w", force_zip64=True) as out:
        np.lib.format.write_array_header_1_0(out, header)
        chunk = bytes(2**22)
        for _ in range(n_bytes // len(chunk)):
            out.write(chunk)


def rewrite_npz(npz_path, replace):
    """Copy ``npz_path`` with the members in ``replace`` (name -> writer) rewritten."""
    with np.load(npz_path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    with zipfile.ZipFile(npz_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, array in arrays.items():
            if key in replace:
                replace[key](zf, f"{key}.npy")
            else:
                with zf.open(f"{key}.npy", "w") as out:
                    np.lib.format.write_array(out, array)


def peak_bytes_of(func):
    tracemalloc.start()
    try:
        func()
    except ValueError as exc:
        error = exc
    else:
        error = None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


N_BOMB = 2**25  # 256 MiB of float64 zeros, about 250 KB deflated


def test_tree_load_does_not_decompress_an_oversized_member(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 3))
    model = tree.DecisionTree(max_depth=3, random_state=0).fit(X, X[:, 0] > 0)
    folder = tree.save(model, tmp_path / "t")
    rewrite_npz(
        folder / "arrays.npz",
        {"tree/threshold": lambda zf, name: bomb_member(zf, name, (N_BOMB,), N_BOMB * 8)},
    )
    peak, error = peak_bytes_of(lambda: tree.load(folder))
    assert isinstance(error, tree.ModelFileError), error
    assert "tree/threshold" in str(error) and "model.json" in str(error)
    assert peak < 20 * 2**20, f"{peak} bytes allocated to refuse the file"


def test_persist_load_does_not_decompress_a_bomb_even_when_json_agrees(tmp_path):
    model = StandardScaler().fit(np.ones((3, 2)))
    folder = persist.save(model, tmp_path / "m")
    doc = read_doc(folder)
    ref = doc["model"]["data"]["state"]["mean_"]
    ref["shape"] = [N_BOMB]
    write_doc(folder, doc)
    rewrite_npz(
        folder / "arrays.npz",
        {ref["__cartflow_array__"]: lambda zf, name: bomb_member(zf, name, (N_BOMB,), N_BOMB * 8)},
    )
    peak, error = peak_bytes_of(lambda: persist.load(folder))
    assert isinstance(error, ModelFileError), error
    assert "decompression bomb" in str(error)
    assert peak < 20 * 2**20, f"{peak} bytes allocated to refuse the file"


def test_a_huge_text_dtype_for_classes_is_refused_before_allocation(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 2))
    model = tree.DecisionTree(max_depth=2, random_state=0).fit(X, np.where(X[:, 0] > 0, "a", "b"))
    folder = tree.save(model, tmp_path / "t")
    doc = read_doc(folder)
    doc["fitted"]["classes_"]["dtype"] = "<U200000000"
    write_doc(folder, doc)
    peak, error = peak_bytes_of(lambda: tree.load(folder))
    assert isinstance(error, tree.ModelFileError), error
    assert "classes_" in str(error) and "characters" in str(error)
    assert peak < 20 * 2**20


@pytest.mark.parametrize(
    "depth, message", [(500, "nested more than 64"), (100_000, "not valid JSON")]
)
def test_deeply_nested_params_are_a_clear_error(tmp_path, depth, message):
    X = np.random.default_rng(0).normal(size=(40, 2))
    folder = tree.save(tree.DecisionTree(max_depth=2).fit(X, X[:, 0] > 0), tmp_path / "t")
    doc = read_doc(folder)
    doc["params"]["class_weight"] = "NESTED"
    text = json.dumps(doc).replace('"NESTED"', "[" * depth + "0" + "]" * depth)
    (folder / "model.json").write_text(text)
    with pytest.raises(tree.ModelFileError, match=message):
        tree.load(folder)


def test_a_huge_declared_text_dtype_is_refused_by_persist(tmp_path):
    model = OneHotEncoder().fit(pd.DataFrame({"c": ["a", "b"]}))
    folder = persist.save(model, tmp_path / "m")
    text = (folder / "model.json").read_text()
    doc = json.loads(text)
    refs = [m.group(0) for m in __import__("re").finditer(r'"text_dtype": "<U\d+"', text)]
    assert refs, "the encoder stores its categories as text"
    write = text.replace(refs[0], '"text_dtype": "<U200000000"')
    (folder / "model.json").write_text(write)
    assert doc  # the original was valid JSON
    with pytest.raises(ModelFileError, match="exceeds the limit"):
        persist.load(folder)


# --------------------------------------------------------------------------- class 5: state
def edit_state(folder, estimator, key, value):
    """Put ``value`` (an array) in place of state ``key`` of the first ``estimator``."""
    doc = read_doc(folder)
    entry = estimator_entries(doc, estimator, [])[0]
    ref = entry["data"]["state"][key]
    if isinstance(ref, list):  # a list of arrays (categories_)
        ref = ref[0]
    array_key = ref["__cartflow_array__"]
    with np.load(folder / "arrays.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays[array_key] = value(arrays[array_key])
    ref["dtype"] = "object" if ref["dtype"] == "object" else arrays[array_key].dtype.str
    ref["shape"] = list(arrays[array_key].shape)
    if "text_dtype" in ref:
        ref["text_dtype"] = arrays[array_key].dtype.str
    write_doc(folder, doc)
    with open(folder / "arrays.npz", "wb") as fh:
        np.savez(fh, **arrays)


def set_entry(index, number):
    def change(a):
        a = a.copy()
        a[index] = number
        return a

    return change


STATE_TAMPERS = {
    "scaler NaN scale_": ("StandardScaler", "scale_", set_entry(0, np.nan), "scale_"),
    "scaler inf scale_": ("StandardScaler", "scale_", set_entry(0, np.inf), "scale_"),
    "scaler NaN mean_": ("StandardScaler", "mean_", set_entry(0, np.nan), "mean_"),
    "minmax inf min_": ("MinMaxScaler", "min_", set_entry(0, np.inf), "min_"),
    "minmax NaN scale_": ("MinMaxScaler", "scale_", set_entry(0, np.nan), "scale_"),
    "imputer inf statistic": ("SimpleImputer", "statistics_", set_entry(0, np.inf), "statistics_"),
}


@pytest.fixture
def numeric_pipeline(tmp_path):
    X = np.random.default_rng(3).normal(size=(30, 2))
    model = make_pipeline(SimpleImputer(), StandardScaler(), MinMaxScaler()).fit(X)
    return persist.save(model, tmp_path / "p"), X


@pytest.mark.parametrize("case", list(STATE_TAMPERS))
def test_non_finite_transformer_state_is_refused(numeric_pipeline, case):
    folder, _ = numeric_pipeline
    estimator, key, change, field = STATE_TAMPERS[case]
    edit_state(folder, f"pipeline.preprocessing.{estimator}", key, change)
    with pytest.raises(ModelFileError, match=field) as info:
        persist.load(folder)
    assert str(folder / "model.json") in str(info.value)


def test_duplicate_one_hot_categories_are_refused(tmp_path):
    model = OneHotEncoder().fit(pd.DataFrame({"c": ["a", "b", "c"]}))
    folder = persist.save(model, tmp_path / "m")
    edit_state(
        folder,
        "pipeline.preprocessing.OneHotEncoder",
        "categories_",
        lambda a: np.array(["a", "a", "c"], dtype=a.dtype),
    )
    with pytest.raises(ModelFileError, match="repeats a category"):
        persist.load(folder)


def test_a_leaf_whose_class_fractions_are_all_zero_is_refused(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 3))
    folder = tree.save(tree.DecisionTree(max_depth=2).fit(X, X[:, 0] > 0), tmp_path / "t")
    with np.load(folder / "arrays.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    value = arrays["tree/value"].copy()
    leaf = int(np.flatnonzero(arrays["tree/children_left"] == -1)[0])
    value[leaf] = 0.0
    arrays["tree/value"] = value
    with open(folder / "arrays.npz", "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(tree.ModelFileError, match=rf"value\[{leaf}\] sums to 0.0"):
        tree.load(folder)


@pytest.mark.parametrize(
    "param", ["ccp_alpha", "min_impurity_decrease", "min_weight_fraction_leaf"]
)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_tree_parameters_are_rejected_like_sklearn(param, bad):
    sk_tree = pytest.importorskip("sklearn.tree")
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = X[:, 0] > 0
    with pytest.raises(ValueError) as theirs:
        sk_tree.DecisionTreeClassifier(**{param: bad}).fit(X, y)
    with pytest.raises(ValueError, match=param) as ours:
        tree.DecisionTree(**{param: bad}).fit(X, y)
    assert type(theirs.value).__name__ == type(ours.value).__name__ == "InvalidParameterError"


def test_a_nan_parameter_in_a_model_file_is_refused(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 2))
    folder = tree.save(tree.DecisionTree(max_depth=2).fit(X, X[:, 0] > 0), tmp_path / "t")
    doc = read_doc(folder)
    doc["params"]["ccp_alpha"] = {"__float__": "nan"}
    write_doc(folder, doc)
    with pytest.raises(tree.ModelFileError, match="ccp_alpha"):
        tree.load(folder)


def test_the_two_copies_of_the_bounded_reader_are_identical():
    root = Path(__file__).resolve().parents[2]
    assert (root / "tree" / "_npz.py").read_text() == (root / "pipeline" / "_npz.py").read_text()
