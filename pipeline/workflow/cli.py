"""The ``cartflow`` command line.

    cartflow run [--config FILE] [--workdir DIR] [--steps a,b] [--force] [key.sub=value ...]
    cartflow step NAME [--config FILE] [--workdir DIR] [--force] [key.sub=value ...]
    cartflow artifacts [--workdir DIR] list | show NAME[:VERSION] | lineage NAME[:VERSION] | verify
    cartflow runs [--workdir DIR] list | compare A B [C...] [--all] [--html FILE]
    cartflow predict ... / cartflow serve ...   (pipeline.serving)
    cartflow --version

Exit codes: 0 success, 1 a step failed (data check, gate, download, an artifact that does not
match its hash, a disk that is full or read-only...), 2 bad usage or config, 141 the reader of
stdout went away (``cartflow artifacts list | head -1``), 130 interrupted.
Heavy libraries are imported inside the commands, so ``--help`` and ``--version`` stay fast.
"""

import argparse
import os
import sys
from pathlib import Path

from pipeline._version import __version__
from pipeline.workflow.steps import STEP_ORDER

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141
SERVING_CLI = "pipeline.serving.cli"


def _add_run_options(parser):
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: ./config.yaml, else the packaged default)",
    )
    parser.add_argument(
        "--workdir",
        metavar="DIR",
        default=".",
        help="where artifacts/ and runs/ go (default: the current directory)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="re-run steps even when their inputs, parameters and code are unchanged",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress on stdout (the run log is still written)"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="key.sub=value",
        help="config overrides, values typed as YAML (model.tree.max_depth=8)",
    )


