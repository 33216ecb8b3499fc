"""The run report (runs/<id>/report.html) and `cartflow runs list|compare`."""

import base64
import html
import io
import json
import re

import matplotlib.image
import pytest
from workflow_support import quick_run, run_cli

from pipeline.workflow.report import render
from pipeline.workflow.store import ArtifactStore


def _latest_run(workdir):
    path = sorted((workdir / "runs").glob("*/run.json"))[-1]
    return json.loads(path.read_text()), path.parent


def _text(page):
    """The page's visible text, tags removed and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_report_shows_the_run(workflow_run):
    workdir, code, out, _ = workflow_run
    assert code == 0
    summary, run_dir = _latest_run(workdir)
    report_line = next(line for line in out.splitlines() if line.strip().startswith("report"))
    assert (workdir / report_line.split()[-1]) == run_dir / "report.html"
    page = (run_dir / "report.html").read_text()
    text = _text(page)
    # nothing is loaded from anywhere: every src is a data: URI, and no link leaves the page
    assert re.findall(r'(?:src|href)="(?!data:)', page) == []
    assert "default-src 'none'" in page
    # status and every step with its timing
    assert "succeeded" in text
    for record in summary["steps"]:
        assert re.search(rf"{record['name']}\s+ran\s+{record['seconds']:.2f} s", text)
    store = ArtifactStore(workdir / "artifacts")
    # the data check: each KS test's statistic and p-value
    check = json.loads((store.get("data_check").path / "report.json").read_text())
    assert len(check["ks_tests"]) == 6
    for test in check["ks_tests"]:
        assert re.search(rf"{test['column']}\s+{test['statistic']:.4f}", text)
    # test metrics next to their gates
    metrics = json.loads((store.get("evaluation").path / "metrics.json").read_text())
    assert re.search(rf"roc_auc\s+\S+\s+{metrics['roc_auc']:.4f}\s+≥ 0.8000\s+pass", text)
    matrix = metrics["confusion_matrix"]["matrix"]
    assert re.search(rf"true <=50K\s+{matrix[0][0]:,}\s+{matrix[0][1]:,}", text)
    # the tuning step's plot and the four evaluation plots, embedded and decodable
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', page)
    assert [alt for _, alt in images] == [
        "scores.png",
        "Confusion matrix (test)",
        "ROC curve (test)",
        "Precision-recall curve (test)",
        "The tree (first levels)",
    ]
    plot = base64.b64decode(images[1][0])
    assert plot == (store.get("evaluation").path / "confusion_matrix.png").read_bytes()
    for data, _ in images:
        assert matplotlib.image.imread(io.BytesIO(base64.b64decode(data))).ndim == 3
    # the exported model's lineage down to the raw data
    for name in ("model_export", "train_data", "preprocessed_data", "raw_data"):
        artifact = store.get(name)
        assert artifact.ref in text and artifact.sha256[:16] in text
    assert "bundled://adult.data.gz" in text
    assert "max_depth: 5" in text  # the config


def test_a_failed_run_has_a_report_with_its_error(tmp_path):
    code, _, err = quick_run(
        tmp_path, "data.checks.min_rows=100000", steps="download,preprocess,check_data"
    )
    assert code == 1
    summary, run_dir = _latest_run(tmp_path)
    text = _text((run_dir / "report.html").read_text())
    assert "failed" in text and "DataCheckError" in text
    assert "fewer than data.checks.min_rows=100000" in text
    assert re.search(r"check_data\s+failed", text)
    assert "Test metrics" not in text and "Lineage" not in text  # no such artifacts


def test_other_artifacts_such_as_tuning_results_get_a_section(tmp_path):
    store = ArtifactStore(tmp_path / "artifacts")
    staged = store.staging_dir()
    trials = [{"max_depth": 3, "roc_auc": 0.81}, {"max_depth": 6, "roc_auc": 0.875}]
    (staged / "results.json").write_text(json.dumps(trials))
    (staged / "best.json").write_text(json.dumps({"max_depth": 6, "threshold": 0.42}))
    outputs = store.commit({"tuning": (staged, {})}, step="tune", run_id="r")
    summary = {
        "run_id": "20260101T000000Z-abcdef",
        "status": "succeeded",
        "seconds": 1.0,
        "steps": [
            {"name": "tune", "status": "ran", "seconds": 0.5, "outputs": {"tuning": "tuning:v0"}}
        ],
    }
    text = _text(render(summary, store, tmp_path))
    assert "Tuning results: tuning" in text and outputs["tuning"].ref in text
    assert re.search(r"max_depth\s+roc_auc\s+3\s+0.8100\s+6\s+0.8750", text)
    assert re.search(r"threshold\s+0.4200", text)


def _fake_run(workdir, run_id, depth, auc, status="succeeded"):
    folder = workdir / "runs" / run_id
    folder.mkdir(parents=True)
    summary = {
        "run_id": run_id,
        "status": status,
        "seconds": 12.5,
        "config": {"model": {"tree": {"max_depth": depth}}, "data": {"test_size": 0.3}},
        "steps": [
            {"name": "train", "status": "ran", "metrics": {"val_accuracy": 0.85}},
            {"name": "evaluate", "status": "cached", "metrics": {"test_roc_auc": auc}},
        ],
    }
    (folder / "run.json").write_text(json.dumps(summary))


def test_runs_list_and_compare(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", 5, 0.8512)
    _fake_run(tmp_path, "20260102T000000Z-bbbbbb", 8, 0.8733, status="failed")
    code, out, _ = run_cli(["runs", "--workdir", tmp_path, "list"])
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["20260102T000000Z-bbbbbb", "failed"]
    assert "0.8733" in lines[1] and "2 (1 cached)" in lines[1]
    assert lines[2].split()[:2] == ["20260101T000000Z-aaaaaa", "succeeded"]

    code, out, _ = run_cli(["runs", "--workdir", tmp_path, "compare", "aaaaaa", "20260102"])
    assert code == 0
    rows = {line.split()[1]: line.split()[2:] for line in out.splitlines()[1:] if line.strip()}
    assert rows["model.tree.max_depth"] == ["5", "8"]
    assert rows["test_roc_auc"] == ["0.8512", "0.8733"]
    assert rows["status"] == ["succeeded", "failed"]
    assert "data.test_size" not in rows and "val_accuracy" not in rows  # the same in both
    page = (tmp_path / "runs" / "compare-aaaaaa-bbbbbb.html").read_text()
    assert "model.tree.max_depth" in page and "data.test_size" not in page

    code, out, _ = run_cli(
        [
            "runs",
            "--workdir",
            tmp_path,
            "compare",
            "aaaaaa",
            "bbbbbb",
            "--all",
            "--html",
            tmp_path / "all.html",
        ]
    )
    assert code == 0 and "data.test_size" in out and "val_accuracy" in out
    assert "data.test_size" in (tmp_path / "all.html").read_text()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["2026", "aaaaaa"], "ambiguous"),
        (["cccccc", "aaaaaa"], "no run 'cccccc'"),
        (["aaaaaa"], "at least two runs"),
    ],
)
def test_runs_compare_says_what_is_wrong(tmp_path, ids, message):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", 5, 0.85)
    _fake_run(tmp_path, "20260102T000000Z-bbbbbb", 8, 0.87)
    code, _, err = run_cli(["runs", "--workdir", tmp_path, "compare", *ids])
    assert code == 2 and message in err
