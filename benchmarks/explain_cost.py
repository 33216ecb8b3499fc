"""In-process cost of ``?explain=true``: the scoring path of ``/invocations`` with and without.

Times, on the exported model, (a) ``_score`` of ``pipeline/serving/app.py`` on already validated
columns and (b) the whole handler from request bytes to answer bytes (parse, validate, score,
encode), without and with explanations, alternating the two so that machine noise hits both,
and prints the best of the repetitions and the ratio. Usage::

    python benchmarks/explain_cost.py --model artifacts/model_export/v0 --rows 500 --rows 1
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving_load import adult_rows, split_body  # noqa: E402


def _best(function, inner):
    start = time.perf_counter()
    for _ in range(inner):
        function()
    return (time.perf_counter() - start) / inner


def measure(model_dir, n_rows, repeats=40, inner=None):
    """Best-of-``repeats`` seconds per call of ``_score`` and of the handler, without/with."""
    from pipeline.serving.app import _Invocations, _score
    from pipeline.serving.model_loader import load_model
    from pipeline.serving.protocol import parse_request

    loaded = load_model(model_dir)
    columns_names, rows = adult_rows(n_rows)
    body = split_body(columns_names, rows)
    handler = _Invocations(loaded, 16 * 1024 * 1024, 100_000)
    parsed, _, _ = parse_request(body, "application/json", 100_000)
    columns = loaded.signature.validate_columns(parsed)
    inner = inner or max(1, 2000 // max(n_rows, 1) + 1)
    cases = {
        "_score": (
            lambda: _score(loaded, columns, False, False),
            lambda: _score(loaded, columns, False, True),
        ),
        "handler": (
            lambda: handler.answer_now(body, "application/json", ""),
            lambda: handler.answer_now(body, "application/json", "explain=true"),
        ),
    }
    for plain, explained in cases.values():  # warm up: the explainer's tables, numba
        plain(), explained()
    status, answer = handler.answer_now(body, "application/json", "explain=true")
    assert status == 200 and answer.count(b'{"rules":[') == n_rows, answer[:200]
    results = {}
    for name, (plain, explained) in cases.items():
        times = {False: [], True: []}
        for _ in range(repeats):
            times[False].append(_best(plain, inner))
            times[True].append(_best(explained, inner))
        results[name] = {
            "plain_ms": 1000 * min(times[False]),
            "explain_ms": 1000 * min(times[True]),
            "plain_median_ms": 1000 * statistics.median(times[False]),
            "explain_median_ms": 1000 * statistics.median(times[True]),
        }
    results["answer_bytes"] = len(answer)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="exported model folder")
    parser.add_argument("--rows", type=int, action="append", help="rows per body (repeatable)")
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args(argv)
    print(
        f"{'rows':>5} {'path':>8} {'plain ms':>9} {'explain ms':>10} {'ratio':>6} "
        f"{'(medians)':>18} {'answer KB':>9}"
    )
    for n_rows in args.rows or [500, 1]:
        results = measure(args.model, n_rows, repeats=args.repeats)
        for name in ("_score", "handler"):
            r = results[name]
            medians = f"{r['plain_median_ms']:.3f}/{r['explain_median_ms']:.3f}"
            print(
                f"{n_rows:>5} {name:>8} {r['plain_ms']:>9.3f} {r['explain_ms']:>10.3f} "
                f"{r['explain_ms'] / r['plain_ms']:>5.2f}x {medians:>18} "
                f"{results['answer_bytes'] / 1024:>9.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
