"""Cross-validated search over tree parameters for the ``tune`` step (grid or successive halving).

The preprocessing of the inference pipeline does not depend on the tree's parameters, so it is
fitted once per fold (on that fold's training part only) and every candidate tree is fitted on
the transformed arrays. That gives the same scores as fitting the whole pipeline per candidate
and fold, at a fraction of the cost.

Fits run on ``n_jobs`` threads (the tree's kernels release the GIL); each worker thread lets the
tree use one numba thread, and results are gathered in task order, so the scores do not depend on
``n_jobs``.

Successive halving (``method="halving"``), as scikit-learn's ``HalvingGridSearchCV`` with the
number of samples as the resource: round ``r`` scores the remaining candidates on a stratified
subsample of ``min_resources * factor**r`` rows (the last round on all rows) and keeps the best
``ceil(n / factor)``.
"""

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

METHODS = ("grid", "halving")


@dataclass
class Fold:
    """One fold's transformed arrays."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_index: np.ndarray


@dataclass
class SearchResult:
    """Every scored (round, candidate) and the winner."""

    candidates: list
    rows: list = field(default_factory=list)
    best_index: int = 0
    best_score: float = float("nan")

    @property
    def best_params(self):
        return dict(self.candidates[self.best_index])


def candidates_from_grid(grid):
    """Every combination of ``grid`` (keys sorted, the last varying fastest)."""
    from pipeline.model_selection import ParameterGrid

    return list(ParameterGrid(grid))


def make_folds(y, n_splits, seed):
    """Stratified, shuffled ``(train, test)`` index pairs seeded with ``seed``."""
    from pipeline.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def transformed_folds(build_preprocessor, X, y, folds):
    """Fit a fresh preprocessor on each fold's training rows; transform both parts."""
    result = []
    for train_index, test_index in folds:
        preprocessor = build_preprocessor()
        X_train = np.asarray(preprocessor.fit_transform(X.iloc[train_index]), dtype=np.float64)
        X_test = np.asarray(preprocessor.transform(X.iloc[test_index]), dtype=np.float64)
        result.append(Fold(X_train, y[train_index], X_test, y[test_index], test_index))
    return result


def _one_numba_thread():
    import numba

    numba.set_num_threads(1)  # thread-local: the caller's setting is unchanged


def run_tasks(function, tasks, n_jobs):
    """``[function(task) for task in tasks]``, on ``n_jobs`` threads when ``n_jobs > 1``."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return [function(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=n_jobs, initializer=_one_numba_thread) as pool:
        return list(pool.map(function, tasks))


def make_tree(base_params, candidate, seed):
    """An unfitted :class:`tree.DecisionTree` with ``candidate`` over ``base_params``."""
    from tree import DecisionTree

    return DecisionTree(**{**base_params, **candidate}, random_state=seed)


def fit_score(tree, fold, scorer):
    """Fit ``tree`` on the fold's training part and score it on its test part."""
    tree.fit(fold.X_train, fold.y_train)
    return float(scorer(tree, fold.X_test, fold.y_test))


