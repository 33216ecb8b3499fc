"""Each failure mode stops the run with a clear message, exit code 1, and leaves the store as it
was: unreachable URL, checksum mismatch, schema violation, drifted data, gate failure, a step
that dies half-way."""

import gzip
import json

from workflow_support import quick_run

from pipeline.workflow.store import ArtifactStore


def _index(workdir):
    return (workdir / "artifacts" / "index.json").read_bytes()


def _write_raw(path, adult_raw_bytes, edit):
    lines = adult_raw_bytes.decode().splitlines()
    rows = [edit(line.split(",")) for line in lines if line.strip()]
    path.write_text("\n".join(",".join(row) for row in rows) + "\n")
    return path


def test_unreachable_url(tmp_path, closed_port):
    url = f"http://127.0.0.1:{closed_port}/adult.data"
    code, _, err = quick_run(
        tmp_path,
        f"data.file_url={url}",
        "data.retries=1",
        "data.retry_backoff=0.001",
        "data.timeout=2",
    )
    assert code == 1
    assert f"could not download {url} after 2 attempt(s)" in err
    assert not (tmp_path / "artifacts" / "raw_data").exists()


def test_checksum_mismatch(tmp_path):
    code, _, err = quick_run(tmp_path, f"data.sha256={'ab' * 32}")
    assert code == 1
    assert "checksum mismatch for bundled://adult.data.gz" in err
    assert "data.sha256" in err


def test_http_download_end_to_end(http_server, tmp_path, adult_raw_bytes):
    http_server.routes["/adult.data"] = adult_raw_bytes
    code, out, err = quick_run(
        tmp_path,
        f"data.file_url={http_server.url}/adult.data",
        "data.sha256=null",
        steps="download,preprocess",
    )
    assert code == 0, err
    assert "32,537 rows" in out
    raw = ArtifactStore(tmp_path / "artifacts").get("raw_data")
    assert raw.metadata["file"] == "adult.data" and raw.metadata["bytes"] == len(adult_raw_bytes)


def test_schema_violation_missing_field(tmp_path, adult_raw_bytes):
    source = _write_raw(tmp_path / "short.csv", adult_raw_bytes, lambda row: row[:-1])
    code, _, err = quick_run(tmp_path, f"data.file_url={source}", "data.sha256=null")
    assert code == 1
    assert "14 fields per row but data.columns names 15" in err


def test_schema_violation_wrong_type_and_unknown_class(tmp_path, adult_raw_bytes):
    def edit(row):
        if row[0] == "39":
            row[0] = "thirty-nine"
        if row[1].strip() == "Never-worked":
            row[-1] = " unknown"
        return row

    source = _write_raw(tmp_path / "typed.csv", adult_raw_bytes, edit)
    code, _, err = quick_run(tmp_path, f"data.file_url={source}", "data.sha256=null")
    assert code == 1
    assert "data check failed (2 failure(s))" in err
    assert "numeric column 'age' has dtype str" in err and "thirty-nine" in err
    assert "unknown class(es) ['unknown']" in err
    store = ArtifactStore(tmp_path / "artifacts")
    assert not store.exists("data_check") and not store.exists("reference_data")


def test_drifted_data_fails_against_the_pinned_reference(workdir_copy, adult_raw_bytes, tmp_path):
    def older(row):
        row[0] = str(min(int(row[0]) + 8, 90))
        return row

    source = _write_raw(tmp_path / "drifted.csv.gz", adult_raw_bytes, lambda row: row)
    source.write_bytes(
        gzip.compress(
            _write_raw(tmp_path / "drifted.csv", adult_raw_bytes, older).read_bytes(), mtime=0
        )
    )
    before = ArtifactStore(workdir_copy / "artifacts").get("data_check")
    code, out, err = quick_run(workdir_copy, f"data.file_url={source}", "data.sha256=null")
    assert code == 1
    assert "drift: 'age' differs from the reference" in err
    assert "0.05/6" in err
    assert "drift: 'hours_per_week'" not in err
    assert "[3/7] check_data" in out and "[4/7]" not in out
    store = ArtifactStore(workdir_copy / "artifacts")
    assert store.get("data_check") == before
    assert store.get("reference_data").version == "v0"
    assert list((workdir_copy / "runs").glob("*/data_check.json"))


