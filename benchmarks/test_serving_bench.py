"""Serving speed: in-process scoring latency, and HTTP throughput of ``cartflow serve``.

In-process: our fast path (columns -> matrix -> tree kernel) against the pandas path
(``Pipeline.predict`` on a DataFrame) and against the same pipeline built with scikit-learn, on 1
and 500 rows. HTTP: the load test of ``benchmarks/serving_load.py`` (8 concurrent keep-alive
clients on loopback). Smoke size by default; ``CARTFLOW_BENCH_FULL=1`` runs 5,000 one-row and
2,000 500-row requests and checks the targets (>= 1,000 one-row requests/s with p99 < 20 ms,
>= 530 500-row requests/s).
"""

import os

import numpy as np
import pytest
import serving_load

from pipeline.datasets import ADULT_TARGET, load_adult

FULL = os.environ.get("CARTFLOW_BENCH_FULL") == "1"
NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]


def _pipelines(categorical):
    from sklearn.compose import ColumnTransformer as SkColumnTransformer
    from sklearn.impute import SimpleImputer as SkSimpleImputer
    from sklearn.pipeline import Pipeline as SkPipeline
    from sklearn.preprocessing import MinMaxScaler as SkMinMaxScaler
    from sklearn.preprocessing import OneHotEncoder as SkOneHotEncoder
    from sklearn.tree import DecisionTreeClassifier

    from pipeline import ColumnTransformer, Pipeline
    from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer
    from tree import DecisionTree

    ours = Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        (
                            "numeric",
                            Pipeline(
                                [
                                    ("impute", SimpleImputer(strategy="median")),
                                    ("scale", MinMaxScaler()),
                                ]
                            ),
                            NUMERIC,
                        ),
                        (
                            "categorical",
                            Pipeline(
                                [
                                    ("impute", SimpleImputer(strategy="most_frequent")),
                                    ("encode", OneHotEncoder(handle_unknown="ignore")),
                                ]
                            ),
                            categorical,
                        ),
                    ]
                ),
            ),
            ("classifier", DecisionTree(max_depth=10, random_state=0)),
        ]
    )
    theirs = SkPipeline(
        [
            (
                "preprocess",
                SkColumnTransformer(
                    [
                        (
                            "numeric",
                            SkPipeline(
                                [("i", SkSimpleImputer(strategy="median")), ("s", SkMinMaxScaler())]
                            ),
                            NUMERIC,
                        ),
                        (
                            "categorical",
                            SkPipeline(
                                [
                                    ("i", SkSimpleImputer(strategy="most_frequent")),
                                    ("e", SkOneHotEncoder(handle_unknown="ignore")),
                                ]
                            ),
                            categorical,
                        ),
                    ]
                ),
            ),
            ("classifier", DecisionTreeClassifier(max_depth=10, random_state=0)),
        ]
    )
    return ours, theirs


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from pipeline.workflow.export import export_model

    frame = load_adult()
    X, y = frame.drop(columns=ADULT_TARGET), frame[ADULT_TARGET]
    categorical = [c for c in X if c not in NUMERIC]
    ours, theirs = _pipelines(categorical)
    ours.fit(X, y)
    theirs.fit(X.astype({c: object for c in categorical}), y)
    folder = tmp_path_factory.mktemp("bench") / "model"
    export_model(
        ours,
        folder,
        train_frame=X,
        features=list(X.columns),
        training_data_sha256="0" * 64,
        config_sha256="0" * 64,
        positive_class=">50K",
    )
    return folder, ours, theirs, X


@pytest.mark.parametrize("n_rows", [1, 500])
@pytest.mark.parametrize("implementation", ["cartflow-fast-path", "cartflow-pandas", "sklearn"])
def test_scoring_latency_in_process(benchmark, exported, n_rows, implementation):
    from pipeline.serving.model_loader import load_model

    folder, ours, theirs, X = exported
    loaded = load_model(folder)
    rows = X.iloc[1000 : 1000 + n_rows]
    columns = loaded.signature.validate_columns(
        {c: rows[c].astype(object).where(rows[c].notna(), None).tolist() for c in rows}
    )
    frame = loaded.signature.pandas_frame(columns)
    benchmark.group = f"score {n_rows} row(s)"
    if implementation == "cartflow-fast-path":
        assert loaded.fast_transform is not None
        result = benchmark(lambda: loaded.predict_columns(columns)[0])
    elif implementation == "cartflow-pandas":
        result = benchmark(ours.predict, frame)
    else:
        result = benchmark(
            theirs.predict,
            frame.astype({c: object for c in frame if frame[c].dtype.kind not in "if"}),
        )
    np.testing.assert_array_equal(result, ours.predict(rows))


@pytest.mark.parametrize("n_rows", [1, 500])
def test_http_throughput(exported, n_rows):
    folder, _, _, X = exported
    columns, rows = serving_load.adult_rows(n_rows)
    body = serving_load.split_body(columns, rows)
    check = serving_load.prediction_count_check(n_rows)
    n_requests = (5000 if n_rows == 1 else 2000) if FULL else 200
    with serving_load.serve(folder) as url:
        serving_load.run_load(f"{url}/invocations", body, n_requests=100, check=check)
        stats = serving_load.run_load(
            f"{url}/invocations",
            body,
            n_requests=n_requests,
            concurrency=8,
            time_limit=120,
            check=check,
        )
    print(
        f"\n{n_rows}-row bodies: {stats['requests']} requests, {stats['rps']:.0f} req/s, "
        f"p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, errors {stats['errors']}"
    )
    assert stats["errors"] == 0, stats["first_error"]
    if FULL:  # the targets, on an otherwise idle 2-core machine
        if n_rows == 1:
            assert stats["rps"] >= 1000 and stats["p99_ms"] < 20
        else:
            assert stats["rps"] >= 530
