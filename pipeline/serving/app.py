"""The HTTP server: a FastAPI app answering MLflow's scoring protocol and a typed endpoint.

``POST /invocations`` is the hot path: a plain ASGI handler in front of FastAPI's router (no
dependency injection, no pydantic on big bodies), JSON through the ``json`` module, validation
and the numeric transform done on columns without pandas (see ``pipeline.serving.fast_path``),
then the tree's compiled kernel. ``POST /predict`` is typed: its pydantic request model is
generated from the model's signature, so ``/docs`` shows the exported input example.
"""

import gc
import json
import logging
import os
import re
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from pipeline.serving.errors import RequestError, SchemaError
from pipeline.serving.model_loader import LoadedModel, load_model
from pipeline.serving.protocol import parse_request

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
THREADPOOL_MIN_ROWS = 5_000  # typed requests with more rows are scored off the event loop
THREADPOOL_MIN_BYTES = 512 * 1024  # /invocations bodies this big are parsed and scored off it
ENV_PREFIX = "CARTFLOW_SERVE_"


def create_app(model, *, max_body_bytes=DEFAULT_MAX_BODY_BYTES, max_rows=DEFAULT_MAX_ROWS):
    """Build the FastAPI app serving one model.

    Parameters
    ----------
    model : str, os.PathLike or LoadedModel
        The exported model folder (loaded here, once) or an already loaded model.
    max_body_bytes : int, default 16 MiB
        Larger request bodies get 413.
    max_rows : int, default 100,000
        Requests with more rows get 413.

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ModelLoadError
        The model folder is missing or corrupt.
    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    if max_body_bytes < 1 or max_rows < 1:
        raise ValueError("max_body_bytes and max_rows must be positive")
    from pipeline import __version__

    app = FastAPI(
        title="cartflow model server",
        version=__version__,
        description="Scores the exported cartflow model. `/invocations` speaks MLflow's "
        "scoring protocol; `/predict` is the typed endpoint generated from the signature.",
    )
    app.state.model = loaded
    app.add_middleware(_BodyLimitMiddleware, max_body_bytes=max_body_bytes)
    app.add_exception_handler(RequestValidationError, _validation_error)
    version = loaded.version_info()

    @app.get("/ping", include_in_schema=False)
    async def ping():
        return Response(b"\n", media_type="application/json")

    @app.get("/health")
    async def health():
        """200 once the model is loaded (it is loaded before the server accepts requests)."""
        return {"status": "ok", "model": str(loaded.path) if loaded.path else None}

    @app.get("/version")
    async def get_version():
        """Package version, model format version, training-data hash, creation time."""
        return version

    invocations_handler = _Invocations(loaded, max_body_bytes, max_rows)

    @app.post(
        "/invocations", response_class=JSONResponse, openapi_extra=_invocations_openapi(loaded)
    )
    async def invocations(request: Request):
        """MLflow's scoring protocol: dataframe_split / dataframe_records / instances / inputs
        JSON, text/csv or Parquet; `?proba=true` or `params.proba` adds class probabilities;
        `?explain=true` or `params.explain` adds each row's rule path in raw units.

        (Served by a plain ASGI handler in front of the router; this route documents it.)
        """
        status, body = await invocations_handler.answer(
            await request.body(), request.headers.get("content-type"), request.url.query
        )
        return Response(body, status_code=status, media_type="application/json")

    _add_typed_endpoint(app, loaded, max_rows)
    app.add_middleware(_InvocationsFastPath, handler=invocations_handler)
    return app


def tune_gc_for_serving():
    """Process-wide GC settings for a server process (called by ``cartflow serve``).

    The model, numba and pandas are long-lived objects the cyclic GC need not scan again and
    again (full collections over them showed up as latency spikes on big bodies), and a JSON body
    of a few hundred rows allocates thousands of objects that are freed by reference counting.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _invocations_openapi(loaded):
    """OpenAPI request body of ``/invocations`` with the exported input example."""
    example = {"dataframe_split": {"columns": loaded.signature.names, "data": []}}
    if loaded.input_example is not None:
        rows = [list(r) for r in zip(*loaded.input_example.values())]
        example["dataframe_split"]["data"] = rows
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": example},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }


