"""The workflow configuration: loading, command-line overrides and validation.

The resolved configuration is the packaged ``default_config.yaml`` with the user's file merged over
it (mappings merge key by key, every other value replaces) and then the ``key.sub=value``
overrides. Every key is checked against ``SCHEMA``: an unknown key or a wrong type raises
:class:`ConfigError` naming the key.
"""

import copy
import hashlib
import json
import math
from importlib import resources
from pathlib import Path

import yaml

from pipeline.workflow.errors import ConfigError
from pipeline.workflow.steps import STEP_ORDER as STEP_NAMES

DEFAULT_CONFIG_NAME = "default_config.yaml"


class Spec:
    """A type constraint on one config value."""

    description = "a value"

    def check(self, value, key):
        raise NotImplementedError

    def fail(self, value, key):
        raise ConfigError(
            f"config key '{key}' must be {self.description}, got {value!r} ({type(value).__name__})"
        )


class Type(Spec):
    def __init__(self, kind):
        self.kind = kind
        self.description = {
            int: "an integer",
            float: "a number",
            str: "a string",
            bool: "true or false",
        }[kind]

    def check(self, value, key):
        if isinstance(value, bool) and self.kind is not bool:
            self.fail(value, key)
        if self.kind is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, self.kind):
            self.fail(value, key)
        return value


class Nullable(Spec):
    def __init__(self, inner):
        self.inner = inner
        self.description = f"{inner.description} or null"

    def check(self, value, key):
        if value is None:
            return None
        try:
            return self.inner.check(value, key)
        except ConfigError:
            self.fail(value, key)


class Choice(Spec):
    def __init__(self, *values):
        self.values = values
        self.description = "one of " + ", ".join(repr(v) for v in values)

    def check(self, value, key):
        if value not in self.values or isinstance(value, bool):
            self.fail(value, key)
        return value


class ListOf(Spec):
    def __init__(self, inner, min_length=0):
        self.inner = inner
        self.min_length = min_length
        self.description = f"a list of {inner.description.removeprefix('a ').removeprefix('an ')}s"

    def check(self, value, key):
        if not isinstance(value, list) or len(value) < self.min_length:
            self.fail(value, key)
        return [self.inner.check(item, f"{key}[{i}]") for i, item in enumerate(value)]


class MapOf(Spec):
    """A mapping with free keys (e.g. column names) and values of one spec."""

    def __init__(self, inner):
        self.inner = inner
        self.description = "a mapping"

    def check(self, value, key):
        if not isinstance(value, dict):
            self.fail(value, key)
        return {str(k): self.inner.check(v, f"{key}.{k}") for k, v in value.items()}


class Range(Spec):
    description = "a pair [min, max] of numbers (null: unbounded)"

    def check(self, value, key):
        if not isinstance(value, list) or len(value) != 2:
            self.fail(value, key)
        bound = Nullable(Type(float))
        low, high = (bound.check(v, key) for v in value)
        if low is not None and high is not None and low > high:
            raise ConfigError(f"config key '{key}': min {low} is greater than max {high}")
        return [low, high]


class IntOrFloat(Spec):
    """A number that keeps its type (``2`` and ``2.0`` mean different things to the tree)."""

    description = "an integer or a number"

    def check(self, value, key):
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(value, key)
        return value


class Free(Spec):
    """Any YAML value: for keys that the estimator receiving them validates (max_features...)."""

    def check(self, value, key):
        return value


NUMBER, INT, STR = Type(float), Type(int), Type(str)
OPT_NUMBER, OPT_INT, OPT_STR = Nullable(NUMBER), Nullable(INT), Nullable(STR)

