"""Every teaching notebook ends its main sections with exercises whose solutions check themselves.

A solution is a ``# %% [solution]`` cell in the notebook's source (see ``notebooks/_build.py``):
tagged ``solution``, collapsed when the notebook opens, executed by ``test_notebook_runs_clean``
like every other cell. These tests check the shape: at least three exercises per notebook, each
announced by a markdown cell before its solution, each solution asserting its own answer.
"""

import ast

import pytest
from notebook_support import NOTEBOOK_DIR, load_builder

MIN_EXERCISES = 3
NOTEBOOKS = sorted(path.name for path in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def _asserts(source):
    return any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(source)))


def exercise_problems(notebook, is_solution):
    """What is wrong with a notebook's exercises (an empty list when nothing is)."""
    problems, announced, solutions = [], False, 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and "exercise" in cell.source.lower():
            announced = True
        elif is_solution(cell):
            solutions += 1
            if not announced:
                problems.append(f"cell {index}: a solution with no exercise announced before it")
            if not _asserts(cell.source):
                problems.append(f"cell {index}: the solution asserts nothing")
            if not cell.metadata.get("jupyter", {}).get("source_hidden"):
                problems.append(f"cell {index}: the solution is not collapsed")
            announced = False
    if solutions < MIN_EXERCISES:
        problems.append(f"{solutions} exercises, at least {MIN_EXERCISES} wanted")
    return problems


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_has_checked_exercises(name):
    builder = load_builder()
    source = builder.SOURCE_DIR / name.replace(".ipynb", ".py")
    assert exercise_problems(builder.build_notebook(source), builder.is_solution) == []


def test_the_exercise_check_can_fail(tmp_path):
    builder = load_builder()
    source = tmp_path / "07_demo.py"
    good = "# %% [markdown]\n# **Exercise.** Add.\n\n# %% [solution]\nassert 1 + 1 == 2\n"
    source.write_text(good * MIN_EXERCISES, encoding="utf-8")
    notebook = builder.build_notebook(source)
    assert exercise_problems(notebook, builder.is_solution) == []
    solution = notebook.cells[1]
    assert builder.is_solution(solution) and solution.metadata["tags"] == ["solution"]
    source.write_text(good * (MIN_EXERCISES - 1), encoding="utf-8")
    assert exercise_problems(builder.build_notebook(source), builder.is_solution) == [
        f"{MIN_EXERCISES - 1} exercises, at least {MIN_EXERCISES} wanted"
    ]
    source.write_text("# %% [solution]\nx = 1\n" + good * MIN_EXERCISES, encoding="utf-8")
    problems = exercise_problems(builder.build_notebook(source), builder.is_solution)
    assert problems == [
        "cell 0: a solution with no exercise announced before it",
        "cell 0: the solution asserts nothing",
    ]
