"""Keeping numba's cache of the tree's kernels in step with their sources, as a whole.

numba checks a cached kernel against its own source file only (its modification time and
size). The tree's kernels call one another across files, so after an upgrade or a ``git pull``
a kernel whose file did not change would keep machine code compiled with the old version of the
kernels it calls, and its cached signature may name a bundle that has since moved (loading it
then fails). The cache of this package is therefore valid only as a whole: a fingerprint of
every source file is kept beside it, and when the sources no longer match it the cached
kernels are deleted, before any is loaded (on ``import tree``; hashing the sources takes about
a millisecond).
"""

import hashlib
import os
from pathlib import Path

FINGERPRINT_FILE = "cartflow-kernels.sha256"
PACKAGE_DIR = Path(__file__).resolve().parent


def source_fingerprint(package_dir):
    """SHA-256 of the names and contents of the package's ``*.py`` files."""
    digest = hashlib.sha256()
    for path in sorted(Path(package_dir).glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def numba_cache_dir(package_dir):
    """Where numba caches the kernels of the package's files (its own rules: beside the
    sources, ``NUMBA_CACHE_DIR``, or the user's cache folder)."""
    probe = Path(package_dir) / "_jit.py"
    try:
        from numba.core.caching import _CacheImpl

        for locator_class in _CacheImpl._locator_classes:
            locator = locator_class.from_function(source_fingerprint, str(probe))
            if locator is not None:
                return Path(locator.get_cache_path())
    except Exception:  # numba's locators are private API: fall back to its default place
        pass
    return Path(package_dir) / "__pycache__"


def drop_stale_kernels(package_dir=PACKAGE_DIR, cache_dir=None):
    """Delete the cached kernels in ``cache_dir`` unless they were compiled from the sources
    of ``package_dir`` as they are now; returns the number of files deleted."""
    cache_dir = numba_cache_dir(package_dir) if cache_dir is None else Path(cache_dir)
    fingerprint = source_fingerprint(package_dir)
    marker = cache_dir / FINGERPRINT_FILE
    try:
        if marker.read_text() == fingerprint:
            return 0
    except OSError:
        pass  # no fingerprint yet: whatever is cached is of unknown sources
    deleted = 0
    for pattern in ("*.nbi", "*.nbc"):
        for path in cache_dir.glob(pattern):
            try:
                path.unlink()
                deleted += 1
            except OSError:
                pass  # another process deleted it, or the folder is read-only
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / f"{FINGERPRINT_FILE}.{os.getpid()}.tmp"
        partial.write_text(fingerprint)
        os.replace(partial, marker)
    except OSError:
        pass  # a read-only place: numba does not cache there either
    return deleted
