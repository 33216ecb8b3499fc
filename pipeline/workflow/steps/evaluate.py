"""Step 6, ``evaluate``: score the exported model on the test split, then apply the gates.

The model is loaded from the ``model_export`` folder through the same loader serving uses
(:func:`pipeline.workflow.export.load_model`, i.e. :func:`pipeline.persist.load` after the format
check). The ``evaluation`` artifact holds ``metrics.json`` and the plots. The gates
(``gates.min_roc_auc``, ...) are checked after the step, also when it was cached: a failed gate
raises :class:`GateError`, so ``cartflow run`` exits non-zero.
"""

import json

from pipeline.workflow.errors import GateError
from pipeline.workflow.steps._common import features_and_target, read_table

NAME = "evaluate"
OUTPUTS = ("evaluation",)
OPTIONAL_OUTPUTS = ()
CODE_DEPENDENCIES = ("tree", "metrics", "pipeline")


def inputs(config, store):
    return {"model": "model_export:latest", "test": "test_data:latest"}


def params(config):
    return {
        "features": features_and_target(config),
        "positive_class": config["model"]["positive_class"],
        "plots": config["plots"],
    }


def run(ctx):
    from pipeline.workflow import evaluation
    from pipeline.workflow.export import load_model

    config = ctx.config
    features, target = features_and_target(config)
    model, _ = load_model(ctx.input_path("model"))
    frame = read_table(ctx.input_path("test"))
    report = evaluation.write_report(
        ctx.output_dir("evaluation"), model, frame, features, target, config, "(test)"
    )
    ctx.rows = len(frame)
    ctx.metrics = {f"test_{name}": report[name] for name in evaluation.METRIC_NAMES}
    ctx.log(
        "test (%s rows): accuracy %.4f, f1 %.4f, ROC AUC %.4f, average precision %.4f",
        f"{len(frame):,}",
        report["accuracy"],
        report["f1"],
        report["roc_auc"],
        report["average_precision"],
    )


def gate_failures(report, gates):
    """Messages for each gate the metrics miss (``min_*``: at least, ``max_*``: at most)."""
    failures = []
    for gate, limit in sorted(gates.items()):
        if limit is None:
            continue
        bound, _, metric = gate.partition("_")
        value = report[metric]
        if (bound == "min" and value < limit) or (bound == "max" and value > limit):
            relation = "below" if bound == "min" else "above"
            failures.append(f"{metric} = {value:.4f} is {relation} gates.{gate} = {limit}")
    return failures


def after(config, outputs, logger):
    report = json.loads((outputs["evaluation"].path / "metrics.json").read_text())
    failures = gate_failures(report, config["gates"])
    if failures:
        raise GateError(failures)
    active = [g for g, v in config["gates"].items() if v is not None]
    logger.info("    gates passed: %s", ", ".join(active) or "none configured")
