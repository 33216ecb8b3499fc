"""tree.save / tree.load: model.json + arrays.npz, atomic writes, tampered files refused."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_iris

import tree
from tree.io import load, save

IRIS_X, IRIS_Y = load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def model():
    return tree.DecisionTree(max_depth=4, random_state=0).fit(IRIS_X, IRIS_Y)


@pytest.fixture
def saved(tmp_path, model):
    return save(model, tmp_path / "model")


def read_arrays(folder):
    with np.load(folder / "arrays.npz", allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def write_arrays(folder, arrays, allow_pickle=False):
    with open(folder / "arrays.npz", "wb") as handle:
        np.savez(handle, allow_pickle=allow_pickle, **arrays)


def edit_json(folder, change):
    document = json.loads((folder / "model.json").read_text())
    change(document)
    (folder / "model.json").write_text(json.dumps(document))


def test_round_trip_through_files(saved, model):
    assert sorted(p.name for p in saved.iterdir()) == ["arrays.npz", "model.json"]
    loaded = load(saved)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(IRIS_X), model.predict(IRIS_X))
    np.testing.assert_array_equal(loaded.predict_proba(IRIS_X), model.predict_proba(IRIS_X))
    assert loaded.get_params() == model.get_params()
    document = json.loads((saved / "model.json").read_text())
    assert document["format_version"] == "1.0"
    assert document["cartflow_version"] == tree.__version__
    assert document["tree"]["children_left"] == {"__ndarray__": "tree/children_left"}
    assert set(read_arrays(saved)) == {f"tree/{name}" for name in tree.Tree.ARRAY_DTYPES}


def test_save_replaces_a_saved_model_and_leaves_no_temporary_files(tmp_path, model):
    other = tree.DecisionTree(max_depth=1).fit(IRIS_X, IRIS_Y)
    save(other, tmp_path / "model")
    save(model, tmp_path / "model")
    assert load(tmp_path / "model").get_depth() == model.get_depth()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_save_refuses_to_overwrite_something_else(tmp_path, model):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a saved model folder"):
        save(model, tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a saved model folder"):
        save(model, tmp_path / "file")


def test_a_failed_save_leaves_the_old_model_and_nothing_else(tmp_path, model, monkeypatch):
    save(model, tmp_path / "model")
    before = (tmp_path / "model" / "model.json").read_text()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save(tree.DecisionTree(max_depth=1).fit(IRIS_X, IRIS_Y), tmp_path / "model")
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (tmp_path / "model" / "model.json").read_text() == before


def test_save_needs_a_fitted_tree(tmp_path):
    with pytest.raises(tree.NotFittedError):
        save(tree.DecisionTree(), tmp_path / "m")
    with pytest.raises(TypeError, match="to_dict"):
        save(object(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def tamper_array(name, index, value):
    def tamper(folder):
        arrays = read_arrays(folder)
        arrays[f"tree/{name}"][index] = value
        write_arrays(folder, arrays)

    return tamper


def tamper_cycle(folder):
    arrays = read_arrays(folder)
    left = arrays["tree/children_left"]
    leaf = int(np.flatnonzero(left == -1)[-1])
    arrays["tree/children_left"][leaf] = 1
    arrays["tree/children_right"][leaf] = 2
    write_arrays(folder, arrays)


def replace_array(name, make):
    def tamper(folder):
        arrays = read_arrays(folder)
        if make is None:
            del arrays[f"tree/{name}"]
        else:
            arrays[f"tree/{name}"] = make(arrays[f"tree/{name}"])
        write_arrays(folder, arrays)

    return tamper


def tamper_json(change):
    def tamper(folder):
        edit_json(folder, change)

    return tamper


def garbage_npz(folder):
    (folder / "arrays.npz").write_bytes(b"PK\x03\x04 not really a zip archive")


def truncated_npz(folder):
    data = (folder / "arrays.npz").read_bytes()
    (folder / "arrays.npz").write_bytes(data[: len(data) // 2])


FILE_TAMPERS = {
    "out-of-range child": (tamper_array("children_left", 0, 1 << 40), "out of range"),
    "negative child": (tamper_array("children_right", 0, -3), "out of range"),
    "child pointing to the root": (tamper_array("children_right", 0, 0), "out of range"),
    "cycle": (tamper_cycle, "cycle"),
    "wrong feature index": (tamper_array("feature", 0, 4), "feature"),
    "NaN threshold": (tamper_array("threshold", 0, np.nan), "not finite"),
    "missing array": (replace_array("impurity", None), "array 'tree/impurity' is missing"),
    "wrong dtype": (
        replace_array("feature", lambda a: a.astype(np.int16)),
        "stored with dtype <i2",
    ),
    "wrong shape": (replace_array("value", lambda a: a[:, 0, :].copy()), "shape"),
    "2-D children": (replace_array("children_left", lambda a: a.reshape(1, -1)), "shape"),
    "newer format": (
        tamper_json(lambda d: d.__setitem__("format_version", "2.1")),
        "format version 2.1, newer than the format 1.0",
    ),
    "unknown estimator": (
        tamper_json(lambda d: d.__setitem__("estimator", "os.system")),
        "not one this package loads",
    ),
    "array reference to nowhere": (
        tamper_json(lambda d: d["tree"].__setitem__("feature", {"__ndarray__": "nope"})),
        "not a reference to one of the tree's arrays",
    ),
    "garbage npz": (garbage_npz, "not a readable .npz|corrupt"),
    "truncated npz": (truncated_npz, "not a readable .npz|corrupt"),
}


@pytest.mark.parametrize("case", list(FILE_TAMPERS))
def test_a_tampered_file_is_refused(saved, case):
    tamper, message = FILE_TAMPERS[case]
    load(saved)
    tamper(saved)
    with pytest.raises(ValueError, match=message):
        load(saved)


class _Payload:
    """Unpickling this would create a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_an_object_array_needing_pickle_is_refused_without_running_it(saved, tmp_path):
    marker = tmp_path / "code-ran"
    arrays = read_arrays(saved)
    payload = np.empty(len(arrays["tree/threshold"]), dtype=object)
    payload[:] = [_Payload(str(marker))] * len(payload)
    arrays["tree/threshold"] = payload
    write_arrays(saved, arrays, allow_pickle=True)
    with pytest.raises(ValueError, match=r"stored with dtype \|O"):
        load(saved)
    assert not marker.exists()


