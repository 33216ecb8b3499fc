"""Atomic file writes and content hashes."""

import hashlib
import json
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A reader never sees a half-written file: it finds the old content or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path, text):
    """Atomically write UTF-8 text (``\\n`` line endings on every platform)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def dump_json(value):
    """JSON text with sorted keys, two-space indent and a final newline (stable bytes)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def atomic_write_json(path, value):
    """Atomically write ``value`` as :func:`dump_json` text."""
    atomic_write_text(path, dump_json(value))


def file_sha256(path):
    """sha256 hex digest of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_hashes(folder):
    """sha256 of every file under ``folder``, keyed by its POSIX path relative to ``folder``."""
    folder = Path(folder)
    return {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tree_sha256(file_hashes):
    """One digest for a folder from its per-file digests (names and contents, order-free)."""
    digest = hashlib.sha256()
    for name in sorted(file_hashes):
        digest.update(f"{name}\0{file_hashes[name]}\n".encode())
    return digest.hexdigest()
