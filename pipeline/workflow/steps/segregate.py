"""Step 4, ``segregate``: stratified train/test split of the preprocessed data.

Uses :func:`pipeline.model_selection.train_test_split` with ``data.test_size``, stratified on
``data.stratify`` (null: not stratified) and seeded with ``main.random_seed``.
"""

from pipeline.workflow.steps._common import read_table, write_table

NAME = "segregate"
OUTPUTS = ("train_data", "test_data")
OPTIONAL_OUTPUTS = ()
CODE_DEPENDENCIES = ("pipeline.model_selection",)


def inputs(config, store):
    return {"data": "preprocessed_data:latest"}


def params(config):
    data = config["data"]
    return {
        "test_size": data["test_size"],
        "stratify": data["stratify"],
        "random_seed": config["main"]["random_seed"],
    }


def split(frame, test_size, stratify, seed):
    """(train, test) frames with a fresh 0..n-1 index; stratified on column ``stratify``."""
    from pipeline.model_selection import train_test_split

    labels = frame[stratify] if stratify is not None else None
    if labels is not None and labels.isna().any():
        raise ValueError(f"cannot stratify on {stratify!r}: it has missing values")
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=labels)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def run(ctx):
    data = ctx.config["data"]
    frame = read_table(ctx.input_path("data"))
    train, test = split(
        frame, data["test_size"], data["stratify"], ctx.config["main"]["random_seed"]
    )
    write_table(train, ctx.output_dir("train_data"))
    write_table(test, ctx.output_dir("test_data"))
    ctx.rows = len(frame)
    ctx.metadata["train_data"] = {"rows": len(train)}
    ctx.metadata["test_data"] = {"rows": len(test)}
    ctx.metrics = {"train_rows": len(train), "test_rows": len(test)}
    ctx.log("train %s rows, test %s rows", f"{len(train):,}", f"{len(test):,}")
