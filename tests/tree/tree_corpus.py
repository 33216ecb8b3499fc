"""A fixed corpus of tree configurations and the hashes of the trees they grow.

``golden_trees.json`` beside this file holds, per configuration, the sha256 of each of the nine
node arrays of ``tree_`` (and the depth). It was recorded from the kernels before their rebuild
(commit a667970), so ``test_golden_trees.py`` fails as soon as any change to the kernels changes
any tree by one bit. Regenerate it only when a change of trees is intended, and say so:

    .venv/bin/python tests/tree/tree_corpus.py --write

The corpus covers every criterion, sample weights, class_weight, missing values, the random
splitter, max_features, best-first growth, min_samples_leaf / min_weight_fraction_leaf /
min_impurity_decrease, depth limits, pruning, 300 to 60,000 rows (the larger ones reach the
threaded build), and ties (rounded features).
"""

import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np

ARRAYS = (
    "children_left",
    "children_right",
    "feature",
    "threshold",
    "value",
    "impurity",
    "n_node_samples",
    "weighted_n_node_samples",
    "missing_go_to_left",
)
GOLDEN = Path(__file__).with_name("golden_trees.json")


def make_data(seed, n, d, task, n_classes=2, nan_share=0.0, rounding=None):
    """Features with signal, optional ties (rounding) and NaN; targets of the task."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if rounding is not None:
        X = np.round(X, rounding)
    signal = X[:, 0] + 0.6 * X[:, 1 % d] - 0.4 * X[:, 2 % d] ** 2
    if task == "classification":
        noisy = signal + rng.normal(scale=0.8, size=n)
        edges = np.quantile(noisy, np.linspace(0, 1, n_classes + 1)[1:-1])
        y = np.searchsorted(edges, noisy)
    else:
        y = signal + rng.normal(scale=0.5, size=n)
        if rounding is not None:
            y = np.round(y, 1)
    if nan_share > 0:
        mask = rng.random((n, d)) < nan_share
        mask[:, -1] = False  # one complete feature
        X = np.where(mask, np.nan, X)
    return X, y, rng


def configurations():
    """The corpus: a list of ``(name, spec)``; ``spec`` is JSON-able."""
    configs = []

    def add(**spec):
        name = "-".join(f"{k}={spec[k]}" for k in sorted(spec))
        configs.append((name, spec))

    sizes = [(300, 4), (3000, 6)]
    clf = ["gini", "entropy"]
    for (n, d), crit, k in itertools.product(sizes, clf, (2, 3)):
        add(task="classification", n=n, d=d, k=k, criterion=crit)
        add(task="classification", n=n, d=d, k=k, criterion=crit, weights="sample")
        add(task="classification", n=n, d=d, k=k, criterion=crit, weights="class")
        add(task="classification", n=n, d=d, k=k, criterion=crit, nan=0.1)
        add(task="classification", n=n, d=d, k=k, criterion=crit, nan=0.1, weights="sample")
        add(task="classification", n=n, d=d, k=k, criterion=crit, splitter="random")
        add(task="classification", n=n, d=d, k=k, criterion=crit, max_features="sqrt")
        add(task="classification", n=n, d=d, k=k, criterion=crit, max_leaf_nodes=20)
        add(task="classification", n=n, d=d, k=k, criterion=crit, min_samples_leaf=7)
        add(task="classification", n=n, d=d, k=k, criterion=crit, rounding=1)
    for n, d in sizes:
        add(task="classification", n=n, d=d, k=5, criterion="gini", max_depth=6)
        add(task="classification", n=n, d=d, k=5, criterion="entropy", weights="sample")
        add(task="classification", n=n, d=d, k=2, criterion="log_loss", ccp_alpha=0.002)
        add(task="classification", n=n, d=d, k=2, criterion="gini", min_weight_fraction_leaf=0.01)
        add(task="classification", n=n, d=d, k=3, criterion="gini", min_impurity_decrease=0.001)
        add(task="classification", n=n, d=d, k=2, criterion="entropy", splitter="random", nan=0.1)
        add(task="classification", n=n, d=d, k=2, criterion="gini", max_leaf_nodes=15, nan=0.1)
    for (n, d), crit in itertools.product(sizes, clf):
        add(task="classification", n=n, d=d, k=3, criterion=crit, nan=0.1, weights="class")
        add(
            task="classification",
            n=n,
            d=d,
            k=2,
            criterion=crit,
            max_leaf_nodes=30,
            weights="sample",
        )
        add(
            task="classification",
            n=n,
            d=d,
            k=3,
            criterion=crit,
            splitter="random",
            weights="sample",
        )
    reg = ["squared_error", "friedman_mse", "absolute_error"]
    for (n, d), crit in itertools.product(sizes, reg):
        add(task="regression", n=n, d=d, criterion=crit)
        add(task="regression", n=n, d=d, criterion=crit, weights="sample")
        add(task="regression", n=n, d=d, criterion=crit, nan=0.1)
        add(task="regression", n=n, d=d, criterion=crit, nan=0.1, weights="sample")
        add(task="regression", n=n, d=d, criterion=crit, splitter="random")
        add(task="regression", n=n, d=d, criterion=crit, max_features=0.5)
        add(task="regression", n=n, d=d, criterion=crit, max_leaf_nodes=25)
        add(task="regression", n=n, d=d, criterion=crit, min_samples_leaf=5, max_depth=8)
        add(task="regression", n=n, d=d, criterion=crit, rounding=1)
        add(task="regression", n=n, d=d, criterion=crit, max_leaf_nodes=25, nan=0.1)
        add(task="regression", n=n, d=d, criterion=crit, splitter="random", nan=0.1)
    # the threaded build (n * d >= 200,000 cells) and larger general-path nodes
    for crit, k in (("gini", 2), ("entropy", 3), ("gini", 4)):
        add(task="classification", n=40_000, d=6, k=k, criterion=crit)
        add(task="classification", n=40_000, d=6, k=k, criterion=crit, max_depth=10)
    add(task="classification", n=60_000, d=5, k=2, criterion="gini", weights="sample")
    add(task="classification", n=60_000, d=5, k=2, criterion="entropy", nan=0.05)
    add(task="classification", n=40_000, d=6, k=3, criterion="gini", weights="class")
    add(task="classification", n=40_000, d=6, k=2, criterion="gini", max_features="sqrt")
    add(task="classification", n=40_000, d=6, k=2, criterion="entropy", splitter="random")
    add(task="classification", n=40_000, d=6, k=2, criterion="gini", max_leaf_nodes=200)
    add(task="classification", n=40_000, d=6, k=2, criterion="gini", rounding=1)
    add(task="regression", n=40_000, d=6, criterion="squared_error")
    add(task="regression", n=40_000, d=6, criterion="squared_error", weights="sample")
    add(task="regression", n=40_000, d=6, criterion="squared_error", nan=0.05)
    add(task="regression", n=40_000, d=6, criterion="squared_error", max_depth=10)
    add(task="regression", n=40_000, d=6, criterion="squared_error", splitter="random")
    add(task="regression", n=40_000, d=6, criterion="squared_error", rounding=1)
    add(task="regression", n=20_000, d=4, criterion="absolute_error", max_depth=8)
    add(task="regression", n=20_000, d=4, criterion="absolute_error", nan=0.05, max_depth=6)
    return configs


def fit_config(spec):
    """Fit the estimator ``spec`` describes; return it."""
    from tree import DecisionTree, DecisionTreeRegressor

    spec = dict(spec)
    task = spec.pop("task")
    n, d = spec.pop("n"), spec.pop("d")
    k = spec.pop("k", 2)
    nan = spec.pop("nan", 0.0)
    rounding = spec.pop("rounding", None)
    weights = spec.pop("weights", None)
    seed = 1000 * n + 10 * d + k
    X, y, rng = make_data(seed, n, d, task, k, nan, rounding)
    sample_weight = None
    if weights == "sample":
        sample_weight = rng.integers(0, 4, size=n).astype(float) * 0.5
    elif weights == "class":
        spec["class_weight"] = "balanced"
    if spec.get("splitter") == "random" or spec.get("max_features") is not None:
        spec["random_state"] = 7
    cls = DecisionTree if task == "classification" else DecisionTreeRegressor
    return cls(**spec).fit(X, y, sample_weight=sample_weight)


def tree_hashes(model):
    """sha256 of each node array (canonical dtype, C order) and the depth."""
    t = model.tree_
    out = {}
    for name in ARRAYS:
        a = np.ascontiguousarray(getattr(t, name), dtype=t.ARRAY_DTYPES[name])
        out[name] = hashlib.sha256(a.tobytes()).hexdigest()[:16]
    out["max_depth"] = int(t.max_depth)
    out["node_count"] = int(t.node_count)
    return out


def main(argv):
    if argv != ["--write"]:
        print(__doc__)
        return 2
    golden = {name: tree_hashes(fit_config(spec)) for name, spec in configurations()}
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(golden)} trees to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    raise SystemExit(main(sys.argv[1:]))
