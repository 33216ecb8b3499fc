"""The exported model folder: MLmodel, input example, pyfunc loader, format check, MLflow."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline import persist
from pipeline._version import __version__
from pipeline.workflow.errors import ModelFormatError, WorkflowError
from pipeline.workflow.export import load_model
from pipeline.workflow.fsutil import file_sha256
from pipeline.workflow.pyfunc import _load_pyfunc
from pipeline.workflow.steps._common import read_table
from pipeline.workflow.store import ArtifactStore


@pytest.fixture(scope="module")
def exported(workflow_run):
    store = ArtifactStore(workflow_run[0] / "artifacts")
    return store.get("model_export"), store


def test_mlmodel_describes_a_pyfunc_model_with_signature_and_hashes(exported):
    artifact, store = exported
    description = yaml.safe_load((artifact.path / "MLmodel").read_text())
    assert description["flavors"]["python_function"]["loader_module"] == (
        "pipeline.workflow.pyfunc"
    )
    cartflow = description["flavors"]["cartflow"]
    assert cartflow["cartflow_version"] == __version__
    assert cartflow["format_version"] == persist.FORMAT_VERSION
    assert description["metadata"]["training_data_sha256"] == file_sha256(
        store.get("train_data").path / "data.csv"
    )
    assert len(description["metadata"]["config_sha256"]) == 64
    assert len(description["model_uuid"]) == 32
    assert description["utc_time_created"].startswith("1970-01-01")
    inputs = json.loads(description["signature"]["inputs"])
    test = read_table(store.get("test_data").path)
    assert [c["name"] for c in inputs] == cartflow["features"]
    types = {c["name"]: c["type"] for c in inputs}
    assert types["age"] == "long" and types["workclass"] == "string"
    assert set(cartflow["features"]) == set(test.columns) - {"high_income"}


def test_input_example_is_split_oriented_and_scores(exported):
    artifact, _ = exported
    example = json.loads((artifact.path / "input_example.json").read_text())
    frame = pd.DataFrame(example["data"], columns=example["columns"])
    assert len(frame) == 5
    model = _load_pyfunc(artifact.path)
    assert set(model.predict(frame)) <= {"<=50K", ">50K"}


def test_pyfunc_predictions_equal_the_persisted_pipeline(exported):
    artifact, store = exported
    test = read_table(store.get("test_data").path).head(500)
    reference = persist.load(artifact.path)
    model = _load_pyfunc(artifact.path)
    features = model.features
    threshold = model.decision["threshold"]
    reference_proba = reference.predict_proba(test[features])
    expected = np.where(reference_proba[:, 1] >= threshold, ">50K", "<=50K")
    np.testing.assert_array_equal(model.predict(test), expected)
    assert not np.array_equal(expected, reference.predict(test[features]))  # not at 0.5
    proba = model.predict(test, params={"method": "predict_proba"})
    assert list(proba.columns) == ["<=50K", ">50K"]
    np.testing.assert_allclose(proba.to_numpy(), reference_proba)
    records = test[features].head(3).to_dict(orient="records")
    np.testing.assert_array_equal(model.predict(records), expected[:3])
    with pytest.raises(ValueError, match="lacks the column"):
        model.predict(test.drop(columns=["age"]))
    with pytest.raises(ValueError, match="params\\['method'\\]"):
        model.predict(test, params={"method": "explain"})
    with pytest.raises(TypeError, match="DataFrame"):
        model.predict(np.zeros((2, 14)))


def test_a_model_of_another_format_major_is_refused(exported, tmp_path):
    artifact, _ = exported
    copy = tmp_path / "model"
    shutil.copytree(artifact.path, copy)
    description = yaml.safe_load((copy / "MLmodel").read_text())
    major = int(persist.FORMAT_VERSION.split(".")[0])
    description["flavors"]["cartflow"]["format_version"] = f"{major + 1}.0"
    description["flavors"]["cartflow"]["cartflow_version"] = "99.0.0"
    (copy / "MLmodel").write_text(yaml.safe_dump(description))
    with pytest.raises(ModelFormatError, match=r"exported by cartflow 99\.0\.0 in model format"):
        load_model(copy)
    (copy / "MLmodel").unlink()
    with pytest.raises(FileNotFoundError, match="no MLmodel"):
        _load_pyfunc(copy)


def test_mlflow_pyfunc_load_model(exported):
    mlflow_pyfunc = pytest.importorskip("mlflow.pyfunc")
    artifact, store = exported
    test = read_table(store.get("test_data").path).head(200)
    loaded = mlflow_pyfunc.load_model(str(artifact.path))
    features = loaded.metadata.get_input_schema().input_names()
    predictions = np.asarray(loaded.predict(test[features]))
    np.testing.assert_array_equal(predictions, _load_pyfunc(artifact.path).predict(test[features]))


def test_creation_time_follows_source_date_epoch(monkeypatch):
    from pipeline.workflow.export import creation_time

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert creation_time() == "1970-01-01 00:00:00.000000"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert creation_time() == "2023-11-14 22:13:20.000000"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(WorkflowError, match="SOURCE_DATE_EPOCH"):
        creation_time()
