"""Step 7, ``evaluate``: score the exported model on the test split, then apply the gates.

The labels are decided at the model's exported threshold (the most probable class for a model
without one); ``metrics.json`` also holds the threshold metrics at 0.5 (``at_default_threshold``)
and the ROC and PR plots mark the threshold. The model is loaded from the ``model_export``
folder through the same loader serving uses (:func:`pipeline.workflow.export.load_model`, i.e.
:func:`pipeline.persist.load` after the format check). The ``evaluation`` artifact holds
``metrics.json`` and the plots. The gates (``gates.min_roc_auc``, ...; on the decisions at the
model's threshold) are checked after the step, also when it was cached: a failed gate raises
:class:`GateError`, so ``cartflow run`` exits non-zero.
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
    from pipeline.workflow.threshold import decision_of

    config = ctx.config
    features, target = features_and_target(config)
    model, description = load_model(ctx.input_path("model"))
    decision = decision_of(description)
    threshold = None if decision is None else decision["threshold"]
    frame = read_table(ctx.input_path("test"))
    report = evaluation.write_report(
        ctx.output_dir("evaluation"), model, frame, features, target, config, "(test)", threshold
    )
    ctx.rows = len(frame)
    ctx.metrics = {f"test_{name}": report[name] for name in evaluation.METRIC_NAMES}
    default = report["at_default_threshold"]
    for name in evaluation.THRESHOLD_METRICS:
        ctx.metrics[f"test_{name}_at_0.5"] = default[name]
    ctx.log(
        "test (%s rows): ROC AUC %.4f, average precision %.4f, log loss %.4f",
        f"{len(frame):,}",
        report["roc_auc"],
        report["average_precision"],
        report["log_loss"],
    )
    ctx.log(
        "  at 0.5 (most probable class): accuracy %.4f, f1 %.4f, precision %.4f, recall %.4f",
        *(default[name] for name in evaluation.THRESHOLD_METRICS),
    )
    if threshold is not None:
        ctx.log(
            "  at the model's threshold %.4f: accuracy %.4f, f1 %.4f, precision %.4f, recall %.4f",
            threshold,
            *(report[name] for name in evaluation.THRESHOLD_METRICS),
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
