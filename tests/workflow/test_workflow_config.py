"""Configuration: defaults, merging, overrides and validation errors that name the key."""

from pathlib import Path

import pytest
import yaml

from pipeline.workflow.config import (
    SCHEMA,
    apply_overrides,
    config_sha256,
    default_config_path,
    load_config,
    parse_override,
)
from pipeline.workflow.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_default_config_is_valid_and_in_the_course_shape(tmp_path):
    config, source = load_config(cwd=tmp_path)
    assert source == "<package default>"
    assert config["main"]["steps"] == [
        "download",
        "preprocess",
        "check_data",
        "segregate",
        "tune",
        "train",
        "evaluate",
    ]
    assert config["data"]["file_url"] == "bundled://adult.data.gz"
    for key in ("ks_alpha", "test_size", "val_size", "stratify"):
        assert key in config["data"]
    assert config["model"]["tree"]["criterion"] == "entropy"
    assert config["model"]["tree"]["max_depth"] == 13


def test_root_config_yaml_validates_and_equals_the_packaged_default():
    root, _ = load_config(REPO / "config.yaml")
    default = yaml.safe_load(default_config_path().read_text())
    assert root == load_config(default_config_path())[0]
    assert set(default) == set(SCHEMA)


def test_config_yaml_in_the_current_directory_is_used(tmp_path):
    (tmp_path / "config.yaml").write_text("data:\n  test_size: 0.25\n")
    config, source = load_config(cwd=tmp_path)
    assert source == str(tmp_path / "config.yaml")
    assert config["data"]["test_size"] == 0.25
    assert config["data"]["val_size"] == 0.3  # merged over the default


@pytest.mark.parametrize(
    "text, expected",
    [
        ("model.tree.max_depth=8", (["model", "tree", "max_depth"], 8)),
        ("data.test_size=0.2", (["data", "test_size"], 0.2)),
        ("model.tree.max_depth=null", (["model", "tree", "max_depth"], None)),
        ("main.steps=[download, preprocess]", (["main", "steps"], ["download", "preprocess"])),
        ("data.file_url=http://x/a=b", (["data", "file_url"], "http://x/a=b")),
        ("tracking=mlflow", (["tracking"], "mlflow")),
    ],
)
def test_overrides_are_typed_as_yaml(text, expected):
    assert parse_override(text) == expected


def test_overrides_apply_and_validate(tmp_path):
    config, _ = load_config(
        overrides=["model.tree.max_depth=4", "data.ks_alpha=0.01"], cwd=tmp_path
    )
    assert config["model"]["tree"]["max_depth"] == 4
    assert config["data"]["ks_alpha"] == 0.01


@pytest.mark.parametrize(
    "override, key",
    [
        ("model.tree.max_depth=deep", "model.tree.max_depth"),
        ("data.test_size=[1]", "data.test_size"),
        ("main.random_seed=1.5", "main.random_seed"),
        ("main.random_seed=true", "main.random_seed"),
        ("tracking=wandb", "tracking"),
        ("main.steps=[download, bake]", "main.steps[1]"),
        ("data.checks.ranges.age=[5]", "data.checks.ranges.age"),
        ("data.test_size=1.5", "data.test_size"),
        ("data.target=income", "data.target"),
        ("model.positive_class=rich", "model.positive_class"),
        ("data.sha256=abc", "data.sha256"),
        ("model.tree.min_category_samples=0", "model.tree.min_category_samples"),
    ],
)
def test_wrong_values_name_the_key(override, key, tmp_path):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace(".", r"\.")):
        load_config(overrides=[override], cwd=tmp_path)


@pytest.mark.parametrize("override", ["data.colour=red", "model.tree.depth=3", "nope=1"])
def test_unknown_override_key_is_rejected(override, tmp_path):
    with pytest.raises(ConfigError, match="unknown config key"):
        load_config(overrides=[override], cwd=tmp_path)


def test_unknown_key_in_a_file_names_it_and_lists_known_keys(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model:\n  tree:\n    maxdepth: 3\n")
    with pytest.raises(ConfigError, match=r"unknown config key 'model\.tree\.maxdepth'.*max_depth"):
        load_config(path)


@pytest.mark.parametrize("text", ["max_depth", "=3", "a..b=1", "model.tree.max_depth"])
def test_malformed_override(text):
    with pytest.raises(ConfigError, match="key.sub=value"):
        parse_override(text)


def test_missing_or_invalid_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(tmp_path / "list.yaml")
    (tmp_path / "broken.yaml").write_text("main: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "broken.yaml")


def test_config_hash_is_stable_and_sensitive(tmp_path):
    config, _ = load_config(cwd=tmp_path)
    assert config_sha256(config) == config_sha256(load_config(cwd=tmp_path)[0])
    changed = apply_overrides(config, ["model.tree.max_depth=12"])
    assert config_sha256(changed) != config_sha256(config)


def test_min_category_samples_reaches_the_native_tree(tmp_path):
    from pipeline.workflow.model_factory import build_pipeline

    config, _ = load_config(
        overrides=["model.pipeline.encoding=native", "model.tree.min_category_samples=25"],
        cwd=tmp_path,
    )
    classifier = build_pipeline(config).steps[-1][1]
    assert classifier.min_category_samples == 25
    assert classifier.categorical_features  # the encoded categorical columns, natively
