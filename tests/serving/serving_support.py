"""Helpers of the serving tests: a small exported model folder, a real server subprocess."""

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = [
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native_country",
]


def adult_features(n_rows=None):
    """The bundled Adult data's feature columns and target (first ``n_rows`` rows)."""
    from pipeline.datasets import ADULT_TARGET, load_adult

    frame = load_adult()
    if n_rows is not None:
        frame = frame.head(n_rows)
    return frame.drop(columns=ADULT_TARGET), frame[ADULT_TARGET]


def build_pipeline(
    scaler="minmax",
    handle_unknown="ignore",
    encoder="onehot",
    max_depth=8,
    impute_categories=True,
    drop=None,
):
    """An unfitted pipeline like the workflow's (our classes).

    With ``impute_categories=False`` the text columns reach the encoder with their missing
    values, which become a category of their own.
    """
    from pipeline import ColumnTransformer, Pipeline
    from pipeline.preprocessing import (
        MinMaxScaler,
        OneHotEncoder,
        OrdinalEncoder,
        SimpleImputer,
        StandardScaler,
    )
    from tree import DecisionTree

    numeric = [("impute", SimpleImputer(strategy="median"))]
    if scaler == "minmax":
        numeric.append(("scale", MinMaxScaler()))
    elif scaler == "standard":
        numeric.append(("scale", StandardScaler()))
    if encoder == "onehot":
        encode = OneHotEncoder(handle_unknown=handle_unknown, drop=drop)
    else:
        encode = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2
        )
    categorical_steps = (
        [("impute", SimpleImputer(strategy="most_frequent"))] if impute_categories else []
    )
    categorical = Pipeline([*categorical_steps, ("encode", encode)])
    pre = ColumnTransformer(
        [("numeric", Pipeline(numeric), NUMERIC), ("categorical", categorical, CATEGORICAL)]
    )
    return Pipeline(
        [("preprocess", pre), ("classifier", DecisionTree(max_depth=max_depth, random_state=0))]
    )


def make_model_folder(folder, n_rows=4000, **pipeline_options):
    """Fit a small pipeline on Adult rows and export it as the workflow's train step does."""
    X, y = adult_features(n_rows)
    model = build_pipeline(**pipeline_options).fit(X, y)
    data_hash = hashlib.sha256(X.to_csv(index=False).encode()).hexdigest()
    try:
        from pipeline.workflow.export import export_model
    except ImportError:
        export_model = None
    if export_model is not None:
        export_model(
            model,
            folder,
            train_frame=X,
            features=list(X.columns),
            training_data_sha256=data_hash,
            config_sha256="0" * 64,
            positive_class=">50K",
        )
    else:  # the same files, written by hand
        _export_by_hand(model, folder, X, data_hash)
    return Path(folder), model


def _export_by_hand(model, folder, X, data_hash):
    import yaml

    from pipeline import persist

    persist.save(model, folder)
    kinds = {"i": "long", "f": "double"}
    inputs = [{"name": c, "type": kinds.get(X[c].dtype.kind, "string")} for c in X.columns]
    mlmodel = {
        "flavors": {"python_function": {"loader_module": "pipeline.workflow.pyfunc"}},
        "signature": {"inputs": json.dumps(inputs)},
        "utc_time_created": "1970-01-01 00:00:00.000000",
        "metadata": {"cartflow_version": "0.1.0", "training_data_sha256": data_hash},
    }
    (Path(folder) / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    example = X.head(5).astype(object).where(X.head(5).notna(), None)
    (Path(folder) / "input_example.json").write_text(
        json.dumps({"columns": list(X.columns), "data": example.values.tolist()})
    )


def json_rows(frame):
    """A DataFrame's rows as JSON-ready lists (NaN -> None, numpy scalars -> Python)."""
    rows = []
    for row in frame.itertuples(index=False, name=None):
        rows.append(
            [
                None
                if isinstance(v, float) and np.isnan(v)
                else (v.item() if hasattr(v, "item") else v)
                for v in row
            ]
        )
    return rows


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_command(*args):
    """``cartflow ARGS...`` as a subprocess command (the console script's module)."""
    return [sys.executable, "-m", "pipeline.workflow.cli", *map(str, args)]


@contextlib.contextmanager
def running_server(model_dir, *extra_args, timeout=60):
    """Start ``serve`` on a free loopback port, wait for /health, yield the base URL."""
    port = free_port()
    cmd = cli_command("serve", "--model", model_dir, "--port", port, *extra_args)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early: {proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy in time")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
