"""The decision threshold: objectives, storage in the export, and every predict path applying it."""

import json
import shutil

import numpy as np
import pytest
import sklearn.metrics as skm
import yaml

import metrics
from pipeline.serving.errors import ModelLoadError
from pipeline.serving.model_loader import load_model as serving_load
from pipeline.workflow.config import load_config
from pipeline.workflow.errors import ConfigError, ModelFormatError
from pipeline.workflow.export import export_model, load_model
from pipeline.workflow.pyfunc import _load_pyfunc
from pipeline.workflow.threshold import choose, parse_objective, predict_labels


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("f1", "f1"),
        ("youden", "youden"),
        (["fbeta", 2], ["fbeta", 2.0]),
        (["cost", [[0, 1], [5, 0]]], ["cost", [[0.0, 1.0], [5.0, 0.0]]]),
        (0.3, 0.3),
        (1, 1.0),
    ],
)
def test_objectives_parse(value, parsed):
    assert parse_objective(value) == parsed


@pytest.mark.parametrize(
    "value",
    [
        "f2",
        1.5,
        -0.1,
        True,
        ["fbeta", 0],
        ["fbeta", "x"],
        ["cost", [[0, 1]]],
        ["cost", [[0, 1], [1, "a"]]],
        None,
    ],
)
def test_bad_objectives_are_config_errors(value):
    with pytest.raises(ConfigError, match="model.threshold.objective"):
        parse_objective(value)
    with pytest.raises(ConfigError, match="model.threshold.objective"):
        load_config(overrides=[f"model.threshold.objective={json.dumps(value)}"])


def test_choose_is_best_threshold_and_a_fixed_number_stays():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    score = np.clip(y * 0.3 + rng.random(400) * 0.7, 0, 1).round(2)
    for objective in ("f1", "youden", ["fbeta", 0.5], ["cost", [[0, 1], [4, 0]]]):
        target = tuple(objective) if isinstance(objective, list) else objective
        expected = metrics.best_threshold(y, score, target, pos_label=True)
        decision = choose(y, score, objective, "validation")
        assert decision["threshold"] == expected.threshold
        assert decision["objective_value"] == expected.value
    f1 = choose(y, score, "f1", "validation")
    predicted = score >= f1["threshold"]
    assert f1["objective_value"] == pytest.approx(skm.f1_score(y, predicted))
    assert choose(y, score, 0.25, "validation") == {
        "threshold": 0.25,
        "objective": 0.25,
        "objective_value": None,
        "source": "fixed",
    }


def test_predict_labels_uses_the_positive_class_column():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
    classes = np.array(["<=50K", ">50K"])
    assert predict_labels(proba, classes, ">50K", 0.4).tolist() == ["<=50K", ">50K", ">50K"]
    assert predict_labels(proba, classes, "<=50K", 0.6).tolist() == ["<=50K", "<=50K", ">50K"]
    with pytest.raises(ValueError, match="two classes"):
        predict_labels(proba, classes, "yes", 0.5)


def _columns(loaded, frame):
    from serving_support import json_rows

    rows = json_rows(frame)
    return loaded.signature.validate_columns(dict(zip(frame.columns, map(list, zip(*rows)))))


@pytest.fixture(scope="module")
def two_exports(tmp_path_factory):
    """The same fitted model exported without a threshold (as before) and with 0.3."""
    from serving_support import adult_features, build_pipeline

    X, y = adult_features(3000)
    model = build_pipeline().fit(X, y)
    root = tmp_path_factory.mktemp("threshold")
    common = dict(
        train_frame=X,
        features=list(X.columns),
        training_data_sha256="0" * 64,
        config_sha256="1" * 64,
        positive_class=">50K",
    )
    export_model(model, root / "old", **common)
    decision = {"threshold": 0.3, "objective": "f1", "objective_value": 0.6, "source": "x"}
    export_model(model, root / "new", decision=decision, **common)
    return root / "old", root / "new", model, X


def test_a_model_without_threshold_predicts_the_most_probable_class(two_exports):
    old, _, model, X = two_exports
    expected = np.asarray(model.predict(X))
    assert (
        "decision_threshold"
        not in yaml.safe_load((old / "MLmodel").read_text())["flavors"]["cartflow"]
    )
    np.testing.assert_array_equal(_load_pyfunc(old).predict(X), expected)
    loaded = serving_load(old)
    np.testing.assert_array_equal(loaded.predict_frame(X)[0], expected)
    columns = _columns(loaded, X)
    np.testing.assert_array_equal(loaded.predict_columns(columns)[0], expected)
    assert loaded.version_info()["model_decision_threshold"] is None


def test_every_predict_path_applies_the_exported_threshold(two_exports, tmp_path):
    from pipeline.serving.batch import predict_file

    _, new, model, X = two_exports
    proba = np.asarray(model.predict_proba(X))
    expected = np.where(proba[:, 1] >= 0.3, ">50K", "<=50K")
    assert not np.array_equal(expected, model.predict(X))
    description = yaml.safe_load((new / "MLmodel").read_text())
    assert description["flavors"]["cartflow"]["decision_threshold"]["threshold"] == 0.3
    assert description["metadata"]["decision_threshold"] == 0.3
    assert json.loads((new / "model.json").read_text())["decision"]["threshold"] == 0.3
    np.testing.assert_array_equal(_load_pyfunc(new).predict(X), expected)
    probabilities = _load_pyfunc(new).predict(X, params={"method": "predict_proba"})
    np.testing.assert_array_equal(probabilities.to_numpy(), proba)  # probabilities unchanged
    loaded = serving_load(new)
    assert loaded.version_info()["model_decision_threshold"] == 0.3
    np.testing.assert_array_equal(loaded.predict_frame(X)[0], expected)
    columns = _columns(loaded, X)
    predictions, probabilities = loaded.predict_columns(columns, proba=True)
    np.testing.assert_array_equal(predictions, expected)
    np.testing.assert_allclose(probabilities, proba)
    X.to_csv(tmp_path / "in.csv", index=False)
    predict_file(new, tmp_path / "in.csv", tmp_path / "out.csv")
    written = (tmp_path / "out.csv").read_text().splitlines()[1:]
    assert written == expected.tolist()


def test_a_threshold_edited_in_one_place_only_is_refused(two_exports, tmp_path):
    _, new, *_ = two_exports
    copy = tmp_path / "model"
    shutil.copytree(new, copy)
    description = yaml.safe_load((copy / "MLmodel").read_text())
    description["flavors"]["cartflow"]["decision_threshold"]["threshold"] = 0.9
    (copy / "MLmodel").write_text(yaml.safe_dump(description))
    with pytest.raises(ModelFormatError, match="decision threshold"):
        load_model(copy)
    with pytest.raises(ModelLoadError, match="decision threshold"):
        serving_load(copy)
    description["flavors"]["cartflow"]["decision_threshold"]["threshold"] = "high"
    (copy / "MLmodel").write_text(yaml.safe_dump(description))
    with pytest.raises(ModelLoadError, match="threshold in \\[0, 1\\]"):
        serving_load(copy)