SCHEMA = {
    "main": {
        "project_name": STR,
        "experiment_name": STR,
        "steps": ListOf(Choice(*STEP_NAMES), min_length=1),
        "random_seed": INT,
        "orchestrator": Choice("local", "mlflow"),
        "components_repository": OPT_STR,
        "components_version": OPT_STR,
    },
    "tracking": Choice("none", "mlflow"),
    "data": {
        "file_url": STR,
        "sha256": OPT_STR,
        "timeout": NUMBER,
        "retries": INT,
        "retry_backoff": NUMBER,
        "columns": ListOf(STR, min_length=1),
        "na_values": ListOf(STR),
        "target": STR,
        "reference": STR,
        "ks_alpha": NUMBER,
        "test_size": NUMBER,
        "val_size": NUMBER,
        "stratify": OPT_STR,
        "checks": {
            "min_rows": INT,
            "target_classes": ListOf(STR, min_length=2),
            "max_missing_share": NUMBER,
            "ranges": MapOf(Range()),
        },
    },
    "model": {
        "numeric_features": ListOf(STR),
        "categorical_features": ListOf(STR),
        "pipeline": {
            "numeric_imputer": Choice("mean", "median", "most_frequent"),
            "scaler": Choice("minmax", "standard", "none"),
            "categorical_imputer": Choice("most_frequent", "constant"),
            "handle_unknown": Choice("ignore", "error", "infrequent_if_exist"),
            "encoding": Choice("onehot", "native"),
        },
        "tree": {
            "criterion": Choice("gini", "entropy", "log_loss"),
            "splitter": Choice("best", "random", "hist"),
            "max_bins": INT,
            "min_category_samples": INT,
            "max_depth": OPT_INT,
            "min_samples_split": IntOrFloat(),
            "min_samples_leaf": IntOrFloat(),
            "max_features": Free(),
            "max_leaf_nodes": OPT_INT,
            "min_impurity_decrease": NUMBER,
            "class_weight": Free(),
            "ccp_alpha": NUMBER,
        },
        "positive_class": STR,
        "threshold": {"objective": Free()},
    },
    "tune": {
        "enabled": Type(bool),
        "method": Choice("grid", "halving"),
        "scoring": STR,
        "cv": INT,
        "n_jobs": INT,
        "halving": {"factor": INT, "min_resources": OPT_INT},
        "grid": MapOf(ListOf(Free(), min_length=1)),
    },
    "train": {
        "refit_on": Choice("train", "train_and_validation"),
        "engine": Choice("local", "dask"),
        "scheduler": OPT_STR,
        "partitions": INT,
    },
    "gates": {
        "min_roc_auc": OPT_NUMBER,
        "min_accuracy": OPT_NUMBER,
        "min_f1": OPT_NUMBER,
        "min_precision": OPT_NUMBER,
        "min_recall": OPT_NUMBER,
        "min_average_precision": OPT_NUMBER,
        "max_log_loss": OPT_NUMBER,
    },
    "plots": {"tree_max_depth": INT, "dpi": INT},
}


def default_config_path():
    """Path of the configuration shipped inside the package."""
    return Path(str(resources.files("pipeline.workflow") / DEFAULT_CONFIG_NAME))


def _read_yaml(path):
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {str(path)!r} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
            f"at offset {exc.start}); save it with UTF-8 encoding"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping at the top level")
    return data


def _merge(base, update, prefix=""):
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, f"{prefix}{key}.")
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _validate(config, schema, prefix=""):
    if not isinstance(config, dict):
        raise ConfigError(f"config key '{prefix.rstrip('.')}' must be a mapping, got {config!r}")
    result = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            where = f"under '{prefix.rstrip('.')}'" if prefix else "at the top level"
            raise ConfigError(f"unknown config key '{name}' (known keys {where}: {known})")
        spec = schema[key]
        if isinstance(spec, dict):
            result[key] = _validate(value, spec, f"{name}.")
        else:
            result[key] = spec.check(value, name)
    missing = [f"{prefix}{key}" for key in schema if key not in config]
    if missing:
        raise ConfigError(f"config is missing the key(s): {', '.join(missing)}")
    return result