class _Invocations:
    """``POST /invocations`` from raw bytes to ``(status, JSON bytes)``; never raises."""

    def __init__(self, loaded, max_body_bytes, max_rows):
        self.loaded = loaded
        self.signature = loaded.signature
        self.max_body_bytes = max_body_bytes
        self.max_rows = max_rows

    async def answer(self, body, content_type, query_string):
        if len(body) >= THREADPOOL_MIN_BYTES:  # keep the event loop free for small requests
            return await run_in_threadpool(self.answer_now, body, content_type, query_string)
        return self.answer_now(body, content_type, query_string)

    def answer_now(self, body, content_type, query_string):
        try:
            columns, params, is_text = parse_request(body, content_type, self.max_rows)
            proba = _query_flag(query_string, "proba") or params.get("proba", False)
            explain = _query_flag(query_string, "explain") or params.get("explain", False)
            _check_rows(columns, self.max_rows)
            if is_text:
                columns = self.signature.parse_text_columns(columns)
            columns = self.signature.validate_columns(columns)
            return 200, _score(self.loaded, columns, proba, explain)
        except RequestError as exc:
            return exc.status_code, _error_body(exc)
        except Exception:  # never let a request take the server down
            logger.exception("unexpected error while scoring a request")
            return 500, _INTERNAL_ERROR


class _InvocationsFastPath:
    """Answer ``POST /invocations`` straight from ASGI, skipping routing and dependencies."""

    def __init__(self, app, handler):
        self.app = app
        self.handler = handler

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/invocations" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        content_type, declared = None, None
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value.decode("latin-1")
            elif key == b"content-length":
                declared = value
        limit = self.handler.max_body_bytes
        try:
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                if not declared.isdigit():
                    raise RequestError("invalid Content-Length header")
                raise _too_large(int(declared), limit)
            body = await _receive_body(receive, limit)
        except RequestError as exc:
            status, payload = exc.status_code, _error_body(exc)
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            status, payload = await self.handler.answer(body, content_type, query)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


