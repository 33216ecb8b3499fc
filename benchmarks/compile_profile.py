"""Where a cold first fit's compile time goes: each kernel's compile, and LLVM's share.

Runs the first classifier fit (iris) with an empty numba cache in a temporary folder, and
times every kernel numba compiles on the way (numba's ``numba:compile`` events; a kernel's
own time excludes the kernels it calls, which numba compiles first) and every outermost hold
of numba's LLVM lock (LLVM's optimisation and machine-code generation; the rest is numba's
typing and lowering, in Python). numba and scikit-learn (for iris) are imported before the
clock starts, so their imports are not counted::

    python benchmarks/compile_profile.py [--top 20] [--opt N]

``--opt`` sets ``NUMBA_OPT`` (LLVM's optimisation level, numba's default 3) for this run only.
"""

import argparse
import os
import sys
import tempfile
import time


class _Timings:
    """Listener state: the compile stack, each kernel's times, the LLVM lock's total."""

    def __init__(self):
        self.stack = []  # [name, started, seconds spent in nested compiles]
        self.kernels = {}  # name -> [compiles, inclusive seconds, own seconds]
        self.llvm_depth = 0
        self.llvm_started = 0.0
        self.llvm_seconds = 0.0


def _listeners(event, timings):
    class CompileTimer(event.Listener):
        def on_start(self, ev):
            function = ev.data["dispatcher"].py_func
            name = f"{function.__module__}.{function.__qualname__}"
            timings.stack.append([name, time.perf_counter(), 0.0])

        def on_end(self, ev):
            name, started, nested = timings.stack.pop()
            inclusive = time.perf_counter() - started
            if timings.stack:
                timings.stack[-1][2] += inclusive
            entry = timings.kernels.setdefault(name, [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += inclusive
            entry[2] += inclusive - nested

    class LlvmTimer(event.Listener):
        def on_start(self, ev):
            if timings.llvm_depth == 0:
                timings.llvm_started = time.perf_counter()
            timings.llvm_depth += 1

        def on_end(self, ev):
            timings.llvm_depth -= 1
            if timings.llvm_depth == 0:
                timings.llvm_seconds += time.perf_counter() - timings.llvm_started

    return CompileTimer(), LlvmTimer()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=20, help="kernels to list (default 20)")
    parser.add_argument("--opt", type=int, choices=(0, 1, 2, 3), help="NUMBA_OPT for this run")
    args = parser.parse_args()
    if "numba" in sys.modules:
        sys.exit("compile_profile: run it in a fresh interpreter (numba is already imported)")
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="cartflow-cold-cache-")
    if args.opt is not None:
        os.environ["NUMBA_OPT"] = str(args.opt)

    from numba.core import event
    from sklearn.datasets import load_iris

    timings = _Timings()
    compile_timer, llvm_timer = _listeners(event, timings)
    event.register("numba:compile", compile_timer)
    event.register("numba:llvm_lock", llvm_timer)
    X, y = load_iris(return_X_y=True)

    started = time.perf_counter()
    import tree

    imported = time.perf_counter()
    tree.DecisionTree(random_state=0).fit(X, y)
    fitted = time.perf_counter()

    compiling = sum(own for _, _, own in timings.kernels.values())
    compiles = sum(count for count, _, _ in timings.kernels.values())
    print(
        f"import tree (numba imported before) {imported - started:.2f} s, "
        f"first fit {fitted - imported:.2f} s: "
        f"{compiles} compiles of {len(timings.kernels)} kernels, {compiling:.2f} s, "
        f"of which LLVM {timings.llvm_seconds:.2f} s, numba's typing and lowering "
        f"{compiling - timings.llvm_seconds:.2f} s (NUMBA_OPT={os.environ.get('NUMBA_OPT', 3)})"
    )
    print("| kernel | compiles | own (s) | with its callees (s) |")
    print("| --- | --- | --- | --- |")
    ranked = sorted(timings.kernels.items(), key=lambda item: -item[1][2])
    for name, (count, inclusive, own) in ranked[: args.top]:
        print(f"| {name} | {count} | {own:.2f} | {inclusive:.2f} |")


if __name__ == "__main__":
    main()
