"""Explanations for served rows: the rule path of each row in the model's raw input units.

``POST /invocations?explain=true`` (or ``"params": {"explain": true}``) and
``cartflow predict --explain`` call :func:`explain_columns`; the rules come from
:mod:`pipeline.explain`, built once per loaded model.
"""

import numpy as np

from pipeline.serving.errors import RequestError, SchemaError
from pipeline.serving.fast_path import FallbackNeeded, Unsupported


def explainer(loaded):
    """The loaded model's :class:`pipeline.explain.Explainer` (built on first use)."""
    cached = getattr(loaded, "_explainer", None)
    if cached is None:
        from pipeline.explain_rows import Explainer

        try:
            cached = Explainer(loaded.model)
        except ValueError as exc:
            raise RequestError(f"this model cannot explain its predictions: {exc}") from None
        loaded._explainer = cached
    return cached


def transformed_matrix(loaded, columns):
    """The validated columns as the tree sees them (fast path when it applies)."""
    if loaded.fast_transform is not None:
        try:
            return loaded.fast_transform.transform(columns)
        except (FallbackNeeded, Unsupported):
            pass
    steps = getattr(loaded.model, "steps", None)
    frame = loaded.signature.pandas_frame(columns)
    if not steps or len(steps) == 1:
        return np.asarray(frame, dtype=np.float64)
    try:
        return np.asarray(loaded.model[:-1].transform(frame), dtype=np.float64)
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(f"the model could not score this input: {exc}") from None


def explain_columns(loaded, columns):
    """Per row, ``{"rules": [...], "leaf": {...}}`` (see :meth:`Explainer.explain_columns`)."""
    model_explainer = explainer(loaded)
    return model_explainer.explain_columns(transformed_matrix(loaded, columns), columns)


def explanation_texts(loaded, columns, transformed=None):
    """The explanations as one compact JSON text per row (the batch output's column)."""
    model_explainer = explainer(loaded)
    if transformed is None:
        transformed = transformed_matrix(loaded, columns)
    return model_explainer.explain_json(transformed, columns)


def predict_and_explain(loaded, columns, proba=False):
    """Predictions, probabilities (or None) and the explanations as the bytes of a JSON
    array, from one transform."""
    model_explainer = explainer(loaded)
    transformed = transformed_matrix(loaded, columns)
    try:
        leaves = model_explainer.leaves(transformed)
        predictions, probabilities = loaded._predict_matrix(transformed, proba, leaves)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"the model could not score this input: {exc}") from None
    explained = model_explainer.explain_json_array(transformed, columns, leaves)
    return predictions, probabilities, explained


def append_explanations(body, array):
    """A compact JSON object ``body`` (bytes) with ``"explanations"`` (the bytes of a JSON
    array) added as its last key."""
    return b"".join((body[:-1], b',"explanations":', array, b"}"))
