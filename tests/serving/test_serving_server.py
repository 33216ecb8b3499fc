"""The real server in a subprocess, spoken to over HTTP on loopback as a client would."""

import importlib.util
import io
import json
import subprocess
import time

import httpx
import numpy as np
import pandas as pd
import pytest
from serving_support import REPO, adult_features, cli_command, free_port, json_rows

N_ROWS = 300


def load_benchmark_module():
    spec = importlib.util.spec_from_file_location(
        "serving_load", REPO / "benchmarks" / "serving_load.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows():
    """Held-out Adult rows (with the data's own missing values)."""
    X, _ = adult_features(8000)
    frame = X.iloc[6000 : 6000 + N_ROWS].reset_index(drop=True)
    assert frame.isna().any().any()  # the formats must carry missing values too
    return frame


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=30) as session:
        yield session


def post_json(client, payload, path="/invocations", **kwargs):
    return client.post(path, content=json.dumps(payload), headers=JSON, **kwargs)


JSON = {"content-type": "application/json"}


def request_bodies(frame):
    """The same rows in every format of MLflow's scoring protocol: (content type, bytes)."""
    columns = list(frame.columns)
    data = json_rows(frame)
    records = [dict(zip(columns, r)) for r in data]
    by_column = {c: [r[i] for r in data] for i, c in enumerate(columns)}
    parquet = io.BytesIO()
    frame.to_parquet(parquet, index=False)
    as_json = {
        "dataframe_split": {"dataframe_split": {"columns": columns, "data": data}},
        "dataframe_records": {"dataframe_records": records},
        "instances": {"instances": records},
        "inputs_records": {"inputs": records},
        "inputs_columns": {"inputs": by_column},
    }
    bodies = {k: ("application/json", json.dumps(v).encode()) for k, v in as_json.items()}
    bodies["csv"] = ("text/csv", frame.to_csv(index=False).encode())
    bodies["parquet"] = ("application/vnd.apache.parquet", parquet.getvalue())
    return bodies


def test_health_ping_version(client, model_dir):
    import yaml

    from pipeline import __version__

    assert client.get("/health").status_code == 200
    assert client.get("/ping").status_code == 200
    version = client.get("/version").json()
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    assert version["cartflow_version"] == __version__
    assert version["model_training_data_sha256"] == mlmodel["metadata"]["training_data_sha256"]
    assert version["model_utc_time_created"] == mlmodel["utc_time_created"]
    assert version["model_format_version"] is not None


