"""The driver: runs steps in order against the artifact store, with caching, logs and run.json.

A step is a module of ``pipeline.workflow.steps`` (see ``steps/__init__.py`` for the protocol).
For each step the runner resolves its input artifacts, computes a cache key from the step's name,
code version, parameters and the sha256 of its inputs, and either reuses the outputs a previous
run committed under that key ("cached") or runs the step in staging folders and commits them.
"""

import hashlib
import importlib
import logging
import platform
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

from pipeline._version import __version__
from pipeline.workflow import orchestrator
from pipeline.workflow.config import canonical_json, config_sha256
from pipeline.workflow.errors import ArtifactNotFoundError, WorkflowError
from pipeline.workflow.fsutil import atomic_write_json
from pipeline.workflow.orchestrator import merge_inputs
from pipeline.workflow.steps import STEP_ORDER, load_step
from pipeline.workflow.store import ArtifactStore, split_ref

LOGGER_NAME = "cartflow.workflow"
# Subpackages no step runs: editing them does not invalidate cached steps.
NOT_CODE_OF_STEPS = ("serving",)
LIBRARIES = ("numpy", "numba", "pandas", "scipy", "matplotlib", "pyyaml", "pyarrow", "mlflow")


@dataclass
class StepContext:
    """What a running step sees: its config, its inputs, and where to write its outputs."""

    name: str
    config: dict
    store: ArtifactStore
    run_id: str
    run_dir: Path
    workdir: Path
    inputs: dict
    logger: logging.Logger
    outputs: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    rows: int | None = None

    def input_path(self, role):
        """Folder of the input artifact bound to ``role``."""
        artifact = self.inputs.get(role)
        if artifact is None:
            raise WorkflowError(f"step {self.name!r} has no input {role!r}")
        return artifact.path

    def output_dir(self, name):
        """A fresh staging folder for the output artifact ``name`` (committed if the step ends)."""
        if name not in self.outputs:
            self.outputs[name] = self.store.staging_dir()
            self.metadata[name] = {}
        return self.outputs[name]

    def log(self, message, *args):
        self.logger.info("    " + message, *args)


@dataclass
class StepRecord:
    name: str
    status: str
    seconds: float
    rows: int | None = None
    cache_key: str | None = None
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    mlflow_run_id: str | None = None

    def to_dict(self):
        return {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "cache_key": self.cache_key,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "metrics": self.metrics,
            **({"details": self.details} if self.details else {}),
            "mlflow_run_id": self.mlflow_run_id,
        }


def new_run_id():
    """``YYYYmmddTHHMMSSZ-xxxxxx``: sortable by start time, unique across processes."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _source_sha256(module_names):
    digest = hashlib.sha256()
    for module_name in module_names:
        module = importlib.import_module(module_name)
        path = Path(module.__file__)
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for file in files:
            if "__pycache__" in file.parts or file.parent.name in NOT_CODE_OF_STEPS:
                continue
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def code_version(step):
    """The cartflow version plus a hash of the step's source and the code it declares it uses."""
    modules = (step.__name__, "pipeline.workflow.steps._common", *step.CODE_DEPENDENCIES)
    return f"{__version__}+{_source_sha256(modules)[:16]}"


