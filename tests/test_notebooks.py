"""The teaching notebooks: committed without outputs, in sync with their sources, and runnable.

Each notebook is executed top to bottom with nbclient (the ``python3`` kernel, which
jupyter_client starts with the interpreter running pytest, so ``.venv``'s) in an empty temporary
working directory, with ``TMPDIR`` pointing into pytest's temporary folder so that the work
directories the notebooks create are cleaned up by pytest. Any cell that raises fails the test.
"""

import json
import time
from pathlib import Path

import pytest
from notebook_support import NOTEBOOK_DIR, load_builder

EXPECTED = [
    "01_decision_tree.ipynb",
    "02_evaluation_metrics.ipynb",
    "03_implementing_pipelines.ipynb",
    "04_test_evaluation_and_deploy.ipynb",
]
# The issue asks for under 60 s each on the 2-core reference machine; this bound leaves room for
# a machine loaded by the rest of the suite (xdist workers) while still catching a runaway cell.
WALL_LIMIT_SECONDS = 150
CELL_TIMEOUT_SECONDS = 120


def _cells_with_outputs(notebook):
    return [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def assert_stripped(path):
    """Fail when a notebook file holds outputs or execution counts."""
    dirty = _cells_with_outputs(json.loads(Path(path).read_text(encoding="utf-8")))
    assert not dirty, (
        f"{Path(path).name}: cells {dirty} hold outputs or execution counts; regenerate it with "
        "`python notebooks/_build.py` (or clear all outputs) before committing"
    )


def test_every_notebook_is_present():
    present = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))
    assert present == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_has_no_outputs(name):
    assert_stripped(NOTEBOOK_DIR / name)


def test_output_check_catches_an_executed_notebook(tmp_path):
    builder = load_builder()
    notebook = builder.build_notebook(builder.SOURCE_DIR / "01_decision_tree.py")
    code_cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code_cell.execution_count = 1
    (tmp_path / "counted.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(AssertionError, match="outputs or execution counts"):
        assert_stripped(tmp_path / "counted.ipynb")
    code_cell.execution_count = None
    code_cell.outputs = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    (tmp_path / "output.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(AssertionError, match="outputs or execution counts"):
        assert_stripped(tmp_path / "output.ipynb")


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_matches_its_source(name):
    builder = load_builder()
    source = builder.SOURCE_DIR / name.replace(".ipynb", ".py")
    committed = (NOTEBOOK_DIR / name).read_text(encoding="utf-8")
    assert committed == builder.render(source), (
        f"{name} differs from src/{source.name}; run `python notebooks/_build.py` and commit both"
    )


def test_builder_splits_markdown_and_code(tmp_path):
    builder = load_builder()
    source = tmp_path / "07_demo.py"
    source.write_text(
        'ignored = "preamble"\n# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n\ny = 2\n'
        "\n# %%\n\n",
        encoding="utf-8",
    )
    notebook = builder.build_notebook(source)
    assert [(cell.cell_type, cell.source) for cell in notebook.cells] == [
        ("markdown", "# Title\n\ntext"),
        ("code", "x = 1\n\n\ny = 2"),
    ]
    assert [cell.id for cell in notebook.cells] == ["nb07-000", "nb07-001"]
    assert builder.render(source) == builder.render(source)
    source.write_text("# %% [markdown]\n# fine\nnot a comment\n", encoding="utf-8")
    with pytest.raises(ValueError, match="does not start with"):
        builder.build_notebook(source)


def test_builder_check_mode_reports_a_stale_notebook(tmp_path, monkeypatch, capsys):
    builder = load_builder()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "07_demo.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    monkeypatch.setattr(builder, "NOTEBOOK_DIR", tmp_path)
    monkeypatch.setattr(builder, "SOURCE_DIR", tmp_path / "src")
    assert builder.main(["--check"]) == 1
    assert "07_demo.ipynb" in capsys.readouterr().err
    assert builder.main([]) == 0
    assert builder.main(["--check"]) == 0
    assert_stripped(tmp_path / "07_demo.ipynb")


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_clean(name, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    workdir, scratch = tmp_path / "cwd", tmp_path / "tmp"
    workdir.mkdir()
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(workdir)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start

    promised = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "plt.show()" in cell.source
    ]
    drawn = [
        index
        for index in promised
        if any("image/png" in output.get("data", {}) for output in notebook.cells[index].outputs)
    ]
    assert promised, f"{name} promises no figure"
    assert drawn == promised, f"{name}: cells {sorted(set(promised) - set(drawn))} drew nothing"
    assert elapsed < WALL_LIMIT_SECONDS, f"{name} took {elapsed:.0f} s"
    assert sorted(p.name for p in workdir.iterdir()) == [], f"{name} wrote into its working dir"
