"""The tune step's search (grid, successive halving, threads) and the train step's use of it."""

import json

import numpy as np
import pytest
import sklearn.metrics as skm
import yaml
from workflow_support import quick_run

from pipeline.datasets import ADULT_TARGET, load_adult
from pipeline.workflow import tuning
from pipeline.workflow.config import load_config
from pipeline.workflow.errors import ConfigError
from pipeline.workflow.model_factory import build_pipeline
from pipeline.workflow.store import ArtifactStore


@pytest.fixture(scope="module")
def small_adult():
    config, _ = load_config(overrides=["main.random_seed=7"])
    frame = load_adult().head(3000)
    features = config["model"]["numeric_features"] + config["model"]["categorical_features"]
    return config, frame[features], frame[ADULT_TARGET].astype(str).to_numpy()


def _search(small_adult, candidates, **options):
    config, X, y = small_adult
    return tuning.search(
        X,
        y,
        candidates,
        build_preprocessor=lambda: build_pipeline(config).steps[0][1],
        base_params=config["model"]["tree"],
        cv=4,
        seed=7,
        **options,
    )


GRID = {"criterion": ["gini", "entropy"], "min_samples_leaf": [5, 40], "max_depth": [4, None]}


def test_fold_scores_equal_fitting_the_whole_pipeline_per_fold(small_adult):
    """Sharing each fold's preprocessing gives the scores of fitting the pipeline per fold."""
    config, X, y = small_adult
    candidates = tuning.candidates_from_grid(GRID)
    result = _search(small_adult, candidates)
    folds = tuning.make_folds(y, 4, 7)
    for row in result.rows:
        params = {f"classifier__{k}": v for k, v in row["params"].items()}
        expected = []
        for train_index, test_index in folds:
            model = build_pipeline(config).set_params(**params)
            model.fit(X.iloc[train_index], y[train_index])
            score = model.predict_proba(X.iloc[test_index])[:, 1]
            expected.append(skm.roc_auc_score(y[test_index] == ">50K", score))
        np.testing.assert_allclose(row["fold_scores"], expected, rtol=1e-12)
        assert row["mean_score"] == pytest.approx(np.mean(expected))
    best = max(result.rows, key=lambda r: r["mean_score"])
    assert result.best_params == best["params"] and result.best_score == best["mean_score"]


def test_threads_do_not_change_the_result(small_adult):
    candidates = tuning.candidates_from_grid(GRID)
    one = _search(small_adult, candidates, n_jobs=1, method="halving", factor=2)
    two = _search(small_adult, candidates, n_jobs=2, method="halving", factor=2)
    assert one.rows == two.rows and one.best_index == two.best_index


def test_halving_follows_scikit_learns_schedule(small_adult):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV
    from sklearn.tree import DecisionTreeClassifier

    _, X, y = small_adult
    grid = {"max_depth": [1, 2, 3, 4, 5, 6], "min_samples_leaf": [1, 5, 10]}  # 18 candidates
    candidates = tuning.candidates_from_grid(grid)
    result = _search(small_adult, candidates, method="halving", factor=3)
    reference = HalvingGridSearchCV(
        DecisionTreeClassifier(random_state=0), grid, factor=3, cv=4, min_resources="exhaust"
    ).fit(np.asarray(X[["age", "education_num"]]), y)
    rounds = sorted({r["round"] for r in result.rows})
    sizes = [next(r["n_samples"] for r in result.rows if r["round"] == k) for k in rounds]
    counts = [sum(r["round"] == k for r in result.rows) for k in rounds]
    # the same rounds, except that our last round uses every row (scikit-learn: 2,997 of 3,000)
    assert sizes[:-1] == list(reference.n_resources_)[:-1] and sizes[-1] == len(y)
    assert reference.n_resources_[-1] <= len(y)
    assert counts == list(reference.n_candidates_)
    # each round keeps the best of the previous one
    for k in rounds[1:]:
        previous = sorted(
            (r for r in result.rows if r["round"] == k - 1), key=lambda r: -r["mean_score"]
        )
        kept = {r["candidate"] for r in result.rows if r["round"] == k}
        assert kept == {r["candidate"] for r in previous[: len(kept)]}


def test_subsamples_keep_class_shares_and_are_nested():
    y = np.array(["a"] * 700 + ["b"] * 300)
    small = tuning._stratified_subsample(y, 100, 3)
    large = tuning._stratified_subsample(y, 400, 3)
    assert len(small) == 100 and len(large) == 400
    assert (y[small] == "b").sum() == 30 and (y[large] == "b").sum() == 120
    assert set(small) <= set(large)


@pytest.mark.parametrize(
    "override, message",
    [
        ("tune.grid={max_deep: [3]}", "'tune.grid.max_deep' is not a tree parameter"),
        ("tune.grid={max_depth: [three]}", "tune.grid.max_depth"),
        ("tune.grid={max_depth: []}", "tune.grid.max_depth"),
        ("tune.scoring=roc", "is not a scorer"),
        ("tune.cv=1", "tune.cv"),
        ("tune.method=random", "tune.method"),
        ("train.refit_on=everything", "train.refit_on"),
    ],
)
def test_tuning_config_errors_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(overrides=[override])


def test_tuned_parameters_and_their_source_are_recorded(workflow_run):
    workdir = workflow_run[0]
    store = ArtifactStore(workdir / "artifacts")
    tuning_dir = store.get("tuning").path
    best = json.loads((tuning_dir / "best_params.json").read_text())
    lines = (tuning_dir / "results.csv").read_text().splitlines()
    assert lines[0].startswith("round,n_samples,candidate,min_samples_leaf,rank,mean_score")
    assert len(lines) == 1 + 2  # QUICK tunes two candidates in one round
    assert best["params"]["min_samples_leaf"] in (20, 40)
    mlmodel = yaml.safe_load((store.get("model_export").path / "MLmodel").read_text())
    training = mlmodel["metadata"]["training"]
    assert training["tree_params"]["min_samples_leaf"] == best["params"]["min_samples_leaf"]
    assert training["params_source"] == "tuning:v0 over config model.tree"
    assert training["refit_on"] == "train_and_validation"
    assert training["rows"] == 22775
    runs = sorted((workdir / "runs").glob("*/run.json"))
    train = next(s for s in json.loads(runs[0].read_text())["steps"] if s["name"] == "train")
    assert train["details"] == training
    decision = mlmodel["flavors"]["cartflow"]["decision_threshold"]
    assert decision["source"] == "out_of_fold" and decision["objective"] == "f1"
    model_json = json.loads((store.get("model_export").path / "model.json").read_text())
    assert model_json["decision"]["threshold"] == decision["threshold"]


def test_tune_off_and_refit_on_train(workdir_copy):
    code, out, err = quick_run(workdir_copy, "tune.enabled=false", "train.refit_on=train")
    assert code == 0, err
    assert "tune.enabled is false" in out
    store = ArtifactStore(workdir_copy / "artifacts")
    mlmodel = yaml.safe_load((store.get("model_export").path / "MLmodel").read_text())
    training = mlmodel["metadata"]["training"]
    assert training["params_source"] == "config model.tree"
    assert training["tree_params"]["min_samples_leaf"] == 1  # model.tree as configured
    assert training["rows"] == 15942  # 22,775 minus the validation split of 6,833
    decision = mlmodel["flavors"]["cartflow"]["decision_threshold"]
    assert decision["source"] == "validation"
    assert store.get("model_export").inputs == ("train_data:v0",)
