"""How ``cartflow run`` calls its steps: in this process, or each one as an MLflow project run.

``main.orchestrator: local`` (the default of ``cartflow run``) calls every step in the running
process. ``main.orchestrator: mlflow`` (the default of the ``main`` entry point of ``MLproject``)
runs every step as ``mlflow.projects.run(uri, entry_point=step, ...)`` of the components project
``main.components_repository`` (default: this project's own folder), nested under the pipeline's
MLflow run. A component is ``cartflow step NAME`` joined to the pipeline's run: it reads the input
artifacts the orchestrator names (``name:vN``), runs the step with the same runner code as
the local orchestrator (caching, lineage, atomic commits), and leaves its record in
``runs/<run id>/<step>/step.json``, which the orchestrator reads back. A failing component stops
the pipeline with that component's error and exit status.
"""

import contextlib
import os
import re
import sys
import time
from pathlib import Path

from pipeline.workflow.errors import ConfigError, WorkflowError
from pipeline.workflow.fsutil import atomic_write_json, atomic_write_text
from pipeline.workflow.store import split_ref

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
STEP_RECORD = "step.json"
CONFIG_FILE = "config.yaml"


class ComponentError(WorkflowError):
    """A component run failed; carries its record and its exit status."""

    def __init__(self, message, record=None, exit_code=1):
        super().__init__(message)
        self.record = record
        self.exit_code = exit_code


def check_run_id(run_id):
    """``run_id`` if it reads like one of ours (``YYYYmmddTHHMMSSZ-xxxxxx``), else ConfigError."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise ConfigError(
            f"run id {run_id!r} must read YYYYmmddTHHMMSSZ-xxxxxx (as `cartflow runs list` shows)"
        )
    return run_id


def parse_inputs(texts):
    """``["role=name:vN role2=name2:latest", ...]`` -> ``{role: ref}`` (spaces or commas apart)."""
    refs = {}
    for text in texts or ():
        for item in re.split(r"[\s,]+", text.strip()):
            if not item:
                continue
            role, sep, ref = item.partition("=")
            if not sep or not role or not ref:
                raise ConfigError(
                    f"input {item!r} must read ROLE=NAME:VERSION (e.g. train=train_data:v0)"
                )
            try:
                split_ref(ref)
            except ValueError as exc:
                raise ConfigError(f"input {item!r}: {exc}") from None
            refs[role] = ref
    return refs


def format_inputs(refs):
    """The inverse of :func:`parse_inputs` (sorted by role, comma-separated)."""
    return ",".join(f"{role}={ref}" for role, ref in sorted(refs.items()))


def merge_inputs(step, defaults, given):
    """The step's default input references with the ``given`` ones put in their place."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        raise ConfigError(f"step {step.NAME!r} has no input(s) {unknown} (its inputs: {known})")
    return {**defaults, **given}


def record_path(run_dir, name):
    """Where the component of step ``name`` leaves its record."""
    return Path(run_dir) / name / STEP_RECORD


def record_exit(workdir, run_id, name, exit_code):
    """Add the component's exit status to its record (creating a bare one if it has none)."""
    import json

    path = record_path(Path(workdir).resolve() / "runs" / check_run_id(run_id), name)
    record = {"status": "failed", "error": None, "record": None}
    with contextlib.suppress(OSError, ValueError):
        record = json.loads(path.read_text(encoding="utf-8"))
    record["exit_code"] = int(exit_code)
    atomic_write_json(path, record)


class LocalOrchestrator:
    """Calls each step in this process (also what a component does with its one step)."""

    name = "local"
    in_process = True

    def __init__(self, config, component=False):
        self.config = config
        self.component = component
        # the MLflow run `mlflow run` made for this component, if any (read before MLflow can
        # change the environment)
        self.mlflow_run_id = os.environ.get("MLFLOW_RUN_ID") if component else None

    @property
    def tracking_role(self):
        return "component" if self.component else "pipeline"

    def describe(self):
        return {"name": self.name}

    def run_step(self, runner, name, position, total, logger, tracker):
        return runner._run_step(name, position, total, logger, tracker)

    def write_component_record(self, runner, summary):
        for record in summary["steps"]:
            atomic_write_json(
                record_path(runner.run_dir, record["name"]),
                {
                    "run_id": runner.run_id,
                    "status": summary["status"],
                    "error": summary.get("error"),
                    "mlflow_run_id": self.mlflow_run_id,
                    "record": record,
                },
            )

    def write_report(self, runner, logger):
        """Write ``runs/<run id>/report.html``; a report that cannot be made never fails a run."""
        from pipeline.workflow.report import write_report

        try:
            path = write_report(runner.run_dir, runner.store)
        except Exception as exc:  # the run's outcome stands; say why the page is missing
            logger.warning("    report not written: %s: %s", type(exc).__name__, exc)
            return None
        runner.report_path = path
        return path


def default_components_repository():
    """This project's own folder (the one holding ``MLproject``), or None when not a checkout."""
    root = Path(__file__).resolve().parents[2]
    return str(root) if (root / "MLproject").is_file() else None


