"""Scorers: ``scorer(estimator, X, y) -> float``, greater is better.

Classification scorers call our ``metrics`` package (imported when a score is computed, so
``pipeline`` does not need it to import); the regression ones are a few lines of numpy here.
Losses are negated (``neg_log_loss``, ``neg_mean_squared_error``) as in scikit-learn.
"""

import importlib

import numpy as np

from pipeline.model_selection._utils import InvalidParameterError


def _metric(name):
    """Function ``name`` from our metrics package (its top level or its modules)."""
    metrics = importlib.import_module("metrics")
    if hasattr(metrics, name):
        return getattr(metrics, name)
    for module in ("metrics.threshold", "metrics.ranking"):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    raise ImportError(f"metrics.{name} is not available; the metrics package lacks it.")


# --------------------------------------------------------------------------- regression
def _as_float_targets(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred have different shapes: {y_true.shape} and {y_pred.shape}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("Cannot score an empty set of samples.")
    return y_true, y_pred


def r2_score(y_true, y_pred):
    """Coefficient of determination, averaged over outputs; 1.0 for a perfect constant fit
    and 0.0 for an imperfect one (scikit-learn's ``force_finite``)."""
    y_true, y_pred = _as_float_targets(y_true, y_pred)
    residual = ((y_true - y_pred) ** 2).sum(axis=0)
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.ones(y_true.shape[1])
    nonconstant = total != 0
    scores[nonconstant] = 1.0 - residual[nonconstant] / total[nonconstant]
    scores[~nonconstant & (residual != 0)] = 0.0
    return float(scores.mean())


def mean_squared_error(y_true, y_pred):
    """Mean of squared errors, averaged over outputs."""
    y_true, y_pred = _as_float_targets(y_true, y_pred)
    return float(((y_true - y_pred) ** 2).mean(axis=0).mean())


def root_mean_squared_error(y_true, y_pred):
    """Square root of each output's mean squared error, averaged over outputs."""
    y_true, y_pred = _as_float_targets(y_true, y_pred)
    return float(np.sqrt(((y_true - y_pred) ** 2).mean(axis=0)).mean())


def mean_absolute_error(y_true, y_pred):
    """Mean of absolute errors, averaged over outputs."""
    y_true, y_pred = _as_float_targets(y_true, y_pred)
    return float(np.abs(y_true - y_pred).mean(axis=0).mean())


# --------------------------------------------------------------------------- scorers
class Scorer:
    """Score an estimator on ``(X, y)`` with one metric.

    Parameters
    ----------
    name : str
    metric : callable or str
        ``metric(y_true, y_response, **kwargs)``; a str names a function of ``metrics``.
    response : {"predict", "positive_score", "class_scores", "predict_proba"}
        What the estimator gives the metric: predictions; ``decision_function`` when the
        estimator has one, else as "class_scores"; the last ``predict_proba`` column for two
        classes, all columns otherwise; or all columns with ``labels=classes_``.
    sign : 1 or -1
        -1 for losses, so that greater is always better.
    kwargs : dict
        Extra keyword arguments of the metric.
    """

    def __init__(self, name, metric, response="predict", sign=1, kwargs=None):
        self.name = name
        self.metric = metric
        self.response = response
        self.sign = sign
        self.kwargs = dict(kwargs or {})

    def _metric_function(self):
        return _metric(self.metric) if isinstance(self.metric, str) else self.metric

    def _response(self, estimator, X):
        if self.response == "predict":
            return estimator.predict(X), {}
        if self.response == "positive_score" and hasattr(estimator, "decision_function"):
            return estimator.decision_function(X), {}
        proba = np.asarray(estimator.predict_proba(X))
        if self.response == "predict_proba":
            classes = getattr(estimator, "classes_", None)
            return proba, ({"labels": classes} if classes is not None else {})
        if proba.ndim == 2 and proba.shape[1] == 2:
            return proba[:, 1], {}
        return proba, {}

    def __call__(self, estimator, X, y, sample_weight=None):
        """The metric of ``estimator`` on ``(X, y)``, signed so that greater is better."""
        response, extra = self._response(estimator, X)
        kwargs = {**extra, **self.kwargs}
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return self.sign * float(self._metric_function()(y, response, **kwargs))

    def __repr__(self):
        return f"make_scorer({self.name})"


class EstimatorScoreScorer:
    """The scorer used when ``scoring=None``: the estimator's own ``score`` method."""

    name = "score"

    def __call__(self, estimator, X, y, sample_weight=None):
        """``estimator.score(X, y)``."""
        if sample_weight is not None:
            return estimator.score(X, y, sample_weight=sample_weight)
        return estimator.score(X, y)

    def __repr__(self):
        return "passthrough_scorer"


def _build_registry():
    scorers = [
        Scorer("accuracy", "accuracy_score"),
        Scorer("balanced_accuracy", "balanced_accuracy_score"),
        Scorer("matthews_corrcoef", "matthews_corrcoef"),
        Scorer("roc_auc", "roc_auc_score", response="positive_score"),
        Scorer("roc_auc_ovr", "roc_auc_score", "class_scores", kwargs={"multi_class": "ovr"}),
        Scorer("roc_auc_ovo", "roc_auc_score", "class_scores", kwargs={"multi_class": "ovo"}),
        Scorer("average_precision", "average_precision_score", response="positive_score"),
        Scorer("neg_log_loss", "log_loss", response="predict_proba", sign=-1),
        Scorer("r2", r2_score),
        Scorer("neg_mean_squared_error", mean_squared_error, sign=-1),
        Scorer("neg_root_mean_squared_error", root_mean_squared_error, sign=-1),
        Scorer("neg_mean_absolute_error", mean_absolute_error, sign=-1),
    ]
    for base in ("precision", "recall", "f1"):
        scorers.append(Scorer(base, f"{base}_score"))
        for average in ("macro", "micro", "weighted"):
            scorers.append(
                Scorer(f"{base}_{average}", f"{base}_score", kwargs={"average": average})
            )
    return {scorer.name: scorer for scorer in scorers}


SCORERS = _build_registry()


def get_scorer_names():
    """Sorted names accepted by ``scoring=``."""
    return sorted(SCORERS)


def get_scorer(scoring):
    """The scorer called ``scoring`` (a callable is returned unchanged).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    if callable(scoring):
        return scoring
    if isinstance(scoring, str):
        try:
            return SCORERS[scoring]
        except KeyError:
            raise ValueError(
                f"{scoring!r} is not a valid scoring value. Valid names are: "
                f"{', '.join(get_scorer_names())}; or pass a callable "
                "scorer(estimator, X, y)."
            ) from None
    raise InvalidParameterError(
        f"scoring must be a str, a callable, a list of names or a dict, got {scoring!r}."
    )


def check_scoring(estimator, scoring=None):
    """One scorer: ``estimator.score`` for None, else the named or given scorer."""
    if scoring is None:
        if not callable(getattr(estimator, "score", None)):
            raise TypeError(
                "If no scoring is specified, the estimator passed should have a 'score' "
                f"method. The estimator {estimator!r} does not."
            )
        return EstimatorScoreScorer()
    if isinstance(scoring, list | tuple | set | dict):
        raise InvalidParameterError(
            "A single scorer is expected here (a name or a callable); use cross_validate for "
            f"several metrics. Got {scoring!r}."
        )
    return get_scorer(scoring)


def check_multimetric_scoring(estimator, scoring):
    """``(scorers, is_multimetric)``: ``{"score": scorer}`` for one metric, else a dict by name.

    ``scoring`` may be None, a name, a callable, a list / tuple / set of unique names or a
    dict of name -> name or callable.
    """
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {"score": check_scoring(estimator, scoring)}, False
    if isinstance(scoring, list | tuple | set):
        names = list(scoring)
        if not names:
            raise ValueError("scoring is an empty list; give at least one metric name.")
        if not all(isinstance(name, str) for name in names):
            raise InvalidParameterError(
                f"A list of scorers must contain metric names (str) only, got {names!r}; "
                "use a dict of name -> callable for callables."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"scoring lists a name twice: {names!r}.")
        return {name: get_scorer(name) for name in names}, True
    if isinstance(scoring, dict):
        if not scoring:
            raise ValueError("scoring is an empty dict; give at least one metric.")
        if not all(isinstance(name, str) for name in scoring):
            raise InvalidParameterError(
                f"The keys of a scoring dict must be str, got {list(scoring)!r}."
            )
        return {name: get_scorer(value) for name, value in scoring.items()}, True
    raise InvalidParameterError(
        f"scoring must be None, a str, a callable, a list of names or a dict, got {scoring!r}."
    )
