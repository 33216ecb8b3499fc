"""Step 3, ``check_data``: stop the run when the preprocessed data looks wrong.

Deterministic checks: the configured columns are present, numeric features are numeric, values
lie in ``data.checks.ranges``, the target has only ``data.checks.target_classes`` (at least two
of them), no column misses more than ``data.checks.max_missing_share`` of its values, at least
``data.checks.min_rows`` rows.

Drift: a two-sample Kolmogorov-Smirnov test per numeric feature against the reference artifact
(``data.reference``), each at level ``data.ks_alpha / n_tests`` (Bonferroni). On the first run
there is no reference: the preprocessed data itself is pinned as ``reference_data``.

Every failure is collected; the step then raises :class:`DataCheckError` listing all of them and
writes ``data_check.json`` into the run folder.
"""

import shutil

from pipeline.workflow.errors import ArtifactNotFoundError, DataCheckError
from pipeline.workflow.fsutil import atomic_write_json
from pipeline.workflow.steps._common import TABLE_FILE, read_table
from pipeline.workflow.store import split_ref

NAME = "check_data"
OUTPUTS = ("data_check", "reference_data")
OPTIONAL_OUTPUTS = ("reference_data",)
CODE_DEPENDENCIES = ()
# Without a reference the data is its own reference: same cache key as the run after pinning.
MISSING_INPUT_STANDS_IN = {"reference": "data"}


def inputs(config, store):
    reference = config["data"]["reference"]
    name, version = split_ref(reference)
    try:
        store.versions(name)
    except ArtifactNotFoundError:
        if version != "latest":
            raise
        return {"data": "preprocessed_data:latest", "reference": None}
    return {"data": "preprocessed_data:latest", "reference": reference}


def params(config):
    data = config["data"]
    model = config["model"]
    return {
        "columns": data["columns"],
        "target": data["target"],
        "checks": data["checks"],
        "ks_alpha": data["ks_alpha"],
        "numeric_features": model["numeric_features"],
        "categorical_features": model["categorical_features"],
    }


def deterministic_failures(frame, config):
    """Failures of the schema, range, target, missing-share and size checks (list of str)."""
    import pandas as pd

    data, model, checks = config["data"], config["model"], config["data"]["checks"]
    failures = []
    missing_columns = [c for c in data["columns"] if c not in frame.columns]
    if missing_columns:
        failures.append(f"schema: required column(s) missing: {', '.join(missing_columns)}")
    for column in model["numeric_features"]:
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            sample = (
                frame[column][
                    pd.to_numeric(frame[column], errors="coerce").isna() & frame[column].notna()
                ]
                .head(3)
                .tolist()
            )
            failures.append(
                f"schema: numeric column {column!r} has dtype {frame[column].dtype} "
                f"(non-numeric values such as {sample})"
            )
    for column, (low, high) in checks["ranges"].items():
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = frame[column].dropna()
        outside = values[
            ((values < low) if low is not None else False)
            | ((values > high) if high is not None else False)
        ]
        if len(outside):
            failures.append(
                f"range: {len(outside)} value(s) of {column!r} outside [{low}, {high}] "
                f"(min {values.min()}, max {values.max()})"
            )
    target = data["target"]
    if target in frame.columns:
        classes = set(frame[target].dropna().astype(str).unique())
        unknown = sorted(classes - set(checks["target_classes"]))
        if unknown:
            failures.append(
                f"target: unknown class(es) {unknown} in {target!r} "
                f"(known: {checks['target_classes']})"
            )
        if frame[target].isna().any():
            failures.append(f"target: {int(frame[target].isna().sum())} row(s) miss {target!r}")
        if len(classes) < 2:
            failures.append(f"target: {target!r} has {len(classes)} class(es); training needs 2")
    limit = checks["max_missing_share"]
    for column, share in frame.isna().mean().items():
        if share > limit:
            failures.append(
                f"missing: {share:.1%} of {column!r} is missing (limit {limit:.1%}, "
                "data.checks.max_missing_share)"
            )
    if len(frame) < checks["min_rows"]:
        failures.append(
            f"size: {len(frame)} rows, fewer than data.checks.min_rows={checks['min_rows']}"
        )
    return failures


def drift_tests(frame, reference, columns, alpha):
    """Two-sample KS test per column with the Bonferroni correction.

    Returns
    -------
    list of dict
        ``column, statistic, pvalue, threshold, drifted`` per tested column.
    """
    import pandas as pd
    from scipy.stats import ks_2samp

    tested = [
        c
        for c in columns
        if c in frame.columns
        and c in reference.columns
        and pd.api.types.is_numeric_dtype(frame[c])
        and pd.api.types.is_numeric_dtype(reference[c])
    ]
    threshold = alpha / max(len(tested), 1)
    results = []
    for column in tested:
        sample, base = frame[column].dropna().to_numpy(), reference[column].dropna().to_numpy()
        if sample.size == 0 or base.size == 0:
            continue
        test = ks_2samp(sample, base)
        results.append(
            {
                "column": column,
                "statistic": float(test.statistic),
                "pvalue": float(test.pvalue),
                "threshold": threshold,
                "drifted": bool(test.pvalue < threshold),
            }
        )
    return results


def run(ctx):
    config = ctx.config
    frame = read_table(ctx.input_path("data"))
    reference_artifact = ctx.inputs.get("reference")
    reference = frame if reference_artifact is None else read_table(reference_artifact.path)
    failures = deterministic_failures(frame, config)
    drift = drift_tests(
        frame, reference, config["model"]["numeric_features"], config["data"]["ks_alpha"]
    )
    for result in drift:
        if result["drifted"]:
            failures.append(
                f"drift: {result['column']!r} differs from the reference (KS statistic "
                f"{result['statistic']:.4f}, p-value {result['pvalue']:.3g} < "
                f"{config['data']['ks_alpha']}/{len(drift)} = {result['threshold']:.3g})"
            )
    report = {
        "rows": len(frame),
        "reference": reference_artifact.ref if reference_artifact else "pinned from this data",
        "ks_tests": drift,
        "failures": failures,
        "passed": not failures,
    }
    atomic_write_json(ctx.run_dir / "data_check.json", report)
    if failures:
        raise DataCheckError(failures)
    folder = ctx.output_dir("data_check")
    atomic_write_json(folder / "report.json", report)
    ctx.rows = len(frame)
    ctx.metrics = {f"ks_pvalue_{r['column']}": r["pvalue"] for r in drift}
    if reference_artifact is None:
        pinned = ctx.output_dir("reference_data")
        shutil.copyfile(ctx.input_path("data") / TABLE_FILE, pinned / TABLE_FILE)
        ctx.metadata["reference_data"] = {"pinned_from": ctx.inputs["data"].ref}
        ctx.log("no reference yet: pinned %s as reference_data", ctx.inputs["data"].ref)
    ctx.log(
        "schema, range, target, missing-share and size checks and %d KS tests passed", len(drift)
    )
