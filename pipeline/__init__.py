"""Estimator composition, transformers, model selection and persistence.

``pipeline.workflow`` and ``pipeline.serving`` are the application layer and are imported by name.
"""

from pipeline._version import __version__

__all__ = ["__version__"]
