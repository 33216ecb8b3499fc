"""The whole workflow on the bundled data: outputs, metrics, caching, lineage, reproducibility."""

import json

import numpy as np
import pytest
import sklearn.metrics as skm
import yaml
from workflow_support import quick_run, run_cli

from pipeline import persist
from pipeline._version import __version__
from pipeline.workflow.steps._common import read_table
from pipeline.workflow.store import ArtifactStore

STEPS = ["download", "preprocess", "check_data", "segregate", "tune", "train", "evaluate"]


def _run_json(workdir, out):
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("run "))
    return json.loads((workdir / "runs" / run_id / "run.json").read_text())


def test_run_succeeds_and_says_where_the_outputs_are(workflow_run):
    workdir, code, out, err = workflow_run
    assert code == 0, err
    for step in STEPS:
        assert f"] {step}" in out and f"{step} ran in" in out
    assert "32,537 rows" in out  # progress carries row counts
    model_line = next(line for line in out.splitlines() if line.strip().startswith("model"))
    model_dir = workdir / model_line.split()[-1]
    for name in ("MLmodel", "input_example.json"):
        assert (model_dir / name).is_file()
    metrics_line = next(line for line in out.splitlines() if line.strip().startswith("metrics"))
    assert (workdir / metrics_line.split()[-1]).is_file()
    summary = _run_json(workdir, out)
    plots = workdir / "runs" / summary["run_id"]
    for name in ("confusion_matrix.png", "roc_curve.png", "precision_recall_curve.png", "tree.png"):
        assert (plots / "evaluate" / name).stat().st_size > 1000
        assert (plots / "train" / name).is_file()
    assert (plots / "workflow.log").read_text().count(" ran in ") == 7
    assert (plots / "tune" / "scores.png").stat().st_size > 1000
    assert "  test       ROC AUC 0." in out  # the summary prints the test ROC AUC


def test_run_json_records_the_environment(workflow_run):
    workdir, code, out, _ = workflow_run
    summary = _run_json(workdir, out)
    assert summary["status"] == "succeeded"
    assert summary["cartflow_version"] == __version__
    assert summary["config"]["model"]["tree"]["max_depth"] == 5
    assert summary["python"].count(".") == 2
    assert summary["libraries"]["numpy"] == np.__version__
    assert "git_commit" in summary
    assert [s["name"] for s in summary["steps"]] == STEPS
    assert all(s["status"] == "ran" and s["seconds"] >= 0 for s in summary["steps"])


def test_metrics_match_scikit_learn_on_the_exported_model(workflow_run):
    workdir, *_ = workflow_run
    store = ArtifactStore(workdir / "artifacts")
    report = json.loads((store.get("evaluation").path / "metrics.json").read_text())
    model = persist.load(store.get("model_export").path)
    test = read_table(store.get("test_data").path)
    features = [c for c in test.columns if c != "high_income"]
    y = test["high_income"].to_numpy().astype(str)
    proba = model.predict_proba(test[features])
    score = proba[:, list(model.classes_).index(">50K")]
    # the decisions are at the exported threshold; at 0.5 they are the model's own predict
    mlmodel = yaml.safe_load((store.get("model_export").path / "MLmodel").read_text())
    threshold = mlmodel["flavors"]["cartflow"]["decision_threshold"]["threshold"]
    assert report["threshold"] == threshold and 0.0 < threshold < 1.0
    pred = np.where(score >= threshold, ">50K", "<=50K")
    default = np.asarray(model.predict(test[features])).astype(str)
    at_default = report["at_default_threshold"]
    assert at_default["accuracy"] == pytest.approx(skm.accuracy_score(y, default))
    assert at_default["f1"] == pytest.approx(skm.f1_score(y, default, pos_label=">50K"))
    assert (
        at_default["confusion_matrix"]["matrix"]
        == skm.confusion_matrix(y, default, labels=["<=50K", ">50K"]).tolist()
    )
    assert report["n_samples"] == len(test)
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert report["f1"] == pytest.approx(skm.f1_score(y, pred, pos_label=">50K"))
    assert report["precision"] == pytest.approx(skm.precision_score(y, pred, pos_label=">50K"))
    assert report["recall"] == pytest.approx(skm.recall_score(y, pred, pos_label=">50K"))
    assert report["roc_auc"] == pytest.approx(skm.roc_auc_score(y == ">50K", score))
    assert report["average_precision"] == pytest.approx(
        skm.average_precision_score(y == ">50K", score)
    )
    assert report["log_loss"] == pytest.approx(skm.log_loss(y, proba, labels=model.classes_))
    assert (
        report["confusion_matrix"]["matrix"]
        == skm.confusion_matrix(y, pred, labels=["<=50K", ">50K"]).tolist()
    )
    assert report["roc_auc"] > 0.8


