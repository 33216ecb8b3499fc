"""One-hot against native categorical splits on Adult's validation split (issue 13).

The workflow's own steps and default configuration: the bundled data cleaned as ``preprocess``
does, split as ``segregate`` and ``train`` do (test, then validation), the default pipeline
with ``model.pipeline.encoding`` onehot and native (and native with larger
``min_category_samples``), with the exact splitter and with ``splitter="hist"``; accuracy and
ROC AUC on the validation split, node count and fit time (median of three fits). Run::

    .venv/bin/python benchmarks/adult_categorical.py
"""

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from metrics import accuracy_score, roc_auc_score
from pipeline.workflow.config import load_config
from pipeline.workflow.model_factory import build_pipeline
from pipeline.workflow.steps.preprocess import clean_frame
from pipeline.workflow.steps.segregate import split


def adult_splits(config):
    data = config["data"]
    path = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "adult.data.gz"
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, skip_blank_lines=True)
    frame = clean_frame(raw, data["columns"], data["na_values"]).drop_duplicates(ignore_index=True)
    seed = config["main"]["random_seed"]
    train, _ = split(frame, data["test_size"], data["stratify"], seed)
    fit, validation = split(train, data["val_size"], data["stratify"], seed)
    return fit, validation


def measure(config, encoding, fit, validation, min_category_samples=None, splitter="best"):
    config["model"]["pipeline"]["encoding"] = encoding
    config["model"]["tree"]["splitter"] = splitter
    config["model"]["tree"].pop("min_category_samples", None)
    if min_category_samples is not None:
        config["model"]["tree"]["min_category_samples"] = min_category_samples
    target = config["data"]["target"]
    positive = config["model"]["positive_class"]
    X, y = fit.drop(columns=[target]), fit[target]
    Xv, yv = validation.drop(columns=[target]), validation[target]
    times = []
    for _ in range(3):
        model = build_pipeline(config)
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    tree = model.steps[-1][1]
    column = list(tree.classes_).index(positive)
    scores = model.predict_proba(Xv)[:, column]
    return {
        "encoding": encoding,
        "accuracy": accuracy_score(yv, model.predict(Xv)),
        "roc_auc": roc_auc_score((yv == positive).astype(int), scores),
        "nodes": int(tree.tree_.node_count),
        "depth": int(tree.get_depth()),
        "fit_s": statistics.median(times),
    }


def main():
    config, _ = load_config(None)
    fit, validation = adult_splits(config)
    print(f"fit rows {len(fit)}, validation rows {len(validation)}")
    cases = [("onehot", None), ("native", None), ("native", 10), ("native", 50)]
    for splitter in ("best", "hist"):
        for encoding, min_samples in cases:
            r = measure(config, encoding, fit, validation, min_samples, splitter)
            label = f"{splitter:4s} {encoding}" + (
                "" if min_samples is None else f", min_category_samples={min_samples}"
            )
            print(
                f"{label:12s} accuracy {r['accuracy']:.4f}  ROC AUC {r['roc_auc']:.4f}  "
                f"nodes {r['nodes']}  depth {r['depth']}  fit {r['fit_s']:.3f} s"
            )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
