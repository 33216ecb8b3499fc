"""The JSON text of row explanations, assembled as bytes (the fast path of ``Explainer``).

A row's explanation is a fixed sequence of byte pieces, one per node on its path (the text of
the step into that node, up to its row value) and one for its leaf (the closing text), with
the row's value texts between them. The pieces are built once per model; a request encodes
each column once (``encode_numeric``, ``CategoryCodes``: a code per row into the texts of the
distinct values; ints are written by the loop itself) and one compiled loop picks each step's
variant and copies the bytes (``write_rows``). Measured on the Adult model
(500 rows, 7 steps a row, 303 KB): the previous version, numpy object arrays of str and one
join per row, spent 0.65 ms gathering and joining and 0.6 ms formatting values; this one
about 0.13 ms in the loop and 0.2 ms encoding the columns (benchmarks/README.md).
"""

import json
import threading

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_NONE = type(None)
CATEGORY_MEMO_LIMIT = 10_000  # distinct values remembered per categorical column


@intrinsic
def _copy_bytes(typingctx, out, out_at, source, source_at, count):
    """``out[out_at:out_at + count] = source[source_at:source_at + count]`` as one memcpy
    (an element loop measured 5-8 times slower on 300 KB of short pieces)."""

    def codegen(context, builder, signature, args):
        out_value, out_at_value, source_value, source_at_value, count_value = args
        out_array = context.make_array(signature.args[0])(context, builder, out_value)
        source_array = context.make_array(signature.args[2])(context, builder, source_value)
        destination = builder.gep(out_array.data, [out_at_value])
        origin = builder.gep(source_array.data, [source_at_value])
        cgutils.raw_memcpy(builder, destination, origin, count_value, 1)
        return context.get_dummy_value()

    return types.void(out, out_at, source, source_at, count), codegen


@njit(cache=True, nogil=True, inline="always")
def _write_int(out, pos, value, writing):
    """Writes ``str(value)`` at ``out[pos]`` (when ``writing``); returns its length."""
    negative = value < 0
    magnitude = -value if negative else value
    length = 1
    rest = magnitude // 10
    while rest > 0:
        length += 1
        rest //= 10
    length += 1 if negative else 0
    if writing:
        if negative:
            out[pos] = 45  # -
        end = pos + length - 1
        while True:
            out[end] = 48 + magnitude % 10
            magnitude //= 10
            end -= 1
            if magnitude == 0:
                break
    return length


@njit(cache=True, nogil=True)
def _grown(out, pos, need):
    """A copy of ``out[:pos]`` in an array twice as long (at least ``pos + need``); called
    only when ``out`` is full (a call passing arrays costs reference counting)."""
    grown = np.empty(max(2 * out.shape[0], pos + need), dtype=np.uint8)
    grown[:pos] = out[:pos]
    return grown


@njit(cache=True, nogil=True)
def _write_rows(leaves, depth, path_start, path_nodes, slot, checked, shown, left_op, codes,
                missing, numbers, written_ints, pieces, piece_start, piece_length, values,
                value_start, value_length, closing_base, capacity):  # fmt: skip
    n_nodes = depth.shape[0]
    out = np.empty(max(capacity, 2), dtype=np.uint8)
    out[0] = 91  # [
    pos = 1
    for r in range(leaves.shape[0]):
        leaf = leaves[r]
        after_missing = 0
        for i in range(path_start[leaf], path_start[leaf] + depth[leaf]):
            c = path_nodes[i]
            k = slot[c]
            if missing[k, r]:
                kind = 2
            elif checked[c] and (numbers[k, r] <= shown[c]) != left_op[c]:
                kind = 1  # between the shown and the exact threshold: show the exact one
            else:
                kind = 0
            p = (3 * after_missing + kind) * n_nodes + c
            if pos + piece_length[p] + 21 > out.shape[0]:  # 21: the longest int64
                out = _grown(out, pos, piece_length[p] + 21)
            _copy_bytes(out, pos, pieces, piece_start[p], piece_length[p])
            pos += piece_length[p]
            if kind != 2 and written_ints[k]:
                pos += _write_int(out, pos, codes[k, r], True)
            elif kind != 2:
                v = codes[k, r]
                if pos + value_length[v] > out.shape[0]:
                    out = _grown(out, pos, value_length[v])
                _copy_bytes(out, pos, values, value_start[v], value_length[v])
                pos += value_length[v]
            after_missing = 1 if kind == 2 else 0
        p = (closing_base + after_missing) * n_nodes + leaf
        if pos + piece_length[p] + 1 > out.shape[0]:
            out = _grown(out, pos, piece_length[p] + 1)
        _copy_bytes(out, pos, pieces, piece_start[p], piece_length[p])
        pos += piece_length[p]
    if pos == 1:  # no rows: "[]"
        pos = 2
    out[pos - 1] = 93  # ] in place of the last row's separator
    return out[:pos]


def byte_pool(texts):
    """ASCII texts as one byte array with each text's start and length."""
    joined = "".join(texts).encode("ascii")
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.intp)
    np.cumsum(lengths[:-1], out=starts[1:])
    return np.frombuffer(joined, dtype=np.uint8), starts, lengths