def _stratified_subsample(y, size, seed):
    """Indices of ``size`` rows keeping each class's share; smaller sizes are nested in larger."""
    if size >= len(y):
        return np.arange(len(y))
    order = np.random.default_rng(seed).permutation(len(y))
    classes, counts = np.unique(y, return_counts=True)
    quota = np.floor(counts * size / len(y)).astype(int)
    quota[np.argsort(-(counts * size / len(y) - quota), kind="stable")[: size - quota.sum()]] += 1
    chosen = [order[y[order] == cls][:q] for cls, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def halving_schedule(n_candidates, n_samples, factor, min_resources):
    """Rows per round: ``min_resources * factor**r``, the last round on all ``n_samples``."""
    # as scikit-learn: enough rounds for the candidates to fall to fewer than ``factor``
    n_rounds = 1 + int(math.floor(math.log(n_candidates) / math.log(factor) + 1e-9))
    if min_resources is None:
        min_resources = n_samples // factor ** (n_rounds - 1)
    sizes = [min(n_samples, min_resources * factor**r) for r in range(n_rounds)]
    sizes[-1] = n_samples
    return sizes


def search(
    X,
    y,
    candidates,
    *,
    build_preprocessor,
    base_params,
    scoring="roc_auc",
    cv=5,
    seed=0,
    method="grid",
    factor=3,
    min_resources=None,
    n_jobs=1,
    log=None,
):
    """Score every candidate by stratified ``cv``-fold cross-validation.

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns.
    y : numpy.ndarray of str
        The class labels.
    candidates : list of dict
        Tree parameters to try (each over ``base_params``).
    build_preprocessor : callable
        Returns an unfitted transformer (the pipeline's preprocessing).
    scoring : str
        A scorer name of :mod:`pipeline.model_selection` (greater is better).
    method : "grid" or "halving"
    factor, min_resources : int
        Successive halving's reduction factor and first-round rows (None: chosen so the last
        round uses every row).
    n_jobs : int
        Threads fitting trees at the same time.

    Returns
    -------
    SearchResult
    """
    from pipeline.model_selection import get_scorer

    if method not in METHODS:
        raise ValueError(f"tune.method must be one of {METHODS}, got {method!r}")
    if not candidates:
        raise ValueError("the tuning grid has no candidate")
    scorer = get_scorer(scoring)
    y = np.asarray(y)
    if method == "grid":
        sizes = [len(y)]
    else:
        sizes = halving_schedule(len(candidates), len(y), factor, min_resources)
    result = SearchResult(candidates=[dict(c) for c in candidates])
    alive = list(range(len(candidates)))
    for round_number, size in enumerate(sizes):
        rows = _stratified_subsample(y, size, seed)
        folds = transformed_folds(
            build_preprocessor, X.iloc[rows], y[rows], make_folds(y[rows], cv, seed)
        )
        tasks = [(candidates[c], fold) for c in alive for fold in folds]
        scores = run_tasks(
            lambda task: fit_score(make_tree(base_params, task[0], seed), task[1], scorer),
            tasks,
            n_jobs,
        )
        per_candidate = np.asarray(scores, dtype=np.float64).reshape(len(alive), len(folds))
        means = per_candidate.mean(axis=1)
        ranks = _ranks(means)
        for position, index in enumerate(alive):
            result.rows.append(
                {
                    "round": round_number,
                    "n_samples": int(size),
                    "candidate": index,
                    "params": candidates[index],
                    "fold_scores": per_candidate[position].tolist(),
                    "mean_score": float(means[position]),
                    "std_score": float(per_candidate[position].std()),
                    "rank": int(ranks[position]),
                }
            )
        if log is not None:
            log(
                "round %d: %d candidate(s) x %d folds on %s rows, best mean %s %.4f",
                round_number,
                len(alive),
                len(folds),
                f"{size:,}",
                scoring,
                float(means.max()),
            )
        # stable sort by score: equal scores keep grid order, so the earlier candidate wins
        order = np.argsort(-means, kind="stable")
        if round_number == len(sizes) - 1:
            result.best_index = alive[int(order[0])]
            result.best_score = float(means[order[0]])
        else:
            keep = max(1, math.ceil(len(alive) / factor))
            alive = sorted(alive[int(i)] for i in order[:keep])
    return result


def _ranks(means):
    """1 for the best mean; equal means share the lowest rank."""
    return np.array([1 + int(np.sum(means > m)) for m in means], dtype=np.int64)


def out_of_fold_proba(X, y, folds, fit_predict, n_jobs=1):
    """Out-of-fold class probabilities: ``fit_predict(train_index, test_index)`` per fold."""
    parts = run_tasks(lambda fold: fit_predict(*fold), list(folds), n_jobs)
    first = np.asarray(parts[0])
    proba = np.empty((len(y), first.shape[1]), dtype=np.float64)
    for (_, test_index), part in zip(folds, parts):
        proba[test_index] = part
    return proba