def _check_semantics(config):
    data, model = config["data"], config["model"]
    for key in ("test_size", "val_size", "ks_alpha"):
        if not 0.0 < data[key] < 1.0:
            raise ConfigError(f"config key 'data.{key}' must be in (0, 1), got {data[key]}")
    if not 0.0 <= data["checks"]["max_missing_share"] <= 1.0:
        raise ConfigError("config key 'data.checks.max_missing_share' must be in [0, 1]")
    if data["timeout"] <= 0 or data["retries"] < 0 or data["retry_backoff"] < 0:
        raise ConfigError(
            "config keys 'data.timeout' (> 0), 'data.retries' and 'data.retry_backoff' (>= 0) "
            "are out of range"
        )
    columns = data["columns"]
    if len(set(columns)) != len(columns):
        raise ConfigError("config key 'data.columns' lists a column twice")
    if data["target"] not in columns:
        raise ConfigError(f"config key 'data.target' ({data['target']!r}) is not in data.columns")
    if data["stratify"] is not None and data["stratify"] not in columns:
        raise ConfigError(
            f"config key 'data.stratify' ({data['stratify']!r}) is not in data.columns"
        )
    for key in ("numeric_features", "categorical_features"):
        unknown = [c for c in model[key] if c not in columns or c == data["target"]]
        if unknown:
            raise ConfigError(
                f"config key 'model.{key}' names {unknown}, which are not feature columns "
                "of data.columns"
            )
    if not model["numeric_features"] and not model["categorical_features"]:
        raise ConfigError(
            "config keys 'model.numeric_features' and 'model.categorical_features' are both empty"
        )
    overlap = set(model["numeric_features"]) & set(model["categorical_features"])
    if overlap:
        raise ConfigError(f"columns {sorted(overlap)} are both numeric and categorical features")
    unknown = [c for c in data["checks"]["ranges"] if c not in columns]
    if unknown:
        raise ConfigError(f"config key 'data.checks.ranges' names unknown columns {unknown}")
    if model["positive_class"] not in data["checks"]["target_classes"]:
        raise ConfigError(
            f"config key 'model.positive_class' ({model['positive_class']!r}) is not one of "
            "data.checks.target_classes"
        )
    if config["plots"]["tree_max_depth"] < 0 or config["plots"]["dpi"] <= 0:
        raise ConfigError("config keys 'plots.tree_max_depth' (>= 0) and 'plots.dpi' (> 0)")
    sha = data["sha256"]
    if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha)):
        raise ConfigError(f"config key 'data.sha256' must be 64 hex digits or null, got {sha!r}")
    if ":" not in data["reference"]:
        raise ConfigError("config key 'data.reference' must read NAME:VERSION or NAME:latest")
    _check_gates(config["gates"])
    train = config["train"]
    if train["engine"] == "dask" and model["tree"]["splitter"] != "hist":
        raise ConfigError(
            "config key 'train.engine: dask' needs 'model.tree.splitter: hist' (the tree is "
            f"trained on summed histograms), got splitter {model['tree']['splitter']!r}"
        )
    if train["partitions"] < 1:
        raise ConfigError(f"config key 'train.partitions' must be >= 1, got {train['partitions']}")
    _check_tree_params(model["tree"], config["main"]["random_seed"])
    _check_tuning(config)
    return config


def _check_tuning(config):
    from pipeline.workflow.threshold import parse_objective

    tune = config["tune"]
    if tune["cv"] < 2 or tune["n_jobs"] < 1 or tune["halving"]["factor"] < 2:
        raise ConfigError(
            "config keys 'tune.cv' (>= 2), 'tune.n_jobs' (>= 1) and 'tune.halving.factor' (>= 2) "
            "are out of range"
        )
    min_resources = tune["halving"]["min_resources"]
    if min_resources is not None and min_resources < 2 * tune["cv"]:
        raise ConfigError("config key 'tune.halving.min_resources' must be at least 2 * tune.cv")
    from pipeline.model_selection import get_scorer_names

    if tune["scoring"] not in get_scorer_names():
        raise ConfigError(
            f"config key 'tune.scoring' ({tune['scoring']!r}) is not a scorer; choose one of "
            f"{', '.join(get_scorer_names())}"
        )
    tree_schema = SCHEMA["model"]["tree"]
    for name, values in tune["grid"].items():
        if name not in tree_schema:
            raise ConfigError(
                f"config key 'tune.grid.{name}' is not a tree parameter (model.tree has "
                f"{', '.join(tree_schema)})"
            )
        tune["grid"][name] = [
            tree_schema[name].check(v, f"tune.grid.{name}[{i}]") for i, v in enumerate(values)
        ]
    config["model"]["threshold"]["objective"] = parse_objective(
        config["model"]["threshold"]["objective"], "model.threshold.objective"
    )


