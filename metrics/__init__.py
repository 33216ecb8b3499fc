"""Evaluation metrics written by hand: threshold metrics, ranking metrics and plots."""

from metrics._version import __version__

__all__ = ["__version__"]
