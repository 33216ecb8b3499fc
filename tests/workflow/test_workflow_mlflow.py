"""MLflow: tracking of every step, and `mlflow run` of the MLproject end to end."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from workflow_support import quick_run

from pipeline.workflow.pyfunc import _load_pyfunc
from pipeline.workflow.steps._common import read_table
from pipeline.workflow.store import ArtifactStore

mlflow = pytest.importorskip("mlflow")
REPO = Path(__file__).resolve().parents[2]
STEPS = {"download", "preprocess", "check_data", "segregate", "tune", "train", "evaluate"}


def _runs(tracking_uri):
    client = mlflow.MlflowClient(tracking_uri)
    experiments = client.search_experiments()
    runs = [r for e in experiments for r in client.search_runs([e.experiment_id])]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    return client, parents, children


def _check_tracking(tracking_uri, workdir):
    client, parents, children = _runs(tracking_uri)
    assert len(parents) == 1
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.params["model.tree.max_depth"] == "4"
    assert 0.8 < parent.data.metrics["test_roc_auc"] <= 1.0
    assert {r.data.tags["mlflow.runName"] for r in children} == STEPS
    train = next(r for r in children if r.data.tags["mlflow.runName"] == "train")
    assert train.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert "val_accuracy" in train.data.metrics
    # the model logged to MLflow loads with MLflow's own loader and predicts like ours
    loaded = mlflow.pyfunc.load_model(f"runs:/{train.info.run_id}/model_export")
    store = ArtifactStore(Path(workdir) / "artifacts")
    test = read_table(store.get("test_data").path).head(300)
    features = loaded.metadata.get_input_schema().input_names()
    expected = _load_pyfunc(store.get("model_export").path).predict(test[features])
    np.testing.assert_array_equal(np.asarray(loaded.predict(test[features])), expected)


@pytest.fixture
def tracking_env(tmp_path, monkeypatch):
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    return uri


def test_tracking_logs_every_step(tmp_path, tracking_env):
    workdir = tmp_path / "work"
    workdir.mkdir()
    # a depth-4 tree at its F1 threshold misses the accuracy gate: decide at a fixed 0.5
    code, out, err = quick_run(
        workdir, "tracking=mlflow", "model.tree.max_depth=4", "model.threshold.objective=0.5"
    )
    assert code == 0, err
    assert "MLFLOW_EXPERIMENT_ID" not in os.environ  # the tracker restored the environment
    _check_tracking(tracking_env, workdir)


@pytest.mark.slow
def test_mlflow_run_of_the_project(tmp_path, tracking_env):
    # the main entry point runs each step as a component project run: seven processes, so a
    # slice of the data keeps it quick
    import gzip

    from pipeline.datasets import adult_path

    lines = gzip.decompress(adult_path().read_bytes()).decode("utf-8").splitlines(True)
    small = tmp_path / "adult_small.csv"
    small.write_text("".join(lines[:3000]), encoding="utf-8")
    workdir = tmp_path / "work"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow",
            "run",
            str(REPO),
            "--env-manager",
            "local",
            "-P",
            f"workdir={workdir}",
            "-P",
            f"overrides=model.tree.max_depth=4 tracking=mlflow data.file_url={small} "
            "data.sha256=null tune.enabled=false model.threshold.objective=0.5",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (workdir / "artifacts" / "model_export" / "v0" / "MLmodel").is_file()
    _check_tracking(tracking_env, workdir)
