"""Fuzz the model loaders: every field of a saved pipeline and a saved tree is mutated, and each
mutant must be refused with ``ModelFileError`` or load as a well-formed model (issue 17). The
mutants run in a child process under a memory limit (``RLIMIT_AS``) and a timeout, so an
allocation bomb or a hang fails the test instead of the machine."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("model_file_fuzz.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and RLIMIT_AS")
def test_mutated_model_files_are_refused_or_load_as_well_formed_models(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "0", "400", "1024"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["bad"] == [], json.dumps(report["bad"], indent=1)[:4000]
    counts = report["counts"]
    assert counts.get("refused", 0) > 500 and counts.get("same", 0) > 0, counts
