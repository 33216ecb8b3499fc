"""The model's input signature (MLflow's column spec) and validation of columns against it.

Columns travel as ``{name: list_of_values}``; ``None`` is a missing value in any column (the
model's imputers fill it). Validation is done on whole columns with C-level set operations so it
stays cheap for small requests.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipeline.serving.errors import SchemaError

NUMERIC_TYPES = ("long", "integer", "double", "float")
SUPPORTED_TYPES = (*NUMERIC_TYPES, "string", "boolean")

_NONE = type(None)
_ALLOWED_PYTHON_TYPES = {
    "long": {int, float, _NONE},
    "integer": {int, float, _NONE},
    "double": {int, float, _NONE},
    "float": {int, float, _NONE},
    "string": {str, _NONE},
    "boolean": {bool, _NONE},
}
_JSON_NAMES = {
    int: "integer",
    float: "number",
    str: "string",
    bool: "boolean",
    list: "array",
    dict: "object",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name, MLflow type and whether a request must contain it."""

    name: str
    type: str
    required: bool = True

    @property
    def is_numeric(self):
        return self.type in NUMERIC_TYPES

    @property
    def is_integer(self):
        return self.type in ("long", "integer")


class Signature:
    """The ordered input columns a model expects.

    Parameters
    ----------
    columns : sequence of ColumnSpec
    """

    def __init__(self, columns):
        self.columns = tuple(columns)
        self.names = [c.name for c in self.columns]
        self.by_name = {c.name: c for c in self.columns}
        if not self.columns:
            raise ValueError("a signature needs at least one input column")
        if len(self.by_name) != len(self.columns):
            raise ValueError(f"duplicate column names in the signature: {self.names}")

    @classmethod
    def from_mlflow(cls, inputs):
        """Build from MLflow's ``signature.inputs``: a JSON string or a list of column specs."""
        if isinstance(inputs, str):
            try:
                inputs = json.loads(inputs)
            except json.JSONDecodeError as exc:
                raise ValueError(f"signature inputs are not valid JSON: {exc}") from exc
        if not isinstance(inputs, list) or not inputs:
            raise ValueError("signature inputs must be a non-empty list of column specs")
        columns = []
        for spec in inputs:
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise ValueError(
                    f"every signature input needs a 'name' (a column-based signature); got {spec!r}"
                )
            kind = spec.get("type")
            if kind not in SUPPORTED_TYPES:
                raise ValueError(
                    f"column {spec['name']!r} has type {kind!r}; supported: {SUPPORTED_TYPES}"
                )
            columns.append(ColumnSpec(spec["name"], kind, bool(spec.get("required", True))))
        return cls(columns)

    def to_mlflow(self):
        """MLflow's JSON column spec list."""
        return [{"name": c.name, "type": c.type, "required": c.required} for c in self.columns]

    def check_names(self, names):
        """Raise SchemaError when ``names`` has unknown, duplicate or missing required columns."""
        names = list(names)
        seen = set(names)
        problems = []
        if len(seen) != len(names):
            counts = Counter(names)
            dupes = sorted((n for n, k in counts.items() if k > 1), key=str)
            problems.append(f"duplicate columns {_preview(dupes)}")
        unknown = [n for n in names if n not in self.by_name]
        if unknown:
            problems.append(f"unknown columns {_preview(unknown)}")
        missing = [c.name for c in self.columns if c.required and c.name not in seen]
        if missing:
            problems.append(f"missing columns {_preview(missing)}")
        if problems:
            raise SchemaError(
                "input columns do not match the model's signature: "
                + "; ".join(problems)
                + f". The model expects the columns {self.names}."
            )

    def validate_columns(self, columns):
        """Check names and value types; return the columns in signature order.

        Parameters
        ----------
        columns : dict of str to list
            Equal-length columns of JSON values (``None`` is missing).

        Returns
        -------
        dict of str to list
            Every signature column, in order; an absent optional column is all ``None``.
        """
        self.check_names(columns)
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise SchemaError(f"columns have different lengths {sorted(lengths)}")
        n_rows = lengths.pop() if lengths else 0
        if n_rows == 0:
            raise SchemaError("the input contains no rows; send at least one row to score")
        ordered = {}
        for spec in self.columns:
            values = columns.get(spec.name)
            if values is None:
                values = [None] * n_rows
            else:
                _check_values(spec, values)
            ordered[spec.name] = values
        return ordered

    def parse_text_columns(self, columns):
        """Convert columns of text (CSV fields, ``""`` is missing) to typed values."""
        self.check_names(columns)
        return {name: _parse_text(self.by_name[name], values) for name, values in columns.items()}

    def pandas_frame(self, columns):
        """A DataFrame of validated columns with the dtypes pandas gives when reading a CSV."""
        import pandas as pd

        data = {}
        for spec in self.columns:
            values = columns[spec.name]
            if spec.is_numeric:
                arr = np.array(values, dtype=np.float64)
                if spec.is_integer and not np.isnan(arr).any():
                    arr = arr.astype(np.int64)
                data[spec.name] = arr
            elif spec.type == "boolean":
                data[spec.name] = pd.array(values, dtype="boolean")
            else:
                data[spec.name] = pd.array(
                    [np.nan if v is None else v for v in values], dtype="str"
                )
        return pd.DataFrame(data)


def _preview(names, limit=20):
    """A list for an error message, cut to ``limit`` entries."""
    if len(names) <= limit:
        return repr(list(names))
    return repr(list(names[:limit]))[:-1] + f", ... {len(names) - limit} more]"


def _describe(value):
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _check_values(spec, values):
    if not isinstance(values, list | tuple | np.ndarray):
        raise SchemaError(f"column {spec.name!r} must be a list of values")
    allowed = _ALLOWED_PYTHON_TYPES[spec.type]
    kinds = set(map(type, values))
    if not kinds <= allowed:
        row, bad = next((i, v) for i, v in enumerate(values) if type(v) not in allowed)
        raise SchemaError(
            f"column {spec.name!r} has type {spec.type!r} but row {row} holds "
            f"{_describe(bad)} {_short(bad)}"
        )
    if float in kinds:
        for row, v in enumerate(values):
            if type(v) is float and (not math.isfinite(v) or spec.is_integer and v != int(v)):
                what = "a non-finite number" if not math.isfinite(v) else "a fractional number"
                raise SchemaError(
                    f"column {spec.name!r} has type {spec.type!r} but row {row} holds {what} {v!r}"
                )


def _parse_text(spec, values):
    if spec.type == "string":
        return [v if v != "" else None for v in values]
    out = []
    for row, text in enumerate(values):
        if text == "":
            out.append(None)
            continue
        try:
            if spec.type == "boolean":
                value = {"true": True, "false": False, "1": True, "0": False}[text.strip().lower()]
            elif spec.is_integer:
                try:
                    value = int(text)
                except ValueError:
                    value = float(text)
                    if not value.is_integer():
                        raise ValueError(text) from None
            else:
                value = float(text)
                if math.isnan(value):
                    value = None
                elif not math.isfinite(value):
                    raise ValueError(text)
        except (ValueError, KeyError):
            raise SchemaError(
                f"column {spec.name!r} has type {spec.type!r} but row {row} holds {_short(text)}"
            ) from None
        out.append(value)
    return out


def _short(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
