"""Small HTML building blocks of the run report and the run comparison (no templates, no JS).

Every page is self-contained: inline CSS, images as ``data:`` URIs, and a Content-Security-Policy
that forbids loading anything else, so a page opened offline looks the same as online.
"""

import base64
import html
import json
from pathlib import Path

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; margin: 0; background: #f4f5f7; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 4px 16px 14px;
          margin: 14px 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid #dde1e8; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; } td.num { text-align: right;
     font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, monospace; } pre { background: #f6f8fa; padding: 8px;
     overflow: auto; max-height: 480px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px;
         font-weight: 600; }
.ok { background: #d8f3dc; color: #1b5e20; } .bad { background: #fde2e1; color: #a4161a; }
.info { background: #e3ecfa; color: #1d3f77; } .muted { color: #667085; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; } figure img { max-width: 100%; border: 1px solid #dde1e8; }
figcaption { font-size: 12px; color: #667085; }
.error { white-space: pre-wrap; background: #fde2e1; padding: 8px; border-radius: 4px; }
ul.lineage { list-style: none; padding-left: 18px; border-left: 2px solid #dde1e8; }
ul.lineage.root { border-left: none; padding-left: 0; }
tr.differs td { background: #fff8e1; }
"""


def esc(value):
    """HTML-escaped text of any value (None as an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def badge(text, kind):
    return f'<span class="badge {kind}">{esc(text)}</span>'


def status_badge(status):
    kind = {"succeeded": "ok", "ran": "ok", "cached": "info", "passed": "ok"}.get(status, "bad")
    if status == "running":
        kind = "info"
    return badge(status, kind)


def number(value, digits=4):
    """A number for a table cell: floats to ``digits`` significant places, the rest as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"


def table(header, rows, numeric=(), row_classes=None):
    """``rows`` of already-escaped cell HTML; columns listed in ``numeric`` align right."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>"
            for j, c in enumerate(row)
        )
        css = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(path, caption):
    """A ``<figure>`` with the PNG or SVG at ``path`` embedded as a data URI."""
    path = Path(path)
    kind = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{kind};base64,{data}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def json_block(value):
    """A JSON value as a table when it is flat (a mapping of scalars or a list of such), else
    as pretty-printed text."""
    if isinstance(value, dict) and value and all(_scalar(v) for v in value.values()):
        return table(["key", "value"], [[esc(k), number(v)] for k, v in value.items()], (1,))
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all(_scalar(x) for row in value for x in row.values()):
            keys = list(dict.fromkeys(k for row in value for k in row))
            rows = [[number(row.get(k)) for k in keys] for row in value]
            return table(keys, rows)
    return f"<pre>{esc(json.dumps(value, indent=2, sort_keys=True))}</pre>"


def _scalar(value):
    return value is None or isinstance(value, str | int | float | bool)


def page(title, body):
    """A whole HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
