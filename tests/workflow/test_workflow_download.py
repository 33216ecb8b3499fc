"""The download step's fetch: http (loopback server), file://, local paths, bundled://."""

import hashlib
import time

import pytest

from pipeline.datasets import adult_path
from pipeline.workflow.errors import DownloadError
from pipeline.workflow.steps.download import fetch, local_source_path, target_name

PAYLOAD = b"39, State-gov, 77516\n" * 1000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_http_download_streams_and_hashes(http_server, tmp_path):
    http_server.routes["/adult.data"] = PAYLOAD
    sha, size = fetch(
        f"{http_server.url}/adult.data", tmp_path / "out", timeout=5, expected_sha256=PAYLOAD_SHA
    )
    assert (sha, size) == (PAYLOAD_SHA, len(PAYLOAD))
    assert (tmp_path / "out").read_bytes() == PAYLOAD


def test_http_retries_server_errors(http_server, tmp_path):
    http_server.routes["/flaky"] = PAYLOAD
    http_server.failures_left["/flaky"] = 2
    messages = []
    sha, _ = fetch(
        f"{http_server.url}/flaky",
        tmp_path / "out",
        retries=2,
        retry_backoff=0.001,
        log=lambda *args: messages.append(args),
    )
    assert sha == PAYLOAD_SHA
    assert len(messages) == 2


def test_http_gives_up_after_retries(http_server, tmp_path):
    http_server.routes["/down"] = PAYLOAD
    http_server.failures_left["/down"] = 10
    with pytest.raises(DownloadError, match="after 3 attempt"):
        fetch(f"{http_server.url}/down", tmp_path / "out", retries=2, retry_backoff=0.001)
    assert not (tmp_path / "out").exists()


def test_http_404_is_not_retried(http_server, tmp_path):
    with pytest.raises(DownloadError, match=r"after 1 attempt.*HTTP 404"):
        fetch(f"{http_server.url}/absent", tmp_path / "out", retries=5, retry_backoff=0.001)


def test_unreachable_url_fails_clearly_after_retries(closed_port, tmp_path):
    started = time.perf_counter()
    with pytest.raises(DownloadError, match=r"could not download .* after 3 attempt\(s\)"):
        fetch(
            f"http://127.0.0.1:{closed_port}/adult.data",
            tmp_path / "out",
            timeout=2,
            retries=2,
            retry_backoff=0.001,
        )
    assert time.perf_counter() - started < 10


def test_slow_server_times_out(http_server, tmp_path):
    http_server.routes["/slow"] = PAYLOAD
    http_server.delays["/slow"] = 1.0
    started = time.perf_counter()
    with pytest.raises(DownloadError, match="after 1 attempt.*timed out"):
        fetch(f"{http_server.url}/slow", tmp_path / "out", timeout=0.2, retries=0)
    assert time.perf_counter() - started < 1.0


def test_checksum_mismatch(http_server, tmp_path):
    http_server.routes["/adult.data"] = PAYLOAD
    with pytest.raises(DownloadError, match="checksum mismatch.*expected sha256 0+, got"):
        fetch(f"{http_server.url}/adult.data", tmp_path / "out", expected_sha256="0" * 64)
    assert not (tmp_path / "out").exists()


def test_file_url_local_path_and_bundled(tmp_path):
    source = tmp_path / "src.csv"
    source.write_bytes(PAYLOAD)
    for url in (source.as_uri(), str(source)):
        sha, size = fetch(url, tmp_path / "copy", expected_sha256=PAYLOAD_SHA)
        assert (sha, size) == (PAYLOAD_SHA, len(PAYLOAD))
    sha, _ = fetch("bundled://adult.data.gz", tmp_path / "adult.data.gz")
    assert sha == hashlib.sha256(adult_path().read_bytes()).hexdigest()
    assert local_source_path("bundled://adult.data.gz") == adult_path()


@pytest.mark.parametrize(
    "url, message",
    [
        ("bundled://nothing.gz", "no bundled file"),
        ("bundled://../datasets.py", "plain file name"),
        ("ftp://example.org/x", "unsupported scheme"),
    ],
)
def test_bad_sources(url, message, tmp_path):
    with pytest.raises(DownloadError, match=message):
        fetch(url, tmp_path / "out")


def test_missing_local_file(tmp_path):
    with pytest.raises(DownloadError, match="does not exist"):
        fetch(str(tmp_path / "absent.csv"), tmp_path / "out")


def test_target_name():
    assert target_name("https://h/x/adult.data?x=1") == "adult.data"
    assert target_name("bundled://adult.data.gz") == "adult.data.gz"
    assert target_name("https://h/") == "data"
