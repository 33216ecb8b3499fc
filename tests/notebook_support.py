"""The notebooks' folder and their builder, ``notebooks/_build.py``, for the notebook tests.

``notebooks/`` is not a package, so the builder is loaded from its file; each call loads a fresh
module, so a test may monkeypatch its globals without touching another test's.
"""

import importlib.util
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def load_builder():
    """A fresh module object of ``notebooks/_build.py``."""
    spec = importlib.util.spec_from_file_location("notebook_builder", NOTEBOOK_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
