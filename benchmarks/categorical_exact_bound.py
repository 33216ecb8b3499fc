"""The multiclass enumeration bound of native categorical splits (issue 13), measured.

For k categories per feature (three categorical features, 5 classes, 20,000 rows, depth 4),
the fit time with every partition enumerated against the principal-component heuristic, and
the root's impurity decrease under each. Run::

    .venv/bin/python benchmarks/categorical_exact_bound.py
"""

import time

import numpy as np

import tree._categorical as categorical
from tree import DecisionTree


def data(rng, k, n=20_000, n_classes=5):
    codes = rng.integers(0, k, (n, 3))
    probabilities = rng.dirichlet(np.ones(n_classes), size=k)
    y = np.array([rng.choice(n_classes, p=probabilities[c]) for c in codes[:, 0]])
    return codes.astype(float), y


def root_decrease(model):
    t = model.tree_
    left, right = t.children_left[0], t.children_right[0]
    w = t.weighted_n_node_samples
    return w[0] * t.impurity[0] - w[left] * t.impurity[left] - w[right] * t.impurity[right]


def main():
    rng = np.random.default_rng(0)
    DecisionTree(categorical_features=[0, 1, 2], max_depth=2).fit(*data(rng, 4, 200))
    saved = categorical.EXACT_MAX_GROUPS
    for k in (6, 8, 10, 12, 14, 16):
        X, y = data(rng, k)
        row = [f"k={k:2d}"]
        for label, bound in (("heuristic", 2), ("exact", 64)):
            categorical.EXACT_MAX_GROUPS = bound  # read when a fit builds its bundle
            best = np.inf
            for _ in range(3):
                start = time.perf_counter()
                model = DecisionTree(categorical_features=[0, 1, 2], max_depth=4).fit(X, y)
                best = min(best, time.perf_counter() - start)
            row.append(f"{label} {best * 1000:.1f} ms (root decrease {root_decrease(model):.2f})")
        print("  ".join(row))
    categorical.EXACT_MAX_GROUPS = saved


if __name__ == "__main__":
    main()