def test_gate_failure(workdir_copy):
    gates = ("gates.min_roc_auc=0.9999", "gates.max_log_loss=0.01")
    code, out, err = quick_run(workdir_copy, *gates)
    assert code == 1
    assert "quality gate failed (2 gate(s))" in err
    assert "roc_auc = 0." in err and "is below gates.min_roc_auc = 0.9999" in err
    assert "log_loss = 0." in err and "is above gates.max_log_loss = 0.01" in err
    # the gates are checked on a cached evaluation too
    code, out, err = quick_run(workdir_copy, *gates)
    assert code == 1 and "quality gate failed" in err
    assert out.count("cached: inputs") == 7
    run_json = next(
        p
        for p in sorted((workdir_copy / "runs").glob("*/run.json"))
        if '"status": "failed"' in p.read_text()
    )
    summary = json.loads(run_json.read_text())
    assert summary["error"].startswith("GateError: quality gate failed")
    assert summary["steps"][-1]["name"] == "evaluate"


def test_a_step_that_dies_half_way_leaves_the_store_as_it_was(workdir_copy, monkeypatch):
    import pipeline.workflow.steps.train as train_step

    def dying(ctx):
        (ctx.output_dir("model_export") / "model.json").write_text("{half")
        (ctx.output_dir("validation") / "metrics.json").write_text("{}")
        raise KeyboardInterrupt  # like Ctrl-C in the middle of training

    before = _index(workdir_copy)
    monkeypatch.setattr(train_step, "run", dying)
    code, _, err = quick_run(workdir_copy, "--force", steps="train")
    assert code == 130 and "interrupted" in err
    assert _index(workdir_copy) == before
    assert not list((workdir_copy / "artifacts" / ".staging").iterdir())
    assert sorted(p.name for p in (workdir_copy / "artifacts" / "model_export").iterdir()) == ["v0"]


def test_config_errors_exit_2_naming_the_key(tmp_path):
    code, _, err = quick_run(tmp_path, "model.tree.max_depth=deep")
    assert code == 2 and "model.tree.max_depth" in err
    code, _, err = quick_run(tmp_path, "model.tree.maxdepth=3")
    assert code == 2 and "unknown config key 'model.tree.maxdepth'" in err
    assert not (tmp_path / "artifacts").exists()


def test_an_unexpected_error_is_reported_with_the_log_holding_the_traceback(tmp_path):
    code, _, err = quick_run(
        tmp_path, "data.stratify=workclass", steps="download,preprocess,segregate"
    )
    assert code == 1
    assert "cannot stratify on 'workclass': it has missing values" in err
    log = next((tmp_path / "runs").glob("*/workflow.log")).read_text()
    assert "Traceback" in log and "segregate.py" in log
    summary = json.loads(next((tmp_path / "runs").glob("*/run.json")).read_text())
    assert summary["status"] == "failed"
    assert [(s["name"], s["status"]) for s in summary["steps"]] == [
        ("download", "ran"),
        ("preprocess", "ran"),
        ("segregate", "failed"),
    ]


def test_a_step_killed_with_sigkill_leaves_the_store_as_it_was(workdir_copy):
    import os
    import subprocess
    import sys

    script = (
        "import os, signal, sys\n"
        "import pipeline.workflow.steps.train as train\n"
        "def dying(ctx):\n"
        "    (ctx.output_dir('model_export') / 'model.json').write_text('{half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "train.run = dying\n"
        "from pipeline.workflow.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    before = _index(workdir_copy)
    from pipeline.workflow.config import default_config_path

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "step",
            "train",
            "--force",
            "--config",
            str(default_config_path()),
            "--workdir",
            str(workdir_copy),
            "model.tree.max_depth=5",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == -9
    assert _index(workdir_copy) == before
    assert len(list((workdir_copy / "artifacts" / ".staging").iterdir())) == 1  # invisible
    store = ArtifactStore(workdir_copy / "artifacts")
    assert [v.version for v in store.versions("model_export")] == ["v0"]
    code, out, err = quick_run(workdir_copy)
    assert code == 0, err
    assert store.get("model_export").version == "v0"


def test_schema_violation_ragged_rows(tmp_path, adult_raw_bytes):
    source = _write_raw(
        tmp_path / "ragged.csv", adult_raw_bytes, lambda row: row + ["x"] if row[0] == "50" else row
    )
    code, _, err = quick_run(tmp_path, f"data.file_url={source}", "data.sha256=null")
    assert code == 1
    assert "schema: ragged.csv cannot be read as CSV" in err
    assert "line 2 of" in err and "has 16 fields, expected 15" in err
