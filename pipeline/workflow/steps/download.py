"""Step 1, ``download``: fetch ``data.file_url`` into the ``raw_data`` artifact.

Sources: ``http://`` and ``https://`` (streamed, with a timeout and retries), ``file://`` URLs,
local paths (relative to the current directory) and ``bundled://NAME``, a file shipped in
``pipeline/data/`` (the default, ``bundled://adult.data.gz``, is the UCI Adult training data).
The bytes are stored unchanged; their sha256 is recorded and, when ``data.sha256`` is set,
checked.
"""

import hashlib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from importlib import resources
from pathlib import Path

from pipeline.workflow.errors import DownloadError
from pipeline.workflow.fsutil import file_sha256

NAME = "download"
OUTPUTS = ("raw_data",)
OPTIONAL_OUTPUTS = ()
CODE_DEPENDENCIES = ()
CHUNK = 1 << 16
BUNDLED_SCHEME = "bundled://"


def inputs(config, store):
    return {}


def params(config):
    data = config["data"]
    return {"file_url": data["file_url"], "sha256": data["sha256"]}


def fingerprint(config):
    """A local source's content hash (so a changed file re-runs); None for remote URLs."""
    url = config["data"]["file_url"]
    if urllib.parse.urlsplit(url).scheme in ("http", "https"):
        return None
    path = local_source_path(url)
    return {"source_sha256": file_sha256(path)} if path.is_file() else {"missing": str(path)}


def bundled_path(name):
    """Path of a data file shipped in ``pipeline/data/`` (``bundled://NAME``)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise DownloadError(f"bundled file name {name!r} must be a plain file name")
    path = Path(str(resources.files("pipeline") / "data" / name))
    if not path.is_file():
        shipped = sorted(p.name for p in path.parent.iterdir() if p.is_file())
        raise DownloadError(f"no bundled file {name!r}; the package ships {shipped}")
    return path


def local_source_path(url):
    """The file a non-HTTP ``file_url`` names (bundled://, file:// or a plain path)."""
    if url.startswith(BUNDLED_SCHEME):
        return bundled_path(url[len(BUNDLED_SCHEME) :])
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return Path(urllib.request.url2pathname(parts.path))
    if parts.scheme and len(parts.scheme) > 1:
        raise DownloadError(
            f"data.file_url {url!r}: unsupported scheme {parts.scheme!r} (use http, https, file, "
            "bundled or a local path)"
        )
    return Path(url)


def target_name(url):
    """The file name to store the download under (the URL's last path segment)."""
    if url.startswith(BUNDLED_SCHEME):
        return url[len(BUNDLED_SCHEME) :]
    name = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    safe = "".join(c for c in name if c.isalnum() or c in "._-").lstrip(".")
    return safe or "data"


def _copy_and_hash(source, sink):
    """Copy the readable ``source`` into ``sink`` in chunks; returns (sha256 hex, size)."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
        sink.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _copy_local(path, destination):
    if not path.is_file():
        raise DownloadError(f"data file {str(path)!r} does not exist")
    with open(path, "rb") as source, open(destination, "wb") as sink:
        return _copy_and_hash(source, sink)


def _stream_http(url, destination, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "cartflow-download"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        expected = response.headers.get("Content-Length")
        with open(destination, "wb") as sink:
            sha256, size = _copy_and_hash(response, sink)
    if expected is not None and expected.isdigit() and int(expected) != size:
        raise OSError(f"connection closed after {size} of {expected} bytes")
    return sha256, size


def _retryable(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    return isinstance(exc, (urllib.error.URLError, socket.timeout, TimeoutError, OSError))


def _describe(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    return getattr(exc, "reason", None) or exc


def fetch(
    url, destination, *, timeout=30.0, retries=3, retry_backoff=0.5, expected_sha256=None, log=None
):
    """Stream ``url`` to the file ``destination``.

    Parameters
    ----------
    url : str
        ``http(s)://``, ``file://``, ``bundled://NAME`` or a local path.
    destination : Path
        File to write.
    timeout : float
        Seconds a connection or read may block (HTTP).
    retries : int
        Further attempts after a failed HTTP attempt (network errors, 5xx, 408, 429), waiting
        ``retry_backoff * 2**attempt`` seconds between attempts.
    expected_sha256 : str, optional
        The download must have this sha256, else :class:`DownloadError`.

    Returns
    -------
    (sha256, size_in_bytes)
    """
    destination = Path(destination)
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("http", "https"):
        attempts = retries + 1
        for attempt in range(attempts):
            try:
                sha256, size = _stream_http(url, destination, timeout)
                break
            except Exception as exc:
                if not _retryable(exc) or attempt == attempts - 1:
                    destination.unlink(missing_ok=True)
                    reason = _describe(exc)
                    raise DownloadError(
                        f"could not download {url} after {attempt + 1} attempt(s): {reason}. "
                        "Check data.file_url and the network, or point data.file_url at a "
                        "local copy"
                    ) from exc
                wait = retry_backoff * 2**attempt
                if log is not None:
                    log(
                        "attempt %d of %d failed (%s); retrying in %.2f s",
                        attempt + 1,
                        attempts,
                        _describe(exc),
                        wait,
                    )
                time.sleep(wait)
    else:
        sha256, size = _copy_local(local_source_path(url), destination)
    if expected_sha256 is not None and sha256 != expected_sha256.lower():
        destination.unlink(missing_ok=True)
        raise DownloadError(
            f"checksum mismatch for {url}: expected sha256 {expected_sha256}, got {sha256}. "
            "The file changed or is corrupt; fix data.sha256 (null skips the check)"
        )
    return sha256, size


def run(ctx):
    data = ctx.config["data"]
    url = data["file_url"]
    folder = ctx.output_dir("raw_data")
    name = target_name(url)
    sha256, size = fetch(
        url,
        folder / name,
        timeout=data["timeout"],
        retries=data["retries"],
        retry_backoff=data["retry_backoff"],
        expected_sha256=data["sha256"],
        log=ctx.log,
    )
    ctx.metadata["raw_data"] = {"source": url, "file": name, "sha256": sha256, "bytes": size}
    ctx.metrics = {"bytes": size}
    ctx.log("fetched %s (%s bytes, sha256 %s)", url, f"{size:,}", sha256[:12])
