"""Load an exported model folder once, validate it, and score columns through a fast path.

The folder is what the workflow's ``train`` step exports: ``pipeline.persist.save`` output
(``model.json`` + ``arrays.npz``), an ``MLmodel`` file (MLflow pyfunc flavour, with the input
``signature`` and cartflow's metadata) and ``input_example.json`` (MLflow's ``dataframe_split``
form).
"""

import functools
import json
import logging
from pathlib import Path

import numpy as np
import yaml

from pipeline.serving.errors import ModelLoadError, RequestError, SchemaError
from pipeline.serving.fast_path import FallbackNeeded, Unsupported, build_fast_transform
from pipeline.serving.signature import Signature

logger = logging.getLogger(__name__)

MLMODEL_FILE = "MLmodel"
INPUT_EXAMPLE_FILE = "input_example.json"
METADATA_KEYS = ("cartflow_version", "format_version", "training_data_sha256", "utc_time_created")


def _reads_leaf_fractions(estimator):
    """Whether ``estimator.predict_proba(X)`` is ``tree_.value[apply(X), 0, :]`` (the
    package's own classifier, method not overridden)."""
    from tree import DecisionTree

    return type(estimator).predict_proba is DecisionTree.predict_proba


class LoadedModel:
    """A fitted model with its signature, metadata and a fast scoring path.

    Parameters
    ----------
    model : fitted Pipeline-like
        Offers ``predict`` (and ``predict_proba`` for a classifier) on a DataFrame.
    signature : Signature
    metadata : dict, optional
        ``cartflow_version``, ``format_version``, ``training_data_sha256``, ``utc_time_created``.
    input_example : dict, optional
        Columns of the example rows, validated against the signature.
    path : pathlib.Path, optional
    decision : dict, optional
        The exported decision threshold (``threshold`` and the ``positive_class``): predictions
        are the positive class where its probability is ``>= threshold``. None: the model's own
        ``predict`` (the most probable class), as for models exported before thresholds.
    """

    def __init__(
        self, model, signature, metadata=None, input_example=None, path=None, decision=None
    ):
        self.model = model
        self.decision = dict(decision) if decision else None
        self.signature = signature
        self.metadata = dict(metadata or {})
        self.input_example = input_example
        self.path = path
        steps = getattr(model, "steps", None)
        self.final_estimator = steps[-1][1] if steps else model
        classes = getattr(self.final_estimator, "classes_", None)
        self.classes = None if classes is None else np.asarray(classes)
        self.is_classifier = self.classes is not None and hasattr(model, "predict_proba")
        self.fast_transform = build_fast_transform(model, signature)
        if self.fast_transform is not None and input_example is not None:
            self._check_fast_path(input_example)

    # ------------------------------------------------------------------ scoring
    def predict_columns(self, columns, proba=False):
        """Score columns validated by ``signature.validate_columns``.

        Returns
        -------
        predictions : numpy.ndarray of shape (n_rows,)
        probabilities : numpy.ndarray of shape (n_rows, n_classes) or None
        """
        if proba and not self.is_classifier:
            raise RequestError("probabilities were requested but the model is not a classifier")
        try:
            return self._predict_columns(columns, proba)
        except OverflowError as exc:  # e.g. an integer beyond float64's range
            raise SchemaError(f"a number in the input is out of range: {exc}") from None

    def _predict_columns(self, columns, proba):
        if self.fast_transform is not None:
            try:
                X = self.fast_transform.transform(columns)
            except (FallbackNeeded, Unsupported):
                pass
            else:
                try:
                    return self._predict_matrix(X, proba)
                except (ValueError, TypeError) as exc:  # e.g. NaN the model cannot route
                    raise SchemaError(f"the model could not score this input: {exc}") from None
        return self.predict_frame(self.signature.pandas_frame(columns), proba)

    def predict_frame(self, frame, proba=False):
        """Score a DataFrame with the model's own ``predict`` / ``predict_proba`` (reference)."""
        if proba and not self.is_classifier:
            raise RequestError("probabilities were requested but the model is not a classifier")
        try:
            if self.is_classifier:
                probabilities = np.asarray(self.model.predict_proba(frame))
                predictions = (
                    np.asarray(self.model.predict(frame))
                    if self.decision is None
                    else self._decide(probabilities)
                )
            else:
                probabilities, predictions = None, np.asarray(self.model.predict(frame))
        except (ValueError, TypeError, KeyError) as exc:
            raise SchemaError(f"the model could not score this input: {exc}") from None
        return predictions, (probabilities if proba else None)

    def _predict_matrix(self, X, proba, leaves=None):
        """Predictions (and probabilities) of the transformed rows ``X``; ``leaves``, when
        the caller has routed them already (``apply``), saves routing them again."""
        final = self.final_estimator
        if not self.is_classifier:
            return np.asarray(final.predict(X)), None
        if leaves is not None and _reads_leaf_fractions(final):
            probabilities = final.tree_.value[leaves, 0, :]
        else:
            probabilities = np.asarray(final.predict_proba(X))
        if self.decision is None:
            predictions = self.classes.take(np.argmax(probabilities, axis=1))
        else:
            predictions = self._decide(probabilities)
        return predictions, (probabilities if proba else None)

    def _decide(self, probabilities):
        from pipeline.workflow.threshold import predict_labels

        return predict_labels(
            probabilities,
            self.classes,
            self.decision["positive_class"],
            self.decision["threshold"],
        )

    def _check_fast_path(self, example):
        """Disable the fast path if it disagrees with the model on the input example."""
        try:
            n_rows = len(next(iter(example.values())))
            by_rows = self.fast_transform.transform_rows(example, n_rows)
            by_columns = self.fast_transform.transform_columns(example)
            fast = self._predict_matrix(by_columns, True)
        except (FallbackNeeded, Unsupported, RequestError, ValueError, TypeError) as exc:
            logger.warning("fast scoring path disabled: %s", exc)
            self.fast_transform = None
            return
        frame = self.signature.pandas_frame(example)
        reference = self.predict_frame(frame, proba=self.is_classifier)
        same = (
            np.array_equal(by_rows, by_columns, equal_nan=True)
            and np.array_equal(fast[0], reference[0])
            and (fast[1] is None or np.array_equal(fast[1], reference[1]))
        )
        if not same:
            logger.warning("fast scoring path disabled: it disagrees with model.predict")
            self.fast_transform = None

    # ------------------------------------------------------------------ description
    def version_info(self):
        """Package version and the model's format version, training-data hash and creation time."""
        from pipeline import __version__

        info = {"cartflow_version": __version__}
        info.update({f"model_{k}": self.metadata.get(k) for k in METADATA_KEYS})
        info["model_decision_threshold"] = self.decision["threshold"] if self.decision else None
        return info

    def example_records(self):
        """The input example as a list of row objects (for OpenAPI docs)."""
        if self.input_example is None:
            return None
        names = list(self.input_example)
        return [dict(zip(names, row)) for row in zip(*self.input_example.values())]


