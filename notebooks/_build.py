"""Build the teaching notebooks from their Python sources.

Each notebook is written as a plain Python file in ``notebooks/src/`` in the "percent" format
that Jupytext and most editors understand: ``# %%`` starts a code cell and ``# %% [markdown]`` a
markdown cell whose lines all start with ``#``. ``# %% [solution]`` starts the solution of an
exercise: a code cell tagged ``solution`` whose source is collapsed when the notebook opens, so a
student tries first and expands it after; the test suite executes it like any other cell, and
every solution checks itself with ``assert``. Editing the source and running

    python notebooks/_build.py            # writes notebooks/NN_name.ipynb, without outputs
    python notebooks/_build.py --check    # exits 1 when a committed notebook is out of date

keeps the notebooks reviewable as ordinary diffs. The generated files carry no outputs and no
execution counts, and their cell ids are derived from the position, so the same source always
gives the same bytes.
"""

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parent
SOURCE_DIR = NOTEBOOK_DIR / "src"
CELL_MARKER = re.compile(r"^# %%(?: \[(?P<kind>markdown|solution)\])?\s*$")
SOLUTION_METADATA = {"tags": ["solution"], "jupyter": {"source_hidden": True}}

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def split_cells(text):
    """Split percent-format source text into ``(kind, source)`` pairs.

    Parameters
    ----------
    text : str
        The notebook source; anything before the first ``# %%`` marker is ignored.

    Returns
    -------
    list of tuple
        ``("code" | "markdown" | "solution", cell_source)`` in order; empty cells are dropped.
    """
    cells = []
    kind, lines = None, []
    for line in text.splitlines():
        match = CELL_MARKER.match(line)
        if match:
            if kind is not None:
                cells.append((kind, lines))
            kind = match.group("kind") or "code"
            lines = []
        elif kind is not None:
            lines.append(line)
    if kind is not None:
        cells.append((kind, lines))
    return [(kind, source) for kind, lines in cells if (source := _cell_text(kind, lines))]


def _cell_text(kind, lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if kind == "markdown":
        lines = [_uncomment(line) for line in lines]
    return "\n".join(lines).strip("\n")


def _uncomment(line):
    if line == "#":
        return ""
    if line.startswith("# "):
        return line[2:]
    raise ValueError(
        f"markdown line does not start with '# ': {line!r} (every line of a markdown cell is a "
        "comment; code needs its own '# %%' cell)"
    )


def build_notebook(source_path):
    """The notebook (an ``nbformat.NotebookNode``) that a source file describes."""
    source_path = Path(source_path)
    prefix = source_path.stem.split("_")[0]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for index, (kind, source) in enumerate(split_cells(source_path.read_text(encoding="utf-8"))):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        elif kind == "solution":
            cell = nbformat.v4.new_code_cell(source, metadata=_solution_metadata())
        else:
            cell = nbformat.v4.new_code_cell(source)
        cell.id = f"nb{prefix}-{index:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def _solution_metadata():
    return {"tags": list(SOLUTION_METADATA["tags"]), "jupyter": dict(SOLUTION_METADATA["jupyter"])}


def is_solution(cell):
    """Whether a notebook cell is an exercise's solution (tagged ``solution``)."""
    return cell.get("cell_type") == "code" and "solution" in cell.get("metadata", {}).get(
        "tags", []
    )


def render(source_path):
    """The exact text of the ``.ipynb`` file generated from ``source_path``."""
    return nbformat.writes(build_notebook(source_path)) + "\n"


def sources():
    """The notebook sources, in order."""
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py"))


def notebook_path(source_path):
    return NOTEBOOK_DIR / (Path(source_path).stem + ".ipynb")


def _write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report notebooks that differ from their source"
    )
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        target = notebook_path(source)
        text = render(source)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(target.name)
        else:
            _write_atomic(target, text)
            print(f"wrote {target.relative_to(NOTEBOOK_DIR.parent)}")
    if stale:
        print("out of date (run python notebooks/_build.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
