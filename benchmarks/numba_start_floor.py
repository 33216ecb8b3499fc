"""The start-up floor of any numba program on this machine, to compare cartflow's warm start with.

In a fresh interpreter: the time to import numpy and numba, then the first call of one trivial
``cache=True`` function (its cache warm from an earlier run; the first run of this script
compiles it). Run it a few times::

    python benchmarks/numba_start_floor.py
"""

import time

start = time.perf_counter()
import numba  # noqa: E402
import numpy as np  # noqa: E402

imported = time.perf_counter()


@numba.njit(cache=True)
def _total(values):
    total = 0.0
    for value in values:
        total += value
    return total


_total(np.ones(3))
called = time.perf_counter()
print(
    f"import numpy and numba {imported - start:.2f} s, "
    f"first call of one cached function {called - imported:.2f} s"
)
