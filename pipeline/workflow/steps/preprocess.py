"""Step 2, ``preprocess``: raw file -> clean table (``preprocessed_data``).

Reads the raw file (any compression pandas infers from the name) with the configured column
names, strips the whitespace around every value, turns ``data.na_values`` (``?``) and empty fields
into missing values, converts the columns whose every value is a number to numbers, and drops
duplicate rows.
"""

from pipeline.workflow.errors import DataCheckError
from pipeline.workflow.steps._common import write_table

NAME = "preprocess"
OUTPUTS = ("preprocessed_data",)
OPTIONAL_OUTPUTS = ()
CODE_DEPENDENCIES = ()


def inputs(config, store):
    return {"raw": "raw_data:latest"}


def params(config):
    data = config["data"]
    return {"columns": data["columns"], "na_values": data["na_values"]}


def clean_frame(raw, columns, na_values):
    """Strip every value, mark missing values and type numeric columns.

    Parameters
    ----------
    raw : pandas.DataFrame
        The file read as text (every column of dtype str/object).
    columns : list of str
        Names for the columns, in file order.
    na_values : list of str
        Values (after stripping) that mean "missing".
    """
    import numpy as np
    import pandas as pd

    if raw.shape[1] != len(columns):
        raise DataCheckError(
            [
                f"schema: the raw file has {raw.shape[1]} fields per row but data.columns names "
                f"{len(columns)} columns ({', '.join(columns)})"
            ]
        )
    frame = raw.copy()
    frame.columns = columns
    missing = set(na_values) | {""}
    for column in columns:
        values = frame[column].astype("str").str.strip()
        values = values.where(~values.isin(missing), np.nan)
        numbers = pd.to_numeric(values, errors="coerce")
        if values.notna().any() and numbers.notna().sum() == values.notna().sum():
            whole = numbers.dropna()
            if whole.size and np.all(whole == np.round(whole)) and numbers.notna().all():
                numbers = numbers.astype("int64")
            frame[column] = numbers
        else:
            frame[column] = values
    return frame


def run(ctx):
    import pandas as pd

    from pipeline._csv import check_field_counts

    data = ctx.config["data"]
    raw_artifact = ctx.inputs["raw"]
    raw_path = raw_artifact.path / raw_artifact.metadata["file"]
    try:  # pandas would fill a truncated row's missing fields with NaN
        check_field_counts(raw_path)  # every row as long as the first
    except ValueError as exc:
        raise DataCheckError(
            [f"schema: {raw_artifact.metadata['file']} cannot be read as CSV: {exc}"]
        ) from None
    try:
        raw = pd.read_csv(
            raw_path,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            compression="infer",
            encoding="utf-8",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataCheckError(
            [f"schema: {raw_artifact.metadata['file']} cannot be read as CSV: {exc}"]
        ) from None
    frame = clean_frame(raw, data["columns"], data["na_values"])
    rows_in = len(frame)
    frame = frame.drop_duplicates(ignore_index=True)
    folder = ctx.output_dir("preprocessed_data")
    write_table(frame, folder)
    ctx.rows = len(frame)
    missing = {c: int(n) for c, n in frame.isna().sum().items() if n}
    ctx.metadata["preprocessed_data"] = {
        "rows_in": rows_in,
        "rows_out": len(frame),
        "missing_values": missing,
    }
    ctx.metrics = {
        "rows_in": rows_in,
        "rows_out": len(frame),
        "duplicates_dropped": rows_in - len(frame),
    }
    ctx.log(
        "rows in %s, duplicates dropped %s, rows out %s",
        f"{rows_in:,}",
        f"{rows_in - len(frame):,}",
        f"{len(frame):,}",
    )