def test_broken_json_and_missing_files_are_refused(saved, tmp_path):
    (saved / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load(saved)
    (saved / "model.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load(saved)
    os.remove(saved / "arrays.npz")
    with pytest.raises(ValueError, match="arrays.npz is missing"):
        load(saved)
    with pytest.raises(ValueError, match="model.json is missing"):
        load(tmp_path / "nowhere")


def test_a_tampered_file_raises_in_a_fresh_process_instead_of_crashing(saved):
    """Without validation, an out-of-range child would make the numba kernel read wild memory."""
    arrays = read_arrays(saved)
    arrays["tree/children_left"][0] = 1 << 40
    write_arrays(saved, arrays)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from tree.io import load
        try:
            model = load({str(saved)!r})
        except ValueError as error:
            print("refused:", error)
            sys.exit(0)
        model.predict(np.zeros((3, 4)))
        print("loaded a tampered model")
        sys.exit(1)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "children_left[0]=1099511627776 is out of range" in result.stdout


def test_the_npz_is_a_plain_zip_of_npy_files(saved):
    with zipfile.ZipFile(saved / "arrays.npz") as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())


def test_deeply_nested_json_is_refused_cleanly(saved):
    (saved / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="not valid JSON"):
        load(saved)


def test_an_array_header_claiming_a_huge_shape_is_refused(saved):
    arrays = read_arrays(saved)
    write_arrays(saved, arrays)
    with zipfile.ZipFile(saved / "arrays.npz") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    raw = members["tree/threshold.npy"]
    header_end = raw.index(b"\n") + 1
    header = raw[:header_end].decode("latin1")
    start = header.index("'shape': (") + len("'shape': (")
    end = header.index(")", start)
    huge = header[:start] + "1000000000000000," + header[end:]
    huge = huge.rstrip("\n").rstrip() + " " * (len(header) - len(huge.rstrip("\n").rstrip()) - 1)
    members["tree/threshold.npy"] = huge.encode("latin1") + b"\n" + raw[header_end:]
    with zipfile.ZipFile(saved / "arrays.npz", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="threshold"):
        load(saved)


def test_regressor_round_trip_through_files(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 2))
    y = np.sin(X[:, 0]) + X[:, 1]
    model = tree.DecisionTreeRegressor(max_depth=4).fit(X, y)
    loaded = load(save(model, tmp_path / "regressor"))
    assert type(loaded) is tree.DecisionTreeRegressor
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_split_on_missingness_round_trips(tmp_path):
    # Values on both sides are equal, so the best split sends all values left and NaN right:
    # its threshold is +inf, which loading must accept (and only with missing values going right).
    X = np.array([[1.0], [1.0], [np.nan], [np.nan], [1.0], [np.nan]])
    y = np.array([0, 0, 1, 1, 0, 1])
    model = tree.DecisionTree().fit(X, y)
    assert model.tree_.threshold[0] == np.inf and model.tree_.missing_go_to_left[0] == 0
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X), y)