def write_rows(tables, leaves, codes, missing, numbers, written_ints, texts, closing_base):
    """The bytes ``[`` + each row's explanation, ended by its closing piece's separator,
    + ``]``; ``tables`` are the model's (see ``Explainer._prepare_json``). ``codes[k, r]``
    numbers row ``r``'s value of source ``k`` in ``texts``, or is the value itself where
    ``written_ints[k]`` (an int column, written here in decimal)."""
    t = tables
    capacity = int(t["bytes_per_row"] * len(leaves)) + 4096
    out = _write_rows(
        leaves, t["depth"], t["path_start"], t["path_nodes"], t["slot"], t["checked"],
        t["shown"], t["left_op"], codes, missing, numbers, written_ints, *t["pieces"],
        *byte_pool(texts), closing_base, capacity,
    )  # fmt: skip
    if len(leaves):  # the next request's first guess of its size
        t["bytes_per_row"] = max(t["bytes_per_row"], 1.1 * len(out) / len(leaves))
    return out.tobytes()


def _per_value(values):
    """Each value's code, JSON text and missing flag (the general case, value by value)."""
    na = _pd_na()
    values = list(values)
    missing = [v is None or v is na or bool(v != v) for v in values]
    texts = ["" if gone else json.dumps(v) for v, gone in zip(values, missing)]
    return np.arange(len(values), dtype=np.intp), texts, np.asarray(missing, dtype=bool)


def _pd_na():
    import pandas as pd

    return pd.NA


def _distinct_numbers(numbers, text_of):
    """Codes of a float array's distinct values and their texts ("" for NaN)."""
    distinct, codes = np.unique(numbers, return_inverse=True)
    texts = ["" if u != u else text_of(u) for u in distinct.tolist()]
    return codes.reshape(-1).astype(np.intp, copy=False), texts


def encode_numeric(values):
    """A numeric column as ``(codes, texts, missing, numbers)``: each row's code into
    ``texts`` (the JSON text of each distinct value; "" when missing), whether it is missing,
    and its value as a float. None when a value is not a number (the general path then reads
    the column). The text follows the value's Python type: 39 -> "39", 39.0 -> "39.0". For a
    column of ints, ``codes`` are the values and ``texts`` is None (the kernel writes them)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        numbers = values.astype(np.float64, copy=False)
        style = "float"
    else:
        array = np.asarray(values)
        kind = array.dtype.kind
        if kind == "i" and not (len(array) and array.min() == np.iinfo(np.int64).min):
            # Python ints only (numpy makes a float or object array otherwise)
            # written in decimal by the kernel; beyond 2**53 the float is the nearest double
            return array, None, np.zeros(len(array), dtype=bool), array.astype(np.float64)
        if kind == "b":
            codes, texts = _distinct_numbers(array, lambda u: json.dumps(bool(u)))
            return codes, texts, np.zeros(len(array), dtype=bool), array.astype(np.float64)
        kinds = set(map(type, values)) if kind in "fO" else None
        if kinds is not None and kinds <= {float, _NONE}:
            numbers = np.asarray(values, dtype=np.float64)  # None -> NaN
            style = "float"
        elif kinds is not None and kinds <= {int, _NONE}:
            numbers = np.asarray(values, dtype=np.float64)
            style = "int"
        else:
            try:
                numbers = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError):
                return None
            codes, texts, missing = _per_value(values)
            return codes, texts, missing | np.isnan(numbers), numbers
    zero = numbers == 0
    if style == "float" and zero.any() and np.signbit(numbers[zero]).any():
        codes, texts, missing = _per_value(values)  # -0.0 and 0.0 are one distinct value
        return codes, texts, missing, numbers
    if style == "int":
        codes, texts = _distinct_numbers(numbers, lambda u: str(int(u)))
    else:
        codes, texts = _distinct_numbers(numbers, lambda u: json.dumps(float(u)))
    return codes, texts, np.isnan(numbers), numbers


class CategoryCodes:
    """The distinct strings (and None) of one categorical column, remembered across requests:
    their codes, JSON texts and missing flags. Other values (numbers in a categorical column,
    NaN) get per-request codes, so that 1, 1.0 and True never share a text."""

    def __init__(self):
        self._lock = threading.Lock()
        self.code = {None: 0}
        self.texts = [""]
        self.missing = [True]

    def encode(self, values):
        """``(codes, texts, missing)`` of a column's values; None for an unhashable value."""
        n = len(values)
        try:
            codes = np.fromiter(map(self.code.get, values), dtype=np.intp, count=n)
            texts, missing_of_code = self.texts, self.missing
        except TypeError:  # a value not seen yet, or unhashable
            codes, texts, missing_of_code = self._encode_slowly(values)
            if codes is None:
                return None
        missing = np.asarray(missing_of_code, dtype=bool)[codes]
        return codes, texts, missing

    def _encode_slowly(self, values):
        with self._lock:
            codes = np.empty(len(values), dtype=np.intp)
            local, local_texts, local_missing = {}, [], []
            for row, value in enumerate(values):
                try:
                    code = self.code.get(value)
                except TypeError:
                    return None, None, None
                if code is None:
                    if type(value) is str and len(self.code) < CATEGORY_MEMO_LIMIT:
                        code = len(self.texts)
                        # the code last: a reader that finds it finds its text (threads)
                        self.texts.append(json.dumps(value))
                        self.missing.append(False)
                        self.code[value] = code
                    else:  # numbered after the remembered values, below
                        gone = value is _pd_na() or value != value
                        key = id(value) if gone else (type(value), value)
                        code = local.get(key)
                        if code is None:
                            code = local[key] = -1 - len(local_texts)
                            local_texts.append("" if gone else json.dumps(value))
                            local_missing.append(bool(gone))
                codes[row] = code
            texts, missing = self.texts + local_texts, self.missing + local_missing
            if local_texts:
                codes[codes < 0] = len(self.texts) - 1 - codes[codes < 0]
            return codes, texts, missing
