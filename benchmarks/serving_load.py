"""Load test of ``cartflow serve``: throughput and latency from N concurrent keep-alive clients.

Loopback only, bounded in requests and time. The clients are asyncio raw-socket HTTP/1.1
clients (cheap enough not to be the bottleneck on a small machine). Usage::

    python benchmarks/serving_load.py --model artifacts/.../model          # starts a server
    python benchmarks/serving_load.py --url http://127.0.0.1:8000 --rows 1 --rows 500
    python benchmarks/serving_load.py --model ... --rows 500 --explain   # also ?explain=true

Prints one line per body size: requests/s, p50 and p99 latency (ms), errors. With
``--explain`` each size is measured twice, without and with ``?explain=true``, and the ratio of
the mean latencies is printed.
"""

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def _request_bytes(host, port, path, body, content_type="application/json"):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _client(host, port, payload, n_requests, deadline, latencies, failures, check):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(n_requests):
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            writer.write(payload)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200 or (check is not None and not check(body)):
                failures.append((status, body[:200]))
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def run_load(url, body, *, n_requests=2000, concurrency=8, time_limit=60.0, check=None):
    """Send ``n_requests`` POSTs of ``body`` from ``concurrency`` clients; return statistics.

    Parameters
    ----------
    url : str
        ``http://127.0.0.1:PORT/invocations`` (loopback).
    body : bytes
        A JSON request body.
    n_requests, concurrency : int
    time_limit : float
        Seconds after which clients stop sending.
    check : callable, optional
        ``check(response_body) -> bool``; a False answer counts as an error.

    Returns
    -------
    dict
        ``requests``, ``errors``, ``seconds``, ``rps``, ``p50_ms``, ``p99_ms``, ``first_error``.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test only targets loopback addresses")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    payload = _request_bytes(parts.hostname, parts.port, target, body)
    latencies, failures = [], []
    per_client = [
        n_requests // concurrency + (i < n_requests % concurrency) for i in range(concurrency)
    ]

    async def main():
        deadline = time.perf_counter() + time_limit
        await asyncio.gather(
            *(
                _client(
                    parts.hostname, parts.port, payload, n, deadline, latencies, failures, check
                )
                for n in per_client
            )
        )

    start = time.perf_counter()
    asyncio.run(main())
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)

    def quantile(q):
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None

    return {
        "requests": len(latencies),
        "errors": len(failures) + (n_requests - len(latencies)),
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds > 0 else 0.0,
        "p50_ms": quantile(0.50),
        "p99_ms": quantile(0.99),
        "mean_ms": 1000 * statistics.fmean(ordered) if ordered else None,
        "first_error": failures[0] if failures else None,
    }


def split_body(columns, rows):
    """A ``dataframe_split`` JSON body."""
    return json.dumps({"dataframe_split": {"columns": columns, "data": rows}}).encode()


def example_rows(model_dir, n_rows):
    """``n_rows`` rows cycled from the model's exported ``input_example.json``."""
    example = json.loads((Path(model_dir) / "input_example.json").read_text())
    data = example["data"]
    return example["columns"], [data[i % len(data)] for i in range(n_rows)]


def adult_rows(n_rows):
    """``n_rows`` rows of the bundled Adult data, as JSON values."""
    from pipeline.datasets import ADULT_TARGET, load_adult

    frame = load_adult().drop(columns=ADULT_TARGET).head(n_rows)
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame.columns), frame.values.tolist()


def prediction_count_check(n_rows, explain=False):
    def check(body):
        if explain:  # counted, not parsed: parsing ~1 KB per row would load the client
            return body.startswith(b'{"predictions":[') and body.count(b'{"rules":[') == n_rows
        try:
            return len(json.loads(body)["predictions"]) == n_rows
        except (ValueError, KeyError, TypeError):
            return False

    return check


@contextlib.contextmanager
def serve(model_dir, workers=1, timeout=60):
    """Run ``cartflow serve`` on a free loopback port; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "pipeline.serving.cli",
        "serve",
        "--model",
        str(model_dir),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not become healthy") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--model", help="model folder: start `cartflow serve` on it")
    target.add_argument("--url", help="base URL of a running server (loopback)")
    parser.add_argument("--rows", type=int, action="append", help="rows per body (repeatable)")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="measure each size without and with ?explain=true (rule paths per row)",
    )
    args = parser.parse_args(argv)
    sizes = args.rows or [1, 500]

    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(serve(args.model, workers=args.workers))
        print(
            f"{'rows/body':>9} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} "
            f"{'p99 ms':>7}"
        )
        for n_rows in sizes:
            columns, rows = adult_rows(n_rows)
            body = split_body(columns, rows)
            means = []
            for explain in (False, True) if args.explain else (False,):
                path = "/invocations?explain=true" if explain else "/invocations"
                check = prediction_count_check(n_rows, explain)
                run_load(
                    f"{url}{path}",
                    body,
                    n_requests=args.warmup,
                    concurrency=args.concurrency,
                    check=check,
                )
                stats = run_load(
                    f"{url}{path}",
                    body,
                    n_requests=args.requests,
                    concurrency=args.concurrency,
                    time_limit=args.time_limit,
                    check=check,
                )
                label = f"{n_rows}{'+explain' if explain else ''}"
                print(
                    f"{label:>9} {stats['requests']:>8} {stats['errors']:>6} "
                    f"{stats['rps']:>8.0f} {stats['p50_ms']:>7.2f} {stats['p99_ms']:>7.2f}"
                )
                means.append(stats["mean_ms"])
                if stats["first_error"]:
                    print(f"first error: {stats['first_error']}")
            if len(means) == 2 and means[0]:
                print(f"explain / plain mean latency at {n_rows} rows: {means[1] / means[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
