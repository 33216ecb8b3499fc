"""The first fit of a fresh install says on stderr that it is compiling, once."""

import os
import subprocess
import sys
import time

import pytest

from tree import _startup

FIT = (
    "import numpy as np; from tree import DecisionTree; "
    "X = np.arange(40.0).reshape(20, 2); DecisionTree().fit(X, X[:, 0] > 9); "
    "DecisionTree(max_depth=2).fit(X, X[:, 0] > 5)"
)


class FakeDispatcher:
    def __init__(self, compiled):
        self.overloads = {"sig": object()} if compiled else {}


@pytest.fixture
def quick_notice(monkeypatch):
    monkeypatch.setattr(_startup, "NOTICE_AFTER", 0.05)
    monkeypatch.setattr(_startup, "_state", {"told": False})


def test_a_slow_first_call_tells_once(quick_notice, capsys):
    for _ in range(2):
        with _startup.compile_notice(FakeDispatcher(False), FakeDispatcher(False)):
            time.sleep(0.3)
    assert capsys.readouterr().err.count("compiling the decision-tree kernels") == 1


def test_no_notice_when_compiled_or_quick(quick_notice, capsys):
    with _startup.compile_notice(FakeDispatcher(True), FakeDispatcher(False)):
        time.sleep(0.3)  # a long fit of kernels already compiled
    with _startup.compile_notice(FakeDispatcher(False)):
        pass  # loaded from the cache in no time
    time.sleep(0.2)
    assert capsys.readouterr().err == ""


def _fit_in_fresh_process(env_extra):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-c", FIT], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.mark.slow
def test_a_cold_cache_prints_the_notice_and_a_warm_one_does_not(tmp_path):
    warm = _fit_in_fresh_process({})
    assert warm.returncode == 0, warm.stderr
    assert "compiling" not in warm.stderr
    cold = _fit_in_fresh_process({"NUMBA_CACHE_DIR": str(tmp_path)})
    assert cold.returncode == 0, cold.stderr
    assert cold.stderr.count("compiling the decision-tree kernels") == 1
