"""``train.engine: dask``: the workflow's tree trained on a (local) Dask cluster."""

import pytest
from workflow_support import quick_run

pytest.importorskip("distributed")

HIST = ("model.tree.splitter=hist", "tune.enabled=false")


def _model_files(workdir):
    export = workdir / "artifacts" / "model_export" / "v0"
    return {name: (export / name).read_bytes() for name in ("model.json", "arrays.npz")}


@pytest.mark.parametrize("encoding", ["onehot", "native"])
def test_the_dask_engine_exports_the_local_hist_model_byte_for_byte(tmp_path, encoding):
    local, dask = tmp_path / "local", tmp_path / "dask"
    local.mkdir()
    dask.mkdir()
    options = (*HIST, f"model.pipeline.encoding={encoding}")
    code, _, err = quick_run(local, *options)
    assert code == 0, err
    code, out, err = quick_run(dask, *options, "train.engine=dask", "train.partitions=5")
    assert code == 0, err
    assert "training the tree on Dask (a local cluster)" in out
    assert _model_files(dask) == _model_files(local)


def test_the_dask_engine_needs_the_hist_splitter(tmp_path):
    code, _, err = quick_run(tmp_path, "train.engine=dask")
    assert code != 0
    assert "model.tree.splitter: hist" in err