def load_model(path):
    """Load and validate an exported model folder.

    Parameters
    ----------
    path : str or os.PathLike
        The folder written by the workflow's ``train`` step.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ModelLoadError
        The folder is missing, lacks ``MLmodel`` or the model files, or any of them is corrupt.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelLoadError(
            f"model folder {str(path)!r} does not exist or is not a folder; pass the folder "
            "that `cartflow run` exported (the train step's model artifact)"
        )
    mlmodel = _read_mlmodel(path)
    signature = _read_signature(mlmodel, path)
    _check_format(mlmodel, path)
    _check_model_sha256(mlmodel, path)
    try:
        from pipeline import persist

        model = persist.load(path)
    except ImportError as exc:
        raise ModelLoadError(f"pipeline.persist is not available: {exc}") from exc
    except Exception as exc:
        raise ModelLoadError(f"could not load the model in {str(path)!r}: {exc}") from exc
    if not hasattr(model, "predict"):
        raise ModelLoadError(f"the object in {str(path)!r} has no predict method")
    names_in = getattr(model, "feature_names_in_", None)
    if names_in is not None and set(map(str, names_in)) != set(signature.names):
        raise ModelLoadError(
            f"the MLmodel signature columns {signature.names} do not match the columns the "
            f"model was fitted on {list(names_in)}"
        )
    example = _read_input_example(path, signature)
    decision = _read_decision(mlmodel, path)
    try:
        loaded = LoadedModel(model, signature, _read_metadata(mlmodel), example, path, decision)
        if example is not None:
            check_scores_example(loaded, example)
    except (RequestError, ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise ModelLoadError(
            f"the model in {str(path)!r} cannot score its own input example: {exc}; "
            "re-export it (cartflow run --force train)"
        ) from exc
    return loaded


def check_scores_example(loaded, example):
    """Score the model's input example; ValueError unless every answer is well formed.

    A model that loads but cannot score the example it was exported with would answer every
    request with an error while reporting itself healthy; serving refuses it at start instead.
    """
    frame = loaded.signature.pandas_frame(example)
    predictions, probabilities = loaded.predict_frame(frame, proba=loaded.is_classifier)
    if len(predictions) != len(frame):
        raise ValueError(f"{len(predictions)} predictions for {len(frame)} rows")
    if loaded.is_classifier:
        if not np.all(np.isfinite(probabilities)) or np.any(probabilities < 0):
            raise ValueError("its class probabilities are not finite and non-negative")
        if np.any(~np.isclose(probabilities.sum(axis=1), 1.0)):
            raise ValueError("its class probabilities do not sum to 1")
    elif predictions.dtype.kind in "fc" and not np.all(np.isfinite(predictions)):
        raise ValueError("its predictions are not finite")


def resolve_model_path(spec, artifacts="artifacts"):
    """A model folder from a path, or from an artifact reference of the workflow's store.

    Parameters
    ----------
    spec : str or os.PathLike
        A folder, or ``model_export:latest`` / ``model_export:v3`` / ``model_export`` (looked up
        in the artifact store when no such folder exists).
    artifacts : str or os.PathLike, default "artifacts"
        The artifact store's folder.

    Returns
    -------
    pathlib.Path
    """
    path = Path(spec)
    text = str(spec)
    if path.exists() or "/" in text or "\\" in text or not Path(artifacts).is_dir():
        return path
    try:
        from pipeline.workflow.store import ArtifactStore

        return Path(ArtifactStore(artifacts).get(text).path)
    except ImportError:
        return path
    except (KeyError, ValueError, LookupError) as exc:
        raise ModelLoadError(
            f"{text!r} is neither a model folder nor an artifact in {str(artifacts)!r}: {exc}"
        ) from exc


@functools.lru_cache(maxsize=4)
def load_model_cached(path):
    """:func:`load_model` once per process and path (for batch workers)."""
    return load_model(path)


def _read_mlmodel(path):
    file = path / MLMODEL_FILE
    if not file.is_file():
        raise ModelLoadError(
            f"{str(path)!r} has no {MLMODEL_FILE} file; is it a model folder exported by "
            "`cartflow run`?"
        )
    try:
        mlmodel = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{file} is not valid YAML: {exc}") from exc
    if not isinstance(mlmodel, dict):
        raise ModelLoadError(f"{file} must be a YAML mapping")
    return mlmodel


def _check_format(mlmodel, path):
    """The workflow's format-MAJOR check, when the MLmodel carries the cartflow flavour."""
    if "cartflow" not in (mlmodel.get("flavors") or {}):
        return
    try:
        from pipeline.workflow.export import check_compatible
    except ImportError:
        return
    try:
        check_compatible(mlmodel)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{path / MLMODEL_FILE}: {exc}") from exc


