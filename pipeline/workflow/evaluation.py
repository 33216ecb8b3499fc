"""Metrics and plots of a fitted classifier on one labelled table (used by train and evaluate).

Everything comes from our own packages: ``metrics`` for the numbers and the curve displays, and
``tree.plot_tree`` for the tree. Ranking metrics (ROC AUC, average precision, log loss) use the
predicted probability of the positive class, threshold metrics use the predicted labels.
"""

from pathlib import Path

METRIC_NAMES = (
    "accuracy",
    "f1",
    "precision",
    "recall",
    "roc_auc",
    "average_precision",
    "log_loss",
)
PLOT_FILES = ("confusion_matrix.png", "roc_curve.png", "precision_recall_curve.png", "tree.png")


def _round(value):
    # 15 significant digits: the same on every platform's libm, still exact enough to compare.
    return float(f"{float(value):.15g}")


THRESHOLD_METRICS = ("accuracy", "f1", "precision", "recall")


def score(model, frame, features, target, positive_class, threshold=None):
    """Predict ``frame`` and compute the classification metrics.

    ``threshold`` (None: the model's own ``predict``, the most probable class) decides the
    labels: the positive class where its probability is ``>= threshold``.

    Returns
    -------
    report : dict
        See :func:`score_proba`.
    arrays : dict
        ``y_true``, ``y_pred`` and ``y_score`` (probability of the positive class) for plots.
    """
    import numpy as np

    y_true = frame[target].astype(str).to_numpy()
    proba = np.asarray(model.predict_proba(frame[features]), dtype=np.float64)
    return score_proba(y_true, proba, [str(c) for c in model.classes_], positive_class, threshold)


def _threshold_metrics(y_true, y_pred, classes, positive_class):
    import numpy as np

    import metrics as m

    binary = {"pos_label": positive_class, "zero_division": 0.0}
    return {
        "accuracy": _round(m.accuracy_score(y_true, y_pred)),
        "f1": _round(m.f1_score(y_true, y_pred, **binary)),
        "precision": _round(m.precision_score(y_true, y_pred, **binary)),
        "recall": _round(m.recall_score(y_true, y_pred, **binary)),
        "confusion_matrix": {
            "labels": classes,
            "matrix": np.asarray(m.confusion_matrix(y_true, y_pred, labels=classes))
            .astype(int)
            .tolist(),
        },
    }


def score_proba(y_true, proba, classes, positive_class, threshold=None):
    """The metrics of class probabilities ``proba`` (columns in ``classes`` order).

    Returns
    -------
    report : dict
        ``accuracy``, ``f1``, ``precision``, ``recall`` and ``confusion_matrix`` (with its
        ``labels``) of the decisions at ``threshold``; ``roc_auc``, ``average_precision``,
        ``log_loss``; ``n_samples``, ``positive_class``, ``threshold`` and
        ``at_default_threshold``: the threshold metrics of the most probable class (0.5).
    arrays : dict
        ``y_true``, ``y_pred``, ``y_score``, ``classes`` and ``threshold`` for the plots.
    """
    import numpy as np

    import metrics as m
    from pipeline.workflow.threshold import predict_labels

    classes = [str(c) for c in classes]
    if positive_class not in classes:
        raise ValueError(
            f"positive class {positive_class!r} is not one of the model's classes {classes}"
        )
    y_true = np.asarray(y_true).astype(str)
    proba = np.asarray(proba, dtype=np.float64)
    y_default = np.asarray(classes).take(np.argmax(proba, axis=1))
    y_pred = (
        y_default
        if threshold is None
        else np.asarray(predict_labels(proba, classes, positive_class, threshold)).astype(str)
    )
    y_score = proba[:, classes.index(positive_class)]
    report = _threshold_metrics(y_true, y_pred, classes, positive_class)
    report.update(
        roc_auc=_round(m.roc_auc_score(y_true == positive_class, y_score)),
        average_precision=_round(m.average_precision_score(y_true == positive_class, y_score)),
        log_loss=_round(m.log_loss(y_true, proba, labels=classes)),
        n_samples=int(len(y_true)),
        positive_class=positive_class,
        threshold=None if threshold is None else float(threshold),
        at_default_threshold=_threshold_metrics(y_true, y_default, classes, positive_class),
    )
    arrays = {
        "y_true": y_true,
        "y_pred": y_pred,
        "y_score": y_score,
        "classes": classes,
        "threshold": threshold,
    }
    return report, arrays


