"""Helpers of the workflow tests: run the ``cartflow`` command line in-process."""

# A small, quick configuration of the full workflow (the bundled data, a shallow tree, a tuning
# grid of two candidates).
QUICK = ("model.tree.max_depth=5", 'tune.grid={"min_samples_leaf":[20,40]}')


def run_cli(args, cwd=None):
    """Run ``cartflow ARGS`` in-process; returns (exit code, stdout, stderr)."""
    import contextlib
    import io
    import os

    from pipeline.workflow.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def quick_run(workdir, *extra, steps=None):
    """``cartflow run`` of the packaged default config with a shallow tree in ``workdir``."""
    from pipeline.workflow.config import default_config_path

    args = ["run", "--config", default_config_path(), "--workdir", workdir]
    if steps:
        args += ["--steps", steps]
    return run_cli([*args, *QUICK, *extra], cwd=workdir)
