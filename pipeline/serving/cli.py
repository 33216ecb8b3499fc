"""``cartflow predict`` (offline scoring) and ``cartflow serve`` (HTTP server).

``register(subparsers)`` adds both subcommands to the ``cartflow`` command line; each sets
``func``, called with the parsed arguments and returning the exit code. ``main`` runs them
standalone (``python -m pipeline.serving.cli``).
"""

import argparse
import os
import sys

from pipeline.serving.errors import ModelLoadError, RequestError

MODEL_HELP = (
    "the exported model folder, or an artifact reference such as model_export:latest "
    "(the train step's output in the artifact store)"
)
ARTIFACTS_HELP = "the artifact store used to resolve a --model reference (default: artifacts)"


def register(subparsers):
    """Add the ``predict`` and ``serve`` subcommands to an argparse subparsers object."""
    predict = subparsers.add_parser(
        "predict",
        help="score a CSV/Parquet file (or a folder of partitions with --engine dask)",
        description="Score a file with an exported model, chunk by chunk, in bounded memory.",
    )
    predict.add_argument("--model", required=True, help=MODEL_HELP)
    predict.add_argument("--artifacts", default="artifacts", help=ARTIFACTS_HELP)
    predict.add_argument("--input", required=True, help="input .csv/.parquet (dask: a folder)")
    predict.add_argument("--output", required=True, help="output .csv/.parquet (dask: a folder)")
    predict.add_argument("--proba", action="store_true", help="add one proba_<class> column each")
    predict.add_argument(
        "--explain",
        action="store_true",
        help="add an 'explanation' column: each row's rule path in raw units, as JSON",
    )
    predict.add_argument(
        "--chunksize", type=_positive_int, default=50_000, help="rows read per chunk"
    )
    predict.add_argument("--engine", choices=("local", "dask"), default="local")
    predict.add_argument("--scheduler", help="dask scheduler address (default: a local cluster)")
    predict.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress (default: only on a terminal)",
    )
    predict.set_defaults(func=run_predict)

    serve = subparsers.add_parser(
        "serve",
        help="serve the model over HTTP (MLflow scoring protocol + typed /predict)",
        description="Serve an exported model with FastAPI under uvicorn.",
    )
    serve.add_argument("--model", required=True, help=MODEL_HELP)
    serve.add_argument("--artifacts", default="artifacts", help=ARTIFACTS_HELP)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive_int, default=1)
    serve.add_argument("--max-body-bytes", type=_positive_int, default=16 * 1024 * 1024)
    serve.add_argument("--max-rows", type=_positive_int, default=100_000)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=run_serve)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _fail(command, message):
    print(f"cartflow {command}: error: {message}", file=sys.stderr)
    return 2


def run_predict(args):
    """Handler of ``cartflow predict``; returns the exit code."""
    from pipeline.serving import batch
    from pipeline.serving.model_loader import resolve_model_path

    try:
        args.model = resolve_model_path(args.model, args.artifacts)
        if args.engine == "dask":
            if args.explain:
                return _fail("predict", "--explain works with --engine local only")
            n_rows = batch.predict_partitions(
                args.model, args.input, args.output, proba=args.proba, scheduler=args.scheduler
            )
        else:
            if args.scheduler:
                return _fail("predict", "--scheduler needs --engine dask")
            n_rows = batch.predict_file(
                args.model,
                args.input,
                args.output,
                proba=args.proba,
                chunksize=args.chunksize,
                progress=args.progress,
                explain=args.explain,
            )
    except (ModelLoadError, RequestError, ValueError, FileNotFoundError, ImportError) as exc:
        return _fail("predict", exc)
    except OSError as exc:  # a full disk, a read-only folder, ...
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(
            "predict",
            f"could not write{where}: {exc.strerror or exc}; free disk space or choose another "
            "--output (no partial output was left)",
        )
    print(f"scored {n_rows} rows -> {args.output}", file=sys.stderr)
    return 0


def run_serve(args):
    """Handler of ``cartflow serve``: load the model (exit 2 if it cannot), then run uvicorn."""
    import uvicorn

    from pipeline.serving.app import ENV_PREFIX, create_app, tune_gc_for_serving
    from pipeline.serving.model_loader import resolve_model_path

    try:
        args.model = resolve_model_path(args.model, args.artifacts)
        app = create_app(args.model, max_body_bytes=args.max_body_bytes, max_rows=args.max_rows)
    except ModelLoadError as exc:
        return _fail("serve", exc)
    options = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": args.access_log,
        "loop": _loop(),
        "http": _http(),
    }
    if args.workers > 1:
        os.environ[f"{ENV_PREFIX}MODEL"] = str(args.model)
        os.environ[f"{ENV_PREFIX}MAX_BODY_BYTES"] = str(args.max_body_bytes)
        os.environ[f"{ENV_PREFIX}MAX_ROWS"] = str(args.max_rows)
        del app  # each worker process loads its own copy
        uvicorn.run(
            "pipeline.serving.app:create_app_from_env",
            factory=True,
            workers=args.workers,
            **options,
        )
    else:
        tune_gc_for_serving()
        uvicorn.run(app, **options)
    return 0


def _loop():
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def _http():
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


def main(argv=None):
    """Run ``predict`` or ``serve`` without the rest of the ``cartflow`` command line."""
    parser = argparse.ArgumentParser(prog="cartflow", description=__doc__)
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
