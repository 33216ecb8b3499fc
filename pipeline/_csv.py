"""Check that every row of a CSV file has the same number of fields, naming the first line that
does not. pandas fills a short row's missing fields with NaN, so a truncated line would otherwise
be scored (or trained on) with imputed values."""

import csv
import gzip
import itertools
from pathlib import Path


def open_text(path):
    """The file as text (``.gz`` decompressed), universal newlines kept for ``csv``."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115


def check_field_counts(path, n_fields=None, *, sep=","):
    """Raise ``ValueError`` naming the first line whose field count differs.

    Parameters
    ----------
    path : str or Path
        A CSV file (optionally gzip-compressed).
    n_fields : int, optional
        The expected number of fields; default: the first non-blank line's (the header's).
    sep : str, default ","
        The field separator.

    Returns
    -------
    int
        The number of fields per row.

    Notes
    -----
    Lines without a quote character are counted with ``str.count`` (fast); from the first line
    holding a quote on, the ``csv`` module parses the rest (quoted separators and newlines).
    Blank lines are skipped, as pandas does.
    """
    with open_text(path) as handle:
        lines = iter(handle)
        line_no = 0
        for line in lines:
            line_no += 1
            if '"' in line:
                return _check_with_csv(path, itertools.chain([line], lines), line_no, n_fields, sep)
            body = line.rstrip("\r\n")
            if not body.strip():
                continue
            count = body.count(sep) + 1
            if n_fields is None:
                n_fields = count
            elif count != n_fields:
                _fail(path, line_no, count, n_fields)
    return n_fields


def _check_with_csv(path, lines, first_line_no, n_fields, sep):
    reader = csv.reader(lines, delimiter=sep)
    start = first_line_no - 1
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if n_fields is None:
            n_fields = len(row)
        elif len(row) != n_fields:
            _fail(path, start + reader.line_num, len(row), n_fields)
    return n_fields


def _fail(path, line_no, count, n_fields):
    raise ValueError(
        f"line {line_no} of {path} has {count} fields, expected {n_fields}; the file is "
        "truncated or malformed (fix or remove that line)"
    )
