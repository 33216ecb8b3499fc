"""pipeline.persist: model.json + arrays.npz round trips, and tampered folders are refused."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import (
    ColumnTransformer,
    FeatureUnion,
    Pipeline,
    make_column_selector,
    make_pipeline,
    persist,
)
from pipeline.preprocessing import (
    ColumnSelector,
    FunctionTransformer,
    LabelEncoder,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    SimpleImputer,
    StandardScaler,
)


def add_one(X):
    return np.asarray(X, dtype=float) + 1.0


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    n = 80
    X = pd.DataFrame(
        {
            "city": pd.Series(
                rng.choice(
                    ["north", "south", "east", "west", "x"], n, p=[0.4, 0.3, 0.2, 0.08, 0.02]
                ),
                dtype="str",
            ),
            "kind": pd.Series(rng.choice(["flat", "house"], n), dtype="category"),
            "size": rng.normal(80, 20, n),
            "rooms": rng.integers(1, 6, n),
        }
    )
    X.loc[[2, 9], "city"] = np.nan
    X.loc[[4], "size"] = np.nan
    y = np.where(X["size"].fillna(80) > 80, "big", "small")
    return X, y


def full_transformer():
    cat = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="none"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=3, drop="if_binary"),
    )
    num = make_pipeline(
        SimpleImputer(strategy="median"),
        FeatureUnion(
            [
                ("std", StandardScaler()),
                ("mm", MinMaxScaler(feature_range=(-1, 1))),
                ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
            ]
        ),
    )
    return ColumnTransformer(
        [
            ("cat", cat, make_column_selector(dtype_exclude="number")),
            ("num", num, make_column_selector(dtype_include="number")),
            (
                "ord",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2
                ),
                ["city"],
            ),
            (
                "sel",
                make_pipeline(
                    ColumnSelector(["rooms"]),
                    FunctionTransformer(add_one, feature_names_out="one-to-one"),
                ),
                ["rooms", "size"],
            ),
        ],
        remainder="drop",
    )


def test_round_trip_of_a_pipeline_built_from_our_pieces(tmp_path, data):
    X, _ = data
    model = full_transformer().fit(X)
    persist.save(model, tmp_path / "m")
    loaded = persist.load(tmp_path / "m", trusted_modules=[__name__])
    assert repr(loaded) == repr(model)
    unseen = X.assign(city=["mars"] * len(X))
    for frame in (X, unseen):
        np.testing.assert_array_equal(loaded.transform(frame), model.transform(frame))
    np.testing.assert_array_equal(loaded.get_feature_names_out(), model.get_feature_names_out())
    enc = LabelEncoder().fit(data[1])
    persist.save(enc, tmp_path / "labels")
    np.testing.assert_array_equal(persist.load(tmp_path / "labels").classes_, enc.classes_)


def test_folder_layout_json_and_npz_without_pickle(tmp_path, data):
    X, _ = data
    model = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()).fit(X)
    path = persist.save(model, tmp_path / "m")
    assert sorted(p.name for p in path.iterdir()) == ["arrays.npz", "model.json"]
    doc = json.loads((path / "model.json").read_text())
    assert doc["format_version"] == "1.0" and doc["package_version"]
    assert doc["model"]["__estimator__"] == "pipeline.Pipeline"
    with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
        kinds = {arrays[k].dtype.kind for k in arrays.files}
    assert "O" not in kinds and "U" in kinds  # text categories stored as fixed-width unicode
    assert list(tmp_path.iterdir()) == [path]  # no temporary folder left behind


def test_round_trip_with_our_tree_gives_identical_predictions(tmp_path, data):
    import tree

    X, y = data
    for estimator in (
        tree.DecisionTree(max_depth=4, random_state=0),
        tree.DecisionTreeRegressor(max_depth=4, random_state=0),
    ):
        target = y if estimator._estimator_type == "classifier" else X["rooms"].to_numpy()
        model = Pipeline([("pre", full_transformer()), ("model", estimator)]).fit(X, target)
        persist.save(model, tmp_path / "m")
        loaded = persist.load(tmp_path / "m", trusted_modules=[__name__])
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        if hasattr(model, "predict_proba"):
            np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# --------------------------------------------------------------------------- functions
def test_lambdas_and_local_functions_are_refused_at_save(tmp_path):
    X = np.ones((3, 1))

    def local(Z):
        return Z

    for func in (lambda Z: Z, local):
        with pytest.raises(ValueError, match="lambda or a local function"):
            persist.save(FunctionTransformer(func).fit(X), tmp_path / "m")
    assert not (tmp_path / "m").exists() and list(tmp_path.iterdir()) == []


def test_functions_load_only_from_trusted_modules(tmp_path):
    model = FunctionTransformer(add_one).fit(np.ones((2, 1)))
    persist.save(model, tmp_path / "m")
    with pytest.raises(ValueError, match=r"nor from a trusted module.*trusted_modules=\["):
        persist.load(tmp_path / "m")
    loaded = persist.load(tmp_path / "m", trusted_modules=[__name__])
    np.testing.assert_array_equal(loaded.transform(np.ones((2, 1))), np.full((2, 1), 2.0))
    np_model = FunctionTransformer(np.log1p).fit(np.ones((2, 1)))
    persist.save(np_model, tmp_path / "np")
    assert persist.load(tmp_path / "np").func is np.log1p  # a registered transform


# --------------------------------------------------------------------------- tampering
@pytest.fixture
def saved(tmp_path, data):
    X, _ = data
    model = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(min_frequency=3)
    ).fit(X)
    path = persist.save(model, tmp_path / "m")
    return path


def edit_json(path, change):
    doc = json.loads((path / "model.json").read_text())
    change(doc)
    (path / "model.json").write_text(json.dumps(doc))


def edit_arrays(path, change):
    with np.load(path / "arrays.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(path / "arrays.npz", **arrays)


def first_array_ref(doc):
    """The first array reference (dict with the array tag) found in the document."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__cartflow_array__" in item:
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    raise AssertionError("no array")