async def _receive_body(receive, limit):
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestError("the client disconnected before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _score(loaded, columns, proba, explain=False):
    if explain:
        from pipeline.serving import explain as explaining

        predictions, probabilities, texts = explaining.predict_and_explain(loaded, columns, proba)
    else:
        predictions, probabilities = loaded.predict_columns(columns, proba)
    payload = {"predictions": predictions.tolist()}
    if probabilities is not None:
        payload["probabilities"] = probabilities.tolist()
        payload["classes"] = loaded.classes.tolist()
    body = json.dumps(payload, separators=(",", ":")).encode()
    return explaining.append_explanations(body, texts) if explain else body


async def _score_async(loaded, columns, proba):
    n_rows = len(next(iter(columns.values())))
    if n_rows >= THREADPOOL_MIN_ROWS:
        body = await run_in_threadpool(_score, loaded, columns, proba)
    else:
        body = _score(loaded, columns, proba)
    return Response(body, media_type="application/json")


def _error_body(exc):
    return json.dumps({"error_code": exc.error_code, "message": exc.message}).encode()


_INTERNAL_ERROR = json.dumps(
    {"error_code": "INTERNAL_ERROR", "message": "internal error while scoring; see the logs"}
).encode()


def error_response(exc):
    """MLflow's error body: ``{"error_code": ..., "message": ...}`` with the 4xx status."""
    return JSONResponse(
        {"error_code": exc.error_code, "message": exc.message}, status_code=exc.status_code
    )


def _validation_error(request, exc):
    """A body that does not match /predict's schema: the documented error body, not FastAPI's."""
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    more = len(exc.errors()) - len(problems)
    message = "; ".join(problems) + (f"; and {more} more" if more > 0 else "")
    return error_response(SchemaError(f"the request does not match the model's input: {message}"))


def _internal_error():
    return Response(_INTERNAL_ERROR, status_code=500, media_type="application/json")


def _query_flag(query_string, name):
    if not query_string:
        return False
    values = parse_qs(query_string, keep_blank_values=True).get(name)
    if not values:
        return False
    value = values[-1]
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise RequestError(f"query parameter {name!r} must be true or false; got {value!r}")


def _check_rows(columns, max_rows):
    n_rows = len(next(iter(columns.values()))) if columns else 0
    if n_rows > max_rows:
        raise RequestError(
            f"the request has {n_rows} rows, more than the limit of {max_rows}; split it into "
            "smaller requests or use `cartflow predict` for batch scoring",
            status_code=413,
        )


def _too_large(size, limit):
    return RequestError(
        f"the request body ({size} bytes or more) is over the limit of {limit} bytes",
        status_code=413,
    )


class _BodyLimitMiddleware:
    """Reject bodies over the limit on every route (413), before any parsing."""

    def __init__(self, app, max_body_bytes):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        for key, value in scope["headers"]:
            if key == b"content-length":
                if not value.isdigit():
                    return await error_response(RequestError("invalid Content-Length header"))(
                        scope, receive, send
                    )
                if int(value) > self.max_body_bytes:
                    exc = _too_large(int(value), self.max_body_bytes)
                    return await error_response(exc)(scope, receive, send)
                return await self.app(scope, receive, send)
        # no Content-Length (chunked upload): count the bytes as they arrive; past the limit the
        # app sees a disconnect, its own answer is dropped and the client gets our 413
        received, started, too_large = 0, False, False

        async def counting_receive():
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                too_large = True
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if too_large and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            exc = _too_large(received, self.max_body_bytes)
            await error_response(exc)(scope, receive, send)


# --------------------------------------------------------------------------- typed endpoint
def _field_type(kind):
    from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

    return {
        "string": StrictStr,
        "long": StrictInt,
        "integer": StrictInt,
        "double": StrictFloat | StrictInt,
        "float": StrictFloat | StrictInt,
        "boolean": StrictBool,
    }[kind]


def _add_typed_endpoint(app, loaded, max_rows):
    from pydantic import BaseModel, ConfigDict, Field, create_model

    signature = loaded.signature
    fields, names = {}, {}
    for i, spec in enumerate(signature.columns):
        field_name = spec.name if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", spec.name) else f"c{i}"
        if field_name in ("model_config", "model_fields", "copy", "json", "dict", "schema"):
            field_name = f"c{i}"
        names[field_name] = spec.name
        default = ... if spec.required else None
        fields[field_name] = (_field_type(spec.type) | None, Field(default, alias=spec.name))
    row_model = create_model(
        "ModelInputRow",
        __config__=ConfigDict(extra="forbid", populate_by_name=True),
        **fields,
    )
    examples = loaded.example_records()
    request_model = create_model(
        "PredictRequest",
        __config__=ConfigDict(
            extra="forbid",
            json_schema_extra={"examples": [{"rows": examples, "proba": False}]}
            if examples
            else None,
        ),
        rows=(list[row_model], Field(min_length=1, max_length=max_rows)),
        proba=(bool, False),
    )

    class PredictResponse(BaseModel):
        predictions: list
        probabilities: list[list[float]] | None = None
        classes: list | None = None

    async def predict(body: request_model):  # type: ignore[valid-type]
        """Score rows typed by the model's signature (see the example below)."""
        try:
            columns = {
                column: [getattr(row, field) for row in body.rows]
                for field, column in names.items()
            }
            columns = signature.validate_columns(columns)
            return await _score_async(loaded, columns, body.proba)
        except RequestError as exc:
            return error_response(exc)
        except Exception:
            logger.exception("unexpected error while scoring a request")
            return _internal_error()

    app.post("/predict", response_model=PredictResponse, responses={422: {}, 413: {}})(predict)


def create_app_from_env():
    """App factory for ``uvicorn --factory`` with several workers (settings from environment)."""
    model = os.environ.get(f"{ENV_PREFIX}MODEL")
    if not model:
        raise RuntimeError(f"set {ENV_PREFIX}MODEL to the model folder")
    app = create_app(
        model,
        max_body_bytes=int(os.environ.get(f"{ENV_PREFIX}MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
        max_rows=int(os.environ.get(f"{ENV_PREFIX}MAX_ROWS", DEFAULT_MAX_ROWS)),
    )
    tune_gc_for_serving()
    return app
