"""The run report: ``runs/<run id>/report.html``, one self-contained page per run.

It is built from what the run left: ``run.json`` (status, timings, config, the step records) and
the artifacts the steps wrote or reused. Sections appear for the artifacts the run has: the data
check (``data_check``), the test metrics with the gates and the plots (``evaluation``, with
``validation`` beside it), the exported model's lineage (``model_export``), and any other
artifact (a tuning step's results, say) rendered generically: its JSON as tables, its images.
"""

import json
from pathlib import Path

import yaml

from pipeline.workflow import html as h
from pipeline.workflow.fsutil import atomic_write_text

REPORT_FILE = "report.html"
# Artifacts with a section of their own, or that are data tables (listed in the steps only).
SPECIAL = {"data_check", "evaluation", "validation", "model_export"}
TABLES = {"raw_data", "preprocessed_data", "reference_data", "train_data", "test_data"}
METRICS = ("accuracy", "f1", "precision", "recall", "roc_auc", "average_precision", "log_loss")
PLOTS = (
    ("confusion_matrix.png", "Confusion matrix (test)"),
    ("roc_curve.png", "ROC curve (test)"),
    ("precision_recall_curve.png", "Precision-recall curve (test)"),
    ("tree.png", "The tree (first levels)"),
)
STEP_TITLES = {"tune": "Tuning results"}
MAX_JSON_BYTES = 2_000_000


def write_report(run_dir, store):
    """Write ``run_dir/report.html`` from ``run_dir/run.json`` and ``store``; returns its path."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    path = run_dir / REPORT_FILE
    atomic_write_text(path, render(summary, store, run_dir))
    return path


def _artifacts(summary, store):
    """``{artifact name: ArtifactVersion}`` of every output the run's steps recorded."""
    found = {}
    for record in summary.get("steps", []):
        for name, ref in (record.get("outputs") or {}).items():
            try:
                found[name] = store.get(ref)
            except Exception:  # a report shows what can be read; the steps table names the ref
                continue
    return found


def _read_json(path):
    path = Path(path)
    if not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def render(summary, store, run_dir):
    """The report page (HTML text) of one run."""
    artifacts = _artifacts(summary, store)
    sections = [
        _header(summary),
        _steps(summary),
        _data_check(artifacts, run_dir),
        *_other_artifacts(summary, artifacts),
        _metrics(summary, artifacts),
        _plots(artifacts),
        _lineage(artifacts, store),
        _config(summary),
    ]
    title = f"cartflow run {summary.get('run_id')} ({summary.get('status')})"
    return h.page(title, "".join(s for s in sections if s))


def _section(title, body, anchor):
    return f'<section id="{h.esc(anchor)}"><h2>{h.esc(title)}</h2>{body}</section>'


def _header(summary):
    orchestrator = summary.get("orchestrator") or {"name": "local"}
    where = orchestrator.get("components_repository")
    if where and orchestrator.get("components_version"):
        where += f" at {orchestrator['components_version']}"
    facts = [
        ("status", h.status_badge(summary.get("status", "unknown"))),
        ("started (UTC)", h.esc(summary.get("started_utc"))),
        ("finished (UTC)", h.esc(summary.get("finished_utc"))),
        ("duration", f"{summary.get('seconds', 0):.1f} s"),
        ("orchestrator", h.esc(orchestrator["name"]) + (f" ({h.esc(where)})" if where else "")),
        ("work directory", f"<code>{h.esc(summary.get('workdir'))}</code>"),
        (
            "config",
            f"{h.esc(summary.get('config_source'))} "
            f'<span class="muted">sha256 {h.esc(str(summary.get("config_sha256"))[:12])}'
            "</span>",
        ),
        (
            "cartflow",
            f"{h.esc(summary.get('cartflow_version'))} "
            f'<span class="muted">git {h.esc(summary.get("git_commit"))}</span>',
        ),
        ("python", f"{h.esc(summary.get('python'))} on {h.esc(summary.get('platform'))}"),
    ]
    body = h.table(["", ""], [[h.esc(k), v] for k, v in facts])
    error = summary.get("error")
    if error:
        body += f'<h3>Error</h3><div class="error">{h.esc(error)}</div>'
    return f"<h1>cartflow run <code>{h.esc(summary.get('run_id'))}</code></h1>{body}"