def test_unknown_type_name_is_refused(saved):
    edit_json(saved, lambda d: d["model"].__setitem__("__estimator__", "os.system"))
    with pytest.raises(ValueError, match="Unknown estimator type 'os.system'"):
        persist.load(saved)


def test_newer_format_major_is_refused(saved):
    edit_json(saved, lambda d: d.__setitem__("format_version", "2.0"))
    with pytest.raises(ValueError, match="newer than this cartflow"):
        persist.load(saved)


def test_missing_array_is_refused(saved):
    key = first_array_ref(json.loads((saved / "model.json").read_text()))["__cartflow_array__"]
    edit_arrays(saved, lambda a: a.pop(key))
    with pytest.raises(ValueError, match=f"array '{key}' is missing"):
        persist.load(saved)


def test_wrong_dtype_and_shape_are_refused(saved, tmp_path):
    ref = first_array_ref(json.loads((saved / "model.json").read_text()))
    key = ref["__cartflow_array__"]
    backup = tmp_path / "orig.npz"
    backup.write_bytes((saved / "arrays.npz").read_bytes())
    edit_arrays(saved, lambda a: a.__setitem__(key, np.zeros(a[key].shape, dtype=np.float32)))
    with pytest.raises(ValueError, match="stored with dtype <f4"):
        persist.load(saved)
    (saved / "arrays.npz").write_bytes(backup.read_bytes())
    edit_arrays(saved, lambda a: a.__setitem__(key, np.concatenate([a[key], a[key]])))
    with pytest.raises(ValueError, match="stored with dtype .*, shape"):
        persist.load(saved)


def test_state_inconsistent_with_parameters_is_refused(saved):
    def encoder_state(doc):
        return doc["model"]["data"]["params"]["steps"][1]["__tuple__"][1]["data"]["state"]

    original = (saved / "model.json").read_text()
    edit_json(saved, lambda d: encoder_state(d)["_dropped_group"].__setitem__(0, 50))
    with pytest.raises(ValueError, match="Invalid saved state for OneHotEncoder: the dropped"):
        persist.load(saved)
    (saved / "model.json").write_text(original)
    edit_json(saved, lambda d: encoder_state(d).__setitem__("n_features_in_", 99))
    with pytest.raises(ValueError, match="categories_ must be a list of 99 arrays"):
        persist.load(saved)
    (saved / "model.json").write_text(original)
    edit_json(saved, lambda d: encoder_state(d).__setitem__("rogue_", 1))
    with pytest.raises(ValueError, match=r"unknown state \['rogue_'\]"):
        persist.load(saved)


