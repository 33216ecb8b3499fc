"""Estimator composition, transformers, model selection and persistence.

``pipeline.preprocessing``, ``pipeline.model_selection`` and ``pipeline.persist`` are imported by
name; ``pipeline.workflow`` and ``pipeline.serving`` are the application layer on top.
"""

from pipeline._pipeline import FeatureUnion, Pipeline, make_pipeline
from pipeline._version import __version__
from pipeline.base import BaseEstimator, NotFittedError, TransformerMixin, clone
from pipeline.compose import ColumnTransformer, make_column_selector, make_column_transformer

__all__ = [
    "BaseEstimator",
    "ColumnTransformer",
    "FeatureUnion",
    "NotFittedError",
    "Pipeline",
    "TransformerMixin",
    "__version__",
    "clone",
    "make_column_selector",
    "make_column_transformer",
    "make_pipeline",
]