def _steps(summary):
    rows = []
    for i, record in enumerate(summary.get("steps", []), start=1):
        status = record.get("status", "")
        rows.append(
            [
                str(i),
                f"<b>{h.esc(record.get('name'))}</b>",
                h.status_badge(status),
                f"{record.get('seconds', 0):.2f} s",
                h.number(record.get("rows")) if record.get("rows") is not None else "",
                "<br>".join(
                    f"{h.esc(k)} = <code>{h.esc(v)}</code>"
                    for k, v in (record.get("inputs") or {}).items()
                ),
                "<br>".join(
                    f"<code>{h.esc(v)}</code>" for v in (record.get("outputs") or {}).values()
                ),
                f"<code>{h.esc(record.get('mlflow_run_id'))}</code>"
                if record.get("mlflow_run_id")
                else "",
            ]
        )
    requested = summary.get("steps_requested", [])
    done = {r.get("name") for r in summary.get("steps", [])}
    for name in requested:
        if name not in done:
            rows.append(["", h.esc(name), h.badge("not run", "bad"), "", "", "", "", ""])
    note = (
        '<p class="muted">cached: inputs, parameters and code unchanged since the run that made '
        "the outputs, which were reused.</p>"
    )
    header = ["#", "step", "status", "time", "rows", "inputs", "outputs", "MLflow run"]
    return _section("Steps", h.table(header, rows, numeric=(3, 4)) + note, "steps")


def _data_check(artifacts, run_dir):
    artifact = artifacts.get("data_check")
    report = _read_json(artifact.path / "report.json") if artifact else None
    if report is None:
        report = _read_json(Path(run_dir) / "data_check.json")  # what a failed check left
    if report is None:
        return ""
    tests = report.get("ks_tests") or []
    rows = [
        [
            f"<code>{h.esc(t.get('column'))}</code>",
            h.number(t.get("statistic")),
            h.number(t.get("pvalue")),
            h.number(t.get("threshold")),
            h.badge("drift", "bad") if t.get("drifted") else h.badge("pass", "ok"),
        ]
        for t in tests
    ]
    body = (
        f"<p>{h.number(report.get('rows'))} rows checked against "
        f"<code>{h.esc(report.get('reference'))}</code>: "
        f"{h.status_badge('passed' if report.get('passed') else 'failed')}</p>"
        "<h3>Deterministic checks</h3><p>schema, value ranges, target classes, missing share, "
        "row count: "
    )
    failures = report.get("failures") or []
    deterministic = [f for f in failures if not f.startswith("drift:")]
    body += h.badge("all passed", "ok") if not deterministic else h.badge("failed", "bad")
    body += "</p>"
    if failures:
        body += "<ul>" + "".join(f"<li>{h.esc(f)}</li>" for f in failures) + "</ul>"
    body += (
        "<h3>Drift: two-sample Kolmogorov-Smirnov test per numeric feature</h3>"
        '<p class="muted">Each test at level alpha / number of tests (Bonferroni).</p>'
        + h.table(["column", "KS statistic", "p-value", "threshold", "result"], rows, (1, 2, 3))
    )
    return _section("Data check", body, "data-check")


def _other_artifacts(summary, artifacts):
    sections = []
    for record in summary.get("steps", []):
        for name in record.get("outputs") or {}:
            if name in SPECIAL or name in TABLES or name not in artifacts:
                continue
            artifact = artifacts[name]
            parts = []
            figures = []
            for relative in sorted(artifact.files):
                path = artifact.path / relative
                if relative.endswith(".json"):
                    value = _read_json(path)
                    if value is not None:
                        parts.append(
                            f"<h3><code>{h.esc(relative)}</code></h3>{h.json_block(value)}"
                        )
                elif relative.endswith((".png", ".svg")):
                    figures.append(h.image(path, relative))
            if figures:
                parts.append(f'<div class="figures">{"".join(figures)}</div>')
            title = STEP_TITLES.get(record.get("name"), f"Step {record.get('name')}")
            intro = f"<p>Artifact <code>{h.esc(artifact.ref)}</code></p>"
            sections.append(
                _section(f"{title}: {name}", intro + "".join(parts), f"artifact-{name}")
            )
    return sections


