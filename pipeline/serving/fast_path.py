"""A fast scoring path: the fitted pipeline's state applied to columns without pandas.

:func:`build_fast_transform` reads the fitted state of a ``Pipeline`` of a ``ColumnTransformer``
(imputers, encoders, scalers, passthrough) and returns a :class:`FastTransform` that turns
validated columns (``{name: list}``, ``None`` missing) into the numeric matrix the final estimator
was fitted on, with the same arithmetic as the transformers' own ``transform``. Anything it does
not recognise makes the builder return ``None`` (the caller then uses the pandas path), and a
value it cannot handle exactly raises :class:`FallbackNeeded` at score time.

The attributes read are scikit-learn's names, which our transformers share (duck typing).
"""

import math
from itertools import repeat

import numpy as np

from pipeline.serving.errors import SchemaError

ROW_PATH_MAX_ROWS = 8
_NAN = float("nan")


class FallbackNeeded(Exception):
    """This input needs the reference (pandas) path."""


class Unsupported(Exception):
    """The fitted pipeline holds a step the fast path does not reproduce."""


# A column travelling through the steps: ("num", float64 ndarray) or ("obj", list, None missing);
# an encoder's output is kept as one ("mat", 2-D float64 block) until a later step needs columns.
NUM, OBJ, MAT = "num", "obj", "mat"


def _expand(columns):
    """Split ("mat", block) entries into single numeric columns."""
    if all(kind != MAT for kind, _ in columns):
        return columns
    out = []
    for kind, values in columns:
        if kind == MAT:
            out.extend((NUM, values[:, k].copy()) for k in range(values.shape[1]))
        else:
            out.append((kind, values))
    return out


def _numeric_block(columns):
    """One (n, k) float block when every column is numeric, else None."""
    if len(columns) == 1 and columns[0][0] == MAT:
        return columns[0][1]
    if all(kind == NUM for kind, _ in columns):
        return np.column_stack([values for _, values in columns])
    return None


def _is_nan(value):
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _as_num(column, where):
    kind, values = column
    if kind == NUM:
        return values
    if any(isinstance(v, str) for v in values):
        raise Unsupported(f"{where} receives text values")
    return np.array(values, dtype=np.float64)


# --------------------------------------------------------------------------- steps
class _Imputer:
    def __init__(self, est):
        if getattr(est, "add_indicator", False):
            raise Unsupported("SimpleImputer(add_indicator=True)")
        if not _is_nan(getattr(est, "missing_values", np.nan)):
            raise Unsupported("SimpleImputer with a non-NaN missing_values")
        stats = list(np.asarray(est.statistics_, dtype=object))
        if any(_is_nan(s) for s in stats):
            raise Unsupported("SimpleImputer with an all-missing column")
        self.stats = [s.item() if isinstance(s, np.generic) else s for s in stats]
        numeric = not any(isinstance(s, str) for s in self.stats)
        self.numeric_stats = np.array(self.stats, dtype=np.float64) if numeric else None

    def __call__(self, columns):
        block = _numeric_block(columns) if self.numeric_stats is not None else None
        if block is not None:
            if block.shape[1] != len(self.stats):
                raise Unsupported("SimpleImputer width mismatch")
            return [(MAT, np.where(np.isnan(block), self.numeric_stats, block))]
        columns = _expand(columns)
        if len(columns) != len(self.stats):
            raise Unsupported("SimpleImputer width mismatch")
        out = []
        for (kind, values), stat in zip(columns, self.stats):
            if kind == NUM:
                if isinstance(stat, str):
                    raise Unsupported("text statistic for a numeric column")
                filled = values.copy()
                filled[np.isnan(filled)] = stat
                out.append((NUM, filled))
            elif None in values:
                out.append((OBJ, [stat if v is None else v for v in values]))
            else:
                out.append((OBJ, values))
        return out

    def row(self, values):
        return [stat if v is None or v != v else v for v, stat in zip(values, self.stats)]


