"""The artifact store: versions, aliases, hashes, lineage, dedup, atomic commits."""

import hashlib
import json

import pytest

from pipeline.workflow.errors import ArtifactNotFoundError
from pipeline.workflow.store import ArtifactStore, split_ref


def _stage(store, files):
    folder = store.staging_dir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _commit(store, name, files, inputs=(), step="s", run="r1", key=None):
    return store.commit(
        {name: (_stage(store, files), {"note": name})},
        step=step,
        run_id=run,
        inputs=inputs,
        cache_key=key,
    )[name]


def test_versions_aliases_and_hashes(tmp_path):
    store = ArtifactStore(tmp_path / "artifacts")
    first = _commit(store, "data", {"data.csv": "a\n1\n"})
    second = _commit(store, "data", {"data.csv": "a\n2\n"}, run="r2")
    assert (first.version, second.version) == ("v0", "v1")
    assert store.get("data").version == "v1"
    assert store.get("data:latest") == store.get("data:v1")
    assert store.get("data:v0").files == {"data.csv": hashlib.sha256(b"a\n1\n").hexdigest()}
    assert (store.get("data:v0").path / "data.csv").read_text() == "a\n1\n"
    assert store.get("data:v1").run_id == "r2"
    assert store.get("data:v1").aliases == ("latest",)
    assert [v.ref for v in store.list()] == ["data:v0", "data:v1"]
    assert first.sha256 != second.sha256


def test_same_content_and_inputs_reuses_the_version(tmp_path):
    store = ArtifactStore(tmp_path)
    a = _commit(store, "data", {"data.csv": "x"})
    _commit(store, "data", {"data.csv": "y"})
    again = _commit(store, "data", {"data.csv": "x"})
    assert again.version == a.version == "v0"
    assert store.get("data:latest").version == "v0"
    assert not list((tmp_path / ".staging").iterdir())


def test_lineage_follows_inputs(tmp_path):
    store = ArtifactStore(tmp_path)
    raw = _commit(store, "raw", {"f": "1"})
    clean = _commit(store, "clean", {"f": "2"}, inputs=[raw.ref])
    model = _commit(store, "model", {"f": "3"}, inputs=[clean.ref])
    tree = store.lineage("model")
    assert tree["artifact"] == model
    assert tree["inputs"][0]["artifact"] == clean
    assert tree["inputs"][0]["inputs"][0]["artifact"] == raw
    assert tree["inputs"][0]["inputs"][0]["inputs"] == []


def test_unknown_names_and_versions(tmp_path):
    store = ArtifactStore(tmp_path)
    _commit(store, "raw", {"f": "1"})
    with pytest.raises(ArtifactNotFoundError, match="no artifact named 'model'"):
        store.get("model")
    with pytest.raises(ArtifactNotFoundError, match="no version or alias 'v7'"):
        store.get("raw:v7")
    with pytest.raises(ValueError):
        split_ref(":v1")


def test_failed_commit_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    store = ArtifactStore(tmp_path)
    _commit(store, "a", {"f": "1"})
    before = (tmp_path / "index.json").read_bytes()
    import pipeline.workflow.store as store_module

    def crash(path, value):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "atomic_write_json", crash)
    with pytest.raises(OSError, match="disk full"):
        store.commit(
            {"a": (_stage(store, {"f": "2"}), {}), "b": (_stage(store, {"g": "3"}), {})},
            step="s",
            run_id="r2",
        )
    monkeypatch.undo()
    assert (tmp_path / "index.json").read_bytes() == before
    assert [v.ref for v in store.list()] == ["a:v0"]
    # the folders moved before the crash are orphans, removed at the next commit
    assert (tmp_path / "a" / "v1").exists()
    again = _commit(store, "a", {"f": "4"})
    assert again.version == "v1" and (again.path / "f").read_text() == "4"


def test_cache_records_outputs(tmp_path):
    store = ArtifactStore(tmp_path)
    assert store.cached_outputs("k") is None
    made = _commit(store, "a", {"f": "1"}, key="k", run="r9")
    cached = store.cached_outputs("k")
    assert cached["run_id"] == "r9" and cached["outputs"]["a"] == made


def test_index_is_json_with_a_format(tmp_path):
    store = ArtifactStore(tmp_path)
    _commit(store, "a", {"f": "1"})
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["format"] == 1
    assert index["artifacts"]["a"]["aliases"] == {"latest": "v0"}