def _metrics(summary, artifacts):
    test = (
        _read_json(artifacts["evaluation"].path / "metrics.json")
        if "evaluation" in artifacts
        else None
    )
    val = (
        _read_json(artifacts["validation"].path / "metrics.json")
        if "validation" in artifacts
        else None
    )
    if test is None and val is None:
        return ""
    gates = (summary.get("config") or {}).get("gates") or {}
    rows, classes = [], []
    for metric in METRICS:
        gate_text, result = "", ""
        for bound in ("min", "max"):
            limit = gates.get(f"{bound}_{metric}")
            if limit is None:
                continue
            gate_text = f"{'&ge;' if bound == 'min' else '&le;'} {h.number(limit)}"
            if test is not None and metric in test:
                ok = test[metric] >= limit if bound == "min" else test[metric] <= limit
                result = h.badge("pass", "ok") if ok else h.badge("fail", "bad")
        rows.append(
            [
                h.esc(metric),
                h.number(val.get(metric)) if val else "",
                h.number(test.get(metric)) if test else "",
                gate_text,
                result,
            ]
        )
        classes.append(None)
    extra = sorted(
        k
        for k, v in (test or {}).items()
        if k not in METRICS
        and k != "n_samples"
        and isinstance(v, int | float)
        and not isinstance(v, bool)
    )
    for key in extra:
        rows.append([h.esc(key), h.number((val or {}).get(key)), h.number(test[key]), "", ""])
    body = h.table(["metric", "validation", "test", "gate", "result"], rows, (1, 2))
    matrix = (test or val or {}).get("confusion_matrix")
    if matrix:
        labels = matrix["labels"]
        cells = [
            [f"<b>true {h.esc(label)}</b>", *(h.number(v) for v in row)]
            for label, row in zip(labels, matrix["matrix"])
        ]
        body += "<h3>Confusion matrix ({})</h3>".format("test" if test else "validation")
        body += h.table(
            ["", *(f"predicted {label}" for label in labels)],
            cells,
            tuple(range(1, len(labels) + 1)),
        )
    if test:
        body += (
            f'<p class="muted">{h.number(test.get("n_samples"))} test rows; positive class '
            f"<code>{h.esc(test.get('positive_class'))}</code>.</p>"
        )
    return _section("Test metrics and gates", body, "metrics")


def _plots(artifacts):
    artifact = artifacts.get("evaluation")
    if artifact is None:
        return ""
    figures = [
        h.image(artifact.path / name, caption)
        for name, caption in PLOTS
        if (artifact.path / name).is_file()
    ]
    if not figures:
        return ""
    return _section("Plots", f'<div class="figures">{"".join(figures)}</div>', "plots")


def _lineage_item(node):
    artifact = node["artifact"]
    meta = artifact.metadata or {}
    details = [
        f"sha256 <code>{h.esc(artifact.sha256[:16])}</code>",
        f"step {h.esc(artifact.step)}",
        f"run <code>{h.esc(artifact.run_id)}</code>",
        h.esc(artifact.created_utc),
    ]
    for key in ("source", "model_uuid", "cartflow_version", "pinned_from"):
        if meta.get(key):
            details.append(f"{h.esc(key)} <code>{h.esc(meta[key])}</code>")
    children = "".join(_lineage_item(child) for child in node["inputs"])
    inner = f'<ul class="lineage">{children}</ul>' if children else ""
    label = f"<b><code>{h.esc(artifact.ref)}</code></b> &middot; {' &middot; '.join(details)}"
    return f"<li>{label}{inner}</li>"


def _lineage(artifacts, store):
    artifact = artifacts.get("model_export")
    if artifact is None:
        return ""
    tree = store.lineage(artifact.ref)
    files = h.table(
        ["file", "sha256"],
        [
            [f"<code>{h.esc(k)}</code>", f"<code>{h.esc(v)}</code>"]
            for k, v in sorted(artifact.files.items())
        ],
    )
    body = (
        f"<p>The exported model <code>{h.esc(artifact.ref)}</code> at "
        f"<code>{h.esc(artifact.path)}</code> and what it was made from:</p>"
        f'<ul class="lineage root">{_lineage_item(tree)}</ul><h3>Files</h3>{files}'
    )
    return _section("Lineage of the exported model", body, "lineage")


def _config(summary):
    config = summary.get("config")
    if not config:
        return ""
    text = yaml.safe_dump(config, sort_keys=False)
    return _section(
        "Configuration",
        f"<details open><summary>config ({h.esc(summary.get('config_source'))})</summary>"
        f"<pre>{h.esc(text)}</pre></details>",
        "config",
    )