def _mark_threshold(ax, arrays, positive_class, kind):
    """A dot on the ROC or PR curve where the decision threshold lies."""
    import numpy as np

    threshold = arrays.get("threshold")
    if threshold is None:
        return
    positive = arrays["y_true"] == positive_class
    predicted = arrays["y_score"] >= threshold
    tp = float(np.sum(predicted & positive))
    fp = float(np.sum(predicted & ~positive))
    recall = tp / max(float(positive.sum()), 1.0)
    if kind == "roc":
        x, y = fp / max(float((~positive).sum()), 1.0), recall
    else:
        x, y = recall, (tp / (tp + fp) if tp + fp else 1.0)
    ax.plot([x], [y], "o", color="tab:red", label=f"threshold {threshold:.3f}")
    # ROC: the curve runs along the top left, so the lower right is empty. PR: the curve runs
    # along the top and the chance line along the bottom; the middle left is empty.
    ax.legend(loc="lower right" if kind == "roc" else "center left")


def _figure(width, height):
    # A bare Figure (no pyplot): no global state, no GUI backend, safe in threads. The
    # constrained layout keeps the axis labels inside the image (the confusion matrix's colour
    # bar otherwise pushed "True label" off its left edge).
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _save(fig, path, dpi):
    # No "Software" metadata: the PNG bytes depend only on the figure.
    fig.savefig(path, dpi=dpi, metadata={"Software": None})


def write_plots(
    folder, arrays, positive_class, dpi, model=None, feature_names=None, tree_max_depth=3, title=""
):
    """Write the confusion matrix, ROC and PR curves (and the tree when ``model`` is given)."""
    from metrics.plots import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    y_true, y_pred, y_score = arrays["y_true"], arrays["y_pred"], arrays["y_score"]

    fig, ax = _figure(5, 4.5)
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=arrays["classes"], ax=ax)
    ax.set_title(f"Confusion matrix {title}".strip())
    _save(fig, folder / "confusion_matrix.png", dpi)

    fig, ax = _figure(5, 4.5)
    RocCurveDisplay.from_predictions(y_true, y_score, pos_label=positive_class, ax=ax)
    _mark_threshold(ax, arrays, positive_class, "roc")
    ax.set_title(f"ROC curve {title}".strip())
    _save(fig, folder / "roc_curve.png", dpi)

    fig, ax = _figure(5, 4.5)
    PrecisionRecallDisplay.from_predictions(y_true, y_score, pos_label=positive_class, ax=ax)
    _mark_threshold(ax, arrays, positive_class, "pr")
    ax.set_title(f"Precision-recall curve {title}".strip())
    _save(fig, folder / "precision_recall_curve.png", dpi)

    if model is not None:
        try:
            from tree import plot_tree
        except ImportError:  # older trees kept it in tree.plotting only
            from tree.plotting import plot_tree

        fig, ax = _figure(16, 8)
        raw_units = hasattr(model, "raw_node_view")  # a pipeline: splits on the raw columns
        plot_tree(
            model if raw_units else final_estimator(model),
            max_depth=tree_max_depth,
            feature_names=None if raw_units else feature_names,
            class_names=arrays["classes"],
            filled=True,
            ax=ax,
            fontsize=7,
        )
        ax.set_title(f"Decision tree (first {tree_max_depth} levels)")
        _save(fig, folder / "tree.png", dpi)


def write_report(folder, model, frame, features, target, config, title, threshold=None, proba=None):
    """Score ``model`` on ``frame``, write ``folder/metrics.json`` and the plots.

    ``config`` supplies ``model.positive_class`` and ``plots`` (``dpi``, ``tree_max_depth``);
    ``title`` ends each plot title; ``threshold`` decides the labels (None: the most probable
    class); ``proba`` scores given instead of the model's (e.g. out-of-fold). Returns the report
    of :func:`score_proba`.
    """
    from pipeline.workflow.fsutil import atomic_write_json

    positive = config["model"]["positive_class"]
    if proba is None:
        report, arrays = score(model, frame, features, target, positive, threshold)
    else:
        report, arrays = score_proba(
            frame[target].astype(str).to_numpy(), proba, model.classes_, positive, threshold
        )
    atomic_write_json(Path(folder) / "metrics.json", report)
    write_plots(
        folder,
        arrays,
        positive,
        config["plots"]["dpi"],
        model=model,
        feature_names=transformed_feature_names(model),
        tree_max_depth=config["plots"]["tree_max_depth"],
        title=title,
    )
    return report


def final_estimator(model):
    """The last step of a pipeline (the tree), or the model itself."""
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def transformed_feature_names(model):
    """Names of the columns the tree sees (one-hot names included), or None."""
    steps = getattr(model, "steps", None)
    if not steps or len(steps) < 2:
        return None
    preprocess = steps[0][1]
    try:
        return [str(n) for n in preprocess.get_feature_names_out()]
    except (AttributeError, ValueError, TypeError):
        return None
