"""Export a fitted pipeline as an MLflow-compatible model folder, without pickle.

The folder holds what :func:`pipeline.persist.save` writes (``model.json`` + ``arrays.npz``) plus

- ``MLmodel``: MLflow's model description with the ``python_function`` flavour whose loader is
  :mod:`pipeline.workflow.pyfunc` (so ``mlflow.pyfunc.load_model`` works), a ``cartflow``
  flavour (package version, model format, classes), the input signature (column names and MLflow
  types), ``model_uuid``, ``utc_time_created`` and metadata with the sha256 of the training data
  and of the configuration;
- ``input_example.json``: a few input rows in pandas' ``split`` orientation.

Every file is deterministic, so the same data and config give the same bytes anywhere:
``model_uuid`` is derived from the model's content and ``utc_time_created`` is
``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) or, when that is unset, the Unix
epoch. The wall-clock time of the export is in the run's ``run.json`` and the artifact index.
"""

import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import yaml

from pipeline._version import __version__
from pipeline.workflow.errors import ModelFormatError, WorkflowError
from pipeline.workflow.fsutil import (
    atomic_write_text,
    dump_json,
    tree_hashes,
    tree_sha256,
)

MLMODEL_FILE = "MLmodel"
INPUT_EXAMPLE_FILE = "input_example.json"
LOADER_MODULE = "pipeline.workflow.pyfunc"
UUID_NAMESPACE = uuid.UUID("6f1b1f2e-8d0c-4f59-9b7e-0c7a1e2f3a4b")


def version_major(version):
    """The MAJOR of a ``MAJOR.MINOR[.PATCH]`` version string."""
    head = str(version).split(".")[0]
    if not head.isdigit():
        raise ModelFormatError(f"model format version {version!r} is not MAJOR.MINOR")
    return int(head)


def reader_format_version():
    """The model format :mod:`pipeline.persist` writes and reads (``"MAJOR.MINOR"``)."""
    from pipeline import persist

    return str(persist.FORMAT_VERSION)


def mlflow_type(dtype):
    """The MLflow column type of a pandas dtype (``long``, ``double``, ``boolean``, ``string``)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "long"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    return "string"


def signature(frame, features):
    """MLflow's column-based input signature of ``frame[features]`` (JSON text per MLflow)."""
    columns = [{"type": mlflow_type(frame[c].dtype), "name": c, "required": True} for c in features]
    return {
        "inputs": json.dumps(columns, separators=(", ", ": ")),
        "outputs": json.dumps([{"type": "string", "required": True}], separators=(", ", ": ")),
        "params": None,
    }


def input_example(frame, features, rows=5):
    """The first ``rows`` rows of ``frame[features]`` as ``{"columns": [...], "data": [...]}``."""
    example = frame[features].head(rows)
    data = [
        [None if _is_missing(v) else (v.item() if hasattr(v, "item") else v) for v in row]
        for row in example.itertuples(index=False, name=None)
    ]
    return {"columns": list(features), "data": data}


def _is_missing(value):
    try:
        return value != value  # NaN is the only value not equal to itself
    except (TypeError, ValueError):
        return False


def creation_time():
    """``utc_time_created``: SOURCE_DATE_EPOCH when set, else the epoch (deterministic)."""
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip() or "0"
    if not text.isdigit():
        raise WorkflowError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {text!r}")
    seconds = int(text)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def export_model(
    model,
    folder,
    *,
    train_frame,
    features,
    training_data_sha256,
    config_sha256,
    positive_class,
    decision=None,
    training=None,
):
    """Save ``model`` into the empty folder ``folder`` with its ``MLmodel`` and input example.

    ``decision`` (see :mod:`pipeline.workflow.threshold`) is the decision threshold, stored in
    the ``MLmodel`` and in ``model.json``; ``training`` (the tree parameters used and where
    they came from) goes into the ``MLmodel`` metadata.

    Returns
    -------
    dict
        The MLmodel content.
    """
    from pipeline import persist

    folder = Path(folder)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()  # persist.save creates the folder itself
    persist.save(model, folder)
    if decision is not None:
        from pipeline.workflow.threshold import write_into_model_json

        write_into_model_json(folder, decision, positive_class)
    format_version = json.loads((folder / "model.json").read_text(encoding="utf-8")).get(
        "format_version", reader_format_version()
    )
    model_files = tree_hashes(folder)
    content = tree_sha256(model_files)
    model_uuid = uuid.uuid5(UUID_NAMESPACE, f"{content}:{config_sha256}:{training_data_sha256}")
    atomic_write_text(folder / INPUT_EXAMPLE_FILE, dump_json(input_example(train_frame, features)))
    description = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {
                "loader_module": LOADER_MODULE,
                "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
            },
            "cartflow": {
                "cartflow_version": __version__,
                "format_version": str(format_version),
                "model_files": sorted(model_files),
                "model_sha256": content,
                "classes": [str(c) for c in model.classes_],
                "positive_class": positive_class,
                "features": list(features),
                **({"decision_threshold": decision} if decision is not None else {}),
            },
        },
        "model_uuid": model_uuid.hex,
        "utc_time_created": creation_time(),
        "signature": signature(train_frame, features),
        "saved_input_example_info": {
            "artifact_path": INPUT_EXAMPLE_FILE,
            "type": "dataframe",
            "pandas_orient": "split",
        },
        "metadata": {
            "cartflow_version": __version__,
            "format_version": str(format_version),
            "training_data_sha256": training_data_sha256,
            "config_sha256": config_sha256,
            **({"decision_threshold": decision["threshold"]} if decision is not None else {}),
            **({"training": training} if training is not None else {}),
        },
    }
    atomic_write_text(folder / MLMODEL_FILE, yaml.safe_dump(description, sort_keys=True))
    return description


def read_mlmodel(folder):
    """The parsed ``MLmodel`` of an exported model folder."""
    path = Path(folder) / MLMODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder} is not an exported cartflow model: it has no {MLMODEL_FILE} file"
        )
    try:
        description = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelFormatError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(description, dict) or "cartflow" not in description.get("flavors", {}):
        raise ModelFormatError(f"{path} has no 'cartflow' flavour: not a cartflow model")
    return description


def check_compatible(description):
    """Raise :class:`ModelFormatError` when the model's format MAJOR is not the one we read."""
    flavour = description["flavors"]["cartflow"]
    written_by = flavour.get("cartflow_version", "unknown")
    fmt = str(flavour.get("format_version", ""))
    ours = reader_format_version()
    if version_major(fmt) != version_major(ours):
        raise ModelFormatError(
            f"the model was exported by cartflow {written_by} in model format {fmt}; this is "
            f"cartflow {__version__}, which reads model format {version_major(ours)}.x. "
            f"Re-export the model with this version, or load it with the cartflow release "
            f"that wrote it (pip install 'cartflow=={written_by}')"
        )


def load_model(folder):
    """Load an exported model folder (checks the format MAJOR, then :func:`pipeline.persist.load`).

    Returns
    -------
    model, description
        The fitted pipeline and the parsed ``MLmodel``.
    """
    from pipeline import persist
    from pipeline.workflow.threshold import check_model_json, decision_of

    description = read_mlmodel(folder)
    check_compatible(description)
    check_model_json(folder, decision_of(description))
    return persist.load(Path(folder)), description


def content_sha256(folder):
    """sha256 of every file of an exported model folder (for reproducibility checks)."""
    return tree_sha256(tree_hashes(folder))