def cache_key(step, config, inputs):
    """sha256 over the step name, code version, parameters and input content hashes, or None.

    None means "never cached" (a step whose source cannot be fingerprinted, e.g. a remote URL).
    """
    fingerprint = step.fingerprint(config) if hasattr(step, "fingerprint") else {}
    if fingerprint is None:
        return None
    payload = {
        "step": step.NAME,
        "code": code_version(step),
        "params": step.params(config),
        "fingerprint": fingerprint,
        "inputs": {
            role: step_input_sha(step, role, artifact, inputs) for role, artifact in inputs.items()
        },
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def step_input_sha(step, role, artifact, inputs):
    if artifact is not None:
        return artifact.sha256
    stand_in = getattr(step, "MISSING_INPUT_STANDS_IN", {}).get(role)
    return inputs[stand_in].sha256 if stand_in else None


def git_commit(path):
    """The git commit of the source tree at ``path`` (with ``-dirty``), or None."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=path,
            capture_output=True,
            text=True,
            timeout=5,
        )
        dirty = status.returncode == 0 and status.stdout.strip() != ""
        return commit.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def library_versions():
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


class RunLogHandler(logging.FileHandler):
    """The run's log file; after a failed write (a full disk) it says so once and stops."""

    error = None

    def emit(self, record):
        if self.error is None:
            super().emit(record)

    def handleError(self, record):
        self._failed(sys.exc_info()[1])

    def flush(self):
        try:
            super().flush()
        except OSError as exc:
            self._failed(exc)

    def close(self):
        try:
            super().close()
        except OSError as exc:  # closing flushes what is buffered
            self._failed(exc)

    def _failed(self, exc):
        if self.error is None:
            self.error = exc
            print(
                f"cartflow: cannot write the run log {self.baseFilename}: {exc}; "
                "the run goes on without it",
                file=sys.stderr,
            )


def _setup_logger(run_dir, verbose=True):
    logger = logging.getLogger(f"{LOGGER_NAME}.{run_dir.name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    file_handler = RunLogHandler(run_dir / "workflow.log", encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(file_handler)
    if verbose:
        console = logging.StreamHandler(sys.stdout)
        console.setFormatter(logging.Formatter("%(message)s"))
        console.addFilter(lambda record: not getattr(record, "file_only", False))
        logger.addHandler(console)
    return logger


def log_file_error(logger):
    """The error that stopped the run log being written, or None."""
    for handler in logger.handlers:
        if isinstance(handler, RunLogHandler) and handler.error is not None:
            return handler.error
    return None


def _close_logger(logger):
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def _describe_rows(rows):
    return f", {rows:,} rows" if rows is not None else ""


class Runner:
    """Runs workflow steps in one work directory.

    Parameters
    ----------
    config : dict
        A validated configuration (:func:`pipeline.workflow.config.load_config`).
    workdir : str or Path
        Where ``artifacts/`` and ``runs/<run id>/`` go.
    config_source : str
        The config file read, recorded in run.json.
    force : bool
        Re-run steps even when their cache key matches.
    verbose : bool
        Print progress to stdout (always written to ``runs/<run id>/workflow.log``).
    inputs : dict, optional
        ``{role: "name:version"}``: input artifacts to read instead of the steps' defaults.
    join_run : str, optional
        Run the steps as components of the existing run ``join_run`` (what an orchestrator
        passes): their records go to ``runs/<run id>/<step>/step.json``, not to run.json.
    """

    def __init__(
        self,
        config,
        workdir=".",
        config_source="",
        force=False,
        verbose=True,
        inputs=None,
        join_run=None,
    ):
        self.config = config
        self.workdir = Path(workdir).resolve()
        self.config_source = config_source
        self.force = force
        self.verbose = verbose
        self.store = ArtifactStore(self.workdir / "artifacts")
        self.given_inputs = dict(inputs or {})
        self.component = join_run is not None
        self.run_id = orchestrator.check_run_id(join_run) if self.component else new_run_id()
        self.run_dir = self.workdir / "runs" / self.run_id
        self.records = []
        self.report_path = None
        self.orchestrator = orchestrator.make_orchestrator(config, component=self.component)
        # Run isolation: every "name:alias" an input names resolves against the aliases as they
        # were when the run started, or to the version this run itself produced or reused.
        self.aliases_at_start = {}
        self.produced = {}
        self.summary_error = None
        self.log_error = None

    def run(self, steps=None):
        """Run ``steps`` (default: ``main.steps`` of the config) in workflow order.

        Returns
        -------
        dict
            The run summary written to ``runs/<run id>/run.json``.

        Raises
        ------
        WorkflowError
            A step failed; run.json records which, and the store keeps its previous state for it.
        """
        names = list(steps) if steps else list(self.config["main"]["steps"])
        unknown = [n for n in names if n not in STEP_ORDER]
        if unknown:
            raise WorkflowError(f"unknown step(s) {unknown}; the steps are {', '.join(STEP_ORDER)}")
        names = [n for n in STEP_ORDER if n in names]
        self.aliases_at_start = self.store.aliases()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        logger = _setup_logger(self.run_dir, self.verbose)
        from pipeline.workflow.tracking import NullTracker, make_tracker

        tracker = NullTracker()
        summary = self._summary_base(names)
        started = time.perf_counter()
        if not self.component:
            logger.info("cartflow %s run %s in %s", __version__, self.run_id, self.workdir)
        status, error = "failed", None
        try:
            tracker = make_tracker(self.config, self.workdir, self.orchestrator.tracking_role)
            tracker.start(self.run_id, self.config)
            for position, name in enumerate(names, start=1):
                step_started = time.perf_counter()
                try:
                    step, record, outputs = self.orchestrator.run_step(
                        self, name, position, len(names), logger, tracker
                    )
                except BaseException as exc:
                    failed = getattr(exc, "record", None)
                    self.records.append(
                        failed or StepRecord(name, "failed", time.perf_counter() - step_started)
                    )
                    raise
                self.records.append(record)
                self._write_summary(summary, "running", started)
                if hasattr(step, "after") and self.orchestrator.in_process:
                    step.after(self.config, outputs, logger)  # also for cached outputs (gates)
            status = "succeeded"
            logger.info(
                "run %s finished in %.1f s",
                self.run_id,
                time.perf_counter() - started,
                extra={"file_only": True},
            )
            return self._write_summary(summary, status, started)
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            # the caller reports the error; the log keeps it (with the traceback of a bug)
            logger.error(
                "run %s failed: %s",
                self.run_id,
                error,
                exc_info=not isinstance(exc, WorkflowError),
                extra={"file_only": True},
            )
            try:
                self._write_summary(summary, status, started, error)
            except OSError as write_error:  # a full disk must not hide the step's error
                self.summary_error = write_error
            raise
        finally:
            tracker.end(status)
            if not self.component:
                self.orchestrator.write_report(self, logger)
            self.log_error = log_file_error(logger)
            _close_logger(logger)

    def _summary_base(self, names):
        package_root = Path(__file__).resolve().parents[2]
        return {
            "run_id": self.run_id,
            "started_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "workdir": str(self.workdir),
            "steps_requested": names,
            "force": self.force,
            "config_source": self.config_source,
            "config_sha256": config_sha256(self.config),
            "config": self.config,
            "cartflow_version": __version__,
            "git_commit": git_commit(package_root),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "libraries": library_versions(),
            "orchestrator": self.orchestrator.describe(),
        }

    def _write_summary(self, summary, status, started, error=None):
        summary = dict(summary)
        summary.update(
            status=status,
            error=error,
            finished_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            seconds=round(time.perf_counter() - started, 3),
            steps=[record.to_dict() for record in self.records],
        )
        if self.component:
            self.orchestrator.write_component_record(self, summary)
        else:
            atomic_write_json(self.run_dir / "run.json", summary)
        return summary

    def _resolve_inputs(self, step):
        refs = merge_inputs(step, step.inputs(self.config, self.store), self.given_inputs)
        return {role: (self._resolve(ref) if ref else None) for role, ref in refs.items()}

    def _resolve(self, ref):
        """The verified version ``ref`` names for this run (see ``aliases_at_start``)."""
        name, version = split_ref(ref)
        if version.startswith("v") and version[1:].isdigit():
            artifact = self.store.get(ref)
        elif version == "latest" and name in self.produced:
            artifact = self.produced[name]
        else:
            pinned = self.aliases_at_start.get(name, {}).get(version)
            if pinned is None:
                self.store.get(ref)  # the usual message when it does not exist at all
                raise ArtifactNotFoundError(
                    f"artifact {ref!r} was committed by another run after run {self.run_id} "
                    "started, and this run has not produced it; a run only reads what existed "
                    "when it started or what it made itself. Run the step that produces it "
                    "(in this run or before it)"
                )
            artifact = self.store.get(f"{name}:{pinned}")
        return self.store.verify(artifact)

    def _run_step(self, name, position, total, logger, tracker):
        step = load_step(name)
        started = time.perf_counter()
        logger.info("[%d/%d] %s", position, total, name)
        inputs = self._resolve_inputs(step)
        key = cache_key(step, self.config, inputs)
        input_refs = {role: a.ref for role, a in inputs.items() if a is not None}
        cached = None if (self.force or key is None) else self.store.cached_outputs(key)
        if cached is not None:
            outputs = cached["outputs"]
            for artifact in outputs.values():
                self.store.verify(artifact)
            self.store.mark_latest(outputs.values())
            record = self._record(name, "cached", started, key, input_refs, outputs)
            logger.info(
                "    cached: inputs, parameters and code unchanged since run %s (--force re-runs)",
                cached["run_id"],
            )
        else:
            ctx = StepContext(
                name=name,
                config=self.config,
                store=self.store,
                run_id=self.run_id,
                run_dir=self.run_dir,
                workdir=self.workdir,
                inputs=inputs,
                logger=logger,
            )
            try:
                step.run(ctx)
                for output in step.OUTPUTS:
                    if output not in ctx.outputs and output not in step.OPTIONAL_OUTPUTS:
                        raise WorkflowError(f"step {name!r} did not write its output {output!r}")
                staged = {
                    out: (path, {**ctx.metadata[out], "rows": ctx.rows, "metrics": ctx.metrics})
                    for out, path in ctx.outputs.items()
                }
                outputs = self.store.commit(
                    staged,
                    step=name,
                    run_id=self.run_id,
                    inputs=sorted(input_refs.values()),
                    cache_key=key,
                )
            finally:
                for path in ctx.outputs.values():
                    shutil.rmtree(path, ignore_errors=True)
            record = self._record(name, "ran", started, key, input_refs, outputs)
        self.produced.update(outputs)
        self._copy_reports(name, record, outputs)
        logger.info(
            "    %s %s in %.2f s%s -> %s",
            name,
            record.status,
            record.seconds,
            _describe_rows(record.rows),
            ", ".join(a.ref for a in outputs.values()),
        )
        tracker.log_step(name, step.params(self.config), record.metrics, outputs)
        return step, record, outputs

    def _record(self, name, status, started, key, input_refs, outputs):
        first = next(iter(outputs.values()), None)
        meta = first.metadata if first is not None else {}
        return StepRecord(
            name=name,
            status=status,
            seconds=time.perf_counter() - started,
            rows=meta.get("rows"),
            cache_key=key,
            inputs=input_refs,
            outputs={n: a.ref for n, a in outputs.items()},
            metrics=meta.get("metrics", {}),
            # what a step records about how it worked (e.g. train: the tree parameters used)
            details=next(
                (a.metadata["details"] for a in outputs.values() if "details" in a.metadata), {}
            ),
        )

    def _copy_reports(self, name, record, outputs):
        """Copy each output's plots and ``metrics.json`` into ``runs/<run id>/<step>/``."""
        for artifact in outputs.values():
            for relative in artifact.files:
                if relative.endswith((".png", ".svg")) or relative == "metrics.json":
                    target = self.run_dir / name / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(artifact.path / relative, target)
