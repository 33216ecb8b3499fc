"""Cross-validation: ``cross_validate`` and ``cross_val_score``.

Each fold fits a fresh clone of the estimator; folds run one after the other (``n_jobs`` is
accepted for scikit-learn compatibility and ignored).
"""

import numbers
import time
import traceback
import warnings
from collections import Counter

import numpy as np

from pipeline.base import clone
from pipeline.model_selection._scoring import check_multimetric_scoring, check_scoring
from pipeline.model_selection._split import check_cv
from pipeline.model_selection._utils import (
    check_consistent_length,
    check_error_score,
    check_estimator_has_fit,
    is_classifier,
    num_samples,
    safe_indexing,
)


class FitFailedWarning(RuntimeWarning):
    """Some fits failed and their scores were replaced by ``error_score``."""


def _fold_params(params, n_samples, indices):
    """Index the per-sample fit parameters (arrays with one row per sample) by ``indices``."""
    fold = {}
    for name, value in (params or {}).items():
        try:
            per_sample = not isinstance(value, str) and num_samples(value) == n_samples
        except TypeError:
            per_sample = False
        fold[name] = safe_indexing(value, indices) if per_sample else value
    return fold


def _score(estimator, X, y, scorers, error_score):
    scores = {}
    for name, scorer in scorers.items():
        try:
            value = scorer(estimator, X, y)
        except Exception:
            if error_score == "raise":
                raise
            warnings.warn(
                f"Scoring {name!r} failed; the score on this train-test partition will be "
                f"set to {error_score}. Details:\n{traceback.format_exc()}",
                UserWarning,
                stacklevel=3,
            )
            value = error_score
        if not isinstance(value, numbers.Number) or isinstance(value, bool):
            raise ValueError(
                f"scoring must return a number, got {value!r} ({type(value).__name__}) "
                f"instead (scorer {name!r})."
            )
        scores[name] = value
    return scores


def fit_and_score(
    estimator,
    X,
    y,
    scorers,
    train,
    test,
    *,
    parameters=None,
    fit_params=None,
    return_train_score=False,
    error_score=np.nan,
):
    """Fit a clone of ``estimator`` on ``train`` and score it on ``test``.

    Parameters
    ----------
    scorers : dict of name -> scorer
    parameters : dict, optional
        Set on the clone before fitting.

    Returns
    -------
    dict
        ``test_scores`` and ``train_scores`` (dicts by scorer name), ``fit_time``,
        ``score_time``, ``estimator``, ``fit_error`` (the traceback text, or None).
    """
    estimator = clone(estimator)
    if parameters:
        estimator.set_params(**{k: clone(v, safe=False) for k, v in parameters.items()})
    n_samples = num_samples(X)
    X_train, X_test = safe_indexing(X, train), safe_indexing(X, test)
    y_train, y_test = safe_indexing(y, train), safe_indexing(y, test)
    fold_fit_params = _fold_params(fit_params, n_samples, train)

    result = {"estimator": estimator, "fit_error": None, "train_scores": {}}
    start = time.perf_counter()
    try:
        if y_train is None:
            estimator.fit(X_train, **fold_fit_params)
        else:
            estimator.fit(X_train, y_train, **fold_fit_params)
    except Exception:
        if error_score == "raise":
            raise
        result["fit_time"] = time.perf_counter() - start
        result["score_time"] = 0.0
        result["fit_error"] = traceback.format_exc()
        result["test_scores"] = dict.fromkeys(scorers, error_score)
        if return_train_score:
            result["train_scores"] = dict.fromkeys(scorers, error_score)
        return result
    result["fit_time"] = time.perf_counter() - start

    start = time.perf_counter()
    result["test_scores"] = _score(estimator, X_test, y_test, scorers, error_score)
    result["score_time"] = time.perf_counter() - start
    if return_train_score:
        result["train_scores"] = _score(estimator, X_train, y_train, scorers, error_score)
    return result


