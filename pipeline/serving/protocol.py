"""Parsing of MLflow's scoring protocol into columns of values, without pandas.

A request body is JSON with exactly one of ``dataframe_split``, ``dataframe_records``,
``instances`` or ``inputs`` (and optional ``params``), or ``text/csv`` with a header row, or
Parquet. :func:`parse_request` returns ``({column: [values]}, params)``; every malformed input
raises :class:`~pipeline.serving.errors.RequestError` with the status to answer.
"""

import csv
import io
import json

from pipeline.serving.errors import RequestError

INPUT_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
CONTENT_TYPE_JSON = "application/json"
CONTENT_TYPE_CSV = "text/csv"
CONTENT_TYPE_PARQUET = "application/vnd.apache.parquet"
CONTENT_TYPES = (CONTENT_TYPE_JSON, CONTENT_TYPE_CSV, CONTENT_TYPE_PARQUET)
KNOWN_PARAMS = {"proba": bool, "explain": bool}
PARQUET_MAX_EXPANSION = 50


def _too_many_rows(n_rows, max_rows):
    raise RequestError(
        f"the request has {n_rows} rows, more than the limit of {max_rows}; split it into "
        "smaller requests or use `cartflow predict` for batch scoring",
        status_code=413,
    )


def _reject_constant(name):
    if name == "NaN":
        return None  # MLflow's clients write missing numbers as NaN
    raise RequestError(f"malformed JSON: {name} is not a valid number")


def parse_content_type(content_type):
    """Split a Content-Type header into its media type; reject what we cannot read (415)."""
    if not content_type:
        raise RequestError(
            f"missing Content-Type header; use one of {list(CONTENT_TYPES)}", status_code=415
        )
    media, *parameters = (part.strip() for part in content_type.split(";"))
    media = media.lower()
    if media not in CONTENT_TYPES:
        raise RequestError(
            f"unsupported content type {content_type!r}; use one of {list(CONTENT_TYPES)}",
            status_code=415,
        )
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset":
            raise RequestError(f"unsupported content type parameter {key!r}", status_code=415)
        if value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestError("only the utf-8 charset is supported", status_code=415)
    return media


def parse_request(body, content_type, max_rows=None):
    """Parse a request body into columns and params.

    Parameters
    ----------
    body : bytes
    content_type : str
        The Content-Type header.
    max_rows : int, optional
        Reject (413) Parquet bodies with more rows before decoding them.

    Returns
    -------
    columns : dict of str to list
        Columns of JSON values (``None`` is missing); for CSV, columns of text.
    params : dict
        The validated ``params`` (only JSON bodies carry them).
    is_text : bool
        True when the values are still text (CSV) and need typed parsing.
    """
    media = parse_content_type(content_type)
    if media == CONTENT_TYPE_CSV:
        return parse_csv(body), {}, True
    if media == CONTENT_TYPE_PARQUET:
        return parse_parquet(body, max_rows), {}, False
    return (*parse_json(body), False)


def parse_json(body):
    """Parse a JSON body of MLflow's scoring protocol into ``(columns, params)``."""
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except RequestError:
        raise
    except (ValueError, RecursionError) as exc:
        raise RequestError(f"malformed JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(
            f"the JSON body must be an object with exactly one of {list(INPUT_KEYS)}; "
            f"got a JSON {type(payload).__name__}"
        )
    keys = [k for k in payload if k in INPUT_KEYS]
    others = [k for k in payload if k not in INPUT_KEYS and k != "params"]
    if len(keys) != 1 or others:
        raise RequestError(
            f"the JSON body must have exactly one of {list(INPUT_KEYS)} (and optionally "
            f"'params'); got the keys {list(payload)}"
        )
    key = keys[0]
    data = payload[key]
    if key == "dataframe_split":
        columns = _from_split(data)
    elif key == "dataframe_records":
        columns = _from_records(data, key)
    else:
        columns = _from_tf_serving(data, key)
    return columns, parse_params(payload.get("params"))


