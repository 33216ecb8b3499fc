"""Exhaustive search over a parameter grid with cross-validation: ``GridSearchCV``."""

import numbers
import time
import warnings
from collections.abc import Mapping, Sequence
from itertools import product

import numpy as np

from pipeline.base import BaseEstimator, NotFittedError, clone
from pipeline.model_selection._scoring import check_multimetric_scoring
from pipeline.model_selection._split import check_cv
from pipeline.model_selection._utils import (
    InvalidParameterError,
    check_consistent_length,
    check_error_score,
    check_estimator_has_fit,
    is_classifier,
)
from pipeline.model_selection._validation import fit_and_score, warn_or_raise_about_fit_failures


class ParameterGrid:
    """Every combination of the parameter values of a grid (or of each grid in a list).

    Within a grid the keys are taken in sorted order and the last key varies fastest, as in
    scikit-learn, so candidates come in the same order.

    Parameters
    ----------
    param_grid : dict of str -> sequence, or list of such dicts
        An empty dict gives one candidate: the estimator's own parameters.
    """

    def __init__(self, param_grid):
        if isinstance(param_grid, Mapping):
            param_grid = [param_grid]
        elif isinstance(param_grid, str) or not isinstance(param_grid, Sequence):
            raise TypeError(
                f"Parameter grid should be a dict or a list of dicts, got: {param_grid!r} of "
                f"type {type(param_grid).__name__}."
            )
        for grid in param_grid:
            if not isinstance(grid, Mapping):
                raise TypeError(f"Parameter grid is not a dict ({grid!r}).")
            for key, values in grid.items():
                _check_grid_values(key, values)
        self.param_grid = [dict(grid) for grid in param_grid]

    def __iter__(self):
        for grid in self.param_grid:
            keys = sorted(grid)
            for values in product(*(grid[key] for key in keys)):
                yield dict(zip(keys, values))

    def __len__(self):
        return sum(int(np.prod([len(v) for v in grid.values()])) for grid in self.param_grid)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"ParameterGrid index {index} out of range (size {len(self)}).")
        return list(self)[index]


def _check_grid_values(key, values):
    if not isinstance(key, str):
        raise TypeError(f"Parameter names in a grid must be str, got {key!r}.")
    if isinstance(values, np.ndarray) and values.ndim > 1:
        raise ValueError(
            f"Parameter array for {key!r} should be one-dimensional, got an array of shape "
            f"{values.shape}."
        )
    if isinstance(values, str) or not isinstance(values, np.ndarray | Sequence):
        raise TypeError(
            f"Parameter grid for parameter {key!r} needs to be a list or a numpy array, but got "
            f"{values!r} (of type {type(values).__name__}) instead. Single values need to be "
            "wrapped in a list with one element."
        )
    if len(values) == 0:
        raise ValueError(
            f"Parameter grid for parameter {key!r} needs to be a non-empty sequence, got: "
            f"{values!r}."
        )


def rank_min(scores):
    """Rank 1 for the highest score, ties sharing their lowest rank; NaN ranks last."""
    scores = np.asarray(scores, dtype=np.float64)
    if np.isnan(scores).all():
        return np.ones(scores.size, dtype=np.int32)
    scores = np.where(np.isnan(scores), np.nanmin(scores) - 1, scores)
    descending = np.sort(-scores)
    return (np.searchsorted(descending, -scores, side="left") + 1).astype(np.int32)


def _param_column(candidates, name):
    """``param_<name>``: a masked array, masked where a candidate does not set ``name``."""
    present = {i: c[name] for i, c in enumerate(candidates) if name in c}
    try:
        inferred = np.array(list(present.values()))
        dtype = inferred.dtype if inferred.dtype.kind != "U" and inferred.ndim == 1 else object
    except ValueError:
        dtype = np.dtype(object)
    column = np.ma.MaskedArray(np.empty(len(candidates), dtype=dtype), mask=True)
    for i, value in present.items():
        column[i] = value
    return column


class _DelegatedToBest:
    """A method of ``best_estimator_``, present only when the searched estimator has it."""

    def __init__(self, name):
        self.name = name

    def __get__(self, search, owner=None):
        if search is None:
            return self
        target = search.__dict__.get("best_estimator_", search.estimator)
        if not hasattr(target, self.name):
            raise AttributeError(
                f"This {type(search).__name__} has no {self.name!r}: its estimator "
                f"{type(target).__name__} does not have one."
            )

        def method(X, *args, **kwargs):
            search._check_refitted(self.name)
            return getattr(search.best_estimator_, self.name)(X, *args, **kwargs)

        method.__name__ = self.name
        method.__doc__ = f"Call ``{self.name}`` of the refitted ``best_estimator_``."
        return method