def test_pickled_or_garbage_files_are_refused(saved):
    (saved / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        persist.load(saved)
    with pytest.raises(FileNotFoundError):
        persist.load(saved.parent / "nowhere")


def test_object_arrays_in_the_npz_are_refused(saved):
    ref = first_array_ref(json.loads((saved / "model.json").read_text()))
    key = ref["__cartflow_array__"]
    with np.load(saved / "arrays.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays[key] = arrays[key].astype(object)
    np.savez(saved / "arrays.npz", **arrays)  # writes a pickled object array
    with pytest.raises(ValueError):
        persist.load(saved)


# --------------------------------------------------------------------------- writing
def test_save_replaces_an_existing_model_atomically_and_refuses_other_folders(tmp_path, data):
    X, _ = data
    target = tmp_path / "m"
    persist.save(StandardScaler().fit(X[["size"]].fillna(0)), target)
    persist.save(MinMaxScaler().fit(X[["size"]].fillna(0)), target)
    assert type(persist.load(target)).__name__ == "MinMaxScaler"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a saved model folder"):
        persist.save(StandardScaler().fit([[1.0]]), other)
    assert (other / "notes.txt").read_text() == "keep me"


def test_types_outside_the_allowlist_are_refused(tmp_path):
    from sklearn.preprocessing import StandardScaler as SkScaler

    model = Pipeline([("s", SkScaler().fit([[1.0], [2.0]]))])
    with pytest.raises(TypeError, match="only the allowlisted types"):
        persist.save(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_column_selectors_with_dtype_objects_round_trip(tmp_path, data):
    X, _ = data
    model = ColumnTransformer(
        [
            ("text", OneHotEncoder(), make_column_selector(dtype_include=[object, "category"])),
            ("num", StandardScaler(), make_column_selector(dtype_include=np.number)),
        ]
    ).fit(X.fillna({"city": "none", "size": 0.0}))
    persist.save(model, tmp_path / "m")
    loaded = persist.load(tmp_path / "m")
    selector = loaded.transformers[0][2]
    assert selector.dtype_include == [object, "category"]
    assert loaded.transformers[1][2].dtype_include is np.number
    clean = X.fillna({"city": "none", "size": 0.0})
    np.testing.assert_array_equal(loaded.transform(clean), model.transform(clean))


def test_a_tampered_tree_inside_a_pipeline_is_refused(tmp_path, data):
    tree = pytest.importorskip("tree")
    X, y = data
    model = Pipeline([("pre", full_transformer()), ("model", tree.DecisionTree(max_depth=3))]).fit(
        X, y
    )
    path = persist.save(model, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    tree_doc = doc["model"]["data"]["params"]["steps"][1]["__tuple__"][1]["data"]
    key = tree_doc["tree"]["children_left"]["__cartflow_array__"]

    def point_outside(arrays):
        arrays[key] = np.where(arrays[key] > 0, 10_000, arrays[key]).astype(arrays[key].dtype)

    edit_arrays(path, point_outside)
    with pytest.raises(
        ValueError, match=r"Pipeline.steps\[1\]\[1\] \(tree.DecisionTree\).*children_left"
    ):
        persist.load(path, trusted_modules=[__name__])


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", None]),
            st.one_of(st.floats(-50, 50, allow_nan=False), st.just(np.nan)),
        ),
        min_size=3,
        max_size=25,
    ),
    drop=st.sampled_from([None, "first", "if_binary"]),
    min_frequency=st.sampled_from([None, 2]),
    handle_unknown=st.sampled_from(["ignore", "infrequent_if_exist"]),
)
@settings(max_examples=15)
def test_random_fitted_pipelines_round_trip_exactly(rows, drop, min_frequency, handle_unknown):
    X = pd.DataFrame({"t": pd.Series([r[0] for r in rows], dtype="str"), "x": [r[1] for r in rows]})
    model = ColumnTransformer(
        [
            (
                "t",
                OneHotEncoder(
                    drop=drop, min_frequency=min_frequency, handle_unknown=handle_unknown
                ),
                ["t"],
            ),
            ("o", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["t"]),
            (
                "x",
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                ),
                ["x"],
            ),
        ]
    )
    try:
        expected = model.fit_transform(X)
    except ValueError:
        return  # e.g. a drop that would need an infrequent category: refused like sklearn
    with tempfile.TemporaryDirectory() as tmp:
        persist.save(model, Path(tmp) / "m")
        loaded = persist.load(Path(tmp) / "m")
    np.testing.assert_array_equal(loaded.transform(X), expected)
    unseen = X.assign(t=["zzz"] * len(X))
    np.testing.assert_array_equal(loaded.transform(unseen), model.transform(unseen))


def test_deeply_nested_json_is_refused_cleanly(saved):
    depth = 100_000
    (saved / "model.json").write_text(
        '{"format": "cartflow-model", "format_version": "1.0", "model": '
        + "[" * depth
        + "]" * depth
        + "}"
    )
    with pytest.raises(ValueError):
        persist.load(saved)


def test_save_into_an_empty_existing_folder(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    persist.save(StandardScaler().fit([[1.0], [3.0]]), target)
    assert persist.load(target).mean_.tolist() == [2.0]


def test_saving_twice_gives_byte_identical_files(tmp_path, data, monkeypatch):
    import time
    import zipfile

    X, y = data
    model = Pipeline([("pre", full_transformer()), ("scale", StandardScaler())]).fit(X, y)
    persist.save(model, tmp_path / "a")
    later = time.time() + 3600  # an hour later: a timestamp stamped into the files would differ
    monkeypatch.setattr(zipfile.time, "time", lambda: later)
    persist.save(model, tmp_path / "b")
    for name in ("model.json", "arrays.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