def _read_decision(mlmodel, path):
    """The exported decision threshold with its positive class, or None (older models)."""
    try:
        from pipeline.workflow.threshold import check_model_json, decision_of
    except ImportError:
        return None
    try:
        decision = decision_of(mlmodel)
        check_model_json(path, decision)
    except ValueError as exc:
        raise ModelLoadError(f"{path / MLMODEL_FILE}: {exc}") from exc
    if decision is None:
        return None
    positive = ((mlmodel.get("flavors") or {}).get("cartflow") or {}).get("positive_class")
    if not isinstance(positive, str):
        raise ModelLoadError(
            f"{path / MLMODEL_FILE} has a decision threshold but no cartflow positive_class"
        )
    return {"threshold": float(decision["threshold"]), "positive_class": positive}


def _check_model_sha256(mlmodel, path):
    """The model files must hash to the ``model_sha256`` the export recorded in ``MLmodel``."""
    flavor = (mlmodel.get("flavors") or {}).get("cartflow") or {}
    files, recorded = flavor.get("model_files"), flavor.get("model_sha256")
    if not files or not recorded:
        return
    import hashlib

    hashes = {}
    for name in files:
        file = path / str(name)
        if not file.is_file() or ".." in Path(str(name)).parts:
            raise ModelLoadError(f"{file} is missing; the model folder {str(path)!r} is incomplete")
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        hashes[str(name)] = digest.hexdigest()
    combined = hashlib.sha256()
    for name in sorted(hashes):
        combined.update(f"{name}\0{hashes[name]}\n".encode())
    if combined.hexdigest() != recorded:
        raise ModelLoadError(
            f"the model files in {str(path)!r} were modified after export: MLmodel records "
            f"model_sha256 {recorded}, the files hash to {combined.hexdigest()}; re-export the "
            "model (cartflow run --force --steps train)"
        )


def _read_signature(mlmodel, path):
    signature = mlmodel.get("signature")
    if not isinstance(signature, dict) or not signature.get("inputs"):
        raise ModelLoadError(f"{path / MLMODEL_FILE} has no signature with inputs")
    try:
        return Signature.from_mlflow(signature["inputs"])
    except ValueError as exc:
        raise ModelLoadError(f"{path / MLMODEL_FILE}: invalid signature: {exc}") from exc


def _read_metadata(mlmodel):
    """cartflow's metadata, wherever the MLmodel file keeps it."""
    sources = [mlmodel, mlmodel.get("metadata") or {}]
    flavors = mlmodel.get("flavors") or {}
    for flavor in flavors.values() if isinstance(flavors, dict) else []:
        if isinstance(flavor, dict):
            sources.append(flavor)
            sources.append(flavor.get("metadata") or {})
    aliases = {"format_version": ("format_version", "model_format")}
    metadata = {}
    for key in METADATA_KEYS:
        for source in sources:
            found = [source.get(a) for a in aliases.get(key, (key,)) if isinstance(source, dict)]
            found = [v for v in found if v is not None]
            if found:
                metadata[key] = found[0]
                break
    return {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in metadata.items()}


def _read_input_example(path, signature):
    file = path / INPUT_EXAMPLE_FILE
    if not file.is_file():
        return None
    try:
        example = json.loads(file.read_text(encoding="utf-8"))
        columns = example["columns"]
        rows = example["data"]
        by_name = dict(zip(columns, map(list, zip(*rows))))
        return signature.validate_columns(by_name)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{file} is not a valid input example for the model: {exc}") from exc
