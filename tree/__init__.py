"""CART decision trees written from scratch, with numba-compiled kernels."""

from tree._version import __version__

__all__ = ["__version__"]
