"""The workflow steps, one module each, run in ``STEP_ORDER``.

A step module defines:

- ``NAME`` and ``OUTPUTS`` (artifact names it writes; ``OPTIONAL_OUTPUTS`` those it may skip),
- ``CODE_DEPENDENCIES``: modules or packages whose source is part of its code version,
- ``inputs(config, store) -> {role: "name:version" or None}``: the artifacts it reads,
- ``params(config) -> dict``: the configuration that changes its outputs (part of the cache key),
- ``run(ctx)``: reads ``ctx.input_path(role)``, writes into ``ctx.output_dir(name)``, sets
  ``ctx.rows`` / ``ctx.metrics`` / ``ctx.metadata[name]``,

and optionally ``fingerprint(config)`` (extra cache-key content; ``None`` = never cached) and
``after(config, outputs, logger)`` (checks that run even when the step is cached, e.g. gates).
"""

import importlib

STEP_ORDER = (
    "download",
    "preprocess",
    "check_data",
    "segregate",
    "tune",
    "train",
    "evaluate",
)


def load_step(name):
    """The module of step ``name``."""
    if name not in STEP_ORDER:
        raise ValueError(f"unknown step {name!r}; the steps are {', '.join(STEP_ORDER)}")
    return importlib.import_module(f"pipeline.workflow.steps.{name}")