def warn_or_raise_about_fit_failures(results, error_score):
    """Raise when every fit failed; warn with a summary when some did."""
    errors = [r["fit_error"] for r in results if r["fit_error"] is not None]
    if not errors:
        return
    summary = "\n".join(
        f"{count} fits failed with the following error:\n{text}"
        for text, count in Counter(errors).items()
    )
    if len(errors) == len(results):
        raise ValueError(
            f"All the {len(results)} fits failed. It is very likely that your model is "
            "misconfigured. You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{summary}"
        )
    warnings.warn(
        f"{len(errors)} fits failed out of a total of {len(results)}. The score on these "
        f"train-test partitions for these parameters will be set to {error_score}. If these "
        "failures are not expected, you can try to debug them by setting "
        f"error_score='raise'.\n\nBelow are more details about the failures:\n{summary}",
        FitFailedWarning,
        stacklevel=3,
    )


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=5,
    n_jobs=None,
    params=None,
    return_train_score=False,
    return_estimator=False,
    return_indices=False,
    error_score=np.nan,
):
    """Evaluate metrics by cross-validation, also recording fit and score times.

    Parameters
    ----------
    estimator : estimator with ``fit``
        Cloned for every fold; the original is left unfitted.
    X : array-like or DataFrame
    y : array-like, optional
    groups : array-like, optional
        Passed to the splitter's ``split``.
    scoring : None, str, callable, list of str or dict
        None uses ``estimator.score``; a name from ``get_scorer_names()``; a callable
        ``scorer(estimator, X, y)``; several metrics as a list of names or a dict.
    cv : int, splitter or iterable of (train, test) pairs, default 5
        An int gives ``StratifiedKFold`` for classifiers and ``KFold`` otherwise.
    n_jobs : None
        Accepted for compatibility; folds run serially.
    params : dict, optional
        Passed to ``fit``; arrays with one row per sample are split with the data.
    return_train_score, return_estimator, return_indices : bool, default False
    error_score : "raise" or float, default nan
        Score given to a fold whose fit fails (with a ``FitFailedWarning``).

    Returns
    -------
    dict of numpy.ndarray
        ``fit_time``, ``score_time``, ``test_score`` (or ``test_<name>`` per metric), and
        ``train_*``, ``estimator``, ``indices`` when asked.
    """
    check_estimator_has_fit(estimator)
    check_error_score(error_score)
    check_consistent_length(X, y, groups)
    scorers, multimetric = check_multimetric_scoring(estimator, scoring)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(splitter.split(X, y, groups))

    results = [
        fit_and_score(
            estimator,
            X,
            y,
            scorers,
            train,
            test,
            fit_params=params,
            return_train_score=return_train_score,
            error_score=error_score,
        )
        for train, test in splits
    ]
    warn_or_raise_about_fit_failures(results, error_score)

    output = {
        "fit_time": np.array([r["fit_time"] for r in results]),
        "score_time": np.array([r["score_time"] for r in results]),
    }
    if return_estimator:
        output["estimator"] = [r["estimator"] for r in results]
    if return_indices:
        output["indices"] = {
            "train": [train for train, _ in splits],
            "test": [test for _, test in splits],
        }
    for name in scorers:
        key = name if multimetric else "score"
        output[f"test_{key}"] = np.array([r["test_scores"][name] for r in results])
        if return_train_score:
            output[f"train_{key}"] = np.array([r["train_scores"][name] for r in results])
    return output


def cross_val_score(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=5,
    n_jobs=None,
    params=None,
    error_score=np.nan,
):
    """Score of each cross-validation fold, with one metric.

    Parameters are those of :func:`cross_validate`; ``scoring`` is None (the estimator's
    ``score``), a name or a callable ``scorer(estimator, X, y)``.

    Returns
    -------
    numpy.ndarray of shape (n_splits,)
    """
    check_estimator_has_fit(estimator)
    scorer = check_scoring(estimator, scoring)
    result = cross_validate(
        estimator,
        X,
        y,
        groups=groups,
        scoring={"score": scorer},
        cv=cv,
        n_jobs=n_jobs,
        params=params,
        error_score=error_score,
    )
    return result["test_score"]
