"""Matplotlib displays of a confusion matrix, a ROC curve and a precision-recall curve.

Each display stores the numbers it shows, draws them with ``plot(ax=...)`` (which returns the
display) and is built from predictions or from a fitted estimator. Unlike scikit-learn, the
curve displays draw their chance line by default (``plot_chance_level=True``). matplotlib is
imported when a display is drawn, so ``import metrics`` stays light.
"""

from itertools import product

import numpy as np

from metrics._checks import check_pos_label_consistency, encode, to_1d
from metrics.ranking import average_precision_score, precision_recall_curve, roc_auc_score
from metrics.ranking import roc_curve as _roc_curve
from metrics.threshold import confusion_matrix as _confusion_matrix

__all__ = ["ConfusionMatrixDisplay", "PrecisionRecallDisplay", "RocCurveDisplay"]


def _axes(ax):
    """The figure and axes to draw on (a new pyplot figure only when ``ax`` is None)."""
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
    return ax.figure, ax


def _legend_label(name, metric_name, value):
    if value is not None and name is not None:
        return f"{name} ({metric_name} = {value:0.2f})"
    if value is not None:
        return f"{metric_name} = {value:0.2f}"
    return name


def _positive_scores(estimator, X, response_method, pos_label):
    """Scores of the positive class from a fitted binary classifier, and that class."""
    classes = np.asarray(getattr(estimator, "classes_", []))
    if classes.shape[0] != 2:
        raise ValueError(
            f"{type(estimator).__name__} must be a fitted binary classifier (classes_ of "
            f"length 2); got classes_={classes.tolist()}."
        )
    if pos_label is None:
        pos_label = classes[1]
    elif not any(pos_label == c for c in classes.tolist()):
        raise ValueError(f"pos_label={pos_label!r} is not a valid label: one of {classes}.")
    methods = (
        ("predict_proba", "decision_function") if response_method == "auto" else (response_method,)
    )
    for method in methods:
        if hasattr(estimator, method):
            scores = np.asarray(getattr(estimator, method)(X), dtype=np.float64)
            if method == "predict_proba":
                return scores[:, int(np.flatnonzero(classes == pos_label)[0])], pos_label
            return (scores if pos_label == classes[1] else -scores), pos_label
    raise ValueError(f"{type(estimator).__name__} has none of the response methods {methods}.")


def _chance_line(ax, xs, ys, label, chance_level_kw):
    style = {"color": "k", "linestyle": "--", "label": label, **(chance_level_kw or {})}
    return ax.plot(xs, ys, **style)[0]


class _CurveDisplay:
    """What the ROC and precision-recall displays share: drawing one curve on the unit square."""

    def _draw(self, ax, x, y, style, *, axis_names, chance, chance_level_kw, despine, legend_loc):
        """Draw the curve ``(x, y)`` and, when ``chance`` is ``(ys, label)``, the chance line.

        Sets ``line_``, ``chance_level_``, ``figure_`` and ``ax_``; returns the display.
        """
        fig, ax = _axes(ax)
        self.line_ = ax.plot(x, y, **style)[0]
        suffix = f" (Positive label: {self.pos_label})" if self.pos_label is not None else ""
        ax.set(
            xlabel=axis_names[0] + suffix,
            ylabel=axis_names[1] + suffix,
            xlim=(-0.01, 1.01),
            ylim=(-0.01, 1.01),
            aspect="equal",
        )
        self.chance_level_ = None
        if chance is not None:
            chance_ys, chance_label = chance
            self.chance_level_ = _chance_line(ax, (0, 1), chance_ys, chance_label, chance_level_kw)
        if despine:
            _despine(ax)
        if style.get("label") is not None or self.chance_level_ is not None:
            ax.legend(loc=legend_loc)
        self.figure_, self.ax_ = fig, ax
        return self


