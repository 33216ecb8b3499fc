"""The decision threshold: chosen after training, stored with the export, applied on predict.

A binary classifier predicts the positive class when its probability is ``>= threshold``
(:func:`metrics.best_threshold`'s rule); the probabilities themselves never change. The threshold
is chosen for ``model.threshold.objective``:

- ``f1`` (default), ``youden``, ``[fbeta, beta]`` or ``[cost, [[C_tn, C_fp], [C_fn, C_tp]]]``
  (mean cost per sample, minimised), on held-out validation or out-of-fold predictions;
- a number in [0, 1]: that threshold, fixed.

The export keeps it twice: in the ``MLmodel`` (``flavors.cartflow.decision_threshold`` and
``metadata.decision_threshold``) and as the ``decision`` entry of ``model.json``. A model without
it (exported before thresholds existed) predicts as its estimator does: the most probable class.
"""

import json
import math
from numbers import Real
from pathlib import Path

from pipeline.workflow.errors import ConfigError, ModelFormatError

NAMED_OBJECTIVES = ("f1", "youden")
DECISION_KEY = "decision"
# "Nothing is positive" (best_threshold's inf) stored as a JSON number no probability reaches.
ABOVE_ONE = math.nextafter(1.0, 2.0)


def parse_objective(value, key="model.threshold.objective"):
    """Check a configured objective and return it in its JSON form.

    Returns
    -------
    str, list or float
        ``"f1"``, ``"youden"``, ``["fbeta", beta]``, ``["cost", [[..], [..]]]`` or a fixed
        threshold.
    """
    if isinstance(value, str) and value in NAMED_OBJECTIVES:
        return value
    if isinstance(value, Real) and not isinstance(value, bool):
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"config key '{key}': a fixed threshold lies in [0, 1], not {value}")
        return float(value)
    if isinstance(value, list | tuple) and len(value) == 2 and value[0] in ("fbeta", "cost"):
        kind, parameter = value
        if kind == "fbeta":
            if (
                isinstance(parameter, bool)
                or not isinstance(parameter, Real)
                or not (0 < parameter < math.inf)
            ):
                raise ConfigError(f"config key '{key}': beta must be > 0, got {parameter!r}")
            return ["fbeta", float(parameter)]
        rows = parameter if isinstance(parameter, list | tuple) else []
        ok = len(rows) == 2 and all(
            isinstance(r, list | tuple)
            and len(r) == 2
            and all(isinstance(c, Real) and not isinstance(c, bool) and math.isfinite(c) for c in r)
            for r in rows
        )
        if not ok:
            raise ConfigError(
                f"config key '{key}': the cost matrix must be [[C_tn, C_fp], [C_fn, C_tp]] "
                f"(finite numbers; rows: true class, columns: predicted), got {parameter!r}"
            )
        return ["cost", [[float(c) for c in r] for r in rows]]
    raise ConfigError(
        f"config key '{key}' must be f1, youden, [fbeta, beta], [cost, [[C_tn, C_fp], "
        f"[C_fn, C_tp]]] or a fixed threshold in [0, 1]; got {value!r}"
    )


def choose(is_positive, score, objective, source):
    """The decision threshold for ``objective`` on held-out scores.

    Parameters
    ----------
    is_positive : array-like of bool
        True where the held-out sample is of the positive class.
    score : array-like of float
        Held-out probabilities of the positive class.
    objective : str, list or float
        As returned by :func:`parse_objective`.
    source : str
        Where the scores come from (``validation``, ``out_of_fold``), recorded.

    Returns
    -------
    dict
        ``threshold``, ``objective``, ``objective_value`` (None when fixed) and ``source``.
    """
    from metrics import best_threshold

    if isinstance(objective, float):
        return {
            "threshold": objective,
            "objective": objective,
            "objective_value": None,
            "source": "fixed",
        }
    target = tuple(objective) if isinstance(objective, list) else objective
    best = best_threshold(is_positive, score, target, pos_label=True)
    return {
        "threshold": min(float(best.threshold), ABOVE_ONE),
        "objective": objective,
        "objective_value": float(best.value),
        "source": source,
    }


def predict_labels(proba, classes, positive_class, threshold):
    """Class labels from probabilities: the positive class where its probability >= threshold."""
    import numpy as np

    classes = np.asarray(classes)
    names = [str(c) for c in classes]
    if len(names) != 2 or positive_class not in names:
        raise ValueError(
            f"a decision threshold needs two classes including {positive_class!r}; the model "
            f"has {names}"
        )
    positive = names.index(positive_class)
    proba = np.asarray(proba, dtype=np.float64)
    return classes.take(np.where(proba[:, positive] >= threshold, positive, 1 - positive))


def decision_of(description):
    """The decision stored in a parsed ``MLmodel`` (None: a model from before thresholds)."""
    flavour = (description.get("flavors") or {}).get("cartflow") or {}
    decision = flavour.get("decision_threshold")
    if decision is None:
        return None
    threshold = decision.get("threshold") if isinstance(decision, dict) else None
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not 0.0 <= threshold <= ABOVE_ONE
    ):
        raise ModelFormatError(
            f"MLmodel's decision_threshold must hold a threshold in [0, 1], got {decision!r}"
        )
    return decision


def write_into_model_json(folder, decision, positive_class):
    """Add the ``decision`` entry to ``folder/model.json`` (the model's own description)."""
    from pipeline.workflow.fsutil import atomic_write_text

    path = Path(folder) / "model.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document[DECISION_KEY] = {
        "threshold": decision["threshold"],
        "positive_class": positive_class,
        "rule": "positive when predict_proba[:, positive_class] >= threshold",
    }
    atomic_write_text(path, json.dumps(document, indent=1, allow_nan=False))


def check_model_json(folder, decision):
    """Raise :class:`ModelFormatError` when ``model.json`` and ``MLmodel`` disagree."""
    path = Path(folder) / "model.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8")).get(DECISION_KEY)
    except (OSError, ValueError, AttributeError):
        return
    ours = None if decision is None else decision["threshold"]
    theirs = stored.get("threshold") if isinstance(stored, dict) else None
    if ours != theirs:
        raise ModelFormatError(
            f"{path} has decision threshold {theirs!r} but MLmodel has {ours!r}; the model "
            "folder was edited: re-export it"
        )
