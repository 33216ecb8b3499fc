"""Optional MLflow tracking (``tracking: mlflow`` in config).

One MLflow run per workflow run (or the run ``mlflow run`` started, through ``MLFLOW_RUN_ID``),
with a nested run per step that logs the step's parameters, metrics and output artifacts; the
parent run gets the whole config as parameters and every step's metrics. The store is
``MLFLOW_TRACKING_URI`` or ``<workdir>/mlruns``.

Roles: ``pipeline`` (the above), ``orchestrator`` (``main.orchestrator: mlflow``: the parent run
only; each component logs its own run, nested under it by ``mlflow.projects.run``) and
``component`` (one step joined to a pipeline's run: logs into the run MLflow started for it).
MLflow 3 keeps its file store only on request: for a file store (the default)
``MLFLOW_ALLOW_FILE_STORE=true`` is set unless already set; use
``MLFLOW_TRACKING_URI=sqlite:///mlflow.db`` for the database backend.
"""

import os


class NullTracker:
    """Tracking switched off."""

    experiment_id = None

    def start(self, run_id, config):
        pass

    def log_step(self, name, params, metrics, outputs):
        pass

    def end(self, status):
        pass


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        flat = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    text = str(value)
    return {prefix.rstrip("."): text[:500]}


class MlflowTracker:
    """Logs to MLflow; imported only when ``tracking: mlflow``."""

    def __init__(self, workdir, role="pipeline"):
        self.role = role
        try:
            import mlflow
        except ModuleNotFoundError:
            from pipeline.workflow.errors import ConfigError

            if role == "orchestrator":
                raise ConfigError(
                    "config key 'main.orchestrator' is 'mlflow' but mlflow is not installed: "
                    "pip install 'cartflow[mlflow]' (or set main.orchestrator: local)"
                ) from None
            raise ConfigError(
                "config key 'tracking' is 'mlflow' but mlflow is not installed: "
                "pip install 'cartflow[mlflow]' (or set tracking: none)"
            ) from None
        self.mlflow = mlflow
        # mlflow.set_experiment exports MLFLOW_EXPERIMENT_ID; restore the environment at the end
        self._saved_env = {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_")}
        uri = os.environ.get("MLFLOW_TRACKING_URI", "")
        if not uri or uri.startswith("file:") or "://" not in uri:
            # MLflow 3 refuses its file store unless asked; ./mlruns is what the docs promise.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self._set_uri = not uri
        if self._set_uri:
            mlflow.set_tracking_uri((workdir / "mlruns").resolve().as_uri())
        self.parent = None

    @property
    def experiment_id(self):
        return self.parent.info.experiment_id if self.parent is not None else None

    def start(self, run_id, config):
        mlflow = self.mlflow
        if not os.environ.get("MLFLOW_RUN_ID"):
            mlflow.set_experiment(config["main"]["project_name"])
        # a component resumes the run MLflow made for it, under the name it was given
        self.parent = mlflow.start_run(run_name=None if self.role == "component" else run_id)
        mlflow.set_tags(
            {"cartflow.run_id": run_id, "cartflow.experiment": config["main"]["experiment_name"]}
        )
        if self.role != "component":
            mlflow.log_params(_flatten(config))

    def _log_step_here(self, params, metrics, outputs):
        mlflow = self.mlflow
        mlflow.log_params(_flatten(params))
        if metrics:
            mlflow.log_metrics(metrics)
        mlflow.set_tags({f"artifact.{n}": a.ref for n, a in outputs.items()})
        for artifact_name, artifact in outputs.items():
            mlflow.log_artifacts(str(artifact.path), artifact_path=artifact_name)

    def log_step(self, name, params, metrics, outputs):
        mlflow = self.mlflow
        numeric = {
            key: float(value)
            for key, value in metrics.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        if self.role == "component":
            self._log_step_here(params, numeric, outputs)
            return
        if self.role == "pipeline":
            with mlflow.start_run(run_name=name, nested=True):
                self._log_step_here(params, numeric, outputs)
        if numeric:  # the parent run shows every step's metrics side by side
            mlflow.log_metrics(numeric)

    def end(self, status):
        if self.parent is not None:
            self.mlflow.end_run("FINISHED" if status == "succeeded" else "FAILED")
            self.parent = None
        for key in [k for k in os.environ if k.startswith("MLFLOW_")]:
            if key not in self._saved_env:
                del os.environ[key]
        os.environ.update(self._saved_env)
        if self._set_uri:
            self.mlflow.set_tracking_uri(None)


def make_tracker(config, workdir, role="pipeline"):
    """The tracker ``config["tracking"]`` and the orchestration ``role`` ask for.

    The MLflow orchestrator always tracks (its components are MLflow runs), and so does a
    component that runs inside an MLflow run (``MLFLOW_RUN_ID`` set by ``mlflow run``).
    """
    inside_mlflow_run = role == "component" and bool(os.environ.get("MLFLOW_RUN_ID"))
    if config.get("tracking") == "mlflow" or role == "orchestrator" or inside_mlflow_run:
        return MlflowTracker(workdir, role)
    return NullTracker()
