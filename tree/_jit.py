"""How the tree's kernels are compiled.

Every kernel is compiled by numba once per combination of argument types, cached beside its
source (``cache=True``), and releases the GIL (``nogil=True``) so that ``tree._grow`` can run
kernels on several threads.

``kernel`` is for the few kernels that allocate arrays. Every other kernel is a
``borrowing_kernel``: compiled without numba's runtime (numba's private ``_nrt=False`` option),
it borrows its array arguments instead of counting references to them. Passing arrays to a
kernel compiled with the runtime increments and decrements each array's reference count, an
atomic operation, at the call and on entry; for a helper called per sample this measured
130-370 times slower than the same loop written out (41-112 ms against 0.3 ms for 200,000
samples), while a borrowing helper costs nothing (0.25 ms). It is what lets every formula and
every step of the split search be written once, as a function, and called from every path.
A borrowing kernel that allocated would fail to compile, so the rule is checked by numba. The
rule numba does not check: a borrowing kernel may return arrays (views) only to borrowing
kernels; a kernel with the runtime would release references it never took (heap corruption).

A ``borrowing_kernel`` is called only from other kernels, so it is compiled without the wrappers
that make a compiled function callable from Python (numba's ``no_cpython_wrapper`` and
``no_cfunc_wrapper``): each wrapper is code numba would generate, optimise and cache for nothing.
The few borrowing kernels that Python calls too (``tree._grow`` runs the top of a tree node by
node; ``tree.criteria``) are a ``borrowing_entry``.

The cache is kept valid as a whole (``tree._kernel_cache``): the first import of this module
deletes cached kernels compiled from other versions of the package's sources.
"""

from numba import njit

from tree._kernel_cache import drop_stale_kernels

drop_stale_kernels()  # before any kernel exists, so before any loads its cache

kernel = njit(cache=True, nogil=True, _nrt=True)
borrowing_kernel = njit(
    cache=True, nogil=True, _nrt=False, no_cpython_wrapper=True, no_cfunc_wrapper=True
)
borrowing_entry = njit(cache=True, nogil=True, _nrt=False)
