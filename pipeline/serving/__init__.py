"""Offline (batch) and online (HTTP) inference of a model folder exported by the workflow.

- ``cartflow predict``: :func:`pipeline.serving.batch.predict_file` (CSV / Parquet, chunked,
  atomic) and :func:`pipeline.serving.batch.predict_partitions` (Dask);
- ``cartflow serve``: :func:`pipeline.serving.app.create_app` (FastAPI under uvicorn, MLflow's
  scoring protocol at ``/invocations``, a typed ``/predict``);
- :func:`pipeline.serving.model_loader.load_model` loads and validates the folder once and
  scores through :mod:`pipeline.serving.fast_path` (no pandas per request).

Submodules are imported by name so that ``import pipeline.serving`` stays light.
"""