class _StandardScaler:
    def __init__(self, est):
        self.mean = None if not getattr(est, "with_mean", True) else est.mean_
        self.scale = None if not getattr(est, "with_std", True) else est.scale_
        self.mean_list = None if self.mean is None else np.asarray(self.mean, float).tolist()
        self.scale_list = None if self.scale is None else np.asarray(self.scale, float).tolist()

    def __call__(self, columns):
        block = _numeric_block(columns)
        if block is not None:
            x = block.copy()
            if self.mean is not None:
                x -= self.mean
            if self.scale is not None:
                x /= self.scale
            return [(MAT, x)]
        columns = _expand(columns)
        out = []
        for j, column in enumerate(columns):
            x = _as_num(column, "StandardScaler").copy()
            if self.mean is not None:
                x -= self.mean[j]
            if self.scale is not None:
                x /= self.scale[j]
            out.append((NUM, x))
        return out

    def row(self, values):
        out = []
        for j, v in enumerate(values):
            if type(v) is not float:
                raise Unsupported("StandardScaler receives text values")
            if self.mean is not None:
                v = v - self.mean_list[j]
            if self.scale is not None:
                v = v / self.scale_list[j]
            out.append(v)
        return out


class _MinMaxScaler:
    def __init__(self, est):
        self.scale, self.min = est.scale_, est.min_
        self.clip = est.feature_range if getattr(est, "clip", False) else None
        self.pairs = list(
            zip(np.asarray(self.scale, float).tolist(), np.asarray(self.min, float).tolist())
        )

    def __call__(self, columns):
        block = _numeric_block(columns)
        if block is not None:
            x = block * self.scale
            x += self.min
            if self.clip is not None:
                np.clip(x, self.clip[0], self.clip[1], out=x)
            return [(MAT, x)]
        columns = _expand(columns)
        out = []
        for j, column in enumerate(columns):
            x = _as_num(column, "MinMaxScaler") * self.scale[j]
            x += self.min[j]
            if self.clip is not None:
                x = np.clip(x, self.clip[0], self.clip[1])
            out.append((NUM, x))
        return out

    def row(self, values):
        out = []
        for v, (scale, shift) in zip(values, self.pairs):
            if type(v) is not float:
                raise Unsupported("MinMaxScaler receives text values")
            v = v * scale + shift
            if self.clip is not None and v == v:
                v = min(max(v, float(self.clip[0])), float(self.clip[1]))
            out.append(v)
        return out


def _category_lookup(categories):
    """(dict category -> index, index of the NaN category or None)."""
    cats = list(categories)
    nan_index = len(cats) - 1 if cats and _is_nan(cats[-1]) else None
    lookup = {}
    for i, c in enumerate(cats):
        if not _is_nan(c):
            lookup[c.item() if isinstance(c, np.generic) else c] = i
    return lookup, nan_index


def _codes(column, lookup, nan_index):
    """Category index per value: -1 unknown; missing maps to the NaN category if learnt."""
    kind, values = column
    missing_code = -1 if nan_index is None else nan_index
    if kind == NUM:
        missing = np.isnan(values)
        values = values.tolist()
    else:
        missing = None
    n = len(values)
    codes = np.fromiter(map(lookup.get, values, repeat(-1, n)), dtype=np.intp, count=n)
    if kind == OBJ:
        missing_rows = [i for i, v in enumerate(values) if v is None] if None in values else []
        codes[missing_rows] = missing_code
    else:
        codes[missing] = missing_code
    return codes