class ConfusionMatrixDisplay:
    """A confusion matrix as an image with one text per cell.

    Parameters
    ----------
    confusion_matrix : numpy.ndarray of shape (n_classes, n_classes)
    display_labels : array-like of shape (n_classes,), default None
        Tick labels (default ``0 .. n_classes - 1``).

    Attributes after ``plot``: ``im_``, ``text_`` (array of matplotlib Text, or None),
    ``ax_``, ``figure_``.
    """

    def __init__(self, confusion_matrix, *, display_labels=None):
        self.confusion_matrix = np.asarray(confusion_matrix)
        self.display_labels = display_labels

    def plot(
        self,
        *,
        include_values=True,
        cmap="viridis",
        xticks_rotation="horizontal",
        values_format=None,
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Draw the matrix; returns the display."""
        fig, ax = _axes(ax)
        cm = self.confusion_matrix
        n_classes = cm.shape[0]
        self.im_ = ax.imshow(cm, **{"interpolation": "nearest", "cmap": cmap, **(im_kw or {})})
        self.text_ = None
        cmap_min, cmap_max = self.im_.cmap(0), self.im_.cmap(1.0)
        if include_values:
            self.text_ = np.empty_like(cm, dtype=object)
            thresh = (cm.max() + cm.min()) / 2.0
            for i, j in product(range(n_classes), range(n_classes)):
                color = cmap_max if cm[i, j] < thresh else cmap_min
                if values_format is None:
                    text = format(cm[i, j], ".2g")
                    if cm.dtype.kind != "f":
                        as_int = format(cm[i, j], "d")
                        if len(as_int) < len(text):
                            text = as_int
                else:
                    text = format(cm[i, j], values_format)
                style = {"ha": "center", "va": "center", "color": color, **(text_kw or {})}
                self.text_[i, j] = ax.text(j, i, text, **style)
        labels = np.arange(n_classes) if self.display_labels is None else self.display_labels
        if colorbar:
            fig.colorbar(self.im_, ax=ax)
        ax.set(
            xticks=np.arange(n_classes),
            yticks=np.arange(n_classes),
            xticklabels=labels,
            yticklabels=labels,
            ylabel="True label",
            xlabel="Predicted label",
        )
        ax.set_ylim((n_classes - 0.5, -0.5))
        for tick in ax.get_xticklabels():
            tick.set_rotation(xticks_rotation)
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        labels=None,
        sample_weight=None,
        normalize=None,
        display_labels=None,
        include_values=True,
        xticks_rotation="horizontal",
        values_format=None,
        cmap="viridis",
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Compute the confusion matrix of ``(y_true, y_pred)`` and plot it."""
        cm = _confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
        )
        if display_labels is None:
            if labels is None:
                display_labels, _ = encode(to_1d(y_true, "y_true"), to_1d(y_pred, "y_pred"))
            else:
                display_labels = labels
        display = cls(confusion_matrix=cm, display_labels=display_labels)
        return display.plot(
            include_values=include_values,
            cmap=cmap,
            ax=ax,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )

    @classmethod
    def from_estimator(cls, estimator, X, y, **kwargs):
        """Predict ``X`` with a fitted classifier and plot the confusion matrix against ``y``.

        Keyword arguments are those of :meth:`from_predictions`.
        """
        if not hasattr(estimator, "predict"):
            raise TypeError(f"{type(estimator).__name__} has no predict method.")
        return cls.from_predictions(y, estimator.predict(X), **kwargs)