def parse_params(params):
    """Validate the ``params`` object (``proba`` and ``explain``: bool)."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise RequestError(f"'params' must be an object; got {type(params).__name__}")
    for name, value in params.items():
        kind = KNOWN_PARAMS.get(name)
        if kind is None:
            raise RequestError(f"unknown param {name!r}; supported params: {list(KNOWN_PARAMS)}")
        if type(value) is not kind:
            raise RequestError(f"param {name!r} must be a {kind.__name__}; got {value!r}")
    return params


def _from_split(data):
    if not isinstance(data, dict):
        raise RequestError("'dataframe_split' must be an object with 'columns' and 'data'")
    unknown = set(data) - {"columns", "data", "index"}
    if unknown:
        raise RequestError(f"'dataframe_split' has unknown keys {sorted(unknown)}")
    columns, rows = data.get("columns"), data.get("data")
    if not isinstance(columns, list) or not all(type(c) is str for c in columns):
        raise RequestError("'dataframe_split.columns' must be a list of column names")
    if not isinstance(rows, list):
        raise RequestError("'dataframe_split.data' must be a list of rows")
    if len(set(columns)) != len(columns):
        raise RequestError(f"'dataframe_split.columns' has duplicate names: {columns}")
    if rows and (set(map(type, rows)) != {list} or set(map(len, rows)) != {len(columns)}):
        bad = next(i for i, r in enumerate(rows) if type(r) is not list or len(r) != len(columns))
        raise RequestError(
            f"'dataframe_split.data' row {bad} must be a list of {len(columns)} values "
            f"(one per column)"
        )
    if not rows:
        return {name: [] for name in columns}
    return dict(zip(columns, zip(*rows)))


def _from_records(records, key):
    if not isinstance(records, list):
        raise RequestError(f"'{key}' must be a list of objects (one per row)")
    if records and set(map(type, records)) != {dict}:
        bad = next(i for i, r in enumerate(records) if type(r) is not dict)
        raise RequestError(f"'{key}' row {bad} must be an object keyed by column name")
    names = list(dict.fromkeys(k for r in records[:1] for k in r))
    extra = set().union(*records) - set(names) if records else set()
    names.extend(sorted(extra, key=str))
    return {name: [r.get(name) for r in records] for name in names}


def _from_tf_serving(data, key):
    if isinstance(data, list):
        return _from_records(data, key)
    if not isinstance(data, dict):
        raise RequestError(
            f"'{key}' must be a list of objects (rows) or an object of columns; "
            f"got {type(data).__name__}"
        )
    if all(isinstance(v, list) for v in data.values()):
        return {name: values for name, values in data.items()}
    if any(isinstance(v, list | dict) for v in data.values()):
        raise RequestError(
            f"'{key}' as an object must map every column to a list of values (columns) "
            "or every column to one value (a single row)"
        )
    return {name: [value] for name, value in data.items()}


def parse_csv(body):
    """Parse a CSV body with a header row into columns of text (``""`` is missing)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestError(f"the CSV body is not valid utf-8: {exc}") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RequestError(f"malformed CSV: {exc}") from None
    rows = [r for r in rows if r]
    if not rows:
        raise RequestError("the CSV body is empty; send a header row and at least one data row")
    header, data = rows[0], rows[1:]
    if len(set(header)) != len(header):
        raise RequestError(f"the CSV header has duplicate column names: {header}")
    for i, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise RequestError(
                f"CSV line {i} has {len(row)} fields but the header has {len(header)}"
            )
    if not data:
        return {name: [] for name in header}
    return dict(zip(header, map(list, zip(*data))))


def parse_parquet(body, max_rows=None):
    """Parse a Parquet body into columns of Python values.

    Sizes are checked before any Python object is made: more than ``max_rows`` rows (from the
    metadata), or a decoded size far beyond the body's own (a decompression bomb: text columns
    are read dictionary-encoded and their expanded length summed), is refused with 413.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    limit = PARQUET_MAX_EXPANSION * len(body) + 1_000_000
    try:
        file = pq.ParquetFile(pa.BufferReader(body))
        n_rows = file.metadata.num_rows
        if max_rows is not None and n_rows > max_rows:
            _too_many_rows(n_rows, max_rows)
        schema = file.schema_arrow
        text = [
            f.name
            for f in schema
            if pa.types.is_string(f.type)
            or pa.types.is_binary(f.type)
            or pa.types.is_large_string(f.type)
            or pa.types.is_large_binary(f.type)
        ]
        if n_rows * 8 * len(schema) > limit:
            _too_large_decoded(n_rows * 8 * len(schema), len(body))
        table = pq.ParquetFile(pa.BufferReader(body), read_dictionary=text).read()
        decoded = n_rows * 8 * len(schema)
        for name in text:
            for chunk in table.column(name).chunks:
                lengths = pc.binary_length(chunk.dictionary).take(chunk.indices)
                decoded += pc.sum(lengths).as_py() or 0
        if decoded > limit:
            _too_large_decoded(decoded, len(body))
    except RequestError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise RequestError(f"malformed Parquet body: {exc}") from None
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        values = column.to_pylist()
        columns[name] = [None if isinstance(v, float) and v != v else v for v in values]
    return columns


def _too_large_decoded(decoded, size):
    raise RequestError(
        f"the Parquet body decodes to about {decoded} bytes, too much for its {size} bytes; "
        "send smaller requests",
        status_code=413,
    )