class _OneHotEncoder:
    def __init__(self, est):
        # scikit-learn's sparse output holds the same values as the dense block built here
        try:
            infrequent = est.infrequent_categories_
        except AttributeError:
            infrequent = None
        if infrequent is not None and any(i is not None for i in infrequent):
            raise Unsupported("OneHotEncoder with infrequent categories")
        self.handle_unknown = est.handle_unknown
        self.dtype = np.dtype(getattr(est, "dtype", np.float64))
        drop_idx = getattr(est, "drop_idx_", None)
        self.columns = []  # per input column: (lookup, nan_index, width, out_index per code)
        self.row_columns = []
        for j, cats in enumerate(est.categories_):
            lookup, nan_index = _category_lookup(cats)
            dropped = None if drop_idx is None else drop_idx[j]
            out_index = np.arange(len(cats))
            if dropped is not None:
                out_index = np.where(out_index > dropped, out_index - 1, out_index)
                out_index[dropped] = -1
            width = len(cats) - (dropped is not None)
            self.columns.append((lookup, nan_index, width, out_index))
            self.row_columns.append((lookup, nan_index, width, out_index.tolist()))
        # every column's output positions in one array: code + code_base[j] -> output column
        widths = [c[2] for c in self.columns]
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.intp)
        self.code_base = np.concatenate(
            [[0], np.cumsum([len(c[3]) for c in self.columns])[:-1]]
        ).astype(np.intp)
        self.global_out = np.concatenate(
            [np.where(c[3] >= 0, c[3] + start, -1) for c, start in zip(self.columns, starts)]
            + [np.array([-1])]
        ).astype(np.intp)
        self.unknown_slot = len(self.global_out) - 1
        self.width = int(sum(widths))
        self.feature_names = getattr(est, "feature_names_in_", None)

    def __call__(self, columns):
        columns = _expand(columns)
        if len(columns) != len(self.columns):
            raise Unsupported("OneHotEncoder width mismatch")
        codes = [
            _codes(column, lookup, nan_index)
            for column, (lookup, nan_index, _, _) in zip(columns, self.columns)
        ]
        return self.from_codes(codes, columns)

    def from_codes(self, all_codes, columns):
        """The one-hot block from each column's category indices (-1: unknown)."""
        n_rows = len(all_codes[0]) if all_codes else 0
        flat = np.empty((n_rows, len(self.columns)), dtype=np.intp)
        for j, codes in enumerate(all_codes):
            unknown = codes < 0
            if unknown.any():
                if self.handle_unknown == "error":
                    values = columns[j][1]
                    bad = [values[i] for i in np.flatnonzero(unknown)[:10]]
                    name = self.feature_names[j] if self.feature_names is not None else f"#{j}"
                    raise SchemaError(
                        f"unknown categories {bad} in column {name!r}; the model was trained "
                        "with handle_unknown='error' and cannot score them"
                    )
                codes = np.where(unknown, self.unknown_slot - self.code_base[j], codes)
            flat[:, j] = codes + self.code_base[j]
        targets = self.global_out[flat]
        block = np.zeros((n_rows, self.width), dtype=self.dtype)
        rows, cols = np.nonzero(targets >= 0)
        block[rows, targets[rows, cols]] = 1
        return [(MAT, block.astype(np.float64, copy=False))]

    def row(self, values):
        out = []
        for j, (v, (lookup, nan_index, width, out_index)) in enumerate(
            zip(values, self.row_columns)
        ):
            code = nan_index if v is None or v != v else lookup.get(v)
            block = [0.0] * width
            if code is None:
                if self.handle_unknown == "error":
                    name = self.feature_names[j] if self.feature_names is not None else f"#{j}"
                    raise SchemaError(
                        f"unknown categories {[v]} in column {name!r}; the model was trained "
                        "with handle_unknown='error' and cannot score them"
                    )
            elif out_index[code] >= 0:
                block[out_index[code]] = 1.0
            out.extend(block)
        return out


class _ImputedOneHot:
    """A text imputer followed by a one-hot encoder, as one dictionary lookup per value."""

    def __init__(self, imputer, encoder):
        self.imputer, self.encoder = imputer, encoder
        self.lookups = []
        for stat, (lookup, _, _, _) in zip(imputer.stats, encoder.columns):
            fused = dict(lookup)
            fused[None] = lookup.get(stat, -1)
            self.lookups.append(fused)

    def __call__(self, columns):
        columns = _expand(columns)
        if len(columns) != len(self.lookups) or any(kind != OBJ for kind, _ in columns):
            return self.encoder(self.imputer(columns))
        n = len(columns[0][1])
        codes = [
            np.fromiter(map(lookup.get, values, repeat(-1, n)), dtype=np.intp, count=n)
            for (_, values), lookup in zip(columns, self.lookups)
        ]
        return self.encoder.from_codes(codes, columns)

    def row(self, values):
        return self.encoder.row(self.imputer.row(values))


