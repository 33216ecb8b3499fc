"""Loading the exported model folder: every broken folder is refused with a clear error."""

import json
import shutil

import numpy as np
import pytest
import yaml

from pipeline.serving import model_loader
from pipeline.serving.errors import ModelLoadError
from pipeline.serving.model_loader import LoadedModel, load_model


@pytest.fixture
def folder(model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    return copy


def edit_mlmodel(folder, change):
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    change(mlmodel)
    (folder / "MLmodel").write_text(yaml.safe_dump(mlmodel))


def test_loads_signature_metadata_and_example(loaded, model_dir, fitted_model):
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    names = [c["name"] for c in json.loads(mlmodel["signature"]["inputs"])]
    assert loaded.signature.names == names
    assert loaded.metadata["training_data_sha256"] == mlmodel["metadata"]["training_data_sha256"]
    assert loaded.metadata["utc_time_created"] == mlmodel["utc_time_created"]
    assert loaded.fast_transform is not None
    assert loaded.classes.tolist() == fitted_model.classes_.tolist()
    example = json.loads((model_dir / "input_example.json").read_text())
    assert [list(r.values()) for r in loaded.example_records()] == example["data"]


def _remove_signature(m):
    del m["signature"]


def _rename_a_column(m):
    m["signature"]["inputs"] = m["signature"]["inputs"].replace('"age"', '"years"')


def _unsupported_type(m):
    m["signature"]["inputs"] = m["signature"]["inputs"].replace('"long"', '"tensor"', 1)


def _other_format_major(m):
    m["flavors"]["cartflow"]["format_version"] = "999.0"
    m["flavors"]["cartflow"]["cartflow_version"] = "999.0.0"


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda f: shutil.rmtree(f), "does not exist"),
        (lambda f: (f / "MLmodel").unlink(), "no MLmodel"),
        (lambda f: (f / "MLmodel").write_text("a: [unclosed"), "not valid YAML"),
        (lambda f: (f / "MLmodel").write_text("- a list"), "YAML mapping"),
        (lambda f: edit_mlmodel(f, _remove_signature), "no signature"),
        (lambda f: edit_mlmodel(f, _rename_a_column), "do not match"),
        (lambda f: edit_mlmodel(f, _unsupported_type), "supported"),
        (lambda f: edit_mlmodel(f, _other_format_major), "format"),
        (lambda f: (f / "model.json").write_text("{"), "modified after export"),
        (lambda f: (f / "arrays.npz").write_bytes(b"junk"), "modified after export"),
        (
            lambda f: (
                (f / "arrays.npz").write_bytes(b"junk"),
                edit_mlmodel(f, lambda m: m["flavors"]["cartflow"].pop("model_sha256")),
            ),
            "could not load",
        ),
        (
            lambda f: (f / "input_example.json").write_text('{"columns": ["zz"], "data": [[1]]}'),
            "not a valid input example",
        ),
    ],
)
def test_broken_folders_raise_model_load_error(folder, damage, fragment):
    damage(folder)
    with pytest.raises(ModelLoadError, match=fragment):
        load_model(folder)


def test_fast_path_that_disagrees_with_the_model_is_disabled(monkeypatch, loaded):
    """The load-time self-check compares the fast path with model.predict on the example."""

    class Wrong:
        def __init__(self, real):
            self.real = real

        def transform_rows(self, columns, n_rows):
            return self.transform_columns(columns)

        def transform_columns(self, columns):
            return np.zeros_like(self.real.transform_columns(columns))

    real = loaded.fast_transform
    monkeypatch.setattr(model_loader, "build_fast_transform", lambda model, sig: Wrong(real))
    checked = LoadedModel(loaded.model, loaded.signature, input_example=loaded.input_example)
    assert checked.fast_transform is None
    predictions, _ = checked.predict_columns(loaded.input_example)
    frame = loaded.signature.pandas_frame(loaded.input_example)
    np.testing.assert_array_equal(predictions, loaded.model.predict(frame))
