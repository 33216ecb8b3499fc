"""The kernels' cache is dropped as a whole when any source of the package changes."""

from tree._kernel_cache import (
    FINGERPRINT_FILE,
    PACKAGE_DIR,
    drop_stale_kernels,
    numba_cache_dir,
    source_fingerprint,
)


def _fake_package(tmp_path):
    package, cache = tmp_path / "pkg", tmp_path / "pkg" / "__pycache__"
    cache.mkdir(parents=True)
    (package / "_a.py").write_text("x = 1\n")
    (package / "_b.py").write_text("y = 2\n")
    return package, cache


def _cached(cache):
    for name in ("_a.f-1.py311.nbi", "_a.f-1.py311.1.nbc", "_b.g-3.py311.nbi"):
        (cache / name).write_bytes(b"machine code")
    (cache / "_a.cpython-311.pyc").write_bytes(b"bytecode")


def test_kernels_of_unknown_or_other_sources_are_deleted_and_the_rest_kept(tmp_path):
    package, cache = _fake_package(tmp_path)
    _cached(cache)
    assert drop_stale_kernels(package, cache) == 3  # no fingerprint yet: unknown sources
    assert sorted(p.name for p in cache.iterdir()) == ["_a.cpython-311.pyc", FINGERPRINT_FILE]
    _cached(cache)
    assert drop_stale_kernels(package, cache) == 0  # the same sources: the cache is kept
    assert len(list(cache.glob("*.nb?"))) == 3
    (package / "_b.py").write_text("y = 3\n")  # one file changes: every kernel goes
    assert drop_stale_kernels(package, cache) == 3
    assert not list(cache.glob("*.nb?"))
    assert (cache / FINGERPRINT_FILE).read_text() == source_fingerprint(package)


def test_the_fingerprint_follows_contents_and_names():
    a = source_fingerprint(PACKAGE_DIR)
    assert a == source_fingerprint(PACKAGE_DIR) and len(a) == 64


def test_importing_tree_leaves_the_fingerprint_of_its_sources_beside_its_kernels():
    import tree  # noqa: F401

    marker = numba_cache_dir(PACKAGE_DIR) / FINGERPRINT_FILE
    assert marker.read_text() == source_fingerprint(PACKAGE_DIR)