def test_second_run_is_cached_and_force_reruns(workdir_copy):
    code, out, _ = quick_run(workdir_copy)
    assert code == 0
    assert out.count("cached: inputs, parameters and code unchanged") == 7
    before = ArtifactStore(workdir_copy / "artifacts").list()
    code, out, _ = quick_run(workdir_copy, "--force")
    assert code == 0 and "cached:" not in out and out.count(" ran in ") == 7
    # the same inputs and code gave the same bytes: no new versions, except the data check,
    # which now ran against the pinned reference_data:v0 instead of pinning it
    after = ArtifactStore(workdir_copy / "artifacts").list()
    assert [a for a in after if a.name != "data_check"] == [
        a for a in before if a.name != "data_check"
    ]
    assert [a.ref for a in after if a.name == "data_check"] == ["data_check:v0", "data_check:v1"]
    assert after[1].inputs == ("preprocessed_data:v0", "reference_data:v0")


def test_a_changed_parameter_reruns_only_the_steps_it_affects(workdir_copy):
    code, out, _ = quick_run(workdir_copy, "model.tree.max_depth=3")
    assert code == 0
    summary = _run_json(workdir_copy, out)
    status = {s["name"]: s["status"] for s in summary["steps"]}
    assert status == {
        "download": "cached",
        "preprocess": "cached",
        "check_data": "cached",
        "segregate": "cached",
        "tune": "ran",  # model.tree is the base of every candidate
        "train": "ran",
        "evaluate": "ran",
    }
    store = ArtifactStore(workdir_copy / "artifacts")
    assert store.get("model_export").version == "v1"
    assert [v.version for v in store.versions("train_data")] == ["v0"]


def test_lineage_and_artifact_commands(workflow_run):
    workdir = workflow_run[0]
    code, out, _ = run_cli(["artifacts", "--workdir", workdir, "lineage", "evaluation"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("evaluation:v0")
    for ref in (
        "model_export:v0",
        "test_data:v0",
        "train_data:v0",
        "preprocessed_data:v0",
        "raw_data:v0",
    ):
        assert ref in out
    assert "from bundled://adult.data.gz" in out
    code, out, _ = run_cli(["artifacts", "--workdir", workdir, "list"])
    assert code == 0
    for name in ("raw_data:v0", "reference_data:v0", "model_export:v0", "evaluation:v0"):
        assert name in out
    code, out, _ = run_cli(["artifacts", "--workdir", workdir, "show", "model_export:v0"])
    shown = json.loads(out)
    assert shown["step"] == "train" and shown["inputs"] == ["train_data:v0", "tuning:v0"]
    assert set(shown["files"]) >= {"MLmodel", "input_example.json"}
    code, _, err = run_cli(["artifacts", "--workdir", workdir, "show", "model_export:v9"])
    assert code == 2 and "no version or alias 'v9'" in err


def test_same_config_and_data_give_identical_bytes_in_another_directory(workflow_run, tmp_path):
    first = workflow_run[0]
    code, _, err = quick_run(tmp_path)
    assert code == 0, err
    a, b = ArtifactStore(first / "artifacts"), ArtifactStore(tmp_path / "artifacts")
    for name in (
        "raw_data",
        "preprocessed_data",
        "train_data",
        "test_data",
        "model_export",
        "validation",
        "evaluation",
    ):
        assert a.get(name).files == b.get(name).files, name
    for file in ("MLmodel", *a.get("model_export").files):
        assert (a.get("model_export").path / file).read_bytes() == (
            b.get("model_export").path / file
        ).read_bytes()
    assert (a.get("evaluation").path / "metrics.json").read_bytes() == (
        b.get("evaluation").path / "metrics.json"
    ).read_bytes()


def test_another_code_version_reruns_the_steps(workdir_copy, monkeypatch):
    import pipeline.workflow.runner as runner_module

    code, out, _ = quick_run(workdir_copy, steps="download,preprocess")
    assert code == 0 and out.count("cached: inputs") == 2
    monkeypatch.setattr(runner_module, "__version__", "0.0.0+other")
    code, out, _ = quick_run(workdir_copy, steps="download,preprocess")
    assert code == 0 and "cached" not in out and out.count(" ran in ") == 2
