"""Offline scoring: files in, predictions out, chunked, atomic, bounded memory; Dask partitions."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from serving_support import REPO, adult_features, cli_command

from pipeline.serving.batch import predict_file, predict_partitions
from pipeline.serving.cli import main as cli_main
from pipeline.serving.errors import SchemaError


@pytest.fixture(scope="module")
def frame():
    X, _ = adult_features(7000)
    return X.iloc[5000:].reset_index(drop=True)


def write(frame, path):
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def read(path):
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


@pytest.mark.parametrize(
    ("source", "target"),
    [("csv", "csv"), ("parquet", "parquet"), ("csv", "parquet"), ("parquet", "csv")],
)
def test_predictions_equal_the_in_process_model_row_for_row(
    loaded, fitted_model, frame, tmp_path, source, target
):
    source = write(frame, tmp_path / f"in.{source}")
    target = tmp_path / f"out.{target}"
    n_rows = predict_file(loaded, source, target, proba=True, chunksize=333, progress=False)
    assert n_rows == len(frame)
    out = read(target)
    reference = read(source)  # what a user would load and score in-process
    assert out["prediction"].tolist() == fitted_model.predict(reference).tolist()
    proba = out[[f"proba_{c}" for c in fitted_model.classes_]].to_numpy()
    np.testing.assert_array_equal(proba, fitted_model.predict_proba(reference))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, target.name])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: f.drop(columns="age"), "missing columns ['age']"),
        (lambda f: f.assign(zip_code=1), "unknown columns ['zip_code']"),
    ],
)
def test_columns_are_checked_before_any_scoring(loaded, frame, tmp_path, change, fragment):
    source = write(change(frame), tmp_path / "in.csv")
    target = tmp_path / "out.csv"
    with pytest.raises(SchemaError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        predict_file(loaded, source, target, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_a_bad_value_late_in_the_file_leaves_no_output(loaded, frame, tmp_path):
    bad = frame.copy()
    bad["age"] = bad["age"].astype(object)
    bad.loc[len(bad) - 1, "age"] = "forty"
    source = write(bad, tmp_path / "in.csv")
    target = tmp_path / "out.parquet"
    with pytest.raises(SchemaError, match="non-numeric value 'forty'"):
        predict_file(loaded, source, target, chunksize=500, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_an_existing_output_is_replaced_only_on_success(loaded, frame, tmp_path):
    source = write(frame.head(10), tmp_path / "in.csv")
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    write(frame.head(0), tmp_path / "empty.csv")
    with pytest.raises(SchemaError, match="no rows"):
        predict_file(loaded, tmp_path / "empty.csv", target, progress=False)
    assert target.read_text() == "old\n"
    predict_file(loaded, source, target, progress=False)
    assert len(pd.read_csv(target)) == 10


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"chunksize": 0}, ValueError, "chunksize"),
        ({"output_path": "out.txt"}, ValueError, "extension"),
        ({"input_path": "absent.csv"}, FileNotFoundError, "absent.csv"),
    ],
)
def test_invalid_arguments(loaded, frame, tmp_path, kwargs, error, fragment):
    args = {"input_path": write(frame.head(5), tmp_path / "in.csv"), "output_path": "out.csv"}
    args.update(kwargs)
    args = {k: tmp_path / v if isinstance(v, str) else v for k, v in args.items()}
    with pytest.raises(error, match=fragment):
        predict_file(loaded, **args, progress=False)


def test_progress_is_reported_when_asked(loaded, frame, tmp_path, capsys):
    source = write(frame.head(50), tmp_path / "in.parquet")
    predict_file(loaded, source, tmp_path / "out.csv", chunksize=20, progress=True)
    assert "scored 50/50 rows (100%)" in capsys.readouterr().err


def test_cli_predict(model_dir, fitted_model, frame, tmp_path, capsys):
    source = write(frame.head(100), tmp_path / "in.csv")
    code = cli_main(
        [
            "predict",
            "--model",
            str(model_dir),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out.parquet"),
            "--chunksize",
            "30",
        ]
    )
    assert code == 0
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["prediction"].tolist() == fitted_model.predict(frame.head(100)).tolist()
    assert list(out.columns) == ["prediction"]
    assert "rows/s" not in capsys.readouterr().err  # no progress bar off a terminal
    bad = write(frame.head(5).drop(columns="sex"), tmp_path / "bad.csv")
    code = cli_main(
        [
            "predict",
            "--model",
            str(model_dir),
            "--input",
            str(bad),
            "--output",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2
    assert "cartflow predict: error:" in capsys.readouterr().err
    code = cli_main(
        [
            "predict",
            "--model",
            str(tmp_path / "nowhere"),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_two_million_rows_in_bounded_memory(model_dir, loaded, tmp_path):
    """A 2,000,000-row file scored with peak memory (ru_maxrss) under 500 MB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, _ = adult_features()
    table = pa.Table.from_pandas(X, preserve_index=False)
    picks = np.random.default_rng(0).integers(0, len(X), 2_000_000)
    source, target = tmp_path / "big.parquet", tmp_path / "scored.parquet"
    pq.write_table(table.take(picks), source, row_group_size=100_000)
    # ru_maxrss survives fork + exec (Linux keeps the pre-exec peak), so the scoring command runs
    # under a tiny Python launcher and we read the launcher's RUSAGE_CHILDREN
    command = cli_command("predict", "--model", model_dir, "--input", source, "--output", target)
    launcher = (
        "import resource, subprocess, sys\n"
        f"code = subprocess.run({command!r}).returncode\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", launcher],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    peak_mb = int(result.stdout.split()[-1]) / 1024
    print(f"peak memory scoring 2,000,000 rows: {peak_mb:.0f} MB")
    assert peak_mb < 500
    out = pq.read_table(target, columns=["prediction"]).column(0)
    assert len(out) == 2_000_000
    sample = np.random.default_rng(1).choice(2_000_000, 3000, replace=False)
    expected = loaded.model.predict(X.iloc[picks[sample]].reset_index(drop=True))
    assert out.take(sample).to_pylist() == expected.tolist()