@contextlib.contextmanager
def _interpreter_on_path():
    # The components' commands start `python`: make it this interpreter's.
    saved = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), saved]))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = saved


class MlflowOrchestrator(LocalOrchestrator):
    """Runs each step as an MLflow project run of the components (``env_manager="local"``)."""

    name = "mlflow"
    in_process = False
    tracking_role = "orchestrator"

    def __init__(self, config):
        super().__init__(config)
        main = config["main"]
        self.uri = main["components_repository"] or default_components_repository()
        if self.uri is None:
            raise ConfigError(
                "config key 'main.components_repository' is null and this cartflow is not a "
                "checkout with an MLproject: set it to a cartflow checkout or its git URL, or "
                "use main.orchestrator=local"
            )
        self.version = main["components_version"]
        self.produced = {}
        self._config_file = None

    def describe(self):
        return {
            "name": self.name,
            "components_repository": self.uri,
            "components_version": self.version,
        }

    def _check_config(self):
        url = self.config["data"]["file_url"]
        if "://" not in url and not Path(url).is_absolute():
            raise ConfigError(
                f"config key 'data.file_url' is the relative path {url!r}; with "
                "main.orchestrator=mlflow the components run in their project's folder: give an "
                "absolute path or a file:// URL"
            )

    def _write_config(self, runner):
        import yaml

        if self._config_file is None:
            self._check_config()
            path = runner.run_dir / CONFIG_FILE
            text = "# The resolved configuration of this run, read by its components.\n"
            atomic_write_text(path, text + yaml.safe_dump(runner.config, sort_keys=False))
            self._config_file = path
        return self._config_file

    def _input_refs(self, runner, step):
        refs = merge_inputs(step, step.inputs(runner.config, runner.store), runner.given_inputs)
        resolved = {}
        for role, ref in refs.items():
            if ref is None:
                continue
            name, version = split_ref(ref)
            if version == "latest" and name in self.produced:
                resolved[role] = self.produced[name]
            else:
                resolved[role] = runner.store.get(ref).ref
        return resolved

    def run_step(self, runner, name, position, total, logger, tracker):
        import mlflow
        from mlflow.exceptions import MlflowException

        from pipeline.workflow.runner import StepRecord
        from pipeline.workflow.steps import load_step

        step = load_step(name)
        config_file = self._write_config(runner)
        refs = self._input_refs(runner, step)
        where = self.uri + (f" at {self.version}" if self.version else "")
        logger.info("[%d/%d] %s: MLflow project run of %s", position, total, name, where)
        parameters = {
            "config": str(config_file),
            "workdir": str(runner.workdir),
            "inputs": format_inputs(refs),
            "run_id": runner.run_id,
            "force": "true" if runner.force else "false",
        }
        path = record_path(runner.run_dir, name)
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        failure = None
        with _interpreter_on_path():
            try:
                mlflow.projects.run(
                    self.uri,
                    entry_point=name,
                    version=self.version,
                    parameters=parameters,
                    env_manager="local",
                    experiment_id=tracker.experiment_id,
                    run_name=name,
                )
            except MlflowException as exc:
                failure = exc
        component = _read_json(path)
        record_dict = (component or {}).get("record")
        if failure is not None or component is None or component.get("status") != "succeeded":
            seconds = time.perf_counter() - started
            record = (
                _record_from_dict(StepRecord, record_dict, component)
                if record_dict
                else StepRecord(name, "failed", seconds)
            )
            error = (component or {}).get("error") or (
                f"{type(failure).__name__}: {failure}" if failure else "no record left"
            )
            code = (component or {}).get("exit_code") or 1
            run = (component or {}).get("mlflow_run_id")
            raise ComponentError(
                f"component {name!r} (MLflow run {run or 'unknown'}, exit status {code}) "
                f"failed: {error}",
                record=record,
                exit_code=code,
            )
        record = _record_from_dict(StepRecord, record_dict, component)
        outputs = {out: runner.store.get(ref) for out, ref in record.outputs.items()}
        self.produced.update({out: artifact.ref for out, artifact in outputs.items()})
        logger.info(
            "    %s %s in %.2f s (MLflow run %s) -> %s",
            name,
            record.status,
            time.perf_counter() - started,
            record.mlflow_run_id,
            ", ".join(a.ref for a in outputs.values()),
        )
        tracker.log_step(name, step.params(runner.config), record.metrics, outputs)
        return step, record, outputs


def _read_json(path):
    import json

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _record_from_dict(record_class, data, component):
    return record_class(
        name=data["name"],
        status=data["status"],
        seconds=float(data["seconds"]),
        rows=data.get("rows"),
        cache_key=data.get("cache_key"),
        inputs=dict(data.get("inputs") or {}),
        outputs=dict(data.get("outputs") or {}),
        metrics=dict(data.get("metrics") or {}),
        mlflow_run_id=component.get("mlflow_run_id"),
    )


def make_orchestrator(config, component=False):
    """The orchestrator ``config["main"]["orchestrator"]`` asks for (local for a component)."""
    if not component and config["main"].get("orchestrator") == "mlflow":
        return MlflowOrchestrator(config)
    return LocalOrchestrator(config, component=component)
