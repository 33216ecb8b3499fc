"""Explanations from the server (``?explain=true``, ``params.explain``) and the batch CLI."""

import json

import httpx
import numpy as np
import pandas as pd
import pytest
from serving_support import adult_features, json_rows

from pipeline.serving.cli import main as cli_main


@pytest.fixture(scope="module")
def rows():
    X, _ = adult_features(6000)
    frame = X.iloc[5000:5200].reset_index(drop=True)
    assert frame.isna().any().any()  # missing values must be explained too
    return frame


@pytest.fixture(scope="module")
def app_client(server):
    """The real ``cartflow serve`` subprocess of the session, over loopback."""
    with httpx.Client(base_url=server, timeout=30) as session:
        yield session


def post(client, frame, query="", params=None):
    payload = {"dataframe_split": {"columns": list(frame.columns), "data": json_rows(frame)}}
    if params is not None:
        payload["params"] = params
    return client.post(
        "/invocations" + query,
        content=json.dumps(payload),
        headers={"content-type": "application/json"},
    )


def test_explanations_by_query_and_params_equal_the_models(app_client, rows, fitted_model):
    expected = fitted_model.explain(rows)
    by_query = post(app_client, rows, "?explain=true")
    by_params = post(app_client, rows, params={"explain": True, "proba": True})
    for response in (by_query, by_params):
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["predictions"] == fitted_model.predict(rows).tolist()
        assert answer["explanations"] == json.loads(json.dumps(expected))
    # one routing serves both: the probabilities are the model's own
    np.testing.assert_allclose(
        by_params.json()["probabilities"], fitted_model.predict_proba(rows), rtol=0, atol=1e-12
    )
    plain = post(app_client, rows, params={"proba": True}).json()
    assert plain["probabilities"] == by_params.json()["probabilities"]
    first = by_query.json()["explanations"][0]
    assert set(first) == {"rules", "leaf"}
    assert set(first["rules"][0]) >= {"feature", "op", "value", "row_value"}
    assert {step["feature"] for e in by_query.json()["explanations"] for step in e["rules"]} <= set(
        rows.columns
    )


def test_no_explanations_unless_asked_and_bad_flags_rejected(app_client, rows):
    assert "explanations" not in post(app_client, rows.head(3)).json()
    assert "explanations" not in post(app_client, rows.head(3), "?explain=false").json()
    bad = post(app_client, rows.head(3), "?explain=maybe")
    assert bad.status_code == 400 and "explain" in bad.json()["message"]
    bad = post(app_client, rows.head(3), params={"explain": "yes"})
    assert bad.status_code == 400 and "explain" in bad.json()["message"]


def test_missing_values_are_explained_as_missing(app_client, rows, fitted_model):
    frame = rows.head(5).copy()
    frame["marital_status"] = None  # the root's column in this model
    answer = post(app_client, frame, "?explain=true").json()
    root_feature = fitted_model.raw_node_view()[0].condition.feature
    assert root_feature == "marital_status"
    for explanation in answer["explanations"]:
        step = explanation["rules"][0]
        assert step["op"] == "is missing" and step["row_value"] is None
        assert "imputed" in step["note"]


def test_cli_predict_explain_writes_a_json_column(model_dir, fitted_model, rows, tmp_path):
    source = tmp_path / "in.csv"
    rows.to_csv(source, index=False)
    target = tmp_path / "out.csv"
    argv = ["predict", "--model", str(model_dir), "--input", str(source), "--output", str(target)]
    assert cli_main([*argv, "--explain", "--chunksize", "70"]) == 0
    out = pd.read_csv(target)
    assert list(out.columns) == ["prediction", "explanation"]
    frame = pd.read_csv(source)
    assert [json.loads(t) for t in out["explanation"]] == json.loads(
        json.dumps(fitted_model.explain(frame))
    )
    assert cli_main([*argv, "--explain", "--engine", "dask"]) == 2