class RocCurveDisplay(_CurveDisplay):
    """A ROC curve with its AUC in the legend and the chance diagonal.

    Parameters
    ----------
    fpr, tpr : numpy.ndarray
        The curve (from :func:`metrics.roc_curve`).
    roc_auc : float, default None
        Shown in the legend.
    name : str, default None
        The curve's name in the legend.
    pos_label : int, float, bool or str, default None
        Shown in the axis labels.

    Attributes after ``plot``: ``line_``, ``chance_level_`` (or None), ``ax_``, ``figure_``.
    """

    def __init__(self, *, fpr, tpr, roc_auc=None, name=None, pos_label=None):
        self.fpr = np.asarray(fpr)
        self.tpr = np.asarray(tpr)
        self.roc_auc = roc_auc
        self.name = name
        self.pos_label = pos_label

    def plot(
        self,
        ax=None,
        *,
        name=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Draw the curve (and the chance diagonal); returns the display."""
        name = self.name if name is None else name
        style = {"label": _legend_label(name, "AUC", self.roc_auc), **(curve_kwargs or {})}
        chance = ((0, 1), "Chance level (AUC = 0.5)") if plot_chance_level else None
        return self._draw(
            ax,
            self.fpr,
            self.tpr,
            style,
            axis_names=("False Positive Rate", "True Positive Rate"),
            chance=chance,
            chance_level_kw=chance_level_kw,
            despine=despine,
            legend_loc="lower right",
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        sample_weight=None,
        drop_intermediate=True,
        pos_label=None,
        name=None,
        ax=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Compute the ROC curve and AUC of ``(y_true, y_score)`` and plot them."""
        fpr, tpr, _ = _roc_curve(
            y_true,
            y_score,
            pos_label=pos_label,
            sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
        )
        pos_label = check_pos_label_consistency(pos_label, to_1d(y_true, "y_true"))
        is_pos = to_1d(y_true, "y_true") == pos_label
        roc_auc = roc_auc_score(is_pos, y_score, sample_weight=sample_weight)
        display = cls(fpr=fpr, tpr=tpr, roc_auc=roc_auc, name=name, pos_label=pos_label)
        return display.plot(
            ax=ax,
            curve_kwargs=curve_kwargs,
            plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw,
            despine=despine,
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        sample_weight=None,
        drop_intermediate=True,
        response_method="auto",
        pos_label=None,
        name=None,
        ax=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Score ``X`` with a fitted binary classifier and plot the ROC curve against ``y``."""
        scores, pos_label = _positive_scores(estimator, X, response_method, pos_label)
        return cls.from_predictions(
            y,
            scores,
            sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
            pos_label=pos_label,
            name=type(estimator).__name__ if name is None else name,
            ax=ax,
            curve_kwargs=curve_kwargs,
            plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw,
            despine=despine,
        )


class PrecisionRecallDisplay(_CurveDisplay):
    """A precision-recall curve with its average precision in the legend and the prevalence.

    Parameters
    ----------
    precision, recall : numpy.ndarray
        The curve (from :func:`metrics.precision_recall_curve`).
    average_precision : float, default None
        Shown in the legend.
    name : str, default None
    pos_label : int, float, bool or str, default None
    prevalence_pos_label : float, default None
        Fraction of positives: the height of the chance line.

    Attributes after ``plot``: ``line_``, ``chance_level_`` (or None), ``ax_``, ``figure_``.
    """

    def __init__(
        self,
        precision,
        recall,
        *,
        average_precision=None,
        name=None,
        pos_label=None,
        prevalence_pos_label=None,
    ):
        self.precision = np.asarray(precision)
        self.recall = np.asarray(recall)
        self.average_precision = average_precision
        self.name = name
        self.pos_label = pos_label
        self.prevalence_pos_label = prevalence_pos_label

    def plot(
        self,
        ax=None,
        *,
        name=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Draw the curve as a step function (and the prevalence line); returns the display."""
        name = self.name if name is None else name
        style = {
            "drawstyle": "steps-post",
            "label": _legend_label(name, "AP", self.average_precision),
            **(curve_kwargs or {}),
        }
        prevalence = self.prevalence_pos_label
        chance = None
        if plot_chance_level and prevalence is not None:
            chance = ((prevalence, prevalence), f"Chance level (AP = {prevalence:0.2f})")
        return self._draw(
            ax,
            self.recall,
            self.precision,
            style,
            axis_names=("Recall", "Precision"),
            chance=chance,
            chance_level_kw=chance_level_kw,
            despine=despine,
            legend_loc="lower left",
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        sample_weight=None,
        drop_intermediate=False,
        pos_label=None,
        name=None,
        ax=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Compute the PR curve, AP and prevalence of ``(y_true, y_score)`` and plot them."""
        precision, recall, _ = precision_recall_curve(
            y_true,
            y_score,
            pos_label=pos_label,
            sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
        )
        y_true = to_1d(y_true, "y_true")
        pos_label = check_pos_label_consistency(pos_label, y_true)
        average_precision = average_precision_score(
            y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
        )
        prevalence = float(np.average(y_true == pos_label, weights=sample_weight))
        display = cls(
            precision,
            recall,
            average_precision=average_precision,
            name=name,
            pos_label=pos_label,
            prevalence_pos_label=prevalence,
        )
        return display.plot(
            ax=ax,
            curve_kwargs=curve_kwargs,
            plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw,
            despine=despine,
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        sample_weight=None,
        drop_intermediate=False,
        response_method="auto",
        pos_label=None,
        name=None,
        ax=None,
        curve_kwargs=None,
        plot_chance_level=True,
        chance_level_kw=None,
        despine=False,
    ):
        """Score ``X`` with a fitted binary classifier and plot the PR curve against ``y``."""
        scores, pos_label = _positive_scores(estimator, X, response_method, pos_label)
        return cls.from_predictions(
            y,
            scores,
            sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
            pos_label=pos_label,
            name=type(estimator).__name__ if name is None else name,
            ax=ax,
            curve_kwargs=curve_kwargs,
            plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw,
            despine=despine,
        )


def _despine(ax):
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("bottom", "left"):
        ax.spines[side].set_bounds(0, 1)