class GridSearchCV(BaseEstimator):
    """Cross-validated score of every parameter combination in a grid; refit the best.

    Parameters
    ----------
    estimator : estimator with ``fit``
    param_grid : dict or list of dicts
        Parameter names (``step__param`` for nested ones) to lists of values.
    scoring : None, str, callable, list of str or dict
        As in :func:`cross_validate`; None uses ``estimator.score``.
    n_jobs : None
        Accepted for compatibility; candidates are evaluated serially.
    refit : bool, str or callable, default True
        Refit the best candidate on all the data. With several metrics, the name of the one
        that picks the best; a callable takes ``cv_results_`` and returns the best index.
    cv : int, splitter or iterable of (train, test) pairs, default 5
    error_score : "raise" or float, default nan
    return_train_score : bool, default False

    Attributes
    ----------
    cv_results_ : dict
        scikit-learn's keys: ``params``, ``param_<name>`` (masked arrays),
        ``split<i>_test_<metric>``, ``mean_test_<metric>``, ``std_test_<metric>``,
        ``rank_test_<metric>`` (``<metric>`` is ``score`` for one metric), the same for train
        scores when asked, and ``mean_fit_time``, ``std_fit_time``, ``mean_score_time``,
        ``std_score_time``.
    best_index_, best_params_, best_score_, best_estimator_, refit_time_, scorer_,
    multimetric_, n_splits_
    """

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=5,
        error_score=np.nan,
        return_train_score=False,
    ):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.error_score = error_score
        self.return_train_score = return_train_score

    # ------------------------------------------------------------------ fitting
    def _refit_metric(self, scorers, multimetric):
        refit = self.refit
        if not (isinstance(refit, bool | np.bool_ | str) or callable(refit)):
            raise InvalidParameterError(
                f"refit must be a bool, a scorer name or a callable, got {refit!r}."
            )
        if not multimetric:
            return "score"
        if refit is False or callable(refit):
            return None
        if not isinstance(refit, str) or refit not in scorers:
            raise ValueError(
                "For multi-metric scoring, the parameter refit must be set to a scorer key or "
                "a callable to refit an estimator with the best parameter setting on the whole "
                "data and make the best_* attributes available for that metric. If this is not "
                f"needed, refit should be set to False explicitly. {refit!r} was passed; the "
                f"scorer keys are {sorted(scorers)}."
            )
        return refit

    def fit(self, X, y=None, *, groups=None, **params):
        """Evaluate every candidate on every split, then refit the best on all of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like, optional
        groups : array-like, optional
            Passed to the splitter.
        **params
            Passed to the estimator's ``fit``; per-sample arrays are split with the data.

        Returns
        -------
        self
        """
        check_estimator_has_fit(self.estimator)
        check_error_score(self.error_score)
        candidates = list(ParameterGrid(self.param_grid))
        scorers, multimetric = check_multimetric_scoring(self.estimator, self.scoring)
        refit_metric = self._refit_metric(scorers, multimetric)
        check_consistent_length(X, y, groups)
        splitter = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(splitter.split(X, y, groups))
        if not splits or not candidates:
            raise ValueError(
                "No fits were performed. Was the CV iterator empty? Were there no candidates?"
            )

        results = [
            fit_and_score(
                self.estimator,
                X,
                y,
                scorers,
                train,
                test,
                parameters=candidate,
                fit_params=params,
                return_train_score=self.return_train_score,
                error_score=self.error_score,
            )
            for candidate in candidates
            for train, test in splits
        ]
        warn_or_raise_about_fit_failures(results, self.error_score)

        self.multimetric_ = multimetric
        self.scorer_ = scorers if multimetric else scorers["score"]
        self.n_splits_ = len(splits)
        self.cv_results_ = self._format_results(candidates, len(splits), results, scorers)

        if self.refit is not False:
            self.best_index_ = self._select_best_index(refit_metric)
            self.best_params_ = candidates[self.best_index_]
            if not callable(self.refit):
                self.best_score_ = float(
                    self.cv_results_[f"mean_test_{refit_metric}"][self.best_index_]
                )
            best = clone(self.estimator).set_params(
                **{k: clone(v, safe=False) for k, v in self.best_params_.items()}
            )
            start = time.perf_counter()
            if y is None:
                best.fit(X, **params)
            else:
                best.fit(X, y, **params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best
        return self

    def _select_best_index(self, refit_metric):
        if callable(self.refit):
            index = self.refit(self.cv_results_)
            if not isinstance(index, numbers.Integral) or isinstance(index, bool):
                raise TypeError(f"best_index_ returned by refit is not an integer: {index!r}.")
            n_candidates = len(self.cv_results_["params"])
            if not 0 <= index < n_candidates:
                raise IndexError(
                    f"best_index_ {index} returned by refit is out of range [0, {n_candidates})."
                )
            return int(index)
        return int(np.argmin(self.cv_results_[f"rank_test_{refit_metric}"]))

    def _format_results(self, candidates, n_splits, results, scorers):
        n_candidates = len(candidates)
        cv_results = {}

        def store(key, values, splits=False, rank=False):
            table = np.asarray(values, dtype=np.float64).reshape(n_candidates, n_splits)
            if splits:
                for i in range(n_splits):
                    cv_results[f"split{i}_{key}"] = table[:, i]
            means = np.average(table, axis=1)
            cv_results[f"mean_{key}"] = means
            cv_results[f"std_{key}"] = np.sqrt(
                np.average((table - means[:, np.newaxis]) ** 2, axis=1)
            )
            if key.startswith(("train_", "test_")) and not np.all(np.isfinite(means)):
                warnings.warn(
                    f"One or more of the {key.split('_')[0]} scores are non-finite: {means}",
                    UserWarning,
                    stacklevel=4,
                )
            if rank:
                cv_results[f"rank_{key}"] = rank_min(means)

        store("fit_time", [r["fit_time"] for r in results])
        store("score_time", [r["score_time"] for r in results])
        names = sorted({name for candidate in candidates for name in candidate})
        for name in names:
            cv_results[f"param_{name}"] = _param_column(candidates, name)
        cv_results["params"] = candidates
        for scorer_name in scorers:
            store(
                f"test_{scorer_name}",
                [r["test_scores"][scorer_name] for r in results],
                splits=True,
                rank=True,
            )
            if self.return_train_score:
                store(
                    f"train_{scorer_name}",
                    [r["train_scores"][scorer_name] for r in results],
                    splits=True,
                )
        return cv_results

    # ------------------------------------------------------------------ using the best
    def _check_refitted(self, method_name):
        if self.refit is False:
            raise AttributeError(
                f"This {type(self).__name__} instance was initialized with `refit=False`. "
                f"{method_name} is available only after refitting on the best parameters. You "
                "can refit an estimator manually using the `best_params_` attribute."
            )
        if "best_estimator_" not in self.__dict__:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    predict = _DelegatedToBest("predict")
    predict_proba = _DelegatedToBest("predict_proba")
    predict_log_proba = _DelegatedToBest("predict_log_proba")
    decision_function = _DelegatedToBest("decision_function")
    transform = _DelegatedToBest("transform")
    inverse_transform = _DelegatedToBest("inverse_transform")
    score_samples = _DelegatedToBest("score_samples")

    def score(self, X, y=None):
        """Score of ``best_estimator_`` on ``(X, y)`` with the refit metric."""
        self._check_refitted("score")
        if not self.multimetric_:
            return self.scorer_(self.best_estimator_, X, y)
        if not isinstance(self.refit, str):
            raise ValueError(
                "With several metrics and a callable refit, score() cannot tell which metric "
                "to use; call a scorer from scorer_ on best_estimator_ instead."
            )
        scorer = self.scorer_[self.refit]
        return scorer(self.best_estimator_, X, y)

    @property
    def classes_(self):
        """Classes of ``best_estimator_``."""
        self._check_refitted("classes_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features ``best_estimator_`` was fitted on."""
        self._check_refitted("n_features_in_")
        return self.best_estimator_.n_features_in_

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = getattr(self.estimator, "__sklearn_tags__", None)
        if inner is not None:
            inner_tags = inner()
            for name in ("estimator_type", "target_tags", "classifier_tags", "regressor_tags"):
                if hasattr(inner_tags, name):
                    setattr(tags, name, getattr(inner_tags, name))
        elif is_classifier(self.estimator):
            tags.estimator_type = "classifier"
        return tags
