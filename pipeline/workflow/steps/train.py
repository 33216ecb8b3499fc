"""Step 6, ``train``: fit the inference pipeline, choose its decision threshold, export it.

The tree's parameters are ``model.tree`` with the ``tune`` step's best parameters over them
(``tune.enabled: false``: ``model.tree`` alone). ``train.refit_on`` decides the rows:

- ``train``: ``train_data`` is split into train and validation (``data.val_size``, stratified
  like segregate); the model is fitted on the train part, the threshold chosen on the
  validation predictions;
- ``train_and_validation``: the model is fitted on all of ``train_data``, the threshold chosen on
  out-of-fold predictions (``tune.cv`` stratified folds, the same seed).

The threshold (:mod:`pipeline.workflow.threshold`, ``model.threshold.objective``) is exported
with the model. The ``validation`` artifact holds ``metrics.json`` and the plots of those held-out
predictions; the export is :func:`pipeline.workflow.export.export_model`. ``train.engine: dask``
trains the final tree on Dask (:mod:`pipeline.workflow.dask_engine`).
"""

import json

from pipeline.workflow.config import config_sha256
from pipeline.workflow.dask_engine import fit_on_dask
from pipeline.workflow.errors import ArtifactIntegrityError
from pipeline.workflow.steps._common import TABLE_FILE, features_and_target, read_table_with_sha256
from pipeline.workflow.steps.segregate import split

NAME = "train"
OUTPUTS = ("model_export", "validation")
OPTIONAL_OUTPUTS = ()
# The whole of our three packages: any change to the tree, metrics or pipeline code re-trains.
CODE_DEPENDENCIES = ("tree", "metrics", "pipeline")


def inputs(config, store):
    refs = {"train": "train_data:latest"}
    if config["tune"]["enabled"]:
        refs["tuning"] = "tuning:latest"
    return refs


def params(config):
    return {
        "model": config["model"],
        "val_size": config["data"]["val_size"],
        "stratify": config["data"]["stratify"],
        "target": config["data"]["target"],
        "random_seed": config["main"]["random_seed"],
        "plots": config["plots"],
        "refit_on": config["train"]["refit_on"],
        "engine": config["train"]["engine"],
        "tune_enabled": config["tune"]["enabled"],
        "cv": config["tune"]["cv"],
    }


def tree_params(ctx):
    """(tree parameters, where they came from)."""
    tree = dict(ctx.config["model"]["tree"])
    artifact = ctx.inputs.get("tuning")
    if artifact is None:
        return tree, "config model.tree"
    best = json.loads((artifact.path / "best_params.json").read_text(encoding="utf-8"))
    if not best.get("enabled"):
        return tree, "config model.tree"
    unknown = sorted(set(best["params"]) - set(tree))
    if unknown:
        raise ValueError(f"{artifact.ref} tunes unknown tree parameters {unknown}; re-run tune")
    tree.update(best["params"])
    return tree, f"{artifact.ref} over config model.tree"


def out_of_fold(config, frame, features, target, n_jobs):
    """Out-of-fold probabilities of the configured pipeline on ``frame``."""
    from pipeline.workflow import tuning
    from pipeline.workflow.model_factory import build_pipeline

    y = frame[target].astype(str).to_numpy()
    folds = tuning.make_folds(y, config["tune"]["cv"], config["main"]["random_seed"])
    X = frame[features]

    def fit_predict(train_index, test_index):
        model = build_pipeline(config)
        model.fit(X.iloc[train_index], y[train_index])
        return model.predict_proba(X.iloc[test_index])

    return tuning.out_of_fold_proba(X, y, folds, fit_predict, n_jobs)


def run(ctx):
    from pipeline.workflow import evaluation
    from pipeline.workflow.export import export_model
    from pipeline.workflow.model_factory import build_pipeline
    from pipeline.workflow.threshold import choose

    config = ctx.config
    data = config["data"]
    positive = config["model"]["positive_class"]
    features, target = features_and_target(config)
    frame, data_sha256 = read_table_with_sha256(ctx.input_path("train"))
    recorded = ctx.inputs["train"].files.get(TABLE_FILE)
    if data_sha256 != recorded:
        raise ArtifactIntegrityError(
            f"artifact {ctx.inputs['train'].ref} changed while it was read: index sha256 of "
            f"{TABLE_FILE} {recorded}, bytes read {data_sha256}; re-run with --force"
        )
    tree, source = tree_params(ctx)
    config = {**config, "model": {**config["model"], "tree": tree}}
    ctx.log("tree parameters from %s: %s", source, ", ".join(f"{k}={v!r}" for k, v in tree.items()))
    if config["train"]["refit_on"] == "train":
        fit_frame, held_out = split(
            frame, data["val_size"], data["stratify"], config["main"]["random_seed"]
        )
        held_out_proba, where = None, "validation"
    else:
        fit_frame, held_out, where = frame, frame, "out_of_fold"
        held_out_proba = out_of_fold(config, frame, features, target, config["tune"]["n_jobs"])
    model = build_pipeline(config)
    if config["train"]["engine"] == "dask":
        ctx.log("training the tree on Dask (%s)", config["train"]["scheduler"] or "a local cluster")
        fit_on_dask(model, fit_frame[features], fit_frame[target].astype(str), config["train"])
    else:
        model.fit(fit_frame[features], fit_frame[target].astype(str))
    estimator = evaluation.final_estimator(model)
    ctx.log(
        "fitted on %s rows: tree depth %d, %d leaves",
        f"{len(fit_frame):,}",
        estimator.get_depth(),
        estimator.get_n_leaves(),
    )
    if held_out_proba is None:
        held_out_proba = model.predict_proba(held_out[features])
    classes = [str(c) for c in model.classes_]
    is_positive = held_out[target].astype(str).to_numpy() == positive
    decision = choose(
        is_positive,
        held_out_proba[:, classes.index(positive)],
        config["model"]["threshold"]["objective"],
        where,
    )
    title = "(validation)" if where == "validation" else "(out-of-fold)"
    report = evaluation.write_report(
        ctx.output_dir("validation"),
        model,
        held_out,
        features,
        target,
        config,
        title,
        threshold=decision["threshold"],
        proba=held_out_proba,
    )
    training = {
        "tree_params": tree,
        "params_source": source,
        "refit_on": config["train"]["refit_on"],
        "rows": len(fit_frame),
    }
    export_folder = ctx.output_dir("model_export")
    description = export_model(
        model,
        export_folder,
        train_frame=fit_frame,
        features=features,
        training_data_sha256=data_sha256,  # of the bytes the model was fitted on
        config_sha256=config_sha256(params(ctx.config)),
        positive_class=positive,
        decision=decision,
        training=training,
    )
    ctx.rows = len(fit_frame)
    ctx.metrics = {f"val_{name}": report[name] for name in evaluation.METRIC_NAMES}
    ctx.metrics["decision_threshold"] = decision["threshold"]
    ctx.metadata["model_export"] = {
        "model_uuid": description["model_uuid"],
        "cartflow_version": description["metadata"]["cartflow_version"],
        "decision_threshold": decision,
        "details": training,
    }
    ctx.log(
        "decision threshold %.4f (%s on %s predictions)",
        decision["threshold"],
        json.dumps(decision["objective"]),
        where.replace("_", "-"),
    )
    ctx.log(
        "%s (%s rows): accuracy %.4f, f1 %.4f, ROC AUC %.4f",
        where.replace("_", "-"),
        f"{len(held_out):,}",
        report["accuracy"],
        report["f1"],
        report["roc_auc"],
    )
