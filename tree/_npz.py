"""Read arrays from an ``.npz`` archive without trusting it: every member's header is checked
against what the caller expects before a single data byte is decompressed.

``numpy.load`` decompresses a member whole and only then lets the caller look at its shape, so a
small archive can make it allocate gigabytes. ``BoundedNpz.read`` instead reads the member's
``.npy`` header, checks dtype (kind, byte order, item size), shape (against the expected one) and
the declared decompressed size, and then decompresses exactly that many bytes.

This file is kept identical in ``tree/_npz.py`` and ``pipeline/_npz.py`` (neither package may
import the other); a test checks that the two copies match.
"""

import math
import zipfile

import numpy as np
from numpy.lib import format as npy_format

ALLOWED_KINDS = frozenset("biufU")
MAX_STRING_CHARS = 1024
MAX_TOTAL_BYTES = 2**30
# cartflow writes members uncompressed; a deflated one may expand at most this much (a
# decompression bomb reaches about 1000x).
MAX_DEFLATE_RATIO = 100
_SMALL_MEMBER = 2**20
_MAX_HEADER_BYTES = 4096


class ModelFileError(ValueError):
    """A model file (JSON or array archive) that is malformed, oversized or inconsistent."""


def check_dtype(text, where, *, kinds=ALLOWED_KINDS):
    """The dtype named by ``text`` if it is a plain numeric/bool/bounded-unicode dtype."""
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: {text!r} is not a valid dtype.") from exc
    if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFileError(
            f"{where}: dtype {text!r} is not allowed (allowed kinds: {sorted(kinds)})."
        )
    if dtype.kind == "U" and not 0 < dtype.itemsize // 4 <= MAX_STRING_CHARS:
        raise ModelFileError(
            f"{where}: text dtype {text!r} exceeds the limit of {MAX_STRING_CHARS} characters "
            "per item."
        )
    return dtype


def nbytes_of(dtype, shape):
    return math.prod(shape) * dtype.itemsize


class BoundedNpz:
    """An ``.npz`` archive opened for checked reads; use as a context manager."""

    def __init__(self, path, *, max_total_bytes=MAX_TOTAL_BYTES):
        self.path = path
        self.max_total_bytes = max_total_bytes
        self.bytes_read = 0
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise ModelFileError(f"{path} is not a readable .npz archive: {exc}.") from exc
        self.files = {}
        for info in self._zip.infolist():
            if not info.filename.endswith(".npy") or info.is_dir():
                raise ModelFileError(f"{path}: unexpected member {info.filename!r}.")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelFileError(
                    f"{path}: member {info.filename!r} uses an unsupported compression."
                )
            key = info.filename[: -len(".npy")]
            if key in self.files:
                raise ModelFileError(f"{path}: member {info.filename!r} appears twice.")
            self.files[key] = info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._zip.close()

    def read(self, key, dtype, shape, where):
        """Member ``key`` as an array of exactly ``dtype`` and ``shape`` (checked first).

        ``dtype`` is a ``numpy.dtype`` already checked by :func:`check_dtype`; ``shape`` a tuple.
        The member's header must declare that dtype and shape (C order); the data are then read
        in one bounded read of ``prod(shape) * itemsize`` bytes.
        """
        info = self.files.get(key)
        if info is None:
            raise ModelFileError(f"{where}: the array {key!r} is missing from {self.path}.")
        expected_bytes = nbytes_of(dtype, shape)
        if self.bytes_read + expected_bytes > self.max_total_bytes:
            raise ModelFileError(
                f"{where}: the arrays would need more than {self.max_total_bytes} bytes; "
                f"{self.path} is not a model this loader accepts."
            )
        if info.file_size > expected_bytes + _MAX_HEADER_BYTES:
            raise ModelFileError(
                f"{where}: member {key!r} of {self.path} declares {info.file_size} bytes, more "
                f"than an array of dtype {dtype.str} and shape {list(shape)} needs."
            )
        if (
            info.compress_type == zipfile.ZIP_DEFLATED
            and info.file_size > _SMALL_MEMBER
            and info.file_size > MAX_DEFLATE_RATIO * info.compress_size
        ):
            raise ModelFileError(
                f"{where}: member {key!r} of {self.path} expands from {info.compress_size} to "
                f"{info.file_size} bytes; refusing a likely decompression bomb."
            )
        try:
            with self._zip.open(info) as stream:
                header_shape, fortran, header_dtype = self._read_header(stream, key, where)
                if header_dtype != dtype or tuple(header_shape) != tuple(shape) or fortran:
                    raise ModelFileError(
                        f"{where}: array {key!r} is stored with dtype {header_dtype.str}, shape "
                        f"{list(header_shape)}{' (Fortran order)' if fortran else ''}; the model "
                        f"file declares dtype {dtype.str}, shape {list(shape)}."
                    )
                data = stream.read(expected_bytes)
                if len(data) != expected_bytes or stream.read(1):
                    raise ModelFileError(
                        f"{where}: array {key!r} in {self.path} does not hold exactly "
                        f"{expected_bytes} bytes of data."
                    )
        except ModelFileError:
            raise
        except (OSError, zipfile.BadZipFile, EOFError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{where}: array {key!r} in {self.path} is corrupt: {exc}."
            ) from exc
        self.bytes_read += expected_bytes
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

    def _read_header(self, stream, key, where):
        try:
            version = npy_format.read_magic(stream)
            if version == (1, 0):
                return npy_format.read_array_header_1_0(stream, max_header_size=_MAX_HEADER_BYTES)
            if version == (2, 0):
                return npy_format.read_array_header_2_0(stream, max_header_size=_MAX_HEADER_BYTES)
        except ModelFileError:
            raise
        except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
            raise ModelFileError(
                f"{where}: array {key!r} has a malformed .npy header: {exc}."
            ) from exc
        raise ModelFileError(f"{where}: array {key!r} has unsupported .npy version {version}.")