def _fuse(chain):
    """Replace (text imputer, one-hot encoder) pairs by :class:`_ImputedOneHot`."""
    fused = []
    for step in chain:
        previous = fused[-1] if fused else None
        if (
            isinstance(step, _OneHotEncoder)
            and isinstance(previous, _Imputer)
            and previous.numeric_stats is None
            and all(isinstance(s, str) for s in previous.stats)
            and len(previous.stats) == len(step.columns)
        ):
            fused[-1] = _ImputedOneHot(previous, step)
        else:
            fused.append(step)
    return fused


class _OrdinalEncoder:
    def __init__(self, est):
        self.handle_unknown = est.handle_unknown
        self.unknown_value = est.unknown_value
        self.encoded_missing_value = est.encoded_missing_value
        self.columns = [_category_lookup(cats) for cats in est.categories_]

    def __call__(self, columns):
        columns = _expand(columns)
        out = []
        for column, (lookup, nan_index) in zip(columns, self.columns):
            codes = _codes(column, lookup, nan_index)
            values = codes.astype(np.float64)
            unknown = codes < 0
            if unknown.any():
                if self.handle_unknown == "error":
                    raise FallbackNeeded  # the reference path raises its own message
                values[unknown] = self.unknown_value
            if nan_index is not None:
                values[codes == nan_index] = self.encoded_missing_value
            out.append((NUM, values))
        return out

    def row(self, values):
        out = []
        for v, (lookup, nan_index) in zip(values, self.columns):
            code = nan_index if v is None or v != v else lookup.get(v)
            if code is None:
                if self.handle_unknown == "error":
                    raise FallbackNeeded
                out.append(float(self.unknown_value))
            elif code == nan_index:
                out.append(float(self.encoded_missing_value))
            else:
                out.append(float(code))
        return out


class _Passthrough:
    def __call__(self, columns):
        block = _numeric_block(columns)
        if block is not None:
            return [(MAT, block)]
        columns = _expand(columns)
        return [(NUM, _as_num(c, "passthrough")) if c[0] == NUM else c for c in columns]

    def row(self, values):
        return values


def _function_transformer(est):
    if getattr(est, "func", None) is not None or getattr(est, "validate", False):
        raise Unsupported("FunctionTransformer with a function")
    return _Passthrough()


_STEP_BUILDERS = {
    "SimpleImputer": _Imputer,
    "StandardScaler": _StandardScaler,
    "MinMaxScaler": _MinMaxScaler,
    "OneHotEncoder": _OneHotEncoder,
    "OrdinalEncoder": _OrdinalEncoder,
    "FunctionTransformer": _function_transformer,
}


def _build_chain(est):
    """A list of column -> column callables reproducing ``est.transform``."""
    if est is None or (isinstance(est, str) and est == "passthrough"):
        return [_Passthrough()]
    if hasattr(est, "steps"):
        chain = []
        for _, step in est.steps:
            chain.extend(_build_chain(step))
        return chain
    builder = _STEP_BUILDERS.get(type(est).__name__)
    if builder is None:
        raise Unsupported(f"step {type(est).__name__}")
    return [builder(est)]


class _ColumnTransformer:
    def __init__(self, est, input_names):
        if getattr(est, "transformer_weights", None):
            raise Unsupported("ColumnTransformer with transformer_weights")
        names_in = getattr(est, "feature_names_in_", None)
        names_in = list(names_in) if names_in is not None else list(input_names)
        self.groups = []
        for _, trans, cols in est.transformers_:
            if isinstance(trans, str) and trans == "drop":
                continue
            selected = _resolve_columns(cols, names_in)
            if not selected:
                continue
            self.groups.append((selected, _fuse(_build_chain(trans))))

    def __call__(self, named):
        out = []
        for selected, chain in self.groups:
            columns = [named[name] for name in selected]
            for step in chain:
                columns = step(columns)
            out.extend(columns)
        return out

    def row(self, named):
        out = []
        for selected, chain in self.groups:
            values = [named[name] for name in selected]
            for step in chain:
                values = step.row(values)
            out.extend(values)
        return out