def build_parser():
    """The argparse parser of ``cartflow`` (serving subcommands included when installed)."""
    parser = argparse.ArgumentParser(
        prog="cartflow",
        description="The reproducible ML workflow of cartflow: download, preprocess, check_data, "
        "segregate, train, evaluate; plus the artifact store and model serving.",
    )
    parser.add_argument("--version", action="version", version=f"cartflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = subparsers.add_parser("run", help="run the workflow (all steps, or --steps a,b)")
    run.add_argument(
        "--steps",
        metavar="a,b",
        help="comma-separated steps, or 'all' (default: main.steps of the config)",
    )
    _add_run_options(run)
    run.set_defaults(func=command_run)

    step = subparsers.add_parser("step", help="run one step of the workflow")
    step.add_argument("name", choices=STEP_ORDER)
    step.add_argument(
        "--inputs",
        action="append",
        default=[],
        metavar="ROLE=NAME:VERSION",
        help="input artifacts to read instead of NAME:latest (space- or comma-separated)",
    )
    step.add_argument(
        "--run-id",
        default="",
        metavar="RUN",
        help="run as a component of run RUN (what the mlflow orchestrator passes)",
    )
    _add_run_options(step)
    step.set_defaults(func=command_step)

    artifacts = subparsers.add_parser("artifacts", help="inspect the artifact store")
    artifacts.add_argument(
        "--workdir", metavar="DIR", default=".", help="the work directory whose artifacts/ to read"
    )
    actions = artifacts.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every artifact version")
    show = actions.add_parser("show", help="one artifact version (default: latest)")
    show.add_argument("ref", metavar="NAME[:VERSION]")
    lineage = actions.add_parser("lineage", help="the artifacts a version was made from")
    lineage.add_argument("ref", metavar="NAME[:VERSION]")
    actions.add_parser(
        "verify",
        help="re-hash every artifact version and compare with the index (exit 1 if any differ)",
    )
    artifacts.set_defaults(func=command_artifacts)

    from pipeline.workflow.runs import register as register_runs

    register_runs(subparsers)
    _register_serving(subparsers)
    return parser


def _register_serving(subparsers):
    try:
        from pipeline.serving import cli as serving_cli
    except ModuleNotFoundError as exc:
        if exc.name != SERVING_CLI:
            raise
        return
    serving_cli.register(subparsers)


def _runner(args):
    from pipeline.workflow.config import load_config
    from pipeline.workflow.orchestrator import parse_inputs
    from pipeline.workflow.runner import Runner

    overrides = [item for text in args.overrides for item in _split_overrides(text)]
    config, source = load_config(args.config, overrides)
    return Runner(
        config,
        workdir=args.workdir,
        config_source=source,
        force=args.force,
        verbose=not args.quiet,
        inputs=parse_inputs(getattr(args, "inputs", ())),
        join_run=getattr(args, "run_id", "") or None,
    )


def _split_overrides(text):
    # `mlflow run -P overrides="a=1 b=2"` passes several overrides as one argument.
    return text.split() if " " in text.strip() and "=" in text else [text]


def _report_outputs(runner, summary, out=None):
    out = out or sys.stdout

    def where(name, file=""):
        for record in reversed(summary["steps"]):
            if name in record["outputs"]:
                artifact = runner.store.get(record["outputs"][name])
                return _relative(artifact.path / file, runner.workdir)
        return None

    run_dir = _relative(runner.run_dir, runner.workdir)
    lines = [
        ("model", where("model_export")),
        ("metrics", where("evaluation", "metrics.json")),
        ("validation", where("validation", "metrics.json")),
        (
            "plots",
            f"{run_dir}/evaluate/ and {run_dir}/train/"
            if any(r["name"] in ("train", "evaluate") for r in summary["steps"])
            else None,
        ),
        ("log", f"{run_dir}/workflow.log"),
        ("run", f"{run_dir}/run.json"),
        ("report", _relative(runner.report_path, runner.workdir) if runner.report_path else None),
    ]
    print(
        f"\nrun {summary['run_id']} {summary['status']} in {summary['seconds']:.1f} s "
        f"(work directory {runner.workdir})",
        file=out,
    )
    for label, path in lines:
        if path:
            print(f"  {label:<10} {path}", file=out)
    metrics_file = where("evaluation", "metrics.json")
    if metrics_file:
        print(_test_summary(runner.workdir / metrics_file), file=out)


def _test_summary(path):
    import json

    report = json.loads(Path(path).read_text(encoding="utf-8"))
    text = f"  test       ROC AUC {report['roc_auc']:.4f}, accuracy {report['accuracy']:.4f}"
    if report.get("threshold") is not None:
        default = report.get("at_default_threshold", {})
        text += (
            f" and f1 {report['f1']:.4f} at the model's threshold {report['threshold']:.4f}"
            f" (at 0.5: accuracy {default.get('accuracy', float('nan')):.4f},"
            f" f1 {default.get('f1', float('nan')):.4f})"
        )
    return text


def _relative(path, base):
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return str(path)


def _execute(args, steps):
    from pipeline.workflow.errors import ConfigError, WorkflowError

    try:
        runner = _runner(args)
    except ConfigError as exc:
        print(f"cartflow: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = runner.run(steps)
    except ConfigError as exc:
        print(f"cartflow: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkflowError as exc:
        print(f"cartflow: run {runner.run_id} failed: {exc}", file=sys.stderr)
        _point_to_log(runner)
        if runner.report_path:
            print(f"cartflow: report in {runner.report_path}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_FAILED)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"cartflow: run {runner.run_id} failed: could not write{where}: "
            f"{exc.strerror or exc}; free disk space or make {runner.workdir} writable "
            "(or pick another --workdir), then run again",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except Exception as exc:
        print(f"cartflow: run {runner.run_id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        _point_to_log(runner, "traceback in")
        return EXIT_FAILED
    if not args.quiet and not runner.component:
        _report_outputs(runner, summary)
    return EXIT_OK


def _point_to_log(runner, what="log and run.json in"):
    if getattr(runner, "log_error", None) or getattr(runner, "summary_error", None):
        print(
            f"cartflow: the run log and run.json in {runner.run_dir} could not be written "
            "(see above)",
            file=sys.stderr,
        )
    elif what == "traceback in":
        print(f"cartflow: traceback in {runner.run_dir / 'workflow.log'}", file=sys.stderr)
    else:
        print(f"cartflow: log and run.json in {runner.run_dir}", file=sys.stderr)


def command_run(args):
    steps = None
    if args.steps and args.steps.strip() != "all":
        steps = [s.strip() for s in args.steps.split(",") if s.strip()]
        from pipeline.workflow.steps import STEP_ORDER

        unknown = [s for s in steps if s not in STEP_ORDER]
        if unknown:
            print(
                f"cartflow: unknown step(s) {', '.join(unknown)} in --steps; the steps are "
                f"{', '.join(STEP_ORDER)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    return _execute(args, steps)


def command_step(args):
    code = _execute(args, [args.name])
    if args.run_id:  # a component: leave the exit status where its orchestrator reads it
        from pipeline.workflow.errors import ConfigError
        from pipeline.workflow.orchestrator import record_exit

        try:
            record_exit(args.workdir, args.run_id, args.name, code)
        except ConfigError as exc:
            print(f"cartflow: {exc}", file=sys.stderr)
            return EXIT_USAGE
    return code


def command_artifacts(args):
    from pipeline.workflow.errors import ArtifactNotFoundError, WorkflowError
    from pipeline.workflow.store import ArtifactStore

    store = ArtifactStore(Path(args.workdir) / "artifacts")
    try:
        if args.action == "list":
            _print_list(store)
        elif args.action == "show":
            _print_show(store.get(args.ref))
        elif args.action == "verify":
            return _print_verify(store)
        else:
            _print_lineage(store.lineage(args.ref))
    except (ArtifactNotFoundError, ValueError) as exc:
        print(f"cartflow artifacts: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkflowError as exc:
        print(f"cartflow artifacts: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _print_list(store):
    versions = store.list()
    if not versions:
        print(f"no artifacts in {store.root}")
        return
    print(f"{'ARTIFACT':<24} {'ALIASES':<8} {'SHA256':<12} {'STEP':<11} RUN")
    for artifact in versions:
        print(
            f"{artifact.ref:<24} {','.join(artifact.aliases):<8} {artifact.sha256[:12]} "
            f"{artifact.step:<11} {artifact.run_id}"
        )


def _print_verify(store):
    results = store.verify_all()
    bad = [(ref, error) for ref, error in results if error]
    for ref, error in results:
        print(f"{'FAILED' if error else 'ok':<7} {ref}" + (f": {error}" if error else ""))
    print(f"{len(results) - len(bad)} of {len(results)} artifact versions match their hashes")
    return EXIT_FAILED if bad else EXIT_OK


def _print_show(artifact):
    from pipeline.workflow.fsutil import dump_json

    print(dump_json(artifact.to_dict()), end="")


def _print_lineage(node, prefix="", last=True, root=True):
    artifact = node["artifact"]
    label = (
        f"{artifact.ref} (sha256 {artifact.sha256[:12]}, {artifact.step} in run {artifact.run_id})"
    )
    source = artifact.metadata.get("source")
    if source:
        label += f" from {source}"
    print(label if root else f"{prefix}{'`-- ' if last else '|-- '}{label}")
    child_prefix = "" if root else prefix + ("    " if last else "|   ")
    for i, child in enumerate(node["inputs"]):
        _print_lineage(child, child_prefix, i == len(node["inputs"]) - 1, root=False)


def _explicit_force(argv):
    # MLproject passes `--force=true|false` (a parameter cannot be a bare flag).
    values = {"--force=true": ["--force"], "--force=false": []}
    return [item for arg in argv for item in values.get(str(arg).lower(), [arg])]


def main(argv=None):
    """Entry point of the ``cartflow`` console script; returns the exit code."""
    parser = build_parser()
    # Overrides may come between options (`step train --force a=1 --workdir w b=2`); argparse
    # leaves the ones after an option unparsed, so collect them here.
    argv = _explicit_force(sys.argv[1:] if argv is None else list(argv))
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a.strip()]  # MLproject passes an empty `overrides` as ''
    stray = [a for a in extra if a.startswith("-") or "=" not in a]
    if stray or (extra and not hasattr(args, "overrides")):
        parser.error(f"unrecognized arguments: {' '.join(stray or extra)}")
    if extra:
        args.overrides = [*args.overrides, *extra]
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe fails here, inside the handler below
        return code
    except KeyboardInterrupt:
        print("cartflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away: stop quietly (no traceback at interpreter exit)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