def _check_gates(gates):
    """Each gate is a finite number in its metric's range: [0, 1], or >= 0 for log loss."""
    for key, value in gates.items():
        if value is None:
            continue
        low, high = (0.0, math.inf) if key == "max_log_loss" else (0.0, 1.0)
        if isinstance(value, bool) or not math.isfinite(value) or not low <= value <= high:
            bounds = "a finite number >= 0" if key == "max_log_loss" else "in [0, 1]"
            raise ConfigError(f"config key 'gates.{key}' must be {bounds} or null, got {value!r}")


def _check_tree_params(params, random_seed):
    """The tree's own parameter constraints, checked before any step runs, naming the key."""
    from tree import DecisionTree
    from tree._params import validate_params

    estimator = DecisionTree(**params, random_state=random_seed)
    constraints = DecisionTree._parameter_constraints
    for key in params:
        if key in constraints:
            try:
                validate_params(estimator, {key: constraints[key]})
            except ValueError as exc:
                raise ConfigError(f"config key 'model.tree.{key}': {exc}") from None


def parse_override(text):
    """Split one ``key.sub=value`` override; the value is typed as YAML reads it.

    Examples
    --------
    >>> parse_override("model.tree.max_depth=8")
    (['model', 'tree', 'max_depth'], 8)
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"override {text!r} must read key.sub=value (e.g. data.test_size=0.2)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {text!r}: the value is not valid YAML: {exc}") from None
    return key.split("."), value


def apply_overrides(config, overrides):
    """Return a copy of ``config`` with each ``key.sub=value`` override applied."""
    config = copy.deepcopy(config)
    for text in overrides:
        path, value = parse_override(text)
        node, schema = config, SCHEMA
        for depth, part in enumerate(path):
            name = ".".join(path[: depth + 1])
            if not isinstance(schema, dict) or part not in schema:
                raise ConfigError(f"override {text!r}: unknown config key '{name}'")
            if depth == len(path) - 1:
                node[part] = value
            else:
                schema = schema[part]
                if not isinstance(schema, dict):
                    raise ConfigError(f"override {text!r}: '{name}' has no sub-keys")
                node = node.setdefault(part, {})
    return config


def resolve_config_path(config_path=None, cwd=None):
    """The file the run reads: ``config_path``, else ``./config.yaml``, else ``None`` (default)."""
    if config_path is not None:
        return Path(config_path)
    local = Path(cwd or Path.cwd()) / "config.yaml"
    return local if local.is_file() else None


def load_config(config_path=None, overrides=(), cwd=None):
    """Load, merge, override and validate the workflow configuration.

    Parameters
    ----------
    config_path : str or Path, optional
        The user's YAML file. Without it ``./config.yaml`` is used when it exists, otherwise only
        the default configuration shipped inside the package.
    overrides : sequence of str
        ``key.sub=value`` strings, applied last; values are parsed as YAML (``8`` is an int).
    cwd : str or Path, optional
        Directory where ``config.yaml`` is looked for (default: the current directory).

    Returns
    -------
    config : dict
        The validated configuration.
    source : str
        The file read ("<package default>" when none).
    """
    config = _read_yaml(default_config_path())
    path = resolve_config_path(config_path, cwd)
    if path is not None:
        config = _merge(config, _read_yaml(path))
    config = apply_overrides(config, [o for o in overrides if o.strip()])
    config = _check_semantics(_validate(config, SCHEMA))
    return config, (str(path) if path is not None else "<package default>")


def canonical_json(value):
    """Deterministic JSON text (sorted keys, no whitespace variation) used for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def config_sha256(config):
    """sha256 of the canonical JSON form of a configuration (or any part of one)."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()