def _resolve_columns(cols, names_in):
    if isinstance(cols, str | int | np.integer):
        cols = [cols]
    if isinstance(cols, slice) or callable(cols):
        raise Unsupported("column selection by slice or callable")
    cols = list(cols)
    if cols and all(isinstance(c, bool | np.bool_) for c in cols):
        return [n for n, keep in zip(names_in, cols) if keep]
    resolved = []
    for c in cols:
        if isinstance(c, int | np.integer):
            resolved.append(names_in[int(c)])
        elif isinstance(c, str):
            resolved.append(c)
        else:
            raise Unsupported(f"column selector {c!r}")
    return resolved


# --------------------------------------------------------------------------- public
class FastTransform:
    """Columns -> the final estimator's numeric input, from a fitted pipeline's state.

    Use :func:`build_fast_transform` to create one.
    """

    def __init__(self, first, chain, signature):
        self._first = first
        self._chain = chain
        self._signature = signature
        self._kinds = {s.name: ("num" if s.is_numeric else s.type) for s in signature.columns}

    def transform(self, columns):
        """The matrix the final estimator sees, from columns validated against the signature.

        Parameters
        ----------
        columns : dict of str to list or ndarray
            Every signature column; text columns hold ``str`` or ``None``, numeric columns
            numbers or ``None`` (or float arrays with NaN).

        Returns
        -------
        numpy.ndarray of shape (n_rows, n_features), float64, C-contiguous
        """
        n_rows = len(columns[self._signature.names[0]])
        if n_rows <= ROW_PATH_MAX_ROWS:
            return self.transform_rows(columns, n_rows)
        return self.transform_columns(columns)

    def transform_rows(self, columns, n_rows):
        """Pure-Python row by row: cheaper than numpy calls per column for a few rows."""
        kinds = self._kinds
        if "boolean" in kinds:
            raise FallbackNeeded
        rows = []
        for i in range(n_rows):
            named = {}
            for name, kind in kinds.items():
                v = columns[name][i]
                if kind == "num":
                    v = _NAN if v is None else float(v)
                named[name] = v
            values = (
                self._first.row(named)
                if self._first is not None
                else [named[name] for name in self._signature.names]
            )
            for step in self._chain:
                values = step.row(values)
            rows.append(values)
        try:
            return np.array(rows, dtype=np.float64)
        except (TypeError, ValueError):
            raise FallbackNeeded from None

    def transform_columns(self, columns):
        """Column by column with numpy (any number of rows); see :meth:`transform`."""
        named = {}
        numeric = [name for name, kind in self._kinds.items() if kind == "num"]
        if numeric:
            block = np.array([columns[name] for name in numeric], dtype=np.float64)
            named.update((name, (NUM, block[i])) for i, name in enumerate(numeric))
        for name, kind in self._kinds.items():
            if kind == "boolean":
                raise FallbackNeeded
            if kind != "num":
                named[name] = (OBJ, columns[name])
        if self._first is None:
            out = [named[name] for name in self._signature.names]
        else:
            out = self._first(named)
        for step in self._chain:
            out = step(out)
        if not out:
            raise Unsupported("no output columns")
        widths = [v.shape[1] if kind == MAT else 1 for kind, v in out]
        matrix = np.empty((len(out[0][1]), sum(widths)), dtype=np.float64)
        start = 0
        for (kind, values), width in zip(out, widths):
            if kind == MAT:
                matrix[:, start : start + width] = values
            else:
                matrix[:, start] = _as_num((kind, values), "the final estimator")
            start += width
        return matrix


def build_fast_transform(model, signature):
    """A :class:`FastTransform` for ``model`` (a fitted pipeline), or None if unsupported.

    Parameters
    ----------
    model : Pipeline-like
        Has ``steps``; the last step is the final estimator.
    signature : Signature

    Returns
    -------
    FastTransform or None
    """
    steps = getattr(model, "steps", None)
    if not steps:
        return None
    try:
        transformers = [est for _, est in steps[:-1] if est is not None and est != "passthrough"]
        first = None
        if transformers and hasattr(transformers[0], "transformers_"):
            first = _ColumnTransformer(transformers[0], signature.names)
            transformers = transformers[1:]
        chain = []
        for est in transformers:
            chain.extend(_build_chain(est))
    except (Unsupported, AttributeError, TypeError, IndexError):
        return None
    return FastTransform(first, chain, signature)
