"""Fixtures of the workflow tests: a loopback HTTP server and quick workflow runs."""

import gzip
import http.server
import socket
import threading
import time

import pytest
from workflow_support import quick_run

from pipeline.datasets import adult_path


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}
    failures_left = {}
    delays = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        time.sleep(self.delays.get(self.path, 0.0))
        route = self.routes.get(self.path)
        left = self.failures_left.get(self.path, 0)
        if route is None:
            self.send_error(404, "not found")
            return
        if left > 0:
            self.failures_left[self.path] = left - 1
            self.send_error(503, "try again")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(route)))
        self.end_headers()
        self.wfile.write(route)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A server on 127.0.0.1 in a thread; ``server.routes[path] = bytes`` adds a file."""
    _Handler.routes = {}
    _Handler.failures_left = {}
    _Handler.delays = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    server.routes = _Handler.routes
    server.failures_left = _Handler.failures_left
    server.delays = _Handler.delays
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def adult_raw_bytes():
    """The uncompressed bundled Adult file."""
    return gzip.decompress(adult_path().read_bytes())


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory):
    """One full quick run on the bundled data: (workdir, exit code, stdout, stderr)."""
    workdir = tmp_path_factory.mktemp("workflow")
    code, out, err = quick_run(workdir)
    return workdir, code, out, err


@pytest.fixture
def workdir_copy(workflow_run, tmp_path):
    """A private copy of the session run's work directory, for tests that change it."""
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(workflow_run[0], target)
    return target
