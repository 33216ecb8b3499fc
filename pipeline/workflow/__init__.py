"""The reproducible ML workflow: steps, artifact store, config, runner and the ``cartflow`` CLI.

``cartflow run`` chains ``download`` -> ``preprocess`` -> ``check_data`` -> ``segregate`` ->
``train`` -> ``evaluate`` (one module each in ``pipeline.workflow.steps``), every step reading and
writing versioned artifacts of :class:`pipeline.workflow.store.ArtifactStore`. See
``docs/workflow.md``.
"""
