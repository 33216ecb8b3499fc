"""Step 5, ``train``: fit the inference pipeline and export it (``model_export``).

Splits ``train_data`` into train and validation (``data.val_size``, stratified like segregate),
builds the pipeline of :mod:`pipeline.workflow.model_factory` from config, fits it, scores the
validation split (``validation`` artifact: ``metrics.json`` and the plots) and exports the model
with :func:`pipeline.workflow.export.export_model`.
"""

from pipeline.workflow.config import config_sha256
from pipeline.workflow.errors import ArtifactIntegrityError
from pipeline.workflow.steps._common import TABLE_FILE, features_and_target, read_table_with_sha256
from pipeline.workflow.steps.segregate import split

NAME = "train"
OUTPUTS = ("model_export", "validation")
OPTIONAL_OUTPUTS = ()
# The whole of our three packages: any change to the tree, metrics or pipeline code re-trains.
CODE_DEPENDENCIES = ("tree", "metrics", "pipeline")


def inputs(config, store):
    return {"train": "train_data:latest"}


def params(config):
    return {
        "model": config["model"],
        "val_size": config["data"]["val_size"],
        "stratify": config["data"]["stratify"],
        "target": config["data"]["target"],
        "random_seed": config["main"]["random_seed"],
        "plots": config["plots"],
    }


def run(ctx):
    from pipeline.workflow import evaluation
    from pipeline.workflow.export import export_model
    from pipeline.workflow.model_factory import build_pipeline

    config = ctx.config
    data = config["data"]
    features, target = features_and_target(config)
    frame, data_sha256 = read_table_with_sha256(ctx.input_path("train"))
    recorded = ctx.inputs["train"].files.get(TABLE_FILE)
    if data_sha256 != recorded:
        raise ArtifactIntegrityError(
            f"artifact {ctx.inputs['train'].ref} changed while it was read: index sha256 of "
            f"{TABLE_FILE} {recorded}, bytes read {data_sha256}; re-run with --force"
        )
    fit_frame, val_frame = split(
        frame, data["val_size"], data["stratify"], config["main"]["random_seed"]
    )
    model = build_pipeline(config)
    model.fit(fit_frame[features], fit_frame[target].astype(str))
    ctx.log(
        "fitted on %s rows: tree depth %d, %d leaves",
        f"{len(fit_frame):,}",
        evaluation.final_estimator(model).get_depth(),
        evaluation.final_estimator(model).get_n_leaves(),
    )

    report = evaluation.write_report(
        ctx.output_dir("validation"), model, val_frame, features, target, config, "(validation)"
    )
    export_folder = ctx.output_dir("model_export")
    description = export_model(
        model,
        export_folder,
        train_frame=fit_frame,
        features=features,
        training_data_sha256=data_sha256,  # of the bytes the model was fitted on
        config_sha256=config_sha256(params(config)),
        positive_class=config["model"]["positive_class"],
    )
    ctx.rows = len(fit_frame)
    ctx.metrics = {f"val_{name}": report[name] for name in evaluation.METRIC_NAMES}
    ctx.metadata["model_export"] = {
        "model_uuid": description["model_uuid"],
        "cartflow_version": description["metadata"]["cartflow_version"],
    }
    ctx.log(
        "validation (%s rows): accuracy %.4f, f1 %.4f, ROC AUC %.4f",
        f"{len(val_frame):,}",
        report["accuracy"],
        report["f1"],
        report["roc_auc"],
    )
