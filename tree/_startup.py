"""Telling the user, once per process, that the first fit is compiling the kernels.

numba compiles a kernel on its first call and caches the machine code beside the source
(``cache=True``); a fresh install therefore pays the compile on its first fit, later processes
load the cache in well under a second. A fit whose entry kernel has no compiled version yet and
that is still running after ``NOTICE_AFTER`` seconds is compiling: it says so on stderr, once.
"""

import sys
import threading

NOTICE_AFTER = 2.0
NOTICE = (
    "tree: compiling the decision-tree kernels for this machine (numba). This happens on first "
    "use after an install or an upgrade only; later runs load them from the cache."
)
_state = {"told": False}


def _tell():
    if not _state["told"]:
        _state["told"] = True
        print(NOTICE, file=sys.stderr, flush=True)


class compile_notice:
    """Context manager around a kernel call: the notice if ``dispatchers`` are all uncompiled
    and the call lasts longer than ``NOTICE_AFTER`` seconds."""

    def __init__(self, *dispatchers):
        self.cold = all(not d.overloads for d in dispatchers)
        self.timer = None

    def __enter__(self):
        if self.cold and not _state["told"]:
            self.timer = threading.Timer(NOTICE_AFTER, _tell)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc):
        if self.timer is not None:
            self.timer.cancel()
        return False
