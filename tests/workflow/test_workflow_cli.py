"""The ``cartflow`` command line: version, help, steps, errors, serving subcommands."""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_support import QUICK, run_cli

from pipeline.workflow.cli import build_parser
from pipeline.workflow.config import default_config_path
from pipeline.workflow.store import ArtifactStore

CARTFLOW = Path(sys.executable).parent / "cartflow"


def test_version_comes_from_the_package_metadata(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cartflow {importlib.metadata.version('cartflow')}"


def test_console_script_version_and_help_stay_light():
    code = (
        "import sys; from pipeline.workflow.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'numba', 'scipy', 'mlflow') "
        "if m in sys.modules]\nprint('HEAVY', heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "run" in result.stdout and "artifacts" in result.stdout
    heavy = result.stdout.rsplit("HEAVY", 1)[1]
    for module in ("matplotlib", "numba", "scipy", "mlflow"):
        assert module not in heavy
    if CARTFLOW.exists():
        result = subprocess.run(
            [str(CARTFLOW), "--version"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0
        assert result.stdout.strip() == f"cartflow {importlib.metadata.version('cartflow')}"


def test_serving_subcommands_are_registered_when_present():
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"run", "step", "artifacts"} <= set(commands)
    try:
        import pipeline.serving.cli  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("pipeline.serving.cli is not there")
    assert {"predict", "serve"} <= set(commands)


def test_no_command_prints_help_and_exits_2():
    code, out, _ = run_cli([])
    assert code == 2 and "usage: cartflow" in out


def test_steps_option_and_step_command(tmp_path):
    base = ["--config", default_config_path(), "--workdir", tmp_path, *QUICK]
    code, out, err = run_cli(["run", "--steps", "preprocess,download", *base])
    assert code == 0, err
    assert "[1/2] download" in out and "[2/2] preprocess" in out and "check_data" not in out
    code, out, err = run_cli(["step", "check_data", *base])
    assert code == 0, err
    assert "[1/1] check_data" in out
    store = ArtifactStore(tmp_path / "artifacts")
    assert store.exists("reference_data") and not store.exists("train_data")
    code, _, err = run_cli(["step", "evaluate", *base])
    assert code == 1 and "no artifact named 'model_export'" in err
    code, _, err = run_cli(["run", "--steps", "download,bake", *base])
    assert code == 2 and "unknown step(s) bake" in err


def test_runs_use_the_config_yaml_of_the_current_directory(tmp_path):
    (tmp_path / "config.yaml").write_text("main:\n  steps: [download]\n")
    code, out, err = run_cli(["run"], cwd=tmp_path)
    assert code == 0, err
    assert "[1/1] download" in out
    assert (tmp_path / "artifacts" / "raw_data" / "v0" / "adult.data.gz").is_file()


def test_artifacts_on_an_empty_store(tmp_path):
    code, out, _ = run_cli(["artifacts", "--workdir", tmp_path, "list"])
    assert code == 0 and "no artifacts" in out
    code, _, err = run_cli(["artifacts", "--workdir", tmp_path, "lineage", "model_export"])
    assert code == 2 and "no artifact named 'model_export'" in err


def test_mlproject_has_main_and_one_entry_point_per_step():
    import yaml

    from pipeline.workflow.steps import STEP_ORDER

    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "MLproject").read_text())
    entry_points = project["entry_points"]
    assert set(entry_points) == {"main", *STEP_ORDER}
    cli = "python -m pipeline.workflow.cli"
    assert entry_points["main"]["command"].startswith(f"{cli} run ")
    for step in STEP_ORDER:
        command = entry_points[step]["command"]
        assert command.startswith(f"{cli} step {step} ")
        # what the mlflow orchestrator passes to every component
        assert {"inputs", "run_id", "force", "config", "workdir"} <= set(
            entry_points[step]["parameters"]
        )
        # every {placeholder} of the command is a declared parameter
        placeholders = {p.split("}")[0] for p in command.split("{")[1:]}
        assert placeholders == set(entry_points[step]["parameters"])


def test_tracking_mlflow_without_mlflow_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now fails
    base = ["--config", default_config_path(), "--workdir", tmp_path]
    code, _, err = run_cli(["run", "--steps", "download", *base, "tracking=mlflow"])
    assert code == 2
    assert "'tracking' is 'mlflow' but mlflow is not installed" in err
    assert not (tmp_path / "artifacts").exists()


def test_tracking_by_orchestrator_without_mlflow_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    base = ["--config", default_config_path(), "--workdir", tmp_path]
    code, _, err = run_cli(["run", "--steps", "download", *base, "main.orchestrator=mlflow"])
    assert code == 2
    assert "'main.orchestrator' is 'mlflow' but mlflow is not installed" in err


def test_force_as_an_mlproject_parameter(tmp_path):
    base = ["step", "download", "--config", default_config_path(), "--workdir", tmp_path]
    assert run_cli([*base, "--force=false"])[0] == 0
    code, out, _ = run_cli([*base, "--force=false"])
    assert code == 0 and "cached:" in out
    code, out, _ = run_cli([*base, "--force=true"])
    assert code == 0 and "cached:" not in out and "download ran in" in out
