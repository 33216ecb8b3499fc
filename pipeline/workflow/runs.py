"""``cartflow runs list | compare``: the recent runs, and runs side by side.

A run is the folder ``runs/<run id>/`` with its ``run.json``. ``compare`` puts the runs'
parameters (the flattened config) and metrics (every step's) side by side, by default only the
rows that differ, prints them and writes the same table as a self-contained HTML page.
"""

import json
import sys
from pathlib import Path

from pipeline.workflow import html as h
from pipeline.workflow.fsutil import atomic_write_text

KEY_METRICS = ("test_roc_auc", "test_accuracy", "test_f1")


class RunNotFoundError(ValueError):
    """No run, or more than one, matches what was asked for."""


def register(subparsers):
    """Add ``cartflow runs`` to the command line."""
    runs = subparsers.add_parser("runs", help="list and compare the runs of a work directory")
    runs.add_argument(
        "--workdir", metavar="DIR", default=".", help="the work directory whose runs/ to read"
    )
    actions = runs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the recent runs, newest first")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20, 0: all)")
    compare = actions.add_parser("compare", help="parameters and metrics of runs side by side")
    compare.add_argument(
        "ids", nargs="+", metavar="RUN", help="run ids (or unique prefixes/suffixes)"
    )
    compare.add_argument("--all", action="store_true", help="every row, not only those that differ")
    compare.add_argument(
        "--html", metavar="FILE", help="where the HTML goes (default runs/compare-<A>-<B>.html)"
    )
    runs.set_defaults(func=command_runs)


def load_runs(workdir):
    """Every readable ``run.json`` under ``workdir/runs``, newest first."""
    root = Path(workdir) / "runs"
    found = []
    if root.is_dir():
        for path in sorted(root.glob("*/run.json"), reverse=True):
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    return found


def find_run(runs, wanted):
    """The run whose id is ``wanted``, or the one run whose id starts or ends with it."""
    exact = [r for r in runs if r.get("run_id") == wanted]
    if exact:
        return exact[0]
    matches = [
        r
        for r in runs
        if r.get("run_id", "").startswith(wanted) or r.get("run_id", "").endswith(wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RunNotFoundError(f"no run {wanted!r} (see `cartflow runs list`)")
    ids = ", ".join(r["run_id"] for r in matches[:5])
    raise RunNotFoundError(f"run {wanted!r} is ambiguous: {ids}")


def metrics_of(summary):
    """Every step's numeric metrics of a run, merged (``test_roc_auc``, ...)."""
    merged = {}
    for record in summary.get("steps", []):
        for key, value in (record.get("metrics") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                merged[key] = value
    return merged


def flatten(value, prefix=""):
    """A nested config as ``{"a.b.c": value}``."""
    if isinstance(value, dict):
        flat = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def comparison(summaries, everything=False):
    """Rows ``(section, key, [value per run], differs)`` of the runs' facts, params and metrics."""
    sections = [
        (
            "run",
            [
                {
                    "status": s.get("status"),
                    "seconds": s.get("seconds"),
                    "started_utc": s.get("started_utc"),
                    "orchestrator": (s.get("orchestrator") or {}).get("name", "local"),
                    "git_commit": s.get("git_commit"),
                }
                for s in summaries
            ],
        ),
        ("params", [flatten(s.get("config") or {}) for s in summaries]),
        ("metrics", [metrics_of(s) for s in summaries]),
    ]
    rows = []
    for section, tables in sections:
        keys = list(dict.fromkeys(k for t in tables for k in t))
        for key in keys:
            values = [t.get(key) for t in tables]
            differs = len({_cell(v) for v in values}) > 1
            if everything or differs:
                rows.append((section, key, values, differs))
    return rows


def _print_table(header, rows, out):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else []
    if not widths:
        return
    for line in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip(), file=out)


def print_list(runs, out, limit=20):
    if not runs:
        print("no runs yet (cartflow run makes one)", file=out)
        return
    header = ["RUN", "STATUS", "SECONDS", "STEPS", *(k.upper() for k in KEY_METRICS)]
    rows = []
    for summary in runs[: limit or None]:
        steps = summary.get("steps", [])
        cached = sum(1 for s in steps if s.get("status") == "cached")
        metrics = metrics_of(summary)
        rows.append(
            [
                summary.get("run_id"),
                summary.get("status"),
                f"{summary.get('seconds', 0):.1f}",
                f"{len(steps)} ({cached} cached)",
                *(f"{metrics[k]:.4f}" if k in metrics else "-" for k in KEY_METRICS),
            ]
        )
    _print_table(header, rows, out)


def comparison_html(summaries, rows, everything):
    ids = [s["run_id"] for s in summaries]
    body = [f"<h1>cartflow: {len(ids)} runs compared</h1>"]
    body.append(
        "<p>"
        + (
            "Every parameter and metric."
            if everything
            else "Only what differs (--all: everything)."
        )
        + "</p>"
    )
    for section in ("run", "params", "metrics"):
        part = [r for r in rows if r[0] == section]
        if not part:
            continue
        cells = [
            [f"<code>{h.esc(key)}</code>", *(h.esc(_cell(v)) for v in values)]
            for _, key, values, _ in part
        ]
        css = ["differs" if differs else None for *_, differs in part]
        body.append(
            f"<section><h2>{h.esc(section)}</h2>"
            f"{h.table([section, *ids], cells, tuple(range(1, len(ids) + 1)), css)}</section>"
        )
    if not rows:
        body.append("<p>The runs have the same parameters and metrics.</p>")
    return h.page("cartflow runs compared", "".join(body))


def command_runs(args, out=None):
    out = out or sys.stdout
    runs = load_runs(args.workdir)
    if args.action == "list":
        print_list(runs, out, args.limit)
        return 0
    try:
        summaries = [find_run(runs, wanted) for wanted in args.ids]
    except RunNotFoundError as exc:
        print(f"cartflow runs: {exc}", file=sys.stderr)
        return 2
    if len(summaries) < 2:
        print("cartflow runs compare: name at least two runs", file=sys.stderr)
        return 2
    rows = comparison(summaries, args.all)
    ids = [s["run_id"] for s in summaries]
    header = ["", "KEY", *ids]
    _print_table(
        header,
        [[section, key, *(_cell(v) for v in values)] for section, key, values, _ in rows],
        out,
    )
    if not rows:
        print("the runs have the same parameters and metrics", file=out)
    target = (
        Path(args.html)
        if args.html
        else Path(args.workdir) / "runs" / ("compare-" + "-".join(i[-6:] for i in ids) + ".html")
    )
    atomic_write_text(target, comparison_html(summaries, rows, args.all))
    print(f"\nHTML: {target}", file=out)
    return 0