@pytest.mark.parametrize(
    "fmt",
    [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "inputs_records",
        "inputs_columns",
        "csv",
        "parquet",
    ],
)
def test_every_format_predicts_like_the_model(client, rows, fitted_model, fmt):
    content_type, body = request_bodies(rows)[fmt]
    response = client.post("/invocations", content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == fitted_model.predict(rows).tolist()


def test_single_rows_take_the_same_answers(client, rows, fitted_model):
    expected = fitted_model.predict(rows.head(20)).tolist()
    got = []
    for row in json_rows(rows.head(20)):
        payload = {"dataframe_split": {"columns": list(rows.columns), "data": [row]}}
        got.extend(post_json(client, payload).json()["predictions"])
    assert got == expected


def test_probabilities_by_query_and_params(client, rows, fitted_model):
    payload = {"dataframe_split": {"columns": list(rows.columns), "data": json_rows(rows)}}
    by_query = post_json(client, payload, params={"proba": "true"}).json()
    by_params = post_json(client, {**payload, "params": {"proba": True}}).json()
    expected = fitted_model.predict_proba(rows)
    for answer in (by_query, by_params):
        np.testing.assert_array_equal(np.array(answer["probabilities"]), expected)
        assert answer["classes"] == fitted_model.classes_.tolist()
        assert answer["predictions"] == fitted_model.predict(rows).tolist()


def test_exported_input_example(client, model_dir, fitted_model):
    example = json.loads((model_dir / "input_example.json").read_text())
    response = post_json(client, {"dataframe_split": example})
    assert response.status_code == 200, response.text
    frame = pd.DataFrame(example["data"], columns=example["columns"])
    assert response.json()["predictions"] == fitted_model.predict(frame).tolist()


def test_typed_endpoint_and_its_documented_example(client, model_dir, fitted_model):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["PredictRequest"]
    example = schema["examples"][0]
    input_example = json.loads((model_dir / "input_example.json").read_text())
    columns = input_example["columns"]
    assert [[r[c] for c in columns] for r in example["rows"]] == input_example["data"]
    response = client.post("/predict", json=example)
    assert response.status_code == 200, response.text
    frame = pd.DataFrame(input_example["data"], columns=input_example["columns"])
    assert response.json()["predictions"] == fitted_model.predict(frame).tolist()
    bad = client.post("/predict", json={"rows": [{**example["rows"][0], "age": "old"}]})
    assert bad.status_code == 422
    assert "age" in bad.text
    # the documented error body, not FastAPI's {"detail": ...}
    assert set(bad.json()) == {"error_code", "message"}
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "rows.0.age" in bad.json()["message"]
    assert client.get("/docs").status_code == 200
    openapi = client.get("/openapi.json").json()
    documented = openapi["paths"]["/invocations"]["post"]["requestBody"]["content"]
    assert documented["application/json"]["example"] == {"dataframe_split": input_example}


def test_server_equals_batch_cli(client, rows, model_dir, tmp_path):
    source, target = tmp_path / "rows.csv", tmp_path / "scored.csv"
    rows.to_csv(source, index=False)
    subprocess.run(
        cli_command("predict", "--model", model_dir, "--input", source, "--output", target),
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    batch = pd.read_csv(target)["prediction"].tolist()
    content_type, body = request_bodies(rows)["dataframe_records"]
    served = client.post("/invocations", content=body, headers={"content-type": content_type})
    assert served.json()["predictions"] == batch


def _valid_row(rows):
    return {"dataframe_split": {"columns": list(rows.columns), "data": json_rows(rows.head(1))}}


@pytest.mark.parametrize(
    ("case", "status", "fragment"),
    [
        ("malformed_json", 400, "malformed JSON"),
        ("deeply_nested_json", 400, "malformed JSON"),
        ("no_input_key", 400, "exactly one of"),
        ("two_input_keys", 400, "exactly one of"),
        ("ragged_rows", 400, "row 0"),
        ("unknown_column", 422, "unknown columns ['zip_code']"),
        ("missing_column", 422, "missing columns ['age']"),
        ("wrong_type", 422, "'age' has type 'long'"),
        ("text_in_number_csv", 422, "'age' has type 'long'"),
        ("no_rows", 422, "no rows"),
        ("huge_integer", 422, "out of range"),
        ("infinite_number", 422, "non-finite"),
        ("unsupported_content_type", 415, "unsupported content type"),
        ("missing_content_type", 415, "Content-Type"),
        ("bad_proba_query", 400, "proba"),
        ("body_too_large", 413, "over the limit"),
        ("too_many_rows", 413, "rows, more than the limit"),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_the_server_keeps_answering(
    client, rows, case, status, fragment
):
    columns = list(rows.columns)
    valid = _valid_row(rows)
    row = valid["dataframe_split"]["data"][0]
    headers, params = JSON, None
    if case == "malformed_json":
        body = b'{"dataframe_split": {"columns": ['
    elif case == "deeply_nested_json":
        body = b"[" * 200_000 + b"]" * 200_000
    elif case == "no_input_key":
        body = json.dumps({"data": [row]}).encode()
    elif case == "two_input_keys":
        body = json.dumps({**valid, "inputs": {"age": [1]}}).encode()
    elif case == "ragged_rows":
        body = json.dumps({"dataframe_split": {"columns": columns, "data": [row[:-1]]}}).encode()
    elif case == "unknown_column":
        body = json.dumps({"dataframe_records": [{**dict(zip(columns, row)), "zip_code": 1}]})
        body = body.encode()
    elif case == "missing_column":
        body = json.dumps({"dataframe_split": {"columns": columns[1:], "data": [row[1:]]}})
        body = body.encode()
    elif case == "wrong_type":
        body = json.dumps({"dataframe_split": {"columns": columns, "data": [["39", *row[1:]]]}})
        body = body.encode()
    elif case == "text_in_number_csv":
        headers = {"content-type": "text/csv"}
        body = rows.head(2).assign(age=["old", "young"]).to_csv(index=False).encode()
    elif case == "huge_integer":
        body = json.dumps({"dataframe_split": {"columns": columns, "data": [[10**400, *row[1:]]]}})
        body = body.encode()
    elif case == "infinite_number":
        data = [["INF", *row[1:]]]  # 1e999 parses as a float infinity
        body = json.dumps({"dataframe_split": {"columns": columns, "data": data}})
        body = body.replace('"INF"', "1e999").encode()
    elif case == "no_rows":
        body = json.dumps({"dataframe_split": {"columns": columns, "data": []}}).encode()
    elif case == "unsupported_content_type":
        headers = {"content-type": "application/xml"}
        body = b"<rows/>"
    elif case == "missing_content_type":
        headers = {"content-type": ""}
        body = json.dumps(valid).encode()
    elif case == "bad_proba_query":
        body, params = json.dumps(valid).encode(), {"proba": "maybe"}
    elif case == "body_too_large":
        body = b" " * 2_100_000 + json.dumps(valid).encode()
    else:  # too_many_rows: the server was started with --max-rows 5000
        body = json.dumps({"inputs": {"age": [30] * 5001}}).encode()
    response = client.post("/invocations", content=body, headers=headers, params=params)
    assert response.status_code == status, response.text
    assert fragment in response.json()["message"]
    # the process survived and still answers correctly
    assert client.get("/health").status_code == 200
    assert post_json(client, valid).status_code == 200


def test_bounded_load_with_zero_errors(server, rows):
    """2,000 requests from 8 concurrent clients, 1-row and 1,000-row bodies."""
    load = load_benchmark_module()
    columns = list(rows.columns)
    data = json_rows(rows)
    one = load.split_body(columns, data[:1])
    thousand = load.split_body(columns, [data[i % len(data)] for i in range(1000)])
    url = f"{server}/invocations"
    small = load.run_load(
        url,
        one,
        n_requests=1600,
        concurrency=8,
        time_limit=60,
        check=load.prediction_count_check(1),
    )
    large = load.run_load(
        url,
        thousand,
        n_requests=400,
        concurrency=8,
        time_limit=60,
        check=load.prediction_count_check(1000),
    )
    for name, stats in (("1-row", small), ("1000-row", large)):
        print(
            f"{name}: {stats['requests']} requests, {stats['rps']:.0f} req/s, "
            f"p50 {stats['p50_ms']:.1f} ms, p99 {stats['p99_ms']:.1f} ms"
        )
        assert stats["errors"] == 0, stats["first_error"]
    assert small["requests"] + large["requests"] == 2000


def test_several_workers(model_dir, rows, fitted_model):
    from serving_support import running_server

    with running_server(model_dir, "--workers", "2") as (url, _):
        content_type, body = request_bodies(rows.head(30))["dataframe_split"]
        for _ in range(4):  # likely reaching both workers
            response = httpx.post(
                f"{url}/invocations", content=body, headers={"content-type": content_type}
            )
            assert response.json()["predictions"] == fitted_model.predict(rows.head(30)).tolist()


@pytest.mark.parametrize(
    "damage", ["missing_folder", "no_mlmodel", "corrupt_model_json", "garbage_mlmodel"]
)
def test_a_bad_model_folder_stops_the_server_at_once(model_dir, tmp_path, damage):
    import shutil

    folder = tmp_path / "model"
    if damage != "missing_folder":
        shutil.copytree(model_dir, folder)
    if damage == "no_mlmodel":
        (folder / "MLmodel").unlink()
    elif damage == "corrupt_model_json":
        (folder / "model.json").write_text('{"truncated": ')
    elif damage == "garbage_mlmodel":
        (folder / "MLmodel").write_text("signature: [unclosed")
    start = time.monotonic()
    result = subprocess.run(
        cli_command("serve", "--model", folder, "--port", free_port()),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert "cartflow serve: error:" in result.stderr
    assert str(folder) in result.stderr
    assert time.monotonic() - start < 60


def test_body_limit_on_every_route_and_on_chunked_uploads(client, rows):
    big = b" " * 2_100_000  # the server was started with --max-body-bytes 2000000

    def chunked():
        yield big[:1_000_000]
        yield big[1_000_000:]

    for path, content in [("/invocations", chunked()), ("/predict", big), ("/predict", chunked())]:
        response = client.post(path, content=content, headers=JSON)
        assert response.status_code == 413, (path, response.text)
        assert "over the limit" in response.json()["message"]
    assert post_json(client, _valid_row(rows)).status_code == 200


def test_mlflow_scoring_client_works_unchanged(server, rows, fitted_model):
    """MLflow's own client for `mlflow models serve` talks to our server as is."""
    client_module = pytest.importorskip("mlflow.pyfunc.scoring_server.client")
    port = int(server.rsplit(":", 1)[1])
    mlflow_client = client_module.ScoringServerClient("127.0.0.1", port)
    mlflow_client.wait_server_ready(timeout=10)
    answer = mlflow_client.invoke(rows.head(50))
    predictions = answer.get_predictions(predictions_format="ndarray")
    assert predictions.tolist() == fitted_model.predict(rows.head(50)).tolist()


def test_large_body_scored_off_the_event_loop(client, fitted_model):
    """A body over 512 KiB takes the thread-pool path; same answers."""
    X, _ = adult_features(4000)
    content_type, body = request_bodies(X)["dataframe_records"]
    assert 512 * 1024 < len(body) < 2_000_000
    response = client.post("/invocations", content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == fitted_model.predict(X).tolist()
