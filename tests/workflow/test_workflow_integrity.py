"""The store verifies what it serves, runs do not cross, inputs are validated where they enter and
every failure a user can reach is one clear line (issue 17, classes 2, 3, 6 and 7)."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from workflow_support import QUICK, quick_run, run_cli

from pipeline.workflow.config import default_config_path, load_config
from pipeline.workflow.runner import Runner
from pipeline.workflow.store import ArtifactStore


def artifact_file(workdir, ref, name):
    return ArtifactStore(workdir / "artifacts").get(ref).path / name


def flip_labels(path):
    text = path.read_text()
    path.write_text(text.replace(">50K", "@@").replace("<=50K", ">50K").replace("@@", "<=50K"))


# --------------------------------------------------------------------------- class 2: store
def test_flipped_labels_in_train_data_fail_a_cached_run_and_a_forced_one(workdir_copy):
    table = artifact_file(workdir_copy, "train_data", "data.csv")
    recorded = ArtifactStore(workdir_copy / "artifacts").get("train_data").sha256
    flip_labels(table)
    for extra in ((), ("--force",)):
        code, _, err = quick_run(workdir_copy, *extra)
        assert code == 1, err
        assert "artifact train_data:v0 was modified" in err
        assert f"index sha256 {recorded}" in err
        assert hashlib.sha256(table.read_bytes()).hexdigest() in err  # the file's new hash


def test_reversed_model_arrays_are_noticed(workdir_copy):
    arrays_file = artifact_file(workdir_copy, "model_export", "arrays.npz")
    with np.load(arrays_file) as archive:
        arrays = {k: archive[k] for k in archive.files}
    key = max(arrays, key=lambda k: arrays[k].size)
    arrays[key] = arrays[key][::-1].copy()
    with open(arrays_file, "wb") as fh:
        np.savez(fh, **arrays)
    code, _, err = quick_run(workdir_copy)
    assert code == 1 and "artifact model_export:v0 was modified" in err and "arrays.npz" in err


def test_a_deleted_artifact_file_fails_the_cached_run(workdir_copy):
    artifact_file(workdir_copy, "test_data", "data.csv").unlink()
    code, _, err = quick_run(workdir_copy)
    assert code == 1
    assert "test_data:v0" in err and "data.csv (index " in err and "found missing" in err


def test_artifacts_verify_checks_the_whole_store(workdir_copy):
    code, out, err = run_cli(["artifacts", "--workdir", workdir_copy, "verify"])
    assert code == 0, err
    n = len(ArtifactStore(workdir_copy / "artifacts").list())
    assert f"{n} of {n} artifact versions match their hashes" in out
    flip_labels(artifact_file(workdir_copy, "test_data", "data.csv"))
    code, out, _ = run_cli(["artifacts", "--workdir", workdir_copy, "verify"])
    assert code == 1
    assert "FAILED  test_data:v0" in out and f"{n - 1} of {n}" in out


def test_the_export_records_the_hash_of_the_training_bytes(workflow_run):
    import yaml

    workdir = workflow_run[0]
    mlmodel = yaml.safe_load(artifact_file(workdir, "model_export", "MLmodel").read_text())
    table = artifact_file(workdir, "train_data", "data.csv")
    assert (
        mlmodel["metadata"]["training_data_sha256"]
        == hashlib.sha256(table.read_bytes()).hexdigest()
    )


# --------------------------------------------------------------------------- class 3: runs
def test_a_concurrent_run_cannot_swap_the_model_another_run_evaluates(workdir_copy):
    def runner(depth):
        config, source = load_config(default_config_path(), [f"model.tree.max_depth={depth}"])
        return Runner(config, workdir=workdir_copy, config_source=source, verbose=False)

    run_a = runner(3)
    original = run_a._run_step

    def interleaved(name, *args):
        if name == "evaluate":  # run B trains and commits its model in between
            runner(7).run(["train"])
        return original(name, *args)

    run_a._run_step = interleaved
    summary = run_a.run(["train", "evaluate"])
    steps = {record["name"]: record for record in summary["steps"]}
    ours = steps["train"]["outputs"]["model_export"]
    store = ArtifactStore(workdir_copy / "artifacts")
    assert store.get("model_export:latest").ref != ours  # B's model is the latest now
    assert steps["evaluate"]["inputs"]["model"] == ours  # yet A evaluated its own


def test_an_artifact_committed_after_the_run_started_is_not_read(workdir_copy):
    config, source = load_config(default_config_path(), list(QUICK))
    run_a = Runner(config, workdir=workdir_copy, config_source=source, verbose=False)
    run_a.aliases_at_start = ArtifactStore(workdir_copy / "artifacts").aliases()
    pinned = run_a.aliases_at_start["model_export"]["latest"]
    other, _ = load_config(default_config_path(), ["model.tree.max_depth=2"])
    Runner(other, workdir=workdir_copy, verbose=False).run(["train"])
    assert run_a._resolve("model_export:latest").version == pinned


# --------------------------------------------------------------------------- class 6: input
@pytest.mark.parametrize(
    "override, key",
    [
        ("model.tree.max_depth=0", "model.tree.max_depth"),
        ("model.tree.ccp_alpha=.nan", "model.tree.ccp_alpha"),
        ("model.tree.min_impurity_decrease=-1", "model.tree.min_impurity_decrease"),
        ("model.tree.max_features=sqrtt", "model.tree.max_features"),
        ("gates.min_accuracy=2", "gates.min_accuracy"),
        ("gates.max_log_loss=-0.5", "gates.max_log_loss"),
    ],
)
def test_config_validation_names_the_key_before_any_step_runs(tmp_path, override, key):
    code, out, err = quick_run(tmp_path, override)
    assert code == 2
    assert f"config key '{key}'" in err
    assert not (tmp_path / "artifacts").exists()


def test_a_non_utf8_config_is_a_config_error(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_bytes(b"main:\n  random_seed: 1 # caf\xe9\n")
    code, _, err = run_cli(["run", "--config", config, "--workdir", tmp_path])
    assert code == 2
    assert "is not UTF-8 text (byte 0xe9" in err and "Traceback" not in err


# --------------------------------------------------------------------------- class 7: exits
def test_a_corrupt_index_is_a_message_not_a_keyerror(workdir_copy):
    index_file = workdir_copy / "artifacts" / "index.json"
    index = json.loads(index_file.read_text())
    del index["steps"]
    index_file.write_text(json.dumps(index))
    code, _, err = run_cli(["artifacts", "--workdir", workdir_copy, "list"])
    assert code == 1 and "is corrupt: 'steps' is missing" in err
    index["steps"] = {}
    first = next(iter(index["artifacts"].values()))
    del next(iter(first["versions"].values()))["sha256"]
    index_file.write_text(json.dumps(index))
    code, _, err = quick_run(workdir_copy)
    assert code == 1 and "is corrupt" in err and "lacks one of" in err


def test_artifacts_list_into_a_closed_pipe_exits_quietly(workflow_run):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.workflow.cli", "artifacts", "--workdir",
         str(workflow_run[0]), "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    process.stdout.close()  # the reader goes away before the first line is written
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert process.returncode == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_full_disk_under_the_run_log_is_one_line(tmp_path, monkeypatch):
    import pipeline.workflow.runner as runner_module

    monkeypatch.setattr(runner_module, "new_run_id", lambda: "full-disk-run")
    log_dir = tmp_path / "runs" / "full-disk-run"
    log_dir.mkdir(parents=True)
    (log_dir / "workflow.log").symlink_to("/dev/full")  # every write: ENOSPC
    code, _, err = quick_run(tmp_path, steps="download")
    assert code == 0, err
    assert "Logging error" not in err
    assert err.count("cannot write the run log") == 1
