"""Evaluation metrics written by hand: threshold metrics, ranking metrics and plots.

scikit-learn's names, signatures and results; numpy and numba only (matplotlib for plots).
"""

from metrics._exceptions import UndefinedMetricWarning
from metrics._version import __version__
from metrics.decision import BestThreshold, best_threshold
from metrics.plots import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay
from metrics.ranking import (
    average_precision_score,
    brier_score_loss,
    det_curve,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
    top_k_accuracy_score,
)
from metrics.threshold import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

__all__ = [
    "BestThreshold",
    "ConfusionMatrixDisplay",
    "PrecisionRecallDisplay",
    "RocCurveDisplay",
    "UndefinedMetricWarning",
    "__version__",
    "accuracy_score",
    "average_precision_score",
    "balanced_accuracy_score",
    "best_threshold",
    "brier_score_loss",
    "classification_report",
    "cohen_kappa_score",
    "confusion_matrix",
    "det_curve",
    "f1_score",
    "fbeta_score",
    "log_loss",
    "matthews_corrcoef",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "top_k_accuracy_score",
]