# --------------------------------------------------------------------------- dask
@pytest.fixture(scope="module")
def partitions(frame, tmp_path_factory):
    folder = tmp_path_factory.mktemp("partitions")
    parts = np.array_split(np.arange(len(frame)), 4)
    for i, rows in enumerate(parts):
        part = frame.iloc[rows]
        part.to_parquet(folder / f"part-{i}.parquet", index=False)
        part.to_csv(folder / f"part-{i}.csv", index=False)
    pq_dir, csv_dir = folder / "pq", folder / "csv"
    pq_dir.mkdir()
    csv_dir.mkdir()
    for path in folder.glob("part-*"):
        path.rename((pq_dir if path.suffix == ".parquet" else csv_dir) / path.name)
    return pq_dir, csv_dir


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's parquet writer
def test_dask_engine_on_a_local_cluster(model_dir, fitted_model, frame, partitions, tmp_path):
    """Parquet partitions on an existing scheduler; CSV partitions on the default local cluster."""
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    pq_dir, csv_dir = partitions
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        runs = [(pq_dir, ["--scheduler", cluster.scheduler_address]), (csv_dir, [])]
        for folder, extra in runs:
            out_dir = tmp_path / f"scored-{folder.name}"
            n_rows = predict_partitions(
                model_dir, folder, tmp_path / "count", scheduler=cluster.scheduler_address
            )
            assert n_rows == len(frame)
            code = cli_main(
                [
                    "predict",
                    "--model",
                    str(model_dir),
                    "--input",
                    str(folder),
                    "--output",
                    str(out_dir),
                    "--engine",
                    "dask",
                    "--proba",
                    *extra,
                ]
            )
            assert code == 0
            files = sorted(out_dir.iterdir(), key=lambda p: int(p.stem.split(".")[1]))
            assert len(files) == 4
            out = pd.concat([read(p) for p in files], ignore_index=True)
            assert out["prediction"].tolist() == fitted_model.predict(frame).tolist()
            np.testing.assert_array_equal(
                out[[f"proba_{c}" for c in fitted_model.classes_]].to_numpy(),
                fitted_model.predict_proba(frame),
            )


def test_model_given_as_an_artifact_reference(model_dir, fitted_model, frame, tmp_path):
    """``--model model_export:latest`` resolves through the workflow's artifact store."""
    from pipeline.serving.errors import ModelLoadError
    from pipeline.serving.model_loader import resolve_model_path

    store = pytest.importorskip("pipeline.workflow.store")
    artifacts = store.ArtifactStore(tmp_path / "artifacts")
    staging = artifacts.staging_dir() / "model"
    shutil.copytree(model_dir, staging)
    artifacts.commit({"model_export": (staging, {})}, step="train", run_id="test")
    artifacts = tmp_path / "artifacts"
    resolved = resolve_model_path("model_export:latest", artifacts)
    assert (resolved / "MLmodel").read_bytes() == (model_dir / "MLmodel").read_bytes()
    assert resolve_model_path(model_dir, artifacts) == model_dir
    with pytest.raises(ModelLoadError, match="neither a model folder nor an artifact"):
        resolve_model_path("model_export:v7", artifacts)
